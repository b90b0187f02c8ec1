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

from dataclasses import replace

import numpy as np

from iadsim.geo.frames import aer_to_enu, ecef_to_geodetic, enu_to_aer, great_circle_angle_rad, unit_sphere_vector
from iadsim.geo.horizon import EARTH_RADIUS_M, refracted_elevation_rad
from iadsim.sensors.radar import (
    Detections,
    RadarArrays,
    RadarGeometry,
    converted_covariance_ecef,
    snr_from_reference,
    swerling1_pd,
    swerling1_snr_for_pd,
    visible,
)

#: Why a fire-control radar lost an engaged target (``reason`` of ``GuidanceLost`` events).
LOSS_REASONS: tuple[str, ...] = ("fc_out_of_coverage", "fc_missed_dwells")
FC_OUT_OF_COVERAGE, FC_MISSED_DWELLS = range(len(LOSS_REASONS))


def dwells_due(t_s: float, last_dwell_s: np.ndarray, update_s: np.ndarray) -> np.ndarray:
    """(D,) mask of maintained targets whose next track dwell falls due: t − t_last ≥ T_update."""
    return np.asarray(t_s - last_dwell_s >= update_s - 1e-9)


def pair_geometry(radars: RadarArrays, radar_idx: np.ndarray, tgt_ecef_m: np.ndarray) -> tuple[RadarArrays, RadarGeometry]:
    """Geometry of D (radar, point) pairs, as a (D, 1) :class:`RadarGeometry` of the pairs' radars.

    Same quantities as :func:`iadsim.sensors.radar.geometry` (ENU, range/az/el, refracted
    elevation, great-circle ground range), computed per pair instead of for every combination,
    so that :func:`iadsim.sensors.radar.visible` (the one coverage rule) applies unchanged.

    Returns ``(sub, geom)``: the radars of the pairs (D, repeats allowed) and their geometry.
    """
    sub = radars._subset(np.asarray(radar_idx, np.int64))  # per pair: not cached (the pairs change every tick)
    tgt = np.asarray(tgt_ecef_m, np.float64).reshape(-1, 3)
    t_lat, t_lon, t_alt = ecef_to_geodetic(tgt)
    enu = np.einsum("dij,dj->di", sub.enu_rot, tgt - sub.ecef_m)
    az, el, rng = enu_to_aer(enu)
    ground = EARTH_RADIUS_M * great_circle_angle_rad(sub.lat_rad, sub.lon_rad, t_lat, t_lon)
    el_refr = refracted_elevation_rad(ground, sub.alt_m, t_alt, k=sub.k_factor)
    col = (lambda a: np.asarray(a)[:, None])  # noqa: E731 - (D,) → (D, 1)
    geom = RadarGeometry(enu_m=enu[:, None, :], range_m=col(rng), az_rad=col(az), el_rad=col(el),
                         el_refracted_rad=col(el_refr), ground_range_m=col(ground), tgt_alt_m=np.asarray(t_alt),
                         tgt_lat_rad=np.asarray(t_lat), tgt_lon_rad=np.asarray(t_lon))  # fmt: skip
    return sub, geom


def pair_visibility(radars: RadarArrays, radar_idx: np.ndarray, tgt_ecef_m: np.ndarray) -> np.ndarray:
    """(D,) coverage of point ``d`` by radar ``radar_idx[d]``.

    The search coverage rule itself (:func:`iadsim.sensors.radar.visible`: range, ceiling,
    4/3-Earth line of sight, minimum elevation, field of regard) on the (D, 1) pair geometry; the
    pair's target altitude is given as a (D, 1) column, so every comparison of ``visible``
    broadcasts row by row (result (1, D, 1) → (D,)).
    """
    if len(radar_idx) == 0:
        return np.zeros(0, bool)
    sub, geom = pair_geometry(radars, radar_idx, tgt_ecef_m)
    return _visible_pairs(sub, geom)


def _visible_pairs(sub: RadarArrays, geom: RadarGeometry) -> np.ndarray:
    g = replace(geom, tgt_alt_m=np.asarray(geom.tgt_alt_m).reshape(-1, 1))
    dem = sub.terrain
    if dem is None:
        return np.asarray(visible(sub, g)).reshape(-1)
    # under a DEM: the smooth-Earth rule on the pairs, then the same terrain line-of-sight kernel
    # as search coverage (radar.terrain_visible) on each remaining (radar, point) pair
    vis = np.asarray(visible(replace(sub, terrain=None), g)).reshape(-1)
    k = np.flatnonzero(vis)
    if len(k):
        from iadsim.geo.terrain import terrain_los_mask

        assert geom.tgt_lat_rad is not None and geom.tgt_lon_rad is not None
        s_unit = unit_sphere_vector(sub.lat_rad[k], sub.lon_rad[k])
        t_unit = unit_sphere_vector(geom.tgt_lat_rad[k], geom.tgt_lon_rad[k])
        cos_t = np.einsum("ij,ij->i", s_unit, t_unit)
        vis[k] = terrain_los_mask(dem, s_unit, sub.alt_m[k], t_unit, np.asarray(geom.tgt_alt_m)[k], cos_t,
                                  k_factor=sub.k_factor, radius_m=EARTH_RADIUS_M)  # fmt: skip
    return vis


def track_dwells(
    radars: RadarArrays,
    radar_idx: np.ndarray,
    target: np.ndarray,
    tgt_ecef_m: np.ndarray,
    rcs_m2: np.ndarray,
    present: np.ndarray,
    gain: np.ndarray,
    t_s: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, Detections]:
    """One track dwell per pair (radar ``radar_idx[d]`` on the object at ``tgt_ecef_m[d]``).

    Random draws, in this order: one uniform per pair (detection iff present ∧ visible ∧
    u < Pd_dwell), then (M, 3) standard normals for the range/az/el noise of the M detections.

    Parameters
    ----------
    radar_idx : (D,) radar of each dwell. target : (D,) index of the object illuminated (for the
        detection record; −1 where the track follows nothing). tgt_ecef_m : (D, 3) where the dwell
        looks (the object's true position if it exists, else the track's prediction).
    rcs_m2 : (D,) object RCS. present : (D,) the object exists (alive, real).
    gain : (D,) track-dwell SNR gain G (linear) of each radar.

    Returns
    -------
    ``(visible (D,), detected (D,), detections)``; the detections are ordered as the pairs.
    """
    D = len(radar_idx)
    if D == 0:
        return np.zeros(0, bool), np.zeros(0, bool), Detections.empty(t_s)
    sub, geom = pair_geometry(radars, radar_idx, tgt_ecef_m)
    vis = _visible_pairs(sub, geom)
    rng_m = geom.range_m[:, 0]
    snr = snr_from_reference(rng_m, rcs_m2, sub.ref_range_m, sub.ref_rcs_m2, gain * swerling1_snr_for_pd(sub.ref_pd, sub.pfa))
    pd = np.where(vis & present, swerling1_pd(snr, sub.pfa), 0.0)
    u = rng.random(D)
    det = u < pd
    k = np.flatnonzero(det)
    if len(k) == 0:
        return vis, det, Detections.empty(t_s)
    noise = rng.standard_normal((len(k), 3))
    r = rng_m[k] + sub.sigma_range_m[k] * noise[:, 0]
    az = np.mod(geom.az_rad[k, 0] + sub.sigma_az_rad[k] * noise[:, 1], 2 * np.pi)
    el = geom.el_rad[k, 0] + sub.sigma_el_rad[k] * noise[:, 2]
    z_enu = aer_to_enu(az, el, r)
    rot = sub.enu_rot[k]
    z_ecef = sub.ecef_m[k] + np.einsum("mji,mj->mi", rot, z_enu)
    R = converted_covariance_ecef(r, az, el, sub.sigma_range_m[k], sub.sigma_az_rad[k], sub.sigma_el_rad[k], rot)
    dets = Detections(sensor=np.asarray(radar_idx[k], np.int64), target=np.asarray(target[k], np.int64), time_s=float(t_s),
                      range_m=r, az_rad=az, el_rad=el, z_enu_m=z_enu, z_ecef_m=z_ecef, R_ecef=R)  # fmt: skip
    return vis, det, dets


def lost_targets(vis: np.ndarray, detected: np.ndarray, missed_before: np.ndarray, lost_after: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Missed-dwell bookkeeping and loss rule.

    missed = 0 after a detection, missed + 1 after a miss; lost ⇔ ¬visible (reason
    ``fc_out_of_coverage``) ∨ missed ≥ ``lost_after`` (reason ``fc_missed_dwells``).

    Returns ``(missed (D,), lost (D,) bool, reason (D,) code into LOSS_REASONS)``.
    """
    missed = np.where(detected, 0, missed_before + 1)
    lost = ~vis | (missed >= lost_after)
    reason = np.where(~vis, FC_OUT_OF_COVERAGE, FC_MISSED_DWELLS)
    return missed, lost, reason
