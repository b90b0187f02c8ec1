"""The engine: fixed-step clock, five phases per tick in a fixed order, events as the record.

``simulate(scenario, seed) -> RunResult``. Per tick ``t = k·dt`` (k = 1 … K):

1. **motion** — threat positions at ``t``; launches; threats that reached their target leak and
   their impact is drawn;
2. **sensing** — every scanning radar draws detections of the active threats; fire-control radars
   add their dedicated track dwells on engaged targets (``sensors/scheduling.py``) and declare a
   target lost (its rounds lose guidance);
3. **tracking** — per-site track tables are updated from their own radars' detections; engaged
   tracks are protected from search-miss drops; new tracks are correlated with recently dropped
   ones (``c2/correlation.py``) so the fire unit keeps the target's identity;
4. **C2** — kill assessments fall due (``weapons/kill_assessment.py``; rounds at a target assessed
   dead self-destruct); each ready fire unit ranks its site's engageable tracks by earliest
   predicted arrival at any defended asset (``c2/evaluation.py``), skipping targets it has rounds
   in flight at or awaiting assessment (``c2/fire_control.py``);
5. **engagement** — the best feasible track per ready unit is engaged (interceptor choice and
   envelope in ``weapons/engagement.py``, supported by a fire-control radar with free channels);
   interceptors whose intercept time has come are resolved (kill or miss with its reason).

Shots in flight are kept in arrays keyed by their intercept time — a vectorised event queue
ordered by ``(time, priority, seq)``. Everything random comes from the run's named streams.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from iadsim.c2 import classification, correlation, evaluation, fire_control
from iadsim.c2 import network as net_mod
from iadsim.engine.events import REASON_CODE, EventKind, EventLog
from iadsim.engine.state import FireControlState, ShotTable
from iadsim.engine.world import World, compile_world
from iadsim.rng import make_streams
from iadsim.scenario.catalog import Catalog, load_catalog
from iadsim.scenario.schema import Scenario
from iadsim.sensors import radar as radar_mod
from iadsim.sensors import scheduling
from iadsim.tracking import association as _association  # noqa: F401 - import cost outside the timed loop
from iadsim.tracking.manager import TrackTable
from iadsim.tracking.metrics import gospa_ospa
from iadsim.weapons import engagement, kill_assessment
from iadsim.weapons.launchers import LauncherState

Progress = Callable[[int, int], None]

#: A dropped track can be inherited by a new track for this long after its drop (stated
#: assumption: a minute covers a re-acquisition after a few missed search scans).
REACQUIRE_WINDOW_S = 60.0
#: Reason codes of the events (index into ``events.REASONS``).
_LOSS_BASE = REASON_CODE["fc_out_of_coverage"]
_DEAD, _ALIVE, _SELF_DESTRUCT = REASON_CODE["assessed_dead"], REASON_CODE["assessed_alive"], REASON_CODE["self_destruct"]
_REMOTE, _NOT_ACQUIRED = REASON_CODE["remote_track"], REASON_CODE["fc_not_acquired"]



@dataclass(frozen=True)
class RunResult:
    """Outcome of one run: the events table (source of truth), its summary, and the manifest."""

    events: pa.Table
    summary: dict[str, Any]
    manifest: dict[str, Any]
    world: World = field(repr=False, compare=False)
    engine_wall_s: float = 0.0
    track_quality: pa.Table | None = field(default=None, repr=False)
    track_states: pa.Table | None = field(default=None, repr=False)

    def write(self, out_dir: str | Path) -> Path:
        """Write events.parquet, summary.json, manifest.json atomically into ``out_dir``."""
        from iadsim.results.store import write_run

        return write_run(self, out_dir)


def simulate(
    scenario: Scenario | str | Path,
    seed: int | None = None,
    *,
    catalog: Catalog | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run one replication.

    Parameters
    ----------
    scenario : a validated Scenario, a path to a scenario file, or a bundled scenario name.
    seed : run seed; default the scenario's ``seed``. Same scenario + seed + version ⇒ identical
        events.
    progress : optional callback ``progress(tick, n_ticks)``.
    """
    from iadsim.results.manifest import build_manifest
    from iadsim.results.metrics import summarize

    if not isinstance(scenario, Scenario):
        from iadsim.scenario.load import load_scenario

        scenario = load_scenario(scenario, catalog)
    cat = catalog or load_catalog()
    run_seed = scenario.seed if seed is None else int(seed)
    streams = make_streams(run_seed)
    world = compile_world(scenario, cat, streams)
    t0 = _time.perf_counter()
    events, quality, states = _run(world, streams, progress)
    wall = _time.perf_counter() - t0
    quality_tbl = _struct_table(quality)
    states_tbl = _struct_table(states)
    summary = summarize(events, world, quality_tbl)
    manifest = build_manifest(world, run_seed, engine_wall_s=wall, n_events=events.num_rows)
    return RunResult(events=events, summary=summary, manifest=manifest, world=world, engine_wall_s=wall,
                     track_quality=quality_tbl, track_states=states_tbl)  # fmt: skip


def _struct_table(a: np.ndarray) -> pa.Table:
    """A pyarrow table from a structured NumPy array (one column per field)."""
    names = a.dtype.names or ()
    return pa.table({name: a[name] for name in names})


def _run(world: World, streams: Any, progress: Progress | None) -> tuple[pa.Table, np.ndarray, np.ndarray]:  # noqa: C901 - the loop reads best in one place
    sc = world.scenario
    log = EventLog()
    radars = world.radars
    fus = world.fire_units
    ic = world.interceptors
    th = world.threats
    N, F, S = len(th), len(fus), len(radars)
    dt = world.dt_s
    K = world.n_ticks
    mover = th.mover

    quality: list[np.ndarray] = []
    states: list[np.ndarray] = []
    q_every = max(1, int(round(sc.tracking.quality_sample_s / dt)))
    launched = np.zeros(N, bool)
    alive = np.ones(N, bool)  # not destroyed by an interceptor
    done = np.zeros(N, bool)  # leaked or destroyed
    asset_destroyed = np.zeros(len(world.assets), bool)
    clutter = sc.tracking.clutter_per_scan
    vol = radar_mod.clutter_volume_m3(radars) if S else np.ones(1)
    tracks = TrackTable(
        n_sites=len(world.site_names), n_threats=max(N, 1),
        q_m2ps3=sc.tracking.process_noise_m2ps3, confirm_m=sc.tracking.confirm_m,
        confirm_n=sc.tracking.confirm_n, drop_misses=sc.tracking.drop_misses,
        association=sc.fidelity.association, gate=sc.tracking.gate, pd=sc.tracking.association_pd,
        clutter_density_per_m3=max(clutter, 1e-3) / float(np.mean(vol)),
        model=sc.tracking.model, imm_turn_rate_radps=float(np.deg2rad(sc.tracking.imm_turn_rate_deg_s)),
        imm_sojourn_s=sc.tracking.imm_sojourn_s,
    )  # fmt: skip
    launchers = LauncherState(world.launchers, fus.reserve_rounds) if world.launchers is not None else None
    n_types = len(ic.ids)
    next_ready = np.zeros(F)
    # per-entity streams (rng.py): each radar its detections and false alarms, each fire unit its
    # kill and kill-assessment draws, each threat its damage draw; keyed by name, so adding an
    # entity never shifts another's draws
    radar_rngs = streams.entities("radar", list(radars.name)) if S else ()
    threat_names = [f"{world.raid_names[int(r)]}#{j}" for r, j in zip(th.raid_index, _index_in_raid(th.raid_index))]
    shots = ShotTable()
    fcs = FireControlState(tracks.capacity)
    fcr = world.fc_radars
    radar_site = np.asarray(radars.site_index, np.int64)
    asset_ecef = world.assets.ecef_m.reshape(-1, 3)
    # rank of each radar within its site (0 = first listed): gnn/jpda associate in that order
    radar_rank = np.array([int((radar_site[:i] == radar_site[i]).sum()) for i in range(S)], np.int64)
    site_revisit = np.zeros(len(world.site_names))  # slowest radar revisit per site
    if S:
        np.maximum.at(site_revisit, radar_site, np.asarray(radars.revisit_s, float))
    ctx = _Ctx(world, tracks, shots, fcs, log, streams, asset_ecef, site_revisit, launchers)
    ns = ctx.net

    for k in range(1, K + 1):
        t = k * dt
        # ---------------------------------------------------------------- 1 motion
        ms = mover.state(t)
        pos, vel = ms.pos_ecef_m, ms.vel_ecef_mps
        new = ~launched & (th.launch_time_s <= t)
        if new.any():
            idx = np.flatnonzero(new)
            launched[idx] = True
            log.emit(EventKind.Launch_Threat, th.launch_time_s[idx], threat=idx,
                     x_m=pos[idx, 0], y_m=pos[idx, 1], z_m=pos[idx, 2])  # fmt: skip
        arriving = launched & alive & ~done & (th.arrival_time_s <= t)
        if arriving.any():
            idx = np.flatnonzero(arriving)
            done[idx] = True
            ta = th.arrival_time_s[idx]
            asset = th.target_asset[idx]
            log.emit(EventKind.Leak, ta, threat=idx, asset=asset)
            u_dmg = np.array([streams.entity("damage", threat_names[i]).random() for i in idx])
            hit = u_dmg < th.p_damage[idx]
            lost = np.zeros(len(idx))
            for j in np.flatnonzero(hit):  # few leakers per tick; sequential for "first destroys"
                a = asset[j]
                if not asset_destroyed[a]:
                    asset_destroyed[a] = True
                    lost[j] = world.assets.value[a]
            log.emit(EventKind.Impact, ta, threat=idx, asset=asset, value=lost,
                     x_m=pos[idx, 0], y_m=pos[idx, 1], z_m=pos[idx, 2])  # fmt: skip
        active = launched & alive & ~done
        # ---------------------------------------------------------------- 2 sensing
        det = radar_mod.sense(radars, pos, th.rcs_m2, active, t, dt, radar_rngs)
        if clutter > 0:
            fa = radar_mod.false_alarms(radars, t, dt, clutter, radar_rngs)
            if len(fa):
                det = radar_mod.Detections.concat(det, fa)
        if fcr is not None and fcr.is_fc.any():
            fdet = _track_dwells(ctx, t, pos, active)
            if ns is not None:  # network cues: fire-control dwells at delivered remote tracks
                cdet = net_mod.cue_dwells(ns, world, tracks, fcs.obj, fcs.radar >= 0, t, pos, active, ctx.cue_rngs)
                fdet = radar_mod.Detections.concat(fdet, cdet) if len(cdet) else fdet
            if len(fdet) and len(det):
                # a dwell in the tick of a search look that detected the same object adds no
                # second measurement of it (one echo per radar, object and tick)
                seen = np.isin(fdet.sensor * (N + 1) + fdet.target, det.sensor * (N + 1) + np.maximum(det.target, -1))
                if seen.any():
                    keep = np.flatnonzero(~seen)
                    fdet = radar_mod.Detections(**{fl: (getattr(fdet, fl) if fl == "time_s" else getattr(fdet, fl)[keep])
                                                   for fl in ("sensor", "target", "time_s", "range_m", "az_rad", "el_rad",
                                                              "z_enu_m", "z_ecef_m", "R_ecef")})  # fmt: skip
            if len(fdet):
                det = radar_mod.Detections.concat(det, fdet)
        M = len(det.sensor)
        # association rounds by radar rank within the site (dwell detections in their radar's round)
        det_rank = radar_rank[det.sensor] if M else None
        if M:
            det_site = radar_site[det.sensor]
            log.emit(EventKind.Detection, t, sensor=det.sensor, site=det_site, threat=det.target,
                     range_m=det.range_m, x_m=det.z_ecef_m[:, 0], y_m=det.z_ecef_m[:, 1], z_m=det.z_ecef_m[:, 2])  # fmt: skip
        else:
            det_site = np.zeros(0, np.int64)
        # ---------------------------------------------------------------- 3 tracking
        # engaged tracks maintained by a fire-control radar are not dropped on search misses
        tracks.protected[: tracks.size] = False
        m_obj = fcs.maintained()
        m_rows = fcs.row[m_obj]
        tracks.protected[m_rows[m_rows >= 0]] = True
        scanning = radar_mod.scanning(radars, t, dt)
        opp_rows = np.zeros(0, np.int64)
        live = tracks.live_rows()
        if len(live) and scanning.any():
            site_scans = np.zeros(len(world.site_names), bool)
            site_scans[radar_site[scanning]] = True
            live = live[site_scans[tracks.site[live]]]
            if ns is not None:  # remote rows are fed by the network, not scanned for
                live = live[~ns.remote[live]]
            if len(live):
                xp, _ = tracks.predicted(live, t)
                scan_idx = np.flatnonzero(scanning)
                sub = radars.subset(scan_idx)
                vis = radar_mod.visible(sub, radar_mod.geometry(sub, xp[:, :3]))  # (S_scan, L)
                covered = vis & (radar_site[scan_idx][:, None] == tracks.site[live][None, :])
                opp_rows = live[covered.any(axis=0)]
        # tracks not updated for drop_misses revisits of their site's slowest radar are dropped
        # even where no radar covers their predicted position any more (coasted out of coverage)
        live = tracks.live_rows()
        stale = live[((t - tracks.t_s[live]) > sc.tracking.drop_misses * site_revisit[tracks.site[live]] + dt)
                     & ~tracks.protected[live]]  # fmt: skip
        if ns is not None and len(stale):  # remote rows live by the network's deliveries (c2/network.py)
            stale = stale[~ns.remote[stale]]
        if len(stale):
            tracks.kill(stale)
            _dropped(fcs, stale, t)
            log.emit(EventKind.TrackDropped, t, site=tracks.site[stale], track=tracks.id[stale], threat=tracks.truth[stale])
        if M or len(opp_rows):
            tev = tracks.step(t, det_site, det.target, det.z_ecef_m, det.R_ecef, opp_rows,
                              det_rank=det_rank)  # fmt: skip
            fcs.ensure(tracks.capacity)
            if len(tev.dropped):
                _dropped(fcs, tev.dropped, t)
            if len(tev.initiated):
                _recognise(ctx, tev.initiated, t)
            fcs.was_confirmed[tev.confirmed] = True
            for kind, rows in ((EventKind.TrackInitiated, tev.initiated), (EventKind.TrackConfirmed, tev.confirmed),
                               (EventKind.TrackDropped, tev.dropped)):  # fmt: skip
                if len(rows):
                    log.emit(kind, t, site=tracks.site[rows], track=tracks.id[rows], threat=tracks.truth[rows])
        if ns is not None:  # ------------------------------------- 3b network picture (c2/network.py)
            _network_phase(ctx, t)
        # ---------------------------------------------------------------- 4 C2 + 5 engagement
        if F and ic.ids:
            _assess(ctx, t)
            if launchers is not None:
                launchers.complete_reloads(t)
                magazine = launchers.ready_rounds(t, F, n_types)  # rounds on ready launchers
            else:
                magazine = np.zeros((F, n_types), np.int64)
            ready = fire_control.ready_units(next_ready, t, magazine.sum(axis=1))
            conf = fire_control.engageable_tracks(tracks.live_rows(), tracks.confirmed, tracks.misses, tracks.t_s,
                                                  site_revisit, tracks.site, t, dt)  # fmt: skip
            if ns is not None:
                conf = net_mod.engageable_remote(ns, tracks, conf, t, dt)
            conf = conf[fire_control.believed_alive(fcs.reopen_at[fcs.obj[conf]], tracks.t_s[conf])]
            if ready.any() and len(conf):
                _engage(ctx, conf, np.flatnonzero(ready), t, magazine, next_ready)
            _resolve(ctx, t, pos, vel, alive, done, sc.fidelity.midcourse_updates)
            _release(ctx)
        # ---------------------------------------------------------------- track-picture quality
        if S and (k % q_every == 0 or k == K):
            own = None if ns is None else ~ns.remote[: tracks.size]  # the sites' own tracks (not remote rows)
            quality.append(_picture_quality(world, tracks, t, pos, active, radar_site, sc.tracking.gospa_cutoff_m, own))
            states.append(_track_states(tracks, t, own))
        if progress is not None:
            progress(k, K)
    return (log.table(), np.concatenate(quality) if quality else np.zeros(0, QUALITY_DTYPE),
            np.concatenate(states) if states else np.zeros(0, STATE_DTYPE))  # fmt: skip


@dataclass
class _Ctx:
    """The run's state and log, handed to the phase functions below."""

    world: World
    tracks: TrackTable
    shots: ShotTable
    fcs: FireControlState
    log: EventLog
    streams: Any
    asset_ecef: np.ndarray
    site_revisit: np.ndarray
    launchers: LauncherState | None = None
    fu_rngs: tuple[np.random.Generator, ...] = ()  # kill draws, one stream per fire unit
    assess_rngs: tuple[np.random.Generator, ...] = ()  # kill-assessment draws, one per fire unit
    net: net_mod.NetworkState | None = None  # networks (None: every site standalone)
    cue_rngs: list[np.random.Generator] = field(default_factory=list)  # cue dwells, one stream per site
    cue_delay: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (sites,) fire-control acquisition delay
    site_ecef: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))  # (sites, 3) site position
    aoi_m: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (sites,) area of interest for remote tracks

    def __post_init__(self) -> None:
        names = list(self.world.fire_units.name)
        if not self.fu_rngs:
            self.fu_rngs = self.streams.entities("fire_unit", names)
        if not self.assess_rngs:
            self.assess_rngs = self.streams.entities("kill_assessment", names)
        nets = self.world.networks
        if nets is not None and len(nets) and bool((nets.site_network >= 0).any()):
            self.net = net_mod.NetworkState(nets, self.tracks.capacity)
            self.cue_rngs = [self.streams.entity("network_cue", nm) for nm in self.world.site_names]
            fcr, radars = self.world.fc_radars, self.world.radars
            self.cue_delay = np.full(len(self.world.site_names), np.inf)
            if fcr is not None and len(radars):
                fc = np.flatnonzero(fcr.is_fc)
                np.minimum.at(self.cue_delay, np.asarray(radars.site_index)[fc], fcr.cue_delay_s[fc])
            # area of interest of a member (c2/network.py): its radars' range + its interceptors' range
            n_s = len(self.world.site_names)
            r_rad, r_wpn = np.zeros(n_s), np.zeros(n_s)
            self.site_ecef = np.zeros((n_s, 3))
            if len(radars):
                np.maximum.at(r_rad, np.asarray(radars.site_index), np.asarray(radars.max_range_m, float))
                self.site_ecef[np.asarray(radars.site_index)] = np.asarray(radars.ecef_m).reshape(-1, 3)
            fus = self.world.fire_units
            if len(fus):
                np.maximum.at(r_wpn, fus.site_index, np.nan_to_num(fus.max_range_m, posinf=0.0))
                self.site_ecef[fus.site_index] = fus.ecef_m
            self.aoi_m = r_rad + r_wpn


def _network_phase(ctx: _Ctx, t: float) -> None:
    """Phase 3b: link state, fusion, delivery of the network pictures (rules in c2/network.py)."""
    ns, tracks, fcs = ctx.net, ctx.tracks, ctx.fcs
    assert ns is not None
    ns.ensure(tracks.capacity)
    fcs.ensure(tracks.capacity)
    net_mod.clear_own_updates(ns, tracks, t)
    down = net_mod.link_phase(ns, t, ctx.log)
    if down.any():  # members fight autonomously: the network's remote rows go
        _kill_remote(ctx, net_mod.remote_rows_of(ns, tracks, down), t)
    net_mod.fuse(ns, tracks, t)
    if not ns.delivery_due(t):
        return
    maintained_row = np.zeros(tracks.size, bool)
    mr = fcs.row[fcs.maintained()]
    maintained_row[mr[mr >= 0]] = True
    d = net_mod.deliver(ns, tracks, maintained_row, t, ctx.site_ecef, ctx.aoi_m)
    ns.ensure(tracks.capacity)
    fcs.ensure(tracks.capacity)
    _kill_remote(ctx, d.kill_rows, t)
    fcs.net_track[fcs.obj[d.member_obj_rows]] = d.member_num
    if len(d.new_rows):
        _recognise(ctx, d.new_rows, t)
        fcs.was_confirmed[d.new_rows] = True
        o = fcs.obj[d.new_rows]
        ns.cue_at[o] = t + ctx.cue_delay[tracks.site[d.new_rows]]
        ns.cue_last[o] = -np.inf
        ctx.log.emit(EventKind.NetworkTrack, t, site=tracks.site[d.new_rows], track=tracks.id[d.new_rows],
                     threat=tracks.truth[d.new_rows], value=d.new_num.astype(float))  # fmt: skip
    n = tracks.size
    rr = np.flatnonzero(ns.remote[:n] & tracks.alive[:n])
    fcs.net_track[fcs.obj[rr]] = ns.row_net[rr]


def _kill_remote(ctx: _Ctx, rows: np.ndarray, t: float) -> None:
    """Remove remote rows (no TrackDropped: they are the network's tracks, not the site's)."""
    if len(rows) == 0:
        return
    assert ctx.net is not None
    ctx.tracks.kill(rows)
    _dropped(ctx.fcs, rows, t)
    ctx.net.remote[rows] = False


def _distribution_keys(ctx: _Ctx, f: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(group (n,), key (n,)) of (fire unit, track row) pairs: same (group, key) = the same threat in
    the same fire-distribution group (:func:`iadsim.c2.network.distribution_keys`: a network while
    its link is up, keyed by network track number; else the unit's site, keyed by object)."""
    return _object_keys(ctx, f, ctx.fcs.obj[rows])


def _object_keys(ctx: _Ctx, f: np.ndarray, obj: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_distribution_keys` of (fire unit, fire-control object) pairs."""
    world, fcs = ctx.world, ctx.fcs
    site = world.fire_units.site_index[f]
    nets = world.networks
    if ctx.net is None or nets is None:
        return np.asarray(site, np.int64), np.asarray(obj, np.int64)
    return net_mod.distribution_keys(site, obj, fcs.net_track[obj], nets.site_network, ctx.net.up, len(world.site_names))


def _dropped(fcs: FireControlState, rows: np.ndarray, t: float) -> None:
    """Bookkeeping of dropped track rows: drop time; their objects lose their live row."""
    fcs.ensure(int(rows.max()) + 1)
    fcs.dropped_at[rows] = t
    obj = fcs.obj[rows]
    own = (obj >= 0) & (fcs.row[np.maximum(obj, 0)] == rows)
    fcs.row[obj[own]] = -1


def _recognise(ctx: _Ctx, new: np.ndarray, t: float) -> None:
    """Give each new track an object: a dropped track's (re-initiated track recognised) or its own."""
    tracks, fcs = ctx.tracks, ctx.fcs
    n = tracks.size
    r = np.arange(n)
    pool = r[~tracks.alive[:n] & fcs.was_confirmed[:n] & ~fcs.consumed[:n] & (fcs.dropped_at[:n] >= t - REACQUIRE_WINDOW_S)]
    pool = pool[fcs.row[fcs.obj[pool]] < 0] if len(pool) else pool  # the object has no live track
    match = correlation.correlate(tracks.x[new, :3], tracks.P[new, :3, :3], tracks.site[new], tracks.x[pool],
                                  tracks.P[pool], t - tracks.t_s[pool], tracks.site[pool], tracks.q)  # fmt: skip
    obj = np.where(match >= 0, fcs.obj[pool[np.maximum(match, 0)]] if len(pool) else -1, new)
    fcs.obj[new] = obj
    fcs.row[obj] = new
    fcs.consumed[pool[match[match >= 0]]] = True


def _track_dwells(ctx: _Ctx, t: float, pos: np.ndarray, active: np.ndarray) -> radar_mod.Detections:
    """Phase 2b: fire-control track dwells on maintained targets; losses cut guidance."""
    tracks, fcs, world = ctx.tracks, ctx.fcs, ctx.world
    fcr = world.fc_radars
    assert fcr is not None
    obj = fcs.maintained()
    if len(obj) == 0:
        return radar_mod.Detections.empty(t)
    obj = obj[scheduling.dwells_due(t, fcs.last_dwell[obj], fcr.track_update_s[fcs.radar[obj]])]
    if len(obj) == 0:
        return radar_mod.Detections.empty(t)
    rr = fcs.radar[obj]
    row = np.maximum(fcs.row[obj], 0)
    has_row = fcs.row[obj] >= 0
    # the beam illuminates the object the track follows (physics only: whether it is detected
    # depends on geometry and SNR; no decision reads this label)
    tr = np.where(has_row, tracks.truth[row], -1)
    present = (tr >= 0) & active[np.maximum(tr, 0)]
    # one echo per object and radar: where two held tracks follow the same object (a duplicate or
    # swapped track), only the first (lowest object id) gets its measurement; the other misses
    key = rr * (len(world.threats) + 1) + np.maximum(tr, 0)
    _, first = np.unique(np.where(present, key, -1 - np.arange(len(key))), return_index=True)
    dup = np.ones(len(key), bool)
    dup[first] = False
    present &= ~dup
    xp, _ = tracks.predicted(row, t)
    look = np.where(present[:, None], pos[np.maximum(tr, 0)], xp[:, :3])
    vis, hit, dets = scheduling.track_dwells(world.radars, rr, tr, look, world.threats.rcs_m2[np.maximum(tr, 0)],
                                             present & has_row, fcr.dwell_gain[rr], t, ctx.streams.sensors)  # fmt: skip
    fcs.last_dwell[obj] = t
    missed, lost, why = scheduling.lost_targets(vis, hit, fcs.missed[obj], fcr.lost_after[rr])
    if ctx.net is not None:  # targets engaged on a remote track: acquisition before the seeker hand-over
        lost, missed, late = net_mod.acquisition_failures(ctx.net, obj, fcs.row[obj], lost, missed, t)
        why = np.where(late, _NOT_ACQUIRED - _LOSS_BASE, why)
    fcs.missed[obj] = missed
    if lost.any():
        _lose_guidance(ctx, obj[lost], why[lost], t)
    return dets


def _lose_guidance(ctx: _Ctx, obj: np.ndarray, why: np.ndarray, t: float) -> None:
    """The fire-control radar lost these objects: rounds in flight at them lose guidance."""
    shots, fcs, tracks = ctx.shots, ctx.fcs, ctx.tracks
    pend = shots.pending_rows()
    at = pend[np.isin(shots.target[pend], obj) & shots.guided[pend]]
    if len(at):
        shots.guided[at] = False
        code_of = np.zeros(fcs.cap, np.int64)
        code_of[obj] = why
        code = code_of[shots.target[at]]
        row = fcs.row[shots.target[at]]
        ctx.log.emit(EventKind.GuidanceLost, t, fire_unit=shots.fu[at], shot=shots.id[at], sensor=shots.radar[at],
                     track=np.where(row >= 0, tracks.id[np.maximum(row, 0)], -1), threat=shots.threat[at],
                     reason=_LOSS_BASE + code)  # fmt: skip
    fcs.radar[obj] = -1
    fcs.missed[obj] = 0


def _assess(ctx: _Ctx, t: float) -> None:
    """Phase 4a: kill assessments that fall due; rounds at targets assessed dead self-destruct."""
    shots, fcs, fus = ctx.shots, ctx.fcs, ctx.world.fire_units
    n = shots.n
    due = np.flatnonzero(~shots.pending[:n] & ~shots.assessed[:n] & (shots.t_assess[:n] <= t + 1e-9))
    if len(due) == 0:
        return
    due = due[np.lexsort((shots.seq[due], shots.t_assess[due]))]
    u = _draw_per_unit(ctx.assess_rngs, shots.fu[due])
    dead = kill_assessment.assess(shots.killed[due], u, fus.kill_assessment_error[shots.fu[due]])
    shots.assessed[due] = True
    obj = shots.target[due]
    row = fcs.row[obj]
    ctx.log.emit(EventKind.KillAssessed, shots.t_assess[due], fire_unit=shots.fu[due], shot=shots.id[due],
                 track=np.where(row >= 0, ctx.tracks.id[np.maximum(row, 0)], -1), threat=shots.threat[due],
                 value=dead.astype(float), reason=np.where(dead, _DEAD, _ALIVE))  # fmt: skip
    d = np.flatnonzero(dead)
    if len(d) == 0:
        return
    dead_obj = obj[d]
    fcs.reopen_at[dead_obj] = t + fus.kill_assessment_s[shots.fu[due[d]]]
    # rounds in flight at a target assessed dead self-destruct (doctrine: no retargeting)
    pend = shots.pending_rows()
    sd = pend[np.isin(shots.target[pend], dead_obj)]
    if len(sd):
        shots.pending[sd] = False
        shots.assessed[sd] = True
        ctx.log.emit(EventKind.Miss, t, fire_unit=shots.fu[sd], shot=shots.id[sd], interceptor_type=shots.itype[sd],
                     threat=shots.threat[sd], pk=0.0, reason=_SELF_DESTRUCT)  # fmt: skip


def _release(ctx: _Ctx) -> None:
    """Fire-control radars stop maintaining objects with no round in flight or awaiting assessment."""
    fcs, shots = ctx.fcs, ctx.shots
    m = fcs.maintained()
    if len(m) == 0:
        return
    busy = shots.busy_rows()
    idle = m[~np.isin(m, shots.target[busy])]
    fcs.radar[idle] = -1
    fcs.missed[idle] = 0


#: Confirmed track states sampled with the picture quality: ECEF position and velocity of the
#: estimate (predicted to the sample time), its position standard deviation √tr P_pp, and the
#: truth label of the threat behind it (−1: false track) for scoring.
STATE_DTYPE = np.dtype([("time_s", "f8"), ("site", "i8"), ("track", "i8"), ("threat", "i8"),
                        ("x_m", "f8"), ("y_m", "f8"), ("z_m", "f8"), ("vx_mps", "f8"), ("vy_mps", "f8"),
                        ("vz_mps", "f8"), ("pos_std_m", "f8")])  # fmt: skip


def _track_states(tracks: TrackTable, t: float, own: np.ndarray | None = None) -> np.ndarray:
    live = tracks.live_rows()
    rows = live[tracks.confirmed[live]]
    if own is not None:
        rows = rows[own[rows]]
    out = np.zeros(len(rows), STATE_DTYPE)
    if len(rows):
        x, P = tracks.predicted(rows, t)
        out["time_s"] = t
        out["site"] = tracks.site[rows]
        out["track"] = tracks.id[rows]
        out["threat"] = tracks.truth[rows]
        for j, c in enumerate(("x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")):
            out[c] = x[:, j]
        out["pos_std_m"] = np.sqrt(np.trace(P[:, :3, :3], axis1=1, axis2=2))
    return out


#: One row per (sample time, site): GOSPA of the site's confirmed tracks against the threats its
#: radars cover (single-look Pd ≥ 0.5 of at least one of them: in range and field of regard, above
#: the 4/3-Earth horizon and minimum elevation, strong enough), with its split; cut-off c, p = 1,
#: α = 2, position only.
QUALITY_DTYPE = np.dtype([("time_s", "f8"), ("site", "i8"), ("gospa_m", "f8"), ("localisation_m", "f8"),
                          ("missed_m", "f8"), ("false_m", "f8"), ("n_truth", "i8"), ("n_tracks", "i8"),
                          ("n_missed", "i8"), ("n_false", "i8")])  # fmt: skip


def _picture_quality(world: World, tracks: TrackTable, t: float, pos: np.ndarray, active: np.ndarray,
                     radar_site: np.ndarray, cutoff_m: float, own: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    n_sites = len(world.site_names)
    out = np.zeros(n_sites, QUALITY_DTYPE)
    act = np.flatnonzero(active)
    if len(act):
        geom = radar_mod.geometry(world.radars, pos[act])
        vis = radar_mod.detection_probability(world.radars, geom, world.threats.rcs_m2[act]) >= 0.5  # (S, n)
        site_vis = np.zeros((n_sites, len(act)), bool)
        np.logical_or.at(site_vis, radar_site, vis)
    else:
        site_vis = np.zeros((n_sites, 0), bool)
    live = tracks.live_rows()
    conf = live[tracks.confirmed[live]]
    if own is not None:  # remote rows are the network's picture, not the site's
        conf = conf[own[conf]]
    xp, _ = tracks.predicted(conf, t) if len(conf) else (np.zeros((0, 6)), None)
    for s in range(n_sites):  # a handful of sites, every quality_sample_s
        truth = pos[act[site_vis[s]]]
        est = xp[tracks.site[conf] == s, :3]
        g = gospa_ospa(est, truth, cutoff_m, 1.0)
        out[s] = (t, s, g.gospa, g.localisation, g.missed, g.false, len(truth), len(est), g.n_missed, g.n_false)
    return out


def _engage(ctx: _Ctx, conf: np.ndarray, ready_fu: np.ndarray, t: float, magazine: np.ndarray,
            next_ready: np.ndarray) -> None:  # fmt: skip
    """Phase 4 + 5 for the ready fire units: candidates, choice, launches (kernels in c2/, weapons/)."""
    world, tracks, shots, fcs, log = ctx.world, ctx.tracks, ctx.shots, ctx.fcs, ctx.log
    fus, ic, th, radars = world.fire_units, world.interceptors, world.threats, world.radars
    fcr = world.fc_radars
    assert fcr is not None
    S = len(radars)
    f, rows = fire_control.candidate_pairs(ready_fu, fus.site_index, conf, tracks.site)
    obj = fcs.obj[rows]
    busy = shots.busy_rows()
    keep = fire_control.not_already_engaged(f, obj, shots.fu[busy], shots.target[busy], fcs.cap)
    keep &= fus.fc_mask[f].any(axis=1)  # a unit without a fire-control radar cannot engage
    net = ctx.net
    if net is not None:  # network: remote tracks need engage_on_remote; no threat engaged by two units
        assert fus.engage_on_remote is not None and fus.layered_second_shot is not None
        keep &= net_mod.remote_allowed(net.remote[rows], fus.engage_on_remote[f])
        g, kk = _distribution_keys(ctx, f, rows)
        bg, bk = _object_keys(ctx, shots.fu[busy], shots.target[busy])  # rounds in flight / awaiting assessment
        engaged = net_mod.engaged_by_other(g, kk, f, bg, bk, shots.fu[busy])
        b_row = fcs.row[shots.target[busy]]
        # busy rounds of networked units whose target still has a track: the same threat by position too
        bt = np.flatnonzero((b_row >= 0) & (bg >= len(world.site_names)))
        ck = np.flatnonzero(keep & (g >= len(world.site_names)) & ~engaged & ~fus.layered_second_shot[f])
        if len(bt) and len(ck):
            xb, Pb = tracks.predicted(b_row[bt], t)
            xc, Pcand = tracks.predicted(rows[ck], t)
            engaged[ck] = net_mod.engaged_nearby(g[ck], f[ck], xc, Pcand, bg[bt], shots.fu[busy][bt], xb, Pb)
        keep &= (g < len(world.site_names)) | fus.layered_second_shot[f] | ~engaged
    f, rows, obj = f[keep], rows[keep], obj[keep]
    if len(f) == 0:
        return
    remote = net.remote[rows] if net is not None else np.zeros(len(rows), bool)
    # track estimate at the decision time, then at launch (after the cueing and reaction times)
    x, Pc = tracks.predicted(rows, t)
    p, v = x[:, :3], x[:, 3:]
    # not yet held by a fire-control radar: it must be acquired first (engaged on a remote track:
    # acquired in flight, before the seeker hand-over)
    cued = (fcs.radar[obj] < 0) & ~remote
    fc_cue = np.where(fus.fc_mask, fcr.cue_delay_s[None, :], np.inf).min(axis=1) if S else np.zeros(len(fus))
    fc_update = np.where(fus.fc_mask, fcr.track_update_s[None, :], np.inf).min(axis=1) if S else np.zeros(len(fus))
    delay = fus.reaction_time_s[f] + np.where(cued, fc_cue[f], 0.0)
    p_launch, v_launch, acc = engagement.launch_kinematics(p, v, delay)
    tgo = evaluation.time_to_go(p, v, ctx.asset_ecef)
    # channels of every radar for every pair: target channels (objects held) and guidance
    # channels (guided rounds in flight); an object already held by radar s needs no new channel
    held = np.bincount(fcs.radar[fcs.maintained()], minlength=S) if S else np.zeros(0, np.int64)
    pend = shots.pending_rows()
    gpend = pend[shots.guided[pend] & (shots.radar[pend] >= 0)]
    guided = np.bincount(shots.radar[gpend], minlength=S) if S else np.zeros(0, np.int64)
    target_free = fus.max_engagements[f][:, None] - held[None, :]
    own = fcs.radar[obj]
    target_free[np.flatnonzero(own >= 0), own[own >= 0]] = 1
    guided_free = fus.max_guided[f][:, None] - guided[None, :]

    def support(pip: np.ndarray, k: np.ndarray) -> np.ndarray:
        p_look = np.where(remote[k][:, None], pip, p_launch[k])  # remote: no launch-time coverage needed
        return _support_radar(world, f[k], p_look, pip, target_free[k], guided_free[k]) >= 0

    # the class every decision uses is assessed from the track's kinematics, never the truth
    # label; the truth (−1 = false track) only annotates the events and resolves the outcome
    assessed = classification.classify(p, v)
    truth = tracks.truth[rows]
    handover = fc_update[f] if world.scenario.fidelity.midcourse_updates else None
    best_type, best_tau, best_pip = engagement.choose_interceptor(
        f, p_launch, v_launch, acc, delay, tgo, np.linalg.norm(v, axis=1), Pc, handover, tracks.q, assessed, magazine,
        fus, ic, pip_supported=support)  # fmt: skip
    if net is not None and ic.datalink is not None:  # a remote track needs a datalink round
        best_type = np.where(net_mod.remote_interceptor_ok(remote, ic.datalink[f, np.maximum(best_type, 0)]), best_type, -1)
    feas = np.flatnonzero(best_type >= 0)
    if len(feas) == 0:
        return
    sel = feas[evaluation.first_per_unit(f[feas], tgo[feas], tracks.id[rows[feas]])]
    if net is not None:  # one unit per network threat per tick (urgency order), unless layered
        assert fus.layered_second_shot is not None
        sel = sel[np.argsort(tgo[sel], kind="stable")]
        g, kk = _distribution_keys(ctx, f[sel], rows[sel])
        exempt = fus.layered_second_shot[f[sel]] | (g < len(world.site_names))
        sel = np.sort(sel[net_mod.first_per_threat(g, kk, f[sel], x[sel], Pc[sel], exempt)])
    p_look = np.where(remote[sel][:, None], best_pip[sel], p_launch[sel])
    radar = _support_radar(world, f[sel], p_look, best_pip[sel], target_free[sel], guided_free[sel])
    it = best_type[sel]
    n_req = fire_control.rounds_per_engagement(fus.salvo_size[f[sel]], magazine[f[sel], it])
    n_shots = fire_control.grant_channels(radar, own[sel] != radar, n_req, target_free[sel, radar], guided_free[sel, radar])
    ok = n_shots > 0
    sel, radar, it, n_shots = sel[ok], radar[ok], it[ok], n_shots[ok]
    if len(sel) == 0:
        return
    f, rows, obj, truth, remote = f[sel], rows[sel], obj[sel], truth[sel], remote[sel]
    p_l, v_l, a_l, t_l = p_launch[sel], v_launch[sel], acc[sel], t + delay[sel]
    pip0 = best_pip[sel]
    log.emit(EventKind.Assignment, t, fire_unit=f, track=tracks.id[rows], threat=truth, interceptor_type=it,
             sensor=radar, x_m=pip0[:, 0], y_m=pip0[:, 1], z_m=pip0[:, 2],
             reason=np.where(remote, _REMOTE, -1))  # fmt: skip
    rep, st_launch, pip, t_int = engagement.salvo_rounds(
        n_shots, fus.launch_interval_s[f], t_l, p_l, v_l, a_l, fus.ecef_m[f], ic.max_speed_mps[f, it],
        ic.burn_time_s[f, it], ic.drag_time_s[f, it], ic.max_flight_s[f, it])  # fmt: skip
    sf, sit = f[rep], it[rep]
    # physical outcome: the round's Pk against what the target really is (truth class)
    cls = np.where(truth[rep] >= 0, th.class_index[np.maximum(truth[rep], 0)], 0)
    ids = np.arange(shots.n, shots.n + len(rep))
    shots.add(id=ids, fu=sf, itype=sit, track=rows[rep], target=obj[rep], threat=truth[rep], radar=radar[rep],
              t_launch=st_launch, t_int=t_int, pk0=ic.pk[sf, sit, cls], basket=ic.basket_m[sf, sit], seq=ids, pip=pip,
              t_assess=np.full(len(rep), np.inf), assessed=np.zeros(len(rep), bool), killed=np.zeros(len(rep), bool))  # fmt: skip
    # the supporting radar holds the object from now on (dedicated track dwells)
    newly = fcs.radar[obj] != radar
    fcs.radar[obj] = radar
    fcs.last_dwell[obj[newly]] = t
    fcs.missed[obj[newly]] = 0
    if net is not None and remote.any():  # engaged on a remote track: acquire before the seeker hand-over
        rr = np.flatnonzero(remote[rep])
        np.minimum.at(net.acquire_by, obj[rep][rr], t_int[rr] - fcr.track_update_s[radar[rep][rr]])
    np.subtract.at(magazine, (f, it), n_shots)
    if ctx.launchers is not None:  # rounds leave their launchers; an emptied launcher starts its reload
        ctx.launchers.take(f, it, n_shots, t, t_empty_s=st_launch[np.cumsum(n_shots) - 1])
    next_ready[f] = t + fus.launch_interval_s[f] * n_shots
    log.emit(EventKind.Launch, st_launch, fire_unit=sf, shot=ids, interceptor_type=sit, sensor=radar[rep],
             track=tracks.id[rows[rep]], threat=truth[rep], value=ic.cost_usd[sf, sit])  # fmt: skip


def _support_radar(world: World, f: np.ndarray, p_launch: np.ndarray, pip: np.ndarray, target_free: np.ndarray,
                   guided_free: np.ndarray) -> np.ndarray:  # fmt: skip
    """Fire-control radar supporting each pair (−1 none): :func:`iadsim.c2.fire_control.supporting_radar`."""
    radars = world.radars
    return fire_control.supporting_radar(
        f, world.fire_units.fc_mask,
        lambda pi, ri: scheduling.pair_visibility(radars, ri, p_launch[pi]),
        lambda pi, ri: scheduling.pair_visibility(radars, ri, pip[pi]),
        target_free, guided_free)  # fmt: skip


def _resolve(ctx: _Ctx, t: float, pos: np.ndarray, vel: np.ndarray, alive: np.ndarray, done: np.ndarray,
             midcourse: bool) -> None:  # fmt: skip
    """Resolve every round whose intercept time has come, in (time, seq) order.

    The aim point is the PIP computed at launch; with midcourse updates it is the engaged
    object's latest track estimate extrapolated to the intercept time, while the object has a
    live track (command / datalink guidance up to the seeker's hand-over). A round that lost
    guidance cannot kill (reason ``guidance_lost``).
    """
    shots, tracks, fcs, log = ctx.shots, ctx.tracks, ctx.fcs, ctx.log
    due = np.flatnonzero(shots.pending[: shots.n] & (shots.t_int[: shots.n] <= t + 1e-9))
    if len(due) == 0:
        return
    due = due[np.lexsort((shots.seq[due], shots.t_int[due]))]
    shots.pending[due] = False
    thr = shots.threat[due]
    t_int = shots.t_int[due]
    ti = np.maximum(thr, 0)
    # true target position at the intercept time (linear within the tick)
    true_pos = pos[ti] + vel[ti] * (t_int - t)[:, None]
    aim = shots.pip[due]
    if midcourse:
        rows = fcs.row[shots.target[due]]
        upd = (rows >= 0) & shots.guided[due]
        if upd.any():
            r = rows[upd]
            aim = aim.copy()
            aim[upd] = kill_assessment.midcourse_aim(tracks.x[r], tracks.t_s[r], t_int[upd])
    miss = np.linalg.norm(aim - true_pos, axis=1)
    u = _draw_per_unit(ctx.fu_rngs, shots.fu[due])
    kill, pk, reason = kill_assessment.resolve(shots.pk0[due], shots.basket[due], miss, thr >= 0, alive[ti] & ~done[ti],
                                               shots.guided[due], thr, u)  # fmt: skip
    k_idx = np.flatnonzero(kill)
    if len(k_idx):
        alive[thr[k_idx]] = False
        done[thr[k_idx]] = True
        log.emit(EventKind.Intercept, t_int[k_idx], fire_unit=shots.fu[due][k_idx], shot=shots.id[due][k_idx],
                 interceptor_type=shots.itype[due][k_idx], threat=thr[k_idx], pk=pk[k_idx], range_m=miss[k_idx],
                 x_m=true_pos[k_idx, 0], y_m=true_pos[k_idx, 1], z_m=true_pos[k_idx, 2])  # fmt: skip
    m_idx = np.flatnonzero(~kill)
    if len(m_idx):
        log.emit(EventKind.Miss, t_int[m_idx], fire_unit=shots.fu[due][m_idx], shot=shots.id[due][m_idx],
                 interceptor_type=shots.itype[due][m_idx], threat=thr[m_idx], pk=pk[m_idx], range_m=miss[m_idx],
                 reason=reason[m_idx])  # fmt: skip
    # the unit assesses the outcome kill_assessment_s later (truth: was the target dead after it arrived)
    shots.killed[due] = (thr >= 0) & ~alive[ti]
    shots.t_assess[due] = t_int + ctx.world.fire_units.kill_assessment_s[shots.fu[due]]


def _index_in_raid(raid_index: np.ndarray) -> np.ndarray:
    """Position of each threat within its raid, (N,) (threats are stored raid by raid)."""
    r = np.asarray(raid_index, np.int64)
    if len(r) == 0:
        return np.zeros(0, np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(r)) + 1]
    return np.arange(len(r)) - np.repeat(starts, np.diff(np.r_[starts, len(r)]))


def _draw_per_unit(rngs: Any, fu: np.ndarray) -> np.ndarray:
    """One U(0,1) per round from its fire unit's own stream, in the given (time, seq) order."""
    u = np.empty(len(fu))
    for f in np.unique(fu):  # the few units with rounds due this tick
        m = fu == f
        u[m] = rngs[int(f)].random(int(m.sum()))
    return u
