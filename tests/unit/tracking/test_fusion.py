"""Track-to-track fusion kernels: covariance intersection is consistent, naive fusion is not.

The must-show case of issue 9: two local Kalman filters of ONE target (a 3-D nearly-constant-
velocity target driven by random accelerations, the same realisation seen by both sensors: common
process noise), fused at the end of each Monte Carlo run. Average NEES over M runs of the fused
6-state estimate against the 95 % two-sided band of χ²_{6M}/M.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

from iadsim.tracking.fusion import (
    T2T_GATE_D2,
    associate_tracks,
    ci_weights,
    covariance_intersection,
    fuse_sources,
    naive_fusion,
    t2t_distance2,
)

M_RUNS, K_SCANS, T_S = 200, 30, 1.0


def _two_local_filters(q: float, s1: tuple[float, float, float], s2: tuple[float, float, float], seed: int = 1):
    """M runs: truth x (M, 6) and the two local KF estimates (x_i (M, 6), P_i (M, 6, 6))."""
    rng = np.random.default_rng(seed)
    F = np.eye(6)
    F[:3, 3:] = np.eye(3) * T_S
    Q = np.zeros((6, 6))
    Q[:3, :3] = np.eye(3) * q * T_S**3 / 3
    Q[:3, 3:] = Q[3:, :3] = np.eye(3) * q * T_S**2 / 2
    Q[3:, 3:] = np.eye(3) * q * T_S
    L = np.linalg.cholesky(Q)
    x = np.zeros((M_RUNS, 6))
    x[:, 3:] = 200.0
    est = []
    for s in (s1, s2):
        sv = np.asarray(s, float)
        P0 = np.diag(np.r_[sv * sv, [2500.0] * 3])
        est.append([x + rng.normal(0, 1, (M_RUNS, 6)) * np.sqrt(np.diag(P0)), np.tile(P0, (M_RUNS, 1, 1)), sv])
    for _ in range(K_SCANS):
        x = x @ F.T + rng.normal(0, 1, (M_RUNS, 6)) @ L.T  # one target motion: common process noise
        for e in est:
            xe, P, sv = e
            xe, P = xe @ F.T, F @ P @ F.T + Q
            z = x[:, :3] + rng.normal(0, 1, (M_RUNS, 3)) * sv  # independent measurement noise
            K = P[:, :, :3] @ np.linalg.inv(P[:, :3, :3] + np.diag(sv * sv))
            e[0] = xe + np.einsum("nij,nj->ni", K, z - xe[:, :3])
            e[1] = P - K @ P[:, :3, :]
    return x, (est[0][0], est[0][1]), (est[1][0], est[1][1])


def _anees(x: np.ndarray, xf: np.ndarray, Pf: np.ndarray) -> float:
    e = xf - x
    return float(np.einsum("ni,ni->n", e, np.linalg.solve(Pf, e[..., None])[..., 0]).mean())


BAND = chi2.ppf([0.025, 0.975], 6 * M_RUNS) / M_RUNS


@pytest.mark.parametrize("q", [500.0, 5000.0])
def test_ci_inside_the_nees_band_naive_outside(q: float) -> None:
    # two radars of different accuracy (the engine's usual case): CI inside the band
    x, (x1, P1), (x2, P2) = _two_local_filters(q, (50, 50, 50), (80, 80, 80))
    assert BAND[0] <= _anees(x, x1, P1) <= BAND[1]  # the local filters are consistent
    assert BAND[0] <= _anees(x, x2, P2) <= BAND[1]
    assert BAND[0] <= _anees(x, *covariance_intersection(x1, P1, x2, P2)) <= BAND[1]
    # assuming independence double-counts the common process noise: over-confident
    assert _anees(x, *naive_fusion(x1, P1, x2, P2)) > BAND[1]


@pytest.mark.parametrize("q", [500.0, 5000.0])
def test_ci_never_overconfident_with_complementary_geometry(q: float) -> None:
    # accurate along different axes: CI mixes them (ω ≈ 0.5) and stays consistent (NEES not
    # above the band; it is conservative, below it, as CI is by construction), naive is above
    x, (x1, P1), (x2, P2) = _two_local_filters(q, (30, 300, 50), (300, 30, 50))
    w = ci_weights(P1, P2)
    assert np.all((w > 0.3) & (w < 0.7))
    xf, Pf = covariance_intersection(x1, P1, x2, P2)
    assert _anees(x, xf, Pf) <= BAND[1]
    assert np.trace(Pf[0]) < min(np.trace(P1[0]), np.trace(P2[0]))  # better than either alone
    assert _anees(x, *naive_fusion(x1, P1, x2, P2)) > BAND[1]


def test_ci_weights_minimise_the_trace() -> None:
    rng = np.random.default_rng(3)
    A = rng.normal(size=(5, 4, 4))
    B = rng.normal(size=(5, 4, 4))
    P1 = A @ np.swapaxes(A, 1, 2) + np.eye(4)
    P2 = B @ np.swapaxes(B, 1, 2) + np.eye(4)
    w = ci_weights(P1, P2)
    grid = np.linspace(0, 1, 2001)
    for n in range(5):
        tr = [np.trace(np.linalg.inv(g * np.linalg.inv(P1[n]) + (1 - g) * np.linalg.inv(P2[n]))) for g in grid]
        assert abs(w[n] - grid[int(np.argmin(tr))]) < 2e-3
    # identical estimates: CI returns them
    x = rng.normal(size=(5, 4))
    xf, Pf = covariance_intersection(x, P1, x, P1)
    assert np.allclose(xf, x) and np.allclose(Pf, P1)


def test_ci_picks_the_better_track_when_one_dominates() -> None:
    P1 = np.tile(np.eye(3), (1, 1, 1))
    P2 = np.tile(np.eye(3) * 100.0, (1, 1, 1))
    assert ci_weights(P1, P2)[0] == pytest.approx(1.0)
    x, P = covariance_intersection(np.zeros((1, 3)), P1, np.ones((1, 3)), P2)
    assert np.allclose(P, P1) and np.allclose(x, 0.0)


def test_association_gate_and_one_to_one() -> None:
    P = np.tile(np.eye(6) * 100.0, (3, 1, 1))  # σ 10 m per axis and track; difference σ² = 200
    xa = np.zeros((3, 6))
    xa[:, 0] = [0.0, 1000.0, 5000.0]
    xb = np.zeros((2, 6))
    xb[:, 0] = [1010.0, 20.0]
    d2 = t2t_distance2(xa, P, xb, P[:2])
    assert d2[0, 1] == pytest.approx(400.0 / 200.0)
    ia, ib = associate_tracks(xa, P, xb, P[:2])
    assert sorted(zip(ia.tolist(), ib.tolist())) == [(0, 1), (1, 0)]
    # beyond the gate: 60 m apart, d² = 3600/200 = 18 > 16.27
    xb2 = np.zeros((1, 6))
    xb2[0, 0] = 60.0
    assert 3600.0 / 200.0 > T2T_GATE_D2
    assert len(associate_tracks(xa[:1], P[:1], xb2, P[:1])[0]) == 0


def test_fuse_sources_merges_common_tracks_only() -> None:
    # source 0 sees targets A, B; source 1 sees B (slightly off) and C
    P = np.tile(np.eye(6) * 100.0, (4, 1, 1))
    x = np.zeros((4, 6))
    x[:, 0] = [0.0, 10_000.0, 10_005.0, 30_000.0]
    src = np.array([0, 0, 1, 1])
    xf, Pf, member = fuse_sources(src, x, P)
    assert len(xf) == 3
    assert member.tolist() == [0, 1, 1, 2]
    assert 10_000.0 <= xf[1, 0] <= 10_005.0
    assert np.trace(Pf[1]) <= np.trace(P[1]) + 1e-9
    # the picture uses covariance intersection: two equal covariances fuse to the same covariance
    # (independence fusion would halve it and double-count the common information)
    assert np.allclose(Pf[1], P[1])


def test_t2t_distance2_matches_the_linear_solve() -> None:
    # reference: d² = Δᵀ (P_a + P_b)⁻¹ Δ with NumPy's batched LU solve, for position (3) and full (6) states
    rng = np.random.default_rng(11)
    na, nb = 7, 5
    A = rng.normal(size=(na + nb, 6, 6))
    P = np.einsum("nij,nkj->nik", A, A) + np.eye(6) * 10.0
    x = rng.normal(size=(na + nb, 6)) * 100.0
    xa, Pa, xb, Pb = x[:na], P[:na], x[na:], P[na:]
    for dims in (3, 6):
        D = xa[:, None, :dims] - xb[None, :, :dims]
        S = Pa[:, None, :dims, :dims] + Pb[None, :, :dims, :dims]
        want = np.einsum("abi,abi->ab", D, np.linalg.solve(S, D[..., None])[..., 0])
        np.testing.assert_allclose(t2t_distance2(xa, Pa, xb, Pb, dims), want, rtol=1e-10)
    # a pivot is needed: S = [[0, 1, 0], [1, 0, 0], [0, 0, 1]] (P_a + P_b), Δ = (1, 2, 3): d² = 2·1·2 + 9
    Pz = np.zeros((1, 3, 3))
    Pz[0] = [[0, 0.5, 0], [0.5, 0, 0], [0, 0, 0.5]]
    assert t2t_distance2(np.array([[1.0, 2.0, 3.0]]), Pz, np.zeros((1, 3)), Pz)[0, 0] == pytest.approx(13.0)
    assert t2t_distance2(xa[:0], Pa[:0], xb, Pb).shape == (0, nb)
