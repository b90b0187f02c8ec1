"""Cost of the engine's sensing phase (phase 2 of ``_run``), this checkout against another one.

Usage: ``python benchmarks/bench_sensing_phase.py --base-src DIR [--reps N] [--out FILE]`` — runs
each bundled scenario (turkey-2017, turkey-2017-integrated) in a fresh process per code version
(``PYTHONPATH=DIR`` for the base, this checkout's ``src`` for the new code), the two versions
alternating ``--reps`` times (default 3), and writes the JSON (default
``benchmarks/results/sensing-phase.json``). The phase: ``radar.sense``, ``radar.false_alarms``,
``run._track_dwells``, ``network.cue_dwells`` and ``Detections.concat`` (the one-echo rule's few
lines in ``_run`` itself are not counted). Per version and scenario:

* ``phase_cum_s``: cProfile cumulative time of the phase functions (min over the reps), with
  ``profile_total_s`` the whole profiled run and ``phase_share`` their ratio (the ratio is less
  sensitive than seconds to the other jobs of a shared machine);
* ``phase_cpu_s``: CPU time (``time.process_time``) inside the phase without the profiler,
  median of 5 warm runs per rep (min over reps);
* ``calls_per_tick``: Python function calls and C-function calls made inside the phase per tick
  (``sys.setprofile``), a count that does not depend on the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from _results import child_json, write_json  # benchmarks/_results.py (this folder is on sys.path when run as a script)

SCENARIOS = ("turkey-2017", "turkey-2017-integrated")
HERE = Path(__file__).resolve().parent


def _worker(name: str) -> dict:
    import cProfile
    import functools
    import pstats
    import statistics
    import time

    from iadsim.c2 import network as net_mod
    from iadsim.engine import run as run_mod
    from iadsim.sensors import radar as radar_mod

    run_mod.simulate(name)  # warm: imports, compiled kernels
    funcs = [(radar_mod, "sense"), (radar_mod, "false_alarms"), (run_mod, "_track_dwells"), (net_mod, "cue_dwells")]
    codes = {getattr(m, f).__code__ for m, f in funcs} | {radar_mod.Detections.concat.__func__.__code__}
    names = {c.co_name for c in codes}
    # 1 cProfile cumulative time of the phase functions
    best = None
    for _ in range(3):
        pr = cProfile.Profile()
        pr.enable()
        run_mod.simulate(name)
        pr.disable()
        st = pstats.Stats(pr)
        cum = sum(v[3] for k, v in st.stats.items() if k[2] in names and (k[0].endswith("radar.py") or k[0].endswith(
            "run.py") or k[0].endswith("network.py")))  # fmt: skip
        if best is None or cum < best[0]:
            best = (cum, st.total_tt)
    # 2 calls per tick inside the phase
    depth, count = [0], [0]

    def hook(frame, event, arg):  # noqa: ANN001, ANN202
        if event == "call":
            if frame.f_code in codes:
                depth[0] += 1
            if depth[0]:
                count[0] += 1
        elif event == "return":
            if frame.f_code in codes:
                depth[0] -= 1
        elif event == "c_call" and depth[0]:
            count[0] += 1

    sys.setprofile(hook)
    r = run_mod.simulate(name)
    sys.setprofile(None)
    ticks = r.world.n_ticks
    # 3 CPU time inside the phase, no profiler (outermost phase calls only)
    acc = [0.0]
    inside = [0]

    def wrap(mod, fname):  # noqa: ANN001, ANN202
        f = getattr(mod, fname)

        @functools.wraps(f)
        def g(*a, **k):  # noqa: ANN002, ANN003, ANN202
            if inside[0]:
                return f(*a, **k)
            inside[0] = 1
            t0 = time.process_time()
            try:
                return f(*a, **k)
            finally:
                acc[0] += time.process_time() - t0
                inside[0] = 0

        setattr(mod, fname, g)

    for m, f in funcs:
        wrap(m, f)
    cpu = []
    for _ in range(5):
        acc[0] = 0.0
        run_mod.simulate(name)
        cpu.append(acc[0])
    return {"phase_cum_s": best[0], "profile_total_s": best[1], "phase_share": best[0] / best[1],
            "phase_cpu_s": statistics.median(cpu), "calls_per_tick": count[0] / ticks, "ticks": ticks}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-src", required=True, help="src/ folder of the base checkout (e.g. main)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", default=str(HERE / "results" / "sensing-phase.json"))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(_worker(a.worker)))
        return
    versions = {"base": str(Path(a.base_src).resolve()), "new": str(HERE.parent / "src")}
    res: dict = {v: {s: [] for s in SCENARIOS} for v in versions}
    for _ in range(a.reps):
        for v, src in versions.items():
            for s in SCENARIOS:
                res[v][s].append(child_json(__file__, src, "--base-src", a.base_src, "--worker", s))
    doc: dict = {"what": "sensing phase of _run (sense, false_alarms, _track_dwells, cue_dwells, Detections.concat)",
                 "method": __doc__.split("\n\n", 1)[1].strip(), "machine": "2 cores shared with other jobs: seconds "
                 "are pessimistic and noisy; compare ratios and calls", "base_src": versions["base"], "scenarios": {}}  # fmt: skip
    for s in SCENARIOS:
        row: dict = {}
        for v in versions:
            runs = res[v][s]
            row[v] = {"phase_cum_s": min(r["phase_cum_s"] for r in runs),
                      "phase_share": min(r["phase_share"] for r in runs),
                      "profile_total_s": min(r["profile_total_s"] for r in runs),
                      "phase_cpu_s": min(r["phase_cpu_s"] for r in runs),
                      "calls_per_tick": runs[0]["calls_per_tick"], "ticks": runs[0]["ticks"]}  # fmt: skip
        b, n = row["base"], row["new"]
        row["ratio_phase_cum"] = b["phase_cum_s"] / n["phase_cum_s"]
        row["ratio_phase_share"] = b["phase_share"] / n["phase_share"]
        row["ratio_phase_cpu"] = b["phase_cpu_s"] / n["phase_cpu_s"]
        row["ratio_calls_per_tick"] = b["calls_per_tick"] / n["calls_per_tick"]
        doc["scenarios"][s] = row
    print(json.dumps(doc["scenarios"], indent=1))
    print("wrote", write_json(a.out, doc))


if __name__ == "__main__":
    main()
