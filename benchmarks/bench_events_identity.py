"""Engine time and an events fingerprint of the bundled turkey-2017 runs (performance work check).

Usage: ``python benchmarks/bench_events_identity.py LABEL [REPS]`` — for each bundled scenario
(turkey-2017 seed 2017, turkey-2017-integrated seed 0, turkey-2017-standalone seed 1,
adana-patriot-small with its own seed, and the synthetic ``bench-100x20-gnn`` of
``bench_engine.make_scenario(100, 20, association="gnn")`` with seed 1): one warm run, then REPS timed runs (default 5) of
``simulate``; prints and writes ``LABEL.json`` (engine_wall_s per run, median, row count and a
SHA-256 over the schema and every column's values) and ``LABEL_<scenario>.parquet`` (the events)
into the current directory. Two code versions gave byte-identical events iff the hashes match
(column by column on the parquet files: compare the float columns' bytes, since
``pyarrow.Table.equals`` counts NaN as unequal to NaN).
Times are wall-clock of a possibly shared machine; compare medians of runs taken back to back.
``benchmarks/compare_events.py A B`` compares two labels' parquet files column by column.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import sys

import os

import pyarrow.parquet as pq

from iadsim.engine.run import simulate

SCENARIOS = [("turkey-2017", 2017), ("turkey-2017-integrated", 0), ("turkey-2017-standalone", 1),
             ("adana-patriot-small", None), ("bench-100x20-gnn", 1)]  # fmt: skip


def _scenario(name: str):
    """A bundled scenario name, or the synthetic benchmark case built by ``bench_engine``."""
    if not name.startswith("bench-"):
        return name
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_engine import make_scenario

    from iadsim.scenario.schema import Scenario

    return Scenario.model_validate(make_scenario(100, 20, association="gnn"))


def main(label: str, reps: int = 5) -> None:
    out = {}
    for name, seed in SCENARIOS:
        sc = _scenario(name)
        simulate(sc, seed=seed)  # warm: imports, compiled kernels
        times = []
        for _ in range(reps):
            r = simulate(sc, seed=seed)
            times.append(r.engine_wall_s)
        ev = r.events
        h = hashlib.sha256(repr(ev.schema).encode())
        for c in ev.column_names:
            h.update(c.encode())
            h.update(repr(ev.column(c).to_pylist()).encode())
        pq.write_table(ev, f"{label}_{name}.parquet")
        out[name] = {"seed": seed, "rows": ev.num_rows, "hash": h.hexdigest(), "engine_s": times,
                     "median": statistics.median(times)}  # fmt: skip
        print(name, ev.num_rows, h.hexdigest()[:16], [round(t, 3) for t in times], flush=True)
    with open(f"{label}.json", "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5)
