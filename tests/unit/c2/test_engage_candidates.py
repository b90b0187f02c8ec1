"""fire_control.engage_candidates (compiled) against the NumPy filters it fuses, and by hand."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.c2 import fire_control, fire_distribution, iff
from iadsim.c2 import network as net_mod


def _reference(ready_fu, fu_site, conf, track_site, obj_of_row, identity, fu_roe, fc_any, busy_fu, busy_obj,
               remote_row, eor, networked, cap, site_rule=False, layered=None):
    """The NumPy filter chain of engine/run.py _engage before the compiled loop (``site_rule``:
    then fire-distribution rule (a) with group = the unit's site, key = the object, as
    ``_engage`` applied it without a network)."""
    f, rows = fire_control.candidate_pairs(ready_fu, fu_site, conf, track_site)
    obj = obj_of_row[rows]
    keep = iff.roe_allows(identity[obj], fu_roe[f])
    keep &= fire_control.not_already_engaged(f, obj, busy_fu, busy_obj, cap)
    keep &= fc_any[f]
    if networked:
        keep &= net_mod.remote_allowed(remote_row[rows], eor[f])
    f, rows = f[keep], rows[keep]
    if site_rule:
        obj = obj_of_row[rows]
        keep = layered[f] | ~fire_distribution.engaged_by_other_unit(f, fu_site[f], obj, busy_fu, fu_site[busy_fu],
                                                                      busy_obj)  # fmt: skip
        f, rows = f[keep], rows[keep]
    return f, rows


@pytest.mark.parametrize("networked,site_rule", [(False, False), (True, False), (False, True)])
def test_matches_numpy_filters(networked, site_rule) -> None:
    rng = np.random.default_rng(4)
    for _ in range(50):
        F, n_rows, n_obj, sites = 6, 40, 30, 3
        fu_site = rng.integers(0, sites, F)
        ready = np.flatnonzero(rng.random(F) < 0.7)
        track_site = rng.integers(0, sites, n_rows)
        obj_of_row = rng.integers(0, n_obj, n_rows)
        conf = np.sort(rng.choice(n_rows, rng.integers(0, n_rows), replace=False))
        identity = rng.integers(0, 5, n_obj).astype(np.int8)
        fu_roe = rng.integers(0, 3, F)
        fc_mask = rng.random((F, 2)) < 0.6
        fc_any = fc_mask.any(axis=1)
        ns = rng.integers(0, 16)  # rounds: in flight, or arrived and assessed / awaiting assessment
        shot_fu, shot_obj = rng.integers(0, F, ns + 3), rng.integers(0, n_obj, ns + 3)
        pending, assessed = rng.random(ns + 3) < 0.4, rng.random(ns + 3) < 0.5
        busy = np.flatnonzero((pending | ~assessed)[:ns])  # ShotTable.busy_rows (3 rows past n unread)
        busy_fu, busy_obj = shot_fu[busy], shot_obj[busy]
        remote_row, eor = rng.random(n_rows) < 0.3, rng.random(F) < 0.5
        layered = rng.random(F) < 0.3
        args = (ready, fu_site, conf, track_site, obj_of_row, identity, fu_roe)
        f, rows = fire_control.engage_candidates(*args, iff.ROE_TABLE, fc_mask, shot_fu, shot_obj, pending, assessed,
                                                 ns, remote_row, eor, networked, site_rule, layered, False)  # fmt: skip
        f0, r0 = _reference(*args, fc_any, busy_fu, busy_obj, remote_row, eor, networked, n_obj, site_rule, layered)
        np.testing.assert_array_equal(f, f0)
        np.testing.assert_array_equal(rows, r0)


def test_hand_case_each_filter() -> None:
    # units 0, 1 at site 0, unit 2 at site 1; rows 0..3 (objects 0..3) at sites 0, 0, 0, 1
    fu_site = np.array([0, 0, 1])
    track_site = np.array([0, 0, 0, 1])
    obj_of_row = np.arange(4)
    identity = np.array([iff.HOSTILE, iff.FRIEND, iff.UNKNOWN, iff.HOSTILE], np.int8)
    fu_roe = np.array([iff.ROE_CODE["weapons_free"], iff.ROE_CODE["weapons_tight"], iff.ROE_CODE["weapons_free"]])
    fc_mask = np.array([[True, False], [False, True], [False, False]])
    # unit 0 already has a round at object 0 (in flight); unit 1's round at object 3 is assessed
    shots = (np.array([0, 1]), np.array([0, 3]), np.array([True, False]), np.array([False, True]), 2)
    remote = np.array([False, False, True, False])
    eor = np.array([False, True, True])
    f, rows = fire_control.engage_candidates(np.arange(3), fu_site, np.arange(4), track_site, obj_of_row, identity,
                                             fu_roe, iff.ROE_TABLE, fc_mask, *shots, remote, eor, True, False,
                                             np.zeros(0, bool), False)  # fmt: skip
    # unit 0: row 0 busy, row 1 friend, row 2 remote without engage_on_remote → nothing
    # unit 1 (tight): row 0 hostile ✓, row 1 friend ✗, row 2 unknown ✗; unit 2: no fire-control radar
    assert list(zip(f.tolist(), rows.tolist())) == [(1, 0)]
    # without the network rule, unit 0 may engage the unknown remote row 2
    f, rows = fire_control.engage_candidates(np.arange(3), fu_site, np.arange(4), track_site, obj_of_row, identity,
                                             fu_roe, iff.ROE_TABLE, fc_mask, *shots, remote, eor, False, False,
                                             np.zeros(0, bool), False)  # fmt: skip
    assert list(zip(f.tolist(), rows.tolist())) == [(0, 2), (1, 0)]


def test_hand_case_site_rule_a() -> None:
    # units 0, 1 at site 0, unit 2 at site 1; unit 1 has a round busy at object 0 (row 0, site 0)
    fu_site = np.array([0, 0, 1])
    track_site = np.array([0, 0, 1])
    obj_of_row = np.arange(3)
    identity = np.full(3, iff.HOSTILE, np.int8)
    fu_roe = np.full(3, iff.ROE_CODE["weapons_free"])
    shots = (np.array([1]), np.array([0]), np.array([True]), np.array([False]), 1)
    args = (np.arange(3), fu_site, np.arange(3), track_site, obj_of_row, identity, fu_roe, iff.ROE_TABLE,
            np.ones((3, 1), bool), *shots, np.zeros(3, bool), np.zeros(0, bool), False)  # fmt: skip
    pairs = lambda fr: list(zip(fr[0].tolist(), fr[1].tolist()))  # noqa: E731
    # rule (a): unit 0 (same site) may not take object 0; unit 1 not (its own round); row 1 free
    assert pairs(fire_control.engage_candidates(*args, True, np.zeros(3, bool), False)) == [(0, 1), (1, 1), (2, 2)]
    # a layered second shot exempts unit 0 from rule (a), not unit 1 from its own busy round
    everyone = [(0, 0), (0, 1), (1, 1), (2, 2)]
    assert pairs(fire_control.engage_candidates(*args, True, np.array([True, True, False]), False)) == everyone
    assert pairs(fire_control.engage_candidates(*args, True, np.zeros(0, bool), True)) == everyone  # all layered
    # without the rule: only the unit's own busy round counts
    assert pairs(fire_control.engage_candidates(*args, False, np.zeros(3, bool), False)) == everyone
    # the round assessed (no longer busy): nobody is held back by it
    done = (args[9], args[10], np.array([False]), np.array([True]), 1)
    assert pairs(fire_control.engage_candidates(*args[:9], *done, *args[14:], True, np.zeros(0, bool), False)) == [
        (0, 0), (0, 1), (1, 0), (1, 1), (2, 2)]
