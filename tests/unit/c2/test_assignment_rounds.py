"""assignment_rounds of a 1 × 1 instance (one weapon type, one target: most engine decision
cycles) in closed form gives the numbers of the general rounds of linear assignment."""

from __future__ import annotations

import numpy as np

from iadsim.c2 import assignment as A


def _both(problem: A.AssignmentProblem) -> tuple[np.ndarray, np.ndarray]:
    args = A._kernel_args(problem)
    return A._rounds_one(*args), A._rounds_general(problem, *args)


def test_one_by_one_matches_the_general_rounds() -> None:
    rng = np.random.default_rng(7)
    pks = [0.0, 1.0, 1e-300, 1.0 - 1e-16, 0.5, 0.999999]
    for i in range(3000):
        pk = pks[i] if i < len(pks) else float(rng.choice([rng.uniform(), rng.uniform() ** 8, 1.0 - rng.uniform() ** 8]))
        v = float(rng.choice([0.0, 1e-300, rng.uniform(0, 1e6)]))
        counts = np.array([int(rng.integers(0, 30))])
        kw: dict = {}
        if rng.uniform() < 0.7:
            kw["channels"] = np.array([int(rng.integers(0, 3))])
        if rng.uniform() < 0.7:
            kw["max_per_target"] = np.array([int(rng.integers(0, 6))])
        if rng.uniform() < 0.2:
            kw["feasible"] = np.array([[bool(rng.uniform() < 0.5)]])
        prob = A.AssignmentProblem(values=np.array([v]), pk=np.array([[pk]]), counts=counts, **kw)
        one, general = _both(prob)
        assert np.array_equal(one, general), (pk, v, counts, kw, one, general)


def test_one_by_one_rounds_follow_the_limits() -> None:
    # hand-computed: 10 rounds, at most 3 on the target → 3; a certain kill stops after one round
    # (the target's survival is 0: no gain left); no channel → none
    p = A.AssignmentProblem(values=np.array([5.0]), pk=np.array([[0.6]]), counts=np.array([10]),
                            channels=np.array([1]), max_per_target=np.array([3]))
    assert A.assignment_rounds(p)[0, 0] == 3
    p = A.AssignmentProblem(values=np.array([5.0]), pk=np.array([[1.0]]), counts=np.array([10]))
    assert A.assignment_rounds(p)[0, 0] == 1
    p = A.AssignmentProblem(values=np.array([5.0]), pk=np.array([[0.6]]), counts=np.array([10]),
                            channels=np.array([0]))
    assert A.assignment_rounds(p)[0, 0] == 0
