"""Phase times of the motion and sensing phase (cProfile, cumulative) and engine times, one label.

Usage: ``python benchmarks/bench_phase_profile.py LABEL [REPS]`` — for each bundled turkey-2017
scenario (seeds as ``bench_events_identity.py``): a warm run, REPS timed runs (median
``engine_wall_s``, default 3), then one run under cProfile recording the cumulative time and call
count of the outermost ``threats/motion.py`` ``state``, ``sensors/radar.py`` ``sense``,
``near_pair_detection``, ``converted_covariance_ecef`` and ``geo/frames.py`` ``ecef_to_geodetic``.
Writes ``LABEL_phases.json`` into the current directory. To compare two code versions run it
once per version back to back (e.g. ``PYTHONPATH=<export of the old src>`` for the old one);
wall-clock times of a shared machine are noisy, compare ratios taken back to back.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import statistics
import sys

from iadsim.engine.run import simulate

SCENARIOS = [("turkey-2017", 2017), ("turkey-2017-integrated", 0), ("turkey-2017-standalone", 1)]
PHASES = (("motion_state", "threats/motion.py", "state"), ("sense", "sensors/radar.py", "sense"),
          ("near_pair_detection", "sensors/radar.py", "near_pair_detection"),
          ("converted_covariance_ecef", "sensors/radar.py", "converted_covariance_ecef"),
          ("ecef_to_geodetic", "geo/frames.py", "ecef_to_geodetic"), ("run", "engine/run.py", "_run"))  # fmt: skip


def main(label: str, reps: int = 3) -> None:
    out: dict[str, dict[str, float]] = {}
    for name, seed in SCENARIOS:
        simulate(name, seed=seed)  # warm: imports, compiled kernels
        times = [simulate(name, seed=seed).engine_wall_s for _ in range(reps)]
        prof = cProfile.Profile()
        prof.enable()
        simulate(name, seed=seed)
        prof.disable()
        res: dict[str, float] = {"engine_median_s": statistics.median(times)}
        for (fn, _line, func), (_cc, nc, _tt, ct, _callers) in pstats.Stats(prof).stats.items():  # type: ignore[attr-defined]
            for tag, path, name_ in PHASES:
                # outermost only: a state() that encloses another state() of the same module
                if fn.endswith(path) and func == name_ and ct > res.get(tag, 0.0):
                    res[tag], res[tag + "_calls"] = ct, nc
        out[name] = res
        print(name, json.dumps(res), flush=True)
    with open(f"{label}_phases.json", "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
