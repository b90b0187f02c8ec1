"""A terminal weave degrades the engine's intercepts: the defender's predictor does not model it."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import iadsim
from iadsim.scenario.load import validate_text


def _scenario(g: float) -> str:
    return textwrap.dedent(f"""\
        name: weave
        duration_s: 700
        fidelity: {{association: truth}}
        sites:
          - name: adana-patriot
            lat_deg: 37.0017
            lon_deg: 35.3289
            sensors: [{{type: an-mpq-65, boresight_az_deg: 150}}]
            fire_units: [{{type: patriot, doctrine: shoot-look-shoot, loadout: {{pac-3: 64}}}}]
        assets: [{{name: Adana, lat_deg: 37.0017, lon_deg: 35.3289}}]
        raids:
          - {{name: srbm, threat: scud-b, count: 8, launch: {{lat_deg: 35.30, lon_deg: 36.80, radius_km: 5}},
             launch_time_s: 10, spacing_s: 40, target: Adana, terminal_manoeuvre_g: {g}}}
    """)


def _miss_m(g: float, seed: int) -> np.ndarray:
    ev = iadsim.simulate(validate_text(_scenario(g), "weave.yaml"), seed=seed).events
    kind = ev["kind"].to_numpy(zero_copy_only=False)
    return ev["range_m"].to_numpy()[np.isin(kind, ["Intercept", "Miss"])]  # aim-point miss distance


@pytest.mark.parametrize("seed", [1, 3])
def test_weaving_missiles_are_missed_by_more(seed: int) -> None:
    plain, weave = _miss_m(0.0, seed), _miss_m(5.0, seed)
    assert len(plain) and len(weave)
    assert np.median(weave) > 1.2 * np.median(plain)
