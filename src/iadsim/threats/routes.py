"""Air-breathing threats (aircraft, cruise missiles, drones) flying geodesic legs between waypoints.

Model (see ``docs/models.md (threat motion)``):

* each threat flies WGS84 geodesic legs between its waypoints (first = launch point, last =
  target) at constant *ground* speed, i.e. along-path distance s(t) = v·clip(t − t_launch, 0, L/v);
* altitude is linear in along-path distance between the waypoint altitudes;
* the path is densified once, at construction, into points ≤ ``spacing_m`` apart on the geodesic;
  between two consecutive points the ECEF position is interpolated linearly (chord of the arc;
  sagitta L²/(8(R + h)) = 0.08 m for the default 2 km spacing);
* the velocity is the time derivative of that position: chord / time-on-segment (so it is exactly
  consistent with the positions; its magnitude is the ground speed scaled by (R + h)/R and by the
  climb, i.e. within 0.2 % of the ground speed below 12 km altitude for level flight).

:meth:`RouteMover.state` is vectorised over threats: one ``searchsorted`` on a flattened,
row-offset cumulative-distance array locates every threat's segment at once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from iadsim.errors import InputError
from iadsim.geo.frames import geodesic_points, geodetic_to_ecef
from iadsim.threats.motion import MotionState, flags

__all__ = ["RouteMover"]

_MIN_LEG_M = 1e-3  #: legs shorter than this are rejected (consecutive duplicate waypoints)


class RouteMover:
    """Threats flying great-circle (geodesic) legs at constant ground speed.

    Parameters
    ----------
    waypoints_lat_rad, waypoints_lon_rad, waypoints_alt_m : sequence of N arrays
        Waypoints of each threat: array ``i`` has shape (W_i,), W_i ≥ 2; geodetic latitude and
        longitude in rad, altitude above the WGS84 ellipsoid in m. The first waypoint is the launch
        point, the last the target.
    speed_mps : array_like, shape (N,)
        Constant ground speed, m/s (> 0).
    launch_time_s : array_like, shape (N,)
        Launch time, s from the scenario epoch.
    spacing_m : float
        Maximum spacing of the densified polyline, m (> 0).

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
    ):
        n = len(waypoints_lat_rad)
        if len(waypoints_lon_rad) != n or len(waypoints_alt_m) != n:
            raise InputError(
                f"RouteMover: waypoint lists differ in length (lat {n}, lon {len(waypoints_lon_rad)}, "
                f"alt {len(waypoints_alt_m)})"
            )
        speed = np.asarray(speed_mps, dtype=float).reshape(-1)
        launch = np.asarray(launch_time_s, dtype=float).reshape(-1)
        if speed.shape != (n,) or launch.shape != (n,):
            raise InputError(
                f"RouteMover: speed_mps and launch_time_s need shape ({n},) (got {speed.shape}, {launch.shape})"
            )
        if not np.all(np.isfinite(speed)) or np.any(speed <= 0.0):
            raise InputError(f"RouteMover: speeds must be finite and > 0 m/s (got {speed})")
        if not np.all(np.isfinite(launch)):
            raise InputError("RouteMover: launch times must be finite")
        if not (np.isfinite(spacing_m) and spacing_m > 0.0):
            raise InputError(f"RouteMover: spacing_m must be > 0 (got {spacing_m})")

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
            rows_lat.append(np.concatenate(lats))
            rows_lon.append(np.concatenate(lons))
            rows_alt.append(np.concatenate(alts))
            rows_s.append(np.concatenate(ss))

        self.n: int = n
        self.spacing_m: float = float(spacing_m)
        self.speed_mps: np.ndarray = speed
        self.launch_time_s: np.ndarray = launch
        self.n_points: np.ndarray = np.array([r.size for r in rows_s], dtype=np.int64)
        k = int(self.n_points.max()) if n else 2
        self.cum_dist_m = _pad(rows_s, k)
        self.lat_rad = _pad(rows_lat, k)
        self.lon_rad = _pad(rows_lon, k)
        self.alt_m = _pad(rows_alt, k)
        self.pos_ecef_m: np.ndarray = geodetic_to_ecef(self.lat_rad, self.lon_rad, self.alt_m)  # (N, K, 3)
        rows = np.arange(n)
        self.path_length_m: np.ndarray = self.cum_dist_m[rows, self.n_points - 1] if n else np.zeros(0)
        self.arrival_time_s: np.ndarray = launch + self.path_length_m / speed  # t_arr = t_0 + L/v

        # ECEF displacement per metre of along-path distance on each segment, (N, K-1, 3);
        # zero on padding segments.
        ds = np.diff(self.cum_dist_m, axis=1)
        dp = np.diff(self.pos_ecef_m, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            self._dpds = np.where(ds[..., None] > 0.0, dp / ds[..., None], 0.0)
        # Row-offset search key: row i lives in [i·stride, i·stride + L_i], rows never overlap.
        self._k = k
        self._stride = float(self.path_length_m.max() + 1.0) if n else 1.0
        self._row_off = rows * self._stride
        self._flat_key = (self.cum_dist_m + self._row_off[:, None]).ravel()

    def state(self, t_s: float) -> MotionState:
        """Positions and velocities of all threats at ``t_s`` (s), vectorised over threats."""
        n = self.n
        if n == 0:
            z = np.zeros((0, 3))
            return MotionState(z, z.copy(), np.zeros(0, bool), np.zeros(0, bool))
        flying, arrived = flags(t_s, self.launch_time_s, self.arrival_time_s)
        rows = np.arange(n)
        # s = v · clip(t − t_0, 0, L/v); pinned to L once arrived (no round-off past the end)
        s = self.speed_mps * np.clip(t_s - self.launch_time_s, 0.0, None)
        s = np.where(arrived, self.path_length_m, np.minimum(s, self.path_length_m))
        # one searchsorted for all threats on the flattened, row-offset cumulative distance
        idx = np.searchsorted(self._flat_key, s + self._row_off, side="right") - 1
        j = np.clip(idx - rows * self._k, 0, self.n_points - 2)
        s0 = self.cum_dist_m[rows, j]
        s1 = self.cum_dist_m[rows, j + 1]
        frac = np.clip((s - s0) / (s1 - s0), 0.0, 1.0)
        p0 = self.pos_ecef_m[rows, j]
        p1 = self.pos_ecef_m[rows, j + 1]
        pos = p0 + frac[:, None] * (p1 - p0)  # linear (chord) interpolation inside the segment
        # v = dP/ds · ds/dt = (chord / segment length) · ground speed; zero when not flying
        vel = self._dpds[rows, j] * (self.speed_mps * flying)[:, None]
        return MotionState(pos, vel, flying, arrived)

    def positions(self, t_s: float) -> np.ndarray:
        """ECEF positions (N, 3), m, at ``t_s`` (s); shorthand for ``state(t_s).pos_ecef_m``."""
        return self.state(t_s).pos_ecef_m


def _pad(rows: list[np.ndarray], k: int) -> np.ndarray:
    """Stack 1-D rows into (N, k), padding each row with its last value."""
    out = np.empty((len(rows), k))
    for i, r in enumerate(rows):
        out[i, : r.size] = r
        out[i, r.size :] = r[-1]
    return out
