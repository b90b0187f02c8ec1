"""IFF, identification and rules of engagement in small scenarios (issue 9 item 5, must show).

One site south-facing near Adana, a defended base beside it, and a NATO patrol (two fighters)
flying east–west 55 km south of it: in radar and missile range, but never at the base (no hostile
kinematics). Each test fails if its rule is removed.
"""

from __future__ import annotations

import numpy as np
import pytest

import iadsim
from iadsim.c2 import iff
from iadsim.scenario.load import validate_text

from adana_scenarios import kinds

S400 = ("      - type: 91n6e\n      - type: 92n6e\n        boresight_az_deg: 180", "      - type: s400")
PATRIOT = ("      - type: an-mpq-65\n        boresight_az_deg: 180", "      - type: patriot")


def scenario(unit: tuple[str, str], roe: str, friendlies: str | None = None, raid: bool = False,
             failure: float = 0.0) -> iadsim.Scenario:  # fmt: skip
    sensors, fire_unit = unit
    fr = friendlies if friendlies is not None else f"""\
friendly_flights:
  - name: cap
    type: fighter-4gen
    count: 2
    spacing_s: 60
    transponder_failure_probability: {failure}
    route:
      - {{lat_deg: 36.5, lon_deg: 34.6, alt_agl_m: 9000}}
      - {{lat_deg: 36.5, lon_deg: 36.0, alt_agl_m: 9000}}
"""
    rd = """\
raids:
  - name: r
    threat: fighter-4gen
    count: 2
    launch: {lat_deg: 35.6, lon_deg: 35.3}
    spacing_s: 30
    target: base
""" if raid else ""
    text = f"""\
name: iff-test
duration_s: 600
seed: 5
rules_of_engagement: {roe}
sites:
  - name: site
    lat_deg: 37.0
    lon_deg: 35.3
    sensors:
{sensors}
    fire_units:
{fire_unit}
assets:
  - {{name: base, lat_deg: 36.9, lon_deg: 35.3}}
{rd}{fr}"""
    return validate_text(text, "iff-test.yaml")




def test_incompatible_standalone_unit_under_weapons_free_shoots_a_friendly() -> None:
    res = iadsim.simulate(scenario(S400, "weapons_free"))
    n_h = res.world.n_hostile
    fr = kinds(res, "Fratricide")
    at_launch = fr["reason"] != "friendly_destroyed"
    assert at_launch.any()
    # cause chain: the unit, its radar, its track, the identity it held and the rule that allowed it
    assert set(fr["reason"][at_launch]) == {"roe_weapons_free"}
    assert (fr["value"][at_launch] == iff.UNKNOWN).all()
    assert (fr["threat"][at_launch] >= n_h).all() and (fr["sensor"][at_launch] >= 0).all()
    assert (fr["track"][at_launch] >= 0).all() and (fr["shot"][at_launch] >= 0).all()
    # every round at the friendly is recorded as a fratricide (one per Launch)
    launches = kinds(res, "Launch")
    assert at_launch.sum() == (launches["threat"] >= n_h).sum() > 0
    # the S-400 interrogates but never gets a reply (no NATO mode), the patrol shows no hostile
    # kinematics: the tracks stay unknown
    ident = kinds(res, "Identified")
    assert not np.isin(ident["reason"], ["id_friend", "id_assumed_friend"]).any()
    # a friendly destroyed is a fratricide, never an intercept, and never a threat kill
    assert len(kinds(res, "Intercept")["time_s"]) == 0
    s = res.summary
    assert s["threats"]["destroyed"] == 0 and s["threats"]["total"] == 0
    assert s["identification"]["friendlies_engaged"] >= 1
    killed = fr["reason"] == "friendly_destroyed"
    assert killed.any()  # at Pk ≈ 0.9 per round, two rounds per engagement, the patrol is hit
    assert s["identification"]["fratricides"] == len(np.unique(fr["threat"][killed]))


def test_incompatible_unit_under_weapons_tight_holds_fire() -> None:
    res = iadsim.simulate(scenario(S400, "weapons_tight"))
    assert len(kinds(res, "TrackConfirmed")["time_s"]) > 0
    assert len(kinds(res, "Launch")["time_s"]) == 0
    assert len(kinds(res, "Fratricide")["time_s"]) == 0
    assert res.summary["identification"]["unknowns_never_identified"] >= 1


def test_weapons_tight_still_engages_a_raid() -> None:
    # the same S-400 under weapons_tight engages hostiles flying at the base (assumed hostile by
    # no reply + attack profile) while the patrol stays unknown and untouched
    res = iadsim.simulate(scenario(S400, "weapons_tight", raid=True))
    n_h = res.world.n_hostile
    launches = kinds(res, "Launch")
    assert len(launches["time_s"]) > 0 and (launches["threat"] < n_h).all()
    ident = kinds(res, "Identified")
    hostile = ident["threat"][np.isin(ident["reason"], ["id_assumed_hostile", "id_hostile"])]
    assert set(hostile.tolist()) <= set(range(n_h)) and len(hostile) > 0


def test_weapons_hold_engages_nothing() -> None:
    res = iadsim.simulate(scenario(S400, "weapons_hold", raid=True))
    assert len(kinds(res, "Launch")["time_s"]) == 0


def test_site_rules_of_engagement_override_the_scenario() -> None:
    sc = scenario(S400, "weapons_tight")
    site = sc.sites[0].model_copy(update={"rules_of_engagement": "weapons_free"})
    res = iadsim.simulate(sc.model_copy(update={"sites": [site]}))
    assert len(kinds(res, "Fratricide")["time_s"]) > 0


def test_compatible_unit_identifies_the_friendly_and_holds_fire_even_weapons_free() -> None:
    res = iadsim.simulate(scenario(PATRIOT, "weapons_free"))
    n_h = res.world.n_hostile
    ident = kinds(res, "Identified")
    friends = ident["threat"][ident["reason"] == "id_friend"]
    assert set(friends.tolist()) == {n_h, n_h + 1}
    # the ladder: assumed friend first, then friend, one interrogation interval later
    for obj in (n_h, n_h + 1):
        steps = ident["reason"][ident["threat"] == obj]
        assert steps[0] == "id_assumed_friend" and "id_friend" in steps
        t = ident["time_s"][ident["threat"] == obj]
        assert t[list(steps).index("id_friend")] > t[0]
    assert len(kinds(res, "Launch")["time_s"]) == 0
    assert res.summary["identification"]["friendlies_identified"] == 2


def test_failed_transponder_gets_a_friendly_shot_by_a_compatible_unit() -> None:
    # transponder failure drawn per aircraft: with p = 1 no reply ever, so the Patriot under
    # weapons_free engages the silent patrol (the 2003 Tornado case, in spirit)
    res = iadsim.simulate(scenario(PATRIOT, "weapons_free", failure=1.0))
    assert (res.world.sensed.transponder_mask[res.world.n_hostile:] == 0).all()
    assert len(kinds(res, "Fratricide")["time_s"]) > 0


def test_friendlies_far_away_change_no_threat_count() -> None:
    far = """\
friendly_flights:
  - name: far
    type: fighter-4gen
    count: 3
    route:
      - {lat_deg: 60.0, lon_deg: 10.0}
      - {lat_deg: 61.0, lon_deg: 11.0}
"""
    a = iadsim.simulate(scenario(PATRIOT, "weapons_tight", friendlies="", raid=True)).summary
    b = iadsim.simulate(scenario(PATRIOT, "weapons_tight", friendlies=far, raid=True)).summary
    for key in ("threats", "assets", "cost", "fire_units"):
        assert a[key] == b[key], key
    assert a["tracking"]["threats_ever_tracked"] == b["tracking"]["threats_ever_tracked"]
    assert b["identification"]["friendlies"] == 3 and a["identification"]["friendlies"] == 0


@pytest.mark.parametrize("unit", [S400, PATRIOT])
def test_friendlies_are_sensed_and_tracked(unit: tuple[str, str]) -> None:
    res = iadsim.simulate(scenario(unit, "weapons_tight"))
    n_h = res.world.n_hostile
    assert (kinds(res, "Detection")["threat"] >= n_h).any()
    assert (kinds(res, "TrackConfirmed")["threat"] >= n_h).any()
    # no threat launch event and no leak for a friendly
    assert len(kinds(res, "Launch_Threat")["time_s"]) == 0 and len(kinds(res, "Leak")["time_s"]) == 0


def test_friendly_event_ids_join_the_threats_table(tmp_path) -> None:
    import duckdb
    import pyarrow.parquet as pq

    res = iadsim.simulate(scenario(S400, "weapons_free", raid=True))
    out = tmp_path / "run"
    res.write(out)
    ev, th = str(out / "events.parquet"), str(out / "threats.parquet")
    n_ids, n_joined = duckdb.sql(
        f"SELECT count(*), count(t.name) FROM '{ev}' e LEFT JOIN '{th}' t ON e.threat = t.threat WHERE e.threat >= 0"
    ).fetchall()[0]
    assert n_ids == n_joined
    tbl = pq.read_table(th).to_pydict()
    n_h = res.world.n_hostile
    assert tbl["friendly"] == [False] * n_h + [True, True]
    assert tbl["name"][n_h:] == ["cap#0", "cap#1"]
    # the fratricide joins to the friendly's name
    n_fr = duckdb.sql(f"SELECT count(*) FROM '{ev}' e JOIN '{th}' t USING (threat) WHERE e.kind = 'Fratricide' AND t.friendly").fetchall()[0][0]
    assert n_fr > 0


def _networked(s400_network: str) -> iadsim.Scenario:
    """The S-400 site beside a Patriot site (both south-facing) in a `nato` network or standalone."""
    text = f"""\
name: iff-network-test
duration_s: 600
seed: 5
rules_of_engagement: weapons_free
networks:
  - {{name: nato, latency_s: 0.5, update_s: 2}}
sites:
  - name: s400-site
    lat_deg: 37.0
    lon_deg: 35.3
    network: {s400_network}
    sensors:
      - type: 91n6e
      - type: 92n6e
        boresight_az_deg: 180
    fire_units:
      - type: s400
  - name: patriot-site
    lat_deg: 37.0
    lon_deg: 35.5
    network: nato
    sensors:
      - type: an-mpq-65
        boresight_az_deg: 180
    fire_units:
      - type: patriot
assets:
  - {{name: base, lat_deg: 36.9, lon_deg: 35.3}}
friendly_flights:
  - name: cap
    type: fighter-4gen
    count: 2
    spacing_s: 60
    route:
      - {{lat_deg: 36.5, lon_deg: 33.6, alt_agl_m: 9000}}
      - {{lat_deg: 36.5, lon_deg: 36.0, alt_agl_m: 9000}}
"""
    return validate_text(text, "iff-network-test.yaml")


def test_integrated_incompatible_unit_gets_the_networks_identity_and_holds_fire() -> None:
    # standalone (as in 2017) the S-400 cannot read the NATO fighters' replies and, weapons free,
    # shoots; integrated into the network it receives the Patriot's friend identity and does not
    s400 = 0  # fire unit index (sites in file order)
    alone = iadsim.simulate(_networked("null"))
    fr = kinds(alone, "Fratricide")
    assert (fr["fire_unit"] == s400).any()
    joined = iadsim.simulate(_networked("nato"))
    fr = kinds(joined, "Fratricide")
    assert not (fr["fire_unit"] == s400).any()
    launches = kinds(joined, "Launch")
    assert not (launches["fire_unit"] == s400).any()
    ident = kinds(joined, "Identified")
    at_s400 = ident["site"] == 0
    assert np.isin(ident["reason"][at_s400], ["id_friend", "id_assumed_friend"]).any()
