"""The compiled selection of a decision cycle against its Python composition.

``c2_glue.selection_inputs`` (threat evaluation, launch-quality Pk, rounds, channels) and
``c2_glue.group_engagements`` (the WTA of every 1 × 1 group with the heuristic solver and rule (b))
must give what ``tewa.reach_probability`` / ``value_at_risk``, ``engagement.handover_pk_fraction``,
``fire_distribution.build_problem``, ``HeuristicAssigner.assign`` and
``fire_distribution.engagements`` give on the same random instances; the compiled χ² CDF must be
SciPy's; the compiled reach probability must be the NumPy expression it replaced.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import chndtr

from iadsim.c2 import fire_distribution
from iadsim.c2 import threat_evaluation as te
from iadsim.c2.assignment import HeuristicAssigner
from iadsim.engine import c2_glue
from iadsim.geo import frames
from iadsim.weapons import engagement


def test_compiled_chndtr_is_scipys() -> None:
    rng = np.random.default_rng(3)
    x = rng.exponential(5.0, 500)
    nc = rng.exponential(5.0, 500)
    got = np.array([te.chndtr2(a, b) for a, b in zip(x, nc, strict=True)])
    assert np.array_equal(got, chndtr(x, 2.0, nc))


def _reach_numpy(p, v, P, asset, rot, radius, manoeuvre):
    """The former NumPy expression of reach_probability (einsum form), as an independent reference."""
    H = rot[:, :2, :]
    rel = p[:, None, :] - asset[None, :, :]
    r = np.einsum("aij,naj->nai", H, rel)
    u = np.einsum("aij,nj->nai", H, v)
    uu = np.einsum("nai,nai->na", u, u)
    with np.errstate(divide="ignore", invalid="ignore"):
        ts = np.where(uu > 1e-12, -np.einsum("nai,nai->na", r, u) / np.where(uu > 1e-12, uu, 1.0), 0.0)
    ts = np.maximum(ts, 0.0)
    d = r + u * ts[:, :, None]
    d2 = np.einsum("nai,nai->na", d, d)
    var_p = 0.5 * np.einsum("aij,njk,aik->na", H, P[:, :3, :3], H)
    var_v = 0.5 * np.einsum("aij,njk,aik->na", H, P[:, 3:6, 3:6], H)
    s2 = np.maximum(var_p + var_v * ts**2 + (manoeuvre * np.sqrt(uu) * ts) ** 2, 1e-6)
    return np.clip(chndtr(radius**2 / s2, 2.0, d2 / s2), 0.0, 1.0)


def _assets(rng, A):
    lat = np.radians(rng.uniform(36.0, 40.0, A))
    lon = np.radians(rng.uniform(30.0, 40.0, A))
    ecef = np.stack([np.asarray(frames.geodetic_to_ecef(a, b, 0.0), float).reshape(3) for a, b in zip(lat, lon, strict=True)])
    return ecef, te.asset_frames(ecef)


def _covariances(rng, n):
    L = rng.normal(0.0, 1.0, (n, 6, 6)) * np.array([300.0] * 3 + [20.0] * 3)[None, :, None]
    return L @ L.transpose(0, 2, 1)


@pytest.mark.parametrize("seed", range(5))
def test_reach_kernel_is_the_numpy_expression(seed: int) -> None:
    rng = np.random.default_rng(seed)
    asset, rot = _assets(rng, 4)
    n = 60
    p = asset[rng.integers(0, 4, n)] + rng.normal(0.0, 30_000.0, (n, 3))
    v = rng.normal(0.0, 250.0, (n, 3))
    v[:3] = 0.0  # stationary: no closest approach ahead
    P = _covariances(rng, n)
    got = te.reach_probability(p, v, P, asset, rot, 2000.0, math.radians(10.0))
    ref = _reach_numpy(p, v, P, asset, rot, 2000.0, math.radians(10.0))
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-15)
    assert (got > 0.01).any() and (got < 0.99).any()  # the instance exercises the model


def _instance(rng):
    """A random decision cycle: P pairs of U units (S radars, K types) over tracks, grouped by site."""
    U, S, K, A, n_rows = 4, 3, 2, 3, 6
    P = int(rng.integers(3, 14))
    f = rng.integers(0, U, P)
    rows = rng.integers(0, n_rows, P)
    feas = np.sort(rng.choice(P, int(rng.integers(1, P + 1)), replace=False))
    best_type = rng.integers(0, K, P)
    asset, rot = _assets(rng, A)
    p_row = asset[rng.integers(0, A, n_rows)] + rng.normal(0.0, 20_000.0, (n_rows, 3))
    v_row = rng.normal(0.0, 300.0, (n_rows, 3))
    P_row = _covariances(rng, n_rows)
    fc_mask = rng.random((U, S)) < 0.7
    fc_mask[:, 0] |= ~fc_mask.any(axis=1)
    site = rng.integers(0, 3, U)
    return dict(
        feas=feas, f=f, rows=rows, best_type=best_type, best_tau=rng.uniform(5.0, 60.0, P),
        delay=rng.uniform(1.0, 10.0, P), p=p_row[rows], v=v_row[rows], Pc=P_row[rows],
        assessed=rng.integers(0, 3, P), magazine=rng.integers(0, 5, (U, K)), fc_update=rng.uniform(0.5, 3.0, U),
        midcourse=bool(rng.random() < 0.5), q=float(rng.uniform(0.1, 10.0)), held=rng.integers(0, 4, S),
        guided_free=rng.integers(-1, 4, (P, S)), own=np.where(rng.random(P) < 0.4, rng.integers(0, S, P), -1),
        asset_ecef=asset, asset_rot=rot, asset_value=rng.uniform(1.0, 10.0, A),
        ic_pk=rng.uniform(0.0, 0.95, (U, K, 3)), ic_basket=rng.uniform(5.0, 50.0, (U, K)), fc_mask=fc_mask,
        max_engagements=rng.integers(1, 5, U), group=site[f], key=rows.astype(np.int64),
        salvo=rng.integers(1, 3, U))  # fmt: skip


def _python_inputs(d):
    """The Python composition the compiled selection_inputs replaced (engine.run._select before)."""
    feas, f = d["feas"], d["f"]
    fi, ii = f[feas], d["best_type"][feas]
    ur, first, inv = np.unique(d["rows"][feas], return_index=True, return_inverse=True)
    fr = feas[first]
    pr = te.reach_probability(d["p"][fr], d["v"][fr], d["Pc"][fr], d["asset_ecef"], d["asset_rot"])
    var = te.value_at_risk(pr, d["asset_value"])[inv.reshape(-1)]
    age = d["fc_update"][fi] if d["midcourse"] else d["delay"][feas] + d["best_tau"][feas]
    frac = engagement.handover_pk_fraction(engagement.handover_covariance(d["Pc"][feas], age, d["q"]), d["ic_basket"][fi, ii])
    pk = d["ic_pk"][fi, ii, d["assessed"][feas]] * frac
    fcm = d["fc_mask"][fi]
    g_free = np.where(fcm, d["guided_free"][feas], 0).max(axis=1)
    rounds = np.minimum(d["magazine"][fi, ii], np.maximum(g_free, 0))
    free_new = np.where(fcm, d["max_engagements"][fi][:, None] - d["held"][None, :], 0).max(axis=1)
    own = d["own"][feas]
    held_here = (own >= 0) & fcm[np.arange(len(fi)), np.maximum(own, 0)]
    n_held = np.bincount(fi[held_here], minlength=len(d["max_engagements"]))
    return var, pk, rounds, np.maximum(free_new, 0) + n_held[fi]


def _compiled_inputs(d):
    return c2_glue.selection_inputs(
        d["feas"], d["f"], d["rows"], d["best_type"], d["best_tau"], d["delay"], d["p"], d["v"], d["Pc"], d["assessed"],
        d["magazine"], d["fc_update"], d["midcourse"], d["q"], d["held"], d["guided_free"], d["own"], d["asset_ecef"],
        d["asset_rot"], d["asset_value"], d["ic_pk"], d["ic_basket"], d["fc_mask"], d["max_engagements"],
        te.REACH_RADIUS_M, te.MANOEUVRE_ALLOWANCE_RAD)  # fmt: skip


@pytest.mark.parametrize("seed", range(40))
def test_selection_inputs_equal_the_python_composition(seed: int) -> None:
    d = _instance(np.random.default_rng(seed))
    var, pk, rounds, channels = _compiled_inputs(d)
    r_var, r_pk, r_rounds, r_channels = _python_inputs(d)
    np.testing.assert_allclose(var, r_var, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(pk, r_pk, rtol=1e-12)  # determinant summed in another order: last bits
    assert np.array_equal(rounds, r_rounds)
    assert np.array_equal(channels, r_channels)


@pytest.mark.parametrize("seed", range(60))
def test_group_engagements_equal_the_python_solver(seed: int) -> None:
    d = _instance(np.random.default_rng(100 + seed))
    var, pk, rounds, channels = _compiled_inputs(d)
    feas = d["feas"]
    fi, ii = d["f"][feas], d["best_type"][feas]
    g, key, salvo = d["group"][feas], d["key"][feas], d["salvo"][fi]
    solver = HeuristicAssigner()
    sel, n, sel_g, left = c2_glue.group_engagements(feas, fi, ii, key, g, var, pk, rounds, channels, salvo,
                                                    *solver._kernel_parameters())  # fmt: skip
    ref_sel, ref_n, ref_left = [], [], []
    for grp in np.unique(g):
        m = np.flatnonzero(g == grp)
        gp = fire_distribution.build_problem(feas[m], fi[m], ii[m], key[m], te.assignment_values(var[m]), pk[m],
                                             rounds[m], channels[m], salvo[m])  # fmt: skip
        if gp.problem.pk.shape != (1, 1):
            ref_left.append(grp)
            continue
        pe, k = fire_distribution.engagements(solver.assign(gp.problem).x, gp.pair)
        ref_sel.extend(pe)
        ref_n.extend(k)
        assert np.all(sel_g[np.isin(sel, pe)] == grp)
    assert list(left) == ref_left
    assert list(sel) == ref_sel and list(n) == ref_n


def test_group_engagements_fire_and_hold_by_hand() -> None:
    # two 1 × 1 groups: group 0 has 3 rounds, salvo 2, Pk 0.6 → 2 rounds; group 1 has no rounds → none
    feas = np.array([0, 1], np.int64)
    sel, n, sel_g, left = c2_glue.group_engagements(
        feas, np.array([0, 1], np.int64), np.zeros(2, np.int64), np.array([5, 6], np.int64), np.array([0, 1], np.int64),
        np.array([3.0, 3.0]), np.array([0.6, 0.6]), np.array([3, 0], np.int64), np.array([1, 1], np.int64),
        2 * np.array([1, 1], np.int64), *HeuristicAssigner()._kernel_parameters())  # fmt: skip
    assert list(sel) == [0] and list(n) == [2] and list(sel_g) == [0] and len(left) == 0
