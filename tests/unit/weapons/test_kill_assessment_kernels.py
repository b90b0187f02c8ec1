"""The resolution kernels the engine's arrivals call: the Pk exponent's rules and the midcourse
aim against the NumPy formula it was written as, bit for bit (``resolve`` as a whole against its
former NumPy formulation: ``test_resolve_outcome_kernel.py``)."""

from __future__ import annotations

import numpy as np

from iadsim.weapons.flyout import ballistic_acceleration
from iadsim.weapons.kill_assessment import midcourse_aim, resolve_exponent_kernel


def test_exponent_kernel_marks_live_rounds_and_sends_a_non_finite_error_to_zero_pk() -> None:
    live, arg = resolve_exponent_kernel(np.array([10.0, 10.0, 10.0]), np.array([5.0, np.nan, 0.0]),
                                        np.array([True, True, False]), np.array([True, True, True]),
                                        np.array([True, True, True]))  # fmt: skip
    assert live.tolist() == [True, True, False]
    assert arg[0] == -0.5 * (0.5 * 0.5) and arg[1] == -np.inf and arg[2] == -0.0
    assert np.exp(arg[1]) == 0.0


def test_midcourse_aim_is_the_numpy_formula_bit_for_bit() -> None:
    rng = np.random.default_rng(5)
    R = 200
    p = rng.normal(0, 3e6, (R, 3)) + np.array([4e6, 3e6, 3e6])
    v = rng.normal(0, 1200.0, (R, 3))  # some above 1 km/s (gravity), some below (constant velocity)
    x = np.concatenate([p, v], axis=1)
    t_track = rng.uniform(0, 100, R)
    t_int = t_track + rng.uniform(0, 60, R)
    dt_u = (t_int - t_track)[:, None]
    want = x[:, :3] + x[:, 3:] * dt_u + 0.5 * ballistic_acceleration(x[:, :3], x[:, 3:]) * dt_u**2
    got = midcourse_aim(x, t_track, t_int)
    assert np.array_equal(got, want)
    fast = np.linalg.norm(v, axis=1) >= 1000.0
    assert fast.any() and (~fast).any()
