"""SIGINT and SIGKILL during `run`, `coverage` and `site` leave the complete previous result or the
complete new one at --out: never a mixture, never a half-written directory.

The signal is sent when the command's progress line (plain stderr lines, as without a terminal)
says it has reached a phase: in the middle of the work (the previous result must still be there,
untouched) and right after the last phase, while the results are being written (either result,
complete).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

SMALL = "adana-patriot-small"
COMMANDS = {
    # run: signalled while the world is set up, well before the end (the small scenario's
    # simulation can finish within one progress interval, so its first "simulating" line may be
    # the "done" one, after the work)
    "run": (["run", SMALL, "--seed", "5"], "setting up", "simulating adana-patriot-small: done"),
    "coverage": (["coverage", SMALL, "--altitude-m", "100,1000,10000", "--resolution-km", "25"],
                 "coverage ...", "writing coverage maps ..."),
    "site": (["site", SMALL, "--system", "patriot", "--boresight-deg", "180", "--k", "2", "--resolution-km", "40", "--n-candidates", "40",
              "--time-limit-s", "5"], "candidate coverage ...", "exact MILP solve (HiGHS, time limit 5 s): done"),
}  # fmt: skip


def _start(args: list[str], out: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", IADSIM_PROGRESS_S="0.05")
    return subprocess.Popen([sys.executable, "-m", "iadsim", *args, "--out", str(out)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip


def _signal_at(p: subprocess.Popen[bytes], marker: str, sig: int) -> tuple[bool, bytes]:
    """Send ``sig`` once a stderr line contains ``marker``; (whether it was sent in time, stderr)."""
    assert p.stderr is not None
    seen = b""
    for line in iter(p.stderr.readline, b""):
        seen += line
        if marker.encode() in line:
            p.send_signal(sig)
            rest = p.stderr.read()
            p.wait(timeout=300)
            return True, seen + rest
    p.wait(timeout=300)
    return False, seen


def _files(d: Path) -> set[str]:
    return {str(p.relative_to(d)) for p in d.rglob("*")}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_signals_leave_old_or_new_result(command: str, tmp_path: Path) -> None:
    args, mid, late = COMMANDS[command]
    out = tmp_path / "out"
    p = _start(args, out)
    _, errb = p.communicate(timeout=300)
    assert p.returncode == 0, errb.decode()
    complete = _files(out)
    assert "manifest.json" in complete and len(complete) >= 2
    # in the middle of the work: the previous result stays, complete and untouched
    for sig in (signal.SIGINT, signal.SIGKILL):
        (out / "old.flag").write_text("previous result")
        sent, errb = _signal_at(_start(args, out), mid, sig)
        assert sent, errb.decode()
        assert _files(out) == complete | {"old.flag"}, sig
        if sig == signal.SIGINT:  # caught by the CLI: one line, no traceback, no temporary directory left
            assert b"Traceback" not in errb and b"interrupted" in errb, errb.decode()
            assert sorted(x.name for x in tmp_path.iterdir()) == ["out"]
    # while the results are written: the previous or the new result, complete either way
    (out / "old.flag").write_text("previous result")
    sent, errb = _signal_at(_start(args, out), late, signal.SIGKILL)
    assert sent, errb.decode()
    now = _files(out)
    assert now in (complete | {"old.flag"}, complete), now ^ complete
    # a SIGKILL may leave a hidden temporary directory beside out; the next write removes it
    # (test_atomic_output.py::test_stale_temporary_directories_are_removed)
