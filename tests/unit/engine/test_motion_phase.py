"""Phase 1 as one compiled call (engine/motion_phase.motion_tick on a MotionPhase) against the former Python rules.

The reference below is the motion block of ``engine/run.py::_run`` before it was compiled
(launch test and Launch_Threat rows, arrivals and their Leak rows, route ends, the active mask,
and the next-due bounds), kept here as the independent reference; plus a hand case.
"""

from __future__ import annotations

import numpy as np

from iadsim.engine import motion_phase
from iadsim.engine.events import EventKind, EventLog
from iadsim.rng_kernels import states_of
from iadsim.threats.motion_kernel import EMPTY_BALLISTIC, EMPTY_ROUTE

_NONE = (*EMPTY_ROUTE, *EMPTY_BALLISTIC)


def _never(a: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(a), np.inf, a)


def _first(a: np.ndarray) -> float:
    return float(a.min()) if len(a) else np.inf


def _python_motion(t, pos, launch, arrival, end, asset, n_h, launched, alive, done, nxt, log, dmg=None):
    """The former Python motion block, on the caller's arrays; ``dmg`` = (one Generator per hostile,
    p_damage, asset value, asset destroyed): the damage draws and Impact rows."""
    if nxt[0] <= t:
        new = ~launched & (launch <= t)
        if new.any():
            idx = np.flatnonzero(new)
            launched[idx] = True
            idx = idx[idx < n_h]
            log.emit(EventKind.Launch_Threat, launch[idx], threat=idx, x_m=pos[idx, 0], y_m=pos[idx, 1],
                     z_m=pos[idx, 2])  # fmt: skip
        nxt[0] = _first(_never(launch)[~launched])
    arriving = launched & alive & ~done & (arrival <= t) if nxt[1] <= t else None
    leak = np.zeros(0, np.int64)
    if arriving is not None and arriving.any():
        leak = np.flatnonzero(arriving)
        done[leak] = True
        log.emit(EventKind.Leak, arrival[leak], threat=leak, asset=asset[leak])
        if dmg is not None:
            gens, p_damage, value, destroyed = dmg
            u_dmg = np.array([gens[i].random() for i in leak])
            hit = u_dmg < p_damage[leak]
            lost = np.zeros(len(leak))
            for j in np.flatnonzero(hit):  # sequential: the first hit destroys the asset
                a = asset[leak][j]
                if not destroyed[a]:
                    destroyed[a] = True
                    lost[j] = value[a]
            log.emit(EventKind.Impact, arrival[leak], threat=leak, asset=asset[leak], value=lost,
                     x_m=pos[leak, 0], y_m=pos[leak, 1], z_m=pos[leak, 2])  # fmt: skip
    if arriving is not None:
        nxt[1] = _first(_never(arrival)[~done])
    if nxt[2] <= t:
        done |= launched & (end <= t)
        nxt[2] = _first(_never(end)[~done])
    return launched & alive & ~done, leak


def _columns(log: EventLog) -> dict:
    tbl = log.table()
    return {c: tbl.column(c).to_numpy(zero_copy_only=False) for c in tbl.column_names}


def test_motion_tick_matches_the_former_python_rules() -> None:
    rng = np.random.default_rng(7)
    n, n_h = 40, 30
    launch = rng.uniform(0.0, 50.0, n)
    arrival = launch + rng.uniform(5.0, 80.0, n)
    end = np.where(np.arange(n) >= n_h, launch + rng.uniform(5.0, 60.0, n), np.nan)  # friendlies land
    launch[3], arrival[5], arrival[n_h + 1] = np.nan, np.nan, np.inf  # never launched / never arrives
    asset = rng.integers(-1, 4, n).astype(np.int64)
    st = [np.zeros(n, bool), np.ones(n, bool), np.zeros(n, bool)]  # launched, alive, done
    ref = [a.copy() for a in st]
    nxt = np.array([_first(_never(launch)), _first(_never(arrival)), _first(_never(end))])
    nxt_ref = nxt.copy()
    active = np.zeros(n, bool)
    leakers = np.zeros(n, np.int64)
    flying, arrived = np.zeros(n, bool), np.zeros(n, bool)
    log, log_ref = EventLog(), EventLog()
    n_leaks = 0
    pos, vel = np.zeros((n, 3)), np.zeros((n, 3))
    gens = [np.random.Generator(np.random.PCG64(100 + i)) for i in range(n)]  # the damage streams
    p_damage, value = rng.uniform(0.0, 1.0, n), np.array([10.0, 20.0, 30.0, 40.0])
    destroyed, destroyed_ref = np.zeros(4, bool), np.zeros(4, bool)
    mp = motion_phase.motion_phase(_NONE, pos, vel, flying, arrived, launch, arrival, end, asset, n_h, *st, active, nxt,
                                   leakers, p_damage, value, destroyed, states_of(gens))  # fmt: skip
    for k in range(1, 200):
        t = 0.5 * k
        pos[:] = rng.normal(size=(n, 3)) * 1e6  # the state kernel writes no row here (no tables)
        if k == 40:  # an interceptor kill between ticks: no leak of the dead
            st[1][[0, 7, 12]] = False
            ref[1][[0, 7, 12]] = False
        m = motion_phase.motion_tick(t, mp, log.buf)
        act_ref, leak_ref = _python_motion(t, pos, launch, arrival, end, asset, n_h, *ref, nxt_ref, log_ref,
                                           (gens, p_damage, value, destroyed_ref))  # fmt: skip
        np.testing.assert_array_equal(leakers[:m], leak_ref)
        n_leaks += m
        for a, b in zip(st, ref):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(active, act_ref)
        np.testing.assert_array_equal(nxt, nxt_ref)
    assert n_leaks > 10 and st[0].sum() == n - 1
    np.testing.assert_array_equal(destroyed, destroyed_ref)
    assert destroyed.any() and not destroyed.all()  # hits and misses both happened
    a, b = _columns(log), _columns(log_ref)
    assert a.keys() == b.keys()
    for c in a:
        np.testing.assert_array_equal(a[c], b[c], err_msg=c)


def test_motion_tick_hand_case() -> None:
    """Three objects (two hostile, one friendly), dt = 1 s: launches at 1 and 2 s (the friendly at
    2 s, silently), the first hostile arrives at 3 s (Leak), the friendly lands at 4 s."""
    launch, arrival = np.array([1.0, 2.0, 2.0]), np.array([3.0, 10.0, np.inf])
    end = np.array([np.nan, np.nan, 4.0])
    asset = np.array([2, 0, -1], np.int64)
    launched, alive, done, active = np.zeros(3, bool), np.ones(3, bool), np.zeros(3, bool), np.zeros(3, bool)
    nxt = np.array([1.0, 3.0, 4.0])
    leakers = np.zeros(3, np.int64)
    log = EventLog()
    pos, vel = np.arange(9.0).reshape(3, 3), np.zeros((3, 3))
    seen = []
    mp = motion_phase.motion_phase(_NONE, pos, vel, np.zeros(3, bool), np.zeros(3, bool), launch, arrival, end, asset, 2,
                                   launched, alive, done, active, nxt, leakers, np.array([1.0, 1.0, 0.0]),
                                   np.array([5.0, 6.0, 7.0]), np.zeros(3, bool), np.zeros((2, 4), np.uint64) + 1)  # fmt: skip
    for t in (1.0, 2.0, 3.0, 4.0):
        m = motion_phase.motion_tick(t, mp, log.buf)
        seen.append((m, active.tolist()))
    assert seen == [(0, [True, False, False]), (0, [True, True, True]), (1, [False, True, True]),
                    (0, [False, True, False])]  # fmt: skip
    assert nxt.tolist() == [np.inf, 10.0, np.inf]
    c = _columns(log)
    assert c["kind"].tolist() == ["Launch_Threat", "Launch_Threat", "Leak", "Impact"]
    assert c["threat"].tolist() == [0, 1, 0, 0] and c["time_s"].tolist() == [1.0, 2.0, 3.0, 3.0]
    assert c["asset"].tolist() == [-1, -1, 2, 2] and c["x_m"][:2].tolist() == [0.0, 3.0]
    assert c["value"][3] == 7.0 and c["x_m"][3] == 0.0  # p_damage 1: the asset (value 7) is destroyed at the impact point


def test_motion_tick_states_are_the_movers() -> None:
    """With the mover's tables, motion_tick writes the mover's own state into the shared arrays."""
    from iadsim.engine.world import compile_world
    from iadsim.rng import make_streams
    from iadsim.scenario.catalog import load_catalog
    from iadsim.scenario.load import load_scenario
    from iadsim.threats.motion import kernel_tables

    th = compile_world(load_scenario("turkey-2017"), load_catalog(), make_streams(1)).sensed
    n = len(th)
    pos, vel, fl, ar = np.zeros((n, 3)), np.zeros((n, 3)), np.zeros(n, bool), np.zeros(n, bool)
    nan = np.full(n, np.nan)
    mp = motion_phase.motion_phase(kernel_tables(th.mover), pos, vel, fl, ar, nan, nan, nan, np.zeros(n, np.int64), n,
                                   np.zeros(n, bool), np.ones(n, bool), np.zeros(n, bool), np.zeros(n, bool),
                                   np.full(3, np.inf), np.zeros(n, np.int64), np.zeros(n), np.zeros(0), np.zeros(0, bool),
                                   np.zeros((n, 4), np.uint64))  # fmt: skip
    log = EventLog()
    for t in (0.0, 300.0, 612.5, 1500.0):
        assert motion_phase.motion_tick(t, mp, log.buf) == 0
        s = th.mover.state(t)
        assert pos.tobytes() == s.pos_ecef_m.tobytes() and vel.tobytes() == s.vel_ecef_mps.tobytes()
        assert np.array_equal(fl, s.flying) and np.array_equal(ar, s.arrived)
    assert len(log) == 0
