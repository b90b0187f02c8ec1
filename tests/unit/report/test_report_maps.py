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
