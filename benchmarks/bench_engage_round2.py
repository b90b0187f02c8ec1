"""cProfile of one warm simulate(): total calls, CPU, cumulative time of the engagement functions (PEN round 2).

Usage: ``PYTHONPATH=<src tree> python benchmarks/bench_engage_round2.py SCENARIO LABEL`` → one JSON line.
"""
import cProfile, pstats, sys, time, json, io
from iadsim.engine.run import simulate
import iadsim
name = sys.argv[1]; label = sys.argv[2]
simulate(name)
res = {"label": label, "src": iadsim.__file__, "scenario": name}
t = time.process_time(); simulate(name); res["cpu_s"] = time.process_time() - t
pr = cProfile.Profile(); pr.enable(); simulate(name); pr.disable()
st = pstats.Stats(pr)
res["calls_total"] = st.total_calls
want = {"_engage", "salvo_rounds", "choose_among", "decision_capability", "_select", "_run"}
for (fn, line, func), (cc, nc, tt, ct, callers) in st.stats.items():
    if func in want and "iadsim" in fn:
        res[f"{func}@{fn.split('/')[-1]}"] = {"ncalls": nc, "cum_s": round(ct, 4), "tottime_s": round(tt, 4)}
print(json.dumps(res))
