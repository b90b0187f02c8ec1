"""Engagement envelopes by (assessed) target class.

Each interceptor has an aerodynamic envelope (``max_range_km``, ``max_altitude_km`` …) and, where
the catalogue gives one, a separate **ballistic-missile footprint** (``ballistic_max_range_km``,
``ballistic_max_altitude_km``): against a ballistic target the round's reach is much shorter (the
target closes at 1.5–5 km/s, so the intercept must happen nearer and lower; e.g. the S-400's
~60 km against non-strategic ballistic missiles versus 250 km against aircraft, PAC-3 ≤ 40 km even
for MSE). The envelope used for a decision is chosen by the **assessed** class of the track
(:mod:`iadsim.c2.classification`), never by the truth label.

Rule, for a predicted intercept point at slant range ``r`` and height ``h``::

    R_max(c) = min(R_max, R_bm)  if c = ballistic_missile and R_bm is known, else R_max
    H_max(c) = min(H_max, H_bm)  if c = ballistic_missile and H_bm is known, else H_max
    inside  ⇔  R_min ≤ r ≤ R_max(c)  and  H_min ≤ h ≤ H_max(c)

A footprint value the catalogue does not give (NaN) leaves the aerodynamic value in force.
"""

from __future__ import annotations

import numpy as np

from iadsim.c2.classification import BALLISTIC_MISSILE


def class_limits(max_m: np.ndarray, ballistic_max_m: np.ndarray, assessed_class: np.ndarray) -> np.ndarray:
    """Upper limit (range or height, m) per pair for the assessed class, shape (P,).

    Parameters
    ----------
    max_m : (P,) aerodynamic limit (m).
    ballistic_max_m : (P,) ballistic-missile footprint limit (m), NaN where unknown.
    assessed_class : (P,) class index (THREAT_CLASSES).
    """
    bm = np.asarray(assessed_class) == BALLISTIC_MISSILE
    fp = np.where(np.isnan(ballistic_max_m), max_m, np.minimum(max_m, ballistic_max_m))
    return np.where(bm, fp, max_m)


def inside_envelope(
    slant_m: np.ndarray, alt_m: np.ndarray, assessed_class: np.ndarray,
    min_range_m: np.ndarray, max_range_m: np.ndarray, min_alt_m: np.ndarray, max_alt_m: np.ndarray,
    ballistic_max_range_m: np.ndarray, ballistic_max_alt_m: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Whether each predicted intercept point lies inside the class envelope, (P,) bool.

    All arguments are (P,) arrays in metres (see the module docstring for the rule); NaN slant
    or height (no intercept) is outside.
    """
    r_max = class_limits(max_range_m, ballistic_max_range_m, assessed_class)
    h_max = class_limits(max_alt_m, ballistic_max_alt_m, assessed_class)
    with np.errstate(invalid="ignore"):
        return (slant_m >= min_range_m) & (slant_m <= r_max) & (alt_m >= min_alt_m) & (alt_m <= h_max)
