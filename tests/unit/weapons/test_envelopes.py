"""Ballistic-missile footprint chosen by assessed class."""

import numpy as np

from iadsim.c2.classification import AIRCRAFT, BALLISTIC_MISSILE, CRUISE_MISSILE
from iadsim.weapons.envelopes import class_limits, inside_envelope


def test_ballistic_footprint_applies_only_to_assessed_ballistic():
    # S-400 48N6E3-like: 250 km aerodynamic, 60 km vs ballistic; PIP at 105 km slant, 20 km high
    cls = np.array([AIRCRAFT, BALLISTIC_MISSILE, CRUISE_MISSILE])
    n = len(cls)
    ok = inside_envelope(np.full(n, 105e3), np.full(n, 20e3), cls, np.full(n, 3e3), np.full(n, 250e3),
                         np.full(n, 5.0), np.full(n, 30e3), np.full(n, 60e3), np.full(n, 25e3))
    assert ok.tolist() == [True, False, True]
    # inside 60 km the ballistic target is engageable
    ok = inside_envelope(np.array([59e3]), np.array([20e3]), np.array([BALLISTIC_MISSILE]), np.array([3e3]),
                         np.array([250e3]), np.array([5.0]), np.array([30e3]), np.array([60e3]), np.array([25e3]))
    assert ok.tolist() == [True]
    # above the 25 km ballistic ceiling it is not, although below the 30 km aerodynamic one
    ok = inside_envelope(np.array([50e3]), np.array([27e3]), np.array([BALLISTIC_MISSILE]), np.array([3e3]),
                         np.array([250e3]), np.array([5.0]), np.array([30e3]), np.array([60e3]), np.array([25e3]))
    assert ok.tolist() == [False]


def test_unknown_footprint_keeps_aerodynamic_limit_and_never_extends_it():
    lim = class_limits(np.array([70e3, 40e3]), np.array([np.nan, 60e3]), np.array([BALLISTIC_MISSILE] * 2))
    assert lim.tolist() == [70e3, 40e3]
