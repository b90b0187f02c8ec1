"""flyout.ballistic_acceleration (one compiled call, kernels.ballistic_acceleration) against the NumPy
formula it replaced, bit for bit: its ``r**3`` goes through :func:`iadsim.npmath.pow` (NumPy's own
SIMD ``pow``), which libm's ``pow`` would not reproduce."""

from __future__ import annotations

import math

import numpy as np

from iadsim.units import MU_EARTH_M3PS2
from iadsim.weapons import kernels
from iadsim.weapons.flyout import ballistic_acceleration


def _numpy_reference(p, v, min_speed=1000.0):
    r = np.linalg.norm(p, axis=1)
    g = -MU_EARTH_M3PS2 * p / (r**3)[:, None]
    return np.where((np.linalg.norm(v, axis=1) >= min_speed)[:, None], g, 0.0)


def test_bit_identical_to_the_numpy_formula() -> None:
    rng = np.random.default_rng(5)
    n = 5000
    d = rng.normal(size=(n, 3))
    p = d / np.linalg.norm(d, axis=1)[:, None] * rng.uniform(6.35e6, 8.0e6, n)[:, None]
    v = rng.normal(size=(n, 3)) * rng.uniform(0.0, 3000.0, n)[:, None] / math.sqrt(3.0)
    v[:10] = p[:10] / np.linalg.norm(p[:10], axis=1)[:, None] * 1000.0  # at the threshold
    want = _numpy_reference(p, v)
    got = ballistic_acceleration(p, v)
    np.testing.assert_array_equal(got, want)
    fast = np.linalg.norm(v, axis=1) >= 1000.0
    assert 0.2 < fast.mean() < 0.8
    np.testing.assert_array_equal(got[~fast], 0.0)
    # non-contiguous inputs (slices of a track state) and another threshold
    x = np.concatenate([p, v], axis=1)
    np.testing.assert_array_equal(ballistic_acceleration(x[:, :3], x[:, 3:], 500.0), _numpy_reference(p, v, 500.0))


def test_hand_case_free_fall() -> None:
    """On the x axis at r = 7000 km, |v| = 2 km/s: a = (−μ/r², 0, 0); slow: 0."""
    p = np.array([[7.0e6, 0.0, 0.0], [7.0e6, 0.0, 0.0]])
    v = np.array([[0.0, 2000.0, 0.0], [0.0, 999.0, 0.0]])
    a = kernels.ballistic_acceleration(p, v, 1000.0)
    assert math.isclose(a[0, 0], -MU_EARTH_M3PS2 / 7.0e6**2, rel_tol=1e-15)
    assert a[0, 1] == 0.0 and a[0, 2] == 0.0
    assert np.all(a[1] == 0.0)
