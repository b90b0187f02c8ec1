"""``iadsim run A --compare B``: same seed, difference table B → A (issue 9 item 8), via typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from iadsim.cli import app

SITE = """\
  - name: {name}
    lat_deg: 37.0
    lon_deg: {lon}
    sensors:
      - type: an-mpq-65
        boresight_az_deg: 180
    fire_units:
{units}"""

BASE = """\
name: {name}
duration_s: 900
seed: 5
sites:
{sites}
assets:
  - {{name: base, lat_deg: 36.9, lon_deg: 35.3}}
raids:
  - name: r
    threat: fighter-4gen
    count: 6
    launch: {{lat_deg: 35.6, lon_deg: 35.3}}
    spacing_s: 20
    target: base
"""


def write(tmp: Path) -> tuple[Path, Path]:
    # A: one site, two units (they distribute fire); B: the same two units on two standalone sites
    a = BASE.format(name="one-site", sites=SITE.format(name="s", lon=35.3, units="      - {type: patriot, name: p1}\n      - {type: patriot, name: p2}"))
    b = BASE.format(name="two-sites", sites=SITE.format(name="s1", lon=35.3, units="      - {type: patriot, name: p1}") + "\n"
                    + SITE.format(name="s2", lon=35.301, units="      - {type: patriot, name: p2}"))  # fmt: skip
    pa, pb = tmp / "a.yaml", tmp / "b.yaml"
    pa.write_text(a)
    pb.write_text(b)
    return pa, pb


def test_compare_prints_the_difference_and_writes_only_a(tmp_path: Path) -> None:
    pa, pb = write(tmp_path)
    out = tmp_path / "res"
    r = CliRunner().invoke(app, ["run", str(pa), "--compare", str(pb), "-o", str(out), "-q", "--seed", "11"])
    assert r.exit_code == 0, r.output
    for label in ("Difference two-sites → one-site (seed 11", "leakers", "value lost", "rounds expended", "rounds cost",
                  "reaction time, mean", "double engagements", "fratricides"):  # fmt: skip
        assert label in r.output
    assert json.loads((out / "summary.json").read_text())["scenario"] == "one-site"
    assert not (tmp_path / "results").exists()  # B is not written anywhere


def test_compare_json_has_both_runs_and_the_difference(tmp_path: Path) -> None:
    pa, pb = write(tmp_path)
    r = CliRunner().invoke(app, ["run", str(pa), "--compare", str(pb), "-o", str(tmp_path / "res"), "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["run"]["scenario"] == "one-site" and d["compare"]["scenario"] == "two-sites" and d["seed"] == 5
    rows = {row["metric"]: row for row in d["difference"]}
    de = rows["double engagements"]
    assert de["a"] == d["run"]["c2"]["double_engagements"] == 0
    assert de["b"] == d["compare"]["c2"]["double_engagements"] > 0  # standalone sites double-engage
    assert de["change"] == de["a"] - de["b"]


def test_compare_with_a_bad_variant_is_a_clean_error(tmp_path: Path) -> None:
    pa, _ = write(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsites: []\n")
    out = tmp_path / "res"
    r = CliRunner().invoke(app, ["run", str(pa), "--compare", str(bad), "-o", str(out)])
    assert r.exit_code == 2
    assert "bad.yaml" in r.output and "Traceback" not in r.output
    assert not out.exists()  # nothing written
