"""arrayops.sort_rows_by2 orders rows exactly as np.lexsort((tie[rows], key[rows])) does."""

from __future__ import annotations

import numpy as np

from iadsim.arrayops import sort_rows_by2


def test_matches_lexsort_with_ties() -> None:
    rng = np.random.default_rng(4)
    for _ in range(300):
        n = int(rng.integers(0, 40))
        key = rng.integers(0, 4, n).astype(float) * 0.5  # many equal keys
        tie = rng.integers(0, 3, n)  # and equal ties: stability decides
        rows = rng.permutation(n).astype(np.int64)
        m = int(rng.integers(0, n + 1))
        want = rows[:m][np.lexsort((tie[rows[:m]], key[rows[:m]]))]
        got = sort_rows_by2(rows, m, key, tie)
        assert np.array_equal(got, want)
        ids = np.arange(n)  # integer keys, ties broken by the row number (as the IFF kernel's site, track id)
        assert np.array_equal(sort_rows_by2(rows, m, tie, ids), rows[:m][np.lexsort((ids[rows[:m]], tie[rows[:m]]))])


def test_hand_case() -> None:
    rows = np.array([3, 0, 2, 1], np.int64)
    key = np.array([1.0, 0.0, 1.0, 0.0])
    tie = np.array([0, 5, 0, 2])
    # key 0: rows 3 (tie 2) and 1 (tie 5) -> 3, 1; key 1: rows 0 and 2, equal ties -> input order 0, 2
    assert sort_rows_by2(rows, 4, key, tie).tolist() == [3, 1, 0, 2]
    assert sort_rows_by2(rows, 2, key, tie).tolist() == [3, 0]  # only rows[:2] = (3, 0): keys 0 < 1
