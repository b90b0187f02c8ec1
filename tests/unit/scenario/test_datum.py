"""Heights say their datum: old, ambiguous height keys are refused with what to write instead."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iadsim.cli import app
from iadsim.errors import ScenarioError
from iadsim.scenario.load import validate_text

OLD = textwrap.dedent("""\
    name: old-heights
    duration_s: 60
    sites:
      - name: s1
        lat_deg: 37.0
        lon_deg: 35.3
        alt_m: 843
        sensors:
          - type: an-mpq-65
            antenna_height_m: 10
            boresight_az_deg: 180
        fire_units:
          - type: patriot
    assets:
      - {name: a1, lat_deg: 37.2, lon_deg: 35.4, alt_m: 73}
    raids:
      - name: r1
        threat: cruise-subsonic
        launch: {lat_deg: 36.0, lon_deg: 35.0}
        target: a1
        altitude_m: 1000
        route:
          - {lat_deg: 36.5, lon_deg: 35.1, alt_m: 200}
""")

NEW = (OLD.replace("    alt_m: 843\n", "").replace("antenna_height_m", "antenna_agl_m")
       .replace(", alt_m: 73}", ", alt_agl_m: 0}").replace("altitude_m: 1000", "altitude_agl_m: 100")
       .replace("alt_m: 200}", "alt_agl_m: 200}"))


def test_each_old_height_key_names_its_replacement_with_its_line() -> None:
    with pytest.raises(ScenarioError) as exc:
        validate_text(OLD, "old.yaml")
    text = str(exc.value)
    expected = {
        "old.yaml:7:5: sites[0].alt_m": "antenna_agl_m",
        "old.yaml:10:9: sites[0].sensors[0].antenna_height_m": "write antenna_agl_m",
        "old.yaml:15:46: assets[0].alt_m": "write alt_agl_m",
        "old.yaml:21:5: raids[0].altitude_m": "write altitude_agl_m",
        "old.yaml:23:40: raids[0].route[0].alt_m": "write alt_agl_m",
    }
    lines = text.splitlines()
    for where, advice in expected.items():
        hit = [ln.strip() for ln in lines if ln.strip().startswith(where)]
        assert hit, (where, text)
        assert advice in hit[0] and "(got " in hit[0], hit[0]
    assert len(exc.value.problems) == len(expected)


def test_new_keys_validate_and_carry_their_datum() -> None:
    sc = validate_text(NEW, "new.yaml")
    assert sc.sites[0].sensors[0].antenna_agl_m == 10
    assert sc.assets[0].alt_agl_m == 0
    assert sc.raids[0].altitude_agl_m == 100
    assert sc.raids[0].route[0].alt_agl_m == 200


def test_cli_exit_2_without_traceback(tmp_path: Path) -> None:
    p = tmp_path / "old.yaml"
    p.write_text(OLD)
    res = CliRunner().invoke(app, ["validate", str(p)])
    assert res.exit_code == 2
    out = res.output
    assert "Traceback" not in out and "write antenna_agl_m" in out and f"{p}:10:9" in out


def test_terrain_dem_needs_an_existing_dem(tmp_path: Path) -> None:
    no_path = NEW.replace("duration_s: 60\n", "duration_s: 60\nfidelity: {terrain: dem}\n")
    with pytest.raises(ScenarioError, match=r"fidelity.terrain: terrain: dem needs fidelity.dem_path"):
        validate_text(no_path, str(tmp_path / "a.yaml"))
    missing = NEW.replace("duration_s: 60\n", "duration_s: 60\nfidelity: {terrain: dem, dem_path: nowhere.tif}\n")
    with pytest.raises(ScenarioError, match=r"DEM file not found: .*nowhere.tif"):
        validate_text(missing, str(tmp_path / "a.yaml"))
