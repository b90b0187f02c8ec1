"""Compiled GOSPA / OSPA (tracking.metrics.gospa_kernel, gospa_sites) against the former
cKDTree + assign_sparse + NumPy formula, kept here as the independent reference: every score,
count and the truth → track assignment must be bit-identical (ties included)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from iadsim.tracking import metrics as mt
from iadsim.tracking.association import _LSA_BATCH_TRACKS, assign_sparse


def _reference(est_pos: np.ndarray, truth_pos: np.ndarray, c: float, p: float = 1.0) -> tuple:
    """The NumPy / SciPy implementation gospa_ospa had before it was compiled."""
    m, n = est_pos.shape[0], truth_pos.shape[0]
    cp = c**p
    t2e = np.full(n, -1, np.int64)
    if m == 0 or n == 0:
        g = (cp / 2 * (m + n)) ** (1 / p)
        return g, 0.0, cp / 2 * n, cp / 2 * m, 0.0 if m + n == 0 else c, n, m, t2e
    pairs = cKDTree(truth_pos).sparse_distance_matrix(cKDTree(est_pos), c, output_type="ndarray")
    ti, ej, dist = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64), pairs["v"]
    close = dist < c
    ti, ej, dist = ti[close], ej[close], dist[close]
    t2e = assign_sparse(n, m, ti, ej, dist**p - cp, 0.0)
    matched = t2e >= 0
    keys = ti * m + ej
    order = np.argsort(keys)
    want = np.nonzero(matched)[0] * m + t2e[matched]
    dm = dist[order[np.searchsorted(keys[order], want)]] if want.size else np.zeros(0)
    loc = float(np.sum(dm**p)) if dm.size else 0.0
    k = int(matched.sum())
    g = (loc + cp / 2 * (n - k) + cp / 2 * (m - k)) ** (1 / p)
    nn = max(m, n)
    o = ((loc + cp * (nn - k)) / nn) ** (1 / p)
    return g, loc, cp / 2 * (n - k), cp / 2 * (m - k), o, n - k, m - k, t2e


def _case(rng: np.random.Generator, trial: int) -> tuple[np.ndarray, np.ndarray, float, float]:
    n, m, d = int(rng.integers(0, 30)), int(rng.integers(0, 30)), int(rng.choice([2, 3, 5]))
    c = float(rng.uniform(100, 20000))
    base = rng.uniform(-6.4e6, 6.4e6, d)  # ECEF-sized coordinates
    truth = base + rng.uniform(-3e4, 3e4, (n, d))
    k = min(m, n)
    est = np.concatenate([truth[:k] + rng.normal(size=(k, d)) * c * rng.uniform(0.05, 1.0),
                          base + rng.uniform(-3e4, 3e4, (m - k, d))])  # fmt: skip
    if trial % 4 == 0:  # a coarse grid: many equal distances (assignment ties)
        est, truth = np.round(est / 2000) * 2000, np.round(truth / 2000) * 2000
    return est, truth, c, (1.0 if trial % 5 else 2.0)


def _same(r: mt.GospaResult, ref: tuple) -> bool:
    got = (r.gospa, r.localisation, r.missed, r.false, r.ospa, r.n_missed, r.n_false)
    return got == tuple(ref[:7]) and np.array_equal(r.truth_to_track, ref[7])


def test_np_sum_is_numpys_pairwise_sum() -> None:
    rng = np.random.default_rng(3)
    for n in [*range(1, 140), 255, 256, 257, 1000, 4099]:
        a = rng.normal(size=n) * 10 ** rng.uniform(-3, 6, n)
        assert mt._np_sum(a, 0, n) == np.sum(a)
    a = rng.normal(size=300)
    assert mt._np_sum(a, 17, 200) == np.sum(a[17:217])


def test_close_pairs_are_ckdtrees() -> None:
    rng = np.random.default_rng(4)
    for trial in range(200):
        est, truth, c, _ = _case(rng, trial)
        ti, ej, dist = mt.close_pairs(truth, est, c)
        if len(truth) and len(est):
            pr = cKDTree(truth).sparse_distance_matrix(cKDTree(est), c, output_type="ndarray")
            pr = pr[pr["v"] < c]
            want = sorted(zip(pr["i"].tolist(), pr["j"].tolist(), pr["v"].tolist()))
        else:
            want = []
        assert list(zip(ti.tolist(), ej.tolist(), dist.tolist())) == want


def test_gospa_ospa_bit_identical_to_reference() -> None:
    rng = np.random.default_rng(5)
    for trial in range(600):
        est, truth, c, p = _case(rng, trial)
        assert _same(mt.gospa_ospa(est, truth, c, p), _reference(est, truth, c, p)), trial


def test_gospa_many_ambiguous_truths_falls_back_to_batched_solver() -> None:
    rng = np.random.default_rng(6)
    truth = rng.uniform(0, 3000, (200, 3))
    est = truth + rng.normal(0, 200, truth.shape)
    *_, ok = mt.gospa_kernel(est, truth, 500.0, 1.0, _LSA_BATCH_TRACKS)
    assert not ok  # more than _LSA_BATCH_TRACKS ambiguous truths: the kernel declines
    assert _same(mt.gospa_ospa(est, truth, 500.0), _reference(est, truth, 500.0))


def test_gospa_sites_leaves_many_ambiguous_to_caller() -> None:
    rng = np.random.default_rng(8)
    truth = rng.uniform(0, 3000, (200, 3))
    est = truth + rng.normal(0, 200, truth.shape)
    f, k = np.zeros((2, 4)), np.zeros((2, 4), np.int64)
    vis = np.array([np.ones(200, bool), np.arange(200) < 3])
    n_bad = mt.gospa_sites(truth, np.arange(200), vis, est, np.zeros(200, np.int64), 500.0, 1.0, 48, f, k)
    assert n_bad == 1 and k[0].tolist() == [200, 200, -1, -1] and not f[0].any()
    assert k[1, :2].tolist() == [3, 0] and f[1, 2] == 750.0  # 3 missed, no tracks: 3 · c/2


def test_gospa_hand_case_through_kernel() -> None:
    truth = np.array([[0.0, 0.0], [100.0, 0.0]])
    est = np.array([[3.0, 4.0], [200.0, 0.0], [300.0, 0.0]])
    g, loc, missed, false, o, nm, nf, t2e, ok = mt.gospa_kernel(est, truth, 10.0, 1.0, 48)
    assert ok and (g, loc, missed, false, nm, nf) == (20.0, 5.0, 5.0, 10.0, 1, 2)
    assert o == pytest.approx(25.0 / 3) and t2e.tolist() == [0, -1]


def test_gospa_sites_equals_gospa_ospa_per_site() -> None:
    rng = np.random.default_rng(7)
    for _ in range(40):
        n_sites, n, m = int(rng.integers(1, 5)), int(rng.integers(0, 25)), int(rng.integers(0, 25))
        truth = rng.uniform(0, 5e4, (n, 3))
        vis = rng.uniform(size=(n_sites, n)) < 0.6
        est = np.concatenate([truth[: min(n, m)] + rng.normal(0, 800, (min(n, m), 3)),
                              rng.uniform(0, 5e4, (m - min(n, m), 3))])  # fmt: skip
        est_site = rng.integers(0, n_sites, m).astype(np.int64)
        act = np.flatnonzero(rng.uniform(size=n) < 0.8)  # candidate truths: rows of truth
        vis = vis[:, act]
        f, k = np.zeros((n_sites, 4)), np.zeros((n_sites, 4), np.int64)
        assert mt.gospa_sites(truth, act, vis, est, est_site, 3000.0, 1.0, _LSA_BATCH_TRACKS, f, k) == 0
        for s in range(n_sites):
            ref = _reference(est[est_site == s], truth[act[vis[s]]], 3000.0)
            if vis[s].any() or (est_site == s).any():
                assert tuple(f[s]) == tuple(ref[:4])
                assert tuple(k[s]) == (vis[s].sum(), (est_site == s).sum(), ref[5], ref[6])
            else:  # no threat, no track: 0 everywhere
                assert not f[s].any() and not k[s].any()
