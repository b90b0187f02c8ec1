"""Fire-control radar scheduling: dedicated track dwells on engaged targets.

A fire-control (or multifunction) radar that supports an engagement schedules a track dwell on
the engaged target every ``track_update_s`` of that radar, independent of its search revisit.
Model of one dwell (equations in ``docs/models.md``):

* visibility: the same coverage test as search (:func:`iadsim.sensors.radar.visible`: range,
  altitude ceiling, 4/3-Earth line of sight, minimum elevation, field of regard);
* detection: Swerling 1 with the dwell's SNR raised by the track-dwell gain G over the search
  look, SNR_dwell = G · SNR_ref (R_ref/R)⁴ (σ/σ_ref), Pd = Pfa^(1/(1+SNR_dwell));
* measurement: the radar's range/azimuth/elevation noise, as for a search detection.

The fire-control radar *loses* the target when it leaves the radar's coverage (reason
``fc_out_of_coverage``) or after ``track_lost_dwells`` consecutive missed dwells
(``fc_missed_dwells``); the rounds it guides then lose guidance.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.geo.frames import ecef_to_geodetic_point, ecef_to_geodetic_terms, unit_sphere_vector
from iadsim.geo.horizon import EARTH_RADIUS_M
from iadsim.engine.eventbuf import emit
from iadsim.rng_kernels import next_double, standard_normal, states_of, store_states
from iadsim.tracking import kernels as _track_kernels  # a module reference: tracking.kernels imports this module too
from iadsim.sensors.radar import (
    Detections,
    RadarArrays,
    RadarGeometry,
    _kernel_columns,
    _measure_columns,
    _measured,
    _mod_two_pi,
    _scan_columns,
    false_alarm_kernel,
    merge_kernel,
    measured_kernel,
    no_detections,
    sense_kernel_ws,
    swerling1_snr_for_pd,
    unpack_detections,
)

#: Why a fire-control radar lost an engaged target (``reason`` of ``GuidanceLost`` events).
LOSS_REASONS: tuple[str, ...] = ("fc_out_of_coverage", "fc_missed_dwells")
FC_OUT_OF_COVERAGE, FC_MISSED_DWELLS = range(len(LOSS_REASONS))


def dwells_due(t_s: float, last_dwell_s: np.ndarray, update_s: np.ndarray) -> np.ndarray:
    """(D,) mask of maintained targets whose next track dwell falls due: t − t_last ≥ T_update."""
    last, upd = np.broadcast_arrays(np.asarray(last_dwell_s, np.float64), np.asarray(update_s, np.float64))
    return _dwells_due_kernel(float(t_s), np.ascontiguousarray(last).reshape(-1),
                              np.ascontiguousarray(upd).reshape(-1)).reshape(last.shape)  # fmt: skip


@njit(cache=True, error_model="numpy")
def due(t_s: float, last_dwell_s: float, update_s: float) -> bool:  # pragma: no cover - compiled
    """The dwell rule of one target: due ⇔ t − t_last ≥ T_update − 1e-9 (round-off of the clock)."""
    return t_s - last_dwell_s >= update_s - 1e-9


@njit(cache=True, error_model="numpy")
def object_due(s: int, last_dwell_s: float, update_s: float, t_s: float) -> bool:  # pragma: no cover - compiled
    """Whether a fire-control object has a track dwell due at ``t_s``: it is maintained (its radar
    ``s`` ≥ 0) and :func:`due` by that radar's update interval ``update_s`` (read by the caller
    only where s ≥ 0). The one selection test of :func:`dwell_selection` and :func:`any_due`.

    Scalars only: a compiled call with array arguments and a branch costs a reference count up
    and down per array that LLVM does not prune (≈ 25 ns a call, measured), which made a scan of
    256 objects 70× slower than the scan itself."""
    return s >= 0 and due(t_s, last_dwell_s, update_s)


@njit(cache=True, error_model="numpy")
def any_due(radar: np.ndarray, last_dwell_s: np.ndarray, update_s: np.ndarray, t_s: float) -> bool:  # pragma: no cover - compiled
    """Whether some object has a track dwell due at ``t_s`` (:func:`object_due`), asked first so that
    a tick without a due dwell builds no plan."""
    for o in range(radar.shape[0]):
        s = radar[o]
        if object_due(s, last_dwell_s[o], update_s[s] if s >= 0 else 0.0, t_s):
            return True
    return False


@njit(cache=True, error_model="numpy")
def _dwells_due_kernel(t_s: float, last_dwell_s: np.ndarray, update_s: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    out = np.empty(last_dwell_s.shape[0], np.bool_)
    for d in range(out.shape[0]):
        out[d] = due(t_s, last_dwell_s[d], update_s[d])
    return out


@njit(cache=True, error_model="numpy")
def pair_kernel(ecef_m: np.ndarray, enu_rot: np.ndarray, lat_rad: np.ndarray, lon_rad: np.ndarray, alt_m: np.ndarray,
                max_range_m: np.ndarray, max_alt_m: np.ndarray, min_el_rad: np.ndarray, boresight_rad: np.ndarray,
                half_width_rad: np.ndarray, k_factor: float, radar_idx: np.ndarray,
                tgt_ecef_m: np.ndarray) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """Geometry and smooth-Earth coverage of D (radar, point) pairs, one loop over the pairs.

    Per pair d (radar s = ``radar_idx[d]``, point x = ``tgt_ecef_m[d]``), the same equations as
    :func:`iadsim.sensors.radar.geometry` and :func:`iadsim.sensors.radar.visible`:

    * geodetic (φ, λ, h) of x: Heikkinen (1982) / Zhu (1993) closed form
      (:func:`iadsim.geo.frames.ecef_to_geodetic`);
    * ENU e = C_s (x − x_s); az = atan2(e, n) mod 2π, el = atan2(u, √(e² + n²)), R = |e|;
    * ground range d = Rₑ θ, θ = atan2(√((cosφ₂ sinΔλ)² + (cosφ₁ sinφ₂ − sinφ₁ cosφ₂ cosΔλ)²),
      sinφ₁ sinφ₂ + cosφ₁ cosφ₂ cosΔλ) (Vincenty);
    * refracted elevation el_r = atan2((h₂ − h₁) − 2 r₂ sin²(θ'/2), r₂ sin θ'), θ' = d/(kRₑ),
      r₂ = kRₑ + h₂ (heights clipped at 0);
    * visible ⇔ R ≤ R_max ∧ h ≤ h_max ∧ |θ'| ≤ α(h₁) + α(h₂) (α(h) = atan2(√(h(2kRₑ + h)), kRₑ))
      ∧ el_r ≥ el_min ∧ (|wrap(az − az_bore)| ≤ half width ∨ half width ≥ π).

    Parameters
    ----------
    ecef_m (S, 3), enu_rot (S, 3, 3), lat_rad, lon_rad, alt_m, max_range_m, max_alt_m, min_el_rad,
    boresight_rad, half_width_rad (S,) : the radars' columns (:class:`iadsim.sensors.radar.RadarArrays`).
    k_factor : effective-Earth factor. radar_idx : (D,) int64. tgt_ecef_m : (D, 3) points (m).

    Returns
    -------
    ``(enu (D, 3), az, el, range, ground, el_refracted, tgt_lat, tgt_lon, tgt_alt (D,) float64,
    visible (D,) bool)`` — angles in rad, lengths in m; ``visible`` without terrain masking.
    """
    D = radar_idx.shape[0]
    enu = np.empty((D, 3))
    az = np.empty(D)
    el = np.empty(D)
    rng = np.empty(D)
    ground = np.empty(D)
    el_refr = np.empty(D)
    t_lat = np.empty(D)
    t_lon = np.empty(D)
    t_alt = np.empty(D)
    vis = np.empty(D, np.bool_)
    for d in range(D):
        (enu[d, 0], enu[d, 1], enu[d, 2], az[d], el[d], rng[d], ground[d], el_refr[d], t_lat[d], t_lon[d], t_alt[d],
         vis[d]) = _pair_at(ecef_m, enu_rot, lat_rad, lon_rad, alt_m, max_range_m, max_alt_m, min_el_rad,
                            boresight_rad, half_width_rad, k_factor, radar_idx[d], tgt_ecef_m, d)  # fmt: skip
    return enu, az, el, rng, ground, el_refr, t_lat, t_lon, t_alt, vis


@njit(cache=True, error_model="numpy")
def pair_visible(ecef_m: np.ndarray, enu_rot: np.ndarray, lat_rad: np.ndarray, lon_rad: np.ndarray, alt_m: np.ndarray,
                 max_range_m: np.ndarray, max_alt_m: np.ndarray, min_el_rad: np.ndarray, boresight_rad: np.ndarray,
                 half_width_rad: np.ndarray, k_factor: float, radar_idx: np.ndarray,
                 tgt_ecef_m: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """``pair_kernel(...)[9]``: only the (D,) ``visible`` flags (the same per-pair rule, by
    :func:`_cover_point`: without the nine geometry columns the caller would drop and without
    the angles the rule only compares)."""
    D = radar_idx.shape[0]
    vis = np.empty(D, np.bool_)
    for d in range(D):
        vis[d] = _cover_at(ecef_m, enu_rot, alt_m, max_range_m, max_alt_m, min_el_rad, boresight_rad, half_width_rad,
                           k_factor, radar_idx[d], tgt_ecef_m, d)[4]  # fmt: skip
    return vis


@njit(cache=True, error_model="numpy")
def _cover_at(ecef_m: np.ndarray, enu_rot: np.ndarray, alt_m: np.ndarray, max_range_m: np.ndarray,
              max_alt_m: np.ndarray, min_el_rad: np.ndarray, boresight_rad: np.ndarray, half_width_rad: np.ndarray,
              k_factor: float, s: int, tgt_ecef_m: np.ndarray, d: int) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """:func:`_cover_point` of radar ``s`` of the radars' columns and point ``tgt_ecef_m[d]``."""
    return _cover_point(ecef_m[s, 0], ecef_m[s, 1], ecef_m[s, 2], enu_rot[s], alt_m[s], max_range_m[s], max_alt_m[s],
                        min_el_rad[s], boresight_rad[s], half_width_rad[s], k_factor, tgt_ecef_m[d, 0],
                        tgt_ecef_m[d, 1], tgt_ecef_m[d, 2])  # fmt: skip


@njit(cache=True, error_model="numpy")
def _cover_point(rx: float, ry: float, rz: float, C: np.ndarray, alt1: float, max_range: float, max_alt: float,
                 min_el: float, boresight: float, hw: float, k_factor: float, x: float, y: float,
                 z: float) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """``(e, n, u, range, visible)`` of one (radar, point) pair: :func:`_pair_point`'s ENU and range
    (the same bits) and its coverage rule without the angles it only compares (the search looks'
    form, :func:`iadsim.sensors.radar.near_pair_rows_ws`; docs/models.md "Search looks: coverage
    without the angles"), the tests in the order range, ceiling, sector, horizon, elevation, each
    taken only when the ones before pass. The radar's sin φ, cos φ, sin λ, cos λ are read off its
    ENU rotation ``C`` (up row (cos φ cos λ, cos φ sin λ, sin φ), east row (−sin λ, cos λ, 0), north
    row's z cos φ). A decision can differ from :func:`_pair_point`'s only where its two sides are
    within a rounding of each other."""
    dx, dy, dz = x - rx, y - ry, z - rz
    # summed as NumPy's einsum sums three terms, (c₀x₀ + c₂x₂) + c₁x₁: the same bits
    ee = (C[0, 0] * dx + C[0, 2] * dz) + C[0, 1] * dy
    nn = (C[1, 0] * dx + C[1, 2] * dz) + C[1, 1] * dy
    uu = (C[2, 0] * dx + C[2, 2] * dz) + C[2, 1] * dy
    horiz = math.hypot(ee, nn)
    rd = math.sqrt(horiz * horiz + uu * uu)
    if not rd <= max_range:
        return ee, nn, uu, rd, False
    h2raw, s2, c2, co2, so2 = ecef_to_geodetic_terms(x, y, z)
    if not h2raw <= max_alt:
        return ee, nn, uu, rd, False
    if not hw >= np.pi:
        if horiz > 0.0:  # cos(az − β) ≥ cos w ⇔ |wrap(az − β)| ≤ w (w < π)
            if not ee * math.sin(boresight) + nn * math.cos(boresight) >= horiz * math.cos(hw):
                return ee, nn, uu, rd, False
        else:  # straight above: atan2(±0, ±0) decides, as _pair_point
            azd = _mod_two_pi(math.atan2(ee, nn))
            if azd >= 2.0 * np.pi:
                azd = 0.0
            if not abs(_mod_two_pi(azd - boresight + np.pi) - np.pi) <= hw:
                return ee, nn, uu, rd, False
    # great-circle angle (Vincenty's atan2 form), Δλ by the difference formulas
    s1, c1, so1, co1 = C[2, 2], C[1, 2], -C[0, 0], C[0, 1]
    cdl = co2 * co1 + so2 * so1
    sdl = so2 * co1 - co2 * so1
    re = k_factor * EARTH_RADIUS_M
    theta = (EARTH_RADIUS_M * math.atan2(math.hypot(c2 * sdl, c1 * s2 - s1 * c2 * cdl), s1 * s2 + c1 * c2 * cdl)) / re
    h1 = max(alt1, 0.0)
    h2 = max(h2raw, 0.0)
    limit = math.atan2(math.sqrt(h1 * (2.0 * re + h1)), re) + math.atan2(math.sqrt(h2 * (2.0 * re + h2)), re)
    if not abs(theta) <= limit:
        return ee, nn, uu, rd, False
    r2 = re + h2
    sh = math.sin(0.5 * theta)
    elr = math.atan2((h2 - h1) - 2.0 * r2 * (sh * sh), r2 * math.sin(theta))
    return ee, nn, uu, rd, elr >= min_el


@njit(cache=True, error_model="numpy")
def _pair_at(ecef_m: np.ndarray, enu_rot: np.ndarray, lat_rad: np.ndarray, lon_rad: np.ndarray, alt_m: np.ndarray,
             max_range_m: np.ndarray, max_alt_m: np.ndarray, min_el_rad: np.ndarray, boresight_rad: np.ndarray,
             half_width_rad: np.ndarray, k_factor: float, s: int, tgt_ecef_m: np.ndarray,
             d: int) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """:func:`_pair_point` of radar ``s`` of the radars' columns and point ``tgt_ecef_m[d]`` (its 12 values)."""
    return _pair_point(ecef_m[s, 0], ecef_m[s, 1], ecef_m[s, 2], enu_rot[s, 0, 0], enu_rot[s, 0, 1], enu_rot[s, 0, 2],
                       enu_rot[s, 1, 0], enu_rot[s, 1, 1], enu_rot[s, 1, 2], enu_rot[s, 2, 0], enu_rot[s, 2, 1],
                       enu_rot[s, 2, 2], lat_rad[s], lon_rad[s], alt_m[s], max_range_m[s], max_alt_m[s], min_el_rad[s],
                       boresight_rad[s], half_width_rad[s], k_factor, tgt_ecef_m[d, 0], tgt_ecef_m[d, 1],
                       tgt_ecef_m[d, 2])  # fmt: skip


@njit(cache=True, error_model="numpy")
def _pair_point(rx: float, ry: float, rz: float, c00: float, c01: float, c02: float, c10: float, c11: float,
                c12: float, c20: float, c21: float, c22: float, lat1: float, lon1: float, alt1: float,
                max_range: float, max_alt: float, min_el: float, boresight: float, hw: float, k_factor: float,
                x: float, y: float, z: float) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """One (radar, point (x, y, z)) pair of :func:`pair_kernel`, the radar's columns as scalars (its
    ECEF position, ENU rotation C row-major, latitude, longitude, height, limits, boresight, half
    width): ``(e, n, u, az, el, range, ground, el_refracted, lat, lon, alt, visible)`` (scalars
    in and out: no array, so no reference counting per pair)."""
    re = k_factor * EARTH_RADIUS_M
    two_pi = 2.0 * np.pi
    # geodetic position of the point (the one compiled kernel of frames.ecef_to_geodetic)
    lat2, lon2, h2raw = ecef_to_geodetic_point(x, y, z)
    # ENU and azimuth / elevation / range (frames.enu_to_aer)
    dx, dy, dz = x - rx, y - ry, z - rz
    # summed as NumPy's einsum sums three terms, (c₀x₀ + c₂x₂) + c₁x₁: the same bits
    ee = (c00 * dx + c02 * dz) + c01 * dy
    nn = (c10 * dx + c12 * dz) + c11 * dy
    uu = (c20 * dx + c22 * dz) + c21 * dy
    horiz = math.hypot(ee, nn)
    azd = _mod_two_pi(math.atan2(ee, nn))
    if azd >= two_pi:
        azd = 0.0
    eld = math.atan2(uu, horiz)
    rd = math.sqrt(horiz * horiz + uu * uu)
    # great-circle ground range (frames.great_circle_angle_rad)
    dl = lon2 - lon1
    s1, c1, s2, c2 = math.sin(lat1), math.cos(lat1), math.sin(lat2), math.cos(lat2)
    cdl, sdl = math.cos(dl), math.sin(dl)
    gd = EARTH_RADIUS_M * math.atan2(math.hypot(c2 * sdl, c1 * s2 - s1 * c2 * cdl), s1 * s2 + c1 * c2 * cdl)
    # refracted elevation over the k·Rₑ Earth (horizon.refracted_elevation_rad)
    theta = gd / re
    h1 = max(alt1, 0.0)
    h2 = max(h2raw, 0.0)
    r2 = re + h2
    sh = math.sin(0.5 * theta)
    elr = math.atan2((h2 - h1) - 2.0 * r2 * (sh * sh), r2 * math.sin(theta))
    # coverage (radar.visible without terrain)
    limit = math.atan2(math.sqrt(h1 * (2.0 * re + h1)), re) + math.atan2(math.sqrt(h2 * (2.0 * re + h2)), re)
    daz = _mod_two_pi(azd - boresight + np.pi) - np.pi
    vis = ((rd <= max_range) and (h2raw <= max_alt) and (abs(theta) <= limit)
           and (elr >= min_el) and ((abs(daz) <= hw) or (hw >= np.pi)))  # fmt: skip
    return ee, nn, uu, azd, eld, rd, gd, elr, lat2, lon2, h2raw, vis


def _pairs(radars: RadarArrays, radar_idx: np.ndarray, tgt_ecef_m: np.ndarray) -> tuple:
    """:func:`pair_kernel` on a :class:`RadarArrays`, then the terrain line of sight (if any)."""
    idx = np.ascontiguousarray(radar_idx, np.int64)
    tgt = np.ascontiguousarray(tgt_ecef_m, np.float64).reshape(-1, 3)
    out = pair_kernel(radars.ecef_m, radars.enu_rot, radars.lat_rad, radars.lon_rad, radars.alt_m, radars.max_range_m,
                      radars.max_alt_m, radars.min_elevation_rad, radars.boresight_az_rad, radars.half_width_az_rad,
                      float(radars.k_factor), idx, tgt)  # fmt: skip
    dem = radars.terrain
    vis = out[9]
    if dem is not None:
        # under a DEM: the same terrain line-of-sight kernel as search coverage
        # (radar.terrain_visible) on each (radar, point) pair that passes the smooth-Earth rule
        k = np.flatnonzero(vis)
        if len(k):
            from iadsim.geo.terrain import terrain_los_mask

            sk = idx[k]
            s_unit = unit_sphere_vector(radars.lat_rad[sk], radars.lon_rad[sk])
            t_unit = unit_sphere_vector(out[6][k], out[7][k])
            cos_t = np.einsum("ij,ij->i", s_unit, t_unit)
            vis[k] = terrain_los_mask(dem, s_unit, radars.alt_m[sk], t_unit, out[8][k], cos_t,
                                      k_factor=radars.k_factor, radius_m=EARTH_RADIUS_M)  # fmt: skip
    return idx, out


def pair_geometry(radars: RadarArrays, radar_idx: np.ndarray, tgt_ecef_m: np.ndarray) -> tuple[RadarArrays, RadarGeometry]:
    """Geometry of D (radar, point) pairs, as a (D, 1) :class:`RadarGeometry` of the pairs' radars.

    Same quantities as :func:`iadsim.sensors.radar.geometry` (ENU, range/az/el, refracted
    elevation, great-circle ground range), computed per pair (:func:`pair_kernel`) instead of for
    every combination, so that :func:`iadsim.sensors.radar.visible` (the one coverage rule)
    applies unchanged.

    Returns ``(sub, geom)``: the radars of the pairs (D, repeats allowed) and their geometry.
    """
    idx = np.asarray(radar_idx, np.int64)
    sub = radars._subset(idx)  # per pair: not cached (the pairs change every tick)
    enu, az, el, rng, ground, el_refr, t_lat, t_lon, t_alt, _ = pair_kernel(
        radars.ecef_m, radars.enu_rot, radars.lat_rad, radars.lon_rad, radars.alt_m, radars.max_range_m,
        radars.max_alt_m, radars.min_elevation_rad, radars.boresight_az_rad, radars.half_width_az_rad,
        float(radars.k_factor), np.ascontiguousarray(idx), np.ascontiguousarray(tgt_ecef_m, np.float64).reshape(-1, 3))  # fmt: skip
    col = (lambda a: a[:, None])  # noqa: E731 - (D,) → (D, 1)
    geom = RadarGeometry(enu_m=enu[:, None, :], range_m=col(rng), az_rad=col(az), el_rad=col(el),
                         el_refracted_rad=col(el_refr), ground_range_m=col(ground), tgt_alt_m=t_alt,
                         tgt_lat_rad=t_lat, tgt_lon_rad=t_lon)  # fmt: skip
    return sub, geom


def pair_visibility(radars: RadarArrays, radar_idx: np.ndarray, tgt_ecef_m: np.ndarray) -> np.ndarray:
    """(D,) coverage of point ``d`` by radar ``radar_idx[d]``.

    The search coverage rule itself (:func:`iadsim.sensors.radar.visible`: range, ceiling,
    4/3-Earth line of sight, minimum elevation, field of regard), evaluated per pair by
    :func:`pair_kernel`; under a terrain model the remaining pairs also need the terrain line of
    sight (:func:`iadsim.geo.terrain.terrain_los_mask`, as :func:`iadsim.sensors.radar.terrain_visible`).
    """
    if len(radar_idx) == 0:
        return np.zeros(0, bool)
    return np.asarray(_pairs(radars, radar_idx, tgt_ecef_m)[1][9])


@njit(cache=True, error_model="numpy")
def dwell_selection(radar: np.ndarray, last_dwell_s: np.ndarray, row_of: np.ndarray, truth: np.ndarray, active: np.ndarray,
                    update_s: np.ndarray, t_s: float, n_objects: int) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """The track dwells due at t on maintained targets, and what each beam illuminates.

    Rules, per fire-control object o (in increasing o) with a maintaining radar s = ``radar[o]`` ≥ 0:

    * due ⇔ t − t_last(o) ≥ T_update(s) − 1e-9 (:func:`due`, :func:`dwells_due`);
    * the beam illuminates the object the track follows, tr = ``truth[row_of[o]]`` (−1 without a
      live row); it is *present* iff tr ≥ 0 and object tr is active (physics only: whether it is
      detected depends on geometry and SNR; no decision reads this label);
    * one echo per (radar, object): of the present dwells with the same (s, tr) only the first
      (lowest o) keeps its echo, the others are not present (a duplicate or swapped track misses).

    Parameters
    ----------
    radar, last_dwell_s, row_of : (objects,) per fire-control object (radar −1: not maintained).
    truth : (rows,) truth label of each track row. active : (N,) objects that exist now.
    update_s : (S,) track-dwell interval of each radar. n_objects : N (key range of the echo rule).

    Returns
    -------
    ``(obj, radar, row, has_row, truth, present)`` (D,) each: the due dwells in increasing object
    id, their radar, track row (0 where none), whether the row exists, the illuminated object
    (−1 none) and whether it echoes.
    """
    n = radar.shape[0]
    cnt = 0
    for o in range(n):
        s = radar[o]
        if object_due(s, last_dwell_s[o], update_s[s] if s >= 0 else 0.0, t_s):
            cnt += 1
    obj = np.empty(cnt, np.int64)
    rr = np.empty(cnt, np.int64)
    row = np.empty(cnt, np.int64)
    has_row = np.empty(cnt, np.bool_)
    tr = np.empty(cnt, np.int64)
    present = np.empty(cnt, np.bool_)
    key = np.empty(cnt, np.int64)
    d = 0
    for o in range(n):
        s = radar[o]
        if object_due(s, last_dwell_s[o], update_s[s] if s >= 0 else 0.0, t_s):
            r = row_of[o]
            obj[d], rr[d] = o, s
            has_row[d] = r >= 0
            row[d] = max(r, 0)
            x = truth[r] if r >= 0 else -1
            tr[d] = x
            p = x >= 0 and active[x]
            key[d] = s * (n_objects + 1) + max(x, 0)
            if p:
                for j in range(d):  # an earlier dwell of this radar already gets this object's echo
                    if present[j] and key[j] == key[d]:
                        p = False
                        break
            present[d] = p
            d += 1
    return obj, rr, row, has_row, tr, present


@njit(cache=True, error_model="numpy")
def dwell_kernel(ecef_m: np.ndarray, enu_rot: np.ndarray, lat_rad: np.ndarray, lon_rad: np.ndarray, alt_m: np.ndarray,
                 max_range_m: np.ndarray, max_alt_m: np.ndarray, min_el_rad: np.ndarray, boresight_rad: np.ndarray,
                 half_width_rad: np.ndarray, k_factor: float, ref_range_m: np.ndarray, ref_rcs_m2: np.ndarray,
                 snr_ref: np.ndarray, pfa: np.ndarray, radar_idx: np.ndarray, tgt_ecef_m: np.ndarray, rcs_m2: np.ndarray,
                 present: np.ndarray, gain: np.ndarray, vis_given: bool, vis_in: np.ndarray, row: np.ndarray,
                 st: np.ndarray) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """D track dwells up to the angles: coverage, Pd, draws, the detected pairs' atan2 arguments.

    Per pair d (radar s = ``radar_idx[d]``): geometry and coverage of :func:`pair_kernel` (its
    per-pair rule by :func:`_cover_point`: the ENU, range and visibility; or
    ``vis_in`` when ``vis_given``: the terrain-masked coverage of :func:`_pairs`);
    SNR = (G_d · SNR_ref(s)) (R_ref/R)⁴ (σ/σ_ref), Pd = Pfa^(1/(1+SNR)) if visible ∧ present else 0
    (SNR_ref = ln Pfa / ln Pd_ref − 1, ``snr_ref`` (S,)). Draws, per stream (state row ``row[d]``
    of ``st``) in this order: one uniform per pair (detected iff u < Pd), then three standard
    normals per detection in pair order — a Generator's ``random(D)`` then
    ``standard_normal((M, 3))`` when all rows are one stream (bit-identical: :mod:`iadsim.rng_kernels`).

    Returns ``(visible (D,), detected (D,), k (M,) detected pairs, noise (M, 3), num (2M,),
    den (2M,), range (M,))``; az = atan2(num[:M], den[:M]), el = atan2(num[M:], den[M:]) are left
    to NumPy's ``arctan2`` (its last bits differ from libm's).
    """
    D = radar_idx.shape[0]
    # the ENU, range and coverage of each pair (_cover_point: pair_kernel's, the angle-free tests)
    enu = np.empty((D, 3))
    rng_m = np.empty(D)
    vis = np.empty(D, np.bool_)
    for d in range(D):
        e_d, n_d, u_d, r_d, v_d = _cover_at(ecef_m, enu_rot, alt_m, max_range_m, max_alt_m, min_el_rad, boresight_rad,
                                            half_width_rad, k_factor, radar_idx[d], tgt_ecef_m, d)  # fmt: skip
        enu[d, 0], enu[d, 1], enu[d, 2] = e_d, n_d, u_d
        rng_m[d] = r_d
        vis[d] = v_d
    if vis_given:
        vis = vis_in.copy()
    det = np.zeros(D, np.bool_)
    m = 0
    for d in range(D):
        s = radar_idx[d]
        pd = 0.0
        if vis[d] and present[d]:
            ratio = ref_range_m[s] / rng_m[d]
            snr = (gain[d] * snr_ref[s]) * ratio**4.0 * (rcs_m2[d] / ref_rcs_m2[s])
            pd = pfa[s] ** (1.0 / (1.0 + snr))
        if next_double(st, row[d]) < pd:
            det[d] = True
            m += 1
    k = np.flatnonzero(det)
    noise = np.empty((m, 3))
    num, den, r0 = np.empty(2 * m), np.empty(2 * m), np.empty(m)
    for j in range(m):
        d = k[j]
        for c in range(3):
            noise[j, c] = standard_normal(st, row[d])
        e, n = enu[d, 0], enu[d, 1]
        num[j], den[j] = e, n
        num[m + j], den[m + j] = enu[d, 2], math.hypot(e, n)
        r0[j] = rng_m[d]
    return vis, det, k, noise, num, den, r0


def _dwell_columns(radars: RadarArrays) -> tuple:
    """Per-radar arguments of :func:`dwell_kernel` up to ``pfa``, contiguous, cached on the instance."""
    cols: tuple | None = radars.__dict__.get("_dwell_cols")
    if cols is None:
        c = np.ascontiguousarray
        cols = (c(radars.ecef_m, np.float64), c(radars.enu_rot, np.float64), c(radars.lat_rad, np.float64),
                c(radars.lon_rad, np.float64), c(radars.alt_m, np.float64), c(radars.max_range_m, np.float64),
                c(radars.max_alt_m, np.float64), c(radars.min_elevation_rad, np.float64),
                c(radars.boresight_az_rad, np.float64), c(radars.half_width_az_rad, np.float64),
                float(radars.k_factor), c(radars.ref_range_m, np.float64), c(radars.ref_rcs_m2, np.float64),
                c(swerling1_snr_for_pd(radars.ref_pd, radars.pfa), np.float64), c(radars.pfa, np.float64))  # fmt: skip
        object.__setattr__(radars, "_dwell_cols", cols)
    return cols


_NO_VIS = np.zeros(0, np.bool_)


@njit(cache=True, error_model="numpy")
def dwell_plan(radar: np.ndarray, last_dwell_s: np.ndarray, row_of: np.ndarray, truth: np.ndarray, active: np.ndarray,
               update_s: np.ndarray, t_s: float, n_objects: int) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """:func:`dwell_selection` as one (6, D) int64 array: obj, radar, row, has_row, truth, present (0/1).

    One returned array instead of six (each array a compiled function returns costs the caller a
    Python-level unpickle of its type).
    """
    obj, rr, row, has_row, tr, present = dwell_selection(radar, last_dwell_s, row_of, truth, active, update_s, t_s,
                                                         n_objects)  # fmt: skip
    D = obj.shape[0]
    plan = np.empty((6, D), np.int64)
    for d in range(D):
        plan[0, d], plan[1, d], plan[2, d] = obj[d], rr[d], row[d]
        plan[3, d], plan[4, d], plan[5, d] = 1 if has_row[d] else 0, tr[d], 1 if present[d] else 0
    return plan


def track_dwells(
    radars: RadarArrays,
    radar_idx: np.ndarray,
    target: np.ndarray,
    tgt_ecef_m: np.ndarray,
    rcs_m2: np.ndarray,
    present: np.ndarray,
    gain: np.ndarray,
    t_s: float,
    rng: np.random.Generator | np.ndarray,
    stream_row: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, Detections]:
    """One track dwell per pair (radar ``radar_idx[d]`` on the object at ``tgt_ecef_m[d]``).

    Random draws, in this order: one uniform per pair (detection iff present ∧ visible ∧
    u < Pd_dwell), then (M, 3) standard normals for the range/az/el noise of the M detections
    (compiled, :func:`dwell_kernel`).

    Parameters
    ----------
    radar_idx : (D,) radar of each dwell. target : (D,) index of the object illuminated (for the
        detection record; −1 where the track follows nothing). tgt_ecef_m : (D, 3) where the dwell
        looks (the object's true position if it exists, else the track's prediction).
    rcs_m2 : (D,) object RCS. present : (D,) the object exists (alive, real).
    gain : (D,) track-dwell SNR gain G (linear) of each radar.
    rng : a Generator (its state is handed back), or PCG64 states (n, 4) uint64
        (:func:`iadsim.rng_kernels.states_of`, advanced in place) with ``stream_row`` (D,) the
        state row each pair draws from (default row 0 for all).

    Returns
    -------
    ``(visible (D,), detected (D,), detections)``; the detections are ordered as the pairs.
    """
    D = len(radar_idx)
    if D == 0:
        return np.zeros(0, bool), np.zeros(0, bool), no_detections(t_s)
    c = np.ascontiguousarray
    idx = c(radar_idx, np.int64)
    tgt = c(tgt_ecef_m, np.float64).reshape(-1, 3)
    vis_in = _pairs(radars, idx, tgt)[1][9] if radars.terrain is not None else _NO_VIS
    gens = [rng] if isinstance(rng, np.random.Generator) else None
    st = states_of(gens) if gens is not None else rng
    row = np.zeros(D, np.int64) if stream_row is None else c(stream_row, np.int64)
    vis, det, k, noise, num, den, r0 = dwell_kernel(*_dwell_columns(radars), idx, tgt, c(rcs_m2, np.float64),
                                                    c(present, np.bool_), c(gain, np.float64),
                                                    radars.terrain is not None, vis_in, row, st)  # fmt: skip
    if gens is not None:
        store_states(gens, st)
    m = k.shape[0]
    if m == 0:
        return vis, det, no_detections(t_s)
    ang = np.arctan2(num, den)  # NumPy's arctan2 (the compiled libm atan2 may differ in the last bit)
    return vis, det, _measured(radars, t_s, idx[k], c(np.asarray(target)[k], np.int64), r0, ang[:m], ang[m:], noise)


@njit(cache=True, error_model="numpy")
def loss_rule(visible: bool, detected: bool, missed_before: int, lost_after: float) -> tuple:  # pragma: no cover - compiled
    """Missed-dwell bookkeeping and loss rule of one dwell (:func:`lost_targets`): ``(missed, lost, reason)``."""
    missed = 0 if detected else missed_before + 1
    return missed, (not visible) or missed >= lost_after, FC_OUT_OF_COVERAGE if not visible else FC_MISSED_DWELLS


@njit(cache=True, error_model="numpy")
def _lost_kernel(vis: np.ndarray, det: np.ndarray, before: np.ndarray, after: np.ndarray) -> tuple:  # pragma: no cover - compiled
    n = vis.shape[0]
    missed, lost, why = np.empty(n, np.int64), np.empty(n, np.bool_), np.empty(n, np.int64)
    for d in range(n):
        missed[d], lost[d], why[d] = loss_rule(vis[d], det[d], before[d], after[d])
    return missed, lost, why


def lost_targets(vis: np.ndarray, detected: np.ndarray, missed_before: np.ndarray, lost_after: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Missed-dwell bookkeeping and loss rule.

    missed = 0 after a detection, missed + 1 after a miss; lost ⇔ ¬visible (reason
    ``fc_out_of_coverage``) ∨ missed ≥ ``lost_after`` (reason ``fc_missed_dwells``)
    (compiled: :func:`loss_rule`, the rule the engine's :func:`dwell_pass` applies).

    Returns ``(missed (D,), lost (D,) bool, reason (D,) code into LOSS_REASONS)``.
    """
    v, d, b, a = np.broadcast_arrays(np.asarray(vis, np.bool_), np.asarray(detected, np.bool_),
                                     np.asarray(missed_before, np.int64), np.asarray(lost_after, np.float64))  # fmt: skip
    c = np.ascontiguousarray
    return _lost_kernel(c(v).reshape(-1), c(d).reshape(-1), c(b).reshape(-1), c(a).reshape(-1))


@njit(cache=True, error_model="numpy")
def dwell_pass_kernel(ecef_m: np.ndarray, enu_rot: np.ndarray, lat_rad: np.ndarray, lon_rad: np.ndarray,
                      alt_m: np.ndarray, max_range_m: np.ndarray, max_alt_m: np.ndarray, min_el_rad: np.ndarray,
                      boresight_rad: np.ndarray, half_width_rad: np.ndarray, k_factor: float, ref_range_m: np.ndarray,
                      ref_rcs_m2: np.ndarray, snr_ref: np.ndarray, pfa: np.ndarray, plan: np.ndarray,
                      xp: np.ndarray, pos: np.ndarray, rcs_all: np.ndarray,
                      gain_s: np.ndarray, lost_after_s: np.ndarray, missed_before: np.ndarray, vis_given: bool,
                      vis_in: np.ndarray, st: np.ndarray) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """The due track dwells of one tick (after :func:`dwell_selection`), up to the angles.

    ``plan`` (6, D) from :func:`dwell_plan`. Per dwell d (radar s = ``plan[1, d]``, illuminated
    object o = ``plan[4, d]``, present ``plan[5, d]``, row exists ``plan[3, d]``): the beam looks at the
    object's true position ``pos[o]`` when it is present, else at the track's prediction
    ``xp[d]``; RCS σ(max(o, 0)), gain G(s); the object echoes iff present ∧ the track row exists;
    then :func:`dwell_kernel` (coverage, Pd, the draws from the one stream ``st`` row 0) and
    :func:`loss_rule` with T_lost(s) on the dwell's ``missed_before``.

    Returns ``(dd (3, D): missed, lost (0/1), reason; ids (2, M): radar, object of the M
    detections; fl (8M,): num | den | range | noise (M, 3), as :func:`iadsim.sensors.radar.sense_kernel`)``.
    """
    D = plan.shape[1]
    rr = plan[1].copy()
    tr = plan[4].copy()
    present = plan[5] != 0
    has_row = plan[3] != 0
    look = np.empty((D, 3))
    rcs = np.empty(D)
    gain = np.empty(D)
    echo = np.empty(D, np.bool_)
    for d in range(D):
        o = max(tr[d], 0)
        for c in range(3):
            look[d, c] = pos[o, c] if present[d] else xp[d, c]
        rcs[d] = rcs_all[o]
        gain[d] = gain_s[rr[d]]
        echo[d] = present[d] and has_row[d]
    vis, det, k, noise, num, den, r0 = dwell_kernel(ecef_m, enu_rot, lat_rad, lon_rad, alt_m, max_range_m, max_alt_m,
                                                    min_el_rad, boresight_rad, half_width_rad, k_factor, ref_range_m,
                                                    ref_rcs_m2, snr_ref, pfa, rr, look, rcs, echo, gain, vis_given,
                                                    vis_in, np.zeros(D, np.int64), st)  # fmt: skip
    dd = np.empty((3, D), np.int64)
    for d in range(D):
        missed, lost, why = loss_rule(vis[d], det[d], missed_before[d], lost_after_s[rr[d]])
        dd[0, d], dd[1, d], dd[2, d] = missed, 1 if lost else 0, why
    ids, fl = pack_dwell_detections(rr, tr, k, num, den, r0, noise)
    return dd, ids, fl


@njit(cache=True, error_model="numpy")
def pack_dwell_detections(radar: np.ndarray, target: np.ndarray, k: np.ndarray, num: np.ndarray, den: np.ndarray,
                          r0: np.ndarray, noise: np.ndarray) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """The M = len(k) detections of :func:`dwell_kernel` (dwells ``k`` of the pairs ``radar``,
    ``target``) packed as :func:`iadsim.sensors.radar.sense_kernel` packs its own: ids (2, M) radar,
    object; fl (8M,) num (2M) | den (2M) | range (M) | noise (M, 3)."""
    m = k.shape[0]
    ids = np.empty((2, m), np.int64)
    fl = np.empty(8 * m)
    for j in range(m):
        ids[0, j], ids[1, j] = radar[k[j]], target[k[j]]
        fl[j], fl[m + j], fl[2 * m + j], fl[3 * m + j] = num[j], num[m + j], den[j], den[m + j]
        fl[4 * m + j] = r0[j]
        for c in range(3):
            fl[5 * m + 3 * j + c] = noise[j, c]
    return ids, fl


def dwell_pass(radars: RadarArrays, plan: np.ndarray, xp: np.ndarray, pos: np.ndarray, rcs_m2: np.ndarray, gain_s: np.ndarray, lost_after_s: np.ndarray,
               missed_before: np.ndarray, t_s: float,
               st: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, Detections]:  # fmt: skip
    """The due track dwells of one tick: :func:`dwell_pass_kernel`, NumPy's arctan2, the measurements.

    Parameters
    ----------
    plan : (6, D) from :func:`dwell_plan`. xp : (D, 3) the tracks'
    predicted positions (m). pos : (N, 3) true positions, rcs_m2 : (N,) RCS of the objects.
    gain_s, lost_after_s : (S,) dwell gain and missed dwells to loss of each radar.
    missed_before : (D,) consecutive missed dwells so far. st : (1, 4) PCG64 state of the stream
    the dwells draw from (advanced in place).

    Returns ``(missed (D,), lost (D,) bool, reason (D,), detections)``.
    """
    c = np.ascontiguousarray
    vis_in = _NO_VIS
    if radars.terrain is not None:  # the terrain-masked coverage of _pairs (the kernel recomputes the rest)
        look = np.where(plan[5][:, None] != 0, pos[np.maximum(plan[4], 0)], xp)
        vis_in = c(_pairs(radars, plan[1], look)[1][9], np.bool_)
    dd, ids, fl = dwell_pass_kernel(*_dwell_columns(radars), plan, c(xp, np.float64),
                                    c(pos, np.float64), c(rcs_m2, np.float64), c(gain_s, np.float64),
                                    c(lost_after_s, np.float64), c(missed_before, np.int64),
                                    radars.terrain is not None, vis_in, st)  # fmt: skip
    if ids.shape[1] == 0:
        dets = no_detections(t_s)
    else:
        dets = unpack_detections(ids, measured_kernel(ids, fl, *_measure_columns(radars)), t_s)
    return dd[0], dd[1] != 0, dd[2], dets


# --------------------------------------------------------------------------------------------
# The sensing phase of one engine tick as one compiled call
# --------------------------------------------------------------------------------------------

#: ``int(iadsim.engine.events.EventKind.Detection)`` (events imports this module; a test checks the value)
_DETECTION_KIND = 2
_NO_ALT = np.zeros(0)


@njit(cache=True, error_model="numpy")
def due_dwells(dwell_cols: tuple, fc_radar: np.ndarray, last_dwell: np.ndarray, fc_row: np.ndarray, truth: np.ndarray,
               active: np.ndarray, update_s: np.ndarray, t_s: float, pos: np.ndarray, trk_x: np.ndarray,
               trk_t: np.ndarray, rcs: np.ndarray, gain_s: np.ndarray, lost_after_s: np.ndarray, fc_missed: np.ndarray,
               sensor_st: np.ndarray) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """The fire-control dwells due at ``t_s`` (CV tracks, smooth Earth): :func:`dwell_plan`, the tracks'
    CV predicted positions, :func:`dwell_pass_kernel` (draws on ``sensor_st``) on each object's
    missed-dwell count before. Nothing is written. Returns ``(obj (D,), dd (3, D), ids (2, M), fl (8M,))``."""
    if not any_due(fc_radar, last_dwell, update_s, t_s):
        return np.zeros(0, np.int64), np.zeros((3, 0), np.int64), np.zeros((2, 0), np.int64), np.zeros(0)
    plan = dwell_plan(fc_radar, last_dwell, fc_row, truth, active, update_s, t_s, pos.shape[0])
    D = plan.shape[1]
    if D == 0:
        return np.zeros(0, np.int64), np.zeros((3, 0), np.int64), np.zeros((2, 0), np.int64), np.zeros(0)
    obj = plan[0].copy()
    xp = _track_kernels.cv_positions_rows(trk_x, trk_t, plan[2].copy(), t_s)
    before = np.empty(D, np.int64)
    for d in range(D):
        before[d] = fc_missed[obj[d]]
    c = dwell_cols
    dd, dids, dfl = dwell_pass_kernel(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12],
                                      c[13], c[14], plan, xp, pos, rcs, gain_s, lost_after_s, before, False, _NO_VIS,
                                      sensor_st)  # fmt: skip
    return obj, dd, dids, dfl


@njit(cache=True, error_model="numpy")
def merge_packed(ids: np.ndarray, f: np.ndarray, ids_b: np.ndarray, f_b: np.ndarray, n_targets: int,
                 one_echo: bool) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """:func:`iadsim.sensors.radar.merge_kernel` (``Detections.merge``) of two packed detection sets:
    ``ids`` (≥ 2, M) radar, target rows and ``f`` (18·M,), then ``ids_b``, ``f_b`` (M'). Either part
    empty: the other is returned as it is (as ``Detections.merge``)."""
    ma, mb = ids.shape[1], ids_b.shape[1]
    if ma == 0:
        return ids_b, f_b
    if mb == 0:
        return ids, f
    return merge_kernel(ids[0].copy(), ids[1].copy(), f[:ma], f[ma : 2 * ma], f[2 * ma : 3 * ma],
                        f[3 * ma : 6 * ma].reshape(ma, 3), f[6 * ma : 9 * ma].reshape(ma, 3),
                        f[9 * ma :].reshape(ma, 3, 3), ids_b[0].copy(), ids_b[1].copy(), f_b[:mb], f_b[mb : 2 * mb],
                        f_b[2 * mb : 3 * mb], f_b[3 * mb : 6 * mb].reshape(mb, 3), f_b[6 * mb : 9 * mb].reshape(mb, 3),
                        f_b[9 * mb :].reshape(mb, 3, 3), n_targets, one_echo)  # fmt: skip


@njit(cache=True, error_model="numpy")
def append_false_alarms(ids: np.ndarray, f: np.ndarray, sense_cols: tuple, scan_cols: tuple, meas_cols: tuple,
                        t_s: float, dt_s: float, radar_row: np.ndarray, radar_st: np.ndarray,
                        clutter_per_scan: float) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """The search looks' packed detections ``ids``, ``f`` with the tick's false alarms appended
    (``Detections.concat(search, false alarms)``): :func:`iadsim.sensors.radar.false_alarm_kernel`
    on the radars' stream rows ``radar_row`` of ``radar_st``, after the search looks' draws. The
    one helper of :func:`sensing_phase` and the networked sensing
    (:func:`iadsim.engine.tick_loop.network_sensing`); the argument tuples are
    :func:`sensing_columns`'."""
    sr, sa, se, r_ecef, r_rot = meas_cols
    fa_ids, fa_f = false_alarm_kernel(scan_cols[0], scan_cols[1], t_s, dt_s, sense_cols[5], sense_cols[8],
                                      sense_cols[9], sense_cols[7], sr, sa, se, r_ecef, r_rot, radar_row, radar_st,
                                      clutter_per_scan)  # fmt: skip
    return merge_packed(ids, f, fa_ids, fa_f, 0, False)


@njit(cache=True, error_model="numpy")
def sensing_phase(sense_cols: tuple, scan_cols: tuple, meas_cols: tuple, dwell_cols: tuple, t_s: float, dt_s: float,
                  pos: np.ndarray, rcs_search: np.ndarray, rcs_dwell: np.ndarray, active: np.ndarray,
                  radar_row: np.ndarray, radar_st: np.ndarray, radar_site: np.ndarray, radar_rank: np.ndarray,
                  do_dwells: bool, fc_radar: np.ndarray, last_dwell: np.ndarray, fc_row: np.ndarray,
                  truth: np.ndarray, update_s: np.ndarray, trk_x: np.ndarray, trk_t: np.ndarray, gain_s: np.ndarray,
                  lost_after_s: np.ndarray, fc_missed: np.ndarray, sensor_st: np.ndarray, emit_rows: bool,
                  buf: Any, ws: tuple, clutter_per_scan: float) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """Phase 2 of an engine tick (smooth Earth, CV tracks, no network): one call.

    1. search looks: :func:`iadsim.sensors.radar.sense_kernel_ws` (scan rule, coverage, Pd, the draws
       on each radar's stream row ``radar_row[s]`` of ``radar_st``; its work arrays ``ws``,
       :func:`iadsim.sensors.radar.sense_workspace`, kept by the caller) and
       :func:`iadsim.sensors.radar.measured_kernel` (NumPy's arctan2, noisy measurements); then,
       with ``clutter_per_scan`` > 0, the scanning radars' false alarms
       (:func:`iadsim.sensors.radar.false_alarm_kernel`: their draws on the same stream rows, after
       the search looks' draws, as :func:`iadsim.sensors.radar.false_alarms` makes them) appended;
    2. with ``do_dwells``: the fire-control dwells due (:func:`dwell_plan`), the tracks' CV
       predictions p⁻ = p + (t − t_row) v (:func:`iadsim.tracking.kernels.cv_positions_rows`),
       :func:`dwell_pass_kernel` (draws on ``sensor_st``), their measurements; ``last_dwell[obj] = t``
       and ``fc_missed[obj] = missed`` written in place;
    3. the one-echo merge (:func:`iadsim.sensors.radar.merge_kernel`, N = ``pos.shape[0]``);
    4. with ``emit_rows`` and no guidance loss this tick, one ``Detection`` row per detection
       (sensor, site, threat, range, x/y/z ECEF) through ``buf``, in detection order
       (:func:`emit_detection_rows`).

    Returns ``(ids (4, M): sensor, target, site, rank; fl (18·M,) packed as merge_kernel's;
    obj (D,) dwell objects; dd (3, D) missed, lost (0/1), reason; emitted (bool))``. When a dwell
    lost a target (``dd[1]`` nonzero) nothing is emitted: the caller cuts guidance (GuidanceLost
    rows come first) and then emits the Detection rows (:func:`emit_detection_rows`).
    """
    ids, fl = sense_kernel_ws(sense_cols[0], sense_cols[1], sense_cols[2], sense_cols[3], sense_cols[4],
                              sense_cols[5], sense_cols[6], sense_cols[7], sense_cols[8], sense_cols[9],
                              sense_cols[10], sense_cols[11], sense_cols[12], sense_cols[13], sense_cols[14],
                              sense_cols[15], sense_cols[16], scan_cols[0], scan_cols[1], t_s, dt_s, pos, rcs_search,
                              active, False, _NO_ALT, radar_row, radar_st, ws)  # fmt: skip
    sr, sa, se, r_ecef, r_rot = meas_cols
    f = measured_kernel(ids, fl, sr, sa, se, r_ecef, r_rot)
    if clutter_per_scan > 0.0:
        ids, f = append_false_alarms(ids, f, sense_cols, scan_cols, meas_cols, t_s, dt_s, radar_row, radar_st,
                                     clutter_per_scan)  # fmt: skip
    obj = np.zeros(0, np.int64)
    dd = np.zeros((3, 0), np.int64)
    if do_dwells and any_due(fc_radar, last_dwell, update_s, t_s):
        obj, dd, dids, dfl = due_dwells(dwell_cols, fc_radar, last_dwell, fc_row, truth, active, update_s, t_s, pos,
                                        trk_x, trk_t, rcs_dwell, gain_s, lost_after_s, fc_missed, sensor_st)  # fmt: skip
        D = obj.shape[0]
        if D > 0:
            for d in range(D):
                last_dwell[obj[d]] = t_s
                fc_missed[obj[d]] = dd[0, d]
            if dids.shape[1] > 0:
                ids, f = merge_packed(ids, f, dids, measured_kernel(dids, dfl, sr, sa, se, r_ecef, r_rot), pos.shape[0],
                                      True)  # fmt: skip
    m = ids.shape[1]
    out = np.empty((4, m), np.int64)
    for j in range(m):
        s = ids[0, j]
        out[0, j], out[1, j], out[2, j], out[3, j] = s, ids[1, j], radar_site[s], radar_rank[s]
    n_lost = 0
    for d in range(dd.shape[1]):
        n_lost += dd[1, d]
    emitted = emit_rows and n_lost == 0
    if emitted:
        emit_detection_rows(buf, t_s, out, f)
    return out, f, obj, dd, emitted


@njit(cache=True, error_model="numpy")
def emit_detection_rows(buf: Any, t_s: float, ids: np.ndarray, f: np.ndarray) -> None:  # pragma: no cover - compiled
    """One ``Detection`` row per detection of ``ids`` (4, M) (sensor, target, site, rank) and ``f``
    (18·M,) (:func:`iadsim.sensors.radar.merge_kernel`'s packing): sensor, site, threat, range and
    the ECEF position, in detection order."""
    m = ids.shape[1]
    for j in range(m):
        emit(buf, _DETECTION_KIND, t_s, threat=ids[1, j], site=ids[2, j], sensor=ids[0, j], range_m=f[j],
             x_m=f[6 * m + 3 * j], y_m=f[6 * m + 3 * j + 1], z_m=f[6 * m + 3 * j + 2])  # fmt: skip


def sensing_columns(radars: RadarArrays) -> tuple:
    """(sense, scan, measure, dwell) per-radar argument tuples of :func:`sensing_phase` (cached)."""
    return _kernel_columns(radars), _scan_columns(radars), _measure_columns(radars), _dwell_columns(radars)
