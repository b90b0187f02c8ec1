"""Engagement kernels: launch-time kinematics, interceptor choice and feasibility, salvo rounds.

All functions are pure array kernels over candidate pairs (fire unit × track). The rule each one
applies is in its docstring; ``docs/models.md`` gives the sources and assumptions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from iadsim.weapons.flyout import ballistic_acceleration
from iadsim.c2 import classification as _cl
from iadsim.weapons import kernels
from iadsim.weapons.kernels import interceptor_capability

if TYPE_CHECKING:  # pragma: no cover
    from iadsim.engine.world import FireUnitArrays, InterceptorTable

#: Bracketing grid (fractions of t_max) and regula-falsi steps of the compiled PIP solve: the
#: defaults of :func:`~iadsim.weapons.flyout.predicted_intercept_energy` (n_grid = 10, 8 steps).
_PIP_GRID = np.linspace(0.0, 1.0, 10 + 1)[1:]
_PIP_ITERATIONS = 8


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
    """Interceptor type per candidate pair: doctrine's choice among the capable types.

    **This is the one place where the interceptor type is chosen and its envelope tested.**
    ``cls`` is the **assessed** class of the track (:func:`iadsim.c2.classification.classify`),
    never the truth label. A type ``i`` is capable for the pair (unit ``f``, track) iff

    * the unit has a round of it on a ready launcher (``magazine[f, i] > 0``, the ready rounds
      of :class:`~iadsim.weapons.launchers.LauncherState`);
    * a predicted intercept point exists with the energy-limited flyout
      (:func:`~iadsim.weapons.flyout.predicted_intercept_energy`, within the flight time to the
      maximum range) and lies inside the envelope **for the assessed class**
      (:func:`~iadsim.weapons.envelopes.inside_envelope`: ballistic footprint for tracks
      assessed ballistic);
    * the track's speed ≤ the type's maximum target speed;
    * Pk > 0 against the assessed class;
    * the type is not reserved for other classes (:func:`~iadsim.c2.doctrine.reservation_ok`),
      or, under the unit's ``reserve_rule: last-resort``, no unreserved type is capable;
    * the round arrives in time: ``delay + τ < t_go`` (reaction and cueing delay counted);
    * a fire-control radar of the unit supports the PIP (``pip_supported``, see
      :mod:`iadsim.c2.fire_control`);
    * launch quality at seeker hand-over: the expected fraction of Pk kept,
      det(I + P_h/b²)^(−1/2) (:func:`handover_pk_fraction`), is ≥ the unit's
      ``min_handover_pk_fraction``. P_h is the track covariance extrapolated over the age of the
      estimate the seeker is handed: with midcourse updates the last uplinked fire-control update
      (``handover_age_s``), without them the launch-time estimate flown blind (delay + τ).

    Among capable types the unit's ``weapon_choice`` picks one
    (:func:`~iadsim.c2.doctrine.choose_interceptor`: cheapest by public cost, uncosted last, or
    loadout order).

    Parameters
    ----------
    f : (P,) fire unit of each pair. p_launch, v_launch, acc : (P, 3) launch-time track state.
    delay_s : (P,) decision-to-launch delay [s]. tgo_s : (P,) time to go [s].
    target_speed_mps : (P,) track speed at the decision time [m/s].
    P_now : (P, 6, 6) track covariance now. handover_age_s : (P,) age of the uplinked estimate
        at hand-over [s], or None without midcourse updates. q_m2ps3 : CV process noise.
    cls : (P,) assessed class index. magazine : (F, I) rounds on ready launchers.
    pip_supported : ``pip_supported(pip (n, 3), idx (n,))`` → (n,) mask of fire-control support of
        the pairs ``idx`` otherwise feasible (None: all supported).

    Returns
    -------
    ``(itype (P,), tau (P,), pip (P, 3))``: chosen type (−1: none capable), its time of flight
    [s] and predicted intercept point (ECEF, m).
    """
    from iadsim.c2.classification import BALLISTIC_MISSILE

    P = len(f)
    f = np.asarray(f, np.int64)
    has_age = handover_age_s is not None
    age = np.ascontiguousarray(handover_age_s if has_age else np.zeros(P), float)
    c64 = np.ascontiguousarray
    # the rules above for every (pair, type) with a ready round, in one compiled loop
    # (weapons/kernels.py; the PIP is solved only where the cheap rules pass)
    capable, last_resort, taus, pips = interceptor_capability(
        f, c64(p_launch, float), c64(v_launch, float), c64(acc, float), c64(delay_s, float), c64(tgo_s, float),
        c64(target_speed_mps, float), c64(P_now, float), age, has_age, float(q_m2ps3), c64(cls, np.int64),
        c64(magazine, np.int64), fus.ecef_m, fus.enu_rot, fus.reserved_for, fus.reserve_hold,
        fus.min_handover_pk_fraction, ic.max_target_speed_mps, ic.pk, ic.max_speed_mps, ic.burn_time_s,
        ic.drag_time_s, ic.max_flight_s, ic.min_range_m, ic.max_range_m, ic.min_alt_m, ic.max_alt_m,
        ic.ballistic_max_range_m, ic.ballistic_max_alt_m, ic.basket_m, BALLISTIC_MISSILE, _PIP_GRID, _PIP_ITERATIONS)  # fmt: skip
    return choose_among(f, capable, last_resort, taus, pips, fus, ic, pip_supported)


def choose_among(f: np.ndarray, capable: np.ndarray, last_resort: np.ndarray, taus: np.ndarray, pips: np.ndarray,
                 fus: FireUnitArrays, ic: InterceptorTable,
                 pip_supported: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The last two rules of :func:`choose_interceptor` on its capability arrays: fire-control
    support of the PIP (``pip_supported``), then the doctrine's choice
    (:func:`~iadsim.c2.doctrine.choose_interceptor`'s rule, compiled with the gather of the chosen
    type's τ and PIP: :func:`iadsim.weapons.kernels.choose_among`).

    Shapes: f (P,); capable, last_resort (P, I) bool; taus (P, I) s; pips (P, I, 3) m (the
    arrays of :func:`~iadsim.weapons.kernels.interceptor_capability`; ``capable`` is updated in
    place). Returns ``(itype (P,), tau (P,), pip (P, 3))`` as :func:`choose_interceptor`.
    """
    f = np.ascontiguousarray(f, np.int64)
    if pip_supported is not None:
        pj, ij = np.nonzero(capable)
        if len(pj):
            capable[pj, ij] = pip_supported(pips[pj, ij], pj)
    # the doctrine's choice and the chosen type's τ, PIP: one compiled call
    best, best_tau, best_pip = kernels.choose_among(f, capable, last_resort, taus, pips, ic.cost_usd, fus.preference,
                                                    fus.weapon_cheapest)  # fmt: skip
    return best, best_tau, best_pip


#: the thresholds of :func:`iadsim.c2.classification.classify`, in the order of kernels.classify_tracks
_CLASS_THRESHOLDS = np.array([_cl.BALLISTIC_MIN_SPEED_MPS, _cl.BALLISTIC_MIN_ALT_M, _cl.BALLISTIC_MAX_VUP_MPS,
                              _cl.DRONE_MAX_SPEED_MPS, _cl.CRUISE_MAX_SPEED_MPS, _cl.CRUISE_MAX_ALT_M])  # fmt: skip


class DecisionState(NamedTuple):
    """Per-pair state of one decision cycle (:func:`decision_capability`); shapes in its docstring."""

    acc: np.ndarray
    p_launch: np.ndarray
    v_launch: np.ndarray
    delay: np.ndarray
    tgo: np.ndarray
    assessed: np.ndarray
    speed: np.ndarray
    fc_update: np.ndarray
    capable: np.ndarray
    last_resort: np.ndarray
    taus: np.ndarray
    pips: np.ndarray


def decision_capability(f: np.ndarray, x: np.ndarray, cued: np.ndarray, P_now: np.ndarray,
                        midcourse: bool, q_m2ps3: float, magazine: np.ndarray, fus: FireUnitArrays,
                        ic: InterceptorTable, cue_delay_s: np.ndarray, track_update_s: np.ndarray,
                        asset_ecef_m: np.ndarray) -> DecisionState:  # fmt: skip
    """One decision cycle's per-pair state and the capability rules of :func:`choose_interceptor`.

    One compiled call (:func:`iadsim.weapons.kernels.decision_capability`): the fire-control
    acceleration model a (:func:`~iadsim.weapons.flyout.ballistic_acceleration`), decision-to-launch
    delay (reaction time + the fire-control cue delay where the object is not yet held,
    ``cued``), launch state (:func:`launch_kinematics`), time to go (:func:`iadsim.c2.evaluation.time_to_go`), assessed class
    (:func:`iadsim.c2.classification.classify`, never the truth), speed, and the capability of every
    (pair, type) before the fire-control support test; :func:`choose_among` finishes the choice.
    With ``midcourse`` the hand-over age is the unit's fire-control update interval.

    Shapes: f (P,), x (P, 6) track states at the decision time, cued (P,) bool,
    P_now (P, 6, 6), magazine (F, I); cue_delay_s, track_update_s (S,) of the fire-control radars
    (``fus.fc_mask`` (F, S)); asset_ecef_m (A, 3).
    """
    c64 = np.ascontiguousarray
    thr = _CLASS_THRESHOLDS
    return DecisionState(*kernels.decision_capability(
        c64(f, np.int64), c64(x, float), c64(cued, bool), c64(P_now, float), bool(midcourse),
        float(q_m2ps3), fus.reaction_time_s, fus.fc_mask, c64(cue_delay_s, float), c64(track_update_s, float),
        c64(asset_ecef_m, float).reshape(-1, 3), 1.0, thr, c64(magazine, np.int64), fus.ecef_m, fus.enu_rot,
        fus.reserved_for, fus.reserve_hold, fus.min_handover_pk_fraction, ic.max_target_speed_mps, ic.pk,
        ic.max_speed_mps, ic.burn_time_s, ic.drag_time_s, ic.max_flight_s, ic.min_range_m, ic.max_range_m,
        ic.min_alt_m, ic.max_alt_m, ic.ballistic_max_range_m, ic.ballistic_max_alt_m, ic.basket_m,
        _cl.BALLISTIC_MISSILE, _PIP_GRID, _PIP_ITERATIONS))  # fmt: skip


def salvo_rounds(
    n_shots: np.ndarray,
    launch_interval_s: np.ndarray,
    t_launch: np.ndarray,
    p_l: np.ndarray,
    v_l: np.ndarray,
    a_l: np.ndarray,
    launcher_m: np.ndarray,
    max_speed_mps: np.ndarray,
    burn_time_s: np.ndarray,
    drag_time_s: np.ndarray,
    max_flight_s: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Expand engagements into rounds: round j leaves ``j · launch_interval`` after the first.

    Each round gets its own PIP (energy-limited flyout,
    :func:`~iadsim.weapons.flyout.predicted_intercept_energy`) from the target state
    extrapolated to its own launch time (p + v δ + ½ a δ², v + a δ, δ = j · interval). A later
    round that can no longer reach the target within its flight time to maximum range flies its
    maximum flight time (it will miss: the aim point is the target's position at its launch).
    One compiled call (:func:`iadsim.weapons.kernels.salvo_rounds`, PIP by
    :func:`iadsim.weapons.kernels.solve_tau`, bit-identical to the NumPy
    :func:`~iadsim.weapons.flyout.predicted_intercept_energy` with its default grid and steps).

    Parameters
    ----------
    n_shots : (E,) rounds per engagement. launch_interval_s, t_launch : (E,) [s].
    p_l, v_l, a_l : (E, 3) first-round launch state. launcher_m : (E, 3).
    max_speed_mps, burn_time_s, drag_time_s, max_flight_s : (E,) flyout parameters of the type.

    Returns
    -------
    ``(rep (R,), t_launch (R,), pip (R, 3), t_int (R,))``: engagement index of each round, its
    launch time, aim point and intercept time.
    """
    c64 = np.ascontiguousarray
    return kernels.salvo_rounds(  # one compiled call; bit-identical to predicted_intercept_energy
        c64(n_shots, np.int64), c64(launch_interval_s, float), c64(t_launch, float), c64(p_l, float), c64(v_l, float),
        c64(a_l, float), c64(launcher_m, float), c64(max_speed_mps, float), c64(burn_time_s, float),
        c64(drag_time_s, float), c64(max_flight_s, float), _PIP_GRID, _PIP_ITERATIONS)  # fmt: skip
