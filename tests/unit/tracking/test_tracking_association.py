"""Association (GNN, JPDA, truth) and OSPA/GOSPA metrics."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from iadsim.errors import InputError
from iadsim.tracking import kalman as kf
from iadsim.tracking import metrics as mt
from iadsim.tracking.association import ASSOCIATORS, assign_sparse, gate_pairs, make_associator


def test_registry_names() -> None:
    assert set(ASSOCIATORS) == {"truth", "gnn", "jpda"}
    with pytest.raises(InputError):
        make_associator("nearest")


def test_assign_sparse_equals_dense_lsa() -> None:
    rng = np.random.default_rng(0)
    for trial in range(60):
        nt, nd = rng.integers(1, 30), rng.integers(1, 30)
        dense = rng.uniform(0, 5, (nt, nd))
        mask = rng.uniform(size=(nt, nd)) < rng.uniform(0.05, 0.5)
        miss = 3.0
        ti, dj = np.nonzero(mask)
        out = assign_sparse(nt, nd, ti, dj, dense[ti, dj], miss)
        # dense reference with dummy miss columns
        C = np.full((nt, nd + nt), np.inf)
        C[:, :nd] = np.where(mask & (dense < miss), dense, np.inf)
        C[np.arange(nt), nd + np.arange(nt)] = miss
        r, c = linear_sum_assignment(C)
        ref = C[r, c].sum()
        got = sum(dense[i, j] if j >= 0 else miss for i, j in enumerate(out))
        assert got == pytest.approx(ref, abs=1e-9)
        used = out[out >= 0]
        assert used.size == np.unique(used).size
        assert np.all(mask[np.nonzero(out >= 0)[0], used])


def test_gating_matches_bruteforce() -> None:
    rng = np.random.default_rng(1)
    N, M, d = 80, 120, 2
    zp = rng.uniform(0, 2000, (N, d))
    A = rng.normal(size=(N, d, d)) * 20
    HPHt = A @ np.swapaxes(A, 1, 2)
    z = rng.uniform(0, 2000, (M, d))
    R = np.eye(d) * 100.0
    g = gate_pairs(zp, HPHt, z, R, gate=3.0)
    y = z[None] - zp[:, None]
    Sinv = np.linalg.inv(HPHt + R)
    d2 = np.einsum("nmi,nij,nmj->nm", y, Sinv, y)
    ti, dj = np.nonzero(d2 < 9.0)
    assert set(zip(ti, dj)) == set(zip(g.track.tolist(), g.det.tolist()))
    np.testing.assert_allclose(np.sort(g.d2), np.sort(d2[ti, dj]))


def test_gnn_crossing_targets() -> None:
    """Two targets crossing on an X, measured without clutter: each detection goes to the track
    it came from, even where both gates overlap."""
    gnn = make_associator("gnn")
    zp = np.array([[0.0, 0.0], [30.0, 0.0], [1000.0, 1000.0]])
    HPHt = np.broadcast_to(np.eye(2) * 400.0, (3, 2, 2)).copy()
    z = np.array([[28.0, 3.0], [1.0, -2.0], [5000.0, 5000.0]])
    a = gnn.associate(zp, HPHt, z, np.eye(2) * 100.0, gate=3.0)
    assert a.det_for_track.tolist() == [1, 0, -1]
    assert a.used.tolist() == [True, True, False]


def test_truth_associator() -> None:
    a = make_associator("truth").associate(
        np.zeros((3, 2)), np.zeros((3, 2, 2)), np.zeros((4, 2)), np.eye(2), gate=3.0,
        track_truth=np.array([5, 2, 9]), det_truth=np.array([-1, 2, 5, 7]))
    assert a.det_for_track.tolist() == [2, 1, -1]


def test_jpda_single_target_no_clutter_reduces_to_kf() -> None:
    """One track, one detection, negligible clutter density and P_D → 1: β → 1, so the PDA
    update equals the Kalman update."""
    from iadsim.tracking.mtt import pda_update

    x = np.array([[0.0, 0.0, 10.0, 0.0]])
    P = np.diag([400.0, 400.0, 25.0, 25.0])[None]
    z = np.array([[15.0, -10.0]])
    R = np.eye(2) * 100.0
    a = make_associator("jpda").associate(
        x[:, :2], P[:, :2, :2], z, R, gate=5.0, pd=1.0 - 1e-12, clutter_density=1e-30)
    assert a.beta is not None and a.beta[0] == pytest.approx(1.0, abs=1e-9)
    xj, Pj = pda_update(x, P, z, R, a)
    xk, Pk, _, _ = kf.update_position(x, P, z, R)
    np.testing.assert_allclose(xj, xk, atol=1e-6)
    np.testing.assert_allclose(Pj, Pk, atol=1e-6)


def test_jpda_exact_vs_bruteforce_and_cheap() -> None:
    """Exact cluster enumeration equals a brute-force JPDA; cheap JPDA is close and valid."""
    import itertools

    from iadsim.tracking.association import JPDAAssociator

    rng = np.random.default_rng(4)
    zp = np.array([[0.0, 0.0], [40.0, 0.0], [80.0, 10.0]])
    HPHt = np.broadcast_to(np.eye(2) * 900.0, (3, 2, 2)).copy()
    z = np.array([[20.0, 0.0], [50.0, 5.0], [70.0, -5.0], [10.0, 20.0]])
    R = np.eye(2) * 100.0
    pd, lam, gate = 0.9, 1e-5, 4.0
    a = JPDAAssociator().associate(zp, HPHt, z, R, gate=gate, pd=pd, clutter_density=lam)
    from scipy.stats import chi2

    b = 1 - pd * chi2.cdf(gate**2, 2)
    S = HPHt[0] + R
    G = np.zeros((3, 4))
    for i in range(3):
        for j in range(4):
            y = z[j] - zp[i]
            d2 = y @ np.linalg.solve(S, y)
            if d2 < gate**2:
                G[i, j] = pd * np.exp(-0.5 * d2) / (2 * np.pi * np.sqrt(np.linalg.det(S))) / lam
    beta = np.zeros((3, 4))
    tot = 0.0
    for hyp in itertools.product(range(-1, 4), repeat=3):
        used = [h for h in hyp if h >= 0]
        if len(used) != len(set(used)) or any(h >= 0 and G[i, h] == 0 for i, h in enumerate(hyp)):
            continue
        w = np.prod([G[i, h] if h >= 0 else b for i, h in enumerate(hyp)])
        tot += w
        for i, h in enumerate(hyp):
            if h >= 0:
                beta[i, h] += w
    beta /= tot
    got = np.zeros((3, 4))
    got[a.pair_track, a.pair_det] = a.beta
    np.testing.assert_allclose(got, beta, rtol=1e-9, atol=1e-12)
    cheap = JPDAAssociator(max_hypotheses=1).associate(zp, HPHt, z, R, gate=gate, pd=pd, clutter_density=lam)
    gc = np.zeros((3, 4))
    gc[cheap.pair_track, cheap.pair_det] = cheap.beta
    assert np.all(gc.sum(axis=1) <= 1 + 1e-12)
    assert np.abs(gc - beta).max() < 0.3
    _ = rng


def test_ospa_gospa_hand_computed() -> None:
    c = 10.0
    truth = np.array([[0.0, 0.0], [100.0, 0.0]])
    est = np.array([[3.0, 4.0], [200.0, 0.0], [300.0, 0.0]])
    r = mt.gospa_ospa(est, truth, c)
    # matched (0,0) at 5 m; truth 1 missed; 2 false tracks
    assert r.localisation == pytest.approx(5.0)
    assert r.missed == pytest.approx(5.0) and r.false == pytest.approx(10.0)
    assert r.gospa == pytest.approx(20.0)
    assert r.ospa == pytest.approx((5.0 + 10.0 * 2) / 3)
    assert mt.gospa_ospa(np.zeros((0, 2)), truth, c).gospa == pytest.approx(10.0)
    assert mt.gospa_ospa(np.zeros((0, 2)), np.zeros((0, 2)), c).ospa == 0.0


def test_ospa_gospa_match_stonesoup() -> None:
    pytest.importorskip("stonesoup")
    from datetime import datetime

    from stonesoup.measures import Euclidean
    from stonesoup.metricgenerator.ospametric import GOSPAMetric, OSPAMetric
    from stonesoup.types.state import State

    rng = np.random.default_rng(11)
    t = datetime(2025, 1, 1)
    for _ in range(5):
        truth = rng.uniform(0, 300, (rng.integers(1, 12), 2))
        est = np.concatenate([truth + rng.normal(0, 30, truth.shape), rng.uniform(0, 300, (rng.integers(0, 4), 2))])
        est = est[rng.uniform(size=len(est)) < 0.85]
        s_truth = [State(p[:, None], timestamp=t) for p in truth]
        s_est = [State(p[:, None], timestamp=t) for p in est]
        meas = Euclidean(mapping=[0, 1])
        g = GOSPAMetric(c=50.0, p=1, measure=meas).compute_gospa_metric(s_est, s_truth)[0].value
        r = mt.gospa_ospa(est, truth, 50.0)
        assert r.gospa == pytest.approx(g["distance"], abs=1e-9)
        assert r.localisation == pytest.approx(g["localisation"], abs=1e-9)
        assert r.missed == pytest.approx(g["missed"], abs=1e-9)
        assert r.false == pytest.approx(g["false"], abs=1e-9)
        if len(truth) + len(est):
            o = OSPAMetric(c=50.0, p=1, measure=meas).compute_OSPA_distance(s_est, s_truth).value
            assert r.ospa == pytest.approx(o, abs=1e-9)


def test_continuity_counts() -> None:
    ids = np.array([[-1, 7], [3, 7], [3, -1], [4, 7], [4, 8]])
    c = mt.continuity(ids, np.arange(5.0), n_track_ids=4)
    assert c.breaks == 1  # truth 1 lost at scan 2
    assert c.id_switches == 2  # truth 0: 3→4 ; truth 1: 7→8
    np.testing.assert_allclose(c.time_to_confirm_s, [1.0, 0.0])
    lo, hi = mt.chi2_bounds(2, 50)
    assert lo < 2 < hi
