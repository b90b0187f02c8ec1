"""Mutable run state owned by the engine (struct of arrays, grown on demand)."""

from __future__ import annotations

import numpy as np


class ShotTable:
    """Interceptors in flight and resolved, one row per round (struct of arrays).

    Columns: ``id`` shot id, ``fu`` fire unit, ``itype`` interceptor type, ``track`` engaged track
    row, ``target`` fire-control target key (the object the unit believes it engages), ``threat``
    truth label of the track at launch (scoring only), ``radar`` guiding fire-control radar (−1
    none), ``t_launch``/``t_int`` launch and intercept time [s], ``pk0`` nominal Pk, ``basket``
    seeker basket [m], ``seq`` resolution order, ``t_assess`` time of the kill assessment after
    it arrived, ``assessed`` assessment done (or not needed), ``killed`` its target was dead after
    it arrived (truth, for the assessment draw), ``pip`` (n, 3) launch-time aim point, ``pending``
    still in flight, ``guided`` guidance not lost.
    """

    FIELDS = {
        "id": np.int64, "fu": np.int64, "itype": np.int64, "track": np.int64, "target": np.int64,
        "threat": np.int64, "radar": np.int64, "t_launch": np.float64, "t_int": np.float64,
        "pk0": np.float64, "basket": np.float64, "seq": np.int64, "t_assess": np.float64,
        "assessed": np.bool_, "killed": np.bool_,
    }  # fmt: skip

    id: np.ndarray
    fu: np.ndarray
    itype: np.ndarray
    track: np.ndarray
    target: np.ndarray
    threat: np.ndarray
    radar: np.ndarray
    t_launch: np.ndarray
    t_int: np.ndarray
    pk0: np.ndarray
    basket: np.ndarray
    seq: np.ndarray
    t_assess: np.ndarray
    assessed: np.ndarray
    killed: np.ndarray
    pip: np.ndarray
    pending: np.ndarray
    guided: np.ndarray

    def __init__(self, cap: int = 64) -> None:
        self.n = 0
        self.cap = cap
        for k, dt in self.FIELDS.items():
            setattr(self, k, np.zeros(cap, dt))
        self.pip = np.zeros((cap, 3))
        self.pending = np.zeros(cap, bool)
        self.guided = np.zeros(cap, bool)

    def add(self, **cols: np.ndarray) -> None:
        """Append rounds (every column given as an array of the same length); new rounds are pending and guided."""
        k = len(cols["fu"])
        self.ensure(self.n + k)
        sl = slice(self.n, self.n + k)
        for name, v in cols.items():
            getattr(self, name)[sl] = v
        self.pending[sl] = True
        self.guided[sl] = True
        self.n += k

    def ensure(self, need: int) -> None:
        """Room for ``need`` rounds: every column grown to max(2 × capacity, need) when it has less."""
        if need <= self.cap:
            return
        new = max(2 * self.cap, need)
        for name in list(self.FIELDS) + ["pip", "pending", "guided"]:
            old = getattr(self, name)
            arr = np.zeros((new,) + old.shape[1:], old.dtype)
            arr[: self.n] = old[: self.n]
            setattr(self, name, arr)
        self.cap = new

    def pending_rows(self) -> np.ndarray:
        return np.flatnonzero(self.pending[: self.n])

    def busy_rows(self) -> np.ndarray:
        """Rounds in flight or arrived but not yet assessed (the unit is still 'looking')."""
        n = self.n
        return np.flatnonzero(self.pending[:n] | ~self.assessed[:n])


class FireControlState:
    """Fire-control view of the targets (struct of arrays over track rows / object ids).

    A fire unit knows targets only by tracks. An *object* is the fire-control identity of a
    target: a new track starts a new object (id = its row) unless it is recognised as a
    re-initiated track of a dropped one (:mod:`iadsim.c2.correlation`), then it inherits that
    object. Per track row: ``obj`` its object, ``dropped_at`` drop time (NaN alive),
    ``was_confirmed``, ``consumed`` (already inherited). Per object id: ``row`` its live track
    row (−1 none), ``radar`` the fire-control radar maintaining it (−1 none), ``last_dwell`` time
    of its last track dwell, ``missed`` consecutive missed dwells, ``reopen_at`` while finite the
    object is believed dead until its track is updated after this time, ``net_track`` the
    network track number of the object in its network's latest delivered picture (−1 none).
    """

    INT = ("obj", "row", "radar", "missed", "net_track")
    FLOAT = ("dropped_at", "last_dwell", "reopen_at")
    BOOL = ("was_confirmed", "consumed")

    obj: np.ndarray
    row: np.ndarray
    radar: np.ndarray
    missed: np.ndarray
    net_track: np.ndarray
    dropped_at: np.ndarray
    last_dwell: np.ndarray
    reopen_at: np.ndarray
    was_confirmed: np.ndarray
    consumed: np.ndarray

    def __init__(self, cap: int = 256) -> None:
        self.cap = 0
        self.ensure(cap)

    def ensure(self, cap: int) -> None:
        """Grow every array to at least ``cap`` rows."""
        if cap <= self.cap:
            return
        for names, dtype, fill in ((self.INT, np.int64, -1), (self.FLOAT, np.float64, np.nan), (self.BOOL, bool, False)):
            for name in names:
                new = np.full(cap, fill, dtype)
                old = getattr(self, name, None)
                if old is not None:
                    new[: self.cap] = old
                setattr(self, name, new)
        self.missed[self.cap:] = 0
        self.cap = cap

    def maintained(self) -> np.ndarray:
        """Objects a fire-control radar maintains (dedicated track dwells)."""
        return np.flatnonzero(self.radar >= 0)
