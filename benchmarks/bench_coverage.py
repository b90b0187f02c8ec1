"""Coverage and siting benchmark (not a test): ``python benchmarks/bench_coverage.py``.

Measures, on one core (OMP/OPENBLAS/MKL threads pinned to 1 before NumPy is imported):

1. detection + engagement coverage of 10⁶ grid cells × 10 sites at one altitude, smooth Earth
   (target: ≤ 1 s), against a straightforward reference implementation — per (cell, radar) pair
   geodetic→ECEF, ENU rotation, slant range and refracted elevation (``iadsim.sensors.radar``,
   the engine's own model), run on a subset and extrapolated — with the agreement of both;
2. the cost of terrain masking with a DEM (synthetic hills, 0.01° pixels), per cell × radar and per
   ray sample;
3. exact siting of k = 4 S-400 batteries among ~500 candidates over Turkey (HiGHS MILP, target
   ≤ 30 s) at several demand-grid resolutions, with greedy for comparison.

The issue names AGI/Ansys STK as the peer for coverage grids: STK is commercial, Windows-only
software that cannot be installed or run here, so no STK timing is reported. Results are written to
``benchmarks/results/coverage.json``.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_v] = "1"

import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import numpy as np  # noqa: E402

from iadsim.analysis.coverage import detection_mask, engagement_mask, make_grid  # noqa: E402
from iadsim.geo.frames import geodetic_to_ecef  # noqa: E402
from iadsim.geo.terrain import Dem  # noqa: E402
from iadsim.sensors import radar as rd  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "coverage.json"


def timed(fn, repeat: int = 5):
    ts = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return out, min(ts), statistics.median(ts)


def ten_sites(rng: np.random.Generator) -> tuple[rd.RadarArrays, SimpleNamespace]:
    lat = rng.uniform(37.0, 41.0, 10)
    lon = rng.uniform(28.0, 42.0, 10)
    fov = np.where(np.arange(10) % 3 == 0, 120.0, 360.0)  # some sector radars
    radars = rd.RadarArrays.from_columns(
        lat_rad=np.radians(lat), lon_rad=np.radians(lon), alt_m=rng.uniform(5, 30, 10),
        ref_range_m=rng.uniform(100e3, 400e3, 10), ref_rcs_m2=1.0, ref_pd=0.5, pfa=1e-6,
        revisit_s=10.0, sigma_range_m=50.0, sigma_az_rad=1e-3, sigma_el_rad=1e-3,
        max_range_m=450e3, max_alt_m=30e3, min_elevation_rad=0.0,
        half_width_az_rad=np.radians(fov) / 2, boresight_az_rad=rng.uniform(0, 2 * np.pi, 10),
    )
    units = SimpleNamespace(
        lat_rad=radars.lat_rad, lon_rad=radars.lon_rad, alt_m=np.zeros(10), site_index=np.arange(10),
        min_range_m=np.full(10, 3e3), max_range_m=rng.uniform(40e3, 250e3, 10),
        min_alt_m=np.full(10, 10.0), max_alt_m=np.full(10, 27e3), cue_mask=np.eye(10, dtype=bool),
    )
    return radars, units


def bench_grid(res: dict) -> None:
    rng = np.random.default_rng(42)
    radars, units = ten_sites(rng)
    t0 = time.perf_counter()
    grid = make_grid((26.0, 36.0, 45.0, 42.0), 1040.0)  # ≈ 10⁶ cells over Turkey's box
    t_grid = time.perf_counter() - t0
    alt = 3000.0

    def fast():
        det = detection_mask(radars, grid, alt, 1.0)
        eng = engagement_mask(units, det, grid, alt)
        return det, eng

    (det, eng), best, med = timed(fast, 5)
    det_only, best_det, _ = timed(lambda: detection_mask(radars, grid, alt, 1.0), 5)

    # reference: per-pair ECEF/ENU geometry and Swerling Pd from the engine's radar model, on a
    # random subset of cells, extrapolated linearly to all cells
    sub = rng.choice(grid.n, 20_000, replace=False)

    def reference():
        ecef = geodetic_to_ecef(grid.lat_rad[sub], grid.lon_rad[sub], np.full(sub.size, alt)).reshape(-1, 3)
        geom = rd.geometry(radars, ecef, np.full(sub.size, alt))
        return (rd.detection_probability(radars, geom, np.full(sub.size, 1.0)) >= 0.5).T

    ref_mask, ref_best, _ = timed(reference, 3)
    agree = float((ref_mask == det_only[sub]).mean())
    res["grid_1e6_x_10"] = {
        "cells": grid.n,
        "sites": 10,
        "altitude_m": alt,
        "grid_build_s": round(t_grid, 3),
        "detection_s_best": round(best_det, 3),
        "detection_plus_engagement_s_best": round(best, 3),
        "detection_plus_engagement_s_median": round(med, 3),
        "covered_cells_detection": int(det.any(axis=1).sum()),
        "covered_cells_engagement": int(eng.any(axis=1).sum()),
        "reference_per_pair_enu_s_for_20000_cells": round(ref_best, 3),
        "reference_extrapolated_s_for_all_cells": round(ref_best * grid.n / sub.size, 2),
        "speedup_vs_reference": round(ref_best * grid.n / sub.size / best_det, 1),
        "agreement_with_reference": round(agree, 5),
    }
    print(json.dumps(res["grid_1e6_x_10"], indent=1), flush=True)


def bench_dem(res: dict) -> None:
    rng = np.random.default_rng(7)
    # synthetic hills: sum of Gaussians on a 0.01° (~1.1 km) raster covering 30–36°E, 37–41°N
    h, w = 400, 600
    yy, xx = np.mgrid[0:h, 0:w]
    z = np.zeros((h, w))
    for _ in range(60):
        cy, cx, s, a = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(5, 30), rng.uniform(200, 2500)
        z += a * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    dem = Dem(heights_m=z, lon0_deg=30.005, lat0_deg=40.995, dlon_deg=0.01, dlat_deg=-0.01, path="synthetic")
    radars = rd.RadarArrays.from_columns(
        lat_rad=np.radians([38.5, 39.5]), lon_rad=np.radians([32.0, 34.5]), alt_m=[3000.0, 3000.0],
        ref_range_m=150e3, ref_rcs_m2=1.0, ref_pd=0.5, revisit_s=10.0, sigma_range_m=50.0,
        sigma_az_rad=1e-3, sigma_el_rad=1e-3, min_elevation_rad=math.radians(-2.0),
    )
    grid = make_grid((30.2, 37.2, 35.8, 40.8), 4000.0)
    alt = 3000.0
    smooth = detection_mask(radars, grid, alt, 1.0)
    pairs = int(smooth.sum())
    out = {}
    for step in (1100.0, 500.0):
        masked, best, _ = timed(lambda s=step: detection_mask(radars, grid, alt, 1.0, dem=dem, los_step_m=s), 2)
        # ray samples: Σ over (cell, radar) pairs in range of ground distance / step
        su = np.stack([np.cos(radars.lat_rad) * np.cos(radars.lon_rad), np.cos(radars.lat_rad) * np.sin(radars.lon_rad), np.sin(radars.lat_rad)], 1)
        d = np.arccos(np.clip(grid.unit @ su.T, -1, 1)) * 6_371_000.0
        samples = float((d[smooth] / step).sum())
        out[f"step_{int(step)}m"] = {
            "seconds": round(best, 3),
            "cell_radar_pairs_in_range": pairs,
            "ray_samples": int(samples),
            "us_per_pair": round(1e6 * best / max(pairs, 1), 2),
            "ns_per_sample": round(1e9 * best / max(samples, 1), 1),
            "pairs_masked_by_terrain": int((smooth & ~masked).sum()),
        }
    _, t_smooth, _ = timed(lambda: detection_mask(radars, grid, alt, 1.0), 5)
    res["dem"] = {"cells": grid.n, "radars": 2, "dem_pixels": h * w, "smooth_s": round(t_smooth, 4), **out}
    print(json.dumps(res["dem"], indent=1), flush=True)


def bench_siting(res: dict) -> None:
    from iadsim.analysis.cli import run_siting

    rows = []
    for reso in (20.0, 15.0, 10.0):
        t0 = time.perf_counter()
        d = run_siting("turkey-2017", system="s400", k=4, altitude_m=10_000.0, resolution_km=reso,
                       n_candidates=500, show_progress=False, time_limit_s=60.0)
        e, g = d["methods"]["exact"], d["methods"]["greedy"]
        rows.append({
            "demand_resolution_km": reso, "demand_points": d["meta"]["demand_points"],
            "candidates": d["meta"]["candidates"], "k": 4,
            "coverage_matrix_s": d["meta"]["coverage_matrix_s"],
            "exact_s": e["runtime_s"], "exact_status": e["status"], "exact_gap": e["gap"],
            "exact_pct": e["pct_total"], "greedy_s": g["runtime_s"], "greedy_pct": g["pct_total"],
            "total_s": round(time.perf_counter() - t0, 2),
        })
        print(json.dumps(rows[-1]), flush=True)
    res["siting_k4_s400_turkey_10km_altitude"] = rows


def main() -> None:
    res: dict = {
        "machine": {
            "python": sys.version.split()[0], "numpy": np.__version__, "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(), "threads_pinned": 1,
            "cpu_count": os.cpu_count(),
        },
        "peer": "STK (AGI/Ansys) not available here (commercial, Windows); compared against a per-pair ECEF/ENU reference implementation instead",
    }
    which = set(sys.argv[1:]) or {"grid", "dem", "siting"}
    if "grid" in which:
        bench_grid(res)
    if "dem" in which:
        bench_dem(res)
    if "siting" in which:
        bench_siting(res)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    old.update(res)
    RESULTS.write_text(json.dumps(old, indent=1) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
