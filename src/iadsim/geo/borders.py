"""Country borders from the bundled Natural Earth 1:50m data (no download).

The data file ``iadsim/data/borders/countries-50m.json`` is the TopoJSON of the npm package
``world-atlas@2`` (Natural Earth 4.1.0 *Admin 0 – Countries*, public domain; packaging ISC, see
``data/borders/LICENSE.md``). It is decoded here without any TopoJSON library:

* every arc is a list of quantized integer positions, the first absolute and the rest delta-encoded;
  the cumulative sum gives the quantized position ``q``, and the ``transform`` maps it to degrees:
  ``lon = q_x * scale_x + translate_x``, ``lat = q_y * scale_y + translate_y``;
* a ring is a list of arc indices; a negative index ``~i`` (``-i - 1``) means arc ``i`` reversed;
  consecutive arcs share their end/start point, which is dropped once when concatenating.

Coordinates are longitude/latitude in degrees (WGS84, as Natural Earth publishes them). Areas are
geodesic on the WGS84 ellipsoid (:func:`pyproj.Geod.geometry_area_perimeter`).
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from iadsim.errors import InputError

__all__ = [
    "country_names",
    "country_polygon",
    "geodesic_area_m2",
    "decode_topojson",
    "all_countries",
    "canonical_country_name",
]

_DATA_FILE = "countries-50m.json"

#: Common alternative spellings → Natural Earth (world-atlas) names (keys lower-case).
ALIASES: dict[str, str] = {
    "türkiye": "Turkey",
    "turkiye": "Turkey",
    "usa": "United States of America",
    "us": "United States of America",
    "united states": "United States of America",
    "uk": "United Kingdom",
    "great britain": "United Kingdom",
    "russian federation": "Russia",
    "south korea": "South Korea",
    "republic of korea": "South Korea",
    "north korea": "North Korea",
    "czech republic": "Czechia",
    "uae": "United Arab Emirates",
    "democratic republic of the congo": "Dem. Rep. Congo",
    "bosnia and herzegovina": "Bosnia and Herz.",
    "central african republic": "Central African Rep.",
    "dominican republic": "Dominican Rep.",
    "south sudan": "S. Sudan",
}


def _decode_arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """Decode every arc of a TopoJSON topology to an ``(n, 2)`` array of (lon, lat) degrees."""
    tr = topology.get("transform")
    out: list[np.ndarray] = []
    for arc in topology["arcs"]:
        a = np.asarray(arc, dtype=np.float64).reshape(-1, 2)
        if tr is not None:
            # delta decoding then the quantization transform: x = Σq · scale + translate
            a = np.cumsum(a, axis=0) * np.asarray(tr["scale"]) + np.asarray(tr["translate"])
        out.append(a)
    return out


def _ring(arcs: list[np.ndarray], idx: list[int]) -> np.ndarray:
    """Concatenate the arcs of one ring (negative index ``~i`` = arc ``i`` reversed)."""
    parts: list[np.ndarray] = []
    for k, i in enumerate(idx):
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if k == 0 else a[1:])
    return np.concatenate(parts, axis=0)


def _unwrap_ring(c: np.ndarray) -> np.ndarray:
    """Make a ring continuous in longitude across the antimeridian.

    world-atlas rings are spherical: a ring may step from +179.9° to −180°. The longitudes are
    unwrapped (jumps > 180° removed); a ring that then closes 360° apart encircles a pole
    (Antarctica) and is closed through that pole.
    """
    lon = np.degrees(np.unwrap(np.radians(c[:, 0])))
    out = np.column_stack([lon, c[:, 1]])
    span = lon[-1] - lon[0]
    if abs(span) > 180.0:  # encircles a pole: close along the pole's parallel
        pole = -90.0 if np.mean(c[:, 1]) < 0 else 90.0
        out = np.vstack([out, [[lon[-1], pole], [lon[0], pole], out[0]]])
    return out


def _split_antimeridian(p: Polygon) -> BaseGeometry:
    """Cut an unwrapped polygon at ±180° and shift the outer parts back into [−180°, 180°]."""
    minx, _, maxx, _ = p.bounds
    if minx >= -180.0 and maxx <= 180.0:
        return p
    parts = []
    for shift in (-360.0, 0.0, 360.0):
        box = shapely.box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
        piece = shapely.intersection(p, box)
        if not piece.is_empty:
            parts.append(shapely.transform(piece, lambda xy, s=shift: xy + np.array([s, 0.0])))
    return shapely.union_all(parts)


def _polygon(arcs: list[np.ndarray], rings: list[list[int]]) -> BaseGeometry | None:
    coords = [_unwrap_ring(_ring(arcs, r)) for r in rings]
    coords = [c for c in coords if len(c) >= 4]
    if not coords:
        return None
    x0 = float(np.mean(coords[0][:, 0]))
    # bring each hole next to its shell (a hole may have been unwrapped 360° away)
    holes = [c - np.array([360.0 * round((float(np.mean(c[:, 0])) - x0) / 360.0), 0.0]) for c in coords[1:]]
    poly = Polygon(coords[0], holes)
    if not poly.is_valid:
        poly = shapely.make_valid(poly)
    return _split_antimeridian(poly) if isinstance(poly, Polygon) else shapely.union_all(
        [_split_antimeridian(g) for g in getattr(poly, "geoms", [poly]) if isinstance(g, Polygon)]
    )


def decode_topojson(topology: dict[str, Any], object_name: str = "countries") -> dict[str, BaseGeometry]:
    """Decode a TopoJSON ``GeometryCollection`` into ``{name: shapely geometry}``.

    Parameters
    ----------
    topology
        Parsed TopoJSON document (``type: Topology``).
    object_name
        Key under ``objects``.

    Returns
    -------
    dict
        Feature ``properties.name`` → valid shapely ``Polygon``/``MultiPolygon`` in lon/lat degrees.
        Features with the same name are merged.
    """
    arcs = _decode_arcs(topology)
    result: dict[str, BaseGeometry] = {}
    for g in topology["objects"][object_name]["geometries"]:
        name = (g.get("properties") or {}).get("name") or str(g.get("id", "?"))
        polys: list[BaseGeometry] = []
        if g["type"] == "Polygon":
            p = _polygon(arcs, g["arcs"])
            polys = [p] if p is not None else []
        elif g["type"] == "MultiPolygon":
            polys = [p for p in (_polygon(arcs, rs) for rs in g["arcs"]) if p is not None]
        else:
            continue
        if not polys:
            continue
        geom: BaseGeometry = polys[0] if len(polys) == 1 else shapely.union_all(polys)
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        if name in result:
            geom = shapely.union(result[name], geom)
        result[name] = geom
    return result


@lru_cache(maxsize=1)
def all_countries() -> dict[str, BaseGeometry]:
    """All bundled country geometries, ``{Natural Earth name: geometry}`` (cached)."""
    text = resources.files("iadsim").joinpath("data").joinpath("borders").joinpath(_DATA_FILE).read_text(encoding="utf-8")
    return decode_topojson(json.loads(text), "countries")


def country_names() -> list[str]:
    """Sorted names of every bundled country (Natural Earth short names, e.g. ``"Turkey"``)."""
    return sorted(all_countries())


def _resolve(name: str) -> str:
    names = all_countries()
    key = name.strip().lower()
    lower = {n.lower(): n for n in names}
    if key in lower:
        return lower[key]
    if key in ALIASES and ALIASES[key] in names:
        return ALIASES[key]
    close = difflib.get_close_matches(key, list(lower) + list(ALIASES), n=5, cutoff=0.6)
    suggestions = []
    for c in close:
        s = lower.get(c) or ALIASES[c]
        if s not in suggestions:
            suggestions.append(s)
    hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    raise InputError(
        f"unknown country {name!r} in the bundled Natural Earth borders.{hint} "
        f"({len(names)} countries; list them with iadsim.geo.borders.country_names())"
    )


def country_polygon(name: str) -> BaseGeometry:
    """The polygon of one country, matched case-insensitively (a few aliases such as "Türkiye").

    Parameters
    ----------
    name
        Country name, e.g. ``"turkey"``.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        Longitude/latitude degrees.

    Raises
    ------
    InputError
        Unknown name; the message lists close matches (difflib).
    """
    return all_countries()[_resolve(name)]


def canonical_country_name(name: str) -> str:
    """The bundled spelling of ``name`` (raises :class:`InputError` like :func:`country_polygon`)."""
    return _resolve(name)


def geodesic_area_m2(geom: BaseGeometry) -> float:
    """Geodesic area of a lon/lat polygon on the WGS84 ellipsoid, m² (holes subtracted)."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
    total = 0.0
    for p in polys:
        if not isinstance(p, Polygon) or p.is_empty:
            continue
        # exterior counter-clockwise, holes clockwise ⇒ the signed sum is the net area
        area, _ = geod.geometry_area_perimeter(orient(p, 1.0))
        total += abs(area)
    return float(total)
