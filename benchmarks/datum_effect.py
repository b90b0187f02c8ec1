"""Effect of the one height datum on turkey-2017 (issue 8, item 1): low fliers near Mürted.

For the raid ``cruise-missiles-ankara`` (8 cruise missiles flying to Ankara past the Mürted
S-400 sites): the slant range of each missile's first detection by a Mürted radar, and the ground
range from the killing fire unit of each intercept, over several seeds. Uses only the public API
and the events, so the same script measures an older checkout (``PYTHONPATH=<old>/src``).

    python benchmarks/datum_effect.py [--seeds 5] [--label after] [--out benchmarks/results/datum_effect.json]

The JSON file keeps one entry per label (``before`` / ``after``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import iadsim
from iadsim.geo.frames import geodetic_to_ecef

RAID = "cruise-missiles-ankara"


def measure(seed: int) -> dict[str, list[float]]:
    sc = iadsim.load_scenario("turkey-2017")
    res = iadsim.simulate(sc, seed=seed)
    ev = res.events
    counts = [r.count for r in sc.raids]
    ri = [r.name for r in sc.raids].index(RAID)
    lo = int(np.sum(counts[:ri]))
    mine = set(range(lo, lo + counts[ri]))
    murted = [i for i, s in enumerate(sc.sites) if s.name.startswith("murted")]
    kind = ev["kind"].to_numpy(zero_copy_only=False)
    thr = ev["threat"].to_numpy()
    site = ev["site"].to_numpy()
    rng = ev["range_m"].to_numpy()
    first: dict[int, float] = {}
    for k in np.flatnonzero((kind == "Detection") & np.isin(site, murted) & np.isin(thr, list(mine))):
        first.setdefault(int(thr[k]), float(rng[k]))
    fu_site = {}
    for i, s in enumerate(sc.sites):
        for _ in s.fire_units:
            fu_site[len(fu_site)] = i
    xyz = np.stack([ev[c].to_numpy() for c in ("x_m", "y_m", "z_m")], axis=1)
    fu = ev["fire_unit"].to_numpy()
    eng = []
    for k in np.flatnonzero((kind == "Intercept") & np.isin(thr, list(mine))):
        s = sc.sites[fu_site[int(fu[k])]]
        p0 = geodetic_to_ecef(np.radians(s.lat_deg), np.radians(s.lon_deg), 0.0).reshape(3)
        eng.append(float(np.linalg.norm(xyz[k] - p0)))
    return {"first_detection_km": [v / 1e3 for v in first.values()], "intercept_range_km": [v / 1e3 for v in eng]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--label", default="after")
    ap.add_argument("--out", default="benchmarks/results/datum_effect.json")
    a = ap.parse_args()
    det: list[float] = []
    eng: list[float] = []
    for seed in range(2017, 2017 + a.seeds):
        m = measure(seed)
        det += m["first_detection_km"]
        eng += m["intercept_range_km"]
    q = lambda xs: {"n": len(xs), "min": round(min(xs), 1), "median": round(float(np.median(xs)), 1), "max": round(max(xs), 1)} if xs else {"n": 0}  # noqa: E731
    entry = {"seeds": list(range(2017, 2017 + a.seeds)), "raid": RAID,
             "first_detection_by_murted_km": q(det), "intercept_range_km": q(eng)}  # fmt: skip
    out = Path(a.out)
    doc = json.loads(out.read_text()) if out.exists() else {}
    doc[a.label] = entry
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps({a.label: entry}, indent=2))


if __name__ == "__main__":
    main()
