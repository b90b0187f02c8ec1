"""Siting: greedy ≤ exact = brute force; guarantee; compression; fixed batteries."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.analysis.coverage import make_grid
from iadsim.analysis.siting import brute_force_max_cover, compress, exact_max_cover, greedy_max_cover
from iadsim.errors import InputError


def disc_instance(seed: int, n_cand: int = 14, radius_km: float = 120.0):
    """Cells of a 10 km grid and candidate discs: the geometric structure of real siting."""
    rng = np.random.default_rng(seed)
    grid = make_grid((30.0, 37.0, 36.0, 41.0), 20_000.0)
    cand = grid.unit[rng.choice(grid.n, n_cand, replace=False)]
    cover = (grid.unit @ cand.T) >= math.cos(radius_km * 1e3 / 6_371_000.0)
    return cover, grid.area_m2


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [2, 3])
def test_exact_equals_brute_force_and_greedy_below(seed: int, k: int) -> None:
    cover, w = disc_instance(seed)
    g = greedy_max_cover(cover, w, k)
    e = exact_max_cover(cover, w, k, time_limit_s=20)
    b = brute_force_max_cover(cover, w, k)
    assert e.value == pytest.approx(b.value, rel=1e-9)
    assert e.gap == 0.0 and e.status == "Optimal"
    assert g.value <= e.value * (1 + 1e-12)
    assert g.value >= (1 - 1 / math.e) * e.value  # Nemhauser–Wolsey–Fisher guarantee
    assert g.bound >= e.value * (1 - 1e-12)  # greedy's bound is a valid upper bound
    assert len(set(e.chosen)) == k


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 3))
def test_random_instances_property(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    cover = rng.random((40, 8)) < 0.25
    w = rng.random(40)
    g = greedy_max_cover(cover, w, k)
    e = exact_max_cover(cover, w, k)
    b = brute_force_max_cover(cover, w, k)
    assert e.value == pytest.approx(b.value, rel=1e-9, abs=1e-12)
    assert g.value <= b.value + 1e-12
    assert g.value >= (1 - 1 / math.e) * b.value - 1e-12


def test_greedy_is_not_always_optimal() -> None:
    # classic instance: one big central set vs two disjoint halves
    cover = np.zeros((6, 3), bool)
    cover[[0, 1, 2, 3], 0] = True  # centre: 4 points
    cover[[0, 1, 4], 1] = True
    cover[[2, 3, 5], 2] = True
    w = np.ones(6)
    assert greedy_max_cover(cover, w, 2).value == 5.0
    assert exact_max_cover(cover, w, 2).value == 6.0


def test_compress_preserves_objective() -> None:
    cover, w = disc_instance(5)
    a2, w2 = compress(cover, w)
    assert a2.shape[0] < cover.shape[0]
    rng = np.random.default_rng(0)
    for _ in range(5):
        s = rng.choice(cover.shape[1], 3, replace=False)
        assert w[cover[:, s].any(1)].sum() == pytest.approx(w2[a2[:, s].any(1)].sum())


def test_fixed_coverage_zero_weight_and_errors() -> None:
    cover, w = disc_instance(3)
    already = cover[:, 0]  # keep candidate 0's battery in place
    e = exact_max_cover(cover, np.where(already, 0.0, w), 2)
    assert 0 not in e.chosen
    with pytest.raises(InputError, match="k must be"):
        greedy_max_cover(cover, w, 0)
    with pytest.raises(InputError, match="k must be"):
        exact_max_cover(cover, w, cover.shape[1] + 1)
