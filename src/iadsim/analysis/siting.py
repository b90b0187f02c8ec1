"""Battery siting as a maximal-covering location problem.

Given a coverage matrix ``A`` (``A[i, j]`` = candidate site ``j`` covers demand point ``i``) and
weights ``w_i`` (cell area in m², or defended-asset value), choose ``k`` candidates maximising the
covered weight ``f(S) = Σ_i w_i · [∃ j ∈ S: A[i, j]]``. Points already covered by batteries kept
in place (``--keep-existing``) get weight 0.

* **Greedy**: add the candidate with the largest marginal gain, ``k`` times. ``f`` is monotone
  submodular, so greedy achieves ``f(S_greedy) ≥ (1 − 1/e) f(S*)`` (Nemhauser, Wolsey & Fisher
  1978); the reported bound ``f(S_greedy) / (1 − 1/e)`` is an upper bound on the optimum.
* **Exact**: the maximal covering location MILP (Church & ReVelle 1974)::

      max Σ_i w_i y_i   s.t.   y_i ≤ Σ_j A[i, j] x_j  (∀ i),   Σ_j x_j = k,
      x_j ∈ {0, 1},  0 ≤ y_i ≤ 1

  solved by HiGHS (``highspy``) under a time limit; the reported gap is HiGHS's relative MIP gap
  (0 when proven optimal). Before solving, points no candidate covers are dropped and points with
  identical coverage rows are merged (weights summed), which shrinks the model by orders of
  magnitude on real grids without changing the optimum. The greedy solution, improved by single
  swaps (local search), is given to HiGHS as a starting incumbent.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
from numpy.typing import NDArray

from iadsim.errors import InputError

__all__ = ["SitingSolution", "greedy_max_cover", "exact_max_cover", "brute_force_max_cover", "compress", "swap_local_search"]

B = NDArray[np.bool_]
F64 = NDArray[np.float64]


@dataclass
class SitingSolution:
    """Result of a siting method.

    Attributes
    ----------
    chosen : list of int
        Candidate indices, in the order chosen (greedy) or ascending (exact).
    value : float
        Covered weight ``f(S)`` (not counting points already covered by fixed batteries).
    bound : float
        Upper bound on the optimum known to the method (greedy: ``value / (1 − 1/e)``; exact: the
        MILP dual bound).
    gap : float
        ``(bound − value) / max(value, tiny)``; 0 when proven optimal.
    method : str
    status : str
    runtime_s : float
    gains : list of float
        Greedy marginal gains per step (empty for exact).
    """

    chosen: list[int]
    value: float
    bound: float
    gap: float
    method: str
    status: str
    runtime_s: float
    gains: list[float] = field(default_factory=list)


def _check(cover: B, weights: F64, k: int) -> tuple[B, F64]:
    a = np.asarray(cover, dtype=bool)
    w = np.asarray(weights, dtype=np.float64)
    if a.ndim != 2 or w.shape != (a.shape[0],):
        raise InputError(f"coverage matrix must be (points, candidates) and weights (points,) (got {a.shape}, {w.shape})")
    if not (1 <= k <= a.shape[1]):
        raise InputError(f"k must be between 1 and the number of candidates ({a.shape[1]}) (got {k})")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise InputError("weights must be finite and non-negative")
    return a, w


def compress(cover: B, weights: F64) -> tuple[B, F64]:
    """Drop points nobody covers or of zero weight; merge identical coverage rows (sum weights).

    Returns
    -------
    cover : (I', J) bool, weights : (I',) float64 — the same objective for every candidate set.
    """
    a, w = np.asarray(cover, dtype=bool), np.asarray(weights, dtype=np.float64)
    keep = a.any(axis=1) & (w > 0)
    a, w = a[keep], w[keep]
    if a.shape[0] == 0:
        return a, w
    packed = np.packbits(a, axis=1)
    _, inv = np.unique(packed, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    n = int(inv.max()) + 1
    w2 = np.bincount(inv, weights=w, minlength=n)
    first = np.full(n, -1, dtype=np.int64)
    first[inv[::-1]] = np.arange(inv.size)[::-1]  # first occurrence of each class
    return a[first], np.asarray(w2, dtype=np.float64)


def greedy_max_cover(cover: B, weights: F64, k: int) -> SitingSolution:
    """Greedy maximal covering (``(1 − 1/e)``-approximate), vectorised over candidates.

    Parameters
    ----------
    cover : (I, J) bool
    weights : (I,) float
    k : int
    """
    t0 = time.perf_counter()
    a, w = _check(cover, weights, k)
    a, w = compress(a, w)
    af = a.astype(np.float64)
    alive = w.copy()  # weight of points not yet covered
    chosen: list[int] = []
    gains: list[float] = []
    for _ in range(k):
        g = alive @ af  # marginal gain of each candidate, (J,)
        if chosen:
            g[chosen] = -1.0
        j = int(np.argmax(g))
        chosen.append(j)
        gains.append(float(g[j]))
        alive = np.where(a[:, j], 0.0, alive)
    value = float(sum(gains))
    bound = min(value / (1.0 - 1.0 / math.e), float(w.sum()))
    return SitingSolution(
        chosen=chosen,
        value=value,
        bound=bound,
        gap=(bound - value) / max(value, 1e-300),
        method="greedy",
        status="heuristic (1-1/e guarantee)",
        runtime_s=time.perf_counter() - t0,
        gains=gains,
    )


def swap_local_search(cover: B, weights: F64, chosen: list[int], max_rounds: int = 50) -> list[int]:
    """Improve a k-set by best single swaps (one chosen out, one other in) until none helps.

    Each round is vectorised: for every chosen ``i`` the gain of each candidate ``j`` is one
    matrix–vector product over the points left uncovered without ``i``.
    """
    a = np.asarray(cover, dtype=bool)
    w = np.asarray(weights, dtype=np.float64)
    af = a.astype(np.float64)
    sel = list(chosen)
    cnt = a[:, sel].sum(axis=1)
    for _ in range(max_rounds):
        base = float(w[cnt > 0].sum())
        best_gain, best_move = 1e-9 * max(base, 1.0), None
        for pos, i in enumerate(sel):
            cnt_wo = cnt - a[:, i]
            alive = np.where(cnt_wo > 0, 0.0, w)
            val_wo = base - float(alive[a[:, i]].sum())  # f(S − i)
            g = alive @ af  # f(S − i + j) − f(S − i)
            g[sel] = -np.inf
            j = int(np.argmax(g))
            gain = val_wo + float(g[j]) - base
            if gain > best_gain:
                best_gain, best_move = gain, (pos, j)
        if best_move is None:
            break
        pos, j = best_move
        cnt = cnt - a[:, sel[pos]] + a[:, j]
        sel[pos] = j
    return sel


def _quiet_highs(highspy: Any) -> Any:
    """``highspy.Highs()`` without the banner it prints on C-level stdout when constructed."""
    import os
    import sys

    try:
        sys.stdout.flush()
        fd = os.dup(1)
    except (OSError, ValueError):  # no real stdout (e.g. some notebook frontends)
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            try:
                return highspy.Highs()
            finally:
                os.dup2(fd, 1)
    finally:
        os.close(fd)


def exact_max_cover(
    cover: B,
    weights: F64,
    k: int,
    *,
    time_limit_s: float = 30.0,
    mip_rel_gap: float = 1e-6,
    threads: int | None = 1,
) -> SitingSolution:
    """Maximal covering location MILP solved by HiGHS (see module docstring).

    Parameters
    ----------
    cover : (I, J) bool
    weights : (I,) float
    k : int
    time_limit_s
        HiGHS time limit; on expiry the best incumbent and its gap are returned.
    mip_rel_gap
        Relative gap at which HiGHS stops.
    threads
        HiGHS threads (1 keeps runs reproducible and light).
    """
    import highspy
    import scipy.sparse as sp

    t0 = time.perf_counter()
    a, w = _check(cover, weights, k)
    a, w = compress(a, w)
    n_pts, n_cand = a.shape
    if n_pts == 0:
        return SitingSolution(list(range(k)), 0.0, 0.0, 0.0, "exact", "trivial (nothing coverable)", time.perf_counter() - t0)
    warm = greedy_max_cover(a, w, k)
    warm_set = swap_local_search(a, w, warm.chosen)  # better incumbent for HiGHS
    warm_value = float(w[a[:, warm_set].any(axis=1)].sum())
    h = _quiet_highs(highspy)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    inf = highspy.kHighsInf
    # columns: x_0..x_{J-1} (binary), y_0..y_{I-1} (continuous, [0,1])
    n_col = n_cand + n_pts
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = n_pts + 1
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([np.zeros(n_cand), w])
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = np.ones(n_col)
    # rows: y_i − Σ_j A_ij x_j ≤ 0  (i < I);  Σ_j x_j = k  (row I)
    ri, cj = np.nonzero(a)
    rows = np.concatenate([ri, np.arange(n_pts), np.full(n_cand, n_pts)])
    cols = np.concatenate([cj, n_cand + np.arange(n_pts), np.arange(n_cand)])
    vals = np.concatenate([-np.ones(ri.size), np.ones(n_pts), np.ones(n_cand)])
    mat = sp.csc_matrix((vals, (rows, cols)), shape=(n_pts + 1, n_col))
    lp.row_lower_ = np.concatenate([np.full(n_pts, -inf), [float(k)]])
    lp.row_upper_ = np.concatenate([np.zeros(n_pts), [float(k)]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = mat.data.astype(np.float64)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cand + [highspy.HighsVarType.kContinuous] * n_pts
    h.passModel(lp)
    # greedy incumbent as a starting solution
    x0 = np.zeros(n_col)
    x0[warm_set] = 1.0
    x0[n_cand:] = a[:, warm_set].any(axis=1)
    sol = highspy.HighsSolution()
    sol.col_value = list(x0)
    sol.value_valid = True
    try:
        h.setSolution(sol)
    except Exception:  # pragma: no cover - older highspy without setSolution(HighsSolution)
        pass
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    xs = np.asarray(h.getSolution().col_value[:n_cand])
    if xs.size != n_cand or not np.all(np.isfinite(xs)):
        chosen = warm.chosen
    else:
        chosen = sorted(int(j) for j in np.argsort(-xs)[:k])
    value = float(w[a[:, chosen].any(axis=1)].sum())
    if value < warm_value:  # never worse than the incumbent we handed over
        chosen, value = sorted(warm_set), warm_value
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else warm.bound
    bound = max(bound, value)
    gap = (bound - value) / max(value, 1e-300)
    return SitingSolution(
        chosen=chosen,
        value=value,
        bound=bound,
        gap=gap if gap > 1e-9 else 0.0,
        method="exact",
        status=status,
        runtime_s=time.perf_counter() - t0,
    )


def brute_force_max_cover(cover: B, weights: F64, k: int) -> SitingSolution:
    """Enumerate every ``k``-subset (reference for tests; only for small instances)."""
    t0 = time.perf_counter()
    a, w = _check(cover, weights, k)
    if math.comb(a.shape[1], k) > 2_000_000:
        raise InputError("brute force is only for small instances")
    best_v, best = -1.0, None
    for combo in combinations(range(a.shape[1]), k):
        v = float(w[a[:, combo].any(axis=1)].sum())
        if v > best_v:
            best_v, best = v, list(combo)
    assert best is not None
    return SitingSolution(best, best_v, best_v, 0.0, "brute-force", "optimal", time.perf_counter() - t0)
