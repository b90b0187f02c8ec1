"""Ballistic boost phase, trajectory shapes and the terminal manoeuvre (issue 8, item 8)."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from iadsim.engine.world import compile_world
from iadsim.geo.frames import ecef_to_geodetic, geodesic_direct, geodetic_to_ecef
from iadsim.scenario.load import validate_text
from iadsim.threats.ballistic import (
    G0_MPS2,
    SHAPE_OFFSET_RAD,
    BallisticMover,
    boosted_burnout,
    lofted_or_depressed,
    shape_flight_path_angle,
)
from iadsim.units import EARTH_MEAN_RADIUS_M as R
from iadsim.units import MU_EARTH_M3PS2 as MU
from iadsim.weapons.flyout import ballistic_acceleration

LAT0, LON0 = np.radians([36.0]), np.radians([37.0])


def mover(range_km: float, **kw) -> BallisticMover:
    la, lo, _ = geodesic_direct(LAT0, LON0, np.array([0.3]), np.array([range_km * 1e3]))
    return BallisticMover(LAT0, LON0, np.asarray(la), np.asarray(lo), np.zeros(1), integrate_dt_s=0.5, **kw)


def test_no_boost_reduces_to_the_equal_radius_hit_equation() -> None:
    psi = np.array([300e3, 800e3]) / R
    gamma = np.radians([30.0, 50.0])
    v, xy, bad = boosted_burnout(psi, gamma, np.zeros(2))
    assert not bad.any() and np.allclose(xy, [[R, 0.0], [R, 0.0]])
    assert np.allclose(v, lofted_or_depressed(psi * R, gamma).burnout_speed_mps, rtol=1e-12)


@pytest.mark.parametrize(("range_km", "deg", "tb"), [(300.0, 40.0, 62.0), (300.0, 25.0, 20.0), (500.0, 60.0, 40.0)])
def test_boosted_burnout_free_flight_hits_the_target(range_km: float, deg: float, tb: float) -> None:
    """Independent check: DOP853 from the burnout state returns to r = R at the range angle ψ."""
    psi = range_km * 1e3 / R
    v, xy, bad = boosted_burnout(np.array([psi]), np.radians([deg]), np.array([tb]))
    assert not bad[0]
    g = np.radians(deg)
    x0 = [xy[0, 0], xy[0, 1], v[0] * np.sin(g), v[0] * np.cos(g)]
    assert np.hypot(x0[0] - R, x0[1]) == pytest.approx(0.5 * v[0] * tb, rel=1e-12)  # d = ½ v t_b along ê

    def rhs(_t, x):
        r3 = np.hypot(x[0], x[1]) ** 3
        return [x[2], x[3], -MU * x[0] / r3, -MU * x[1] / r3]

    def ground(_t, x):
        return np.hypot(x[0], x[1]) - R

    ground.terminal, ground.direction = True, -1  # type: ignore[attr-defined]
    sol = solve_ivp(rhs, (0, 3000), x0, method="DOP853", rtol=1e-11, atol=1e-6, events=ground)
    xe = sol.y_events[0][0]
    assert np.arctan2(xe[1], xe[0]) * R == pytest.approx(psi * R, abs=20.0)  # lands within 20 m


def test_boost_phase_is_uniform_acceleration_along_the_boost_line() -> None:
    m = mover(300.0, burn_time_s=62.0)
    v, tb, g = m.burnout_speed_mps[0], 62.0, m.flight_path_angle_rad[0]
    launch = geodetic_to_ecef(LAT0, LON0, np.zeros(1)).reshape(3)
    for t in (10.0, 31.0, 62.0):
        st = m.state(t)
        s = 0.5 * v / tb * t * t  # s = ½ a t²
        assert np.linalg.norm(st.pos_ecef_m[0] - launch) == pytest.approx(s, rel=5e-3)
        assert np.linalg.norm(st.vel_ecef_mps[0]) == pytest.approx(v / tb * t, rel=5e-3)
        _, _, h = ecef_to_geodetic(st.pos_ecef_m)
        assert h[0] == pytest.approx(s * np.sin(g), rel=1e-2, abs=30.0)
    # the integrated free flight lands where the hit equation aimed it (no silent rescaling)
    assert m.impact_angle_numerical_rad[0] * R == pytest.approx(m.ground_range_m[0], abs=50.0)
    # after burnout: free flight, speed falls while climbing; the boost made the trip longer
    assert np.linalg.norm(m.state(100.0).vel_ecef_mps[0]) < v
    assert m.flight_time_s[0] > mover(300.0).flight_time_s[0]


def test_minimum_energy_angle_minimises_the_burnout_speed() -> None:
    psi, tb = np.array([300e3 / R]), np.array([62.0])
    g_me = shape_flight_path_angle(psi, tb, "minimum_energy")[0]
    v_me = boosted_burnout(psi, np.array([g_me]), tb)[0][0]
    for dg in (-3.0, -1.0, 1.0, 3.0):
        assert boosted_burnout(psi, np.array([g_me + np.radians(dg)]), tb)[0][0] > v_me
    # without a boost the closed form π/4 − ψ/4
    assert shape_flight_path_angle(psi, np.zeros(1), "minimum_energy")[0] == pytest.approx(np.pi / 4 - psi[0] / 4)


def test_shapes_order_apogee_and_flight_time() -> None:
    me, dep, lof = (mover(300.0, burn_time_s=20.0, shape=s) for s in ("minimum_energy", "depressed", "lofted"))
    assert dep.flight_path_angle_rad[0] == pytest.approx(me.flight_path_angle_rad[0] - SHAPE_OFFSET_RAD)
    assert lof.flight_path_angle_rad[0] == pytest.approx(me.flight_path_angle_rad[0] + SHAPE_OFFSET_RAD)
    assert dep.apogee_alt_m[0] < me.apogee_alt_m[0] < lof.apogee_alt_m[0]
    assert dep.flight_time_s[0] < me.flight_time_s[0] < lof.flight_time_s[0]


def test_scud_b_at_300_km_against_published_flight_time_and_apogee() -> None:
    """Published: ~5 min, 80–100 km apogee (issue 8); catalogue burn time 62 s (assumption)."""
    m = mover(300.0, burn_time_s=62.0, shape="minimum_energy")
    assert 4.5 * 60 <= m.flight_time_s[0] <= 5.5 * 60
    assert 80e3 <= m.apogee_alt_m[0] <= 100e3


SCN = textwrap.dedent("""\
    name: ballistic
    duration_s: 600
    sites: [{name: s, lat_deg: 37.6, lon_deg: 36.9}]
    assets: [{name: a, lat_deg: 37.583, lon_deg: 36.933}]
    raids:
      - {name: isk, threat: iskander-m, launch: {lat_deg: 35.2, lon_deg: 38.6}, target: a, aim_error_m: 0}
      - {name: isk-me, threat: iskander-m, launch: {lat_deg: 35.2, lon_deg: 38.6}, target: a, aim_error_m: 0,
         trajectory: minimum_energy}
      - {name: scud, threat: scud-b, launch: {lat_deg: 35.95, lon_deg: 37.4}, target: a, aim_error_m: 0}
""")


def test_catalogue_defaults_iskander_depressed_scud_minimum_energy_with_boost() -> None:
    w = compile_world(validate_text(SCN, "b.yaml"))
    mv = w.threats.mover.inner.movers[0]  # the one BallisticMover
    psi, tb, g = mv.range_angle_rad, mv.burn_time_s, mv.flight_path_angle_rad
    assert tb.tolist() == [20.0, 20.0, 62.0]  # catalogue burn_time_s
    g_me = shape_flight_path_angle(psi, tb, "minimum_energy")
    assert g[0] == pytest.approx(g_me[0] - SHAPE_OFFSET_RAD)  # iskander-m: trajectory: depressed
    assert g[1] == pytest.approx(g_me[1])  # the scenario overrides the catalogue
    assert g[2] == pytest.approx(g_me[2])  # scud-b: minimum energy


def test_terminal_manoeuvre_weaves_with_its_peak_load_and_still_hits() -> None:
    plain = mover(300.0, burn_time_s=20.0, shape="depressed")
    man = mover(300.0, burn_time_s=20.0, shape="depressed", terminal_manoeuvre_g=3.0,
                terminal_manoeuvre_alt_m=30e3, terminal_manoeuvre_period_s=8.0)  # fmt: skip
    assert man.flight_time_s[0] == plain.flight_time_s[0]
    t_end = float(man.arrival_time_s[0])
    assert np.allclose(man.state(t_end).pos_ecef_m, plain.state(t_end).pos_ecef_m)  # same impact point
    t0 = float(man._man_start_s[0])
    _, _, h = ecef_to_geodetic(plain.state(t0).pos_ecef_m)
    assert h[0] == pytest.approx(30e3, abs=2e3)  # starts on the descent through 30 km
    ts = np.arange(t0 - 5.0, t_end - 0.05, 0.01)
    dy = np.array([np.linalg.norm(man.state(t).pos_ecef_m[0] - plain.state(t).pos_ecef_m[0]) for t in ts])
    assert dy[ts < t0].max() == 0.0  # on the ballistic arc before the manoeuvre
    lateral_acc = np.abs(np.diff(dy, 2)) / 0.01**2
    assert lateral_acc.max() == pytest.approx(3.0 * G0_MPS2, rel=0.05)


def test_defender_ballistic_predictor_does_not_model_the_manoeuvre() -> None:
    """The engine's fire-control prediction p + vτ + ½ g τ² (weapons.flyout) from the TRUE state."""

    def pred_error(m: BallisticMover, t: float, tau: float) -> float:
        s = m.state(t)
        a = ballistic_acceleration(s.pos_ecef_m, s.vel_ecef_mps)
        p = s.pos_ecef_m + s.vel_ecef_mps * tau + 0.5 * a * tau**2
        return float(np.linalg.norm(p - m.state(t + tau).pos_ecef_m))

    plain = mover(300.0, burn_time_s=20.0, shape="depressed")
    man = mover(300.0, burn_time_s=20.0, shape="depressed", terminal_manoeuvre_g=3.0)
    t = float(man._man_start_s[0]) + 2.0
    e_plain, e_man = pred_error(plain, t, 4.0), pred_error(man, t, 4.0)
    assert e_plain < 20.0  # gravity-only prediction of an unmanoeuvring arc (drag-free truth)
    assert e_man > 50.0 and e_man > 4.0 * e_plain


def test_ballistic_options_are_checked_at_load() -> None:
    from iadsim.errors import ScenarioError

    both = SCN.replace("trajectory: minimum_energy}", "trajectory: minimum_energy, flight_path_angle_deg: 30}")
    with pytest.raises(ScenarioError, match=r"raids\[1\].trajectory: set either trajectory or flight_path_angle_deg"):
        validate_text(both, "b.yaml")
    air = SCN + "  - {name: cm, threat: cruise-subsonic, launch: {lat_deg: 36.0, lon_deg: 36.0}, target: a, burn_time_s: 5}\n"
    with pytest.raises(ScenarioError, match=r"raids\[3\].burn_time_s: burn_time_s applies to ballistic missiles only"):
        validate_text(air, "b.yaml")
    air2 = air.replace("burn_time_s: 5}", "terminal_manoeuvre_period_s: 5}")
    with pytest.raises(ScenarioError, match=r"raids\[3\].terminal_manoeuvre_period_s: .* ballistic missiles only"):
        validate_text(air2, "b.yaml")
    bad = SCN.replace("trajectory: minimum_energy}", "trajectory: flat}")
    with pytest.raises(ScenarioError, match=r"raids\[1\].trajectory"):
        validate_text(bad, "b.yaml")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(
    range_km=st.floats(80.0, 1500.0),
    deg=st.floats(15.0, 75.0),
    tb=st.one_of(st.just(0.0), st.floats(0.01, 80.0)),
)
def test_boosted_arc_lands_on_its_aim_point(range_km: float, deg: float, tb: float) -> None:
    """Property: for any feasible boost the integrated free flight lands where the hit equation aims."""
    psi = range_km * 1e3 / R
    _, _, bad = boosted_burnout(np.array([psi]), np.radians([deg]), np.array([tb]))
    if bad[0]:
        return  # burnout beyond the target: refused by the mover (tested below)
    m = mover(range_km, burn_time_s=tb, flight_path_angle_rad=np.radians([deg]))
    assert m.impact_angle_numerical_rad[0] * R == pytest.approx(m.ground_range_m[0], abs=max(50.0, 1e-4 * range_km * 1e3))
    assert m.flight_time_s[0] > tb


def test_boost_longer_than_the_range_is_refused() -> None:
    from iadsim.errors import InputError

    with pytest.raises(InputError, match="no boosted trajectory reaches the target"):
        mover(40.0, burn_time_s=200.0, flight_path_angle_rad=np.radians([20.0]))
