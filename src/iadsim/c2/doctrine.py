"""Fire-unit doctrine: interceptor (weapon) choice by assessed class, cost and reservation.

For each candidate engagement (a fire unit × a track) the engine computes which interceptor types
are *capable* — in stock on a ready launcher, the predicted intercept point inside the envelope for
the track's assessed class, Pk > 0 against the assessed class, time to go long enough. Doctrine
then picks one type among the capable ones:

* **reservation** — a type reserved for some classes (``reserve: {pac-3: [ballistic_missile]}``)
  is, under ``reserve_rule: hold``, not capable against tracks assessed as another class ("keep
  PAC-3 for ballistic missiles"); under ``reserve_rule: last-resort`` it is used against another
  class only when no unreserved type is capable for that engagement;
* **weapon_choice** ranks the remaining capable types:

  - ``loadout-order``: the first capable type in the unit's loadout order;
  - ``cheapest``: the cheapest capable type by ``cost_usd``; a type **without a public cost** is
    not assumed cheap (a missing cost never counts as $0): it ranks after every costed type,
    and ties (or several uncosted types) fall back to loadout order.

Rule, as a lexicographic key per (pair, type), smallest wins, infeasible types excluded::

    key = (rank_cost, loadout_rank)   with rank_cost = cost_usd (cheapest) / 0 (loadout-order),
                                           and +inf where cost_usd is unknown (cheapest)
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)

WEAPON_CHOICES: tuple[str, ...] = ("loadout-order", "cheapest")
DOCTRINES: tuple[str, ...] = ("salvo", "shoot-look-shoot")


def reservation_ok(reserved_for: np.ndarray, assessed_class: np.ndarray) -> np.ndarray:
    """Whether each (pair, type) may be used against the pair's assessed class, (P, I) bool.

    Parameters
    ----------
    reserved_for : (P, I, C) bool — type i of the pair's unit is reserved for class c; a type
        with no True entry is not reserved (usable against every class).
    assessed_class : (P,) assessed class index.
    """
    res = np.asarray(reserved_for, bool)
    P = res.shape[0]
    unreserved = ~res.any(axis=2)
    return unreserved | res[np.arange(P), :, np.asarray(assessed_class, np.int64)]


def choose_interceptor(capable: np.ndarray, cost_usd: np.ndarray, loadout_rank: np.ndarray,
                       cheapest: np.ndarray, last_resort: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """Chosen interceptor type per pair, (P,) int64, −1 where none is capable.

    ``last_resort`` (P, I) bool marks types used only when no other type is capable for the pair
    (a reserved round under ``reserve_rule: last-resort``): the key becomes
    (last_resort, rank_cost, loadout_rank).

    Parameters
    ----------
    capable : (P, I) bool — type feasible for the pair (stock, envelope, Pk, time, reservation).
    cost_usd : (P, I) unit cost of each type for the pair's unit, NaN where no public cost.
    loadout_rank : (P, I) position of the type in the unit's loadout (lower first).
    cheapest : (P,) bool — the unit's weapon_choice is ``cheapest`` (else ``loadout-order``).
    """
    cap = np.ascontiguousarray(capable, bool)
    P, I = cap.shape
    if P == 0 or I == 0:
        return np.full(P, -1, np.int64)
    c64 = np.ascontiguousarray
    use_lr = last_resort is not None
    lr = c64(last_resort, bool) if use_lr else cap
    return np.asarray(choose_interceptor_kernel(cap, c64(cost_usd, float), c64(loadout_rank, float),
                                                c64(cheapest, bool), lr, use_lr))


@njit(cache=True, error_model="numpy")
def choose_row(cap: np.ndarray, cost: np.ndarray, rank: np.ndarray, cheapest: bool, last_resort: np.ndarray,
               use_last_resort: bool) -> int:  # pragma: no cover - compiled  # fmt: skip
    """The doctrine's choice for one pair (the rule of :func:`choose_interceptor`), −1 if none.

    Tier 1 (``last_resort`` types, with ``use_last_resort``) only where no tier-0 type is
    capable; then the smallest key (rank_cost, loadout_rank), rank_cost = cost (NaN → +∞) under
    ``cheapest``, else 0; among equal keys the first type. Shapes: cap, cost, rank, last_resort
    (I,) (rank: the loadout order, finite).
    """
    n = cap.shape[0]
    tier0 = False
    if use_last_resort:
        for i in range(n):
            if cap[i] and not last_resort[i]:
                tier0 = True
                break
    best = -1
    best_cost = math.inf
    best_rank = math.inf
    for i in range(n):
        if not cap[i] or (tier0 and last_resort[i]):
            continue
        c = 0.0
        if cheapest:
            c = math.inf if cost[i] != cost[i] else cost[i]
        r = float(rank[i])
        if best < 0 or c < best_cost or (c == best_cost and r < best_rank):
            best, best_cost, best_rank = i, c, r
    return best


@njit(cache=True, error_model="numpy")
def choose_interceptor_kernel(cap: np.ndarray, cost: np.ndarray, rank: np.ndarray, cheapest: np.ndarray,
                              last_resort: np.ndarray, use_last_resort: bool) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """:func:`choose_row` for every pair: (P, I) tables, cheapest (P,). Returns (P,) int64."""
    n_p = cap.shape[0]
    out = np.empty(n_p, np.int64)
    for p in range(n_p):
        out[p] = choose_row(cap[p], cost[p], rank[p], cheapest[p], last_resort[p], use_last_resort)
    return out
