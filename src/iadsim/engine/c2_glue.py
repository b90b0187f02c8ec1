"""Compiled per-tick glue of the engine's C2 phase (phase 4/5 bookkeeping around the rule kernels).

Each kernel answers one of the questions the tick loop asks every tick, on plain arrays, in one
compiled call (no ``np.flatnonzero`` / ``np.lexsort`` / fancy-indexing chain of tiny arrays):

* :func:`assessments_due` / :func:`arrivals_due` — which rounds' kill assessment / intercept falls
  due now, in resolution order (an empty answer on the idle ticks);
* :func:`engageable_rows` — the track rows fire control may engage (the rules of
  :func:`iadsim.c2.fire_control.engageable_tracks`, :func:`iadsim.c2.network.engageable_remote` and
  :func:`iadsim.c2.fire_control.believed_alive`, composed);
* :func:`release_idle` — fire-control radars stop maintaining objects with no busy round;
* :func:`draw_per_unit` — one uniform per round (or interrogation) from its unit's (site's) own
  stream, on the streams' PCG64 states (:mod:`iadsim.rng_kernels`; bit-identical to NumPy);
* :func:`identify_update` — the identification ladder of this tick's interrogations and the
  identity sharing, returning the rows to report;
* :func:`selection_inputs` / :func:`group_engagements` — the engagement decision's threat
  evaluation, launch-quality Pk, rounds and channels of every feasible pair, and the weapon–target
  assignment of every 1 × 1 group with the heuristic solver (the rest go to the Python solvers);
* :func:`ready_phase` — the launchers' tick (reloads, ready rounds), the ready fire units, the
  engageable rows and whether a decision cycle falls in the tick, in one call
  (:func:`decision_due` the last of these);
* :func:`self_destruct` — rounds in flight at a target their unit believes dead are destroyed
  (logged as a miss with the self-destruct code); the assessment phase and the retarget
  doctrine's leftovers both call this one rule.

Nothing here decides anything new: every kernel is the exact composition of rules that are
stated (and tested) where they live; the tests check each against that NumPy composition.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.arrayops import sort_rows_by2
from iadsim.c2.fire_control import _grant_kernel, engageable_tracks_kernel
from iadsim.c2.fire_distribution import _problem_kernel, _unit_offsets_kernel
from iadsim.c2.iff import _SCORE_TO_ID, SHARE_SCORE, _ladder_kernel, _share_kernel
from iadsim.c2.network import distribution_keys_kernel, engageable_remote_kernel
from iadsim.c2.threat_evaluation import assignment_values_kernel, priority_order_kernel, reach_kernel
from iadsim.c2.wta_kernels import heuristic_one_by_one
from iadsim.rng_kernels import next_double
from iadsim.sensors import scheduling
from iadsim.engine import eventbuf
from iadsim.weapons.kill_assessment import (assess_one, midcourse_aim_kernel, resolve_exponent_kernel,
                                            resolve_outcome_kernel)
from iadsim.weapons import kernels as weapon_kernels
from iadsim.weapons.kernels import handover_fraction
from iadsim.weapons.launchers import _ready_kernel, _take_kernel, _tick_kernel
from iadsim import npmath
from iadsim.tracking import kernels as track_kernels

__all__ = ["assessments_due", "arrivals_due", "engageable_rows", "release_idle", "draw_per_unit", "identify_update",
           "decision_due", "ready_phase"]


@njit(cache=True, error_model="numpy")
def assessments_due(pending: np.ndarray, assessed: np.ndarray, t_assess: np.ndarray, seq: np.ndarray, n: int,
                    t: float) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """Rounds ρ < n whose kill assessment is due at t, in (t_assess, seq) order.

    due ⇔ ¬pending(ρ) ∧ ¬assessed(ρ) ∧ t_assess(ρ) ≤ t + 10⁻⁹ (arrived, not yet assessed, its
    assessment time has come). Returns (k,) int64 rows.
    """
    rows = np.empty(n, np.int64)
    m = 0
    lim = t + 1e-9
    for r in range(n):
        if not pending[r] and not assessed[r] and t_assess[r] <= lim:
            rows[m] = r
            m += 1
    return sort_rows_by2(rows, m, t_assess, seq)


@njit(cache=True, error_model="numpy")
def arrivals_due(pending: np.ndarray, t_int: np.ndarray, seq: np.ndarray, n: int,
                 t: float) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """Rounds ρ < n in flight whose intercept time has come, in (t_int, seq) order.

    due ⇔ pending(ρ) ∧ t_int(ρ) ≤ t + 10⁻⁹. Returns (k,) int64 rows.
    """
    rows = np.empty(n, np.int64)
    m = 0
    lim = t + 1e-9
    for r in range(n):
        if pending[r] and t_int[r] <= lim:
            rows[m] = r
            m += 1
    return sort_rows_by2(rows, m, t_int, seq)


@njit(cache=True, error_model="numpy")
def engageable_rows(alive: np.ndarray, size: int, confirmed: np.ndarray, misses: np.ndarray, t_update: np.ndarray,
                    site_revisit: np.ndarray, site: np.ndarray, t: float, dt: float, obj: np.ndarray,
                    reopen_at: np.ndarray, networked: bool, remote: np.ndarray, site_network: np.ndarray,
                    up: np.ndarray, delivered_at: np.ndarray, update_s: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """Track rows fire control may engage at t, in the engine's order.

    1. own rows: :func:`iadsim.c2.fire_control.engageable_tracks` of the live rows ρ < ``size``
       (confirmed ∧ no missed opportunity ∧ t − t_update ≤ site revisit + dt);
    2. with networks (``networked``): :func:`iadsim.c2.network.engageable_remote_kernel` (own rows
       that are not remote, then the fresh remote rows; sorted when any remote row is alive and
       confirmed);
    3. believed alive (:func:`iadsim.c2.fire_control.believed_alive`): ¬(t_update(ρ) ≤ reopen_at(obj(ρ))).

    Returns (k,) int64 rows.
    """
    live = np.empty(size, np.int64)
    m = 0
    for r in range(size):
        if alive[r]:
            live[m] = r
            m += 1
    conf = engageable_tracks_kernel(live[:m], confirmed, misses, t_update, site_revisit, site, t, dt)
    if networked:
        conf = engageable_remote_kernel(conf, remote, alive, confirmed, size, site, site_network, up, delivered_at,
                                        update_s, t, dt)  # fmt: skip
    out = np.empty(len(conf), np.int64)
    k = 0
    for r in conf:
        if not (t_update[r] <= reopen_at[obj[r]]):
            out[k] = r
            k += 1
    return out[:k]


@njit(cache=True, error_model="numpy")
def release_idle(radar: np.ndarray, missed: np.ndarray, pending: np.ndarray, assessed: np.ndarray,
                 target: np.ndarray, n: int) -> None:  # pragma: no cover - compiled  # fmt: skip
    """Fire-control radars stop maintaining objects with no round in flight or awaiting assessment.

    For every object o with radar(o) ≥ 0 and no busy round ρ < n at it (busy ⇔ pending ∨
    ¬assessed, target(ρ) = o): radar(o) ← −1, missed(o) ← 0; in place.
    """
    busy = np.zeros(radar.shape[0], np.bool_)
    for r in range(n):
        if pending[r] or not assessed[r]:
            o = target[r]
            if 0 <= o < busy.shape[0]:
                busy[o] = True
    for o in range(radar.shape[0]):
        if radar[o] >= 0 and not busy[o]:
            radar[o] = -1
            missed[o] = 0


@njit(cache=True, error_model="numpy")
def arrivals_or_release(pending: np.ndarray, t_int: np.ndarray, seq: np.ndarray, n: int, t: float, radar: np.ndarray,
                        missed: np.ndarray, assessed: np.ndarray, target: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """The tick's end of phase 5 in one call when no round arrives.

    Returns :func:`arrivals_due` (rounds whose intercept time has come, in (t_int, seq) order);
    when there is none, nothing is resolved this tick, so the release that follows the
    resolution (:func:`release_idle`) is done here at once; otherwise the caller resolves the
    rounds and then releases.
    """
    due = arrivals_due(pending, t_int, seq, n, t)
    if due.shape[0] == 0:
        release_idle(radar, missed, pending, assessed, target, n)
    return due


@njit(cache=True, error_model="numpy")
def draw_per_unit(states: np.ndarray, unit: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """One U(0, 1) per entry from its unit's own stream, in the given order.

    ``states`` (U, 4) uint64 are the units' PCG64 states (:func:`iadsim.rng_kernels.states_of`),
    advanced in place: u[i] = ``Generator.random()`` of stream ``unit[i]``. The same numbers as
    ``rngs[f].random(k_f)`` per distinct unit f for its k_f entries in order (one stream's draws
    are consumed in its entries' order; streams are independent).
    """
    u = np.empty(unit.shape[0])
    for i in range(unit.shape[0]):
        u[i] = next_double(states, unit[i])
    return u


@njit(cache=True, error_model="numpy")
def identify_update(rows: np.ndarray, conf: np.ndarray, obj_of_row: np.ndarray, kin: np.ndarray, identity: np.ndarray,
                    replies: np.ndarray, silent: np.ndarray, afr: int, fr: int, ahs: int, hs: int, networked: bool,
                    site: np.ndarray, net_track: np.ndarray, site_network: np.ndarray, up: np.ndarray,
                    n_sites: int) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """The identification ladder of the interrogated rows, identity sharing, the rows whose identity changed.

    1. ``rows`` (interrogated, :func:`iadsim.c2.iff.interrogate_kernel`): new identity of each row's
       object = :func:`iadsim.c2.iff.ladder` (``kin``: hostile kinematics where read), written in row
       order (NumPy fancy-assignment semantics); changed ⇔ new ≠ old;
    2. with networks (``networked``): :func:`iadsim.c2.iff.share_identities` over the confirmed rows
       ``conf``, keyed by sharing group: (group, key) of
       :func:`iadsim.c2.network.distribution_keys` (a network's members share by network track
       number while its link is up; a standalone site keeps its own), one integer per pair
       g · (max k − min k + 1) + (k − min k); rows whose identity changed are added.

    ``identity`` (objects,) int8 is updated in place. Returns the sorted distinct rows whose
    identity changed (``np.unique`` of both lists).
    """
    m = rows.shape[0]
    changed = np.zeros(0, np.int64)
    if m:
        o = obj_of_row[rows]
        ident = np.empty(m, np.int8)
        rep = np.empty(m, np.int64)
        sil = np.empty(m, np.int64)
        for i in range(m):
            ident[i] = identity[o[i]]
            rep[i] = replies[o[i]]
            sil[i] = silent[o[i]]
        new = _ladder_kernel(ident, rep, sil, kin, afr, fr, ahs, hs)
        nc = 0
        ch = np.zeros(m, np.bool_)
        for i in range(m):
            if new[i] != ident[i]:
                ch[i] = True
                nc += 1
        for i in range(m):
            identity[o[i]] = new[i]
        changed = np.empty(nc, np.int64)
        j = 0
        for i in range(m):
            if ch[i]:
                changed[j] = rows[i]
                j += 1
    if networked and conf.shape[0]:
        oa = obj_of_row[conf]
        g, k = distribution_keys_kernel(site[conf], oa, net_track[oa], site_network, up, n_sites)
        k0, k1 = k.min(), k.max()
        key = g * (k1 - k0 + 1) + (k - k0)
        cur = np.empty(conf.shape[0], np.int8)
        for i in range(conf.shape[0]):
            cur[i] = identity[oa[i]]
        shared = _share_kernel(cur, key, SHARE_SCORE, _SCORE_TO_ID)
        extra = np.empty(conf.shape[0], np.int64)
        ne = 0
        for i in range(conf.shape[0]):
            if shared[i] != cur[i]:
                extra[ne] = conf[i]
                ne += 1
        for i in range(conf.shape[0]):
            if shared[i] != cur[i]:
                identity[oa[i]] = shared[i]
        changed = np.concatenate((changed, extra[:ne]))
    return np.unique(changed)


@njit(cache=True, error_model="numpy")
def decision_due(t: float, dt: float, interval_s: float) -> bool:  # pragma: no cover - compiled
    """A C2 decision cycle falls in the tick: some multiple of the interval lies in (t − dt, t].

    Decision times are the grid k · interval (every tick when interval ≤ dt + 10⁻¹²):
    due ⇔ ⌊(t + ε)/interval⌋ > ⌊(t − dt + ε)/interval⌋, ε = 10⁻⁹ · max(1, t).
    """
    if interval_s <= dt + 1e-12:
        return True
    eps = 1e-9 * max(1.0, t)
    return np.floor((t + eps) / interval_s) > np.floor((t - dt + eps) / interval_s)


@njit(cache=True, error_model="numpy")
def ready_phase(has_launchers: bool, rounds: np.ndarray, ready_at_s: np.ndarray, reload_n: np.ndarray,
                l_fire_unit: np.ndarray, l_itype: np.ndarray, n_units: int, n_types: int, next_ready: np.ndarray,
                alive: np.ndarray, size: int, confirmed: np.ndarray, misses: np.ndarray, t_update: np.ndarray,
                site_revisit: np.ndarray, site: np.ndarray, t: float, dt: float, obj: np.ndarray,
                reopen_at: np.ndarray, networked: bool, remote: np.ndarray, site_network: np.ndarray, up: np.ndarray,
                delivered_at: np.ndarray, update_s: np.ndarray,
                interval_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:  # pragma: no cover - compiled  # fmt: skip
    """The tick's fire-control readiness, in one call (phase 4 after the kill assessments).

    1. magazine (F, I): with launchers (``has_launchers``) the launchers' tick
       (:meth:`iadsim.weapons.launchers.LauncherState.tick`: reloads whose time has come complete
       in place, then the rounds on ready launchers per unit and type); else zeros;
    2. ready units (:func:`iadsim.c2.fire_control.ready_units`): f with next_ready(f) ≤ t + 10⁻⁹ ∧
       Σ_i magazine(f, i) > 0, ascending;
    3. conf: :func:`engageable_rows` (with the network columns when ``networked``);
    4. due: :func:`decision_due` (t, dt, interval).

    Returns ``(conf (k,) int64, ready (r,) int64, magazine (F, I) int64, due)``.
    """
    if has_launchers:
        magazine = _tick_kernel(rounds, ready_at_s, reload_n, l_fire_unit, l_itype, t, n_units, n_types)
    else:
        magazine = np.zeros((n_units, n_types), np.int64)
    ready = np.empty(n_units, np.int64)
    nr = 0
    lim = t + 1e-9
    for f in range(n_units):
        left = 0
        for i in range(n_types):
            left += magazine[f, i]
        if next_ready[f] <= lim and left > 0:
            ready[nr] = f
            nr += 1
    conf = engageable_rows(alive, size, confirmed, misses, t_update, site_revisit, site, t, dt, obj, reopen_at,
                           networked, remote, site_network, up, delivered_at, update_s)  # fmt: skip
    return conf, ready[:nr], magazine, decision_due(t, dt, interval_s)


@njit(cache=True, error_model="numpy")
def supporting_radar_smooth(f: np.ndarray, fc_mask: np.ndarray, p_launch: np.ndarray, pip: np.ndarray,
                            target_free: np.ndarray, guided_free: np.ndarray, r_ecef: np.ndarray, r_rot: np.ndarray,
                            r_lat: np.ndarray, r_lon: np.ndarray, r_alt: np.ndarray, r_max_range: np.ndarray,
                            r_max_alt: np.ndarray, r_min_el: np.ndarray, r_boresight: np.ndarray,
                            r_half_width: np.ndarray, k_factor: float) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """:func:`iadsim.c2.fire_control.supporting_radar` on smooth Earth, one call: the (pair, radar)
    candidates of each pair's unit (``fc_mask[f]``, row-major), kept where a target and a
    guidance channel are free, then where the radar covers the pair's launch-time position
    ``p_launch`` and then its PIP ``pip`` (:func:`iadsim.sensors.scheduling.pair_kernel`, per pair,
    the coverage rule of ``pair_visibility``); the first such radar of each pair, −1 none."""
    P = f.shape[0]
    S = fc_mask.shape[1]
    pi = np.empty(P * S, np.int64)
    ri = np.empty(P * S, np.int64)
    n = 0
    for p in range(P):
        for s in range(S):
            if fc_mask[f[p], s] and target_free[p, s] > 0 and guided_free[p, s] > 0:
                pi[n] = p
                ri[n] = s
                n += 1
    out = np.full(P, -1, np.int64)
    for look in range(2):
        if n == 0:
            break
        pts = p_launch if look == 0 else pip
        tgt = np.empty((n, 3))
        for i in range(n):
            tgt[i] = pts[pi[i]]
        vis = scheduling.pair_visible(r_ecef, r_rot, r_lat, r_lon, r_alt, r_max_range, r_max_alt, r_min_el,
                                      r_boresight, r_half_width, k_factor, ri[:n].copy(), tgt)
        m = 0
        for i in range(n):
            if vis[i]:
                pi[m] = pi[i]
                ri[m] = ri[i]
                m += 1
        n = m
    for i in range(n):
        p = pi[i]
        if out[p] < 0 or ri[i] < out[p]:
            out[p] = ri[i]
    return out



#: no caller's radar (support_rows computes it)
_NO_RADAR = np.zeros(0, np.int64)


@njit(cache=True, error_model="numpy")
def support_rows(pr: np.ndarray, pip: np.ndarray, f: np.ndarray, remote: np.ndarray, p_launch: np.ndarray,
                 target_free: np.ndarray, guided_free: np.ndarray, fc_mask: np.ndarray, r_ecef: np.ndarray,
                 r_rot: np.ndarray, r_lat: np.ndarray, r_lon: np.ndarray, r_alt: np.ndarray, r_max_range: np.ndarray,
                 r_max_alt: np.ndarray, r_min_el: np.ndarray, r_boresight: np.ndarray, r_half_width: np.ndarray,
                 k_factor: float, radar_in: np.ndarray):  # noqa: ANN201  # pragma: no cover - compiled  # fmt: skip
    """The supporting radar (:func:`supporting_radar_smooth`) of the candidate pairs ``pr`` with the
    PIPs ``pip`` (n, 3): each pair's unit, its launch-time position (only the PIP on a ``remote``
    track) and its channel rows; ``radar_in`` (n,) when the caller has it (terrain: the masks in
    Python), else empty. Returns ``(radar (n,), target_free (n, S), guided_free (n, S))``."""
    n = pr.shape[0]
    S = r_ecef.shape[0]
    fk = np.empty(n, np.int64)
    look = np.empty((n, 3))
    tf = np.empty((n, S), np.int64)
    gf = np.empty((n, S), np.int64)
    for c in range(n):
        p = pr[c]
        fk[c] = f[p]
        for k in range(3):
            look[c, k] = pip[c, k] if remote[p] else p_launch[p, k]
        for s in range(S):
            tf[c, s] = target_free[p, s]
            gf[c, s] = guided_free[p, s]
    if radar_in.shape[0] == n:
        return radar_in, tf, gf
    radar = supporting_radar_smooth(fk, fc_mask, look, pip, tf, gf, r_ecef, r_rot, r_lat, r_lon, r_alt, r_max_range,
                                    r_max_alt, r_min_el, r_boresight, r_half_width, k_factor)  # fmt: skip
    return radar, tf, gf


@njit(cache=True, error_model="numpy")
def capability(f: np.ndarray, x: np.ndarray, cued: np.ndarray, Pc: np.ndarray, q: float, magazine: np.ndarray,
               eng: tuple):  # noqa: ANN201  # pragma: no cover - compiled
    """:func:`iadsim.weapons.kernels.decision_capability` of the pairs with the run's capability
    columns ``eng`` (packed by ``engine.run._run``: midcourse updates, the unit, radar and type
    tables, the class thresholds and the PIP grid), for the tick loop's ``any_capable`` and
    :func:`decide_smooth`."""
    (midcourse, reaction, fc_mask, cue_delay, track_update, assets, thr, launcher, enu_rot, reserved_for, reserve_hold,
     min_frac, max_target_speed, pk, max_speed, burn, drag, max_flight, min_range, max_range, min_alt, max_alt,
     bm_range, bm_alt, basket, bm_class, pip_grid, pip_iterations) = eng
    return weapon_kernels.decision_capability(
        f, x, cued, Pc, midcourse, q, reaction, fc_mask, cue_delay, track_update, assets, 1.0, thr, magazine,
        launcher, enu_rot, reserved_for, reserve_hold, min_frac, max_target_speed, pk, max_speed, burn, drag,
        max_flight, min_range, max_range, min_alt, max_alt, bm_range, bm_alt, basket, bm_class, pip_grid,
        pip_iterations)  # fmt: skip


@njit(cache=True, error_model="numpy")
def decision_channels(f: np.ndarray, own: np.ndarray, fc_radar: np.ndarray, pending: np.ndarray, guided: np.ndarray,
                      shot_radar: np.ndarray, n_shots: int, max_engagements: np.ndarray, max_guided: np.ndarray,
                      S: int):  # noqa: ANN201  # pragma: no cover - compiled  # fmt: skip
    """The channels of every radar for every candidate pair of a decision cycle: ``held`` (S,) the
    objects each radar maintains (``fc_radar`` ≥ 0 over all objects); ``target_free`` (P, S) = the
    pair's unit's ``max_engagements`` − held, and 1 on the radar that already holds the pair's
    object (``own``: it needs no new target channel); ``guided_free`` (P, S) = ``max_guided`` − the
    guided rounds in flight of each radar (``pending`` and ``guided`` of the first ``n_shots``
    rounds). Returns ``(held, target_free, guided_free)``."""
    n_p = f.shape[0]
    held = np.zeros(S, np.int64)
    for o in range(fc_radar.shape[0]):
        if fc_radar[o] >= 0:
            held[fc_radar[o]] += 1
    n_guided = np.zeros(S, np.int64)
    for r in range(n_shots):
        if pending[r] and guided[r] and shot_radar[r] >= 0:
            n_guided[shot_radar[r]] += 1
    target_free = np.empty((n_p, S), np.int64)
    guided_free = np.empty((n_p, S), np.int64)
    for p in range(n_p):
        u = f[p]
        for s in range(S):
            target_free[p, s] = max_engagements[u] - held[s]
            guided_free[p, s] = max_guided[u] - n_guided[s]
        if own[p] >= 0:
            target_free[p, own[p]] = 1
    return held, target_free, guided_free


@njit(cache=True, error_model="numpy")
def decide_smooth(f: np.ndarray, x: np.ndarray, Pc: np.ndarray, cued: np.ndarray, remote: np.ndarray, q: float,
                  magazine: np.ndarray, eng: tuple, fc_radar: np.ndarray, own: np.ndarray, pending: np.ndarray,
                  guided: np.ndarray, shot_radar: np.ndarray, n_shots: int, max_engagements: np.ndarray,
                  max_guided: np.ndarray, cost_usd: np.ndarray, preference: np.ndarray, cheapest: np.ndarray,
                  r_ecef: np.ndarray, r_rot: np.ndarray, r_lat: np.ndarray, r_lon: np.ndarray, r_alt: np.ndarray,
                  r_max_range: np.ndarray, r_max_alt: np.ndarray, r_min_el: np.ndarray, r_boresight: np.ndarray,
                  r_half_width: np.ndarray, k_factor: float):  # noqa: ANN201  # pragma: no cover - compiled  # fmt: skip
    """The first half of ``engine.run._engage`` on smooth Earth, one call: the per-pair state and
    capability (:func:`iadsim.weapons.kernels.decision_capability`, ``eng`` its columns as
    ``engine.run._run`` packs them for the tick loop), the channels of every radar for every pair,
    the fire-control support of each capable type's PIP (:func:`supporting_radar_smooth`, from
    the launch-time position, or only the PIP on a ``remote`` track) and the doctrine's choice
    (:func:`iadsim.weapons.kernels.choose_among`), composed as ``_engage`` composes them in Python.

    The channels: :func:`decision_channels`.

    Returns ``(any capable, the 12 arrays of decision_capability (capable after the support
    test), best type (P,), τ (P,), PIP (P, 3), held, target_free, guided_free)``; after
    ``any capable`` False the rest is the capability and empty choices, as ``_engage`` returns
    there.
    """
    fc_mask = eng[2]
    ds = capability(f, x, cued, Pc, q, magazine, eng)
    p_launch, capable, last_resort, taus, pips = ds[1], ds[8], ds[9], ds[10], ds[11]
    n_p, n_i = capable.shape
    S = r_ecef.shape[0]
    if not capable.any():
        return (False, ds, np.full(n_p, -1, np.int64), np.full(n_p, np.nan), np.zeros((n_p, 3)), np.zeros(S, np.int64),
                np.zeros((n_p, S), np.int64), np.zeros((n_p, S), np.int64))  # fmt: skip
    held, target_free, guided_free = decision_channels(f, own, fc_radar, pending, guided, shot_radar, n_shots,
                                                       max_engagements, max_guided, S)  # fmt: skip
    n_c = 0
    for p in range(n_p):
        for i in range(n_i):
            if capable[p, i]:
                n_c += 1
    if n_c:  # the support test of every capable (pair, type), row-major as np.nonzero
        pj = np.empty(n_c, np.int64)
        ij = np.empty(n_c, np.int64)
        c = 0
        for p in range(n_p):
            for i in range(n_i):
                if capable[p, i]:
                    pj[c] = p
                    ij[c] = i
                    c += 1
        pip_k = np.empty((n_c, 3))
        for c in range(n_c):
            for k in range(3):
                pip_k[c, k] = pips[pj[c], ij[c], k]
        sup, _, _ = support_rows(pj, pip_k, f, remote, p_launch, target_free, guided_free, fc_mask, r_ecef, r_rot,
                                 r_lat, r_lon, r_alt, r_max_range, r_max_alt, r_min_el, r_boresight, r_half_width,
                                 k_factor, _NO_RADAR)  # fmt: skip
        for c in range(n_c):
            capable[pj[c], ij[c]] = sup[c] >= 0
    best, tau, pip = weapon_kernels.choose_among(f, capable, last_resort, taus, pips, cost_usd, preference, cheapest)
    return True, ds, best, tau, pip, held, target_free, guided_free


@njit(cache=True, error_model="numpy")
def launch_plan(sel: np.ndarray, radar_in: np.ndarray, f: np.ndarray, remote: np.ndarray, best_type: np.ndarray,
                       best_pip: np.ndarray, p_launch: np.ndarray, v_launch: np.ndarray, acc: np.ndarray,
                       delay: np.ndarray, own: np.ndarray, n_req: np.ndarray, salvo_size: np.ndarray,
                       target_free: np.ndarray, guided_free: np.ndarray, t: float, launch_interval: np.ndarray,
                       fu_ecef: np.ndarray, max_speed: np.ndarray, burn: np.ndarray, drag: np.ndarray,
                       max_flight: np.ndarray, frac: np.ndarray, iterations: int, fc_mask: np.ndarray,
                       r_ecef: np.ndarray, r_rot: np.ndarray, r_lat: np.ndarray, r_lon: np.ndarray, r_alt: np.ndarray,
                       r_max_range: np.ndarray, r_max_alt: np.ndarray, r_min_el: np.ndarray, r_boresight: np.ndarray,
                       r_half_width: np.ndarray, k_factor: float):  # noqa: ANN201  # pragma: no cover - compiled  # fmt: skip
    """The launches of one decision cycle's selected engagements (``engine.run._engage`` after the
    selection), one call:

    * rounds requested capped by the unit's doctrine salvo;
    * the supporting radar: ``radar_in`` (E,) where the caller has it (terrain: the masks in
      Python, :func:`iadsim.c2.fire_control.supporting_radar`), else (empty) on smooth Earth
      :func:`supporting_radar_smooth` (the launch-time position and the PIP, only the PIP on a
      ``remote`` track; :func:`support_rows`);
    * the rounds granted under the radars' channels (:func:`iadsim.c2.fire_control.grant_channels`'
      kernel, a new target where the radar does not yet hold the object, ``own``); engagements
      granted nothing are dropped;
    * each unit's engagements one after the other from its launchers
      (:func:`iadsim.c2.fire_distribution.unit_offsets` × the unit's launch interval): launch state
      p + v δ + ½ a δ², v + a δ at t + delay + δ;
    * the rounds (:func:`iadsim.weapons.kernels.salvo_rounds`).

    ``sel`` (E ≥ 1) indexes the candidate arrays (f, remote, best_type (P,), best_pip (P, 3), the
    launch state, delay, own, channels (P, S)); ``n_req`` (E,). Returns ``(kept (K,) indices into
    sel, radar (K,), rounds (K,), rep, t_launch, pip, t_int)`` (the last four as ``salvo_rounds``).
    """
    E = sel.shape[0]
    fs = np.empty(E, np.int64)
    nr = np.empty(E, np.int64)
    pip_e = np.empty((E, 3))
    for e in range(E):
        p = sel[e]
        fs[e] = f[p]
        nr[e] = min(n_req[e], salvo_size[f[p]])
        for k in range(3):
            pip_e[e, k] = best_pip[p, k]
    radar, tf, gf = support_rows(sel, pip_e, f, remote, p_launch, target_free, guided_free, fc_mask, r_ecef, r_rot,
                                 r_lat, r_lon, r_alt, r_max_range, r_max_alt, r_min_el, r_boresight, r_half_width,
                                 k_factor, radar_in)  # fmt: skip
    new_target = np.empty(E, np.bool_)
    tf_r = np.empty(E, np.int64)
    gf_r = np.empty(E, np.int64)
    for e in range(E):
        new_target[e] = own[sel[e]] != radar[e]
        tf_r[e] = tf[e, radar[e]]  # (−1: the last radar's, as NumPy's index)
        gf_r[e] = gf[e, radar[e]]
    granted = _grant_kernel(radar, new_target, nr, tf_r, gf_r)
    n_k = 0
    for e in range(E):
        if granted[e] > 0:
            n_k += 1
    kept = np.empty(n_k, np.int64)
    c = 0
    for e in range(E):
        if granted[e] > 0:
            kept[c] = e
            c += 1
    fk = np.empty(n_k, np.int64)
    rk = np.empty(n_k, np.int64)
    nk = np.empty(n_k, np.int64)
    for c in range(n_k):
        fk[c] = fs[kept[c]]
        rk[c] = radar[kept[c]]
        nk[c] = granted[kept[c]]
    off_n = _unit_offsets_kernel(fk, nk)
    p_l = np.empty((n_k, 3))
    v_l = np.empty((n_k, 3))
    a_l = np.empty((n_k, 3))
    t_l = np.empty(n_k)
    interval = np.empty(n_k)
    launcher = np.empty((n_k, 3))
    vmax = np.empty(n_k)
    tb = np.empty(n_k)
    td = np.empty(n_k)
    tf_max = np.empty(n_k)
    for c in range(n_k):
        p = sel[kept[c]]
        u = fk[c]
        i = best_type[p]
        d = off_n[c] * launch_interval[u]
        for k in range(3):
            a = acc[p, k]
            a_l[c, k] = a
            p_l[c, k] = p_launch[p, k] + v_launch[p, k] * d + 0.5 * a * (d * d)
            v_l[c, k] = v_launch[p, k] + a * d
            launcher[c, k] = fu_ecef[u, k]
        t_l[c] = t + delay[p] + d
        interval[c] = launch_interval[u]
        vmax[c] = max_speed[u, i]
        tb[c] = burn[u, i]
        td[c] = drag[u, i]
        tf_max[c] = max_flight[u, i]
    rep, st_launch, pip, t_int = weapon_kernels.salvo_rounds(nk, interval, t_l, p_l, v_l, a_l, launcher, vmax, tb, td,
                                                             tf_max, frac, iterations)  # fmt: skip
    return kept, rk, nk, rep, st_launch, pip, t_int


@njit(cache=True, error_model="numpy")
def selection_inputs(feas: np.ndarray, f: np.ndarray, rows: np.ndarray, best_type: np.ndarray, best_tau: np.ndarray,
                     delay: np.ndarray, p: np.ndarray, v: np.ndarray, Pc: np.ndarray, assessed: np.ndarray,
                     magazine: np.ndarray, fc_update: np.ndarray, midcourse: bool, q: float, held: np.ndarray,
                     guided_free: np.ndarray, own: np.ndarray, asset_ecef: np.ndarray, asset_rot: np.ndarray,
                     asset_value: np.ndarray, ic_pk: np.ndarray, ic_basket: np.ndarray, fc_mask: np.ndarray,
                     max_engagements: np.ndarray, radius_m: float,
                     manoeuvre_rad: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover  # fmt: skip
    """Per feasible pair k = feas[e] of one decision cycle (``iadsim.engine.run._select``):

    * value at risk of its track (:func:`iadsim.c2.threat_evaluation.reach_kernel` once per track
      row, at the first pair of the row, then ``P(reach) · value``);
    * Pk = catalogue Pk of the chosen type against the assessed class × the launch-quality factor
      (:func:`iadsim.weapons.kernels.handover_fraction`, the capability rule's own, hand-over age =
      the unit's fire-control update interval under midcourse updates, else delay + τ);
    * rounds = ready rounds of the type capped by the unit's most free guidance channels on one of
      its fire-control radars (≥ 0);
    * channels = the unit's most free target channels on one of its radars (≥ 0) plus the number of
      its feasible pairs whose object one of its radars already holds.

    ``own`` (P,): the radar holding each pair's object (−1 none); ``held`` (S,) objects held per
    radar; ``guided_free`` (P, S). Returns ``(var (E,), pk (E,), rounds (E,), channels (E,))``.
    """
    E = len(feas)
    S = fc_mask.shape[1]
    A = asset_ecef.shape[0]
    # threat evaluation once per track row, at the row's first pair
    var = np.zeros(E)
    if A > 0 and E > 0:
        rf = rows[feas]
        order = np.argsort(rf, kind="mergesort")
        uniq = np.zeros(E, np.int64)  # unique-row index of each pair
        firsts = np.zeros(E, np.int64)
        nu = 0
        for o in range(E):
            e = order[o]
            if o == 0 or rf[e] != rf[order[o - 1]]:
                firsts[nu] = feas[e]
                nu += 1
            uniq[e] = nu - 1
        fr = firsts[:nu]
        Pu = np.empty((nu, Pc.shape[1], Pc.shape[2]))
        pu = np.empty((nu, 3))
        vu = np.empty((nu, 3))
        for u in range(nu):
            Pu[u] = Pc[fr[u]]
            pu[u] = p[fr[u]]
            vu[u] = v[fr[u]]
        vr = np.dot(reach_kernel(pu, vu, Pu, asset_ecef, asset_rot, radius_m, manoeuvre_rad), asset_value)
        for e in range(E):
            var[e] = vr[uniq[e]]
    pk = np.empty(E)
    rounds = np.empty(E, np.int64)
    channels = np.empty(E, np.int64)
    n_held = np.zeros(fc_mask.shape[0], np.int64)
    for e in range(E):
        k = feas[e]
        u, i = f[k], best_type[k]
        age = fc_update[u] if midcourse else delay[k] + best_tau[k]
        pk[e] = ic_pk[u, i, assessed[k]] * handover_fraction(Pc[k], age, q, ic_basket[u, i])
        g_free = 0
        free_new = 0
        for s in range(S):
            gs = guided_free[k, s] if fc_mask[u, s] else 0
            fs = max_engagements[u] - held[s] if fc_mask[u, s] else 0
            g_free = gs if s == 0 else max(g_free, gs)
            free_new = fs if s == 0 else max(free_new, fs)
        rounds[e] = min(magazine[u, i], max(g_free, 0))
        channels[e] = max(free_new, 0)
        if own[k] >= 0 and fc_mask[u, own[k]]:
            n_held[u] += 1
    for e in range(E):
        channels[e] += n_held[f[feas[e]]]
    return var, pk, rounds, channels


@njit(cache=True, error_model="numpy")
def group_engagements(feas: np.ndarray, fi: np.ndarray, ii: np.ndarray, key: np.ndarray, g: np.ndarray,
                      var: np.ndarray, pk: np.ndarray, rounds: np.ndarray, channels: np.ndarray, salvo: np.ndarray,
                      max_passes: int, work: float, min_iterations: int, max_iterations: int, patience: int,
                      sigma: float, seed: int, max_cycles: int,
                      max_rejects: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover  # fmt: skip
    """The weapon–target assignment of every fire-distribution group of one cycle whose instance is
    1 × 1 (one unit-type, one target: most cycles), with the heuristic solver, and its engagements.

    Per group (increasing ``g``; pairs in their order): target values
    :func:`iadsim.c2.threat_evaluation.assignment_values_kernel`, the instance of
    :func:`iadsim.c2.fire_distribution.build_problem` (``_problem_kernel``; counts, channel and
    per-target limits as :func:`iadsim.c2.assignment._kernel_args` normalises them), the solver
    (:func:`iadsim.c2.wta_kernels.heuristic_one_by_one`, what ``HeuristicAssigner.assign`` runs on such
    an instance) and rule (b) of :func:`iadsim.c2.fire_distribution.engagements` (one entry).
    Arrays are per feasible pair (E,).

    Returns ``(pair index, rounds, group of each engagement, groups left to the Python solvers)``,
    engagements in group order.
    """
    E = len(feas)
    order = np.argsort(g, kind="mergesort")
    out_p = np.empty(E, np.int64)
    out_n = np.empty(E, np.int64)
    out_g = np.empty(E, np.int64)
    left = np.empty(E, np.int64)
    n_out = 0
    n_left = 0
    a = 0
    while a < E:
        b = a
        while b < E and g[order[b]] == g[order[a]]:
            b += 1
        m = np.sort(order[a:b])  # the group's pairs in their order
        grp = g[order[a]]
        a = b
        vals = assignment_values_kernel(var[m])
        V, pk_m, feas_m, pair, first_w, tu, mpt = _problem_kernel(feas[m], fi[m], ii[m], key[m], vals, pk[m],
                                                                   salvo[m])  # fmt: skip
        if pk_m.shape[0] != 1 or pk_m.shape[1] != 1:
            left[n_left] = grp
            n_left += 1
            continue
        counts = np.array([max(rounds[m[first_w[0]]], 0)], np.int64)
        ch = np.array([min(max(channels[m[first_w[0]]], 0), 1)], np.int64)
        tmax = np.array([min(mpt[0], counts[0])], np.int64)
        q = 1.0 - pk_m
        allowed = np.zeros((1, 1), np.bool_)
        allowed[0, 0] = pk_m[0, 0] > 0.0 and feas_m[0, 0] and counts[0] > 0
        x = heuristic_one_by_one(V, q, allowed, counts, ch, tmax, max_passes, work, min_iterations, max_iterations,
                                 patience, sigma, seed, max_cycles, max_rejects)  # fmt: skip
        if x[0, 0] > 0 and pair[0, 0] >= 0:
            out_p[n_out] = pair[0, 0]
            out_n[n_out] = x[0, 0]
            out_g[n_out] = grp
            n_out += 1
    return out_p[:n_out], out_n[:n_out], out_g[:n_out], left[:n_left]


@njit(cache=True, error_model="numpy")
def arrival_geometry(due: np.ndarray, t: float, pos: np.ndarray, vel: np.ndarray, alive: np.ndarray, done: np.ndarray,
                     pending: np.ndarray, threat: np.ndarray, t_int: np.ndarray, pip: np.ndarray, target: np.ndarray,
                     guided: np.ndarray, fu: np.ndarray, basket: np.ndarray, fc_row: np.ndarray, trk_x: np.ndarray,
                     trk_t: np.ndarray, midcourse: bool, fu_st: np.ndarray) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """The rounds ``due`` arriving at ``t`` (``engine.run._resolve``), up to the exponent of their Pk.

    Per round (in ``due`` order): no longer pending; the target's true position at the intercept
    time, linear within the tick, p + v (t_int − t); the aim point, the PIP of the launch or, with
    ``midcourse``, for a guided round whose object still has a live track row, that track's latest
    estimate extrapolated to t_int (:func:`iadsim.weapons.kill_assessment.midcourse_aim_kernel`);
    the aim error e = |aim − true| = √((d₀² + d₁²) + d₂²) (``np.linalg.norm``'s order); one U(0, 1) per round
    from its unit's stream (:func:`draw_per_unit`); then
    :func:`~iadsim.weapons.kill_assessment.resolve_exponent_kernel` on (valid = threat ≥ 0, alive
    ∧ not done, guided).

    Returns ``(miss (R,), true position (R, 3), live (R,), arg (R,), u (R,))``; the caller takes
    exp(arg) with NumPy and finishes with :func:`arrival_outcomes`.
    """
    R = due.shape[0]
    tp = np.empty((R, 3))
    aim = np.empty((R, 3))
    n_up = 0
    for i in range(R):
        d = due[i]
        pending[d] = False
        ti = max(threat[d], 0)
        for c in range(3):
            tp[i, c] = pos[ti, c] + vel[ti, c] * (t_int[d] - t)
            aim[i, c] = pip[d, c]
        if midcourse and fc_row[target[d]] >= 0 and guided[d]:
            n_up += 1
    if n_up:
        up = np.empty(n_up, np.int64)
        p = np.empty((n_up, 3))
        v = np.empty((n_up, 3))
        dt = np.empty(n_up)
        k = 0
        for i in range(R):
            d = due[i]
            r = fc_row[target[d]]
            if r >= 0 and guided[d]:
                up[k] = i
                for c in range(3):
                    p[k, c] = trk_x[r, c]
                    v[k, c] = trk_x[r, 3 + c]
                dt[k] = t_int[d] - trk_t[r]
                k += 1
        a = midcourse_aim_kernel(p, v, dt)
        for k in range(n_up):
            for c in range(3):
                aim[up[k], c] = a[k, c]
    miss = np.empty(R)
    b = np.empty(R)
    units = np.empty(R, np.int64)
    for i in range(R):
        d = due[i]
        d0, d1, d2 = aim[i, 0] - tp[i, 0], aim[i, 1] - tp[i, 1], aim[i, 2] - tp[i, 2]
        miss[i] = np.sqrt((d0 * d0 + d1 * d1) + d2 * d2)
        b[i] = basket[d]
        units[i] = fu[d]
    u = draw_per_unit(fu_st, units)
    _, valid, alive_b, g = _arrival_flags(due, threat, alive, done, guided)
    live, arg = resolve_exponent_kernel(b, miss, valid, alive_b, g)
    return miss, tp, live, arg, u


@njit(cache=True, error_model="numpy")
def _arrival_flags(due: np.ndarray, threat: np.ndarray, alive: np.ndarray, done: np.ndarray,
                   guided: np.ndarray) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """Per round ``due[i]``: (threat, valid = threat ≥ 0, the threat alive and not done, guided), the
    inputs of both halves of the resolution (:func:`arrival_geometry`, :func:`arrival_outcomes`)."""
    R = due.shape[0]
    thr = np.empty(R, np.int64)
    valid = np.empty(R, np.bool_)
    alive_b = np.empty(R, np.bool_)
    g = np.empty(R, np.bool_)
    for i in range(R):
        d = due[i]
        thr[i] = threat[d]
        ti = max(thr[i], 0)
        valid[i] = thr[i] >= 0
        alive_b[i] = alive[ti] and not done[ti]
        g[i] = guided[d]
    return thr, valid, alive_b, g


@njit(cache=True, error_model="numpy")
def arrival_outcomes(due: np.ndarray, exp_arg: np.ndarray, live: np.ndarray, u: np.ndarray, miss: np.ndarray,
                     tp: np.ndarray, alive: np.ndarray, done: np.ndarray, threat: np.ndarray, t_int: np.ndarray,
                     pk0: np.ndarray, fu: np.ndarray, shot_id: np.ndarray, itype: np.ndarray, guided: np.ndarray,
                     killed: np.ndarray, t_assess: np.ndarray, is_friendly: np.ndarray, fu_site: np.ndarray,
                     kill_assessment_s: np.ndarray, buf, k_fratricide: int, k_intercept: int, k_miss: int,
                     friendly_destroyed: int) -> None:  # noqa: ANN001  # pragma: no cover - compiled  # fmt: skip
    """The outcomes of the rounds of :func:`arrival_geometry`, given exp(arg) (NumPy's exp):
    :func:`~iadsim.weapons.kill_assessment.resolve_outcome_kernel` (Pk, the draw, the first kill per
    threat, the miss reasons); a killed threat is no longer alive and is done; then the rows, in
    the order ``engine.run`` emitted its batches: ``Fratricide`` (a friendly destroyed, never an
    intercept), ``Intercept``, ``Miss`` (each in round order); each round's ``killed`` (the truth
    its unit's assessment reads: a real threat no longer alive) and its assessment time t_int +
    the unit's kill-assessment delay."""
    R = due.shape[0]
    thr, valid, alive_b, g = _arrival_flags(due, threat, alive, done, guided)
    pk0_d = np.empty(R)
    for i in range(R):
        pk0_d[i] = pk0[due[i]]
    kill, pk, reason = resolve_outcome_kernel(pk0_d, exp_arg, live, u, thr, valid, alive_b, g)
    for i in range(R):
        if kill[i]:
            alive[thr[i]] = False
            done[thr[i]] = True
    for i in range(R):  # a friendly destroyed is a fratricide (truth, outcome only)
        d = due[i]
        if kill[i] and is_friendly[max(thr[i], 0)]:
            eventbuf.emit(buf, k_fratricide, t_int[d], fire_unit=fu[d], shot=shot_id[d], site=fu_site[fu[d]],
                          interceptor_type=itype[d], threat=thr[i], pk=pk[i], range_m=miss[i], x_m=tp[i, 0],
                          y_m=tp[i, 1], z_m=tp[i, 2], reason=friendly_destroyed)  # fmt: skip
    for i in range(R):
        d = due[i]
        if kill[i] and not is_friendly[max(thr[i], 0)]:
            eventbuf.emit(buf, k_intercept, t_int[d], fire_unit=fu[d], shot=shot_id[d], interceptor_type=itype[d],
                          threat=thr[i], pk=pk[i], range_m=miss[i], x_m=tp[i, 0], y_m=tp[i, 1], z_m=tp[i, 2])  # fmt: skip
    for i in range(R):
        d = due[i]
        if not kill[i]:
            eventbuf.emit(buf, k_miss, t_int[d], fire_unit=fu[d], shot=shot_id[d], interceptor_type=itype[d],
                          threat=thr[i], pk=pk[i], range_m=miss[i], reason=reason[i])  # fmt: skip
    for i in range(R):
        d = due[i]
        killed[d] = thr[i] >= 0 and not alive[max(thr[i], 0)]
        t_assess[d] = t_int[d] + kill_assessment_s[fu[d]]


@njit(cache=True, error_model="numpy")
def resolve_arrivals(due: np.ndarray, t: float, pos: np.ndarray, vel: np.ndarray, alive: np.ndarray,
                     done: np.ndarray, sh: tuple, n_shots: int, fc_obj: tuple, trk_x: np.ndarray, trk_t: np.ndarray,
                     midcourse: bool, arr: tuple, buf) -> None:  # noqa: ANN001  # pragma: no cover - compiled  # fmt: skip
    """Phase 5's arrivals whole (``engine.run._resolve`` then ``_release``): the rounds ``due``
    (:func:`arrivals_due`, in (t_int, seq) order) resolved at ``t`` and the idle fire-control
    radars released, in place.

    :func:`arrival_geometry` (true position, aim, miss distance, the draws, the Pk's exponent),
    Pk = Pk₀ exp(arg) with NumPy's own float64 exp loop (:func:`iadsim.npmath.exp_into`, bit for
    bit ``np.exp``), :func:`arrival_outcomes` (kills, Fratricide / Intercept / Miss rows,
    assessment times), then :func:`release_idle`.

    ``sh`` = the shot columns (pending, threat, t_int, pip, target, guided, fu, basket, pk0, id,
    itype, killed, t_assess, assessed); ``fc_obj`` = (fire-control row, radar, missed) per object;
    ``midcourse``: the aim from the track at the intercept time; ``arr`` = (unit streams,
    is_friendly, unit site, kill-assessment delay [s], Fratricide, Intercept and Miss kinds, the
    friendly-destroyed reason).
    """
    pending, threat, t_int, pip, target, guided, fu, basket, pk0, shot_id, itype, killed, t_assess, assessed = sh
    fc_row, fc_radar, fc_missed = fc_obj
    fu_st, is_friendly, fu_site, ka_s, k_frat, k_int, k_miss, friendly_destroyed = arr
    miss, tp, live, arg, u = arrival_geometry(due, t, pos, vel, alive, done, pending, threat, t_int, pip, target,
                                              guided, fu, basket, fc_row, trk_x, trk_t, midcourse, fu_st)  # fmt: skip
    e = np.empty_like(arg)
    npmath.exp_into(arg, e)
    arrival_outcomes(due, e, live, u, miss, tp, alive, done, threat, t_int, pk0, fu, shot_id, itype, guided, killed,
                     t_assess, is_friendly, fu_site, ka_s, buf, k_frat, k_int, k_miss, friendly_destroyed)  # fmt: skip
    release_idle(fc_radar, fc_missed, pending, assessed, target, n_shots)


@njit(cache=True, error_model="numpy")
def assessment_rows(due: np.ndarray, st: np.ndarray, fu: np.ndarray, killed: np.ndarray, p_error: np.ndarray,
                    assessed: np.ndarray, target: np.ndarray, fc_row: np.ndarray, track_id: np.ndarray,
                    shot_id: np.ndarray, threat: np.ndarray, t_assess: np.ndarray, buf, kind: int, dead_code: int,
                    alive_code: int) -> np.ndarray:  # noqa: ANN001  # pragma: no cover - compiled  # fmt: skip
    """The kill assessments of the rounds ``due`` (:func:`assess_phase`), in their order: one
    U(0, 1) per round from its unit's stream ``st`` (:func:`draw_per_unit`), the unit's verdict
    (:func:`iadsim.weapons.kill_assessment.assess_one` with its error probability ``p_error``), the
    round marked assessed, and one ``KillAssessed`` row each (at its assessment time; the track of
    the engaged object's live row, −1 without; value 1.0 / 0.0 and reason assessed dead / alive).
    Returns dead (R,) bool."""
    R = due.shape[0]
    units = np.empty(R, np.int64)
    for i in range(R):
        units[i] = fu[due[i]]
    u = draw_per_unit(st, units)
    dead = np.empty(R, np.bool_)
    for i in range(R):
        d = due[i]
        dead[i] = assess_one(killed[d], u[i], p_error[fu[d]])
        assessed[d] = True
    for i in range(R):
        d = due[i]
        row = fc_row[target[d]]
        eventbuf.emit(buf, kind, t_assess[d], fire_unit=fu[d], shot=shot_id[d],
                      track=track_id[row] if row >= 0 else -1, threat=threat[d], value=1.0 if dead[i] else 0.0,
                      reason=dead_code if dead[i] else alive_code)  # fmt: skip
    return dead


@njit(cache=True, error_model="numpy")
def assess_phase(due: np.ndarray, t: float, st: np.ndarray, fu: np.ndarray, killed: np.ndarray, p_error: np.ndarray,
                 assessed: np.ndarray, target: np.ndarray, fc_row: np.ndarray, track_id: np.ndarray,
                 shot_id: np.ndarray, threat: np.ndarray, t_assess: np.ndarray, buf, assessed_kind: int,
                 dead_code: int, alive_code: int, reopen_at: np.ndarray, assess_delay_s: np.ndarray,
                 pending: np.ndarray, n_shots: int, retarget: np.ndarray, itype: np.ndarray, miss_kind: int,
                 self_destruct_code: int) -> np.ndarray:  # noqa: ANN001  # pragma: no cover - compiled  # fmt: skip
    """Phase 4a at ``t`` for the rounds ``due`` (:func:`assessments_due`), in place.

    1. the assessments and their ``KillAssessed`` rows (:func:`assessment_rows`);
    2. each object assessed dead is not engaged again before ``reopen_at`` = t + its unit's
       assessment delay ``assess_delay_s`` (in ``due`` order: an object assessed dead twice keeps
       the last unit's);
    3. the rounds in flight (pending, in round order) at an object assessed dead: when none of
       their units' doctrine is ``retarget`` they self-destruct (pending ← False, assessed ←
       True, one ``Miss`` row each at ``t``: unit, shot, interceptor type, threat, Pk 0, reason
       ``self_destruct_code``) and nothing is returned; otherwise nothing of step 3 is done and
       they are returned for ``engine.run._dead_target_rounds`` (the retarget doctrine is Python).
    """
    dead = assessment_rows(due, st, fu, killed, p_error, assessed, target, fc_row, track_id, shot_id, threat,
                           t_assess, buf, assessed_kind, dead_code, alive_code)  # fmt: skip
    R = due.shape[0]
    n_dead = 0
    for i in range(R):
        if dead[i]:
            reopen_at[target[due[i]]] = t + assess_delay_s[fu[due[i]]]
            n_dead += 1
    sd = np.empty(n_shots if n_dead else 0, np.int64)
    n_sd = 0
    any_retarget = False
    for k in range(sd.shape[0]):
        if not pending[k]:
            continue
        for i in range(R):
            if dead[i] and target[due[i]] == target[k]:
                sd[n_sd] = k
                n_sd += 1
                any_retarget = any_retarget or retarget[fu[k]]
                break
    if any_retarget:
        return sd[:n_sd].copy()
    self_destruct(sd[:n_sd], t, pending, assessed, fu, shot_id, itype, threat, buf, miss_kind, self_destruct_code)
    return sd[:0].copy()


@njit(cache=True, error_model="numpy")
def self_destruct(sd: np.ndarray, t: float, pending: np.ndarray, assessed: np.ndarray, fu: np.ndarray,
                  shot_id: np.ndarray, itype: np.ndarray, threat: np.ndarray, buf, miss_kind: int,
                  code: int) -> None:  # noqa: ANN001  # pragma: no cover - compiled  # fmt: skip
    """The rounds ``sd`` (in flight at a target assessed dead) self-destruct at ``t``, in place:
    pending ← False, assessed ← True, then one ``Miss`` row each in ``sd`` order (unit, shot,
    interceptor type, threat, Pk 0, reason ``code``). The one rule of :func:`assess_phase` and of
    the rounds the retarget doctrine cannot move (``engine.run._dead_target_rounds``)."""
    for j in range(sd.shape[0]):
        pending[sd[j]] = False
        assessed[sd[j]] = True
    for j in range(sd.shape[0]):
        k = sd[j]
        eventbuf.emit(buf, miss_kind, t, fire_unit=fu[k], shot=shot_id[k], interceptor_type=itype[k],
                      threat=threat[k], pk=0.0, reason=code)  # fmt: skip


@njit(cache=True, error_model="numpy")
def lose_guidance(obj: np.ndarray, why: np.ndarray, t: float, n_shots: int, pending: np.ndarray, target: np.ndarray,
                  guided: np.ndarray, fu: np.ndarray, shot_id: np.ndarray, shot_radar: np.ndarray, threat: np.ndarray,
                  fc_row: np.ndarray, track_id: np.ndarray, fc_radar: np.ndarray, fc_missed: np.ndarray, buf,
                  kind: int, loss_base: int) -> None:  # noqa: ANN001  # pragma: no cover - compiled  # fmt: skip
    """The fire-control radars lost the objects ``obj`` (reasons ``why``, dwell loss codes):
    every guided round in flight at one of them (pending, in round order) loses guidance, with one
    ``GuidanceLost`` row each at ``t`` (unit, shot, the round's radar, the object's live track or
    −1, threat, reason ``loss_base`` + the object's code; an object listed twice: its last code);
    then the objects are no longer maintained (radar −1, missed dwells 0)."""
    for k in range(n_shots):
        if not (pending[k] and guided[k]):
            continue
        code = 0
        found = False
        for j in range(obj.shape[0]):
            if obj[j] == target[k]:
                code = why[j]
                found = True
        if not found:
            continue
        guided[k] = False
        row = fc_row[target[k]]
        eventbuf.emit(buf, kind, t, fire_unit=fu[k], shot=shot_id[k], sensor=shot_radar[k],
                      track=track_id[row] if row >= 0 else -1, threat=threat[k], reason=loss_base + code)  # fmt: skip
    for j in range(obj.shape[0]):
        fc_radar[obj[j]] = -1
        fc_missed[obj[j]] = 0



#: engage_smooth's status: done; groups the heuristic kernel leaves (a larger instance, the Python
#: solvers: nothing was changed); the shot table has no room for the rounds (nothing was changed);
#: a unit had fewer ready rounds than a launch takes (``LauncherState.take``'s error)
ENGAGED, ENGAGE_LEFT, ENGAGE_ROOM, ENGAGE_BAD_TAKE = 0, 1, 2, 3


@njit(cache=True, error_model="numpy")
def engage_smooth(f: np.ndarray, rows: np.ndarray, t: float, magazine: np.ndarray, next_ready: np.ndarray,
                  trk: tuple, fc: tuple, sh: tuple, n_shots: int, eng: tuple, dec: tuple, rad: tuple,
                  sel_c: tuple, wta: tuple, fly: tuple, ev: tuple, lc: tuple, buf) -> tuple:  # noqa: ANN001  # pragma: no cover  # fmt: skip
    """``engine.run._engage`` whole, one call, without a network on smooth Earth with the heuristic
    assigner: the composition of the kernels ``_engage`` calls, in its order, on the same arrays.

    1. the candidates' track estimates at ``t`` (the CV prediction of ``tracks.predicted``,
       Δt³ by NumPy's power, :func:`iadsim.npmath.pow`); cued ⇔ no fire-control radar holds the
       object;
    2. the first half (:func:`decide_smooth`); the feasible pairs (a type chosen);
    3. the selection (``_select``): :func:`selection_inputs`, the 1 × 1 groups
       (:func:`group_engagements`; group = the unit's site (``wta[3]``, the unit's group), key =
       the object), the priority
       order (:func:`~iadsim.c2.threat_evaluation.priority_order_kernel`);
    4. the launches (:func:`launch_plan`);
    5. the commit, as ``_engage`` writes it: the Assignment rows, the rounds appended to the shot
       table (pending, guided, not assessed), the supporting radar holds each object (a radar new
       to it: last dwell t, no missed dwell), the magazine, the launchers
       (:func:`iadsim.weapons.launchers._take_kernel`), the units' next ready time, the Launch
       rows and the Fratricide rows (outcome record: truth) — event rows through ``buf``, in the
       order ``_engage`` emits its batches, so their sequence numbers are the same.

    The truth label of a track only annotates the rows and gives the round's physical Pk (the
    class it really is); no decision reads it. Returns ``(status, rounds in the shot table,
    a, b, c, d)``: :data:`ENGAGED`, or with nothing changed :data:`ENGAGE_LEFT` (the caller runs
    the Python path), :data:`ENGAGE_ROOM` (the caller grows the table to ``a`` rows and calls
    again), :data:`ENGAGE_BAD_TAKE` with (unit, type, ready rounds, rounds requested) of the
    first launch with too few ready rounds (the caller raises ``LauncherState.take``'s error; the
    selection caps the rounds by the ready ones, so this is a broken invariant, not a state).
    The tick loop calls it (``tick_loop.run_ticks``) and hands every status but ENGAGED to
    ``engine.run._engage``.
    """
    x_tab, P_tab, t_tab, q, tid, truth_tab = trk
    fc_obj, fc_radar, fc_last_dwell, fc_missed = fc
    (pending, guided, s_radar, s_id, s_fu, s_itype, s_track, s_target, s_threat, s_t_launch, s_t_int, s_pk0,
     s_basket, s_seq, s_t_assess, s_assessed, s_killed, s_pip) = sh
    max_engagements, max_guided, cost_usd, preference, cheapest = dec
    r_ecef, r_rot, r_lat, r_lon, r_alt, r_max_range, r_max_alt, r_min_el, r_boresight, r_half_width, k_factor = rad
    (midcourse, asset_ecef, asset_rot, asset_value, ic_pk, ic_basket, fc_mask, radius_m, manoeuvre_rad) = sel_c
    fu_site, salvo_size, wp, fu_group = wta
    launch_interval, fu_ecef, max_speed, burn, drag, max_flight, frac, iterations = fly
    k_assign, k_launch, k_frat, roe_base, class_index, friendly, identity, fu_roe = ev
    has_launchers, l_rounds, l_ready_at, l_reload_n, l_reserve, l_fire_unit, l_itype, l_capacity, l_reload_time = lc
    P_ = f.shape[0]
    nothing = (ENGAGED, n_shots, 0, 0, 0, 0)
    # 1. the estimates at t and what fire control holds
    dt = np.empty(P_)
    dt3 = np.empty(P_)
    for p in range(P_):
        dt[p] = t - t_tab[rows[p]]
        dt3[p] = npmath.pow(dt[p], 3.0)
    x, Pc = track_kernels.cv_predict_rows(x_tab, P_tab, rows, dt, dt3, q)
    obj = np.empty(P_, np.int64)
    own = np.empty(P_, np.int64)
    cued = np.empty(P_, np.bool_)
    remote = np.zeros(P_, np.bool_)
    for p in range(P_):
        obj[p] = fc_obj[rows[p]]
        own[p] = fc_radar[obj[p]]
        cued[p] = own[p] < 0
    # 2. the first half
    any_cap, ds, best_type, best_tau, best_pip, held, target_free, guided_free = decide_smooth(
        f, x, Pc, cued, remote, q, magazine, eng, fc_radar, own, pending, guided, s_radar, n_shots, max_engagements,
        max_guided, cost_usd, preference, cheapest, r_ecef, r_rot, r_lat, r_lon, r_alt, r_max_range, r_max_alt,
        r_min_el, r_boresight, r_half_width, k_factor)  # fmt: skip
    if not any_cap:
        return nothing
    acc, p_launch, v_launch, delay, tgo, assessed, fc_update = ds[0], ds[1], ds[2], ds[3], ds[4], ds[5], ds[7]
    n_f = 0
    for p in range(P_):
        if best_type[p] >= 0:
            n_f += 1
    if n_f == 0:
        return nothing
    feas = np.empty(n_f, np.int64)
    c = 0
    for p in range(P_):
        if best_type[p] >= 0:
            feas[c] = p
            c += 1
    # 3. the selection: threat evaluation, the 1 × 1 groups (group = the unit's site, key = the object)
    p_now = np.ascontiguousarray(x[:, :3])
    v_now = np.ascontiguousarray(x[:, 3:])
    var, pk, rounds, channels = selection_inputs(
        feas, f, rows, best_type, best_tau, delay, p_now, v_now, Pc, assessed, magazine, fc_update, midcourse, q,
        held, guided_free, own, asset_ecef, asset_rot, asset_value, ic_pk, ic_basket, fc_mask, max_engagements,
        radius_m, manoeuvre_rad)  # fmt: skip
    fi = np.empty(n_f, np.int64)
    ii = np.empty(n_f, np.int64)
    kf = np.empty(n_f, np.int64)
    g = np.empty(n_f, np.int64)
    salvo = np.empty(n_f, np.int64)
    for e in range(n_f):
        p = feas[e]
        fi[e] = f[p]
        ii[e] = best_type[p]
        kf[e] = obj[p]
        g[e] = fu_group[f[p]]
        salvo[e] = salvo_size[f[p]]
    sel, n_req, _, left = group_engagements(feas, fi, ii, kf, g, var, pk, rounds, channels, salvo, wp[0], wp[1], wp[2],
                                            wp[3], wp[4], wp[5], wp[6], wp[7], wp[8])  # fmt: skip
    if left.shape[0]:
        return (ENGAGE_LEFT, n_shots, 0, 0, 0, 0)
    E = sel.shape[0]
    if E == 0:
        return nothing
    var_of = np.zeros(P_)
    pk_of = np.zeros(P_)
    for e in range(n_f):
        var_of[feas[e]] = var[e]
        pk_of[feas[e]] = pk[e]
    v_s = np.empty(E)
    tgo_s = np.empty(E)
    id_s = np.empty(E, np.int64)
    for e in range(E):
        v_s[e] = var_of[sel[e]]
        tgo_s[e] = tgo[sel[e]]
        id_s[e] = tid[rows[sel[e]]]
    order = priority_order_kernel(v_s, tgo_s, id_s)
    sel_o = np.empty(E, np.int64)
    n_o = np.empty(E, np.int64)
    for e in range(E):
        sel_o[e] = sel[order[e]]
        n_o[e] = n_req[order[e]]
    # 4. the launches, 5. the commit
    kept, radar, n_k, rep, st_launch, pip, t_int = launch_plan(
        sel_o, _NO_RADAR, f, remote, best_type, best_pip, p_launch, v_launch, acc, delay, own, n_o, salvo_size,
        target_free, guided_free, t, launch_interval, fu_ecef, max_speed, burn, drag, max_flight, frac, iterations,
        fc_mask, r_ecef, r_rot, r_lat, r_lon, r_alt, r_max_range, r_max_alt, r_min_el, r_boresight, r_half_width,
        k_factor)  # fmt: skip
    K = kept.shape[0]
    if K == 0:
        return nothing
    R = rep.shape[0]
    if n_shots + R > pending.shape[0]:
        return (ENGAGE_ROOM, n_shots, n_shots + R, 0, 0, 0)
    pe = np.empty(K, np.int64)  # candidate pair of each kept engagement
    for c in range(K):
        pe[c] = sel_o[kept[c]]
    return commit_launches(pe, radar, n_k, rep, st_launch, pip, t_int, f, rows, obj, best_type, best_pip, var_of,
                           pk_of, remote, -1, t, magazine, next_ready, tid, truth_tab, fc, sh, n_shots, cost_usd,
                           ic_pk, ic_basket, launch_interval, fu_site, ev, lc, buf)  # fmt: skip


@njit(cache=True, error_model="numpy")
def commit_launches(pe: np.ndarray, radar: np.ndarray, n_k: np.ndarray, rep: np.ndarray, st_launch: np.ndarray,
                    pip: np.ndarray, t_int: np.ndarray, f: np.ndarray, rows: np.ndarray, obj: np.ndarray,
                    best_type: np.ndarray, best_pip: np.ndarray, var_of: np.ndarray, pk_of: np.ndarray,
                    remote: np.ndarray, remote_reason: int, t: float, magazine: np.ndarray, next_ready: np.ndarray,
                    tid: np.ndarray, truth_tab: np.ndarray, fc: tuple, sh: tuple, n_shots: int, cost_usd: np.ndarray,
                    ic_pk: np.ndarray, ic_basket: np.ndarray, launch_interval: np.ndarray, fu_site: np.ndarray,
                    ev: tuple, lc: tuple, buf) -> tuple:  # noqa: ANN001  # pragma: no cover  # fmt: skip
    """The commit of one decision cycle's launches (``engine.run._engage`` after
    :func:`launch_plan`, and :func:`engage_smooth`), in place, in this order:

    * one Assignment row per kept engagement (unit, track id, truth label, type, value at risk,
      the Pk used, the supporting radar, the PIP; reason ``remote_reason`` on a ``remote`` track);
    * the rounds appended to the shot table at ``n_shots``… (id = seq = the row; pending, guided,
      not assessed; nominal Pk = the catalogue Pk against the class the target really is);
    * the supporting radar holds each object from now on (a radar new to it: last dwell t, no
      missed dwell);
    * the magazine, the launchers (:func:`iadsim.weapons.launchers._take_kernel`, an emptied
      launcher reloading from the time its last round leaves), the units' next ready time
      t + interval × rounds;
    * one Launch row per round, then one Fratricide row per round at a friendly (outcome record).

    ``pe`` (K,) indexes the candidate arrays (f, rows, obj, best_type, best_pip, var_of, pk_of,
    remote) with the supporting ``radar`` and rounds ``n_k`` (K,); ``rep, st_launch, pip, t_int``
    as :func:`launch_plan` returns them; ``fc`` = (fire-control object of each track row, radar,
    last dwell, missed), ``sh`` the shot table's columns in :func:`engage_smooth`'s order, with
    room for the rounds (the caller's check). Returns ``(status, rounds in the shot table, a, b,
    c, d)``: :data:`ENGAGED`, or :data:`ENGAGE_BAD_TAKE` with nothing changed (see
    :func:`engage_smooth`).
    """
    fc_obj, fc_radar, fc_last_dwell, fc_missed = fc
    (pending, guided, s_radar, s_id, s_fu, s_itype, s_track, s_target, s_threat, s_t_launch, s_t_int, s_pk0,
     s_basket, s_seq, s_t_assess, s_assessed, s_killed, s_pip) = sh
    k_assign, k_launch, k_frat, roe_base, class_index, friendly, identity, fu_roe = ev
    has_launchers, l_rounds, l_ready_at, l_reload_n, l_reserve, l_fire_unit, l_itype, l_capacity, l_reload_time = lc
    K, R = pe.shape[0], rep.shape[0]
    if has_launchers:  # LauncherState.take's check first (the units are distinct: one take does not change another's)
        ready = _ready_kernel(l_ready_at, l_rounds, t)
        for c in range(K):
            have = 0
            for li in range(l_rounds.shape[0]):
                if ready[li] and l_fire_unit[li] == f[pe[c]] and l_itype[li] == best_type[pe[c]]:
                    have += l_rounds[li]
            if have < n_k[c]:
                return (ENGAGE_BAD_TAKE, n_shots, f[pe[c]], best_type[pe[c]], have, n_k[c])
    for c in range(K):
        p = pe[c]
        eventbuf.emit(buf, k_assign, t, fire_unit=f[p], track=tid[rows[p]], threat=truth_tab[rows[p]],
                      interceptor_type=best_type[p], value=var_of[p], pk=pk_of[p], sensor=radar[c],
                      x_m=best_pip[p, 0], y_m=best_pip[p, 1], z_m=best_pip[p, 2],
                      reason=remote_reason if remote[p] else -1)  # fmt: skip
    for j in range(R):
        c = rep[j]
        p = pe[c]
        s = n_shots + j
        u, it, th = f[p], best_type[p], truth_tab[rows[p]]
        cls = class_index[th] if th >= 0 else 0
        s_id[s] = s
        s_fu[s] = u
        s_itype[s] = it
        s_track[s] = rows[p]
        s_target[s] = obj[p]
        s_threat[s] = th
        s_radar[s] = radar[c]
        s_t_launch[s] = st_launch[j]
        s_t_int[s] = t_int[j]
        s_pk0[s] = ic_pk[u, it, cls]
        s_basket[s] = ic_basket[u, it]
        s_seq[s] = s
        for k in range(3):
            s_pip[s, k] = pip[j, k]
        s_t_assess[s] = np.inf
        s_assessed[s] = False
        s_killed[s] = False
        pending[s] = True
        guided[s] = True
    newly = np.empty(K, np.bool_)
    for c in range(K):
        newly[c] = fc_radar[obj[pe[c]]] != radar[c]
    for c in range(K):
        fc_radar[obj[pe[c]]] = radar[c]
    for c in range(K):
        if newly[c]:
            fc_last_dwell[obj[pe[c]]] = t
    for c in range(K):
        if newly[c]:
            fc_missed[obj[pe[c]]] = 0
    fk = np.empty(K, np.int64)
    ik = np.empty(K, np.int64)
    t_empty = np.empty(K)
    last = -1
    for c in range(K):
        fk[c] = f[pe[c]]
        ik[c] = best_type[pe[c]]
        magazine[fk[c], ik[c]] -= n_k[c]
        last += n_k[c]
        t_empty[c] = st_launch[last]
    if has_launchers:  # (checked above: every take succeeds)
        _take_kernel(l_rounds, l_ready_at, l_reload_n, l_reserve, l_fire_unit, l_itype, l_capacity, l_reload_time, fk,
                     ik, n_k, t, t_empty)  # fmt: skip
    total = np.zeros(next_ready.shape[0], np.int64)
    for c in range(K):
        total[fk[c]] += n_k[c]
    for u in range(total.shape[0]):
        if total[u]:
            next_ready[u] = t + launch_interval[u] * total[u]
    for j in range(R):
        c = rep[j]
        p = pe[c]
        u, it = f[p], best_type[p]
        eventbuf.emit(buf, k_launch, st_launch[j], fire_unit=u, shot=n_shots + j, interceptor_type=it, sensor=radar[c],
                      track=tid[rows[p]], threat=truth_tab[rows[p]], value=cost_usd[u, it])  # fmt: skip
    for j in range(R):
        c = rep[j]
        p = pe[c]
        th = truth_tab[rows[p]]
        if th >= 0 and friendly[th]:
            u = f[p]
            eventbuf.emit(buf, k_frat, st_launch[j], fire_unit=u, site=fu_site[u], shot=n_shots + j,
                          interceptor_type=best_type[p], sensor=radar[c], track=tid[rows[p]], threat=th,
                          value=float(identity[obj[p]]), reason=roe_base + fu_roe[u])  # fmt: skip
    return (ENGAGED, n_shots + R, 0, 0, 0, 0)
