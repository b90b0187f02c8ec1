"""The one-call sensing phase (scheduling.sensing_phase) against the step-by-step NumPy path.

* ``measured_kernel`` (arctan2 inside the kernel, :mod:`iadsim.npmath`) against ``np.arctan2`` +
  :func:`iadsim.sensors.radar._measured` on the same packed detections: bit-identical;
* ``sensing_phase`` without dwells against :func:`iadsim.sensors.radar.sense` with the same
  stream states: same detections, same draws, the Detection rows equal a Python batch;
* with fire-control dwells: the dwell plan, CV predictions, :func:`scheduling.dwell_pass` and the
  one-echo :meth:`Detections.merge` written out step by step.
"""

from __future__ import annotations

import numpy as np

from iadsim.engine.events import EventKind, EventLog
from iadsim.rng_kernels import states_of
from iadsim.sensors import radar as R
from iadsim.sensors import scheduling as SCH
from iadsim.tracking.kernels import cv_positions_rows
from test_radar_kernels import _radars, _targets  # the same random radars and targets


def _scene(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    radars, tgt = _radars(rng), _targets(rng)
    rcs = rng.uniform(0.5, 10.0, len(tgt))
    active = rng.random(len(tgt)) < 0.8
    st = states_of([np.random.default_rng(100 + i) for i in range(len(radars))])
    return radars, tgt, rcs, active, st


def _table(log: EventLog) -> dict:
    t = log.table()
    return {n: t.column(n).to_numpy(zero_copy_only=False) for n in t.column_names}


def test_detection_kind_constant() -> None:
    assert SCH._DETECTION_KIND == int(EventKind.Detection)


def test_measured_kernel_bit_identical_to_numpy_arctan2() -> None:
    radars, tgt, rcs, active, st = _scene(3)
    args = R._kernel_columns(radars) + R._scan_columns(radars)
    ids, fl = R.sense_kernel(*args, 2.0, 1.0, tgt, rcs, active, False, np.zeros(0), np.arange(len(radars)), st)
    m = ids.shape[1]
    assert m > 10
    ang = np.arctan2(fl[: 2 * m], fl[2 * m : 4 * m])
    ref = R._measured(radars, 2.0, ids[0], ids[1], fl[4 * m : 5 * m], ang[:m], ang[m:], fl[5 * m :].reshape(m, 3))
    got = R.unpack_detections(ids, R.measured_kernel(ids, fl, *R._measure_columns(radars)), 2.0)
    for name in ("sensor", "target", "range_m", "az_rad", "el_rad", "z_enu_m", "z_ecef_m", "R_ecef"):
        assert np.array_equal(getattr(got, name), getattr(ref, name)), name


def _phase(radars, tgt, rcs, active, st, t, do_dwells, fc, sensor_st, log, x, t_trk, clutter=0.0):
    S = len(radars)
    site = np.asarray(radars.site_index, np.int64)
    return SCH.sensing_phase(*SCH.sensing_columns(radars), t, 1.0, tgt, rcs, rcs, active, np.arange(S), st, site,
                             np.zeros(S, np.int64), do_dwells, fc["radar"], fc["last"], fc["row"], fc["truth"],
                             fc["update"], x, t_trk, fc["gain"], fc["lost_after"], fc["missed"], sensor_st, True,
                             log.buf, R.sense_workspace(S, len(tgt)), clutter)  # fmt: skip


def _dirty_workspace(S: int, N: int) -> tuple:
    """A workspace as a previous tick may leave it: Pd 1 everywhere, every target marked done, NaN values."""
    ws = R.sense_workspace(S, N)
    for a in ws:
        a[...] = True if a.dtype == np.bool_ else (np.nan if a.dtype == np.float64 else 7)
    ws[3][...] = 1.0  # Pd 1: a pair left over would be detected
    return ws


def test_sense_kernel_on_a_used_workspace_equals_a_fresh_call() -> None:
    """The engine keeps one workspace for the run: each call clears Pd and the per-target flags it reads."""
    radars, tgt, rcs, active, st = _scene(11)
    args = R._kernel_columns(radars) + R._scan_columns(radars)
    S, N = len(radars), len(tgt)
    ws = _dirty_workspace(S, N)
    for t in (2.0, 3.0, 7.0):  # a few ticks on one workspace, the scanning radars changing
        act = active.copy()
        act[: int(t)] = False  # fewer active targets than the tick before
        st_a, st_b = st.copy(), st.copy()
        ids_a, fl_a = R.sense_kernel(*args, t, 1.0, tgt, rcs, act, False, np.zeros(0), np.arange(S), st_a)
        ids_b, fl_b = R.sense_kernel_ws(*args, t, 1.0, tgt, rcs, act, False, np.zeros(0), np.arange(S), st_b, ws)
        assert ids_a.shape[1] > 5
        assert np.array_equal(ids_a, ids_b) and np.array_equal(fl_a, fl_b, equal_nan=True)
        assert np.array_equal(st_a, st_b)
        st = st_a
    # a workspace too small for the call is replaced, not overrun
    ids_c, fl_c = R.sense_kernel_ws(*args, 2.0, 1.0, tgt, rcs, active, False, np.zeros(0), np.arange(S), st.copy(),
                                    R.sense_workspace(1, 1))  # fmt: skip
    ids_d, fl_d = R.sense_kernel(*args, 2.0, 1.0, tgt, rcs, active, False, np.zeros(0), np.arange(S), st.copy())
    assert np.array_equal(ids_c, ids_d) and np.array_equal(fl_c, fl_d)


def _no_fc(n: int) -> dict:
    z = np.zeros(0)
    return {"radar": np.full(n, -1, np.int64), "last": np.full(n, np.nan), "row": np.full(n, -1, np.int64),
            "truth": np.zeros(0, np.int64), "update": z, "gain": z, "lost_after": z, "missed": np.zeros(n, np.int64)}


def test_search_only_matches_sense_and_emits_rows() -> None:
    radars, tgt, rcs, active, st = _scene(5)
    st_ref = st.copy()
    ref = R.sense(radars, tgt, rcs, active, 2.0, 1.0, st_ref)
    log = EventLog()
    ids, fl, obj, dd, emitted = _phase(radars, tgt, rcs, active, st, 2.0, False, _no_fc(len(tgt)),
                                       np.zeros((1, 4), np.uint64), log, np.zeros((0, 6)), np.zeros(0))  # fmt: skip
    got = R.unpack_detections(ids, fl, 2.0)
    assert emitted and len(ref) > 10 and obj.size == 0
    assert np.array_equal(st, st_ref)  # the same draws
    for name in ("sensor", "target", "range_m", "az_rad", "el_rad", "z_ecef_m", "R_ecef"):
        assert np.array_equal(getattr(got, name), getattr(ref, name)), name
    site = np.asarray(radars.site_index, np.int64)
    assert np.array_equal(ids[2], site[ref.sensor])
    py = EventLog()
    py.emit(EventKind.Detection, 2.0, sensor=ref.sensor, site=site[ref.sensor], threat=ref.target,
            range_m=ref.range_m, x_m=ref.z_ecef_m[:, 0], y_m=ref.z_ecef_m[:, 1], z_m=ref.z_ecef_m[:, 2])  # fmt: skip
    a, b = _table(log), _table(py)
    for name in b:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_dwells_match_step_by_step_path() -> None:
    radars, tgt, rcs, active, st = _scene(8)
    n, S = len(tgt), len(radars)
    rng = np.random.default_rng(1)
    # tracks following objects 0..19 (rows 0..19), engaged by radars at random; some never dwelt
    x = np.hstack([tgt[:20] + rng.normal(0, 200, (20, 3)), rng.normal(0, 50, (20, 3))])
    t_trk = np.full(20, 1.5)
    fc = _no_fc(n)
    pd = R.near_pair_detection(radars, tgt, rcs, None)[0]
    fc["radar"][:20] = np.argmax(pd[:, :20], axis=0)  # the radar that sees each object best (some none)
    fc["row"][:20] = np.arange(20)
    fc["last"][:20] = np.where(rng.random(20) < 0.5, np.nan, 0.0)
    fc["missed"][:20] = rng.integers(0, 3, 20)
    fc.update(truth=np.arange(20, dtype=np.int64), update=np.full(S, 1.0), gain=np.full(S, 4.0),
              lost_after=np.full(S, 2.0))
    sensor_st = states_of([np.random.default_rng(7)])
    # reference: the step-by-step path of engine/run.py (no network)
    st_ref, sst_ref = st.copy(), sensor_st.copy()
    fc_ref = {k: v.copy() for k, v in fc.items()}
    search = R.sense(radars, tgt, rcs, active, 2.0, 1.0, st_ref)
    plan = SCH.dwell_plan(fc_ref["radar"], fc_ref["last"], fc_ref["row"], fc_ref["truth"], active, fc_ref["update"],
                          2.0, n)  # fmt: skip
    assert plan.shape[1] > 5
    obj = plan[0]
    xp = cv_positions_rows(x, t_trk, plan[2].copy(), 2.0)
    missed, lost, why, dets = SCH.dwell_pass(radars, plan, xp, tgt, rcs, fc_ref["gain"], fc_ref["lost_after"],
                                             fc_ref["missed"][obj], 2.0, sst_ref)  # fmt: skip
    fc_ref["last"][obj] = 2.0
    fc_ref["missed"][obj] = missed
    ref = R.Detections.merge(search, dets, n, True)
    log = EventLog()
    ids, fl, g_obj, dd, emitted = _phase(radars, tgt, rcs, active, st, 2.0, True, fc, sensor_st, log, x, t_trk)
    got = R.unpack_detections(ids, fl, 2.0)
    assert len(dets) > 0 and len(ref) < len(search) + len(dets)  # dwells detected, the one-echo rule dropped some
    assert np.array_equal(g_obj, obj) and np.array_equal(dd[0], missed) and np.array_equal(dd[1] != 0, lost)
    assert np.array_equal(dd[2], why)
    assert emitted == (not lost.any())
    assert np.array_equal(st, st_ref) and np.array_equal(sensor_st, sst_ref)
    for k in ("last", "missed"):
        np.testing.assert_array_equal(fc[k], fc_ref[k], err_msg=k)
    for name in ("sensor", "target", "range_m", "az_rad", "el_rad", "z_ecef_m", "R_ecef"):
        assert np.array_equal(getattr(got, name), getattr(ref, name)), name


def _false_alarms_numpy(radars, t_s, dt_s, lam, st):  # noqa: ANN001, ANN202
    """The NumPy form of radar.false_alarms (its formulas before they were compiled): the reference."""
    from iadsim.geo.frames import aer_to_enu

    scan = np.flatnonzero(R.scanning(radars, t_s, dt_s))
    si, u = R.clutter_draws(scan.astype(np.int64), np.arange(len(radars)), st, float(lam))
    m = si.size
    r = radars.max_range_m[si] * np.cbrt(u[:, 0])
    az = np.mod(radars.boresight_az_rad[si] + (2.0 * u[:, 1] - 1.0) * radars.half_width_az_rad[si], 2.0 * np.pi)
    e1 = np.maximum(radars.min_elevation_rad[si], 0.0)
    e2 = np.maximum(e1 + 1e-3, R.CLUTTER_MAX_ELEVATION_RAD)
    el = np.arcsin(np.sin(e1) + u[:, 2] * (np.sin(e2) - np.sin(e1)))
    z_enu = aer_to_enu(az, el, r)
    rot = radars.enu_rot[si]
    z_ecef = radars.ecef_m[si] + np.einsum("mji,mj->mi", rot, z_enu)
    cov = R.converted_covariance_ecef(r, az, el, radars.sigma_range_m[si], radars.sigma_az_rad[si],
                                      radars.sigma_el_rad[si], rot)  # fmt: skip
    return R.Detections(sensor=si.astype(np.int64), target=np.full(m, -1, np.int64), time_s=float(t_s), range_m=r,
                        az_rad=az, el_rad=el, z_enu_m=z_enu, z_ecef_m=z_ecef, R_ecef=cov)  # fmt: skip


def test_false_alarm_kernel_bit_identical_to_false_alarms() -> None:
    """radar.false_alarms (through the compiled radar.false_alarm_kernel) against its NumPy form on
    the same stream states: the same false alarms, every column bit for bit, the streams left alike."""
    radars, tgt, rcs, active, st = _scene(5)
    n = 0
    for t in (1.0, 2.0, 3.0, 5.0, 8.0):
        for lam in (0.5, 3.0, 40.0):
            a, b, c = st.copy(), st.copy(), st.copy()
            ref = _false_alarms_numpy(radars, t, 1.0, lam, a)
            wrapped = R.false_alarms(radars, t, 1.0, lam, c)
            assert all(np.array_equal(getattr(wrapped, k), getattr(ref, k))
                       for k in ("sensor", "target", "range_m", "az_rad", "el_rad", "z_enu_m", "z_ecef_m", "R_ecef"))
            assert np.array_equal(a, c)
            sr, sa, se, r_ecef, r_rot = R._measure_columns(radars)
            kc, sc = R._kernel_columns(radars), R._scan_columns(radars)
            ids, fl = R.false_alarm_kernel(sc[0], sc[1], t, 1.0, kc[5], kc[8], kc[9], kc[7], sr, sa, se, r_ecef, r_rot,
                                           np.arange(len(radars)), b, lam)  # fmt: skip
            got = R.unpack_detections(ids, fl, t)
            assert len(got) == len(ref)
            for name in ("sensor", "target", "range_m", "az_rad", "el_rad", "z_enu_m", "z_ecef_m", "R_ecef"):
                assert np.array_equal(getattr(got, name), getattr(ref, name)), (t, lam, name)
            assert np.array_equal(a, b)
            n += len(ref)
    assert n > 300
    ids, fl = R.false_alarm_kernel(sc[0], sc[1], 2.0, 1.0, kc[5], kc[8], kc[9], kc[7], sr, sa, se, r_ecef, r_rot,
                                   np.arange(len(radars)), b, 0.0)  # fmt: skip
    assert ids.shape == (2, 0) and np.array_equal(a, b)  # λ = 0: no draws


def test_sensing_phase_with_clutter_appends_the_false_alarms() -> None:
    """sensing_phase with clutter_per_scan > 0 = the search looks, then Detections.concat with
    radar.false_alarms drawn on the same streams after them (as the step-by-step path does)."""
    radars, tgt, rcs, active, st = _scene(9)
    fc = _no_fc(len(tgt))
    for t in (2.0, 3.0, 4.0):
        a, b = st.copy(), st.copy()
        log = EventLog()
        ids, fl, _, _, emitted = _phase(radars, tgt, rcs, active, a, t, False, fc, np.zeros((1, 4), np.uint64), log,
                                        np.zeros((0, 6)), np.zeros(0), 2.5)  # fmt: skip
        ref = R.Detections.concat(R.sense(radars, tgt, rcs, active, t, 1.0, b), R.false_alarms(radars, t, 1.0, 2.5, b))
        got = R.unpack_detections(ids, fl, t)
        assert emitted and (got.target == -1).sum() > 0 and (got.target >= 0).sum() > 0
        for name in ("sensor", "target", "range_m", "az_rad", "el_rad", "z_enu_m", "z_ecef_m", "R_ecef"):
            assert np.array_equal(getattr(got, name), getattr(ref, name)), (t, name)
        assert np.array_equal(a, b)
