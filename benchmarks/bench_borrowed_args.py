"""Borrowed kernel arguments (iadsim/numba_refs.py) against numba's own reference counting.

Usage::

    python benchmarks/bench_borrowed_args.py [--reps 30] [--batches 3] [--out FILE]

Two worker processes, one with the rule (the default) and one with
``IADSIM_NUMBA_BORROWED_ARGS=0`` and its own numba cache directory (``--off-cache``, default
``~/.cache/iadsim-numba-no-borrow``: compiled on its first use, about 3 minutes), each running
``turkey-2017`` replications from one template world as a campaign worker does; the batches of
``--reps`` seeds alternate between the two processes, CPU time (``time.process_time``) per
replication. Each process also hashes the events of seed 2017 (SHA-256 over every column) and
counts the ``NRT_incref`` / ``NRT_decref`` calls in the machine code of
``tracking.kernels.joseph_pair`` compiled afresh. Writes JSON (default
``benchmarks/results/borrowed-args.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORKER = r"""
import hashlib, json, sys, time
sys.path.insert(0, "tests/unit")
from iadsim import numba_refs
from iadsim.campaign.executors import simulate_replication
from iadsim.engine.run import simulate
from iadsim.engine.world import build_template
from iadsim.scenario.load import load_scenario
from test_numba_refs import _joseph_pair_refs

sc = load_scenario("turkey-2017")
tpl = build_template(sc)
for s in range(2):
    simulate_replication(sc, s, tpl)  # compile or load the kernels
ev = simulate(sc, seed=2017).events
h = hashlib.sha256(str(ev.schema).encode())
for col in ev.columns:
    h.update(col.to_string().encode())
print(json.dumps({"on": numba_refs.enabled(), "events": ev.num_rows, "sha256": h.hexdigest()[:16],
                  "joseph_pair_refs": _joseph_pair_refs()}), flush=True)
for line in sys.stdin:
    lo, n = map(int, line.split())
    t0 = time.process_time()
    for s in range(lo, lo + n):
        simulate_replication(sc, s, tpl)
    print(json.dumps({"ms": (time.process_time() - t0) / n * 1e3}), flush=True)
"""


def _worker(on: bool, off_cache: str) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    if not on:
        env.update(IADSIM_NUMBA_BORROWED_ARGS="0", NUMBA_CACHE_DIR=off_cache)
    return subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--off-cache", default=os.path.expanduser("~/.cache/iadsim-numba-no-borrow"))
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "borrowed-args.json")
    a = ap.parse_args()
    os.makedirs(a.off_cache, exist_ok=True)
    procs = {True: _worker(True, a.off_cache), False: _worker(False, a.off_cache)}
    head = {on: json.loads(p.stdout.readline()) for on, p in procs.items()}
    ms: dict[bool, list[float]] = {True: [], False: []}
    for b in range(a.batches):
        for on in (True, False) if b % 2 == 0 else (False, True):
            p = procs[on]
            p.stdin.write(f"{100 + b * a.reps} {a.reps}\n")
            p.stdin.flush()
            ms[on].append(json.loads(p.stdout.readline())["ms"])
    for p in procs.values():
        p.stdin.close()
        p.wait()
    out = {
        "scenario": "turkey-2017",
        "reps_per_batch": a.reps,
        "borrowed_ms_per_replication": [round(x, 1) for x in ms[True]],
        "numba_rule_ms_per_replication": [round(x, 1) for x in ms[False]],
        "speedup_of_the_fastest_batches": round(min(ms[False]) / min(ms[True]), 3),
        "rule_on": {k: head[True][k] for k in ("on", "events", "sha256", "joseph_pair_refs")},
        "rule_off": {k: head[False][k] for k in ("on", "events", "sha256", "joseph_pair_refs")},
        "same_events": head[True]["sha256"] == head[False]["sha256"],
        "note": "CPU ms per replication (one template world, simulate_replication), batches alternated "
        "between the two processes on one host; joseph_pair_refs: (NRT_incref, NRT_decref) calls in its "
        "machine code",
    }
    a.out.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
