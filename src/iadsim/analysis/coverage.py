"""Detection and engagement coverage over a region, vectorised over grid cells × sites.

Model (see ``docs/models.md (coverage section)`` for the derivations)
-----------------------------------------------------------
* **Grid.** Rows at constant latitude spacing ``Δφ = res / R``; in each row the columns are spaced
  ``Δλ = res / (R cos φ)``, so every cell is about ``res × res`` (equal-area-ish). A cell's area is
  the exact spherical band-segment area ``R² Δλ (sin φ_n − sin φ_s)``. Cells whose centre lies in
  the region (country polygon or box) belong to it (``Grid.in_region``). A polygon region's grid
  can extend over its bounding box plus a margin (``make_grid(..., margin_m=...)``, what
  ``iadsim coverage`` does for a country) so coverage over the sea and the neighbours is computed
  and drawn too; the extra rows and columns are whole cells added around the same origin, so the
  region's cells — and every "% of the region" statistic — are exactly those of the region-only grid.
* **Detection** by radar ``s`` of a target of RCS ``σ`` at altitude ``h`` over cell ``c``: Swerling 1
  ``Pd = Pfa^(1/(1+SNR))`` with ``SNR = SNR_ref (R_ref/R)^4 (σ/σ_ref)``, ``SNR_ref`` from the
  radar's reference Pd. Pd is monotone in range, so ``Pd ≥ Pd*`` ⇔ ``R ≤ R*`` with
  ``R* = R_ref (SNR_ref σ / (SNR* σ_ref))^(1/4)`` and ``SNR* = ln Pfa / ln Pd* − 1``. At one target
  altitude every constraint (detection range, instrumented range, refracted elevation ≥ minimum,
  4/3-Earth radio horizon) is a bound on the central angle ``θ`` between radar and cell, so the
  whole test is one threshold ``cos θ ≥ cos θ_max[s]`` on the dot product of unit vectors — one
  ``(N,3)·(3,S)`` product. The azimuth field of regard is checked only for sector radars, and terrain
  masking (optional DEM) only for cells that pass the range test.
* **Engagement** by fire unit ``f``: the cell's slant range lies in ``[min_range, max_range]`` of
  the unit's envelope, the altitude in ``[min_alt, max_alt]``, and at least one radar that can
  cue the unit (``cue_mask[f, s]``) detects the target there.
* **Layers**: the number of radars detecting / fire units able to engage over each cell.

Simplifications (named): spherical Earth of radius 6 371 km for geometry and cell areas (WGS84
geodetic latitude used as spherical latitude; ≤0.5 % range error); refraction by the 4/3 effective
radius; the target altitude is above sea level; Swerling 1, no clutter, jamming or multipath.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from iadsim.errors import InputError

__all__ = [
    "EARTH_RADIUS_M",
    "K_EFFECTIVE",
    "Grid",
    "make_grid",
    "unit_vectors",
    "detection_range_m",
    "detection_cos_threshold",
    "slant_range_cos",
    "detection_mask",
    "engagement_mask",
    "CoverageLayer",
    "CoverageResult",
    "compute_coverage",
    "coverage_table",
    "mask_to_geometry",
]

EARTH_RADIUS_M = 6_371_000.0
K_EFFECTIVE = 4.0 / 3.0
F64 = NDArray[np.float64]
B = NDArray[np.bool_]


class RadarLike(Protocol):
    """The fields of :class:`iadsim.sensors.radar.RadarArrays` that coverage reads, all (S,)."""

    lat_rad: F64
    lon_rad: F64
    alt_m: F64
    site_index: NDArray[np.int_]
    ref_range_m: F64
    ref_rcs_m2: F64
    ref_pd: F64
    pfa: F64
    max_range_m: F64
    max_alt_m: F64
    min_elevation_rad: F64
    boresight_az_rad: F64
    half_width_az_rad: F64


class FireUnitLike(Protocol):
    """The fields of the world's ``FireUnitArrays`` that coverage reads, all (F,) or (F, S)."""

    lat_rad: F64
    lon_rad: F64
    alt_m: F64
    site_index: NDArray[np.int_]
    min_range_m: F64
    max_range_m: F64
    min_alt_m: F64
    max_alt_m: F64
    cue_mask: B


# ----------------------------------------------------------------------------------------- grid
@dataclass(frozen=True)
class Grid:
    """Cells of a region on the equal-area-ish geodesic grid (see module docstring).

    Attributes
    ----------
    lat_rad, lon_rad : (N,) float64
        Cell centres.
    area_m2 : (N,) float64
        Cell areas on the sphere.
    unit : (N, 3) float64
        Unit vectors of the centres.
    row : (N,) int
        Row index (south to north).
    dlat_rad : float
        Row spacing.
    row_lat_rad, row_lon0_rad, row_dlon_rad : (R,) float64
        Per row: centre latitude, western edge longitude, column spacing.
    col : (N,) int
        Column index within the row.
    resolution_m : float
    region_area_m2 : float
        Sum of the areas of the cells in the region (the region's area as the grid sees it).
    bbox_deg : (west, south, east, north)
        Extent of the grid (the region's bounds, plus the margin when one was asked for).
    in_region : (N,) bool or None
        Cells whose centre is in the region; None means every cell (a box, or no margin).
    """

    lat_rad: F64
    lon_rad: F64
    area_m2: F64
    unit: F64
    row: NDArray[np.int_]
    col: NDArray[np.int_]
    dlat_rad: float
    row_lat_rad: F64
    row_lon0_rad: F64
    row_dlon_rad: F64
    resolution_m: float
    region_area_m2: float
    bbox_deg: tuple[float, float, float, float]
    in_region: NDArray[np.bool_] | None = None

    @property
    def n(self) -> int:
        return int(self.lat_rad.shape[0])

    @property
    def region_mask(self) -> NDArray[np.bool_]:
        """(N,) bool: the cells of the region (all cells when ``in_region`` is None)."""
        return np.ones(self.n, dtype=bool) if self.in_region is None else self.in_region


def unit_vectors(lat_rad: F64, lon_rad: F64) -> F64:
    """Unit vectors on the sphere, ``(cos φ cos λ, cos φ sin λ, sin φ)``; shape ``(..., 3)``."""
    cl = np.cos(lat_rad)
    return np.stack([cl * np.cos(lon_rad), cl * np.sin(lon_rad), np.sin(lat_rad)], axis=-1)


def make_grid(
    region: Any,
    resolution_m: float,
    *,
    radius_m: float = EARTH_RADIUS_M,
    margin_m: float = 0.0,
) -> Grid:
    """Build the grid of a region.

    Parameters
    ----------
    region
        ``(west, south, east, north)`` in degrees, or a shapely (Multi)Polygon in lon/lat degrees.
    resolution_m
        Cell size, m (> 0).
    margin_m
        Polygon regions only: also make the cells of the region's bounding box widened by
        ``k = ceil(margin_m / resolution_m)`` whole rows and columns on every side (the sea and the
        neighbours; ``Grid.in_region`` marks the region's own cells). The rows and columns keep the
        region-only grid's origin, so its cells are reproduced exactly. 0: the region's cells only.

    Raises
    ------
    InputError
        Non-positive resolution, a degenerate box, or a region that contains no cell centre.
    """
    if not (resolution_m > 0 and math.isfinite(resolution_m)):
        raise InputError(f"resolution must be a positive number of metres (got {resolution_m})")
    geom = None
    if isinstance(region, (tuple, list, np.ndarray)):
        w, s, e, n = (float(v) for v in region)
        if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
            raise InputError(
                f"empty or invalid bounding box W,S,E,N = {w},{s},{e},{n} "
                "(need west < east within ±180°, south < north within ±90°)"
            )
    else:
        geom = region
        if geom is None or geom.is_empty:
            raise InputError("the region polygon is empty")
        w, s, e, n = geom.bounds
    if not (margin_m >= 0 and math.isfinite(margin_m)):
        raise InputError(f"the grid margin must be a non-negative number of metres (got {margin_m})")
    k = int(math.ceil(margin_m / resolution_m)) if geom is not None else 0
    dlat = resolution_m / radius_m
    s_r, n_r = math.radians(s), math.radians(n)
    n_rows = max(1, int(math.ceil((n_r - s_r) / dlat)))
    # rows -k … n_rows+k-1 around the same origin (row i's centre is the same number with or without margin)
    row_lat = s_r + (np.arange(-k, n_rows + k) + 0.5) * dlat
    row_lat = row_lat[np.abs(row_lat) < math.pi / 2]
    cosl = np.maximum(np.cos(row_lat), 1e-9)
    row_dlon = np.minimum(resolution_m / (radius_m * cosl), 2 * math.pi)
    w_r, e_r = math.radians(w), math.radians(e)
    n_cols = np.maximum(1, np.ceil((e_r - w_r) / row_dlon).astype(np.int64)) + 2 * k
    rows = np.repeat(np.arange(row_lat.size), n_cols)
    starts = np.cumsum(n_cols) - n_cols
    cols = np.arange(rows.size) - np.repeat(starts, n_cols)  # 0 … n_cols-1; column j is j - k of the region-only grid
    lat = row_lat[rows]
    lon = w_r + (cols - k + 0.5) * row_dlon[rows]
    e_ext = e_r + k * row_dlon[rows]
    keep = (lon <= e_ext) & (lon >= -math.pi) & (lon <= math.pi)
    inside = None
    if geom is None:
        keep &= (lat >= s_r) & (lat <= n_r)
    else:
        import shapely

        inside = shapely.contains_xy(geom, np.degrees(lon), np.degrees(lat))
        if k == 0:
            keep &= inside
    rows, cols, lat, lon = rows[keep], cols[keep], lat[keep], lon[keep]
    in_region = None if (inside is None or k == 0) else inside[keep]
    if lat.size == 0 or (in_region is not None and not in_region.any()):
        raise InputError(
            f"the region W,S,E,N = {w:.3f},{s:.3f},{e:.3f},{n:.3f} contains no grid cell at "
            f"{resolution_m / 1000:g} km resolution (empty region; use a finer --resolution-km)"
        )
    # spherical band-segment area: A = R² Δλ (sin φ_n − sin φ_s)
    area = radius_m**2 * row_dlon[rows] * (np.sin(lat + dlat / 2) - np.sin(lat - dlat / 2))
    region_area = float(area.sum()) if in_region is None else float(area[in_region].sum())
    ext = np.degrees(k * dlat), np.degrees(float(np.max(row_dlon)) * k) if k else 0.0
    bbox = (float(max(w - ext[1], -180.0)), float(max(s - ext[0], -90.0)), float(min(e + ext[1], 180.0)), float(min(n + ext[0], 90.0)))
    return Grid(
        lat_rad=lat,
        lon_rad=lon,
        area_m2=area,
        unit=np.ascontiguousarray(unit_vectors(lat, lon)),
        row=rows,
        col=cols,
        dlat_rad=dlat,
        row_lat_rad=row_lat,
        row_lon0_rad=w_r - k * row_dlon,
        row_dlon_rad=row_dlon,
        resolution_m=float(resolution_m),
        region_area_m2=region_area,
        bbox_deg=bbox,
        in_region=in_region,
    )


# ----------------------------------------------------------------------------- radar thresholds
def swerling1_snr_required(pd: F64 | float, pfa: F64 | float) -> F64:
    """Swerling 1 SNR (linear) for a given Pd: ``Pd = Pfa^(1/(1+SNR))`` ⇒ ``SNR = ln Pfa / ln Pd − 1``."""
    return np.asarray(np.log(pfa) / np.log(pd) - 1.0, dtype=np.float64)


def detection_range_m(radars: RadarLike, rcs_m2: float, pd_threshold: float = 0.5) -> F64:
    """Slant range at which each radar's Swerling 1 Pd falls to ``pd_threshold``, (S,) m.

    ``R* = R_ref (SNR_ref σ / (SNR* σ_ref))^(1/4)`` from the radar equation ``SNR ∝ σ / R⁴``.
    Not capped by the instrumented range.
    """
    if not (0.0 < pd_threshold < 1.0):
        raise InputError(f"Pd threshold must be in (0, 1) (got {pd_threshold})")
    if not (rcs_m2 > 0 and math.isfinite(rcs_m2)):
        raise InputError(f"RCS must be a positive number of m² (got {rcs_m2})")
    snr_ref = swerling1_snr_required(radars.ref_pd, radars.pfa)
    snr_req = swerling1_snr_required(pd_threshold, radars.pfa)
    ratio = np.maximum(snr_ref / snr_req, 0.0) * (rcs_m2 / np.asarray(radars.ref_rcs_m2))
    return np.asarray(radars.ref_range_m, dtype=np.float64) * ratio**0.25


def slant_range_cos(range_m: F64, h1_m: F64, h2_m: float | F64, radius_m: float = EARTH_RADIUS_M) -> F64:
    """``cos θ`` of the central angle at which the straight slant range equals ``range_m``.

    Law of cosines on the sphere: ``ρ² = r1² + r2² − 2 r1 r2 cos θ`` with ``r = R + h``; values are
    clipped to [−1, 1] (cos θ = 1 when ``range_m`` ≤ |h2 − h1|: nothing is in range).
    """
    r1 = radius_m + np.asarray(h1_m, dtype=np.float64)
    r2 = radius_m + np.asarray(h2_m, dtype=np.float64)
    c = (r1 * r1 + r2 * r2 - np.asarray(range_m, dtype=np.float64) ** 2) / (2.0 * r1 * r2)
    too_short = np.asarray(range_m) < np.abs(r2 - r1)
    return np.where(too_short, 2.0, np.clip(c, -1.0, 1.0))


def _elevation_theta_bounds(
    h1_m: F64, h2_m: float, min_el_rad: F64, k: float, radius_m: float
) -> tuple[F64, F64]:
    """True central-angle interval ``[θ_in, θ_out]`` where refracted elevation ≥ ``ε_min``.

    On the effective sphere (radius ``a = kR``, ``r = a + h``) the elevation of a target at
    effective central angle ``φ`` is ``tan ε = (r2 cos φ − r1) / (r2 sin φ)``, so
    ``ε ≥ ε_min  ⇔  cos(φ + ε_min) ≥ r1 cos ε_min / r2 =: q``, i.e.
    ``−ε_min − acos q ≤ φ ≤ acos q − ε_min``. The inner bound matters only for a target below the
    antenna seen at a negative minimum elevation (it cannot be seen straight down). The true
    central angle is ``θ = k φ``. ``θ_out < 0`` means nowhere (e.g. ``q > 1``).
    """
    a = k * radius_m
    r1 = a + np.maximum(h1_m, 0.0)  # smooth Earth: heights below sea level clipped (as geo.horizon)
    r2 = a + max(h2_m, 0.0)
    q = r1 * np.cos(min_el_rad) / r2
    acq = np.arccos(np.clip(q, -1.0, 1.0))
    th_out = np.where(q > 1.0, -1.0, k * (acq - min_el_rad))
    th_in = np.maximum(k * (-min_el_rad - acq), 0.0)
    return th_in, th_out


def _horizon_theta_max(h1_m: F64, h2_m: float, k: float, radius_m: float) -> F64:
    """True central angle of the 4/3-Earth radio horizon: ``φ = acos(a/r1) + acos(a/r2)``, θ = kφ.

    For small heights this is ``d ≈ √(2 a h1) + √(2 a h2) = 4.12 (√h1 + √h2)`` km (h in metres).
    """
    from iadsim.geo.horizon import horizon_angle_rad  # the engine's horizon (one implementation)

    return np.asarray(k * (horizon_angle_rad(h1_m, k, radius_m) + horizon_angle_rad(h2_m, k, radius_m)))


def detection_cos_threshold(
    radars: RadarLike,
    alt_m: float,
    rcs_m2: float,
    pd_threshold: float = 0.5,
    *,
    k_factor: float | None = None,
    radius_m: float = EARTH_RADIUS_M,
) -> tuple[F64, F64]:
    """Per radar, the ``cos θ`` interval of cells at altitude ``alt_m`` that it detects.

    A cell is detected iff ``cos_lo[s] ≤ u_s·u_c ≤ cos_hi[s]``. ``cos_lo`` combines detection range
    (Pd ≥ threshold), instrumented range, maximum altitude, minimum refracted elevation and the
    radio horizon (2.0 = nowhere); ``cos_hi`` is below 1 only when the minimum elevation hides the
    cells under a radar that looks down on the target (2.0 = no inner limit).

    Returns
    -------
    cos_lo, cos_hi : (S,) float64
    """
    if k_factor is None:
        k_factor = float(getattr(radars, "k_factor", K_EFFECTIVE))
    h1 = np.asarray(radars.alt_m, dtype=np.float64)
    r_det = np.minimum(detection_range_m(radars, rcs_m2, pd_threshold), radars.max_range_m)
    c_range = slant_range_cos(r_det, h1, alt_m, radius_m)
    th_in, th_el = _elevation_theta_bounds(h1, alt_m, np.asarray(radars.min_elevation_rad), k_factor, radius_m)
    th_hz = _horizon_theta_max(h1, alt_m, k_factor, radius_m)
    th = np.minimum(th_el, th_hz)
    c_geom = np.where(th < 0.0, 2.0, np.cos(np.clip(th, 0.0, np.pi)))
    c_lo = np.maximum(c_range, c_geom)
    c_lo = np.where(alt_m > np.asarray(radars.max_alt_m), 2.0, c_lo)
    c_hi = np.where(th_in > 0.0, np.cos(np.clip(th_in, 0.0, np.pi)), 2.0)
    return c_lo, c_hi


def _azimuth_ok(site_lat: float, site_lon: float, bore: float, half: float, cells: F64) -> B:
    """Cells (M,3 unit vectors) inside the azimuth sector ``|az − bore| ≤ half`` of one site."""
    sl, cl = math.sin(site_lat), math.cos(site_lat)
    so, co = math.sin(site_lon), math.cos(site_lon)
    east = np.array([-so, co, 0.0])
    north = np.array([-sl * co, -sl * so, cl])
    az = np.arctan2(cells @ east, cells @ north)  # azimuth of the great circle, clockwise from N
    d = np.angle(np.exp(1j * (az - bore)))  # wrapped to (−π, π]
    return np.abs(d) <= half + 1e-12


def detection_mask(
    radars: RadarLike,
    grid: Grid,
    alt_m: float,
    rcs_m2: float,
    pd_threshold: float = 0.5,
    *,
    dem: Any = None,
    los_step_m: float | None = None,
    k_factor: float | None = None,
    chunk: int = 262_144,
    radius_m: float = EARTH_RADIUS_M,
) -> B:
    """Which radar detects the target over which cell, (N, S) bool.

    Parameters
    ----------
    radars
        Radar arrays, S radars.
    grid
        The cells (N).
    alt_m
        Target altitude above sea level, m.
    rcs_m2
        Target RCS, m².
    pd_threshold
        Pd of the best radar required to count a cell as covered.
    dem
        Optional :class:`iadsim.geo.terrain.Dem` for terrain masking; cells with terrain at or
        above ``alt_m`` are never covered.
    los_step_m
        Ray sampling spacing for terrain masking (default: DEM pixel size).
    chunk
        Cells per block (bounds memory at about ``chunk × S`` bytes plus ``chunk × 3`` floats).
    """
    if k_factor is None:
        k_factor = float(getattr(radars, "k_factor", K_EFFECTIVE))
    s_unit = unit_vectors(np.asarray(radars.lat_rad), np.asarray(radars.lon_rad))  # (S,3)
    cos_lo, cos_hi = detection_cos_threshold(
        radars, alt_m, rcs_m2, pd_threshold, k_factor=k_factor, radius_m=radius_m
    )
    inner = bool(np.any(cos_hi <= 1.0))
    sector = np.flatnonzero(np.asarray(radars.half_width_az_rad) < np.pi - 1e-9)
    n, s = grid.n, s_unit.shape[0]
    out = np.empty((n, s), dtype=bool)
    for a in range(0, n, chunk):
        u = grid.unit[a : a + chunk]
        # cos θ = u_c · u_s (central angle between cell and radar) — one small matrix product
        ct = u @ s_unit.T
        if inner:
            out[a : a + chunk] = (ct >= cos_lo) & (ct <= cos_hi)
        else:
            out[a : a + chunk] = ct >= cos_lo
    for js in sector:
        j = int(js)
        idx = np.flatnonzero(out[:, j])
        if idx.size:
            ok = _azimuth_ok(
                float(radars.lat_rad[j]), float(radars.lon_rad[j]),
                float(radars.boresight_az_rad[j]), float(radars.half_width_az_rad[j]), grid.unit[idx],
            )
            out[idx[~ok], j] = False
    if dem is not None:
        from iadsim.geo.terrain import terrain_los_mask

        terrain = dem.height_m(grid.lat_rad, grid.lon_rad)
        out[terrain >= alt_m, :] = False
        for j in range(s):
            idx = np.flatnonzero(out[:, j])
            if idx.size:
                ok = terrain_los_mask(
                    dem, s_unit[j], float(radars.alt_m[j]), grid.unit[idx], alt_m,
                    grid.unit[idx] @ s_unit[j], step_m=los_step_m, k_factor=k_factor, radius_m=radius_m,
                )
                out[idx[~ok], j] = False
    return out


def engagement_mask(
    fire_units: FireUnitLike,
    det: B,
    grid: Grid,
    alt_m: float,
    *,
    chunk: int = 262_144,
    radius_m: float = EARTH_RADIUS_M,
) -> B:
    """Which fire unit can engage over which cell, (N, F) bool.

    A cell is engageable by unit ``f`` when its slant range lies in ``[min_range, max_range]``,
    ``alt_m`` in ``[min_alt, max_alt]`` and ``any_s det[c, s] & cue_mask[f, s]``.
    """
    f_unit = unit_vectors(np.asarray(fire_units.lat_rad), np.asarray(fire_units.lon_rad))  # (F,3)
    h1 = np.asarray(fire_units.alt_m, dtype=np.float64)
    c_far = slant_range_cos(np.asarray(fire_units.max_range_m), h1, alt_m, radius_m)
    c_near = slant_range_cos(np.asarray(fire_units.min_range_m), h1, alt_m, radius_m)
    c_near = np.where(np.asarray(fire_units.min_range_m) <= np.abs(alt_m - h1), 2.0, c_near)
    alt_ok = (alt_m >= np.asarray(fire_units.min_alt_m)) & (alt_m <= np.asarray(fire_units.max_alt_m))
    cue = np.asarray(fire_units.cue_mask, dtype=np.float32)  # (F,S)
    n, f = grid.n, f_unit.shape[0]
    out = np.empty((n, f), dtype=bool)
    for a in range(0, n, chunk):
        u = grid.unit[a : a + chunk]
        ct = u @ f_unit.T  # (B,F) cos of central angle
        inside = (ct >= c_far) & ~(ct > c_near) & alt_ok
        # cued: any radar s with det[c,s] and cue_mask[f,s]  ⇔  (det · cueᵀ) > 0
        cued = (det[a : a + chunk].astype(np.float32) @ cue.T) > 0.5
        out[a : a + chunk] = inside & cued
    return out


# --------------------------------------------------------------------------------- results
@dataclass
class CoverageLayer:
    """Coverage at one (altitude, RCS): per-cell masks and layer counts."""

    alt_m: float
    rcs_m2: float
    det: B  # (N,S) radar detects
    eng: B  # (N,F) fire unit can engage

    @property
    def det_layers(self) -> NDArray[np.int16]:
        return self.det.sum(axis=1, dtype=np.int16)

    @property
    def eng_layers(self) -> NDArray[np.int16]:
        return self.eng.sum(axis=1, dtype=np.int16)


@dataclass
class CoverageResult:
    """All layers of one coverage run plus the grid and names."""

    grid: Grid
    site_names: list[str]
    radar_site: NDArray[np.int_]
    unit_site: NDArray[np.int_]
    layers: list[CoverageLayer] = field(default_factory=list)
    pd_threshold: float = 0.5
    region_name: str = ""
    region_geodesic_area_m2: float | None = None


def compute_coverage(
    radars: RadarLike,
    fire_units: FireUnitLike | None,
    grid: Grid,
    altitudes_m: Sequence[float],
    rcs_values_m2: Sequence[float],
    *,
    site_names: Sequence[str] | None = None,
    pd_threshold: float = 0.5,
    dem: Any = None,
    los_step_m: float | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> CoverageResult:
    """Coverage for every (altitude, RCS) pair.

    Parameters
    ----------
    radars, fire_units
        World arrays (``fire_units`` may be ``None``: detection only).
    grid
        Region cells.
    altitudes_m, rcs_values_m2
        Target altitudes above sea level (m) and RCS values (m²).
    site_names
        Names indexed by ``site_index``.
    progress
        Called as ``progress(done, total, label)`` after each pair.

    Raises
    ------
    InputError
        Bad altitude/RCS, or (with a DEM) an altitude below the terrain over the whole region.
    """
    if not altitudes_m or not rcs_values_m2:
        raise InputError("give at least one altitude and one RCS value")
    for h in altitudes_m:
        if not math.isfinite(h) or h < -500.0:
            raise InputError(f"altitude must be a number of metres ≥ −500 (got {h})")
    if dem is not None:
        reg = grid.region_mask  # the region's own cells (not the margin's sea)
        terrain = dem.height_m(grid.lat_rad[reg], grid.lon_rad[reg])
        tmin = float(terrain.min())
        for h in altitudes_m:
            if h <= tmin:
                raise InputError(
                    f"altitude {h:g} m is below the terrain over the whole region (lowest terrain "
                    f"{tmin:.0f} m above sea level); altitudes are above sea level, not above ground"
                )
        site_h = dem.height_m(np.asarray(radars.lat_rad), np.asarray(radars.lon_rad))
        below = np.flatnonzero(np.asarray(radars.alt_m) < site_h - 1.0)
        if below.size:
            j = int(below[0])
            raise InputError(
                f"radar {j} at site {int(radars.site_index[j])} is below the terrain: antenna at "
                f"{float(radars.alt_m[j]):.0f} m, terrain {float(site_h[j]):.0f} m above sea level "
                "(radars stand on the DEM they are compiled with; pass the same DEM to both)"
            )
    n_sites = int(max(np.max(radars.site_index, initial=-1), np.max(fire_units.site_index, initial=-1) if fire_units is not None else -1)) + 1
    names = list(site_names) if site_names is not None else [f"site{i}" for i in range(n_sites)]
    res = CoverageResult(
        grid=grid,
        site_names=names,
        radar_site=np.asarray(radars.site_index),
        unit_site=np.asarray(fire_units.site_index) if fire_units is not None else np.zeros(0, dtype=int),
        pd_threshold=pd_threshold,
    )
    total = len(altitudes_m) * len(rcs_values_m2)
    done = 0
    for h in altitudes_m:
        for rcs in rcs_values_m2:
            det = detection_mask(radars, grid, float(h), float(rcs), pd_threshold, dem=dem, los_step_m=los_step_m)
            if fire_units is not None and len(fire_units.site_index):
                eng = engagement_mask(fire_units, det, grid, float(h))
            else:
                eng = np.zeros((grid.n, 0), dtype=bool)
            res.layers.append(CoverageLayer(float(h), float(rcs), det, eng))
            done += 1
            if progress is not None:
                progress(done, total, f"altitude {h:g} m, RCS {rcs:g} m²")
    return res


def coverage_table(result: CoverageResult) -> list[dict[str, Any]]:
    """Covered area per (altitude, RCS), per site and composite, as rows of a table.

    Each row: ``alt_m, rcs_m2, site, kind (detection|engagement), area_km2, pct_region,
    max_layers, area_km2_all_cells``. ``site`` is a site name or ``"composite"`` (the union of all
    sites). ``area_km2``, ``pct_region`` and ``max_layers`` count the region's cells only
    (``Grid.region_mask``: the country, not the sea around it); ``area_km2_all_cells`` counts every
    cell of the grid, sea and neighbours included when the grid has a margin.
    """
    g = result.grid
    rows: list[dict[str, Any]] = []
    region_km2 = g.region_area_m2 / 1e6
    reg = g.region_mask
    for lay in result.layers:
        for kind, mask_all, owner in (("detection", lay.det, result.radar_site), ("engagement", lay.eng, result.unit_site)):
            any_all: B = np.asarray(mask_all.any(axis=1), dtype=bool) if mask_all.shape[1] else np.zeros(g.n, dtype=bool)
            mask = mask_all & reg[:, None]
            comp: B = np.asarray(mask.any(axis=1), dtype=bool) if mask.shape[1] else np.zeros(g.n, dtype=bool)
            layers = mask.sum(axis=1) if mask.shape[1] else np.zeros(g.n, dtype=int)
            entries: list[tuple[str, B, int, B]] = [("composite", comp, int(layers.max(initial=0)), any_all)]
            for si, name in enumerate(result.site_names):
                cols = np.flatnonzero(owner == si)
                if cols.size == 0:
                    continue
                m: B = np.asarray(mask[:, cols].any(axis=1), dtype=bool)
                entries.append((name, m, int(mask[:, cols].sum(axis=1).max(initial=0)), np.asarray(mask_all[:, cols].any(axis=1), dtype=bool)))
            for name, m, mx, m_all in entries:
                area_km2 = float(g.area_m2[m].sum()) / 1e6
                rows.append(
                    {
                        "alt_m": lay.alt_m,
                        "rcs_m2": lay.rcs_m2,
                        "site": name,
                        "kind": kind,
                        "area_km2": round(area_km2, 1),
                        "pct_region": round(100.0 * area_km2 / region_km2, 2) if region_km2 > 0 else 0.0,
                        "max_layers": mx,
                        "area_km2_all_cells": round(float(g.area_m2[m_all].sum()) / 1e6, 1),
                    }
                )
    return rows


def mask_to_geometry(grid: Grid, mask: B) -> Any:
    """Polygon outline (lon/lat degrees) of the cells where ``mask`` is true.

    Runs of consecutive covered cells in a row become one box; the boxes are merged with
    ``shapely.union_all`` (they do not overlap; rows' column edges need not align), giving the contour of the cell mask.
    """
    import shapely

    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return shapely.MultiPolygon()
    r, c = grid.row[idx], grid.col[idx]
    order = np.lexsort((c, r))
    r, c = r[order], c[order]
    brk = np.flatnonzero((np.diff(r) != 0) | (np.diff(c) != 1)) + 1
    starts = np.concatenate([[0], brk])
    ends = np.concatenate([brk, [r.size]]) - 1
    rr = r[starts]
    c0, c1 = c[starts], c[ends]
    lon0 = grid.row_lon0_rad[rr] + c0 * grid.row_dlon_rad[rr]
    lon1 = grid.row_lon0_rad[rr] + (c1 + 1) * grid.row_dlon_rad[rr]
    lat0 = grid.row_lat_rad[rr] - grid.dlat_rad / 2
    lat1 = grid.row_lat_rad[rr] + grid.dlat_rad / 2
    boxes = shapely.box(np.degrees(lon0), np.degrees(lat0), np.degrees(lon1), np.degrees(lat1))
    # boxes of adjacent rows overlap only along edges, so a plain union is exact
    return shapely.union_all(boxes, grid_size=None)


# ------------------------------------------------------------------------- scenario helpers
def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Parse ``"W,S,E,N"`` (degrees) into a tuple; :class:`InputError` on bad input."""
    try:
        parts = [float(p) for p in str(text).replace(" ", "").split(",")]
    except ValueError:
        raise InputError(f"--bbox must be four numbers W,S,E,N in degrees (got {text!r})") from None
    if len(parts) != 4:
        raise InputError(f"--bbox must be four numbers W,S,E,N in degrees (got {text!r})")
    w, s, e, n = parts
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise InputError(
            f"empty or invalid bounding box W,S,E,N = {text} (need west < east within ±180°, "
            "south < north within ±90°)"
        )
    return w, s, e, n


def resolve_region(
    scenario: Any = None, country: str | None = None, bbox: Sequence[float] | str | None = None
) -> tuple[Any, str, Any]:
    """The region to analyse: command-line country/box first, else the scenario's ``region``.

    Returns
    -------
    region : shapely geometry or (W,S,E,N) tuple — what :func:`make_grid` takes
    name : str — for titles
    outline : shapely geometry or None — for maps (the country polygon, or the box)

    Raises
    ------
    InputError
        Unknown country, bad box, both given, or no region anywhere.
    """
    import shapely

    from iadsim.geo.borders import canonical_country_name, country_polygon

    if country and bbox:
        raise InputError("give either --country or --bbox, not both")
    if country is None and bbox is None and scenario is not None and getattr(scenario, "region", None) is not None:
        country = scenario.region.country
        bbox = scenario.region.bbox_deg
    if country:
        geom = country_polygon(country)
        if bbox is not None:  # scenario gives both: the part of the country inside the box
            b = parse_bbox(bbox) if isinstance(bbox, str) else tuple(float(v) for v in bbox)
            geom = shapely.intersection(geom, shapely.box(*b))
            if geom.is_empty:
                raise InputError(f"the box {b} does not intersect {country}: empty region")
        return geom, canonical_country_name(country), geom
    if bbox is not None:
        b = parse_bbox(bbox) if isinstance(bbox, str) else parse_bbox(",".join(str(v) for v in bbox))
        return b, "box W,S,E,N = " + ",".join(f"{v:g}" for v in b), shapely.box(*b)
    raise InputError("no region: the scenario has no `region:`; give --country NAME or --bbox W,S,E,N")


def select_sites(scenario: Any, names: Sequence[str] | None) -> Any:
    """A copy of the scenario keeping only the named sites (exact names or ``prefix*``)."""
    if not names:
        return scenario
    import fnmatch

    kept = [s for s in scenario.sites if any(fnmatch.fnmatchcase(s.name, pat) for pat in names)]
    if not kept:
        raise InputError(
            f"no site matches {', '.join(names)}; the scenario's sites are: "
            + ", ".join(s.name for s in scenario.sites)
        )
    return scenario.model_copy(update={"sites": kept})


def world_arrays(scenario: Any, altitude_ref: str = "msl", dem: Any = None) -> tuple[Any, Any, list[str]]:
    """Radar and fire-unit arrays of a scenario for coverage, compiled as the engine does.

    Sites stand on the ground: the WGS84 ellipsoid without a DEM (so a radar is at its
    ``antenna_agl_m`` and heights above sea level and above ground coincide), the terrain of ``dem``
    (a :class:`iadsim.geo.terrain.Dem`) with one. ``altitude_ref`` (``"msl"`` or ``"agl"``) is
    checked but changes nothing: without a DEM both references are the same surface, and with a DEM
    target altitudes are above sea level (``"agl"`` is rejected by the CLI).
    """
    from iadsim.engine.world import compile_world

    if altitude_ref not in ("msl", "agl"):
        raise InputError(f"altitude reference must be 'msl' or 'agl' (got {altitude_ref!r})")
    world = compile_world(scenario, terrain=dem)
    return world.radars, world.fire_units, list(world.site_names)
