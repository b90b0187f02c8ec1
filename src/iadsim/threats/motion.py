"""Threat motion: the :class:`Mover` protocol, its :class:`MotionState` and :class:`CompositeMover`.

A *mover* owns the kinematics of ``n`` threats. It is queried with one time (seconds from the
scenario epoch) and answers for all of its threats at once, fully vectorised:

* ``pos_ecef_m`` (n, 3) – WGS84 ECEF position, metres;
* ``vel_ecef_mps`` (n, 3) – ECEF velocity, metres per second (zero before launch and after arrival);
* ``flying`` (n,) – launched and not yet arrived;
* ``arrived`` (n,) – ``t >= arrival_time_s``.

Implementations: :class:`iadsim.threats.routes.RouteMover` (air-breathing threats on geodesic
legs) and :class:`iadsim.threats.ballistic.BallisticMover` (Keplerian ballistic missiles).
:class:`CompositeMover` concatenates several movers; the threat index order is the order of the
movers, then the order inside each mover.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from iadsim.geo.frames import WGS84_A_M, WGS84_E2

__all__ = ["MotionState", "Mover", "PlannedMover", "CompositeMover", "PermutedMover", "fill_plan", "kernel_tables",
           "state_into"]


@dataclass(frozen=True)
class MotionState:
    """Kinematic state of ``N`` threats at one instant.

    Attributes
    ----------
    pos_ecef_m : ndarray, shape (N, 3)
        ECEF position, m.
    vel_ecef_mps : ndarray, shape (N, 3)
        ECEF velocity, m/s. Zero for threats not flying (before launch, after arrival).
    flying : ndarray of bool, shape (N,)
        ``launch_time_s <= t < arrival_time_s``.
    arrived : ndarray of bool, shape (N,)
        ``t >= arrival_time_s``.
    """

    pos_ecef_m: np.ndarray
    vel_ecef_mps: np.ndarray
    flying: np.ndarray
    arrived: np.ndarray

    @property
    def n(self) -> int:
        """Number of threats."""
        return int(self.pos_ecef_m.shape[0])


@runtime_checkable
class Mover(Protocol):
    """Anything that can say where its ``n`` threats are at a given time.

    Attributes
    ----------
    n : int
        Number of threats.
    launch_time_s : ndarray, shape (n,)
        Launch (start-of-motion) time of each threat, s from the scenario epoch.
    arrival_time_s : ndarray, shape (n,)
        Time each threat reaches its target / impact point, s from the scenario epoch.
    """

    n: int
    launch_time_s: np.ndarray
    arrival_time_s: np.ndarray

    def state(self, t_s: float) -> MotionState:
        """State of every threat at time ``t_s`` (s from the scenario epoch)."""
        ...


def flags(t_s: float, launch_time_s: np.ndarray, arrival_time_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(flying, arrived)`` flags, shape (N,) each, from launch and arrival times (s)."""
    arrived = t_s >= arrival_time_s
    flying = (t_s >= launch_time_s) & ~arrived
    return flying, arrived


class PlannedMover:
    """Base of the bundled movers: :meth:`state` runs the mover's fill plan (:func:`fill_plan`).

    A leaf mover (:class:`~iadsim.threats.routes.RouteMover`,
    :class:`~iadsim.threats.ballistic.BallisticMover`) defines ``_fill(t_s, dest, pos, vel,
    flying, arrived)``, its compiled kernel writing threat ``i`` into row ``dest[i]``; a mover built
    from others (:class:`CompositeMover`, :class:`PermutedMover`) overrides :meth:`_plan`.
    """

    n: int

    def state(self, t_s: float) -> MotionState:
        """State of all threats at ``t_s`` (s), in this mover's threat order."""
        return _planned_state(self, float(t_s))  # type: ignore[arg-type]

    def _plan(self, dest: np.ndarray) -> list[tuple[Fill, np.ndarray]]:
        """One leaf fill: this mover's kernel into rows ``dest``."""
        return [(self._fill, dest)]  # type: ignore[attr-defined]


class CompositeMover(PlannedMover):
    """Concatenation of several movers into one.

    Threat ``k`` of the composite is threat ``k - offset[j]`` of mover ``j``; offsets follow the
    order of ``movers``.

    Parameters
    ----------
    movers : sequence of Mover
        The movers to concatenate (may be empty).
    """

    def __init__(self, movers: Sequence[Mover]):
        self.movers: tuple[Mover, ...] = tuple(movers)
        counts = [int(m.n) for m in self.movers]
        self.n: int = int(sum(counts))
        #: first composite index of each mover, shape (len(movers) + 1,)
        self.offsets: np.ndarray = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)
        self.launch_time_s: np.ndarray = _cat([np.asarray(m.launch_time_s, float) for m in self.movers], (0,))
        self.arrival_time_s: np.ndarray = _cat([np.asarray(m.arrival_time_s, float) for m in self.movers], (0,))

    def _plan(self, dest: np.ndarray) -> list[tuple[Fill, np.ndarray]]:
        """Leaf fills: each mover's, with its own slice of ``dest``."""
        off = self.offsets
        plan: list[tuple[Fill, np.ndarray]] = []
        for j, m in enumerate(self.movers):
            plan += fill_plan(m, np.ascontiguousarray(dest[int(off[j]) : int(off[j + 1])]))
        return plan

    def states(self, times_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions and velocities at several times (loops over times, not threats).

        Parameters
        ----------
        times_s : array_like, shape (T,)
            Query times, s.

        Returns
        -------
        pos_ecef_m, vel_ecef_mps : ndarray, shape (T, N, 3)
        """
        times = np.atleast_1d(np.asarray(times_s, dtype=float))
        pos = np.empty((times.size, self.n, 3))
        vel = np.empty((times.size, self.n, 3))
        for k, t in enumerate(times):
            s = self.state(float(t))
            pos[k] = s.pos_ecef_m
            vel[k] = s.vel_ecef_mps
        return pos, vel


class PermutedMover(PlannedMover):
    """A mover whose threat order is a permutation of another's.

    Threat ``i`` of this mover is threat ``index[i]`` of ``inner``. Lets the world compiler run
    all air-breathing threats in one :class:`~iadsim.threats.routes.RouteMover` and all ballistic
    ones in one :class:`~iadsim.threats.ballistic.BallisticMover` (one call each per tick) while
    threat indices stay in scenario (raid) order.
    """

    def __init__(self, inner: Mover, index: np.ndarray):
        self.inner = inner
        self.index = np.asarray(index, dtype=np.int64)
        if sorted(self.index.tolist()) != list(range(int(inner.n))):
            raise ValueError("index must be a permutation of the inner mover's threats")
        self.n: int = int(inner.n)
        self.launch_time_s: np.ndarray = np.asarray(inner.launch_time_s, float)[self.index]
        self.arrival_time_s: np.ndarray = np.asarray(inner.arrival_time_s, float)[self.index]
        #: row of inner threat j in this mover's order: inverse[index[i]] = i
        self._inverse: np.ndarray = np.empty(self.n, np.int64)
        self._inverse[self.index] = np.arange(self.n, dtype=np.int64)

    def _plan(self, dest: np.ndarray) -> list[tuple[Fill, np.ndarray]]:
        """The inner mover's leaf fills, threat ``index[i]`` of it into row ``dest[i]``."""
        return fill_plan(self.inner, np.ascontiguousarray(dest[self._inverse]))


#: A leaf fill: ``fill(t_s, dest, pos, vel, flying, arrived)`` writes the state of a mover's threat
#: ``i`` at ``t_s`` into row ``dest[i]`` of the output arrays.
Fill = Callable[[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], None]


def fill_plan(mover: Mover, dest: np.ndarray) -> list[tuple[Fill, np.ndarray]]:
    """The leaf fills of ``mover`` with the output row of each of their threats.

    The bundled movers resolve composition and permutation once, into calls of their compiled
    kernels that write straight into the output rows (no intermediate arrays, no concatenation);
    any other :class:`Mover` is asked for its :meth:`~Mover.state`, which is scattered.

    Parameters
    ----------
    dest : ndarray of int, shape (mover.n,)
        Output row of each of the mover's threats.
    """
    plan = getattr(mover, "_plan", None)
    if plan is not None:
        return list(plan(dest))

    def scatter(t_s: float, d: np.ndarray, pos: np.ndarray, vel: np.ndarray, flying: np.ndarray,
                arrived: np.ndarray) -> None:  # fmt: skip
        s = mover.state(t_s)
        pos[d], vel[d], flying[d], arrived[d] = s.pos_ecef_m, s.vel_ecef_mps, s.flying, s.arrived

    return [(scatter, dest)]


def kernel_tables(mover: Mover) -> tuple | None:
    """The arguments of :func:`~iadsim.threats.motion_kernel.motion_state_kernel` after ``t_s``
    and before the outputs, gathered once from ``mover``'s fill plan (cached on the mover).

    ``None`` when the plan is not at most one non-empty :class:`~iadsim.threats.routes.RouteMover`
    leaf and at most one non-empty :class:`~iadsim.threats.ballistic.BallisticMover` leaf (e.g. a
    mover of another kind, or several route movers composed): such a mover runs its plan loop.
    """
    d = mover.__dict__
    if "_kernel_tables_all" in d:
        return d["_kernel_tables_all"]  # type: ignore[no-any-return]
    from iadsim.threats.ballistic import BallisticMover
    from iadsim.threats.motion_kernel import EMPTY_BALLISTIC, EMPTY_ROUTE
    from iadsim.threats.routes import RouteMover

    route: tuple | None = None
    ball: tuple | None = None
    out: tuple | None = None
    for fill, dest in _plan_of(mover):
        leaf = getattr(fill, "__self__", None)
        dest = np.ascontiguousarray(dest, np.int64)
        if type(leaf) is RouteMover and route is None:
            route = (*leaf._kernel_tables(), dest) if leaf.n else EMPTY_ROUTE
        elif type(leaf) is BallisticMover and ball is None:
            ball = (float(leaf.dt_s), *leaf._kernel_tables(), dest) if leaf.n else EMPTY_BALLISTIC
        else:
            break
    else:
        out = (*(route or EMPTY_ROUTE), *(ball or EMPTY_BALLISTIC))
    d["_kernel_tables_all"] = out
    return out


def _plan_of(mover: Mover) -> list[tuple[Fill, np.ndarray]]:
    """``mover``'s fill plan into rows 0 … n−1 (built on the first call, cached on the mover)."""
    plan: list[tuple[Fill, np.ndarray]] | None = mover.__dict__.get("_state_plan")
    if plan is None:
        plan = fill_plan(mover, np.arange(mover.n, dtype=np.int64))
        mover.__dict__["_state_plan"] = plan
    return plan


def state_into(mover: Mover, t_s: float, pos: np.ndarray, vel: np.ndarray, flying: np.ndarray,
               arrived: np.ndarray) -> None:  # fmt: skip
    """Write the state of ``mover``'s threats at ``t_s`` (s) into ``pos, vel`` (n, 3) and ``flying,
    arrived`` (n,): one compiled call (:func:`~iadsim.threats.motion_kernel.motion_state_kernel`)
    for the bundled movers (:func:`kernel_tables`), else the fill plan's leaf fills in turn."""
    tables = kernel_tables(mover)
    if tables is not None:
        from iadsim.threats.motion_kernel import motion_state_kernel

        motion_state_kernel(t_s, *tables, pos, vel, flying, arrived)
        return
    for fill, dest in _plan_of(mover):
        fill(t_s, dest, pos, vel, flying, arrived)


def _planned_state(mover: Mover, t_s: float) -> MotionState:
    """State of ``mover`` at ``t_s`` (s) in new arrays (:func:`state_into`)."""
    n = mover.n
    pos, vel = np.empty((n, 3)), np.empty((n, 3))
    flying, arrived = np.empty(n, bool), np.empty(n, bool)
    state_into(mover, t_s, pos, vel, flying, arrived)
    return MotionState(pos, vel, flying, arrived)


def _cat(arrays: list[np.ndarray], empty_shape: tuple[int, ...], dtype: type = float) -> np.ndarray:
    """Concatenate along axis 0, or an empty array of ``empty_shape`` when there is nothing."""
    if not arrays:
        return np.zeros(empty_shape, dtype=dtype)
    return np.concatenate(arrays, axis=0)


# --------------------------------------------------------------------------------------------
# Geodetic rates → ECEF velocity (not in iadsim.geo.frames; used by the ballistic map).
# --------------------------------------------------------------------------------------------


def _geodetic_rates_to_ecef(
    lat_rad: np.ndarray,
    lon_rad: np.ndarray,
    alt_m: np.ndarray,
    lat_rate_radps: np.ndarray,
    coslat_lon_rate_radps: np.ndarray,
    alt_rate_mps: np.ndarray,
) -> np.ndarray:
    """ECEF velocity from geodetic rates, shape (..., 3), m/s.

    dX/dt = (M + h) φ̇ n̂ + (N + h) cos φ λ̇ ê + ḣ û  (ENU basis at (φ, λ)), with
    M = a (1 − e²) / (1 − e² sin² φ)^{3/2}, N = a / (1 − e² sin² φ)^{1/2}.
    ``coslat_lon_rate_radps`` is cos φ · λ̇, passed already multiplied to stay finite at the poles.
    """
    sl, cl = np.sin(lat_rad), np.cos(lat_rad)
    so, co = np.sin(lon_rad), np.cos(lon_rad)
    w = 1.0 - WGS84_E2 * sl * sl
    n_m = WGS84_A_M / np.sqrt(w)
    m_m = WGS84_A_M * (1.0 - WGS84_E2) / w**1.5
    east = np.stack([-so, co, np.zeros_like(so)], axis=-1)
    north = np.stack([-sl * co, -sl * so, cl], axis=-1)
    up = np.stack([cl * co, cl * so, sl], axis=-1)
    return (
        ((m_m + alt_m) * lat_rate_radps)[..., None] * north
        + ((n_m + alt_m) * coslat_lon_rate_radps)[..., None] * east
        + np.asarray(alt_rate_mps)[..., None] * up
    )
