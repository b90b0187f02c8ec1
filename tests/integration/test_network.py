"""Networks (issue 9, items 1-5): each test fails when its rule is removed.

Small scenarios from YAML strings near Adana: (1) two Patriot sites side by side covering one raid
of aircraft (fire distribution); (2) a forward surveillance site (91N6E, no weapons) and a Patriot
site behind it (common picture, cueing, engage-on-remote).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import iadsim
from iadsim.scenario.load import validate_text

SLS = "      - type: patriot\n        doctrine: shoot-look-shoot"


def two_sites(net: str = "nato", network_extra: str = "", fu: str = SLS) -> iadsim.Scenario:
    text = f"""\
name: net-two
duration_s: 900
seed: 3
sites:
  - name: a
    lat_deg: 37.0
    lon_deg: 35.3
    network: {net}
    sensors:
      - type: an-mpq-65
        boresight_az_deg: 180
    fire_units:
{fu}
  - name: b
    lat_deg: 37.0
    lon_deg: 35.5
    network: {net}
    sensors:
      - type: an-mpq-65
        boresight_az_deg: 180
    fire_units:
{fu}
networks:
  - name: nato
    latency_s: 1
    update_s: 2
{network_extra}
assets:
  - {{name: base, lat_deg: 36.9, lon_deg: 35.4}}
raids:
  - name: r
    threat: fighter-4gen
    count: 3
    launch: {{lat_deg: 35.6, lon_deg: 35.4}}
    spacing_s: 30
    target: base
"""
    return validate_text(text, "net-two.yaml")


def forward(eor: bool = False, latency: float = 2, net_b: str = "nato", network_extra: str = "",
            fu_extra: str = "", head: str = "") -> iadsim.Scenario:  # fmt: skip
    text = f"""\
name: net-cue
duration_s: 900
seed: 5
{head}
sites:
  - name: forward
    lat_deg: 36.2
    lon_deg: 35.3
    network: nato
    sensors:
      - type: 91n6e
  - name: b
    lat_deg: 37.0
    lon_deg: 35.3
    network: {net_b}
    sensors:
      - type: an-mpq-65
        boresight_az_deg: 180
    fire_units:
      - type: patriot
        doctrine: shoot-look-shoot
        engage_on_remote: {str(eor).lower()}
{fu_extra}
networks:
  - name: nato
    latency_s: {latency}
    update_s: 2
{network_extra}
assets:
  - {{name: base, lat_deg: 36.95, lon_deg: 35.3}}
raids:
  - name: r
    threat: fighter-4gen
    count: 1
    launch: {{lat_deg: 34.0, lon_deg: 35.3}}
    target: base
"""
    return validate_text(text, "net-cue.yaml")


def events(res: Any) -> dict[str, np.ndarray]:
    d = res.events.to_pydict()
    return {k: np.array(v, dtype=object if k in ("kind", "reason") else None) for k, v in d.items()}


def times(e: dict[str, np.ndarray], kind: str, **cond: Any) -> np.ndarray:
    m = e["kind"] == kind
    for c, v in cond.items():
        m &= e[c] == v
    return np.asarray(e["time_s"][m], float)


def double_engaged(res: Any, assess_s: float = 5.0) -> set[int]:
    """Threats that two fire units engaged at once (rounds in flight or awaiting assessment)."""
    e = events(res)
    k = e["kind"]
    L = k == "Launch"
    end: dict[int, float] = {}
    for kind in ("Intercept", "Miss"):
        m = k == kind
        end.update({int(s): float(t) + assess_s for s, t in zip(e["shot"][m], e["time_s"][m])})
    iv = [(int(th), int(fu), float(tl), end.get(int(s), np.inf))
          for th, fu, tl, s in zip(e["threat"][L], e["fire_unit"][L], e["time_s"][L], e["shot"][L])]  # fmt: skip
    return {a[0] for a in iv for b in iv if a[0] == b[0] and a[1] < b[1] and a[2] < b[3] and b[2] < a[3]}


def launches(res: Any) -> list[tuple[float, int, int]]:
    e = events(res)
    m = e["kind"] == "Launch"
    return list(zip(e["time_s"][m].tolist(), e["fire_unit"][m].tolist(), e["threat"][m].tolist()))


# ------------------------------------------------------------------------------- fire distribution
def test_networked_sites_never_double_engage_standalone_do() -> None:
    alone = iadsim.simulate(two_sites("null"))
    assert double_engaged(alone) == {0, 1, 2}  # both batteries fire at every aircraft
    net = iadsim.simulate(two_sites("nato"))
    assert double_engaged(net) == set()
    assert len(launches(net)) > 0 and net.summary["threats"]["destroyed"] == 3


def test_layered_second_shot_doctrine_allows_a_second_unit() -> None:
    res = iadsim.simulate(two_sites("nato", fu=SLS + "\n        layered_second_shot: true"))
    assert double_engaged(res)  # the doctrine asks for it


def test_c2_node_failure_means_autonomous_fighting() -> None:
    failed = iadsim.simulate(two_sites("nato", "    c2_node_fail_s: 0.5"))
    e = events(failed)
    assert len(times(e, "C2NodeFailed")) == 1
    assert launches(failed) == launches(iadsim.simulate(two_sites("null")))  # standalone semantics
    assert len(times(e, "NetworkTrack")) == 0


# ------------------------------------------------------------------------------- picture and cueing
def test_latency_delays_cueing_by_latency() -> None:
    t2 = times(events(iadsim.simulate(forward(latency=2))), "NetworkTrack", site=1)
    t8 = times(events(iadsim.simulate(forward(latency=8))), "NetworkTrack", site=1)
    assert len(t2) and len(t8)
    assert t8[0] - t2[0] == 6.0


def test_outage_stops_delivery() -> None:
    base = events(iadsim.simulate(forward()))
    e = events(iadsim.simulate(forward(network_extra="    outages:\n      - {start_s: 20, end_s: 600}")))
    assert times(base, "NetworkTrack", site=1)[0] < 600
    assert times(e, "NetworkTrack", site=1)[0] >= 600  # nothing delivered during the outage
    assert times(e, "LinkDown").tolist() == [20.0] and times(e, "LinkUp").tolist() == [600.0]


def test_network_track_numbers_are_stable() -> None:
    e = events(iadsim.simulate(forward()))
    m = (e["kind"] == "NetworkTrack") & (e["site"] == 1)
    assert len(set(e["value"][m].tolist())) == 1  # one target, one number over the whole run


def test_cueing_gives_the_fire_control_radar_the_target_earlier() -> None:
    alone = iadsim.simulate(forward(net_b="null"))
    cued = iadsim.simulate(forward())
    t_alone, t_cued = launches(alone)[0][0], launches(cued)[0][0]
    assert t_cued < t_alone
    # without engage_on_remote the unit fired on its own track, acquired through the cue
    assert all(r is None for r in events(cued)["reason"][events(cued)["kind"] == "Assignment"])


# ------------------------------------------------------------------------------- engage on remote
def test_engage_on_remote_launches_earlier_than_own_radar_only() -> None:
    own = iadsim.simulate(forward(eor=False))
    rem = iadsim.simulate(forward(eor=True))
    assert launches(rem)[0][0] < launches(own)[0][0] - 60.0
    e = events(rem)
    assert e["reason"][e["kind"] == "Assignment"][0] == "remote_track"
    assert rem.summary["network"]["engagements_on_remote_tracks"] >= 1
    # launched before its own radar holds the target: no loss while it is still to be acquired
    # (the hand-over rule), and the round kills
    assert len(times(e, "GuidanceLost")) == 0 and len(times(e, "Intercept")) == 1
    assert own.summary["network"]["engagements_on_remote_tracks"] == 0


def test_engage_on_remote_needs_a_datalink_round() -> None:
    no_dl = ("        interceptors:\n          pac-2-gem: {midcourse_datalink: false}\n"
             "          pac-3: {midcourse_datalink: false}")  # fmt: skip
    res = iadsim.simulate(forward(eor=True, fu_extra=no_dl))
    e = events(res)
    assert "remote_track" not in e["reason"][e["kind"] == "Assignment"].tolist()
    assert launches(res)[0][0] == launches(iadsim.simulate(forward(eor=False)))[0][0]


@pytest.mark.parametrize("head", ["fidelity: {association: truth}", "tracking: {model: imm}",
                                  "fidelity: {association: jpda}"])
def test_remote_tracks_with_every_tracker(head: str) -> None:
    own = iadsim.simulate(forward(eor=False, head=head))
    rem = iadsim.simulate(forward(eor=True, head=head))
    assert len(times(events(rem), "NetworkTrack", site=1)) >= 1
    assert launches(rem)[0][0] < launches(own)[0][0]
