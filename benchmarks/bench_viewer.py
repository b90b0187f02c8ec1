"""Replay viewer and report benchmark (not a test).

A 1,000-threat run (the engine benchmark's 1,000 × 4 scenario, 30 simulated minutes) is written,
its HTML report generated (size and time), and the viewer is opened in headless Debian chromium
(SwiftShader WebGL: CPU rendering, no GPU) and played at 60× for a few seconds. Frames per
second are counted two ways: ``requestAnimationFrame`` callbacks of the page, and trajectory
frames actually drawn; with the default 5-minute trails (``raf_fps``, the headline) and with
whole tracks drawn.

    python benchmarks/bench_viewer.py [--threats 1000] [--seconds 5] [--out benchmarks/results/viewer.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threats", type=int, default=1000)
    ap.add_argument("--sites", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "viewer.json"))
    a = ap.parse_args()

    from bench_engine import make_scenario
    from playwright.sync_api import sync_playwright

    from iadsim.engine.run import simulate
    from iadsim.report.html import write_report
    from iadsim.report.serve import make_server
    from iadsim.scenario.schema import Scenario

    sc = Scenario.model_validate(make_scenario(a.threats, a.sites))
    res = simulate(sc, 1)
    tmp = Path(tempfile.mkdtemp(prefix="iadsim-bench-viewer-"))
    t0 = time.perf_counter()
    run_dir = res.write(tmp / "run")
    write_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = write_report(run_dir, tmp / "report.html")
    report_s = time.perf_counter() - t0
    srv = make_server(run_dir, port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    host, port = srv.server_address[:2]
    url = f"http://{host}:{port}/"
    t0 = time.perf_counter()
    scene_bytes = len(srv.scene_bytes())
    scene_s = time.perf_counter() - t0
    out: dict = {}
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        pg = b.new_page(viewport={"width": 1280, "height": 800})
        t0 = time.perf_counter()
        pg.goto(url)
        pg.wait_for_function("window.iadsimViewer && window.iadsimViewer.ready", timeout=120_000)
        ready_s = time.perf_counter() - t0
        pg.wait_for_timeout(1000)
        segs = pg.evaluate("window.iadsimViewer.sets.map(s => s.data.segs).reduce((x, y) => x + y, 0)")
        out = {"gpu_segments": segs, "viewer_ready_s": ready_s, "by_trail": {}}
        for trail in ("300", "Infinity"):  # the default 5-minute trails, then whole tracks
            pg.evaluate(f"window.iadsimViewer.state.trail = {trail}; window.iadsimViewer.state.speed = 60;"
                        "window.iadsimViewer.setTime(300); window.iadsimViewer.setPlaying(true)")
            pg.wait_for_timeout(500)
            s0 = pg.evaluate("({raf: window.iadsimViewer.stats.raf, renders: window.iadsimViewer.stats.renders, now: performance.now(), t: window.iadsimViewer.state.t})")
            pg.wait_for_timeout(int(a.seconds * 1000))
            s1 = pg.evaluate("({raf: window.iadsimViewer.stats.raf, renders: window.iadsimViewer.stats.renders, now: performance.now(), t: window.iadsimViewer.state.t})")
            pg.evaluate("window.iadsimViewer.setPlaying(false)")
            el = (s1["now"] - s0["now"]) / 1000
            out["by_trail"]["whole" if trail == "Infinity" else f"{trail}s"] = {
                "raf_fps": (s1["raf"] - s0["raf"]) / el, "render_fps": (s1["renders"] - s0["renders"]) / el,
                "measured_s": el, "sim_time_from_s": s0["t"], "sim_time_to_s": s1["t"]}  # fmt: skip
        out["raf_fps"] = out["by_trail"]["300s"]["raf_fps"]
        b.close()
    srv.shutdown()
    result = {
        "benchmark": "viewer",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_avg_1min_at_end": os.getloadavg()[0], "note": "SwiftShader (CPU) WebGL, no GPU; see load_avg_1min_at_end for the machine load"},
        "threats": a.threats, "sites": a.sites, "events": res.events.num_rows,
        "write_results_s": write_s, "report_s": report_s, "report_mb": report.stat().st_size / 1e6,
        "scene_json_mb": scene_bytes / 1e6, "scene_build_s": scene_s,
        **out,
        "targets": {"raf_fps": ">= 30", "report_mb": "<= 20"},
    }  # fmt: skip
    import pyarrow.parquet as pq

    result["truth_rows"] = pq.read_metadata(run_dir / "truth.parquet").num_rows
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
