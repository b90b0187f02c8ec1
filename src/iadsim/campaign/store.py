"""Campaign results on disk: a manifest and hive-partitioned Parquet, written atomically.

Layout of ``--out DIR``::

    DIR/campaign.json                                  manifest (once per campaign)
    DIR/summary/variant=<name>/part-r<first>-<last>-<hash>.parquet   one row per replication
    DIR/events/variant=<name>/rep=<rep>.parquet        full events, sampled replications only

Every file is written to a temporary name in its final directory, fsynced, then renamed
(``os.replace``): a reader — or a resumed run after SIGKILL — sees a chunk entirely or not at all.
Resume lists the finished ``rep`` numbers per variant and plans only the others, so nothing is
lost and nothing is run twice. Any other replication's events can be re-simulated from its stored
seed (runs are deterministic). A directory that holds a different campaign (another identity
hash) or files that are not a campaign's is refused; no user file is ever deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from iadsim.campaign.spec import Campaign
from iadsim.errors import InputError

MANIFEST = "campaign.json"
TMP_MARK = ".iadsim-tmp-"


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:  # pragma: no cover - platform without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f"{TMP_MARK}{os.getpid()}-{path.name}"
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def atomic_write_table(path: Path, table: pa.Table) -> None:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    atomic_write_bytes(path, sink.getvalue().to_pybytes())


def build_manifest(campaign: Campaign, catalog: Any) -> dict[str, Any]:
    """Everything that produced the results; catalogue provenance stored once."""
    import iadsim
    from iadsim.engine.world import build_template

    # the catalogue entries of every variant, once (a section's entries merged over the variants;
    # the seed-independent template holds them, no world is drawn)
    used: dict[str, Any] = {}
    for v in campaign.variants:
        for section, entries in build_template(v.scenario, catalog).catalog_used.items():
            merged = used.setdefault(str(section), {})
            for k, e in entries.items():
                merged.setdefault(str(k), e)
    return {
        "kind": "iadsim-campaign",
        "iadsim_version": iadsim.__version__,
        "campaign": campaign.name,
        "description": campaign.description,
        "file": campaign.file,
        "identity_sha256": campaign.identity_sha256,
        "base_scenario": campaign.base,
        "base_scenario_sha256": campaign.base_sha256,
        "seed": campaign.seed,
        "seeding": "replication r of every variant runs with iadsim.rng.replication_seeds(seed, n)[r] (paired design)",
        "replications_requested": campaign.replications,
        "baseline": campaign.baseline,
        "events_sample": campaign.events_sample,
        "variants": [
            {
                "name": v.name, "description": v.description, "scenario_sha256": v.scenario_sha256,
                "cost_usd": v.cost_usd, "cost_basis": v.cost_basis, "overrides": v.ops,
                "n_fire_units": sum(len(s.fire_units) for s in v.scenario.sites),
                "total_asset_value": float(sum(a.value for a in v.scenario.assets)),
            }
            for v in campaign.variants
        ],  # fmt: skip
        "catalog_entries_used": used,
        "notional_data": "All system and threat parameters are notional, from public sources, each with its source and confidence grade; not engineering data.",
    }


def _dumps(obj: Any) -> bytes:
    from iadsim.results.store import dumps

    return (dumps(obj) + "\n").encode()


def read_manifest(out: Path) -> dict[str, Any]:
    p = Path(out) / MANIFEST
    if not p.is_file():
        raise InputError(f"{out} is not a campaign output directory (no {MANIFEST})")
    try:
        data: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {p}: {exc}") from None
    return data


def check_out_dir(out: Path, campaign: Campaign) -> bool:
    """Refuse an ``--out`` that is a file, holds other files, or another campaign; True if resuming.

    Writes nothing.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a directory")
    if not out.exists():
        return False
    m = out / MANIFEST
    if m.is_file():
        old = read_manifest(out)
        if old.get("identity_sha256") != campaign.identity_sha256:
            raise InputError(
                f"--out {out} holds a different campaign ({old.get('campaign')!r}, identity "
                f"{str(old.get('identity_sha256'))[:12]}; this one is {campaign.name!r}, "
                f"{campaign.identity_sha256[:12]}): use another --out directory"
            )
        return True
    if any(out.iterdir()):
        raise InputError(f"--out {out} exists, is not empty and is not a campaign output directory; use a new directory")
    return False


def init_out_dir(out: Path, campaign: Campaign, catalog: Any, resuming: bool) -> None:
    """Create the directory and write (or update) the manifest atomically; clear our own temp files."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if resuming:
        man = read_manifest(out)
        man["replications_requested"] = max(int(man.get("replications_requested", 0)), campaign.replications)
        for tmp in out.rglob(f"{TMP_MARK}*"):
            tmp.unlink(missing_ok=True)  # our own half-written files from a killed run
    else:
        man = build_manifest(campaign, catalog)
    atomic_write_bytes(out / MANIFEST, _dumps(man))


def set_requested(out: Path, n: int) -> None:
    man = read_manifest(out)
    if int(man.get("replications_requested", 0)) < n:
        man["replications_requested"] = n
        atomic_write_bytes(Path(out) / MANIFEST, _dumps(man))


def _part_files(out: Path, variant: str) -> list[Path]:
    d = Path(out) / "summary" / f"variant={variant}"
    if not d.is_dir():
        return []
    return sorted(p for p in d.glob("part-*.parquet") if not p.name.startswith(TMP_MARK))


def done_reps(out: Path, variant: str) -> set[int]:
    """Replication numbers already stored for ``variant``."""
    done: set[int] = set()
    for p in _part_files(out, variant):
        reps = pq.read_table(p, columns=["rep"])["rep"].to_pylist()
        dup = done.intersection(reps)
        if dup:
            raise InputError(f"{p}: replications stored twice: {sorted(dup)[:5]}")
        done.update(int(r) for r in reps)
    return done


def write_chunk(out: Path, variant: str, rows: list[dict[str, Any]]) -> Path:
    """One Parquet file per chunk, atomically. Columns: rep, seed, then metrics (sorted)."""
    rows = sorted(rows, key=lambda r: r["rep"])
    metrics = sorted({k for r in rows for k in r if k not in ("rep", "seed")})
    cols: dict[str, pa.Array] = {
        "rep": pa.array([r["rep"] for r in rows], pa.int64()),
        "seed": pa.array([r["seed"] for r in rows], pa.int64()),
    }
    for k in metrics:
        cols[k] = pa.array([float(r.get(k, float("nan"))) for r in rows], pa.float64())
    table = pa.table(cols)
    reps = [r["rep"] for r in rows]
    h = hashlib.sha1(",".join(map(str, reps)).encode()).hexdigest()[:8]
    path = Path(out) / "summary" / f"variant={variant}" / f"part-r{reps[0]:07d}-{reps[-1]:07d}-{h}.parquet"
    atomic_write_table(path, table)
    return path


def write_events(out: Path, variant: str, rep: int, events: pa.Table) -> Path:
    path = Path(out) / "events" / f"variant={variant}" / f"rep={rep:07d}.parquet"
    atomic_write_table(path, events)
    return path


def read_rows(out: Path, variants: list[str] | None = None) -> pa.Table:
    """All stored summary rows with a ``variant`` column, sorted by (variant order, rep)."""
    out = Path(out)
    if variants is None:
        variants = [v["name"] for v in read_manifest(out)["variants"]]
    tables = []
    for v in variants:
        for p in _part_files(out, v):
            t = pq.read_table(p)
            tables.append(t.append_column("variant", pa.array([v] * t.num_rows, pa.string())))
    if not tables:
        return pa.table({"variant": pa.array([], pa.string()), "rep": pa.array([], pa.int64()), "seed": pa.array([], pa.int64())})
    t = pa.concat_tables(tables, promote_options="default")
    order = {v: i for i, v in enumerate(variants)}
    import numpy as np

    vi = np.array([order[x] for x in t["variant"].to_pylist()])
    idx = np.lexsort((t["rep"].to_numpy(), vi))
    t = t.take(pa.array(idx))
    keys = list(zip(t["variant"].to_pylist(), t["rep"].to_pylist()))
    if len(set(keys)) != len(keys):
        raise InputError(f"{out}: some replications are stored twice")
    cols = ["variant", "rep", "seed"] + [c for c in t.column_names if c not in ("variant", "rep", "seed")]
    return t.select(cols)
