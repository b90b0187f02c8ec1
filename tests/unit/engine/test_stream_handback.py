"""The engine hands the compiled draws' stream states back to the run's Generators (engine/run.py)."""

from __future__ import annotations

import iadsim.engine.run as run_mod


def test_streams_handed_back_after_the_run() -> None:
    # the compiled draws advance state arrays; at the end of _run every Generator they came from
    # continues where the kernels stopped (rng_kernels.store_states), so no draw is ever repeated
    import iadsim
    from iadsim.rng import make_streams
    from iadsim.engine.world import compile_world
    from iadsim.scenario.catalog import load_catalog

    sc = iadsim.load_scenario("turkey-2017-integrated")
    streams = make_streams(1)
    world = compile_world(sc, load_catalog(), streams)
    ctx_names = {"radar": list(world.radars.name), "fire_unit": list(world.fire_units.name)}
    before = {(r, n): streams.entity(r, n).bit_generator.state["state"]["state"] for r, ns in ctx_names.items() for n in ns}
    sensors_before = streams.sensors.bit_generator.state["state"]["state"]
    run_mod._run(world, streams, None)
    moved = [k for k, v in before.items() if streams.entity(*k).bit_generator.state["state"]["state"] != v]
    assert any(k[0] == "radar" for k in moved)  # search looks drew from the radars' streams
    assert any(k[0] == "fire_unit" for k in moved)  # kill draws from the fire units' streams
    assert streams.sensors.bit_generator.state["state"]["state"] != sensors_before  # track dwells
