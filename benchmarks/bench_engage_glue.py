"""CPU time and function calls per decision of ``engine/run.py _engage`` (the engagement decision glue).

Usage: ``python benchmarks/bench_engage_glue.py LABEL OUT.json [REPS]`` — for turkey-2017,
turkey-2017-integrated and turkey-2017-standalone: one warm run, then REPS (default 5) runs of
``simulate`` with ``_engage`` timed by ``time.process_time`` (CPU time of this process), then one
run under ``sys.setprofile`` counting the Python and C function calls made inside ``_engage``
(``call`` + ``c_call`` events; a compiled numba kernel counts as one call of its dispatcher
or none, its inside is not seen), per ``_engage`` call. Adds ``LABEL`` to ``OUT.json`` (other
labels kept), so two code versions can be measured back to back, e.g. main via
``PYTHONPATH=<main checkout>/src``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _results import write_json  # noqa: E402

import iadsim  # noqa: E402
import iadsim.engine.run as R  # noqa: E402

SCENARIOS = [("turkey-2017", 2017), ("turkey-2017-integrated", 0), ("turkey-2017-standalone", 1)]


def main(label: str, out: str, reps: int = 5) -> None:
    real = R._engage
    st = {"cpu": 0.0, "n": 0, "calls": 0, "count": False, "depth": 0}

    def prof(frame: Any, event: str, arg: Any) -> None:
        if event in ("call", "c_call"):
            st["calls"] += 1

    def timed(*a: Any, **k: Any) -> Any:
        t0 = time.process_time()
        if st["count"]:
            sys.setprofile(prof)
        try:
            return real(*a, **k)
        finally:
            if st["count"]:
                sys.setprofile(None)
            st["cpu"] += time.process_time() - t0
            st["n"] += 1

    R._engage = timed
    doc: dict[str, Any] = {"iadsim": iadsim.__file__, "reps": reps, "load_avg": os.getloadavg(), "scenarios": {}}
    for name, seed in SCENARIOS:
        R.simulate(name, seed=seed)  # warm: imports, compiled kernels
        cpu, walls = [], []
        for _ in range(reps):
            st.update(cpu=0.0, n=0)
            r = R.simulate(name, seed=seed)
            cpu.append(st["cpu"])
            walls.append(r.engine_wall_s)
        n_dec = st["n"]
        st.update(n=0, calls=0, count=True)
        R.simulate(name, seed=seed)
        st["count"] = False
        doc["scenarios"][name] = {"seed": seed, "engage_calls": n_dec, "median_engage_cpu_s": statistics.median(cpu),
                                  "engage_cpu_s": cpu, "median_engine_wall_s": statistics.median(walls),
                                  "function_calls_in_engage": st["calls"],
                                  "function_calls_per_engage": st["calls"] / max(st["n"], 1)}  # fmt: skip
        print(label, name, json.dumps({k: v for k, v in doc["scenarios"][name].items() if k != "engage_cpu_s"}), flush=True)
    path = Path(out)
    all_doc = json.loads(path.read_text()) if path.exists() else {}
    all_doc[label] = doc
    write_json(path, all_doc)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5)
