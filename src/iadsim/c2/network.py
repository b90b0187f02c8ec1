"""C2 networks: the common air picture, its delivery to the members, cueing and remote tracks.

A network (``networks:`` in the scenario, :class:`iadsim.engine.world.NetworkArrays`) has a C2
node that fuses its member sites' tracks and sends the picture back over a link. Per tick, after
the sites' own tracking (engine phase 3b):

1. **Own updates.** A remote track row updated by the site's own radars this tick (search or a
   fire-control dwell) becomes the site's own track (``remote`` cleared).
2. **Link state.** The link of network w is up at t iff no scheduled outage holds
   (start ≤ t < end) and the C2 node has not failed (t < c2_node_fail_s). While it is down the
   members fight autonomously: pictures in transit are lost, remote rows are removed, fire
   distribution falls back to the site (standalone semantics); ``LinkDown`` / ``LinkUp`` /
   ``C2NodeFailed`` events.
3. **Fusion** every ``update_s`` while up: the members' confirmed own tracks (never remote rows:
   no echo of the network's own output), predicted to t, are fused across sites
   (:func:`iadsim.tracking.fusion.fuse_sources`: gated track-to-track association, covariance
   intersection). Network track numbers stay stable: the new fused set is associated
   (same gate, one-to-one) to the previous picture predicted to t, and an associated fused track
   keeps the previous number; the others get new numbers.
4. **Delivery** ``latency_s`` after fusion (a queue of pictures in transit). Every member object
   whose track took part gets the network track number (``fcs.net_track[obj]``). A network track
   that none of a member's own tracks holds and that lies in the member's area of interest
   (within its radars' instrumented range + its interceptors' maximum range of the site: farther,
   no cue dwell and no intercept point in its coverage is possible soon; a stated filter)
   becomes a **remote track row** of that site's track table (state and covariance of the fused estimate at the fusion time, confirmed, flagged
   ``remote``); remote rows are refreshed by each delivery and removed when the network drops
   the number.
5. **Cueing.** A remote row cues the site's fire-control radar: after the radar's acquisition
   delay (catalogue ``cue_delay_s``) it dwells at the delivered estimate every ``track_update_s``
   (:func:`cue_dwells`, the fire-control track-dwell model); a detection updates the row, which
   then is the site's own track. (Cue dwells are not limited by target channels: a stated
   simplification.)
6. **Engage on remote.** Without ``engage_on_remote`` a unit engages only rows its own radars
   updated. With it, a unit may launch on a remote row if the chosen interceptor has command /
   datalink midcourse guidance (catalogue ``midcourse_datalink``); the launch-time coverage of the
   supporting fire-control radar is not required, but the radar must acquire the target before
   the seeker hand-over, t_int − track_update_s (:func:`acquisition_failures`), else the rounds
   lose guidance (``GuidanceLost`` reason ``fc_not_acquired``). Midcourse updates come from the
   (network-refreshed) row.
7. **Fire distribution** (:func:`distribution_keys`): the units of member sites form one group
   per network while its link is up, keyed by network track number. Within a group no unit
   engages a threat that another unit has rounds in flight at or awaiting assessment (unless its
   doctrine asks for a layered second shot) and each threat gets at most one new unit per tick;
   "the same threat" is the same network track number, or tracks within the track-to-track gate
   (:func:`engaged_nearby`, :func:`first_per_threat`: a threat the network has not numbered yet
   is recognised by its position). The engagement status of the group's units is known at once
   (a simplification: no latency on engagement reports).

The truth label carried with a fused track (the label of its first member track) only steers the
physics of a cue dwell (which object the beam illuminates) and scores outcomes; no decision reads
it.
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import numpy as np
from numba import njit

from iadsim import numba_cache  # noqa: F401 - numba's cache under a cross-process lock (iadsim/numba_cache.py)
from iadsim.arrayops import isin_small
from iadsim.engine.events import EventKind, EventLog
from iadsim.engine.world import NetworkArrays, World
from iadsim.sensors import radar as radar_mod
from iadsim.sensors import scheduling
from iadsim.tracking.fusion import T2T_GATE_D2, associate_tracks, fuse_sources
from iadsim.tracking.manager import TrackTable


@dataclass
class Picture:
    """A fused network picture in transit: numbers (m,), states (m, 6), covariances (m, 6, 6) at
    ``t_fused``; ``member_site`` / ``member_row`` / ``member_num`` (k,) the own tracks fused into it."""

    network: int
    t_fused: float
    deliver_at: float
    num: np.ndarray
    x: np.ndarray
    P: np.ndarray
    truth: np.ndarray
    member_site: np.ndarray
    member_row: np.ndarray
    member_num: np.ndarray


class NetworkState:
    """Run state of the networks (per network, per track row, per fire-control object)."""

    remote: np.ndarray  # (rows,) bool: a network-fed row not (yet) updated by its site's own radars
    row_net: np.ndarray  # (rows,) network track number of a remote row (−1)
    delivered_at: np.ndarray  # (rows,) time of the remote row's last delivery [s]
    cue_at: np.ndarray  # (objects,) time the fire-control radar can start cue dwells [s]
    cue_last: np.ndarray  # (objects,) time of the last cue dwell [s]
    acquire_by: np.ndarray  # (objects,) seeker hand-over deadline of an engagement on a remote track [s]

    def __init__(self, nets: NetworkArrays, cap: int = 256) -> None:
        W = len(nets)
        self.nets = nets
        self.last_fusion = np.full(W, -np.inf)
        self.next_fusion = -np.inf  # earliest time a network may fuse again
        self.up = np.ones(W, bool)
        self.failed = np.zeros(W, bool)
        self.prev: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]] = [
            (np.zeros(0, np.int64), np.zeros((0, 6)), np.zeros((0, 6, 6)), 0.0) for _ in range(W)
        ]
        self.queue: list[Picture] = []
        self.next_number = 0
        # the link state changes only at outage bounds and node failures: evaluate it there
        self.changes = np.unique(np.concatenate([nets.outage_start_s, nets.outage_end_s,
                                                 nets.c2_fail_s[np.isfinite(nets.c2_fail_s)]]))  # fmt: skip
        self.cap = 0
        self.ensure(cap)

    def ensure(self, cap: int) -> None:
        """Grow the per-row / per-object arrays to ``cap``."""
        if cap <= self.cap:
            return

        def grow(name: str, fill: float | int | bool, dtype: type) -> None:
            new: np.ndarray = np.full(cap, fill, dtype)
            old = getattr(self, name, None)
            if old is not None:
                new[: len(old)] = old
            setattr(self, name, new)

        # per track row: remote (network-fed, not updated by own radars), its network track
        # number, the time of its last delivery
        grow("remote", False, bool)
        grow("row_net", -1, np.int64)
        grow("delivered_at", np.nan, np.float64)
        # per object: cue acquisition time, last cue dwell, seeker hand-over deadline of a remote engagement
        grow("cue_at", np.inf, np.float64)
        grow("cue_last", -np.inf, np.float64)
        grow("acquire_by", np.inf, np.float64)
        self.cap = cap

    @property
    def active(self) -> bool:
        return len(self.nets) > 0 and bool((self.nets.site_network >= 0).any())

    def delivery_due(self, t: float) -> bool:
        """A picture in transit reaches its members at t."""
        return any(p.deliver_at <= t + 1e-9 and self.up[p.network] for p in self.queue)

    def quiet(self, t: float) -> bool:
        """Nothing of steps 2–4 can happen at t: no link-state bound reached (``changes``), no
        network due to fuse (``next_fusion``), no picture in transit due (its ``deliver_at``).

        On a quiet tick :func:`link_phase` changes nothing, :func:`fuse` returns at once and
        :meth:`delivery_due` is False, so the engine skips them (one test instead of three calls).
        """
        a, b, c = quiet_times(self)  # next link-state bound (link_phase's test), fusion (fuse's), delivery
        return bool(t < a - 1e-9 and t < b - 1e-9 and not c <= t + 1e-9)  # (the compiled tick loop's test too)


def member_mask(nets: NetworkArrays, site: np.ndarray, up: np.ndarray) -> np.ndarray:
    """(n,) the site is a member of a network whose link is up."""
    w = nets.site_network[site]
    return np.asarray((w >= 0) & up[np.maximum(w, 0)])


def clear_own_updates(ns: NetworkState, tracks: TrackTable, t: float) -> None:
    """Remote rows updated by their site's own radars this tick become own tracks."""
    clear_own_rows(ns.remote, tracks.alive, tracks.t_s, tracks.size, float(t))


def quiet_times(ns: NetworkState) -> np.ndarray:
    """[next link-state bound, next fusion, next delivery] (s; +∞ none): :meth:`NetworkState.quiet`
    at t ⇔ t < a − 10⁻⁹ ∧ t < b − 10⁻⁹ ∧ ¬(c ≤ t + 10⁻⁹), for the compiled tick loop."""
    return np.array([float(ns.changes[0]) if len(ns.changes) else np.inf, float(ns.next_fusion),
                     min((float(p.deliver_at) for p in ns.queue), default=np.inf)])  # fmt: skip


@njit(cache=True, error_model="numpy")
def clear_own_rows(remote: np.ndarray, alive: np.ndarray, t_s: np.ndarray, n: int, t: float) -> None:  # pragma: no cover - compiled
    """remote[ρ] ← False for the rows ρ < n alive and updated at t (t_ρ = t), in place."""
    for r in range(n):
        if remote[r] and alive[r] and t_s[r] == t:
            remote[r] = False


def link_phase(ns: NetworkState, t: float, log: EventLog) -> np.ndarray:
    """Link state at t; events on changes. Returns (W,) the networks that went down this tick."""
    nets = ns.nets
    if not len(ns.changes) or t < ns.changes[0] - 1e-9:  # no change of state before the next bound
        return np.zeros(len(nets), bool)
    up = nets.link_up(t)
    ns.changes = ns.changes[ns.changes > t + 1e-9]
    down = ns.up & ~up
    back = ~ns.up & up
    fail = down & (t >= nets.c2_fail_s) & ~ns.failed
    if fail.any():
        ns.failed |= fail
        log.emit(EventKind.C2NodeFailed, t, value=np.flatnonzero(fail).astype(float))
    if (down & ~fail).any():
        log.emit(EventKind.LinkDown, t, value=np.flatnonzero(down & ~fail).astype(float))
    if back.any():
        log.emit(EventKind.LinkUp, t, value=np.flatnonzero(back).astype(float))
    ns.up = up
    if (down | back).any():
        ns.next_fusion = -np.inf  # a network back up fuses at once
    if down.any():  # pictures in transit are lost
        ns.queue = [p for p in ns.queue if not down[p.network]]
    return np.asarray(down)


def remote_rows_of(ns: NetworkState, tracks: TrackTable, networks: np.ndarray) -> np.ndarray:
    """Live remote rows of the member sites of the given networks (W,) mask."""
    n = tracks.size
    rows = np.flatnonzero(ns.remote[:n] & tracks.alive[:n])
    w = ns.nets.site_network[tracks.site[rows]]
    return rows[(w >= 0) & networks[np.maximum(w, 0)]]


def fuse(ns: NetworkState, tracks: TrackTable, t: float, latency_override: float | None = None) -> None:
    """Fuse the members' own confirmed tracks of every network due (up, update_s elapsed); queue the pictures."""
    nets = ns.nets
    if t < ns.next_fusion - 1e-9:
        return
    due = ns.up & (t - ns.last_fusion >= nets.update_s - 1e-9)
    ns.next_fusion = float(np.min(np.where(ns.up & ~due, ns.last_fusion + nets.update_s, t + nets.update_s)))
    if not due.any():
        return
    n = tracks.size
    live = np.flatnonzero(tracks.alive[:n] & tracks.confirmed[:n] & ~ns.remote[:n])
    w_of = nets.site_network[tracks.site[live]]
    for w in np.flatnonzero(due):  # a handful of networks
        rows = live[w_of == w]
        if len(rows):
            xp, Pp = tracks.predicted(rows, t)
            xf, Pf, member = fuse_sources(tracks.site[rows], xp, Pp, T2T_GATE_D2)
        else:
            xf, Pf, member = np.zeros((0, 6)), np.zeros((0, 6, 6)), np.zeros(0, np.int64)
        num = _numbers(ns, int(w), xf, Pf, t, tracks)
        truth = np.full(len(xf), -1, np.int64)
        truth[member[::-1]] = tracks.truth[rows[::-1]]  # the first member's label (physics/scoring only)
        ns.queue.append(Picture(int(w), t, t + float(nets.latency_s[w]), num, xf, Pf, truth,
                                tracks.site[rows], rows, num[member]))  # fmt: skip
        ns.prev[w] = (num, xf, Pf, t)
        ns.last_fusion[w] = t


def _numbers(ns: NetworkState, w: int, xf: np.ndarray, Pf: np.ndarray, t: float, tracks: TrackTable) -> np.ndarray:
    """Network track numbers of a new fused set: the previous picture's where associated, else new."""
    pnum, px, pP, pt = ns.prev[w]
    num = np.full(len(xf), -1, np.int64)
    if len(pnum) and len(xf):
        xq, Pq = tracks._cv_predicted(px, pP, np.full(len(px), t - pt))
        ia, ib = associate_tracks(xf, Pf, xq, Pq, T2T_GATE_D2)
        num[ia] = pnum[ib]
    new = np.flatnonzero(num < 0)
    num[new] = ns.next_number + np.arange(len(new))
    ns.next_number += len(new)
    return num


@dataclass
class Delivery:
    """Outcome of the deliveries of one tick: rows to create objects for, rows to remove."""

    new_rows: np.ndarray
    new_num: np.ndarray
    kill_rows: np.ndarray
    member_obj_rows: np.ndarray
    member_num: np.ndarray


def deliver(ns: NetworkState, tracks: TrackTable, maintained_row: np.ndarray, t: float,
            site_ecef_m: np.ndarray | None = None, aoi_m: np.ndarray | None = None) -> Delivery:  # fmt: skip
    """Deliver the pictures due at t to the member sites (see the module docstring, step 4).

    ``maintained_row`` (size,) bool: rows whose object a fire-control radar holds (never removed
    here). ``site_ecef_m`` (sites, 3) and ``aoi_m`` (sites,): a member's area of interest — it
    receives remote rows only for network tracks within ``aoi_m`` of the site (straight-line
    distance); None: everywhere. Returns the new remote rows (the engine gives them objects), the remote rows to
    remove, and the own rows that took part with their network track numbers.
    """
    nets = ns.nets
    due = [p for p in ns.queue if p.deliver_at <= t + 1e-9 and ns.up[p.network]]
    if not due:
        z = np.zeros(0, np.int64)
        return Delivery(z, z, z, z, z)
    ns.queue = [p for p in ns.queue if not (p.deliver_at <= t + 1e-9 and ns.up[p.network])]
    due.sort(key=lambda p: (p.deliver_at, p.network))
    latest: dict[int, Picture] = {}
    for p in due:  # only the newest picture of a network matters
        latest[p.network] = p
    new_rows, new_num, kill_rows, m_rows, m_num = [], [], [], [], []
    for w, p in sorted(latest.items()):
        ok = tracks.alive[p.member_row] & (tracks.site[p.member_row] == p.member_site)
        m_rows.append(p.member_row[ok])
        m_num.append(p.member_num[ok])
        n = tracks.size
        # the rows a site's delivery reads, once per picture: the rows it creates are appended
        # (≥ n) and belong to that site, so another member's remote and tentative rows are these
        live = tracks.alive[:n]
        rem_all = np.flatnonzero(ns.remote[:n] & live)
        rem_site = tracks.site[rem_all]
        tent_all = np.flatnonzero(live & ~tracks.confirmed[:n] & ~ns.remote[:n])
        tent_site = tracks.site[tent_all]
        use_aoi = aoi_m is not None and site_ecef_m is not None
        for s in np.flatnonzero(nets.site_network == w):  # member sites of this network
            rr = rem_all[rem_site == s]
            # which of the site's remote rows go, which are refreshed (and from which fused
            # track), which numbers need a new row: one compiled call (site_delivery_kernel)
            kill, ref, ref_j, missing = site_delivery_kernel(
                p.num, p.x, p.member_site, p.member_num, int(s), rr, ns.row_net, maintained_row, use_aoi,
                site_ecef_m[s] if use_aoi else _NO_POINT, float(aoi_m[s]) if use_aoi else 0.0)  # type: ignore[index]  # fmt: skip
            kill_rows.append(kill)
            # refresh the remote rows of numbers still needed
            if len(ref):
                _set_state(tracks, ref, p.x[ref_j], p.P[ref_j], p.t_fused)
                ns.delivered_at[ref] = t
            # a site's own tentative track of the same target takes its own updates: no remote row
            # (gated track-to-track association at t; truth association: the site's slot of the object)
            tent = tent_all[tent_site == s]
            if len(tent) and len(missing):
                xq, Pq = tracks._cv_predicted(p.x[missing], p.P[missing], np.full(len(missing), t - p.t_fused))
                xt, Pt = tracks.predicted(tent, t)
                ia, _ = associate_tracks(xq, Pq, xt, Pt, T2T_GATE_D2)
                missing = np.delete(missing, ia)
            if tracks.association == "truth" and len(missing):
                lab = p.truth[missing]
                has_own = (lab >= 0) & (tracks.slot[s, np.maximum(lab, 0)] >= 0)
                missing = missing[~has_own]
            if len(missing):
                rows = tracks._initiate(p.t_fused, np.full(len(missing), s, np.int64), p.truth[missing],
                                        p.x[missing, :3], p.P[missing, :3, :3])  # fmt: skip
                ns.ensure(tracks.capacity)
                _set_state(tracks, rows, p.x[missing], p.P[missing], p.t_fused)
                tracks.confirmed[rows] = True
                tracks.hits[rows] = np.uint32((1 << tracks.n) - 1)
                if tracks.association == "truth":
                    lab = p.truth[missing]
                    real = lab >= 0
                    tracks.slot[s, lab[real]] = rows[real]
                ns.remote[rows] = True
                ns.row_net[rows] = p.num[missing]
                ns.delivered_at[rows] = t
                new_rows.append(rows)
                new_num.append(p.num[missing])

    def cat(x: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(x).astype(np.int64) if x else np.zeros(0, np.int64)

    return Delivery(cat(new_rows), cat(new_num), cat(kill_rows), cat(m_rows), cat(m_num))


_NO_POINT = np.zeros(3)


@njit(cache=True, error_model="numpy")
def site_delivery_kernel(num: np.ndarray, x: np.ndarray, member_site: np.ndarray, member_num: np.ndarray, s: int,
                         rr: np.ndarray, row_net: np.ndarray, maintained_row: np.ndarray, use_aoi: bool,
                         site_ecef: np.ndarray, aoi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled  # fmt: skip
    """One member site's share of a delivered picture (step 4 of the module docstring).

    ``num`` (m,) the picture's (distinct) network track numbers, ``x`` (m, 6) their states;
    ``member_site``/``member_num`` its own tracks that took part; ``rr`` (k,) the site's live remote
    rows, ``row_net`` their numbers. With need(i) ⇔ no own track of site s took part in number i
    and inside(i) ⇔ |x_i[:3] − site_ecef| ≤ aoi (always, without ``use_aoi``):

    * a remote row ρ is kept iff its number is some needed i with inside(i); a row not kept and
      not maintained by a fire-control radar is removed (``kill``);
    * kept rows are refreshed from their fused track (``ref``, ``ref_j`` = i);
    * numbers i needed, inside and held by no kept row need a new remote row (``missing``, ascending).
    """
    m = num.shape[0]
    need = np.ones(m, np.bool_)
    for k in range(member_site.shape[0]):
        if member_site[k] == s:
            for i in range(m):
                if num[i] == member_num[k]:
                    need[i] = False
    inside = np.ones(m, np.bool_)
    if use_aoi:
        for i in range(m):
            d0, d1, d2 = x[i, 0] - site_ecef[0], x[i, 1] - site_ecef[1], x[i, 2] - site_ecef[2]
            inside[i] = math.sqrt(d0 * d0 + d1 * d1 + d2 * d2) <= aoi
    kill = np.empty(rr.shape[0], np.int64)
    ref = np.empty(rr.shape[0], np.int64)
    ref_j = np.empty(rr.shape[0], np.int64)
    held = np.zeros(m, np.bool_)
    nk = 0
    nr = 0
    for q in range(rr.shape[0]):
        r = rr[q]
        j = -1
        for i in range(m):
            if num[i] == row_net[r]:
                j = i
                break
        if j >= 0 and need[j] and inside[j]:
            ref[nr] = r
            ref_j[nr] = j
            held[j] = True
            nr += 1
        elif not maintained_row[r]:
            kill[nk] = r
            nk += 1
    missing = np.empty(m, np.int64)
    nm = 0
    for i in range(m):
        if need[i] and not held[i] and inside[i]:
            missing[nm] = i
            nm += 1
    return kill[:nk], ref[:nr], ref_j[:nr], missing[:nm]


def _set_state(tracks: TrackTable, rows: np.ndarray, x: np.ndarray, P: np.ndarray, t_s: float) -> None:
    """Write a delivered estimate into remote rows (both filter models)."""
    tracks.x[rows], tracks.P[rows], tracks.t_s[rows] = x, P, t_s
    tracks.misses[rows] = 0
    if tracks.model == "imm":  # every mode starts from the delivered estimate
        getattr(tracks, "xs")[rows] = x[:, None, :]
        getattr(tracks, "Ps")[rows] = P[:, None, :, :]


def engageable_remote(ns: NetworkState, tracks: TrackTable, conf: np.ndarray, t: float, dt: float) -> np.ndarray:
    """Engageable rows with the remote rule: own rows as given (``conf``, the own-track freshness
    rule), remote rows iff confirmed and delivered within the network's update interval + dt.

    Remote rows are fresh by their delivery (t − t_delivered ≤ update_s + dt), not by the site's
    radar revisit: their estimate is as recent as the link allows.
    """
    return engageable_remote_kernel(np.asarray(conf, np.int64), ns.remote, tracks.alive, tracks.confirmed, tracks.size,
                                    tracks.site, ns.nets.site_network, ns.up, ns.delivered_at, ns.nets.update_s,
                                    float(t), float(dt))  # fmt: skip


@njit(cache=True, error_model="numpy")
def engageable_remote_kernel(conf: np.ndarray, remote: np.ndarray, alive: np.ndarray, confirmed: np.ndarray, n: int,
                             site: np.ndarray, site_network: np.ndarray, up: np.ndarray, delivered_at: np.ndarray,
                             update_s: np.ndarray, t: float, dt: float) -> np.ndarray:  # pragma: no cover - compiled  # fmt: skip
    """:func:`engageable_remote` on plain arrays.

    Rows: ``conf`` without remote rows (in their order), then every remote row ρ < n that is alive
    and confirmed, of a site of network w ≥ 0 whose link is up, with
    t − t_delivered(ρ) ≤ update_s(w) + dt + 1e-9; the result is sorted when any remote row is alive
    and confirmed (else ``conf``'s own rows as given).
    """
    out = np.empty(conf.shape[0] + n, np.int64)
    m = 0
    for r in conf:
        if not remote[r]:
            out[m] = r
            m += 1
    any_remote = False
    for r in range(n):
        if remote[r] and alive[r] and confirmed[r]:
            any_remote = True
            w = site_network[site[r]]
            if w >= 0 and up[w] and t - delivered_at[r] <= update_s[w] + dt + 1e-9:
                out[m] = r
                m += 1
    return np.sort(out[:m]) if any_remote else out[:m].copy()


def remote_allowed(remote: np.ndarray, engage_on_remote: np.ndarray) -> np.ndarray:
    """(P,) candidate filter: a pair on a remote row needs the unit's doctrine engage_on_remote.

    allowed ⇔ ¬remote ∨ engage_on_remote(unit).
    """
    return np.asarray(~remote | engage_on_remote)


def remote_interceptor_ok(remote: np.ndarray, datalink: np.ndarray) -> np.ndarray:
    """(P,) the chosen interceptor may be launched on the pair's track.

    ok ⇔ ¬remote ∨ datalink(unit, chosen type): only a round with command / datalink midcourse
    guidance can fly on a track the unit's own radar does not hold.
    """
    return np.asarray(~remote | datalink)


def distribution_keys(site: np.ndarray, obj: np.ndarray, net_track: np.ndarray, site_network: np.ndarray,
                      up: np.ndarray, n_sites: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Fire-distribution (group, key) of each (unit, object) pair.

    Rule: the units of a member site of a network whose link is up form the group ``n_sites + w``
    (w the network index), keyed by the network track number of the object (``net_track``; an
    object the network has not numbered yet keys as −1 − obj, distinct from every number);
    otherwise the group is the unit's site and the key its object (a standalone battery
    distributes among its own fire units). Two pairs with the same (group, key) are the same
    threat in the same fire-distribution group.

    Parameters
    ----------
    site : (n,) site of the unit; obj : (n,) fire-control object; net_track : (n,) its number (−1 none);
    site_network : (sites,) network of each site (−1 standalone); up : (W,) link up.
    """
    c = np.ascontiguousarray
    return distribution_keys_kernel(c(site, np.int64).reshape(-1), c(obj, np.int64).reshape(-1),
                                    c(net_track, np.int64).reshape(-1), c(site_network, np.int64),
                                    c(up, np.bool_), int(n_sites))  # fmt: skip


@njit(cache=True, error_model="numpy")
def distribution_keys_kernel(site: np.ndarray, obj: np.ndarray, net_track: np.ndarray, site_network: np.ndarray,
                             up: np.ndarray, n_sites: int) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled  # fmt: skip
    """:func:`distribution_keys` on plain arrays: with w = site_network(site), networked ⇔ w ≥ 0 ∧ up(w);
    group = n_sites + w if networked else site; key = (net_track if ≥ 0 else −1 − obj) if networked else obj."""
    n = site.shape[0]
    group = np.empty(n, np.int64)
    key = np.empty(n, np.int64)
    for i in range(n):
        w = site_network[site[i]]
        if w >= 0 and up.shape[0] > 0 and up[w]:
            group[i] = n_sites + w
            key[i] = net_track[i] if net_track[i] >= 0 else -1 - obj[i]
        else:
            group[i] = site[i]
            key[i] = obj[i]
    return group, key


def engaged_nearby(group: np.ndarray, unit: np.ndarray, x: np.ndarray, P: np.ndarray, busy_group: np.ndarray,
                   busy_unit: np.ndarray, bx: np.ndarray, bP: np.ndarray, gate_d2: float = T2T_GATE_D2) -> np.ndarray:  # fmt: skip
    """(n,) another unit of the pair's group engages a threat whose track lies within the
    track-to-track gate of the pair's track (engagement status reported with the engaged track's
    position, so a threat not yet numbered by the network is recognised too).

    engaged ⇔ ∃ busy round b: group_b = group ∧ unit_b ≠ unit ∧ d²(track, track_b) ≤ γ, with
    d² of :func:`iadsim.tracking.fusion.t2t_distance2` (position) and γ = χ²₃(0.999).

    Parameters
    ----------
    x, P : (n, 6), (n, 6, 6) the pairs' track estimates at t; bx, bP : the busy rounds' targets' tracks at t.
    """
    if len(group) == 0 or len(busy_group) == 0:
        return np.zeros(len(group), bool)
    from iadsim.tracking.fusion import t2t_distance2

    near = t2t_distance2(x, P, bx, bP) <= gate_d2
    same = (group[:, None] == busy_group[None, :]) & (unit[:, None] != busy_unit[None, :])
    return np.asarray((near & same).any(axis=1))


def first_per_threat(group: np.ndarray, key: np.ndarray, unit: np.ndarray, x: np.ndarray, P: np.ndarray,
                     exempt: np.ndarray, gate_d2: float = T2T_GATE_D2) -> np.ndarray:  # fmt: skip
    """(n,) mask over this tick's selections, in urgency order: a selection is dropped when an
    earlier kept selection of another unit of its group has the same key or a track within the
    gate (the same threat); ``exempt`` selections (layered second shot, standalone groups) are kept.
    A loop over this tick's selections (at most one per ready fire unit)."""
    n = len(group)
    keep = np.ones(n, bool)
    if n < 2:
        return keep
    from iadsim.tracking.fusion import t2t_distance2

    same = (group[:, None] == group[None, :]) & (unit[:, None] != unit[None, :])
    clash = same & ((key[:, None] == key[None, :]) | (t2t_distance2(x, P, x, P) <= gate_d2))
    for i in range(1, n):
        if not exempt[i] and (clash[i, :i] & keep[:i]).any():
            keep[i] = False
    return keep


def engaged_by_other(group: np.ndarray, key: np.ndarray, unit: np.ndarray, busy_group: np.ndarray,
                     busy_key: np.ndarray, busy_unit: np.ndarray) -> np.ndarray:  # fmt: skip
    """(n,) another unit of the pair's group already engages its key (rounds in flight or awaiting assessment).

    engaged ⇔ ∃ busy round b: group_b = group ∧ key_b = key ∧ unit_b ≠ unit.
    """
    if len(busy_group) == 0 or len(group) == 0:
        return np.zeros(len(group), bool)
    same = (group[:, None] == busy_group[None, :]) & (key[:, None] == busy_key[None, :]) & (unit[:, None] != busy_unit[None, :])
    return np.asarray(same.any(axis=1))


def cue_dwells(ns: NetworkState, world: World, tracks: TrackTable, obj_of_row: np.ndarray, held: np.ndarray,
               t: float, pos: np.ndarray, active: np.ndarray, cue_st: np.ndarray) -> radar_mod.Detections:  # fmt: skip
    """Cue dwells of the sites' fire-control radars at their remote rows (module docstring, step 5).

    A remote row whose object no fire-control radar holds (``held`` per object) is dwelt on by
    the first fire-control radar of its site that covers the row's predicted position, once
    t ≥ cue_at (delivery + the radar's acquisition delay ``cue_delay_s``) and then every
    ``track_update_s``; detection by the track-dwell model (:func:`scheduling.track_dwells`), each
    site's dwells drawing from the site's cue stream: ``cue_st`` (sites, 4), the streams' PCG64
    states (:func:`iadsim.rng_kernels.states_of`), advanced in place.
    """
    fcr = world.fc_radars
    n = tracks.size
    rows = (ns.remote[:n] & tracks.alive[:n]).nonzero()[0]  # flatnonzero of a 1-D mask, without its Python wrappers
    if fcr is None or len(rows) == 0 or not fcr.is_fc.any():
        return scheduling.no_detections(t)
    radars = world.radars
    # the (remote row, fire-control radar of its site) pairs due, not beyond the radar's range
    rows, obj, pr, ri, u, inv = cue_candidates(rows, obj_of_row[rows], held, ns.cue_at, ns.cue_last, tracks.site,
                                               tracks.x, tracks.t_s, np.asarray(radars.site_index, np.int64), fcr.is_fc,
                                               fcr.track_update_s, radars.ecef_m, radars.max_range_m, t)  # fmt: skip
    if len(pr) == 0:
        return scheduling.no_detections(t)
    xq = tracks.predicted_positions(rows[u], t)[inv]  # (pairs, 3) predicted positions
    vis = scheduling.pair_visibility(radars, ri, xq)
    pr, ri, xq = pr[vis], ri[vis], xq[vis]
    if len(pr) == 0:
        return scheduling.no_detections(t)
    first = np.ones(len(pr), bool)  # the first covering radar of the site (pairs are ordered by row, then radar)
    first[1:] = pr[1:] != pr[:-1]
    pr, ri, xq = pr[first], ri[first], xq[first]
    r = rows[pr]
    tr = tracks.truth[r]
    present = (tr >= 0) & active[np.maximum(tr, 0)]
    look = np.where(present[:, None], pos[np.maximum(tr, 0)], xq)
    ns.cue_last[obj[pr]] = t
    site = tracks.site[r]
    if len(site) > 1:  # grouped by site (stable): each site's dwells draw from its own stream, in pair order
        o = np.argsort(site, kind="stable")
        ri, tr, look, present, site = ri[o], tr[o], look[o], present[o], site[o]
    _, _, det = scheduling.track_dwells(radars, ri, tr, look, world.sensed.rcs_m2[np.maximum(tr, 0)], present,
                                        fcr.dwell_gain[ri], t, cue_st, site)  # fmt: skip
    return det


@njit(cache=True, error_model="numpy")
def cue_candidates(rows: np.ndarray, obj: np.ndarray, held: np.ndarray, cue_at: np.ndarray, cue_last: np.ndarray,
                   row_site: np.ndarray, x: np.ndarray, t_row: np.ndarray, radar_site: np.ndarray, is_fc: np.ndarray,
                   update_s: np.ndarray, radar_ecef: np.ndarray, max_range_m: np.ndarray,
                   t: float) -> tuple:  # pragma: no cover - compiled  # fmt: skip
    """The (remote row, fire-control radar) pairs that may take a cue dwell at t (:func:`cue_dwells`).

    Rules, for each remote row ρ (in the given order) of object o whose object no fire-control
    radar holds (¬``held[o]``) and whose acquisition delay has passed (t ≥ cue_at(o) − 1e-9),
    for each fire-control radar s of the row's site (in radar order):

    * due ⇔ t − t_cue(o) ≥ T_update(s) − 1e-9 (:func:`iadsim.sensors.scheduling.dwells_due`);
    * not beyond the radar's instrumented range: the cheap bound
      |p_ρ − x_s| − |v_ρ| (t − t_ρ) ≤ R_max(s) at the last estimate (p, v at t_ρ) + its motion
      since (a point farther than that is out of range wherever it moved: an exact pre-filter).

    Parameters
    ----------
    rows, obj : (n,) live remote rows and their objects. held, cue_at, cue_last : per object.
    row_site, x (rows, 6), t_row : per track row. radar_site, is_fc, update_s, max_range_m (S,),
    radar_ecef (S, 3) : per radar. t : now (s).

    Returns
    -------
    ``(rows, obj, pr, ri, u, inv)``: the rows past the object filters and their objects; the pairs
    as (index into those rows ``pr``, radar ``ri``), ordered by row then radar; ``u`` the distinct
    ``pr`` (ascending) and ``inv`` the position of each pair's ``pr`` in ``u``.
    """
    n = rows.shape[0]
    keep = np.zeros(n, np.bool_)
    for i in range(n):
        o = obj[i]
        keep[i] = (not held[o]) and t >= cue_at[o] - 1e-9
    rows = rows[keep]
    obj = obj[keep]
    n = rows.shape[0]
    S = radar_site.shape[0]
    pr = np.empty(n * S, np.int64)
    ri = np.empty(n * S, np.int64)
    u = np.empty(n, np.int64)
    inv = np.empty(n * S, np.int64)
    m = 0
    nu = 0
    for i in range(n):
        r = rows[i]
        o = obj[i]
        first = True
        speed = math.sqrt(x[r, 3] * x[r, 3] + x[r, 4] * x[r, 4] + x[r, 5] * x[r, 5])
        for s in range(S):
            if radar_site[s] != row_site[r] or not is_fc[s]:
                continue
            if not scheduling.due(t, cue_last[o], update_s[s]):
                continue
            dx, dy, dz = x[r, 0] - radar_ecef[s, 0], x[r, 1] - radar_ecef[s, 1], x[r, 2] - radar_ecef[s, 2]
            if math.sqrt(dx * dx + dy * dy + dz * dz) - speed * (t - t_row[r]) > max_range_m[s]:
                continue
            if first:
                u[nu] = i
                nu += 1
                first = False
            pr[m], ri[m], inv[m] = i, s, nu - 1
            m += 1
    return rows, obj, pr[:m], ri[:m], u[:nu], inv[:m]


def acquisition_failures(ns: NetworkState, obj: np.ndarray, rows: np.ndarray, lost: np.ndarray, missed: np.ndarray,
                         t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Loss rule of the fire-control radar for targets engaged on a remote track.

    While the engaged object's track is still remote (not yet acquired by the unit's own radar)
    and t < acquire_by (seeker hand-over: t_int − track_update_s of the first round), missed or
    out-of-coverage dwells do not lose it; at t ≥ acquire_by it is lost (``fc_not_acquired``).

    Parameters
    ----------
    obj, rows : (D,) dwelt objects and their track rows (−1 none); lost, missed : (D,) the
    standard rule's outcome. Returns ``(lost, missed, not_acquired)`` (D,) each.
    """
    lost, missed = np.array(lost, bool), np.array(missed, np.int64)  # copies: the kernel writes in place
    late = acquisition_kernel(np.asarray(obj, np.int64), np.asarray(rows, np.int64), lost, missed, ns.remote,
                              ns.acquire_by, float(t))  # fmt: skip
    return lost, missed, late


@njit(cache=True, error_model="numpy")
def acquisition_kernel(obj: np.ndarray, rows: np.ndarray, lost: np.ndarray, missed: np.ndarray, remote: np.ndarray,
                       acquire_by: np.ndarray, t: float) -> np.ndarray:  # pragma: no cover - compiled
    """:func:`acquisition_failures` in place on ``lost``, ``missed`` (D,) (also called by the engine's
    compiled sensing); returns ``not_acquired`` (D,): on a remote row (row ≥ 0, ``remote[row]``)
    with a finite hand-over deadline, waiting ⇔ t < ``acquire_by[o]`` (neither lost nor missed),
    else lost (late)."""
    D = obj.shape[0]
    late = np.zeros(D, np.bool_)
    for d in range(D):
        o, r = obj[d], rows[d]
        if r >= 0 and remote[r] and np.isfinite(acquire_by[o]):
            if t < acquire_by[o]:
                lost[d] = False
                missed[d] = 0
            else:
                lost[d] = True
                late[d] = True
    return late
