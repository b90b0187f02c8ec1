"""Re-initiated track recognition: correlate a new track with recently dropped tracks.

When a track of an object is dropped and a new track starts on it, the fire unit must know that
it is the same object (its rounds may still be in flight, its kill may be pending) — from the
tracks alone, never from a truth label.

Rule. A dropped track ``d`` of the same site, dropped at most ``window_s`` ago and not yet
inherited, is predicted to the new track's time with the fire-control motion model (gravity for
tracks faster than 1 km/s, else constant velocity):
p̂ = p + v Δ + ½ a Δ², P̂_pp from the CV covariance propagation. The statistical distance of the
new track's first position z (covariance R) is the Mahalanobis distance

    d² = (z − p̂)ᵀ (P̂_pp + R)⁻¹ (z − p̂),

and the pair is a candidate iff d² ≤ γ with γ = χ²₃(0.999) = 16.27 (a 99.9 % gate for a
correct pair under Gaussian errors). Candidates are assigned one-to-one by minimum total d²
(``scipy.optimize.linear_sum_assignment``); an assigned new track inherits the dropped track's
object.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from iadsim.weapons.flyout import ballistic_acceleration

#: χ²₃ quantile at 0.999: the correlation gate on d².
CORRELATION_GATE_D2 = 16.266


def cv_position_covariance(P: np.ndarray, dt_s: np.ndarray, q_m2ps3: float) -> np.ndarray:
    """Position block of the CV-predicted covariance.

    P⁻_pp = P_pp + Δt (P_pv + P_vp) + Δt² P_vv + q Δt³/3 I.  Shapes: P (n, 6, 6), Δt (n,).
    """
    dt = dt_s[:, None, None]
    return np.asarray(P[:, :3, :3] + dt * (P[:, :3, 3:] + P[:, 3:, :3]) + dt**2 * P[:, 3:, 3:] + (q_m2ps3 * dt**3 / 3.0) * np.eye(3))


def correlate(
    z_m: np.ndarray,
    R_m2: np.ndarray,
    site_new: np.ndarray,
    x_old: np.ndarray,
    P_old: np.ndarray,
    dt_old_s: np.ndarray,
    site_old: np.ndarray,
    q_m2ps3: float,
    gate_d2: float = CORRELATION_GATE_D2,
) -> np.ndarray:
    """(n,) index into the dropped tracks inherited by each new track (−1: a new object).

    Parameters
    ----------
    z_m : (n, 3) first position of each new track (ECEF, m); R_m2 : (n, 3, 3) its covariance.
    site_new : (n,) site of each new track.
    x_old : (d, 6) dropped tracks' last state; P_old : (d, 6, 6); dt_old_s : (d,) time from their
        last update to now [s]; site_old : (d,).
    """
    n, d = len(z_m), len(x_old)
    out = np.full(n, -1, np.int64)
    if n == 0 or d == 0:
        return out
    acc = ballistic_acceleration(x_old[:, :3], x_old[:, 3:])
    dt = dt_old_s[:, None]
    p_hat = x_old[:, :3] + x_old[:, 3:] * dt + 0.5 * acc * dt**2
    P_hat = cv_position_covariance(P_old, dt_old_s, q_m2ps3)
    S = P_hat[None, :, :, :] + R_m2[:, None, :, :]  # (n, d, 3, 3)
    y = z_m[:, None, :] - p_hat[None, :, :]  # (n, d, 3)
    d2 = np.einsum("ndi,ndi->nd", y, np.linalg.solve(S, y[..., None])[..., 0])
    ok = (d2 <= gate_d2) & (site_new[:, None] == site_old[None, :])
    if not ok.any():
        return out
    cost = np.where(ok, d2, 1e12)
    r, c = linear_sum_assignment(cost)
    good = ok[r, c]
    out[r[good]] = c[good]
    return out
