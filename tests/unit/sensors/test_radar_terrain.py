"""Terrain line of sight in the sensing kernels (the coverage kernel, one ray per radar–target pair)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from iadsim.analysis.coverage import detection_mask, make_grid
from iadsim.geo.frames import geodetic_to_ecef
from iadsim.geo.terrain import load_dem
from iadsim.sensors.radar import RadarArrays, geometry, sense, visible

import rasterio
from affine import Affine

PIX = 0.01


@pytest.fixture
def ridge_dem(tmp_path: Path) -> Path:
    """lon 34..36, lat 38..40, flat 0 m with a 2000 m N–S ridge at lon 35.5–35.6."""
    h = np.zeros((200, 200), np.float32)
    lon = 34.0 + (np.arange(200) + 0.5) * PIX
    h[:, (lon > 35.5) & (lon < 35.6)] = 2000.0
    path = tmp_path / "ridge.tif"
    with rasterio.open(path, "w", driver="GTiff", height=200, width=200, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(PIX, 0.0, 34.0, 0.0, -PIX, 40.0)) as dst:  # fmt: skip
        dst.write(h, 1)
    return path


def _radar(**kw) -> RadarArrays:
    return RadarArrays.from_columns(
        lat_rad=math.radians(39.0), lon_rad=math.radians(35.0), alt_m=20.0, ref_range_m=300e3,
        ref_rcs_m2=1.0, ref_pd=0.5, revisit_s=1.0, sigma_range_m=50.0, sigma_az_rad=1e-3,
        sigma_el_rad=1e-3, min_elevation_rad=math.radians(-1.0), **kw,
    )


def _targets() -> np.ndarray:
    # in front of the 2000 m ridge (lon 35.5–35.6) low, behind it low, behind it high
    lat = np.radians([39.0, 39.0, 39.0])
    lon = np.radians([35.3, 35.8, 35.8])
    alt = np.array([500.0, 500.0, 9000.0])
    return geodetic_to_ecef(lat, lon, alt).reshape(-1, 3)


def test_visible_masks_by_terrain_and_stays_backwards_compatible(ridge_dem: Path) -> None:
    dem = load_dem(ridge_dem)
    r = _radar()
    g = geometry(r, _targets())
    assert visible(r, g).tolist() == [[True, True, True]]  # smooth Earth (old call)
    assert visible(r, g, terrain=dem).tolist() == [[True, False, True]]  # ridge hides the low one
    assert visible(replace(r, terrain=dem), g).tolist() == [[True, False, True]]  # the radar's own terrain
    det = sense(r, _targets(), np.ones(3), np.ones(3, bool), 1.0, 1.0, np.random.default_rng(0), terrain=dem)
    assert 1 not in det.target.tolist()


def test_engine_visibility_agrees_with_coverage_maps(ridge_dem: Path) -> None:
    """Same rays, same answer: cells of a coverage grid vs the sensing kernel at their centres."""
    dem = load_dem(ridge_dem)
    r = _radar()
    grid = make_grid((34.2, 38.2, 35.9, 39.8), 5000.0)
    alt = 800.0
    cov = detection_mask(r, grid, alt, 1.0, 0.5, dem=dem)[:, 0]  # Pd 0.5 at the 300 km reference
    pos = geodetic_to_ecef(grid.lat_rad, grid.lon_rad, np.full(grid.n, alt)).reshape(-1, 3)
    g = geometry(r, pos)
    eng = visible(r, g, terrain=dem)[0] & (g.range_m[0] <= 300e3)
    inside = cov | eng
    assert inside.sum() > 50
    assert np.mean(cov[inside] == eng[inside]) > 0.98  # same kernel; cell-edge rounding only
    assert (~eng & (grid.lon_rad > math.radians(35.65))).sum() > 10  # the shadow exists
