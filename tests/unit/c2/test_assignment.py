"""Weapon–target assignment: hand-checked cases, brute-force agreement, every constraint."""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iadsim.c2.assignment import (
    ASSIGNERS,
    Assigner,
    AssignmentProblem,
    check_feasible,
    expected_survival,
    get_assigner,
)

SOLVERS = ["greedy", "mmr", "heuristic", "exact"]
ROOT = Path(__file__).resolve().parents[3]


def brute_force(prob: AssignmentProblem) -> tuple[float, np.ndarray]:
    """Independent reference: enumerate every round's target (or none), keep the feasible best."""
    types = np.repeat(np.arange(prob.n_weapons), prob.counts)
    T = prob.n_targets
    best = math.inf
    best_x = np.zeros(prob.pk.shape, dtype=np.int64)
    for choice in itertools.product(range(T + 1), repeat=types.size):
        x = np.zeros(prob.pk.shape, dtype=np.int64)
        for r, j in enumerate(choice):
            if j < T:
                x[types[r], j] += 1
        if check_feasible(prob, x):
            continue
        f = float(np.sum(prob.values * np.prod((1.0 - prob.pk) ** x, axis=0)))
        if f < best - 1e-12:
            best, best_x = f, x
    return best, best_x


# --- hand-checked 3 x 3 ------------------------------------------------------------------

HAND = AssignmentProblem(
    values=np.array([100.0, 50.0, 10.0]),
    pk=np.array([[0.8, 0.5, 0.5],
                 [0.8, 0.0, 0.0],
                 [0.5, 0.5, 0.0]]),
    counts=np.array([1, 1, 1]),
)


def test_hand_checked_3x3() -> None:
    """Weapon 1 only reaches target 0, so it goes there. Then (by hand, all cases):
    w0,w2 -> t0,t1: 100*.2*.2 + 50*.5 + 10 = 39;   w0,w2 -> t1,t0: 100*.2*.5 + 50*.5 + 10 = 45;
    w0,w2 -> t1,t1: 20 + 12.5 + 10 = 42.5;         w0,w2 -> t2,t1: 20 + 25 + 5 = 50;
    w0,w2 -> t0,t0: 100*.2*.2*.5 + 50 + 10 = 62.   Optimum 39."""
    res = get_assigner("exact").assign(HAND)
    assert res.objective == pytest.approx(39.0, abs=1e-9)
    np.testing.assert_array_equal(res.x, [[1, 0, 0], [1, 0, 0], [0, 1, 0]])
    assert res.status == "optimal"
    assert res.bound == pytest.approx(39.0, abs=1e-9)
    assert res.gap == pytest.approx(0.0, abs=1e-12)
    assert brute_force(HAND)[0] == pytest.approx(39.0)
    assert expected_survival(HAND, res.x) == pytest.approx(39.0)


@pytest.mark.parametrize("name", SOLVERS)
def test_every_solver_feasible_and_not_better_than_optimum(name: str) -> None:
    res = get_assigner(name).assign(HAND)
    assert check_feasible(HAND, res.x) == []
    assert res.objective >= 39.0 - 1e-9
    assert res.objective == pytest.approx(expected_survival(HAND, res.x))
    assert res.solver == name


def test_greedy_order_matters_mmr_does_not_follow_it() -> None:
    """Weapon-sequential greedy takes weapon 0 first: it shoots target 0 (gain 80 > 25), and
    weapon 1 (only useful on target 0) is left with 20*0.9 = 18: F = 2 + 50 = 52.
    MMR takes the largest gain pair first and puts weapon 0 on target 1: F = 10 + 25 = 35."""
    prob = AssignmentProblem(values=np.array([100.0, 50.0]),
                             pk=np.array([[0.8, 0.5], [0.9, 0.0]]), counts=np.array([1, 1]))
    g = get_assigner("greedy").assign(prob)
    m = get_assigner("mmr").assign(prob)
    assert g.objective == pytest.approx(100 * 0.2 * 0.1 + 50.0)
    assert m.objective == pytest.approx(100 * 0.1 + 50 * 0.5)
    assert get_assigner("exact").assign(prob).objective == pytest.approx(35.0)


# --- brute force agreement (property based) ----------------------------------------------

@st.composite
def small_problems(draw: st.DrawFn) -> AssignmentProblem:
    W = draw(st.integers(1, 4))
    T = draw(st.integers(1, 6))
    counts = np.array(draw(st.lists(st.integers(0, 2), min_size=W, max_size=W)))
    while counts.sum() > 6:
        counts[np.argmax(counts)] -= 1
    values = np.array(draw(st.lists(st.integers(1, 100), min_size=T, max_size=T)), dtype=float)
    pk = np.array(draw(st.lists(st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.6, 0.75, 0.9, 1.0]),
                                min_size=W * T, max_size=W * T))).reshape(W, T)
    feasible = None
    if draw(st.booleans()):
        feasible = np.array(draw(st.lists(st.booleans(), min_size=W * T, max_size=W * T))).reshape(W, T)
    channels = None
    if draw(st.booleans()):
        channels = np.array(draw(st.lists(st.integers(0, 2), min_size=W, max_size=W)))
    tmax = None
    if draw(st.booleans()):
        tmax = np.array(draw(st.lists(st.integers(0, 2), min_size=T, max_size=T)))
    return AssignmentProblem(values=values, pk=pk, counts=counts, feasible=feasible,
                             channels=channels, max_per_target=tmax)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_exact_matches_brute_force(prob: AssignmentProblem) -> None:
    ref, _ = brute_force(prob)
    res = get_assigner("exact").assign(prob)
    assert check_feasible(prob, res.x) == []
    assert res.objective == pytest.approx(ref, rel=1e-9, abs=1e-9)
    assert res.bound <= ref + 1e-7 * max(1.0, ref)
    for name in ("greedy", "mmr", "heuristic"):
        other = get_assigner(name).assign(prob)
        assert check_feasible(prob, other.x) == []
        assert other.objective >= ref - 1e-9 * max(1.0, ref)


def _brute_force_unconstrained(prob: AssignmentProblem) -> float:
    """Vectorised enumeration of all (T + 1)^R choices (one round per type, no other limit)."""
    W, T = prob.pk.shape
    q = 1.0 - prob.pk
    choice = np.indices((T + 1,) * W).reshape(W, -1).T  # (N, W): target of each round, T = none
    surv = np.ones((choice.shape[0], T))
    for i in range(W):
        for j in range(T):
            surv[choice[:, i] == j, j] *= q[i, j]
    return float((surv @ prob.values).min())


def test_exact_6x6_against_brute_force() -> None:
    rng = np.random.default_rng(7)
    for _ in range(3):
        prob = AssignmentProblem(values=rng.uniform(25, 100, 6), pk=rng.uniform(0.2, 0.9, (6, 6)),
                                 counts=np.ones(6, dtype=np.int64))
        ref = _brute_force_unconstrained(prob)
        assert get_assigner("exact").assign(prob).objective == pytest.approx(ref, rel=1e-10)
        assert get_assigner("heuristic").assign(prob).objective >= ref - 1e-9


# --- every constraint: a case where dropping it changes the answer --------------------------

@pytest.mark.parametrize("name", SOLVERS)
def test_channels_limit_distinct_targets(name: str) -> None:
    """One launcher, 2 rounds, 1 channel, two equal targets: splitting (5 + 5 = 10) is what the
    unconstrained optimum does; with one channel both rounds go to one target: 2.5 + 10."""
    prob = AssignmentProblem(values=np.array([10.0, 10.0]), pk=np.array([[0.5, 0.5]]),
                             counts=np.array([2]), channels=np.array([1]))
    res = get_assigner(name).assign(prob)
    assert int((res.x[0] > 0).sum()) == 1
    assert res.objective == pytest.approx(12.5)
    free = AssignmentProblem(values=prob.values, pk=prob.pk, counts=prob.counts)
    assert get_assigner(name).assign(free).objective == pytest.approx(10.0)


@pytest.mark.parametrize("name", SOLVERS)
def test_feasibility_mask_forbids_pairs(name: str) -> None:
    """The strong weapon is out of envelope (or not ready) for the valuable target."""
    pk = np.array([[0.9, 0.1], [0.2, 0.2]])
    mask = np.array([[False, True], [True, True]])
    prob = AssignmentProblem(values=np.array([100.0, 10.0]), pk=pk, counts=np.array([1, 1]),
                             feasible=mask)
    res = get_assigner(name).assign(prob)
    assert res.x[0, 0] == 0
    # w1 -> t0 (80), w0 -> t1 (9): 80 + 9 = 89
    assert res.objective == pytest.approx(100 * 0.8 + 10 * 0.9)
    free = AssignmentProblem(values=prob.values, pk=pk, counts=prob.counts)
    assert get_assigner(name).assign(free).x[0, 0] == 1


@pytest.mark.parametrize("name", SOLVERS)
def test_counts_are_magazines(name: str) -> None:
    """Three targets, one type: with 1 round only one target is engaged; with 0 none."""
    pk = np.array([[0.5, 0.5, 0.5]])
    v = np.array([30.0, 20.0, 10.0])
    one = get_assigner(name).assign(AssignmentProblem(values=v, pk=pk, counts=np.array([1])))
    assert one.x.sum() == 1 and one.objective == pytest.approx(15 + 20 + 10)
    none = get_assigner(name).assign(AssignmentProblem(values=v, pk=pk, counts=np.array([0])))
    assert none.x.sum() == 0 and none.objective == pytest.approx(60.0)
    three = get_assigner(name).assign(AssignmentProblem(values=v, pk=pk, counts=np.array([3])))
    assert three.x.sum() == 3


@pytest.mark.parametrize("name", SOLVERS)
def test_max_rounds_per_target_doctrine(name: str) -> None:
    """A huge target draws every round unless doctrine caps it at one per target."""
    pk = np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])
    v = np.array([1000.0, 1.0])
    capped = AssignmentProblem(values=v, pk=pk, counts=np.array([1, 1, 1]),
                               max_per_target=np.array([1, 1]))
    res = get_assigner(name).assign(capped)
    assert res.x.sum(axis=0).tolist() == [1, 1]
    assert res.objective == pytest.approx(500 + 0.5)
    free = AssignmentProblem(values=v, pk=pk, counts=np.array([1, 1, 1]))
    assert get_assigner(name).assign(free).x[:, 0].sum() == 3


def test_exact_reports_bound_under_time_limit() -> None:
    rng = np.random.default_rng(3)
    prob = AssignmentProblem(values=rng.uniform(25, 100, 40), pk=rng.uniform(0.0, 1.0, (20, 40)),
                             counts=np.full(20, 3))
    res = get_assigner("exact", time_limit=30.0).assign(prob)
    assert check_feasible(prob, res.x) == []
    assert res.bound <= res.objective + 1e-9
    assert 0.0 <= res.gap <= 1.0
    heur = get_assigner("heuristic").assign(prob)
    assert res.objective <= heur.objective + 1e-9


# --- registry, validation ------------------------------------------------------------------

def test_registry_names_and_protocol() -> None:
    assert list(ASSIGNERS) == SOLVERS
    for name in SOLVERS:
        assert isinstance(get_assigner(name), Assigner)
    with pytest.raises(ValueError, match="unknown assignment solver 'nope'"):
        get_assigner("nope")


@pytest.mark.parametrize("kw,msg", [
    ({"pk": np.array([[1.5]])}, "pk"),
    ({"values": np.array([-1.0])}, "values"),
    ({"counts": np.array([1.5])}, "counts"),
    ({"feasible": np.array([[1]])}, "feasible"),
    ({"channels": np.array([-1])}, "channels"),
])
def test_bad_input_is_rejected(kw: dict[str, np.ndarray], msg: str) -> None:
    base = {"values": np.array([1.0]), "pk": np.array([[0.5]]), "counts": np.array([1])}
    base.update(kw)
    with pytest.raises(ValueError, match=msg):
        AssignmentProblem(**base)  # type: ignore[arg-type]


# --- the benchmark tool ----------------------------------------------------------------------

def _bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_wta", ROOT / "benchmarks" / "bench_wta.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_wta"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_bench_reads_instance_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Made-up 2 x 2 instance, mu = 2, in the public text format."""
    f = tmp_path / "tiny.txt"
    f.write_text("2 2 2\n10\n20\n0 0 0.5\n0 1 0.5\n1 0 0.1\n1 1 0.9\n")
    bench = _bench()
    prob = bench.read_instance(f)
    np.testing.assert_array_equal(prob.counts, [2, 2])
    np.testing.assert_allclose(prob.pk, [[0.5, 0.5], [0.1, 0.9]])
    assert bench.main(["--instance", str(f), "--solver", "exact"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    ref, _ = brute_force(prob)
    assert out["objective"] == pytest.approx(ref)
    assert {"time_s", "bound", "gap"} <= set(out)


def test_bench_bad_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.txt"
    f.write_text("2 x 2\n")
    assert _bench().main(["--instance", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}:1:1: header" in err and "Traceback" not in err


def test_bench_random_instance(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _bench()
    p = bench.random_instance(5, 7, 3)
    assert p.pk.min() >= 0.6 and p.pk.max() <= 0.9
    assert p.values.min() >= 25 and p.values.max() <= 100
    assert bench.main(["--random", "5", "7", "--seed", "3", "--solver", "mmr"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["objective"] == pytest.approx(get_assigner("mmr").assign(p).objective)


def test_matching_neighbourhood_is_exact_and_never_worse() -> None:
    """Several rounds per target (the hard class): the matching VLNS must keep every constraint
    and never lose value; the heuristic's noising search never loses against its plain descent."""
    from iadsim.c2.assignment import HeuristicAssigner, assignment_rounds, matching_improve

    rng = np.random.default_rng(11)
    W, T = 12, 10
    prob = AssignmentProblem(values=rng.uniform(25, 100, T), pk=rng.uniform(0.0, 0.9, (W, T)),
                             counts=np.full(W, 3), channels=np.full(W, 2),
                             max_per_target=np.full(T, 5),
                             feasible=rng.random((W, T)) < 0.8)
    x0 = assignment_rounds(prob)
    assert check_feasible(prob, x0) == []
    x1 = matching_improve(prob, x0, iterations=30, patience=30, seed=0)
    assert check_feasible(prob, x1) == []
    assert expected_survival(prob, x1) <= expected_survival(prob, x0) + 1e-12
    plain = HeuristicAssigner(min_iterations=0, max_iterations=0).assign(prob)
    full = HeuristicAssigner().assign(prob)
    assert check_feasible(prob, full.x) == []
    assert full.objective <= plain.objective + 1e-12
    exact = get_assigner("exact").assign(prob)
    assert exact.objective <= full.objective + 1e-9


def test_exact_time_limit_returns_feasible_incumbent_and_valid_bound() -> None:
    """A limit far too short to prove anything: the answer is still feasible, no worse than the
    heuristic start, and its bound is a valid lower bound (here: below the heuristic value)."""
    rng = np.random.default_rng(5)
    prob = AssignmentProblem(values=rng.uniform(25, 100, 120), pk=rng.uniform(0.0, 1.0, (60, 120)),
                             counts=np.full(60, 3))
    res = get_assigner("exact", time_limit=0.02).assign(prob)
    heur = get_assigner("heuristic").assign(prob)
    assert res.status == "time_limit"
    assert check_feasible(prob, res.x) == []
    assert res.objective <= heur.objective + 1e-9
    assert res.bound <= res.objective
    assert res.gap > 0.0
