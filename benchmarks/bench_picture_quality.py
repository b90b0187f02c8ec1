"""Python calls and time of the track-picture quality sampling (``engine.run._picture_sample``; ``_picture_quality`` in older trees).

Usage: ``python benchmarks/bench_picture_quality.py --base-src DIR [--reps N] [--out FILE]`` — for
each of turkey-2017 (seed 2017) and turkey-2017-integrated (seed 0), in a fresh process per code
version (``DIR`` = the base checkout's ``src``, else this checkout's), the versions alternating
``--reps`` times (default 2): one warm run; one run counting the Python-level calls (``sys.setprofile``
"call" and "c_call" events) made inside ``_picture_sample`` per quality sample; three runs timing
``_picture_sample`` (perf_counter around each call, summed per run; the best of the three kept).
Writes the JSON (default ``benchmarks/results/picture-quality.json``). Wall-clock on a possibly
shared machine: compare the versions' numbers taken back to back.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

SCENARIOS = [("turkey-2017", 2017), ("turkey-2017-integrated", 0)]
HERE = os.path.dirname(os.path.abspath(__file__))


def _child(src: str, name: str, seed: int) -> None:
    sys.path.insert(0, src)
    import iadsim.engine.run as R

    fn = "_picture_sample" if hasattr(R, "_picture_sample") else "_picture_quality"  # older trees: _picture_quality
    orig = getattr(R, fn)
    state = {"calls": 0, "samples": 0, "time": 0.0}

    def hook(frame, event, arg):  # type: ignore[no-untyped-def]
        if event in ("call", "c_call"):
            state["calls"] += 1

    def counted(*a, **k):  # type: ignore[no-untyped-def]
        state["samples"] += 1
        sys.setprofile(hook)
        try:
            return orig(*a, **k)
        finally:
            sys.setprofile(None)

    def timed(*a, **k):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return orig(*a, **k)
        finally:
            state["time"] += time.perf_counter() - t0

    R.simulate(name, seed=seed)  # warm: imports, compiled kernels
    setattr(R, fn, counted)
    R.simulate(name, seed=seed)
    setattr(R, fn, timed)
    times = []
    for _ in range(3):
        state["time"] = 0.0
        R.simulate(name, seed=seed)
        times.append(state["time"])
    print(json.dumps({"samples": state["samples"], "calls_per_sample": state["calls"] / max(state["samples"], 1),
                      "quality_s_per_run": min(times), "all_s": times}))  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-src", required=True)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(HERE, "results", "picture-quality.json"))
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        _child(a.child[0], a.child[1], int(a.child[2]))
        return
    new_src = os.path.join(os.path.dirname(HERE), "src")
    res: dict = {"what": "engine.run._picture_sample per quality sample", "method": __doc__, "scenarios": {}}
    for name, seed in SCENARIOS:
        runs: dict[str, list] = {"base": [], "new": []}
        for _ in range(a.reps):
            for label, src in (("base", a.base_src), ("new", new_src)):
                out = subprocess.run([sys.executable, __file__, "--base-src", a.base_src, "--child", src, name, str(seed)],
                                     check=True, capture_output=True, text=True).stdout  # fmt: skip
                runs[label].append(json.loads(out.strip().splitlines()[-1]))
        b = min(r["quality_s_per_run"] for r in runs["base"])
        n = min(r["quality_s_per_run"] for r in runs["new"])
        res["scenarios"][name] = {"seed": seed, "runs": runs, "calls_per_sample_base": runs["base"][0]["calls_per_sample"],
                                  "calls_per_sample_new": runs["new"][0]["calls_per_sample"],
                                  "time_ratio_base_over_new": b / n}  # fmt: skip
        print(name, res["scenarios"][name]["calls_per_sample_base"], "->", res["scenarios"][name]["calls_per_sample_new"],
              "calls/sample; time ratio", round(b / n, 2), flush=True)  # fmt: skip
    with open(a.out, "w") as fh:
        json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
