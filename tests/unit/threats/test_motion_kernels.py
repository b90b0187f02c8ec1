"""Compiled motion kernels against the former NumPy evaluation (independent reference in the test).

``route_state_kernel`` and ``ballistic_state_kernel`` replaced vectorised NumPy bodies of
``RouteMover.state`` / ``BallisticMover.state``; the reference functions below are those NumPy
bodies, evaluated on the same mover tables. The kernels must give the same numbers at every
query time (bit for bit without the weave; the weave's cos/sin may differ in the last bits).
"""

from __future__ import annotations

import numpy as np

from iadsim.threats.ballistic import BallisticMover
from iadsim.threats.motion import CompositeMover, MotionState, PermutedMover, flags
from iadsim.threats.routes import RouteMover


def _route_reference(m: RouteMover, t_s: float) -> MotionState:
    """The former vectorised NumPy body of RouteMover.state (one searchsorted for all threats)."""
    n = m.n
    flying, arrived = flags(t_s, m.launch_time_s, m.arrival_time_s)
    rows = np.arange(n)
    s = m.speed_mps * np.clip(t_s - m.launch_time_s, 0.0, None)
    s = np.where(arrived, m.path_length_m, np.minimum(s, m.path_length_m))
    idx = np.searchsorted(m._flat_key, s + m._row_off, side="right") - 1
    j = np.clip(idx - rows * m._k, 0, m.n_points - 2)
    s0, s1 = m.cum_dist_m[rows, j], m.cum_dist_m[rows, j + 1]
    frac = np.clip((s - s0) / (s1 - s0), 0.0, 1.0)
    p0, p1 = m.pos_ecef_m[rows, j], m.pos_ecef_m[rows, j + 1]
    pos = p0 + frac[:, None] * (p1 - p0)
    vel = m._dpds[rows, j] * (m.speed_mps * flying)[:, None]
    return MotionState(pos, vel, flying, arrived)


def _ballistic_reference(m: BallisticMover, t_s: float) -> MotionState:
    """The former vectorised NumPy body of BallisticMover.state (cubic Hermite + weave)."""
    flying, arrived = flags(t_s, m.launch_time_s, m.arrival_time_s)
    tau = np.clip(t_s - m.launch_time_s, 0.0, m.flight_time_s)
    k = np.minimum(np.floor(tau / m.dt_s).astype(np.int64), m._k_imp - 1)
    g = m._offset + k
    ta = m._t_local[g]
    h = np.maximum(m._t_local[g + 1] - ta, 1e-12)
    s = np.clip((tau - ta) / h, 0.0, 1.0)[:, None]
    hh = h[:, None]
    p0, p1, v0, v1 = m._pos[g], m._pos[g + 1], m._vel[g], m._vel[g + 1]
    s2, s3 = s * s, s * s * s
    pos = (2 * s3 - 3 * s2 + 1) * p0 + (s3 - 2 * s2 + s) * hh * v0 + (3 * s2 - 2 * s3) * p1 + (s3 - s2) * hh * v1
    vel = ((6 * s2 - 6 * s) * (p0 - p1)) / hh + (3 * s2 - 4 * s + 1) * v0 + (3 * s2 - 2 * s) * v1
    if np.any(m._man_acc > 0):
        tp = np.clip(tau - m._man_start_s, 0.0, None)
        on = (m._man_acc > 0) & (tau > m._man_start_s)
        w = np.where(on, m._man_omega, 1.0)
        y = np.where(on, m._man_acc / w**2 * (1.0 - np.cos(w * tp)), 0.0)
        ydot = np.where(on, m._man_acc / w * np.sin(w * tp), 0.0)
        pos, vel = pos + y[:, None] * m._cross_hat, vel + ydot[:, None] * m._cross_hat
    pos = np.where(arrived[:, None], m._impact_ecef, pos)
    vel = vel * flying[:, None]
    return MotionState(pos, vel, flying, arrived)


def _routes() -> RouteMover:
    d = np.deg2rad
    lat = [d(np.array([37.0, 37.5, 38.2])), d(np.array([36.0, 36.1])), d(np.array([39.0, 38.0, 38.5, 38.9]))]
    lon = [d(np.array([35.0, 36.0, 36.1])), d(np.array([34.0, 36.5])), d(np.array([33.0, 33.5, 34.5, 34.0]))]
    alt = [np.array([100.0, 3000.0, 50.0]), np.array([10_000.0, 10_000.0]), np.array([30.0, 30.0, 500.0, 20.0])]
    return RouteMover(lat, lon, alt, [250.0, 600.0, 180.0], [0.0, 35.0, 12.5], spacing_m=5000.0)


def _ballistic(man_g: float) -> BallisticMover:
    d = np.deg2rad
    return BallisticMover(d(np.array([35.0, 36.0])), d(np.array([40.0, 41.0])), d(np.array([37.0, 36.5])),
                          d(np.array([36.0, 38.0])), np.array([5.0, 40.0]), integrate_dt_s=2.0,
                          burn_time_s=np.array([0.0, 60.0]), terminal_manoeuvre_g=man_g)  # fmt: skip


def _times(m) -> np.ndarray:
    end = float(np.max(m.arrival_time_s)) + 20.0
    # ticks, exact launch/arrival instants and just around them
    ts = np.concatenate([np.arange(0.0, end, 0.7), m.launch_time_s, m.arrival_time_s,
                         np.nextafter(m.arrival_time_s, -np.inf), np.nextafter(m.launch_time_s, np.inf)])  # fmt: skip
    return np.sort(ts)


def _same(a: MotionState, b: MotionState, rtol: float = 0.0) -> None:
    assert np.array_equal(a.flying, b.flying) and np.array_equal(a.arrived, b.arrived)
    if rtol == 0.0:
        assert a.pos_ecef_m.tobytes() == b.pos_ecef_m.tobytes()
        assert a.vel_ecef_mps.tobytes() == b.vel_ecef_mps.tobytes()
    else:
        np.testing.assert_allclose(a.pos_ecef_m, b.pos_ecef_m, rtol=rtol, atol=1e-6)
        np.testing.assert_allclose(a.vel_ecef_mps, b.vel_ecef_mps, rtol=rtol, atol=1e-9)


def test_route_kernel_matches_numpy_reference_bit_for_bit() -> None:
    m = _routes()
    for t in _times(m):
        _same(m.state(float(t)), _route_reference(m, float(t)))


def test_ballistic_kernel_matches_numpy_reference() -> None:
    m = _ballistic(0.0)
    for t in _times(m):
        _same(m.state(float(t)), _ballistic_reference(m, float(t)))
    w = _ballistic(3.0)  # with the terminal weave (libm vs NumPy cos/sin: last bits only)
    assert np.any(w._man_acc > 0)
    moved = False
    for t in _times(w):
        a, b = w.state(float(t)), _ballistic_reference(w, float(t))
        _same(a, b, rtol=1e-12)
        moved |= bool(np.any(np.abs(a.pos_ecef_m - m.state(float(t)).pos_ecef_m) > 1.0))
    assert moved  # the weave is applied by the kernel


def test_permuted_composite_fill_matches_concatenation() -> None:
    r, b = _routes(), _ballistic(0.0)
    comp = CompositeMover([r, b])
    index = np.array([3, 0, 4, 1, 2])
    perm = PermutedMover(comp, index)
    for t in (0.0, 30.0, 100.0, 400.0, 2000.0):
        sr, sb = _route_reference(r, t), _ballistic_reference(b, t)
        cat = MotionState(np.concatenate([sr.pos_ecef_m, sb.pos_ecef_m]), np.concatenate([sr.vel_ecef_mps, sb.vel_ecef_mps]),
                          np.concatenate([sr.flying, sb.flying]), np.concatenate([sr.arrived, sb.arrived]))  # fmt: skip
        _same(comp.state(t), cat)
        ref = MotionState(cat.pos_ecef_m[index], cat.vel_ecef_mps[index], cat.flying[index], cat.arrived[index])
        _same(perm.state(t), ref)
        # a permuted mover nested inside a composite fills its rows through the inverse permutation
        outer = CompositeMover([perm, r]).state(t)
        _same(MotionState(outer.pos_ecef_m[:5], outer.vel_ecef_mps[:5], outer.flying[:5], outer.arrived[:5]), ref)


def test_gathered_tables_one_call_equal_the_plan_loop() -> None:
    """motion.state_into: the bundled movers' leaf tables gathered once (one compiled call) give
    the numbers of the fill plan's leaf kernels called in turn; other plans keep the loop."""
    from iadsim.threats.motion import _plan_of, kernel_tables, state_into

    r, b = _routes(), _ballistic(3.0)
    perm = PermutedMover(CompositeMover([r, b]), np.array([3, 0, 4, 1, 2]))
    assert kernel_tables(perm) is not None
    assert kernel_tables(CompositeMover([perm, _routes()])) is None  # two route leaves: the plan loop
    assert kernel_tables(CompositeMover([])) is not None  # nothing to move: empty tables
    n = perm.n
    out = (np.full((n, 3), np.nan), np.full((n, 3), np.nan), np.zeros(n, bool), np.zeros(n, bool))
    for t in _times(perm):
        ref = (np.empty((n, 3)), np.empty((n, 3)), np.empty(n, bool), np.empty(n, bool))
        for fill, dest in _plan_of(perm):  # the former per-tick plan loop
            fill(float(t), dest, *ref)
        state_into(perm, float(t), *out)  # the same buffers, tick after tick
        for a, e in zip(out, ref):
            assert a.tobytes() == e.tobytes()
