"""End-to-end runs: determinism, engagement outcomes, results on disk, DuckDB, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

import iadsim
from iadsim.cli import app
from iadsim.engine.events import EventKind, records

SMALL = "adana-patriot-small"


@pytest.fixture(scope="module")
def small_run():
    return iadsim.simulate(SMALL)


def tables_identical(a, b) -> bool:
    """Column-by-column equality, NaN equal to NaN (pyarrow's equals treats NaN as unequal)."""
    if a.schema != b.schema or a.num_rows != b.num_rows:
        return False
    for c in a.column_names:
        x, y = a[c].to_numpy(zero_copy_only=False), b[c].to_numpy(zero_copy_only=False)
        if not (np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else np.array_equal(x, y)):
            return False
    return True


def test_same_seed_identical_events(small_run) -> None:
    again = iadsim.simulate(SMALL)
    assert tables_identical(small_run.events, again.events)
    assert small_run.summary == again.summary


def test_other_seed_differs(small_run) -> None:
    other = iadsim.simulate(SMALL, seed=small_run.manifest["seed"] + 1)
    assert not tables_identical(small_run.events, other.events)


def test_events_sorted_and_consistent(small_run) -> None:
    ev = small_run.events
    t = ev["time_s"].to_numpy()
    prio = ev["priority"].to_numpy()
    seq = ev["seq"].to_numpy()
    key = np.lexsort((seq, prio, t))
    assert np.array_equal(key, np.arange(len(t)))
    kinds = set(ev["kind"].to_pylist())
    assert {"Launch_Threat", "Detection", "TrackInitiated", "TrackConfirmed", "Launch", "Intercept"} <= kinds
    # every threat ends at most once: intercepted or leaked, never both
    killed = pc.filter(ev["threat"], pc.equal(ev["kind"], "Intercept")).to_numpy()
    leaked = pc.filter(ev["threat"], pc.equal(ev["kind"], "Leak")).to_numpy()
    assert len(np.unique(killed)) == len(killed)
    assert not set(killed) & set(leaked)
    # shots: every launch is resolved once (intercept or miss) or still in flight at the end
    launched = pc.filter(ev["shot"], pc.equal(ev["kind"], "Launch")).to_numpy()
    resolved = pc.filter(ev["shot"], pc.is_in(ev["kind"], value_set=__import__("pyarrow").array(["Intercept", "Miss"]))).to_numpy()
    assert len(np.unique(resolved)) == len(resolved)
    assert set(resolved) <= set(launched)
    # records API
    recs = list(records(ev.slice(0, 50)))
    assert recs and all(r.time_s >= 0 for r in recs)
    assert type(recs[0]).__name__ in {k.name for k in EventKind}


def test_small_scenario_outcome_is_plausible(small_run) -> None:
    s = small_run.summary
    # a battery with a full magazine against 8 threats coming straight at it kills most of them
    assert s["threats"]["launched"] == 8
    assert s["threats"]["destroyed"] >= 5
    assert s["threats"]["destroyed"] + s["threats"]["leaked"] <= 8
    fu = s["fire_units"][0]
    assert fu["interceptors_fired"] >= s["threats"]["destroyed"]
    assert fu["remaining"] == 48 - fu["interceptors_fired"]
    assert s["tracking"]["threats_ever_tracked"] == 8


def test_no_defence_means_everything_leaks() -> None:
    sc = iadsim.load_scenario(SMALL)
    data = sc.model_dump()
    data["sites"][0]["fire_units"] = []
    undefended = type(sc).model_validate(data)
    res = iadsim.simulate(undefended)
    s = res.summary["threats"]
    assert s["destroyed"] == 0
    assert s["leaked"] == s["launched"] == 8


def test_track_covariances_symmetric_psd() -> None:
    from iadsim.engine import run as run_mod

    captured = {}
    orig = run_mod.TrackTable.step

    def spy(self, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        out = orig(self, *a, **k)
        rows = self.live_rows()
        if len(rows):
            captured["P"] = self.P[rows].copy()
        return out

    run_mod.TrackTable.step = spy
    try:
        iadsim.simulate(SMALL)
    finally:
        run_mod.TrackTable.step = orig
    P = captured["P"]
    assert np.allclose(P, np.swapaxes(P, 1, 2))
    assert (np.linalg.eigvalsh(P) > 0).all()


def test_write_and_query_with_duckdb(small_run, tmp_path: Path) -> None:
    out = small_run.write(tmp_path / "run")
    assert sorted(p.name for p in out.iterdir()) == [
        "assets.parquet", "events.parquet", "fire_units.parquet", "interceptors.parquet", "manifest.json", "radars.parquet",
        "sites.parquet", "summary.json", "threats.parquet", "track_quality.parquet", "track_states.parquet", "truth.parquet"]
    st = duckdb.connect().execute(f"SELECT count(*), max(pos_std_m), min(threat) FROM '{out}/track_states.parquet'").fetchone()
    assert st[0] > 0 and st[1] < 5000 and st[2] >= 0  # truth association: no false tracks
    man = json.loads((out / "manifest.json").read_text())
    assert man["seed"] == 7 and len(man["scenario_sha256"]) == 64 and man["iadsim_version"] == iadsim.__version__
    assert "patriot" in man["catalog_entries_used"]["systems"]
    assert man["catalog_entries_used"]["interceptors"]["pac-3"]["max_range_km"]["source"]
    n = duckdb.connect().execute(f"SELECT count(*) FROM '{out}/events.parquet' WHERE kind = 'Intercept'").fetchone()[0]
    assert n == small_run.summary["threats"]["destroyed"]
    # rewriting replaces atomically, leaving no temporary directories behind
    small_run.write(tmp_path / "run")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


runner = CliRunner()


def test_cli_run_writes_results(tmp_path: Path) -> None:
    r = runner.invoke(app, ["run", SMALL, "--seed", "3", "--out", str(tmp_path / "r")])
    assert r.exit_code == 0, r.output
    assert "Fire units" in r.output and "Results:" in r.output
    assert (tmp_path / "r" / "events.parquet").exists()


def test_cli_json_summary(tmp_path: Path) -> None:
    r = runner.invoke(app, ["run", SMALL, "--json", "--out", str(tmp_path / "r")])
    assert r.exit_code == 0
    assert json.loads(r.output)["threats"]["launched"] == 8


BAD = """\
name: bad
duration_s: 60
colour: blue
sites:
  - name: s1
    lat_deg: 95.0
    lon_deg: 35.3
    sensors:
      - type: an-mpq-65
        max_range_km: -5
      - type: no-such-radar
assets:
  - {name: a1, lat_deg: 37.0, lon_deg: 35.4}
raids:
  - name: r1
    threat: scud-b
    launch: {lat_deg: 36.0, lon_deg: 36.0}
    target: nowhere
"""


def test_cli_bad_scenario_exit_2_every_problem_nothing_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    out_dir = tmp_path / "out"
    for args in (["validate", str(bad)], ["run", str(bad), "--out", str(out_dir)]):
        r = runner.invoke(app, args)
        assert r.exit_code == 2, r.output
        text = r.output
        assert "Traceback" not in text
        for frag in (f"{bad}:3:1: colour: unknown key", f"{bad}:6:14: sites[0].lat_deg", f"{bad}:10:23: sites[0].sensors[0].max_range_km",
                     f"{bad}:11:15: sites[0].sensors[1].type: unknown catalogue radar", f"{bad}:18:13: raids[0].target: unknown asset"):  # fmt: skip
            assert frag in text, (frag, text)
    assert not out_dir.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_cli_malformed_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("name: x\nsites: [\n")
    r = runner.invoke(app, ["validate", str(bad)])
    assert r.exit_code == 2 and "malformed YAML" in r.output and f"{bad}:" in r.output
    r = runner.invoke(app, ["run", str(tmp_path / "nope.yaml")])
    assert r.exit_code == 2 and "not found" in r.output


def test_cli_catalog_schema_scenarios() -> None:
    r = runner.invoke(app, ["catalog"])
    assert r.exit_code == 0 and "s400" in r.output
    r = runner.invoke(app, ["catalog", "show", "s400"])
    assert r.exit_code == 0 and "reaction_time_s" in r.output
    r = runner.invoke(app, ["catalog", "show", "no-such-entry"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    r = runner.invoke(app, ["schema"])
    assert r.exit_code == 0 and json.loads(r.output)["title"] == "iadsim scenario"
    r = runner.invoke(app, ["scenarios"])
    assert r.exit_code == 0 and "turkey-2017" in r.output


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    env = dict(os.environ, COLUMNS="120")
    r = subprocess.run([sys.executable, "-m", "iadsim", "validate", "turkey-2017"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "ok: turkey-2017" in r.stdout


def test_import_has_no_side_effects() -> None:
    code = "import sys, iadsim; print(sorted(m for m in sys.modules if m.startswith('iadsim')))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "['iadsim']"


@pytest.mark.parametrize("association", ["gnn", "jpda"])
def test_gnn_jpda_with_clutter_track_and_engage(association: str) -> None:
    sc = iadsim.load_scenario(SMALL)
    data = sc.model_dump()
    data["fidelity"]["association"] = association
    data["tracking"]["clutter_per_scan"] = 3.0
    res = iadsim.simulate(type(sc).model_validate(data))
    tr = res.summary["tracking"]
    assert tr["association"] == association
    assert tr["false_alarms"] > 500  # ~3 per scan at a 1 s revisit for 900 s
    assert tr["threats_ever_tracked"] == 8
    # 3-of-4 confirmation keeps the picture clean. Measured over seeds 1-30 of this scenario (jpda,
    # 3 false alarms per scan, 900 s): 1.40 confirmed false tracks per run before the fire-control
    # model, 1.33 after (max 5; all started and confirmed by clutter alone, none engaged). Taking
    # the count as Poisson with mean 1.4, P(X > 6) < 0.3 %, so 6 bounds one run; 2-of-3
    # confirmation gives hundreds (docs/models.md, tracking), which this still catches.
    assert tr["false_tracks_confirmed"] <= 6
    g = tr["gospa"]
    assert g["samples"] > 0 and 0 <= g["mean_m"] <= 1000 * 2
    assert res.summary["threats"]["destroyed"] >= 5
    # false alarms are detections with threat = −1 and never become intercepts
    ev = res.events
    killed = pc.filter(ev["threat"], pc.equal(ev["kind"], "Intercept")).to_numpy()
    assert (killed >= 0).all()


def test_gnn_picture_close_to_truth_without_clutter() -> None:
    sc = iadsim.load_scenario(SMALL)
    truth = iadsim.simulate(sc).summary["tracking"]["gospa"]
    data = sc.model_dump()
    data["fidelity"]["association"] = "gnn"
    gnn = iadsim.simulate(type(sc).model_validate(data)).summary["tracking"]["gospa"]
    assert gnn["mean_m"] <= 1.25 * truth["mean_m"] + 10.0


def test_cli_association_override(tmp_path: Path) -> None:
    r = runner.invoke(app, ["run", SMALL, "--association", "gnn", "--clutter", "1", "--out", str(tmp_path / "g")])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())  # the console wraps long lines
    assert "Tracking (gnn)" in text and "false alarms" in text and "GOSPA" in text
    r = runner.invoke(app, ["run", SMALL, "--association", "nope"])
    assert r.exit_code == 2 and "--association" in r.output


def test_midcourse_updates_shrink_miss_distances() -> None:
    """With in-flight track updates the aim point follows manoeuvres; without, the launch PIP is kept."""
    sc = iadsim.load_scenario("turkey-2017")
    miss, kills = {}, {}
    for flag in (True, False):
        data = sc.model_dump()
        data["fidelity"]["midcourse_updates"] = flag
        # one round per look: salvo rounds at a track dropped in flight (issue 8 item 3) would
        # mix stale-track misses into what this test measures (the aim-point update)
        for site in data["sites"]:
            for fu in site["fire_units"]:
                fu["doctrine"] = "shoot-look-shoot"
        res = iadsim.simulate(type(sc).model_validate(data))
        ev = res.events
        m = pc.is_in(ev["kind"], value_set=__import__("pyarrow").array(["Intercept", "Miss"]))
        pk = pc.filter(ev["pk"], m).to_numpy()
        d = pc.filter(ev["range_m"], m).to_numpy()[pk > 0]  # shots that met a live target
        miss[flag] = (np.percentile(d, 25), np.median(d))
        kills[flag] = res.summary["threats"]["destroyed"]
    assert miss[True][0] < 0.5 * miss[False][0]
    assert miss[True][1] < miss[False][1]
    assert kills[True] > kills[False]


def test_fire_control_track_quality_doctrine_holds_fire() -> None:
    sc = iadsim.load_scenario(SMALL)
    data = sc.model_dump()
    data["sites"][0]["fire_units"][0]["min_handover_pk_fraction"] = 1.0  # no track is ever that good
    strict = iadsim.simulate(type(sc).model_validate(data)).summary
    assert strict["cost"]["interceptors_fired"] == 0 and strict["threats"]["destroyed"] == 0
    assert iadsim.simulate(sc).summary["cost"]["interceptors_fired"] > 0
