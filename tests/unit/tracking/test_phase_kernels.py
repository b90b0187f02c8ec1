"""The tracking phase kernels of engine/run.py (tracking.kernels.scan_phase / scan_events) against
the NumPy / Python code they replaced (kept here as the reference), on hand-built tables."""

import numpy as np
import pytest

from iadsim.engine.events import EventKind, EventLog
from iadsim.engine.state import FireControlState
from iadsim.geo import frames
from iadsim.sensors import scheduling
from iadsim.sensors.radar import RadarArrays
from iadsim.tracking import kernels

WINDOW = 60.0


def test_event_kind_constants():
    assert kernels._TRACK_INITIATED == int(EventKind.TrackInitiated)
    assert kernels._TRACK_CONFIRMED == int(EventKind.TrackConfirmed)
    assert kernels._TRACK_DROPPED == int(EventKind.TrackDropped)


def _table(rng: np.random.Generator, n: int, n_sites: int, n_threats: int) -> dict:
    truth = rng.integers(-1, n_threats, n)
    site = rng.integers(0, n_sites, n)
    slot = np.full((n_sites, n_threats), -1, np.int64)
    alive = rng.random(n) < 0.7
    for r in range(n):
        if alive[r] and truth[r] >= 0:
            slot[site[r], truth[r]] = r
    x = np.zeros((n, 6))
    x[:, :3] = frames.geodetic_to_ecef(np.radians(rng.uniform(36, 40, n)), np.radians(rng.uniform(31, 35, n)),
                                       rng.uniform(0, 25000, n)).reshape(n, 3)  # fmt: skip
    x[:, 3:] = rng.normal(0.0, 300.0, (n, 3))
    return dict(alive=alive, confirmed=alive & (rng.random(n) < 0.5), site=site, truth=truth, x=x,
                id=np.arange(n, dtype=np.int64) + 100, slot=slot, t_s=rng.uniform(0.0, 40.0, n),
                protected=np.zeros(n, bool))


def _fcs(rng: np.random.Generator, n: int) -> FireControlState:
    fcs = FireControlState(n)
    fcs.obj[:n] = np.where(rng.random(n) < 0.8, rng.integers(0, n, n), -1)
    fcs.row[:n] = np.where(rng.random(n) < 0.5, rng.integers(0, n, n), -1)
    fcs.radar[:n] = np.where(rng.random(n) < 0.3, rng.integers(0, 3, n), -1)
    fcs.dropped_at[:n] = np.where(rng.random(n) < 0.5, rng.uniform(0.0, 50.0, n), np.nan)
    fcs.was_confirmed[:n] = rng.random(n) < 0.5
    fcs.consumed[:n] = rng.random(n) < 0.2
    return fcs


def _ref_dropped(fcs: FireControlState, rows: np.ndarray, t: float) -> None:  # the old engine.run._dropped
    fcs.dropped_at[rows] = t
    obj = fcs.obj[rows]
    own = (obj >= 0) & (fcs.row[np.maximum(obj, 0)] == rows)
    fcs.row[obj[own]] = -1


def _same_events(a: EventLog, b: EventLog) -> None:
    ta, tb = a.table(), b.table()
    assert ta.schema == tb.schema and ta.num_rows == tb.num_rows
    for c in ta.column_names:  # NaN-equal column comparison
        np.testing.assert_array_equal(ta.column(c).to_numpy(), tb.column(c).to_numpy(), err_msg=c)


def _radars(S: int, seed: int = 1, revisit_s: float | np.ndarray = 1.0) -> RadarArrays:
    rng = np.random.default_rng(seed)
    return RadarArrays.from_columns(
        lat_rad=np.radians(rng.uniform(37, 39, S)), lon_rad=np.radians(rng.uniform(32, 34, S)), alt_m=rng.uniform(0, 500, S),
        ref_range_m=1e5, ref_rcs_m2=1.0, ref_pd=0.5, revisit_s=revisit_s, sigma_range_m=10.0, sigma_az_rad=1e-3,
        sigma_el_rad=1e-3, max_range_m=1.5e5, half_width_az_rad=np.radians(60), boresight_az_rad=rng.uniform(0, 6, S),
        max_alt_m=2e4)  # fmt: skip


def _scan(r: RadarArrays, tab: dict, fcs: FireControlState, t: float, dt: float, radar_site, phase, revisit, remote,
          site_revisit, cover: bool, log: EventLog):
    n = len(tab["alive"])
    return kernels.scan_phase(t, dt, n, tab["alive"], tab["confirmed"], tab["site"], tab["truth"], tab["id"], tab["slot"],
                              tab["x"], tab["t_s"], tab["protected"], fcs.radar, fcs.row, fcs.obj, fcs.dropped_at,
                              radar_site, phase, revisit, remote, site_revisit, 2, cover, r.ecef_m, r.enu_rot, r.lat_rad,
                              r.lon_rad, r.alt_m, r.max_range_m, r.max_alt_m, r.min_elevation_rad, r.boresight_az_rad,
                              r.half_width_az_rad, float(r.k_factor), log.buf)  # fmt: skip


def _copy(d: dict) -> dict:
    return {k: v.copy() for k, v in d.items()}


@pytest.mark.parametrize("seed", range(6))
def test_scan_phase_matches_python_reference(seed):
    rng = np.random.default_rng(seed)
    n, n_sites, n_threats, t, dt = 40, 3, 8, 50.0, 0.5
    radar_site = np.array([0, 1, 1, 2], np.int64)
    phase = rng.uniform(0.0, 4.0, 4)
    revisit = np.array([4.0, 2.0, 1.0, 0.5])
    site_revisit = np.array([4.0, 2.0, 0.5])
    tab, fcs = _table(rng, n, n_sites, n_threats), _fcs(rng, n)
    remote = rng.random(n) < 0.2 if seed % 2 else np.zeros(0, bool)
    # reference: radar.scanning, kernels.scan_rows, TrackTable.kill, _dropped, log.emit (the old block)
    ref, ref_fcs, ref_log = _copy(tab), _fcs(np.random.default_rng(seed + 1000), n), EventLog()
    ref_fcs.__dict__.update({k: getattr(fcs, k).copy() for k in fcs.INT + fcs.FLOAT + fcs.BOOL})
    now = np.floor((t - phase) / revisit + 1e-9)
    before = np.floor((t - dt - phase) / revisit + 1e-9)
    scanning = now > before
    live, pr, pl, stale = kernels.scan_rows(t, dt, n, ref["alive"], ref["site"], ref["t_s"], ref["protected"],
                                            ref_fcs.radar, ref_fcs.row, radar_site, scanning, remote,
                                            site_revisit, 2)  # fmt: skip
    if len(stale):
        kernels.kill_rows(stale, ref["alive"], ref["confirmed"], ref["site"], ref["truth"], ref["slot"])
        _ref_dropped(ref_fcs, stale, t)
        ref_log.emit(EventKind.TrackDropped, t, site=ref["site"][stale], track=ref["id"][stale], threat=ref["truth"][stale])
    log = EventLog()
    r = _radars(4)
    sc, live2, pr2, pl2, opp2 = _scan(r, tab, fcs, t, dt, radar_site, phase, revisit, remote, site_revisit, True, log)
    # the old coverage block: TrackTable.predicted_positions (CV) and scheduling.pair_visibility
    xp = kernels.cv_positions_rows(ref["x"], ref["t_s"], live, t)
    covered = np.zeros(len(live), bool)
    covered[pl[scheduling.pair_visibility(r, pr, xp[pl])]] = True
    np.testing.assert_array_equal(opp2, live[covered])
    assert 0 < len(opp2) < len(live) or seed > 0  # the first case covers some candidates, not all
    np.testing.assert_array_equal(sc, scanning)
    for a, b in ((live, live2), (pr, pr2), (pl, pl2)):
        np.testing.assert_array_equal(a, b)
    for k in tab:
        np.testing.assert_array_equal(tab[k], ref[k], err_msg=k)
    for k in fcs.INT + fcs.FLOAT + fcs.BOOL:
        np.testing.assert_array_equal(getattr(fcs, k), getattr(ref_fcs, k), err_msg=k)
    _same_events(log, ref_log)
    assert len(stale) > 0 or seed > 0  # the first case drops something (the rule is exercised)


def test_scan_phase_drops_a_stale_row_by_hand():
    # one site, a radar of revisit 1 s; row 0 updated at t = 0 is stale at t = 10 (10 > 2·1 + 0.5),
    # row 1 updated at t = 9.8 is not; row 2 is stale but protected (fire-control radar 0 maintains object 2)
    alive = np.array([True, True, True])
    conf = alive.copy()
    site = np.zeros(3, np.int64)
    truth = np.array([0, 1, 2], np.int64)
    slot = np.array([[0, 1, 2]], np.int64)
    fc_obj, fc_row = np.array([0, 1, 2], np.int64), np.array([0, 1, 2], np.int64)
    fc_radar = np.array([-1, -1, 0], np.int64)
    dropped_at = np.full(3, np.nan)
    log = EventLog()
    tab = dict(alive=alive, confirmed=conf, site=site, truth=truth, id=np.array([7, 8, 9], np.int64), slot=slot,
               x=np.zeros((3, 6)), t_s=np.array([0.0, 9.8, 0.0]), protected=np.zeros(3, bool))
    fcs = FireControlState(3)
    fcs.obj[:], fcs.row[:], fcs.radar[:] = fc_obj, fc_row, fc_radar
    _, _, _, _, opp = _scan(_radars(1), tab, fcs, 10.0, 0.5, np.zeros(1, np.int64), np.zeros(1), np.ones(1),
                            np.zeros(0, bool), np.ones(1), False, log)  # fmt: skip
    assert len(opp) == 0  # cover=False: coverage left to the caller
    fc_row, dropped_at = fcs.row, fcs.dropped_at
    np.testing.assert_array_equal(alive, [False, True, True])
    np.testing.assert_array_equal(slot, [[-1, 1, 2]])
    np.testing.assert_array_equal(fc_row, [-1, 1, 2])
    assert dropped_at[0] == 10.0 and np.isnan(dropped_at[1:]).all()
    tab = log.table()
    assert tab.num_rows == 1 and tab.column("track").to_pylist() == [7]


def _ref_post(tab: dict, fcs: FireControlState, initiated, conf, dropped, t, log: EventLog) -> None:
    """The old block after tracks.step (with _recognise for an empty pool)."""
    if len(dropped):
        _ref_dropped(fcs, dropped, t)
    if len(initiated):
        n = len(tab["alive"])
        r = np.arange(n)
        pool = r[~tab["alive"][:n] & fcs.was_confirmed[:n] & ~fcs.consumed[:n] & (fcs.dropped_at[:n] >= t - WINDOW)]
        pool = pool[fcs.row[fcs.obj[pool]] < 0] if len(pool) else pool
        assert len(pool) == 0  # the reference covers the uncorrelated case only
        fcs.obj[initiated] = initiated
        fcs.row[initiated] = initiated
    fcs.was_confirmed[conf] = True
    for kind, rows in ((EventKind.TrackInitiated, initiated), (EventKind.TrackConfirmed, conf),
                       (EventKind.TrackDropped, dropped)):  # fmt: skip
        if len(rows):
            log.emit(kind, t, site=tab["site"][rows], track=tab["id"][rows], threat=tab["truth"][rows])


def _post(tab, fcs, initiated, conf, dropped, t, log):
    n = len(tab["alive"])
    x = tab.get("x", np.zeros((n, 6)))
    P = tab.get("P", np.tile(np.eye(6) * 100.0, (n, 1, 1)))
    return kernels.scan_events(t, initiated, conf, dropped, n, tab["alive"], tab["site"], tab["id"], tab["truth"], x, P,
                               tab.get("t_s", np.zeros(n)), 1.0, 16.266, fcs.obj, fcs.row, fcs.dropped_at,
                               fcs.was_confirmed, fcs.consumed, WINDOW, log.buf)  # fmt: skip


@pytest.mark.parametrize("seed", range(6))
def test_scan_events_match_python_reference_without_pool(seed):
    rng = np.random.default_rng(seed)
    n, t = 30, 100.0
    tab = _table(rng, n, 2, 5)
    fcs = _fcs(rng, n)
    fcs.was_confirmed[:n] &= tab["alive"]  # no dead confirmed row: the recognition pool is empty
    live = np.flatnonzero(tab["alive"])
    initiated = np.sort(rng.choice(live, 3, replace=False)).astype(np.int64)
    conf = np.sort(rng.choice(live, 4, replace=False)).astype(np.int64)
    dropped = np.flatnonzero(~tab["alive"])[:3].astype(np.int64)
    ref_fcs = FireControlState(n)
    ref_fcs.__dict__.update({k: getattr(fcs, k).copy() for k in fcs.INT + fcs.FLOAT + fcs.BOOL})
    ref_log, log = EventLog(), EventLog()
    ref_log.emit(EventKind.Launch_Threat, 0.0, threat=np.array([0]))  # a Python batch before: one shared sequence
    log.emit(EventKind.Launch_Threat, 0.0, threat=np.array([0]))
    _ref_post(tab, ref_fcs, initiated, conf, dropped, t, ref_log)
    pool = _post(tab, fcs, initiated, conf, dropped, t, log)
    assert len(pool) == 0
    for k in fcs.INT + fcs.FLOAT + fcs.BOOL:
        np.testing.assert_array_equal(getattr(fcs, k), getattr(ref_fcs, k), err_msg=k)
    _same_events(log, ref_log)


def _pool_case(z5: np.ndarray):
    # rows: 0 dropped 10 s ago, once confirmed, its object 0 has no live row → the recognition pool;
    # 1 dropped 100 s ago (outside the 60 s window); 2 consumed; 3 its object (3) still has a live row (4);
    # 5 the new track, first position z5 (row 0 last at 6.4e6 m on x, at rest, updated at t = 90 s)
    x = np.zeros((6, 6))
    x[:, 0] = 6.4e6
    x[5, :3] = z5
    tab = dict(alive=np.array([False, False, False, False, True, True]), site=np.zeros(6, np.int64),
               id=np.arange(6, dtype=np.int64), truth=np.zeros(6, np.int64), x=x,
               t_s=np.array([90.0, 0.0, 95.0, 95.0, 99.0, 100.0]))
    fcs = FireControlState(6)
    fcs.obj[:6] = [0, 1, 2, 3, 3, -1]
    fcs.row[:6] = [-1, -1, -1, 4, -1, -1]
    fcs.dropped_at[:6] = [90.0, 0.0, 95.0, 95.0, np.nan, np.nan]
    fcs.was_confirmed[:6] = [True, True, True, True, True, False]
    fcs.consumed[:6] = [False, False, True, False, False, False]
    log = EventLog()
    pool = _post(tab, fcs, np.array([5], np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), 100.0, log)
    assert log.table().column("kind").to_pylist() == ["TrackInitiated"]
    return pool, fcs


def test_scan_events_recognises_a_reinitiated_track():
    pool, fcs = _pool_case(np.array([6.4e6 + 5.0, 0.0, 0.0]))  # 5 m from row 0's prediction: inherits object 0
    assert len(pool) == 0
    assert fcs.obj[5] == 0 and fcs.row[0] == 5 and fcs.consumed[0]
    assert not fcs.consumed[1] and fcs.row[3] == 4  # outside the window / object still tracked: untouched


def test_scan_events_new_object_outside_the_gate():
    pool, fcs = _pool_case(np.array([6.4e6 + 5000.0, 0.0, 0.0]))  # d² ≫ 16.3: its own object
    assert len(pool) == 0
    assert fcs.obj[5] == 5 and fcs.row[5] == 5 and not fcs.consumed[0] and fcs.row[0] == -1
