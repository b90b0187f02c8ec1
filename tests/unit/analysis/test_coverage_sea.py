"""Coverage over the sea: a country's grid covers its bounding box plus a margin, while every
"% of the country" statistic still counts the country's cells only (unchanged by the margin)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from iadsim.analysis.cli import run_coverage
from iadsim.analysis.coverage import make_grid, mask_to_geometry
from iadsim.errors import InputError
from iadsim.geo.borders import all_countries, country_polygon


def test_margin_grid_reproduces_the_country_cells_exactly() -> None:
    cy = country_polygon("Cyprus")
    g0 = make_grid(cy, 10_000.0)
    g1 = make_grid(cy, 10_000.0, margin_m=30_000.0)
    assert g0.in_region is None and g1.in_region is not None
    r = g1.in_region
    assert r.sum() == g0.n < g1.n
    # same cells, bit for bit: same centres and areas, hence the same region area
    assert np.array_equal(np.sort(g1.lat_rad[r] * 1e9 + g1.lon_rad[r]), np.sort(g0.lat_rad * 1e9 + g0.lon_rad))
    assert g1.region_area_m2 == pytest.approx(g0.region_area_m2, rel=1e-12)
    assert g1.region_mask.sum() == g0.n and g0.region_mask.all()
    # the extra cells are outside the country (sea), out to 3 whole cells (30 km) past its bounds
    assert not shapely.contains_xy(cy, np.degrees(g1.lon_rad[~r]), np.degrees(g1.lat_rad[~r])).any()
    w, s, e, n = cy.bounds
    assert np.degrees(g1.lat_rad).min() < s - 0.2 and np.degrees(g1.lat_rad).max() > n + 0.2
    assert g1.bbox_deg[0] < w and g1.bbox_deg[3] > n
    # the outline of all cells is one box-like area that covers the sea between the coasts
    geom = mask_to_geometry(g1, np.ones(g1.n, bool))
    assert geom.contains(shapely.Point(33.0, 34.4))  # sea south of Cyprus
    with pytest.raises(InputError):
        make_grid(cy, 10_000.0, margin_m=-1.0)


def test_box_region_ignores_the_margin() -> None:
    a = make_grid((32.0, 34.0, 35.0, 36.0), 20_000.0)
    b = make_grid((32.0, 34.0, 35.0, 36.0), 20_000.0, margin_m=100_000.0)
    assert a.n == b.n and b.in_region is None and a.bbox_deg == b.bbox_deg


def test_country_percentages_unchanged_and_sea_covered(tmp_path) -> None:
    kw = dict(altitudes_m=[10_000.0], rcs_m2=[1.0], resolution_km=20.0, sites=["adana-patriot"], show_progress=False)
    a = run_coverage("turkey-2017", margin_km=0.0, **kw)
    b = run_coverage("turkey-2017", margin_km=60.0, out_dir=tmp_path / "cov", geojson=True, **kw)
    assert b["meta"]["cells"] > a["meta"]["cells"] == b["meta"]["cells_in_region"]
    assert a["meta"]["region_area_km2_grid"] == b["meta"]["region_area_km2_grid"]
    for ra, rb in zip(a["rows"], b["rows"]):
        for k in ("site", "kind", "area_km2", "pct_region", "max_layers"):
            assert ra[k] == rb[k], (k, ra, rb)
        assert ra["area_km2_all_cells"] == ra["area_km2"]  # no margin: every cell is Turkey's
        assert rb["area_km2_all_cells"] >= rb["area_km2"]
    # the Patriot at Adana sees over the Mediterranean: coverage outside Turkey
    comp = [r for r in b["rows"] if r["site"] == "composite" and r["kind"] == "detection"][0]
    assert comp["area_km2_all_cells"] > comp["area_km2"] > 0
    import json

    feats = json.loads((tmp_path / "cov" / "coverage_alt10000m_rcs1m2.geojson").read_text())["features"]
    det = shapely.geometry.shape(feats[0]["geometry"])
    land = shapely.union_all(list(all_countries().values()))
    assert det.difference(land).area > 0.1  # square degrees of detection coverage over the sea
    assert b["meta"]["maps_clipped_to_land"] is False


def test_negative_margin_is_refused() -> None:
    with pytest.raises(InputError, match="--margin-km"):
        run_coverage("turkey-2017", altitudes_m=[1000.0], rcs_m2=[1.0], margin_km=-5.0, show_progress=False)


def test_cli_clip_land_draws_less_coverage(tmp_path) -> None:
    from PIL import Image
    from typer.testing import CliRunner

    from iadsim.cli import app

    def cov_pixels(d):  # noqa: ANN001, ANN202
        img = np.asarray(Image.open(d / "coverage_alt10000m_rcs1m2.png").convert("RGB")).astype(int)
        return int(sum((np.abs(img - np.array(c)).max(axis=2) < 12).sum() for c in ([198, 219, 239], [253, 208, 162], [253, 141, 60])))

    args = ["coverage", "turkey-2017", "--altitude-m", "10000", "--resolution-km", "40", "--sites", "adana-patriot"]
    r1 = CliRunner().invoke(app, args + ["--out", str(tmp_path / "sea")])
    r2 = CliRunner().invoke(app, args + ["--out", str(tmp_path / "land"), "--clip-land"])
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.output + r2.output
    import json

    assert json.loads((tmp_path / "land" / "coverage.json").read_text())["meta"]["maps_clipped_to_land"] is True
    assert 0 < cov_pixels(tmp_path / "land") < cov_pixels(tmp_path / "sea")
    r3 = CliRunner().invoke(app, args + ["--out", str(tmp_path / "bad"), "--margin-km", "-1"])
    assert r3.exit_code == 2 and "--margin-km" in r3.output and not (tmp_path / "bad").exists()
