"""Compiled engagement kernels (weapons/kernels.py) against the NumPy formulas they replace.

The references below are the NumPy implementations the kernels replaced (kept here verbatim as
independent references): the kernels must make the same decisions and agree to the last bits.
"""

from __future__ import annotations

import numpy as np
import pytest

import iadsim
from iadsim.c2.classification import classify, classify_kinematics
from iadsim.engine.world import compile_world
from iadsim.geo import frames
from iadsim.weapons import engagement
from iadsim.weapons.engagement import handover_covariance, handover_pk_fraction
from iadsim.weapons.flyout import flyout_distance, predicted_intercept_energy
from iadsim.weapons import kernels


@pytest.fixture(scope="module")
def world():
    return compile_world(iadsim.load_scenario("adana-patriot-small"))


def _reference_choose(f, p_launch, v_launch, acc, delay_s, tgo_s, target_speed_mps, P_now, handover_age_s, q_m2ps3,
                      cls, magazine, fus, ic, pip_supported=None):
    """choose_interceptor as it was in NumPy (before the compiled kernel)."""
    from iadsim.c2 import doctrine
    from iadsim.weapons.envelopes import inside_envelope
    from iadsim.weapons.flyout import predicted_intercept_energy

    P, I = len(f), len(ic.ids)
    capable = np.zeros((P, I), bool)
    taus = np.full((P, I), np.nan)
    pips = np.zeros((P, I, 3))
    last_resort = np.zeros((P, I), bool)  # reserved for other classes, usable only as a last resort
    # every (pair, type) with a ready round, flattened: one vectorised PIP solve for all of them
    pj, ij = np.nonzero(magazine[f] > 0)
    if len(pj):
        # cheap rules first (reservation, max target speed, Pk > 0 vs the assessed class): the
        # PIP is solved only for the pairs that pass them
        fj = f[pj]
        res_ok = doctrine.reservation_ok(fus.reserved_for[fj], cls[pj])[np.arange(len(pj)), ij]
        held = ~res_ok
        last_resort[pj[held], ij[held]] = True
        pre = (res_ok | ~fus.reserve_hold[fj]) & (target_speed_mps[pj] <= ic.max_target_speed_mps[fj, ij]) & (ic.pk[fj, ij, cls[pj]] > 0)
        pj, ij, fj = pj[pre], ij[pre], fj[pre]
    if len(pj):
        pip, tau = predicted_intercept_energy(p_launch[pj], v_launch[pj], acc[pj], fus.ecef_m[fj], ic.max_speed_mps[fj, ij],
                                              ic.burn_time_s[fj, ij], ic.drag_time_s[fj, ij], ic.max_flight_s[fj, ij])  # fmt: skip
        pip = np.where(np.isfinite(pip), pip, fus.ecef_m[fj])
        enu = np.einsum("pij,pj->pi", fus.enu_rot[fj], pip - fus.ecef_m[fj])
        slant = np.linalg.norm(enu, axis=1)
        _, _, alt = frames.ecef_to_geodetic(pip)
        t_arr = delay_s[pj] + np.nan_to_num(tau, nan=np.inf)
        if handover_age_s is not None:
            P_h = handover_covariance(P_now[pj], handover_age_s[pj], q_m2ps3)
        else:
            P_h = handover_covariance(P_now[pj], np.where(np.isfinite(t_arr), t_arr, 0.0), q_m2ps3)
        ok = (
            np.isfinite(tau)
            & inside_envelope(slant, np.asarray(alt, float), cls[pj], ic.min_range_m[fj, ij], ic.max_range_m[fj, ij],
                              ic.min_alt_m[fj, ij], ic.max_alt_m[fj, ij], ic.ballistic_max_range_m[fj, ij],
                              ic.ballistic_max_alt_m[fj, ij])
            & (t_arr < tgo_s[pj])
            & (handover_pk_fraction(P_h, ic.basket_m[fj, ij]) >= fus.min_handover_pk_fraction[fj])
        )  # fmt: skip
        if pip_supported is not None:
            k = np.flatnonzero(ok)
            if len(k):
                ok[k] = pip_supported(pip[k], pj[k])
        capable[pj, ij] = ok
        taus[pj, ij] = tau
        pips[pj, ij] = pip
    best = doctrine.choose_interceptor(capable, ic.cost_usd[f], fus.preference[f], fus.weapon_cheapest[f], last_resort)
    has = best >= 0
    bi = np.maximum(best, 0)
    rows = np.arange(P)
    best_tau = np.where(has, taus[rows, bi], np.nan)
    best_pip = np.where(has[:, None], pips[rows, bi], 0.0)
    return best, best_tau, best_pip


def _random_pairs(world, n, rng):
    """Targets of every kind around the unit: ranges 1–150 km, heights 30 m–40 km, speeds 0–2 km/s."""
    fus = world.fire_units
    R = fus.enu_rot[0]
    rng_km = rng.uniform(1.0, 150.0, n)
    az = rng.uniform(0, 2 * np.pi, n)
    alt = np.exp(rng.uniform(np.log(30.0), np.log(40e3), n))
    enu = np.stack([rng_km * 1000 * np.sin(az), rng_km * 1000 * np.cos(az), alt], axis=1)
    p = fus.ecef_m[0] + enu @ R
    speed = rng.uniform(0.0, 2000.0, n)
    # mostly inbound (towards the unit), some crossing / outbound
    d = -enu / np.linalg.norm(enu, axis=1)[:, None] + rng.normal(0, 0.3, (n, 3))
    d /= np.linalg.norm(d, axis=1)[:, None]
    v = (d * speed[:, None]) @ R
    return np.zeros(n, np.int64), p, v


@pytest.mark.parametrize("midcourse", [False, True])
def test_choose_interceptor_matches_numpy_reference(world, midcourse) -> None:
    fus, ic = world.fire_units, world.interceptors
    rng = np.random.default_rng(7)
    n = 400
    f, p, v = _random_pairs(world, n, rng)
    delay = rng.uniform(0.0, 20.0, n)
    pl, vl, a = engagement.launch_kinematics(p, v, delay)
    tgo = rng.uniform(20.0, 900.0, n)
    A = rng.normal(0, 1, (n, 6, 6)) * np.array([30.0, 30.0, 30.0, 3.0, 3.0, 3.0])[None, :, None]
    P = np.einsum("nij,nkj->nik", A, A) / 6.0  # SPD: ~30 m, ~3 m/s standard deviations
    cls = classify(p, v)
    age = np.full(n, 2.0) if midcourse else None
    mag = fus.magazine.copy()
    # a support rule that refuses some PIPs (every PIP east of the unit) to exercise the callback
    east = lambda pip, k: ((pip - fus.ecef_m[0]) @ fus.enu_rot[0].T)[:, 0] < 0.0  # noqa: E731
    args = (f, pl, vl, a, delay, tgo, np.linalg.norm(v, axis=1), P, age, 50.0, cls, mag, fus, ic)
    it, tau, pip = engagement.choose_interceptor(*args, pip_supported=east)
    it0, tau0, pip0 = _reference_choose(*args, pip_supported=east)
    assert (it0 >= 0).sum() > 20 and (it0 < 0).sum() > 20  # both outcomes are exercised
    np.testing.assert_array_equal(it, it0)
    np.testing.assert_allclose(tau, tau0, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(pip, pip0, rtol=1e-12, atol=1e-6)


def test_reservation_and_last_resort_match_reference(world) -> None:
    import dataclasses

    fus, ic = world.fire_units, world.interceptors
    I = len(ic.ids)
    rng = np.random.default_rng(3)
    n = 200
    f, p, v = _random_pairs(world, n, rng)
    pl, vl, a = engagement.launch_kinematics(p, v, np.zeros(n))
    cls = classify(p, v)
    res = np.zeros_like(fus.reserved_for)
    res[:, 0, 2] = True  # type 0 kept for ballistic missiles
    for hold in (True, False):
        fu2 = dataclasses.replace(fus, reserved_for=res, reserve_hold=np.full(len(fus), hold))
        args = (f, pl, vl, a, np.zeros(n), np.full(n, 1e9), np.linalg.norm(v, axis=1),
                np.repeat(np.eye(6)[None], n, axis=0), None, 50.0, cls, fu2.magazine, fu2, ic)
        it, _, _ = engagement.choose_interceptor(*args)
        it0, _, _ = _reference_choose(*args)
        np.testing.assert_array_equal(it, it0)
        if I > 1 and hold:
            assert not np.any((it == 0) & (cls != 2))  # held for ballistic missiles only


def test_solve_tau_matches_predicted_intercept_energy() -> None:
    rng = np.random.default_rng(11)
    n = 300
    L = np.zeros((n, 3)) + np.array([4.0e6, 3.0e6, 3.5e6])
    p = L + rng.normal(0, 25e3, (n, 3))
    v = rng.normal(0, 700, (n, 3))
    a = np.where(rng.random((n, 1)) < 0.5, -9.8 * p / np.linalg.norm(p, axis=1)[:, None], 0.0)
    vm, tb, T, tmax = rng.uniform(900, 1700, n), rng.uniform(3, 12, n), rng.uniform(20, 90, n), rng.uniform(30, 200, n)
    tmax[::17] = np.nan
    grid = np.linspace(0.0, 1.0, 11)[1:]
    _, tau0 = predicted_intercept_energy(p, v, a, L, vm, tb, T, tmax)
    tau = np.array([kernels.solve_tau(*p[j], *v[j], *a[j], *L[j], vm[j], tb[j], T[j], tmax[j], grid, 8)
                    for j in range(n)])  # fmt: skip
    assert np.isfinite(tau0).sum() > 50 and np.isnan(tau0).sum() > 20
    np.testing.assert_allclose(tau, tau0, rtol=1e-12, equal_nan=True)


def test_flyout_distance_and_handover_fraction_scalars() -> None:
    t = np.array([0.0, 2.0, 5.0, 30.0, 200.0])
    ref = flyout_distance(t, 1200.0, 5.0, 40.0)
    got = np.array([kernels.flyout_distance(x, 1200.0, 5.0, 40.0) for x in t])
    np.testing.assert_allclose(got, ref, rtol=1e-14)
    # hand-computed: boost to t_b = 5 s covers ½ v_m t_b = 3000 m
    assert kernels.flyout_distance(5.0, 1200.0, 5.0, 40.0) == pytest.approx(3000.0)
    rng = np.random.default_rng(5)
    A = rng.normal(0, 30, (20, 6, 6))
    P = np.einsum("nij,nkj->nik", A, A)
    age = rng.uniform(0, 30, 20)
    ref = handover_pk_fraction(handover_covariance(P, age, 50.0), np.full(20, 40.0))
    got = np.array([kernels.handover_fraction(P[j], age[j], 50.0, 40.0) for j in range(20)])
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    # P = 0, Δt = 0: nothing lost
    assert kernels.handover_fraction(np.zeros((6, 6)), 0.0, 50.0, 40.0) == 1.0


def test_geodetic_and_classify_match_numpy() -> None:
    rng = np.random.default_rng(2)
    n = 500
    lat, lon = rng.uniform(-1.4, 1.4, n), rng.uniform(-np.pi, np.pi, n)
    h = np.exp(rng.uniform(np.log(1.0), np.log(2e6), n)) - 100.0
    p = frames.geodetic_to_ecef(lat, lon, h).reshape(n, 3)
    la, lo, hh = frames.ecef_to_geodetic(p)
    # the kernels' geodesy: (h, sin φ, cos φ, cos λ, sin λ) without the angles
    got = np.array([kernels.geodetic_terms(*p[j]) for j in range(n)])
    np.testing.assert_allclose(got[:, 0], hh, rtol=1e-12, atol=1e-7)
    for k, ref_k in ((1, np.sin(la)), (2, np.cos(la)), (3, np.cos(lo)), (4, np.sin(lo))):
        np.testing.assert_allclose(got[:, k], ref_k, rtol=0, atol=1e-15)
    # classify (compiled) against the NumPy rule table fed with the NumPy geodesy
    v = rng.normal(0, 1, (n, 3)) * rng.choice([30.0, 200.0, 300.0, 800.0, 2500.0], n)[:, None]
    up = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=1)
    ref = classify_kinematics(np.linalg.norm(v, axis=1), hh, np.einsum("ij,ij->i", v, up))
    got = classify(p, v)
    assert len(np.unique(ref)) == 4  # every class is exercised
    np.testing.assert_array_equal(got, ref)
    assert classify(np.zeros((0, 3)), np.zeros((0, 3))).shape == (0,)
