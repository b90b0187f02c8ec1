"""The compiled PCG64 streams equal NumPy's Generator draw for draw (iadsim.rng_kernels)."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from iadsim import rng_kernels as rk
from iadsim.rng import entity_generator


@numba.njit(cache=True)
def _mixed(st, n, lam):  # the same sequence of calls as _mixed_numpy, one stream per row
    out = np.empty((st.shape[0], n, 5))
    for i in range(st.shape[0]):
        for j in range(n):
            out[i, j, 0] = rk.next_double(st, i)
            out[i, j, 1] = rk.standard_normal(st, i)
            out[i, j, 2] = rk.normal(st, i, 2.5, 0.3)
            out[i, j, 3] = rk.poisson(st, i, lam)
            out[i, j, 4] = rk.poisson(st, i, 25.0 * lam)
    return out


def _mixed_numpy(gens, n, lam):
    out = np.empty((len(gens), n, 5))
    for i, g in enumerate(gens):
        for j in range(n):
            out[i, j] = (g.random(), g.standard_normal(), g.normal(2.5, 0.3), g.poisson(lam), g.poisson(25.0 * lam))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2017, 2**40 + 3])
def test_mixed_draws_equal_numpy(seed: int) -> None:
    names = [f"r{k}" for k in range(4)]
    ref = [entity_generator(seed, "radar", nm) for nm in names]
    mine = [entity_generator(seed, "radar", nm) for nm in names]
    st = rk.states_of(mine)
    got = _mixed(st, 300, 3.7)
    want = _mixed_numpy(ref, 300, 3.7)
    assert np.array_equal(got, want)  # bit for bit, ziggurat tails and PTRS rejections included
    rk.store_states(mine, st)  # the Generators continue exactly where the kernel stopped
    for g, h in zip(mine, ref):
        assert np.array_equal(g.random(7), h.random(7))
        assert np.array_equal(g.standard_normal(5), h.standard_normal(5))


def test_fill_equals_array_calls_and_poisson_zero() -> None:
    g, h = np.random.default_rng(5), np.random.default_rng(5)
    st = rk.states_of([g])
    u = np.empty(1000)
    rk.random_fill(st, 0, u)
    z = np.empty(999)
    rk.standard_normal_fill(st, 0, z)
    assert np.array_equal(u, h.random(1000))
    assert np.array_equal(z.reshape(333, 3), h.standard_normal((333, 3)))
    assert rk.poisson(st, 0, 0.0) == 0 == h.poisson(0.0)
    rk.store_states([g], st)
    assert g.random() == h.random()


def test_rejects_other_bit_generators() -> None:
    with pytest.raises(TypeError, match="MT19937"):
        rk.states_of([np.random.Generator(np.random.MT19937(1))])


# --- seeding in compiled code (seed_states) and RunStreams.states / put_states ---------------------


def test_seed_states_equal_numpy_seeding():
    """SeedSequence → PCG64 in compiled code, bit for bit: short/long seeds and spawn keys, zeros, words ≥ 2³¹."""
    from iadsim.rng_kernels import assembled_entropy, seed_states, states_of

    rs = np.random.default_rng(0)
    cases = [(seed, key)
             for seed in (0, 1, 5, 2**32 - 1, 2**32, 2**63 + 12345, 2**70 + 3, 123456789012345678901234567890)
             for key in ((), (0,), (7,), (0, 0), (2**31, 5), (int(rs.integers(2**63)), int(rs.integers(2**63))),
                         (2**64 - 1, 1, 2))]  # fmt: skip
    words, starts = [], [0]
    for seed, key in cases:
        words += assembled_entropy(seed, key)
        starts.append(len(words))
    got = seed_states(np.array(words, np.uint64), np.array(starts, np.int64))
    ref = states_of([np.random.Generator(np.random.PCG64(np.random.SeedSequence(s, spawn_key=k))) for s, k in cases])
    np.testing.assert_array_equal(got, ref)


def test_run_streams_state_rows_continue_as_generators():
    """Streams seeded as state rows draw exactly what the entity Generators draw, across hand-backs."""
    from iadsim.rng import entity_generator, make_streams
    from iadsim.rng_kernels import next_double

    a = make_streams(11)
    a.entity("radar", "r2")  # one stream already a Generator, the others seeded as rows
    st = a.states("radar", ["r1", "r2", "r3"])
    u = [next_double(st, 0), next_double(st, 1), next_double(st, 2), next_double(st, 0)]
    a.put_states("radar", ["r1", "r2", "r3"], st)
    ref = {n: entity_generator(11, "radar", n) for n in ("r1", "r2", "r3")}
    assert u == [ref["r1"].random(), ref["r2"].random(), ref["r3"].random(), ref["r1"].random()]
    # Python continues each stream where the compiled draws stopped
    assert a.entity("radar", "r1").random() == ref["r1"].random()
    assert a.entity("radar", "r2").random() == ref["r2"].random()
    st = a.states("radar", ["r3"])  # still a row: taken again, it continues too
    assert next_double(st, 0) == ref["r3"].random()
