"""Air-breathing threats (aircraft, cruise missiles, drones) flying geodesic legs between waypoints.

Model (see ``docs/models.md (threat motion)``):

* each threat flies WGS84 geodesic legs between its waypoints (first = launch point, last =
  target) at constant *ground* speed, i.e. along-path distance s(t) = v·clip(t − t_launch, 0, L/v);
* the height *above the ground* is linear in along-path distance between the waypoint heights;
  on the smooth Earth (``terrain=None``) the ground is the WGS84 ellipsoid, so this is the height
  above the ellipsoid;
* with a terrain model (``terrain=``, a :class:`~iadsim.geo.terrain.Dem`) the threat follows the
  terrain at that clearance: the path is densified at ≤ ``TERRAIN_SPACING_M`` and every interior
  path point k is raised to h_k = c_k + max{T(x) : x on the segments k−1→k and k→k+1}, with c_k
  the profile height and T the terrain sampled every DEM pixel (≥ 30 m) along the segments. Since
  both ends of each segment are at least c above the highest terrain sample of that segment, the
  straight chord flown between them clears every terrain sample by at least min(c_k, c_k+1).
  The first and last points (launch, target) sit at exactly T + c, so a threat arrives at its
  asset. A terrain-following missile thus flies over the local maximum, a documented simplification
  of a climb/dive-limited autopilot;
* the path is densified once, at construction, into points ≤ ``spacing_m`` apart on the geodesic;
  between two consecutive points the ECEF position is interpolated linearly (chord of the arc;
  sagitta L²/(8(R + h)) = 0.08 m for the default 2 km spacing);
* the velocity is the time derivative of that position: chord / time-on-segment (so it is exactly
  consistent with the positions; its magnitude is the ground speed scaled by (R + h)/R and by the
  climb, i.e. within 0.2 % of the ground speed below 12 km altitude for level flight).

:meth:`RouteMover.state` runs the compiled kernel :func:`route_state_kernel` (numba): one pass
over the threats, each segment found by a binary search on a flattened, row-offset
cumulative-distance array (the same comparisons as one NumPy ``searchsorted`` over all threats).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.errors import InputError
from iadsim.geo.frames import geodesic_points, geodetic_to_ecef
from iadsim.threats.motion import PlannedMover, flags

__all__ = ["RouteMover", "route_state_kernel"]

_MIN_LEG_M = 1e-3  #: legs shorter than this are rejected (consecutive duplicate waypoints)
#: Largest path-point spacing when following terrain, m.
TERRAIN_SPACING_M = 500.0
#: Smallest spacing of the terrain samples along a segment, m (SRTM-1 pixel).
TERRAIN_SAMPLE_MIN_M = 30.0


class RouteMover(PlannedMover):
    """Threats flying great-circle (geodesic) legs at constant ground speed.

    Parameters
    ----------
    waypoints_lat_rad, waypoints_lon_rad, waypoints_alt_m : sequence of N arrays
        Waypoints of each threat: array ``i`` has shape (W_i,), W_i ≥ 2; geodetic latitude and
        longitude in rad, height above the ground in m (the ground is the WGS84 ellipsoid when
        ``terrain`` is None). The first waypoint is the launch point, the last the target.
    speed_mps : array_like, shape (N,)
        Constant ground speed, m/s (> 0).
    launch_time_s : array_like, shape (N,)
        Launch time, s from the scenario epoch.
    spacing_m : float
        Maximum spacing of the densified polyline, m (> 0); at most ``TERRAIN_SPACING_M`` with
        terrain.
    terrain : Dem, optional
        Anything with ``height_m(lat_rad, lon_rad)`` (m above the ellipsoid) and
        ``pixel_spacing_m``: the threats follow it (see the module docstring).

    Attributes
    ----------
    n : int
    launch_time_s, arrival_time_s, path_length_m, speed_mps : ndarray, shape (N,)
        ``arrival_time_s = launch_time_s + path_length_m / speed_mps``; ``path_length_m`` is the
        sum of the geodesic leg lengths on the ellipsoid surface.
    n_points : ndarray of int, shape (N,)
        Number of valid points in each row of the padded polyline arrays.
    cum_dist_m, lat_rad, lon_rad, alt_m : ndarray, shape (N, K)
        Densified polyline, padded after ``n_points[i]`` by repeating the last point.
    pos_ecef_m : ndarray, shape (N, K, 3)
        ECEF of the densified polyline, m.
    """

    def __init__(
        self,
        waypoints_lat_rad: Sequence[np.ndarray],
        waypoints_lon_rad: Sequence[np.ndarray],
        waypoints_alt_m: Sequence[np.ndarray],
        speed_mps: np.ndarray | Sequence[float],
        launch_time_s: np.ndarray | Sequence[float],
        spacing_m: float = 2000.0,
        terrain: Any = None,
    ):
        n = len(waypoints_lat_rad)
        if len(waypoints_lon_rad) != n or len(waypoints_alt_m) != n:
            raise InputError(
                f"RouteMover: waypoint lists differ in length (lat {n}, lon {len(waypoints_lon_rad)}, "
                f"alt {len(waypoints_alt_m)})"
            )
        speed, launch = _speeds_and_launches(n, speed_mps, launch_time_s)
        if not (np.isfinite(spacing_m) and spacing_m > 0.0):
            raise InputError(f"RouteMover: spacing_m must be > 0 (got {spacing_m})")
        if terrain is not None:
            spacing_m = min(float(spacing_m), TERRAIN_SPACING_M)

        # --- setup: densify every leg of every threat (loops are construction-time only) ---------
        rows_lat: list[np.ndarray] = []
        rows_lon: list[np.ndarray] = []
        rows_alt: list[np.ndarray] = []
        rows_s: list[np.ndarray] = []
        for i in range(n):
            lat_w = np.asarray(waypoints_lat_rad[i], dtype=float).reshape(-1)
            lon_w = np.asarray(waypoints_lon_rad[i], dtype=float).reshape(-1)
            alt_w = np.asarray(waypoints_alt_m[i], dtype=float).reshape(-1)
            if not (lat_w.size == lon_w.size == alt_w.size) or lat_w.size < 2:
                raise InputError(
                    f"RouteMover: threat {i} needs ≥ 2 waypoints with equal lat/lon/alt counts "
                    f"(got {lat_w.size}, {lon_w.size}, {alt_w.size})"
                )
            if not (np.all(np.isfinite(lat_w)) and np.all(np.isfinite(lon_w)) and np.all(np.isfinite(alt_w))):
                raise InputError(f"RouteMover: threat {i} has non-finite waypoint coordinates")
            if np.any(np.abs(lat_w) > np.pi / 2):
                raise InputError(f"RouteMover: threat {i} has a latitude outside ±π/2 rad (radians expected)")
            lats, lons, alts, ss = [], [], [], []
            s0 = 0.0
            for j in range(lat_w.size - 1):
                la, lo, s_leg = geodesic_points(lat_w[j], lon_w[j], lat_w[j + 1], lon_w[j + 1], spacing_m)
                leg_len = float(s_leg[-1])
                if leg_len < _MIN_LEG_M:
                    raise InputError(
                        f"RouteMover: threat {i} leg {j} has zero length (consecutive waypoints coincide)"
                    )
                # h(s) = h_j + (h_{j+1} − h_j) · s/L_j   (linear in along-path distance)
                al = alt_w[j] + (alt_w[j + 1] - alt_w[j]) * (s_leg / leg_len)
                first = 0 if j == 0 else 1  # the junction point belongs to the previous leg
                lats.append(la[first:])
                lons.append(lo[first:])
                alts.append(al[first:])
                ss.append(s0 + s_leg[first:])
                s0 += leg_len
            row_lat, row_lon, row_alt = np.concatenate(lats), np.concatenate(lons), np.concatenate(alts)
            if terrain is not None:
                row_alt = row_alt + _terrain_envelope(terrain, row_lat, row_lon, spacing_m)
            rows_lat.append(row_lat)
            rows_lon.append(row_lon)
            rows_alt.append(row_alt)
            rows_s.append(np.concatenate(ss))

        n_points = np.array([r.size for r in rows_s], dtype=np.int64)
        k = int(n_points.max()) if n else 2
        lat, lon, alt = _pad(rows_lat, k), _pad(rows_lon, k), _pad(rows_alt, k)
        self._set_tables(speed, launch, spacing_m, n_points, _pad(rows_s, k), lat, lon, alt,
                         geodetic_to_ecef(lat, lon, alt))  # fmt: skip

    @classmethod
    def from_rows(cls, lat_rad: np.ndarray, lon_rad: np.ndarray, alt_m: np.ndarray, s_m: np.ndarray,
                  n_points: np.ndarray, speed_mps: np.ndarray, launch_time_s: np.ndarray,
                  spacing_m: float) -> RouteMover:  # fmt: skip
        """A mover from already densified polylines, flattened (no per-threat loop).

        Parameters
        ----------
        lat_rad, lon_rad, alt_m, s_m : ndarray, shape (P,)
            The rows' points one after the other (height above the ellipsoid, terrain included;
            along-path distance from each row's start).
        n_points : ndarray of int, shape (N,)
            Points of each row (≥ 2).
        speed_mps, launch_time_s, spacing_m : as for the constructor.
        """
        n_points = np.asarray(n_points, np.int64)
        n = len(n_points)
        speed, launch = _speeds_and_launches(n, speed_mps, launch_time_s)
        k = int(n_points.max()) if n else 2
        first = np.cumsum(n_points) - n_points
        idx = first[:, None] + np.minimum(np.arange(k)[None, :], n_points[:, None] - 1)  # pad with the last point
        m = cls.__new__(cls)
        # ECEF of the distinct points, then padded (elementwise: equal to converting the padded arrays)
        m._set_tables(speed, launch, spacing_m, n_points, s_m[idx], lat_rad[idx], lon_rad[idx], alt_m[idx],
                      geodetic_to_ecef(lat_rad, lon_rad, alt_m)[idx])  # fmt: skip
        return m

    def _set_tables(self, speed: np.ndarray, launch: np.ndarray, spacing_m: float, n_points: np.ndarray,
                    cum_dist_m: np.ndarray, lat: np.ndarray, lon: np.ndarray, alt: np.ndarray,
                    pos_ecef_m: np.ndarray) -> None:  # fmt: skip
        """The padded (N, K) polyline tables and everything derived from them."""
        n = len(n_points)
        k = cum_dist_m.shape[1]
        self.n: int = n
        self.spacing_m: float = float(spacing_m)
        self.speed_mps: np.ndarray = np.ascontiguousarray(speed, dtype=np.float64)
        self.launch_time_s: np.ndarray = np.ascontiguousarray(launch, dtype=np.float64)
        self.n_points: np.ndarray = n_points
        self.cum_dist_m, self.lat_rad, self.lon_rad, self.alt_m = cum_dist_m, lat, lon, alt
        self.pos_ecef_m: np.ndarray = pos_ecef_m  # (N, K, 3)
        rows = np.arange(n)
        self.path_length_m: np.ndarray = np.ascontiguousarray(
            self.cum_dist_m[rows, self.n_points - 1] if n else np.zeros(0), dtype=np.float64)
        self.arrival_time_s: np.ndarray = np.ascontiguousarray(
            self.launch_time_s + self.path_length_m / self.speed_mps, dtype=np.float64)  # t_arr = t_0 + L/v

        # ECEF displacement per metre of along-path distance on each segment, (N, K-1, 3);
        # zero on padding segments.
        ds = np.diff(self.cum_dist_m, axis=1)
        dp = np.diff(self.pos_ecef_m, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            self._dpds = np.ascontiguousarray(np.where(ds[..., None] > 0.0, dp / ds[..., None], 0.0), dtype=np.float64)
        # Row-offset search key: row i lives in [i·stride, i·stride + L_i], rows never overlap.
        self._k = k
        self._stride = float(self.path_length_m.max() + 1.0) if n else 1.0
        self._row_off = np.ascontiguousarray(rows * self._stride, dtype=np.float64)
        self._flat_key = np.ascontiguousarray((self.cum_dist_m + self._row_off[:, None]).ravel())

    def _fill(self, t_s: float, dest: np.ndarray, pos: np.ndarray, vel: np.ndarray, flying: np.ndarray,
              arrived: np.ndarray) -> None:
        """Write the state at ``t_s`` of threat ``i`` into row ``dest[i]`` of the output arrays
        (:func:`route_state_kernel`, one pass over the threats; :meth:`state` is inherited)."""
        if self.n:
            route_state_kernel(t_s, *self._kernel_tables(), dest, pos, vel, flying, arrived)

    def _kernel_tables(self) -> tuple[np.ndarray, ...]:
        """The arguments of :func:`route_state_kernel` after ``t_s`` and before ``dest`` (contiguous,
        fixed dtypes; built once): ``launch, arrival, speed, length`` (N,) f8, ``n_points`` (N,) i8,
        ``cum_dist`` (N, K), ``flat_key`` (N·K,), ``row_off`` (N,), ``pos_pts`` (N, K, 3), ``dpds`` (N, K−1, 3)."""
        k: tuple[np.ndarray, ...] | None = self.__dict__.get("_kernel_args")
        if k is None:
            c = np.ascontiguousarray
            k = (c(self.launch_time_s, np.float64), c(self.arrival_time_s, np.float64), c(self.speed_mps, np.float64),
                 c(self.path_length_m, np.float64), c(self.n_points, np.int64), c(self.cum_dist_m, np.float64),
                 c(self._flat_key, np.float64), c(self._row_off, np.float64), c(self.pos_ecef_m, np.float64),
                 c(self._dpds, np.float64))  # fmt: skip
            self.__dict__["_kernel_args"] = k
        return k

    def positions(self, t_s: float) -> np.ndarray:
        """ECEF positions (N, 3), m, at ``t_s`` (s); shorthand for ``state(t_s).pos_ecef_m``."""
        return self.state(t_s).pos_ecef_m


@njit(cache=True, error_model="numpy")
def route_state_kernel(t_s: float, launch_time_s: np.ndarray, arrival_time_s: np.ndarray, speed_mps: np.ndarray,
                       path_length_m: np.ndarray, n_points: np.ndarray, cum_dist_m: np.ndarray, flat_key: np.ndarray,
                       row_off: np.ndarray, pos_pts: np.ndarray, dpds: np.ndarray, dest: np.ndarray,
                       pos: np.ndarray, vel: np.ndarray, flying: np.ndarray,
                       arrived: np.ndarray) -> None:  # pragma: no cover - compiled  # fmt: skip
    """State of N route threats at ``t_s`` (s), written to rows ``dest`` of the outputs.

    Per threat i (launch t₀, ground speed v, path length L, densified points P_k at along-path
    distances s_k, ECEF displacement per metre dP/ds on each segment):

    * arrived = t ≥ t_arr; flying = t ≥ t₀ ∧ ¬arrived;
    * s = L if arrived else min(v · max(t − t₀, 0), L);
    * segment j: the last k with s_k ≤ s (searched as s + off_i on the row-offset key
      ``flat_key = s_k + off_i``, exactly the comparisons of the former ``searchsorted``),
      clipped to [0, n_i − 2];
    * f = clip((s − s_j)/(s_{j+1} − s_j), 0, 1); P = P_j + f (P_{j+1} − P_j) (chord);
    * V = (dP/ds)_j · (v · flying).

    Shapes: N threats, K points per padded row. ``launch_time_s, arrival_time_s, speed_mps,
    path_length_m, row_off`` (N,) float; ``n_points`` (N,) int; ``cum_dist_m`` (N, K);
    ``flat_key`` (N·K,); ``pos_pts`` (N, K, 3) m; ``dpds`` (N, K−1, 3); ``dest`` (N,) int;
    outputs ``pos, vel`` (≥ N, 3) m, m/s and ``flying, arrived`` (≥ N,) bool.
    """
    n = launch_time_s.shape[0]
    k = cum_dist_m.shape[1]
    for i in range(n):
        arr = t_s >= arrival_time_s[i]
        fly = (t_s >= launch_time_s[i]) and not arr
        d = dest[i]
        arrived[d] = arr
        flying[d] = fly
        x = t_s - launch_time_s[i]
        if x < 0.0:
            x = 0.0
        s = speed_mps[i] * x
        length = path_length_m[i]
        if arr:
            s = length
        elif s > length:
            s = length
        key = s + row_off[i]
        lo = i * k
        hi = lo + k
        while lo < hi:  # first index of the row with flat_key > key (searchsorted, side="right")
            mid = (lo + hi) // 2
            if flat_key[mid] <= key:
                lo = mid + 1
            else:
                hi = mid
        j = lo - 1 - i * k
        if j > n_points[i] - 2:
            j = n_points[i] - 2
        if j < 0:
            j = 0
        s0 = cum_dist_m[i, j]
        s1 = cum_dist_m[i, j + 1]
        frac = (s - s0) / (s1 - s0)
        if frac < 0.0:
            frac = 0.0
        if frac > 1.0:
            frac = 1.0
        vf = speed_mps[i] * (1.0 if fly else 0.0)
        for c in range(3):
            p0 = pos_pts[i, j, c]
            pos[d, c] = p0 + frac * (pos_pts[i, j + 1, c] - p0)
            vel[d, c] = dpds[i, j, c] * vf


def _terrain_envelope(terrain: Any, lat: np.ndarray, lon: np.ndarray, spacing_m: float) -> np.ndarray:
    """Ground height under a densified path for terrain following, shape (K,), m.

    Interior point k: max of the terrain sampled along segments k−1→k and k→k+1 (every
    max(pixel, 30 m), lat/lon linear inside a segment of ≤ ``spacing_m``); end points: the terrain
    at the point itself. K ≥ 2.
    """
    step = max(float(getattr(terrain, "pixel_spacing_m", TERRAIN_SAMPLE_MIN_M)), TERRAIN_SAMPLE_MIN_M)
    n_sub = int(np.ceil(spacing_m / step)) + 1
    f = np.linspace(0.0, 1.0, n_sub + 1)[None, :]  # (1, J) fractions along each segment
    dlon = np.mod(lon[1:] - lon[:-1] + np.pi, 2 * np.pi) - np.pi  # short way across ±180°
    s_lat = lat[:-1, None] + f * (lat[1:] - lat[:-1])[:, None]  # (K-1, J)
    s_lon = lon[:-1, None] + f * dlon[:, None]
    seg_max = np.asarray(terrain.height_m(s_lat, s_lon), float).max(axis=1)  # (K-1,)
    env = np.empty(lat.size)
    env[1:-1] = np.maximum(seg_max[:-1], seg_max[1:])
    ends = np.asarray(terrain.height_m(lat[[0, -1]], lon[[0, -1]]), float)
    env[0], env[-1] = ends[0], ends[1]
    return env


def _speeds_and_launches(n: int, speed_mps: Any, launch_time_s: Any) -> tuple[np.ndarray, np.ndarray]:
    """(N,) float speeds (finite, > 0 m/s) and launch times (finite), or an :class:`InputError`."""
    speed = np.asarray(speed_mps, dtype=float).reshape(-1)
    launch = np.asarray(launch_time_s, dtype=float).reshape(-1)
    if speed.shape != (n,) or launch.shape != (n,):
        raise InputError(f"RouteMover: speed_mps and launch_time_s need shape ({n},) (got {speed.shape}, {launch.shape})")
    if not np.all(np.isfinite(speed)) or np.any(speed <= 0.0):
        raise InputError(f"RouteMover: speeds must be finite and > 0 m/s (got {speed})")
    if not np.all(np.isfinite(launch)):
        raise InputError("RouteMover: launch times must be finite")
    return speed, launch


def _pad(rows: list[np.ndarray], k: int) -> np.ndarray:
    """Stack 1-D rows into (N, k), padding each row with its last value."""
    out = np.empty((len(rows), k))
    for i, r in enumerate(rows):
        out[i, : r.size] = r
        out[i, r.size :] = r[-1]
    return out
