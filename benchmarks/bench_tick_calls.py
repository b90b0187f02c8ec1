"""Calls per tick (cProfile total, Python + C functions) and warm engine wall time of the bundled turkey scenarios.

Usage: ``PYTHONPATH=<src> python benchmarks/bench_tick_calls.py`` prints one JSON line; run the base
and the new checkout alternately (the call counts do not depend on the machine's load, the seconds do).
"""

from __future__ import annotations

import cProfile
import json
import pstats

from iadsim.engine.run import simulate


def main() -> None:
    out = {}
    for name in ("turkey-2017", "turkey-2017-integrated"):
        simulate(name)  # warm: imports, compiled kernels
        walls = [simulate(name).engine_wall_s for _ in range(5)]
        pr = cProfile.Profile()
        pr.enable()
        r = simulate(name)
        pr.disable()
        ticks = r.world.n_ticks
        out[name] = {"engine_wall_min_s": min(walls), "calls_per_tick": pstats.Stats(pr).total_calls / ticks, "ticks": ticks}  # type: ignore[attr-defined]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
