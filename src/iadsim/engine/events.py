"""Immutable event records — the single source of truth of a run.

Inside the engine events are appended in columnar batches (no per-event Python objects in the hot
path); :meth:`EventLog.table` returns them as one pyarrow table ordered by
``(time_s, priority, seq)``. :func:`records` turns rows back into frozen dataclass records for
users who prefer objects.

Column meanings (``-1`` = not applicable for integer ids, NaN for floats):

``time_s`` seconds from the scenario epoch · ``kind`` record type · ``priority`` phase (1 motion,
2 sensing, 3 tracking, 4 C2, 5 engagement) · ``seq`` emission order · ``threat`` threat index ·
``site`` / ``sensor`` / ``fire_unit`` / ``asset`` indices into the world · ``track`` track id ·
``shot`` interceptor (shot) id · ``interceptor_type`` index into the interceptor types ·
``x_m, y_m, z_m`` ECEF position (measurement, intercept point, impact point) · ``range_m``
measured range (Detection) or miss distance (Intercept/Miss) · ``pk`` kill probability used ·
``value`` asset value lost (Impact), cost (Launch), 1/0 assessed dead/alive (KillAssessed),
the track's value at risk (Assignment; ``pk`` there: the Pk the assignment used, against the
assessed class × launch quality), or the old track id (Retarget: ``track``/``threat`` are the new
target, ``x_m, y_m, z_m`` the new PIP) ·
``reason`` why (string, null where not applicable): every ``Miss`` carries one of
``pk_draw`` (the kill-probability draw failed), ``guidance_lost`` (the fire-control radar lost
the target while the round flew), ``target_already_dead`` (killed by another round before this
one arrived), ``self_destruct`` (destroyed in flight after its target was assessed dead),
``false_target`` (the engaged track followed no real object); ``GuidanceLost`` carries
``fc_out_of_coverage`` or ``fc_missed_dwells``; ``KillAssessed`` carries ``assessed_dead`` or
``assessed_alive``. ``Identified`` (a site's track moved on the identification ladder,
:mod:`iadsim.c2.iff`): ``site``, ``track``, ``threat`` the object behind it (truth, for scoring),
``value`` the new identity code, ``reason`` ``id_<identity>``. ``Fratricide``: at launch, one per
round fired at a friendly — ``fire_unit``, ``site``, ``shot``, ``sensor`` the supporting
fire-control radar, ``track`` the engaged track of the unit's site, ``threat`` the friendly's
object index, ``value`` the identity the unit held, ``reason`` the rule that allowed it
(``roe_weapons_free`` / ``roe_weapons_tight``); at the kill, ``reason`` ``friendly_destroyed``
with ``shot``, ``pk``, ``range_m`` and the point (a friendly kill is never an ``Intercept``).
Object indices ``≥ len(world.threats)`` in the ``threat`` column are friendly aircraft
(``world.friendly_names``).

Network records (issue 9): ``NetworkTrack`` — a member site received a network track number
``value`` that none of its own tracks held (a remote cue track ``track`` at ``site``);
``LinkDown`` / ``LinkUp`` / ``C2NodeFailed`` — ``value`` is the network index (``world.networks``).
``Assignment`` on a remote track carries reason ``remote_track``; ``GuidanceLost`` reason
``fc_not_acquired``: a target engaged on a remote track was not acquired by the unit's
fire-control radar before the seeker hand-over.
"""

from __future__ import annotations

from dataclasses import dataclass, make_dataclass
from enum import IntEnum
from typing import Any, Iterator

import numpy as np
import pyarrow as pa

from iadsim.sensors.scheduling import LOSS_REASONS
from iadsim.weapons.kill_assessment import MISS_REASONS


class EventKind(IntEnum):
    """Record types; the value is stable (stored in files)."""

    Launch_Threat = 1  # a threat launched / entered the scenario
    Detection = 2
    TrackInitiated = 3
    TrackConfirmed = 4
    TrackDropped = 5
    Assignment = 6  # a fire unit commits to engage a track
    Launch = 7  # an interceptor leaves the launcher
    Intercept = 8  # interceptor killed its threat
    Miss = 9  # interceptor failed (Pk draw, or the threat was already gone)
    Leak = 10  # a threat reached its target
    Impact = 11  # outcome of a leaker at its target (value lost if destroyed)
    GuidanceLost = 12  # the fire-control radar lost an engaged target: its rounds in flight lose guidance
    KillAssessed = 13  # a fire unit's kill assessment of a target after its round arrived
    Identified = 14  # a site's track moved one step on the identification ladder (c2/iff.py)
    Fratricide = 15  # a round launched at a friendly (cause chain), or a friendly destroyed by one
    Retarget = 21  # a round in flight at a target assessed dead is reassigned to another track
    NetworkTrack = 16  # a member site received a network track it did not hold: a remote (cue) track row
    LinkDown = 17  # a network's link went down (scheduled outage): members fight autonomously
    LinkUp = 18  # a network's link is back up
    C2NodeFailed = 19  # a network's C2 node failed for good: members fight autonomously


PRIORITY = {
    EventKind.Launch_Threat: 1, EventKind.Leak: 1, EventKind.Impact: 1,
    EventKind.Detection: 2,
    EventKind.TrackInitiated: 3, EventKind.TrackConfirmed: 3, EventKind.TrackDropped: 3,
    EventKind.Assignment: 4,
    EventKind.Launch: 5, EventKind.Intercept: 5, EventKind.Miss: 5,
    EventKind.GuidanceLost: 5, EventKind.KillAssessed: 4,
    EventKind.Identified: 4, EventKind.Fratricide: 5, EventKind.Retarget: 4,
    EventKind.NetworkTrack: 4, EventKind.LinkDown: 4, EventKind.LinkUp: 4, EventKind.C2NodeFailed: 4,
}  # fmt: skip

INT_COLS = ("threat", "site", "sensor", "fire_unit", "asset", "track", "shot", "interceptor_type")
FLOAT_COLS = ("x_m", "y_m", "z_m", "range_m", "pk", "value")

#: Vocabulary of the ``reason`` column (emit integer codes into this tuple; −1 = none).
REASONS: tuple[str, ...] = MISS_REASONS + LOSS_REASONS + ("assessed_dead", "assessed_alive")
#: issue 9 IFF (appended; never reorder): ``Identified`` carries ``id_<identity>``; ``Fratricide``
#: carries the rule that allowed the launch (``roe_<rule>``) or ``friendly_destroyed``.
IFF_REASONS: tuple[str, ...] = ("id_unknown", "id_assumed_friend", "id_assumed_hostile", "id_friend", "id_hostile",
                                "roe_weapons_free", "roe_weapons_tight", "roe_weapons_hold", "friendly_destroyed")
REASONS = REASONS + IFF_REASONS
#: network (issue 9, NET): an Assignment on a remote (network) track; a GuidanceLost because the
#: fire-control radar did not acquire a target engaged on a remote track before the seeker hand-over
REASONS += ("remote_track", "fc_not_acquired")
REASON_CODE: dict[str, int] = {r: i for i, r in enumerate(REASONS)}
#: every column :meth:`EventLog.emit` accepts
_COLUMNS: frozenset[str] = frozenset(INT_COLS + FLOAT_COLS + ("reason",))

SCHEMA = pa.schema(
    [("time_s", pa.float64()), ("kind", pa.string()), ("priority", pa.int8()), ("seq", pa.int64())]
    + [(c, pa.int64()) for c in INT_COLS]
    + [(c, pa.float64()) for c in FLOAT_COLS]
    + [("reason", pa.string())]
)


#: the priority of each kind code and the kinds' names by code (:meth:`EventLog.table`)
_PRIORITY_LUT = np.zeros(max(EventKind) + 1, np.int8)
for _k, _p in PRIORITY.items():
    _PRIORITY_LUT[_k] = _p
_KIND_NAMES = pa.array([EventKind(k).name if k in set(EventKind) else "" for k in range(max(EventKind) + 1)],
                       pa.string())  # fmt: skip


class EventLog:
    """Append-only columnar event store."""

    def __init__(self) -> None:
        from iadsim.engine.eventbuf import EventBuf

        self._batches: list[tuple[int, int, int, Any, dict[str, Any]]] = []
        #: rows written by compiled phases (``eventbuf.emit``); it also holds the one sequence
        #: counter that Python batches and compiled rows share
        self.buf = EventBuf()

    def emit(self, kind: EventKind, time_s: np.ndarray | float, **cols: Any) -> None:
        """Append ``n`` events of one kind; columns broadcast to the batch length.

        ``n`` is the length of the first array-valued column (every array column has that
        length), else of ``time_s`` when it is an array, else 1. Columns not given are filled
        (−1 / NaN) only when the table is built; the batch keeps references to the given arrays
        (callers pass fresh arrays: slices/fancy-indexed results).
        """
        if not _COLUMNS.issuperset(cols):
            raise TypeError(f"unknown event columns: {sorted(set(cols) - _COLUMNS)}")
        n = -1
        for v in cols.values():  # the batch length: one shape read per column, no np.size/np.ndim calls
            shape = v.shape if type(v) is np.ndarray else np.shape(v)
            if len(shape):
                m = shape[0] if len(shape) == 1 else int(np.prod(shape))
                if m > n:
                    n = m
        if n < 0:
            shape = time_s.shape if type(time_s) is np.ndarray else np.shape(time_s)
            n = (shape[0] if len(shape) == 1 else int(np.prod(shape))) if len(shape) else 1
        if n == 0:
            return
        self._batches.append((int(kind), n, self.buf.take_seq(n), time_s, cols))

    def __len__(self) -> int:
        return self.buf.next_seq

    def columns(self) -> EventColumns:
        """All events as NumPy columns, sorted by (time_s, priority, seq): what :meth:`table`
        holds, without the Arrow table (the run's summary reads these; a campaign replication
        whose events are not kept never builds the table)."""
        total = self.buf.next_seq
        code = np.empty(total, np.int8)
        time_s = np.empty(total)
        out: dict[str, np.ndarray] = {c: np.full(total, -1, np.int64) for c in INT_COLS}
        out.update({c: np.full(total, np.nan) for c in FLOAT_COLS})
        out["reason"] = np.full(total, -1, np.int64)
        for kind, n, start, t, cols in self._batches:
            sl = slice(start, start + n)
            code[sl] = kind
            time_s[sl] = t
            for c, v in cols.items():
                out[c][sl] = v
        ints, flts = self.buf.rows()  # the compiled phases' rows, each at its own seq
        if len(ints):
            at = ints[:, 0]
            code[at] = ints[:, 1]
            time_s[at] = flts[:, 0]
            for j, c in enumerate(INT_COLS):
                out[c][at] = ints[:, 2 + j]
            out["reason"][at] = ints[:, 2 + len(INT_COLS)]
            for j, c in enumerate(FLOAT_COLS):
                out[c][at] = flts[:, 1 + j]
        prio = _PRIORITY_LUT[code]
        seq = np.arange(total, dtype=np.int64)
        order = np.lexsort((seq, prio, time_s))
        data = {"time_s": time_s[order], "priority": prio[order], "seq": seq[order]}
        for c in INT_COLS + FLOAT_COLS:
            data[c] = out[c][order]
        return EventColumns(code[order], out["reason"][order], data)

    def table(self) -> pa.Table:
        """All events, sorted by (time_s, priority, seq)."""
        return self.columns().table()


class EventColumns:
    """One run's events as NumPy columns in table order (:meth:`EventLog.columns`).

    ``kind`` (int8 :class:`EventKind` codes) and ``reason`` (int64 indices into :data:`REASONS`,
    −1 none) are codes; :meth:`table` gives the Arrow table with their names (built once, on
    first use).
    """

    def __init__(self, kind: np.ndarray, reason: np.ndarray, cols: dict[str, np.ndarray]) -> None:
        self.kind = kind
        self.reason = reason
        self.cols = cols
        self._table: pa.Table | None = None

    def __len__(self) -> int:
        return len(self.kind)

    def table(self) -> pa.Table:
        if self._table is None:
            if len(self.kind) == 0:
                self._table = SCHEMA.empty_table()
            else:
                data: dict[str, Any] = {
                    "time_s": self.cols["time_s"],
                    # the kind's name through a dictionary of the names (one cast in Arrow, no Python strings per row)
                    "kind": pa.DictionaryArray.from_arrays(pa.array(self.kind.astype(np.int32)),
                                                           _KIND_NAMES).cast(pa.string()),
                    "priority": self.cols["priority"],
                    "seq": self.cols["seq"],
                }
                for c in INT_COLS + FLOAT_COLS:
                    data[c] = self.cols[c]
                code_r = self.reason
                data["reason"] = pa.DictionaryArray.from_arrays(
                    pa.array(code_r, mask=code_r < 0, type=pa.int32()), pa.array(REASONS)).cast(pa.string())
                self._table = pa.table(data, schema=SCHEMA)
        return self._table


@dataclass(frozen=True)
class EventRecord:
    """Common fields of every record."""

    time_s: float
    seq: int


def _record_type(kind: EventKind, cols: tuple[str, ...]) -> type:
    return make_dataclass(kind.name, [(c, Any) for c in cols], bases=(EventRecord,), frozen=True)


#: Columns that are meaningful for each record type.
RECORD_COLUMNS: dict[EventKind, tuple[str, ...]] = {
    EventKind.Launch_Threat: ("threat", "x_m", "y_m", "z_m"),
    EventKind.Detection: ("sensor", "site", "threat", "range_m", "x_m", "y_m", "z_m"),
    EventKind.TrackInitiated: ("site", "track", "threat"),
    EventKind.TrackConfirmed: ("site", "track", "threat"),
    EventKind.TrackDropped: ("site", "track", "threat"),
    EventKind.Assignment: ("fire_unit", "track", "threat", "interceptor_type", "sensor", "x_m", "y_m", "z_m", "value", "pk"),
    EventKind.Launch: ("fire_unit", "shot", "interceptor_type", "sensor", "track", "threat", "value"),
    EventKind.Intercept: ("fire_unit", "shot", "interceptor_type", "threat", "pk", "range_m", "x_m", "y_m", "z_m"),
    EventKind.Miss: ("fire_unit", "shot", "interceptor_type", "threat", "pk", "range_m", "reason"),
    EventKind.Leak: ("threat", "asset"),
    EventKind.Impact: ("threat", "asset", "value", "x_m", "y_m", "z_m"),
    EventKind.GuidanceLost: ("fire_unit", "shot", "sensor", "track", "threat", "reason"),
    EventKind.KillAssessed: ("fire_unit", "shot", "track", "threat", "value", "reason"),
    EventKind.Identified: ("site", "track", "threat", "value", "reason"),
    EventKind.Fratricide: ("fire_unit", "site", "shot", "interceptor_type", "sensor", "track", "threat", "pk",
                           "x_m", "y_m", "z_m", "value", "reason"),
    EventKind.Retarget: ("fire_unit", "shot", "interceptor_type", "sensor", "track", "threat", "value", "x_m", "y_m", "z_m"),
    EventKind.NetworkTrack: ("site", "track", "threat", "value"),
    EventKind.LinkDown: ("value",),
    EventKind.LinkUp: ("value",),
    EventKind.C2NodeFailed: ("value",),
}  # fmt: skip
RECORD_TYPES: dict[EventKind, type] = {k: _record_type(k, c) for k, c in RECORD_COLUMNS.items()}


def records(table: pa.Table) -> Iterator[Any]:
    """Iterate a (small) events table as frozen record objects (at the API edge only)."""
    d = table.to_pydict()
    for i in range(table.num_rows):
        kind = EventKind[d["kind"][i]]
        cls = RECORD_TYPES[kind]
        kw = {c: d[c][i] for c in RECORD_COLUMNS[kind]}
        yield cls(time_s=d["time_s"][i], seq=d["seq"][i], **kw)


__all__ = ["EventKind", "EventLog", "RECORD_TYPES", "RECORD_COLUMNS", "REASONS", "REASON_CODE", "records", "SCHEMA"]
