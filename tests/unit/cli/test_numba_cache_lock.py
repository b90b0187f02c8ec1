"""numba's on-disk cache under a cross-process lock (iadsim/numba_cache.py).

Without it, two processes compiling different signatures of one kernel can leave an index that
names one signature's data file holding the other's machine code. The tests hold the lock from
another process and check that a save and a load wait for it, and that a kernel of the engine,
compiled into a fresh cache while the lock is contended, still loads and runs correctly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from iadsim import numba_cache

pytestmark = pytest.mark.skipif(numba_cache.fcntl is None, reason="flock is POSIX only")

_HOLD = textwrap.dedent("""\
    import fcntl, os, sys, time
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("held", flush=True)
    sys.stdin.readline()  # hold until told
""")


def _holder(lock: Path) -> subprocess.Popen[str]:
    p = subprocess.Popen([sys.executable, "-c", _HOLD, str(lock)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)  # fmt: skip
    assert p.stdout is not None and p.stdout.readline().strip() == "held"
    return p


def _release(p: subprocess.Popen[str]) -> None:
    assert p.stdin is not None
    p.stdin.write("\n")
    p.stdin.flush()
    p.wait(timeout=30)


def test_install_wraps_numbas_index_file_once() -> None:
    from numba.core import caching

    save = caching.IndexDataCacheFile.save
    numba_cache.install()  # already installed by every kernel module's import: a no-op
    assert caching.IndexDataCacheFile.save is save
    assert caching.IndexDataCacheFile._iadsim_locked


@pytest.mark.parametrize("op", ["save", "load"])
def test_save_and_load_wait_for_another_process_holding_the_lock(tmp_path: Path, op: str) -> None:
    from numba.core.caching import IndexDataCacheFile

    f = IndexDataCacheFile(str(tmp_path), "kern-1.py311", source_stamp=("stamp", 1))
    f.save(("sig", 0), b"payload")  # a first entry, unlocked
    holder = _holder(tmp_path / numba_cache.LOCK_NAME)
    done = threading.Event()
    got: list[object] = []

    def work() -> None:
        got.append(f.save(("sig", 1), b"other") if op == "save" else f.load(("sig", 0)))
        done.set()

    th = threading.Thread(target=work, daemon=True)
    try:
        th.start()
        assert not done.wait(0.5), f"{op} did not wait for the lock held by another process"
    finally:
        _release(holder)
    th.join(timeout=30)
    assert done.is_set()
    assert f.load(("sig", 0)) == b"payload"
    if op == "save":
        assert f.load(("sig", 1)) == b"other"
    else:
        assert got == [b"payload"]


def test_unlockable_directory_keeps_numbas_behaviour(tmp_path: Path) -> None:
    with numba_cache.cache_lock(str(tmp_path / "missing"), exclusive=True) as held:
        assert held is False  # no lock file can be made: the block runs unlocked
    with numba_cache.cache_lock(str(tmp_path), exclusive=False) as held:
        assert held is True


def test_two_processes_caching_two_signatures_at_once_still_load_and_run(tmp_path: Path) -> None:
    """Caching still works under the lock: two processes compile and cache two signatures of one
    engine kernel into one empty cache at once, and two more load both from disk and get the
    ladder's answer (friend, assumed friend, hostile)."""
    from iadsim.c2 import iff

    want = str([iff.FRIEND, iff.ASSUMED_FRIEND, iff.HOSTILE])
    code = textwrap.dedent("""\
        import sys
        import numpy as np
        from iadsim.c2 import iff
        dtype = np.int64 if sys.argv[1] == "a" else np.int32  # two signatures of one kernel
        ident = np.zeros(3, np.int8)
        rep = np.array([3, 1, 0], dtype)
        sil = np.array([0, 0, 5], dtype)
        kin = np.array([False, False, True])
        out = iff._ladder_kernel(ident, rep, sil, kin, 1, 2, 2, 3)
        print(out.tolist())
    """)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    procs = [subprocess.Popen([sys.executable, "-c", code, k], env=env, stdout=subprocess.PIPE, text=True)
             for k in ("a", "b")]  # fmt: skip
    outs = [p.communicate(timeout=600)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    again = [subprocess.run([sys.executable, "-c", code, k], env=env, capture_output=True, text=True, timeout=600)
             for k in ("a", "b")]  # fmt: skip
    assert [a.stdout.strip() for a in again] == outs == [want] * 2
    idx = list((tmp_path / "cache").rglob("iff._ladder_kernel-*.nbi"))
    assert len(idx) == 1 and len(list(idx[0].parent.glob("iff._ladder_kernel-*.nbc"))) == 2
    assert list((tmp_path / "cache").rglob(numba_cache.LOCK_NAME))
