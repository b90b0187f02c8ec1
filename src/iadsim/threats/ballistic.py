"""Ballistic missiles: Keplerian free flight over a spherical, non-rotating Earth.

Model (every equation and its size of error in ``docs/models.md (threat motion)``):

* point mass, inverse-square central gravity g = −μ r/|r|³, no drag; Earth radius
  ``R = EARTH_MEAN_RADIUS_M``, μ = ``MU_EARTH_M3PS2``; the Earth does not rotate (the arc is drawn
  in ECEF as if ECEF were inertial);
* boost phase (``burn_time_s`` t_b > 0, :func:`boosted_burnout`): a kinematic boost, uniform
  acceleration a = v_bo/t_b from rest along a straight line from the launch point at the
  flight-path angle γ above the launch horizontal, so burnout is at distance d = ½ v_bo t_b along
  that line with velocity v_bo along it; v_bo is the speed for which the free flight from that
  burnout point hits the target (general-radius hit equation, solved by fixed-point iteration).
  With t_b = 0 the missile is at burnout on the surface (the equal-radius model below);
* trajectory shapes (:func:`shape_flight_path_angle`): minimum energy (γ minimising v_bo;
  π/4 − ψ/4 without boost), depressed (γ_me − 15°) and lofted (γ_me + 15°);
* terminal manoeuvre (optional): below an altitude on the descent the missile weaves across its
  ground track with lateral displacement y(τ) = (n g₀/ω²)(1 − cos ωτ), ω = 2πk/T (k whole
  periods in the T seconds left), so it starts and ends on the ballistic arc with peak lateral
  acceleration n g₀. The defender's predictor (gravity only, ``weapons.flyout``) does not model it;
* the burnout speed and flight-path angle come from the closed-form equal-radius hit equation
  (Bate, Mueller & White 1971, *Fundamentals of Astrodynamics*, §6.2; Regan & Anandakrishnan 1993,
  *Dynamics of Atmospheric Re-Entry*, ch. 2):

      Q = v² R / μ = sin(ψ/2) / (cos γ · sin(γ + ψ/2))              (hit equation)
      minimum energy: γ* = π/4 − ψ/4,  Q* = 2 sin(ψ/2) / (1 + sin(ψ/2))

  with ψ = ground range / R the range angle and γ the flight-path angle above the local horizontal;
  the flight time follows from Kepler's equation (:func:`lofted_or_depressed`);
* the trajectory is then propagated numerically (RK4, fixed step) in the plane of the launch and
  impact points, tabulated, and mapped onto WGS84: the direction is slerped along the great
  circle between the launch and impact unit vectors (built from the geodetic latitude/longitude
  as if they were spherical angles), altitude = r − R.

The per-missile work (boost fixed point, minimum-energy angle, RK4 arcs, impact root, tables, the
map onto WGS84) runs in numba kernels over all missiles (:func:`burnout_kernel`,
:func:`min_energy_angle_kernel`, :func:`arc_kernel`, :func:`map_kernel`) that keep NumPy's
arithmetic order and NumPy's own ``arctan2``/``tan``/``power`` (:mod:`iadsim.npmath`), so the
tables are bit-identical to the NumPy formulas (``docs/design.md`` (Compiled glue (ballistic draw))).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim import npmath
from iadsim.errors import InputError, NumericalError
from iadsim.geo.frames import WGS84_A_M, WGS84_E2, geodetic_to_ecef, unit_sphere_vector
from iadsim.threats.motion import PlannedMover, _geodetic_rates_to_ecef, flags
from iadsim.units import EARTH_MEAN_RADIUS_M, MU_EARTH_M3PS2

__all__ = [
    "BallisticSolution",
    "BallisticMover",
    "boosted_burnout",
    "shape_flight_path_angle",
    "SHAPE_OFFSET_RAD",
    "G0_MPS2",
    "min_energy_solution",
    "lofted_or_depressed",
    "free_flight_range",
]


@dataclass(frozen=True)
class BallisticSolution:
    """Closed-form Keplerian free flight between two points of equal radius R.

    All attributes are arrays broadcast from the inputs (0-d for scalar inputs).

    Attributes
    ----------
    ground_range_m : spherical ground range ψ·R, m
    range_angle_rad : ψ, rad
    flight_path_angle_rad : γ above the local horizontal at burnout (and, mirrored, at impact), rad
    burnout_speed_mps : v at r = R, m/s
    flight_time_s : time of free flight from R back to R, s
    apogee_alt_m : r_apogee − R, m
    semi_major_axis_m, eccentricity : conic elements
    """

    ground_range_m: np.ndarray
    range_angle_rad: np.ndarray
    flight_path_angle_rad: np.ndarray
    burnout_speed_mps: np.ndarray
    flight_time_s: np.ndarray
    apogee_alt_m: np.ndarray
    semi_major_axis_m: np.ndarray
    eccentricity: np.ndarray


def lofted_or_depressed(
    ground_range_m: np.ndarray | float,
    flight_path_angle_rad: np.ndarray | float,
    earth_radius_m: float = EARTH_MEAN_RADIUS_M,
    mu_m3ps2: float = MU_EARTH_M3PS2,
) -> BallisticSolution:
    """Burnout speed and flight time for a given range and flight-path angle γ.

    γ above the minimum-energy angle π/4 − ψ/4 gives a lofted, below it a depressed trajectory.

    Parameters
    ----------
    ground_range_m : array_like
        Ground range on the sphere, m; 0 < range < π R.
    flight_path_angle_rad : array_like
        Flight-path angle above the local horizontal at burnout, rad; 0 < γ < π/2.
    earth_radius_m, mu_m3ps2 : float
        Sphere radius (m) and gravitational parameter (m³/s²).

    Returns
    -------
    BallisticSolution

    Notes
    -----
    Equation of the conic through the launch point, 1/r(θ) = μ/h² + (1/R − μ/h²) cos θ −
    (tan γ / R) sin θ with h = R v cos γ, set to 1/R at θ = ψ gives the hit equation
    Q = v²R/μ = sin(ψ/2) / (cos γ sin(γ + ψ/2)) (BMW eq. 6.2-7 in its Q form). Elements:
    a = R / (2 − Q) (vis-viva), p = R Q cos²γ, e = sqrt(1 − p/a). Launch and impact sit
    symmetrically about apogee at true anomalies ν₀ = π − ψ/2 and 2π − ν₀, so with the eccentric
    anomaly E₀ = atan2(sqrt(1 − e²) sin ν₀, e + cos ν₀) Kepler's equation gives
    t_f = 2 sqrt(a³/μ) · (π − E₀ + e sin E₀). Apogee radius a (1 + e).
    """
    rng, gamma = np.broadcast_arrays(
        np.asarray(ground_range_m, dtype=float), np.asarray(flight_path_angle_rad, dtype=float)
    )
    R = float(earth_radius_m)
    psi = rng / R
    if np.any(~np.isfinite(psi)) or np.any(psi <= 0.0) or np.any(psi >= np.pi):
        raise InputError(f"ballistic: ground range must be in (0, π·R) = (0, {np.pi * R:.0f}) m (got {rng})")
    if np.any(~np.isfinite(gamma)) or np.any(gamma <= 0.0) or np.any(gamma >= np.pi / 2):
        raise InputError(f"ballistic: flight-path angle must be in (0, π/2) rad (got {gamma})")
    half = 0.5 * psi
    q = np.sin(half) / (np.cos(gamma) * np.sin(gamma + half))  # hit equation, Q = v²R/μ
    if np.any(q >= 2.0):
        raise InputError("ballistic: the requested flight-path angle needs escape speed (Q ≥ 2)")
    v = np.sqrt(q * mu_m3ps2 / R)
    a = R / (2.0 - q)  # vis-viva: v² = μ (2/R − 1/a)
    p = R * q * np.cos(gamma) ** 2  # semi-latus rectum p = h²/μ
    e = np.sqrt(np.clip(1.0 - p / a, 0.0, None))
    nu0 = np.pi - half  # true anomaly of the launch point (apogee at ν = π)
    e0 = np.arctan2(np.sqrt(1.0 - e * e) * np.sin(nu0), e + np.cos(nu0))  # eccentric anomaly
    tf = 2.0 * np.sqrt(a**3 / mu_m3ps2) * (np.pi - e0 + e * np.sin(e0))  # Kepler, ×2 by symmetry
    return BallisticSolution(
        ground_range_m=rng,
        range_angle_rad=psi,
        flight_path_angle_rad=gamma,
        burnout_speed_mps=v,
        flight_time_s=tf,
        apogee_alt_m=a * (1.0 + e) - R,
        semi_major_axis_m=a,
        eccentricity=e,
    )


def min_energy_solution(
    ground_range_m: np.ndarray | float,
    earth_radius_m: float = EARTH_MEAN_RADIUS_M,
    mu_m3ps2: float = MU_EARTH_M3PS2,
) -> BallisticSolution:
    """Minimum-energy (minimum burnout speed) trajectory for a ground range on the sphere.

    γ* = π/4 − ψ/4 and v*² = (μ/R) · 2 sin(ψ/2) / (1 + sin(ψ/2)), ψ = range / R
    (BMW 1971 eq. 6.2-13/-14; Regan & Anandakrishnan 1993 §2). Flat-Earth limit (ψ → 0): γ* → 45°,
    v*² → g R ψ, i.e. range = v²/g.

    Parameters
    ----------
    ground_range_m : array_like
        Ground range on the sphere, m; 0 < range < π R.

    Returns
    -------
    BallisticSolution
    """
    psi = np.asarray(ground_range_m, dtype=float) / float(earth_radius_m)
    gamma = np.pi / 4.0 - psi / 4.0  # γ* = π/4 − ψ/4
    sol = lofted_or_depressed(ground_range_m, gamma, earth_radius_m, mu_m3ps2)
    return sol


def free_flight_range(
    burnout_speed_mps: np.ndarray | float,
    flight_path_angle_rad: np.ndarray | float,
    earth_radius_m: float = EARTH_MEAN_RADIUS_M,
    mu_m3ps2: float = MU_EARTH_M3PS2,
) -> np.ndarray:
    """Ground range (m, on the sphere) of free flight from burnout on the surface.

    Free-flight range equation (BMW 1971 eq. 6.2-5 with r_bo = R):
    cos(ψ/2) = (1 − Q cos²γ) / sqrt(1 + Q (Q − 2) cos²γ), Q = v²R/μ < 2; range = ψ R.
    """
    v = np.asarray(burnout_speed_mps, dtype=float)
    g = np.asarray(flight_path_angle_rad, dtype=float)
    q = v * v * earth_radius_m / mu_m3ps2
    c2 = np.cos(g) ** 2
    cos_half = (1.0 - q * c2) / np.sqrt(1.0 + q * (q - 2.0) * c2)
    return 2.0 * np.arccos(np.clip(cos_half, -1.0, 1.0)) * earth_radius_m


#: Depressed / lofted trajectories fly the minimum-energy angle −/+ this (assumption, see docs).
SHAPE_OFFSET_RAD = np.deg2rad(15.0)
#: Standard gravity, m/s² (for manoeuvre loads given in g).
G0_MPS2 = 9.80665
SHAPES = ("minimum_energy", "depressed", "lofted")


def boosted_burnout(
    range_angle_rad: np.ndarray | float,
    flight_path_angle_rad: np.ndarray | float,
    burn_time_s: np.ndarray | float,
    earth_radius_m: float = EARTH_MEAN_RADIUS_M,
    mu_m3ps2: float = MU_EARTH_M3PS2,
    iterations: int = 60,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Burnout speed and in-plane burnout position for a kinematic boost that hits the target.

    Boost: from rest at the launch point (planar coordinates x radial, y downrange, launch at
    (R, 0)) with uniform acceleration along the unit vector ê = (sin γ, cos γ) for t_b seconds:
    burnout at P = (R + d sin γ, d cos γ), d = ½ v t_b, velocity v ê. Free flight from P (radius
    r₁ = |P|, angle θ₁ = atan2(P_y, P_x), local flight-path angle γ₁ = γ + θ₁) to the target at
    radius R after Δθ = ψ − θ₁ follows the conic 1/r(θ) = μ/h² + (1/r₁ − μ/h²) cos θ −
    (tan γ₁ / r₁) sin θ with h = r₁ v cos γ₁; setting r(Δθ) = R gives the hit equation

        v² = μ (1 − cos Δθ) / (r₁² cos² γ₁ (1/R − cos Δθ / r₁ + tan γ₁ sin Δθ / r₁))

    (with r₁ = R, θ₁ = 0 this is the equal-radius Q form of :func:`lofted_or_depressed`). v and d
    depend on each other; the fixed point v ← v(d(v)) is iterated from the no-boost speed (it
    contracts: a faster missile burns out higher and nearer, needing less speed).

    Parameters
    ----------
    range_angle_rad : array_like, shape (N,)
        ψ = ground range / R, rad.
    flight_path_angle_rad : array_like, shape (N,)
        γ of the boost line above the launch horizontal (= at burnout), rad, in (0, π/2).
    burn_time_s : array_like, shape (N,)
        t_b ≥ 0, s.

    Returns
    -------
    v_bo_mps, burnout_xy_m, escape_or_short : ndarray (N,), (N, 2), (N,) bool
        Burnout speed, burnout position in the plane, and where no solution exists (the boost
        overflies the target, or escape speed would be needed).
    """
    psi, gamma, tb = np.broadcast_arrays(
        np.atleast_1d(np.asarray(range_angle_rad, float)),
        np.atleast_1d(np.asarray(flight_path_angle_rad, float)),
        np.atleast_1d(np.asarray(burn_time_s, float)),
    )
    R = float(earth_radius_m)
    mu = float(mu_m3ps2)
    c = np.ascontiguousarray
    v = np.empty(psi.size)
    bad = np.empty(psi.size, dtype=bool)
    burnout_kernel(c(psi, float).ravel(), c(gamma, float).ravel(), c(tb, float).ravel(), R, mu, int(iterations), v, bad)
    v, bad = v.reshape(psi.shape), bad.reshape(psi.shape)
    d = 0.5 * v * tb
    xy = np.stack([R + d * np.sin(gamma), d * np.cos(gamma)], axis=-1)
    return v, xy, bad


def shape_flight_path_angle(
    range_angle_rad: np.ndarray | float,
    burn_time_s: np.ndarray | float,
    shape: np.ndarray | str,
    earth_radius_m: float = EARTH_MEAN_RADIUS_M,
    mu_m3ps2: float = MU_EARTH_M3PS2,
) -> np.ndarray:
    """Flight-path angle γ (rad) of a trajectory shape, per missile.

    minimum_energy: γ_me = argmin_γ v_bo(γ) of :func:`boosted_burnout` (bracketed on a 2° grid
    over [1°, 89°], then a golden-section search to ~1e-5°); without a
    boost (t_b = 0) the closed form γ_me = π/4 − ψ/4. depressed: γ_me − 15°; lofted: γ_me + 15°
    (``SHAPE_OFFSET_RAD``; an assumption, see ``docs/models.md`` (ballistic shapes)), clipped to
    [1°, 89°].

    Parameters
    ----------
    range_angle_rad, burn_time_s : array_like, shape (N,)
    shape : str or array of str, shape (N,)
        ``minimum_energy``, ``depressed`` or ``lofted``.
    """
    psi, tb = np.broadcast_arrays(
        np.atleast_1d(np.asarray(range_angle_rad, float)), np.atleast_1d(np.asarray(burn_time_s, float))
    )
    shp = np.broadcast_to(np.asarray(shape, dtype=object), psi.shape)
    unknown = set(shp.tolist()) - set(SHAPES)
    if unknown:
        raise InputError(f"ballistic: unknown trajectory shape(s) {sorted(unknown)} (choose from: {', '.join(SHAPES)})")
    gamma = np.pi / 4.0 - psi / 4.0
    boosted = tb > 0.0
    if boosted.any():
        # bracket on a 2° grid over [1°, 89°], then golden-section search inside the bracket
        grid = np.deg2rad(np.arange(1.0, 89.0 + 1e-9, 2.0))
        ratio = float((np.sqrt(5.0) - 1.0) / 2.0)
        gamma[boosted] = min_energy_angle_kernel(np.ascontiguousarray(psi[boosted]), np.ascontiguousarray(tb[boosted]),
                                                 grid, ratio, float(earth_radius_m), float(mu_m3ps2))  # fmt: skip
    offset = np.where(shp == "depressed", -SHAPE_OFFSET_RAD, np.where(shp == "lofted", SHAPE_OFFSET_RAD, 0.0))
    return np.clip(gamma + offset.astype(float), np.deg2rad(1.0), np.deg2rad(89.0))


# --- compiled per-missile work (NumPy's arithmetic order, bit for bit; see docs/design.md) ----------


@njit(cache=True, error_model="numpy")
def _clip(x: float, lo: float, hi: float) -> float:  # pragma: no cover - compiled
    """``np.clip`` on a float64 scalar: min(max(x, lo), hi), NaN kept (NumPy's ``_NPY_CLIP``)."""
    if np.isnan(x):
        return x
    m = x if x > lo else lo
    return m if m < hi else hi


@njit(cache=True, error_model="numpy")
def burnout_kernel(psi: np.ndarray, gamma: np.ndarray, tb: np.ndarray, earth_radius_m: float, mu_m3ps2: float,
                   iterations: int, v: np.ndarray, bad: np.ndarray) -> None:  # pragma: no cover - compiled  # fmt: skip
    """Boosted burnout speed by fixed-point iteration, for a batch of M missiles at once.

    The equations of :func:`boosted_burnout`: start v = sqrt(clip(Q, 0, 2) μ/R) with the
    equal-radius Q = sin(ψ/2) / (cos γ sin(γ + ψ/2)); repeat: d = ½ v t_b, P = (R + d sin γ, d cos γ),
    r₁ = |P|, θ₁ = atan2(P_y, P_x), γ₁ = γ + θ₁, Δθ = ψ − θ₁,
    den = r₁² cos²γ₁ (1/R − cos Δθ/r₁ + tan γ₁ sin Δθ/r₁), bad = Δθ ≤ 0 ∨ den ≤ 0,
    v² = μ (1 − cos Δθ)/den (v² kept where bad), bad ∨= v² r₁/μ ≥ 2; stop when every missile of
    the batch moved by ≤ 10⁻⁹ max(v, 1) (one test over the whole batch, as the NumPy form did).
    A missile whose v reached an exact fixed point (f(v) = v, bit for bit) or an exact 2-cycle
    (f(f(v)) = v) is not re-evaluated: its later iterates (and ``bad``) are known numbers.

    Shapes: ``psi, gamma, tb`` (M,) rad, rad, s; outputs ``v`` (M,) m/s and ``bad`` (M,) bool.
    """
    m = psi.shape[0]
    R = earth_radius_m
    mu = mu_m3ps2
    inv_r = 1.0 / R
    sg = np.empty(m)
    cg = np.empty(m)
    for i in range(m):
        half = 0.5 * psi[i]
        q = np.sin(half) / (np.cos(gamma[i]) * np.sin(gamma[i] + half))
        v[i] = np.sqrt(_clip(q, 0.0, 2.0) * mu / R)
        bad[i] = False
        sg[i] = np.sin(gamma[i])
        cg[i] = np.cos(gamma[i])
    v_new = np.empty(m)
    v_old = np.full(m, np.nan)  # the iterate before v
    mode = np.zeros(m, dtype=np.int8)  # 0 iterating, 1 exact fixed point f(v) = v, 2 exact 2-cycle
    alt_v = np.empty(m)  # mode 2: the other value of the cycle and its ``bad``
    alt_b = np.zeros(m, dtype=np.bool_)
    nb = (m + npmath.BLOCK - 1) // npmath.BLOCK  # arctan2 / tan in blocks of 8 lanes (NumPy's own calls)
    mp = nb * npmath.BLOCK
    px = np.ones(mp)
    py = np.ones(mp)
    th1 = np.zeros(mp)
    g1 = np.zeros(mp)
    tg = np.zeros(mp)
    live = np.zeros(nb, dtype=np.bool_)
    for _ in range(iterations):
        live[:] = False
        for i in range(m):
            if mode[i] == 0:
                d = 0.5 * v[i] * tb[i]
                px[i] = R + d * sg[i]
                py[i] = d * cg[i]
                live[i // npmath.BLOCK] = True
        for k in range(nb):
            if live[k]:
                npmath.atan2_block(py, px, th1, k * npmath.BLOCK)
        for i in range(m):
            g1[i] = gamma[i] + th1[i]
        for k in range(nb):
            if live[k]:
                npmath.tan_block(g1, tg, k * npmath.BLOCK)
        converged = True
        for i in range(m):
            vi = v[i]
            if mode[i] == 1:  # f(v) = v bit for bit: every later iterate (and ``bad``) is the same
                v_new[i] = vi
                continue
            if mode[i] == 2:  # f(a) = b, f(b) = a bit for bit: the iterates alternate
                vn = alt_v[i]
                b = alt_b[i]
                alt_v[i] = vi
                alt_b[i] = bad[i]
            else:
                r1 = np.hypot(px[i], py[i])
                dth = psi[i] - th1[i]
                c1 = np.cos(g1[i])
                den = r1 * r1 * (c1 * c1) * (inv_r - np.cos(dth) / r1 + tg[i] * np.sin(dth) / r1)
                b = (dth <= 0.0) or (den <= 0.0)
                vv = vi * vi
                v2 = vv if b else mu * (1.0 - np.cos(dth)) / den
                b = b or (v2 * r1 / mu >= 2.0)
                vn = np.sqrt(vv if b else v2)
                if vn == vi:
                    mode[i] = 1
                elif vn == v_old[i]:
                    mode[i] = 2
                    alt_v[i] = vi
                    alt_b[i] = bad[i]
            scale = vi if vi > 1.0 else 1.0  # np.maximum(v, 1.0); NaN v fails the test below anyway
            if not (np.abs(vn - vi) <= 1e-9 * scale):
                converged = False
            bad[i] = b
            v_old[i] = vi
            v_new[i] = vn
        v[:] = v_new
        if converged:
            break


@njit(cache=True, error_model="numpy")
def _speed(psi: np.ndarray, gamma: np.ndarray, tb: np.ndarray, R: float, mu: float, v: np.ndarray,
           bad: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """v_bo(γ) of a batch, +inf where no solution (the ``speed`` of :func:`shape_flight_path_angle`)."""
    burnout_kernel(psi, gamma, tb, R, mu, 60, v, bad)
    out = np.empty(psi.shape[0])
    for i in range(psi.shape[0]):
        out[i] = np.inf if bad[i] else v[i]
    return out


@njit(cache=True, error_model="numpy")
def min_energy_angle_kernel(psi: np.ndarray, tb: np.ndarray, grid: np.ndarray, ratio: float, R: float,
                            mu: float) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """Minimum-energy flight-path angle γ_me = argmin_γ v_bo(γ) of N boosted missiles (rad, (N,)).

    Bracket: the grid angle (``grid``, (G,) rad) of least v_bo, first one on ties, clipped to
    [1, G − 2]; then 30 golden-section steps (``ratio`` = (√5 − 1)/2) inside [γ_{k−1}, γ_{k+1}]:
    c = hi − ratio (hi − lo), d = lo + ratio (hi − lo); f(c) < f(d) keeps [lo, d], else [c, hi];
    result ½ (lo + hi). Each evaluation is one :func:`burnout_kernel` batch over all N missiles
    (the grid: one batch of G·N), exactly the batches of the NumPy form.
    """
    n = psi.shape[0]
    ng = grid.shape[0]
    pp = np.empty(ng * n)
    tt = np.empty(ng * n)
    gg = np.empty(ng * n)
    for j in range(ng):
        for i in range(n):
            pp[j * n + i] = psi[i]
            tt[j * n + i] = tb[i]
            gg[j * n + i] = grid[j]
    vw = np.empty(ng * n)
    bw = np.empty(ng * n, dtype=np.bool_)
    s = _speed(pp, gg, tt, R, mu, vw, bw)
    lo = np.empty(n)
    hi = np.empty(n)
    for i in range(n):
        best = s[i]
        k = 0
        if not np.isnan(best):
            for j in range(1, ng):
                val = s[j * n + i]
                if np.isnan(val):  # np.argmin: the first NaN wins
                    k = j
                    break
                if val < best:
                    best = val
                    k = j
        k = min(max(k, 1), ng - 2)
        lo[i] = grid[k - 1]
        hi[i] = grid[k + 1]
    c = np.empty(n)
    d = np.empty(n)
    for i in range(n):
        c[i] = hi[i] - ratio * (hi[i] - lo[i])
        d[i] = lo[i] + ratio * (hi[i] - lo[i])
    v = vw[:n]
    bad = bw[:n]
    fc = _speed(psi, c, tb, R, mu, v, bad)
    fd = _speed(psi, d, tb, R, mu, v, bad)
    c_new = np.empty(n)
    d_new = np.empty(n)
    left = np.empty(n, dtype=np.bool_)
    for _ in range(30):
        for i in range(n):
            left[i] = fc[i] < fd[i]
            if left[i]:
                hi[i] = d[i]
            else:
                lo[i] = c[i]
            c_new[i] = hi[i] - ratio * (hi[i] - lo[i])
            d_new[i] = lo[i] + ratio * (hi[i] - lo[i])
        sc = _speed(psi, c_new, tb, R, mu, v, bad)
        sd = _speed(psi, d_new, tb, R, mu, v, bad)
        for i in range(n):
            if left[i]:
                fd[i] = fc[i]
                fc[i] = sc[i]
                d[i] = c[i]
                c[i] = c_new[i]
            else:
                fc[i] = fd[i]
                fd[i] = sd[i]
                c[i] = d[i]
                d[i] = d_new[i]
    out = np.empty(n)
    for i in range(n):
        out[i] = 0.5 * (lo[i] + hi[i])
    return out


@njit(cache=True, error_model="numpy")
def _rk4(x: np.ndarray, h: float, mu: float, out: np.ndarray) -> None:  # pragma: no cover - compiled
    """One classical RK4 step of size h (s) of the planar two-body state x = [x, y, vx, vy] → ``out``.

    ẋ = (vx, vy, −μ x/|r|³, −μ y/|r|³); k₁..k₄ at x, x + ½h k₁, x + ½h k₂, x + h k₃;
    x + h/6 (k₁ + 2k₂ + 2k₃ + k₄), with NumPy's |r|³ (``npmath.pow``).
    """
    nmu = -mu
    hh = 0.5 * h
    x0, x1, x2, x3 = x[0], x[1], x[2], x[3]
    r3 = npmath.pow(np.hypot(x0, x1), 3.0)
    a0, a1, a2, a3 = x2, x3, nmu * x0 / r3, nmu * x1 / r3
    y0, y1, y2, y3 = x0 + hh * a0, x1 + hh * a1, x2 + hh * a2, x3 + hh * a3
    r3 = npmath.pow(np.hypot(y0, y1), 3.0)
    b0, b1, b2, b3 = y2, y3, nmu * y0 / r3, nmu * y1 / r3
    y0, y1, y2, y3 = x0 + hh * b0, x1 + hh * b1, x2 + hh * b2, x3 + hh * b3
    r3 = npmath.pow(np.hypot(y0, y1), 3.0)
    c0, c1, c2, c3 = y2, y3, nmu * y0 / r3, nmu * y1 / r3
    y0, y1, y2, y3 = x0 + h * c0, x1 + h * c1, x2 + h * c2, x3 + h * c3
    r3 = npmath.pow(np.hypot(y0, y1), 3.0)
    d0, d1, d2, d3 = y2, y3, nmu * y0 / r3, nmu * y1 / r3
    h6 = h / 6.0
    out[0] = x0 + h6 * (a0 + 2.0 * b0 + 2.0 * c0 + d0)
    out[1] = x1 + h6 * (a1 + 2.0 * b1 + 2.0 * c1 + d1)
    out[2] = x2 + h6 * (a2 + 2.0 * b2 + 2.0 * c2 + d2)
    out[3] = x3 + h6 * (a3 + 2.0 * b3 + 2.0 * c3 + d3)


@njit(cache=True, error_model="numpy")
def _integrate_one(gamma: float, v: float, tb: float, bo_x: float, bo_y: float, dt: float, R: float, mu: float,
                   k_max: int, buf: np.ndarray) -> int:  # pragma: no cover - compiled  # fmt: skip
    """Grid samples 0..k_imp of one missile into ``buf`` ((≥ k_max + 1, 4)); returns k_imp (−1: no impact).

    Boost (t_b > 0): s = ½ a t², ṡ = a t along ê = (sin γ, cos γ) from (R, 0), a = v/t_b, while
    k dt < t_b − 10⁻¹²; at k_bo = ⌈t_b/dt − 10⁻¹²⌉ one fractional RK4 step of k_bo dt − t_b from the
    burnout state (bo_x, bo_y, v ê); then RK4 steps of dt until r < R after the boost (k_imp).
    """
    sg = np.sin(gamma)
    cg = np.cos(gamma)
    boosted = tb > 0.0
    xbo = np.empty(4)
    xbo[0] = bo_x
    xbo[1] = bo_y
    xbo[2] = v * sg
    xbo[3] = v * cg
    acc = v / tb if boosted else 0.0
    k_bo = np.int64(np.ceil(tb / dt - 1e-12)) if boosted else np.int64(0)
    if boosted:
        buf[0, 0] = R + 0.0 * sg
        buf[0, 1] = 0.0 * cg
        buf[0, 2] = 0.0 * sg
        buf[0, 3] = 0.0 * cg
    else:
        buf[0, :] = xbo
    k = 0
    while True:
        if k >= k_max:
            return -1
        k += 1
        t = k * dt
        in_boost = t < tb - 1e-12
        if in_boost:
            s = 0.5 * acc * t * t
            buf[k, 0] = R + s * sg
            buf[k, 1] = s * cg
            buf[k, 2] = (acc * t) * sg
            buf[k, 3] = (acc * t) * cg
        elif boosted and k == k_bo:
            _rk4(xbo, k_bo * dt - tb, mu, buf[k])
        else:
            _rk4(buf[k - 1], dt, mu, buf[k])
        if not in_boost and np.hypot(buf[k, 0], buf[k, 1]) < R:
            return k


@njit(cache=True, error_model="numpy")
def arc_kernel(gamma: np.ndarray, v_bo: np.ndarray, tb: np.ndarray, bo_xy: np.ndarray, dt: float, R: float,
               mu: float, k_max: int) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """In-plane trajectories of N missiles: RK4 arcs, impact root, ragged polar tables, apogee.

    Per missile: the grid samples of :func:`_integrate_one` up to k_imp (first r < R after the
    boost); impact: linear first guess h = dt (r_a − R)/(r_a − r_b) from the last sample above
    ground, then 4 Newton steps h ← clip(h − (r(h) − R)/ṙ(h), 0, dt) on a fractional RK4 step;
    flight time (k_imp − 1) dt + h. Tables (rows 0..k_imp−1 grid, row k_imp the impact state):
    t, r = |x|, θ = atan2(y, x) (+2π below −π/2), ṙ = r·v/r, r θ̇ = (r × v)_z/r. Apogee: parabola
    through the sample of largest r: r_k − ṙ_k²/(2 r̈_k) − R, r̈ = −μ/r² + (r θ̇)²/r.

    Shapes: ``gamma, v_bo, tb`` (N,) rad, m/s, s; ``bo_xy`` (N, 2) m. Returns ``ok`` (False: a
    missile did not come down within k_max steps), ``k_imp, offset`` (N,) int64, ``flight_time_s,
    apogee_alt_m, impact_angle_rad`` (N,), ``t_local, r, theta, v_r, v_t`` (G,), G = Σ (k_imp + 1).
    """
    n = gamma.shape[0]
    store = np.empty((max(k_max + 1, 64 * (n + 1)), 4))  # every missile's grid samples, row-major by missile
    k_imp = np.zeros(n, dtype=np.int64)
    offset = np.zeros(n, dtype=np.int64)
    ok = True
    total = 0
    for i in range(n):
        if total + k_max + 1 > store.shape[0]:  # room for the longest possible arc
            grown = np.empty((max(2 * store.shape[0], total + k_max + 1), 4))
            grown[:total] = store[:total]
            store = grown
        k = _integrate_one(gamma[i], v_bo[i], tb[i], bo_xy[i, 0], bo_xy[i, 1], dt, R, mu, k_max, store[total:])
        if k < 0:
            ok = False
            k = 0
        k_imp[i] = k
        offset[i] = total
        total += k + 1
    flight = np.zeros(n)
    apogee = np.zeros(n)
    th_imp = np.zeros(n)
    t_local = np.empty(total)
    r_t = np.empty(total)
    th_t = np.empty(total)
    vr_t = np.empty(total)
    vt_t = np.empty(total)
    xi = np.empty(4)
    if not ok:
        return ok, k_imp, offset, flight, apogee, th_imp, t_local, r_t, th_t, vr_t, vt_t
    half_pi = -0.5 * np.pi
    two_pi = 2.0 * np.pi
    for i in range(n):
        ki = k_imp[i]
        buf = store[offset[i]:offset[i] + ki + 1]
        xa = buf[ki - 1]
        ra = np.hypot(xa[0], xa[1])
        rb = np.hypot(buf[ki, 0], buf[ki, 1])
        h = dt * (ra - R) / (ra - rb)
        for _ in range(4):
            _rk4(xa, h, mu, xi)
            ri = np.hypot(xi[0], xi[1])
            vri = (xi[0] * xi[2] + xi[1] * xi[3]) / ri
            h = _clip(h - (ri - R) / vri, 0.0, dt)
        flight[i] = (ki - 1) * dt + h
        # apogee: the first sample of largest r among 0..k_imp (np.argmax)
        best = -np.inf
        kb = 0
        for k in range(ki + 1):
            rk = np.hypot(buf[k, 0], buf[k, 1])
            if np.isnan(rk):
                kb = k
                break
            if rk > best:
                best = rk
                kb = k
        xk = buf[kb]
        rr = np.hypot(xk[0], xk[1])
        vra = (xk[0] * xk[2] + xk[1] * xk[3]) / rr
        vta = (xk[0] * xk[3] - xk[1] * xk[2]) / rr
        rdd = -mu / rr**2 + vta**2 / rr
        apogee[i] = rr - vra**2 / (2.0 * rdd) - R
        _rk4(xa, h, mu, buf[ki])  # the impact state replaces grid sample k_imp
        o = offset[i]
        for k in range(ki + 1):
            x = buf[k]
            r = np.hypot(x[0], x[1])
            th = npmath.atan2(x[1], x[0])
            if th < half_pi:
                th = th + two_pi
            t_local[o + k] = k * dt if k < ki else flight[i]
            r_t[o + k] = r
            th_t[o + k] = th
            vr_t[o + k] = (x[0] * x[2] + x[1] * x[3]) / r
            vt_t[o + k] = (x[0] * x[3] - x[1] * x[2]) / r
        th_imp[i] = th_t[o + ki]
    return ok, k_imp, offset, flight, apogee, th_imp, t_local, r_t, th_t, vr_t, vt_t


@njit(cache=True, error_model="numpy")
def map_kernel(psi: np.ndarray, th_imp: np.ndarray, offset: np.ndarray, k_imp: np.ndarray, r: np.ndarray,
               theta: np.ndarray, v_r: np.ndarray, v_t: np.ndarray, t_local: np.ndarray, u0: np.ndarray,
               w: np.ndarray, man_alt_m: np.ndarray, R: float, a_m: float, e2: float) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """Map the in-plane tables onto the Earth: ECEF position/velocity per sample, weave start.

    Per sample of missile i: θ_m = θ ψ/θ_imp, θ̇_m = (v_t/r) ψ/θ_imp; u = cos θ_m u₀ + sin θ_m ŵ
    (great circle from launch towards impact), u̇ = θ̇_m (−sin θ_m u₀ + cos θ_m ŵ); ρ = max(|u_xy|,
    10⁻¹²), φ = atan2(u_z, ρ), λ = atan2(u_y, u_x), h = r − R (spherical angles used as geodetic);
    WGS84 position (N + h) cos φ (cos λ, sin λ), (N (1 − e²) + h) sin φ, N = a/√(1 − e² sin²φ);
    velocity (M + h) φ̇ n̂ + (N + h) cos φ λ̇ ê + ṙ û, φ̇ = u̇_z/ρ, cos φ λ̇ = (u_x u̇_y − u_y u̇_x)/ρ,
    M = a (1 − e²)/(1 − e² sin²φ)^{3/2}. Weave start: the first table time on the descent
    (ṙ < 0) below ``man_alt_m`` (+inf if none).

    Shapes: ``psi, th_imp, man_alt_m`` (N,); ``offset, k_imp`` (N,) int; ``r, theta, v_r, v_t,
    t_local`` (G,); ``u0, w`` (N, 3). Returns ``pos, vel`` (G, 3) m, m/s and ``start`` (N,) s.
    """
    n = psi.shape[0]
    g_n = r.shape[0]
    pos = np.empty((g_n, 3))
    vel = np.empty((g_n, 3))
    start = np.full(n, np.inf)
    one_e2 = 1.0 - e2
    am = a_m * (1.0 - e2)
    for i in range(n):
        sc = psi[i] / th_imp[i]
        for g in range(offset[i], offset[i] + k_imp[i] + 1):
            thm = theta[g] * sc
            thm_dot = (v_t[g] / r[g]) * sc
            c = np.cos(thm)
            s = np.sin(thm)
            ux = c * u0[i, 0] + s * w[i, 0]
            uy = c * u0[i, 1] + s * w[i, 1]
            uz = c * u0[i, 2] + s * w[i, 2]
            udx = thm_dot * (-s * u0[i, 0] + c * w[i, 0])
            udy = thm_dot * (-s * u0[i, 1] + c * w[i, 1])
            udz = thm_dot * (-s * u0[i, 2] + c * w[i, 2])
            rho = np.hypot(ux, uy)
            if not (rho >= 1e-12 or np.isnan(rho)):
                rho = 1e-12
            lat = npmath.atan2(uz, rho)
            lon = npmath.atan2(uy, ux)
            alt = r[g] - R
            sl = np.sin(lat)
            cl = np.cos(lat)
            so = np.sin(lon)
            co = np.cos(lon)
            nn = a_m / np.sqrt(1.0 - e2 * sl * sl)
            pos[g, 0] = (nn + alt) * cl * co
            pos[g, 1] = (nn + alt) * cl * so
            pos[g, 2] = (nn * one_e2 + alt) * sl
            lat_rate = udz / rho
            cl_lon_rate = (ux * udy - uy * udx) / rho
            ww = 1.0 - e2 * sl * sl
            n_m = a_m / np.sqrt(ww)
            m_m = am / npmath.pow(ww, 1.5)
            fa = (m_m + alt) * lat_rate
            fb = (n_m + alt) * cl_lon_rate
            fc = v_r[g]
            vel[g, 0] = fa * (-sl * co) + fb * -so + fc * (cl * co)
            vel[g, 1] = fa * (-sl * so) + fb * co + fc * (cl * so)
            vel[g, 2] = fa * cl + fb * 0.0 + fc * sl
            if v_r[g] < 0.0 and alt < man_alt_m[i] and t_local[g] < start[i]:
                start[i] = t_local[g]
    return pos, vel, start


#: Per-missile arguments of :func:`ballistic_state_kernel` (after ``t_s, dt_s``).
_BallisticColumns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                          np.ndarray, np.ndarray, bool, np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # fmt: skip


class BallisticMover(PlannedMover):
    """Ballistic missiles on Keplerian arcs from launch to impact (spherical, non-rotating Earth).

    Parameters
    ----------
    launch_lat_rad, launch_lon_rad, impact_lat_rad, impact_lon_rad : array_like, shape (N,)
        Geodetic launch and impact points, rad (both on the ellipsoid surface, altitude 0).
    launch_time_s : array_like, shape (N,)
        Burnout (= launch) time, s from the scenario epoch.
    flight_path_angle_rad : array_like, shape (N,), optional
        Burnout flight-path angle above the (launch) horizontal, rad; ``None`` (or NaN entries) =
        the angle of ``shape`` (:func:`shape_flight_path_angle`). Larger values loft, smaller
        depress the trajectory.
    integrate_dt_s : float
        Fixed RK4 step and table spacing, s.
    earth_radius_m, mu_m3ps2 : float
        Sphere radius and gravitational parameter.
    burn_time_s : array_like, shape (N,) or scalar
        Boost time t_b ≥ 0, s (0: burnout on the surface at launch).
    shape : str or array of str, shape (N,)
        ``minimum_energy`` | ``depressed`` | ``lofted``, for missiles without an explicit angle.
    terminal_manoeuvre_g, terminal_manoeuvre_alt_m, terminal_manoeuvre_period_s : array_like
        Peak lateral acceleration n (g; 0 = none), the descending altitude where the weave starts
        (m) and its nominal period (s); see the module docstring.

    Attributes
    ----------
    n : int
    launch_time_s, arrival_time_s, flight_time_s : ndarray (N,)
        ``flight_time_s`` is when the *integrated* trajectory returns to r = R (root-found with a
        fractional RK4 step); ``arrival_time_s = launch_time_s + flight_time_s``.
    burnout_speed_mps, flight_path_angle_rad, range_angle_rad, ground_range_m : ndarray (N,)
        Closed-form burnout conditions and the spherical range ψ·R they are computed for.
    apogee_alt_m : ndarray (N,)
        Apogee altitude of the integrated trajectory (r_max − R), m.
    impact_angle_numerical_rad : ndarray (N,)
        Downrange angle at which the integrated trajectory returns to r = R (ψ up to integration
        error); the map onto the Earth rescales θ by ψ / this so the impact point is exact.
    closed_form : BallisticSolution
        The closed-form solution the integration starts from.
    """

    def __init__(
        self,
        launch_lat_rad: np.ndarray,
        launch_lon_rad: np.ndarray,
        impact_lat_rad: np.ndarray,
        impact_lon_rad: np.ndarray,
        launch_time_s: np.ndarray,
        flight_path_angle_rad: np.ndarray | None = None,
        integrate_dt_s: float = 0.5,
        earth_radius_m: float = EARTH_MEAN_RADIUS_M,
        mu_m3ps2: float = MU_EARTH_M3PS2,
        burn_time_s: np.ndarray | float = 0.0,
        shape: np.ndarray | str = "minimum_energy",
        terminal_manoeuvre_g: np.ndarray | float = 0.0,
        terminal_manoeuvre_alt_m: np.ndarray | float = 30_000.0,
        terminal_manoeuvre_period_s: np.ndarray | float = 10.0,
    ):
        lat0 = np.atleast_1d(np.asarray(launch_lat_rad, dtype=float))
        lon0 = np.atleast_1d(np.asarray(launch_lon_rad, dtype=float))
        lat1 = np.atleast_1d(np.asarray(impact_lat_rad, dtype=float))
        lon1 = np.atleast_1d(np.asarray(impact_lon_rad, dtype=float))
        t0 = np.atleast_1d(np.asarray(launch_time_s, dtype=float))
        n = lat0.size
        for name, arr in (("launch_lon_rad", lon0), ("impact_lat_rad", lat1), ("impact_lon_rad", lon1),
                          ("launch_time_s", t0)):
            if arr.shape != (n,):
                raise InputError(f"BallisticMover: {name} needs shape ({n},) (got {arr.shape})")
        if not all(np.all(np.isfinite(a)) for a in (lat0, lon0, lat1, lon1, t0)):
            raise InputError("BallisticMover: launch/impact coordinates and times must be finite")
        if np.any(np.abs(lat0) > np.pi / 2) or np.any(np.abs(lat1) > np.pi / 2):
            raise InputError("BallisticMover: latitude outside ±π/2 rad (radians expected)")
        if not (np.isfinite(integrate_dt_s) and integrate_dt_s > 0.0):
            raise InputError(f"BallisticMover: integrate_dt_s must be > 0 (got {integrate_dt_s})")
        tb = np.broadcast_to(np.asarray(burn_time_s, dtype=float), (n,)).copy()
        man_g = np.broadcast_to(np.asarray(terminal_manoeuvre_g, dtype=float), (n,)).copy()
        man_alt = np.broadcast_to(np.asarray(terminal_manoeuvre_alt_m, dtype=float), (n,)).copy()
        man_per = np.broadcast_to(np.asarray(terminal_manoeuvre_period_s, dtype=float), (n,)).copy()
        if not (np.all(np.isfinite(tb)) and np.all(tb >= 0.0)):
            raise InputError(f"BallisticMover: burn_time_s must be finite and >= 0 (got {tb})")
        tb = np.where(tb < 1e-3, 0.0, tb)  # below a millisecond: no boost phase (a = v/t_b stays finite)
        if not (np.all(man_g >= 0.0) and np.all(man_alt > 0.0) and np.all(man_per > 0.0)):
            raise InputError("BallisticMover: terminal manoeuvre needs g >= 0, altitude > 0 and period > 0")
        R = float(earth_radius_m)
        mu = float(mu_m3ps2)
        dt = float(integrate_dt_s)
        self.n: int = n
        self.dt_s: float = dt
        self.earth_radius_m: float = R
        self.launch_time_s: np.ndarray = t0

        # --- geometry on the sphere: ψ and the in-plane basis (u0, w) -----------------------------
        u0 = unit_sphere_vector(lat0, lon0)
        u1 = unit_sphere_vector(lat1, lon1)
        cross = np.cross(u0, u1)
        psi = np.arctan2(np.linalg.norm(cross, axis=-1), np.einsum("ij,ij->i", u0, u1))  # ψ = ∠(u0, u1)
        if np.any(psi * R < 1000.0):
            raise InputError("BallisticMover: launch and impact points closer than 1 km")
        if np.any(psi > np.pi - 1e-3):
            raise InputError("BallisticMover: launch and impact (nearly) antipodal: plane undefined")
        w = u1 - np.cos(psi)[:, None] * u0
        w /= np.linalg.norm(w, axis=-1, keepdims=True)  # unit vector ⊥ u0 towards the target

        # --- burnout state: shape angle, then the boost (closed form without one) -----------------
        if flight_path_angle_rad is None:
            gamma = np.full(n, np.nan)
        else:
            gamma = np.atleast_1d(np.asarray(flight_path_angle_rad, dtype=float)).copy()
            if gamma.shape != (n,):
                raise InputError(f"BallisticMover: flight_path_angle_rad needs shape ({n},) (got {gamma.shape})")
        by_shape = np.isnan(gamma)  # the trajectory shape decides where no angle is given
        if by_shape.any():
            shp = np.broadcast_to(np.asarray(shape, dtype=object), (n,))
            gamma[by_shape] = shape_flight_path_angle(psi[by_shape], tb[by_shape], shp[by_shape], R, mu)
        sol = lofted_or_depressed(psi * R, gamma, R, mu)
        boosted = tb > 0.0
        v_bo = np.array(sol.burnout_speed_mps, dtype=float, copy=True).reshape(n)
        bo_xy = np.stack([np.full(n, R), np.zeros(n)], axis=-1)
        if boosted.any():
            vb, xyb, bad = boosted_burnout(psi[boosted], gamma[boosted], tb[boosted], R, mu)
            if bad.any():
                raise InputError(
                    "BallisticMover: no boosted trajectory reaches the target for "
                    f"{int(bad.sum())} missile(s) (burn time too long for the range, or escape speed needed)"
                )
            v_bo[boosted] = vb
            bo_xy[boosted] = xyb
        self.burn_time_s: np.ndarray = tb
        self.closed_form: BallisticSolution = sol
        self.range_angle_rad: np.ndarray = psi
        self.ground_range_m: np.ndarray = psi * R
        self.flight_path_angle_rad: np.ndarray = gamma
        self.burnout_speed_mps: np.ndarray = v_bo

        # --- boost (analytic on the grid), RK4 arc, impact root, polar tables: compiled per missile --
        t_ff_max = float(np.max(sol.flight_time_s, initial=0.0))
        k_max = int(np.ceil((2.0 * t_ff_max + float(np.max(tb, initial=0.0))) / dt)) + 8
        c = np.ascontiguousarray
        ok, k_imp, offset, flight, apogee, th_imp, t_local, r, th, vr, vt = arc_kernel(
            c(gamma, float), c(v_bo, float), c(tb, float), c(bo_xy, float), dt, R, mu, k_max)
        if not ok:
            raise NumericalError("BallisticMover: trajectory did not return to the surface")
        self.flight_time_s: np.ndarray = flight
        self.arrival_time_s: np.ndarray = t0 + self.flight_time_s
        self._offset: np.ndarray = offset  # start of each missile's rows in the ragged tables
        self._k_imp: np.ndarray = k_imp  # rows 0..k_imp-1 on the grid, row k_imp the impact sample
        self.impact_angle_numerical_rad: np.ndarray = th_imp
        self._t_local = t_local
        self._r, self._theta, self._vr, self._vt = r, th, vr, vt
        self.apogee_alt_m: np.ndarray = apogee

        # --- map onto the Earth ------------------------------------------------------------------
        self._pos, self._vel, start = map_kernel(
            c(psi, float), th_imp, offset, k_imp, r, th, vr, vt, t_local, c(u0, float), c(w, float), c(man_alt, float),
            R, WGS84_A_M, WGS84_E2)  # fmt: skip
        # exact end points
        self._launch_ecef = geodetic_to_ecef(lat0, lon0, np.zeros(n))
        self._impact_ecef = geodetic_to_ecef(lat1, lon1, np.zeros(n))
        self._pos[self._offset] = self._launch_ecef
        self._pos[self._offset + k_imp] = self._impact_ecef

        # --- terminal manoeuvre: weave across the ground track below man_alt on the descent ------
        self.terminal_manoeuvre_g: np.ndarray = man_g
        start = np.minimum(start, self.flight_time_s)
        dur = self.flight_time_s - start
        cycles = np.maximum(1.0, np.round(dur / man_per))
        with np.errstate(divide="ignore", invalid="ignore"):
            self._man_omega = np.where(dur > 0, 2.0 * np.pi * cycles / dur, 0.0)  # ω = 2πk/T
        self._man_start_s = start  # seconds after launch
        self._man_acc = man_g * G0_MPS2 * (self._man_omega > 0)  # A = n g₀
        c_hat = np.cross(u0, u1)
        self._cross_hat = c_hat / np.linalg.norm(c_hat, axis=-1, keepdims=True)  # ⊥ trajectory plane

    def _fill(self, t_s: float, dest: np.ndarray, pos: np.ndarray, vel: np.ndarray, flying: np.ndarray,
              arrived: np.ndarray) -> None:
        """Write the state at ``t_s`` of missile ``i`` into row ``dest[i]`` of the output arrays
        (compiled, one pass over the missiles; :meth:`state` is inherited).

        Cubic Hermite interpolation of the ECEF position/velocity tables on the fixed time grid
        (index found arithmetically: k = floor(τ/dt)); the last interval ends at the impact time.
        See :func:`ballistic_state_kernel`.
        """
        if self.n:
            ballistic_state_kernel(t_s, self.dt_s, *self._kernel_tables(), dest, pos, vel, flying, arrived)

    def _kernel_tables(self) -> _BallisticColumns:
        """The per-missile arguments of :func:`ballistic_state_kernel` after ``t_s, dt_s`` and
        before ``dest`` (contiguous, fixed dtypes; built once)."""
        k: _BallisticColumns | None = self.__dict__.get("_kernel_args")
        if k is None:
            c = np.ascontiguousarray
            k = (c(self.launch_time_s, float), c(self.arrival_time_s, float), c(self.flight_time_s, float),
                 c(self._k_imp, np.int64), c(self._offset, np.int64), c(self._t_local, float), c(self._pos, float),
                 c(self._vel, float), c(self._impact_ecef, float), bool(np.any(self._man_acc > 0)),
                 c(self._man_acc, float), c(self._man_start_s, float), c(self._man_omega, float),
                 c(self._cross_hat, float))  # fmt: skip
            self._kernel_args = k
        return k

    def positions(self, t_s: float) -> np.ndarray:
        """ECEF positions (N, 3), m, at ``t_s`` (s); shorthand for ``state(t_s).pos_ecef_m``."""
        return self.state(t_s).pos_ecef_m

    def trajectory(self, i: int) -> dict[str, np.ndarray]:
        """In-plane integrated trajectory of missile ``i`` (diagnostics, not a hot path).

        Returns arrays (K_i,): ``t_s`` (from launch), ``r_m``, ``theta_rad`` (downrange angle,
        unscaled), ``v_r_mps`` (ṙ), ``v_t_mps`` (r θ̇), ``pos_ecef_m`` (K_i, 3), ``vel_ecef_mps``.
        """
        sl = slice(int(self._offset[i]), int(self._offset[i] + self._k_imp[i] + 1))
        return {
            "t_s": self._t_local[sl], "r_m": self._r[sl], "theta_rad": self._theta[sl],
            "v_r_mps": self._vr[sl], "v_t_mps": self._vt[sl],
            "pos_ecef_m": self._pos[sl], "vel_ecef_mps": self._vel[sl],
        }


@njit(cache=True, error_model="numpy")
def ballistic_state_kernel(t_s: float, dt_s: float, launch_time_s: np.ndarray, arrival_time_s: np.ndarray,
                           flight_time_s: np.ndarray, k_imp: np.ndarray, offset: np.ndarray, t_local: np.ndarray,
                           tab_pos: np.ndarray, tab_vel: np.ndarray, impact_ecef: np.ndarray, manoeuvre: bool,
                           man_acc: np.ndarray, man_start_s: np.ndarray, man_omega: np.ndarray,
                           cross_hat: np.ndarray, dest: np.ndarray, pos: np.ndarray, vel: np.ndarray,
                           flying: np.ndarray, arrived: np.ndarray) -> None:  # pragma: no cover - compiled  # fmt: skip
    """State of N ballistic missiles at ``t_s`` (s), written to rows ``dest`` of the outputs.

    Per missile (launch t₀, flight time T, ragged tables of ECEF position/velocity at local
    times t_g, rows starting at ``offset``; k_imp grid samples then the impact sample):

    * arrived = t ≥ t_arr; flying = t ≥ t₀ ∧ ¬arrived; τ = clip(t − t₀, 0, T);
    * interval k = min(⌊τ/dt⌋, k_imp − 1), g = offset + k, h = max(t_{g+1} − t_g, 10⁻¹² s),
      s = clip((τ − t_g)/h, 0, 1);
    * cubic Hermite: P = (2s³ − 3s² + 1) P_g + (s³ − 2s² + s) h V_g + (3s² − 2s³) P_{g+1}
      + (s³ − s²) h V_{g+1};  V = (6s² − 6s)(P_g − P_{g+1})/h + (3s² − 4s + 1) V_g + (3s² − 2s) V_{g+1};
    * terminal weave (``manoeuvre``; where A > 0 and τ > τ_m): τ' = τ − τ_m,
      P += (A/ω²)(1 − cos ωτ') ĉ, V += (A/ω) sin ωτ' ĉ;
    * P = impact point once arrived; V ·= flying.

    Shapes: ``launch_time_s, arrival_time_s, flight_time_s, man_acc, man_start_s, man_omega``
    (N,) float; ``k_imp, offset, dest`` (N,) int; ``t_local`` (G,); ``tab_pos, tab_vel`` (G, 3);
    ``impact_ecef, cross_hat`` (N, 3); outputs ``pos, vel`` (≥ N, 3), ``flying, arrived`` (≥ N,).
    """
    n = launch_time_s.shape[0]
    for i in range(n):
        arr = t_s >= arrival_time_s[i]
        fly = (t_s >= launch_time_s[i]) and not arr
        d = dest[i]
        arrived[d] = arr
        flying[d] = fly
        tau = t_s - launch_time_s[i]
        if tau < 0.0:
            tau = 0.0
        if tau > flight_time_s[i]:
            tau = flight_time_s[i]
        k = np.int64(np.floor(tau / dt_s))
        if k > k_imp[i] - 1:
            k = k_imp[i] - 1
        g = offset[i] + k
        ta = t_local[g]
        h = t_local[g + 1] - ta
        if h < 1e-12:
            h = 1e-12
        s = (tau - ta) / h
        if s < 0.0:
            s = 0.0
        if s > 1.0:
            s = 1.0
        s2 = s * s
        s3 = s * s * s
        y = 0.0
        ydot = 0.0
        on = False
        if manoeuvre:
            tp = tau - man_start_s[i]
            if tp < 0.0:
                tp = 0.0
            on = man_acc[i] > 0 and tau > man_start_s[i]
            if on:
                w = man_omega[i]
                y = man_acc[i] / w**2 * (1.0 - np.cos(w * tp))
                ydot = man_acc[i] / w * np.sin(w * tp)
        ff = 1.0 if fly else 0.0
        for c in range(3):
            p0 = tab_pos[g, c]
            p1 = tab_pos[g + 1, c]
            v0 = tab_vel[g, c]
            v1 = tab_vel[g + 1, c]
            p = (2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + s) * h * v0 + (3 * s2 - 2 * s3) * p1 + (s3 - s2) * h * v1
            v = ((6 * s2 - 6 * s) * (p0 - p1)) / h + (3 * s2 - 4 * s + 1) * v0 + (3 * s2 - 2 * s) * v1
            if manoeuvre:
                p = p + y * cross_hat[i, c]
                v = v + ydot * cross_hat[i, c]
            if arr:
                p = impact_ecef[i, c]
            pos[d, c] = p
            vel[d, c] = v * ff
