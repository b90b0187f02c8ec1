"""networks: in the scenario — loader checks with file:line, compiled arrays, catalogue flag."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine.world import compile_networks
from iadsim.errors import ScenarioError
from iadsim.scenario.catalog import load_catalog
from iadsim.scenario.load import validate_text
from iadsim.scenario.warnings import scenario_warnings

BASE = """\
name: net
duration_s: 60
sites:
  - name: s1
    lat_deg: 37.0
    lon_deg: 35.3
    network: {net1}
  - name: s2
    lat_deg: 37.5
    lon_deg: 35.8
  - name: s3
    lat_deg: 37.2
    lon_deg: 36.0
    network: nato
assets:
  - {{name: a1, lat_deg: 37.0, lon_deg: 35.4}}
networks:
  - name: nato
    latency_s: 2
    update_s: 4
    c2_node_fail_s: 30
    outages:
      - {{start_s: 10, end_s: {end0}}}
      - {{start_s: {start1}, end_s: 40}}
"""


def _text(net1: str = "nato", end0: float = 20, start1: float = 30) -> str:
    return BASE.format(net1=net1, end0=end0, start1=start1)


def test_good_networks_compile_to_arrays() -> None:
    sc = validate_text(_text(), "n.yaml")
    nw = compile_networks(sc)
    assert nw.name == ("nato",)
    assert list(nw.site_network) == [0, -1, 0]
    assert nw.latency_s[0] == 2 and nw.update_s[0] == 4 and nw.c2_fail_s[0] == 30
    assert list(nw.outage_start_s) == [10, 30] and list(nw.outage_end_s) == [20, 40]
    # link availability: up, outage [10, 20), up, outage [30, 40) and the node failed at 30
    assert [bool(nw.link_up(t)[0]) for t in (0, 10, 19.9, 20, 29.9, 30, 45)] == [True, False, False, True, True, False, False]


def test_unknown_network_on_a_site_has_its_line() -> None:
    with pytest.raises(ScenarioError) as exc:
        validate_text(_text(net1="natto"), "n.yaml")
    p = {q.key_path: q for q in exc.value.problems}["sites[0].network"]
    assert p.line == 7 and "natto" in p.message and "nato" in p.message


def test_outage_end_before_start_and_overlap_are_errors() -> None:
    with pytest.raises(ScenarioError) as exc:
        validate_text(_text(end0=10), "n.yaml")
    p = {q.key_path: q for q in exc.value.problems}["networks[0].outages[0].end_s"]
    assert "end after it starts" in p.message and p.line == 23
    with pytest.raises(ScenarioError) as exc:
        validate_text(_text(end0=35, start1=30), "n.yaml")
    p = {q.key_path: q for q in exc.value.problems}["networks[0].outages[1]"]
    assert "overlaps" in p.message and p.line == 24


def test_network_without_members_warns() -> None:
    text = _text().replace("network: nato", "network: null").replace("network: nato", "network: null")
    sc = validate_text(text, "n.yaml")
    w = [x for x in scenario_warnings(sc) if x.code == "empty-network"]
    assert len(w) == 1 and "nato" in w[0].message
    assert not [x for x in scenario_warnings(validate_text(_text(), "n.yaml")) if x.code == "empty-network"]


def test_latency_and_update_are_required() -> None:
    with pytest.raises(ScenarioError) as exc:
        validate_text(_text().replace("    latency_s: 2\n", ""), "n.yaml")
    assert any("latency_s" in q.key_path or "latency_s" in q.message for q in exc.value.problems)


def test_catalogue_datalink_flag_is_sourced_for_every_interceptor() -> None:
    cat = load_catalog()
    for k, e in cat.interceptors.items():
        sv = e.sourced("midcourse_datalink")
        assert sv.value in (0.0, 1.0), k
    assert np.isclose(cat.interceptors["pac-2-gem"].value("midcourse_datalink"), 1.0)


def test_campaign_key_path_makes_a_site_a_member() -> None:
    import io

    from ruamel.yaml import YAML

    from iadsim.campaign.spec import apply_set
    from iadsim.scenario.load import parse_yaml, read_scenario_text

    text, _ = read_scenario_text("turkey-2017-standalone")
    root = parse_yaml(text, "x.yaml")
    apply_set(root, "sites.murted-s400-1.network", "nato")
    buf = io.StringIO()
    YAML().dump(root, buf)
    sc = validate_text(buf.getvalue(), "x.yaml")
    assert [s.network for s in sc.sites] == ["nato", None, "nato", "nato"]


def test_bundled_network_variants_differ_only_in_the_s400_membership() -> None:
    from iadsim.scenario.load import load_scenario

    a, b = load_scenario("turkey-2017-standalone"), load_scenario("turkey-2017-integrated")
    assert [s.network for s in a.sites] == [None, None, "nato", "nato"]
    assert [s.network for s in b.sites] == ["nato"] * 4
    assert a.raids == b.raids and a.friendly_flights == b.friendly_flights and a.networks == b.networks
