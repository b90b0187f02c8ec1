"""The tick loop as one compiled call that hands back to Python only for the work it cannot do.

:func:`run_ticks` runs the engine's ticks from ``(k, stage)`` — the phases of ``engine/run.py``
in their order, each the same compiled kernel the phase is built from — and returns at the
first *need*: a piece of a tick that is done in Python (a mover without compiled tables,
sensing with terrain, IMM tracks, or a network where its compiled
sensing is switched off, a guidance loss with a network, coverage of IMM tracks, a tracker
other than gnn with the CV model or a table to grow, a batched assignment, re-initiated track
recognition, the network phase, hostile kinematics of an identification, rounds at a target
assessed dead under the retarget doctrine, an engagement decision the loop does not make itself,
arrivals where NumPy's exp loop was not found, the picture-quality sample, the progress bar,
the quiescence test). The caller (``engine.run._run``) does that piece and calls again with the
stage that follows it; a tick in which nothing needs Python costs one pass through compiled
code and no Python call. The stages, in tick order:

======  ==========================================================================  ======
stage   the work                                                                     Python
======  ==========================================================================  ======
0       mover states without compiled tables (``motion.state_into``)                 always
1       motion (:func:`iadsim.engine.motion_phase.motion_tick`)                     never
2       sensing (:func:`iadsim.sensors.scheduling.sensing_phase`, a guidance loss
        :func:`~iadsim.engine.c2_glue.lose_guidance`; with networks
        :func:`network_sensing`) or its Python path                                 net lost / other
3       scan (:func:`iadsim.tracking.kernels.scan_phase`); IMM / terrain coverage     those
4       track scan (:func:`iadsim.tracking.kernels.gnn_cv_step`, then
        :func:`~iadsim.tracking.kernels.scan_events`)                               grow / LSA / other / pool
5       network picture (own updates: ``c2.network.clear_own_rows``)                 not quiet
6       identification (:func:`iadsim.c2.iff.interrogate_kernel`, the hostile
        kinematics, :func:`iadsim.engine.c2_glue.identify_update`, ``Identified``)  IMM kinematics
7       kill assessments due (:func:`~iadsim.engine.c2_glue.assessments_due`), their
        verdicts and the rounds at dead targets (:func:`~iadsim.engine.c2_glue.assess_phase`) retarget
8       readiness (:func:`~iadsim.engine.c2_glue.ready_phase`), the candidates
        (:func:`iadsim.c2.fire_control.engage_candidates`), their capability
        (:func:`any_capable`); the decision (:func:`~iadsim.engine.c2_glue.engage_smooth`
        without a network on smooth Earth with the heuristic assigner)              a capable pair,
                                                                                     else / a larger
                                                                                     WTA group / room
9       arrivals (:func:`~iadsim.engine.c2_glue.arrivals_or_release`, then
        :func:`~iadsim.engine.c2_glue.resolve_arrivals`) and the release            no exp loop
10      picture-quality sample (:func:`iadsim.engine.quality_phase.picture_sample`)  terrain / IMM / GOSPA batch
11      progress                                                                     with a bar
12      quiescence test (:func:`quiescent_arrays`)                                   quiescent
======  ==========================================================================  ======

Nothing here decides differently from the Python phases: every rule is the kernel the phase
calls, with the same inputs in the same order, so the events are the same to the byte.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit
from numba._dispatcher import compute_fingerprint
from llvmlite import ir as _ir
from numba.core import cgutils, types
from numba.extending import intrinsic
from numba.experimental import structref

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim import npmath
from iadsim.c2 import classification as _cls
from iadsim.c2 import fire_control, iff
from iadsim.c2 import network
from iadsim.engine import c2_glue, eventbuf, motion_phase, quality_phase
from iadsim.engine.events import REASON_CODE, EventKind
from iadsim.sensors import radar as radar_k
from iadsim.sensors import scheduling
from iadsim.tracking import kernels as track_kernels

#: needs: what the caller does before calling again (the stage to resume at is returned with it)
DONE, MOTION_PY, SENSE_PY, COVER_PY, STEP_PY, GROW, LSA, RECOGNISE, NETWORK, IDENT_KM, ASSESS, ENGAGE, \
    RESOLVE, SAMPLE, PROGRESS, QUIET, SENSE_NET_LOST = range(17)  # fmt: skip
#: stages (the table of the module docstring); END: the tick is over
S_STATE, S_MOTION, S_SENSE, S_SCAN, S_STEP, S_NET, S_IDENT, S_ASSESS, S_READY, S_ARRIVE, S_SAMPLE, S_PROGRESS, \
    S_QUIET, S_END = range(14)  # fmt: skip

#: per-stage cycle counts of :func:`run_ticks` (``benchmarks/profile_compiled.py --phases`` sets a
#: (N_CLOCK,) int64 array; the default, empty, times nothing): entries ``S_STATE … S_QUIET`` the
#: cycles spent in each stage's block, ``CLOCK_ENTRY`` from the call to the first stage,
#: ``CLOCK_TICKS`` the number of ticks finished, and within the track step ``CLOCK_GNN`` its
#: :func:`~iadsim.tracking.kernels.gnn_cv_step` call and ``CLOCK_SCAN_EVENTS`` its
#: :func:`~iadsim.tracking.kernels.scan_events` call (the rest of the step stays under ``S_STEP``)
N_CLOCK = 18
CLOCK_ENTRY, CLOCK_TICKS, CLOCK_GNN, CLOCK_SCAN_EVENTS = 14, 15, 16, 17
phase_cycles = np.zeros(0, np.int64)


@intrinsic
def cycles(typingctx):  # noqa: ANN001, ANN201 - numba's hook
    """The CPU's cycle counter (LLVM ``readcyclecounter``: ``rdtsc`` on x86-64), for the phase profile."""
    sig = types.int64()

    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202, ARG001
        fn = cgutils.get_or_insert_function(builder.module, _ir.FunctionType(_ir.IntType(64), []),
                                            "llvm.readcyclecounter")
        return builder.call(fn, [])

    return sig, codegen


@njit(cache=True, error_model="numpy")
def _lap(tm, cur, c0):  # noqa: ANN001, ANN202  # pragma: no cover - compiled
    """``tm[cur] += now − c0``; returns now (called only with the profile on)."""
    now = cycles()
    tm[cur] += now - c0
    return now


@njit(cache=True, error_model="numpy")
def _enter(tm, cur, c0, stage):  # noqa: ANN001, ANN202  # pragma: no cover - compiled
    """Entering ``stage``'s block: the time since ``c0`` goes to the stage before (``cur``) unless it
    is this one; returns the new (c0, cur) (called only with the profile on)."""
    if cur == stage:
        return c0, cur
    return _lap(tm, cur, c0), stage


@njit(cache=True, error_model="numpy")
def read_cycles() -> int:  # pragma: no cover - compiled
    """The cycle counter, from Python (to calibrate cycles against seconds)."""
    return cycles()


_IDENTIFIED = int(EventKind.Identified)
_DETECTION = int(EventKind.Detection)
#: the loss reason of an engagement on a remote track not acquired by the seeker hand-over, as a
#: dwell reason (engine.run._lose_guidance adds the base of the fire-control loss codes)
_NOT_ACQUIRED_WHY = int(REASON_CODE["fc_not_acquired"]) - int(REASON_CODE["fc_out_of_coverage"])
_ID_BASE = int(REASON_CODE["id_unknown"])
_KILL_ASSESSED, _MISS = int(EventKind.KillAssessed), int(EventKind.Miss)
_DEAD, _ALIVE = int(REASON_CODE["assessed_dead"]), int(REASON_CODE["assessed_alive"])
_SELF_DESTRUCT = int(REASON_CODE["self_destruct"])
_GUIDANCE_LOST, _LOSS_BASE = int(EventKind.GuidanceLost), int(REASON_CODE["fc_out_of_coverage"])


@njit(cache=True, error_model="numpy")
def _out(k, stage, need, n_conf, det_ids, det_fl, a, b, c, d2, m, g=None):  # noqa: ANN001, ANN202  # pragma: no cover
    """The return tuple (one type for every need: unused slots are empty; ``g`` float arrays)."""
    if g is None:
        return k, stage, need, n_conf, det_ids, det_fl, a, b, c, d2, m, (np.zeros(0), np.zeros(0))
    return k, stage, need, n_conf, det_ids, det_fl, a, b, c, d2, m, g


@structref.register
class RunColumnsType(types.StructRef):
    def preprocess_fields(self, fields):  # noqa: ANN001, ANN201 - numba's hook
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


class RunColumns(structref.StructRefProxy):
    """The run's constants and fixed arrays for :func:`run_ticks` in one numba ``StructRef`` (one
    field ``cols``, a tuple): passed in ≈ 1 µs where its 100-odd arrays as arguments cost ≈ 15 µs
    a call. The arrays are the caller's own (no copies): writes from either side are seen by the
    other. Built by :func:`run_columns`."""


structref.define_boxing(RunColumnsType, RunColumns)


@njit(cache=True, error_model="numpy")
def _new_columns(typeref, cols):  # noqa: ANN001, ANN202  # pragma: no cover - compiled
    s = structref.new(typeref)
    s.cols = cols
    return s


_COLUMN_TYPES: dict[bytes, RunColumnsType] = {}  # struct type by the numba fingerprint of the tuple


def run_columns(cols: tuple) -> RunColumns:
    """``cols`` in a :class:`RunColumns` (its struct type is made once per tuple layout, keyed by
    numba's fingerprint of the tuple, and the constructor is cached on disk)."""
    key = compute_fingerprint(cols)
    typ = _COLUMN_TYPES.get(key)
    if typ is None:
        typ = _COLUMN_TYPES[key] = RunColumnsType([("cols", numba.typeof(cols))])
    return _new_columns(typ, cols)


@njit(cache=True, error_model="numpy")
def _cv_predict_at(x, P, t_s, rows, t, q):  # noqa: ANN001, ANN202  # pragma: no cover - compiled
    """``TrackTable.predicted`` of CV ``rows`` at ``t``: :func:`iadsim.tracking.kernels.cv_predict_rows`
    over Δt = t − t_last with Δt³ by NumPy's power (:func:`iadsim.npmath.pow`, as ``kernels.cube``)."""
    n = rows.shape[0]
    dt = np.empty(n)
    dt3 = np.empty(n)
    for i in range(n):
        dt[i] = t - t_s[rows[i]]
        dt3[i] = npmath.pow(dt[i], 3.0)
    return track_kernels.cv_predict_rows(x, P, rows, dt, dt3, q)


@njit(cache=True, error_model="numpy")
def hostile_kinematics_cv(rows, km_mask, x, P, t_s, t, q, assets, cpa_m, horizon_s):  # noqa: ANN001, ANN201  # pragma: no cover - compiled
    """The hostile kinematics of identification (``engine.run._identify_rows``) with CV tracks:
    for the interrogated ``rows`` where ``km_mask`` (the ladder reads them), the CV prediction to
    ``t`` (:func:`iadsim.tracking.kernels.cv_predict_rows`, Δt³ by NumPy's power), the assessed
    class (:func:`iadsim.c2.classification.classify`) and :func:`iadsim.c2.iff.hostile_kinematics`
    (a missile class, or an attack profile at an asset: ``iff._attack_profile``); False elsewhere."""
    kin = np.zeros(rows.shape[0], np.bool_)
    km = np.flatnonzero(km_mask)
    n = km.shape[0]
    if n == 0:
        return kin
    rr = rows[km]
    xp, _ = _cv_predict_at(x, P, t_s, rr, t, q)
    p = xp[:, :3].copy()
    v = xp[:, 3:].copy()
    hostile = iff.hostile_kinematics_kernel(p, v, _cls.classify_kernel(p, v), assets, cpa_m, horizon_s)
    for i in range(n):
        kin[km[i]] = hostile[i]
    return kin


@njit(cache=True, error_model="numpy")
def network_sensing(sense_cols, scan_cols, meas_cols, dwell_cols, t, dt, pos, rcs, active, radar_row, radar_st,
                    radar_site, radar_rank, has_fc, fc_radar, last_dwell, fc_row, fc_obj, truth, update_s, trk_x, trk_t,
                    trk_site, alive, size, gain_s, lost_after_s, fc_missed, sensor_st, remote, acquire_by, cue_at,
                    cue_last, is_fc, cue_st, buf, ws, clutter_per_scan):  # noqa: ANN001, ANN201  # pragma: no cover - compiled
    """Sensing of a tick with networks (smooth Earth, CV tracks), as ``engine.run._sense_python``:

    1. search looks (:func:`iadsim.sensors.radar.sense_kernel_ws` on the run's work arrays ``ws``,
       ``measured_kernel``), then, with ``clutter_per_scan`` > 0, the scanning radars' false alarms
       appended (:func:`iadsim.sensors.scheduling.append_false_alarms`, as
       :func:`iadsim.sensors.scheduling.sensing_phase` does);
    2. the fire-control dwells due (:func:`iadsim.sensors.scheduling.dwell_plan`,
       ``dwell_pass_kernel`` on the sensors stream), ``last_dwell ← t``, the loss rule of targets
       engaged on a remote track (:func:`iadsim.c2.network.acquisition_failures`), ``fc_missed``;
    3. with no target lost: the cue dwells at remote rows (:func:`iadsim.c2.network.cue_dwells`:
       ``cue_candidates``, the coverage kernel, the first covering radar per row, ``cue_last ← t``,
       grouped by site, ``dwell_kernel`` on each site's cue stream), concatenated after the
       dwells; the one-echo merge with the search looks; one ``Detection`` row per detection.

    Returns ``(ids, fl, obj, dd, lost, dwell ids, dwell fl)``: without a loss ``ids`` (4, M)
    (sensor, target, site, rank) and ``fl`` (18·M,) are the tick's detections (rows emitted);
    with a loss (``lost``: the caller cuts guidance, then runs the cue dwells, the merge and the
    rows itself) ``ids`` (2, M), ``fl`` are the search looks' and the last two the dwells'.
    """
    no_vis = np.zeros(0, np.bool_)
    ids, fl = radar_k.sense_kernel_ws(
        sense_cols[0], sense_cols[1], sense_cols[2], sense_cols[3], sense_cols[4], sense_cols[5], sense_cols[6],
        sense_cols[7], sense_cols[8], sense_cols[9], sense_cols[10], sense_cols[11], sense_cols[12], sense_cols[13],
        sense_cols[14], sense_cols[15], sense_cols[16], scan_cols[0], scan_cols[1], t, dt, pos, rcs, active, False,
        np.zeros(0), radar_row, radar_st, ws)
    sr, sa, se, r_ecef, r_rot = meas_cols
    f = radar_k.measured_kernel(ids, fl, sr, sa, se, r_ecef, r_rot)
    if clutter_per_scan > 0.0:
        ids, f = scheduling.append_false_alarms(ids, f, sense_cols, scan_cols, meas_cols, t, dt, radar_row, radar_st,
                                                clutter_per_scan)  # fmt: skip
    c = dwell_cols
    obj = np.zeros(0, np.int64)
    dd = np.zeros((3, 0), np.int64)
    dids = np.zeros((2, 0), np.int64)
    df = np.zeros(0)
    if has_fc:
        obj, dd, dids, dfl = scheduling.due_dwells(c, fc_radar, last_dwell, fc_row, truth, active, update_s, t, pos,
                                                   trk_x, trk_t, rcs, gain_s, lost_after_s, fc_missed, sensor_st)
        D = obj.shape[0]
        if D > 0:
            lost = np.empty(D, np.bool_)
            d_rows = np.empty(D, np.int64)
            for d in range(D):
                last_dwell[obj[d]] = t
                lost[d] = dd[1, d] != 0
                d_rows[d] = fc_row[obj[d]]
            missed_d = dd[0].copy()
            late = network.acquisition_kernel(obj, d_rows, lost, missed_d, remote, acquire_by, t)
            n_lost = 0
            for d in range(D):
                if late[d]:
                    dd[2, d] = _NOT_ACQUIRED_WHY
                dd[0, d] = missed_d[d]
                dd[1, d] = 1 if lost[d] else 0
                n_lost += dd[1, d]
                fc_missed[obj[d]] = dd[0, d]
            if dids.shape[1] > 0:
                df = radar_k.measured_kernel(dids, dfl, sr, sa, se, r_ecef, r_rot)
            if n_lost:
                return ids, f, obj, dd, True, dids, df
    # cue dwells at the remote rows (c2.network.cue_dwells)
    cids = np.zeros((2, 0), np.int64)
    cf = np.zeros(0)
    if has_fc:
        nr = 0
        rows = np.empty(size, np.int64)
        for r in range(size):
            if remote[r] and alive[r]:
                rows[nr] = r
                nr += 1
        rows = rows[:nr]
        if nr:
            held = np.empty(fc_radar.shape[0], np.bool_)
            for o in range(held.shape[0]):
                held[o] = fc_radar[o] >= 0
            o_rows = np.empty(nr, np.int64)
            for i in range(nr):
                o_rows[i] = fc_obj[rows[i]]
            rows, cobj, pr, ri, u, inv = network.cue_candidates(rows, o_rows, held, cue_at, cue_last, trk_site, trk_x,
                                                                trk_t, radar_site, is_fc, update_s, c[0], c[5], t)
            if pr.shape[0]:
                xu = track_kernels.cv_positions_rows(trk_x, trk_t, rows[u].copy(), t)
                xq = np.empty((pr.shape[0], 3))
                for i in range(pr.shape[0]):
                    xq[i] = xu[inv[i]]
                vis = scheduling.pair_visible(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], ri, xq)
                keep = np.zeros(pr.shape[0], np.bool_)
                last = -1
                for i in range(pr.shape[0]):  # covered, and the first covering radar of the row's site
                    if vis[i] and pr[i] != last:
                        keep[i] = True
                        last = pr[i]
                    elif vis[i]:
                        last = pr[i]
                kk = np.flatnonzero(keep)
                n = kk.shape[0]
                if n:
                    cri = np.empty(n, np.int64)
                    ctr = np.empty(n, np.int64)
                    look = np.empty((n, 3))
                    present = np.empty(n, np.bool_)
                    csite = np.empty(n, np.int64)
                    for q in range(n):
                        i = kk[q]
                        r = rows[pr[i]]
                        cri[q] = ri[i]
                        tr = truth[r]
                        ctr[q] = tr
                        present[q] = tr >= 0 and active[max(tr, 0)]
                        for a in range(3):
                            look[q, a] = pos[max(tr, 0), a] if present[q] else xq[i, a]
                        cue_last[cobj[pr[i]]] = t
                        csite[q] = trk_site[r]
                    if n > 1:  # grouped by site (stable): each site's dwells draw from its own stream
                        o = np.argsort(csite, kind="mergesort")
                        cri, ctr, look, present, csite = cri[o], ctr[o], look[o], present[o], csite[o]
                    crcs = np.empty(n)
                    cgain = np.empty(n)
                    for q in range(n):
                        crcs[q] = rcs[max(ctr[q], 0)]
                        cgain[q] = gain_s[cri[q]]
                    _, _, kd, noise, num, den, r0 = scheduling.dwell_kernel(
                        c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14],
                        cri, look, crcs, present, cgain, False, no_vis, csite, cue_st)
                    if kd.shape[0]:
                        cids, cfl = scheduling.pack_dwell_detections(cri, ctr, kd, num, den, r0, noise)
                        cf = radar_k.measured_kernel(cids, cfl, sr, sa, se, r_ecef, r_rot)
    # the dwells then the cues (concatenated), merged with the search looks (one echo)
    if cids.shape[1]:
        if dids.shape[1]:
            dids, df = _merge(dids, df, cids, cf, 0, False)
        else:
            dids, df = cids, cf
    if dids.shape[1]:
        if ids.shape[1] == 0:
            ids, f = dids, df
        else:
            ids, f = _merge(ids, f, dids, df, pos.shape[0], True)
    m = ids.shape[1]
    out = np.empty((4, m), np.int64)
    for j in range(m):
        s = ids[0, j]
        out[0, j], out[1, j], out[2, j], out[3, j] = s, ids[1, j], radar_site[s], radar_rank[s]
    for j in range(m):
        eventbuf.emit(buf, _DETECTION, t, threat=out[1, j], site=out[2, j], sensor=out[0, j], range_m=f[j],
                      x_m=f[6 * m + 3 * j], y_m=f[6 * m + 3 * j + 1], z_m=f[6 * m + 3 * j + 2])
    return out, f, obj, dd, False, dids, df


@njit(cache=True, error_model="numpy")
def _merge(a_ids, a, b_ids, b, n_targets, one_echo):  # noqa: ANN001, ANN202  # pragma: no cover - compiled
    """:func:`iadsim.sensors.radar.merge_kernel` on two packed detection sets (ids (≥ 2, M), fl (18·M,))."""
    ma, mb = a_ids.shape[1], b_ids.shape[1]
    return radar_k.merge_kernel(a_ids[0].copy(), a_ids[1].copy(), a[:ma], a[ma : 2 * ma], a[2 * ma : 3 * ma],
                                a[3 * ma : 6 * ma].reshape(ma, 3), a[6 * ma : 9 * ma].reshape(ma, 3),
                                a[9 * ma :].reshape(ma, 3, 3), b_ids[0].copy(), b_ids[1].copy(), b[:mb],
                                b[mb : 2 * mb], b[2 * mb : 3 * mb], b[3 * mb : 6 * mb].reshape(mb, 3),
                                b[6 * mb : 9 * mb].reshape(mb, 3), b[9 * mb :].reshape(mb, 3, 3), n_targets, one_echo)


@njit(cache=True, error_model="numpy")
def quiescent_arrays(alive, size, pending, assessed, n_shots, fc_radar):  # noqa: ANN001, ANN201  # pragma: no cover - compiled
    """The arrays' part of ``engine.run._quiescent``: no live track, no round in flight or
    awaiting its kill assessment, no object a fire-control radar maintains."""
    for r in range(size):
        if alive[r]:
            return False
    for i in range(n_shots):
        if pending[i] or not assessed[i]:
            return False
    for o in range(fc_radar.shape[0]):
        if fc_radar[o] >= 0:
            return False
    return True


@njit(cache=True, error_model="numpy")
def any_capable(f, rows, magazine, x, P, t_s, t, q, fc_radar, obj, eng, remote, networked):  # noqa: ANN001, ANN201  # pragma: no cover - compiled
    """Whether any candidate pair (unit ``f``, track row ``rows``) has a capable interceptor type
    (CV tracks): the CV prediction to ``t`` and the capability rules of
    :func:`iadsim.weapons.engagement.decision_capability` (``eng``: its columns,
    ``engine.run._run``), as ``engine.run._engage`` computes them; when none is, the decision
    cycle ends there (``_engage`` returns at the same test: with networks its filters before it
    only remove pairs and change nothing, and capability is per pair)."""
    n = rows.shape[0]
    cued = np.empty(n, np.bool_)
    for i in range(n):
        # not yet held by a fire-control radar (a remote track is acquired in flight: not cued)
        cued[i] = fc_radar[obj[rows[i]]] < 0 and not (networked and remote[rows[i]])
    xp, Pc = _cv_predict_at(x, P, t_s, rows, t, q)
    return c2_glue.capability(f, xp, cued, Pc, q, magazine, eng)[8].any()


@njit(cache=True, error_model="numpy")
def sample_tick(t, cs, pos, active, trk, dyn, tsz, st_all):  # noqa: ANN001, ANN201  # pragma: no cover - compiled
    """The picture-quality sample of a sample tick at ``t`` (:func:`iadsim.engine.quality_phase.picture_sample`
    into the run's buffers at ``qsz``, which it advances); False where it is left to Python
    (``engine.run._run``'s ``sample``): terrain (Pd with masking), the IMM's predictions, no room
    in ``st_all`` for every row of the table, or a site for the batched GOSPA solver (its rows
    are then written again by Python at the same place)."""
    cfg, sense, scan, idf, c2, eng, qs, net_q, netc, _, _ = cs.cols
    (K, dt, q_every, m_compiled, one_call_sensing, cover_in_kernel, gnn_cv, has_net, has_engage, has_radars, has_fc,
     progress_on, quiet_ff, id_interval, id_due, afr, fr, ahs, hs, n_sites, n_units, n_types, decide_every,
     all_layered, site_rule, lsa_batch, q, gate, prior_vel_var, conf_n, conf_m, drop_misses, k_factor, corr_gate, window_s,
     cv_model, cpa_m, horizon_s, net_sensing, clutter_per_scan) = cfg
    sense_cols, radar_site = sense[0], sense[7]
    alive, confirmed, site, truth, tid, slot, x, P, t_s, protected, hits, misses = trk
    remote = dyn[4]
    q_all, qsz, q_rcs, no_pd, no_xs, no_ps, cutoff_m, terrain = qs
    size = tsz[0]
    nq, ns = qsz[0], qsz[1]
    if terrain or not cv_model or ns + size > st_all.shape[0]:  # terrain Pd, IMM predictions, room (Python)
        return False
    own = np.empty(size if has_net else 0, np.bool_)  # the sites' own tracks (not remote rows)
    for r in range(own.shape[0]):
        own[r] = not remote[r]
    _, _, conf, _, n_bad = quality_phase.picture_sample(
        t, pos, active, q_rcs, *sense_cols, False, no_pd, radar_site, n_sites, alive, size, confirmed, has_net,
        own, site, tid, truth, x, P, t_s, q, False, no_xs, no_ps, cutoff_m, lsa_batch,
        q_all[nq : nq + n_sites], st_all[ns : ns + size])  # fmt: skip
    if n_bad:  # a site for the batched GOSPA solver: the sample again in Python (over these rows)
        return False
    qsz[0] = nq + n_sites
    qsz[1] = ns + conf.shape[0]
    return True


@njit(cache=True, error_model="numpy")
def quiet_samples(k, cs, pos, active, trk, dyn, tsz, st_all):  # noqa: ANN001, ANN201  # pragma: no cover - compiled
    """The quiescent fast-forward from tick ``k`` (``engine.run._run``, docs/design.md "Quiescent
    fast-forward"): nothing can happen any more, so each remaining sample tick (k % q_every = 0,
    and the last) only takes the picture sample (:func:`sample_tick`; with no active object and
    no live track the positions are not read). Returns the first tick whose sample is left to
    Python (:func:`sample_tick` False), or K + 1 when every one is taken."""
    K, dt, q_every = cs.cols[0][0], cs.cols[0][1], cs.cols[0][2]
    while k <= K:
        if (k % q_every == 0 or k == K) and not sample_tick(k * dt, cs, pos, active, trk, dyn, tsz, st_all):
            return k
        k += 1
    return k


@njit(cache=True, error_model="numpy")
def run_ticks(k, stage, n_conf, cs, mph, buf, det_ids, det_fl, opp, tsz, trk, fc, dyn, sh, n_shots,
              st_all, tm):  # noqa: ANN001, ANN201, C901  # pragma: no cover - compiled
    """Run ticks from ``(k, stage)`` until a need (module docstring) or the last tick.

    ``cs``: the run's constants and the arrays that keep their identity for the whole run
    (:class:`RunColumns`, built once by :func:`run_columns`): ``cs.cols`` = (the run's scalars,
    the sensing columns, the scan's radar columns, identification, C2 and capability columns,
    the picture-quality buffers; ``engine.run._run``). ``mph``: the motion phase, ``buf`` the
    event buffer; ``trk, fc, sh``: the track table's, fire-control state's and shot table's
    columns and ``dyn`` (identities, replies, silences, last interrogation; the network's remote
    flags, link states and delivery times), passed every call (they grow); ``st_all`` the
    sampled track states (grown by the caller); ``tm``: the phase profile (:data:`phase_cycles`).
    ``det_ids (4, M), det_fl (18·M,)``: the tick's
    detections (sensor, target, site, rank; :func:`iadsim.sensors.radar.merge_kernel`'s packing)
    and ``opp``: its scan opportunities, when resuming after the stage that made them; ``tsz`` =
    [table size, next track id], updated in place; ``n_conf``: newly confirmed tracks of the
    tick (read by identification).

    Returns ``(k, stage, need, n_conf, det_ids, det_fl, a, b, c, d2, m, (g1, g2))``: the tick and
    the stage to resume at after the need, and the need's arrays (``engine.run`` reads them per need).
    """
    prof = tm.shape[0] > 0  # the phase profile (phase_cycles) is on
    c0 = cycles() if prof else 0
    cfg, sense, scan, idf, c2, eng, qs, net_q, netc, eg, arr = cs.cols
    is_fc, cue_st = netc
    (K, dt, q_every, m_compiled, one_call_sensing, cover_in_kernel, gnn_cv, has_net, has_engage, has_radars, has_fc,
     progress_on, quiet_ff, id_interval, id_due, afr, fr, ahs, hs, n_sites, n_units, n_types, decide_every,
     all_layered, site_rule, lsa_batch, q, gate, prior_vel_var, conf_n, conf_m, drop_misses, k_factor, corr_gate, window_s,
     cv_model, cpa_m, horizon_s, net_sensing, clutter_per_scan) = cfg
    (sense_cols, scan_cols, meas_cols, dwell_cols, rcs, sense_rows, radar_st, radar_site, radar_rank, fc_update,
     fc_gain, fc_lost, sensor_st, sense_ws) = sense
    alive, confirmed, site, truth, tid, slot, x, P, t_s, protected, hits, misses = trk
    obj, row, radar, missed, dropped_at, last_dwell, reopen_at, was_confirmed, consumed, net_track = fc
    last_s, replies, silent, identity, remote, up, delivered_at, acquire_by, cue_at, cue_last = dyn
    (scan_phase_s, revisit_s, site_revisit, r_ecef, r_rot, r_lat, r_lon, r_alt, r_max_range, r_max_alt,
     r_min_el, r_boresight, r_half_width) = scan
    site_iff_p, site_iff_mask, transponder_mask, iff_st, site_network, assets = idf
    (has_launchers, l_rounds, l_ready_at, l_reload_n, l_fire_unit, l_itype, next_ready, update_s,
     fu_site, fu_roe, roe_table, fc_mask, engage_on_remote, layered_unit, assess_st, assess_error, assess_delay,
     fu_retarget) = c2
    (pending, assessed, t_assess, seq, t_int, shot_fu, shot_target, killed, shot_id, shot_threat, shot_itype,
     shot_guided, shot_radar, shot_track, shot_t_launch, shot_pk0, shot_basket, shot_pip) = sh
    engage_in_loop, e_dec, e_rad, e_sel, e_wta, e_fly, e_ev, e_lc = eg
    arrive_in_loop, arr_c = arr
    # the shot table's columns in c2_glue.resolve_arrivals' order
    sh_a = (pending, shot_threat, t_int, shot_pip, shot_target, shot_guided, shot_fu, shot_basket, shot_pk0, shot_id,
            shot_itype, killed, t_assess, assessed)
    # the shot table's columns in c2_glue.engage_smooth's order
    sh_e = (pending, shot_guided, shot_radar, shot_id, shot_fu, shot_itype, shot_track, shot_target, shot_threat,
            shot_t_launch, t_int, shot_pk0, shot_basket, seq, t_assess, assessed, killed, shot_pip)
    q_all, qsz, q_rcs, no_pd, no_xs, no_ps, cutoff_m, terrain = qs
    no_b = np.zeros(0, np.bool_)
    _NO_I = np.zeros(0, np.int64)
    no_2 = np.zeros((0, 0), np.int64)
    pos, active, m_next = mph.pos, mph.active, mph.next_due
    no_b = np.zeros(0, np.bool_)
    _NO_I = np.zeros(0, np.int64)
    no_2 = np.zeros((0, 0), np.int64)
    cur = CLOCK_ENTRY
    while k <= K:
        t = k * dt
        if stage == S_STATE:
            if not m_compiled:
                return _out(k, S_MOTION, MOTION_PY, n_conf, det_ids, det_fl, _NO_I, _NO_I, _NO_I, no_2, no_b)
            stage = S_MOTION
        if prof:
            c0, cur = _enter(tm, cur, c0, S_MOTION)
        if stage == S_MOTION:
            motion_phase.motion_tick(t, mph, buf)
            n_conf = 0
            stage = S_SENSE
        if prof:
            c0, cur = _enter(tm, cur, c0, S_SENSE)
        if stage == S_SENSE and net_sensing:  # with networks: search, dwells, acquisition, cue dwells
            stage = S_SCAN
            ids_n, fl_n, d_obj, d_dd, lost_n, dids, dfl = network_sensing(
                sense_cols, scan_cols, meas_cols, dwell_cols, t, dt, pos, rcs, active, sense_rows, radar_st, radar_site,
                radar_rank, has_fc, radar, last_dwell, row, obj, truth, fc_update, x, t_s, site, alive, tsz[0], fc_gain,
                fc_lost, missed, sensor_st, remote, acquire_by, cue_at, cue_last, is_fc, cue_st, buf, sense_ws,
                clutter_per_scan)
            if lost_n:  # a dwell lost a target: GuidanceLost rows, then the cue dwells and the rows (Python)
                return _out(k, S_SCAN, SENSE_NET_LOST, n_conf, ids_n, fl_n, d_obj, dids.ravel().copy(), _NO_I, d_dd,
                            no_b, (dfl, np.zeros(0)))
            det_ids, det_fl = ids_n, fl_n
        if stage == S_SENSE:
            if not one_call_sensing:
                return _out(k, S_SCAN, SENSE_PY, n_conf, det_ids, det_fl, _NO_I, _NO_I, _NO_I, no_2, no_b)
            det_ids, det_fl, d_obj, d_dd, emitted = scheduling.sensing_phase(
                sense_cols, scan_cols, meas_cols, dwell_cols, t, dt, pos, rcs, rcs, active, sense_rows, radar_st,
                radar_site, radar_rank, has_fc, radar, last_dwell, row, truth, fc_update, x, t_s, fc_gain, fc_lost,
                missed, sensor_st, True, buf, sense_ws, clutter_per_scan)
            stage = S_SCAN
            if not emitted:  # a dwell lost a target: GuidanceLost rows first, then the Detection rows
                n_lost = 0
                for i in range(d_obj.shape[0]):
                    if d_dd[1, i] != 0:
                        n_lost += 1
                l_obj = np.empty(n_lost, np.int64)
                l_why = np.empty(n_lost, np.int64)
                n_lost = 0
                for i in range(d_obj.shape[0]):
                    if d_dd[1, i] != 0:
                        l_obj[n_lost], l_why[n_lost] = d_obj[i], d_dd[2, i]
                        n_lost += 1
                c2_glue.lose_guidance(l_obj, l_why, t, n_shots, pending, shot_target, shot_guided, shot_fu, shot_id,
                                      shot_radar, shot_threat, row, tid, radar, missed, buf, _GUIDANCE_LOST,
                                      _LOSS_BASE)  # fmt: skip
                scheduling.emit_detection_rows(buf, t, det_ids, det_fl)
        if prof:
            c0, cur = _enter(tm, cur, c0, S_SCAN)
        if stage == S_SCAN:
            size = tsz[0]
            scanning, live, pr, pl, opp = track_kernels.scan_phase(
                t, dt, size, alive, confirmed, site, truth, tid, slot, x, t_s, protected, radar, row, obj, dropped_at,
                radar_site, scan_phase_s, revisit_s, remote, site_revisit, drop_misses, cover_in_kernel, r_ecef, r_rot,
                r_lat, r_lon, r_alt, r_max_range, r_max_alt, r_min_el, r_boresight, r_half_width, k_factor, buf)
            stage = S_STEP
            if live.shape[0] and not cover_in_kernel:  # the IMM's positions or terrain masking (Python)
                return _out(k, S_STEP, COVER_PY, n_conf, det_ids, det_fl, live, pr, pl, no_2, scanning)
        if prof:
            c0, cur = _enter(tm, cur, c0, S_STEP)
        if stage == S_STEP:
            M = det_ids.shape[1]
            stage = S_NET
            if M or opp.shape[0]:
                if not gnn_cv:
                    return _out(k, S_NET, STEP_PY, n_conf, det_ids, det_fl, opp, _NO_I, _NO_I, no_2, no_b)
                size0 = tsz[0]
                if size0 + M > alive.shape[0]:  # room for every detection to start a track (Python grows)
                    return _out(k, S_STEP, GROW, n_conf, det_ids, det_fl, opp, _NO_I, _NO_I, no_2, no_b)
                det_site = det_ids[2]  # views: gnn_cv_step only reads the detections
                det_threat = det_ids[1]
                rank = det_ids[3]
                z = det_fl[6 * M : 9 * M].reshape((M, 3))
                R = det_fl[9 * M :].reshape((M, 3, 3))
                # Δt³ by NumPy's power, as TrackTable._step_gnn_cv takes it; gnn_cv_step reads it
                # only for live rows (the rows it predicts), so a dead row's entry is left 0
                dt3 = np.zeros(size0 if M else 0)
                for r in range(dt3.shape[0]):
                    if alive[r]:
                        dt3[r] = npmath.pow(t - t_s[r], 3.0)
                flag = np.zeros(alive.shape[0], np.int8)
                if prof:
                    c0 = _lap(tm, cur, c0)
                status, size, next_id, a, n_round, ints, gd2 = track_kernels.gnn_cv_step(
                    t, det_site, det_threat, rank, z, R, opp, dt3, x, P, t_s, site, truth, tid, hits, misses, alive,
                    confirmed, protected, slot, flag, size0, tsz[1], q, gate, lsa_batch, prior_vel_var, conf_n, conf_m,
                    drop_misses, 0, _NO_I)
                if prof:
                    c0 = _lap(tm, CLOCK_GNN, c0)
                if status >= 0:  # a round for the batched assignment: Python resumes the scan (state in the tuple)
                    st = np.array([status, size0, size, next_id, a, n_round], np.int64)
                    return _out(k, S_NET, LSA, n_conf, det_ids, det_fl, opp, ints, st, no_2, flag.view(np.bool_), (dt3, gd2))
                tsz[0] = size
                tsz[1] = next_id
                initiated = np.arange(size0, size)
                pool = track_kernels.scan_events(
                    t, initiated, ints[:a], ints[a:], size, alive, site, tid, truth, x, P, t_s, q, corr_gate, obj,
                    row, dropped_at, was_confirmed, consumed, window_s, buf)
                n_conf = a
                if prof:
                    c0 = _lap(tm, CLOCK_SCAN_EVENTS, c0)
                if pool.shape[0]:  # an ambiguous correlation (Python)
                    return _out(k, S_NET, RECOGNISE, n_conf, det_ids, det_fl, initiated, pool, _NO_I, no_2, no_b)
        if prof:
            c0, cur = _enter(tm, cur, c0, S_NET)
        if stage == S_NET:
            stage = S_IDENT
            # remote rows updated by their site's own radars this tick become own tracks; the rest
            # of the network phase only where something can happen (c2.network.NetworkState.quiet
            # on net_q = [next link-state bound, next fusion, next delivery], kept by the caller)
            if has_net:
                network.clear_own_rows(remote, alive, t_s, tsz[0], t)
            if has_net and not (t < net_q[0] - 1e-9 and t < net_q[1] - 1e-9 and not net_q[2] <= t + 1e-9):
                return _out(k, S_IDENT, NETWORK, n_conf, det_ids, det_fl, _NO_I, _NO_I, _NO_I, no_2, no_b)
        if prof:
            c0, cur = _enter(tm, cur, c0, S_IDENT)
        if stage == S_IDENT:
            stage = S_ASSESS
            # interrogation sweeps every interval on the scenario clock; a newly confirmed track is
            # interrogated at once (engine.run._identify)
            sweep = (t + 1e-9) % id_interval < dt
            size = tsz[0]
            if (sweep or n_conf > 0) and size:
                conf, rows, km_mask = iff.interrogate_kernel(
                    alive, confirmed, size, site, tid, truth, obj, site_iff_p, site_iff_mask, transponder_mask, last_s,
                    replies, silent, identity, t, id_due, sweep, iff_st, afr, fr, ahs)
                if conf.shape[0] and (rows.shape[0] or sweep):
                    if km_mask.any() and not cv_model:  # hostile kinematics of IMM tracks (Python)
                        return _out(k, S_ASSESS, IDENT_KM, n_conf, det_ids, det_fl, conf, rows, _NO_I, no_2, km_mask)
                    kin = hostile_kinematics_cv(rows, km_mask, x, P, t_s, t, q, assets, cpa_m, horizon_s)
                    em = c2_glue.identify_update(rows, conf, obj, kin, identity, replies, silent, afr, fr, ahs, hs,
                                                 has_net, site, net_track, site_network, up, n_sites)
                    for i in range(em.shape[0]):
                        r = em[i]
                        code = np.int64(identity[obj[r]])
                        eventbuf.emit(buf, _IDENTIFIED, t, site=site[r], track=tid[r], threat=truth[r],
                                      value=float(code), reason=_ID_BASE + code)
        if prof:
            c0, cur = _enter(tm, cur, c0, S_ASSESS)
        if stage == S_ASSESS:
            stage = S_READY
            if has_engage:
                due = c2_glue.assessments_due(pending, assessed, t_assess, seq, n_shots, t)
                if due.shape[0]:
                    sd = c2_glue.assess_phase(due, t, assess_st, shot_fu, killed, assess_error, assessed, shot_target,
                                              row, tid, shot_id, shot_threat, t_assess, buf, _KILL_ASSESSED, _DEAD,
                                              _ALIVE, reopen_at, assess_delay, pending, n_shots, fu_retarget,
                                              shot_itype, _MISS, _SELF_DESTRUCT)
                    if sd.shape[0]:  # rounds at a dead target under the retarget doctrine (Python)
                        return _out(k, S_READY, ASSESS, n_conf, det_ids, det_fl, sd, _NO_I, _NO_I, no_2, no_b)
        if prof:
            c0, cur = _enter(tm, cur, c0, S_READY)
        if stage == S_READY:
            stage = S_ARRIVE
            if has_engage:
                conf, ready_fu, magazine, due_c = c2_glue.ready_phase(
                    has_launchers, l_rounds, l_ready_at, l_reload_n, l_fire_unit, l_itype, n_units, n_types,
                    next_ready, alive, tsz[0], confirmed, misses, t_s, site_revisit, site, t, dt, obj, reopen_at,
                    has_net, remote, site_network, up, delivered_at, update_s, decide_every)
                if ready_fu.shape[0] and conf.shape[0] and due_c:
                    f, rows = fire_control.engage_candidates(
                        ready_fu, fu_site, conf, site, obj, identity, fu_roe, roe_table, fc_mask, shot_fu,
                        shot_target, pending, assessed, n_shots, remote, engage_on_remote, has_net, site_rule and not has_net,
                        layered_unit, all_layered)
                    if f.shape[0] and (not cv_model or any_capable(
                            f, rows, magazine, x, P, t_s, t, q, radar, obj, eng, remote, has_net)):  # a decision with a capable pair
                        status = c2_glue.ENGAGE_LEFT
                        if engage_in_loop:  # the whole decision compiled (no network, smooth Earth, the heuristic)
                            ev = (e_ev[0], e_ev[1], e_ev[2], e_ev[3], e_ev[4], e_ev[5], identity, fu_roe)
                            status, n_new, _, _, _, _ = c2_glue.engage_smooth(
                                f, rows, t, magazine, next_ready, (x, P, t_s, q, tid, truth),
                                (obj, radar, last_dwell, missed), sh_e, n_shots, eng, e_dec, e_rad, e_sel, e_wta,
                                e_fly, ev, e_lc, buf)  # fmt: skip
                            if status == c2_glue.ENGAGED:
                                n_shots = n_new
                                tsz[2] = n_new
                        if status != c2_glue.ENGAGED:  # else, or what it hands back: engine.run._engage (Python)
                            return _out(k, S_ARRIVE, ENGAGE, n_conf, det_ids, det_fl, f, rows, ready_fu, magazine, no_b)
        if prof:
            c0, cur = _enter(tm, cur, c0, S_ARRIVE)
        if stage == S_ARRIVE:
            stage = S_SAMPLE
            if has_engage:
                due = c2_glue.arrivals_or_release(pending, t_int, seq, n_shots, t, radar, missed, assessed,
                                                  shot_target)
                if due.shape[0] and arrive_in_loop:  # resolution and release, NumPy's exp loop compiled in
                    c2_glue.resolve_arrivals(due, t, pos, mph.vel, mph.alive, mph.done, sh_a, n_shots,
                                             (row, radar, missed), x, t_s, eng[0], arr_c, buf)  # fmt: skip
                elif due.shape[0]:
                    return _out(k, S_SAMPLE, RESOLVE, n_conf, det_ids, det_fl, due, _NO_I, _NO_I, no_2, no_b)
        if prof:
            c0, cur = _enter(tm, cur, c0, S_SAMPLE)
        if stage == S_SAMPLE:
            stage = S_PROGRESS
            if has_radars and (k % q_every == 0 or k == K) and not sample_tick(t, cs, pos, active, trk, dyn, tsz,
                                                                                 st_all):  # fmt: skip
                return _out(k, S_PROGRESS, SAMPLE, n_conf, det_ids, det_fl, _NO_I, _NO_I, _NO_I, no_2, no_b)
        if prof:
            c0, cur = _enter(tm, cur, c0, S_PROGRESS)
        if stage == S_PROGRESS:
            stage = S_QUIET
            if progress_on:
                return _out(k, S_QUIET, PROGRESS, n_conf, det_ids, det_fl, _NO_I, _NO_I, _NO_I, no_2, no_b)
        if prof:
            c0, cur = _enter(tm, cur, c0, S_QUIET)
        if stage == S_QUIET:
            stage = S_END
            if quiet_ff and m_next[0] == np.inf and not active.any() and quiescent_arrays(
                    alive, tsz[0], pending, assessed, n_shots, radar):  # (the network part: engine.run._quiescent)
                return _out(k, S_END, QUIET, n_conf, det_ids, det_fl, _NO_I, _NO_I, _NO_I, no_2, no_b)
        if prof:
            c0 = _lap(tm, cur, c0)
            tm[CLOCK_TICKS] += 1
            cur = S_STATE
        k += 1
        stage = S_STATE
    return _out(k, stage, DONE, n_conf, det_ids, det_fl, _NO_I, _NO_I, _NO_I, no_2, no_b)
