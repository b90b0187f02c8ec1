"""Load and validate scenario files.

YAML is read with ruamel.yaml's round-trip loader so every node keeps its line and column. All
problems — structural (pydantic) and semantic (catalogue references, unknown values, cross
references) — are collected and raised together as one :class:`~iadsim.errors.ScenarioError`
whose problems read ``file:line:col: key.path: message (got X)``.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from iadsim.errors import CatalogError, InputError, Problem, ScenarioError
from iadsim.scenario.schema import Scenario

Loc = tuple[str | int, ...]

#: Catalogue fields a radar needs to be simulated (scenario field of the same name overrides).
RADAR_REQUIRED = (
    "reference_range_km", "reference_rcs_m2", "reference_pd", "pfa", "max_range_km",
    "max_altitude_km", "min_elevation_deg", "field_of_regard_deg", "revisit_s", "sigma_range_m",
    "sigma_azimuth_mrad", "sigma_elevation_mrad", "antenna_agl_m",
)  # fmt: skip
#: Catalogue fields an interceptor needs (per-site ``interceptors:`` overrides).
INTERCEPTOR_REQUIRED = (
    "max_range_km", "min_range_km", "max_altitude_km", "min_altitude_km", "average_speed_mps",
    "max_target_speed_mps", "basket_m",
)  # fmt: skip
#: Catalogue fields a fire unit needs (fire-unit field of the same name overrides).
SYSTEM_REQUIRED = ("reaction_time_s", "launch_interval_s", "max_simultaneous_engagements", "salvo_size", "max_missiles_guided")
AIR_BREATHING = ("aircraft", "cruise_missile", "drone")


# --------------------------------------------------------------------------------------------
# finding files
def bundled_files(folder: str) -> dict[str, Path]:
    """Bundled YAML files of ``iadsim/data/<folder>``: name (file stem) → path."""
    root = resources.files("iadsim") / "data" / folder
    out: dict[str, Path] = {}
    for item in sorted(root.iterdir(), key=lambda p: p.name):
        if item.name.endswith((".yaml", ".yml")):
            out[item.name.rsplit(".", 1)[0]] = Path(str(item))
    return out


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario names → paths (``iadsim scenarios`` lists these)."""
    return bundled_files("scenarios")


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A path to an existing file, or the name of a bundled scenario."""
    key = str(name_or_path)
    if key.strip() == "" or "\x00" in key:
        raise InputError(f"scenario: not a file name (got {key!r})")
    p = Path(name_or_path)
    try:
        if p.is_file():
            return p
        if p.is_dir():
            raise InputError(f"scenario {key} is a directory, not a scenario file")
        if p.exists():
            raise InputError(f"scenario {key} is not a regular file")
    except OSError as exc:
        raise InputError(f"scenario {key}: {exc.strerror or exc}") from None
    bundled = bundled_scenarios()
    if key in bundled:
        return bundled[key]
    if p.suffix in (".yaml", ".yml") or "/" in key:
        raise InputError(f"scenario file not found: {key}")
    raise InputError(
        f"no scenario file or bundled scenario named {key!r}; bundled: {', '.join(bundled) or 'none'}"
    )


# --------------------------------------------------------------------------------------------
# positions of keys in the YAML tree
def _pos_of(root: Any, loc: Loc) -> tuple[int | None, int | None]:
    """1-based (line, col) of the node at ``loc`` (or of its deepest existing ancestor)."""
    node = root
    line: int | None = None
    col: int | None = None
    for key in loc:
        if isinstance(node, CommentedMap) and key in node:
            ln, cl = node.lc.value(key) if not isinstance(node[key], (CommentedMap, CommentedSeq)) else node.lc.key(key)
            line, col = ln + 1, cl + 1
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            ln, cl = node.lc.item(key)
            line, col = ln + 1, cl + 1
            node = node[key]
        else:
            if isinstance(node, (CommentedMap, CommentedSeq)) and line is None:
                line, col = node.lc.line + 1, node.lc.col + 1
            break
    if line is None and isinstance(root, (CommentedMap, CommentedSeq)):
        line, col = root.lc.line + 1, root.lc.col + 1
    return line, col


def _key_pos(root: Any, loc: Loc) -> tuple[int | None, int | None]:
    """Position of the *key* itself (used for unknown keys)."""
    parent_loc, last = loc[:-1], loc[-1] if loc else None
    node = root
    for key in parent_loc:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return _pos_of(root, loc)
    if isinstance(node, CommentedMap) and last in node:
        ln, cl = node.lc.key(last)
        return ln + 1, cl + 1
    return _pos_of(root, loc)


def _fmt_loc(loc: Loc) -> str:
    out = ""
    for k in loc:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out


def _short(v: Any, limit: int = 60) -> str:
    s = repr(_plain(v))
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


# --------------------------------------------------------------------------------------------
def _real_loc(root: Any, loc: Loc) -> Loc:
    """Drop the union / literal / validator tags pydantic appends to error locations.

    A part of ``loc`` is kept when it is a key (or index) of the YAML node reached so far — so a
    user's key that happens to contain brackets stays — and otherwise dropped when it looks like a
    pydantic tag (``literal[...]``, ``function-after[...]``, ``list[...]``).
    """
    out: list[str | int] = []
    node = root
    for k in loc:
        if isinstance(node, dict) and k in node:
            out.append(k)
            node = node[k]
        elif isinstance(node, list) and isinstance(k, int) and 0 <= k < len(node):
            out.append(k)
            node = node[k]
        elif isinstance(k, str) and ("[" in k or k.startswith("function-")):
            continue
        else:
            out.append(k)
            node = None
    return tuple(out)


def _pydantic_problems(file: str, root: Any, err: ValidationError, skip: set[Loc] | None = None) -> list[Problem]:
    out = []
    for e in err.errors(include_url=False):
        loc = _real_loc(root, tuple(e["loc"]))
        etype = e["type"]
        if skip is not None and loc in skip:
            continue  # already reported (non-finite / too large) at the same place
        if etype == "extra_forbidden" and loc:
            line, col = _key_pos(root, loc)
            msg = f"unknown key {str(loc[-1])!r}"
            allowed = _allowed_keys(loc[:-1])
            moved = _datum_migration(loc)
            if moved is not None:
                msg = f"{str(loc[-1])!r} {moved} (got {_short(e.get('input'))})"
            elif allowed:
                import difflib

                close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
                msg += f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(allowed)})"
        elif etype == "missing":
            line, col = _pos_of(root, loc[:-1])
            msg = f"missing required key {str(loc[-1])!r}"
        else:
            line, col = _pos_of(root, loc)
            msg = f"{e['msg']} (got {_short(e.get('input'))})"
        out.append(Problem(file, line, col, _fmt_loc(loc), msg))
    return out


#: Height keys whose datum was ambiguous (ellipsoid? ground? sea level?) and what to write instead,
#: by (section, key) with section the nearest named parent ("sites", "sensors", "assets", "raids",
#: "route").
_DATUM_MIGRATIONS: dict[tuple[str, str], str] = {
    ("sites", "alt_m"): (
        "is no longer accepted: heights now say their datum and a site stands on the ground (the "
        "WGS84 ellipsoid with fidelity.terrain: none, the DEM surface with fidelity.terrain: dem and "
        "fidelity.dem_path). Remove alt_m; set a radar's mast height as antenna_agl_m on its sensor"
    ),
    ("sensors", "antenna_height_m"): "was renamed: write antenna_agl_m (antenna height above the ground, m)",
    ("assets", "alt_m"): (
        "is no longer accepted: write alt_agl_m (height above the ground, m; default 0). The ground "
        "elevation comes from the DEM under fidelity.terrain: dem, and is the ellipsoid otherwise"
    ),
    ("raids", "altitude_m"): "was renamed: write altitude_agl_m (cruise height above the ground, m)",
    ("route", "alt_m"): "was renamed: write alt_agl_m (height above the ground at the waypoint, m)",
}


def _datum_migration(loc: Loc) -> str | None:
    """What to write instead of an old, datum-ambiguous height key at ``loc`` (None: not one)."""
    if not loc:
        return None
    key = str(loc[-1])
    parents = [k for k in loc[:-1] if isinstance(k, str)]
    section = parents[-1] if parents else ""
    return _DATUM_MIGRATIONS.get((section, key))


def _allowed_keys(loc: Loc) -> list[str]:
    """Field names allowed at ``loc`` (walks the pydantic model tree)."""
    import typing

    model: Any = Scenario
    for key in loc:
        if isinstance(key, int):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or key not in fields:
            return []
        ann = fields[key].annotation
        model = None
        for cand in [ann, *typing.get_args(ann)]:
            for sub in [cand, *typing.get_args(cand)]:
                if isinstance(sub, type) and hasattr(sub, "model_fields"):
                    model = sub
        if model is None:
            return []
    return sorted(getattr(model, "model_fields", {}))


def _check_launchers(add: Any, loc: Loc, fu: dict[Any, Any], sid: str, system: Any, loadout: dict[Any, Any],
                     catalog: Any) -> None:  # fmt: skip
    """The loadout fits on the system's launchers; reserve / reloads name interceptors carried."""
    n_sys = system.value("launchers") if "launchers" in system.fields else None
    need = 0
    for k, n in loadout.items():
        if not isinstance(n, int) or n <= 0 or k not in catalog.interceptors:
            continue
        ent = catalog.interceptors[k]
        per = ent.value("rounds_per_launcher") if "rounds_per_launcher" in ent.fields else None
        per = per if per is not None else system.value("missiles_per_launcher")
        need += -(-n // max(int(per or 1), 1))
    if n_sys is not None and need > n_sys:
        got = ", ".join(f"{k}: {v}" for k, v in loadout.items())
        add(loc + ("loadout",), f"loadout needs {need} launchers (rounds_per_launcher of each interceptor) but "
            f"{sid!r} has {int(n_sys)} launchers; carry fewer rounds (got {{{got}}})")
    for key in ("reserve", "reloads"):
        node = fu.get(key)
        if isinstance(node, dict):
            for k in node:
                if k not in loadout or not loadout.get(k):
                    add(loc + (key, k), f"interceptor {k!r} is not in this fire unit's loadout "
                        f"({', '.join(str(x) for x in loadout)}) (got {k})", key=True)


# --------------------------------------------------------------------------------------------
def _short_legs(pts: list[tuple[Loc, float | None, float | None]], min_m: float = 1000.0) -> list[tuple[Loc, Loc, float]]:
    """Consecutive path points (loc, lat_deg, lon_deg) closer than ``min_m`` on the WGS84 ellipsoid.

    Points with a missing or out-of-range coordinate are skipped (the schema reports them).
    Returns ``(loc of the previous point, loc of the point, geodesic distance m)`` per short leg.
    """
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    out = []
    for (loc0, la0, lo0), (loc1, la1, lo1) in zip(pts, pts[1:]):
        if None in (la0, lo0, la1, lo1) or not all(abs(float(x)) <= 180 for x in (la0, lo0, la1, lo1)):  # type: ignore[arg-type]
            continue
        _, _, d_m = geod.inv(lo0, la0, lo1, la1)
        if d_m < min_m:
            out.append((loc0, loc1, float(d_m)))
    return out


def _semantic_problems(file: str, root: Any, catalog: Any) -> list[Problem]:
    """Cross-reference and catalogue checks on the raw tree (robust to structural errors)."""
    probs: list[Problem] = []

    def add(loc: Loc, msg: str, key: bool = False) -> None:
        line, col = (_key_pos if key else _pos_of)(root, loc)
        probs.append(Problem(file, line, col, _fmt_loc(loc), msg))

    def seq(node: Any, key: str) -> list[Any]:
        v = node.get(key) if isinstance(node, dict) else None
        return list(v) if isinstance(v, list) else []

    def num(v: Any) -> float | None:
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            return None
        try:
            f = float(v)
        except OverflowError:
            return None
        return f if math.isfinite(f) else None

    if not isinstance(root, dict):
        return probs

    for section in ("sites", "assets", "raids", "friendly_flights", "networks"):
        seen: dict[str, int] = {}
        for i, item in enumerate(seq(root, section)):
            nm = item.get("name") if isinstance(item, dict) else None
            if isinstance(nm, str):
                if nm in seen:
                    add((section, i, "name"), f"duplicate name {nm!r} (also {section}[{seen[nm]}])")
                seen.setdefault(nm, i)

    assets = {a["name"]: a for a in seq(root, "assets") if isinstance(a, dict) and isinstance(a.get("name"), str)}

    fid = root.get("fidelity")
    if isinstance(fid, dict):
        dem_path = fid.get("dem_path")
        if fid.get("terrain") == "dem" and not dem_path:
            add(("fidelity", "terrain"), "terrain: dem needs fidelity.dem_path (a GeoTIFF or SRTM .hgt file)")
        if isinstance(dem_path, str) and dem_path:
            resolved = _resolve_dem_path(dem_path, file)
            if not resolved.is_file():
                add(("fidelity", "dem_path"), f"DEM file not found: {resolved} (got {dem_path!r})")
            elif fid.get("terrain") != "dem":
                add(("fidelity", "dem_path"), "dem_path is set but fidelity.terrain is not dem; set terrain: dem or remove dem_path")

    for i, site in enumerate(seq(root, "sites")):
        if not isinstance(site, dict):
            continue
        for j, sen in enumerate(seq(site, "sensors")):
            if not isinstance(sen, dict) or not isinstance(sen.get("type"), str):
                continue
            loc: Loc = ("sites", i, "sensors", j)
            rid = sen["type"]
            if rid not in catalog.radars:
                add(loc + ("type",), f"unknown catalogue radar {rid!r} (choose from: {', '.join(sorted(catalog.radars))})")
                continue
            entry = catalog.radars[rid]
            for f in RADAR_REQUIRED:
                if sen.get(f) is None and entry.value(f) is None:
                    add(loc, f"catalogue radar {rid!r} has no public value for {f} (null, unknown); set {f} here")
            fov = num(sen.get("field_of_regard_deg"))
            fov = fov if fov is not None else num(entry.value("field_of_regard_deg"))
            if fov is not None and fov < 360.0 and sen.get("boresight_az_deg") is None:
                add(loc, f"radar {rid!r} covers a {fov:g} deg sector: set boresight_az_deg (where it points, "
                         f"degrees clockwise from north; no default is drawn from the raids) (got none)")
        for j, fu in enumerate(seq(site, "fire_units")):
            if not isinstance(fu, dict) or not isinstance(fu.get("type"), str):
                continue
            loc = ("sites", i, "fire_units", j)
            sid = fu["type"]
            if sid not in catalog.systems:
                add(loc + ("type",), f"unknown catalogue system {sid!r} (choose from: {', '.join(sorted(catalog.systems))})")
                continue
            system = catalog.systems[sid]
            allowed = list(system.fields.get("interceptors") or [])
            for f in SYSTEM_REQUIRED:
                if fu.get(f) is None and system.value(f) is None:
                    add(loc, f"catalogue system {sid!r} has no public value for {f} (null, unknown); set {f} here")
            loadout = fu.get("loadout")
            if loadout is None:
                loadout = dict(system.fields.get("default_loadout") or {})
                if not loadout:
                    add(loc, f"catalogue system {sid!r} has no default loadout; set loadout here")
            elif isinstance(loadout, dict):
                for k in loadout:
                    if k not in allowed:
                        add(loc + ("loadout", k), f"interceptor {k!r} is not carried by {sid!r} (choose from: {', '.join(allowed)})", key=True)
            overrides_node = fu.get("interceptors")
            overrides: dict[Any, Any] = overrides_node if isinstance(overrides_node, dict) else {}
            for k in overrides:
                if k not in allowed:
                    add(loc + ("interceptors", k), f"interceptor {k!r} is not carried by {sid!r} (choose from: {', '.join(allowed)})", key=True)
            if isinstance(loadout, dict):
                for k, n in loadout.items():
                    if k not in allowed or k not in catalog.interceptors or not n:
                        continue
                    ov_node = overrides.get(k)
                    ov: dict[Any, Any] = ov_node if isinstance(ov_node, dict) else {}
                    ent = catalog.interceptors[k]
                    for f in INTERCEPTOR_REQUIRED:
                        if ov.get(f) is None and ent.value(f) is None:
                            add(loc + ("loadout", k), f"catalogue interceptor {k!r} has no public value for {f} (null, unknown); set interceptors.{k}.{f} here", key=True)
                _check_launchers(add, loc, fu, sid, system, loadout, catalog)

    _network_problems(add, root, seq, num)

    for i, raid in enumerate(seq(root, "raids")):
        if not isinstance(raid, dict):
            continue
        loc = ("raids", i)
        launch_node = raid.get("launch")
        radius = num(launch_node.get("radius_km")) if isinstance(launch_node, dict) else None
        if radius is not None and radius > MAX_LAUNCH_RADIUS_KM:
            add(loc + ("launch", "radius_km"), f"a launch disc must fit on a hemisphere: radius_km at most {MAX_LAUNCH_RADIUS_KM:,.0f} (a quarter of the Earth's circumference; got {radius:g})")
        tid = raid.get("threat")
        tgt = raid.get("target")
        if isinstance(tgt, str) and tgt not in assets:
            add(loc + ("target",), f"unknown asset {tgt!r} (assets: {', '.join(str(a) for a in assets)})")
        if not isinstance(tid, str):
            continue
        if tid not in catalog.threats:
            add(loc + ("threat",), f"unknown catalogue threat {tid!r} (choose from: {', '.join(sorted(catalog.threats))})")
            continue
        th = catalog.threats[tid]
        cls = th.fields.get("class")
        if raid.get("rcs_m2") is None and th.value("rcs_m2") is None:
            add(loc, f"catalogue threat {tid!r} has no public value for rcs_m2 (null, unknown); set rcs_m2 here")
        if th.value("p_damage") is None:
            add(loc + ("threat",), f"catalogue threat {tid!r} has no value for p_damage")
        if cls in AIR_BREATHING:
            if raid.get("speed_mps") is None and th.value("speed_mps") is None:
                add(loc, f"catalogue threat {tid!r} has no public value for speed_mps (null, unknown); set speed_mps here")
            if raid.get("altitude_agl_m") is None and th.value("cruise_altitude_agl_m") is None:
                add(loc, f"catalogue threat {tid!r} has no public value for cruise_altitude_agl_m; set altitude_agl_m here")
            for bkey in ("flight_path_angle_deg", "trajectory", "burn_time_s", "terminal_manoeuvre_g",
                         "terminal_manoeuvre_alt_km", "terminal_manoeuvre_period_s"):
                if raid.get(bkey) is not None:
                    add(loc + (bkey,), f"{bkey} applies to ballistic missiles only ({tid!r} is {cls})", key=True)
        elif cls == "ballistic_missile":
            if raid.get("flight_path_angle_deg") is not None and raid.get("trajectory") is not None:
                add(loc + ("trajectory",), "set either trajectory or flight_path_angle_deg, not both", key=True)
            if raid.get("altitude_agl_m") is not None:
                add(loc + ("altitude_agl_m",), f"a ballistic missile ({tid!r}) has no cruise height; remove altitude_agl_m", key=True)
            if seq(raid, "route"):
                add(loc + ("route",), f"a ballistic missile ({tid!r}) flies no route; remove route", key=True)
            launch = raid.get("launch")
            max_range_km = th.value("max_range_km")
            if isinstance(launch, dict) and isinstance(tgt, str) and tgt in assets and max_range_km is not None:
                a = assets[tgt]
                la, lo = num(launch.get("lat_deg")), num(launch.get("lon_deg"))
                ta, to = num(a.get("lat_deg")), num(a.get("lon_deg"))
                if None not in (la, lo, ta, to) and all(abs(x) <= 180 for x in (la, lo, ta, to)):  # type: ignore[arg-type]
                    from pyproj import Geod

                    _, _, d_m = Geod(ellps="WGS84").inv(lo, la, to, ta)
                    r_km = num(launch.get("radius_km")) or 0.0
                    if d_m / 1000.0 + r_km > max_range_km:
                        add(loc + ("launch",), f"target {tgt!r} is {d_m / 1000:.0f} km away (+{r_km:g} km launch radius), beyond {tid!r}'s max range of {max_range_km:g} km", key=True)

    # legs of zero length (launch on the target, repeated waypoints) have no direction to fly
    for i, raid in enumerate(seq(root, "raids")):
        if not isinstance(raid, dict) or not isinstance(raid.get("launch"), dict):
            continue
        tgt = raid.get("target")
        pts: list[tuple[Loc, float | None, float | None]] = [(("raids", i, "launch"), num(raid["launch"].get("lat_deg")), num(raid["launch"].get("lon_deg")))]
        for j, w in enumerate(seq(raid, "route")):
            if isinstance(w, dict):
                pts.append((("raids", i, "route", j), num(w.get("lat_deg")), num(w.get("lon_deg"))))
        if isinstance(tgt, str) and isinstance(assets.get(tgt), dict):
            a = assets[tgt]
            pts.append((("raids", i, "target"), num(a.get("lat_deg")), num(a.get("lon_deg"))))
        for loc0, loc1, d_m in _short_legs(pts):
            add(loc1, f"{_fmt_loc(loc1).split('.')[-1]} is {d_m:.0f} m from the previous point of the raid's path ({_fmt_loc(loc0)}); legs must be at least 1 km long")

    for i, fl in enumerate(seq(root, "friendly_flights")):
        wps = [(("friendly_flights", i, "route", j), num(w.get("lat_deg")), num(w.get("lon_deg")))
               for j, w in enumerate(seq(fl, "route")) if isinstance(w, dict)]  # fmt: skip
        for loc0, loc1, d_m in _short_legs(wps):
            add(loc1, f"waypoint is {d_m:.0f} m from the previous one ({_fmt_loc(loc0)}); legs must be at least 1 km long")
        if isinstance(fl, dict) and isinstance(fl.get("type"), str):
            tid = fl["type"]
            if tid not in catalog.threats:
                add(("friendly_flights", i, "type"), f"unknown catalogue airframe {tid!r} (choose from: {', '.join(sorted(catalog.threats))})")
            elif catalog.threats[tid].fields.get("class") not in ("aircraft", "drone"):
                add(("friendly_flights", i, "type"), f"friendly flights must be aircraft or drones ({tid!r} is {catalog.threats[tid].fields.get('class')})")
            elif fl.get("speed_mps") is None and catalog.threats[tid].value("speed_mps") is None:
                add(("friendly_flights", i), f"catalogue airframe {tid!r} has no speed_mps; set speed_mps here")
    if root.get("assignment_time_limit_s") is not None and root.get("assignment", "heuristic") != "exact":
        add(("assignment_time_limit_s",), f"assignment_time_limit_s applies to assignment: exact only "
            f"(got assignment: {_short(root.get('assignment', 'heuristic'))})", key=True)
    return probs


def _network_problems(add: Any, root: Any, seq: Any, num: Any) -> None:
    """Networks: a site's network must exist; outages must have end > start and must not overlap."""
    nets = [n for n in seq(root, "networks") if isinstance(n, dict)]
    names = [n.get("name") for n in nets if isinstance(n.get("name"), str)]
    for i, site in enumerate(seq(root, "sites")):
        if not isinstance(site, dict):
            continue
        net = site.get("network")
        if isinstance(net, str) and net not in names:
            known = ", ".join(str(n) for n in names) if names else "none defined; add a top-level networks: list"
            add(("sites", i, "network"), f"unknown network {net!r} (networks: {known})")
    for i, net in enumerate(seq(root, "networks")):
        if not isinstance(net, dict):
            continue
        spans: list[tuple[float, float, int]] = []
        for j, o in enumerate(seq(net, "outages")):
            if not isinstance(o, dict):
                continue
            a, b = num(o.get("start_s")), num(o.get("end_s"))
            if a is None or b is None:
                continue
            if b <= a:
                add(("networks", i, "outages", j, "end_s"), f"an outage must end after it starts (start_s {a:g}; got end_s {b:g})")
                continue
            spans.append((a, b, j))
        spans.sort()
        for (a0, b0, j0), (a1, b1, j1) in zip(spans, spans[1:]):
            if a1 < b0:
                add(("networks", i, "outages", j1), f"outage [{a1:g}, {b1:g}) s overlaps outage {j0} [{a0:g}, {b0:g}) s; merge them")


def _resolve_dem_path(dem_path: str, file: str) -> Path:
    """A scenario's ``dem_path``: absolute, or relative to the scenario file's folder."""
    p = Path(dem_path).expanduser()
    if p.is_absolute() or file.startswith("<"):
        return p
    return Path(file).resolve().parent / p


# --------------------------------------------------------------------------------------------
#: Resource limits of scenario files (clear errors instead of exhausting memory or the stack).
MAX_FILE_BYTES = 20_000_000
MAX_DEPTH = 40  # nesting of mappings / lists (a scenario needs about 6)
MAX_NODES = 500_000  # values after alias expansion (a 100 000-threat scenario needs a few hundred)
MAX_THREATS = 100_000  # all raids together
MAX_TICKS = 5_000_000  # duration_s / time_step_s
MAX_INT = 2**63 - 1
#: Launch discs are drawn with geodesic offsets from their centre: beyond a quarter of the Earth's
#: circumference (40,075 km / 4) a "disc" wraps past the equator of its centre and means nothing.
MAX_LAUNCH_RADIUS_KM = 10_000.0


def _type_name(v: Any) -> str:
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, str):
        return f"a string ({_short(v, 40)})"
    if isinstance(v, bool):
        return f"a boolean ({v})"
    if isinstance(v, (int, float)):
        return f"a number ({_short(v, 40)})"
    return type(v).__name__


def parse_yaml(text: str, file: str) -> Any:
    """Round-trip parse keeping line numbers; malformed YAML → ScenarioError with its position."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(Problem(file, None, None, "", f"the file is too large for a scenario ({len(text):,} characters; limit {MAX_FILE_BYTES:,})"))
    depth = _flow_depth(text)
    if depth > MAX_DEPTH:
        raise ScenarioError(Problem(file, None, None, "", f"values nested too deeply ({depth} levels of brackets; limit {MAX_DEPTH})"))
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(io.StringIO(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        what = exc.problem or exc.context or "malformed YAML"
        raise ScenarioError(Problem(file, line, col, "", f"malformed YAML: {what}")) from None
    except RecursionError:
        raise ScenarioError(Problem(file, None, None, "", f"values nested too deeply (limit {MAX_DEPTH} levels)")) from None
    except YAMLError as exc:
        msg = " ".join(str(exc).split())
        raise ScenarioError(Problem(file, None, None, "", f"malformed YAML: {msg}")) from None
    except (ValueError, TypeError, OverflowError, KeyError, AttributeError, IndexError) as exc:
        # the YAML library rejects some inputs without a YAMLError (e.g. unhashable keys)
        msg = " ".join(str(exc).split())[:200]
        raise ScenarioError(Problem(file, None, None, "", f"malformed YAML: {type(exc).__name__}: {msg}")) from None
    if data is None:
        raise ScenarioError(Problem(file, 1, 1, "", "the file is empty; a scenario is a YAML mapping"))
    if not isinstance(data, CommentedMap):
        raise ScenarioError(Problem(file, 1, 1, "", f"a scenario is a YAML mapping of keys to values (got {_type_name(data)})"))
    return data


def _flow_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` brackets outside quotes and comments (cheap, before parsing).

    Block nesting (indentation) is bounded by :data:`MAX_DEPTH` after parsing; a bracket bomb is
    caught here because the YAML parser recurses once per bracket.
    """
    deepest = depth = 0
    quote = ""
    prev = "\n"
    comment = False
    for ch in text:
        if comment:
            if ch == "\n":
                comment = False
        elif quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'" and prev in " \t\n[{,:":
            quote = ch
        elif ch == "#" and prev in " \t\n":
            comment = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(depth - 1, 0)
        prev = ch
    return deepest


def _check_tree(file: str, root: Any) -> tuple[list[Problem], set[Loc]]:
    """Walk the parsed tree once, iteratively: limits, keys and numbers.

    Fatal (raised at once, nothing else can be checked safely): a recursive alias (a value that
    contains itself), nesting deeper than :data:`MAX_DEPTH`, more than :data:`MAX_NODES` values
    after alias expansion (an "alias bomb"). Collected: keys that are not plain strings or
    integers (complex keys), non-finite floats (``.nan``, ``.inf``) and integers beyond 64 bits.
    Returns the problems and the set of their locations (so the schema's message for the same
    value is not repeated).
    """
    probs: list[Problem] = []
    locs: set[Loc] = set()

    def add(loc: Loc, msg: str) -> None:
        line, col = _pos_of(root, loc)
        probs.append(Problem(file, line, col, _fmt_loc(loc), msg))
        locs.add(loc)

    def fatal(loc: Loc, msg: str) -> None:
        line, col = _pos_of(root, loc)
        raise ScenarioError(probs + [Problem(file, line, col, _fmt_loc(loc), msg)])

    n = 0
    # stack of (node, loc, ids of the containers on the path)
    stack: list[tuple[Any, Loc, frozenset[int]]] = [(root, (), frozenset())]
    while stack:
        node, loc, path = stack.pop()
        n += 1
        if n > MAX_NODES:
            fatal(loc, f"too many values after expanding aliases (more than {MAX_NODES:,}); is this an alias bomb?")
        if isinstance(node, (dict, list)):
            if id(node) in path:
                fatal(loc, "a recursive alias: this value contains itself")
            if len(loc) >= MAX_DEPTH:
                fatal(loc, f"values nested too deeply (limit {MAX_DEPTH} levels)")
            sub = path | {id(node)}
            if isinstance(node, dict):
                for k, v in reversed(list(node.items())):
                    if not isinstance(k, (str, int)) or isinstance(k, bool):
                        try:
                            ln, cl = node.lc.key(k)  # type: ignore[attr-defined]
                            pos: tuple[int | None, int | None] = (ln + 1, cl + 1)
                        except (AttributeError, KeyError, TypeError):
                            pos = _pos_of(root, loc)
                        probs.append(Problem(file, pos[0], pos[1], _fmt_loc(loc), f"keys must be plain names (got the key {_short(k, 40)} of type {type(k).__name__})"))
                        continue
                    stack.append((v, loc + (k,), sub))
            else:
                for i in range(len(node) - 1, -1, -1):
                    stack.append((node[i], loc + (i,), sub))
        elif isinstance(node, float) and not math.isfinite(node):
            add(loc, f"must be a finite number (got {node})")
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > MAX_INT:
            add(loc, f"integer too large (got {_short(node, 30)}; limit ±{MAX_INT})")
    return probs, locs


def _plain_safe(root: Any) -> Any:
    """:func:`_plain` without the complex keys :func:`_check_tree` reported (iterative-safe depth)."""

    def conv(v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): conv(x) for k, x in v.items() if isinstance(k, (str, int)) and not isinstance(k, bool)}
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        return v

    return conv(root)


def _limit_problems(file: str, root: Any) -> list[Problem]:
    """Counts that would exhaust memory or time: total threats, number of ticks."""
    probs: list[Problem] = []
    raids = root.get("raids")
    if isinstance(raids, list):
        total = 0
        for r in raids:
            c = r.get("count", 1) if isinstance(r, dict) else 0
            if isinstance(c, int) and not isinstance(c, bool) and c > 0:
                total += c
        if total > MAX_THREATS:
            line, col = _pos_of(root, ("raids",))
            probs.append(Problem(file, line, col, "raids", f"{total:,} threats in all raids together; the limit is {MAX_THREATS:,} (split the study into several runs)"))
    dur, dt = root.get("duration_s", 1800.0), root.get("time_step_s", 1.0)
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (dur, dt)):
        try:
            ticks = float(dur) / float(dt) if float(dt) > 0 else 0.0
        except (OverflowError, ZeroDivisionError):
            ticks = 0.0
        if math.isfinite(ticks) and ticks > MAX_TICKS:
            key = "time_step_s" if "time_step_s" in root else "duration_s"
            line, col = _pos_of(root, (key,))
            probs.append(Problem(file, line, col, key, f"duration_s / time_step_s = {ticks:,.0f} ticks; the limit is {MAX_TICKS:,} (use a longer time step or a shorter duration)"))
    return probs


def validate_text(text: str, file: str = "<string>", catalog: Any = None) -> Scenario:
    """Validate scenario YAML text; raise one ScenarioError listing every problem."""
    return _validate(text, file, catalog)[0]


def _validate(text: str, file: str, catalog: Any = None) -> tuple[Scenario, Any]:
    from iadsim.scenario.catalog import load_catalog

    root = parse_yaml(text, file)
    cat = catalog if catalog is not None else load_catalog()
    problems, bad_locs = _check_tree(file, root)
    problems += _limit_problems(file, root)
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(_plain_safe(root))
    except ValidationError as exc:
        problems += _pydantic_problems(file, root, exc, bad_locs)
    try:
        problems += _semantic_problems(file, root, cat)
    except CatalogError as exc:  # pragma: no cover - catalogue bug
        problems.append(Problem(file, None, None, "", f"catalogue error: {exc}"))
    except (TypeError, KeyError, AttributeError, ValueError, IndexError, OverflowError):
        # the cross-reference checks read the raw tree and are best effort where its structure is
        # broken; the structural problems already explain the file. Without any, it is a bug.
        if not problems:
            raise
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.col or 0))
        raise ScenarioError(problems)
    assert scenario is not None
    dem = scenario.fidelity.dem_path
    if dem is not None:  # resolved once, so the engine does not depend on the working folder
        fid = scenario.fidelity.model_copy(update={"dem_path": str(_resolve_dem_path(dem, file))})
        scenario = scenario.model_copy(update={"fidelity": fid})
    return scenario, root


def read_scenario_text(name_or_path: str | Path) -> tuple[str, Path]:
    """The text of a scenario file (or bundled scenario) and its path; InputError if unreadable."""
    path = resolve_scenario_path(name_or_path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"scenario {path} is too large ({size:,} bytes; limit {MAX_FILE_BYTES:,})")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read scenario {path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"cannot read scenario {path}: {exc.strerror or exc}") from None
    return text, path


def load_scenario(name_or_path: str | Path, catalog: Any = None) -> Scenario:
    """Load a scenario file (or a bundled scenario by name), fully validated."""
    text, path = read_scenario_text(name_or_path)
    return validate_text(text, str(path), catalog)


def load_scenario_document(name_or_path: str | Path, catalog: Any = None) -> tuple[Scenario, Any, str]:
    """Like :func:`load_scenario`, also returning the YAML tree (for positions) and the file name."""
    text, path = read_scenario_text(name_or_path)
    sc, root = _validate(text, str(path), catalog)
    return sc, root, str(path)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario in canonical JSON (defaults filled in).

    Scenarios are frozen, so the hash of the last scenario asked for is kept (a campaign's
    replications of one variant ask for the same object thousands of times).
    """
    if _HASHED and _HASHED[0] is scenario:
        return _HASHED[1]
    blob = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(blob.encode()).hexdigest()
    _HASHED[:] = [scenario, digest]
    return digest


_HASHED: list[Any] = []  # [scenario, its hash] of the last call


def json_schema() -> dict[str, Any]:
    """JSON Schema of scenario files (for editors)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "iadsim scenario"
    return schema


def problems_text(problems: Iterable[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


__all__: Sequence[str] = (
    "load_scenario", "validate_text", "resolve_scenario_path", "bundled_scenarios", "scenario_hash",
    "json_schema", "RADAR_REQUIRED", "INTERCEPTOR_REQUIRED", "SYSTEM_REQUIRED",
)  # fmt: skip
