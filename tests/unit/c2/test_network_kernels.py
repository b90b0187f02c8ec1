"""Kernels of c2/network.py: fire-distribution keys, engagement filters, acquisition rule."""

from __future__ import annotations

import numpy as np

from iadsim.c2 import network as nm
from iadsim.engine.world import NetworkArrays


def _nets(W: int = 1, site_network: tuple[int, ...] = (0, 0, -1)) -> NetworkArrays:
    z = np.zeros(0)
    return NetworkArrays(name=tuple(f"n{i}" for i in range(W)), latency_s=np.ones(W), update_s=np.ones(W) * 2,
                         c2_fail_s=np.full(W, np.inf), outage_network=np.zeros(0, np.int64), outage_start_s=z,
                         outage_end_s=z, site_network=np.array(site_network, np.int64))  # fmt: skip


def test_distribution_keys_network_while_up_else_site() -> None:
    site = np.array([0, 1, 2, 0])
    obj = np.array([10, 20, 30, 11])
    num = np.array([5, 5, -1, -1])
    g, k = nm.distribution_keys(site, obj, num, np.array([0, 0, -1]), np.array([True]), n_sites=3)
    assert g.tolist() == [3, 3, 2, 3] and k.tolist() == [5, 5, 30, -12]  # unnumbered: −1 − obj
    g, k = nm.distribution_keys(site, obj, num, np.array([0, 0, -1]), np.array([False]), n_sites=3)
    assert g.tolist() == [0, 1, 2, 0] and k.tolist() == [10, 20, 30, 11]  # link down: standalone


def test_engaged_by_other_ignores_own_rounds_and_other_groups() -> None:
    g, k, u = np.array([3, 3, 3]), np.array([5, 6, 5]), np.array([0, 0, 1])
    bg, bk, bu = np.array([3, 4]), np.array([5, 6]), np.array([1, 0])
    assert nm.engaged_by_other(g, k, u, bg, bk, bu).tolist() == [True, False, False]
    assert nm.engaged_by_other(g, k, u, bg[:0], bk[:0], bu[:0]).tolist() == [False] * 3


def test_same_threat_by_key_or_position() -> None:
    P = np.tile(np.eye(6) * 100.0, (3, 1, 1))
    x = np.zeros((3, 6))
    x[:, 0] = [0.0, 20.0, 5000.0]  # selections 0 and 1 are one threat by position, 2 another
    g, key, unit = np.array([3, 3, 3]), np.array([-1, -2, -3]), np.array([0, 1, 2])
    assert nm.first_per_threat(g, key, unit, x, P, np.zeros(3, bool)).tolist() == [True, False, True]
    assert nm.first_per_threat(g, key, unit, x, P, np.array([False, True, False])).all()
    key = np.array([7, 8, 7])  # same number: the same threat wherever its tracks are
    assert nm.first_per_threat(g, key, unit, x[[0, 2, 2]], P, np.zeros(3, bool)).tolist() == [True, True, False]
    # engaged by another unit nearby; not by the same unit; not in another group
    bx = x[:1]
    assert nm.engaged_nearby(g, unit, x, P, np.array([3]), np.array([2]), bx, P[:1]).tolist() == [True, True, False]
    assert nm.engaged_nearby(g, unit, x, P, np.array([3]), np.array([0]), bx, P[:1]).tolist() == [False, True, False]
    assert not nm.engaged_nearby(g, unit, x, P, np.array([4]), np.array([2]), bx, P[:1]).any()


def test_remote_filters() -> None:
    remote = np.array([False, True, True])
    assert nm.remote_allowed(remote, np.array([False, False, True])).tolist() == [True, False, True]
    assert nm.remote_interceptor_ok(remote, np.array([False, False, True])).tolist() == [True, False, True]


def test_acquisition_rule_waits_until_handover_then_loses() -> None:
    ns = nm.NetworkState(_nets(), cap=8)
    ns.remote[[1, 2]] = True
    ns.acquire_by[[0, 1]] = 100.0  # objects 0, 1 engaged on remote tracks; object 2 not
    obj, rows = np.array([0, 1, 2]), np.array([1, 2, 3])
    lost = np.array([True, True, True])
    missed = np.array([2, 2, 2])
    l, m, late = nm.acquisition_failures(ns, obj, rows, lost, missed, t=50.0)
    # objects 0 and 1 (remote rows, before the hand-over) wait; object 2 (no remote engagement) is lost
    assert l.tolist() == [False, False, True] and m.tolist() == [0, 0, 2] and not late.any()
    l, m, late = nm.acquisition_failures(ns, obj, rows, lost & False, missed, t=100.0)
    assert l.tolist() == [True, True, False] and late.tolist() == [True, True, False]
    ns.remote[1] = False  # acquired: the standard rule applies
    l, _, late = nm.acquisition_failures(ns, obj, rows, np.array([False, False, False]), missed, t=100.0)
    assert l.tolist() == [False, True, False] and late.tolist() == [False, True, False]


def test_link_up_outages_and_failure() -> None:
    n = NetworkArrays(name=("a", "b"), latency_s=np.ones(2), update_s=np.ones(2), c2_fail_s=np.array([np.inf, 50.0]),
                      outage_network=np.array([0]), outage_start_s=np.array([10.0]), outage_end_s=np.array([20.0]),
                      site_network=np.array([0, 1]))  # fmt: skip
    assert n.link_up(5.0).tolist() == [True, True]
    assert n.link_up(10.0).tolist() == [False, True]
    assert n.link_up(20.0).tolist() == [True, True]
    assert n.link_up(50.0).tolist() == [True, False]


def test_cue_candidates_due_held_delay_and_range_bound() -> None:
    from iadsim.c2.network import cue_candidates

    # radars: 0 (site 0, fire control, 1 s updates, 100 km), 1 (site 0, search only),
    # 2 (site 0, fire control, 3 s updates, 50 km), 3 (site 1, fire control)
    radar_site = np.array([0, 0, 0, 1])
    is_fc = np.array([True, False, True, True])
    update_s = np.array([1.0, 1.0, 3.0, 1.0])
    ecef = np.zeros((4, 3))
    max_range = np.array([100e3, 100e3, 50e3, 100e3])
    # remote rows 0..4 of site 0 (row 4: site 1); x, v in ECEF; estimates 2 s old at t = 10
    x = np.zeros((6, 6))
    x[:, 0] = [40e3, 80e3, 150e3, 60e3, 10e3, 0.0]
    x[2, 3] = 30e3  # 150 km away but moving 30 km/s: within the bound (150 − 60 ≤ 100)
    row_site = np.array([0, 0, 0, 0, 1, 0])
    t_row = np.full(6, 8.0)
    rows = np.array([0, 1, 2, 3, 4])
    obj = np.array([10, 11, 12, 13, 14])
    held = np.zeros(20, bool)
    held[13] = True  # a fire-control radar already holds object 13: no cue
    cue_at = np.full(20, 0.0)
    cue_at[11] = 10.5  # acquisition delay not yet over
    cue_last = np.full(20, -np.inf)
    cue_last[10] = 8.5  # 1.5 s ago: due on radar 0 (1 s), not on radar 2 (3 s)
    rows_f, obj_f, pr, ri, u, inv = cue_candidates(rows, obj, held, cue_at, cue_last, row_site, x, t_row, radar_site,
                                                   is_fc, update_s, ecef, max_range, 10.0)  # fmt: skip
    assert rows_f.tolist() == [0, 2, 4] and obj_f.tolist() == [10, 12, 14]
    # row 0: radar 0 only (not due on 2); row 2: radar 0 (bound 90 km ≤ 100 km), not radar 2 (90 > 50);
    # row 4: its own site's radar 3
    assert list(zip(rows_f[pr].tolist(), ri.tolist())) == [(0, 0), (2, 0), (4, 3)]
    assert u.tolist() == [0, 1, 2] and inv.tolist() == [0, 1, 2]
    # without motion row 2 is beyond every radar's range
    x[2, 3] = 0.0
    _, _, pr, ri, u, inv = cue_candidates(rows, obj, held, cue_at, cue_last, row_site, x, t_row, radar_site, is_fc,
                                          update_s, ecef, max_range, 10.0)  # fmt: skip
    assert ri.tolist() == [0, 3] and pr.tolist() == [0, 2] and u.tolist() == [0, 2] and inv.tolist() == [0, 1]


def test_engageable_remote_rows_fresh_by_delivery() -> None:
    from iadsim.c2.network import engageable_remote_kernel

    # rows 0..5: 0, 2 own (given as engageable), 1, 3, 4, 5 remote; sites 0, 0, 1, 0, 2, 0
    # site 0 in network 0 (update 2 s), site 1 in network 1 (link down), site 2 standalone
    remote = np.array([False, True, False, True, True, True, False])
    alive = np.array([True, True, True, True, True, False, False])
    confirmed = np.array([True, True, True, True, True, True, False])
    site = np.array([0, 0, 1, 0, 2, 0, 0])
    delivered = np.array([np.nan, 9.0, np.nan, 6.0, 9.5, 9.9, np.nan])
    up = np.array([True, False])
    got = engageable_remote_kernel(np.array([2, 0, 1]), remote, alive, confirmed, 6, site, np.array([0, 1, -1]), up,
                                   delivered, np.array([2.0, 2.0]), 10.0, 1.0)  # fmt: skip
    # own rows 2, 0 (remote row 1 in conf is dropped), remote row 1 fresh (1 s ≤ 3 s); row 3 stale
    # (4 s > 3 s), row 4 standalone site, row 5 dead: sorted because remote rows exist
    assert got.tolist() == [0, 1, 2]
    # no live confirmed remote row: the own rows as given, unsorted
    got = engageable_remote_kernel(np.array([2, 0]), remote, np.array([True, False, True, False, False, False, False]),
                                   confirmed, 6, site, np.array([0, 1, -1]), up, delivered, np.array([2.0, 2.0]), 10.0, 1.0)  # fmt: skip
    assert got.tolist() == [2, 0]
