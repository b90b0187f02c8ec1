"""Track-picture quality metrics: OSPA, GOSPA (missed / false / localisation), track continuity,
time to confirm, NEES / NIS bounds.

OSPA and GOSPA follow Stone Soup 1.9.1's ``OSPAMetric`` / ``GOSPAMetric`` definitions
(Schuhmacher, Vo & Vo 2008; Rahmathullah, García-Fernández & Svensson 2017), position only,
order p = 1 by default and GOSPA α = 2:

    d_c(x, y) = min(‖x − y‖, c)
    OSPA  = ( (1/n) [ min_π Σ_{i≤m} d_c(x_i, y_π(i))^p + c^p (n − m) ] )^{1/p},  n = max(|X|, |Y|)
    GOSPA = ( min_γ Σ_{(i,j)∈γ} d(x_i, y_j)^p + (c^p/2)(|X| + |Y| − 2|γ|) )^{1/p}, d < c on γ

Both optimisations only involve pairs closer than c (a pair at ≥ c costs exactly as much as
leaving both unassigned), so they are solved as one sparse assignment with
:func:`iadsim.tracking.association.assign_sparse` — no dense N×M matrix at 10⁴ targets.

Compiled: :func:`gospa_kernel` does one scan in one numba call (close pairs, the tracker's
``kernels.assign_small`` / Crouse ``lsap``, the sums) and :func:`gospa_sites` all sites of a
quality sample in one call. They reproduce the former cKDTree + ``assign_sparse`` + NumPy path
bit for bit: pair distances as cKDTree's (squared differences summed in SciPy's order, then
``sqrt``; kept where d² ≤ c² and d < c), and ``np.sum``'s pairwise summation (:func:`_np_sum`).
Pair order does not matter to the assignment (``assign_small`` fills its matrix by index). Scans
with more than 48 ambiguous truths (``association._LSA_BATCH_TRACKS``) fall back to
``assign_sparse``'s batched SciPy solver on the same pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim import npmath
from iadsim.tracking.association import _LSA_BATCH_TRACKS, assign_sparse
from iadsim.tracking.kalman import nees, nis
from iadsim.tracking.kernels import assign_small

__all__ = [
    "GospaResult",
    "gospa_ospa",
    "gospa_kernel",
    "gospa_sites",
    "ospa",
    "gospa",
    "continuity",
    "chi2_bounds",
    "nees",
    "nis",
]


@dataclass(frozen=True)
class GospaResult:
    """One scan's scores. ``gospa`` = (localisation + missed + false)^(1/p); the split follows
    Stone Soup (missed and false each cost c^p/2 per object). ``truth_to_track`` (N_truth,)
    gives the index of the estimate assigned to each truth (−1 if none, or if at ≥ c)."""

    gospa: float
    localisation: float
    missed: float
    false: float
    ospa: float
    n_missed: int
    n_false: int
    truth_to_track: np.ndarray


@njit(cache=True, error_model="numpy")
def _pairwise_block(a: np.ndarray, lo: int, n: int) -> float:  # pragma: no cover - compiled
    """One leaf (n ≤ 128) of NumPy's pairwise summation of ``a[lo:lo+n]``."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True, error_model="numpy")
def _np_sum(a: np.ndarray, lo: int, n: int) -> float:  # pragma: no cover - compiled
    """``np.sum`` of ``a[lo:lo+n]`` (float64) bit for bit: NumPy's pairwise summation
    (``pairwise_sum`` in ``loops_utils.h``: < 8 terms in sequence; ≤ 128 in 8 interleaved partial
    sums combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the rest; above, the sum of the two
    halves split at a multiple of 8). The halving recursion runs on an explicit stack (numba's
    on-disk cache does not reload self-recursive functions safely)."""
    if n <= 128:
        return _pairwise_block(a, lo, n)
    s_lo = np.empty(64, np.int64)
    s_n = np.empty(64, np.int64)
    s_stage = np.empty(64, np.int64)
    vals = np.empty(64)
    sp = 1
    nv = 0
    s_lo[0], s_n[0], s_stage[0] = lo, n, 0
    while sp > 0:
        top = sp - 1
        l, k = s_lo[top], s_n[top]
        if k <= 128:
            vals[nv] = _pairwise_block(a, l, k)
            nv += 1
            sp -= 1
            continue
        n2 = k // 2
        n2 -= n2 % 8
        if s_stage[top] == 0:  # left half first
            s_stage[top] = 1
            s_lo[sp], s_n[sp], s_stage[sp] = l, n2, 0
            sp += 1
        elif s_stage[top] == 1:  # then the right half
            s_stage[top] = 2
            s_lo[sp], s_n[sp], s_stage[sp] = l + n2, k - n2, 0
            sp += 1
        else:  # both done: left + right
            vals[nv - 2] = vals[nv - 2] + vals[nv - 1]
            nv -= 1
            sp -= 1
    return vals[0]


@njit(cache=True, error_model="numpy")
def _pow_p(x: float, p: float) -> float:  # pragma: no cover - compiled
    """``x ** p`` as NumPy's array power gives it (``p`` = 1: x; 2: x·x; else NumPy's power)."""
    if p == 1.0:
        return x
    if p == 2.0:
        return x * x
    return npmath.pow(x, p)


@njit(cache=True, error_model="numpy")
def close_pairs(truth: np.ndarray, est: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """All (truth i, estimate j) pairs with ‖x_i − y_j‖ < c: (ti, ej, dist), in (i, j) order.

    d² = Σ_k (x_ik − y_jk)² in SciPy cKDTree's order (4 interleaved partial sums over full blocks
    of 4 coordinates, summed, then the rest in sequence), d = √d²; a pair is kept where d² ≤ c²
    (cKDTree's ``sparse_distance_matrix(max_distance=c)``) and d < c (GOSPA's strict cut-off).
    """
    n, m, dim = truth.shape[0], est.shape[0], truth.shape[1]
    c2 = c * c
    cap = n * m
    ti = np.empty(cap, np.int64)
    ej = np.empty(cap, np.int64)
    dist = np.empty(cap)
    K = 0
    for i in range(n):
        for j in range(m):
            a0 = 0.0
            a1 = 0.0
            a2 = 0.0
            a3 = 0.0
            k = 0
            while k + 4 <= dim:
                d0 = truth[i, k] - est[j, k]
                d1 = truth[i, k + 1] - est[j, k + 1]
                d2 = truth[i, k + 2] - est[j, k + 2]
                d3 = truth[i, k + 3] - est[j, k + 3]
                a0 += d0 * d0
                a1 += d1 * d1
                a2 += d2 * d2
                a3 += d3 * d3
                k += 4
            s = a0 + a1 + a2 + a3
            while k < dim:
                d = truth[i, k] - est[j, k]
                s += d * d
                k += 1
            if s <= c2:
                r = np.sqrt(s)
                if r < c:
                    ti[K] = i
                    ej[K] = j
                    dist[K] = r
                    K += 1
    return ti[:K], ej[:K], dist[:K]


@njit(cache=True, error_model="numpy")
def _gospa_scores(n: int, m: int, ti: np.ndarray, ej: np.ndarray, dist: np.ndarray, t2e: np.ndarray, c: float,
                  p: float) -> tuple[float, float, float, float, float, int, int]:  # fmt: skip  # pragma: no cover - compiled
    """(gospa, localisation, missed, false, ospa, n_missed, n_false) from the optimal matching
    ``t2e`` (n,) over the close pairs; localisation = Σ_matched d^p summed in truth order."""
    cp = c**p
    dm = np.zeros(n)
    for q in range(ti.shape[0]):
        if t2e[ti[q]] == ej[q]:
            dm[ti[q]] = _pow_p(dist[q], p)
    k = 0
    for i in range(n):
        if t2e[i] >= 0:
            dm[k] = dm[i]
            k += 1
    loc = _np_sum(dm, 0, k) if k else 0.0
    missed = cp / 2 * (n - k)
    false = cp / 2 * (m - k)
    g = (loc + missed + false) ** (1 / p)
    nn = max(m, n)
    o = ((loc + cp * (nn - k)) / nn) ** (1 / p)
    return g, loc, missed, false, o, n - k, m - k


@njit(cache=True, error_model="numpy")
def gospa_kernel(est: np.ndarray, truth: np.ndarray, c: float, p: float, max_hard: int
                 ) -> tuple[float, float, float, float, float, int, int, np.ndarray, bool]:  # fmt: skip  # pragma: no cover - compiled
    """One scan of :func:`gospa_ospa` compiled: (gospa, localisation, missed, false, ospa,
    n_missed, n_false, truth_to_track, ok). ``ok`` is False (scores not computed) when more than
    ``max_hard`` truths are ambiguous; the caller then solves with ``assign_sparse``."""
    m, n = est.shape[0], truth.shape[0]
    cp = c**p
    t2e = np.full(n, -1, np.int64)
    if m == 0 or n == 0:
        g = (cp / 2 * (m + n)) ** (1 / p)
        return g, 0.0, cp / 2 * n, cp / 2 * m, 0.0 if m + n == 0 else c, n, m, t2e, True
    ti, ej, dist = close_pairs(truth, est, c)
    cost = np.empty(ti.shape[0])
    for q in range(ti.shape[0]):  # minimise Σ_matched (d^p − c^p) over matchings of pairs with d < c
        cost[q] = _pow_p(dist[q], p) - cp
    if ti.shape[0] == 0:
        t2e2 = t2e
    else:
        t2e2, ok = assign_small(n, m, ti, ej, cost, 0.0, max_hard)
        if not ok:
            return 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0, t2e2, False
    g, loc, missed, false, o, nm, nf = _gospa_scores(n, m, ti, ej, dist, t2e2, c, p)
    return g, loc, missed, false, o, nm, nf, t2e2, True


def gospa_ospa(est_pos: np.ndarray, truth_pos: np.ndarray, c: float, p: float = 1.0) -> GospaResult:
    """GOSPA (α = 2) and OSPA for one scan, position only (one :func:`gospa_kernel` call).

    Parameters
    ----------
    est_pos : (m, d) estimated positions [m]; truth_pos : (n, d) true positions [m];
    c : cut-off [m]; p : order (≥ 1).
    """
    est = np.ascontiguousarray(est_pos, np.float64)
    truth = np.ascontiguousarray(truth_pos, np.float64)
    if est.shape[0] and truth.shape[0] and est.shape[1] != truth.shape[1]:
        raise ValueError(f"gospa_ospa: estimates have {est.shape[1]} coordinates, truths {truth.shape[1]}")
    g, loc, missed, false, o, nm, nf, t2e, ok = gospa_kernel(est, truth, float(c), float(p), _LSA_BATCH_TRACKS)
    if not ok:  # more than _LSA_BATCH_TRACKS ambiguous truths: assign_sparse's batched solver
        ti, ej, dist = close_pairs(truth, est, float(c))
        cost = dist**p - float(c) ** p  # minimise Σ_matched (d^p − c^p), as gospa_kernel
        t2e = assign_sparse(truth.shape[0], est.shape[0], ti, ej, cost, 0.0)
        g, loc, missed, false, o, nm, nf = _gospa_scores(truth.shape[0], est.shape[0], ti, ej, dist, t2e,
                                                         float(c), float(p))  # fmt: skip
    return GospaResult(float(g), float(loc), float(missed), float(false), float(o), int(nm), int(nf), t2e)


@njit(cache=True, error_model="numpy")
def gospa_sites(pos: np.ndarray, act: np.ndarray, site_vis: np.ndarray, est_pos: np.ndarray,
                est_site: np.ndarray, c: float, p: float, max_hard: int, f: np.ndarray, k: np.ndarray) -> int:  # fmt: skip  # pragma: no cover - compiled
    """:func:`gospa_kernel` for every site of one quality sample in one call (position only).

    Parameters
    ----------
    pos : (N, d) object positions [m]; act : (n,) int64 rows of ``pos`` that are candidate truths;
    site_vis : (n_sites, n) bool, truth ``act[i]`` covered by site s; est_pos : (m, d) confirmed-track
    positions [m]; est_site : (m,) int64 owning site of each track. A site's truths are its
    covered objects in ``act`` order, its estimates its tracks in row order.
    f : (n_sites, 4) float64, zeros, filled with [gospa, localisation, missed, false];
    k : (n_sites, 4) int64, zeros, filled with [n_truth, n_tracks, n_missed, n_false].
    Sites without truths and tracks keep 0 (GOSPA of two empty sets).

    Returns
    -------
    The number of sites left to the caller (more than ``max_hard`` ambiguous truths: ``f[s]`` 0,
    ``k[s, 2:]`` = −1).
    """
    n_sites, n, m, dim = site_vis.shape[0], act.shape[0], est_pos.shape[0], pos.shape[1]
    n_bad = 0
    for s in range(n_sites):
        nt = 0
        for i in range(n):
            if site_vis[s, i]:
                nt += 1
        ne = 0
        for j in range(m):
            if est_site[j] == s:
                ne += 1
        if nt == 0 and ne == 0:
            continue
        truth = np.empty((nt, dim))
        est = np.empty((ne, dim))
        a = 0
        for i in range(n):
            if site_vis[s, i]:
                truth[a] = pos[act[i]]
                a += 1
        b = 0
        for j in range(m):
            if est_site[j] == s:
                est[b] = est_pos[j]
                b += 1
        g, loc, missed, false, _, nm, nf, _, good = gospa_kernel(est, truth, c, p, max_hard)
        k[s, 0] = nt
        k[s, 1] = ne
        if not good:
            k[s, 2] = -1
            k[s, 3] = -1
            n_bad += 1
            continue
        f[s, 0] = g
        f[s, 1] = loc
        f[s, 2] = missed
        f[s, 3] = false
        k[s, 2] = nm
        k[s, 3] = nf
    return n_bad


@dataclass(frozen=True)
class Continuity:
    """Track continuity over a run, from the per-scan truth → track-id assignment.

    ``id_switches``: a truth's assigned track id changes to another id (counted per change);
    ``breaks``: a truth goes from assigned to unassigned (track lost; re-acquisition follows);
    ``time_to_confirm_s`` (N_truth,): time from a truth's first scan to its first assignment
    (NaN if never); ``n_track_ids``: distinct confirmed track ids."""

    id_switches: int
    breaks: int
    time_to_confirm_s: np.ndarray
    n_track_ids: int


def continuity(assigned_ids: np.ndarray, times_s: np.ndarray, n_track_ids: int) -> Continuity:
    """Continuity from ``assigned_ids`` (T, N_truth) int64 (track id per truth and scan, −1 none)."""
    a = np.asarray(assigned_ids)
    prev_id = np.full(a.shape[1], -1, np.int64)
    switches = 0
    for k in range(1, a.shape[0]):  # loop over scans (scoring only)
        cur = a[k]
        last = np.where(a[k - 1] >= 0, a[k - 1], prev_id)
        switches += int(np.sum((cur >= 0) & (last >= 0) & (cur != last)))
        prev_id = last
    breaks = int(np.sum((a[:-1] >= 0) & (a[1:] < 0)))
    has = (a >= 0).any(axis=0)
    first = np.argmax(a >= 0, axis=0)
    ttc = np.where(has, times_s[first] - times_s[0], np.nan)
    return Continuity(switches, breaks, ttc, int(n_track_ids))


def chi2_bounds(dof: int, runs: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided bounds for the average of ``runs`` independent χ²_dof NEES/NIS values:
    [χ²_{dof·runs}((1−conf)/2), χ²_{dof·runs}((1+conf)/2)] / runs (Bar-Shalom et al. 2001, §5.4)."""
    from scipy.stats import chi2  # lazy: scipy.stats costs ~0.5 s to import

    lo, hi = chi2.ppf([(1 - confidence) / 2, (1 + confidence) / 2], dof * runs) / runs
    return float(lo), float(hi)
