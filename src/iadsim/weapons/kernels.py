"""Compiled (numba) kernels of the engagement decision: flyout solve, interceptor capability, geodesy.

Plain loops over struct-of-arrays inputs (no Python objects), ``@njit(cache=True, error_model="numpy")``, callable from
a future compiled tick loop. Each kernel applies exactly the rule of the NumPy function that calls
it; that function's docstring is the reference for the model, this module for the arithmetic:

* :func:`solve_tau` — the time of flight of :func:`iadsim.weapons.flyout.predicted_intercept_energy`
  (boost–coast flyout, grid bracket + Illinois regula falsi), one pair;
* :func:`interceptor_capability` — the capability rules of
  :func:`iadsim.weapons.engagement.choose_interceptor` over every (pair, type);
* ``geodetic_terms`` — :func:`iadsim.geo.frames.ecef_to_geodetic_terms` (Heikkinen 1982 / Zhu
  1993: the height and the sines and cosines of φ and λ, no angle), the compiled geodesy kernel,
  re-exported: the rules here only compare the height and take the local vertical;
* :func:`classify_tracks` — :func:`iadsim.c2.classification.classify` (rule table in that module);
* :func:`ballistic_acceleration` — :func:`iadsim.weapons.flyout.ballistic_acceleration` (the
  fire-control acceleration model), its ``r**3`` through :func:`iadsim.npmath.pow` (NumPy's own
  SIMD ``pow``), so it is bit-identical to the NumPy formula;
* :func:`choose_among` — the doctrine's choice (:func:`iadsim.c2.doctrine.choose_row`) per pair
  and the chosen type's τ and PIP, one call;
* :func:`decision_capability` — one decision cycle's per-pair state (fire-control acceleration,
  delay, launch state, time to go, assessed class) and :func:`interceptor_capability`, composed
  in one call.

* :func:`salvo_rounds` — :func:`iadsim.weapons.engagement.salvo_rounds` (each round's launch
  state, PIP and intercept time by :func:`solve_tau`), one call.

No kernel draws random numbers. The flyout (:func:`flyout_distance`, :func:`solve_tau`), the
fire-control acceleration and :func:`salvo_rounds` repeat the NumPy formulas' operations in their
order and call NumPy's own ``expm1`` / ``pow`` (:mod:`iadsim.npmath`), so the rounds' PIP and
intercept times, which set event times, are bit-identical to
:func:`iadsim.weapons.flyout.predicted_intercept_energy` (tested). Elsewhere results may differ
from the NumPy formulas in the last bits (summation order of a few dot products, the 3×3
determinant, NumPy's SIMD ``cbrt``); those results only feed decisions (threshold tests, the
chosen type).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.c2.doctrine import choose_row
from iadsim.c2.evaluation import _time_to_go
from iadsim.geo.frames import ecef_to_geodetic_terms
from iadsim.npmath import expm1 as np_expm1
from iadsim.npmath import pow as np_pow
from iadsim.units import MU_EARTH_M3PS2



@njit(cache=True, error_model="numpy")
def _nmin(x: float, y: float) -> float:  # pragma: no cover - compiled
    """np.minimum for scalars (NaN propagates)."""
    if x != x or y != y:
        return math.nan
    return x if x <= y else y


@njit(cache=True, error_model="numpy")
def _nmax(x: float, y: float) -> float:  # pragma: no cover - compiled
    """np.maximum for scalars (NaN propagates)."""
    if x != x or y != y:
        return math.nan
    return x if x >= y else y


#: the fire-control acceleration model's speed threshold in :func:`decision_capability` (the
#: default ``min_speed_mps`` of :func:`iadsim.weapons.flyout.ballistic_acceleration`) [m/s]
FC_BALLISTIC_MIN_SPEED_MPS = 1000.0


@njit(cache=True, error_model="numpy")
def ballistic_acceleration(p: np.ndarray, v: np.ndarray, min_speed_mps: float) -> np.ndarray:  # pragma: no cover - compiled
    """Fire-control acceleration model (:func:`iadsim.weapons.flyout.ballistic_acceleration`), bit for bit.

    a = −μ p / |p|³ (point-mass gravity, ECEF) where |v| ≥ ``min_speed_mps``, else 0. Same
    operations in the same order as the NumPy formula: |x| = sqrt((x₀² + x₁²) + x₂²), |p|³ by
    NumPy's own ``power`` (:func:`iadsim.npmath.pow`; libm's ``pow`` rounds differently), then
    (−μ p) / |p|³. Shapes: p, v (P, 3) [m, m/s]. Returns (P, 3) [m/s²].
    """
    n = p.shape[0]
    out = np.zeros((n, 3))
    for j in range(n):
        sp = math.sqrt(v[j, 0] * v[j, 0] + v[j, 1] * v[j, 1] + v[j, 2] * v[j, 2])
        if sp >= min_speed_mps:
            r = math.sqrt(p[j, 0] * p[j, 0] + p[j, 1] * p[j, 1] + p[j, 2] * p[j, 2])
            r3 = np_pow(r, 3.0)
            for k in range(3):
                out[j, k] = -MU_EARTH_M3PS2 * p[j, k] / r3
    return out


# one point's (h m, sin φ, cos φ, cos λ, sin λ): the compiled closed form of iadsim.geo.frames, not a copy
geodetic_terms = ecef_to_geodetic_terms


@njit(cache=True, error_model="numpy")
def flyout_distance(t: float, vm: float, tb: float, T: float) -> float:  # pragma: no cover - compiled
    """s(t) of the boost–coast flyout (:func:`iadsim.weapons.flyout.flyout_distance`), one round.

    s = ½ v_m min(t, t_b)² / max(t_b, 10⁻⁹) + v_m T (1 − exp(−max(t − t_b, 0) / T)), the NumPy
    formula's operations in its order and its ``expm1`` (:func:`iadsim.npmath.expm1`), so
    bit-identical to it.
    """
    m = _nmin(t, tb)
    boost = 0.5 * vm * (m * m) / _nmax(tb, 1e-9)
    coast = vm * T * (-np_expm1(-_nmax(t - tb, 0.0) / T))
    return boost + coast


@njit(cache=True, error_model="numpy")
def _gap(tau: float, px: float, py: float, pz: float, vx: float, vy: float, vz: float, ax: float, ay: float,
         az: float, Lx: float, Ly: float, Lz: float, vm: float, tb: float, T: float) -> float:  # pragma: no cover
    """g(τ) = s(τ) − |p + v τ + ½ a τ² − L| (a round on its launcher)."""
    t2 = tau * tau
    dx = px + vx * tau + 0.5 * ax * t2 - Lx
    dy = py + vy * tau + 0.5 * ay * t2 - Ly
    dz = pz + vz * tau + 0.5 * az * t2 - Lz
    d = math.sqrt(dx * dx + dy * dy + dz * dz)
    return flyout_distance(tau, vm, tb, T) - d


@njit(cache=True, error_model="numpy")
def solve_tau(px: float, py: float, pz: float, vx: float, vy: float, vz: float, ax: float, ay: float, az: float,
              Lx: float, Ly: float, Lz: float, vm: float, tb: float, T: float, tmax: float,
              frac: np.ndarray, iterations: int) -> float:  # pragma: no cover - compiled
    """Time of flight τ of one pair with the energy-limited flyout, NaN where none exists.

    The rule of :func:`iadsim.weapons.flyout.predicted_intercept_energy` for a round on its
    launcher (no ``elapsed_s``): g(τ) = s(τ) − |p + v τ + ½ a τ² − L|; skipped where t_max is NaN
    or |p − L| − |v| t_max − ½ |a| t_max² > s(t_max); else the first grid point
    ``t_max · frac[k]`` with g ≥ 0 brackets the root with the previous one (or 0,
    g(0) = −|p − L|), refined by ``iterations`` Illinois regula-falsi steps; τ is the bracket's
    upper end.
    """
    reach = flyout_distance(tmax, vm, tb, T)
    d0 = math.sqrt((px - Lx) * (px - Lx) + (py - Ly) * (py - Ly) + (pz - Lz) * (pz - Lz))
    nv = math.sqrt(vx * vx + vy * vy + vz * vz)
    na = math.sqrt(ax * ax + ay * ay + az * az)
    closest = d0 - nv * tmax - 0.5 * na * (tmax * tmax)
    if not (math.isfinite(tmax) and closest <= reach):
        return math.nan
    lo, g_lo = 0.0, -d0
    hi, g_hi = math.nan, math.nan
    found = False
    for k in range(len(frac)):
        tk = tmax * frac[k]
        gk = _gap(tk, px, py, pz, vx, vy, vz, ax, ay, az, Lx, Ly, Lz, vm, tb, T)
        if gk >= 0:
            hi, g_hi = tk, gk
            found = True
            break
        lo, g_lo = tk, gk
    if not found:
        return math.nan
    side = 0  # Illinois regula falsi: which end moved last
    for _ in range(iterations):
        den = g_hi - g_lo
        c = hi - g_hi * (hi - lo) / den if den != 0.0 else math.nan
        if not (math.isfinite(c) and c > lo and c < hi):
            c = 0.5 * (lo + hi)
        gc = _gap(c, px, py, pz, vx, vy, vz, ax, ay, az, Lx, Ly, Lz, vm, tb, T)
        up = gc >= 0
        if up and side == 1:  # the same end twice: halve the other
            g_lo = 0.5 * g_lo
        if (not up) and side == -1:
            g_hi = 0.5 * g_hi
        if up:
            hi, g_hi = c, gc
            side = 1
        else:
            lo, g_lo = c, gc
            side = -1
    return hi


@njit(cache=True, error_model="numpy")
def _det3(m: np.ndarray) -> float:  # pragma: no cover - compiled
    """Determinant of a 3×3 matrix (cofactor expansion along the first row)."""
    return (m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1])
            - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0])
            + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]))  # fmt: skip


@njit(cache=True, error_model="numpy")
def handover_fraction(Pn: np.ndarray, age: float, q: float, basket: float) -> float:  # pragma: no cover - compiled
    """det(I + P_h / b²)^(−1/2), P_h = P_pp + Δt (P_pv + P_vp) + Δt² P_vv + q Δt³/3 I (Δt = ``age``).

    :func:`iadsim.weapons.engagement.handover_pk_fraction` of
    :func:`iadsim.weapons.engagement.handover_covariance`, one pair; ``Pn`` (6, 6) m², m²/s, m²/s².
    """
    m = np.empty((3, 3))
    b2 = basket * basket
    dt2 = age * age
    qd = q * age**3.0 / 3.0
    for r in range(3):
        for c in range(3):
            ph = Pn[r, c] + age * (Pn[r, 3 + c] + Pn[3 + r, c]) + dt2 * Pn[3 + r, 3 + c]
            if r == c:
                ph += qd
            m[r, c] = (1.0 if r == c else 0.0) + ph / b2
    return 1.0 / math.sqrt(_det3(m))


@njit(cache=True, error_model="numpy")
def interceptor_capability(
    f: np.ndarray, p_launch: np.ndarray, v_launch: np.ndarray, acc: np.ndarray, delay: np.ndarray, tgo: np.ndarray,
    speed: np.ndarray, P_now: np.ndarray, age: np.ndarray, has_age: bool, q: float, cls: np.ndarray,
    magazine: np.ndarray, launcher: np.ndarray, enu_rot: np.ndarray, reserved_for: np.ndarray,
    reserve_hold: np.ndarray, min_frac: np.ndarray, max_target_speed: np.ndarray, pk: np.ndarray,
    max_speed: np.ndarray, burn: np.ndarray, drag: np.ndarray, max_flight: np.ndarray, min_range: np.ndarray,
    max_range: np.ndarray, min_alt: np.ndarray, max_alt: np.ndarray, bm_range: np.ndarray, bm_alt: np.ndarray,
    basket: np.ndarray, bm_class: int, frac: np.ndarray, iterations: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled  # fmt: skip
    """Capability of every (pair, type) before the fire-control support test.

    The rules of :func:`iadsim.weapons.engagement.choose_interceptor`, in its order, for pair p
    (unit u = f[p], assessed class c = cls[p]) and type i with a ready round (magazine[u, i] > 0):

    * reserved for other classes (reserved_for[u, i] has an entry and not for c): marked
      ``last_resort``; under ``reserve_hold`` not capable;
    * |v| ≤ max target speed, Pk[u, i, c] > 0;
    * τ from :func:`solve_tau` (t_max = the flight time to maximum range); PIP = p + v τ + ½ a τ²
      (the launcher position where not finite);
    * inside the class envelope (:func:`iadsim.weapons.envelopes.inside_envelope`): R_min ≤ |R (PIP − L)|
      ≤ R_max(c), H_min ≤ h(PIP) ≤ H_max(c), the ballistic footprint for c = ``bm_class``;
    * delay + τ < t_go;
    * :func:`handover_fraction` ≥ the unit's minimum, age = ``age[p]`` (midcourse updates,
      ``has_age``) or delay + τ.

    Shapes: pair arrays (P,), (P, 3) or (P, 6, 6); unit tables (F, …); type tables (F, I) or
    (F, I, C). Returns ``(capable (P, I) bool, last_resort (P, I) bool, tau (P, I) s (NaN where
    not solved), pip (P, I, 3) m)``.
    """
    n_p = f.shape[0]
    n_i = magazine.shape[1]
    n_c = reserved_for.shape[2]
    capable = np.zeros((n_p, n_i), np.bool_)
    last_resort = np.zeros((n_p, n_i), np.bool_)
    taus = np.full((n_p, n_i), np.nan)
    pips = np.zeros((n_p, n_i, 3))
    pip = np.empty(3)
    rel = np.empty(3)
    for j in range(n_p):
        u = f[j]
        c = cls[j]
        for i in range(n_i):
            if magazine[u, i] <= 0:
                continue
            reserved = False
            for cc in range(n_c):
                if reserved_for[u, i, cc]:
                    reserved = True
            res_ok = (not reserved) or reserved_for[u, i, c]
            if not res_ok:
                last_resort[j, i] = True
            if not ((res_ok or not reserve_hold[u]) and speed[j] <= max_target_speed[u, i] and pk[u, i, c] > 0):
                continue
            tau = solve_tau(p_launch[j, 0], p_launch[j, 1], p_launch[j, 2], v_launch[j, 0], v_launch[j, 1],
                            v_launch[j, 2], acc[j, 0], acc[j, 1], acc[j, 2], launcher[u, 0], launcher[u, 1],
                            launcher[u, 2], max_speed[u, i], burn[u, i], drag[u, i], max_flight[u, i], frac,
                            iterations)  # fmt: skip
            for k in range(3):
                x = p_launch[j, k] + v_launch[j, k] * tau + 0.5 * acc[j, k] * (tau * tau)
                pip[k] = x if math.isfinite(x) else launcher[u, k]
                rel[k] = pip[k] - launcher[u, k]
            s2 = 0.0
            for r in range(3):
                er = enu_rot[u, r, 0] * rel[0] + enu_rot[u, r, 1] * rel[1] + enu_rot[u, r, 2] * rel[2]
                s2 += er * er
            slant = math.sqrt(s2)
            alt = geodetic_terms(pip[0], pip[1], pip[2])[0]
            r_max, h_max = max_range[u, i], max_alt[u, i]
            if c == bm_class:  # assessed ballistic missile: the footprint where known
                if not math.isnan(bm_range[u, i]):
                    r_max = _nmin(r_max, bm_range[u, i])
                if not math.isnan(bm_alt[u, i]):
                    h_max = _nmin(h_max, bm_alt[u, i])
            t_arr = delay[j] + (tau if not math.isnan(tau) else math.inf)
            a_h = age[j] if has_age else (t_arr if math.isfinite(t_arr) else 0.0)
            ok = (math.isfinite(tau) and slant >= min_range[u, i] and slant <= r_max and alt >= min_alt[u, i]
                  and alt <= h_max and t_arr < tgo[j]
                  and handover_fraction(P_now[j], a_h, q, basket[u, i]) >= min_frac[u])  # fmt: skip
            capable[j, i] = ok
            taus[j, i] = tau
            for k in range(3):
                pips[j, i, k] = pip[k]
    return capable, last_resort, taus, pips


@njit(cache=True, error_model="numpy")
def classify_tracks(p: np.ndarray, v: np.ndarray, ballistic_speed: float, ballistic_alt: float,
                    ballistic_vup: float, drone_speed: float, cruise_speed: float,
                    cruise_alt: float) -> np.ndarray:  # pragma: no cover - compiled
    """Assessed class (P,) int64 of track estimates p, v (P, 3) ECEF: the rule table of
    :mod:`iadsim.c2.classification` (first match wins), with speed |v|, geodetic height h and
    vertical speed v·û (û = (cos φ cos λ, cos φ sin λ, sin φ)).

    ballistic (2) if |v| ≥ ballistic_speed or h ≥ ballistic_alt or v·û ≤ ballistic_vup; drone (3)
    if |v| < drone_speed; cruise missile (1) if |v| ≤ cruise_speed and h < cruise_alt; else
    aircraft (0).
    """
    n = p.shape[0]
    out = np.empty(n, np.int64)
    for j in range(n):
        h, sl, cl, co, so = geodetic_terms(p[j, 0], p[j, 1], p[j, 2])
        ux, uy, uz = cl * co, cl * so, sl
        speed = math.sqrt(v[j, 0] * v[j, 0] + v[j, 1] * v[j, 1] + v[j, 2] * v[j, 2])
        vup = v[j, 0] * ux + v[j, 1] * uy + v[j, 2] * uz
        if speed >= ballistic_speed or h >= ballistic_alt or vup <= ballistic_vup:
            out[j] = 2
        elif speed < drone_speed:
            out[j] = 3
        elif speed <= cruise_speed and h < cruise_alt:
            out[j] = 1
        else:
            out[j] = 0
    return out


@njit(cache=True, error_model="numpy")
def decision_capability(
    f: np.ndarray, x: np.ndarray, cued: np.ndarray, P_now: np.ndarray, has_age: bool, q: float,
    reaction: np.ndarray, fc_mask: np.ndarray, cue_delay: np.ndarray, track_update: np.ndarray, assets: np.ndarray,
    min_closing: float, cls_thresholds: np.ndarray, magazine: np.ndarray, launcher: np.ndarray, enu_rot: np.ndarray,
    reserved_for: np.ndarray, reserve_hold: np.ndarray, min_frac: np.ndarray, max_target_speed: np.ndarray,
    pk: np.ndarray, max_speed: np.ndarray, burn: np.ndarray, drag: np.ndarray, max_flight: np.ndarray,
    min_range: np.ndarray, max_range: np.ndarray, min_alt: np.ndarray, max_alt: np.ndarray, bm_range: np.ndarray,
    bm_alt: np.ndarray, basket: np.ndarray, bm_class: int, frac: np.ndarray, iterations: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
           np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled  # fmt: skip
    """The per-pair state of one decision cycle and the capability of every (pair, type), one call.

    For the candidate pairs (unit u = f[p], track estimate x[p] = (p, v) at the decision time)
    the rules of ``engine/run.py _engage``, in order, composed from the kernels that hold them:

    * fire-control acceleration model a (:func:`ballistic_acceleration`, 1 km/s threshold of
      :func:`iadsim.weapons.flyout.ballistic_acceleration`; bit-identical to NumPy's, so p_L and
      v_L, which reach the events through the rounds' PIP, are bit-identical too);
    * fire-control cue delay and update interval of each unit: the minimum over its fire-control
      radars (``fc_mask``) of ``cue_delay`` / ``track_update`` (∞ without one; 0 with no radar
      at all, S = 0);
    * decision-to-launch delay Δ = reaction(u) + (cue delay(u) if the object is not yet held by a
      fire-control radar (``cued``) else 0);
    * launch state (:func:`iadsim.weapons.engagement.launch_kinematics`): p_L = p + v Δ + ½ a Δ²,
      v_L = v + a Δ;
    * time to go (:func:`iadsim.c2.evaluation.time_to_go`, ``min_closing``);
    * assessed class (:func:`classify_tracks`, thresholds ``cls_thresholds`` = (ballistic speed,
      ballistic height, ballistic vertical speed, drone speed, cruise speed, cruise height));
    * speed |v|; the hand-over age (the unit's update interval with midcourse updates,
      ``has_age``);
    * :func:`interceptor_capability` of every (pair, type).

    Shapes: f (P,), x (P, 6), cued (P,) bool, P_now (P, 6, 6); unit tables (F, …),
    radar tables (S,), assets (A, 3); the type tables of :func:`interceptor_capability`.

    Returns
    -------
    ``(acc (P, 3), p_launch (P, 3), v_launch (P, 3), delay (P,), tgo (P,), assessed (P,),
    speed (P,), fc_update (F,), capable (P, I), last_resort (P, I), tau (P, I), pip (P, I, 3))``.
    """
    n_p = f.shape[0]
    n_f, n_s = fc_mask.shape
    fc_cue = np.zeros(n_f)
    fc_update = np.zeros(n_f)
    if n_s:
        for u in range(n_f):
            mc, mu = math.inf, math.inf
            for s in range(n_s):
                if fc_mask[u, s]:
                    mc = _nmin(mc, cue_delay[s])
                    mu = _nmin(mu, track_update[s])
            fc_cue[u] = mc
            fc_update[u] = mu
    p = np.empty((n_p, 3))
    v = np.empty((n_p, 3))
    p_launch = np.empty((n_p, 3))
    v_launch = np.empty((n_p, 3))
    delay = np.empty(n_p)
    speed = np.empty(n_p)
    age = np.zeros(n_p)
    acc = ballistic_acceleration(x[:, :3], x[:, 3:], FC_BALLISTIC_MIN_SPEED_MPS)
    for j in range(n_p):
        u = f[j]
        d = reaction[u] + (fc_cue[u] if cued[j] else 0.0)
        delay[j] = d
        for k in range(3):
            p[j, k] = x[j, k]
            v[j, k] = x[j, 3 + k]
            p_launch[j, k] = p[j, k] + v[j, k] * d + 0.5 * acc[j, k] * (d * d)
            v_launch[j, k] = v[j, k] + acc[j, k] * d
        speed[j] = math.sqrt(v[j, 0] * v[j, 0] + v[j, 1] * v[j, 1] + v[j, 2] * v[j, 2])
        if has_age:
            age[j] = fc_update[u]
    tgo = _time_to_go(p, v, assets, min_closing)
    th = cls_thresholds
    assessed = classify_tracks(p, v, th[0], th[1], th[2], th[3], th[4], th[5])
    capable, last_resort, taus, pips = interceptor_capability(
        f, p_launch, v_launch, acc, delay, tgo, speed, P_now, age, has_age, q, assessed, magazine, launcher, enu_rot,
        reserved_for, reserve_hold, min_frac, max_target_speed, pk, max_speed, burn, drag, max_flight, min_range,
        max_range, min_alt, max_alt, bm_range, bm_alt, basket, bm_class, frac, iterations)  # fmt: skip
    return acc, p_launch, v_launch, delay, tgo, assessed, speed, fc_update, capable, last_resort, taus, pips


@njit(cache=True, error_model="numpy")
def choose_among(f: np.ndarray, capable: np.ndarray, last_resort: np.ndarray, taus: np.ndarray, pips: np.ndarray,
                 cost_usd: np.ndarray, preference: np.ndarray, cheapest: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled  # fmt: skip
    """The doctrine's choice among the capable types of each pair and the chosen type's τ and PIP.

    Type b[p] = :func:`iadsim.c2.doctrine.choose_row` over the unit u = f[p]'s tables (cost
    ``cost_usd[u]``, loadout rank ``preference[u]``, ``cheapest[u]``; ``last_resort[p]`` types
    only where no other type is capable), −1 where none is capable; then τ = taus[p, b] (NaN
    without one) and PIP = pips[p, b] (0 without one). Shapes: f (P,); capable, last_resort,
    taus (P, I); pips (P, I, 3); cost_usd, preference (F, I); cheapest (F,).
    Returns ``(b (P,) int64, tau (P,) s, pip (P, 3) m)``.
    """
    n_p = f.shape[0]
    best = np.empty(n_p, np.int64)
    tau = np.empty(n_p)
    pip = np.zeros((n_p, 3))
    for p in range(n_p):
        u = f[p]
        b = choose_row(capable[p], cost_usd[u], preference[u], cheapest[u], last_resort[p], True)
        best[p] = b
        if b >= 0:
            tau[p] = taus[p, b]
            for k in range(3):
                pip[p, k] = pips[p, b, k]
        else:
            tau[p] = math.nan
    return best, tau, pip


@njit(cache=True, error_model="numpy")
def salvo_rounds(
    n_shots: np.ndarray, launch_interval: np.ndarray, t_launch: np.ndarray, p_l: np.ndarray, v_l: np.ndarray,
    a_l: np.ndarray, launcher: np.ndarray, max_speed: np.ndarray, burn: np.ndarray, drag: np.ndarray,
    max_flight: np.ndarray, frac: np.ndarray, iterations: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled  # fmt: skip
    """Engagements expanded into rounds (the rule of :func:`iadsim.weapons.engagement.salvo_rounds`).

    Round j of engagement e leaves δ = j · ``launch_interval[e]`` after ``t_launch[e]``, aimed
    from the target state p + v δ + ½ a δ², v + a δ (p, v, a = ``p_l[e]``, ``v_l[e]``,
    ``a_l[e]``): τ = :func:`solve_tau` (grid ``frac``, ``iterations`` regula-falsi steps),
    PIP = p_r + v_r τ + ½ a τ²; a round with no intercept flies ``max_flight[e]`` at p_r.
    Shapes: (E,) per engagement, (E, 3) vectors. Returns ``(rep (R,), t_launch (R,),
    pip (R, 3), t_int (R,))``, R = Σ n_shots.
    """
    n_e = n_shots.shape[0]
    n_r = 0
    for e in range(n_e):
        n_r += n_shots[e]
    rep = np.empty(n_r, np.int64)
    st = np.empty(n_r)
    pip = np.empty((n_r, 3))
    t_int = np.empty(n_r)
    pr = np.empty(3)
    vr = np.empty(3)
    r = 0
    for e in range(n_e):
        for j in range(n_shots[e]):
            d = j * launch_interval[e]
            rep[r] = e
            st[r] = t_launch[e] + d
            for k in range(3):
                pr[k] = p_l[e, k] + v_l[e, k] * d + 0.5 * a_l[e, k] * (d * d)
                vr[k] = v_l[e, k] + a_l[e, k] * d
            tau = solve_tau(pr[0], pr[1], pr[2], vr[0], vr[1], vr[2], a_l[e, 0], a_l[e, 1], a_l[e, 2],
                            launcher[e, 0], launcher[e, 1], launcher[e, 2], max_speed[e], burn[e], drag[e],
                            max_flight[e], frac, iterations)  # fmt: skip
            if math.isfinite(tau):
                for k in range(3):
                    pip[r, k] = pr[k] + vr[k] * tau + 0.5 * a_l[e, k] * (tau * tau)
            else:  # lost: no intercept, the round flies its maximum flight time
                tau = max_flight[e]
                for k in range(3):
                    pip[r, k] = pr[k]
            t_int[r] = st[r] + tau
            r += 1
    return rep, st, pip, t_int
