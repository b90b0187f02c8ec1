"""The engine's one-call supporting radar (engine/c2_glue.supporting_radar_smooth) chooses what
the rule (c2/fire_control.supporting_radar with the coverage rule scheduling.pair_visibility)
chooses, pair by pair, on the bundled radars."""

from __future__ import annotations

import numpy as np

import iadsim
from iadsim.c2 import fire_control
from iadsim.engine import c2_glue
from iadsim.engine.world import compile_world
from iadsim.sensors import scheduling


def test_kernel_matches_the_rule() -> None:
    world = compile_world(iadsim.load_scenario("turkey-2017"))
    radars, fus = world.radars, world.fire_units
    S, F = len(radars), len(fus)
    rng = np.random.default_rng(11)
    chosen = 0
    for _ in range(200):
        P = int(rng.integers(1, 12))
        f = rng.integers(0, F, P).astype(np.int64)
        own = [np.flatnonzero(fus.fc_mask[u]) for u in f]  # near one of the unit's fire-control radars
        base = np.asarray(radars.ecef_m)[[int(rng.choice(o)) if len(o) else 0 for o in own]]
        up = base / np.linalg.norm(base, axis=1, keepdims=True)
        p_launch = base + rng.normal(0, 15e3, (P, 3)) + up * rng.uniform(2e3, 12e3, (P, 1))
        pip = base + rng.normal(0, 15e3, (P, 3)) + up * rng.uniform(2e3, 12e3, (P, 1))
        tf = rng.integers(0, 3, (P, S)).astype(np.int64)
        gf = rng.integers(0, 3, (P, S)).astype(np.int64)
        want = fire_control.supporting_radar(f, fus.fc_mask,
                                             lambda pi, ri: scheduling.pair_visibility(radars, ri, p_launch[pi]),
                                             lambda pi, ri: scheduling.pair_visibility(radars, ri, pip[pi]), tf, gf)  # fmt: skip
        got = c2_glue.supporting_radar_smooth(
            f, fus.fc_mask, p_launch, pip, tf, gf, radars.ecef_m, radars.enu_rot, radars.lat_rad, radars.lon_rad,
            radars.alt_m, radars.max_range_m, radars.max_alt_m, radars.min_elevation_rad, radars.boresight_az_rad,
            radars.half_width_az_rad, float(radars.k_factor))  # fmt: skip
        assert np.array_equal(got, want)
        chosen += int((want >= 0).sum())
    assert chosen > 20  # the rule chose radars, not only "none"
