"""Kernels of weapons/retarget.py on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.weapons.retarget import choose_new_targets, round_position


def test_round_position_on_its_line_at_constant_speed() -> None:
    # burn ~0, drag time huge: the round flies at v_m = 1,000 m/s; 20 s after launch it is 20 km
    # along the 50 km line launcher → aim point; before launch it is on the launcher; past the
    # aim point it stays at the aim point
    L = np.zeros((3, 3))
    A = np.tile([30_000.0, 40_000.0, 0.0], (3, 1))
    X, e = round_position(L, A, np.array([80.0, 120.0, 0.0]), 100.0, np.full(3, 1000.0), np.full(3, 1e-9),
                          np.full(3, 1e12))  # fmt: skip
    assert e.tolist() == [20.0, 0.0, 100.0]
    assert X[0] == pytest.approx([12_000.0, 16_000.0, 0.0], abs=1e-3)
    assert X[1] == pytest.approx([0.0, 0.0, 0.0])
    assert X[2] == pytest.approx(A[2])


def _choose(pair_round, pair_obj, ok, tgo, tid, needs, group, seq, radar, free):  # type: ignore[no-untyped-def]
    a = np.asarray
    return choose_new_targets(a(pair_round), a(pair_obj), a(ok, bool), a(tgo, float), a(tid), a(needs, bool), a(group),
                              a(seq), a(radar), a(free)).tolist()  # fmt: skip


def test_each_engagement_takes_the_most_urgent_object_first_come_first_served() -> None:
    # rounds 0, 1: engagement g0 (a salvo); round 2: engagement g1 (seq later). Objects 7 (tgo 50 s)
    # and 8 (tgo 90 s) feasible for all rounds. g0 moves both rounds to 7; g1 gets 8.
    pr = [0, 0, 1, 1, 2, 2]
    po = [7, 8, 7, 8, 7, 8]
    out = _choose(pr, po, [1] * 6, [50, 90] * 3, [70, 80] * 3, [0] * 6, [0, 0, 1], [0, 1, 2], [0, 0, 0], [5])
    assert out == [7, 7, 8]
    # g1 served first when its first round comes first
    out = _choose(pr, po, [1] * 6, [50, 90] * 3, [70, 80] * 3, [0] * 6, [0, 0, 1], [5, 6, 2], [0, 0, 0], [5])
    assert out == [8, 8, 7]
    # a round of the engagement that cannot reach the chosen object self-destructs
    out = _choose(pr, po, [1, 1, 0, 1, 1, 1], [50, 90] * 3, [70, 80] * 3, [0] * 6, [0, 0, 1], [0, 1, 2], [0, 0, 0], [5])
    assert out == [7, -1, 8]


def test_target_channels_limit_new_objects() -> None:
    # both objects need a new target channel on radar 0, which has one free: the second
    # engagement gets nothing; with an object already held (no channel needed) it gets that one
    pr, po = [0, 0, 1, 1], [7, 8, 7, 8]
    out = _choose(pr, po, [1] * 4, [50, 90] * 2, [70, 80] * 2, [1] * 4, [0, 1], [0, 1], [0, 0], [1])
    assert out == [7, -1]
    out = _choose(pr, po, [1] * 4, [50, 90] * 2, [70, 80] * 2, [1, 0, 1, 0], [0, 1], [0, 1], [0, 0], [1])
    assert out == [7, 8]
    out = _choose(pr, po, [1] * 4, [50, 90] * 2, [70, 80] * 2, [1] * 4, [0, 1], [0, 1], [0, 0], [0])
    assert out == [-1, -1]
