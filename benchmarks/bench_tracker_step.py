"""Cost of ``TrackTable.step`` (the tracker's scan) before/after, on the bundled turkey runs.

Usage: ``python benchmarks/bench_tracker_step.py [--base-src DIR] [--reps N] [--out FILE]
[SCENARIO ...]`` (default: turkey-2017 and turkey-2017-integrated, the seeds of
``bench_events_identity.py``). Each version runs in its own process (``--base-src``: the ``src``
folder of another checkout, e.g. ``git archive <commit> src | tar -x -C DIR``), after one warm run:

* ``step_cum_s`` / ``step_calls``: cProfile's cumulative time (least of N profiled runs) and
  call count of ``step`` (the profiler's overhead grows with the number of calls, so this is
  the figure the Python glue inflates);
* ``calls_in_step_per_tick``: function calls (Python and C, as cProfile counts them) made
  inside ``step`` per engine tick, counted with ``sys.setprofile`` in a separate run;
* ``step_cpu_s``: ``time.process_time`` inside ``step`` and the run's CPU time ``sim_cpu_s``
  (least of N unprofiled runs: on a shared machine the least is the least disturbed).

Shared machine: compare versions back to back and read ratios rather than absolute seconds.
Writes ``--out`` (default ``benchmarks/results/tracker-step.json``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

from _results import child_json, write_json  # benchmarks/_results.py (this folder is on sys.path when run as a script)

SEEDS = {"turkey-2017": 2017, "turkey-2017-integrated": 0, "turkey-2017-standalone": 1}


def _child(name: str, reps: int) -> None:
    from iadsim.engine.run import simulate
    from iadsim.tracking import manager

    seed = SEEDS.get(name)
    ticks = [0]

    def progress(tick: int, n: int) -> None:
        ticks[0] = n

    simulate(name, seed=seed, progress=progress)  # warm: imports, compiled kernels
    f = manager.TrackTable.step
    acc = {"cpu": 0.0, "calls": 0, "counting": False}

    def counter(frame, event, arg):  # type: ignore[no-untyped-def]
        if event in ("call", "c_call"):
            acc["calls"] += 1

    def timed(self, *a, **k):  # type: ignore[no-untyped-def]
        if acc["counting"]:
            sys.setprofile(counter)
            try:
                return f(self, *a, **k)
            finally:
                sys.setprofile(None)
        t0 = time.process_time()
        try:
            return f(self, *a, **k)
        finally:
            acc["cpu"] += time.process_time() - t0

    runs = []
    manager.TrackTable.step = timed  # type: ignore[method-assign]
    for _ in range(reps):
        acc["cpu"] = 0.0
        c0 = time.process_time()
        simulate(name, seed=seed)
        runs.append({"sim_cpu_s": time.process_time() - c0, "step_cpu_s": acc["cpu"]})
    acc["counting"] = True
    simulate(name, seed=seed)
    manager.TrackTable.step = f  # type: ignore[method-assign]
    cums = []
    for _ in range(reps):
        prof = cProfile.Profile()
        prof.runcall(simulate, name, seed=seed)
        st = pstats.Stats(prof).stats  # type: ignore[attr-defined]
        key = next(k for k in st if k[2] == "step" and k[0].endswith("manager.py"))
        cc, nc, tt, ct, _ = st[key]
        cums.append(ct)
    out = {"ticks": ticks[0], "step_calls": nc, "step_cum_s": min(cums), "step_cum_s_runs": cums,
           "calls_in_step": acc["calls"] - nc, "calls_in_step_per_tick": (acc["calls"] - nc) / ticks[0],
           "step_cpu_s": min(r["step_cpu_s"] for r in runs), "sim_cpu_s": min(r["sim_cpu_s"] for r in runs),
           "step_cpu_s_median": statistics.median(r["step_cpu_s"] for r in runs), "runs": runs}  # fmt: skip
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenarios", nargs="*", default=["turkey-2017", "turkey-2017-integrated"])
    ap.add_argument("--base-src", default=None)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "tracker-step.json"))
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
            res = child_json(__file__, src, "--child", name, "--reps", str(args.reps))
            doc["scenarios"][name][label] = {"src": src, **res}
            print(name, label, {k: (round(v, 4) if isinstance(v, float) else v) for k, v in res.items() if k != "runs"},
                  flush=True)  # fmt: skip
        if args.base_src:
            b, t = doc["scenarios"][name]["base"], doc["scenarios"][name]["this"]
            doc["scenarios"][name]["ratio_base_over_this"] = {
                k: b[k] / t[k] for k in ("step_cum_s", "step_cpu_s", "calls_in_step_per_tick", "sim_cpu_s")}
    doc["load_average_end"] = os.getloadavg()
    print(write_json(args.out, doc))


if __name__ == "__main__":
    main()
