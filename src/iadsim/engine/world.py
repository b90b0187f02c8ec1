"""Compile a validated :class:`~iadsim.scenario.schema.Scenario` into world arrays.

Everything the engine touches per tick is a struct of arrays here: radars ``(S,)``, fire units
``(F,)``, interceptor types ``(I,)``, threats ``(N,)``, assets ``(A,)``. Catalogue values are
resolved once (scenario override > catalogue value) and converted to SI units and radians.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, cast

import numba
import numpy as np

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.errors import InputError
from iadsim.geo import frames
from iadsim.engine.polylines import Legs, Rows, assemble_rows, concat_legs, concat_rows, densify_legs, route_mover_from_rows, tile_legs
from iadsim.geo.terrain import Dem, load_dem
from iadsim import rng_kernels
from iadsim.rng import RunStreams, make_streams
from iadsim.scenario.catalog import IFF_MODES, Catalog, CatalogEntry, load_catalog
from iadsim.scenario.schema import THREAT_CLASSES, Scenario
from iadsim.sensors.radar import RadarArrays
from iadsim.threats.ballistic import BallisticMover
from iadsim.threats.motion import CompositeMover, Mover, PermutedMover
from iadsim.threats.routes import TERRAIN_SPACING_M, RouteMover
from iadsim.units import DEG, KM, MRAD
from iadsim.weapons.flyout import calibrate_drag_time, flyout_time
from iadsim.weapons.launchers import LauncherTable, launchers_needed, layout

CLASS_INDEX = {c: i for i, c in enumerate(THREAT_CLASSES)}
#: Cruise missiles and drones keep their cruise altitude until this distance before the target.
TERMINAL_DIVE_M = 5000.0
#: Largest spacing of the air-breathing threats' densified routes, m (``RouteMover``'s default;
#: at most ``TERRAIN_SPACING_M`` under terrain).
ROUTE_SPACING_M = 2000.0


@dataclass(frozen=True)
class InterceptorTable:
    """Interceptor types in use, shape (I,) each; ``pk`` is (I, 4) by threat class (0 = cannot engage)."""

    ids: tuple[str, ...]
    max_range_m: np.ndarray
    min_range_m: np.ndarray
    max_alt_m: np.ndarray
    min_alt_m: np.ndarray
    speed_mps: np.ndarray
    max_target_speed_mps: np.ndarray
    basket_m: np.ndarray
    cost_usd: np.ndarray  # NaN where no public figure
    pk: np.ndarray
    # class envelopes and the energy-limited flyout (issue 8 part C), (F, I) each
    ballistic_max_range_m: np.ndarray  # NaN: the aerodynamic max range applies
    ballistic_max_alt_m: np.ndarray  # NaN: the aerodynamic max altitude applies
    max_speed_mps: np.ndarray
    burn_time_s: np.ndarray
    drag_time_s: np.ndarray  # boost–coast drag time constant, calibrated (weapons.flyout)
    max_flight_s: np.ndarray  # time of flight to max_range_m with the energy-limited model
    #: (F, I) bool: command / datalink midcourse guidance (catalogue ``midcourse_datalink``, per-unit
    #: override): only such a round may be launched on a remote (network) track under engage_on_remote
    datalink: np.ndarray | None = None


@dataclass(frozen=True)
class FireUnitArrays:
    """Fire units (batteries), shape (F,) each unless noted."""

    name: tuple[str, ...]
    system: tuple[str, ...]
    site_index: np.ndarray
    lat_rad: np.ndarray
    lon_rad: np.ndarray
    alt_m: np.ndarray
    ecef_m: np.ndarray  # (F, 3)
    enu_rot: np.ndarray  # (F, 3, 3)
    reaction_time_s: np.ndarray
    launch_interval_s: np.ndarray
    max_engagements: np.ndarray  # target channels: objects one fire-control radar holds at once
    salvo_size: np.ndarray  # missiles per engagement (1 under shoot-look-shoot)
    min_handover_pk_fraction: np.ndarray  # launch only if E[Pk]/Pk₀ at seeker hand-over ≥ this
    max_guided: np.ndarray  # guidance channels: rounds in flight one fire-control radar guides at once
    kill_assessment_s: np.ndarray  # delay from a round's intercept time to its kill assessment
    kill_assessment_error: np.ndarray  # probability that an assessment is wrong (either way)
    doctrine: tuple[str, ...]
    magazine: np.ndarray  # (F, I) rounds per interceptor type
    preference: np.ndarray  # (F, I) order of preference (lower first), large where not carried
    min_range_m: np.ndarray  # envelope over the interceptors carried
    max_range_m: np.ndarray
    min_alt_m: np.ndarray
    max_alt_m: np.ndarray
    cue_mask: np.ndarray  # (F, S) radars that can cue this unit (same site)
    weapon_cheapest: np.ndarray  # (F,) bool: weapon_choice "cheapest" (else loadout order)
    reserved_for: np.ndarray  # (F, I, C) bool: type i reserved for assessed class c
    reload_time_s: np.ndarray  # (F,) time to reload an emptied launcher
    reserve_rounds: np.ndarray  # (F, I) rounds kept off the launchers for reloads
    reserve_hold: np.ndarray  # (F,) bool: reserve_rule "hold" (else "last-resort")
    fc_mask: np.ndarray  # (F, S) radars that can support this unit's engagements (same site, fire-control role)
    retarget: np.ndarray  # (F,) bool: dead_target_rounds "retarget" (else "self_destruct")
    interceptor_overrides: tuple[dict[str, Any], ...] = ()
    #: (F,) bool doctrine engage_on_remote: may launch on a network track its own radars do not hold
    engage_on_remote: np.ndarray | None = None
    #: (F,) bool doctrine layered_second_shot: may engage a threat another unit of its group engages
    layered_second_shot: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.name)


@dataclass(frozen=True)
class NetworkArrays:
    """C2 networks, shape (W,) each unless noted (struct of arrays).

    ``site_network`` (sites,) is the network index of every site (−1 standalone). Outages are
    flattened: ``outage_start_s``/``outage_end_s`` (O,) with ``outage_network`` (O,) their network,
    sorted by network then start. ``c2_fail_s`` is +inf where the node never fails.
    """

    name: tuple[str, ...]
    latency_s: np.ndarray
    update_s: np.ndarray
    c2_fail_s: np.ndarray
    outage_network: np.ndarray
    outage_start_s: np.ndarray
    outage_end_s: np.ndarray
    site_network: np.ndarray

    def __len__(self) -> int:
        return len(self.name)

    def link_up(self, t_s: float) -> np.ndarray:
        """(W,) the link is up at ``t`` (no outage with start ≤ t < end) and the C2 node alive (t < fail)."""
        W = len(self.name)
        down = np.zeros(W, bool)
        o = (self.outage_start_s <= t_s) & (t_s < self.outage_end_s)
        down[self.outage_network[o]] = True
        return np.asarray(~down & (t_s < self.c2_fail_s))


def compile_networks(scenario: Scenario) -> NetworkArrays:
    """Networks of the scenario as arrays (names resolved; the loader checked them with file:line)."""
    nets = scenario.networks
    idx = {n.name: i for i, n in enumerate(nets)}
    site_net = np.array([idx.get(s.network, -1) if s.network is not None else -1 for s in scenario.sites], np.int64)
    bad = [s.network for s in scenario.sites if s.network is not None and s.network not in idx]
    if bad:  # the loader reports this with file:line; a guard for scenarios built in code
        raise InputError(f"unknown network {bad[0]!r} (networks: {', '.join(idx) or 'none'})")
    o = sorted((i, o.start_s, o.end_s) for i, n in enumerate(nets) for o in n.outages)
    return NetworkArrays(
        name=tuple(n.name for n in nets),
        latency_s=np.array([n.latency_s for n in nets], float),
        update_s=np.array([n.update_s for n in nets], float),
        c2_fail_s=np.array([np.inf if n.c2_node_fail_s is None else n.c2_node_fail_s for n in nets], float),
        outage_network=np.array([x[0] for x in o], np.int64),
        outage_start_s=np.array([x[1] for x in o], float),
        outage_end_s=np.array([x[2] for x in o], float),
        site_network=site_net,
    )


#: Radar roles whose radars can support an engagement (catalogue ``role``).
FIRE_CONTROL_ROLES = ("fire-control", "multifunction")


@dataclass(frozen=True)
class FireControlRadarArrays:
    """Fire-control properties of the radars, shape (S,) each (NaN / 0 where not fire control).

    ``is_fc`` role fire-control or multifunction; ``track_update_s`` interval of the dedicated
    track dwells on engaged targets; ``dwell_gain`` linear SNR gain of a track dwell over a
    search look; ``lost_after`` consecutive missed dwells after which the target is lost;
    ``cue_delay_s`` acquisition time of a target cued by a search track.
    """

    is_fc: np.ndarray
    track_update_s: np.ndarray
    dwell_gain: np.ndarray
    lost_after: np.ndarray
    cue_delay_s: np.ndarray


@dataclass(frozen=True)
class ThreatArrays:
    """Threats of all raids, shape (N,) each; index order = raid order, then launch order."""

    raid_index: np.ndarray
    type_index: np.ndarray  # into World.threat_types
    class_index: np.ndarray  # into THREAT_CLASSES
    rcs_m2: np.ndarray
    cost_usd: np.ndarray  # NaN where unknown
    p_damage: np.ndarray
    target_asset: np.ndarray
    launch_time_s: np.ndarray
    arrival_time_s: np.ndarray
    mover: Mover
    #: truth flag (scoring and outcomes only, never a decision): the object is a friendly aircraft
    friendly: np.ndarray | None = None
    #: IFF modes its transponder answers, bit ``k`` = ``IFF_MODES[k]``; 0 = no working transponder
    #: (every hostile; a friendly whose transponder failed). Physics of the reply, not a decision.
    transponder_mask: np.ndarray | None = None
    #: time after which the object leaves the scenario without a leak (a friendly at its route end); ∞ else
    end_time_s: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.raid_index)

    @property
    def is_friendly(self) -> np.ndarray:
        """(N,) bool truth flag (all False where no friendlies)."""
        return self.friendly if self.friendly is not None else np.zeros(len(self), bool)


@dataclass(frozen=True)
class AssetArrays:
    """Defended assets, shape (A,) each; ``alt_m`` is above the WGS84 ellipsoid (ground + alt_agl_m)."""

    name: tuple[str, ...]
    lat_rad: np.ndarray
    lon_rad: np.ndarray
    alt_m: np.ndarray
    ecef_m: np.ndarray
    value: np.ndarray

    def __len__(self) -> int:
        return len(self.name)


@dataclass(frozen=True)
class World:
    """Static arrays of one run (plus the threat movers)."""

    scenario: Scenario
    radars: RadarArrays
    fire_units: FireUnitArrays
    interceptors: InterceptorTable
    threats: ThreatArrays
    assets: AssetArrays
    site_names: tuple[str, ...]
    raid_names: tuple[str, ...]
    threat_types: tuple[str, ...]
    friendlies: Mover | None
    catalog_used: dict[str, Any] = field(default_factory=dict)
    #: terrain of ``fidelity.terrain: dem`` (None on the smooth Earth); also ``radars.terrain``
    terrain: Dem | None = None
    launchers: LauncherTable | None = None  # launcher layout (weapons.launchers)
    fc_radars: FireControlRadarArrays | None = None
    #: every sensed object: the hostile threats (same indices 0 … N−1) followed by the friendly
    #: aircraft (N … N+N_f−1); the engine senses, tracks and engages these (see docs/design.md)
    objects: ThreatArrays | None = None
    friendly_names: tuple[str, ...] = ()  # "<flight>#<j>", object index N + position
    #: IFF per fire unit: modes its interrogator reads (bit mask over IFF_MODES), (F,) int64, and the
    #: probability that one interrogation of a working compatible transponder yields a reply, (F,)
    fu_iff_mask: np.ndarray | None = None
    fu_iff_reply_p: np.ndarray | None = None

    @property
    def sensed(self) -> ThreatArrays:
        """The objects the engine senses (hostile threats, then friendlies)."""
        return self.objects if self.objects is not None else self.threats

    @property
    def n_hostile(self) -> int:
        """Number of hostile threats (object indices below it are threats)."""
        return len(self.threats)
    networks: NetworkArrays | None = None

    @property
    def dt_s(self) -> float:
        return float(self.scenario.time_step_s)

    @property
    def n_ticks(self) -> int:
        return int(np.ceil(self.scenario.duration_s / self.scenario.time_step_s - 1e-9))


def _val(override: Any, entry: Any, fld: str) -> float:
    """Scenario override if set, else catalogue value (validated non-null beforehand)."""
    if override is not None:
        return float(override)
    v = entry.value(fld)
    if v is None:  # the loader reports these with file:line; this is a programming guard
        raise ValueError(f"{entry.id}: {fld} is unknown and was not set by the scenario")
    return float(v)


def _checked(entry: CatalogEntry, fld: str) -> float:
    """Catalogue value that the scenario loader has already checked to be non-null."""
    return float(cast(float, entry.value(fld)))


def _opt(entry: Any, fld: str) -> float:
    v = entry.value(fld) if fld in entry.fields else None
    return float("nan") if v is None else float(v)


def _disc_points(lat_deg: float, lon_deg: float, radius_km: float, u: np.ndarray, v: np.ndarray):
    """Points uniform in a geodesic disc (r = R·√u, az = 2πv), one per (u, v) pair of U(0,1)."""
    n = len(u)
    r_m = radius_km * KM * np.sqrt(u)
    lat0 = np.full(n, lat_deg * DEG)
    lon0 = np.full(n, lon_deg * DEG)
    if radius_km <= 0:
        return lat0, lon0
    lat, lon, _ = frames.geodesic_direct(lat0, lon0, 2 * np.pi * v, r_m)
    return np.asarray(lat, float), np.asarray(lon, float)


def ground_height_m(terrain: Dem | None, lat_rad: np.ndarray, lon_rad: np.ndarray) -> np.ndarray:
    """Height of the ground above the WGS84 ellipsoid at points, m (same shape as the inputs).

    Smooth Earth (``terrain`` None): the ground is the ellipsoid, h_g = 0. With a DEM: h_g is the
    DEM's bilinear height (above mean sea level), taken as above the ellipsoid, i.e. the geoid
    undulation N is neglected (|N| < 110 m worldwide, ~25–40 m over Turkey; EGM96), which shifts
    everything — sites, assets, threats and the terrain mask — by the same amount locally.
    """
    lat = np.asarray(lat_rad, dtype=float)
    if terrain is None:
        return np.zeros_like(lat)
    return np.asarray(terrain.height_m(lat, np.asarray(lon_rad, dtype=float)), dtype=float)


def build_template(scenario: Scenario, catalog: Catalog | None = None, terrain: Dem | None = None) -> WorldTemplate:
    """The seed-independent part of a scenario's world: everything but the run's random draws.

    Catalogue values resolved (scenario override > catalogue value) and converted to SI units and
    radians; sites, radars, fire units, interceptors, launchers, assets, networks and IFF as struct
    of arrays; per raid the threats' static columns and, for an air-breathing raid with waypoints,
    the densified geodesic legs from its first waypoint to the target (the same for every
    threat and every seed); friendly flights' routes. :meth:`WorldTemplate.draw` adds what depends
    on the run's streams. A template is never modified by a draw or a run, so one template serves
    any number of replications (campaign chunks build one per variant and chunk).

    Heights (one datum, see ``docs/models.md`` (heights and terrain)): every scenario height is
    above the ground; the ground is the ellipsoid under ``fidelity.terrain: none`` and the DEM of
    ``fidelity.dem_path`` under ``terrain: dem`` (``terrain`` given here overrides both, for
    coverage with ``--dem``). Radar antenna: h = h_g(site) + antenna_agl_m; launcher: h_g(site);
    asset: h_g + alt_agl_m; air-breathing threats: h_g(path) + profile height (terrain following,
    :class:`~iadsim.threats.routes.RouteMover`).
    """
    cat = catalog or load_catalog()
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
    radars = RadarArrays.from_columns(  # scan phases are drawn per run (WorldTemplate.draw)
        name=tuple(cols.pop("name")),
        site_index=np.array(cols.pop("site_index"), dtype=np.int64),
        scan_phase_s=np.zeros(len(revisit)),
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

    # ---- threats: the static part of every raid (draws and movers: WorldTemplate.draw)
    # air-breathing threats fly in one RouteMover (rows in raid order), ballistic ones in one
    # BallisticMover; composite order [route threats..., ballistic threats...]
    spacing = min(ROUTE_SPACING_M, TERRAIN_SPACING_M) if dem is not None else ROUTE_SPACING_M
    raid_specs: list[RaidTemplate] = []
    kind_of: list[np.ndarray] = []  # 0 route, 1 ballistic, per threat in raid order
    route_speed: list[np.ndarray] = []
    route_launch: list[np.ndarray] = []
    tcols: dict[str, list[np.ndarray]] = {k: [] for k in (
        "raid", "type", "cls", "rcs", "cost", "pdmg", "target", "launch")}  # fmt: skip
    type_ids: list[str] = []
    n_rows = 0
    for ri, raid in enumerate(scenario.raids):
        e = cat.threats[raid.threat]
        used["threats"][raid.threat] = e.as_dict()
        if raid.threat not in type_ids:
            type_ids.append(raid.threat)
        cls = cast(str, e.fields.get("class"))  # required by the catalogue schema
        n = raid.count
        launch_t = raid.launch_time_s + raid.spacing_s * np.arange(n)
        ai = asset_idx[raid.target]
        common: dict[str, Any] = dict(index=ri, names=tuple(f"{raid.name}#{j}" for j in range(n)), launch_lat_deg=raid.launch.lat_deg,
                      launch_lon_deg=raid.launch.lon_deg, radius_km=raid.launch.radius_km, target=ai,
                      target_lat_rad=float(a_lat[ai]), target_lon_rad=float(a_lon[ai]), launch_time_s=launch_t)  # fmt: skip
        if cls == "ballistic_missile":
            cep = _opt(e, "cep_m")
            sigma = raid.aim_error_m if raid.aim_error_m is not None else (0.0 if np.isnan(cep) else cep / 1.1774)
            # shape and boost: scenario > catalogue > minimum energy / no boost
            shape = raid.trajectory or cast(str | None, e.fields.get("trajectory")) or "minimum_energy"
            burn = raid.burn_time_s if raid.burn_time_s is not None else _opt(e, "burn_time_s")
            burn = 0.0 if np.isnan(burn) else float(burn)
            raid_specs.append(RaidTemplate(
                **common, ballistic=True, aim_sigma_m=float(sigma),
                flight_path_angle_rad=np.nan if raid.flight_path_angle_deg is None else raid.flight_path_angle_deg * DEG,
                trajectory=shape, burn_time_s=burn, manoeuvre_g=raid.terminal_manoeuvre_g,
                manoeuvre_alt_m=raid.terminal_manoeuvre_alt_km * KM, manoeuvre_period_s=raid.terminal_manoeuvre_period_s,
            ))  # fmt: skip
            kind_of.append(np.ones(n, np.int64))
        else:
            speed = raid.speed_mps if raid.speed_mps is not None else _checked(e, "speed_mps")
            # heights above the ground (the route mover adds the ground height under terrain: dem)
            cruise = raid.altitude_agl_m if raid.altitude_agl_m is not None else _checked(e, "cruise_altitude_agl_m")
            end_alt = cruise if cls == "aircraft" else float(assets[ai].alt_agl_m)
            mid_lat = np.array([w.lat_deg * DEG for w in raid.route], float)
            mid_lon = np.array([w.lon_deg * DEG for w in raid.route], float)
            mid_alt = np.array([w.alt_agl_m if w.alt_agl_m is not None else cruise for w in raid.route], float)
            tail = None
            if len(mid_lat):
                # first waypoint → … → last waypoint → (dive point) → target: the same for every
                # threat of the raid and every seed. Missiles and drones cruise until
                # TERMINAL_DIVE_M before the target, then dive onto it.
                t_lat, t_lon = np.full(1, a_lat[ai]), np.full(1, a_lon[ai])
                az_back, _, last_m = frames.geodesic_inverse(t_lat, t_lon, mid_lat[-1:], mid_lon[-1:])
                d_lat, d_lon, _ = frames.geodesic_direct(t_lat, t_lon, np.asarray(az_back), np.full(1, TERMINAL_DIVE_M))
                dive = (cls != "aircraft") and bool(np.asarray(last_m)[0] > TERMINAL_DIVE_M + 1000.0)
                tw_lat = np.r_[mid_lat, [d_lat[0], a_lat[ai]] if dive else [a_lat[ai]]]
                tw_lon = np.r_[mid_lon, [d_lon[0], a_lon[ai]] if dive else [a_lon[ai]]]
                tw_alt = np.r_[mid_alt, [cruise, end_alt] if dive else [end_alt]]
                tail = densify_legs(tw_lat, tw_lon, tw_alt, np.array([tw_lat.size]), spacing, row_ids=np.array([n_rows]),
                                    j_offset=1)  # legs 1, 2, … of every threat's route
            raid_specs.append(RaidTemplate(
                **common, ballistic=False, aircraft=cls == "aircraft", cruise_alt_m=float(cruise), end_alt_m=end_alt,
                first_waypoint=(float(mid_lat[0]), float(mid_lon[0]), float(mid_alt[0])) if len(mid_lat) else None,
                tail=tail, first_row=n_rows,
            ))  # fmt: skip
            n_rows += n
            route_speed.append(np.full(n, speed))
            route_launch.append(launch_t)
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

    kinds = np.concatenate(kind_of) if kind_of else np.zeros(0, np.int64)
    # composite order is [route threats..., ballistic threats...]; map back to raid order
    pos_in_kind = np.zeros(len(kinds), np.int64)
    for kk in (0, 1):
        m = kinds == kk
        pos_in_kind[m] = np.arange(m.sum())
    n_route = int((kinds == 0).sum())
    index = np.where(kinds == 0, pos_in_kind, n_route + pos_in_kind)

    # ---- friendly flights: flown, sensed and tracked like any object (after the hostiles); their
    # routes do not depend on the seed (only their transponders draw)
    fmovers: list[Mover] = []
    f_lat: list[np.ndarray] = []
    f_lon: list[np.ndarray] = []
    f_alt: list[np.ndarray] = []
    f_speed: list[np.ndarray] = []
    f_start: list[np.ndarray] = []
    frc: dict[str, list[Any]] = {k: [] for k in ("cls", "rcs", "launch", "end", "modes", "p_fail", "name")}
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
        f_lat += [lat] * fl.count
        f_lon += [lon] * fl.count
        f_alt += [alt] * fl.count
        f_speed.append(np.full(fl.count, speed))
        f_start.append(start)
        names = [f"{fl.name}#{j}" for j in range(fl.count)]
        frc["cls"].append(np.full(fl.count, CLASS_INDEX[cast(str, e.fields.get("class"))]))
        frc["rcs"].append(np.full(fl.count, _checked(e, "rcs_m2")))
        frc["launch"].append(start)
        frc["end"].append(np.asarray(fm.arrival_time_s, float))
        frc["modes"].append(np.full(fl.count, sum(1 << IFF_MODES.index(m) for m in set(fl.transponder_modes)), np.int64))
        frc["p_fail"].append(np.full(fl.count, float(fl.transponder_failure_probability)))
        frc["name"] += names
    n_f = len(frc["name"])

    def fcat(key: str, dtype: Any) -> np.ndarray:
        return np.concatenate(frc[key]).astype(dtype) if frc[key] else np.zeros(0, dtype)

    friend_rows = None
    if n_f:
        friend_rows = assemble_rows(densify_legs(np.concatenate(f_lat), np.concatenate(f_lon), np.concatenate(f_alt),
                                                 np.array([x.size for x in f_lat]), spacing, row_ids=np.arange(n_f)),
                                    n_f, dem, spacing)  # fmt: skip
    # the engine's mover: friendlies flown in the same RouteMover as the air-breathing threats
    # (one vectorised call per tick); composite order [routes (threats, friendlies), ballistic]
    o_index = np.where(index >= n_route, index + n_f, index)  # ballistic threats move behind the friendlies
    obj_index = np.concatenate([o_index, n_route + np.arange(n_f)]).astype(np.int64)

    # ---- IFF interrogators of the fire units (catalogue system; docs/models.md "IFF and rules of engagement")
    iff_mask = np.zeros(F, np.int64)
    iff_p = np.zeros(F)
    for f, (_, _, fu, _, _) in enumerate(fu_specs):
        se = cat.systems[fu.type]
        iff_mask[f] = sum(1 << IFF_MODES.index(m) for m in set(se.fields.get("iff_modes") or []))
        pv = _opt(se, "iff_reply_probability")
        iff_p[f] = 0.0 if np.isnan(pv) else pv

    return WorldTemplate(
        scenario=scenario,
        radars=radars,
        fire_units=fire_units,
        interceptors=interceptors,
        assets=asset_arr,
        site_names=tuple(s.name for s in scenario.sites),
        raid_names=tuple(r.name for r in scenario.raids),
        threat_types=tuple(type_ids),
        friendlies=CompositeMover(fmovers) if fmovers else None,
        catalog_used=used,
        terrain=dem,
        launchers=launcher_table,
        fc_radars=fc_radars,
        fu_iff_mask=iff_mask,
        fu_iff_reply_p=iff_p,
        networks=compile_networks(scenario),
        raids=tuple(raid_specs),
        threat_columns={k: cat_or_empty(k, np.int64 if k in ("raid", "type", "cls", "target") else float) for k in tcols},
        mover_index=index.astype(np.int64),
        n_route=n_route,
        has_route_raids=bool(route_speed),
        has_ballistic_raids=any(r.ballistic for r in raid_specs),
        route_speed_mps=np.concatenate(route_speed) if route_speed else np.zeros(0),
        route_launch_s=np.concatenate(route_launch) if route_launch else np.zeros(0),
        spacing_m=float(spacing),
        friend_rows=friend_rows,
        friend_speed_mps=np.concatenate(f_speed) if f_speed else np.zeros(0),
        friend_columns={k: fcat(k, float if k in ("rcs", "launch", "end", "p_fail") else np.int64)
                        for k in ("cls", "rcs", "launch", "end", "modes", "p_fail")},
        friendly_names=tuple(frc["name"]),
        object_mover_index=obj_index,
        ballistic_columns=_ballistic_columns(raid_specs),
    )


def _ballistic_columns(raids: list[RaidTemplate]) -> dict[str, np.ndarray]:
    """The seed-independent ``BallisticMover`` inputs of the ballistic raids, concatenated in raid
    order (launch time, flight-path angle (NaN: by shape), burn time, terminal weave g / altitude /
    period, trajectory shape): built once per template, only the launch and aim points are drawn.
    """
    br = [r for r in raids if r.ballistic]
    if not br:
        return {}

    def col(f: Any) -> np.ndarray:
        return np.concatenate([np.asarray(f(r), float) for r in br])

    def full(r: RaidTemplate, v: float) -> np.ndarray:
        return np.full(len(r.names), v)

    return {
        "t0": col(lambda r: r.launch_time_s), "fpa": col(lambda r: full(r, r.flight_path_angle_rad)),
        "tb": col(lambda r: full(r, r.burn_time_s)), "man_g": col(lambda r: full(r, r.manoeuvre_g)),
        "man_alt": col(lambda r: full(r, r.manoeuvre_alt_m)), "man_per": col(lambda r: full(r, r.manoeuvre_period_s)),
        "shape": np.concatenate([np.full(len(r.names), r.trajectory, dtype=object) for r in br]),
    }  # fmt: skip


@dataclass(frozen=True, eq=False)
class RaidTemplate:
    """The static part of one raid: what its threats' draws start from (see :meth:`WorldTemplate.draw`).

    ``tail`` (air-breathing raids with waypoints): the densified legs from the first waypoint to
    the target, shared by every threat of the raid and every seed; only each threat's first leg
    (launch point → first waypoint) is drawn per run.
    """

    index: int
    names: tuple[str, ...]  # entity names "<raid>#<j>" of its threats
    launch_lat_deg: float
    launch_lon_deg: float
    radius_km: float
    target: int
    target_lat_rad: float
    target_lon_rad: float
    launch_time_s: np.ndarray  # (n,)
    ballistic: bool
    # ballistic missiles
    aim_sigma_m: float = 0.0
    flight_path_angle_rad: float = float("nan")
    trajectory: str = "minimum_energy"
    burn_time_s: float = 0.0
    manoeuvre_g: float = 0.0
    manoeuvre_alt_m: float = 30_000.0
    manoeuvre_period_s: float = 10.0
    # air-breathing threats
    aircraft: bool = False
    cruise_alt_m: float = 0.0
    end_alt_m: float = 0.0
    first_waypoint: tuple[float, float, float] | None = None  # lat rad, lon rad, height m
    tail: Legs | None = None
    first_row: int = 0  # row of its first threat in the route mover


@dataclass(frozen=True, eq=False)
class WorldTemplate:
    """A scenario's world without the run's random draws (:func:`build_template`).

    :meth:`draw` gives the :class:`World` of one run; ``compile_world(scenario, catalog,
    streams)`` is ``build_template(scenario, catalog).draw(streams)``. The arrays of the template
    are shared by every world drawn from it, so nothing may modify them (the engine copies what it
    changes; a test runs two seeds from one template and then the first again).
    """

    scenario: Scenario
    radars: RadarArrays  # scan phases 0 (drawn per run)
    fire_units: FireUnitArrays
    interceptors: InterceptorTable
    assets: AssetArrays
    site_names: tuple[str, ...]
    raid_names: tuple[str, ...]
    threat_types: tuple[str, ...]
    friendlies: Mover | None
    catalog_used: dict[str, Any]
    terrain: Dem | None
    launchers: LauncherTable
    fc_radars: FireControlRadarArrays
    fu_iff_mask: np.ndarray
    fu_iff_reply_p: np.ndarray
    networks: NetworkArrays
    raids: tuple[RaidTemplate, ...]
    threat_columns: dict[str, np.ndarray]  # static (N,) columns in raid order
    mover_index: np.ndarray  # (N,) composite [route, ballistic] index of each threat
    n_route: int
    has_route_raids: bool
    has_ballistic_raids: bool
    route_speed_mps: np.ndarray  # (n_route,)
    route_launch_s: np.ndarray
    spacing_m: float
    friend_rows: Rows | None
    friend_speed_mps: np.ndarray  # (N_f,)
    friend_columns: dict[str, np.ndarray]
    friendly_names: tuple[str, ...]
    object_mover_index: np.ndarray  # (N + N_f,)
    ballistic_columns: dict[str, np.ndarray] = field(default_factory=dict)  # (N_b,) each, see _ballistic_columns

    def draw(self, streams: RunStreams | None = None) -> World:
        """The world of one run: the template plus everything drawn from the run's streams.

        Per-entity streams (``streams.entity``): each radar draws its scan phase φ = u·T_revisit;
        each threat (key ``"<raid>#<j>"``) draws its launch point in the disc (u, v: r = R√u,
        az = 2πv) and, if ballistic with an aim error σ, its miss (two normals N(0, σ) and an
        azimuth); each friendly aircraft draws once whether its transponder works (u ≥ p_fail).
        The movers are then built from the drawn points (air-breathing: the drawn first leg
        joined to the raid's precomputed tail, vectorised; ballistic: ``BallisticMover``).
        Default streams come from ``scenario.seed``. Same template + same streams ⇒ the same
        world as :func:`compile_world` always built.
        """
        st = streams or make_streams(self.scenario.seed)
        # every draw below is compiled on the streams' state rows (RunStreams.states, bit-identical
        # to the entities' Generators, which are made only if Python draws from them later)
        radar_names = list(self.radars.name)
        rst = st.states("radar", radar_names)
        radars = replace(self.radars, scan_phase_s=np.ascontiguousarray(
            _uniform_rows(rst, 1)[:, 0] * self.radars.revisit_s))  # fmt: skip
        st.put_states("radar", radar_names, rst)
        heads: list[Legs] = []
        ball: list[list[np.ndarray]] = [[] for _ in range(4)]  # drawn: lat0, lon0, lat1, lon1 per ballistic raid
        for rt in self.raids:  # a loop over raids; the draws are per threat, from each threat's own stream
            n = len(rt.names)
            tst = st.states("threat", rt.names)  # one stream per threat
            uv = _uniform_rows(tst, 2)
            lat0, lon0 = _disc_points(rt.launch_lat_deg, rt.launch_lon_deg, rt.radius_km, uv[:, 0], uv[:, 1])
            t_lat, t_lon = np.full(n, rt.target_lat_rad), np.full(n, rt.target_lon_rad)
            if rt.ballistic:
                tlat, tlon = t_lat, t_lon
                if rt.aim_sigma_m > 0:
                    draws = _aim_rows(tst, float(rt.aim_sigma_m))
                st.put_states("threat", rt.names, tst)
                if rt.aim_sigma_m > 0:
                    d = np.abs(draws[:, :2])
                    r = np.hypot(d[:, 0], d[:, 1])
                    az = draws[:, 2] * 2 * np.pi
                    tlat, tlon, _ = frames.geodesic_direct(tlat, tlon, az, r)
                for lst, v in zip(ball, (lat0, lon0, tlat, tlon)):
                    lst.append(np.asarray(v, float))
                continue
            st.put_states("threat", rt.names, tst)
            rows = rt.first_row + np.arange(n)
            ones = np.ones(n, bool)
            if rt.first_waypoint is not None and rt.tail is not None:  # launch point → first waypoint, then the tail
                wl, wn, wa = rt.first_waypoint
                heads.append(densify_legs(np.column_stack([lat0, np.full(n, wl)]).ravel(),
                                          np.column_stack([lon0, np.full(n, wn)]).ravel(),
                                          np.column_stack([np.full(n, rt.cruise_alt_m), np.full(n, wa)]).ravel(),
                                          np.full(n, 2), self.spacing_m, row_ids=rows))  # fmt: skip
                heads.append(tile_legs(rt.tail, rows, j_offset=0))
                continue
            # no waypoints: launch point → (dive point TERMINAL_DIVE_M before the target) → target
            az_back, _, last_m = frames.geodesic_inverse(t_lat, t_lon, lat0, lon0)
            dive = (not rt.aircraft) & (np.asarray(last_m) > TERMINAL_DIVE_M + 1000.0)
            d_lat, d_lon, _ = frames.geodesic_direct(t_lat, t_lon, np.asarray(az_back), np.full(n, TERMINAL_DIVE_M))
            keep = np.column_stack([ones, dive, ones])
            heads.append(densify_legs(
                np.column_stack([lat0, d_lat, t_lat])[keep], np.column_stack([lon0, d_lon, t_lon])[keep],
                np.column_stack([np.full(n, rt.cruise_alt_m), np.full(n, rt.cruise_alt_m), np.full(n, rt.end_alt_m)])[keep],
                2 + dive.astype(np.int64), self.spacing_m, row_ids=rows))  # fmt: skip

        movers: list[Mover] = []
        route_rows = None
        if self.has_route_raids:
            route_rows = assemble_rows(concat_legs(heads), self.n_route, self.terrain, self.spacing_m)
            movers.append(route_mover_from_rows(route_rows, self.route_speed_mps, self.route_launch_s, self.spacing_m))
        ballistic: list[Mover] = []
        if self.has_ballistic_raids:
            b = [np.concatenate(a) for a in ball]
            bc = self.ballistic_columns  # the template's seed-independent columns
            # NaN angle: the raid's trajectory shape decides (minimum energy, depressed, lofted)
            ballistic.append(BallisticMover(b[0], b[1], b[2], b[3], bc["t0"].copy(), flight_path_angle_rad=bc["fpa"],
                                            integrate_dt_s=2.0, burn_time_s=bc["tb"], shape=bc["shape"],
                                            terminal_manoeuvre_g=bc["man_g"], terminal_manoeuvre_alt_m=bc["man_alt"],
                                            terminal_manoeuvre_period_s=bc["man_per"]))  # fmt: skip
        mover: Mover = PermutedMover(CompositeMover(movers + ballistic), self.mover_index)
        tc = self.threat_columns
        threats = ThreatArrays(
            raid_index=tc["raid"], type_index=tc["type"], class_index=tc["cls"], rcs_m2=tc["rcs"], cost_usd=tc["cost"],
            p_damage=tc["pdmg"], target_asset=tc["target"], launch_time_s=tc["launch"],
            arrival_time_s=np.asarray(mover.arrival_time_s, float), mover=mover,
        )  # fmt: skip

        # friendlies: each aircraft's transponder works for the whole run with probability
        # 1 − p_fail, drawn once from its own stream (adding a flight never shifts another's draws)
        fc = self.friend_columns
        n_f = len(self.friendly_names)
        n_h = len(threats)
        fst = st.states("transponder", list(self.friendly_names))
        u_tr = _uniform_rows(fst, 1)[:, 0]
        st.put_states("transponder", list(self.friendly_names), fst)
        mask = np.where(u_tr >= fc["p_fail"], fc["modes"], 0).astype(np.int64)
        if n_f:
            assert self.friend_rows is not None
            parts = [route_rows, self.friend_rows] if route_rows is not None else [self.friend_rows]
            o_route = route_mover_from_rows(concat_rows(parts), np.r_[self.route_speed_mps, self.friend_speed_mps],
                                            np.r_[self.route_launch_s, fc["launch"]], self.spacing_m)  # fmt: skip
            obj_mover: Mover = PermutedMover(CompositeMover([o_route] + ballistic), self.object_mover_index)
        else:
            obj_mover = mover
        objects = ThreatArrays(
            raid_index=np.r_[threats.raid_index, np.full(n_f, -1)].astype(np.int64),
            type_index=np.r_[threats.type_index, np.full(n_f, -1)].astype(np.int64),
            class_index=np.r_[threats.class_index, fc["cls"]].astype(np.int64),
            rcs_m2=np.r_[threats.rcs_m2, fc["rcs"]],
            cost_usd=np.r_[threats.cost_usd, np.full(n_f, np.nan)],
            p_damage=np.r_[threats.p_damage, np.zeros(n_f)],
            target_asset=np.r_[threats.target_asset, np.full(n_f, -1)].astype(np.int64),
            launch_time_s=np.r_[threats.launch_time_s, fc["launch"]],
            arrival_time_s=np.r_[threats.arrival_time_s, np.full(n_f, np.inf)],
            mover=obj_mover,
            friendly=np.r_[np.zeros(n_h, bool), np.ones(n_f, bool)],
            transponder_mask=np.r_[np.zeros(n_h, np.int64), mask].astype(np.int64),
            end_time_s=np.r_[np.full(n_h, np.inf), fc["end"]],
        )
        return World(
            scenario=self.scenario,
            radars=radars,
            fire_units=self.fire_units,
            interceptors=self.interceptors,
            threats=threats,
            assets=self.assets,
            site_names=self.site_names,
            raid_names=self.raid_names,
            threat_types=self.threat_types,
            friendlies=self.friendlies,
            catalog_used=self.catalog_used,
            terrain=self.terrain,
            launchers=self.launchers,
            fc_radars=self.fc_radars,
            objects=objects,
            friendly_names=self.friendly_names,
            fu_iff_mask=self.fu_iff_mask,
            fu_iff_reply_p=self.fu_iff_reply_p,
            networks=self.networks,
        )


@numba.njit(cache=True, error_model="numpy")
def _uniform_rows(st: np.ndarray, k: int) -> np.ndarray:
    """(n, k) ``Generator.random(k)`` of each stream row of ``st`` (n, 4), in row order (rng_kernels)."""
    out = np.empty((st.shape[0], k))
    for i in range(st.shape[0]):
        for j in range(k):
            out[i, j] = rng_kernels.next_double(st, i)
    return out


@numba.njit(cache=True, error_model="numpy")
def _aim_rows(st: np.ndarray, sigma_m: float) -> np.ndarray:
    """(n, 3) per stream row: ``normal(0, σ, 2)`` then ``random()`` (the ballistic aim-error draws)."""
    out = np.empty((st.shape[0], 3))
    for i in range(st.shape[0]):
        out[i, 0] = rng_kernels.normal(st, i, 0.0, sigma_m)
        out[i, 1] = rng_kernels.normal(st, i, 0.0, sigma_m)
        out[i, 2] = rng_kernels.next_double(st, i)
    return out


def compile_world(
    scenario: Scenario,
    catalog: Catalog | None = None,
    streams: RunStreams | None = None,
    terrain: Dem | None = None,
) -> World:
    """Resolve catalogue types and build the world arrays of one run.

    ``build_template(scenario, catalog, terrain).draw(streams)``: the seed-independent template
    (:func:`build_template`) plus the run's random placement (:meth:`WorldTemplate.draw`: launch
    points in their disc, ballistic aim errors, radar scan phases, transponder failures, each from
    its entity's own stream). Default streams come from ``scenario.seed``. To run many seeds of
    one scenario, build the template once and draw per seed.
    """
    return build_template(scenario, catalog, terrain).draw(streams)
