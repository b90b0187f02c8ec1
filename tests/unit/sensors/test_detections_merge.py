"""``Detections.merge`` / ``merge_kernel``: concatenation and the one-echo rule (search look + dwell)."""

from __future__ import annotations

import numpy as np

from iadsim.sensors import radar as R


def _dets(sensor: list[int], target: list[int], t: float, seed: int) -> R.Detections:
    rng = np.random.default_rng(seed)
    m = len(sensor)
    return R.Detections(sensor=np.array(sensor, np.int64), target=np.array(target, np.int64), time_s=t,
                        range_m=rng.random(m), az_rad=rng.random(m), el_rad=rng.random(m), z_enu_m=rng.random((m, 3)),
                        z_ecef_m=rng.random((m, 3)), R_ecef=rng.random((m, 3, 3)))  # fmt: skip


_COLS = ("sensor", "target", "range_m", "az_rad", "el_rad", "z_enu_m", "z_ecef_m", "R_ecef")


def _reference(a: R.Detections, b: R.Detections, n: int, one_echo: bool) -> dict[str, np.ndarray]:
    """The former NumPy formulation: np.isin on the (sensor, target) keys, then np.concatenate."""
    keep = np.ones(len(b), bool)
    if one_echo:
        keep = ~np.isin(b.sensor * (n + 1) + b.target, a.sensor * (n + 1) + np.maximum(a.target, -1))
    return {c: np.concatenate((getattr(a, c), getattr(b, c)[keep])) for c in _COLS}


def test_one_echo_drops_dwells_of_objects_the_search_look_detected() -> None:
    # search: radar 0 saw objects 2 and 5, radar 1 saw object 2, radar 1 a false alarm (target −1)
    search = _dets([0, 0, 1, 1], [2, 5, 2, -1], 7.0, 1)
    # dwells: radar 0 at 2 (seen: dropped), radar 1 at 5 (radar 1 did not see 5: kept),
    # radar 0 at 3 (kept), radar 1 at 2 (seen: dropped)
    dwell = _dets([0, 1, 0, 1], [2, 5, 3, 2], 7.0, 2)
    got = R.Detections.merge(search, dwell, 6, True)
    assert got.sensor.tolist() == [0, 0, 1, 1, 1, 0] and got.target.tolist() == [2, 5, 2, -1, 5, 3]
    assert got.time_s == 7.0
    np.testing.assert_array_equal(got.range_m[4:], dwell.range_m[[1, 2]])
    np.testing.assert_array_equal(got.R_ecef[4:], dwell.R_ecef[[1, 2]])
    np.testing.assert_array_equal(got.z_ecef_m[:4], search.z_ecef_m)
    # without the rule every dwell is appended (Detections.concat)
    cat = R.Detections.concat(search, dwell)
    assert cat.target.tolist() == [2, 5, 2, -1, 2, 5, 3, 2]
    # all dwells seen: the search detections alone
    assert R.Detections.merge(search, _dets([0, 1], [5, 2], 7.0, 3), 6, True).target.tolist() == [2, 5, 2, -1]


def test_merge_with_an_empty_part_returns_the_other_unchanged() -> None:
    a, e = _dets([0, 1], [1, 1], 2.0, 4), R.Detections.empty(2.0)
    assert R.Detections.merge(a, e, 3, True) is a and R.Detections.merge(e, a, 3, True) is a
    assert R.Detections.concat(e, a) is a and R.Detections.concat(a, e) is a


def test_merge_kernel_matches_numpy_reference_on_random_cases() -> None:
    rng = np.random.default_rng(5)
    for case in range(200):
        n, s = int(rng.integers(1, 8)), int(rng.integers(1, 4))
        ma, mb = int(rng.integers(1, 10)), int(rng.integers(1, 10))
        a = _dets(rng.integers(0, s, ma).tolist(), rng.integers(-1, n, ma).tolist(), 1.0, case)
        b = _dets(rng.integers(0, s, mb).tolist(), rng.integers(0, n, mb).tolist(), 1.0, case + 1000)
        for one_echo in (False, True):
            got, ref = R.Detections.merge(a, b, n, one_echo), _reference(a, b, n, one_echo)
            for c in _COLS:
                g = getattr(got, c)
                assert g.dtype == ref[c].dtype and np.array_equal(g, ref[c]), (case, one_echo, c)
