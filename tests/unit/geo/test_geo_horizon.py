"""Tests of iadsim.geo.horizon against the 4.12(√h₁+√h₂) reference table and exact geometry."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.geo.horizon import (
    EARTH_RADIUS_M,
    K_EFFECTIVE,
    horizon_angle_rad,
    horizon_range_m,
    line_of_sight_clear,
    refracted_elevation_rad,
)

# (radar height m, target height m, horizon km) — /work/shared/reference/radar-reference-values.md
REFERENCE = [
    (10.0, 0.0, 13.03),
    (30.0, 0.0, 22.58),
    (10.0, 100.0, 54.25),
    (10.0, 1000.0, 143.38),
    (20.0, 5000.0, 309.89),
]


@pytest.mark.parametrize(("h1", "h2", "d_km"), REFERENCE)
def test_horizon_reference_table(h1: float, h2: float, d_km: float) -> None:
    assert horizon_range_m(h1, h2) / 1e3 == pytest.approx(d_km, rel=1e-3)
    # the 4.1218 (√h₁ + √h₂) km rule of thumb
    assert horizon_range_m(h1, h2) / 1e3 == pytest.approx(4.1218 * (np.sqrt(h1) + np.sqrt(h2)), rel=1e-4)


def test_matlab_effective_radius_variant() -> None:
    # MATLAB effearthradius: 8.4774e6 m ⇒ 22.55 km for 30 m / 0 m
    assert horizon_range_m(30.0, 0.0, k=1.0, earth_radius_m=8.4774e6) / 1e3 == pytest.approx(22.55, abs=0.005)


def test_horizon_clips_negative_and_broadcasts() -> None:
    assert horizon_range_m(-5.0, 0.0) == 0.0
    d = horizon_range_m(np.array([[10.0], [20.0]]), np.array([0.0, 100.0, 1000.0]))
    assert d.shape == (2, 3)
    assert np.all(np.diff(d, axis=1) > 0)


@pytest.mark.parametrize(("h1", "h2", "_d"), REFERENCE)
def test_line_of_sight_consistent_with_horizon(h1: float, h2: float, _d: float) -> None:
    d = horizon_range_m(h1, h2)
    # the √(2 k Rₑ h) tangent-length rule and the exact arc differ by < 1e-4 relative here
    assert bool(line_of_sight_clear(0.999 * d, h1, h2))
    assert not bool(line_of_sight_clear(1.001 * d, h1, h2))


def test_line_of_sight_simple_cases() -> None:
    assert bool(line_of_sight_clear(0.0, 10.0, 10.0))
    assert bool(line_of_sight_clear(0.0, 0.0, 0.0))
    assert bool(line_of_sight_clear(500_000.0, 10_000.0, 300_000.0))
    assert not bool(line_of_sight_clear(500_000.0, 10.0, 10.0))
    # the exact tangent geometry: a ground target exactly at the tangent point is (just) visible
    re = K_EFFECTIVE * EARTH_RADIUS_M
    d_tan = re * np.arccos(re / (re + 30.0))
    assert bool(line_of_sight_clear(d_tan * (1 - 1e-9), 30.0, 0.0))
    assert not bool(line_of_sight_clear(d_tan * (1 + 1e-6), 30.0, 0.0))
    assert horizon_angle_rad(30.0) == pytest.approx(np.arccos(re / (re + 30.0)), rel=1e-6)
    # smaller k (less refraction) shortens the horizon
    d = horizon_range_m(10.0, 1000.0)
    assert bool(line_of_sight_clear(0.99 * d, 10.0, 1000.0))
    assert not bool(line_of_sight_clear(0.99 * d, 10.0, 1000.0, k=1.0))
    m = line_of_sight_clear(np.array([1e3, 1e5, 1e6]), 10.0, np.array([[0.0], [1e4]]))
    assert m.shape == (2, 3) and m.dtype == bool
    assert m.tolist() == [[True, False, False], [True, True, False]]


def test_refracted_elevation_geometry() -> None:
    assert refracted_elevation_rad(0.0, 0.0, 1000.0) == pytest.approx(np.pi / 2)
    # flat-Earth limit at short range: el ≈ atan((h₂ − h₁)/d) − d/(2 k Rₑ)
    d, h1, h2 = 10_000.0, 10.0, 1010.0
    approx = np.arctan((h2 - h1) / d) - d / (2 * K_EFFECTIVE * EARTH_RADIUS_M)
    assert refracted_elevation_rad(d, h1, h2) == pytest.approx(approx, abs=1e-5)
    # at the horizon of a ground-level target the elevation equals minus the dip angle
    h1 = 100.0
    re = K_EFFECTIVE * EARTH_RADIUS_M
    d_tan = re * np.arccos(re / (re + h1))
    assert refracted_elevation_rad(d_tan, h1, 0.0) == pytest.approx(-np.arccos(re / (re + h1)), abs=1e-9)
    # refraction (larger k) raises the apparent elevation
    assert refracted_elevation_rad(100e3, 10.0, 3000.0) > refracted_elevation_rad(100e3, 10.0, 3000.0, k=1.0)


@settings(max_examples=100, deadline=None)
@given(
    d=st.floats(1.0, 2e6),
    h1=st.floats(0.0, 3e4),
    h2=st.floats(0.0, 3e5),
)
def test_los_clear_iff_elevations_or_chord(d: float, h1: float, h2: float) -> None:
    # if the target is above the observer's horizontal plane, the ray is clear
    if refracted_elevation_rad(d, h1, h2) > 1e-9:
        assert bool(line_of_sight_clear(d, h1, h2))
    # LOS is symmetric in the endpoints
    assert bool(line_of_sight_clear(d, h1, h2)) == bool(line_of_sight_clear(d, h2, h1))


def test_los_matches_brute_force_segment_distance() -> None:
    rng = np.random.default_rng(7)
    n = 4000
    re = K_EFFECTIVE * EARTH_RADIUS_M
    d = rng.uniform(0.0, 1.5e6, n)
    h1 = rng.uniform(0.0, 2e4, n)
    h2 = rng.uniform(0.0, 1e5, n)
    theta = d / re
    p1 = np.stack([np.zeros(n), re + h1], axis=-1)
    p2 = np.stack([(re + h2) * np.sin(theta), (re + h2) * np.cos(theta)], axis=-1)
    # minimum |P₁ + t (P₂ − P₁)| over t ∈ [0, 1]
    v = p2 - p1
    t = np.clip(-np.sum(p1 * v, axis=-1) / np.maximum(np.sum(v * v, axis=-1), 1e-30), 0.0, 1.0)
    dmin = np.linalg.norm(p1 + t[:, None] * v, axis=-1)
    clear = line_of_sight_clear(d, h1, h2)
    decided = np.abs(dmin - re) > 1.0  # exclude grazing cases within round-off
    assert decided.sum() > 0.9 * n
    assert np.array_equal(clear[decided], (dmin >= re)[decided])
    assert 0.1 * n < clear.sum() < 0.9 * n  # both outcomes exercised
