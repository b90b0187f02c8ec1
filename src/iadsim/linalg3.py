"""Written-out 3 × 3 linear solves with LAPACK ``dgesv``'s method (docs/models.md, "The 3 × 3 gain
solve"): the same bits on every host, no library call.

:func:`gesv3_into` — S X = B, two or more right-hand sides (the Kalman gains, ``tracking.kernels``);
:func:`gesv3_1_into` — S x = b, one right-hand side (the re-initiation distances,
``c2.correlation``); both on column-major work arrays, in place, returning LAPACK's ``info``.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core.extending import intrinsic

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)


@intrinsic
def _fma(typingctx, a, b, c):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """a·b + c with one rounding (IEEE fused multiply-add, LLVM ``llvm.fma.f64``)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        d = ir.DoubleType()
        fn = builder.module.declare_intrinsic("llvm.fma", [d], ir.FunctionType(d, [d, d, d]))
        return builder.call(fn, args)

    return sig, codegen


#: The smallest normal double (LAPACK's ``dlamch('S')``): a pivot at least this large is applied
#: as a multiplication by its reciprocal, a smaller one by divisions (``dgetf2``).
_SFMIN = 2.2250738585072014e-308


@njit(cache=True, error_model="numpy")
def _getf2_3(a: np.ndarray) -> tuple[int, int, int]:  # pragma: no cover - compiled
    """``dgetf2`` of a 3 × 3 matrix held column-major in ``a`` (9,), in place (the factorisation of
    :func:`gesv3_into`). Returns (info, p0, p1): LAPACK's info and the rows interchanged with rows
    0 and 1."""
    p0 = 0
    p1 = 1
    for j in range(3):
        if j == 1:  # the interchange of column 0, then a_i1 − a_i0 a_01
            if p0 != 0:
                t = a[3]
                a[3] = a[p0 + 3]
                a[p0 + 3] = t
            a[4] = a[4] - a[1] * a[3]
            a[5] = a[5] - a[2] * a[3]
        elif j == 2:  # the interchanges of columns 0 and 1, then the dot and the two-term update
            if p0 != 0:
                t = a[6]
                a[6] = a[p0 + 6]
                a[p0 + 6] = t
            if p1 != 1:
                t = a[7]
                a[7] = a[8]
                a[8] = t
            a[7] = a[7] - a[1] * a[6]
            a[8] = a[8] - _fma(a[5], a[7], a[2] * a[6])
        jp = j
        best = abs(a[j + 3 * j])
        for i in range(j + 1, 3):
            if abs(a[i + 3 * j]) > best:
                best = abs(a[i + 3 * j])
                jp = i
        pv = a[jp + 3 * j]
        if pv == 0.0:
            return j + 1, p0, p1
        if jp != j:  # swap rows j and jp over the columns 0 … j
            for k in range(j + 1):
                t = a[j + 3 * k]
                a[j + 3 * k] = a[jp + 3 * k]
                a[jp + 3 * k] = t
        if j == 0:
            p0 = jp
        elif j == 1:
            p1 = jp
        if abs(pv) >= _SFMIN:
            r = 1.0 / pv
            for i in range(j + 1, 3):
                a[i + 3 * j] *= r
        else:
            for i in range(j + 1, 3):
                a[i + 3 * j] /= pv
    return 0, p0, p1


@njit(cache=True, error_model="numpy")
def _interchange(b0: float, b1: float, b2: float, p0: int, p1: int) -> tuple[float, float, float]:  # pragma: no cover - compiled
    """P b: the row interchanges of :func:`_getf2_3` (row 0 ↔ p0, then row 1 ↔ p1) applied to one
    right-hand side (LAPACK ``dlaswp``)."""
    if p0 == 1:
        b0, b1 = b1, b0
    elif p0 == 2:
        b0, b2 = b2, b0
    if p1 == 2:
        b1, b2 = b2, b1
    return b0, b1, b2


@njit(cache=True, error_model="numpy")
def gesv3_into(a: np.ndarray, b: np.ndarray, n: int) -> int:  # pragma: no cover - compiled
    """Solve S X = B for a 3 × 3 ``S`` and ``n`` right-hand sides in place, LAPACK ``dgesv``'s way:
    ``a`` (9,) holds S column-major (a[i + 3j] = S[i, j]) and receives the LU factors, ``b``
    (3n,) holds B column-major and receives X. Returns LAPACK's ``info``: 0, or j + 1 when the
    pivot of column j is exactly zero (then ``b`` is left unsolved).

    The factorisation is ``dgetf2``'s left-looking Gaussian elimination with partial pivoting
    (the first largest |·| of the column, rows swapped across the columns already done); the
    solve applies the row interchanges, then L y = P b (unit lower) and U x = y. Every operation
    is written out in the order of OpenBLAS's kernels for this size (``docs/models.md``, "The
    3 × 3 gain solve"): with u⁻¹ = 1/u the reciprocal of a pivot, column 1: a_i1 − a_i0 a_01;
    column 2: a_12 − a_10 a_02, a_22 − fma(a_21, a_12, a_20 a_02); solve: y1 = fma(−l10, b0, b1),
    y2 = b2 − fma(l21, y1, l20 b0), x2 = y2 u22⁻¹, x1 = (y1 − u12 x2) u11⁻¹,
    x0 = fma(−u01, x1, b0 − u02 x2) u00⁻¹ (fma: one rounding). On the development host this gives
    OpenBLAS's ``dgesv`` result bit for bit for two or more right-hand sides
    (``benchmarks/bench_update_pair.py``), without its call; it gives the same bits on any host.
    """
    info, p0, p1 = _getf2_3(a)
    if info != 0:
        return info
    l10, l20, l21 = a[1], a[2], a[5]
    u01, u02, u12 = a[3], a[6], a[7]
    i0, i1, i2 = 1.0 / a[0], 1.0 / a[4], 1.0 / a[8]
    for c in range(n):
        o = 3 * c
        b0, b1, b2 = _interchange(b[o], b[o + 1], b[o + 2], p0, p1)
        y1 = _fma(-l10, b0, b1)
        y2 = b2 - _fma(l21, y1, l20 * b0)
        x2 = y2 * i2
        x1 = (y1 - u12 * x2) * i1
        x0 = _fma(-u01, x1, b0 - u02 * x2) * i0
        b[o], b[o + 1], b[o + 2] = x0, x1, x2
    return 0


@njit(cache=True, error_model="numpy")
def gesv3_1_into(a: np.ndarray, b: np.ndarray) -> int:  # pragma: no cover - compiled
    """:func:`gesv3_into` for one right-hand side ``b`` (3,), in place, in the order of OpenBLAS's
    ``dgetrs`` for it (triangular solves by ``dtrsv``: column updates by fused multiply-adds,
    the pivots applied by division): y1 = fma(−l10, b0, b1), y2 = fma(−l21, y1, fma(−l20, b0, b2)),
    x2 = y2 / u22, x1 = fma(−u12, x2, y1) / u11, x0 = fma(−u01, x1, fma(−u02, x2, b0)) / u00.
    On the development host this is ``np.linalg.solve(S, b)`` bit for bit
    (``benchmarks/bench_update_pair.py``). Returns LAPACK's info."""
    info, p0, p1 = _getf2_3(a)
    if info != 0:
        return info
    b0, b1, b2 = _interchange(b[0], b[1], b[2], p0, p1)
    y1 = _fma(-b0, a[1], b1)
    y2 = _fma(-y1, a[5], _fma(-b0, a[2], b2))
    x2 = y2 / a[8]
    x1 = _fma(-x2, a[7], y1) / a[4]
    x0 = _fma(-x1, a[3], _fma(-x2, a[6], b0)) / a[0]
    b[0], b[1], b[2] = x0, x1, x2
    return 0
