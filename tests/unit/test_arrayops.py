"""isin_small: the set-membership rule of np.isin on the engine's small integer arrays."""

import numpy as np

from iadsim.arrayops import _BROADCAST_MAX, isin_small


def test_hand_computed_membership() -> None:
    out = isin_small(np.array([3, 1, 4, 1, 5]), np.array([1, 5, 9]))
    assert out.dtype == bool
    assert out.tolist() == [False, True, False, True, True]


def test_empty_sides_and_tuple_test_set() -> None:
    assert isin_small(np.array([1, 2]), np.zeros(0, np.int64)).tolist() == [False, False]
    assert isin_small(np.zeros(0, np.int64), np.array([1])).shape == (0,)
    assert isin_small(np.array([0, 1, 2, 3]), (1, 2)).tolist() == [False, True, True, False]


def test_shape_kept_and_large_inputs_agree_with_isin() -> None:
    a = np.array([[1, 2], [3, 4]])
    assert isin_small(a, [4, 1]).tolist() == [[True, False], [False, True]]
    rng = np.random.default_rng(1)
    big_a, big_b = rng.integers(0, 1000, 600), rng.integers(0, 1000, 200)  # 120000 > _BROADCAST_MAX
    assert big_a.size * big_b.size > _BROADCAST_MAX
    assert np.array_equal(isin_small(big_a, big_b), np.isin(big_a, big_b))
    small_a, small_b = rng.integers(-5, 20, 40), rng.integers(-5, 20, 30)
    assert np.array_equal(isin_small(small_a, small_b), np.isin(small_a, small_b))
