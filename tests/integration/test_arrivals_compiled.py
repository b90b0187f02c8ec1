"""Phase 5's arrivals in the tick loop (``c2_glue.resolve_arrivals``) against the Python path.

Where NumPy's own float64 exp loop was found (``npmath.NUMPY_EXP_LOOP``), the tick loop resolves
the rounds arriving in a tick itself (geometry, aim, draws, Pk = Pk₀ exp(arg) with that loop,
outcomes, Intercept / Miss / Fratricide rows, assessment times) and releases the idle fire-control
radars; ``run._COMPILED_ARRIVALS`` off, it hands them to ``engine.run._resolve``, which takes the
exponential with ``np.exp`` in Python between the same kernels. Each test runs a scenario both
ways and expects the same events to the byte, and checks that the loop really resolved them
(no arrival reaches Python with the switch on).
"""

from __future__ import annotations

import numpy as np
import pytest

from iadsim import npmath
from iadsim.engine import run as run_mod
from iadsim.scenario.load import load_scenario

from test_iff_roe_scenarios import S400, scenario

pytestmark = pytest.mark.skipif(npmath.NUMPY_EXP_LOOP is None, reason="NumPy's exp loop not found here")


def _both_ways(monkeypatch: pytest.MonkeyPatch, sc, seed: int) -> tuple:  # noqa: ANN001
    """(events in the loop, events in Python, ``_resolve`` calls in the loop run, in the Python run)."""
    calls = [0]
    orig = run_mod._resolve

    def spy(*args, **kw):  # noqa: ANN002, ANN003, ANN202
        calls[0] += 1
        return orig(*args, **kw)

    monkeypatch.setattr(run_mod, "_resolve", spy)
    fast = run_mod.simulate(sc, seed=seed).events
    in_loop_run = calls[0]
    monkeypatch.setattr(run_mod, "_COMPILED_ARRIVALS", False)
    slow = run_mod.simulate(sc, seed=seed).events
    return fast, slow, in_loop_run, calls[0] - in_loop_run


def _kinds(events) -> np.ndarray:  # noqa: ANN001
    return events.column("kind").to_numpy(zero_copy_only=False)


@pytest.mark.parametrize(("name", "seed"), [("turkey-2017", 5), ("turkey-2017-integrated", 0),
                                            ("adana-patriot-small", 1)])  # fmt: skip
def test_bundled_scenarios_same_events(monkeypatch: pytest.MonkeyPatch, name: str, seed: int) -> None:
    """Smooth Earth without a network, with the network (the decision in Python), and the small case."""
    fast, slow, in_loop_run, in_python_run = _both_ways(monkeypatch, load_scenario(name), seed)
    assert in_loop_run == 0 < in_python_run  # the loop resolved every arrival itself
    k = _kinds(fast)
    assert int(np.sum(k == "Intercept")) > 0 and int(np.sum(k == "Miss")) > 0
    assert fast.to_pandas().equals(slow.to_pandas())  # (NaN where NaN: pandas' equality)
    assert not fast.to_pandas().equals(fast.slice(1).to_pandas())  # the comparison can fail


def test_fratricide_rows_as_in_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """A standalone S-400 under weapons free shoots the NATO patrol (test_iff_roe_scenarios): the
    loop's arrivals write the friendly kills' Fratricide rows as the Python path does."""
    fast, slow, in_loop_run, in_python_run = _both_ways(monkeypatch, scenario(S400, "weapons_free"), 5)
    assert in_loop_run == 0 < in_python_run
    assert int(np.sum(_kinds(fast) == "Fratricide")) > 0
    assert fast.to_pandas().equals(slow.to_pandas())


def test_without_midcourse_updates_same_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """The aim at the launch PIP (no track updates in flight): the loop reads the scenario's flag."""
    base = load_scenario("turkey-2017")
    data = base.model_dump()
    data["fidelity"]["midcourse_updates"] = False
    sc = type(base).model_validate(data)
    fast, slow, in_loop_run, _ = _both_ways(monkeypatch, sc, 5)
    assert in_loop_run == 0
    assert fast.to_pandas().equals(slow.to_pandas())
    with_updates = run_mod.simulate(base, seed=5).events
    miss = fast.column("range_m").to_numpy()[_kinds(fast) == "Miss"]
    miss_u = with_updates.column("range_m").to_numpy()[_kinds(with_updates) == "Miss"]
    assert not np.array_equal(miss, miss_u)  # the flag changes the outcomes
