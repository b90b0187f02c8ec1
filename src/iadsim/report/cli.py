"""``iadsim report | serve | export``: see the raid (HTML report, offline replay viewer, exports)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from iadsim.cli_errors import err, user_errors
from iadsim.errors import IadsimError


def report(
    results_dir: Path = typer.Argument(..., help="A results directory written by `iadsim run`, or a campaign's --out directory."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="HTML file to write (default: RESULTS_DIR/report.html). Written atomically."),
) -> None:
    """Write one self-contained HTML report of a run or a campaign (no network needed to view it).

    Summary with the notional-data caveat, a map (sites, assets, coverage rings, threat tracks
    coloured by outcome, intercept points), the run's tables, charts (engagements per fire unit,
    magazine depletion, leakers and value lost over time, miss reasons) and the manifest.
    A campaign directory (from `iadsim campaign`) gets the campaign report instead: manifest,
    mean / sd / 95 % CI per variant and metric, paired differences (forest plot), distributions,
    cost frontier when costs are stated, convergence, and how to re-simulate a replication.
    """
    from iadsim.report.html import write_report

    with user_errors():
        path = write_report(results_dir, out)
    typer.echo(f"report: {path} ({path.stat().st_size / 1e6:.2f} MB)")


def serve(
    results_dir: Path = typer.Argument(..., help="A results directory written by `iadsim run`."),
    port: int = typer.Option(8765, "--port", "-p", min=0, max=65535, help="TCP port (0: any free port)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind. Default 127.0.0.1 (this machine only); anything else exposes the run to your network."),
) -> None:
    """Replay a run in the browser: a local, read-only, offline viewer (MapLibre GL JS, bundled borders).

    Open the printed address. Time slider, play/pause and speed, threats and interceptors moving,
    tracks against truth, coverage toggles, an event log that follows the clock, click an entity
    for its history. Serves only its own files; Ctrl-C stops it.
    """
    from iadsim.report.serve import make_server

    with user_errors():
        try:
            srv = make_server(results_dir, host=host, port=port)
        except OSError as exc:
            raise IadsimError(f"cannot listen on {host}:{port}: {exc}") from None
    h, p = str(srv.server_address[0]), int(srv.server_address[1])
    typer.echo(f"iadsim viewer: http://{h}:{p}/  (Ctrl-C to stop)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"[yellow]warning:[/] listening on {host}: other machines can read this run")
    try:
        srv.serve_forever()
    except KeyboardInterrupt:  # pragma: no cover - interactive
        pass
    finally:
        srv.server_close()


def export(
    results_dir: Path = typer.Argument(..., help="A results directory written by `iadsim run`."),
    fmt: str = typer.Option(..., "--format", "-f", help="czml (Cesium), kml (Google Earth), geojson, or acmi (Tacview 2.2 text)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="File to write (default: RESULTS_DIR/<dir>.<format>). Written atomically."),
) -> None:
    """Export a run's sites, assets and true trajectories to CZML, KML (gx:Track), GeoJSON or Tacview ACMI."""
    from iadsim.report.export import export as do_export

    with user_errors():
        path = do_export(results_dir, fmt, out)
    typer.echo(f"{fmt}: {path} ({path.stat().st_size / 1e6:.2f} MB)")


def register(app: typer.Typer) -> None:
    """Add the commands to the main ``iadsim`` app."""
    app.command(name="report")(report)
    app.command(name="serve")(serve)
    app.command(name="export")(export)
