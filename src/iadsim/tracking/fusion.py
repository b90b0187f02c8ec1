"""Track-to-track fusion: association of tracks from different sites and covariance intersection.

Pure kernels, arrays in and out (states ``x`` (n, d), covariances ``P`` (n, d, d)); the network
picture of :mod:`iadsim.c2.network` is built from them.

**Why covariance intersection.** Two sites' tracks of one target are not independent estimates:
both filters were driven by the *same* target motion (common process noise) and, on a network,
may share earlier fused information. Their cross-covariance P₁₂ is unknown to the C2 node (the
sites do not report it). The information-filter fusion P = (P₁⁻¹ + P₂⁻¹)⁻¹ assumes P₁₂ = 0 and
double-counts the common information: the fused covariance is too small (the estimate is
over-confident; ``naive_fusion`` below exists to show it). Covariance intersection (Julier &
Uhlmann 1997, "A non-divergent estimation algorithm in the presence of unknown correlations",
Proc. American Control Conference) is consistent for *every* P₁₂:

    P⁻¹ = ω P₁⁻¹ + (1 − ω) P₂⁻¹,   x = P (ω P₁⁻¹ x₁ + (1 − ω) P₂⁻¹ x₂),   ω ∈ [0, 1],

with ω chosen to minimise tr P (default) or det P. More than two tracks are fused sequentially
(CI is consistent at each step, so the sequence is too).

**Association.** A track a of one source and a track b of another are a candidate pair if the
Mahalanobis distance of their difference

    d² = (x_a − x_b)ᵀ (P_a + P_b)⁻¹ (x_a − x_b)

(position block by default) is at most a χ² gate; the unknown cross-covariance is ignored, which
makes the difference covariance larger (for the positive correlation of common process noise), so
the gate is, if anything, permissive. Pairs are assigned one-to-one by minimum total d²
(``scipy.optimize.linear_sum_assignment``).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy.optimize import linear_sum_assignment

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)

#: χ²₃ quantile at 0.999: the track-to-track gate on d² (position difference, 3 dof).
T2T_GATE_D2 = 16.266

_GOLD = (np.sqrt(5.0) - 1.0) / 2.0


def _sym_inv(P: np.ndarray) -> np.ndarray:
    inv = np.linalg.inv(P)
    return np.asarray(0.5 * (inv + np.swapaxes(inv, -1, -2)))


def _ci_cost(I1: np.ndarray, I2: np.ndarray, w: np.ndarray, criterion: str) -> np.ndarray:
    info = w[:, None, None] * I1 + (1.0 - w)[:, None, None] * I2
    if criterion == "det":
        # det P = 1 / det P⁻¹: minimise −log det P⁻¹
        sign, logdet = np.linalg.slogdet(info)
        return np.asarray(np.where(sign > 0, -logdet, np.inf))
    return np.asarray(np.trace(np.linalg.inv(info), axis1=1, axis2=2))


def ci_weights(P1: np.ndarray, P2: np.ndarray, criterion: str = "trace", iterations: int = 30) -> np.ndarray:
    """(n,) ω ∈ [0, 1] minimising tr P (or det P) of the CI fusion of P1 and P2.

    Vectorised golden-section search on [0, 1] (tr P(ω) and log det P(ω) are convex in ω for
    positive-definite P₁, P₂, so the bracket keeps the minimum); 30 iterations bound the ω error
    by 0.618³⁰ ≈ 5·10⁻⁷. Shapes: P1, P2 (n, d, d).
    """
    if criterion not in ("trace", "det"):
        raise ValueError(f"criterion must be 'trace' or 'det' (got {criterion!r})")
    n = len(P1)
    I1, I2 = _sym_inv(P1), _sym_inv(P2)
    a, b = np.zeros(n), np.ones(n)
    c = b - _GOLD * (b - a)
    d = a + _GOLD * (b - a)
    fc, fd = _ci_cost(I1, I2, c, criterion), _ci_cost(I1, I2, d, criterion)
    for _ in range(iterations):
        left = fc < fd  # the minimum lies in [a, d]: d → c, new c; else in [c, b]: c → d, new d
        a = np.where(left, a, c)
        b = np.where(left, d, b)
        keep_x, keep_f = np.where(left, c, d), np.where(left, fc, fd)
        p = np.where(left, b - _GOLD * (b - a), a + _GOLD * (b - a))
        fp = _ci_cost(I1, I2, p, criterion)
        c, fc = np.where(left, p, keep_x), np.where(left, fp, keep_f)
        d, fd = np.where(left, keep_x, p), np.where(left, keep_f, fp)
    w = 0.5 * (a + b)
    # the end points (one estimate alone) when they are better
    f_mid = _ci_cost(I1, I2, w, criterion)
    f0, f1 = _ci_cost(I1, I2, np.zeros(n), criterion), _ci_cost(I1, I2, np.ones(n), criterion)
    w = np.where(f0 < f_mid, 0.0, w)
    w = np.where((f1 < f_mid) & (f1 <= f0), 1.0, w)
    return np.asarray(w)


def covariance_intersection(x1: np.ndarray, P1: np.ndarray, x2: np.ndarray, P2: np.ndarray,
                            omega: np.ndarray | None = None, criterion: str = "trace") -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Covariance intersection of two estimates of the same states (Julier & Uhlmann 1997).

    P⁻¹ = ω P₁⁻¹ + (1 − ω) P₂⁻¹;  x = P (ω P₁⁻¹ x₁ + (1 − ω) P₂⁻¹ x₂); ω from :func:`ci_weights`
    unless given. Consistent (P ≥ the true error covariance) whatever the unknown cross-covariance
    P₁₂, provided P₁ and P₂ are consistent.

    Parameters
    ----------
    x1, x2 : (n, d) estimates; P1, P2 : (n, d, d) their covariances; omega : optional (n,).

    Returns
    -------
    x (n, d), P (n, d, d).
    """
    w = ci_weights(P1, P2, criterion) if omega is None else np.asarray(omega, float)
    I1, I2 = _sym_inv(P1), _sym_inv(P2)
    info = w[:, None, None] * I1 + (1.0 - w)[:, None, None] * I2
    P = _sym_inv(info)
    y = w[:, None] * np.einsum("nij,nj->ni", I1, x1) + (1.0 - w)[:, None] * np.einsum("nij,nj->ni", I2, x2)
    return np.einsum("nij,nj->ni", P, y), P


def naive_fusion(x1: np.ndarray, P1: np.ndarray, x2: np.ndarray, P2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fusion that assumes independent errors (P₁₂ = 0): P = (P₁⁻¹ + P₂⁻¹)⁻¹, x = P (P₁⁻¹ x₁ + P₂⁻¹ x₂).

    Over-confident for tracks with common process noise; kept as the reference that the
    consistency test shows to fail. Not used by the engine.
    """
    I1, I2 = _sym_inv(P1), _sym_inv(P2)
    P = _sym_inv(I1 + I2)
    return np.einsum("nij,nj->ni", P, np.einsum("nij,nj->ni", I1, x1) + np.einsum("nij,nj->ni", I2, x2)), P


def t2t_distance2(xa: np.ndarray, Pa: np.ndarray, xb: np.ndarray, Pb: np.ndarray, dims: int = 3) -> np.ndarray:
    """(na, nb) d² = Δᵀ (P_a + P_b)⁻¹ Δ, Δ = x_a − x_b over the first ``dims`` state components.

    Compiled (:func:`t2t_kernel`): one small linear solve per pair.
    """
    if len(xa) == 0 or len(xb) == 0:
        return np.zeros((len(xa), len(xb)))
    return t2t_kernel(np.ascontiguousarray(xa, np.float64), np.ascontiguousarray(Pa, np.float64),
                      np.ascontiguousarray(xb, np.float64), np.ascontiguousarray(Pb, np.float64), int(dims))  # fmt: skip


@njit(cache=True, error_model="numpy")
def t2t_kernel(xa: np.ndarray, Pa: np.ndarray, xb: np.ndarray, Pb: np.ndarray, dims: int) -> np.ndarray:  # pragma: no cover - compiled
    """(na, nb) track-to-track Mahalanobis distances d² = Δᵀ S⁻¹ Δ, S = P_a + P_b, Δ = x_a − x_b.

    Over the first ``dims`` components of states ``xa`` (na, d), ``xb`` (nb, d) with covariances
    ``Pa`` (na, d, d), ``Pb`` (nb, d, d). Per pair, S y = Δ is solved by Gaussian elimination with
    partial pivoting (the LU factorisation of ``np.linalg.solve``), d² = Δ · y. A singular S raises
    ``np.linalg.LinAlgError`` as ``np.linalg.solve`` does.
    """
    na, nb = xa.shape[0], xb.shape[0]
    out = np.empty((na, nb))
    S = np.empty((dims, dims))
    y = np.empty(dims)
    D = np.empty(dims)
    for a in range(na):
        for b in range(nb):
            for i in range(dims):
                D[i] = xa[a, i] - xb[b, i]
                y[i] = D[i]
                for j in range(dims):
                    S[i, j] = Pa[a, i, j] + Pb[b, i, j]
            for c in range(dims):  # forward elimination, pivot = largest |S[r, c]| for r ≥ c
                piv = c
                for r in range(c + 1, dims):
                    if abs(S[r, c]) > abs(S[piv, c]):
                        piv = r
                if S[piv, c] == 0.0:
                    raise np.linalg.LinAlgError("Singular matrix")
                if piv != c:
                    for j in range(dims):
                        S[c, j], S[piv, j] = S[piv, j], S[c, j]
                    y[c], y[piv] = y[piv], y[c]
                for r in range(c + 1, dims):
                    f = S[r, c] / S[c, c]
                    for j in range(c, dims):
                        S[r, j] -= f * S[c, j]
                    y[r] -= f * y[c]
            for c in range(dims - 1, -1, -1):  # back substitution
                acc = y[c]
                for j in range(c + 1, dims):
                    acc -= S[c, j] * y[j]
                y[c] = acc / S[c, c]
            d2 = 0.0
            for i in range(dims):
                d2 += D[i] * y[i]
            out[a, b] = d2
    return out


def associate_tracks(xa: np.ndarray, Pa: np.ndarray, xb: np.ndarray, Pb: np.ndarray,
                     gate_d2: float = T2T_GATE_D2, dims: int = 3) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """One-to-one track-to-track association by minimum total gated d² (:func:`t2t_distance2`).

    Returns ``(ia, ib)``: index pairs, each with d² ≤ gate.
    """
    d2 = t2t_distance2(xa, Pa, xb, Pb, dims)
    if d2.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ok = d2 <= gate_d2
    if not ok.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    r, c = linear_sum_assignment(np.where(ok, d2, 1e12))
    good = ok[r, c]
    return r[good].astype(np.int64), c[good].astype(np.int64)


def fuse_sources(source: np.ndarray, x: np.ndarray, P: np.ndarray, gate_d2: float = T2T_GATE_D2,
                 dims: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Fuse tracks of several sources (sites) into one picture.

    Sources are taken in increasing order; the first source's tracks start the picture; each next
    source's tracks are associated to the current picture (:func:`associate_tracks`, one track
    of a source per fused track) and fused into it by covariance intersection, its unassociated
    tracks start new fused tracks. (A loop over the few sources; each step is vectorised.)

    Parameters
    ----------
    source : (n,) source of each track; x : (n, d); P : (n, d, d) (all at one time).

    Returns
    -------
    xf (m, d), Pf (m, d, d) fused tracks, and member (n,) the fused track of each input track.
    """
    n = len(source)
    member = np.full(n, -1, np.int64)
    xf = np.zeros((0,) + x.shape[1:])
    Pf = np.zeros((0,) + P.shape[1:])
    for s in np.unique(source):
        idx = np.flatnonzero(source == s)
        ia, ib = associate_tracks(xf, Pf, x[idx], P[idx], gate_d2, dims)
        if len(ia):
            xn, Pn = covariance_intersection(xf[ia], Pf[ia], x[idx[ib]], P[idx[ib]])
            xf, Pf = xf.copy(), Pf.copy()
            xf[ia], Pf[ia] = xn, Pn
            member[idx[ib]] = ia
        new = np.setdiff1d(np.arange(len(idx)), ib)
        member[idx[new]] = len(xf) + np.arange(len(new))
        xf = np.concatenate([xf, x[idx[new]]])
        Pf = np.concatenate([Pf, P[idx[new]]])
    return xf, Pf, member
