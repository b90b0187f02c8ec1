"""SIGINT and SIGKILL during `run`, `coverage` and `site` leave the complete previous result or the
complete new one at --out: never a mixture, never a half-written directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SMALL = "adana-patriot-small"
COMMANDS = {
    "run": ["run", SMALL, "-q", "--seed", "5"],
    "coverage": ["coverage", SMALL, "--altitude-m", "100,1000,10000", "--resolution-km", "25"],
    "site": ["site", SMALL, "--system", "patriot", "--k", "2", "--resolution-km", "40", "--n-candidates", "40",
             "--time-limit-s", "5"],
}  # fmt: skip


def _start(args: list[str], out: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", IADSIM_PROGRESS_S="0.2")
    return subprocess.Popen([sys.executable, "-m", "iadsim", *args, "--out", str(out)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _files(d: Path) -> set[str]:
    return {str(p.relative_to(d)) for p in d.rglob("*")}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_signals_leave_old_or_new_result(command: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    t0 = time.monotonic()
    p = _start(COMMANDS[command], out)
    _, errb = p.communicate(timeout=300)
    wall = time.monotonic() - t0
    assert p.returncode == 0, errb.decode()
    complete = _files(out)
    assert "manifest.json" in complete and len(complete) >= 2
    for sig, frac in ((signal.SIGINT, 0.6), (signal.SIGKILL, 0.9)):
        (out / "old.flag").write_text("previous result")
        p = _start(COMMANDS[command], out)
        time.sleep(wall * frac)
        p.send_signal(sig)
        _, errb = p.communicate(timeout=300)
        now = _files(out)
        if "old.flag" in now:  # interrupted in time: the previous result, complete and untouched
            assert now == complete | {"old.flag"}, (sig, frac, now ^ complete)
        else:  # finished before the signal: the new result, complete
            assert now == complete, (sig, frac, now ^ complete)
        if p.returncode == 130:  # SIGINT caught by the CLI: one line, no traceback, no temp dir left
            assert b"Traceback" not in errb and b"interrupted" in errb
            assert sorted(x.name for x in tmp_path.iterdir()) == ["out"]
        # after SIGKILL a hidden temporary directory may remain beside out; the next write removes
        # it (test_atomic_output.py::test_stale_temporary_directories_are_removed)
