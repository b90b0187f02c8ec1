"""Objects created in a tick without an identification pass can still be engaged.

turkey-2017-integrated (seed 0) creates fire-control objects (new tracks) in ticks where no IFF
interrogation sweep runs; the engagement phase must see them as ``unknown`` (identity state grown
to the object space) instead of indexing past the identity arrays (IndexError before the fix).
"""

import iadsim


def test_integrated_bundled_run_engages_objects_created_between_sweeps() -> None:
    res = iadsim.simulate("turkey-2017-integrated", seed=0)
    kinds = res.events.column("kind").to_pylist()
    assert "Launch" in kinds and "Identified" in kinds
