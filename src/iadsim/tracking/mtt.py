"""Batch multi-target tracker: a track table as arrays, one :meth:`MultiTargetTracker.step` per scan.

Per scan (fixed order, no per-track Python):

1. predict every track (CV model, state ``[p (d), v (d)]``) to the scan time;
2. associate **confirmed** tracks with all detections (``gnn``, ``jpda`` or ``truth``, see
   :mod:`iadsim.tracking.association`) and update them (Kalman, or PDA for JPDA);
3. delete confirmed tracks whose position-covariance trace exceeds ``delete_pos_trace_m2``
   or that missed ``miss_delete`` consecutive scans;
4. associate **tentative** tracks with the detections left over (GNN, or truth), update them,
   confirm those with ``confirm_m`` hits (in the last ``confirm_n`` scans, or since birth when
   ``confirm_n`` = 0), delete tentative tracks whose position-covariance trace exceeds
   ``tentative_pos_trace_m2`` or that can no longer reach ``confirm_m`` hits;
5. start a tentative track on every detection still unused: x = [z, 0], P = blockdiag(R, σ_v² I).

This is Stone Soup's ``MultiTargetTracker`` + ``MultiMeasurementInitiator`` +
``CovarianceBasedDeleter`` logic, so that both can be configured identically
(see ``benchmarks/compare_stonesoup.py``), with M-of-N and miss-count rules on top.
Track ids are int64, assigned once at track birth and never reused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iadsim.errors import InputError
from iadsim.tracking.association import Association, Associator, make_associator
from iadsim.tracking.kalman import (
    _t,
    gaussian_likelihood,
    imm_combine,
    imm_mix,
    imm_mode_probabilities,
    inv_small,
    predict,
    symmetrize,
    update_position,
)
from iadsim.tracking.models import ct_F, cv_F, cv_Q

TENTATIVE = np.int8(1)
CONFIRMED = np.int8(2)


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker settings (SI units).

    dim : 2 or 3 spatial dimensions; q_m2ps3 : CV process-noise intensity [m²/s³];
    sigma_m : default measurement noise std per axis [m] (used when ``step`` gets no R);
    pd : detection probability; clutter_density : false alarms per m^dim per scan (JPDA);
    gate : Mahalanobis gate (distance, not squared); association : ``gnn`` | ``jpda`` | ``truth``;
    confirm_m, confirm_n : M-of-N confirmation (``confirm_n`` = 0: M hits since birth, counting
    the initiating detection, as Stone Soup's ``min_points``); miss_delete : consecutive misses
    that delete a confirmed track (0 = off); delete_pos_trace_m2, tentative_pos_trace_m2 :
    covariance-growth deletion thresholds on tr P_pp (None = off); prior_vel_std_mps : velocity
    std of a new track; capacity : initial table size (grows by doubling).
    thresholds_per_track : if True, each track gets its own covariance-growth thresholds at
    birth from its initiating detection's R (:func:`deletion_thresholds_batch` with
    ``threshold_misses`` and ``dt_nominal_s``) instead of the two global ones — for sensors whose
    R varies strongly (range/bearing radars: cross-range σ = r σ_θ).
    motion : ``cv`` (one nearly-constant-velocity model) or ``imm`` (IMM of CV and coordinated
    turns at ±``imm_turn_rate_radps`` in the horizontal x–y plane, process noise
    ``imm_q_m2ps3`` (default ``q_m2ps3``), Markov matrix with ``imm_p_stay`` on the diagonal and the
    rest shared equally); ``imm`` supports ``gnn`` and ``truth`` association.
    """

    dim: int = 2
    q_m2ps3: float = 1.0
    sigma_m: float = 20.0
    pd: float = 0.9
    clutter_density: float = 1e-9
    gate: float = 3.0
    association: str = "gnn"
    confirm_m: int = 3
    confirm_n: int = 0
    miss_delete: int = 0
    delete_pos_trace_m2: float | None = None
    tentative_pos_trace_m2: float | None = None
    prior_vel_std_mps: float = 50.0
    capacity: int = 1024
    thresholds_per_track: bool = False
    threshold_misses: int = 5
    dt_nominal_s: float = 1.0
    motion: str = "cv"
    imm_turn_rate_radps: float = 0.1
    imm_q_m2ps3: float | None = None
    imm_p_stay: float = 0.95


@dataclass(frozen=True)
class StepResult:
    """Confirmed track picture after one scan.

    ids (K,) int64 ; x (K, 2d) state ``[p, v]`` [m, m/s] ; P (K, 2d, 2d) ; confirmed_ids: ids
    confirmed at this scan ; deleted_ids: confirmed ids dropped at this scan."""

    ids: np.ndarray
    x: np.ndarray
    P: np.ndarray
    confirmed_ids: np.ndarray
    deleted_ids: np.ndarray


def deletion_thresholds_batch(
    R: np.ndarray,
    dt_s: float,
    q_m2ps3: float,
    prior_vel_std_mps: float,
    miss_delete: int,
    confirm_m: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-track version of :func:`deletion_thresholds` for detection covariances R (B, d, d).

    Same construction, with P₀ = blockdiag(R_j, σ_v² I) and R_j in the confirming updates.
    Returns (confirmed (B,), tentative (B,)) thresholds on tr P_pp [m²].
    """
    B, d = R.shape[0], R.shape[-1]
    F, Q = cv_F(dt_s, d), cv_Q(dt_s, q_m2ps3, d)
    P = np.zeros((B, 2 * d, 2 * d))
    P[:, :d, :d] = R
    iv = np.arange(d, 2 * d)
    P[:, iv, iv] = prior_vel_std_mps**2
    tent = np.trace((F @ P @ F.T + Q)[:, :d, :d], axis1=1, axis2=2) * (1 - 1e-6)
    for _ in range(max(confirm_m - 1, 0)):
        Pp = F @ P @ F.T + Q
        Sinv, _ = inv_small(Pp[:, :d, :d] + R)
        K = Pp[:, :, :d] @ Sinv
        P = Pp - K @ Pp[:, :d, :]
    prev = np.trace(P[:, :d, :d], axis1=1, axis2=2)
    cur = prev
    for _ in range(max(miss_delete, 1)):
        P = F @ P @ F.T + Q
        prev, cur = cur, np.trace(P[:, :d, :d], axis1=1, axis2=2)
    return 0.5 * (prev + cur), tent


def deletion_thresholds(
    dim: int,
    dt_s: float,
    q_m2ps3: float,
    sigma_m: float,
    prior_vel_std_mps: float,
    miss_delete: int,
    confirm_m: int = 3,
) -> tuple[float, float]:
    """Covariance-growth thresholds on tr P_pp tied to a number of missed scans (P_D = 1 model).

    confirmed: start from a new track's prior P₀ = blockdiag(σ² I, σ_v² I), apply the
    ``confirm_m − 1`` updates that confirm it, then ``miss_delete`` predictions without update;
    the threshold lies midway between the traces after ``miss_delete − 1`` and ``miss_delete``
    predictions ⇒ a just-confirmed track is deleted at its ``miss_delete``-th consecutive miss
    (a converged track, with a smaller covariance, coasts a few scans longer).
    tentative: just below the position trace of P₀ predicted once ⇒ a new track missing its
    first follow-up is deleted; after one hit it survives one miss.
    """
    F, Q = cv_F(dt_s, dim), cv_Q(dt_s, q_m2ps3, dim)
    R = sigma_m**2 * np.eye(dim)
    P0 = np.diag([sigma_m**2] * dim + [prior_vel_std_mps**2] * dim)
    P = P0.copy()
    for _ in range(max(confirm_m - 1, 0)):
        Pp = F @ P @ F.T + Q
        K = Pp[:, :dim] @ np.linalg.inv(Pp[:dim, :dim] + R)
        P = Pp - K @ Pp[:dim, :]
    traces = [float(np.trace(P[:dim, :dim]))]
    for _ in range(max(miss_delete, 1)):
        P = F @ P @ F.T + Q
        traces.append(float(np.trace(P[:dim, :dim])))
    conf = 0.5 * (traces[-2] + traces[-1])
    tent = float(np.trace((F @ P0 @ F.T + Q)[:dim, :dim])) * (1 - 1e-6)
    return conf, tent


def pda_update(
    x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray, a: Association
) -> tuple[np.ndarray, np.ndarray]:
    """PDA/JPDA combined update for position measurements (Bar-Shalom & Tse 1975).

    ȳ = Σ_j β_j y_j ;  x⁺ = x + K ȳ ;
    P⁺ = β₀ P + (1 − β₀)(P − K S Kᵀ) + K (Σ_j β_j y_j y_jᵀ − ȳ ȳᵀ) Kᵀ,  K = P Hᵀ S⁻¹.
    With per-detection R (M, d, d), S uses the β-weighted mean R of the gated detections
    (an approximation; exact for a common R).
    """
    N, d = x.shape[0], z.shape[1]
    assert a.pair_track is not None and a.beta is not None and a.beta0 is not None
    ti, dj, beta = a.pair_track, a.pair_det, a.beta
    y = z[dj] - x[ti, :d]
    if R.ndim == 3:
        wsum = np.bincount(ti, weights=beta, minlength=N)
        Rm = np.zeros((N, d, d))
        np.add.at(Rm, ti, beta[:, None, None] * R[dj])
        Rm = np.where(wsum[:, None, None] > 0, Rm / np.maximum(wsum, 1e-300)[:, None, None], R.mean(0))
    else:
        Rm = np.broadcast_to(R, (N, d, d))
    S = symmetrize(P[:, :d, :d] + Rm)
    Sinv, _ = inv_small(S)
    K = P[:, :, :d] @ Sinv
    ybar = np.zeros((N, d))
    np.add.at(ybar, ti, beta[:, None] * y)
    spread = np.zeros((N, d, d))
    np.add.at(spread, ti, beta[:, None, None] * y[:, :, None] * y[:, None, :])
    spread -= ybar[:, :, None] * ybar[:, None, :]
    x_new = x + np.einsum("nij,nj->ni", K, ybar)
    b0 = a.beta0[:, None, None]
    Pc = P - K @ S @ _t(K)
    P_new = b0 * P + (1 - b0) * Pc + K @ spread @ _t(K)
    return x_new, symmetrize(P_new)


class MultiTargetTracker:
    """Array-based multi-target tracker; see the module docstring for the per-scan logic.

    Track table (first ``n`` rows valid): ``x`` (cap, 2d), ``P`` (cap, 2d, 2d), ``ids`` (cap,)
    int64, ``status`` (cap,) int8 (1 tentative, 2 confirmed), ``hits`` (cap,), ``misses``
    (consecutive), ``hist`` (cap,) uint64 bit history of hits (bit 0 = latest scan), ``truth``
    (cap,) int64 label of the initiating detection (only for ``truth`` association).
    """

    def __init__(self, config: TrackerConfig, associator: Associator | None = None) -> None:
        if config.dim not in (2, 3):
            raise InputError(f"tracker dim must be 2 or 3 (got {config.dim})")
        self.cfg = config
        self.associator = associator if associator is not None else make_associator(config.association)
        self._use_truth = config.association == "truth"
        d = config.dim
        n = 2 * d
        cap = max(int(config.capacity), 16)
        self.x = np.zeros((cap, n))
        self.P = np.zeros((cap, n, n))
        self.ids = np.zeros(cap, np.int64)
        self.status = np.zeros(cap, np.int8)
        self.hits = np.zeros(cap, np.int32)
        self.misses = np.zeros(cap, np.int32)
        self.hist = np.zeros(cap, np.uint64)
        self.truth = np.full(cap, -1, np.int64)
        self.thr_c = np.full(cap, np.inf)
        self.thr_t = np.full(cap, np.inf)
        self.n = 0
        self.t_s: float | None = None
        self._next_id = 0
        self._R0 = config.sigma_m**2 * np.eye(d)
        self._table = list(_TABLE)
        self._imm = config.motion == "imm"
        if config.motion not in ("cv", "imm"):
            raise InputError(f"unknown motion model {config.motion!r}; expected 'cv' or 'imm'")
        if self._imm:
            if config.association == "jpda":
                raise InputError("motion 'imm' supports association 'gnn' or 'truth', not 'jpda'")
            r = 3
            self.xs = np.zeros((cap, r, n))
            self.Ps = np.zeros((cap, r, n, n))
            self.mu = np.zeros((cap, r))
            self._table += ["xs", "Ps", "mu"]
            off = (1.0 - config.imm_p_stay) / (r - 1)
            self._Pi = np.full((r, r), off) + np.eye(r) * (config.imm_p_stay - off)
            self._mu0 = np.array([config.imm_p_stay, off, off]) / (config.imm_p_stay + 2 * off)

    # ------------------------------------------------------------------ table helpers
    def _grow(self, need: int) -> None:
        cap = self.x.shape[0]
        if need <= cap:
            return
        new = max(need, 2 * cap)
        for name in self._table:
            a = getattr(self, name)
            b = np.zeros((new,) + a.shape[1:], a.dtype)
            if name == "truth":
                b[:] = -1
            b[: self.n] = a[: self.n]
            setattr(self, name, b)

    def _compact(self, keep: np.ndarray) -> None:
        k = int(keep.sum())
        if k == self.n:
            return
        for name in self._table:
            a = getattr(self, name)
            a[:k] = a[: self.n][keep]
        self.n = k

    # ------------------------------------------------------------------ one scan
    def step(
        self,
        t_s: float,
        z: np.ndarray,
        R: np.ndarray | float | None = None,
        det_truth: np.ndarray | None = None,
    ) -> StepResult:
        """Process one scan.

        Parameters
        ----------
        t_s : scan time [s] (non-decreasing)
        z : (M, d) detected positions [m]
        R : (d, d) or (M, d, d) covariance [m²], or a scalar std σ [m]; default ``sigma_m``
        det_truth : (M,) truth labels, only for ``association='truth'``
        """
        cfg = self.cfg
        d = cfg.dim
        z = np.asarray(z, dtype=float).reshape(-1, d)
        M = z.shape[0]
        if R is None:
            Rm = self._R0
        elif np.ndim(R) == 0:
            Rm = float(R) ** 2 * np.eye(d)  # type: ignore[arg-type]
        else:
            Rm = np.asarray(R, dtype=float)
        n = self.n
        # 1. predict:  x⁻ = F x ;  P⁻ = F P Fᵀ + Q  (block form of the CV model)
        if self.t_s is not None and n:
            dt = float(t_s) - self.t_s
            if dt < 0:
                raise InputError(f"scan times must not decrease (got {t_s} after {self.t_s})")
            if dt > 0 and self._imm:
                self._imm_predict(dt)
            elif dt > 0:
                x, P = self.x[:n], self.P[:n]
                x[:, :d] += dt * x[:, d:]
                Ppv = P[:, :d, d:] + dt * P[:, d:, d:]
                P[:, :d, :d] += dt * (P[:, d:, :d] + P[:, :d, d:]) + dt * dt * P[:, d:, d:]
                P[:, :d, d:] = Ppv
                P[:, d:, :d] = np.swapaxes(Ppv, 1, 2)
                P += cv_Q(dt, cfg.q_m2ps3, d)
        self.t_s = float(t_s)
        used = np.zeros(M, bool)
        st = self.status[:n]
        conf_idx = np.nonzero(st == CONFIRMED)[0]
        tent_idx = np.nonzero(st == TENTATIVE)[0]
        hit = np.zeros(n, bool)
        dtruth = det_truth if det_truth is not None else None
        kw = dict(gate=cfg.gate, pd=cfg.pd, clutter_density=cfg.clutter_density)
        # 2. confirmed tracks
        if conf_idx.size:
            xc, Pc = self.x[conf_idx], self.P[conf_idx]
            a = self.associator.associate(
                xc[:, :d], Pc[:, :d, :d], z, Rm, **kw,
                track_truth=self.truth[conf_idx] if self._use_truth else None, det_truth=dtruth)
            if a.beta is not None:  # JPDA: soft update of every gated track
                xn, Pn = pda_update(xc, Pc, z, Rm, a)
                self.x[conf_idx], self.P[conf_idx] = xn, Pn
                hit[conf_idx] = a.det_for_track >= 0
            else:
                self._hard_update(conf_idx, a.det_for_track, z, Rm, hit)
            used |= a.used
        # 4. tentative tracks on the detections left over (GNN, or truth)
        if tent_idx.size:
            free = np.nonzero(~used)[0]
            xt, Pt = self.x[tent_idx], self.P[tent_idx]
            Rf = Rm[free] if Rm.ndim == 3 else Rm
            tassoc = self.associator if self._use_truth else _GNN
            a2 = tassoc.associate(
                xt[:, :d], Pt[:, :d, :d], z[free], Rf, **kw,
                track_truth=self.truth[tent_idx] if self._use_truth else None,
                det_truth=dtruth[free] if dtruth is not None else None)
            dft = np.full(tent_idx.size, -1, np.int64)
            got = a2.det_for_track >= 0
            dft[got] = free[a2.det_for_track[got]]
            self._hard_update(tent_idx, dft, z, Rm, hit)
            used[dft[dft >= 0]] = True
        # bookkeeping: hits, misses, bit history
        if n:
            h = hit
            self.hits[:n] += h
            self.misses[:n] = np.where(h, 0, self.misses[:n] + 1)
            self.hist[:n] = (self.hist[:n] << np.uint64(1)) | h.astype(np.uint64)
        # 3./4. deletion and confirmation
        keep = np.ones(n, bool)
        st = self.status[:n]
        ptr = np.trace(self.P[:n, :d, :d], axis1=1, axis2=2)
        isc = st == CONFIRMED
        keep &= ~(isc & (ptr > self.thr_c[:n]))
        if cfg.miss_delete > 0:
            keep &= ~(isc & (self.misses[:n] >= cfg.miss_delete))
        ist = st == TENTATIVE
        if cfg.confirm_n > 0:
            mask = np.uint64((1 << cfg.confirm_n) - 1)
            recent = _popcount(self.hist[:n] & mask)
            newc = ist & (recent >= cfg.confirm_m)
        else:
            newc = ist & (self.hits[:n] >= cfg.confirm_m)
        self.status[:n][newc] = CONFIRMED
        still_t = ist & ~newc
        keep &= ~(still_t & (ptr > self.thr_t[:n]))
        if cfg.confirm_n > 0:
            # cannot reach M hits in the window any more: hits in the last N−1 scans + 1 < M
            mask1 = np.uint64((1 << max(cfg.confirm_n - 1, 0)) - 1)
            keep &= ~(still_t & (_popcount(self.hist[:n] & mask1) + 1 < cfg.confirm_m)
                      & (self.misses[:n] > 0))
        deleted_ids = self.ids[:n][isc & ~keep].copy()
        confirmed_ids = self.ids[:n][newc & keep].copy()
        self._compact(keep)
        # 5. births on unused detections: x = [z, 0] ; P = blockdiag(R_j, σ_v² I)
        births = np.nonzero(~used)[0]
        b = births.size
        if b:
            self._grow(self.n + b)
            s = slice(self.n, self.n + b)
            self.x[s] = 0.0
            self.x[s, :d] = z[births]
            self.P[s] = 0.0
            self.P[s, :d, :d] = Rm[births] if Rm.ndim == 3 else Rm
            iv = np.arange(d, 2 * d)
            self.P[s, iv, iv] = cfg.prior_vel_std_mps**2
            self.ids[s] = np.arange(self._next_id, self._next_id + b)
            self._next_id += b
            self.status[s] = TENTATIVE
            self.hits[s] = 1
            self.misses[s] = 0
            self.hist[s] = 1
            self.truth[s] = dtruth[births] if dtruth is not None else -1
            if self._imm:
                self.xs[s] = self.x[s][:, None, :]
                self.Ps[s] = self.P[s][:, None, :, :]
                self.mu[s] = self._mu0
            if cfg.thresholds_per_track:
                Rb = Rm[births] if Rm.ndim == 3 else np.broadcast_to(Rm, (b, d, d))
                self.thr_c[s], self.thr_t[s] = deletion_thresholds_batch(
                    Rb, cfg.dt_nominal_s, cfg.q_m2ps3, cfg.prior_vel_std_mps,
                    cfg.threshold_misses, cfg.confirm_m)
            else:
                self.thr_c[s] = np.inf if cfg.delete_pos_trace_m2 is None else cfg.delete_pos_trace_m2
                self.thr_t[s] = (np.inf if cfg.tentative_pos_trace_m2 is None
                                 else cfg.tentative_pos_trace_m2)
            self.n += b
        c = self.status[: self.n] == CONFIRMED
        return StepResult(self.ids[: self.n][c].copy(), self.x[: self.n][c].copy(),
                          self.P[: self.n][c].copy(), confirmed_ids, deleted_ids)

    def _hard_update(
        self, idx: np.ndarray, det_for: np.ndarray, z: np.ndarray, R: np.ndarray, hit: np.ndarray
    ) -> None:
        """Kalman update of the tracks ``idx`` that got a detection (Joseph form, H = [I 0])."""
        got = det_for >= 0
        if not got.any():
            return
        ti = idx[got]
        dj = det_for[got]
        Rj = R[dj] if R.ndim == 3 else R
        hit[ti] = True
        if self._imm:
            # model-conditioned updates, μ_j ∝ Λ_j c̄_j, combination (imm_* kernels)
            r = self.xs.shape[1]
            xs, Ps = self.xs[ti], self.Ps[ti]
            lik = np.empty((r, ti.size))
            for j in range(r):  # loop over the (three) models, not over tracks
                xs[:, j], Ps[:, j], y, S = update_position(xs[:, j], Ps[:, j], z[dj], Rj)
                lik[j] = gaussian_likelihood(y, S)
            mu = imm_mode_probabilities(self.mu[ti], lik)
            self.xs[ti], self.Ps[ti], self.mu[ti] = xs, Ps, mu
            self.x[ti], self.P[ti] = imm_combine(mu, np.swapaxes(xs, 0, 1), np.swapaxes(Ps, 0, 1))
            return
        xn, Pn, _, _ = update_position(self.x[ti], self.P[ti], z[dj], Rj)
        self.x[ti], self.P[ti] = xn, Pn

    def _imm_predict(self, dt: float) -> None:
        """IMM mixing and model-conditioned prediction of all tracks; ``mu`` holds c̄ afterwards
        (the mode probabilities of tracks without a detection), ``x``/``P`` the combination."""
        n, cfg, d = self.n, self.cfg, self.cfg.dim
        q = cfg.q_m2ps3 if cfg.imm_q_m2ps3 is None else cfg.imm_q_m2ps3
        w = cfg.imm_turn_rate_radps
        Fs = [cv_F(dt, d), ct_F(dt, w, d), ct_F(dt, -w, d)]
        Q = cv_Q(dt, q, d)
        x0, P0, cbar = imm_mix(self.mu[:n], self._Pi, np.swapaxes(self.xs[:n], 0, 1),
                               np.swapaxes(self.Ps[:n], 0, 1))
        for j, F in enumerate(Fs):
            xj, Pj = predict(x0[j], P0[j], F, Q)
            self.xs[:n, j], self.Ps[:n, j] = xj, Pj
        self.mu[:n] = cbar
        self.x[:n], self.P[:n] = imm_combine(cbar, np.swapaxes(self.xs[:n], 0, 1),
                                             np.swapaxes(self.Ps[:n], 0, 1))

    def all_tracks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every live track after the last scan, tentative included (copies).

        Returns ``(ids (n,) int64, x (n, 2d), status (n,) int8)`` with ``status`` 1 tentative,
        2 confirmed. Used to score in Stone Soup's *track-history* convention, where a track's
        states from before its confirmation count once it is confirmed.
        """
        n = self.n
        return self.ids[:n].copy(), self.x[:n].copy(), self.status[:n].copy()

    @property
    def n_ids_issued(self) -> int:
        """Number of track ids issued so far (tentative included)."""
        return self._next_id


def _popcount(a: np.ndarray) -> np.ndarray:
    """Number of set bits of uint64 values (vectorised SWAR popcount)."""
    a = a.astype(np.uint64)
    a = a - ((a >> np.uint64(1)) & np.uint64(0x5555555555555555))
    a = (a & np.uint64(0x3333333333333333)) + ((a >> np.uint64(2)) & np.uint64(0x3333333333333333))
    a = (a + (a >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return ((a * np.uint64(0x0101010101010101)) >> np.uint64(56)).astype(np.int64)


_GNN = make_associator("gnn")
_TABLE = ("x", "P", "ids", "status", "hits", "misses", "hist", "truth", "thr_c", "thr_t")
