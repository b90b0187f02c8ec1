"""The run's events as NumPy columns (``EventLog.columns``): the summary reads them without the
Arrow table, and must give exactly what it gives from the table; a campaign builds the table only
for the replications whose events it keeps."""

from __future__ import annotations

import json

import numpy as np
import pytest

from iadsim.engine.events import REASONS, EventKind, EventLog
from iadsim.engine.run import simulate
from iadsim.results.metrics import _Events, summarize


def _log() -> EventLog:
    """A small log with every reason once (Miss rows), a few kinds, and ties in time."""
    log = EventLog()
    n = len(REASONS)
    log.emit(EventKind.Launch, 5.0, fire_unit=np.array([0, 1]), threat=np.array([3, 4]), shot=np.array([0, 1]))
    log.emit(EventKind.Miss, np.linspace(1.0, 9.0, n), threat=np.arange(n), shot=np.arange(n),
             reason=np.arange(n))  # fmt: skip
    log.emit(EventKind.Leak, 5.0, threat=7, asset=2)
    return log


def test_columns_select_every_kind_and_reason_as_the_table_does() -> None:
    cols = _log().columns()
    tbl = cols.table()
    a, b = _Events(cols), _Events(tbl)
    for k in EventKind:
        np.testing.assert_array_equal(a.equal("kind", k.name), b.equal("kind", k.name), err_msg=k.name)
    for r in (*REASONS, "not_a_reason"):
        np.testing.assert_array_equal(a.equal("reason", r), b.equal("reason", r), err_msg=r)
    assert a.equal("reason", REASONS[-1]).sum() == 1
    for c in ("time_s", "threat", "shot", "fire_unit", "asset", "seq", "priority", "pk"):
        np.testing.assert_array_equal(a.col(c), b.col(c), err_msg=c)


def test_empty_log_gives_the_empty_table() -> None:
    cols = EventLog().columns()
    assert len(cols) == 0 and cols.table().num_rows == 0


@pytest.mark.parametrize("name", ["turkey-2017-integrated"])
def test_summary_from_columns_equals_summary_from_table(name: str) -> None:
    res = simulate(name)
    assert res.events is res.events  # built once
    assert res.events.num_rows == len(res.event_columns) == res.manifest["n_events"]
    a = summarize(res.event_columns, res.world, res.track_quality)
    b = summarize(res.events, res.world, res.track_quality)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a == res.summary


def test_run_chunk_builds_the_events_only_where_they_are_kept() -> None:
    from iadsim.campaign.executors import Chunk, run_chunk

    made: list[int] = []

    def replicate(sc, seed):  # noqa: ANN001, ANN202
        def table():  # noqa: ANN202
            made.append(seed)
            return f"events of {seed}"

        return {"threats": {"leaked": seed}}, table

    from iadsim.scenario.load import load_scenario, scenario_hash

    sc = load_scenario("adana-patriot-small")
    chunk = Chunk(variant="v", scenario_json=sc.model_dump_json(), scenario_sha256=scenario_hash(sc), reps=(0, 1, 2),
                  seeds=(10, 11, 12), events_for=(1,))  # fmt: skip
    res = run_chunk(chunk, replicate)
    assert made == [11]
    assert res.events == {1: "events of 11"}
    assert [r["seed"] for r in res.rows] == [10, 11, 12]

