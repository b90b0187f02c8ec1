"""IFF interrogation, the identification ladder, identity sharing and rules of engagement.

Pure array kernels (no truth labels in any decision): a site interrogates its confirmed tracks
every ``interrogation_interval_s``; each interrogation is answered or not (the *physics* of the
reply reads the interrogated object's transponder, as radar detection reads its RCS); the ladder
turns the observed replies and the track's own kinematics into an identity; the rules of
engagement turn the identity into a permission to engage. See ``docs/models.md`` ("IFF and rules
of engagement") for the equations, assumptions and sources.

Identity codes (``int8``, stable, stored in the ``value`` column of ``Identified`` events)::

    0 unknown   1 assumed_friend   2 assumed_hostile   3 friend   4 hostile
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.arrayops import sort_rows_by2
from iadsim.rng_kernels import next_double

UNKNOWN, ASSUMED_FRIEND, ASSUMED_HOSTILE, FRIEND, HOSTILE = 0, 1, 2, 3, 4
#: Identity names by code (the ``reason`` of an ``Identified`` event is ``"id_" + name``).
IDENTITIES: tuple[str, ...] = ("unknown", "assumed_friend", "assumed_hostile", "friend", "hostile")
#: Rules of engagement by code.
ROES: tuple[str, ...] = ("weapons_free", "weapons_tight", "weapons_hold")
ROE_CODE: dict[str, int] = {r: i for i, r in enumerate(ROES)}

#: ``ROE_TABLE[roe, identity]``: may a unit under ``roe`` engage a track of ``identity``?
#: weapons_free — anything not identified or assumed friend; weapons_tight — only identified or
#: assumed hostile; weapons_hold — nothing (no self-defence exception is modelled).
ROE_TABLE = np.array([
    # unknown assumed_friend assumed_hostile friend hostile
    [True, False, True, False, True],    # weapons_free
    [False, False, True, False, True],   # weapons_tight
    [False, False, False, False, False],  # weapons_hold
], dtype=bool)  # fmt: skip

#: Advancement of each identity for sharing (higher wins); at equal advancement the friend side
#: wins: ``unknown 0 < assumed_hostile 1 < assumed_friend 2 < hostile 3 < friend 4``.
SHARE_SCORE = np.array([0, 2, 1, 4, 3], np.int64)
_SCORE_TO_ID = np.array([UNKNOWN, ASSUMED_HOSTILE, ASSUMED_FRIEND, HOSTILE, FRIEND], np.int8)

#: Assessed classes (``c2.classification``) that are hostile kinematics by themselves.
MISSILE_CLASSES = (1, 2)  # cruise_missile, ballistic_missile (THREAT_CLASSES order)


def roe_allows(identity: np.ndarray, roe: np.ndarray | int) -> np.ndarray:
    """May a unit engage each track under its rules of engagement? ``ROE_TABLE[roe, identity]``.

    Parameters
    ----------
    identity : (n,) int identity codes of the candidate tracks.
    roe : (n,) or scalar ROE code (``ROE_CODE``) of the unit of each candidate.

    Returns
    -------
    (n,) bool.
    """
    ident = np.asarray(identity, np.int64)
    return np.asarray(ROE_TABLE[np.broadcast_to(np.asarray(roe, np.int64), ident.shape), ident], bool)


def interrogations_due(last_s: np.ndarray, t_s: float, interval_s: float) -> np.ndarray:
    """Tracks whose next interrogation is due: never interrogated (NaN) or ``t − last ≥ interval``.

    Parameters
    ----------
    last_s : (n,) time of each object's last interrogation by its site, s (NaN: never).
    """
    last = np.asarray(last_s, float)
    return np.isnan(last) | (t_s - last >= interval_s - 1e-9)


def reply_probability(interrogator_mask: np.ndarray, reply_p: np.ndarray, transponder_mask: np.ndarray) -> np.ndarray:
    """Probability that one interrogation is answered with a valid, decoded reply.

    ``p = p_reply(interrogator) · [modes(interrogator) ∩ modes(transponder) ≠ ∅]``, with the
    transponder's modes 0 where it has none or it failed (hostiles, failed friendlies, false tracks).

    Parameters
    ----------
    interrogator_mask : (n,) int bit mask of the modes the interrogating site reads.
    reply_p : (n,) per-interrogation reply probability of the interrogator (catalogue).
    transponder_mask : (n,) int bit mask of the modes the object's working transponder answers.
    """
    compatible = (np.asarray(interrogator_mask, np.int64) & np.asarray(transponder_mask, np.int64)) != 0
    return np.where(compatible, np.asarray(reply_p, float), 0.0)


def update_counts(replies: np.ndarray, silent: np.ndarray, got_reply: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reply counters after one interrogation each.

    ``replies ← replies + r``; ``silent ← 0`` if ``r`` else ``silent + 1`` (consecutive unanswered
    interrogations since the last reply), ``r`` ∈ {0, 1} the outcome.
    """
    r = np.asarray(got_reply, bool)
    return np.asarray(replies) + r, np.where(r, 0, np.asarray(silent) + 1)


def hostile_kinematics(p_m: np.ndarray, v_mps: np.ndarray, assessed_class: np.ndarray, asset_ecef_m: np.ndarray,
                       cpa_m: float, horizon_s: float) -> np.ndarray:  # fmt: skip
    """Hostile kinematic criteria of tracks, from their estimates only.

    A track behaves hostile if its assessed class is a missile (cruise or ballistic, from
    :func:`iadsim.c2.classification.classify`) **or** it flies an attack profile at a defended
    asset ``a``: with ``r = p − a``, the time of closest approach ``t* = −(r·v)/|v|²`` and the miss
    distance ``d* = |r + v t*|``, ``0 ≤ t* ≤ horizon_s`` and ``d* ≤ cpa_m`` for some asset (or it is
    already within ``cpa_m`` of one).

    Parameters
    ----------
    p_m, v_mps : (n, 3) track position and velocity (ECEF).
    assessed_class : (n,) assessed class index (THREAT_CLASSES order).
    asset_ecef_m : (A, 3) defended assets.

    Returns
    -------
    (n,) bool.
    """
    c = np.ascontiguousarray
    return hostile_kinematics_kernel(c(p_m, float).reshape(-1, 3), c(v_mps, float).reshape(-1, 3),
                                     c(assessed_class, np.int64).reshape(-1), c(asset_ecef_m, float).reshape(-1, 3),
                                     float(cpa_m), float(horizon_s))  # fmt: skip


@njit(cache=True, error_model="numpy")
def hostile_kinematics_kernel(p: np.ndarray, v: np.ndarray, assessed_class: np.ndarray, assets: np.ndarray,
                              cpa_m: float, horizon_s: float) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`hostile_kinematics` compiled (also called by the engine's compiled tick loop): a missile
    class (``MISSILE_CLASSES``) or :func:`_attack_profile` at some asset."""
    n = p.shape[0]
    out = np.zeros(n, np.bool_)
    attack = _attack_profile(p, v, assets, cpa_m, horizon_s) if assets.shape[0] and n else np.zeros(n, np.bool_)
    for j in range(n):
        c = assessed_class[j]
        out[j] = c == MISSILE_CLASSES[0] or c == MISSILE_CLASSES[1] or attack[j]
    return out


@njit(cache=True, error_model="numpy")
def _attack_profile(p: np.ndarray, v: np.ndarray, assets: np.ndarray, cpa_m: float,
                    horizon_s: float) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`hostile_kinematics`' attack profile per track: for some asset, r = p − a,
    t* = −(r·v)/max(|v|², 10⁻⁹), d* = |r + v t*|; 0 ≤ t* ≤ horizon ∧ d* ≤ cpa, or |r| ≤ cpa."""
    n = p.shape[0]
    out = np.zeros(n, np.bool_)
    for j in range(n):
        v2 = max(v[j, 0] * v[j, 0] + v[j, 1] * v[j, 1] + v[j, 2] * v[j, 2], 1e-9)
        for a in range(assets.shape[0]):
            r0, r1, r2 = p[j, 0] - assets[a, 0], p[j, 1] - assets[a, 1], p[j, 2] - assets[a, 2]
            ts = -(r0 * v[j, 0] + r1 * v[j, 1] + r2 * v[j, 2]) / v2
            d0, d1, d2 = r0 + v[j, 0] * ts, r1 + v[j, 1] * ts, r2 + v[j, 2] * ts
            ds = math.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
            if (ts >= 0 and ts <= horizon_s and ds <= cpa_m) or math.sqrt(r0 * r0 + r1 * r1 + r2 * r2) <= cpa_m:
                out[j] = True
                break
    return out


def kinematics_matter(identity: np.ndarray, replies: np.ndarray, silent: np.ndarray, assume_friend_replies: int,
                      friend_replies: int, assume_hostile_silent: int) -> np.ndarray:  # fmt: skip
    """(n,) bool: whether :func:`ladder` reads the hostile kinematics of each track this step.

    The kinematics enter only rule 3's ``silent ≥ assume_hostile_silent ∧ hostile_kin`` of a track
    that is not final (friend / hostile), not already assumed hostile and not caught by rules 1–2
    (``replies < friend_replies`` and ``replies < assume_friend_replies``); elsewhere the ladder's
    result is the same for either value, so they need not be assessed.

    Parameters
    ----------
    identity : (n,) current identities; replies, silent : (n,) counters after this interrogation.
    """
    ident = np.asarray(identity, np.int8)
    rep = np.asarray(replies)
    final = (ident == FRIEND) | (ident == HOSTILE)
    return np.asarray(~final & (ident != ASSUMED_HOSTILE) & (rep < friend_replies) & (rep < assume_friend_replies)
                      & (np.asarray(silent) >= assume_hostile_silent))  # fmt: skip


def ladder(identity: np.ndarray, replies: np.ndarray, silent: np.ndarray, hostile_kin: np.ndarray,
           assume_friend_replies: int, friend_replies: int, assume_hostile_silent: int,
           hostile_silent: int) -> np.ndarray:  # fmt: skip
    """One step of the identification ladder ``unknown → assumed friend / hostile → friend / hostile``.

    Rules (first match wins; ``friend`` and ``hostile`` are final):

    1. ``replies ≥ friend_replies`` ⇒ friend;
    2. ``replies ≥ assume_friend_replies`` ⇒ assumed friend (a reply overrides an assumed hostile);
    3. assumed hostile ``AH`` = already assumed hostile, or ``silent ≥ assume_hostile_silent`` with
       hostile kinematics; ``AH`` and ``silent ≥ hostile_silent`` ⇒ hostile;
    4. ``AH`` ⇒ assumed hostile;
    5. else unknown (no reply, but nothing hostile in the kinematics: a silent patrol stays unknown).

    Parameters
    ----------
    identity : (n,) int8 current identities; replies, silent : (n,) int counters (:func:`update_counts`);
    hostile_kin : (n,) bool (:func:`hostile_kinematics`).

    Returns
    -------
    (n,) int8 new identities.
    """
    ident = np.ascontiguousarray(identity, np.int8).reshape(-1)
    rep = np.ascontiguousarray(replies, np.int64).reshape(-1)
    sil = np.ascontiguousarray(silent, np.int64).reshape(-1)
    kin = np.ascontiguousarray(np.broadcast_to(np.asarray(hostile_kin, bool), ident.shape))
    return _ladder_kernel(ident, rep, sil, kin, int(assume_friend_replies), int(friend_replies),
                          int(assume_hostile_silent), int(hostile_silent))  # fmt: skip


@njit(cache=True, error_model="numpy")
def _ladder_kernel(ident: np.ndarray, rep: np.ndarray, sil: np.ndarray, kin: np.ndarray, afr: int, fr: int, ahs: int,
                   hs: int) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`ladder`'s rules 1–5 per track (first match wins; friend and hostile are final)."""
    out = np.empty(len(ident), np.int8)
    for j in range(len(ident)):
        i = ident[j]
        if i == FRIEND or i == HOSTILE:
            out[j] = i
            continue
        ah = i == ASSUMED_HOSTILE or (kin[j] and sil[j] >= ahs)
        if rep[j] >= fr:
            out[j] = FRIEND
        elif rep[j] >= afr:
            out[j] = ASSUMED_FRIEND
        elif ah and sil[j] >= hs:
            out[j] = HOSTILE
        elif ah:
            out[j] = ASSUMED_HOSTILE
        else:
            out[j] = UNKNOWN
    return out


def share_identities(identity: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Identities shared within groups: per ``key`` the most advanced identity wins.

    Advancement (``SHARE_SCORE``): unknown < assumed hostile < assumed friend < hostile < friend —
    identified beats assumed beats unknown, and at equal advancement the friend side wins (a valid
    reply is positive evidence, a missing reply is not). Entries with ``key < 0`` are not shared.

    Parameters
    ----------
    identity : (n,) int8 identities; key : (n,) int group key (same key = the same object in one
        sharing group: the site's object id for a standalone site, the network track number on a
        network).

    Returns
    -------
    (n,) int8.
    """
    ident = np.ascontiguousarray(identity, np.int8).reshape(-1)
    k = np.ascontiguousarray(key, np.int64).reshape(-1)
    return _share_kernel(ident, k, SHARE_SCORE, _SCORE_TO_ID)


@njit(cache=True, error_model="numpy")
def _share_kernel(ident: np.ndarray, key: np.ndarray, score: np.ndarray,
                  score_to_id: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`share_identities`: per key ≥ 0 the identity of the highest ``score``, via one sort by key."""
    n = len(ident)
    out = ident.copy()
    order = np.argsort(key)
    i = 0
    while i < n:
        k = key[order[i]]
        j = i
        best = 0
        while j < n and key[order[j]] == k:
            sc = score[ident[order[j]]]
            if sc > best:
                best = sc
            j += 1
        if k >= 0:
            for q in range(i, j):
                out[order[q]] = score_to_id[best]
        i = j
    return out


@njit(cache=True, error_model="numpy")
def interrogate_kernel(alive: np.ndarray, confirmed: np.ndarray, size: int, site: np.ndarray, track_id: np.ndarray,
                       truth: np.ndarray, obj_of_row: np.ndarray, site_p: np.ndarray, site_mask: np.ndarray,
                       transponder_mask: np.ndarray, last_s: np.ndarray, replies: np.ndarray, silent: np.ndarray,
                       identity: np.ndarray, t: float, interval_s: float, sweep: bool, states: np.ndarray,
                       assume_friend_replies: int, friend_replies: int,
                       assume_hostile_silent: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled  # fmt: skip
    """One tick's interrogations, in one call: which confirmed tracks are interrogated, the replies, the counters.

    1. ``conf``: the live (ρ < size) confirmed rows, ascending;
    2. interrogated ``rows``: those of a site with an interrogator (p_reply > 0) whose object is due —
       on a sweep :func:`interrogations_due` (NaN ∨ t − last ≥ ``interval_s`` − 10⁻⁹), else only
       objects never interrogated (NaN) — ordered by (site, track id) (the draw order);
    3. per row, p = :func:`reply_probability` (transponder modes of the object behind the track,
       0 for a false track or where ``transponder_mask`` is empty), one U(0, 1) from the site's
       stream (``states`` (sites, 4), :mod:`iadsim.rng_kernels`, advanced in place), reply ⇔ u < p;
    4. :func:`update_counts` and ``last_s ← t`` for the rows' objects (gathered, then written in row
       order, as NumPy's fancy assignment);
    5. ``km``: :func:`kinematics_matter` of each row after the update.

    Returns ``(conf, rows, km)``; ``identity`` is only read.
    """
    conf = np.empty(size, np.int64)
    nc = 0
    for r in range(size):
        if alive[r] and confirmed[r]:
            conf[nc] = r
            nc += 1
    conf = conf[:nc]
    rows = np.empty(nc, np.int64)
    m = 0
    lim = interval_s - 1e-9
    for r in conf:
        if site_p[site[r]] > 0:
            last = last_s[obj_of_row[r]]
            if math.isnan(last) or (sweep and t - last >= lim):
                rows[m] = r
                m += 1
    rows = sort_rows_by2(rows, m, site, track_id)  # (site, track id) order, stable (np.lexsort((id, site)))
    new_rep = np.empty(m, np.int64)
    new_sil = np.empty(m, np.int64)
    for i in range(m):
        r = rows[i]
        s = site[r]
        tm = 0
        if truth[r] >= 0 and transponder_mask.shape[0] > 0:
            tm = transponder_mask[truth[r]]
        p = site_p[s] if (site_mask[s] & tm) != 0 else 0.0
        got = next_double(states, s) < p
        o = obj_of_row[r]
        new_rep[i] = replies[o] + (1 if got else 0)
        new_sil[i] = 0 if got else silent[o] + 1
    for i in range(m):
        o = obj_of_row[rows[i]]
        replies[o] = new_rep[i]
        silent[o] = new_sil[i]
        last_s[o] = t
    km = np.zeros(m, np.bool_)
    for i in range(m):
        o = obj_of_row[rows[i]]
        ident = identity[o]
        km[i] = (ident != FRIEND and ident != HOSTILE and ident != ASSUMED_HOSTILE and replies[o] < friend_replies
                 and replies[o] < assume_friend_replies and silent[o] >= assume_hostile_silent)  # fmt: skip
    return conf, rows, km


@dataclass
class IffState:
    """Identification state per fire-control object id (``FireControlState.obj`` space), grown on demand.

    ``identity`` int8 code, ``replies`` valid replies so far, ``silent`` consecutive unanswered
    interrogations, ``last_s`` time of the last interrogation (NaN: never).
    """

    cap: int = 0
    identity: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    replies: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    silent: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    last_s: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def ensure(self, cap: int) -> None:
        """Grow every array to at least ``cap`` objects (new objects: unknown, never interrogated)."""
        if cap <= self.cap:
            return
        new = max(cap, 2 * self.cap)
        for name, fill, dt in (("identity", UNKNOWN, np.int8), ("replies", 0, np.int64), ("silent", 0, np.int64),
                               ("last_s", np.nan, np.float64)):  # fmt: skip
            a = np.full(new, fill, dt)
            a[: self.cap] = getattr(self, name)[: self.cap]
            setattr(self, name, a)
        self.cap = new


__all__ = [
    "UNKNOWN", "ASSUMED_FRIEND", "ASSUMED_HOSTILE", "FRIEND", "HOSTILE", "IDENTITIES", "ROES", "ROE_CODE",
    "ROE_TABLE", "SHARE_SCORE", "roe_allows", "interrogations_due", "reply_probability", "update_counts",
    "hostile_kinematics", "kinematics_matter", "ladder", "share_identities", "interrogate_kernel", "IffState",
]  # fmt: skip
