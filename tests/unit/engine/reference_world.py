"""The world compiler as it was before template worlds (per-threat Python loops): the reference.

A verbatim copy of ``compile_world`` from ``iadsim.engine.world`` at the commit that introduced
``WorldTemplate`` (the dataclasses and helpers are imported from the live module). Tests compare
the template + draw compiler against it array by array and event by event; it is never used by
the package.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from iadsim.errors import InputError
from iadsim.geo import frames
from iadsim.geo.terrain import Dem, load_dem
from iadsim.rng import RunStreams, make_streams
from iadsim.scenario.catalog import IFF_MODES, Catalog, load_catalog
from iadsim.scenario.schema import THREAT_CLASSES, Scenario
from iadsim.sensors.radar import RadarArrays
from iadsim.threats.ballistic import BallisticMover
from iadsim.threats.motion import CompositeMover, Mover, PermutedMover
from iadsim.threats.routes import RouteMover
from iadsim.units import DEG, KM, MRAD
from iadsim.weapons.flyout import calibrate_drag_time, flyout_time
from iadsim.weapons.launchers import launchers_needed, layout
from iadsim.engine.world import (  # noqa: F401
    CLASS_INDEX, FIRE_CONTROL_ROLES, TERMINAL_DIVE_M, AssetArrays, FireControlRadarArrays, FireUnitArrays,
    InterceptorTable, ThreatArrays, World, _checked, _disc_points, _opt, _val, compile_networks, ground_height_m,
)


def compile_world_reference(
    scenario: Scenario,
    catalog: Catalog | None = None,
    streams: RunStreams | None = None,
    terrain: Dem | None = None,
) -> World:
    """Resolve catalogue types and build the world arrays of one run.

    Random placement (launch points in their disc, ballistic aim errors, radar scan phases) draws
    from ``streams.threats`` / ``streams.sensors``; default streams come from ``scenario.seed``.

    Heights (one datum, see ``docs/models.md`` (heights and terrain)): every scenario height is
    above the ground; the ground is the ellipsoid under ``fidelity.terrain: none`` and the DEM of
    ``fidelity.dem_path`` under ``terrain: dem`` (``terrain`` given here overrides both, for
    coverage with ``--dem``). Radar antenna: h = h_g(site) + antenna_agl_m; launcher: h_g(site);
    asset: h_g + alt_agl_m; air-breathing threats: h_g(path) + profile height (terrain following,
    :class:`~iadsim.threats.routes.RouteMover`).
    Random placement draws from per-entity streams (``streams.entity``): each threat (key
    ``"<raid>#<j>"``) draws its launch point in the disc (u, v) and, if ballistic with an aim
    error, its miss (two normals and an azimuth) from its own stream; each radar draws its scan
    phase from its own stream. Default streams come from ``scenario.seed``.
    """
    cat = catalog or load_catalog()
    st = streams or make_streams(scenario.seed)
    used: dict[str, dict[str, Any]] = {"radars": {}, "systems": {}, "interceptors": {}, "threats": {}}
    dem: Dem | None = terrain
    if dem is None and scenario.fidelity.terrain == "dem":
        if not scenario.fidelity.dem_path:  # the loader reports this with file:line
            raise ValueError("fidelity.terrain: dem needs fidelity.dem_path")
        dem = load_dem(scenario.fidelity.dem_path)

    # ---- assets
    assets = scenario.assets
    a_lat = np.array([a.lat_deg for a in assets]) * DEG
    a_lon = np.array([a.lon_deg for a in assets]) * DEG
    a_ground = ground_height_m(dem, a_lat, a_lon)
    a_alt = a_ground + np.array([a.alt_agl_m for a in assets], float)
    asset_arr = AssetArrays(
        name=tuple(a.name for a in assets),
        lat_rad=a_lat,
        lon_rad=a_lon,
        alt_m=a_alt,
        ecef_m=frames.geodetic_to_ecef(a_lat, a_lon, a_alt),
        value=np.array([a.value for a in assets], float),
    )
    asset_idx = {a.name: i for i, a in enumerate(assets)}

    # ---- radars
    cols: dict[str, list[Any]] = {k: [] for k in (
        "name", "site_index", "lat_rad", "lon_rad", "alt_m", "ref_range_m", "ref_rcs_m2", "ref_pd",
        "pfa", "max_range_m", "max_alt_m", "min_elevation_rad", "boresight_az_rad",
        "half_width_az_rad", "revisit_s", "sigma_range_m", "sigma_az_rad", "sigma_el_rad")}  # fmt: skip
    site_ground = ground_height_m(
        dem, np.array([x.lat_deg for x in scenario.sites]) * DEG, np.array([x.lon_deg for x in scenario.sites]) * DEG
    )
    fc_cols: dict[str, list[Any]] = {k: [] for k in ("is_fc", "track_update_s", "dwell_gain", "lost_after", "cue_delay_s")}
    for si, site in enumerate(scenario.sites):
        for j, s in enumerate(site.sensors):
            e = cat.radars[s.type]
            used["radars"][s.type] = e.as_dict()
            ant_h = _val(s.antenna_agl_m, e, "antenna_agl_m")
            cols["name"].append(s.name or f"{site.name}/{s.type}" + (f"#{j}" if sum(x.type == s.type for x in site.sensors) > 1 else ""))
            cols["site_index"].append(si)
            cols["lat_rad"].append(site.lat_deg * DEG)
            cols["lon_rad"].append(site.lon_deg * DEG)
            cols["alt_m"].append(float(site_ground[si]) + ant_h)  # antenna above the ellipsoid
            cols["ref_range_m"].append(_val(s.reference_range_km, e, "reference_range_km") * KM)
            cols["ref_rcs_m2"].append(_val(s.reference_rcs_m2, e, "reference_rcs_m2"))
            cols["ref_pd"].append(_val(s.reference_pd, e, "reference_pd"))
            cols["pfa"].append(_val(s.pfa, e, "pfa"))
            cols["max_range_m"].append(_val(s.max_range_km, e, "max_range_km") * KM)
            cols["max_alt_m"].append(_val(s.max_altitude_km, e, "max_altitude_km") * KM)
            cols["min_elevation_rad"].append(_val(s.min_elevation_deg, e, "min_elevation_deg") * DEG)
            for_deg = _val(s.field_of_regard_deg, e, "field_of_regard_deg")
            cols["half_width_az_rad"].append(min(for_deg, 360.0) / 2.0 * DEG)
            if s.boresight_az_deg is not None:
                bore = s.boresight_az_deg * DEG
            elif for_deg >= 360.0:
                bore = 0.0  # full circle: the boresight is irrelevant
            else:  # the loader reports this with file:line; a guard for scenarios built in code
                raise InputError(f"sites[{si}].sensors[{j}]: radar {s.type!r} covers a {for_deg:g} deg sector: "
                                 "set boresight_az_deg (no default is drawn from the raids)")
            cols["boresight_az_rad"].append(bore)
            role = e.fields.get("role")
            fc = role in FIRE_CONTROL_ROLES
            fc_cols["is_fc"].append(fc)
            fc_cols["track_update_s"].append(_opt(e, "track_update_s") if fc else np.nan)
            fc_cols["dwell_gain"].append(10 ** (_opt(e, "track_dwell_gain_db") / 10) if fc else np.nan)
            fc_cols["lost_after"].append(_opt(e, "track_lost_dwells") if fc else np.nan)
            fc_cols["cue_delay_s"].append(_opt(e, "cue_delay_s") if fc else np.nan)
            cols["revisit_s"].append(_val(s.revisit_s, e, "revisit_s"))
            cols["sigma_range_m"].append(_val(s.sigma_range_m, e, "sigma_range_m"))
            cols["sigma_az_rad"].append(_val(s.sigma_azimuth_mrad, e, "sigma_azimuth_mrad") * MRAD)
            cols["sigma_el_rad"].append(_val(s.sigma_elevation_mrad, e, "sigma_elevation_mrad") * MRAD)
    revisit = np.array(cols["revisit_s"], float)
    scan_phase = np.array([st.entity("radar", nm).random() for nm in cols["name"]], float) * revisit
    radars = RadarArrays.from_columns(
        name=tuple(cols.pop("name")),
        site_index=np.array(cols.pop("site_index"), dtype=np.int64),
        scan_phase_s=scan_phase,
        terrain=dem,
        **{k: np.array(v, dtype=float) for k, v in cols.items()},
    )
    S = len(radars)
    fc_radars = FireControlRadarArrays(
        is_fc=np.array(fc_cols["is_fc"], bool),
        **{k: np.array(fc_cols[k], float) for k in ("track_update_s", "dwell_gain", "lost_after", "cue_delay_s")},
    )
    bad = np.flatnonzero(fc_radars.is_fc & ~np.isfinite(fc_radars.track_update_s + fc_radars.dwell_gain
                                                         + fc_radars.lost_after + fc_radars.cue_delay_s))  # fmt: skip
    if len(bad):
        raise InputError(f"radar {radars.name[bad[0]]!r}: a fire-control radar needs track_update_s, "
                         "track_dwell_gain_db, track_lost_dwells and cue_delay_s in the catalogue")

    # ---- interceptor types (only those carried somewhere), fire units
    ic_ids: list[str] = []
    fu_specs = []
    for si, site in enumerate(scenario.sites):
        for fu in site.fire_units:
            system = cat.systems[fu.type]
            loadout = fu.loadout if fu.loadout is not None else dict(system.fields.get("default_loadout") or {})
            for k, n in loadout.items():
                if n > 0 and k not in ic_ids:
                    ic_ids.append(k)
            fu_specs.append((si, site, fu, system, loadout))
    I = len(ic_ids)
    ic_index = {k: i for i, k in enumerate(ic_ids)}
    F = len(fu_specs)
    # per fire unit × interceptor parameters (overrides are per fire unit)
    par = {k: np.full((F, I), np.nan) for k in (
        "max_range_m", "min_range_m", "max_alt_m", "min_alt_m", "speed_mps", "max_target_speed_mps", "basket_m", "cost_usd",
        "bm_range_m", "bm_alt_m", "max_speed_mps", "burn_time_s", "rounds_per_launcher")}  # fmt: skip
    reserved_for = np.zeros((F, I, len(THREAT_CLASSES)), bool)
    reserve_rounds = np.zeros((F, I), dtype=np.int64)
    weapon_cheapest = np.zeros(F, bool)
    reserve_hold = np.ones(F, bool)
    retarget = np.zeros(F, bool)
    reload_time = np.zeros(F)
    n_launchers = np.zeros(F, np.int64)
    pk_fi = np.zeros((F, I, len(THREAT_CLASSES)))
    datalink = np.zeros((F, I), bool)
    magazine = np.zeros((F, I), dtype=np.int64)
    preference = np.full((F, I), 10_000, dtype=np.int64)
    fcols: dict[str, list[Any]] = {k: [] for k in (
        "name", "system", "site_index", "lat", "lon", "alt", "reaction", "interval", "maxeng", "salvo", "doctrine",
        "guided")}  # fmt: skip
    for f, (si, site, fu, system, loadout) in enumerate(fu_specs):
        used["systems"][fu.type] = system.as_dict()
        same = [x for x in site.fire_units if x.type == fu.type]
        fcols["name"].append(fu.name or (f"{site.name}/{fu.type}" + (f"#{same.index(fu)}" if len(same) > 1 else "")))
        fcols["system"].append(fu.type)
        fcols["site_index"].append(si)
        fcols["lat"].append(site.lat_deg * DEG)
        fcols["lon"].append(site.lon_deg * DEG)
        fcols["alt"].append(float(site_ground[si]))  # launchers on the ground
        fcols["reaction"].append(_val(fu.reaction_time_s, system, "reaction_time_s"))
        fcols["interval"].append(_val(fu.launch_interval_s, system, "launch_interval_s"))
        fcols["maxeng"].append(int(_val(fu.max_simultaneous_engagements, system, "max_simultaneous_engagements")))
        fcols["guided"].append(int(_val(fu.max_missiles_guided, system, "max_missiles_guided")))
        salvo = int(_val(fu.salvo_size, system, "salvo_size"))
        # doctrine: the scenario's, else the catalogue system's (assumption text there), else salvo
        doctrine = fu.doctrine or str(system.fields.get("doctrine") or "salvo")
        fcols["salvo"].append(1 if doctrine == "shoot-look-shoot" else salvo)
        fcols["doctrine"].append(doctrine)
        weapon_cheapest[f] = (fu.weapon_choice or str(system.fields.get("weapon_choice") or "loadout-order")) == "cheapest"
        reserve = fu.reserve if fu.reserve is not None else dict(system.fields.get("reserve") or {})
        reserve_hold[f] = (fu.reserve_rule or str(system.fields.get("reserve_rule") or "hold")) == "hold"
        # rounds at a target assessed dead: the scenario's rule, else the catalogue system's, else
        # self-destruct (assumption: no public doctrine found; none of the bundled systems sets it)
        retarget[f] = (fu.dead_target_rounds or str(system.fields.get("dead_target_rounds") or "self_destruct")) == "retarget"
        for k, classes in reserve.items():
            if k in ic_index:
                for c in classes:
                    reserved_for[f, ic_index[k], CLASS_INDEX[c]] = True
        for k, n_res in fu.reloads.items():
            if k in ic_index:
                reserve_rounds[f, ic_index[k]] = n_res
        rt = fu.reload_time_s if fu.reload_time_s is not None else _opt(system, "reload_time_s")
        reload_time[f] = np.inf if np.isnan(rt) else rt  # no reload time known: an empty launcher stays empty
        n_launchers[f] = int(_opt(system, "launchers")) if not np.isnan(_opt(system, "launchers")) else 0
        for rank, (k, n) in enumerate(loadout.items()):
            if n <= 0:
                continue
            i = ic_index[k]
            e = cat.interceptors[k]
            used["interceptors"][k] = e.as_dict()
            ov = fu.interceptors.get(k)
            g = (lambda name, ov=ov: getattr(ov, name) if ov is not None else None)
            magazine[f, i] = n
            preference[f, i] = rank
            par["max_range_m"][f, i] = _val(g("max_range_km"), e, "max_range_km") * KM
            par["min_range_m"][f, i] = _val(g("min_range_km"), e, "min_range_km") * KM
            par["max_alt_m"][f, i] = _val(g("max_altitude_km"), e, "max_altitude_km") * KM
            par["min_alt_m"][f, i] = _val(g("min_altitude_km"), e, "min_altitude_km") * KM
            par["speed_mps"][f, i] = _val(g("average_speed_mps"), e, "average_speed_mps")
            par["max_target_speed_mps"][f, i] = _val(g("max_target_speed_mps"), e, "max_target_speed_mps")
            par["basket_m"][f, i] = _val(g("basket_m"), e, "basket_m")
            c = g("cost_usd")
            par["cost_usd"][f, i] = float(c) if c is not None else _opt(e, "cost_usd")
            bmr, bma = g("ballistic_max_range_km"), g("ballistic_max_altitude_km")
            par["bm_range_m"][f, i] = (float(bmr) if bmr is not None else _opt(e, "ballistic_max_range_km")) * KM
            par["bm_alt_m"][f, i] = (float(bma) if bma is not None else _opt(e, "ballistic_max_altitude_km")) * KM
            vmax = _opt(e, "max_speed_mps")
            par["max_speed_mps"][f, i] = par["speed_mps"][f, i] / 0.6 if np.isnan(vmax) else vmax
            bt = _opt(e, "burn_time_s")
            par["burn_time_s"][f, i] = 10.0 if np.isnan(bt) else bt  # the catalogue's uniform assumption
            rpl = _opt(e, "rounds_per_launcher")
            par["rounds_per_launcher"][f, i] = _opt(system, "missiles_per_launcher") if np.isnan(rpl) else rpl
            dl = g("midcourse_datalink")
            datalink[f, i] = bool(dl) if dl is not None else _opt(e, "midcourse_datalink") == 1.0
            pk_map = e.fields.get("pk") or {}
            for ci, cls in enumerate(THREAT_CLASSES):
                sv = pk_map.get(cls)
                pv = sv.value if sv is not None else None
                if ov is not None and ov.pk and cls in ov.pk:
                    pv = ov.pk[cls]
                pk_fi[f, i, ci] = 0.0 if pv is None else float(pv)

    fu_lat = np.array(fcols["lat"], float)
    fu_lon = np.array(fcols["lon"], float)
    fu_alt = np.array(fcols["alt"], float)
    carried = magazine > 0
    site_of_fu = np.array(fcols["site_index"], dtype=np.int64)
    fire_units = FireUnitArrays(
        name=tuple(fcols["name"]),
        system=tuple(fcols["system"]),
        site_index=site_of_fu,
        lat_rad=fu_lat,
        lon_rad=fu_lon,
        alt_m=fu_alt,
        ecef_m=frames.geodetic_to_ecef(fu_lat, fu_lon, fu_alt).reshape(F, 3),
        enu_rot=frames.enu_rotation(fu_lat, fu_lon).reshape(F, 3, 3),
        reaction_time_s=np.array(fcols["reaction"], float),
        launch_interval_s=np.array(fcols["interval"], float),
        max_engagements=np.array(fcols["maxeng"], dtype=np.int64),
        salvo_size=np.array(fcols["salvo"], dtype=np.int64),
        min_handover_pk_fraction=np.array([fu.min_handover_pk_fraction for (_, _, fu, _, _) in fu_specs], float),
        max_guided=np.array(fcols["guided"], dtype=np.int64),
        kill_assessment_s=np.array([fu.kill_assessment_s for (_, _, fu, _, _) in fu_specs], float),
        kill_assessment_error=np.array([fu.kill_assessment_error for (_, _, fu, _, _) in fu_specs], float),
        doctrine=tuple(fcols["doctrine"]),
        magazine=magazine,
        preference=preference,
        min_range_m=np.where(carried, par["min_range_m"], np.inf).min(axis=1) if I else np.zeros(F),
        max_range_m=np.where(carried, par["max_range_m"], 0.0).max(axis=1) if I else np.zeros(F),
        min_alt_m=np.where(carried, par["min_alt_m"], np.inf).min(axis=1) if I else np.zeros(F),
        max_alt_m=np.where(carried, par["max_alt_m"], 0.0).max(axis=1) if I else np.zeros(F),
        cue_mask=(site_of_fu[:, None] == np.asarray(radars.site_index)[None, :]) if S else np.zeros((F, 0), bool),
        weapon_cheapest=weapon_cheapest,
        reserved_for=reserved_for,
        reload_time_s=reload_time,
        reserve_rounds=reserve_rounds,
        reserve_hold=reserve_hold,
        retarget=retarget,
        fc_mask=((site_of_fu[:, None] == np.asarray(radars.site_index)[None, :]) & fc_radars.is_fc[None, :])
        if S else np.zeros((F, 0), bool),
        engage_on_remote=np.array([bool(fu.engage_on_remote) for (_, _, fu, _, _) in fu_specs], bool),
        layered_second_shot=np.array([fu.layered_second_shot for (_, _, fu, _, _) in fu_specs], bool),
    )
    # Interceptor parameters per fire unit live in the (F, I) table: overrides are per unit.
    # energy-limited flyout: drag time constant so that the average speed over a max-range flight
    # is the catalogue's average speed (weapons.flyout); where that is impossible (an override
    # with average ≥ max speed) the round flies at its average speed: T → ∞ with v_max = average
    drag = calibrate_drag_time(par["max_range_m"], par["speed_mps"], par["max_speed_mps"], par["burn_time_s"])
    bad = np.isnan(drag) & carried
    par["max_speed_mps"] = np.where(bad, par["speed_mps"], par["max_speed_mps"])
    par["burn_time_s"] = np.where(bad, 1e-6, par["burn_time_s"])
    drag = np.where(bad, 1e12, drag)
    max_flight = flyout_time(par["max_range_m"], par["max_speed_mps"], par["burn_time_s"], drag)
    interceptors = InterceptorTable(
        ids=tuple(ic_ids),
        max_range_m=par["max_range_m"],
        min_range_m=par["min_range_m"],
        max_alt_m=par["max_alt_m"],
        min_alt_m=par["min_alt_m"],
        speed_mps=par["speed_mps"],
        max_target_speed_mps=par["max_target_speed_mps"],
        basket_m=par["basket_m"],
        cost_usd=par["cost_usd"],
        pk=pk_fi,
        ballistic_max_range_m=par["bm_range_m"],
        ballistic_max_alt_m=par["bm_alt_m"],
        max_speed_mps=par["max_speed_mps"],
        burn_time_s=par["burn_time_s"],
        drag_time_s=drag,
        max_flight_s=max_flight,
        datalink=datalink,
    )
    rpl_int = np.where(carried, np.nan_to_num(par["rounds_per_launcher"], nan=1.0), 1).astype(np.int64)
    needed = launchers_needed(magazine, rpl_int)
    over = np.flatnonzero((n_launchers > 0) & (needed > n_launchers))
    if len(over):  # the loader reports this with file:line; a programming guard here
        raise ValueError(f"fire unit {fire_units.name[over[0]]}: loadout needs {needed[over[0]]} launchers, "
                         f"the system has {n_launchers[over[0]]}")
    launcher_table = layout(magazine, rpl_int, reload_time, loadout_rank=preference)

    # ---- threats
    # all air-breathing threats go into one RouteMover, all ballistic ones into one BallisticMover
    route_args: list[list[Any]] = [[], [], [], [], []]  # lat, lon, alt lists, speeds, launch times
    ball_args: list[list[np.ndarray]] = [[], [], [], [], [], [], [], [], [], []]
    # lat0, lon0, lat1, lon1, t0, fpa, burn time, manoeuvre g, manoeuvre altitude, manoeuvre period
    ball_shape: list[np.ndarray] = []
    kind_of: list[np.ndarray] = []  # 0 route, 1 ballistic, per threat in raid order
    tcols: dict[str, list[np.ndarray]] = {k: [] for k in (
        "raid", "type", "cls", "rcs", "cost", "pdmg", "target", "launch")}  # fmt: skip
    type_ids: list[str] = []
    for ri, raid in enumerate(scenario.raids):
        e = cat.threats[raid.threat]
        used["threats"][raid.threat] = e.as_dict()
        if raid.threat not in type_ids:
            type_ids.append(raid.threat)
        cls = cast(str, e.fields.get("class"))  # required by the catalogue schema
        n = raid.count
        launch_t = raid.launch_time_s + raid.spacing_s * np.arange(n)
        gens = st.entities("threat", [f"{raid.name}#{j}" for j in range(n)])  # one stream per threat
        uv = np.array([g.random(2) for g in gens]).reshape(n, 2)
        lat0, lon0 = _disc_points(raid.launch.lat_deg, raid.launch.lon_deg, raid.launch.radius_km, uv[:, 0], uv[:, 1])
        ai = asset_idx[raid.target]
        if cls == "ballistic_missile":
            cep = _opt(e, "cep_m")
            sigma = raid.aim_error_m if raid.aim_error_m is not None else (0.0 if np.isnan(cep) else cep / 1.1774)
            tlat = np.full(n, a_lat[ai])
            tlon = np.full(n, a_lon[ai])
            if sigma > 0:
                draws = np.array([np.r_[g.normal(0.0, sigma, 2), g.random()] for g in gens]).reshape(n, 3)
                d = np.abs(draws[:, :2])
                r = np.hypot(d[:, 0], d[:, 1])
                az = draws[:, 2] * 2 * np.pi
                tlat, tlon, _ = frames.geodesic_direct(tlat, tlon, az, r)
            fpa = np.full(n, np.nan if raid.flight_path_angle_deg is None else raid.flight_path_angle_deg * DEG)
            # shape and boost: scenario > catalogue > minimum energy / no boost
            shape = raid.trajectory or cast(str | None, e.fields.get("trajectory")) or "minimum_energy"
            burn = raid.burn_time_s if raid.burn_time_s is not None else _opt(e, "burn_time_s")
            burn = 0.0 if np.isnan(burn) else float(burn)
            cols_b = (lat0, lon0, np.asarray(tlat, float), np.asarray(tlon, float), launch_t, fpa, np.full(n, burn),
                      np.full(n, raid.terminal_manoeuvre_g), np.full(n, raid.terminal_manoeuvre_alt_km * KM),
                      np.full(n, raid.terminal_manoeuvre_period_s))  # fmt: skip
            for lst, v in zip(ball_args, cols_b):
                lst.append(np.asarray(v, float))
            ball_shape.append(np.full(n, shape, dtype=object))
            kind_of.append(np.ones(n, np.int64))
        else:
            speed = raid.speed_mps if raid.speed_mps is not None else _checked(e, "speed_mps")
            # heights above the ground (the route mover adds the ground height under terrain: dem)
            cruise = raid.altitude_agl_m if raid.altitude_agl_m is not None else _checked(e, "cruise_altitude_agl_m")
            end_alt = cruise if cls == "aircraft" else float(assets[ai].alt_agl_m)
            wl_lat, wl_lon, wl_alt = [], [], []
            mid_lat = np.array([w.lat_deg * DEG for w in raid.route])
            mid_lon = np.array([w.lon_deg * DEG for w in raid.route])
            mid_alt = np.array([w.alt_agl_m if w.alt_agl_m is not None else cruise for w in raid.route], float)
            # missiles and drones cruise until TERMINAL_DIVE_M before the target, then dive onto it
            prev_lat = np.full(n, mid_lat[-1]) if len(mid_lat) else lat0
            prev_lon = np.full(n, mid_lon[-1]) if len(mid_lon) else lon0
            az_back, _, last_m = frames.geodesic_inverse(np.full(n, a_lat[ai]), np.full(n, a_lon[ai]), prev_lat, prev_lon)
            dive = (cls != "aircraft") & (np.asarray(last_m) > TERMINAL_DIVE_M + 1000.0)
            d_lat, d_lon, _ = frames.geodesic_direct(np.full(n, a_lat[ai]), np.full(n, a_lon[ai]), np.asarray(az_back), np.full(n, TERMINAL_DIVE_M))
            for k in range(n):
                last_lat = [d_lat[k], a_lat[ai]] if dive[k] else [a_lat[ai]]
                last_lon = [d_lon[k], a_lon[ai]] if dive[k] else [a_lon[ai]]
                last_alt = [cruise, end_alt] if dive[k] else [end_alt]
                wl_lat.append(np.concatenate([[lat0[k]], mid_lat, last_lat]))
                wl_lon.append(np.concatenate([[lon0[k]], mid_lon, last_lon]))
                wl_alt.append(np.concatenate([[cruise], mid_alt, last_alt]))
            route_args[0] += wl_lat
            route_args[1] += wl_lon
            route_args[2] += wl_alt
            route_args[3].append(np.full(n, speed))
            route_args[4].append(launch_t)
            kind_of.append(np.zeros(n, np.int64))
        tcols["raid"].append(np.full(n, ri))
        tcols["type"].append(np.full(n, type_ids.index(raid.threat)))
        tcols["cls"].append(np.full(n, CLASS_INDEX[cls]))
        tcols["rcs"].append(np.full(n, raid.rcs_m2 if raid.rcs_m2 is not None else _checked(e, "rcs_m2")))
        tcols["cost"].append(np.full(n, _opt(e, "cost_usd")))
        tcols["pdmg"].append(np.full(n, _checked(e, "p_damage")))
        tcols["target"].append(np.full(n, ai))
        tcols["launch"].append(launch_t)

    def cat_or_empty(key: str, dtype: Any) -> np.ndarray:
        return np.concatenate(tcols[key]).astype(dtype) if tcols[key] else np.zeros(0, dtype)

    movers: list[Mover] = []
    if route_args[3]:
        movers.append(RouteMover(route_args[0], route_args[1], route_args[2], np.concatenate(route_args[3]),
                                 np.concatenate(route_args[4]), terrain=dem))  # fmt: skip
    if ball_args[0]:
        b = [np.concatenate(a) for a in ball_args]
        # NaN angle: the raid's trajectory shape decides (minimum energy, depressed, lofted)
        movers.append(BallisticMover(b[0], b[1], b[2], b[3], b[4], flight_path_angle_rad=b[5], integrate_dt_s=2.0,
                                     burn_time_s=b[6], shape=np.concatenate(ball_shape), terminal_manoeuvre_g=b[7],
                                     terminal_manoeuvre_alt_m=b[8], terminal_manoeuvre_period_s=b[9]))  # fmt: skip
    kinds = np.concatenate(kind_of) if kind_of else np.zeros(0, np.int64)
    # composite order is [route threats..., ballistic threats...]; map back to raid order
    pos_in_kind = np.zeros(len(kinds), np.int64)
    for kk in (0, 1):
        m = kinds == kk
        pos_in_kind[m] = np.arange(m.sum())
    n_route = int((kinds == 0).sum())
    index = np.where(kinds == 0, pos_in_kind, n_route + pos_in_kind)
    mover: Mover = PermutedMover(CompositeMover(movers), index)
    threats = ThreatArrays(
        raid_index=cat_or_empty("raid", np.int64),
        type_index=cat_or_empty("type", np.int64),
        class_index=cat_or_empty("cls", np.int64),
        rcs_m2=cat_or_empty("rcs", float),
        cost_usd=cat_or_empty("cost", float),
        p_damage=cat_or_empty("pdmg", float),
        target_asset=cat_or_empty("target", np.int64),
        launch_time_s=cat_or_empty("launch", float),
        arrival_time_s=np.asarray(mover.arrival_time_s, float),
        mover=mover,
    )

    # ---- friendly flights: flown, sensed and tracked like any object (after the hostiles)
    fmovers: list[Mover] = []
    f_route: list[list[Any]] = [[], [], [], [], []]
    frc: dict[str, list[Any]] = {k: [] for k in ("cls", "rcs", "launch", "end", "mask", "name")}
    for fl in scenario.friendly_flights:
        e = cat.threats[fl.type]
        used["threats"][fl.type] = e.as_dict()
        speed = fl.speed_mps if fl.speed_mps is not None else _checked(e, "speed_mps")
        cruise = _opt(e, "cruise_altitude_agl_m")
        cruise = 8000.0 if np.isnan(cruise) else cruise
        lat = np.array([w.lat_deg for w in fl.route]) * DEG
        lon = np.array([w.lon_deg for w in fl.route]) * DEG
        alt = np.array([w.alt_agl_m if w.alt_agl_m is not None else cruise for w in fl.route], float)
        start = fl.start_time_s + fl.spacing_s * np.arange(fl.count)
        fm = RouteMover([lat] * fl.count, [lon] * fl.count, [alt] * fl.count, np.full(fl.count, speed), start,
                        terrain=dem)  # fmt: skip
        fmovers.append(fm)
        f_route[0] += [lat] * fl.count
        f_route[1] += [lon] * fl.count
        f_route[2] += [alt] * fl.count
        f_route[3].append(np.full(fl.count, speed))
        f_route[4].append(start)
        names = [f"{fl.name}#{j}" for j in range(fl.count)]
        # each aircraft's transponder works for the whole run with probability 1 − p_fail, drawn
        # once from its own stream (adding a flight never shifts another entity's draws)
        ok = np.array([st.entity("transponder", nm).random() for nm in names]) >= fl.transponder_failure_probability
        modes = sum(1 << IFF_MODES.index(m) for m in set(fl.transponder_modes))
        frc["cls"].append(np.full(fl.count, CLASS_INDEX[cast(str, e.fields.get("class"))]))
        frc["rcs"].append(np.full(fl.count, _checked(e, "rcs_m2")))
        frc["launch"].append(start)
        frc["end"].append(np.asarray(fm.arrival_time_s, float))
        frc["mask"].append(np.where(ok, modes, 0).astype(np.int64))
        frc["name"] += names
    n_f = int(sum(len(x) for x in frc["launch"]))
    n_h = len(threats)

    def fcat(key: str, dtype: Any) -> np.ndarray:
        return np.concatenate(frc[key]).astype(dtype) if frc[key] else np.zeros(0, dtype)

    if n_f:
        # the engine's mover: friendlies flown in the same RouteMover as the air-breathing threats
        # (one vectorised call per tick); composite order [routes (threats, friendlies), ballistic]
        o_movers: list[Mover] = [RouteMover(route_args[0] + f_route[0], route_args[1] + f_route[1],
                                            route_args[2] + f_route[2], np.concatenate(route_args[3] + f_route[3]),
                                            np.concatenate(route_args[4] + f_route[4]), terrain=dem)]  # fmt: skip
        o_movers += movers[1:] if route_args[3] else movers
        n_fr = int(np.sum([len(x) for x in f_route[3]]))
        o_index = np.where(index >= n_route, index + n_fr, index)  # ballistic threats move behind the friendlies
        obj_mover: Mover = PermutedMover(CompositeMover(o_movers),
                                         np.concatenate([o_index, n_route + np.arange(n_f)]).astype(np.int64))  # fmt: skip
    else:
        obj_mover = mover
    objects = ThreatArrays(
        raid_index=np.r_[threats.raid_index, np.full(n_f, -1)].astype(np.int64),
        type_index=np.r_[threats.type_index, np.full(n_f, -1)].astype(np.int64),
        class_index=np.r_[threats.class_index, fcat("cls", np.int64)].astype(np.int64),
        rcs_m2=np.r_[threats.rcs_m2, fcat("rcs", float)],
        cost_usd=np.r_[threats.cost_usd, np.full(n_f, np.nan)],
        p_damage=np.r_[threats.p_damage, np.zeros(n_f)],
        target_asset=np.r_[threats.target_asset, np.full(n_f, -1)].astype(np.int64),
        launch_time_s=np.r_[threats.launch_time_s, fcat("launch", float)],
        arrival_time_s=np.r_[threats.arrival_time_s, np.full(n_f, np.inf)],
        mover=obj_mover,
        friendly=np.r_[np.zeros(n_h, bool), np.ones(n_f, bool)],
        transponder_mask=np.r_[np.zeros(n_h, np.int64), fcat("mask", np.int64)].astype(np.int64),
        end_time_s=np.r_[np.full(n_h, np.inf), fcat("end", float)],
    )
    # ---- IFF interrogators of the fire units (catalogue system; docs/models.md "IFF and rules of engagement")
    iff_mask = np.zeros(F, np.int64)
    iff_p = np.zeros(F)
    for f, (_, _, fu, _, _) in enumerate(fu_specs):
        se = cat.systems[fu.type]
        iff_mask[f] = sum(1 << IFF_MODES.index(m) for m in set(se.fields.get("iff_modes") or []))
        pv = _opt(se, "iff_reply_probability")
        iff_p[f] = 0.0 if np.isnan(pv) else pv

    return World(
        scenario=scenario,
        radars=radars,
        fire_units=fire_units,
        interceptors=interceptors,
        threats=threats,
        assets=asset_arr,
        site_names=tuple(s.name for s in scenario.sites),
        raid_names=tuple(r.name for r in scenario.raids),
        threat_types=tuple(type_ids),
        friendlies=CompositeMover(fmovers) if fmovers else None,
        catalog_used=used,
        terrain=dem,
        launchers=launcher_table,
        fc_radars=fc_radars,
        objects=objects,
        friendly_names=tuple(frc["name"]),
        fu_iff_mask=iff_mask,
        fu_iff_reply_p=iff_p,
        networks=compile_networks(scenario),
    )
