"""``iadsim campaign FILE|NAME --out DIR``, ``iadsim campaign report DIR``, ``iadsim sensitivity FILE``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from iadsim.cli_errors import user_errors
from iadsim.errors import InputError


def _console() -> Console:
    return Console(width=None if sys.stdout.isatty() else 160)


def campaign(
    target: str = typer.Argument(..., help="Campaign file or bundled campaign name; or `report` followed by DIR"),
    report_dir: Optional[Path] = typer.Argument(None, help="With `report`: the campaign's --out directory"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output directory (a rerun on it resumes)"),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Local worker processes (default: all cores)"),
    replications: Optional[int] = typer.Option(None, "--replications", "-n", help="Override the file's replications"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address tcp://HOST:PORT (default: local pool)"),
    until_ci: Optional[str] = typer.Option(None, "--until-ci", help="METRIC=HALF_WIDTH: add replications until every 95 % CI is this tight"),
    max_replications: int = typer.Option(100_000, "--max-replications", help="Upper limit for --until-ci"),
    no_report: bool = typer.Option(False, "--no-report", help="Do not print the summary table at the end"),
) -> None:
    """Run a Monte Carlo campaign of paired replications (same seeds in every variant), or report one.

    [b]iadsim campaign FILE|NAME --out DIR[/b] runs (or resumes) it into DIR: hive-partitioned
    Parquet `DIR/summary/variant=*/part-*.parquet`, `DIR/campaign.json`.
    [b]iadsim campaign report DIR[/b] prints mean ± 95 % CI per variant and paired differences,
    and writes `DIR/report/` (CSV, distribution, forest and cost-frontier PNGs).
    """
    from iadsim.campaign import report as rep

    with user_errors():
        if target == "report":
            if report_dir is None:
                raise InputError("usage: iadsim campaign report DIR")
            for opt, val in (("--out", out), ("--workers", workers), ("--replications", replications),
                             ("--scheduler", scheduler), ("--until-ci", until_ci)):  # fmt: skip
                if val is not None:
                    raise InputError(f"{opt} does not apply to `campaign report`")
            res = rep.compute(report_dir)
            rep.print_tables(res, _console())
            dest, files = rep.write_report(report_dir, res)
            _console().print(f"wrote {dest}/: {', '.join(files)}")
            return
        if report_dir is not None:
            raise InputError(f"unexpected argument {str(report_dir)!r} (the output directory goes in --out)")
        if out is None:
            raise InputError("--out DIR is required (where the campaign's results go)")
        from iadsim.campaign.executors import make_executor
        from iadsim.campaign.runner import parse_until_ci, run_campaign
        from iadsim.campaign.spec import load_campaign

        ci = parse_until_ci(until_ci) if until_ci is not None else None
        if workers is not None and workers < 1:
            raise InputError(f"--workers must be at least 1 (got {workers})")
        camp = load_campaign(target)
        if replications is not None:
            camp = camp.with_replications(replications)
        from iadsim.campaign import store

        store.check_out_dir(out, camp)  # refuse before starting any worker
        with make_executor(workers, scheduler, compile_notice=True) as ex:
            n_runs = camp.replications * len(camp.variants)
            print(f"campaign {camp.name}: {len(camp.variants)} variants x {camp.replications} replications = "
                  f"{n_runs} runs on {ex.name} ({ex.workers} workers) -> {out}", file=sys.stderr)  # fmt: skip
            r = run_campaign(camp, out, ex, until_ci=ci, max_replications=max_replications)
        print(f"done: {r.run} replications run, {r.skipped} already stored, {r.wall_s:.1f} s", file=sys.stderr)
        if not no_report:
            rep.print_tables(rep.compute(out), _console())


def sensitivity(
    file: Path = typer.Argument(..., help="Sensitivity file (YAML)"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write sensitivity.json/.csv/.png here"),
    method: Optional[str] = typer.Option(None, "--method", help="morris | sobol | auto (default: the file's)"),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="Local worker processes (default: all cores)"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address tcp://HOST:PORT"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the parameters, ranges and run budget, run nothing"),
) -> None:
    """Global sensitivity (SALib Morris screening, or Sobol indices) of leakage and value lost to
    uncertain catalogue/scenario values; ranges default from the catalogue confidence grades."""
    from rich.table import Table

    from iadsim.campaign import sensitivity as sa

    with user_errors():
        if method is not None and method not in ("morris", "sobol", "auto"):
            raise InputError(f"--method must be morris, sobol or auto (got {method!r})")
        study = sa.load_study(file, method=method)
        if out is not None and out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "sensitivity.json").is_file())):
            raise InputError(f"--out {out} exists and is not an (empty or sensitivity) directory")
        con = _console()
        t = Table(title=f"{study.spec.name}: parameters", title_justify="left")
        for c in ("parameter", "low", "high", "range basis"):
            t.add_column(c)
        for p in study.params:
            t.add_row(p.name, f"{p.lo:.4g}", f"{p.hi:.4g}", p.basis)
        con.print(t)
        pts, runs = study.budget()
        con.print(f"run budget: {study.method}, {pts} design points x {study.spec.replications} replications "
                  f"(same seeds at every point) = [b]{runs}[/] simulation runs")  # fmt: skip
        if dry_run:
            return
        from iadsim.campaign.executors import make_executor
        from iadsim.campaign.runner import Progress

        prog = Progress(runs)
        with make_executor(workers, scheduler) as ex:
            model = sa.scenario_model(study, ex, on_runs=prog.advance)
            res = sa.analyse(study.method, study.problem, model, trajectories=study.spec.trajectories,
                             levels=study.spec.levels, samples=study.spec.samples, seed=study.spec.seed,
                             outputs=list(study.spec.outputs))  # fmt: skip
        prog.close()
        key = "mu_star" if study.method == "morris" else "ST"
        for o, items in sa.ranked(res["indices"], study.method).items():
            r = Table(title=f"{o}: ranked by {key}", title_justify="left")
            cols = list(items[0][1].keys())
            r.add_column("rank", justify="right")
            r.add_column("parameter")
            for c in cols:
                r.add_column(c, justify="right")
            for i, (n, d) in enumerate(items, 1):
                r.add_row(str(i), n, *[f"{d[c]:.4g}" for c in cols])
            con.print(r)
        if out is not None:
            files = sa.write_outputs(out, study, res)
            con.print(f"wrote {out}/: {', '.join(files)}")


def register(app: typer.Typer) -> None:
    """Add the campaign commands to the main CLI."""
    app.command("campaign")(campaign)
    app.command("sensitivity")(sensitivity)
