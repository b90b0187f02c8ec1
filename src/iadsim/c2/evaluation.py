"""Threat evaluation (time to go): rank tracks by how soon they threaten a defended asset.

Value at risk and priority: :mod:`iadsim.c2.threat_evaluation`.

Pure kernels over arrays; no truth labels (only track estimates).
"""

from __future__ import annotations

import numpy as np


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
    rel = asset_ecef_m[None, :, :] - p_m[:, None, :]  # (P, A, 3)
    dist = np.linalg.norm(rel, axis=2)
    closing = np.einsum("pak,pk->pa", rel, v_mps) / np.maximum(dist, 1.0)
    with np.errstate(divide="ignore"):
        tgo = np.where(closing > min_closing_mps, dist / np.maximum(closing, 1e-9), np.inf)
    return np.asarray(tgo.min(axis=1))


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
