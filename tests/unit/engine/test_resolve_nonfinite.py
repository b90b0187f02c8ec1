"""Salvo resolution with a non-finite aim point (a diverged estimate): a miss with Pk 0, no crash."""

from __future__ import annotations

import numpy as np

from iadsim.engine.events import EventLog
from iadsim.engine.run import _resolve, _Shots
from iadsim.engine.world import compile_world
from iadsim.rng import make_streams
from iadsim.scenario.catalog import load_catalog
from iadsim.scenario.load import load_scenario


def test_nan_aim_point_is_a_miss() -> None:
    sc = load_scenario("adana-patriot-small")
    streams = make_streams(1)
    world = compile_world(sc, load_catalog(), streams)
    n = len(world.threats)
    pos = np.zeros((n, 3))
    vel = np.zeros((n, 3))
    shots = _Shots()
    shots.add(id=np.array([0, 1]), fu=np.array([0, 0]), itype=np.array([0, 0]), track=np.array([0, 0]),
              threat=np.array([0, 1]), t_int=np.array([5.0, 5.0]), pk0=np.array([1.0, 1.0]),
              basket=np.array([10.0, 10.0]), seq=np.array([0, 1]), pip=np.array([[np.nan, 0, 0], [0.0, 0, 0]]))  # fmt: skip
    alive = np.ones(n, bool)
    done = np.zeros(n, bool)
    log = EventLog()
    _resolve(world, shots, 5.0, pos, vel, alive, done, log, streams, None)
    ev = log.table().to_pydict()
    kinds = dict(zip(ev["shot"], ev["kind"]))
    assert kinds == {0: "Miss", 1: "Intercept"}  # the NaN shot misses; the exact one (Pk 1) kills
    assert alive[0] and not alive[1]
    pk = dict(zip(ev["shot"], ev["pk"]))
    assert pk[0] == 0.0
