"""Cumulative cProfile time and calls per tick of the C2 / network / loop glue parts of the tick.

Usage::

    python benchmarks/bench_c2_glue.py OUT.json [scenario ...]     # default: turkey-2017, turkey-2017-integrated

Run it once with the code before a change (e.g. ``PYTHONPATH=<old checkout>/src``) and once
after; the JSON holds, per scenario, the cumulative time of each part (the functions named below,
summed over their calls from the tick loop), the Python function calls per tick inside them, the
loop's own time (``_run`` tottime: compiled kernels called from the loop count there) and the
engine wall time of an unprofiled warm run. cProfile inflates Python-heavy code more than
compiled code: compare ratios measured back to back on the same machine.
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
    "picture_quality": (("_picture_quality", "engine/run.py"), ("_track_states", "engine/run.py")),
    "launchers": (("complete_reloads", "weapons/launchers.py"), ("ready_rounds", "weapons/launchers.py"),
                  ("tick", "weapons/launchers.py")),
    "engageable": (("ready_units", "c2/fire_control.py"), ("engageable_tracks", "c2/fire_control.py"),
                   ("believed_alive", "c2/fire_control.py"), ("engageable_remote", "c2/network.py")),
    "emit": (("emit", "engine/events.py"),),
}


def _measure(name: str) -> dict[str, object]:
    from iadsim.engine.run import simulate

    simulate(name)  # warm: compiled kernels loaded
    t0 = time.perf_counter()
    r = simulate(name)
    wall = time.perf_counter() - t0
    prof = cProfile.Profile()
    prof.enable()
    simulate(name)
    prof.disable()
    st = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    ticks = None
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
        parts[part] = {"cumulative_s": round(cum, 5), "calls": calls}
    # Python function calls (all, primitive) under the profiled run, per tick
    from iadsim.engine.world import compile_world
    from iadsim.scenario.load import load_scenario

    ticks = compile_world(load_scenario(name)).n_ticks
    total_calls = sum(v[1] for v in st.values())
    return {
        "ticks": ticks,
        "engine_wall_s": round(float(r.engine_wall_s), 4),
        "wall_s": round(wall, 4),
        "run_own_s": round(run_tot, 5),
        "parts": parts,
        "sum_parts_s": round(sum(p["cumulative_s"] for p in parts.values()), 5),
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
