"""Tracking kernels against independent references (issue 10, item 4).

filterpy's EKF, hand-computed Joseph-form updates, SciPy's multivariate normal, hand-computed
IMM combinations, the 2-D coordinated turn of ``models.ct_F``, the Markov semigroup property,
and the engine's M-of-N confirmation / drop rules on a hand-built hit/miss sequence.
"""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.tracking import kalman
from iadsim.tracking.manager import TrackTable, ct3_F, imm_transition
from iadsim.tracking.models import ct_F, range_bearing_h

# ---------------------------------------------------------------------------------- EKF / Joseph


def test_joseph_update_hand_computed_includes_K_R_Kt() -> None:
    # x = [0, 0], P = diag(4, 1), H = [1 0], R = 4, z = 2:
    # S = 8, K = [1/2, 0], x⁺ = [1, 0];
    # (I−KH) P (I−KH)ᵀ = diag(1, 1) and K R Kᵀ = diag(1, 0)  ⇒  P⁺ = diag(2, 1).
    # Without the K R Kᵀ term P⁺₀₀ would be 1.
    x = np.zeros((1, 2))
    P = np.diag([4.0, 1.0])[None]
    H = np.array([[[1.0, 0.0]]])
    R = np.array([[4.0]])
    xn, Pn, y, S = kalman.ekf_update(x, P, np.array([[2.0]]), np.array([[0.0]]), H, R)
    assert np.allclose(xn, [[1.0, 0.0]])
    assert np.allclose(Pn, np.diag([2.0, 1.0])[None], atol=1e-12)
    assert np.allclose(S, [[[8.0]]])
    # the linear update and the position-only fast path give the same hand-computed numbers
    xl, Pl, _, _ = kalman.update(x, P, np.array([[2.0]]), H[0], R)
    assert np.allclose(Pl, np.diag([2.0, 1.0])[None], atol=1e-12)
    xp, Pp, _, _ = kalman.update_position(x, P, np.array([[2.0]]), R)
    assert np.allclose(xp, xn) and np.allclose(Pp, Pn, atol=1e-12)


def test_joseph_term_matters_for_a_suboptimal_gain_comparison() -> None:
    # Joseph form equals (I − K H) P only for the optimal gain; check the covariance equals
    # the Joseph expression computed independently with NumPy for a random 4-state case.
    rng = np.random.default_rng(3)
    A = rng.normal(size=(4, 4))
    P = A @ A.T + np.eye(4)
    H = rng.normal(size=(2, 4))
    B = rng.normal(size=(2, 2))
    R = B @ B.T + np.eye(2)
    x = rng.normal(size=4)
    z = rng.normal(size=2)
    S = H @ P @ H.T + R
    K = P @ H.T @ np.linalg.inv(S)
    IKH = np.eye(4) - K @ H
    P_ref = IKH @ P @ IKH.T + K @ R @ K.T
    _, Pn, _, _ = kalman.ekf_update(x[None], P[None], z[None], (H @ x)[None], H[None], R)
    assert np.allclose(Pn[0], P_ref, rtol=1e-10, atol=1e-10)


def test_ekf_range_bearing_matches_filterpy() -> None:
    from filterpy.kalman import ExtendedKalmanFilter

    sensor = np.array([1000.0, -2000.0])
    x0 = np.array([5000.0, 3000.0, 100.0, -50.0])  # [x, y, vx, vy]
    P0 = np.diag([400.0, 900.0, 100.0, 100.0])
    R = np.diag([25.0 ** 2, np.deg2rad(0.5) ** 2])  # [r, θ]
    z = np.array([7150.0, 0.80])

    def hx(s: np.ndarray) -> np.ndarray:
        zp, _ = range_bearing_h(s.reshape(1, 4), sensor)
        return zp[0]

    def HJ(s: np.ndarray) -> np.ndarray:
        _, H = range_bearing_h(s.reshape(1, 4), sensor)
        return H[0]

    f = ExtendedKalmanFilter(dim_x=4, dim_z=2)
    f.x = x0.copy()
    f.P = P0.copy()
    f.update(z, HJ, hx, R=R)
    zp, H = range_bearing_h(x0[None], sensor)
    xn, Pn, _, _ = kalman.ekf_update(x0[None], P0[None], z[None], zp, H, R, angle_axes=(1,))
    assert np.allclose(xn[0], f.x, rtol=1e-10, atol=1e-8)
    assert np.allclose(Pn[0], f.P, rtol=1e-9, atol=1e-8)


# ---------------------------------------------------------------------------------- angle wrapping


def test_wrap_angle_half_open_interval() -> None:
    a = np.array([np.pi, -np.pi, 3 * np.pi / 2, -3 * np.pi / 2, 0.1, 2 * np.pi + 0.1])
    w = kalman.wrap_angle(a)
    assert np.allclose(w, [np.pi, np.pi, -np.pi / 2, np.pi / 2, 0.1, 0.1])
    assert np.all((w > -np.pi) & (w <= np.pi))


def test_ekf_bearing_innovation_wrapped_across_pi() -> None:
    # measured bearing just below +π, predicted just above −π: the innovation is −0.02 rad,
    # not 2π − 0.02 (which would throw the state to the other side of the sensor).
    x = np.array([[-10000.0, 0.0, 0.0, 0.0]])
    P = np.diag([100.0, 100.0, 1.0, 1.0])[None]
    zp = np.array([[10000.0, -np.pi + 0.01]])
    z = np.array([[10000.0, np.pi - 0.01]])
    _, H = range_bearing_h(x + np.array([[0.0, -100.0, 0.0, 0.0]]), np.zeros(2))
    R = np.diag([25.0, 1e-6])
    _, _, y, _ = kalman.ekf_update(x, P, z, zp, H, R, angle_axes=(1,))
    assert y[0, 1] == pytest.approx(-0.02, abs=1e-12)
    _, _, y_raw, _ = kalman.ekf_update(x, P, z, zp, H, R)  # without wrapping: the 2π jump
    assert y_raw[0, 1] == pytest.approx(2 * np.pi - 0.02, abs=1e-12)


# ---------------------------------------------------------------------------------- likelihood |S|


def test_gaussian_likelihood_determinant_term() -> None:
    from scipy.stats import multivariate_normal

    S = np.array([[4.0, 1.0], [1.0, 9.0]])  # |S| = 35
    assert kalman.gaussian_likelihood(np.zeros((1, 2)), S[None])[0] == pytest.approx(
        1.0 / (2 * np.pi * np.sqrt(35.0)), rel=1e-12)
    rng = np.random.default_rng(5)
    y = rng.normal(size=(20, 2)) * 3
    ref = multivariate_normal(mean=np.zeros(2), cov=S).pdf(y)
    assert np.allclose(kalman.gaussian_likelihood(y, np.broadcast_to(S, (20, 2, 2))), ref, rtol=1e-12)
    S3 = np.diag([4.0, 9.0, 25.0])
    assert kalman.gaussian_likelihood(np.zeros((1, 3)), S3[None])[0] == pytest.approx(
        (2 * np.pi) ** -1.5 / 30.0, rel=1e-12)


# ---------------------------------------------------------------------------------- IMM


def test_imm_combine_spread_of_means_hand_computed() -> None:
    # μ = (1/4, 3/4), x̂₁ = 0, x̂₂ = 4, P₁ = P₂ = 1:
    # x̂ = 3 ; P = Σ μ_j [P_j + (x̂_j − x̂)²] = 1/4 (1 + 9) + 3/4 (1 + 1) = 4 (1 without the spread)
    mu = np.array([[0.25, 0.75]])
    xs = np.array([[[0.0]], [[4.0]]])
    Ps = np.ones((2, 1, 1, 1))
    x, P = kalman.imm_combine(mu, xs, Ps)
    assert x[0, 0] == pytest.approx(3.0)
    assert P[0, 0, 0] == pytest.approx(4.0)


def test_imm_mix_hand_computed() -> None:
    # Π = [[0.9, 0.1], [0.2, 0.8]], μ = (0.5, 0.5): c̄ = (0.55, 0.45);
    # μ_{1|1} = 0.45/0.55 = 9/11, μ_{2|1} = 0.1/0.55 = 2/11 ⇒ x0₁ = 2/11 · 11 = 2 for x̂ = (0, 11);
    # P0₁ = 9/11 (1 + 4) + 2/11 (1 + 81) = (45 + 164)/11 = 19.
    Pi = np.array([[0.9, 0.1], [0.2, 0.8]])
    mu = np.array([[0.5, 0.5]])
    xs = np.array([[[0.0]], [[11.0]]])
    Ps = np.ones((2, 1, 1, 1))
    x0, P0, cbar = kalman.imm_mix(mu, Pi, xs, Ps)
    assert np.allclose(cbar, [[0.55, 0.45]])
    assert x0[0, 0, 0] == pytest.approx(2.0)
    assert P0[0, 0, 0, 0] == pytest.approx(19.0)


def test_imm_mode_probabilities_bayes() -> None:
    cbar = np.array([[0.5, 0.3, 0.2]])
    lik = np.array([[1.0], [2.0], [0.5]])  # (r, N)
    mu = kalman.imm_mode_probabilities(cbar, lik)
    assert np.allclose(mu, np.array([[0.5, 0.6, 0.1]]) / 1.2)


def test_ct3_matches_planar_coordinated_turn_about_z() -> None:
    # about u = +z the 3-D turn is the planar CT of models.ct_F (different state order)
    T, w = 4.0, np.deg2rad(3.0)
    F3 = ct3_F(np.array([T]), w, np.array([[0.0, 0.0, 1.0]]))[0]
    F2 = ct_F(T, w, dim=3)  # state [x, y, z, vx, vy, vz] in both
    assert np.allclose(F3, F2, atol=1e-12)


def test_ct3_is_the_exact_turn_of_the_velocity() -> None:
    # integrate p' = v, v' = ω u × v with small steps; velocity along u is kept
    rng = np.random.default_rng(7)
    u = rng.normal(size=3)
    u /= np.linalg.norm(u)
    x = np.concatenate([rng.normal(size=3) * 1e3, rng.normal(size=3) * 200])
    w, T = 0.07, 5.0
    p, v = x[:3].copy(), x[3:].copy()
    n = 20000
    h = T / n
    for _ in range(n):  # midpoint (RK2) integration, reference only
        vm = v + 0.5 * h * w * np.cross(u, v)
        p = p + h * vm
        v = v + h * w * np.cross(u, vm)
    xf = ct3_F(np.array([T]), w, u[None])[0] @ x
    assert np.allclose(xf[:3], p, atol=1e-3)
    assert np.allclose(xf[3:], v, atol=1e-5)
    assert np.dot(xf[3:], u) == pytest.approx(np.dot(x[3:], u))


def test_imm_transition_markov_chain_properties() -> None:
    P0 = imm_transition(np.array([0.0]), 30.0)[0]
    assert np.allclose(P0, np.eye(3))
    Pa, Pb, Pab = imm_transition(np.array([3.0, 7.0, 10.0]), 30.0)
    assert np.allclose(Pa.sum(axis=1), 1.0)
    assert np.allclose(Pa @ Pb, Pab, atol=1e-12)  # semigroup: Π(a) Π(b) = Π(a + b)
    assert np.allclose(imm_transition(np.array([1e6]), 30.0)[0], np.full((3, 3), 1 / 3))
    # mean sojourn τ: leaving rate from a mode is −dΠ_ii/dt at 0 = 1/τ
    eps = 1e-6
    assert (1 - imm_transition(np.array([eps]), 30.0)[0, 0, 0]) / eps == pytest.approx(1 / 30.0, rel=1e-4)


# ---------------------------------------------------------------------------------- engine M-of-N


def _one_track_table(m: int, n: int, drop: int) -> TrackTable:
    return TrackTable(n_sites=1, n_threats=1, q_m2ps3=1.0, confirm_m=m, confirm_n=n, drop_misses=drop)


def _scan(t: TrackTable, k: int, hit: bool, opportunity: bool = True):
    """Scan k: a detection of threat 0 at the origin (hit) or none; the track's row is an
    opportunity when ``opportunity``."""
    rows = t.live_rows() if opportunity else np.zeros(0, np.int64)
    if hit:
        return t.step(float(k), np.array([0]), np.array([0]), np.array([[6.4e6, 0.0, 0.0]]),
                      np.eye(3)[None] * 100.0, rows)
    return t.step(float(k), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 3)),
                  np.zeros((0, 3, 3)), rows)


def test_engine_m_of_n_confirmation_hand_built_sequence() -> None:
    # 2-of-3 over the last three opportunities; the initiating detection is the first hit.
    # init(H), miss, hit → window H M H → 2 hits → confirmed at the third scan
    t = _one_track_table(2, 3, 5)
    ev = _scan(t, 0, True)
    assert len(ev.initiated) == 1 and len(ev.confirmed) == 0
    assert len(_scan(t, 1, False).confirmed) == 0
    assert len(_scan(t, 2, True).confirmed) == 1
    # init(H), miss, miss, hit → last three: M M H → 1 hit → NOT confirmed (the initiating
    # hit slid out of the window; an N+1 window would confirm here)
    t = _one_track_table(2, 3, 5)
    _scan(t, 0, True)
    _scan(t, 1, False)
    _scan(t, 2, False)
    ev = _scan(t, 3, True)
    assert len(ev.confirmed) == 0 and not t.confirmed[0]
    ev = _scan(t, 4, True)  # M H H → confirmed now
    assert len(ev.confirmed) == 1 and t.confirmed[0]


def test_engine_m_of_n_needs_m_hits_not_m_minus_one() -> None:
    # 3-of-4: init(H), H → 2 hits: not yet; third hit confirms
    t = _one_track_table(3, 4, 5)
    _scan(t, 0, True)
    assert len(_scan(t, 1, True).confirmed) == 0
    assert len(_scan(t, 2, True).confirmed) == 1


def test_engine_scans_without_opportunity_do_not_count() -> None:
    # a scan on which no radar of the site covers the track is neither a hit nor a miss
    t = _one_track_table(2, 2, 2)
    _scan(t, 0, True)
    _scan(t, 1, False, opportunity=False)
    _scan(t, 2, False, opportunity=False)
    assert t.alive[0] and t.misses[0] == 0
    assert len(_scan(t, 3, True).confirmed) == 1  # window (last 2 opportunities): H H


def test_engine_drop_after_exactly_drop_misses_consecutive_misses() -> None:
    t = _one_track_table(1, 1, 3)
    _scan(t, 0, True)
    assert t.confirmed[0]
    _scan(t, 1, False)
    _scan(t, 2, False)
    assert t.alive[0] and t.misses[0] == 2  # two misses: kept
    _scan(t, 3, True)  # a hit resets the count
    assert t.misses[0] == 0
    _scan(t, 4, False)
    _scan(t, 5, False)
    assert t.alive[0]
    ev = _scan(t, 6, False)  # third consecutive miss: dropped at this scan, not before or after
    assert not t.alive[0] and list(ev.dropped) == [0]
