"""Exact weapon–target assignment: column generation, reduced-cost enumeration, HiGHS MILP.

Formulation (Dantzig–Wolfe reformulation of the WTA per target; the "target-based" set
partitioning model of the WTA literature). A *pattern* ``k in K_j`` for target ``j`` is a vector
of rounds ``k_i`` per weapon type (respecting the feasibility mask and the per-target maximum);
its cost is exact, ``c_jk = V_j prod_i q_ij ** k_i``. With ``lambda_jk`` in {0, 1}:

    min  sum_jk c_jk lambda_jk
    s.t. sum_k lambda_jk = 1                          for every target j      (dual sigma_j)
         sum_jk k_i lambda_jk <= mu_i                 for every type i        (dual -pi_i)
         sum_jk [k_i > 0] lambda_jk <= channels_i     for every type i        (dual -rho_i)

1. **Column generation** solves the LP relaxation (HiGHS simplex, warm-started). Pricing per
   target is the exact depth-first search ``wta_kernels.price_target`` for the most negative
   reduced cost ``rc_j(k) = c_jk + sum_i (pi_i k_i + rho_i [k_i > 0]) - sigma_j``.
   For any duals ``pi, rho >= 0`` the Lagrangian value
   ``L = sum_j sigma_j - pi.mu - rho.channels + sum_j min_k rc_j(k)`` is a valid lower bound.
2. **Reduced-cost enumeration.** For every feasible integer solution using pattern ``k_j`` on
   each target, ``F = L + sum_j (rc_j(k_j) - min rc_j) + (non-negative slack terms)``. So a
   solution better than the incumbent ``UB`` only uses patterns with
   ``rc_j(k) <= min rc_j + (UB - L)``; the same search lists all of them.
3. **MILP.** HiGHS branch-and-cut over the enumerated binary columns, started from the incumbent.
   If the list is complete its optimum is the global optimum and its dual bound a global bound;
   if it was truncated (``max_columns``) only ``L`` is reported as the bound.

The objective is never linearised: column costs are the exact products, so no breakpoint
tolerance (the ``delta`` of Andersen, Pavlikov & Toffolo 2022) limits the precision.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

import highspy
import numpy as np

from iadsim.c2 import wta_kernels as _k

if TYPE_CHECKING:
    from iadsim.c2.assignment import AssignmentProblem

_INF = highspy.kHighsInf


@dataclass
class ExactResult:
    """Raw result of ``solve_exact`` (``x`` (W, T) int64, proven lower ``bound``)."""

    x: np.ndarray
    bound: float
    status: str
    info: dict[str, float | int | str] = field(default_factory=dict)


@dataclass
class _Columns:
    """Columns as flat arrays: target, start offsets into (weapon, rounds) entries, cost."""

    target: list[int] = field(default_factory=list)
    w: list[np.ndarray] = field(default_factory=list)
    k: list[np.ndarray] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)


def _highs(time_limit: float) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", max(float(time_limit), 0.01))
    return h


def _col_sparse(T: int, W: int, use_ch: bool, j: int, w: np.ndarray,
                k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    idx = [np.array([j]), T + w]
    val = [np.array([1.0]), k.astype(np.float64)]
    if use_ch:
        idx.append(T + W + w)
        val.append(np.ones(w.size))
    return np.concatenate(idx).astype(np.int32), np.concatenate(val)


def _add_cols(h: highspy.Highs, T: int, W: int, use_ch: bool, cols: _Columns, first: int,
              integer: bool) -> None:
    n = len(cols.cost) - first
    if n <= 0:
        return
    starts = np.zeros(n, dtype=np.int32)
    idx: list[np.ndarray] = []
    val: list[np.ndarray] = []
    pos = 0
    for c in range(first, first + n):
        ii, vv = _col_sparse(T, W, use_ch, cols.target[c], cols.w[c], cols.k[c])
        starts[c - first] = pos
        pos += ii.size
        idx.append(ii)
        val.append(vv)
    cost = np.asarray(cols.cost[first:], dtype=np.float64)
    h.addCols(n, cost, np.zeros(n), np.full(n, 1.0 if integer else _INF), pos, starts,
              np.concatenate(idx).astype(np.int32), np.concatenate(val))
    if integer:
        nc = h.getNumCol()
        h.changeColsIntegrality(n, np.arange(nc - n, nc, dtype=np.int32),
                                np.full(n, highspy.HighsVarType.kInteger))


def _add_rows(h: highspy.Highs, T: int, counts: np.ndarray, ch: np.ndarray | None) -> None:
    lo = [np.ones(T), np.full(counts.size, -_INF)]
    up = [np.ones(T), counts.astype(np.float64)]
    if ch is not None:
        lo.append(np.full(ch.size, -_INF))
        up.append(ch.astype(np.float64))
    lo_a = np.concatenate(lo)
    up_a = np.concatenate(up)
    h.addRows(lo_a.size, lo_a, up_a, 0, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32),
              np.zeros(0))


class _Pricer:
    """Per-target pricing / enumeration with the compiled DFS."""

    def __init__(self, V: np.ndarray, q: np.ndarray, a: np.ndarray, allowed: np.ndarray,
                 counts: np.ndarray, tmax: np.ndarray) -> None:
        self.V, self.q, self.a, self.allowed, self.tmax = V, q, a, allowed, tmax
        W, T = q.shape
        self.cap = np.ascontiguousarray(np.minimum(counts[:, None], tmax[None, :]))  # (W, T)
        self.cand = [np.flatnonzero(allowed[:, j]) for j in range(T)]
        self.qT = np.ascontiguousarray(q.T)
        self.aT = np.ascontiguousarray(a.T)
        self.capT = np.ascontiguousarray(self.cap.T)
        self.buf_w = np.zeros(4096, dtype=np.int64)
        self.buf_k = np.zeros(4096, dtype=np.int64)
        self.buf_s = np.zeros(2, dtype=np.int64)
        self.buf_rc = np.zeros(1)
        self.eps = 0.0
        self.max_nodes = 200_000

    def _order(self, j: int, price: np.ndarray) -> np.ndarray:
        c = self.cand[j]
        r = price[c] / np.maximum(self.aT[j, c], 1e-300)
        return np.ascontiguousarray(c[np.argsort(r, kind="stable")])

    def best(self, j: int, price: np.ndarray, first: np.ndarray,
             sigma: float) -> tuple[float, np.ndarray, np.ndarray, bool]:
        """Most negative reduced-cost pattern of target ``j``: (rc, types, rounds, proven)."""
        order = self._order(j, price)
        n, over, rc = _k.price_target(float(self.V[j]), self.qT[j], self.aT[j], price, first,
                                   self.capT[j], order, int(self.tmax[j]), float(sigma), math.inf,
                                   float(self.eps), False, 1, self.max_nodes, self.buf_w, self.buf_k, self.buf_s,
                                   self.buf_rc)
        m = int(self.buf_s[1])
        return float(rc), self.buf_w[:m].copy(), self.buf_k[:m].copy(), over == 0

    def enumerate(self, j: int, price: np.ndarray, first: np.ndarray, sigma: float, thr: float,
                  max_out: int) -> tuple[list[tuple[np.ndarray, np.ndarray, float]], bool]:
        """All patterns of target ``j`` with ``rc <= thr`` (and whether the cap was hit)."""
        order = self._order(j, price)
        size = 1024
        while True:
            ow = np.zeros(size * 8, dtype=np.int64)
            ok = np.zeros(size * 8, dtype=np.int64)
            os_ = np.zeros(size + 1, dtype=np.int64)
            orc = np.zeros(size)
            n, overflow, _ = _k.price_target(float(self.V[j]), self.qT[j], self.aT[j], price,
                                             first, self.capT[j], order, int(self.tmax[j]),
                                             float(sigma), float(thr), 0.0, True, size,
                                             self.max_nodes * 50, ow, ok, os_, orc)
            if overflow != 1 or size >= max_out:
                break
            size = min(size * 8, max_out)
        out = [(ow[os_[c]:os_[c + 1]].copy(), ok[os_[c]:os_[c + 1]].copy(), float(orc[c]))
               for c in range(n)]
        return out, bool(overflow)


def _cost(V: float, qj: np.ndarray, w: np.ndarray, k: np.ndarray) -> float:
    return float(V * np.prod(qj[w] ** k))


def solve_exact(problem: AssignmentProblem, x_start: np.ndarray, *, time_limit: float = 60.0,
                rel_gap: float = 1e-7, max_columns: int = 400_000,
                max_iterations: int = 1000) -> ExactResult:
    """Solve ``problem`` to proven optimality (or until ``time_limit`` s); see module doc.

    Parameters
    ----------
    problem : AssignmentProblem
    x_start : (W, T) int
        A feasible incumbent (e.g. the ``heuristic`` solver's).
    """
    t0 = time.perf_counter()
    deadline = t0 + max(time_limit, 0.05)
    V = problem.values
    q = problem.survival()
    a = problem.log_kill()
    allowed = problem.allowed()
    counts = problem.counts
    tmax = problem.target_limits()
    W, T = q.shape
    use_ch = problem.channels is not None
    ch = problem.channel_limits() if use_ch else None
    pricer = _Pricer(V, q, a, allowed, counts, tmax)
    x_ub = np.asarray(x_start, dtype=np.int64).copy()
    ub = float(np.sum(V * np.prod(q ** x_ub, axis=0)))
    pricer.eps = 1e-10 * max(ub, 1e-12)

    cols = _Columns()
    for j in range(T):  # empty patterns
        cols.target.append(j)
        cols.w.append(np.zeros(0, dtype=np.int64))
        cols.k.append(np.zeros(0, dtype=np.int64))
        cols.cost.append(float(V[j]))
    wi, tj = np.nonzero(allowed)
    for i, j in zip(wi.tolist(), tj.tolist()):  # one to cap rounds of one type: sensible duals
        for kk in range(1, int(pricer.cap[i, j]) + 1):
            cols.target.append(j)
            cols.w.append(np.array([i], dtype=np.int64))
            cols.k.append(np.array([kk], dtype=np.int64))
            cols.cost.append(float(V[j] * q[i, j] ** kk))
    for j in range(T):  # the incumbent's patterns
        w = np.flatnonzero(x_ub[:, j] > 0)
        if w.size:
            cols.target.append(j)
            cols.w.append(w)
            cols.k.append(x_ub[w, j])
            cols.cost.append(_cost(float(V[j]), q[:, j], w, x_ub[w, j]))

    lp = _highs(deadline - time.perf_counter())
    _add_rows(lp, T, counts, ch)
    _add_cols(lp, T, W, use_ch, cols, 0, integer=False)
    lb = 0.0
    scale = max(ub, 1e-12)
    tol = 1e-9 * scale
    it = 0
    sigma = np.zeros(T)
    price = np.zeros(W)
    first = np.zeros(W)
    minrc = np.zeros(T)
    converged = False
    while it < max_iterations and time.perf_counter() < deadline:
        it += 1
        lp.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
        lp.run()
        if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        lp_obj = float(lp.getInfo().objective_function_value)
        dual = np.asarray(lp.getSolution().row_dual)
        sigma = dual[:T].copy()
        price = np.maximum(-dual[T:T + W], 0.0)
        first = np.maximum(-dual[T + W:T + 2 * W], 0.0) if use_ch else np.zeros(W)
        n_before = len(cols.cost)
        proven = True
        for j in range(T):
            rc, w, k, pj = pricer.best(j, price, first, float(sigma[j]))
            proven &= pj
            minrc[j] = min(rc, 0.0) - pricer.eps  # search is exact to within eps
            if rc < -tol:
                cols.target.append(j)
                cols.w.append(w)
                cols.k.append(k)
                cols.cost.append(_cost(float(V[j]), q[:, j], w, k))
        dual_obj = float(sigma.sum() - price @ counts - (first @ ch if ch is not None else 0.0))
        if proven:
            lb = max(lb, dual_obj + float(minrc.sum()))
        if len(cols.cost) == n_before and proven:
            converged = True
            lb = max(lb, min(lp_obj, dual_obj))
            break
        _add_cols(lp, T, W, use_ch, cols, n_before, integer=False)
    info: dict[str, float | int | str] = {"cg_iterations": it, "lp_bound": lb, "incumbent_start": ub,
                                          "cg_time_s": time.perf_counter() - t0,
                                          "cg_converged": int(converged)}
    if ub - lb <= max(rel_gap * abs(ub), 1e-12):
        info["enumerated_columns"] = 0
        return ExactResult(x_ub, lb, "optimal", info)
    if time.perf_counter() >= deadline:
        return ExactResult(x_ub, lb, "time_limit", info)

    # ---- restricted master MILP over the generated columns: a near-optimal incumbent, so that
    # the enumeration gap below is small (price-and-branch)
    rx, _, _, _ = _solve_mip(cols, [], T, W, use_ch, counts, ch, x_ub, q, V, allowed, tmax,
                             min(deadline - time.perf_counter(), 0.3 * max(time_limit, 0.05)),
                             rel_gap)
    robj = float(np.sum(V * np.prod(q ** rx, axis=0)))
    if robj < ub:
        x_ub, ub = rx, robj
    info["restricted_mip_objective"] = robj
    info["restricted_mip_time_s"] = time.perf_counter() - t0 - float(info["cg_time_s"])
    if ub - lb <= max(rel_gap * abs(ub), 1e-12):
        info["enumerated_columns"] = 0
        return ExactResult(x_ub, lb, "optimal", info)
    if time.perf_counter() >= deadline:
        return ExactResult(x_ub, lb, "time_limit", info)

    # ---- reduced-cost enumeration with the last duals (valid for any pi, rho >= 0)
    dual_obj = float(sigma.sum() - price @ counts - (first @ ch if ch is not None else 0.0))
    lag = dual_obj + float(minrc.sum())
    gap_abs = ub - lag + 1e-9 * scale
    ecols = _Columns()
    truncated = False
    budget = max_columns
    for j in range(T):
        pats, over = pricer.enumerate(j, price, first, float(sigma[j]), float(minrc[j] + gap_abs),
                                      max(budget, 1))
        truncated |= over
        for w, k, _ in pats:
            ecols.target.append(j)
            ecols.w.append(w)
            ecols.k.append(k)
            ecols.cost.append(_cost(float(V[j]), q[:, j], w, k))
        budget -= len(pats)
        if budget <= 0 or time.perf_counter() >= deadline:
            truncated = True
            break
    info["enumerated_columns"] = len(ecols.cost)
    info["enum_truncated"] = int(truncated)
    info["enum_time_s"] = time.perf_counter() - t0
    x, mb, ms_opt, nodes = _solve_mip(ecols, [], T, W, use_ch, counts, ch, x_ub, q, V, allowed,
                                      tmax, deadline - time.perf_counter(), rel_gap)
    info["mip_time_s"] = time.perf_counter() - t0 - float(info["enum_time_s"])
    info["mip_nodes"] = nodes
    status = "time_limit"
    bound = lag
    obj = float(np.sum(V * np.prod(q ** x, axis=0)))
    if obj < ub:
        x_ub, ub = x, obj
    if not truncated:
        if math.isfinite(mb):
            bound = max(bound, mb)
        if ms_opt:
            status = "optimal"
    bound = min(bound, ub)
    return ExactResult(x_ub, bound, status, info)


def _solve_mip(cols: _Columns, _unused: list[int], T: int, W: int, use_ch: bool,
               counts: np.ndarray, ch: np.ndarray | None, x_ub: np.ndarray, q: np.ndarray,
               V: np.ndarray, allowed: np.ndarray, tmax: np.ndarray, time_limit: float,
               rel_gap: float) -> tuple[np.ndarray, float, bool, int]:
    """Binary master over ``cols`` with HiGHS, started from ``x_ub`` (whose columns are added).

    Returns (x, dual bound, proven optimal, nodes); ``x`` is ``x_ub`` if nothing better is found.
    """
    ecols = _Columns(list(cols.target), list(cols.w), list(cols.k), list(cols.cost))
    key: dict[tuple[int, tuple[int, ...], tuple[int, ...]], int] = {}
    for c in range(len(ecols.cost)):
        key[(ecols.target[c], tuple(ecols.w[c].tolist()), tuple(ecols.k[c].tolist()))] = c
    start_cols: list[int] = []
    for j in range(T):
        w = np.flatnonzero(x_ub[:, j] > 0)
        kk = x_ub[w, j]
        kt = (j, tuple(w.tolist()), tuple(kk.tolist()))
        found = key.get(kt)
        c = len(ecols.cost) if found is None else found
        if found is None:
            key[kt] = c
            ecols.target.append(j)
            ecols.w.append(w)
            ecols.k.append(kk)
            ecols.cost.append(_cost(float(V[j]), q[:, j], w, kk))
        start_cols.append(c)
    mip = _highs(time_limit)
    mip.setOptionValue("mip_rel_gap", float(rel_gap))
    mip.setOptionValue("mip_abs_gap", 1e-12)
    _add_rows(mip, T, counts, ch)
    _add_cols(mip, T, W, use_ch, ecols, 0, integer=True)
    # (no MIP start: HiGHS 1.16 setSolution gave a wrong incumbent value here; the caller
    # keeps x_ub if the MIP finds nothing better)
    mip.run()
    ms = mip.getModelStatus()
    minfo = mip.getInfo()

    x = x_ub
    if minfo.primal_solution_status >= 1:
        vals = np.asarray(mip.getSolution().col_value)
        xn = np.zeros((W, T), dtype=np.int64)
        for cc in np.flatnonzero(vals > 0.5).tolist():
            xn[ecols.w[cc], ecols.target[cc]] = ecols.k[cc]
        if not _violates(xn, counts, allowed, ch, tmax) and (
                np.sum(V * np.prod(q ** xn, axis=0)) < np.sum(V * np.prod(q ** x_ub, axis=0))):
            x = xn
    mb = float(minfo.mip_dual_bound)
    return x, mb, ms == highspy.HighsModelStatus.kOptimal, int(minfo.mip_node_count)


def _violates(x: np.ndarray, counts: np.ndarray, allowed: np.ndarray, ch: np.ndarray | None,
              tmax: np.ndarray) -> bool:
    if np.any(x.sum(axis=1) > counts) or np.any(x[~allowed] > 0) or np.any(x.sum(axis=0) > tmax):
        return True
    return ch is not None and bool(np.any((x > 0).sum(axis=1) > ch))
