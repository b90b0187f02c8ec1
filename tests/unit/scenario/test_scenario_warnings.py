"""Scenario warnings: each fires on a minimal scenario made to trigger it, none on the bundled ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from iadsim.cli import app
from iadsim.scenario.load import _validate, bundled_scenarios, load_scenario_document
from iadsim.scenario.warnings import estimate_cost, scenario_warnings

# one Patriot at (37.0 N, 35.3 E) facing south; two cruise missiles from 111 km south (≈ 455 s at
# 244 m/s) fired 10 s apart into a 900 s run: nothing to warn about
BASE = """\
name: base
duration_s: 900
time_step_s: 1
sites:
  - name: s1
    lat_deg: 37.0
    lon_deg: 35.3
    sensors: [{type: an-mpq-65, boresight_az_deg: 180}]
    fire_units: [{type: patriot}]
assets:
  - {name: a1, lat_deg: 37.0, lon_deg: 35.3}
raids:
  - {name: r1, threat: cruise-subsonic, count: 2, spacing_s: 10, launch: {lat_deg: 36.0, lon_deg: 35.3}, target: a1}
"""


def _codes(text: str) -> list[str]:
    sc, root = _validate(text, "w.yaml")
    return [w.code for w in scenario_warnings(sc, root, "w.yaml")]


def test_base_is_silent() -> None:
    assert _codes(BASE) == []


def test_cannot_reach() -> None:
    sc, root = _validate(BASE.replace("duration_s: 900", "duration_s: 400"), "w.yaml")
    (w,) = scenario_warnings(sc, root, "w.yaml")
    assert w.code == "cannot-reach" and "raid 'r1': 2 of its 2 threats" in w.message
    assert (w.line, w.key_path) == (13, "raids[0]")
    # flight ≈ 111 km / 244 m/s ≈ 455 s: at 460 s the first (t=0) arrives, the second (t=10) does not
    sc, root = _validate(BASE.replace("duration_s: 900", "duration_s: 460"), "w.yaml")
    (w,) = scenario_warnings(sc, root, "w.yaml")
    assert "raid 'r1': 1 of its 2 threats" in w.message


def test_cannot_reach_ballistic() -> None:
    text = BASE.replace("threat: cruise-subsonic", "threat: scud-b").replace("lat_deg: 36.0", "lat_deg: 35.5")
    assert _codes(text) == []  # ≈ 170 km: a few minutes of free flight
    assert _codes(text.replace("duration_s: 900", "duration_s: 100")) == ["cannot-reach"]


def test_launch_after_end() -> None:
    assert _codes(BASE.replace("spacing_s: 10,", "spacing_s: 10, launch_time_s: 900,")) == ["launch-after-end"]


def test_never_launch() -> None:
    codes = _codes(BASE.replace("count: 2, spacing_s: 10", "count: 100, spacing_s: 10"))
    assert "never-launch" in codes


def test_sector_radar_facing_away() -> None:
    text = BASE.replace("boresight_az_deg: 180", "boresight_az_deg: 0")
    sc, root = _validate(text, "w.yaml")
    (w,) = scenario_warnings(sc, root, "w.yaml")
    assert w.code == "sector-blind" and w.key_path == "sites[0].sensors[0].boresight_az_deg" and w.line == 8
    # 44° off a 90° sector still sees it; 46° does not
    assert _codes(BASE.replace("boresight_az_deg: 180", "boresight_az_deg: 136")) == []
    assert _codes(BASE.replace("boresight_az_deg: 180", "boresight_az_deg: 134")) == ["sector-blind"]
    # a 360° radar never warns
    assert _codes(text.replace("an-mpq-65", "arabel")) == []


def test_coarse_time_step() -> None:
    sc, root = _validate(BASE.replace("time_step_s: 1", "time_step_s: 60"), "w.yaml")
    ws = scenario_warnings(sc, root, "w.yaml")
    assert {w.code for w in ws} == {"coarse-step"}
    text = " ".join(w.message for w in ws)
    assert "revisit" in text and "launch interval" in text and "flight to maximum range" in text
    assert all(w.key_path == "time_step_s" and w.line == 3 for w in ws)
    # 2.5 s: longer than the radar's 2 s revisit only
    ws = scenario_warnings(*_validate(BASE.replace("time_step_s: 1", "time_step_s: 2.5"), "w.yaml"), "w.yaml")
    assert len(ws) == 1 and "revisit" in ws[0].message


def test_large_scenario_with_estimate() -> None:
    sc, root = _validate(BASE.replace("count: 2, spacing_s: 10", "count: 3000, spacing_s: 0"), "w.yaml")
    ws = [w for w in scenario_warnings(sc, root, "w.yaml") if w.code == "large"]
    assert len(ws) == 1 and "3,000 threats" in ws[0].message and "GB" in ws[0].message
    secs, gb = estimate_cost(sc)
    assert secs > 0 and gb > 0


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_bundled_scenarios_have_no_warnings(name: str) -> None:
    sc, root, file = load_scenario_document(name)
    assert scenario_warnings(sc, root, file) == []


def test_cli_prints_warnings_and_strict_fails(tmp_path: Path) -> None:
    f = tmp_path / "w.yaml"
    f.write_text(BASE.replace("boresight_az_deg: 180", "boresight_az_deg: 0"))
    runner = CliRunner()
    r = runner.invoke(app, ["validate", str(f)])
    assert r.exit_code == 0, r.output
    assert f"warning: {f}:8:" in r.output and "[sector-blind]" in r.output
    r = runner.invoke(app, ["validate", str(f), "--strict"])
    assert r.exit_code == 2 and "sector-blind" in r.output and "Traceback" not in r.output
    short = tmp_path / "short.yaml"
    short.write_text(BASE.replace("duration_s: 900", "duration_s: 30"))
    r = runner.invoke(app, ["run", str(short), "--out", str(tmp_path / "r")])
    assert r.exit_code == 0 and "[cannot-reach]" in r.output
    r = runner.invoke(app, ["run", str(short), "--strict", "--out", str(tmp_path / "r2")])
    assert r.exit_code == 2 and not (tmp_path / "r2").exists()
