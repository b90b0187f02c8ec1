"""Static PNG coverage maps (matplotlib, Agg backend, no network).

A map shows the bundled Natural Earth borders, the region outline, the sites, and coverage shaded
by the number of overlapping layers: detection only (a radar sees the target with Pd ≥ threshold
but no fire unit can engage it), then 1, 2, 3+ fire units able to engage. Every map carries the
notional-data caveat.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CAVEAT", "plot_coverage_map", "geometry_patches"]

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


def plot_coverage_map(
    path: str | Path,
    *,
    grid: Any,
    det_layers: np.ndarray,
    eng_layers: np.ndarray,
    title: str,
    region_geom: Any = None,
    sites: Sequence[tuple[str, float, float]] = (),
    highlight_sites: Sequence[tuple[str, float, float]] = (),
    subtitle: str = "",
    dpi: int = 110,
) -> Path:
    """Write one coverage map as PNG.

    Parameters
    ----------
    path
        Output PNG file.
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
    for mask, colour, label in levels:
        if not mask.any():
            continue
        g = mask_to_geometry(grid, mask)
        for p in geometry_patches(g, facecolor=colour, edgecolor="none", alpha=0.85, zorder=2):
            ax.add_patch(p)
        handles.append(Patch(facecolor=colour, label=label))
    if region_geom is not None:
        for p in geometry_patches(region_geom, facecolor="none", edgecolor="#222222", lw=1.2, zorder=3):
            ax.add_patch(p)
    for name, lat, lon in sites:
        ax.plot(lon, lat, marker="^", color="#08306b", ms=7, zorder=4, ls="none")
        ax.annotate(name, (lon, lat), xytext=(4, 4), textcoords="offset points", fontsize=7, zorder=5)
    for name, lat, lon in highlight_sites:
        ax.plot(lon, lat, marker="*", color="#67000d", ms=13, zorder=4, ls="none", mec="white")
        ax.annotate(name, (lon, lat), xytext=(5, -9), textcoords="offset points", fontsize=7, zorder=5)
    if sites:
        handles.append(ax.plot([], [], marker="^", color="#08306b", ls="none", label="site")[0])
    if highlight_sites:
        handles.append(ax.plot([], [], marker="*", color="#67000d", ls="none", ms=11, label="chosen site")[0])
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1.0 / max(float(np.cos(mid)), 0.2))
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.set_title(title + (f"\n{subtitle}" if subtitle else ""), fontsize=10, loc="left")
    if handles:
        ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)
    fig.text(0.01, 0.005, CAVEAT, fontsize=7, color="#a50f15", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=dpi, bbox_inches="tight", pad_inches=0.15)
    plt.close(fig)
    tmp.replace(out)
    return out
