"""Campaign throughput benchmark (not a test): replications per minute, scaling, executor overhead,
and a profile of one replication that says what stands between today's engine and 10,000/min.

Measures (each a real ``run_campaign`` into a temporary ``--out``, rows written to Parquet):

1. ``turkey-2017`` replications/min with a local pool of 1 and of 2 workers -> scaling efficiency
   ``rate_2 / (2 rate_1)``;
2. the same on a Dask ``LocalCluster`` (2 worker processes, 1 thread each);
3. overhead per replication of the campaign machinery on a *trivial* scenario (the small Adana
   scenario without raids, 10 simulated seconds): campaign wall per replication (1 worker) minus
   ``simulate()`` alone in one process;
4. cProfile of one ``turkey-2017`` replication as a campaign runs it (world drawn from the
   chunk's template), split into the world draw, the tick loop (``engine.run._run``), summarize,
   the run manifest, and the campaign's own row flattening and Parquet chunk write;
5. world compile per replication (CPU time): ``compile_world`` (template + draw) against the
   template's ``draw`` alone on ``turkey-2017``, the template build, and the loop-based compiler
   the template replaced (``tests/unit/engine/reference_world.py``); and the same for a
   12,600-threat world (``bench_engine.make_scenario(12600, 20)``, the vectorised route polylines).

    python benchmarks/bench_campaign.py [--reps 6] [--out benchmarks/results/campaign.json] [--no-big] [--world-only]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

TARGET_PER_MIN = 10_000


def campaign_file(tmp: Path, base: str, reps: int, overrides: str = "{}", name: str = "bench") -> Path:
    p = tmp / f"{name}.yaml"
    p.write_text(f"name: {name}\nbase: {base}\nseed: 1\nreplications: {reps}\nevents_sample: 0\noverrides: {overrides}\n"
                 "variants:\n  - name: v\n")  # fmt: skip
    return p


def timed_run(camp_path: Path, executor, warmup_reps: int = 0) -> dict:
    from iadsim.campaign.runner import run_campaign
    from iadsim.campaign.spec import load_campaign

    c = load_campaign(camp_path)
    out = Path(tempfile.mkdtemp(prefix="bench-camp-"))
    try:
        if warmup_reps:  # start the workers and import the engine there before timing
            run_campaign(c.with_replications(warmup_reps), out / "warm", executor, quiet=True)
        t0 = time.perf_counter()
        r = run_campaign(c, out / "run", executor, quiet=True)
        wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {"replications": r.run, "wall_s": round(wall, 3), "per_min": round(60 * r.run / wall, 2),
            "s_per_replication": round(wall / r.run, 4)}  # fmt: skip


def _cpu_per_call(f, n: int) -> float:
    """Median CPU seconds of ``n`` calls of ``f`` (after one warm call)."""
    import statistics

    f()
    ts = []
    for _ in range(n):
        c0 = time.process_time()
        f()
        ts.append(time.process_time() - c0)
    return statistics.median(ts)


def world_compile(n: int = 20, big: bool = True) -> dict:
    """CPU time of the world compile per replication: full compile vs template draw (and before)."""
    from iadsim.engine.world import build_template, compile_world
    from iadsim.rng import make_streams
    from iadsim.scenario.catalog import load_catalog
    from iadsim.scenario.load import load_scenario

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit" / "engine"))
    from reference_world import compile_world_reference

    cat = load_catalog()
    sc = load_scenario("turkey-2017")
    tpl = build_template(sc, cat)
    out: dict = {"turkey_2017": {
        "threats": len(tpl.draw(make_streams(0)).threats),
        "loop_compiler_before_s": round(_cpu_per_call(lambda: compile_world_reference(sc, cat, make_streams(3)), n), 5),
        "compile_world_s": round(_cpu_per_call(lambda: compile_world(sc, cat, make_streams(3)), n), 5),
        "build_template_s": round(_cpu_per_call(lambda: build_template(sc, cat), n), 5),
        "template_draw_s": round(_cpu_per_call(lambda: tpl.draw(make_streams(3)), n), 5),
    }}  # fmt: skip
    # what the draw spends its time on: the ballistic mover (seed-dependent launch/aim points)
    prof = cProfile.Profile()
    prof.enable()
    for s in range(n):
        tpl.draw(make_streams(s))
    prof.disable()
    st = pstats.Stats(prof)
    tot = float(st.total_tt)  # type: ignore[attr-defined]
    shares = {}
    for (file, _l, fn), (_cc, _nc, _tt, ct, _c) in st.stats.items():  # type: ignore[attr-defined]
        if fn == "__init__" and file.endswith("ballistic.py"):
            shares["BallisticMover"] = round(ct / tot, 3)
        elif fn in ("densify_legs", "assemble_rows", "concat_legs", "route_mover_from_rows") and file.endswith("polylines.py"):
            shares["route_polylines"] = round(shares.get("route_polylines", 0.0) + ct / tot, 3)
        elif fn == "entities" and file.endswith("rng.py"):
            shares["entity_streams"] = round(shares.get("entity_streams", 0.0) + ct / tot, 3)
    out["turkey_2017"]["template_draw_profile_share"] = shares
    if big:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_engine import make_scenario

        from iadsim.scenario.schema import Scenario

        bsc = Scenario.model_validate(make_scenario(12600, 20))
        c0 = time.process_time()
        compile_world_reference(bsc, cat, make_streams(1))
        before = time.process_time() - c0
        c0 = time.process_time()
        btpl = build_template(bsc, cat)
        t_tpl = time.process_time() - c0
        c0 = time.process_time()
        btpl.draw(make_streams(1))
        t_draw = time.process_time() - c0
        out["threats_12600"] = {"scenario": "bench_engine.make_scenario(12600, 20) (no waypoints: every route is drawn)",
                                "loop_compiler_before_s": round(before, 3), "build_template_s": round(t_tpl, 4),
                                "template_draw_s": round(t_draw, 3), "speedup_compile": round(before / (t_tpl + t_draw), 2)}  # fmt: skip
    out["note"] = "CPU seconds (process_time), median of repeated calls; the loop compiler is the pre-template code kept as the tests' reference"
    return out


def profile_one(seed: int = 3) -> dict:
    import iadsim
    from iadsim.campaign import store
    from iadsim.campaign.executors import flatten_summary
    from iadsim.engine.world import build_template
    from iadsim.scenario.load import load_scenario

    sc = load_scenario("turkey-2017")
    tpl = build_template(sc)  # as a campaign chunk does: one template, a draw per replication
    iadsim.simulate(sc, seed=seed, template=tpl)  # warm imports and caches
    cpu_runs = []
    for s in range(seed, seed + 3):  # CPU time, unprofiled: what one dedicated core spends per replication
        c0 = time.process_time()
        iadsim.simulate(sc, seed=s, template=tpl)
        cpu_runs.append(time.process_time() - c0)
    prof = cProfile.Profile()
    t0 = time.process_time()
    prof.enable()
    res = iadsim.simulate(sc, seed=seed, template=tpl)
    prof.disable()
    cpu = time.process_time() - t0
    st = pstats.Stats(prof)
    cum = {}
    for (file, _line, fn), (_cc, _nc, _tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        key = None
        if fn in ("compile_world", "draw") and file.endswith("world.py"):
            key = "world_draw"
        elif fn == "_run" and file.endswith(os.path.join("engine", "run.py")):
            key = "tick_loop"
        elif fn == "summarize" and file.endswith("metrics.py"):
            key = "summarize"
        elif fn == "build_manifest" and file.endswith(os.path.join("results", "manifest.py")):
            key = "run_manifest"
        if key:
            cum[key] = cum.get(key, 0.0) + ct
    total_calls = sum(v[1] for v in st.stats.values())  # type: ignore[attr-defined]
    prof_total = float(st.total_tt)  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    row = {"rep": 0, "seed": seed, **flatten_summary(res.summary)}
    flat = time.perf_counter() - t0
    tmp = Path(tempfile.mkdtemp(prefix="bench-write-"))
    try:
        t0 = time.perf_counter()
        for i in range(20):
            store.write_chunk(tmp, "v", [{**row, "rep": i}])
        write_one = (time.perf_counter() - t0) / 20
        rows = [{**row, "rep": i} for i in range(200)]
        t0 = time.perf_counter()
        store.write_chunk(tmp, "w", rows)
        write_200 = (time.perf_counter() - t0) / 200
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n_ticks = int(round(sc.duration_s / sc.time_step_s))
    return {
        "scenario": "turkey-2017", "seed": seed, "n_ticks": n_ticks,
        "cpu_s_per_replication_unprofiled": round(sum(cpu_runs) / len(cpu_runs), 4),
        "cpu_s_profiled": round(cpu, 3),
        "profile_total_s": round(prof_total, 3),
        "cumulative_s": {k: round(v, 4) for k, v in sorted(cum.items())},
        "share_of_profile": {k: round(v / prof_total, 4) for k, v in sorted(cum.items())},
        "python_calls": int(total_calls), "python_calls_per_tick": round(total_calls / n_ticks, 1),
        "flatten_summary_s": round(flat, 5),
        "parquet_write_s_per_replication_chunk_of_1": round(write_one, 5),
        "parquet_write_s_per_replication_chunk_of_200": round(write_200, 6),
        "note": "cProfile inflates pure-Python time (~1.5-2x); the shares, not the absolute seconds, are the finding; the world is drawn from a template as in a campaign chunk",
    }  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=6, help="turkey-2017 replications per measurement")
    ap.add_argument("--trivial-reps", type=int, default=200)
    ap.add_argument("--out", default="benchmarks/results/campaign.json")
    ap.add_argument("--no-big", action="store_true", help="skip the 12,600-threat world compile")
    ap.add_argument("--world-only", action="store_true",
                    help="only re-measure world_compile_per_replication and update it in --out (the rest kept)")
    a = ap.parse_args()
    if a.world_only:
        prev = json.loads(Path(a.out).read_text()) if Path(a.out).is_file() else {}
        prev["world_compile_per_replication"] = world_compile(big=not a.no_big)
        prev["world_compile_per_replication"]["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        prev["world_compile_per_replication"]["machine_note"] = os.environ.get("IADSIM_BENCH_NOTE", "")
        Path(a.out).write_text(json.dumps(prev, indent=2) + "\n")
        print(json.dumps(prev["world_compile_per_replication"], indent=2))
        return 0

    import iadsim
    from iadsim.campaign.executors import DaskExecutor, LocalExecutor
    from iadsim.scenario.load import load_scenario

    tmp = Path(tempfile.mkdtemp(prefix="bench-campaign-"))
    result: dict = {"iadsim_version": iadsim.__version__, "python": platform.python_version(),
                    "cpu_count": os.cpu_count(), "machine_note": os.environ.get("IADSIM_BENCH_NOTE", "2-core development machine; see the README for its load at the time"),
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # fmt: skip
    try:
        turkey = campaign_file(tmp, "turkey-2017", a.reps)
        with LocalExecutor(1) as ex:
            result["local_1_worker"] = timed_run(turkey, ex, warmup_reps=1)
        with LocalExecutor(2) as ex:
            result["local_2_workers"] = timed_run(turkey, ex, warmup_reps=2)
        r1, r2 = result["local_1_worker"]["per_min"], result["local_2_workers"]["per_min"]
        result["scaling_efficiency_2_workers"] = round(r2 / (2 * r1), 3)
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, Client(cl) as cli:
            result["dask_localcluster_2_workers"] = timed_run(turkey, DaskExecutor(client=cli), warmup_reps=2)
        # overhead on a trivial scenario
        trivial = campaign_file(tmp, "adana-patriot-small", a.trivial_reps, "{duration_s: 10, raids: []}", "trivial")
        sc = load_scenario("adana-patriot-small").model_copy(update={"duration_s": 10.0, "raids": []})
        iadsim.simulate(sc, seed=1)
        t0 = time.perf_counter()
        for s in range(50):
            iadsim.simulate(sc, seed=s)
        sim_alone = (time.perf_counter() - t0) / 50
        with LocalExecutor(1) as ex:
            tr = timed_run(trivial, ex, warmup_reps=2)
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cl, Client(cl) as cli:
            trd = timed_run(trivial, DaskExecutor(client=cli), warmup_reps=2)
        result["trivial_scenario"] = {
            "scenario": "adana-patriot-small, no raids, duration 10 s",
            "simulate_alone_s": round(sim_alone, 5),
            "campaign_local_1_worker": tr, "campaign_dask_1_worker": trd,
            "overhead_per_replication_local_s": round(tr["s_per_replication"] - sim_alone, 5),
            "overhead_per_replication_dask_s": round(trd["s_per_replication"] - sim_alone, 5),
        }  # fmt: skip
        prof = profile_one()
        result["profile_one_turkey_replication"] = prof
        result["world_compile_per_replication"] = world_compile(big=not a.no_big)
        cpu_rep = prof["cpu_s_per_replication_unprofiled"]
        best = max(r2, result["dask_localcluster_2_workers"]["per_min"])
        share = prof["share_of_profile"]
        rest = cpu_rep * (1 - share.get("tick_loop", 0.0))  # world draw + summarize + manifest + rest
        result["target_per_min_2_cores"] = TARGET_PER_MIN
        result["gap"] = {
            "measured_best_wall_per_min_shared_machine": best,
            "cpu_s_per_replication": cpu_rep,
            "projected_per_min_2_dedicated_cores": round(2 * 60 / cpu_rep, 1),
            "factor_short_projected": round(TARGET_PER_MIN / (2 * 60 / cpu_rep), 1),
            "budget_s_per_replication_per_core": round(2 * 60 / TARGET_PER_MIN, 4),
            "tick_loop_share": share.get("tick_loop"),
            "world_draw_share": share.get("world_draw"),
            "cpu_s_per_replication_outside_tick_loop": round(rest, 4),
            "projected_per_min_if_tick_loop_were_free": round(2 * 60 / rest, 0) if rest > 0 else None,
            "campaign_overhead_s_per_replication_local": result["trivial_scenario"]["overhead_per_replication_local_s"],
        }  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
