"""Fire-control radar scheduling kernels: pair coverage, track dwells, loss rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from iadsim.geo import frames
from iadsim.geo.horizon import EARTH_RADIUS_M, K_EFFECTIVE
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


def test_pair_visibility_sector_wraps_through_north() -> None:
    # a 90° sector centred on north (boresight 0): azimuths 350° and 10° inside, 60° and 300° outside
    r = RadarArrays.from_columns(lat_rad=0.0, lon_rad=0.0, alt_m=10.0, ref_range_m=1e6, ref_rcs_m2=1.0, ref_pd=0.5,
                                 revisit_s=1.0, sigma_range_m=1.0, sigma_az_rad=1e-3, sigma_el_rad=1e-3,
                                 boresight_az_rad=0.0, half_width_az_rad=np.radians(45))  # fmt: skip
    az = np.radians([350.0, 10.0, 60.0, 300.0])
    d = 20e3 / EARTH_RADIUS_M
    p = frames.geodetic_to_ecef(d * np.cos(az), d * np.sin(az), np.full(4, 3000.0)).reshape(4, 3)
    assert scheduling.pair_visibility(r, np.zeros(4, np.int64), p).tolist() == [True, True, False, False]
