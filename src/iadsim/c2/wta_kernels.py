"""Compiled (numba) kernels for weapon–target assignment (WTA).

All kernels work on the same struct-of-arrays state:

* ``V``  (T,)   target values (>= 0),
* ``q``  (W, T) single-shot survival probabilities ``1 - p_ij``,
* ``a``  (W, T) log-survival weights ``-ln q_ij`` (clipped to ``A_MAX`` when ``q = 0``),
* ``allowed`` (W, T) feasibility mask (envelope / time-of-flight window / readiness),
* ``counts`` (W,) rounds per weapon type (``mu_i``), ``channels`` (W,) the most distinct targets
  a weapon type may engage at once, ``tmax`` (T,) the most rounds on one target (doctrine),
* ``x`` (W, T) int64 rounds of type ``i`` on target ``j``.

The expected surviving value of target ``j`` is ``S_j = V_j * prod_i q_ij ** x_ij``; the objective
of every solver is ``sum_j S_j`` (Manne 1958; den Broeder et al. 1959).

The kernels are loops over weapons and targets compiled with numba (``cache=True``): the moves
of a local search and the branches of a depth-first pricing search are inherently sequential.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)

A_MAX = 700.0
"""Cap on ``-ln q`` (``q = 0`` means a certain kill; ``exp(-700)`` is 1e-304)."""


@njit(cache=True, error_model="numpy")
def _can_add(i: int, j: int, x: np.ndarray, remaining: np.ndarray, used_ch: np.ndarray,
             channels: np.ndarray, tot: np.ndarray, tmax: np.ndarray,
             allowed: np.ndarray) -> bool:  # pragma: no cover - compiled
    """Whether one more round of type ``i`` may be put on target ``j``."""
    if not allowed[i, j] or remaining[i] <= 0 or tot[j] >= tmax[j]:
        return False
    if x[i, j] == 0 and used_ch[i] >= channels[i]:
        return False
    return True


@njit(cache=True, error_model="numpy")
def _mmr_col(j: int, x: np.ndarray, S: np.ndarray, q: np.ndarray, remaining: np.ndarray,
             used_ch: np.ndarray, channels: np.ndarray, tot: np.ndarray, tmax: np.ndarray,
             allowed: np.ndarray, colbest: np.ndarray,
             colarg: np.ndarray) -> None:  # pragma: no cover - compiled
    """Refresh the best feasible weapon type (and its marginal return) of target ``j``."""
    best = -1.0
    arg = -1
    for i in range(q.shape[0]):
        if _can_add(i, j, x, remaining, used_ch, channels, tot, tmax, allowed):
            g = S[j] * (1.0 - q[i, j])
            if g > best:
                best = g
                arg = i
    colbest[j] = best
    colarg[j] = arg


@njit(cache=True, error_model="numpy")
def mmr_construct(V: np.ndarray, q: np.ndarray, allowed: np.ndarray, counts: np.ndarray,
                  channels: np.ndarray, tmax: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Maximum-marginal-return construction (den Broeder, Ellison & Emerling 1959).

    Repeatedly give one round to the feasible pair ``(i, j)`` with the largest marginal return
    ``S_j * p_ij`` (the drop in expected surviving value), until no pair returns anything.
    Keeps the best weapon of every target column (``colbest``) so a step costs O(T + W)
    except when a weapon type runs out of rounds or channels.

    Returns
    -------
    x : (W, T) int64 rounds per (weapon type, target).
    """
    W, T = q.shape
    x = np.zeros((W, T), dtype=np.int64)
    S = V.astype(np.float64).copy()
    remaining = counts.copy()
    used_ch = np.zeros(W, dtype=np.int64)
    tot = np.zeros(T, dtype=np.int64)
    colbest = np.full(T, -1.0)
    colarg = np.full(T, -1, dtype=np.int64)

    for j in range(T):
        _mmr_col(j, x, S, q, remaining, used_ch, channels, tot, tmax, allowed, colbest, colarg)
    while True:
        jb = -1
        gb = 0.0
        for j in range(T):
            if colbest[j] > gb:
                gb = colbest[j]
                jb = j
        if jb < 0:
            break
        ib = colarg[jb]
        if x[ib, jb] == 0:
            used_ch[ib] += 1
        x[ib, jb] += 1
        remaining[ib] -= 1
        tot[jb] += 1
        S[jb] *= q[ib, jb]
        exhausted = remaining[ib] <= 0 or used_ch[ib] >= channels[ib]
        if exhausted:
            for j in range(T):
                if colarg[j] == ib and j != jb:
                    _mmr_col(j, x, S, q, remaining, used_ch, channels, tot, tmax, allowed, colbest, colarg)
        _mmr_col(jb, x, S, q, remaining, used_ch, channels, tot, tmax, allowed, colbest, colarg)
    return x


@njit(cache=True, error_model="numpy")
def greedy_construct(V: np.ndarray, q: np.ndarray, allowed: np.ndarray, counts: np.ndarray,
                     channels: np.ndarray, tmax: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Weapon-sequential greedy: rounds in weapon order, each to its best target.

    Weapon types are taken in index order, and each round goes to the feasible target with the
    largest marginal return ``S_j * p_ij`` for that weapon (den Broeder et al. 1959's simple
    rule; the order is the caller's, e.g. readiness or launcher index).
    """
    W, T = q.shape
    x = np.zeros((W, T), dtype=np.int64)
    S = V.astype(np.float64).copy()
    remaining = counts.copy()
    used_ch = np.zeros(W, dtype=np.int64)
    tot = np.zeros(T, dtype=np.int64)
    for i in range(W):
        while remaining[i] > 0:
            best = 0.0
            jb = -1
            for j in range(T):
                if _can_add(i, j, x, remaining, used_ch, channels, tot, tmax, allowed):
                    g = S[j] * (1.0 - q[i, j])
                    if g > best:
                        best = g
                        jb = j
            if jb < 0:
                break
            if x[i, jb] == 0:
                used_ch[i] += 1
            x[i, jb] += 1
            remaining[i] -= 1
            tot[jb] += 1
            S[jb] *= q[i, jb]
    return x


@njit(cache=True, error_model="numpy")
def _assignment_state(x: np.ndarray, V: np.ndarray, a: np.ndarray,
                      counts: np.ndarray) -> tuple:  # pragma: no cover - compiled
    """Bookkeeping of an assignment ``x``: per target L_j = Σ_i a_ij x_ij and rounds tot_j, per
    weapon type channels used and rounds remaining, and surviving values S_j = V_j e^{−L_j}."""
    W, T = a.shape
    L = np.zeros(T)
    tot = np.zeros(T, dtype=np.int64)
    used_ch = np.zeros(W, dtype=np.int64)
    remaining = counts.copy()
    for i in range(W):
        for j in range(T):
            if x[i, j] > 0:
                L[j] += a[i, j] * x[i, j]
                tot[j] += x[i, j]
                used_ch[i] += 1
                remaining[i] -= x[i, j]
    return L, tot, used_ch, remaining, V * np.exp(-L)


@njit(cache=True, error_model="numpy")
def local_search(x: np.ndarray, V: np.ndarray, a: np.ndarray, allowed: np.ndarray,
                 counts: np.ndarray, channels: np.ndarray, tmax: np.ndarray,
                 max_passes: int) -> np.ndarray:  # pragma: no cover - compiled
    """Descent with *move*, *add* and *swap* neighbourhoods, exact incremental deltas.

    State per target: ``L_j = sum_i a_ij x_ij`` so ``S_j = V_j exp(-L_j)``.

    * add: an idle round of type ``i`` onto ``k``: ``dS = S_k (exp(-a_ik) - 1)``.
    * move: one round of ``i`` from ``j`` to ``k`` (or off all targets):
      ``dS = S_j (exp(a_ij) - 1) + S_k (exp(-a_ik) - 1)``.
    * swap: a round of ``i`` on ``j`` with a round of ``i'`` on ``k``:
      ``dS = S_j (exp(a_ij - a_i'j) - 1) + S_k (exp(a_i'k - a_ik) - 1)``; an idle round of
      ``i'`` may replace ``i`` on ``j`` the same way.

    Every accepted step lowers the objective by more than ``1e-12`` relative, so the descent
    terminates; it stops at a local optimum for all three neighbourhoods or after
    ``max_passes`` passes. All constraints (mask, counts, channels, per-target maximum) are
    kept.
    """
    # e^{-a_ij}, e^{a_ij}: deltas by products, no exp in the scans
    return _local_search_q(x, V, a, np.exp(-a), np.exp(a), allowed, counts, channels, tmax,
                           max_passes)


@njit(cache=True, error_model="numpy")
def _local_search_q(x: np.ndarray, V: np.ndarray, a: np.ndarray, Q: np.ndarray,
                    IQ: np.ndarray, allowed: np.ndarray, counts: np.ndarray,
                    channels: np.ndarray, tmax: np.ndarray,
                    max_passes: int) -> np.ndarray:  # pragma: no cover - compiled
    """``local_search`` with the tables ``Q = e^{-a}`` and ``IQ = e^{a}`` given."""
    W, T = a.shape
    x = x.copy()
    L, tot, used_ch, remaining, S = _assignment_state(x, V, a, counts)
    # weapon-unit list, rebuilt each pass: (type, target)
    for _ in range(max_passes):
        improved = False
        scale = 1e-12 * (S.sum() + 1e-300)
        # --- add idle rounds and move rounds
        for i in range(W):
            # add idle rounds
            while remaining[i] > 0:
                best = -scale
                kb = -1
                for k in range(T):
                    if not allowed[i, k] or tot[k] >= tmax[k]:
                        continue
                    if x[i, k] == 0 and used_ch[i] >= channels[i]:
                        continue
                    d = S[k] * (Q[i, k] - 1.0)
                    if d < best:
                        best = d
                        kb = k
                if kb < 0:
                    break
                if x[i, kb] == 0:
                    used_ch[i] += 1
                x[i, kb] += 1
                remaining[i] -= 1
                tot[kb] += 1
                L[kb] += a[i, kb]
                S[kb] = V[kb] * np.exp(-L[kb])
                improved = True
            for j in range(T):
                if x[i, j] == 0:
                    continue
                gain_remove = S[j] * (IQ[i, j] - 1.0)
                # channel state if the round leaves j
                frees = x[i, j] == 1
                best = -scale
                kb = -1
                for k in range(T):
                    d = gain_remove + S[k] * (Q[i, k] - 1.0)  # delta first, feasibility if better
                    if not d < best:
                        continue
                    if k == j or not allowed[i, k] or tot[k] >= tmax[k]:
                        continue
                    if x[i, k] == 0 and not frees and used_ch[i] >= channels[i]:
                        continue
                    best = d
                    kb = k
                if kb >= 0:
                    x[i, j] -= 1
                    if x[i, j] == 0:
                        used_ch[i] -= 1
                    tot[j] -= 1
                    L[j] = max(L[j] - a[i, j], 0.0)
                    S[j] = V[j] * np.exp(-L[j])
                    if x[i, kb] == 0:
                        used_ch[i] += 1
                    x[i, kb] += 1
                    tot[kb] += 1
                    L[kb] += a[i, kb]
                    S[kb] = V[kb] * np.exp(-L[kb])
                    improved = True
        # --- swaps between rounds of two types on two targets (over the assigned pairs)
        nz = 0
        for i in range(W):
            for j in range(T):
                if x[i, j] > 0:
                    nz += 1
        pi_ = np.empty(nz, dtype=np.int64)
        pj_ = np.empty(nz, dtype=np.int64)
        nz = 0
        for i in range(W):
            for j in range(T):
                if x[i, j] > 0:
                    pi_[nz] = i
                    pj_[nz] = j
                    nz += 1
        for u in range(nz):
            i = pi_[u]
            j = pj_[u]
            if x[i, j] == 0:
                continue
            # an idle round of another type replaces i on j
            for i2 in range(W):
                if i2 == i or remaining[i2] <= 0 or not allowed[i2, j]:
                    continue
                if x[i2, j] == 0 and used_ch[i2] >= channels[i2]:
                    continue
                Lj = L[j] - a[i, j] + a[i2, j]
                d = S[j] * (IQ[i, j] * Q[i2, j] - 1.0)
                if d < -scale:
                    x[i, j] -= 1
                    if x[i, j] == 0:
                        used_ch[i] -= 1
                    remaining[i] += 1
                    if x[i2, j] == 0:
                        used_ch[i2] += 1
                    x[i2, j] += 1
                    remaining[i2] -= 1
                    L[j] = max(Lj, 0.0)
                    S[j] = V[j] * np.exp(-L[j])
                    improved = True
                    break
            if x[i, j] == 0:
                continue
            Sj = S[j]
            SjIQ = Sj * IQ[i, j]
            for v in range(nz):
                i2 = pi_[v]
                k = pj_[v]
                # the exact delta first (cheap, no branches); feasibility only when it improves
                d = SjIQ * Q[i2, j] - Sj + S[k] * (IQ[i2, k] * Q[i, k] - 1.0)
                if not d < -scale:
                    continue
                if i2 == i or k == j or x[i2, k] == 0 or x[i, j] == 0:
                    continue
                if not allowed[i2, j] or not allowed[i, k]:
                    continue
                ch_i = used_ch[i] - (1 if x[i, j] == 1 else 0) + (1 if x[i, k] == 0 else 0)
                if ch_i > channels[i]:
                    continue
                ch_i2 = used_ch[i2] - (1 if x[i2, k] == 1 else 0) + (1 if x[i2, j] == 0 else 0)
                if ch_i2 > channels[i2]:
                    continue
                Lj = L[j] - a[i, j] + a[i2, j]
                Lk = L[k] - a[i2, k] + a[i, k]
                x[i, j] -= 1
                x[i2, k] -= 1
                x[i, k] += 1
                x[i2, j] += 1
                used_ch[i] = ch_i
                used_ch[i2] = ch_i2
                L[j] = max(Lj, 0.0)
                L[k] = max(Lk, 0.0)
                S[j] = V[j] * np.exp(-L[j])
                S[k] = V[k] * np.exp(-L[k])
                Sj = S[j]
                SjIQ = Sj * IQ[i, j]
                improved = True
                if x[i, j] == 0:
                    break
        if not improved:
            break
    return x


@njit(cache=True, error_model="numpy")
def _completion_lb(P: float, r: float, ymax: float) -> float:  # pragma: no cover - compiled
    """``min_{0 <= y <= ymax} P exp(-y) + r y``: a lower bound on what more rounds can achieve.

    Any further rounds of the remaining types raise the log-kill ``y`` at a price of at least
    ``r`` (the best remaining price per unit of ``-ln q``), so the completion costs at least this
    convex one-dimensional minimum.
    """
    if P <= 0.0:
        return 0.0
    if r <= 0.0:
        return P * np.exp(-ymax)
    if P <= r:
        return P
    y = np.log(P / r)
    if y > ymax:
        y = ymax
    return P * np.exp(-y) + r * y


@njit(cache=True, error_model="numpy")
def price_target(Vj: float, qj: np.ndarray, aj: np.ndarray, price: np.ndarray,
                 first: np.ndarray, cap: np.ndarray, order: np.ndarray, tmaxj: int,
                 sigma: float, thr: float, eps: float, enumerate_all: bool, max_out: int,
                 max_nodes: int,
                 out_w: np.ndarray, out_k: np.ndarray, out_start: np.ndarray,
                 out_rc: np.ndarray) -> tuple[int, int, float]:  # pragma: no cover - compiled
    """Depth-first search over the rounds one target may receive (column pricing).

    A *pattern* for target ``j`` is a vector ``k_i`` of rounds per weapon type. Its reduced cost
    in the master problem is

        rc(k) = V_j prod_i q_ij^k_i + sum_i (price_i k_i + first_i [k_i > 0]) - sigma_j,

    with ``price_i`` the dual of type ``i``'s round count and ``first_i`` that of its channel
    row. Types are visited in ``order`` (ascending ``price_i / a_ij``), so the subtree below a
    node that may only use types from position ``m`` on is bounded by
    ``C + _completion_lb(P, price/a at m, sum of the remaining a*cap)`` and pruned when that
    exceeds ``thr``.

    ``enumerate_all`` False: return the most negative pattern (``thr`` tightens to the best found);
    a subtree is searched only if it may improve the best by more than ``eps`` (so the returned
    ``rc`` is within ``eps`` of the minimum; callers subtract ``eps`` from bounds).
    ``enumerate_all`` True: write every pattern with ``rc <= thr`` (the empty one included).

    Output patterns go to the flat buffers ``out_w``/``out_k`` (type, rounds), pattern ``n``
    occupying ``out_start[n]:out_start[n+1]``, with ``out_rc[n]``.

    ``max_nodes`` caps the search; when hit, ``overflow`` is 2 and the pattern found is not proven
    the most negative (callers then do not use it for a bound).

    Returns
    -------
    (n_patterns, overflow, best_rc)
    """
    n = order.shape[0]
    ratio = np.empty(n + 1)
    ysuf = np.zeros(n + 1)
    for m in range(n):
        i = order[m]
        ratio[m] = price[i] / aj[i] if aj[i] > 0 else np.inf
    ratio[n] = np.inf
    for m in range(n - 1, -1, -1):
        i = order[m]
        ysuf[m] = ysuf[m + 1] + aj[i] * cap[i]
    maxd = n + 1
    Pst = np.empty(maxd + 1)
    Cst = np.empty(maxd + 1)
    Ust = np.zeros(maxd + 1, dtype=np.int64)
    mst = np.zeros(maxd + 1, dtype=np.int64)
    kst = np.zeros(maxd + 1, dtype=np.int64)
    sel_w = np.zeros(maxd + 1, dtype=np.int64)
    sel_k = np.zeros(maxd + 1, dtype=np.int64)
    n_out = 0
    n_ent = 0
    overflow = 0
    out_start[0] = 0
    best_rc = Vj - sigma
    best_d = 0
    best_w = np.zeros(maxd + 1, dtype=np.int64)
    best_k = np.zeros(maxd + 1, dtype=np.int64)
    limit = thr
    if not enumerate_all:
        limit = min(thr, best_rc)
    else:
        if best_rc <= thr:
            out_rc[0] = best_rc
            n_out = 1
            out_start[1] = 0
    nodes = 0
    d = 0
    Pst[0] = Vj
    Cst[0] = 0.0
    Ust[0] = 0
    mst[0] = 0
    kst[0] = 0
    while d >= 0:
        m = mst[d]
        if m >= n or Ust[d] >= tmaxj:
            d -= 1
            continue
        k = kst[d] + 1
        if k == 1:
            if Cst[d] + _completion_lb(Pst[d], ratio[m], ysuf[m]) - sigma > limit - eps:
                d -= 1
                continue
        i = order[m]
        if k > cap[i] or Ust[d] + k > tmaxj:
            mst[d] = m + 1
            kst[d] = 0
            continue
        kst[d] = k
        nodes += 1
        if nodes > max_nodes:
            overflow = 2
            break
        P = Pst[d] * qj[i] ** k
        C = Cst[d] + price[i] * k + first[i]
        rc = P + C - sigma
        if enumerate_all:
            if rc <= thr:
                if n_out >= max_out or n_ent + d + 1 > out_w.shape[0]:
                    overflow = 1
                    return n_out, overflow, best_rc
                for t in range(d):
                    out_w[n_ent] = sel_w[t]
                    out_k[n_ent] = sel_k[t]
                    n_ent += 1
                out_w[n_ent] = i
                out_k[n_ent] = k
                n_ent += 1
                out_rc[n_out] = rc
                n_out += 1
                out_start[n_out] = n_ent
            if rc < best_rc:
                best_rc = rc
        elif rc < best_rc - eps:
            best_rc = rc
            limit = min(thr, best_rc)
            best_d = d + 1
            for t in range(d):
                best_w[t] = sel_w[t]
                best_k[t] = sel_k[t]
            best_w[d] = i
            best_k[d] = k
        if m + 1 < n:
            sel_w[d] = i
            sel_k[d] = k
            d += 1
            Pst[d] = P
            Cst[d] = C
            Ust[d] = Ust[d - 1] + k
            mst[d] = m + 1
            kst[d] = 0
    if not enumerate_all:
        out_start[0] = 0
        for t in range(best_d):
            out_w[t] = best_w[t]
            out_k[t] = best_k[t]
        out_start[1] = best_d
        out_rc[0] = best_rc
        n_out = 1
    return n_out, overflow, best_rc


@njit(cache=True, error_model="numpy")
def _objective(x: np.ndarray, V: np.ndarray, a: np.ndarray) -> float:  # pragma: no cover
    """``sum_j V_j exp(-sum_i a_ij x_ij)``."""
    W, T = a.shape
    f = 0.0
    for j in range(T):
        L = 0.0
        for i in range(W):
            L += a[i, j] * x[i, j]
        f += V[j] * np.exp(-L)
    return f


@njit(cache=True, error_model="numpy")
def iterated_local_search(x0: np.ndarray, V: np.ndarray, a: np.ndarray, allowed: np.ndarray,
                          counts: np.ndarray, channels: np.ndarray, tmax: np.ndarray,
                          iterations: int, kick: int, seed: int,
                          max_passes: int) -> np.ndarray:  # pragma: no cover - compiled
    """Iterated local search (Lourenco, Martin & Stuetzle 2003) around ``local_search``.

    Each iteration relocates ``kick`` random rounds of the current solution to random feasible
    targets, descends again and keeps the result if it is better (strict descent acceptance);
    the best solution is returned. Deterministic for a given ``seed``.
    """
    np.random.seed(seed)
    W, T = a.shape
    cur = local_search(x0, V, a, allowed, counts, channels, tmax, max_passes)
    fcur = _objective(cur, V, a)
    best = cur.copy()
    fbest = fcur
    for _ in range(iterations):
        y = cur.copy()
        if y.sum() == 0:
            break
        _kick(y, allowed, channels, tmax, kick)
        y = local_search(y, V, a, allowed, counts, channels, tmax, max_passes)
        f = _objective(y, V, a)
        if f < fcur * (1.0 - 1e-12):
            cur = y
            fcur = f
            if f < fbest:
                best = y.copy()
                fbest = f
    return best


@njit(cache=True, error_model="numpy")
def _undo(log_i: np.ndarray, log_j: np.ndarray, log_d: np.ndarray, n_log: int, x: np.ndarray,
          L: np.ndarray, S: np.ndarray, tot: np.ndarray, used_ch: np.ndarray,
          remaining: np.ndarray, V: np.ndarray, a: np.ndarray) -> None:  # pragma: no cover
    """Revert the logged changes ``x[i, j] += d`` (newest first), state included."""
    for t in range(n_log - 1, -1, -1):
        i = log_i[t]
        j = log_j[t]
        d = -log_d[t]
        _change(i, j, d, x, L, S, tot, used_ch, remaining, V, a)


@njit(cache=True, error_model="numpy")
def _change(i: int, j: int, d: int, x: np.ndarray, L: np.ndarray, S: np.ndarray,
            tot: np.ndarray, used_ch: np.ndarray, remaining: np.ndarray, V: np.ndarray,
            a: np.ndarray) -> None:  # pragma: no cover - compiled
    """``x[i, j] += d`` with the per-target log-kill ``L``, survival ``S`` and counters."""
    before = x[i, j]
    x[i, j] = before + d
    if before == 0 and x[i, j] > 0:
        used_ch[i] += 1
    elif before > 0 and x[i, j] == 0:
        used_ch[i] -= 1
    remaining[i] -= d
    tot[j] += d
    L[j] = max(L[j] + a[i, j] * d, 0.0)
    if tot[j] == 0:
        L[j] = 0.0
    S[j] = V[j] * np.exp(-L[j])


@njit(cache=True, error_model="numpy")
def cyclic_exchange(x: np.ndarray, V: np.ndarray, a: np.ndarray, allowed: np.ndarray,
                    counts: np.ndarray, channels: np.ndarray, tmax: np.ndarray,
                    max_cycles: int, max_rejects: int) -> np.ndarray:  # pragma: no cover
    """Multi-exchange descent: negative cycles of an improvement graph over weapon types.

    Nodes are the weapon types plus a node ``Z`` (the pool of idle rounds). An arc
    ``u -> v`` means "a free round of type ``u`` takes the place of one round of type ``v`` on a
    target ``j``" (``v`` then holds a free round); its cost is the exact change of that target,

        c(u, v) = min_j  S_j (exp(a_vj - a_uj) - 1)        over j with x_vj > 0, allowed u.

    ``Z -> v`` frees a round of ``v``: cost 0 if ``v`` has an idle round, else the least loss
    ``min_j S_j (exp(a_vj) - 1)`` of taking one off a target; ``u -> Z`` places ``u``'s free
    round on the target with the largest drop, ``min(0, min_j S_j (exp(-a_uj) - 1))`` (0: it
    stays idle). Along a cycle every type gives one round and receives one, so round counts are
    kept; when the cycle's targets are distinct the objective changes by exactly the cycle's
    cost (the cyclic and path exchanges of Ahuja, Kumar, Jha & Orlin 2007, here over types).
    A negative cycle is found by Bellman–Ford (at most ``W + 1`` passes; the predecessor graph
    is searched for a cycle after each pass), applied, and checked exactly (targets shared by
    two arcs interact, channels and per-target limits are re-checked). A cycle that does not
    lower the objective by more than ``1e-12`` relative is undone and its arcs that share a
    target (all its arcs if none do) are removed from the graph before searching again, at most
    ``max_rejects`` times in a call; the arcs are recomputed after every applied cycle. Stops
    when no negative cycle is left or after ``max_cycles`` applied cycles.

    Returns
    -------
    x : (W, T) int64
    """
    Q = np.exp(-a)
    IQ = np.exp(np.minimum(a, 700.0))
    return _cyclic_exchange_q(x, V, a, Q, IQ, np.ascontiguousarray(Q.T),
                              np.ascontiguousarray(IQ.T), allowed,
                              np.ascontiguousarray(allowed.T), counts, channels, tmax,
                              max_cycles, max_rejects)


@njit(cache=True, error_model="numpy")
def _cyclic_exchange_q(x: np.ndarray, V: np.ndarray, a: np.ndarray, Q: np.ndarray,
                       IQ: np.ndarray, QT: np.ndarray, IQT: np.ndarray, allowed: np.ndarray,
                       allowedT: np.ndarray, counts: np.ndarray, channels: np.ndarray,
                       tmax: np.ndarray, max_cycles: int,
                       max_rejects: int) -> np.ndarray:  # pragma: no cover - compiled
    """``cyclic_exchange`` with ``Q = e^{-a}``, ``IQ = e^{a}`` and the (T, W) transposes
    ``QT``, ``IQT``, ``allowedT`` given (the arc scans run over types at one target)."""
    W, T = a.shape
    x = x.copy()
    L, tot, used_ch, remaining, S = _assignment_state(x, V, a, counts)
    n = W + 1
    Z = W
    C = np.full((n, n), np.inf)
    J = np.full((n, n), -1, dtype=np.int64)
    dist = np.zeros(n)
    pred = np.full(n, -1, dtype=np.int64)
    mark = np.full(n, -1, dtype=np.int64)
    cyc = np.zeros(n + 1, dtype=np.int64)
    log_i = np.zeros(4 * n + 4, dtype=np.int64)
    log_j = np.zeros(4 * n + 4, dtype=np.int64)
    log_d = np.zeros(4 * n + 4, dtype=np.int64)
    affected = np.zeros(n, dtype=np.bool_)
    active = np.zeros(n, dtype=np.bool_)
    touched = np.zeros(T, dtype=np.bool_)
    fresh = True
    full = True  # arcs dropped after a rejection are restored only by a full recompute
    rejected = 0
    accepted = 0
    n_log = 0
    for _ in range(max_cycles + max_rejects):
        if accepted >= max_cycles:
            break
        f_before = 0.0
        for k in range(T):
            f_before += S[k]
        tol = 1e-12 * (f_before + 1e-300)
        if fresh:
            fresh = False
            if full:
                _arc_costs(x, S, QT, IQT, allowedT, remaining, tot, tmax, C, J)
                full = False
            else:
                _arc_update(log_i, log_j, n_log, x, S, QT, IQT, allowedT, remaining, tot, tmax,
                            C, J, affected, touched)
        # ---- Bellman-Ford from a virtual source (all distances 0); after every pass the
        # predecessor graph is searched for a cycle (any such cycle is negative), so a cycle is
        # usually found after a few passes instead of W + 1
        # A node whose distance has not changed since its arcs were last scanned cannot relax
        # anything (its arcs and distance are the same, the others' distances only fell), so
        # only "active" nodes are scanned: the same relaxations in the same order as scanning
        # every node, at a cost proportional to the active ones.
        for v in range(n):
            dist[v] = 0.0
            pred[v] = -1
            active[v] = True
        hit = -1
        for _it in range(n):
            relaxed = False
            for u in range(n):
                if not active[u]:
                    continue
                active[u] = False
                du = dist[u]
                for v in range(n):
                    c = C[u, v]
                    if c < np.inf and du + c < dist[v] - tol:
                        dist[v] = du + c
                        pred[v] = u
                        active[v] = True
                        relaxed = True
            if not relaxed:
                break
            for v in range(n):
                mark[v] = -1
            for s0 in range(n):
                w = s0
                while w >= 0 and mark[w] < 0:
                    mark[w] = s0
                    w = pred[w]
                if w >= 0 and mark[w] == s0:
                    hit = w
                    break
            if hit >= 0:
                break
        if hit < 0:
            break
        v = hit
        # the cycle through v, in arc order
        m = 0
        w = v
        while True:
            cyc[m] = w
            m += 1
            w = pred[w]
            if w == v or m > n:
                break
        # cyc holds v, pred(v), pred(pred(v)), ...: arcs are cyc[t+1] -> cyc[t]
        n_log = 0
        for t in range(m):
            vv = cyc[t]
            uu = cyc[(t + 1) % m]
            j = J[uu, vv]
            if uu == Z:
                if j >= 0:
                    _change(vv, j, -1, x, L, S, tot, used_ch, remaining, V, a)
                    log_i[n_log] = vv
                    log_j[n_log] = j
                    log_d[n_log] = -1
                    n_log += 1
            elif vv == Z:
                if j >= 0:
                    _change(uu, j, 1, x, L, S, tot, used_ch, remaining, V, a)
                    log_i[n_log] = uu
                    log_j[n_log] = j
                    log_d[n_log] = 1
                    n_log += 1
            else:
                _change(uu, j, 1, x, L, S, tot, used_ch, remaining, V, a)
                log_i[n_log] = uu
                log_j[n_log] = j
                log_d[n_log] = 1
                n_log += 1
                _change(vv, j, -1, x, L, S, tot, used_ch, remaining, V, a)
                log_i[n_log] = vv
                log_j[n_log] = j
                log_d[n_log] = -1
                n_log += 1
        ok = True
        for t in range(n_log):
            i = log_i[t]
            j = log_j[t]
            if x[i, j] < 0 or remaining[i] < 0 or used_ch[i] > channels[i] or tot[j] > tmax[j]:
                ok = False
                break
        f_after = 0.0
        for k in range(T):
            S[k] = V[k] * np.exp(-L[k])
            f_after += S[k]
        if not ok or not f_after < f_before - tol:
            _undo(log_i, log_j, log_d, n_log, x, L, S, tot, used_ch, remaining, V, a)
            full = True
            rejected += 1
            if rejected > max_rejects:
                break
            # drop the cycle's arcs that share a target with another of its arcs (all of them
            # if none does) and search again on the same graph
            n_drop = 0
            for t in range(m):
                j1 = J[cyc[(t + 1) % m], cyc[t]]
                for t2 in range(m):
                    if t2 != t and j1 >= 0 and J[cyc[(t2 + 1) % m], cyc[t2]] == j1:
                        C[cyc[(t + 1) % m], cyc[t]] = np.inf
                        n_drop += 1
                        break
            if n_drop == 0:
                for t in range(m):
                    C[cyc[(t + 1) % m], cyc[t]] = np.inf
            continue
        fresh = True
        accepted += 1
    return x


@njit(cache=True, error_model="numpy")
def _arc_column(v: int, x: np.ndarray, S: np.ndarray, QT: np.ndarray, IQT: np.ndarray,
                allowedT: np.ndarray, remaining: np.ndarray, C: np.ndarray,
                J: np.ndarray) -> None:  # pragma: no cover - compiled
    """Arcs into type ``v`` (``u -> v`` for every type ``u`` and ``Z -> v``), from scratch:

    ``C[u, v] = min_j S_j (exp(a_vj - a_uj) - 1)`` over ``j`` with ``x_vj > 0`` and ``u``
    allowed on ``j``; ``C[Z, v] = 0`` when ``v`` has an idle round, else
    ``min_j S_j (exp(a_vj) - 1)``. Ties go to the smallest ``j`` (targets scanned in order).
    ``QT``, ``IQT``, ``allowedT`` are the (T, W) transposes of ``e^{-a}``, ``e^{a}``, the mask.
    """
    T, W = QT.shape
    Z = W
    for u in range(W + 1):
        C[u, v] = np.inf
        J[u, v] = -1
    if remaining[v] > 0:
        C[Z, v] = 0.0
    for j in range(T):
        if x[v, j] == 0:
            continue
        iq = IQT[j, v]
        if remaining[v] <= 0:
            c = S[j] * (iq - 1.0)
            if c < C[Z, v]:
                C[Z, v] = c
                J[Z, v] = j
        for u in range(W):
            if u == v or not allowedT[j, u]:
                continue
            c = S[j] * (iq * QT[j, u] - 1.0)
            if c < C[u, v]:
                C[u, v] = c
                J[u, v] = j


@njit(cache=True, error_model="numpy")
def _arc_place(u: int, S: np.ndarray, QT: np.ndarray, allowedT: np.ndarray, tot: np.ndarray,
               tmax: np.ndarray, C: np.ndarray, J: np.ndarray) -> None:  # pragma: no cover
    """Arc ``u -> Z`` from scratch: ``min(0, min_j S_j (exp(-a_uj) - 1))`` over the targets
    ``u`` may still add a round to (smallest ``j`` on ties; ``J = -1``: the round stays idle)."""
    T, W = QT.shape
    Z = W
    C[u, Z] = 0.0
    J[u, Z] = -1
    for j in range(T):
        if not allowedT[j, u] or tot[j] >= tmax[j]:
            continue
        c = S[j] * (QT[j, u] - 1.0)
        if c < C[u, Z]:
            C[u, Z] = c
            J[u, Z] = j


@njit(cache=True, error_model="numpy")
def _arc_costs(x: np.ndarray, S: np.ndarray, QT: np.ndarray, IQT: np.ndarray,
               allowedT: np.ndarray, remaining: np.ndarray, tot: np.ndarray, tmax: np.ndarray,
               C: np.ndarray, J: np.ndarray) -> None:  # pragma: no cover - compiled
    """Arc costs ``C`` and their targets ``J`` of ``cyclic_exchange``'s improvement graph, all
    recomputed (``_arc_column`` for every type, ``_arc_place`` for every type)."""
    T, W = QT.shape
    n = W + 1
    for u in range(n):
        for v in range(n):
            C[u, v] = np.inf
            J[u, v] = -1
    for v in range(W):
        _arc_column(v, x, S, QT, IQT, allowedT, remaining, C, J)
    for u in range(W):
        _arc_place(u, S, QT, allowedT, tot, tmax, C, J)


@njit(cache=True, error_model="numpy")
def _arc_update(log_i: np.ndarray, log_j: np.ndarray, n_log: int, x: np.ndarray,
                S: np.ndarray, QT: np.ndarray, IQT: np.ndarray, allowedT: np.ndarray,
                remaining: np.ndarray, tot: np.ndarray, tmax: np.ndarray, C: np.ndarray,
                J: np.ndarray, affected: np.ndarray,
                touched: np.ndarray) -> None:  # pragma: no cover - compiled
    """Bring ``C``, ``J`` up to date after the logged changes ``x[log_i, log_j] += d``, with the
    same values ``_arc_costs`` would compute.

    Only targets ``j`` in the log changed (``S_j``, ``tot_j``, the ``x_vj``), and only types in
    the log changed their idle rounds. So the arcs into ``v`` change only for ``v`` in the log
    or with a round on a touched target (those columns are recomputed, ``_arc_column``), and
    ``u -> Z`` only through the touched targets: its old minimiser, if untouched, is still the
    minimum over the untouched targets, so the touched ones are compared with it (smallest
    ``j`` on ties), and the arc is recomputed only if its old target was touched.
    """
    T, W = QT.shape
    Z = W
    for v in range(W + 1):
        affected[v] = False
    for t in range(n_log):
        affected[log_i[t]] = True
        touched[log_j[t]] = True
    for t in range(n_log):
        j = log_j[t]
        for v in range(W):
            if x[v, j] > 0:
                affected[v] = True
    for v in range(W):
        if affected[v]:
            _arc_column(v, x, S, QT, IQT, allowedT, remaining, C, J)
    for u in range(W):
        jo = J[u, Z]
        if jo >= 0 and touched[jo]:
            _arc_place(u, S, QT, allowedT, tot, tmax, C, J)
            continue
        for t in range(n_log):
            j = log_j[t]
            if not allowedT[j, u] or tot[j] >= tmax[j]:
                continue
            c = S[j] * (QT[j, u] - 1.0)
            if c < C[u, Z] or (c == C[u, Z] and J[u, Z] >= 0 and j < J[u, Z]):
                C[u, Z] = c
                J[u, Z] = j
    for t in range(n_log):
        touched[log_j[t]] = False


@njit(cache=True, error_model="numpy")
def _kick(y: np.ndarray, allowed: np.ndarray, channels: np.ndarray, tmax: np.ndarray,
          kick: int) -> None:  # pragma: no cover - compiled
    """Relocate ``kick`` uniformly drawn assigned rounds to uniformly drawn targets, in place
    (a relocation that would break the mask, a per-target maximum or a channel limit is
    skipped)."""
    W, T = y.shape
    tot = np.zeros(T, dtype=np.int64)
    used = np.zeros(W, dtype=np.int64)
    n_units = 0
    for i in range(W):
        for j in range(T):
            tot[j] += y[i, j]
            if y[i, j] > 0:
                used[i] += 1
            n_units += y[i, j]
    if n_units == 0:
        return
    for _r in range(kick):
        u = np.random.randint(n_units)
        ii = -1
        jj = -1
        acc = 0
        for i in range(W):
            for j in range(T):
                acc += y[i, j]
                if acc > u:
                    ii = i
                    jj = j
                    break
            if ii >= 0:
                break
        k = np.random.randint(T)
        if k == jj or not allowed[ii, k] or tot[k] >= tmax[k]:
            continue
        if y[ii, k] == 0 and y[ii, jj] > 1 and used[ii] >= channels[ii]:
            continue
        y[ii, jj] -= 1
        tot[jj] -= 1
        if y[ii, jj] == 0:
            used[ii] -= 1
        if y[ii, k] == 0:
            used[ii] += 1
        y[ii, k] += 1
        tot[k] += 1


@njit(cache=True, error_model="numpy")
def iterated_exchange_search(x0: np.ndarray, V: np.ndarray, a: np.ndarray, allowed: np.ndarray,
                             counts: np.ndarray, channels: np.ndarray, tmax: np.ndarray,
                             iterations: int, kick: int, seed: int, max_passes: int,
                             max_cycles: int, max_rejects: int) -> np.ndarray:  # pragma: no cover
    """Iterated local search whose descent is ``local_search`` + ``cyclic_exchange``.

    Descent ``D(x)``: move/add/swap descent, then negative-cycle exchanges, then the descent
    again. Start ``x = D(x0)``; each of ``iterations`` rounds relocates ``kick`` random rounds
    (``_kick``), descends, and keeps the result when it lowers the objective by more than
    ``1e-12`` relative (Lourenco, Martin & Stuetzle 2003). Deterministic for a given ``seed``.

    Returns
    -------
    x : (W, T) int64, the best solution found (never worse than ``D(x0)``).
    """
    np.random.seed(seed)
    x = local_search(x0, V, a, allowed, counts, channels, tmax, max_passes)
    x = cyclic_exchange(x, V, a, allowed, counts, channels, tmax, max_cycles, max_rejects)
    x = local_search(x, V, a, allowed, counts, channels, tmax, max_passes)
    f = _objective(x, V, a)
    for _ in range(iterations):
        y = x.copy()
        _kick(y, allowed, channels, tmax, kick)
        y = local_search(y, V, a, allowed, counts, channels, tmax, max_passes)
        y = cyclic_exchange(y, V, a, allowed, counts, channels, tmax, max_cycles, max_rejects)
        y = local_search(y, V, a, allowed, counts, channels, tmax, max_passes)
        fy = _objective(y, V, a)
        if fy < f * (1.0 - 1e-12):
            x = y
            f = fy
    return x


@njit(cache=True, error_model="numpy")
def _descend_q(x: np.ndarray, V: np.ndarray, a: np.ndarray, Q: np.ndarray, IQ: np.ndarray,
               QT: np.ndarray, IQT: np.ndarray, allowed: np.ndarray, allowedT: np.ndarray,
               counts: np.ndarray, channels: np.ndarray, tmax: np.ndarray, max_passes: int,
               max_cycles: int, max_rejects: int) -> np.ndarray:  # pragma: no cover - compiled
    """``descend`` with the tables of ``_cyclic_exchange_q`` given."""
    y = _local_search_q(x, V, a, Q, IQ, allowed, counts, channels, tmax, max_passes)
    if max_cycles > 0:
        y = _cyclic_exchange_q(y, V, a, Q, IQ, QT, IQT, allowed, allowedT, counts, channels,
                               tmax, max_cycles, max_rejects)
        y = _local_search_q(y, V, a, Q, IQ, allowed, counts, channels, tmax, max_passes)
    return y


@njit(cache=True, error_model="numpy")
def descend(x: np.ndarray, V: np.ndarray, a: np.ndarray, allowed: np.ndarray,
            counts: np.ndarray, channels: np.ndarray, tmax: np.ndarray, max_passes: int,
            max_cycles: int, max_rejects: int) -> np.ndarray:  # pragma: no cover - compiled
    """Descent ``D(x)``: ``local_search``, then ``cyclic_exchange``, then ``local_search``
    (the exchanges skipped when ``max_cycles`` is 0).

    The result is a local optimum of the move/add/swap neighbourhoods (unless ``max_passes``
    ran out) from which the negative-cycle search found no exchange; it is never worse than
    ``x`` for the objective ``sum_j V_j exp(-sum_i a_ij x_ij)`` and keeps every constraint.
    """
    Q = np.exp(-a)
    IQ = np.exp(a)
    return _descend_q(x, V, a, Q, IQ, np.ascontiguousarray(Q.T), np.ascontiguousarray(IQ.T),
                      allowed, np.ascontiguousarray(allowed.T), counts, channels, tmax,
                      max_passes, max_cycles, max_rejects)


@njit(cache=True, error_model="numpy")
def _at_single_pair_minimum(f: float, V: np.ndarray, a: np.ndarray, counts: np.ndarray,
                            tmax: np.ndarray) -> bool:  # pragma: no cover - compiled
    """Whether ``f ≥ 0`` is at most the objective of every ``x`` in ``0 … min(counts[0], tmax[0])``
    of a 1 × 1 instance, each by :func:`_objective` itself.

    Every solution :func:`noising_search` visits is feasible, so its one entry lies in that range
    (a superset of the feasible set: rounds and the target's limit bound it). The search replaces
    its best ``fbest = f`` only by a ``y`` with ``f(y) < fbest (1 − 1e-12)``; with ``f`` at or
    below the minimum over the range and ``f ≥ 0`` no ``y`` can satisfy that, so the iterations
    can be skipped and the result is the same array. The check is exact (the same function on
    the same numbers), not a tolerance; anything else (a NaN, a negative value) answers False and
    the search runs in full.
    """
    if not f >= 0.0:
        return False
    y = np.zeros((1, 1), dtype=np.int64)
    for k in range(min(counts[0], tmax[0]) + 1):
        y[0, 0] = k
        if not f <= _objective(y, V, a):
            return False
    return True


@njit(cache=True, error_model="numpy")
def noising_search(x0: np.ndarray, V: np.ndarray, a: np.ndarray, allowed: np.ndarray,
                   counts: np.ndarray, channels: np.ndarray, tmax: np.ndarray,
                   iterations: int, patience: int, sigma: float, seed: int, max_passes: int,
                   max_cycles: int, max_rejects: int) -> np.ndarray:  # pragma: no cover
    """Iterated descent with a noised objective (the *noising method*, Charon & Hudry 1993).

    ``x = D(x0)`` (``descend``). Iteration ``t`` draws independent log-normal factors for every
    pair's log-kill weight,

        a'_ij = min(a_ij * exp(s_t * xi_ij), A_MAX),      xi_ij ~ N(0, 1),
        s_t   = sigma * 2 ** min(max(k - 2, 0), 2)        (k: iterations since the last
                                                           improvement of the best),

    descends on the noised objective ``sum_j V_j exp(-sum_i a'_ij x_ij)`` from the current
    solution, then on the true objective from there. The noised descent leaves the basin along
    directions that are good for a nearby instance (rather than at random, as the relocation
    kicks of ``iterated_exchange_search`` do); the noise doubles, up to ``4 sigma``, after
    three iterations without progress (a basin that small noise does not leave). Acceptance:
    the result becomes the current solution if its true objective is below ``1.01`` times the
    best one found so far (record-to-record travel, Dueck 1993: the walk may cross a ridge
    between two nearby optima but never drifts far from the best), and the best solution seen
    is kept and returned. Stops after ``iterations`` iterations or
    ``patience`` in a row that do not lower the best by more than ``1e-12`` relative.
    Deterministic for a given ``seed``; the constraints are never relaxed (only the weights
    are noised), so every solution visited is feasible.

    Returns
    -------
    x : (W, T) int64, the best solution found (never worse than ``D(x0)``).
    """
    np.random.seed(seed)
    W, T = a.shape
    Q = np.exp(-a)
    IQ = np.exp(a)
    QT = np.ascontiguousarray(Q.T)
    IQT = np.ascontiguousarray(IQ.T)
    allowedT = np.ascontiguousarray(allowed.T)
    x = _descend_q(x0, V, a, Q, IQ, QT, IQT, allowed, allowedT, counts, channels, tmax,
                   max_passes, max_cycles, max_rejects)
    f = _objective(x, V, a)
    best = x
    fbest = f
    if W == 1 and T == 1 and _at_single_pair_minimum(f, V, a, counts, tmax):
        iterations = 0  # nothing the loop visits can replace ``best`` (see _at_single_pair_minimum)
    accept = 0.01  # the current solution may be up to 1 % worse than the best
    an = np.empty_like(a)
    Qn = np.empty_like(a)
    IQn = np.empty_like(a)
    QnT = np.empty_like(QT)
    IQnT = np.empty_like(QT)
    stall = 0
    for it in range(iterations):
        if stall >= patience:
            break
        sig = sigma * 2.0 ** min(max(stall - 2, 0), 2)
        for i in range(W):
            for j in range(T):
                v = min(a[i, j] * np.exp(sig * np.random.standard_normal()), A_MAX)
                an[i, j] = v
                Qn[i, j] = np.exp(-v)
                IQn[i, j] = np.exp(v)
                QnT[j, i] = Qn[i, j]
                IQnT[j, i] = IQn[i, j]
        y = _descend_q(x, V, an, Qn, IQn, QnT, IQnT, allowed, allowedT, counts, channels,
                       tmax, max_passes, max_cycles, max_rejects)
        y = _descend_q(y, V, a, Q, IQ, QT, IQT, allowed, allowedT, counts, channels, tmax,
                       max_passes, max_cycles, max_rejects)
        fy = _objective(y, V, a)
        if fy < fbest * (1.0 - 1e-12):
            best = y
            fbest = fy
            stall = 0
        else:
            stall += 1
        if fy < fbest * (1.0 + accept):
            x = y
            f = fy
    return best


@njit(cache=True, error_model="numpy")
def log_kill(q: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """(W, T) log-kill weights ``a = min(-ln q, A_MAX)`` (``q = 0``: a certain kill, ``A_MAX``).

    The one definition of ``a`` for every solver (:meth:`iadsim.c2.assignment.AssignmentProblem.log_kill`
    and :func:`heuristic_one_by_one` alike): the C library's ``log``, the same number whichever
    caller asks (NumPy's vectorised ``log`` may differ from it in the last bit).
    """
    W, T = q.shape
    a = np.empty((W, T))
    for i in range(W):
        for j in range(T):
            qq = q[i, j]
            a[i, j] = A_MAX if qq <= 0.0 else min(-np.log(qq), A_MAX)
    return a


@njit(cache=True, error_model="numpy")
def rounds_one(V: np.ndarray, q: np.ndarray, allowed: np.ndarray, counts: np.ndarray, ch: np.ndarray,
               tmax: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """The rounds of linear assignment (:func:`iadsim.c2.assignment.assignment_rounds`) of a 1 × 1
    instance without the linear assignments: each round its one row gets the target while the pair
    is allowed, the type has rounds left, the target is under its limit, a channel is free or
    already used, and the gain S p is positive (S ← S q); the same numbers as the general rounds
    (tests/unit/c2/test_assignment_rounds.py)."""
    x = np.zeros((1, 1), dtype=np.int64)
    S = V[0]
    qq = q[0, 0]
    p = 1.0 - qq
    rem = counts[0]
    while rem > 0 and allowed[0, 0] and x[0, 0] < tmax[0] and (x[0, 0] > 0 or 0 < ch[0]) and S * p > 0.0:
        x[0, 0] += 1
        rem -= 1
        S *= qq
    return x


@njit(cache=True, error_model="numpy")
def heuristic_iterations(total_rounds: int, n_targets: int, work: float, min_iterations: int,
                         max_iterations: int) -> int:  # pragma: no cover - compiled
    """Noising iterations of the heuristic: ``clip(ceil(work / (R T)^1.5), min, max)`` (R, T ≥ 1)."""
    rt = max(total_rounds, 1) * max(n_targets, 1)
    n = int(np.ceil(work / float(rt) ** 1.5))
    return min(max(n, min_iterations), max_iterations)


@njit(cache=True, error_model="numpy")
def heuristic_one_by_one(V: np.ndarray, q: np.ndarray, allowed: np.ndarray, counts: np.ndarray, ch: np.ndarray,
                         tmax: np.ndarray, max_passes: int, work: float, min_iterations: int,
                         max_iterations: int, patience: int, sigma: float, seed: int, max_cycles: int,
                         max_rejects: int) -> np.ndarray:  # pragma: no cover - compiled
    """:class:`iadsim.c2.assignment.HeuristicAssigner` on a 1 × 1 instance with a channel limit, one
    call: the closed-form rounds (:func:`rounds_one`), the descent (:func:`local_search`), then the
    noising search (:func:`noising_search`) — the start is never returned early because a channel
    limit is set. The arguments are :func:`iadsim.c2.assignment._kernel_args` and the solver's
    parameters."""
    a = log_kill(q)
    x0 = rounds_one(V, q, allowed, counts, ch, tmax)
    x = local_search(x0, V, a, allowed, counts, ch, tmax, max_passes)
    n_it = heuristic_iterations(int(counts.sum()), q.shape[1], work, min_iterations, max_iterations)
    return noising_search(x, V, a, allowed, counts, ch, tmax, n_it, patience, sigma, seed, max_passes,
                          max_cycles, max_rejects)
