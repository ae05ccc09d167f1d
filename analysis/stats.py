"""Estimates with 95% confidence intervals, the measure of impact, and what counts as a
material effect: the statistical conventions every claim shares.

Every number a verdict rests on is an ``Estimate``: a value with the bounds of a 95%
bootstrap confidence interval (``scipy.stats.bootstrap``). Comparisons between arms of
an experiment run on common random numbers, so they are *paired*: replication r of every
arm used the same seed, and the bootstrap resamples replications, keeping each seed's
arms together.

Usage::

    from backbone.analysis.stats import mean_ci, paired_diff_ci, bootstrap_ci
    mean_ci([0.71, 0.74, 0.69])                       # Estimate(value, lo, hi)
    paired_diff_ci(with_backbone, without)            # mean of the paired differences
    bootstrap_ci((a, b), lambda a, b: a.mean() / b.mean())

Conventions (docs/CLAIMS.md repeats them):

- ``IMPACT = "long_term_impact"``: the mean share of the target population with a
  sustained outcome over the last 12 months of a run. Every claim is judged on it.
- ``MATERIAL = 0.01``: an effect smaller than one percentage point of the target
  population is immaterial, whatever its confidence interval.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

IMPACT = "long_term_impact"
MATERIAL = 0.01
LEVEL = 0.95
N_RESAMPLES = 2000


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its 95% confidence interval [lo, hi]."""

    value: float
    lo: float
    hi: float

    def excludes(self, x: float = 0.0) -> bool:
        """True when ``x`` lies outside the interval."""
        return bool(self.lo > x or self.hi < x)

    def above(self, x: float) -> bool:
        return bool(self.lo > x)

    def below(self, x: float) -> bool:
        return bool(self.hi < x)

    def overlaps(self, lo: float, hi: float) -> bool:
        return bool(self.hi >= lo and self.lo <= hi)

    def scaled(self, k: float) -> "Estimate":
        vals = sorted((self.lo * k, self.hi * k))
        return Estimate(self.value * k, vals[0], vals[1])

    def fmt(self, digits: int = 3, pct: bool = False) -> str:
        """``0.123 [0.101, 0.145]``, or in percent with ``pct``."""
        if pct:
            return f"{100 * self.value:.{max(digits - 2, 0)}f}% [{100 * self.lo:.{max(digits - 2, 0)}f}, {100 * self.hi:.{max(digits - 2, 0)}f}]"
        return f"{self.value:.{digits}g} [{self.lo:.{digits}g}, {self.hi:.{digits}g}]"

    def as_dict(self, prefix: str = "") -> dict[str, float]:
        return {f"{prefix}value" if prefix else "value": self.value,
                f"{prefix}lo": self.lo, f"{prefix}hi": self.hi}


def bootstrap_ci(samples: Sequence[Sequence[float]], statistic: Callable[..., float], *,
                 paired: bool = True, seed: int = 0, n_resamples: int = N_RESAMPLES,
                 level: float = LEVEL) -> Estimate:
    """The statistic on the data and its bootstrap confidence interval.

    ``statistic(*arrays)`` takes one 1-d array per sample and returns a number. With
    ``paired`` (the default: arms on common random numbers) the samples have equal
    length and are resampled together, index by index. BCa intervals, falling back to
    percentile intervals where BCa is undefined (a statistic with infinite values); a
    sample whose statistic never varies gets the zero-width interval.
    """
    arrays = [np.asarray(s, dtype=float) for s in samples]
    if not arrays or any(a.size == 0 for a in arrays):
        raise ValueError("bootstrap_ci: every sample needs at least one value")
    if paired and len({a.size for a in arrays}) > 1:
        raise ValueError("bootstrap_ci: paired samples must have the same length")
    value = float(statistic(*arrays))
    if arrays[0].size < 2:
        return Estimate(value, np.nan, np.nan)

    def stat(*xs, axis=-1):
        return statistic(*xs)

    from scipy import stats  # here, not at the top: scipy.stats costs ~0.7 s to import, and most commands never bootstrap

    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = stats.bootstrap(tuple(arrays), stat, paired=paired, vectorized=False,
                                  n_resamples=n_resamples, confidence_level=level,
                                  method=method, rng=np.random.default_rng(seed))
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if np.isfinite(lo) and np.isfinite(hi):
            return Estimate(value, lo, hi)
        dist = np.asarray(res.bootstrap_distribution, dtype=float)
        finite = dist[np.isfinite(dist)]
        if finite.size and np.ptp(finite) == 0.0 and finite.size == dist.size:
            return Estimate(value, value, value)
    return Estimate(value, np.nan, np.nan)


def mean_ci(x: Sequence[float], seed: int = 0, **kw) -> Estimate:
    """Mean of ``x`` with its bootstrap 95% CI."""
    return bootstrap_ci((x,), np.mean, paired=False, seed=seed, **kw)


def paired_diff_ci(a: Sequence[float], b: Sequence[float], seed: int = 0, **kw) -> Estimate:
    """Mean of the paired differences a - b (same seeds) with its bootstrap 95% CI."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        raise ValueError("paired_diff_ci: a and b must have the same length (one value per seed)")
    return mean_ci(a - b, seed=seed, **kw)


def effect_words(est: Estimate, material: float = MATERIAL, unit: str = "pp") -> str:
    """'+3.1 pp [+2.0, +4.2]' for an impact difference (pp = percentage points)."""
    return f"{100 * est.value:+.1f} {unit} [{100 * est.lo:+.1f}, {100 * est.hi:+.1f}]"


def is_material(est: Estimate, material: float = MATERIAL) -> bool:
    """A positive effect that is both clear (CI above 0) and material (mean >= material)."""
    return bool(est.lo > 0.0 and est.value >= material)


def share_ci(flags: Sequence[bool], seed: int = 0) -> Estimate:
    """Share of True values with a bootstrap 95% CI (the share of an uncertainty space)."""
    x = np.asarray(flags, dtype=float)
    return mean_ci(x, seed=seed)
