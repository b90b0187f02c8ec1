"""Verbatim copy of the NumPy parts of ``threats/ballistic.py`` (boost fixed point, golden-section
shape angle, RK4 arc, impact root, tables) from before its per-missile work was compiled (issue 12
item 9).

The reference the compiled kernels are checked against bit for bit
(``test_ballistic_compiled.py``). What was not changed — the closed-form solutions, the shape
constants and the state kernel — is imported from the package; nothing here is used by the engine.
"""

from __future__ import annotations

import numpy as np

from iadsim.errors import InputError, NumericalError
from iadsim.geo.frames import geodetic_to_ecef, unit_sphere_vector
from iadsim.threats.ballistic import (  # unchanged by the compilation: the package's own
    G0_MPS2,
    SHAPE_OFFSET_RAD,
    SHAPES,
    BallisticSolution,
    ballistic_state_kernel,
    lofted_or_depressed,
)
from iadsim.threats.motion import PlannedMover, _geodetic_rates_to_ecef
from iadsim.units import EARTH_MEAN_RADIUS_M, MU_EARTH_M3PS2


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
    half = 0.5 * psi
    q = np.sin(half) / (np.cos(gamma) * np.sin(gamma + half))  # no-boost start (equal radius)
    v = np.sqrt(np.clip(q, 0.0, 2.0) * mu / R)
    bad = np.zeros(psi.shape, bool)
    px = py = np.zeros(psi.shape)
    for _ in range(iterations):
        d = 0.5 * v * tb
        px, py = R + d * np.sin(gamma), d * np.cos(gamma)
        r1 = np.hypot(px, py)
        th1 = np.arctan2(py, px)
        g1 = gamma + th1  # the local horizontal at P is tilted down by θ₁
        dth = psi - th1
        den = r1**2 * np.cos(g1) ** 2 * (1.0 / R - np.cos(dth) / r1 + np.tan(g1) * np.sin(dth) / r1)
        bad = (dth <= 0.0) | (den <= 0.0)
        v2 = np.where(bad, v * v, mu * (1.0 - np.cos(dth)) / np.where(bad, 1.0, den))
        bad |= v2 * r1 / mu >= 2.0  # escape (Q ≥ 2 at r₁)
        v_new = np.sqrt(np.where(bad, v * v, v2))
        if np.all(np.abs(v_new - v) <= 1e-9 * np.maximum(v, 1.0)):
            v = v_new
            break
        v = v_new
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
        p_b, t_b = psi[boosted], tb[boosted]

        def speed(g: np.ndarray) -> np.ndarray:  # v_bo(γ), inf where no solution
            pp, tt = np.broadcast_to(p_b, g.shape), np.broadcast_to(t_b, g.shape)
            v, _, bad = boosted_burnout(pp, g, tt, earth_radius_m, mu_m3ps2)
            return np.where(bad, np.inf, v)

        # bracket on a 2° grid over [1°, 89°], then golden-section search inside the bracket
        grid = np.deg2rad(np.arange(1.0, 89.0 + 1e-9, 2.0))
        k = np.clip(np.argmin(speed(np.broadcast_to(grid[:, None], (grid.size, p_b.size)).copy()), axis=0),
                    1, grid.size - 2)  # fmt: skip
        lo, hi = grid[k - 1], grid[k + 1]
        ratio = (np.sqrt(5.0) - 1.0) / 2.0
        c, d = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        fc, fd = speed(c), speed(d)
        for _ in range(30):  # bracket × 0.618³⁰ ≈ 2e-6 of 4°
            left = fc < fd  # minimum in [lo, d]
            hi = np.where(left, d, hi)
            lo = np.where(left, lo, c)
            c_new = hi - ratio * (hi - lo)
            d_new = lo + ratio * (hi - lo)
            # reuse the surviving point: left ⇒ new d = old c; right ⇒ new c = old d
            fc, fd = np.where(left, speed(c_new), fd), np.where(left, fc, speed(d_new))
            c, d = np.where(left, c_new, d), np.where(left, c, d_new)
        gamma[boosted] = 0.5 * (lo + hi)
    offset = np.where(shp == "depressed", -SHAPE_OFFSET_RAD, np.where(shp == "lofted", SHAPE_OFFSET_RAD, 0.0))
    return np.clip(gamma + offset.astype(float), np.deg2rad(1.0), np.deg2rad(89.0))


def _gravity_rhs(x: np.ndarray, mu: float) -> np.ndarray:
    """Planar two-body right-hand side; x = [x, y, vx, vy] (N, 4) → ẋ (N, 4); a = −μ r/|r|³."""
    r3 = np.hypot(x[:, 0], x[:, 1]) ** 3
    return np.stack([x[:, 2], x[:, 3], -mu * x[:, 0] / r3, -mu * x[:, 1] / r3], axis=1)


def _rk4_step(x: np.ndarray, h: np.ndarray | float, mu: float) -> np.ndarray:
    """One classical Runge–Kutta step of size h (scalar or (N,)) for all N states at once."""
    hh = np.asarray(h, dtype=float).reshape(-1, 1) if np.ndim(h) else float(h)  # type: ignore[arg-type]
    k1 = _gravity_rhs(x, mu)
    k2 = _gravity_rhs(x + 0.5 * hh * k1, mu)
    k3 = _gravity_rhs(x + 0.5 * hh * k2, mu)
    k4 = _gravity_rhs(x + hh * k3, mu)
    return x + (hh / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def _polar(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(r, θ, ṙ, r θ̇) from planar Cartesian states (..., 4); θ from +x towards +y (downrange)."""
    r = np.hypot(x[..., 0], x[..., 1])
    th = np.arctan2(x[..., 1], x[..., 0])
    vr = (x[..., 0] * x[..., 2] + x[..., 1] * x[..., 3]) / r  # ṙ = r·v / r
    vt = (x[..., 0] * x[..., 3] - x[..., 1] * x[..., 2]) / r  # r θ̇ = (r × v)_z / r
    return r, th, vr, vt


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

        # --- boost (analytic on the grid) then RK4 in the trajectory plane, all missiles at once --
        v = v_bo
        e_hat = np.stack([np.sin(gamma), np.cos(gamma)], axis=1)  # boost direction (radial, downrange)
        x_bo = np.concatenate([bo_xy, v[:, None] * e_hat], axis=1)  # burnout state (N, 4)
        acc_b = np.where(boosted, v / np.where(boosted, tb, 1.0), 0.0)  # a = v_bo / t_b
        k_bo = np.where(boosted, np.ceil(tb / dt - 1e-12), 0).astype(np.int64)  # first grid step after burnout

        def boost_state(t: float) -> np.ndarray:
            # s = ½ a t², ṡ = a t along ê from the launch point (R, 0)
            s_b = 0.5 * acc_b * t * t
            return np.concatenate([np.stack([R + s_b * e_hat[:, 0], s_b * e_hat[:, 1]], axis=1),
                                   (acc_b * t)[:, None] * e_hat], axis=1)  # fmt: skip

        x = np.where(boosted[:, None], boost_state(0.0), x_bo)
        t_ff_max = float(np.max(sol.flight_time_s, initial=0.0))
        k_max = int(np.ceil((2.0 * t_ff_max + float(np.max(tb, initial=0.0))) / dt)) + 8
        hist = [x]
        impacted = np.zeros(n, dtype=bool)
        k_imp = np.zeros(n, dtype=np.int64)  # first step index with r < R
        k = 0
        while not np.all(impacted):
            if k >= k_max:
                raise NumericalError("BallisticMover: trajectory did not return to the surface")
            k += 1
            in_boost = k * dt < tb - 1e-12
            first_ff = boosted & (k == k_bo)
            step = _rk4_step(x, dt, mu)
            if first_ff.any():  # fractional first step from the burnout state onto the grid
                step = np.where(first_ff[:, None], _rk4_step(x_bo, k_bo * dt - tb, mu), step)
            if in_boost.any():
                step = np.where(in_boost[:, None], boost_state(k * dt), step)
            # missiles already down are frozen (no flight through the Earth's centre)
            x = np.where(impacted[:, None], x, step)
            hist.append(x)
            down = (~impacted) & ~in_boost & (np.hypot(x[:, 0], x[:, 1]) < R)
            k_imp[down] = k
            impacted |= down
        traj = np.stack(hist, axis=0)  # (K+1, N, 4)

        # impact: fractional RK4 step from the last above-ground state, Newton on r(h) = R
        rows = np.arange(n)
        xa = traj[k_imp - 1, rows]
        xb = traj[k_imp, rows]
        ra, rb = np.hypot(xa[:, 0], xa[:, 1]), np.hypot(xb[:, 0], xb[:, 1])
        h = dt * (ra - R) / (ra - rb)  # linear first guess
        for _ in range(4):
            xi = _rk4_step(xa, h, mu)
            ri, _th, vri, _vt = _polar(xi)
            h = np.clip(h - (ri - R) / vri, 0.0, dt)  # Newton: dr/dh = ṙ
        x_imp = _rk4_step(xa, h, mu)
        self.flight_time_s: np.ndarray = (k_imp - 1) * dt + h
        self.arrival_time_s: np.ndarray = t0 + self.flight_time_s

        # --- ragged tables: samples 0..k_imp-1 on the grid, then the impact sample --------------
        counts = k_imp + 1
        self._offset: np.ndarray = (np.cumsum(counts) - counts).astype(np.int64)  # start of each row
        self._k_imp: np.ndarray = k_imp
        mask = np.arange(traj.shape[0])[:, None] < k_imp[None, :]  # (K+1, N) grid samples kept
        flat = np.empty((int(counts.sum()), 4))
        owner = np.repeat(rows, counts)
        local = np.arange(flat.shape[0]) - self._offset[owner]
        grid = local < k_imp[owner]
        flat[grid] = traj.transpose(1, 0, 2)[mask.T]  # row-major by missile, then by step
        flat[~grid] = x_imp
        t_local = np.where(grid, local * dt, self.flight_time_s[owner])
        r, th, vr, vt = _polar(flat)
        th = np.where(th < -0.5 * np.pi, th + 2.0 * np.pi, th)  # downrange angle ∈ [0, π) (no wrap)
        self.impact_angle_numerical_rad: np.ndarray = th[self._offset + k_imp]
        self._t_local = t_local
        self._r, self._theta, self._vr, self._vt = r, th, vr, vt

        # apogee: parabola through the sample of largest r: r_max = r_k − ṙ_k²/(2 r̈_k),
        # r̈ = −μ/r² + (r θ̇)²/r (radial equation of motion in polar coordinates)
        r_all = np.hypot(traj[..., 0], traj[..., 1])  # (K+1, N); frozen samples after impact are < R
        ra_, _tha, vra, vta = _polar(traj[np.argmax(r_all, axis=0), rows])
        rdd = -mu / ra_**2 + vta**2 / ra_
        self.apogee_alt_m: np.ndarray = ra_ - vra**2 / (2.0 * rdd) - R

        # --- map onto the Earth ------------------------------------------------------------------
        scale = psi / self.impact_angle_numerical_rad  # θ_map = θ·ψ/θ_imp, so impact lands exactly
        thm = th * scale[owner]
        thm_dot = (vt / r) * scale[owner]
        c, s = np.cos(thm)[:, None], np.sin(thm)[:, None]
        u = c * u0[owner] + s * w[owner]  # slerp along the great circle from u0 towards u1
        udot = thm_dot[:, None] * (-s * u0[owner] + c * w[owner])
        rho = np.maximum(np.hypot(u[:, 0], u[:, 1]), 1e-12)
        lat = np.arctan2(u[:, 2], rho)  # geodetic lat := spherical lat of u
        lon = np.arctan2(u[:, 1], u[:, 0])
        alt = r - R
        self._pos = geodetic_to_ecef(lat, lon, alt)
        lat_rate = udot[:, 2] / rho  # d(asin u_z)/dt = u̇_z / cos φ
        coslat_lon_rate = (u[:, 0] * udot[:, 1] - u[:, 1] * udot[:, 0]) / rho  # cos φ · λ̇
        self._vel = _geodetic_rates_to_ecef(lat, lon, alt, lat_rate, coslat_lon_rate, vr)
        # exact end points
        self._launch_ecef = geodetic_to_ecef(lat0, lon0, np.zeros(n))
        self._impact_ecef = geodetic_to_ecef(lat1, lon1, np.zeros(n))
        self._pos[self._offset] = self._launch_ecef
        self._pos[self._offset + k_imp] = self._impact_ecef

        # --- terminal manoeuvre: weave across the ground track below man_alt on the descent ------
        self.terminal_manoeuvre_g: np.ndarray = man_g
        desc = (vr < 0.0) & (alt < man_alt[owner])
        start = np.full(n, np.inf)
        np.minimum.at(start, owner[desc], t_local[desc])
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
            k: _BallisticColumns | None = self.__dict__.get("_kernel_args")
            if k is None:
                c = np.ascontiguousarray
                k = (c(self.launch_time_s, float), c(self.arrival_time_s, float), c(self.flight_time_s, float),
                     c(self._k_imp, np.int64), c(self._offset, np.int64), c(self._t_local, float), c(self._pos, float),
                     c(self._vel, float), c(self._impact_ecef, float), bool(np.any(self._man_acc > 0)),
                     c(self._man_acc, float), c(self._man_start_s, float), c(self._man_omega, float),
                     c(self._cross_hat, float))  # fmt: skip
                self._kernel_args = k
            ballistic_state_kernel(t_s, self.dt_s, *k, dest, pos, vel, flying, arrived)

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


