"""Whole-pipeline engine benchmark (not a test).

Threats 10 / 100 / 1,000 × sites 4 / 20, 30 simulated minutes at a 1 s step, truth association;
plus 1,000 × 20 with gnn association, without and with clutter (2 false alarms per scan).
Each configuration runs in a fresh subprocess (so peak RSS is its own); reported: engine wall
time, simulated seconds per wall second, peak resident memory, events. Also times
``iadsim run`` of the bundled scenario (engine time, excluding interpreter start-up).

    python benchmarks/bench_engine.py [--quick] [--out benchmarks/results/engine.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

from _results import write_json  # benchmarks/_results.py (this folder is on sys.path when run as a script)

SYSTEMS = [("s400", ["91n6e", "92n6e"]), ("patriot", ["an-mpq-65"]), ("samp-t", ["arabel"]), ("s400", ["91n6e", "92n6e"])]
THREATS = ["cruise-subsonic", "fighter-4gen", "scud-b", "male-drone"]


def make_scenario(n_threats: int, n_sites: int, duration_s: float = 1800.0, association: str = "truth", clutter: float = 0.0) -> dict:
    import numpy as np

    rng = np.random.default_rng(n_threats * 1000 + n_sites)
    sites, assets = [], []
    # batteries spread over southern/central Turkey, each defending an asset beside it
    for i in range(n_sites):
        lat = 36.8 + 2.8 * (i % 5) / 4.0 + rng.uniform(-0.1, 0.1)
        lon = 30.0 + 10.0 * (i // 5) / max(1, (n_sites - 1) // 5) + rng.uniform(-0.1, 0.1) if n_sites > 5 else 31.0 + 2.0 * i
        system, radars = SYSTEMS[i % len(SYSTEMS)]
        sites.append({"name": f"site-{i}", "lat_deg": round(lat, 4), "lon_deg": round(lon, 4), 
                      "sensors": [{"type": r, **({} if r in ("91n6e", "arabel") else {"boresight_az_deg": 180})} for r in radars], "fire_units": [{"type": system}]})
        assets.append({"name": f"asset-{i}", "lat_deg": round(lat + 0.05, 4), "lon_deg": round(lon + 0.05, 4), "value": 10})
    raids = []
    per = max(1, n_threats // 10)
    k = 0
    while k < n_threats:
        c = min(per, n_threats - k)
        j = len(raids)
        threat = THREATS[j % len(THREATS)]
        tgt = assets[j % len(assets)]
        launch = {"lat_deg": round(35.2 + rng.uniform(-0.3, 0.3), 3), "lon_deg": round(tgt["lon_deg"] + rng.uniform(-1, 1), 3), "radius_km": 20}
        raids.append({"name": f"raid-{j}", "threat": threat, "count": c, "launch": launch,
                      "launch_time_s": float(rng.uniform(0, 600)), "spacing_s": 5.0, "target": tgt["name"]})
        k += c
    return {"name": f"bench-{n_threats}x{n_sites}", "duration_s": duration_s, "time_step_s": 1.0, "seed": 1,
            "fidelity": {"association": association}, "tracking": {"clutter_per_scan": clutter},
            "sites": sites, "assets": assets, "raids": raids}


def _child(n_threats: int, n_sites: int, association: str = "truth", clutter: float = 0.0) -> None:
    from iadsim.engine.run import simulate
    from iadsim.scenario.schema import Scenario

    sc = Scenario.model_validate(make_scenario(n_threats, n_sites, association=association, clutter=clutter))
    res = simulate(sc, 1)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"threats": n_threats, "sites": n_sites, "association": association, "clutter_per_scan": clutter,
                      "radars": len(res.world.radars),
                      "sim_s": sc.duration_s, "engine_wall_s": res.engine_wall_s,
                      "sim_s_per_wall_s": sc.duration_s / res.engine_wall_s, "peak_rss_mib": peak_kib / 1024,
                      "events": res.events.num_rows, "destroyed": res.summary["threats"]["destroyed"],
                      "leaked": res.summary["threats"]["leaked"]}))


def _bundled() -> None:
    from iadsim.engine.run import simulate

    t0 = time.perf_counter()
    res = simulate("turkey-2017")
    total = time.perf_counter() - t0
    print(json.dumps({"scenario": "turkey-2017", "engine_wall_s": res.engine_wall_s, "simulate_total_s": total,
                      "sim_s": res.world.scenario.duration_s, "events": res.events.num_rows,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only the 10 and 100 threat cases")
    ap.add_argument("--out", default="benchmarks/results/engine.json")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    ap.add_argument("--bundled", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        _child(int(a.child[0]), int(a.child[1]), a.child[2], float(a.child[3]))
        return
    if a.bundled:
        _bundled()
        return
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    rows = []
    sizes = [10, 100] if a.quick else [10, 100, 1000]
    configs = [(n, s, "truth", 0.0) for n in sizes for s in (4, 20)]
    if not a.quick:  # the real tracker at the largest size, without and with clutter
        configs += [(1000, 20, "gnn", 0.0), (1000, 20, "gnn", 2.0)]
    for n, s, assoc, clutter in configs:
        out = subprocess.run([sys.executable, __file__, "--child", str(n), str(s), assoc, str(clutter)], env=env,
                             capture_output=True, text=True, check=True)  # fmt: skip
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"threats {n:5d} × sites {s:3d} ({assoc}, clutter {clutter:g}): {row['engine_wall_s']:7.2f} s engine, "
              f"{row['sim_s_per_wall_s']:8.0f}× real time, peak {row['peak_rss_mib']:6.0f} MiB, {row['events']} events", flush=True)
    out = subprocess.run([sys.executable, __file__, "--bundled"], env=env, capture_output=True, text=True, check=True)
    bundled = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"bundled turkey-2017: engine {bundled['engine_wall_s']:.2f} s (simulate() incl. compile {bundled['simulate_total_s']:.2f} s)")
    result = {"benchmark": "engine", "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "threads": 1,
              "load_avg_start": os.getloadavg()}, "created_unix": time.time(), "rows": rows, "bundled": bundled,
              "targets": {"bundled_engine_s": "< 2", "1000x20_sim_s_per_wall_s": ">= 100"}}
    write_json(a.out, result)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
