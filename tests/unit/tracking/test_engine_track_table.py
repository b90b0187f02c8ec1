"""The engine's per-site track table: prediction kernel, gating paths, association modes."""

from __future__ import annotations

import numpy as np

from iadsim.tracking import association, kalman
from iadsim.tracking.manager import TrackTable
from iadsim.tracking.models import cv_F, cv_Q


def test_block_form_prediction_equals_kalman_predict() -> None:
    rng = np.random.default_rng(1)
    t = TrackTable(2, 5, q_m2ps3=37.0)
    A = rng.normal(size=(3, 6, 6))
    P = A @ A.transpose(0, 2, 1)
    rows = t._initiate(0.0, np.array([0, 1, 1]), np.array([0, 1, 2]), rng.normal(size=(3, 3)) * 1e3, P[:, :3, :3])
    t.P[rows] = P
    t.x[rows] = rng.normal(size=(3, 6)) * 100
    t.t_s[rows] = [0.0, 1.0, 2.5]
    x1, P1 = t.predicted(rows, 7.0)
    dt = 7.0 - t.t_s[rows]
    x2, P2 = kalman.predict(t.x[rows], t.P[rows], cv_F(dt), cv_Q(dt, 37.0))
    assert np.allclose(x1, x2, rtol=0, atol=1e-9)
    assert np.allclose(P1, P2, rtol=1e-12, atol=1e-9)


def test_dense_and_kdtree_gating_agree(monkeypatch) -> None:
    rng = np.random.default_rng(2)
    N, M = 30, 40
    zp = rng.uniform(0, 5000, (N, 3))
    A = rng.normal(size=(N, 3, 3)) * 30
    HPHt = A @ A.transpose(0, 2, 1) + np.eye(3) * 100
    z = np.concatenate([zp[:20] + rng.normal(0, 20, (20, 3)), rng.uniform(0, 5000, (20, 3))])
    R = np.broadcast_to(np.eye(3) * 400.0, (M, 3, 3)).copy()
    dense = association.gate_pairs(zp, HPHt, z, R, 4.0)
    monkeypatch.setattr(association, "DENSE_GATE_MAX_PAIRS", 0)
    tree = association.gate_pairs(zp, HPHt, z, R, 4.0)
    a = sorted(zip(dense.track.tolist(), dense.det.tolist()))
    b = sorted(zip(tree.track.tolist(), tree.det.tolist()))
    assert a == b and len(a) >= 20


def test_gnn_two_sites_never_cross_associate() -> None:
    """Two sites tracking the same target keep separate tracks (site offset batching)."""
    t = TrackTable(2, 1, q_m2ps3=10.0, association="gnn", confirm_m=2, confirm_n=3)
    R = np.broadcast_to(np.eye(3) * 100.0, (2, 3, 3)).copy()
    p0 = np.array([4.0e6, 3.0e6, 3.5e6])
    v = np.array([200.0, 0.0, 0.0])
    for k in range(5):
        z = np.stack([p0 + v * k, p0 + v * k + 5.0])
        ev = t.step(float(k), np.array([0, 1]), np.array([0, 0]), z, R, t.live_rows())
        if k == 0:
            assert len(ev.initiated) == 2
        else:
            assert len(ev.initiated) == 0
    live = t.live_rows()
    assert sorted(t.site[live].tolist()) == [0, 1]
    assert t.confirmed[live].all()
    assert np.allclose(t.x[live][:, 3:], v, atol=5.0)
