"""iff.interrogate_kernel against the engine's former NumPy chain (kept here as the reference)."""

from __future__ import annotations

import numpy as np

from iadsim.c2 import iff
from iadsim.rng_kernels import states_of


def _reference(alive, confirmed, size, site, tid, truth, obj_of_row, site_p, site_mask, tmask_all, last_s, replies,
               silent, identity, t, interval, sweep, gens, afr, fr, ahs):  # type: ignore[no-untyped-def]  # fmt: skip
    live = np.flatnonzero(alive[:size])
    conf = live[confirmed[live]]
    rows = conf[site_p[site[conf]] > 0]
    last = last_s[obj_of_row[rows]]
    rows = rows[iff.interrogations_due(last, t, interval) if sweep else np.isnan(last)]
    rows = rows[np.lexsort((tid[rows], site[rows]))]
    obj, s, tr = obj_of_row[rows], site[rows], truth[rows]
    tmask = np.where(tr >= 0, tmask_all[np.maximum(tr, 0)] if len(tmask_all) else 0, 0)
    p = iff.reply_probability(site_mask[s], site_p[s], tmask)
    u = np.empty(len(s))
    for f in np.unique(s):
        m = s == f
        u[m] = gens[int(f)].random(int(m.sum()))
    got = u < p
    replies[obj], silent[obj] = iff.update_counts(replies[obj], silent[obj], got)
    last_s[obj] = t
    km = iff.kinematics_matter(identity[obj], replies[obj], silent[obj], afr, fr, ahs)
    return conf, rows, km


def test_interrogate_kernel_equals_the_numpy_chain() -> None:
    rng = np.random.default_rng(7)
    for case in range(300):
        cap = int(rng.integers(1, 20))
        size = int(rng.integers(0, cap + 1))
        n_sites = 3
        alive, confirmed = rng.random(cap) < 0.8, rng.random(cap) < 0.7
        site = rng.integers(0, n_sites, cap)
        tid = rng.permutation(cap).astype(np.int64)
        truth = rng.integers(-1, 4, cap)
        # objects: mostly own rows, some shared (a re-initiated track's object)
        obj_of_row = np.where(rng.random(cap) < 0.8, np.arange(cap), rng.integers(0, cap, cap))
        site_p = np.array([0.9, 0.0, 1.0])
        site_mask = np.array([3, 1, 2])
        tmask_all = rng.integers(0, 4, 4) if case % 3 else np.zeros(0, np.int64)
        last0 = np.where(rng.random(cap) < 0.4, np.nan, rng.choice([80.0, 95.0, 99.0], cap))
        rep0, sil0 = rng.integers(0, 3, cap), rng.integers(0, 3, cap)
        ident = rng.integers(0, 5, cap).astype(np.int8)
        t, interval, sweep = 100.0, 10.0 - 0.5, bool(rng.random() < 0.5)
        seeds = [int(x) for x in rng.integers(0, 1 << 30, n_sites)]
        ref_gens = [np.random.default_rng(sd) for sd in seeds]
        st = states_of([np.random.default_rng(sd) for sd in seeds])
        l1, r1, s1 = last0.copy(), rep0.copy(), sil0.copy()
        conf, rows, km = iff.interrogate_kernel(alive, confirmed, size, site, tid, truth, obj_of_row, site_p, site_mask,
                                                tmask_all, l1, r1, s1, ident, t, interval, sweep, st, 1, 2, 2)  # fmt: skip
        l2, r2, s2 = last0.copy(), rep0.copy(), sil0.copy()
        rc, rr, rk = _reference(alive, confirmed, size, site, tid, truth, obj_of_row, site_p, site_mask, tmask_all, l2,
                                r2, s2, ident, t, interval, sweep, ref_gens, 1, 2, 2)  # fmt: skip
        assert conf.tolist() == rc.tolist() and rows.tolist() == rr.tolist() and km.tolist() == rk.tolist()
        assert r1.tolist() == r2.tolist() and s1.tolist() == s2.tolist()
        np.testing.assert_array_equal(l1, l2)
        # the kernel advanced each site's stream by exactly its interrogations
        assert [g.random() for g in ref_gens] == _next_from_states(st)


def _next_from_states(st: np.ndarray) -> list[float]:
    from iadsim.rng_kernels import next_double

    return [float(next_double(st, i)) for i in range(st.shape[0])]


def test_interrogate_hand_case() -> None:
    # two confirmed tracks at site 0 (reply p = 1 with compatible modes): one friendly transponder, one silent
    alive = np.array([True, True, True])
    confirmed = np.array([True, True, False])
    site = np.zeros(3, np.int64)
    st = states_of([np.random.default_rng(1)])
    last, rep, sil = np.full(3, np.nan), np.zeros(3, np.int64), np.zeros(3, np.int64)
    conf, rows, km = iff.interrogate_kernel(alive, confirmed, 3, site, np.array([5, 4, 6]), np.array([0, 1, 2]),
                                            np.arange(3), np.array([1.0]), np.array([1]), np.array([1, 0, 1]), last,
                                            rep, sil, np.zeros(3, np.int8), 10.0, 9.5, False, st, 1, 2, 1)  # fmt: skip
    assert conf.tolist() == [0, 1] and rows.tolist() == [1, 0]  # track id order (4 before 5); row 2 tentative
    assert rep.tolist() == [1, 0, 0] and sil.tolist() == [0, 1, 0]  # row 0 answered, row 1 silent once
    assert last[:2].tolist() == [10.0, 10.0] and np.isnan(last[2])
    assert km.tolist() == [True, False]  # rows order: row 1 silent ≥ 1 with no replies → kinematics read


def test_identify_update_equals_ladder_then_sharing() -> None:
    from iadsim.c2.network import distribution_keys
    from iadsim.engine import c2_glue

    rng = np.random.default_rng(21)
    for _ in range(300):
        cap = int(rng.integers(1, 16))
        conf = np.sort(rng.choice(cap, int(rng.integers(1, cap + 1)), replace=False)).astype(np.int64)
        rows = conf[rng.random(len(conf)) < 0.6]
        rows = rows[rng.permutation(len(rows))]
        obj_of_row = np.where(rng.random(cap) < 0.8, np.arange(cap), rng.integers(0, cap, cap))
        kin = rng.random(len(rows)) < 0.5
        ident0 = rng.integers(0, 5, cap).astype(np.int8)
        rep, sil = rng.integers(0, 3, cap), rng.integers(0, 4, cap)
        site = rng.integers(0, 3, cap)
        net_track = np.where(rng.random(cap) < 0.6, rng.integers(0, 4, cap), -1)
        site_network, up = np.array([0, 0, -1]), np.array([bool(rng.random() < 0.7)])
        networked = bool(rng.random() < 0.6)
        # the reference: the engine's former chain
        ref = ident0.copy()
        changed = [np.zeros(0, np.int64)]
        if len(rows):
            o = obj_of_row[rows]
            new = iff.ladder(ref[o], rep[o], sil[o], kin, 1, 2, 2, 3)
            changed.append(rows[new != ref[o]])
            ref[o] = new
        if networked:
            oa = obj_of_row[conf]
            g, k = distribution_keys(site[conf], oa, net_track[oa], site_network, up, 3)
            key = g * (int(k.max()) - int(k.min()) + 1) + (k - int(k.min()))
            shared = iff.share_identities(ref[oa], key)
            ch = shared != ref[oa]
            ref[oa[ch]] = shared[ch]
            changed.append(conf[ch])
        ref_em = np.unique(np.concatenate(changed))
        got = ident0.copy()
        em = c2_glue.identify_update(rows, conf, obj_of_row, kin, got, rep, sil, 1, 2, 2, 3, networked, site, net_track,
                                     site_network, up, 3)  # fmt: skip
        assert em.tolist() == ref_em.tolist() and got.tolist() == ref.tolist()


def test_identify_update_hand_case() -> None:
    from iadsim.engine import c2_glue

    # rows 0 and 1 hold one network track (number 7) at two member sites: row 0's friend identity
    # (3 replies) reaches row 1's object by sharing
    ident = np.array([iff.UNKNOWN, iff.UNKNOWN], np.int8)
    em = c2_glue.identify_update(np.array([0]), np.array([0, 1]), np.array([0, 1]), np.array([False]), ident,
                                 np.array([3, 0]), np.array([0, 0]), 1, 2, 2, 3, True, np.array([0, 1]),
                                 np.array([7, 7]), np.array([0, 0]), np.array([True]), 2)  # fmt: skip
    assert ident.tolist() == [iff.FRIEND, iff.FRIEND] and em.tolist() == [0, 1]
