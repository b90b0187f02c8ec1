"""Campaign files: key-path overrides, sweeps, costs, and one clear error per bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from iadsim.campaign.spec import apply_set, battery_cost, load_campaign
from iadsim.errors import ScenarioError
from iadsim.scenario.catalog import load_catalog


def test_override_by_item_name_and_index(small) -> None:
    c = load_campaign(small("  - name: a\n  - name: b\n    set: {sites.adana-patriot.fire_units.0.doctrine: salvo, raids.cruise.count: 2}\n"))
    a, b = c.variants
    assert a.scenario.sites[0].fire_units[0].doctrine == "shoot-look-shoot"
    assert b.scenario.sites[0].fire_units[0].doctrine == "salvo"
    assert b.scenario.raids[0].count == 2 and a.scenario.raids[0].count == 4
    assert a.scenario.duration_s == 300  # common override
    assert a.scenario_sha256 != b.scenario_sha256
    assert c.baseline == "a"


def test_remove_and_append(small) -> None:
    c = load_campaign(small(
        "  - name: a\n  - name: b\n    remove: [raids.srbm]\n"
        "    append:\n      sites.adana-patriot.fire_units: [{type: patriot, name: second}]\n"
    ))  # fmt: skip
    a, b = c.variants
    assert [r.name for r in b.scenario.raids] == ["cruise", "strike"]
    assert len(b.scenario.sites[0].fire_units) == 2
    cat = load_catalog()
    per = cat.systems["patriot"].value("cost_usd_per_battery")
    assert a.cost_usd == per and b.cost_usd == 2 * per


def test_sweep_is_cartesian(small) -> None:
    c = load_campaign(small(extra="sweeps:\n  - {path: tracking.clutter_per_scan, values: [0, 1]}\n  - {path: raids.cruise.count, values: [1, 2, 3]}\n"))
    assert len(c.variants) == 2 * 2 * 3
    names = [v.name for v in c.variants]
    assert "a_clutter_per_scan-1_count-3" in names
    v = c.variant("b_clutter_per_scan-1_count-2")
    assert v.scenario.tracking.clutter_per_scan == 1 and v.scenario.raids[0].count == 2


def test_stated_cost_wins(small) -> None:
    c = load_campaign(small("  - name: a\n    cost_usd: 123.0\n"))
    assert c.variants[0].cost_usd == 123.0 and "stated" in c.variants[0].cost_basis


def test_identity_ignores_replications_but_not_variants(small, tmp_path: Path) -> None:
    a = load_campaign(small(reps=3))
    b = load_campaign(small(reps=9))
    c = load_campaign(small(dur=301))
    assert a.identity_sha256 == b.identity_sha256 != c.identity_sha256


def _problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as ei:
        load_campaign(path)
    return [str(p) for p in ei.value.problems]


def test_unknown_list_item_is_error_with_line(small) -> None:
    p = small("  - name: a\n  - name: b\n    set: {sites.no-such-site.alt_m: 3}\n")
    (msg,) = _problems(p)
    assert f"{p}:9:" in msg and "no item named 'no-such-site'" in msg and "adana-patriot" in msg


def test_unknown_key_is_error_at_override_line(small) -> None:
    p = small("  - name: a\n    set:\n      sites.adana-patriot.fire_units.0.doctrin: salvo\n")
    (msg,) = _problems(p)
    assert f"{p}:9:" in msg and "unknown key 'doctrin'" in msg


def test_bad_value_is_error_at_override_line(small) -> None:
    p = small("  - name: a\n    set:\n      sites.adana-patriot.fire_units.0.doctrine: yolo\n")
    (msg,) = _problems(p)
    assert f"{p}:9:" in msg and "doctrine" in msg


def test_empty_sweep_is_error(small) -> None:
    p = small(extra="sweeps:\n  - {path: raids.cruise.count, values: []}\n")
    (msg,) = _problems(p)
    assert "sweeps[0].values" in msg and ":11:" in msg


def test_zero_replications_is_error(small) -> None:
    (msg,) = _problems(small(reps=0))
    assert "replications" in msg and ":4:" in msg


def test_apply_set_creates_missing_mapping_keys() -> None:
    tree = {"tracking": {}}
    apply_set(tree, "tracking.gate", 3.0)
    assert tree == {"tracking": {"gate": 3.0}}


def test_battery_cost_sums_catalogue() -> None:
    from iadsim.scenario.load import load_scenario

    cat = load_catalog()
    sc = load_scenario("turkey-2017")
    cost, basis = battery_cost(sc, cat)
    expect = 2 * cat.systems["s400"].value("cost_usd_per_battery") + cat.systems["patriot"].value("cost_usd_per_battery") + cat.systems["samp-t"].value("cost_usd_per_battery")
    assert cost == pytest.approx(expect) and "2 x s400" in basis


def test_bundled_campaigns_validate() -> None:
    from iadsim.campaign.spec import bundled_campaigns

    names = bundled_campaigns()
    assert {"turkey-2017-network", "turkey-2017-procurement"} <= set(names)
    for n in names:
        load_campaign(n)


def test_rules_of_engagement_by_key_path(small) -> None:
    # issue 9 IFF: the top-level ROE and the per-site override are campaign key paths
    c = load_campaign(small("  - name: a\n  - name: b\n    set: {rules_of_engagement: weapons_free, "
                            "sites.adana-patriot.rules_of_engagement: weapons_hold}\n"))  # fmt: skip
    a, b = c.variants
    assert a.scenario.rules_of_engagement == "weapons_tight" and a.scenario.sites[0].rules_of_engagement is None
    assert b.scenario.rules_of_engagement == "weapons_free" and b.scenario.sites[0].rules_of_engagement == "weapons_hold"
