"""One picture-quality sample as one compiled call (engine/quality_phase.picture_sample) against the
former NumPy bodies of ``engine/run.py::_picture_quality`` / ``_track_states``, kept below as the
reference, on the turkey-2017 world at a time with many threats in flight and a hand-filled track
table (confirmed and unconfirmed, dead, remote rows, tracks far from any threat)."""

from __future__ import annotations

import numpy as np

from iadsim.engine.run import QUALITY_DTYPE, STATE_DTYPE, _picture_sample
from iadsim.engine.world import compile_world
from iadsim.rng import make_streams
from iadsim.scenario.catalog import load_catalog
from iadsim.scenario.load import load_scenario
from iadsim.sensors import radar as radar_mod
from iadsim.tracking import association as _association
from iadsim.tracking.manager import TrackTable
from iadsim.tracking.metrics import gospa_ospa, gospa_sites


def _ref_states(tracks, t, own=None):
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


def _ref_quality(world, tracks, t, pos, active, radar_site, cutoff_m, own=None):
    n_sites = len(world.site_names)
    out = np.zeros(n_sites, QUALITY_DTYPE)
    act = active.nonzero()[0]
    if len(act):
        pd = radar_mod._near_pairs(world.radars, pos[act], world.sensed.rcs_m2[act], None)[0]
        vis = pd >= 0.5
        site_vis = np.zeros((n_sites, len(act)), bool)
        np.logical_or.at(site_vis, radar_site, vis)
    else:
        site_vis = np.zeros((n_sites, 0), bool)
    live = tracks.live_rows()
    conf = live[tracks.confirmed[live]]
    if own is not None:
        conf = conf[own[conf]]
    xp = tracks.predicted_positions(conf, t) if len(conf) else np.zeros((0, 3))
    conf_site = tracks.site[conf]
    out["time_s"] = t
    out["site"] = np.arange(n_sites)
    f, k = np.zeros((n_sites, 4)), np.zeros((n_sites, 4), np.int64)
    if gospa_sites(pos, act, site_vis, xp, conf_site, float(cutoff_m), 1.0, _association._LSA_BATCH_TRACKS, f, k):
        for s in np.flatnonzero(k[:, 2] < 0):
            g = gospa_ospa(xp[conf_site == s], pos[act[site_vis[s]]], cutoff_m, 1.0)
            f[s] = (g.gospa, g.localisation, g.missed, g.false)
            k[s, 2:] = (g.n_missed, g.n_false)
    out["gospa_m"], out["localisation_m"], out["missed_m"], out["false_m"] = f.T
    out["n_truth"], out["n_tracks"], out["n_missed"], out["n_false"] = k.T
    return out


def _setup(seed: int):
    world = compile_world(load_scenario("turkey-2017"), load_catalog(), make_streams(1))
    th = world.sensed
    N, n_sites = len(th), len(world.site_names)
    t = float(np.nanmedian(th.launch_time_s)) + 400.0
    pos = th.mover.state(t).pos_ecef_m
    rng = np.random.default_rng(seed)
    active = rng.random(N) < 0.8
    tracks = TrackTable(n_sites=n_sites, n_threats=N, q_m2ps3=25.0)
    m = 3 * N
    tracks.size = m
    truth = rng.integers(0, N, m)
    tracks.truth[:m] = truth
    tracks.id[:m] = np.arange(m) + 100
    tracks.site[:m] = rng.integers(0, n_sites, m)
    tracks.x[:m, :3] = pos[truth] + rng.normal(0.0, 300.0, (m, 3))
    tracks.x[:m, :3][rng.random(m) < 0.2] += 50_000.0  # far from every threat: false tracks
    tracks.x[:m, 3:] = rng.normal(0.0, 200.0, (m, 3))
    a = rng.normal(0.0, 30.0, (m, 6, 6))
    tracks.P[:m] = a @ a.transpose(0, 2, 1) + np.eye(6) * 100.0
    tracks.t_s[:m] = t - rng.uniform(0.0, 12.0, m)
    tracks.alive[:m] = rng.random(m) < 0.85
    tracks.confirmed[:m] = rng.random(m) < 0.7
    radar_site = np.asarray(world.radars.site_index, np.int64)
    own = rng.random(m) < 0.75
    return world, tracks, t, pos, active, radar_site, own


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


def test_compiled_sample_equals_the_former_numpy_bodies() -> None:
    for seed in (1, 2, 3):
        world, tracks, t, pos, active, radar_site, own = _setup(seed)
        for o in (None, own):
            for cutoff in (1000.0, 20_000.0):
                q, st = _picture_sample(world, tracks, t, pos, active, radar_site, cutoff, o)
                _same(q, _ref_quality(world, tracks, t, pos, active, radar_site, cutoff, o))
                _same(st, _ref_states(tracks, t, o))
                assert q["n_truth"].sum() > 0 and len(st) > 0 and q["n_false"].sum() > 0


def test_batched_solver_sites_equal_the_former_bodies(monkeypatch) -> None:
    """Sites with more ambiguous truths than the compiled assignment takes (here lowered to 2) go
    to the batched solver, in both versions."""
    from iadsim.engine import run

    monkeypatch.setattr(_association, "_LSA_BATCH_TRACKS", 2)
    solved = []
    monkeypatch.setattr(run, "gospa_ospa", lambda *a: solved.append(1) or gospa_ospa(*a))
    world, tracks, t, pos, active, radar_site, own = _setup(5)
    q, st = _picture_sample(world, tracks, t, pos, active, radar_site, 50_000.0, own)
    _same(q, _ref_quality(world, tracks, t, pos, active, radar_site, 50_000.0, own))
    _same(st, _ref_states(tracks, t, own))
    assert solved and (q["n_missed"] >= 0).all()  # the batched solver ran and filled its sites


def test_empty_picture() -> None:
    world, tracks, t, pos, active, radar_site, _ = _setup(4)
    tracks.alive[:] = False
    q, st = _picture_sample(world, tracks, t, pos, np.zeros_like(active), radar_site, 1000.0)
    assert len(st) == 0 and (q["gospa_m"] == 0).all() and (q["n_truth"] == 0).all()
    assert q["site"].tolist() == list(range(len(world.site_names))) and (q["time_s"] == t).all()
