"""Issue 8 part C, engine level: assessed class, class envelopes, weapon choice, launchers and
reload, per-entity streams, doctrine defaults. Small hand-built scenarios; each test fails when
its rule is removed."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import iadsim
from iadsim.c2.classification import BALLISTIC_MISSILE
from iadsim.engine import run as run_mod
from iadsim.engine.world import compile_world
from iadsim.errors import ScenarioError
from iadsim.geo import frames
from iadsim.rng import make_streams
from iadsim.scenario.load import load_scenario
from iadsim.scenario.schema import Scenario
from iadsim.weapons import engagement

SMALL = "adana-patriot-small"


def _identical(a: pa.Table, b: pa.Table) -> bool:
    """Column-by-column equality, NaN equal to NaN (pyarrow's equals treats NaN as unequal)."""
    if a.schema != b.schema or a.num_rows != b.num_rows:
        return False
    for c in a.column_names:
        x, y = a[c].to_numpy(zero_copy_only=False), b[c].to_numpy(zero_copy_only=False)
        if not (np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else np.array_equal(x, y)):
            return False
    return True


def _events(ev: pa.Table, kind: str) -> pa.Table:
    return ev.filter(pc.equal(ev["kind"], kind))


def _small(**fu_extra) -> Scenario:
    data = load_scenario(SMALL).model_dump()
    data["sites"][0]["fire_units"][0].update(fu_extra)
    return Scenario.model_validate(data)


def _type_ids(res, tbl: pa.Table) -> list[str]:
    return [res.world.interceptors.ids[i] for i in tbl["interceptor_type"].to_numpy()]


def _truth_class(res, tbl: pa.Table) -> np.ndarray:
    thr = tbl["threat"].to_numpy()
    return np.where(thr >= 0, res.world.threats.class_index[np.maximum(thr, 0)], -1)


# ------------------------------------------------------------------ weapon choice and reservation
def test_pac3_kept_for_ballistic_missiles_by_catalogue_reservation():
    res = iadsim.simulate(_small())
    la = _events(res.events, "Launch")
    types = np.array(_type_ids(res, la))
    cls = _truth_class(res, la)
    assert len(la) > 0
    assert set(types[cls != BALLISTIC_MISSILE]) == {"pac-2-gem"}
    # against ballistic missiles the cheapest capable costed round is PAC-3 ($5 M; PAC-2 GEM has no
    # public cost, so it is never ranked cheap)
    assert "pac-3" in set(types[cls == BALLISTIC_MISSILE])


def test_cheapest_without_reservation_picks_the_costed_round_and_loadout_order_the_first():
    res = iadsim.simulate(_small(reserve={}))
    la = _events(res.events, "Launch")
    types = np.array(_type_ids(res, la))
    # $5 M known beats a round without a public cost wherever PAC-3 is capable (PAC-2 GEM still
    # fires where only it reaches: 160 km against PAC-3's 70 km)
    assert "pac-3" in set(types[_truth_class(res, la) != BALLISTIC_MISSILE])
    res = iadsim.simulate(_small(reserve={}, weapon_choice="loadout-order"))
    la = _events(res.events, "Launch")
    assert _type_ids(res, la)[0] == "pac-2-gem"  # first in the loadout while it lasts


# ------------------------------------------------------------------ decisions read no truth label
def _flip_truth(world, new_class: int, which_class: int):
    th = world.threats
    cls = th.class_index.copy()
    cls[cls == which_class] = new_class
    return dataclasses.replace(world, threats=dataclasses.replace(th, class_index=cls))


@pytest.mark.parametrize("which,new", [(0, BALLISTIC_MISSILE), (0, 3), (1, BALLISTIC_MISSILE)])
def test_flipping_the_true_class_changes_no_decision_event(which, new):
    """Assignments and launches up to the first resolved round are identical whatever the truth label
    says (only the outcome may differ). With truth-based decisions a fighter labelled ballistic would
    get the ballistic footprint and PAC-3 (reserved for ballistic missiles, cheapest costed round)."""
    data = load_scenario(SMALL).model_dump()
    raid = {0: "strike", 1: "cruise"}[which]
    data["raids"] = [r for r in data["raids"] if r["name"] == raid]
    sc = Scenario.model_validate(data)
    out = []
    for flip in (False, True):
        streams = make_streams(sc.seed)
        world = compile_world(sc, None, streams)
        if flip:
            world = _flip_truth(world, new, which)
        ev = run_mod._run(world, streams, None)[0].table()
        first = pc.min(pc.filter(ev["time_s"], pc.is_in(ev["kind"], pa.array(["Intercept", "Miss"])))).as_py()
        dec = ev.filter(pc.and_(pc.is_in(ev["kind"], pa.array(["Assignment", "Launch"])), pc.less_equal(ev["time_s"], first)))
        out.append(dec)
    assert out[0].num_rows > 0
    assert _identical(out[0], out[1])


# ------------------------------------------------------------------ class envelope in the decision
def _s400_world():
    sc = Scenario.model_validate({
        "name": "bm", "duration_s": 60, "time_step_s": 1.0, "seed": 1,
        "sites": [{"name": "s", "lat_deg": 38.0, "lon_deg": 35.0,
                   "sensors": [{"type": "92n6e", "boresight_az_deg": 90}],
                   "fire_units": [{"type": "s400", "loadout": {"48n6e3": 4}}]}],
        "assets": [{"name": "a", "lat_deg": 38.0, "lon_deg": 34.5, "alt_agl_m": 0, "value": 1}],
        "raids": [],
    })
    return compile_world(sc)


def _decide(world, ground_km: float, alt_m: float, speed: float, dive_deg: float):
    """choose_interceptor for one track east of the unit, flying west (towards it and the asset)."""
    fus, ic = world.fire_units, world.interceptors
    lat, lon = np.array([38.0 * np.pi / 180]), np.array([35.0 * np.pi / 180])
    la, lo, _ = frames.geodesic_direct(lat, lon, np.array([np.pi / 2]), np.array([ground_km * 1e3]))
    p = frames.geodetic_to_ecef(np.asarray(la), np.asarray(lo), np.array([alt_m])).reshape(1, 3)
    rot = frames.enu_rotation(np.asarray(la), np.asarray(lo)).reshape(3, 3)
    g = np.deg2rad(dive_deg)
    v = (speed * (-np.cos(g) * rot[0] - np.sin(g) * rot[2])).reshape(1, 3)
    from iadsim.c2 import classification, evaluation

    cls = classification.classify(p, v)
    delay = fus.reaction_time_s[[0]]
    pl, vl, acc = engagement.launch_kinematics(p, v, delay)
    tgo = evaluation.time_to_go(p, v, world.assets.ecef_m.reshape(-1, 3))
    # a perfect track (zero covariance): only kinematics and envelopes decide
    it, tau, pip = engagement.choose_interceptor(np.array([0]), pl, vl, acc, delay, tgo, np.array([speed]),
                                                 np.zeros((1, 6, 6)), None, 0.0, cls, fus.magazine, fus, ic)
    return int(cls[0]), int(it[0]), float(np.linalg.norm(pip[0] - fus.ecef_m[0]))


def test_ballistic_footprint_limits_the_s400_against_assessed_ballistic_tracks():
    """A warhead 200 km out at 30 km, 2 km/s towards the unit (falling under gravity in the fire-control
    model): its PIP lies ~82 km out, beyond the S-400's 60 km ballistic footprint, though well inside
    the 250 km aerodynamic envelope of the 48N6E3."""
    world = _s400_world()
    cls, it, slant = _decide(world, 200.0, 30e3, 2000.0, 0.0)
    assert cls == BALLISTIC_MISSILE and it == -1
    # without the footprint (rule removed) the same track would be engaged beyond 60 km
    ic = dataclasses.replace(world.interceptors, ballistic_max_range_m=np.full_like(world.interceptors.ballistic_max_range_m, np.nan),
                             ballistic_max_alt_m=np.full_like(world.interceptors.ballistic_max_alt_m, np.nan))
    cls, it, slant = _decide(dataclasses.replace(world, interceptors=ic), 200.0, 30e3, 2000.0, 0.0)
    assert it == 0 and slant > 60e3
    # closer in, the PIP falls inside the footprint and the track is engaged
    cls, it, slant = _decide(world, 120.0, 30e3, 2000.0, 0.0)
    assert cls == BALLISTIC_MISSILE and it == 0 and slant <= 60e3
    # an aircraft-speed track at the same range is engaged at its aerodynamic envelope
    cls_a, it_a, slant_a = _decide(world, 110.0, 8e3, 250.0, 0.0)
    assert cls_a != BALLISTIC_MISSILE and it_a == 0 and slant_a > 60e3


# ------------------------------------------------------------------ launchers, readiness, reload
def _cruise_wave(n: int, spacing: float) -> Scenario:
    data = load_scenario(SMALL).model_dump()
    data["raids"] = [dict(data["raids"][0], count=n, spacing_s=spacing)]
    data["duration_s"] = 1500
    return data


def test_unit_fires_only_from_ready_launchers_and_reloads_after_empty():
    data = _cruise_wave(16, 30.0)
    fu = data["sites"][0]["fire_units"][0]
    fu.update(loadout={"pac-2-gem": 4}, reserve={}, doctrine="shoot-look-shoot", reloads={"pac-2-gem": 4},
              reload_time_s=200.0)
    res = iadsim.simulate(Scenario.model_validate(data))
    t = np.sort(_events(res.events, "Launch")["time_s"].to_numpy())
    assert len(t) == 8  # 4 on the launcher + 4 reloaded
    gap = t[4] - t[3]
    assert gap >= 200.0  # nothing leaves the emptied launcher while it reloads
    # without reserve rounds the empty launcher stays empty
    fu["reloads"] = {}
    res = iadsim.simulate(Scenario.model_validate(data))
    assert _events(res.events, "Launch").num_rows == 4
    # reload time honoured: a shorter reload brings the fifth round earlier
    fu.update(reloads={"pac-2-gem": 4}, reload_time_s=20.0)
    t2 = np.sort(_events(iadsim.simulate(Scenario.model_validate(data)).events, "Launch")["time_s"].to_numpy())
    assert t2[4] - t2[3] < gap


def test_salvo_capped_by_the_ready_launcher():
    # 5 rounds = a full launcher of 4 + a launcher of 1; salvo of 2: the unit never fires more than 5
    data = _cruise_wave(6, 40.0)
    fu = data["sites"][0]["fire_units"][0]
    fu.update(loadout={"pac-2-gem": 5}, reserve={}, doctrine="salvo", salvo_size=2)
    res = iadsim.simulate(Scenario.model_validate(data))
    la = _events(res.events, "Launch")
    assert la.num_rows == 5


def test_loadout_that_needs_too_many_launchers_is_a_scenario_error(tmp_path: Path):
    text = Path(iadsim.__file__).parent.joinpath("data/scenarios", SMALL + ".yaml").read_text()
    bad = text.replace("doctrine: shoot-look-shoot", "doctrine: shoot-look-shoot\n        loadout: {pac-2-gem: 32}")
    p = tmp_path / "bad.yaml"
    p.write_text(bad)
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    msg = str(e.value)
    assert "needs 8 launchers" in msg and "has 6" in msg and "bad.yaml:" in msg


def test_reserve_of_an_interceptor_not_carried_is_a_scenario_error(tmp_path: Path):
    text = Path(iadsim.__file__).parent.joinpath("data/scenarios", SMALL + ".yaml").read_text()
    bad = text.replace("doctrine: shoot-look-shoot", "doctrine: shoot-look-shoot\n        loadout: {pac-2-gem: 16}\n        reloads: {pac-3: 4}")
    p = tmp_path / "bad.yaml"
    p.write_text(bad)
    with pytest.raises(ScenarioError, match="not in this fire unit's loadout"):
        load_scenario(p)


# ------------------------------------------------------------------ doctrine defaults
def test_doctrine_defaults_from_the_catalogue_and_scenario_overrides():
    data = load_scenario(SMALL).model_dump()
    data["sites"][0]["fire_units"][0]["doctrine"] = None
    w = compile_world(Scenario.model_validate(data))
    assert w.fire_units.doctrine == ("salvo",) and w.fire_units.salvo_size.tolist() == [2]
    data["sites"][0]["fire_units"][0]["doctrine"] = "shoot-look-shoot"
    w = compile_world(Scenario.model_validate(data))
    assert w.fire_units.salvo_size.tolist() == [1]


# ------------------------------------------------------------------ per-entity streams
def test_far_away_site_that_sees_nothing_leaves_every_other_event_identical():
    base = load_scenario(SMALL).model_dump()
    far = copy.deepcopy(base)
    far["sites"].append({"name": "far-north", "lat_deg": 69.0, "lon_deg": 18.0,
                         "sensors": [{"type": "an-mpq-65", "boresight_az_deg": 0}],
                         "fire_units": [{"type": "patriot"}]})
    far["tracking"]["clutter_per_scan"] = base["tracking"]["clutter_per_scan"] = 0.5  # false alarms drawn too
    a = iadsim.simulate(Scenario.model_validate(base)).events
    b = iadsim.simulate(Scenario.model_validate(far)).events
    # the far site's own false alarms are its own events; everything else must be byte-identical
    n_sites = len(base["sites"])
    b_other = b.filter(pc.invert(pc.fill_null(pc.equal(b["site"], n_sites), False)))
    assert a.num_rows > 0 and _events(a, "Launch").num_rows > 0
    cols = [c for c in a.column_names if c != "seq"]  # seq counts all emitted events
    assert _identical(a.select(cols), b_other.select(cols))


# ------------------------------------------------------------------ cost accounting in the CLI
def test_cli_prints_the_costed_exchange_with_uncosted_counts(tmp_path: Path):
    from typer.testing import CliRunner

    from iadsim.cli import app

    r = CliRunner().invoke(app, ["run", SMALL, "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "Cost exchange (costed items only):" in text
    res = iadsim.simulate(SMALL)
    c = res.summary["cost"]
    # scud-b has no public cost: its kills and the rounds fired at it are left out, never $0
    killed_bm = [t for t in res.summary["threats"]["by_type"] if t["class"] == "ballistic_missile"][0]["destroyed"]
    assert c["exchange_excluded_threats_destroyed"] >= killed_bm
    if c["exchange_excluded_interceptors"]:
        assert "left out for a missing cost" in text


def test_reserve_rule_last_resort_releases_pac3_when_pac2_is_gone():
    data = _cruise_wave(8, 30.0)
    fu = data["sites"][0]["fire_units"][0]
    fu.update(loadout={"pac-2-gem": 2, "pac-3": 16}, doctrine="shoot-look-shoot")
    held = iadsim.simulate(Scenario.model_validate(data))
    types = set(_type_ids(held, _events(held.events, "Launch")))
    assert types == {"pac-2-gem"}  # hold: PAC-3 never fires at cruise missiles
    fu["reserve_rule"] = "last-resort"
    res = iadsim.simulate(Scenario.model_validate(data))
    t = _type_ids(res, _events(res.events, "Launch"))
    assert "pac-3" in t and t[:2] == ["pac-2-gem", "pac-2-gem"]  # PAC-2 first, PAC-3 once it is gone


def test_remaining_rounds_count_the_reserve():
    data = _cruise_wave(16, 30.0)
    fu = data["sites"][0]["fire_units"][0]
    fu.update(loadout={"pac-2-gem": 4}, reserve={}, doctrine="shoot-look-shoot", reloads={"pac-2-gem": 4},
              reload_time_s=200.0)
    s = iadsim.simulate(Scenario.model_validate(data)).summary["fire_units"][0]
    assert s["interceptors_fired"] == 8 and s["remaining"] == 0


def test_adding_a_raid_leaves_the_other_threats_draws_unchanged():
    """Launch points and ballistic aim errors come from each threat's own stream ("raid#j"): a raid
    inserted in front of the others changes no other threat's launch point or aim point."""
    base = load_scenario(SMALL).model_dump()
    more = copy.deepcopy(base)
    more["raids"].insert(0, dict(base["raids"][2], name="extra-srbm", count=3))
    w0 = compile_world(Scenario.model_validate(base))
    w1 = compile_world(Scenario.model_validate(more))
    n_extra = 3
    t = 400.0  # every threat in flight
    p0 = w0.threats.mover.state(t).pos_ecef_m
    p1 = w1.threats.mover.state(t).pos_ecef_m[n_extra:]
    np.testing.assert_array_equal(p0, p1)
    np.testing.assert_array_equal(w0.threats.arrival_time_s, w1.threats.arrival_time_s[n_extra:])
