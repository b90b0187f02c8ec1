"""Analytic interceptor flyout: predicted intercept point (PIP) at an average speed.

The target is extrapolated at constant velocity from its track estimate; the interceptor flies a
straight line from the launcher at its average speed ``s``. With ``d = p − L`` (target minus
launcher, ECEF) and target velocity ``v``, the time of flight ``τ`` solves

    |d + v τ| = s τ   ⇔   (v·v − s²) τ² + 2 (d·v) τ + d·d = 0,

and the smallest positive root is taken (no root ⇒ the interceptor cannot catch the target).
"""

from __future__ import annotations

import numpy as np


def intercept_time(d_m: np.ndarray, v_mps: np.ndarray, speed_mps: np.ndarray) -> np.ndarray:
    """Time of flight τ (s) to intercept, NaN where none exists.

    Parameters
    ----------
    d_m : (P, 3) target position minus launcher position at launch time, metres.
    v_mps : (P, 3) target velocity, m/s.
    speed_mps : (P,) interceptor average speed, m/s.
    """
    a = np.einsum("ij,ij->i", v_mps, v_mps) - speed_mps**2
    b = 2.0 * np.einsum("ij,ij->i", d_m, v_mps)
    c = np.einsum("ij,ij->i", d_m, d_m)
    disc = b * b - 4.0 * a * c
    with np.errstate(invalid="ignore", divide="ignore"):
        sq = np.sqrt(np.where(disc >= 0, disc, np.nan))
        r1 = (-b - sq) / (2.0 * a)
        r2 = (-b + sq) / (2.0 * a)
        lin = np.where(np.abs(b) > 0, -c / b, np.nan)  # a == 0: target as fast as the missile
    r1 = np.where(r1 > 0, r1, np.inf)
    r2 = np.where(r2 > 0, r2, np.inf)
    tau = np.where(np.abs(a) < 1e-9, np.where(lin > 0, lin, np.inf), np.minimum(r1, r2))
    tau = np.where(np.isfinite(tau), tau, np.nan)
    return tau


def kill_probability(pk_nominal: np.ndarray, miss_m: np.ndarray, basket_m: np.ndarray) -> np.ndarray:
    """Pk degraded by the prediction error at intercept.

    Pk = Pk₀ · exp(−½ (e / b)²), with ``e`` the distance between the predicted intercept point and
    the true target position at intercept time and ``b`` the seeker's acquisition basket radius.
    A notional model: inside the basket the seeker corrects the error, far outside it cannot.
    """
    return pk_nominal * np.exp(-0.5 * (miss_m / basket_m) ** 2)


def predicted_intercept(
    p_m: np.ndarray,
    v_mps: np.ndarray,
    a_mps2: np.ndarray,
    launcher_m: np.ndarray,
    speed_mps: np.ndarray,
    iterations: int = 5,
) -> tuple[np.ndarray, np.ndarray]:
    """PIP and time of flight for a target with constant acceleration ``a`` (e.g. gravity).

    Start from the constant-velocity root τ₀ (:func:`intercept_time`), then iterate the fixed point
    τₖ₊₁ = |p + v τₖ + ½ a τₖ² − L| / s. With ``a = 0`` the first step is exact. Shapes: (P, 3)
    vectors, (P,) speeds. Returns ``(pip (P,3), tau (P,))``; NaN where no intercept exists.
    """
    tau = intercept_time(p_m - launcher_m, v_mps, speed_mps)
    tau = np.where(tau <= 3600.0, tau, np.nan)  # no interceptor flies for an hour
    has_acc = np.einsum("ij,ij->i", a_mps2, a_mps2) > 0
    if has_acc.any():
        for _ in range(iterations):
            pip = p_m + v_mps * tau[:, None] + 0.5 * a_mps2 * (tau**2)[:, None]
            tau = np.where(has_acc, np.linalg.norm(pip - launcher_m, axis=1) / speed_mps, tau)
            tau = np.where(tau <= 3600.0, tau, np.nan)
    pip = p_m + v_mps * tau[:, None] + 0.5 * a_mps2 * (tau**2)[:, None]
    return pip, tau


def ballistic_acceleration(p_m: np.ndarray, v_mps: np.ndarray, min_speed_mps: float = 1000.0) -> np.ndarray:
    """Fire-control acceleration model: gravity for tracks faster than ``min_speed_mps``.

    No aircraft, cruise missile or drone of the catalogue flies at 1 km/s; a track that fast is
    treated as a ballistic body in free fall, a = −μ p / |p|³ (point-mass gravity, ECEF, Earth
    rotation neglected). Slower tracks get a = 0 (constant velocity).
    """
    from iadsim.units import MU_EARTH_M3PS2

    r = np.linalg.norm(p_m, axis=1)
    g = -MU_EARTH_M3PS2 * p_m / (r**3)[:, None]
    fast = np.linalg.norm(v_mps, axis=1) >= min_speed_mps
    return np.where(fast[:, None], g, 0.0)
