"""Heights above ground and terrain in the engine (issue 8, item 1).

* A plateau site on the smooth Earth sees a 100 m-above-ground cruise missile at the 4/3-Earth
  horizon distance of its antenna height (the site's elevation is not a mast).
* Under ``fidelity.terrain: dem`` a synthetic ridge hides a low flier from the engine's radar
  (the same scenario on the smooth Earth sees it), sites stand on the terrain and low fliers
  follow it.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest
import rasterio
from affine import Affine

import iadsim
from iadsim.engine.world import compile_world
from iadsim.geo.frames import ecef_to_geodetic, great_circle_angle_rad
from iadsim.geo.horizon import horizon_range_m
from iadsim.scenario.load import validate_text
from iadsim.sensors.radar import geometry, visible

R_E = 6_371_000.0

PLATEAU = textwrap.dedent("""\
    name: plateau
    duration_s: 700
    fidelity: {association: truth}
    sites:
      - name: murted
        lat_deg: 40.0789
        lon_deg: 32.5656
        sensors:
          - {type: 91n6e, antenna_agl_m: 10}
    assets:
      - {name: murted-base, lat_deg: 40.0789, lon_deg: 32.5656}
    raids:
      - name: cm
        threat: cruise-subsonic
        launch: {lat_deg: 38.73, lon_deg: 32.5656}
        target: murted-base
        altitude_agl_m: 100
""")


def _ground_m(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    return R_E * great_circle_angle_rad(np.radians(lat1), np.radians(lon1), lat2, lon2)


def test_plateau_site_sees_a_100m_cruise_missile_at_the_horizon_of_its_antenna() -> None:
    sc = validate_text(PLATEAU, "plateau.yaml")
    world = compile_world(sc)
    assert world.radars.alt_m[0] == pytest.approx(10.0)  # antenna above the ellipsoid = above ground
    expected = float(horizon_range_m(10.0, 100.0))  # 4.1218 (√10 + √100) km = 54.25 km
    mv = world.threats.mover
    t = np.arange(0.0, float(mv.arrival_time_s[0]), 0.05)
    first = None
    for tk in t:  # the engine's own visibility kernel on the compiled world
        p = mv.state(float(tk)).pos_ecef_m
        if visible(world.radars, geometry(world.radars, p))[0, 0]:
            first = p
            break
    assert first is not None
    lat, lon, h = ecef_to_geodetic(first)
    assert h[0] == pytest.approx(100.0, abs=0.5)  # 100 m above ground on the smooth Earth
    d = float(_ground_m(40.0789, 32.5656, lat, lon)[0])
    assert d == pytest.approx(expected, rel=0.01)
    # and the engine's radar: first detection no farther than the horizon
    res = iadsim.simulate(sc)
    ev = res.events
    rng = pc.filter(ev["range_m"], pc.equal(ev["kind"], "Detection")).to_numpy()
    assert len(rng) and rng.max() <= 1.01 * expected
    assert rng.max() >= expected - 10 * 245.0 - 1000.0  # seen within one revisit (10 s) of the horizon


# ------------------------------------------------------------------------------ terrain: dem
PIX = 0.005  # degrees (~550 m)
RIDGE_LAT = (36.79, 36.81)  # E–W ridge 22 km south of the radar, 500 m high


def _write_dem(path: Path) -> Path:
    west, north = 34.5, 37.6
    nrow, ncol = int(1.6 / PIX), int(1.0 / PIX)
    lat = north - (np.arange(nrow) + 0.5) * PIX
    h = np.zeros((nrow, ncol), np.float32)
    h[(lat > RIDGE_LAT[0]) & (lat < RIDGE_LAT[1]), :] = 500.0
    with rasterio.open(path, "w", driver="GTiff", height=nrow, width=ncol, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(PIX, 0.0, west, 0.0, -PIX, north)) as dst:  # fmt: skip
        dst.write(h, 1)
    return path


def _ridge_scenario(terrain: str) -> str:
    fid = "{association: truth, terrain: dem, dem_path: ridge.tif}" if terrain == "dem" else "{association: truth}"
    return textwrap.dedent(f"""\
        name: ridge
        duration_s: 560
        fidelity: {fid}
        sites:
          - name: radar
            lat_deg: 37.0
            lon_deg: 35.0
            sensors:
              - type: 91n6e
        assets:
          - {{name: beyond, lat_deg: 37.4, lon_deg: 35.0}}
        raids:
          - name: low-flier
            threat: cruise-subsonic
            launch: {{lat_deg: 36.3, lon_deg: 35.0}}
            target: beyond
            altitude_agl_m: 50
    """)


@pytest.fixture(scope="module")
def ridge_runs(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("ridge")
    _write_dem(d / "ridge.tif")
    out = {}
    for terrain in ("none", "dem"):
        f = d / f"ridge-{terrain}.yaml"
        f.write_text(_ridge_scenario(terrain))
        sc = iadsim.load_scenario(f)
        out[terrain] = (sc, compile_world(sc), iadsim.simulate(sc))
    return out


def _detection_ground_ranges(world, res) -> np.ndarray:
    ev = res.events
    m = pc.equal(ev["kind"], "Detection")
    t = pc.filter(ev["time_s"], m).to_numpy()
    pos = np.array([world.threats.mover.state(float(tk)).pos_ecef_m[0] for tk in t]).reshape(-1, 3)
    lat, lon, _ = ecef_to_geodetic(pos)
    north = lat > math.radians(37.0)
    return np.where(north, np.nan, _ground_m(37.0, 35.0, lat, lon))  # south of the radar only


def test_ridge_hides_a_low_flier_from_the_engine_radar(ridge_runs) -> None:
    smooth = _detection_ground_ranges(*ridge_runs["none"][1:])
    dem = _detection_ground_ranges(*ridge_runs["dem"][1:])
    behind = 25_500.0  # the ridge's far side, beyond the missile's climb onto it
    # smooth Earth: seen from the 40.8 km horizon (8 m antenna, 50 m target) inwards
    assert np.sum(smooth > behind) >= 3
    assert np.nanmax(smooth) <= 1.01 * float(horizon_range_m(8.0, 50.0))
    # the ridge masks it until it climbs over the ridge, then it is seen again
    assert np.sum(dem > behind) == 0
    assert np.sum(dem <= behind) >= 3


def test_sites_stand_on_and_low_fliers_follow_the_terrain(ridge_runs) -> None:
    _, world, _ = ridge_runs["dem"]
    assert world.radars.alt_m[0] == pytest.approx(8.0)  # flat ground at the site: 0 m + 8 m antenna
    mv = world.threats.mover
    dive_s = 5000.0 / 244.0 + 1.0  # the last 5 km are the terminal dive onto the asset
    for tk in np.arange(0.0, float(mv.arrival_time_s[0]) - dive_s, 1.0):
        lat, lon, h = ecef_to_geodetic(mv.state(float(tk)).pos_ecef_m)
        ground = world.terrain.height_m(lat, lon)
        assert h[0] - ground[0] >= 50.0 - 1.0  # clearance kept over the ridge (chords included)
        if RIDGE_LAT[0] + PIX < math.degrees(lat[0]) < RIDGE_LAT[1] - PIX:
            assert h[0] == pytest.approx(550.0, abs=1.0)


def test_coverage_compiles_sites_on_the_scenario_dem(tmp_path: Path) -> None:
    """Coverage and engine put a site on the same ground: a radar on an 800 m plateau at 808 m."""
    from iadsim.analysis.cli import _scenario_dem
    from iadsim.analysis.coverage import world_arrays

    west, north, n = 34.5, 37.6, 320
    h = np.full((n, 200), 800.0, np.float32)
    with rasterio.open(tmp_path / "plateau.tif", "w", driver="GTiff", height=n, width=200, count=1,
                       dtype="float32", crs="EPSG:4326",
                       transform=Affine(PIX, 0.0, west, 0.0, -PIX, north)) as dst:  # fmt: skip
        dst.write(h, 1)
    f = tmp_path / "p.yaml"
    f.write_text(_ridge_scenario("dem").replace("ridge.tif", "plateau.tif"))
    sc = iadsim.load_scenario(f)
    dem = _scenario_dem(sc)
    radars, units, _ = world_arrays(sc, "msl", dem)
    assert radars.alt_m[0] == pytest.approx(808.0) and units is not None
    assert compile_world(sc).radars.alt_m[0] == pytest.approx(808.0)  # the engine agrees
    smooth = validate_text(_ridge_scenario("none"), str(tmp_path / "s.yaml"))
    assert _scenario_dem(smooth) is None
    assert world_arrays(smooth, "msl")[0].alt_m[0] == pytest.approx(8.0)  # smooth Earth: antenna height


def test_fire_control_engages_under_terrain_dem(tmp_path: Path) -> None:
    """Fire control runs under ``terrain: dem`` (its launch and PIP coverage take the same terrain
    line of sight as search; the pair geometry carries the target's latitude/longitude): a Patriot
    on flat DEM ground engages a low cruise missile, and later than on the smooth Earth because the
    500 m ridge 22 km south masks it until it climbs onto the ridge."""
    _write_dem(tmp_path / "ridge.tif")
    first = {}
    for terrain in ("none", "dem"):
        fid = "{association: truth, terrain: dem, dem_path: ridge.tif}" if terrain == "dem" else "{association: truth}"
        text = textwrap.dedent(f"""\
            name: fc-dem
            duration_s: 900
            fidelity: {fid}
            sites:
              - name: site
                lat_deg: 37.0
                lon_deg: 35.0
                sensors:
                  - {{type: an-mpq-65, boresight_az_deg: 180}}
                fire_units:
                  - {{type: patriot}}
            assets:
              - {{name: base, lat_deg: 36.95, lon_deg: 35.0}}
            raids:
              - name: r
                threat: cruise-subsonic
                launch: {{lat_deg: 36.3, lon_deg: 35.0}}
                target: base
                altitude_agl_m: 50
        """)
        f = tmp_path / f"fc-{terrain}.yaml"
        f.write_text(text)
        res = iadsim.simulate(iadsim.load_scenario(f))
        ev = res.events
        t = pc.filter(ev["time_s"], pc.equal(ev["kind"], "Launch")).to_numpy()
        assert len(t) > 0, terrain
        first[terrain] = float(t.min())
    assert first["dem"] > first["none"] + 10.0
