"""Engagement kernels: launch-time kinematics, interceptor choice and feasibility, salvo rounds.

All functions are pure array kernels over candidate pairs (fire unit × track). The rule each one
applies is in its docstring; ``docs/models.md`` gives the sources and assumptions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from iadsim.geo import frames
from iadsim.weapons.flyout import ballistic_acceleration, predicted_intercept

if TYPE_CHECKING:  # pragma: no cover
    from iadsim.engine.world import FireUnitArrays, InterceptorTable


def launch_kinematics(p_m: np.ndarray, v_mps: np.ndarray, delay_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Track state extrapolated from the decision time to the launch time.

    a = fire-control acceleration model (:func:`~iadsim.weapons.flyout.ballistic_acceleration`);
    p_L = p + v Δ + ½ a Δ², v_L = v + a Δ with Δ = ``delay_s`` (reaction and cueing time).

    Shapes: (P, 3) positions [m] and velocities [m/s], (P,) delays [s]. Returns
    ``(p_L, v_L, a)`` each (P, 3).
    """
    acc = ballistic_acceleration(p_m, v_mps)
    d = delay_s[:, None]
    return p_m + v_mps * d + 0.5 * acc * d**2, v_mps + acc * d, acc


def handover_pk_fraction(P_handover: np.ndarray, basket_m: np.ndarray) -> np.ndarray:
    """Expected fraction of the nominal Pk kept for an aim error e ~ N(0, P) at seeker hand-over.

    With Pk(e) = Pk₀ exp(−½ |e|²/b²) (:func:`~iadsim.weapons.flyout.kill_probability`) and a
    Gaussian position error of covariance P (3×3), the expectation is exact:

        E[exp(−½ eᵀe / b²)] = det(I + P / b²)^(−1/2).

    Shapes: ``P_handover`` (P, 3, 3) m², ``basket_m`` (P,) m. Returns (P,) in (0, 1].
    """
    M = np.eye(3)[None, :, :] + P_handover / (basket_m**2)[:, None, None]
    return np.asarray(1.0 / np.sqrt(np.linalg.det(M)))


def handover_covariance(P: np.ndarray, dt_s: np.ndarray, q_m2ps3: float) -> np.ndarray:
    """Position covariance of a track estimate extrapolated over Δt (nearly-constant velocity).

    P_h = P_pp + Δt (P_pv + P_vp) + Δt² P_vv + q Δt³/3 I.  Shapes: P (P, 6, 6), Δt (P,).
    """
    dt = dt_s[:, None, None]
    return np.asarray(P[:, :3, :3] + dt * (P[:, :3, 3:] + P[:, 3:, :3]) + dt**2 * P[:, 3:, 3:] + (q_m2ps3 * dt**3 / 3.0) * np.eye(3))


def choose_interceptor(
    f: np.ndarray,
    p_launch: np.ndarray,
    v_launch: np.ndarray,
    acc: np.ndarray,
    delay_s: np.ndarray,
    tgo_s: np.ndarray,
    target_speed_mps: np.ndarray,
    P_now: np.ndarray,
    handover_age_s: np.ndarray | None,
    q_m2ps3: float,
    cls: np.ndarray,
    magazine: np.ndarray,
    fus: FireUnitArrays,
    ic: InterceptorTable,
    pip_supported: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interceptor type per candidate pair: the most preferred type that is feasible.

    **This is the one place where the interceptor type is chosen and its envelope tested**
    (issue 8 part C replaces it with class- and cost-aware choice and class envelopes).
    A type ``i`` is feasible for the pair (unit ``f``, track) iff

    * the unit has a round of it (``magazine[f, i] > 0``);
    * a predicted intercept point exists (PIP of the launch-time state at the type's average
      speed, :func:`~iadsim.weapons.flyout.predicted_intercept`) with
      ``min_range ≤ |PIP − L| ≤ max_range`` and ``min_alt ≤ alt(PIP) ≤ max_alt``;
    * the track's speed ≤ the type's maximum target speed;
    * Pk > 0 against the class ``cls`` of the pair;
    * the round arrives in time: ``delay + τ < t_go`` (reaction and cueing delay counted);
    * a fire-control radar of the unit supports the PIP (``pip_supported``, see
      :mod:`iadsim.c2.fire_control`);
    * launch quality at seeker hand-over: the expected fraction of Pk kept,
      det(I + P_h/b²)^(−1/2) (:func:`handover_pk_fraction`), is ≥ the unit's
      ``min_handover_pk_fraction``. P_h is the track covariance extrapolated over the age of the
      estimate the seeker is handed: with midcourse updates the last uplinked fire-control update
      (``handover_age_s``), without them the launch-time estimate flown blind (delay + τ).

    Among feasible types the lowest ``preference`` (loadout order) wins.

    Parameters
    ----------
    f : (P,) fire unit of each pair. p_launch, v_launch, acc : (P, 3) launch-time track state.
    delay_s : (P,) decision-to-launch delay [s]. tgo_s : (P,) time to go [s].
    target_speed_mps : (P,) track speed at the decision time [m/s].
    P_now : (P, 6, 6) track covariance now. handover_age_s : (P,) age of the uplinked estimate
        at hand-over [s], or None without midcourse updates. q_m2ps3 : CV process noise.
    cls : (P,) threat class index used for Pk. magazine : (F, I) rounds left.
    pip_supported : ``pip_supported(pip (n, 3), idx (n,))`` → (n,) mask of fire-control support of
        the pairs ``idx`` otherwise feasible (None: all supported).

    Returns
    -------
    ``(itype (P,), tau (P,), pip (P, 3))``: chosen type (−1: none feasible), its time of flight
    [s] and predicted intercept point (ECEF, m).
    """
    P = len(f)
    best_type = np.full(P, -1)
    best_pref = np.full(P, np.iinfo(np.int64).max)
    best_tau = np.full(P, np.nan)
    best_pip = np.zeros((P, 3))
    P_h_mid = handover_covariance(P_now, handover_age_s, q_m2ps3) if handover_age_s is not None else P_now[:, :3, :3]
    for i in range(len(ic.ids)):  # a handful of interceptor types; vectorised over all pairs
        # cheap tests first; the flyout and the gate only for the pairs still feasible
        k = np.flatnonzero((magazine[f, i] > 0) & (target_speed_mps <= ic.max_target_speed_mps[f, i])
                           & (ic.pk[f, i, cls] > 0) & (fus.preference[f, i] < best_pref))  # fmt: skip
        if len(k) == 0:
            continue
        fk = f[k]
        pip, tau = predicted_intercept(p_launch[k], v_launch[k], acc[k], fus.ecef_m[fk], ic.speed_mps[fk, i])
        t_arr = delay_s[k] + tau  # NaN where no intercept exists (every comparison below is then False)
        enu = np.einsum("pij,pj->pi", fus.enu_rot[fk], np.nan_to_num(pip) - fus.ecef_m[fk])
        slant = np.linalg.norm(enu, axis=1)
        ok = (
            np.isfinite(tau)
            & (slant <= ic.max_range_m[fk, i]) & (slant >= ic.min_range_m[fk, i])
            & (t_arr < tgo_s[k])
        )  # fmt: skip
        j = np.flatnonzero(ok)
        if len(j):
            _, _, alt = frames.ecef_to_geodetic(pip[j])
            ok[j] = (alt <= ic.max_alt_m[fk[j], i]) & (alt >= ic.min_alt_m[fk[j], i])
        j = np.flatnonzero(ok)
        if len(j):
            kj = k[j]
            P_h = P_h_mid[kj] if handover_age_s is not None else handover_covariance(P_now[kj], t_arr[j], q_m2ps3)
            ok[j] = handover_pk_fraction(P_h, ic.basket_m[fk[j], i]) >= fus.min_handover_pk_fraction[fk[j]]
        j = np.flatnonzero(ok)
        if pip_supported is not None and len(j):
            ok[j] = pip_supported(pip[j], k[j])
        g = k[ok]
        best_type[g] = i
        best_pref[g] = fus.preference[f[g], i]
        best_tau[g] = tau[ok]
        best_pip[g] = pip[ok]
    return best_type, best_tau, best_pip


def salvo_rounds(
    n_shots: np.ndarray,
    launch_interval_s: np.ndarray,
    t_launch: np.ndarray,
    p_l: np.ndarray,
    v_l: np.ndarray,
    a_l: np.ndarray,
    launcher_m: np.ndarray,
    speed_mps: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Expand engagements into rounds: round j leaves ``j · launch_interval`` after the first.

    Each round gets its own PIP from the target state extrapolated to its own launch time
    (p + v δ + ½ a δ², v + a δ, δ = j · interval).

    Parameters
    ----------
    n_shots : (E,) rounds per engagement. launch_interval_s, t_launch : (E,) [s].
    p_l, v_l, a_l : (E, 3) first-round launch state. launcher_m : (E, 3). speed_mps : (E,).

    Returns
    -------
    ``(rep (R,), t_launch (R,), pip (R, 3), t_int (R,))``: engagement index of each round, its
    launch time, aim point and intercept time.
    """
    rep = np.repeat(np.arange(len(n_shots)), n_shots)
    j = np.arange(len(rep)) - np.repeat(np.cumsum(n_shots) - n_shots, n_shots)
    delay = (j * launch_interval_s[rep])[:, None]
    st_launch = t_launch[rep] + delay[:, 0]
    pip, tau = predicted_intercept(p_l[rep] + v_l[rep] * delay + 0.5 * a_l[rep] * delay**2, v_l[rep] + a_l[rep] * delay,
                                   a_l[rep], launcher_m[rep], speed_mps[rep])  # fmt: skip
    tau = np.nan_to_num(tau, nan=0.0)
    return rep, st_launch, pip, st_launch + tau
