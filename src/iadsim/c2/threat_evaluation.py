"""Threat evaluation: probability each track reaches each defended asset, value at risk, priority.

Pure array kernels over track estimates (position, velocity, covariance). **No truth label is
read**: a fire unit knows a threat only by its track.

Model (named simplification: "horizontal closest approach with a manoeuvre allowance")
---------------------------------------------------------------------------------------
In the local east–north plane of asset ``a`` (its ENU frame at the asset), with the track's
horizontal position ``r`` and velocity ``u`` relative to the asset:

* straight-line extrapolation; closest point of approach (CPA) at
  ``t* = max(0, −r·u / |u|²)`` (``t* = 0`` for an opening track or one with no horizontal
  speed), horizontal miss vector ``d = r + u t*``. The *horizontal* plane is used so that an
  aircraft overflying the asset at altitude, or a ballistic missile in midcourse, both of
  which fly a near-straight ground track at the asset, count as heading for it;
* uncertainty of the miss point: isotropic 2-D Gaussian of variance
  ``σ² = ½ tr(H P_pp Hᵀ) + ½ tr(H P_vv Hᵀ) t*² + (σ_ψ |u| t*)²`` — the track's horizontal
  position and velocity variances propagated to the CPA (cross terms neglected) plus a
  **manoeuvre allowance**: a 1-σ heading change ``σ_ψ`` before the CPA, whose lateral
  displacement after flying ``|u| t*`` is ``σ_ψ |u| t*`` (small angle). Default
  :data:`MANOEUVRE_ALLOWANCE_RAD` = 10° (stated assumption: the threat's intent is uncertain by
  about one route turn; a straight-flying track is believed to hold its heading to within 10°);
* the threat *reaches* the asset if its true CPA lies within ``R`` of it (default
  :data:`REACH_RADIUS_M` = 1 km, stated assumption: the extent of a defended base or town):

      P(reach a) = P(|d + e| ≤ R),  e ~ N(0, σ² I₂)  =  F_{χ'²}(R²/σ²; k = 2, λ = |d|²/σ²)

  (the non-central chi-square CDF with 2 degrees of freedom; with ``d = 0`` it is
  ``1 − exp(−R²/(2σ²))``).

Value at risk ``VaR = Σ_a value_a · P(reach a)`` (asset value units); time to go is
:func:`iadsim.c2.evaluation.time_to_go` (closing-speed model, earliest over assets).

Priority (documented rule): tracks are ranked by value at risk, highest first; ties by time to
go, earliest first; then by track id (:func:`priority_order`). The weapon–target assignment
uses ``VaR`` as the target value (with a small floor, :func:`assignment_values`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import chndtr

from iadsim.geo import frames

#: Reach radius around a defended asset, m (stated assumption: a base or town of order 1 km).
REACH_RADIUS_M = 1000.0
#: Manoeuvre allowance: 1-σ heading change before the closest approach, rad (stated assumption, 10°).
MANOEUVRE_ALLOWANCE_RAD = float(np.deg2rad(10.0))
#: Relative floor of the assignment values (see :func:`assignment_values`).
VALUE_FLOOR = 1e-6


def asset_frames(asset_ecef_m: np.ndarray) -> np.ndarray:
    """(A, 3, 3) ECEF→ENU rotation at each asset (rows east, north, up)."""
    a = np.asarray(asset_ecef_m, float).reshape(-1, 3)
    if len(a) == 0:
        return np.zeros((0, 3, 3))
    lat, lon, _ = frames.ecef_to_geodetic(a)
    return np.asarray(frames.enu_rotation(np.asarray(lat, float), np.asarray(lon, float))).reshape(-1, 3, 3)


def reach_probability(p_m: np.ndarray, v_mps: np.ndarray, P: np.ndarray, asset_ecef_m: np.ndarray,
                      asset_rot: np.ndarray, radius_m: float = REACH_RADIUS_M,
                      manoeuvre_rad: float = MANOEUVRE_ALLOWANCE_RAD) -> np.ndarray:  # fmt: skip
    """Probability each track reaches each asset (module docstring: horizontal CPA model).

    Parameters
    ----------
    p_m, v_mps : (n, 3) track position (ECEF, m) and velocity (ECEF, m/s).
    P : (n, 6, 6) track covariance (position m², velocity m²/s²) or (n, 3, 3) position only.
    asset_ecef_m : (A, 3) assets (ECEF, m). asset_rot : (A, 3, 3) from :func:`asset_frames`.
    radius_m : reach radius R, m. manoeuvre_rad : manoeuvre allowance σ_ψ, rad.

    Returns
    -------
    (n, A) probabilities in [0, 1].
    """
    p = np.asarray(p_m, float).reshape(-1, 3)
    v = np.asarray(v_mps, float).reshape(-1, 3)
    n, A = len(p), len(asset_ecef_m)
    if n == 0 or A == 0:
        return np.zeros((n, A))
    H = np.asarray(asset_rot, float)[:, :2, :]  # (A, 2, 3) east, north rows
    rel = p[:, None, :] - np.asarray(asset_ecef_m, float)[None, :, :]  # (n, A, 3)
    r = np.einsum("aij,naj->nai", H, rel)  # (n, A, 2)
    u = np.einsum("aij,nj->nai", H, v)  # (n, A, 2)
    uu = np.einsum("nai,nai->na", u, u)
    with np.errstate(divide="ignore", invalid="ignore"):
        ts = np.where(uu > 1e-12, -np.einsum("nai,nai->na", r, u) / np.where(uu > 1e-12, uu, 1.0), 0.0)
    ts = np.maximum(ts, 0.0)
    d = r + u * ts[:, :, None]
    d2 = np.einsum("nai,nai->na", d, d)
    Pm = np.asarray(P, float)
    Ppp = Pm[:, :3, :3]
    # ½ tr(H P Hᵀ) per (track, asset)
    var_p = 0.5 * np.einsum("aij,njk,aik->na", H, Ppp, H)
    if Pm.shape[-1] >= 6:
        var_v = 0.5 * np.einsum("aij,njk,aik->na", H, Pm[:, 3:6, 3:6], H)
    else:
        var_v = np.zeros_like(var_p)
    s2 = var_p + var_v * ts**2 + (manoeuvre_rad * np.sqrt(uu) * ts) ** 2
    s2 = np.maximum(s2, 1e-6)
    return np.clip(chndtr(radius_m**2 / s2, 2.0, d2 / s2), 0.0, 1.0)


def value_at_risk(p_reach: np.ndarray, asset_value: np.ndarray) -> np.ndarray:
    """(n,) value at risk ``VaR = Σ_a value_a · P(reach a)`` (asset value units).

    Parameters
    ----------
    p_reach : (n, A) from :func:`reach_probability`. asset_value : (A,) asset values.
    """
    pr = np.asarray(p_reach, float)
    if pr.shape[1] == 0:
        return np.zeros(pr.shape[0])
    return np.asarray(pr @ np.asarray(asset_value, float))


def priority_order(var: np.ndarray, tgo_s: np.ndarray, track_id: np.ndarray) -> np.ndarray:
    """Indices of the tracks in priority order: VaR descending, then time to go, then track id.

    Parameters
    ----------
    var, tgo_s, track_id : (n,) value at risk, time to go [s] (∞ allowed), track id.
    """
    return np.asarray(np.lexsort((np.asarray(track_id), np.asarray(tgo_s, float), -np.asarray(var, float))))


def assignment_values(var: np.ndarray) -> np.ndarray:
    """(n,) target values for the weapon–target assignment of one decision group.

    ``V_j = max(VaR_j / max_k VaR_k, VALUE_FLOOR)`` (1 for every target when all VaR are 0):
    scaled to the group's largest value at risk (the solver's objective is scale-free), and
    floored so that a hostile or unknown track whose straight-line extrapolation threatens no
    asset now (e.g. a cruise missile on a dog-leg of its route) is still worth a round when no
    more valuable target needs it (stated doctrine assumption: every engageable threat is
    engaged when a round is free, as before threat evaluation existed).
    """
    v = np.asarray(var, float)
    if len(v) == 0:
        return v
    top = float(v.max())
    if not np.isfinite(top) or top <= 0:
        return np.ones(len(v))
    return np.maximum(v / top, VALUE_FLOOR)


def evaluate(p_m: np.ndarray, v_mps: np.ndarray, P: np.ndarray, asset_ecef_m: np.ndarray, asset_rot: np.ndarray,
             asset_value: np.ndarray, radius_m: float = REACH_RADIUS_M,
             manoeuvre_rad: float = MANOEUVRE_ALLOWANCE_RAD) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Value at risk and time to go of each track, ``(VaR (n,), tgo (n,) s)``."""
    from iadsim.c2.evaluation import time_to_go

    pr = reach_probability(p_m, v_mps, P, asset_ecef_m, asset_rot, radius_m, manoeuvre_rad)
    return value_at_risk(pr, asset_value), time_to_go(np.asarray(p_m, float), np.asarray(v_mps, float), asset_ecef_m)
