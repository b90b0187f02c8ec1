"""kill_assessment's compiled outcome rules against the former NumPy formulation (kept here)."""

from __future__ import annotations

import numpy as np

from iadsim.weapons import kill_assessment as ka
from iadsim.weapons.flyout import kill_probability


def _first_kill_reference(threat: np.ndarray, success: np.ndarray) -> np.ndarray:
    R = len(threat)
    if R == 0:
        return np.zeros(0, bool)
    order = np.lexsort((np.arange(R), threat))
    ts = threat[order]
    succ_o = success[order]
    starts = np.flatnonzero(np.r_[True, ts[1:] != ts[:-1]])
    cum = np.cumsum(succ_o)
    offset = np.repeat(np.r_[0, cum][starts], np.diff(np.r_[starts, R]))
    before = cum - succ_o - offset
    kill = np.zeros(R, bool)
    kill[order] = succ_o & (before == 0)
    return kill


def _resolve_reference(pk0, basket, miss, valid, alive, guided, threat, u):  # type: ignore[no-untyped-def]
    live = valid & alive & guided
    miss = np.where(np.isfinite(miss), miss, np.inf)
    pk = np.where(live, kill_probability(pk0, miss, basket), 0.0)
    success = u < pk
    kill = _first_kill_reference(threat, success)
    pk = np.where(success & ~kill, 0.0, pk)
    reason = np.full(len(pk0), ka.PK_DRAW, np.int64)
    reason = np.where(~guided, ka.GUIDANCE_LOST, reason)
    reason = np.where(valid & (~alive | (success & ~kill)), ka.TARGET_ALREADY_DEAD, reason)
    reason = np.where(~valid, ka.FALSE_TARGET, reason)
    reason = np.where(kill, -1, reason)
    return kill, pk, reason


def test_outcome_equals_the_numpy_formulation() -> None:
    rng = np.random.default_rng(9)
    for _ in range(400):
        R = int(rng.integers(0, 9))
        pk0 = rng.uniform(0.3, 1.0, R)
        basket = rng.uniform(5.0, 20.0, R)
        miss = np.where(rng.random(R) < 0.1, np.nan, rng.uniform(0.0, 30.0, R))
        valid, alive, guided = rng.random(R) < 0.9, rng.random(R) < 0.8, rng.random(R) < 0.85
        threat = np.where(valid, rng.integers(0, 3, R), -1)
        u = rng.random(R)
        got = ka.resolve(pk0, basket, miss, valid, alive, guided, threat, u)
        ref = _resolve_reference(pk0, basket, miss, valid, alive, guided, threat, u)
        for a, b in zip(got, ref):
            assert a.tolist() == b.tolist()
        s = rng.random(R) < 0.6
        assert ka.first_kill_per_threat(threat, s).tolist() == _first_kill_reference(threat, s).tolist()
