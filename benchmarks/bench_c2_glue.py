"""Cumulative cProfile time and calls per tick of the C2 / network / loop glue parts of the tick.

Usage::

    python benchmarks/bench_c2_glue.py OUT.json [scenario ...]     # default: turkey-2017, turkey-2017-integrated

Run it once with the code before a change (e.g. ``PYTHONPATH=<old checkout>/src``) and once
after; the JSON holds, per scenario, the cumulative time of each part (the functions named below,
summed over their calls from the tick loop), the Python function calls per tick inside them, the
loop's own time (``_run`` tottime: compiled kernels called from the loop count there) and the
engine wall time of an unprofiled warm run. cProfile inflates Python-heavy code more than
compiled code: compare ratios measured back to back on the same machine.

Since the tick loop became one compiled call (``engine/tick_loop.py``) the phases run inside it are
invisible to cProfile (``_identify`` is gone; ``_engage`` and the others are called only at a need):
this script measures the per-phase steps of the earlier Python loop, its recorded results stand for
those; ``benchmarks/bench_campaign.py`` measures the current engine.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_json  # noqa: E402

#: part → functions (name, file suffix) whose cumulative time (called from the tick loop) it sums
PARTS: dict[str, tuple[tuple[str, str], ...]] = {
    "identify": (("_identify", "engine/run.py"),),
    "network_phase": (("_network_phase", "engine/run.py"),),
    "assess": (("_assess", "engine/run.py"),),
    "resolve": (("_resolve", "engine/run.py"),),
    "release": (("_release", "engine/run.py"),),
    "picture_quality": (("_picture_sample", "engine/run.py"),),
    "launchers": (("complete_reloads", "weapons/launchers.py"), ("ready_rounds", "weapons/launchers.py"),
                  ("tick", "weapons/launchers.py")),
    "engageable": (("ready_units", "c2/fire_control.py"), ("engageable_tracks", "c2/fire_control.py"),
                   ("believed_alive", "c2/fire_control.py"), ("engageable_remote", "c2/network.py")),
    "emit": (("emit", "engine/events.py"),),
}

#: calls from a part's functions into code other helpers own (tracking, correlation, motion of the
#: track estimates, fusion): their cumulative time is reported apart, ``glue_s`` = cumulative − it
EXTERNAL: tuple[tuple[str, str], ...] = (
    ("_network_phase", "_recognise"), ("fuse", "fuse_sources"), ("fuse", "predicted"), ("_numbers", "_cv_predicted"),
    ("_numbers", "associate_tracks"), ("deliver", "_initiate"), ("deliver", "predicted"), ("deliver", "_cv_predicted"),
    ("deliver", "associate_tracks"), ("_picture_sample", "gospa_ospa"),
    ("_picture_sample", "predicted"), ("_identify", "predicted"),
    ("_identify", "hostile_kinematics"), ("_identify", "classify"), ("_assess", "_retarget"),
)
#: the part each EXTERNAL caller belongs to
_CALLER_PART = {"_network_phase": "network_phase", "fuse": "network_phase", "_numbers": "network_phase",
                "deliver": "network_phase", "_picture_sample": "picture_quality",
                "_identify": "identify", "_assess": "assess"}

REPEATS = 3


def _parts(st: dict) -> tuple[dict[str, dict[str, float]], float, int]:  # type: ignore[type-arg]
    """(part → cumulative time and calls from the tick loop, the loop's own time, all Python calls)."""
    run_tot = 0.0
    for (f, _line, fn), (_cc, _nc, tt, _ct, _callers) in st.items():
        if fn == "_run" and f.endswith("engine/run.py"):
            run_tot = tt
    parts: dict[str, dict[str, float]] = {}
    for part, funcs in PARTS.items():
        cum, calls = 0.0, 0
        for (f, _line, fn), (_cc, nc, _tt, _ct, callers) in st.items():
            if not any(fn == n and f.endswith(sfx) for n, sfx in funcs):
                continue
            for (cf, _cl, cfn), (_c1, cnc, _ctt, cct) in callers.items():  # only the tick loop's direct calls
                if cfn == "_run" and cf.endswith("engine/run.py"):
                    cum += cct
                    calls += cnc
        parts[part] = {"cumulative_s": round(cum, 5), "calls": calls, "external_s": 0.0}
    for (_f, _line, fn), (_cc, _nc, _tt, _ct, callers) in st.items():
        for (_cf, _cl, cfn), (_c1, _cnc, _ctt, cct) in callers.items():
            if (cfn, fn) in EXTERNAL:
                parts[_CALLER_PART[cfn]]["external_s"] += cct
    for v in parts.values():
        v["external_s"] = round(v["external_s"], 5)
        v["glue_s"] = round(v["cumulative_s"] - v["external_s"], 5)
    return parts, run_tot, sum(v[1] for v in st.values())


def _measure(name: str) -> dict[str, object]:
    from iadsim.engine.run import simulate

    simulate(name)  # warm: compiled kernels loaded
    t0 = time.perf_counter()
    r = simulate(name)
    wall = time.perf_counter() - t0
    runs = []
    for _ in range(REPEATS):  # the minimum over repeats of each part (a shared machine's noise only adds)
        prof = cProfile.Profile()
        prof.enable()
        simulate(name)
        prof.disable()
        runs.append(_parts(pstats.Stats(prof).stats))  # type: ignore[attr-defined]
    best = [min(range(len(runs)), key=lambda i: runs[i][0][k]["cumulative_s"]) for k in PARTS]
    parts = {k: runs[i][0][k] for k, i in zip(PARTS, best)}  # each part from its fastest run
    run_tot = min(r[1] for r in runs)
    total_calls = runs[0][2]
    # Python function calls (all, primitive) under the profiled run, per tick
    from iadsim.engine.world import compile_world
    from iadsim.scenario.load import load_scenario

    ticks = compile_world(load_scenario(name)).n_ticks
    return {
        "ticks": ticks,
        "engine_wall_s": round(float(r.engine_wall_s), 4),
        "wall_s": round(wall, 4),
        "run_own_s": round(run_tot, 5),
        "parts": parts,
        "sum_parts_s": round(sum(p["cumulative_s"] for p in parts.values()), 5),
        "sum_glue_s": round(sum(p["glue_s"] for p in parts.values()), 5),
        "python_calls_per_tick": round(total_calls / ticks, 1),
    }


def main(argv: list[str]) -> int:
    out = argv[0]
    names = argv[1:] or ["turkey-2017", "turkey-2017-integrated"]
    import iadsim

    doc = {"iadsim": str(Path(iadsim.__file__).parent), "scenarios": {n: _measure(n) for n in names}}
    write_json(out, doc)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
