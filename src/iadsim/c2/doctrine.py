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

import numpy as np

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
    cap = np.asarray(capable, bool)
    P, I = cap.shape
    if P == 0 or I == 0:
        return np.full(P, -1, np.int64)
    cost = np.asarray(cost_usd, float)
    rank_cost = np.where(np.asarray(cheapest, bool)[:, None], np.where(np.isnan(cost), np.inf, cost), 0.0)
    rank_cost = np.where(cap, rank_cost, np.inf)
    lr = np.where(cap, np.asarray(loadout_rank, float), np.inf)
    if last_resort is not None:  # tier 1 (reserved rounds) only where no tier-0 type is capable
        tier0 = cap & ~np.asarray(last_resort, bool)
        cap = np.where(tier0.any(axis=1, keepdims=True), tier0, cap)
        rank_cost = np.where(cap, rank_cost, np.inf)
        lr = np.where(cap, lr, np.inf)
    # lexicographic (rank_cost, loadout_rank): best cost, then the lowest loadout rank among ties
    best_cost = rank_cost.min(axis=1, keepdims=True)
    tie = cap & (rank_cost == best_cost)
    choice = np.argmin(np.where(tie, lr, np.inf), axis=1)
    return np.where(cap.any(axis=1), choice, -1).astype(np.int64)
