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
   dead self-destruct); at each decision cycle (``decision_interval_s``) the ready fire units'
   candidate tracks of their fire-distribution group, skipping targets the unit — or another unit
   of its group — has rounds in flight at or awaiting assessment (``c2/fire_control.py``,
   ``c2/fire_distribution.py``), are evaluated (value at risk, time to go:
   ``c2/threat_evaluation.py``, ``c2/evaluation.py``);
5. **engagement** — doctrine picks the interceptor per feasible pair (envelope in
   ``weapons/engagement.py``, supported by a fire-control radar with free channels), one
   weapon–target assignment per group (``assignment:``, ``c2/assignment.py``) picks the
   engagements and rounds, which are launched; interceptors whose intercept time has come are
   resolved (kill or miss with its reason).

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

from iadsim import npmath
from iadsim.arrayops import isin_small
from iadsim.c2 import classification, correlation, evaluation, fire_control, fire_distribution, iff
from iadsim.c2 import network as net_mod
from iadsim.c2 import threat_evaluation as tewa
from iadsim.c2.assignment import Assigner, HeuristicAssigner, get_assigner
from iadsim.engine import c2_glue
from iadsim.engine import motion_phase
from iadsim.engine import quality_phase
from iadsim.engine import tick_loop
from iadsim.engine.events import REASON_CODE, EventColumns, EventKind, EventLog
from iadsim.engine.state import FireControlState, ShotTable
from iadsim.engine.world import World, WorldTemplate, compile_world
from iadsim.rng import make_streams
from iadsim.rng_kernels import states_of, store_states
from iadsim.scenario.catalog import Catalog, load_catalog
from iadsim.scenario.schema import Scenario
from iadsim.sensors import radar as radar_mod
from iadsim.sensors import scheduling
from iadsim.tracking import association as _association  # import cost outside the timed loop; batch size
from iadsim.threats import motion
from iadsim.threats.motion_kernel import EMPTY_BALLISTIC
from iadsim.threats.motion_kernel import EMPTY_ROUTE
from iadsim.tracking import kernels as track_kernels
from iadsim.tracking.manager import TrackTable
from iadsim.tracking.metrics import gospa_ospa, gospa_sites
from iadsim.weapons import engagement
from iadsim.weapons.launchers import LauncherState

Progress = Callable[[int, int], None]

#: A dropped track can be inherited by a new track for this long after its drop (stated
#: assumption: a minute covers a re-acquisition after a few missed search scans).
REACQUIRE_WINDOW_S = 60.0
#: Reason codes of the events (index into ``events.REASONS``).
_LOSS_BASE = REASON_CODE["fc_out_of_coverage"]
_SELF_DESTRUCT = REASON_CODE["self_destruct"]
_ID_BASE, _ROE_BASE, _FRIENDLY_DESTROYED = REASON_CODE["id_unknown"], REASON_CODE["roe_weapons_free"], REASON_CODE["friendly_destroyed"]
_REMOTE, _NOT_ACQUIRED = REASON_CODE["remote_track"], REASON_CODE["fc_not_acquired"]



@dataclass(frozen=True)
class RunResult:
    """Outcome of one run: the events (source of truth), its summary, and the manifest.

    ``events`` is the Arrow table of ``event_columns``, built on first use (a campaign
    replication whose events are not kept reads only its summary and never builds it).
    """

    event_columns: EventColumns = field(repr=False, compare=False)
    summary: dict[str, Any]
    manifest: dict[str, Any]
    world: World = field(repr=False, compare=False)
    engine_wall_s: float = 0.0
    track_quality: pa.Table | None = field(default=None, repr=False)
    track_states: pa.Table | None = field(default=None, repr=False)

    @property
    def events(self) -> pa.Table:
        """All events, sorted by (time_s, priority, seq) (:meth:`EventColumns.table`, cached)."""
        return self.event_columns.table()

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
    template: WorldTemplate | None = None,
) -> RunResult:
    """Run one replication.

    Parameters
    ----------
    scenario : a validated Scenario, a path to a scenario file, or a bundled scenario name.
    seed : run seed; default the scenario's ``seed``. Same scenario + seed + version ⇒ identical
        events.
    progress : optional callback ``progress(tick, n_ticks)``.
    template : optional :func:`~iadsim.engine.world.build_template` of ``scenario`` (built with
        ``catalog``): the run draws its world from it instead of compiling the scenario again
        (campaigns run many seeds of one template). The result is identical either way.
    """
    from iadsim.results.manifest import build_manifest
    from iadsim.results.metrics import summarize

    if not isinstance(scenario, Scenario):
        from iadsim.scenario.load import load_scenario

        scenario = load_scenario(scenario, catalog)
    if template is not None and template.scenario is not scenario and template.scenario != scenario:
        raise ValueError("simulate: the template was built from another scenario")
    run_seed = scenario.seed if seed is None else int(seed)
    streams = make_streams(run_seed)
    if template is not None:
        world = template.draw(streams)
    else:
        world = compile_world(scenario, catalog or load_catalog(), streams)
    warm_assigner(make_assigner(world.scenario))  # compiled WTA kernels loaded before the timer
    t0 = _time.perf_counter()
    events, quality, states = _run(world, streams, progress)
    wall = _time.perf_counter() - t0
    quality_tbl = _struct_table(quality)
    states_tbl = _struct_table(states)
    summary = summarize(events, world, quality_tbl)
    manifest = build_manifest(world, run_seed, engine_wall_s=wall, n_events=len(events))
    return RunResult(event_columns=events, summary=summary, manifest=manifest, world=world, engine_wall_s=wall,
                     track_quality=quality_tbl, track_states=states_tbl)  # fmt: skip


def _struct_table(a: np.ndarray) -> pa.Table:
    """A pyarrow table from a structured NumPy array (one column per field)."""
    names = a.dtype.names or ()
    return pa.table({name: a[name] for name in names})


def _run(world: World, streams: Any, progress: Progress | None) -> tuple[EventColumns, np.ndarray, np.ndarray]:  # noqa: C901 - the loop reads best in one place
    sc = world.scenario
    log = EventLog()
    radars = world.radars
    fus = world.fire_units
    ic = world.interceptors
    th = world.sensed  # hostile threats (0 … N_h−1), then friendly aircraft (docs/design.md)
    N, F, S = len(th), len(fus), len(radars)
    N_h = world.n_hostile
    end_time = th.end_time_s if th.end_time_s is not None else np.full(N, np.inf)
    dt = world.dt_s
    K = world.n_ticks
    mover = th.mover

    q_every = max(1, int(round(sc.tracking.quality_sample_s / dt)))
    # the picture-quality samples (one QUALITY_DTYPE row per site and sample tick, the sampled
    # STATE_DTYPE rows), written at the offsets qsz = [quality rows, state rows] by the compiled
    # loop or by sample() below; the state rows grow on demand
    n_samples = (K // q_every + (1 if K % q_every else 0)) if len(radars) else 0
    q_all = np.zeros(n_samples * len(world.site_names), QUALITY_DTYPE)
    st_all = np.zeros(256, STATE_DTYPE)
    qsz = np.zeros(2, np.int64)
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
    radar_names = list(radars.name)
    # their PCG64 states (after the world's scan-phase draws), advanced in place by the sensing
    # kernels every tick and handed back to the Generators at the end of the run
    radar_st = streams.states("radar", radar_names)
    hr = world.threats.raid_index
    threat_names = [f"{world.raid_names[int(r)]}#{j}" for r, j in zip(hr, _index_in_raid(hr))]
    damage_st = streams.states("damage", threat_names)  # each threat's damage draw (motion_phase), its own stream
    shots = ShotTable()
    fcs = FireControlState(tracks.capacity)
    fcr = world.fc_radars
    radar_site = np.asarray(radars.site_index, np.int64)
    asset_ecef = world.assets.ecef_m.reshape(-1, 3)
    # rank of each radar within its site (0 = first listed): gnn/jpda associate in that order
    radar_rank = np.array([int((radar_site[:i] == radar_site[i]).sum()) for i in range(S)], np.int64)
    site_revisit = np.zeros(len(world.site_names))  # slowest radar revisit per site
    drop_misses = int(sc.tracking.drop_misses)
    scan_phase_s = np.ascontiguousarray(radars.scan_phase_s, np.float64)  # tracking phase (scan_phase)
    revisit_s = np.ascontiguousarray(radars.revisit_s, np.float64)  # tracking phase (scan_phase)
    # tracking phase: the scan opportunities in scan_phase itself (CV positions, smooth-Earth coverage)
    cover_in_kernel = radars.terrain is None and tracks.model == "cv"
    k_factor = float(radars.k_factor)  # tracking phase (scan_phase)
    no_remote = np.zeros(0, bool)  # the remote mask without a network
    if S:
        np.maximum.at(site_revisit, radar_site, np.asarray(radars.revisit_s, float))
    ctx = _Ctx(world, tracks, shots, fcs, log, streams, asset_ecef, site_revisit, launchers)
    decide_every = float(sc.decision_interval_s or dt)
    ns = ctx.net
    has_fc = fcr is not None and bool(fcr.is_fc.any())
    # the network columns of c2_glue.engageable_rows when no network is active (never read)
    # the launcher columns of c2_glue.ready_phase (C2 readiness phase; empty without launchers)
    l_cols = ((True, launchers.rounds, launchers.ready_at_s, launchers.reload_n, launchers.table.fire_unit,
               launchers.table.itype) if launchers is not None else
              (False, np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64),
               np.zeros(0, np.int64)))  # fmt: skip
    no_net = (np.zeros(0, bool), np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0), np.zeros(0))
    # launches, arrivals and route ends are tested only on ticks at or after the earliest time one
    # can happen: the earliest launch of an object not launched; a lower bound on the earliest
    # arrival / route end of one not done (``done`` only grows, so the bound stays a bound until
    # recomputed); NaN times never compare ≤ t and count as never
    # (motion_phase.motion_tick keeps them in m_next: launch, arrival, route end)
    f8 = (lambda a: np.ascontiguousarray(a, np.float64))  # noqa: E731
    th_launch, th_arrival, th_end = f8(th.launch_time_s), f8(th.arrival_time_s), f8(end_time)
    th_asset = np.ascontiguousarray(th.target_asset, np.int64)
    never = (lambda a: float(np.where(np.isnan(a), np.inf, a).min()) if len(a) else np.inf)  # noqa: E731
    m_next = np.array([never(th_launch), never(th_arrival), never(th_end)])
    # the motion phase's state arrays, written in place every tick (later phases read them in the
    # same tick only; nothing keeps a reference across ticks: events and results take copies)
    pos, vel = np.zeros((N, 3)), np.zeros((N, 3))
    m_flying, m_arrived, active = np.zeros(N, bool), np.zeros(N, bool), np.zeros(N, bool)
    m_leakers = np.zeros(N, np.int64)
    m_tables = motion.kernel_tables(mover)  # the leaf kernels' tables, gathered once (None: plan loop)
    mph = motion_phase.motion_phase(m_tables or (*EMPTY_ROUTE, *EMPTY_BALLISTIC), pos, vel, m_flying, m_arrived,
                                    th_launch, th_arrival, th_end, th_asset, N_h, launched, alive, done, active,
                                    m_next, m_leakers, np.ascontiguousarray(th.p_damage, np.float64),
                                    np.ascontiguousarray(world.assets.value, np.float64), asset_destroyed,
                                    damage_st)  # the phase's tables and arrays in one StructRef  # fmt: skip

    # quiescence can end the loop early only where nothing is drawn without a target: no clutter
    # (false alarms are drawn on every scan); networks are checked in _quiescent
    quiet_ok = clutter <= 0

    q_rcs = np.ascontiguousarray(np.broadcast_to(th.rcs_m2, (N,)), np.float64)  # the sample's Pd inputs

    def sample(t: float, pos: np.ndarray, active: np.ndarray) -> None:  # one picture-quality sample, at qsz
        nonlocal st_all
        own = None if ns is None else ~ns.remote[: tracks.size]  # the sites' own tracks (not remote rows)
        q, st = _picture_sample(world, tracks, t, pos, active, radar_site, sc.tracking.gospa_cutoff_m, own, q_rcs)
        nq, n_st = int(qsz[0]), int(qsz[1])
        need = n_st + len(st) + 2 * tracks.size  # these rows, and room for the compiled loop's next sample
        if need > len(st_all):
            grown = np.zeros(max(2 * len(st_all), need), STATE_DTYPE)
            grown[:n_st] = st_all[:n_st]
            st_all = grown
        q_all[nq : nq + len(q)] = q
        st_all[n_st : n_st + len(st)] = st
        qsz[0], qsz[1] = nq + len(q), n_st + len(st)

    # phase 2 as one compiled call (scheduling.sensing_phase, false alarms included) on smooth Earth
    # with CV tracks and no network; otherwise the step-by-step path below it (same kernels)
    compiled_ok = (S > 0 and radars.terrain is None and tracks.model == "cv"
                   and (clutter <= 0 or _CLUTTER_SENSING_COMPILED))  # fmt: skip
    one_call_sensing = compiled_ok and ns is None
    # the same with networks (acquisition failures, cue dwells): tick_loop.network_sensing
    net_sensing = compiled_ok and ns is not None and _NETWORK_SENSING_COMPILED
    sense_rows = np.arange(S, dtype=np.int64)
    rcs_c = np.ascontiguousarray(th.rcs_m2, np.float64)
    fc_cols = ((np.ascontiguousarray(fcr.track_update_s, np.float64), np.ascontiguousarray(fcr.dwell_gain, np.float64),
                np.ascontiguousarray(fcr.lost_after, np.float64)) if has_fc else (np.zeros(0), np.zeros(0), np.zeros(0)))  # fmt: skip
    # ---------------------------------------------------------------- the tick loop
    # one compiled call (engine/tick_loop.run_ticks) runs the ticks, phase after phase, and hands
    # back only for the pieces done in Python (the needs below), which resume it at the next stage
    has_engage = bool(F and ic.ids)
    spec = sc.identification
    cfg = (K, float(dt), q_every, m_tables is not None, one_call_sensing, cover_in_kernel,
           tracks.association == "gnn" and tracks.model == "cv", ns is not None, has_engage, S > 0, has_fc,
           progress is not None, bool(_QUIET_FAST_FORWARD and quiet_ok), float(spec.interrogation_interval_s),
           float(spec.interrogation_interval_s - dt / 2), int(spec.assume_friend_replies), int(spec.friend_replies),
           int(spec.assume_hostile_silent), int(spec.hostile_silent), len(world.site_names), F, n_types,
           decide_every, sc.fire_distribution == "layered", _SITE_RULE, int(tracks._lsa_batch), float(tracks.q),
           float(tracks.gate), float(tracks.prior_vel_var), int(tracks.n), int(tracks.m), int(tracks.drop_misses),
           k_factor, float(correlation.CORRELATION_GATE_D2), float(REACQUIRE_WINDOW_S), tracks.model == "cv",
           float(spec.attack_cpa_km * 1000.0), float(spec.attack_horizon_s), net_sensing, float(clutter))  # fmt: skip
    # the search looks' work arrays (radar_mod.sense_workspace), made once for the run's S radars
    # and N sensed objects and reused every tick
    sense = (*scheduling.sensing_columns(radars), rcs_c, sense_rows, radar_st, radar_site, radar_rank, *fc_cols,
             ctx.sensor_st, radar_mod.sense_workspace(S, len(rcs_c)))  # (typed for every configuration; read where one_call_sensing or net_sensing)  # fmt: skip
    fu_site = np.ascontiguousarray(fus.site_index, np.int64)
    layered_unit = _NO_FLAGS if fus.layered_second_shot is None else fus.layered_second_shot
    tsz = np.zeros(3, np.int64)  # [track table size, next track id, rounds in the shot table]
    assets_c = np.ascontiguousarray(asset_ecef, np.float64).reshape(-1, 3)
    # the columns of the capability rules (weapons/engagement.decision_capability), for tick_loop.any_capable
    c64 = np.ascontiguousarray
    eng = (bool(sc.fidelity.midcourse_updates), fus.reaction_time_s, fus.fc_mask,
           *((c64(fcr.cue_delay_s, float), c64(fcr.track_update_s, float)) if fcr is not None else (np.zeros(S), np.zeros(S))),
           assets_c, engagement._CLASS_THRESHOLDS, fus.ecef_m, fus.enu_rot,
           fus.reserved_for, fus.reserve_hold, fus.min_handover_pk_fraction, ic.max_target_speed_mps, ic.pk,
           ic.max_speed_mps, ic.burn_time_s, ic.drag_time_s, ic.max_flight_s, ic.min_range_m, ic.max_range_m,
           ic.min_alt_m, ic.max_alt_m, ic.ballistic_max_range_m, ic.ballistic_max_alt_m, ic.basket_m,
           classification.BALLISTIC_MISSILE, engagement._PIP_GRID, engagement._PIP_ITERATIONS)  # fmt: skip
    ctx.eng = eng
    det_ids, det_fl, opp = np.zeros((4, 0), np.int64), np.zeros(0), np.zeros(0, np.int64)
    scan = (scan_phase_s, revisit_s, site_revisit, radars.ecef_m, radars.enu_rot, radars.lat_rad, radars.lon_rad,
            radars.alt_m, radars.max_range_m, radars.max_alt_m, radars.min_elevation_rad, radars.boresight_az_rad,
            radars.half_width_az_rad)  # fmt: skip
    idf = (ctx.site_iff_p, ctx.site_iff_mask, ctx.transponder_mask, ctx.iff_st,
           world.networks.site_network if ns is not None else no_net[1], assets_c)  # fmt: skip
    c2 = (*l_cols, next_ready, ns.nets.update_s if ns is not None else no_net[4], fu_site, ctx.fu_roe, iff.ROE_TABLE,
          fus.fc_mask, fus.engage_on_remote if ns is not None and fus.engage_on_remote is not None else _NO_FLAGS,
          layered_unit, ctx.assess_st, _f64(fus.kill_assessment_error), _f64(fus.kill_assessment_s),
          np.ascontiguousarray(fus.retarget, bool))  # fmt: skip
    qs = (q_all, qsz, q_rcs, _NO_PD, _NO_XS, _NO_PS, float(sc.tracking.gospa_cutoff_m), radars.terrain is not None)
    net_q = net_mod.quiet_times(ns) if ns is not None else np.full(3, np.inf)  # kept after each network phase
    netc = (fcr.is_fc if fcr is not None else np.zeros(S, bool), ctx.cue_st)
    eg = _engage_constants(ctx)  # (the whole decision compiled in the loop where it applies: c2_glue.engage_smooth)
    # phase 5's arrivals in the loop (c2_glue.resolve_arrivals) where NumPy's exp loop was found
    arr = (bool(_COMPILED_ARRIVALS and npmath.NUMPY_EXP_LOOP is not None), _arrival_constants(ctx))
    cs = tick_loop.run_columns((cfg, sense, scan, idf, c2, eng, qs, net_q, netc, eg, arr))
    k, stage, n_conf = 1, tick_loop.S_STATE, 0
    while True:
        fcs.ensure(tracks.capacity)
        ctx.ids.ensure(fcs.cap)
        if ns is not None:
            ns.ensure(tracks.capacity)
        ids_ = ctx.ids
        tsz[0], tsz[1], tsz[2] = tracks.size, tracks._next_id, shots.n
        trk = (tracks.alive, tracks.confirmed, tracks.site, tracks.truth, tracks.id, tracks.slot, tracks.x, tracks.P,
               tracks.t_s, tracks.protected, tracks.hits, tracks.misses)  # fmt: skip
        fcc = (fcs.obj, fcs.row, fcs.radar, fcs.missed, fcs.dropped_at, fcs.last_dwell, fcs.reopen_at,
               fcs.was_confirmed, fcs.consumed, fcs.net_track)  # fmt: skip
        dyn = (ids_.last_s, ids_.replies, ids_.silent, ids_.identity,
               *((ns.remote, ns.up, ns.delivered_at, ns.acquire_by, ns.cue_at, ns.cue_last) if ns is not None
                 else (no_remote, no_net[2], no_net[3], no_net[3], no_net[3], no_net[3])))  # fmt: skip
        sh = (shots.pending, shots.assessed, shots.t_assess, shots.seq, shots.t_int, shots.fu, shots.target,
              shots.killed, shots.id, shots.threat, shots.itype, shots.guided, shots.radar, shots.track,
              shots.t_launch, shots.pk0, shots.basket, shots.pip)  # fmt: skip
        (k, stage, need, n_conf, det_ids, det_fl, a, b, c, d2, m, g) = tick_loop.run_ticks(
            k, stage, n_conf, cs, mph, log.buf, det_ids, det_fl, opp, tsz, trk, fcc, dyn, sh, shots.n, st_all,
            tick_loop.phase_cycles)
        tracks.size, tracks._next_id, shots.n = int(tsz[0]), int(tsz[1]), int(tsz[2])
        if need == tick_loop.DONE:
            break
        t = k * dt
        if need == tick_loop.MOTION_PY:  # a mover without compiled tables: its fill plan, then the rules
            motion.state_into(mover, t, pos, vel, m_flying, m_arrived)
        elif need == tick_loop.SENSE_NET_LOST:  # with networks a dwell lost a target: its GuidanceLost rows,
            lost = d2[1] != 0  # then the cue dwells (whose targets the loss frees), the merge and the rows
            _lose_guidance(ctx, a[lost], d2[2][lost], t)
            search = radar_mod.unpack_detections(det_ids, det_fl, t)
            fdet = radar_mod.unpack_detections(b.reshape(2, -1), g[0], t)
            cdet = net_mod.cue_dwells(ns, world, tracks, fcs.obj, fcs.radar >= 0, t, pos, active, ctx.cue_st)
            fdet = radar_mod.Detections.concat(fdet, cdet) if len(cdet) else fdet
            det = radar_mod.Detections.merge(search, fdet, N, True)
            _emit_detections(log, det, radar_site, t)
            det_ids, det_fl = _pack_detections(det, radar_site, radar_rank)
        elif need == tick_loop.SENSE_PY:  # terrain, the IMM: sensing step by step
            det_ids, det_fl = _sense_python(ctx, t, pos, active, clutter, has_fc, radar_st, radar_rank, radar_site)
        elif need == tick_loop.COVER_PY:  # the IMM's positions or terrain masking: coverage in Python
            opp = _cover_python(ctx, t, m, a, b, c, radar_site)
        elif need == tick_loop.STEP_PY:  # a tracker other than gnn with the CV model
            n_conf = _step_python(ctx, t, det_ids, det_fl, a)
        elif need == tick_loop.GROW:  # room for every detection of the tick to start a track
            tracks._alloc(max(2 * tracks.capacity, tracks.size + det_ids.shape[1]))
            opp = a  # the tick's scan opportunities, for the scan that resumes
        elif need == tick_loop.LSA:  # a round for the batched assignment: the scan resumes in Python
            n_conf = _lsa_python(ctx, t, det_ids, det_fl, a, b, c, m.view(np.int8), g[0], g[1])
        elif need == tick_loop.RECOGNISE:  # an ambiguous correlation of a new track
            _recognise(ctx, a, t, b)
        elif need == tick_loop.NETWORK:  # 3b network picture (c2/network.py), on a tick that is not quiet
            _network_phase(ctx, t)
            net_q[:] = net_mod.quiet_times(ns)
        elif need == tick_loop.IDENT_KM:  # identification that reads the hostile kinematics
            _identify_rows(ctx, t, a, b, m)
        elif need == tick_loop.ASSESS:  # rounds at a target assessed dead, a unit's doctrine retarget
            _dead_target_rounds(ctx, t, a)
        elif need == tick_loop.ENGAGE:  # an engagement decision with candidates
            _engage(ctx, c, t, d2, next_ready, a, b)
        elif need == tick_loop.RESOLVE:  # the rounds arriving now, then the release
            _resolve(ctx, t, pos, vel, alive, done, sc.fidelity.midcourse_updates, a)  # (the release too)
        elif need == tick_loop.SAMPLE:  # track-picture quality (terrain, IMM, the batched GOSPA solver, room)
            sample(t, pos, active)
        elif need == tick_loop.PROGRESS:
            progress(k, K)
        elif need == tick_loop.QUIET and _quiescent(ctx):
            # nothing can happen any more (docs/design.md "Quiescent fast-forward"): the remaining
            # ticks only sample the (empty) picture quality: compiled (tick_loop.quiet_samples) where the
            # tick loop samples, each sample it leaves (terrain, the IMM, room) in Python
            k2 = k + 1
            while S and k2 <= K:
                k2 = tick_loop.quiet_samples(k2, cs, pos, active, trk, dyn, tsz, st_all)
                if k2 <= K:
                    motion.state_into(mover, k2 * dt, pos, vel, m_flying, m_arrived)
                    sample(k2 * dt, pos, active)
                    k2 += 1
            if progress is not None:
                progress(K, K)
            break
    streams.put_states("radar", radar_names, radar_st)
    streams.put_states("damage", threat_names, damage_st)
    _hand_back_streams(ctx)
    return log.columns(), q_all[: qsz[0]].copy(), st_all[: qsz[1]].copy()



def _pack_detections(det: radar_mod.Detections, radar_site: np.ndarray, radar_rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``det`` as the compiled tick loop holds a tick's detections: ids (4, M) sensor, target, site,
    rank; fl (18·M,) range, az, el, ENU (M, 3), ECEF (M, 3), R (M, 3, 3) (merge_kernel's packing)."""
    M = len(det.sensor)
    if M == 0:
        return np.zeros((4, 0), np.int64), np.zeros(0)
    s = np.asarray(det.sensor, np.int64)
    ids = np.ascontiguousarray(np.stack([s, np.asarray(det.target, np.int64), radar_site[s], radar_rank[s]]), np.int64)
    fl = np.concatenate([np.asarray(det.range_m, float).ravel(), np.asarray(det.az_rad, float).ravel(),
                         np.asarray(det.el_rad, float).ravel(), np.asarray(det.z_enu_m, float).ravel(),
                         np.asarray(det.z_ecef_m, float).ravel(), np.asarray(det.R_ecef, float).ravel()])  # fmt: skip
    return ids, fl


def _sense_python(ctx: _Ctx, t: float, pos: np.ndarray, active: np.ndarray, clutter: float, has_fc: bool,
                  radar_st: np.ndarray, radar_rank: np.ndarray, radar_site: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Phase 2 step by step (terrain, clutter, a network or IMM tracks; same kernels as the one
    call): search looks, false alarms, fire-control dwells, network cue dwells, the one-echo merge
    and the Detection rows. Returns the detections packed (:func:`_pack_detections`)."""
    world, log, ns = ctx.world, ctx.log, ctx.net
    radars = world.radars
    N = len(world.sensed)
    det = radar_mod.sense(radars, pos, world.sensed.rcs_m2, active, t, world.dt_s, radar_st)
    if clutter > 0:
        fa = radar_mod.false_alarms(radars, t, world.dt_s, clutter, radar_st)
        if len(fa):
            det = radar_mod.Detections.concat(det, fa)
    if has_fc:
        fdet = _track_dwells(ctx, t, pos, active)
        if ns is not None:  # network cues: fire-control dwells at delivered remote tracks
            cdet = net_mod.cue_dwells(ns, world, ctx.tracks, ctx.fcs.obj, ctx.fcs.radar >= 0, t, pos, active, ctx.cue_st)
            fdet = radar_mod.Detections.concat(fdet, cdet) if len(cdet) else fdet
        # a dwell in the tick of a search look that detected the same object adds no second
        # measurement of it (one echo per radar, object and tick): filter and concatenation in
        # one compiled call (radar.merge_kernel)
        det = radar_mod.Detections.merge(det, fdet, N, True)
    _emit_detections(log, det, radar_site, t)
    return _pack_detections(det, radar_site, radar_rank)


def _emit_detections(log: EventLog, det: radar_mod.Detections, radar_site: np.ndarray, t: float) -> None:
    """One Detection row per detection of ``det`` (sensor, site, threat, range, ECEF position), in order."""
    if len(det.sensor):
        log.emit(EventKind.Detection, t, sensor=det.sensor, site=radar_site[det.sensor], threat=det.target,
                 range_m=det.range_m, x_m=det.z_ecef_m[:, 0], y_m=det.z_ecef_m[:, 1], z_m=det.z_ecef_m[:, 2])  # fmt: skip


def _cover_python(ctx: _Ctx, t: float, scanning: np.ndarray, live: np.ndarray, pr: np.ndarray, pl: np.ndarray,
                  radar_site: np.ndarray) -> np.ndarray:  # fmt: skip
    """The scan opportunities where the IMM's positions or terrain masking are needed: the live
    scan candidates a scanning radar of their own site covers."""
    tracks, radars = ctx.tracks, ctx.world.radars
    xp = tracks.predicted_positions(live, t)
    if radars.terrain is None:  # the coverage rule on the (scanning radar, track of its own site) pairs only
        covered = np.zeros(len(live), bool)
        covered[pl[scheduling.pair_visibility(radars, pr, xp[pl])]] = True
        return np.ascontiguousarray(live[covered], np.int64)
    scan_idx = np.flatnonzero(scanning)  # terrain masking needs the full geometry (target lat/lon per column)
    sub = radars.subset(scan_idx)
    vis = radar_mod.visible(sub, radar_mod.geometry(sub, xp))  # (S_scan, L)
    own = vis & (radar_site[scan_idx][:, None] == tracks.site[live][None, :])
    return np.ascontiguousarray(live[own.any(axis=0)], np.int64)


def _scan_events(ctx: _Ctx, t: float, tev: Any) -> int:
    """After a scan done in Python: tracking.kernels.scan_events (drops, new tracks' objects, the
    TrackInitiated / TrackConfirmed / TrackDropped rows), an ambiguous correlation in
    :func:`_recognise`; returns the number of newly confirmed tracks."""
    tracks, fcs = ctx.tracks, ctx.fcs
    fcs.ensure(tracks.capacity)
    pool = track_kernels.scan_events(
        t, tev.initiated, tev.confirmed, tev.dropped, tracks.size, tracks.alive, tracks.site, tracks.id,
        tracks.truth, tracks.x, tracks.P, tracks.t_s, tracks.q, correlation.CORRELATION_GATE_D2, fcs.obj,
        fcs.row, fcs.dropped_at, fcs.was_confirmed, fcs.consumed, REACQUIRE_WINDOW_S, ctx.log.buf)  # fmt: skip
    if len(pool):
        _recognise(ctx, tev.initiated, t, pool)
    return len(tev.confirmed)


def _step_python(ctx: _Ctx, t: float, det_ids: np.ndarray, det_fl: np.ndarray, opp: np.ndarray) -> int:
    """The track scan of a tracker other than gnn with the CV model (TrackTable.step), then
    :func:`_scan_events`."""
    M = det_ids.shape[1]
    det = radar_mod.unpack_detections(det_ids, det_fl, t)
    tev = ctx.tracks.step(t, det_ids[2] if M else np.zeros(0, np.int64), det.target, det.z_ecef_m, det.R_ecef, opp,
                          det_rank=det_ids[3] if M else None)  # fmt: skip
    return _scan_events(ctx, t, tev)


def _lsa_python(ctx: _Ctx, t: float, det_ids: np.ndarray, det_fl: np.ndarray, opp: np.ndarray, ints: np.ndarray,
                st: np.ndarray, flag: np.ndarray, dt3: np.ndarray, gd2: np.ndarray) -> int:  # fmt: skip
    """A gnn-CV scan of the compiled loop handed a round back for the batched assignment
    (``st`` = [round, size at the call, size, next id, a, detections of the round]): the scan
    resumes in Python (TrackTable._gnn_cv_resume), then :func:`_scan_events`."""
    M = det_ids.shape[1]
    status, size0, size, next_id, a, n_round = (int(v) for v in st)
    tev = ctx.tracks._gnn_cv_resume(
        t, np.ascontiguousarray(det_ids[2]), np.ascontiguousarray(det_ids[1]), np.ascontiguousarray(det_ids[3]),
        np.ascontiguousarray(det_fl[6 * M : 9 * M]).reshape(M, 3), np.ascontiguousarray(det_fl[9 * M :]).reshape(M, 3, 3),
        opp, dt3, flag, size0, size, next_id, status, a, n_round, ints, gd2)  # fmt: skip
    return _scan_events(ctx, t, tev)

def _hand_back_streams(ctx: _Ctx) -> None:
    """Hand the compiled draws' stream states back to the run's streams (they continue where the kernels stopped)."""
    streams, world = ctx.streams, ctx.world
    units, sites = list(world.fire_units.name), list(world.site_names)
    streams.put_states("fire_unit", units, ctx.fu_st)
    streams.put_states("kill_assessment", units, ctx.assess_st)
    streams.put_states("iff", sites, ctx.iff_st)
    if ctx.net is not None:
        streams.put_states("network_cue", sites, ctx.cue_st)
    store_states([streams.sensors], ctx.sensor_st)


#: End the tick loop once the run is quiescent (:func:`_quiescent`); tests switch it off to check
#: that the fast-forward changes nothing.
_QUIET_FAST_FORWARD = True

#: Sensing with networks in compiled code (tick_loop.network_sensing); a test switches it off to
#: compare with the Python path (_sense_python), which must give the same events.
_NETWORK_SENSING_COMPILED = True
#: The false alarms (clutter) drawn in the one-call sensing phase and in the networked sensing
#: (tick_loop.network_sensing; both radar.false_alarm_kernel) instead of
#: sensing step by step in Python: the same draws and bits (the tests compare both ways).
_CLUTTER_SENSING_COMPILED = True

#: Fire-distribution rule (a) without a network (no threat another unit of the same site has
#: rounds at) in the candidate kernel; a test switches it off to show the rule is real.
_SITE_RULE = True
#: The engagement decision's smooth-Earth compiled parts (c2_glue.decide_smooth, and the supporting
#: radar inside c2_glue.launch_plan); off, the terrain path runs instead (tests: the same events).
_COMPILED_DECISION = True
#: Without a network a fire-distribution group is a site (its units share one WTA instance and rule
#: (b)); a test switches it off (one group per unit) to show the rule is real on both paths.
_SITE_GROUPS = True
#: The whole engagement decision in one compiled call where it applies (c2_glue.engage_smooth: no
#: network, smooth Earth, CV tracks, the heuristic assigner); off, _engage's steps run one by one
#: (tests: the same events).
_COMPILED_ENGAGE = True
#: The arrivals (phase 5: resolution and release) in one compiled call with NumPy's own exp loop
#: (c2_glue.resolve_arrivals), in the tick loop itself; off, or where NumPy's loop was not found
#: (npmath.NUMPY_EXP_LOOP), the same kernels around np.exp in Python (tests: the same events).
_COMPILED_ARRIVALS = True
_NO_I64 = np.zeros(0, np.int64)


def _quiescent(ctx: _Ctx) -> bool:
    """Nothing can happen in any later tick: called when every object has launched and none is active.

    With no active object no radar detects anything (``sense`` draws nothing without a target),
    and with no live track, no round in flight or awaiting its kill assessment and no object a
    fire-control radar still maintains, no later phase has anything to update, drop, identify,
    assess, resolve or engage — so no event, no draw and no state change can follow. (The caller
    also requires no clutter, whose false alarms need no target.) The remaining ticks then only sample the empty picture quality.
    With networks, also no link-state change may be scheduled (outage bounds, C2-node failure:
    events that need no target) and no picture with tracks may be in transit.
    """
    tracks, shots, fcs, ns = ctx.tracks, ctx.shots, ctx.fcs, ctx.net
    if ns is not None and (len(ns.changes) or any(len(p.num) for p in ns.queue)):
        return False
    return bool(tick_loop.quiescent_arrays(tracks.alive, tracks.size, shots.pending, shots.assessed, shots.n, fcs.radar))


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
    assigner: Assigner | None = None  # the scenario's weapon–target assignment solver
    asset_rot: np.ndarray = field(default_factory=lambda: np.zeros((0, 3, 3)))  # (A, 3, 3) ECEF→ENU at assets
    ids: iff.IffState = field(default_factory=iff.IffState)  # identity per object (c2/iff.py)
    transponder_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (objects,) modes; empty: none
    # the PCG64 states (RunStreams.states) of the kill draws (one stream per fire unit), the
    # kill-assessment draws (one per fire unit) and the interrogation draws (one per site): the
    # compiled draws advance these; _hand_back_streams hands them (and sensor_st, cue_st) back
    fu_st: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.uint64))
    assess_st: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.uint64))
    iff_st: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.uint64))
    site_iff_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (sites,) modes read
    site_iff_p: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (sites,) reply probability
    fu_roe: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (F,) ROE code
    net: net_mod.NetworkState | None = None  # networks (None: every site standalone)
    # PCG64 states (rng_kernels) of the sensors role stream (track dwells) and of the cue streams,
    # advanced in place by the dwell kernels; handed back to the Generators at the end of the run
    sensor_st: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.uint64))
    cue_st: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.uint64))
    cue_delay: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (sites,) fire-control acquisition delay
    site_ecef: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))  # (sites, 3) site position
    aoi_m: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (sites,) area of interest for remote tracks
    # the capability columns of the tick loop (tick_loop.any_capable, packed in _run), for the compiled
    # first half of _engage (c2_glue.decide_smooth); None: that half in Python (_decide_python)
    eng: tuple | None = None
    # the run's constant columns of c2_glue.engage_smooth (built at its first call)
    engage_consts: tuple | None = None
    # the run's constants of c2_glue.resolve_arrivals (built at its first call)
    arrival_consts: tuple | None = None

    def __post_init__(self) -> None:
        names = list(self.world.fire_units.name)
        if len(self.sensor_st) == 0:
            self.sensor_st = states_of([self.streams.sensors])
        if self.assigner is None:
            self.assigner = make_assigner(self.world.scenario)
        if len(self.asset_rot) != len(self.asset_ecef):
            self.asset_rot = tewa.asset_frames(self.asset_ecef)
        if len(self.site_iff_p) != len(self.world.site_names) or len(self.fu_roe) != len(self.world.fire_units):
            _init_iff(self)  # interrogators and rules of engagement (every context has them)
        tm = self.world.sensed.transponder_mask  # the objects' transponder modes (reply physics only)
        self.transponder_mask = np.zeros(0, np.int64) if tm is None else np.ascontiguousarray(tm, np.int64)
        self.fu_st = self.streams.states("fire_unit", names)
        self.assess_st = self.streams.states("kill_assessment", names)
        self.iff_st = self.streams.states("iff", list(self.world.site_names))

        nets = self.world.networks
        if nets is not None and len(nets) and bool((nets.site_network >= 0).any()):
            self.net = net_mod.NetworkState(nets, self.tracks.capacity)
            self.cue_st = self.streams.states("network_cue", list(self.world.site_names))  # cue dwells, one stream per site
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



_WARMED: set[type] = set()  # solver classes warm_assigner has run in this process

#: Time limit of one exact WTA solve when the scenario sets none, s (stated default).
EXACT_TIME_LIMIT_S = 1.0


def make_assigner(sc: Scenario) -> Assigner:
    """The scenario's WTA solver (``assignment``; ``assignment_time_limit_s`` for ``exact``)."""
    if sc.assignment == "exact":
        return get_assigner("exact", time_limit=float(sc.assignment_time_limit_s or EXACT_TIME_LIMIT_S))
    return get_assigner(sc.assignment)


def warm_assigner(assigner: Assigner) -> None:
    """Solve a tiny instance so that the solver's compiled kernels are loaded outside the timed loop.

    Once per solver class and process (the kernels stay loaded).
    """
    from iadsim.c2.assignment import AssignmentProblem

    if type(assigner) in _WARMED:
        return
    _WARMED.add(type(assigner))

    prob = AssignmentProblem(values=np.array([1.0, 0.5, 0.2]), pk=np.array([[0.7, 0.6, 0.5], [0.5, 0.8, 0.4]]),
                             counts=np.array([2, 2]), feasible=np.array([[True, True, False], [True, True, True]]),
                             channels=np.array([2, 2]), max_per_target=np.array([2, 2, 2]))  # fmt: skip
    assigner.assign(prob)


def _init_iff(ctx: _Ctx) -> None:
    """IFF of each site (its fire units' interrogators) and the rules of engagement of each unit.

    A site interrogates with the union of its fire units' modes and the best reply probability
    among them (one interrogator per site, stated assumption); a site without fire units has none.
    """
    world = ctx.world
    sc = world.scenario
    fus = world.fire_units
    n_sites = len(world.site_names)
    mask = np.zeros(n_sites, np.int64)
    p = np.zeros(n_sites)
    fu_mask = world.fu_iff_mask if world.fu_iff_mask is not None else np.zeros(len(fus), np.int64)
    fu_p = world.fu_iff_reply_p if world.fu_iff_reply_p is not None else np.zeros(len(fus))
    if len(fus):
        np.bitwise_or.at(mask, fus.site_index, fu_mask)
        np.maximum.at(p, fus.site_index, fu_p)
    ctx.site_iff_mask, ctx.site_iff_p = mask, p
    site_roe = [iff.ROE_CODE[s.rules_of_engagement or sc.rules_of_engagement] for s in sc.sites]
    ctx.fu_roe = np.array([site_roe[int(si)] for si in fus.site_index], np.int64)


#: the sharing columns of c2_glue.identify_update without networks (never read)
_NO_SHARE = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool))


def _identify_rows(ctx: _Ctx, t: float, conf: np.ndarray, rows: np.ndarray, km_mask: np.ndarray) -> None:
    """Phase 4 (C2) after the interrogations, where the ladder reads the hostile kinematics.

    The compiled tick loop (engine/tick_loop.py) runs the interrogation sweep or the interrogation
    of newly confirmed tracks (:func:`iadsim.c2.iff.interrogate_kernel`; the reply's physics reads
    the interrogated object's transponder, as a radar's detection reads its RCS; every decision
    reads only the replies and the track's estimate), and the ladder and sharing itself where no
    row needs its kinematics; here: ``conf`` the confirmed rows, ``rows`` the interrogated ones,
    ``km_mask`` those whose ladder step reads the kinematics (:func:`iadsim.c2.iff.kinematics_matter`).
    """
    spec = ctx.world.scenario.identification
    tracks, fcs, ids, log = ctx.tracks, ctx.fcs, ctx.ids, ctx.log
    # the hostile kinematics are assessed only where the ladder reads them (iff.kinematics_matter)
    kin = np.zeros(len(rows), bool)
    km = np.flatnonzero(km_mask)
    if len(km):
        x, _ = tracks.predicted(rows[km], t)
        kin[km] = iff.hostile_kinematics(x[:, :3], x[:, 3:], classification.classify(x[:, :3], x[:, 3:]),
                                         ctx.asset_ecef, spec.attack_cpa_km * 1000.0, spec.attack_horizon_s)  # fmt: skip
    # the ladder, then identities shared within each sharing group (site keys: no other site shares
    # them; without a network every key is the row's own object, whose identity its rows already
    # share): one compiled call returning the rows whose identity changed (engine/c2_glue.py)
    ns = ctx.net
    net_cols = (fcs.net_track, ctx.world.networks.site_network, ns.up) if ns is not None and ctx.world.networks is not None \
        else _NO_SHARE  # fmt: skip
    em = c2_glue.identify_update(rows, conf, fcs.obj, kin, ids.identity, ids.replies, ids.silent,
                                 spec.assume_friend_replies, spec.friend_replies, spec.assume_hostile_silent,
                                 spec.hostile_silent, net_cols is not _NO_SHARE, tracks.site, *net_cols,
                                 len(ctx.world.site_names))  # fmt: skip
    if len(em):
        code = ids.identity[fcs.obj[em]].astype(np.int64)
        log.emit(EventKind.Identified, t, site=tracks.site[em], track=tracks.id[em], threat=tracks.truth[em],
                 value=code.astype(float), reason=_ID_BASE + code)  # fmt: skip


def _network_phase(ctx: _Ctx, t: float) -> None:
    """Phase 3b: link state, fusion, delivery of the network pictures (rules in c2/network.py)."""
    ns, tracks, fcs = ctx.net, ctx.tracks, ctx.fcs
    assert ns is not None
    ns.ensure(tracks.capacity)
    fcs.ensure(tracks.capacity)
    net_mod.clear_own_updates(ns, tracks, t)
    if ns.quiet(t):  # no link change, fusion or delivery can fall in this tick
        return
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
        return np.asarray(site if _SITE_GROUPS else f, np.int64), np.asarray(obj, np.int64)
    return net_mod.distribution_keys(site, obj, fcs.net_track[obj], nets.site_network, ctx.net.up, len(world.site_names))


def _dropped(fcs: FireControlState, rows: np.ndarray, t: float) -> None:
    """Bookkeeping of dropped track rows: drop time; their objects lose their live row
    (compiled: :func:`tracking.kernels.dropped_rows`)."""
    rows = np.ascontiguousarray(rows, np.int64)
    fcs.ensure(int(rows.max()) + 1)
    track_kernels.dropped_rows(rows, float(t), fcs.dropped_at, fcs.obj, fcs.row)


def _recognise(ctx: _Ctx, new: np.ndarray, t: float, pool: np.ndarray | None = None) -> None:
    """Give each new track an object: a dropped track's (re-initiated track recognised) or its own.

    ``pool``: the candidate dropped rows when the caller has them (:func:`tracking.kernels.scan_events`).
    """
    tracks, fcs = ctx.tracks, ctx.fcs
    if pool is None:
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
    # the dwells due and what each beam illuminates (the object its track follows: physics only,
    # whether it is detected depends on geometry and SNR; no decision reads this label), one echo
    # per object and radar (a duplicate or swapped track misses): scheduling.dwell_plan
    plan = scheduling.dwell_plan(fcs.radar, fcs.last_dwell, fcs.row, tracks.truth, active, fcr.track_update_s, t,
                                 len(world.sensed))  # (6, D): obj, radar, row, has_row, truth, present
    if plan.shape[1] == 0:
        return scheduling.no_detections(t)
    obj = plan[0]
    xp = tracks.predicted_positions(plan[2], t)
    # look, coverage, Pd, draws (the sensors stream), measurements and the loss rule: scheduling.dwell_pass
    missed, lost, why, dets = scheduling.dwell_pass(world.radars, plan, xp, pos, world.sensed.rcs_m2, fcr.dwell_gain,
                                                    fcr.lost_after, fcs.missed[obj], t, ctx.sensor_st)  # fmt: skip
    fcs.last_dwell[obj] = t
    if ctx.net is not None:  # targets engaged on a remote track: acquisition before the seeker hand-over
        lost, missed, late = net_mod.acquisition_failures(ctx.net, obj, fcs.row[obj], lost, missed, t)
        why = np.where(late, _NOT_ACQUIRED - _LOSS_BASE, why)
    fcs.missed[obj] = missed
    if lost.any():
        _lose_guidance(ctx, obj[lost], why[lost], t)
    return dets


def _lose_guidance(ctx: _Ctx, obj: np.ndarray, why: np.ndarray, t: float) -> None:
    """The fire-control radar lost these objects: rounds in flight at them lose guidance."""
    shots, fcs = ctx.shots, ctx.fcs
    c2_glue.lose_guidance(_i64(obj), _i64(why), float(t), int(shots.n), shots.pending, shots.target, shots.guided,
                          shots.fu, shots.id, shots.radar, shots.threat, fcs.row, ctx.tracks.id, fcs.radar,
                          fcs.missed, ctx.log.buf, int(EventKind.GuidanceLost), int(_LOSS_BASE))  # fmt: skip


def _dead_target_rounds(ctx: _Ctx, t: float, sd: np.ndarray) -> None:
    """Phase 4a, the rounds ``sd`` in flight at targets just assessed dead when a unit's doctrine
    ``dead_target_rounds`` is ``retarget`` (the compiled tick loop's
    :func:`iadsim.engine.c2_glue.assess_phase` made the assessments and handed them back): those
    of retarget units that can reach another target move to it (:func:`_retarget`); the others
    self-destruct (``Miss``, reason ``self_destruct``)."""
    shots = ctx.shots
    sd = sd[~_retarget(ctx, t, sd)]
    if len(sd):  # the rule of the compiled assessment (c2_glue.self_destruct), the same call
        c2_glue.self_destruct(np.ascontiguousarray(sd, np.int64), float(t), shots.pending, shots.assessed, shots.fu,
                              shots.id, shots.itype, shots.threat, ctx.log.buf, int(EventKind.Miss),
                              int(_SELF_DESTRUCT))  # fmt: skip


def _retarget(ctx: _Ctx, t: float, sd: np.ndarray) -> np.ndarray:
    """Doctrine ``dead_target_rounds: retarget``: move rounds at dead targets to new ones.

    ``sd`` (R,) are pending rounds whose target was just assessed dead. A round of a retarget
    unit that is still guided is offered every engageable track of its unit's site believed
    alive, which the unit has no round at and which its guiding radar holds or can take on a free
    target channel; the kernels of :mod:`iadsim.weapons.retarget` decide what it can still reach
    and which target each engagement takes. The guiding radar must cover the track now and the
    new PIP. Moved rounds get the new object, track, PIP and intercept time (kind ``Retarget``);
    returns (R,) bool moved (the others self-destruct).
    """
    from iadsim.weapons import retarget

    world, shots, fcs, tracks = ctx.world, ctx.shots, ctx.fcs, ctx.tracks
    fus, ic, radars = world.fire_units, world.interceptors, world.radars
    moved = np.zeros(len(sd), bool)
    cand = np.flatnonzero(fus.retarget[shots.fu[sd]] & shots.guided[sd] & (shots.radar[sd] >= 0))
    conf = fire_control.engageable_tracks(tracks.live_rows(), tracks.confirmed, tracks.misses, tracks.t_s,
                                          ctx.site_revisit, tracks.site, t, world.dt_s)  # fmt: skip
    conf = conf[fire_control.believed_alive(fcs.reopen_at[fcs.obj[conf]], tracks.t_s[conf])]
    if len(cand) == 0 or len(conf) == 0:
        return moved
    r = sd[cand]
    pi, pc = np.nonzero(fus.site_index[shots.fu[r]][:, None] == tracks.site[conf][None, :])
    rr, rows = r[pi], conf[pc]
    fr, it, obj, radar = shots.fu[rr], shots.itype[rr], fcs.obj[rows], shots.radar[rr]
    busy = shots.busy_rows()
    keep = fire_control.not_already_engaged(fr, obj, shots.fu[busy], shots.target[busy], fcs.cap)
    keep &= (fcs.radar[obj] < 0) | (fcs.radar[obj] == radar)  # a track held by another radar is not taken over
    ctx.ids.ensure(fcs.cap)
    keep &= iff.roe_allows(ctx.ids.identity[obj], ctx.fu_roe[fr])  # the same rules of engagement as a launch
    pi, rr, rows, fr, it, obj, radar = pi[keep], rr[keep], rows[keep], fr[keep], it[keep], obj[keep], radar[keep]
    if len(pi) == 0:
        return moved
    # the round continues from now, or from its launch time if it is still on the launcher
    start = np.maximum(shots.t_launch[rr], t) - t
    x, _ = tracks.predicted(rows, t)
    p, v = x[:, :3], x[:, 3:]
    p0, v0, acc = engagement.launch_kinematics(p, v, start)
    vm, tb, T = ic.max_speed_mps[fr, it], ic.burn_time_s[fr, it], ic.drag_time_s[fr, it]
    X, e = retarget.round_position(fus.ecef_m[fr], shots.pip[rr], shots.t_launch[rr], t, vm, tb, T)
    cls = classification.classify(p, v)  # assessed from the track, never the truth label
    tgo = evaluation.time_to_go(p, v, ctx.asset_ecef)
    ok, pip, tau = retarget.reachable(
        p0, v0, acc, X, e, ic.max_flight_s[fr, it], vm, tb, T, fus.ecef_m[fr], fus.enu_rot[fr], cls, ic.pk[fr, it, cls],
        ic.max_target_speed_mps[fr, it], tgo, start, ic.min_range_m[fr, it], ic.max_range_m[fr, it], ic.min_alt_m[fr, it],
        ic.max_alt_m[fr, it], ic.ballistic_max_range_m[fr, it], ic.ballistic_max_alt_m[fr, it])  # fmt: skip
    k = np.flatnonzero(ok)
    if len(k):
        ok[k] = scheduling.pair_visibility(radars, radar[k], p[k]) & scheduling.pair_visibility(radars, radar[k], pip[k])
    # free target channels of the guiding radars: a dead object's channel is freed when no round
    # outside ``sd`` is still busy at it (it is released at the end of the tick either way)
    S = len(radars)
    held = np.bincount(fcs.radar[fcs.maintained()], minlength=S)
    dead = np.unique(shots.target[sd])
    others = np.setdiff1d(busy, sd)
    freed = dead[(fcs.radar[dead] >= 0) & ~isin_small(dead, shots.target[others])]
    held = held - np.bincount(fcs.radar[freed], minlength=S)
    free = np.zeros(S, np.int64)
    free[shots.radar[r]] = fus.max_engagements[shots.fu[r]] - held[shots.radar[r]]
    new_obj = retarget.choose_new_targets(pi, obj, ok, tgo, tracks.id[rows], fcs.radar[obj] != radar,
                                          shots.fu[r] * (fcs.cap + 1) + shots.target[r], shots.seq[r], shots.radar[r],
                                          free)  # fmt: skip
    j = np.flatnonzero(new_obj >= 0)
    if len(j) == 0:
        return moved
    # the chosen pair of each moved round
    pair = np.flatnonzero(ok & (obj == new_obj[pi]))
    pair = pair[np.unique(pi[pair], return_index=True)[1]]
    m = r[pi[pair]]
    old_track = tracks.id[shots.track[m]]
    nrow, nobj, rad = rows[pair], obj[pair], radar[pair]
    truth = tracks.truth[nrow]
    true_cls = np.where(truth >= 0, world.sensed.class_index[np.maximum(truth, 0)], 0)  # physics only: the outcome
    shots.target[m], shots.track[m], shots.threat[m] = nobj, nrow, truth
    shots.pk0[m] = ic.pk[shots.fu[m], shots.itype[m], true_cls]
    shots.pip[m] = pip[pair]
    shots.t_int[m] = np.maximum(shots.t_launch[m], t) + tau[pair]
    newly = fcs.radar[nobj] != rad
    fcs.radar[nobj] = rad
    fcs.last_dwell[nobj[newly]] = t
    fcs.missed[nobj[newly]] = 0
    ctx.log.emit(EventKind.Retarget, t, fire_unit=shots.fu[m], shot=shots.id[m], interceptor_type=shots.itype[m],
                 sensor=rad, track=tracks.id[nrow], threat=truth, value=old_track.astype(float),
                 x_m=pip[pair, 0], y_m=pip[pair, 1], z_m=pip[pair, 2])  # fmt: skip
    moved[cand[pi[pair]]] = True
    return moved


def _release(ctx: _Ctx) -> None:
    """Fire-control radars stop maintaining objects with no round in flight or awaiting assessment."""
    fcs, shots = ctx.fcs, ctx.shots
    c2_glue.release_idle(fcs.radar, fcs.missed, shots.pending, shots.assessed, shots.target, shots.n)


#: Confirmed track states sampled with the picture quality: ECEF position and velocity of the
#: estimate (predicted to the sample time), its position standard deviation √tr P_pp, and the
#: truth label of the threat behind it (−1: false track) for scoring.
STATE_DTYPE = np.dtype([("time_s", "f8"), ("site", "i8"), ("track", "i8"), ("threat", "i8"),
                        ("x_m", "f8"), ("y_m", "f8"), ("z_m", "f8"), ("vx_mps", "f8"), ("vy_mps", "f8"),
                        ("vz_mps", "f8"), ("pos_std_m", "f8")])  # fmt: skip


#: One row per (sample time, site): GOSPA of the site's confirmed tracks against the threats its
#: radars cover (single-look Pd ≥ 0.5 of at least one of them: in range and field of regard, above
#: the 4/3-Earth horizon and minimum elevation, strong enough), with its split; cut-off c, p = 1,
#: α = 2, position only.
QUALITY_DTYPE = np.dtype([("time_s", "f8"), ("site", "i8"), ("gospa_m", "f8"), ("localisation_m", "f8"),
                          ("missed_m", "f8"), ("false_m", "f8"), ("n_truth", "i8"), ("n_tracks", "i8"),
                          ("n_missed", "i8"), ("n_false", "i8")])  # fmt: skip


def _picture_sample(world: World, tracks: TrackTable, t: float, pos: np.ndarray, active: np.ndarray,
                    radar_site: np.ndarray, cutoff_m: float, own: np.ndarray | None = None,
                    rcs: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """One picture-quality sample at ``t``: its ``QUALITY_DTYPE`` rows (one per site) and the
    ``STATE_DTYPE`` rows of the sites' own confirmed tracks (``own``: not remote rows).

    One compiled call (:func:`iadsim.engine.quality_phase.picture_sample`); Python only computes
    the Pd under terrain masking (full geometry per pair) and the IMM predictions, and runs the
    batched GOSPA solver for a site with more than ``association._LSA_BATCH_TRACKS`` ambiguous truths.
    """
    radars = world.radars
    n_sites = len(world.site_names)
    N = len(active)
    rcs_c = rcs if rcs is not None else np.ascontiguousarray(np.broadcast_to(world.sensed.rcs_m2, (N,)), np.float64)
    pd_given, pd_in = False, _NO_PD
    if radars.terrain is not None and active.any():  # terrain masking needs the full geometry
        act = active.nonzero()[0]
        pd_in = np.ascontiguousarray(radar_mod.detection_probability(radars, radar_mod.geometry(radars, pos[act]),
                                                                     rcs_c[act]), np.float64)  # fmt: skip
        pd_given = True
    pred_given, xs_in, Ps_in = False, _NO_XS, _NO_PS
    if tracks.model == "imm":  # the IMM combination (Python): rows as the kernel selects them
        live = tracks.live_rows()
        rows = live[tracks.confirmed[live]]
        if own is not None:
            rows = rows[own[rows]]
        xs, Ps = tracks.predicted(rows, t)
        xs_in, Ps_in = np.ascontiguousarray(xs, np.float64), np.ascontiguousarray(Ps, np.float64)
        pred_given = True
    quality = np.zeros(n_sites, QUALITY_DTYPE)
    states = np.zeros(tracks.size, STATE_DTYPE)  # the first m rows are written
    act, site_vis, conf, xp, n_bad = quality_phase.picture_sample(
        float(t), pos, active, rcs_c, *radar_mod._kernel_columns(radars), pd_given, pd_in, radar_site, n_sites,
        tracks.alive, tracks.size, tracks.confirmed, own is not None, _NO_OWN if own is None else own, tracks.site,
        tracks.id, tracks.truth, tracks.x, tracks.P, tracks.t_s, float(tracks.q), pred_given, xs_in, Ps_in,
        float(cutoff_m), _association._LSA_BATCH_TRACKS, quality, states)  # fmt: skip
    if n_bad:
        conf_site = tracks.site[conf]
        for s in np.flatnonzero(quality["n_missed"] < 0):  # > association._LSA_BATCH_TRACKS ambiguous threats: batched solver
            g = gospa_ospa(xp[conf_site == s], pos[act[site_vis[s]]], cutoff_m, 1.0)
            for c, v in zip(("gospa_m", "localisation_m", "missed_m", "false_m", "n_missed", "n_false"),
                            (g.gospa, g.localisation, g.missed, g.false, g.n_missed, g.n_false)):  # fmt: skip
                quality[c][s] = v
    states = states[: len(conf)]
    return quality, states


_NO_PD, _NO_XS, _NO_PS = np.zeros((0, 0)), np.zeros((0, 6)), np.zeros((0, 6, 6))
_NO_OWN = np.zeros(0, bool)


_NO_FLAGS = np.zeros(0, bool)  # an absent per-unit / per-row flag column of engage_candidates


def _engage(ctx: _Ctx, ready_fu: np.ndarray, t: float, magazine: np.ndarray, next_ready: np.ndarray, f: np.ndarray,
            rows: np.ndarray) -> None:  # fmt: skip
    """Phase 4 + 5 for the ready fire units from their candidate pairs: choice, launches (kernels in c2/, weapons/).

    The candidates (unit ``f``, track row ``rows``) are every ready unit × engageable track of its
    site, kept where the rules of engagement allow the unit's identity, the unit has no round busy
    at it, has a fire-control radar, and (network) a remote track is allowed; without a network
    also fire-distribution rule (a) (group = site) unless the doctrine is a layered second shot,
    per unit (layered_second_shot) or for all (fire_distribution: layered): one compiled loop
    (:func:`iadsim.c2.fire_control.engage_candidates`, called by the compiled tick loop, which
    calls this only when there is a candidate).
    """
    world, tracks, shots, fcs, log = ctx.world, ctx.tracks, ctx.shots, ctx.fcs, ctx.log
    if _engage_constants(ctx)[0] and _engage_compiled(ctx, t, magazine, next_ready, f, rows):
        return
    fus, ic = world.fire_units, world.interceptors
    fcr = world.fc_radars
    assert fcr is not None
    net = ctx.net
    all_layered = world.scenario.fire_distribution == "layered"
    obj = fcs.obj[rows]
    n_sites = len(world.site_names)
    if net is not None:  # network: no threat engaged by two units
        busy = shots.busy_rows()
        busy_fu, busy_obj = shots.fu[busy], shots.target[busy]
        layered_unit = np.zeros(len(fus), bool) if fus.layered_second_shot is None else np.asarray(fus.layered_second_shot)
        layered_unit = layered_unit | all_layered
        layered = layered_unit[f]
        group, key = _distribution_keys(ctx, f, rows)
        s_group, s_key = _object_keys(ctx, busy_fu, busy_obj)  # rounds in flight / awaiting assessment
        engaged = net_mod.engaged_by_other(group, key, f, s_group, s_key, busy_fu)
        b_row = fcs.row[busy_obj]
        # busy rounds of networked units whose target still has a track: the same threat by position too
        bt = np.flatnonzero((b_row >= 0) & (s_group >= n_sites))
        ck = np.flatnonzero((group >= n_sites) & ~engaged & ~layered)
        if len(bt) and len(ck):
            xb, Pb = tracks.predicted(b_row[bt], t)
            xc, Pcand = tracks.predicted(rows[ck], t)
            engaged[ck] = net_mod.engaged_nearby(group[ck], f[ck], xc, Pcand, s_group[bt], busy_fu[bt], xb, Pb)
        keep = (group < n_sites) | layered | ~engaged
        f, rows, obj, layered, group, key = f[keep], rows[keep], obj[keep], layered[keep], group[keep], key[keep]
        if len(f) == 0:
            return
        # fire distribution rule (a): not a threat another unit of the same group (the network while
        # its link is up, else the site) has rounds at, unless the doctrine is a layered second shot
        # (without a network the candidate kernel applied it, group = site)
        keep = layered | ~fire_distribution.engaged_by_other_unit(f, group, key, busy_fu, s_group, s_key)
        f, rows, obj, group, key = f[keep], rows[keep], obj[keep], group[keep], key[keep]
        if len(f) == 0:
            return
    remote = net.remote[rows] if net is not None else np.zeros(len(rows), bool)
    # track estimate at the decision time, then at launch (after the cueing and reaction times)
    x, Pc = tracks.predicted(rows, t)
    p, v = x[:, :3], x[:, 3:]
    # not yet held by a fire-control radar: it must be acquired first (engaged on a remote track:
    # acquired in flight, before the seeker hand-over)
    cued = (fcs.radar[obj] < 0) & ~remote
    own = fcs.radar[obj]
    # smooth Earth: the first half and the launches' supporting radar compiled (else, and with _COMPILED_DECISION
    # off, the first half step by step and the supporting radar with the masks, in Python)
    radars, c64 = world.radars, np.ascontiguousarray
    compiled = _COMPILED_DECISION and radars.terrain is None and ctx.eng is not None
    if compiled:  # the first half in one call
        any_cap, ds_t, best_type, best_tau, best_pip, held, target_free, guided_free = c2_glue.decide_smooth(
            c64(f, np.int64), c64(x, float), c64(Pc, float), c64(cued, bool), c64(remote, bool), float(tracks.q),
            c64(magazine, np.int64), ctx.eng, fcs.radar, c64(own, np.int64), shots.pending, shots.guided,
            shots.radar, int(shots.n), fus.max_engagements, fus.max_guided, ic.cost_usd, fus.preference,
            fus.weapon_cheapest, radars.ecef_m, radars.enu_rot, radars.lat_rad, radars.lon_rad, radars.alt_m,
            radars.max_range_m, radars.max_alt_m, radars.min_elevation_rad, radars.boresight_az_rad,
            radars.half_width_az_rad, float(radars.k_factor))  # fmt: skip
        ds = engagement.DecisionState(*ds_t) if any_cap else None
    else:
        ds, best_type, best_tau, best_pip, held, target_free, guided_free = _decide_python(
            ctx, f, x, cued, Pc, remote, magazine, own)  # fmt: skip
    if ds is None:  # nothing capable: no pair can be feasible
        return
    acc, p_launch, v_launch, delay, tgo, assessed, fc_update = ds.acc, ds.p_launch, ds.v_launch, ds.delay, ds.tgo, ds.assessed, ds.fc_update
    if net is not None and ic.datalink is not None:  # a remote track needs a datalink round
        best_type = np.where(net_mod.remote_interceptor_ok(remote, ic.datalink[f, np.maximum(best_type, 0)]), best_type, -1)
    feas = np.flatnonzero(best_type >= 0)
    if len(feas) == 0:
        return
    if net is None:
        group, key = _distribution_keys(ctx, f, rows)
    # ---- selection: threat evaluation + one WTA per fire-distribution group (c2/fire_distribution.py)
    sel, n_req, var_sel, pk_sel = _select(ctx, f, rows, obj, feas, best_type, best_tau, delay, p, v, tgo, Pc, assessed, magazine,
                         fc_update, held, guided_free, group, key)  # fmt: skip
    if len(sel) == 0:
        return
    if net is not None:  # one unit per network threat per cycle, also for threats not yet numbered (by position)
        order = np.argsort(tgo[sel], kind="stable")
        o_ = sel[order]  # urgency order
        g, kk = _distribution_keys(ctx, f[o_], rows[o_])
        exempt = layered_unit[f[o_]] | (g < len(world.site_names))
        k1 = np.sort(order[net_mod.first_per_threat(g, kk, f[o_], x[o_], Pc[o_], exempt)])
        sel, n_req, var_sel, pk_sel = sel[k1], n_req[k1], var_sel[k1], pk_sel[k1]
    radar_in = _NO_I64  # smooth Earth: the supporting radar found in the compiled call
    if not compiled:  # terrain (or the Python path): the supporting radar with the masks in Python
        p_look = np.where(remote[sel][:, None], best_pip[sel], p_launch[sel])  # a remote track: only the PIP is covered
        radar_in = _i64(_support_radar(world, f[sel], p_look, best_pip[sel], target_free[sel], guided_free[sel]))
    # salvo cap, channels granted, the units' launch offsets (a unit's engagements of one cycle leave
    # its launchers one after the other), launch states and rounds: one compiled call
    kept, radar, n_shots, rep, st_launch, pip, t_int = c2_glue.launch_plan(
        c64(sel, np.int64), radar_in, c64(f, np.int64), c64(remote, bool), c64(best_type, np.int64), best_pip,
        p_launch, v_launch, acc, delay, c64(own, np.int64), c64(n_req, np.int64), fus.salvo_size, target_free,
        guided_free, float(t), fus.launch_interval_s, fus.ecef_m, ic.max_speed_mps, ic.burn_time_s, ic.drag_time_s,
        ic.max_flight_s, engagement._PIP_GRID, engagement._PIP_ITERATIONS, fus.fc_mask, radars.ecef_m,
        radars.enu_rot, radars.lat_rad, radars.lon_rad, radars.alt_m, radars.max_range_m, radars.max_alt_m,
        radars.min_elevation_rad, radars.boresight_az_rad, radars.half_width_az_rad, float(radars.k_factor))  # fmt: skip
    if len(kept) == 0:
        return
    # the commit (Assignment rows, rounds, radar holds, magazine, launchers, ready times, Launch and
    # Fratricide rows): the compiled call the tick loop's decision makes too
    pe = _i64(sel[kept])
    var_of, pk_of = np.zeros(len(f)), np.zeros(len(f))
    var_of[sel], pk_of[sel] = var_sel, pk_sel
    _, dec, _, sel_c, wta, fly, ev0, lc = _engage_constants(ctx)
    shots.ensure(shots.n + len(rep))
    sh = _shot_columns(shots)
    status, n, a, b, c, d = c2_glue.commit_launches(
        pe, radar, n_shots, rep, st_launch, pip, t_int, _i64(f), _i64(rows), _i64(obj), _i64(best_type), _f64(best_pip),
        var_of, pk_of, c64(remote, bool), int(_REMOTE), float(t), magazine, next_ready, tracks.id, tracks.truth,
        (fcs.obj, fcs.radar, fcs.last_dwell, fcs.missed), sh, int(shots.n), dec[2], sel_c[4], sel_c[5], fly[0], wta[0],
        (*ev0, ctx.ids.identity, ctx.fu_roe), lc, log.buf)  # fmt: skip
    if status == c2_glue.ENGAGE_BAD_TAKE:  # LauncherState.take's error
        raise ValueError(f"unit {a} has {c} ready rounds of type {b}, {d} requested")
    shots.n = n
    if net is not None and remote.any():  # engaged on a remote track: acquire before the seeker hand-over
        r_rep, o_rep = radar[rep], obj[pe][rep]
        rr = np.flatnonzero(remote[pe][rep])
        np.minimum.at(net.acquire_by, o_rep[rr], t_int[rr] - fcr.track_update_s[r_rep[rr]])


def _engage_compiled(ctx: _Ctx, t: float, magazine: np.ndarray, next_ready: np.ndarray, f: np.ndarray,
                     rows: np.ndarray) -> bool:  # fmt: skip
    """:func:`_engage` in one compiled call (:func:`iadsim.engine.c2_glue.engage_smooth`): no network,
    smooth Earth, CV tracks, the heuristic assigner. False (nothing changed) when a group's instance
    is larger than 1 × 1: the caller then runs the steps one by one, the Python solvers included.
    (The tick loop makes the same call itself and comes here only when it did not return ENGAGED.)"""
    tracks, shots, fcs = ctx.tracks, ctx.shots, ctx.fcs
    on, dec, rad, sel_c, wta, fly, ev0, lc = _engage_constants(ctx)
    ev = (*ev0, ctx.ids.identity, ctx.fu_roe)
    trk = (tracks.x, tracks.P, tracks.t_s, float(tracks.q), tracks.id, tracks.truth)
    fc = (fcs.obj, fcs.radar, fcs.last_dwell, fcs.missed)
    f, rows = _i64(f), _i64(rows)
    while True:
        sh = _shot_columns(shots)
        status, n, a, b, c, d = c2_glue.engage_smooth(f, rows, float(t), magazine, next_ready, trk, fc, sh, int(shots.n),
                                                      ctx.eng, dec, rad, sel_c, wta, fly, ev, lc, ctx.log.buf)  # fmt: skip
        if status != c2_glue.ENGAGE_ROOM:
            break
        shots.ensure(a)  # room for the rounds, then the same call again (nothing was changed)
    if status == c2_glue.ENGAGE_LEFT:
        return False
    if status == c2_glue.ENGAGE_BAD_TAKE:  # LauncherState.take's error
        raise ValueError(f"unit {a} has {c} ready rounds of type {b}, {d} requested")
    shots.n = n
    return True


def _engage_constants(ctx: _Ctx) -> tuple:
    """The run's constant columns of :func:`iadsim.engine.c2_glue.engage_smooth`, built once: (applies,
    decision, radars, selection, WTA, flyout, event, launcher columns). ``applies``: the compiled
    decision is the engine's for this run (no network, smooth Earth, CV tracks, the heuristic
    assigner, and the switches on); the columns are typed in every configuration."""
    const = ctx.engage_consts
    if const is not None:
        return const
    world, tracks = ctx.world, ctx.tracks
    fus, ic, radars, th = world.fire_units, world.interceptors, world.radars, world.sensed
    c64 = np.ascontiguousarray
    assigner = ctx.assigner
    heuristic = type(assigner) is HeuristicAssigner
    on = bool(_COMPILED_ENGAGE and _COMPILED_DECISION and ctx.net is None and radars.terrain is None
              and ctx.eng is not None and tracks.model == "cv" and heuristic)  # fmt: skip
    wp = assigner._kernel_parameters() if heuristic else HeuristicAssigner()._kernel_parameters()  # type: ignore[union-attr]
    lau = ctx.launchers
    const = (
        on,
        (c64(fus.max_engagements, np.int64), c64(fus.max_guided, np.int64), c64(ic.cost_usd, float),
         fus.preference, fus.weapon_cheapest),
        (radars.ecef_m, radars.enu_rot, radars.lat_rad, radars.lon_rad, radars.alt_m, radars.max_range_m,
         radars.max_alt_m, radars.min_elevation_rad, radars.boresight_az_rad, radars.half_width_az_rad,
         float(radars.k_factor)),
        (bool(world.scenario.fidelity.midcourse_updates), c64(ctx.asset_ecef, float).reshape(-1, 3),
         c64(ctx.asset_rot, float), c64(world.assets.value, float), ic.pk, ic.basket_m, fus.fc_mask,
         float(tewa.REACH_RADIUS_M), float(tewa.MANOEUVRE_ALLOWANCE_RAD)),
        (c64(fus.site_index, np.int64), c64(fus.salvo_size, np.int64), wp,
         c64(fus.site_index if _SITE_GROUPS else np.arange(len(fus)), np.int64)),
        (fus.launch_interval_s, fus.ecef_m, ic.max_speed_mps, ic.burn_time_s, ic.drag_time_s, ic.max_flight_s,
         engagement._PIP_GRID, engagement._PIP_ITERATIONS),
        (int(EventKind.Assignment), int(EventKind.Launch), int(EventKind.Fratricide), int(_ROE_BASE),
         c64(th.class_index, np.int64), c64(th.is_friendly, bool)),
        ((True, lau.rounds, lau.ready_at_s, lau.reload_n, lau.reserve, lau.table.fire_unit, lau.table.itype,
          lau.table.capacity, lau.table.reload_time_s) if lau is not None else _NO_LAUNCHERS),
    )  # fmt: skip
    ctx.engage_consts = const
    return const


def _shot_columns(shots: ShotTable) -> tuple:
    """The shot table's columns in the order of :func:`iadsim.engine.c2_glue.engage_smooth` and
    :func:`~iadsim.engine.c2_glue.commit_launches`."""
    return (shots.pending, shots.guided, shots.radar, shots.id, shots.fu, shots.itype, shots.track, shots.target,
            shots.threat, shots.t_launch, shots.t_int, shots.pk0, shots.basket, shots.seq, shots.t_assess,
            shots.assessed, shots.killed, shots.pip)  # fmt: skip


#: engage_smooth's launcher columns without launchers (never read)
_NO_LAUNCHERS = (False, np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 0), np.int64),
                 np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))  # fmt: skip


def _decide_python(ctx: _Ctx, f: np.ndarray, x: np.ndarray, cued: np.ndarray, Pc: np.ndarray, remote: np.ndarray,
                   magazine: np.ndarray, own: np.ndarray) -> tuple:  # fmt: skip
    """The first half of :func:`_engage` step by step (terrain: the support test reads the masks in
    Python), the composition :func:`iadsim.engine.c2_glue.decide_smooth` compiles for smooth Earth.

    Delay, launch state, time to go, the class assessed from the track's kinematics (never the
    truth label; the truth (−1 = false track) only annotates the events and resolves the
    outcome), the fire-control acceleration model and the interceptor capability rules
    (:func:`iadsim.weapons.engagement.decision_capability`); the channels of every radar for every
    pair: target channels (objects held) and guidance channels (guided rounds in flight), where an
    object already held by radar s needs no new channel; the fire-control support of the PIP and
    the doctrine's choice (:func:`iadsim.weapons.engagement.choose_among`).

    Returns ``(DecisionState, best type, τ, PIP, held, target_free, guided_free)``, the state None
    when no pair is capable.
    """
    world, tracks, shots, fcs = ctx.world, ctx.tracks, ctx.shots, ctx.fcs
    fus, ic, fcr = world.fire_units, world.interceptors, world.fc_radars
    ds = engagement.decision_capability(
        f, x, cued, Pc, world.scenario.fidelity.midcourse_updates, tracks.q,
        magazine, fus, ic, fcr.cue_delay_s, fcr.track_update_s, ctx.asset_ecef)  # fmt: skip
    if not ds.capable.any():  # nothing capable: no pair can be feasible
        return None, None, None, None, None, None, None
    held, target_free, guided_free = c2_glue.decision_channels(
        _i64(f), _i64(own), fcs.radar, shots.pending, shots.guided, shots.radar, int(shots.n), fus.max_engagements,
        fus.max_guided, len(world.radars))  # fmt: skip

    def support(pip: np.ndarray, k: np.ndarray) -> np.ndarray:
        p_look = np.where(remote[k][:, None], pip, ds.p_launch[k])  # remote: no launch-time coverage needed
        return _support_radar(world, f[k], p_look, pip, target_free[k], guided_free[k]) >= 0

    best_type, best_tau, best_pip = engagement.choose_among(f, ds.capable, ds.last_resort, ds.taus, ds.pips, fus, ic,
                                                            pip_supported=support)  # fmt: skip
    return ds, best_type, best_tau, best_pip, held, target_free, guided_free


def _select(ctx: _Ctx, f: np.ndarray, rows: np.ndarray, obj: np.ndarray, feas: np.ndarray, best_type: np.ndarray,
            best_tau: np.ndarray, delay: np.ndarray, p: np.ndarray, v: np.ndarray, tgo: np.ndarray, Pc: np.ndarray,
            assessed: np.ndarray, magazine: np.ndarray, fc_update: np.ndarray, held: np.ndarray,
            guided_free: np.ndarray, group: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, ...]:  # fmt: skip
    """Selection of one decision cycle: threat evaluation, one WTA per group, engagements.

    Per group (:func:`_distribution_keys`) the WTA instance of :func:`iadsim.c2.fire_distribution.build_problem`:
    target values from the value at risk (:mod:`iadsim.c2.threat_evaluation`, scaled and floored
    by ``assignment_values``), Pk = catalogue Pk of the doctrine's type against the ASSESSED
    class × the expected fraction kept at seeker hand-over, rounds = ready rounds of the type
    capped by the unit's free guidance channels, channels = the unit's free target channels plus
    the candidates its radars already hold, rounds per target ≤ the doctrine's salvo
    (1 under shoot-look-shoot). The assigner is the scenario's ``assignment``.

    Returns ``(pair index (E,), rounds requested (E,), value at risk (E,), Pk used (E,))``, the
    indices into the candidate arrays, in priority order (value at risk, then time to go, then
    track id).
    """
    world, tracks, fcs = ctx.world, ctx.tracks, ctx.fcs
    fus, ic = world.fire_units, world.interceptors
    fi, ii = f[feas], best_type[feas]
    c64 = np.ascontiguousarray
    # threat evaluation once per track row, launch-quality Pk, rounds and channels: one compiled call
    var, pk, rounds, channels = c2_glue.selection_inputs(
        c64(feas, np.int64), c64(f, np.int64), c64(rows, np.int64), c64(best_type, np.int64), c64(best_tau, float),
        c64(delay, float), c64(p, float), c64(v, float), c64(Pc, float), c64(assessed, np.int64),
        c64(magazine, np.int64), c64(fc_update, float), bool(world.scenario.fidelity.midcourse_updates),
        float(tracks.q), c64(held, np.int64), c64(guided_free, np.int64), c64(fcs.radar[obj], np.int64),
        c64(ctx.asset_ecef, float), c64(ctx.asset_rot, float), c64(world.assets.value, float), ic.pk, ic.basket_m,
        fus.fc_mask, c64(fus.max_engagements, np.int64), float(tewa.REACH_RADIUS_M),
        float(tewa.MANOEUVRE_ALLOWANCE_RAD))  # fmt: skip
    g = c64(group[feas], np.int64)
    kf = c64(key[feas], np.int64)
    salvo = c64(fus.salvo_size[fi], np.int64)
    assigner = ctx.assigner
    assert assigner is not None  # set in _Ctx.__post_init__
    if type(assigner) is HeuristicAssigner:  # every 1 × 1 group (most cycles) in one compiled call (a subclass
        # may change `assign`: it keeps the Python path)
        sel, n_req, sel_g, left = c2_glue.group_engagements(
            c64(feas, np.int64), c64(fi, np.int64), c64(ii, np.int64), kf, g, var, pk, rounds, channels, salvo,
            *assigner._kernel_parameters())  # fmt: skip
    else:
        sel, n_req, sel_g, left = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.unique(g)
    if len(left):  # the other groups: the instance, the scenario's solver and rule (b) in Python
        out_idx, out_n, out_g = [sel], [n_req], [sel_g]
        for grp in left:  # increasing group
            m = np.flatnonzero(g == grp)
            vals = tewa.assignment_values(var[m])
            gp = fire_distribution.build_problem(feas[m], fi[m], ii[m], kf[m], vals, pk[m], rounds[m], channels[m],
                                                 salvo[m])  # fmt: skip
            sol = assigner.assign(gp.problem)
            pe, n = fire_distribution.engagements(sol.x, gp.pair)
            out_idx.append(pe)
            out_n.append(n)
            out_g.append(np.full(len(pe), grp, np.int64))
        sel_g = np.concatenate(out_g)
        by_group = np.argsort(sel_g, kind="stable")  # group order, as one loop over the groups gives
        sel, n_req = np.concatenate(out_idx)[by_group], np.concatenate(out_n)[by_group]
    if len(sel) == 0:
        return sel, n_req, np.zeros(0), np.zeros(0)
    var_of = np.zeros(len(f))
    var_of[feas] = var
    pk_of = np.zeros(len(f))
    pk_of[feas] = pk
    order = tewa.priority_order(var_of[sel], tgo[sel], tracks.id[rows[sel]])
    sel = sel[order]
    return sel, n_req[order], var_of[sel], pk_of[sel]


def _support_radar(world: World, f: np.ndarray, p_launch: np.ndarray, pip: np.ndarray, target_free: np.ndarray,
                   guided_free: np.ndarray) -> np.ndarray:  # fmt: skip
    """Fire-control radar supporting each pair (−1 none): :func:`iadsim.c2.fire_control.supporting_radar`."""
    radars = world.radars
    if radars.terrain is None:  # smooth Earth: one compiled call (the same coverage kernel per pair)
        c64 = np.ascontiguousarray
        return c2_glue.supporting_radar_smooth(
            c64(f, np.int64), world.fire_units.fc_mask, c64(p_launch, np.float64).reshape(-1, 3),
            c64(pip, np.float64).reshape(-1, 3), c64(target_free, np.int64), c64(guided_free, np.int64),
            radars.ecef_m, radars.enu_rot, radars.lat_rad, radars.lon_rad, radars.alt_m, radars.max_range_m,
            radars.max_alt_m, radars.min_elevation_rad, radars.boresight_az_rad, radars.half_width_az_rad,
            float(radars.k_factor))  # fmt: skip
    return fire_control.supporting_radar(
        f, world.fire_units.fc_mask,
        lambda pi, ri: scheduling.pair_visibility(radars, ri, p_launch[pi]),
        lambda pi, ri: scheduling.pair_visibility(radars, ri, pip[pi]),
        target_free, guided_free)  # fmt: skip


def _resolve(ctx: _Ctx, t: float, pos: np.ndarray, vel: np.ndarray, alive: np.ndarray, done: np.ndarray,
             midcourse: bool, due: np.ndarray) -> None:  # fmt: skip
    """Resolve the rounds ``due`` whose intercept time has come (``c2_glue.arrivals_or_release``), in (time, seq) order.

    The aim point is the PIP computed at launch; with midcourse updates it is the engaged
    object's latest track estimate extrapolated to the intercept time, while the object has a
    live track (command / datalink guidance up to the seeker's hand-over). A round that lost
    guidance cannot kill (reason ``guidance_lost``). Then the fire-control radars with no round in
    flight or awaiting assessment release their objects (``_release``). One compiled call
    (``c2_glue.resolve_arrivals``, the one the tick loop makes) where NumPy's exp loop was found.
    """
    shots, tracks, fcs, log = ctx.shots, ctx.tracks, ctx.fcs, ctx.log
    fus = ctx.world.fire_units
    due = np.ascontiguousarray(due, np.int64)
    if _COMPILED_ARRIVALS and npmath.NUMPY_EXP_LOOP is not None:  # the whole phase, the release too, as the loop does
        c2_glue.resolve_arrivals(due, float(t), pos, vel, alive, done, _arrival_shot_columns(shots), shots.n,
                                 (fcs.row, fcs.radar, fcs.missed), tracks.x, tracks.t_s, bool(midcourse),
                                 _arrival_constants(ctx), log.buf)  # fmt: skip
        return
    # NumPy's exp loop not found: the same kernels around np.exp in Python, then the release
    # geometry, aim, aim error, the draws and the exponent of the Pk: one compiled call
    miss, true_pos, live, arg, u = c2_glue.arrival_geometry(
        due, float(t), pos, vel, alive, done, shots.pending, shots.threat, shots.t_int, shots.pip, shots.target,
        shots.guided, shots.fu, shots.basket, fcs.row, tracks.x, tracks.t_s, bool(midcourse), ctx.fu_st)  # fmt: skip
    # Pk = Pk₀ exp(arg) (weapons.flyout.kill_probability) with NumPy's exp (numba's differs in the
    # last bit), then the outcomes, the Fratricide / Intercept / Miss rows and the assessment
    # times: one compiled call
    c2_glue.arrival_outcomes(
        due, np.exp(arg), live, u, miss, true_pos, alive, done, shots.threat, shots.t_int, shots.pk0, shots.fu,
        shots.id, shots.itype, shots.guided, shots.killed, shots.t_assess, ctx.world.sensed.is_friendly,
        _i64(fus.site_index), _f64(fus.kill_assessment_s), log.buf, int(EventKind.Fratricide),
        int(EventKind.Intercept), int(EventKind.Miss), int(_FRIENDLY_DESTROYED))  # fmt: skip
    _release(ctx)


def _arrival_shot_columns(shots: ShotTable) -> tuple:
    """The shot table's columns in :func:`iadsim.engine.c2_glue.resolve_arrivals`' order."""
    return (shots.pending, shots.threat, shots.t_int, shots.pip, shots.target, shots.guided, shots.fu, shots.basket,
            shots.pk0, shots.id, shots.itype, shots.killed, shots.t_assess, shots.assessed)  # fmt: skip


def _arrival_constants(ctx: _Ctx) -> tuple:
    """The run's constants of :func:`iadsim.engine.c2_glue.resolve_arrivals` (built once)."""
    if ctx.arrival_consts is None:
        fus = ctx.world.fire_units
        ctx.arrival_consts = (ctx.fu_st,
                              np.ascontiguousarray(ctx.world.sensed.is_friendly, bool), _i64(fus.site_index),
                              _f64(fus.kill_assessment_s), int(EventKind.Fratricide), int(EventKind.Intercept),
                              int(EventKind.Miss), int(_FRIENDLY_DESTROYED))  # fmt: skip
    return ctx.arrival_consts


def _i64(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, np.int64)


def _f64(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, np.float64)


def _index_in_raid(raid_index: np.ndarray) -> np.ndarray:
    """Position of each threat within its raid, (N,) (threats are stored raid by raid)."""
    r = np.asarray(raid_index, np.int64)
    if len(r) == 0:
        return np.zeros(0, np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(r)) + 1]
    return np.arange(len(r)) - np.repeat(starts, np.diff(np.r_[starts, len(r)]))

