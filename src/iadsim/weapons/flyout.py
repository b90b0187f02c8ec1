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
