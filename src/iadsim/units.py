"""Units: SI and radians inside the engine; converters are used only at the I/O boundary.

Names carry units (``range_m``, ``az_rad``, ``speed_mps``); see ``docs/gotchas.md``.
"""

from __future__ import annotations

import math

import numpy as np

KM = 1000.0  #: metres per kilometre
NMI = 1852.0  #: metres per nautical mile
FT = 0.3048  #: metres per foot
DEG = math.pi / 180.0  #: radians per degree
MRAD = 1e-3  #: radians per milliradian
G0_MPS2 = 9.80665  #: standard gravity
MU_EARTH_M3PS2 = 3.986004418e14  #: Earth's gravitational parameter (WGS84)
EARTH_MEAN_RADIUS_M = 6_371_000.0  #: mean Earth radius used by the spherical models
OMEGA_EARTH_RADPS = 7.2921150e-5  #: Earth's rotation rate


def deg2rad(x_deg):  # noqa: ANN001 - scalar or array
    """Degrees to radians (works on scalars and arrays)."""
    return np.deg2rad(x_deg)


def rad2deg(x_rad):  # noqa: ANN001
    """Radians to degrees (works on scalars and arrays)."""
    return np.rad2deg(x_rad)


def db_to_linear(x_db):  # noqa: ANN001
    """Power ratio from decibels: 10^(x/10)."""
    return 10.0 ** (np.asarray(x_db, dtype=float) / 10.0)


def linear_to_db(x):  # noqa: ANN001
    """Decibels from a power ratio: 10·log10(x)."""
    return 10.0 * np.log10(np.asarray(x, dtype=float))
