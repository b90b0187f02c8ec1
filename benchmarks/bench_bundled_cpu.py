"""Engine CPU and wall time of one bundled run (``_run`` only), one JSON line; for paired comparisons.

On a shared machine wall time is noisy; CPU time of the engine loop is steadier. Compare two
checkouts by alternating them (the other via ``PYTHONPATH=<checkout>/src``)::

    for i in 1 2 3 4 5 6; do PYTHONPATH=/path/to/other/src python benchmarks/bench_bundled_cpu.py; python benchmarks/bench_bundled_cpu.py; done
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    import iadsim
    from iadsim.engine import run as run_mod

    orig = run_mod._run
    out: dict[str, float | str] = {"scenario": sys.argv[1] if len(sys.argv) > 1 else "turkey-2017", "iadsim": iadsim.__file__}

    def timed(*a, **k):  # noqa: ANN002, ANN003, ANN202
        c0, w0 = time.process_time(), time.perf_counter()
        r = orig(*a, **k)
        out["engine_cpu_s"] = time.process_time() - c0
        out["engine_wall_s"] = time.perf_counter() - w0
        return r

    run_mod._run = timed
    run_mod.simulate(str(out["scenario"]))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
