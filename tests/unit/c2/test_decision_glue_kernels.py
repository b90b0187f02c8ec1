"""Compiled decision glue (grant_channels, unit_offsets, build_problem) against the NumPy code they replaced.

The references are the previous NumPy implementations, kept here verbatim.
"""

from __future__ import annotations

import numpy as np

from iadsim.c2 import fire_control, fire_distribution


def _grant_reference(radar, new_target, n_requested, target_free, guided_free):
    E = len(radar)
    if E == 0:
        return np.zeros(0, np.int64)
    order = np.argsort(radar, kind="stable")
    r = radar[order]
    starts = np.r_[True, r[1:] != r[:-1]]
    grp = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)

    def before(x):
        c = np.cumsum(x)
        return c - x - (c - x)[first][grp] if len(x) else x

    nt = new_target[order].astype(np.int64)
    t_ok = ~new_target[order] | (before(nt) < target_free[order])
    req = np.where(t_ok, n_requested[order], 0)
    left = np.maximum(guided_free[order] - before(req), 0)
    got = np.minimum(req, left)
    left = np.maximum(guided_free[order] - before(got), 0)
    got = np.minimum(req, left)
    out = np.zeros(E, np.int64)
    out[order] = got
    return out


def _offsets_reference(f, n):
    E = len(f)
    if E == 0:
        return np.zeros(0, np.int64)
    order = np.argsort(f, kind="stable")
    fs, ns = f[order], n[order]
    c = np.cumsum(ns) - ns
    starts = np.r_[True, fs[1:] != fs[:-1]]
    base = c[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    out = np.zeros(E, np.int64)
    out[order] = c - base
    return out


def test_grant_channels_matches_numpy_reference() -> None:
    rng = np.random.default_rng(5)
    for _ in range(300):
        E = int(rng.integers(0, 9))
        args = (rng.integers(0, 3, E), rng.random(E) < 0.6, rng.integers(0, 4, E), rng.integers(-1, 3, E),
                rng.integers(-1, 6, E))  # fmt: skip
        np.testing.assert_array_equal(fire_control.grant_channels(*args), _grant_reference(*args))


def test_unit_offsets_matches_numpy_reference() -> None:
    rng = np.random.default_rng(6)
    for _ in range(300):
        E = int(rng.integers(0, 9))
        f, n = rng.integers(0, 4, E), rng.integers(0, 4, E)
        np.testing.assert_array_equal(fire_distribution.unit_offsets(f, n), _offsets_reference(f, n))


def _build_reference(idx, f, itype, key, value, pk, rounds, channels, per_target):
    """build_problem's arrays as computed before the compiled kernel."""
    wcode = f.astype(np.int64) * (int(itype.max(initial=0)) + 1) + itype
    wu, w_of = np.unique(wcode, return_inverse=True)
    tu, t_of = np.unique(key, return_inverse=True)
    w_of, t_of = w_of.reshape(-1), t_of.reshape(-1)
    W, T = len(wu), len(tu)
    first_w = np.zeros(W, np.int64)
    first_w[w_of[::-1]] = np.arange(len(f))[::-1]
    pk_m = np.zeros((W, T))
    feas = np.zeros((W, T), bool)
    pair = np.full((W, T), -1, np.int64)
    rev = np.arange(len(f))[::-1]
    pk_m[w_of[rev], t_of[rev]] = pk[rev]
    feas[w_of, t_of] = True
    pair[w_of[rev], t_of[rev]] = idx[rev]
    vals = np.zeros(T)
    vals[t_of] = value
    mpt = np.zeros(T, np.int64)
    np.maximum.at(mpt, t_of, per_target.astype(np.int64))
    return (vals, np.clip(pk_m, 0.0, 1.0), np.maximum(rounds[first_w], 0), feas, np.maximum(channels[first_w], 0), mpt,
            f[first_w], itype[first_w], tu, pair)  # fmt: skip


def test_build_problem_matches_numpy_reference() -> None:
    rng = np.random.default_rng(8)
    for _ in range(200):
        P = int(rng.integers(1, 12))
        args = (rng.permutation(50)[:P], rng.integers(0, 3, P), rng.integers(0, 3, P), rng.integers(-2, 5, P),
                rng.random(P), rng.uniform(-0.1, 1.1, P), rng.integers(-1, 5, P), rng.integers(-1, 3, P),
                rng.integers(1, 3, P))  # fmt: skip
        gp = fire_distribution.build_problem(*args)
        pr = gp.problem
        got = (pr.values, pr.pk, pr.counts, pr.feasible, pr.channels, pr.max_per_target, gp.weapon_fu, gp.weapon_type,
               gp.target_key, gp.pair)  # fmt: skip
        for g, w in zip(got, _build_reference(*args)):
            np.testing.assert_array_equal(g, w)
