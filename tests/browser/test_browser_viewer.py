"""The replay viewer in headless chromium (WebGL on SwiftShader)."""

from __future__ import annotations

import pytest
from pixels import ARTIFACTS, fraction_near, image, near_at


def _open(page, url: str):  # noqa: ANN202
    pg = page.page
    pg.goto(url)
    pg.wait_for_function("window.iadsimViewer && window.iadsimViewer.ready", timeout=60_000)
    return pg


def _set_time_and_render(pg, t: float, via_slider: bool = False) -> None:  # noqa: ANN001
    before = pg.evaluate("window.iadsimViewer.stats.renders")
    if via_slider:
        pg.locator("#slider").fill(str(t))
    else:
        pg.evaluate(f"window.iadsimViewer.setTime({t})")
    pg.wait_for_function(f"window.iadsimViewer.stats.renders > {before}", timeout=20_000)
    pg.wait_for_timeout(300)


def _map_png(pg, name: str) -> bytes:  # noqa: ANN001
    return pg.locator("#map").screenshot(path=str(ARTIFACTS / name))


def test_viewer_loads_from_localhost_only_without_console_errors(page, viewer_url) -> None:
    pg = _open(page, viewer_url)
    origin = viewer_url.rstrip("/")
    assert page.external((origin + "/", "blob:" + origin + "/", "data:")) == []
    assert page.errors == []
    pg.screenshot(path=str(ARTIFACTS / "viewer.png"))


def test_viewer_draws_borders_and_tracks(page, viewer_url) -> None:
    pg = _open(page, viewer_url)
    _set_time_and_render(pg, 0)
    start = image(_map_png(pg, "viewer-t0.png"))
    assert fraction_near(start, (247, 246, 240), 6) > 0.05  # land fill from the bundled borders
    assert fraction_near(start, (207, 224, 238), 6) > 0.02  # sea (background)
    assert fraction_near(start, (122, 122, 122), 30) > 0.0005  # border lines
    pg.select_option("#trail", "Infinity")  # whole tracks
    end_t = pg.evaluate("window.iadsimViewer.state.duration")
    _set_time_and_render(pg, end_t)
    end = image(_map_png(pg, "viewer-end.png"))
    col = (43, 140, 191)  # destroyed threats
    assert fraction_near(end, col, 30) > fraction_near(start, col, 30) + 0.0005  # trails drawn up to the clock
    # short trails (comet tails): old parts of the tracks are no longer drawn
    pg.select_option("#trail", "60")
    _set_time_and_render(pg, end_t)
    short = image(_map_png(pg, "viewer-end-short-trails.png"))
    assert fraction_near(short, col, 30) < 0.5 * fraction_near(end, col, 30)


def test_moving_the_slider_moves_the_threats(page, viewer_url) -> None:
    pg = _open(page, viewer_url)
    sc = pg.evaluate("""() => { const s = window.iadsimViewer.scene.threats;
        return {starts: s.starts, t: s.t, outcome: s.outcome}; }""")
    cols = pg.evaluate("window.iadsimViewer.colours")
    # a threat with a long enough flight
    k = max(range(len(sc["starts"]) - 1), key=lambda i: sc["t"][sc["starts"][i + 1] - 1] - sc["t"][sc["starts"][i]])
    t0, t1 = sc["t"][sc["starts"][k]], sc["t"][sc["starts"][k + 1] - 1]
    ta, tb = t0 + 0.3 * (t1 - t0), t0 + 0.6 * (t1 - t0)
    rgb = tuple(int(round(c * 255)) for c in cols[sc["outcome"][k]])

    def xy(t: float) -> tuple[float, float]:
        return tuple(pg.evaluate(f"""() => {{ const v = window.iadsimViewer; const q = v.positionAt(v.scene.threats, {k}, {t});
            const p = v.map.project([q[0], q[1]]); return [p.x, p.y]; }}"""))

    pg.evaluate(f"window.iadsimViewer.map.jumpTo({{center: window.iadsimViewer.map.unproject([{xy(0.5 * (ta + tb))[0]}, {xy(0.5 * (ta + tb))[1]}]), zoom: 8}})")
    pg.wait_for_timeout(500)
    pa_, pb = xy(ta), xy(tb)
    assert (pa_[0] - pb[0]) ** 2 + (pa_[1] - pb[1]) ** 2 > 20**2, "the two positions are apart on screen"
    _set_time_and_render(pg, ta, via_slider=True)
    img_a = image(_map_png(pg, "viewer-slider-a.png"))
    _set_time_and_render(pg, tb, via_slider=True)
    img_b = image(_map_png(pg, "viewer-slider-b.png"))
    assert pg.evaluate("window.iadsimViewer.state.t") == pytest.approx(tb, abs=1.0)
    assert near_at(img_a, *pa_, rgb) and not near_at(img_a, *pb, rgb)  # at ta: here, not yet there
    assert near_at(img_b, *pb, rgb)  # at tb: the head has moved there


def test_event_log_follows_the_clock_and_labels_do_not_overlap(page, viewer_url) -> None:
    pg = _open(page, viewer_url)
    times = pg.evaluate("window.iadsimViewer.scene.events.rows.map(r => r[0])")
    t = times[len(times) // 2]
    _set_time_and_render(pg, t, via_slider=True)
    last = pg.locator("#log .now").inner_text()
    n_due = sum(1 for x in times if x <= t)
    row = pg.evaluate(f"window.iadsimViewer.scene.events.rows[{n_due - 1}]")
    assert last.split()[0] == str(round(row[0] * 10) / 10).rstrip("0").rstrip(".") and row[1] in last
    pg.evaluate("window.iadsimViewer.declutter()")
    boxes = pg.evaluate("""[...document.querySelectorAll('.lbl')].filter(e => e.style.visibility !== 'hidden')
        .map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })""")
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_click_a_threat_for_its_history_and_toggle_coverage(page, viewer_url) -> None:
    pg = _open(page, viewer_url)
    sc = pg.evaluate("(() => { const s = window.iadsimViewer.scene.threats; return {starts: s.starts, t: s.t, name: s.name}; })()")
    k = 0
    t = 0.5 * (sc["t"][sc["starts"][k]] + sc["t"][sc["starts"][k + 1] - 1])
    _set_time_and_render(pg, t)
    x, y = pg.evaluate(f"""(() => {{ const v = window.iadsimViewer; const q = v.positionAt(v.scene.threats, {k}, {t});
        const p = v.map.project([q[0], q[1]]); return [p.x, p.y]; }})()""")
    pg.mouse.click(x, y)
    info = pg.locator("#info").inner_text()
    assert info.startswith("threat " + sc["name"][k]) and "Launch_Threat" in info
    # coverage toggles: the engagement-range rings disappear when unchecked
    before = image(_map_png(pg, "viewer-cover-on.png"))
    pg.uncheck("#t-fu")
    pg.uncheck("#t-radar")
    pg.wait_for_timeout(600)
    after = image(_map_png(pg, "viewer-cover-off.png"))
    ring = (8, 81, 156)
    assert fraction_near(after, ring, 20) < fraction_near(before, ring, 20)


def test_track_estimates_are_drawn_beside_truth_and_toggle(page, viewer_url) -> None:
    pg = _open(page, viewer_url)
    assert pg.evaluate("window.iadsimViewer.scene.tracks !== null && window.iadsimViewer.sets.length === 3")
    pg.select_option("#trail", "Infinity")
    _set_time_and_render(pg, pg.evaluate("window.iadsimViewer.state.duration"))
    pg.uncheck("#t-truth")
    pg.uncheck("#t-int")
    _set_time_and_render(pg, pg.evaluate("window.iadsimViewer.state.duration"))
    with_tracks = image(_map_png(pg, "viewer-tracks-only.png"))
    pg.uncheck("#t-tracks")
    _set_time_and_render(pg, pg.evaluate("window.iadsimViewer.state.duration"))
    without = image(_map_png(pg, "viewer-no-trajectories.png"))
    changed = (abs(with_tracks.astype(int) - without.astype(int)).max(axis=2) > 30).sum()
    assert changed > 200  # the confirmed tracks' estimated paths are on the map


def test_viewer_marks_cities_and_their_labels_yield(page, viewer_url) -> None:
    pg = _open(page, viewer_url)
    cities = pg.evaluate("window.iadsimViewer.scene.cities")
    names = {c["name"] for c in cities}
    assert {"Mersin", "Osmaniye"} <= names and "Adana" not in names  # Adana is the asset already
    pg.evaluate("window.iadsimViewer.declutter()")
    shown = pg.evaluate("""[...document.querySelectorAll('.lbl.city')].filter(e => e.style.visibility !== 'hidden').map(e => e.textContent)""")
    assert len(shown) >= 2 and set(shown) <= names
    # asset and site labels are never hidden for a city
    hidden = pg.evaluate("""[...document.querySelectorAll('.lbl.asset, .lbl.site')].filter(e => e.style.visibility === 'hidden').length""")
    n_overlap_free = pg.evaluate("""(() => { const els = [...document.querySelectorAll('.lbl.asset, .lbl.site')];
        const rs = els.map(e => e.getBoundingClientRect()); let n = 0;
        for (let i = 0; i < rs.length; i++) { let hit = false; for (let j = 0; j < i; j++) { const a = rs[i], b = rs[j];
          if (a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top) hit = true; } if (!hit) n++; }
        return els.length - n; })()""")
    assert hidden <= n_overlap_free
    pg.locator("#map").screenshot(path=str(ARTIFACTS / "viewer-cities.png"))
