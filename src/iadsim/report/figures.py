"""Figures of the HTML report as inline SVG strings (no JavaScript library, no network).

* :func:`map_svg` — sites, defended assets, coverage rings, threat tracks coloured by outcome,
  interceptor flyouts and intercept points over the bundled Natural Earth borders. Projection:
  equirectangular scaled by ``cos φ₀`` at the view's middle latitude (``x = (λ − λ₀) cos φ₀``,
  ``y = φ``), good for regional maps. The largest cities in view (bundled GeoNames subset,
  :mod:`iadsim.report.cities`) are drawn as grey dots. Labels do not overlap: each tries eight
  positions around its point (text box estimated as 0.6 × font size per character) and keeps the
  first free one; site and asset labels are kept at their first position if none is free, city
  labels are left out.
* :func:`timeline_svg` — engagement timeline per fire unit (one bar from launch to intercept/miss).
* :func:`step_svg` — step curves over time (magazine depletion, leakers, value lost).
* :func:`bars_svg` — horizontal bar chart (miss reasons, events by kind).

Coverage rings are each unit's maximum range on the ground (geodesic circle): a simplification of
the coverage model (no horizon, altitude band or terrain); ``iadsim coverage`` computes the real one.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np

__all__ = ["map_svg", "timeline_svg", "step_svg", "bars_svg", "OUTCOME_COLOURS", "ring_lonlat"]

OUTCOME_COLOURS = {"destroyed": "#2b8cbe", "leaked": "#d7301f", "in_flight": "#f59e0b"}
INTERCEPTOR_COLOUR = "#31a354"
PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
           "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6"]  # fmt: skip


def ring_lonlat(lat_deg: float, lon_deg: float, radius_m: float, n: int = 96) -> np.ndarray:
    """(n + 1, 2) lon/lat (deg) of a geodesic circle of ``radius_m`` around a point (closed)."""
    from iadsim.geo import frames

    az = np.linspace(0.0, 2 * np.pi, n + 1)
    la, lo, _ = frames.geodesic_direct(np.full(n + 1, np.radians(lat_deg)), np.full(n + 1, np.radians(lon_deg)), az, np.full(n + 1, radius_m))
    return np.column_stack([np.degrees(lo), np.degrees(la)])


class _Proj:
    """lon/lat (deg) → SVG pixels for a bbox (equirectangular, cos φ₀ scaling)."""

    def __init__(self, bbox: tuple[float, float, float, float], width: float) -> None:
        w, s, e, n = bbox
        self.w, self.s, self.e, self.n = w, s, e, n
        self.k = float(np.cos(np.radians(0.5 * (s + n))))
        self.width = width
        self.scale = width / max((e - w) * self.k, 1e-6)
        self.height = (n - s) * self.scale

    def xy(self, lonlat: np.ndarray) -> np.ndarray:
        ll = np.asarray(lonlat, float).reshape(-1, 2)
        return np.column_stack([(ll[:, 0] - self.w) * self.k * self.scale, (self.n - ll[:, 1]) * self.scale])


def _pts(xy: np.ndarray) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)


def _decimate(n: int, keep: int) -> np.ndarray:
    if n <= keep:
        return np.arange(n)
    idx = np.unique(np.round(np.linspace(0, n - 1, keep)).astype(int))
    return idx


def map_bbox(points_lonlat: np.ndarray, pad_frac: float = 0.08) -> tuple[float, float, float, float]:
    """Padded bbox (w, s, e, n) around (P, 2) lon/lat points."""
    p = np.asarray(points_lonlat, float).reshape(-1, 2)
    p = p[np.isfinite(p).all(axis=1)]
    if not len(p):
        return (-10.0, -10.0, 10.0, 10.0)
    w, s = p.min(axis=0)
    e, n = p.max(axis=0)
    dx = max(e - w, 0.5) * pad_frac + 0.2
    dy = max(n - s, 0.5) * pad_frac + 0.2
    return (float(w - dx), float(max(s - dy, -85)), float(e + dx), float(min(n + dy, 85)))


def map_svg(
    *,
    sites: Sequence[tuple[str, float, float]],
    assets: Sequence[tuple[str, float, float, float]],
    rings: Sequence[tuple[str, np.ndarray]],
    tracks: Sequence[tuple[str, np.ndarray]],
    interceptors: Sequence[np.ndarray],
    intercepts: np.ndarray,
    width: float = 960.0,
    max_points: int = 80,
    cities: bool | Sequence[tuple[str, float, float, int]] = True,
) -> str:
    """SVG map.

    Parameters
    ----------
    sites : (name, lat_deg, lon_deg)
    assets : (name, lat_deg, lon_deg, value)
    rings : (kind, (K, 2) lon/lat) — kind ``"fire_unit"`` (solid) or ``"radar"`` (dashed)
    tracks : (outcome, (M, 2) lon/lat) threat truth, coloured by outcome
    interceptors : (M, 2) lon/lat interceptor flyouts
    intercepts : (Q, 2) lon/lat intercept points
    cities : ``(name, lat_deg, lon_deg, population)``; True: the largest in view
        (:func:`iadsim.report.cities.cities_in_view`); False: none
    """
    import shapely

    from iadsim.geo.borders import all_countries

    pts = [np.array([[lo, la] for _, la, lo in sites]).reshape(-1, 2), np.array([[lo, la] for _, la, lo, _ in assets]).reshape(-1, 2)]
    pts += [t for _, t in tracks]
    bbox = map_bbox(np.concatenate(pts) if pts else np.zeros((0, 2)))
    pr = _Proj(bbox, width)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {pr.width:.0f} {pr.height:.0f}" '
           f'width="{pr.width:.0f}" height="{pr.height:.0f}" role="img" aria-label="map of the raid">',
           f'<rect width="100%" height="100%" fill="#dbe9f4"/>']  # fmt: skip
    view = shapely.box(*bbox)
    tol = max(bbox[2] - bbox[0], bbox[3] - bbox[1]) / 1500.0
    for geom in all_countries().values():
        if not geom.intersects(view):
            continue
        g = geom.intersection(view).simplify(tol)
        d = []
        for p in getattr(g, "geoms", [g]):
            if p.geom_type != "Polygon" or p.is_empty:
                continue
            for ring in [p.exterior, *p.interiors]:
                xy = pr.xy(np.asarray(ring.coords))
                d.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "Z")
        if d:
            out.append(f'<path class="land" d="{" ".join(d)}" fill="#fbfbf8" stroke="#8c8c8c" stroke-width="0.7"/>')
    for kind, ll in rings:
        dash = ' stroke-dasharray="5,4"' if kind == "radar" else ""
        colour = "#6a51a3" if kind == "radar" else "#08519c"
        out.append(f'<polyline class="ring {kind}" points="{_pts(pr.xy(ll))}" fill="{colour}" fill-opacity="0.04" stroke="{colour}" stroke-width="1"{dash}/>')
    for ll in interceptors:
        idx = _decimate(len(ll), 8)
        out.append(f'<polyline class="interceptor" points="{_pts(pr.xy(ll[idx]))}" fill="none" stroke="{INTERCEPTOR_COLOUR}" stroke-width="0.8" stroke-opacity="0.7"/>')
    for outcome, ll in tracks:
        idx = _decimate(len(ll), max_points)
        out.append(f'<polyline class="track {outcome}" points="{_pts(pr.xy(ll[idx]))}" fill="none" stroke="{OUTCOME_COLOURS[outcome]}" stroke-width="1.4" stroke-opacity="0.85"/>')
    for x, y in pr.xy(intercepts) if len(intercepts) else []:
        out.append(f'<path class="intercept" d="M{x - 3:.1f},{y - 3:.1f} L{x + 3:.1f},{y + 3:.1f} M{x - 3:.1f},{y + 3:.1f} L{x + 3:.1f},{y - 3:.1f}" stroke="#111" stroke-width="1.3"/>')
    if cities is True:
        from iadsim.report.cities import cities_in_view

        city_list = cities_in_view(bbox, avoid=[(n, la, lo) for n, la, lo in sites] + [(n, la, lo) for n, la, lo, _ in assets])
    else:
        city_list = list(cities) if cities else []
    # markers first (labels avoid every marker), then labels: sites, assets, cities
    taken: list[tuple[float, float, float, float]] = []
    labels: list[tuple[str, float, float, float, str, bool]] = []  # text, x, y, font size, colour, keep if no room
    for name, la, lo, _p in city_list:
        x, y = pr.xy(np.array([[lo, la]]))[0]
        out.append(f'<circle class="city" cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="#525252" stroke="#fff" stroke-width="0.6"><title>{escape(name)} (pop. {_p:,})</title></circle>')
        taken.append((x - 3, y - 3, x + 3, y + 3))
    for name, la, lo, val in assets:
        x, y = pr.xy(np.array([[lo, la]]))[0]
        out.append(f'<rect class="asset" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#7a0177" stroke="#fff"><title>{escape(name)} (value {val:g})</title></rect>')
        taken.append((x - 4, y - 4, x + 4, y + 4))
    for name, la, lo in sites:
        x, y = pr.xy(np.array([[lo, la]]))[0]
        out.append(f'<path class="site" d="M{x:.1f},{y - 6:.1f} L{x + 5:.1f},{y + 4:.1f} L{x - 5:.1f},{y + 4:.1f}Z" fill="#08306b" stroke="#fff"><title>{escape(name)}</title></path>')
        taken.append((x - 5, y - 6, x + 5, y + 4))
    for name, la, lo in sites:  # sites within 6 px of a labelled one share its label
        x, y = pr.xy(np.array([[lo, la]]))[0]
        near = [i for i, lab in enumerate(labels) if np.hypot(lab[1] - x, lab[2] - y) <= 6.0]
        if near:
            i = near[0]
            labels[i] = (labels[i][0] + ", " + name, *labels[i][1:])
            continue
        labels.append((name, x, y, 10.0, "#08306b", True))
    for name, la, lo, _v in assets:
        x, y = pr.xy(np.array([[lo, la]]))[0]
        labels.append((name, x, y, 11.0, "#4a0148", True))
    for name, la, lo, _p in city_list:
        x, y = pr.xy(np.array([[lo, la]]))[0]
        labels.append((name, x, y, 9.0, "#404040", False))
    for text, x, y, fs, colour, keep in labels:
        pos = _place_label(text, x, y, fs, taken, (0.0, 0.0, pr.width, pr.height))
        if pos is None:
            if not keep:
                continue
            pos = _label_box(text, x, y, fs, *_SVG_OFFSETS[0])
        x0, y0, x1, y1, anchor, tx, ty = pos
        taken.append((x0, y0, x1, y1))
        cls = "city-label" if not keep else "label"
        out.append(f'<text class="{cls}" x="{tx:.1f}" y="{ty:.1f}" font-size="{fs:g}" fill="{colour}" text-anchor="{anchor}" '
                   f'paint-order="stroke" stroke="#ffffff" stroke-width="2.5" stroke-opacity="0.8">{escape(text)}</text>')  # fmt: skip
    if city_list:
        out.append(f'<text x="{pr.width - 6:.1f}" y="{pr.height - 6:.1f}" font-size="9" fill="#555" text-anchor="end">Cities: GeoNames (CC BY 4.0)</text>')
    # scale bar (length at the middle latitude)
    km = _nice(0.25 * (bbox[2] - bbox[0]) * pr.k * 111.32)
    px = km / 111.32 * pr.scale
    y0 = pr.height - 14
    out.append(f'<g class="scalebar"><rect x="10" y="{y0 - 4}" width="{px:.1f}" height="4" fill="#222"/>'
               f'<text x="10" y="{y0 - 8}" font-size="11">{km:g} km</text></g>')  # fmt: skip
    out.append("</svg>")
    return "\n".join(out)


#: Label offsets (dx, dy) in px from the point to the text's anchor, tried in order.
_SVG_OFFSETS = [(6, -4), (6, 12), (-6, -4), (-6, 12), (0, -9), (0, 17), (9, 4), (-9, 4)]


def _label_box(text: str, x: float, y: float, fs: float, dx: float, dy: float) -> tuple[float, float, float, float, str, float, float]:
    """Estimated text box (x0, y0, x1, y1), anchor and text position of a label at offset (dx, dy)
    (width 0.6 × font size per character, height the font size; SVG y grows downwards)."""
    w = 0.6 * fs * len(text)
    tx, ty = x + dx, y + dy
    anchor = "start" if dx > 0 else ("end" if dx < 0 else "middle")
    x0 = tx if dx > 0 else (tx - w if dx < 0 else tx - w / 2)
    return (x0, ty - fs, x0 + w, ty + 0.25 * fs, anchor, tx, ty)


def _place_label(text: str, x: float, y: float, fs: float, taken: Sequence[tuple[float, float, float, float]],
                 frame: tuple[float, float, float, float]) -> tuple[float, float, float, float, str, float, float] | None:  # fmt: skip
    """First of :data:`_SVG_OFFSETS` whose box is inside ``frame`` and overlaps no box of ``taken``."""
    for dx, dy in _SVG_OFFSETS:
        b = _label_box(text, x, y, fs, dx, dy)
        if b[0] < frame[0] or b[1] < frame[1] or b[2] > frame[2] or b[3] > frame[3]:
            continue
        if all(b[2] <= t[0] or b[0] >= t[2] or b[3] <= t[1] or b[1] >= t[3] for t in taken):
            return b
    return None


def _nice(x: float) -> float:
    if x <= 0:
        return 1.0
    e = 10 ** np.floor(np.log10(x))
    for m in (5, 2, 1):
        if m * e <= x:
            return float(m * e)
    return float(e)


def _axes(w: float, h: float, ml: float, mr: float, mt: float, mb: float, x0: float, x1: float, y0: float, y1: float,
          xlabel: str, ylabel: str, x_fmt: str = ".0f") -> tuple[list[str], Any, Any]:  # fmt: skip
    """Plot frame, ticks and labels; ``x_fmt`` formats the x tick values ("" draws no x ticks).

    Returns the SVG parts and the x, y data → pixel maps."""
    iw, ih = w - ml - mr, h - mt - mb
    sx = (lambda x: ml + (np.asarray(x, float) - x0) / max(x1 - x0, 1e-9) * iw)
    sy = (lambda y: mt + ih - (np.asarray(y, float) - y0) / max(y1 - y0, 1e-9) * ih)
    parts = [f'<rect x="{ml}" y="{mt}" width="{iw}" height="{ih}" fill="#fff" stroke="#bbb"/>']
    for v in np.linspace(x0, x1, 6) if x_fmt else []:
        parts.append(f'<line x1="{sx(v):.1f}" x2="{sx(v):.1f}" y1="{mt + ih}" y2="{mt + ih + 4}" stroke="#555"/>'
                     f'<text x="{sx(v):.1f}" y="{mt + ih + 16}" font-size="10" text-anchor="middle">{v:{x_fmt}}</text>')  # fmt: skip
    if ylabel:
        for v in np.linspace(y0, y1, 5):
            parts.append(f'<line x1="{ml - 4}" x2="{ml + iw}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" stroke="#eee"/>'
                         f'<text x="{ml - 6}" y="{sy(v) + 3:.1f}" font-size="10" text-anchor="end">{v:.4g}</text>')  # fmt: skip
        parts.append(f'<text x="12" y="{mt + ih / 2:.0f}" font-size="11" transform="rotate(-90 12 {mt + ih / 2:.0f})" text-anchor="middle">{escape(ylabel)}</text>')
    parts.append(f'<text x="{ml + iw / 2:.0f}" y="{h - 4}" font-size="11" text-anchor="middle">{escape(xlabel)}</text>')
    return parts, sx, sy


def timeline_svg(rows: Sequence[str], bars: Sequence[tuple[int, float, float, str]], t_max: float, width: float = 960.0) -> str:
    """Engagement timeline: one row per fire unit, one bar per interceptor (launch → outcome).

    Parameters
    ----------
    rows : fire unit names (row order)
    bars : (row, t_launch_s, t_end_s, outcome) with outcome ``"hit"`` or ``"miss"``
    """
    rh = 22
    ml = min(260, 12 + 6.5 * max((len(r) for r in rows), default=4))
    h = 40 + rh * max(len(rows), 1)
    parts, sx, _ = _axes(width, h, ml, 16, 8, 32, 0.0, max(t_max, 1.0), 0, 1, "time from scenario start (s)", "")
    for i, r in enumerate(rows):
        y = 8 + i * rh + rh / 2
        parts.append(f'<text x="{ml - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{escape(r)}</text>')
    for row, t0, t1, outcome in bars:
        y = 8 + row * rh + 4 + (3 if outcome == "miss" else 0)
        colour = INTERCEPTOR_COLOUR if outcome == "hit" else "#969696"
        parts.append(f'<rect class="eng {outcome}" x="{sx(t0):.1f}" y="{y:.1f}" width="{max(sx(t1) - sx(t0), 1.5):.1f}" height="{rh - 12}" fill="{colour}" fill-opacity="0.75"/>')
    legend = (f'<g font-size="10"><rect x="{ml}" y="{h - 12}" width="10" height="8" fill="{INTERCEPTOR_COLOUR}"/><text x="{ml + 14}" y="{h - 4}">hit</text>'
              f'<rect x="{ml + 50}" y="{h - 12}" width="10" height="8" fill="#969696"/><text x="{ml + 64}" y="{h - 4}">miss</text></g>')  # fmt: skip
    return f'<svg xmlns="http://www.w3.org/2000/svg" class="chart timeline" viewBox="0 0 {width:.0f} {h:.0f}" width="{width:.0f}" height="{h:.0f}">' + "".join(parts) + legend + "</svg>"


def step_svg(series: Sequence[tuple[str, np.ndarray, np.ndarray]], t_max: float, ylabel: str, width: float = 960.0, height: float = 260.0) -> str:
    """Step curves ``(label, t_s (K,), y (K,))`` — value ``y[k]`` holds from ``t_s[k]`` on."""
    y_all = np.concatenate([np.asarray(y, float) for _, _, y in series]) if series else np.zeros(1)
    y1 = float(np.nanmax(y_all)) if y_all.size else 1.0
    y1 = y1 if y1 > 0 else 1.0
    parts, sx, sy = _axes(width, height, 56, 16, 8, 50, 0.0, max(t_max, 1.0), 0.0, y1 * 1.05, "time from scenario start (s)", ylabel)
    leg = []
    for i, (label, t, y) in enumerate(series):
        c = PALETTE[i % len(PALETTE)]
        t = np.asarray(t, float)
        y = np.asarray(y, float)
        tt = np.repeat(np.append(t, t_max), 2)[1:-1]
        yy = np.repeat(y, 2)
        parts.append(f'<polyline class="series" points="{_pts(np.column_stack([sx(tt), sy(yy)]))}" fill="none" stroke="{c}" stroke-width="1.8"/>')
        leg.append(f'<tspan fill="{c}">■</tspan> {escape(label)}  ')
    parts.append(f'<text x="56" y="{height - 22}" font-size="10">{"".join(leg)}</text>')
    return f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}">' + "".join(parts) + "</svg>"


def bars_svg(items: Sequence[tuple[str, float]], width: float = 640.0, unit: str = "") -> str:
    """Horizontal bars ``(label, value)``."""
    rh = 22
    h = 16 + rh * max(len(items), 1)
    ml = min(280, 12 + 6.5 * max((len(k) for k, _ in items), default=4))
    vmax = max((v for _, v in items), default=1.0) or 1.0
    parts = []
    for i, (k, v) in enumerate(items):
        y = 8 + i * rh
        w = (width - ml - 60) * v / vmax
        parts.append(f'<text x="{ml - 6}" y="{y + 14}" font-size="11" text-anchor="end">{escape(k)}</text>'
                     f'<rect class="bar" x="{ml}" y="{y + 3}" width="{w:.1f}" height="{rh - 8}" fill="#6baed6"/>'
                     f'<text x="{ml + w + 4:.1f}" y="{y + 14}" font-size="11">{v:g}{unit}</text>')  # fmt: skip
    return f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" viewBox="0 0 {width:.0f} {h:.0f}" width="{width:.0f}" height="{h:.0f}">' + "".join(parts) + "</svg>"
