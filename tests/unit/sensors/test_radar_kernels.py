"""Compiled radar kernels against independent NumPy references.

* ``near_pair_kernel`` (via :func:`near_pair_detection`) against the vectorised NumPy rules
  :func:`geometry` + :func:`detection_probability` on every (radar, target) pair;
* ``converted_covariance_point`` (via :func:`converted_covariance_ecef`) against J·diag·Jᵀ and
  Cᵀ·R·C written with ``einsum``;
* ``measure_kernel`` (via :func:`sense`) against the noise applied by hand with the same draws.
"""

from __future__ import annotations

import numpy as np

from iadsim.geo.frames import aer_to_enu, geodetic_to_ecef
from iadsim.sensors import radar as R


def _radars(rng: np.random.Generator, s: int = 10) -> R.RadarArrays:
    return R.RadarArrays.from_columns(
        lat_rad=np.deg2rad(rng.uniform(36, 39, s)), lon_rad=np.deg2rad(rng.uniform(33, 37, s)),
        alt_m=rng.uniform(-20, 1500, s), ref_range_m=rng.uniform(5e4, 2e5, s), ref_rcs_m2=1.0, ref_pd=0.8,
        revisit_s=rng.choice([1.0, 2.0], s), sigma_range_m=rng.uniform(10, 100, s), sigma_az_rad=1e-3,
        sigma_el_rad=2e-3, max_range_m=rng.uniform(1e5, 4e5, s), max_alt_m=np.where(rng.random(s) < 0.3, 8000.0, np.inf),
        min_elevation_rad=np.deg2rad(rng.uniform(-1, 2, s)), boresight_az_rad=rng.uniform(0, 6.28, s),
        half_width_az_rad=np.where(rng.random(s) < 0.5, np.pi, 1.0),
    )  # fmt: skip


def _targets(rng: np.random.Generator, n: int = 50) -> np.ndarray:
    return geodetic_to_ecef(np.deg2rad(rng.uniform(35, 40, n)), np.deg2rad(rng.uniform(32, 38, n)), rng.uniform(10, 20000, n))


def test_near_pair_kernel_matches_vectorised_rules() -> None:
    rng = np.random.default_rng(11)
    radars, tgt = _radars(rng), _targets(rng)
    rcs = rng.uniform(0.01, 10.0, len(tgt))
    for alt in (None, rng.uniform(0.0, 20000.0, len(tgt))):
        geom = R.geometry(radars, tgt, alt)
        pd_ref = R.detection_probability(radars, geom, rcs)
        pd, rng_m, az, el = R.near_pair_detection(radars, tgt, rcs, alt)
        vis = pd_ref > 0
        assert 20 < vis.sum() < vis.size  # a mix of visible and hidden pairs
        assert np.array_equal(pd > 0, vis)
        np.testing.assert_allclose(pd, pd_ref, rtol=1e-12, atol=0.0)
        np.testing.assert_allclose(rng_m[vis], geom.range_m[vis], rtol=1e-12)
        np.testing.assert_allclose(az[vis], geom.az_rad[vis], rtol=0.0, atol=1e-12)
        np.testing.assert_allclose(el[vis], geom.el_rad[vis], rtol=0.0, atol=1e-12)
        far = geom.range_m > radars.max_range_m[:, None] + 2000.0
        assert far.any() and np.all(rng_m[far] == 0.0)  # culled pairs are not evaluated


def test_converted_covariance_matches_einsum_reference() -> None:
    rng = np.random.default_rng(2)
    m = 40
    r, az, el = rng.uniform(1e3, 3e5, m), rng.uniform(0, 2 * np.pi, m), rng.uniform(-0.1, 1.2, m)
    sr, sa, se = rng.uniform(5, 100, m), rng.uniform(1e-4, 1e-2, m), rng.uniform(1e-4, 1e-2, m)
    lat, lon = rng.uniform(-1, 1, m), rng.uniform(-3, 3, m)
    from iadsim.geo.frames import enu_rotation

    rot = enu_rotation(lat, lon)
    jac = R.polar_to_enu_jacobian(r, az, el)
    r_enu = np.einsum("mij,mj,mkj->mik", jac, np.stack([sr**2, sa**2, se**2], axis=-1), jac)
    ref = np.einsum("mji,mjk,mkl->mil", rot, r_enu, rot)
    got = R.converted_covariance_ecef(r, az, el, sr, sa, se, rot)
    assert got.shape == (m, 3, 3)
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max())
    assert np.array_equal(got, np.swapaxes(got, 1, 2))  # exactly symmetric
    # broadcasting: one sigma for all, one rotation for all
    one = R.converted_covariance_ecef(r[:3], az[:3], el[:3], 10.0, 1e-3, 1e-3, rot[0])
    np.testing.assert_allclose(one, R.converted_covariance_ecef(r[:3], az[:3], el[:3], [10.0] * 3, [1e-3] * 3,
                                                                [1e-3] * 3, rot[[0, 0, 0]]))  # fmt: skip


def test_sense_measurements_apply_the_drawn_noise() -> None:
    rng = np.random.default_rng(4)
    radars, tgt = _radars(rng, 6), _targets(rng, 30)
    rcs = np.full(len(tgt), 5.0)
    gens = [np.random.default_rng(100 + i) for i in range(len(radars))]
    twins = [np.random.default_rng(100 + i) for i in range(len(radars))]
    det = R.sense(radars, tgt, rcs, np.ones(len(tgt), bool), 2.0, 1.0, gens)
    assert len(det) > 5
    scan = np.flatnonzero(R.scanning(radars, 2.0, 1.0))
    geom = R.geometry(radars.subset(scan), tgt)
    pd = R.detection_probability(radars.subset(scan), geom, rcs)
    u = np.stack([twins[k].random(len(tgt)) for k in scan])
    si, ti = np.nonzero(u < pd)
    assert np.array_equal(scan[si], det.sensor) and np.array_equal(ti, det.target)
    noise = np.concatenate([twins[k].standard_normal((int((si == j).sum()), 3)) for j, k in enumerate(scan) if (si == j).any()])
    sub = radars.subset(scan)
    r = geom.range_m[si, ti] + sub.sigma_range_m[si] * noise[:, 0]
    az = np.mod(geom.az_rad[si, ti] + sub.sigma_az_rad[si] * noise[:, 1], 2 * np.pi)
    el = geom.el_rad[si, ti] + sub.sigma_el_rad[si] * noise[:, 2]
    np.testing.assert_allclose(det.range_m, r, rtol=1e-12)
    np.testing.assert_allclose(det.az_rad, az, atol=1e-12)
    np.testing.assert_allclose(det.el_rad, el, atol=1e-12)
    z_enu = aer_to_enu(az, el, r)
    np.testing.assert_allclose(det.z_enu_m, z_enu, atol=1e-6)
    np.testing.assert_allclose(det.z_ecef_m, sub.ecef_m[si] + np.einsum("mji,mj->mi", sub.enu_rot[si], z_enu), atol=1e-6)
    np.testing.assert_allclose(det.R_ecef, R.converted_covariance_ecef(r, az, el, sub.sigma_range_m[si], sub.sigma_az_rad[si],
                                                                       sub.sigma_el_rad[si], sub.enu_rot[si]), rtol=1e-12)  # fmt: skip


def test_scanning_kernel_matches_floor_rule() -> None:
    rng = np.random.default_rng(8)
    radars = _radars(rng, 9)
    radars = R.RadarArrays.from_columns(**{c: getattr(radars, c) for c in R._FLOAT_COLUMNS if c != "scan_phase_s"},
                                        scan_phase_s=rng.uniform(-3.0, 3.0, 9))  # fmt: skip
    looks = np.zeros(9, np.int64)
    for k in range(1, 400):
        t, dt = 0.1 * k, 0.1
        ref = np.floor((t - radars.scan_phase_s) / radars.revisit_s + 1e-9) > np.floor(
            (t - dt - radars.scan_phase_s) / radars.revisit_s + 1e-9)
        got = R.scanning(radars, t, dt)
        assert got.dtype == bool and np.array_equal(got, ref)
        looks += got
    # one look per revisit period over the 39.9 s run
    assert np.all(np.abs(looks - 39.9 / radars.revisit_s) <= 1.0)


def test_sense_on_stream_states_equals_generators_and_old_draws() -> None:
    """sense() on a state array = sense() on the Generators = the old NumPy draws; states advance."""
    from iadsim.rng_kernels import states_of, store_states

    rng = np.random.default_rng(5)
    radars, tgt = _radars(rng, 7), _targets(rng, 40)
    rcs = rng.uniform(0.5, 5.0, len(tgt))
    active = rng.random(len(tgt)) < 0.8
    gens = [np.random.default_rng(200 + i) for i in range(len(radars))]
    twins = [np.random.default_rng(200 + i) for i in range(len(radars))]
    st = states_of([np.random.default_rng(200 + i) for i in range(len(radars))])
    for t in (1.0, 2.0, 3.0):
        a = R.sense(radars, tgt, rcs, active, t, 1.0, gens)
        b = R.sense(radars, tgt, rcs, active, t, 1.0, st)
        # the old formula: per scanning radar its row of uniforms, then the noise of its detections
        scan = np.flatnonzero(R.scanning(radars, t, 1.0))
        act = np.flatnonzero(active)
        pd = R.near_pair_detection(radars.subset(scan), tgt[act], rcs[act], None)[0]
        u = np.stack([twins[k].random(len(act)) for k in scan]) if len(scan) else np.zeros((0, len(act)))
        si, ti = np.nonzero(u < pd)
        for j, k in enumerate(scan):
            twins[k].standard_normal((int((si == j).sum()), 3))
        assert len(a) > 0 and np.array_equal(a.sensor, scan[si]) and np.array_equal(a.target, act[ti])
        for f in ("sensor", "target", "range_m", "az_rad", "el_rad", "z_ecef_m", "R_ecef"):
            assert np.array_equal(getattr(a, f), getattr(b, f))
    store_states(twins2 := [np.random.default_rng(0) for _ in range(len(radars))], st)
    for g, h, tw in zip(gens, twins2, twins):  # every stream continues where the old draws left it
        x = tw.random(3)
        assert np.array_equal(g.random(3), x) and np.array_equal(h.random(3), x)


def test_false_alarm_draws_match_generator_draws() -> None:
    """clutter_draws = per-radar poisson then (n, 3) uniforms (and one shared stream: all counts first)."""
    from iadsim.rng_kernels import states_of

    scan = np.array([0, 2, 3], np.int64)
    for lam in (0.7, 3.0, 14.0):
        gens = [np.random.default_rng(30 + i) for i in range(4)]
        st = states_of(gens)
        si, u = R.clutter_draws(scan, np.arange(4, dtype=np.int64), st, lam)
        parts = [(k, gens[k].random((int(gens[k].poisson(lam)), 3))) for k in scan]
        assert np.array_equal(si, np.concatenate([np.full(len(p), k) for k, p in parts]))
        assert np.array_equal(u, np.concatenate([p for _, p in parts]))
        g = np.random.default_rng(9)
        si1, u1 = R.clutter_draws(scan, np.zeros(4, np.int64), states_of([g]), lam)
        counts = g.poisson(lam, 3)
        assert np.array_equal(si1, np.repeat(scan, counts)) and np.array_equal(u1, g.random((counts.sum(), 3)))


def test_near_pair_rows_reads_in_place_what_near_pair_kernel_reads_from_gathered_copies() -> None:
    """sense_kernel hands near_pair_rows the scanning radars and active targets as indices into the
    full columns; the outputs must be the same bits as near_pair_kernel on the gathered copies
    (its old call), for any subset and order of radars and targets, with and without altitudes."""
    rng = np.random.default_rng(23)
    radars, tgt = _radars(rng, 12), _targets(rng, 40)
    rcs = rng.uniform(0.01, 10.0, len(tgt))
    cols = R._kernel_columns(radars)
    n_checked = 0
    for trial in range(6):
        scan = np.sort(rng.choice(12, int(rng.integers(1, 12)), replace=False)).astype(np.int64)
        act = np.sort(rng.choice(40, int(rng.integers(1, 40)), replace=False)).astype(np.int64)
        alt_given = trial % 2 == 1
        alt = rng.uniform(0.0, 20000.0, len(tgt))
        shape = (scan.shape[0], act.shape[0])
        ref = [np.zeros(shape), np.zeros(shape), np.zeros(shape + (3,))]
        per_radar = tuple(c[scan] for c in cols[:14])
        R.near_pair_kernel(*per_radar, *cols[14:17], tgt[act], rcs[act], alt_given, alt[act] if alt_given else alt, *ref)
        out = [np.zeros(shape), np.zeros(shape), np.zeros(shape + (3,))]
        R.near_pair_rows(scan, act, *cols[:17], tgt, rcs, alt_given, alt, *out)
        for a, b in zip(out, ref):
            assert np.array_equal(a, b)
        n_checked += int((ref[0] > 0).sum())
    assert n_checked > 50  # detectable pairs were compared, not only culled zeros


def test_mod_two_pi_is_the_floored_modulo_bit_for_bit() -> None:
    """radar._mod_two_pi (the sector test's wrap without fmod) equals x % 2π in every bit,
    the sign of zero included, on the branches' edges and on random values of every range."""
    from numba import njit

    from iadsim.sensors.radar import _mod, _mod_two_pi

    @njit
    def both(x):  # noqa: ANN001, ANN202
        a = np.empty_like(x)
        b = np.empty_like(x)
        for i in range(x.shape[0]):
            a[i] = _mod_two_pi(x[i])
            b[i] = _mod(x[i], 2.0 * np.pi)
        return a, b

    tp = 2.0 * np.pi
    edges = np.array([0.0, -0.0, tp, -tp, 2 * tp, -2 * tp, np.pi, -np.pi, 3 * np.pi, 1e-300, -1e-300, -1e-17,
                      np.inf, -np.inf, np.nan, 1e6, -1e6])  # fmt: skip
    near = np.concatenate([np.nextafter(edges[np.isfinite(edges)], np.inf),
                           np.nextafter(edges[np.isfinite(edges)], -np.inf)])  # fmt: skip
    rng = np.random.default_rng(5)
    x = np.concatenate([edges, near, rng.uniform(-3 * tp, 5 * tp, 200_000), rng.uniform(-np.pi, 3 * np.pi, 100_000)])
    a, b = both(x)
    fin = ~np.isnan(b)
    np.testing.assert_array_equal(a[fin].view(np.int64), b[fin].view(np.int64))
    assert np.isnan(a[~fin]).all()


def test_coverage_tests_without_angles_decide_as_the_angle_rules_at_edges_and_straight_above() -> None:
    """near_pair_rows_ws tests the sector by cos(az − β) ≥ cos w and the refracted elevation by
    U ≥ X tan el_min instead of taking the angles; the decisions must be those of the vectorised
    angle rules (geometry + detection_probability) just inside and just outside every sector edge
    and elevation floor, and for a target at the radar itself (e = n = 0: the angle form's
    atan2(0, 0) = 0, a northward azimuth, decides, and is outside an eastward sector; the
    dot-product form alone would call it inside)."""
    from iadsim.geo.frames import aer_to_enu, enu_to_ecef

    lat, lon, alt = np.deg2rad(37.0), np.deg2rad(35.0), 120.0
    w, beta = 0.6, np.pi / 2  # eastward sector ±0.6 rad: north (az 0) is outside
    radars = R.RadarArrays.from_columns(
        lat_rad=lat, lon_rad=lon, alt_m=[alt, alt, alt], ref_range_m=1.5e5, ref_rcs_m2=1.0, ref_pd=0.8,
        revisit_s=1.0, sigma_range_m=20.0, sigma_az_rad=1e-3, sigma_el_rad=1e-3, max_range_m=3e5,
        min_elevation_rad=[-0.01, 0.02, -np.pi / 2], boresight_az_rad=[beta, 0.0, beta],
        half_width_az_rad=[w, np.pi, w])  # fmt: skip
    az, el = [], []
    for edge in (beta - w, beta + w):
        for d in (-1e-7, 1e-7):
            for e_ in (-0.005, 0.0, 0.03, 0.3):
                az.append(edge + d)
                el.append(e_)
    for e_ in (0.02 - 1e-6, 0.02 + 1e-6, -0.01 - 1e-6, -0.01 + 1e-6):  # about the elevation floors, in the sector
        az.append(beta)
        el.append(e_)
    enu = aer_to_enu(np.array(az), np.array(el), np.full(len(az), 6.0e4))
    tgt = np.vstack([enu_to_ecef(enu[None], [lat], [lon], radars.ecef_m[:1])[0], radars.ecef_m[:1]])  # last: at the radar
    rcs = np.full(len(tgt), 5.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = R.detection_probability(radars, R.geometry(radars, tgt, None), rcs) > 0
        got = R.near_pair_detection(radars, tgt, rcs, None)[0] > 0
    assert np.array_equal(got, ref)
    assert ref[0].any() and not ref[0].all() and ref[1].any() and not ref[1].all()  # both sides of the edges
    assert not ref[0, -1] and not ref[2, -1]  # at the radar: outside both eastward sectors (az = atan2(0, 0) = 0)
