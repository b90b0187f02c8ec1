"""Radar sensing kernels, vectorised over sensors × targets.

Model (equations and sources in ``docs/models.md``):

* SNR scaled from a reference detection: a radar detects a target of RCS σ_ref at range R_ref
  with probability Pd_ref (at false-alarm probability Pfa). The reference SNR follows from the
  Swerling-1 law; SNR at any range/RCS follows the radar equation's R⁻⁴ and σ¹ scaling.
* Single-look Swerling-1 detection: Pd = Pfa^(1/(1+SNR)) (Mahafza, Eq. 2.75).
* Visibility: slant range, target altitude ceiling, 4/3-Earth line of sight, minimum (refracted)
  elevation, an azimuth sector and, with a terrain model, the terrain line of sight
  (:func:`iadsim.geo.terrain.terrain_los_mask`, the implementation coverage maps use).
* Scan: one look per revisit period, at phase offset ``scan_phase_s``.
* Measurements: range/azimuth/elevation of the straight-line geometry plus independent Gaussian
  noise, converted to ENU and ECEF with a first-order (Jacobian) covariance.

Shapes: S sensors, N targets, M detections.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from collections.abc import Sequence
from typing import Any, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.errors import InputError
from iadsim.geo.frames import (
    aer_to_enu,
    ecef_to_geodetic,
    enu_rotation,
    enu_to_aer,
    geodetic_to_ecef,
    great_circle_angle_rad,
    unit_sphere_vector,
)
from iadsim.geo.horizon import (
    EARTH_RADIUS_M,
    K_EFFECTIVE,
    line_of_sight_clear,
    refracted_elevation_rad,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

_TWO_PI = 2.0 * np.pi
# Scan boundaries are snapped this fraction of a revisit period early, so that a look exactly at
# t = phase + k·revisit is counted at t despite round-off in the engine's clock.
_SCAN_EPS = 1e-9

# Per-sensor float columns of RadarArrays (shape (S,)), in declaration order.
_FLOAT_COLUMNS = (
    "lat_rad",
    "lon_rad",
    "alt_m",
    "ref_range_m",
    "ref_rcs_m2",
    "ref_pd",
    "pfa",
    "max_range_m",
    "max_alt_m",
    "min_elevation_rad",
    "boresight_az_rad",
    "half_width_az_rad",
    "revisit_s",
    "scan_phase_s",
    "sigma_range_m",
    "sigma_az_rad",
    "sigma_el_rad",
)
_REQUIRED = (
    "lat_rad",
    "lon_rad",
    "alt_m",
    "ref_range_m",
    "ref_rcs_m2",
    "ref_pd",
    "revisit_s",
    "sigma_range_m",
    "sigma_az_rad",
    "sigma_el_rad",
)
_DEFAULTS: dict[str, float] = {
    "pfa": 1e-6,
    "max_range_m": np.inf,
    "max_alt_m": np.inf,
    "min_elevation_rad": -np.pi / 2,
    "boresight_az_rad": 0.0,
    "half_width_az_rad": np.pi,
    "scan_phase_s": 0.0,
}


@dataclass(frozen=True, eq=False)
class RadarArrays:
    """Struct-of-arrays description of S radars. Every array field has shape ``(S,)`` unless noted.

    Attributes
    ----------
    name : tuple of str
    site_index : int array — index of the site (for co-located sensors); free for the caller.
    lat_rad, lon_rad : geodetic antenna position (rad).
    alt_m : antenna altitude above the WGS84 ellipsoid (m).
    ecef_m : (S, 3) antenna ECEF position (m).
    enu_rot : (S, 3, 3) ECEF→ENU rotation at the antenna.
    ref_range_m, ref_rcs_m2, ref_pd, pfa : reference detection — a target of RCS ``ref_rcs_m2``
        at slant range ``ref_range_m`` is detected with probability ``ref_pd`` per look at false
        alarm probability ``pfa`` (Swerling 1).
    max_range_m : instrumented slant range (m). max_alt_m : altitude ceiling (m).
    min_elevation_rad : lowest (refracted) elevation covered.
    boresight_az_rad, half_width_az_rad : azimuth sector centre and half width; π ⇒ 360°.
    revisit_s, scan_phase_s : one look every ``revisit_s`` at times ``scan_phase_s + k·revisit_s``.
    sigma_range_m, sigma_az_rad, sigma_el_rad : 1-σ measurement noise.
    k_factor : effective-Earth factor (scalar, default 4/3).
    terrain : optional :class:`iadsim.geo.terrain.Dem` masking every radar→target line of sight
        (None: smooth Earth). :func:`visible` and :func:`sense` use it unless given another.
    """

    name: tuple[str, ...]
    site_index: IntArray
    lat_rad: FloatArray
    lon_rad: FloatArray
    alt_m: FloatArray
    ecef_m: FloatArray
    enu_rot: FloatArray
    ref_range_m: FloatArray
    ref_rcs_m2: FloatArray
    ref_pd: FloatArray
    pfa: FloatArray
    max_range_m: FloatArray
    max_alt_m: FloatArray
    min_elevation_rad: FloatArray
    boresight_az_rad: FloatArray
    half_width_az_rad: FloatArray
    revisit_s: FloatArray
    scan_phase_s: FloatArray
    sigma_range_m: FloatArray
    sigma_az_rad: FloatArray
    sigma_el_rad: FloatArray
    k_factor: float = field(default=K_EFFECTIVE)
    terrain: Any = field(default=None)

    @classmethod
    def from_columns(cls, **kwargs: Any) -> RadarArrays:
        """Build from per-sensor columns, broadcasting scalars and validating values.

        Required: ``lat_rad, lon_rad, alt_m, ref_range_m, ref_rcs_m2, ref_pd, revisit_s,
        sigma_range_m, sigma_az_rad, sigma_el_rad``. Optional (default): ``pfa`` (1e-6),
        ``max_range_m`` (inf), ``max_alt_m`` (inf), ``min_elevation_rad`` (−π/2: no limit, the
        4/3-Earth horizon alone bounds low coverage),
        ``boresight_az_rad`` (0), ``half_width_az_rad`` (π, full circle), ``scan_phase_s`` (0),
        ``name`` ("radar0", ...), ``site_index`` (0..S−1), ``k_factor`` (4/3), ``terrain`` (None).
        ``ecef_m`` and ``enu_rot`` are computed.

        Raises
        ------
        InputError
            Unknown or missing column, inconsistent lengths, or a value out of range.
        """
        allowed = set(_FLOAT_COLUMNS) | {"name", "site_index", "k_factor", "terrain"}
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            raise InputError(f"RadarArrays: unknown column(s) {unknown}")
        missing = [c for c in _REQUIRED if c not in kwargs]
        if missing:
            raise InputError(f"RadarArrays: missing column(s) {missing}")
        cols: dict[str, FloatArray] = {}
        for col in _FLOAT_COLUMNS:
            v = kwargs.get(col, _DEFAULTS.get(col))
            cols[col] = np.atleast_1d(np.asarray(v, dtype=np.float64))
            if cols[col].ndim != 1:
                raise InputError(f"RadarArrays: column {col} must be 1-D (got shape {cols[col].shape})")
        names = kwargs.get("name")
        site = kwargs.get("site_index")
        lengths = {c: a.size for c, a in cols.items() if a.size != 1}
        if names is not None:
            names = (names,) if isinstance(names, str) else tuple(str(n) for n in names)
            lengths["name"] = len(names)
        if site is not None:
            site = np.atleast_1d(np.asarray(site, dtype=np.int64))
            if site.size != 1:
                lengths["site_index"] = site.size
        sizes = set(lengths.values())
        if len(sizes) > 1:
            raise InputError(f"RadarArrays: columns have inconsistent lengths {lengths}")
        s = sizes.pop() if sizes else 1
        cols = {c: np.ascontiguousarray(np.broadcast_to(a, (s,))) for c, a in cols.items()}
        names_t: tuple[str, ...] = tuple(names) if names is not None else tuple(f"radar{i}" for i in range(s))
        if len(names_t) == 1 and s > 1:
            names_t = names_t * s
        site_a = np.arange(s, dtype=np.int64) if site is None else np.broadcast_to(site, (s,)).copy()
        k_factor = float(kwargs.get("k_factor", K_EFFECTIVE))

        problems = []

        def check(cond: BoolArray | bool, what: str) -> None:
            if not np.all(cond):
                problems.append(what)

        c = cols
        check(np.abs(c["lat_rad"]) <= np.pi / 2, "lat_rad must be within [-π/2, π/2]")
        check(np.isfinite(c["lon_rad"]) & np.isfinite(c["alt_m"]), "lon_rad and alt_m must be finite")
        check(np.isfinite(c["ref_range_m"]) & (c["ref_range_m"] > 0), "ref_range_m must be > 0")
        check(np.isfinite(c["ref_rcs_m2"]) & (c["ref_rcs_m2"] > 0), "ref_rcs_m2 must be > 0")
        check((c["pfa"] > 0) & (c["pfa"] < 1), "pfa must be in (0, 1)")
        check((c["ref_pd"] > c["pfa"]) & (c["ref_pd"] < 1), "ref_pd must be in (pfa, 1)")
        check(c["max_range_m"] > 0, "max_range_m must be > 0")
        check(~np.isnan(c["max_alt_m"]), "max_alt_m must not be NaN")
        check(np.abs(c["min_elevation_rad"]) <= np.pi / 2, "min_elevation_rad must be within [-π/2, π/2]")
        check(np.isfinite(c["boresight_az_rad"]), "boresight_az_rad must be finite")
        check((c["half_width_az_rad"] >= 0) & (c["half_width_az_rad"] <= np.pi), "half_width_az_rad must be in [0, π]")
        check(np.isfinite(c["revisit_s"]) & (c["revisit_s"] > 0), "revisit_s must be > 0")
        check(np.isfinite(c["scan_phase_s"]), "scan_phase_s must be finite")
        for sc in ("sigma_range_m", "sigma_az_rad", "sigma_el_rad"):
            check(np.isfinite(c[sc]) & (c[sc] >= 0), f"{sc} must be >= 0")
        check(k_factor > 0, "k_factor must be > 0")
        if problems:
            raise InputError("RadarArrays: " + "; ".join(problems))

        ecef = geodetic_to_ecef(c["lat_rad"], c["lon_rad"], c["alt_m"]).reshape(s, 3)
        rot = enu_rotation(c["lat_rad"], c["lon_rad"]).reshape(s, 3, 3)
        return cls(
            name=names_t,
            site_index=site_a,
            ecef_m=ecef,
            enu_rot=rot,
            k_factor=k_factor,
            terrain=kwargs.get("terrain"),
            **cols,
        )

    def __len__(self) -> int:
        return len(self.name)

    def subset(self, index: ArrayLike) -> RadarArrays:
        """The radars selected by an integer index array or boolean mask, in that order.

        Subsets are cached per instance (the engine asks for the same few scanning sets every
        tick); the arrays are never modified in place, so sharing them is safe.
        """
        idx = np.asarray(index)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        key = idx.astype(np.int64).tobytes()
        cache: dict[bytes, RadarArrays] | None = self.__dict__.get("_subset_cache")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_subset_cache", cache)
        hit = cache.get(key)
        if hit is not None:
            return hit
        out = self._subset(idx)
        if len(cache) < 4096:
            cache[key] = out
        return out

    def _subset(self, idx: np.ndarray) -> RadarArrays:
        """The radars ``idx`` (repeats allowed): every array field indexed, scalars shared.

        Built without ``dataclasses.replace`` (no per-call field walk or ``__init__``): the engine
        asks for per-pair subsets several times a tick. Same values as indexing each field.
        """
        d = self.__dict__
        names: tuple[str, ...] | None = d.get("_array_fields")
        if names is None:
            names = tuple(f.name for f in fields(self) if f.name != "name" and isinstance(d[f.name], np.ndarray))
            object.__setattr__(self, "_array_fields", names)
        out = object.__new__(type(self))
        od = out.__dict__
        for f in _FIELD_NAMES:
            od[f] = d[f]
        od["_array_fields"] = names
        nm = self.name
        od["name"] = tuple(nm[i] for i in idx.tolist())
        for f in names:
            od[f] = d[f][idx]
        return out


#: every dataclass field of :class:`RadarArrays` (the state a subset copies)
_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(RadarArrays))


# --------------------------------------------------------------------------------------------
# Detection statistics
# --------------------------------------------------------------------------------------------


def swerling1_pd(snr_linear: ArrayLike, pfa: ArrayLike) -> FloatArray:
    """Single-look Swerling-1 detection probability (square-law detector).

    Pd = Pfa^(1/(1+SNR))   (Mahafza, *MATLAB Simulations for Radar Systems Design*, Eq. 2.75)

    Parameters
    ----------
    snr_linear : array_like — mean SNR (linear power ratio, ≥ 0; inf ⇒ Pd 1).
    pfa : array_like — false-alarm probability in (0, 1).
    """
    snr = np.asarray(snr_linear, dtype=np.float64)
    return np.asarray(np.power(np.asarray(pfa, dtype=np.float64), 1.0 / (1.0 + snr)))


def swerling1_snr_for_pd(pd: ArrayLike, pfa: ArrayLike) -> FloatArray:
    """Mean SNR (linear) needed for detection probability ``pd`` (Swerling 1, single look).

    SNR = ln(Pfa) / ln(Pd) − 1   (inverse of :func:`swerling1_pd`; Pfa < Pd < 1)
    """
    return np.asarray(np.log(np.asarray(pfa, dtype=np.float64)) / np.log(np.asarray(pd, dtype=np.float64)) - 1.0)


def snr_from_reference(
    range_m: ArrayLike,
    rcs_m2: ArrayLike,
    ref_range_m: ArrayLike,
    ref_rcs_m2: ArrayLike,
    ref_snr_linear: ArrayLike,
) -> FloatArray:
    """Scale a reference SNR with the radar equation.

    SNR = SNR_ref · (R_ref / R)⁴ · (σ / σ_ref)   (all other radar-equation terms held fixed)

    A zero range gives an infinite SNR.
    """
    r = np.asarray(range_m, dtype=np.float64)
    with np.errstate(divide="ignore"):
        ratio = np.asarray(ref_range_m, dtype=np.float64) / r
    return np.asarray(
        np.asarray(ref_snr_linear, dtype=np.float64) * ratio**4
        * (np.asarray(rcs_m2, dtype=np.float64) / np.asarray(ref_rcs_m2, dtype=np.float64))
    )


# --------------------------------------------------------------------------------------------
# Geometry and visibility
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RadarGeometry:
    """Sensor-target geometry.

    Attributes
    ----------
    enu_m : (S, N, 3) target in each radar's ENU frame (m).
    range_m, az_rad, el_rad : (S, N) straight-line slant range, azimuth (clockwise from north,
        [0, 2π)) and geometric elevation.
    el_refracted_rad : (S, N) apparent elevation over the k·Rₑ effective Earth.
    ground_range_m : (S, N) great-circle surface distance on the Rₑ = 6371 km sphere (m).
    tgt_alt_m : (N,) target altitude used for ceiling and horizon (m).
    tgt_lat_rad, tgt_lon_rad : (N,) geodetic target position (rad); None if not computed.
    """

    enu_m: FloatArray
    range_m: FloatArray
    az_rad: FloatArray
    el_rad: FloatArray
    el_refracted_rad: FloatArray
    ground_range_m: FloatArray
    tgt_alt_m: FloatArray
    tgt_lat_rad: FloatArray | None = None
    tgt_lon_rad: FloatArray | None = None


def geometry(radars: RadarArrays, tgt_ecef_m: ArrayLike, tgt_alt_m: ArrayLike | None = None) -> RadarGeometry:
    """Geometry of N targets seen from S radars.

    Parameters
    ----------
    radars : RadarArrays (S sensors)
    tgt_ecef_m : (N, 3) target ECEF positions (m).
    tgt_alt_m : (N,) target altitude above the ellipsoid (m); computed from ECEF when None.
    """
    tgt = np.asarray(tgt_ecef_m, dtype=np.float64).reshape(-1, 3)
    t_lat, t_lon, t_alt = ecef_to_geodetic(tgt)
    if tgt_alt_m is not None:
        t_alt = np.broadcast_to(np.asarray(tgt_alt_m, dtype=np.float64), t_lat.shape).copy()
    # enu = R (x_tgt − x_radar)
    enu = np.einsum("sij,snj->sni", radars.enu_rot, tgt[None, :, :] - radars.ecef_m[:, None, :])
    az, el, rng = enu_to_aer(enu)
    ground = EARTH_RADIUS_M * great_circle_angle_rad(
        radars.lat_rad[:, None], radars.lon_rad[:, None], t_lat[None, :], t_lon[None, :]
    )
    el_refr = refracted_elevation_rad(ground, radars.alt_m[:, None], t_alt[None, :], k=radars.k_factor)
    return RadarGeometry(
        enu_m=enu,
        range_m=rng,
        az_rad=az,
        el_rad=el,
        el_refracted_rad=el_refr,
        ground_range_m=ground,
        tgt_alt_m=t_alt,
        tgt_lat_rad=t_lat,
        tgt_lon_rad=t_lon,
    )


def visible(radars: RadarArrays, geom: RadarGeometry, terrain: Any = None) -> BoolArray:
    """(S, N) mask of targets inside each radar's coverage.

    range ≤ max_range  ∧  alt ≤ max_alt  ∧  4/3-Earth line of sight clear
    ∧  refracted elevation ≥ min_elevation  ∧  |wrap(az − boresight)| ≤ half_width
    ∧  terrain line of sight clear (with a terrain model)

    The terrain test is :func:`iadsim.geo.terrain.terrain_los_mask` — the refracted ray of the
    4/3 effective Earth sampled every DEM pixel, blocked where the terrain rises above it — run
    only on the (radar, target) pairs that pass every other test (one ray per pair).

    Parameters
    ----------
    terrain : Dem, optional
        Terrain masking the lines of sight; default ``radars.terrain`` (None: smooth Earth).
    """
    in_range = geom.range_m <= radars.max_range_m[:, None]
    below_ceiling = geom.tgt_alt_m[None, :] <= radars.max_alt_m[:, None]
    los = line_of_sight_clear(
        geom.ground_range_m, radars.alt_m[:, None], geom.tgt_alt_m[None, :], k=radars.k_factor
    )
    above_min_el = geom.el_refracted_rad >= radars.min_elevation_rad[:, None]
    # wrap(Δaz) into [−π, π)
    daz = np.mod(geom.az_rad - radars.boresight_az_rad[:, None] + np.pi, _TWO_PI) - np.pi
    in_sector = (np.abs(daz) <= radars.half_width_az_rad[:, None]) | (radars.half_width_az_rad[:, None] >= np.pi)
    vis = np.asarray(in_range & below_ceiling & los & above_min_el & in_sector)
    dem = terrain if terrain is not None else radars.terrain
    if dem is not None and vis.any():
        vis = vis & terrain_visible(radars, geom, dem, vis)
    return vis


def terrain_visible(radars: RadarArrays, geom: RadarGeometry, dem: Any, candidates: BoolArray) -> BoolArray:
    """(S, N) terrain line-of-sight mask of the ``candidates`` pairs (False elsewhere).

    One ray per candidate (radar s, target n) from the antenna (height ``radars.alt_m[s]``) to the
    target (``geom.tgt_alt_m[n]``), through :func:`iadsim.geo.terrain.terrain_los_mask`.
    """
    if geom.tgt_lat_rad is None or geom.tgt_lon_rad is None:
        raise InputError("terrain masking needs the target latitude/longitude in the geometry")
    from iadsim.geo.terrain import terrain_los_mask

    si, ti = np.nonzero(candidates)
    out = np.zeros(candidates.shape, dtype=bool)
    if si.size == 0:
        return out
    s_unit = unit_sphere_vector(radars.lat_rad[si], radars.lon_rad[si])
    t_unit = unit_sphere_vector(geom.tgt_lat_rad[ti], geom.tgt_lon_rad[ti])
    cos_t = np.einsum("ij,ij->i", s_unit, t_unit)
    out[si, ti] = terrain_los_mask(
        dem, s_unit, radars.alt_m[si], t_unit, geom.tgt_alt_m[ti], cos_t, k_factor=radars.k_factor, radius_m=EARTH_RADIUS_M
    )
    return out


def detection_probability(
    radars: RadarArrays, geom: RadarGeometry, rcs_m2: ArrayLike, vis: BoolArray | None = None, terrain: Any = None
) -> FloatArray:
    """(S, N) single-look Swerling-1 detection probability; 0 where not visible.

    SNR_ref = ln(Pfa)/ln(Pd_ref) − 1 ;  SNR = SNR_ref (R_ref/R)⁴ (σ/σ_ref) ;  Pd = Pfa^(1/(1+SNR))

    Parameters
    ----------
    rcs_m2 : (N,) target mean RCS (m²).
    vis : (S, N) visibility mask; computed with :func:`visible` (and ``terrain``) when None.
    """
    if vis is None:
        vis = visible(radars, geom, terrain)
    rcs = np.broadcast_to(np.asarray(rcs_m2, dtype=np.float64), geom.tgt_alt_m.shape)
    snr_ref = swerling1_snr_for_pd(radars.ref_pd, radars.pfa)
    snr = snr_from_reference(
        geom.range_m, rcs[None, :], radars.ref_range_m[:, None], radars.ref_rcs_m2[:, None], snr_ref[:, None]
    )
    pd = swerling1_pd(snr, radars.pfa[:, None])
    return np.where(vis, pd, 0.0)


def scanning(radars: RadarArrays, t_s: float, dt_s: float) -> BoolArray:
    """(S,) whether a look of each radar falls in the tick (t − dt, t].

    floor((t − phase)/T) > floor((t − dt − phase)/T)   (T = revisit period; boundaries snapped
    1e-9·T early so that a look exactly at t counts despite clock round-off)
    """
    t_now = (t_s - radars.scan_phase_s) / radars.revisit_s + _SCAN_EPS
    t_prev = (t_s - dt_s - radars.scan_phase_s) / radars.revisit_s + _SCAN_EPS
    return np.asarray(np.floor(t_now) > np.floor(t_prev))


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Detections:
    """M detections from one sensing step, sorted by (sensor, target).

    Attributes
    ----------
    sensor : (M,) int — index into the RadarArrays passed to :func:`sense`.
    target : (M,) int — index into the targets passed. Truth only: a tracker must not use it
        except for truth association.
    time_s : float — measurement time (s from the scenario epoch).
    range_m, az_rad, el_rad : (M,) noisy polar measurements (az in [0, 2π)).
    z_enu_m : (M, 3) converted measurement in the sensor's ENU frame (m).
    z_ecef_m : (M, 3) converted measurement in ECEF (m).
    R_ecef : (M, 3, 3) first-order converted-measurement covariance in ECEF (m²).
    """

    sensor: IntArray
    target: IntArray
    time_s: float
    range_m: FloatArray
    az_rad: FloatArray
    el_rad: FloatArray
    z_enu_m: FloatArray
    z_ecef_m: FloatArray
    R_ecef: FloatArray

    def __len__(self) -> int:
        return int(self.sensor.shape[0])

    @classmethod
    def concat(cls, first: Detections, second: Detections) -> Detections:
        """Detections of one sensing step followed by more of the same time (e.g. false alarms)."""
        if len(first) == 0:
            return second
        if len(second) == 0:
            return first
        kw: dict[str, Any] = {
            f.name: np.concatenate([getattr(first, f.name), getattr(second, f.name)])
            for f in fields(cls)
            if f.name != "time_s"
        }
        return cls(time_s=first.time_s, **kw)

    @classmethod
    def empty(cls, time_s: float) -> Detections:
        """No detections."""
        z = np.zeros(0)
        return cls(
            sensor=np.zeros(0, dtype=np.int64),
            target=np.zeros(0, dtype=np.int64),
            time_s=float(time_s),
            range_m=z,
            az_rad=z.copy(),
            el_rad=z.copy(),
            z_enu_m=np.zeros((0, 3)),
            z_ecef_m=np.zeros((0, 3)),
            R_ecef=np.zeros((0, 3, 3)),
        )


def polar_to_enu_jacobian(range_m: ArrayLike, az_rad: ArrayLike, el_rad: ArrayLike) -> FloatArray:
    """(..., 3, 3) Jacobian ∂(e, n, u)/∂(r, az, el) of :func:`iadsim.geo.frames.aer_to_enu`.

    e = r cos(el) sin(az), n = r cos(el) cos(az), u = r sin(el)
    """
    r, az, el = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (range_m, az_rad, el_rad)))
    sa, ca, se, ce = np.sin(az), np.cos(az), np.sin(el), np.cos(el)
    jac = np.empty(r.shape + (3, 3))  # jac[..., i, j] = ∂(e, n, u)_i / ∂(r, az, el)_j
    jac[..., 0, 0], jac[..., 1, 0], jac[..., 2, 0] = ce * sa, ce * ca, se
    jac[..., 0, 1], jac[..., 1, 1], jac[..., 2, 1] = r * ce * ca, -r * ce * sa, 0.0
    jac[..., 0, 2], jac[..., 1, 2], jac[..., 2, 2] = -r * se * sa, -r * se * ca, r * ce
    return jac


def converted_covariance_ecef(
    range_m: ArrayLike,
    az_rad: ArrayLike,
    el_rad: ArrayLike,
    sigma_range_m: ArrayLike,
    sigma_az_rad: ArrayLike,
    sigma_el_rad: ArrayLike,
    enu_rot: ArrayLike,
) -> FloatArray:
    """First-order converted-measurement covariance in ECEF, shape ``(M, 3, 3)``.

    R_enu = J diag(σr², σaz², σel²) Jᵀ,  J = ∂(e,n,u)/∂(r,az,el) at the measurement;
    R_ecef = Cᵀ R_enu C   with C the ECEF→ENU rotation (enu = C·Δecef).
    """
    jac = polar_to_enu_jacobian(range_m, az_rad, el_rad)
    var = np.stack(
        np.broadcast_arrays(
            *(np.asarray(s, dtype=np.float64) ** 2 for s in (sigma_range_m, sigma_az_rad, sigma_el_rad))
        ),
        axis=-1,
    )
    r_enu = np.einsum("mij,mj,mkj->mik", jac, var, jac)
    rot = np.asarray(enu_rot, dtype=np.float64)
    r_ecef = np.einsum("mji,mjk,mkl->mil", rot, r_enu, rot)
    return np.asarray(0.5 * (r_ecef + np.swapaxes(r_ecef, -1, -2)))


#: A single generator (all radars share it) or one generator per radar, indexed by radar.
RadarRng = Union[np.random.Generator, Sequence[np.random.Generator]]


#: Pre-cull margin of :func:`near_pair_detection` (m): far above the round-off between the ECEF chord
#: and the ENU slant range (micrometres), so no pair that ``visible`` could accept is culled.
_NEAR_MARGIN_M = 1000.0


def near_pair_detection(sub: RadarArrays, tgt: FloatArray, rcs: FloatArray,
                   alt: FloatArray | None) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:  # fmt: skip
    """(S, N) Pd, slant range, azimuth and elevation of the pairs that can be visible at all (smooth Earth).

    The same quantities as :func:`geometry` + :func:`detection_probability`, computed only for
    the (radar, target) pairs whose straight-line (ECEF chord) distance is within the radar's
    maximum range + ``_NEAR_MARGIN_M``: every other pair fails ``visible``'s range test, so its
    Pd is exactly 0 (its range/az/el are never read: no detection can come from it). Per pair the
    arithmetic is the element-wise rule of :func:`geometry`, :func:`visible` and
    :func:`detection_probability`, so the values are the same numbers.
    """
    from iadsim.geo.frames import ecef_to_geodetic as _geo

    S, N = len(sub), len(tgt)
    diff = tgt[None, :, :] - sub.ecef_m[:, None, :]
    d2 = np.einsum("snk,snk->sn", diff, diff)
    lim = np.asarray(sub.max_range_m, float) + _NEAR_MARGIN_M
    si, ni = np.nonzero(d2 <= (lim * lim)[:, None])
    pd = np.zeros((S, N))
    range_m = np.zeros((S, N))
    az_rad = np.zeros((S, N))
    el_rad = np.zeros((S, N))
    if len(si) == 0:
        return pd, range_m, az_rad, el_rad
    t_lat, t_lon, t_alt = _geo(tgt)
    if alt is not None:
        t_alt = np.broadcast_to(np.asarray(alt, dtype=np.float64), t_lat.shape).copy()
    psub = sub._subset(si)  # per pair: not cached (the pairs change every tick)
    enu = np.einsum("dij,dj->di", psub.enu_rot, tgt[ni] - psub.ecef_m)
    az, el, rng = enu_to_aer(enu)
    ground = EARTH_RADIUS_M * great_circle_angle_rad(psub.lat_rad, psub.lon_rad, t_lat[ni], t_lon[ni])
    el_refr = refracted_elevation_rad(ground, psub.alt_m, t_alt[ni], k=psub.k_factor)
    col = (lambda a: np.asarray(a)[:, None])  # noqa: E731 - (D,) → (D, 1)
    g = RadarGeometry(enu_m=enu[:, None, :], range_m=col(rng), az_rad=col(az), el_rad=col(el),
                      el_refracted_rad=col(el_refr), ground_range_m=col(ground),
                      tgt_alt_m=np.asarray(t_alt[ni]).reshape(-1, 1))  # fmt: skip
    vis = np.asarray(visible(psub, g)).reshape(-1)
    snr_ref = swerling1_snr_for_pd(psub.ref_pd, psub.pfa)
    snr = snr_from_reference(rng, rcs[ni], psub.ref_range_m, psub.ref_rcs_m2, snr_ref)
    pd[si, ni] = np.where(vis, swerling1_pd(snr, psub.pfa), 0.0)
    range_m[si, ni], az_rad[si, ni], el_rad[si, ni] = rng, az, el
    return pd, range_m, az_rad, el_rad


def sense(
    radars: RadarArrays,
    tgt_ecef_m: ArrayLike,
    rcs_m2: ArrayLike,
    active: ArrayLike,
    t_s: float,
    dt_s: float,
    rng: RadarRng,
    tgt_alt_m: ArrayLike | None = None,
    terrain: Any = None,
) -> Detections:
    """One sensing step: which scanning radars detect which active targets, with noisy measurements.

    Random draws, in this fixed order: one uniform per (scanning sensor, active target) pair in
    row-major order (detection iff u < Pd), then standard normals of shape (M, 3) for the
    (range, az, el) noise of the M detections in (sensor, target) order. With one generator per
    radar (``rng`` a sequence indexed by radar, the engine's per-entity streams) each scanning
    radar draws its own row of uniforms and then the noise of its own detections, so a radar's
    draws never depend on which other radars exist.

    Parameters
    ----------
    radars : RadarArrays (S)
    tgt_ecef_m : (N, 3) target ECEF positions (m).
    rcs_m2 : (N,) target mean RCS (m²).
    active : (N,) bool — targets that exist (alive, launched) this tick.
    t_s, dt_s : current time and tick length (s); looks in (t − dt, t] are taken.
    rng : numpy Generator, or a sequence of S Generators (one stream per radar).
    tgt_alt_m : (N,) target altitudes (m); computed from ECEF when None.
    terrain : Dem, optional
        Terrain masking the lines of sight; default ``radars.terrain`` (None: smooth Earth).

    Returns
    -------
    Detections
        Measurement noise: r + N(0, σr²), az + N(0, σaz²) (wrapped to [0, 2π)), el + N(0, σel²),
        about the straight-line geometry. The noisy range is not clipped (σr ≪ r in practice).
    """
    tgt = np.asarray(tgt_ecef_m, dtype=np.float64).reshape(-1, 3)
    n = tgt.shape[0]
    act = np.flatnonzero(np.broadcast_to(np.asarray(active, dtype=bool), (n,)))
    scan = np.flatnonzero(scanning(radars, t_s, dt_s))
    if act.size == 0 or scan.size == 0:
        return Detections.empty(t_s)
    sub = radars.subset(scan)
    rcs = np.broadcast_to(np.asarray(rcs_m2, dtype=np.float64), (n,))[act]
    alt = None if tgt_alt_m is None else np.broadcast_to(np.asarray(tgt_alt_m, dtype=np.float64), (n,))[act]
    if terrain is None and sub.terrain is None:
        pd, range_m, az_rad, el_rad = near_pair_detection(sub, tgt[act], rcs, alt)
    else:  # terrain masking: every pair's geometry (the terrain test needs the target lat/lon)
        geom = geometry(sub, tgt[act], alt)
        pd = detection_probability(sub, geom, rcs, terrain=terrain)
        range_m, az_rad, el_rad = geom.range_m, geom.az_rad, geom.el_rad
    per_radar = not isinstance(rng, np.random.Generator)
    if per_radar:
        u = np.empty(pd.shape)
        for i, k in enumerate(scan.tolist()):  # each scanning radar draws its own row
            rng[k].random(out=u[i])
    else:
        u = rng.random(pd.shape)
    si, ti = np.nonzero(u < pd)  # row-major ⇒ sorted by (sensor, target)
    m = si.size
    if m == 0:
        return Detections.empty(t_s)
    if per_radar:
        counts = np.bincount(si, minlength=len(scan))
        noise = np.concatenate([rng[int(scan[r])].standard_normal((int(c), 3)) for r, c in enumerate(counts) if c])
    else:
        noise = rng.standard_normal((m, 3))
    r = range_m[si, ti] + sub.sigma_range_m[si] * noise[:, 0]
    az = np.mod(az_rad[si, ti] + sub.sigma_az_rad[si] * noise[:, 1], _TWO_PI)
    el = el_rad[si, ti] + sub.sigma_el_rad[si] * noise[:, 2]
    z_enu = aer_to_enu(az, el, r)
    rot = sub.enu_rot[si]
    z_ecef = sub.ecef_m[si] + np.einsum("mji,mj->mi", rot, z_enu)  # x = x_radar + Cᵀ enu
    r_ecef = converted_covariance_ecef(
        r, az, el, sub.sigma_range_m[si], sub.sigma_az_rad[si], sub.sigma_el_rad[si], rot
    )
    return Detections(
        sensor=scan[si].astype(np.int64),
        target=act[ti].astype(np.int64),
        time_s=float(t_s),
        range_m=r,
        az_rad=az,
        el_rad=el,
        z_enu_m=z_enu,
        z_ecef_m=z_ecef,
        R_ecef=r_ecef,
    )


__all__ = [
    "Detections",
    "RadarArrays",
    "RadarGeometry",
    "converted_covariance_ecef",
    "detection_probability",
    "geometry",
    "polar_to_enu_jacobian",
    "scanning",
    "sense",
    "snr_from_reference",
    "swerling1_pd",
    "swerling1_snr_for_pd",
    "terrain_visible",
    "visible",
]


#: Highest elevation at which false alarms are placed (search volume of a surveillance radar).
CLUTTER_MAX_ELEVATION_RAD = np.deg2rad(30.0)


def clutter_volume_m3(radars: RadarArrays) -> FloatArray:
    """Volume (m³) of each radar's search volume used for false alarms, shape (S,).

    V = Δaz · (sin e₂ − sin e₁) · R³/3 for azimuth width Δaz = 2·half_width, elevations
    e₁ = max(min elevation, 0) … e₂ = 30°, and range R = max range (the spherical-sector volume).
    """
    e1 = np.maximum(radars.min_elevation_rad, 0.0)
    e2 = np.maximum(e1 + 1e-3, CLUTTER_MAX_ELEVATION_RAD)
    return 2.0 * radars.half_width_az_rad * (np.sin(e2) - np.sin(e1)) * radars.max_range_m**3 / 3.0


def false_alarms(radars: RadarArrays, t_s: float, dt_s: float, mean_per_scan: float, rng: RadarRng) -> Detections:
    """Poisson false alarms of the scanning radars, uniform in their search volume.

    Per scanning radar n ~ Poisson(λ); each false alarm is placed uniformly in the sector volume
    of :func:`clutter_volume_m3`: r = R·u^(1/3), az = boresight + (2v − 1)·half_width,
    sin e = sin e₁ + w (sin e₂ − sin e₁) (u, v, w ~ U(0,1)). Measurement covariance as for a target
    detection at that position. ``target`` is −1. No draws are made when λ = 0. With one
    generator per radar (a sequence), each scanning radar draws its count and then its points
    from its own stream.
    """
    if mean_per_scan <= 0:
        return Detections.empty(t_s)
    scan = np.flatnonzero(scanning(radars, t_s, dt_s))
    if scan.size == 0:
        return Detections.empty(t_s)
    if isinstance(rng, np.random.Generator):
        counts = rng.poisson(mean_per_scan, scan.size)
        si = np.repeat(scan, counts)
        m = si.size
        if m == 0:
            return Detections.empty(t_s)
        u = rng.random((m, 3))
    else:
        parts = []
        for k in scan:
            g = rng[int(k)]
            parts.append(g.random((int(g.poisson(mean_per_scan)), 3)))
        counts = np.array([len(x) for x in parts], np.int64)
        si = np.repeat(scan, counts)
        m = si.size
        if m == 0:
            return Detections.empty(t_s)
        u = np.concatenate(parts)
    r = radars.max_range_m[si] * np.cbrt(u[:, 0])
    az = np.mod(radars.boresight_az_rad[si] + (2.0 * u[:, 1] - 1.0) * radars.half_width_az_rad[si], _TWO_PI)
    e1 = np.maximum(radars.min_elevation_rad[si], 0.0)
    e2 = np.maximum(e1 + 1e-3, CLUTTER_MAX_ELEVATION_RAD)
    el = np.arcsin(np.sin(e1) + u[:, 2] * (np.sin(e2) - np.sin(e1)))
    z_enu = aer_to_enu(az, el, r)
    rot = radars.enu_rot[si]
    z_ecef = radars.ecef_m[si] + np.einsum("mji,mj->mi", rot, z_enu)
    R = converted_covariance_ecef(r, az, el, radars.sigma_range_m[si], radars.sigma_az_rad[si], radars.sigma_el_rad[si], rot)
    return Detections(sensor=si.astype(np.int64), target=np.full(m, -1, np.int64), time_s=float(t_s), range_m=r,
                      az_rad=az, el_rad=el, z_enu_m=z_enu, z_ecef_m=z_ecef, R_ecef=R)  # fmt: skip
