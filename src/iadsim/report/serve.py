"""``iadsim serve``: a local, read-only replay viewer over HTTP (stdlib ``ThreadingHTTPServer``).

What it serves, and nothing else:

* ``/`` — the viewer page (``viewer/index.html``), ``/static/<name>`` — its script and style,
  ``/vendor/<name>`` — the vendored MapLibre GL JS build (see ``viewer/vendor/VERSIONS.md``);
  only files listed in the package's viewer folder, looked up by exact name;
* ``/api/scene.json`` — the run, prepared once for the GPU (paths as flat arrays: ids, row
  offsets, times, lon/lat/alt), entity tables, coverage rings, events;
* ``/api/borders.geojson`` — the bundled Natural Earth borders as GeoJSON.

Safety: binds ``127.0.0.1`` unless told otherwise; only ``GET``/``HEAD`` (every other method is
405); any request path containing ``..`` (raw or percent-decoded, e.g. ``%2e%2e``), a backslash
or a NUL byte is refused with 400 before any lookup; unknown paths are 404. The results directory
itself is never served as files.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np

from iadsim.report.data import OUTCOMES, RunData, load_run, paths_of, threat_outcomes

__all__ = ["make_server", "scene", "borders_geojson", "is_safe_path", "ViewerServer"]

_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".json": "application/json", ".geojson": "application/geo+json", ".md": "text/plain; charset=utf-8", ".txt": "text/plain; charset=utf-8"}  # fmt: skip
#: Track estimates are thinned to one sample per this many seconds per track for the viewer.
TRACK_SAMPLE_S = 5.0


def is_safe_path(raw_path: str) -> bool:
    """False for any path that tries to leave the served tree (``..`` raw or decoded, ``\\``, NUL)."""
    path = urlsplit(raw_path).path
    for p in (path, unquote(path), unquote(unquote(path))):
        if ".." in p or "\\" in p or "\x00" in p:
            return False
    return True


def _viewer_files() -> dict[str, bytes]:
    """Every file the viewer may serve: URL path → bytes (read once, from the package)."""
    root = resources.files("iadsim").joinpath("report").joinpath("viewer")
    files = {"/": root.joinpath("index.html").read_bytes()}
    for name in ("app.js", "app.css"):
        files[f"/static/{name}"] = root.joinpath(name).read_bytes()
    vendor = root.joinpath("vendor")
    for name in ("maplibre-gl.js", "maplibre-gl.css", "maplibre-gl.LICENSE.txt", "VERSIONS.md"):
        files[f"/vendor/{name}"] = vendor.joinpath(name).read_bytes()
    return files


@lru_cache(maxsize=1)
def borders_geojson(tolerance_deg: float = 0.01) -> bytes:
    """Bundled Natural Earth borders as GeoJSON bytes (simplified by ``tolerance_deg``)."""
    from shapely.geometry import mapping

    from iadsim.geo.borders import all_countries

    feats = []
    for name, geom in all_countries().items():
        g = geom.simplify(tolerance_deg, preserve_topology=True)
        if g.is_empty:
            continue
        m = mapping(g)
        m = json.loads(json.dumps(m, default=list))  # tuples → lists
        feats.append({"type": "Feature", "properties": {"name": name}, "geometry": _round(m)})
    return json.dumps({"type": "FeatureCollection", "features": feats}, separators=(",", ":")).encode()


def _round(obj: Any, nd: int = 4) -> Any:
    if isinstance(obj, float):
        return round(obj, nd)
    if isinstance(obj, list):
        return [_round(x, nd) for x in obj]
    if isinstance(obj, dict):
        return {k: _round(v, nd) for k, v in obj.items()}
    return obj


def _paths_json(ids: np.ndarray, starts: np.ndarray, t: np.ndarray, ll: np.ndarray, alt: np.ndarray) -> dict[str, Any]:
    return {"ids": ids.tolist(), "starts": starts.tolist(), "t": np.round(t, 2).tolist(),
            "lon": np.round(ll[:, 0], 5).tolist(), "lat": np.round(ll[:, 1], 5).tolist(), "alt": np.round(alt, 0).tolist()}  # fmt: skip


def _track_paths(run: RunData) -> dict[str, Any] | None:
    """Confirmed-track estimates as paths (one per (site, track)), thinned to TRACK_SAMPLE_S."""
    ts = run.track_states
    if ts is None or ts.num_rows == 0 or "lat_deg" not in ts.column_names:
        return None
    site = run.col(ts, "site")
    trk = run.col(ts, "track")
    t = run.col(ts, "time_s")
    key = site * 10_000_000 + trk
    bucket = np.floor(t / TRACK_SAMPLE_S)
    order = np.lexsort((t, key))
    k, b = key[order], bucket[order]
    first = np.ones(len(order), bool)
    first[1:] = (k[1:] != k[:-1]) | (b[1:] != b[:-1])
    last = np.ones(len(order), bool)
    last[:-1] = k[1:] != k[:-1]
    keep = order[first | last]
    keep = keep[np.lexsort((t[keep], key[keep]))]
    uk, start = np.unique(key[keep], return_index=True)
    ll = np.column_stack([run.col(ts, "lon_deg")[keep], run.col(ts, "lat_deg")[keep]])
    d = _paths_json(uk, np.append(start, len(keep)), t[keep], ll, run.col(ts, "alt_m")[keep])
    d["site"] = (uk // 10_000_000).tolist()
    d["track"] = (uk % 10_000_000).tolist()
    return d


def scene(run: RunData) -> dict[str, Any]:
    """Everything the viewer draws, computed once per server start."""
    from iadsim.report.figures import ring_lonlat
    from iadsim.report.html import CAVEAT, _events_data

    def rows(name: str, cols: list[str]) -> list[dict[str, Any]]:
        d = run.tables[name].select(cols).to_pydict()
        return [dict(zip(cols, r)) for r in zip(*(d[c] for c in cols))]

    outcome, when = threat_outcomes(run)
    th = run.tables["threats"].to_pydict()
    ids, starts, t, ll, alt = paths_of(run, "threat")
    threats = _paths_json(ids, starts, t, ll, alt)
    threats["name"] = [th["name"][i] for i in ids]
    threats["type"] = [th["type"][i] for i in ids]
    threats["outcome"] = [OUTCOMES[outcome[i]] for i in ids]
    ii, istarts, it, ill, ialt = paths_of(run, "interceptor")
    inter = _paths_json(ii, istarts, it, ill, ialt)
    rings: dict[str, list[Any]] = {"radar": [], "fire_unit": []}
    for kind, key in (("radar", "radars"), ("fire_unit", "fire_units")):
        tt = run.tables[key].to_pydict()
        for name, la, lo, r in zip(tt["name"], tt["lat_deg"], tt["lon_deg"], tt["max_range_m"]):
            if r > 0:
                rings[kind].append({"name": name, "ring": np.round(ring_lonlat(la, lo, r), 4).tolist()})
    from iadsim.report.cities import ATTRIBUTION, cities_in_view
    from iadsim.report.figures import map_bbox

    st, at = run.tables["sites"].to_pydict(), run.tables["assets"].to_pydict()
    marked = list(zip(st["name"], st["lat_deg"], st["lon_deg"])) + list(zip(at["name"], at["lat_deg"], at["lon_deg"]))
    view_pts = np.concatenate([np.array([[lo, la] for _, la, lo in marked]).reshape(-1, 2), ll[::7]])
    # the largest places around the raid (the viewer hides labels that would overlap as it zooms)
    cities = [{"name": n, "lat_deg": la, "lon_deg": lo, "population": p}
              for n, la, lo, p in cities_in_view(map_bbox(view_pts, pad_frac=0.25), n_max=30, avoid=marked)]  # fmt: skip
    cols, ev_rows, n_total = _events_data(run, limit=None)  # the viewer's log has every non-detection event
    raw_ids = {c: run.col(run.events, c)[run.col(run.events, "kind").astype(str) != "Detection"][: len(ev_rows)].tolist()
               for c in ("threat", "shot", "fire_unit", "site", "asset")}  # fmt: skip
    return {
        "meta": {"scenario": run.summary.get("scenario", ""), "seed": run.manifest.get("seed"), "epoch_utc": run.epoch.isoformat(),
                 "duration_s": run.duration_s, "time_step_s": run.manifest.get("time_step_s", 1.0), "caveat": CAVEAT,
                 "summary": {k: run.summary["threats"][k] for k in ("total", "destroyed", "leaked")}},  # fmt: skip
        "sites": rows("sites", ["site", "name", "lat_deg", "lon_deg"]),
        "assets": rows("assets", ["asset", "name", "lat_deg", "lon_deg", "value"]),
        "cities": cities,
        "cities_attribution": ATTRIBUTION,
        "fire_units": rows("fire_units", ["fire_unit", "name", "system", "site_name", "max_range_m"]),
        "radars": rows("radars", ["sensor", "name", "type", "site_name", "max_range_m"]),
        "rings": rings,
        "threats": threats,
        "interceptors": inter,
        "tracks": _track_paths(run),
        "events": {"cols": cols, "rows": ev_rows, "ids": raw_ids, "total": n_total},
    }


class ViewerServer(ThreadingHTTPServer):
    """HTTP server holding the prepared, immutable content of one run."""

    daemon_threads = True

    def __init__(self, addr: tuple[str, int], run: RunData) -> None:
        self.files = _viewer_files()
        self.run = run
        self._scene: bytes | None = None
        self._lock = threading.Lock()
        super().__init__(addr, _Handler)

    def scene_bytes(self) -> bytes:
        with self._lock:
            if self._scene is None:
                self._scene = json.dumps(scene(self.run), separators=(",", ":"), allow_nan=False, default=_nan_none).encode()
            return self._scene


def _nan_none(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    return str(o)


class _Handler(BaseHTTPRequestHandler):
    server: ViewerServer
    server_version = "iadsim-viewer"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet: a local viewer

    def _send(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8", head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _get(self, head: bool) -> None:
        if not is_safe_path(self.path):
            self._send(HTTPStatus.BAD_REQUEST, b"bad path\n", head=head)
            return
        path = urlsplit(self.path).path
        if path in ("/index.html",):
            path = "/"
        if path in self.server.files:
            ext = Path(path).suffix if path != "/" else ".html"
            self._send(HTTPStatus.OK, self.server.files[path], _TYPES.get(ext, "application/octet-stream"), head)
        elif path == "/api/scene.json":
            self._send(HTTPStatus.OK, self.server.scene_bytes(), _TYPES[".json"], head)
        elif path == "/api/borders.geojson":
            self._send(HTTPStatus.OK, borders_geojson(), _TYPES[".geojson"], head)
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", head=head)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._get(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._get(head=True)

    def _refuse(self) -> None:
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse  # noqa: N815 - read-only


def make_server(results_dir: str | Path, host: str = "127.0.0.1", port: int = 8765) -> ViewerServer:
    """A viewer server for one results directory (not started: call ``serve_forever``)."""
    run = load_run(results_dir)
    return ViewerServer((host, port), run)
