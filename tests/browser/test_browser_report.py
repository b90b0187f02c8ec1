"""The HTML report in headless chromium: nothing fetched, no console errors, borders and tracks drawn."""

from __future__ import annotations

from pixels import ARTIFACTS, fraction_near, image


def test_report_loads_offline_and_draws_borders_and_tracks(page, run_dir, tmp_path) -> None:
    from iadsim.report.html import write_report

    path = write_report(run_dir, tmp_path / "report.html")
    pg = page.page
    pg.goto(path.as_uri())
    pg.wait_for_load_state("load")
    assert page.external(("file://", "data:")) == []
    assert page.errors == []
    pg.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    svg = pg.locator("svg.map")
    img = image(svg.screenshot(path=str(ARTIFACTS / "report-map.png")))
    assert fraction_near(img, (251, 251, 248), 3) > 0.05  # land fill inside the borders
    assert fraction_near(img, (219, 233, 244), 3) > 0.02  # sea
    assert fraction_near(img, (140, 140, 140), 25) > 0.0002  # border strokes
    assert fraction_near(img, (43, 140, 190), 30) > 0.0005  # destroyed threats' tracks
    # the events table is filled from the inline data and filters
    n_all = pg.locator("#events tbody tr").count()
    assert n_all > 0
    pg.fill("#evfilter", "Intercept")
    n_int = pg.locator("#events tbody tr").count()
    assert 0 < n_int < n_all
