"""Compiled-kernel discovery, the first-run compile notice and ``iadsim warmup`` (issue 12 item 9).

The subprocess test starts from its own empty ``NUMBA_CACHE_DIR`` and pays one cold compile (the
first ``iadsim run``, notice once); later runs print the notice only when numba compiles (one
kernel's cache files deleted), never with ``--quiet``, a campaign's two workers once, and
``iadsim warmup --check`` reports the cache state before and after.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from iadsim import jit

SMALL = textwrap.dedent("""\
    name: small-cold
    duration_s: 240
    seed: 2
    sites:
      - name: adana
        lat_deg: 37.0
        lon_deg: 35.3
        sensors:
          - type: an-mpq-65
            boresight_az_deg: 180
        fire_units:
          - type: patriot
    assets:
      - {name: base, lat_deg: 36.95, lon_deg: 35.35}
    raids:
      - name: jets
        threat: fighter-4gen
        count: 2
        launch: {lat_deg: 36.3, lon_deg: 35.3}
        target: base
""")


def _cli(args: list[str], cache: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "iadsim", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=1200)  # fmt: skip


def test_find_kernels_discovers_the_cached_dispatchers_of_the_engine() -> None:
    names = [n for n, _ in jit.find_kernels()]
    assert "iadsim.c2.wta_kernels.iterated_local_search" in names
    assert len(names) == len(set(names))
    for _, d in jit.find_kernels():
        assert d.py_func.__module__.startswith("iadsim.")


def test_find_kernels_scans_modules_generically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "fakeengine"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "k.py").write_text(textwrap.dedent("""\
        from numba import njit

        @njit(cache=True)
        def cached_kernel(x):
            return x + 1

        @njit
        def uncached_kernel(x):
            return x + 2

        alias = cached_kernel
    """))
    (pkg / "user.py").write_text("from fakeengine.k import cached_kernel\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(jit, "ENGINE_PACKAGES", ("fakeengine",))
    assert [n for n, _ in jit.find_kernels()] == ["fakeengine.k.cached_kernel"]  # once, where defined
    st = jit.cache_status()
    assert [k.is_cached for k in st] == [False]


def test_compile_notice_fires_on_a_compile_only(capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from numba import njit

    @njit
    def f(x):  # type: ignore[no-untyped-def]
        return x * 3

    buf = io.StringIO()
    with jit.compile_notice(buf) as n:
        assert f(2) == 6  # compiles: one line
        assert f(3) == 9  # already compiled: nothing
        f(2.5)  # another signature compiles, but the line was printed already
    assert buf.getvalue() == jit.NOTICE + "\n"
    assert n.fired
    buf2 = io.StringIO()
    with jit.compile_notice(buf2):
        f(4)
    assert buf2.getvalue() == ""


def _forget(cache: Path, kernel: str) -> int:
    """Delete one kernel's files from numba's cache (index and code): the next run compiles that
    kernel only, and loads every other one."""
    files = list(cache.rglob(f"{kernel}-*.nbi")) + list(cache.rglob(f"{kernel}-*.nbc"))
    for f in files:
        f.unlink()
    return len(files)


def test_first_run_prints_the_notice_later_ones_only_when_compiling(tmp_path: Path) -> None:
    """One cold compile for every case (each costs minutes on 2 cores): the first run on an empty
    cache prints the notice once, the second nothing; a run that must compile one kernel (its
    cache files deleted) with ``--quiet`` prints nothing; a campaign whose two workers must compile
    (that kernel deleted again, and the campaign's own) prints it once."""
    cache = tmp_path / "numba-cache"
    (tmp_path / "small.yaml").write_text(SMALL)
    (tmp_path / "c.yaml").write_text("name: cold\nbase: small.yaml\nseed: 1\nreplications: 4\nvariants:\n  - name: a\n  - name: b\n")
    cold = _cli(["warmup", "--check"], cache, tmp_path)
    assert cold.returncode == 1, cold.stderr
    assert "0 cached" in cold.stdout
    first = _cli(["run", "small.yaml", "--out", "r1"], cache, tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stderr.count(jit.NOTICE) == 1
    second = _cli(["run", "small.yaml", "--out", "r2"], cache, tmp_path)
    assert second.returncode == 0, second.stderr
    assert jit.NOTICE not in second.stderr
    kernel = "world._uniform_rows"  # drawn from Python in every replication (WorldTemplate.draw)
    assert _forget(cache, kernel) >= 2
    quiet = _cli(["run", "small.yaml", "--out", "r3", "--quiet"], cache, tmp_path)
    assert quiet.returncode == 0 and jit.NOTICE not in quiet.stderr
    assert _forget(cache, kernel) >= 2  # the quiet run compiled it (and cached it) all the same
    res = _cli(["campaign", "c.yaml", "--out", "out", "--workers", "2", "--no-report"], cache, tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stderr.count(jit.NOTICE) == 1
    after = _cli(["warmup", "--check"], cache, tmp_path)
    n_cached = int(after.stdout.split(" compiled kernels, ")[1].split(" cached")[0])
    assert n_cached > 0
