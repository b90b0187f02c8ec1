"""``iadsim coverage`` and ``iadsim site``: coverage maps and battery siting from the command line.

:func:`register` adds both commands to the main typer app (``iadsim.cli``). User errors raise
:class:`~iadsim.errors.IadsimError` subclasses, which become one message and exit code 2.
"""

from __future__ import annotations

import csv
import json
import math
import time
from pathlib import Path
from typing import Any, Optional

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from iadsim.cli_errors import err, user_errors
from iadsim.errors import InputError
from iadsim.feedback import Feedback
from iadsim.results.atomic import atomic_output, prepare_output, write_marker_manifest

__all__ = ["register", "run_coverage", "run_siting", "parse_floats"]

out = Console()

NOTIONAL = (
    "Notional: every system parameter is a public-source estimate (see `iadsim catalog`); "
    "not an assessment of any real deployment."
)



def parse_floats(text: str, what: str, *, positive: bool = False) -> list[float]:
    """``"100,1000,1e4"`` → floats; :class:`InputError` naming the option on bad input."""
    try:
        vals = [float(p) for p in str(text).replace(" ", "").split(",") if p != ""]
    except ValueError:
        raise InputError(f"{what} must be comma-separated numbers (got {text!r})") from None
    if not vals or not all(math.isfinite(v) for v in vals):
        raise InputError(f"{what} must be comma-separated numbers (got {text!r})")
    if positive and any(v <= 0 for v in vals):
        raise InputError(f"{what} must be positive (got {text!r})")
    return vals


def _altitude_ref(ref: str, dem: Any) -> str:
    ref = ref.lower()
    if ref == "auto":
        return "msl" if dem is not None else "agl"
    if ref not in ("msl", "agl"):
        raise InputError(f"--altitude-ref must be auto, msl or agl (got {ref!r})")
    if ref == "agl" and dem is not None:
        raise InputError(
            "--altitude-ref agl cannot be combined with a DEM (--dem, or the scenario's fidelity.dem_path): "
            "with a DEM altitudes are above sea level"
        )
    return ref


def _scenario_dem(scenario: Any) -> Any:
    """The scenario's own DEM (``fidelity.terrain: dem``), or None."""
    if scenario.fidelity.terrain != "dem" or not scenario.fidelity.dem_path:
        return None
    from iadsim.geo.terrain import load_dem

    return load_dem(scenario.fidelity.dem_path)


def _slug(x: float) -> str:
    return f"{x:g}".replace(".", "p").replace("-", "m")


# ------------------------------------------------------------------------------------ coverage
def run_coverage(
    scenario_ref: str,
    *,
    altitudes_m: list[float],
    rcs_m2: list[float],
    country: str | None = None,
    bbox: str | None = None,
    resolution_km: float = 5.0,
    pd_threshold: float = 0.5,
    dem_path: str | None = None,
    los_step_m: float | None = None,
    altitude_ref: str = "auto",
    sites: list[str] | None = None,
    out_dir: str | Path | None = None,
    maps: bool = True,
    geojson: bool = True,
    show_progress: bool = True,
    overwrite: bool = False,
    margin_km: float = 50.0,
    clip_land: bool = False,
) -> dict[str, Any]:
    """Compute coverage of a scenario and write maps, GeoJSON and tables.

    A country (polygon) region is computed on its bounding box widened by ``margin_km`` so the
    coverage over the sea and the neighbours is drawn (maps) and written (GeoJSON); the table's
    km² and % count the country's cells only (unchanged by the margin). ``clip_land`` draws the
    maps' coverage over land only.

    Returns the JSON document also written to ``out_dir/coverage.json``: ``meta`` and ``rows``
    (see :func:`iadsim.analysis.coverage.coverage_table`). ``out_dir`` is checked before the
    computation and written atomically (:mod:`iadsim.results.atomic`): every file goes into a
    temporary directory that replaces ``out_dir`` in one step, and only a previous iadsim result
    (or anything, with ``overwrite``) is replaced.
    """
    from iadsim.analysis.coverage import (
        compute_coverage,
        coverage_table,
        make_grid,
        resolve_region,
        select_sites,
        world_arrays,
    )
    from iadsim.geo.borders import geodesic_area_m2
    from iadsim.scenario.load import load_scenario

    if not (resolution_km > 0 and math.isfinite(resolution_km)):
        raise InputError(f"--resolution-km must be positive (got {resolution_km})")
    if not (margin_km >= 0 and math.isfinite(margin_km)):
        raise InputError(f"--margin-km must be zero or positive (got {margin_km})")
    if out_dir is not None:
        prepare_output(out_dir, overwrite=overwrite)
    dem = None
    if dem_path:
        from iadsim.geo.terrain import load_dem

        dem = load_dem(dem_path)
    scenario = select_sites(load_scenario(scenario_ref), sites)
    dem = dem if dem is not None else _scenario_dem(scenario)
    ref = _altitude_ref(altitude_ref, dem)
    region, region_name, outline = resolve_region(scenario, country, bbox)
    grid = make_grid(region, resolution_km * 1000.0, margin_m=margin_km * 1000.0)
    radars, units, site_names = world_arrays(scenario, ref, dem)
    t0 = time.perf_counter()
    fb = Feedback(err, enabled=show_progress)
    with fb.phase("coverage", total=len(altitudes_m) * len(rcs_m2), unit="layers") as ph:
        res = compute_coverage(
            radars, units, grid, altitudes_m, rcs_m2, site_names=site_names, pd_threshold=pd_threshold,
            dem=dem, los_step_m=los_step_m,
            progress=lambda d, t, lbl: ph.update(d, label=f"coverage {lbl}"),
        )
    elapsed = time.perf_counter() - t0
    rows = coverage_table(res)
    meta = {
        "scenario": scenario.name,
        "region": region_name,
        "region_area_km2_grid": round(grid.region_area_m2 / 1e6, 1),
        "region_area_km2_geodesic": round(geodesic_area_m2(outline) / 1e6, 1),
        "resolution_km": resolution_km,
        "cells": grid.n,
        "cells_in_region": int(grid.region_mask.sum()),
        "grid_bbox_deg": [round(v, 4) for v in grid.bbox_deg],
        "grid_margin_km": margin_km if grid.in_region is not None else 0.0,
        "maps_clipped_to_land": bool(clip_land),
        "pd_threshold": pd_threshold,
        "altitude_reference": ref,
        "terrain": f"dem:{dem.path}" if dem is not None else "smooth 4/3 Earth",
        "sites": site_names,
        "compute_s": round(elapsed, 3),
        "notional": NOTIONAL,
    }
    doc = {"meta": meta, "rows": rows}
    if out_dir is not None:
        with fb.phase("writing coverage maps", total=len(res.layers), unit="layers") as ph, atomic_output(out_dir, overwrite=overwrite) as od:
            _write_coverage_files(od, doc, res, rows, grid, outline, scenario, region_name, ref, pd_threshold, resolution_km, meta, maps, geojson, ph,
                                  clip_land=clip_land)  # fmt: skip
    return doc


def _write_coverage_files(od: Path, doc: dict[str, Any], res: Any, rows: list[dict[str, Any]], grid: Any, outline: Any,
                          scenario: Any, region_name: str, ref: str, pd_threshold: float, resolution_km: float,
                          meta: dict[str, Any], maps: bool, geojson: bool, ph: Any, clip_land: bool = False) -> None:  # fmt: skip
    """Every coverage file into ``od`` (a temporary directory of :func:`atomic_output`)."""
    from iadsim.analysis.coverage import mask_to_geometry

    write_marker_manifest(od, "coverage", {"meta": meta})
    _write_json(od / "coverage.json", doc)
    _write_csv(od / "coverage.csv", rows)
    sites_ll = [(s.name, s.lat_deg, s.lon_deg) for s in scenario.sites]
    for n_done, lay in enumerate(res.layers):
        ph.update(n_done)
        tag = f"alt{_slug(lay.alt_m)}m_rcs{_slug(lay.rcs_m2)}m2"
        dl, el = lay.det_layers, lay.eng_layers
        comp = {r["kind"]: r for r in rows if r["site"] == "composite" and r["alt_m"] == lay.alt_m and r["rcs_m2"] == lay.rcs_m2}
        if geojson:
            feats = []
            for kind, mask in (("detection", dl > 0), ("engagement", el > 0)):
                feats.append(_feature(mask_to_geometry(grid, mask), {"kind": kind, "layers": ">=1", **_props(lay, comp.get(kind))}))
            for nlay in range(2, int(el.max(initial=0)) + 1):
                feats.append(_feature(mask_to_geometry(grid, el >= nlay), {"kind": "engagement", "layers": f">={nlay}", **_props(lay, None)}))
            _write_json(od / f"coverage_{tag}.geojson", {"type": "FeatureCollection", "features": feats, "properties": meta})
        if maps:
            from iadsim.report.maps import plot_coverage_map

            c_det = comp.get("detection", {}).get("pct_region", 0.0)
            c_eng = comp.get("engagement", {}).get("pct_region", 0.0)
            plot_coverage_map(
                od / f"coverage_{tag}.png", grid=grid, det_layers=dl, eng_layers=el, region_geom=outline,
                sites=sites_ll, assets=_assets_ll(scenario), raid_axes=_raid_axes(scenario), clip_to_land=clip_land,
                title=f"{scenario.name}: coverage of {region_name} at {lay.alt_m:g} m ({ref.upper()}), RCS {lay.rcs_m2:g} m²",
                subtitle=f"detection (Pd ≥ {pd_threshold:g}) {c_det:.1f} % · engagement {c_eng:.1f} % of the region · {resolution_km:g} km cells",
            )


def _assets_ll(scenario: Any) -> list[tuple[str, float, float, float]]:
    """Defended assets for the maps: (name, lat, lon, value)."""
    return [(a.name, a.lat_deg, a.lon_deg, a.value) for a in scenario.assets]


def _raid_axes(scenario: Any) -> list[tuple[str, np.ndarray]]:
    """Raid axes for the maps: launch point → waypoints → target asset, (K, 2) lon/lat."""
    at = {a.name: (a.lon_deg, a.lat_deg) for a in scenario.assets}
    out = []
    for r in scenario.raids:
        pts = [(r.launch.lon_deg, r.launch.lat_deg)] + [(w.lon_deg, w.lat_deg) for w in r.route] + ([at[r.target]] if r.target in at else [])
        out.append((r.name, np.array(pts, float)))
    return out


def _props(lay: Any, row: dict[str, Any] | None) -> dict[str, Any]:
    p: dict[str, Any] = {"alt_m": lay.alt_m, "rcs_m2": lay.rcs_m2}
    if row is not None:
        p.update(area_km2=row["area_km2"], pct_region=row["pct_region"])
    return p


def _feature(geom: Any, props: dict[str, Any]) -> dict[str, Any]:
    import shapely

    return {"type": "Feature", "geometry": json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-5))), "properties": props}


def _write_json(path: Path, doc: Any) -> None:
    """Write JSON (inside an :func:`atomic_output` directory: the whole directory is atomic)."""
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        if rows:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)


def _print_coverage(doc: dict[str, Any]) -> None:
    m = doc["meta"]
    t = Table(title=f"Coverage of {m['region']} — {m['scenario']} ({m['cells']} cells of {m['resolution_km']:g} km, "
                    f"altitudes {m['altitude_reference'].upper()}, Pd ≥ {m['pd_threshold']:g})", title_justify="left")
    for c in ("alt m", "RCS m²", "site", "det km²", "det %", "eng km²", "eng %", "layers"):
        if c == "site":
            t.add_column(c, justify="left", overflow="fold")
        else:
            t.add_column(c, justify="right", no_wrap=True, min_width=len(c))
    det = {(r["alt_m"], r["rcs_m2"], r["site"]): r for r in doc["rows"] if r["kind"] == "detection"}
    eng = {(r["alt_m"], r["rcs_m2"], r["site"]): r for r in doc["rows"] if r["kind"] == "engagement"}
    for key, d in det.items():
        e = eng.get(key, {"area_km2": 0.0, "pct_region": 0.0, "max_layers": 0})
        name = f"[b]{key[2]}[/]" if key[2] == "composite" else key[2]
        t.add_row(f"{key[0]:g}", f"{key[1]:g}", name, f"{d['area_km2']:,.0f}", f"{d['pct_region']:.1f}",
                  f"{e['area_km2']:,.0f}", f"{e['pct_region']:.1f}", str(e["max_layers"]))
    out.print(t)
    out.print(f"[dim]{NOTIONAL}[/]")


# --------------------------------------------------------------------------------------- siting
def _read_candidates(path: str) -> list[tuple[str, float, float]]:
    """Candidate sites from a CSV (``lat_deg,lon_deg[,name]`` with header) or YAML list."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"--candidates: file not found: {p} (or use --candidates grid)")
    rows: list[tuple[str, float, float]] = []
    try:
        if p.suffix.lower() in (".yaml", ".yml", ".json"):
            from ruamel.yaml import YAML

            data = YAML(typ="safe").load(p.read_text(encoding="utf-8"))
            items = data.get("candidates", data.get("sites")) if isinstance(data, dict) else data
            for i, it in enumerate(items or []):
                rows.append((str(it.get("name", f"cand-{i}")), float(it["lat_deg"]), float(it["lon_deg"])))
        else:
            with p.open(newline="", encoding="utf-8") as f:
                for i, r in enumerate(csv.DictReader(f)):
                    rows.append((str(r.get("name") or f"cand-{i}"), float(r["lat_deg"]), float(r["lon_deg"])))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"--candidates {p}: each candidate needs lat_deg and lon_deg ({exc})") from None
    if not rows:
        raise InputError(f"--candidates {p}: no candidate sites in the file")
    for name, lat, lon in rows:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputError(f"--candidates {p}: {name} has lat/lon out of range ({lat}, {lon})")
    return rows


def run_siting(
    scenario_ref: str,
    *,
    system: str,
    k: int,
    boresight_deg: float | None = None,
    candidates: str = "grid",
    n_candidates: int = 500,
    objective: str = "airspace",
    keep_existing: bool = False,
    altitude_m: float = 10_000.0,
    rcs_m2: float = 1.0,
    country: str | None = None,
    bbox: str | None = None,
    resolution_km: float = 15.0,
    pd_threshold: float = 0.5,
    method: str = "both",
    time_limit_s: float = 30.0,
    dem_path: str | None = None,
    altitude_ref: str = "auto",
    out_dir: str | Path | None = None,
    show_progress: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Choose ``k`` sites for batteries of ``system`` (see :mod:`iadsim.analysis.siting`).

    Returns a JSON-able document with the chosen sites, coverage achieved, the greedy and exact
    results, and a YAML snippet of the new sites. ``out_dir`` is checked before the work and
    written atomically like ``run`` and ``coverage`` (:mod:`iadsim.results.atomic`).
    """
    from iadsim.analysis.coverage import (
        Grid,
        detection_mask,
        engagement_mask,
        make_grid,
        resolve_region,
        unit_vectors,
        world_arrays,
    )
    from iadsim.analysis.siting import exact_max_cover, greedy_max_cover
    from iadsim.scenario.catalog import load_catalog
    from iadsim.scenario.load import load_scenario
    from iadsim.scenario.schema import SiteSpec

    if objective not in ("airspace", "assets"):
        raise InputError(f"--objective must be airspace or assets (got {objective!r})")
    if method not in ("both", "greedy", "exact"):
        raise InputError(f"--method must be both, greedy or exact (got {method!r})")
    if k < 1:
        raise InputError(f"--k must be at least 1 (got {k})")
    if not (resolution_km > 0 and math.isfinite(resolution_km)):
        raise InputError(f"--resolution-km must be positive (got {resolution_km})")
    if not (time_limit_s > 0 and math.isfinite(time_limit_s)):
        raise InputError(f"--time-limit-s must be positive (got {time_limit_s})")
    if out_dir is not None:
        prepare_output(out_dir, overwrite=overwrite)
    cat = load_catalog()
    if system not in cat.systems:
        import difflib

        close = difflib.get_close_matches(system, list(cat.systems), n=3)
        raise InputError(f"unknown system {system!r}; known: {', '.join(cat.systems)}" + (f" (did you mean {close[0]}?)" if close else ""))
    dem = None
    if dem_path:
        from iadsim.geo.terrain import load_dem

        dem = load_dem(dem_path)
    scenario = load_scenario(scenario_ref)
    dem = dem if dem is not None else _scenario_dem(scenario)
    ref = _altitude_ref(altitude_ref, dem)
    region, region_name, outline = resolve_region(scenario, country, bbox)

    # demand points: region cells (airspace) or defended assets
    grid = make_grid(region, resolution_km * 1000.0)
    if objective == "assets":
        a_lat = np.radians([a.lat_deg for a in scenario.assets])
        a_lon = np.radians([a.lon_deg for a in scenario.assets])
        values = np.array([a.value for a in scenario.assets], dtype=np.float64)
        demand = Grid(
            lat_rad=a_lat, lon_rad=a_lon, area_m2=values, unit=unit_vectors(a_lat, a_lon),
            row=np.zeros(a_lat.size, dtype=np.int64), col=np.arange(a_lat.size), dlat_rad=grid.dlat_rad,
            row_lat_rad=grid.row_lat_rad, row_lon0_rad=grid.row_lon0_rad, row_dlon_rad=grid.row_dlon_rad,
            resolution_m=grid.resolution_m, region_area_m2=float(values.sum()), bbox_deg=grid.bbox_deg,
        )
    else:
        demand = grid

    # candidate positions
    if candidates == "grid":
        if n_candidates < k:
            raise InputError(f"--n-candidates ({n_candidates}) must be at least k ({k})")
        spacing = math.sqrt(grid.region_area_m2 / n_candidates)
        cg = make_grid(region, spacing)
        while cg.n > n_candidates:  # grid cells of the region: shrink until ≤ n
            spacing *= math.sqrt(cg.n / n_candidates) * 1.01
            cg = make_grid(region, spacing)
        cands = [(f"cand-{i}", float(np.degrees(la)), float(np.degrees(lo))) for i, (la, lo) in enumerate(zip(cg.lat_rad, cg.lon_rad))]
    else:
        cands = _read_candidates(candidates)
    if len(cands) < k:
        raise InputError(f"only {len(cands)} candidate sites for k = {k}")
    sys_radars = list(cat.systems[system].fields.get("radars") or [])
    sector = [r for r in sys_radars if float(cat.radars[r].value("field_of_regard_deg") or 360.0) < 360.0]
    if sector and boresight_deg is None:
        raise InputError(f"--boresight-deg is required: {system} has sector radar(s) {', '.join(sector)}; say where the "
                         "candidates' sector radars point (degrees clockwise from north)")
    if boresight_deg is not None and not 0.0 <= boresight_deg < 360.0:
        raise InputError(f"--boresight-deg must be in [0, 360) (got {boresight_deg:g})")
    sensor_specs = [{"type": r, **({"boresight_az_deg": boresight_deg} if r in sector else {})} for r in sys_radars]
    c_alt = np.zeros(len(cands))
    if dem is not None:
        c_alt = dem.height_m(np.radians([c[1] for c in cands]), np.radians([c[2] for c in cands]))
    new_sites = [
        SiteSpec.model_validate({
            "name": f"{system}-{name}", "lat_deg": lat, "lon_deg": lon, 
            "sensors": sensor_specs, "fire_units": [{"type": system}],
        })
        for i, (name, lat, lon) in enumerate(cands)
    ]
    t0 = time.perf_counter()
    fb = Feedback(err, enabled=show_progress)
    with fb.phase("candidate coverage", total=2, unit="steps") as prog:
        cand_scn = scenario.model_copy(update={"sites": new_sites})
        radars, units, _ = world_arrays(cand_scn, ref, dem)
        det = detection_mask(radars, demand, altitude_m, rcs_m2, pd_threshold, dem=dem)
        eng = engagement_mask(units, det, demand, altitude_m)  # (N, candidates): unit f ↔ candidate f
        cover = np.zeros((demand.n, len(cands)), dtype=bool)
        cover[:, np.asarray(units.site_index)] = eng
        prog.update(1, label="existing batteries")
        fixed: np.ndarray = np.zeros(demand.n, dtype=bool)
        if keep_existing:
            r0, u0, _ = world_arrays(scenario, ref, dem)
            d0 = detection_mask(r0, demand, altitude_m, rcs_m2, pd_threshold, dem=dem)
            fixed = np.asarray(engagement_mask(u0, d0, demand, altitude_m).any(axis=1), dtype=bool)
        prog.update(2)
    t_cov = time.perf_counter() - t0
    weights = np.where(fixed, 0.0, demand.area_m2)
    results: dict[str, Any] = {}
    if method in ("both", "greedy"):
        with fb.phase(f"greedy siting ({len(cands)} candidates)"):
            results["greedy"] = greedy_max_cover(cover, weights, k)
    if method in ("both", "exact"):
        with fb.phase(f"exact MILP solve (HiGHS, time limit {time_limit_s:g} s)"):
            results["exact"] = exact_max_cover(cover, weights, k, time_limit_s=time_limit_s)
    best = results.get("exact") or results["greedy"]
    unit = "km²" if objective == "airspace" else "asset value"
    scale = 1e-6 if objective == "airspace" else 1.0
    total = float(demand.area_m2.sum())
    fixed_v = float(demand.area_m2[fixed].sum())
    chosen = [cands[j] for j in best.chosen]
    covered = fixed | cover[:, best.chosen].any(axis=1)
    doc: dict[str, Any] = {
        "meta": {
            "scenario": scenario.name, "region": region_name, "system": system, "k": k,
            "objective": objective, "keep_existing": keep_existing, "altitude_m": altitude_m,
            "altitude_reference": ref, "rcs_m2": rcs_m2, "pd_threshold": pd_threshold,
            "resolution_km": resolution_km, "candidates": len(cands), "demand_points": demand.n,
            "coverage_matrix_s": round(t_cov, 3), "terrain": f"dem:{dem.path}" if dem is not None else "smooth 4/3 Earth",
            "notional": NOTIONAL,
        },
        "total": total * scale, "unit": unit,
        "existing_covered": fixed_v * scale,
        "methods": {
            name: {
                "chosen": [cands[j][0] for j in r.chosen],
                "value": r.value * scale, "bound": r.bound * scale, "gap": r.gap, "status": r.status,
                "runtime_s": round(r.runtime_s, 3),
                "pct_total": round(100.0 * (r.value + fixed_v) / total, 2) if total > 0 else 0.0,
            }
            for name, r in results.items()
        },
        "chosen": [{"name": f"{system}-{n}", "lat_deg": round(la, 4), "lon_deg": round(lo, 4)} for n, la, lo in chosen],
        "covered": float(demand.area_m2[covered].sum()) * scale,
        "pct_covered": round(100.0 * float(demand.area_m2[covered].sum()) / total, 2) if total > 0 else 0.0,
    }
    doc["snippet"] = _snippet(system, sensor_specs, chosen, c_alt, cands)
    if out_dir is not None:
        with atomic_output(out_dir, overwrite=overwrite) as od:
            _write_siting_files(od, doc, objective, cover, best, fixed, grid, outline, scenario, keep_existing, system, chosen, k, region_name, altitude_m, ref, rcs_m2)
    return doc


def _write_siting_files(od: Path, doc: dict[str, Any], objective: str, cover: np.ndarray, best: Any, fixed: np.ndarray,
                        grid: Any, outline: Any, scenario: Any, keep_existing: bool, system: str, chosen: list[Any], k: int,
                        region_name: str, altitude_m: float, ref: str, rcs_m2: float) -> None:  # fmt: skip
    """Every siting file into ``od`` (a temporary directory of :func:`atomic_output`)."""
    write_marker_manifest(od, "site", {"meta": doc["meta"]})
    _write_json(od / "siting.json", doc)
    (od / "sites-snippet.yaml").write_text(doc["snippet"], encoding="utf-8")
    if objective == "airspace":
        from iadsim.report.maps import plot_coverage_map

        layers = cover[:, best.chosen].sum(axis=1).astype(np.int16) + fixed.astype(np.int16)
        plot_coverage_map(
            od / "siting.png", grid=grid, det_layers=layers, eng_layers=layers, region_geom=outline,
            sites=[(s.name, s.lat_deg, s.lon_deg) for s in scenario.sites] if keep_existing else [],
            highlight_sites=[(f"{system}-{n}", la, lo) for n, la, lo in chosen],
            title=f"{k} × {system} sited for {region_name} at {altitude_m:g} m ({ref.upper()}), RCS {rcs_m2:g} m²",
            subtitle=f"engagement coverage {doc['pct_covered']:.1f} % of the region ({best.method}, gap {best.gap:.2%})",
        )


def _snippet(system: str, radars: list[dict[str, Any]], chosen: list[tuple[str, float, float]], c_alt: Any, cands: list[Any]) -> str:
    idx = {c[0]: i for i, c in enumerate(cands)}
    lines = ["# paste under `sites:` of a scenario (notional positions chosen by `iadsim site`)"]
    for name, lat, lon in chosen:
        lines += [
            f"  - name: {system}-{name}",
            f"    lat_deg: {lat:.4f}",
            f"    lon_deg: {lon:.4f}",
            f"    # ground {float(c_alt[idx[name]]):.0f} m above sea level (from the DEM; 0 without one)",
            "    sensors:",
            *[line for r in radars for line in [f"      - type: {r['type']}"]
              + ([f"        boresight_az_deg: {r['boresight_az_deg']:g}"] if "boresight_az_deg" in r else [])],
            "    fire_units:",
            f"      - type: {system}",
        ]
    return "\n".join(lines) + "\n"


def _print_siting(doc: dict[str, Any]) -> None:
    m = doc["meta"]
    t = Table(title=f"{m['k']} × {m['system']} for {m['region']} — objective {m['objective']} at {m['altitude_m']:g} m, RCS {m['rcs_m2']:g} m² ({m['candidates']} candidates)", title_justify="left")
    for c in ("method", "covered", "% of total", "upper bound", "gap", "status", "time s", "chosen"):
        if c in ("status", "chosen"):
            t.add_column(c, justify="left", overflow="fold")
        else:
            t.add_column(c, justify="left" if c == "method" else "right", no_wrap=True)
    for name, r in doc["methods"].items():
        t.add_row(name, f"{r['value']:,.0f}", f"{r['pct_total']:.1f}", f"{r['bound']:,.0f}", f"{r['gap']:.2%}", r["status"], f"{r['runtime_s']:.2f}", ", ".join(r["chosen"]))
    out.print(t)
    if m["keep_existing"]:
        out.print(f"already covered by the scenario's batteries: {doc['existing_covered']:,.0f} {doc['unit']}")
    s = Table(title="Chosen sites", title_justify="left")
    for c in ("name", "lat °N", "lon °E"):
        s.add_column(c)
    for c in doc["chosen"]:
        s.add_row(c["name"], f"{c['lat_deg']:.4f}", f"{c['lon_deg']:.4f}")
    out.print(s)
    out.print(f"coverage achieved: {doc['covered']:,.0f} {doc['unit']} = {doc['pct_covered']:.1f} % of the total")
    out.print("[b]scenario snippet[/]:")
    out.print(doc["snippet"], markup=False, highlight=False)
    out.print(f"[dim]{NOTIONAL}[/]")


# -------------------------------------------------------------------------------------- typer
def register(app: typer.Typer) -> None:
    """Add the ``coverage`` and ``site`` commands to ``app``."""

    @app.command(
        "coverage",
        help=(
            "Map what airspace a scenario's radars and batteries cover.\n\n"
            "For each target altitude × RCS: [b]detection[/] coverage (the best radar's Swerling-1 Pd ≥ "
            "--pd, with the 4/3-Earth radio horizon, minimum elevation and field of regard), "
            "[b]engagement[/] coverage (inside a fire unit's envelope and seen by a radar that can cue "
            "it) and the number of overlapping layers, on a ~equal-area grid over the region "
            "(--country, --bbox, or the scenario's `region:`). Optional terrain masking with --dem "
            "(GeoTIFF or SRTM .hgt in lon/lat).\n\n"
            "Writes to --out: coverage.csv and coverage.json (km² and % of the region per altitude, "
            "RCS, site and composite), one PNG map and one GeoJSON per altitude × RCS. A country's "
            "grid covers its bounding box plus --margin-km, so the maps show coverage over the sea "
            "too (--clip-land: land only); the km² and % count the country's cells only.\n\n"
            "Altitudes: without a DEM they are heights above the sites' ground (flat terrain, "
            "--altitude-ref agl); with a DEM, above sea level.\n\n"
            "Example: iadsim coverage turkey-2017 --altitude-m 1000,10000 --rcs-m2 1 --out cov/"
        ),
    )
    def coverage_cmd(
        scenario: str = typer.Argument(..., help="Scenario file or bundled name (e.g. turkey-2017)"),
        altitude_m: str = typer.Option("100,1000,10000", "--altitude-m", help="Target altitudes, m, comma-separated"),
        rcs_m2: str = typer.Option("1", "--rcs-m2", help="Target RCS values, m², comma-separated (e.g. 0.01,1,5)"),
        country: Optional[str] = typer.Option(None, "--country", help="Region: a country of the bundled Natural Earth borders"),
        bbox: Optional[str] = typer.Option(None, "--bbox", help="Region: box W,S,E,N in degrees"),
        resolution_km: float = typer.Option(5.0, "--resolution-km", help="Grid cell size, km"),
        pd: float = typer.Option(0.5, "--pd", help="Single-look Pd threshold of the best radar"),
        dem: Optional[str] = typer.Option(None, "--dem", help="DEM (GeoTIFF / SRTM .hgt, lon/lat) for terrain masking; radars stand on it (default: the scenario's fidelity.dem_path, if any)"),
        los_step_m: Optional[float] = typer.Option(None, "--los-step-m", help="Terrain ray sampling step, m (default: DEM pixel)"),
        altitude_ref: str = typer.Option("auto", "--altitude-ref", help="auto | agl | msl (auto: agl without DEM, msl with)"),
        sites: Optional[str] = typer.Option(None, "--sites", help="Only these sites (comma-separated names, * wildcards)"),
        out_dir: Path = typer.Option(Path("coverage-out"), "--out", help="Output directory (replaced atomically, only if it holds a previous iadsim result)"),
        overwrite: bool = typer.Option(False, "--overwrite", help="Allow --out to replace a non-empty directory that is not an iadsim result"),
        no_maps: bool = typer.Option(False, "--no-maps", help="Skip the PNG maps"),
        margin_km: float = typer.Option(50.0, "--margin-km", help="A country region's grid covers its bounding box plus this margin, km, so coverage over the sea and the neighbours is drawn; the km² and % stay those of the country's cells (0: the country's cells only)"),
        clip_land: bool = typer.Option(False, "--clip-land", help="Draw the maps' coverage over land only (default: wherever the radars see, sea included)"),
    ) -> None:
        with user_errors():
            doc = run_coverage(
                scenario, altitudes_m=parse_floats(altitude_m, "--altitude-m"),
                rcs_m2=parse_floats(rcs_m2, "--rcs-m2", positive=True), country=country, bbox=bbox,
                resolution_km=resolution_km, pd_threshold=pd, dem_path=dem, los_step_m=los_step_m,
                altitude_ref=altitude_ref, sites=[s for s in sites.split(",") if s] if sites else None,
                out_dir=out_dir, maps=not no_maps, overwrite=overwrite, margin_km=margin_km, clip_land=clip_land,
            )
            _print_coverage(doc)
            out.print(f"wrote {out_dir}/coverage.csv, coverage.json, *.geojson" + ("" if no_maps else ", *.png"))

    @app.command(
        "site",
        help=(
            "Choose where k batteries of a system should stand.\n\n"
            "Maximises the engagement-covered area of the region (--objective airspace) or the "
            "covered value of the scenario's defended assets (--objective assets) at one target "
            "altitude and RCS, among candidate positions: a grid inside the region (--candidates "
            "grid, about --n-candidates points) or a CSV/YAML file with lat_deg, lon_deg[, name]. "
            "--keep-existing keeps the scenario's batteries and sites the new ones around them.\n\n"
            "Solves with greedy (guaranteed ≥ 1 − 1/e ≈ 63 % of the optimum) and with the exact "
            "maximal-covering MILP in HiGHS (time-limited; the MIP gap is reported).\n\n"
            "Prints and writes (to --out) the chosen lat/lon, the coverage achieved, a map and a "
            "YAML snippet to paste under `sites:`.\n\n"
            "Example: iadsim site turkey-2017 --system s400 --k 4 --altitude-m 10000 --out site/"
        ),
    )
    def site_cmd(
        scenario: str = typer.Argument(..., help="Scenario file or bundled name"),
        system: str = typer.Option(..., "--system", help="Catalogue system id (s400, patriot, samp-t, hq-9)"),
        k: int = typer.Option(..., "--k", help="Number of batteries to site"),
        boresight_deg: Optional[float] = typer.Option(None, "--boresight-deg", help="Where the candidates' sector radars point, degrees from north (required for systems with sector radars)"),
        candidates: str = typer.Option("grid", "--candidates", help="'grid' or a CSV/YAML file of candidate sites"),
        n_candidates: int = typer.Option(500, "--n-candidates", help="Approximate number of grid candidates"),
        objective: str = typer.Option("airspace", "--objective", help="airspace (km² covered) or assets (value covered)"),
        keep_existing: bool = typer.Option(False, "--keep-existing", help="Keep the scenario's batteries fixed"),
        altitude_m: float = typer.Option(10_000.0, "--altitude-m", help="Target altitude, m"),
        rcs_m2: float = typer.Option(1.0, "--rcs-m2", help="Target RCS, m²"),
        country: Optional[str] = typer.Option(None, "--country", help="Region: a country of the bundled borders"),
        bbox: Optional[str] = typer.Option(None, "--bbox", help="Region: box W,S,E,N in degrees"),
        resolution_km: float = typer.Option(15.0, "--resolution-km", help="Demand grid cell size, km (finer = slower exact MILP)"),
        pd: float = typer.Option(0.5, "--pd", help="Pd threshold for detection"),
        method: str = typer.Option("both", "--method", help="both | greedy | exact"),
        time_limit_s: float = typer.Option(30.0, "--time-limit-s", help="Time limit of the exact MILP, s"),
        dem: Optional[str] = typer.Option(None, "--dem", help="DEM for terrain masking; candidates stand on it (default: the scenario's fidelity.dem_path, if any)"),
        altitude_ref: str = typer.Option("auto", "--altitude-ref", help="auto | agl | msl"),
        out_dir: Optional[Path] = typer.Option(None, "--out", help="Output directory (siting.json, map, snippet; replaced atomically, only if it holds a previous iadsim result)"),
        overwrite: bool = typer.Option(False, "--overwrite", help="Allow --out to replace a non-empty directory that is not an iadsim result"),
    ) -> None:
        with user_errors():
            doc = run_siting(
                scenario, system=system, k=k, boresight_deg=boresight_deg, candidates=candidates, n_candidates=n_candidates,
                objective=objective, keep_existing=keep_existing, altitude_m=altitude_m, rcs_m2=rcs_m2,
                country=country, bbox=bbox, resolution_km=resolution_km, pd_threshold=pd, method=method,
                time_limit_s=time_limit_s, dem_path=dem, altitude_ref=altitude_ref, out_dir=out_dir,
                overwrite=overwrite,
            )
            _print_siting(doc)
