"""Generate multi-target-tracking detection files in the format of ``shared/bench/mtt/FORMAT.md``.

``<name>.npz`` (times_s, truth, det_scan, det_truth, det_z) + ``<name>.json`` (params).
Deterministic by seed (numpy PCG64 from ``SeedSequence(seed)``).

Truth: N nearly-constant-velocity targets (white-noise acceleration, intensity ``q``), initial
positions N(0, pos_std²) per axis, velocities N(0, vel_std²); all targets exist in every scan.
Sensor ``linear``: each target detected with probability ``pd``, position + N(0, σ² I).
Sensor ``range_bearing`` (2-D only): a radar at ``sensor_xy`` measures range and bearing
(θ = atan2(Δy, Δx)) with noise σ_r, σ_θ; ``det_z`` holds the converted position
s + r (cos θ, sin θ), so a tracker recovers (r, θ) exactly from ``det_z`` and ``sensor_xy``.
Clutter: Poisson(``clutter``) false alarms per scan, uniform over the square/cube of half-width
``half_width`` (for 3-D, the cube [−hw, hw]³).

Scaling with N (``--scale density``, the default): pos_std, half_width ∝ (N/50)^(1/d) and the
clutter count ∝ N, so target and clutter densities stay those of the bundled N = 50 file.

Usage: python benchmarks/gen_mtt.py --targets 200 [--dim 3] [--sensor range_bearing]
       [--scans 100] [--seed 1] [--out benchmarks/data]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

BASE = dict(
    dt=1.0, q=1.0, sigma=20.0, sigma_range=20.0, sigma_bearing_deg=0.1, pos_std=3000.0,
    vel_std=30.0, half_width=10000.0, pd=0.9, clutter=10.0, gate=3.0, min_points=3,
    miss_delete=5, prior_vel_std=50.0, cutoff=100.0,
)


def generate(targets: int, scans: int, dim: int, sensor: str, seed: int) -> tuple[dict, dict]:
    """Return (arrays, sidecar dict). State order in ``truth``: x, vx, y, vy[, z, vz]."""
    if sensor == "range_bearing" and dim != 2:
        raise SystemExit("range_bearing sensor is 2-D only")
    p = dict(BASE)
    s = (targets / 50.0) ** (1.0 / dim)
    p["pos_std"] = BASE["pos_std"] * s
    p["half_width"] = BASE["half_width"] * s
    p["clutter"] = BASE["clutter"] * targets / 50.0
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    dt, q = p["dt"], p["q"]
    # per-axis CV: [pos, vel], Q = q [[dt³/3, dt²/2], [dt²/2, dt]]
    F1 = np.array([[1.0, dt], [0.0, 1.0]])
    L1 = np.linalg.cholesky(q * np.array([[dt**3 / 3, dt**2 / 2], [dt**2 / 2, dt]]))
    x = np.empty((targets, dim, 2))
    x[..., 0] = rng.normal(0.0, p["pos_std"], (targets, dim))
    x[..., 1] = rng.normal(0.0, p["vel_std"], (targets, dim))
    truth = np.empty((scans, targets, 2 * dim))
    dz, ds, dtr = [], [], []
    sensor_xy = np.array([0.0, -1.5 * p["half_width"]])
    hw = p["half_width"]
    for k in range(scans):
        if k:
            x = x @ F1.T + rng.normal(size=(targets, dim, 2)) @ L1.T
        truth[k] = x.reshape(targets, 2 * dim)
        det = rng.uniform(size=targets) < p["pd"]
        pos = x[det, :, 0]
        if sensor == "linear":
            z = pos + rng.normal(0.0, p["sigma"], pos.shape)
        else:
            d = pos - sensor_xy
            r = np.hypot(d[:, 0], d[:, 1]) + rng.normal(0.0, p["sigma_range"], len(d))
            th = np.arctan2(d[:, 1], d[:, 0]) + rng.normal(0.0, np.deg2rad(p["sigma_bearing_deg"]), len(d))
            z = sensor_xy + r[:, None] * np.stack([np.cos(th), np.sin(th)], axis=1)
        nc = rng.poisson(p["clutter"])
        zc = rng.uniform(-hw, hw, (nc, dim))
        zz = np.concatenate([z, zc])
        lab = np.concatenate([np.nonzero(det)[0], -np.ones(nc, np.int64)])
        perm = rng.permutation(len(zz))
        dz.append(zz[perm])
        dtr.append(lab[perm])
        ds.append(np.full(len(zz), k))
    arrays = dict(
        times_s=np.arange(scans) * dt,
        truth=truth,
        det_scan=np.concatenate(ds).astype(np.int32),
        det_truth=np.concatenate(dtr).astype(np.int32),
        det_z=np.concatenate(dz).astype(np.float64),
    )
    params = dict(targets=targets, scans=scans, dim=dim, sensor=sensor, seed=seed, **p)
    if sensor == "range_bearing":
        params["sensor_xy"] = sensor_xy.tolist()
    side = dict(
        scenario="mtt_linear_cv" if sensor == "linear" else "mtt_range_bearing_cv",
        params=params,
        state_order="x,vx,y,vy[,z,vz]",
        measurement="position x,y[,z] [m]" + (
            " (converted from range/bearing at sensor_xy)" if sensor != "linear" else ""),
        n_detections=int(arrays["det_z"].shape[0]),
        n_clutter=int(np.sum(arrays["det_truth"] < 0)),
    )
    return arrays, side


def file_name(targets: int, scans: int, dim: int, sensor: str, seed: int) -> str:
    tag = "linear" if sensor == "linear" else "rb"
    return f"{tag}_d{dim}_N{targets}_T{scans}_s{seed}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=int, required=True)
    ap.add_argument("--scans", type=int, default=100)
    ap.add_argument("--dim", type=int, choices=(2, 3), default=2)
    ap.add_argument("--sensor", choices=("linear", "range_bearing"), default="linear")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    a = ap.parse_args()
    arrays, side = generate(a.targets, a.scans, a.dim, a.sensor, a.seed)
    a.out.mkdir(parents=True, exist_ok=True)
    name = file_name(a.targets, a.scans, a.dim, a.sensor, a.seed)
    np.savez(a.out / f"{name}.npz", **arrays)
    (a.out / f"{name}.json").write_text(json.dumps(side, indent=1))
    print(a.out / f"{name}.npz")


if __name__ == "__main__":
    main()
