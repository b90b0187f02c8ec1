"""Geodetic, ECEF, ENU and AER frames on the WGS84 ellipsoid (vectorised NumPy).

Conventions (see ``docs/models.md``):

* angles in radians, lengths in metres;
* geodetic latitude/longitude/altitude above the WGS84 ellipsoid (EPSG:4979);
* ECEF = Earth-centred Earth-fixed WGS84 Cartesian (EPSG:4978);
* ENU = local East-North-Up tangent frame at an origin, ``enu = R @ (ecef - origin_ecef)``;
* AER = azimuth clockwise from north in ``[0, 2π)``, elevation above the local tangent plane,
  slant range.

Every function broadcasts over leading dimensions unless its docstring states fixed shapes.
Geodesics on the ellipsoid are a thin facade over :class:`pyproj.Geod` (Karney's algorithm).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)

FloatArray = NDArray[np.float64]

#: WGS84 semi-major axis (m).
WGS84_A_M: float = 6_378_137.0
#: WGS84 flattening.
WGS84_F: float = 1.0 / 298.257223563
#: WGS84 semi-minor axis (m): b = a (1 − f).
WGS84_B_M: float = WGS84_A_M * (1.0 - WGS84_F)
#: WGS84 first eccentricity squared: e² = f (2 − f).
WGS84_E2: float = WGS84_F * (2.0 - WGS84_F)
#: second eccentricity squared: e'² = (a² − b²)/b².
WGS84_EP2: float = (WGS84_A_M**2 - WGS84_B_M**2) / WGS84_B_M**2

_GEOD = Geod(ellps="WGS84")
_TWO_PI = 2.0 * np.pi


def _f(a: ArrayLike) -> FloatArray:
    return np.asarray(a, dtype=np.float64)


def geodetic_to_ecef(lat_rad: ArrayLike, lon_rad: ArrayLike, alt_m: ArrayLike) -> FloatArray:
    """Geodetic (φ, λ, h) to ECEF.

    Parameters
    ----------
    lat_rad, lon_rad, alt_m : array_like, broadcastable to a common shape ``(...)``
        Geodetic latitude (rad), longitude (rad), altitude above the ellipsoid (m).

    Returns
    -------
    ndarray, shape ``(..., 3)``
        ECEF position (m).
    """
    lat, lon, h = np.broadcast_arrays(_f(lat_rad), _f(lon_rad), _f(alt_m))
    sl, cl = np.sin(lat), np.cos(lat)
    # N = a / sqrt(1 − e² sin²φ)  (prime-vertical radius of curvature)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sl * sl)
    # x = (N + h) cosφ cosλ ; y = (N + h) cosφ sinλ ; z = (N (1 − e²) + h) sinφ
    x = (n + h) * cl * np.cos(lon)
    y = (n + h) * cl * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + h) * sl
    return np.stack([x, y, z], axis=-1)


def ecef_to_geodetic(xyz_m: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ECEF to geodetic (closed form of Heikkinen 1982 / Zhu 1993, then a stable height).

    Accurate to well below 1 mm for points from the surface up to (at least) several thousand km
    altitude; undefined within ~40 km of the Earth's centre (not a use case). Evaluated point by
    point by the compiled kernel :func:`ecef_to_geodetic_point` (equations in its docstring).

    Parameters
    ----------
    xyz_m : array_like, shape ``(..., 3)``
        ECEF position (m).

    Returns
    -------
    lat_rad, lon_rad, alt_m : ndarray, shape ``(...)``
    """
    xyz = _f(xyz_m)
    if xyz.shape[-1:] != (3,):
        raise ValueError(f"ecef_to_geodetic: last axis must have length 3 (got shape {xyz.shape})")
    shape = xyz.shape[:-1]
    flat = np.ascontiguousarray(xyz.reshape(-1, 3))
    out = np.empty((3, flat.shape[0]))
    _ecef_to_geodetic_kernel(flat, out[0], out[1], out[2])
    if not shape:
        return out[0, 0], out[1, 0], out[2, 0]  # NumPy scalars for a single point
    return out[0].reshape(shape), out[1].reshape(shape), out[2].reshape(shape)


@njit(cache=True, error_model="numpy")
def ecef_to_geodetic_point(x: float, y: float, z: float) -> tuple[float, float, float]:  # pragma: no cover - compiled
    """Geodetic (φ, λ, h) of one ECEF point (x, y, z) in m: :func:`ecef_to_geodetic_point_sc`
    without the sine and cosine of φ."""
    lat, lon, h, _, _ = ecef_to_geodetic_point_sc(x, y, z)
    return lat, lon, h


@njit(cache=True, error_model="numpy")
def ecef_to_geodetic_point_sc(x: float, y: float, z: float) -> tuple[float, float, float, float, float]:  # pragma: no cover - compiled
    """Geodetic (φ, λ, h, sin φ, cos φ) of one ECEF point (x, y, z) in m (Heikkinen 1982 as given
    by Zhu 1993); sin φ and cos φ are those the height is computed with (a caller that needs them
    does not take them again).

    p² = x² + y², F = 54 b² z², G = p² + (1−e²) z² − e² (a² − b²), c = e⁴ F p² / G³,
    s = ∛(1 + c + √(c² + 2c)), k = s + 1 + 1/s, P = F / (3 k² G²), Q = √(1 + 2 e⁴ P),
    r₀ = −P e² p/(1 + Q) + √(max(½a²(1 + 1/Q) − P(1−e²) z²/(Q(1+Q)) − ½P p², 0)),
    V = √((p − e² r₀)² + (1 − e²) z²), z₀ = b² z/(a V),
    φ = atan2(z + e'² z₀, p), λ = atan2(y, x),
    h = p cos φ + z sin φ − a √(1 − e² sin² φ)   (numerically stable for any φ).
    """
    p, p2, yy = _latitude_vector(x, y, z)
    lat = np.arctan2(yy, p)
    lon = np.arctan2(y, x)
    sl, cl = np.sin(lat), np.cos(lat)
    h = p * cl + z * sl - WGS84_A_M * np.sqrt(1.0 - WGS84_E2 * sl * sl)
    return lat, lon, h, sl, cl


@njit(cache=True, error_model="numpy")
def _latitude_vector(x: float, y: float, z: float) -> tuple[float, float, float]:  # pragma: no cover - compiled
    """(p, p², Y) of the closed form of :func:`ecef_to_geodetic_point_sc`: φ = atan2(Y, p), with
    p = √(x² + y²), Y = z + e'² z₀ (its equations, up to z₀)."""
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
    r0 = -(pp * e2 * p) / (1.0 + q) + np.sqrt(max(r0_arg, 0.0))
    v = np.sqrt((p - e2 * r0) ** 2 + (1.0 - e2) * z2)
    z0 = b * b * z / (a * v)
    return p, p2, z + WGS84_EP2 * z0


@njit(cache=True, error_model="numpy")
def ecef_to_geodetic_terms(x: float, y: float, z: float) -> tuple[float, float, float, float, float]:  # pragma: no cover - compiled
    """(h, sin φ, cos φ, cos λ, sin λ) of one ECEF point (x, y, z) in m, without an angle.

    The same closed form as :func:`ecef_to_geodetic_point_sc` up to φ = atan2(Y, p) with
    Y = z + e'² z₀, p = √(x² + y²); the sines and cosines are then read off the two vectors
    instead of taking atan2 and sincos: sin φ = Y/ρ, cos φ = p/ρ (ρ = √(Y² + p²)), cos λ = x/p,
    sin λ = y/p (λ = 0 on the axis, p = 0, as atan2(0, 0)), and
    h = p cos φ + z sin φ − a √(1 − e² sin² φ). Each term differs from sin(atan2(…)) etc. by a
    rounding or two (≲ 2⁻⁵² relative), so a comparison made with them can differ from one made
    with the angles only where the two sides are within that of each other. For callers that
    only compare (the search looks' coverage tests, the interceptor envelope's height).
    """
    p, p2, yy = _latitude_vector(x, y, z)
    rho = np.sqrt(yy * yy + p2)
    sl, cl = yy / rho, p / rho
    if p > 0.0:
        co, so = x / p, y / p
    else:
        co, so = 1.0, 0.0
    h = p * cl + z * sl - WGS84_A_M * np.sqrt(1.0 - WGS84_E2 * sl * sl)
    return h, sl, cl, co, so


@njit(cache=True, error_model="numpy")
def _ecef_to_geodetic_kernel(xyz: np.ndarray, lat: np.ndarray, lon: np.ndarray,
                             h: np.ndarray) -> None:  # pragma: no cover - compiled
    """:func:`ecef_to_geodetic_point` of every row of ``xyz`` (M, 3) m into ``lat, lon`` (rad), ``h`` (m), (M,)."""
    for i in range(xyz.shape[0]):
        lat[i], lon[i], h[i] = ecef_to_geodetic_point(xyz[i, 0], xyz[i, 1], xyz[i, 2])


def enu_rotation(lat_rad: ArrayLike, lon_rad: ArrayLike) -> FloatArray:
    """Rotation from ECEF to local ENU axes at geodetic (φ, λ).

    ``enu = R @ (ecef − origin_ecef)``; rows of R are the east, north and up unit vectors in ECEF.

    Returns
    -------
    ndarray, shape ``(..., 3, 3)``
    """
    lat, lon = np.broadcast_arrays(_f(lat_rad), _f(lon_rad))
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    zero = np.zeros_like(lat)
    # e = (−sinλ, cosλ, 0); n = (−sinφ cosλ, −sinφ sinλ, cosφ); u = (cosφ cosλ, cosφ sinλ, sinφ)
    east = np.stack([-so, co, zero], axis=-1)
    north = np.stack([-sl * co, -sl * so, cl], axis=-1)
    up = np.stack([cl * co, cl * so, sl], axis=-1)
    return np.stack([east, north, up], axis=-2)


def ecef_to_enu(
    xyz_m: ArrayLike,
    origin_lat_rad: ArrayLike,
    origin_lon_rad: ArrayLike,
    origin_ecef_m: ArrayLike,
) -> FloatArray:
    """ECEF points to the ENU frames of S origins.

    Parameters
    ----------
    xyz_m : array_like, shape ``(N, 3)``
        ECEF points (m).
    origin_lat_rad, origin_lon_rad : array_like, shape ``(S,)``
        Geodetic latitude/longitude of the origins (rad).
    origin_ecef_m : array_like, shape ``(S, 3)``
        ECEF position of the origins (m).

    Returns
    -------
    ndarray, shape ``(S, N, 3)``
        ENU coordinates of every point in every origin's frame (m).
    """
    xyz = np.atleast_2d(_f(xyz_m))
    origin = np.atleast_2d(_f(origin_ecef_m))
    rot = enu_rotation(np.atleast_1d(_f(origin_lat_rad)), np.atleast_1d(_f(origin_lon_rad)))
    d = xyz[None, :, :] - origin[:, None, :]  # (S, N, 3)
    return np.einsum("sij,snj->sni", rot, d)


def enu_to_ecef(
    enu_m: ArrayLike,
    origin_lat_rad: ArrayLike,
    origin_lon_rad: ArrayLike,
    origin_ecef_m: ArrayLike,
) -> FloatArray:
    """ENU coordinates in S origin frames back to ECEF: ``ecef = origin + Rᵀ enu``.

    Parameters
    ----------
    enu_m : array_like, shape ``(S, 3)`` or ``(S, N, 3)`` (any ``(S, ..., 3)``)
    origin_lat_rad, origin_lon_rad : array_like, shape ``(S,)``
    origin_ecef_m : array_like, shape ``(S, 3)``

    Returns
    -------
    ndarray, same shape as ``enu_m``, ECEF (m).
    """
    enu = _f(enu_m)
    origin = np.atleast_2d(_f(origin_ecef_m))
    rot = enu_rotation(np.atleast_1d(_f(origin_lat_rad)), np.atleast_1d(_f(origin_lon_rad)))
    out = np.einsum("sji,s...j->s...i", rot, enu)
    extra = (1,) * (enu.ndim - 2)
    return out + origin.reshape(origin.shape[0], *extra, 3)


def ecef_vector_to_enu(vec: ArrayLike, lat_rad: ArrayLike, lon_rad: ArrayLike) -> FloatArray:
    """Rotate an ECEF vector (e.g. a velocity) into ENU axes at (φ, λ); no translation.

    Parameters
    ----------
    vec : array_like, shape ``(..., 3)``
    lat_rad, lon_rad : array_like, broadcastable with ``vec.shape[:-1]``

    Returns
    -------
    ndarray, shape broadcast of ``(..., 3)``
    """
    rot = enu_rotation(lat_rad, lon_rad)
    return np.matmul(rot, _f(vec)[..., None])[..., 0]


def enu_to_aer(enu_m: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """ENU to azimuth (clockwise from north, ``[0, 2π)``), elevation and slant range.

    Parameters
    ----------
    enu_m : array_like, shape ``(..., 3)``

    Returns
    -------
    az_rad, el_rad, range_m : ndarray, shape ``(...)``
    """
    enu = _f(enu_m)
    e, n, u = enu[..., 0], enu[..., 1], enu[..., 2]
    horiz = np.hypot(e, n)
    az = np.mod(np.arctan2(e, n), _TWO_PI)  # az = atan2(e, n)
    az = np.where(az >= _TWO_PI, 0.0, az)  # mod can round to exactly 2π for tiny negatives
    el = np.arctan2(u, horiz)  # el = atan2(u, √(e² + n²))
    rng = np.sqrt(horiz * horiz + u * u)
    return az, el, rng


def aer_to_enu(az_rad: ArrayLike, el_rad: ArrayLike, range_m: ArrayLike) -> FloatArray:
    """Azimuth/elevation/range to ENU: e = r cos(el) sin(az), n = r cos(el) cos(az), u = r sin(el).

    Returns
    -------
    ndarray, shape ``(..., 3)``
    """
    az, el, r = np.broadcast_arrays(_f(az_rad), _f(el_rad), _f(range_m))
    ce = np.cos(el)
    return np.stack([r * ce * np.sin(az), r * ce * np.cos(az), r * np.sin(el)], axis=-1)


# --------------------------------------------------------------------------------------------
# Geodesics on the ellipsoid (pyproj.Geod, Karney 2013)
# --------------------------------------------------------------------------------------------


def _geod_args(*arrays: ArrayLike) -> tuple[Any, ...]:
    return tuple(np.array(a, dtype=np.float64) for a in np.broadcast_arrays(*map(_f, arrays)))


def geodesic_inverse(
    lat1_rad: ArrayLike, lon1_rad: ArrayLike, lat2_rad: ArrayLike, lon2_rad: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Inverse geodesic problem on WGS84.

    Returns
    -------
    az12_rad : forward azimuth at point 1 (clockwise from north, ``(-π, π]``).
    az21_rad : back azimuth at point 2, i.e. the azimuth from point 2 towards point 1.
    dist_m : geodesic distance (m).
    """
    lat1, lon1, lat2, lon2 = _geod_args(lat1_rad, lon1_rad, lat2_rad, lon2_rad)
    shape = lat1.shape
    az12, az21, dist = _GEOD.inv(lon1.ravel(), lat1.ravel(), lon2.ravel(), lat2.ravel(), radians=True)
    return _f(az12).reshape(shape), _f(az21).reshape(shape), _f(dist).reshape(shape)


def geodesic_direct(
    lat_rad: ArrayLike, lon_rad: ArrayLike, az_rad: ArrayLike, dist_m: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Direct geodesic problem on WGS84.

    Returns
    -------
    lat2_rad, lon2_rad : end point (rad).
    az_back_rad : azimuth at the end point back towards the start (rad).
    """
    lat, lon, az, dist = _geod_args(lat_rad, lon_rad, az_rad, dist_m)
    shape = lat.shape
    lon2, lat2, az_back = _GEOD.fwd(lon.ravel(), lat.ravel(), az.ravel(), dist.ravel(), radians=True)
    return _f(lat2).reshape(shape), _f(lon2).reshape(shape), _f(az_back).reshape(shape)


def geodesic_points(
    lat1_rad: float, lon1_rad: float, lat2_rad: float, lon2_rad: float, spacing_m: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Equally spaced points along the geodesic from point 1 to point 2, both ends included.

    The number of intervals is ``max(1, ceil(dist / spacing_m))``, so the actual spacing is
    ``dist / (K − 1) <= spacing_m``.

    Returns
    -------
    lat_rad, lon_rad, s_m : ndarray, shape ``(K,)``
        Points and their distance from point 1 along the geodesic (m).
    """
    if not spacing_m > 0.0:
        from iadsim.errors import InputError

        raise InputError(f"geodesic_points: spacing_m must be > 0 (got {spacing_m})")
    az12, _, dist = geodesic_inverse(lat1_rad, lon1_rad, lat2_rad, lon2_rad)
    n_int = max(1, int(np.ceil(float(dist) / spacing_m)))
    s = np.linspace(0.0, float(dist), n_int + 1)
    lat, lon, _ = geodesic_direct(
        np.full_like(s, lat1_rad), np.full_like(s, lon1_rad), np.full_like(s, float(az12)), s
    )
    lat[0], lon[0] = lat1_rad, lon1_rad
    lat[-1], lon[-1] = lat2_rad, lon2_rad
    return lat, lon, s


def unit_sphere_vector(lat_rad: ArrayLike, lon_rad: ArrayLike) -> FloatArray:
    """Unit vector (cosφ cosλ, cosφ sinλ, sinφ) for fast spherical great-circle angles.

    Returns
    -------
    ndarray, shape ``(..., 3)``
    """
    lat, lon = np.broadcast_arrays(_f(lat_rad), _f(lon_rad))
    cl = np.cos(lat)
    return np.stack([cl * np.cos(lon), cl * np.sin(lon), np.sin(lat)], axis=-1)


def great_circle_angle_rad(
    lat1_rad: ArrayLike, lon1_rad: ArrayLike, lat2_rad: ArrayLike, lon2_rad: ArrayLike
) -> FloatArray:
    """Central angle between two points on a sphere (Vincenty's atan2 form, stable for all angles).

    θ = atan2(√((cosφ₂ sinΔλ)² + (cosφ₁ sinφ₂ − sinφ₁ cosφ₂ cosΔλ)²),
              sinφ₁ sinφ₂ + cosφ₁ cosφ₂ cosΔλ)
    """
    p1, l1, p2, l2 = np.broadcast_arrays(_f(lat1_rad), _f(lon1_rad), _f(lat2_rad), _f(lon2_rad))
    dl = l2 - l1
    s1, c1, s2, c2 = np.sin(p1), np.cos(p1), np.sin(p2), np.cos(p2)
    cdl, sdl = np.cos(dl), np.sin(dl)
    num = np.hypot(c2 * sdl, c1 * s2 - s1 * c2 * cdl)
    den = s1 * s2 + c1 * c2 * cdl
    return np.arctan2(num, den)


__all__ = [
    "WGS84_A_M",
    "WGS84_B_M",
    "WGS84_E2",
    "WGS84_EP2",
    "WGS84_F",
    "aer_to_enu",
    "ecef_to_enu",
    "ecef_to_geodetic",
    "ecef_to_geodetic_point",
    "ecef_to_geodetic_point_sc",
    "ecef_to_geodetic_terms",
    "ecef_vector_to_enu",
    "enu_rotation",
    "enu_to_aer",
    "enu_to_ecef",
    "geodesic_direct",
    "geodesic_inverse",
    "geodesic_points",
    "geodetic_to_ecef",
    "great_circle_angle_rad",
    "unit_sphere_vector",
]
