"""Networked sensing with clutter: the compiled path (tick_loop.network_sensing with the false
alarms of radar.false_alarm_kernel) against the step-by-step Python path it replaced.

Usage::

    python benchmarks/bench_network_clutter.py [--reps 15] [--batches 3] [--out FILE]

`turkey-2017-integrated` (the S-400s on the NATO network) with 2 false alarms a radar scan, one
template world, seeds 100… per batch; the batches alternate the two paths
(``engine.run._CLUTTER_SENSING_COMPILED``), CPU time (``time.process_time``) per replication.
The two paths give the same events (tests/unit/engine/test_tick_loop.py). Writes JSON
(default ``benchmarks/results/network-clutter.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "network-clutter.json")
    a = ap.parse_args()

    import iadsim.engine.run as run_mod
    from iadsim.campaign.executors import simulate_replication
    from iadsim.engine.world import build_template
    from iadsim.scenario.load import load_scenario

    sc = load_scenario("turkey-2017-integrated")
    sc = sc.model_copy(update={"tracking": sc.tracking.model_copy(update={"clutter_per_scan": 2.0})})
    tpl = build_template(sc)
    for s in range(2):  # warm: JIT cache loads
        simulate_replication(sc, s, tpl)
    res: dict[bool, list[float]] = {True: [], False: []}
    try:
        for _ in range(a.batches):
            for compiled in (True, False):
                run_mod._CLUTTER_SENSING_COMPILED = compiled
                t0 = time.process_time()
                for s in range(100, 100 + a.reps):
                    simulate_replication(sc, s, tpl)
                res[compiled].append((time.process_time() - t0) / a.reps * 1e3)
    finally:
        run_mod._CLUTTER_SENSING_COMPILED = True
    out = {
        "scenario": "turkey-2017-integrated",
        "clutter_per_scan": 2.0,
        "reps_per_batch": a.reps,
        "compiled_ms_per_replication": [round(x, 1) for x in res[True]],
        "python_path_ms_per_replication": [round(x, 1) for x in res[False]],
        "speedup_of_the_fastest_batches": round(min(res[False]) / min(res[True]), 2),
        "note": "CPU ms per replication, batches alternated on one host; same events both ways",
    }
    a.out.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
