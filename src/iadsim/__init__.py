"""iadsim — simulate and analyse integrated air and missile defence (notional, public data).

Public API::

    import iadsim
    sc = iadsim.load_scenario("turkey-2017")      # bundled name or a path
    res = iadsim.simulate(sc, seed=7)              # RunResult: events (pyarrow), summary, manifest
    res.write("results/my-run")                    # events.parquet, summary.json, manifest.json

Importing iadsim has no side effects; heavy modules load on first use.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_scenario", "simulate", "load_catalog", "compile_world", "RunResult"]


def __getattr__(name: str) -> Any:  # lazy public API (PEP 562)
    if name == "load_scenario":
        from iadsim.scenario.load import load_scenario

        return load_scenario
    if name == "simulate":
        from iadsim.engine.run import simulate

        return simulate
    if name == "RunResult":
        from iadsim.engine.run import RunResult

        return RunResult
    if name == "load_catalog":
        from iadsim.scenario.catalog import load_catalog

        return load_catalog
    if name == "compile_world":
        from iadsim.engine.world import compile_world

        return compile_world
    raise AttributeError(f"module 'iadsim' has no attribute {name!r}")
