"""Batched Kalman-filter kernels (pure functions, no per-track Python loops).

Shapes: states ``x`` (N, n), covariances ``P`` (N, n, n), measurements ``z`` (N, m), measurement
matrices ``H`` (m, n) or (N, m, n), noise ``R`` (m, m) or (N, m, m), transition ``F`` (n, n) or
(N, n, n), process noise ``Q`` (n, n) or (N, n, n). Every kernel returns new arrays.
"""

from __future__ import annotations

import numpy as np


def _t(a: np.ndarray) -> np.ndarray:
    """Transpose of the last two axes."""
    return np.swapaxes(a, -1, -2)


def symmetrize(P: np.ndarray) -> np.ndarray:
    """(P + Pᵀ)/2 — removes round-off asymmetry."""
    return 0.5 * (P + _t(P))


def predict(x: np.ndarray, P: np.ndarray, F: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kalman prediction.

    x⁻ = F x ;  P⁻ = F P Fᵀ + Q
    """
    x_pred = np.einsum("...ij,...j->...i", F, x)
    P_pred = F @ P @ _t(F) + Q
    return x_pred, symmetrize(P_pred)


def innovation(
    x: np.ndarray, P: np.ndarray, z: np.ndarray, H: np.ndarray, R: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Innovation and its covariance.

    y = z − H x ;  S = H P Hᵀ + R
    """
    y = z - np.einsum("...ij,...j->...i", H, x)
    S = H @ P @ _t(H) + R
    return y, symmetrize(S)


def update(
    x: np.ndarray, P: np.ndarray, z: np.ndarray, H: np.ndarray, R: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kalman update in Joseph form (stays symmetric PSD under round-off).

    y = z − H x ;  S = H P Hᵀ + R ;  K = P Hᵀ S⁻¹
    x⁺ = x + K y ;  P⁺ = (I − K H) P (I − K H)ᵀ + K R Kᵀ

    Returns ``(x⁺, P⁺, y, S)``; ``y`` and ``S`` feed NIS and gating.
    """
    y, S = innovation(x, P, z, H, R)
    PHt = P @ _t(np.broadcast_to(H, P.shape[:-2] + H.shape[-2:]))
    # K = P Hᵀ S⁻¹ computed as a solve: Kᵀ = S⁻¹ (P Hᵀ)ᵀ (S symmetric)
    K = _t(np.linalg.solve(S, _t(PHt)))
    x_new = x + np.einsum("...ij,...j->...i", K, y)
    n = x.shape[-1]
    I_KH = np.eye(n) - K @ H
    P_new = I_KH @ P @ _t(I_KH) + K @ R @ _t(K)
    return x_new, symmetrize(P_new), y, S


def mahalanobis2(y: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Squared Mahalanobis distance d² = yᵀ S⁻¹ y for batches (..., m), (..., m, m)."""
    return np.einsum("...i,...i->...", y, np.linalg.solve(S, y[..., None])[..., 0])
