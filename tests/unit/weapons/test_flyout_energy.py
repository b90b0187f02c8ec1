"""Energy-limited (boost–coast) flyout and its PIP solver."""

import numpy as np

from iadsim.weapons.flyout import (
    calibrate_drag_time, flyout_distance, flyout_time, predicted_intercept, predicted_intercept_energy,
)

VM, VBAR, R, TB = 1700.0, 1020.0, 70e3, 10.0  # PAC-3-like: Mach 5 max, 0.6 x max average, 70 km


def test_calibration_reproduces_catalogue_average_at_max_range():
    T = calibrate_drag_time(np.array(R), np.array(VBAR), np.array(VM), np.array(TB))
    assert np.isfinite(T)
    t_max = flyout_time(np.array(R), VM, TB, T)
    assert abs(t_max - R / VBAR) < 1e-6 * t_max
    assert abs(flyout_distance(np.array(R / VBAR), VM, TB, T) - R) < 1e-3


def test_average_speed_falls_with_range_after_burnout():
    T = float(calibrate_drag_time(np.array(R), np.array(VBAR), np.array(VM), np.array(TB)))
    r = np.array([40e3, 50e3, 60e3, 70e3])  # well into the coast (the average first rises in the boost)
    avg = r / flyout_time(r, VM, TB, T)
    assert np.all(np.diff(avg) < 0)
    # hand check of the boost: at t_b the round has flown ½ v_m t_b = 8.5 km
    assert abs(flyout_distance(np.array(TB), VM, TB, T) - 0.5 * VM * TB) < 1e-9
    assert abs(flyout_time(np.array(0.5 * VM * TB), VM, TB, T) - TB) < 1e-9
    # beyond the coasting limit the round never arrives
    assert np.isnan(flyout_time(np.array(0.5 * VM * TB + VM * T * 1.01), VM, TB, T))


def test_impossible_calibration_is_nan():
    # average equal to the maximum speed cannot be met after a boost
    assert np.isnan(calibrate_drag_time(np.array(R), np.array(VM), np.array(VM), np.array(TB)))


def test_pip_solver_matches_closed_form_for_a_static_target():
    T = float(calibrate_drag_time(np.array(R), np.array(VBAR), np.array(VM), np.array(TB)))
    L = np.zeros((1, 3))
    p = np.array([[30e3, 40e3, 0.0]])  # 50 km away, not moving
    tmax = flyout_time(np.array([R]), VM, TB, T)
    pip, tau = predicted_intercept_energy(p, np.zeros((1, 3)), np.zeros((1, 3)), L, np.array([VM]), np.array([TB]),
                                          np.array([T]), tmax)
    assert abs(tau[0] - flyout_time(np.array(50e3), VM, TB, T)) < 1e-6
    np.testing.assert_allclose(pip, p)


def test_pip_solver_closing_target_and_out_of_reach():
    T = float(calibrate_drag_time(np.array(R), np.array(VBAR), np.array(VM), np.array(TB)))
    L = np.zeros((2, 3))
    p = np.array([[60e3, 0.0, 10e3], [200e3, 0.0, 10e3]])
    v = np.array([[-250.0, 0.0, 0.0], [-250.0, 0.0, 0.0]])
    tmax = np.full(2, float(flyout_time(np.array(R), VM, TB, T)))
    pip, tau = predicted_intercept_energy(p, v, np.zeros((2, 3)), L, np.full(2, VM), np.full(2, TB), np.full(2, T), tmax)
    d = np.linalg.norm(pip[0] - L[0])
    assert abs(flyout_distance(tau[0], VM, TB, T) - d) < 1.0  # round and target meet
    assert np.isnan(tau[1]) and np.isnan(pip[1]).all()  # 200 km: beyond the flyout in t_max
    # the energy-limited round arrives later than a constant-average-speed one would at short range?
    # at 60 km it flies faster on average than the max-range average, so it arrives sooner
    _, tau_c = predicted_intercept(p[:1], v[:1], np.zeros((1, 3)), L[:1], np.array([VBAR]))
    assert tau[0] < tau_c[0]
