"""Compiled (numba) kernels of the engine's track table: CV prediction, gating, 2-D assignment
and M-of-N bookkeeping.

Every kernel works on plain arrays (struct-of-arrays: the table's ``x`` (K, 6) ECEF position and
velocity [m, m/s], ``P`` (K, 6, 6), ``t_s`` (K,) [s], ``site`` (K,) ...) and scalars, so that a
compiled tick loop can call it directly. None draws random numbers. The arithmetic follows the
NumPy formulas they replace term by term (same operand order, Δt³ from NumPy's power), so the
engine's results stay byte-identical.

Kernels
-------
:func:`cv_predict` / :func:`cv_predict_rows` / :func:`cv_positions_rows`
    nearly-constant-velocity prediction in block form (``TrackTable.predicted``,
    ``predicted_positions``).
:func:`gate_all_pairs`
    Mahalanobis gate of every track–detection pair (``association.gate_pairs``).
:func:`assign_small`
    the sparse 2-D assignment of ``association.assign_sparse`` when at most ``max_hard`` tracks
    are ambiguous (one shortest-augmenting-path problem, :func:`lsap`).
:func:`gnn_round_into` / :func:`gnn_cv_round`
    one association round of the table with ``gnn`` and the CV model: predict, gate, assign, on
    the caller's work arrays (:func:`round_workspace`) / on fresh ones.
:func:`position_gain_inputs` / :func:`joseph_position_update`
    the Kalman update with a position measurement H = [I 0] in Joseph form around the one
    solve for the gain (``kalman.update``); :func:`gain_pair` / :func:`joseph_pair` the
    same for one pair by index (no gathered copies).
:func:`gnn_cv_step`
    one whole scan of the table (rounds by radar rank, update, initiation, M-of-N), the engine's.
:func:`mofn_bookkeeping`
    hit/miss history, M-of-N confirmation, drop after consecutive misses.

Matrix products accumulate with fused multiply-adds in index order (:func:`_fma`), the order of
the BLAS kernels behind NumPy's ``matmul`` on this project's reference machine, so that the
compiled update reproduces the NumPy one bit for bit there (elsewhere it agrees to rounding).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.np import linalg as _nb_linalg

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.c2.correlation import correlation_kernel
from iadsim.engine import eventbuf
from iadsim.linalg3 import _fma, gesv3_1_into, gesv3_into  # noqa: F401 - re-exported (the gains' 3 × 3 solve)
from iadsim.sensors import scheduling as _scheduling  # a module reference: scheduling imports this module too

#: Offset per site along ECEF x [m] that keeps the sites apart in one association call.
SITE_OFFSET_M = 1e9

#: numba's binding of LAPACK ``gesv`` (the one ``np.linalg.solve`` calls in compiled code), for
#: :func:`gain_solve_into`; its pivot type (LAPACK's integer)
_XGESV = _nb_linalg._LAPACK().numba_xgesv(types.float64)
_F_INT = _nb_linalg.F_INT_nptype
_KIND_D = ord("d")


@njit(cache=True, error_model="numpy")
def position_gain_inputs(P: np.ndarray, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Inputs of the gain solve for a position measurement H = [I 0] (m of n states).

    S = sym(H P Hᵀ + R) = (P[:m, :m] + R + (P[:m, :m] + R)ᵀ)/2 (N, m, m) and (P Hᵀ)ᵀ = P[:, :m]ᵀ
    (N, m, n) for ``P`` (N, n, n), ``R`` (N, m, m); the gain is K = P Hᵀ S⁻¹, i.e.
    Kᵀ = solve(S, (P Hᵀ)ᵀ).
    """
    N, n = P.shape[0], P.shape[1]
    m = R.shape[1]
    S = np.empty((N, m, m))
    B = np.empty((N, m, n))
    for k in range(N):
        for i in range(m):
            for j in range(m):
                S[k, i, j] = 0.5 * ((P[k, i, j] + R[k, i, j]) + (P[k, j, i] + R[k, j, i]))
            for j in range(n):
                B[k, i, j] = P[k, j, i]
    return S, B


@njit(cache=True, error_model="numpy")
def _solve_cm(acpy: np.ndarray, bcpy: np.ndarray, ipiv: np.ndarray, m: int, n: int) -> int:  # pragma: no cover - compiled
    """S X = B in place on column-major copies (``acpy`` m·m, ``bcpy`` m·n): for the gains (m = 3,
    n ≥ 2) by :func:`gesv3_into`, written out, the same bits on every host; otherwise through
    LAPACK ``gesv`` (``ipiv`` its pivots). Returns LAPACK's ``info``."""
    if m == 3 and n >= 2:
        return gesv3_into(acpy, bcpy, n)
    return _XGESV(_KIND_D, m, n, acpy.ctypes, m, ipiv.ctypes, bcpy.ctypes, m)


@njit(cache=True, error_model="numpy")
def gain_solve_into(S: np.ndarray, B: np.ndarray, Kt: np.ndarray, q: int, acpy: np.ndarray, bcpy: np.ndarray,
                    ipiv: np.ndarray) -> None:  # pragma: no cover - compiled
    """``Kt[q] = solve(S[q], B[q])`` (S (N, m, m), B (N, m, n)) on the caller's work arrays ``acpy``
    (m·m,), ``bcpy`` (m·n,) (column-major copies of S[q] and B[q]) and ``ipiv`` (m,) (LAPACK's
    integer type, ``_F_INT``), without the three allocations of ``np.linalg.solve``: for the gains
    (m = 3, n ≥ 2) by :func:`gesv3_into`, otherwise through the LAPACK ``gesv`` call of numba's
    ``np.linalg.solve``. Like it, it raises ``LinAlgError`` for a non-finite input or a singular S."""
    m, n = B.shape[1], B.shape[2]
    for j in range(m + n):  # columns of S, then of B, each copied column-major and checked finite
        for i in range(m):
            v = S[q, i, j] if j < m else B[q, i, j - m]
            if not np.isfinite(v):
                raise np.linalg.LinAlgError("Array must not contain infs or NaNs.")
            if j < m:
                acpy[i + j * m] = v
            else:
                bcpy[i + (j - m) * m] = v
    info = _solve_cm(acpy, bcpy, ipiv, m, n)
    if info < 0:
        raise ValueError("gesv: an illegal argument")
    if info > 0:
        raise np.linalg.LinAlgError("Matrix is singular to machine precision.")
    for i in range(m):
        for r in range(n):
            Kt[q, i, r] = bcpy[i + r * m]


@njit(cache=True, error_model="numpy")
def gain_solve_batch(S: np.ndarray, B: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Kᵀ = solve(S[q], B[q]) of every q (S (N, m, m), B (N, m, n)) by :func:`gain_solve_into`:
    the batched update's gains (``kalman.update``) with the very operations of the per-pair ones
    (:func:`gain_pair`)."""
    N, m, n = B.shape[0], B.shape[1], B.shape[2]
    Kt = np.empty((N, m, n))
    acpy, bcpy, ipiv = np.empty(m * m), np.empty(m * n), np.empty(m, _F_INT)
    for q in range(N):
        gain_solve_into(S, B, Kt, q, acpy, bcpy, ipiv)
    return Kt


@njit(cache=True, error_model="numpy")
def joseph_position_update(x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray,
                           Kt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Kalman update in Joseph form for a position measurement H = [I 0], given the gain.

    y = z − x[:m] ;  x⁺ = x + K y ;  P⁺ = sym((I − K H) P (I − K H)ᵀ + K R Kᵀ), sym(A) = (A + Aᵀ)/2,
    for ``x`` (N, n), ``P`` (N, n, n), ``z`` (N, m), ``R`` (N, m, m) and ``Kt`` (N, m, n) = Kᵀ
    (:func:`position_gain_inputs`). Returns new (x⁺ (N, n), P⁺ (N, n, n), y (N, m));
    each pair is :func:`joseph_pair`.
    """
    N, n = x.shape[0], x.shape[1]
    m = z.shape[1]
    xn = np.empty((N, n))
    Pn = np.empty((N, n, n))
    yo = np.empty((N, m))
    IKH = np.empty((n, n))
    A = np.empty((n, n))
    KR = np.empty((n, m))
    C = np.empty((n, n))
    for q in range(N):
        joseph_pair(x, P, q, z, R, q, Kt, q, xn, Pn, q, yo[q], IKH, A, KR, C)
    return xn, Pn, yo


@njit(cache=True, error_model="numpy")
def joseph_pair(x: np.ndarray, P: np.ndarray, q: int, z: np.ndarray, R: np.ndarray, jz: int, Kt: np.ndarray,
                qk: int, xo: np.ndarray, Po: np.ndarray, ro: int, yo: np.ndarray, IKH: np.ndarray, A: np.ndarray,
                KR: np.ndarray, C: np.ndarray) -> None:  # pragma: no cover - compiled
    """The Joseph-form update of :func:`joseph_position_update` for one pair, by index:
    state x[q], P[q], measurement z[jz], R[jz], gain Kt[qk] = Kᵀ; writes x⁺ → xo[ro], P⁺ → Po[ro]
    and y → yo (m,). ``IKH``, ``A``, ``C`` (n, n) and ``KR`` (n, m) are work arrays. ``xo``/``Po``
    may be the table itself when x/P hold the predictions (they are only read)."""
    n = x.shape[1]
    m = z.shape[1]
    for i in range(m):
        yo[i] = z[jz, i] - x[q, i]
    for i in range(n):
        acc = 0.0
        for j in range(m):
            acc = acc + Kt[qk, j, i] * yo[j]
        xo[ro, i] = x[q, i] + acc
    for i in range(n):
        for j in range(n):
            e = 1.0 if i == j else 0.0
            kh = Kt[qk, j, i] if j < m else 0.0
            IKH[i, j] = e - kh
    # (I − K H)[i, k] = δ_ik for k ≥ m: those terms of the two products below are taken only on
    # the diagonal. Bit for bit the full sums for finite P: a skipped term fma(0, a, acc) adds ±0
    # to an accumulator that starts at +0 and so is never −0, which leaves it unchanged.
    for i in range(n):  # A = (I − K H) P
        for j in range(n):
            acc = 0.0
            for k in range(m):
                acc = _fma(IKH[i, k], P[q, k, j], acc)
            if i >= m:
                acc = _fma(IKH[i, i], P[q, i, j], acc)
            A[i, j] = acc
    for i in range(n):  # K R
        for j in range(m):
            acc = 0.0
            for k in range(m):
                acc = _fma(Kt[qk, k, i], R[jz, k, j], acc)
            KR[i, j] = acc
    for i in range(n):  # C = A (I − K H)ᵀ + (K R) Kᵀ
        for j in range(n):
            acc = 0.0
            for k in range(m):
                acc = _fma(A[i, k], IKH[j, k], acc)
            if j >= m:
                acc = _fma(A[i, j], IKH[j, j], acc)
            acc2 = 0.0
            for k in range(m):
                acc2 = _fma(KR[i, k], Kt[qk, k, j], acc2)
            C[i, j] = acc + acc2
    for i in range(n):
        for j in range(n):
            Po[ro, i, j] = 0.5 * (C[i, j] + C[j, i])


@njit(cache=True, error_model="numpy")
def gain_pair(P: np.ndarray, q: int, R: np.ndarray, jr: int, Kt: np.ndarray, qk: int, acpy: np.ndarray,
              bcpy: np.ndarray, ipiv: np.ndarray) -> None:  # pragma: no cover - compiled
    """Kt[qk] = Kᵀ of one pair by index, without the (N, …) inputs: :func:`position_gain_inputs` of
    P[q] (n, n), R[jr] (m, m) (S = sym(P_pp + R), B = P[:, :m]ᵀ) then :func:`gain_solve_into`
    (the same column-major copies, finiteness checks and solve), entry for entry."""
    n = P.shape[1]
    m = R.shape[1]
    for j in range(m + n):
        for i in range(m):
            if j < m:
                v = 0.5 * ((P[q, i, j] + R[jr, i, j]) + (P[q, j, i] + R[jr, j, i]))
            else:
                v = P[q, j - m, i]
            if not np.isfinite(v):
                raise np.linalg.LinAlgError("Array must not contain infs or NaNs.")
            if j < m:
                acpy[i + j * m] = v
            else:
                bcpy[i + (j - m) * m] = v
    info = _solve_cm(acpy, bcpy, ipiv, m, n)
    if info < 0:
        raise ValueError("gesv: an illegal argument")
    if info > 0:
        raise np.linalg.LinAlgError("Matrix is singular to machine precision.")
    for i in range(m):
        for r in range(n):
            Kt[qk, i, r] = bcpy[i + r * m]


@njit(cache=True, error_model="numpy")
def _cv_predict_one(x: np.ndarray, P: np.ndarray, r: int, dt: float, dt3: float, q: float, xo: np.ndarray,
                    Po: np.ndarray, o: int) -> None:  # pragma: no cover - compiled
    """CV prediction of one state, row ``r`` of ``x`` (·, 6), ``P`` (·, 6, 6), over ``dt`` [s] into
    row ``o`` of ``xo``, ``Po`` (by index: no row views, whose references would cost a call each).

    p⁻ = p + Δt v;  P⁻_pp = P_pp + Δt (P_pv + P_vp) + Δt² P_vv + q Δt³/3 I;
    P⁻_pv = P_pv + Δt P_vv + q Δt²/2 I = (P⁻_vp)ᵀ;  P⁻_vv = P_vv + q Δt I.

    ``dt3`` = Δt³ is computed by the caller (:func:`cube`): NumPy's vectorised power and libm's
    ``pow`` differ in the last bit for some Δt, and the engine keeps NumPy's value.
    """
    c3 = q * dt3 / 3.0
    c2 = q * (dt * dt) / 2.0
    c1 = q * dt
    dd = dt * dt
    for i in range(3):
        xo[o, i] = x[r, i] + dt * x[r, 3 + i]
        xo[o, 3 + i] = x[r, 3 + i]
    for i in range(3):
        for j in range(3):
            e = 1.0 if i == j else 0.0
            Po[o, i, j] = P[r, i, j] + dt * (P[r, i, 3 + j] + P[r, 3 + i, j]) + dd * P[r, 3 + i, 3 + j] + c3 * e
            pv = P[r, i, 3 + j] + dt * P[r, 3 + i, 3 + j] + c2 * e
            Po[o, i, 3 + j] = pv
            Po[o, 3 + j, i] = pv
            Po[o, 3 + i, 3 + j] = P[r, 3 + i, 3 + j] + c1 * e


@njit(cache=True, error_model="numpy")
def cv_predict(x: np.ndarray, P: np.ndarray, dt_s: np.ndarray, dt3: np.ndarray,
               q: float) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """CV prediction of states ``x`` (n, 6), ``P`` (n, 6, 6) over ``dt_s`` (n,) [s] (``dt3`` (n,)
    = Δt³, :func:`cube`) with the white-acceleration spectral density ``q`` [m²/s³]; returns new
    (x⁻ (n, 6), P⁻ (n, 6, 6)). Equations: :func:`_cv_predict_one`."""
    n = x.shape[0]
    xo = np.empty((n, 6))
    Po = np.empty((n, 6, 6))
    for k in range(n):
        _cv_predict_one(x, P, k, dt_s[k], dt3[k], q, xo, Po, k)
    return xo, Po


@njit(cache=True, error_model="numpy")
def cv_predict_rows(x: np.ndarray, P: np.ndarray, rows: np.ndarray, dt_s: np.ndarray, dt3: np.ndarray,
                    q: float) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """:func:`cv_predict` of the table rows ``rows`` (n,) over ``dt_s`` (n,) [s] (``dt3`` = Δt³)."""
    n = rows.shape[0]
    xo = np.empty((n, 6))
    Po = np.empty((n, 6, 6))
    for k in range(n):
        r = rows[k]
        _cv_predict_one(x, P, r, dt_s[k], dt3[k], q, xo, Po, k)
    return xo, Po


@njit(cache=True, error_model="numpy")
def cv_positions_rows(x: np.ndarray, t_last: np.ndarray, rows: np.ndarray, t: float) -> np.ndarray:  # pragma: no cover - compiled
    """Predicted positions p⁻ = p + Δt v (n, 3) [m] of the table rows ``rows`` (n,) at ``t`` [s]
    (Δt = t − t_last[row]; the position part of :func:`cv_predict`)."""
    n = rows.shape[0]
    out = np.empty((n, 3))
    for k in range(n):
        r = rows[k]
        dt = t - t_last[r]
        for i in range(3):
            out[k, i] = x[r, i] + dt * x[r, 3 + i]
    return out


def cube(dt_s: np.ndarray) -> np.ndarray:
    """Δt³ of ``dt_s`` (n,) with NumPy's vectorised power (the value the CV kernels take)."""
    return dt_s**3


@njit(cache=True, error_model="numpy")
def _inv3(S: np.ndarray, out: np.ndarray) -> float:  # pragma: no cover - compiled
    """Closed-form inverse of a 3×3 matrix into ``out`` (S⁻¹ = adj(S)/det S); returns det S."""
    c00 = S[1, 1] * S[2, 2] - S[1, 2] * S[2, 1]
    c01 = S[1, 2] * S[2, 0] - S[1, 0] * S[2, 2]
    c02 = S[1, 0] * S[2, 1] - S[1, 1] * S[2, 0]
    det = S[0, 0] * c00 + S[0, 1] * c01 + S[0, 2] * c02
    out[0, 0] = c00 / det
    out[1, 0] = c01 / det
    out[2, 0] = c02 / det
    out[0, 1] = (S[0, 2] * S[2, 1] - S[0, 1] * S[2, 2]) / det
    out[1, 1] = (S[0, 0] * S[2, 2] - S[0, 2] * S[2, 0]) / det
    out[2, 1] = (S[0, 1] * S[2, 0] - S[0, 0] * S[2, 1]) / det
    out[0, 2] = (S[0, 1] * S[1, 2] - S[0, 2] * S[1, 1]) / det
    out[1, 2] = (S[0, 2] * S[1, 0] - S[0, 0] * S[1, 2]) / det
    out[2, 2] = (S[0, 0] * S[1, 1] - S[0, 1] * S[1, 0]) / det
    return det


@njit(cache=True, error_model="numpy")
def _pair_d2(y0: float, y1: float, y2: float, S: np.ndarray, Si: np.ndarray) -> tuple[float, float]:
    """(d², det S) of the innovation y with covariance S: d² = yᵀ S⁻¹ y (closed-form inverse)."""
    det = _inv3(S, Si)
    d2 = (y0 * Si[0, 0] * y0 + y0 * Si[0, 1] * y1 + y0 * Si[0, 2] * y2
          + y1 * Si[1, 0] * y0 + y1 * Si[1, 1] * y1 + y1 * Si[1, 2] * y2
          + y2 * Si[2, 0] * y0 + y2 * Si[2, 1] * y1 + y2 * Si[2, 2] * y2)  # fmt: skip
    return d2, det


@njit(cache=True, error_model="numpy")
def gate_all_pairs(zp: np.ndarray, HPHt: np.ndarray, z: np.ndarray, R: np.ndarray,
                   gate: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Mahalanobis gate of every pair of N predicted positions ``zp`` (N, 3) [m] with covariance
    ``HPHt`` (N, 3, 3) and M detections ``z`` (M, 3), ``R`` (M, 3, 3).

    y_ij = z_j − ẑ_i ; S_ij = HPHtᵢ + R_j ; d²_ij = y_ijᵀ S_ij⁻¹ y_ij ; a pair is gated when
    d²_ij < gate². A pair with ‖y‖² > 4 gate² tr S is skipped before the inverse: since
    d² ≥ ‖y‖²/λ_max(S) ≥ ‖y‖²/tr S for S positive definite, it lies outside the gate.

    Returns the gated pairs in track-major order: (track (K,), det (K,), y (K, 3), d² (K,),
    det S (K,)).
    """
    N, M = zp.shape[0], z.shape[0]
    g2 = gate * gate
    cap = 16
    ti = np.empty(cap, np.int64)
    dj = np.empty(cap, np.int64)
    yy = np.empty((cap, 3))
    d2o = np.empty(cap)
    dS = np.empty(cap)
    K = 0
    S = np.empty((3, 3))
    Si = np.empty((3, 3))
    for i in range(N):
        for j in range(M):
            y0 = z[j, 0] - zp[i, 0]
            y1 = z[j, 1] - zp[i, 1]
            y2 = z[j, 2] - zp[i, 2]
            tr = HPHt[i, 0, 0] + R[j, 0, 0] + HPHt[i, 1, 1] + R[j, 1, 1] + HPHt[i, 2, 2] + R[j, 2, 2]
            if tr > 0.0 and y0 * y0 + y1 * y1 + y2 * y2 > 4.0 * g2 * tr:
                continue
            for a in range(3):
                for b in range(3):
                    S[a, b] = HPHt[i, a, b] + R[j, a, b]
            d2, det = _pair_d2(y0, y1, y2, S, Si)
            if not d2 < g2:
                continue
            if K == cap:
                cap *= 2
                ti2 = np.empty(cap, np.int64)
                dj2 = np.empty(cap, np.int64)
                yy2 = np.empty((cap, 3))
                d22 = np.empty(cap)
                dS2 = np.empty(cap)
                ti2[:K] = ti[:K]
                dj2[:K] = dj[:K]
                yy2[:K] = yy[:K]
                d22[:K] = d2o[:K]
                dS2[:K] = dS[:K]
                ti, dj, yy, d2o, dS = ti2, dj2, yy2, d22, dS2
            ti[K] = i
            dj[K] = j
            yy[K, 0] = y0
            yy[K, 1] = y1
            yy[K, 2] = y2
            d2o[K] = d2
            dS[K] = det
            K += 1
    return ti[:K], dj[:K], yy[:K], d2o[:K], dS[:K]  # views of the work arrays (no copies)


@njit(cache=True, error_model="numpy")
def lsap(C: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Optimal assignment of a rectangular cost ``C`` (nr, nc), nr ≤ nc: minimise Σ C[i, c(i)]
    over injective c. Returns c (nr,) int64, or all −1 when no finite assignment exists.

    Shortest augmenting path with dual variables u, v (Crouse 2016, "On implementing 2D
    rectangular assignment algorithms", IEEE TAES 52(4), Alg. 1–4, pp. 1685–1686): rows are
    added one at a time; a Dijkstra-like search over reduced costs C_ij − u_i − v_j finds the
    cheapest path to a free column. The choices that fix the result among equal-cost optima are
    those of ``scipy.optimize.linear_sum_assignment`` (the same algorithm): columns are scanned
    from the last to the first, and among equally short paths a free column is preferred.
    """
    nr, nc = C.shape
    cmin = np.inf
    for i in range(nr):
        for j in range(nc):
            if C[i, j] < cmin:
                cmin = C[i, j]
    cost = C - cmin
    u = np.zeros(nr)
    v = np.zeros(nc)
    spc = np.empty(nc)
    path = np.full(nc, -1, np.int64)
    col4row = np.full(nr, -1, np.int64)
    row4col = np.full(nc, -1, np.int64)
    SR = np.zeros(nr, np.bool_)
    SC = np.zeros(nc, np.bool_)
    remaining = np.empty(nc, np.int64)
    for cur in range(nr):
        for it in range(nc):
            remaining[it] = nc - it - 1
        SR[:] = False
        SC[:] = False
        spc[:] = np.inf
        n_rem = nc
        min_val = 0.0
        i = cur
        sink = -1
        while sink == -1:
            index = -1
            lowest = np.inf
            SR[i] = True
            for it in range(n_rem):
                j = remaining[it]
                r = min_val + cost[i, j] - u[i] - v[j]
                if r < spc[j]:
                    path[j] = i
                    spc[j] = r
                if spc[j] < lowest or (spc[j] == lowest and row4col[j] == -1):
                    lowest = spc[j]
                    index = it
            min_val = lowest
            if min_val == np.inf or index < 0:
                return np.full(nr, -1, np.int64)
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            SC[j] = True
            n_rem -= 1
            remaining[index] = remaining[n_rem]
        u[cur] += min_val
        for i2 in range(nr):
            if SR[i2] and i2 != cur:
                u[i2] += min_val - spc[col4row[i2]]
        for j2 in range(nc):
            if SC[j2]:
                v[j2] -= min_val - spc[j2]
        j = sink
        while True:
            i3 = path[j]
            row4col[j] = i3
            tmp = col4row[i3]
            col4row[i3] = j
            j = tmp
            if i3 == cur:
                break
    return col4row


@njit(cache=True, error_model="numpy")
def assign_small(n_tracks: int, n_dets: int, ti: np.ndarray, dj: np.ndarray, cost: np.ndarray,
                 miss_cost: float, max_hard: int) -> tuple[np.ndarray, bool]:  # pragma: no cover - compiled
    """Sparse 2-D assignment with a miss option per track (``association.assign_sparse``).

    minimise Σ_assigned c_ij + miss_cost · #unassigned, each detection used at most once; pairs
    with c_ij ≥ miss_cost are never assigned. Pairs alone in their row and column are assigned
    directly; the other ("ambiguous") tracks and detections, each sorted by index, form one
    problem [C | diag(miss_cost)] solved by :func:`lsap`.

    Returns (det_for_track (n_tracks,) int64 with −1 = unassigned, ok). ``ok`` is False (and
    only the direct pairs are filled in) when more than ``max_hard`` tracks are ambiguous: the
    caller then solves the batched problem. (:func:`assign_small_into` on fresh work arrays.)
    """
    K = ti.shape[0]
    out = np.empty(n_tracks, np.int64)
    ok = assign_small_into(n_tracks, n_dets, ti, dj, cost, K, miss_cost, max_hard, out, np.empty(K, np.bool_),
                           np.empty(n_tracks, np.int64), np.empty(n_dets, np.int64), np.empty(n_tracks, np.int64),
                           np.empty(n_dets, np.int64))  # fmt: skip
    return out, ok


@njit(cache=True, error_model="numpy")
def assign_small_into(n_tracks: int, n_dets: int, ti: np.ndarray, dj: np.ndarray, cost: np.ndarray, K: int,
                      miss_cost: float, max_hard: int, out: np.ndarray, keep: np.ndarray, tdeg: np.ndarray,
                      ddeg: np.ndarray, trow: np.ndarray, dcol: np.ndarray) -> bool:  # pragma: no cover - compiled
    """:func:`assign_small` of the first ``K`` pairs (ti, dj, cost) into ``out[:n_tracks]``, on the
    caller's work arrays (keep ≥ K bool; tdeg, trow ≥ n_tracks and ddeg, dcol ≥ n_dets int64;
    their contents are overwritten). Returns ``ok``. Only the ambiguous problem (:func:`lsap`)
    allocates."""
    for i in range(n_tracks):
        out[i] = -1
        tdeg[i] = 0
        trow[i] = -1
    for j in range(n_dets):
        ddeg[j] = 0
        dcol[j] = -1
    for k in range(K):
        keep[k] = cost[k] < miss_cost
        if keep[k]:
            tdeg[ti[k]] += 1
            ddeg[dj[k]] += 1
    for k in range(K):
        if keep[k]:
            if tdeg[ti[k]] == 1 and ddeg[dj[k]] == 1:
                out[ti[k]] = dj[k]
            else:
                trow[ti[k]] = 0
                dcol[dj[k]] = 0
    ntb = 0
    for i in range(n_tracks):
        if trow[i] == 0:
            trow[i] = ntb
            ntb += 1
    if ntb == 0:
        return True
    if ntb > max_hard:
        return False
    ndb = 0
    for j in range(n_dets):
        if dcol[j] == 0:
            dcol[j] = ndb
            ndb += 1
    ut = np.empty(ntb, np.int64)
    for i in range(n_tracks):
        if trow[i] >= 0:
            ut[trow[i]] = i
    ud = np.empty(ndb, np.int64)
    for j in range(n_dets):
        if dcol[j] >= 0:
            ud[dcol[j]] = j
    C = np.full((ntb, ndb + ntb), np.inf)
    for k in range(K):
        if keep[k] and not (tdeg[ti[k]] == 1 and ddeg[dj[k]] == 1):
            C[trow[ti[k]], dcol[dj[k]]] = cost[k]
    for r in range(ntb):
        C[r, ndb + r] = miss_cost
    c = lsap(C)
    for r in range(ntb):
        if 0 <= c[r] < ndb:
            out[ut[r]] = ud[c[r]]
    return True


@njit(cache=True, error_model="numpy")
def gnn_cv_round(x: np.ndarray, P: np.ndarray, dt_s: np.ndarray, dt3: np.ndarray, alive: np.ndarray,
                 site: np.ndarray, n_sites: int, det_site: np.ndarray, z: np.ndarray, R: np.ndarray, q: float,
                 gate: float, max_hard: int) -> tuple[np.ndarray, np.ndarray, bool, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Association of one ``gnn`` round of the table (CV model) with detections ``z`` (m, 3)
    [m], ``R`` (m, 3, 3) of sites ``det_site`` (m,): :func:`gnn_round_into` on fresh work arrays.

    ``dt_s`` (K,) [s] is t − t_last of the table's first K rows (``dt3`` = Δt³, :func:`cube`),
    ``alive`` and ``site`` the table's columns.

    Returns (rows (n,), det_for_track (n,), ok, gated track (K,), gated det (K,), d² (K,),
    x⁻ (n, 6), P⁻ (n, 6, 6)). When ``ok`` is False (more than ``max_hard`` ambiguous tracks) the
    caller assigns the returned pairs with the batched solver. The table is not changed.
    """
    m = z.shape[0]
    K = dt_s.shape[0]
    ws = round_workspace(K, m, n_sites)
    nr, nk, ok, pb = gnn_round_into(x, P, dt_s, dt3, K, alive, site, det_site, z, R, np.arange(m), m, q, gate,
                                    max_hard, ws, pair_buffers(16))  # fmt: skip
    rows, j_of, xp, Pp = ws[0], ws[1], ws[6], ws[7]
    ti, dj, d2w = pb[0], pb[1], pb[2]
    return rows[:nr].copy(), j_of[:nr].copy(), ok, ti[:nk], dj[:nk], d2w[:nk], xp[:nr], Pp[:nr]


@njit(cache=True, error_model="numpy")
def round_workspace(N: int, M: int, n_sites: int) -> tuple:  # pragma: no cover - compiled
    """Work arrays of :func:`gnn_round_into` for up to ``N`` table rows and ``M`` detections, carved
    out of three buffers: (rows, det_for_track, tdeg, trow (N,) int64; ddeg, dcol (M,) int64;
    x⁻ (N, 6), P⁻ (N, 6, 6), site-shifted predictions (N, 3) and detections (M, 3), S, S⁻¹
    (3, 3); has_det (n_sites,) bool)."""
    ibuf = np.empty(4 * N + 2 * M, np.int64)
    fbuf = np.empty(45 * N + 3 * M + 18)
    xp = fbuf[: 6 * N].reshape((N, 6))
    o = 6 * N
    Pp = fbuf[o : o + 36 * N].reshape((N, 6, 6))
    o += 36 * N
    zp = fbuf[o : o + 3 * N].reshape((N, 3))
    o += 3 * N
    zd = fbuf[o : o + 3 * M].reshape((M, 3))
    o += 3 * M
    S = fbuf[o : o + 9].reshape((3, 3))
    Si = fbuf[o + 9 : o + 18].reshape((3, 3))
    return (ibuf[:N], ibuf[N : 2 * N], ibuf[2 * N : 3 * N], ibuf[3 * N : 4 * N], ibuf[4 * N : 4 * N + M],
            ibuf[4 * N + M :], xp, Pp, zp, zd, S, Si, np.empty(n_sites, np.bool_))  # fmt: skip


@njit(cache=True, error_model="numpy")
def gnn_round_into(x: np.ndarray, P: np.ndarray, dt_s: np.ndarray, dt3: np.ndarray, K: int, alive: np.ndarray,
                   site: np.ndarray, det_site: np.ndarray, z: np.ndarray, R: np.ndarray, sel: np.ndarray, mk: int,
                   q: float, gate: float, max_hard: int, ws: tuple, pb: tuple) -> tuple:  # pragma: no cover - compiled
    """One ``gnn`` association round (CV model) on work arrays ``ws`` (:func:`round_workspace`).

    The round's detections are d = sel[i], i < ``mk``, of ``det_site``, ``z`` (·, 3) [m], ``R``
    (·, 3, 3); ``dt_s``, ``dt3`` (≥ K,) are t − t_last and Δt³ (:func:`cube`) of the table's first
    ``K`` rows.

    1. rows: the live rows r < K of the sites with a detection (increasing) → ws rows[:n];
    2. predict them (:func:`_cv_predict_one`) → x⁻, P⁻;
    3. gate every (row, detection) pair in track-major order (the rule of :func:`gate_all_pairs`)
       after shifting predictions and detections by ``site × SITE_OFFSET_M`` along ECEF x (a pair
       of two sites never gates);
    4. assign with cost d_ij = √d²_ij and miss cost ``gate`` (:func:`assign_small_into`) →
       det_for_track[:n] (round detection index i, −1 none).

    ``pb`` = (gated track, gated det (c,) int64, d², cost (c,), keep (c,) bool) are the pair
    buffers (:func:`pair_buffers`), grown here (doubled) when the pairs outgrow them.

    Returns (n, number of gated pairs k, ok, pb): the pairs are pb's first k entries; the caller
    keeps the returned ``pb`` for its next round. The table is not changed.
    """
    rows, j_of, tdeg, trow, ddeg, dcol, xp, Pp, zp, zd, S, Si, has_det = ws
    for i in range(has_det.shape[0]):
        has_det[i] = False
    for i in range(mk):
        has_det[det_site[sel[i]]] = True
    nr = 0
    for r in range(K):
        if alive[r] and has_det[site[r]]:
            rows[nr] = r
            nr += 1
    for i in range(nr):
        r = rows[i]
        _cv_predict_one(x, P, r, dt_s[r], dt3[r], q, xp, Pp, i)
        zp[i, 0] = xp[i, 0] + np.float64(site[r]) * SITE_OFFSET_M
        zp[i, 1] = xp[i, 1]
        zp[i, 2] = xp[i, 2]
    for i in range(mk):
        d = sel[i]
        zd[i, 0] = z[d, 0] + np.float64(det_site[d]) * SITE_OFFSET_M
        zd[i, 1] = z[d, 1]
        zd[i, 2] = z[d, 2]
    g2 = gate * gate
    ti, dj, d2w, cost, keep = pb
    cap = ti.shape[0]
    nk = 0
    for i in range(nr):
        for jj in range(mk):
            d = sel[jj]
            y0 = zd[jj, 0] - zp[i, 0]
            y1 = zd[jj, 1] - zp[i, 1]
            y2 = zd[jj, 2] - zp[i, 2]
            tr = Pp[i, 0, 0] + R[d, 0, 0] + Pp[i, 1, 1] + R[d, 1, 1] + Pp[i, 2, 2] + R[d, 2, 2]
            if tr > 0.0 and y0 * y0 + y1 * y1 + y2 * y2 > 4.0 * g2 * tr:
                continue
            for a in range(3):
                for b in range(3):
                    S[a, b] = Pp[i, a, b] + R[d, a, b]
            d2, _ = _pair_d2(y0, y1, y2, S, Si)
            if not d2 < g2:
                continue
            if nk == cap:
                cap *= 2
                ti2 = np.empty(cap, np.int64)
                dj2 = np.empty(cap, np.int64)
                d22 = np.empty(cap)
                ti2[:nk] = ti[:nk]
                dj2[:nk] = dj[:nk]
                d22[:nk] = d2w[:nk]
                ti, dj, d2w = ti2, dj2, d22
                cost = np.empty(cap)
                keep = np.empty(cap, np.bool_)
            ti[nk] = i
            dj[nk] = jj
            d2w[nk] = d2
            nk += 1
    for i in range(nk):
        cost[i] = np.sqrt(d2w[i])
    ok = assign_small_into(nr, mk, ti, dj, cost, nk, gate, max_hard, j_of, keep, tdeg, ddeg, trow, dcol)
    return nr, nk, ok, (ti, dj, d2w, cost, keep)


@njit(cache=True, error_model="numpy")
def pair_buffers(cap: int) -> tuple:  # pragma: no cover - compiled
    """Empty pair buffers of :func:`gnn_round_into` with room for ``cap`` gated pairs."""
    return (np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty(cap), np.empty(cap), np.empty(cap, np.bool_))


@njit(cache=True, error_model="numpy")
def mofn_bookkeeping(size: int, opportunity_rows: np.ndarray, hit_rows: np.ndarray, init_rows: np.ndarray,
                     hits: np.ndarray, misses: np.ndarray, confirmed: np.ndarray, protected: np.ndarray,
                     n: int, m: int, drop_misses: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Hit/miss history of one scan over the table's first ``size`` rows, in place.

    A row has an *opportunity* when it is in ``opportunity_rows`` or ``hit_rows`` and not in
    ``init_rows`` (a track started this scan). Per opportunity (rows in increasing order):
    hits ← ((hits ≪ 1) | hit) & (2ⁿ − 1) (the last n opportunities); misses ← 0 on a hit, else
    misses + 1. A hit row not yet confirmed with popcount(hits) ≥ m becomes confirmed (M-of-N);
    a row with misses ≥ ``drop_misses`` that is not ``protected`` is to be dropped.

    Returns (newly confirmed rows, rows to drop), both increasing; ``confirmed`` is set for the
    former (the caller deletes the latter).
    """
    flag = np.zeros(size, np.int8)  # 1 opportunity, 2 hit, −1 just initiated
    for k in range(opportunity_rows.shape[0]):
        flag[opportunity_rows[k]] = 1
    for k in range(hit_rows.shape[0]):
        flag[hit_rows[k]] = 2
    for k in range(init_rows.shape[0]):
        flag[init_rows[k]] = -1
    return _mofn_flags(flag, size, hits, misses, confirmed, protected, n, m, drop_misses)


@njit(cache=True, error_model="numpy")
def _mofn_flags(flag: np.ndarray, size: int, hits: np.ndarray, misses: np.ndarray, confirmed: np.ndarray,
                protected: np.ndarray, n: int, m: int, drop_misses: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The rule of :func:`mofn_bookkeeping` on the per-row ``flag`` (≥ size,) int8 of the scan:
    1 opportunity, 2 hit, −1 started this scan, 0 nothing (rows r < ``size``)."""
    mask = (np.int64(1) << n) - 1
    conf = np.empty(size, np.int64)
    drop = np.empty(size, np.int64)
    nc = 0
    nd = 0
    for r in range(size):
        f = flag[r]
        if f <= 0:
            continue
        hit = f == 2
        h = ((np.int64(hits[r]) << 1) | (1 if hit else 0)) & mask
        hits[r] = h
        if hit:
            misses[r] = 0
        else:
            misses[r] += 1
        if hit and not confirmed[r]:
            c = 0
            while h:
                c += h & 1
                h >>= 1
            if c >= m:
                conf[nc] = r
                nc += 1
        if misses[r] >= drop_misses and not protected[r]:
            drop[nd] = r
            nd += 1
    for k in range(nc):
        confirmed[conf[k]] = True
    return conf[:nc].copy(), drop[:nd].copy()


@njit(cache=True, error_model="numpy")
def kill_rows(rows: np.ndarray, alive: np.ndarray, confirmed: np.ndarray, site: np.ndarray, truth: np.ndarray,
              slot: np.ndarray) -> None:  # pragma: no cover - compiled
    """Delete the table rows ``rows``, in place: alive ← confirmed ← False, and the truth
    association's slot[site, truth] of a row is cleared (−1) where it still points at that row."""
    for k in range(rows.shape[0]):
        r = rows[k]
        alive[r] = False
        confirmed[r] = False
        t = truth[r]
        if t >= 0 and slot[site[r], t] == r:
            slot[site[r], t] = -1


@njit(cache=True, error_model="numpy")
def _next_rank(rank: np.ndarray, cur: int, first: bool) -> tuple[bool, int]:  # pragma: no cover - compiled
    """The smallest value of ``rank`` above ``cur`` (``first``: the smallest value); (found, value)."""
    found = False
    best = cur
    for i in range(rank.shape[0]):
        v = rank[i]
        if (first or v > cur) and (not found or v < best):
            best = v
            found = True
    return found, best


@njit(cache=True, error_model="numpy")
def gnn_cv_step(t: float, det_site: np.ndarray, det_threat: np.ndarray, det_rank: np.ndarray, z: np.ndarray,
                R: np.ndarray, opportunity_rows: np.ndarray, dt3_start: np.ndarray, x: np.ndarray, P: np.ndarray,
                t_s: np.ndarray, site: np.ndarray, truth: np.ndarray, track_id: np.ndarray, hits: np.ndarray,
                misses: np.ndarray, alive: np.ndarray, confirmed: np.ndarray, protected: np.ndarray,
                slot: np.ndarray, flag: np.ndarray, size: int, next_id: int, q: float, gate: float,
                max_hard: int, prior_vel_var: float, n: int, m: int, drop_misses: int, k_start: int,
                j_given: np.ndarray) -> tuple[int, int, int, int, int, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """One scan of the track table with ``gnn`` association and the CV model, in place.

    Detections ``z`` (M, 3) [m], ``R`` (M, 3, 3) of sites ``det_site`` (M,) are processed in
    rounds, one per distinct ``det_rank`` (the rank of the detecting radar within its site),
    ascending, each round's detections in their given order (a site's second radar sees the
    tracks its first radar just updated or started). Per round, over the table's first ``size``
    rows at that moment:

    1. association (:func:`gnn_round_into`): live rows of the sites with a detection, CV-predicted
       to ``t``, Mahalanobis-gated with the site offsets, assigned with cost d_ij = √d²_ij and
       miss cost ``gate``;
    2. each assigned row (increasing) gets the Kalman update in Joseph form (H = [I 0]):
       S = sym(P⁻_pp + R), Kᵀ = S⁻¹ P⁻_{:,p}ᵀ (LAPACK ``gesv``, :func:`gain_pair`; every gain of
       the round before any row is written), x⁺ = x⁻ + K y, P⁺ = sym((I − KH) P⁻ (I − KH)ᵀ + K R Kᵀ)
       (:func:`joseph_pair`); t_last ← t; truth ← the detection's label (scoring
       and kill resolution only, never read by a decision);
    3. every unassigned detection starts a tentative track at the next row: id ``next_id++``,
       x = [z, 0], P = [[R, 0], [0, σ_v² I]] (σ_v² = ``prior_vel_var``), hits = 1,
       misses = 0, confirmed = (m ≤ 1).

    Then the M-of-N bookkeeping (:func:`_mofn_flags`: opportunity = ``opportunity_rows`` or hit,
    not started this scan) and the deletion of its drop rows (:func:`kill_rows`).

    ``dt3_start`` (size at the call,) is Δt³ = (t − t_last)³ of the rows at the call, taken by
    the caller with NumPy's power (:func:`cube`); a row updated or started in this scan has
    Δt = 0 and Δt³ = 0. The arrays must have room for ``size + M`` rows; ``flag`` (capacity,)
    int8 zeros on the first call. The work arrays are made once per call (:func:`round_workspace`,
    :func:`pair_buffers`, a few buffers) and shared by its rounds.

    Returns (status, size, next_id, a, b, ints, d²) (few arrays: each returned array costs a
    boxing). status = −1: done; ints = [confirmed rows (a) | dropped rows], the confirmed rows
    being those started this scan with confirmed set, then the newly confirmed ones
    (increasing). status = k ≥ 0: round k has more than ``max_hard`` ambiguous tracks; nothing
    of round k is applied, and ints = [its rows (a) | gated track | gated det] with d² (the
    gated pairs) and b = its number of detections are returned for the batched solver; the
    caller calls again with ``k_start`` = k, ``j_given`` = its det_for_track and the same
    ``flag``.
    """
    M = det_site.shape[0]
    empty_f = np.zeros(0)
    n_sites = slot.shape[0]
    # the call's work arrays (a round allocates nothing unless its gated pairs outgrow their
    # buffers or it needs lsap): at most N = size + M rows exist during the call (each detection
    # starts at most one track)
    N = size + M
    ws = round_workspace(N, M, n_sites)
    pb = pair_buffers(16)
    rows, j_of, xp, Pp = ws[0], ws[1], ws[6], ws[7]
    fbuf = np.empty(20 * N + 129)
    dt = fbuf[:N]
    dt3 = fbuf[N : 2 * N]
    Kt = fbuf[2 * N : 20 * N].reshape((N, 3, 6))  # gains (Kᵀ) of the assigned rows
    o = 20 * N
    IKH = fbuf[o : o + 36].reshape((6, 6))
    A = fbuf[o + 36 : o + 72].reshape((6, 6))
    C = fbuf[o + 72 : o + 108].reshape((6, 6))
    KR = fbuf[o + 108 : o + 126].reshape((6, 3))
    yo = fbuf[o + 126 : o + 129]
    acpy, bcpy, ipiv = np.empty(9), np.empty(18), np.empty(3, _F_INT)
    sel = np.empty(M, np.int64)
    used = np.empty(M, np.bool_)
    # the rounds: distinct ranks, ascending (round k has the k-th smallest rank)
    k = -1
    lo = 0
    while True:
        found, lo = _next_rank(det_rank, lo, k < 0)
        if not found:
            break
        k += 1
        if k < k_start:
            continue
        mk = 0
        for i in range(M):
            if det_rank[i] == lo:
                sel[mk] = i
                mk += 1
        # 1. association (gnn_round_into) of the table's first `size` rows; Δt³ is 0 for the
        # rows updated or started earlier in this scan (Δt = 0)
        for r in range(size):
            dt[r] = t - t_s[r]
            dt3[r] = 0.0 if dt[r] == 0.0 else dt3_start[r]
        nr, nk, ok, pb = gnn_round_into(x, P, dt, dt3, size, alive, site, det_site, z, R, sel, mk, q, gate,
                                        max_hard, ws, pb)  # fmt: skip
        if k == k_start and j_given.shape[0] == nr and not ok:
            for i in range(nr):
                j_of[i] = j_given[i]
        elif not ok:
            out = np.empty(nr + 2 * nk, np.int64)
            out[:nr] = rows[:nr]
            out[nr : nr + nk] = pb[0][:nk]
            out[nr + nk :] = pb[1][:nk]
            return k, size, next_id, nr, mk, out, pb[2][:nk].copy()
        # 2. the Kalman update of the assigned rows (increasing): every gain first
        # (position_gain_inputs, gain_solve_into), then the Joseph form (joseph_position_update)
        for i in range(mk):
            used[i] = False
        for i in range(nr):
            jj = j_of[i]
            if jj >= 0:
                used[jj] = True
                gain_pair(Pp, i, R, sel[jj], Kt, i, acpy, bcpy, ipiv)
        for i in range(nr):
            jj = j_of[i]
            if jj >= 0:
                r = rows[i]
                joseph_pair(xp, Pp, i, z, R, sel[jj], Kt, i, x, P, r, yo, IKH, A, KR, C)
                t_s[r] = t
                truth[r] = det_threat[sel[jj]]
                if flag[r] != -1:
                    flag[r] = 2
        # 3. every unassigned detection starts a tentative track
        for i in range(mk):
            if used[i]:
                continue
            r = size
            size += 1
            d = sel[i]
            track_id[r] = next_id
            next_id += 1
            site[r] = det_site[d]
            truth[r] = det_threat[d]
            for a in range(6):
                x[r, a] = z[d, a] if a < 3 else 0.0
                for b in range(6):
                    if a < 3 and b < 3:
                        P[r, a, b] = R[d, a, b]
                    elif a >= 3 and b >= 3:
                        P[r, a, b] = prior_vel_var if a == b else 0.0
                    else:
                        P[r, a, b] = 0.0
            t_s[r] = t
            hits[r] = 1
            misses[r] = 0
            alive[r] = True
            confirmed[r] = m <= 1
            flag[r] = -1
    for i in range(opportunity_rows.shape[0]):
        r = opportunity_rows[i]
        if flag[r] == 0:
            flag[r] = 1
    newly, drop = _mofn_flags(flag, size, hits, misses, confirmed, protected, n, m, drop_misses)
    kill_rows(drop, alive, confirmed, site, truth, slot)
    n_init = 0
    for r in range(size):
        if flag[r] == -1 and confirmed[r]:
            n_init += 1
    na = n_init + newly.shape[0]
    out = np.empty(na + drop.shape[0], np.int64)
    c = 0
    for r in range(size):
        if flag[r] == -1 and confirmed[r]:
            out[c] = r
            c += 1
    out[c:na] = newly
    out[na:] = drop
    return -1, size, next_id, na, 0, out, empty_f


@njit(cache=True, error_model="numpy")
def scan_rows(t: float, dt: float, size: int, alive: np.ndarray, site: np.ndarray, t_last: np.ndarray,
              protected: np.ndarray, fc_radar: np.ndarray, fc_row: np.ndarray, radar_site: np.ndarray,
              scanning: np.ndarray, remote: np.ndarray, site_revisit_s: np.ndarray,
              drop_misses: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The engine's per-tick track rows before the scan (the tracking block of ``engine/run.py``).

    1. ``protected`` (in place, rows r < ``size``): True exactly for the rows ``fc_row[o]`` ≥ 0
       (the live row) of the fire-control objects o a radar maintains (``fc_radar[o]`` ≥ 0):
       their own dwells update them, search misses do not drop them;
    2. the scan candidates: live rows (increasing) of the sites with a ``scanning`` radar, not
       ``remote`` (network-fed rows; ``remote`` may be empty: no network), and their
       (scanning radar, candidate) pairs of one site, radar-major (the order of
       ``np.nonzero`` on the (scanning radar, candidate) site-equality matrix);
    3. stale rows: live rows with t − t_last > ``drop_misses`` · T_site + dt (T_site =
       ``site_revisit_s`` of the row's site, its slowest radar's revisit [s]; dt the tick [s]),
       neither protected nor remote — coasted out of coverage, to be dropped.

    Returns (candidates (L,), pair radar (D,), pair candidate index (D,), stale rows), int64.
    """
    for r in range(size):
        protected[r] = False
    for o in range(fc_radar.shape[0]):
        if fc_radar[o] >= 0 and fc_row[o] >= 0:
            protected[fc_row[o]] = True
    n_sites = site_revisit_s.shape[0]
    scans = np.zeros(n_sites, np.bool_)
    n_scan = 0
    for i in range(scanning.shape[0]):
        if scanning[i]:
            scans[radar_site[i]] = True
            n_scan += 1
    has_remote = remote.shape[0] > 0
    cand = np.empty(size, np.int64)
    stale = np.empty(size, np.int64)
    nl = 0
    ns = 0
    for r in range(size):
        if not alive[r]:
            continue
        rem = has_remote and remote[r]
        if n_scan and scans[site[r]] and not rem:
            cand[nl] = r
            nl += 1
        if (t - t_last[r]) > drop_misses * site_revisit_s[site[r]] + dt and not protected[r] and not rem:
            stale[ns] = r
            ns += 1
    n_pairs = 0
    for i in range(scanning.shape[0]):
        if scanning[i]:
            for k in range(nl):
                if site[cand[k]] == radar_site[i]:
                    n_pairs += 1
    pr = np.empty(n_pairs, np.int64)
    pl = np.empty(n_pairs, np.int64)
    d = 0
    for i in range(scanning.shape[0]):
        if scanning[i]:
            for k in range(nl):
                if site[cand[k]] == radar_site[i]:
                    pr[d] = i
                    pl[d] = k
                    d += 1
    return cand[:nl].copy(), pr, pl, stale[:ns].copy()


# ---------------------------------------------------------------------------------------------
# The engine's tracking phase around the scan (engine/run.py, block "3 tracking")
# ---------------------------------------------------------------------------------------------

#: integer values of events.EventKind (pinned by tests/unit/tracking/test_phase_kernels.py)
_TRACK_INITIATED = 3
_TRACK_CONFIRMED = 4
_TRACK_DROPPED = 5


@njit(cache=True, error_model="numpy")
def dropped_rows(rows: np.ndarray, t: float, dropped_at: np.ndarray, fc_obj: np.ndarray,
                 fc_row: np.ndarray) -> None:  # pragma: no cover - compiled
    """Fire-control bookkeeping of dropped track rows, in place (``engine.run._dropped``).

    dropped_at[r] ← t; the object o = fc_obj[r] loses its live row (fc_row[o] ← −1) where
    fc_row[o] = r. Shapes: rows (n,), the rest (capacity,) ≥ max(rows) + 1.
    """
    for k in range(rows.shape[0]):
        r = rows[k]
        dropped_at[r] = t
        o = fc_obj[r]
        if o >= 0 and fc_row[o] == r:
            fc_row[o] = -1


@njit(cache=True, error_model="numpy")
def emit_track_rows(buf, kind: int, t: float, rows: np.ndarray, site: np.ndarray, track_id: np.ndarray,
                    truth: np.ndarray) -> None:  # pragma: no cover - compiled
    """One event row per track row (in array order): site, track id, threat (truth, scoring only)."""
    for k in range(rows.shape[0]):
        r = rows[k]
        eventbuf.emit(buf, kind, t, site=site[r], track=track_id[r], threat=truth[r])


@njit(cache=True, error_model="numpy")
def scan_phase(t: float, dt: float, size: int, alive: np.ndarray, confirmed: np.ndarray, site: np.ndarray,
               truth: np.ndarray, track_id: np.ndarray, slot: np.ndarray, x: np.ndarray, t_last: np.ndarray,
               protected: np.ndarray, fc_radar: np.ndarray, fc_row: np.ndarray, fc_obj: np.ndarray,
               dropped_at: np.ndarray, radar_site: np.ndarray, scan_phase_s: np.ndarray, revisit_s: np.ndarray,
               remote: np.ndarray, site_revisit_s: np.ndarray, drop_misses: int, cover: bool,
               r_ecef: np.ndarray, r_enu_rot: np.ndarray, r_lat: np.ndarray, r_lon: np.ndarray, r_alt: np.ndarray,
               r_max_range: np.ndarray, r_max_alt: np.ndarray, r_min_el: np.ndarray, r_boresight: np.ndarray,
               r_half_width: np.ndarray, k_factor: float,
               buf) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The tracking phase before the scan, in one call: scanning radars, scan candidates, stale drops.

    1. scanning radars: a look in (t − dt, t] (the rule of ``radar.scanning_kernel``:
       ⌊(t − φ)/T + ε⌋ > ⌊(t − dt − φ)/T + ε⌋);
    2. :func:`scan_rows` (protected rows, candidates and their (radar, candidate) pairs, stale rows);
    3. ``cover`` (CV model, no terrain): the scan opportunities — the candidates whose CV
       predicted position p⁻ = p + Δt v (:func:`cv_positions_rows`) a scanning radar of their site
       covers (the smooth-Earth coverage rule of ``scheduling.pair_kernel`` on the pairs), in
       increasing row order; otherwise the caller evaluates coverage (empty here);
    4. the stale rows are deleted (:func:`kill_rows`), their fire-control bookkeeping done
       (:func:`dropped_rows`) and one TrackDropped event row each emitted to ``buf`` in row order.

    ``fc_*`` / ``dropped_at`` must have room for ``size`` rows; ``r_*`` / ``k_factor`` are the
    radars' columns as :func:`scheduling.pair_kernel` takes them. Returns (scanning (S,) bool,
    candidates (L,), pair radar (D,), pair candidate index (D,), opportunity rows), int64.
    """
    S = scan_phase_s.shape[0]
    scanning = np.empty(S, np.bool_)
    t_prev = t - dt
    for i in range(S):
        now = (t - scan_phase_s[i]) / revisit_s[i] + 1e-9
        before = (t_prev - scan_phase_s[i]) / revisit_s[i] + 1e-9
        scanning[i] = np.floor(now) > np.floor(before)
    live, pr, pl, stale = scan_rows(t, dt, size, alive, site, t_last, protected, fc_radar, fc_row, radar_site,
                                    scanning, remote, site_revisit_s, drop_misses)  # fmt: skip
    opp = np.empty(0, np.int64)
    if cover and live.shape[0]:
        tgt = cv_positions_rows(x, t_last, live[pl], t)
        vis = _scheduling.pair_visible(r_ecef, r_enu_rot, r_lat, r_lon, r_alt, r_max_range, r_max_alt, r_min_el,
                                       r_boresight, r_half_width, k_factor, pr, tgt)  # fmt: skip
        covered = np.zeros(live.shape[0], np.bool_)
        for d in range(pl.shape[0]):
            if vis[d]:
                covered[pl[d]] = True
        opp = live[covered]
    if stale.shape[0]:
        kill_rows(stale, alive, confirmed, site, truth, slot)
        dropped_rows(stale, t, dropped_at, fc_obj, fc_row)
        emit_track_rows(buf, _TRACK_DROPPED, t, stale, site, track_id, truth)
    return scanning, live, pr, pl, opp


@njit(cache=True, error_model="numpy")
def scan_events(t: float, initiated: np.ndarray, conf: np.ndarray, dropped: np.ndarray, size: int,
                alive: np.ndarray, site: np.ndarray, track_id: np.ndarray, truth: np.ndarray, x: np.ndarray,
                P: np.ndarray, t_last: np.ndarray, q: float, gate_d2: float,
                fc_obj: np.ndarray, fc_row: np.ndarray, dropped_at: np.ndarray, was_confirmed: np.ndarray,
                consumed: np.ndarray, window_s: float, buf) -> np.ndarray:  # pragma: no cover - compiled
    """The tracking phase after the scan, in one call (the order of ``engine/run.py``).

    1. the scan's dropped rows: :func:`dropped_rows`;
    2. recognition pool (``engine.run._recognise``): rows r < ``size`` not alive, once confirmed,
       not yet inherited, dropped at or after t − ``window_s``, whose object has no live row;
       the new tracks are correlated with the pool (``c2.correlation.correlation_kernel``: first
       position x[n, :3], covariance P[n, :3, :3] against the pool's states predicted over
       t − t_last, process noise ``q``, gate ``gate_d2``); a matched new track inherits its
       dropped track's object (that row consumed), the others start their own (fc_obj[n] ← n);
       fc_row[object] ← n. An ambiguous correlation (a track with two candidates) is left to the
       caller: the pool is returned (``engine.run._recognise``, scipy's assignment);
    3. was_confirmed[conf] ← True;
    4. event rows: TrackInitiated (``initiated``), TrackConfirmed (``conf``), TrackDropped
       (``dropped``), each in array order.

    Returns the pool (empty unless the caller must assign), int64.
    """
    dropped_rows(dropped, t, dropped_at, fc_obj, fc_row)
    pool = np.empty(0, np.int64)
    if initiated.shape[0]:
        cand = np.empty(size, np.int64)
        n = 0
        for r in range(size):
            if (not alive[r]) and was_confirmed[r] and not consumed[r] and dropped_at[r] >= t - window_s:
                if fc_row[fc_obj[r]] < 0:
                    cand[n] = r
                    n += 1
        ni = initiated.shape[0]
        match = np.full(ni, -1, np.int64)
        if n:
            zn = np.empty((ni, 3))
            Rn = np.empty((ni, 3, 3))
            sn = np.empty(ni, np.int64)
            for k in range(ni):
                r = initiated[k]
                sn[k] = site[r]
                for i in range(3):
                    zn[k, i] = x[r, i]
                    for j in range(3):
                        Rn[k, i, j] = P[r, i, j]
            xo = np.empty((n, 6))
            Po = np.empty((n, 6, 6))
            dto = np.empty(n)
            so = np.empty(n, np.int64)
            for k in range(n):
                r = cand[k]
                xo[k] = x[r]
                Po[k] = P[r]
                dto[k] = t - t_last[r]
                so[k] = site[r]
            match, _, _, ambiguous = correlation_kernel(zn, Rn, sn, xo, Po, dto, so, q, gate_d2)
            if ambiguous:
                pool = cand[:n].copy()
        if pool.shape[0] == 0:
            for k in range(ni):
                r = initiated[k]
                o = fc_obj[cand[match[k]]] if match[k] >= 0 else r
                fc_obj[r] = o
                fc_row[o] = r
            for k in range(ni):
                if match[k] >= 0:
                    consumed[cand[match[k]]] = True
    for k in range(conf.shape[0]):
        was_confirmed[conf[k]] = True
    emit_track_rows(buf, _TRACK_INITIATED, t, initiated, site, track_id, truth)
    emit_track_rows(buf, _TRACK_CONFIRMED, t, conf, site, track_id, truth)
    emit_track_rows(buf, _TRACK_DROPPED, t, dropped, site, track_id, truth)
    return pool
