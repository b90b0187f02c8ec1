"""Negative-cycle exchange kernels of the WTA heuristic: hand-checked moves, constraints kept,
never worse, brute-force agreement on tiny instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from iadsim.c2 import wta_kernels as K
from iadsim.c2.assignment import (
    AssignmentProblem,
    _kernel_args,
    check_feasible,
    expected_survival,
    get_assigner,
)
from test_assignment import brute_force


def _ce(prob: AssignmentProblem, x: np.ndarray, cycles: int = 1000, rejects: int = 20) -> np.ndarray:
    V, _q, allowed, counts, ch, tmax = _kernel_args(prob)
    return K.cyclic_exchange(np.asarray(x, dtype=np.int64), V, prob.log_kill(), allowed, counts,
                             ch, tmax, cycles, rejects)


def _brute(prob: AssignmentProblem) -> float:
    """The optimum by enumeration (the independent reference of test_assignment.py)."""
    return brute_force(prob)[0]


def test_three_cycle_hand_checked() -> None:
    """Three types, one round each, type i on target i+1 (mod 3) with p = 0.5: F = 1.5.
    Type i kills target i with 0.9 and target i+2 with 0.05. Any pairwise swap gives
    0.1 + 0.95 + 0.5 = 1.55 and any move 0.05 + 1 + 0.5 = 1.55, so the move/swap descent is
    stuck; the 3-cycle (every type to its own target) gives F = 3 x 0.1 = 0.3."""
    pk = np.array([[0.9, 0.5, 0.05],
                   [0.05, 0.9, 0.5],
                   [0.5, 0.05, 0.9]])
    prob = AssignmentProblem(values=np.ones(3), pk=pk, counts=np.ones(3, dtype=np.int64))
    x0 = np.zeros((3, 3), dtype=np.int64)
    for i in range(3):
        x0[i, (i + 1) % 3] = 1
    assert expected_survival(prob, x0) == pytest.approx(1.5)  # 3 x (1 - 0.5)
    # every pairwise swap is worse
    for a_, b_ in itertools.combinations(range(3), 2):
        x = x0.copy()
        ja, jb = (a_ + 1) % 3, (b_ + 1) % 3
        x[a_, ja] -= 1
        x[b_, jb] -= 1
        x[a_, jb] += 1
        x[b_, ja] += 1
        assert expected_survival(prob, x) > expected_survival(prob, x0)
    # the descent of moves/swaps is stuck, the cycle exchange is not
    V, _q, allowed, counts, ch, tmax = _kernel_args(prob)
    stuck = K.local_search(x0, V, prob.log_kill(), allowed, counts, ch, tmax, 50)
    assert expected_survival(prob, stuck) == pytest.approx(1.5)
    x = _ce(prob, x0)
    np.testing.assert_array_equal(x, np.eye(3, dtype=np.int64))
    assert expected_survival(prob, x) == pytest.approx(0.3)


def test_path_through_idle_pool_moves_a_round() -> None:
    """One round on a worthless target: the path Z -> 0 -> Z takes it off and puts it on the
    valuable one (F from 10 + 0.5 x 1 to 10 x 0.2 + 1 = 3)."""
    prob = AssignmentProblem(values=np.array([10.0, 1.0]), pk=np.array([[0.8, 0.5]]),
                             counts=np.array([1]))
    x = _ce(prob, np.array([[0, 1]]))
    np.testing.assert_array_equal(x, [[1, 0]])
    assert expected_survival(prob, x) == pytest.approx(3.0)


def test_idle_round_is_placed() -> None:
    """An idle round: the path Z -> 0 -> Z (cost 0 then the best drop) places it."""
    prob = AssignmentProblem(values=np.array([10.0, 1.0]), pk=np.array([[0.8, 0.5]]),
                             counts=np.array([2]))
    x = _ce(prob, np.array([[1, 0]]))
    assert x.sum() == 2
    assert expected_survival(prob, x) < 10 * 0.2 + 1.0


def test_zero_cycles_changes_nothing() -> None:
    prob = AssignmentProblem(values=np.array([10.0, 1.0]), pk=np.array([[0.8, 0.5]]),
                             counts=np.array([1]))
    np.testing.assert_array_equal(_ce(prob, np.array([[0, 1]]), cycles=0, rejects=0), [[0, 1]])


@pytest.mark.parametrize("seed", range(12))
def test_constraints_kept_and_never_worse(seed: int) -> None:
    """Random instances with a mask, channels and per-target limits, from a feasible start:
    the exchange and the iterated exchange search keep every constraint and never lose."""
    from iadsim.c2.assignment import assignment_rounds

    rng = np.random.default_rng(seed)
    W, T = int(rng.integers(2, 9)), int(rng.integers(2, 12))
    prob = AssignmentProblem(values=rng.uniform(1, 100, T), pk=rng.uniform(0.0, 1.0, (W, T)),
                             counts=rng.integers(0, 4, W),
                             feasible=rng.random((W, T)) < 0.7,
                             channels=rng.integers(1, 3, W),
                             max_per_target=rng.integers(1, 3, T))
    x0 = assignment_rounds(prob)
    assert check_feasible(prob, x0) == []
    x1 = _ce(prob, x0)
    assert check_feasible(prob, x1) == []
    assert expected_survival(prob, x1) <= expected_survival(prob, x0) * (1 + 1e-12)
    V, _q, allowed, counts, ch, tmax = _kernel_args(prob)
    x2 = K.iterated_exchange_search(x0, V, prob.log_kill(), allowed, counts, ch, tmax, 5, 2,
                                    seed, 50, 1000, 20)
    assert check_feasible(prob, x2) == []
    assert expected_survival(prob, x2) <= expected_survival(prob, x0) * (1 + 1e-12)


@pytest.mark.parametrize("seed", range(15))
def test_heuristic_reaches_brute_force_optimum_on_tiny_instances(seed: int) -> None:
    """Up to 3 types x 4 targets with 1-2 rounds each (several rounds per target possible):
    the heuristic finds the brute-force optimum."""
    rng = np.random.default_rng(100 + seed)
    W, T = int(rng.integers(2, 4)), int(rng.integers(2, 5))
    prob = AssignmentProblem(values=rng.uniform(1, 100, T), pk=rng.uniform(0.0, 1.0, (W, T)),
                             counts=rng.integers(1, 3, W))
    res = get_assigner("heuristic").assign(prob)
    assert check_feasible(prob, res.x) == []
    assert res.objective == pytest.approx(_brute(prob), rel=1e-9, abs=1e-12)


def test_max_cycles_caps_applied_cycles() -> None:
    """Two independent blocks each need an exchange: with ``max_cycles`` 1 one improving cycle
    is applied (F falls but the optimum 0.4 is not reached), with 10 both blocks are solved."""
    pk = np.array([[0.9, 0.1, 0.0, 0.0],
                   [0.1, 0.9, 0.0, 0.0],
                   [0.0, 0.0, 0.9, 0.1],
                   [0.0, 0.0, 0.1, 0.9]])
    prob = AssignmentProblem(values=np.ones(4), pk=pk, counts=np.ones(4, dtype=np.int64))
    x0 = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    f0 = expected_survival(prob, x0)  # 4 x 0.9
    f1 = expected_survival(prob, _ce(prob, x0, cycles=1, rejects=0))
    f2 = expected_survival(prob, _ce(prob, x0, cycles=10, rejects=0))
    assert f0 == pytest.approx(3.6)
    assert f2 + 0.5 < f1 < f0  # one cycle stays in one block: F >= 0.1 + 0.1 + 0.9 + 0.9 = 2
    assert f2 == pytest.approx(0.4)
