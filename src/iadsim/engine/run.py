"""The engine: fixed-step clock, five phases per tick in a fixed order, events as the record.

``simulate(scenario, seed) -> RunResult``. Per tick ``t = k·dt`` (k = 1 … K):

1. **motion** — threat positions at ``t``; launches; threats that reached their target leak and
   their impact is drawn;
2. **sensing** — every scanning radar draws detections of the active threats;
3. **tracking** — per-site track tables are updated from their own radars' detections;
4. **C2** — each ready fire unit ranks its site's confirmed tracks by earliest predicted arrival
   at any defended asset (first fidelity level; TEWA/WTA come with the C2 model);
5. **engagement** — the best feasible track per ready unit is engaged (analytic flyout, PIP inside
   the envelope); interceptors whose intercept time has come are resolved (kill or miss).

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

from iadsim.engine.events import EventKind, EventLog
from iadsim.engine.world import World, compile_world
from iadsim.geo import frames
from iadsim.rng import make_streams
from iadsim.scenario.catalog import Catalog, load_catalog
from iadsim.scenario.schema import Scenario
from iadsim.sensors import radar as radar_mod
from iadsim.tracking import association as _association  # noqa: F401 - import cost outside the timed loop
from iadsim.tracking.manager import TrackTable
from iadsim.tracking.metrics import gospa_ospa
from iadsim.weapons.flyout import ballistic_acceleration, kill_probability, predicted_intercept

Progress = Callable[[int, int], None]



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


class _Shots:
    """Interceptors in flight (struct of arrays, grown on demand)."""

    FIELDS = {
        "id": np.int64, "fu": np.int64, "itype": np.int64, "track": np.int64, "threat": np.int64,
        "t_int": np.float64, "pk0": np.float64, "basket": np.float64, "seq": np.int64,
    }  # fmt: skip

    id: np.ndarray
    fu: np.ndarray
    itype: np.ndarray
    track: np.ndarray
    threat: np.ndarray
    t_int: np.ndarray
    pk0: np.ndarray
    basket: np.ndarray
    seq: np.ndarray

    def __init__(self, cap: int = 64) -> None:
        self.n = 0
        self.cap = cap
        for k, dt in self.FIELDS.items():
            setattr(self, k, np.zeros(cap, dt))
        self.pip = np.zeros((cap, 3))
        self.pending = np.zeros(cap, bool)

    def add(self, **cols: np.ndarray) -> None:
        k = len(cols["fu"])
        if self.n + k > self.cap:
            new = max(2 * self.cap, self.n + k)
            for name in list(self.FIELDS) + ["pip", "pending"]:
                old = getattr(self, name)
                arr = np.zeros((new,) + old.shape[1:], old.dtype)
                arr[: self.n] = old[: self.n]
                setattr(self, name, arr)
            self.cap = new
        sl = slice(self.n, self.n + k)
        for name, v in cols.items():
            getattr(self, name)[sl] = v
        self.pending[sl] = True
        self.n += k


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
    magazine = fus.magazine.copy()
    next_ready = np.zeros(F)
    shots = _Shots()
    shot_seq = 0
    radar_site = np.asarray(radars.site_index, np.int64)
    asset_ecef = world.assets.ecef_m.reshape(-1, 3)
    # rank of each radar within its site (0 = first listed): gnn/jpda associate in that order
    radar_rank = np.array([int((radar_site[:i] == radar_site[i]).sum()) for i in range(S)], np.int64)
    site_revisit = np.zeros(len(world.site_names))  # slowest radar revisit per site
    if S:
        np.maximum.at(site_revisit, radar_site, np.asarray(radars.revisit_s, float))

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
            hit = streams.damage.random(len(idx)) < th.p_damage[idx]
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
        det = radar_mod.sense(radars, pos, th.rcs_m2, active, t, dt, streams.sensors)
        if clutter > 0:
            fa = radar_mod.false_alarms(radars, t, dt, clutter, streams.sensors)
            if len(fa):
                det = radar_mod.Detections.concat(det, fa)
        M = len(det.sensor)
        if M:
            det_site = radar_site[det.sensor]
            log.emit(EventKind.Detection, t, sensor=det.sensor, site=det_site, threat=det.target,
                     range_m=det.range_m, x_m=det.z_ecef_m[:, 0], y_m=det.z_ecef_m[:, 1], z_m=det.z_ecef_m[:, 2])  # fmt: skip
        else:
            det_site = np.zeros(0, np.int64)
        # ---------------------------------------------------------------- 3 tracking
        scanning = radar_mod.scanning(radars, t, dt)
        opp_rows = np.zeros(0, np.int64)
        live = tracks.live_rows()
        if len(live) and scanning.any():
            site_scans = np.zeros(len(world.site_names), bool)
            site_scans[radar_site[scanning]] = True
            live = live[site_scans[tracks.site[live]]]
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
        stale = live[(t - tracks.t_s[live]) > sc.tracking.drop_misses * site_revisit[tracks.site[live]] + dt]
        if len(stale):
            tracks.kill(stale)
            log.emit(EventKind.TrackDropped, t, site=tracks.site[stale], track=tracks.id[stale], threat=tracks.truth[stale])
        if M or len(opp_rows):
            tev = tracks.step(t, det_site, det.target, det.z_ecef_m, det.R_ecef, opp_rows,
                              det_rank=radar_rank[det.sensor] if M else None)  # fmt: skip
            for kind, rows in ((EventKind.TrackInitiated, tev.initiated), (EventKind.TrackConfirmed, tev.confirmed),
                               (EventKind.TrackDropped, tev.dropped)):  # fmt: skip
                if len(rows):
                    log.emit(kind, t, site=tracks.site[rows], track=tracks.id[rows], threat=tracks.truth[rows])
        # ---------------------------------------------------------------- 4 C2 + 5 engagement
        if F and ic.ids:
            pend = np.flatnonzero(shots.pending[: shots.n])
            engaged_now = np.zeros(F, np.int64)
            if len(pend):
                pairs = np.unique(shots.fu[pend] * (tracks.capacity + 1) + shots.track[pend])
                engaged_now = np.bincount(pairs // (tracks.capacity + 1), minlength=F)
            ready = (next_ready <= t + 1e-9) & (magazine.sum(axis=1) > 0) & (engaged_now < fus.max_engagements)
            live = tracks.live_rows()
            # fire control engages confirmed tracks updated within one revisit of the site's radars
            fresh = (t - tracks.t_s[live]) <= site_revisit[tracks.site[live]] + dt
            conf = live[tracks.confirmed[live] & (tracks.misses[live] == 0) & fresh]
            if ready.any() and len(conf):
                _engage(world, tracks, conf, np.flatnonzero(ready), t, magazine, next_ready, shots,
                        shot_seq, log, pend, asset_ecef)  # fmt: skip
                shot_seq = int(shots.seq[shots.n - 1]) + 1 if shots.n else 0
            _resolve(world, shots, t, pos, vel, alive, done, log, streams, tracks if sc.fidelity.midcourse_updates else None)
        # ---------------------------------------------------------------- track-picture quality
        if S and (k % q_every == 0 or k == K):
            quality.append(_picture_quality(world, tracks, t, pos, active, radar_site, sc.tracking.gospa_cutoff_m))
            states.append(_track_states(tracks, t))
        if progress is not None:
            progress(k, K)
    return (log.table(), np.concatenate(quality) if quality else np.zeros(0, QUALITY_DTYPE),
            np.concatenate(states) if states else np.zeros(0, STATE_DTYPE))  # fmt: skip


#: Confirmed track states sampled with the picture quality: ECEF position and velocity of the
#: estimate (predicted to the sample time), its position standard deviation √tr P_pp, and the
#: truth label of the threat behind it (−1: false track) for scoring.
STATE_DTYPE = np.dtype([("time_s", "f8"), ("site", "i8"), ("track", "i8"), ("threat", "i8"),
                        ("x_m", "f8"), ("y_m", "f8"), ("z_m", "f8"), ("vx_mps", "f8"), ("vy_mps", "f8"),
                        ("vz_mps", "f8"), ("pos_std_m", "f8")])  # fmt: skip


def _track_states(tracks: TrackTable, t: float) -> np.ndarray:
    live = tracks.live_rows()
    rows = live[tracks.confirmed[live]]
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
                     radar_site: np.ndarray, cutoff_m: float) -> np.ndarray:  # fmt: skip
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
    xp, _ = tracks.predicted(conf, t) if len(conf) else (np.zeros((0, 6)), None)
    for s in range(n_sites):  # a handful of sites, every quality_sample_s
        truth = pos[act[site_vis[s]]]
        est = xp[tracks.site[conf] == s, :3]
        g = gospa_ospa(est, truth, cutoff_m, 1.0)
        out[s] = (t, s, g.gospa, g.localisation, g.missed, g.false, len(truth), len(est), g.n_missed, g.n_false)
    return out


def _engage(world: World, tracks: TrackTable, conf: np.ndarray, ready_fu: np.ndarray, t: float,
            magazine: np.ndarray, next_ready: np.ndarray, shots: _Shots, shot_seq: int, log: EventLog,
            pend: np.ndarray, asset_ecef: np.ndarray) -> None:  # fmt: skip
    """C2 + engagement decisions for the ready fire units (vectorised over unit × track × type)."""
    fus, ic, th = world.fire_units, world.interceptors, world.threats
    # candidate pairs: every ready unit × every confirmed track of its site
    site_of = tracks.site[conf]
    pf, pr = np.nonzero(fus.site_index[ready_fu][:, None] == site_of[None, :])
    if len(pf) == 0:
        return
    f = ready_fu[pf]
    rows = conf[pr]
    # not already engaged by this unit
    if len(pend):
        key_p = f * (tracks.capacity + 1) + rows
        key_s = shots.fu[pend] * (tracks.capacity + 1) + shots.track[pend]
        keep = ~np.isin(key_p, key_s)
        f, rows = f[keep], rows[keep]
        if len(f) == 0:
            return
    # track estimate at the decision time, then at launch (after the reaction time)
    x, Pc = tracks.predicted(rows, t)
    p, v = x[:, :3], x[:, 3:]
    var_p = np.trace(Pc[:, :3, :3], axis1=1, axis2=2)  # m², position uncertainty now
    var_v = np.trace(Pc[:, 3:, 3:], axis1=1, axis2=2)  # (m/s)², velocity uncertainty
    acc = ballistic_acceleration(p, v)
    react = fus.reaction_time_s[f][:, None]
    t_launch = t + fus.reaction_time_s[f]
    p_launch = p + v * react + 0.5 * acc * react**2
    v_launch = v + acc * react
    speed = np.linalg.norm(v, axis=1)
    # priority: earliest predicted arrival at any defended asset (closing-speed time to go)
    rel = asset_ecef[None, :, :] - p[:, None, :]  # (P, A, 3)
    dist = np.linalg.norm(rel, axis=2)
    closing = np.einsum("pak,pk->pa", rel, v) / np.maximum(dist, 1.0)
    with np.errstate(divide="ignore"):
        tgo = np.where(closing > 1.0, dist / np.maximum(closing, 1e-9), np.inf).min(axis=1)
    # truth class of the threat behind the track (for Pk); −1 = false track
    truth = tracks.truth[rows]
    cls = np.where(truth >= 0, th.class_index[np.maximum(truth, 0)], 0)
    best_type = np.full(len(f), -1)
    best_pref = np.full(len(f), np.iinfo(np.int64).max)
    best_tau = np.full(len(f), np.nan)
    for i in range(len(ic.ids)):  # a handful of interceptor types; vectorised over all pairs
        stock = magazine[f, i] > 0
        if not stock.any():
            continue
        pip, tau = predicted_intercept(p_launch, v_launch, acc, fus.ecef_m[f], ic.speed_mps[f, i])
        pip = np.where(np.isfinite(pip), pip, fus.ecef_m[f])
        enu = np.einsum("pij,pj->pi", fus.enu_rot[f], pip - fus.ecef_m[f])
        slant = np.linalg.norm(enu, axis=1)
        _, _, alt = frames.ecef_to_geodetic(pip)
        ok = (
            stock
            & np.isfinite(tau)
            & (slant <= ic.max_range_m[f, i]) & (slant >= ic.min_range_m[f, i])
            & (alt <= ic.max_alt_m[f, i]) & (alt >= ic.min_alt_m[f, i])
            & (speed <= ic.max_target_speed_mps[f, i])
            & (ic.pk[f, i, cls] > 0)
            & (fus.reaction_time_s[f] + np.nan_to_num(tau, nan=np.inf) < tgo)
            # fire control: the track must predict the intercept point to within the seeker basket
            & (np.sqrt(var_p + var_v * (fus.reaction_time_s[f] + np.nan_to_num(tau, nan=np.inf)) ** 2)
               <= fus.max_pip_sigma_baskets[f] * ic.basket_m[f, i])
        )  # fmt: skip
        better = ok & (fus.preference[f, i] < best_pref)
        best_type = np.where(better, i, best_type)
        best_pref = np.where(better, fus.preference[f, i], best_pref)
        best_tau = np.where(better, tau, best_tau)
    feas = best_type >= 0
    if not feas.any():
        return
    f, rows, tgo, best_type, best_tau = f[feas], rows[feas], tgo[feas], best_type[feas], best_tau[feas]
    p_launch, v_launch, acc, t_launch, truth = p_launch[feas], v_launch[feas], acc[feas], t_launch[feas], truth[feas]
    # one new engagement per ready unit per tick: the earliest-arriving feasible track
    order = np.lexsort((tracks.id[rows], tgo, f))
    first = order[np.r_[True, f[order][1:] != f[order][:-1]]]
    f, rows, it = f[first], rows[first], best_type[first]
    p_l, v_l, a_l, t_l, truth = p_launch[first], v_launch[first], acc[first], t_launch[first], truth[first]
    n_shots = np.minimum(fus.salvo_size[f], magazine[f, it])
    pip0 = p_l + v_l * best_tau[first][:, None] + 0.5 * a_l * (best_tau[first] ** 2)[:, None]
    log.emit(EventKind.Assignment, t, fire_unit=f, track=tracks.id[rows], threat=truth, interceptor_type=it,
             x_m=pip0[:, 0], y_m=pip0[:, 1], z_m=pip0[:, 2])  # fmt: skip
    # salvo rounds leave launch_interval_s apart; each round gets its own PIP
    rep = np.repeat(np.arange(len(f)), n_shots)
    j = np.arange(len(rep)) - np.repeat(np.cumsum(n_shots) - n_shots, n_shots)
    sf = f[rep]
    sit = it[rep]
    delay = (j * fus.launch_interval_s[sf])[:, None]
    st_launch = t_l[rep] + delay[:, 0]
    pip, tau = predicted_intercept(p_l[rep] + v_l[rep] * delay + 0.5 * a_l[rep] * delay**2, v_l[rep] + a_l[rep] * delay,
                                   a_l[rep], fus.ecef_m[sf], ic.speed_mps[sf, sit])  # fmt: skip
    tau = np.nan_to_num(tau, nan=0.0)
    cls = np.where(truth[rep] >= 0, th.class_index[np.maximum(truth[rep], 0)], 0)
    ids = np.arange(shot_seq, shot_seq + len(rep))
    shots.add(id=ids, fu=sf, itype=sit, track=rows[rep], threat=truth[rep], t_int=st_launch + tau,
              pk0=ic.pk[sf, sit, cls], basket=ic.basket_m[sf, sit], seq=ids, pip=pip)  # fmt: skip
    np.subtract.at(magazine, (f, it), n_shots)
    next_ready[f] = t + fus.launch_interval_s[f] * n_shots
    cost = ic.cost_usd[sf, sit]
    log.emit(EventKind.Launch, st_launch, fire_unit=sf, shot=ids, interceptor_type=sit,
             track=tracks.id[rows[rep]], threat=truth[rep], value=cost)  # fmt: skip


def _resolve(world: World, shots: _Shots, t: float, pos: np.ndarray, vel: np.ndarray, alive: np.ndarray,
             done: np.ndarray, log: EventLog, streams: Any, tracks: TrackTable | None = None) -> None:  # fmt: skip
    """Resolve every shot whose intercept time has come, in (time, seq) order.

    The aim point is the PIP computed at launch; with midcourse updates (``tracks`` given) it is
    the engaged track's latest estimate extrapolated to the intercept time, as long as that track
    is still alive (command / datalink guidance up to the seeker's hand-over).
    """
    due = np.flatnonzero(shots.pending[: shots.n] & (shots.t_int[: shots.n] <= t + 1e-9))
    if len(due) == 0:
        return
    due = due[np.lexsort((shots.seq[due], shots.t_int[due]))]
    shots.pending[due] = False
    thr = shots.threat[due]
    t_int = shots.t_int[due]
    valid = thr >= 0
    ti = np.maximum(thr, 0)
    # true target position at the intercept time (linear within the tick)
    true_pos = pos[ti] + vel[ti] * (t_int - t)[:, None]
    aim = shots.pip[due]
    if tracks is not None:
        rows = shots.track[due]
        upd = tracks.alive[rows]
        if upd.any():
            r = rows[upd]
            dt_u = (t_int[upd] - tracks.t_s[r])[:, None]
            x = tracks.x[r]
            acc = ballistic_acceleration(x[:, :3], x[:, 3:])
            aim = aim.copy()
            aim[upd] = x[:, :3] + x[:, 3:] * dt_u + 0.5 * acc * dt_u**2
    miss = np.linalg.norm(aim - true_pos, axis=1)
    pk = np.where(valid & alive[ti] & ~done[ti], kill_probability(shots.pk0[due], miss, shots.basket[due]), 0.0)
    u = streams.engagement.random(len(due))
    success = u < pk
    # a threat dies at its first successful shot; later shots at it in this tick find it gone
    order = np.lexsort((np.arange(len(due)), thr))
    ts = thr[order]
    succ_o = success[order]
    starts = np.flatnonzero(np.r_[True, ts[1:] != ts[:-1]])
    cum = np.cumsum(succ_o)
    offset = np.repeat(np.r_[0, cum][starts], np.diff(np.r_[starts, len(ts)]))
    before = cum - succ_o - offset  # successes earlier in the same threat's group
    kill_o = succ_o & (before == 0)
    kill = np.zeros(len(due), bool)
    kill[order] = kill_o
    pk = np.where(success & ~kill, 0.0, pk)  # target already gone when this one arrived
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
                 interceptor_type=shots.itype[due][m_idx], threat=thr[m_idx], pk=pk[m_idx], range_m=miss[m_idx])  # fmt: skip
