"""Golden summaries of the bundled scenarios.

A model change that moves these numbers must be deliberate: regenerate with
``IADSIM_UPDATE_GOLDEN=1 python -m pytest tests/regression`` and explain the change in the commit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import iadsim

GOLDEN = Path(__file__).parent / "golden"


def _key_numbers(summary: dict) -> dict:
    return {
        "threats": {k: summary["threats"][k] for k in ("total", "launched", "destroyed", "leaked")},
        "by_type": {r["threat"]: [r["launched"], r["destroyed"], r["leaked"]] for r in summary["threats"]["by_type"]},
        "fire_units": {r["fire_unit"]: [r["interceptors_fired"], r["kills"]] for r in summary["fire_units"]},
        "value_lost": summary["assets"]["value_lost"],
        "tracks_confirmed": summary["tracking"]["tracks_confirmed"],
        "detections": summary["tracking"]["detections"],
    }


@pytest.mark.parametrize("name", ["adana-patriot-small", "turkey-2017"])
def test_golden_summary(name: str) -> None:
    got = _key_numbers(iadsim.simulate(name).summary)
    path = GOLDEN / f"{name}.json"
    if os.environ.get("IADSIM_UPDATE_GOLDEN") == "1" or not path.exists():
        path.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
        if os.environ.get("IADSIM_UPDATE_GOLDEN") != "1":
            pytest.fail(f"golden file {path.name} was missing and has been written; commit it")
    assert got == json.loads(path.read_text())
