"""Template draw benchmark (not a test): CPU ms per ``WorldTemplate.draw`` and per ``BallisticMover``.

Measures, for ``turkey-2017`` (10 ballistic missiles, boosted, minimum-energy shape) and the
12,600-threat world of ``bench_engine.make_scenario(12600, 20)`` (a quarter of its raids
``scud-b``):

* ``draw_ms``: CPU time (``process_time``) of one ``build_template(sc).draw(make_streams(s))``,
  median over seeds (the template is built once, as a campaign chunk does);
* ``ballistic_mover_ms``: CPU time of constructing the run's ``BallisticMover`` from the same
  inputs the draw passes it (captured from the draw), median over seeds;
* ``ballistic_share``: the mover's share of the draw.

Results are stored under a label (``before`` = the code before the compiled ballistic draw, run
with ``PYTHONPATH`` pointing at that source; ``after`` = this tree), so one JSON holds both and
the speed-ups::

    python benchmarks/bench_template_draw.py --label after [--seeds 30] [--no-big]
    PYTHONPATH=/path/to/old/src python benchmarks/bench_template_draw.py --label before

Numba kernels are compiled (or loaded from the cache) by a warm-up draw before timing.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import write_json  # noqa: E402


def _capture_mover_args(tpl: Any, seed: int) -> tuple[tuple, dict]:
    """The positional/keyword arguments the draw of ``seed`` passes to ``BallisticMover``."""
    import iadsim.engine.world as world
    from iadsim.rng import make_streams

    seen: list[tuple[tuple, dict]] = []
    orig = world.BallisticMover

    class _Capture(orig):  # type: ignore[misc, valid-type]
        def __init__(self, *a: Any, **k: Any) -> None:
            seen.append((a, k))
            super().__init__(*a, **k)

    world.BallisticMover = _Capture  # type: ignore[misc]
    try:
        tpl.draw(make_streams(seed))
    finally:
        world.BallisticMover = orig  # type: ignore[misc]
    return seen[0]


def measure(sc: Any, seeds: int) -> dict[str, Any]:
    from iadsim.engine.world import build_template
    from iadsim.rng import make_streams
    from iadsim.threats.ballistic import BallisticMover

    tpl = build_template(sc)
    tpl.draw(make_streams(0))  # warm: kernels compiled or loaded
    draws, movers = [], []
    for s in range(seeds):
        c0 = time.process_time()
        tpl.draw(make_streams(s))
        draws.append(time.process_time() - c0)
    n_ballistic = 0
    for s in range(seeds):
        a, k = _capture_mover_args(tpl, s)
        n_ballistic = len(a[0])
        c0 = time.process_time()
        BallisticMover(*a, **k)
        movers.append(time.process_time() - c0)
    d, m = statistics.median(draws) * 1e3, statistics.median(movers) * 1e3
    return {"seeds": seeds, "n_ballistic": n_ballistic, "draw_ms": round(d, 3), "ballistic_mover_ms": round(m, 3),
            "ballistic_share": round(m / d, 3)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--label", default="after", help="key the numbers are stored under (before | after)")
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--big-seeds", type=int, default=3)
    ap.add_argument("--no-big", action="store_true", help="skip the 12,600-threat world")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "template_draw.json"))
    args = ap.parse_args()
    import iadsim
    from iadsim.scenario.load import load_scenario

    res: dict[str, Any] = {"iadsim_source": str(Path(iadsim.__file__).resolve().parent),
                           "turkey-2017": measure(load_scenario("turkey-2017"), args.seeds)}  # fmt: skip
    if not args.no_big:
        from bench_engine import make_scenario

        from iadsim.scenario.schema import Scenario

        res["threats_12600"] = measure(Scenario.model_validate(make_scenario(12600, 20)), args.big_seeds)
    out = Path(args.out)
    doc = json.loads(out.read_text()) if out.exists() else {}
    doc[args.label] = res
    if "before" in doc and "after" in doc:
        doc["speedup"] = {
            case: {k: round(doc["before"][case][k] / doc["after"][case][k], 2) for k in ("draw_ms", "ballistic_mover_ms")}
            for case in doc["after"] if isinstance(doc["after"][case], dict) and case in doc["before"]
        }  # fmt: skip
    doc["note"] = ("CPU ms (process_time), median over seeds, warm numba cache; machine shared by several engineers "
                   "(2 cores), numbers may be pessimistic; the 12,600-threat draw is dominated by the route polylines "
                   "(memory-bound) and varies by tens of % from run to run there; "
                   f"{platform.processor() or platform.machine()}")  # fmt: skip
    write_json(out, doc)
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
