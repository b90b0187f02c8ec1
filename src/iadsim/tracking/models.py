"""Motion models: transition matrices F and process-noise matrices Q.

State order for 3-D constant velocity: ``x, y, z, vx, vy, vz`` (positions first) unless a function
says otherwise.
"""

from __future__ import annotations

import numpy as np


def cv_F(dt_s: float | np.ndarray, dim: int = 3) -> np.ndarray:
    """Constant-velocity transition for state ``[p (dim), v (dim)]``.

    F = [[I, dt·I], [0, I]]. With an array ``dt_s`` of shape (N,), returns (N, 2dim, 2dim).
    """
    dt = np.asarray(dt_s, dtype=float)
    eye = np.eye(dim)
    F = np.zeros(dt.shape + (2 * dim, 2 * dim))
    F[..., :dim, :dim] = eye
    F[..., dim:, dim:] = eye
    F[..., :dim, dim:] = dt[..., None, None] * eye
    return F


def cv_Q(dt_s: float | np.ndarray, q_m2ps3: float | np.ndarray, dim: int = 3) -> np.ndarray:
    """Nearly-constant-velocity (continuous white-noise acceleration) process noise.

    Q = q · [[dt³/3 I, dt²/2 I], [dt²/2 I, dt I]] for state ``[p, v]``
    (Bar-Shalom, Li & Kirubarajan 2001, §6.2.2).
    """
    dt = np.asarray(dt_s, dtype=float)
    q = np.asarray(q_m2ps3, dtype=float)
    shape = np.broadcast_shapes(dt.shape, q.shape)
    dt = np.broadcast_to(dt, shape)
    q = np.broadcast_to(q, shape)
    eye = np.eye(dim)
    Q = np.zeros(shape + (2 * dim, 2 * dim))
    Q[..., :dim, :dim] = (q * dt**3 / 3.0)[..., None, None] * eye
    Q[..., :dim, dim:] = (q * dt**2 / 2.0)[..., None, None] * eye
    Q[..., dim:, :dim] = (q * dt**2 / 2.0)[..., None, None] * eye
    Q[..., dim:, dim:] = (q * dt)[..., None, None] * eye
    return Q


def position_H(dim: int = 3) -> np.ndarray:
    """Measurement matrix picking the position out of ``[p, v]``: H = [I 0]."""
    H = np.zeros((dim, 2 * dim))
    H[:, :dim] = np.eye(dim)
    return H


# ---------------------------------------------------------------------------------------------
# Constant acceleration (state [p (dim), v (dim), a (dim)])
# ---------------------------------------------------------------------------------------------


def ca_F(dt_s: float, dim: int = 3) -> np.ndarray:
    """Constant-acceleration transition for state ``[p, v, a]`` (each ``dim`` long).

    F = [[I, dt I, dt²/2 I], [0, I, dt I], [0, 0, I]].
    """
    dt = float(dt_s)
    blk = np.array([[1.0, dt, 0.5 * dt * dt], [0.0, 1.0, dt], [0.0, 0.0, 1.0]])
    return np.kron(blk, np.eye(dim))


def ca_Q(dt_s: float, q_m2ps5: float, dim: int = 3) -> np.ndarray:
    """Nearly-constant-acceleration (continuous white-noise jerk, intensity q [m²/s⁵]) noise.

    Q = q [[dt⁵/20, dt⁴/8, dt³/6], [dt⁴/8, dt³/3, dt²/2], [dt³/6, dt²/2, dt]] ⊗ I
    (Bar-Shalom, Li & Kirubarajan 2001, §6.2.3).
    """
    t = float(dt_s)
    blk = np.array(
        [
            [t**5 / 20, t**4 / 8, t**3 / 6],
            [t**4 / 8, t**3 / 3, t**2 / 2],
            [t**3 / 6, t**2 / 2, t],
        ]
    )
    return float(q_m2ps5) * np.kron(blk, np.eye(dim))


# ---------------------------------------------------------------------------------------------
# Coordinated turn with known turn rate (horizontal plane; z, if any, is constant velocity)
# ---------------------------------------------------------------------------------------------


def ct_F(dt_s: float, omega_radps: float, dim: int = 2) -> np.ndarray:
    """Coordinated-turn transition (known turn rate ω) for state ``[x, y(, z), vx, vy(, vz)]``.

    With s = sin ωT, c = cos ωT (Bar-Shalom et al. 2001, §11.7.1):
      x' = x + s/ω vx − (1−c)/ω vy ;  y' = y + (1−c)/ω vx + s/ω vy
      vx' = c vx − s vy ;  vy' = s vx + c vy ;  z, vz: constant velocity.
    ω > 0 turns counter-clockwise (x east, y north → a left turn). ω → 0 gives :func:`cv_F`.
    """
    T = float(dt_s)
    w = float(omega_radps)
    F = cv_F(T, dim)
    s, c = np.sin(w * T), np.cos(w * T)
    if abs(w) < 1e-9:
        a, b = T, 0.0
    else:
        a, b = s / w, (1.0 - c) / w
    F[0, dim + 0], F[0, dim + 1] = a, -b
    F[1, dim + 0], F[1, dim + 1] = b, a
    F[dim + 0, dim + 0], F[dim + 0, dim + 1] = c, -s
    F[dim + 1, dim + 0], F[dim + 1, dim + 1] = s, c
    return F


# ---------------------------------------------------------------------------------------------
# Radar measurement functions (sensor at ``sensor_pos_m``; local Cartesian frame, metres)
# ---------------------------------------------------------------------------------------------


def range_bearing_h(x: np.ndarray, sensor_pos_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2-D range/bearing measurement and its Jacobian for states ``[x, y, vx, vy]``.

    r = √(Δx² + Δy²) ;  θ = atan2(Δy, Δx) (counter-clockwise from +x, as Stone Soup's
    ``CartesianToBearingRange``).  ∂r/∂p = Δᵀ/r ;  ∂θ/∂x = −Δy/r², ∂θ/∂y = Δx/r².

    Returns ``(z_pred (N, 2) = [r, θ], H (N, 2, 4))``.
    """
    d = x[..., :2] - np.asarray(sensor_pos_m)[:2]
    r2 = d[..., 0] ** 2 + d[..., 1] ** 2
    r = np.sqrt(r2)
    z = np.stack([r, np.arctan2(d[..., 1], d[..., 0])], axis=-1)
    H = np.zeros(x.shape[:-1] + (2, x.shape[-1]))
    H[..., 0, 0] = d[..., 0] / r
    H[..., 0, 1] = d[..., 1] / r
    H[..., 1, 0] = -d[..., 1] / r2
    H[..., 1, 1] = d[..., 0] / r2
    return z, H


def range_az_el_h(x: np.ndarray, sensor_pos_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """3-D range/azimuth/elevation and Jacobian for states ``[e, n, u, ve, vn, vu]`` (ENU).

    r = |Δ| ; az = atan2(Δe, Δn) (clockwise from north) ; el = atan2(Δu, ρ), ρ = √(Δe² + Δn²).
    ∂az/∂(e, n) = (Δn, −Δe)/ρ² ;  ∂el/∂(e, n, u) = (−Δe Δu/(r² ρ), −Δn Δu/(r² ρ), ρ/r²).

    Returns ``(z_pred (N, 3) = [r, az, el], H (N, 3, 6))``.
    """
    d = x[..., :3] - np.asarray(sensor_pos_m)[:3]
    e, n, u = d[..., 0], d[..., 1], d[..., 2]
    rho2 = e * e + n * n
    rho = np.sqrt(rho2)
    r2 = rho2 + u * u
    r = np.sqrt(r2)
    z = np.stack([r, np.arctan2(e, n), np.arctan2(u, rho)], axis=-1)
    H = np.zeros(x.shape[:-1] + (3, x.shape[-1]))
    H[..., 0, 0], H[..., 0, 1], H[..., 0, 2] = e / r, n / r, u / r
    H[..., 1, 0], H[..., 1, 1] = n / rho2, -e / rho2
    H[..., 2, 0] = -e * u / (r2 * rho)
    H[..., 2, 1] = -n * u / (r2 * rho)
    H[..., 2, 2] = rho / r2
    return z, H


def polar_to_cartesian(
    r_m: np.ndarray, theta_rad: np.ndarray, sigma_r_m: float, sigma_theta_rad: float
) -> tuple[np.ndarray, np.ndarray]:
    """Converted measurement: 2-D range/bearing → position and its linearised covariance.

    p = r [cos θ, sin θ] ;  R_p = J diag(σ_r², σ_θ²) Jᵀ,  J = [[cos θ, −r sin θ], [sin θ, r cos θ]].
    (Linearised conversion; the debiasing of Lerro & Bar-Shalom 1993 is not applied — its bias
    r σ_θ²/2 is negligible for σ_θ ≲ 1°.) Returns ``(p (M, 2), R (M, 2, 2))`` relative to the sensor.
    """
    r = np.asarray(r_m, dtype=float)
    th = np.asarray(theta_rad, dtype=float)
    c, s = np.cos(th), np.sin(th)
    p = np.stack([r * c, r * s], axis=-1)
    J = np.empty(r.shape + (2, 2))
    J[..., 0, 0], J[..., 0, 1] = c, -r * s
    J[..., 1, 0], J[..., 1, 1] = s, r * c
    D = np.array([sigma_r_m**2, sigma_theta_rad**2])
    R = (J * D[None, :]) @ np.swapaxes(J, -1, -2)
    return p, R


def rae_to_enu(
    r_m: np.ndarray,
    az_rad: np.ndarray,
    el_rad: np.ndarray,
    sigma_r_m: float,
    sigma_az_rad: float,
    sigma_el_rad: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Converted measurement: range/azimuth/elevation → ENU position and linearised covariance.

    e = r cos el sin az ; n = r cos el cos az ; u = r sin el ; R = J diag(σ_r², σ_az², σ_el²) Jᵀ.
    """
    r, az, el = (np.asarray(a, dtype=float) for a in (r_m, az_rad, el_rad))
    ca, sa, ce, se = np.cos(az), np.sin(az), np.cos(el), np.sin(el)
    p = np.stack([r * ce * sa, r * ce * ca, r * se], axis=-1)
    J = np.empty(r.shape + (3, 3))
    J[..., 0, 0], J[..., 0, 1], J[..., 0, 2] = ce * sa, r * ce * ca, -r * se * sa
    J[..., 1, 0], J[..., 1, 1], J[..., 1, 2] = ce * ca, -r * ce * sa, -r * se * ca
    J[..., 2, 0], J[..., 2, 1], J[..., 2, 2] = se, 0.0, r * ce
    D = np.array([sigma_r_m**2, sigma_az_rad**2, sigma_el_rad**2])
    R = (J * D[None, :]) @ np.swapaxes(J, -1, -2)
    return p, R
