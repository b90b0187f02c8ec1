"""Mutable run state owned by the engine (struct of arrays, grown on demand)."""

from __future__ import annotations

import numpy as np


class ShotTable:
    """Interceptors in flight and resolved, one row per round (struct of arrays).

    Columns: ``id`` shot id, ``fu`` fire unit, ``itype`` interceptor type, ``track`` engaged track
    row, ``target`` fire-control target key (the object the unit believes it engages), ``threat``
    truth label of the track at launch (scoring only), ``radar`` guiding fire-control radar (−1
    none), ``t_launch``/``t_int`` launch and intercept time [s], ``pk0`` nominal Pk, ``basket``
    seeker basket [m], ``seq`` resolution order, ``pip`` (n, 3) launch-time aim point, ``pending``
    still in flight, ``guided`` guidance not lost.
    """

    FIELDS = {
        "id": np.int64, "fu": np.int64, "itype": np.int64, "track": np.int64, "target": np.int64,
        "threat": np.int64, "radar": np.int64, "t_launch": np.float64, "t_int": np.float64,
        "pk0": np.float64, "basket": np.float64, "seq": np.int64,
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
        if self.n + k > self.cap:
            new = max(2 * self.cap, self.n + k)
            for name in list(self.FIELDS) + ["pip", "pending", "guided"]:
                old = getattr(self, name)
                arr = np.zeros((new,) + old.shape[1:], old.dtype)
                arr[: self.n] = old[: self.n]
                setattr(self, name, arr)
            self.cap = new
        sl = slice(self.n, self.n + k)
        for name, v in cols.items():
            getattr(self, name)[sl] = v
        self.pending[sl] = True
        self.guided[sl] = True
        self.n += k

    def pending_rows(self) -> np.ndarray:
        return np.flatnonzero(self.pending[: self.n])
