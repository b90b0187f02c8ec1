"""Phase 1 of the tick (motion) as one compiled call: states, launches, arrivals, route ends.

:func:`motion_tick` evaluates every object's state at ``t`` into the run's preallocated arrays
(:func:`iadsim.threats.motion_kernel.motion_state_kernel`), then applies the launch, arrival
and route-end rules and writes their ``Launch_Threat`` and ``Leak`` event rows straight into the
log's compiled buffer (:mod:`iadsim.engine.eventbuf`); each leaker's damage is drawn from its own
``damage`` stream (state rows ``damage_st``, :meth:`iadsim.rng.RunStreams.states`, one
``random()`` per leaker in index order, as the Generators drew it) and written as its ``Impact``
row — the first hit on an asset destroys it (value lost), later ones find it destroyed.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.core import types
from numba.experimental import structref

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim import rng_kernels
from iadsim.engine import eventbuf
from iadsim.engine.events import EventKind
from iadsim.threats.motion_kernel import motion_state_kernel

_LAUNCH = int(EventKind.Launch_Threat)
_LEAK = int(EventKind.Leak)
_IMPACT = int(EventKind.Impact)


@njit(cache=True, error_model="numpy")
def _first(key: np.ndarray, skip: np.ndarray) -> float:  # pragma: no cover - compiled
    """min(key[~skip]) with NaN counted as never (+∞); +∞ when nothing is left."""
    m = np.inf
    for i in range(key.shape[0]):
        if not skip[i] and key[i] < m:  # NaN never compares below
            m = key[i]
    return m


#: the fields of a :class:`MotionPhase`: the mover's kernel tables (``kernel_tables``), then the
#: phase's arrays (written in place every tick) and per-object columns
TABLE_FIELDS = ("r_launch", "r_arrival", "r_speed", "r_length", "r_npts", "r_cum", "r_key", "r_off", "r_pts", "r_dpds",
                "r_dest", "b_dt", "b_launch", "b_arrival", "b_flight", "b_kimp", "b_offset", "b_tloc", "b_pos", "b_vel",
                "b_impact", "b_man", "b_acc", "b_mstart", "b_omega", "b_cross", "b_dest")  # fmt: skip
STATE_FIELDS = ("pos", "vel", "flying", "arrived", "launch_time_s", "arrival_time_s", "end_time_s", "target_asset",
                "n_hostile", "launched", "alive", "done", "active", "next_due", "leakers", "p_damage", "asset_value",
                 "asset_destroyed", "damage_st")  # fmt: skip


@structref.register
class MotionPhaseType(types.StructRef):
    def preprocess_fields(self, fields):  # noqa: ANN001, ANN201 - numba's hook
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


class MotionPhase(structref.StructRefProxy):
    """The motion phase's tables and arrays in one numba ``StructRef`` (passed to a kernel in ≈ 0.6 µs,
    where 40-odd separate arrays cost ≈ 4 µs); built by :func:`motion_phase`. The arrays are the
    caller's own (no copies): writes from either side are seen by the other."""


structref.define_proxy(MotionPhase, MotionPhaseType, [*TABLE_FIELDS, *STATE_FIELDS])


def motion_phase(tables: tuple, pos: np.ndarray, vel: np.ndarray, flying: np.ndarray, arrived: np.ndarray,
                 launch_time_s: np.ndarray, arrival_time_s: np.ndarray, end_time_s: np.ndarray,
                 target_asset: np.ndarray, n_hostile: int, launched: np.ndarray, alive: np.ndarray, done: np.ndarray,
                 active: np.ndarray, next_due: np.ndarray, leakers: np.ndarray, p_damage: np.ndarray,
                 asset_value: np.ndarray, asset_destroyed: np.ndarray, damage_st: np.ndarray) -> MotionPhase:  # fmt: skip
    """A :class:`MotionPhase` of ``tables`` (:func:`iadsim.threats.motion.kernel_tables`, or the empty
    ``EMPTY_ROUTE + EMPTY_BALLISTIC``) and the phase's arrays (see :func:`motion_tick`), built by a
    cached compiled constructor (a Python-side ``StructRef`` constructor would compile every process)."""
    return _new(*tables, pos, vel, flying, arrived, launch_time_s, arrival_time_s, end_time_s, target_asset,
                int(n_hostile), launched, alive, done, active, next_due, leakers, p_damage, asset_value, asset_destroyed,
                damage_st)  # fmt: skip


@njit(cache=True, error_model="numpy")
def _new(r_launch, r_arrival, r_speed, r_length, r_npts, r_cum, r_key, r_off, r_pts, r_dpds, r_dest, b_dt, b_launch,  # noqa: ANN001, ANN202
         b_arrival, b_flight, b_kimp, b_offset, b_tloc, b_pos, b_vel, b_impact, b_man, b_acc, b_mstart, b_omega, b_cross,
         b_dest, pos, vel, flying, arrived, launch_time_s, arrival_time_s, end_time_s, target_asset, n_hostile, launched,
         alive, done, active, next_due, leakers, p_damage, asset_value, asset_destroyed, damage_st):  # fmt: skip
    return MotionPhase(r_launch, r_arrival, r_speed, r_length, r_npts, r_cum, r_key, r_off, r_pts, r_dpds, r_dest, b_dt,
                       b_launch, b_arrival, b_flight, b_kimp, b_offset, b_tloc, b_pos, b_vel, b_impact, b_man, b_acc,
                       b_mstart, b_omega, b_cross, b_dest, pos, vel, flying, arrived, launch_time_s, arrival_time_s,
                       end_time_s, target_asset, n_hostile, launched, alive, done, active, next_due,
                       leakers, p_damage, asset_value, asset_destroyed, damage_st)  # fmt: skip


@njit(cache=True, error_model="numpy")
def motion_tick(t: float, m, buf) -> int:  # noqa: ANN001  # pragma: no cover - compiled
    """Motion of tick ``t`` (s) on the :class:`MotionPhase` ``m``; returns the number of leakers,
    their indices in ``m.leakers[:n]``.

    The state of every object at ``t`` (the mover's tables ``m.r_* … m.b_dest``) is written into
    ``m.pos, m.vel`` (N, 3) m, m/s and ``m.flying, m.arrived`` (N,). Then, in this order:

    * **launch** (when ``next_due[0] ≤ t``): every object not launched with t₀ ≤ t is launched; a
      hostile one (index < ``n_hostile``; friendlies take off silently) emits ``Launch_Threat`` at
      t₀ with its position; ``next_due[0]`` = earliest t₀ of the objects not launched;
    * **arrival** (when ``next_due[1] ≤ t``): every launched, alive, not-done object with
      t_arr ≤ t is done and emits ``Leak`` at t_arr (threat, ``target_asset``), in index order;
      ``next_due[1]`` = earliest t_arr of the objects not done (a lower bound on the next arrival:
      ``done`` only grows);
    * **route end** (when ``next_due[2] ≤ t``): every launched object with t_end ≤ t is done (a
      friendly lands: no event); ``next_due[2]`` = earliest t_end of the objects not done;
    * active = launched ∧ alive ∧ ¬done.

    NaN times never compare ≤ t and count as never (+∞) in ``next_due``. ``launch_time_s,
    arrival_time_s, end_time_s`` (N,) s; ``target_asset`` (N,) int; ``launched, alive, done,
    active`` (N,) bool (updated in place); ``next_due`` (3,) s; ``leakers`` (N,) int64 out;
    ``buf`` the log's :class:`~iadsim.engine.eventbuf.EventBuf`.
    """
    motion_state_kernel(t, m.r_launch, m.r_arrival, m.r_speed, m.r_length, m.r_npts, m.r_cum, m.r_key, m.r_off,
                        m.r_pts, m.r_dpds, m.r_dest, m.b_dt, m.b_launch, m.b_arrival, m.b_flight, m.b_kimp,
                        m.b_offset, m.b_tloc, m.b_pos, m.b_vel, m.b_impact, m.b_man, m.b_acc, m.b_mstart,
                        m.b_omega, m.b_cross, m.b_dest, m.pos, m.vel, m.flying, m.arrived)  # fmt: skip
    return _rules(t, m.pos, m.launch_time_s, m.arrival_time_s, m.end_time_s, m.target_asset, m.n_hostile, m.launched,
                  m.alive, m.done, m.active, m.next_due, m.leakers, buf, m.p_damage, m.asset_value, m.asset_destroyed,
                  m.damage_st)  # fmt: skip


@njit(cache=True, error_model="numpy")
def _rules(t: float, pos: np.ndarray, launch_time_s: np.ndarray, arrival_time_s: np.ndarray, end_time_s: np.ndarray,
           target_asset: np.ndarray, n_hostile: int, launched: np.ndarray, alive: np.ndarray, done: np.ndarray,
           active: np.ndarray, next_due: np.ndarray, leakers: np.ndarray, buf, p_damage: np.ndarray,
           asset_value: np.ndarray, asset_destroyed: np.ndarray, damage_st: np.ndarray) -> int:  # noqa: ANN001  # pragma: no cover - compiled  # fmt: skip
    """The launch / arrival / route-end rules of :func:`motion_tick` (its docstring)."""
    n = launched.shape[0]
    if next_due[0] <= t:
        for i in range(n):
            if not launched[i] and launch_time_s[i] <= t:
                launched[i] = True
                if i < n_hostile:
                    eventbuf.emit(buf, _LAUNCH, launch_time_s[i], threat=i, x_m=pos[i, 0], y_m=pos[i, 1],
                                  z_m=pos[i, 2])  # fmt: skip
        next_due[0] = _first(launch_time_s, launched)
    n_leak = 0
    if next_due[1] <= t:
        for i in range(n):
            if launched[i] and alive[i] and not done[i] and arrival_time_s[i] <= t:
                leakers[n_leak] = i
                n_leak += 1
        for j in range(n_leak):
            i = leakers[j]
            done[i] = True
            eventbuf.emit(buf, _LEAK, arrival_time_s[i], threat=i, asset=target_asset[i])
        # the impacts, in the same order: one U(0, 1) per leaker from its own damage stream; a hit
        # (u < p_damage) destroys the asset if no earlier impact has (the first destroys it)
        for j in range(n_leak):
            i = leakers[j]
            a = target_asset[i]
            lost = 0.0
            if i >= damage_st.shape[0]:  # friendlies never arrive (they land at their route end)
                raise IndexError("motion_tick: an object without a damage stream arrived at a target")
            if rng_kernels.next_double(damage_st, i) < p_damage[i] and not asset_destroyed[a]:
                asset_destroyed[a] = True
                lost = asset_value[a]
            eventbuf.emit(buf, _IMPACT, arrival_time_s[i], threat=i, asset=a, value=lost, x_m=pos[i, 0], y_m=pos[i, 1],
                          z_m=pos[i, 2])  # fmt: skip
        next_due[1] = _first(arrival_time_s, done)
    if next_due[2] <= t:
        for i in range(n):
            if launched[i] and end_time_s[i] <= t:
                done[i] = True
        next_due[2] = _first(end_time_s, done)
    for i in range(n):
        active[i] = launched[i] and alive[i] and not done[i]
    return n_leak
