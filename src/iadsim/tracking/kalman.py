"""Batched Kalman-filter kernels (pure functions, no per-track Python loops).

Shapes: states ``x`` (N, n), covariances ``P`` (N, n, n), measurements ``z`` (N, m), measurement
matrices ``H`` (m, n) or (N, m, n), noise ``R`` (m, m) or (N, m, m), transition ``F`` (n, n) or
(N, n, n), process noise ``Q`` (n, n) or (N, n, n). Every kernel returns new arrays.
"""

from __future__ import annotations

import functools

import numpy as np

from iadsim.tracking import kernels


def _t(a: np.ndarray) -> np.ndarray:
    """Transpose of the last two axes."""
    return a.swapaxes(-1, -2)


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

    For a position measurement H = [I 0] (one (m, n) matrix) the products with H are taken as
    slices — H x = x[:m], H P Hᵀ = P[:m, :m], P Hᵀ = P[:, :m], K H = [K 0] — which are the same
    numbers as the matrix products (each sums one exact product with exact zeros). For batches
    (x (N, n), P (N, n, n), z (N, m)) that update is compiled around the one solve for the gain
    (:func:`iadsim.tracking.kernels.gain_solve_batch`, written out for m = 3;
    :func:`iadsim.tracking.kernels.joseph_position_update`).
    """
    n = x.shape[-1]
    sel = _is_leading_selection(H)
    if sel and x.ndim == 2 and P.ndim == 3 and z.ndim == 2 and R.ndim in (2, 3):
        # compiled around the one solve for the gains (kernels.position_gain_inputs,
        # gain_solve_batch: the per-pair updates' 3 × 3 solve, joseph_position_update)
        f64 = np.float64
        Rm = np.ascontiguousarray(R if R.ndim == 3 else np.broadcast_to(R, (x.shape[0],) + R.shape), f64)
        Pc = np.ascontiguousarray(P, f64)
        S, B = kernels.position_gain_inputs(Pc, Rm)
        Kt = kernels.gain_solve_batch(S, B)
        x_new, P_new, y = kernels.joseph_position_update(np.ascontiguousarray(x, f64), Pc,
                                                         np.ascontiguousarray(z, f64), Rm, Kt)
        return x_new, P_new, y, S
    if sel:
        m = H.shape[0]
        y = z - x[..., :m]
        S = symmetrize(P[..., :m, :m] + R)
        PHt = P[..., :, :m]
    else:
        y, S = innovation(x, P, z, H, R)
        PHt = P @ _t(np.broadcast_to(H, P.shape[:-2] + H.shape[-2:]))
    # K = P Hᵀ S⁻¹ computed as a solve: Kᵀ = S⁻¹ (P Hᵀ)ᵀ (S symmetric)
    K = _t(np.linalg.solve(S, _t(PHt)))
    x_new = x + np.einsum("...ij,...j->...i", K, y)
    if sel:
        KH = np.zeros(K.shape[:-1] + (n,))
        KH[..., :m] = K
    else:
        KH = K @ H
    I_KH = np.eye(n) - KH
    P_new = I_KH @ P @ _t(I_KH) + K @ R @ _t(K)
    return x_new, symmetrize(P_new), y, S


@functools.lru_cache(maxsize=16)
def _selection_bytes(m: int, n: int) -> bytes:
    """Bytes of the float64 (m, n) matrix [I 0]."""
    H = np.zeros((m, n))
    H[:, :m] = np.eye(m)
    return H.tobytes()


def _is_leading_selection(H: np.ndarray) -> bool:
    """Whether ``H`` is one float64 (m, n) matrix [I 0] with m ≤ n (compared byte for byte)."""
    return (H.ndim == 2 and H.dtype == np.float64 and H.shape[0] <= H.shape[1]
            and H.tobytes() == _selection_bytes(H.shape[0], H.shape[1]))


def mahalanobis2(y: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Squared Mahalanobis distance d² = yᵀ S⁻¹ y for batches (..., m), (..., m, m)."""
    return np.einsum("...i,...i->...", y, np.linalg.solve(S, y[..., None])[..., 0])


# ---------------------------------------------------------------------------------------------
# Small closed-form helpers (np.linalg on tiny batched matrices carries per-call overhead)
# ---------------------------------------------------------------------------------------------


def inv_small(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse and determinant of a batch of 1×1, 2×2 or 3×3 matrices in closed form.

    Parameters
    ----------
    S : (..., m, m) with m in {1, 2, 3}; other sizes fall back to ``np.linalg``.

    Returns
    -------
    (S⁻¹ (..., m, m), det S (...))

    S⁻¹ = adj(S) / det(S) (cofactor formula).
    """
    m = S.shape[-1]
    if m == 1:
        det = S[..., 0, 0]
        return (1.0 / det)[..., None, None], det
    if m == 2:
        a, b, c, d = S[..., 0, 0], S[..., 0, 1], S[..., 1, 0], S[..., 1, 1]
        det = a * d - b * c
        inv = np.empty_like(S)
        inv[..., 0, 0] = d
        inv[..., 0, 1] = -b
        inv[..., 1, 0] = -c
        inv[..., 1, 1] = a
        inv /= det[..., None, None]
        return inv, det
    if m == 3:
        a = S
        c00 = a[..., 1, 1] * a[..., 2, 2] - a[..., 1, 2] * a[..., 2, 1]
        c01 = a[..., 1, 2] * a[..., 2, 0] - a[..., 1, 0] * a[..., 2, 2]
        c02 = a[..., 1, 0] * a[..., 2, 1] - a[..., 1, 1] * a[..., 2, 0]
        det = a[..., 0, 0] * c00 + a[..., 0, 1] * c01 + a[..., 0, 2] * c02
        inv = np.empty_like(S)
        inv[..., 0, 0] = c00
        inv[..., 1, 0] = c01
        inv[..., 2, 0] = c02
        inv[..., 0, 1] = a[..., 0, 2] * a[..., 2, 1] - a[..., 0, 1] * a[..., 2, 2]
        inv[..., 1, 1] = a[..., 0, 0] * a[..., 2, 2] - a[..., 0, 2] * a[..., 2, 0]
        inv[..., 2, 1] = a[..., 0, 1] * a[..., 2, 0] - a[..., 0, 0] * a[..., 2, 1]
        inv[..., 0, 2] = a[..., 0, 1] * a[..., 1, 2] - a[..., 0, 2] * a[..., 1, 1]
        inv[..., 1, 2] = a[..., 0, 2] * a[..., 1, 0] - a[..., 0, 0] * a[..., 1, 2]
        inv[..., 2, 2] = a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]
        inv /= det[..., None, None]
        return inv, det
    return np.linalg.inv(S), np.linalg.det(S)


def quad_form(y: np.ndarray, Sinv: np.ndarray) -> np.ndarray:
    """yᵀ S⁻¹ y for batches ``y`` (..., m) and ``Sinv`` (..., m, m)."""
    return np.einsum("...i,...ij,...j->...", y, Sinv, y)


def gaussian_likelihood(y: np.ndarray, S: np.ndarray) -> np.ndarray:
    """N(y; 0, S) = exp(−½ yᵀS⁻¹y) / sqrt((2π)^m |S|) for batches (..., m), (..., m, m)."""
    Sinv, det = inv_small(S)
    m = y.shape[-1]
    return np.exp(-0.5 * quad_form(y, Sinv)) / np.sqrt((2.0 * np.pi) ** m * det)


def update_position(
    x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fast Kalman update for a position measurement of state ``[p (d), rest]``: H = [I 0].

    Same result as :func:`update` with ``H = position_H`` (Joseph form), written with block
    slices and the closed-form inverse so that it costs O(N n²) with small constants.

    Parameters
    ----------
    x : (N, n) states, P : (N, n, n), z : (N, d) measured positions [m], R : (d, d) or (N, d, d)

    Returns
    -------
    (x⁺ (N, n), P⁺ (N, n, n), y (N, d), S (N, d, d))
    """
    d = z.shape[-1]
    y = z - x[..., :d]  # y = z − H x
    S = P[..., :d, :d] + R  # S = H P Hᵀ + R
    S = 0.5 * (S + _t(S))
    Sinv, _ = inv_small(S)
    PHt = P[..., :, :d]  # P Hᵀ  (N, n, d)
    K = PHt @ Sinv  # K = P Hᵀ S⁻¹
    x_new = x + np.einsum("...ij,...j->...i", K, y)
    # Joseph: (I−KH) P (I−KH)ᵀ + K R Kᵀ ; (I−KH)P = P − K (H P) with H P = P[:d, :]
    A = P - K @ P[..., :d, :]
    # (I−KH) P (I−KH)ᵀ = A − A Hᵀ Kᵀ = A − A[:, :, :d] Kᵀ
    P_new = A - A[..., :, :d] @ _t(K) + K @ R @ _t(K)
    return x_new, symmetrize(P_new), y, S


def ekf_update(
    x: np.ndarray,
    P: np.ndarray,
    z: np.ndarray,
    z_pred: np.ndarray,
    H: np.ndarray,
    R: np.ndarray,
    angle_axes: tuple[int, ...] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Extended Kalman update (Joseph form) given the predicted measurement h(x) and Jacobian.

    y = wrap(z − h(x)) ;  S = H P Hᵀ + R ; K = P Hᵀ S⁻¹ ; x⁺ = x + K y ;
    P⁺ = (I − K H) P (I − K H)ᵀ + K R Kᵀ, with H = ∂h/∂x at the prediction.

    Parameters
    ----------
    x (N, n), P (N, n, n), z (N, m), z_pred (N, m) = h(x), H (N, m, n), R (m, m) or (N, m, m),
    angle_axes : measurement components that are angles [rad]; their innovation is wrapped to
        (−π, π].
    """
    y = z - z_pred
    for k in angle_axes:
        y[..., k] = wrap_angle(y[..., k])
    S = symmetrize(H @ P @ _t(H) + R)
    Sinv, _ = inv_small(S)
    K = P @ _t(H) @ Sinv
    x_new = x + np.einsum("...ij,...j->...i", K, y)
    I_KH = np.eye(x.shape[-1]) - K @ H
    P_new = I_KH @ P @ _t(I_KH) + K @ R @ _t(K)
    return x_new, symmetrize(P_new), y, S


def wrap_angle(a: np.ndarray) -> np.ndarray:
    """Wrap angles [rad] to (−π, π]."""
    return np.pi - np.mod(np.pi - a, 2.0 * np.pi)


def nis(y: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Normalised innovation squared ε_y = yᵀ S⁻¹ y, (..., m), (..., m, m) → (...)."""
    Sinv, _ = inv_small(S)
    return quad_form(y, Sinv)


def nees(x_true: np.ndarray, x_est: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Normalised estimation error squared ε_x = (x−x̂)ᵀ P⁻¹ (x−x̂), (..., n), (..., n, n) → (...)."""
    e = x_true - x_est
    return np.einsum("...i,...i->...", e, np.linalg.solve(P, e[..., None])[..., 0])


# ---------------------------------------------------------------------------------------------
# Interacting multiple model (IMM) kernels — Blom & Bar-Shalom (1988); Bar-Shalom, Li &
# Kirubarajan (2001) §11.6.6. All r models share one state vector (N, n).
# ---------------------------------------------------------------------------------------------


def imm_mix(
    mu: np.ndarray, Pi: np.ndarray, xs: np.ndarray, Ps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IMM interaction (mixing) step.

    c̄_j = Σ_i Π_ij μ_i ;  μ_{i|j} = Π_ij μ_i / c̄_j
    x̂0_j = Σ_i μ_{i|j} x̂_i ;  P0_j = Σ_i μ_{i|j} [P_i + (x̂_i − x̂0_j)(x̂_i − x̂0_j)ᵀ]

    Parameters
    ----------
    mu : (N, r) mode probabilities; Pi : (r, r) Markov transition matrix, Π_ij = P(j at k | i at k−1);
    xs : (r, N, n) model-conditioned states; Ps : (r, N, n, n).

    Returns
    -------
    (x0 (r, N, n), P0 (r, N, n, n), c̄ (N, r)) — mixed initial conditions and predicted mode
    probabilities.
    """
    cbar = mu @ Pi  # (N, r)
    w = mu[:, :, None] * Pi[None, :, :] / np.maximum(cbar[:, None, :], 1e-300)  # (N, i, j)
    x0 = np.einsum("nij,ink->jnk", w, xs)
    dx = xs[:, None, :, :] - x0[None, :, :, :]  # (i, j, N, n)
    spread = Ps[:, None] + dx[..., :, None] * dx[..., None, :]  # (i, j, N, n, n)
    P0 = np.einsum("nij,ijnkl->jnkl", w, spread)
    return x0, symmetrize(P0), cbar


def imm_mode_probabilities(cbar: np.ndarray, likelihood: np.ndarray) -> np.ndarray:
    """Mode-probability update μ_j = Λ_j c̄_j / Σ_i Λ_i c̄_i.

    Parameters: cbar (N, r), likelihood (r, N) or (N, r). Returns (N, r).
    """
    L = likelihood.T if likelihood.shape != cbar.shape else likelihood
    num = L * cbar
    tot = num.sum(axis=1, keepdims=True)
    # A track whose likelihoods all underflow keeps its predicted mode probabilities.
    return np.where(tot > 0, num / np.where(tot > 0, tot, 1.0), cbar)


def imm_combine(mu: np.ndarray, xs: np.ndarray, Ps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """IMM output combination: x̂ = Σ_j μ_j x̂_j ; P = Σ_j μ_j [P_j + (x̂_j − x̂)(x̂_j − x̂)ᵀ].

    mu (N, r), xs (r, N, n), Ps (r, N, n, n) → (x (N, n), P (N, n, n)).
    """
    x = np.einsum("nj,jnk->nk", mu, xs)
    dx = xs - x[None]
    P = np.einsum("nj,jnkl->nkl", mu, Ps + dx[..., :, None] * dx[..., None, :])
    return x, symmetrize(P)
