"""Fuzz the scenario loader and the engine with N mutants of the bundled scenarios (not a test).

Each mutant (``tests/fuzz/scenario_mutations.py``: tree and text mutations, seeded) is validated;
a valid one is simulated over a short window (at most 60 simulated s and 300 ticks). Every
mutant runs under a wall-clock limit (``signal.alarm`` in a worker process). Outcomes:

* ``rejected`` — a clean ScenarioError / InputError (what a user sees as ``file:line: message``);
* ``ran`` — valid, and the run finished;
* ``run-error`` — valid, but the run raised an IadsimError (validation missed something);
* ``crash`` — any other exception (a traceback: a bug);
* ``timeout`` — over the time limit (a hang).

Counts go to ``benchmarks/results/fuzz.json`` with the first examples of every outcome other than
``rejected`` / ``ran`` (seed and traceback), so each can be reproduced with
``mutant(base_text, seed)``.

    python benchmarks/fuzz_scenarios.py [-n 10000] [--jobs 2] [--limit-s 30] [--out benchmarks/results/fuzz.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from _results import write_json  # benchmarks/_results.py (this folder is on sys.path when run as a script)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))

_BASES: dict[str, str] = {}
_CAT: Any = None
_LIMIT = 30


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` swallows it."""


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout()


def _init(limit_s: int) -> None:
    global _CAT, _LIMIT
    from iadsim.scenario.catalog import load_catalog
    from iadsim.scenario.load import bundled_scenarios

    _BASES.update({n: p.read_text(encoding="utf-8") for n, p in sorted(bundled_scenarios().items())})
    _CAT = load_catalog()
    _LIMIT = limit_s
    signal.signal(signal.SIGALRM, _alarm)


def _one(seed: int) -> tuple[int, str, str, str, float]:
    from scenario_mutations import classify, mutant

    names = sorted(_BASES)
    base = names[seed % len(names)]
    t0 = time.perf_counter()
    signal.alarm(_LIMIT)
    try:
        outcome, detail = classify(mutant(_BASES[base], seed), _CAT)
    except _Timeout:
        outcome, detail = "timeout", f"over {_LIMIT} s"
    finally:
        signal.alarm(0)
    return seed, base, outcome, detail, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=10_000, help="number of mutants (default 10,000)")
    ap.add_argument("--start", type=int, default=0, help="first seed")
    ap.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    ap.add_argument("--limit-s", type=int, default=30, help="wall-clock limit per mutant, s")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "fuzz.json")
    a = ap.parse_args()
    counts: Counter[str] = Counter()
    by_base: dict[str, Counter[str]] = {}
    examples: dict[str, list[dict[str, Any]]] = {}
    slowest: list[tuple[float, int]] = []
    t0 = time.perf_counter()
    done = 0
    with ProcessPoolExecutor(max_workers=a.jobs, initializer=_init, initargs=(a.limit_s,)) as ex:
        for seed, base, outcome, detail, wall in ex.map(_one, range(a.start, a.start + a.n), chunksize=8):
            done += 1
            counts[outcome] += 1
            by_base.setdefault(base, Counter())[outcome] += 1
            slowest = sorted(slowest + [(wall, seed)], reverse=True)[:5]
            if outcome not in ("rejected", "ran") and len(examples.setdefault(outcome, [])) < 10:
                examples[outcome].append({"seed": seed, "base": base, "detail": detail})
            if done % 500 == 0:
                print(f"{done}/{a.n}: {dict(counts)} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    doc = {
        "mutants": done,
        "seeds": [a.start, a.start + a.n - 1],
        "counts": dict(sorted(counts.items())),
        "by_base": {k: dict(sorted(v.items())) for k, v in sorted(by_base.items())},
        "tracebacks": counts.get("crash", 0),
        "hangs_over_limit": counts.get("timeout", 0),
        "limit_s_per_mutant": a.limit_s,
        "run_window": "valid mutants simulated for min(duration_s, 60 s, 300 ticks)",
        "slowest_mutants_s": [{"seed": s, "wall_s": round(w, 2)} for w, s in slowest],
        "examples": examples,
        "wall_s": round(time.perf_counter() - t0, 1),
        "jobs": a.jobs,
        "machine": f"{platform.machine()} {os.cpu_count()} cores (shared with other work while measured); python {platform.python_version()}",
    }
    write_json(a.out, doc)
    print(json.dumps({k: doc[k] for k in ("mutants", "counts", "tracebacks", "hangs_over_limit", "wall_s")}))


if __name__ == "__main__":
    main()
