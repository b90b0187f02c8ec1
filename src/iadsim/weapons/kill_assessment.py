"""Resolution of interceptors at their intercept time: aim point, kill draw, miss reasons.

Pure array kernels; the engine calls them for the rounds whose intercept time has come, in
``(t_int, seq)`` order.
"""

from __future__ import annotations

import numpy as np

from iadsim.weapons.flyout import ballistic_acceleration, kill_probability

#: Why a round did not kill (the ``reason`` column of ``Miss`` events; stable codes).
MISS_REASONS: tuple[str, ...] = ("pk_draw", "guidance_lost", "target_already_dead", "self_destruct", "false_target")
PK_DRAW, GUIDANCE_LOST, TARGET_ALREADY_DEAD, SELF_DESTRUCT, FALSE_TARGET = range(len(MISS_REASONS))


def midcourse_aim(x_track: np.ndarray, t_track_s: np.ndarray, t_int_s: np.ndarray) -> np.ndarray:
    """Aim point from the engaged track's latest estimate (command / datalink midcourse guidance).

    aim = p + v Δ + ½ a Δ², Δ = t_int − t_track, a from the fire-control acceleration model.

    Shapes: ``x_track`` (R, 6) ECEF state [m, m/s], times (R,) [s]. Returns (R, 3).
    """
    dt_u = (t_int_s - t_track_s)[:, None]
    acc = ballistic_acceleration(x_track[:, :3], x_track[:, 3:])
    return np.asarray(x_track[:, :3] + x_track[:, 3:] * dt_u + 0.5 * acc * dt_u**2)


def first_kill_per_threat(threat: np.ndarray, success: np.ndarray) -> np.ndarray:
    """Rounds that kill: the first successful round of each threat (in the given order).

    A threat dies at its first successful round; later rounds at it in the same resolution batch
    find it gone. Shapes (R,); returns a (R,) bool mask.
    """
    R = len(threat)
    if R == 0:
        return np.zeros(0, bool)
    order = np.lexsort((np.arange(R), threat))
    ts = threat[order]
    succ_o = success[order]
    starts = np.flatnonzero(np.r_[True, ts[1:] != ts[:-1]])
    cum = np.cumsum(succ_o)
    offset = np.repeat(np.r_[0, cum][starts], np.diff(np.r_[starts, R]))
    before = cum - succ_o - offset  # successes earlier in the same threat's group
    kill = np.zeros(R, bool)
    kill[order] = succ_o & (before == 0)
    return kill


def resolve(
    pk0: np.ndarray,
    basket_m: np.ndarray,
    miss_m: np.ndarray,
    target_valid: np.ndarray,
    target_alive: np.ndarray,
    guided: np.ndarray,
    threat: np.ndarray,
    u: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kill or miss of each due round, with the reason of every miss.

    Pk = Pk₀ exp(−½ (e/b)²) (:func:`~iadsim.weapons.flyout.kill_probability`) for a guided round
    at a live real target, else 0; success iff ``u < Pk``; only the first success per threat kills
    (:func:`first_kill_per_threat`). Reasons: ``false_target`` (the track followed no real object),
    ``target_already_dead`` (dead before, or killed earlier in this batch), ``guidance_lost``
    (the fire-control radar lost the target while the round flew), else ``pk_draw``.

    Parameters
    ----------
    pk0, basket_m, miss_m : (R,) nominal Pk, seeker basket [m], aim error at intercept [m].
    target_valid : (R,) the track behind the round followed a real threat (scoring truth).
    target_alive : (R,) that threat was alive when the batch started.
    guided : (R,) the round still had guidance. threat : (R,) threat index. u : (R,) U(0,1).

    Returns
    -------
    ``(kill (R,) bool, pk (R,) Pk used, reason (R,) int code into MISS_REASONS; −1 for kills)``.
    """
    live = target_valid & target_alive & guided
    # a non-finite aim error (a diverged track estimate as aim point) cannot kill: e = ∞ ⇒ Pk = 0
    miss_m = np.where(np.isfinite(miss_m), miss_m, np.inf)
    pk = np.where(live, kill_probability(pk0, miss_m, basket_m), 0.0)
    success = u < pk
    kill = first_kill_per_threat(threat, success)
    pk = np.where(success & ~kill, 0.0, pk)  # target already gone when this one arrived
    reason = np.full(len(pk0), PK_DRAW, np.int64)
    reason = np.where(~guided, GUIDANCE_LOST, reason)
    reason = np.where(target_valid & (~target_alive | (success & ~kill)), TARGET_ALREADY_DEAD, reason)
    reason = np.where(~target_valid, FALSE_TARGET, reason)
    reason = np.where(kill, -1, reason)
    return kill, pk, reason


def assess(killed: np.ndarray, u: np.ndarray, p_error: np.ndarray) -> np.ndarray:
    """Kill assessment of a round's target, made ``kill_assessment_s`` after it arrived.

    The assessment is right with probability 1 − p_error and wrong with p_error, both ways
    (a killed target judged alive, a surviving target judged dead): assessed dead ⇔
    (killed ∧ u ≥ p) ∨ (¬killed ∧ u < p). Shapes (n,); returns (n,) bool.
    """
    wrong = u < p_error
    return np.asarray(np.where(wrong, ~killed, killed))
