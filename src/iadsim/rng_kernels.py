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

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)

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


@numba.njit(cache=True, error_model="numpy", inline="always")
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


@numba.njit(cache=True, error_model="numpy")
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


@numba.njit(cache=True, error_model="numpy")
def next_double(st: np.ndarray, i: int) -> float:
    """``Generator.random()``: a uniform double in [0, 1), (out >> 11) · 2⁻⁵³."""
    return float(next_uint64(st, i) >> _U11) * _TWO_M53


@numba.njit(cache=True, error_model="numpy")
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


@numba.njit(cache=True, error_model="numpy")
def normal(st: np.ndarray, i: int, loc: float, scale: float) -> float:
    """``Generator.normal(loc, scale)`` = loc + scale · standard_normal()."""
    return loc + scale * standard_normal(st, i)


@numba.njit(cache=True, error_model="numpy")
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


@numba.njit(cache=True, error_model="numpy")
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


@numba.njit(cache=True, error_model="numpy")
def random_fill(st: np.ndarray, i: int, out: np.ndarray) -> None:
    """``g.random(out=out)`` for a flat float64 array: row ``i``'s doubles in order."""
    for j in range(out.size):
        out[j] = next_double(st, i)


@numba.njit(cache=True, error_model="numpy")
def standard_normal_fill(st: np.ndarray, i: int, out: np.ndarray) -> None:
    """``g.standard_normal(out.shape)`` into a flat float64 array, in C order."""
    for j in range(out.size):
        out[j] = standard_normal(st, i)


# ---------------------------------------------------------------------------------------------
# Seeding: SeedSequence → PCG64 state, compiled (numpy/random/bit_generator.pyx, pcg64.h)
# ---------------------------------------------------------------------------------------------
_INIT_A = np.uint64(0x43B0D7E5)
_MULT_A = np.uint64(0x931E8875)
_INIT_B = np.uint64(0x8B51F9DD)
_MULT_B = np.uint64(0x58F38DED)
_MIX_L = np.uint64(0xCA01F9DD)
_MIX_R = np.uint64(0x4973F715)
_U16 = np.uint64(16)
_POOL = 4


@numba.njit(cache=True, error_model="numpy", inline="always")
def _hashmix(value: np.uint64, h: np.ndarray) -> np.uint64:
    """SeedSequence's ``hashmix`` on 32-bit words (``h[0]`` the running hash constant)."""
    value = (value ^ h[0]) & _MASK32
    h[0] = (h[0] * _MULT_A) & _MASK32
    value = (value * h[0]) & _MASK32
    return value ^ (value >> _U16)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _mix(x: np.uint64, y: np.uint64) -> np.uint64:
    r = (_MIX_L * x - _MIX_R * y) & _MASK32
    return r ^ (r >> _U16)


@numba.njit(cache=True, error_model="numpy", inline="always")
def _step128(sh: np.uint64, sl: np.uint64, ih: np.uint64, il: np.uint64) -> tuple:
    """One PCG64 LCG step s · MULT + inc (mod 2¹²⁸) on 64-bit halves; returns (hi, lo)."""
    lo = sl * _MULT_LO
    hi = _mulhi(sl, _MULT_LO) + sl * _MULT_HI + sh * _MULT_LO
    lo2 = lo + il
    carry = np.uint64(1) if lo2 < lo else np.uint64(0)
    return hi + ih + carry, lo2


@numba.njit(cache=True, error_model="numpy")
def seed_states(words: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """PCG64 states of ``Generator(PCG64(SeedSequence(...)))`` for many seed sequences at once.

    ``words`` (W,) uint64 holds each sequence's assembled entropy as 32-bit words (NumPy's
    ``SeedSequence.get_assembled_entropy()``: the run entropy, zero-padded to the pool size 4 when
    there is a spawn key, then the spawn key's words), sequence ``e`` in
    ``words[starts[e]:starts[e + 1]]``. Per sequence, NumPy's algorithm: ``mix_entropy`` into a
    pool of four words (``hashmix``/``mix``), ``generate_state(4, uint64)`` (eight 32-bit words,
    little-endian pairs), then ``pcg64_set_seed(seed = (v0, v1), inc = (v2, v3))``:
    inc ← 2·i + 1, s ← 0, step, s ← s + seed, step. Returns (n, 4) rows as :func:`states_of`.
    """
    n = len(starts) - 1
    out = np.empty((n, 4), np.uint64)
    h = np.empty(1, np.uint64)
    pool = np.empty(_POOL, np.uint64)
    gs = np.empty(8, np.uint64)
    for e in range(n):
        a, b = starts[e], starts[e + 1]
        m = b - a
        h[0] = _INIT_A
        for i in range(_POOL):
            pool[i] = _hashmix(words[a + i] if i < m else np.uint64(0), h)
        for i_src in range(_POOL):
            for i_dst in range(_POOL):
                if i_src != i_dst:
                    pool[i_dst] = _mix(pool[i_dst], _hashmix(pool[i_src], h))
        for i_src in range(_POOL, m):
            for i_dst in range(_POOL):
                pool[i_dst] = _mix(pool[i_dst], _hashmix(words[a + i_src], h))
        hb = _INIT_B
        for i in range(8):
            v = pool[i % _POOL] ^ hb
            hb = (hb * _MULT_B) & _MASK32
            v = (v * hb) & _MASK32
            gs[i] = v ^ (v >> _U16)
        s_hi, s_lo = gs[0] | (gs[1] << _U32), gs[2] | (gs[3] << _U32)
        i_hi, i_lo = gs[4] | (gs[5] << _U32), gs[6] | (gs[7] << _U32)
        inc_hi = (i_hi << _U1) | (i_lo >> _U63)
        inc_lo = (i_lo << _U1) | _U1
        sh, sl = _step128(np.uint64(0), np.uint64(0), inc_hi, inc_lo)
        lo = sl + s_lo
        sh = sh + s_hi + (np.uint64(1) if lo < sl else np.uint64(0))
        sh, sl = _step128(sh, lo, inc_hi, inc_lo)
        out[e, 0], out[e, 1], out[e, 2], out[e, 3] = sh, sl, inc_hi, inc_lo
    return out


def uint32_words(x: int) -> list[int]:
    """NumPy's ``_int_to_uint32_array``: a non-negative integer as little-endian 32-bit words ([0] for 0)."""
    if x < 0:
        raise ValueError(f"entropy must be non-negative (got {x})")
    if x == 0:
        return [0]
    out = []
    while x > 0:
        out.append(x & 0xFFFFFFFF)
        x >>= 32
    return out


def assembled_entropy(seed: int, spawn_key: Sequence[int]) -> list[int]:
    """``SeedSequence(seed, spawn_key=spawn_key).get_assembled_entropy()`` as a list of words."""
    run = uint32_words(int(seed))
    spawn = [w for k in spawn_key for w in uint32_words(int(k))]
    if spawn and len(run) < _POOL:
        run = run + [0] * (_POOL - len(run))
    return run + spawn
