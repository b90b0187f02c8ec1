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
from numba import njit
from numpy.typing import ArrayLike, NDArray

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.errors import InputError
from iadsim.geo.frames import (
    ecef_to_geodetic,
    ecef_to_geodetic_terms,
    enu_rotation,
    enu_to_aer,
    geodetic_to_ecef,
    great_circle_angle_rad,
    unit_sphere_vector,
)
from iadsim.npmath import arcsin as np_arcsin
from iadsim.npmath import atan2
from iadsim.npmath import cbrt as np_cbrt
from iadsim.rng_kernels import next_double, poisson, standard_normal, states_of, store_states
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
    1e-9·T early so that a look exactly at t counts despite clock round-off); compiled
    (:func:`scanning_kernel`).
    """
    cols = _scan_columns(radars)
    out = np.empty(cols[0].shape[0], np.bool_)
    scanning_kernel(float(t_s), float(dt_s), cols[0], cols[1], out)
    return out


def _scan_columns(radars: RadarArrays) -> tuple[np.ndarray, np.ndarray]:
    """(scan phase, revisit) (S,) contiguous, cached on the instance."""
    cols: tuple[np.ndarray, np.ndarray] | None = radars.__dict__.get("_scan_cols")
    if cols is None:
        cols = (np.ascontiguousarray(radars.scan_phase_s, np.float64), np.ascontiguousarray(radars.revisit_s, np.float64))
        object.__setattr__(radars, "_scan_cols", cols)
    return cols


@njit(cache=True, error_model="numpy")
def scanning_kernel(t_s: float, dt_s: float, scan_phase_s: np.ndarray, revisit_s: np.ndarray,
                    out: np.ndarray) -> None:  # pragma: no cover - compiled
    """``out[i]`` = ⌊(t − φᵢ)/Tᵢ + ε⌋ > ⌊(t − dt − φᵢ)/Tᵢ + ε⌋ (ε = 1e-9), shapes (S,)."""
    t_prev = t_s - dt_s
    for i in range(scan_phase_s.shape[0]):
        now = (t_s - scan_phase_s[i]) / revisit_s[i] + _SCAN_EPS
        before = (t_prev - scan_phase_s[i]) / revisit_s[i] + _SCAN_EPS
        out[i] = np.floor(now) > np.floor(before)


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
        return cls.merge(first, second, 0, False)

    @classmethod
    def merge(cls, first: Detections, second: Detections, n_targets: int, one_echo: bool) -> Detections:
        """``first`` followed by ``second`` (same time), with the one-echo rule when ``one_echo``.

        One echo per radar, object and tick: with ``one_echo`` a detection of ``second`` (a
        fire-control dwell) is dropped when ``first`` (the search looks of the tick) holds one of
        the same radar and object, i.e. key ``sensor·(n_targets+1) + target`` equal to a key
        ``sensor·(n_targets+1) + max(target, −1)`` of ``first`` (false alarms never match a real
        object). Either part empty: the other is returned as it is (no copy). The filter and the
        concatenation of the eight columns are one call of :func:`merge_kernel`.

        Parameters
        ----------
        first, second : Detections (M1), (M2) of one tick.
        n_targets : int — N, the number of objects (targets index 0 … N−1).
        one_echo : bool — apply the one-echo rule to ``second``.
        """
        if len(first.sensor) == 0:
            return second
        if len(second.sensor) == 0:
            return first
        a, b = first, second
        ids, fl = merge_kernel(
            a.sensor, a.target, a.range_m, a.az_rad, a.el_rad, a.z_enu_m, a.z_ecef_m, a.R_ecef,
            b.sensor, b.target, b.range_m, b.az_rad, b.el_rad, b.z_enu_m, b.z_ecef_m, b.R_ecef,
            int(n_targets), bool(one_echo))  # fmt: skip
        m = ids.shape[1]
        return cls(sensor=ids[0], target=ids[1], time_s=a.time_s, range_m=fl[:m], az_rad=fl[m : 2 * m],
                   el_rad=fl[2 * m : 3 * m], z_enu_m=fl[3 * m : 6 * m].reshape(m, 3),
                   z_ecef_m=fl[6 * m : 9 * m].reshape(m, 3), R_ecef=fl[9 * m :].reshape(m, 3, 3))  # fmt: skip

    @classmethod
    def empty(cls, time_s: float) -> Detections:
        """No detections (the zero-size arrays are shared: there is nothing in them to change)."""
        z1, z3, z33, zi = _EMPTY
        return cls(sensor=zi, target=zi, time_s=float(time_s), range_m=z1, az_rad=z1, el_rad=z1, z_enu_m=z3,
                   z_ecef_m=z3, R_ecef=z33)  # fmt: skip


@njit(cache=True, error_model="numpy")
def merge_kernel(a_s: np.ndarray, a_t: np.ndarray, a_r: np.ndarray, a_az: np.ndarray, a_el: np.ndarray,
                 a_enu: np.ndarray, a_ecef: np.ndarray, a_cov: np.ndarray, b_s: np.ndarray, b_t: np.ndarray,
                 b_r: np.ndarray, b_az: np.ndarray, b_el: np.ndarray, b_enu: np.ndarray, b_ecef: np.ndarray,
                 b_cov: np.ndarray, n_targets: int, one_echo: bool) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """The columns of detections ``a`` (M1) followed by those of ``b`` (M2) kept by the one-echo rule.

    keep_j = not (one_echo and ∃ i: a_s[i]·(N+1) + max(a_t[i], −1) = b_s[j]·(N+1) + b_t[j]), N = n_targets;
    out = a ++ b[keep] for each column, in order (sensor, target (int64); range, az, el (M,);
    z_enu, z_ecef (M, 3); R (M, 3, 3)), returned packed (two arrays: each array a compiled
    function returns costs its caller an unpickling of its type): ids (2, M) = (sensor, target)
    int64 and fl (18·M,) float64 = range, az, el, z_enu (M·3), z_ecef (M·3), R (M·9), each
    block C-ordered.
    """
    ma, mb = a_s.shape[0], b_s.shape[0]
    w = n_targets + 1
    keep = np.ones(mb, np.bool_)
    nk = mb
    if one_echo:
        for j in range(mb):
            kb = b_s[j] * w + b_t[j]
            for i in range(ma):
                if a_s[i] * w + max(a_t[i], -1) == kb:
                    keep[j] = False
                    nk -= 1
                    break
    m = ma + nk
    ids = np.empty((2, m), np.int64)
    fl = np.empty(18 * m)
    o = 0
    for i in range(ma + mb):
        first = i < ma
        src = i if first else i - ma
        if not first and not keep[src]:
            continue
        ids[0, o] = a_s[src] if first else b_s[src]
        ids[1, o] = a_t[src] if first else b_t[src]
        fl[o] = a_r[src] if first else b_r[src]
        fl[m + o] = a_az[src] if first else b_az[src]
        fl[2 * m + o] = a_el[src] if first else b_el[src]
        for c in range(3):
            fl[3 * m + 3 * o + c] = a_enu[src, c] if first else b_enu[src, c]
            fl[6 * m + 3 * o + c] = a_ecef[src, c] if first else b_ecef[src, c]
            for d in range(3):
                fl[9 * m + 9 * o + 3 * c + d] = a_cov[src, c, d] if first else b_cov[src, c, d]
        o += 1
    return ids, fl


#: zero-size arrays of an empty :class:`Detections`: (0,), (0, 3), (0, 3, 3) float64 and (0,) int64
_EMPTY = (np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3, 3)), np.zeros(0, np.int64))


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
    R_ecef = Cᵀ R_enu C   with C the ECEF→ENU rotation (enu = C·Δecef). Compiled
    (:func:`converted_covariance_point`), one measurement at a time.
    """
    r, az, el, sr, sa, se = (np.asarray(a, dtype=np.float64) for a in (range_m, az_rad, el_rad, sigma_range_m,
                                                                        sigma_az_rad, sigma_el_rad))  # fmt: skip
    rot = np.asarray(enu_rot, dtype=np.float64)
    m = np.broadcast_shapes(r.shape, az.shape, el.shape, sr.shape, sa.shape, se.shape, rot.shape[:-2])
    r_c, az_c, el_c, sr_c, sa_c, se_c = (np.ascontiguousarray(np.broadcast_to(x, m)).reshape(-1)
                                         for x in (r, az, el, sr, sa, se))  # fmt: skip
    rot_c = np.ascontiguousarray(np.broadcast_to(rot, m + (3, 3))).reshape(-1, 3, 3)
    out = np.empty((r_c.shape[0], 3, 3))
    _converted_covariance_kernel(r_c, az_c, el_c, sr_c, sa_c, se_c, rot_c, out)
    return out.reshape(m + (3, 3))


@njit(cache=True, error_model="numpy")
def converted_covariance_point(r: float, az: float, el: float, var_r: float, var_az: float, var_el: float,
                               rot: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled  # fmt: skip
    """One converted-measurement covariance into ``out`` (3, 3), m².

    J = ∂(e, n, u)/∂(r, az, el) = [[cos el sin az, r cos el cos az, −r sin el sin az],
    [cos el cos az, −r cos el sin az, −r sin el cos az], [sin el, 0, r cos el]];
    R_enu = J diag(var) Jᵀ; R = Cᵀ R_enu C (``rot`` = C, (3, 3)); out = ½ (R + Rᵀ).
    """
    converted_covariance_point_ws(r, az, el, var_r, var_az, var_el, rot, out, np.empty((3, 3, 3)))


@njit(cache=True, error_model="numpy")
def converted_covariance_point_ws(r: float, az: float, el: float, var_r: float, var_az: float, var_el: float,
                                  rot: np.ndarray, out: np.ndarray,
                                  ws: np.ndarray) -> None:  # pragma: no cover - compiled  # fmt: skip
    """:func:`converted_covariance_point` with its three (3, 3) temporaries in ``ws`` (3, 3, 3), which a
    caller looping over many measurements allocates once (the same arithmetic, the same bits)."""
    sa, ca, se, ce = np.sin(az), np.cos(az), np.sin(el), np.cos(el)
    jac = ws[0]
    jac[0, 0], jac[1, 0], jac[2, 0] = ce * sa, ce * ca, se
    jac[0, 1], jac[1, 1], jac[2, 1] = r * ce * ca, -r * ce * sa, 0.0
    jac[0, 2], jac[1, 2], jac[2, 2] = -r * se * sa, -r * se * ca, r * ce
    var = (var_r, var_az, var_el)
    r_enu = ws[1]
    for i in range(3):
        for k in range(3):
            acc = 0.0
            for j in range(3):
                acc += jac[i, j] * var[j] * jac[k, j]
            r_enu[i, k] = acc
    full = ws[2]  # R[i, l] = Σ_j Σ_k C[j, i] R_enu[j, k] C[k, l] (einsum's order of terms)
    for i in range(3):
        for col in range(3):
            acc = 0.0
            for j in range(3):
                for k in range(3):
                    acc += rot[j, i] * r_enu[j, k] * rot[k, col]
            full[i, col] = acc
    for i in range(3):
        for col in range(3):
            out[i, col] = 0.5 * (full[i, col] + full[col, i])


@njit(cache=True, error_model="numpy")
def _converted_covariance_kernel(r: np.ndarray, az: np.ndarray, el: np.ndarray, sr: np.ndarray, sa: np.ndarray,
                                 se: np.ndarray, rot: np.ndarray,
                                 out: np.ndarray) -> None:  # pragma: no cover - compiled  # fmt: skip
    """:func:`converted_covariance_point` of M measurements ((M,) columns, ``rot`` (M, 3, 3)) into ``out`` (M, 3, 3)."""
    ws = np.empty((3, 3, 3))
    for m in range(r.shape[0]):
        converted_covariance_point_ws(r[m], az[m], el[m], sr[m] ** 2, sa[m] ** 2, se[m] ** 2, rot[m], out[m], ws)


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
    Pd is exactly 0 (its range/az/el are never read: no detection can come from it; they are 0).
    Per pair the compiled kernel :func:`near_pair_kernel` evaluates the element-wise rules of
    :func:`geometry`, :func:`visible` and :func:`detection_probability` (equations there).
    """
    pd, range_m, enu = _near_pairs(sub, tgt, rcs, alt)
    az_rad, el_rad, _ = enu_to_aer(enu)  # culled pairs: enu = 0 ⇒ az = el = 0
    return pd, range_m, az_rad, el_rad


def _near_pairs(sub: RadarArrays, tgt: FloatArray, rcs: ArrayLike,
                alt: ArrayLike | None) -> tuple[FloatArray, FloatArray, FloatArray]:  # fmt: skip
    """(S, N) Pd and slant range, (S, N, 3) ENU of :func:`near_pair_kernel` (zeros on culled pairs)."""
    S, N = len(sub), len(tgt)
    pd = np.zeros((S, N))
    range_m = np.zeros((S, N))
    enu = np.zeros((S, N, 3))
    if S == 0 or N == 0:
        return pd, range_m, enu
    tgt_c = np.ascontiguousarray(tgt, dtype=np.float64).reshape(-1, 3)
    rcs_c = np.ascontiguousarray(_column(rcs, N, np.float64))
    alt_c = _NO_ALT if alt is None else np.ascontiguousarray(_column(alt, N, np.float64))
    near_pair_kernel(*_kernel_columns(sub), tgt_c, rcs_c, alt is not None, alt_c, pd, range_m, enu)
    return pd, range_m, enu


_NO_ALT = np.zeros(0)


def _column(a: ArrayLike, n: int, dtype: Any) -> np.ndarray:
    """``a`` as an (n,) array of ``dtype`` (broadcast only when it is not one already)."""
    arr = np.asarray(a, dtype=dtype)
    return arr if arr.shape == (n,) else np.broadcast_to(arr, (n,))


def _measure_columns(radars: RadarArrays) -> _MeasureColumns:
    """Per-radar columns of :func:`measure_kernel` (σr, σaz, σel, ECEF, rotation), cached on the instance."""
    cols: _MeasureColumns | None = radars.__dict__.get("_measure_cols")
    if cols is None:
        c = np.ascontiguousarray
        cols = (c(radars.sigma_range_m, np.float64), c(radars.sigma_az_rad, np.float64),
                c(radars.sigma_el_rad, np.float64), c(radars.ecef_m, np.float64), c(radars.enu_rot, np.float64))
        object.__setattr__(radars, "_measure_cols", cols)
    return cols


#: Per-radar arguments of :func:`near_pair_kernel` (before the target arrays).
_PairColumns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                     np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, float, float]  # fmt: skip
#: Per-radar arguments of :func:`measure_kernel` (σr, σaz, σel, ECEF, rotation).
_MeasureColumns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _kernel_columns(radars: RadarArrays) -> _PairColumns:
    """Per-radar columns of :func:`near_pair_kernel`, contiguous, cached on the instance.

    ``SNR_ref = ln(Pfa)/ln(Pd_ref) − 1`` (:func:`swerling1_snr_for_pd`) is computed here once.
    """
    cols: _PairColumns | None = radars.__dict__.get("_kernel_cols")
    if cols is None:
        c = np.ascontiguousarray
        cols = (c(radars.ecef_m, np.float64), c(radars.enu_rot, np.float64), c(radars.lat_rad), c(radars.lon_rad),
                c(radars.alt_m), c(radars.max_range_m), c(radars.max_alt_m), c(radars.min_elevation_rad),
                c(radars.boresight_az_rad), c(radars.half_width_az_rad), c(radars.ref_range_m), c(radars.ref_rcs_m2),
                c(swerling1_snr_for_pd(radars.ref_pd, radars.pfa), np.float64), c(radars.pfa),
                float(radars.k_factor), float(EARTH_RADIUS_M), float(_NEAR_MARGIN_M))  # fmt: skip
        object.__setattr__(radars, "_kernel_cols", cols)
    return cols


@njit(cache=True, error_model="numpy")
def _mod(x: float, y: float) -> float:  # pragma: no cover - compiled
    """Floored modulo (sign of ``y``), as ``np.mod``."""
    return x % y


_TWO_PI_F = 2.0 * np.pi
_FOUR_PI_F = 2.0 * _TWO_PI_F  # exact (a power-of-two multiple)


@njit(cache=True, error_model="numpy")
def _mod_two_pi(x: float) -> float:  # pragma: no cover - compiled
    """``_mod(x, 2π)``, bit for bit, without the C ``fmod`` call for x ∈ (−2π, 4π).

    Python's (and numba's) floored modulo is m = fmod(x, y), then m + y where m and y differ in
    sign, and +0 for a zero m. For y = 2π: fmod(x, y) = x for |x| < y; for x ∈ [y, 2y) it is
    x − y, which the subtraction gives exactly (Sterbenz: y/2 ≤ x ≤ 2y); so the result is x on
    (0, 2π), +0 at ±0 and at 2π, x + 2π (one rounding, the same addition) on (−2π, 0) and x − 2π
    on (2π, 4π). Anything else (NaN, ±∞, far values) takes ``_mod``. Azimuths (atan2 ∈ [−π, π])
    and azimuth differences of wrapped angles (∈ (−π, 3π)) always take a branch.
    """
    if 0.0 < x < _TWO_PI_F:
        return x
    if x == 0.0:
        return 0.0
    if -_TWO_PI_F < x < 0.0:
        return x + _TWO_PI_F
    if _TWO_PI_F <= x < _FOUR_PI_F:
        return x - _TWO_PI_F
    return _mod(x, _TWO_PI_F)


@njit(cache=True, error_model="numpy")
def near_pair_kernel(r_ecef: np.ndarray, r_rot: np.ndarray, r_lat: np.ndarray, r_lon: np.ndarray, r_alt: np.ndarray,
                     max_range: np.ndarray, max_alt: np.ndarray, min_el: np.ndarray, boresight: np.ndarray,
                     half_width: np.ndarray, ref_range: np.ndarray, ref_rcs: np.ndarray, snr_ref: np.ndarray,
                     pfa: np.ndarray, k_factor: float, earth_radius_m: float, margin_m: float, tgt: np.ndarray,
                     rcs: np.ndarray, alt_given: bool, tgt_alt_in: np.ndarray, pd: np.ndarray, range_m: np.ndarray,
                     enu: np.ndarray) -> None:  # pragma: no cover - compiled  # fmt: skip
    """Detection chain of S radars × N targets (smooth Earth), written to the (S, N) outputs.

    Pairs with chord distance |x_t − x_r| > max_range + margin are skipped (outputs stay as given,
    0). For the others, with the target's geodetic (φ, λ, h) (h = ``tgt_alt_in`` when given):

    * enu = C (x_t − x_r); az = atan2(e, n) mod 2π, el = atan2(u, √(e² + n²)), R = |enu|;
    * ground range d = Rₑ·θ, θ the great-circle angle (Vincenty's atan2 form) radar → target;
    * R' = k Rₑ, ϑ = d/R', h₁ = max(h_r, 0), h₂ = max(h, 0): refracted elevation
      el' = atan2((h₂ − h₁) − 2 (R' + h₂) sin²(ϑ/2), (R' + h₂) sin ϑ);
    * visible = R ≤ R_max ∧ h ≤ h_max ∧ |ϑ| ≤ α(h₁) + α(h₂) (α(h) = atan2(√(h (2R' + h)), R'))
      ∧ el' ≥ el_min ∧ (|wrap(az − boresight)| ≤ half width ∨ half width ≥ π);
    * SNR = SNR_ref (R_ref/R)⁴ (σ/σ_ref); Pd = Pfa^(1/(1+SNR)) if visible else 0.

    Per-radar inputs (S,) (``r_ecef`` (S, 3), ``r_rot`` (S, 3, 3)); targets ``tgt`` (N, 3) m,
    ``rcs`` (N,) m², ``tgt_alt_in`` (N,) m (read only when ``alt_given``). Outputs ``pd, range_m``
    (S, N) and ``enu`` (S, N, 3) m. The azimuth and elevation that the caller reports are computed
    from ``enu`` with NumPy's ``arctan2`` (whose last bits differ from libm's); here they serve
    only the coverage tests.
    """
    near_pair_rows(np.arange(r_ecef.shape[0]), np.arange(tgt.shape[0]), r_ecef, r_rot, r_lat, r_lon, r_alt,
                   max_range, max_alt, min_el, boresight, half_width, ref_range, ref_rcs, snr_ref, pfa, k_factor,
                   earth_radius_m, margin_m, tgt, rcs, alt_given, tgt_alt_in, pd, range_m, enu)  # fmt: skip


@njit(cache=True, error_model="numpy")
def near_pair_rows(ix_s: np.ndarray, ix_t: np.ndarray, r_ecef: np.ndarray, r_rot: np.ndarray, r_lat: np.ndarray,
                   r_lon: np.ndarray, r_alt: np.ndarray, max_range: np.ndarray, max_alt: np.ndarray,
                   min_el: np.ndarray, boresight: np.ndarray, half_width: np.ndarray, ref_range: np.ndarray,
                   ref_rcs: np.ndarray, snr_ref: np.ndarray, pfa: np.ndarray, k_factor: float, earth_radius_m: float,
                   margin_m: float, tgt: np.ndarray, rcs: np.ndarray, alt_given: bool, tgt_alt_in: np.ndarray,
                   pd: np.ndarray, range_m: np.ndarray, enu: np.ndarray) -> None:  # pragma: no cover - compiled  # fmt: skip
    """:func:`near_pair_kernel` of the radars ``ix_s`` (S',) and targets ``ix_t`` (N',) of full per-radar
    and per-target columns, read in place (no gathered copies): output row ``i`` is radar ``ix_s[i]``,
    column ``n`` target ``ix_t[n]`` (``tgt_alt_in`` is indexed by target too). The same arithmetic
    in the same order as :func:`near_pair_kernel`, which is this with ``arange`` indices."""
    n_t = ix_t.shape[0]
    near_pair_rows_ws(ix_s, ix_t, r_ecef, r_rot, r_lat, r_lon, r_alt, max_range, max_alt, min_el, boresight,
                      half_width, ref_range, ref_rcs, snr_ref, pfa, k_factor, earth_radius_m, margin_m, tgt, rcs,
                      alt_given, tgt_alt_in, pd, range_m, enu, np.empty((6, n_t)), np.empty(n_t, np.bool_))  # fmt: skip


@njit(cache=True, error_model="numpy")
def near_pair_rows_ws(ix_s: np.ndarray, ix_t: np.ndarray, r_ecef: np.ndarray, r_rot: np.ndarray, r_lat: np.ndarray,
                      r_lon: np.ndarray, r_alt: np.ndarray, max_range: np.ndarray, max_alt: np.ndarray,
                      min_el: np.ndarray, boresight: np.ndarray, half_width: np.ndarray, ref_range: np.ndarray,
                      ref_rcs: np.ndarray, snr_ref: np.ndarray, pfa: np.ndarray, k_factor: float,
                      earth_radius_m: float, margin_m: float, tgt: np.ndarray, rcs: np.ndarray, alt_given: bool,
                      tgt_alt_in: np.ndarray, pd: np.ndarray, range_m: np.ndarray, enu: np.ndarray,
                      per_t: np.ndarray, have: np.ndarray) -> None:  # pragma: no cover - compiled  # fmt: skip
    """:func:`near_pair_rows` on work arrays of the caller: ``per_t`` (≥ 6, ≥ N') float, ``have``
    (≥ N',) bool, whatever they hold (``have[:N']`` is cleared here; ``per_t`` is written before
    it is read). The engine's sensing keeps them for the whole run (:func:`sense_workspace`).

    The coverage tests are :func:`near_pair_kernel`'s, evaluated without the angles they compare
    where a sine, cosine or tangent does (docs/models.md "Search looks: coverage without the
    angles"): the target's geodetic terms (h, sin φ, cos φ, cos λ, sin λ) from
    :func:`iadsim.geo.frames.ecef_to_geodetic_terms`; cos Δλ, sin Δλ by the difference formulas;
    the sector |wrap(az − β)| ≤ w (w < π) as e sin β + n cos β ≥ √(e² + n²) cos w; the refracted
    elevation atan2(U, X) ≥ el_min (X ≥ 0, |el_min| < π/2) as U ≥ X tan el_min. Where the vector
    of a test is zero (a target straight above the radar) the angle is taken, as before. A decision
    can differ from the angle form only where its two sides are within a rounding of each other.
    """
    n_s = ix_s.shape[0]
    n_t = ix_t.shape[0]
    # per-target values, computed at the first near pair of the target
    t_co = per_t[0]  # cos λ
    t_alt = per_t[1]
    t_s2 = per_t[2]  # sin φ
    t_c2 = per_t[3]  # cos φ
    t_a2 = per_t[4]  # horizon angle α(max(h, 0))
    t_so = per_t[5]  # sin λ
    for n in range(n_t):
        have[n] = False
    two_pi = 2.0 * np.pi
    re = k_factor * earth_radius_m
    for s_out in range(n_s):
        s = ix_s[s_out]
        lim = max_range[s] + margin_m
        lim2 = lim * lim
        h1 = max(r_alt[s], 0.0)
        a1 = np.arctan2(np.sqrt(h1 * (2.0 * re + h1)), re)
        s1, c1 = np.sin(r_lat[s]), np.cos(r_lat[s])
        co1, so1 = np.cos(r_lon[s]), np.sin(r_lon[s])
        sector = not half_width[s] >= np.pi
        sb, cb, cw = 0.0, 0.0, 0.0
        if sector:
            sb, cb, cw = np.sin(boresight[s]), np.cos(boresight[s]), np.cos(half_width[s])
        el_tan = abs(min_el[s]) < 0.5 * np.pi
        tan_el = np.tan(min_el[s]) if el_tan else 0.0
        for n in range(n_t):
            c = ix_t[n]
            dx = tgt[c, 0] - r_ecef[s, 0]
            dy = tgt[c, 1] - r_ecef[s, 1]
            dz = tgt[c, 2] - r_ecef[s, 2]
            if not (dx * dx + dy * dy + dz * dz <= lim2):
                continue
            # enu = C Δx, summed (x + z) + y: the order of NumPy's einsum, so the bits match
            e = (r_rot[s, 0, 0] * dx + r_rot[s, 0, 2] * dz) + r_rot[s, 0, 1] * dy
            no = (r_rot[s, 1, 0] * dx + r_rot[s, 1, 2] * dz) + r_rot[s, 1, 1] * dy
            u = (r_rot[s, 2, 0] * dx + r_rot[s, 2, 2] * dz) + r_rot[s, 2, 1] * dy
            enu[s_out, n, 0], enu[s_out, n, 1], enu[s_out, n, 2] = e, no, u
            horiz = np.hypot(e, no)
            rng = np.sqrt(horiz * horiz + u * u)
            range_m[s_out, n] = rng
            if not have[n]:
                alt_n, t_s2[n], t_c2[n], t_co[n], t_so[n] = ecef_to_geodetic_terms(tgt[c, 0], tgt[c, 1], tgt[c, 2])
                if alt_given:
                    alt_n = tgt_alt_in[c]
                t_alt[n] = alt_n
                h2n = max(alt_n, 0.0)
                t_a2[n] = np.arctan2(np.sqrt(h2n * (2.0 * re + h2n)), re)
                have[n] = True
            # coverage tests in the order range, ceiling, sector, line of sight, elevation
            if not (rng <= max_range[s] and t_alt[n] <= max_alt[s]):
                continue
            if sector:
                if horiz > 0.0:  # cos(az − β) ≥ cos w ⇔ |wrap(az − β)| ≤ w (w ∈ [0, π))
                    if not e * sb + no * cb >= horiz * cw:
                        continue
                else:  # straight above: atan2(±0, ±0) decides, as NumPy's rule
                    az = _mod_two_pi(np.arctan2(e, no))
                    if az >= two_pi:
                        az = 0.0
                    daz = _mod_two_pi(az - boresight[s] + np.pi) - np.pi
                    if not abs(daz) <= half_width[s]:
                        continue
            # great-circle angle radar → target (Vincenty's atan2 form); Δλ = λ − λ_r by its
            # cosine and sine (difference formulas)
            s2, c2 = t_s2[n], t_c2[n]
            cdl = t_co[n] * co1 + t_so[n] * so1
            sdl = t_so[n] * co1 - t_co[n] * so1
            num = np.hypot(c2 * sdl, c1 * s2 - s1 * c2 * cdl)
            den = s1 * s2 + c1 * c2 * cdl
            theta = (earth_radius_m * np.arctan2(num, den)) / re
            if not abs(theta) <= a1 + t_a2[n]:
                continue
            h2 = max(t_alt[n], 0.0)
            r2 = re + h2
            up = (h2 - h1) - 2.0 * r2 * np.sin(0.5 * theta) ** 2
            xh = r2 * np.sin(theta)
            if el_tan and xh > 0.0:  # atan2(up, X) ≥ el_min ⇔ up ≥ X tan el_min (X > 0)
                if not up >= xh * tan_el:
                    continue
            elif not np.arctan2(up, xh) >= min_el[s]:
                continue
            ratio = ref_range[s] / rng
            snr = snr_ref[s] * ratio**4.0 * (rcs[c] / ref_rcs[s])
            pd[s_out, n] = pfa[s] ** (1.0 / (1.0 + snr))


@njit(cache=True, error_model="numpy")
def gather_kernel(enu: np.ndarray, range_m: np.ndarray, si: np.ndarray, ti: np.ndarray, num: np.ndarray,
                  den: np.ndarray, range_det: np.ndarray) -> None:  # pragma: no cover - compiled  # fmt: skip
    """The M detected pairs (``si``, ``ti``) of the (S, N, 3) ENU and (S, N) range arrays.

    Writes the ``atan2`` arguments of azimuth and elevation, ``num`` = (e…, u…) and
    ``den`` = (n…, √(e² + n²)…) (2M,), for one NumPy ``arctan2`` call, and the ranges (M,).
    """
    m_det = si.shape[0]
    for m in range(m_det):
        s, t = si[m], ti[m]
        e, n = enu[s, t, 0], enu[s, t, 1]
        num[m], den[m] = e, n
        num[m_det + m], den[m_det + m] = enu[s, t, 2], np.hypot(e, n)
        range_det[m] = range_m[s, t]


@njit(cache=True, error_model="numpy")
def measure_kernel(range_det: np.ndarray, az_det: np.ndarray, el_det: np.ndarray, si: np.ndarray,
                   noise: np.ndarray, sigma_range_m: np.ndarray, sigma_az_rad: np.ndarray, sigma_el_rad: np.ndarray,
                   r_ecef: np.ndarray, r_rot: np.ndarray, r_out: np.ndarray, az_out: np.ndarray, el_out: np.ndarray,
                   z_enu: np.ndarray, z_ecef: np.ndarray, cov: np.ndarray) -> None:  # pragma: no cover - compiled  # fmt: skip
    """Noisy measurements of M detections by radars ``si`` (M,) of true range/az/el (M,) each.

    The true azimuth is first wrapped to [0, 2π) (``az_det`` may be the raw ``atan2(e, n)``).
    r = R + σr ν₀, az = (az + σaz ν₁) mod 2π, el = el + σel ν₂ (ν = ``noise`` (M, 3), drawn by the
    caller); z_enu = (r cos el sin az, r cos el cos az, r sin el); z_ecef = x_r + Cᵀ z_enu;
    covariance :func:`converted_covariance_point`. Per-radar inputs (S,), ``r_ecef`` (S, 3),
    ``r_rot`` (S, 3, 3). Outputs (M,), (M, 3), (M, 3, 3).
    """
    two_pi = 2.0 * np.pi
    ws = np.empty((3, 3, 3))
    for m in range(si.shape[0]):
        s = si[m]
        r = range_det[m] + sigma_range_m[s] * noise[m, 0]
        az_true = _mod(az_det[m], two_pi)
        if az_true >= two_pi:
            az_true = 0.0
        az = _mod(az_true + sigma_az_rad[s] * noise[m, 1], two_pi)
        el = el_det[m] + sigma_el_rad[s] * noise[m, 2]
        r_out[m], az_out[m], el_out[m] = r, az, el
        ce = np.cos(el)
        z_enu[m, 0] = r * ce * np.sin(az)
        z_enu[m, 1] = r * ce * np.cos(az)
        z_enu[m, 2] = r * np.sin(el)
        for i in range(3):  # x = x_radar + Cᵀ enu
            z_ecef[m, i] = r_ecef[s, i] + (r_rot[s, 0, i] * z_enu[m, 0] + r_rot[s, 1, i] * z_enu[m, 1]
                                           + r_rot[s, 2, i] * z_enu[m, 2])  # fmt: skip
        converted_covariance_point_ws(r, az, el, sigma_range_m[s] ** 2, sigma_az_rad[s] ** 2, sigma_el_rad[s] ** 2,
                                      r_rot[s], cov[m], ws)  # fmt: skip


@njit(cache=True, error_model="numpy")
def measured_kernel(ids: np.ndarray, fl: np.ndarray, sigma_range_m: np.ndarray, sigma_az_rad: np.ndarray,
                    sigma_el_rad: np.ndarray, r_ecef: np.ndarray,
                    r_rot: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """The measurements of M detections packed by :func:`sense_kernel` / ``dwell_pass_kernel``.

    ``ids`` (2, M) = (radar, target); ``fl`` (8M,) = num (2M) | den (2M) | range (M) | noise (M, 3).
    True angles az = atan2(num[:M], den[:M]), el = atan2(num[M:], den[M:]) with NumPy's own
    ``arctan2`` (:func:`iadsim.npmath.atan2`, bit-identical to ``np.arctan2``), then
    :func:`measure_kernel` (per-radar columns as there). Returns fl (18·M,) packed as
    :func:`merge_kernel`'s: range, az, el (M each), z_enu (M·3), z_ecef (M·3), R (M·9).
    """
    m = ids.shape[1]
    az0 = np.empty(m)
    el0 = np.empty(m)
    for j in range(m):
        az0[j] = atan2(fl[j], fl[2 * m + j])
        el0[j] = atan2(fl[m + j], fl[3 * m + j])
    out = np.empty(18 * m)
    measure_kernel(fl[4 * m : 5 * m], az0, el0, ids[0], fl[5 * m :].reshape(m, 3), sigma_range_m, sigma_az_rad,
                   sigma_el_rad, r_ecef, r_rot, out[:m], out[m : 2 * m], out[2 * m : 3 * m],
                   out[3 * m : 6 * m].reshape(m, 3), out[6 * m : 9 * m].reshape(m, 3),
                   out[9 * m :].reshape(m, 3, 3))  # fmt: skip
    return out


def unpack_detections(ids: np.ndarray, fl: np.ndarray, t_s: float) -> Detections:
    """:class:`Detections` of ids (≥ 2, M) (sensor, target rows) and fl (18·M,) (:func:`merge_kernel`'s packing)."""
    m = ids.shape[1]
    if m == 0:
        return no_detections(t_s)
    return Detections(sensor=ids[0], target=ids[1], time_s=float(t_s), range_m=fl[:m], az_rad=fl[m : 2 * m],
                      el_rad=fl[2 * m : 3 * m], z_enu_m=fl[3 * m : 6 * m].reshape(m, 3),
                      z_ecef_m=fl[6 * m : 9 * m].reshape(m, 3), R_ecef=fl[9 * m :].reshape(m, 3, 3))  # fmt: skip


def measure(radars: RadarArrays, range_m: np.ndarray, az_rad: np.ndarray, el_rad: np.ndarray, radar_idx: np.ndarray,
            noise: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Noisy measurements of M detections and their ECEF conversion (:func:`measure_kernel`).

    Parameters
    ----------
    radars : the radars ``radar_idx`` (M,) indexes. range_m, az_rad, el_rad : (M,) true geometry
    (azimuth in [0, 2π) or the raw atan2). noise : (M, 3) standard normals drawn by the caller.

    Returns
    -------
    ``(r (M,), az (M,), el (M,), z_enu (M, 3), z_ecef (M, 3), R_ecef (M, 3, 3))`` in m, rad, m².
    """
    m = len(radar_idx)
    c = np.ascontiguousarray
    r, az, el = np.empty(m), np.empty(m), np.empty(m)
    z_enu, z_ecef, cov = np.empty((m, 3)), np.empty((m, 3)), np.empty((m, 3, 3))
    measure_kernel(c(range_m, np.float64), c(az_rad, np.float64), c(el_rad, np.float64), c(radar_idx, np.int64),
                   c(noise, np.float64), *_measure_columns(radars), r, az, el, z_enu, z_ecef, cov)  # fmt: skip
    return r, az, el, z_enu, z_ecef, cov


def radar_streams(rng: RadarRng, n_radars: int) -> tuple[np.ndarray, np.ndarray, Sequence[np.random.Generator] | None]:
    """The draw streams of :func:`sense` / :func:`false_alarms` as PCG64 states for the kernels.

    ``rng`` is one Generator (all radars share it), a sequence of S Generators (one per radar) or
    an already-taken state array (:func:`iadsim.rng_kernels.states_of`): (S, 4) one row per radar
    or (1, 4) shared. Returns ``(st, row, gens)``: the (n, 4) uint64 states, the (S,) state row of
    each radar, and the Generators to hand the advanced states back to (None for a state array,
    which the kernels advance in place: the caller owns it).
    """
    if type(rng) is np.ndarray and rng.shape == (n_radars, 4) and rng.dtype == np.uint64:
        return rng, _stream_rows(n_radars), None
    if isinstance(rng, np.random.Generator):
        return states_of([rng]), np.zeros(n_radars, np.int64), [rng]
    if isinstance(rng, np.ndarray):
        if rng.dtype != np.uint64 or rng.ndim != 2 or rng.shape[1] != 4 or rng.shape[0] not in (1, n_radars):
            raise ValueError(f"radar stream states must be (1, 4) or ({n_radars}, 4) uint64 (got {rng.dtype} {rng.shape})")
        return rng, (_stream_rows(n_radars) if rng.shape[0] == n_radars else np.zeros(n_radars, np.int64)), None
    gens = list(rng)
    if len(gens) != n_radars:
        raise ValueError(f"one generator per radar expected ({n_radars}, got {len(gens)})")
    return states_of(gens), _stream_rows(n_radars), gens


_ROWS: dict[int, np.ndarray] = {}


def _stream_rows(n: int) -> np.ndarray:
    """``arange(n)`` (int64), shared (never written)."""
    a = _ROWS.get(n)
    if a is None:
        a = _ROWS[n] = np.arange(n, dtype=np.int64)
    return a


@njit(cache=True, error_model="numpy")
def draw_detections(pd: np.ndarray, scan: np.ndarray, row: np.ndarray,
                    st: np.ndarray) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """The detection and noise draws of one sensing step over (S_scan, N) Pd ``pd``.

    Draws, per stream in this order: first one uniform per pair, row-major (radar ``scan[i]``
    draws from state row ``row[scan[i]]`` of ``st``; detection iff u < Pd), then three standard
    normals (range, az, el noise) per detection in (sensor, target) order. With one row per radar
    this is each radar's ``g.random(N)`` then ``g.standard_normal((m, 3))``; with one shared row
    it is ``g.random((S_scan, N))`` then ``g.standard_normal((M, 3))`` (draws bit-identical to
    NumPy's Generator: :mod:`iadsim.rng_kernels`).

    Returns ``(si (M,) index into scan, ti (M,) target column, noise (M, 3))``.
    """
    n_s, n_t = pd.shape
    return draw_detections_into(pd, scan, row, st, np.empty((n_s, n_t), np.bool_))


@njit(cache=True, error_model="numpy")
def draw_detections_into(pd: np.ndarray, scan: np.ndarray, row: np.ndarray, st: np.ndarray,
                         hit: np.ndarray) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """:func:`draw_detections` with the caller's (≥ S_scan, ≥ N) work array ``hit`` (every entry
    used is written: its contents do not matter)."""
    n_s, n_t = pd.shape
    m = 0
    for i in range(n_s):
        r = row[scan[i]]
        for j in range(n_t):
            h = next_double(st, r) < pd[i, j]
            hit[i, j] = h
            if h:
                m += 1
    si = np.empty(m, np.int64)
    ti = np.empty(m, np.int64)
    k = 0
    for i in range(n_s):
        for j in range(n_t):
            if hit[i, j]:
                si[k], ti[k] = i, j
                k += 1
    noise = np.empty((m, 3))
    for k in range(m):
        r = row[scan[si[k]]]
        for c in range(3):
            noise[k, c] = standard_normal(st, r)
    return si, ti, noise


@njit(cache=True, error_model="numpy")
def sense_kernel(r_ecef: np.ndarray, r_rot: np.ndarray, r_lat: np.ndarray, r_lon: np.ndarray, r_alt: np.ndarray,
                 max_range: np.ndarray, max_alt: np.ndarray, min_el: np.ndarray, boresight: np.ndarray,
                 half_width: np.ndarray, ref_range: np.ndarray, ref_rcs: np.ndarray, snr_ref: np.ndarray,
                 pfa: np.ndarray, k_factor: float, earth_radius_m: float, margin_m: float, scan_phase_s: np.ndarray,
                 revisit_s: np.ndarray, t_s: float, dt_s: float, tgt: np.ndarray, rcs: np.ndarray, active: np.ndarray,
                 alt_given: bool, tgt_alt: np.ndarray, row: np.ndarray,
                 st: np.ndarray) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """One smooth-Earth sensing step up to the angles: scan, near pairs, draws, gather.

    * scanning radars: :func:`scanning_kernel`'s rule; active targets: ``active`` (N,);
    * Pd, range and ENU of (scanning radar, active target) pairs: :func:`near_pair_kernel`;
    * detection and noise draws: :func:`draw_detections` (streams ``st`` advanced in place);
    * the detected pairs' ``atan2`` arguments and ranges: :func:`gather_kernel`.

    Per-radar columns as :func:`near_pair_kernel` (all S radars), targets ``tgt`` (N, 3), ``rcs``
    (N,), ``tgt_alt`` (N,) (read when ``alt_given``), ``row`` (S,) state row of each radar.

    Returns ``(ids (2, M), fl (8M,))`` (two arrays: each array a compiled function returns costs
    a Python-level unpickle of its type): ``ids`` = (sensor, target) indices into the inputs,
    sorted by (sensor, target); ``fl`` = (num (2M) | den (2M) | range (M) | noise (M, 3) flat).
    az = atan2(num[:M], den[:M]), el = atan2(num[M:], den[M:]) are left to NumPy's ``arctan2``
    (its last bits differ from libm's on this kind of host).
    """
    return sense_kernel_ws(r_ecef, r_rot, r_lat, r_lon, r_alt, max_range, max_alt, min_el, boresight, half_width,
                           ref_range, ref_rcs, snr_ref, pfa, k_factor, earth_radius_m, margin_m, scan_phase_s,
                           revisit_s, t_s, dt_s, tgt, rcs, active, alt_given, tgt_alt, row, st,
                           sense_workspace(scan_phase_s.shape[0], tgt.shape[0]))  # fmt: skip


@njit(cache=True, error_model="numpy")
def sense_workspace(n_radars: int, n_targets: int) -> tuple:  # pragma: no cover - compiled
    """Work arrays of :func:`sense_kernel_ws` for up to ``n_radars`` radars and ``n_targets`` targets.

    ``(flag (S,) bool, scanning radars (S,), active targets (N,), Pd (S·N), range (S·N),
    ENU (3·S·N), hit (S·N) bool, per-target values (6, N), have (N,) bool)``. Their contents
    between calls do not matter (each call clears or writes what it reads), so one workspace
    serves every tick of a run (the engine makes one per run: ``engine.run._run``).
    """
    sn = n_radars * n_targets
    return (np.zeros(n_radars, np.bool_), np.zeros(n_radars, np.int64), np.zeros(n_targets, np.int64),
            np.zeros(sn), np.zeros(sn), np.zeros(3 * sn), np.zeros(sn, np.bool_), np.zeros((6, n_targets)),
            np.zeros(n_targets, np.bool_))


@njit(cache=True, error_model="numpy")
def sense_kernel_ws(r_ecef: np.ndarray, r_rot: np.ndarray, r_lat: np.ndarray, r_lon: np.ndarray, r_alt: np.ndarray,
                    max_range: np.ndarray, max_alt: np.ndarray, min_el: np.ndarray, boresight: np.ndarray,
                    half_width: np.ndarray, ref_range: np.ndarray, ref_rcs: np.ndarray, snr_ref: np.ndarray,
                    pfa: np.ndarray, k_factor: float, earth_radius_m: float, margin_m: float,
                    scan_phase_s: np.ndarray, revisit_s: np.ndarray, t_s: float, dt_s: float, tgt: np.ndarray,
                    rcs: np.ndarray, active: np.ndarray, alt_given: bool, tgt_alt: np.ndarray, row: np.ndarray,
                    st: np.ndarray, ws: tuple) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """:func:`sense_kernel` on the work arrays ``ws`` (:func:`sense_workspace`), the same arithmetic
    and draws: the engine's per-tick search looks allocate only their outputs (``ids``, ``fl``).
    A workspace smaller than (S radars, N targets) is replaced by a fresh one for the call."""
    n_all = scan_phase_s.shape[0]
    n_tot = active.shape[0]
    if ws[0].shape[0] < n_all or ws[2].shape[0] < n_tot:
        ws = sense_workspace(n_all, n_tot)
    flag_w, scan_w, act_w, pd_w, range_w, enu_w, hit_w, per_t, have = ws
    flag = flag_w[:n_all]
    scanning_kernel(t_s, dt_s, scan_phase_s, revisit_s, flag)
    n_s = 0
    for i in range(n_all):  # np.flatnonzero(flag)
        if flag[i]:
            scan_w[n_s] = i
            n_s += 1
    n_t = 0
    for c in range(n_tot):  # np.flatnonzero(active)
        if active[c]:
            act_w[n_t] = c
            n_t += 1
    if n_s == 0 or n_t == 0:
        return np.zeros((2, 0), np.int64), np.zeros(0)
    scan = scan_w[:n_s]
    act = act_w[:n_t]
    sn = n_s * n_t
    pd = pd_w[:sn].reshape((n_s, n_t))
    for i in range(sn):  # far and hidden pairs keep Pd 0 (np.zeros); range and ENU are read only where Pd > 0
        pd_w[i] = 0.0
    range_m = range_w[:sn].reshape((n_s, n_t))
    enu = enu_w[: 3 * sn].reshape((n_s, n_t, 3))
    near_pair_rows_ws(scan, act, r_ecef, r_rot, r_lat, r_lon, r_alt, max_range, max_alt, min_el, boresight,
                      half_width, ref_range, ref_rcs, snr_ref, pfa, k_factor, earth_radius_m, margin_m, tgt, rcs,
                      alt_given, tgt_alt, pd, range_m, enu, per_t, have)  # fmt: skip
    si, ti, noise = draw_detections_into(pd, scan, row, st, hit_w[:sn].reshape((n_s, n_t)))
    m = si.shape[0]
    ids = np.empty((2, m), np.int64)
    fl = np.empty(8 * m)
    for j in range(m):
        ids[0, j], ids[1, j] = scan[si[j]], act[ti[j]]
        fl[5 * m + 3 * j], fl[5 * m + 3 * j + 1], fl[5 * m + 3 * j + 2] = noise[j, 0], noise[j, 1], noise[j, 2]
    gather_kernel(enu, range_m, si, ti, fl[: 2 * m], fl[2 * m : 4 * m], fl[4 * m : 5 * m])
    return ids, fl


def _as(a: ArrayLike, dtype: Any) -> np.ndarray:
    """``a`` as a C-contiguous array of ``dtype`` (itself when it is one already: no call)."""
    if type(a) is np.ndarray and a.dtype == dtype and a.flags.c_contiguous:
        return a
    return np.ascontiguousarray(a, dtype=dtype)


def _vec(a: ArrayLike, n: int, dtype: Any) -> np.ndarray:
    """``a`` as a C-contiguous (n,) array of ``dtype`` (broadcast when a scalar or length 1)."""
    if type(a) is np.ndarray and a.dtype == dtype and a.shape == (n,) and a.flags.c_contiguous:
        return a
    return np.ascontiguousarray(_column(a, n, dtype))


#: the last tick's empty detections (one shared, immutable zero-size record per tick)
_NO_DETECTIONS: list[Detections] = []


def no_detections(t_s: float) -> Detections:
    """``Detections.empty(t_s)``, built once per tick and shared by the tick's callers.

    A :class:`Detections` is frozen and its zero-size arrays hold nothing to change, so handing
    the same empty record to every sensing step, dwell and cue of one tick is safe.
    """
    cached = _NO_DETECTIONS[0] if _NO_DETECTIONS else None
    if cached is not None and cached.time_s == float(t_s):
        return cached
    empty = Detections.empty(t_s)
    _NO_DETECTIONS[:] = [empty]
    return empty


def _sense_args(radars: RadarArrays) -> tuple[tuple, np.ndarray]:
    """(the per-radar arguments of :func:`sense_kernel`, arange(S)), cached on the instance."""
    a: tuple[tuple, np.ndarray] | None = radars.__dict__.get("_sense_args")
    if a is None:
        a = (_kernel_columns(radars) + _scan_columns(radars), _stream_rows(len(radars)))
        object.__setattr__(radars, "_sense_args", a)
    return a


def _measured(radars: RadarArrays, t_s: float, sensor: np.ndarray, target: np.ndarray, r0: np.ndarray,
              az0: np.ndarray, el0: np.ndarray, noise: np.ndarray) -> Detections:  # fmt: skip
    """:class:`Detections` of radars ``sensor`` (indices into ``radars``) from true geometry + noise (:func:`measure_kernel`)."""
    m = sensor.shape[0]
    r, az, el = np.empty(m), np.empty(m), np.empty(m)
    z_enu, z_ecef, cov = np.empty((m, 3)), np.empty((m, 3)), np.empty((m, 3, 3))
    measure_kernel(r0, az0, el0, sensor, noise, *_measure_columns(radars), r, az, el, z_enu, z_ecef, cov)
    return Detections(sensor=sensor, target=target, time_s=float(t_s), range_m=r, az_rad=az, el_rad=el,
                      z_enu_m=z_enu, z_ecef_m=z_ecef, R_ecef=cov)  # fmt: skip


def sense(
    radars: RadarArrays,
    tgt_ecef_m: ArrayLike,
    rcs_m2: ArrayLike,
    active: ArrayLike,
    t_s: float,
    dt_s: float,
    rng: RadarRng | np.ndarray,
    tgt_alt_m: ArrayLike | None = None,
    terrain: Any = None,
) -> Detections:
    """One sensing step: which scanning radars detect which active targets, with noisy measurements.

    Random draws, in this fixed order: one uniform per (scanning sensor, active target) pair in
    row-major order (detection iff u < Pd), then standard normals of shape (M, 3) for the
    (range, az, el) noise of the M detections in (sensor, target) order. With one generator per
    radar (``rng`` a sequence indexed by radar, the engine's per-entity streams) each scanning
    radar draws its own row of uniforms and then the noise of its own detections, so a radar's
    draws never depend on which other radars exist. The draws are made in the compiled kernels
    (:func:`draw_detections`) on the streams' PCG64 states (:func:`radar_streams`), bit-identical
    to the Generators' own draws; Generators passed get their advanced states back.

    Parameters
    ----------
    radars : RadarArrays (S)
    tgt_ecef_m : (N, 3) target ECEF positions (m).
    rcs_m2 : (N,) target mean RCS (m²).
    active : (N,) bool — targets that exist (alive, launched) this tick.
    t_s, dt_s : current time and tick length (s); looks in (t − dt, t] are taken.
    rng : numpy Generator, a sequence of S Generators (one stream per radar), or their states
        (:func:`iadsim.rng_kernels.states_of`, (S, 4) or (1, 4) uint64, advanced in place).
    tgt_alt_m : (N,) target altitudes (m); computed from ECEF when None.
    terrain : Dem, optional
        Terrain masking the lines of sight; default ``radars.terrain`` (None: smooth Earth).

    Returns
    -------
    Detections
        Measurement noise: r + N(0, σr²), az + N(0, σaz²) (wrapped to [0, 2π)), el + N(0, σel²),
        about the straight-line geometry. The noisy range is not clipped (σr ≪ r in practice).
    """
    tgt = _as(tgt_ecef_m, np.float64)
    if tgt.ndim != 2:
        tgt = tgt.reshape(-1, 3)
    n = tgt.shape[0]
    act_mask = _vec(active, n, np.bool_)
    args, rows = _sense_args(radars)
    if type(rng) is np.ndarray and rng.shape == (rows.shape[0], 4) and rng.dtype == np.uint64:
        st, row, gens = rng, rows, None  # the engine's per-radar states
    else:
        st, row, gens = radar_streams(rng, rows.shape[0])
    if terrain is None and radars.terrain is None:
        alt = _NO_ALT if tgt_alt_m is None else _vec(tgt_alt_m, n, np.float64)
        ids, fl = sense_kernel(*args, float(t_s), float(dt_s), tgt, _vec(rcs_m2, n, np.float64), act_mask,
                               tgt_alt_m is not None, alt, row, st)  # fmt: skip
        if gens is not None:
            store_states(gens, st)
        if ids.shape[1] == 0:
            return no_detections(t_s)
        return unpack_detections(ids, measured_kernel(ids, fl, *_measure_columns(radars)), t_s)
    c = np.ascontiguousarray
    # terrain masking: every pair's geometry (the terrain test needs the target lat/lon)
    act = np.flatnonzero(act_mask)
    scan = np.flatnonzero(scanning(radars, t_s, dt_s))
    if act.size == 0 or scan.size == 0:
        return Detections.empty(t_s)
    sub = radars.subset(scan)
    alt_a = None if tgt_alt_m is None else _column(tgt_alt_m, n, np.float64)[act]
    geom = geometry(sub, tgt[act], alt_a)
    pd = c(detection_probability(sub, geom, _column(rcs_m2, n, np.float64)[act], terrain=terrain), np.float64)
    si, ti, noise = draw_detections(pd, scan, row, st)
    if gens is not None:
        store_states(gens, st)
    if si.size == 0:
        return Detections.empty(t_s)
    r0, az0, el0 = c(geom.range_m[si, ti], np.float64), c(geom.az_rad[si, ti], np.float64), c(geom.el_rad[si, ti], np.float64)
    return _measured(radars, t_s, scan[si], act[ti], r0, az0, el0, noise)


__all__ = [
    "Detections",
    "RadarArrays",
    "RadarGeometry",
    "clutter_draws",
    "converted_covariance_ecef",
    "converted_covariance_point",
    "detection_probability",
    "draw_detections",
    "gather_kernel",
    "geometry",
    "measure",
    "measure_kernel",
    "measured_kernel",
    "merge_kernel",
    "near_pair_detection",
    "near_pair_kernel",
    "no_detections",
    "polar_to_enu_jacobian",
    "radar_streams",
    "scanning",
    "scanning_kernel",
    "sense",
    "sense_kernel",
    "snr_from_reference",
    "swerling1_pd",
    "swerling1_snr_for_pd",
    "terrain_visible",
    "unpack_detections",
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


@njit(cache=True, error_model="numpy")
def clutter_draws(scan: np.ndarray, row: np.ndarray, st: np.ndarray, mean_per_scan: float) -> tuple:  # pragma: no cover - compiled
    """The false-alarm draws of the scanning radars ``scan`` (K,), per stream in this order.

    First a count n_k ~ Poisson(λ) per scanning radar (radar ``scan[k]`` draws from state row
    ``row[scan[k]]`` of ``st``), then three uniforms (u, v, w) per false alarm in radar order.
    With one row per radar this is each radar's ``g.poisson(λ)`` then ``g.random((n_k, 3))``;
    with one shared row ``g.poisson(λ, K)`` then ``g.random((Σn, 3))`` (bit-identical draws:
    :mod:`iadsim.rng_kernels`).

    Returns ``(sensor (M,) radar of each false alarm, u (M, 3))``.
    """
    n = scan.shape[0]
    counts = np.empty(n, np.int64)
    for k in range(n):
        counts[k] = poisson(st, row[scan[k]], mean_per_scan)
    m = int(counts.sum())
    si = np.empty(m, np.int64)
    u = np.empty((m, 3))
    j = 0
    for k in range(n):
        r = row[scan[k]]
        for _ in range(counts[k]):
            si[j] = scan[k]
            for c in range(3):
                u[j, c] = next_double(st, r)
            j += 1
    return si, u


@njit(cache=True, error_model="numpy")
def false_alarm_kernel(scan_phase_s: np.ndarray, revisit_s: np.ndarray, t_s: float, dt_s: float, max_range: np.ndarray,
                       boresight: np.ndarray, half_width: np.ndarray, min_el: np.ndarray, sigma_range_m: np.ndarray,
                       sigma_az_rad: np.ndarray, sigma_el_rad: np.ndarray, r_ecef: np.ndarray, r_rot: np.ndarray,
                       row: np.ndarray, st: np.ndarray, mean_per_scan: float) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """The false alarms of one tick (:func:`false_alarms`' rule), packed for the tick loop.

    The scanning radars (:func:`scanning_kernel`), their draws (:func:`clutter_draws` on the
    stream rows ``row`` of ``st``, advanced in place), and per false alarm the formulas of
    :func:`false_alarms` in the arithmetic of their NumPy form (the reference kept in
    ``tests/unit/sensors/test_sensing_phase.py``, bit for bit): ``np.cbrt`` and ``np.arcsin`` as NumPy evaluates them
    (:func:`iadsim.npmath.cbrt`, :func:`iadsim.npmath.arcsin`), ``np.mod`` as numba's ``%`` (the same
    floored modulo), the ENU → ECEF rotation Δ_i = Σ_j C[j, i] z_j summed in j order (the order of
    ``np.einsum("mji,mj->mi")``), the covariance by :func:`converted_covariance_point_ws` (the kernel
    :func:`converted_covariance_ecef` calls). Returns ``(ids (2, M) radar, target = −1; fl (18·M,)
    packed as :func:`merge_kernel`'s)``; M = 0 when λ ≤ 0 (no draws) or no radar scans.
    """
    n_all = scan_phase_s.shape[0]
    if not mean_per_scan > 0.0 or n_all == 0:
        return np.zeros((2, 0), np.int64), np.zeros(0)
    flag = np.empty(n_all, np.bool_)
    scanning_kernel(t_s, dt_s, scan_phase_s, revisit_s, flag)
    scan = np.flatnonzero(flag)
    if scan.shape[0] == 0:
        return np.zeros((2, 0), np.int64), np.zeros(0)
    si, u = clutter_draws(scan, row, st, mean_per_scan)
    m = si.shape[0]
    ids = np.empty((2, m), np.int64)
    out = np.empty(18 * m)
    ws = np.empty((3, 3, 3))
    two_pi = 2.0 * np.pi
    for j in range(m):
        s = si[j]
        ids[0, j], ids[1, j] = s, -1
        r = max_range[s] * np_cbrt(u[j, 0])
        az = (boresight[s] + (2.0 * u[j, 1] - 1.0) * half_width[s]) % two_pi
        e1 = max(min_el[s], 0.0)
        e2 = max(e1 + 1e-3, CLUTTER_MAX_ELEVATION_RAD)
        se1 = np.sin(e1)
        el = np_arcsin(se1 + u[j, 2] * (np.sin(e2) - se1))
        rce = r * np.cos(el)
        z0, z1, z2 = rce * np.sin(az), rce * np.cos(az), r * np.sin(el)
        out[j], out[m + j], out[2 * m + j] = r, az, el
        out[3 * m + 3 * j], out[3 * m + 3 * j + 1], out[3 * m + 3 * j + 2] = z0, z1, z2
        for i in range(3):
            out[6 * m + 3 * j + i] = r_ecef[s, i] + ((r_rot[s, 0, i] * z0 + r_rot[s, 1, i] * z1) + r_rot[s, 2, i] * z2)
        converted_covariance_point_ws(r, az, el, sigma_range_m[s] ** 2, sigma_az_rad[s] ** 2, sigma_el_rad[s] ** 2,
                                      r_rot[s], out[9 * m + 9 * j : 9 * m + 9 * j + 9].reshape((3, 3)), ws)  # fmt: skip
    return ids, out


def false_alarms(radars: RadarArrays, t_s: float, dt_s: float, mean_per_scan: float,
                 rng: RadarRng | np.ndarray) -> Detections:  # fmt: skip
    """Poisson false alarms of the scanning radars, uniform in their search volume.

    Per scanning radar n ~ Poisson(λ); each false alarm is placed uniformly in the sector volume
    of :func:`clutter_volume_m3`: r = R·u^(1/3), az = boresight + (2v − 1)·half_width,
    sin e = sin e₁ + w (sin e₂ − sin e₁) (u, v, w ~ U(0,1)). Measurement covariance as for a target
    detection at that position. ``target`` is −1. No draws are made when λ = 0. With one
    generator per radar (a sequence), each scanning radar draws its count and then its points
    from its own stream (:func:`clutter_draws`; ``rng`` as in :func:`sense`, states too).
    Compiled: :func:`false_alarm_kernel`, the kernel the engine's one-call sensing phase calls.
    """
    if mean_per_scan <= 0:
        return Detections.empty(t_s)
    st, row, gens = radar_streams(rng, len(radars))
    kc, sc = _kernel_columns(radars), _scan_columns(radars)
    sr, sa, se, r_ecef, r_rot = _measure_columns(radars)
    ids, fl = false_alarm_kernel(sc[0], sc[1], float(t_s), float(dt_s), kc[5], kc[8], kc[9], kc[7], sr, sa, se, r_ecef,
                                 r_rot, row, st, float(mean_per_scan))  # fmt: skip
    if gens is not None:
        store_states(gens, st)
    return unpack_detections(ids, fl, t_s) if ids.shape[1] else Detections.empty(t_s)
