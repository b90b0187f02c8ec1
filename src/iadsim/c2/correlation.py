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

Compiled: :func:`correlation_kernel` computes d² and the candidates bit for bit as the NumPy
formulas (NumPy's power for Δt³, LAPACK dgesv's solve per pair written out (``iadsim.linalg3.gesv3_1_into``: this
host's OpenBLAS bit for bit, the same bits on any host), the einsum's summation order, checked against NumPy in
tests/unit/c2/test_correlation_kernel.py); where
every new track and every dropped track has at most one candidate the optimal assignment is that
set of pairs (any other uses fewer candidates and costs ≥ 10¹² more), found in the kernel; only
an ambiguous case goes to ``linear_sum_assignment``.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy.optimize import linear_sum_assignment

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.linalg3 import gesv3_1_into
from iadsim.npmath import pow as np_pow
from iadsim.weapons.kernels import ballistic_acceleration as ballistic_acceleration_kernel

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
    f64, i64 = np.float64, np.int64
    match, d2, ok, ambiguous = correlation_kernel(
        np.ascontiguousarray(z_m, f64).reshape(n, 3), np.ascontiguousarray(R_m2, f64).reshape(n, 3, 3),
        np.ascontiguousarray(site_new, i64), np.ascontiguousarray(x_old, f64).reshape(d, 6),
        np.ascontiguousarray(P_old, f64).reshape(d, 6, 6), np.ascontiguousarray(dt_old_s, f64),
        np.ascontiguousarray(site_old, i64), float(q_m2ps3), float(gate_d2))  # fmt: skip
    if not ambiguous:
        return match
    cost = np.where(ok, d2, 1e12)
    r, c = linear_sum_assignment(cost)
    good = ok[r, c]
    out[r[good]] = c[good]
    return out


@njit(cache=True, error_model="numpy")
def correlation_kernel(z: np.ndarray, R: np.ndarray, site_new: np.ndarray, x_old: np.ndarray, P_old: np.ndarray,
                       dt_old: np.ndarray, site_old: np.ndarray, q: float,
                       gate_d2: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:  # pragma: no cover - compiled
    """d² of every (new, dropped) pair, the candidates, and their assignment where it is unambiguous.

    Per dropped track b: a = gravity above 1 km/s (``weapons.kernels.ballistic_acceleration``),
    p̂ = (p + v Δ) + (½ a) Δ², P̂_pp = ((P_pp + Δ (P_pv + P_vp)) + Δ² P_vv) + (q Δ³ / 3) I;
    per pair (a, b): S = P̂_pp + R_a, y = z_a − p̂, d² = yᵀ S⁻¹ y (dgesv's solve written out,
    ``iadsim.linalg3.gesv3_1_into``; summed (y₀s₀ + y₂s₂) +
    y₁s₁, the order of NumPy's einsum); candidate ⇔ d² ≤ γ and same site.

    Shapes: z (n, 3), R (n, 3, 3), site_new (n,), x_old (d, 6), P_old (d, 6, 6), dt_old (d,) [s],
    site_old (d,). Returns (match (n,) int64: the dropped track of each new track, −1 none — valid
    unless ``ambiguous``; d² (n, d); candidates (n, d) bool; ambiguous: some new or dropped track
    has more than one candidate, the caller solves the assignment).
    """
    n, d = z.shape[0], x_old.shape[0]
    acc = ballistic_acceleration_kernel(x_old[:, :3].copy(), x_old[:, 3:].copy(), 1000.0)
    p_hat = np.empty((d, 3))
    P_hat = np.empty((d, 3, 3))
    for b in range(d):
        dt = dt_old[b]
        dt2 = dt * dt
        c = (q * np_pow(dt, 3.0)) / 3.0
        for i in range(3):
            p_hat[b, i] = (x_old[b, i] + x_old[b, 3 + i] * dt) + (0.5 * acc[b, i]) * dt2
            for j in range(3):
                eye = c * (1.0 if i == j else 0.0)
                P_hat[b, i, j] = ((P_old[b, i, j] + dt * (P_old[b, i, 3 + j] + P_old[b, 3 + i, j]))
                                  + dt2 * P_old[b, 3 + i, 3 + j]) + eye  # fmt: skip
    d2 = np.empty((n, d))
    ok = np.zeros((n, d), np.bool_)
    S = np.empty(9)  # column-major, for the written-out solve (iadsim.linalg3.gesv3_1_into)
    y = np.empty(3)
    sol = np.empty(3)
    n_row = np.zeros(n, np.int64)
    n_col = np.zeros(d, np.int64)
    match = np.full(n, -1, np.int64)
    for a in range(n):
        for b in range(d):
            for i in range(3):
                y[i] = z[a, i] - p_hat[b, i]
                sol[i] = y[i]
                for j in range(3):
                    S[i + 3 * j] = P_hat[b, i, j] + R[a, i, j]
            # np.linalg.solve(S, y): its checks, and LAPACK dgesv's method written out (the bits
            # of this host's OpenBLAS, the same on any host)
            for i in range(9):
                if not np.isfinite(S[i]):
                    raise np.linalg.LinAlgError("Array must not contain infs or NaNs.")
            for i in range(3):
                if not np.isfinite(y[i]):
                    raise np.linalg.LinAlgError("Array must not contain infs or NaNs.")
            if gesv3_1_into(S, sol) > 0:
                raise np.linalg.LinAlgError("Matrix is singular to machine precision.")
            # the order of NumPy's einsum("ndi,ndi->nd") on this 3-vector (its SIMD pairing)
            acc2 = (y[0] * sol[0] + y[2] * sol[2]) + y[1] * sol[1]
            d2[a, b] = acc2
            if acc2 <= gate_d2 and site_new[a] == site_old[b]:
                ok[a, b] = True
                n_row[a] += 1
                n_col[b] += 1
                match[a] = b
    ambiguous = False
    for a in range(n):
        if n_row[a] > 1:
            ambiguous = True
    for b in range(d):
        if n_col[b] > 1:
            ambiguous = True
    return match, d2, ok, ambiguous
