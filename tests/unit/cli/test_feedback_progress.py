"""Progress feedback: periodic plain lines when not on a terminal, also for phases without callbacks."""

from __future__ import annotations

import io
import time

from rich.console import Console
from typer.testing import CliRunner

from iadsim.cli import app
from iadsim.feedback import Feedback


def _console() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=False, width=200), buf


def test_plain_lines_while_a_silent_phase_runs() -> None:
    """A phase that never reports (the HiGHS solve) still prints elapsed time every interval."""
    con, buf = _console()
    fb = Feedback(con, enabled=True, interval_s=0.05)
    with fb.phase("exact MILP solve (HiGHS)"):
        time.sleep(0.3)
    lines = buf.getvalue().splitlines()
    assert lines[0] == "exact MILP solve (HiGHS) ..."
    beats = [ln for ln in lines if ln.startswith("exact MILP solve (HiGHS):") and "elapsed" in ln]
    assert len(beats) >= 2
    assert lines[-1].startswith("exact MILP solve (HiGHS): done in")


def test_progress_counts_in_plain_lines() -> None:
    con, buf = _console()
    fb = Feedback(con, enabled=True, interval_s=0.05)
    with fb.phase("simulating x", total=100, unit="s") as ph:
        ph.update(40)
        time.sleep(0.15)
    assert "simulating x: 40/100 s (40 %)" in buf.getvalue()


def test_disabled_is_silent() -> None:
    con, buf = _console()
    with Feedback(con, enabled=False, interval_s=0.01).phase("x", total=1) as ph:
        ph.update(1)
        time.sleep(0.05)
    assert buf.getvalue() == ""


def test_run_reports_set_up_and_simulation_without_a_terminal(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("IADSIM_PROGRESS_S", "0.05")
    r = CliRunner().invoke(app, ["run", "adana-patriot-small", "--out", str(tmp_path / "r")])
    assert r.exit_code == 0, r.output
    assert "setting up adana-patriot-small ..." in r.output
    assert "simulating adana-patriot-small: done in" in r.output
