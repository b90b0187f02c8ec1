"""Fire-distribution kernels (c2/fire_distribution.py): the WTA instance of one group, by hand."""

from __future__ import annotations

import numpy as np

from iadsim.c2 import fire_distribution as fd
from iadsim.c2.assignment import check_feasible, get_assigner


def test_build_problem_maps_pairs_to_weapons_and_targets() -> None:
    # unit 0 chose type 1 for keys 7 and 9; unit 1 chose type 0 for key 9 and type 2 for key 4
    idx = np.array([10, 11, 12, 13])
    f = np.array([0, 0, 1, 1])
    it = np.array([1, 1, 0, 2])
    key = np.array([7, 9, 9, 4])
    gp = fd.build_problem(idx, f, it, key, value=np.array([1.0, 0.5, 0.5, 0.2]), pk=np.array([0.7, 0.6, 0.8, 0.9]),
                          rounds=np.array([4, 4, 2, 1]), channels=np.array([2, 2, 1, 1]),
                          per_target=np.array([2, 2, 1, 1]))  # fmt: skip
    p = gp.problem
    assert gp.weapon_fu.tolist() == [0, 1, 1] and gp.weapon_type.tolist() == [1, 0, 2]
    assert gp.target_key.tolist() == [4, 7, 9]
    assert p.values.tolist() == [0.2, 1.0, 0.5]
    assert p.feasible.tolist() == [[False, True, True], [False, False, True], [True, False, False]]
    assert p.pk[0].tolist() == [0.0, 0.7, 0.6] and p.pk[1, 2] == 0.8 and p.pk[2, 0] == 0.9
    assert p.counts.tolist() == [4, 2, 1] and p.channels.tolist() == [2, 1, 1]
    assert p.max_per_target.tolist() == [1, 2, 2]  # key 9: the larger salvo of units 0 (2) and 1 (1)
    assert gp.pair.tolist() == [[-1, 10, 11], [-1, -1, 12], [13, -1, -1]]
    x = get_assigner("exact", time_limit=5.0).assign(p).x
    assert check_feasible(p, x) == []


def test_unit_offsets_count_earlier_rounds_of_the_same_unit() -> None:
    assert fd.unit_offsets(np.array([3, 1, 3, 3, 1]), np.array([2, 1, 1, 2, 2])).tolist() == [0, 0, 2, 3, 1]


def _engaged_by_other_unit_reference(f, group, key, shot_fu, shot_group, shot_key):
    """Rule (a) written out as its definition (independent reference): ∃ busy round with the
    pair's (group, key) fired by another unit."""
    same = (shot_group[None, :] == group[:, None]) & (shot_key[None, :] == key[:, None])
    return np.any(same & (shot_fu[None, :] != f[:, None]), axis=1)


def test_engaged_by_other_unit_matches_its_definition() -> None:
    rng = np.random.default_rng(21)
    for _ in range(200):
        P, R = int(rng.integers(0, 15)), int(rng.integers(0, 10))
        f, sf = rng.integers(0, 4, P), rng.integers(0, 4, R)
        g, sg = rng.integers(0, 3, P), rng.integers(0, 3, R)
        k, sk = rng.integers(-4, 6, P), rng.integers(-4, 6, R)  # negative: networked objects not yet numbered
        np.testing.assert_array_equal(fd.engaged_by_other_unit(f, g, k, sf, sg, sk),
                                      _engaged_by_other_unit_reference(f, g, k, sf, sg, sk))  # fmt: skip
    # by hand: unit 1 has a round at (group 0, key 5) → unit 0's pair on it is excluded, unit 1's own is not
    got = fd.engaged_by_other_unit(np.array([0, 1, 0]), np.array([0, 0, 1]), np.array([5, 5, 5]), np.array([1]),
                                   np.array([0]), np.array([5]))  # fmt: skip
    assert got.tolist() == [True, False, False]


def test_engaged_by_other_unit_keys_of_adjacent_groups_do_not_collide() -> None:
    # A networked object not yet numbered keys as -1 - obj (here -3, group 1). Packed as
    # group * (max key + 2) + key + 1 it shared code 5 with (group 0, key 4) when the largest key
    # was 5, and excluded that unrelated pair; compared field by field it does not.
    got = fd.engaged_by_other_unit(np.array([0, 0]), np.array([0, 0]), np.array([4, 5]), np.array([1]),
                                   np.array([1]), np.array([-3]))  # fmt: skip
    assert got.tolist() == [False, False]
