"""A cross-process lock around numba's on-disk cache (imported by every module that defines kernels).

numba keeps one index file per kernel (``<name>-<line>.pyXY.nbi``: signature → data file) and one
data file per compiled signature (``….N.nbc``). Its ``IndexDataCacheFile.save`` reads the index,
picks the first unused N, writes the index and then the data, with no lock. Two processes that
compile *different* signatures of one kernel at the same time (campaign workers on a fresh install,
the test suite's subprocesses) can both pick the same N: the index then names one signature's data
file while the file holds the other signature's machine code, and the next process to load that
signature runs code compiled for other argument types (a crash, or worse). Each write renames a
temporary file into place, so no file is torn; the inconsistency is between the two files.

:func:`install` wraps ``save`` in an exclusive and ``load`` in a shared ``fcntl.flock`` on one lock
file per cache directory (``iadsim-numba-cache.lock``), so a save's read-modify-write of the index
and its data file happen as one step and a load never sees the index of a save whose data is not
yet written. Where ``flock`` is unavailable (not POSIX) or fails (a read-only cache directory, a
file system without locks) numba's own behaviour is kept. Installing twice is a no-op.

Importing this module also installs :mod:`iadsim.numba_refs` (the kernels' arguments held as
borrowed references), so that every kernel module — each imports this one before it defines a
kernel — is compiled, and its cache looked up, with that rule in place.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from iadsim import numba_refs

LOCK_NAME = "iadsim-numba-cache.lock"

try:  # POSIX only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def cache_lock(cache_path: str, exclusive: bool) -> Iterator[bool]:
    """Hold ``flock`` on ``cache_path``/:data:`LOCK_NAME` (exclusive or shared) for the block;
    yields whether the lock is held (False: no lock could be taken, the block runs unlocked)."""
    if fcntl is None:  # pragma: no cover - Windows
        yield False
        return
    try:
        fd = os.open(os.path.join(cache_path, LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            held = True
        except OSError:
            held = False
        yield held
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def install() -> None:
    """Wrap numba's ``IndexDataCacheFile.save`` / ``load`` in :func:`cache_lock` (idempotent)."""
    from numba.core import caching

    cls: Any = caching.IndexDataCacheFile
    if getattr(cls, "_iadsim_locked", False):
        return
    save, load = cls.save, cls.load

    def locked_save(self: Any, key: Any, data: Any) -> None:
        with cache_lock(self._cache_path, exclusive=True):
            save(self, key, data)

    def locked_load(self: Any, key: Any) -> Any:
        with cache_lock(self._cache_path, exclusive=False):
            return load(self, key)

    cls.save, cls.load = locked_save, locked_load
    cls._iadsim_locked = True


install()
numba_refs.install()
