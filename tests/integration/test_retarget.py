"""Doctrine ``dead_target_rounds`` (issue 8 item 4): rounds in flight at a target assessed dead
self-destruct, or are retargeted onto another track they can still reach (weapons/retarget.py).

Each test fails if its rule is removed: the option is read (both values give different
events), a reachable second target is intercepted by the retargeted round, an out-of-reach one
is not (the round self-destructs).
"""

from __future__ import annotations

import numpy as np

from iadsim.c2 import iff
import pytest

import iadsim
from iadsim.engine import c2_glue
from iadsim.engine import run as run_mod
from iadsim.engine.events import REASON_CODE, EventKind, EventLog
from iadsim.engine.state import FireControlState, ShotTable
from iadsim.engine.world import compile_world
from iadsim.rng import make_streams
from iadsim.tracking.manager import TrackTable
from iadsim.weapons.flyout import flyout_time
from iadsim.scenario.load import validate_text


from adana_scenarios import PATRIOT_SOUTH, kinds
from adana_scenarios import fc_scenario as scenario


def _unit(mode: str | None, extra: str = "") -> str:
    fu = ("      - type: patriot\n        doctrine: salvo\n        kill_assessment_s: 0\n        kill_assessment_error: 0\n"
          "        max_simultaneous_engagements: 1")  # fmt: skip
    if mode is not None:
        fu += f"\n        dead_target_rounds: {mode}"
    return fu + extra


def test_retarget_moves_the_salvo_partner_to_the_next_threat_in_line() -> None:
    # three fighters in line, 30 s apart, one target channel: the unit fires a two-round salvo at
    # the first; the first round kills it and the kill is assessed at once
    sd = iadsim.simulate(scenario(PATRIOT_SOUTH, _unit("self_destruct"), count=3))
    rt = iadsim.simulate(scenario(PATRIOT_SOUTH, _unit("retarget"), count=3))
    # self_destruct: the salvo partner (shot 1) is destroyed in flight, no Retarget event
    mi = kinds(sd, "Miss")
    assert "self_destruct" in mi["reason"][mi["shot"] == 1].tolist()
    assert len(kinds(sd, "Retarget")["time_s"]) == 0
    # retarget: shot 1 is reassigned at the time its target is assessed dead ...
    r = kinds(rt, "Retarget")
    assert r["shot"].tolist()[:1] == [1]
    assess = kinds(rt, "KillAssessed")
    first_kill = assess["time_s"][(assess["shot"] == 0) & (assess["reason"] == "assessed_dead")][0]
    # resolved in the tick after the intercept time, assessed (kill_assessment_s = 0) in the next
    assert first_kill < r["time_s"][0] <= first_kill + 2.0 + 1e-9
    launch = kinds(rt, "Launch")
    old_track = launch["track"][launch["shot"] == 1][0]
    assert r["value"][0] == old_track and r["track"][0] != old_track  # old track in value, new in track
    assert r["threat"][0] != launch["threat"][launch["shot"] == 1][0]  # a different missile
    # ... and resolves against its new target: here a kill of that threat, no self-destruct
    ic = kinds(rt, "Intercept")
    hit = ic["shot"] == 1
    assert hit.sum() == 1 and ic["threat"][hit][0] == r["threat"][0] and ic["time_s"][hit][0] > r["time_s"][0]
    new_pip = np.array([r["x_m"][0], r["y_m"][0], r["z_m"][0]])
    true_pos = np.array([ic["x_m"][hit][0], ic["y_m"][hit][0], ic["z_m"][hit][0]])
    assert np.linalg.norm(new_pip - true_pos) < 2000.0  # it flew to the new PIP
    mi_rt = kinds(rt, "Miss")
    assert 1 not in mi_rt["shot"].tolist()
    # the retargeted round did the work of a new engagement: fewer rounds for the same kills
    assert len(ic["time_s"]) == len(kinds(sd, "Intercept")["time_s"])
    assert len(launch["time_s"]) < len(kinds(sd, "Launch")["time_s"])


def test_default_is_self_destruct_and_the_option_is_read() -> None:
    default = iadsim.simulate(scenario(PATRIOT_SOUTH, _unit(None), count=3))
    sd = iadsim.simulate(scenario(PATRIOT_SOUTH, _unit("self_destruct"), count=3))
    rt = iadsim.simulate(scenario(PATRIOT_SOUTH, _unit("retarget"), count=3))
    assert default.events.to_pandas().equals(sd.events.to_pandas())  # NaN-aware comparison
    assert not rt.events.to_pandas().equals(sd.events.to_pandas())
    assert compile_world(scenario(PATRIOT_SOUTH, _unit("retarget"))).fire_units.retarget.tolist() == [True]
    assert compile_world(scenario(PATRIOT_SOUTH, _unit(None))).fire_units.retarget.tolist() == [False]


def test_bad_option_value_is_an_input_error() -> None:
    with pytest.raises(Exception, match="dead_target_rounds"):
        scenario(PATRIOT_SOUTH, _unit("explode"))


# ---------------------------------------------------------------- hand-computed reach
#
# One Patriot whose PAC-2 GEM reaches 60 km (override). A round launched at a target now assessed
# dead has flown 50 km (e = t(50 km) seconds), so it has 60 − 50 = 10 km of flight left. A
# stationary track 5 km from it (back towards the launcher, inside the envelope) is reachable;
# one 20 km from it is not: the round self-destructs.


def _assess(ctx: run_mod._Ctx, t: float) -> None:
    """Phase 4a as the compiled tick loop runs it: the due assessments (``c2_glue.assessments_due``,
    ``c2_glue.assess_phase``), then the rounds handed back under the retarget doctrine
    (``engine.run._dead_target_rounds``)."""
    shots, fus = ctx.shots, ctx.world.fire_units
    due = c2_glue.assessments_due(shots.pending, shots.assessed, shots.t_assess, shots.seq, shots.n, t)
    sd = c2_glue.assess_phase(due, t, ctx.assess_st, shots.fu, shots.killed, fus.kill_assessment_error, shots.assessed,
                              shots.target, ctx.fcs.row, ctx.tracks.id, shots.id, shots.threat, shots.t_assess,
                              ctx.log.buf, int(EventKind.KillAssessed), int(REASON_CODE["assessed_dead"]),
                              int(REASON_CODE["assessed_alive"]), ctx.fcs.reopen_at, fus.kill_assessment_s,
                              shots.pending, shots.n, fus.retarget, shots.itype, int(EventKind.Miss),
                              int(REASON_CODE["self_destruct"]))  # fmt: skip
    if len(sd):
        run_mod._dead_target_rounds(ctx, t, sd)


def _assess_with_second_track(back_m: float, mode: str, busy_at_second: bool = False,
                              second_identity: int = iff.HOSTILE) -> tuple[list[str], dict]:  # fmt: skip
    extra = "\n        interceptors:\n          pac-2-gem: {max_range_km: 60}"
    world = compile_world(scenario(PATRIOT_SOUTH, _unit(mode, extra), count=2))
    fus, ic = world.fire_units, world.interceptors
    it = ic.ids.index("pac-2-gem")
    L, rot = fus.ecef_m[0], fus.enu_rot[0]
    aim = L + rot.T @ np.array([0.0, -55_000.0, 8_000.0])  # the old PIP: 55 km south, 8 km up (ENU)
    u = (aim - L) / np.linalg.norm(aim - L)
    X = L + 50_000.0 * u  # where the round is after flying 50 km on its line
    B = X - back_m * u  # the second track, stationary
    e = float(flyout_time(50_000.0, ic.max_speed_mps[0, it], ic.burn_time_s[0, it], ic.drag_time_s[0, it]))
    t = 200.0
    tracks = TrackTable(n_sites=1, n_threats=2, q_m2ps3=50.0)
    R = np.repeat(np.diag([30.0**2] * 3)[None], 2, axis=0)
    rows = tracks._initiate(t, np.array([0, 0]), np.array([0, 1]), np.vstack([aim, B]), R)
    tracks.confirmed[rows] = True
    tracks.P[rows, 3:, 3:] = np.eye(3)  # a well-known (zero) velocity
    streams = make_streams(0)
    ctx = run_mod._Ctx(world, tracks, ShotTable(), FireControlState(tracks.capacity), EventLog(), streams,
                       world.assets.ecef_m.reshape(-1, 3), np.array([10.0]))  # fmt: skip
    run_mod._recognise(ctx, rows, t)
    ctx.fcs.was_confirmed[rows] = True
    ctx.ids.ensure(ctx.fcs.cap)
    ctx.ids.identity[ctx.fcs.obj[rows]] = iff.HOSTILE  # both identified hostile (the default ROE is weapons_tight)
    ctx.ids.identity[ctx.fcs.obj[rows[1]]] = second_identity
    ctx.fcs.radar[rows[0]] = 0  # the dead target is held by the engagement radar
    one = lambda v, dt=None: np.array([v], dtype=dt)  # noqa: E731
    common = dict(fu=one(0), itype=one(it), track=one(rows[0]), target=one(rows[0]), threat=one(0), radar=one(0),
                  pk0=one(0.9), basket=one(ic.basket_m[0, it]), pip=aim[None, :])  # fmt: skip
    # shot 0 arrived and killed its target: its assessment falls due now; shot 1 is still flying
    ctx.shots.add(id=one(0), t_launch=one(t - e - 3.0), t_int=one(t), seq=one(0), t_assess=one(t), assessed=one(False),
                  killed=one(True), **common)  # fmt: skip
    ctx.shots.pending[0] = False
    ctx.shots.add(id=one(1), t_launch=one(t - e), t_int=one(t + 5.0), seq=one(1), t_assess=one(np.inf),
                  assessed=one(False), killed=one(False), **common)  # fmt: skip
    if busy_at_second:  # a third round of the unit already flying at the second track
        ctx.shots.add(id=one(2), t_launch=one(t - 10.0), t_int=one(t + 30.0), seq=one(2), t_assess=one(np.inf),
                      assessed=one(False), killed=one(False), **(common | {"target": one(rows[1]), "track": one(rows[1]),
                                                                          "threat": one(1)}))  # fmt: skip
        ctx.fcs.radar[rows[1]] = 0
    _assess(ctx, t)
    ev = ctx.log.table()
    return ev["kind"].to_pylist(), {c: ev[c].to_pylist() for c in ev.column_names} | {"B": B, "ctx": ctx, "e": e, "it": it}


def test_retarget_within_reach_takes_the_new_track() -> None:
    kinds_, ev = _assess_with_second_track(5_000.0, "retarget")
    assert kinds_ == ["KillAssessed", "Retarget"]
    i = kinds_.index("Retarget")
    pip = np.array([ev["x_m"][i], ev["y_m"][i], ev["z_m"][i]])
    assert np.linalg.norm(pip - ev["B"]) < 1.0  # a stationary target: the PIP is where it is
    shots = ev["ctx"].shots
    assert shots.target[1] == 1 and shots.threat[1] == 1 and shots.pending[1]
    # it covers the 5 km in s(e + τ) − s(e) = 5 km: τ from the flyout at 50 → 55 km
    ic = ev["ctx"].world.interceptors
    it = ev["it"]
    t55 = float(flyout_time(55_000.0, ic.max_speed_mps[0, it], ic.burn_time_s[0, it], ic.drag_time_s[0, it]))
    assert shots.t_int[1] == pytest.approx(200.0 + (t55 - ev["e"]), abs=0.05)


def test_retarget_out_of_reach_self_destructs() -> None:
    kinds_, ev = _assess_with_second_track(20_000.0, "retarget")  # 20 km needed, 10 km left
    assert kinds_ == ["KillAssessed", "Miss"] and ev["reason"][1] == "self_destruct"
    assert not ev["ctx"].shots.pending[1]


def test_self_destruct_doctrine_never_retargets() -> None:
    kinds_, ev = _assess_with_second_track(5_000.0, "self_destruct")
    assert kinds_ == ["KillAssessed", "Miss"] and ev["reason"][1] == "self_destruct"


def test_no_retarget_onto_a_track_the_unit_already_has_rounds_at() -> None:
    # the reachable set-up, but the unit already has a round in flight at the second track
    kinds_, ev = _assess_with_second_track(5_000.0, "retarget", busy_at_second=True)
    assert kinds_ == ["KillAssessed", "Miss"] and ev["reason"][1] == "self_destruct"


def test_no_retarget_onto_a_track_the_rules_of_engagement_forbid() -> None:
    # the reachable set-up, but the second track is still unknown: weapons_tight (default) does not
    # allow a launch at it, so it does not allow a retarget either
    kinds_, ev = _assess_with_second_track(5_000.0, "retarget", second_identity=iff.UNKNOWN)
    assert kinds_ == ["KillAssessed", "Miss"] and ev["reason"][1] == "self_destruct"
