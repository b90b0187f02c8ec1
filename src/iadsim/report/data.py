"""Read a written run directory into the plain data the report, viewer and exports share.

A run directory is what ``iadsim run`` writes (:func:`iadsim.results.store.write_run`):
``events.parquet``, ``summary.json``, ``manifest.json`` and the readable tables (entity tables,
``truth.parquet``). Everything here reads files only; it never imports the engine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from iadsim.errors import InputError

__all__ = ["RunData", "load_run", "OUTCOMES", "threat_outcomes", "paths_of"]

ENTITY_TABLES = ("threats", "sites", "radars", "fire_units", "assets", "interceptors")
#: Outcome of a threat, from its events (scoring; never an input to a decision).
OUTCOMES = ("destroyed", "leaked", "in_flight")


@dataclass
class RunData:
    """A run read back from disk.

    Attributes
    ----------
    path : the run directory.
    summary, manifest : the JSON files.
    events : events table (with ``lat_deg, lon_deg, alt_m``).
    tables : entity tables by name (``threats``, ``sites``, ...).
    truth : sampled true trajectories (``entity, id, time_s, ..., lat_deg, lon_deg, alt_m``).
    track_states : confirmed-track estimates, or None.
    """

    path: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    events: pa.Table
    tables: dict[str, pa.Table]
    truth: pa.Table
    track_states: pa.Table | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def epoch(self) -> datetime:
        """Scenario epoch (UTC): ``manifest['epoch_utc']`` when written, else 2017-07-25T00:00Z
        (the schema default)."""
        raw = self.manifest.get("epoch_utc") or self.summary.get("epoch_utc")
        if raw:
            try:
                return datetime.fromisoformat(str(raw).replace("Z", "+00:00")).astimezone(timezone.utc)
            except ValueError:
                pass
        return datetime(2017, 7, 25, tzinfo=timezone.utc)

    @property
    def duration_s(self) -> float:
        return float(self.manifest.get("duration_s") or 0.0) or float(
            max(np.nanmax(self.col(self.events, "time_s"), initial=0.0), np.nanmax(self.col(self.truth, "time_s"), initial=0.0))
        )

    def utc(self, t_s: float) -> datetime:
        return self.epoch + timedelta(seconds=float(t_s))

    @staticmethod
    def col(tbl: pa.Table, name: str) -> np.ndarray:
        return tbl.column(name).to_numpy(zero_copy_only=False)

    def names(self, table: str) -> list[str]:
        """Names of one entity table, in index order."""
        return [str(x) for x in self.tables[table].column("name").to_pylist()]


def _read_json(p: Path) -> dict[str, Any]:
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{p}: cannot read ({exc})") from None


def load_run(path: str | Path) -> RunData:
    """Read a run directory; a clear :class:`~iadsim.errors.InputError` if it is not one.

    Raises
    ------
    InputError
        Missing directory, missing files (e.g. written by an iadsim without the readable tables).
    """
    p = Path(path)
    if not p.is_dir():
        raise InputError(f"{p}: not a results directory (run `iadsim run SCENARIO --out {p}` first)")
    if (p / "campaign.json").exists() and not (p / "events.parquet").exists():
        raise InputError(f"{p}: a campaign directory: `iadsim report {p}` reports it; the viewer and exports take one run "
                         f"(re-simulate a replication from its seed, see the campaign report)")
    need = ["events.parquet", "summary.json", "manifest.json", "truth.parquet"] + [f"{t}.parquet" for t in ENTITY_TABLES]
    missing = [n for n in need if not (p / n).exists()]
    if missing:
        raise InputError(f"{p}: not a complete iadsim results directory (missing {', '.join(missing)}); re-run `iadsim run` to write it")
    try:
        events = pq.read_table(p / "events.parquet")
        tables = {t: pq.read_table(p / f"{t}.parquet") for t in ENTITY_TABLES}
        truth = pq.read_table(p / "truth.parquet")
        ts = pq.read_table(p / "track_states.parquet") if (p / "track_states.parquet").exists() else None
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"{p}: cannot read results ({exc})") from None
    return RunData(path=p, summary=_read_json(p / "summary.json"), manifest=_read_json(p / "manifest.json"),
                   events=events, tables=tables, truth=truth, track_states=ts)  # fmt: skip


def threat_outcomes(run: RunData) -> tuple[np.ndarray, np.ndarray]:
    """Outcome index (into :data:`OUTCOMES`) and outcome time (s, NaN if none) of every threat.

    The first ``Intercept`` ⇒ destroyed, the first ``Leak`` ⇒ leaked, neither ⇒ in flight at the end.
    Only the hostile rows of the ``threats`` table (friendly aircraft follow them and have no outcome).
    """
    tbl = run.tables["threats"]
    # hostile threats only (friendly aircraft rows, flagged ``friendly``, follow them)
    n = tbl.num_rows - (int(np.sum(tbl.column("friendly").to_numpy(zero_copy_only=False))) if "friendly" in tbl.column_names else 0)
    out = np.full(n, 2, np.int64)
    when = np.full(n, np.nan)
    kind = run.col(run.events, "kind").astype(str)
    thr = run.col(run.events, "threat")
    t = run.col(run.events, "time_s")
    for code, k in ((1, "Leak"), (0, "Intercept")):  # intercept wins if both (it comes first in time)
        m = (kind == k) & (thr >= 0) & (thr < n)
        first = np.full(n, np.inf)
        np.minimum.at(first, thr[m], t[m])
        hit = np.isfinite(first) & ~(np.isfinite(when) & (when < first))
        out[hit] = code
        when[hit] = first[hit]
    return out, when


def paths_of(run: RunData, entity: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Truth samples of one entity kind, grouped by id.

    Returns
    -------
    ids : (P,) int — distinct ids, ascending.
    starts : (P + 1,) int — row offsets: path ``k`` is rows ``starts[k]:starts[k+1]``.
    time_s, lonlat_deg : (R,), (R, 2) — sample time and (lon, lat) of every row.
    alt_m : (R,) — altitude above the ellipsoid.
    """
    tr = run.truth
    m = run.col(tr, "entity").astype(str) == entity
    ids = run.col(tr, "id")[m]
    order = np.lexsort((run.col(tr, "time_s")[m], ids))
    ids = ids[order]
    t = run.col(tr, "time_s")[m][order]
    ll = np.column_stack([run.col(tr, "lon_deg")[m][order], run.col(tr, "lat_deg")[m][order]])
    alt = run.col(tr, "alt_m")[m][order]
    uniq, first = np.unique(ids, return_index=True)
    starts = np.append(first, len(ids)).astype(np.int64)
    return uniq.astype(np.int64), starts, t, ll, alt
