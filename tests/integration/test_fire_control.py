"""Fire-control rules in small scenarios: each test fails if its rule is removed (issue 8).

The scenarios are built from YAML strings: one battery at Adana, an asset beside it, a few
aircraft flying straight at it from the south.
"""

from __future__ import annotations

import numpy as np
import pytest

import iadsim
from iadsim.engine import run as run_mod
from iadsim.engine.events import EventLog
from iadsim.engine.state import FireControlState, ShotTable
from iadsim.engine.world import compile_world
from iadsim.rng import make_streams
from iadsim.scenario.load import validate_text
from iadsim.tracking.manager import TrackTable


from adana_scenarios import PATRIOT_SOUTH, kinds
from adana_scenarios import fc_scenario as scenario


def test_engages_when_the_fire_control_radar_faces_the_threat() -> None:
    res = iadsim.simulate(scenario(PATRIOT_SOUTH))
    assert len(kinds(res, "Launch")["time_s"]) > 0 and len(kinds(res, "Intercept")["time_s"]) > 0


def test_fire_control_field_of_regard() -> None:
    # the same radar facing north sees nothing of a raid from the south: no track, no launch
    res = iadsim.simulate(scenario("      - type: an-mpq-65\n        boresight_az_deg: 0"))
    assert len(kinds(res, "Launch")["time_s"]) == 0


def test_surveillance_radar_does_not_support_an_engagement() -> None:
    # S-400 with only its surveillance radar: confirmed tracks, but no engagement radar → no launch
    res = iadsim.simulate(scenario("      - type: 91n6e", "      - type: s400"))
    assert len(kinds(res, "TrackConfirmed")["time_s"]) > 0
    assert len(kinds(res, "Launch")["time_s"]) == 0
    # with the 92N6E facing the raid the same unit engages; facing away it cannot, although the
    # 91N6E tracks the raid all the way in (surveillance cueing is not fire control)
    ok = iadsim.simulate(scenario("      - type: 91n6e\n      - type: 92n6e\n        boresight_az_deg: 180", "      - type: s400"))
    assert len(kinds(ok, "Launch")["time_s"]) > 0
    away = iadsim.simulate(scenario("      - type: 91n6e\n      - type: 92n6e\n        boresight_az_deg: 0", "      - type: s400"))
    assert len(kinds(away, "TrackConfirmed")["time_s"]) > 0 and len(kinds(away, "Launch")["time_s"]) == 0


def _in_flight_at_launch(res) -> list[int]:
    """Rounds of the same unit still in flight at each launch."""
    la = kinds(res, "Launch")
    ends = {}
    for k in ("Intercept", "Miss"):
        d = kinds(res, k)
        ends.update(dict(zip(d["shot"], d["time_s"])))
    out = []
    for s, t in zip(la["shot"], la["time_s"]):
        out.append(sum(1 for s2, t2 in zip(la["shot"], la["time_s"]) if s2 != s and t2 <= t < ends.get(s2, np.inf)))
    return out


def test_guidance_channels_cap_rounds_in_flight() -> None:
    fu = "      - type: patriot\n        doctrine: salvo\n        max_missiles_guided: 1"
    res = iadsim.simulate(scenario(PATRIOT_SOUTH, fu, count=3))
    la = kinds(res, "Launch")
    assert len(la["time_s"]) > 0
    assert max(_in_flight_at_launch(res)) == 0  # one guidance channel: never two rounds in flight
    # with the catalogue's channels the salvo doctrine puts two rounds up at once
    res2 = iadsim.simulate(scenario(PATRIOT_SOUTH, "      - type: patriot\n        doctrine: salvo", count=3))
    assert max(_in_flight_at_launch(res2)) >= 1


def test_magazine_caps_the_salvo_in_the_engine() -> None:
    fu = "      - type: patriot\n        doctrine: salvo\n        loadout: {pac-3: 1}\n        reserve: {}"
    res = iadsim.simulate(scenario(PATRIOT_SOUTH, fu, count=1))
    assert len(kinds(res, "Launch")["time_s"]) == 1


def test_no_new_engagement_before_the_look() -> None:
    """A unit engages a threat again only after all its rounds at it arrived and were assessed."""
    # a low Pk (scenario override) makes failed salvos, hence re-engagements, certain to occur
    res = iadsim.simulate(scenario(PATRIOT_SOUTH, "      - type: patriot\n        doctrine: salvo\n        kill_assessment_error: 0.3\n"
                                   "        interceptors: {pac-2-gem: {pk: {aircraft: 0.3}}}", count=4))  # fmt: skip
    la, ka = kinds(res, "Launch"), kinds(res, "KillAssessed")
    assessed = dict(zip(ka["shot"], ka["time_s"]))
    ends = {}
    for k in ("Intercept", "Miss"):
        d = kinds(res, k)
        ends.update(dict(zip(d["shot"], d["time_s"])))
    n_checked = 0
    for thr in set(la["threat"]):
        m = la["threat"] == thr
        times, shots = la["time_s"][m], la["shot"][m]
        for t, s in zip(times, shots):
            earlier = [s2 for t2, s2 in zip(times, shots) if t2 < t - 3.5]  # rounds of an earlier salvo
            for s2 in earlier:
                n_checked += 1
                done_at = assessed.get(s2, ends.get(s2, np.inf))
                assert done_at <= t, f"round {s} launched at {t} while round {s2} was unassessed until {done_at}"
    assert n_checked > 0  # the scenario does re-engage (kill assessments can be wrong, Pk < 1)


def test_kill_assessment_takes_its_time() -> None:
    fu = "      - type: patriot\n        doctrine: shoot-look-shoot\n        kill_assessment_s: 7"
    res = iadsim.simulate(scenario(PATRIOT_SOUTH, fu))
    ka = kinds(res, "KillAssessed")
    ends = {}
    for k in ("Intercept", "Miss"):
        d = kinds(res, k)
        ends.update(dict(zip(d["shot"], d["time_s"])))
    assert len(ka["shot"]) > 0
    for s, t in zip(ka["shot"], ka["time_s"]):
        assert t == pytest.approx(ends[s] + 7.0)


def test_rounds_at_a_target_assessed_dead_self_destruct() -> None:
    # salvo of two, assessment immediate and perfect: the second round in flight self-destructs
    fu = "      - type: patriot\n        doctrine: salvo\n        kill_assessment_s: 0\n        kill_assessment_error: 0"
    res = iadsim.simulate(scenario(PATRIOT_SOUTH, fu, count=3))
    mi, ic = kinds(res, "Miss"), kinds(res, "Intercept")
    sd = mi["reason"] == "self_destruct"
    assert sd.any()
    killed_at = dict(zip(ic["threat"], ic["time_s"]))
    for thr, t in zip(mi["threat"][sd], mi["time_s"][sd]):
        assert killed_at[thr] <= t  # only after its target was killed (and assessed so)
    assert set(mi["reason"]) <= {"pk_draw", "guidance_lost", "target_already_dead", "self_destruct", "false_target"}


def test_every_miss_has_a_reason() -> None:
    res = iadsim.simulate("turkey-2017")
    mi = kinds(res, "Miss")
    assert len(mi["reason"]) > 0 and all(r is not None for r in mi["reason"])


def _ctx(world, tracks=None):
    streams = make_streams(0)
    tracks = tracks or TrackTable(n_sites=1, n_threats=max(len(world.threats), 1), q_m2ps3=50.0)
    return run_mod._Ctx(world, tracks, ShotTable(), FireControlState(tracks.capacity), EventLog(), streams,
                        world.assets.ecef_m.reshape(-1, 3), np.array([10.0]))  # fmt: skip


def test_no_kill_after_a_leak() -> None:
    world = compile_world(iadsim.load_scenario("adana-patriot-small"))
    N = len(world.threats)
    for leaked in (False, True):
        ctx = _ctx(world)
        ctx.shots.add(id=np.array([0]), fu=np.array([0]), itype=np.array([0]), track=np.array([0]), target=np.array([0]),
                      threat=np.array([0]), radar=np.array([0]), t_launch=np.array([0.0]), t_int=np.array([10.0]),
                      pk0=np.array([1.0]), basket=np.array([1e6]), seq=np.array([0]), pip=np.zeros((1, 3)),
                      t_assess=np.array([np.inf]), assessed=np.array([False]), killed=np.array([False]))  # fmt: skip
        alive = np.ones(N, bool)
        done = np.zeros(N, bool)
        done[0] = leaked
        sh = ctx.shots
        due = run_mod.c2_glue.arrivals_due(sh.pending, sh.t_int, sh.seq, sh.n, 10.0)
        run_mod._resolve(ctx, 10.0, np.zeros((N, 3)), np.zeros((N, 3)), alive, done, midcourse=False, due=due)
        t = ctx.log.table()
        assert t["kind"].to_pylist() == (["Miss"] if leaked else ["Intercept"])
        if leaked:
            assert t["reason"].to_pylist() == ["target_already_dead"] and alive[0]


def test_reinitiated_track_inherits_its_object() -> None:
    world = compile_world(iadsim.load_scenario("adana-patriot-small"))
    tracks = TrackTable(n_sites=1, n_threats=4, q_m2ps3=50.0)
    ctx = _ctx(world, tracks)
    R = np.repeat(np.diag([30.0**2] * 3)[None], 1, axis=0)
    z0 = np.array([[4.0e6, 2.5e6, 3.8e6]])
    r0 = tracks._initiate(0.0, np.array([0]), np.array([0]), z0, R)
    tracks.x[r0, 3:] = [200.0, 0.0, 0.0]
    tracks.P[r0] = np.diag([50.0**2] * 3 + [5.0**2] * 3)
    ctx.fcs.ensure(tracks.capacity)
    run_mod._recognise(ctx, r0, 0.0)
    ctx.fcs.was_confirmed[r0] = True
    assert ctx.fcs.obj[r0[0]] == r0[0]
    tracks.kill(r0)
    run_mod._dropped(ctx.fcs, r0, 5.0)
    # 20 s later: one new track where the dropped one predicts (4 km further), one elsewhere
    z1 = np.array([[4.0e6 + 4000.0 + 60.0, 2.5e6, 3.8e6], [4.0e6 + 30_000.0, 2.5e6, 3.8e6]])
    r1 = tracks._initiate(20.0, np.array([0, 0]), np.array([1, 2]), z1, np.repeat(R, 2, axis=0))
    ctx.fcs.ensure(tracks.capacity)
    run_mod._recognise(ctx, r1, 20.0)
    assert ctx.fcs.obj[r1].tolist() == [r0[0], r1[1]]  # recognised from the tracks, not the labels 1/2
    assert ctx.fcs.row[r0[0]] == r1[0]


def test_protected_track_survives_search_misses() -> None:
    tracks = TrackTable(n_sites=1, n_threats=2, q_m2ps3=50.0, drop_misses=3)
    R = np.repeat(np.diag([30.0**2] * 3)[None], 2, axis=0)
    rows = tracks._initiate(0.0, np.array([0, 0]), np.array([0, 1]), np.array([[4e6, 2.5e6, 3.8e6], [4e6, 2.6e6, 3.8e6]]), R)
    tracks.protected[rows[0]] = True
    for k in range(1, 5):  # four scans that cover both tracks, no detections
        tracks.step(float(k), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 3)), np.zeros((0, 3, 3)), rows)
    assert tracks.alive[rows].tolist() == [True, False]


def test_guidance_lost_when_the_fire_control_radar_loses_the_target() -> None:
    """A track dwell that cannot see the target (out of coverage) cuts the guidance of its rounds."""
    world = compile_world(scenario(PATRIOT_SOUTH))
    ctx = _ctx(world)
    tracks, fcs, shots = ctx.tracks, ctx.fcs, ctx.shots
    R = np.diag([30.0**2] * 3)[None]
    # a point 20 km north of the radar at 3 km: behind its southern sector
    p = world.radars.ecef_m[0] + (np.array([0.0, 20_000.0, 3000.0]) @ world.radars.enu_rot[0])
    r = tracks._initiate(0.0, np.array([0]), np.array([0]), p[None], R)
    fcs.ensure(tracks.capacity)
    run_mod._recognise(ctx, r, 0.0)
    fcs.radar[r[0]] = 0
    fcs.last_dwell[r[0]] = -10.0
    shots.add(id=np.array([0]), fu=np.array([0]), itype=np.array([0]), track=r, target=r, threat=np.array([0]),
              radar=np.array([0]), t_launch=np.array([0.0]), t_int=np.array([30.0]), pk0=np.array([1.0]),
              basket=np.array([10.0]), seq=np.array([0]), pip=np.zeros((1, 3)), t_assess=np.array([np.inf]),
              assessed=np.array([False]), killed=np.array([False]))  # fmt: skip
    N = len(world.threats)
    pos = np.zeros((N, 3))
    pos[0] = p
    active = np.zeros(N, bool)
    active[0] = True
    run_mod._track_dwells(ctx, 1.0, pos, active)
    t = ctx.log.table()
    assert t["kind"].to_pylist() == ["GuidanceLost"] and t["reason"].to_pylist() == ["fc_out_of_coverage"]
    assert not shots.guided[0] and fcs.radar[r[0]] == -1


def test_cueing_delay_and_reaction_time_before_the_first_launch() -> None:
    """First engagement of a target: launch = decision + cue delay (2 s, catalogue) + reaction (10 s)."""
    res = iadsim.simulate(scenario(PATRIOT_SOUTH, "      - type: patriot\n        doctrine: shoot-look-shoot", count=1))
    asg, la = kinds(res, "Assignment"), kinds(res, "Launch")
    assert la["time_s"][0] - asg["time_s"][0] == pytest.approx(12.0)
    # a re-engagement of the same target after the look needs no new cue while the radar holds it
    if len(asg["time_s"]) > 1:
        assert la["time_s"][1] - asg["time_s"][1] in (pytest.approx(10.0), pytest.approx(12.0))


def test_engaged_tracks_are_not_dropped_while_their_rounds_are_guided() -> None:
    """Engaged tracks held by a fire-control radar are protected from search-miss drops.

    Over a gnn run of turkey-2017 (seed 1): no engaged track is dropped between its round's launch
    and the round's end, unless the fire-control radar declared the target lost first
    (GuidanceLost). Without the protection one such drop occurs in this run.
    """
    res = iadsim.simulate("turkey-2017", seed=1)
    ev = res.events.to_pydict()
    k, t = np.array(ev["kind"]), np.array(ev["time_s"])
    shot, trk = np.array(ev["shot"]), np.array(ev["track"])
    end = {shot[i]: t[i] for i in np.flatnonzero((k == "Intercept") | (k == "Miss"))}
    lost = {shot[i]: t[i] for i in np.flatnonzero(k == "GuidanceLost")}
    drops = [(t[i], trk[i]) for i in np.flatnonzero(k == "TrackDropped")]
    launches = np.flatnonzero(k == "Launch")
    assert len(launches) > 20
    for i in launches:
        te = min(end.get(shot[i], np.inf), lost.get(shot[i], np.inf))
        assert not [td for td, tk in drops if tk == trk[i] and t[i] < td < te], f"track {trk[i]} dropped under shot {shot[i]}"


def test_a_guidance_loss_comes_before_its_ticks_detections() -> None:
    """On a tick where a fire-control dwell lost its target (turkey-2017, seed 1, smooth Earth: the
    compiled tick loop handles it), the GuidanceLost rows come first in the log's sequence and that
    tick's search detections are still reported after them."""
    ev = iadsim.simulate("turkey-2017", seed=1).events.to_pydict()
    k, t, seq = np.array(ev["kind"]), np.array(ev["time_s"]), np.array(ev["seq"])
    with_detections = 0
    for tl in np.unique(t[k == "GuidanceLost"]):
        at = t == tl
        g, d = seq[at & (k == "GuidanceLost")], seq[at & (k == "Detection")]
        if len(d):
            with_detections += 1
            assert g.max() < d.min(), f"t = {tl}: a Detection row before a GuidanceLost row"
    assert with_detections >= 5
