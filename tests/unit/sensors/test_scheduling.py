"""Fire-control radar scheduling kernels: pair coverage, track dwells, loss rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from iadsim.geo import frames
from iadsim.geo.horizon import EARTH_RADIUS_M, K_EFFECTIVE
from iadsim.sensors import radar as radar_mod
from iadsim.sensors import scheduling
from iadsim.sensors.radar import RadarArrays, geometry, swerling1_pd, swerling1_snr_for_pd, visible


def _radars(S: int = 5, seed: int = 1) -> RadarArrays:
    rng = np.random.default_rng(seed)
    return RadarArrays.from_columns(
        lat_rad=np.radians(rng.uniform(36, 40, S)), lon_rad=np.radians(rng.uniform(30, 36, S)), alt_m=rng.uniform(0, 1000, S),
        ref_range_m=1e5, ref_rcs_m2=1.0, ref_pd=0.5, revisit_s=1.0, sigma_range_m=10.0, sigma_az_rad=1e-3,
        sigma_el_rad=1e-3, max_range_m=2e5, half_width_az_rad=np.radians(45), boresight_az_rad=rng.uniform(0, 6, S),
        max_alt_m=2e4)  # fmt: skip


def test_pair_visibility_is_the_search_coverage_rule() -> None:
    rng = np.random.default_rng(2)
    r = _radars()
    N = 500
    p = frames.geodetic_to_ecef(np.radians(rng.uniform(35, 41, N)), np.radians(rng.uniform(29, 37, N)), rng.uniform(0, 30000, N)).reshape(N, 3)
    full = visible(r, geometry(r, p))
    ri = rng.integers(0, len(r), N)
    pv = scheduling.pair_visibility(r, ri, p)
    assert np.array_equal(pv, full[ri, np.arange(N)]) and 0 < pv.sum() < N


def test_fire_control_line_of_sight_4_3_earth_horizon() -> None:
    # radar at 10 m, target at 100 m: 4/3-Earth horizon d = √(2kR h₁) + √(2kR h₂)
    r = RadarArrays.from_columns(lat_rad=0.0, lon_rad=0.0, alt_m=10.0, ref_range_m=1e6, ref_rcs_m2=1.0, ref_pd=0.5,
                                 revisit_s=1.0, sigma_range_m=1.0, sigma_az_rad=1e-3, sigma_el_rad=1e-3)  # fmt: skip
    kR = K_EFFECTIVE * EARTH_RADIUS_M
    d = np.sqrt(2 * kR * 10.0) + np.sqrt(2 * kR * 100.0)
    ang = np.array([0.97, 1.03]) * d / EARTH_RADIUS_M  # 3 % inside / outside the horizon, due north
    p = frames.geodetic_to_ecef(ang, np.zeros(2), np.full(2, 100.0)).reshape(2, 3)
    assert scheduling.pair_visibility(r, np.array([0, 0]), p).tolist() == [True, False]


def test_track_dwell_gain_raises_pd() -> None:
    r = RadarArrays.from_columns(lat_rad=0.0, lon_rad=0.0, alt_m=10.0, ref_range_m=50e3, ref_rcs_m2=1.0, ref_pd=0.5,
                                 pfa=1e-6, revisit_s=1.0, sigma_range_m=1.0, sigma_az_rad=1e-3, sigma_el_rad=1e-3)  # fmt: skip
    n = 20_000
    # targets at the reference range (search Pd 0.5) at 5 km altitude, north
    p = np.repeat(frames.geodetic_to_ecef(np.array([50e3 / EARTH_RADIUS_M]), np.array([0.0]), np.array([5000.0])).reshape(1, 3), n, axis=0)
    ri = np.zeros(n, np.int64)
    rng = np.random.default_rng(0)
    gain = 10.0
    vis, det, dets = scheduling.track_dwells(r, ri, np.arange(n), p, np.ones(n), np.ones(n, bool), np.full(n, gain), 0.0, rng)
    rng_m = np.linalg.norm(p[0] - r.ecef_m[0])
    snr = gain * swerling1_snr_for_pd(0.5, 1e-6) * (50e3 / rng_m) ** 4
    expect = float(swerling1_pd(snr, 1e-6))
    assert vis.all() and det.mean() == pytest.approx(expect, abs=0.01) and expect > 0.9
    assert len(dets) == det.sum() and np.array_equal(dets.target, np.flatnonzero(det))
    # an absent object (dead, or a false track) is never detected
    _, det0, _ = scheduling.track_dwells(r, ri[:10], np.arange(10), p[:10], np.ones(10), np.zeros(10, bool), np.full(10, gain), 0.0, rng)
    assert not det0.any()


def test_loss_rule() -> None:
    vis = np.array([True, True, False, True])
    det = np.array([True, False, False, False])
    missed, lost, why = scheduling.lost_targets(vis, det, np.array([2, 1, 0, 2]), np.full(4, 3.0))
    assert missed.tolist() == [0, 2, 1, 3] and lost.tolist() == [False, False, True, True]
    assert [scheduling.LOSS_REASONS[w] for w in why[lost]] == ["fc_out_of_coverage", "fc_missed_dwells"]


def test_dwells_due() -> None:
    assert scheduling.dwells_due(10.0, np.array([9.0, 9.5, -np.inf]), np.array([1.0, 1.0, 1.0])).tolist() == [True, False, True]


def test_pair_kernel_matches_the_numpy_geometry() -> None:
    # the compiled per-pair geometry against the (S, N) NumPy geometry of every combination,
    # taken on the diagonal of the pairs (independent reference: frames / horizon formulas)
    rng = np.random.default_rng(3)
    r = _radars(S=7, seed=4)
    N = 400
    p = frames.geodetic_to_ecef(np.radians(rng.uniform(34, 42, N)), np.radians(rng.uniform(28, 38, N)),
                                rng.uniform(-100, 40000, N)).reshape(N, 3)  # fmt: skip
    ri = rng.integers(0, len(r), N)
    full = geometry(r, p)
    sub, g = scheduling.pair_geometry(r, ri, p)
    n = np.arange(N)
    for f in ("range_m", "az_rad", "el_rad", "el_refracted_rad", "ground_range_m"):
        np.testing.assert_allclose(getattr(g, f)[:, 0], getattr(full, f)[ri, n], rtol=1e-12, atol=1e-9, err_msg=f)
    np.testing.assert_allclose(g.enu_m[:, 0, :], full.enu_m[ri, n], rtol=1e-12, atol=1e-6)
    for f in ("tgt_alt_m", "tgt_lat_rad", "tgt_lon_rad"):
        np.testing.assert_allclose(getattr(g, f), getattr(full, f), rtol=1e-12, atol=1e-9, err_msg=f)
    assert np.array_equal(sub.alt_m, r.alt_m[ri]) and sub.name == tuple(r.name[i] for i in ri)
    # the geometry feeds the one coverage rule unchanged
    assert np.array_equal(visible(sub, replace(g, tgt_alt_m=g.tgt_alt_m[:, None])).reshape(-1), full_vis := visible(r, full)[ri, n])
    assert np.array_equal(scheduling.pair_visibility(r, ri, p), full_vis) and 0 < full_vis.sum() < N
    # pair_visible (the tick loop's coverage call, angle-free tests) decides as pair_kernel's visible column
    cols = (r.ecef_m, r.enu_rot, r.lat_rad, r.lon_rad, r.alt_m, r.max_range_m, r.max_alt_m, r.min_elevation_rad,
            r.boresight_az_rad, r.half_width_az_rad, float(r.k_factor), ri.astype(np.int64), p)  # fmt: skip
    assert np.array_equal(scheduling.pair_visible(*cols), scheduling.pair_kernel(*cols)[9])
    assert np.array_equal(scheduling.pair_visible(*cols), full_vis)


def test_pair_visibility_sector_wraps_through_north() -> None:
    # a 90° sector centred on north (boresight 0): azimuths 350° and 10° inside, 60° and 300° outside
    r = RadarArrays.from_columns(lat_rad=0.0, lon_rad=0.0, alt_m=10.0, ref_range_m=1e6, ref_rcs_m2=1.0, ref_pd=0.5,
                                 revisit_s=1.0, sigma_range_m=1.0, sigma_az_rad=1e-3, sigma_el_rad=1e-3,
                                 boresight_az_rad=0.0, half_width_az_rad=np.radians(45))  # fmt: skip
    az = np.radians([350.0, 10.0, 60.0, 300.0])
    d = 20e3 / EARTH_RADIUS_M
    p = frames.geodetic_to_ecef(d * np.cos(az), d * np.sin(az), np.full(4, 3000.0)).reshape(4, 3)
    assert scheduling.pair_visibility(r, np.zeros(4, np.int64), p).tolist() == [True, True, False, False]


def test_track_dwell_measurement_is_the_polar_to_ecef_conversion() -> None:
    # reference: the NumPy formulas r + σ n, (az + σ n) mod 2π, aer_to_enu, x_s + Cᵀ z_enu
    rng = np.random.default_rng(5)
    r = _radars(S=4, seed=6)
    M = 300
    si = rng.integers(0, 4, M)
    R0, az0, el0 = rng.uniform(1e3, 2e5, M), rng.uniform(0, 2 * np.pi, M), rng.uniform(-0.1, 1.5, M)
    az0[:3] = [0.0, 2 * np.pi - 1e-7, 1e-9]  # wraps through north both ways
    noise = rng.standard_normal((M, 3)) * 50
    got = radar_mod.measure(r, R0, az0, el0, si, noise)[:5]  # the kernel track dwells use (radar.measure)
    rr = R0 + r.sigma_range_m[si] * noise[:, 0]
    az = np.mod(az0 + r.sigma_az_rad[si] * noise[:, 1], 2 * np.pi)
    el = el0 + r.sigma_el_rad[si] * noise[:, 2]
    z_enu = frames.aer_to_enu(az, el, rr)
    z_ecef = r.ecef_m[si] + np.einsum("mji,mj->mi", r.enu_rot[si], z_enu)
    for g, want in zip(got, (rr, az, el, z_enu, z_ecef)):
        np.testing.assert_allclose(g, want, rtol=1e-13, atol=1e-9)
    assert ((got[1] >= 0) & (got[1] < 2 * np.pi)).all()
    # the ECEF point lies at the measured range from the antenna
    np.testing.assert_allclose(np.linalg.norm(got[4] - r.ecef_m[si], axis=1), rr, rtol=1e-12)


def test_dwell_selection_due_present_and_one_echo_per_object() -> None:
    # objects 0..5; radar 0 updates every 1 s, radar 1 every 2 s; t = 10
    radar = np.array([0, -1, 0, 1, 0, 1])  # object 1 is not maintained
    last = np.array([9.0, 0.0, 9.5, 8.0, 9.0, 8.5])  # 2 not due (0.5 s < 1 s), 5 not due (1.5 s < 2 s)
    row_of = np.array([0, 1, 2, 3, -1, 5])  # object 4 has no live row
    truth = np.array([7, 7, 3, 7, 7, 2])  # rows 0 and 3 follow object 7 (radar 0 and radar 1)
    active = np.zeros(8, bool)
    active[[3, 7]] = True
    obj, rr, row, has_row, tr, present = scheduling.dwell_selection(radar, last, row_of, truth, active,
                                                                    np.array([1.0, 2.0]), 10.0, 8)  # fmt: skip
    assert obj.tolist() == [0, 3, 4] and rr.tolist() == [0, 1, 0]
    assert row.tolist() == [0, 3, 0] and has_row.tolist() == [True, True, False]
    assert tr.tolist() == [7, 7, -1] and present.tolist() == [True, True, False]
    # two held tracks of one object on the same radar: only the first (lowest object id) echoes
    radar2 = np.array([0, 0, 0])
    obj, _, _, _, tr, present = scheduling.dwell_selection(radar2, np.full(3, -np.inf), np.array([0, 1, 2]),
                                                           np.array([7, 3, 7]), active, np.array([1.0]), 10.0, 8)  # fmt: skip
    assert obj.tolist() == [0, 1, 2] and tr.tolist() == [7, 3, 7] and present.tolist() == [True, True, False]
    # a dead object is never present
    active[7] = False
    present = scheduling.dwell_selection(radar2, np.full(3, -np.inf), np.array([0, 1, 2]), np.array([7, 3, 7]),
                                         active, np.array([1.0]), 10.0, 8)[5]  # fmt: skip
    assert present.tolist() == [False, True, False]


def test_dwell_plan_packs_dwell_selection() -> None:
    radar = np.array([0, -1, 1, 0, 1])
    last = np.array([-5.0, 0.0, 0.5, -1.0, -9.0])
    row_of = np.array([2, -1, 0, 1, -1])
    truth = np.array([4, 4, 6])
    active = np.ones(8, bool)
    args = (radar, last, row_of, truth, active, np.array([1.0, 2.0]), 1.0, 8)
    plan = scheduling.dwell_plan(*args)
    ref = scheduling.dwell_selection(*args)
    assert plan.shape == (6, len(ref[0])) and plan.shape[1] > 1
    for i, a in enumerate(ref):
        assert np.array_equal(plan[i], np.asarray(a, np.int64))


def test_no_detections_is_an_empty_record_of_its_tick() -> None:
    a = scheduling.no_detections(3.0)
    assert len(a) == 0 and a.time_s == 3.0 and a.R_ecef.shape == (0, 3, 3) and a.z_ecef_m.shape == (0, 3)
    assert scheduling.no_detections(3.0) is a  # shared within the tick
    b = scheduling.no_detections(4.0)
    assert b.time_s == 4.0 and len(b) == 0


def _old_track_dwells(radars: RadarArrays, idx: np.ndarray, target: np.ndarray, tgt: np.ndarray, rcs: np.ndarray,
                      present: np.ndarray, gain: np.ndarray, rng: np.random.Generator) -> tuple:  # fmt: skip
    """The NumPy formula track_dwells had before dwell_kernel (reference)."""
    _, (enu, _, _, rng_m, _, _, _, _, _, vis) = scheduling._pairs(radars, idx, tgt)
    pfa = radars.pfa[idx]
    snr = radar_mod.snr_from_reference(rng_m, rcs, radars.ref_range_m[idx], radars.ref_rcs_m2[idx],
                                       gain * swerling1_snr_for_pd(radars.ref_pd[idx], pfa))  # fmt: skip
    pd = np.where(vis & present, swerling1_pd(snr, pfa), 0.0)
    det = rng.random(len(idx)) < pd
    k = np.flatnonzero(det)
    noise = rng.standard_normal((len(k), 3))
    az0, el0, _ = frames.enu_to_aer(enu[k])
    return vis, det, k, radar_mod.measure(radars, rng_m[k], az0, el0, idx[k], noise)


def test_dwell_kernel_matches_the_numpy_formula_and_the_generator_draws() -> None:
    from iadsim.rng_kernels import states_of, store_states

    rng = np.random.default_rng(7)
    r = _radars(6, seed=3)
    D = 400
    p = frames.geodetic_to_ecef(np.radians(rng.uniform(35, 41, D)), np.radians(rng.uniform(29, 37, D)), rng.uniform(0, 30000, D)).reshape(D, 3)
    ri = rng.integers(0, len(r), D)
    rcs, present, gain = rng.uniform(0.1, 5.0, D), rng.random(D) < 0.9, rng.uniform(1.0, 30.0, D)
    vis0, det0, k, (r0, az0, el0, _, z0, R0) = _old_track_dwells(r, ri, np.arange(D), p, rcs, present, gain, np.random.default_rng(1))
    assert 10 < det0.sum() < vis0.sum() < D  # visible misses and detections both occur
    g = np.random.default_rng(1)
    vis, det, dets = scheduling.track_dwells(r, ri, np.arange(D), p, rcs, present, gain, 0.0, g)
    assert np.array_equal(vis, vis0) and np.array_equal(det, det0) and np.array_equal(dets.target, k)
    for got, ref in ((dets.range_m, r0), (dets.az_rad, az0), (dets.el_rad, el0), (dets.z_ecef_m, z0), (dets.R_ecef, R0)):
        assert np.array_equal(got, ref)
    twin = np.random.default_rng(1)
    _old_track_dwells(r, ri, np.arange(D), p, rcs, present, gain, twin)
    assert g.random() == twin.random()  # the Generator continues where the old draws left it
    # states of two streams, pairs alternating between them: each stream draws as it would alone
    st = states_of([np.random.default_rng(5), np.random.default_rng(6)])
    row = np.arange(D) % 2
    _, det2, d2 = scheduling.track_dwells(r, ri, np.arange(D), p, rcs, present, gain, 0.0, st, row)
    for s in (0, 1):
        m = row == s
        _, dref, kref, (rr, *_rest) = _old_track_dwells(r, ri[m], np.arange(D)[m], p[m], rcs[m], present[m], gain[m],
                                                         np.random.default_rng(5 + s))  # fmt: skip
        assert np.array_equal(det2[m], dref) and np.array_equal(d2.range_m[row[d2.target] == s], rr)
    back = [np.random.default_rng(0), np.random.default_rng(0)]
    store_states(back, st)
    assert back[0].random() != back[1].random()


def test_dwell_pass_is_look_then_track_dwells_then_the_loss_rule() -> None:
    """dwell_pass = the engine's former NumPy glue: look, track_dwells on one stream, lost_targets."""
    from iadsim.rng_kernels import states_of

    rng = np.random.default_rng(8)
    r = _radars(6, seed=4)
    N, D = 60, 80
    pos = frames.geodetic_to_ecef(np.radians(rng.uniform(35, 41, N)), np.radians(rng.uniform(29, 37, N)), rng.uniform(0, 30000, N)).reshape(N, 3)
    rcs = rng.uniform(0.1, 5.0, N)
    rr = rng.integers(0, len(r), D)
    tr = np.where(rng.random(D) < 0.1, -1, rng.integers(0, N, D))
    present = (tr >= 0) & (rng.random(D) < 0.9)
    has_row = rng.random(D) < 0.9
    xp = pos[np.maximum(tr, 0)] + rng.normal(0, 500.0, (D, 3))
    gain_s, lost_after_s = rng.uniform(1, 20, len(r)), rng.integers(1, 4, len(r)).astype(float)
    before = rng.integers(0, 3, D)
    plan = np.stack([np.arange(D), rr, np.zeros(D), has_row, tr, present]).astype(np.int64)
    missed, lost, why, dets = scheduling.dwell_pass(r, plan, xp, pos, rcs, gain_s, lost_after_s, before, 2.0,
                                                    states_of([np.random.default_rng(3)]))  # fmt: skip
    look = np.where(present[:, None], pos[np.maximum(tr, 0)], xp)
    vis, det, ref = scheduling.track_dwells(r, rr, tr, look, rcs[np.maximum(tr, 0)], present & has_row, gain_s[rr], 2.0,
                                            np.random.default_rng(3))  # fmt: skip
    m0, l0, w0 = scheduling.lost_targets(vis, det, before, lost_after_s[rr])
    assert 0 < len(ref) < D and l0.any() and not l0.all()
    assert np.array_equal(missed, m0) and np.array_equal(lost, l0) and np.array_equal(why, w0)
    for f in ("sensor", "target", "range_m", "az_rad", "el_rad", "z_ecef_m", "R_ecef"):
        assert np.array_equal(getattr(dets, f), getattr(ref, f))


def test_any_due_is_whether_dwell_selection_selects_a_dwell() -> None:
    # the early test of sensing_phase / due_dwells: True iff dwell_selection returns a dwell
    rng = np.random.default_rng(8)
    seen = set()
    for _ in range(300):
        n = int(rng.integers(0, 6))
        radar = rng.integers(-1, 3, n).astype(np.int64)
        last = rng.choice([-np.inf, 0.0, 0.5, 1.0, 1.9], n)
        update = rng.choice([0.5, 1.0, 2.0], 3)
        t = float(rng.choice([1.0, 2.0, 2.5]))
        sel = scheduling.dwell_selection(radar, last, np.zeros(n, np.int64), np.zeros(1, np.int64),
                                         np.ones(1, np.bool_), update, t, 1)  # fmt: skip
        want = sel[0].shape[0] > 0
        assert scheduling.any_due(radar, last, update, t) == want
        seen.add(want)
    assert seen == {True, False}
    # on the boundary: due at exactly one update interval (the 1e-9 clock tolerance)
    assert scheduling.any_due(np.array([0]), np.array([1.0]), np.array([1.0]), 2.0 - 5e-10)
    assert not scheduling.any_due(np.array([0]), np.array([1.0]), np.array([1.0]), 2.0 - 2e-9)
    assert not scheduling.any_due(np.array([-1]), np.array([-np.inf]), np.array([1.0]), 2.0)


def test_pair_visible_decides_as_the_angle_rule_at_sector_edges_floors_and_at_the_radar() -> None:
    """pair_visible (and the dwells' coverage) test the sector and take the geodetic terms without
    angles (scheduling._cover_point); its decisions are pair_kernel's (angles) just inside and just
    outside each sector edge and elevation floor, and at the radar itself (e = n = 0, where
    atan2(0, 0) = 0, north, is outside an eastward sector; a dot product alone would call it in)."""
    from iadsim.geo.frames import aer_to_enu, enu_to_ecef

    lat, lon, alt = np.deg2rad(38.0), np.deg2rad(33.0), 80.0
    r = RadarArrays.from_columns(lat_rad=lat, lon_rad=lon, alt_m=alt, ref_range_m=1e5, ref_rcs_m2=1.0, ref_pd=0.5,
                                 revisit_s=1.0, sigma_range_m=10.0, sigma_az_rad=1e-3, sigma_el_rad=1e-3,
                                 max_range_m=2e5, min_elevation_rad=[-0.01, 0.02, -np.pi / 2],
                                 boresight_az_rad=[np.pi / 2, 0.0, np.pi / 2], half_width_az_rad=[0.6, np.pi, 0.6])  # fmt: skip
    az, el = [], []
    for edge in (np.pi / 2 - 0.6, np.pi / 2 + 0.6):
        for d in (-1e-7, 1e-7):
            for e_ in (-0.005, 0.0, 0.03, 0.3):
                az.append(edge + d)
                el.append(e_)
    for e_ in (0.02 - 1e-6, 0.02 + 1e-6, -0.01 - 1e-6, -0.01 + 1e-6):
        az.append(np.pi / 2)
        el.append(e_)
    enu = aer_to_enu(np.array(az), np.array(el), np.full(len(az), 5.0e4))
    pts = np.vstack([enu_to_ecef(enu[None], [lat], [lon], r.ecef_m[:1])[0], r.ecef_m[:1]])
    ri = np.repeat(np.arange(3), len(pts)).astype(np.int64)
    p = np.tile(pts, (3, 1))
    cols = (r.ecef_m, r.enu_rot, r.lat_rad, r.lon_rad, r.alt_m, r.max_range_m, r.max_alt_m, r.min_elevation_rad,
            r.boresight_az_rad, r.half_width_az_rad, float(r.k_factor), ri, p)  # fmt: skip
    ref = scheduling.pair_kernel(*cols)[9]
    assert np.array_equal(scheduling.pair_visible(*cols), ref)
    n = len(pts)
    assert 0 < ref[:n].sum() < n and 0 < ref[n : 2 * n].sum() < n  # both sides of the sector edges and the floor
    assert not ref[n - 1] and not ref[3 * n - 1]  # at the radar: outside both eastward sectors
