"""Compiled event rows (engine/eventbuf.py) share the log's sequence with Python batches."""

import numba
import numpy as np

from iadsim.engine import eventbuf
from iadsim.engine.events import EventKind, EventLog


@numba.njit
def _emit_detections(buf, t, sensor, threat, rng):
    for i in range(len(sensor)):
        eventbuf.emit(buf, 2, t, sensor=sensor[i], threat=threat[i], range_m=rng[i])


def _both(compiled: bool):
    log = EventLog()
    log.emit(EventKind.Launch_Threat, 0.0, threat=np.array([0, 1]), x_m=np.array([1.0, 2.0]))
    sensor, threat, rng = np.array([3, 4, 5]), np.array([1, 0, 1]), np.array([10.0, 20.0, 30.0])
    if compiled:
        _emit_detections(log.buf, 1.0, sensor, threat, rng)
    else:
        log.emit(EventKind.Detection, 1.0, sensor=sensor, threat=threat, range_m=rng)
    log.emit(EventKind.Leak, 1.0, threat=np.array([1]), asset=np.array([0]))
    return log


def test_compiled_rows_equal_python_batches():
    a, b = _both(True).table(), _both(False).table()
    assert a.schema == b.schema
    for name in a.column_names:  # NaN compares equal here (not in Table.equals)
        np.testing.assert_array_equal(a.column(name).to_numpy(zero_copy_only=False),
                                      b.column(name).to_numpy(zero_copy_only=False), err_msg=name)
    assert len(_both(True)) == 6
    assert a.column("seq").to_pylist() == [0, 1, 5, 2, 3, 4]  # Leak (priority 1) before the detections at t = 1
    assert a.column("sensor").to_pylist() == [-1, -1, -1, 3, 4, 5]


def test_buffer_grows_inside_compiled_code():
    log = EventLog()
    n = 3000  # beyond the initial capacity
    _emit_detections(log.buf, 2.0, np.arange(n), np.zeros(n, np.int64), np.arange(n, dtype=float))
    assert log.buf.n == n and len(log) == n
    tbl = log.table()
    assert tbl.column("sensor").to_pylist() == list(range(n))
    assert np.isnan(tbl.column("pk").to_numpy()).all()
