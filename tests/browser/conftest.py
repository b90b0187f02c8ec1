"""Headless Debian chromium driven by Playwright (never `playwright install`).

`.ci/run` installs `chromium` with apt. Without it these tests FAIL (they do not skip), unless
``IADSIM_NO_BROWSER=1`` is set explicitly. WebGL runs on SwiftShader (CPU) so MapLibre renders
without a GPU. Each test saves a screenshot under ``tests/browser/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]  # fmt: skip
from pixels import ARTIFACTS  # noqa: E402


@pytest.fixture(scope="session")
def browser():
    if os.environ.get("IADSIM_NO_BROWSER") == "1":
        pytest.skip("IADSIM_NO_BROWSER=1: browser tests skipped on request")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (`apt-get install -y chromium`, done by .ci/run) "
                    "or set IADSIM_NO_BROWSER=1 to skip the browser tests")  # fmt: skip
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class PageWatch:
    """Every request and console error of a page."""

    def __init__(self, page) -> None:  # noqa: ANN001
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def external(self, allowed_prefixes: tuple[str, ...]) -> list[str]:
        return [u for u in self.requests if not u.startswith(allowed_prefixes)]


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
    pg = ctx.new_page()
    yield PageWatch(pg)
    ctx.close()


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory):
    import iadsim

    out = tmp_path_factory.mktemp("browser") / "run"
    iadsim.simulate("adana-patriot-small").write(out)
    return out


@pytest.fixture(scope="session")
def viewer_url(run_dir):
    from iadsim.report.serve import make_server

    srv = make_server(run_dir, port=0)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    host, port = srv.server_address[:2]
    yield f"http://{host}:{port}/"
    srv.shutdown()
    srv.server_close()
