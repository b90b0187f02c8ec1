"""C2 metrics on small synthetic event tables (results/metrics.py, issue 9 item 8)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from iadsim.engine.events import FLOAT_COLS, INT_COLS, SCHEMA
from iadsim.results.metrics import c2_metrics, double_engagements, reaction_times


def table(rows: list[dict]) -> pa.Table:
    cols: dict[str, list] = {f.name: [] for f in SCHEMA}
    for i, r in enumerate(rows):
        for name in cols:
            if name in r:
                cols[name].append(r[name])
            elif name in INT_COLS:
                cols[name].append(-1)
            elif name in FLOAT_COLS:
                cols[name].append(float("nan"))
            elif name == "seq":
                cols[name].append(i)
            elif name == "priority":
                cols[name].append(4)
            else:
                cols[name].append(None)
    return pa.table(cols, schema=SCHEMA)


def launch(t, fu, shot, thr):
    return {"time_s": t, "kind": "Launch", "fire_unit": fu, "shot": shot, "threat": thr, "value": 1e6}


def end(t, shot, thr, kind="Miss"):
    return {"time_s": t, "kind": kind, "shot": shot, "threat": thr}


def test_double_engagement_needs_two_units_with_overlapping_rounds() -> None:
    # threat 0: units 0 and 1 overlap in [12, 20) → double; threat 1: unit 1 after unit 0's round ended → not;
    # threat 2: one unit twice at once → not; false track (−1) by two units → not counted
    fu = np.array([0, 1, 0, 1, 2, 2, 0, 1])
    thr = np.array([0, 0, 1, 1, 2, 2, -1, -1])
    t0 = np.array([10, 12, 10, 30, 10, 11, 5, 5], float)
    t1 = np.array([20, 25, 20, 40, 20, 21, 9, 9], float)
    assert double_engagements(fu, thr, t0, t1) == 1
    # a round still in flight at the end (t_end = ∞) overlaps a later one
    assert double_engagements(np.array([0, 1]), np.array([3, 3]), np.array([0.0, 100.0]), np.array([np.inf, 110.0])) == 1


def test_reaction_time_first_detection_to_first_launch() -> None:
    rt = reaction_times(np.array([0, 0, 1, -1, 2]), np.array([10.0, 5.0, 7.0, 1.0, 3.0]),
                        np.array([0, 0, 1, -1]), np.array([40.0, 30.0, 27.0, 2.0]))  # fmt: skip
    assert sorted(rt.tolist()) == [20.0, 25.0]  # threat 0: 30 − 5; threat 1: 27 − 7; threat 2 never engaged


def test_c2_metrics_from_an_event_table() -> None:
    ev = table([
        {"time_s": 1.0, "kind": "Detection", "threat": 0, "sensor": 0},
        {"time_s": 2.0, "kind": "Detection", "threat": 1, "sensor": 0},
        {"time_s": 3.0, "kind": "TrackConfirmed", "threat": 0, "track": 0},
        {"time_s": 3.0, "kind": "TrackConfirmed", "threat": 1, "track": 1},
        {"time_s": 3.0, "kind": "TrackConfirmed", "threat": 2, "track": 2},
        {"time_s": 4.0, "kind": "Assignment", "fire_unit": 0, "threat": 0, "reason": "remote_track"},
        {"time_s": 4.0, "kind": "Assignment", "fire_unit": 1, "threat": 0},
        launch(5.0, 0, 0, 0), launch(6.0, 1, 1, 0), launch(12.0, 1, 2, 1),
        end(15.0, 0, 0, "Intercept"), end(15.0, 1, 0), end(20.0, 2, 1),
        {"time_s": 30.0, "kind": "Leak", "threat": 1, "asset": 0},
        {"time_s": 8.0, "kind": "Identified", "threat": 0},
        {"time_s": 13.0, "kind": "Fratricide", "threat": 2, "fire_unit": 1},
        {"time_s": 14.0, "kind": "Fratricide", "threat": 2, "fire_unit": 0},
    ])  # fmt: skip
    m = c2_metrics(ev)
    assert m["leakers"] == 1 and m["rounds_expended"] == 3
    assert m["double_engagements"] == 1
    assert m["engagements_on_remote_tracks"] == 1
    assert m["reaction_time_s"]["threats"] == 2
    assert m["reaction_time_s"]["mean"] == pytest.approx(((5 - 1) + (12 - 2)) / 2)
    assert m["reaction_time_s"]["median"] == pytest.approx(7.0)
    assert m["fratricides"] == 2 and m["friendlies_engaged"] == 1
    assert m["unknowns_never_identified"] == 2  # threats 1 and 2 were tracked and never identified


def test_absent_models_read_as_zero() -> None:
    m = c2_metrics(table([launch(5.0, 0, 0, 0)]))
    assert m["fratricides"] == 0 and m["friendlies_engaged"] == 0 and m["unknowns_never_identified"] == 0
    assert m["engagements_on_remote_tracks"] == 0 and m["double_engagements"] == 0
    assert m["reaction_time_s"]["mean"] is None
