"""CPU time of the engine's tracker phase, before/after, on the bundled turkey runs.

Usage: ``python benchmarks/bench_tracker_phase.py [--base-src DIR] [--reps N] [--out FILE]
[SCENARIO ...]`` (default: the three bundled turkey-2017 runs with the seeds of
``bench_events_identity.py``). The phase is the time inside ``TrackTable.step`` plus the
``predicted`` / ``_cv_predicted`` / ``predicted_positions`` calls made outside it (fire control,
dwells, network), measured with ``time.process_time`` (CPU time of the process: far less
disturbed than wall time on a shared machine). Each version runs in its own process (one warm
run, then N timed runs); ``--base-src`` is the ``src`` folder of another checkout (e.g.
``git archive <commit> src | tar -x -C DIR``) measured back to back with this one. Writes the
runs and the medians to ``--out`` (default ``benchmarks/results/engine-tracker-phase.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from _results import child_json, write_json  # benchmarks/_results.py (this folder is on sys.path when run as a script)

SEEDS = {"turkey-2017": 2017, "turkey-2017-integrated": 0, "turkey-2017-standalone": 1}


def _child(name: str, reps: int) -> None:
    from iadsim.engine.run import simulate
    from iadsim.tracking import manager

    acc = {"step": 0.0, "pred_out": 0.0}
    depth = [0]

    def wrap(meth: str, key: str) -> None:
        f = getattr(manager.TrackTable, meth)

        def g(self, *a, **k):  # type: ignore[no-untyped-def]
            if depth[0]:
                return f(self, *a, **k)
            depth[0] += 1
            t0 = time.process_time()
            try:
                return f(self, *a, **k)
            finally:
                acc[key] += time.process_time() - t0
                depth[0] -= 1

        setattr(manager.TrackTable, meth, g)

    wrap("step", "step")
    for m in ("predicted", "_cv_predicted", "predicted_positions"):
        wrap(m, "pred_out")
    seed = SEEDS.get(name)
    simulate(name, seed=seed)  # warm: imports, compiled kernels
    runs = []
    for _ in range(reps):
        acc["step"] = acc["pred_out"] = 0.0
        c0 = time.process_time()
        r = simulate(name, seed=seed)
        runs.append({"engine_wall_s": r.engine_wall_s, "sim_cpu_s": time.process_time() - c0,
                     "step_cpu_s": acc["step"], "predicted_outside_cpu_s": acc["pred_out"],
                     "phase_cpu_s": acc["step"] + acc["pred_out"]})  # fmt: skip
    print(json.dumps(runs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenarios", nargs="*", default=list(SEEDS))
    ap.add_argument("--base-src", default=None)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "engine-tracker-phase.json"))
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.reps)
        return
    here = str(Path(__file__).resolve().parents[1] / "src")
    versions = ([("base", os.path.abspath(args.base_src))] if args.base_src else []) + [("this", here)]
    doc: dict = {"command": " ".join(sys.argv), "load_average_start": os.getloadavg(), "scenarios": {}}
    for name in args.scenarios:
        doc["scenarios"][name] = {}
        for label, src in versions:
            runs = child_json(__file__, src, "--child", name, "--reps", str(args.reps))
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            doc["scenarios"][name][label] = {"src": src, "runs": runs, "median": med}
            print(name, label, {k: round(v, 3) for k, v in med.items()}, flush=True)
        if args.base_src:
            b, t = doc["scenarios"][name]["base"]["median"], doc["scenarios"][name]["this"]["median"]
            doc["scenarios"][name]["speedup"] = {k: b[k] / t[k] for k in ("phase_cpu_s", "step_cpu_s", "sim_cpu_s")}
    doc["load_average_end"] = os.getloadavg()
    print(write_json(args.out, doc))


if __name__ == "__main__":
    main()
