"""What one track update costs inside ``gnn_cv_step`` (not a test): the per-pair kernels in a compiled loop.

Usage: ``python benchmarks/bench_update_pair.py [--reps 2000] [--out benchmarks/results/update-pair.json]``

Times, in one compiled driver each (no Python between calls; 64 random positive-definite states,
``--reps`` passes over them, the fastest of 5 runs), nanoseconds per call of

* ``kernels.gain_pair``: the gain Kᵀ = S⁻¹ (P Hᵀ)ᵀ of one (track, detection) pair (3 × 3, 6
  right-hand sides) by the written-out solve ``kernels.gesv3_into``, and side by side the same
  pair through LAPACK ``gesv`` as numba's ``np.linalg.solve`` calls it (the former kernel);
* ``kernels.joseph_pair``: the Joseph-form update of that pair given the gain;
* ``kernels._cv_predict_one``: the CV prediction of one row (each round predicts every live row
  of the sites with a detection);

counts, over ``--systems`` random 3 × 3 systems with 6 right-hand sides (innovation covariances
of a wide dynamic range and general matrices, every pivot order), the solutions of
``gesv3_into`` that differ in any bit from this host's LAPACK ``dgesv`` (numba's binding, the
library ``np.linalg.solve`` uses in compiled code) and, for the first column alone, those of
``gesv3_1_into`` that differ from compiled ``np.linalg.solve``; and counts the updates of one ``turkey-2017`` replication (its own seed): every Detection row
either updates a track or starts one, so updates = Detection rows − TrackInitiated rows. The
product is the part of ``gnn_cv_step``'s time (``profile_compiled.py --phases``) that is the
updates' arithmetic and the LAPACK call, as opposed to the association and bookkeeping.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

from iadsim.tracking import kernels as K  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _results import write_json  # noqa: E402


@njit(cache=False)
def _gain(P, R, reps):  # noqa: ANN001, ANN202
    Kt = np.empty((P.shape[0], 3, 6))
    acpy, bcpy, ipiv = np.empty(9), np.empty(18), np.empty(3, K._F_INT)
    for _ in range(reps):
        for i in range(P.shape[0]):
            K.gain_pair(P, i, R, i, Kt, i, acpy, bcpy, ipiv)
    return Kt


@njit(cache=False)
def _gain_lapack(P, R, reps):  # noqa: ANN001, ANN202
    Kt = np.empty((P.shape[0], 3, 6))
    acpy, bcpy, ipiv = np.empty(9), np.empty(18), np.empty(3, K._F_INT)
    for _ in range(reps):
        for q in range(P.shape[0]):
            for j in range(9):
                i = j % 3
                c = j // 3
                acpy[j] = 0.5 * ((P[q, i, c] + R[q, i, c]) + (P[q, c, i] + R[q, c, i]))
            for j in range(18):
                bcpy[j] = P[q, j // 3, j % 3]
            K._XGESV(K._KIND_D, 3, 6, acpy.ctypes, 3, ipiv.ctypes, bcpy.ctypes, 3)
            for i in range(3):
                for r in range(6):
                    Kt[q, i, r] = bcpy[i + r * 3]
    return Kt


@njit(cache=False)
def _mismatches(S, B):  # noqa: ANN001, ANN202
    """Systems whose gesv3_into solution (or info) differs in any bit from LAPACK dgesv's."""
    acpy, bcpy, ipiv = np.empty(9), np.empty(18), np.empty(3, K._F_INT)
    a2, b2 = np.empty(9), np.empty(18)
    bad = 0
    for q in range(S.shape[0]):
        for j in range(9):
            acpy[j] = S[q, j % 3, j // 3]
            a2[j] = acpy[j]
        for j in range(18):
            bcpy[j] = B[q, j % 3, j // 3]
            b2[j] = bcpy[j]
        info_l = K._XGESV(K._KIND_D, 3, 6, acpy.ctypes, 3, ipiv.ctypes, bcpy.ctypes, 3)
        info = K.gesv3_into(a2, b2, 6)
        same = info == info_l
        if same and info == 0:
            for j in range(18):
                if bcpy[j] != b2[j]:
                    same = False
        if not same:
            bad += 1
    return bad


@njit(cache=False)
def _mismatches1(S, b):  # noqa: ANN001, ANN202
    """Systems whose gesv3_1_into solution differs in any bit from np.linalg.solve's (one
    right-hand side, as c2.correlation solves it)."""
    a2, b2 = np.empty(9), np.empty(3)
    bad = 0
    for q in range(S.shape[0]):
        ref = np.linalg.solve(S[q], b[q])
        for j in range(9):
            a2[j] = S[q, j % 3, j // 3]
        for j in range(3):
            b2[j] = b[q, j]
        K.gesv3_1_into(a2, b2)
        for j in range(3):
            if b2[j] != ref[j]:
                bad += 1
                break
    return bad


@njit(cache=False)
def _joseph(x, P, z, R, Kt, reps):  # noqa: ANN001, ANN202
    xo, Po, yo = np.empty_like(x), np.empty_like(P), np.empty(3)
    IKH, A, KR, C = np.empty((6, 6)), np.empty((6, 6)), np.empty((6, 3)), np.empty((6, 6))
    for _ in range(reps):
        for i in range(P.shape[0]):
            K.joseph_pair(x, P, i, z, R, i, Kt, i, xo, Po, i, yo, IKH, A, KR, C)
    return Po


@njit(cache=False)
def _predict(x, P, reps):  # noqa: ANN001, ANN202
    xo, Po = np.empty_like(x), np.empty_like(P)
    for _ in range(reps):
        for i in range(P.shape[0]):
            K._cv_predict_one(x, P, i, 2.0, 8.0, 10.0, xo, Po, i)
    return Po


def _ns_per_call(f, args: tuple, reps: int, n: int) -> float:  # noqa: ANN001
    f(*args, 1)  # compile
    best = np.inf
    for _ in range(5):
        t0 = time.perf_counter()
        f(*args, reps)
        best = min(best, time.perf_counter() - t0)
    return round(best / (reps * n) * 1e9, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--out", default="benchmarks/results/update-pair.json")
    ap.add_argument("--systems", type=int, default=200_000, help="random systems for the bit-for-bit count")
    a = ap.parse_args()
    rng = np.random.default_rng(1)
    n = 64
    A = rng.normal(size=(n, 6, 6))
    P = A @ A.transpose(0, 2, 1) + np.eye(6) * 10.0
    x = rng.normal(size=(n, 6))
    R = np.broadcast_to(np.eye(3) * 4.0, (n, 3, 3)).copy()
    z = rng.normal(size=(n, 3))
    Kt = _gain(P, R, 1)
    res = {
        "gain_pair_ns": _ns_per_call(_gain, (P, R), a.reps, n),
        "gain_pair_lapack_gesv_ns": _ns_per_call(_gain_lapack, (P, R), a.reps, n),
        "joseph_pair_ns": _ns_per_call(_joseph, (x, P, z, R, Kt), a.reps, n),
        "cv_predict_one_ns": _ns_per_call(_predict, (x, P), a.reps, n),
    }
    assert np.array_equal(_gain(P, R, 1), _gain_lapack(P, R, 1))
    h = a.systems // 2
    Am = rng.normal(size=(h, 3, 3)) * 10.0 ** rng.uniform(-1, 4, (h, 1, 1))
    S1 = Am @ Am.transpose(0, 2, 1) + np.eye(3)
    S1 = 0.5 * (S1 + S1.transpose(0, 2, 1))
    S2 = rng.normal(size=(h, 3, 3)) * 10.0 ** rng.uniform(-2, 4, (h, 3, 3))
    Bs = rng.normal(size=(2 * h, 3, 6)) * 10.0 ** rng.uniform(-1, 5, (2 * h, 1, 1))
    res["bit_for_bit_with_lapack_dgesv"] = {
        "systems": 2 * h,
        "spd_mismatches": int(_mismatches(np.ascontiguousarray(S1), np.ascontiguousarray(Bs[:h]))),
        "general_mismatches": int(_mismatches(np.ascontiguousarray(S2), np.ascontiguousarray(Bs[h:]))),
        "one_rhs_spd_mismatches_with_np_linalg_solve": int(_mismatches1(np.ascontiguousarray(S1),
                                                                      np.ascontiguousarray(Bs[:h, :, 0]))),
        "one_rhs_general_mismatches_with_np_linalg_solve": int(_mismatches1(np.ascontiguousarray(S2),
                                                                          np.ascontiguousarray(Bs[h:, :, 0]))),
    }
    from iadsim.engine.run import simulate

    kinds = simulate("turkey-2017").events.column("kind").to_pylist()
    n_det, n_init = kinds.count("Detection"), kinds.count("TrackInitiated")
    res["turkey_2017_own_seed"] = {"detection_rows": n_det, "track_initiated_rows": n_init,
                                   "updates": n_det - n_init}  # fmt: skip
    per_update_ns = res["gain_pair_ns"] + res["joseph_pair_ns"]
    res["updates_ms_per_replication"] = round((n_det - n_init) * per_update_ns * 1e-6, 2)
    print(res)
    write_json(a.out, res)


if __name__ == "__main__":
    main()
