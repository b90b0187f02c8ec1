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
