"""Campaign statistics: means, standard deviations, t confidence intervals, paired differences.

For ``n`` replications ``x_1 … x_n`` of a metric (independent, identically distributed given the
variant):

* mean ``x̄ = Σ x_i / n``; sample standard deviation ``s = sqrt(Σ (x_i − x̄)² / (n − 1))``;
* two-sided ``1 − α`` confidence interval (Student t): ``x̄ ± t_{1−α/2, n−1} · s / sqrt(n)``.
  The t interval is exact for normal data and asymptotically right for any finite-variance
  metric (central limit theorem); for small ``n`` and very skewed metrics (a rare leaker) its
  coverage can fall below nominal — add replications (``--until-ci``) rather than trusting it.
* paired difference of variant ``v`` against the baseline ``b`` over the replications both have:
  ``d_r = x_{v,r} − x_{b,r}`` and the same t interval on ``d``. Common random numbers make
  ``Var(d) = Var(x_v) + Var(x_b) − 2 Cov(x_v, x_b)`` smaller than the unpaired variance when the
  variants respond alike to the same seed; two identical variants give ``d ≡ 0`` exactly.
* replications needed for a half-width ``h``: ``n ≥ (t · s / h)²`` (iterated because t depends
  on n) — the convergence check behind ``--until-ci``.

NaN values (a metric undefined in a replication, e.g. no launches) are left out of that metric.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st


@dataclass(frozen=True)
class Estimate:
    """Mean, sd and CI of one metric (``half_width`` is NaN for n < 2)."""

    n: int
    mean: float
    sd: float
    half_width: float
    level: float = 0.95

    @property
    def lo(self) -> float:
        return self.mean - self.half_width

    @property
    def hi(self) -> float:
        return self.mean + self.half_width


def t_quantile(n: int, level: float = 0.95) -> float:
    return float(_st.t.ppf(0.5 + level / 2.0, n - 1)) if n >= 2 else math.inf


def estimate(x: np.ndarray, level: float = 0.95) -> Estimate:
    """Mean, sample sd (ddof = 1) and the t half-width of ``x`` (shape (n,)), NaNs dropped."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return Estimate(0, math.nan, math.nan, math.nan, level)
    m = float(x.mean())
    if n < 2:
        return Estimate(1, m, math.nan, math.nan, level)
    s = float(x.std(ddof=1))
    return Estimate(n, m, s, t_quantile(n, level) * s / math.sqrt(n), level)


def paired_difference(x: np.ndarray, x_rep: np.ndarray, base: np.ndarray, base_rep: np.ndarray,
                      level: float = 0.95) -> Estimate:  # fmt: skip
    """Estimate of ``x − base`` over the replication numbers both arrays have (pairs by ``rep``)."""
    common, ia, ib = np.intersect1d(np.asarray(x_rep), np.asarray(base_rep), return_indices=True)
    return estimate(np.asarray(x, float)[ia] - np.asarray(base, float)[ib], level)


def replications_needed(sd: float, half_width: float, level: float = 0.95, n_min: int = 2) -> int:
    """Smallest n with ``t_{n−1} · sd / sqrt(n) ≤ half_width``."""
    if not math.isfinite(sd) or half_width <= 0:
        raise ValueError("sd must be finite and half_width positive")
    if sd == 0:
        return n_min
    n = max(n_min, math.ceil((1.96 * sd / half_width) ** 2))
    while t_quantile(n, level) * sd / math.sqrt(n) > half_width:
        n += max(1, n // 50)
    return n


def converged(e: Estimate, half_width: float) -> bool:
    """True when the CI half-width is at most ``half_width`` (needs n ≥ 2)."""
    return e.n >= 2 and math.isfinite(e.half_width) and e.half_width <= half_width
