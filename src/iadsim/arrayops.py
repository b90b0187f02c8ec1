"""Set-membership and ordering kernels for the engine's small per-tick integer arrays.

``np.isin`` sorts or builds a lookup table on every call (tens of µs of interpreter overhead);
the engine asks it thousands of times a run about arrays of a few to a few hundred elements.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)

#: above this many (element, test element) comparisons the broadcast test gives way to np.isin
_BROADCAST_MAX = 1 << 16


def isin_small(element: ArrayLike, test_elements: ArrayLike) -> np.ndarray:
    """Boolean mask, shape of ``element``: is each element equal to one of ``test_elements``?

    The same result as ``np.isin(element, test_elements)`` for integer (or exactly comparable)
    arrays: ``out[i] = any_j element[i] == test_elements[j]``, computed by one (n, m) broadcast
    comparison when n·m is small, else by ``np.isin``.

    Parameters
    ----------
    element : (n,) or any shape, integer array.
    test_elements : (m,) or any shape, integer array (flattened).

    Returns
    -------
    ndarray of bool, ``element``'s shape.
    """
    a = np.asarray(element)
    b = np.asarray(test_elements).reshape(-1)
    if a.size * b.size > _BROADCAST_MAX:
        return np.isin(a, b)
    if b.size == 0 or a.size == 0:
        return np.zeros(a.shape, bool)
    return (a.reshape(-1, 1) == b[None, :]).any(axis=1).reshape(a.shape)


__all__ = ["isin_small"]


@njit(cache=True, error_model="numpy")
def sort_rows_by2(rows: np.ndarray, m: int, key: np.ndarray, tie: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``rows[:m]`` ordered by (key[row], tie[row]), stable: ``rows[np.lexsort((tie[rows], key[rows]))]``.

    A stable insertion sort (a compiled kernel's few rows per tick: rounds due, interrogations);
    returns a new (m,) array.
    """
    out = rows[:m].copy()
    for i in range(1, m):
        r = out[i]
        j = i - 1
        while j >= 0 and (key[out[j]] > key[r] or (key[out[j]] == key[r] and tie[out[j]] > tie[r])):
            out[j + 1] = out[j]
            j -= 1
        out[j + 1] = r
    return out
