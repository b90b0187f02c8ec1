"""The quiescent fast-forward (engine/run.py _quiescent) ends the tick loop early and changes nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest

import iadsim.engine.run as run_mod
from iadsim.engine.run import simulate


def _run(monkeypatch: pytest.MonkeyPatch, name: object, seed: int, fast: bool) -> tuple[object, list[float]]:
    monkeypatch.setattr(run_mod, "_QUIET_FAST_FORWARD", fast)
    ticks: list[int] = []  # the progress reports: one per tick run (the compiled loop hands back for each),
    res = simulate(name, seed=seed, progress=lambda k, K: ticks.append(k))  # then (K, K) after a fast-forward
    if len(ticks) > 1 and ticks[-1] - ticks[-2] > 1:
        ticks = ticks[:-1]  # the fast-forward's closing report: not a tick run
    return res, [k * res.world.dt_s for k in ticks]


@pytest.mark.parametrize(("name", "seed"), [("adana-patriot-small", 0), ("adana-patriot-small", 3),
                                            ("turkey-2017-integrated", 0)])
def test_fast_forward_identical_and_early(monkeypatch: pytest.MonkeyPatch, name: str, seed: int) -> None:
    slow, t_slow = _run(monkeypatch, name, seed, False)
    fast, t_fast = _run(monkeypatch, name, seed, True)
    assert slow.events.to_pandas().equals(fast.events.to_pandas())  # NaN-aware, every column
    assert slow.track_quality.to_pandas().equals(fast.track_quality.to_pandas())  # every sample, to the last tick
    assert slow.track_quality.num_rows and slow.track_states.to_pandas().equals(fast.track_states.to_pandas())
    assert json.dumps(slow.summary, sort_keys=True, default=str) == json.dumps(fast.summary, sort_keys=True, default=str)
    K = slow.world.n_ticks
    dt = slow.world.dt_s
    assert max(t_slow) == K * dt  # without the fast-forward every tick runs
    # the raid is over well before the end: the loop stops soon after the last event
    last = float(np.max(np.asarray(fast.events.column("time_s"))))
    assert last <= max(t_fast) < K * dt


def test_no_fast_forward_with_clutter(monkeypatch: pytest.MonkeyPatch) -> None:
    # false alarms are drawn on every scan whether or not a target exists: the loop must run on
    import iadsim

    sc = iadsim.load_scenario("adana-patriot-small")
    sc = sc.model_copy(update={"tracking": sc.tracking.model_copy(update={"clutter_per_scan": 1.0})})
    res, ticks = _run(monkeypatch, sc, 0, True)
    assert max(ticks) == res.world.n_ticks * res.world.dt_s


def test_no_fast_forward_before_a_scheduled_network_event(monkeypatch: pytest.MonkeyPatch) -> None:
    # a C2-node failure scheduled after the raid needs no target: it must still happen, on time
    import iadsim

    sc = iadsim.load_scenario("turkey-2017-integrated")
    net = sc.networks[0].model_copy(update={"c2_node_fail_s": 1700.0})
    sc = sc.model_copy(update={"networks": [net]})
    slow, _ = _run(monkeypatch, sc, 0, False)
    fast, ticks = _run(monkeypatch, sc, 0, True)
    ev = fast.events.to_pandas()
    assert (ev.kind == "C2NodeFailed").sum() == 1 and ev.time_s[ev.kind == "C2NodeFailed"].iloc[0] == 1700.0
    assert slow.events.to_pandas().equals(ev)

