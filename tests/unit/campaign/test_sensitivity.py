"""Sensitivity path: SALib's Ishigami function gives its analytic Sobol indices through the same
``analyse`` code the scenario model uses; Morris on a linear model; grade-based default ranges."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from iadsim.campaign.sensitivity import analyse, budget, load_study, ranked
from iadsim.errors import ScenarioError


def test_ishigami_first_order_indices() -> None:
    from SALib.test_functions import Ishigami

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    res = analyse("sobol", problem, Ishigami.evaluate, samples=4096, seed=3, outputs=["y"])
    idx = res["indices"]["y"]
    analytic = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
    for k, s1 in analytic.items():
        # within 3 bootstrap standard errors (S1_conf is the 95 % half-width, 1.96 se) + 0.01
        tol = 3 * idx[k]["S1_conf"] / 1.96 + 0.01
        assert abs(idx[k]["S1"] - s1) < tol, (k, idx[k])
    assert idx["x3"]["ST"] > 0.15  # x3 acts only through its interaction with x1 (ST = 0.244)
    assert res["X"].shape == (4096 * 5, 3)


def test_morris_linear_model_mu_star_exact() -> None:
    a = np.array([3.0, -1.0, 0.0])
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1], [0, 2], [0, 1]]}
    res = analyse("morris", problem, lambda X: X @ a, trajectories=20, levels=4, seed=1, outputs=["y"])
    mu = {k: v["mu_star"] for k, v in res["indices"]["y"].items()}
    # elementary effect of a linear model = coefficient x range (SALib scales by the bounds)
    assert mu["a"] == pytest.approx(3.0) and mu["b"] == pytest.approx(2.0) and mu["c"] == pytest.approx(0.0)
    assert [n for n, _ in ranked(res["indices"], "morris")["y"]] == ["a", "b", "c"]


def test_budget() -> None:
    assert budget("morris", 4, 10, 64, 3) == (50, 150)
    assert budget("sobol", 4, 10, 64, 3) == (384, 1152)


STUDY = """\
name: s
base: adana-patriot-small
replications: 2
overrides: {duration_s: 300}
parameters:
  - path: sites.adana-patriot.sensors.0.reference_range_km
  - path: sites.adana-patriot.fire_units.0.interceptors.pac-3.pk.ballistic_missile
  - path: raids.cruise.count
    range: [1, 4]
"""


def test_default_ranges_from_catalogue_grade(tmp_path: Path) -> None:
    from iadsim.scenario.catalog import load_catalog

    cat = load_catalog()
    p = tmp_path / "s.yaml"
    p.write_text(STUDY)
    st = load_study(p)
    r, pk, cnt = st.params
    sv = cat.radars["an-mpq-65"].sourced("reference_range_km")
    h = {"A": 0.1, "B": 0.25, "C": 0.5}.get(sv.provenance, 0.5)
    assert (r.lo, r.hi) == pytest.approx((sv.value * (1 - h), sv.value * (1 + h)))
    pv = cat.interceptors["pac-3"].pk("ballistic_missile")
    hp = {"A": 0.1, "B": 0.25, "C": 0.5}.get(pv.provenance, 0.5)
    assert pk.hi == pytest.approx(min(1.0, pv.value * (1 + hp))) and pk.lo == pytest.approx(pv.value * (1 - hp))
    assert (cnt.lo, cnt.hi) == (1, 4) and "given" in cnt.basis
    assert st.budget() == (10 * 4, 80)


def test_bad_parameter_path_is_error_with_line(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(STUDY.replace("sensors.0.reference", "sensors.4.reference"))
    with pytest.raises(ScenarioError) as ei:
        load_study(p)
    assert f"{p}:6:" in str(ei.value.problems[0]) and "out of range" in str(ei.value.problems[0])


def test_scenario_model_runs_with_common_seeds(tmp_path: Path) -> None:
    from iadsim.campaign.executors import LocalExecutor
    from iadsim.campaign.sensitivity import scenario_model

    p = tmp_path / "s.yaml"
    p.write_text(STUDY)
    st = load_study(p)
    with LocalExecutor(2) as ex:
        model = scenario_model(st, ex)
        X = np.array([[st.params[0].lo, 0.5, 2.0], [st.params[0].lo, 0.5, 2.0], [st.params[0].hi, 0.9, 4.0]])
        Y = model(X)
    assert Y.shape == (3, 2)
    assert np.array_equal(Y[0], Y[1])  # same point, same seeds -> same mean
