"""CPU time of the engagement-decision phase (``_engage`` + ``_identify`` + ``_picture_sample``) of the bundled runs.

Usage: ``python benchmarks/bench_phase_engage.py LABEL OUT.json [REPS]`` — for turkey-2017,
turkey-2017-integrated and turkey-2017-standalone: one warm run, then REPS (default 3) runs of
``simulate``, each phase function timed with ``time.process_time`` (CPU time of this process:
less sensitive to other processes on a shared machine than wall time, though not immune) and
``RunResult.engine_wall_s`` (wall). Adds ``LABEL`` to ``OUT.json`` (other labels kept), so two
code versions can be measured back to back, e.g. main via ``PYTHONPATH=<main checkout>/src``.

Since the tick loop became one compiled call (``engine/tick_loop.py``) the phases run inside it are
invisible to cProfile (``_identify`` is gone; ``_engage`` and the others are called only at a need):
this script measures the per-phase steps of the earlier Python loop, its recorded results stand for
those; ``benchmarks/bench_campaign.py`` measures the current engine.
"""

from __future__ import annotations

import collections
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

SCENARIOS = ["turkey-2017", "turkey-2017-integrated", "turkey-2017-standalone"]
PHASE = ("_engage", "_identify", "_picture_sample")


def main(label: str, out: str, reps: int = 3) -> None:
    acc: dict[str, float] = collections.defaultdict(float)
    calls: collections.Counter[str] = collections.Counter()

    def timed(name: str) -> Any:
        f = getattr(R, name)

        def g(*a: Any, **k: Any) -> Any:
            t0 = time.process_time()
            try:
                return f(*a, **k)
            finally:
                acc[name] += time.process_time() - t0
                calls[name] += 1

        return g

    for name in PHASE:
        setattr(R, name, timed(name))
    doc: dict[str, Any] = {"iadsim": iadsim.__file__, "reps": reps, "load_avg": os.getloadavg(), "scenarios": {}}
    for sc in SCENARIOS:
        R.simulate(sc)  # warm: imports, compiled kernels
        runs = []
        for _ in range(reps):
            acc.clear()
            calls.clear()
            r = R.simulate(sc)
            runs.append({"engine_wall_s": r.engine_wall_s, **{f"{n}_cpu_s": acc[n] for n in PHASE},
                         "phase_cpu_s": sum(acc[n] for n in PHASE), "calls": dict(calls)})  # fmt: skip
        doc["scenarios"][sc] = {
            "median_engine_wall_s": statistics.median(x["engine_wall_s"] for x in runs),
            "median_phase_cpu_s": statistics.median(x["phase_cpu_s"] for x in runs),
            **{f"median_{n}_cpu_s": statistics.median(x[f"{n}_cpu_s"] for x in runs) for n in PHASE},
            "runs": runs,
        }
        print(label, sc, json.dumps({k: v for k, v in doc["scenarios"][sc].items() if k != "runs"}))
    path = Path(out)
    all_doc = json.loads(path.read_text()) if path.exists() else {}
    all_doc[label] = doc
    write_json(path, all_doc)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3)
