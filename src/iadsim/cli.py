"""Command-line interface: ``iadsim run | validate | scenarios | catalog | schema | warmup | coverage | site | report | serve | export``.

User errors (bad scenario, unknown name, unreadable file) print one clear message and exit with
code 2, never a traceback.
"""

from __future__ import annotations

import json
import math
import sys
import contextlib
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

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


def _cost_line(c: dict[str, Any]) -> str:
    """Exchange ratio and value protected, costed items only, with the uncosted counts beside."""
    ex = c["exchange_ratio"]
    excl = []
    if c["exchange_excluded_interceptors"]:
        excl.append(f"{c['exchange_excluded_interceptors']} interceptors")
    if c["exchange_excluded_threats_destroyed"]:
        excl.append(f"{c['exchange_excluded_threats_destroyed']} kills")
    line = ("Cost exchange (costed items only): "
            + (f"{ex:.2f} = {_fmt_usd(c['exchange_costed_threat_value_destroyed_usd'])} destroyed / "
               f"{_fmt_usd(c['exchange_costed_interceptor_cost_usd'])} fired" if ex is not None else "n/a")
            + (f"; left out for a missing cost: {', '.join(excl)}" if excl else ""))  # fmt: skip
    ub = c["value_protected_per_interceptor_usd_upper_bound"]
    if ub is not None:
        exact = c["value_protected_per_interceptor_usd"] is not None
        per_m = ub * 1e6  # asset value units per $1 M of interceptors
        line += (f".  Value protected {c['value_protected']:g} = {per_m:.3g} per $1 M of interceptors"
                 if exact else
                 f".  Value protected {c['value_protected']:g} ≤ {per_m:.3g} per $1 M of interceptors "
                 f"(upper bound: {c['interceptors_without_public_cost']} rounds without a public cost)")  # fmt: skip
    return line + "."


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
        + (f" (+{c['threats_destroyed_without_public_cost']} without a public cost)" if c["threats_destroyed_without_public_cost"] else "")
        + "."
    )
    console.print(_cost_line(c))
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
    c2 = summary.get("c2")
    if c2:
        rt = c2["reaction_time_s"]
        console.print(
            f"C2 (assignment {c2.get('assignment', '?')}): {c2['leakers']} leakers, value lost {c2['value_lost']:g}; "
            f"{c2['rounds_expended']} rounds"
            + (f" costing {_fmt_usd(c2['rounds_cost_usd'])}" if c2["rounds_cost_usd"] is not None else "")
            + (f" (+{c2['rounds_without_public_cost']} without a public cost)" if c2["rounds_without_public_cost"] else "")
            + (f"; reaction time detection→launch mean {rt['mean']:.0f} s, median {rt['median']:.0f} s over {rt['threats']} threats"
               if rt["mean"] is not None else "")
            + f"; {c2['double_engagements']} double engagements, {c2['engagements_on_remote_tracks']} on remote tracks; "
            f"{c2['fratricides']} fratricides, {c2['friendlies_engaged']} friendlies engaged, "
            f"{c2['unknowns_never_identified']} unknowns never identified."
        )
    console.print("[dim]Notional data from public sources — not engineering values.[/]")


def _fmt_metric(v: float | None, unit: str, signed: bool = False) -> str:
    if v is None:
        return "n/a"
    if unit == "usd":
        return ("+" if signed and v > 0 else "") + _fmt_usd(v)
    txt = f"{v:+.1f}" if signed and unit == "s" else (f"{v:.1f}" if unit == "s" else f"{v:+g}" if signed else f"{v:g}")
    return txt + (" s" if unit == "s" else "")


def print_difference(rows: list[dict[str, Any]], name_a: str, name_b: str, seed: int, console: Console = out) -> None:
    """The table of differences B → A (:func:`iadsim.results.compare.difference`)."""
    t = Table(title=f"Difference {name_b} → {name_a} (seed {seed}; change = A − B)", title_justify="left")
    for c in ("metric", f"B: {name_b}", f"A: {name_a}", "change"):
        t.add_column(c, justify="left" if c == "metric" else "right")
    for r in rows:
        t.add_row(r["metric"], _fmt_metric(r["b"], r["unit"]), _fmt_metric(r["a"], r["unit"]),
                  _fmt_metric(r["change"], r["unit"], signed=True))  # fmt: skip
    console.print(t)


def default_result_dir(sc, seed: int, root: Path = Path("results")) -> Path:  # noqa: ANN001
    """``results/<name>-seed<seed>-<association>[-clutter<c>]``: what makes the run different.

    The scenario name is sanitised (:func:`iadsim.results.atomic.sanitize_name`), so the directory
    always sits directly inside ``root``.
    """
    from iadsim.results.atomic import sanitize_name

    parts = [sanitize_name(sc.name), f"seed{seed}", sc.fidelity.association]
    if sc.tracking.clutter_per_scan > 0:
        parts.append(f"clutter{sc.tracking.clutter_per_scan:g}".replace(".", "p"))
    return root / "-".join(parts)


@app.command()
def run(
    scenario: str = typer.Argument(DEFAULT_SCENARIO, help="Scenario file, or the name of a bundled scenario (see `iadsim scenarios`)."),
    seed: Optional[int] = typer.Option(None, "--seed", "-s", help="Run seed (default: the scenario's `seed`). Same scenario + seed ⇒ identical events."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Results directory (default: one in results/ named after the scenario, seed and association, e.g. turkey-2017-seed2017-gnn, with -clutter<c> added under --clutter). Replaced atomically, and only if it holds a previous iadsim result."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Allow --out to replace a non-empty directory that is not an iadsim result (everything in it is deleted)."),
    strict: bool = typer.Option(False, "--strict", help="Treat scenario warnings as errors (exit 2)."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON instead of tables (no progress output)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output and no warnings."),
    association: Optional[str] = typer.Option(None, "--association", help="Override the scenario's data association: truth (perfect), gnn or jpda."),
    clutter: Optional[float] = typer.Option(None, "--clutter", min=0.0, help="Override the mean false alarms per radar scan (Poisson, in each radar's search volume)."),
    compare: Optional[str] = typer.Option(None, "--compare", help="Also run variant B (file or bundled name) with the same seed and the same --association/--clutter overrides, and print the difference B → A (leakers, value lost, rounds, cost, reaction time, double engagements, fratricides, ...). Only A's results are written; B is run in memory (its summary is in the JSON output under `compare`)."),
) -> None:
    """Run a scenario: simulate the raid, print a summary, write the results directory.

    The directory holds events.parquet (every event: the source of truth), track_quality.parquet,
    track_states.parquet, summary.json, manifest.json, the entity tables (threats, sites, radars,
    fire_units, assets, interceptors .parquet) and truth.parquet. Query them with DuckDB
    (installed with iadsim), in Python:

    import duckdb; duckdb.sql("SELECT kind, count(*) FROM 'results/turkey-2017-seed2017-gnn/events.parquet' GROUP BY kind").show()
    """
    from iadsim.engine.run import simulate
    from iadsim.feedback import Feedback
    from iadsim.results.atomic import prepare_output
    from iadsim.results.store import write_run
    from iadsim.scenario.load import load_scenario_document
    from iadsim.scenario.warnings import print_warnings, raise_if_strict, scenario_warnings

    with user_errors():
        if clutter is not None and not math.isfinite(clutter):
            raise IadsimError(f"--clutter must be a finite number (got {clutter})")
        sc, root, file = load_scenario_document(scenario)
        warns = scenario_warnings(sc, root, file)
        raise_if_strict(warns, strict)
        if association is not None or clutter is not None:
            sc = _override_tracking(sc, association, clutter)
        run_seed = sc.seed if seed is None else seed
        if run_seed < 0:
            raise IadsimError(f"--seed must be >= 0 (got {run_seed})")
        sc_b = None
        if compare is not None:  # B is validated before anything runs
            sc_b, root_b, file_b = load_scenario_document(compare)
            warns_b = scenario_warnings(sc_b, root_b, file_b)
            raise_if_strict(warns_b, strict)
            warns = list(warns) + list(warns_b)
            if association is not None or clutter is not None:
                sc_b = _override_tracking(sc_b, association, clutter)
        target = out_dir if out_dir is not None else default_result_dir(sc, run_seed)
        prepare_output(target, overwrite=overwrite)  # refuse a bad target before minutes of work
        if not quiet:
            print_warnings(warns, err)
        fb = Feedback(err, enabled=not quiet and not json_out)
        dt = sc.time_step_s
        with fb.phase(f"setting up {sc.name}") as ph:

            def on_tick(k: int, n: int) -> None:
                if k == 1:
                    ph.update(0, total=sc.duration_s, label=f"simulating {sc.name}")
                ph.update(round(k * dt, 3))

            ph.unit = "s"
            if not quiet:  # one line on stderr if numba has to compile (a cold cache), never otherwise
                from iadsim.jit import install_compile_notice

                install_compile_notice()
            res = simulate(sc, run_seed, progress=on_tick)
        res_b = None
        if sc_b is not None:
            with fb.phase(f"setting up {sc_b.name}") as ph_b:
                dt_b = sc_b.time_step_s

                def on_tick_b(k: int, n: int) -> None:
                    if k == 1:
                        ph_b.update(0, total=sc_b.duration_s, label=f"simulating {sc_b.name} (compare)")
                    ph_b.update(round(k * dt_b, 3))

                ph_b.unit = "s"
                res_b = simulate(sc_b, run_seed, progress=on_tick_b)
        path = write_run(res, target, overwrite=overwrite)
    from iadsim.results.compare import difference

    diff = difference(res.summary, res_b.summary) if res_b is not None else None
    if json_out:
        if res_b is None:
            typer.echo(json.dumps(res.summary, indent=2))
        else:
            typer.echo(json.dumps({"run": res.summary, "compare": res_b.summary, "seed": run_seed, "difference": diff}, indent=2))
        return
    print_summary(res.summary)
    if res_b is not None and diff is not None:
        print_difference(diff, sc.name, sc_b.name if sc_b is not None else "B", run_seed)
    out.print(f"Engine time {res.engine_wall_s:.2f} s for {sc.duration_s:g} simulated s; {res.events.num_rows} events.")
    out.print(f"Results: [b]{path}[/]  (events, track_states, track_quality, truth and entity tables .parquet; summary.json, manifest.json)", highlight=False)
    out.print(f"See it: iadsim report {path} · iadsim serve {path} · iadsim export {path} --format czml|kml|geojson|acmi", highlight=False)


@app.command()
def warmup(
    scenarios: Optional[list[str]] = typer.Argument(None, help="Scenario files or bundled names to run once each (default: a built-in set covering every WTA solver and data association)."),
    check: bool = typer.Option(False, "--check", help="Only report the cache state of the compiled kernels; exit 1 if any has nothing cached."),
    duration: float = typer.Option(600.0, "--duration", min=1.0, help="Simulated seconds of each built-in warm-up run."),
) -> None:
    """Compile the engine's numba kernels now and cache them on disk (otherwise the first run after an install does it, and `iadsim run` / `iadsim campaign` say so on stderr while it compiles).

    Kernels are found by scanning the engine's modules for numba dispatchers with cache=True. The built-in warm-up runs the small bundled Adana scenario once per weapon–target assignment solver and data association, then turkey-2017 and turkey-2017-integrated (networks); a kernel none of these runs uses is compiled on its first use (listed at the end).

    The cache lives beside the sources (__pycache__) or in NUMBA_CACHE_DIR. `iadsim warmup --check` only reports it (exit 1 when a kernel has nothing cached).
    """
    from iadsim import jit

    with user_errors():
        if check:
            st = jit.cache_status()
        else:
            err.print(jit.NOTICE)
            st = jit.warm_up(scenarios or None, duration_s=duration, log=lambda t: err.print(f"  running {t}"))
        cold = [k.name for k in st if not k.is_cached]
        dirs = sorted({k.cache_dir for k in st})
        out.print(f"{len(st)} compiled kernels, {len(st) - len(cold)} cached ({', '.join(dirs) or 'no cache directory'})", highlight=False)
        if cold:
            out.print(("not cached: " if check else "not used by the warm-up runs (compiled on first use): ") + ", ".join(cold), highlight=False)
    if check and cold:
        raise typer.Exit(1)


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
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors (exit 2)."),
) -> None:
    """Check a scenario file and report every problem at once as file:line:col: key: message (exit 2 on any).

    Also prints warnings for scenarios that validate but cannot mean what they say (threats that
    cannot reach their target before the end, launches after the end, sector radars facing away
    from every raid, a time step too coarse, a very large scenario); exit 0 unless --strict.
    """
    from iadsim.scenario.load import load_scenario_document
    from iadsim.scenario.warnings import print_warnings, raise_if_strict, scenario_warnings

    with user_errors():
        sc, root, file = load_scenario_document(scenario)
        warns = scenario_warnings(sc, root, file)
        raise_if_strict(warns, strict)
    print_warnings(warns, err)
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


def _register_report() -> None:
    from iadsim.report import cli as report_cli  # report, serve, export

    report_cli.register(app)


_register_optional()
_register_report()


def _one_line_paragraphs(text: str) -> str:
    """``text`` with each paragraph's hard line breaks joined: in typer's rich mode a docstring's
    single newlines are kept, which prints ragged lines at any terminal width but the source's.
    Paragraphs (blank-line separated) stay apart; a paragraph with an indented line is kept as
    written (a block the source laid out)."""
    paras = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(p if any(ln.startswith((" ", "\t")) for ln in p.splitlines()) else " ".join(p.split("\n"))
                       for p in paras)  # fmt: skip


def _tidy_help(typer_app: typer.Typer) -> None:
    """Every command's help from its docstring (or ``help=``) with paragraphs on one line each."""
    for info in typer_app.registered_commands:
        doc = info.help if info.help is not None else inspect.getdoc(info.callback) if info.callback else None
        if doc:
            info.help = _one_line_paragraphs(doc)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _tidy_help(group.typer_instance)


def _flags_without_type() -> None:
    """A flag's help row shows no value type: typer ≥ 0.2x prints ``<bool>`` beside ``--json`` as
    if the flag took a value. Kept for options that name a metavar or take a value."""
    from typer import core

    shown = getattr(core.TyperOption, "display_type_rich", None)
    if shown is None or getattr(shown, "_iadsim_flags", False):
        return

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if self.is_flag and self.metavar is None:
            return None
        return shown(self, ctx)

    display_type_rich._iadsim_flags = True  # type: ignore[attr-defined]
    core.TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_tidy_help(app)
_flags_without_type()


def _version(value: bool) -> None:
    if value:
        import iadsim

        typer.echo(f"iadsim {iadsim.__version__}")
        raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the iadsim version and exit."),
) -> None:
    """Simulate and analyse integrated air and missile defence over the real Earth."""
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


def main() -> None:
    """Console-script entry point: every failure is one message (see :mod:`iadsim.cli_errors`)."""
    with user_errors_or_exit():
        app(standalone_mode=True)


@contextlib.contextmanager
def user_errors_or_exit() -> Iterator[None]:
    """:func:`user_errors` outside typer: its ``typer.Exit`` becomes the process exit code."""
    try:
        with user_errors():
            yield
    except typer.Exit as exc:
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    main()
