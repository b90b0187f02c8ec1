"""Event rows written from compiled code: a growable columnar buffer that kernels append to.

:class:`~iadsim.engine.events.EventLog` keeps the events of one run. Python phases append
columnar batches (``EventLog.emit``); compiled phases append single rows to this buffer
(:func:`emit`), which lives inside the log. Both take their sequence numbers from the one counter
``next_seq`` of the buffer, so the emission order (the ``seq`` column, the tie-break of the
event order) is the order in which the phases emitted, whichever wrote them.

The buffer is a numba ``StructRef`` (passed to a kernel for ≈ 0.6 µs, a tuple of arrays costs
≈ 0.1 µs per array; its fields can be replaced inside compiled code, so it grows there, and unlike
a ``jitclass`` the kernels that take it are cached on disk). Row layout:

* ``ints[i]``: ``seq, kind, threat, site, sensor, fire_unit, asset, track, shot,
  interceptor_type, reason`` (−1 = not applicable);
* ``flts[i]``: ``time_s, x_m, y_m, z_m, range_m, pk, value`` (NaN = not applicable).
"""

from __future__ import annotations

import numba
import numpy as np
from numba.core import types
from numba.experimental import structref

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)

#: integer columns of a buffer row after ``seq`` and ``kind`` (order of :data:`events.INT_COLS`, then reason)
INT_FIELDS = ("seq", "kind", "threat", "site", "sensor", "fire_unit", "asset", "track", "shot", "interceptor_type",
              "reason")  # fmt: skip
FLOAT_FIELDS = ("time_s", "x_m", "y_m", "z_m", "range_m", "pk", "value")
NAN = np.nan


@structref.register
class EventBufType(types.StructRef):
    def preprocess_fields(self, fields):  # noqa: ANN001, ANN201 - numba's hook
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


class EventBuf(structref.StructRefProxy):
    """Growable event rows (see the module docstring); ``EventBuf()`` starts empty."""

    def __new__(cls, cap: int = 1024):  # noqa: ANN204
        ints = np.full((max(int(cap), 1), len(INT_FIELDS)), -1, np.int64)
        flts = np.full((max(int(cap), 1), len(FLOAT_FIELDS)), np.nan)
        # a cached compiled constructor: StructRefProxy.__new__ would compile one in every process
        return _new_buf(ints, flts)

    @property
    def n(self) -> int:
        """Rows written."""
        return _get_n(self)

    @property
    def next_seq(self) -> int:
        """The next sequence number (rows here + rows of the Python batches)."""
        return _get_seq(self)

    def take_seq(self, k: int) -> int:
        """Reserve ``k`` sequence numbers for a Python batch; returns the first."""
        return _take_seq(self, int(k))

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(ints (n, 11), flts (n, 7)) views of the rows written."""
        return _rows(self)


structref.define_proxy(EventBuf, EventBufType, ["ints", "flts", "n", "next_seq"])
#: the one concrete buffer type (C-contiguous 2-D columns, int64 counters)
BUF_TYPE = EventBufType(fields=[("ints", types.int64[:, ::1]), ("flts", types.float64[:, ::1]), ("n", types.int64),
                                ("next_seq", types.int64)])  # fmt: skip


@numba.njit(cache=True, error_model="numpy")
def _new_buf(ints, flts):  # noqa: ANN001, ANN202
    b = structref.new(BUF_TYPE)
    b.ints = ints
    b.flts = flts
    b.n = 0
    b.next_seq = 0
    return b


@numba.njit(cache=True, error_model="numpy")
def _get_n(b):  # noqa: ANN001, ANN202
    return b.n


@numba.njit(cache=True, error_model="numpy")
def _get_seq(b):  # noqa: ANN001, ANN202
    return b.next_seq


@numba.njit(cache=True, error_model="numpy")
def _take_seq(b, k):  # noqa: ANN001, ANN202
    s = b.next_seq
    b.next_seq = s + k
    return s


@numba.njit(cache=True, error_model="numpy")
def _rows(b):  # noqa: ANN001, ANN202
    return b.ints[: b.n], b.flts[: b.n]


@numba.njit(cache=True, error_model="numpy")
def _grow(b, need):  # noqa: ANN001, ANN202
    cap = b.ints.shape[0]
    while cap < need:
        cap *= 2
    ints = np.full((cap, b.ints.shape[1]), -1, np.int64)
    flts = np.full((cap, b.flts.shape[1]), np.nan)
    ints[: b.n] = b.ints[: b.n]
    flts[: b.n] = b.flts[: b.n]
    b.ints = ints
    b.flts = flts


@numba.njit(cache=True, error_model="numpy")
def emit(b, kind, time_s, threat=-1, site=-1, sensor=-1, fire_unit=-1, asset=-1, track=-1, shot=-1,  # noqa: ANN001, ANN201
         interceptor_type=-1, reason=-1, x_m=NAN, y_m=NAN, z_m=NAN, range_m=NAN, pk=NAN, value=NAN):  # fmt: skip
    """Append one event row (compiled code only); its ``seq`` is the log's next sequence number.

    Keyword arguments not given stay −1 / NaN, as the columns of a Python batch that omits them.
    """
    i = b.n
    if i >= b.ints.shape[0]:
        _grow(b, i + 1)
    r = b.ints[i]
    r[0] = b.next_seq
    r[1] = kind
    r[2] = threat
    r[3] = site
    r[4] = sensor
    r[5] = fire_unit
    r[6] = asset
    r[7] = track
    r[8] = shot
    r[9] = interceptor_type
    r[10] = reason
    f = b.flts[i]
    f[0] = time_s
    f[1] = x_m
    f[2] = y_m
    f[3] = z_m
    f[4] = range_m
    f[5] = pk
    f[6] = value
    b.n = i + 1
    b.next_seq += 1
