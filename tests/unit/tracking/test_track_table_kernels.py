"""Compiled track-table kernels (tracking/kernels.py) against independent NumPy/SciPy references."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from iadsim.tracking import kalman, kernels
from iadsim.tracking.association import GNNAssociator
from iadsim.tracking.manager import TrackTable
from iadsim.tracking.models import cv_F, cv_Q, position_H


def _spd(rng: np.random.Generator, n: int, k: int, scale: float) -> np.ndarray:
    A = rng.normal(size=(n, k, k)) * scale
    return A @ A.transpose(0, 2, 1) + np.eye(k) * scale


def test_cv_predict_equals_kalman_predict() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(size=(7, 6)) * 1e3
    P = _spd(rng, 7, 6, 30.0)
    dt = rng.uniform(0.0, 15.0, 7)
    xk, Pk = kernels.cv_predict(x, P, dt, kernels.cube(dt), 25.0)
    xr, Pr = kalman.predict(x, P, cv_F(dt), cv_Q(dt, 25.0))
    assert np.allclose(xk, xr, rtol=1e-13, atol=1e-9)
    assert np.allclose(Pk, Pr, rtol=1e-12, atol=1e-6)
    rows = np.array([4, 1, 6])
    dtr = rng.uniform(0.0, 5.0, 3)
    xk2, Pk2 = kernels.cv_predict_rows(x, P, rows, dtr, kernels.cube(dtr), 25.0)
    xr2, Pr2 = kernels.cv_predict(x[rows], P[rows], dtr, kernels.cube(dtr), 25.0)
    assert np.array_equal(xk2, xr2) and np.array_equal(Pk2, Pr2)
    t_last = 20.0 - dtr
    t_full = np.zeros(7)
    t_full[rows] = t_last
    pos = kernels.cv_positions_rows(x, t_full, rows, 20.0)
    assert np.array_equal(pos, x[rows, :3] + (20.0 - t_full[rows])[:, None] * x[rows, 3:])


def test_cv_predict_is_the_numpy_block_formula_bit_for_bit() -> None:
    """The kernel keeps the engine byte-identical: same terms, same order as the NumPy form."""
    rng = np.random.default_rng(15)
    n, q = 500, 37.0
    x = rng.normal(size=(n, 6)) * 1e4
    P = _spd(rng, n, 6, 40.0)
    dt = rng.uniform(0.0, 30.0, n)
    d = dt[:, None, None]
    Ppp, Ppv, Pvp, Pvv = P[:, :3, :3], P[:, :3, 3:], P[:, 3:, :3], P[:, 3:, 3:]
    eye = np.eye(3)
    ref = np.empty_like(P)
    ref[:, :3, :3] = Ppp + d * (Ppv + Pvp) + d * d * Pvv + (q * d**3 / 3.0) * eye
    pv = Ppv + d * Pvv + (q * d**2 / 2.0) * eye
    ref[:, :3, 3:], ref[:, 3:, :3] = pv, np.swapaxes(pv, 1, 2)
    ref[:, 3:, 3:] = Pvv + (q * d) * eye
    xref = x.copy()
    xref[:, :3] += dt[:, None] * x[:, 3:]
    xk, Pk = kernels.cv_predict(x, P, dt, kernels.cube(dt), q)
    assert np.array_equal(xk, xref) and np.array_equal(Pk, ref)


def test_gate_all_pairs_matches_bruteforce() -> None:
    rng = np.random.default_rng(13)
    N, M = 12, 15
    zp = rng.uniform(0, 3000, (N, 3))
    HPHt = _spd(rng, N, 3, 20.0)
    z = np.concatenate([zp[:8] + rng.normal(0, 30, (8, 3)), rng.uniform(0, 3000, (M - 8, 3))])
    R = _spd(rng, M, 3, 15.0)
    ti, dj, y, d2, detS = kernels.gate_all_pairs(zp, HPHt, z, R, 3.5)
    S = HPHt[:, None] + R[None, :]
    Y = z[None, :, :] - zp[:, None, :]
    D2 = np.einsum("nmi,nmij,nmj->nm", Y, np.linalg.inv(S), Y)
    ri, rj = np.nonzero(D2 < 3.5**2)  # track-major order, like the kernel
    assert ti.tolist() == ri.tolist() and dj.tolist() == rj.tolist() and len(ri) >= 5
    assert np.allclose(d2, D2[ri, rj], rtol=1e-10)
    assert np.allclose(detS, np.linalg.det(S[ri, rj]), rtol=1e-10)
    assert np.allclose(y, Y[ri, rj], rtol=0, atol=0)


@pytest.mark.parametrize("seed", range(6))
def test_lsap_equals_scipy_including_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(40):
        nr = int(rng.integers(1, 9))
        nc = nr + int(rng.integers(0, 6))
        C = rng.integers(0, 4, (nr, nc)).astype(float) if seed % 2 else rng.uniform(0, 10, (nr, nc))
        C[rng.random((nr, nc)) < 0.3] = np.inf
        C[np.arange(nr), nc - nr + np.arange(nr)] = 5.0  # always feasible (a miss column per row)
        r, c = linear_sum_assignment(C)
        assert kernels.lsap(C).tolist() == c[np.argsort(r)].tolist()


def test_lsap_constant_matrix_is_identity() -> None:
    assert kernels.lsap(np.ones((4, 6))).tolist() == [0, 1, 2, 3]


def test_assign_small_direct_pairs_and_ambiguous_block() -> None:
    # tracks 0, 1 compete for detection 0 (track 1 can also take det 1); track 2 alone with det 2;
    # track 3's only pair costs more than the miss cost
    ti = np.array([0, 1, 1, 2, 3])
    dj = np.array([0, 0, 1, 2, 3])
    cost = np.array([1.0, 1.5, 2.0, 0.5, 4.5])
    out, ok = kernels.assign_small(4, 4, ti, dj, cost, 4.0, 48)
    assert ok and out.tolist() == [0, 1, 2, -1]  # 1.0 + 2.0 < 1.5 + miss 4.0
    out, ok = kernels.assign_small(4, 4, ti, dj, cost, 4.0, 1)  # 2 ambiguous tracks > 1
    assert not ok and out.tolist() == [-1, -1, 2, -1]  # only the direct pair is filled in


def test_gnn_cv_round_equals_associator_and_kalman() -> None:
    rng = np.random.default_rng(14)
    t = TrackTable(2, 10, q_m2ps3=20.0, association="gnn", capacity=16)
    K = 10
    site = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    base = np.array([4.0e6, 3.0e6, 3.5e6])
    pos = base + rng.normal(0, 400.0, (K, 3))
    rows = t._initiate(0.0, site, np.arange(K), pos, _spd(rng, K, 3, 30.0))
    t.x[rows, 3:] = rng.normal(0, 200.0, (K, 3))
    x0, P0 = t.x.copy(), t.P.copy()
    # detections near the tracks (both sites see the same area), plus two stray ones
    det_site = np.array([0, 0, 0, 1, 1, 1, 0, 1])
    src = np.array([0, 1, 2, 5, 6, 7, 3, 8])
    z = pos[src] + t.x[rows[src], 3:] * 2.0 + rng.normal(0, 30.0, (8, 3))
    R = _spd(rng, 8, 3, 40.0)
    t.alive[rows[4]] = False  # a dead row is not associated
    dt_all = 2.0 - t.t_s[: t.size]
    got_rows, j, ok, _, _, _, xk, Pk = kernels.gnn_cv_round(t.x, t.P, dt_all, kernels.cube(dt_all), t.alive, t.site, 2,
                                                            det_site, z, R, 20.0, 4.0, 48)  # fmt: skip
    assert ok
    t.alive[rows[4]] = True
    keep = np.flatnonzero(np.arange(K) != 4)
    assert got_rows.tolist() == rows[keep].tolist()
    s0 = det_site == 0
    rows0 = kernels.gnn_cv_round(t.x, t.P, dt_all, kernels.cube(dt_all), t.alive, t.site, 2, det_site[s0], z[s0], R[s0],
                                 20.0, 4.0, 48)[0]  # fmt: skip
    assert rows0.tolist() == rows[:5].tolist()  # only site 0's rows when only site 0 has detections
    rows_all, j, ok, _, _, _, xk, Pk = kernels.gnn_cv_round(t.x, t.P, dt_all, kernels.cube(dt_all), t.alive, t.site, 2,
                                                            det_site, z, R, 20.0, 4.0, 48)  # fmt: skip
    assert ok and rows_all.tolist() == rows.tolist()
    dt = dt_all[rows]
    assert np.array_equal(t.x, x0) and np.array_equal(t.P, P0)  # the table is not changed
    # reference: NumPy prediction, associator with the site offsets
    xp, Pp = kalman.predict(x0[rows], P0[rows], cv_F(dt), cv_Q(dt, 20.0))
    assert np.allclose(xk, xp, rtol=1e-13, atol=1e-9) and np.allclose(Pk, Pp, rtol=1e-12, atol=1e-6)
    zp, zd = xp[:, :3].copy(), z.copy()
    zp[:, 0] += site * 1e9
    zd[:, 0] += det_site * 1e9
    a = GNNAssociator().associate(zp, Pp[:, :3, :3], zd, R, gate=4.0)
    assert j.tolist() == a.det_for_track.tolist() and (j >= 0).sum() >= 5
    assert np.all(site[j >= 0] == det_site[j[j >= 0]])  # never across sites
    # the table's gnn step applies exactly these pairs
    ev = t.step(2.0, det_site, np.full(8, -1), z, R, rows)
    got = np.flatnonzero(j >= 0)
    xr, Pr, _, _ = kalman.update(xp[got], Pp[got], z[j[got]], position_H(3), R[j[got]])
    assert np.allclose(t.x[rows[got]], xr, rtol=1e-12, atol=1e-6)
    assert np.allclose(t.P[rows[got]], Pr, rtol=1e-9, atol=1e-6)
    assert np.all(t.t_s[rows[got]] == 2.0) and np.all(t.t_s[rows[j < 0]] == 0.0)
    assert len(ev.initiated) == 8 - len(got)  # the unused detections start tracks


def test_mofn_bookkeeping_hand_computed() -> None:
    # rows: 0 hit (was 0b01 → 0b011: 2 of 3 → confirmed), 1 miss (0b11 → 0b110, misses 2 → 3:
    # dropped), 2 miss but protected, 3 just initiated (no opportunity), 4 no opportunity
    hits = np.array([0b01, 0b11, 0b01, 1, 0b01], np.uint32)
    misses = np.array([1, 2, 2, 0, 2], np.int64)
    confirmed = np.array([False, True, True, False, False])
    protected = np.array([False, False, True, False, False])
    conf, drop = kernels.mofn_bookkeeping(5, np.array([0, 1, 2, 3]), np.array([0]), np.array([3]), hits, misses,
                                          confirmed, protected, 3, 2, 3)  # fmt: skip
    assert conf.tolist() == [0] and drop.tolist() == [1]
    assert hits.tolist() == [0b011, 0b110, 0b010, 1, 0b01]
    assert misses.tolist() == [0, 3, 3, 0, 2]
    assert confirmed.tolist() == [True, True, True, False, False]


@pytest.mark.parametrize("dim", [2, 3])
def test_joseph_position_update_equals_general_formula(dim: int) -> None:
    """The compiled H = [I 0] update against the general matrix formula (independent reference)."""
    rng = np.random.default_rng(16 + dim)
    N, n = 11, 2 * dim
    x = rng.normal(size=(N, n)) * 1e4
    P = _spd(rng, N, n, 40.0)
    z = x[:, :dim] + rng.normal(size=(N, dim)) * 50.0
    R = _spd(rng, N, dim, 12.0)
    H = position_H(dim)
    S, B = kernels.position_gain_inputs(P, R)
    S_ref = H @ P @ H.T + R
    assert np.allclose(S, 0.5 * (S_ref + S_ref.transpose(0, 2, 1)), rtol=1e-15, atol=0)
    assert np.array_equal(B, (P @ H.T).transpose(0, 2, 1))
    Kt = np.linalg.solve(S, B)
    xk, Pk, yk = kernels.joseph_position_update(x, P, z, R, Kt)
    K = Kt.transpose(0, 2, 1)
    y = z - np.einsum("ij,nj->ni", H, x)
    IKH = np.eye(n) - K @ H
    Pr = IKH @ P @ IKH.transpose(0, 2, 1) + K @ R @ K.transpose(0, 2, 1)
    assert np.array_equal(yk, y)
    assert np.allclose(xk, x + np.einsum("nij,nj->ni", K, y), rtol=1e-13, atol=1e-9)
    assert np.allclose(Pk, 0.5 * (Pr + Pr.transpose(0, 2, 1)), rtol=1e-11, atol=1e-9)
    assert np.array_equal(Pk, Pk.transpose(0, 2, 1))
    # kalman.update takes this path for H = [I 0] and agrees with its general path (H with a
    # signed zero is not recognised as [I 0] and goes through the matrix products)
    H_gen = H.copy()
    H_gen[0, -1] = -0.0
    a = kalman.update(x, P, z, H, R)
    b = kalman.update(x, P, z, H_gen, R)
    for u, v in zip(a, b):
        assert np.allclose(u, v, rtol=1e-11, atol=1e-9)


def test_gain_pair_and_joseph_pair_equal_the_batched_kernels_bit_for_bit() -> None:
    """The per-pair kernels of gnn_cv_step (by index, no gathered copies) give exactly what the
    batched position_gain_inputs + gain_solve_into + joseph_position_update give on the
    gathered pairs (the engine's events depend on it), and refuse a non-finite input alike."""
    rng = np.random.default_rng(17)
    n, m = 7, 5
    A = rng.normal(size=(n, 6, 6)) * 10.0 ** rng.uniform(-1, 3, (n, 1, 1))
    Pp = A @ A.transpose(0, 2, 1) + np.eye(6)
    xp = rng.normal(0, 1e4, (n, 6))
    R = _spd(rng, m, 3, 40.0)
    z = xp[rng.integers(0, n, m), :3] + rng.normal(0, 50.0, (m, 3))
    pairs = [(0, 3), (2, 0), (5, 4), (6, 1)]  # (prediction index, detection index)
    qi, dj = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    S, B = kernels.position_gain_inputs(Pp[qi], R[dj])
    Kt_ref = np.empty(B.shape)
    acpy, bcpy, ipiv = np.empty(9), np.empty(18), np.empty(3, kernels._F_INT)
    for i in range(len(pairs)):
        kernels.gain_solve_into(S, B, Kt_ref, i, acpy, bcpy, ipiv)
    xr, Pr, yr = kernels.joseph_position_update(xp[qi], Pp[qi], z[dj], R[dj], Kt_ref)
    Kt = np.full((n, 3, 6), np.nan)
    x_tab, P_tab = np.zeros((10, 6)), np.zeros((10, 6, 6))
    work = [np.empty((6, 6)), np.empty((6, 6)), np.empty((6, 3)), np.empty((6, 6))]
    for i, (q, d) in enumerate(pairs):
        kernels.gain_pair(Pp, q, R, d, Kt, q, acpy, bcpy, ipiv)
        assert np.array_equal(Kt[q], Kt_ref[i])
        y = np.empty(3)
        kernels.joseph_pair(xp, Pp, q, z, R, d, Kt, q, x_tab, P_tab, 9 - i, y, work[0], work[1], work[2], work[3])
        assert np.array_equal(x_tab[9 - i], xr[i]) and np.array_equal(P_tab[9 - i], Pr[i])
        assert np.array_equal(y, yr[i])
    bad = Pp.copy()
    bad[2, 4, 1] = np.nan  # a NaN in the cross-covariance (read as the gain's right-hand side)
    with pytest.raises(np.linalg.LinAlgError):
        kernels.gain_pair(bad, 2, R, 0, Kt, 2, acpy, bcpy, ipiv)
