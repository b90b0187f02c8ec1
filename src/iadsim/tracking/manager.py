"""Per-site track management for the engine (first fidelity level: ``truth`` association).

All tracks of all sites live in one table of arrays (``x`` (K, 6) ECEF position+velocity,
``P`` (K, 6, 6)), grown by doubling. Each site tracks from its own radars' detections only (no
network sharing at this level). Per scan:

1. tracks whose site had a scanning radar that covers the track's predicted position get a scan
   *opportunity*;
2. detections are associated to tracks (``truth``: by the threat that caused them — perfect
   association, the engagement-study baseline; ``gnn``/``jpda`` come with the tracking model);
3. associated tracks are predicted to the scan time and updated (converted measurement, CV model,
   Joseph form); several detections of one track in one scan are applied one after another;
4. unassociated detections start tentative tracks (position from the measurement, velocity 0 with
   a broad prior);
5. M-of-N confirmation over the last N opportunities; a track is dropped after ``drop_misses``
   consecutive missed opportunities, unless it is ``protected`` (an engaged track maintained by
   a fire-control radar: the engine sets the mask and decides its loss).

Motion model (constructor ``model=``): ``cv`` (nearly constant velocity) or ``imm`` — an
interacting multiple model of CV and two coordinated turns at ±ω about the local vertical
(:func:`ct3_F`), mixed with a dwell-time Markov matrix (:func:`imm_transition`); see
docs/models.md "IMM in the engine's track table".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iadsim.tracking import kalman, kernels
from iadsim.tracking.models import cv_Q, position_H

H3 = position_H(3)

#: Mode order of the engine's IMM: constant velocity, left turn (+ω), right turn (−ω).
IMM_MODES = ("cv", "ct+", "ct-")


def cross_matrix(u: np.ndarray) -> np.ndarray:
    """Skew matrices [u]× (N, 3, 3) of vectors ``u`` (N, 3): [u]× v = u × v."""
    K = np.zeros(u.shape[:-1] + (3, 3))
    K[..., 0, 1], K[..., 0, 2] = -u[..., 2], u[..., 1]
    K[..., 1, 0], K[..., 1, 2] = u[..., 2], -u[..., 0]
    K[..., 2, 0], K[..., 2, 1] = -u[..., 1], u[..., 0]
    return K


def ct3_F(dt_s: np.ndarray, omega_radps: float, up: np.ndarray) -> np.ndarray:
    """Coordinated-turn transition in 3-D about the unit axis ``up`` (N, 3) at known rate ω.

    The velocity turns about u at rate ω (Rodrigues, K = [u]×, s = sin ωT, c = cos ωT):
        v' = R v,  R = I + s K + (1 − c) K²
        p' = p + A v,  A = ∫₀ᵀ R(ωt) dt = T I + ((1 − c)/ω) K + (T − s/ω) K²
    so F = [[I, A], [0, R]] for the state [p, v]. The velocity component along u is unchanged
    (K u = 0): a level turn keeps the climb rate. ω > 0 turns counter-clockwise seen from +u
    (a left turn when u is the local up); ω → 0 gives the CV transition.

    Parameters
    ----------
    dt_s : (N,) intervals T [s]; omega_radps : turn rate ω [rad/s]; up : (N, 3) unit axes.

    Returns
    -------
    (N, 6, 6) transition matrices.
    """
    return ct3_F_pair(dt_s, omega_radps, up)[0]


def ct3_F_pair(dt_s: np.ndarray, omega_radps: float, up: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ct3_F` at +ω and −ω in one pass (s and (1 − c)/ω are odd in ω, 1 − c and
    T − s/ω even, so F(−ω) only flips the signs of the K terms). Returns (F(+ω), F(−ω))."""
    T = np.asarray(dt_s, float)
    K = cross_matrix(up)
    K2 = K @ K
    w = float(omega_radps)
    s, c = np.sin(w * T), np.cos(w * T)
    if abs(w) < 1e-12:
        a1, a2 = np.zeros_like(T), np.zeros_like(T)
    else:
        a1, a2 = (1.0 - c) / w, T - s / w
    sK = s[:, None, None] * K
    a1K = a1[:, None, None] * K
    even_R = (1.0 - c)[:, None, None] * K2
    even_A = a2[:, None, None] * K2
    out = []
    for sign in (1.0, -1.0):
        F = np.zeros(T.shape + (6, 6))
        F[:, :3, 3:] = even_A + sign * a1K
        F[:, 3:, 3:] = even_R + sign * sK
        i3 = np.arange(3)
        F[:, i3, i3] = 1.0
        F[:, 3 + i3, 3 + i3] += 1.0
        F[:, i3, 3 + i3] += T[:, None]
        out.append(F)
    return out[0], out[1]


def imm_transition(dt_s: np.ndarray, sojourn_s: float, r: int = 3) -> np.ndarray:
    """Mode transition matrices Π(Δt) (N, r, r) of a symmetric continuous-time Markov chain.

    Each mode is left at rate 1/τ (τ = ``sojourn_s``, the mean time spent in a mode), to each
    other mode equally. For this chain (generator Λ = (J − r I)/(τ (r − 1)), J all ones):
        Π_ii(Δt) = 1/r + (1 − 1/r) e^{−r Δt / ((r − 1) τ)},  Π_ij = (1 − Π_ii)/(r − 1)
    so Π(0) = I (no switching within one instant) and Π(∞) = J/r (the modes are forgotten).
    """
    dt = np.asarray(dt_s, float)
    stay = 1.0 / r + (1.0 - 1.0 / r) * np.exp(-r * dt / ((r - 1) * float(sojourn_s)))
    off = (1.0 - stay) / (r - 1)
    Pi = np.empty(dt.shape + (r, r))
    Pi[...] = off[..., None, None]
    ii = np.arange(r)
    Pi[..., ii, ii] = stay[..., None]
    return Pi


def _as_rows(rows: np.ndarray) -> np.ndarray:
    """Row indices as a contiguous int64 array (a boolean mask becomes its nonzero rows)."""
    if type(rows) is np.ndarray and rows.dtype == np.int64 and rows.ndim == 1 and rows.flags.c_contiguous:
        return rows
    rows = np.asarray(rows)
    if rows.dtype == np.bool_:
        return np.flatnonzero(rows)
    return np.ascontiguousarray(rows.reshape(-1), np.int64)


@dataclass
class TrackEvents:
    """What changed in one scan (row indices into the table and their ids)."""

    initiated: np.ndarray
    confirmed: np.ndarray
    dropped: np.ndarray


class TrackTable:
    """Struct-of-arrays track store with per-site truth association."""

    id: np.ndarray  # (K,) int64 stable track ids
    site: np.ndarray  # (K,) site index
    truth: np.ndarray  # (K,) threat that initiated the track (−1: clutter)
    x: np.ndarray  # (K, 6) ECEF position, velocity
    P: np.ndarray  # (K, 6, 6)
    t_s: np.ndarray  # (K,) time of the last update
    hits: np.ndarray  # (K,) uint32 hit history over the last N opportunities
    misses: np.ndarray  # (K,) consecutive missed opportunities
    alive: np.ndarray  # (K,) bool
    confirmed: np.ndarray  # (K,) bool
    #: (K,) bool, set by the engine: tracks a fire-control radar maintains for an engagement are
    #: not dropped on search misses (their own dwells update them; the engine decides their loss)
    protected: np.ndarray

    def __init__(
        self,
        n_sites: int,
        n_threats: int,
        q_m2ps3: float,
        confirm_m: int = 2,
        confirm_n: int = 3,
        drop_misses: int = 3,
        prior_vel_std_mps: float = 1000.0,
        capacity: int = 256,
        association: str = "truth",
        gate: float = 4.0,
        pd: float = 0.8,
        clutter_density_per_m3: float = 1e-15,
        model: str = "cv",
        imm_turn_rate_radps: float = float(np.deg2rad(3.0)),
        imm_sojourn_s: float = 30.0,
        imm_mu0: tuple[float, float, float] = (0.8, 0.1, 0.1),
    ) -> None:
        from iadsim.errors import InputError
        from iadsim.tracking.association import _LSA_BATCH_TRACKS, make_associator

        if model not in ("cv", "imm"):
            raise InputError(f"tracking model must be 'cv' or 'imm' (got {model!r})")
        self.model = model
        self.imm_w = float(imm_turn_rate_radps)
        self.imm_tau = float(imm_sojourn_s)
        self.imm_mu0 = np.asarray(imm_mu0, float) / float(np.sum(imm_mu0))

        self.association = association
        self.associator = make_associator(association) if association != "truth" else None
        self._lsa_batch = _LSA_BATCH_TRACKS  # ambiguous tracks the compiled assignment takes
        self.gate, self.pd, self.clutter_density = float(gate), float(pd), float(clutter_density_per_m3)
        self.q = float(q_m2ps3)
        self.m, self.n, self.drop_misses = int(confirm_m), int(confirm_n), int(drop_misses)
        self.prior_vel_var = float(prior_vel_std_mps) ** 2
        self._next_id = 0
        self.size = 0
        self._alloc(capacity)
        # truth association: slot[site, threat] → row of the live track (−1 none)
        self.slot = np.full((n_sites, n_threats), -1, dtype=np.int64)

    def _alloc(self, cap: int) -> None:
        def grow(name: str, shape: tuple[int, ...], dtype: type, fill: float | int) -> None:
            new: np.ndarray = np.full((cap,) + shape, fill, dtype=dtype)
            old = getattr(self, name, None)
            if old is not None:
                new[: self.size] = old[: self.size]
            setattr(self, name, new)

        grow("id", (), np.int64, -1)
        grow("site", (), np.int64, -1)
        grow("truth", (), np.int64, -1)
        grow("x", (6,), np.float64, 0.0)
        grow("P", (6, 6), np.float64, 0.0)
        grow("t_s", (), np.float64, 0.0)
        grow("hits", (), np.uint32, 0)
        grow("misses", (), np.int64, 0)
        grow("alive", (), bool, False)
        grow("confirmed", (), bool, False)
        grow("protected", (), bool, False)
        if self.model == "imm":  # model-conditioned states and mode probabilities (IMM_MODES)
            r = len(IMM_MODES)
            grow("xs", (r, 6), np.float64, 0.0)
            grow("Ps", (r, 6, 6), np.float64, 0.0)
            grow("mu", (r,), np.float64, 0.0)
        self.capacity = cap

    # ------------------------------------------------------------------------------------
    def predicted(self, rows: np.ndarray, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        """States and covariances of ``rows`` predicted to ``t_s`` (pure; the table is unchanged).

        ``model='imm'``: the IMM combination of the model-conditioned predictions
        (:meth:`_imm_predicted`). ``model='cv'``:

        Constant velocity in block form (the same numbers as :func:`kalman.predict` with
        F = [[I, Δt I], [0, I]] and the CV process noise Q, without building F):
        p⁻ = p + Δt v;  P⁻_pp = P_pp + Δt (P_pv + P_vp) + Δt² P_vv + q Δt³/3 I;
        P⁻_pv = P_pv + Δt P_vv + q Δt²/2 I;  P⁻_vv = P_vv + q Δt I.
        """
        if self.model == "imm":
            xs, Ps, cbar = self._imm_predicted(rows, t_s)
            return kalman.imm_combine(cbar, xs, Ps)
        rows = _as_rows(rows)
        dt = float(t_s) - self.t_s[rows]
        return kernels.cv_predict_rows(self.x, self.P, rows, dt, kernels.cube(dt), self.q)

    def predicted_positions(self, rows: np.ndarray, t_s: float) -> np.ndarray:
        """(n, 3) predicted positions of ``rows`` at ``t_s`` (the position part of :meth:`predicted`).

        ``model='cv'``: p⁻ = p + Δt v, the same arithmetic as :meth:`predicted` without the
        covariance; ``model='imm'``: the position of the IMM combination.
        """
        if self.model == "imm":
            return self.predicted(rows, t_s)[0][:, :3]
        return kernels.cv_positions_rows(self.x, self.t_s, _as_rows(rows), float(t_s))

    def _cv_predicted(self, x: np.ndarray, P: np.ndarray, dt_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Block-form CV prediction of states ``x`` (n, 6), ``P`` (n, 6, 6) over ``dt_s`` (n,) [s]
        (compiled: :func:`kernels.cv_predict`, the equations of :meth:`predicted`)."""
        x = np.ascontiguousarray(x, np.float64)
        P = np.ascontiguousarray(P, np.float64)
        dt = np.ascontiguousarray(np.broadcast_to(np.asarray(dt_s, np.float64), (x.shape[0],)))
        return kernels.cv_predict(x, P, dt, kernels.cube(dt), self.q)

    def _imm_predicted(self, rows: np.ndarray, t_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """IMM interaction and model-conditioned prediction of ``rows`` to ``t_s`` (pure).

        Π = :func:`imm_transition` (Δt, τ); mixing by :func:`kalman.imm_mix`; then per model
        x⁻_j = F_j x0_j, P⁻_j = F_j P0_j F_jᵀ + Q with F_cv = [[I, Δt I], [0, I]], F_ct± =
        :func:`ct3_F` (±ω, u = p/|p|, the geocentric up of the track) and the CV process noise Q.
        Returns (xs (r, n, 6), Ps (r, n, 6, 6), c̄ (n, r)).
        """
        dt = t_s - self.t_s[rows]
        Pi = imm_transition(dt, self.imm_tau, len(IMM_MODES))
        mu = self.mu[rows]
        xs_in = np.swapaxes(self.xs[rows], 0, 1)
        Ps_in = np.swapaxes(self.Ps[rows], 0, 1)
        # imm_mix takes one Π; Π depends on each track's Δt, so mix with the per-track matrices
        cbar = np.einsum("ni,nij->nj", mu, Pi)
        w = mu[:, :, None] * Pi / np.maximum(cbar[:, None, :], 1e-300)  # μ_{i|j} (n, i, j)
        x0 = np.einsum("nij,ink->jnk", w, xs_in)
        dx = xs_in[:, None] - x0[None]
        P0 = kalman.symmetrize(np.einsum("nij,ijnkl->jnkl", w, Ps_in[:, None] + dx[..., :, None] * dx[..., None, :]))
        up = x0[0, :, :3] / np.maximum(np.linalg.norm(x0[0, :, :3], axis=1), 1.0)[:, None]
        xs = np.empty_like(x0)
        Ps = np.empty_like(P0)
        xs[0], Ps[0] = self._cv_predicted(x0[0], P0[0], dt)
        Q = cv_Q(dt, self.q, 3)
        F_left, F_right = ct3_F_pair(dt, self.imm_w, up)
        for j, F in ((1, F_left), (2, F_right)):  # loop over the two turn models, not over tracks
            xs[j], Ps[j] = kalman.predict(x0[j], P0[j], F, Q)
        return xs, Ps, cbar

    def _update_rows(self, rows: np.ndarray, t_s: float, z: np.ndarray, R: np.ndarray) -> None:
        """Predict ``rows`` to ``t_s`` and update each with one detection ``z`` (n, 3), ``R`` (n, 3, 3).

        CV: Kalman update in Joseph form. IMM: the update of every model-conditioned state,
        mode probabilities μ_j ∝ Λ_j c̄_j with Λ_j = N(y_j; 0, S_j), and the combination."""
        if self.model == "imm":
            xs, Ps, cbar = self._imm_predicted(rows, t_s)
            lik = np.empty((len(IMM_MODES), len(rows)))
            for j in range(len(IMM_MODES)):  # loop over models
                xs[j], Ps[j], y, S = kalman.update(xs[j], Ps[j], z, H3, R)
                lik[j] = kalman.gaussian_likelihood(y, S)
            mu = kalman.imm_mode_probabilities(cbar, lik)
            self._store_imm(rows, t_s, xs, Ps, mu)
            return
        xp, Pp = self.predicted(rows, t_s)
        self._store_update(rows, t_s, xp, Pp, z, R)

    def _store_update(self, rows: np.ndarray, t_s: float, xp: np.ndarray, Pp: np.ndarray, z: np.ndarray,
                      R: np.ndarray) -> None:
        """CV: Kalman update (Joseph form, :func:`kalman.update`) of the predictions ``xp`` (n, 6),
        ``Pp`` (n, 6, 6) of ``rows`` with ``z`` (n, 3), ``R`` (n, 3, 3), written into the table."""
        xn, Pn, _, _ = kalman.update(xp, Pp, z, H3, R)
        self.x[rows], self.P[rows], self.t_s[rows] = xn, Pn, t_s

    def _store_imm(self, rows: np.ndarray, t_s: float, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray) -> None:
        """Write model-conditioned states, μ, and their combination x, P into the table."""
        self.xs[rows], self.Ps[rows], self.mu[rows] = np.swapaxes(xs, 0, 1), np.swapaxes(Ps, 0, 1), mu
        self.x[rows], self.P[rows] = kalman.imm_combine(mu, xs, Ps)
        self.t_s[rows] = t_s

    def _imm_pda_rows(self, rows: np.ndarray, t_s: float, zd: np.ndarray, R: np.ndarray, a: object,
                      off: np.ndarray) -> None:
        """IMM-PDA update (JPDA association) of ``rows``: each model gets the PDA update with the
        common association probabilities β; mode likelihood (up to a common factor)
        Λ_j = (1 − P_D P_G) + (P_D/λ) Σ_i N(y_ij; 0, S_j) over the gated detections i."""
        from scipy.stats import chi2

        from iadsim.tracking.mtt import pda_update

        xs, Ps, cbar = self._imm_predicted(rows, t_s)
        ti, dj = a.pair_track, a.pair_det  # type: ignore[attr-defined]
        b = 1.0 - self.pd * float(chi2.cdf(self.gate**2, 3))
        lik = np.empty((len(IMM_MODES), len(rows)))
        for j in range(len(IMM_MODES)):
            xo = xs[j].copy()
            xo[:, 0] += off
            y = zd[dj] - xo[ti, :3]
            S = Ps[j][ti, :3, :3] + R[dj]
            g = kalman.gaussian_likelihood(y, S) * self.pd / max(self.clutter_density, 1e-300)
            lik[j] = b + np.bincount(ti, weights=g, minlength=len(rows))
            xn, Pn = pda_update(xo, Ps[j], zd, R, a)  # type: ignore[arg-type]
            xn[:, 0] -= off
            xs[j], Ps[j] = xn, Pn
        mu = kalman.imm_mode_probabilities(cbar, lik)
        self._store_imm(rows, t_s, xs, Ps, mu)

    def live_rows(self) -> np.ndarray:
        return np.flatnonzero(self.alive[: self.size])

    def step(
        self,
        t_s: float,
        det_site: np.ndarray,
        det_threat: np.ndarray,
        z_ecef_m: np.ndarray,
        R_ecef: np.ndarray,
        opportunity_rows: np.ndarray,
        det_rank: np.ndarray | None = None,
    ) -> TrackEvents:
        """One scan: associate, update, initiate, confirm, drop.

        ``det_*`` (M,) and ``z_ecef_m`` (M,3), ``R_ecef`` (M,3,3) are this tick's detections
        (``det_threat`` is the truth label, −1 for clutter: used by ``truth`` association and to
        label tracks for scoring, never by ``gnn``/``jpda``); ``opportunity_rows`` are live tracks
        that a scanning radar of their site covered.
        """
        if self.association == "gnn" and self.model == "cv":
            return self._step_gnn_cv(t_s, det_site, det_threat, z_ecef_m, R_ecef, opportunity_rows, det_rank)
        if self.associator is not None:
            return self._step_associator(t_s, det_site, det_threat, z_ecef_m, R_ecef, opportunity_rows, det_rank)
        M = len(det_site)
        if M and (det_threat < 0).any():  # truth association ignores false alarms
            keep = det_threat >= 0
            det_site, det_threat, z_ecef_m, R_ecef = det_site[keep], det_threat[keep], z_ecef_m[keep], R_ecef[keep]
            M = len(det_site)
        rows = self.slot[det_site, det_threat] if M else np.zeros(0, np.int64)
        # --- initiate tracks for (site, threat) pairs without one: the first detection of each pair
        new_mask = rows < 0
        init_rows = np.zeros(0, np.int64)
        first_of_new = np.zeros(0, np.int64)
        if new_mask.any():
            key = det_site[new_mask] * (self.slot.shape[1] + 1) + det_threat[new_mask]
            _, first = np.unique(key, return_index=True)
            first_of_new = np.flatnonzero(new_mask)[np.sort(first)]
            init_rows = self._initiate(t_s, det_site[first_of_new], det_threat[first_of_new],
                                       z_ecef_m[first_of_new], R_ecef[first_of_new])  # fmt: skip
            self.slot[det_site[first_of_new], det_threat[first_of_new]] = init_rows
            rows = self.slot[det_site, det_threat]
        # --- updates: every detection not used for initiation
        used = np.zeros(M, bool)
        used[first_of_new] = True
        upd = np.flatnonzero(~used)
        if len(upd):
            r = rows[upd]
            # apply several detections of one track in rounds (rank within the track's group)
            order = np.argsort(r, kind="stable")
            r_sorted = r[order]
            starts = np.r_[True, r_sorted[1:] != r_sorted[:-1]]
            grp_start = np.maximum.accumulate(np.where(starts, np.arange(len(r_sorted)), 0))
            rank = np.arange(len(r_sorted)) - grp_start
            for k in range(int(rank.max()) + 1):
                sel = order[rank == k]
                rr = r[sel]
                d = upd[sel]
                self._update_rows(rr, t_s, z_ecef_m[d], R_ecef[d])
        hit_rows = np.unique(rows[upd]) if len(upd) else np.zeros(0, np.int64)
        return self._bookkeeping(hit_rows, init_rows, opportunity_rows)

    def _initiate(self, t_s: float, site: np.ndarray, truth: np.ndarray, z: np.ndarray, R: np.ndarray) -> np.ndarray:
        """Start tentative tracks from detections; returns their rows."""
        k = len(site)
        if self.size + k > self.capacity:
            self._alloc(max(2 * self.capacity, self.size + k))
        rows = np.arange(self.size, self.size + k)
        self.size += k
        self.id[rows] = np.arange(self._next_id, self._next_id + k)
        self._next_id += k
        self.site[rows] = site
        self.truth[rows] = truth
        x0 = np.zeros((k, 6))
        x0[:, :3] = z
        P0 = np.zeros((k, 6, 6))
        P0[:, :3, :3] = R
        P0[:, 3:, 3:] = np.eye(3) * self.prior_vel_var
        self.x[rows], self.P[rows] = x0, P0
        self.t_s[rows] = t_s
        self.hits[rows] = 1
        self.misses[rows] = 0
        self.alive[rows] = True
        self.confirmed[rows] = self.m <= 1
        if self.model == "imm":
            self.xs[rows] = x0[:, None, :]
            self.Ps[rows] = P0[:, None, :, :]
            self.mu[rows] = self.imm_mu0
        return rows

    def _step_gnn_cv(self, t_s: float, det_site: np.ndarray, det_threat: np.ndarray, z: np.ndarray, R: np.ndarray,
                     opportunity_rows: np.ndarray, det_rank: np.ndarray | None = None) -> TrackEvents:  # fmt: skip
        """gnn association with the CV model: the whole scan in one compiled call
        (:func:`kernels.gnn_cv_step`: rounds by radar rank as in :meth:`_step_associator`,
        association, Kalman updates, initiation, M-of-N confirmation and drops).

        Python only grows the table to room for every detection starting a track and takes Δt³
        with NumPy's power (:func:`kernels.cube`); a round with more than ``_LSA_BATCH_TRACKS``
        ambiguous tracks is handed back once for the batched assignment
        (:func:`association.assign_sparse`) and the kernel resumes there.
        """
        M = len(det_site)
        if self.size + M > self.capacity:
            self._alloc(max(2 * self.capacity, self.size + M))
        size0 = self.size
        i64, f64 = np.int64, np.float64
        det_site = np.ascontiguousarray(det_site, i64)
        det_threat = np.ascontiguousarray(det_threat, i64)
        rank = np.zeros(M, i64) if det_rank is None else np.ascontiguousarray(det_rank, i64)
        z = np.ascontiguousarray(z, f64).reshape(M, 3)
        R = np.ascontiguousarray(R, f64).reshape(M, 3, 3)
        opp = _as_rows(opportunity_rows)
        t = float(t_s)
        dt3 = kernels.cube(t - self.t_s[:size0]) if M else self.t_s[:0]
        flag = np.zeros(self.capacity, np.int8)
        k, size, next_id, a, n_round, ints, gd2 = kernels.gnn_cv_step(
            t, det_site, det_threat, rank, z, R, opp, dt3, self.x, self.P, self.t_s, self.site, self.truth, self.id,
            self.hits, self.misses, self.alive, self.confirmed, self.protected, self.slot, flag, size0, self._next_id,
            self.q, self.gate, self._lsa_batch, self.prior_vel_var, self.n, self.m, self.drop_misses, 0,
            np.zeros(0, i64))  # fmt: skip
        if k >= 0:
            return self._gnn_cv_resume(t, det_site, det_threat, rank, z, R, opp, dt3, flag, size0, size, next_id, k, a,
                                       n_round, ints, gd2)  # fmt: skip
        self.size, self._next_id = size, next_id
        return TrackEvents(np.arange(size0, size, dtype=i64), ints[:a], ints[a:])

    def _gnn_cv_resume(self, t: float, det_site: np.ndarray, det_threat: np.ndarray, rank: np.ndarray, z: np.ndarray,
                       R: np.ndarray, opp: np.ndarray, dt3: np.ndarray, flag: np.ndarray, size0: int, size: int,
                       next_id: int, k: int, a: int, n_round: int, ints: np.ndarray, gd2: np.ndarray) -> TrackEvents:  # fmt: skip
        """Resume a gnn-CV scan (:func:`kernels.gnn_cv_step`) that handed round ``k`` back: its batched
        assignment (:func:`association.assign_sparse`; ``ints`` = [round rows (a) | gated track |
        gated det], ``gd2`` the gated pairs' d², ``n_round`` its detections), then the kernel from
        round ``k`` with the same ``flag`` and Δt³ (``dt3``), until the scan is done. ``size0``: the
        table size when the scan began; ``size, next_id``: after the rounds applied so far."""
        from iadsim.tracking.association import assign_sparse

        i64 = np.int64
        while k >= 0:
            g = len(gd2)
            j = assign_sparse(a, n_round, ints[a : a + g], ints[a + g :], np.sqrt(gd2), self.gate)
            k, size, next_id, a, n_round, ints, gd2 = kernels.gnn_cv_step(
                t, det_site, det_threat, rank, z, R, opp, dt3, self.x, self.P, self.t_s, self.site, self.truth,
                self.id, self.hits, self.misses, self.alive, self.confirmed, self.protected, self.slot, flag, size,
                next_id, self.q, self.gate, self._lsa_batch, self.prior_vel_var, self.n, self.m, self.drop_misses, k,
                j)  # fmt: skip
        self.size, self._next_id = size, next_id
        return TrackEvents(np.arange(size0, size, dtype=i64), ints[:a], ints[a:])

    def _step_associator(self, t_s: float, det_site: np.ndarray, det_threat: np.ndarray, z: np.ndarray,
                         R: np.ndarray, opportunity_rows: np.ndarray, det_rank: np.ndarray | None = None) -> TrackEvents:  # fmt: skip
        """jpda (and gnn with the IMM) association, all sites in one call per round.

        Sites are kept apart by shifting both predictions and detections by ``site × 10⁹ m`` along
        ECEF x before association (innovations are unchanged; a spatial pre-gate can never pair
        across sites), so one associator call handles every site at once. Detections are processed
        in rounds by the rank of their radar within its site (a site's second radar sees the
        tracks its first radar just updated or started), so two radars of one site seeing the
        same target never start two tracks.
        """
        M = len(det_site)
        rank = np.zeros(M, np.int64) if det_rank is None else np.asarray(det_rank, np.int64)
        hits: list[np.ndarray] = []
        inits: list[np.ndarray] = []
        if M and not rank.any():  # one round (every radar first of its site)
            h, i = self._associate_round(t_s, det_site, det_threat, z, R)
            hits.append(h)
            inits.append(i)
        else:
            for k in (np.unique(rank) if M else []):
                sel = np.flatnonzero(rank == k)
                h, i = self._associate_round(t_s, det_site[sel], det_threat[sel], z[sel], R[sel])
                hits.append(h)
                inits.append(i)
        # a row hit in two rounds appears twice: the bookkeeping counts it once
        hit_rows = (hits[0] if len(hits) == 1 else np.concatenate(hits)) if hits else np.zeros(0, np.int64)
        init_rows = (inits[0] if len(inits) == 1 else np.concatenate(inits)) if inits else np.zeros(0, np.int64)
        return self._bookkeeping(hit_rows, init_rows, opportunity_rows)

    def _associate_round(self, t_s: float, det_site: np.ndarray, det_threat: np.ndarray, z: np.ndarray,
                         R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Associate one round of detections, update, and start tracks from the unused ones
        (jpda, and gnn with the IMM; gnn with the CV model is :meth:`_step_gnn_cv`)."""
        from iadsim.tracking.mtt import pda_update

        M = len(det_site)
        hit_rows = np.zeros(0, np.int64)
        used = np.zeros(M, bool)
        if len(rows := self._round_rows(det_site)):
            xp, Pp = self.predicted(rows, t_s)
            off_t = self.site[rows].astype(float) * 1e9
            zp = xp[:, :3].copy()
            zp[:, 0] += off_t
            zd = z.copy()
            zd[:, 0] += det_site.astype(float) * 1e9
            a = self.associator.associate(  # type: ignore[union-attr]
                zp, Pp[:, :3, :3], zd, R, gate=self.gate, pd=self.pd, clutter_density=self.clutter_density
            )
            used = np.asarray(a.used, bool)
            j = np.asarray(a.det_for_track)
            if self.model == "imm" and self.association == "jpda" and a.pair_track is not None \
                    and len(a.pair_track):
                from iadsim.tracking.association import Association

                upd = np.unique(a.pair_track)  # only tracks with a gated detection are updated
                remap = np.full(len(rows), -1, np.int64)
                remap[upd] = np.arange(len(upd))
                sub = Association(a.det_for_track[upd], a.used, remap[a.pair_track], a.pair_det,
                                  a.beta, None if a.beta0 is None else a.beta0[upd])
                self._imm_pda_rows(rows[upd], t_s, zd, R, sub, off_t[upd])
            elif self.association == "jpda" and a.pair_track is not None and len(a.pair_track):
                x_off = xp.copy()
                x_off[:, 0] += off_t
                xn, Pn = pda_update(x_off, Pp, zd, R, a)
                xn[:, 0] -= off_t
                upd = np.unique(a.pair_track)
                r = rows[upd]
                self.x[r], self.P[r], self.t_s[r] = xn[upd], Pn[upd], t_s
            else:
                upd = np.flatnonzero(j >= 0)
                if len(upd):
                    self._update_rows(rows[upd], t_s, z[j[upd]], R[j[upd]])
            got = j >= 0
            hit_rows = rows[got]
            self.truth[rows[got]] = det_threat[j[got]]  # label for scoring/kill resolution only
        new = np.flatnonzero(~used)
        init_rows = self._initiate(t_s, det_site[new], det_threat[new], z[new], R[new]) if len(new) else np.zeros(0, np.int64)
        return hit_rows, init_rows

    def _round_rows(self, det_site: np.ndarray) -> np.ndarray:
        """Live rows of the sites that have a detection in ``det_site``."""
        live = self.live_rows()
        has_det = np.zeros(self.slot.shape[0], bool)
        has_det[det_site] = True
        return live[has_det[self.site[live]]]

    def _bookkeeping(self, hit_rows: np.ndarray, init_rows: np.ndarray, opportunity_rows: np.ndarray) -> TrackEvents:
        """Hit/miss history over scan opportunities; M-of-N confirmation; deletion after misses."""
        # compiled: kernels.mofn_bookkeeping (its docstring states the rule)
        init_rows = _as_rows(init_rows)
        newly_conf, drop = kernels.mofn_bookkeeping(
            self.size, _as_rows(opportunity_rows), _as_rows(hit_rows), init_rows, self.hits, self.misses,
            self.confirmed, self.protected, self.n, self.m, self.drop_misses)  # fmt: skip
        self.kill(drop)
        return TrackEvents(initiated=init_rows, confirmed=np.concatenate([init_rows[self.confirmed[init_rows]], newly_conf]), dropped=drop)

    def kill(self, rows: np.ndarray) -> None:
        """Delete tracks (their ids are never reused)."""
        rows = _as_rows(rows)
        if len(rows) == 0:
            return
        # compiled: kernels.kill_rows (alive, confirmed cleared; the truth slot released)
        kernels.kill_rows(rows, self.alive, self.confirmed, self.site, self.truth, self.slot)
