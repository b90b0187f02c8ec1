"""The benchmark harness: settings from the sidecar, the track-history scoring convention, and
the location of the public detection files (relative to the checkout, overridable)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[3] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_tracking as bt  # noqa: E402
import compare_stonesoup as cs  # noqa: E402

PARAMS = dict(targets=1, scans=5, dim=2, sensor="linear", dt=1.0, q=1.0, sigma=20.0, pd=0.9,
              clutter=0.0, half_width=10000.0, gate=3.0, min_points=3, miss_delete=5,
              prior_vel_std=50.0, cutoff=100.0)


def test_miss_rule_comes_from_the_sidecar() -> None:
    assert bt.tracker_config(PARAMS, "gnn").miss_delete == 5
    assert bt.tracker_config(dict(PARAMS, miss_delete=7), "gnn").miss_delete == 7
    assert bt.tracker_config(PARAMS, "gnn", miss_rule=False).miss_delete == 0
    assert bt.tracker_config(PARAMS, "gnn", motion="imm").motion == "imm"


def test_history_convention_counts_the_tentative_phase() -> None:
    # one target at 10 m/s detected every scan: confirmed at its 3rd detection (scan 2)
    T = 5
    truth = np.zeros((T, 1, 4))
    truth[:, 0, 0] = 10.0 * np.arange(T)
    truth[:, 0, 1] = 10.0
    arrays = dict(times_s=np.arange(T, dtype=float), truth=truth,
                  det_scan=np.arange(T, dtype=np.int32), det_truth=np.zeros(T, np.int32),
                  det_z=truth[:, 0, [0, 2]].copy())
    hist: list = []
    causal, _ = bt.run_iadsim(arrays, PARAMS, "gnn", history=hist)
    assert [len(i) for i, _ in causal] == [0, 0, 1, 1, 1]
    assert [len(i) for i, _ in hist] == [1, 1, 1, 1, 1]
    assert len({int(i[0]) for i, _ in hist}) == 1  # one track, from its first detection
    sc, sh = bt.score(causal, arrays, PARAMS), bt.score(hist, arrays, PARAMS)
    assert sc["gospa_missed_mean"] == pytest.approx(2 * 50.0 / T)  # two scans missed, c/2 each
    assert sh["gospa_missed_mean"] == 0.0


def test_score_skips_targets_absent_at_a_scan() -> None:
    truth = np.full((2, 2, 4), np.nan)
    truth[:, 0] = [0.0, 0.0, 0.0, 0.0]
    arrays = dict(times_s=np.array([0.0, 1.0]), truth=truth)
    tracks = [(np.array([0]), np.zeros((1, 4))), (np.array([0]), np.zeros((1, 4)))]
    s = bt.score(tracks, arrays, PARAMS)
    assert s["gospa_mean"] == 0.0 and s["gospa_missed_mean"] == 0.0


def test_mtt_dir_is_relative_to_the_checkout_and_overridable(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("IADSIM_MTT_DIR", raising=False)
    assert cs.mtt_dir() == BENCH.parents[1] / "shared" / "bench" / "mtt"
    monkeypatch.setenv("IADSIM_MTT_DIR", str(tmp_path))
    assert cs.mtt_dir() == tmp_path
    assert cs.mtt_dir(tmp_path / "x") == tmp_path / "x"
    with pytest.raises(SystemExit, match="not found"):
        cs.ensure_file("no_such_file", tmp_path)
