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


@njit(cache=True)
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
    wcode = f.astype(np.int64) * (int(itype.max(initial=0)) + 1) + itype
    wu, w_of = np.unique(wcode, return_inverse=True)
    tu, t_of = np.unique(key, return_inverse=True)
    w_of, t_of = w_of.reshape(-1), t_of.reshape(-1)
    W, T = len(wu), len(tu)
    first_w = np.zeros(W, np.int64)
    first_w[w_of[::-1]] = np.arange(len(f))[::-1]
    pk_m = np.zeros((W, T))
    feas = np.zeros((W, T), bool)
    pair = np.full((W, T), -1, np.int64)
    # duplicate (w, j) entries (two rows of one key): keep the first, i.e. the caller's order
    rev = np.arange(len(f))[::-1]
    pk_m[w_of[rev], t_of[rev]] = pk[rev]
    feas[w_of, t_of] = True
    pair[w_of[rev], t_of[rev]] = idx[rev]
    vals = np.zeros(T)
    vals[t_of] = value
    mpt = np.zeros(T, np.int64)
    np.maximum.at(mpt, t_of, per_target.astype(np.int64))
    prob = AssignmentProblem(values=vals, pk=np.clip(pk_m, 0.0, 1.0), counts=np.maximum(rounds[first_w], 0).astype(np.int64),
                             feasible=feas, channels=np.maximum(channels[first_w], 0).astype(np.int64),
                             max_per_target=mpt)  # fmt: skip
    return GroupProblem(prob, f[first_w], itype[first_w], tu, pair)


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
    E = len(f)
    if E == 0:
        return np.zeros(0, np.int64)
    order = np.argsort(f, kind="stable")
    fs, ns = f[order], n[order]
    c = np.cumsum(ns) - ns
    starts = np.r_[True, fs[1:] != fs[:-1]]
    base = c[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    out = np.zeros(E, np.int64)
    out[order] = c - base
    return out
