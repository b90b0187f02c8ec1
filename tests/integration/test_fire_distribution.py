"""Fire distribution and WTA in the engine (issue 9 items 4, 7): each test fails if its rule is removed.

Small scenarios: one site at Adana with its radar facing south, an asset beside it, aircraft
flying straight at it from the south (the style of test_fire_control.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import iadsim
from iadsim.c2 import fire_distribution
from iadsim.results.metrics import double_engagements
from iadsim.scenario.load import validate_text

from adana_scenarios import PATRIOT_SOUTH, adana_scenario, kinds


def scenario(fire_units: str, count: int = 4, extra: str = "", sensors: str = PATRIOT_SOUTH, spacing: int = 20,
             duration: int = 900) -> iadsim.Scenario:  # fmt: skip
    return adana_scenario(sensors, fire_units, count=count, duration=duration, seed=5, spacing=spacing, extra=extra,
                          name="fd-test")  # fmt: skip


def rounds(res) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    la = kinds(res, "Launch")
    end = {}
    for k in ("Intercept", "Miss"):
        d = kinds(res, k)
        end.update(dict(zip(d["shot"], d["time_s"])))
    t_end = np.array([end.get(s, np.inf) for s in la["shot"]])
    return la["fire_unit"], la["threat"], la["time_s"], t_end


TWO_PATRIOTS = "      - type: patriot\n        name: p1\n      - type: patriot\n        name: p2"


@pytest.mark.parametrize("solver", ["greedy", "mmr", "heuristic", "exact"])
def test_two_units_of_one_site_never_engage_one_threat_at_once(solver: str) -> None:
    res = iadsim.simulate(scenario(TWO_PATRIOTS, count=6, extra=f"assignment: {solver}"))
    fu, thr, t0, t1 = rounds(res)
    assert len(set(fu)) == 2  # both units fired: the threats were distributed between them
    assert double_engagements(fu, thr, t0, t1) == 0
    assert res.summary["c2"]["double_engagements"] == 0


def test_without_the_distribution_rules_the_two_units_double_engage(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule defended above is real: without (a) and (b) the same scenario double-engages."""
    monkeypatch.setattr(fire_distribution, "engaged_by_other_unit", lambda f, *a: np.zeros(len(f), bool))
    from iadsim.engine import run as run_mod

    # without a network rule (a) is the site_rule of the candidate kernel (fire_control.engage_candidates)
    monkeypatch.setattr(run_mod, "_SITE_RULE", False)
    # rule (b) without it: one group (one WTA instance) per unit, as if the units were not one group,
    # in the engine's compiled decision and its Python path alike
    monkeypatch.setattr(run_mod, "_SITE_GROUPS", False)
    res = iadsim.simulate(scenario(TWO_PATRIOTS, count=6))
    fu, thr, t0, t1 = rounds(res)
    assert double_engagements(fu, thr, t0, t1) > 0


def test_layered_doctrine_lets_a_second_unit_add_an_engagement() -> None:
    res = iadsim.simulate(scenario(TWO_PATRIOTS, count=6, extra="fire_distribution: layered"))
    fu, thr, t0, t1 = rounds(res)
    assert double_engagements(fu, thr, t0, t1) > 0  # (rule b still holds: see the next test)


def test_one_unit_per_threat_per_cycle_in_the_engine() -> None:
    """Rule (b): two units with one round each and one threat; the WTA optimum is one round from each
    (max rounds per threat = the salvo, 2), but only one unit engages it in a cycle."""
    one = "        loadout: {pac-2-gem: 1}\n        reserve: {}"
    units = f"      - type: patriot\n        name: p1\n{one}\n      - type: patriot\n        name: p2\n{one}"
    for mode in ("exclusive", "layered"):
        a = kinds(iadsim.simulate(scenario(units, count=1, extra=f"fire_distribution: {mode}")), "Assignment")
        assert len(a["time_s"]) >= 1
        assert len(set(a["time_s"])) == len(a["time_s"])  # never two assignments of the threat in one cycle


def test_one_unit_per_threat_per_cycle_kernel() -> None:
    # rule (b): two weapons put rounds on target 0; only the one with most rounds engages it
    x = np.array([[1, 0], [2, 1]])
    pair = np.array([[10, 11], [20, 21]])
    pe, n = fire_distribution.engagements(x, pair)
    assert pe.tolist() == [20, 21] and n.tolist() == [2, 1]


def test_rule_a_kernel_blocks_other_units_only() -> None:
    f = np.array([0, 1, 1, 2])
    group = np.array([0, 0, 0, 1])
    key = np.array([5, 5, 6, 5])
    blocked = fire_distribution.engaged_by_other_unit(f, group, key, np.array([0]), np.array([0]), np.array([5]))
    assert blocked.tolist() == [False, True, False, False]


def test_target_channels_limit_targets_engaged_at_once() -> None:
    fu = "      - type: patriot\n        max_simultaneous_engagements: 1"
    res = iadsim.simulate(scenario(fu, count=4, spacing=2))
    fu_, thr, t0, t1 = rounds(res)
    assert len(set(thr)) >= 2
    for i in range(len(thr)):  # no two distinct targets with rounds in flight at the same time
        other = (thr != thr[i]) & (t0 < t1[i]) & (t0[i] < t1)
        assert not other.any()
    wide = iadsim.simulate(scenario("      - type: patriot", count=4, spacing=2))
    _, thr2, s0, s1 = rounds(wide)
    assert any(((thr2 != thr2[i]) & (s0 < s1[i]) & (s0[i] < s1)).any() for i in range(len(thr2)))


def test_launches_of_one_unit_respect_its_launch_interval() -> None:
    """Readiness: several engagements of one cycle leave the launchers one interval apart."""
    fu = "      - type: patriot\n        doctrine: salvo\n        launch_interval_s: 4"
    res = iadsim.simulate(scenario(fu, count=4, spacing=1))
    t = np.sort(kinds(res, "Launch")["time_s"])
    assert len(t) >= 4
    assert np.diff(t).min() >= 4.0 - 1e-6


def test_shoot_look_shoot_fires_one_round_per_engagement() -> None:
    res = iadsim.simulate(scenario("      - type: patriot\n        doctrine: shoot-look-shoot", count=4, spacing=2))
    a, la = kinds(res, "Assignment"), kinds(res, "Launch")
    assert len(a["time_s"]) > 0 and len(la["time_s"]) == len(a["time_s"])
    salvo = iadsim.simulate(scenario("      - type: patriot\n        doctrine: salvo", count=4, spacing=2))
    assert len(kinds(salvo, "Launch")["time_s"]) > len(kinds(salvo, "Assignment")["time_s"])


def test_decision_interval_sets_the_decision_times() -> None:
    res = iadsim.simulate(scenario("      - type: patriot", count=3, extra="decision_interval_s: 10"))
    t = kinds(res, "Assignment")["time_s"]
    assert len(t) > 0
    assert np.allclose(np.mod(t, 10.0), 0.0)
    every = iadsim.simulate(scenario("      - type: patriot", count=3))
    assert not np.allclose(np.mod(kinds(every, "Assignment")["time_s"], 10.0), 0.0)


def test_unknown_solver_and_misplaced_time_limit_are_scenario_errors() -> None:
    with pytest.raises(iadsim.ScenarioError if hasattr(iadsim, "ScenarioError") else Exception, match="assignment"):
        scenario("      - type: patriot", extra="assignment: fastest")
    with pytest.raises(Exception, match="applies to assignment: exact only"):
        scenario("      - type: patriot", extra="assignment_time_limit_s: 2")


def _two_assets(v_gold: float, v_tin: float) -> iadsim.Scenario:
    return validate_text(f"""\
name: prio
duration_s: 900
seed: 5
decision_interval_s: 20
sites:
  - name: site
    lat_deg: 37.0
    lon_deg: 35.3
    sensors:
{PATRIOT_SOUTH}
    fire_units:
      - type: patriot
        loadout: {{pac-2-gem: 1}}
        reserve: {{}}
assets:
  - {{name: gold, lat_deg: 36.9, lon_deg: 35.15, value: {v_gold}}}
  - {{name: tin, lat_deg: 36.9, lon_deg: 35.45, value: {v_tin}}}
raids:
  - {{name: a, threat: fighter-4gen, launch: {{lat_deg: 35.6, lon_deg: 35.15}}, target: gold}}
  - {{name: b, threat: fighter-4gen, launch: {{lat_deg: 35.6, lon_deg: 35.45}}, target: tin}}
""", "prio.yaml")


def test_the_only_round_goes_to_the_threat_with_the_higher_value_at_risk() -> None:
    """Threat evaluation drives the WTA: two mirror-image threats, one round; swapping the asset values swaps the target."""
    for v_gold, v_tin, expected in ((100, 1, 0), (1, 100, 1)):  # threat 0 flies at gold, threat 1 at tin
        a = kinds(iadsim.simulate(_two_assets(v_gold, v_tin)), "Assignment")
        assert len(a["threat"]) == 1 and a["threat"][0] == expected


def test_assignments_stay_inside_the_envelope() -> None:
    """Feasibility from the envelope: with the PAC-2 GEM's range cut to 25 km every predicted intercept
    point of an assignment lies within 25 km of the unit (and without the cut some lie beyond)."""
    from iadsim.geo import frames

    site = np.asarray(frames.geodetic_to_ecef(np.deg2rad(37.0), np.deg2rad(35.3), 0.0), float).reshape(3)

    def pip_ranges(fu: str) -> np.ndarray:
        a = kinds(iadsim.simulate(scenario(fu, count=4)), "Assignment")
        pip = np.stack([a["x_m"], a["y_m"], a["z_m"]], axis=1).astype(float)
        return np.linalg.norm(pip - site, axis=1)

    short = pip_ranges("      - type: patriot\n        loadout: {pac-2-gem: 16}\n        reserve: {}\n"
                       "        interceptors: {pac-2-gem: {max_range_km: 25}}")  # fmt: skip
    assert len(short) > 0 and short.max() <= 25_000.0 + 1.0
    full = pip_ranges("      - type: patriot\n        loadout: {pac-2-gem: 16}\n        reserve: {}")
    assert full.max() > 25_000.0
