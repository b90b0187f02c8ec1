"""Analytic interceptor flyout: predicted intercept point (PIP) at an average speed.

The target is extrapolated at constant velocity from its track estimate; the interceptor flies a
straight line from the launcher at its average speed ``s``. With ``d = p − L`` (target minus
launcher, ECEF) and target velocity ``v``, the time of flight ``τ`` solves

    |d + v τ| = s τ   ⇔   (v·v − s²) τ² + 2 (d·v) τ + d·d = 0,

and the smallest positive root is taken (no root ⇒ the interceptor cannot catch the target).
"""

from __future__ import annotations

import numpy as np


def intercept_time(d_m: np.ndarray, v_mps: np.ndarray, speed_mps: np.ndarray) -> np.ndarray:
    """Time of flight τ (s) to intercept, NaN where none exists.

    Parameters
    ----------
    d_m : (P, 3) target position minus launcher position at launch time, metres.
    v_mps : (P, 3) target velocity, m/s.
    speed_mps : (P,) interceptor average speed, m/s.
    """
    a = np.einsum("ij,ij->i", v_mps, v_mps) - speed_mps**2
    b = 2.0 * np.einsum("ij,ij->i", d_m, v_mps)
    c = np.einsum("ij,ij->i", d_m, d_m)
    disc = b * b - 4.0 * a * c
    with np.errstate(invalid="ignore", divide="ignore"):
        sq = np.sqrt(np.where(disc >= 0, disc, np.nan))
        r1 = (-b - sq) / (2.0 * a)
        r2 = (-b + sq) / (2.0 * a)
        lin = np.where(np.abs(b) > 0, -c / b, np.nan)  # a == 0: target as fast as the missile
    r1 = np.where(r1 > 0, r1, np.inf)
    r2 = np.where(r2 > 0, r2, np.inf)
    tau = np.where(np.abs(a) < 1e-9, np.where(lin > 0, lin, np.inf), np.minimum(r1, r2))
    tau = np.where(np.isfinite(tau), tau, np.nan)
    return tau


def kill_probability(pk_nominal: np.ndarray, miss_m: np.ndarray, basket_m: np.ndarray) -> np.ndarray:
    """Pk degraded by the prediction error at intercept.

    Pk = Pk₀ · exp(−½ (e / b)²), with ``e`` the distance between the predicted intercept point and
    the true target position at intercept time and ``b`` the seeker's acquisition basket radius.
    A notional model: inside the basket the seeker corrects the error, far outside it cannot.
    """
    return pk_nominal * np.exp(-0.5 * (miss_m / basket_m) ** 2)


def predicted_intercept(
    p_m: np.ndarray,
    v_mps: np.ndarray,
    a_mps2: np.ndarray,
    launcher_m: np.ndarray,
    speed_mps: np.ndarray,
    iterations: int = 5,
) -> tuple[np.ndarray, np.ndarray]:
    """PIP and time of flight for a target with constant acceleration ``a`` (e.g. gravity).

    Start from the constant-velocity root τ₀ (:func:`intercept_time`), then iterate the fixed point
    τₖ₊₁ = |p + v τₖ + ½ a τₖ² − L| / s. With ``a = 0`` the first step is exact. Shapes: (P, 3)
    vectors, (P,) speeds. Returns ``(pip (P,3), tau (P,))``; NaN where no intercept exists.
    """
    tau = intercept_time(p_m - launcher_m, v_mps, speed_mps)
    tau = np.where(tau <= 3600.0, tau, np.nan)  # no interceptor flies for an hour
    has_acc = np.einsum("ij,ij->i", a_mps2, a_mps2) > 0
    if has_acc.any():
        for _ in range(iterations):
            pip = p_m + v_mps * tau[:, None] + 0.5 * a_mps2 * (tau**2)[:, None]
            tau = np.where(has_acc, np.linalg.norm(pip - launcher_m, axis=1) / speed_mps, tau)
            tau = np.where(tau <= 3600.0, tau, np.nan)
    pip = p_m + v_mps * tau[:, None] + 0.5 * a_mps2 * (tau**2)[:, None]
    return pip, tau


def ballistic_acceleration(p_m: np.ndarray, v_mps: np.ndarray, min_speed_mps: float = 1000.0) -> np.ndarray:
    """Fire-control acceleration model: gravity for tracks faster than ``min_speed_mps``.

    No aircraft, cruise missile or drone of the catalogue flies at 1 km/s; a track that fast is
    treated as a ballistic body in free fall, a = −μ p / |p|³ (point-mass gravity, ECEF, Earth
    rotation neglected). Slower tracks get a = 0 (constant velocity).

    Shapes: p_m, v_mps (P, 3) [m, m/s]. Returns (P, 3) [m/s²]. One compiled call
    (:func:`iadsim.weapons.kernels.ballistic_acceleration`, bit-identical to the NumPy formula
    ``−μ p / (|p|**3)[:, None]`` where ``|v| ≥ min_speed_mps``).
    """
    from iadsim.weapons.kernels import ballistic_acceleration as kernel

    return np.asarray(kernel(np.ascontiguousarray(p_m, float).reshape(-1, 3),
                             np.ascontiguousarray(v_mps, float).reshape(-1, 3), float(min_speed_mps)))


# ------------------------------------------------------------------ energy-limited flyout
#
# Model (boost, then drag decay). The motor accelerates the round uniformly from rest to its
# maximum speed v_m over the burn time t_b; after burn-out the speed decays exponentially with a
# drag time constant T (a coasting body whose drag deceleration is proportional to speed):
#
#     v(t) = v_m t / t_b                       0 ≤ t ≤ t_b
#     v(t) = v_m exp(−(t − t_b) / T)           t > t_b
#     s(t) = ½ v_m t² / t_b                    0 ≤ t ≤ t_b
#     s(t) = ½ v_m t_b + v_m T (1 − exp(−(t − t_b)/T))     t > t_b
#
# so the average speed s(t)/t falls with range once the motor is out. T is calibrated per round
# so that the catalogue's average speed v̄ (the analytic model's single speed) is the average over
# a flight to the maximum range R: s(R / v̄) = R. (Assumption: the catalogue's 0.6 × v_m average
# is read as the maximum-range average, and shorter shots fly faster on average.) Source of the
# shape: the standard boost–coast description of a solid-rocket SAM flyout (e.g. Zarchan,
# *Tactical and Strategic Missile Guidance*, ch. on missile kinematics); all numbers are notional.


def calibrate_drag_time(max_range_m: np.ndarray, avg_speed_mps: np.ndarray, max_speed_mps: np.ndarray,
                        burn_time_s: np.ndarray, iterations: int = 60) -> np.ndarray:  # fmt: skip
    """Drag time constant T (s) such that s(R / v̄) = R, shape of the inputs; NaN where impossible.

    Solvable when ½ v_m t_b < R < v_m (R/v̄ − ½ t_b) (the round can neither reach R on the boost
    alone nor at a constant v_m after it). Bisection on log T (s(T) grows with T).
    """
    R = np.asarray(max_range_m, float)
    vb = np.asarray(avg_speed_mps, float)
    vm = np.asarray(max_speed_mps, float)
    tb = np.asarray(burn_time_s, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        T_end = R / vb
        coast = T_end - tb
        ok = (0.5 * vm * tb < R) & (R < vm * (T_end - 0.5 * tb)) & (coast > 0)
        lo = np.full(R.shape, -6.0)
        hi = np.full(R.shape, 12.0)
        for _ in range(iterations):
            mid = 0.5 * (lo + hi)
            T = np.exp(mid)
            s = 0.5 * vm * tb + vm * T * (-np.expm1(-coast / T))
            lo = np.where(s < R, mid, lo)
            hi = np.where(s < R, hi, mid)
        return np.where(ok, np.exp(0.5 * (lo + hi)), np.nan)


def flyout_distance(t_s: np.ndarray, max_speed_mps: np.ndarray, burn_time_s: np.ndarray,
                    drag_time_s: np.ndarray) -> np.ndarray:  # fmt: skip
    """Distance flown s(t) (m) of the boost–coast model; broadcasting arrays."""
    t = np.asarray(t_s, float)
    vm = np.asarray(max_speed_mps, float)
    tb = np.asarray(burn_time_s, float)
    T = np.asarray(drag_time_s, float)
    boost = 0.5 * vm * np.minimum(t, tb) ** 2 / np.maximum(tb, 1e-9)
    coast = vm * T * (-np.expm1(-np.maximum(t - tb, 0.0) / T))
    return boost + coast


def flyout_time(r_m: np.ndarray, max_speed_mps: np.ndarray, burn_time_s: np.ndarray,
                drag_time_s: np.ndarray) -> np.ndarray:  # fmt: skip
    """Time of flight t(r) (s) to distance ``r``, the inverse of :func:`flyout_distance`.

    NaN where the round never gets that far (r ≥ ½ v_m t_b + v_m T, the coasting limit).
    """
    r = np.asarray(r_m, float)
    vm = np.asarray(max_speed_mps, float)
    tb = np.asarray(burn_time_s, float)
    T = np.asarray(drag_time_s, float)
    sb = 0.5 * vm * tb
    with np.errstate(invalid="ignore", divide="ignore"):
        t_boost = np.sqrt(2.0 * r * tb / vm)
        frac = (r - sb) / (vm * T)
        t_coast = tb - T * np.log1p(-frac)
        return np.where(r <= sb, t_boost, np.where(frac < 1.0, t_coast, np.nan))


def predicted_intercept_energy(
    p_m: np.ndarray, v_mps: np.ndarray, a_mps2: np.ndarray, launcher_m: np.ndarray,
    max_speed_mps: np.ndarray, burn_time_s: np.ndarray, drag_time_s: np.ndarray, t_max_s: np.ndarray,
    n_grid: int = 10, iterations: int = 8, elapsed_s: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """PIP and time of flight with the energy-limited (boost–coast) flyout.

    The time of flight τ is the smallest root in (0, t_max] of

        g(τ) = s(τ) − |p + v τ + ½ a τ² − L|,

    the distance flown by the round minus the distance from the launcher to the predicted target
    position (g(0) = −|p − L| < 0). A grid of ``n_grid`` points brackets the first sign change,
    then ``iterations`` steps of the Illinois regula falsi refine it (τ = the bracket's upper
    end, where g ≥ 0: the round has reached the target). ``t_max`` (P,) is the longest flight
    considered (e.g. the flight time to the maximum range); pairs with NaN ``t_max`` are skipped,
    and so are pairs the round cannot reach even if the target flew straight at the launcher
    (|p − L| − |v| t_max − ½|a| t_max² > s(t_max)). Shapes: (P, 3) vectors, (P,) parameters.
    Returns ``(pip (P, 3), tau (P,))``, NaN where the round cannot reach the target in time.

    ``elapsed_s`` (P,), optional: a round already ``e`` seconds into its flight, now at
    ``launcher_m`` (e.g. retargeted in flight, :mod:`iadsim.weapons.retarget`), flies
    s(e + τ) − s(e) in the next τ seconds instead of s(τ); ``t_max`` is then its remaining
    flight time. None (default): a round on the launcher (e = 0).
    """
    p = np.asarray(p_m, float)
    v = np.asarray(v_mps, float)
    a = np.asarray(a_mps2, float)
    L = np.asarray(launcher_m, float)
    P = len(p)
    tau_all = np.full(P, np.nan)
    if P == 0:
        return np.zeros((0, 3)), tau_all
    tmax_all = np.asarray(t_max_s, float)
    vm_all, tb_all, T_all = (np.broadcast_to(np.asarray(x, float), (P,)) for x in (max_speed_mps, burn_time_s, drag_time_s))
    e_all = None if elapsed_s is None else np.broadcast_to(np.asarray(elapsed_s, float), (P,))
    with np.errstate(invalid="ignore"):
        if e_all is None:
            reach = flyout_distance(tmax_all, vm_all, tb_all, T_all)
        else:
            reach = flyout_distance(e_all + tmax_all, vm_all, tb_all, T_all) - flyout_distance(e_all, vm_all, tb_all, T_all)
        closest = (np.linalg.norm(p - L, axis=1) - np.linalg.norm(v, axis=1) * tmax_all
                   - 0.5 * np.linalg.norm(a, axis=1) * tmax_all**2)  # fmt: skip
        sel = np.flatnonzero(np.isfinite(tmax_all) & (closest <= reach))
    if len(sel):
        ps, vs, as_, Ls = p[sel], v[sel], a[sel], L[sel]
        vm, tb, T, tmax = vm_all[sel], tb_all[sel], T_all[sel], tmax_all[sel]
        n = len(sel)
        es = None if e_all is None else e_all[sel][:, None]

        def g(tau: np.ndarray) -> np.ndarray:  # tau (n, k)
            tgt = ps[:, None, :] + vs[:, None, :] * tau[..., None] + 0.5 * as_[:, None, :] * (tau**2)[..., None]
            d = np.linalg.norm(tgt - Ls[:, None, :], axis=2)
            if es is None:
                return flyout_distance(tau, vm[:, None], tb[:, None], T[:, None]) - d
            s0 = flyout_distance(es, vm[:, None], tb[:, None], T[:, None])
            return flyout_distance(es + tau, vm[:, None], tb[:, None], T[:, None]) - s0 - d

        frac = np.linspace(0.0, 1.0, n_grid + 1)[1:]
        grid = tmax[:, None] * frac[None, :]
        gv = g(grid)
        pos = gv >= 0
        has = pos.any(axis=1)
        k = np.argmax(pos, axis=1)
        r = np.arange(n)
        hi, g_hi = grid[r, k], gv[r, k]
        lo = np.where(k > 0, grid[r, np.maximum(k - 1, 0)], 0.0)
        g_lo = np.where(k > 0, gv[r, np.maximum(k - 1, 0)], -np.linalg.norm(ps - Ls, axis=1))
        side = np.zeros(n, np.int8)  # Illinois regula falsi: which end moved last
        for _ in range(iterations):
            with np.errstate(invalid="ignore", divide="ignore"):
                c = hi - g_hi * (hi - lo) / (g_hi - g_lo)
            c = np.where(np.isfinite(c) & (c > lo) & (c < hi), c, 0.5 * (lo + hi))
            gc = g(c[:, None])[:, 0]
            up = gc >= 0
            g_lo = np.where(up & (side == 1), 0.5 * g_lo, g_lo)  # same end twice: halve the other
            g_hi = np.where(~up & (side == -1), 0.5 * g_hi, g_hi)
            hi, g_hi = np.where(up, c, hi), np.where(up, gc, g_hi)
            lo, g_lo = np.where(up, lo, c), np.where(up, g_lo, gc)
            side = np.where(up, 1, -1).astype(np.int8)
        tau_all[sel] = np.where(has, hi, np.nan)
    pip = p + v * tau_all[:, None] + 0.5 * a * (tau_all**2)[:, None]
    return pip, tau_all
