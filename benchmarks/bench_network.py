"""Engine time of the bundled network variants (issue 9) beside turkey-2017.

Runs ``turkey-2017``, ``turkey-2017-standalone`` and ``turkey-2017-integrated`` in fresh
processes (one thread each), ``--repeats`` times, and writes the engine wall time of every run
(minimum and median) to ``benchmarks/results/engine-network.json``. Target: the bundled run under
2 s of engine time. The load average at the start is recorded: on a shared machine the numbers
are pessimistic.

    python benchmarks/bench_network.py [--repeats 3] [--out benchmarks/results/engine-network.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _results import write_json  # benchmarks/_results.py (this folder is on sys.path when run as a script)

SCENARIOS = ("turkey-2017", "turkey-2017-standalone", "turkey-2017-integrated")


def _child(name: str) -> None:
    from iadsim.engine.run import simulate

    res = simulate(name)
    print(json.dumps({"scenario": name, "engine_wall_s": res.engine_wall_s, "events": res.events.num_rows,
                      "destroyed": res.summary["threats"]["destroyed"], "leaked": res.summary["threats"]["leaked"]}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default="benchmarks/results/engine-network.json")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        _child(a.child)
        return
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    load0 = os.getloadavg()
    rows = []
    for name in SCENARIOS:
        runs = []
        for _ in range(a.repeats):
            out = subprocess.run([sys.executable, __file__, "--child", name], env=env, capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        w = [r["engine_wall_s"] for r in runs]
        row = {**runs[0], "engine_wall_s_min": min(w), "engine_wall_s_median": statistics.median(w), "engine_wall_s_all": w}
        del row["engine_wall_s"]
        rows.append(row)
        print(f"{name:26s} engine min {min(w):.2f} s, median {statistics.median(w):.2f} s ({a.repeats} runs)", flush=True)
    result = {"benchmark": "engine-network", "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
              "threads": 1, "load_avg_start": load0, "load_avg_end": os.getloadavg()}, "created_unix": time.time(),
              "rows": rows, "targets": {"bundled_engine_s": "< 2"}}  # fmt: skip
    write_json(a.out, result)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
