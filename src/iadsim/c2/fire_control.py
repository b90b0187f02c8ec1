"""Fire-unit decisions: which units are ready, which tracks they may engage, and with how many rounds.

Pure array kernels over struct-of-arrays state (fire units ``(F,)``, tracks ``(K,)``, rounds in
flight ``(R,)``); the rule each applies is in its docstring. No kernel reads a threat's truth
label: targets are known to the fire unit only by its tracks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.arrayops import isin_small


def ready_units(next_ready_s: np.ndarray, t_s: float, rounds_left: np.ndarray) -> np.ndarray:
    """(F,) fire units able to start an engagement now.

    ready ⇔ t ≥ next_ready (launcher free after its last salvo) ∧ rounds left > 0. (Simultaneous
    engagements are capped per fire-control radar: :func:`supporting_radar`, :func:`grant_channels`.)
    """
    return np.asarray((next_ready_s <= t_s + 1e-9) & (rounds_left > 0))


def believed_alive(reopen_at_s: np.ndarray, t_update_s: np.ndarray) -> np.ndarray:
    """(n,) the fire unit does not believe the object dead.

    An object assessed dead stays dead for fire control until its track is updated by a
    detection later than ``reopen_at`` (assessment time + the unit's kill-assessment time: a
    second look that contradicts a wrong 'dead' assessment): alive ⇔ reopen_at is NaN ∨
    t_update > reopen_at.
    """
    return np.asarray(~(t_update_s <= reopen_at_s))


def engageable_tracks(live: np.ndarray, confirmed: np.ndarray, misses: np.ndarray, t_update_s: np.ndarray,
                      site_revisit_s: np.ndarray, site: np.ndarray, t_s: float, dt_s: float) -> np.ndarray:  # fmt: skip
    """Rows of tracks fire control may engage: confirmed, not stale.

    A track is engageable iff confirmed ∧ no missed opportunity since its last update
    ∧ t − t_update ≤ revisit of the site's slowest radar + dt (updated within one revisit).

    Parameters
    ----------
    live : (L,) live track rows; the other arrays are indexed by row (whole table).
    site_revisit_s : (sites,) slowest radar revisit per site [s].
    """
    return engageable_tracks_kernel(np.asarray(live, np.int64), confirmed, misses, t_update_s, site_revisit_s, site,
                                    float(t_s), float(dt_s))  # fmt: skip


@njit(cache=True, error_model="numpy")
def engageable_tracks_kernel(live: np.ndarray, confirmed: np.ndarray, misses: np.ndarray, t_update_s: np.ndarray,
                             site_revisit_s: np.ndarray, site: np.ndarray, t_s: float,
                             dt_s: float) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """:func:`engageable_tracks` on plain arrays: the rows ρ of ``live`` (in order) with confirmed(ρ) ∧
    misses(ρ) = 0 ∧ t − t_update(ρ) ≤ site_revisit(site(ρ)) + dt."""
    out = np.empty(live.shape[0], np.int64)
    m = 0
    for r in live:
        if confirmed[r] and misses[r] == 0 and (t_s - t_update_s[r]) <= site_revisit_s[site[r]] + dt_s:
            out[m] = r
            m += 1
    return out[:m]


def candidate_pairs(ready_fu: np.ndarray, fu_site: np.ndarray, rows: np.ndarray, track_site: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ready unit × every engageable track of its own site (no network sharing yet).

    Returns ``(f (P,), rows (P,))``.
    """
    pf, pr = np.nonzero(fu_site[ready_fu][:, None] == track_site[rows][None, :])
    return ready_fu[pf], rows[pr]


def not_already_engaged(f: np.ndarray, target: np.ndarray, shot_fu: np.ndarray, shot_target: np.ndarray,
                        n_keys: int) -> np.ndarray:  # fmt: skip
    """(P,) mask: the unit has no round in flight at this target, nor one awaiting assessment.

    Rule: a unit with rounds in flight at a target (its fire-control object, so a re-initiated
    track of it counts) does not start another engagement of it; the look of shoot-look-shoot
    comes after its rounds have arrived *and* been assessed. ``shot_*`` are the unit's busy rounds.
    """
    if len(shot_fu) == 0:
        return np.ones(len(f), bool)
    return np.asarray(~isin_small(f * (n_keys + 1) + target, shot_fu * (n_keys + 1) + shot_target))


@njit(cache=True, error_model="numpy")
def engage_candidates(ready_fu: np.ndarray, fu_site: np.ndarray, conf: np.ndarray, track_site: np.ndarray,
                      obj_of_row: np.ndarray, identity: np.ndarray, fu_roe: np.ndarray, roe_table: np.ndarray,
                      fc_mask: np.ndarray, shot_fu: np.ndarray, shot_target: np.ndarray, shot_pending: np.ndarray,
                      shot_assessed: np.ndarray, n_shots: int, remote_row: np.ndarray, engage_on_remote: np.ndarray,
                      networked: bool, site_rule: bool, layered: np.ndarray,
                      all_layered: bool) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """The candidate pairs of one decision cycle that pass the unit-level filters, one compiled loop.

    Pair (unit u, track row r) for every ready unit × engageable track of its own site
    (:func:`candidate_pairs`, in its order: unit-major, then track order), kept iff

    * the rules of engagement allow the track's identity: ``roe_table[roe(u), identity(obj(r))]``
      (:func:`iadsim.c2.iff.roe_allows`);
    * the unit has no busy round at the object (:func:`not_already_engaged`; a round k < n_shots
      is busy while in flight or not yet assessed: ``shot_pending[k] ∨ ¬shot_assessed[k]``,
      :meth:`iadsim.engine.state.ShotTable.busy_rows`);
    * the unit has a fire-control radar (any ``fc_mask[u, s]``);
    * with a network (``networked``): a remote row needs the unit's ``engage_on_remote``
      (:func:`iadsim.c2.network.remote_allowed`);
    * with ``site_rule`` (no network: the fire-distribution group is the unit's site, the key
      the object): fire-distribution rule (a), no busy round of *another* unit of the same site
      at the object, unless the unit's doctrine is a layered second shot (``layered[u]`` or
      ``all_layered``) (:func:`iadsim.c2.fire_distribution.engaged_by_other_unit` with
      group = site, key = object).

    Parameters
    ----------
    ready_fu : (U,) ready units. fu_site : (F,) site of each unit. conf : (K,) engageable rows.
    track_site, obj_of_row : (rows,) site and fire-control object of each track row.
    identity : (objects,) identity code. fu_roe : (F,) ROE code. roe_table : (ROE, identities) bool.
    fc_mask : (F, S) bool fire-control radars of each unit.
    shot_fu, shot_target, shot_pending, shot_assessed : (≥ n_shots,) unit, object, in flight and
        assessed of each round (the ShotTable columns); the first ``n_shots`` are read.
    remote_row : (rows,) bool remote (network) row, read only with ``networked``.
    engage_on_remote : (F,) bool, read only with ``networked`` (length 0: False for every unit).
    site_rule : apply rule (a) by site (only without a network). layered : (F,) bool (length 0:
        False for every unit), all_layered : the scenario's ``fire_distribution: layered``; read
        only with ``site_rule``.

    Returns
    -------
    ``(f (P,), rows (P,))`` int64: the kept pairs.
    """
    out_f = np.empty(len(ready_fu) * len(conf), np.int64)
    out_r = np.empty(len(ready_fu) * len(conf), np.int64)
    n = 0
    for a in range(len(ready_fu)):
        u = ready_fu[a]
        fc_any = False
        for s in range(fc_mask.shape[1]):
            if fc_mask[u, s]:
                fc_any = True
                break
        if not fc_any:
            continue
        eor_u = len(engage_on_remote) > 0 and engage_on_remote[u]
        rule_a = site_rule and not (all_layered or (len(layered) > 0 and layered[u]))
        for b in range(len(conf)):
            r = conf[b]
            if track_site[r] != fu_site[u]:
                continue
            o = obj_of_row[r]
            if not roe_table[fu_roe[u], identity[o]]:
                continue
            if networked and remote_row[r] and not eor_u:
                continue
            engaged = False
            for k in range(n_shots):
                if shot_target[k] != o or not (shot_pending[k] or not shot_assessed[k]):
                    continue
                if shot_fu[k] == u:  # the unit's own round (not_already_engaged)
                    engaged = True
                    break
                if rule_a and fu_site[shot_fu[k]] == fu_site[u]:  # rule (a)
                    engaged = True
                    break
            if engaged:
                continue
            out_f[n] = u
            out_r[n] = r
            n += 1
    return out_f[:n], out_r[:n]


def rounds_per_engagement(salvo_size: np.ndarray, rounds_of_type: np.ndarray) -> np.ndarray:
    """Rounds fired per engagement: the doctrine's salvo, capped by the magazine.

    n = min(salvo size, rounds of the chosen type left).
    """
    return np.asarray(np.minimum(salvo_size, rounds_of_type))


_NO_RADAR = np.iinfo(np.int64).max  # "no supporting radar yet" in supporting_radar's minimum


def supporting_radar(
    f: np.ndarray,
    fc_mask: np.ndarray,
    vis_launch: Callable[[np.ndarray, np.ndarray], np.ndarray],
    vis_pip: Callable[[np.ndarray, np.ndarray], np.ndarray],
    target_free: np.ndarray,
    guided_free: np.ndarray,
) -> np.ndarray:
    """(P,) fire-control radar that supports each candidate engagement (−1: none).

    Rule: only a fire-control or multifunction radar of the unit's site (``fc_mask``) supports an
    engagement; it must see the target at launch *and* the predicted intercept point (coverage:
    range, ceiling, 4/3-Earth line of sight, minimum elevation, field of regard), and have a free
    target channel and a free guidance channel. The first such radar (site order) is chosen.

    Parameters
    ----------
    f : (P,) fire unit of each pair. fc_mask : (F, S) fire-control radars of each unit.
    vis_launch, vis_pip : ``vis(pair_idx (n,), radar_idx (n,)) -> (n,)`` coverage of the pair's
        launch-time target position / PIP by the radar.
    target_free, guided_free : (P, S) free target / guidance channels of radar s for pair p.
    """
    P = len(f)
    pi, ri = np.nonzero(fc_mask[f])
    out = np.full(P, -1, np.int64)
    if len(pi) == 0:
        return out
    ok = (target_free[pi, ri] > 0) & (guided_free[pi, ri] > 0)
    k = np.flatnonzero(ok)
    if len(k):
        ok[k] = vis_launch(pi[k], ri[k])
    k = np.flatnonzero(ok)
    if len(k):
        ok[k] = vis_pip(pi[k], ri[k])
    best = np.full(P, _NO_RADAR)
    np.minimum.at(best, pi[ok], ri[ok])
    return np.where(best < _NO_RADAR, best, -1)


def grant_channels(radar: np.ndarray, new_target: np.ndarray, n_requested: np.ndarray, target_free: np.ndarray,
                   guided_free: np.ndarray) -> np.ndarray:  # fmt: skip
    """Rounds granted per selected engagement under the radars' channel limits (0: refused).

    Engagements are served in the given (urgency) order per radar. A new target takes one target
    channel; rounds take guidance channels: granted = min(requested, guidance channels left),
    and an engagement of a new target gets nothing once the radar's target channels are used up.

    Parameters
    ----------
    radar : (E,) supporting radar. new_target : (E,) the target is not yet held by that radar.
    n_requested : (E,) rounds wanted (salvo capped by the magazine).
    target_free, guided_free : (E,) free channels of that radar before this tick's engagements.
    """
    if len(radar) == 0:
        return np.zeros(0, np.int64)
    c = np.ascontiguousarray
    return _grant_kernel(c(radar, np.int64), c(new_target, bool), c(n_requested, np.int64), c(target_free, np.int64),
                         c(guided_free, np.int64))  # fmt: skip


@njit(cache=True, error_model="numpy")
def _grant_kernel(radar: np.ndarray, new_target: np.ndarray, n_requested: np.ndarray, target_free: np.ndarray,
                  guided_free: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`grant_channels` per engagement e (E ≥ 1), with sums over the earlier engagements e' < e
    of the same radar (the list order is the urgency order):

    * target ok ⇔ ¬new(e) ∨ Σ new(e') < target_free(e); req(e) = n_requested(e) if ok else 0;
    * first pass: g₁(e) = min(req(e), max(guided_free(e) − Σ req(e'), 0));
    * granted: g(e) = min(req(e), max(guided_free(e) − Σ g₁(e'), 0)) (refusals free channels).
    """
    E = len(radar)
    req = np.zeros(E, np.int64)
    got1 = np.zeros(E, np.int64)
    out = np.zeros(E, np.int64)
    for e in range(E):
        nt = 0
        rq = 0
        for k in range(e):
            if radar[k] == radar[e]:
                nt += 1 if new_target[k] else 0
                rq += req[k]
        req[e] = n_requested[e] if ((not new_target[e]) or nt < target_free[e]) else 0
        got1[e] = min(req[e], max(guided_free[e] - rq, 0))
    for e in range(E):
        g1 = 0
        for k in range(e):
            if radar[k] == radar[e]:
                g1 += got1[k]
        out[e] = min(req[e], max(guided_free[e] - g1, 0))
    return out
