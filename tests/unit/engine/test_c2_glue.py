"""The C2 glue kernels (engine/c2_glue.py) against the NumPy compositions they replace, and hand cases."""

from __future__ import annotations

import numpy as np

from iadsim.arrayops import isin_small
from iadsim.c2 import fire_control
from iadsim.c2.network import engageable_remote_kernel
from iadsim.engine import c2_glue
from iadsim.engine.events import EventKind, EventLog
from iadsim.weapons.launchers import LauncherState, LauncherTable


def test_assessments_due_hand_case() -> None:
    pending = np.array([False, False, True, False, False])
    assessed = np.array([False, False, False, True, False])
    t_assess = np.array([9.0, 8.0, 1.0, 1.0, 10.0 + 5e-10])
    seq = np.array([0, 1, 2, 3, 4])
    # 2: still in flight; 3: already assessed; 4: due within the 1e-9 tolerance; 1 before 0 (time)
    assert c2_glue.assessments_due(pending, assessed, t_assess, seq, 5, 10.0).tolist() == [1, 0, 4]
    assert c2_glue.assessments_due(pending, assessed, t_assess, seq, 5, 7.0).tolist() == []


def test_arrivals_due_orders_ties_by_seq() -> None:
    pending = np.array([True, True, True, False, True])
    t_int = np.array([5.0, 5.0, 4.0, 1.0, 6.0])
    seq = np.array([7, 3, 9, 0, 1])
    assert c2_glue.arrivals_due(pending, t_int, seq, 5, 5.0).tolist() == [2, 1, 0]
    assert c2_glue.arrivals_due(pending, t_int, seq, 2, 5.0).tolist() == [1, 0]  # only rows < n


def test_due_kernels_equal_the_numpy_rule() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        cap = int(rng.integers(1, 30))
        n = int(rng.integers(0, cap + 1))
        pending, assessed = rng.random(cap) < 0.5, rng.random(cap) < 0.5
        t_key = np.round(rng.uniform(0, 10, cap), 0)  # ties
        seq = rng.permutation(cap).astype(np.int64)
        t = float(rng.uniform(0, 10))
        ref = np.flatnonzero(~pending[:n] & ~assessed[:n] & (t_key[:n] <= t + 1e-9))
        ref = ref[np.lexsort((seq[ref], t_key[ref]))]
        assert c2_glue.assessments_due(pending, assessed, t_key, seq, n, t).tolist() == ref.tolist()
        ref = np.flatnonzero(pending[:n] & (t_key[:n] <= t + 1e-9))
        ref = ref[np.lexsort((seq[ref], t_key[ref]))]
        assert c2_glue.arrivals_due(pending, t_key, seq, n, t).tolist() == ref.tolist()


def _engageable_reference(alive, size, confirmed, misses, t_upd, revisit, site, t, dt, obj, reopen, net):  # type: ignore[no-untyped-def]
    """The engine's former NumPy chain (engageable_tracks → engageable_remote → believed_alive)."""
    live = np.flatnonzero(alive[:size])
    conf = fire_control.engageable_tracks(live, confirmed, misses, t_upd, revisit, site, t, dt)
    if net is not None:
        remote, site_network, up, delivered, update_s = net
        conf = engageable_remote_kernel(conf, remote, alive, confirmed, size, site, site_network, up, delivered,
                                        update_s, t, dt)  # fmt: skip
    return conf[fire_control.believed_alive(reopen[obj[conf]], t_upd[conf])]


def test_engageable_rows_equals_the_rule_chain() -> None:
    rng = np.random.default_rng(11)
    no_net = (np.zeros(0, bool), np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0), np.zeros(0))
    for _ in range(300):
        cap = int(rng.integers(1, 25))
        size = int(rng.integers(0, cap + 1))
        n_sites = 3
        alive, confirmed = rng.random(cap) < 0.7, rng.random(cap) < 0.7
        misses = rng.integers(0, 2, cap)
        t = 100.0
        t_upd = t - rng.choice([0.0, 5.0, 11.0, 30.0], cap)
        revisit = np.array([10.0, 4.0, 30.0])
        site = rng.integers(0, n_sites, cap)
        obj = rng.integers(0, cap, cap)
        reopen = np.where(rng.random(cap) < 0.3, t - rng.choice([-1.0, 2.0, 8.0], cap), np.nan)
        net = None
        if rng.random() < 0.5:
            net = (rng.random(cap) < 0.4, np.array([0, -1, 1]), rng.random(2) < 0.7,
                   t - rng.choice([0.0, 3.0, 12.0], cap), np.array([4.0, 10.0]))
        got = c2_glue.engageable_rows(alive, size, confirmed, misses, t_upd, revisit, site, t, 1.0, obj, reopen,
                                      net is not None, *(net if net is not None else no_net))  # fmt: skip
        ref = _engageable_reference(alive, size, confirmed, misses, t_upd, revisit, site, t, 1.0, obj, reopen, net)
        assert got.tolist() == ref.tolist()


def test_engageable_rows_hand_case() -> None:
    alive = np.array([True, True, True, True, False])
    confirmed = np.array([True, True, True, False, True])
    misses = np.array([0, 0, 1, 0, 0])
    t_upd = np.array([100.0, 100.0, 100.0, 100.0, 100.0])
    obj = np.array([0, 1, 2, 3, 4])
    reopen = np.array([np.nan, 100.0, np.nan, np.nan, np.nan])  # row 1: assessed dead, not updated since
    no_net = (np.zeros(0, bool), np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0), np.zeros(0))
    got = c2_glue.engageable_rows(alive, 5, confirmed, misses, t_upd, np.array([10.0]), np.zeros(5, np.int64), 100.0,
                                  1.0, obj, reopen, False, *no_net)  # fmt: skip
    assert got.tolist() == [0]  # 1 believed dead, 2 missed a look, 3 tentative, 4 dropped


def test_release_idle_equals_the_numpy_rule() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        cap = int(rng.integers(1, 20))
        radar = np.where(rng.random(cap) < 0.5, rng.integers(0, 3, cap), -1)
        missed = rng.integers(0, 4, cap)
        n_sh = int(rng.integers(0, 10))
        pending, assessed = rng.random(n_sh + 2) < 0.3, rng.random(n_sh + 2) < 0.5
        target = rng.integers(-1, cap, n_sh + 2)
        r_ref, m_ref = radar.copy(), missed.copy()
        m = np.flatnonzero(r_ref >= 0)
        busy = np.flatnonzero(pending[:n_sh] | ~assessed[:n_sh])
        idle = m[~isin_small(m, target[busy])]
        r_ref[idle], m_ref[idle] = -1, 0
        c2_glue.release_idle(radar, missed, pending, assessed, target, n_sh)
        assert radar.tolist() == r_ref.tolist() and missed.tolist() == m_ref.tolist()


def test_launcher_tick_is_reloads_then_ready_rounds() -> None:
    table = LauncherTable(fire_unit=np.array([0, 0, 1]), itype=np.array([0, 1, 0]), capacity=np.array([4, 4, 4]),
                          initial_rounds=np.array([4, 0, 2]), reload_time_s=np.array([60.0, 60.0, 60.0]))  # fmt: skip
    a, b = LauncherState(table, np.zeros((2, 2), np.int64)), LauncherState(table, np.zeros((2, 2), np.int64))
    for st in (a, b):
        st.reload_n[1], st.ready_at_s[1] = 3, 50.0  # launcher 1 finishes its reload at 50 s
        st.ready_at_s[2] = 70.0  # launcher 2 not ready before 70 s
    for t in (10.0, 50.0, 80.0):
        b.complete_reloads(t)
        assert a.tick(t, 2, 2).tolist() == b.ready_rounds(t, 2, 2).tolist()
    assert a.tick(50.0, 2, 2).tolist() == [[4, 3], [0, 0]]
    assert a.rounds.tolist() == b.rounds.tolist() == [4, 3, 2] and a.reload_n.tolist() == [0, 0, 0]


def test_emit_batch_length_and_unknown_columns() -> None:
    log = EventLog()
    log.emit(EventKind.Leak, 1.0, threat=np.array([3, 4]), asset=0)  # scalar columns broadcast
    log.emit(EventKind.LinkDown, 2.0, value=np.zeros(0))  # an empty batch adds nothing
    log.emit(EventKind.LinkUp, np.array([5.0, 6.0]))  # length from time_s
    log.emit(EventKind.C2NodeFailed, 7.0, value=1.0)  # all scalars: one event
    assert len(log) == 5
    tab = log.table().to_pydict()
    assert tab["kind"] == ["Leak", "Leak", "LinkUp", "LinkUp", "C2NodeFailed"]
    assert tab["threat"] == [3, 4, -1, -1, -1] and tab["asset"] == [0, 0, -1, -1, -1]
    assert tab["time_s"] == [1.0, 1.0, 5.0, 6.0, 7.0]
    try:
        log.emit(EventKind.Leak, 1.0, thread=np.array([1]))
    except TypeError as e:
        assert "thread" in str(e)
    else:  # pragma: no cover
        raise AssertionError("an unknown column was accepted")


def test_draw_per_unit_equals_per_unit_generator_draws() -> None:
    from iadsim.rng_kernels import states_of, store_states

    unit = np.array([2, 0, 2, 2, 1, 0])
    gens = [np.random.default_rng(s) for s in (10, 11, 12)]
    ref_gens = [np.random.default_rng(s) for s in (10, 11, 12)]
    # the former loop: per distinct unit, rngs[f].random(k) into that unit's entries in order
    ref = np.empty(len(unit))
    for f in np.unique(unit):
        m = unit == f
        ref[m] = ref_gens[int(f)].random(int(m.sum()))
    st = states_of(gens)
    assert c2_glue.draw_per_unit(st, unit).tolist() == ref.tolist()
    store_states(gens, st)  # handed back: each Generator continues where the kernel stopped
    assert [g.random() for g in gens] == [g.random() for g in ref_gens]


def _decision_due_reference(t: float, dt: float, interval_s: float) -> bool:
    """The NumPy rule the compiled decision_due replaced (kept here as the reference)."""
    if interval_s <= dt + 1e-12:
        return True
    eps = 1e-9 * max(1.0, t)
    return bool(np.floor((t + eps) / interval_s) > np.floor((t - dt + eps) / interval_s))


def test_decision_due_grid_hand_case_and_reference() -> None:
    # interval 5 s, dt 1 s: due exactly at 5, 10 …; every tick when interval ≤ dt
    assert [bool(c2_glue.decision_due(t, 1.0, 5.0)) for t in (4.0, 5.0, 6.0, 10.0)] == [False, True, False, True]
    assert bool(c2_glue.decision_due(3.0, 1.0, 1.0))
    rng = np.random.default_rng(11)
    for _ in range(300):
        dt = float(rng.choice([0.1, 0.5, 1.0, 2.0]))
        t, iv = dt * int(rng.integers(1, 2000)), float(rng.choice([0.1, 1.0, 2.5, 3.0, 7.0]))
        assert bool(c2_glue.decision_due(t, dt, iv)) == _decision_due_reference(t, dt, iv)


def test_ready_phase_equals_the_numpy_chain() -> None:
    table = LauncherTable(fire_unit=np.array([0, 0, 1, 2]), itype=np.array([0, 1, 0, 1]),
                          capacity=np.array([4, 4, 4, 4]), initial_rounds=np.array([0, 0, 2, 1]),
                          reload_time_s=np.array([60.0] * 4))  # fmt: skip
    a, b = LauncherState(table, np.zeros((3, 2), np.int64)), LauncherState(table, np.zeros((3, 2), np.int64))
    for st in (a, b):
        st.reload_n[1], st.ready_at_s[1] = 3, 50.0  # unit 0: launcher 1 reloaded at 50 s
        st.ready_at_s[3] = 90.0  # unit 2's only launcher is not ready before 90 s
    next_ready = np.array([0.0, 0.0, 0.0])
    alive = np.array([True, True, False])
    confirmed = np.array([True, False, True])
    misses = np.zeros(3, np.int64)
    t_upd = np.array([50.0, 50.0, 50.0])
    obj = np.arange(3)
    reopen = np.full(3, np.nan)
    no_net = (np.zeros(0, bool), np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0), np.zeros(0))
    cols = (alive, 3, confirmed, misses, t_upd, np.array([10.0]), np.zeros(3, np.int64))
    for t in (10.0, 50.0, 95.0):
        conf, ready, mag, due = c2_glue.ready_phase(True, a.rounds, a.ready_at_s, a.reload_n, table.fire_unit,
                                                     table.itype, 3, 2, next_ready, *cols, t, 1.0, obj, reopen,
                                                     False, *no_net, 5.0)  # fmt: skip
        ref_mag = b.tick(t, 3, 2)
        ref_ready = np.flatnonzero(fire_control.ready_units(next_ready, t, ref_mag.sum(axis=1)))
        ref_conf = c2_glue.engageable_rows(*cols, t, 1.0, obj, reopen, False, *no_net)
        assert mag.tolist() == ref_mag.tolist() and ready.tolist() == ref_ready.tolist()
        assert conf.tolist() == ref_conf.tolist() and bool(due) == _decision_due_reference(t, 1.0, 5.0)
    assert ready.tolist() == [0, 1, 2]  # at 95 s unit 2's launcher is ready too
    # without launchers: the zero magazine, no unit ready
    _, ready, mag, _ = c2_glue.ready_phase(False, np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64),
                                           np.zeros(0, np.int64), np.zeros(0, np.int64), 3, 2, next_ready, *cols,
                                           95.0, 1.0, obj, reopen, False, *no_net, 5.0)  # fmt: skip
    assert mag.tolist() == [[0, 0]] * 3 and ready.tolist() == []
    # a unit whose launcher is still busy after its last salvo is not ready
    next_ready[1] = 200.0
    _, ready, _, _ = c2_glue.ready_phase(True, a.rounds, a.ready_at_s, a.reload_n, table.fire_unit, table.itype, 3, 2,
                                         next_ready, *cols, 95.0, 1.0, obj, reopen, False, *no_net, 5.0)  # fmt: skip
    assert ready.tolist() == [0, 2]


def test_arrivals_or_release_releases_only_when_nothing_arrives():
    """No round due: the idle radars are released in the same call; a round due: nothing released yet."""
    from iadsim.engine import c2_glue

    pending = np.array([True, False])
    assessed = np.array([False, True])
    target = np.array([0, 1], np.int64)
    t_int, seq = np.array([10.0, 5.0]), np.array([0, 1], np.int64)
    for t, n_due, released in ((5.0, 0, True), (10.0, 1, False)):
        radar = np.array([2, 3, -1], np.int64)  # object 1 has no busy round: idle; object 0 is engaged
        missed = np.array([1, 2, 0], np.int64)
        due = c2_glue.arrivals_or_release(pending, t_int, seq, 2, t, radar, missed, assessed, target)
        assert len(due) == n_due
        assert radar.tolist() == ([2, -1, -1] if released else [2, 3, -1])
        assert missed.tolist() == ([1, 0, 0] if released else [1, 2, 0])


def test_lose_guidance_cuts_guided_rounds_in_flight_at_the_lost_objects_only() -> None:
    """Rounds in flight and guided at a lost object lose guidance, one GuidanceLost row each in
    round order (reason base + the object's code, its last code when listed twice; the track of
    the object's live row or −1); a round at another object, an arrived one and an unguided one
    keep their state; the lost objects are no longer maintained."""
    log = EventLog()
    pending = np.array([True, True, True, False, True, True])
    target = np.array([2, 5, 2, 2, 7, 5], np.int64)
    guided = np.array([True, True, True, True, True, False])
    fu = np.array([0, 1, 0, 0, 1, 1], np.int64)
    shot_id = np.arange(10, 16, dtype=np.int64)
    shot_radar = np.array([3, 4, 3, 3, 4, 4], np.int64)
    threat = np.array([20, 21, 20, 20, 22, 21], np.int64)
    fc_row = np.full(8, -1, np.int64)
    fc_row[2] = 1  # object 2 has a live track row (id 101); object 5 has none
    track_id = np.array([100, 101, 102], np.int64)
    fc_radar = np.full(8, 3, np.int64)
    fc_missed = np.full(8, 2, np.int64)
    c2_glue.lose_guidance(np.array([2, 5, 2], np.int64), np.array([0, 1, 2], np.int64), 42.0, 6, pending, target,
                          guided, fu, shot_id, shot_radar, threat, fc_row, track_id, fc_radar, fc_missed, log.buf,
                          int(EventKind.GuidanceLost), 7)  # fmt: skip
    assert guided.tolist() == [False, False, False, True, True, False]
    tab = log.table().to_pydict()
    assert tab["kind"] == ["GuidanceLost"] * 3 and tab["time_s"] == [42.0] * 3
    assert tab["shot"] == [10, 11, 12] and tab["track"] == [101, -1, 101] and tab["sensor"] == [3, 4, 3]
    assert tab["threat"] == [20, 21, 20] and tab["fire_unit"] == [0, 1, 0]
    from iadsim.engine.events import REASONS

    assert tab["reason"] == [REASONS[9], REASONS[8], REASONS[9]]  # object 2: its last code (2)
    assert fc_radar.tolist() == [3, 3, -1, 3, 3, -1, 3, 3] and fc_missed.tolist() == [2, 2, 0, 2, 2, 0, 2, 2]


def _assess_case(retarget: np.ndarray, killed0: bool) -> tuple:
    """Round 0 (unit 0) arrived and its assessment is due at t = 50; rounds 1 (unit 1) and 3
    (unit 0) are in flight at the same object 4, round 2 (unit 1) at object 6; no assessment
    error, so the verdict is the truth ``killed0``."""
    from iadsim.engine.events import REASON_CODE
    from iadsim.rng_kernels import states_of

    log = EventLog()
    fu = np.array([0, 1, 1, 0], np.int64)
    killed = np.array([killed0, False, False, False])
    assessed = np.zeros(4, bool)
    pending = np.array([False, True, True, True])
    target = np.array([4, 4, 6, 4], np.int64)
    fc_row = np.full(8, -1, np.int64)
    fc_row[4] = 0
    track_id = np.array([900], np.int64)
    shot_id = np.arange(20, 24, dtype=np.int64)
    threat = np.array([3, 3, 5, 3], np.int64)
    t_assess = np.array([50.0, np.inf, np.inf, np.inf])
    reopen_at = np.full(8, -np.inf)
    itype = np.array([1, 0, 0, 1], np.int64)
    st = states_of([np.random.default_rng(1), np.random.default_rng(2)])
    sd = c2_glue.assess_phase(np.array([0], np.int64), 50.0, st, fu, killed, np.zeros(2), assessed, target, fc_row,
                              track_id, shot_id, threat, t_assess, log.buf, int(EventKind.KillAssessed),
                              int(REASON_CODE["assessed_dead"]), int(REASON_CODE["assessed_alive"]), reopen_at,
                              np.array([7.0, 9.0]), pending, 4, retarget, itype, int(EventKind.Miss),
                              int(REASON_CODE["self_destruct"]))  # fmt: skip
    return sd, log.table().to_pydict(), pending, assessed, reopen_at


def test_assess_phase_self_destructs_the_rounds_at_a_dead_target() -> None:
    """Assessed dead: the object is not re-engaged before t + the assessing unit's delay, and the
    rounds in flight at it (1 and 3, in round order, whatever their unit) self-destruct with a
    Miss row each; the round at another object (2) flies on."""
    sd, tab, pending, assessed, reopen_at = _assess_case(np.zeros(2, bool), True)
    assert sd.tolist() == []
    assert tab["kind"] == ["KillAssessed", "Miss", "Miss"] and tab["reason"] == ["assessed_dead", "self_destruct", "self_destruct"]
    assert tab["shot"] == [20, 21, 23] and tab["fire_unit"] == [0, 1, 0] and tab["interceptor_type"][1:] == [0, 1]
    assert tab["track"][0] == 900 and tab["time_s"] == [50.0] * 3 and tab["pk"][1:] == [0.0, 0.0]
    assert pending.tolist() == [False, False, True, False] and assessed.tolist() == [True, True, False, True]
    assert reopen_at[4] == 57.0 and np.isinf(reopen_at[6])


def test_assess_phase_hands_back_the_rounds_of_a_retarget_unit_and_keeps_the_living() -> None:
    """One of the rounds at the dead object belongs to a unit whose doctrine is retarget: they
    are returned untouched (Python retargets them); assessed alive, nothing happens to them."""
    sd, tab, pending, assessed, reopen_at = _assess_case(np.array([False, True]), True)
    assert sd.tolist() == [1, 3] and tab["kind"] == ["KillAssessed"]
    assert pending.tolist() == [False, True, True, True] and assessed.tolist() == [True, False, False, False]
    assert reopen_at[4] == 57.0
    sd, tab, pending, assessed, reopen_at = _assess_case(np.zeros(2, bool), False)
    assert sd.tolist() == [] and tab["kind"] == ["KillAssessed"] and tab["reason"] == ["assessed_alive"]
    assert pending.tolist() == [False, True, True, True] and np.isinf(reopen_at).all()


def test_resolve_arrivals_releases_the_idle_radars_after_the_round():
    """The tick a round arrives, its resolution ends with the release: object 1 (its round long
    assessed) is released at once, object 0 (its round just resolved, not yet assessed) is kept."""
    from iadsim.engine.eventbuf import EventBuf
    from iadsim.rng_kernels import states_of

    pending = np.array([True, False])
    assessed = np.array([False, True])
    target = np.array([0, 1], np.int64)
    threat = target.copy()
    t_int, seq = np.array([10.0, 5.0]), np.array([0, 1], np.int64)
    radar = np.array([2, 3, -1], np.int64)
    missed = np.array([1, 2, 0], np.int64)
    due = c2_glue.arrivals_or_release(pending, t_int, seq, 2, 10.0, radar, missed, assessed, target)
    assert due.tolist() == [0] and radar.tolist() == [2, 3, -1]  # not released yet: a round arrives
    pos = np.zeros((3, 3))
    vel = np.zeros((3, 3))
    alive, done = np.ones(3, bool), np.zeros(3, bool)
    pip = np.zeros((2, 3))  # the aim point on the target: a zero miss distance
    sh = (pending, threat, t_int, pip, target, np.ones(2, bool), np.zeros(2, np.int64), np.full(2, 10.0),
          np.full(2, 0.7), np.array([0, 1], np.int64), np.zeros(2, np.int64), np.zeros(2, bool),
          np.full(2, np.inf), assessed)
    fc_obj = (np.full(3, -1, np.int64), radar, missed)
    arr = (states_of([np.random.default_rng(1)]), np.zeros(3, bool), np.zeros(1, np.int64), np.array([5.0]),
           int(EventKind.Fratricide), int(EventKind.Intercept), int(EventKind.Miss), 0)
    buf = EventBuf()
    c2_glue.resolve_arrivals(due, 10.0, pos, vel, alive, done, sh, 2, fc_obj, np.zeros((1, 6)), np.zeros(1), False,
                             arr, buf)
    assert not pending[0] and sh[12][0] == 15.0  # resolved, assessed 5 s after the intercept
    assert radar.tolist() == [2, -1, -1] and missed.tolist() == [1, 0, 0]
