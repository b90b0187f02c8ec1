"""c2.correlation.correlate (compiled d², in-kernel unambiguous assignment) against the NumPy code it
replaced, kept here as the reference: identical d² bit for bit and identical matches.

The reference's 3 × 3 solve is the documented order of operations of the kernel's written-out
solve (``tests/unit/tracking/test_gesv3.py``'s pure-Python reference, exact fused multiply-adds),
not the host's LAPACK: OpenBLAS's ``dgesv`` takes that order on the development host but not on
every CPU (on an AMD EPYC with AVX-512 it differs in the last bit), while the kernel gives the
same bits everywhere. LAPACK's solve is kept as an accuracy check (relative 1e-12)."""

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from iadsim.c2 import correlation
from iadsim.weapons.flyout import ballistic_acceleration

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tracking"))
from test_gesv3 import _reference_1  # noqa: E402  (the documented-order solve, one right-hand side)


def _ref_d2(z_m, R_m2, x_old, P_old, dt_old_s, q, lapack=False):
    acc = ballistic_acceleration(x_old[:, :3], x_old[:, 3:])
    dt = dt_old_s[:, None]
    p_hat = x_old[:, :3] + x_old[:, 3:] * dt + 0.5 * acc * dt**2
    P_hat = correlation.cv_position_covariance(P_old, dt_old_s, q)
    S = P_hat[None, :, :, :] + R_m2[:, None, :, :]
    y = z_m[:, None, :] - p_hat[None, :, :]
    if lapack:
        s = np.linalg.solve(S, y[..., None])[..., 0]
    else:
        s = np.array([[_reference_1(S[a, b], y[a, b]) for b in range(S.shape[1])] for a in range(S.shape[0])])
        s = s.reshape(y.shape)
    return np.einsum("ndi,ndi->nd", y, s)


def _ref_correlate(z_m, R_m2, site_new, x_old, P_old, dt_old_s, site_old, q, gate_d2=correlation.CORRELATION_GATE_D2):
    n, d = len(z_m), len(x_old)
    out = np.full(n, -1, np.int64)
    if n == 0 or d == 0:
        return out
    d2 = _ref_d2(z_m, R_m2, x_old, P_old, dt_old_s, q)
    ok = (d2 <= gate_d2) & (site_new[:, None] == site_old[None, :])
    if not ok.any():
        return out
    r, c = linear_sum_assignment(np.where(ok, d2, 1e12))
    good = ok[r, c]
    out[r[good]] = c[good]
    return out


def _case(rng, n, d, spread_m):
    x_old = np.zeros((d, 6))
    x_old[:, :3] = np.array([4.2e6, 2.6e6, 3.9e6]) + rng.normal(0, 2e4, (d, 3))
    speed = np.where(rng.random(d) < 0.3, 2500.0, 250.0)  # some ballistic (gravity), some CV
    u = rng.normal(size=(d, 3))
    x_old[:, 3:] = u / np.linalg.norm(u, axis=1)[:, None] * speed[:, None]
    A = rng.normal(size=(d, 6, 6)) * 30.0
    P_old = A @ A.transpose(0, 2, 1) + np.eye(6) * 100.0
    dt = rng.uniform(0.0, 30.0, d)
    src = rng.integers(0, d, n)  # each new track near some dropped track's prediction
    z = x_old[src, :3] + x_old[src, 3:] * dt[src, None] + rng.normal(0, spread_m, (n, 3))
    B = rng.normal(size=(n, 3, 3)) * 40.0
    R = B @ B.transpose(0, 2, 1) + np.eye(3) * 50.0
    return z, R, rng.integers(0, 2, n), x_old, P_old, dt, rng.integers(0, 2, d)


@pytest.mark.parametrize("seed", range(40))
def test_correlate_matches_numpy_reference(seed):
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    z, R, sn, x_old, P_old, dt, so = _case(rng, n, d, spread_m=float(rng.choice([50.0, 300.0, 3000.0])))
    q = 5.0
    m, d2, ok, _ = correlation.correlation_kernel(z, R, sn, x_old, P_old, dt, so, q, correlation.CORRELATION_GATE_D2)
    np.testing.assert_array_equal(d2, _ref_d2(z, R, x_old, P_old, dt, q))  # bit for bit
    np.testing.assert_allclose(d2, _ref_d2(z, R, x_old, P_old, dt, q, lapack=True), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(correlation.correlate(z, R, sn, x_old, P_old, dt, so, q),
                                  _ref_correlate(z, R, sn, x_old, P_old, dt, so, q))


def test_unambiguous_and_ambiguous_cases_are_both_exercised():
    amb = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        n, d = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        z, R, sn, x_old, P_old, dt, so = _case(rng, n, d, spread_m=float(rng.choice([50.0, 300.0, 3000.0])))
        m, d2, ok, a = correlation.correlation_kernel(z, R, sn, x_old, P_old, dt, so, 5.0, correlation.CORRELATION_GATE_D2)
        amb.append((bool(a), bool(ok.any())))
    assert (True, True) in amb and (False, True) in amb


def test_ambiguous_pair_takes_the_cheaper_assignment():
    # two new tracks, two dropped tracks of one site, all four pairs within the gate: the one-to-one
    # assignment of least total d² (the crossed pairing here) — the case handed to linear_sum_assignment
    x_old = np.zeros((2, 6))
    x_old[:, 0] = [6.4e6, 6.4e6 + 20.0]
    P_old = np.tile(np.eye(6) * 100.0, (2, 1, 1))
    R = np.tile(np.eye(3) * 100.0, (2, 1, 1))
    z = np.array([[6.4e6 + 18.0, 0, 0], [6.4e6 + 2.0, 0, 0]])
    m, d2, ok, amb = correlation.correlation_kernel(z, R, np.zeros(2, np.int64), x_old, P_old, np.zeros(2),
                                                    np.zeros(2, np.int64), 1.0, correlation.CORRELATION_GATE_D2)  # fmt: skip
    assert amb and ok.all()
    np.testing.assert_array_equal(correlation.correlate(z, R, np.zeros(2, np.int64), x_old, P_old, np.zeros(2),
                                                        np.zeros(2, np.int64), 1.0), [1, 0])  # fmt: skip
