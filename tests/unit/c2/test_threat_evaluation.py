"""Threat evaluation kernels against hand-computed cases (c2/threat_evaluation.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim.c2 import threat_evaluation as te
from iadsim.geo import frames

LAT, LON = math.radians(37.0), math.radians(35.3)
ASSET = np.asarray(frames.geodetic_to_ecef(LAT, LON, 0.0), float).reshape(1, 3)
ROT = te.asset_frames(ASSET)
E, N, U = ROT[0]


def track(east_m: float, north_m: float, up_m: float, ve: float, vn: float, vu: float = 0.0):
    p = ASSET[0] + east_m * E + north_m * N + up_m * U
    v = ve * E + vn * N + vu * U
    return p[None, :], v[None, :]


def cov(sp: float, sv: float = 0.0) -> np.ndarray:
    P = np.zeros((1, 6, 6))
    P[0, :3, :3] = np.eye(3) * sp**2
    P[0, 3:, 3:] = np.eye(3) * sv**2
    return P


def test_on_course_no_manoeuvre_is_the_rayleigh_disc_probability() -> None:
    # heading straight at the asset: d = 0 → P = 1 − exp(−R²/2σ²); σ = 800 m (position only)
    p, v = track(0.0, -20_000.0, 0.0, 0.0, 250.0)
    pr = te.reach_probability(p, v, cov(800.0), ASSET, ROT, radius_m=1000.0, manoeuvre_rad=0.0)
    assert pr[0, 0] == pytest.approx(1 - math.exp(-(1000.0**2) / (2 * 800.0**2)), rel=1e-9)


def test_miss_distance_and_manoeuvre_allowance_by_hand() -> None:
    # passes 3 km east of the asset at t* = 80 s (20 km at 250 m/s); σ² = σp² + (σψ |u| t*)²
    p, v = track(3000.0, -20_000.0, 5000.0, 0.0, 250.0)
    a_m = 0.08  # rad: lateral 1-σ displacement 0.08 × 20 km = 1.6 km
    s2 = 100.0**2 + (a_m * 250.0 * 80.0) ** 2
    pr = te.reach_probability(p, v, cov(100.0), ASSET, ROT, radius_m=1000.0, manoeuvre_rad=a_m)
    # reference: Monte Carlo-free check with the series of the non-central chi-square CDF,
    # P = Σ_k e^{-λ/2}(λ/2)^k/k! · P(χ²_{2+2k} ≤ x), x = R²/σ², λ = d²/σ²
    x, lam = 1000.0**2 / s2, 3000.0**2 / s2
    ref = 0.0
    for k in range(60):
        pois = math.exp(-lam / 2) * (lam / 2) ** k / math.factorial(k)
        # P(χ²_{2m} ≤ x) = 1 − e^{−x/2} Σ_{i<m} (x/2)^i / i!
        m = k + 1
        ref += pois * (1 - math.exp(-x / 2) * sum((x / 2) ** i / math.factorial(i) for i in range(m)))
    assert pr[0, 0] == pytest.approx(ref, rel=1e-6)
    # the altitude (5 km) does not enter: horizontal closest approach
    p2, v2 = track(3000.0, -20_000.0, 0.0, 0.0, 250.0)
    assert te.reach_probability(p2, v2, cov(100.0), ASSET, ROT, 1000.0, a_m)[0, 0] == pytest.approx(pr[0, 0], rel=1e-9)


def test_opening_track_is_evaluated_where_it_is() -> None:
    # flying away from 5 km out: t* = 0, d = 5 km, σ = 1 km: tiny probability; same as a stationary track
    p, v = track(0.0, 5000.0, 0.0, 0.0, 250.0)
    pr = te.reach_probability(p, v, cov(1000.0), ASSET, ROT, 1000.0, 0.2)
    p0, v0 = track(0.0, 5000.0, 0.0, 0.0, 0.0)
    assert pr[0, 0] == pytest.approx(te.reach_probability(p0, v0, cov(1000.0), ASSET, ROT, 1000.0, 0.2)[0, 0])
    assert pr[0, 0] < 1e-4


def test_velocity_variance_grows_with_time_to_cpa() -> None:
    p, v = track(0.0, -20_000.0, 0.0, 0.0, 250.0)  # t* = 80 s
    pr = te.reach_probability(p, v, cov(10.0, 10.0), ASSET, ROT, 1000.0, 0.0)
    s2 = 10.0**2 + 10.0**2 * 80.0**2
    assert pr[0, 0] == pytest.approx(1 - math.exp(-(1000.0**2) / (2 * s2)), rel=1e-6)


def test_value_at_risk_sums_over_assets_and_priority_rule() -> None:
    pr = np.array([[0.5, 0.1], [0.2, 0.0], [0.0, 0.0]])
    var = te.value_at_risk(pr, np.array([10.0, 100.0]))
    assert var == pytest.approx([15.0, 2.0, 0.0])
    # priority: VaR descending, then time to go, then track id
    order = te.priority_order(np.array([2.0, 15.0, 2.0, 0.0]), np.array([50.0, 90.0, 40.0, 1.0]), np.array([0, 1, 2, 3]))
    assert order.tolist() == [1, 2, 0, 3]


def test_assignment_values_scale_and_floor() -> None:
    assert te.assignment_values(np.array([4.0, 2.0, 0.0])) == pytest.approx([1.0, 0.5, te.VALUE_FLOOR])
    assert te.assignment_values(np.zeros(3)) == pytest.approx([1.0, 1.0, 1.0])


def test_evaluate_matches_its_parts() -> None:
    p, v = track(0.0, -20_000.0, 0.0, 0.0, 250.0)
    var, tgo = te.evaluate(p, v, cov(800.0), ASSET, ROT, np.array([7.0]), 1000.0, 0.0)
    assert var[0] == pytest.approx(7.0 * (1 - math.exp(-(1000.0**2) / (2 * 800.0**2))))
    assert tgo[0] == pytest.approx(80.0, rel=1e-3)
