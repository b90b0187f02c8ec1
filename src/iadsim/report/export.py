"""Exports of a run to the viewers analysts already use: CZML, KML, GeoJSON, Tacview ACMI.

All four are written from the run directory only (entity tables, ``truth.parquet``, events):

* **CZML** (Cesium) via ``czml3``: the document packet first, carrying the clock (scenario epoch to
  the end of the run); one packet per site, asset, threat and interceptor; moving entities carry
  sampled ``cartographicDegrees`` positions ``[t, lon, lat, h, ...]`` relative to their own
  ``epoch`` and an ``availability`` interval, threats coloured by outcome.
* **KML** (Google Earth) via ``simplekml``: sites and assets as placemarks, every moving entity as a
  ``gx:Track`` (``<when>`` + ``<gx:coord>lon lat alt</gx:coord>``, absolute altitude).
* **GeoJSON** (RFC 7946): positions are ``[longitude, latitude, altitude_m]`` (lon/lat order);
  sites, assets, intercept points as Points; trajectories as LineStrings with a ``times_s`` property.
* **Tacview ACMI 2.2** text written directly: header ``FileType=text/acmi/tacview``,
  ``FileVersion=2.2``, global ``0,ReferenceTime=``; ``#t`` time frames (seconds after the reference
  time); objects with hexadecimal ids and ``T=lon|lat|alt``; ``Type=`` tags; an interceptor's
  ``Parent=`` is its fire unit; ``RadarRange`` / ``EngagementRange`` (metres) on radars and fire
  units; ``0,Event=Destroyed|id|`` at a kill, then the object is removed (``-id``).

Heights are above the WGS84 ellipsoid (the engine's frame); the formats expect heights above
mean sea level — the difference (the geoid undulation, tens of metres) is not applied.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import numpy as np

from iadsim.errors import InputError
from iadsim.report.data import OUTCOMES, RunData, load_run, paths_of, threat_outcomes

__all__ = ["FORMATS", "export", "to_czml", "to_kml", "to_geojson", "to_acmi", "OUTCOME_RGBA", "write_atomic"]

#: Colours (RGBA 0–255) by threat outcome, interceptors, sites and assets.
OUTCOME_RGBA = {"destroyed": (43, 140, 190, 255), "leaked": (215, 48, 31, 255), "in_flight": (254, 178, 76, 255)}
INTERCEPTOR_RGBA = (49, 163, 84, 255)
SITE_RGBA = (8, 48, 107, 255)
ASSET_RGBA = (122, 1, 119, 255)

FORMATS = ("czml", "kml", "geojson", "acmi")
SUFFIX = {"czml": ".czml", "kml": ".kml", "geojson": ".geojson", "acmi": ".acmi"}


def _iso(d: datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S") + (f".{d.microsecond:06d}" if d.microsecond else "") + "Z"


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and one rename (nothing half-written)."""
    path = Path(path)
    if path.exists() and path.is_dir():
        raise InputError(f"{path}: is a directory; give a file name with --out")
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=parent)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _static(run: RunData) -> list[dict[str, Any]]:
    """Sites, fire units, radars and assets: kind, index, name, lon, lat, alt, extra properties."""
    out: list[dict[str, Any]] = []
    for kind, key in (("site", "sites"), ("asset", "assets")):
        t = run.tables[key].to_pydict()
        for i in range(len(t["name"])):
            props = {"value": t["value"][i]} if kind == "asset" else {}
            out.append({"kind": kind, "index": i, "name": t["name"][i], "lon": t["lon_deg"][i], "lat": t["lat_deg"][i], "alt": t["alt_m"][i], "props": props})
    return out


def _moving(run: RunData) -> list[dict[str, Any]]:
    """Threat and interceptor trajectories with names, outcome and colour."""
    outcome, when = threat_outcomes(run)
    th = run.tables["threats"].to_pydict()
    res: list[dict[str, Any]] = []
    ids, starts, t, ll, alt = paths_of(run, "threat")
    for k, i in enumerate(ids):
        s = slice(starts[k], starts[k + 1])
        o = OUTCOMES[outcome[i]]
        res.append({"entity": "threat", "id": int(i), "name": th["name"][i], "type": th["type"][i], "class": th["class"][i],
                    "outcome": o, "end_s": None if np.isnan(when[i]) else float(when[i]), "rgba": OUTCOME_RGBA[o],
                    "t": t[s], "lon": ll[s, 0], "lat": ll[s, 1], "alt": alt[s]})  # fmt: skip
    # interceptor → its fire unit and interceptor type, from its Launch event; outcome from Intercept/Miss
    ev = run.events
    kind = run.col(ev, "kind").astype(str)
    shot = run.col(ev, "shot")
    lm = kind == "Launch"
    fu_of = dict(zip(shot[lm].tolist(), run.col(ev, "fire_unit")[lm].tolist()))
    it_of = dict(zip(shot[lm].tolist(), run.col(ev, "interceptor_type")[lm].tolist()))
    hit = set(shot[kind == "Intercept"].tolist())
    fu_names = run.names("fire_units")
    it_names = run.names("interceptors")
    ids, starts, t, ll, alt = paths_of(run, "interceptor")
    for k, i in enumerate(ids):
        s = slice(starts[k], starts[k + 1])
        fu = int(fu_of.get(int(i), -1))
        it = int(it_of.get(int(i), -1))
        res.append({"entity": "interceptor", "id": int(i), "name": f"shot {int(i)} ({it_names[it] if it >= 0 else '?'})",
                    "type": it_names[it] if it >= 0 else "", "fire_unit": fu, "fire_unit_name": fu_names[fu] if fu >= 0 else "",
                    "outcome": "hit" if int(i) in hit else "miss", "rgba": INTERCEPTOR_RGBA,
                    "t": t[s], "lon": ll[s, 0], "lat": ll[s, 1], "alt": alt[s]})  # fmt: skip
    return res


# ---------------------------------------------------------------------------------------- GeoJSON
def to_geojson(run: RunData) -> dict[str, Any]:
    """A GeoJSON FeatureCollection; coordinates ``[lon, lat, alt_m]``."""
    feats: list[dict[str, Any]] = []
    for s in _static(run):
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"], s["alt"]]},
                      "properties": {"kind": s["kind"], "name": s["name"], **s["props"]}})  # fmt: skip
    for m in _moving(run):
        coords = np.column_stack([m["lon"], m["lat"], m["alt"]]).round(7).tolist()
        if len(coords) == 1:
            coords = coords * 2
        props = {k: v for k, v in m.items() if k not in ("t", "lon", "lat", "alt", "rgba")}
        props["kind"] = m["entity"]
        props["times_s"] = np.round(m["t"], 3).tolist()
        props["color"] = "#%02x%02x%02x" % m["rgba"][:3]
        feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords}, "properties": props})
    ev = run.events
    kind = run.col(ev, "kind").astype(str)
    for i in np.flatnonzero(kind == "Intercept"):
        lon, lat, alt = (float(run.col(ev, c)[i]) for c in ("lon_deg", "lat_deg", "alt_m"))
        if np.isfinite(lon):
            feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat, alt]},
                          "properties": {"kind": "intercept", "time_s": float(run.col(ev, "time_s")[i]),
                                         "threat": int(run.col(ev, "threat")[i]), "shot": int(run.col(ev, "shot")[i])}})  # fmt: skip
    return {"type": "FeatureCollection", "name": str(run.summary.get("scenario", "")),
            "properties": {"notional": NOTE, "epoch_utc": _iso(run.epoch)}, "features": feats}  # fmt: skip


NOTE = "NOTIONAL: parameters are public-source estimates; not an assessment of any real deployment (iadsim)."


# ---------------------------------------------------------------------------------------- CZML
def to_czml(run: RunData) -> Any:
    """A validated :class:`czml3.Document` (document packet with the clock first)."""
    from czml3 import Clock, Color, Document, Packet, Path, Point, Position, SolidColorMaterial
    from czml3.enums import InterpolationAlgorithms
    from czml3.properties import PolylineMaterial
    from czml3.types import TimeInterval

    t0 = run.epoch
    t1 = run.utc(run.duration_s)
    packets = [Packet(id="document", name=str(run.summary.get("scenario", "iadsim")), version="1.0",
                      clock=Clock(interval=TimeInterval(start=t0, end=t1), currentTime=t0, multiplier=10))]  # fmt: skip
    for s in _static(run):
        rgba = SITE_RGBA if s["kind"] == "site" else ASSET_RGBA
        packets.append(Packet(id=f"{s['kind']}/{s['index']}", name=s["name"], description=f"{s['kind']} — {NOTE}",
                              position=Position(cartographicDegrees=[s["lon"], s["lat"], s["alt"]]),
                              point=Point(pixelSize=9, color=Color(rgba=[int(v) for v in rgba]))))  # fmt: skip
    for m in _moving(run):
        ts = np.asarray(m["t"], float)
        start = float(ts[0])
        flat = np.column_stack([ts - start, m["lon"], m["lat"], m["alt"]]).ravel().tolist()
        if len(ts) == 1:
            flat = flat + flat
        col = [int(v) for v in m["rgba"]]
        packets.append(Packet(
            id=f"{m['entity']}/{m['id']}", name=m["name"], description=f"{m['entity']} {m['type']}: {m['outcome']}",
            availability=TimeInterval(start=run.utc(start), end=run.utc(float(ts[-1]))),
            position=Position(epoch=run.utc(start), cartographicDegrees=flat, interpolationAlgorithm=InterpolationAlgorithms.LINEAR, interpolationDegree=1),
            point=Point(pixelSize=6 if m["entity"] == "threat" else 4, color=Color(rgba=col)),
            path=Path(width=2 if m["entity"] == "threat" else 1, leadTime=0, trailTime=float(ts[-1] - start) + 1,
                      material=PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=col)))),
        ))  # fmt: skip
    return Document(packets=packets)


# ---------------------------------------------------------------------------------------- KML
def to_kml(run: RunData) -> str:
    """KML text: placemarks for sites/assets, one ``gx:Track`` per moving entity."""
    import simplekml

    kml = simplekml.Kml(name=str(run.summary.get("scenario", "iadsim")))
    kml.document.description = NOTE
    folders = {k: kml.newfolder(name=k) for k in ("sites", "assets", "threats", "interceptors")}
    for s in _static(run):
        p = folders[s["kind"] + "s"].newpoint(name=s["name"], coords=[(s["lon"], s["lat"], s["alt"])])
        p.altitudemode = simplekml.AltitudeMode.absolute
    for m in _moving(run):
        trk = folders[m["entity"] + "s"].newgxtrack(name=m["name"], description=f"{m['type']}: {m['outcome']}")
        trk.altitudemode = simplekml.AltitudeMode.absolute
        trk.newwhen([_iso(run.utc(float(x))) for x in m["t"]])
        trk.newgxcoord(list(zip(np.round(m["lon"], 7).tolist(), np.round(m["lat"], 7).tolist(), np.round(m["alt"], 1).tolist())))
        r, g, b, a = m["rgba"]
        trk.style.linestyle.color = simplekml.Color.rgb(r, g, b, a)
        trk.style.linestyle.width = 2
    return str(kml.kml())


# ---------------------------------------------------------------------------------------- ACMI
#: Tacview object ids (hexadecimal in the file) by entity kind: base + index.
ACMI_ID_BASE = {"site": 0x100, "radar": 0x1000, "fire_unit": 0x2000, "asset": 0x3000, "threat": 0x10000, "interceptor": 0x100000}
_ACMI_THREAT_TYPE = {"aircraft": "Air+FixedWing", "cruise_missile": "Weapon+Missile", "ballistic_missile": "Weapon+Missile", "drone": "Air+FixedWing"}


def _acmi_escape(s: str) -> str:
    return str(s).replace("\\", "\\\\").replace(",", "\\,").replace("\n", " ")


def acmi_id(kind: str, index: int) -> str:
    """Hexadecimal Tacview object id of entity ``index`` of ``kind``."""
    return f"{ACMI_ID_BASE[kind] + int(index):x}"


def to_acmi(run: RunData) -> str:
    """Tacview ACMI 2.2 text (see the module docstring for the layout)."""
    lines = ["FileType=text/acmi/tacview", "FileVersion=2.2",
             f"0,ReferenceTime={_iso(run.epoch)}", f"0,Title={_acmi_escape(run.summary.get('scenario', 'iadsim'))}",
             "0,DataSource=iadsim", f"0,Comments={_acmi_escape(NOTE)}"]  # fmt: skip
    # static objects at t = 0
    static: list[str] = []
    for kind, key, typ in (("asset", "assets", "Ground+Static+Building"), ("radar", "radars", "Ground+Static+Radar"),
                           ("fire_unit", "fire_units", "Ground+AntiAircraft")):  # fmt: skip
        t = run.tables[key].to_pydict()
        for i in range(len(t["name"])):
            extra = ""
            if kind == "radar":
                extra = f",RadarRange={t['max_range_m'][i]:.0f}"
            elif kind == "fire_unit":
                extra = f",EngagementRange={t['max_range_m'][i]:.0f}"
            static.append(f"{acmi_id(kind, i)},T={t['lon_deg'][i]:.7f}|{t['lat_deg'][i]:.7f}|{t['alt_m'][i]:.1f},Type={typ},"
                          f"Name={_acmi_escape(t['name'][i])},Coalition=Allies,Color=Blue{extra}")  # fmt: skip
    # moving objects: every sample becomes a line in its time frame
    frame_t: list[np.ndarray] = []
    frame_txt: list[list[str]] = []
    ends: list[tuple[float, str]] = []
    for m in _moving(run):
        oid = acmi_id(m["entity"], m["id"])
        txt = [f"{oid},T={lo:.7f}|{la:.7f}|{al:.1f}" for lo, la, al in zip(m["lon"], m["lat"], m["alt"])]
        if m["entity"] == "threat":
            typ = _ACMI_THREAT_TYPE.get(m["class"], "Air")
            txt[0] += f",Type={typ},Name={_acmi_escape(m['type'])},CallSign={_acmi_escape(m['name'])},Coalition=Enemies,Color=Red"
        else:
            txt[0] += f",Type=Weapon+Missile,Name={_acmi_escape(m['type'])},Coalition=Allies,Color=Blue"
            if m["fire_unit"] >= 0:
                txt[0] += f",Parent={acmi_id('fire_unit', m['fire_unit'])}"
        frame_t.append(np.asarray(m["t"], float))
        frame_txt.append(txt)
        t_end = float(m["t"][-1])
        if m["entity"] == "threat" and m["outcome"] == "destroyed":
            ends.append((t_end, f"0,Event=Destroyed|{oid}|"))
        ends.append((t_end, f"-{oid}"))
    if frame_t:
        all_t = np.concatenate(frame_t)
        all_txt = np.array([s for txt in frame_txt for s in txt], dtype=object)
    else:
        all_t = np.zeros(0)
        all_txt = np.zeros(0, dtype=object)
    end_t = np.array([e[0] for e in ends], float)
    end_txt = np.array([e[1] for e in ends], dtype=object)
    # order within a frame: positions, then events / removals
    key_t = np.concatenate([all_t, end_t])
    key_k = np.concatenate([np.zeros(len(all_t)), np.ones(len(end_t))])
    txt_all = np.concatenate([all_txt, end_txt]) if len(end_txt) else all_txt
    order = np.lexsort((key_k, np.round(key_t, 3)))
    lines.append("#0")
    lines.extend(static)
    last = 0.0
    for j in order:
        t = round(float(key_t[j]), 3)
        if t != last:
            lines.append(f"#{t:g}")
            last = t
        lines.append(str(txt_all[j]))
    return "\n".join(lines) + "\n"


def parse_acmi(text: str) -> dict[str, Any]:
    """Minimal ACMI 2.2 text reader (header, global properties, frames of ``id → T``).

    Returns ``{"header": {...}, "global": {...}, "frames": [(t, {id: (lon, lat, alt)})], "events": [...],
    "props": {id: {prop: value}}}``. Enough to check a file round-trips; not a general parser.
    """
    header: dict[str, str] = {}
    glob: dict[str, str] = {}
    frames: list[tuple[float, dict[str, tuple[float, float, float]]]] = []
    events: list[str] = []
    props: dict[str, dict[str, str]] = {}
    cur: dict[str, tuple[float, float, float]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("//"):
            continue
        if line.startswith("FileType=") or line.startswith("FileVersion="):
            k, v = line.split("=", 1)
            header[k] = v
        elif line.startswith("#"):
            cur = {}
            frames.append((float(line[1:]), cur))
        elif line.startswith("-"):
            continue
        else:
            oid, rest = line.split(",", 1)
            parts = [p.replace("\\,", ",") for p in _split_unescaped(rest)]
            kv = dict(p.split("=", 1) for p in parts)
            if oid == "0":
                if "Event" in kv:
                    events.append(kv["Event"])
                glob.update({k: v for k, v in kv.items() if k != "Event"})
                continue
            props.setdefault(oid, {}).update({k: v for k, v in kv.items() if k != "T"})
            if "T" in kv and cur is not None:
                lon, lat, alt = (float(x) for x in kv["T"].split("|")[:3])
                cur[oid] = (lon, lat, alt)
    return {"header": header, "global": glob, "frames": frames, "events": events, "props": props}


def _split_unescaped(s: str) -> list[str]:
    """Split on commas not escaped by a backslash."""
    return re.split(r"(?<!\\),", s)


# ---------------------------------------------------------------------------------------- entry
_WRITERS: dict[str, Callable[[RunData], str]] = {
    "czml": lambda r: to_czml(r).model_dump_json(exclude_none=True),
    "kml": to_kml,
    "geojson": lambda r: json.dumps(to_geojson(r), allow_nan=False),
    "acmi": to_acmi,
}


def export(results_dir: str | Path, fmt: str, out: str | Path | None = None) -> Path:
    """Write one export of a run; returns the file written (default ``RESULTS_DIR/<dir name>.<fmt>``)."""
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    run = load_run(results_dir)
    target = Path(out) if out is not None else run.path / f"{run.path.name}{SUFFIX[fmt]}"
    return write_atomic(target, _WRITERS[fmt](run))
