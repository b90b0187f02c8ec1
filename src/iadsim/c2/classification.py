"""Threat classification from track kinematics — never from the truth label.

A fire unit sees a track: a position and velocity estimate. It assigns one of the threat classes
(:data:`iadsim.scenario.schema.THREAT_CLASSES`) from the estimate alone, and every decision that
depends on the class (kill probability > 0, envelope, weapon choice) uses this *assessed* class.
The true class of the threat behind a track is used only to resolve the physical outcome of an
intercept (the round's Pk against what the target really is).

Rules (first match wins), with speed ``v = |v|``, vertical speed ``v_up = v · û`` (û the local
geodetic up direction at the estimate) and geodetic height ``h`` of the estimate:

1. **ballistic_missile** if ``v ≥ 1000 m/s`` (Mach ≈ 3: faster than every air-breathing threat
   in the catalogue — fighters fly 250 m/s, subsonic cruise missiles 244 m/s — and than any
   operational air-breather except the retired SR-71), or ``h ≥ 25 km`` (above the ceiling of
   air-breathing threats, ~20 km), or ``v_up ≤ −500 m/s`` (a steep fast descent: a re-entering
   warhead; no aircraft or cruise missile dives at 500 m/s).
2. **drone** if ``v < 80 m/s`` (≈ 290 km/h: MALE drones cruise at 36–60 m/s; jet aircraft and
   cruise missiles fly well above 120 m/s; a helicopter would fall here too).
3. **cruise_missile** if ``v ≤ 350 m/s`` and ``h < 2000 m`` (low flier at subsonic/transonic
   speed; 2 km leaves room for sea-skimming and terrain-following flight over the Anatolian
   plateau, 800–2000 m above the ellipsoid).
4. **aircraft** otherwise (faster than 80 m/s, below 1000 m/s, and above 2 km or faster than
   350 m/s).

Known limitations (named, not hidden): a low-flying strike aircraft below 2 km at ≤ 350 m/s is
assessed as a cruise missile; a ballistic missile in its boost phase is assessed by the
air-breathing speed bands until it passes 1000 m/s (or 25 km); a supersonic cruise missile is
assessed as an aircraft. The thresholds are documented modelling assumptions, not catalogue data.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.scenario.schema import THREAT_CLASSES
from iadsim.weapons.kernels import classify_tracks

AIRCRAFT, CRUISE_MISSILE, BALLISTIC_MISSILE, DRONE = (THREAT_CLASSES.index(c) for c in (
    "aircraft", "cruise_missile", "ballistic_missile", "drone"))  # fmt: skip
# the compiled rule table (weapons/kernels.classify_tracks) returns these codes
assert (AIRCRAFT, CRUISE_MISSILE, BALLISTIC_MISSILE, DRONE) == (0, 1, 2, 3)

#: Thresholds of :func:`classify` (SI units); see the module docstring for the reasoning.
BALLISTIC_MIN_SPEED_MPS = 1000.0
BALLISTIC_MIN_ALT_M = 25_000.0
BALLISTIC_MAX_VUP_MPS = -500.0
DRONE_MAX_SPEED_MPS = 80.0
CRUISE_MAX_SPEED_MPS = 350.0
CRUISE_MAX_ALT_M = 2000.0


def classify(pos_ecef_m: np.ndarray, vel_ecef_mps: np.ndarray) -> np.ndarray:
    """Assessed threat class of each track estimate, shape (P,), indices into THREAT_CLASSES.

    Parameters
    ----------
    pos_ecef_m : (P, 3) estimated position, ECEF metres.
    vel_ecef_mps : (P, 3) estimated velocity, ECEF m/s.

    Returns
    -------
    (P,) int64 class index. Pure function of the estimate (see the module docstring for rules).
    """
    p = np.ascontiguousarray(pos_ecef_m, float).reshape(-1, 3)
    v = np.ascontiguousarray(vel_ecef_mps, float).reshape(-1, 3)
    return classify_kernel(p, v)


@njit(cache=True, error_model="numpy")
def classify_kernel(p: np.ndarray, v: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`classify` of (P, 3) contiguous estimates, compiled (also called by the engine's tick loop):
    the rule table of classify_kinematics (weapons/kernels.classify_tracks), with the geodetic
    height and up direction of iadsim.geo.frames.ecef_to_geodetic."""
    return classify_tracks(p, v, BALLISTIC_MIN_SPEED_MPS, BALLISTIC_MIN_ALT_M, BALLISTIC_MAX_VUP_MPS,
                           DRONE_MAX_SPEED_MPS, CRUISE_MAX_SPEED_MPS, CRUISE_MAX_ALT_M)


def classify_kinematics(speed_mps: np.ndarray, alt_m: np.ndarray, v_up_mps: np.ndarray) -> np.ndarray:
    """Class index from speed (m/s), geodetic height (m) and vertical speed (m/s), each (P,).

    The rule table of the module docstring, vectorised (first match wins).
    """
    speed = np.asarray(speed_mps, float)
    h = np.asarray(alt_m, float)
    vz = np.asarray(v_up_mps, float)
    ballistic = (speed >= BALLISTIC_MIN_SPEED_MPS) | (h >= BALLISTIC_MIN_ALT_M) | (vz <= BALLISTIC_MAX_VUP_MPS)
    drone = speed < DRONE_MAX_SPEED_MPS
    cruise = (speed <= CRUISE_MAX_SPEED_MPS) & (h < CRUISE_MAX_ALT_M)
    return np.select([ballistic, drone, cruise], [BALLISTIC_MISSILE, DRONE, CRUISE_MISSILE], AIRCRAFT).astype(np.int64)
