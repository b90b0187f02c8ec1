"""Run manifest: what produced a result (scenario hash, seed, version, catalogue provenance)."""

from __future__ import annotations

import platform
from datetime import datetime, timezone
from typing import Any

import numpy as np

from iadsim.engine.world import World
from iadsim.scenario.load import scenario_hash


def build_manifest(world: World, seed: int, *, engine_wall_s: float, n_events: int) -> dict[str, Any]:
    import iadsim

    sc = world.scenario
    return {
        "iadsim_version": iadsim.__version__,
        "scenario": sc.name,
        "scenario_sha256": scenario_hash(sc),
        "seed": int(seed),
        "fidelity": sc.fidelity.model_dump(mode="json"),
        "tracking": sc.tracking.model_dump(mode="json"),
        "epoch_utc": sc.epoch_utc.isoformat(),
        "time_step_s": sc.time_step_s,
        "duration_s": sc.duration_s,
        "n_threats": len(world.threats),
        "n_radars": len(world.radars),
        "n_fire_units": len(world.fire_units),
        "n_events": int(n_events),
        "engine_wall_s": round(float(engine_wall_s), 4),
        "catalog_entries_used": world.catalog_used,
        "notional_data": "All system and threat parameters are notional, from public sources, each with its source and confidence grade; not engineering data.",
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
