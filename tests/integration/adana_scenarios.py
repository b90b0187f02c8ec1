"""Shared small scenarios of the engine tests: one site at Adana, an asset beside it, a raid from the south.

Imported by the integration tests (pytest puts this folder on ``sys.path``); not a test module.
"""

from __future__ import annotations

import numpy as np

import iadsim
from iadsim.scenario.load import validate_text

#: The Patriot's sector radar facing the raid (south).
PATRIOT_SOUTH = "      - type: an-mpq-65\n        boresight_az_deg: 180"


def adana_scenario(sensors: str, fire_units: str, *, count: int = 2, threat: str = "fighter-4gen",
                   duration: int = 900, seed: int = 3, spacing: int = 30, extra: str = "",
                   name: str = "fc-test") -> iadsim.Scenario:  # fmt: skip
    """One site (37.0 N, 35.3 E) with ``sensors`` and ``fire_units`` (YAML list items, indented six
    spaces), the asset ``base`` 11 km south of it, and ``count`` threats launched from 35.6 N flying
    at it every ``spacing`` s; ``extra`` top-level YAML lines go before ``sites``."""
    text = f"""\
name: {name}
duration_s: {duration}
seed: {seed}
{extra + chr(10) if extra else ""}sites:
  - name: site
    lat_deg: 37.0
    lon_deg: 35.3
    sensors:
{sensors}
    fire_units:
{fire_units}
assets:
  - {{name: base, lat_deg: 36.9, lon_deg: 35.3}}
raids:
  - name: r
    threat: {threat}
    count: {count}
    launch: {{lat_deg: 35.6, lon_deg: 35.3}}
    spacing_s: {spacing}
    target: base
"""
    return validate_text(text, f"{name}.yaml")


def fc_scenario(sensors: str, fire_unit: str = "      - type: patriot\n        doctrine: shoot-look-shoot",
                count: int = 2, threat: str = "fighter-4gen", duration: int = 900) -> iadsim.Scenario:  # fmt: skip
    """The fire-control tests' scenario (seed 3, launches 30 s apart)."""
    return adana_scenario(sensors, fire_unit, count=count, threat=threat, duration=duration)


def kinds(res: iadsim.RunResult, kind: str) -> dict[str, np.ndarray]:
    """Columns of the events of one ``kind`` as arrays (object arrays for ``kind`` and ``reason``)."""
    ev = res.events
    m = np.array(ev["kind"].to_pylist()) == kind
    return {c: np.array(ev[c].to_pylist(), dtype=object if c in ("kind", "reason") else None)[m] for c in ev.column_names}
