"""gdb script: which compiled functions call numba's reference counting (or allocation) most.

Sampling by count, not by time: a breakpoint on ``NRT_incref`` and ``NRT_decref`` (or, with
``IADSIM_GDB_SYMBOL=NRT_MemInfo_alloc_aligned``, on the allocator) with a random ignore count
between stops, so each stop is a uniform draw over the calls; the caller of each stop is counted.
numba registers its JIT code with gdb, so frames carry the kernels' names. Usage, on a running
replication loop (``benchmarks/profile_compiled.py 400`` in another shell)::

    gdb -p <pid> -batch -x benchmarks/gdb_nrt_callers.py

Prints the callers and the (caller < its caller) pairs, most frequent first. The process is
detached (not killed) at the end. Slow by design (a stop costs gdb tens of µs): 700 samples take
about a minute.
"""

import collections
import os
import random
import re

import gdb  # type: ignore[import-not-found]  # only inside gdb

N = int(os.environ.get("IADSIM_GDB_SAMPLES", "700"))
SYMBOLS = os.environ.get("IADSIM_GDB_SYMBOL", "NRT_incref,NRT_decref").split(",")


def _name(frame) -> str:  # noqa: ANN001
    n = (frame.name() or hex(frame.pc())).split("[abi")[0]
    if n.startswith("_ZN"):
        n = re.sub(r"B\d+v\d+.*$", "", n)
    return n[-48:]


random.seed(3)
callers: collections.Counter = collections.Counter()
pairs: collections.Counter = collections.Counter()
points = [gdb.Breakpoint(s, internal=True) for s in SYMBOLS]
for _ in range(N):
    for p in points:
        p.ignore_count = random.randint(0, 1500)
    gdb.execute("continue", to_string=True)
    f = gdb.newest_frame().older()
    g = f.older() if f is not None else None
    a = _name(f) if f is not None else "?"
    callers[a] += 1
    pairs[a + " < " + (_name(g) if g is not None else "?")] += 1
print("== callers of", ",".join(SYMBOLS), f"({N} samples)")
for k, v in callers.most_common(30):
    print(v, k)
print("== caller < its caller")
for k, v in pairs.most_common(30):
    print(v, k)
gdb.execute("detach")
