"""Radar horizon and line of sight over a smooth effective Earth (4/3-Earth refraction model).

Standard-atmosphere refraction bends radar rays downward with a curvature of about 1/4 of the
Earth's; replacing the Earth of radius Rₑ by a sphere of radius k·Rₑ (k = 4/3) lets rays be
drawn as straight lines (Skolnik, *Introduction to Radar Systems*, 3rd ed., §2.10; Doerry,
*Earth Curvature and Atmospheric Refraction Effects on Radar Signal Propagation*, SAND2012-10690).

Geometry used by every function: a sphere of radius ``R' = k·Rₑ``; the observer at height h₁ and
the target at height h₂ above it, separated by the surface arc ``ground_range_m`` (the arc length
is preserved by the effective-Earth transformation, so the central angle is θ = d / R').
Heights below 0 are clipped to 0 (smooth Earth: the surface is the sea-level sphere).

All functions broadcast their array arguments.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Effective Earth-radius factor for the standard atmosphere.
K_EFFECTIVE: float = 4.0 / 3.0
#: Mean Earth radius (m) used by the spherical horizon model.
EARTH_RADIUS_M: float = 6_371_000.0


def _h(h_m: ArrayLike) -> FloatArray:
    return np.maximum(np.asarray(h_m, dtype=np.float64), 0.0)


def horizon_range_m(
    h1_m: ArrayLike,
    h2_m: ArrayLike,
    k: float = K_EFFECTIVE,
    earth_radius_m: float = EARTH_RADIUS_M,
) -> FloatArray:
    """Radar horizon range between two heights (m).

    d = √(2 k Rₑ h₁) + √(2 k Rₑ h₂)   (h ≪ Rₑ approximation of the tangent lengths;
    with k = 4/3, Rₑ = 6371 km: d[km] = 4.1218 (√h₁[m] + √h₂[m]))

    Parameters
    ----------
    h1_m, h2_m : array_like
        Heights of the two points above the surface (m); negatives are clipped to 0.

    Returns
    -------
    ndarray
        Horizon range (m), broadcast shape of the inputs.
    """
    re = k * earth_radius_m
    return np.sqrt(2.0 * re * _h(h1_m)) + np.sqrt(2.0 * re * _h(h2_m))


def refracted_elevation_rad(
    ground_range_m: ArrayLike,
    h1_m: ArrayLike,
    h2_m: ArrayLike,
    k: float = K_EFFECTIVE,
    earth_radius_m: float = EARTH_RADIUS_M,
) -> FloatArray:
    """Elevation of the target seen from the observer in the effective-Earth geometry (rad).

    With θ = d / (k Rₑ), r₁ = k Rₑ + h₁, r₂ = k Rₑ + h₂ (observer at (0, r₁), target at
    (r₂ sinθ, r₂ cosθ)):

        el = atan2(r₂ cosθ − r₁, r₂ sinθ),
        r₂ cosθ − r₁ = (h₂ − h₁) − 2 r₂ sin²(θ/2)   (cancellation-free form)

    This is the apparent (refracted) elevation, larger than the straight-line geometric one.

    Returns
    -------
    ndarray
        Elevation (rad), broadcast shape of the inputs; +π/2 straight up at zero ground range.
    """
    re = k * earth_radius_m
    theta = np.asarray(ground_range_m, dtype=np.float64) / re  # θ = d / (k Rₑ)
    h1, h2 = _h(h1_m), _h(h2_m)
    r2 = re + h2
    up = (h2 - h1) - 2.0 * r2 * np.sin(0.5 * theta) ** 2
    return np.arctan2(up, r2 * np.sin(theta))


def horizon_angle_rad(
    h_m: ArrayLike, k: float = K_EFFECTIVE, earth_radius_m: float = EARTH_RADIUS_M
) -> FloatArray:
    """Central angle from a point at height h to its tangent point on the effective Earth (rad).

    α = acos(R' / (R' + h)) = atan2(√(h (2R' + h)), R'),   R' = k Rₑ (stable for small h)
    """
    re = k * earth_radius_m
    h = _h(h_m)
    return np.arctan2(np.sqrt(h * (2.0 * re + h)), re)


def line_of_sight_clear(
    ground_range_m: ArrayLike,
    h1_m: ArrayLike,
    h2_m: ArrayLike,
    k: float = K_EFFECTIVE,
    earth_radius_m: float = EARTH_RADIUS_M,
) -> BoolArray:
    """Whether the straight ray between two points clears the effective-Earth sphere.

    In the great-circle plane, the tangent line from P₁ touches the sphere R' = k Rₑ at central
    angle α₁ = acos(R'/r₁) and reaches radius r₂ an angle α₂ = acos(R'/r₂) further on. So the
    segment P₁P₂ stays outside the sphere iff

        θ = d / R'  ≤  α₁ + α₂

    (grazing counts as clear). This is the exact form of which ``horizon_range_m`` is the
    h ≪ Rₑ approximation: R'(α₁ + α₂) ≈ √(2R'h₁) + √(2R'h₂).

    Returns
    -------
    ndarray of bool
        Broadcast shape of the inputs.
    """
    re = k * earth_radius_m
    theta = np.asarray(ground_range_m, dtype=np.float64) / re
    limit = horizon_angle_rad(h1_m, k, earth_radius_m) + horizon_angle_rad(h2_m, k, earth_radius_m)
    return np.asarray(np.abs(theta) <= limit)


__all__ = [
    "EARTH_RADIUS_M",
    "K_EFFECTIVE",
    "horizon_angle_rad",
    "horizon_range_m",
    "line_of_sight_clear",
    "refracted_elevation_rad",
]
