"""Where a turkey-2017 replication's compiled time goes: CPU, NRT allocations, and a perf map.

Usage::

    python benchmarks/profile_compiled.py [REPS] [--perf-map] [--phases] [--out FILE]

Runs ``simulate`` REPS times (default 20) from one template world (as a campaign worker does), one
process, and reports

* CPU seconds per replication (``time.process_time``);
* numba NRT allocations per replication (``rtsys.get_allocation_stats``; this script sets
  ``NUMBA_NRT_STATS=1`` before numba is imported).

With ``--phases`` the replications also run with the compiled loop's phase profile on
(``engine.tick_loop.phase_cycles``: the cycle counter read at each stage of
:func:`~iadsim.engine.tick_loop.run_ticks`, calibrated against ``time.perf_counter``), and the
report gives milliseconds per replication in each stage, in ``run_ticks`` as a whole (its
entry and exit included: argument unboxing, the return's boxing) and outside it (the Python
needs, world drawing, the event table, the summary). The counter costs ≈ 40 cycles a read; the
CPU figure above is measured without it, in the first pass.

With ``--perf-map`` it then writes ``/tmp/perf-<pid>.map``, the symbol map ``perf report`` reads
for JIT code, naming every compiled function loaded in the process, those loaded from numba's disk
cache included (their object code is kept as it is loaded; numba itself keeps none). Run it
under perf to see compiled functions by name::

    perf record -F 4000 -o /tmp/perf.data python benchmarks/profile_compiled.py 60 --perf-map
    perf report -i /tmp/perf.data --no-children --sort dso,sym

The callers of the NRT reference-count functions (``NRT_incref`` / ``NRT_decref``, which perf
shows under the NRT module's name) are sampled with ``benchmarks/gdb_nrt_callers.py``.
Writes JSON (``--out``, default ``benchmarks/results/compiled-profile.json``).
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NRT_STATS", "1")

import gc  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from numba.core import codegen as _codegen  # noqa: E402

_set_compiled_object = _codegen.CPUCodeLibrary._set_compiled_object


def _keep_object(self, value):  # noqa: ANN001, ANN202 - numba's method
    self._iadsim_object = value  # numba drops the object code once loaded; the perf map needs it
    return _set_compiled_object(self, value)


_codegen.CPUCodeLibrary._set_compiled_object = _keep_object


def write_perf_map() -> int:
    """``/tmp/perf-<pid>.map`` with the address, size and name of every compiled function."""
    from numba.core.registry import CPUDispatcher
    from numba.core.runtime import nrt

    rows: dict[int, tuple[int, str]] = {}
    seen: set[int] = set()
    for o in gc.get_objects():
        if not isinstance(o, CPUDispatcher):
            continue
        for cres in o.overloads.values():
            lib = cres.library
            if id(lib) in seen:
                continue
            seen.add(id(lib))
            obj = getattr(lib, "_iadsim_object", None)
            if obj is None:
                continue
            with tempfile.NamedTemporaryFile(suffix=".o", delete=False) as fh:
                fh.write(obj)
                path = fh.name
            out = subprocess.run(["nm", "-S", "--defined-only", path], capture_output=True, text=True).stdout
            os.unlink(path)
            engine = lib._codegen._engine
            # T: the library's entry points; t / W: its callees linked into it (numba emits them as
            # weak linkonce_odr copies, NRT_incref / NRT_decref among them) in the same code section
            syms = [p for p in (ln.split() for ln in out.splitlines()) if len(p) == 4 and p[2] in "tTW"]
            base = None  # load address of .text: from a global symbol (address minus its offset)
            for value, size, kind, name in syms:
                addr = engine.get_function_address(name)
                if addr:
                    rows[addr] = (int(size, 16), name)
                    if base is None:
                        base = addr - int(value, 16)
            if base is not None:  # the callees by their offset from the entry point
                for value, size, kind, name in syms:
                    if kind != "T":
                        rows.setdefault(base + int(value, 16), (int(size, 16), name))
    lib = nrt.rtsys.library  # the runtime's own module (NRT_incref, NRT_decref, ...)
    for f in lib._final_module.functions:
        if not f.is_declaration:
            addr = lib._codegen._engine.get_function_address(f.name)
            if addr:
                rows[addr] = (0x40, "NRT:" + f.name)
    with open(f"/tmp/perf-{os.getpid()}.map", "w") as fh:
        for addr, (size, name) in sorted(rows.items()):
            fh.write(f"{addr:x} {size:x} {name[:300]}\n")
    return len(rows)


STAGES = ("state", "motion", "sensing", "scan", "track step", "network", "identification", "assessments",
          "readiness and candidates", "arrivals", "picture sample", "progress", "quiescence")  # fmt: skip


def phase_profile(sc, tpl, reps: int) -> dict:  # noqa: ANN001
    """Milliseconds per replication by stage of the compiled loop, in it and outside it."""
    import numpy as np

    from iadsim.engine import tick_loop
    from iadsim.engine.run import simulate

    c_a, t_a = tick_loop.read_cycles(), time.perf_counter()
    time.sleep(0.3)
    hz = (tick_loop.read_cycles() - c_a) / (time.perf_counter() - t_a)
    inner = tick_loop.run_ticks
    spent = [0.0]
    needs = ("done", "motion (Python)", "sensing (Python)", "coverage (Python)", "track step (Python)",
             "grow the track table", "batched assignment", "re-initiated track", "network", "hostile kinematics",
             "rounds at dead targets (retarget)", "engagement decision", "arrivals", "picture sample (Python)",
             "progress", "quiescence", "guidance lost (network)")  # fmt: skip  # tick_loop's needs, in their order
    py = dict.fromkeys(("before the first call (world, setup)", *needs[1:], "after the last call (table, summary)"),
                       0.0)  # fmt: skip
    calls = dict.fromkeys(needs[1:], 0)
    last = [None, 0.0]  # (the need the caller is handling, since when)

    def timed(*args):  # noqa: ANN002, ANN202
        t0 = time.perf_counter()
        py[last[0] or "before the first call (world, setup)"] += t0 - last[1]
        try:
            out = inner(*args)
        finally:
            t1 = time.perf_counter()
            spent[0] += t1 - t0
        need = needs[out[2]] if out[2] < len(needs) else str(out[2])
        last[0], last[1] = (None if need == "done" else need), t1
        if need != "done":
            calls[need] += 1
        else:
            last[0] = "after the last call (table, summary)"
        return out

    tick_loop.phase_cycles = np.zeros(tick_loop.N_CLOCK, np.int64)
    tick_loop.run_ticks = timed
    try:
        t0 = time.perf_counter()
        for s in range(reps):
            last[0], last[1] = None, time.perf_counter()
            simulate(sc, seed=s, template=tpl)
            py[last[0] or "before the first call (world, setup)"] += time.perf_counter() - last[1]
        total = time.perf_counter() - t0
    finally:
        tm, tick_loop.run_ticks = tick_loop.phase_cycles, inner
        tick_loop.phase_cycles = np.zeros(0, np.int64)
    ms = {name: round(1e3 * tm[i] / hz / reps, 2) for i, name in enumerate(STAGES)}
    ms["track step"] = round(1e3 * (tm[tick_loop.S_STEP] + tm[tick_loop.CLOCK_GNN] + tm[tick_loop.CLOCK_SCAN_EVENTS]) / hz / reps, 2)
    staged = float(tm[: tick_loop.S_END].sum() + tm[tick_loop.CLOCK_GNN] + tm[tick_loop.CLOCK_SCAN_EVENTS]) / hz / reps
    ms["run_ticks entry, exit and unattributed"] = round(1e3 * (spent[0] / reps - staged), 2)
    ms["run_ticks total"] = round(1e3 * spent[0] / reps, 2)
    ms["outside run_ticks (Python)"] = round(1e3 * (total - spent[0]) / reps, 2)
    ms["replication (wall, with the profile)"] = round(1e3 * total / reps, 2)
    ms["ticks per replication"] = round(float(tm[tick_loop.CLOCK_TICKS]) / reps, 1)
    ms["cycle counter Hz"] = round(hz)
    ms["of which track step: gnn_cv_step"] = round(1e3 * tm[tick_loop.CLOCK_GNN] / hz / reps, 2)
    ms["of which track step: scan_events"] = round(1e3 * tm[tick_loop.CLOCK_SCAN_EVENTS] / hz / reps, 2)
    ms["Python by need (ms per replication; calls per replication)"] = {
        k: [round(1e3 * v / reps, 2), round(calls.get(k, 0) / reps, 1)] for k, v in py.items() if v}
    return ms


def main(argv: list[str]) -> None:
    from numba.core.runtime import rtsys

    from iadsim.engine.run import simulate
    from iadsim.engine.world import build_template
    from iadsim.scenario.load import load_scenario

    reps = int(argv[0]) if argv and argv[0].isdigit() else 20
    out = argv[argv.index("--out") + 1] if "--out" in argv else "benchmarks/results/compiled-profile.json"
    sc = load_scenario("turkey-2017")
    tpl = build_template(sc)
    simulate(sc, seed=1, template=tpl)  # compile / load the kernels, warm the caches
    a = rtsys.get_allocation_stats()
    t0 = time.process_time()
    for s in range(reps):
        simulate(sc, seed=s, template=tpl)
    cpu = (time.process_time() - t0) / reps
    b = rtsys.get_allocation_stats()
    res = {"scenario": "turkey-2017", "replications": reps, "cpu_s_per_replication": round(cpu, 4),
           "nrt_allocations_per_replication": round((b.alloc - a.alloc) / reps),
           "replications_per_minute_2_cores": round(2 * 60 / cpu)}  # fmt: skip
    if "--phases" in argv:
        res["phases_ms_per_replication"] = phase_profile(sc, tpl, reps)
    if "--perf-map" in argv:
        res["perf_map_functions"] = write_perf_map()
    print(json.dumps(res, indent=1))
    tmp = out + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(res, fh, indent=1)
    os.replace(tmp, out)


if __name__ == "__main__":
    main(sys.argv[1:])
