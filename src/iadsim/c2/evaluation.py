"""Threat evaluation (time to go): rank tracks by how soon they threaten a defended asset.

Value at risk and priority: :mod:`iadsim.c2.threat_evaluation`.

Pure kernels over arrays; no truth labels (only track estimates).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)


def time_to_go(p_m: np.ndarray, v_mps: np.ndarray, asset_ecef_m: np.ndarray, min_closing_mps: float = 1.0) -> np.ndarray:
    """Earliest predicted arrival at any defended asset, closing-speed model.

    For a track at ``p`` with velocity ``v`` and asset ``a``: range ``d = |a − p|``, closing speed
    ``c = (a − p)·v / d``; time to go ``d / c`` where ``c > min_closing_mps``, else ∞ (opening or
    crossing tracks threaten no asset). The track's value is the minimum over assets.

    Parameters
    ----------
    p_m, v_mps : (P, 3) track position (ECEF, m) and velocity (m/s).
    asset_ecef_m : (A, 3) defended assets (ECEF, m).

    Returns
    -------
    (P,) time to go, s (∞ where the track closes on no asset).
    """
    if len(asset_ecef_m) == 0:
        return np.full(len(p_m), np.inf)
    c = np.ascontiguousarray
    return _time_to_go(c(p_m, float).reshape(-1, 3), c(v_mps, float).reshape(-1, 3),
                       c(asset_ecef_m, float).reshape(-1, 3), float(min_closing_mps))  # fmt: skip


@njit(cache=True, error_model="numpy")
def _time_to_go(p: np.ndarray, v: np.ndarray, assets: np.ndarray, min_closing: float) -> np.ndarray:  # pragma: no cover
    """:func:`time_to_go` per track: min over assets of d / c where c = (a − p)·v / max(d, 1) > min_closing."""
    n = p.shape[0]
    out = np.full(n, np.inf)
    for j in range(n):
        for a in range(assets.shape[0]):
            r0, r1, r2 = assets[a, 0] - p[j, 0], assets[a, 1] - p[j, 1], assets[a, 2] - p[j, 2]
            d = math.sqrt(r0 * r0 + r1 * r1 + r2 * r2)
            closing = (r0 * v[j, 0] + r1 * v[j, 1] + r2 * v[j, 2]) / max(d, 1.0)
            if closing > min_closing:
                tg = d / max(closing, 1e-9)
                if tg < out[j]:
                    out[j] = tg
    return out


def first_per_unit(unit: np.ndarray, tgo_s: np.ndarray, track_id: np.ndarray) -> np.ndarray:
    """Index of each unit's most urgent candidate: smallest time to go, ties by track id.

    Rule: one new engagement per ready fire unit per tick, the earliest-arriving feasible track.
    (The engine's selection rule until issue 9; the engine now uses one weapon–target assignment
    per fire-distribution group, :mod:`iadsim.c2.fire_distribution`. Kept as a library kernel.)

    Parameters
    ----------
    unit, tgo_s, track_id : (P,) candidate pairs (fire unit, time to go, track id).

    Returns
    -------
    (U,) indices into the candidates, one per distinct unit, in increasing unit order.
    """
    if len(unit) == 0:
        return np.zeros(0, np.int64)
    order = np.lexsort((track_id, tgo_s, unit))
    return np.asarray(order[np.r_[True, unit[order][1:] != unit[order][:-1]]])
