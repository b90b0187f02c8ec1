"""Writing and reading run results atomically (temp directory + rename; nothing half-written)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from iadsim.results.atomic import MARKER, atomic_output


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=_json_default, allow_nan=False)


def readable_tables(result: Any) -> dict[str, pa.Table]:
    """Entity tables, truth, and events/track states with lat/lon/alt (see :mod:`iadsim.results.tables`)."""
    from iadsim.results.tables import extra_tables

    return extra_tables(result)


def write_run(result: Any, out_dir: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``events.parquet``, ``track_states.parquet``, ``track_quality.parquet``, ``summary.json``
    and ``manifest.json`` (with the iadsim result marker), plus the readable tables of
    :func:`readable_tables` (``threats``, ``sites``, ``radars``, ``fire_units``, ``assets``,
    ``interceptors``, ``truth``).

    Files are written into a fresh temporary directory beside ``out_dir`` and moved into place in
    one step (:func:`iadsim.results.atomic.atomic_output`): an existing ``out_dir`` is replaced only
    if it is a previous iadsim result (or ``overwrite``), and only after the new one is complete.
    """
    manifest = dict(result.manifest)
    manifest[MARKER] = {"kind": "run", "format": 1}
    with atomic_output(out_dir, overwrite=overwrite) as tmp:
        pq.write_table(result.events, tmp / "events.parquet", compression="zstd")
        for name in ("track_quality", "track_states"):
            tbl = getattr(result, name, None)
            if tbl is not None:
                pq.write_table(tbl, tmp / f"{name}.parquet", compression="zstd")
        # readable tables (entity names, lat/lon/alt, truth); events/track_states gain geodetic columns
        for name, tbl in readable_tables(result).items():
            pq.write_table(tbl, tmp / f"{name}.parquet", compression="zstd")
        (tmp / "summary.json").write_text(dumps(result.summary) + "\n", encoding="utf-8")
        (tmp / "manifest.json").write_text(dumps(manifest) + "\n", encoding="utf-8")
    return Path(out_dir)


def read_events(run_dir: str | Path) -> pa.Table:
    """The events table of a written run."""
    return pq.read_table(Path(run_dir) / "events.parquet")
