"""Classification from track kinematics (hand-computed cases; each rule has a case that flips it)."""

import numpy as np

from iadsim.c2.classification import AIRCRAFT, BALLISTIC_MISSILE, CRUISE_MISSILE, DRONE, classify, classify_kinematics
from iadsim.geo import frames


def test_speed_altitude_bands():
    speed = np.array([1676.0, 999.0, 36.0, 244.0, 250.0, 244.0, 400.0, 200.0, 600.0])
    alt = np.array([30e3, 10e3, 7300.0, 50.0, 8000.0, 1900.0, 500.0, 26e3, 20e3])
    vz = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -600.0])
    got = classify_kinematics(speed, alt, vz)
    assert got.tolist() == [BALLISTIC_MISSILE, AIRCRAFT, DRONE, CRUISE_MISSILE, AIRCRAFT, CRUISE_MISSILE,
                            AIRCRAFT, BALLISTIC_MISSILE, BALLISTIC_MISSILE]


def test_thresholds_are_edges():
    # just below / at each threshold
    assert classify_kinematics(np.array([999.9, 1000.0]), np.array([5e3, 5e3]), np.zeros(2)).tolist() == [AIRCRAFT, BALLISTIC_MISSILE]
    assert classify_kinematics(np.array([79.9, 80.0]), np.array([5e3, 5e3]), np.zeros(2)).tolist() == [DRONE, AIRCRAFT]
    assert classify_kinematics(np.array([300.0, 300.0]), np.array([1999.0, 2000.0]), np.zeros(2)).tolist() == [CRUISE_MISSILE, AIRCRAFT]


def test_classify_from_ecef_estimate_uses_local_up():
    lat, lon = np.deg2rad(39.0), np.deg2rad(32.0)
    p = frames.geodetic_to_ecef(np.array([lat, lat]), np.array([lon, lon]), np.array([15e3, 15e3])).reshape(2, 3)
    rot = frames.enu_rotation(np.array([lat]), np.array([lon])).reshape(3, 3)  # rows e, n, u in ECEF
    v_desc = -700.0 * rot[2] + 300.0 * rot[0]  # 762 m/s, diving at 700 m/s
    v_level = 700.0 * rot[0] + 300.0 * rot[1]  # 762 m/s level
    got = classify(p, np.stack([v_desc, v_level]))
    assert got.tolist() == [BALLISTIC_MISSILE, AIRCRAFT]
