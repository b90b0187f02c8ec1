"""Engagement and resolution kernels (weapons/): each test fails if its rule is removed."""

from __future__ import annotations

import numpy as np
import pytest

import iadsim
from iadsim.engine.world import compile_world
from iadsim.weapons import engagement, kill_assessment


@pytest.fixture(scope="module")
def world():
    return compile_world(iadsim.load_scenario("adana-patriot-small"))


def _pairs(world, east_km: np.ndarray, alt_m: float, vel_enu: np.ndarray):
    """Targets east of the Patriot at Adana (ENU offsets), as candidate pairs of unit 0."""
    fus = world.fire_units
    n = len(east_km)
    R = fus.enu_rot[0]
    p = fus.ecef_m[0] + (np.stack([east_km * 1000.0, np.zeros(n), np.full(n, alt_m)], axis=1) @ R)
    v = np.broadcast_to(vel_enu @ R, (n, 3)).copy()
    return np.zeros(n, np.int64), p, v


def _choose(world, f, p, v, *, delay=0.0, tgo=1e9, cls=1, P=None, magazine=None, frac=None, support=None):
    fus, ic = world.fire_units, world.interceptors
    n = len(f)
    pl, vl, a = engagement.launch_kinematics(p, v, np.full(n, delay))
    P = np.repeat(np.eye(6)[None] * 1.0, n, axis=0) if P is None else P
    mag = fus.magazine.copy() if magazine is None else magazine
    if frac is not None:
        import dataclasses

        fus = dataclasses.replace(fus, min_handover_pk_fraction=np.full(len(fus), frac))
    return engagement.choose_interceptor(f, pl, vl, a, np.full(n, delay), np.full(n, tgo), np.linalg.norm(v, axis=1), P,
                                         np.full(n, 1.0), 50.0, np.full(n, cls), mag, fus, ic, pip_supported=support)


def test_minimum_and_maximum_range(world) -> None:
    ic = world.interceptors
    f, p, v = _pairs(world, np.array([0.5, 20.0, 500.0]), 300.0, np.zeros(3))
    it, tau, pip = _choose(world, f, p, v)
    # a hovering target 0.5 km away is inside every type's minimum range; 500 km is beyond all
    assert it[0] == -1 and it[2] == -1 and it[1] >= 0
    assert ic.min_range_m[0, it[1]] <= np.linalg.norm(pip[1] - world.fire_units.ecef_m[0]) <= ic.max_range_m[0, it[1]]


def test_maximum_target_speed(world) -> None:
    ic = world.interceptors
    vmax = np.nanmax(ic.max_target_speed_mps[0])
    f, p, v = _pairs(world, np.array([20.0, 20.0]), 3000.0, np.zeros(3))
    v[1] = v[1] + np.array([1.0, 0, 0]) * (vmax + 10.0)  # faster than any type may engage
    v[0] = v[0] + np.array([1.0, 0, 0]) * 10.0
    it, _, _ = _choose(world, f, p, v)
    assert it[0] >= 0 and it[1] == -1


def test_pk_zero_class_is_not_engaged(world) -> None:
    import dataclasses

    ic = world.interceptors
    pk = ic.pk.copy()
    pk[:, :, 3] = 0.0  # no type may engage class 3 (drone)
    w2 = dataclasses.replace(world, interceptors=dataclasses.replace(ic, pk=pk))
    f, p, v = _pairs(world, np.array([20.0]), 3000.0, np.zeros(3))
    assert _choose(w2, f, p, v, cls=3)[0][0] == -1
    assert _choose(w2, f, p, v, cls=0)[0][0] >= 0


def test_reaction_time_counts_in_the_time_to_go_test(world) -> None:
    f, p, v = _pairs(world, np.array([20.0]), 3000.0, np.zeros(3))
    it, tau, _ = _choose(world, f, p, v)
    assert it[0] >= 0
    tgo = tau[0] + 5.0  # the round alone would arrive in time …
    assert _choose(world, f, p, v, tgo=tgo, delay=0.0)[0][0] >= 0
    assert _choose(world, f, p, v, tgo=tgo, delay=10.0)[0][0] == -1  # … not after a 10 s reaction


def test_magazine_and_preference(world) -> None:
    import dataclasses

    # loadout order, no reservation (doctrine choice has its own tests in tests/unit/c2)
    fus = dataclasses.replace(world.fire_units, weapon_cheapest=np.zeros(len(world.fire_units), bool),
                              reserved_for=np.zeros_like(world.fire_units.reserved_for))
    world = dataclasses.replace(world, fire_units=fus)
    f, p, v = _pairs(world, np.array([20.0]), 3000.0, np.zeros(3))
    first = int(np.argmin(fus.preference[0]))
    assert _choose(world, f, p, v)[0][0] == first
    mag = fus.magazine.copy()
    mag[0, first] = 0
    it = _choose(world, f, p, v, magazine=mag)[0][0]
    assert it != first and it >= 0
    assert _choose(world, f, p, v, magazine=np.zeros_like(mag))[0][0] == -1


def test_fire_control_support_hook_vetoes(world) -> None:
    f, p, v = _pairs(world, np.array([20.0, 20.0]), 3000.0, np.zeros(3))
    it = _choose(world, f, p, v, support=lambda pip, k: k != 1)[0]
    assert it[0] >= 0 and it[1] == -1


def test_handover_gate(world) -> None:
    f, p, v = _pairs(world, np.array([20.0]), 3000.0, np.zeros(3))
    b = np.nanmin(world.interceptors.basket_m[0])
    big = np.repeat(np.diag([(10 * b) ** 2] * 3 + [1.0] * 3)[None], 1, axis=0)
    assert _choose(world, f, p, v, P=big)[0][0] == -1  # 10 baskets of error: E[Pk]/Pk0 ≈ 0.001
    assert _choose(world, f, p, v, P=big, frac=1e-4)[0][0] >= 0


def test_handover_pk_fraction_matches_monte_carlo() -> None:
    rng = np.random.default_rng(3)
    P = np.array([[400.0, 100.0, 0.0], [100.0, 900.0, -50.0], [0.0, -50.0, 100.0]])
    b = 20.0
    e = rng.multivariate_normal(np.zeros(3), P, 400_000)
    mc = np.mean(np.exp(-0.5 * np.sum(e**2, axis=1) / b**2))
    got = engagement.handover_pk_fraction(P[None], np.array([b]))[0]
    assert got == pytest.approx(mc, rel=0.01)


def test_salvo_rounds_leave_launch_interval_apart() -> None:
    n = np.array([2, 1])
    p = np.array([[6.4e6 + 10_000.0, 0.0, 0.0], [6.4e6 + 20_000.0, 0.0, 0.0]])
    v = np.array([[-100.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    L = np.full((2, 3), [6.4e6, 0.0, 0.0])
    # a constant-speed round in the boost-coast model: no burn, no drag (speed = max speed)
    rep, tl, pip, tint = engagement.salvo_rounds(n, np.array([3.0, 3.0]), np.array([10.0, 20.0]), p, v, np.zeros((2, 3)), L,
                                                 np.array([900.0, 1000.0]), np.full(2, 1e-9), np.full(2, 1e12),
                                                 np.full(2, 1e4))  # fmt: skip
    assert rep.tolist() == [0, 0, 1] and tl.tolist() == [10.0, 13.0, 20.0]
    # hand-computed: 10 km closing at 100 m/s, missile 900 m/s → τ = 10000/1000 = 10 s
    assert tint[0] == pytest.approx(20.0) and tint[2] == pytest.approx(40.0)


def test_one_kill_per_threat_and_reasons() -> None:
    R = 5
    pk0 = np.full(R, 0.9)
    basket = np.full(R, 10.0)
    miss = np.zeros(R)
    threat = np.array([0, 0, 1, 2, 3])
    valid = np.array([True, True, True, True, False])
    alive = np.array([True, True, False, True, True])  # threat 1 already dead or leaked
    guided = np.array([True, True, True, False, True])
    u = np.zeros(R)  # every draw succeeds where Pk > 0
    kill, pk, reason = kill_assessment.resolve(pk0, basket, miss, valid, alive, guided, threat, u)
    names = [kill_assessment.MISS_REASONS[r] if r >= 0 else "kill" for r in reason]
    assert kill.tolist() == [True, False, False, False, False]
    assert names == ["kill", "target_already_dead", "target_already_dead", "guidance_lost", "false_target"]
    assert pk[1] == 0.0 and pk[2] == 0.0 and pk[3] == 0.0


def test_pk_draw_miss_reason() -> None:
    kill, pk, reason = kill_assessment.resolve(np.array([0.5]), np.array([10.0]), np.array([0.0]), np.array([True]),
                                               np.array([True]), np.array([True]), np.array([0]), np.array([0.7]))  # fmt: skip
    assert not kill[0] and pk[0] == 0.5 and kill_assessment.MISS_REASONS[reason[0]] == "pk_draw"


def test_kill_assessment_error_both_ways() -> None:
    killed = np.array([True, True, False, False])
    u = np.array([0.01, 0.5, 0.01, 0.5])
    assert kill_assessment.assess(killed, u, np.full(4, 0.05)).tolist() == [False, True, True, False]
    assert kill_assessment.assess(killed, u, np.zeros(4)).tolist() == [True, True, False, False]


def test_launch_kinematics_gravity_for_fast_tracks() -> None:
    p = np.array([[6.45e6, 0.0, 0.0], [6.45e6, 0.0, 0.0]])
    v = np.array([[0.0, 300.0, 0.0], [0.0, 2000.0, 0.0]])
    pl, vl, a = engagement.launch_kinematics(p, v, np.array([10.0, 10.0]))
    assert np.all(a[0] == 0) and pl[0, 1] == pytest.approx(3000.0)
    g = 3.986004418e14 / 6.45e6**2
    assert a[1, 0] == pytest.approx(-g, rel=1e-6) and pl[1, 0] == pytest.approx(6.45e6 - 0.5 * g * 100, rel=1e-9)


def _salvo_rounds_numpy(n_shots, interval, t_launch, p_l, v_l, a_l, L, vm, tb, T, tmax):
    """salvo_rounds as it was in NumPy before the compiled kernel (reference)."""
    from iadsim.weapons.flyout import predicted_intercept_energy

    rep = np.repeat(np.arange(len(n_shots)), n_shots)
    j = np.arange(len(rep)) - np.repeat(np.cumsum(n_shots) - n_shots, n_shots)
    delay = (j * interval[rep])[:, None]
    st = t_launch[rep] + delay[:, 0]
    p_r = p_l[rep] + v_l[rep] * delay + 0.5 * a_l[rep] * delay**2
    pip, tau = predicted_intercept_energy(p_r, v_l[rep] + a_l[rep] * delay, a_l[rep], L[rep], vm[rep], tb[rep],
                                          T[rep], tmax[rep])  # fmt: skip
    lost = ~np.isfinite(tau)
    return rep, st, np.where(lost[:, None], p_r, pip), st + np.where(lost, tmax[rep], tau)


def test_salvo_rounds_bit_identical_to_the_numpy_flyout() -> None:
    """Random engagements of the bundled catalogue's rounds against targets of every kind
    (ballistic ones with gravity, out-of-reach ones): every round's launch time, PIP and
    intercept time equal the NumPy energy-limited flyout's bit for bit."""
    from iadsim.weapons.flyout import ballistic_acceleration

    from test_compiled_kernels import _random_pairs

    world = compile_world(iadsim.load_scenario("adana-patriot-small"))
    fus, ic = world.fire_units, world.interceptors
    rng = np.random.default_rng(21)
    E = 400
    f, p, v = _random_pairs(world, E, rng)
    a = ballistic_acceleration(p, v)
    it = rng.integers(0, ic.max_speed_mps.shape[1], E)
    ok = np.isfinite(ic.max_speed_mps[f, it])
    f, p, v, a, it = f[ok], p[ok], v[ok], a[ok], it[ok]
    n = rng.integers(1, 4, len(f))
    args = (n, rng.uniform(0.5, 5.0, len(f)), rng.uniform(0.0, 100.0, len(f)), p, v, a, fus.ecef_m[f],
            ic.max_speed_mps[f, it], ic.burn_time_s[f, it], ic.drag_time_s[f, it], ic.max_flight_s[f, it])
    got = engagement.salvo_rounds(*args)
    want = _salvo_rounds_numpy(*args)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    lost = want[3] - want[1] == ic.max_flight_s[f, it][want[0]]
    assert 0 < lost.sum() < len(lost) and (a[:, 0] != 0).any()
