"""engagement.decision_capability (one compiled call) against the NumPy chain of ``_engage`` it replaces.

The reference is the code ``engine/run.py _engage`` ran before the fused kernel: the fire-control
cue delay and update interval per unit, the delay, :func:`launch_kinematics`, :func:`time_to_go`,
:func:`classify`, |v| and :func:`choose_interceptor` (the capability rules + the doctrine's choice).
The launch state, delay, time to go and class must be bit-identical (they reach the events).
"""

from __future__ import annotations

import numpy as np
import pytest

import iadsim
from iadsim.c2 import classification, evaluation
from iadsim.engine.world import compile_world
from iadsim.weapons import engagement
from iadsim.units import MU_EARTH_M3PS2

from test_compiled_kernels import _random_pairs


def _numpy_acc(p, v):
    """The fire-control acceleration model as NumPy computed it before the kernel (reference)."""
    r = np.linalg.norm(p, axis=1)
    g = -MU_EARTH_M3PS2 * p / (r**3)[:, None]
    return np.where((np.linalg.norm(v, axis=1) >= 1000.0)[:, None], g, 0.0)


@pytest.fixture(scope="module")
def world():
    return compile_world(iadsim.load_scenario("adana-patriot-small"))


def _reference(world, f, x, cued, Pc, midcourse, q, magazine, assets):
    fus, ic, fcr = world.fire_units, world.interceptors, world.fc_radars
    S = len(world.radars)
    p, v = x[:, :3], x[:, 3:]
    fc_cue = np.where(fus.fc_mask, fcr.cue_delay_s[None, :], np.inf).min(axis=1) if S else np.zeros(len(fus))
    fc_update = np.where(fus.fc_mask, fcr.track_update_s[None, :], np.inf).min(axis=1) if S else np.zeros(len(fus))
    delay = fus.reaction_time_s[f] + np.where(cued, fc_cue[f], 0.0)
    acc = _numpy_acc(p, v)
    d = delay[:, None]
    p_launch, v_launch = p + v * d + 0.5 * acc * d**2, v + acc * d  # launch_kinematics in NumPy
    tgo = evaluation.time_to_go(p, v, assets)
    assessed = classification.classify(p, v)
    handover = fc_update[f] if midcourse else None
    best = engagement.choose_interceptor(f, p_launch, v_launch, acc, delay, tgo, np.linalg.norm(v, axis=1), Pc,
                                         handover, q, assessed, magazine, fus, ic)  # fmt: skip
    return p_launch, v_launch, delay, tgo, assessed, np.linalg.norm(v, axis=1), fc_update, best, acc


@pytest.mark.parametrize("midcourse", [False, True])
def test_matches_the_numpy_chain(world, midcourse) -> None:
    fus, ic, fcr = world.fire_units, world.interceptors, world.fc_radars
    rng = np.random.default_rng(11)
    n = 300
    f, p, v = _random_pairs(world, n, rng)
    x = np.concatenate([p, v], axis=1)
    cued = rng.random(n) < 0.5
    A = rng.normal(0, 1, (n, 6, 6)) * np.array([30.0, 30.0, 30.0, 3.0, 3.0, 3.0])[None, :, None]
    Pc = np.einsum("nij,nkj->nik", A, A) / 6.0
    assets = fus.ecef_m[:1] + np.array([[2000.0, -1000.0, 0.0]])
    mag = fus.magazine.copy()
    ds = engagement.decision_capability(f, x, cued, Pc, midcourse, 50.0,
                                        mag, fus, ic, fcr.cue_delay_s, fcr.track_update_s, assets)  # fmt: skip
    ref = _reference(world, f, x, cued, Pc, midcourse, 50.0, mag, assets)
    for got, want in zip((ds.p_launch, ds.v_launch, ds.delay, ds.tgo, ds.assessed, ds.speed, ds.fc_update), ref[:7]):
        np.testing.assert_array_equal(got, want)  # bit for bit
    np.testing.assert_array_equal(ds.acc, ref[8])  # the fire-control acceleration, bit for bit
    assert 0 < (ds.acc[:, 0] != 0).sum() < n  # both sides of the 1 km/s threshold
    assert len(set(ds.assessed.tolist())) >= 3 and np.isfinite(ds.tgo).sum() > 20
    assert ds.delay.min() < ds.delay.max()  # the cue delay is exercised
    it, tau, pip = engagement.choose_among(f, ds.capable, ds.last_resort, ds.taus, ds.pips, fus, ic)
    it0, tau0, pip0 = ref[7]
    assert (it0 >= 0).sum() > 10 and (it0 < 0).sum() > 10
    np.testing.assert_array_equal(it, it0)
    np.testing.assert_array_equal(tau, tau0)
    np.testing.assert_array_equal(pip, pip0)


def test_no_fire_control_radar_and_no_asset(world) -> None:
    """A unit without fire-control radars: ∞ cue delay and update interval (as the NumPy min over
    an empty mask); no defended asset: time to go ∞ for every pair, so nothing is capable."""
    import dataclasses

    fus, ic, fcr = world.fire_units, world.interceptors, world.fc_radars
    fu2 = dataclasses.replace(fus, fc_mask=np.zeros_like(fus.fc_mask))
    rng = np.random.default_rng(2)
    f, p, v = _random_pairs(world, 20, rng)
    x = np.concatenate([p, v], axis=1)
    ds = engagement.decision_capability(f, x, np.ones(20, bool), np.repeat(np.eye(6)[None], 20, 0),
                                        True, 50.0, fus.magazine, fu2, ic, fcr.cue_delay_s, fcr.track_update_s,
                                        np.zeros((0, 3)))  # fmt: skip
    assert np.all(np.isinf(ds.fc_update)) and np.all(np.isinf(ds.delay))
    assert np.all(np.isinf(ds.tgo)) and not ds.capable.any()
