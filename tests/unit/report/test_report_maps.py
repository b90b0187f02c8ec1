"""Publishable maps: labels that do not overlap, scale bar length, 200 dpi, assets and raid axes."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.report.maps import place_labels, plot_coverage_map, scale_bar_km


def _boxes(fig, texts):  # noqa: ANN001, ANN202
    r = fig.canvas.get_renderer()
    return [t.get_window_extent(r) for t in texts]


def test_labels_of_nearby_points_do_not_overlap() -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_xlim(32.0, 33.5)
    ax.set_ylim(39.5, 40.5)
    # the two Mürted batteries: 0.045° apart, long names
    items = [("murted-s400-1", 32.5656, 40.0789), ("murted-s400-2", 32.61, 40.055), ("Ankara", 32.8597, 39.9334)]
    texts, n_bad = place_labels(ax, items)
    assert n_bad == 0 and len(texts) == 3
    b = _boxes(fig, texts)
    for i in range(len(b)):
        for j in range(i + 1, len(b)):
            assert not b[i].overlaps(b[j]), (texts[i].get_text(), texts[j].get_text())
    # naive placement (every label at the same offset) would overlap: the test scenario is a real one
    naive = [ax.annotate(n, (x, y), xytext=(6, 5), textcoords="offset points", fontsize=7.5) for n, x, y in items[:2]]
    nb = _boxes(fig, naive)
    assert nb[0].overlaps(nb[1])
    plt.close(fig)


def test_points_on_top_of_each_other_share_one_label() -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_xlim(30, 40)
    ax.set_ylim(35, 40)
    texts, _ = place_labels(ax, [("a", 35.0, 37.0), ("b", 35.001, 37.0), ("c", 38.0, 39.0)])
    assert sorted(t.get_text() for t in texts) == ["a, b", "c"]
    plt.close(fig)


@pytest.mark.parametrize(("width_deg", "lat", "km"), [(20.0, 0.0, 200.0), (20.0, 60.0, 200.0), (1.0, 0.0, 20.0), (10.0, 40.0, 100.0)])
def test_scale_bar_is_a_round_fifth_of_the_width(width_deg, lat, km) -> None:
    # 0.2 · width · 111.32 cos φ km, rounded down to 1/2/5 × 10^k
    assert scale_bar_km(width_deg, lat) == km


def test_coverage_map_is_200_dpi_with_assets_and_raid_axes(tmp_path) -> None:
    from PIL import Image

    from iadsim.analysis.coverage import make_grid

    grid = make_grid((32.0, 36.0, 36.0, 38.0), 50_000.0)
    det = np.ones(grid.n, np.int16)
    eng = (np.arange(grid.n) % 2).astype(np.int16)
    p = plot_coverage_map(tmp_path / "m.png", grid=grid, det_layers=det, eng_layers=eng, title="t",
                          sites=[("s1", 37.0, 35.3), ("s2", 37.01, 35.31)], assets=[("Adana", 37.0, 35.33, 50.0)],
                          raid_axes=[("r", np.array([[34.5, 35.5], [35.33, 37.0]]))])  # fmt: skip
    im = Image.open(p)
    assert im.info["dpi"][0] == pytest.approx(200, abs=1)
    p2 = plot_coverage_map(tmp_path / "m2.png", grid=grid, det_layers=det, eng_layers=eng, title="t", clip_to_land=True)
    # the box is partly sea: clipping to land removes coverage pixels (orange/blue) over the sea
    a = np.asarray(Image.open(p2).convert("RGB")).astype(int)
    b = np.asarray(Image.open(tmp_path / "m.png").convert("RGB")).astype(int)
    def cov(img):  # noqa: ANN001, ANN202, E306
        return int((np.abs(img - np.array([198, 219, 239])).max(axis=2) < 12).sum() + (np.abs(img - np.array([253, 208, 162])).max(axis=2) < 12).sum())
    assert cov(a) < cov(b)


def test_coverage_map_draws_the_cities_in_view_without_overlapping_labels() -> None:
    import matplotlib.pyplot as plt

    from iadsim.analysis.coverage import make_grid
    from iadsim.report.cities import cities_in_view
    from iadsim.report.maps import coverage_map_figure

    grid = make_grid((29.0, 36.0, 38.0, 41.5), 40_000.0)
    det = np.ones(grid.n, np.int16)
    eng = np.zeros(grid.n, np.int16)
    sites = [("murted-s400-1", 40.0789, 32.5656), ("murted-s400-2", 40.055, 32.61)]
    assets = [("Ankara", 39.9334, 32.8597, 100.0)]
    fig = coverage_map_figure(grid=grid, det_layers=det, eng_layers=eng, title="t", sites=sites, assets=assets)
    ax = fig.axes[0]
    dots = [ln for ln in ax.get_lines() if ln.get_gid() == "city"]
    xy = {(round(float(ln.get_xdata()[0]), 4), round(float(ln.get_ydata()[0]), 4)) for ln in dots}
    names = {t.get_text() for t in ax.texts}
    # the big cities of central Anatolia are drawn; Ankara is the asset already, not a second "Ankara" city
    for city, lat, lon in (("Konya", 37.8713, 32.4846), ("Kayseri", 38.7322, 35.4853)):
        assert (lon, lat) in xy and city in names
    assert sum(1 for t in ax.texts if t.get_text() == "Ankara") == 0 and "Ankara (100)" in names
    assert all(ln.get_xdata()[0] != 32.8543 for ln in dots)
    # no two labels overlap, and every city label lies inside the map frame
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in ax.texts]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (ax.texts[i].get_text(), ax.texts[j].get_text())
    frame = ax.get_window_extent(r)
    city_names = {c[0] for c in cities_in_view((28.0, 35.0, 39.0, 42.5))}
    for t, b in zip(ax.texts, boxes):
        if t.get_text() in city_names:
            assert frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1
    plt.close(fig)
    fig2 = coverage_map_figure(grid=grid, det_layers=det, eng_layers=eng, title="t", cities=False)
    assert not [ln for ln in fig2.axes[0].get_lines() if ln.get_gid() == "city"]
    plt.close(fig2)


def test_cities_in_view_thins_districts_and_respects_the_view() -> None:
    from iadsim.report.cities import cities_in_view, load_cities

    c = load_cities()
    assert len(c.name) > 6000 and (np.diff(c.population) <= 0).all()  # largest first
    ist = cities_in_view((28.5, 40.8, 29.5, 41.3), n_max=20)  # Istanbul and its districts
    assert ist[0][0] == "Istanbul"
    box_all = (c.lon_deg >= 28.5) & (c.lon_deg <= 29.5) & (c.lat_deg >= 40.8) & (c.lat_deg <= 41.3)
    assert len(ist) < box_all.sum()  # districts closer than the separation are left out
    from iadsim.report.cities import _haversine_km

    for i, (_, la, lo, _) in enumerate(ist):
        for _, lb, lob, _ in ist[:i]:
            assert _haversine_km(np.array([la]), np.array([lo]), lb, lob)[0] >= 15.0
    assert all(28.5 <= lo <= 29.5 and 40.8 <= la <= 41.3 for _, la, lo, _ in ist)
    assert len(cities_in_view((25.0, 35.0, 45.0, 43.0), n_max=5)) == 5
    assert cities_in_view((-30.0, -40.0, -29.0, -39.0)) == []  # open ocean
