"""Fire distribution: one weapon–target assignment per fire-distribution group and decision cycle.

A *fire-distribution group* is a set of fire units that share one picture and one allocation
(standalone: the units of one site; a network: its member units, see ``engine/run.py
_distribution_keys``). Inside a group a threat is known by a *key* (the site's fire-control object
id, or a network track number). Rules (issue 9, item 4):

* **(a) no double engagement** — a threat with rounds in flight or awaiting assessment from one
  unit of the group is not a candidate for *another* unit of the group
  (:func:`engaged_by_other_unit`);
* **(b) one unit per threat per cycle** — each (group, key) is given to at most one unit in one
  decision cycle (:func:`engagements`).

The allocation itself is the static WTA of :mod:`iadsim.c2.assignment`: weapons ``w`` are the
(fire unit, interceptor type) pairs of the group's ready units whose doctrine chose that type
for at least one candidate (so the WTA never overrides the doctrine's interceptor choice and
reservation), targets ``j`` the group's candidate keys (:func:`build_problem`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.c2.assignment import AssignmentProblem


def engaged_by_other_unit(f: np.ndarray, group: np.ndarray, key: np.ndarray, shot_fu: np.ndarray,
                          shot_group: np.ndarray, shot_key: np.ndarray) -> np.ndarray:  # fmt: skip
    """(P,) mask: another unit of the pair's group has rounds busy (in flight / unassessed) at its key.

    Rule (a): pair (f, group g, key k) is excluded iff ∃ busy round with (group, key) = (g, k) fired
    by a unit ≠ f. (The unit's own busy rounds are handled by
    :func:`iadsim.c2.fire_control.not_already_engaged`.)

    Parameters
    ----------
    f, group, key : (P,) candidate pairs. shot_fu, shot_group, shot_key : (R,) busy rounds.
    """
    P = len(f)
    if P == 0 or len(shot_fu) == 0:
        return np.zeros(P, bool)
    c = np.ascontiguousarray
    return _engaged_by_other_unit_kernel(c(f, np.int64), c(group, np.int64), c(key, np.int64), c(shot_fu, np.int64),
                                         c(shot_group, np.int64), c(shot_key, np.int64))  # fmt: skip


@njit(cache=True, error_model="numpy")
def _engaged_by_other_unit_kernel(f: np.ndarray, group: np.ndarray, key: np.ndarray, shot_fu: np.ndarray,
                                  shot_group: np.ndarray, shot_key: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Rule (a) of :func:`engaged_by_other_unit` per pair: a busy round b with (shot_group[b],
    shot_key[b]) = (group[p], key[p]) and shot_fu[b] ≠ f[p] excludes pair p. Compared field by
    field (any integer keys, negative ones included). (P, R ≥ 1.)
    """
    out = np.zeros(len(f), np.bool_)
    for p in range(len(f)):
        for b in range(len(shot_fu)):
            if shot_group[b] == group[p] and shot_key[b] == key[p] and shot_fu[b] != f[p]:
                out[p] = True
                break
    return out


@dataclass(frozen=True)
class GroupProblem:
    """One group's WTA instance and the maps back to the candidate pairs.

    ``weapon_fu`` / ``weapon_type`` (W,) the unit and interceptor type of each weapon;
    ``target_key`` (T,) the key of each target; ``pair`` (W, T) index of the candidate pair
    behind each allowed (weapon, target) entry (−1 none).
    """

    problem: AssignmentProblem
    weapon_fu: np.ndarray
    weapon_type: np.ndarray
    target_key: np.ndarray
    pair: np.ndarray


def build_problem(idx: np.ndarray, f: np.ndarray, itype: np.ndarray, key: np.ndarray, value: np.ndarray,
                  pk: np.ndarray, rounds: np.ndarray, channels: np.ndarray, per_target: np.ndarray) -> GroupProblem:  # fmt: skip
    """The WTA instance of one group from its feasible candidate pairs.

    Rules (each pair ``p`` = unit ``f_p`` × target key ``k_p`` with the doctrine's type ``i_p``):

    * weapons = distinct (f, i) over the pairs; targets = distinct keys;
    * ``feasible[w, j]`` ⇔ a pair (f_w, k_j) exists whose chosen type is i_w (the pair passed the
      envelope, time-of-flight window, support-radar, readiness and reservation tests);
    * ``pk[w, j]`` = that pair's Pk (catalogue Pk vs the assessed class × launch-quality factor);
    * ``values[j]`` = the target's value (all pairs of one key carry the same value);
    * ``counts[w]`` = ``rounds`` of the weapon (rounds of the type the unit may fire now),
      ``channels[w]`` = the unit's free target channels, ``max_per_target[j]`` = the largest
      doctrine salvo (``per_target``) among the units that may engage it.

    Parameters
    ----------
    idx : (P,) indices of the pairs (into the caller's candidate arrays), returned in ``pair``.
    f, itype, key : (P,) unit, chosen type and target key of each pair.
    value, pk : (P,) target value and kill probability. rounds, channels, per_target : (P,)
        the pair's weapon round count, its unit's free target channels and its salvo size.
    """
    if len(f) == 0:
        z = np.zeros(0, np.int64)
        empty = AssignmentProblem(values=np.zeros(0), pk=np.zeros((0, 0)), counts=z, feasible=np.zeros((0, 0), bool),
                                  channels=z, max_per_target=z)  # fmt: skip
        return GroupProblem(empty, z, z, z, np.zeros((0, 0), np.int64))
    c = np.ascontiguousarray
    vals, pk_m, feas, pair, first_w, tu, mpt = _problem_kernel(
        c(idx, np.int64), c(f, np.int64), c(itype, np.int64), c(key, np.int64), c(value, float), c(pk, float),
        c(per_target, np.int64))  # fmt: skip
    prob = AssignmentProblem(values=vals, pk=pk_m, counts=np.maximum(rounds[first_w], 0).astype(np.int64),
                             feasible=feas, channels=np.maximum(channels[first_w], 0).astype(np.int64),
                             max_per_target=mpt)  # fmt: skip
    return GroupProblem(prob, f[first_w], itype[first_w], tu, pair)


@njit(cache=True, error_model="numpy")
def _problem_kernel(idx: np.ndarray, f: np.ndarray, itype: np.ndarray, key: np.ndarray, value: np.ndarray,
                    pk: np.ndarray, per_target: np.ndarray) -> tuple:  # pragma: no cover - compiled
    """The index maps and matrices of :func:`build_problem` (P ≥ 1 pairs).

    Weapons w = the distinct codes f·(max itype + 1) + itype in increasing order, targets t = the
    distinct keys in increasing order; per (w, t) the *first* pair's Pk clipped to [0, 1] and its
    index (``pair``, −1 none), ``feasible`` where any pair exists; ``values[t]`` the *last* pair's
    value; ``first_w[w]`` the first pair of each weapon; ``max_per_target[t]`` = max per_target.

    Returns ``(values (T,), pk (W, T), feasible (W, T), pair (W, T), first_w (W,), keys (T,),
    max_per_target (T,))``.
    """
    P = len(f)
    imax = 0
    for p in range(P):
        imax = max(imax, itype[p])
    wcode = f * (imax + 1) + itype
    wu = np.unique(wcode)
    tu = np.unique(key)
    W, T = len(wu), len(tu)
    w_of = np.searchsorted(wu, wcode)
    t_of = np.searchsorted(tu, key)
    first_w = np.full(W, -1, np.int64)
    pk_m = np.zeros((W, T))
    feas = np.zeros((W, T), np.bool_)
    pair = np.full((W, T), -1, np.int64)
    vals = np.zeros(T)
    mpt = np.zeros(T, np.int64)
    for p in range(P):
        w, t = w_of[p], t_of[p]
        if first_w[w] < 0:
            first_w[w] = p
        if not feas[w, t]:  # duplicate (w, t) entries (two rows of one key): the first pair's
            feas[w, t] = True
            x = pk[p]
            pk_m[w, t] = 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)
            pair[w, t] = idx[p]
        vals[t] = value[p]
        mpt[t] = max(mpt[t], per_target[p])
    return vals, pk_m, feas, pair, first_w, tu, mpt


def engagements(x: np.ndarray, pair: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Engagements from a WTA solution: ``(pair index (E,), rounds (E,))``.

    Rule (b): per target, only the weapon with the most rounds engages it this cycle (ties: the
    first weapon); its rounds are ``x[w, j]``. Rounds another weapon had on the same target are
    not fired this cycle (the target can be engaged again at the next cycle, after the look).

    Parameters
    ----------
    x : (W, T) rounds from the solver. pair : (W, T) pair index of each entry (−1 none).
    """
    x = np.asarray(x, np.int64)
    if x.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    best = np.argmax(x, axis=0)  # first maximum
    cols = np.arange(x.shape[1])
    n = x[best, cols]
    ok = (n > 0) & (pair[best, cols] >= 0)
    return pair[best[ok], cols[ok]], n[ok]


def unit_offsets(f: np.ndarray, n: np.ndarray) -> np.ndarray:
    """(E,) rounds a unit fires before each of its engagements this cycle (engagements in order).

    A unit with several engagements in one cycle fires them one after the other from its
    launchers: engagement e starts ``offset_e × launch_interval`` after the first, offset_e =
    Σ rounds of the unit's earlier engagements in the list.
    """
    if len(f) == 0:
        return np.zeros(0, np.int64)
    c = np.ascontiguousarray
    return _unit_offsets_kernel(c(f, np.int64), c(n, np.int64))


@njit(cache=True, error_model="numpy")
def _unit_offsets_kernel(f: np.ndarray, n: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`unit_offsets`: offset_e = Σ n_e' over the earlier engagements e' < e with f_e' = f_e."""
    out = np.zeros(len(f), np.int64)
    for e in range(len(f)):
        for k in range(e):
            if f[k] == f[e]:
                out[e] += n[k]
    return out
