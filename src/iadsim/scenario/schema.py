"""Scenario file schema (pydantic v2, ``extra="forbid"``, frozen).

Field names carry their units (``lat_deg``, ``speed_mps``, ``rcs_m2``, ``time_s``) and heights
their datum (``antenna_agl_m``, ``alt_agl_m``, ``altitude_agl_m``: above the ground, which is the
WGS84 ellipsoid on the smooth Earth and the DEM surface under ``fidelity.terrain: dem``).
Validation here is structural; references into the catalogue and between sections are checked in
:mod:`iadsim.scenario.load` so that every problem is reported at once with its line.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

Lat = Annotated[float, Field(ge=-90.0, le=90.0, description="Geodetic latitude, degrees (WGS84)")]
Lon = Annotated[float, Field(ge=-180.0, le=180.0, description="Longitude, degrees east (WGS84)")]
Pos = Annotated[float, Field(gt=0.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Prob = Annotated[float, Field(ge=0.0, le=1.0)]
Name = Annotated[str, Field(min_length=1, max_length=80)]

THREAT_CLASSES = ("aircraft", "cruise_missile", "ballistic_missile", "drone")
#: IFF modes a transponder can answer and an interrogator can read (c2/iff.py; docs/models.md).
IFF_MODES = ("nato-mode-4", "nato-mode-5", "parol")
IffMode = Literal["nato-mode-4", "nato-mode-5", "parol"]
#: Rules of engagement (c2/iff.py ``roe_allows``).
Roe = Literal["weapons_free", "weapons_tight", "weapons_hold"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fidelity(_Model):
    """Model fidelity levels (each is a real model; the manifest records the choice)."""

    association: Literal["truth", "gnn", "jpda"] = Field(
        default="truth", description="Data association: perfect (truth), global nearest neighbour, or JPDA"
    )
    flyout: Literal["analytic"] = Field(
        default="analytic", description="Interceptor flyout: analytic = average speed + predicted intercept point"
    )
    midcourse_updates: bool = Field(
        default=True,
        description="Interceptors get track updates in flight (command/datalink guidance): the kill is "
        "assessed against the engaged track's latest estimate extrapolated to the intercept time, "
        "not the launch-time PIP",
    )
    terrain: Literal["none", "dem"] = Field(
        default="none",
        description="none = smooth 4/3-Earth, ground = WGS84 ellipsoid; dem = sites and assets stand on the "
        "DEM of dem_path, air-breathing threats fly their height above it, radar lines of sight are masked by it",
    )
    dem_path: str | None = Field(
        default=None,
        description="GeoTIFF or SRTM .hgt in longitude/latitude degrees (heights above mean sea level); "
        "a relative path is relative to the scenario file; required with terrain: dem",
    )
    earth: Literal["spherical-nonrotating"] = Field(
        default="spherical-nonrotating", description="Earth model of the ballistic trajectories"
    )


class TrackingSpec(_Model):
    """Track management of the per-site trackers."""

    confirm_m: int = Field(default=3, ge=1, description="M of M-of-N confirmation")
    confirm_n: int = Field(default=4, ge=1, le=32, description="N of M-of-N confirmation (scan opportunities)")
    drop_misses: int = Field(default=3, ge=1, description="Drop a track after this many consecutive missed scans")
    process_noise_m2ps3: Pos = Field(
        default=50.0, description="Nearly-constant-velocity process-noise intensity q (m²/s³)"
    )
    clutter_per_scan: NonNeg = Field(
        default=0.0, description="Mean Poisson false alarms per radar scan, uniform in its search volume"
    )
    gate: Pos = Field(default=4.0, description="Mahalanobis gate (distance, not squared) of gnn/jpda association")
    association_pd: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        default=0.8, description="Detection probability assumed by JPDA's association weights"
    )
    quality_sample_s: Pos = Field(default=10.0, description="Interval of the track-picture quality (GOSPA) samples")
    gospa_cutoff_m: Pos = Field(default=1000.0, description="GOSPA cut-off c (p = 1, alpha = 2), metres")
    model: Literal["cv", "imm"] = Field(
        default="cv",
        description="Track filter: nearly-constant velocity (cv) or an IMM of CV and coordinated turns (imm)",
    )
    imm_turn_rate_deg_s: Pos = Field(
        default=3.0, description="Turn rate of the IMM's coordinated-turn models (deg/s; 3 = standard-rate turn)"
    )
    imm_sojourn_s: Pos = Field(default=30.0, description="Mean time the IMM assumes a target stays in one mode (s)")


class RegionSpec(_Model):
    """Area of interest for maps and coverage: a country of the bundled borders or a box."""

    country: str | None = None
    bbox_deg: tuple[Lon, Lat, Lon, Lat] | None = Field(None, description="[west, south, east, north], degrees")


class SensorSpec(_Model):
    """A radar at a site: a catalogue radar type, optionally with per-site overrides."""

    type: Name = Field(description="Catalogue radar id (see `iadsim catalog`)")
    name: Name | None = None
    boresight_az_deg: Annotated[float, Field(ge=0.0, lt=360.0)] | None = Field(
        None, description="Centre of the azimuth field of regard, degrees clockwise from north"
    )
    reference_range_km: Pos | None = None
    reference_rcs_m2: Pos | None = None
    reference_pd: Annotated[float, Field(gt=0.0, lt=1.0)] | None = None
    pfa: Annotated[float, Field(gt=0.0, lt=1.0)] | None = None
    max_range_km: Pos | None = None
    max_altitude_km: Pos | None = None
    min_elevation_deg: Annotated[float, Field(ge=-5.0, le=60.0)] | None = None
    field_of_regard_deg: Annotated[float, Field(gt=0.0, le=360.0)] | None = None
    revisit_s: Pos | None = None
    sigma_range_m: Pos | None = None
    sigma_azimuth_mrad: Pos | None = None
    sigma_elevation_mrad: Pos | None = None
    antenna_agl_m: NonNeg | None = Field(
        None, description="Antenna (phase-centre) height above the ground at the site, m; default: catalogue"
    )


class InterceptorOverride(_Model):
    """Per-site override of an interceptor's catalogue values."""

    max_range_km: Pos | None = None
    min_range_km: NonNeg | None = None
    max_altitude_km: Pos | None = None
    min_altitude_km: NonNeg | None = None
    average_speed_mps: Pos | None = None
    max_target_speed_mps: Pos | None = None
    basket_m: Pos | None = None
    cost_usd: NonNeg | None = None
    ballistic_max_range_km: Pos | None = None
    ballistic_max_altitude_km: Pos | None = None
    pk: dict[Literal["aircraft", "cruise_missile", "ballistic_missile", "drone"], Prob] | None = None
    midcourse_datalink: bool | None = Field(
        None, description="The round receives command/datalink midcourse updates (engage_on_remote needs it); "
        "default: the catalogue's midcourse_datalink"
    )


class FireUnitSpec(_Model):
    """A fire unit (battery) of a catalogue system at a site."""

    type: Name = Field(description="Catalogue system id, e.g. s400, patriot, samp-t, hq-9")
    name: Name | None = None
    loadout: dict[str, Annotated[int, Field(ge=0)]] | None = Field(
        None, description="Interceptor id → rounds; default: the catalogue's default loadout"
    )
    doctrine: Literal["salvo", "shoot-look-shoot"] | None = Field(
        None, description="Engagement doctrine; default: the catalogue system's doctrine"
    )
    salvo_size: Annotated[int, Field(ge=1, le=8)] | None = None
    weapon_choice: Literal["loadout-order", "cheapest"] | None = Field(
        None, description="Interceptor choice among capable rounds: first in loadout order, or cheapest "
        "by public cost (uncosted rounds rank last); default: the catalogue system's rule"
    )
    reserve: dict[str, list[Literal["aircraft", "cruise_missile", "ballistic_missile", "drone"]]] | None = Field(
        None, description="Interceptor id -> threat classes (assessed) it is reserved for; {} lifts the "
        "catalogue's reservation; default: the catalogue system's reserve"
    )
    reserve_rule: Literal["hold", "last-resort"] | None = Field(
        None, description="hold: a reserved round never engages other classes; last-resort: it does when no "
        "unreserved round is capable for the engagement; default: the catalogue system's rule (hold)"
    )
    dead_target_rounds: Literal["self_destruct", "retarget"] | None = Field(
        None, description="Rounds in flight at a target assessed dead: self_destruct, or retarget (reassigned to "
        "another engageable track of the unit they can still reach, else self-destruct); default: the catalogue "
        "system's dead_target_rounds, else self_destruct (assumption: no public doctrine found)"
    )
    reloads: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, description="Reserve rounds per interceptor id, loaded onto emptied launchers "
        "after reload_time_s; default none"
    )
    reload_time_s: NonNeg | None = None
    reaction_time_s: NonNeg | None = None
    launch_interval_s: NonNeg | None = None
    max_simultaneous_engagements: Annotated[int, Field(ge=1)] | None = None
    interceptors: dict[str, InterceptorOverride] = Field(default_factory=dict)
    max_missiles_guided: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Guidance channels: rounds in flight one fire-control radar guides at once (default: catalogue)"
    )
    min_handover_pk_fraction: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        default=0.5,
        description="Launch-quality gate: launch only if the expected Pk kept at seeker hand-over, "
        "det(I + P_h/b^2)^(-1/2) for the predicted aim-error covariance P_h, is at least this fraction "
        "(doctrine assumption: no round whose expected Pk is under half its nominal value)",
    )
    kill_assessment_s: NonNeg = Field(
        default=5.0,
        description="Time after a round's intercept time until the unit knows whether the target died "
        "(notional assumption: a few fire-control track updates)",
    )
    kill_assessment_error: Annotated[float, Field(ge=0.0, lt=0.5)] = Field(
        default=0.05,
        description="Probability that a kill assessment is wrong (either way); notional assumption",
    )
    engage_on_remote: bool | None = Field(
        None,
        description="Doctrine: launch on a network track before the unit's own radars hold the target, "
        "when the chosen interceptor has command/datalink midcourse guidance (catalogue midcourse_datalink); "
        "the fire-control radar must acquire the target before the seeker hand-over. Default false",
    )
    layered_second_shot: bool = Field(
        False,
        description="Doctrine: this unit may engage a threat that another unit of its fire-distribution "
        "group (network, or site when standalone) already engages (a layered second shot); default false",
    )


class SiteSpec(_Model):
    """A defended site: position, radars and fire units."""

    name: Name
    lat_deg: Lat
    lon_deg: Lon
    operator: str | None = Field(None, description="Who operates it (informational)")
    sensors: list[SensorSpec] = Field(default_factory=list)
    fire_units: list[FireUnitSpec] = Field(default_factory=list)
    rules_of_engagement: Roe | None = Field(
        default=None, description="Rules of engagement of this site's fire units; default: the scenario's rules_of_engagement"
    )
    network: Name | None = Field(
        None, description="Name of the network (top-level networks:) this site is a member of; null = standalone"
    )


class OutageSpec(_Model):
    """A scheduled link outage of a network: no picture is fused or delivered in [start_s, end_s)."""

    start_s: NonNeg
    end_s: NonNeg


class NetworkSpec(_Model):
    """A C2 network: a node that fuses its member sites' tracks and sends the picture back over a link."""

    name: Name
    latency_s: NonNeg = Field(
        description="Link latency: a fused picture reaches the members this long after it was formed, s"
    )
    update_s: Pos = Field(description="Interval between fused network pictures, s")
    outages: list[OutageSpec] = Field(
        default_factory=list, description="Scheduled link outages (members fight autonomously meanwhile)"
    )
    c2_node_fail_s: NonNeg | None = Field(
        None, description="Time the C2 node fails for good (members fight autonomously after it); null = never"
    )


class AssetSpec(_Model):
    """A defended asset (city, base, radar) with a notional value."""

    name: Name
    lat_deg: Lat
    lon_deg: Lon
    alt_agl_m: float = Field(0.0, ge=0.0, le=9000.0, description="Height above the ground, m")
    value: NonNeg = Field(1.0, description="Notional value lost if the asset is destroyed")


class Waypoint(_Model):
    lat_deg: Lat
    lon_deg: Lon
    alt_agl_m: NonNeg | None = Field(
        None, description="Height above the ground at this waypoint, m; default: the threat's cruise altitude"
    )


class LaunchArea(_Model):
    lat_deg: Lat
    lon_deg: Lon
    radius_km: NonNeg = Field(0.0, description="Launch points are drawn uniformly in this disc")


class RaidSpec(_Model):
    """A group of identical threats launched at one defended asset."""

    name: Name
    threat: Name = Field(description="Catalogue threat id (see `iadsim catalog`)")
    count: Annotated[int, Field(ge=1, le=100_000)] = 1
    launch: LaunchArea
    launch_time_s: NonNeg = 0.0
    spacing_s: NonNeg = Field(0.0, description="Time between successive launches of the raid")
    target: Name = Field(description="Name of a defended asset")
    route: list[Waypoint] = Field(
        default_factory=list, description="Intermediate waypoints (air-breathing threats only)"
    )
    speed_mps: Pos | None = None
    altitude_agl_m: NonNeg | None = Field(
        None, description="Cruise height above the ground, m (air-breathing); default: catalogue cruise_altitude_agl_m"
    )
    rcs_m2: Pos | None = None
    flight_path_angle_deg: Annotated[float, Field(gt=0.0, lt=90.0)] | None = Field(
        None,
        description="Ballistic only: flight-path angle of the boost line and at burnout, above the launch "
        "point's horizontal; overrides trajectory",
    )
    trajectory: Literal["minimum_energy", "depressed", "lofted"] | None = Field(
        None,
        description="Ballistic only: trajectory shape; default: the catalogue's trajectory (minimum_energy where none)",
    )
    burn_time_s: NonNeg | None = Field(
        None, description="Ballistic only: boost (burn) time, s; default: the catalogue's burn_time_s"
    )
    terminal_manoeuvre_g: Annotated[float, Field(ge=0.0, le=30.0)] = Field(
        0.0,
        description="Ballistic only: peak lateral acceleration (g) of a terminal weave below "
        "terminal_manoeuvre_alt_km; the defender's ballistic predictor does not model it",
    )
    terminal_manoeuvre_alt_km: Pos = Field(
        30.0, description="Ballistic only: altitude (descending) below which the terminal weave starts, km"
    )
    terminal_manoeuvre_period_s: Pos = Field(
        10.0, description="Ballistic only: nominal period of the terminal weave, s"
    )
    aim_error_m: NonNeg | None = Field(
        None, description="1-sigma aim error per axis at the target; default derived from the catalogue CEP"
    )


def _nato_modes() -> list[IffMode]:
    return ["nato-mode-4", "nato-mode-5"]


class FriendlySpec(_Model):
    """Friendly flights: flown, sensed and tracked like any air object, and answering IFF interrogations."""

    name: Name
    type: Name = Field(description="Catalogue threat id of the airframe class, e.g. fighter-4gen")
    count: Annotated[int, Field(ge=1, le=1000)] = 1
    route: list[Waypoint] = Field(min_length=2)
    start_time_s: NonNeg = 0.0
    spacing_s: NonNeg = 0.0
    speed_mps: Pos | None = None
    transponder_modes: list[IffMode] = Field(
        default_factory=_nato_modes,
        description="IFF modes the flight's transponders answer (NATO fighters: Mark XII Mode 4 and Mode 5)",
    )
    transponder_failure_probability: Prob = Field(
        default=0.0,
        description="Probability that an aircraft's transponder does not answer at all during the run (drawn once "
        "per aircraft from its own stream); no public rate: set it for the study",
    )


class IdentificationSpec(_Model):
    """Identification ladder parameters (c2/iff.py); all are stated assumptions, see docs/models.md."""

    interrogation_interval_s: Pos = Field(
        default=5.0, description="Each site interrogates each of its confirmed tracks at this interval, s"
    )
    assume_friend_replies: int = Field(
        default=1, ge=1, le=100, description="Valid replies after which a track is assumed friend"
    )
    friend_replies: int = Field(
        default=2, ge=1, le=100, description="Valid replies after which a track is identified friend (≥ assume_friend_replies)"
    )
    assume_hostile_silent: int = Field(
        default=1, ge=1, le=100, description="Consecutive unanswered interrogations, with hostile kinematics, after which a track is assumed hostile"
    )
    hostile_silent: int = Field(
        default=3, ge=1, le=100, description="Consecutive unanswered interrogations, with hostile kinematics, after which a track is "
        "identified hostile (≥ assume_hostile_silent)"
    )
    attack_cpa_km: NonNeg = Field(
        default=5.0, description="Hostile kinematics: the track's predicted closest approach to a defended asset is within this distance"
    )
    attack_horizon_s: Pos = Field(
        default=1800.0, description="... and that closest approach is at most this far ahead, s"
    )

    @field_validator("friend_replies")
    @classmethod
    def _friend_ge(cls, v: int, info: ValidationInfo) -> int:
        a = info.data.get("assume_friend_replies")
        if a is not None and v < a:
            raise ValueError(f"must be >= assume_friend_replies ({a})")
        return v

    @field_validator("hostile_silent")
    @classmethod
    def _hostile_ge(cls, v: int, info: ValidationInfo) -> int:
        a = info.data.get("assume_hostile_silent")
        if a is not None and v < a:
            raise ValueError(f"must be >= assume_hostile_silent ({a})")
        return v


class Scenario(_Model):
    """A complete scenario (SI units inside once compiled)."""

    name: Name
    description: str = ""
    notional: bool = Field(True, description="Always true for bundled data: values are notional")
    epoch_utc: datetime = Field(datetime(2017, 7, 25, tzinfo=timezone.utc), description="Scenario start, UTC")
    duration_s: Annotated[float, Field(gt=0.0, le=7 * 86400.0)] = 1800.0
    time_step_s: Annotated[float, Field(gt=0.0, le=60.0)] = 1.0
    seed: Annotated[int, Field(ge=0)] = 0
    fidelity: Fidelity = Field(default_factory=Fidelity)
    tracking: TrackingSpec = Field(default_factory=TrackingSpec)
    region: RegionSpec | None = None
    sites: list[SiteSpec] = Field(min_length=1)
    assets: list[AssetSpec] = Field(min_length=1)
    raids: list[RaidSpec] = Field(default_factory=list)
    friendly_flights: list[FriendlySpec] = Field(default_factory=list)
    # --- threat evaluation and weapon-target assignment (issue 9, TEWA) ---
    assignment: Literal["greedy", "mmr", "heuristic", "exact"] = Field(
        "heuristic",
        description="Weapon-target assignment solver of each decision cycle (c2/assignment.py): greedy, "
        "mmr (maximum marginal return), heuristic (linear-assignment rounds + local search; default) or "
        "exact (HiGHS MILP, time-limited)",
    )
    assignment_time_limit_s: Pos | None = Field(
        None, description="Wall-clock limit of one exact WTA solve, s (assignment: exact only; default 1 s)"
    )
    decision_interval_s: Pos | None = Field(
        None, description="Time between C2 decision cycles (threat evaluation + assignment), s; "
        "default: every time step"
    )
    fire_distribution: Literal["exclusive", "layered"] = Field(
        "exclusive",
        description="exclusive: a threat with rounds in flight (or awaiting assessment) from one unit of a "
        "fire-distribution group is not engaged by another unit of the group; layered: another unit may add a "
        "second, independent engagement (doctrine's layered second shot). Either way one unit per threat per "
        "decision cycle",
    )
    rules_of_engagement: Roe = Field(
        default="weapons_tight",
        description="weapons_free: engage any track not identified or assumed friend; weapons_tight: only tracks "
        "identified or assumed hostile; weapons_hold: none (c2/iff.py roe_allows)",
    )
    identification: IdentificationSpec = Field(default_factory=IdentificationSpec)
    networks: list[NetworkSpec] = Field(
        default_factory=list, description="C2 networks; sites join one with sites.<i>.network"
    )

    @field_validator("epoch_utc")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            return v.replace(tzinfo=timezone.utc)
        return v.astimezone(timezone.utc)
