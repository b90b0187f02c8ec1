"""Statistics: t confidence intervals cover at their nominal rate; paired differences pair by rep."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from iadsim.campaign.stats import converged, estimate, paired_difference, replications_needed


def test_estimate_matches_hand_computation() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    e = estimate(x)
    assert e.mean == 2.5
    assert e.sd == pytest.approx(math.sqrt(5 / 3))
    assert e.half_width == pytest.approx(3.182446305 * math.sqrt(5 / 3) / 2, rel=1e-6)


def test_ci_coverage_of_known_distribution() -> None:
    rng = np.random.default_rng(1)
    trials, n, mu = 4000, 8, 3.0
    hits = 0
    for _ in range(trials):
        e = estimate(rng.normal(mu, 2.0, n))
        hits += e.lo <= mu <= e.hi
    cov = hits / trials
    # binomial sampling error of the coverage: sd = sqrt(.95 * .05 / 4000) = 0.0034
    assert abs(cov - 0.95) < 4 * 0.0034


def test_z_interval_would_undercover_so_t_matters() -> None:
    # the t quantile for n = 8 (2.365) against the normal 1.96: the test above would fail with z
    assert estimate(np.arange(8.0)).half_width / (np.arange(8.0).std(ddof=1) / math.sqrt(8)) == pytest.approx(st.t.ppf(0.975, 7))


def test_paired_difference_pairs_by_rep_and_drops_unpaired() -> None:
    x = np.array([5.0, 7.0, 9.0])
    xr = np.array([2, 0, 1])
    b = np.array([1.0, 1.0, 2.0, 100.0])
    br = np.array([0, 1, 2, 3])
    d = paired_difference(x, xr, b, br)
    # pairs: rep0 7-1, rep1 9-1, rep2 5-2
    assert d.n == 3 and d.mean == pytest.approx((6 + 8 + 3) / 3)


def test_nan_dropped_and_small_n() -> None:
    e = estimate(np.array([np.nan, 1.0]))
    assert e.n == 1 and math.isnan(e.half_width)
    assert estimate(np.array([])).n == 0


def test_replications_needed_reaches_half_width() -> None:
    n = replications_needed(2.0, 0.5)
    assert st.t.ppf(0.975, n - 1) * 2.0 / math.sqrt(n) <= 0.5
    assert st.t.ppf(0.975, n - 2) * 2.0 / math.sqrt(n - 1) > 0.5 * 0.98
    assert converged(estimate(np.ones(3)), 0.1)
    assert not converged(estimate(np.array([0.0, 10.0])), 0.1)


def test_progress_plain_lines_when_not_a_terminal() -> None:
    import io

    from iadsim.campaign.runner import Progress

    buf = io.StringIO()
    p = Progress(0, stream=buf, every_s=0.0)
    p.add_total(4)
    p.advance(1)
    p.advance(3)
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("1/4 replications, ") and "/min, ETA" in lines[0]
    assert lines[-1].startswith("4/4 replications") and "\x1b" not in buf.getvalue()


def test_report_convergence_column(tmp_path) -> None:
    import csv
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from iadsim.campaign.report import write_report

    out = tmp_path / "o"
    d = out / "summary" / "variant=a"
    d.mkdir(parents=True)
    x = np.array([1.0, 3.0, 2.0, 2.0])  # mean 2, sd 0.8165
    pq.write_table(pa.table({"rep": [0, 1, 2, 3], "seed": [5, 6, 7, 8], "threats.leaked": x}), d / "part-r0000000-0000003-x.parquet")
    (out / "campaign.json").write_text(json.dumps({"campaign": "t", "baseline": "a", "variants": [
        {"name": "a", "cost_usd": None, "total_asset_value": 10.0}]}))
    dest, files = write_report(out)
    rows = list(csv.DictReader((dest / "estimates.csv").open()))
    (r,) = [r for r in rows if r["metric"] == "threats.leaked"]
    assert int(r["n"]) == 4 and float(r["mean"]) == 2.0
    assert int(r["replications_for_half_width_10pct_of_mean"]) == replications_needed(float(np.std(x, ddof=1)), 0.2)
    assert "frontier.png" not in files  # no costs, no frontier


def test_value_protected_has_one_definition(tmp_path) -> None:
    """The report's and the frontier's "value protected" is the run summary's cost.value_protected
    (attacked assets that survived), not a second quantity under the same name (total − lost)."""
    import json
    import re
    from html import unescape

    import pyarrow as pa
    import pyarrow.parquet as pq

    from iadsim.campaign.report import VALUE_PROTECTED, compute, write_report
    from iadsim.report.campaign import _frontier

    out = tmp_path / "o"
    # total value 100: asset A (60) attacked and survived in every replication, asset B (40) never
    # attacked; value lost 0, so total − lost = 100 while the value protected is 60
    cols = {"rep": [0, 1, 2], "seed": [5, 6, 7], "threats.leaked": [0.0, 1.0, 0.0],
            "assets.value_lost": [0.0, 0.0, 0.0], VALUE_PROTECTED: [60.0, 60.0, 60.0]}  # fmt: skip
    for v in ("a", "b"):
        d = out / "summary" / f"variant={v}"
        d.mkdir(parents=True)
        pq.write_table(pa.table(cols), d / "part-r0000000-0000002-x.parquet")
    (out / "campaign.json").write_text(json.dumps({"campaign": "t", "baseline": "a", "variants": [
        {"name": "a", "cost_usd": 1e9, "total_asset_value": 100.0},
        {"name": "b", "cost_usd": 2e9, "total_asset_value": 100.0}]}))  # fmt: skip
    res = compute(out)
    assert set(res["estimates"]["a"]) == {"threats.leaked", "assets.value_lost", VALUE_PROTECTED}
    sec = _frontier(res)
    assert sec is not None
    tbody = sec.body.split('class="sortable frontier-table"')[1].split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", tbody)
    cells = [[unescape(c) for c in re.findall(r"<td>(.*?)</td>", r)] for r in rows]
    assert [c[3] for c in cells] == ["60 ± 0", "60 ± 0"]  # (total − lost would be 100)
    dest, files = write_report(out)
    assert "frontier.png" in files
    metrics = {r.split(",")[1] for r in (dest / "estimates.csv").read_text().splitlines()[1:]}
    assert "value_protected" not in metrics and VALUE_PROTECTED in metrics
