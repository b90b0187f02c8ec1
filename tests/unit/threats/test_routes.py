"""Tests of iadsim.threats.routes.RouteMover against pyproj (independent WGS84 geodesy)."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod, Transformer

from iadsim.errors import InputError
from iadsim.threats.motion import CompositeMover, Mover
from iadsim.threats.routes import RouteMover

D = np.deg2rad
GEOD = Geod(ellps="WGS84")
TO_ECEF = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)


def ecef(lat_deg, lon_deg, alt_m):
    return np.array(TO_ECEF.transform(lon_deg, lat_deg, alt_m))


def one(lat_deg, lon_deg, alt_m, speed=250.0, t0=0.0, spacing=2000.0):
    return RouteMover(
        [D(np.asarray(lat_deg, float))],
        [D(np.asarray(lon_deg, float))],
        [np.asarray(alt_m, float)],
        [speed],
        [t0],
        spacing_m=spacing,
    )


@pytest.mark.parametrize("spacing, tol_m", [(2000.0, 0.2), (20_000.0, 10.0)])
@pytest.mark.parametrize("frac", [0.5, 0.3137])
def test_two_waypoint_position_on_geodesic(spacing, tol_m, frac):
    # Ankara-ish → east; compare with Karney's geodesic direct problem (pyproj Geod.fwd)
    lat1, lon1, lat2, lon2 = 39.9, 32.8, 38.4, 38.3
    az, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    m = one([lat1, lat2], [lon1, lon2], [0.0, 0.0], speed=230.0, t0=100.0, spacing=spacing)
    assert m.path_length_m[0] == pytest.approx(dist, abs=1e-6)
    assert m.arrival_time_s[0] == pytest.approx(100.0 + dist / 230.0, abs=1e-9)
    t = 100.0 + frac * dist / 230.0
    lon, lat, _ = GEOD.fwd(lon1, lat1, az, frac * dist)
    err = np.linalg.norm(m.state(t).pos_ecef_m[0] - ecef(lat, lon, 0.0))
    # chord error ≤ sagitta spacing²/(8R): 0.08 m at 2 km, 7.9 m at 20 km
    assert err < tol_m
    if spacing == 20_000.0 and frac == 0.3137:
        assert err > 0.01  # really between grid points: the chord error is visible


def test_speed_equals_ground_speed_at_sea_level_and_scales_with_altitude():
    m = one([10.0, 12.0, 12.5], [20.0, 21.0, 25.0], [0.0, 0.0, 0.0], speed=300.0)
    for t in np.linspace(1.0, m.arrival_time_s[0] - 1.0, 7):
        v = np.linalg.norm(m.state(t).vel_ecef_mps[0])
        assert v == pytest.approx(300.0, rel=1e-7)
    h = 10_000.0
    m = one([10.0, 12.0], [20.0, 21.0], [h, h], speed=300.0)
    v = np.linalg.norm(m.state(100.0).vel_ecef_mps[0])
    # chord at altitude h is (R_c + h)/R_c longer than on the surface (R_c: local radius ≈ 6.37e6 m)
    assert v / 300.0 - 1.0 == pytest.approx(h / 6.37e6, rel=0.02)


def test_velocity_is_derivative_of_position():
    m = one([50.0, 51.0], [0.0, 3.0], [100.0, 9000.0], speed=200.0, spacing=5000.0)
    t, dt = 400.3, 0.01
    fd = (m.state(t + dt).pos_ecef_m - m.state(t - dt).pos_ecef_m) / (2 * dt)
    np.testing.assert_allclose(m.state(t).vel_ecef_mps, fd, atol=1e-6)


def test_altitude_linear_in_along_path_distance():
    lat = [30.0, 30.5, 31.5]
    lon = [35.0, 36.0, 36.2]
    alt = [0.0, 3000.0, 1000.0]
    m = one(lat, lon, alt, speed=100.0)
    _, _, d1 = GEOD.inv(lon[0], lat[0], lon[1], lat[1])
    az2, _, d2 = GEOD.inv(lon[1], lat[1], lon[2], lat[2])
    assert m.path_length_m[0] == pytest.approx(d1 + d2, abs=1e-6)
    # 40 % along leg 2: altitude 3000 + 0.4·(1000 − 3000) = 2200 m
    s = d1 + 0.4 * d2
    lo, la, _ = GEOD.fwd(lon[1], lat[1], az2, 0.4 * d2)
    p = m.state(s / 100.0).pos_ecef_m[0]
    assert np.linalg.norm(p - ecef(la, lo, 2200.0)) < 0.2
    # polyline altitude itself
    row_s, row_h = m.cum_dist_m[0, : m.n_points[0]], m.alt_m[0, : m.n_points[0]]
    np.testing.assert_allclose(np.interp(0.25 * d1, row_s, row_h), 750.0, atol=1e-6)
    np.testing.assert_allclose(np.interp(d1, row_s, row_h), 3000.0, atol=1e-6)


def test_flags_before_launch_and_after_arrival():
    lat, lon, alt = [40.0, 40.5], [30.0, 30.5], [50.0, 700.0]
    m = one(lat, lon, alt, speed=200.0, t0=60.0)
    start, end = ecef(lat[0], lon[0], alt[0]), ecef(lat[1], lon[1], alt[1])
    s = m.state(0.0)
    assert not s.flying[0] and not s.arrived[0]
    assert np.linalg.norm(s.pos_ecef_m[0] - start) < 1e-6
    assert np.all(s.vel_ecef_mps == 0.0)
    s = m.state(60.0)
    assert s.flying[0] and not s.arrived[0]
    s = m.state(float(m.arrival_time_s[0]))
    assert s.arrived[0] and not s.flying[0]
    assert np.linalg.norm(s.pos_ecef_m[0] - end) < 1e-6
    s = m.state(1e7)
    assert s.arrived[0] and not s.flying[0]
    assert np.linalg.norm(s.pos_ecef_m[0] - end) < 1e-6
    assert np.all(s.vel_ecef_mps == 0.0)


def test_many_threats_match_per_threat_computation():
    rng = np.random.default_rng(7)
    lats, lons, alts, speeds, t0s = [], [], [], [], []
    for i in range(12):
        w = 2 + i % 5  # 2..6 waypoints
        lat0, lon0 = rng.uniform(-60, 60), rng.uniform(-179, 179)
        lats.append(lat0 + np.cumsum(rng.uniform(0.2, 1.5, w)) * rng.choice([-1, 1]))
        lons.append(lon0 + np.cumsum(rng.uniform(0.2, 1.5, w)))  # crosses ±180° for some
        alts.append(rng.uniform(20, 12_000, w))
        speeds.append(rng.uniform(50, 300))
        t0s.append(rng.uniform(0, 600))
    all_m = RouteMover([D(a) for a in lats], [D(a) for a in lons], alts, speeds, t0s, spacing_m=3000.0)
    assert isinstance(all_m, Mover)
    singles = [RouteMover([D(lats[i])], [D(lons[i])], [alts[i]], [speeds[i]], [t0s[i]], spacing_m=3000.0)
               for i in range(12)]
    for t in [0.0, 300.0, 900.0, 2500.0, 6000.0]:
        s = all_m.state(t)
        assert s.pos_ecef_m.shape == (12, 3) and s.vel_ecef_mps.shape == (12, 3)
        assert s.flying.shape == (12,) and s.arrived.shape == (12,)
        for i, one_m in enumerate(singles):
            r = one_m.state(t)
            np.testing.assert_allclose(s.pos_ecef_m[i], r.pos_ecef_m[0], atol=1e-6)
            np.testing.assert_allclose(s.vel_ecef_mps[i], r.vel_ecef_mps[0], atol=1e-9)
            assert s.flying[i] == r.flying[0] and s.arrived[i] == r.arrived[0]
        # composite of singles == one mover of all
        c = CompositeMover(singles).state(t)
        np.testing.assert_allclose(c.pos_ecef_m, s.pos_ecef_m, atol=1e-6)
    # altitude of every densified point within the waypoint altitude hull
    for i in range(12):
        h = all_m.alt_m[i, : all_m.n_points[i]]
        assert h.min() >= alts[i].min() - 1e-9 and h.max() <= alts[i].max() + 1e-9
        assert np.all(np.diff(all_m.cum_dist_m[i, : all_m.n_points[i]]) <= 3000.0 + 1e-6)


def test_composite_states_shapes_and_order():
    a = one([0.0, 1.0], [0.0, 0.0], [0.0, 0.0], speed=100.0)
    b = RouteMover([D(np.array([5.0, 6.0]))] * 2, [D(np.array([5.0, 5.0]))] * 2,
                   [np.zeros(2)] * 2, [100.0, 200.0], [0.0, 10.0])
    c = CompositeMover([a, b])
    assert c.n == 3
    np.testing.assert_array_equal(c.launch_time_s, [0.0, 0.0, 10.0])
    pos, vel = c.states(np.array([0.0, 50.0, 100.0]))
    assert pos.shape == (3, 3, 3) and vel.shape == (3, 3, 3)
    np.testing.assert_allclose(pos[1, 1:], b.state(50.0).pos_ecef_m)
    empty = CompositeMover([]).state(1.0)
    assert empty.pos_ecef_m.shape == (0, 3) and empty.flying.shape == (0,)


def test_bad_input_raises():
    with pytest.raises(InputError):
        one([1.0], [1.0], [0.0])
    with pytest.raises(InputError):
        one([1.0, 1.0], [1.0, 1.0], [0.0, 10.0])  # zero-length leg
    with pytest.raises(InputError):
        one([1.0, 2.0], [1.0, 1.0], [0.0, 0.0], speed=0.0)
    with pytest.raises(InputError):
        one([100.0, 2.0], [1.0, 1.0], [0.0, 0.0])  # degrees passed instead of radians
