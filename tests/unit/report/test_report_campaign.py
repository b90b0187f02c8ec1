"""`iadsim report CAMPAIGN_DIR`: the campaign page's sections, its numbers equal to
`iadsim.campaign.report.compute`, and clear errors (exit 2, nothing written) on bad directories."""

from __future__ import annotations

import json
import math
import re
import shutil
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from iadsim.campaign.executors import LocalExecutor
from iadsim.campaign.report import compute
from iadsim.campaign.runner import run_campaign
from iadsim.campaign.spec import load_campaign
from iadsim.campaign.stats import estimate
from iadsim.cli import app
from iadsim.report.campaign import nondominated, running_estimates
from iadsim.report.html import CAVEAT, build_report
from iadsim.rng import replication_seeds

CAMPAIGN = """\
name: report-fixture
base: adana-patriot-small
seed: 11
replications: 5
overrides: {duration_s: 300}
variants:
  - name: sls
    cost_usd: 1.0e9
  - name: salvo
    cost_usd: 1.2e9
    set: {sites.adana-patriot.fire_units.0.doctrine: salvo}
"""


@pytest.fixture(scope="module")
def camp(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("camp")
    f = d / "c.yaml"
    f.write_text(CAMPAIGN, encoding="utf-8")
    with LocalExecutor(2) as ex:
        run_campaign(load_campaign(f), d / "out", ex, quiet=True)
    return d / "out"


@pytest.fixture(scope="module")
def html(camp: Path) -> str:
    return build_report(camp)


def _data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="campaign-data">(.*?)</script>', html, re.S)
    assert m
    return json.loads(m.group(1).replace("<\\/", "</"))


def _table_rows(html: str, cls: str) -> list[list[str]]:
    m = re.search(rf'<table class="sortable {cls}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert m, cls
    return [[unescape(c) for c in re.findall(r"<td>(.*?)</td>", r)] for r in re.findall(r"<tr>(.*?)</tr>", m.group(1))]


def test_sections_present_and_self_contained(html: str) -> None:
    for sid in ("summary", "manifest", "estimates", "paired", "distributions", "frontier", "convergence", "replications"):
        assert f'<section id="{sid}">' in html, sid
    for cls in ("forest", "distribution", "frontier", "convergence"):
        assert f'class="chart {cls}"' in html, cls
    assert CAVEAT in html
    assert "default-src 'none'" in html
    assert not re.search(r'(src|href)="(https?:)?//', html) and "@import" not in html


def test_numbers_equal_compute(camp: Path, html: str) -> None:
    res = compute(camp)
    d = _data(html)
    assert set(d["estimates"]) == {"sls", "salvo"} and set(d["paired"]) == {"salvo"}
    n_checked = 0
    for v, em in res["estimates"].items():
        for k, e in em.items():
            got = d["estimates"][v][k]
            assert got["n"] == e.n
            for f in ("mean", "sd", "lo", "hi", "half_width"):
                want = getattr(e, f)
                assert (got[f] is None and not math.isfinite(want)) or got[f] == want, (v, k, f)
            n_checked += 1
    for v, dm in res["paired"].items():
        for k, e in dm.items():
            assert d["paired"][v][k]["mean"] == (e.mean if math.isfinite(e.mean) else None)
    assert n_checked > 20
    # the visible table shows the same numbers (6 significant digits)
    rows = {(r[0], r[1]): r for r in _table_rows(html, "estimates")}
    e = res["estimates"]["salvo"]["cost.interceptors_fired"]
    r = rows[("salvo", "cost.interceptors_fired")]
    assert r[2] == str(e.n) and r[3] == f"{e.mean:,.6g}" and r[4] == f"{e.sd:,.6g}" and r[5] == f"{e.lo:,.6g}"
    p = {(r[0], r[2]): r for r in _table_rows(html, "paired")}
    pe = res["paired"]["salvo"]["cost.interceptors_fired"]
    assert p[("salvo", "cost.interceptors_fired")][4] == f"{pe.mean:,.6g}"
    assert pe.mean != 0  # salvo fires more: the fixture has a real difference to show


def test_manifest_and_replications(camp: Path, html: str) -> None:
    man = json.loads((camp / "campaign.json").read_text())
    assert man["base_scenario_sha256"] in html and man["identity_sha256"] in html
    reps = _table_rows(html, "reps")
    seeds = replication_seeds(11, 5)
    assert sorted((r[0], int(r[1]), int(r[2])) for r in reps) == sorted((v, i, seeds[i]) for v in ("sls", "salvo") for i in range(5))
    stored = [r for r in reps if r[3].startswith("events/")]
    assert {(r[0], int(r[1])) for r in stored} == {("sls", 0), ("salvo", 0)}  # events_sample = 1
    assert all((camp / r[3]).exists() for r in stored)
    assert "iadsim.simulate(v.scenario, seed=SEED)" in unescape(html)


def test_forest_has_one_point_per_compared_variant(html: str) -> None:
    forests = re.findall(r'<svg[^>]*class="chart forest".*?</svg>', html, re.S)
    assert len(forests) == 3  # leaked, value lost, interceptors fired
    assert all(f.count('class="diff"') == 1 for f in forests)


def test_running_estimates_hand_computed() -> None:
    x = np.array([1.0, 3.0, np.nan, 2.0, 6.0])
    k, m, hw = running_estimates(x)
    assert list(k) == [2, 3, 4]
    assert m[0] == 2.0 and m[1] == 2.0 and m[2] == 3.0
    e = estimate(np.array([1.0, 3.0, 2.0, 6.0]))
    assert hw[-1] == e.half_width
    assert hw[0] == pytest.approx(12.706204736 * math.sqrt(2) / math.sqrt(2))  # t_{0.975,1} · s / √2, s = √2


def test_nondominated_frontier() -> None:
    cost = np.array([1.0, 2.0, 2.0, 3.0, 4.0])
    value = np.array([5.0, 4.0, 7.0, 7.0, 9.0])
    # 1 is beaten by 0 (cheaper, better); 3 by 2 (cheaper, equal)
    assert nondominated(cost, value, True) == [0, 2, 4]
    assert nondominated(cost, -value, False) == [0, 2, 4]


def test_cli_writes_campaign_report(camp: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["report", str(camp), "--out", str(tmp_path / "c.html")])
    assert res.exit_code == 0, res.output
    assert '<section id="paired">' in (tmp_path / "c.html").read_text()


def _bad(tmp_path: Path, d: Path, needle: str) -> None:
    target = tmp_path / "bad.html"
    res = CliRunner().invoke(app, ["report", str(d), "--out", str(target)])
    assert res.exit_code == 2, res.output
    assert needle in res.output and "Traceback" not in res.output
    assert not target.exists()


def test_bad_campaign_directories_exit_2(camp: Path, tmp_path: Path) -> None:
    # half-written manifest (a campaign killed while it was being set up)
    d1 = tmp_path / "half"
    shutil.copytree(camp, d1)
    text = (d1 / "campaign.json").read_text()
    (d1 / "campaign.json").write_text(text[: len(text) // 2])
    _bad(tmp_path, d1, "cannot read the campaign manifest")
    # a foreign campaign.json
    d2 = tmp_path / "foreign"
    d2.mkdir()
    (d2 / "campaign.json").write_text('{"name": "something else"}')
    _bad(tmp_path, d2, "not an iadsim campaign manifest")
    # manifest written, no replication finished yet
    d3 = tmp_path / "empty"
    d3.mkdir()
    shutil.copy(camp / "campaign.json", d3 / "campaign.json")
    _bad(tmp_path, d3, "no replication stored yet")
    # a corrupt summary chunk
    d4 = tmp_path / "corrupt"
    shutil.copytree(camp, d4)
    part = sorted((d4 / "summary").rglob("part-*.parquet"))[0]
    part.write_bytes(b"PAR1 not parquet")
    _bad(tmp_path, d4, "cannot read the campaign's stored replications")
    # a directory that is neither a run nor a campaign
    d5 = tmp_path / "other"
    d5.mkdir()
    (d5 / "notes.txt").write_text("hello")
    _bad(tmp_path, d5, "not a complete iadsim results directory")
    assert (d5 / "notes.txt").read_text() == "hello"


def test_viewer_and_exports_refuse_a_campaign_directory_clearly(camp: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["export", str(camp), "--format", "geojson", "--out", str(tmp_path / "x.geojson")])
    assert res.exit_code == 2 and "a campaign directory" in res.output and "re-simulate" in res.output
    assert not (tmp_path / "x.geojson").exists()
