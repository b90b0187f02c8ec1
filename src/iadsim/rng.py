"""One seed per run.

``numpy.random.SeedSequence(seed)`` spawns one child stream per role, always in the same order, so
the same scenario and seed give identical results, and adding draws to one role never shifts the
numbers another role sees. Functions take an explicit ``rng``; nothing uses global state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Stream names, in spawn order. Append new roles at the end only (keeps old results reproducible).
STREAMS: tuple[str, ...] = ("threats", "sensors", "tracking", "engagement", "c2", "damage")


@dataclass(frozen=True)
class RunStreams:
    """Named, independent random generators of one run."""

    seed: int
    threats: np.random.Generator
    sensors: np.random.Generator
    tracking: np.random.Generator
    engagement: np.random.Generator
    c2: np.random.Generator
    damage: np.random.Generator


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
