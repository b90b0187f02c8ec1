"""Engine time of the bundled turkey-2017 run (issue 9 IFF check): min of 5 runs after a warm-up; prints one JSON line.

Usage: python benchmarks/bench_iff_engine_time.py LABEL (set PYTHONPATH to another src tree to time it)."""
import sys, json, iadsim
ws = []
iadsim.simulate('turkey-2017')
for _ in range(5):
    r = iadsim.simulate('turkey-2017'); ws.append(r.engine_wall_s)
print(json.dumps({"code": sys.argv[1], "engine_wall_s_min": round(min(ws), 3), "engine_wall_s_all": [round(w, 3) for w in ws],
                  "destroyed": r.summary["threats"]["destroyed"], "detections": r.summary["tracking"]["detections"]}))
