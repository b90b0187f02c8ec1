"""CPU time (time.process_time) of the engine loop (_run) and of the PDN phase functions, warm process.

Usage: ``python benchmarks/bench_pdn_phase.py LABEL REPS`` — the three bundled turkey runs; writes
``LABEL.json`` into the current directory (median of REPS warm runs per scenario). The PDN phase:
fire-control track dwells, network cue dwells, the network phase, remote engageability and the
per-pair coverage test (``pair_visibility``, all callers; it overlaps ``cue_dwells``).
CPU time is less sensitive than wall time to the other jobs of a shared machine.
"""
import functools, json, statistics, sys, time
import iadsim.engine.run as run
from iadsim.c2 import network as net
from iadsim.sensors import scheduling as sch
acc: dict = {}
def wrap(mod, name, key):
    f = getattr(mod, name)
    @functools.wraps(f)
    def g(*a, **k):
        t0 = time.process_time()
        try:
            return f(*a, **k)
        finally:
            acc[key] = acc.get(key, 0.0) + time.process_time() - t0
    setattr(mod, name, g)
wrap(run, "_run", "engine_cpu_s")
wrap(run, "_track_dwells", "_track_dwells")
wrap(run, "_network_phase", "_network_phase")
wrap(net, "cue_dwells", "cue_dwells")
wrap(net, "engageable_remote", "engageable_remote")
wrap(sch, "pair_visibility", "pair_visibility")
label, reps = sys.argv[1], int(sys.argv[2])
out = {}
for name, seed in (("turkey-2017", 2017), ("turkey-2017-integrated", 0), ("turkey-2017-standalone", 1)):
    run.simulate(name, seed=seed)
    runs = []
    for _ in range(reps):
        acc.clear()
        r = run.simulate(name, seed=seed)
        runs.append({"engine_wall_s": r.engine_wall_s, **acc})
    med = {k: statistics.median(x[k] for x in runs) for k in runs[0]}
    out[name] = {"runs": runs, "median": med}
    print(label, name, {k: round(v, 3) for k, v in med.items()}, flush=True)
json.dump(out, open(f"{label}.json", "w"), indent=1)
