"""The compiled first half of the engagement decision (``c2_glue.decide_smooth``) against its
Python composition (``engine.run._decide_python``: ``engagement.decision_capability``, the
channels, the support test through ``_support_radar`` and ``engagement.choose_among``).

Every decision cycle of a bundled smooth-Earth run is captured as ``_engage`` receives it, and
both halves are evaluated on the same inputs: the capability after the support test, the chosen
type, its τ and PIP and the channels must be equal to the bit, and some cycles must have a pair
the support test removes (else the test would not exercise it).
"""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine import c2_glue
from iadsim.engine import run as run_mod
from iadsim.scenario.load import load_scenario
from iadsim.weapons import engagement


def _inputs(ctx, rows, t):  # noqa: ANN001, ANN202
    """x, cued, Pc, midcourse, q of a decision as _engage forms them without a network."""
    x, Pc = ctx.tracks.predicted(rows, t)
    cued = ctx.fcs.radar[ctx.fcs.obj[rows]] < 0
    return x, cued, Pc, ctx.world.scenario.fidelity.midcourse_updates, ctx.tracks.q


def _both(ctx, f, rows, t, magazine):  # noqa: ANN001, ANN202
    tracks, fcs, shots, world = ctx.tracks, ctx.fcs, ctx.shots, ctx.world
    fus, ic, radars = world.fire_units, world.interceptors, world.radars
    obj = fcs.obj[rows]
    remote = np.zeros(len(rows), bool)
    x, cued, Pc, _, _ = _inputs(ctx, rows, t)
    own = fcs.radar[obj]
    py = run_mod._decide_python(ctx, f, x, cued, Pc, remote, magazine.copy(), own)
    c64 = np.ascontiguousarray
    cc = c2_glue.decide_smooth(
        c64(f, np.int64), c64(x, float), c64(Pc, float), c64(cued, bool), remote, float(tracks.q),
        c64(magazine, np.int64), ctx.eng, fcs.radar, c64(own, np.int64), shots.pending, shots.guided, shots.radar,
        int(shots.n), fus.max_engagements, fus.max_guided, ic.cost_usd, fus.preference, fus.weapon_cheapest,
        radars.ecef_m, radars.enu_rot, radars.lat_rad, radars.lon_rad, radars.alt_m, radars.max_range_m,
        radars.max_alt_m, radars.min_elevation_rad, radars.boresight_az_rad, radars.half_width_az_rad,
        float(radars.k_factor))
    return py, cc


def test_decide_smooth_is_the_python_composition(monkeypatch) -> None:  # noqa: ANN001
    sc = load_scenario("adana-patriot-small")
    assert sc is not None
    seen = {"cycles": 0, "capable": 0, "removed": 0}
    orig = run_mod._engage

    def spy(ctx, ready_fu, t, magazine, next_ready, f, rows):  # noqa: ANN001, ANN202
        assert ctx.eng is not None and ctx.net is None and ctx.world.radars.terrain is None
        py, cc = _both(ctx, f, rows, t, magazine)
        ds, best, tau, pip, held, tfree, gfree = py
        any_cap, ds_c, best_c, tau_c, pip_c, held_c, tfree_c, gfree_c = cc
        seen["cycles"] += 1
        assert any_cap == (ds is not None)
        if ds is not None:
            seen["capable"] += 1
            pre = engagement.decision_capability(  # the capability before the support test
                f, *_inputs(ctx, rows, t), magazine, ctx.world.fire_units, ctx.world.interceptors,
                ctx.world.fc_radars.cue_delay_s, ctx.world.fc_radars.track_update_s, ctx.asset_ecef).capable
            seen["removed"] += int((pre & ~ds.capable).any())
            for a, b in zip(ds, ds_c, strict=True):
                assert np.array_equal(a, b, equal_nan=True)
            for a, b in ((best, best_c), (tau, tau_c), (pip, pip_c), (held, held_c), (tfree, tfree_c),
                         (gfree, gfree_c)):
                assert a.dtype.kind == b.dtype.kind
                assert np.array_equal(a, b, equal_nan=True)
        return orig(ctx, ready_fu, t, magazine, next_ready, f, rows)

    monkeypatch.setattr(run_mod, "_engage", spy)
    # every cycle through _engage: the tick loop's own compiled decision (c2_glue.engage_smooth) off
    monkeypatch.setattr(run_mod, "_COMPILED_ENGAGE", False)
    run_mod.simulate(sc, seed=3)
    assert seen["cycles"] > 0 and seen["capable"] > 0 and seen["removed"] > 0, seen


@pytest.mark.parametrize("name", ["adana-patriot-small", "turkey-2017-integrated"])
def test_compiled_decision_gives_the_python_events(monkeypatch, name: str) -> None:  # noqa: ANN001
    """The smooth-Earth compiled parts of the decision (``decide_smooth``, the supporting radar in
    ``launch_plan``) on and off: the same events to the byte, networked (remote tracks, datalink)
    as standalone."""
    sc = load_scenario(name)
    fast = run_mod.simulate(sc, seed=5).events
    monkeypatch.setattr(run_mod, "_COMPILED_DECISION", False)
    slow = run_mod.simulate(sc, seed=5).events
    assert fast.num_rows > 0 and int(np.sum(fast.column("kind").to_numpy(zero_copy_only=False) == "Launch")) > 0
    assert fast.to_pandas().equals(slow.to_pandas())  # (NaN where NaN: pandas' equality)
    assert not fast.to_pandas().equals(fast.slice(1).to_pandas())  # the comparison can fail


def test_decision_channels_hand_case() -> None:
    """Channels by hand: radar 0 maintains objects 0 and 2, radar 1 object 3; two guided rounds of
    radar 1 in flight (one more has lost guidance, one has arrived, one is past n_shots). Units
    allow 2 target and 3 guidance channels. A pair whose object radar 0 already holds needs no new
    target channel there (1 free, not 0); the other pair has none left on radar 0."""
    f = np.array([0, 1])
    own = np.array([0, -1])  # the first pair's object is held by radar 0
    fc_radar = np.array([0, -1, 0, 1, -1])
    pending = np.array([True, True, True, False, True])
    guided = np.array([True, True, False, True, True])
    shot_radar = np.array([1, 1, 1, 1, 0])
    held, tfree, gfree = c2_glue.decision_channels(f, own, fc_radar, pending, guided, shot_radar, 4,
                                                   np.array([2, 2]), np.array([3, 3]), 2)
    assert held.tolist() == [2, 1]
    assert tfree.tolist() == [[1, 1], [0, 1]]
    assert gfree.tolist() == [[3, 1], [3, 1]]
