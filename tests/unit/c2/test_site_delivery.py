"""network.site_delivery_kernel against the former NumPy formulation (kept here), and a hand case."""

from __future__ import annotations

import numpy as np

from iadsim.arrayops import isin_small
from iadsim.c2.network import site_delivery_kernel


def _reference(num, x, member_site, member_num, s, rr, row_net, maintained_row, site_ecef, aoi):  # type: ignore[no-untyped-def]
    order = np.argsort(num)
    need = ~isin_small(num, member_num[member_site == s])
    keep_r = isin_small(row_net[rr], num[need])
    if aoi is not None and len(rr):
        j = np.searchsorted(num, row_net[rr], sorter=order).clip(0, max(len(num) - 1, 0))
        inside = np.zeros(len(rr), bool)
        if len(num):
            jj = order[j]
            inside = np.linalg.norm(x[jj, :3] - site_ecef, axis=1) <= aoi
        keep_r &= inside
    kill = rr[~keep_r & ~maintained_row[rr]]
    ref = rr[keep_r]
    ref_j = order[np.searchsorted(num, row_net[ref], sorter=order)] if len(ref) else np.zeros(0, np.int64)
    missing = np.flatnonzero(need & ~isin_small(num, row_net[ref]))
    if aoi is not None and len(missing):
        missing = missing[np.linalg.norm(x[missing, :3] - site_ecef, axis=1) <= aoi]
    return kill, ref, ref_j, missing


def test_site_delivery_equals_the_numpy_formulation() -> None:
    rng = np.random.default_rng(4)
    for _ in range(400):
        m = int(rng.integers(0, 8))
        num = rng.choice(20, m, replace=False).astype(np.int64)  # distinct numbers, unsorted
        x = rng.normal(0.0, 1e5, (m, 6))
        k = int(rng.integers(0, 6))
        member_site, member_num = rng.integers(0, 3, k), rng.choice(20, k).astype(np.int64)
        n_rows = 12
        row_net = rng.integers(-1, 20, n_rows)
        rr = np.sort(rng.choice(n_rows, int(rng.integers(0, 6)), replace=False)).astype(np.int64)
        maintained = rng.random(n_rows) < 0.3
        site_ecef = rng.normal(0.0, 1e4, 3)
        aoi = float(rng.uniform(5e4, 2e5)) if rng.random() < 0.7 else None
        s = int(rng.integers(0, 3))
        got = site_delivery_kernel(num, x, member_site, member_num, s, rr, row_net, maintained, aoi is not None,
                                   site_ecef, aoi or 0.0)  # fmt: skip
        ref = _reference(num, x, member_site, member_num, s, rr, row_net, maintained, site_ecef, aoi)
        for a, b in zip(got, ref):
            assert a.tolist() == np.asarray(b).tolist()


def test_site_delivery_hand_case() -> None:
    num = np.array([5, 9, 2])
    x = np.zeros((3, 6))
    x[2, 0] = 1e6  # number 2 lies 1000 km away: outside the area of interest
    # site 0's own track took part in number 9; rows 10 (number 5) and 11 (number 2) are remote
    row_net = np.full(12, -1)
    row_net[10], row_net[11] = 5, 2
    kill, ref, ref_j, missing = site_delivery_kernel(num, x, np.array([0]), np.array([9]), 0, np.array([10, 11]),
                                                     row_net, np.zeros(12, bool), True, np.zeros(3), 5e5)  # fmt: skip
    assert kill.tolist() == [11]  # left the area of interest
    assert ref.tolist() == [10] and ref_j.tolist() == [0]  # refreshed from fused track 0 (number 5)
    assert missing.tolist() == []  # 9 held by an own track, 5 by row 10, 2 outside


def test_quiet_tick_means_no_link_change_fusion_or_delivery() -> None:
    from iadsim.c2.network import NetworkState, Picture
    from iadsim.engine.world import NetworkArrays

    nets = NetworkArrays(name=("n",), latency_s=np.array([2.0]), update_s=np.array([4.0]), c2_fail_s=np.array([np.inf]),
                         outage_network=np.array([0]), outage_start_s=np.array([30.0]), outage_end_s=np.array([40.0]),
                         site_network=np.array([0, 0]))  # fmt: skip
    ns = NetworkState(nets, 8)
    assert not ns.quiet(1.0)  # never fused: due at once
    ns.next_fusion = 8.0
    assert ns.quiet(1.0) and not ns.quiet(8.0)  # fusion due at 8 s
    z = np.zeros(0, np.int64)
    ns.queue.append(Picture(0, 4.0, 6.0, z, np.zeros((0, 6)), np.zeros((0, 6, 6)), z, z, z, z))
    assert ns.quiet(5.0) and not ns.quiet(6.0)  # a picture in transit arrives at 6 s
    ns.queue.clear()
    assert ns.quiet(7.0) and not ns.quiet(30.0)  # the outage starts at 30 s (link change)
