"""Run a campaign: plan missing replications, send chunks to an executor, store them, progress.

Paired design (common random numbers): replication ``r`` of *every* variant runs with seed
``iadsim.rng.replication_seeds(campaign.seed, n)[r]``, and that list's ``r``-th element does not
depend on ``n`` (SeedSequence children), so adding replications later (``--replications``,
``--until-ci``) keeps the earlier ones. What stays aligned inside a run when a variant adds or
removes entities is set by the engine's random streams (``iadsim.rng``; see docs/campaigns.md).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from iadsim.campaign import store
from iadsim.campaign.executors import Chunk, Executor
from iadsim.campaign.spec import Campaign
from iadsim.campaign.stats import estimate, paired_difference
from iadsim.errors import InputError
from iadsim.rng import replication_seeds


@dataclass
class RunReport:
    """What a call to :func:`run_campaign` did."""

    out: Path
    planned: int
    run: int
    skipped: int
    wall_s: float
    replications: int


def plan_chunks(campaign: Campaign, out: Path, n: int, workers: int) -> tuple[list[Chunk], int]:
    """Chunks of the replications < n not yet stored, and the number already stored."""
    seeds = replication_seeds(campaign.seed, n)
    chunks: list[Chunk] = []
    skipped = 0
    for v in campaign.variants:
        done = store.done_reps(out, v.name)
        todo = [r for r in range(n) if r not in done]
        skipped += n - len(todo)
        if not todo:
            continue
        size = campaign.chunk_size or max(1, min(200, math.ceil(len(todo) / (4 * max(1, workers)))))
        js = v.scenario.model_dump_json()
        for i in range(0, len(todo), size):
            reps = tuple(todo[i : i + size])
            chunks.append(Chunk(
                variant=v.name, scenario_json=js, scenario_sha256=v.scenario_sha256, reps=reps,
                seeds=tuple(seeds[r] for r in reps),
                events_for=tuple(r for r in reps if r < campaign.events_sample),
            ))  # fmt: skip
    return chunks, skipped


class Progress:
    """A rich progress bar on a terminal; plain periodic lines otherwise (done, rate, ETA)."""

    def __init__(self, total: int, stream: TextIO | None = None, every_s: float = 5.0, quiet: bool = False) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.every_s = every_s
        self.quiet = quiet
        self.t0 = time.perf_counter()
        self.last = self.t0
        self._bar: Any = None
        self._task: Any = None
        if not quiet and getattr(self.stream, "isatty", lambda: False)():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as RP, TextColumn, TimeRemainingColumn

            self._bar = RP(TextColumn("replications"), BarColumn(), MofNCompleteColumn(),
                           TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                           console=Console(file=self.stream), transient=False)  # fmt: skip
            self._bar.start()
            self._task = self._bar.add_task("run", total=total, rate="")

    def line(self) -> str:
        el = time.perf_counter() - self.t0
        rate = self.done / el * 60 if el > 0 else 0.0
        eta = (self.total - self.done) / (self.done / el) if self.done and el > 0 else math.nan
        eta_s = f"{eta:.0f} s" if math.isfinite(eta) else "?"
        return f"{self.done}/{self.total} replications, {rate:.1f}/min, ETA {eta_s}"

    def add_total(self, k: int) -> None:
        self.total += k
        if self._bar is not None:
            self._bar.update(self._task, total=self.total)

    def advance(self, k: int) -> None:
        self.done += k
        if self.quiet:
            return
        if self._bar is not None:
            el = time.perf_counter() - self.t0
            self._bar.update(self._task, advance=k, rate=f"{self.done / el * 60:.1f}/min" if el > 0 else "")
            return
        now = time.perf_counter()
        if now - self.last >= self.every_s or self.done >= self.total:
            self.last = now
            print(self.line(), file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _execute(campaign: Campaign, out: Path, executor: Executor, n: int, progress: Progress | None,
             on_progress: Callable[[int], None] | None) -> tuple[int, int]:  # fmt: skip
    chunks, skipped = plan_chunks(campaign, out, n, executor.workers)
    total = sum(len(c.reps) for c in chunks)
    if progress is not None:
        progress.add_total(total)
    ran = 0
    for res in executor.map_unordered(chunks):
        for rep, ev in res.events.items():
            store.write_events(out, res.variant, rep, ev)
        store.write_chunk(out, res.variant, res.rows)
        ran += len(res.rows)
        if progress is not None:
            progress.advance(len(res.rows))
        if on_progress is not None:
            on_progress(len(res.rows))
    return ran, skipped


def parse_until_ci(text: str) -> tuple[str, float]:
    """``METRIC=HALF_WIDTH`` → (metric, half-width > 0)."""
    if "=" not in text:
        raise InputError(f"--until-ci must be METRIC=HALF_WIDTH, e.g. threats.leaked=0.5 (got {text!r})")
    m, _, hw = text.rpartition("=")
    try:
        h = float(hw)
    except ValueError:
        raise InputError(f"--until-ci half-width must be a number (got {hw!r})") from None
    if not (h > 0 and math.isfinite(h)) or not m:
        raise InputError(f"--until-ci needs a metric and a positive half-width (got {text!r})")
    return m, h


def ci_status(out: Path, campaign: Campaign, metric: str) -> dict[str, float]:
    """Largest CI half-width of ``metric`` over variants and paired differences, per name."""
    rows = store.read_rows(out, [v.name for v in campaign.variants])
    if rows.num_rows and metric not in rows.column_names:
        metrics = [c for c in rows.column_names if c not in ("variant", "rep", "seed")]
        import difflib

        close = difflib.get_close_matches(metric, metrics, n=3)
        raise InputError(f"--until-ci: unknown metric {metric!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
    var = np.array(rows["variant"].to_pylist())
    rep = rows["rep"].to_numpy()
    x = rows[metric].to_numpy() if rows.num_rows else np.zeros(0)
    out_hw: dict[str, float] = {}
    bm = var == campaign.baseline
    for v in campaign.variants:
        m = var == v.name
        out_hw[v.name] = estimate(x[m]).half_width
        if v.name != campaign.baseline:
            out_hw[f"{v.name} - {campaign.baseline}"] = paired_difference(x[m], rep[m], x[bm], rep[bm]).half_width
    return out_hw


def run_campaign(
    campaign: Campaign,
    out: str | Path,
    executor: Executor,
    *,
    catalog: Any = None,
    until_ci: tuple[str, float] | None = None,
    max_replications: int = 100_000,
    stream: TextIO | None = None,
    quiet: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> RunReport:
    """Run (or resume) ``campaign`` into ``out``.

    ``until_ci=(metric, h)``: after the first ``campaign.replications``, keep doubling the count
    (the new replications only) until every variant's and every paired difference's 95 % CI
    half-width of ``metric`` is at most ``h``, or ``max_replications`` is reached.
    """
    from iadsim.scenario.catalog import load_catalog

    out = Path(out)
    resuming = store.check_out_dir(out, campaign)
    store.init_out_dir(out, campaign, catalog or load_catalog(), resuming)
    t0 = time.perf_counter()
    prog = Progress(0, stream=stream, quiet=quiet)
    n = campaign.replications
    try:
        ran, skipped = _execute(campaign, out, executor, n, prog, on_progress)
        if until_ci is not None:
            metric, h = until_ci
            while True:
                hw = ci_status(out, campaign, metric)
                worst = max((v for v in hw.values() if math.isfinite(v)), default=math.inf)
                if any(not math.isfinite(v) for v in hw.values()):
                    worst = math.inf
                if worst <= h or n >= max_replications:
                    if not quiet:
                        state = "reached" if worst <= h else f"NOT reached (stopped at {max_replications} replications)"
                        print(f"--until-ci {metric}={h:g}: {state}; widest 95 % CI half-width {worst:.4g} at n = {n}",
                              file=stream or sys.stderr)  # fmt: skip
                    break
                n = min(max_replications, 2 * n)
                store.set_requested(out, n)
                r2, _ = _execute(campaign, out, executor, n, prog, on_progress)
                ran += r2
    finally:
        prog.close()
    return RunReport(out=out, planned=ran + skipped, run=ran, skipped=skipped,
                     wall_s=time.perf_counter() - t0, replications=n)  # fmt: skip
