"""Retargeting rounds in flight whose target was assessed dead (doctrine ``dead_target_rounds: retarget``).

Pure array kernels; the engine (``engine/run.py``, ``_retarget``) gathers the arrays and applies
the result. The rule, in three steps:

1. **Where the round is.** A round is modelled as flying the straight line from its launcher
   ``L`` towards its aim point ``A`` (the PIP) with the energy-limited flyout
   (:mod:`iadsim.weapons.flyout`): ``e = max(t − t_launch, 0)`` seconds after launch it has
   flown ``s(e)`` and is at ``X = L + min(s(e) / |A − L|, 1) (A − L)``
   (:func:`round_position`). A round not yet launched (a later round of a salvo) is on its
   launcher (``e = 0``) and flies from ``max(t, t_launch)``.
2. **What it can still reach.** From ``X`` with ``e`` seconds flown, a new predicted intercept
   with a track (its estimate extrapolated with the fire-control acceleration model) solves
   ``s(e + τ) − s(e) = |p + v τ + ½ a τ² − X|`` for the smallest ``τ`` in
   ``(0, t_max − e]``, ``t_max`` the round's flight time to its maximum range
   (:func:`~iadsim.weapons.flyout.predicted_intercept_energy` with ``elapsed_s``). The new PIP
   must also lie in the round's envelope for the track's *assessed* class (slant range and
   height from the fire unit), the track's speed be within the round's maximum target speed,
   Pk against the assessed class be > 0, and the round arrive before the track's time to go
   (:func:`reachable`). Assumption (stated, no public source): the round turns onto its new
   line at no energy cost (no turn-rate or seeker off-boresight limit is modelled).
3. **Which target.** Fire-control constraints are checked by the engine (guiding radar covers
   the track now and at the new PIP; the track is held by that radar or it has a free target
   channel; the unit has no round at the track already). Among the targets left, each
   *engagement* — the rounds of one unit at one dead object — is moved as a whole to the
   feasible object that threatens first (smallest time to go, then lowest track id); the
   engagements are served in the order of their first round (seq); an object taken by one
   engagement, or a radar whose free target channels are used up, is not offered to the later
   ones (:func:`choose_new_targets`). A round of the engagement that cannot reach the chosen
   object self-destructs, like every round with no feasible target.
"""

from __future__ import annotations

import numpy as np

from iadsim.weapons.flyout import flyout_distance, predicted_intercept_energy


def round_position(launcher_m: np.ndarray, aim_m: np.ndarray, t_launch_s: np.ndarray, t_s: float,
                   max_speed_mps: np.ndarray, burn_time_s: np.ndarray,
                   drag_time_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Position of rounds in flight on their launcher → aim-point line, and their time flown.

    X = L + min(s(e) / |A − L|, 1) (A − L), e = max(t − t_launch, 0), s the boost–coast flyout
    distance (:func:`~iadsim.weapons.flyout.flyout_distance`).

    Parameters
    ----------
    launcher_m, aim_m : (R, 3) launcher and aim point (ECEF, m). t_launch_s : (R,) [s].
    t_s : now [s]. max_speed_mps, burn_time_s, drag_time_s : (R,) flyout parameters.

    Returns
    -------
    ``(X (R, 3) m, e (R,) s)``.
    """
    L = np.asarray(launcher_m, float)
    d = np.asarray(aim_m, float) - L
    e = np.maximum(t_s - np.asarray(t_launch_s, float), 0.0)
    s = flyout_distance(e, max_speed_mps, burn_time_s, drag_time_s)
    dist = np.linalg.norm(d, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(dist > 0, np.minimum(s / dist, 1.0), 0.0)
    return L + frac[:, None] * d, e


def reachable(
    p_m: np.ndarray, v_mps: np.ndarray, a_mps2: np.ndarray, round_m: np.ndarray, elapsed_s: np.ndarray,
    max_flight_s: np.ndarray, max_speed_mps: np.ndarray, burn_time_s: np.ndarray, drag_time_s: np.ndarray,
    fu_ecef_m: np.ndarray, fu_enu_rot: np.ndarray, assessed_class: np.ndarray, pk_vs_class: np.ndarray,
    max_target_speed_mps: np.ndarray, tgo_s: np.ndarray, start_delay_s: np.ndarray,
    min_range_m: np.ndarray, max_range_m: np.ndarray, min_alt_m: np.ndarray, max_alt_m: np.ndarray,
    ballistic_max_range_m: np.ndarray, ballistic_max_alt_m: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Whether a round in flight can still intercept a track (step 2 of the module rule).

    Every argument is per (round, track) pair, (P,) or (P, 3): the track state ``p, v, a`` at the
    time the round continues from (now, or its launch time if later), the round's position
    ``X`` and time flown ``e``, its flight time to maximum range, flyout parameters and envelope,
    the fire unit's position and ENU rotation (P, 3, 3), the track's assessed class and the
    round's Pk against it, the track's time to go ``tgo`` from now and ``start_delay`` (the
    round continues ``start_delay`` after now).

    Feasible ⇔ τ exists in (0, t_max − e] ∧ new PIP inside the class envelope ∧ |v| ≤ max
    target speed ∧ Pk > 0 ∧ start_delay + τ < tgo.

    Returns
    -------
    ``(ok (P,) bool, pip (P, 3) m, tau (P,) s)``.
    """
    from iadsim.geo import frames
    from iadsim.weapons.envelopes import inside_envelope

    left = np.asarray(max_flight_s, float) - np.asarray(elapsed_s, float)
    left = np.where(left > 0, left, np.nan)
    pip, tau = predicted_intercept_energy(p_m, v_mps, a_mps2, round_m, max_speed_mps, burn_time_s, drag_time_s, left,
                                          elapsed_s=elapsed_s)  # fmt: skip
    ok = np.isfinite(tau)
    pip_f = np.where(ok[:, None], pip, fu_ecef_m)
    enu = np.einsum("pij,pj->pi", fu_enu_rot, pip_f - fu_ecef_m)
    slant = np.where(ok, np.linalg.norm(enu, axis=1), np.nan)
    _, _, alt = frames.ecef_to_geodetic(pip_f)
    alt = np.where(ok, np.asarray(alt, float), np.nan)
    ok &= inside_envelope(slant, alt, assessed_class, min_range_m, max_range_m, min_alt_m, max_alt_m,
                          ballistic_max_range_m, ballistic_max_alt_m)  # fmt: skip
    ok &= np.linalg.norm(v_mps, axis=1) <= max_target_speed_mps
    ok &= pk_vs_class > 0
    ok &= start_delay_s + np.nan_to_num(tau, nan=np.inf) < tgo_s
    return ok, pip_f, tau


def choose_new_targets(
    pair_round: np.ndarray, pair_obj: np.ndarray, pair_ok: np.ndarray, pair_tgo: np.ndarray, pair_track_id: np.ndarray,
    pair_needs_channel: np.ndarray, round_group: np.ndarray, round_seq: np.ndarray, round_radar: np.ndarray,
    free_channels: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """New object of each round (−1: none, it self-destructs): step 3 of the module rule.

    Parameters
    ----------
    pair_round : (P,) round index (0 … R−1) of each candidate pair; ``pair_obj`` (P,) the
        candidate object, ``pair_ok`` (P,) feasible (steps 2 and the engine's fire-control
        checks), ``pair_tgo`` (P,) its time to go [s], ``pair_track_id`` (P,) its track id,
        ``pair_needs_channel`` (P,) the object is not yet held by the round's radar.
    round_group : (R,) engagement key of each round (one per unit and dead object);
        ``round_seq`` (R,) resolution order; ``round_radar`` (R,) guiding radar.
    free_channels : (S,) free target channels per radar (decremented as objects are taken).

    Returns
    -------
    (R,) chosen object per round, −1 where none.
    """
    R = len(round_group)
    out = np.full(R, -1, np.int64)
    if R == 0 or len(pair_round) == 0:
        return out
    free = np.asarray(free_channels, np.int64).copy()
    taken: set[int] = set()
    groups, first = np.unique(round_group, return_index=True)
    order = np.argsort(round_seq[first], kind="stable")
    for gi in order:  # the few engagements whose target died this tick, in order of their first round
        members = np.flatnonzero(round_group == groups[gi])
        m = np.isin(pair_round, members) & pair_ok
        if taken:
            m &= ~np.isin(pair_obj, np.fromiter(taken, np.int64))
        radar = int(round_radar[members[0]])
        if radar < 0 or free[radar] <= 0:
            m &= ~pair_needs_channel
        cand = np.flatnonzero(m)
        if len(cand) == 0:
            continue
        best = cand[np.lexsort((pair_track_id[cand], pair_tgo[cand]))[0]]
        obj = int(pair_obj[best])
        hit = cand[pair_obj[cand] == obj]
        out[pair_round[hit]] = obj
        taken.add(obj)
        if pair_needs_channel[best] and radar >= 0:
            free[radar] -= 1
    return out
