"""Scenario loading: every problem reported at once with file:line:col, key path and message."""

from __future__ import annotations

import json
import textwrap

import pytest

from iadsim.errors import InputError, ScenarioError
from iadsim.scenario.catalog import load_catalog
from iadsim.scenario.load import (
    RADAR_REQUIRED,
    bundled_scenarios,
    json_schema,
    load_scenario,
    resolve_scenario_path,
    scenario_hash,
    validate_text,
)


def _null_radar_field() -> tuple[str, str] | None:
    """A bundled radar with a required value that is unknown (null) in the catalogue."""
    cat = load_catalog()
    for rid, e in sorted(cat.radars.items()):
        for f in RADAR_REQUIRED:
            if e.value(f) is None:
                return rid, f
    return None


GOOD = """\
name: tiny
duration_s: 60
sites:
  - name: s1
    lat_deg: 37.0
    lon_deg: 35.3
    sensors:
      - type: {radar}
        boresight_az_deg: 180
assets:
  - {{name: a1, lat_deg: 37.0, lon_deg: 35.4}}
"""


def _a_radar() -> str:
    cat = load_catalog()
    for rid, e in sorted(cat.radars.items()):
        if all(e.value(f) is not None for f in RADAR_REQUIRED):
            return rid
    pytest.skip("no fully specified radar in the catalogue")


def test_bundled_scenarios_validate() -> None:
    names = bundled_scenarios()
    assert "turkey-2017" in names
    for name in names:
        sc = load_scenario(name)
        assert sc.name
        assert len(scenario_hash(sc)) == 64


def test_good_minimal() -> None:
    sc = validate_text(GOOD.format(radar=_a_radar()), "tiny.yaml")
    assert sc.sites[0].sensors[0].type == _a_radar()
    assert sc.time_step_s == 1.0  # default


def test_many_errors_reported_together_with_lines() -> None:
    radar = _a_radar()
    null = _null_radar_field()
    null_block = ""
    if null is not None:
        null_block = f"""\
  - name: s3
    lat_deg: 38.0
    lon_deg: 35.0
    sensors:
      - type: {null[0]}
"""
    text = textwrap.dedent(f"""\
name: bad
duration_s: 60
colour: blue
sites:
  - name: s1
    lat_deg: 95.0
    lon_deg: 35.3
    sensors:
      - type: {radar}
        max_range_km: -5
  - name: s2
    lat_deg: 37.0
    lon_deg: 35.3
    sensors:
      - type: no-such-radar
{null_block}assets:
  - {{name: a1, lat_deg: 37.0, lon_deg: 35.4}}
""")
    with pytest.raises(ScenarioError) as exc:
        validate_text(text, "bad.yaml")
    probs = exc.value.problems
    by_key = {p.key_path: p for p in probs}
    assert by_key["colour"].line == 3 and "unknown key" in by_key["colour"].message
    assert by_key["sites[0].lat_deg"].line == 6 and "95" in by_key["sites[0].lat_deg"].message
    assert by_key["sites[0].sensors[0].max_range_km"].line == 10
    assert "-5" in by_key["sites[0].sensors[0].max_range_km"].message
    unknown = by_key["sites[1].sensors[0].type"]
    assert unknown.line == 15 and "no-such-radar" in unknown.message and radar in unknown.message
    if null is not None:
        p = by_key["sites[2].sensors[0]"]
        assert null[1] in p.message and "set" in p.message and p.line == 20
    text_all = str(exc.value)
    assert "bad.yaml:3:1" in text_all
    assert all(p.file == "bad.yaml" for p in probs)


def test_unknown_key_suggests_close_name() -> None:
    text = GOOD.format(radar=_a_radar()).replace("duration_s: 60", "duraton_s: 60")
    with pytest.raises(ScenarioError) as exc:
        validate_text(text, "t.yaml")
    assert "did you mean 'duration_s'" in str(exc.value)


def test_malformed_yaml_has_position() -> None:
    with pytest.raises(ScenarioError) as exc:
        validate_text("name: x\nsites: [\n  - {name: a\n", "m.yaml")
    p = exc.value.problems[0]
    assert p.file == "m.yaml" and p.line is not None and "malformed YAML" in p.message


def test_not_a_mapping() -> None:
    with pytest.raises(ScenarioError, match="mapping"):
        validate_text("- 1\n- 2\n", "l.yaml")


def test_cross_references() -> None:
    text = textwrap.dedent("""\
name: refs
sites:
  - {name: s1, lat_deg: 37.0, lon_deg: 35.3}
  - {name: s1, lat_deg: 37.1, lon_deg: 35.3}
assets:
  - {name: a1, lat_deg: 37.0, lon_deg: 35.4}
raids:
  - name: r1
    threat: no-such-threat
    launch: {lat_deg: 36.0, lon_deg: 36.0}
    target: nowhere
""")
    with pytest.raises(ScenarioError) as exc:
        validate_text(text, "r.yaml")
    msgs = {p.key_path: p.message for p in exc.value.problems}
    assert "duplicate name" in msgs["sites[1].name"]
    assert "unknown asset 'nowhere'" in msgs["raids[0].target"]
    assert "unknown catalogue threat" in msgs["raids[0].threat"]


def test_resolve_names_and_paths(tmp_path) -> None:
    assert resolve_scenario_path("turkey-2017").name == "turkey-2017.yaml"
    with pytest.raises(InputError, match="bundled"):
        resolve_scenario_path("no-such-scenario")
    with pytest.raises(InputError, match="not found"):
        resolve_scenario_path(tmp_path / "missing.yaml")


def test_json_schema_is_json() -> None:
    schema = json_schema()
    s = json.dumps(schema)
    assert "lat_deg" in s and schema["title"] == "iadsim scenario"
    assert schema["additionalProperties"] is False


def test_unknown_catalogue_value_must_be_set(tmp_path) -> None:
    """A catalogue value that is unknown (null) is an error until the scenario sets it."""
    import shutil
    from importlib import resources

    from ruamel.yaml import YAML

    src = resources.files("iadsim") / "scenario" / "catalog"
    for name in ("radars.yaml", "interceptors.yaml", "systems.yaml", "threats.yaml"):
        shutil.copy(str(src / name), tmp_path / name)
    yaml = YAML(typ="rt")
    data = yaml.load((tmp_path / "radars.yaml").read_text())
    data["radars"]["an-mpq-65"]["reference_range_km"]["value"] = None
    with open(tmp_path / "radars.yaml", "w") as fh:
        yaml.dump(data, fh)
    cat = load_catalog(tmp_path)
    assert cat.radars["an-mpq-65"].value("reference_range_km") is None
    text = GOOD.format(radar="an-mpq-65")
    with pytest.raises(ScenarioError) as exc:
        validate_text(text, "u.yaml", catalog=cat)
    (p,) = exc.value.problems
    assert p.key_path == "sites[0].sensors[0]" and p.line == 8
    assert "reference_range_km" in p.message and "unknown" in p.message
    fixed = text.replace("      - type: an-mpq-65", "      - type: an-mpq-65\n        reference_range_km: 150")
    sc = validate_text(fixed, "u.yaml", catalog=cat)
    assert sc.sites[0].sensors[0].reference_range_km == 150


def test_zero_length_legs_are_reported() -> None:
    text = textwrap.dedent("""\
name: legs
sites:
  - {name: s1, lat_deg: 37.0, lon_deg: 35.3}
assets:
  - {name: a1, lat_deg: 37.0, lon_deg: 35.4}
raids:
  - name: r
    threat: cruise-subsonic
    launch: {lat_deg: 36.0, lon_deg: 35.4}
    target: a1
    route:
      - {lat_deg: 36.0, lon_deg: 35.4}
""")
    with pytest.raises(ScenarioError) as exc:
        validate_text(text, "legs.yaml")
    (p,) = exc.value.problems
    assert p.key_path == "raids[0].route[0]" and p.line == 12 and "at least 1 km" in p.message


def test_sector_radar_without_boresight_is_an_error() -> None:
    """A sector radar must say where it points: file:line error, no default drawn from the raids."""
    text = GOOD.format(radar="an-mpq-65").replace("        boresight_az_deg: 180\n", "")
    with pytest.raises(ScenarioError) as exc:
        validate_text(text, "u.yaml", catalog=load_catalog())
    (p,) = exc.value.problems
    assert p.line == 8 and "boresight_az_deg" in p.message and "sites[0].sensors[0]" in str(p)
    # a full-circle radar needs none
    validate_text(GOOD.format(radar="91n6e").replace("        boresight_az_deg: 180\n", ""), "u.yaml", catalog=load_catalog())


def test_sector_radar_without_boresight_cli_and_code(tmp_path) -> None:
    """`iadsim validate` exits 2 with file:line; a Scenario built in code gets a clear InputError."""
    from typer.testing import CliRunner

    from iadsim.cli import app
    from iadsim.engine.world import compile_world

    text = GOOD.format(radar="92n6e").replace("        boresight_az_deg: 180\n", "")
    f = tmp_path / "s.yaml"
    f.write_text(text)
    r = CliRunner().invoke(app, ["validate", str(f)])
    assert r.exit_code == 2 and f"{f}:8" in r.output and "boresight_az_deg" in r.output and "Traceback" not in r.output
    sc = validate_text(GOOD.format(radar="92n6e"), "ok.yaml")
    data = sc.model_dump()
    data["sites"][0]["sensors"][0]["boresight_az_deg"] = None
    with pytest.raises(InputError, match="boresight_az_deg"):
        compile_world(type(sc).model_validate(data))
