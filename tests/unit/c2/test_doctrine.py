"""Weapon choice by assessed class, cost and reservation."""

import numpy as np

from iadsim.c2.classification import BALLISTIC_MISSILE, CRUISE_MISSILE, DRONE
from iadsim.c2.doctrine import choose_interceptor, reservation_ok

# a Patriot-like unit: type 0 = PAC-2 GEM (no public cost), type 1 = PAC-3 ($5 M), type 2 = cheap ($1 M)


def test_reserved_round_kept_for_its_class():
    res = np.zeros((3, 2, 4), bool)
    res[:, 1, BALLISTIC_MISSILE] = True  # PAC-3 reserved for ballistic missiles
    ok = reservation_ok(res, np.array([BALLISTIC_MISSILE, CRUISE_MISSILE, DRONE]))
    assert ok.tolist() == [[True, True], [True, False], [True, False]]


def test_cheapest_capable_first_and_uncosted_never_cheap():
    cap = np.array([[True, True, True], [True, True, False], [True, False, False], [False, False, False]])
    cost = np.tile([np.nan, 5e6, 1e6], (4, 1))
    rank = np.tile([0, 1, 2], (4, 1))
    got = choose_interceptor(cap, cost, rank, np.ones(4, bool))
    assert got.tolist() == [2, 1, 0, -1]  # $1 M, then $5 M before the uncosted round, -1: none capable


def test_loadout_order():
    cap = np.array([[True, True, True], [False, True, True]])
    cost = np.tile([np.nan, 5e6, 1e6], (2, 1))
    rank = np.array([[2, 0, 1], [2, 0, 1]])
    got = choose_interceptor(cap, cost, rank, np.zeros(2, bool))
    assert got.tolist() == [1, 1]
    got = choose_interceptor(np.array([[True, False, True]]), cost[:1], rank[:1], np.zeros(1, bool))
    assert got.tolist() == [2]


def test_cost_ties_fall_back_to_loadout_order():
    cap = np.ones((1, 3), bool)
    got = choose_interceptor(cap, np.array([[2e6, 2e6, np.nan]]), np.array([[1, 0, 2]]), np.ones(1, bool))
    assert got.tolist() == [1]


def test_last_resort_tier_used_only_when_nothing_else_is_capable():
    cap = np.array([[True, True], [False, True]])
    cost = np.array([[np.nan, 5e6], [np.nan, 5e6]])
    rank = np.array([[0, 1], [0, 1]])
    lr = np.array([[False, True], [False, True]])  # type 1 reserved for another class
    got = choose_interceptor(cap, cost, rank, np.ones(2, bool), lr)
    assert got.tolist() == [0, 1]  # cheapest would pick 1, but it is a last resort; row 2: nothing else
    assert choose_interceptor(cap, cost, rank, np.ones(2, bool)).tolist() == [1, 1]


def _numpy_choose(capable, cost_usd, loadout_rank, cheapest, last_resort=None):
    """doctrine.choose_interceptor as it was in NumPy before the compiled kernel (reference)."""
    cap = np.asarray(capable, bool)
    P, I = cap.shape
    if P == 0 or I == 0:
        return np.full(P, -1, np.int64)
    cost = np.asarray(cost_usd, float)
    rank_cost = np.where(np.asarray(cheapest, bool)[:, None], np.where(np.isnan(cost), np.inf, cost), 0.0)
    rank_cost = np.where(cap, rank_cost, np.inf)
    lr = np.where(cap, np.asarray(loadout_rank, float), np.inf)
    if last_resort is not None:
        tier0 = cap & ~np.asarray(last_resort, bool)
        cap = np.where(tier0.any(axis=1, keepdims=True), tier0, cap)
        rank_cost = np.where(cap, rank_cost, np.inf)
        lr = np.where(cap, lr, np.inf)
    best_cost = rank_cost.min(axis=1, keepdims=True)
    tie = cap & (rank_cost == best_cost)
    choice = np.argmin(np.where(tie, lr, np.inf), axis=1)
    return np.where(cap.any(axis=1), choice, -1).astype(np.int64)


def test_compiled_choice_matches_the_numpy_rule() -> None:
    """Random tables with ties, uncosted types and last-resort types: the kernel's choice is the
    NumPy rule's, pair by pair (and kernels.choose_among gathers the chosen type's τ, PIP)."""
    from iadsim.weapons import kernels

    rng = np.random.default_rng(3)
    P, I = 2000, 5
    cap = rng.random((P, I)) < 0.4
    cost = rng.choice([1e6, 2e6, 3e6, np.nan], size=(P, I))  # ties and unknown costs
    rank = np.argsort(rng.random((P, I)), axis=1)
    cheapest = rng.random(P) < 0.5
    lr = rng.random((P, I)) < 0.3
    for last in (None, lr):
        want = _numpy_choose(cap, cost, rank, cheapest, last)
        np.testing.assert_array_equal(choose_interceptor(cap, cost, rank, cheapest, last), want)
    assert (want < 0).any() and len(set(want.tolist())) == I + 1
    # the same choice through the per-unit tables of kernels.choose_among (one unit per pair)
    taus = rng.uniform(1.0, 60.0, (P, I))
    pips = rng.normal(size=(P, I, 3))
    f = np.arange(P, dtype=np.int64)
    b, tau, pip = kernels.choose_among(f, cap, lr, taus, pips, cost, rank, cheapest)
    np.testing.assert_array_equal(b, want)
    rows, bi = np.arange(P), np.maximum(want, 0)
    np.testing.assert_array_equal(tau, np.where(want >= 0, taus[rows, bi], np.nan))
    np.testing.assert_array_equal(pip, np.where((want >= 0)[:, None], pips[rows, bi], 0.0))
