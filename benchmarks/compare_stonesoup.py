"""Side by side, in one run: Stone Soup 1.9.1's reference tracker and iadsim's tracker on the same
detection files (format: shared/bench/mtt/FORMAT.md).

Stone Soup reference tracker, configured from the sidecar exactly as FORMAT.md describes:
``MultiTargetTracker`` with a Kalman filter (``KalmanPredictor`` / ``KalmanUpdater``;
``ExtendedKalmanUpdater`` + ``CartesianToBearingRange`` for the range-bearing files),
``DistanceHypothesiser(Mahalanobis(), missed_distance=gate)``, GNN with 2-D assignment
(``GNNWith2DAssignment``, "default", or ``DetectionKDTreeGNN2D``, "kdtree"), a
``MultiMeasurementInitiator(min_points)`` over the same hypothesiser/associator, and
``CovarianceBasedDeleter``s on the position-covariance trace (thresholds from
``iadsim.tracking.mtt.deletion_thresholds``, the same numbers iadsim uses). The KD-tree's
Euclidean search radius is gate·√(2·max threshold + d σ²), wide enough not to cut the gate.
Both trackers are scored by the same code (iadsim.tracking.metrics, cross-checked against Stone
Soup's OSPAMetric/GOSPAMetric in the unit tests). Timing: ``time.perf_counter`` around each
scan's tracker call (detections pre-built as Stone Soup ``Detection`` objects / NumPy arrays).

Stone Soup's JPDA (``JPDAwithEHM``, the exact JPDA marginals by efficient hypothesis management
over track clusters — the plain ``JPDA`` class enumerates joint hypotheses over all tracks at once
and did not finish 10 scans of the 50-target file in 8 minutes — over a ``PDAHypothesiser`` with the same P_D, clutter density and
gate probability P_G = χ²_d(gate²), ``MultiTargetMixtureTracker``, the same initiator and
deleters) runs beside iadsim's JPDA on the 50-target file.

Each tracker is scored in two conventions (docs/tracking-diagnosis.md):
*causal* — the confirmed tracks each scan, as output at that scan (what C2 would see);
*history* — Stone Soup's metric convention, the one of the reference ``*.result.json`` files:
the full state history of every track confirmed by the end of the run, so that the states of
its tentative phase count too (a track confirmed at its 3rd detection appears from its 1st).

The detection files are read from ``../shared/bench/mtt/`` next to the checkout (override with
``--mtt-dir`` or the environment variable ``IADSIM_MTT_DIR``); generated files go to
``benchmarks/data/``.

Usage: OMP_NUM_THREADS=1 taskset -c 1 python benchmarks/compare_stonesoup.py [--quick]
Writes benchmarks/results/tracking_vs_stonesoup.{json,md}.
"""

from __future__ import annotations

import argparse
import datetime as dtm
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import bench_tracking as bt  # noqa: E402
import gen_mtt  # noqa: E402

from iadsim.tracking.mtt import deletion_thresholds  # noqa: E402

#: Default folder of the public detection files: ``shared/bench/mtt`` beside the checkout.
MTT_DIR_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "bench" / "mtt"
DATA = HERE / "data"

# (file spec, Stone Soup variants with the number of scans to run them for; None = all).
# A str is a public file name in the mtt folder; a tuple (N, dim, sensor[, seed]) a gen_mtt draw.
# Variants: kdtree / default = GNN (KD-tree or plain 2-D assignment), jpda = Stone Soup's JPDA.
PLAN: list[tuple[Any, dict[str, int | None]]] = [
    ("linear_d2_N50_T100_s1", {"kdtree": None, "default": None, "jpda": None}),
    ("ss_linear_d2_N1000_T50_s11_kdtree", {"kdtree": None}),
    ("real_flights_d2_N250_T100_s2", {"kdtree": None}),
    ((50, 2, "linear", 2), {"kdtree": None}),
    ((50, 2, "linear", 3), {"kdtree": None}),
    ((200, 2, "linear"), {"kdtree": None, "default": None}),
    ((200, 2, "linear", 2), {"kdtree": None}),
    ((200, 2, "linear", 3), {"kdtree": None}),
    ((200, 3, "linear"), {"kdtree": None}),
    ((200, 2, "range_bearing"), {"default": 30}),
    ((1000, 2, "linear"), {"kdtree": 15}),
    ((1000, 3, "linear"), {}),
    ((1000, 2, "range_bearing"), {}),
    ((10000, 2, "linear"), {}),
    ((10000, 3, "linear"), {}),
    ((10000, 2, "range_bearing"), {}),
]
#: Files on which the IMM (CV + coordinated turns) is run beside CV.
IMM_FILES = ("real_flights_d2_N250_T100_s2", "linear_d2_N50_T100_s1", "linear_d2_N200_T100_s1")


def mtt_dir(cli: Path | None = None) -> Path:
    """Folder of the public detection files: ``--mtt-dir``, else ``$IADSIM_MTT_DIR``, else
    ``shared/bench/mtt`` beside the checkout."""
    if cli is not None:
        return cli
    env = os.environ.get("IADSIM_MTT_DIR")
    return Path(env) if env else MTT_DIR_DEFAULT


def ensure_file(spec: Any, folder: Path | None = None) -> Path:
    if isinstance(spec, str):
        path = mtt_dir(folder) / f"{spec}.npz"
        if not path.exists():
            raise SystemExit(f"{path}: detection file not found (set --mtt-dir or IADSIM_MTT_DIR)")
        return path
    n, dim, sensor = spec[:3]
    seed = spec[3] if len(spec) > 3 else 1
    name = gen_mtt.file_name(n, 100, dim, sensor, seed)
    path = DATA / f"{name}.npz"
    if not path.exists():
        arrays, side = gen_mtt.generate(n, 100, dim, sensor, seed)
        DATA.mkdir(parents=True, exist_ok=True)
        np.savez(path, **arrays)
        path.with_suffix(".json").write_text(json.dumps(side, indent=1))
    return path


def run_stonesoup(
    arrays: dict[str, np.ndarray], params: dict[str, Any], variant: str, scans: int | None,
    history: list[tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """Run the Stone Soup reference tracker (``variant`` kdtree | default | jpda); returns per
    scan (ids, confirmed states) as output at that scan, and ms per scan. ``history`` (if a list)
    is filled after the loop with every output track's full state history by scan."""
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.dataassociator.tree import DetectionKDTreeGNN2D
    from stonesoup.deleter.error import CovarianceBasedDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.models.measurement.nonlinear import CartesianToBearingRange
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.tracker.simple import MultiTargetMixtureTracker, MultiTargetTracker
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import ExtendedKalmanUpdater, KalmanUpdater

    dim = int(params["dim"])
    T = int(arrays["times_s"].shape[0]) if scans is None else int(scans)
    pos_idx = tuple(2 * i for i in range(dim))
    sig = float(params["sigma"])
    rb = params.get("sensor", "linear") == "range_bearing"
    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(params["q"])] * dim)
    if rb:
        s_xy = np.asarray(params["sensor_xy"], float)
        mm = CartesianToBearingRange(
            ndim_state=4, mapping=pos_idx,
            noise_covar=np.diag([np.deg2rad(params["sigma_bearing_deg"]) ** 2, params["sigma_range"] ** 2]),
            translation_offset=np.array([[s_xy[0]], [s_xy[1]]]))
        updater = ExtendedKalmanUpdater(mm)
    else:
        mm = LinearGaussian(ndim_state=2 * dim, mapping=pos_idx, noise_covar=sig**2 * np.eye(dim))
        updater = KalmanUpdater(mm)
    predictor = KalmanPredictor(transition)
    gate = float(params["gate"])
    hyp = DistanceHypothesiser(predictor, updater, Mahalanobis(), missed_distance=gate)
    conf, tent = deletion_thresholds(dim, params["dt"], params["q"], bt.effective_sigma(params),
                                     params["prior_vel_std"],
                                     int(params["miss_delete"]), int(params["min_points"]))
    if variant in ("kdtree", "jpda"):  # jpda: the initiator's GNN is the KD-tree one
        radius = gate * float(np.sqrt(2.0 * max(conf, tent) + dim * bt.effective_sigma(params) ** 2))

        def assoc() -> Any:
            return DetectionKDTreeGNN2D(hyp, predictor, updater, max_distance=radius)
    else:

        def assoc() -> Any:
            return GNNWith2DAssignment(hyp)
    pv = float(params["prior_vel_std"]) ** 2
    prior = GaussianState(np.zeros((2 * dim, 1)), np.diag([0.0, pv] * dim))
    initiator = MultiMeasurementInitiator(
        prior_state=prior, measurement_model=mm,
        deleter=CovarianceBasedDeleter(covar_trace_thresh=tent, mapping=list(pos_idx)),
        data_associator=assoc(), updater=updater, min_points=int(params["min_points"]))
    deleter = CovarianceBasedDeleter(covar_trace_thresh=conf, mapping=list(pos_idx))
    tracker: Any
    if variant == "jpda":
        from scipy.stats import chi2
        from stonesoup.dataassociator.probability import JPDAwithEHM
        from stonesoup.hypothesiser.probability import PDAHypothesiser

        vol = (2.0 * float(params["half_width"])) ** dim
        pda = PDAHypothesiser(predictor=predictor, updater=updater,
                              clutter_spatial_density=max(float(params["clutter"]), 1e-3) / vol,
                              prob_detect=float(params["pd"]),
                              prob_gate=float(chi2.cdf(gate * gate, dim)))
        tracker = MultiTargetMixtureTracker(initiator=initiator, deleter=deleter, detector=[],
                                            data_associator=JPDAwithEHM(pda), updater=updater)
    else:
        tracker = MultiTargetTracker(initiator=initiator, deleter=deleter, detector=[],
                                     data_associator=assoc(), updater=updater)
    # pre-build Detection objects per scan (not timed)
    t0 = dtm.datetime(2025, 1, 1)
    zs = bt.split_scans(arrays, T)
    scans_in = []
    for k in range(T):
        ts = t0 + dtm.timedelta(seconds=float(arrays["times_s"][k]))
        dets = set()
        for z in zs[k]:
            if rb:
                d = z - s_xy
                sv = np.array([[np.arctan2(d[1], d[0])], [np.hypot(d[0], d[1])]])
            else:
                sv = z.reshape(-1, 1)
            dets.add(Detection(sv, timestamp=ts, measurement_model=mm))
        scans_in.append((ts, dets))
    ms = np.empty(T)
    out = []
    idmap: dict[str, int] = {}
    seen: dict[str, Any] = {}
    for k, (ts, dets) in enumerate(scans_in):
        a = time.perf_counter()
        _, tracks = tracker.update_tracker(ts, dets)
        ms[k] = (time.perf_counter() - a) * 1e3
        tl = list(tracks)
        ids = np.array([idmap.setdefault(t.id, len(idmap)) for t in tl], np.int64)
        xs = np.array([np.asarray(t.state_vector, float).ravel() for t in tl]).reshape(-1, 2 * dim)
        out.append((ids, xs))
        if history is not None:
            seen.update((t.id, t) for t in tl)
    if history is not None:  # Stone Soup's track-history convention (its metric managers')
        kmap = {ts: k for k, (ts, _) in enumerate(scans_in)}
        per: list[list[tuple[int, np.ndarray]]] = [[] for _ in range(T)]
        for tid, trk in seen.items():
            for st in trk.states:
                k = kmap.get(st.timestamp)
                if k is not None:
                    per[k].append((idmap[tid], np.asarray(st.state_vector, float).ravel()))
        history[:] = [(np.array([i for i, _ in p], np.int64),
                       np.array([x for _, x in p]).reshape(-1, 2 * dim)) for p in per]
    return out, ms


def summarise(name: str, tracker: str, tracks: Any, ms: np.ndarray, arrays: Any, params: Any,
              history: Any = None) -> dict:
    """One table row: timing, causal scores, and (``hist_*``) the track-history scores."""
    r = dict(file=name, targets=int(params["targets"]), dim=int(params["dim"]),
             sensor=params.get("sensor", "linear"), tracker=tracker, scans=len(tracks),
             ms_per_scan_median=float(np.median(ms)), ms_per_scan_mean=float(ms.mean()),
             ms_per_scan_max=float(ms.max()))
    r.update(bt.score(tracks, arrays, params))
    if history:
        h = bt.score(history, arrays, params)
        r.update({f"hist_{k}": v for k, v in h.items() if k.startswith("gospa") or k == "track_breaks"})
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N ≤ 250 only")
    ap.add_argument("--no-stonesoup", action="store_true")
    ap.add_argument("--only", default=None, help="run only files whose name contains this text")
    ap.add_argument("--mtt-dir", type=Path, default=None,
                    help="folder of the public detection files (default: $IADSIM_MTT_DIR, else "
                         "shared/bench/mtt beside the checkout)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "tracking_vs_stonesoup")
    a = ap.parse_args()
    import stonesoup

    rows: list[dict] = []

    def emit(row: dict) -> None:
        rows.append(row)
        print(json.dumps(row), flush=True)

    for spec, ss_plan in PLAN:
        if a.quick and not isinstance(spec, str) and spec[0] > 250:
            continue
        if a.quick and isinstance(spec, str) and "N1000" in spec:
            continue
        path = ensure_file(spec, a.mtt_dir)
        if a.only and a.only not in path.name:
            continue
        arrays, params = bt.load(path)
        name = path.name
        big = int(params["targets"]) > 1000
        for assoc in ("gnn", "jpda"):
            hist: list = []
            tr, ms = bt.run_iadsim(arrays, params, assoc, history=None if big else hist)
            emit(summarise(name, f"iadsim-{assoc}", tr, ms, arrays, params, hist))
        if ss_plan:  # exactly the Stone Soup reference configuration (covariance deleters only)
            hist = []
            tr, ms = bt.run_iadsim(arrays, params, "gnn", miss_rule=False, history=hist)
            emit(summarise(name, "iadsim-gnn-ssconfig", tr, ms, arrays, params, hist))
        if path.stem in IMM_FILES:
            hist = []
            tr, ms = bt.run_iadsim(arrays, params, "gnn", motion="imm", history=hist)
            emit(summarise(name, "iadsim-gnn-imm", tr, ms, arrays, params, hist))
        if params.get("sensor") == "range_bearing":  # thresholds from each detection's R
            tr, ms = bt.run_iadsim(arrays, params, "gnn", thresholds="per-track")
            emit(summarise(name, "iadsim-gnn-pertrack", tr, ms, arrays, params))
        if a.no_stonesoup:
            continue
        for variant, scans in ss_plan.items():
            if scans is not None:  # iadsim on the same truncated scans, for a like-for-like GOSPA
                tr, ms = bt.run_iadsim(arrays, params, "gnn", scans)
                emit(summarise(name, "iadsim-gnn", tr, ms, arrays, params))
            hist = []
            tr, ms = run_stonesoup(arrays, params, variant, scans, history=hist)
            emit(summarise(name, f"stonesoup-{variant}", tr, ms, arrays, params, hist))
    meta = dict(
        date=dtm.datetime.now(dtm.timezone.utc).isoformat(timespec="seconds"),
        stonesoup=stonesoup.__version__, numpy=np.__version__, python=platform.python_version(),
        cpu=platform.processor() or platform.machine(),
        threads=dict((k, os.environ.get(k)) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")),
        affinity=sorted(os.sched_getaffinity(0)),
        loadavg_end=os.getloadavg(),
        git=subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                           cwd=HERE).stdout.strip(),
    )
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.with_suffix(".json").write_text(json.dumps(dict(meta=meta, rows=rows), indent=1))
    a.out.with_suffix(".md").write_text(markdown(rows, meta))
    print(markdown(rows, meta))


def markdown(rows: list[dict], meta: dict) -> str:
    head = ("| file | N | d | sensor | tracker | scans | ms/scan median | ms/scan max | GOSPA causal "
            "(loc / missed / false) | GOSPA history (loc / missed / false) | OSPA | track ids | "
            "id switches | track breaks | GOSPA ÷ SS KD-tree (causal / history) | speed-up vs SS KD-tree |\n"
            "|---|---:|---:|---|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|\n")
    ref = {(r["file"], r["scans"]): r for r in rows if r["tracker"] == "stonesoup-kdtree"}
    lines = []
    for r in rows:
        sp = ref.get((r["file"], r["scans"]))
        is_i = r["tracker"].startswith("iadsim")
        spd = f"{sp['ms_per_scan_median'] / r['ms_per_scan_median']:.0f}×" if sp and is_i else ""
        hist = (f"{r['hist_gospa_mean']:.0f} ({r['hist_gospa_localisation_mean']:.0f} / "
                f"{r['hist_gospa_missed_mean']:.0f} / {r['hist_gospa_false_mean']:.0f})"
                if "hist_gospa_mean" in r else "")
        ratio = ""
        if sp and is_i:
            ratio = f"{r['gospa_mean'] / sp['gospa_mean']:.3f}"
            if "hist_gospa_mean" in r and "hist_gospa_mean" in sp:
                ratio += f" / {r['hist_gospa_mean'] / sp['hist_gospa_mean']:.3f}"
        lines.append(
            f"| {r['file']} | {r['targets']} | {r['dim']} | {r['sensor']} | {r['tracker']} | {r['scans']} | "
            f"{r['ms_per_scan_median']:.2f} | {r['ms_per_scan_max']:.2f} | {r['gospa_mean']:.0f} "
            f"({r['gospa_localisation_mean']:.0f} / {r['gospa_missed_mean']:.0f} / {r['gospa_false_mean']:.0f}) | "
            f"{hist} | {r['ospa_mean']:.2f} | {r['n_track_ids']} | {r['id_switches']} | {r['track_breaks']} | "
            f"{ratio} | {spd} |")
    foot = (f"\nOne core (`taskset` {meta['affinity']}, BLAS threads {meta['threads']}), "
            f"Stone Soup {meta['stonesoup']}, NumPy {meta['numpy']}, Python {meta['python']}, "
            f"git {meta['git']}, {meta['date']}; load average at end {tuple(round(x, 2) for x in meta['loadavg_end'])} "
            "(a shared machine: timings may be pessimistic for both trackers). "
            "GOSPA: c = the sidecar's cutoff, p = 1, α = 2, position only; mean over scans. "
            "*causal*: confirmed tracks as output at each scan; *history*: Stone Soup's track-history "
            "convention (the reference result files'), see docs/tracking-diagnosis.md. "
            "`iadsim-gnn`: the sidecar's covariance deleters plus deletion after the sidecar's "
            "`miss_delete` consecutive misses; `-ssconfig`: covariance deleters only, exactly the Stone "
            "Soup configuration; `-imm`: CV + coordinated turns at ±3°/s. Timing: tracker loop only. "
            "Speed-up = Stone Soup KD-tree GNN median ms/scan ÷ this row's, on the same scans (for the "
            "jpda rows that compares a different algorithm). Where Stone Soup ran fewer scans, iadsim "
            "has an extra row on the same truncated scans. Range-bearing: Stone Soup EKF vs iadsim "
            "converted measurements; `-pertrack` = deletion thresholds from each detection's R.\n")
    return head + "\n".join(lines) + "\n" + foot


if __name__ == "__main__":
    main()
