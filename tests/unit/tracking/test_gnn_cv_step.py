"""The compiled gnn + CV scan (kernels.gnn_cv_step behind TrackTable.step) against the Python
step it replaced: rounds by radar rank, the GNN associator (KD-tree gate, scipy assignment) on
site-shifted positions, kalman.update (NumPy's batched LAPACK solve), initiation and the
M-of-N bookkeeping, kept here as the reference."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.tracking import kalman, kernels
from iadsim.tracking.association import _LSA_BATCH_TRACKS, GNNAssociator
from iadsim.tracking.manager import TrackEvents, TrackTable
from iadsim.tracking.models import position_H


def _ref_round(tab: TrackTable, t: float, det_site: np.ndarray, det_threat: np.ndarray, z: np.ndarray,
               R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """One association round the way the Python step did it (gnn, CV)."""
    M = len(det_site)
    hit_rows = np.zeros(0, np.int64)
    used = np.zeros(M, bool)
    if len(rows := tab._round_rows(det_site)):
        xp, Pp = tab.predicted(rows, t)
        zp = xp[:, :3].copy()
        zp[:, 0] += tab.site[rows].astype(float) * 1e9
        zd = z.copy()
        zd[:, 0] += det_site.astype(float) * 1e9
        a = GNNAssociator().associate(zp, Pp[:, :3, :3], zd, R, gate=tab.gate)
        used = np.asarray(a.used, bool)
        j = np.asarray(a.det_for_track)
        upd = np.flatnonzero(j >= 0)
        if len(upd):
            xn, Pn, _, _ = kalman.update(xp[upd], Pp[upd], z[j[upd]], position_H(3), R[j[upd]])
            r = rows[upd]
            tab.x[r], tab.P[r], tab.t_s[r] = xn, Pn, t
        hit_rows = rows[upd]
        tab.truth[hit_rows] = det_threat[j[upd]]
    new = np.flatnonzero(~used)
    init = tab._initiate(t, det_site[new], det_threat[new], z[new], R[new]) if len(new) else np.zeros(0, np.int64)
    return hit_rows, init


def _ref_step(tab: TrackTable, t: float, det_site: np.ndarray, det_threat: np.ndarray, z: np.ndarray,
              R: np.ndarray, opp: np.ndarray, det_rank: np.ndarray | None) -> TrackEvents:  # fmt: skip
    M = len(det_site)
    rank = np.zeros(M, np.int64) if det_rank is None else det_rank
    hits, inits = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for k in np.unique(rank) if M else []:
        sel = np.flatnonzero(rank == k)
        h, i = _ref_round(tab, t, det_site[sel], det_threat[sel], z[sel], R[sel])
        hits.append(h)
        inits.append(i)
    return tab._bookkeeping(np.concatenate(hits), np.concatenate(inits), opp)


def _spd3(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    A = rng.normal(size=(n, 3, 3)) * scale
    return A @ A.transpose(0, 2, 1) + np.eye(3) * scale**2


COLUMNS = ("id", "site", "truth", "x", "P", "t_s", "hits", "misses", "alive", "confirmed")


def _assert_same(a: TrackTable, b: TrackTable, ea: TrackEvents, eb: TrackEvents) -> None:
    assert a.size == b.size and a._next_id == b._next_id
    for name in COLUMNS:  # bit for bit
        assert np.array_equal(getattr(a, name)[: a.size], getattr(b, name)[: b.size]), name
    for name in ("initiated", "confirmed", "dropped"):
        assert getattr(ea, name).tolist() == getattr(eb, name).tolist(), name
    assert np.array_equal(a.slot, b.slot)


def _tables(n_sites: int, n_threats: int, m: int, capacity: int) -> tuple[TrackTable, TrackTable]:
    kw = dict(q_m2ps3=30.0, confirm_m=m, confirm_n=3, drop_misses=2, prior_vel_std_mps=800.0, association="gnn",
              gate=4.0, capacity=capacity)  # fmt: skip
    return TrackTable(n_sites, n_threats, **kw), TrackTable(n_sites, n_threats, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(6))
def test_compiled_step_equals_the_python_step_on_random_raids(seed: int) -> None:
    """Random raids seen by 3 sites with two radars each (ranks 0, 1): missed detections,
    stray detections, coverage gaps, protected rows, tracks crossing; 40 scans."""
    rng = np.random.default_rng(seed)
    n_sites, n_threats = 3, 7
    m = 1 if seed == 5 else 2
    fast, ref = _tables(n_sites, n_threats, m, capacity=2)
    p0 = np.array([4.2e6, 2.9e6, 3.9e6]) + rng.normal(0, 3e3, (n_threats, 3))
    v = rng.normal(0, 250.0, (n_threats, 3))
    t = 0.0
    for _ in range(40):
        t += float(rng.choice([1.0, 2.0, 3.5]))
        pos = p0 + v * t
        ds, dth, dr, zl, Rl = [], [], [], [], []
        for s in range(n_sites):
            for rank in range(2):
                seen = np.flatnonzero(rng.random(n_threats) < 0.6)
                Rs = _spd3(rng, len(seen), 40.0)
                zl.append(pos[seen] + np.einsum("kij,kj->ki", np.linalg.cholesky(Rs), rng.normal(size=(len(seen), 3))))
                Rl.append(Rs)
                ds += [s] * len(seen)
                dth += seen.tolist()
                dr += [rank] * len(seen)
                if rng.random() < 0.3:  # a stray detection (false alarm, truth label −1)
                    zl.append(p0[:1] + rng.normal(0, 5e4, (1, 3)))
                    Rl.append(_spd3(rng, 1, 40.0))
                    ds.append(s)
                    dth.append(-1)
                    dr.append(rank)
        det_site, det_threat, det_rank = np.array(ds, np.int64), np.array(dth, np.int64), np.array(dr, np.int64)
        z, R = np.concatenate(zl), np.concatenate(Rl)
        if rng.random() < 0.15:  # a scan without detections (opportunities only)
            det_site, det_threat, det_rank, z, R = det_site[:0], det_threat[:0], det_rank[:0], z[:0], R[:0]
        live = fast.live_rows()
        opp = live[rng.random(len(live)) < 0.7]
        prot = live[rng.random(len(live)) < 0.1]
        for tab in (fast, ref):
            tab.protected[: tab.size] = False
            tab.protected[prot] = True
        ea = fast.step(t, det_site, det_threat, z, R, opp, det_rank=det_rank)
        eb = _ref_step(ref, t, det_site, det_threat, z, R, opp, det_rank)
        _assert_same(fast, ref, ea, eb)
    assert fast.size > n_threats and fast._next_id == fast.size  # tracks were started, grown, dropped
    assert fast.confirmed.any()


def test_compiled_step_resumes_after_the_batched_assignment() -> None:
    """More than _LSA_BATCH_TRACKS ambiguous tracks in one round: the kernel hands the round back
    for association.assign_sparse's batched solver and resumes; same result as the Python step."""
    rng = np.random.default_rng(3)
    n = _LSA_BATCH_TRACKS + 12
    fast, ref = _tables(2, n, 2, capacity=8)
    grid = np.stack(np.meshgrid(np.arange(6), np.arange(10), [0.0], indexing="ij"), -1).reshape(-1, 3)[:n]
    p0 = np.array([4.2e6, 2.9e6, 3.9e6]) + grid * 60.0  # 60 m apart: every gate holds neighbours
    R = np.broadcast_to(np.eye(3) * 40.0**2, (n, 3, 3)).copy()
    site = np.zeros(n, np.int64)
    for t, rank in ((0.0, 0), (2.0, 0), (4.0, 1)):
        z = p0 + rng.normal(0, 40.0, (n, 3))
        rk = np.full(n, rank, np.int64)
        rk[::2] = 0  # two rounds at t = 4: ranks 0 and 1
        ea = fast.step(t, site, np.arange(n), z, R, fast.live_rows(), det_rank=rk)
        eb = _ref_step(ref, t, site, np.arange(n), z, R, ref.live_rows(), rk)
        _assert_same(fast, ref, ea, eb)
    # the batched path was taken: one round has more ambiguous tracks than the compiled solver takes
    dt = 2.0 - fast.t_s[: fast.size]
    ok = kernels.gnn_cv_round(fast.x, fast.P, dt, kernels.cube(dt), fast.alive, fast.site, 2, site,
                              p0 + rng.normal(0, 40.0, (n, 3)), R, 30.0, 4.0, _LSA_BATCH_TRACKS)[2]  # fmt: skip
    assert not ok
    assert fast.confirmed[: fast.size].sum() == n


def test_gain_pair_is_the_batched_updates_bit_for_bit() -> None:
    """The kernel's per-pair gain solve of S (3, 3) against (P Hᵀ)ᵀ (3, 6) (kernels.gain_pair, on
    work arrays) gives the batched update's (kalman.update: kernels.gain_solve_batch) bit for bit
    (the reason the whole update can be compiled)."""
    rng = np.random.default_rng(8)
    A = rng.normal(size=(400, 6, 6)) * 10.0 ** rng.uniform(-1, 4, (400, 1, 1))
    P = A @ A.transpose(0, 2, 1)
    Rm = _spd3(rng, 400, 30.0)
    z = P[:, :3, 0] + rng.normal(0, 50.0, (400, 3))
    x = rng.normal(0, 1e3, (400, 6))
    xr, Pr, _, _ = kalman.update(x, P, z, position_H(3), Rm)
    # one track per site and one detection per site (Δt = 0: the prediction is the state), so
    # each detection updates its own track
    site = np.arange(400, dtype=np.int64)
    tab2 = TrackTable(400, 1, q_m2ps3=1.0, association="gnn", capacity=400, gate=1e9)
    tab2.size = tab2._next_id = 400
    tab2.x[:], tab2.P[:], tab2.alive[:], tab2.site[:] = x, P, True, site
    ev = tab2.step(0.0, site, np.zeros(400, np.int64), z, Rm, np.zeros(0, np.int64))
    assert tab2.size == 400 and len(ev.initiated) == 0
    assert np.array_equal(tab2.x[:400], xr) and np.array_equal(tab2.P[:400], Pr)


def test_gain_solve_into_is_np_linalg_solve_and_refuses_what_it_refuses() -> None:
    """gain_solve_into writes np.linalg.solve(S[q], B[q]) into Kt[q] (to rounding on any LAPACK;
    bit for bit with the development host's OpenBLAS, benchmarks/bench_update_pair.py), on reused
    work arrays, the batch (gain_solve_batch) the same bits, and raises LinAlgError for a
    singular or non-finite S, as the solve does."""
    rng = np.random.default_rng(3)
    S = _spd3(rng, 50, 100.0)
    B = rng.normal(0, 1e3, (50, 3, 6))
    Kt = np.full((50, 3, 6), np.nan)
    acpy, bcpy, ipiv = np.empty(9), np.empty(18), np.empty(3, kernels._F_INT)
    for q in range(50):
        kernels.gain_solve_into(S, B, Kt, q, acpy, bcpy, ipiv)
        assert np.allclose(Kt[q], np.linalg.solve(S[q], B[q]), rtol=1e-10, atol=1e-12)
    assert np.array_equal(Kt, kernels.gain_solve_batch(S, B))
    sing = S.copy()
    sing[0] = 0.0
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        kernels.gain_solve_into(sing, B, Kt, 0, acpy, bcpy, ipiv)
    bad = S.copy()
    bad[1, 2, 2] = np.nan
    with pytest.raises(np.linalg.LinAlgError, match="infs or NaNs"):
        kernels.gain_solve_into(bad, B, Kt, 1, acpy, bcpy, ipiv)
