"""One seed per run, one stream per entity.

``numpy.random.SeedSequence(seed)`` spawns one child stream per *role* (``threats``, ``sensors``
…), always in the same order — these role streams are kept for code that draws for no particular
entity. Every entity that draws (a radar, a fire unit, a threat) has its **own** stream
(:meth:`RunStreams.entity`), spawned from the run seed by a stable key::

    SeedSequence(seed, spawn_key=(digest(role), digest(name)))

with ``digest`` the first 8 bytes of BLAKE2b of the UTF-8 text (stable across processes and
Python versions, unlike :func:`hash`). An entity's draws therefore depend only on the seed, its
role and its name, and on the sequence of its own draws: adding, removing or re-ordering other
entities never shifts them. This is what makes paired comparisons ("what is one battery worth")
possible. Functions take an explicit ``rng``; nothing uses global state.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

#: Stream names, in spawn order. Append new roles at the end only (keeps old results reproducible).
STREAMS: tuple[str, ...] = ("threats", "sensors", "tracking", "engagement", "c2", "damage")

#: Roles of per-entity streams used by the engine (the role is part of the key, so one name used
#: by two kinds of entity — a radar and a fire unit both called "north" — gets two streams).
ENTITY_ROLES: tuple[str, ...] = ("radar", "fire_unit", "threat", "damage")


@lru_cache(maxsize=1 << 16)
def stable_digest(text: str) -> int:
    """64-bit unsigned integer digest of ``text`` (BLAKE2b, 8 bytes, big-endian)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


@lru_cache(maxsize=1 << 16)
def _key_words(role: str, name: str) -> tuple[int, ...]:
    """The 32-bit words of an entity's spawn key (digest(role), digest(name)), as SeedSequence assembles them."""
    from iadsim.rng_kernels import uint32_words

    return tuple(uint32_words(stable_digest(role))) + tuple(uint32_words(stable_digest(name)))


def entity_seed_sequence(seed: int, role: str, name: str) -> np.random.SeedSequence:
    """The SeedSequence of entity ``name`` of kind ``role`` in a run seeded with ``seed``."""
    if seed < 0:
        raise ValueError(f"seed must be >= 0 (got {seed})")
    return np.random.SeedSequence(seed, spawn_key=(stable_digest(role), stable_digest(name)))


def entity_generator(seed: int, role: str, name: str) -> np.random.Generator:
    """A fresh Generator (PCG64) for entity ``name`` of kind ``role``."""
    return np.random.Generator(np.random.PCG64(entity_seed_sequence(seed, role, name)))


@dataclass(frozen=True)
class RunStreams:
    """Named, independent random generators of one run.

    The role streams are attributes; per-entity streams come from :meth:`entity`, created on
    first use and then kept for the run (so the compile step and the engine continue one stream).
    """

    seed: int
    threats: np.random.Generator
    sensors: np.random.Generator
    tracking: np.random.Generator
    engagement: np.random.Generator
    c2: np.random.Generator
    damage: np.random.Generator
    _entities: dict[tuple[str, str], np.random.Generator] = field(default_factory=dict, repr=False, compare=False)
    #: streams that so far exist only as PCG64 state rows (:meth:`states` / :meth:`put_states`)
    _rows: dict[tuple[str, str], np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def entity(self, role: str, name: str) -> np.random.Generator:
        """The run's stream of entity ``name`` of kind ``role`` (the same object on every call)."""
        key = (role, name)
        g = self._entities.get(key)
        if g is None:
            g = entity_generator(self.seed, role, name)
            row = self._rows.pop(key, None)
            if row is not None:  # the stream so far lived as a state row (compiled draws): continue it
                from iadsim.rng_kernels import store_states

                store_states([g], row.reshape(1, 4))
            self._entities[key] = g
        return g

    def entities(self, role: str, names: tuple[str, ...] | list[str]) -> tuple[np.random.Generator, ...]:
        """The streams of several entities of one role, in the order of ``names``."""
        return tuple(self.entity(role, n) for n in names)

    def states(self, role: str, names: Sequence[str]) -> np.ndarray:
        """The current PCG64 states of entities ``names`` of kind ``role``, (n, 4) uint64 (a copy).

        For compiled draws (:mod:`iadsim.rng_kernels`): advance the rows, then hand them back with
        :meth:`put_states` before any Python code draws from these streams again. An entity with
        no Generator yet is seeded in compiled code (``rng_kernels.seed_states``, bit-identical to
        ``Generator(PCG64(entity_seed_sequence(...)))``, ≈ 1 µs instead of ≈ 16 µs) and its
        stream then lives as that state row until Python asks for its Generator (:meth:`entity`).
        """
        from iadsim.rng_kernels import assembled_entropy, seed_states, states_of

        out = np.empty((len(names), 4), np.uint64)
        fresh: list[int] = []
        for i, nm in enumerate(names):
            key = (role, nm)
            g = self._entities.get(key)
            if g is not None:
                out[i] = states_of([g])[0]
            elif key in self._rows:
                out[i] = self._rows[key]
            else:
                fresh.append(i)
        if fresh:
            if self.seed < 0:
                raise ValueError(f"seed must be >= 0 (got {self.seed})")
            run = assembled_entropy(self.seed, ())
            run = run + [0] * (4 - len(run))  # padded to the pool size: every entity has a spawn key
            words: list[int] = []
            starts = [0]
            for i in fresh:
                words += run
                words += _key_words(role, names[i])
                starts.append(len(words))
            out[fresh] = seed_states(np.array(words, np.uint64), np.array(starts, np.int64))
        return out

    def put_states(self, role: str, names: Sequence[str], states: np.ndarray) -> None:
        """Hand back the rows of :meth:`states` advanced by compiled draws (the streams continue there)."""
        from iadsim.rng_kernels import store_states

        for i, nm in enumerate(names):
            key = (role, nm)
            g = self._entities.get(key)
            if g is not None:
                store_states([g], states[i : i + 1])
            else:
                self._rows[key] = np.array(states[i], np.uint64)


def make_streams(seed: int) -> RunStreams:
    """Spawn the named generators of one run from a single integer seed."""
    if seed < 0:
        raise ValueError(f"seed must be >= 0 (got {seed})")
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    gens = {name: np.random.Generator(np.random.PCG64(c)) for name, c in zip(STREAMS, children)}
    return RunStreams(seed=seed, **gens)


def replication_seeds(seed: int, n: int) -> list[int]:
    """Deterministic per-replication seeds for campaigns (paired designs reuse the same list)."""
    ss = np.random.SeedSequence(seed)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in ss.spawn(n)]
