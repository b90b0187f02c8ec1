"""One compiled call for the state of a bundled mover: its route and ballistic leaf kernels.

The world compiler flies every air-breathing threat and friendly in one
:class:`~iadsim.threats.routes.RouteMover` and every ballistic missile in one
:class:`~iadsim.threats.ballistic.BallisticMover`, composed and permuted into threat order
(:class:`~iadsim.threats.motion.PermutedMover`). Their fill plan (:func:`~iadsim.threats.motion.fill_plan`)
is resolved once into the leaves' kernel tables and output rows
(:func:`~iadsim.threats.motion.kernel_tables`); :func:`motion_state_kernel` then evaluates the
state of every threat at ``t`` with both leaf kernels in one call, writing into caller-owned
arrays — the numbers of the leaf kernels themselves, so positions are bit-identical to the plan loop.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.threats.ballistic import ballistic_state_kernel
from iadsim.threats.routes import route_state_kernel

__all__ = ["motion_state_kernel", "EMPTY_ROUTE", "EMPTY_BALLISTIC"]

#: :func:`route_state_kernel`'s tables and ``dest`` of no route threat
EMPTY_ROUTE: tuple = (np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 2)),
                      np.zeros(0), np.zeros(0), np.zeros((0, 2, 3)), np.zeros((0, 1, 3)), np.zeros(0, np.int64))  # fmt: skip
#: :func:`ballistic_state_kernel`'s ``dt_s``, tables and ``dest`` of no ballistic missile
EMPTY_BALLISTIC: tuple = (1.0, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64),
                          np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3)), False, np.zeros(0),
                          np.zeros(0), np.zeros(0), np.zeros((0, 3)), np.zeros(0, np.int64))  # fmt: skip


@njit(cache=True, error_model="numpy")
def motion_state_kernel(t_s: float, r_launch: np.ndarray, r_arrival: np.ndarray, r_speed: np.ndarray,
                        r_length: np.ndarray, r_npts: np.ndarray, r_cum: np.ndarray, r_key: np.ndarray,
                        r_off: np.ndarray, r_pts: np.ndarray, r_dpds: np.ndarray, r_dest: np.ndarray,
                        b_dt: float, b_launch: np.ndarray, b_arrival: np.ndarray, b_flight: np.ndarray,
                        b_kimp: np.ndarray, b_offset: np.ndarray, b_tloc: np.ndarray, b_pos: np.ndarray,
                        b_vel: np.ndarray, b_impact: np.ndarray, b_man: bool, b_acc: np.ndarray,
                        b_mstart: np.ndarray, b_omega: np.ndarray, b_cross: np.ndarray, b_dest: np.ndarray,
                        pos: np.ndarray, vel: np.ndarray, flying: np.ndarray,
                        arrived: np.ndarray) -> None:  # pragma: no cover - compiled  # fmt: skip
    """State at ``t_s`` (s) of a route leaf and a ballistic leaf, into rows ``r_dest`` / ``b_dest``.

    The equations are those of :func:`~iadsim.threats.routes.route_state_kernel` (chord
    interpolation along the densified polyline at s = min(v · max(t − t₀, 0), L)) and
    :func:`~iadsim.threats.ballistic.ballistic_state_kernel` (cubic Hermite interpolation of the
    integrated arc, terminal weave), called in turn; an absent leaf is :data:`EMPTY_ROUTE` /
    :data:`EMPTY_BALLISTIC` (no rows). ``r_*``: the route tables (``RouteMover._kernel_tables``),
    ``b_*``: the ballistic ones (``BallisticMover._kernel_tables``), each with its output rows
    ``dest`` (disjoint). Outputs ``pos, vel`` (N, 3) m, m/s; ``flying, arrived`` (N,) bool.
    """
    route_state_kernel(t_s, r_launch, r_arrival, r_speed, r_length, r_npts, r_cum, r_key, r_off, r_pts, r_dpds,
                       r_dest, pos, vel, flying, arrived)  # fmt: skip
    ballistic_state_kernel(t_s, b_dt, b_launch, b_arrival, b_flight, b_kimp, b_offset, b_tloc, b_pos, b_vel,
                           b_impact, b_man, b_acc, b_mstart, b_omega, b_cross, b_dest, pos, vel, flying,
                           arrived)  # fmt: skip
