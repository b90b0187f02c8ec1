"""The campaign report in headless chromium: nothing fetched, no console errors, figures drawn."""

from __future__ import annotations

from pathlib import Path

from pixels import ARTIFACTS, fraction_near, image

CAMPAIGN = """\
name: browser-fixture
base: adana-patriot-small
seed: 11
replications: 4
overrides: {duration_s: 300}
variants:
  - name: sls
    cost_usd: 1.0e9
  - name: salvo
    cost_usd: 1.2e9
    set: {sites.adana-patriot.fire_units.0.doctrine: salvo}
"""


def test_campaign_report_loads_offline(page, tmp_path: Path) -> None:
    from iadsim.campaign.executors import LocalExecutor
    from iadsim.campaign.runner import run_campaign
    from iadsim.campaign.spec import load_campaign
    from iadsim.report.html import write_report

    f = tmp_path / "c.yaml"
    f.write_text(CAMPAIGN, encoding="utf-8")
    with LocalExecutor(2) as ex:
        run_campaign(load_campaign(f), tmp_path / "out", ex, quiet=True)
    path = write_report(tmp_path / "out", tmp_path / "campaign.html")
    pg = page.page
    pg.goto(path.as_uri())
    pg.wait_for_load_state("load")
    assert page.external(("file://", "data:")) == []
    assert page.errors == []
    pg.screenshot(path=str(ARTIFACTS / "campaign-report.png"), full_page=True)
    # the forest plot draws the paired difference (orange dot) and its CI (purple bar)
    img = image(pg.locator("svg.forest").last.screenshot(path=str(ARTIFACTS / "campaign-forest.png")))
    assert fraction_near(img, (217, 95, 2), 30) > 0.0003
    assert fraction_near(img, (117, 112, 179), 30) > 0.0003
    # sortable tables work in the page
    th = pg.locator("table.estimates th").nth(3)
    th.click()
    assert pg.locator("table.estimates tbody tr").count() > 20
