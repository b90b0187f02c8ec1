"""IMM against CV in the engine: the track picture and the cost on the bundled ``turkey-2017``.

Runs ``turkey-2017`` (``gnn``) with ``tracking.model`` ``cv`` and ``imm``, without clutter and with
``--clutter`` 2 false alarms a scan, on the same seeds (paired: each seed's world is the same in
both models), one warm process from one template world per configuration, and writes per
configuration the mean track-picture GOSPA (``summary.json`` ``tracking.gospa.mean_m``, c = the
scenario's cut-off), leakers and CPU time per replication, and per clutter level the paired
difference imm − cv with its 95 % Student-t half-width.

    python benchmarks/bench_imm_engine.py [--seeds 30] [--out benchmarks/results/imm-engine.json]

The engagements differ between the two models (a better picture changes who is engaged), so the
set of threats still flying, and the picture samples, differ: a run-level comparison, not a
like-for-like filter test (that one is ``benchmarks/compare_stonesoup.py``'s IMM rows).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from _results import write_json  # benchmarks/_results.py (this folder is on sys.path when run as a script)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=30, help="paired seeds 1..N (default 30)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "imm-engine.json"))
    a = ap.parse_args()

    import numpy as np
    from scipy import stats

    import iadsim
    from iadsim.engine.world import build_template
    from iadsim.scenario.load import load_scenario

    sc = load_scenario("turkey-2017")
    seeds = list(range(1, a.seeds + 1))
    rows: dict[str, dict] = {}
    gospa: dict[tuple[float, str], np.ndarray] = {}
    for clutter in (0.0, 2.0):
        for model in ("cv", "imm"):
            tr = sc.tracking.model_copy(update={"model": model, "clutter_per_scan": clutter})
            s2 = sc.model_copy(update={"tracking": tr})
            tpl = build_template(s2)
            iadsim.simulate(s2, 0, template=tpl)  # compile / load the kernels outside the timing
            g, leaked = [], []
            t0 = time.process_time()
            for seed in seeds:
                r = iadsim.simulate(s2, seed, template=tpl)
                g.append(r.summary["tracking"]["gospa"]["mean_m"])
                leaked.append(r.summary["threats"]["leaked"])
            cpu = (time.process_time() - t0) / len(seeds)
            gospa[(clutter, model)] = np.array(g)
            key = f"{model} clutter {clutter:g}"
            rows[key] = {"gospa_mean_m": float(np.mean(g)), "leaked_mean": float(np.mean(leaked)),
                         "cpu_s_per_replication": round(cpu, 4)}  # fmt: skip
            print(key, rows[key], flush=True)
    paired = {}
    for clutter in (0.0, 2.0):
        d = gospa[(clutter, "imm")] - gospa[(clutter, "cv")]
        hw = float(stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)))
        paired[f"clutter {clutter:g}"] = {"imm_minus_cv_gospa_m": float(d.mean()), "ci95_half_width_m": hw}
        print(f"clutter {clutter:g}: imm - cv GOSPA {d.mean():.1f} ± {hw:.1f} m", flush=True)
    write_json(a.out, {"scenario": "turkey-2017", "association": "gnn", "seeds": seeds, "runs": rows,
                       "paired": paired, "host": platform.node(), "load_average_start": os.getloadavg()[0],
                       "date": time.strftime("%Y-%m-%d")})  # fmt: skip


if __name__ == "__main__":
    main()
