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


def test_reports_which_library_it_uses() -> None:
    assert set(npmath.USES_SVML) == {"arctan2", "tan", "power"}
    assert all(isinstance(v, bool) for v in npmath.USES_SVML.values())
