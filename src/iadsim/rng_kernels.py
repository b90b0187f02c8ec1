"""Per-entity random streams inside compiled kernels, bit-identical to NumPy's ``Generator``.

Every stream of a run is a ``numpy.random.Generator(PCG64(...))`` (:mod:`iadsim.rng`). A compiled
kernel cannot take Generator objects cheaply (numba unboxes each one for ≈ 6.5 µs per call), so a
kernel that draws takes the streams' **states** as one plain array instead::

    st = states_of(gens)          # (n, 4) uint64: state hi, state lo, increment hi, increment lo
    kernel(st, ...)               # draws from row i advance st[i]
    store_states(gens, st)        # the Generators continue exactly where the kernel stopped

The draw functions below (``next_double``, ``standard_normal``, ``normal``, ``poisson``) are the
algorithms of NumPy's ``distributions.c`` (via numba's translation, ``numba/np/random/
distributions.py``, BSD licence) on a PCG64 implemented here, so ``st``-row draws produce the same
numbers, in the same order, as the Generator's ``random()``, ``standard_normal()``,
``normal(loc, scale)`` and ``poisson(lam)`` — and array calls ``g.random(n)`` equal ``n`` scalar
draws in order (tests/unit/test_rng_kernels.py checks all of it against NumPy for many seeds).

PCG64 (O'Neill 2014; NumPy's ``pcg64.h``, 128-bit LCG with the XSL-RR output)::

    s ← s · 0x2360ED051FC65DA44385DF649FCCF645 + inc   (mod 2¹²⁸)
    out = rotr64(hi(s) ⊕ lo(s), hi(s) >> 58)
    random() = (out >> 11) · 2⁻⁵³

The 128-bit product is computed from 64-bit halves (``_mulhi`` for the high half of lo·lo).
Only the 64-bit output is used (NumPy's 32-bit buffer ``has_uint32`` is untouched and kept by
:func:`store_states`; none of these draws reads it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
from numba.np.random._constants import fi_double, ki_double, wi_double, ziggurat_nor_inv_r, ziggurat_nor_r

__all__ = ["states_of", "store_states", "next_uint64", "next_double", "standard_normal", "normal", "poisson",
           "random_fill", "standard_normal_fill"]  # fmt: skip

_M64 = (1 << 64) - 1
_MULT_HI = np.uint64(0x2360ED051FC65DA4)
_MULT_LO = np.uint64(0x4385DF649FCCF645)
_MASK32 = np.uint64(0xFFFFFFFF)
_U32 = np.uint64(32)
_U58 = np.uint64(58)
_U63 = np.uint64(63)
_U64 = np.uint64(64)
_U11 = np.uint64(11)
_U8 = np.uint64(8)
_U1 = np.uint64(1)
_UFF = np.uint64(0xFF)
_U52MASK = np.uint64(0x000FFFFFFFFFFFFF)
_TWO_M53 = 1.0 / 9007199254740992.0
# NumPy's ziggurat tables (ziggurat_constants.h, as numba ships them), as typed module arrays
_KI = np.asarray(ki_double, np.uint64)
_WI = np.asarray(wi_double, np.float64)
_FI = np.asarray(fi_double, np.float64)
_ZR = float(ziggurat_nor_r)
_ZIR = float(ziggurat_nor_inv_r)


def states_of(gens: Sequence[np.random.Generator]) -> np.ndarray:
    """The PCG64 states of ``gens`` as an (n, 4) uint64 array (state hi, lo, increment hi, lo)."""
    out = np.empty((len(gens), 4), np.uint64)
    for i, g in enumerate(gens):
        s = g.bit_generator.state
        if s["bit_generator"] != "PCG64":
            raise TypeError(f"stream {i} is {s['bit_generator']}, not PCG64")
        st, inc = int(s["state"]["state"]), int(s["state"]["inc"])
        out[i] = (st >> 64, st & _M64, inc >> 64, inc & _M64)
    return out


def store_states(gens: Sequence[np.random.Generator], states: np.ndarray) -> None:
    """Write ``states`` (from :func:`states_of`, advanced by kernels) back into ``gens``."""
    for i, g in enumerate(gens):
        s = g.bit_generator.state
        row = [int(v) for v in states[i]]
        s["state"]["state"] = (row[0] << 64) | row[1]
        s["state"]["inc"] = (row[2] << 64) | row[3]
        g.bit_generator.state = s


@numba.njit(cache=True, inline="always")
def _mulhi(a: np.uint64, b: np.uint64) -> np.uint64:
    """High 64 bits of the 128-bit product a·b (schoolbook on 32-bit halves)."""
    a_lo, a_hi = a & _MASK32, a >> _U32
    b_lo, b_hi = b & _MASK32, b >> _U32
    ll = a_lo * b_lo
    lh = a_lo * b_hi
    hl = a_hi * b_lo
    hh = a_hi * b_hi
    mid = (ll >> _U32) + (lh & _MASK32) + (hl & _MASK32)
    return hh + (lh >> _U32) + (hl >> _U32) + (mid >> _U32)


@numba.njit(cache=True)
def next_uint64(st: np.ndarray, i: int) -> np.uint64:
    """Advance stream row ``i`` of ``st`` (n, 4) one PCG64 step and return its 64-bit output."""
    sh, sl = st[i, 0], st[i, 1]
    lo = sl * _MULT_LO
    hi = _mulhi(sl, _MULT_LO) + sl * _MULT_HI + sh * _MULT_LO
    lo2 = lo + st[i, 3]
    carry = np.uint64(1) if lo2 < lo else np.uint64(0)
    hi2 = hi + st[i, 2] + carry
    st[i, 0] = hi2
    st[i, 1] = lo2
    x = hi2 ^ lo2
    rot = hi2 >> _U58
    return (x >> rot) | (x << ((_U64 - rot) & _U63))


@numba.njit(cache=True)
def next_double(st: np.ndarray, i: int) -> float:
    """``Generator.random()``: a uniform double in [0, 1), (out >> 11) · 2⁻⁵³."""
    return float(next_uint64(st, i) >> _U11) * _TWO_M53


@numba.njit(cache=True)
def standard_normal(st: np.ndarray, i: int) -> float:
    """``Generator.standard_normal()``: NumPy's 256-level ziggurat (Marsaglia–Tsang), same tables."""
    while True:
        r = next_uint64(st, i)
        idx = r & _UFF
        r = r >> _U8
        sign = r & _U1
        rabs = (r >> _U1) & _U52MASK
        x = float(rabs) * _WI[idx]
        if sign & _U1:
            x = -x
        if rabs < _KI[idx]:
            return x
        if idx == 0:
            while True:
                xx = -_ZIR * np.log1p(-next_double(st, i))
                yy = -np.log1p(-next_double(st, i))
                if yy + yy > xx * xx:
                    if (rabs >> _U8) & _U1:
                        return -(_ZR + xx)
                    return _ZR + xx
        else:
            if (_FI[idx - 1] - _FI[idx]) * next_double(st, i) + _FI[idx] < np.exp(-0.5 * x * x):
                return x


@numba.njit(cache=True)
def normal(st: np.ndarray, i: int, loc: float, scale: float) -> float:
    """``Generator.normal(loc, scale)`` = loc + scale · standard_normal()."""
    return loc + scale * standard_normal(st, i)


@numba.njit(cache=True)
def _loggam(x: float) -> float:
    """log Γ(x) as NumPy's ``random_loggam`` (Stirling series with recursion below 7)."""
    a = (8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04, -5.952380952380952e-04,
         8.417508417508418e-04, -1.917526917526918e-03, 6.410256410256410e-03, -2.955065359477124e-02,
         1.796443723688307e-01, -1.39243221690590e00)  # fmt: skip
    if x == 1.0 or x == 2.0:
        return 0.0
    n = int(7 - x) if x < 7.0 else 0
    x0 = x + n
    x2 = (1.0 / x0) * (1.0 / x0)
    lg2pi = 1.8378770664093453e00
    gl0 = a[9]
    for k in range(9):
        gl0 *= x2
        gl0 += a[8 - k]
    gl = gl0 / x0 + 0.5 * lg2pi + (x0 - 0.5) * np.log(x0) - x0
    if x < 7.0:
        for _ in range(1, n + 1):
            gl = gl - np.log(x0 - 1.0)
            x0 = x0 - 1.0
    return gl


@numba.njit(cache=True)
def poisson(st: np.ndarray, i: int, lam: float) -> int:
    """``Generator.poisson(lam)``: multiplication method below 10, PTRS (Hörmann 1993) from 10."""
    if lam >= 10:
        slam = np.sqrt(lam)
        loglam = np.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            U = next_double(st, i) - 0.5
            V = next_double(st, i)
            us = 0.5 - np.fabs(U)
            k = int((2 * a / us + b) * U + lam + 0.43)
            if us >= 0.07 and V <= vr:
                return k
            if k < 0 or (us < 0.013 and V > us):
                continue
            if np.log(V) + np.log(invalpha) - np.log(a / (us * us) + b) <= -lam + k * loglam - _loggam(k + 1):
                return k
    if lam == 0:
        return 0
    enlam = np.exp(-lam)
    X = 0
    prod = 1.0
    while True:
        prod *= next_double(st, i)
        if prod > enlam:
            X += 1
        else:
            return X


@numba.njit(cache=True)
def random_fill(st: np.ndarray, i: int, out: np.ndarray) -> None:
    """``g.random(out=out)`` for a flat float64 array: row ``i``'s doubles in order."""
    for j in range(out.size):
        out[j] = next_double(st, i)


@numba.njit(cache=True)
def standard_normal_fill(st: np.ndarray, i: int, out: np.ndarray) -> None:
    """``g.standard_normal(out.shape)`` into a flat float64 array, in C order."""
    for j in range(out.size):
        out[j] = standard_normal(st, i)
