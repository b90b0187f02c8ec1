"""The engagement decision in one compiled call (``c2_glue.engage_smooth``) against its steps one by one.

The tick loop (and ``engine.run._engage`` for what the loop hands back) runs the whole decision (estimates, capability, selection, launches, the
commit: Assignment / Launch / Fratricide rows, the shot table, fire-control holds, magazines,
launchers, ready times) in one compiled call where it applies (no network, smooth Earth, CV
tracks, the heuristic assigner), else step by step. Each test runs a scenario both ways
(``run._COMPILED_ENGAGE``) and expects the same events to the byte, and checks that the compiled
call really ran: the tick loop makes it itself (fewer decisions reach Python's ``_engage``) and
hands back to ``_engage`` what it does not do (a larger WTA group, a full shot table).
"""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.c2 import threat_evaluation as tewa
from iadsim.engine import c2_glue
from iadsim.engine import run as run_mod
from iadsim.engine import state
from iadsim.scenario.load import load_scenario

from test_iff_roe_scenarios import S400, scenario


def _both_ways(monkeypatch: pytest.MonkeyPatch, sc, seed: int) -> tuple:  # noqa: ANN001
    """(events compiled, events step by step, the statuses of the compiled calls made from Python
    (those the tick loop handed back), Python decisions (``_engage`` calls) compiled, step by step)."""
    statuses: list[int] = []
    calls = [0]
    orig, orig_engage = c2_glue.engage_smooth, run_mod._engage

    def spy(*args):  # noqa: ANN002, ANN202
        out = orig(*args)
        statuses.append(int(out[0]))
        return out

    def engage_spy(*args):  # noqa: ANN002, ANN202
        calls[0] += 1
        return orig_engage(*args)

    monkeypatch.setattr(c2_glue, "engage_smooth", spy)
    monkeypatch.setattr(run_mod, "_engage", engage_spy)
    fast = run_mod.simulate(sc, seed=seed).events
    in_python = calls[0]
    monkeypatch.setattr(run_mod, "_COMPILED_ENGAGE", False)
    n_calls = len(statuses)
    slow = run_mod.simulate(sc, seed=seed).events
    assert len(statuses) == n_calls  # off: never called
    return fast, slow, statuses, in_python, calls[0] - in_python


def _kinds(events) -> np.ndarray:  # noqa: ANN001
    return events.column("kind").to_numpy(zero_copy_only=False)


@pytest.mark.parametrize(("name", "seed"), [("turkey-2017", 5), ("turkey-2017", 11),
                                            ("adana-patriot-small", 1)])  # fmt: skip
def test_bundled_scenarios_same_events(monkeypatch: pytest.MonkeyPatch, name: str, seed: int) -> None:
    fast, slow, _, in_python, step_by_step = _both_ways(monkeypatch, load_scenario(name), seed)
    assert in_python < step_by_step  # the tick loop made decisions itself
    assert int(np.sum(_kinds(fast) == "Launch")) > 0
    assert fast.to_pandas().equals(slow.to_pandas())  # (NaN where NaN: pandas' equality)
    assert not fast.to_pandas().equals(fast.slice(1).to_pandas())  # the comparison can fail


def test_a_larger_group_hands_back_to_the_python_solvers(monkeypatch: pytest.MonkeyPatch) -> None:
    """turkey-2017 has cycles whose group instance is larger than 1 × 1: the compiled call changes
    nothing and hands back (ENGAGE_LEFT); the Python solvers then decide, and the events are the
    same as step by step."""
    fast, slow, statuses, in_python, step_by_step = _both_ways(monkeypatch, load_scenario("turkey-2017"), 1)
    assert statuses.count(c2_glue.ENGAGE_LEFT) > 0 and 0 < in_python < step_by_step
    assert fast.to_pandas().equals(slow.to_pandas())


def test_a_full_shot_table_grows_and_the_same_call_runs_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shot table with room for one round: the compiled call asks for room (ENGAGE_ROOM, nothing
    changed), the table grows, the call runs again: the events of a table that never had to grow."""
    sc = load_scenario("adana-patriot-small")
    roomy = run_mod.simulate(sc, seed=2).events
    monkeypatch.setattr(run_mod, "ShotTable", lambda: state.ShotTable(cap=1))
    fast, slow, statuses, _, _ = _both_ways(monkeypatch, sc, 2)
    assert statuses.count(c2_glue.ENGAGE_ROOM) > 0 and statuses.count(c2_glue.ENGAGED) > 0  # grown, called again
    assert fast.to_pandas().equals(roomy.to_pandas())
    assert slow.to_pandas().equals(roomy.to_pandas())


def test_fratricide_rows_as_step_by_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """A standalone S-400 under weapons free shoots the NATO patrol (test_iff_roe_scenarios): the
    compiled commit writes the Fratricide rows (cause chain) as the Python batches do."""
    fast, slow, _, in_python, step_by_step = _both_ways(monkeypatch, scenario(S400, "weapons_free"), 5)
    assert in_python < step_by_step
    assert int(np.sum(_kinds(fast) == "Fratricide")) > 0
    assert fast.to_pandas().equals(slow.to_pandas())


def test_priority_order_kernel_is_numpys_lexsort() -> None:
    """Value at risk descending, then time to go, then track id, ties stable; ∞ and NaN as NumPy sorts."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(0, 9))
        var = rng.choice([0.0, 1.0, 2.5, np.inf, np.nan], n)
        tgo = rng.choice([3.0, 7.0, np.inf, np.nan], n)
        tid = rng.integers(0, 3, n)
        want = np.lexsort((tid, tgo, -var)).tolist()  # NumPy's sort: the independent reference
        assert tewa.priority_order_kernel(var, tgo, tid).tolist() == want
        assert tewa.priority_order(var, tgo, tid).tolist() == want
