"""Tests of iadsim.sensors.radar: reference values, visibility masks, scanning and measurements."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.errors import InputError
from iadsim.geo.frames import aer_to_enu, enu_to_ecef, geodetic_to_ecef
from iadsim.geo.horizon import horizon_range_m
from iadsim.sensors.radar import (
    Detections,
    RadarArrays,
    converted_covariance_ecef,
    detection_probability,
    geometry,
    polar_to_enu_jacobian,
    scanning,
    sense,
    snr_from_reference,
    swerling1_pd,
    swerling1_snr_for_pd,
    visible,
)


def db(x: float | np.ndarray) -> np.ndarray:
    return np.asarray(10 * np.log10(x))


def undb(x: float | np.ndarray) -> np.ndarray:
    return np.asarray(10 ** (np.asarray(x) / 10))


LAT0, LON0 = np.radians(39.0), np.radians(35.0)


def make_radars(**over: object) -> RadarArrays:
    cols: dict[str, object] = dict(
        lat_rad=LAT0,
        lon_rad=LON0,
        alt_m=20.0,
        ref_range_m=150e3,
        ref_rcs_m2=1.0,
        ref_pd=0.9,
        revisit_s=10.0,
        sigma_range_m=50.0,
        sigma_az_rad=2e-3,
        sigma_el_rad=2e-3,
    )
    cols.update(over)
    return RadarArrays.from_columns(**cols)


def targets_aer(az_deg: list[float], el_deg: list[float], rng_m: list[float], radars: RadarArrays, s: int = 0) -> np.ndarray:
    """ECEF of targets placed at given straight-line AER from radar ``s``."""
    enu = aer_to_enu(np.radians(az_deg), np.radians(el_deg), np.asarray(rng_m, dtype=float))
    return enu_to_ecef(enu[None], radars.lat_rad[s : s + 1], radars.lon_rad[s : s + 1], radars.ecef_m[s : s + 1])[0]


# ------------------------------------------------------------------ reference values


@pytest.mark.parametrize(("snr_db", "pd"), [(13.2, 0.532), (20.0, 0.872), (25.0, 0.957)])
def test_swerling1_pd_reference(snr_db: float, pd: float) -> None:
    assert float(swerling1_pd(undb(snr_db), 1e-6)) == pytest.approx(pd, abs=5e-4)


@pytest.mark.parametrize(("pd", "snr_db"), [(0.9, 21.14), (0.5, 12.77)])
def test_swerling1_required_snr_reference(pd: float, snr_db: float) -> None:
    assert float(db(swerling1_snr_for_pd(pd, 1e-6))) == pytest.approx(snr_db, abs=5e-3)


@settings(max_examples=100, deadline=None)
@given(pd=st.floats(0.01, 0.999), pfa=st.floats(1e-10, 1e-3))
def test_swerling1_inverse_round_trip(pd: float, pfa: float) -> None:
    snr = swerling1_snr_for_pd(pd, pfa)
    assert float(swerling1_pd(snr, pfa)) == pytest.approx(pd, rel=1e-9)


def test_swerling1_limits() -> None:
    assert float(swerling1_pd(0.0, 1e-6)) == pytest.approx(1e-6)
    assert float(swerling1_pd(np.inf, 1e-6)) == 1.0
    pd = swerling1_pd(undb(np.linspace(0, 40, 50)), 1e-6)
    assert np.all(np.diff(pd) > 0)


def test_r4_slope_and_rcs_scaling() -> None:
    s1 = snr_from_reference(50e3, 1.0, 100e3, 1.0, 10.0)
    s2 = snr_from_reference(100e3, 1.0, 100e3, 1.0, 10.0)
    assert float(db(s1) - db(s2)) == pytest.approx(12.0412, abs=1e-4)  # 12.04 dB per doubling
    s10 = snr_from_reference(1000e3, 1.0, 100e3, 1.0, 10.0)
    assert float(db(s2) - db(s10)) == pytest.approx(40.0, abs=1e-9)  # 40 dB per decade
    assert float(s2) == pytest.approx(10.0)
    # R₂ = R₁ (σ₂/σ₁)^(1/4) gives the same SNR and Pd
    r1, sig1, sig2 = 120e3, 1.0, 0.05
    r2 = r1 * (sig2 / sig1) ** 0.25
    a = snr_from_reference(r1, sig1, 100e3, 1.0, 30.0)
    b = snr_from_reference(r2, sig2, 100e3, 1.0, 30.0)
    assert float(a) == pytest.approx(float(b), rel=1e-12)
    assert float(snr_from_reference(0.0, 1.0, 1e5, 1.0, 1.0)) == np.inf


def test_mahafza_range_equation_slope() -> None:
    # Mahafza Fig. 1.12 table: SNR(25 km) = 35.43 dB ⇒ scaling predicts the others
    ref = undb(35.43)
    for r_km, snr_db in [(50, 23.39), (75, 16.35), (100, 11.35), (125, 7.47), (150, 4.31), (165, 2.65)]:
        assert float(db(snr_from_reference(r_km * 1e3, 0.1, 25e3, 0.1, ref))) == pytest.approx(snr_db, abs=0.01)


def test_detection_probability_at_reference_range_equals_ref_pd() -> None:
    radars = make_radars(ref_range_m=[100e3, 150e3], ref_pd=[0.9, 0.5], ref_rcs_m2=[1.0, 2.0])
    tg = np.concatenate(
        [targets_aer([0.0], [10.0], [100e3], radars, 0), targets_aer([0.0], [10.0], [150e3], radars, 1)]
    )
    geom = geometry(radars, tg)
    pd = detection_probability(radars, geom, np.array([1.0, 2.0]))
    assert pd[0, 0] == pytest.approx(0.9, rel=1e-9)
    assert pd[1, 1] == pytest.approx(0.5, rel=1e-9)
    # Swerling-1 range for Pd 0.9 from a Pd 0.5 reference: (SNR_0.5 / SNR_0.9)^(1/4)
    ratio = float((swerling1_snr_for_pd(0.5, 1e-6) / swerling1_snr_for_pd(0.9, 1e-6)) ** 0.25)
    tg2 = targets_aer([0.0], [10.0], [150e3 * ratio], radars, 1)
    pd2 = detection_probability(radars, geometry(radars, tg2), np.array([2.0]))
    assert pd2[1, 0] == pytest.approx(0.9, rel=1e-9)


# ------------------------------------------------------------------ construction


def test_from_columns_broadcast_and_validation() -> None:
    r = make_radars(lat_rad=np.radians([39.0, 40.0, 41.0]), name=["a", "b", "c"])
    assert len(r) == 3 and r.name == ("a", "b", "c")
    assert r.ecef_m.shape == (3, 3) and r.enu_rot.shape == (3, 3, 3)
    assert np.all(r.half_width_az_rad == np.pi) and np.all(r.pfa == 1e-6)
    assert np.all(r.min_elevation_rad == -np.pi / 2)
    assert r.site_index.tolist() == [0, 1, 2]
    assert np.allclose(r.ecef_m[0], geodetic_to_ecef(np.radians(39.0), LON0, 20.0))
    sub = r.subset([2, 0])
    assert sub.name == ("c", "a") and np.allclose(sub.lat_rad, np.radians([41.0, 39.0]))
    assert r.subset(np.array([False, True, False])).name == ("b",)
    with pytest.raises(InputError, match="inconsistent"):
        make_radars(lat_rad=[0.1, 0.2], lon_rad=[0.1, 0.2, 0.3])
    with pytest.raises(InputError, match="missing"):
        RadarArrays.from_columns(lat_rad=0.1, lon_rad=0.2, alt_m=0.0)
    with pytest.raises(InputError, match="unknown"):
        make_radars(range_km=3)
    with pytest.raises(InputError, match="ref_pd"):
        make_radars(ref_pd=1.0)
    with pytest.raises(InputError, match="revisit_s"):
        make_radars(revisit_s=0.0)
    with pytest.raises(InputError, match="half_width"):
        make_radars(half_width_az_rad=4.0)


# ------------------------------------------------------------------ geometry and visibility


def test_geometry_shapes_and_values() -> None:
    radars = make_radars(lat_rad=[LAT0, LAT0 + 0.01])
    tg = targets_aer([45.0, 200.0, 0.0], [5.0, 1.0, 89.0], [50e3, 20e3, 8e3], radars)
    g = geometry(radars, tg)
    assert g.enu_m.shape == (2, 3, 3) and g.range_m.shape == (2, 3) and g.tgt_alt_m.shape == (3,)
    assert np.allclose(g.range_m[0], [50e3, 20e3, 8e3], atol=1e-6)
    assert np.allclose(np.degrees(g.az_rad[0, :2]), [45.0, 200.0], atol=1e-9)
    assert np.allclose(np.degrees(g.el_rad[0]), [5.0, 1.0, 89.0], atol=1e-9)
    # refraction raises the apparent elevation by ≈ d (1 − 1/k) / (2 Rₑ) at low elevation
    lift = g.el_refracted_rad[0, :2] - g.el_rad[0, :2]
    expected = g.ground_range_m[0, :2] * (1 - 3 / 4) / (2 * 6_371_000.0)
    assert np.allclose(lift, expected, rtol=0.1)
    # ground range ≈ horizontal distance at short range
    assert g.ground_range_m[0, 1] == pytest.approx(20e3 * np.cos(np.radians(1.0)), rel=5e-3)
    g2 = geometry(radars, tg, tgt_alt_m=np.array([1.0, 2.0, 3.0]))
    assert g2.tgt_alt_m.tolist() == [1.0, 2.0, 3.0]


def test_visibility_masks() -> None:
    # radar 0: 360°, radar 1: sector facing east ±60°, radar 2: ceiling 10 km, max range 100 km,
    # radar 3: min elevation 5°
    radars = make_radars(
        half_width_az_rad=[np.pi, np.radians(60), np.pi, np.pi],
        boresight_az_rad=[0.0, np.radians(90), 0.0, 0.0],
        max_alt_m=[np.inf, np.inf, 10e3, np.inf],
        max_range_m=[np.inf, np.inf, 100e3, np.inf],
        min_elevation_rad=[-np.pi / 2, 0.0, 0.0, np.radians(5.0)],
    )
    # all radars co-located; targets by AER from the (common) site
    tg = targets_aer(
        [90.0, 270.0, 0.0, 10.0, 10.0, 140.0, 20.0],
        [3.0, 3.0, 10.0, 0.2, 3.0, 3.0, 20.0],
        [50e3, 50e3, 120e3, 150e3, 30e3, 50e3, 40e3],
        radars,
    )
    g = geometry(radars, tg)
    v = visible(radars, g)
    alt = g.tgt_alt_m
    # target 3: ~0.2° up at 150 km but target altitude small ⇒ check horizon logic agrees
    assert alt[3] < 3000.0 and g.ground_range_m[0, 3] < horizon_range_m(20.0, alt[3])
    assert v[0].tolist() == [True, True, True, True, True, True, True]
    # sector radar sees east (90°, 140° within ±60° of 90°) but not behind (270°) nor north
    assert v[1].tolist() == [True, False, False, False, False, True, False]
    # target 2 at 120 km slant is beyond max range; target 6 (~13.7 km) above the 10 km ceiling
    assert alt[6] > 10e3 and alt[2] > 10e3
    assert v[2].tolist() == [True, True, False, False, True, True, False]
    # min elevation 5°: only targets at 10° and 20° elevation
    assert v[3].tolist() == [False, False, True, False, False, False, True]
    pd = detection_probability(radars, g, np.ones(7), v)
    assert np.all(pd[~v] == 0.0) and np.all(pd[v] > 0.0)


def test_beyond_horizon_low_altitude_not_visible() -> None:
    radars = make_radars(ref_range_m=400e3)
    d_h = horizon_range_m(20.0, 100.0)  # ≈ 59.7 km
    # targets due north on the ellipsoid at 100 m altitude, inside and beyond the radio horizon
    lat = LAT0 + np.array([0.9, 1.1]) * d_h / 6_371_000.0
    tg = geodetic_to_ecef(lat, LON0, 100.0)
    g = geometry(radars, tg)
    assert visible(radars, g).tolist() == [[True, False]]
    # both are below the local horizontal, so a 0° minimum elevation hides them
    assert visible(make_radars(ref_range_m=400e3, min_elevation_rad=0.0), g).tolist() == [[False, False]]
    # a high target at the same distance is visible
    g2 = geometry(radars, geodetic_to_ecef(lat, LON0, 5000.0))
    assert visible(radars, g2).tolist() == [[True, True]]


# ------------------------------------------------------------------ scanning


def test_scanning_revisit_and_phase() -> None:
    radars = make_radars(revisit_s=[1.0, 4.0, 4.0, 0.3], scan_phase_s=[0.0, 0.0, 2.0, 0.0])
    dt = 0.1
    ticks = np.round(np.arange(1, 241) * dt, 10)  # (0, 24] s
    counts = np.zeros(4, dtype=int)
    first = [None] * 4
    for t in ticks:
        sc = scanning(radars, float(t), dt)
        counts += sc
        for i in np.flatnonzero(sc):
            if first[i] is None:
                first[i] = float(t)
    assert counts.tolist() == [24, 6, 6, 80]
    assert first[:3] == [1.0, 4.0, 2.0]
    # tick longer than the revisit period still reports one look (a boolean)
    assert scanning(radars, 10.0, 5.0).tolist() == [True, True, True, True]


@settings(max_examples=50, deadline=None)
@given(dt=st.sampled_from([0.05, 0.1, 0.25, 0.5, 1.0]), revisit=st.floats(1.0, 12.0), phase=st.floats(0.0, 12.0))
def test_scanning_counts_telescope(dt: float, revisit: float, phase: float) -> None:
    # revisit ≥ dt: every look is reported exactly once
    radars = make_radars(revisit_s=revisit, scan_phase_s=phase)
    n_ticks = int(round(60.0 / dt))
    n = sum(bool(scanning(radars, k * dt, dt)[0]) for k in range(1, n_ticks + 1))
    expected = np.floor((60.0 - phase) / revisit) - np.floor((0.0 - phase) / revisit)
    assert abs(n - expected) <= 1  # boundary snapping may shift one look at either end


# ------------------------------------------------------------------ sense


def _scene() -> tuple[RadarArrays, np.ndarray, np.ndarray]:
    radars = make_radars(lat_rad=[LAT0, LAT0 + 0.02], lon_rad=[LON0, LON0 - 0.02], revisit_s=1.0)
    tg = targets_aer([30.0, 100.0, 200.0, 300.0], [3.0, 5.0, 2.0, 4.0], [90e3, 140e3, 60e3, 170e3], radars)
    return radars, tg, np.array([1.0, 0.5, 2.0, 1.0])


def test_sense_determinism_and_ordering() -> None:
    radars, tg, rcs = _scene()
    active = np.array([True, True, False, True])
    a = sense(radars, tg, rcs, active, 1.0, 1.0, np.random.default_rng(42))
    b = sense(radars, tg, rcs, active, 1.0, 1.0, np.random.default_rng(42))
    c = sense(radars, tg, rcs, active, 1.0, 1.0, np.random.default_rng(43))
    assert len(a) > 0
    for f in ("sensor", "target", "range_m", "az_rad", "el_rad", "z_ecef_m", "R_ecef"):
        assert np.array_equal(getattr(a, f), getattr(b, f))
    assert not (len(a) == len(c) and np.array_equal(a.range_m, c.range_m))
    assert 2 not in a.target.tolist()  # inactive target never detected
    key = a.sensor * 10 + a.target
    assert np.all(np.diff(key) > 0)
    assert a.z_enu_m.shape == (len(a), 3) and a.R_ecef.shape == (len(a), 3, 3)
    assert np.all((a.az_rad >= 0) & (a.az_rad < 2 * np.pi))


def test_sense_only_scanning_sensors_and_empty_cases() -> None:
    radars, tg, rcs = _scene()
    radars = RadarArrays.from_columns(
        **{**{f: getattr(radars, f) for f in ("lat_rad", "lon_rad", "alt_m", "ref_range_m", "ref_rcs_m2",
                                              "ref_pd", "sigma_range_m", "sigma_az_rad", "sigma_el_rad")},
           "revisit_s": [1.0, 5.0], "ref_range_m": 1e7}
    )
    d = sense(radars, tg, rcs, np.ones(4, bool), 1.0, 1.0, np.random.default_rng(0))
    assert set(d.sensor.tolist()) == {0}  # sensor 1 looks at t = 5, 10, ...
    assert len(d) == 4  # SNR enormous ⇒ Pd ≈ 1
    d5 = sense(radars, tg, rcs, np.ones(4, bool), 5.0, 1.0, np.random.default_rng(0))
    assert set(d5.sensor.tolist()) == {0, 1}
    e = sense(radars, tg, rcs, np.zeros(4, bool), 1.0, 1.0, np.random.default_rng(0))
    assert len(e) == 0 and e.R_ecef.shape == (0, 3, 3)
    e2 = sense(radars, tg, rcs, np.ones(4, bool), 1.5, 0.25, np.random.default_rng(0))
    assert len(e2) == 0 and isinstance(e2, Detections)


def test_empirical_pd_within_binomial_bounds() -> None:
    radars = make_radars(revisit_s=1.0, ref_range_m=100e3, ref_pd=0.9)
    # one radar, many identical targets at four ranges (Pd from 0.9 down to ~0.45)
    rngs = np.array([100e3, 130e3, 160e3, 200e3])
    tg = targets_aer([10.0, 50.0, 90.0, 130.0], [5.0, 5.0, 5.0, 5.0], rngs, radars)
    pd = detection_probability(radars, geometry(radars, tg), np.ones(4))[0]
    n_rep = 400
    tg_rep = np.repeat(tg, n_rep, axis=0)
    d = sense(radars, tg_rep, np.ones(tg_rep.shape[0]), np.ones(tg_rep.shape[0], bool), 1.0, 1.0,
              np.random.default_rng(7))
    hits = np.bincount(d.target // n_rep, minlength=4)
    frac = hits / n_rep
    sd = np.sqrt(pd * (1 - pd) / n_rep)
    assert np.all(np.abs(frac - pd) <= 4 * sd + 1e-12)
    assert pd[0] == pytest.approx(0.9, rel=1e-9)


def test_noise_statistics_and_converted_measurement() -> None:
    sig_r, sig_a, sig_e = 100.0, 3e-3, 2e-3
    radars = make_radars(revisit_s=1.0, ref_range_m=1e8, sigma_range_m=sig_r, sigma_az_rad=sig_a,
                         sigma_el_rad=sig_e)
    n = 4000
    tg1 = targets_aer([60.0], [10.0], [80e3], radars)
    tg = np.repeat(tg1, n, axis=0)
    g = geometry(radars, tg1)
    d = sense(radars, tg, np.ones(n), np.ones(n, bool), 1.0, 1.0, np.random.default_rng(11))
    assert len(d) == n
    dr = d.range_m - g.range_m[0, 0]
    da = np.angle(np.exp(1j * (d.az_rad - g.az_rad[0, 0])))
    de = d.el_rad - g.el_rad[0, 0]
    for x, s in ((dr, sig_r), (da, sig_a), (de, sig_e)):
        assert np.std(x) == pytest.approx(s, rel=0.06)  # ±4.5σ of the sample std (≈1.1 % per σ)
        assert abs(np.mean(x)) < 4 * s / np.sqrt(n)
    # converted measurement: mean close to truth (bias ≪ spread), covariance symmetric PSD
    err = d.z_ecef_m - tg1[0]
    cov_emp = np.cov(err.T)
    r_mean = d.R_ecef.mean(axis=0)
    assert np.linalg.norm(err.mean(axis=0)) < 0.1 * np.sqrt(np.trace(r_mean))
    assert np.allclose(d.R_ecef, np.swapaxes(d.R_ecef, -1, -2))
    assert np.all(np.linalg.eigvalsh(d.R_ecef) > -1e-6)
    # the first-order covariance matches the empirical scatter (within sampling error)
    assert np.allclose(np.linalg.eigvalsh(cov_emp), np.linalg.eigvalsh(r_mean), rtol=0.1)
    # ENU and ECEF agree through the radar's rotation
    back = enu_to_ecef(d.z_enu_m[None], radars.lat_rad, radars.lon_rad, radars.ecef_m)[0]
    assert np.allclose(back, d.z_ecef_m, atol=1e-6)


def test_jacobian_matches_finite_differences() -> None:
    r, az, el = 5e4, 1.1, 0.3
    jac = polar_to_enu_jacobian(np.array([r]), np.array([az]), np.array([el]))[0]
    h = np.array([1e-3, 1e-8, 1e-8])
    x0 = np.array([r, az, el])
    for j in range(3):
        xp, xm = x0.copy(), x0.copy()
        xp[j] += h[j]
        xm[j] -= h[j]
        fd = (aer_to_enu(xp[1], xp[2], xp[0]) - aer_to_enu(xm[1], xm[2], xm[0])) / (2 * h[j])
        assert np.allclose(jac[:, j], fd, rtol=1e-5, atol=1e-6)
    cov = converted_covariance_ecef([r], [az], [el], [10.0], [1e-3], [1e-3], np.eye(3)[None])
    assert cov.shape == (1, 3, 3)
    # along the line of sight the variance is σr²
    los = aer_to_enu(az, el, 1.0)
    assert float(los @ cov[0] @ los) == pytest.approx(100.0, rel=1e-9)
