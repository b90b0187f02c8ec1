"""Compiled ``ecef_to_geodetic`` against the former vectorised NumPy formula (reference in the test)."""

from __future__ import annotations

import numpy as np

from iadsim.geo.frames import WGS84_A_M, WGS84_B_M, WGS84_E2, WGS84_EP2, ecef_to_geodetic, geodetic_to_ecef


def _reference(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Heikkinen (1982) / Zhu (1993), the former NumPy body of ecef_to_geodetic."""
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    a, b, e2 = WGS84_A_M, WGS84_B_M, WGS84_E2
    p2 = x * x + y * y
    p = np.sqrt(p2)
    z2 = z * z
    f_ = 54.0 * b * b * z2
    g = p2 + (1.0 - e2) * z2 - e2 * (a * a - b * b)
    c = e2 * e2 * f_ * p2 / (g * g * g)
    s = np.cbrt(1.0 + c + np.sqrt(c * c + 2.0 * c))
    k = s + 1.0 + 1.0 / s
    pp = f_ / (3.0 * k * k * g * g)
    q = np.sqrt(1.0 + 2.0 * e2 * e2 * pp)
    r0_arg = 0.5 * a * a * (1.0 + 1.0 / q) - pp * (1.0 - e2) * z2 / (q * (1.0 + q)) - 0.5 * pp * p2
    r0 = -(pp * e2 * p) / (1.0 + q) + np.sqrt(np.maximum(r0_arg, 0.0))
    v = np.sqrt((p - e2 * r0) ** 2 + (1.0 - e2) * z2)
    z0 = b * b * z / (a * v)
    lat = np.arctan2(z + WGS84_EP2 * z0, p)
    lon = np.arctan2(y, x)
    sl, cl = np.sin(lat), np.cos(lat)
    return lat, lon, p * cl + z * sl - a * np.sqrt(1.0 - e2 * sl * sl)


def test_kernel_matches_numpy_reference_and_round_trips() -> None:
    rng = np.random.default_rng(3)
    lat = rng.uniform(-np.pi / 2, np.pi / 2, 5000)
    lon = rng.uniform(-np.pi, np.pi, 5000)
    h = rng.uniform(-400.0, 3.0e6, 5000)
    xyz = geodetic_to_ecef(lat, lon, h)
    got = ecef_to_geodetic(xyz)
    for g, r in zip(got, _reference(xyz)):
        np.testing.assert_allclose(g, r, rtol=1e-13, atol=1e-8)
    np.testing.assert_allclose(got[0], lat, atol=1e-12)
    np.testing.assert_allclose(got[2], h, atol=1e-6)


def test_shapes_single_point_and_batches() -> None:
    xyz = geodetic_to_ecef(np.deg2rad([[10.0, 20.0], [30.0, -40.0]]), np.deg2rad([[1.0, 2.0], [3.0, 4.0]]), 500.0)
    lat, lon, h = ecef_to_geodetic(xyz)  # (2, 2, 3) in, (2, 2) out
    assert lat.shape == lon.shape == h.shape == (2, 2)
    one = ecef_to_geodetic(xyz[1, 0])  # a single point gives NumPy scalars
    assert all(isinstance(v, np.floating) for v in one)
    np.testing.assert_allclose(np.rad2deg(one[0]), 30.0, atol=1e-9)
    np.testing.assert_allclose(one[2], 500.0, atol=1e-6)
    empty = ecef_to_geodetic(np.zeros((0, 3)))
    assert all(v.shape == (0,) for v in empty)


def test_point_sc_gives_the_conversion_and_the_sine_and_cosine_of_its_latitude() -> None:
    """ecef_to_geodetic_point_sc = (ecef_to_geodetic_point, sin φ, cos φ), bit for bit: the
    search looks read its sin φ, cos φ instead of taking them again."""
    from numba import njit

    from iadsim.geo.frames import ecef_to_geodetic_point, ecef_to_geodetic_point_sc

    @njit
    def both(xyz):  # noqa: ANN001, ANN202
        out = np.empty((xyz.shape[0], 10))
        for i in range(xyz.shape[0]):
            la, lo, h, s, c = ecef_to_geodetic_point_sc(xyz[i, 0], xyz[i, 1], xyz[i, 2])
            out[i, 0], out[i, 1], out[i, 2], out[i, 3], out[i, 4] = la, lo, h, s, c
            out[i, 5], out[i, 6], out[i, 7] = ecef_to_geodetic_point(xyz[i, 0], xyz[i, 1], xyz[i, 2])
            out[i, 8], out[i, 9] = np.sin(la), np.cos(la)  # numba's own sin / cos, as the old search looks took them
        return out

    rng = np.random.default_rng(11)
    n = 20_000
    lat, lon = rng.uniform(-np.pi / 2, np.pi / 2, n), rng.uniform(-np.pi, np.pi, n)
    xyz = np.asarray(geodetic_to_ecef(lat, lon, rng.uniform(-500.0, 2e6, n)))
    out = both(np.ascontiguousarray(xyz, dtype=float))
    np.testing.assert_array_equal(out[:, :3].view(np.int64), out[:, 5:8].view(np.int64))
    np.testing.assert_array_equal(out[:, 3:5].view(np.int64), out[:, 8:].view(np.int64))


def test_terms_are_the_height_and_the_sines_and_cosines_of_the_conversion_within_roundings() -> None:
    """ecef_to_geodetic_terms = (h, sin φ, cos φ, cos λ, sin λ) of ecef_to_geodetic_point_sc's
    φ, λ, h, read off the vectors instead of through atan2 and sincos: equal to a few roundings
    (≤ 4·2⁻⁵³ absolute for the unit terms, 10⁻⁸ m for h), on the axis (p = 0) λ = 0 as atan2(0, 0)."""
    from iadsim.geo.frames import ecef_to_geodetic_point_sc, ecef_to_geodetic_terms

    rng = np.random.default_rng(8)
    lat = rng.uniform(-np.pi / 2, np.pi / 2, 3000)
    lon = rng.uniform(-np.pi, np.pi, 3000)
    h = rng.uniform(-400.0, 3.0e6, 3000)
    xyz = geodetic_to_ecef(lat, lon, h)
    xyz = np.concatenate([xyz, [[0.0, 0.0, WGS84_B_M + 1000.0], [0.0, 0.0, -WGS84_B_M - 5.0]]])
    for x, y, z in xyz:
        la, lo, hh, sl, cl = ecef_to_geodetic_point_sc(x, y, z)
        got = ecef_to_geodetic_terms(x, y, z)
        ref = (hh, sl, cl, np.cos(lo), np.sin(lo))
        assert abs(got[0] - ref[0]) <= 1e-8
        assert max(abs(g - r) for g, r in zip(got[1:], ref[1:])) <= 4 * 2.0**-53, (x, y, z, got, ref)
    pole = ecef_to_geodetic_terms(0.0, 0.0, WGS84_B_M + 1000.0)
    assert pole[3:] == (1.0, 0.0) and pole[1] == 1.0 and abs(pole[0] - 1000.0) < 1e-6
