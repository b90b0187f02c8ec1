"""Vectorised construction of the route movers' densified geodesic polylines (world compile).

:class:`~iadsim.threats.routes.RouteMover` densifies every leg of every threat in a Python loop
(one :func:`~iadsim.geo.frames.geodesic_points` call per leg), which made a 12,600-threat world
take seconds to compile. This module computes the *same* arrays for all legs of all rows at once:

* one inverse geodesic call over all legs (azimuth α₁₂, length L per leg);
* per leg ``n = max(1, ⌈L / spacing⌉)`` intervals; point k of the leg at s_k = k·(L/n) (the last
  one at exactly L), exactly as ``numpy.linspace(0, L, n + 1)`` computes them;
* one direct geodesic call over all points (start point, α₁₂, s_k); end points set to the
  waypoints;
* height above the ground linear in s on each leg, h = h_a + (h_b − h_a)·s/L;
* along-path distance of a row = s₀(leg) + s, with s₀ the running sum of the row's previous leg
  lengths (added leg by leg, in the same order as the loop, so every value is bit-identical);
* under terrain the same envelope as ``threats.routes._terrain_envelope``, for all rows at once.

Every operation is elementwise (pyproj's geodesic calls are elementwise C loops), so the result
is bit-identical to the loop (tested attribute by attribute against ``RouteMover``). Legs that do
not depend on the run's random draws (a raid's waypoints after its first one, to the target) are
densified once per template world and re-used by every draw (:func:`tile_legs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from iadsim.errors import InputError
from iadsim.geo.frames import geodesic_direct, geodesic_inverse
from iadsim.threats import routes as _routes
from iadsim.threats.routes import RouteMover

__all__ = ["Legs", "Rows", "densify_legs", "tile_legs", "concat_legs", "assemble_rows", "concat_rows",
           "route_mover_from_rows"]  # fmt: skip


@dataclass(frozen=True)
class Legs:
    """Densified geodesic legs, struct of arrays: legs (L,), points (P,).

    ``row``/``j`` are the owning row and the leg's position in it (0 = first); the points of leg
    ``l`` are ``start[l] : start[l + 1]`` (both ends included), with ``s_m`` measured from the
    leg's start and ``alt_m`` the height above the ground (no terrain added yet).
    """

    row: np.ndarray
    j: np.ndarray
    dist_m: np.ndarray
    start: np.ndarray  # (L + 1,)
    lat_rad: np.ndarray
    lon_rad: np.ndarray
    alt_m: np.ndarray
    s_m: np.ndarray

    def __len__(self) -> int:
        return len(self.row)


@dataclass(frozen=True)
class Rows:
    """Densified polylines, one per row, flattened: points (P,), ``n_points`` (R,) per row."""

    lat_rad: np.ndarray
    lon_rad: np.ndarray
    alt_m: np.ndarray
    s_m: np.ndarray
    n_points: np.ndarray

    def __len__(self) -> int:
        return len(self.n_points)


def densify_legs(
    lat_w: np.ndarray, lon_w: np.ndarray, alt_w: np.ndarray, counts: np.ndarray, spacing_m: float,
    row_ids: np.ndarray | None = None, j_offset: int = 0,
) -> Legs:
    """Densify all legs of ragged waypoint rows at once (vectorised ``geodesic_points``).

    Parameters
    ----------
    lat_w, lon_w, alt_w : ndarray, shape (M,)
        Waypoints of all rows, row after row: rad, rad, m above the ground.
    counts : ndarray of int, shape (R,)
        Waypoints per row (≥ 2 each), summing to M.
    spacing_m : float
        Largest point spacing, m (> 0).
    row_ids : ndarray of int, shape (R,), optional
        Row number of each row in the result (default 0 … R−1).
    j_offset : int
        Added to every leg's position in its row (legs appended after others).

    Returns
    -------
    Legs
    """
    lat_w = np.asarray(lat_w, float).reshape(-1)
    lon_w = np.asarray(lon_w, float).reshape(-1)
    alt_w = np.asarray(alt_w, float).reshape(-1)
    counts = np.asarray(counts, np.int64).reshape(-1)
    R = counts.size
    if np.any(counts < 2):
        bad = int(np.flatnonzero(counts < 2)[0])
        raise InputError(f"RouteMover: threat {bad} needs ≥ 2 waypoints (got {int(counts[bad])})")
    if not (np.all(np.isfinite(lat_w)) and np.all(np.isfinite(lon_w)) and np.all(np.isfinite(alt_w))):
        raise InputError("RouteMover: non-finite waypoint coordinates")
    if np.any(np.abs(lat_w) > np.pi / 2):
        raise InputError("RouteMover: a latitude outside ±π/2 rad (radians expected)")
    rid = np.arange(R, dtype=np.int64) if row_ids is None else np.asarray(row_ids, np.int64)
    first_wp = np.cumsum(counts) - counts
    is_start = np.ones(lat_w.size, bool)
    is_start[first_wp + counts - 1] = False
    a = np.flatnonzero(is_start)
    b = a + 1
    row_local = np.repeat(np.arange(R, dtype=np.int64), counts)[a]
    j = a - first_wp[row_local]
    az, _, dist = geodesic_inverse(lat_w[a], lon_w[a], lat_w[b], lon_w[b])
    short = dist < _routes._MIN_LEG_M
    if np.any(short):
        k = int(np.flatnonzero(short)[0])
        raise InputError(f"RouteMover: threat {int(rid[row_local[k]])} leg {int(j[k]) + j_offset} has zero length "
                         "(consecutive waypoints coincide)")  # fmt: skip
    n_int = np.maximum(1, np.ceil(dist / spacing_m).astype(np.int64))  # max(1, ceil(L / spacing))
    start = np.zeros(a.size + 1, np.int64)
    np.cumsum(n_int + 1, out=start[1:])
    leg = np.repeat(np.arange(a.size, dtype=np.int64), n_int + 1)
    k_local = (np.arange(int(start[-1]), dtype=np.int64) - start[leg]).astype(float)
    step = dist / n_int  # numpy.linspace(0, L, n + 1): y = k·(L/n) + 0, y[-1] = L
    s = k_local * step[leg]
    s += 0.0
    last = start[1:] - 1
    s[last] = dist
    lat_p, lon_p, _ = geodesic_direct(lat_w[a][leg], lon_w[a][leg], az[leg], s)
    lat_p[start[:-1]], lon_p[start[:-1]] = lat_w[a], lon_w[a]
    lat_p[last], lon_p[last] = lat_w[b], lon_w[b]
    ha, hb = alt_w[a][leg], alt_w[b][leg]
    alt_p = ha + (hb - ha) * (s / dist[leg])  # h(s) = h_a + (h_b − h_a)·s/L
    return Legs(row=rid[row_local], j=j + j_offset, dist_m=dist, start=start, lat_rad=lat_p, lon_rad=lon_p,
                alt_m=alt_p, s_m=s)  # fmt: skip


def _gather(legs: Legs, order: np.ndarray, row: np.ndarray, j: np.ndarray) -> Legs:
    """Legs ``order`` (with new row and position) and their points, in that order."""
    n_pts = np.diff(legs.start)[order]
    start = np.zeros(order.size + 1, np.int64)
    np.cumsum(n_pts, out=start[1:])
    idx = np.repeat(legs.start[:-1][order] - start[:-1], n_pts) + np.arange(int(start[-1]), dtype=np.int64)
    return Legs(row=row, j=j, dist_m=legs.dist_m[order], start=start, lat_rad=legs.lat_rad[idx],
                lon_rad=legs.lon_rad[idx], alt_m=legs.alt_m[idx], s_m=legs.s_m[idx])  # fmt: skip


def tile_legs(legs: Legs, rows: np.ndarray, j_offset: int) -> Legs:
    """The legs of one row repeated for every row in ``rows`` (positions shifted by ``j_offset``)."""
    rows = np.asarray(rows, np.int64)
    L = len(legs)
    order = np.tile(np.arange(L, dtype=np.int64), rows.size)
    return _gather(legs, order, np.repeat(rows, L), np.tile(legs.j, rows.size) + j_offset)


def concat_legs(parts: list[Legs]) -> Legs:
    """All legs of ``parts``, sorted by (row, position in the row)."""
    if not parts:
        z = np.zeros(0)
        return Legs(np.zeros(0, np.int64), np.zeros(0, np.int64), z, np.zeros(1, np.int64), z, z, z, z)
    off = np.cumsum([0] + [int(p.start[-1]) for p in parts[:-1]])
    cat = Legs(
        row=np.concatenate([p.row for p in parts]), j=np.concatenate([p.j for p in parts]),
        dist_m=np.concatenate([p.dist_m for p in parts]),
        start=np.concatenate([p.start[:-1] + o for p, o in zip(parts, off)] + [[int(off[-1] + parts[-1].start[-1])]]),
        lat_rad=np.concatenate([p.lat_rad for p in parts]), lon_rad=np.concatenate([p.lon_rad for p in parts]),
        alt_m=np.concatenate([p.alt_m for p in parts]), s_m=np.concatenate([p.s_m for p in parts]),
    )  # fmt: skip
    if len(cat) < 2 or np.all((np.diff(cat.row) > 0) | ((np.diff(cat.row) == 0) & (np.diff(cat.j) > 0))):
        return cat  # already in (row, position) order
    order = np.lexsort((cat.j, cat.row))
    return _gather(cat, order, cat.row[order], cat.j[order])


def assemble_rows(legs: Legs, n_rows: int, terrain: Any = None, spacing_m: float = 2000.0) -> Rows:
    """Join each row's legs (sorted by row, then position) into its polyline.

    The junction point of two legs belongs to the earlier leg; the along-path distance of a point
    is s₀ + s with s₀ = ((0 + L₀) + L₁) + … over the row's earlier legs. With ``terrain`` the
    heights get the terrain envelope of ``threats.routes`` (``spacing_m`` is the densification).
    """
    L = len(legs)
    s0 = np.zeros(L)
    if L:
        for jj in range(1, int(legs.j.max()) + 1):  # loop over leg positions, not over rows
            idx = np.flatnonzero(legs.j == jj)
            s0[idx] = s0[idx - 1] + legs.dist_m[idx - 1]
    n_pts = np.diff(legs.start)
    leg = np.repeat(np.arange(L, dtype=np.int64), n_pts)
    k_local = np.arange(int(legs.start[-1]), dtype=np.int64) - legs.start[leg]
    keep = (k_local > 0) | (legs.j[leg] == 0)
    s = s0[leg[keep]] + legs.s_m[keep]
    lat, lon, alt = legs.lat_rad[keep], legs.lon_rad[keep], legs.alt_m[keep]
    n_points = np.bincount(legs.row[leg[keep]], minlength=n_rows).astype(np.int64)
    if terrain is not None and lat.size:
        alt = alt + _terrain_envelope_rows(terrain, lat, lon, n_points, spacing_m)
    return Rows(lat_rad=lat, lon_rad=lon, alt_m=alt, s_m=s, n_points=n_points)


def concat_rows(parts: list[Rows]) -> Rows:
    """Rows of ``parts`` one after the other."""
    return Rows(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("lat_rad", "lon_rad", "alt_m", "s_m")),
                n_points=np.concatenate([p.n_points for p in parts]).astype(np.int64))  # fmt: skip


def _terrain_envelope_rows(terrain: Any, lat: np.ndarray, lon: np.ndarray, n_points: np.ndarray,
                           spacing_m: float) -> np.ndarray:  # fmt: skip
    """``threats.routes._terrain_envelope`` of every row at once, (P,) m.

    Interior point k: max of the terrain sampled along segments k−1→k and k→k+1; end points: the
    terrain at the point itself.
    """
    step = max(float(getattr(terrain, "pixel_spacing_m", _routes.TERRAIN_SAMPLE_MIN_M)), _routes.TERRAIN_SAMPLE_MIN_M)
    n_sub = int(np.ceil(spacing_m / step)) + 1
    f = np.linspace(0.0, 1.0, n_sub + 1)[None, :]
    first = np.cumsum(n_points) - n_points
    last = first + n_points - 1
    seg = np.ones(lat.size, bool)
    seg[last] = False
    p = np.flatnonzero(seg)  # segment p → p + 1 inside a row
    dlon = np.mod(lon[p + 1] - lon[p] + np.pi, 2 * np.pi) - np.pi
    s_lat = lat[p, None] + f * (lat[p + 1] - lat[p])[:, None]
    s_lon = lon[p, None] + f * dlon[:, None]
    seg_max = np.full(lat.size, -np.inf)
    seg_max[p] = np.asarray(terrain.height_m(s_lat, s_lon), float).max(axis=1)  # segment starting at point
    env = np.empty(lat.size)
    prev = np.maximum(np.arange(lat.size) - 1, 0)
    env[:] = np.maximum(seg_max[prev], seg_max)
    ends = np.concatenate([first, last])
    env[ends] = np.asarray(terrain.height_m(lat[ends], lon[ends]), float)
    return env


def route_mover_from_rows(rows: Rows, speed_mps: np.ndarray, launch_time_s: np.ndarray, spacing_m: float) -> RouteMover:
    """A :class:`RouteMover` from densified rows, without its per-threat construction loop
    (:meth:`RouteMover.from_rows`; a test compares every attribute with a loop-built mover)."""
    return RouteMover.from_rows(rows.lat_rad, rows.lon_rad, rows.alt_m, rows.s_m, rows.n_points, speed_mps,
                                launch_time_s, spacing_m)  # fmt: skip
