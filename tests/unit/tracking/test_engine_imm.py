"""The engine track table's IMM (``model='imm'``): behaviour on turning and straight targets."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from iadsim.errors import InputError
from iadsim.scenario.schema import TrackingSpec
from iadsim.tracking.manager import TrackTable

R0 = 6.4e6  # a point on the +x axis of ECEF: the local up is +x, the local horizontal y–z


def _turning_truth(times: np.ndarray, omega: float, speed: float = 200.0) -> np.ndarray:
    """Level coordinated turn at rate ω about the local up (+x): positions (T, 3)."""
    rho = speed / omega
    th = omega * times
    return np.column_stack([np.full_like(times, R0 + 10000.0), rho * np.cos(th), rho * np.sin(th)])


def _run(model: str, truth: np.ndarray, times: np.ndarray, association: str = "truth",
         sigma: float = 30.0, seed: int = 0) -> tuple[TrackTable, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = TrackTable(1, 1, q_m2ps3=1.0, confirm_m=1, confirm_n=1, drop_misses=5,
                   prior_vel_std_mps=300.0, model=model, association=association, gate=5.0)
    err = []
    R = np.eye(3)[None] * sigma**2
    for k, ts in enumerate(times):
        z = truth[k] + rng.normal(size=3) * sigma
        t.step(float(ts), np.array([0]), np.array([0]), z[None], R, t.live_rows())
        live = t.live_rows()
        assert len(live) == 1, "one target, one track"
        err.append(np.linalg.norm(t.x[live[0], :3] - truth[k]))
    return t, np.asarray(err)


def test_imm_tracks_a_coordinated_turn_better_than_cv() -> None:
    times = np.arange(0.0, 240.0, 4.0)
    truth = _turning_truth(times, np.deg2rad(3.0))
    _, e_cv = _run("cv", truth, times)
    t_imm, e_imm = _run("imm", truth, times)
    # after convergence the CV filter (q = 1) lags the 10 m/s² turn; the IMM's turn model does not
    assert e_imm[15:].mean() < 0.5 * e_cv[15:].mean()
    # and it has found the left-turn mode (ω > 0 about the up axis)
    assert t_imm.mu[0, 1] > 0.5


def test_imm_on_a_straight_target_prefers_cv_mode() -> None:
    times = np.arange(0.0, 200.0, 4.0)
    v = np.array([0.0, 150.0, -80.0])
    truth = np.array([R0 + 5000.0, 0.0, 0.0]) + times[:, None] * v
    t, e = _run("imm", truth, times)
    assert t.mu[0, 0] > max(t.mu[0, 1], t.mu[0, 2])
    assert e[10:].mean() < 40.0
    assert np.allclose(t.mu.sum(axis=1)[: t.size], 1.0)


@pytest.mark.parametrize("association", ["gnn", "jpda"])
def test_imm_with_data_association(association: str) -> None:
    times = np.arange(0.0, 160.0, 4.0)
    truth = _turning_truth(times, np.deg2rad(3.0))
    t, e = _run("imm", truth, times, association=association)
    assert e[10:].mean() < 60.0
    assert t.mu[0, 1] > 0.5


def test_imm_predicted_is_pure_and_combines_models() -> None:
    times = np.arange(0.0, 80.0, 4.0)
    truth = _turning_truth(times, np.deg2rad(3.0))
    t, _ = _run("imm", truth, times)
    rows = t.live_rows()
    before = (t.x.copy(), t.P.copy(), t.xs.copy(), t.mu.copy())
    x1, P1 = t.predicted(rows, float(times[-1]) + 8.0)
    for a, b in zip(before, (t.x, t.P, t.xs, t.mu)):
        assert np.array_equal(a, b)
    # prediction over zero time is the stored combination
    x0, P0 = t.predicted(rows, float(t.t_s[rows[0]]))
    assert np.allclose(x0, t.x[rows]) and np.allclose(P0, t.P[rows])
    assert np.all(np.linalg.eigvalsh(P1) > 0)


def test_model_option_validated() -> None:
    with pytest.raises(InputError):
        TrackTable(1, 1, q_m2ps3=1.0, model="ca")
    assert TrackingSpec(model="imm").model == "imm"
    assert TrackingSpec().model == "cv"
    with pytest.raises(ValidationError):
        TrackingSpec(model="kalman")
