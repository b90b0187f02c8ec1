"""Progress feedback for long phases (set-up, simulation, coverage, siting solve).

On a terminal: a rich progress line with a spinner and the elapsed time, refreshed by rich's own
thread, so a phase without progress callbacks (the HiGHS solve) still shows that it is alive.
Not on a terminal (a log file, CI, a pipe): one plain line on stderr when a phase starts, one every
``interval_s`` seconds while it runs (from a background thread) and one when it ends. The
interval is 10 s by default, or ``$IADSIM_PROGRESS_S``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console

__all__ = ["Feedback", "Phase"]


def _interval() -> float:
    try:
        v = float(os.environ.get("IADSIM_PROGRESS_S", "10"))
    except ValueError:
        v = 10.0
    return v if v > 0 else 10.0


class Phase:
    """Handle of a running phase: ``update(completed, total=None, label=None)``."""

    def __init__(self, label: str, total: float | None, unit: str) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.completed = 0.0
        self.t0 = time.monotonic()
        self._prog: Any = None
        self._task: Any = None

    def update(self, completed: float, total: float | None = None, label: str | None = None) -> None:
        self.completed = float(completed)
        if total is not None:
            self.total = total
        if label is not None:
            self.label = label
        if self._prog is not None:
            self._prog.update(self._task, completed=self.completed, total=self.total, description=self.label, count=self.count())

    def count(self) -> str:
        if not self.total:
            return ""
        return f"{self.completed:g}/{self.total:g}" + (f" {self.unit}" if self.unit else "")

    def line(self) -> str:
        el = time.monotonic() - self.t0
        if self.total:
            pct = 100.0 * self.completed / self.total
            return f"{self.label}: {self.completed:g}/{self.total:g}{(' ' + self.unit) if self.unit else ''} ({pct:.0f} %), {el:.0f} s elapsed"
        return f"{self.label}: {el:.0f} s elapsed"


class Feedback:
    """Progress of long phases on ``console`` (stderr); silent when ``enabled`` is false."""

    def __init__(self, console: Console, enabled: bool = True, interval_s: float | None = None) -> None:
        self.console = console
        self.enabled = enabled
        self.interval_s = interval_s if interval_s is not None else _interval()

    @contextmanager
    def phase(self, label: str, total: float | None = None, unit: str = "") -> Iterator[Phase]:
        ph = Phase(label, total, unit)
        if not self.enabled:
            yield ph
            return
        if self.console.is_terminal:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            cols = [SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                    TextColumn("{task.fields[count]}"),
                    TimeElapsedColumn()]  # fmt: skip
            with Progress(*cols, console=self.console, transient=True) as prog:
                ph._prog, ph._task = prog, prog.add_task(label, total=total, count=ph.count())
                yield ph
            return
        stop = threading.Event()
        self.console.print(f"{label} ...", highlight=False, markup=False, soft_wrap=True)

        def beat() -> None:
            while not stop.wait(self.interval_s):
                self.console.print(ph.line(), highlight=False, markup=False, soft_wrap=True)

        th = threading.Thread(target=beat, name="iadsim-progress", daemon=True)
        th.start()
        ok = False
        try:
            yield ph
            ok = True
        finally:
            stop.set()
            th.join(timeout=1.0)
            if ok:
                self.console.print(f"{ph.label}: done in {time.monotonic() - ph.t0:.1f} s", highlight=False, markup=False, soft_wrap=True)
