"""Fire-unit decision kernels (c2/): each test fails if its rule is removed."""

from __future__ import annotations

import numpy as np

from iadsim.c2 import correlation, evaluation, fire_control


def test_time_to_go_closing_speed() -> None:
    # 10 km from the asset, closing at 250 m/s → 40 s; an opening track → ∞
    asset = np.array([[0.0, 0.0, 6.4e6]])
    p = np.array([[10_000.0, 0.0, 6.4e6], [10_000.0, 0.0, 6.4e6]])
    v = np.array([[-250.0, 0.0, 0.0], [250.0, 0.0, 0.0]])
    tgo = evaluation.time_to_go(p, v, asset)
    assert tgo[0] == np.float64(40.0) and np.isinf(tgo[1])


def test_first_per_unit_most_urgent() -> None:
    unit = np.array([0, 0, 1, 1, 1])
    tgo = np.array([50.0, 20.0, 9.0, 9.0, 30.0])
    tid = np.array([7, 8, 5, 3, 1])
    sel = evaluation.first_per_unit(unit, tgo, tid)
    assert sel.tolist() == [1, 3]  # unit 0: tgo 20; unit 1: tie at 9 s broken by the lower track id


def test_magazine_caps_the_salvo() -> None:
    assert fire_control.rounds_per_engagement(np.array([2, 2, 1]), np.array([1, 5, 0])).tolist() == [1, 2, 0]


def test_stale_and_missed_tracks_are_not_engageable() -> None:
    live = np.arange(4)
    confirmed = np.array([True, True, True, False])
    misses = np.array([0, 1, 0, 0])
    t_upd = np.array([100.0, 100.0, 80.0, 100.0])  # row 2 last updated 20 s ago
    site = np.zeros(4, np.int64)
    rows = fire_control.engageable_tracks(live, confirmed, misses, t_upd, np.array([10.0]), site, 100.0, 1.0)
    assert rows.tolist() == [0]  # 1: missed its last look; 2: older than one revisit + dt; 3: tentative


def test_ready_units() -> None:
    ready = fire_control.ready_units(np.array([0.0, 12.0, 0.0]), 10.0, np.array([4, 4, 0]))
    assert ready.tolist() == [True, False, False]  # launcher busy until 12 s; empty magazine


def test_no_second_engagement_while_rounds_in_flight() -> None:
    f = np.array([0, 0, 1])
    target = np.array([5, 6, 5])
    keep = fire_control.not_already_engaged(f, target, np.array([0]), np.array([5]), 10)
    assert keep.tolist() == [False, True, True]  # unit 0 has a round at object 5; unit 1 does not


def test_believed_alive_reopens_after_a_later_update() -> None:
    reopen = np.array([np.nan, 50.0, 50.0])
    t_upd = np.array([40.0, 49.0, 51.0])
    assert fire_control.believed_alive(reopen, t_upd).tolist() == [True, False, True]


def test_supporting_radar_needs_fire_control_coverage_and_channels() -> None:
    fc_mask = np.array([[False, True, True]])  # radar 0 of the site is a surveillance radar
    f = np.zeros(4, np.int64)
    launch_ok = {(0, 1), (0, 2), (1, 1), (2, 1), (3, 2)}
    pip_ok = {(0, 2), (1, 1), (2, 1), (3, 2)}
    tf = np.ones((4, 3), np.int64)
    gf = np.ones((4, 3), np.int64)
    gf[2, 1] = 0  # pair 2: radar 1 has no guidance channel left
    tf[3, 2] = 0  # pair 3: radar 2 has no target channel left
    r = fire_control.supporting_radar(
        f, fc_mask,
        lambda pi, ri: np.array([(p, s) in launch_ok for p, s in zip(pi, ri)]),
        lambda pi, ri: np.array([(p, s) in pip_ok for p, s in zip(pi, ri)]),
        tf, gf)  # fmt: skip
    # pair 0: radar 1 sees the launch point but not the PIP → radar 2; pair 1: radar 1;
    # pair 2: no guidance channel; pair 3: no target channel
    assert r.tolist() == [2, 1, -1, -1]


def test_grant_channels_in_urgency_order() -> None:
    radar = np.array([0, 0, 0, 1])
    new = np.array([True, True, False, True])
    req = np.array([2, 2, 2, 2])
    t_free = np.array([1, 1, 1, 1])
    g_free = np.array([3, 3, 3, 1])
    got = fire_control.grant_channels(radar, new, req, t_free, g_free)
    # radar 0: first new target takes the last target channel and 2 of 3 guidance channels; the
    # second new target is refused; the held target gets the 1 guidance channel left; radar 1: 1
    assert got.tolist() == [2, 0, 1, 1]


def test_reinitiated_track_correlates_with_dropped_prediction() -> None:
    # a dropped track 20 s ago at x = 0 moving +200 m/s; new tracks near x = 4 km (same object),
    # at x = 30 km (another object) and near x = 4 km at another site
    P = np.diag([100.0**2] * 3 + [10.0**2] * 3)[None]
    x_old = np.array([[6.4e6, 0.0, 0.0, 0.0, 200.0, 0.0]])
    z = np.array([[6.4e6, 4100.0, 0.0], [6.4e6, 30_000.0, 0.0], [6.4e6, 4000.0, 0.0]])
    R = np.repeat(np.diag([50.0**2] * 3)[None], 3, axis=0)
    m = correlation.correlate(z, R, np.array([0, 0, 1]), x_old, P, np.array([20.0]), np.array([0]), q_m2ps3=1.0)
    assert m.tolist() == [0, -1, -1]
    # d² of the first pair by hand: Δ = 100 m along y; σ² = 100² + 2·20·0 + 20²·10² + q·20³/3 + 50²
    s2 = 100.0**2 + 400 * 100.0 + 8000 / 3 + 50.0**2
    assert 100.0**2 / s2 < correlation.CORRELATION_GATE_D2
    # one-to-one: two candidates for one dropped track → the nearer one inherits
    z2 = np.array([[6.4e6, 4300.0, 0.0], [6.4e6, 4050.0, 0.0]])
    m2 = correlation.correlate(z2, R[:2], np.array([0, 0]), x_old, P, np.array([20.0]), np.array([0]), q_m2ps3=1.0)
    assert m2.tolist() == [-1, 0]


def test_compiled_time_to_go_matches_numpy_reference() -> None:
    rng = np.random.default_rng(17)
    assets = np.array([[4.0e6, 3.0e6, 3.6e6], [4.05e6, 2.95e6, 3.61e6], [3.9e6, 3.1e6, 3.55e6]])
    n = 300
    p = assets[0] + rng.normal(0, 100e3, (n, 3))
    v = rng.normal(0, 300, (n, 3))
    got = evaluation.time_to_go(p, v, assets)
    # the NumPy formula before the compiled kernel (independent reference)
    rel = assets[None, :, :] - p[:, None, :]
    dist = np.linalg.norm(rel, axis=2)
    closing = np.einsum("pak,pk->pa", rel, v) / np.maximum(dist, 1.0)
    ref = np.where(closing > 1.0, dist / np.maximum(closing, 1e-9), np.inf).min(axis=1)
    assert np.isinf(ref).any() and np.isfinite(ref).any()
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    assert evaluation.time_to_go(p, v, np.zeros((0, 3))).shape == (n,)
