"""kernels.scan_rows (the engine's tracking-block rows: protected, scan candidates and their
radar pairs, stale rows) against a hand case and the NumPy expressions it replaced."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.tracking import kernels


def _numpy_reference(t, dt, size, alive, site, t_last, fc_radar, fc_row, radar_site, scanning, remote,
                     site_revisit, drop_misses):  # type: ignore[no-untyped-def]  # fmt: skip
    """The former NumPy glue of engine/run.py's tracking block."""
    protected = np.zeros(size, bool)
    m_rows = fc_row[np.flatnonzero(fc_radar >= 0)]
    protected[m_rows[m_rows >= 0]] = True
    live = np.flatnonzero(alive[:size])
    cand = np.zeros(0, np.int64)
    pr = pl = np.zeros(0, np.int64)
    if len(live) and scanning.any():
        site_scans = np.zeros(len(site_revisit), bool)
        site_scans[radar_site[scanning]] = True
        cand = live[site_scans[site[live]]]
        if remote is not None:
            cand = cand[~remote[cand]]
        scan_idx = np.flatnonzero(scanning)
        pr, pl = np.nonzero(radar_site[scan_idx][:, None] == site[cand][None, :])
        pr = scan_idx[pr]
    stale = live[((t - t_last[live]) > drop_misses * site_revisit[site[live]] + dt) & ~protected[live]]
    if remote is not None:
        stale = stale[~remote[stale]]
    return protected, cand, pr, pl, stale


def test_scan_rows_hand_case() -> None:
    # rows 0..5: sites 0 0 1 1 2 0; row 3 dead; row 5 remote; object 1 maintains row 4
    alive = np.array([1, 1, 1, 0, 1, 1, 0, 0], bool)
    site = np.array([0, 0, 1, 1, 2, 0, 0, 0])
    t_last = np.array([90.0, 60.0, 99.0, 0.0, 10.0, 0.0, 0.0, 0.0])
    protected = np.ones(8, bool)  # stale values from the last tick are reset
    fc_radar = np.array([-1, 3, -1])
    fc_row = np.array([0, 4, -1])
    radar_site = np.array([0, 1, 0, 2])
    scanning = np.array([True, False, True, True])  # sites 0 and 2 scan, site 1 does not
    remote = np.array([0, 0, 0, 0, 0, 1, 0, 0], bool)
    site_revisit = np.array([10.0, 4.0, 12.0])
    # t = 100, dt = 1, drop_misses = 3: stale iff t − t_last > 3 T + 1 (31 at site 0, 13 at site 1,
    # 37 at site 2)
    cand, pr, pl, stale = kernels.scan_rows(100.0, 1.0, 6, alive, site, t_last, protected, fc_radar, fc_row,
                                            radar_site, scanning, remote, site_revisit, 3)  # fmt: skip
    assert protected[:6].tolist() == [False, False, False, False, True, False]
    assert cand.tolist() == [0, 1, 4]  # live, site scanning, not remote (row 5 remote, row 2 site 1)
    assert list(zip(pr.tolist(), pl.tolist())) == [(0, 0), (0, 1), (2, 0), (2, 1), (3, 2)]
    # row 1: 40 > 31 stale; row 4: 90 > 37 but protected; row 5: remote; row 0: 10 ≤ 31
    assert stale.tolist() == [1]
    # without a network (empty remote mask) row 5 (100 > 31) is stale and a candidate too
    cand, _, _, stale = kernels.scan_rows(100.0, 1.0, 6, alive, site, t_last, protected, fc_radar, fc_row,
                                          radar_site, scanning, np.zeros(0, bool), site_revisit, 3)  # fmt: skip
    assert cand.tolist() == [0, 1, 4, 5] and stale.tolist() == [1, 5]
    # no radar scanning: no candidates, the stale rule still applies
    cand, pr, _, stale = kernels.scan_rows(100.0, 1.0, 6, alive, site, t_last, protected, fc_radar, fc_row,
                                           radar_site, np.zeros(4, bool), remote, site_revisit, 3)  # fmt: skip
    assert len(cand) == 0 and len(pr) == 0 and stale.tolist() == [1]


@pytest.mark.parametrize("seed", range(5))
def test_scan_rows_equals_the_numpy_glue(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cap, size, n_sites, S = 64, int(rng.integers(0, 60)), 4, 7
    alive = rng.random(cap) < 0.6
    site = rng.integers(0, n_sites, cap)
    t = 500.0
    t_last = t - rng.choice([0.0, 5.0, 20.0, 31.0, 50.0, 200.0], cap)
    fc_radar = np.where(rng.random(10) < 0.5, rng.integers(0, S, 10), -1)
    fc_row = np.where(rng.random(10) < 0.7, rng.integers(0, max(size, 1), 10), -1) if size else np.full(10, -1)
    radar_site = rng.integers(0, n_sites, S)
    scanning = rng.random(S) < 0.5
    site_revisit = rng.choice([5.0, 10.0, 12.0], n_sites)
    for remote in (None, rng.random(cap) < 0.2):
        protected = rng.random(cap) < 0.5
        got = kernels.scan_rows(t, 1.0, size, alive, site, t_last, protected, fc_radar, fc_row, radar_site,
                                scanning, np.zeros(0, bool) if remote is None else remote, site_revisit, 3)  # fmt: skip
        ref = _numpy_reference(t, 1.0, size, alive, site, t_last, fc_radar, fc_row, radar_site, scanning, remote,
                               site_revisit, 3)  # fmt: skip
        assert protected[:size].tolist() == ref[0].tolist()
        for a, b in zip(got, ref[1:]):
            assert a.tolist() == b.tolist()
