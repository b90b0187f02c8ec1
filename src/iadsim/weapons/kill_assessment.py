"""Resolution of interceptors at their intercept time: aim point, kill draw, miss reasons.

Pure array kernels; the engine calls them for the rounds whose intercept time has come, in
``(t_int, seq)`` order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.weapons import kernels as weapon_kernels

#: Why a round did not kill (the ``reason`` column of ``Miss`` events; stable codes).
MISS_REASONS: tuple[str, ...] = ("pk_draw", "guidance_lost", "target_already_dead", "self_destruct", "false_target")
PK_DRAW, GUIDANCE_LOST, TARGET_ALREADY_DEAD, SELF_DESTRUCT, FALSE_TARGET = range(len(MISS_REASONS))


def midcourse_aim(x_track: np.ndarray, t_track_s: np.ndarray, t_int_s: np.ndarray) -> np.ndarray:
    """Aim point from the engaged track's latest estimate (command / datalink midcourse guidance).

    aim = p + v Δ + ½ a Δ², Δ = t_int − t_track, a from the fire-control acceleration model.

    Shapes: ``x_track`` (R, 6) ECEF state [m, m/s], times (R,) [s]. Returns (R, 3). One compiled
    call (:func:`midcourse_aim_kernel`, the kernel the engine's arrivals call).
    """
    c = np.ascontiguousarray
    x = c(x_track, np.float64).reshape(-1, 6)
    dt = c(np.asarray(t_int_s, np.float64) - np.asarray(t_track_s, np.float64), np.float64).reshape(-1)
    return midcourse_aim_kernel(c(x[:, :3]), c(x[:, 3:]), dt)


@njit(cache=True, error_model="numpy")
def midcourse_aim_kernel(p: np.ndarray, v: np.ndarray, dt: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`midcourse_aim` of positions ``p`` (R, 3), velocities ``v`` (R, 3) and Δ (R,): a from
    :func:`iadsim.weapons.kernels.ballistic_acceleration` (gravity above 1 km/s), then
    (p + v Δ) + (½ a) Δ², the NumPy formula's operations in its order (Δ² by NumPy's square)."""
    acc = weapon_kernels.ballistic_acceleration(p, v, 1000.0)
    out = np.empty(p.shape)
    for i in range(p.shape[0]):
        d = dt[i]
        for c in range(3):
            out[i, c] = (p[i, c] + v[i, c] * d) + (0.5 * acc[i, c]) * (d * d)
    return out


def first_kill_per_threat(threat: np.ndarray, success: np.ndarray) -> np.ndarray:
    """Rounds that kill: the first successful round of each threat (in the given order).

    A threat dies at its first successful round; later rounds at it in the same resolution batch
    find it gone. Shapes (R,); returns a (R,) bool mask.
    """
    return _first_kill_kernel(np.ascontiguousarray(threat, np.int64), np.ascontiguousarray(success, np.bool_))


@njit(cache=True, error_model="numpy")
def _first_kill_kernel(threat: np.ndarray, success: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`first_kill_per_threat`: kill(i) ⇔ success(i) ∧ no earlier i' < i with the same threat succeeded."""
    R = threat.shape[0]
    kill = np.zeros(R, np.bool_)
    for i in range(R):
        if success[i]:
            first = True
            for j in range(i):
                if success[j] and threat[j] == threat[i]:
                    first = False
                    break
            kill[i] = first
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
    c = np.ascontiguousarray
    valid, alive, g = c(target_valid, np.bool_), c(target_alive, np.bool_), c(guided, np.bool_)
    live, arg = resolve_exponent_kernel(c(basket_m, np.float64), c(miss_m, np.float64), valid, alive, g)
    # Pk = Pk₀ exp(arg) (kill_probability) with NumPy's exp: numba's differs from it in the last bit
    return resolve_outcome_kernel(c(pk0, np.float64), np.exp(arg), live, c(u, np.float64), c(threat, np.int64),
                                  valid, alive, g)  # fmt: skip


@njit(cache=True, error_model="numpy")
def resolve_exponent_kernel(basket_m: np.ndarray, miss_m: np.ndarray, valid: np.ndarray, alive: np.ndarray,
                            guided: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled  # fmt: skip
    """The first half of :func:`resolve`: live(i) = valid ∧ alive ∧ guided, and the exponent of
    :func:`~iadsim.weapons.flyout.kill_probability`, arg = −½ (e/b)² with e = ∞ where the aim error is
    not finite (a diverged track estimate as aim point cannot kill: Pk = Pk₀ exp(−∞) = 0). The
    operations of the NumPy formula in its order ((e/b)² as e/b · e/b, NumPy's square)."""
    R = miss_m.shape[0]
    live = np.empty(R, np.bool_)
    arg = np.empty(R)
    for i in range(R):
        live[i] = valid[i] and alive[i] and guided[i]
        e = miss_m[i] if np.isfinite(miss_m[i]) else np.inf
        q = e / basket_m[i]
        arg[i] = -0.5 * (q * q)
    return live, arg


@njit(cache=True, error_model="numpy")
def resolve_outcome_kernel(pk0: np.ndarray, exp_arg: np.ndarray, live: np.ndarray, u: np.ndarray, threat: np.ndarray,
                           valid: np.ndarray, alive: np.ndarray,
                           guided: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled  # fmt: skip
    """The second half of :func:`resolve`, given exp(arg) of :func:`resolve_exponent_kernel`:
    Pk = Pk₀ exp(arg) where live, else 0, then :func:`_outcome_kernel`."""
    R = pk0.shape[0]
    pk = np.empty(R)
    for i in range(R):
        pk[i] = pk0[i] * exp_arg[i] if live[i] else 0.0
    return _outcome_kernel(pk, u, threat, valid, alive, guided)


@njit(cache=True, error_model="numpy")
def _outcome_kernel(pk: np.ndarray, u: np.ndarray, threat: np.ndarray, valid: np.ndarray, alive: np.ndarray,
                    guided: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled  # fmt: skip
    """:func:`resolve` after the Pk: success ⇔ u < Pk; the first success per threat kills
    (:func:`_first_kill_kernel`); a later success finds its target gone (Pk reported 0); reason
    (last rule wins): pk_draw; guidance_lost if ¬guided; target_already_dead if valid ∧ (¬alive ∨
    success ∧ ¬kill); false_target if ¬valid; −1 for a kill."""
    R = pk.shape[0]
    success = np.empty(R, np.bool_)
    for i in range(R):
        success[i] = u[i] < pk[i]
    kill = _first_kill_kernel(threat, success)
    pk_out = pk.copy()
    reason = np.empty(R, np.int64)
    for i in range(R):
        late = success[i] and not kill[i]
        if late:
            pk_out[i] = 0.0
        r = PK_DRAW
        if not guided[i]:
            r = GUIDANCE_LOST
        if valid[i] and (not alive[i] or late):
            r = TARGET_ALREADY_DEAD
        if not valid[i]:
            r = FALSE_TARGET
        if kill[i]:
            r = -1
        reason[i] = r
    return kill, pk_out, reason


def assess(killed: np.ndarray, u: np.ndarray, p_error: np.ndarray) -> np.ndarray:
    """Kill assessment of a round's target, made ``kill_assessment_s`` after it arrived.

    The assessment is right with probability 1 − p_error and wrong with p_error, both ways
    (a killed target judged alive, a surviving target judged dead): assessed dead ⇔
    (killed ∧ u ≥ p) ∨ (¬killed ∧ u < p). Shapes (n,); returns (n,) bool.
    """
    c = np.ascontiguousarray
    k, uu, p = c(killed, np.bool_).reshape(-1), c(u, np.float64).reshape(-1), c(p_error, np.float64).reshape(-1)
    return _assess_kernel(k, uu, p)


@njit(cache=True, error_model="numpy")
def _assess_kernel(killed: np.ndarray, u: np.ndarray, p_error: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    out = np.empty(killed.shape[0], np.bool_)
    for i in range(killed.shape[0]):
        out[i] = assess_one(killed[i], u[i], p_error[i])
    return out


@njit(cache=True, error_model="numpy")
def assess_one(killed: bool, u: float, p_error: float) -> bool:  # pragma: no cover - compiled
    """The rule of :func:`assess` for one round (scalars: the engine's compiled assessments call it)."""
    return (not killed) if u < p_error else killed
