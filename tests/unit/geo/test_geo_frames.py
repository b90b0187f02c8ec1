"""Tests of iadsim.geo.frames against pyproj (PROJ) and known geometry."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer

from iadsim.errors import InputError
from iadsim.geo import frames as fr

_TO_ECEF = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
_TO_GEOD = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)
_GEOD = Geod(ellps="WGS84")


def _random_points(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lat = np.arcsin(rng.uniform(-1, 1, n))
    lon = rng.uniform(-np.pi, np.pi, n)
    alt = rng.uniform(-500.0, 100_000.0, n)
    # include both poles, the equator/antimeridian and high altitudes explicitly
    lat = np.concatenate([lat, [np.pi / 2, -np.pi / 2, 0.0, 0.0, np.pi / 2 - 1e-9, 0.3]])
    lon = np.concatenate([lon, [0.0, 1.0, np.pi, -np.pi, 2.0, -2.5]])
    alt = np.concatenate([alt, [0.0, 100_000.0, 0.0, 50_000.0, 10.0, 1_000_000.0]])
    return lat, lon, alt


def test_constants() -> None:
    assert fr.WGS84_A_M == 6378137.0
    assert fr.WGS84_B_M == pytest.approx(6356752.314245, abs=1e-6)
    assert fr.WGS84_E2 == pytest.approx(0.00669437999014, rel=1e-12)


def test_geodetic_to_ecef_matches_pyproj() -> None:
    lat, lon, alt = _random_points(2000)
    xyz = fr.geodetic_to_ecef(lat, lon, alt)
    x, y, z = _TO_ECEF.transform(np.degrees(lon), np.degrees(lat), alt)
    ref = np.stack([x, y, z], axis=-1)
    assert xyz.shape == (lat.size, 3)
    assert np.max(np.abs(xyz - ref)) < 1e-3


def test_ecef_to_geodetic_matches_pyproj() -> None:
    lat, lon, alt = _random_points(2000, seed=2)
    x, y, z = _TO_ECEF.transform(np.degrees(lon), np.degrees(lat), alt)
    la, lo, h = fr.ecef_to_geodetic(np.stack([x, y, z], axis=-1))
    lo_ref, la_ref, h_ref = _TO_GEOD.transform(x, y, z)
    # compare as positions: back to ECEF through pyproj, then metres
    xyz_mine = np.stack(_TO_ECEF.transform(np.degrees(lo), np.degrees(la), h), axis=-1)
    xyz_ref = np.stack([x, y, z], axis=-1)
    assert np.max(np.abs(xyz_mine - xyz_ref)) < 1e-3
    # PROJ's own inverse (non-iterated Bowring) drifts by ~1 mm at 1000 km altitude while ours
    # stays exact (position round trip above), so compare angles/heights up to 100 km only.
    low = alt <= 100_000.0
    assert np.max(np.abs(h - h_ref)[low]) < 1e-3
    assert np.max(np.abs(la - np.radians(la_ref))[low]) < 1e-3 / 6.3e6
    # longitude is undefined at the poles; compare elsewhere (mod 2π)
    off_pole = np.abs(la) < np.pi / 2 - 1e-6
    dlon = np.angle(np.exp(1j * (lo - np.radians(lo_ref))))
    assert np.max(np.abs(dlon[off_pole])) < 1e-9
    assert np.allclose(alt, h, atol=1e-6)


def test_shapes_broadcast() -> None:
    lat = np.zeros((2, 3))
    xyz = fr.geodetic_to_ecef(lat, 0.1, 100.0)
    assert xyz.shape == (2, 3, 3)
    la, lo, h = fr.ecef_to_geodetic(xyz)
    assert la.shape == (2, 3) and np.allclose(h, 100.0, atol=1e-6)
    assert fr.enu_rotation(lat, 0.2).shape == (2, 3, 3, 3)
    assert fr.geodetic_to_ecef(0.0, 0.0, 0.0).shape == (3,)


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-np.pi / 2, np.pi / 2),
    lon=st.floats(-np.pi, np.pi),
    alt=st.floats(-1_000.0, 2_000_000.0),
)
def test_round_trip_ecef_geodetic_ecef_submm(lat: float, lon: float, alt: float) -> None:
    xyz = fr.geodetic_to_ecef(lat, lon, alt)
    back = fr.geodetic_to_ecef(*fr.ecef_to_geodetic(xyz))
    assert np.linalg.norm(back - xyz) < 1e-3


def test_enu_rotation_orthonormal() -> None:
    lat, lon, _ = _random_points(50)
    rot = fr.enu_rotation(lat, lon)
    eye = np.einsum("nij,nkj->nik", rot, rot)
    assert np.allclose(eye, np.eye(3), atol=1e-14)
    assert np.allclose(np.linalg.det(rot), 1.0)


def test_ecef_to_enu_matches_pyproj_topocentric() -> None:
    rng = np.random.default_rng(3)
    olat = np.radians([45.0, -33.9, 0.0, 70.0])
    olon = np.radians([10.0, 151.2, -179.9, -20.0])
    oalt = np.array([100.0, 50.0, 0.0, 2000.0])
    oecef = fr.geodetic_to_ecef(olat, olon, oalt)
    # targets scattered around the first origin
    tl = olat[0] + rng.normal(0, 0.05, 30)
    to = olon[0] + rng.normal(0, 0.05, 30)
    th = rng.uniform(0, 20_000, 30)
    t_ecef = fr.geodetic_to_ecef(tl, to, th)
    enu = fr.ecef_to_enu(t_ecef, olat, olon, oecef)
    assert enu.shape == (4, 30, 3)
    for s in range(4):
        tr = Transformer.from_pipeline(
            f"+proj=topocentric +ellps=WGS84 +lat_0={float(np.degrees(olat[s]))!r} "
            f"+lon_0={float(np.degrees(olon[s]))!r} +h_0={float(oalt[s])!r}"
        )
        ref = np.stack(tr.transform(t_ecef[:, 0], t_ecef[:, 1], t_ecef[:, 2]), axis=-1)
        assert np.max(np.abs(enu[s] - ref)) < 1e-3
    # and back
    back = fr.enu_to_ecef(enu, olat, olon, oecef)
    assert back.shape == (4, 30, 3)
    assert np.max(np.abs(back - t_ecef[None])) < 1e-6
    back2 = fr.enu_to_ecef(enu[:, 0, :], olat, olon, oecef)
    assert back2.shape == (4, 3)
    assert np.max(np.abs(back2 - t_ecef[0][None])) < 1e-6


def test_known_geometry_straight_up_and_due_north() -> None:
    lat, lon, alt = np.radians(52.0), np.radians(5.0), 20.0
    o = fr.geodetic_to_ecef(lat, lon, alt)
    up = fr.geodetic_to_ecef(lat, lon, alt + 10_000.0)
    north = fr.geodetic_to_ecef(lat + 1e-5, lon, alt)
    east = fr.geodetic_to_ecef(lat, lon + 1e-5, alt)
    pts = np.stack([up, north, east])
    enu = fr.ecef_to_enu(pts, [lat], [lon], o[None])[0]
    az, el, r = fr.enu_to_aer(enu)
    assert el[0] == pytest.approx(np.pi / 2, abs=1e-12)
    assert r[0] == pytest.approx(10_000.0, abs=1e-6)
    assert az[1] == pytest.approx(0.0, abs=1e-6) or az[1] == pytest.approx(2 * np.pi, abs=1e-6)
    assert el[1] == pytest.approx(0.0, abs=1e-4)  # tiny negative: Earth curves away
    assert el[1] < 0
    assert az[2] == pytest.approx(np.pi / 2, abs=1e-5)


def test_aer_conventions_and_round_trip() -> None:
    enu = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [-1.0, 0.0, 0.0], [0, 0, 5.0]])
    az, el, r = fr.enu_to_aer(enu)
    assert np.allclose(az[:4], [0.0, np.pi / 2, np.pi, 3 * np.pi / 2])
    assert np.allclose(el, [0, 0, 0, 0, np.pi / 2])
    assert np.allclose(r, [1, 1, 1, 1, 5])
    rng = np.random.default_rng(4)
    v = rng.normal(0, 1e5, (1000, 3))
    az, el, r = fr.enu_to_aer(v)
    assert np.all((az >= 0) & (az < 2 * np.pi))
    assert np.allclose(fr.aer_to_enu(az, el, r), v, atol=1e-8)
    # tiny negative east: azimuth just below 2π, never equal to it
    az_small, _, _ = fr.enu_to_aer(np.array([-1e-300, 1.0, 0.0]))
    assert 0.0 <= az_small < 2 * np.pi


def test_ecef_vector_to_enu_rotates_only() -> None:
    lat, lon = np.radians(30.0), np.radians(-60.0)
    rot = fr.enu_rotation(lat, lon)
    up_ecef = rot[2]
    v = fr.ecef_vector_to_enu(up_ecef * 7.0, lat, lon)
    assert np.allclose(v, [0, 0, 7.0])
    many = fr.ecef_vector_to_enu(np.tile(rot[1], (5, 1)), np.full(5, lat), np.full(5, lon))
    assert many.shape == (5, 3) and np.allclose(many, [0, 1, 0])


def test_geodesics_match_pyproj_geod() -> None:
    rng = np.random.default_rng(5)
    lat1, lat2 = rng.uniform(-1.4, 1.4, (2, 200))
    lon1, lon2 = rng.uniform(-3.1, 3.1, (2, 200))
    az12, az21, d = fr.geodesic_inverse(lat1, lon1, lat2, lon2)
    a, b, dref = _GEOD.inv(np.degrees(lon1), np.degrees(lat1), np.degrees(lon2), np.degrees(lat2))
    assert np.allclose(d, dref, atol=1e-6)
    assert np.allclose(np.degrees(az12), a, atol=1e-9)
    assert np.allclose(np.degrees(az21), b, atol=1e-9)
    la2, lo2, back = fr.geodesic_direct(lat1, lon1, az12, d)
    assert np.max(np.abs(la2 - lat2)) < 1e-9
    assert np.max(np.abs(np.angle(np.exp(1j * (lo2 - lon2))))) < 1e-9
    # scalar in -> 0-d out
    _, _, d0 = fr.geodesic_inverse(0.0, 0.0, 0.0, np.radians(1.0))
    assert d0.shape == () and float(d0) == pytest.approx(111319.49, abs=0.01)


def test_geodesic_points() -> None:
    lat1, lon1, lat2, lon2 = np.radians([36.0, 30.0, 39.5, 35.0])
    lat, lon, s = fr.geodesic_points(lat1, lon1, lat2, lon2, 10_000.0)
    _, _, d = fr.geodesic_inverse(lat1, lon1, lat2, lon2)
    assert lat[0] == lat1 and lon[0] == lon1 and lat[-1] == lat2 and lon[-1] == lon2
    assert s[0] == 0.0 and s[-1] == pytest.approx(float(d))
    assert np.max(np.diff(s)) <= 10_000.0 + 1e-9
    # every point lies on the geodesic: distances from start equal s
    _, _, ds = fr.geodesic_inverse(np.full_like(lat, lat1), np.full_like(lat, lon1), lat, lon)
    assert np.allclose(ds, s, atol=1e-3)
    # degenerate: coincident endpoints give the two endpoints
    lat, lon, s = fr.geodesic_points(0.1, 0.2, 0.1, 0.2, 1000.0)
    assert lat.shape == (2,) and np.all(s == 0.0)
    with pytest.raises(InputError):
        fr.geodesic_points(0.1, 0.2, 0.3, 0.4, 0.0)


def test_great_circle_angle() -> None:
    assert fr.great_circle_angle_rad(0.0, 0.0, 0.0, np.pi) == pytest.approx(np.pi)
    assert fr.great_circle_angle_rad(np.pi / 2, 0.0, -np.pi / 2, 0.0) == pytest.approx(np.pi)
    assert fr.great_circle_angle_rad(0.3, 0.4, 0.3, 0.4) == 0.0
    # tiny separations are resolved (no acos round-off)
    assert fr.great_circle_angle_rad(0.0, 0.0, 0.0, 1e-10) == pytest.approx(1e-10, rel=1e-9)
    rng = np.random.default_rng(6)
    lat1, lat2 = rng.uniform(-1.5, 1.5, (2, 100))
    lon1, lon2 = rng.uniform(-3.1, 3.1, (2, 100))
    u1, u2 = fr.unit_sphere_vector(lat1, lon1), fr.unit_sphere_vector(lat2, lon2)
    assert np.allclose(np.linalg.norm(u1, axis=-1), 1.0)
    ang_dot = np.arccos(np.clip(np.sum(u1 * u2, axis=-1), -1, 1))
    assert np.allclose(fr.great_circle_angle_rad(lat1, lon1, lat2, lon2), ang_dot, atol=1e-7)
