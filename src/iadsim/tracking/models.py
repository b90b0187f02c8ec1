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
