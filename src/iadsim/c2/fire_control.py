"""Fire-unit decisions: which units are ready, which tracks they may engage, and with how many rounds.

Pure array kernels over struct-of-arrays state (fire units ``(F,)``, tracks ``(K,)``, rounds in
flight ``(R,)``); the rule each applies is in its docstring. No kernel reads a threat's truth
label: targets are known to the fire unit only by its tracks.
"""

from __future__ import annotations

import numpy as np


def engagements_in_progress(shot_fu: np.ndarray, shot_target: np.ndarray, n_units: int, n_keys: int) -> np.ndarray:
    """(F,) distinct targets each unit has rounds in flight at.

    Parameters
    ----------
    shot_fu, shot_target : (R,) fire unit and target key of every pending round.
    n_units : F. n_keys : an upper bound of the target keys (for a collision-free pair key).
    """
    if len(shot_fu) == 0:
        return np.zeros(n_units, np.int64)
    pairs = np.unique(shot_fu * (n_keys + 1) + shot_target)
    return np.bincount(pairs // (n_keys + 1), minlength=n_units)


def ready_units(next_ready_s: np.ndarray, t_s: float, rounds_left: np.ndarray, engaged: np.ndarray,
                max_engagements: np.ndarray) -> np.ndarray:  # fmt: skip
    """(F,) fire units able to start an engagement now.

    ready ⇔ t ≥ next_ready (launcher free after its last salvo) ∧ rounds left > 0
    ∧ engagements in progress < max simultaneous engagements.
    """
    return np.asarray((next_ready_s <= t_s + 1e-9) & (rounds_left > 0) & (engaged < max_engagements))


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
    fresh = (t_s - t_update_s[live]) <= site_revisit_s[site[live]] + dt_s
    return np.asarray(live[confirmed[live] & (misses[live] == 0) & fresh])


def candidate_pairs(ready_fu: np.ndarray, fu_site: np.ndarray, rows: np.ndarray, track_site: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ready unit × every engageable track of its own site (no network sharing yet).

    Returns ``(f (P,), rows (P,))``.
    """
    pf, pr = np.nonzero(fu_site[ready_fu][:, None] == track_site[rows][None, :])
    return ready_fu[pf], rows[pr]


def not_already_engaged(f: np.ndarray, target: np.ndarray, shot_fu: np.ndarray, shot_target: np.ndarray,
                        n_keys: int) -> np.ndarray:  # fmt: skip
    """(P,) mask: the unit has no round in flight at this target.

    Rule: a unit with rounds in flight at a target does not start another engagement of it
    (the look of shoot-look-shoot comes after the rounds in flight are resolved).
    """
    if len(shot_fu) == 0:
        return np.ones(len(f), bool)
    return np.asarray(~np.isin(f * (n_keys + 1) + target, shot_fu * (n_keys + 1) + shot_target))


def rounds_per_engagement(salvo_size: np.ndarray, rounds_of_type: np.ndarray) -> np.ndarray:
    """Rounds fired per engagement: the doctrine's salvo, capped by the magazine.

    n = min(salvo size, rounds of the chosen type left).
    """
    return np.asarray(np.minimum(salvo_size, rounds_of_type))
