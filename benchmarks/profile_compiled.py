"""Where a turkey-2017 replication's compiled time goes: CPU, NRT allocations, and a perf map.

Usage::

    python benchmarks/profile_compiled.py [REPS] [--perf-map] [--out FILE]

Runs ``simulate`` REPS times (default 20) from one template world (as a campaign worker does), one
process, and reports

* CPU seconds per replication (``time.process_time``);
* numba NRT allocations per replication (``rtsys.get_allocation_stats``; this script sets
  ``NUMBA_NRT_STATS=1`` before numba is imported).

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
            for line in out.splitlines():
                parts = line.split()
                if len(parts) == 4 and parts[2] in "tT":
                    addr = engine.get_function_address(parts[3])
                    if addr:
                        rows[addr] = (int(parts[1], 16), parts[3])
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
    if "--perf-map" in argv:
        res["perf_map_functions"] = write_perf_map()
    print(json.dumps(res, indent=1))
    tmp = out + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(res, fh, indent=1)
    os.replace(tmp, out)


if __name__ == "__main__":
    main(sys.argv[1:])
