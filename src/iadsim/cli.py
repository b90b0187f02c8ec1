"""Command-line interface: ``iadsim run | validate | scenarios | catalog | schema | coverage | site``.

User errors (bad scenario, unknown name, unreadable file) print one clear message and exit with
code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from iadsim.cli_errors import err, user_errors
from iadsim.errors import IadsimError

app = typer.Typer(
    name="iadsim",
    help=(
        "Simulate and analyse integrated air and missile defence over the real Earth.\n\n"
        "All system and threat parameters are NOTIONAL, taken from public sources with a source "
        "and a confidence grade for every value (see `iadsim catalog`).\n\n"
        "Start with `iadsim run` (the bundled turkey-2017 scenario), then `iadsim scenarios`, "
        "`iadsim catalog` and `iadsim validate my.yaml`."
    ),
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode="rich",
)
out = Console(width=None if sys.stdout.isatty() else 120)

DEFAULT_SCENARIO = "turkey-2017"


def _fmt_usd(x: float | None) -> str:
    if x is None:
        return "n/a"
    if abs(x) >= 1e9:
        return f"${x / 1e9:.2f} bn"
    if abs(x) >= 1e6:
        return f"${x / 1e6:.1f} M"
    return f"${x:,.0f}"


def print_summary(summary: dict, console: Console = out) -> None:
    """Render a run summary as rich tables."""
    thr = summary["threats"]
    t = Table(title=f"Threats — {summary['scenario']}", title_justify="left")
    for c in ("threat", "class", "launched", "destroyed", "leaked", "in flight at end"):
        t.add_column(c, justify="right" if c not in ("threat", "class") else "left")
    for r in thr["by_type"]:
        t.add_row(r["threat"], r["class"], str(r["launched"]), str(r["destroyed"]), str(r["leaked"]), str(r["in_flight_at_end"]))
    t.add_row("[b]total[/]", "", str(thr["launched"]), str(thr["destroyed"]), str(thr["leaked"]),
              str(thr["launched"] - thr["destroyed"] - thr["leaked"]))  # fmt: skip
    console.print(t)
    f = Table(title="Fire units", title_justify="left")
    for c in ("fire unit", "system", "fired", "kills", "remaining", "by interceptor"):
        f.add_column(c, justify="right" if c in ("fired", "kills", "remaining") else "left")
    for r in summary["fire_units"]:
        f.add_row(r["fire_unit"], r["system"], str(r["interceptors_fired"]), str(r["kills"]), str(r["remaining"]),
                  ", ".join(f"{k}: {v}" for k, v in r["by_type"].items()) or "-")  # fmt: skip
    console.print(f)
    a = Table(title="Defended assets", title_justify="left")
    for c in ("asset", "value", "leakers", "destroyed", "value lost"):
        a.add_column(c, justify="left" if c == "asset" else "right")
    for r in summary["assets"]["by_asset"]:
        a.add_row(r["asset"], f"{r['value']:g}", str(r["leakers"]), "yes" if r["destroyed"] else "no", f"{r['value_lost']:g}")
    console.print(a)
    c = summary["cost"]
    tr = summary["tracking"]
    console.print(
        f"Value lost: [b]{summary['assets']['value_lost']:g}[/] of {summary['assets']['total_value']:g}.  "
        f"Interceptors fired: {c['interceptors_fired']} costing {_fmt_usd(c['interceptor_cost_usd'])}"
        + (f" (+{c['interceptors_without_public_cost']} without a public cost)" if c["interceptors_without_public_cost"] else "")
        + f"; threat value destroyed: {_fmt_usd(c['threat_cost_destroyed_usd'])}"
        + (f", exchange ratio {c['exchange_ratio']:.2f}" if c["exchange_ratio"] is not None else "")
        + "."
    )
    ttf = tr["mean_time_launch_to_first_track_s"]
    console.print(
        f"Tracking ({tr['association']}): {tr['detections']} detections, {tr['tracks_confirmed']} tracks confirmed, "
        f"{tr['threats_ever_tracked']}/{thr['total']} threats tracked"
        + (f", mean launch→first track {ttf:.0f} s" if ttf is not None else "")
        + (f"; {tr['false_alarms']} false alarms, {tr['false_tracks_confirmed']} false tracks confirmed" if tr["false_alarms"] else "")
        + "."
    )
    g = tr.get("gospa")
    if g:
        console.print(
            f"Track picture: mean GOSPA {g['mean_m']:.0f} m (c = {g['cutoff_m']:g} m; localisation {g['mean_localisation_m']:.0f}, "
            f"missed {g['mean_missed_m']:.0f}, false {g['mean_false_m']:.0f}) over {g['samples']} site samples; "
            f"{100 * (g['missed_target_fraction'] or 0):.0f} % of covered threats untracked, {100 * (g['false_track_fraction'] or 0):.0f} % of tracks unmatched."
        )
    console.print("[dim]Notional data from public sources — not engineering values.[/]")


@app.command()
def run(
    scenario: str = typer.Argument(DEFAULT_SCENARIO, help="Scenario file, or the name of a bundled scenario (see `iadsim scenarios`)."),
    seed: Optional[int] = typer.Option(None, "--seed", "-s", help="Run seed (default: the scenario's `seed`). Same scenario + seed ⇒ identical events."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Results directory (default: results/<scenario>-seed<seed>). Replaced atomically."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON instead of tables."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    association: Optional[str] = typer.Option(None, "--association", help="Override the scenario's data association: truth (perfect), gnn or jpda."),
    clutter: Optional[float] = typer.Option(None, "--clutter", min=0.0, help="Override the mean false alarms per radar scan (Poisson, in each radar's search volume)."),
) -> None:
    """Run a scenario: simulate the raid, print a summary, write the results directory.

    The directory holds events.parquet (every event: the source of truth), track_quality.parquet,
    summary.json and manifest.json. Query the events with DuckDB (installed with iadsim), in Python:

    import duckdb; duckdb.sql("SELECT kind, count(*) FROM 'results/turkey-2017-seed2017/events.parquet' GROUP BY kind").show()
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from iadsim.engine.run import simulate
    from iadsim.scenario.load import load_scenario

    with user_errors():
        sc = load_scenario(scenario)
        if association is not None or clutter is not None:
            sc = _override_tracking(sc, association, clutter)
        run_seed = sc.seed if seed is None else seed
        if run_seed < 0:
            raise IadsimError(f"--seed must be >= 0 (got {run_seed})")
        show = not quiet and not json_out and err.is_terminal
        with Progress(TextColumn("[bold]simulating[/] {task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} s"),
                      TimeElapsedColumn(), console=err, transient=True, disable=not show) as prog:  # fmt: skip
            task = prog.add_task(sc.name, total=sc.duration_s)
            dt = sc.time_step_s
            res = simulate(sc, run_seed, progress=lambda k, n: prog.update(task, completed=round(k * dt, 3)))
        target = out_dir or Path("results") / f"{sc.name}-seed{run_seed}"
        path = res.write(target)
    if json_out:
        typer.echo(json.dumps(res.summary, indent=2))
        return
    print_summary(res.summary)
    out.print(f"Engine time {res.engine_wall_s:.2f} s for {sc.duration_s:g} simulated s; {res.events.num_rows} events.")
    out.print(f"Results: [b]{path}[/]  (events.parquet, track_states.parquet, track_quality.parquet, summary.json, manifest.json)")


def _override_tracking(sc, association: Optional[str], clutter: Optional[float]):  # noqa: ANN001, ANN202
    """The scenario with its association and/or clutter replaced (validated again)."""
    from pydantic import ValidationError

    choices = ("truth", "gnn", "jpda")
    if association is not None and association not in choices:
        raise IadsimError(f"--association must be one of {', '.join(choices)} (got {association!r})")
    data = sc.model_dump()
    if association is not None:
        data["fidelity"]["association"] = association
    if clutter is not None:
        data["tracking"]["clutter_per_scan"] = clutter
    try:
        return type(sc).model_validate(data)
    except ValidationError as exc:  # pragma: no cover - both values are checked above
        raise IadsimError(str(exc)) from None


@app.command()
def validate(
    scenario: str = typer.Argument(..., help="Scenario file (or bundled scenario name) to check."),
) -> None:
    """Check a scenario file and report every problem at once as file:line:col: key: message (exit 2 on any)."""
    from iadsim.scenario.load import load_scenario

    with user_errors():
        sc = load_scenario(scenario)
    n = sum(r.count for r in sc.raids)
    out.print(f"[green]ok[/]: {sc.name} — {len(sc.sites)} sites, {len(sc.assets)} assets, {len(sc.raids)} raids ({n} threats), {sc.duration_s:g} s at {sc.time_step_s:g} s")


@app.command()
def scenarios() -> None:
    """List the bundled scenarios (run one with `iadsim run NAME`)."""
    from iadsim.scenario.load import bundled_scenarios, load_scenario

    t = Table(title="Bundled scenarios", title_justify="left")
    t.add_column("name")
    t.add_column("description")
    with user_errors():
        for name, path in bundled_scenarios().items():
            sc = load_scenario(path)
            t.add_row(name, sc.description.strip().split("\n")[0])
    out.print(t)


@app.command()
def catalog(
    action: str = typer.Argument("list", help="`list` (default) or `show`."),
    entry: Optional[str] = typer.Argument(None, help="Entry id for `show`, e.g. s400, 48n6e3, pac-3, scud-b."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """The notional catalogue: systems, radars, interceptors and threats, with source and confidence for every value.

    `iadsim catalog` lists entries; `iadsim catalog show s400` prints one entry in full.
    """
    from iadsim.scenario.catalog import load_catalog

    with user_errors():
        cat = load_catalog()
        if action == "list":
            if json_out:
                listing: dict[str, dict[str, object]] = {}
                for e in cat.entries():
                    listing.setdefault(e.kind, {})[e.id] = e.fields.get("name")
                typer.echo(json.dumps(listing, indent=2))
                return
            t = Table(title="Notional catalogue (public sources; confidence A official, B press, C secondary)", title_justify="left")
            for c in ("kind", "id", "name", "values", "unknown (null)", "confidence"):
                t.add_column(c)
            for e in cat.entries():
                sv = [v for v in _sourced_values(e)]
                known = [v for v in sv if v.value is not None]
                conf = sorted({v.confidence for v in known if v.confidence})
                t.add_row(e.kind, e.id, str(e.fields.get("name", "")), str(len(known)), str(len(sv) - len(known)), "/".join(conf) or "-")
            out.print(t)
            out.print("[dim]`iadsim catalog show ID` for every value with its source.[/]")
        elif action == "show":
            if not entry:
                raise IadsimError("`iadsim catalog show` needs an entry id, e.g. `iadsim catalog show s400`")
            e = cat.find(entry)
            if json_out:
                typer.echo(json.dumps(e.as_dict(), indent=2, default=str))
                return
            _print_entry(e)
        else:
            raise IadsimError(f"unknown catalog action {action!r}: use `list` or `show ID`")


def _sourced_values(e):  # noqa: ANN001, ANN202
    from iadsim.scenario.catalog import SourcedValue

    for v in e.fields.values():
        if isinstance(v, SourcedValue):
            yield v
        elif isinstance(v, dict):
            for x in v.values():
                if isinstance(x, SourcedValue):
                    yield x


def _print_entry(e) -> None:  # noqa: ANN001
    from iadsim.scenario.catalog import SourcedValue

    t = Table(title=f"{e.kind} {e.id}: {e.fields.get('name', '')}", title_justify="left", show_lines=True)
    for c in ("field", "value", "conf.", "source / assumption"):
        t.add_column(c, overflow="fold")

    def row(name: str, v: SourcedValue) -> None:
        val = "unknown (null)" if v.value is None else f"{v.value:g}"
        src = "; ".join(v.source) if v.source else ""
        if v.assumption:
            src = (src + "\n" if src else "") + f"assumption: {v.assumption}"
        if v.note:
            src += f"\nnote: {v.note}"
        if v.alternatives:
            src += "\nalternatives: " + "; ".join(f"{a.value:g} ({a.confidence or '-'})" if a.value is not None else "null" for a in v.alternatives)
        t.add_row(name, val, v.confidence or "-", src)

    for k, v in e.fields.items():
        if isinstance(v, SourcedValue):
            row(k, v)
        elif isinstance(v, dict) and v and all(isinstance(x, SourcedValue) for x in v.values()):
            for kk, vv in v.items():
                row(f"{k}.{kk}", vv)
        else:
            t.add_row(k, "unknown (null)" if v is None else str(v), "", "")
    out.print(t)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editors): `iadsim schema > scenario.schema.json`."""
    from iadsim.scenario.load import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


def _register_optional() -> None:
    try:
        from iadsim.analysis import cli as analysis_cli
    except ImportError:  # pragma: no cover - the analysis commands are optional during development
        return
    if hasattr(analysis_cli, "register"):
        analysis_cli.register(app)
    from iadsim.campaign import cli as campaign_cli

    campaign_cli.register(app)


_register_optional()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
