"""`iadsim serve`: binds 127.0.0.1 by default, refuses path traversal, read-only, serves the run."""

from __future__ import annotations

import http.client
import inspect
import json
import threading

import pytest

import iadsim
from iadsim.report import cli as report_cli
from iadsim.report.serve import is_safe_path, make_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    out = tmp_path_factory.mktemp("s") / "run"
    iadsim.simulate("adana-patriot-small").write(out)
    srv = make_server(out, port=0)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield srv, out
    srv.shutdown()
    srv.server_close()


def _get(srv, path: str, method: str = "GET") -> tuple[int, bytes]:
    host, port = srv.server_address[:2]
    c = http.client.HTTPConnection(host, port, timeout=10)
    c.putrequest(method, path, skip_accept_encoding=True)  # the path goes on the wire as written
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def test_binds_loopback_unless_told_otherwise(server) -> None:
    srv, _ = server
    assert srv.server_address[0] == "127.0.0.1"
    assert inspect.signature(make_server).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(report_cli.serve).parameters["host"].default.default == "127.0.0.1"


@pytest.mark.parametrize("path", ["/../summary.json", "/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
                                  "/%2E%2E/manifest.json", "/static/%252e%252e/x", "/static/..%5c..%5cwin.ini", "/vendor/..%2f..%2fsummary.json"])  # fmt: skip
def test_refuses_path_traversal(server, path) -> None:
    srv, _ = server
    status, body = _get(srv, path)
    assert status == 400
    assert b"scenario" not in body and b"root:" not in body
    assert not is_safe_path(path)


def test_serves_only_its_own_files_and_is_read_only(server) -> None:
    srv, _ = server
    assert _get(srv, "/")[0] == 200
    assert _get(srv, "/vendor/maplibre-gl.js")[0] == 200
    assert _get(srv, "/summary.json")[0] == 404  # the results directory is not a file tree to browse
    assert _get(srv, "/events.parquet")[0] == 404
    assert _get(srv, "/static/nope.js")[0] == 404
    for m in ("POST", "PUT", "DELETE"):
        assert _get(srv, "/api/scene.json", m)[0] == 405


def test_scene_holds_every_threat_path_and_the_events(server) -> None:
    srv, out = server
    status, body = _get(srv, "/api/scene.json")
    assert status == 200
    sc = json.loads(body)
    from iadsim.report.data import load_run

    run = load_run(out)
    assert len(sc["threats"]["ids"]) == run.tables["threats"].num_rows
    assert sc["threats"]["starts"][-1] == len(sc["threats"]["t"]) == len(sc["threats"]["lon"])
    assert set(sc["threats"]["outcome"]) <= {"destroyed", "leaked", "in_flight"}
    assert len(sc["events"]["rows"]) == sc["events"]["total"] > 0
    status, body = _get(srv, "/api/borders.geojson")
    gj = json.loads(body)
    assert status == 200 and len(gj["features"]) > 200
    lon, lat = gj["features"][0]["geometry"]["coordinates"][0][0][:2] if gj["features"][0]["geometry"]["type"] == "Polygon" else gj["features"][0]["geometry"]["coordinates"][0][0][0][:2]
    assert -180 <= lon <= 180 and -90 <= lat <= 90
