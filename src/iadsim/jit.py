"""The engine's compiled (numba) kernels: discovery, on-disk cache status, first-run notice, warm-up.

Kernels are numba dispatchers compiled with ``cache=True``: the first run after an install (or
after a kernel's source changed) compiles them — tens of seconds — and writes the machine code to
numba's on-disk cache (``__pycache__`` beside the source, or ``NUMBA_CACHE_DIR``); later runs load
it in milliseconds.

* :func:`find_kernels` imports every module of the engine's packages and returns every numba
  dispatcher defined there with ``cache=True`` (nothing is listed by hand: a kernel added to any
  engine module is found);
* :func:`cache_status` reads each kernel's on-disk cache index: the signatures cached for this
  machine and this version of the kernel's code (numba's own validity rules: numba version,
  source file stamp, bytecode hash, CPU);
* :func:`compile_notice` prints one line to stderr, once per process, when numba actually starts
  compiling (numba's ``numba:compile`` event fires on a cache miss only, never on a cache load),
  so the line appears exactly when a run pays the compile;
* :func:`warm_up` runs the engine on small built-in configurations (every WTA solver, every data
  association) so the kernels they use are compiled and cached before a real run.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TextIO

#: Packages whose modules may define engine kernels (imported and scanned by :func:`find_kernels`).
ENGINE_PACKAGES: tuple[str, ...] = (
    "iadsim.engine", "iadsim.threats", "iadsim.sensors", "iadsim.tracking", "iadsim.weapons", "iadsim.c2",
    "iadsim.geo", "iadsim.results",
)  # fmt: skip

#: The line printed while numba compiles (stderr, once per process).
NOTICE = "compiling numba kernels (first run after install; cached afterwards)…"


@dataclass(frozen=True)
class Kernel:
    """One cached numba kernel and the state of its on-disk cache.

    ``cached`` is the number of signatures in its cache index usable here (same numba version,
    source stamp, bytecode and CPU); ``cache_dir`` is where numba keeps it.
    """

    name: str  # "<module>.<qualname>"
    cache_dir: str
    cached: int

    @property
    def is_cached(self) -> bool:
        return self.cached > 0


def engine_modules() -> list[ModuleType]:
    """Import and return every module of :data:`ENGINE_PACKAGES` (sub-packages included)."""
    mods: list[ModuleType] = []
    for pkg_name in ENGINE_PACKAGES:
        pkg = importlib.import_module(pkg_name)
        mods.append(pkg)
        for info in pkgutil.walk_packages(getattr(pkg, "__path__", []), prefix=pkg_name + "."):
            mods.append(importlib.import_module(info.name))
    return mods


def _is_cached_dispatcher(obj: Any) -> bool:
    try:
        from numba.core.caching import NullCache
        from numba.core.dispatcher import Dispatcher
    except ImportError:  # pragma: no cover - numba is a dependency
        return False
    return isinstance(obj, Dispatcher) and not isinstance(getattr(obj, "_cache", None), NullCache)


def find_kernels() -> list[tuple[str, Any]]:
    """``(name, dispatcher)`` of every ``cache=True`` numba dispatcher defined in the engine's modules.

    A dispatcher imported into another module is listed once, under the module that defines it.
    """
    found: dict[int, tuple[str, Any]] = {}
    for mod in engine_modules():
        for attr, obj in vars(mod).items():
            if id(obj) in found or not _is_cached_dispatcher(obj):
                continue
            py = obj.py_func
            if py.__module__ != mod.__name__:
                continue  # re-exported: listed where it is defined
            found[id(obj)] = (f"{py.__module__}.{py.__qualname__}", obj)
    return sorted(found.values(), key=lambda x: x[0])


def _usable_entries(dispatcher: Any) -> int:
    """Signatures in the dispatcher's on-disk index that this process would load (0 if none)."""
    cache = dispatcher._cache
    index = cache._cache_file._load_index()  # {} when missing, stale (source stamp) or another numba
    if not index:
        return 0
    try:
        magic = dispatcher.targetctx.codegen().magic_tuple()
        code = hashlib.sha256(dispatcher.py_func.__code__.co_code).hexdigest()
    except Exception:  # pragma: no cover - numba internals moved: count the index as it is
        return len(index)
    return sum(1 for key in index if len(key) == 3 and key[1] == magic and key[2][0] == code)


def cache_status() -> list[Kernel]:
    """Every engine kernel and how many of its signatures are in numba's on-disk cache."""
    return [Kernel(name, str(d._cache.cache_path), _usable_entries(d)) for name, d in find_kernels()]


def cold_kernels() -> list[str]:
    """Names of the engine kernels with nothing usable in the on-disk cache."""
    return [k.name for k in cache_status() if not k.is_cached]


def _listener(notice: _Notice) -> Any:
    """A ``numba.core.event.Listener`` calling ``notice.fire()`` when a compile starts."""
    from numba.core import event

    class _CompileListener(event.Listener):
        def on_start(self, ev: Any) -> None:
            notice.fire()

        def on_end(self, ev: Any) -> None:
            pass

    return _CompileListener()


class _Notice:
    """Prints :data:`NOTICE` at the first numba compile of the process (see :func:`install_compile_notice`)."""

    def __init__(self, stream: TextIO | None, shared_flag: Any = None) -> None:
        self.stream = stream
        self.flag = shared_flag
        self.fired = False
        self.listener = _listener(self)

    def fire(self) -> None:
        if self.fired:
            return
        self.fired = True
        if self.flag is not None:  # one line for all the processes sharing the flag
            with self.flag.get_lock():
                if self.flag.value:
                    return
                self.flag.value = 1
        stream = self.stream if self.stream is not None else sys.stderr
        print(NOTICE, file=stream, flush=True)


_installed: _Notice | None = None


def install_compile_notice(stream: TextIO | None = None, shared_flag: Any = None) -> None:
    """Print :data:`NOTICE` to ``stream`` (default stderr) when numba first compiles in this process.

    ``shared_flag``: a ``multiprocessing.Value('b')`` shared by worker processes, so that only the
    first of them to compile prints. Installing twice is a no-op.
    """
    global _installed
    if _installed is not None:
        return
    from numba.core import event

    _installed = _Notice(stream, shared_flag)
    event.register("numba:compile", _installed.listener)


@contextmanager
def compile_notice(stream: TextIO | None = None) -> Iterator[_Notice]:
    """:func:`install_compile_notice` for a block (removed afterwards); yields the listener state."""
    from numba.core import event

    n = _Notice(stream)
    event.register("numba:compile", n.listener)
    try:
        yield n
    finally:
        event.unregister("numba:compile", n.listener)


#: (label, scenario overrides) run by :func:`warm_up` on the bundled ``adana-patriot-small``:
#: every weapon–target assignment solver and every data association of the engine.
WARM_UP_RUNS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("assignment heuristic, association truth", {"assignment": "heuristic"}),
    ("assignment greedy", {"assignment": "greedy"}),
    ("assignment mmr", {"assignment": "mmr"}),
    ("assignment exact", {"assignment": "exact"}),
    ("association gnn", {"fidelity": {"association": "gnn"}}),
    ("association jpda", {"fidelity": {"association": "jpda"}}),
)


def warm_up(scenarios: list[str] | None = None, duration_s: float = 600.0,
            log: Any = None) -> list[Kernel]:  # fmt: skip
    """Compile and cache the engine's kernels by running the engine; returns :func:`cache_status`.

    Parameters
    ----------
    scenarios : list of str, optional
        Scenario files or bundled names to run once each (seed of the scenario), instead of the
        built-in set (:data:`WARM_UP_RUNS` on ``adana-patriot-small``, ``duration_s`` each, then
        ``turkey-2017`` and ``turkey-2017-integrated`` (networks) for ``duration_s``).
    log : callable, optional
        ``log(text)`` before each run.
    """
    from iadsim.engine.run import simulate
    from iadsim.scenario.load import load_scenario
    from iadsim.scenario.schema import Scenario

    def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        return out

    runs: list[tuple[str, Scenario]] = []
    if scenarios:
        runs = [(s, load_scenario(s)) for s in scenarios]
    else:
        base = load_scenario("adana-patriot-small").model_dump()
        for label, over in WARM_UP_RUNS:
            data = merge(base, {**over, "duration_s": min(duration_s, float(base["duration_s"]))})
            runs.append((f"adana-patriot-small ({label})", Scenario.model_validate(data)))
        for name in ("turkey-2017", "turkey-2017-integrated"):
            tk = load_scenario(name).model_dump()
            runs.append((name, Scenario.model_validate({**tk, "duration_s": min(duration_s, float(tk["duration_s"]))})))
    for label, sc in runs:
        if log is not None:
            log(label)
        simulate(sc)
    return cache_status()
