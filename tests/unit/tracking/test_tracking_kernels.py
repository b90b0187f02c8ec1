"""Kalman / IMM kernels: reference agreement, property tests, filter consistency."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from iadsim.tracking import kalman as kf
from iadsim.tracking import models as mdl


def _rand_spd(rng: np.random.Generator, n: int, scale: float = 1.0) -> np.ndarray:
    A = rng.normal(size=(n, n))
    return scale * (A @ A.T + n * np.eye(n))


def test_matches_filterpy_one_track() -> None:
    filterpy = pytest.importorskip("filterpy.kalman")
    rng = np.random.default_rng(3)
    dim, dt, q, sig = 2, 1.5, 2.0, 10.0
    F, Q, H = mdl.cv_F(dt, dim), mdl.cv_Q(dt, q, dim), mdl.position_H(dim)
    R = sig**2 * np.eye(dim)
    f = filterpy.KalmanFilter(dim_x=4, dim_z=2)
    x0 = np.array([100.0, -50.0, 3.0, 4.0])
    P0 = np.diag([400.0, 400.0, 100.0, 100.0])
    f.x, f.P, f.F, f.Q, f.H, f.R = x0.copy(), P0.copy(), F, Q, H, R
    x, P = x0[None].copy(), P0[None].copy()
    for _ in range(20):
        z = rng.normal(size=2) * 100
        f.predict()
        f.update(z)  # filterpy's update is Joseph form too
        x, P = kf.predict(x, P, F, Q)
        x, P, _, _ = kf.update(x, P, z[None], H, R)
        np.testing.assert_allclose(x[0], f.x, rtol=0, atol=1e-9)
        np.testing.assert_allclose(P[0], f.P, rtol=1e-12, atol=1e-9)
        x2, P2, _, _ = kf.update_position(*kf.predict(x, P, F, Q), z[None], R)
        x3, P3, _, _ = kf.update(*kf.predict(x, P, F, Q), z[None], H, R)
        np.testing.assert_allclose(x2, x3, atol=1e-9)
        np.testing.assert_allclose(P2, P3, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_tracks=st.integers(1, 6),
    dim=st.sampled_from([2, 3]),
    dt=st.floats(0.01, 20.0),
    q=st.floats(1e-3, 1e3),
    sig=st.floats(0.1, 1e3),
)
def test_psd_and_batch_equals_single(seed: int, n_tracks: int, dim: int, dt: float, q: float, sig: float) -> None:
    rng = np.random.default_rng(seed)
    n = 2 * dim
    x = rng.normal(size=(n_tracks, n)) * 1e3
    P = np.stack([_rand_spd(rng, n, sig**2) for _ in range(n_tracks)])
    F, Q, H = mdl.cv_F(dt, dim), mdl.cv_Q(dt, q, dim), mdl.position_H(dim)
    R = np.stack([_rand_spd(rng, dim, sig**2) for _ in range(n_tracks)])
    z = rng.normal(size=(n_tracks, dim)) * 1e3
    xp, Pp = kf.predict(x, P, F, Q)
    xu, Pu, _, _ = kf.update(xp, Pp, z, H, R)
    xf, Pf, _, _ = kf.update_position(xp, Pp, z, R)
    for Pk in (Pp, Pu, Pf):
        assert np.array_equal(Pk, np.swapaxes(Pk, -1, -2))
        ev = np.linalg.eigvalsh(Pk)
        assert np.all(ev > -1e-9 * np.abs(ev).max(axis=-1, keepdims=True))
    np.testing.assert_allclose(xf, xu, rtol=1e-9, atol=1e-6)
    for i in range(n_tracks):
        xi, Pi = kf.predict(x[i : i + 1], P[i : i + 1], F, Q)
        xi, Pi, _, _ = kf.update(xi, Pi, z[i : i + 1], H, R[i])
        np.testing.assert_allclose(xi[0], xu[i], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(Pi[0], Pu[i], rtol=1e-12, atol=1e-9 * np.abs(Pu[i]).max())


def test_inv_small_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    for m in (1, 2, 3, 4):
        S = np.stack([_rand_spd(rng, m) for _ in range(5)])
        inv, det = kf.inv_small(S)
        np.testing.assert_allclose(inv, np.linalg.inv(S), rtol=1e-10)
        np.testing.assert_allclose(det, np.linalg.det(S), rtol=1e-10)


def test_nees_nis_within_chi2_bounds() -> None:
    """Linear-Gaussian CV scenario, 50 Monte-Carlo runs × 60 steps: time-averaged NEES and NIS
    over runs lie inside the two-sided 95 % chi-square interval of their averages."""
    rng = np.random.default_rng(42)
    runs, steps, dim, dt, q, sig = 50, 60, 2, 1.0, 0.5, 5.0
    F, Q, H = mdl.cv_F(dt, dim), mdl.cv_Q(dt, q, dim), mdl.position_H(dim)
    R = sig**2 * np.eye(dim)
    Lq, n = np.linalg.cholesky(Q), 2 * dim
    P0 = np.diag([sig**2] * dim + [10.0**2] * dim)
    xt = rng.multivariate_normal(np.zeros(n), P0, size=runs)
    x = np.zeros((runs, n))
    P = np.broadcast_to(P0, (runs, n, n)).copy()
    nees_t, nis_t = [], []
    for _ in range(steps):
        xt = xt @ F.T + rng.normal(size=(runs, n)) @ Lq.T
        z = xt[:, :dim] + sig * rng.normal(size=(runs, dim))
        x, P = kf.predict(x, P, F, Q)
        x, P, y, S = kf.update_position(x, P, z, R)
        nees_t.append(kf.nees(xt, x, P).mean())
        nis_t.append(kf.nis(y, S).mean())
    for vals, dof in ((np.array(nees_t[10:]), n), (np.array(nis_t[10:]), dim)):
        lo, hi = stats.chi2.ppf([0.025, 0.975], dof * runs) / runs
        inside = np.mean((vals > lo) & (vals < hi))
        assert inside > 0.85, (inside, lo, hi, vals.mean())
        assert abs(vals.mean() - dof) < 0.1 * dof


def test_imm_beats_cv_during_turn() -> None:
    """Metric: position RMSE over the turn segment (10 Monte-Carlo runs)."""
    rng = np.random.default_rng(7)
    dt, sig, dim = 1.0, 20.0, 2
    omega = np.deg2rad(6.0)  # 6 °/s at 250 m/s ≈ 2.7 g
    F_cv, F_ct = mdl.cv_F(dt, dim), mdl.ct_F(dt, omega, dim)
    truth = [np.array([0.0, 0.0, 250.0, 0.0])]
    turn = np.zeros(90, bool)
    turn[30:60] = True
    for k in range(1, 90):
        truth.append((F_ct if turn[k] else F_cv) @ truth[-1])
    truth_a = np.array(truth)
    R = sig**2 * np.eye(2)
    models = [(F_cv, mdl.cv_Q(dt, 0.5, dim)), (mdl.ct_F(dt, omega, dim), mdl.cv_Q(dt, 0.5, dim)),
              (mdl.ct_F(dt, -omega, dim), mdl.cv_Q(dt, 0.5, dim))]
    Pi = np.full((3, 3), 0.025) + np.eye(3) * (0.95 - 0.025)
    runs = 10
    err_cv, err_imm = [], []
    for _ in range(runs):
        zs = truth_a[:, :2] + sig * rng.normal(size=(90, 2))
        x0 = truth_a[0][None] + np.array([[10.0, -10.0, 5.0, -5.0]])
        P0 = np.diag([sig**2, sig**2, 30.0**2, 30.0**2])[None]
        xc, Pc = x0.copy(), P0.copy()
        Qcv = mdl.cv_Q(dt, 5.0, dim)  # CV tuned for moderate manoeuvres
        xs = np.repeat(x0[None], 3, axis=0)
        Ps = np.repeat(P0[None], 3, axis=0)
        mu = np.array([[0.9, 0.05, 0.05]])
        for k in range(1, 90):
            xc, Pc = kf.predict(xc, Pc, F_cv, Qcv)
            xc, Pc, _, _ = kf.update_position(xc, Pc, zs[k][None], R)
            x0m, P0m, cbar = kf.imm_mix(mu, Pi, xs, Ps)
            lik = np.empty((3, 1))
            for j, (F, Q) in enumerate(models):
                xj, Pj = kf.predict(x0m[j], P0m[j], F, Q)
                xj, Pj, y, S = kf.update_position(xj, Pj, zs[k][None], R)
                xs[j], Ps[j] = xj, Pj
                lik[j] = kf.gaussian_likelihood(y, S)
            mu = kf.imm_mode_probabilities(cbar, lik)
            x_imm, _ = kf.imm_combine(mu, xs, Ps)
            if turn[k]:
                err_cv.append(np.sum((xc[0, :2] - truth_a[k, :2]) ** 2))
                err_imm.append(np.sum((x_imm[0, :2] - truth_a[k, :2]) ** 2))
    rmse_cv, rmse_imm = np.sqrt(np.mean(err_cv)), np.sqrt(np.mean(err_imm))
    assert rmse_imm < 0.9 * rmse_cv, (rmse_imm, rmse_cv)


def test_imm_combine_single_model_is_identity() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 4, 4))
    P = np.stack([[_rand_spd(rng, 4) for _ in range(4)]])
    mu = np.ones((4, 1))
    xc, Pc = kf.imm_combine(mu, x, P)
    np.testing.assert_allclose(xc, x[0])
    np.testing.assert_allclose(Pc, P[0])
    x0, P0, cbar = kf.imm_mix(mu, np.ones((1, 1)), x, P)
    np.testing.assert_allclose(x0, x)
    np.testing.assert_allclose(P0, P)


@pytest.mark.parametrize("which", ["rb", "rae"])
def test_radar_jacobians_numerical(which: str) -> None:
    rng = np.random.default_rng(5)
    if which == "rb":
        x = np.array([[3000.0, -2000.0, 10.0, 5.0]])
        s = np.array([100.0, 50.0])
        fn = mdl.range_bearing_h
    else:
        x = np.array([[3000.0, -2000.0, 1500.0, 10.0, 5.0, 1.0]])
        s = np.array([100.0, 50.0, 10.0])
        fn = mdl.range_az_el_h
    z, H = fn(x, s)
    eps = 1e-3
    for k in range(x.shape[1]):
        dx = np.zeros_like(x)
        dx[0, k] = eps
        num = (fn(x + dx, s)[0] - fn(x - dx, s)[0]) / (2 * eps)
        np.testing.assert_allclose(H[0, :, k], num[0], rtol=1e-6, atol=1e-10)
    # EKF update pulls the state toward the measurement
    P = np.eye(x.shape[1])[None] * 100.0
    Rm = np.diag([20.0**2] + [1e-3**2] * (z.shape[1] - 1))
    z_meas = z + rng.normal(size=z.shape) * np.sqrt(np.diag(Rm))
    xn, Pn, y, S = kf.ekf_update(x, P, z_meas, z, H, Rm, angle_axes=(1,))
    assert np.trace(Pn[0]) < np.trace(P[0])
    assert kf.nis(y, S)[0] < 30


def test_converted_measurement_roundtrip() -> None:
    p, R = mdl.polar_to_cartesian(np.array([1000.0]), np.array([0.3]), 10.0, 1e-3)
    np.testing.assert_allclose(p[0], [1000 * np.cos(0.3), 1000 * np.sin(0.3)])
    assert np.all(np.linalg.eigvalsh(R) > 0)
    p3, R3 = mdl.rae_to_enu(np.array([1000.0]), np.array([0.3]), np.array([0.1]), 10, 1e-3, 1e-3)
    z, _ = mdl.range_az_el_h(np.concatenate([p3, np.zeros((1, 3))], axis=1), np.zeros(3))
    np.testing.assert_allclose(z[0], [1000.0, 0.3, 0.1], rtol=1e-12)


def test_ca_and_ct_models() -> None:
    F = mdl.ca_F(2.0, 1)
    np.testing.assert_allclose(F @ np.array([0.0, 1.0, 2.0]), [2.0 + 4.0, 1.0 + 4.0, 2.0])
    Q = mdl.ca_Q(1.0, 1.0, 2)
    assert np.all(np.linalg.eigvalsh(Q) > 0)
    np.testing.assert_allclose(mdl.ct_F(1.0, 1e-12, 3), mdl.cv_F(1.0, 3), atol=1e-9)
    # quarter turn at ω = π/2 /s: velocity (1, 0) → (0, 1)
    x = mdl.ct_F(1.0, np.pi / 2, 2) @ np.array([0.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(x, [2 / np.pi, 2 / np.pi, 0.0, 1.0], atol=1e-12)
