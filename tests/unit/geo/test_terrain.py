"""DEM reading and terrain line-of-sight masking (synthetic ridge written with rasterio)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from iadsim.analysis.coverage import detection_mask, make_grid
from iadsim.errors import InputError
from iadsim.geo.terrain import load_dem, ray_height_m
from iadsim.sensors.radar import RadarArrays

PIX = 0.01  # degrees (~1.1 km)


def write_dem(path: Path, heights: np.ndarray, west: float, north: float, crs: str = "EPSG:4326") -> Path:
    with rasterio.open(
        path, "w", driver="GTiff", height=heights.shape[0], width=heights.shape[1], count=1,
        dtype="float32", crs=crs, transform=Affine(PIX, 0.0, west, 0.0, -PIX, north), nodata=-32768,
    ) as dst:
        dst.write(heights.astype(np.float32), 1)
    return path


@pytest.fixture
def ridge_dem(tmp_path: Path) -> Path:
    # 2°×2° box (lon 34..36, lat 38..40), flat at 0 m with a 2000 m N–S ridge at lon 35.5–35.6
    h = np.zeros((200, 200))
    lon = 34.0 + (np.arange(200) + 0.5) * PIX
    h[:, (lon > 35.5) & (lon < 35.6)] = 2000.0
    h[:5, :5] = -32768  # nodata corner → 0 m
    return write_dem(tmp_path / "ridge.tif", h, 34.0, 40.0)


def radar(lon_deg: float = 35.0) -> RadarArrays:
    return RadarArrays.from_columns(
        lat_rad=math.radians(39.0), lon_rad=math.radians(lon_deg), alt_m=20.0, ref_range_m=300e3,
        ref_rcs_m2=1.0, ref_pd=0.5, revisit_s=10.0, sigma_range_m=50.0, sigma_az_rad=1e-3,
        sigma_el_rad=1e-3, min_elevation_rad=math.radians(-1.0),
    )


def test_height_bilinear_and_nodata(ridge_dem: Path) -> None:
    dem = load_dem(ridge_dem)
    assert dem.heights_m.shape == (200, 200)
    lat = np.radians([39.0, 39.0, 39.0, 39.99])
    lon = np.radians([35.0, 35.55, 35.5, 34.01])
    h = dem.height_m(lat, lon)
    assert h[0] == 0.0 and h[1] == pytest.approx(2000.0)
    assert 0.0 < h[2] < 2000.0  # on the ridge's edge: interpolated
    assert h[3] == 0.0  # nodata read as sea level
    assert dem.height_m(np.radians([45.0]), np.radians([10.0]))[0] == 0.0  # outside the raster


def test_ridge_blocks_cells_behind_not_in_front(ridge_dem: Path) -> None:
    dem = load_dem(ridge_dem)
    grid = make_grid((34.2, 38.6, 35.95, 39.4), 2000.0)
    r = radar(35.0)
    smooth = detection_mask(r, grid, 500.0, 1.0)[:, 0]
    masked = detection_mask(r, grid, 500.0, 1.0, dem=dem)[:, 0]
    lon = np.degrees(grid.lon_rad)
    in_front = lon < 35.45
    behind = lon > 35.65
    # in front of the ridge: unchanged; behind it (a 500 m target, 2000 m ridge): all hidden
    assert smooth[in_front].sum() > 50
    assert np.array_equal(masked[in_front], smooth[in_front])
    assert smooth[behind].sum() > 50
    assert not masked[behind].any()
    # a 9 km target is seen over the ridge
    high = detection_mask(r, grid, 9000.0, 1.0, dem=dem)[:, 0]
    assert high[behind].sum() > 0.9 * detection_mask(r, grid, 9000.0, 1.0)[:, 0][behind].sum()


def test_ray_height_endpoints() -> None:
    a = 4 / 3 * 6_371_000.0
    phi = 100e3 / a
    h = ray_height_m(np.array([0.0, phi]), phi, 20.0, 500.0, a)
    assert h == pytest.approx([20.0, 500.0], abs=1e-6)
    # the midpoint of a low ray dips below the chord height by the bulge d²/(8a)
    mid = ray_height_m(np.array(phi / 2), phi, 100.0, 100.0, a)
    assert float(mid) == pytest.approx(100.0 - (100e3) ** 2 / (8 * a), abs=1.0)


def test_unreadable_and_projected_dem(tmp_path: Path) -> None:
    bad = tmp_path / "junk.tif"
    bad.write_bytes(b"not a tiff at all")
    with pytest.raises(InputError, match="cannot read DEM"):
        load_dem(bad)
    with pytest.raises(InputError, match="not found"):
        load_dem(tmp_path / "missing.hgt")
    with rasterio.open(
        tmp_path / "utm.tif", "w", driver="GTiff", height=4, width=4, count=1, dtype="float32",
        crs="EPSG:32636", transform=Affine(100.0, 0.0, 500000.0, 0.0, -100.0, 4300000.0),
    ) as dst:
        dst.write(np.zeros((4, 4), np.float32), 1)
    with pytest.raises(InputError, match="projected"):
        load_dem(tmp_path / "utm.tif")


def test_srtm_hgt_tile(tmp_path: Path) -> None:
    # SRTM3 tile N39E035: 1201×1201 big-endian int16, north row first, 3" spacing, corners shared
    n = 1201
    z = np.zeros((n, n), ">i2")
    z[:, 600] = 1234  # a one-pixel ridge along lon 35.5
    (tmp_path / "N39E035.hgt").write_bytes(z.tobytes())
    dem = load_dem(tmp_path / "N39E035.hgt")
    assert dem.heights_m.shape == (n, n)
    assert dem.height_m(np.radians([39.5]), np.radians([35.5]))[0] == pytest.approx(1234.0)
    assert dem.height_m(np.radians([39.5]), np.radians([35.2]))[0] == 0.0
    w, s, e, nn = dem.bounds_deg
    assert (w, s, e, nn) == pytest.approx((35.0, 39.0, 36.0, 40.0), abs=1e-9)
