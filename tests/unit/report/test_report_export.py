"""Exports round-trip: CZML validates with czml3's models, KML parses, ACMI parses back, GeoJSON lon/lat."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from typer.testing import CliRunner

import iadsim
from iadsim.cli import app
from iadsim.report.data import load_run, threat_outcomes
from iadsim.report.export import acmi_id, export, parse_acmi, to_acmi, to_geojson


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("x") / "run"
    iadsim.simulate("adana-patriot-small").write(out)
    return out


def test_czml_validates_with_czml3_and_starts_with_the_clock(run_dir, tmp_path) -> None:
    from czml3 import Document

    p = export(run_dir, "czml", tmp_path / "a.czml")
    doc = json.loads(p.read_text())
    Document.model_validate(doc)  # raises on an invalid document
    assert doc[0]["id"] == "document" and doc[0]["version"] == "1.0"
    run = load_run(run_dir)
    assert doc[0]["clock"]["interval"].startswith(run.epoch.strftime("%Y-%m-%dT%H:%M:%S"))
    threats = [d for d in doc if d["id"].startswith("threat/")]
    assert len(threats) == run.tables["threats"].num_rows
    pos = threats[0]["position"]["cartographicDegrees"]
    assert len(pos) % 4 == 0 and pos[0] == 0.0  # [t, lon, lat, h] relative to the packet epoch
    tr = run.truth.to_pydict()
    first = next(i for i, (e, k) in enumerate(zip(tr["entity"], tr["id"])) if e == "threat" and k == int(threats[0]["id"].split("/")[1]))
    assert pos[1] == pytest.approx(tr["lon_deg"][first]) and pos[2] == pytest.approx(tr["lat_deg"][first])


def test_kml_parses_and_tracks_have_one_coord_per_when(run_dir, tmp_path) -> None:
    p = export(run_dir, "kml", tmp_path / "a.kml")
    root = ET.fromstring(p.read_bytes())
    ns = {"k": "http://www.opengis.net/kml/2.2", "gx": "http://www.google.com/kml/ext/2.2"}
    tracks = root.findall(".//gx:Track", ns)
    run = load_run(run_dir)
    n_ic = len(set(np.asarray(run.truth.column("id").to_numpy())[np.asarray(run.truth.column("entity").to_pylist()) == "interceptor"]))
    assert len(tracks) == run.tables["threats"].num_rows + n_ic
    for t in tracks:
        whens = t.findall("k:when", ns)
        coords = t.findall("gx:coord", ns)
        assert len(whens) == len(coords) > 0
    lon, lat, _ = (float(x) for x in tracks[0].find("gx:coord", ns).text.split())
    assert 30 < lon < 40 and 33 < lat < 40  # lon first (Adana area)


def test_geojson_coordinates_are_lon_lat(run_dir) -> None:
    run = load_run(run_dir)
    gj = to_geojson(run)
    json.dumps(gj, allow_nan=False)
    site = next(f for f in gj["features"] if f["properties"]["kind"] == "site")
    s0 = run.tables["sites"].to_pydict()
    assert site["geometry"]["coordinates"][:2] == [s0["lon_deg"][0], s0["lat_deg"][0]]
    lines = [f for f in gj["features"] if f["geometry"]["type"] == "LineString"]
    assert lines and all(len(f["properties"]["times_s"]) == len(f["geometry"]["coordinates"]) for f in lines if len(f["properties"]["times_s"]) > 1)
    outcome, _ = threat_outcomes(run)
    colours = {f["properties"]["outcome"] for f in lines if f["properties"]["kind"] == "threat"}
    assert colours <= {"destroyed", "leaked", "in_flight"}


def test_acmi_header_and_a_frame_parse_back_to_the_positions_written(run_dir) -> None:
    run = load_run(run_dir)
    text = to_acmi(run)
    lines = text.splitlines()
    assert lines[0] == "FileType=text/acmi/tacview" and lines[1] == "FileVersion=2.2"
    d = parse_acmi(text)
    assert d["global"]["ReferenceTime"] == run.epoch.strftime("%Y-%m-%dT%H:%M:%SZ")
    tr = run.truth.to_pydict()
    # one sample, mid-flight, of the first threat
    rows = [i for i, (e, k) in enumerate(zip(tr["entity"], tr["id"])) if e == "threat" and k == 0]
    i = rows[len(rows) // 2]
    t = round(tr["time_s"][i], 3)
    frame = dict(d["frames"])[t]
    lon, lat, alt = frame[acmi_id("threat", 0)]
    assert lon == pytest.approx(tr["lon_deg"][i], abs=1e-7) and lat == pytest.approx(tr["lat_deg"][i], abs=1e-7)
    assert alt == pytest.approx(tr["alt_m"][i], abs=0.06)
    # launcher as parent, ranges as Tacview properties, kills as Destroyed events
    ic = [oid for oid, p in d["props"].items() if p.get("Type") == "Weapon+Missile" and "Parent" in p]
    assert ic, "interceptors carry Parent"
    parents = {d["props"][oid]["Parent"] for oid in ic}
    assert parents <= {acmi_id("fire_unit", f) for f in range(run.tables["fire_units"].num_rows)}
    assert d["props"][acmi_id("radar", 0)]["RadarRange"] == f"{run.tables['radars'].column('max_range_m')[0].as_py():.0f}"
    assert "EngagementRange" in d["props"][acmi_id("fire_unit", 0)]
    outcome, _ = threat_outcomes(run)
    destroyed = [e for e in d["events"] if e.startswith("Destroyed|")]
    assert len(destroyed) == int((outcome == 0).sum())


def test_export_cli_writes_each_format_and_rejects_a_bad_one(run_dir, tmp_path) -> None:
    r = CliRunner()
    for fmt in ("czml", "kml", "geojson", "acmi"):
        res = r.invoke(app, ["export", str(run_dir), "--format", fmt, "--out", str(tmp_path / f"o.{fmt}")])
        assert res.exit_code == 0, res.output
        assert (tmp_path / f"o.{fmt}").stat().st_size > 0
    bad = r.invoke(app, ["export", str(run_dir), "--format", "shp", "--out", str(tmp_path / "o.shp")])
    assert bad.exit_code == 2 and "czml" in bad.output and not (tmp_path / "o.shp").exists()
    missing = r.invoke(app, ["export", str(tmp_path / "nope"), "--format", "kml"])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
