"""What an array handed to a compiled call costs in reference counting, by how the caller holds it (not a test).

Usage: ``python benchmarks/bench_refcount_callsite.py [--calls 1000000] [--out benchmarks/results/refcount-callsite.json]``

``perf`` puts a large share of a warm ``turkey-2017`` replication in numba's runtime module
(``NRT_incref`` / ``NRT_decref``: ``benchmarks/perf_steady.py``). This measures, in compiled loops
of ``--calls`` calls (the fastest of 5 runs, nanoseconds per call), one kernel that reads eight
(4,) arrays and can raise (so the call returns a status the caller branches on), called with
the arrays held five ways:

* ``tuple_elements_at_call``: ``kernel(tup[0], …, tup[7])`` inside the loop;
* ``views_at_call``: ``kernel(P[r], …)``, eight row views made inside the loop;
* ``locals_read_once``: the tuple unpacked once before the loop, ``kernel(a, …, h)``;
* ``whole_tuple``: ``kernel_t(tup)``, which unpacks the tuple itself and only indexes the arrays;
* ``unpacked_then_passed``: ``middle(tup)`` unpacks and calls ``kernel(a, …, h)``.

The difference between the first and the third, divided by eight, is the reference-count pair
(increment and decrement, atomic) of one array per call that numba's pruning leaves when the
callee can raise. Writes JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from _results import write_json  # benchmarks/_results.py (this folder is on sys.path when run as a script)
from numba import njit

HERE = Path(__file__).resolve().parent


@njit
def kernel(a, b, c, d, e, g, h, i, w):  # noqa: ANN001, ANN201
    s = 0.0
    for k in range(a.shape[0]):
        s += np.sin(a[k]) * b[k] + np.cos(c[k]) + d[k] + e[k] + g[k] + h[k] + i[k]
        w[k % w.shape[0]] = s
    for k in range(w.shape[0]):
        if w[k] < -1e300:
            raise ValueError("negative")
    return s + np.sum(w)


@njit
def kernel_t(tup, w):  # noqa: ANN001, ANN201
    # kernel's body on purpose, not a call to it: the case measures a callee that unpacks the
    # tuple and only indexes the arrays (calling kernel from here is the "unpacked_then_passed" case)
    a, b, c, d, e, g, h, i = tup
    s = 0.0
    for k in range(a.shape[0]):
        s += np.sin(a[k]) * b[k] + np.cos(c[k]) + d[k] + e[k] + g[k] + h[k] + i[k]
        w[k % w.shape[0]] = s
    for k in range(w.shape[0]):
        if w[k] < -1e300:
            raise ValueError("negative")
    return s + np.sum(w)


@njit
def middle(tup, w):  # noqa: ANN001, ANN201
    a, b, c, d, e, g, h, i = tup
    r = kernel(a, b, c, d, e, g, h, i, w)
    if r < -1e300:
        raise ValueError("negative")
    return r


@njit
def tuple_elements_at_call(tup, P, w, n):  # noqa: ANN001, ANN201
    s = 0.0
    for _ in range(n):
        s += kernel(tup[0], tup[1], tup[2], tup[3], tup[4], tup[5], tup[6], tup[7], w)
    return s


@njit
def views_at_call(tup, P, w, n):  # noqa: ANN001, ANN201
    s = 0.0
    for k in range(n):
        r = k % 8
        s += kernel(P[r], P[r], P[r], P[r], P[r], P[r], P[r], P[r], w)
    return s


@njit
def locals_read_once(tup, P, w, n):  # noqa: ANN001, ANN201
    a, b, c, d, e, g, h, i = tup
    s = 0.0
    for _ in range(n):
        s += kernel(a, b, c, d, e, g, h, i, w)
    return s


@njit
def whole_tuple(tup, P, w, n):  # noqa: ANN001, ANN201
    s = 0.0
    for _ in range(n):
        s += kernel_t(tup, w)
    return s


@njit
def unpacked_then_passed(tup, P, w, n):  # noqa: ANN001, ANN201
    s = 0.0
    for _ in range(n):
        s += middle(tup, w)
    return s


CASES = (tuple_elements_at_call, views_at_call, locals_read_once, whole_tuple, unpacked_then_passed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--out", default=str(HERE / "results" / "refcount-callsite.json"))
    args = ap.parse_args(argv)
    tup = tuple(np.ones(4) for _ in range(8))
    P = np.ones((8, 4))
    w = np.zeros(3)
    ns: dict[str, float] = {}
    for fn in CASES:
        fn(tup, P, w, 10)  # compile
        best = np.inf
        for _ in range(5):
            t0 = time.perf_counter()
            fn(tup, P, w, args.calls)
            best = min(best, time.perf_counter() - t0)
        ns[fn.__name__] = round(best / args.calls * 1e9, 1)
    pair = (ns["tuple_elements_at_call"] - ns["locals_read_once"]) / 8
    out = {"ns_per_call": ns, "refcount_pair_ns_per_array_per_call": round(pair, 1), "calls": args.calls,
           "note": "eight (4,) arrays per call; a kernel that can raise; fastest of 5 runs"}  # fmt: skip
    write_json(args.out, out)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
