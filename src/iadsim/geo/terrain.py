"""Digital elevation models and terrain line-of-sight masking.

A :class:`Dem` wraps one raster in geographic coordinates (longitude/latitude degrees, e.g.
EPSG:4326 GeoTIFF or an SRTM ``.hgt`` tile), read whole into memory with rasterio. Heights are
metres above the raster's vertical datum (SRTM: EGM96 geoid ≈ mean sea level); iadsim treats them
as heights above the WGS84 ellipsoid (geoid undulation neglected), the reference of every height
inside the engine: under ``fidelity.terrain: dem`` sites, assets and air-breathing threats stand
or fly on this surface (``iadsim.engine.world.ground_height_m``).

Terrain line of sight (:func:`terrain_los_mask`)
-----------------------------------------------
The ray from a radar antenna (height ``h1`` above sea level) to a target (height ``h2``) is a
straight line on the 4/3 *effective* Earth (radius ``a = k·R``, ``k = 4/3``), which models standard
atmospheric refraction. With ``φ`` the effective central angle between radar and target
(``φ = d / a`` for the ground distance ``d``) and ``r1 = a + h1``, ``r2 = a + h2``, the ray's radius
at effective angle ``ψ`` from the radar is the polar equation of a line::

    r(ψ) = r1·r2·sin φ / (r1·sin ψ + r2·sin(φ − ψ))

and its height above the effective sea level is ``r(ψ) − a``. The ray is sampled at fixed ground
spacing ``step_m`` (default: the DEM's pixel spacing, at least 30 m) at ground distances
``x_j = j·step_m < d``; each sample point lies on the great circle between radar and cell
(spherical interpolation of unit vectors). The line of sight is blocked if the terrain height,
interpolated bilinearly at any sample, exceeds the ray height there. Terrain narrower than
``step_m`` can be missed; the sampling is documented in ``docs/models.md (coverage section)``. The work is
vectorised over rays × samples in chunks of bounded size.

This is the one terrain line-of-sight implementation of iadsim: coverage maps call it with one
radar and many cells, the engine's sensing (:func:`iadsim.sensors.radar.visible`) with one
(radar, target) pair per ray.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from iadsim.errors import InputError

__all__ = ["Dem", "load_dem", "terrain_los_mask", "ray_height_m"]

EARTH_RADIUS_M = 6_371_000.0
K_EFFECTIVE = 4.0 / 3.0

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Dem:
    """A geographic DEM held in memory.

    Attributes
    ----------
    heights_m : (H, W) float64
        Terrain height, metres; no-data pixels set to 0 (sea level).
    lon0_deg, lat0_deg : float
        Longitude/latitude of the *centre* of pixel (0, 0) (the north-west pixel for north-up
        rasters).
    dlon_deg, dlat_deg : float
        Pixel size; ``dlat_deg`` is negative for north-up rasters.
    path : str
        Source file, for messages.
    """

    heights_m: F64
    lon0_deg: float
    lat0_deg: float
    dlon_deg: float
    dlat_deg: float
    path: str = "<memory>"

    @property
    def pixel_spacing_m(self) -> float:
        """North–south pixel size in metres (spherical Earth)."""
        return abs(self.dlat_deg) * np.pi / 180.0 * EARTH_RADIUS_M

    @property
    def bounds_deg(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the pixel centres, degrees."""
        h, w = self.heights_m.shape
        lons = (self.lon0_deg, self.lon0_deg + (w - 1) * self.dlon_deg)
        lats = (self.lat0_deg, self.lat0_deg + (h - 1) * self.dlat_deg)
        return min(lons), min(lats), max(lons), max(lats)

    def height_m(self, lat_rad: F64, lon_rad: F64) -> F64:
        """Bilinear terrain height at points, metres (0 outside the raster).

        Parameters
        ----------
        lat_rad, lon_rad : (...) float
            Geodetic latitude/longitude, radians; any matching shapes.

        Returns
        -------
        (...) float64
            Height; points outside the raster get 0 (sea level).
        """
        lat = np.degrees(np.asarray(lat_rad, dtype=np.float64))
        lon = np.degrees(np.asarray(lon_rad, dtype=np.float64))
        h, w = self.heights_m.shape
        # fractional pixel index: lon = lon0 + col·dlon, lat = lat0 + row·dlat (pixel centres)
        col = (lon - self.lon0_deg) / self.dlon_deg
        row = (lat - self.lat0_deg) / self.dlat_deg
        inside = (col >= -0.5) & (col <= w - 0.5) & (row >= -0.5) & (row <= h - 0.5)
        col = np.clip(col, 0.0, w - 1.0)
        row = np.clip(row, 0.0, h - 1.0)
        c0 = np.minimum(np.floor(col).astype(np.intp), max(w - 2, 0))
        r0 = np.minimum(np.floor(row).astype(np.intp), max(h - 2, 0))
        c1 = np.minimum(c0 + 1, w - 1)
        r1 = np.minimum(r0 + 1, h - 1)
        fc = col - c0
        fr = row - r0
        z = self.heights_m
        # bilinear: z = (1−fr)((1−fc)z00 + fc z01) + fr((1−fc)z10 + fc z11)
        top = z[r0, c0] * (1.0 - fc) + z[r0, c1] * fc
        bot = z[r1, c0] * (1.0 - fc) + z[r1, c1] * fc
        out = top * (1.0 - fr) + bot * fr
        return np.where(inside, out, 0.0)


def load_dem(path: str | Path) -> Dem:
    """Read a GeoTIFF or SRTM ``.hgt`` DEM in geographic coordinates.

    Raises
    ------
    InputError
        The file is missing, unreadable, rotated, or not in longitude/latitude degrees.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"DEM file not found: {p}")
    try:
        import rasterio

        with rasterio.open(p) as src:
            crs = src.crs
            if crs is not None and not crs.is_geographic:
                raise InputError(
                    f"DEM {p}: CRS {crs.to_string()} is projected; iadsim needs longitude/latitude "
                    "degrees (e.g. EPSG:4326). Reproject it with `gdalwarp -t_srs EPSG:4326`."
                )
            t = src.transform
            if t.b != 0.0 or t.d != 0.0:
                raise InputError(f"DEM {p}: rotated rasters are not supported")
            band = src.read(1, masked=True).astype(np.float64)
    except InputError:
        raise
    except Exception as exc:  # rasterio raises RasterioIOError and friends
        raise InputError(f"cannot read DEM {p}: {exc}") from exc
    heights = np.asarray(band.filled(0.0), dtype=np.float64)
    heights[~np.isfinite(heights)] = 0.0
    if heights.size == 0:
        raise InputError(f"DEM {p} is empty")
    # affine: lon = c + (col + 0.5)·a at pixel centres, lat = f + (row + 0.5)·e
    return Dem(
        heights_m=heights,
        lon0_deg=float(t.c + 0.5 * t.a),
        lat0_deg=float(t.f + 0.5 * t.e),
        dlon_deg=float(t.a),
        dlat_deg=float(t.e),
        path=str(p),
    )


def ray_height_m(psi_eff: F64, phi_eff: F64, h1_m: float | F64, h2_m: float | F64, a_m: float) -> F64:
    """Height of the straight ray above the effective sphere at effective angle ``psi_eff``.

    ``r(ψ) = r1 r2 sin φ / (r1 sin ψ + r2 sin(φ − ψ))``, ``h = r − a``; ``r1 = a + h1``,
    ``r2 = a + h2``. Shapes broadcast; angles in radians, heights in metres.
    """
    r1 = a_m + np.asarray(h1_m)
    r2 = a_m + np.asarray(h2_m)
    num = r1 * r2 * np.sin(phi_eff)
    den = r1 * np.sin(psi_eff) + r2 * np.sin(phi_eff - psi_eff)
    return num / den - a_m


def terrain_los_mask(
    dem: Dem,
    site_unit: F64,
    site_h_m: float | F64,
    cell_unit: F64,
    cell_h_m: float | F64,
    cos_theta: F64,
    *,
    step_m: float | None = None,
    k_factor: float = K_EFFECTIVE,
    radius_m: float = EARTH_RADIUS_M,
    max_block_elems: int = 2_000_000,
) -> NDArray[np.bool_]:
    """Whether the refracted ray from a radar to each cell (or target) clears the terrain.

    Parameters
    ----------
    dem
        Terrain.
    site_unit : (3,) or (M, 3) float64
        Unit vector of the radar on the sphere: one radar for all rays, or one per ray.
    site_h_m : float or (M,) float
        Antenna height above sea level, m (one, or one per ray).
    cell_unit : (M, 3) float64
        Unit vectors of the cells.
    cell_h_m : float or (M,) float
        Target height above sea level at each cell, m.
    cos_theta : (M,) float64
        ``site_unit · cell_unit`` (already computed by the caller).
    step_m
        Ground spacing of the ray samples; default: the DEM pixel spacing, at least 30 m.
    k_factor, radius_m
        Effective-Earth factor and Earth radius.
    max_block_elems
        Upper bound on cells × samples handled at once (memory bound).

    Returns
    -------
    (M,) bool
        True where no sample of the ray is below the terrain.
    """
    m = cell_unit.shape[0]
    out = np.ones(m, dtype=bool)
    if m == 0:
        return out
    step = float(step_m) if step_m is not None else max(dem.pixel_spacing_m, 30.0)
    a = k_factor * radius_m
    theta = np.arccos(np.clip(cos_theta, -1.0, 1.0))  # true central angle, rad
    d = theta * radius_m  # ground distance, m
    h2 = np.broadcast_to(np.asarray(cell_h_m, dtype=np.float64), (m,))
    h1 = np.broadcast_to(np.asarray(site_h_m, dtype=np.float64), (m,))
    s_unit = np.broadcast_to(np.asarray(site_unit, dtype=np.float64), (m, 3))
    order = np.argsort(d)  # group similar lengths so blocks waste few samples
    start = 0
    while start < m:
        # block of cells so that cells × samples stays under the bound (two-step estimate;
        # rays are sorted by length, so the block's last ray is its longest)
        nsamp = lambda i: int(np.ceil(d[order[i]] / step)) + 1  # noqa: E731
        stop = min(m, start + max(1, max_block_elems // nsamp(start)))
        stop = min(m, start + max(1, max_block_elems // nsamp(stop - 1)))
        n_max = nsamp(stop - 1)
        idx = order[start:stop]
        start = stop
        js = np.arange(1, n_max, dtype=np.float64) * step  # sample ground distances (J,)
        if js.size == 0:
            continue
        th = theta[idx][:, None]  # (B,1)
        x = js[None, :]  # (1,J)
        valid = x < d[idx][:, None]  # samples strictly between radar and cell
        psi = np.minimum(x / radius_m, th)  # true angle of each sample from the radar
        # slerp on the unit sphere: p = (sin(θ−ψ) u_s + sin ψ u_c) / sin θ
        sin_th = np.sin(th)
        sin_th = np.where(sin_th < 1e-12, 1.0, sin_th)
        w1 = np.sin(th - psi) / sin_th
        w2 = np.sin(psi) / sin_th
        p = w1[..., None] * s_unit[idx][:, None, :] + w2[..., None] * cell_unit[idx][:, None, :]
        lat = np.arcsin(np.clip(p[..., 2] / np.linalg.norm(p, axis=-1), -1.0, 1.0))
        lon = np.arctan2(p[..., 1], p[..., 0])
        terrain = dem.height_m(lat, lon)
        ray = ray_height_m(psi / k_factor, th / k_factor, h1[idx][:, None], h2[idx][:, None], a)
        blocked = valid & (terrain > ray)
        out[idx] = ~blocked.any(axis=1)
    return out
