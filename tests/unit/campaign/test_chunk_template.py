"""A campaign chunk builds one template world for its variant and draws every replication from it;
its rows are exactly those of ``iadsim.simulate(scenario, seed)`` run one by one."""

from __future__ import annotations

import math

import pytest

import iadsim
import iadsim.engine.world as world_mod
from iadsim.campaign.executors import Chunk, flatten_summary, run_chunk


def test_a_chunk_builds_one_template_and_gives_the_rows_of_simulate(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = iadsim.load_scenario("adana-patriot-small").model_copy(update={"duration_s": 300.0})
    calls: list[int] = []
    real = world_mod.build_template

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(world_mod, "build_template", counting)
    seeds = (5, 6, 7)
    chunk = Chunk(variant="a", scenario_json=sc.model_dump_json(), scenario_sha256="test-chunk-template-adana-300",
                  reps=(0, 1, 2), seeds=seeds, events_for=(1,))  # fmt: skip
    res = run_chunk(chunk)
    assert len(calls) == 1  # one template for the chunk, not one world compile per replication
    assert [r["seed"] for r in res.rows] == list(seeds)
    for row, seed in zip(res.rows, seeds):
        ref = iadsim.simulate(sc, seed)
        want = {"rep": row["rep"], "seed": seed, **flatten_summary(ref.summary)}
        assert row.keys() == want.keys()
        for k, v in want.items():
            assert (math.isnan(v) and math.isnan(row[k])) if isinstance(v, float) and math.isnan(v) else row[k] == v, k
        if row["rep"] == 1:  # the sampled replication's events, every column (NaN equal to NaN)
            ev = res.events[1]
            assert ev.schema == ref.events.schema and ev.num_rows == ref.events.num_rows
            for c in ev.column_names:
                a, b = ev[c].to_numpy(zero_copy_only=False), ref.events[c].to_numpy(zero_copy_only=False)
                assert a.tobytes() == b.tobytes() if a.dtype.kind == "f" else list(a) == list(b), c
    assert len({r["seed"] for r in res.rows}) == 3
