"""Difference between two runs' summaries (``iadsim run A --compare B``): the C2 metrics B → A."""

from __future__ import annotations

from typing import Any


def _get(summary: dict[str, Any], path: tuple[str, ...]) -> float | None:
    node: Any = summary
    for p in path:
        if not isinstance(node, dict) or p not in node:
            return None
        node = node[p]
    return None if node is None else float(node)


#: (label, path into summary.json, unit) of each compared metric, in print order.
METRICS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("threats destroyed", ("threats", "destroyed"), ""),
    ("leakers", ("c2", "leakers"), ""),
    ("value lost", ("c2", "value_lost"), ""),
    ("rounds expended", ("c2", "rounds_expended"), ""),
    ("rounds cost (costed rounds)", ("c2", "rounds_cost_usd"), "usd"),
    ("rounds without a public cost", ("c2", "rounds_without_public_cost"), ""),
    ("reaction time, mean", ("c2", "reaction_time_s", "mean"), "s"),
    ("reaction time, median", ("c2", "reaction_time_s", "median"), "s"),
    ("double engagements", ("c2", "double_engagements"), ""),
    ("engagements on remote tracks", ("c2", "engagements_on_remote_tracks"), ""),
    ("fratricides", ("c2", "fratricides"), ""),
    ("friendlies engaged", ("c2", "friendlies_engaged"), ""),
    ("unknowns never identified", ("c2", "unknowns_never_identified"), ""),
)


def difference(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows ``{metric, unit, a, b, change}`` with ``change = a − b`` (None where either is missing).

    Parameters
    ----------
    a, b : run summaries (``summary.json``) of variant A (the run) and B (the comparison).
    """
    rows = []
    for label, path, unit in METRICS:
        va, vb = _get(a, path), _get(b, path)
        rows.append({"metric": label, "unit": unit, "a": va, "b": vb,
                     "change": None if va is None or vb is None else va - vb})  # fmt: skip
    return rows
