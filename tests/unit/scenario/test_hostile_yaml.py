"""Hostile scenario files: every one is a clean ScenarioError / InputError with file:line, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from iadsim.cli import app
from iadsim.errors import InputError, ScenarioError
from iadsim.scenario.load import MAX_DEPTH, MAX_THREATS, load_scenario, validate_text

GOOD = """\
name: ok
duration_s: 60
sites:
  - name: s1
    lat_deg: 37.0
    lon_deg: 35.3
    sensors: [{type: an-mpq-65, boresight_az_deg: 180}]
    fire_units: [{type: patriot}]
assets:
  - {name: a1, lat_deg: 37.0, lon_deg: 35.4}
raids:
  - {name: r1, threat: cruise-subsonic, count: 2, launch: {lat_deg: 36.0, lon_deg: 35.3}, target: a1}
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as ei:
        validate_text(text, "t.yaml")
    return [str(p) for p in ei.value.problems]


def test_good_scenario_validates() -> None:
    assert validate_text(GOOD, "t.yaml").name == "ok"


def test_deep_flow_nesting() -> None:
    (p,) = _problems("name: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested too deeply" in p


def test_deep_block_nesting() -> None:
    text = "name: x\n" + "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * (MAX_DEPTH + 5) + "v: 1\n"
    ps = _problems(text)
    assert any("nested too deeply" in p for p in ps)


def test_alias_bomb() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    ps = _problems("\n".join(lines) + "\nname: x\n")
    assert len(ps) == 1 and "alias" in ps[0]


def test_recursive_alias_is_not_a_crash() -> None:
    ps = _problems("name: &a [*a]\n" + GOOD.split("\n", 1)[1])
    assert any("name" in p for p in ps)


def test_control_characters() -> None:
    (p,) = _problems('name: "a\x01b"\n')
    assert "malformed YAML" in p and "t.yaml" in p


def test_complex_key() -> None:
    ps = _problems(GOOD + "? [a, b]\n: 1\n")
    assert any("keys must be plain names" in p and "t.yaml:13" in p for p in ps), ps


def test_key_with_brackets_is_an_unknown_key() -> None:
    ps = _problems(GOOD + '"sites[0]": 1\n')
    assert ps == ["t.yaml:13:1: sites[0]: unknown key 'sites[0]' (did you mean 'sites'?)"]


def test_huge_integers() -> None:
    ps = _problems(GOOD.replace("duration_s: 60", "duration_s: 60\nseed: " + "9" * 400))
    assert any("seed: integer too large" in p and "t.yaml:3:" in p for p in ps), ps
    ps = _problems(GOOD.replace("lat_deg: 36.0", "lat_deg: " + "9" * 400))
    assert any("integer too large" in p for p in ps), ps


def test_top_level_list_and_scalar() -> None:
    assert "got a list" in _problems("- a\n- b\n")[0]
    assert "got a string" in _problems("hello\n")[0]


def test_list_where_a_name_is_expected() -> None:
    ps = _problems(GOOD.replace("name: ok", "name: [a, b]"))
    assert any("t.yaml:1:" in p and "name" in p and "valid string" in p for p in ps), ps


def test_non_finite_kept_beside_structural_errors() -> None:
    text = GOOD.replace("duration_s: 60", "duration_s: .nan\ncolour: blue").replace("lat_deg: 36.0", "lat_deg: .inf")
    ps = _problems(text)
    assert any("duration_s: must be a finite number (got nan)" in p for p in ps), ps
    assert any("lat_deg: must be a finite number (got inf)" in p for p in ps), ps
    assert any("unknown key 'colour'" in p for p in ps), ps
    assert not any("less than or equal" in p and "nan" in p for p in ps), ps  # reported once


def test_total_threat_and_tick_caps() -> None:
    text = GOOD.replace("count: 2", f"count: {MAX_THREATS}") + "  - {name: r2, threat: cruise-subsonic, count: 5, launch: {lat_deg: 36.0, lon_deg: 35.3}, target: a1}\n"
    ps = _problems(text)
    assert any("threats in all raids together" in p for p in ps), ps
    ps = _problems(GOOD.replace("duration_s: 60", "duration_s: 600000\ntime_step_s: 0.0001"))
    assert any("ticks; the limit is" in p for p in ps), ps


def test_directory_is_a_directory(tmp_path: Path) -> None:
    d = tmp_path / "scen.yaml"
    d.mkdir()
    with pytest.raises(InputError, match="is a directory"):
        load_scenario(d)


def test_not_utf8(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(InputError, match="not UTF-8"):
        load_scenario(f)


@pytest.mark.parametrize("text", [
    "name: " + "[" * 5000 + "]" * 5000 + "\n",
    "? [a, b]\n: 1\n",
    '"a[0]": 1\n',
    "- 1\n",
    'name: "\x07"\n',
])  # fmt: skip
def test_cli_validate_never_a_traceback(text: str, tmp_path: Path) -> None:
    f = tmp_path / "x.yaml"
    f.write_text(text)
    r = CliRunner().invoke(app, ["validate", str(f)])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and r.output.startswith("error:")


def test_friendly_flight_zero_length_leg() -> None:
    """Found by the fuzzer: a repeated friendly waypoint validated, then the route mover refused it."""
    text = GOOD + """friendly_flights:
  - name: cap
    type: fighter-4gen
    route:
      - {lat_deg: 37.0, lon_deg: 35.43}
      - {lat_deg: 37.4, lon_deg: 36.6}
      - {lat_deg: 37.4, lon_deg: 36.6}
"""
    ps = _problems(text)
    assert ps == ["t.yaml:19:9: friendly_flights[0].route[2]: waypoint is 0 m from the previous one (friendly_flights[0].route[1]); legs must be at least 1 km long"], ps


def test_huge_launch_radius() -> None:
    """Found by the fuzzer: radius_km 1e308 validated, then the launch points were not finite."""
    ps = _problems(GOOD.replace("launch: {lat_deg: 36.0, lon_deg: 35.3}", "launch: {lat_deg: 36.0, lon_deg: 35.3, radius_km: 1e308}"))
    assert len(ps) == 1 and "raids[0].launch.radius_km: a launch disc must fit on a hemisphere" in ps[0], ps
    assert validate_text(GOOD.replace("lon_deg: 35.3}, target", "lon_deg: 35.3, radius_km: 10000}, target"), "t.yaml")
