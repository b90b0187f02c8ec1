"""``iadsim.npmath``: the compiled arctan2 / tan / power give NumPy's float64 results bit for bit.

Reference: NumPy itself on the same arguments (random over many scales, plus special values);
the test fails if the intrinsics called the C library where NumPy calls SVML or vice versa.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from iadsim import npmath


@njit(cache=True)
def _eval(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    out = np.empty((3, x.size))
    for i in range(x.size):
        out[0, i] = npmath.atan2(y[i], x[i])
        out[1, i] = npmath.tan(x[i])
        out[2, i] = npmath.pow(abs(x[i]), y[i])
    return out


def _args() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(12)
    xs, ys = [], []
    for scale in (1e-3, 1.0, 3.0, 1e3, 6.4e6):
        xs.append(rng.normal(0.0, scale, 20_000))
        ys.append(rng.normal(0.0, scale, 20_000))
    x = np.concatenate(xs + [np.array([0.0, -0.0, 1.0, np.pi / 2, np.inf, -np.inf, np.nan])])
    y = np.concatenate(ys + [np.array([0.0, 1.0, -0.0, 2.0, 1.0, np.inf, 1.0])])
    return x, y


def test_atan2_tan_power_bit_identical_to_numpy() -> None:
    x, y = _args()
    got = _eval(x, y)
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.array_equal(got[0], np.arctan2(y, x), equal_nan=True)
        assert np.array_equal(got[1], np.tan(x), equal_nan=True)
        assert np.array_equal(got[2], np.abs(x) ** y, equal_nan=True)


def test_integer_cube_matches_numpy_operator() -> None:
    """``r ** 3`` on a float64 array (the gravity term's |r|³) is ``power(r, 3.0)``."""
    r = np.abs(np.random.default_rng(5).normal(6.4e6, 1e5, 50_000))
    got = _eval(r, np.full(r.size, 3.0))[2]
    assert np.array_equal(got, r**3)


@njit(cache=True)
def _eval_expm1(x: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    out = np.empty(x.size)
    for i in range(x.size):
        out[i] = npmath.expm1(x[i])
    return out


def test_expm1_bit_identical_to_numpy() -> None:
    """expm1 over many scales (the flyout's −(t − t_b)/T lies in [−50, 0]), special values too."""
    x, _ = _args()
    x = np.concatenate([x, -np.random.default_rng(4).uniform(0.0, 50.0, 50_000), [-745.0, 710.0, 1e-300]])
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.array_equal(_eval_expm1(x), np.expm1(x), equal_nan=True)


@njit(cache=True)
def _eval_cbrt_arcsin(x: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    out = np.empty((2, x.size))
    for i in range(x.size):
        out[0, i] = npmath.cbrt(x[i])
        out[1, i] = npmath.arcsin(x[i])
    return out


def test_cbrt_arcsin_bit_identical_to_numpy() -> None:
    """cbrt and arcsin (the false alarms' range and elevation draws: arguments in [0, 1]) over many
    scales, special values too; numba's own np.cbrt / np.arcsin (the C library) differ on this host."""
    x, _ = _args()
    u = np.random.default_rng(8).random(100_000)
    x = np.concatenate([x, u, -u, np.nextafter(1.0, 0.0) - u * 1e-12, [1.0, -1.0, 1.0 + 1e-15, 1e-310]])
    with np.errstate(invalid="ignore"):
        got = _eval_cbrt_arcsin(x)
        assert np.array_equal(got[0], np.cbrt(x), equal_nan=True)
        assert np.array_equal(got[1], np.arcsin(x), equal_nan=True)


def test_reports_which_library_it_uses() -> None:
    assert set(npmath.USES_SVML) == {"arctan2", "tan", "power", "expm1", "cbrt", "arcsin"}
    assert all(isinstance(v, bool) for v in npmath.USES_SVML.values())


def test_c_library_path_calls_libm() -> None:
    """The branch taken where NumPy has no SVML loop (another CPU) compiles and calls the C library."""
    import math

    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def c_atan2(typingctx, y, x):  # type: ignore[no-untyped-def]
        return types.float64(types.float64, types.float64), npmath._codegen("arctan2", svml=False)

    @intrinsic
    def c_tan(typingctx, x):  # type: ignore[no-untyped-def]
        return types.float64(types.float64), npmath._codegen("tan", svml=False)

    @intrinsic
    def c_pow(typingctx, x, y):  # type: ignore[no-untyped-def]
        return types.float64(types.float64, types.float64), npmath._codegen("power", svml=False)

    @intrinsic
    def c_expm1(typingctx, x):  # type: ignore[no-untyped-def]
        return types.float64(types.float64), npmath._codegen("expm1", svml=False)

    @intrinsic
    def c_cbrt(typingctx, x):  # type: ignore[no-untyped-def]
        return types.float64(types.float64), npmath._codegen("cbrt", svml=False)

    @intrinsic
    def c_asin(typingctx, x):  # type: ignore[no-untyped-def]
        return types.float64(types.float64), npmath._codegen("arcsin", svml=False)

    @njit
    def run(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
        out = np.empty((6, x.size))
        for i in range(x.size):
            out[0, i] = c_atan2(y[i], x[i])
            out[1, i] = c_tan(x[i])
            out[2, i] = c_pow(abs(x[i]), 3.0)
            out[3, i] = c_expm1(x[i])
            out[4, i] = c_cbrt(x[i])
            out[5, i] = c_asin(np.tanh(x[i]))
        return out

    rng = np.random.default_rng(3)
    x, y = rng.normal(0, 2, 2000), rng.normal(0, 2, 2000)
    got = run(x, y)
    assert got[0].tolist() == [math.atan2(b, a) for a, b in zip(x, y)]
    assert got[1].tolist() == [math.tan(a) for a in x]
    assert got[2].tolist() == [math.pow(abs(a), 3.0) for a in x]
    assert got[3].tolist() == [math.expm1(a) for a in x]
    assert got[4].tolist() == [math.cbrt(a) for a in x]
    assert got[5].tolist() == [math.asin(math.tanh(a)) for a in x]


@njit(cache=True)
def _eval_blocks(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    n = x.size // npmath.BLOCK * npmath.BLOCK
    a = np.zeros(x.size)
    t = np.zeros(x.size)
    for i in range(0, n, npmath.BLOCK):
        npmath.atan2_block(y, x, a, i)
        npmath.tan_block(x, t, i)
    return a, t


def test_block_calls_equal_numpy_lane_by_lane() -> None:
    x, y = _args()
    x, y = np.ascontiguousarray(x[:80_000]), np.ascontiguousarray(y[:80_000])
    a, t = _eval_blocks(x, y)
    assert np.array_equal(a, np.arctan2(y, x))
    assert np.array_equal(t, np.tan(x))
    # a lane's result does not depend on its neighbours: shifting the blocks by 3 gives the same numbers
    a3, t3 = _eval_blocks(np.ascontiguousarray(x[3:]), np.ascontiguousarray(y[3:]))
    m = a3.size // 8 * 8
    assert np.array_equal(a3[:m], a[3:3 + m]) and np.array_equal(t3[:m], t[3:3 + m])


@njit(cache=True)
def _exp_into(x: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    out = np.empty_like(x)
    npmath.exp_into(x, out)
    return out


def test_exp_into_is_numpys_exp_bit_for_bit() -> None:
    """The kill probability's exp(−(miss/basket)²/2…) arguments, every scale, special values, and
    lengths 0–17 (the vector loop's tails): np.exp's own loop, so the same bits as np.exp."""
    x, _ = _args()
    rng = np.random.default_rng(9)
    x = np.concatenate([x, -rng.uniform(0.0, 50.0, 50_000), [-745.0, -746.0, 709.0, 710.0, 1e-300, -0.0]])
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.array_equal(_exp_into(x), np.exp(x), equal_nan=True)
        for n in range(18):
            v = -rng.uniform(0.0, 50.0, n)
            assert _exp_into(v).view(np.uint64).tolist() == np.exp(v).view(np.uint64).tolist()


def test_exp_loop_found_here() -> None:
    """The layout check accepted this NumPy's ufunc (the engine's arrivals are compiled only then)."""
    assert npmath.NUMPY_EXP_LOOP is not None
