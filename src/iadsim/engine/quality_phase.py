"""One track-picture quality sample (every ``quality_sample_s``) as one compiled call.

:func:`picture_sample` computes, for the sample time ``t``, the scoring truth of every site (the
active objects one of its radars covers with single-look Pd ≥ 0.5), its own confirmed tracks
predicted to ``t``, the per-site GOSPA of the two (:func:`iadsim.tracking.metrics.gospa_sites`)
and the predicted states of those tracks, written into the ``QUALITY_DTYPE`` / ``STATE_DTYPE``
rows that ``engine/run.py::_picture_sample`` allocates. Truth is read here for
scoring only (no decision reads these tables).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim import npmath
from iadsim.sensors.radar import near_pair_kernel
from iadsim.tracking.kernels import cv_positions_rows, cv_predict_rows
from iadsim.tracking.metrics import gospa_sites

_NO_ALT = np.zeros(0)


@njit(cache=True, error_model="numpy")
def picture_sample(t: float, pos: np.ndarray, active: np.ndarray, rcs: np.ndarray, r_ecef: np.ndarray,
                   r_rot: np.ndarray, r_lat: np.ndarray, r_lon: np.ndarray, r_alt: np.ndarray, max_range: np.ndarray,
                   max_alt: np.ndarray, min_el: np.ndarray, boresight: np.ndarray, half_width: np.ndarray,
                   ref_range: np.ndarray, ref_rcs: np.ndarray, snr_ref: np.ndarray, pfa: np.ndarray, k_factor: float,
                   earth_radius_m: float, margin_m: float, pd_given: bool, pd_in: np.ndarray,
                   radar_site: np.ndarray, n_sites: int, alive: np.ndarray, size: int, confirmed: np.ndarray,
                   own_given: bool, own: np.ndarray, track_site: np.ndarray, track_id: np.ndarray,
                   track_truth: np.ndarray, x: np.ndarray, P: np.ndarray,
                   t_last: np.ndarray, q: float, pred_given: bool, xs_in: np.ndarray, Ps_in: np.ndarray,
                   cutoff_m: float, max_hard: int, quality: np.ndarray, states: np.ndarray):  # noqa: ANN201  # pragma: no cover - compiled  # fmt: skip
    """One picture-quality sample at ``t`` (s): truths per site, confirmed tracks, GOSPA, states.

    * truth candidates ``act``: the active objects (``active`` (N,) bool), in index order;
    * Pd (S, n) of every radar × candidate: :func:`~iadsim.sensors.radar.near_pair_kernel`
      (smooth Earth; the radar columns ``r_ecef … margin_m`` of ``radar._kernel_columns``), or
      ``pd_in`` when ``pd_given`` (terrain masking, computed by the caller); a site covers a
      candidate when one of its radars has Pd ≥ 0.5 (``site_vis`` (n_sites, n));
    * the site's tracks ``conf``: rows r < ``size`` alive and confirmed (and ``own[r]``, not a
      remote row, when ``own_given``), ascending;
    * their states at t: constant velocity p⁻ = p + Δt v (positions), and the block-form CV
      prediction of state and covariance (:func:`~iadsim.tracking.kernels.cv_predict_rows`, Δt³
      with NumPy's power) — or ``xs_in, Ps_in`` (rows of ``conf``) when ``pred_given`` (IMM);
      pos_std = √(P_xx + P_yy + P_zz);
    * GOSPA per site (c = ``cutoff_m``, p = 1, α = 2): :func:`~iadsim.tracking.metrics.gospa_sites`.

    Writes ``quality`` (n_sites,) ``QUALITY_DTYPE`` rows (time, site, GOSPA and its split, counts)
    and ``states[:m]`` (capacity ≥ m, ``STATE_DTYPE``) rows (time, site, track id, truth — scoring
    output only —, predicted state, pos_std) of the m tracks. Returns ``act`` (n,) i8,
    ``site_vis`` (n_sites, n) bool, ``conf`` (m,) i8, ``xp`` (m, 3) m and the number of sites left
    to the caller's batched solver (``gospa_sites``' return: their ``quality`` rows hold 0 and −1
    counts for the caller to fill).
    """
    N = active.shape[0]
    n = 0
    for i in range(N):
        if active[i]:
            n += 1
    act = np.empty(n, np.int64)
    a = 0
    for i in range(N):
        if active[i]:
            act[a] = i
            a += 1
    S = radar_site.shape[0]
    site_vis = np.zeros((n_sites, n), np.bool_)
    if n:
        if pd_given:
            pd = pd_in
        else:
            pd = np.zeros((S, n))
            if S:
                tgt = np.empty((n, 3))
                r = np.empty(n)
                for j in range(n):
                    tgt[j] = pos[act[j]]
                    r[j] = rcs[act[j]]
                near_pair_kernel(r_ecef, r_rot, r_lat, r_lon, r_alt, max_range, max_alt, min_el, boresight, half_width,
                                 ref_range, ref_rcs, snr_ref, pfa, k_factor, earth_radius_m, margin_m, tgt, r, False,
                                 _NO_ALT, pd, np.zeros((S, n)), np.zeros((S, n, 3)))  # fmt: skip
        for s in range(S):
            for j in range(n):
                if pd[s, j] >= 0.5:
                    site_vis[radar_site[s], j] = True
    m = 0
    for r0 in range(size):
        if alive[r0] and confirmed[r0] and (not own_given or own[r0]):
            m += 1
    conf = np.empty(m, np.int64)
    b = 0
    for r0 in range(size):
        if alive[r0] and confirmed[r0] and (not own_given or own[r0]):
            conf[b] = r0
            b += 1
    if pred_given:
        xs, Ps = xs_in, Ps_in
        xp = np.empty((m, 3))
        for j in range(m):
            for c in range(3):
                xp[j, c] = xs[j, c]
    else:
        xp = cv_positions_rows(x, t_last, conf, t)
        dt = np.empty(m)
        dt3 = np.empty(m)
        for j in range(m):
            dt[j] = t - t_last[conf[j]]
            dt3[j] = npmath.pow(dt[j], 3.0)
        xs, Ps = cv_predict_rows(x, P, conf, dt, dt3, q)
    pos_std = np.empty(m)
    for j in range(m):
        pos_std[j] = np.sqrt(Ps[j, 0, 0] + Ps[j, 1, 1] + Ps[j, 2, 2])
    est_site = np.empty(m, np.int64)
    for j in range(m):
        est_site[j] = track_site[conf[j]]
    f = np.zeros((n_sites, 4))
    k = np.zeros((n_sites, 4), np.int64)
    n_bad = gospa_sites(pos, act, site_vis, xp, est_site, cutoff_m, 1.0, max_hard, f, k)
    for s in range(n_sites):
        q = quality[s]
        q.time_s = t
        q.site = s
        q.gospa_m = f[s, 0]
        q.localisation_m = f[s, 1]
        q.missed_m = f[s, 2]
        q.false_m = f[s, 3]
        q.n_truth = k[s, 0]
        q.n_tracks = k[s, 1]
        q.n_missed = k[s, 2]
        q.n_false = k[s, 3]
    for j in range(m):
        r0 = conf[j]
        o = states[j]
        o.time_s = t
        o.site = track_site[r0]
        o.track = track_id[r0]
        o.threat = track_truth[r0]
        o.x_m = xs[j, 0]
        o.y_m = xs[j, 1]
        o.z_m = xs[j, 2]
        o.vx_mps = xs[j, 3]
        o.vy_mps = xs[j, 4]
        o.vz_mps = xs[j, 5]
        o.pos_std_m = pos_std[j]
    return act, site_vis, conf, xp, n_bad
