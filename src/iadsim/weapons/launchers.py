"""Launchers: each holds its own rounds, reloads after it is empty, and has a ready state.

A fire unit's loadout (rounds per interceptor type) is distributed over its launchers: every
launcher carries one interceptor type; types are placed in loadout order, each type filling
``ceil(n_i / c_i)`` launchers of capacity ``c_i`` (the interceptor's ``rounds_per_launcher``,
e.g. 4 PAC-2 GEM or 16 PAC-3 per Patriot launcher), the last of them holding the remainder. A
loadout that needs more launchers than the system has (``launchers``) is a scenario error.

State per launcher (struct of arrays, shape (L,)): ``rounds`` ready on the rails, ``ready_at_s``
(the launcher can fire at t ≥ ready_at), ``reload_n`` (rounds being loaded). Rules:

* a unit fires type i only from a **ready** launcher of type i with rounds (t ≥ ready_at,
  rounds > 0); rounds of a salvo come from the ready launchers in launcher order;
* when a launcher is emptied and the unit has reserve rounds of its type (``reloads``), a reload
  starts: ``reload_n = min(c_i, reserve)`` rounds leave the reserve, the launcher is not ready
  until ``t_empty + reload_time_s``, then holds ``reload_n`` rounds. Without reserve rounds an
  empty launcher stays empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)


@dataclass(frozen=True)
class LauncherTable:
    """Static launcher layout, shape (L,) each."""

    fire_unit: np.ndarray  # int64 owning fire unit
    itype: np.ndarray  # int64 interceptor type carried
    capacity: np.ndarray  # int64 rounds a full launcher holds
    initial_rounds: np.ndarray  # int64 rounds at the start of the run
    reload_time_s: np.ndarray  # float64 time to reload an empty launcher (s)

    def __len__(self) -> int:
        return len(self.fire_unit)


def layout(magazine: np.ndarray, rounds_per_launcher: np.ndarray, reload_time_s: np.ndarray,
           loadout_rank: np.ndarray | None = None) -> LauncherTable:  # fmt: skip
    """Distribute each unit's loadout over launchers (see the module docstring).

    Parameters
    ----------
    magazine : (F, I) rounds per interceptor type.
    rounds_per_launcher : (F, I) capacity of one launcher of each type (ignored where 0 rounds).
    reload_time_s : (F,) reload time of the unit's launchers (s).
    loadout_rank : (F, I) order of the types in each unit's loadout (lower first); launchers are
        laid out in that order (default: column order).
    """
    mag = np.asarray(magazine, np.int64)
    cap = np.asarray(rounds_per_launcher, np.int64)
    F, I = mag.shape
    n_l = np.where(mag > 0, -(-mag // np.maximum(cap, 1)), 0)  # ceil
    fu, it, cp, r0 = [], [], [], []
    rank = np.tile(np.arange(I), (F, 1)) if loadout_rank is None else np.asarray(loadout_rank)
    for f in range(F):  # compile time, once per run
        for i in np.argsort(rank[f], kind="stable"):
            k = int(n_l[f, i])
            if k == 0:
                continue
            rounds = np.full(k, cap[f, i], np.int64)
            rounds[-1] = mag[f, i] - cap[f, i] * (k - 1)
            fu += [f] * k
            it += [i] * k
            cp += [int(cap[f, i])] * k
            r0 += list(rounds)
    fu_a = np.array(fu, np.int64)
    return LauncherTable(fire_unit=fu_a, itype=np.array(it, np.int64), capacity=np.array(cp, np.int64),
                         initial_rounds=np.array(r0, np.int64),
                         reload_time_s=np.asarray(reload_time_s, float)[fu_a] if len(fu_a) else np.zeros(0))  # fmt: skip


def launchers_needed(magazine: np.ndarray, rounds_per_launcher: np.ndarray) -> np.ndarray:
    """Launchers each unit needs for its loadout, (F,): Σ_i ceil(n_i / c_i)."""
    mag = np.asarray(magazine, np.int64)
    cap = np.maximum(np.asarray(rounds_per_launcher, np.int64), 1)
    return np.where(mag > 0, -(-mag // cap), 0).sum(axis=1)


class LauncherState:
    """Mutable per-run launcher state over a :class:`LauncherTable` (arrays of shape (L,))."""

    def __init__(self, table: LauncherTable, reserve: np.ndarray) -> None:
        self.table = table
        self.rounds = table.initial_rounds.copy()
        self.ready_at_s = np.zeros(len(table))
        self.reload_n = np.zeros(len(table), np.int64)
        self.reserve = np.asarray(reserve, np.int64).copy()  # (F, I) rounds not on launchers

    def ready(self, t_s: float) -> np.ndarray:
        """(L,) bool: launcher can fire now (t ≥ ready_at and rounds > 0; :func:`_is_ready`)."""
        return _ready_kernel(self.ready_at_s, self.rounds, float(t_s))

    def ready_rounds(self, t_s: float, n_units: int, n_types: int) -> np.ndarray:
        """(F, I) rounds on ready launchers per unit and type."""
        return _ready_rounds_kernel(self.rounds, self.ready_at_s, self.table.fire_unit, self.table.itype, float(t_s),
                                    int(n_units), int(n_types))  # fmt: skip

    def total_rounds(self, n_units: int, n_types: int) -> np.ndarray:
        """(F, I) rounds on all launchers (ready or not) plus reserve and rounds being loaded."""
        out = self.reserve.copy()
        np.add.at(out, (self.table.fire_unit, self.table.itype), self.rounds + self.reload_n)
        return out

    def complete_reloads(self, t_s: float) -> np.ndarray:
        """Finish reloads whose time has come; returns the launcher indices reloaded."""
        return _complete_reloads_kernel(self.rounds, self.ready_at_s, self.reload_n, float(t_s))

    def tick(self, t_s: float, n_units: int, n_types: int) -> np.ndarray:
        """One tick of the launchers in one compiled call: :meth:`complete_reloads`, then
        :meth:`ready_rounds` — returns the (F, I) rounds on ready launchers."""
        return _tick_kernel(self.rounds, self.ready_at_s, self.reload_n, self.table.fire_unit, self.table.itype,
                            float(t_s), int(n_units), int(n_types))  # fmt: skip

    def take(self, fu: np.ndarray, itype: np.ndarray, n: np.ndarray, t_s: float,
             t_empty_s: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
        """Remove ``n[e]`` rounds of type ``itype[e]`` from unit ``fu[e]``'s ready launchers.

        Rounds come from the ready launchers in launcher order (the first launcher is emptied
        first). One engagement per unit per call (units distinct). Returns the launcher index of
        every round taken, in engagement then round order, shape (Σ n,). Emptied launchers start
        a reload if their unit has reserve rounds of the type. ``n`` must not exceed the ready
        rounds (the caller caps the salvo by them).
        """
        tbl = self.table
        fu_a, it_a, n_a = (np.ascontiguousarray(a, np.int64) for a in (fu, itype, n))
        t_empty = np.zeros(0) if t_empty_s is None else np.ascontiguousarray(t_empty_s, np.float64)
        out, bad, have = _take_kernel(self.rounds, self.ready_at_s, self.reload_n, self.reserve, tbl.fire_unit,
                                      tbl.itype, tbl.capacity, tbl.reload_time_s, fu_a, it_a, n_a, float(t_s),
                                      t_empty)  # fmt: skip
        if bad >= 0:
            raise ValueError(f"unit {fu_a[bad]} has {have} ready rounds of type {it_a[bad]}, {n_a[bad]} requested")
        return out


@njit(cache=True, error_model="numpy")
def _is_ready(ready_at_s: float, rounds: int, t_s: float) -> bool:  # pragma: no cover - compiled
    """The launcher rule: it can fire at ``t_s`` ⇔ ready_at ≤ t + 10⁻⁹ (round-off of the clock) ∧ rounds > 0."""
    return ready_at_s <= t_s + 1e-9 and rounds > 0


@njit(cache=True, error_model="numpy")
def _ready_kernel(ready_at_s: np.ndarray, rounds: np.ndarray, t_s: float) -> np.ndarray:  # pragma: no cover - compiled
    """(L,) :func:`_is_ready` of every launcher."""
    out = np.empty(rounds.shape[0], np.bool_)
    for li in range(rounds.shape[0]):
        out[li] = _is_ready(ready_at_s[li], rounds[li], t_s)
    return out


@njit(cache=True, error_model="numpy")
def _take_kernel(rounds: np.ndarray, ready_at_s: np.ndarray, reload_n: np.ndarray, reserve: np.ndarray,
                 fire_unit: np.ndarray, itype: np.ndarray, capacity: np.ndarray, reload_time_s: np.ndarray,
                 fu: np.ndarray, it: np.ndarray, n: np.ndarray, t_s: float,
                 t_empty_s: np.ndarray) -> tuple[np.ndarray, int, int]:  # pragma: no cover - compiled  # fmt: skip
    """:meth:`LauncherState.take` in place: engagement e takes ``n[e]`` rounds from unit ``fu[e]``'s
    launchers of type ``it[e]`` that are ready at the call (ready_at ≤ t + 10⁻⁹ ∧ rounds > 0),
    in launcher order; a launcher it empties starts a reload of min(capacity, reserve) rounds,
    ready reload_time after ``t_empty_s[e]`` (``t_s`` when ``t_empty_s`` is empty).

    Returns (launcher of every round taken (Σ n,), e, ready rounds of e): e = −1, or the first
    engagement with fewer ready rounds than requested (nothing of it is taken; the engagements
    before it are).
    """
    L = rounds.shape[0]
    ready = _ready_kernel(ready_at_s, rounds, t_s)
    total = 0
    for e in range(fu.shape[0]):
        total += max(n[e], 0)
    out = np.empty(total, np.int64)
    m = 0
    for e in range(fu.shape[0]):
        have = 0
        for li in range(L):
            if ready[li] and fire_unit[li] == fu[e] and itype[li] == it[e]:
                have += rounds[li]
        if have < n[e]:
            return out[:m], e, have
        left = n[e]
        for li in range(L):
            if left <= 0:
                break
            if not (ready[li] and fire_unit[li] == fu[e] and itype[li] == it[e]):
                continue
            k = min(rounds[li], left)
            if k <= 0:
                continue
            rounds[li] -= k
            left -= k
            for _ in range(k):
                out[m] = li
                m += 1
            if rounds[li] == 0:  # emptied: a reload from the unit's reserve
                f, i = fire_unit[li], itype[li]
                r = min(capacity[li], reserve[f, i])
                if r > 0:
                    reserve[f, i] -= r
                    reload_n[li] = r
                    t0 = t_s if t_empty_s.shape[0] == 0 else t_empty_s[e]
                    ready_at_s[li] = t0 + reload_time_s[li]
    return out[:m], -1, 0


@njit(cache=True, error_model="numpy")
def _complete_reloads_kernel(rounds: np.ndarray, ready_at_s: np.ndarray, reload_n: np.ndarray,
                             t_s: float) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """Launchers l with reload_n(l) > 0 ∧ ready_at(l) ≤ t + 10⁻⁹ finish their reload in place:
    rounds(l) ← reload_n(l), reload_n(l) ← 0. Returns their indices (ascending)."""
    idx = np.empty(rounds.shape[0], np.int64)
    m = 0
    lim = t_s + 1e-9
    for li in range(rounds.shape[0]):
        if reload_n[li] > 0 and ready_at_s[li] <= lim:
            rounds[li] = reload_n[li]
            reload_n[li] = 0
            idx[m] = li
            m += 1
    return idx[:m]


@njit(cache=True, error_model="numpy")
def _ready_rounds_kernel(rounds: np.ndarray, ready_at_s: np.ndarray, fire_unit: np.ndarray, itype: np.ndarray,
                         t_s: float, n_units: int, n_types: int) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """(F, I) Σ rounds(l) over the ready launchers l of each unit and type (ready ⇔ ready_at(l) ≤
    t + 10⁻⁹ ∧ rounds(l) > 0, :meth:`LauncherState.ready`)."""
    out = np.zeros((n_units, n_types), np.int64)
    for li in range(rounds.shape[0]):
        if _is_ready(ready_at_s[li], rounds[li], t_s):
            out[fire_unit[li], itype[li]] += rounds[li]
    return out


@njit(cache=True, error_model="numpy")
def _tick_kernel(rounds: np.ndarray, ready_at_s: np.ndarray, reload_n: np.ndarray, fire_unit: np.ndarray,
                 itype: np.ndarray, t_s: float, n_units: int, n_types: int) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """:func:`_complete_reloads_kernel` then :func:`_ready_rounds_kernel` (:meth:`LauncherState.tick`)."""
    _complete_reloads_kernel(rounds, ready_at_s, reload_n, t_s)
    return _ready_rounds_kernel(rounds, ready_at_s, fire_unit, itype, t_s, n_units, n_types)
