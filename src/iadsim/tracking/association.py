"""Measurement-to-track association behind one protocol (``Associator.associate``).

Implementations, chosen by stable names through the explicit registry :data:`ASSOCIATORS`:

``truth``
    Perfect association from the simulation's ground-truth labels (for engagement studies).
``gnn``
    Global nearest neighbour: KD-tree spatial pre-gate → Mahalanobis gate → 2-D assignment
    (``scipy.optimize.linear_sum_assignment``) solved separately on the connected components of
    the sparse track–detection gate graph; no dense N×M matrix is ever built.
``jpda``
    Joint probabilistic data association: exact enumeration of the joint hypotheses of each
    cluster (connected component) up to :data:`JPDA_MAX_HYPOTHESES`; larger clusters use
    Fitzgerald's "cheap JPDA" approximation (Fitzgerald 1985).

All work on arrays: predicted measurements ``zp`` (N, d), their covariance without sensor noise
``HPHt`` (N, d, d), detections ``z`` (M, d) and noise ``R`` (d, d) or per detection (M, d, d).
Sparse gated pairs (track index, detection index) are the common currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from iadsim.errors import InputError
from iadsim.tracking.kalman import inv_small
from iadsim.tracking.kernels import assign_small, gate_all_pairs

#: Above this number of joint hypotheses in one cluster, JPDA switches to cheap JPDA.
JPDA_MAX_HYPOTHESES = 4096
#: Tracks per batched assignment call (components are packed, never split, into batches).
_LSA_BATCH_TRACKS = 48
_KNN_START = 6


@dataclass
class Gated:
    """Sparse gated track–detection pairs (K pairs).

    ``track`` (K,) and ``det`` (K,) int64 indices; ``y`` (K, d) innovations z − ẑ [m];
    ``d2`` (K,) squared Mahalanobis distances; ``det_S`` (K,) determinants of S_ij.
    """

    track: np.ndarray
    det: np.ndarray
    y: np.ndarray
    d2: np.ndarray
    det_S: np.ndarray


@dataclass
class Association:
    """Result of one association call for N tracks and M detections.

    ``det_for_track`` (N,) int64: the detection assigned to each track, −1 for none (hard
    association; for JPDA the most probable detection). ``used`` (M,) bool: detections consumed
    (not available to start new tracks). For JPDA, ``pair_track``/``pair_det``/``beta`` (K,)
    hold the association probabilities β_ij and ``beta0`` (N,) the miss probabilities.
    """

    det_for_track: np.ndarray
    used: np.ndarray
    pair_track: np.ndarray | None = None
    pair_det: np.ndarray | None = None
    beta: np.ndarray | None = None
    beta0: np.ndarray | None = None
    gated: Gated | None = field(default=None, repr=False)


class Associator(Protocol):
    """One verb: associate detections with predicted tracks."""

    def associate(
        self,
        zp: np.ndarray,
        HPHt: np.ndarray,
        z: np.ndarray,
        R: np.ndarray,
        *,
        gate: float,
        pd: float = 0.9,
        clutter_density: float = 1e-12,
        track_truth: np.ndarray | None = None,
        det_truth: np.ndarray | None = None,
    ) -> Association:
        """Associate M detections ``z`` (M, d) with N predicted tracks.

        Parameters
        ----------
        zp : (N, d) predicted measurements (positions) [m]
        HPHt : (N, d, d) predicted measurement covariance without sensor noise [m²]
        z : (M, d) detections [m]
        R : (d, d) or (M, d, d) measurement noise covariance [m²]
        gate : Mahalanobis gate (distance, not squared): pairs with √(yᵀS⁻¹y) < gate
        pd, clutter_density : detection probability and false-alarm density [1/m^d] (JPDA)
        track_truth, det_truth : ground-truth labels, used only by ``truth``
        """
        ...


# ---------------------------------------------------------------------------------------------
# Gating
# ---------------------------------------------------------------------------------------------


#: Up to this many track × detection pairs, gating evaluates every pair directly (no KD-tree).
DENSE_GATE_MAX_PAIRS = 2048


def gate_pairs(
    zp: np.ndarray,
    HPHt: np.ndarray,
    z: np.ndarray,
    R: np.ndarray,
    gate: float,
    tree: cKDTree | None = None,
) -> Gated:
    """Sparse gating: KD-tree pre-gate, then exact Mahalanobis gate d_ij < ``gate``.

    Pre-gate radius per track: r_i = gate · √(tr S_i) ≥ gate · √λ_max(S_i), so no pair inside
    the Mahalanobis gate is lost (‖y‖² ≤ λ_max yᵀS⁻¹y). The KD-tree is queried for k nearest
    neighbours, doubling k for the few tracks whose k-th neighbour is still inside r_i.
    d²_ij = y_ijᵀ S_ij⁻¹ y_ij with S_ij = HPHtᵢ + R_j (closed-form inverse).
    """
    N, M = zp.shape[0], z.shape[0]
    d = z.shape[1] if z.ndim == 2 else zp.shape[1]
    empty_i = np.zeros(0, np.int64)
    if N == 0 or M == 0:
        return Gated(empty_i, empty_i, np.zeros((0, d)), np.zeros(0), np.zeros(0))
    per_det_R = R.ndim == 3
    if N * M <= DENSE_GATE_MAX_PAIRS and d == 3 and zp.shape[1] == 3:
        # compiled dense gate (kernels.gate_all_pairs: the same pairs in the same order)
        Rm = R if per_det_R else np.broadcast_to(R, (M, 3, 3))
        f64 = np.float64
        ti, dj, y, d2, detS = gate_all_pairs(np.ascontiguousarray(zp, f64), np.ascontiguousarray(HPHt, f64),
                                             np.ascontiguousarray(z, f64), np.ascontiguousarray(Rm, f64), float(gate))
        return Gated(ti, dj, y, d2, detS)
    if N * M <= DENSE_GATE_MAX_PAIRS:
        # small problems: every pair at once is cheaper than building and querying a KD-tree
        ti = np.repeat(np.arange(N, dtype=np.int64), M)
        dj = np.tile(np.arange(M, dtype=np.int64), N)
        y = z[dj] - zp[ti]
        S = HPHt[ti] + (R[dj] if per_det_R else R)
        Sinv, detS = inv_small(S)
        d2 = np.einsum("ki,kij,kj->k", y, Sinv, y)
        inside = d2 < gate * gate
        return Gated(ti[inside], dj[inside], y[inside], d2[inside], detS[inside])
    r_tr = np.max(np.trace(R, axis1=-2, axis2=-1)) if per_det_R else np.trace(R)
    radius = gate * np.sqrt(np.trace(HPHt, axis1=-2, axis2=-1) + r_tr)
    if tree is None:
        tree = cKDTree(z)
    k = min(_KNN_START, M)
    rows = np.arange(N)
    ti_list, dj_list = [], []
    while rows.size:
        dist, idx = tree.query(zp[rows], k=k, distance_upper_bound=float(radius[rows].max()))
        dist = dist.reshape(rows.size, k)
        idx = idx.reshape(rows.size, k)
        ok = dist <= radius[rows, None]
        ii, kk = np.nonzero(ok)
        ti_list.append(rows[ii])
        dj_list.append(idx[ii, kk])
        if k >= M:
            break
        sat = ok[:, -1]  # k-th neighbour inside the radius: there may be more
        if not sat.any():
            break
        # re-query the saturated tracks with a larger k, dropping what we already have
        ti_list.pop()
        dj_list.pop()
        keep = ~sat[ii]
        ti_list.append(rows[ii[keep]])
        dj_list.append(idx[ii[keep], kk[keep]])
        rows = rows[sat]
        k = min(4 * k, M)
    ti = np.concatenate(ti_list).astype(np.int64)
    dj = np.concatenate(dj_list).astype(np.int64)
    y = z[dj] - zp[ti]
    S = HPHt[ti] + (R[dj] if per_det_R else R)
    Sinv, detS = inv_small(S)
    d2 = np.einsum("ki,kij,kj->k", y, Sinv, y)
    inside = d2 < gate * gate
    return Gated(ti[inside], dj[inside], y[inside], d2[inside], detS[inside])


def _components(n_tracks: int, n_dets: int, ti: np.ndarray, dj: np.ndarray) -> np.ndarray:
    """Connected-component label of each pair of the bipartite gate graph."""
    n = n_tracks + n_dets
    g = coo_matrix((np.ones(ti.size, np.int8), (ti, n_tracks + dj)), shape=(n, n))
    _, labels = connected_components(g, directed=False)
    return labels[ti]


def _unique_in_component(glob: np.ndarray, comp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique (component, node) pairs sorted by component.

    Returns (node id per unique (U,), component per unique (U,), inverse index per pair (K,))."""
    base = int(glob.max()) + 1
    uniq, inv = np.unique(comp.astype(np.int64) * base + glob, return_inverse=True)
    return uniq % base, uniq // base, inv


def assign_sparse(
    n_tracks: int,
    n_dets: int,
    ti: np.ndarray,
    dj: np.ndarray,
    cost: np.ndarray,
    miss_cost: float,
) -> np.ndarray:
    """Optimal 2-D assignment on a sparse cost, each track may stay unassigned at ``miss_cost``.

    minimise Σ_assigned c_ij + miss_cost · #unassigned tracks, each detection used at most once
    (Stone Soup's ``GNNWith2DAssignment`` with a missed-detection hypothesis per track).
    Pairs alone in their row and column are assigned directly; the rest are split into
    connected components, packed (never split) into batches of ~48 tracks and solved with
    ``linear_sum_assignment`` on [C | diag(miss)] per batch (block-diagonal ⇒ same optimum).

    Returns ``det_for_track`` (n_tracks,) int64, −1 = unassigned.
    """
    out = np.full(n_tracks, -1, np.int64)
    if ti.size == 0:
        return out
    # compiled: direct pairs and, with at most _LSA_BATCH_TRACKS ambiguous tracks, the one
    # block-diagonal problem (kernels.assign_small; the same optimum and tie-breaking as
    # linear_sum_assignment below)
    small, ok = assign_small(int(n_tracks), int(n_dets), np.ascontiguousarray(ti, np.int64),
                             np.ascontiguousarray(dj, np.int64), np.ascontiguousarray(cost, np.float64),
                             float(miss_cost), _LSA_BATCH_TRACKS)  # fmt: skip
    if ok:
        return small
    keep = cost < miss_cost
    ti, dj, cost = ti[keep], dj[keep], cost[keep]
    tdeg = np.bincount(ti, minlength=n_tracks)
    ddeg = np.bincount(dj, minlength=n_dets)
    simple = (tdeg[ti] == 1) & (ddeg[dj] == 1)
    out[ti[simple]] = dj[simple]
    hard = ~simple
    if not hard.any():
        return out
    ti, dj, cost = ti[hard], dj[hard], cost[hard]
    # more than _LSA_BATCH_TRACKS ambiguous tracks (assign_small declined): batches of components
    comp = _components(n_tracks, n_dets, ti, dj)
    ut, uct, inv_t = _unique_in_component(ti, comp)
    ud, ucd, inv_d = _unique_in_component(dj, comp)
    comps, nt = np.unique(uct, return_counts=True)
    # pack whole components into batches: components starting in the same window of
    # _LSA_BATCH_TRACKS tracks share one assignment problem
    _, batch = np.unique((np.cumsum(nt) - nt) // _LSA_BATCH_TRACKS, return_inverse=True)
    n_batches = int(batch.max()) + 1
    bt_u = batch[np.searchsorted(comps, uct)]  # batch of each unique track (sorted)
    bd_u = batch[np.searchsorted(comps, ucd)]
    row_u = np.arange(ut.size) - np.searchsorted(bt_u, bt_u, side="left")
    col_u = np.arange(ud.size) - np.searchsorted(bd_u, bd_u, side="left")
    row, col, pb = row_u[inv_t], col_u[inv_d], bt_u[inv_t]
    order = np.argsort(pb, kind="stable")
    rng_b = np.arange(n_batches + 1)
    p_bounds = np.searchsorted(pb[order], rng_b)
    t_bounds = np.searchsorted(bt_u, rng_b)
    d_bounds = np.searchsorted(bd_u, rng_b)
    for bi in range(n_batches):  # a loop over batches of components, not over tracks
        sel = order[p_bounds[bi] : p_bounds[bi + 1]]
        t_glob = ut[t_bounds[bi] : t_bounds[bi + 1]]
        d_glob = ud[d_bounds[bi] : d_bounds[bi + 1]]
        ntb, ndb = t_glob.size, d_glob.size
        C = np.full((ntb, ndb + ntb), np.inf)
        C[row[sel], col[sel]] = cost[sel]
        C[np.arange(ntb), ndb + np.arange(ntb)] = miss_cost
        r, c = linear_sum_assignment(C)
        real = c < ndb
        out[t_glob[r[real]]] = d_glob[c[real]]
    return out


# ---------------------------------------------------------------------------------------------
# Associators
# ---------------------------------------------------------------------------------------------


class TruthAssociator:
    """Perfect association: track i takes the detection whose truth label equals its own."""

    name = "truth"

    def associate(
        self,
        zp: np.ndarray,
        HPHt: np.ndarray,
        z: np.ndarray,
        R: np.ndarray,
        *,
        gate: float,
        pd: float = 0.9,
        clutter_density: float = 1e-12,
        track_truth: np.ndarray | None = None,
        det_truth: np.ndarray | None = None,
    ) -> Association:
        if track_truth is None or det_truth is None:
            raise InputError("association 'truth' needs track_truth and det_truth labels")
        N, M = zp.shape[0], z.shape[0]
        out = np.full(N, -1, np.int64)
        real = det_truth >= 0
        if real.any() and N:
            labels = det_truth[real]
            idx = np.nonzero(real)[0]
            order = np.argsort(labels, kind="stable")
            pos = np.searchsorted(labels[order], track_truth)
            pos = np.minimum(pos, order.size - 1)
            hit = (labels[order][pos] == track_truth) & (track_truth >= 0)
            out[hit] = idx[order][pos[hit]]
        used = np.zeros(M, bool)
        used[out[out >= 0]] = True
        return Association(out, used)


class GNNAssociator:
    """Global nearest neighbour with Stone Soup's cost: Mahalanobis distance d_ij (not squared),
    missed-detection cost = gate (as ``DistanceHypothesiser(missed_distance=gate)``)."""

    name = "gnn"

    def associate(
        self,
        zp: np.ndarray,
        HPHt: np.ndarray,
        z: np.ndarray,
        R: np.ndarray,
        *,
        gate: float,
        pd: float = 0.9,
        clutter_density: float = 1e-12,
        track_truth: np.ndarray | None = None,
        det_truth: np.ndarray | None = None,
    ) -> Association:
        g = gate_pairs(zp, HPHt, z, R, gate)
        out = assign_sparse(zp.shape[0], z.shape[0], g.track, g.det, np.sqrt(g.d2), gate)
        used = np.zeros(z.shape[0], bool)
        used[out[out >= 0]] = True
        return Association(out, used, gated=g)


class JPDAAssociator:
    """Joint probabilistic data association (Fortmann, Bar-Shalom & Scheffe 1983).

    Likelihood ratio of pair (i, j): g_ij = P_D N(y_ij; 0, S_ij) / λ (λ clutter density);
    miss weight b = 1 − P_D P_G (P_G = gate probability of the χ²_d distribution).
    Joint hypothesis weight: Π_assigned g_ij · Π_missed b ;  β_ij = Σ_{θ ∋ (i,j)} w_θ / Σ_θ w_θ.

    Cap: a cluster whose option product Π_i (1 + deg_i) exceeds :data:`JPDA_MAX_HYPOTHESES`
    uses cheap JPDA: β_ij = g_ij / (T_i + U_j − g_ij + b), T_i = Σ_j g_ij, U_j = Σ_i g_ij.
    Detections with total association probability Σ_i β_ij ≥ 0.5 count as used.
    """

    name = "jpda"

    def __init__(self, max_hypotheses: int = JPDA_MAX_HYPOTHESES) -> None:
        self.max_hypotheses = max_hypotheses

    def associate(
        self,
        zp: np.ndarray,
        HPHt: np.ndarray,
        z: np.ndarray,
        R: np.ndarray,
        *,
        gate: float,
        pd: float = 0.9,
        clutter_density: float = 1e-12,
        track_truth: np.ndarray | None = None,
        det_truth: np.ndarray | None = None,
    ) -> Association:
        from scipy.stats import chi2

        N, M = zp.shape[0], z.shape[0]
        d = zp.shape[1]
        g = gate_pairs(zp, HPHt, z, R, gate)
        pg = float(chi2.cdf(gate * gate, d))
        b = 1.0 - pd * pg
        lam = max(clutter_density, 1e-300)
        # g_ij = P_D N(y; 0, S) / λ
        gij = pd * np.exp(-0.5 * g.d2) / np.sqrt((2 * np.pi) ** d * g.det_S) / lam
        beta = np.zeros(g.track.size)
        beta0 = np.ones(N)
        if g.track.size:
            comp = _components(N, M, g.track, g.det)
            # option product per cluster: Π_i (1 + deg_i)
            tdeg = np.bincount(g.track, minlength=N)
            tcomp = np.full(N, -1, np.int64)
            tcomp[g.track] = comp
            ncomp = int(comp.max()) + 1
            logprod = np.zeros(ncomp)
            has = tcomp >= 0
            np.add.at(logprod, tcomp[has], np.log1p(tdeg[has]))
            big = logprod > np.log(self.max_hypotheses)
            # single-track clusters: PDA closed form β_j = g_j / (b + Σ g)
            ntr = np.bincount(tcomp[has], minlength=ncomp)
            single = (ntr[comp] == 1) & ~big[comp]
            tot = np.bincount(g.track[single], weights=gij[single], minlength=N)
            beta[single] = gij[single] / (b + tot[g.track[single]])
            # cheap JPDA for oversized clusters
            cheap = big[comp]
            if cheap.any():
                T = np.bincount(g.track[cheap], weights=gij[cheap], minlength=N)
                U = np.bincount(g.det[cheap], weights=gij[cheap], minlength=M)
                beta[cheap] = gij[cheap] / (T[g.track[cheap]] + U[g.det[cheap]] - gij[cheap] + b)
            # exact enumeration for the remaining multi-track clusters
            multi = ~single & ~cheap
            if multi.any():
                idx = np.nonzero(multi)[0]
                order = idx[np.argsort(comp[idx], kind="stable")]
                cm = comp[order]
                cuts = np.nonzero(np.diff(cm))[0] + 1
                for grp in np.split(order, cuts):  # loop over clusters, not tracks
                    beta[grp] = _jpda_exact(g.track[grp], g.det[grp], gij[grp], b)
            s = np.bincount(g.track, weights=beta, minlength=N)
            beta0 = np.clip(1.0 - s, 0.0, 1.0)
        # most probable detection per track (for bookkeeping) and detection usage
        out = np.full(N, -1, np.int64)
        if g.track.size:
            o = np.lexsort((-beta, g.track))
            first = np.ones(o.size, bool)
            first[1:] = g.track[o][1:] != g.track[o][:-1]
            best = o[first]
            win = beta[best] > beta0[g.track[best]]
            out[g.track[best][win]] = g.det[best][win]
        usage = np.bincount(g.det, weights=beta, minlength=M)
        return Association(out, usage >= 0.5, g.track, g.det, beta, beta0, gated=g)


def _jpda_exact(ti: np.ndarray, dj: np.ndarray, gij: np.ndarray, b: float) -> np.ndarray:
    """Exact JPDA marginals β for one cluster by vectorised enumeration of joint hypotheses."""
    tracks, lt = np.unique(ti, return_inverse=True)
    _, ld = np.unique(dj, return_inverse=True)
    nt = tracks.size
    # options per track: −1 (miss) or the pair index
    opts = [np.concatenate([[-1], np.nonzero(lt == t)[0]]) for t in range(nt)]
    grids = np.meshgrid(*opts, indexing="ij")
    H = np.stack([gr.ravel() for gr in grids], axis=1)  # (n_hyp, nt) pair index or −1
    dets = np.where(H >= 0, ld[np.maximum(H, 0)], -1 - np.arange(nt)[None, :])
    ds = np.sort(dets, axis=1)
    valid = ~np.any(ds[:, 1:] == ds[:, :-1], axis=1)  # each detection at most once
    H = H[valid]
    w = np.prod(np.where(H >= 0, gij[np.maximum(H, 0)], b), axis=1)
    w = w / w.sum()
    beta = np.zeros(ti.size)
    hh, tt = np.nonzero(H >= 0)
    np.add.at(beta, H[hh, tt], w[hh])
    return beta


#: Registry of association methods by their stable scenario names.
ASSOCIATORS: dict[str, type[TruthAssociator] | type[GNNAssociator] | type[JPDAAssociator]] = {
    "truth": TruthAssociator,
    "gnn": GNNAssociator,
    "jpda": JPDAAssociator,
}


def make_associator(name: str) -> Associator:
    """Instantiate the associator registered under ``name`` (``truth``, ``gnn``, ``jpda``)."""
    try:
        return ASSOCIATORS[name]()
    except KeyError:
        raise InputError(
            f"unknown association {name!r}; expected one of {sorted(ASSOCIATORS)}"
        ) from None
