"""The compiled tick loop (engine/tick_loop.py): it hands back to Python only for Python work, and
a scan it hands back (the batched assignment) resumes in Python to the same events."""

from __future__ import annotations

import numpy as np
import pytest

import iadsim.engine.run as run_mod
from iadsim.engine import tick_loop
from iadsim.engine.run import simulate
from iadsim.tracking import association as _association


def _events(res: object) -> object:
    return res.events.to_pandas()  # type: ignore[attr-defined]


def _needs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The need of every return of the compiled loop from now on (the real loop, recorded)."""
    needs: list[int] = []
    real = tick_loop.run_ticks

    def counting(*a):  # noqa: ANN002, ANN202
        out = real(*a)
        needs.append(int(out[2]))
        return out

    monkeypatch.setattr(tick_loop, "run_ticks", counting)
    return needs


def test_quiet_ticks_stay_in_compiled_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """Most ticks of the bundled raid need nothing from Python: far fewer loop calls than ticks,
    and each call that hands back names a need the Python side handles."""
    calls = _needs(monkeypatch)
    res = simulate("turkey-2017", seed=2017)
    ticks = int(np.max(np.asarray(res.events.column("time_s")))) // int(res.world.dt_s)
    assert calls[-1] in (tick_loop.DONE, tick_loop.QUIET)
    assert len(calls) < ticks / 3  # whole ticks ran without a Python call
    assert set(calls) <= set(range(17)) and tick_loop.SENSE_PY not in calls  # one-call sensing: smooth Earth


def test_batched_assignment_round_resumes_in_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """A round with more ambiguous tracks than the compiled assignment takes is handed back
    (need LSA), solved by the batched assignment and the scan resumed in Python: the events are
    those of the run that solved every round in the kernel (both assignments are optimal)."""
    ref = simulate("turkey-2017", seed=2017)
    handed: list[int] = []
    real = run_mod._lsa_python

    def counting(*a):  # noqa: ANN002, ANN202
        handed.append(1)
        return real(*a)

    monkeypatch.setattr(run_mod, "_lsa_python", counting)
    monkeypatch.setattr(_association, "_LSA_BATCH_TRACKS", 1)
    res = simulate("turkey-2017", seed=2017)
    assert handed  # the scan was handed back and resumed
    assert _events(res).equals(_events(ref))


@pytest.mark.parametrize(("name", "seed"), [("turkey-2017-integrated", 0), ("turkey-2017-standalone", 1)])
def test_network_sensing_in_the_loop_is_the_python_path(monkeypatch: pytest.MonkeyPatch, name: str, seed: int) -> None:
    """Sensing with networks in compiled code (search looks, dwells, the remote-track acquisition
    rule, cue dwells, the merge) gives the events of the step-by-step Python path, guidance
    losses (handed back mid-phase) included."""
    needs = _needs(monkeypatch)
    compiled = simulate(name, seed=seed)
    assert tick_loop.SENSE_NET_LOST in needs and tick_loop.SENSE_PY not in needs
    monkeypatch.setattr(run_mod, "_NETWORK_SENSING_COMPILED", False)
    needs.clear()
    python = simulate(name, seed=seed)
    assert tick_loop.SENSE_PY in needs
    assert _events(compiled).equals(_events(python))
    assert compiled.track_quality.to_pandas().equals(python.track_quality.to_pandas())


@pytest.mark.parametrize(("name", "clutter", "seed"), [("turkey-2017", 2.0, 2017), ("turkey-2017", 0.7, 3),
                                                       ("turkey-2017-integrated", 2.0, 2017)])  # fmt: skip
def test_clutter_sensing_in_the_loop_is_the_python_path(monkeypatch: pytest.MonkeyPatch, name: str, clutter: float,
                                                         seed: int) -> None:  # fmt: skip
    """False alarms drawn in the one-call sensing phase, and with a network in
    tick_loop.network_sensing (radar.false_alarm_kernel both), give the events, picture samples and
    track states of the step-by-step Python path (radar.false_alarms): the same draws on the radars'
    streams, the same bits (false tracks and their engagements included)."""
    import iadsim
    from iadsim.scenario.load import load_scenario

    sc = load_scenario(name)
    sc = sc.model_copy(update={"tracking": sc.tracking.model_copy(update={"clutter_per_scan": clutter})})
    needs = _needs(monkeypatch)
    compiled = iadsim.simulate(sc, seed=seed)
    assert tick_loop.SENSE_PY not in needs
    monkeypatch.setattr(run_mod, "_CLUTTER_SENSING_COMPILED", False)
    needs.clear()
    python = iadsim.simulate(sc, seed=seed)
    assert tick_loop.SENSE_PY in needs
    ev = _events(compiled)
    assert (ev["kind"] == "Detection").sum() > 0 and compiled.summary["tracking"]["false_alarms"] > 100
    assert ev.equals(_events(python))
    assert compiled.track_quality.to_pandas().equals(python.track_quality.to_pandas())
    assert compiled.track_states.to_pandas().equals(python.track_states.to_pandas())
