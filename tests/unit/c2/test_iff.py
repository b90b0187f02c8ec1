"""IFF kernels (c2/iff.py): each test pins one rule with hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iadsim.c2 import iff
from iadsim.c2.iff import ASSUMED_FRIEND, ASSUMED_HOSTILE, FRIEND, HOSTILE, UNKNOWN
from iadsim.engine.world import compile_world
from iadsim.scenario.catalog import IFF_MODES, load_catalog
from iadsim.scenario.load import validate_text

M4, M5, PAROL = (1 << IFF_MODES.index(m) for m in ("nato-mode-4", "nato-mode-5", "parol"))


# ------------------------------------------------------------------ rules of engagement
def test_roe_table() -> None:
    ids = np.array([UNKNOWN, ASSUMED_FRIEND, ASSUMED_HOSTILE, FRIEND, HOSTILE])
    free = iff.roe_allows(ids, iff.ROE_CODE["weapons_free"])
    tight = iff.roe_allows(ids, iff.ROE_CODE["weapons_tight"])
    hold = iff.roe_allows(ids, iff.ROE_CODE["weapons_hold"])
    assert free.tolist() == [True, False, True, False, True]  # anything not (assumed) friend
    assert tight.tolist() == [False, False, True, False, True]  # only (assumed) hostile
    assert hold.tolist() == [False] * 5


def test_roe_per_candidate() -> None:
    ids = np.array([UNKNOWN, UNKNOWN, HOSTILE])
    roe = np.array([0, 1, 2])
    assert iff.roe_allows(ids, roe).tolist() == [True, False, False]


# ------------------------------------------------------------------ interrogation
def test_reply_probability_needs_a_common_mode() -> None:
    interrogator = np.array([M4 | M5, M4 | M5, PAROL, 0, M5])
    transponder = np.array([M4 | M5, 0, M4 | M5, M4 | M5, M4])
    p = iff.reply_probability(interrogator, np.full(5, 0.9), transponder)
    # NATO reads NATO; a failed/absent transponder never answers; Parol cannot read NATO modes;
    # an interrogator without modes reads nothing; Mode 5 only does not read a Mode-4-only reply
    assert p.tolist() == [0.9, 0.0, 0.0, 0.0, 0.0]


def test_interrogations_due() -> None:
    due = iff.interrogations_due(np.array([np.nan, 0.0, 6.0, 5.0]), 10.0, 5.0)
    assert due.tolist() == [True, True, False, True]


def test_update_counts() -> None:
    rep, sil = iff.update_counts(np.array([0, 2, 0]), np.array([3, 0, 1]), np.array([True, False, False]))
    assert rep.tolist() == [1, 2, 0] and sil.tolist() == [0, 1, 2]


# ------------------------------------------------------------------ the ladder
TH = dict(assume_friend_replies=1, friend_replies=3, assume_hostile_silent=2, hostile_silent=4)


def step(identity: int, replies: int, silent: int, kin: bool) -> int:
    return int(iff.ladder(np.array([identity]), np.array([replies]), np.array([silent]), np.array([kin]), **TH)[0])


def test_ladder_friend_side_thresholds() -> None:
    assert step(UNKNOWN, 0, 0, False) == UNKNOWN
    assert step(UNKNOWN, 1, 0, False) == ASSUMED_FRIEND  # assume_friend_replies = 1
    assert step(ASSUMED_FRIEND, 2, 0, False) == ASSUMED_FRIEND  # below friend_replies = 3
    assert step(ASSUMED_FRIEND, 3, 0, False) == FRIEND
    # a reply overrides an assumed hostile
    assert step(ASSUMED_HOSTILE, 1, 0, True) == ASSUMED_FRIEND


def test_ladder_hostile_side_needs_silence_and_kinematics() -> None:
    assert step(UNKNOWN, 0, 1, True) == UNKNOWN  # below assume_hostile_silent = 2
    assert step(UNKNOWN, 0, 2, True) == ASSUMED_HOSTILE
    assert step(UNKNOWN, 0, 9, False) == UNKNOWN  # silent but nothing hostile in the kinematics
    assert step(ASSUMED_HOSTILE, 0, 3, False) == ASSUMED_HOSTILE  # assumed hostile holds without a reply
    assert step(ASSUMED_HOSTILE, 0, 4, False) == HOSTILE  # hostile_silent = 4
    assert step(UNKNOWN, 0, 4, True) == HOSTILE


def test_ladder_final_identities_stay() -> None:
    assert step(FRIEND, 0, 10, True) == FRIEND
    assert step(HOSTILE, 5, 0, False) == HOSTILE


def test_ladder_time_to_identify() -> None:
    # a compatible friendly answering every interrogation: friend after friend_replies interrogations
    ident, rep, sil = np.array([UNKNOWN], np.int8), np.array([0]), np.array([0])
    history = []
    for _ in range(4):
        rep, sil = iff.update_counts(rep, sil, np.array([True]))
        ident = iff.ladder(ident, rep, sil, np.array([False]), **TH)
        history.append(int(ident[0]))
    assert history == [ASSUMED_FRIEND, ASSUMED_FRIEND, FRIEND, FRIEND]


# ------------------------------------------------------------------ hostile kinematics
def test_hostile_kinematics() -> None:
    asset = np.array([[0.0, 0.0, 0.0]])
    p = np.array([[100e3, 0, 0], [100e3, 0, 0], [100e3, 0, 0], [100e3, 0, 0], [3e3, 0, 0]], float)
    v = np.array([[-250.0, 0, 0], [-250.0, 0, 0], [0, 250.0, 0], [-20.0, 0, 0], [0, 250.0, 0]])
    cls = np.array([0, 1, 0, 0, 0])  # aircraft, cruise missile, aircraft, aircraft, aircraft
    kin = iff.hostile_kinematics(p, v, cls, asset, cpa_m=5e3, horizon_s=1800.0)
    # at the asset within 400 s; a missile by class; a crossing aircraft (CPA 100 km) is not;
    # straight at the asset but 5000 s away (beyond the horizon) is not; within 5 km of it is
    assert kin.tolist() == [True, True, False, False, True]


# ------------------------------------------------------------------ sharing
def test_share_identities_most_advanced_wins_friend_side_on_ties() -> None:
    ident = np.array([UNKNOWN, ASSUMED_HOSTILE, ASSUMED_HOSTILE, ASSUMED_FRIEND, HOSTILE, FRIEND, ASSUMED_FRIEND, UNKNOWN],
                     np.int8)  # fmt: skip
    key = np.array([0, 0, 1, 1, 2, 2, 3, -1])
    out = iff.share_identities(ident, key)
    assert out.tolist() == [ASSUMED_HOSTILE, ASSUMED_HOSTILE, ASSUMED_FRIEND, ASSUMED_FRIEND, FRIEND, FRIEND,
                            ASSUMED_FRIEND, UNKNOWN]  # fmt: skip


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(-1, 3)), min_size=1, max_size=30))
def test_share_identities_is_idempotent_and_never_regresses(pairs: list[tuple[int, int]]) -> None:
    ident = np.array([p[0] for p in pairs], np.int8)
    key = np.array([p[1] for p in pairs])
    out = iff.share_identities(ident, key)
    assert (iff.SHARE_SCORE[out] >= iff.SHARE_SCORE[ident]).all()
    assert (iff.share_identities(out, key) == out).all()
    assert (out[key < 0] == ident[key < 0]).all()


# ------------------------------------------------------------------ world: transponders and catalogue
def _world(p_fail: float, count: int = 400) -> np.ndarray:
    text = f"""\
name: t
sites:
  - name: s
    lat_deg: 37.0
    lon_deg: 35.3
    fire_units:
      - type: s400
      - type: patriot
      - type: hq-9
assets:
  - {{name: b, lat_deg: 36.9, lon_deg: 35.3}}
friendly_flights:
  - name: f
    type: fighter-4gen
    count: {count}
    transponder_failure_probability: {p_fail}
    transponder_modes: [nato-mode-5]
    route:
      - {{lat_deg: 36.5, lon_deg: 34.6}}
      - {{lat_deg: 36.5, lon_deg: 36.0}}
"""
    return compile_world(validate_text(text, "t.yaml"))


@pytest.mark.parametrize("p_fail", [0.0, 0.25, 1.0])
def test_transponder_failure_draw(p_fail: float) -> None:
    w = _world(p_fail)
    mask = w.sensed.transponder_mask[w.n_hostile:]
    failed = (mask == 0).mean()
    # binomial(400, p): 4 sigma at p = 0.25 is ±0.087
    assert abs(failed - p_fail) < 0.09
    assert set(np.unique(mask[mask != 0]).tolist()) <= {M5}
    assert w.sensed.is_friendly[w.n_hostile:].all() and not w.sensed.is_friendly[: w.n_hostile].any()


def test_transponder_draws_are_per_aircraft_streams() -> None:
    # adding aircraft to the flight does not change the draws of the first ones
    a = _world(0.5, 50).sensed.transponder_mask[:50]
    b = _world(0.5, 80).sensed.transponder_mask[:50]
    assert (a == b).all()


def test_catalogue_iff_compatibility_by_system() -> None:
    w = _world(0.0, 1)
    by = dict(zip(w.fire_units.system, w.fu_iff_mask))
    assert by["patriot"] & M4 and by["patriot"] & M5
    assert by["s400"] & (M4 | M5) == 0 and by["hq-9"] & (M4 | M5) == 0  # no NATO modes
    cat = load_catalog()
    for sid in ("s400", "patriot", "samp-t", "hq-9"):
        assert cat.systems[sid].fields.get("iff_modes") is not None
        assert cat.systems[sid].value("iff_reply_probability") is not None


def test_kinematics_matter_exactly_where_the_ladder_reads_them() -> None:
    """Where kinematics_matter is False the ladder gives the same identity for either kinematics."""
    rng = np.random.default_rng(9)
    n = 5000
    ident = rng.integers(0, 5, n).astype(np.int8)
    rep, sil = rng.integers(0, 4, n), rng.integers(0, 5, n)
    for afr, fr, ahs, hs in ((1, 2, 2, 3), (2, 1, 1, 1), (1, 1, 3, 4)):
        m = iff.kinematics_matter(ident, rep, sil, afr, fr, ahs)
        a = iff.ladder(ident, rep, sil, np.ones(n, bool), afr, fr, ahs, hs)
        b = iff.ladder(ident, rep, sil, np.zeros(n, bool), afr, fr, ahs, hs)
        assert np.array_equal(a[~m], b[~m])
        assert np.all(a[m] != b[m])  # where they matter they decide (assumed hostile / hostile vs unknown)
        assert m.any() and (~m).any()


def _ladder_numpy(ident, rep, sil, kin, afr, fr, ahs, hs):
    """The ladder as it was in NumPy before the compiled kernel (independent reference)."""
    ah = (ident == ASSUMED_HOSTILE) | (kin & (sil >= ahs))
    new = np.select([rep >= fr, rep >= afr, ah & (sil >= hs), ah], [FRIEND, ASSUMED_FRIEND, HOSTILE, ASSUMED_HOSTILE],
                    UNKNOWN).astype(np.int8)  # fmt: skip
    return np.where((ident == FRIEND) | (ident == HOSTILE), ident, new).astype(np.int8)


def _share_numpy(ident, k):
    """share_identities as it was in NumPy before the compiled kernel (independent reference)."""
    out = ident.copy()
    m = k >= 0
    if not m.any():
        return out
    uk, inv = np.unique(k[m], return_inverse=True)
    best = np.zeros(len(uk), np.int64)
    np.maximum.at(best, inv, iff.SHARE_SCORE[ident[m]])
    out[m] = iff._SCORE_TO_ID[best[inv]]
    return out


def test_compiled_ladder_and_sharing_match_numpy_reference() -> None:
    rng = np.random.default_rng(12)
    for _ in range(30):
        n = int(rng.integers(0, 60))
        ident = rng.integers(0, 5, n).astype(np.int8)
        rep, sil, kin = rng.integers(0, 4, n), rng.integers(0, 5, n), rng.random(n) < 0.5
        afr, fr, ahs, hs = (int(x) for x in rng.integers(1, 4, 4))
        np.testing.assert_array_equal(iff.ladder(ident, rep, sil, kin, afr, fr, ahs, hs),
                                      _ladder_numpy(ident, rep, sil, kin, afr, fr, ahs, hs))  # fmt: skip
        key = rng.integers(-3, 8, n)
        np.testing.assert_array_equal(iff.share_identities(ident, key), _share_numpy(ident, key))


def test_compiled_attack_profile_matches_numpy_reference() -> None:
    rng = np.random.default_rng(13)
    assets = np.array([[4.0e6, 3.0e6, 3.6e6], [4.05e6, 2.95e6, 3.61e6]])
    n = 400
    p = assets[0] + rng.normal(0, 60e3, (n, 3))
    v = rng.normal(0, 250, (n, 3))
    v[::25] = 0.0  # hovering: |v|² floored
    cls = rng.integers(0, 4, n)
    got = iff.hostile_kinematics(p, v, cls, assets, 15e3, 300.0)
    # the NumPy formula before the compiled kernel (independent reference)
    r = p[:, None, :] - assets[None, :, :]
    v2 = np.maximum(np.einsum("nk,nk->n", v, v), 1e-9)[:, None]
    t_star = -np.einsum("nak,nk->na", r, v) / v2
    d_star = np.linalg.norm(r + v[:, None, :] * t_star[..., None], axis=2)
    attack = ((t_star >= 0) & (t_star <= 300.0) & (d_star <= 15e3)) | (np.linalg.norm(r, axis=2) <= 15e3)
    ref = np.isin(cls, iff.MISSILE_CLASSES) | attack.any(axis=1)
    assert ref.any() and (~ref).any() and (attack.any(axis=1) & ~np.isin(cls, iff.MISSILE_CLASSES)).any()
    np.testing.assert_array_equal(got, ref)
