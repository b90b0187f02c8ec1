"""Run metrics derived from the events table (the single source of truth).

Leakage, survival, expenditure and cost exchange are computed from event counts; the world only
supplies names, costs and values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from iadsim.engine.events import REASONS, EventColumns, EventKind
from iadsim.engine.world import World
from iadsim.scenario.schema import THREAT_CLASSES


class _Events:
    """The NumPy columns of one run's events: an events table (converted once) or the run's
    :class:`~iadsim.engine.events.EventColumns` (read as they are: no Arrow round trip).

    ``kind`` and ``reason`` are held as integer codes (one encoding per table; the event codes
    themselves for :class:`EventColumns`), so selecting the rows of a kind or a reason is one
    integer comparison instead of a pyarrow filter and a table copy per (kind, column) — the
    summary reads ≈ 30 such selections per run.
    """

    def __init__(self, tbl: pa.Table | EventColumns) -> None:
        self.tbl = tbl
        self._cols: dict[str, np.ndarray] = {}
        self._codes: dict[str, tuple[np.ndarray, dict[str, int]]] = {}
        if isinstance(tbl, EventColumns):
            self._cols = dict(tbl.cols)
            self._codes = {"kind": (tbl.kind, _KIND_CODE), "reason": (tbl.reason, _REASON_CODE)}

    def col(self, name: str) -> np.ndarray:
        if name not in self._cols:
            self._cols[name] = self.tbl[name].to_numpy()
        return self._cols[name]

    def equal(self, name: str, value: str) -> np.ndarray:
        """(rows,) bool: the string column ``name`` (kind, reason) equals ``value`` (null never does)."""
        if name not in self._codes:
            enc = self.tbl[name].combine_chunks().dictionary_encode()
            codes = enc.indices.fill_null(-1).to_numpy().astype(np.int64)
            self._codes[name] = (codes, {v: i for i, v in enumerate(enc.dictionary.to_pylist())})
        codes, lut = self._codes[name]
        return codes == lut.get(value, -2)

    def rows(self, kind: str, col: str) -> np.ndarray:
        """Column ``col`` of the events of kind ``kind``, in table order."""
        return self.col(col)[self.equal("kind", kind)]


_KIND_CODE = {k.name: int(k) for k in EventKind}
_REASON_CODE = {r: i for i, r in enumerate(REASONS)}
_LAST: list[_Events] = []  # the last table's columns (summarize and its helpers read one table)


def _view(tbl: pa.Table | EventColumns) -> _Events:
    if not _LAST or _LAST[0].tbl is not tbl:
        _LAST[:] = [_Events(tbl)]
    return _LAST[0]


def _col(tbl: pa.Table | EventColumns, kind: str, col: str) -> np.ndarray:
    """Column ``col`` of the events of kind ``kind`` (NumPy, table order)."""
    return _view(tbl).rows(kind, col)


def _num(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


def summarize(events: pa.Table | EventColumns, world: World, track_quality: pa.Table | None = None) -> dict[str, Any]:
    """Summary dictionary (JSON-able) of one run (``events``: its table or its NumPy columns).

    Everything but the track-picture GOSPA comes from the events; GOSPA needs the track states
    and the truth, so the engine samples it (``track_quality``, one row per sample and site).
    """
    th = world.threats  # hostile threats only; event object indices >= N are friendly aircraft
    N = len(th)
    launched = _col(events, "Launch_Threat", "threat")
    killed = _col(events, "Intercept", "threat")
    leaked = _col(events, "Leak", "threat")
    n_types = len(world.threat_types)

    def by_type(idx: np.ndarray) -> np.ndarray:
        return np.bincount(th.type_index[idx], minlength=n_types) if len(idx) else np.zeros(n_types, int)

    n_l, n_k, n_x = by_type(launched), by_type(killed), by_type(leaked)
    per_type = [
        {
            "threat": world.threat_types[i],
            "class": THREAT_CLASSES[int(th.class_index[np.flatnonzero(th.type_index == i)[0]])],
            "count": int((th.type_index == i).sum()),
            "launched": int(n_l[i]),
            "destroyed": int(n_k[i]),
            "leaked": int(n_x[i]),
            "in_flight_at_end": int(n_l[i] - n_k[i] - n_x[i]),
        }
        for i in range(n_types)
    ]
    # fire units
    F = len(world.fire_units)
    l_fu = _col(events, "Launch", "fire_unit")
    k_fu = _col(events, "Intercept", "fire_unit")
    l_cost = _col(events, "Launch", "value")
    l_type = _col(events, "Launch", "interceptor_type")
    fired = np.bincount(l_fu, minlength=F) if len(l_fu) else np.zeros(F, int)
    kills = np.bincount(k_fu, minlength=F) if len(k_fu) else np.zeros(F, int)
    per_fu = []
    for f in range(F):
        m = l_fu == f
        per_fu.append({
            "fire_unit": world.fire_units.name[f],
            "system": world.fire_units.system[f],
            "site": world.site_names[int(world.fire_units.site_index[f])],
            "interceptors_fired": int(fired[f]),
            "kills": int(kills[f]),
            # rounds on the launchers at the start plus reserve rounds for reloads, less those fired
            "remaining": int(world.fire_units.magazine[f].sum() + world.fire_units.reserve_rounds[f].sum() - fired[f]),
            "by_type": {world.interceptors.ids[i]: int((l_type[m] == i).sum()) for i in np.unique(l_type[m])},
        })  # fmt: skip
    # assets
    A = len(world.assets)
    leak_asset = _col(events, "Leak", "asset")
    imp_asset = _col(events, "Impact", "asset")
    imp_val = _col(events, "Impact", "value")
    hits = np.bincount(leak_asset, minlength=A) if len(leak_asset) else np.zeros(A, int)
    lost = np.bincount(imp_asset, weights=imp_val, minlength=A) if len(imp_asset) else np.zeros(A)
    per_asset = [
        {
            "asset": world.assets.name[a],
            "value": float(world.assets.value[a]),
            "leakers": int(hits[a]),
            "destroyed": bool(lost[a] > 0),
            "value_lost": float(lost[a]),
        }
        for a in range(A)
    ]
    # costs: honest accounting (see cost_accounting)
    cost = cost_accounting(
        # a round at a friendly counts like one at a false track: a known cost and no threat value
        launch_threat=_hostile_or_none(_col(events, "Launch", "threat"), N), launch_cost=l_cost, killed=killed,
        threat_cost=th.cost_usd, launched_threats=launched, target_asset=th.target_asset,
        asset_value=world.assets.value, asset_lost=lost,
    )  # fmt: skip
    # tracking picture
    conf_thr = _col(events, "TrackConfirmed", "threat")
    conf_t = _col(events, "TrackConfirmed", "time_s")
    first_conf = np.full(N, np.inf)
    if len(conf_thr):
        ok = (conf_thr >= 0) & (conf_thr < N)
        np.minimum.at(first_conf, conf_thr[ok], conf_t[ok])
    tl = np.where(np.isfinite(first_conf), first_conf - th.launch_time_s, np.nan)
    total_value = float(world.assets.value.sum())
    c2 = c2_metrics(events)
    ident = identification_metrics(events, world)
    # the IFF counts follow the identification model's definitions (Fratricide events are written
    # at launch and at a kill; see identification_metrics)
    for k in ("fratricides", "friendlies_engaged", "unknowns_never_identified"):
        c2[k] = ident[k]
    c2["assignment"] = world.scenario.assignment
    c2["value_lost"] = float(lost.sum())
    # cost of the rounds with a public cost; None when no costed round was fired (never $0 for unknown)
    costed = cost["interceptors_fired"] - cost["interceptors_without_public_cost"]
    c2["rounds_cost_usd"] = cost["interceptor_cost_usd"] if costed > 0 else None
    c2["rounds_without_public_cost"] = cost["interceptors_without_public_cost"]
    return {
        "scenario": world.scenario.name,
        "threats": {
            "total": int(N),
            "launched": int(len(launched)),
            "destroyed": int(len(killed)),
            "leaked": int(len(leaked)),
            "leakage_rate": _num(len(leaked) / len(launched)) if len(launched) else None,
            "by_type": per_type,
        },
        "fire_units": per_fu,
        "assets": {
            "total_value": total_value,
            "value_lost": float(lost.sum()),
            "value_surviving_fraction": _num(1.0 - lost.sum() / total_value) if total_value > 0 else None,
            "by_asset": per_asset,
        },
        "cost": cost,
        "tracking": {
            "association": world.scenario.fidelity.association,
            "tracks_initiated": int(len(_col(events, "TrackInitiated", "track"))),
            "tracks_confirmed": int(len(conf_thr)),
            "tracks_dropped": int(len(_col(events, "TrackDropped", "track"))),
            "threats_ever_tracked": int(np.isfinite(first_conf).sum()),
            "mean_time_launch_to_first_track_s": _num(float(np.nanmean(tl))) if np.isfinite(tl).any() else None,
            "detections": int(len(_col(events, "Detection", "sensor"))),
            "false_alarms": int((_col(events, "Detection", "threat") < 0).sum()),
            "false_tracks_confirmed": int((conf_thr < 0).sum()),
            **_quality(track_quality, world),
        },
        "c2": c2,
        "identification": ident,
        **_network(events, world),
    }


def double_engagements(fu: np.ndarray, threat: np.ndarray, t_launch: np.ndarray, t_end: np.ndarray) -> int:
    """Number of true threats engaged by two fire units with rounds in flight at the same time.

    Rule (scoring, uses truth): threat j counts once if rounds r, s at j from units f_r ≠ f_s have
    overlapping flights, [t_launch_r, t_end_r) ∩ [t_launch_s, t_end_s) ≠ ∅ (``t_end`` = the
    round's Intercept/Miss time, ∞ if still flying at the end). Rounds at false tracks (−1) are
    not counted.

    Parameters
    ----------
    fu, threat, t_launch, t_end : (R,) rounds fired.
    """
    m = np.asarray(threat) >= 0
    fu, threat, t0, t1 = (np.asarray(a)[m] for a in (fu, threat, t_launch, t_end))
    n = 0
    order = np.lexsort((t0, threat))
    fu, threat, t0, t1 = fu[order], threat[order], t0[order], t1[order]
    starts = np.flatnonzero(np.r_[True, threat[1:] != threat[:-1]])
    ends = np.r_[starts[1:], len(threat)]
    for a, b in zip(starts, ends):  # scoring after the run: one small block per engaged threat
        if len(np.unique(fu[a:b])) < 2:
            continue
        f, s, e = fu[a:b], t0[a:b], t1[a:b]
        overlap = (s[:, None] < e[None, :]) & (s[None, :] < e[:, None]) & (f[:, None] != f[None, :])
        n += bool(overlap.any())
    return n


def reaction_times(det_threat: np.ndarray, det_t: np.ndarray, launch_threat: np.ndarray,
                   launch_t: np.ndarray) -> np.ndarray:  # fmt: skip
    """Per threat engaged: first launch at it − its first detection by any radar, s (scoring, truth).

    Parameters
    ----------
    det_threat, det_t : (D,) Detection events' threat (−1 false alarm) and time.
    launch_threat, launch_t : (R,) Launch events' threat (−1 false track) and time.
    """
    dt_ = np.asarray(det_threat, np.int64)
    lt = np.asarray(launch_threat, np.int64)
    n = int(max(dt_.max(initial=-1), lt.max(initial=-1))) + 1
    first_det = np.full(n, np.inf)
    first_launch = np.full(n, np.inf)
    ok = dt_ >= 0
    np.minimum.at(first_det, dt_[ok], np.asarray(det_t, float)[ok])
    ok = lt >= 0
    np.minimum.at(first_launch, lt[ok], np.asarray(launch_t, float)[ok])
    both = np.isfinite(first_det) & np.isfinite(first_launch)
    return np.asarray(first_launch[both] - first_det[both])


def c2_metrics(events: pa.Table) -> dict[str, Any]:
    """C2 metrics of one run from its events (issue 9): engagement quality and identification.

    * ``leakers``: Leak events; ``rounds_expended``: Launch events;
    * ``double_engagements``: :func:`double_engagements`;
    * ``engagements_on_remote_tracks``: Assignment events with reason ``remote_track`` (0 when
      the run has no network);
    * ``reaction_time_s``: :func:`reaction_times`, mean / median / count over engaged threats;
    * ``fratricides``: ``Fratricide`` events; ``friendlies_engaged``: distinct objects
      (``threat``) of the Fratricide events; ``unknowns_never_identified``: true objects with a
      confirmed track and no ``Identified`` event — each 0 when the run has no such events
      (no IFF model).
    """
    ev = _view(events)
    la = ev.equal("kind", "Launch")
    shots = ev.col("shot")[la]
    la_thr, la_t, la_fu = ev.col("threat")[la], ev.col("time_s")[la], ev.col("fire_unit")[la]
    t_end = np.full(len(shots), np.inf)
    ends = ev.equal("kind", "Intercept") | ev.equal("kind", "Miss")
    # the Intercept rows, then the Miss rows (each in table order), as the stable sort below expects
    ends_order = np.r_[np.flatnonzero(ev.equal("kind", "Intercept")), np.flatnonzero(ev.equal("kind", "Miss"))]
    if len(shots) and ends.any():
        es, et = ev.col("shot")[ends_order], ev.col("time_s")[ends_order]
        order = np.argsort(es, kind="stable")
        es, et = es[order], et[order]
        pos = np.minimum(np.searchsorted(es, shots), len(es) - 1)
        found = es[pos] == shots
        t_end[found] = et[pos[found]]
    det = ev.equal("kind", "Detection")
    rt = reaction_times(ev.col("threat")[det], ev.col("time_s")[det], la_thr, la_t)
    n_remote = int((ev.equal("kind", "Assignment") & ev.equal("reason", "remote_track")).sum())
    frat = ev.equal("kind", "Fratricide")
    ident = ev.equal("kind", "Identified")
    if ident.any():
        conf = ev.rows("TrackConfirmed", "threat")
        tracked = np.unique(conf[conf >= 0])
        never = int(len(np.setdiff1d(tracked, ev.col("threat")[ident])))
    else:
        never = 0
    ft = ev.col("threat")[frat]
    return {
        "leakers": int(ev.equal("kind", "Leak").sum()),
        "rounds_expended": int(la.sum()),
        "double_engagements": double_engagements(la_fu, la_thr, la_t, t_end),
        "engagements_on_remote_tracks": n_remote,
        "reaction_time_s": {
            "mean": _num(float(rt.mean())) if len(rt) else None,
            "median": _num(float(np.median(rt))) if len(rt) else None,
            "threats": int(len(rt)),
        },
        "fratricides": int(frat.sum()),
        "friendlies_engaged": int(len(np.unique(ft[ft >= 0]))),
        "unknowns_never_identified": never,
    }


def _hostile_or_none(obj: np.ndarray, n_hostile: int) -> np.ndarray:
    """Object indices with friendlies (index ≥ n_hostile) mapped to −1 (not a threat)."""
    o = np.asarray(obj, np.int64)
    return np.where(o >= n_hostile, -1, o)


def identification_metrics(events: pa.Table, world: World) -> dict[str, Any]:
    """IFF outcome counts from the ``Fratricide`` and ``Identified`` events (c2/iff.py).

    * ``fratricides`` — friendlies destroyed (``Fratricide`` with reason ``friendly_destroyed``);
    * ``friendlies_engaged`` — distinct friendlies at which at least one round was launched, and
      ``rounds_at_friendlies`` the rounds;
    * ``unknowns_never_identified`` — real objects (hostile or friendly) that some site held as a
      confirmed track but that no site ever moved off ``unknown`` (no ``Identified`` event);
      ``friendlies_identified`` — friendlies that some site identified or assumed friend.
    """
    n_h = world.n_hostile
    ev = _view(events)
    thr = ev.col("threat")
    fr = ev.equal("kind", "Fratricide")
    killed = fr & ev.equal("reason", "friendly_destroyed")
    launched_at = fr & ~killed
    conf = np.unique(thr[ev.equal("kind", "TrackConfirmed") & (thr >= 0)])
    ident = ev.equal("kind", "Identified")
    moved = np.unique(thr[ident & ~ev.equal("reason", "id_unknown") & (thr >= 0)])
    friend = ev.equal("reason", "id_friend") | ev.equal("reason", "id_assumed_friend")
    friendish = np.unique(thr[ident & friend & (thr >= n_h)])
    return {
        "rules_of_engagement": world.scenario.rules_of_engagement,
        "fratricides": int(len(np.unique(thr[killed]))),
        "friendlies_engaged": int(len(np.unique(thr[launched_at]))),
        "rounds_at_friendlies": int(launched_at.sum()),
        "unknowns_never_identified": int(len(np.setdiff1d(conf, moved))),
        "friendlies": int(len(world.friendly_names)),
        "friendlies_identified": int(len(friendish)),
    }


def _network(events: pa.Table, world: World) -> dict[str, Any]:
    """``network`` section (only for scenarios with networks): engagements on remote tracks
    (``Assignment`` events with reason ``remote_track``), remote (cue) tracks delivered to member
    sites (``NetworkTrack``), link outages and C2-node failures."""
    nets = world.networks
    if nets is None or len(nets) == 0:
        return {}
    ev = _view(events)
    kind_is, reason_is = (lambda k: ev.equal("kind", k)), (lambda r: ev.equal("reason", r))  # noqa: E731
    member = nets.site_network
    return {"network": {
        "networks": list(nets.name),
        "member_sites": [world.site_names[i] for i in range(len(member)) if member[i] >= 0],
        "engagements_on_remote_tracks": int((kind_is("Assignment") & reason_is("remote_track")).sum()),
        "remote_tracks_delivered": int(kind_is("NetworkTrack").sum()),
        "link_outages": int(kind_is("LinkDown").sum()),
        "c2_node_failures": int(kind_is("C2NodeFailed").sum()),
        "guidance_lost_not_acquired": int((kind_is("GuidanceLost") & reason_is("fc_not_acquired")).sum()),
    }}


def _quality(q: pa.Table | None, world: World) -> dict[str, Any]:
    """Mean GOSPA of the per-site track pictures (samples where the site had truth or tracks)."""
    if q is None or q.num_rows == 0:
        return {"gospa": None}
    d = {c: q[c].to_numpy() for c in q.column_names}
    busy = (d["n_truth"] + d["n_tracks"]) > 0
    if not busy.any():
        return {"gospa": None}
    c = world.scenario.tracking.gospa_cutoff_m
    per_site = {}
    for s in np.unique(d["site"][busy]):
        m = busy & (d["site"] == s)
        per_site[world.site_names[int(s)]] = round(float(d["gospa_m"][m].mean()), 1)
    return {
        "gospa": {
            "cutoff_m": c,
            "samples": int(busy.sum()),
            "mean_m": float(d["gospa_m"][busy].mean()),
            "mean_localisation_m": float(d["localisation_m"][busy].mean()),
            "mean_missed_m": float(d["missed_m"][busy].mean()),
            "mean_false_m": float(d["false_m"][busy].mean()),
            "missed_target_fraction": _num(d["n_missed"][busy].sum() / max(1, d["n_truth"][busy].sum())),
            "false_track_fraction": _num(d["n_false"][busy].sum() / max(1, d["n_tracks"][busy].sum())),
            "mean_by_site_m": per_site,
        }
    }


def cost_accounting(
    launch_cost: np.ndarray, launch_threat: np.ndarray, killed: np.ndarray, threat_cost: np.ndarray,
    launched_threats: np.ndarray, target_asset: np.ndarray, asset_value: np.ndarray, asset_lost: np.ndarray,
) -> dict[str, Any]:  # fmt: skip
    """Cost exchange and value protected from costed items only; a missing cost never counts as $0.

    Parameters
    ----------
    launch_cost : (R,) cost of each interceptor fired (USD), NaN where no public cost.
    launch_threat : (R,) threat index each round was fired at (truth, for scoring), −1 false track.
    killed : (K,) threat index of each kill. threat_cost : (N,) USD, NaN unknown.
    launched_threats : threat indices that were launched. target_asset : (N,) asset index.
    asset_value : (A,) value of each asset. asset_lost : (A,) value lost per asset.

    Rules
    -----
    * A threat is **fully costed** when it has a public cost and every round fired at it has one.
    * ``exchange_ratio = Σ cost(fully costed threats destroyed) / Σ cost(rounds at fully costed
      threats or at false tracks)`` — rounds at false tracks have a known cost and no threat value;
      rounds at threats without a cost, and threats engaged by an uncosted round, are left out of
      both sides and counted beside the ratio (``excluded_*``). Nothing uncosted enters as $0.
    * ``value_protected`` (asset value units) = value of the assets that were attacked (target of a launched
      threat) and survived. Per interceptor dollar: over all rounds fired when every round has a
      public cost (else None), and an upper bound over the costed rounds only.
    """
    lc = np.asarray(launch_cost, float)
    lt = np.asarray(launch_threat, np.int64)
    N = len(threat_cost)
    known = np.isfinite(lc)
    tc = np.asarray(threat_cost, float)
    bad = np.zeros(N, bool)
    bad[lt[(lt >= 0) & ~known]] = True
    full = np.isfinite(tc) & ~bad
    in_ratio = known & np.where(lt >= 0, full[np.maximum(lt, 0)] if N else False, True)
    k = np.asarray(killed, np.int64)
    k_full = k[full[k]] if len(k) else k
    destroyed_usd = float(tc[k_full].sum()) if len(k_full) else 0.0
    spent_usd = float(lc[in_ratio].sum())
    attacked = np.zeros(len(asset_value), bool)
    lt_thr = np.asarray(launched_threats, np.int64)
    if len(lt_thr):
        attacked[np.asarray(target_asset, np.int64)[lt_thr]] = True
    protected = float(np.asarray(asset_value, float)[attacked & (np.asarray(asset_lost) <= 0)].sum())
    cost_fired = float(lc[known].sum())
    n_unc = int((~known).sum())
    kc = tc[k] if len(k) else np.zeros(0)
    return {
        "interceptors_fired": int(len(lc)),
        "interceptor_cost_usd": cost_fired,
        "interceptors_without_public_cost": n_unc,
        "threat_cost_destroyed_usd": float(np.nansum(kc)),
        "threats_destroyed_without_public_cost": int(np.isnan(kc).sum()),
        "exchange_ratio": _num(destroyed_usd / spent_usd) if spent_usd > 0 else None,
        "exchange_costed_threat_value_destroyed_usd": destroyed_usd,
        "exchange_costed_interceptor_cost_usd": spent_usd,
        "exchange_excluded_interceptors": int(len(lc) - in_ratio.sum()),
        "exchange_excluded_threats_destroyed": int(len(k) - len(k_full)),
        "value_protected": protected,
        "value_protected_per_interceptor_usd": (_num(protected / cost_fired) if cost_fired > 0 and n_unc == 0 else None),
        "value_protected_per_interceptor_usd_upper_bound": _num(protected / cost_fired) if cost_fired > 0 else None,
    }
