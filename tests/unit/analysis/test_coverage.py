"""Coverage kernels: analytic cap area, radio horizon, field of regard, engagement, slow-path check."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from iadsim.analysis.coverage import (
    EARTH_RADIUS_M,
    compute_coverage,
    coverage_table,
    detection_cos_threshold,
    detection_mask,
    detection_range_m,
    engagement_mask,
    make_grid,
    mask_to_geometry,
)
from iadsim.errors import InputError
from iadsim.geo.borders import geodesic_area_m2
from iadsim.geo.frames import geodetic_to_ecef
from iadsim.sensors import radar as rd


def make_radars(lat_deg, lon_deg, alt_m=10.0, *, ref_range_m=200e3, min_el_deg=0.0, fov_deg=360.0,
                bore_deg=0.0, max_range_m=np.inf, site_index=None) -> rd.RadarArrays:
    lat = np.atleast_1d(np.radians(lat_deg))
    return rd.RadarArrays.from_columns(
        lat_rad=lat, lon_rad=np.radians(lon_deg), alt_m=alt_m, ref_range_m=ref_range_m,
        ref_rcs_m2=1.0, ref_pd=0.5, pfa=1e-6, revisit_s=10.0, sigma_range_m=50.0,
        sigma_az_rad=1e-3, sigma_el_rad=1e-3, min_elevation_rad=np.radians(min_el_deg),
        half_width_az_rad=np.radians(fov_deg) / 2, boresight_az_rad=np.radians(bore_deg),
        max_range_m=max_range_m, site_index=site_index if site_index is not None else np.arange(lat.size),
    )


def cap_area_m2(theta_rad: float) -> float:
    # spherical cap: A = 2π R² (1 − cos θ)
    return 2 * math.pi * EARTH_RADIUS_M**2 * (1 - math.cos(theta_rad))


def test_one_radar_area_matches_spherical_cap() -> None:
    r = make_radars(39.0, 35.0)
    grid = make_grid((31.0, 35.0, 39.0, 43.0), 5000.0)  # 5 km cells around the radar
    det = detection_mask(r, grid, 10_000.0, 1.0)
    covered = grid.area_m2[det[:, 0]].sum()
    # at Pd* = ref Pd and σ = σ_ref the detection range is the reference range (slant)
    assert detection_range_m(r, 1.0, 0.5)[0] == pytest.approx(200e3)
    c_lo, _ = detection_cos_threshold(r, 10_000.0, 1.0)
    theta = math.acos(c_lo[0])
    assert covered == pytest.approx(cap_area_m2(theta), rel=0.01)
    # the slant range of 200 km at 10 km altitude is a ground range of ≈ 199.6 km
    assert theta * EARTH_RADIUS_M == pytest.approx(math.sqrt(200e3**2 - 9990.0**2), rel=2e-3)
    # radar equation: 16× the RCS doubles the range
    det16 = detection_mask(r, grid, 10_000.0, 16.0)
    assert detection_range_m(r, 16.0, 0.5)[0] == pytest.approx(400e3)
    assert det16[:, 0].sum() > det[:, 0].sum()
    # a higher Pd threshold shrinks the area
    assert detection_mask(r, grid, 10_000.0, 1.0, 0.9)[:, 0].sum() < det[:, 0].sum()


@pytest.mark.parametrize("h1,h2", [(25.0, 100.0), (10.0, 300.0)])
def test_horizon_limited_range_matches_4_12_rule(h1: float, h2: float) -> None:
    # long detection range, minimum elevation well below the horizon dip: only the horizon limits
    r = make_radars(38.0, 33.0, h1, ref_range_m=2000e3, min_el_deg=-3.0)
    grid = make_grid((31.5, 36.8, 34.5, 39.2), 1000.0)
    det = detection_mask(r, grid, h2, 1.0)[:, 0]
    su = np.array([math.cos(math.radians(38)) * math.cos(math.radians(33)),
                   math.cos(math.radians(38)) * math.sin(math.radians(33)), math.sin(math.radians(38))])
    ground_km = np.arccos(np.clip(grid.unit @ su, -1, 1)) * EARTH_RADIUS_M / 1000.0
    expected_km = 4.12 * (math.sqrt(h1) + math.sqrt(h2))
    assert ground_km[det].max() == pytest.approx(expected_km, abs=1.5)  # 1 km cells
    assert ground_km[~det].min() == pytest.approx(expected_km, abs=1.5)
    # with the usual 0° minimum elevation the radar sees less far than the horizon
    r0 = make_radars(38.0, 33.0, h1, ref_range_m=2000e3, min_el_deg=0.0)
    assert ground_km[detection_mask(r0, grid, h2, 1.0)[:, 0]].max() < expected_km - 5


def test_field_of_regard_quarter_of_cap() -> None:
    full = make_radars(39.0, 35.0)
    east = make_radars(39.0, 35.0, fov_deg=90.0, bore_deg=90.0)
    grid = make_grid((31.0, 35.0, 39.0, 43.0), 4000.0)
    a_full = grid.area_m2[detection_mask(full, grid, 5000.0, 1.0)[:, 0]].sum()
    det_e = detection_mask(east, grid, 5000.0, 1.0)[:, 0]
    assert grid.area_m2[det_e].sum() == pytest.approx(a_full / 4, rel=0.02)
    assert np.all(np.degrees(grid.lon_rad[det_e]) > 35.0)  # all east of the radar


def test_target_below_antenna_not_seen_straight_down() -> None:
    # radar 1500 m above the smooth Earth, target at 200 m, min elevation −5°: an annulus
    r = make_radars(39.0, 35.0, 1500.0, min_el_deg=-5.0)
    grid = make_grid((34.5, 38.6, 35.5, 39.4), 1000.0)
    det = detection_mask(r, grid, 200.0, 1.0)[:, 0]
    su = np.array([math.cos(math.radians(39)) * math.cos(math.radians(35)),
                   math.cos(math.radians(39)) * math.sin(math.radians(35)), math.sin(math.radians(39))])
    d_km = np.arccos(np.clip(grid.unit @ su, -1, 1)) * EARTH_RADIUS_M / 1000.0
    # depression 5° at 1.3 km below ⇒ inner radius ≈ 1300 / tan 5° ≈ 14.9 km
    assert not det[d_km < 13.0].any()
    assert det[(d_km > 17.0) & (d_km < 30.0)].all()


def test_fast_path_agrees_with_radar_model() -> None:
    """The dot-product fast path reproduces sensors.radar.detection_probability ≥ 0.5."""
    r = make_radars([38.0, 39.0], [33.0, 35.5], [20.0, 900.0], ref_range_m=[150e3, 90e3],
                    fov_deg=[360.0, 120.0], bore_deg=[0.0, 200.0], max_range_m=[140e3, 1e6])
    grid = make_grid((30.5, 35.5, 38.0, 41.5), 8000.0)
    for alt in (300.0, 3000.0, 12_000.0):
        fast = detection_mask(r, grid, alt, 2.0)
        ecef = geodetic_to_ecef(grid.lat_rad, grid.lon_rad, np.full(grid.n, alt)).reshape(-1, 3)
        geom = rd.geometry(r, ecef, np.full(grid.n, alt))
        slow = (rd.detection_probability(r, geom, np.full(grid.n, 2.0)) >= 0.5).T
        differ = fast != slow
        # only cells on the coverage edge may differ (ellipsoidal vs spherical slant range)
        assert differ.mean() < 0.01, (alt, differ.mean())
        assert fast.sum() > 0


def fire_units(lat_deg, lon_deg, *, max_range_m, min_range_m=0.0, min_alt_m=0.0, max_alt_m=30e3,
               cue=None, n_radars=1):
    n = len(np.atleast_1d(lat_deg))
    a = lambda v: np.broadcast_to(np.asarray(v, float), (n,)).copy()  # noqa: E731
    return SimpleNamespace(
        lat_rad=np.radians(a(lat_deg)), lon_rad=np.radians(a(lon_deg)), alt_m=a(10.0),
        site_index=np.arange(n), min_range_m=a(min_range_m), max_range_m=a(max_range_m),
        min_alt_m=a(min_alt_m), max_alt_m=a(max_alt_m),
        cue_mask=np.ones((n, n_radars), bool) if cue is None else np.asarray(cue, bool),
    )


def test_engagement_needs_envelope_and_cueing_radar() -> None:
    r = make_radars(39.0, 35.0, ref_range_m=150e3)
    grid = make_grid((32.0, 37.0, 38.0, 41.0), 5000.0)
    det = detection_mask(r, grid, 5000.0, 1.0)
    fu = fire_units([39.0], [35.0], max_range_m=100e3, min_range_m=20e3)
    eng = engagement_mask(fu, det, grid, 5000.0)[:, 0]
    assert eng.sum() < det[:, 0].sum()
    assert not (eng & ~det[:, 0]).any()  # never engaged where not detected
    # area of the 20–100 km annulus (slant ranges at 5 km altitude ⇒ ground ≈ 19.4 and 99.9 km)
    th_out = math.sqrt(100e3**2 - 4990.0**2) / EARTH_RADIUS_M
    th_in = math.sqrt(20e3**2 - 4990.0**2) / EARTH_RADIUS_M
    assert grid.area_m2[eng].sum() == pytest.approx(cap_area_m2(th_out) - cap_area_m2(th_in), rel=0.02)
    # no cueing radar ⇒ nothing engageable; altitude outside the envelope ⇒ nothing
    assert not engagement_mask(fire_units([39.0], [35.0], max_range_m=100e3, cue=[[False]]), det, grid, 5000.0).any()
    assert not engagement_mask(fire_units([39.0], [35.0], max_range_m=100e3, min_alt_m=6000.0), det, grid, 5000.0).any()


def test_compute_table_and_polygons() -> None:
    r = make_radars([39.0, 39.0], [33.0, 35.0], site_index=[0, 1], ref_range_m=120e3)
    fu = fire_units([39.0, 39.0], [33.0, 35.0], max_range_m=80e3, cue=np.eye(2), n_radars=2)
    grid = make_grid((30.0, 36.5, 38.0, 41.5), 5000.0)
    seen = []
    res = compute_coverage(r, fu, grid, [1000.0, 10_000.0], [1.0], site_names=["west", "east"],
                           progress=lambda d, t, lbl: seen.append((d, t)))
    assert seen[-1] == (2, 2)
    rows = coverage_table(res)
    comp = {(x["alt_m"], x["kind"]): x for x in rows if x["site"] == "composite"}
    per = {(x["alt_m"], x["kind"], x["site"]): x for x in rows if x["site"] != "composite"}
    for alt in (1000.0, 10_000.0):
        for kind in ("detection", "engagement"):
            c = comp[(alt, kind)]
            w, e = per[(alt, kind, "west")], per[(alt, kind, "east")]
            # union ≤ sum, ≥ max; the two overlap (172 km apart, 2×~120 km)
            assert max(w["area_km2"], e["area_km2"]) <= c["area_km2"] <= w["area_km2"] + e["area_km2"]
            assert c["pct_region"] == pytest.approx(100 * c["area_km2"] / (grid.region_area_m2 / 1e6), abs=0.01)
        assert comp[(alt, "detection")]["max_layers"] == 2
    lay = res.layers[1]
    mask = lay.det.any(axis=1)
    poly = mask_to_geometry(grid, mask)
    assert geodesic_area_m2(poly) == pytest.approx(grid.area_m2[mask].sum(), rel=0.01)


def test_bad_inputs() -> None:
    with pytest.raises(InputError, match="empty or invalid bounding box"):
        make_grid((35.0, 39.0, 34.0, 40.0), 5000.0)
    with pytest.raises(InputError, match="resolution"):
        make_grid((30.0, 35.0, 31.0, 36.0), 0.0)
    with pytest.raises(InputError, match="contains no grid cell"):
        make_grid((30.0, 35.0, 30.001, 35.001), 5000.0)
    r = make_radars(39.0, 35.0)
    grid = make_grid((34.0, 38.0, 36.0, 40.0), 10_000.0)
    with pytest.raises(InputError, match="RCS"):
        detection_mask(r, grid, 1000.0, -1.0)
    with pytest.raises(InputError, match="Pd threshold"):
        detection_mask(r, grid, 1000.0, 1.0, 1.5)


# ------------------------------------------------------------------------------ command line
def _app():
    import typer

    from iadsim.analysis.cli import register

    app = typer.Typer()
    register(app)
    return app


def _invoke(args):
    from typer.testing import CliRunner

    return CliRunner().invoke(_app(), args)


def test_cli_coverage_writes_outputs(tmp_path) -> None:
    import json

    r = _invoke(["coverage", "turkey-2017", "--altitude-m", "1000,10000", "--rcs-m2", "1",
                 "--resolution-km", "25", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "coverage.json").read_text())
    comp = [x for x in doc["rows"] if x["site"] == "composite" and x["kind"] == "detection"]
    assert len(comp) == 2 and comp[1]["pct_region"] > comp[0]["pct_region"] > 0  # higher sees farther
    assert doc["meta"]["region"] == "Turkey"
    assert (tmp_path / "coverage.csv").read_text().startswith("alt_m,rcs_m2,site,kind,area_km2")
    gj = json.loads((tmp_path / "coverage_alt10000m_rcs1m2.geojson").read_text())
    assert gj["type"] == "FeatureCollection" and gj["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    png = (tmp_path / "coverage_alt1000m_rcs1m2.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def _write_plateau(path, height_m: float):
    import rasterio
    from affine import Affine

    with rasterio.open(path, "w", driver="GTiff", height=50, width=50, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(0.02, 0, 38.0, 0, -0.02, 40.0)) as dst:
        dst.write(np.full((50, 50), height_m, np.float32), 1)
    return path


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--country", "Narnia"], "unknown country 'Narnia'"),
        (["--country", "turky"], "Did you mean: Turkey"),
        (["--bbox", "35,39,34,40"], "empty or invalid bounding box"),
        (["--bbox", "30,35,30.001,35.001"], "contains no grid cell"),
        (["--bbox", "1,2,3"], "four numbers"),
        (["--dem", "DOES-NOT-EXIST.tif"], "DEM file not found"),
        (["--altitude-m", "abc"], "--altitude-m must be comma-separated numbers"),
        (["--rcs-m2", "-1"], "--rcs-m2 must be positive"),
    ],
)
def test_cli_bad_input_exit_2(tmp_path, extra, message) -> None:
    r = _invoke(["coverage", "turkey-2017", "--resolution-km", "50", "--no-maps", "--out", str(tmp_path), *extra])
    assert r.exit_code == 2, r.output
    assert message in " ".join(r.output.split())
    assert "Traceback" not in r.output


def test_cli_unreadable_dem_and_altitude_below_terrain(tmp_path) -> None:
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"\x00garbage")
    r = _invoke(["coverage", "turkey-2017", "--dem", str(junk), "--no-maps", "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and "cannot read DEM" in r.output
    dem = _write_plateau(tmp_path / "plateau.tif", 2500.0)  # lon 38–39, lat 39–40 at 2500 m
    r = _invoke(["coverage", "turkey-2017", "--dem", str(dem), "--bbox", "38.2,39.2,38.8,39.8",
                 "--altitude-m", "1000", "--resolution-km", "10", "--no-maps", "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert "below the terrain over the whole region" in " ".join(r.output.split())
    # above the plateau it works, and the terrain model is recorded
    import json

    r = _invoke(["coverage", "turkey-2017", "--dem", str(dem), "--bbox", "38.2,39.2,38.8,39.8",
                 "--altitude-m", "3000", "--resolution-km", "10", "--no-maps", "--out", str(tmp_path / "ok")])
    assert r.exit_code == 0, r.output
    meta = json.loads((tmp_path / "ok" / "coverage.json").read_text())["meta"]
    assert meta["terrain"].startswith("dem:") and meta["altitude_reference"] == "msl"
