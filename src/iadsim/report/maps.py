"""Static PNG coverage maps (matplotlib, Agg backend, no network), fit to publish.

A map shows the bundled Natural Earth borders, the region outline, the sites, and coverage shaded
by the number of overlapping layers: detection only (a radar sees the target with Pd ≥ threshold
but no fire unit can engage it), then 1, 2, 3+ fire units able to engage. Every map carries the
notional-data caveat, a scale bar, and is written at 200 dpi by default.

* Coverage is drawn wherever the grid has cells, over the sea too (a ``--bbox`` region includes the
  sea; a country region's grid covers its bounding box plus ``--margin-km``); ``clip_to_land=True``
  (``--clip-land``) keeps land only.
* Defended assets (squares, with their value) and raid axes (arrows from each raid's launch point
  through its waypoints to its target) are drawn when given; the largest cities in view (bundled
  GeoNames subset, :mod:`iadsim.report.cities`) as grey dots, labelled where a label fits.
* Labels do not overlap: :func:`place_labels` tries eight positions around each point, in order,
  and keeps the first whose text box (measured by the renderer) overlaps no placed label or marker;
  points within a few pixels of each other share one label (``"a, b"``). A label with no free
  position is still drawn at its first position (and counted in the return value).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CAVEAT", "plot_coverage_map", "coverage_map_figure", "geometry_patches", "place_labels", "scale_bar_km"]

CAVEAT = (
    "NOTIONAL: system parameters are public-source estimates; smooth 4/3-Earth unless a DEM is given. "
    "Not an assessment of any real deployment. iadsim"
)

_LAYER_COLOURS = ["#c6dbef", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"]  # det-only, 1, 2, 3, 4+


def geometry_patches(geom: Any, **kwargs: Any) -> list[Any]:
    """matplotlib PathPatches (with holes) for a shapely (Multi)Polygon in lon/lat degrees."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    polys = list(getattr(geom, "geoms", [geom]))
    patches = []
    for p in polys:
        if p.is_empty or p.geom_type != "Polygon":
            continue
        verts: list[np.ndarray] = []
        codes: list[np.ndarray] = []
        for ring in [p.exterior, *p.interiors]:
            xy = np.asarray(ring.coords)
            if len(xy) < 3:
                continue
            c = np.full(len(xy), MPath.LINETO, dtype=np.uint8)
            c[0] = MPath.MOVETO
            c[-1] = MPath.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
        if verts:
            patches.append(PathPatch(MPath(np.concatenate(verts), np.concatenate(codes)), **kwargs))
    return patches


_OFFSETS = [(6, 5), (6, -11), (-6, 5), (-6, -11), (0, 9), (0, -15), (10, -3), (-10, -3)]  # points; ha by sign


def place_labels(ax: Any, items: Sequence[tuple[str, float, float]], fontsize: float = 7.5, colour: str = "#111111",
                 avoid: Sequence[Any] = (), merge_px: float = 6.0, drop_unplaced: bool = False) -> tuple[list[Any], int]:  # fmt: skip
    """Place non-overlapping labels for ``(text, x, y)`` points (data coordinates).

    ``drop_unplaced``: a label with no free position is left out instead of drawn at its first
    position (used for cities: context, not data).

    Returns
    -------
    texts : the matplotlib Text artists
    n_overlapping : labels that found no free position (0 when every label fits)
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = _renderer(fig)
    trans = ax.transData
    pts = np.array([trans.transform((x, y)) for _, x, y in items]).reshape(-1, 2)
    # merge points that sit on top of each other (co-located sites)
    groups: list[list[int]] = []
    for i in range(len(items)):
        for g in groups:
            if np.hypot(*(pts[g[0]] - pts[i])) <= merge_px:
                g.append(i)
                break
        else:
            groups.append([i])
    taken = [b for b in avoid]
    marker_r = 4.0
    for p in pts:
        taken.append(np.array([p[0] - marker_r, p[1] - marker_r, p[0] + marker_r, p[1] + marker_r]))
    texts: list[Any] = []
    n_bad = 0
    axb = ax.get_window_extent(renderer)
    frame = (axb.x0, axb.y0, axb.x1, axb.y1)
    for g in groups:
        label = ", ".join(dict.fromkeys(items[i][0] for i in g))
        x, y = items[g[0]][1], items[g[0]][2]
        chosen = None
        for dx, dy in _OFFSETS:
            t = _annotate(ax, label, x, y, dx, dy, fontsize, colour)
            bb = t.get_window_extent(renderer)
            box = np.array([bb.x0, bb.y0, bb.x1, bb.y1])
            in_frame = not drop_unplaced or (box[0] >= frame[0] and box[1] >= frame[1] and box[2] <= frame[2] and box[3] <= frame[3])
            if in_frame and all(box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3] for b in taken):
                chosen = (t, box)
                break
            t.remove()
        if chosen is None and drop_unplaced:
            n_bad += 1
            continue
        if chosen is None:  # no free position: keep the first one, and say so
            n_bad += 1
            t = _annotate(ax, label, x, y, *_OFFSETS[0], fontsize, colour)
            bb = t.get_window_extent(renderer)
            chosen = (t, np.array([bb.x0, bb.y0, bb.x1, bb.y1]))
        texts.append(chosen[0])
        taken.append(chosen[1])
    return texts, n_bad


def _annotate(ax: Any, label: str, x: float, y: float, dx: float, dy: float, fontsize: float, colour: str) -> Any:
    return ax.annotate(label, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize, color=colour,
                       ha="left" if dx > 0 else ("right" if dx < 0 else "center"), zorder=6,
                       bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})  # fmt: skip


def scale_bar_km(width_deg: float, lat_deg: float) -> float:
    """A round scale-bar length (km) about a fifth of a map ``width_deg`` wide at ``lat_deg``.

    One degree of longitude at latitude φ is ``111.32 cos φ`` km (spherical approximation, < 0.5 %).
    """
    km = 0.2 * width_deg * 111.32 * max(float(np.cos(np.radians(lat_deg))), 0.05)
    e = 10 ** np.floor(np.log10(km))
    for m in (5, 2, 1):
        if m * e <= km:
            return float(m * e)
    return float(e)


def plot_coverage_map(path: str | Path, *, dpi: int = 200, **kwargs: Any) -> Path:
    """Write one coverage map as PNG (atomically): :func:`coverage_map_figure` saved at ``dpi``
    (200 by default); ``kwargs`` are :func:`coverage_map_figure`'s."""
    fig = coverage_map_figure(**kwargs)  # selects the Agg backend before pyplot is imported
    import matplotlib.pyplot as plt

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.png")
    try:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", pad_inches=0.15)
    finally:
        plt.close(fig)
    tmp.replace(out)
    return out


def coverage_map_figure(
    *,
    grid: Any,
    det_layers: np.ndarray,
    eng_layers: np.ndarray,
    title: str,
    region_geom: Any = None,
    sites: Sequence[tuple[str, float, float]] = (),
    highlight_sites: Sequence[tuple[str, float, float]] = (),
    subtitle: str = "",
    assets: Sequence[tuple[str, float, float, float]] = (),
    raid_axes: Sequence[tuple[str, np.ndarray]] = (),
    clip_to_land: bool = False,
    cities: bool | Sequence[tuple[str, float, float, int]] = True,
) -> Any:
    """One coverage map as a matplotlib Figure (Agg; the caller saves and closes it).

    Parameters
    ----------
    grid
        :class:`iadsim.analysis.coverage.Grid` of the region.
    det_layers, eng_layers : (N,) int
        Number of radars detecting / fire units able to engage over each cell.
    title, subtitle
        Title lines.
    region_geom
        Region polygon (lon/lat degrees) drawn as a bold outline.
    sites, highlight_sites
        ``(name, lat_deg, lon_deg)``; highlighted ones (e.g. optimiser-chosen) drawn as stars.
    assets
        Defended assets ``(name, lat_deg, lon_deg, value)``, drawn as squares with their value.
    raid_axes
        ``(raid name, (K, 2) lon/lat)`` polylines from launch point to target, drawn as arrows.
    clip_to_land
        Draw coverage over land only (default: wherever the grid has cells, sea included).
    cities
        Populated places ``(name, lat_deg, lon_deg, population)`` drawn as small grey dots with
        their names; True (default): the largest in view from the bundled GeoNames subset
        (:func:`iadsim.report.cities.cities_in_view`); False: none. City labels are placed after
        the sites' and assets' and are left out where they would overlap.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from iadsim.analysis.coverage import mask_to_geometry
    from iadsim.geo.borders import all_countries

    w, s, e, n = grid.bbox_deg
    pad_x, pad_y = 0.04 * (e - w) + 0.2, 0.06 * (n - s) + 0.2
    x0, x1, y0, y1 = w - pad_x, e + pad_x, s - pad_y, n + pad_y
    mid = np.radians(0.5 * (s + n))
    fig_w = 11.0
    aspect = (y1 - y0) / ((x1 - x0) * max(np.cos(mid), 0.2))
    fig, ax = plt.subplots(figsize=(fig_w, max(3.5, min(fig_w * aspect + 1.4, 14.0))))
    ax.set_facecolor("#f4f8fb")
    import shapely

    view = shapely.box(x0, y0, x1, y1)
    for geom in all_countries().values():
        if geom.intersects(view):
            for p in geometry_patches(geom, facecolor="#ffffff", edgecolor="#9a9a9a", lw=0.5, zorder=1):
                ax.add_patch(p)
    levels: list[tuple[np.ndarray, str, str]] = [
        ((det_layers > 0) & (eng_layers == 0), _LAYER_COLOURS[0], "detection only"),
        (eng_layers == 1, _LAYER_COLOURS[1], "1 engagement layer"),
        (eng_layers == 2, _LAYER_COLOURS[2], "2 layers"),
        (eng_layers == 3, _LAYER_COLOURS[3], "3 layers"),
        (eng_layers >= 4, _LAYER_COLOURS[4], "4+ layers"),
    ]
    handles: list[Any] = []
    land = shapely.union_all([g for g in all_countries().values() if g.intersects(view)]) if clip_to_land else None
    for mask, colour, label in levels:
        if not mask.any():
            continue
        g = mask_to_geometry(grid, mask)
        if land is not None:
            g = g.intersection(land)
        for p in geometry_patches(g, facecolor=colour, edgecolor="none", alpha=0.85, zorder=2):
            ax.add_patch(p)
        handles.append(Patch(facecolor=colour, label=label))
    if region_geom is not None:
        for p in geometry_patches(region_geom, facecolor="none", edgecolor="#222222", lw=1.2, zorder=3):
            ax.add_patch(p)
    for name, pts_ll in raid_axes:
        xy = np.asarray(pts_ll, float).reshape(-1, 2)
        if len(xy) < 2:
            continue
        ax.plot(xy[:, 0], xy[:, 1], color="#b2182b", lw=1.1, ls="--", zorder=4, alpha=0.9)
        ax.annotate("", xy=tuple(xy[-1]), xytext=tuple(xy[-2]), zorder=4,
                    arrowprops={"arrowstyle": "-|>", "color": "#b2182b", "lw": 1.1, "mutation_scale": 12})  # fmt: skip
    for name, lat, lon in sites:
        ax.plot(lon, lat, marker="^", color="#08306b", ms=7, zorder=5, ls="none")
    for name, lat, lon in highlight_sites:
        ax.plot(lon, lat, marker="*", color="#67000d", ms=13, zorder=5, ls="none", mec="white")
    for name, lat, lon, _v in assets:
        ax.plot(lon, lat, marker="s", color="#7a0177", ms=6, zorder=5, ls="none", mec="white")
    if cities is True:
        from iadsim.report.cities import cities_in_view

        marked = [(nm, la, lo) for nm, la, lo in sites] + [(nm, la, lo) for nm, la, lo in highlight_sites] + [(nm, la, lo) for nm, la, lo, _ in assets]
        city_list = cities_in_view((x0, y0, x1, y1), avoid=marked)
    else:
        city_list = list(cities) if cities else []
    for name, lat, lon, _p in city_list:
        ax.plot(lon, lat, marker="o", color="#525252", ms=3.2, zorder=4.5, ls="none", mec="white", mew=0.5, gid="city")
    if city_list:
        handles.append(ax.plot([], [], marker="o", color="#525252", ls="none", ms=4, label="city (GeoNames)")[0])
    if sites:
        handles.append(ax.plot([], [], marker="^", color="#08306b", ls="none", label="site")[0])
    if highlight_sites:
        handles.append(ax.plot([], [], marker="*", color="#67000d", ls="none", ms=11, label="chosen site")[0])
    if assets:
        handles.append(ax.plot([], [], marker="s", color="#7a0177", ls="none", label="defended asset")[0])
    if raid_axes:
        handles.append(ax.plot([], [], color="#b2182b", ls="--", label="raid axis")[0])
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1.0 / max(float(np.cos(mid)), 0.2))
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.set_title(title + (f"\n{subtitle}" if subtitle else ""), fontsize=10, loc="left")
    # scale bar (bottom right), length at the map's middle latitude
    km = scale_bar_km(x1 - x0, 0.5 * (y0 + y1))
    dlon = km / (111.32 * max(float(np.cos(mid)), 0.05))
    bx1 = x1 - 0.03 * (x1 - x0)
    by = y0 + 0.04 * (y1 - y0)
    ax.plot([bx1 - dlon, bx1], [by, by], color="#111", lw=3, solid_capstyle="butt", zorder=7)
    ax.text(bx1 - dlon / 2, by + 0.012 * (y1 - y0), f"{km:g} km", ha="center", va="bottom", fontsize=8, zorder=7)
    leg = ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9) if handles else None
    from iadsim.report.cities import ATTRIBUTION

    fig.text(0.01, 0.005, CAVEAT + (f" · {ATTRIBUTION}" if city_list else ""), fontsize=7, color="#a50f15", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    # labels last (the layout is final), avoiding each other, the markers and the legend
    avoid = []
    if leg is not None:
        fig.canvas.draw()
        lb = leg.get_window_extent(_renderer(fig))
        avoid.append(np.array([lb.x0, lb.y0, lb.x1, lb.y1]))
    items = [(n, lon, lat) for n, lat, lon in sites] + [(n, lon, lat) for n, lat, lon in highlight_sites]
    place_labels(ax, items, colour="#08306b", avoid=avoid)
    place_labels(ax, [(f"{n} ({v:g})", lon, lat) for n, lat, lon, v in assets], colour="#4a0148",
                 avoid=avoid + [_bbox_px(t) for t in ax.texts])
    if city_list:
        mk = [np.r_[p - 4.0, p + 4.0] for p in ax.transData.transform(np.array([[lo, la] for _, la, lo in list(sites) + list(highlight_sites)]).reshape(-1, 2))]
        place_labels(ax, [(n, lon, lat) for n, lat, lon, _p in city_list], fontsize=6.5, colour="#404040",
                     avoid=avoid + mk + [_bbox_px(t) for t in ax.texts], drop_unplaced=True)  # fmt: skip
    return fig


def _bbox_px(artist: Any) -> np.ndarray:
    fig = artist.figure
    bb = artist.get_window_extent(_renderer(fig))
    return np.array([bb.x0, bb.y0, bb.x1, bb.y1])


def _renderer(fig: Any) -> Any:
    """The Agg renderer of a drawn figure (text extents in display pixels)."""
    return fig.canvas.get_renderer()
