"""The HTML report: self-contained, carries the caveat, draws what the run holds."""

from __future__ import annotations

import re
from html import unescape
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import iadsim
from iadsim.cli import app
from iadsim.report.data import load_run, threat_outcomes
from iadsim.report.html import CAVEAT, build_report


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("h") / "run"
    iadsim.simulate("adana-patriot-small").write(out)
    return out


def test_report_is_self_contained(run_dir) -> None:
    html = build_report(run_dir)
    # nothing is fetched: no src/href to another host, no @import, a CSP that forbids it anyway
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(http" not in html
    assert "default-src 'none'" in html
    assert CAVEAT in html


def test_report_map_draws_one_track_per_threat_coloured_by_outcome(run_dir) -> None:
    html = build_report(run_dir)
    run = load_run(run_dir)
    outcome, _ = threat_outcomes(run)
    for i, name in enumerate(("destroyed", "leaked", "in_flight")):
        assert len(re.findall(rf'class="track {name}"', html)) == int((outcome == i).sum())
    n_int = int((run.col(run.events, "kind").astype(str) == "Intercept").sum())
    assert len(re.findall(r'class="intercept"', html)) == n_int
    assert len(re.findall(r'class="site"', html)) == run.tables["sites"].num_rows
    assert len(re.findall(r'class="asset"', html)) == run.tables["assets"].num_rows
    assert 'class="scalebar"' in html


def test_report_timeline_has_one_bar_per_resolved_interceptor(run_dir) -> None:
    html = build_report(run_dir)
    run = load_run(run_dir)
    kind = run.col(run.events, "kind").astype(str)
    assert len(re.findall(r'class="eng hit"', html)) == int((kind == "Intercept").sum())
    assert len(re.findall(r'class="eng miss"', html)) == int((kind == "Miss").sum())


def test_miss_reasons_are_charted_when_the_events_carry_them(run_dir, tmp_path) -> None:
    # the engine writes a reason on every Miss: each reason it wrote is charted
    ev = pq.read_table(run_dir / "events.parquet")
    kind = np.asarray(ev.column("kind").to_pylist())
    written = {r for r, k in zip(ev.column("reason").to_pylist(), kind) if k == "Miss"}
    html = build_report(run_dir)
    assert written and all(r in html for r in written) and "records no miss" not in html
    # results without the column (older versions) say so instead of charting nothing
    d = tmp_path / "without-reason"
    shutil.copytree(run_dir, d)
    pq.write_table(ev.drop_columns(["reason"]), d / "events.parquet")
    assert "records no miss" in build_report(d)


def test_report_cli_writes_the_file_and_rejects_a_non_results_dir(run_dir, tmp_path) -> None:
    r = CliRunner()
    res = r.invoke(app, ["report", str(run_dir), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    (tmp_path / "empty").mkdir()
    bad = r.invoke(app, ["report", str(tmp_path / "empty"), "--out", str(tmp_path / "x.html")])
    assert bad.exit_code == 2 and "missing" in bad.output and not (tmp_path / "x.html").exists()


def test_report_map_draws_cities_with_labels_that_do_not_overlap() -> None:
    from iadsim.report.figures import map_svg

    sites = [("murted-s400-1", 40.0789, 32.5656), ("murted-s400-2", 40.055, 32.61), ("adana-patriot", 37.0, 35.3)]
    assets = [("Ankara", 39.9334, 32.8597, 100.0), ("Adana", 36.9862, 35.3253, 50.0)]
    svg = map_svg(sites=sites, assets=assets, rings=[], tracks=[], interceptors=[], intercepts=np.zeros((0, 2)))
    cities = re.findall(r'<circle class="city"[^>]*><title>([^<(]+) \(pop', svg)
    assert "Konya" in cities and "Kayseri" in cities and "Ankara" not in cities and "Adana" not in cities
    assert "GeoNames (CC BY 4.0)" in svg
    texts = re.findall(r'<text class="(label|city-label)" x="([\d.-]+)" y="([\d.-]+)" font-size="([\d.]+)" fill="[^"]+" text-anchor="(\w+)"[^>]*>([^<]+)</text>', svg)
    labelled = " ".join(t[5] for t in texts)
    assert "murted-s400-1" in labelled and "murted-s400-2" in labelled and "Ankara" in labelled
    boxes = []
    for _, x, y, fs, anchor, text in texts:
        x, y, fs, w = float(x), float(y), float(fs), 0.6 * float(fs) * len(unescape(text))
        x0 = x if anchor == "start" else (x - w if anchor == "end" else x - w / 2)
        boxes.append((x0, y - fs, x0 + w, y + 0.25 * fs, text))
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a[4], b[4])
    assert sum(1 for t in texts if t[0] == "city-label") >= 3
    none = map_svg(sites=sites, assets=assets, rings=[], tracks=[], interceptors=[], intercepts=np.zeros((0, 2)), cities=False)
    assert 'class="city"' not in none
    same = map_svg(sites=[("a", 39.0, 33.0), ("b", 39.0001, 33.0001)], assets=[], rings=[], tracks=[], interceptors=[],
                   intercepts=np.zeros((0, 2)), cities=False)  # fmt: skip
    assert re.findall(r'<text class="label"[^>]*>([^<]+)</text>', same) == ["a, b"]
