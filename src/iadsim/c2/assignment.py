"""Weapon–target assignment (WTA): the problem, the ``Assigner`` protocol and its solvers.

The static WTA problem (Manne 1958; Lloyd & Witsenhausen 1986 for NP-hardness): weapon types
``i = 0..W-1`` with ``mu_i`` identical rounds, targets ``j = 0..T-1`` with values ``V_j`` and
single-shot kill probabilities ``p_ij``. Choose integer rounds ``x_ij >= 0`` to

    minimise  F(x) = sum_j V_j prod_i (1 - p_ij) ** x_ij        (expected surviving value)

    subject to  sum_j x_ij <= mu_i                               (magazine / round counts)
                x_ij = 0 where not feasible[i, j]                (envelope, time-of-flight
                                                                  window, launcher readiness)
                #{j : x_ij > 0} <= channels_i                    (fire-control channels)
                sum_i x_ij <= max_per_target_j                   (doctrine: rounds per threat)

Rounds are independent (the usual WTA assumption), so ``F`` is what a C2 node expects to leak.

Solvers, resolved by the stable names of ``ASSIGNERS`` (the scenario key ``assignment:``):

``greedy``     weapon-sequential greedy marginal return;
``mmr``        maximum marginal return (den Broeder, Ellison & Emerling 1959);
``heuristic``  rounds of linear assignment + move/add/swap descent + negative-cycle
               exchanges, then a noising search under a fixed work budget;
``exact``      column generation + reduced-cost column enumeration + HiGHS MILP, time-limited,
               reporting its proven lower bound and gap (see ``iadsim.c2.wta_exact``).

The formulations are documented in ``docs/models.md`` (section "Weapon–target assignment").
No solver reads a threat's truth: ``values`` and ``pk`` are whatever the caller's threat
evaluation estimated.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol, runtime_checkable

import numpy as np

from iadsim.c2 import wta_kernels as _k

__all__ = [
    "ASSIGNERS",
    "Assigner",
    "Assignment",
    "AssignmentProblem",
    "ExactAssigner",
    "GreedyAssigner",
    "HeuristicAssigner",
    "MMRAssigner",
    "check_feasible",
    "expected_survival",
    "get_assigner",
]

_BIG = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class AssignmentProblem:
    """A static WTA instance (arrays in; validated on construction).

    Parameters
    ----------
    values : (T,) float, >= 0
        Target values ``V_j`` (e.g. value at risk from threat evaluation).
    pk : (W, T) float in [0, 1]
        Single-shot kill probability of one round of type ``i`` on target ``j``.
    counts : (W,) int, >= 0
        Rounds available per weapon type (``mu_i``): magazine and ready launchers.
    feasible : (W, T) bool, optional
        ``False`` forbids the pair (outside the envelope or time-of-flight window, launcher not
        ready). Default: all pairs allowed.
    channels : (W,) int, optional
        Most distinct targets a weapon type may engage at once (fire-control channels).
        Default: unlimited.
    max_per_target : (T,) int, optional
        Most rounds on one target (doctrine, e.g. shoot-shoot = 2). Default: unlimited.
    """

    values: np.ndarray
    pk: np.ndarray
    counts: np.ndarray
    feasible: np.ndarray | None = None
    channels: np.ndarray | None = None
    max_per_target: np.ndarray | None = None

    def __post_init__(self) -> None:
        v = np.asarray(self.values, dtype=np.float64)
        p = np.asarray(self.pk, dtype=np.float64)
        if v.ndim != 1:
            raise ValueError(f"values: expected a 1-D array of target values (got shape {v.shape})")
        if p.ndim != 2 or p.shape[1] != v.shape[0]:
            raise ValueError(f"pk: expected shape (W, {v.shape[0]}) (got {p.shape})")
        W, T = p.shape
        if not np.all(np.isfinite(v)) or np.any(v < 0):
            raise ValueError("values: every target value must be finite and >= 0")
        if not np.all(np.isfinite(p)) or np.any(p < 0) or np.any(p > 1):
            raise ValueError("pk: every kill probability must be in [0, 1]")
        c = np.asarray(self.counts)
        if c.shape != (W,) or not np.all(np.equal(np.mod(c, 1), 0)) or np.any(c < 0):
            raise ValueError(f"counts: expected {W} non-negative integers (got {c!r})")
        object.__setattr__(self, "values", v)
        object.__setattr__(self, "pk", p)
        object.__setattr__(self, "counts", c.astype(np.int64))
        if self.feasible is not None:
            f = np.asarray(self.feasible)
            if f.shape != (W, T) or f.dtype != np.bool_:
                raise ValueError(f"feasible: expected a boolean ({W}, {T}) mask (got {f.dtype} {f.shape})")
            object.__setattr__(self, "feasible", f)
        for name, n in (("channels", W), ("max_per_target", T)):
            arr = getattr(self, name)
            if arr is None:
                continue
            a = np.asarray(arr)
            if a.shape != (n,) or not np.all(np.equal(np.mod(a, 1), 0)) or np.any(a < 0):
                raise ValueError(f"{name}: expected {n} non-negative integers (got {a!r})")
            object.__setattr__(self, name, a.astype(np.int64))

    @property
    def n_weapons(self) -> int:
        """Number of weapon types ``W``."""
        return int(self.pk.shape[0])

    @property
    def n_targets(self) -> int:
        """Number of targets ``T``."""
        return int(self.pk.shape[1])

    # normalised arrays the kernels use -------------------------------------------------
    def allowed(self) -> np.ndarray:
        """(W, T) bool: feasible pairs with a positive kill probability and rounds left."""
        m = self.pk > 0.0
        if self.feasible is not None:
            m &= self.feasible
        m &= (self.counts > 0)[:, None]
        return np.ascontiguousarray(m)

    def channel_limits(self) -> np.ndarray:
        """(W,) int64 channel limits (``T`` where unlimited: no type can exceed it)."""
        if self.channels is None:
            return np.full(self.n_weapons, self.n_targets, dtype=np.int64)
        return np.minimum(self.channels, self.n_targets)

    def target_limits(self) -> np.ndarray:
        """(T,) int64 rounds-per-target limits (total rounds where unlimited)."""
        total = int(self.counts.sum())
        if self.max_per_target is None:
            return np.full(self.n_targets, total, dtype=np.int64)
        return np.minimum(self.max_per_target, total)

    def survival(self) -> np.ndarray:
        """(W, T) single-shot survival ``q = 1 - p``."""
        return np.ascontiguousarray(1.0 - self.pk)

    def log_kill(self) -> np.ndarray:
        """(W, T) ``a = -ln q`` clipped to ``A_MAX`` (certain kills)."""
        return _k.log_kill(self.survival())  # compiled: the one definition every solver uses


@dataclass(frozen=True)
class Assignment:
    """A solver's answer.

    Attributes
    ----------
    x : (W, T) int64
        Rounds of type ``i`` on target ``j``.
    objective : float
        Expected surviving value ``F(x)`` (same units as ``values``).
    solver : str
        Registry name of the solver.
    time_s : float
        Wall time of ``assign`` (s).
    bound : float
        Proven lower bound on the optimum (``exact``; ``nan`` for heuristics).
    gap : float
        ``(objective - bound) / objective`` (0 when proven optimal; ``nan`` for heuristics).
    status : str
        ``"optimal"``, ``"time_limit"`` or ``"heuristic"``.
    info : dict
        Solver statistics (columns, iterations, ...).
    """

    x: np.ndarray
    objective: float
    solver: str
    time_s: float
    bound: float = math.nan
    gap: float = math.nan
    status: str = "heuristic"
    info: dict[str, float | int | str] = field(default_factory=dict)

    def targets_of(self, i: int) -> np.ndarray:
        """(k,) targets engaged by weapon type ``i``."""
        return np.flatnonzero(self.x[i] > 0)


def expected_survival(problem: AssignmentProblem, x: np.ndarray) -> float:
    """Objective ``F(x) = sum_j V_j prod_i (1 - p_ij) ** x_ij``.

    Parameters
    ----------
    x : (W, T) int
        Rounds per pair.
    """
    q = problem.survival()
    return float(np.sum(problem.values * np.prod(q ** np.asarray(x, dtype=np.float64), axis=0)))


def check_feasible(problem: AssignmentProblem, x: np.ndarray) -> list[str]:
    """Every constraint ``x`` violates, as messages (empty list: feasible)."""
    x = np.asarray(x)
    bad: list[str] = []
    if x.shape != problem.pk.shape:
        return [f"x: shape {x.shape} != {problem.pk.shape}"]
    if np.any(x < 0):
        bad.append("negative rounds")
    over = np.flatnonzero(x.sum(axis=1) > problem.counts)
    if over.size:
        bad.append(f"counts exceeded for weapon types {over.tolist()}")
    if problem.feasible is not None and np.any(x[~problem.feasible] > 0):
        bad.append("rounds on infeasible pairs")
    if problem.channels is not None:
        ch = np.flatnonzero((x > 0).sum(axis=1) > problem.channels)
        if ch.size:
            bad.append(f"channels exceeded for weapon types {ch.tolist()}")
    if problem.max_per_target is not None:
        mt = np.flatnonzero(x.sum(axis=0) > problem.max_per_target)
        if mt.size:
            bad.append(f"max rounds per target exceeded for targets {mt.tolist()}")
    return bad


@runtime_checkable
class Assigner(Protocol):
    """A weapon–target assignment solver: one verb, arrays in, arrays out."""

    name: str

    def assign(self, problem: AssignmentProblem) -> Assignment:
        """Return a feasible assignment for ``problem``."""
        ...


def _kernel_args(problem: AssignmentProblem) -> tuple[np.ndarray, ...]:
    return (problem.values, problem.survival(), problem.allowed(), problem.counts.copy(),
            problem.channel_limits(), problem.target_limits())


def _result(problem: AssignmentProblem, x: np.ndarray, name: str, t0: float,
            **kw: object) -> Assignment:
    obj = expected_survival(problem, x)
    return Assignment(x=x, objective=obj, solver=name, time_s=time.perf_counter() - t0,
                      **kw)  # type: ignore[arg-type]


def _lsa_max(gain: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows-to-distinct-columns assignment maximising ``sum gain`` (every row assigned when
    rows <= columns, every column when rows >= columns).

    When there are at least 80 % as many rows as columns, zero-gain dummy rows make the matrix
    square so that a column reduction (subtracting each column's maximum: every column is
    assigned, the optimum is unchanged) can be applied; it makes scipy's solver ~20x faster on
    the near rank-one matrices ``S_j p_ij`` of WTA. Dummy assignments are dropped.
    """
    from scipy.optimize import linear_sum_assignment

    m, n = gain.shape
    if m >= n:
        return linear_sum_assignment(gain.max(axis=0, keepdims=True) - gain)  # type: ignore[no-any-return]
    if m >= 0.8 * n:
        g = np.vstack([gain, np.zeros((n - m, n))])
        r, c = linear_sum_assignment(g.max(axis=0, keepdims=True) - g)
        keep = r < m
        return r[keep], c[keep]
    return linear_sum_assignment(gain, maximize=True)  # type: ignore[no-any-return]


def matching_improve(problem: AssignmentProblem, x: np.ndarray, iterations: int, patience: int,
                     seed: int, max_passes: int = 200, cycles: int = 0,
                     rejects: int = 0) -> np.ndarray:
    """Very large neighbourhood search by exact re-assignment of one round per target.

    Each iteration draws one round (uniformly among its rounds) from every engaged target,
    removes them all, and re-inserts them by one linear assignment: each removed round to a
    distinct target, gain ``S'_k p_ik`` at the survival ``S'`` without the removed rounds.
    Because a target receives at most one of them, the objective change is exactly the sum of
    those gains, so the assignment is the *exact* best move of this exponential neighbourhood
    (it contains every swap and every cyclic exchange among the drawn rounds; in the spirit of
    the assignment-based neighbourhoods of Ahuja et al. 2007). The old positions are one
    feasible answer, so no iteration makes things worse; the descent of ``local_search``
    follows. Stops after ``patience`` iterations without improvement.

    Returns
    -------
    x : (W, T) int64
    """
    V, q, allowed, counts, ch, tmax = _kernel_args(problem)
    a = problem.log_kill()
    p = 1.0 - q
    W, T = q.shape
    rng = np.random.default_rng(seed)
    constrained = problem.channels is not None
    f = expected_survival(problem, x)
    stall = 0
    for it in range(iterations):
        tot = x.sum(axis=0)
        eng = np.flatnonzero(tot > 0)
        if eng.size == 0:
            break
        if it % 2 == 0:  # one round from every engaged target
            u = rng.random(eng.size) * tot[eng]
            typ = (np.cumsum(x[:, eng], axis=0) <= u[None, :]).sum(axis=0)
            src = eng
        else:  # one round from every type that fires (several may leave one target)
            n_i = x.sum(axis=1)
            typ = np.flatnonzero(n_i > 0)
            u = rng.random(typ.size) * n_i[typ]
            src = (np.cumsum(x[typ], axis=1) <= u[:, None]).sum(axis=1)
        xr = x.copy()
        np.subtract.at(xr, (typ, src), 1)
        Lr = (a * xr).sum(axis=0)
        Sr = V * np.exp(-Lr)
        totr = xr.sum(axis=0)
        ok = allowed[typ] & (totr < tmax)[None, :]
        if constrained:
            # a type may move a round to a new target only if a channel is free after removal
            used = (xr > 0).sum(axis=1)
            ok &= (xr[typ] > 0) | (used[typ] < ch[typ])[:, None]
        gain = np.where(ok, Sr[None, :] * p[typ], 0.0)
        r, c = _lsa_max(gain)
        sel = gain[r, c] > 0
        xn = xr.copy()
        if constrained:
            for rr, cc in zip(r[sel].tolist(), c[sel].tolist()):
                i = int(typ[rr])
                if xn[i, cc] == 0 and (xn[i] > 0).sum() >= ch[i]:
                    continue
                xn[i, cc] += 1
        else:
            np.add.at(xn, (typ[r[sel]], c[sel]), 1)
        xn = _k.local_search(xn, V, a, allowed, counts, ch, tmax, int(max_passes))
        if cycles > 0:
            xn = _k.cyclic_exchange(xn, V, a, allowed, counts, ch, tmax, int(cycles), int(rejects))
            xn = _k.local_search(xn, V, a, allowed, counts, ch, tmax, int(max_passes))
        fn = expected_survival(problem, xn)
        if fn < f * (1.0 - 1e-12):
            x, f = xn, fn
            stall = 0
        else:
            stall += 1
            if stall >= patience:
                break
    return x


def assignment_rounds(problem: AssignmentProblem) -> np.ndarray:
    """Construction by rounds of the linear assignment problem (Hungarian / Jonker–Volgenant).

    Round ``r``: every weapon type ``i`` with ``n_i`` rounds left contributes ``min(n_i, T)``
    rows; ``scipy.optimize.linear_sum_assignment`` gives each row a distinct target maximising
    ``sum S_j p_ij`` (the marginal returns at the current survival ``S``). Pairs are committed in
    decreasing gain while they respect every constraint; rounds repeat until none is committed.
    Exact when every weapon fires once at distinct targets (square instances are near it).

    Returns
    -------
    x : (W, T) int64
    """
    V, q, allowed, counts, ch, tmax = _kernel_args(problem)
    if q.shape == (1, 1):  # one weapon type, one target (most engine cycles): the rounds in closed form
        return _rounds_one(V, q, allowed, counts, ch, tmax)
    return _rounds_general(problem, V, q, allowed, counts, ch, tmax)


_rounds_one = _k.rounds_one  # :func:`assignment_rounds` of a 1 × 1 instance in closed form (compiled)


def _rounds_general(problem: AssignmentProblem, V: np.ndarray, q: np.ndarray, allowed: np.ndarray,
                    counts: np.ndarray, ch: np.ndarray, tmax: np.ndarray) -> np.ndarray:  # fmt: skip
    """:func:`assignment_rounds` of any instance (the rounds of linear assignment)."""
    W, T = q.shape
    x = np.zeros((W, T), dtype=np.int64)
    S = V.copy()
    remaining = counts.copy()
    p = 1.0 - q
    while True:
        reps = np.minimum(remaining, T)
        rows = np.repeat(np.arange(W), reps)
        if rows.size == 0:
            break
        used_ch = (x > 0).sum(axis=1)
        tot = x.sum(axis=0)
        ok = allowed[rows] & (tot < tmax)[None, :] & (
            (x[rows] > 0) | (used_ch[rows] < ch[rows])[:, None])
        gain = np.where(ok, S[None, :] * p[rows], 0.0)
        r_idx, c_idx = _lsa_max(gain)
        g = gain[r_idx, c_idx]
        order = np.argsort(-g, kind="stable")
        committed = 0
        if problem.channels is None and problem.max_per_target is None:
            # rows of one type never exceed its rounds left: commit the whole round at once
            sel = g > 0
            ii, jj = rows[r_idx[sel]], c_idx[sel]
            np.add.at(x, (ii, jj), 1)
            np.subtract.at(remaining, ii, 1)
            S[jj] *= q[ii, jj]  # targets of one round are distinct
            if ii.size == 0:
                break
            continue
        for o in order[g[order] > 0]:  # at most min(rows, T) pairs per round
            i, j = int(rows[r_idx[o]]), int(c_idx[o])
            if remaining[i] <= 0 or x[:, j].sum() >= tmax[j]:
                continue
            if x[i, j] == 0 and (x[i] > 0).sum() >= ch[i]:
                continue
            x[i, j] += 1
            remaining[i] -= 1
            S[j] *= q[i, j]
            committed += 1
        if committed == 0:
            break
    return x


@dataclass
class GreedyAssigner:
    """Weapon-sequential greedy: each round, in weapon-type order, to its best target."""

    name: str = "greedy"

    def assign(self, problem: AssignmentProblem) -> Assignment:
        t0 = time.perf_counter()
        x = _k.greedy_construct(*_kernel_args(problem))
        return _result(problem, x, self.name, t0)


@dataclass
class MMRAssigner:
    """Maximum marginal return: repeatedly the pair with the largest drop ``S_j p_ij``."""

    name: str = "mmr"

    def assign(self, problem: AssignmentProblem) -> Assignment:
        t0 = time.perf_counter()
        x = _k.mmr_construct(*_kernel_args(problem))
        return _result(problem, x, self.name, t0)


@dataclass
class HeuristicAssigner:
    """Linear-assignment rounds, descent, then a noising search with a fixed work budget.

    1. ``assignment_rounds`` (rounds of linear assignment), then the move/add/swap descent
       ``wta_kernels.local_search``. If the start keeps at most one round per target and
       nothing limits channels or rounds per target, it is already the best "one round per
       target" assignment and is returned (square instances).
    2. Otherwise ``wta_kernels.noising_search``: the descent ``D`` (move/add/swap, then
       negative-cycle exchanges ``cyclic_exchange``, then move/add/swap again), followed by
       ``n_it`` iterations that each descend on an objective whose log-kill weights are noised
       by log-normal factors ``exp(s * xi)`` (``s`` = ``sigma``, doubled up to ``4 sigma``
       while the search stalls), then on the true objective; a result within 1 % of the best
       becomes the current solution (record-to-record travel) and the best is returned (the
       noising method of Charon & Hudry 1993). It stops early after ``patience`` iterations
       in a row without improvement.

    The iteration count is a fixed *work budget*, the same formula for every instance. The
    cost of one iteration grows faster than ``R * T`` (``R`` rounds in all, ``T`` targets):
    the swap neighbourhood is quadratic in the rounds and the cycle search runs on a graph of
    ``W + 1`` nodes for a number of cycles that grows with ``R``; measured, it grows about as
    ``(R T)^1.3 .. (R T)^1.5`` on the public instances (1.8 ms at ``R T = 1.5e4``, 11 ms at
    ``6e4``, one core). So

        n_it = clip(ceil(work / (R T)^1.5), min_iterations, max_iterations),

    which gives 21 iterations on ``wta_50x100x3`` and 3 on ``wta_100x200x3``. Deterministic:
    no wall-clock limit, the result depends only on the problem and ``seed``. One parameter
    set for every instance and every caller (the defaults below), chosen on the public
    instances of Andersen, Pavlikov & Toffolo (2022) to keep each under 100 ms
    (``benchmarks/results/wta.md``).

    Parameters
    ----------
    max_passes : int
        Cap on passes of each move/add/swap descent (each pass scans every neighbourhood once).
    seed : int
        Seed of the noise (the result is deterministic for a given seed).
    sigma : float
        Standard deviation of the log of the noise factors on ``a_ij = -ln(1 - p_ij)``.
    work : float
        Work budget (elementary steps, see above) of the noising iterations.
    min_iterations, max_iterations : int
        Bounds on the number of noising iterations.
    patience : int
        Consecutive noising iterations without improvement after which the search stops.
    max_cycles, max_rejects : int
        Per call of ``cyclic_exchange``: most cycles applied, most rejected cycles retried.
    """

    name: str = "heuristic"
    max_passes: int = 200
    seed: int = 0
    sigma: float = 0.1
    work: float = 3.7e7
    min_iterations: int = 2
    max_iterations: int = 30
    patience: int = 10
    max_cycles: int = 1000
    max_rejects: int = 20

    def _kernel_parameters(self) -> tuple[int, float, int, int, int, float, int, int, int]:
        """The parameters of :func:`iadsim.c2.wta_kernels.heuristic_one_by_one`, in its order."""
        return (int(self.max_passes), float(self.work), int(self.min_iterations), int(self.max_iterations),
                int(self.patience), float(self.sigma), int(self.seed), int(self.max_cycles), int(self.max_rejects))

    def iterations(self, problem: AssignmentProblem) -> int:
        """Noising iterations for ``problem``: ``clip(ceil(work / (R T)^1.5), min, max)``."""
        return int(_k.heuristic_iterations(int(problem.counts.sum()), problem.n_targets, float(self.work),
                                           int(self.min_iterations), int(self.max_iterations)))

    def assign(self, problem: AssignmentProblem) -> Assignment:
        t0 = time.perf_counter()
        V, q, allowed, counts, ch, tmax = _kernel_args(problem)
        if q.shape == (1, 1) and problem.channels is not None:  # most engine cycles: the steps below, one call
            x = _k.heuristic_one_by_one(V, q, allowed, counts, ch, tmax, *self._kernel_parameters())
            return _result(problem, x, self.name, t0, info={"iterations": self.iterations(problem)})
        a = problem.log_kill()
        # the linear-assignment start beat MMR + descent on every public instance measured
        # (benchmarks/results/wta.md), so it is the only start
        x0 = assignment_rounds(problem)
        x = _k.local_search(x0, V, a, allowed, counts, ch, tmax, int(self.max_passes))
        # With at most one round per target and no channel / per-target limits, the start is
        # the optimum over all "<= 1 round per target" assignments (one linear assignment), so
        # if the descent kept that shape and did not lose value, there is nothing to search.
        single = (problem.channels is None and problem.max_per_target is None
                  and int(x0.sum(axis=0).max(initial=0)) <= 1
                  and int(x.sum(axis=0).max(initial=0)) <= 1
                  and expected_survival(problem, x) <= expected_survival(problem, x0))
        if single:
            return _result(problem, x, self.name, t0)
        n_it = self.iterations(problem)
        x = _k.noising_search(x, V, a, allowed, counts, ch, tmax, n_it, int(self.patience),
                              float(self.sigma), int(self.seed), int(self.max_passes),
                              int(self.max_cycles), int(self.max_rejects))
        return _result(problem, x, self.name, t0, info={"iterations": n_it})


@dataclass
class ExactAssigner:
    """Exact WTA by column generation, reduced-cost enumeration and a HiGHS MILP.

    Parameters
    ----------
    time_limit : float
        Wall-clock limit (s) for the whole solve. The heuristic start is always computed first;
        column generation and the MILPs get what is left (at least 0.05 s, and the current
        HiGHS call or pricing round finishes). On expiry the best solution found is returned
        with its proven bound and gap (``status="time_limit"``).
    rel_gap : float
        Relative optimality tolerance asked of HiGHS.
    max_columns : int
        Cap on enumerated columns; above it the MILP covers only the cheapest columns and the
        result is not claimed optimal unless its bound proves it.
    """

    name: str = "exact"
    time_limit: float = 60.0
    rel_gap: float = 1e-7
    max_columns: int = 400_000

    def assign(self, problem: AssignmentProblem) -> Assignment:
        from iadsim.c2.wta_exact import solve_exact

        t0 = time.perf_counter()
        start = HeuristicAssigner().assign(problem)
        res = solve_exact(problem, start.x, time_limit=self.time_limit - (time.perf_counter() - t0),
                          rel_gap=self.rel_gap, max_columns=self.max_columns)
        obj = expected_survival(problem, res.x)
        bound = min(res.bound, obj)
        gap = 0.0 if obj <= 0 else max(0.0, (obj - bound) / obj)
        return Assignment(x=res.x, objective=obj, solver=self.name,
                          time_s=time.perf_counter() - t0, bound=bound, gap=gap,
                          status=res.status, info=res.info)


ASSIGNERS: dict[str, Callable[..., Assigner]] = {
    "greedy": GreedyAssigner,
    "mmr": MMRAssigner,
    "heuristic": HeuristicAssigner,
    "exact": ExactAssigner,
}
"""Stable solver names (the scenario key ``assignment: greedy|mmr|heuristic|exact``)."""


def get_assigner(name: str, **options: object) -> Assigner:
    """The solver registered under ``name``, built with ``options``.

    Raises
    ------
    ValueError
        Unknown name (the message lists the known ones).
    """
    try:
        factory = ASSIGNERS[name]
    except KeyError:
        raise ValueError(f"unknown assignment solver {name!r} (known: {', '.join(ASSIGNERS)})") from None
    return factory(**options)
