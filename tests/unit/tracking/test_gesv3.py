"""The 3 × 3 gain solve written out (tracking.kernels.gesv3_into; docs/models.md, "The 3 × 3 gain
solve"): LAPACK dgesv's partial pivoting and info, the documented order of operations bit for
bit (an independent pure-Python reference with an exact fused multiply-add), and the accuracy
that pivoting buys."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from scipy.linalg import lapack

from iadsim.tracking import kernels


def _fma(a: float, b: float, c: float) -> float:
    """a·b + c rounded once (exact rational arithmetic, then one correctly rounded division)."""
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def _reference_factor(S: np.ndarray) -> tuple[int, list[list[float]], list[int]]:
    """dgetf2 (left-looking, first largest pivot), each operation as the kernels' docstrings state
    it, in Python floats: (info, the factors, the pivot rows)."""
    a = [[float(S[i, j]) for j in range(3)] for i in range(3)]
    piv = [0, 1, 2]
    for j in range(3):
        for i in range(j):  # earlier interchanges, applied to column j
            a[i][j], a[piv[i]][j] = a[piv[i]][j], a[i][j]
        if j == 1:
            for i in (1, 2):
                a[i][1] = a[i][1] - a[i][0] * a[0][1]
        elif j == 2:
            a[1][2] = a[1][2] - a[1][0] * a[0][2]
            a[2][2] = a[2][2] - _fma(a[2][1], a[1][2], a[2][0] * a[0][2])
        jp = max(range(j, 3), key=lambda i: (abs(a[i][j]), -i))
        if a[jp][j] == 0.0:
            return j + 1, a, piv
        piv[j] = jp
        for k in range(j + 1):
            a[j][k], a[jp][k] = a[jp][k], a[j][k]
        r = 1.0 / a[j][j]
        for i in range(j + 1, 3):
            a[i][j] *= r
    return 0, a, piv


def _interchanged(piv: list[int], b_in: np.ndarray) -> list[float]:
    b = [float(v) for v in b_in]
    for i in range(3):
        b[i], b[piv[i]] = b[piv[i]], b[i]
    return b


def _reference(S: np.ndarray, B: np.ndarray) -> tuple[int, np.ndarray]:
    """The factorisation, then the interchanges, L y = P b and U x = y, as gesv3_into's docstring
    states them."""
    info, a, piv = _reference_factor(S)
    if info:
        return info, np.empty(0)
    X = np.empty(B.shape)
    for c in range(B.shape[1]):
        b = _interchanged(piv, B[:, c])
        y1 = _fma(-a[1][0], b[0], b[1])
        y2 = b[2] - _fma(a[2][1], y1, a[2][0] * b[0])
        x2 = y2 * (1.0 / a[2][2])
        x1 = (y1 - a[1][2] * x2) * (1.0 / a[1][1])
        x0 = _fma(-a[0][1], x1, b[0] - a[0][2] * x2) * (1.0 / a[0][0])
        X[:, c] = (x0, x1, x2)
    return 0, X


def _reference_1(S: np.ndarray, b_in: np.ndarray) -> np.ndarray:
    """One right-hand side, as gesv3_1_into's docstring states it (dtrsv's order)."""
    info, a, piv = _reference_factor(S)
    assert info == 0
    b = _interchanged(piv, b_in)
    y1 = _fma(-b[0], a[1][0], b[1])
    y2 = _fma(-y1, a[2][1], _fma(-b[0], a[2][0], b[2]))
    x2 = y2 / a[2][2]
    x1 = _fma(-x2, a[1][2], y1) / a[1][1]
    x0 = _fma(-x1, a[0][1], _fma(-x2, a[0][2], b[0])) / a[0][0]
    return np.array([x0, x1, x2])


def _solve(S: np.ndarray, B: np.ndarray) -> tuple[int, np.ndarray]:
    a = np.asfortranarray(S, float).ravel(order="F").copy()
    b = np.asfortranarray(B, float).ravel(order="F").copy()
    info = kernels.gesv3_into(a, b, B.shape[1])
    return info, b.reshape(B.shape, order="F")


def _systems(rng: np.random.Generator, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for k in range(n):
        if k % 2:  # general matrices: every pivot order occurs
            S = rng.normal(size=(3, 3)) * 10.0 ** rng.uniform(-2, 4, (3, 3))
        else:  # innovation covariances: symmetric positive definite, wide dynamic range
            A = rng.normal(size=(3, 3)) * 10.0 ** rng.uniform(-1, 4)
            S = A @ A.T + np.eye(3)
            S = 0.5 * (S + S.T)
        out.append((S, rng.normal(size=(3, 6)) * 10.0 ** rng.uniform(-1, 5)))
    return out


def test_the_documented_order_of_operations_bit_for_bit() -> None:
    rng = np.random.default_rng(11)
    for S, B in _systems(rng, 400):
        info, X = _solve(S, B)
        info_r, X_r = _reference(S, B)
        assert info == info_r == 0
        assert np.array_equal(X, X_r)


def test_one_right_hand_side_in_its_documented_order_bit_for_bit() -> None:
    rng = np.random.default_rng(12)
    for S, B in _systems(rng, 400):
        a = np.asfortranarray(S).ravel(order="F").copy()
        b = B[:, 0].copy()
        assert kernels.gesv3_1_into(a, b) == 0
        assert np.array_equal(b, _reference_1(S, B[:, 0]))
    sing = np.column_stack([np.array([1.0, 2.0, 4.0]), 3.0 * np.array([1.0, 2.0, 4.0]), np.ones(3)])
    assert kernels.gesv3_1_into(np.asfortranarray(sing).ravel(order="F").copy(), np.ones(3)) == 2


def test_pivots_and_info_are_lapacks() -> None:
    rng = np.random.default_rng(5)
    for S, _ in _systems(rng, 200):
        lu, ipiv, info = lapack.dgetrf(S)
        a = np.asfortranarray(S).ravel(order="F").copy()
        b = np.zeros(6)
        assert kernels.gesv3_into(a, b, 2) == info == 0
        # the factors LAPACK returns, to rounding (the pivots decide which rows they are)
        assert np.allclose(a.reshape((3, 3), order="F"), lu, rtol=1e-12, atol=0.0)
    # an exactly zero pivot in column j (power-of-two multipliers: exact elimination): info = j + 1
    c0, c1 = np.array([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 2.0])
    cases = [
        (np.column_stack([np.zeros(3), c1, c0]), 1),
        (np.column_stack([c0, 3.0 * c0, c1]), 2),
        (np.column_stack([c0, c1, c0 + c1]), 3),
        (np.column_stack([c0, c1, np.array([0.0, 1.0, 0.0])]), 0),
    ]
    for S, expected in cases:
        info_l = lapack.dgesv(S, np.ones((3, 2)))[3]
        info, _ = _solve(S, np.ones((3, 2)))
        assert info == info_l == expected


def test_a_permutation_is_solved_exactly_and_pivoting_keeps_the_accuracy() -> None:
    Pm = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    B = np.arange(12.0).reshape(3, 4) - 5.0
    info, X = _solve(Pm, B)
    assert info == 0 and np.array_equal(X, Pm.T @ B)
    # a tiny leading entry: elimination without the row interchange loses every digit of x0
    S = np.array([[1e-20, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    X_true = np.array([[1.0, -2.0], [3.0, 0.5], [-1.0, 7.0]])
    info, X = _solve(S, S @ X_true)
    assert info == 0
    assert np.allclose(X, X_true, rtol=1e-14, atol=1e-14)


def test_the_batched_gains_solve_their_systems() -> None:
    """gain_solve_batch (the batched update's gains): the residual of every system within rounding
    of its size, on any host (bit for bit with the development host's OpenBLAS, measured by
    benchmarks/bench_update_pair.py), and LinAlgError for a singular S."""
    rng = np.random.default_rng(9)
    sy = _systems(rng, 300)
    S = np.stack([s for s, _ in sy])
    B = np.stack([b for _, b in sy])
    X = kernels.gain_solve_batch(S, B)
    res = np.abs(np.einsum("qij,qjk->qik", S, X) - B).max(axis=(1, 2))
    scale = np.abs(S).max(axis=(1, 2)) * np.abs(X).max(axis=(1, 2))
    assert np.all(res <= 1e-12 * scale)
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        kernels.gain_solve_batch(np.zeros((1, 3, 3)), B[:1])
