"""Siting: greedy ≤ exact = brute force; guarantee; compression; fixed batteries."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.analysis.coverage import make_grid
from iadsim.analysis.siting import brute_force_max_cover, compress, exact_max_cover, greedy_max_cover
from iadsim.errors import InputError


def disc_instance(seed: int, n_cand: int = 14, radius_km: float = 120.0):
    """Cells of a 10 km grid and candidate discs: the geometric structure of real siting."""
    rng = np.random.default_rng(seed)
    grid = make_grid((30.0, 37.0, 36.0, 41.0), 20_000.0)
    cand = grid.unit[rng.choice(grid.n, n_cand, replace=False)]
    cover = (grid.unit @ cand.T) >= math.cos(radius_km * 1e3 / 6_371_000.0)
    return cover, grid.area_m2


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [2, 3])
def test_exact_equals_brute_force_and_greedy_below(seed: int, k: int) -> None:
    cover, w = disc_instance(seed)
    g = greedy_max_cover(cover, w, k)
    e = exact_max_cover(cover, w, k, time_limit_s=20)
    b = brute_force_max_cover(cover, w, k)
    assert e.value == pytest.approx(b.value, rel=1e-9)
    assert e.gap == 0.0 and e.status == "Optimal"
    assert g.value <= e.value * (1 + 1e-12)
    assert g.value >= (1 - 1 / math.e) * e.value  # Nemhauser–Wolsey–Fisher guarantee
    assert g.bound >= e.value * (1 - 1e-12)  # greedy's bound is a valid upper bound
    assert len(set(e.chosen)) == k


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 3))
def test_random_instances_property(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    cover = rng.random((40, 8)) < 0.25
    w = rng.random(40)
    g = greedy_max_cover(cover, w, k)
    e = exact_max_cover(cover, w, k)
    b = brute_force_max_cover(cover, w, k)
    assert e.value == pytest.approx(b.value, rel=1e-9, abs=1e-12)
    assert g.value <= b.value + 1e-12
    assert g.value >= (1 - 1 / math.e) * b.value - 1e-12


def test_greedy_is_not_always_optimal() -> None:
    # classic instance: one big central set vs two disjoint halves
    cover = np.zeros((6, 3), bool)
    cover[[0, 1, 2, 3], 0] = True  # centre: 4 points
    cover[[0, 1, 4], 1] = True
    cover[[2, 3, 5], 2] = True
    w = np.ones(6)
    assert greedy_max_cover(cover, w, 2).value == 5.0
    assert exact_max_cover(cover, w, 2).value == 6.0


def test_compress_preserves_objective() -> None:
    cover, w = disc_instance(5)
    a2, w2 = compress(cover, w)
    assert a2.shape[0] < cover.shape[0]
    rng = np.random.default_rng(0)
    for _ in range(5):
        s = rng.choice(cover.shape[1], 3, replace=False)
        assert w[cover[:, s].any(1)].sum() == pytest.approx(w2[a2[:, s].any(1)].sum())


def test_fixed_coverage_zero_weight_and_errors() -> None:
    cover, w = disc_instance(3)
    already = cover[:, 0]  # keep candidate 0's battery in place
    e = exact_max_cover(cover, np.where(already, 0.0, w), 2)
    assert 0 not in e.chosen
    with pytest.raises(InputError, match="k must be"):
        greedy_max_cover(cover, w, 0)
    with pytest.raises(InputError, match="k must be"):
        exact_max_cover(cover, w, cover.shape[1] + 1)


# ------------------------------------------------------------------------------ command line
def _invoke(args):
    import typer
    from typer.testing import CliRunner

    from iadsim.analysis.cli import register

    app = typer.Typer()
    register(app)
    return CliRunner().invoke(app, args)


def test_cli_site_outputs_and_snippet(tmp_path) -> None:
    import json

    from ruamel.yaml import YAML

    from iadsim.scenario.schema import SiteSpec

    r = _invoke(["site", "turkey-2017", "--system", "samp-t", "--k", "2", "--n-candidates", "40",
                 "--resolution-km", "40", "--altitude-m", "5000", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "siting.json").read_text())
    g, e = doc["methods"]["greedy"], doc["methods"]["exact"]
    assert g["value"] <= e["value"] + 1e-6 and e["status"] == "Optimal"
    assert len(doc["chosen"]) == 2 and 0 < doc["pct_covered"] < 100
    sites = YAML(typ="safe").load((tmp_path / "sites-snippet.yaml").read_text())
    specs = [SiteSpec.model_validate(s) for s in sites]  # pastes into a scenario as is
    assert [s.fire_units[0].type for s in specs] == ["samp-t", "samp-t"]
    assert (tmp_path / "siting.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_site_assets_keep_existing_and_errors(tmp_path) -> None:
    import json

    r = _invoke(["site", "turkey-2017", "--system", "patriot", "--k", "1", "--boresight-deg", "180", "--objective", "assets",
                 "--keep-existing", "--n-candidates", "30", "--resolution-km", "50", "--altitude-m", "3000",
                 "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "siting.json").read_text())
    assert doc["unit"] == "asset value" and doc["total"] == pytest.approx(470.0)
    assert doc["existing_covered"] > 0  # Adana/Kahramanmaraş batteries already cover some assets
    assert doc["covered"] >= doc["existing_covered"]
    r = _invoke(["site", "turkey-2017", "--system", "s-400", "--k", "2"])
    assert r.exit_code == 2 and "unknown system 's-400'" in r.output
    r = _invoke(["site", "turkey-2017", "--system", "s400", "--k", "2", "--candidates", str(tmp_path / "none.csv")])
    assert r.exit_code == 2 and "file not found" in r.output
    csvf = tmp_path / "c.csv"
    csvf.write_text("lat_deg,lon_deg,name\n39.9,32.8,ankara\n37.0,35.3,adana\n41.0,29.0,istanbul\n")
    r = _invoke(["site", "turkey-2017", "--system", "s400", "--k", "2", "--candidates", str(csvf),
                 "--resolution-km", "40", "--out", str(tmp_path / "f")])
    assert r.exit_code == 2 and "--boresight-deg is required" in r.output  # the 92N6E is a sector radar
    r = _invoke(["site", "turkey-2017", "--system", "s400", "--k", "2", "--candidates", str(csvf), "--boresight-deg", "180",
                 "--resolution-km", "40", "--out", str(tmp_path / "f")])
    assert r.exit_code == 0, r.output
    assert len(json.loads((tmp_path / "f" / "siting.json").read_text())["chosen"]) == 2
