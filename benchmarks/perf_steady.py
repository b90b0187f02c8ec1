"""Where a warm turkey-2017 replication's CPU goes, by kind of work: a ``perf`` sample of the
replications only (not the imports, the JIT cache loads or the warm-up).

Usage::

    python benchmarks/perf_steady.py [--reps 250] [--out benchmarks/results/perf-steady.json]

Runs itself under ``perf record -F 1000 --delay=-1 --control fifo:…`` (events off at the
start): the child builds the template, runs three warm-up replications, switches the sampling on
through the control FIFO, runs ``--reps`` replications from the template (as a campaign worker
does), switches it off and writes the JIT symbol map (``profile_compiled.write_perf_map``). The
parent then reads ``perf report --sort dso,sym`` and groups the samples:

* ``reference counting``: numba's NRT module (``NRT_incref`` / ``NRT_decref``; ``perf`` names
  the module's code by one of its symbols, ``NRT:…``);
* ``allocation``: ``NRT_MemInfo_alloc*``, ``NRT_dealloc``, ``NRT_MemInfo_call_dtor``, libc's
  malloc / free family;
* ``libm and SVML``: the transcendental functions (libm, NumPy's SVML loops);
* ``LAPACK / BLAS``: OpenBLAS (the 3 × 3 gain solves);
* ``Python interpreter``: libpython (the garbage collector included);
* ``NumPy``: the rest of ``_multiarray_umath``;
* ``compiled code``: the rest of the JIT code;
* ``other``: everything else (kernel, pyproj, Arrow, …).

Writes JSON with the shares and the CPU seconds per replication of the sampled part. Needs
``perf`` (Linux) with the ``cpu-clock`` event; shares, not seconds, are the finding.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(reps: int, ctl: str, ack: str) -> None:
    sys.path.insert(0, str(HERE))
    import profile_compiled as pc  # keeps the JIT object code for the symbol map (before numba loads it)

    from iadsim.engine.run import simulate
    from iadsim.engine.world import build_template
    from iadsim.scenario.load import load_scenario

    sc = load_scenario("turkey-2017")
    tpl = build_template(sc)
    for s in range(3):
        simulate(sc, seed=s, template=tpl)

    def command(word: str) -> None:
        with open(ctl, "w") as fh:
            fh.write(word + "\n")
        with open(ack) as fh:
            fh.readline()

    command("enable")
    c0 = time.process_time()
    for s in range(10, 10 + reps):
        simulate(sc, seed=s, template=tpl)
    cpu = (time.process_time() - c0) / reps
    command("disable")
    pc.write_perf_map()
    print(json.dumps({"cpu_s_per_replication": round(cpu, 4)}))


def group(dso: str, sym: str) -> str:
    if "[JIT]" in dso:
        if sym.startswith("NRT:"):
            return "reference counting"
        return "compiled code"
    if "_nrt_python" in dso:
        return "allocation"
    if dso.startswith("libc.so") and re.search(r"malloc|free|unlink_chunk|consolidate", sym):
        return "allocation"
    if dso.startswith("libm.so") or "svml" in sym:
        return "libm and SVML"
    if "openblas" in dso:
        return "LAPACK / BLAS"
    if dso.startswith("libpython"):
        return "Python interpreter"
    if "_multiarray_umath" in dso:
        return "NumPy"
    return "other"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=250)
    ap.add_argument("--out", default=str(HERE / "results" / "perf-steady.json"))
    ap.add_argument("--child", nargs=2, metavar=("CTL", "ACK"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.reps, *a.child)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="perf-steady-"))
    ctl, ack, data = tmp / "ctl", tmp / "ack", tmp / "perf.data"
    os.mkfifo(ctl)
    os.mkfifo(ack)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    run = subprocess.run(["perf", "record", "-F", "1000", "--delay=-1", f"--control=fifo:{ctl},{ack}", "-o", str(data),
                          sys.executable, __file__, "--reps", str(a.reps), "--child", str(ctl), str(ack)],
                         capture_output=True, text=True, env=env)  # fmt: skip
    if run.returncode != 0:
        print(run.stderr, file=sys.stderr)
        return 1
    child_out = json.loads([ln for ln in run.stdout.splitlines() if ln.startswith("{")][-1])
    rep = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", "dso,sym", "--stdio",
                          "--percent-limit", "0"], capture_output=True, text=True).stdout  # fmt: skip
    groups: dict[str, float] = {}
    top: list[tuple[float, str, str]] = []
    for line in rep.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\[JIT\] tid \d+|\S+)\s+\[[.k]\]\s+(.*)$", line)
        if not m:
            continue
        pct, dso, sym = float(m.group(1)), m.group(2), m.group(3).strip()
        g = group(dso, sym)
        groups[g] = groups.get(g, 0.0) + pct
        top.append((pct, dso, sym[:120]))
    top.sort(reverse=True)
    result = {
        "scenario": "turkey-2017",
        "replications_sampled": a.reps,
        "cpu_s_per_replication": child_out["cpu_s_per_replication"],
        "share_percent": {k: round(v, 1) for k, v in sorted(groups.items(), key=lambda kv: -kv[1])},
        "top_symbols_percent": [[round(p, 2), d, s] for p, d, s in top[:25]],
        "note": "perf cpu-clock samples of the warm replications only (events enabled through perf's control "
                "FIFO after the warm-up); NRT:… is numba's runtime module (reference counting)",
    }
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
