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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from iadsim.tracking.association import assign_sparse
from iadsim.tracking.kalman import nees, nis

__all__ = [
    "GospaResult",
    "gospa_ospa",
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


def gospa_ospa(est_pos: np.ndarray, truth_pos: np.ndarray, c: float, p: float = 1.0) -> GospaResult:
    """GOSPA (α = 2) and OSPA for one scan, position only.

    Parameters
    ----------
    est_pos : (m, d) estimated positions [m]; truth_pos : (n, d) true positions [m];
    c : cut-off [m]; p : order (≥ 1).
    """
    m, n = est_pos.shape[0], truth_pos.shape[0]
    cp = c**p
    t2e = np.full(n, -1, np.int64)
    if m == 0 or n == 0:
        g = (cp / 2 * (m + n)) ** (1 / p)
        return GospaResult(g, 0.0, cp / 2 * n, cp / 2 * m, 0.0 if m + n == 0 else c, n, m, t2e)
    pairs = cKDTree(truth_pos).sparse_distance_matrix(cKDTree(est_pos), c, output_type="ndarray")
    ti = pairs["i"].astype(np.int64)
    ej = pairs["j"].astype(np.int64)
    dist = pairs["v"]
    close = dist < c
    ti, ej, dist = ti[close], ej[close], dist[close]
    # minimise Σ_matched (d^p − c^p) over matchings of pairs with d < c
    t2e = assign_sparse(n, m, ti, ej, dist**p - cp, 0.0)
    matched = t2e >= 0
    # distances of matched pairs
    keys = ti * m + ej
    order = np.argsort(keys)
    want = np.nonzero(matched)[0] * m + t2e[matched]
    dm = dist[order[np.searchsorted(keys[order], want)]] if want.size else np.zeros(0)
    loc = float(np.sum(dm**p)) if dm.size else 0.0
    k = int(matched.sum())
    missed = cp / 2 * (n - k)
    false = cp / 2 * (m - k)
    g = (loc + missed + false) ** (1 / p)
    nn = max(m, n)
    o = ((loc + cp * (nn - k)) / nn) ** (1 / p)
    return GospaResult(g, loc, missed, false, o, n - k, m - k, t2e)


def gospa(est_pos: np.ndarray, truth_pos: np.ndarray, c: float, p: float = 1.0) -> float:
    """GOSPA distance (α = 2) for one scan; see :func:`gospa_ospa`."""
    return gospa_ospa(est_pos, truth_pos, c, p).gospa


def ospa(est_pos: np.ndarray, truth_pos: np.ndarray, c: float, p: float = 1.0) -> float:
    """OSPA distance for one scan; see :func:`gospa_ospa`."""
    return gospa_ospa(est_pos, truth_pos, c, p).ospa


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
