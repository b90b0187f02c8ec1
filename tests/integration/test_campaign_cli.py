"""The campaign CLI end to end: bad input (one clear error, exit 2, nothing written) and a run
killed with SIGKILL midway then resumed = exactly the replications of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from iadsim.campaign import store

CAMP = """\
name: kill-test
base: adana-patriot-small
seed: 5
replications: {reps}
chunk_size: 1
overrides: {{duration_s: 300}}
variants:
  - name: a
  - name: b
    set: {{sites.adana-patriot.fire_units.0.doctrine: salvo}}
"""


def iadsim(*args: str, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "iadsim", *args], capture_output=True, text=True, env=env, timeout=300, **kw)


def _file(tmp: Path, reps: int = 4, body: str | None = None) -> Path:
    p = tmp / "camp.yaml"
    p.write_text(body if body is not None else CAMP.format(reps=reps))
    return p


def _one_error(r: subprocess.CompletedProcess, *needles: str) -> None:
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    for n in needles:
        assert n in r.stderr, r.stderr


def test_bad_inputs_exit_2_nothing_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    bad_path = _file(tmp_path, body=CAMP.format(reps=2).replace("fire_units.0.doctrine", "fire_units.3.doctrine"))
    _one_error(iadsim("campaign", str(bad_path), "--out", str(out)), "camp.yaml:10:", "index 3 out of range")
    _one_error(iadsim("campaign", str(_file(tmp_path, reps=0)), "--out", str(out)), "camp.yaml:4:", "replications")
    empty = CAMP.format(reps=2) + "sweeps:\n  - {path: raids.cruise.count, values: []}\n"
    _one_error(iadsim("campaign", str(_file(tmp_path, body=empty)), "--out", str(out)), "sweeps[0].values")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    _one_error(iadsim("campaign", str(_file(tmp_path, reps=1)), "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{port}"),
               "cannot reach the Dask scheduler")  # fmt: skip
    _one_error(iadsim("campaign", str(_file(tmp_path, reps=1)), "--out", str(out), "--until-ci", "leaked"), "METRIC=HALF_WIDTH")
    _one_error(iadsim("campaign", "no-such-campaign", "--out", str(out)), "no campaign file or bundled campaign")
    assert not out.exists()


def test_different_campaign_on_existing_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = iadsim("campaign", str(_file(tmp_path, reps=1)), "--out", str(out), "--workers", "1", "--no-report")
    assert r.returncode == 0, r.stderr
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    other = _file(tmp_path, body=CAMP.format(reps=1).replace("seed: 5", "seed: 6"))
    _one_error(iadsim("campaign", str(other), "--out", str(out)), "holds a different campaign")
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def _rows(out: Path) -> dict:
    t = store.read_rows(out)
    return {c: t[c].to_numpy(zero_copy_only=False) for c in t.column_names}


def test_sigkill_midway_then_resume_equals_uninterrupted(tmp_path: Path) -> None:
    camp = _file(tmp_path, reps=5)
    ref = tmp_path / "ref"
    assert iadsim("campaign", str(camp), "--out", str(ref), "--workers", "2", "--no-report").returncode == 0
    out = tmp_path / "killed"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "iadsim", "campaign", str(camp), "--out", str(out), "--workers", "2", "--no-report"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)  # fmt: skip
    deadline = time.time() + 120
    while time.time() < deadline:
        parts = list(out.glob("summary/variant=*/part-*.parquet"))
        if len(parts) >= 3:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its workers, mid-run
    proc.wait()
    n_before = len(list(out.glob("summary/variant=*/part-*.parquet")))
    assert 3 <= n_before < 10, "the kill must land midway"
    r = iadsim("campaign", str(camp), "--out", str(out), "--workers", "2", "--no-report")
    assert r.returncode == 0, r.stderr
    assert f"{10 - n_before} replications run, {n_before} already stored" in r.stderr
    a, b = _rows(ref), _rows(out)
    assert list(zip(a["variant"], a["rep"])) == [(v, i) for v in "ab" for i in range(5)]
    assert a.keys() == b.keys()
    for k in a:
        if a[k].dtype.kind == "f":
            assert np.array_equal(a[k], b[k], equal_nan=True), k
        else:
            assert list(a[k]) == list(b[k]), k
    assert not list(out.rglob(".iadsim-tmp-*"))


def test_sensitivity_cli_dry_run_and_bad_input(tmp_path: Path) -> None:
    r = iadsim("sensitivity", str(Path(__file__).resolve().parents[2] / "docs" / "campaigns" / "adana-sensitivity.yaml"), "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "run budget: morris, 48 design points x 4 replications" in r.stdout and "= 192" in r.stdout
    bad = tmp_path / "s.yaml"
    bad.write_text("name: s\nbase: adana-patriot-small\nparameters:\n  - path: sites.nowhere.alt_m\n")
    _one_error(iadsim("sensitivity", str(bad), "--dry-run"), "s.yaml:4:", "no item named 'nowhere'")
    _one_error(iadsim("sensitivity", str(bad), "--method", "magic"), "--method must be")


def test_report_of_a_non_campaign_directory(tmp_path: Path) -> None:
    _one_error(iadsim("campaign", "report", str(tmp_path)), "not a campaign output directory")
    assert list(tmp_path.iterdir()) == []
