"""Readable results: entity tables, geodetic columns and sampled true trajectories.

The events table holds integer indices and ECEF metres (the engine's own frame). This module
derives, from the compiled world and the events only (it never runs the engine loop):

* entity tables ``threats``, ``sites``, ``radars``, ``fire_units``, ``assets``, ``interceptors``
  (one row per entity: its index as used in the events, name, type/class and position in
  latitude/longitude/altitude), so every event id joins to a name;
* ``lat_deg, lon_deg, alt_m`` columns beside ``x_m, y_m, z_m`` in the events and track states
  (WGS84 geodetic of the ECEF point, heights above the ellipsoid; NaN where the event has no
  position);
* ``truth``: true trajectories of threats and interceptors sampled every ``sample_s`` seconds and
  at each one's start and end.

Threat truth comes from the world's movers (``mover.state(t)`` is a deterministic function of time);
a threat's trajectory ends at its ``Intercept`` or ``Leak`` event, otherwise at its arrival or the end
of the run. Interceptor truth follows the analytic flyout model (:mod:`iadsim.weapons.flyout`): a
straight line from the launcher, flown at constant speed from the ``Launch`` event to the
``Intercept`` point (or, for a ``Miss``, the threat's true position at the miss time).

The threat ``class`` column is the truth label: it is written for scoring and display only.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from iadsim.geo import frames
from iadsim.scenario.schema import THREAT_CLASSES

__all__ = ["entity_tables", "with_geodetic", "truth_table", "extra_tables", "DEFAULT_SAMPLE_S"]

#: Spacing of the true-trajectory samples (s).
DEFAULT_SAMPLE_S = 5.0


def _geo_cols(ecef: np.ndarray) -> dict[str, np.ndarray]:
    """Geodetic columns of (N, 3) ECEF metres; NaN rows stay NaN."""
    ecef = np.asarray(ecef, float).reshape(-1, 3)
    ok = np.isfinite(ecef).all(axis=1)
    lat = np.full(len(ecef), np.nan)
    lon = np.full(len(ecef), np.nan)
    alt = np.full(len(ecef), np.nan)
    if ok.any():
        la, lo, al = frames.ecef_to_geodetic(ecef[ok])
        lat[ok], lon[ok], alt[ok] = np.degrees(la), np.degrees(lo), al
    return {"lat_deg": lat, "lon_deg": lon, "alt_m": alt}


def with_geodetic(tbl: pa.Table) -> pa.Table:
    """``tbl`` with ``lat_deg, lon_deg, alt_m`` appended, from its ``x_m, y_m, z_m`` ECEF columns.

    Parameters
    ----------
    tbl
        Any table with float columns ``x_m, y_m, z_m`` (ECEF, m), e.g. events or track states.
    """
    if tbl.num_rows == 0 or "lat_deg" in tbl.column_names:
        if "lat_deg" not in tbl.column_names:
            for c in ("lat_deg", "lon_deg", "alt_m"):
                tbl = tbl.append_column(c, pa.array([], pa.float64()))
        return tbl
    xyz = np.column_stack([tbl.column(c).to_numpy(zero_copy_only=False) for c in ("x_m", "y_m", "z_m")])
    for c, v in _geo_cols(xyz).items():
        tbl = tbl.append_column(c, pa.array(v, pa.float64()))
    return tbl


def _site_sensor_types(world: Any) -> list[str]:
    """Catalogue radar type of each radar, in the world's radar order (sites, then sensors)."""
    return [s.type for site in world.scenario.sites for s in site.sensors]


def entity_tables(world: Any) -> dict[str, pa.Table]:
    """One table per entity kind; the first column is the index used in the events.

    Returns
    -------
    dict
        ``threats, sites, radars, fire_units, assets, interceptors`` → pyarrow tables.
    """
    sc = world.scenario
    th = world.threats
    N = len(th)
    out: dict[str, pa.Table] = {}

    # threats: start position from the mover at launch
    if N:
        lt = np.asarray(th.launch_time_s, float)
        start = np.full((N, 3), np.nan)
        for t in np.unique(lt):
            m = lt == t
            start[m] = world.threats.mover.state(float(t)).pos_ecef_m[m]
    else:
        start = np.zeros((0, 3))
    raid = np.asarray(th.raid_index, np.int64)
    counter = np.zeros(max(len(world.raid_names), 1), np.int64)
    names = []
    for r in raid:  # at the edge: N small strings
        names.append(f"{world.raid_names[r]}#{counter[r]}")
        counter[r] += 1
    out["threats"] = pa.table({
        "threat": np.arange(N, dtype=np.int64),
        "name": pa.array(names, pa.string()),
        "raid": pa.array([world.raid_names[r] for r in raid], pa.string()),
        "type": pa.array([world.threat_types[i] for i in th.type_index], pa.string()),
        "class": pa.array([THREAT_CLASSES[i] for i in th.class_index], pa.string()),
        "target_asset": np.asarray(th.target_asset, np.int64),
        "target_name": pa.array([world.assets.name[i] for i in th.target_asset], pa.string()),
        "launch_time_s": np.asarray(th.launch_time_s, float),
        "arrival_time_s": np.asarray(th.arrival_time_s, float),
        "rcs_m2": np.asarray(th.rcs_m2, float),
        "cost_usd": np.asarray(th.cost_usd, float),
        **{k: v for k, v in _geo_cols(start).items()},
        "friendly": np.zeros(N, bool),
    })  # fmt: skip
    fr = _friendly_rows(world)
    if fr is not None:
        out["threats"] = pa.concat_tables([out["threats"], fr])

    sites = sc.sites
    out["sites"] = pa.table({
        "site": np.arange(len(sites), dtype=np.int64),
        "name": pa.array([s.name for s in sites], pa.string()),
        "lat_deg": np.array([s.lat_deg for s in sites], float),
        "lon_deg": np.array([s.lon_deg for s in sites], float),
        # ground under the site above the WGS84 ellipsoid (0 on the smooth Earth; the DEM under terrain: dem)
        "alt_m": _ground_m(world, [s.lat_deg for s in sites], [s.lon_deg for s in sites]),
        "n_radars": np.array([len(s.sensors) for s in sites], np.int64),
        "n_fire_units": np.array([len(s.fire_units) for s in sites], np.int64),
    })  # fmt: skip

    r = world.radars
    site_idx = np.asarray(r.site_index, np.int64)
    out["radars"] = pa.table({
        "sensor": np.arange(len(r), dtype=np.int64),
        "name": pa.array(list(r.name), pa.string()),
        "type": pa.array(_site_sensor_types(world), pa.string()),
        "site": site_idx,
        "site_name": pa.array([world.site_names[i] for i in site_idx], pa.string()),
        "lat_deg": np.degrees(np.asarray(r.lat_rad, float)),
        "lon_deg": np.degrees(np.asarray(r.lon_rad, float)),
        "alt_m": np.asarray(r.alt_m, float),
        "max_range_m": np.asarray(r.max_range_m, float),
        "max_alt_m": np.asarray(r.max_alt_m, float),
    })  # fmt: skip

    f = world.fire_units
    fsite = np.asarray(f.site_index, np.int64)
    out["fire_units"] = pa.table({
        "fire_unit": np.arange(len(f), dtype=np.int64),
        "name": pa.array(list(f.name), pa.string()),
        "system": pa.array(list(f.system), pa.string()),
        "site": fsite,
        "site_name": pa.array([world.site_names[i] for i in fsite], pa.string()),
        "lat_deg": np.degrees(np.asarray(f.lat_rad, float)),
        "lon_deg": np.degrees(np.asarray(f.lon_rad, float)),
        "alt_m": np.asarray(f.alt_m, float),
        "max_range_m": np.asarray(f.max_range_m, float),
        "max_alt_m": np.asarray(f.max_alt_m, float),
        "magazine": np.asarray(f.magazine, np.int64).sum(axis=1) if len(f) else np.zeros(0, np.int64),
        "doctrine": pa.array(list(f.doctrine), pa.string()),
    })  # fmt: skip

    a = world.assets
    out["assets"] = pa.table({
        "asset": np.arange(len(a), dtype=np.int64),
        "name": pa.array(list(a.name), pa.string()),
        "lat_deg": np.degrees(np.asarray(a.lat_rad, float)),
        "lon_deg": np.degrees(np.asarray(a.lon_rad, float)),
        "alt_m": np.asarray(a.alt_m, float),
        "value": np.asarray(a.value, float),
    })  # fmt: skip

    ic = world.interceptors
    carried = np.asarray(f.magazine) > 0 if len(f) else np.zeros((0, len(ic.ids)), bool)

    def over_carriers(arr: np.ndarray, how: str) -> np.ndarray:
        arr = np.asarray(arr, float)
        if arr.size == 0:
            return np.zeros(len(ic.ids))
        masked = np.where(carried, arr, np.nan)
        with warnings.catch_warnings():  # all-NaN columns (no public cost) stay NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmax(masked, axis=0) if how == "max" else np.nanmean(masked, axis=0)

    out["interceptors"] = pa.table({
        "interceptor_type": np.arange(len(ic.ids), dtype=np.int64),
        "name": pa.array(list(ic.ids), pa.string()),
        "max_range_m": over_carriers(ic.max_range_m, "max"),
        "max_alt_m": over_carriers(ic.max_alt_m, "max"),
        "speed_mps": over_carriers(ic.speed_mps, "mean"),
        "cost_usd": over_carriers(ic.cost_usd, "mean"),
        "rounds": np.asarray(f.magazine, np.int64).sum(axis=0) if len(f) else np.zeros(len(ic.ids), np.int64),
    })  # fmt: skip
    return out


def _friendly_rows(world: Any) -> pa.Table | None:
    """Rows of the friendly aircraft for the ``threats`` table (object indices N … N+N_f−1).

    Friendlies are sensed objects, so events name them in the ``threat`` column; their rows carry
    ``friendly = true``, the flight in ``raid``, no target (−1) and an infinite arrival time.
    """
    names = tuple(getattr(world, "friendly_names", ()) or ())
    if not names:
        return None
    o = world.sensed
    n_h, n_f = len(world.threats), len(names)
    idx = np.arange(n_h, n_h + n_f)
    lt = np.asarray(o.launch_time_s, float)[idx]
    start = np.full((n_f, 3), np.nan)
    for t in np.unique(lt):
        m = lt == t
        start[m] = o.mover.state(float(t)).pos_ecef_m[idx[m]]
    flights = {fl.name: fl.type for fl in world.scenario.friendly_flights}
    flight = [nm.rsplit("#", 1)[0] for nm in names]
    return pa.table({
        "threat": idx.astype(np.int64),
        "name": pa.array(list(names), pa.string()),
        "raid": pa.array(flight, pa.string()),
        "type": pa.array([flights[f] for f in flight], pa.string()),
        "class": pa.array([THREAT_CLASSES[i] for i in np.asarray(o.class_index)[idx]], pa.string()),
        "target_asset": np.full(n_f, -1, np.int64),
        "target_name": pa.array([""] * n_f, pa.string()),
        "launch_time_s": lt,
        "arrival_time_s": np.full(n_f, np.inf),
        "rcs_m2": np.asarray(o.rcs_m2, float)[idx],
        "cost_usd": np.full(n_f, np.nan),
        **{k: v for k, v in _geo_cols(start).items()},
        "friendly": np.ones(n_f, bool),
    })  # fmt: skip


def _col(tbl: pa.Table, name: str) -> np.ndarray:
    return tbl.column(name).to_numpy(zero_copy_only=False)


def _threat_end_times(world: Any, events: pa.Table) -> np.ndarray:
    """End of each threat's true trajectory (s): its kill or leak event, else arrival / run end."""
    th = world.threats
    N = len(th)
    end = np.minimum(np.asarray(th.arrival_time_s, float), float(world.scenario.duration_s))
    kind = _col(events, "kind").astype(str)
    t = _col(events, "time_s")
    thr = _col(events, "threat")
    m = np.isin(kind, ("Intercept", "Leak")) & (thr >= 0) & (thr < N)
    if m.any():
        first = np.full(N, np.inf)
        np.minimum.at(first, thr[m], t[m])
        end = np.minimum(end, first)
    return end


def _threat_truth(world: Any, events: pa.Table, sample_s: float) -> dict[str, np.ndarray]:
    th = world.threats
    N = len(th)
    if N == 0:
        return {}
    launch = np.asarray(th.launch_time_s, float)
    end = np.maximum(_threat_end_times(world, events), launch)
    grid = np.arange(0.0, float(world.scenario.duration_s) + 1e-9, sample_s)
    grid = grid[(grid >= launch.min()) & (grid <= end.max())]
    ids: list[np.ndarray] = []
    ts: list[np.ndarray] = []
    pos: list[np.ndarray] = []
    # grid samples of every threat in flight, then each threat's own launch and end sample;
    # one vectorised mover query per distinct time (not per threat)
    own_t = np.concatenate([launch, end])
    own_id = np.concatenate([np.arange(N), np.arange(N)])
    all_t = np.unique(np.concatenate([grid, own_t]))
    on_grid = np.isin(all_t, grid)
    for t, g in zip(all_t, on_grid):
        live = np.flatnonzero((launch < t) & (t < end)) if g else np.zeros(0, np.int64)
        own = own_id[own_t == t]
        sel = np.unique(np.concatenate([live, own]))
        if not len(sel):
            continue
        st = th.mover.state(float(t))
        ids.append(sel)
        ts.append(np.full(len(sel), t))
        pos.append(st.pos_ecef_m[sel])
    idx = np.concatenate(ids)
    tt = np.concatenate(ts)
    order = np.lexsort((tt, idx))
    return {"id": idx[order], "time_s": tt[order], "xyz": np.concatenate(pos)[order]}


def _interceptor_truth(world: Any, events: pa.Table, sample_s: float) -> dict[str, np.ndarray]:
    kind = _col(events, "kind").astype(str)
    shot = _col(events, "shot")
    t = _col(events, "time_s")
    lm = (kind == "Launch") & (shot >= 0)
    reason = _col(events, "reason").astype(str)
    em = (np.isin(kind, ("Intercept", "Miss")) | ((kind == "Fratricide") & (reason == "friendly_destroyed"))) & (shot >= 0)
    if not lm.any() or not em.any():
        return {}
    l_shot, l_t, l_fu = shot[lm], t[lm], _col(events, "fire_unit")[lm]
    e_shot, e_t, e_thr = shot[em], t[em], _col(events, "threat")[em]
    e_xyz = np.column_stack([_col(events, c)[em] for c in ("x_m", "y_m", "z_m")])
    # the threat's true position where the event has no point (a miss)
    need = ~np.isfinite(e_xyz).all(axis=1) & (e_thr >= 0)
    for tu in np.unique(e_t[need]):
        m = need & (e_t == tu)
        # object indices: hostile threats, then friendlies (a round at a friendly)
        e_xyz[m] = getattr(world, "sensed", world.threats).mover.state(float(tu)).pos_ecef_m[e_thr[m]]
    # join launch → end by shot id
    order = np.argsort(e_shot, kind="stable")
    pos = np.searchsorted(e_shot[order], l_shot)
    pos = np.clip(pos, 0, len(order) - 1)
    j = order[pos]
    ok = (e_shot[j] == l_shot) & np.isfinite(e_xyz[j]).all(axis=1) & (e_t[j] >= l_t)
    if not ok.any():
        return {}
    s_id, t0, t1 = l_shot[ok], l_t[ok], e_t[j][ok]
    p0 = np.asarray(world.fire_units.ecef_m, float).reshape(-1, 3)[l_fu[ok]]
    p1 = e_xyz[j][ok]
    # samples: start, every sample_s, end (straight line, constant speed)
    n_mid = np.floor((t1 - t0) / sample_s - 1e-9).astype(np.int64).clip(min=0)
    counts = n_mid + 2
    rep = np.repeat(np.arange(len(s_id)), counts)
    k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    ts = t0[rep] + k * sample_s
    ts = np.where(k == counts[rep] - 1, t1[rep], np.minimum(ts, t1[rep]))
    dur = np.where(t1 > t0, t1 - t0, 1.0)
    u = ((ts - t0[rep]) / dur[rep])[:, None]
    xyz = p0[rep] + u * (p1[rep] - p0[rep])
    return {"id": s_id[rep], "time_s": ts, "xyz": xyz}


def truth_table(world: Any, events: pa.Table, sample_s: float = DEFAULT_SAMPLE_S) -> pa.Table:
    """True trajectories: one row per (entity, sample time).

    Columns ``entity`` (``"threat"`` or ``"interceptor"``), ``id`` (threat index or shot id, as in
    the events), ``time_s``, ``x_m, y_m, z_m`` (ECEF), ``lat_deg, lon_deg, alt_m``; sorted by entity,
    id, time.

    Parameters
    ----------
    world
        The compiled :class:`~iadsim.engine.world.World` of the run.
    events
        The run's events table.
    sample_s
        Sample spacing (s); each trajectory also has its exact start and end sample.
    """
    if sample_s <= 0:
        raise ValueError(f"sample_s must be > 0 (got {sample_s})")
    parts = []
    for name, d in (("threat", _threat_truth(world, events, sample_s)), ("interceptor", _interceptor_truth(world, events, sample_s))):
        if d:
            parts.append((name, d))
    cols: dict[str, Any] = {"entity": [], "id": [], "time_s": [], "xyz": []}
    for name, d in parts:
        cols["entity"].append(np.full(len(d["id"]), name, dtype=object))
        cols["id"].append(d["id"].astype(np.int64))
        cols["time_s"].append(d["time_s"].astype(float))
        cols["xyz"].append(d["xyz"].reshape(-1, 3))
    if parts:
        xyz = np.concatenate(cols["xyz"])
        data: dict[str, Any] = {
            "entity": pa.array(np.concatenate(cols["entity"]).astype(str), pa.string()),
            "id": np.concatenate(cols["id"]),
            "time_s": np.concatenate(cols["time_s"]),
            "x_m": xyz[:, 0], "y_m": xyz[:, 1], "z_m": xyz[:, 2],
        }  # fmt: skip
        data.update(_geo_cols(xyz))
        return pa.table(data)
    return pa.table({
        "entity": pa.array([], pa.string()), "id": pa.array([], pa.int64()), "time_s": pa.array([], pa.float64()),
        **{c: pa.array([], pa.float64()) for c in ("x_m", "y_m", "z_m", "lat_deg", "lon_deg", "alt_m")},
    })  # fmt: skip


def _ground_m(world: Any, lat_deg: list[float], lon_deg: list[float]) -> np.ndarray:
    """Ground height above the WGS84 ellipsoid at points (m): 0 without terrain, else the DEM's."""
    lat, lon = np.radians(np.asarray(lat_deg, float)), np.radians(np.asarray(lon_deg, float))
    dem = getattr(world, "terrain", None)
    return np.zeros_like(lat) if dem is None else np.asarray(dem.height_m(lat, lon), float)


def extra_tables(result: Any, sample_s: float = DEFAULT_SAMPLE_S) -> dict[str, pa.Table]:
    """Every readable table written beside the events: file stem → table.

    ``events`` and ``track_states`` (when present) are returned with geodetic columns appended;
    plus the six entity tables and ``truth``. A result without a ``world`` yields only the
    geodetic columns.
    """
    out: dict[str, pa.Table] = {"events": with_geodetic(result.events)}
    ts = getattr(result, "track_states", None)
    if ts is not None:
        out["track_states"] = with_geodetic(ts)
    world = getattr(result, "world", None)
    if world is not None:
        out.update(entity_tables(world))
        out["truth"] = truth_table(world, result.events, sample_s)
    return out


def names_of(tbl: pa.Table, key: str) -> dict[int, str]:
    """``{index: name}`` of an entity table (small tables only)."""
    return dict(zip(pc.cast(tbl.column(key), pa.int64()).to_pylist(), tbl.column("name").to_pylist()))

