"""What a search look costs per tick on ``turkey-2017``: pairs, conversions, and their share (not a test).

The compiled profile (``profile_compiled.py --phases``) puts sensing at ≈ 10 µs a tick. This
script says what that is made of, pair by pair, on the scenario's own world and its true
trajectories:

* per tick (one-second ticks 1 … ``--ticks``): the (scanning radar, target in flight) pairs
  the search looks visit, those within ``max_range + margin`` (``near_pair_rows`` writes their
  range: the pairs that get the geometry), the pairs in coverage (Pd > 0: range, ceiling, sector,
  line of sight and elevation all passed), and the targets whose geodetic coordinates are
  computed (a target with at least one pair within range: one ``ecef_to_geodetic_point`` call);
  all read from the kernel's own outputs;
* the CPU time of the search-look geometry: ``scanning_kernel`` + ``near_pair_rows`` (with their
  work arrays) over all ticks, in one compiled driver (no Python per tick), min over ``--reps``;
* the CPU time of the geodetic conversions alone: the same number of ``ecef_to_geodetic_point``
  calls on the same positions (``_ecef_to_geodetic_kernel`` over the gathered rows), min over reps.

The targets "in flight" are the mover's ``flying`` flags: a target an interceptor destroys stays
in flight here, so the counts are an upper bound on a run's (the engine's ``active`` drops it).

    python benchmarks/bench_sense_pairs.py [--ticks 1409] [--reps 7] [--out benchmarks/results/sense-pairs.json]
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

from _results import write_json  # noqa: E402 - benchmarks/_results.py
from iadsim.geo.frames import _ecef_to_geodetic_kernel  # noqa: E402
from iadsim.sensors import radar as R  # noqa: E402


@njit
def geometry_ticks(T: np.ndarray, P: np.ndarray, A: np.ndarray, cols: tuple, rcs: np.ndarray, phase: np.ndarray,
                   revisit: np.ndarray, no_alt: np.ndarray, counts: np.ndarray, conv_rows: np.ndarray) -> int:  # fmt: skip
    """The search looks' geometry of every tick, as ``sense_kernel`` does it before its draws.

    counts[k] = (pairs, within range, in coverage, targets converted) of tick k; conv_rows gets
    the flat (tick · N + target) index of every converted target; returns their number."""
    flag = np.empty(phase.shape[0], np.bool_)
    n_conv = 0
    n = P.shape[1]
    for k in range(T.shape[0]):
        R.scanning_kernel(T[k], 1.0, phase, revisit, flag)
        scan = np.flatnonzero(flag)
        act = np.flatnonzero(A[k])
        n_s, n_t = scan.shape[0], act.shape[0]
        if n_s == 0 or n_t == 0:
            continue
        pd = np.zeros((n_s, n_t))
        rng = np.zeros((n_s, n_t))
        enu = np.zeros((n_s, n_t, 3))
        R.near_pair_rows(scan, act, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8],
                         cols[9], cols[10], cols[11], cols[12], cols[13], cols[14], cols[15], cols[16], P[k], rcs,
                         False, no_alt, pd, rng, enu)  # fmt: skip
        if counts.shape[0]:
            counts[k, 0] = n_s * n_t
            for j in range(n_t):
                near = False
                for i in range(n_s):
                    if rng[i, j] > 0.0:
                        counts[k, 1] += 1
                        near = True
                    if pd[i, j] > 0.0:
                        counts[k, 2] += 1
                if near:
                    counts[k, 3] += 1
                    conv_rows[n_conv] = k * n + act[j]
                    n_conv += 1
    return n_conv


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=1409, help="ticks 1 … N (1,409: a replication's mean before quiescence)")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--out", default="benchmarks/results/sense-pairs.json")
    a = ap.parse_args()

    from iadsim.engine.world import build_template
    from iadsim.rng import make_streams
    from iadsim.scenario.catalog import load_catalog
    from iadsim.scenario.load import load_scenario

    sc = load_scenario("turkey-2017", load_catalog())
    world = build_template(sc).draw(make_streams(sc.seed))
    th, radars = world.sensed, world.radars
    T = np.arange(1, a.ticks + 1, dtype=np.float64) * world.dt_s
    states = [th.mover.state(float(t)) for t in T]
    P = np.ascontiguousarray(np.stack([s.pos_ecef_m for s in states]), np.float64)
    A = np.ascontiguousarray(np.stack([s.flying for s in states]))
    rcs = np.ascontiguousarray(th.rcs_m2, np.float64)
    cols = R._kernel_columns(radars)
    phase, revisit = R._scan_columns(radars)

    counts = np.zeros((len(T), 4), np.int64)
    conv = np.empty(len(T) * P.shape[1], np.int64)
    n_conv = geometry_ticks(T, P, A, cols, rcs, phase, revisit, R._NO_ALT, counts, conv)
    pts = np.ascontiguousarray(P.reshape(-1, 3)[conv[:n_conv]])
    lat, lon, h = np.empty(n_conv), np.empty(n_conv), np.empty(n_conv)
    no_counts, no_rows = np.zeros((0, 4), np.int64), np.zeros(0, np.int64)
    geometry_ticks(T, P, A, cols, rcs, phase, revisit, R._NO_ALT, no_counts, no_rows)  # compile the timed path
    _ecef_to_geodetic_kernel(pts, lat, lon, h)
    t_geo, t_conv = [], []
    for _ in range(a.reps):  # the two timings alternate, so a drift of the machine's speed hits both
        c = time.process_time()
        geometry_ticks(T, P, A, cols, rcs, phase, revisit, R._NO_ALT, no_counts, no_rows)
        t_geo.append(time.process_time() - c)
        c = time.process_time()
        _ecef_to_geodetic_kernel(pts, lat, lon, h)
        t_conv.append(time.process_time() - c)
    per_tick = counts.mean(axis=0)
    geo_ms, conv_ms = 1e3 * min(t_geo), 1e3 * min(t_conv)
    doc = {
        "scenario": "turkey-2017",
        "seed": sc.seed,
        "ticks": len(T),
        "radars": len(radars),
        "objects": int(P.shape[1]),
        "per_tick": {
            "pairs_visited": round(float(per_tick[0]), 2),
            "pairs_within_range": round(float(per_tick[1]), 2),
            "pairs_in_coverage": round(float(per_tick[2]), 2),
            "targets_converted_to_geodetic": round(float(per_tick[3]), 2),
            "targets_in_flight": round(float(A.sum(axis=1).mean()), 2),
        },
        "search_geometry_ms_per_replication": round(geo_ms, 2),
        "search_geometry_us_per_tick": round(1e3 * geo_ms / len(T), 2),
        "geodetic_conversions_per_replication": int(n_conv),
        "geodetic_conversions_ms_per_replication": round(conv_ms, 2),
        "geodetic_ns_per_conversion": round(1e6 * conv_ms / max(n_conv, 1), 1),
        "geodetic_share_of_search_geometry": round(conv_ms / geo_ms, 3),
        "note": "CPU time (process_time), min over reps, one process; targets in flight from the mover "
                "(interceptor kills not applied: an upper bound on a run's counts)",
    }
    write_json(a.out, doc)
    print(json.dumps(doc))


if __name__ == "__main__":
    main()
