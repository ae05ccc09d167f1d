"""Estimates with 95% confidence intervals, the measure of impact, and what counts as a
material effect: the statistical conventions every claim shares.

Every number a verdict rests on is an ``Estimate``: a value with the bounds of a 95%
confidence interval and the name of the method that made it (``Estimate.method``). Comparisons between arms of
an experiment run on common random numbers, so they are *paired*: replication r of every
arm used the same seed, and the bootstrap resamples replications, keeping each seed's
arms together.

Usage::

    from backbone.analysis.stats import mean_ci, paired_diff_ci, bootstrap_ci
    mean_ci([0.71, 0.74, 0.69])                       # Estimate(value, lo, hi)
    paired_diff_ci(with_backbone, without)            # mean of the paired differences
    bootstrap_ci((a, b), lambda a, b: a.mean() / b.mean())

One interval method per kind of statistic (``METHODS``; the name travels with each
``Estimate`` and is printed beside the intervals):

- a *share of runs or points* (0/1 outcomes: the share of runs where an event happened,
  of the uncertainty points where a claim holds): the Wilson score interval
  (``share_ci``, ``wilson_ci``; Wilson 1927, "Probable inference, the law of succession,
  and statistical inference", JASA 22:209-212), inside [0, 1] by construction, and not
  zero-width at 0% or 100%;
- a *mean of a bounded quantity* (a share of the population, trust on a 0-1 scale, any
  per-run value in [0, 1]): the bootstrap BCa interval of the mean (``bounded_mean_ci``);
  a bootstrap mean never leaves the range of the data, so the interval stays in [0, 1];
- a *mean of an unbounded quantity* (people, money, ratios) and a *paired difference*:
  the Student t-interval (``t_ci``; in ``compare``, ``validate``) or, for the claims'
  own estimates, the bootstrap BCa interval (``mean_ci``, ``paired_diff_ci``,
  ``bootstrap_ci``);
- a *ratio of sums over runs*: the paired bootstrap BCa interval (``bootstrap_ci``);
- a *survival share* (still going at a time, with censoring): the Kaplan-Meier estimate
  with Greenwood log-log bands (``analysis.survival``), inside [0, 1].

Conventions (docs/CLAIMS.md repeats them):

- ``IMPACT = "long_term_impact"``: the mean share of the target population with a
  sustained outcome over the last 12 months of a run. Every claim is judged on it.
- ``MATERIAL = 0.01``: an effect smaller than one percentage point of the target
  population is immaterial, whatever its confidence interval.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

IMPACT = "long_term_impact"
MATERIAL = 0.01
LEVEL = 0.95
N_RESAMPLES = 2000

WILSON = "Wilson score"
BOOTSTRAP = "bootstrap BCa"
T = "Student t"
PAIRED_T = "paired Student t"
# The interval method of each kind of statistic (see the module docstring).
METHODS = {
    "share": WILSON,             # share of runs (or points) with a 0/1 outcome
    "bounded mean": BOOTSTRAP,   # mean over runs of a quantity in [0, 1]
    "mean": T,                   # mean over runs of an unbounded quantity (compare, validate)
    "difference": PAIRED_T,      # mean paired difference, same seeds (compare)
    "ratio": BOOTSTRAP,          # ratio of sums over runs
    "survival": "Kaplan-Meier, Greenwood log-log",  # share still going at a time (analysis.survival)
}


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its 95% confidence interval [lo, hi] and the name of the
    interval's method (``METHODS``; not part of equality)."""

    value: float
    lo: float
    hi: float
    method: str = field(default="", compare=False)

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
        return Estimate(self.value * k, vals[0], vals[1], self.method)

    def fmt(self, digits: int = 3, pct: bool = False) -> str:
        """``0.123 [0.101, 0.145]``, or in percent with ``pct``."""
        if pct:
            return f"{100 * self.value:.{max(digits - 2, 0)}f}% [{100 * self.lo:.{max(digits - 2, 0)}f}, {100 * self.hi:.{max(digits - 2, 0)}f}]"
        return f"{self.value:.{digits}g} [{self.lo:.{digits}g}, {self.hi:.{digits}g}]"

    def as_dict(self, prefix: str = "") -> dict[str, float]:
        return {f"{prefix}value" if prefix else "value": self.value,
                f"{prefix}lo": self.lo, f"{prefix}hi": self.hi}

    def to_json(self, unit: str = "", name: str = "") -> dict:
        """Numbers as numbers, for ``--json``: ``{"value": v, "ci": [lo, hi], "ci_method":
        ..., "level": 0.95}`` (NaN as None), with ``unit`` and ``name`` when given."""
        out = {"name": name} if name else {}
        out.update({"value": json_number(self.value), "ci": [json_number(self.lo), json_number(self.hi)],
                    "ci_method": self.method or None, "level": LEVEL})
        if unit:
            out["unit"] = unit
        return out


def json_number(x) -> float | None:
    """A float for JSON, None for NaN or infinity."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


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
        return Estimate(value, np.nan, np.nan, BOOTSTRAP)

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
            return Estimate(value, lo, hi, BOOTSTRAP if method == "BCa" else "bootstrap percentile")
        dist = np.asarray(res.bootstrap_distribution, dtype=float)
        finite = dist[np.isfinite(dist)]
        if finite.size and np.ptp(finite) == 0.0 and finite.size == dist.size:
            return Estimate(value, value, value, BOOTSTRAP)
    return Estimate(value, np.nan, np.nan, BOOTSTRAP)


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


def wilson_ci(k: int, n: int, level: float = LEVEL) -> Estimate:
    """The share k / n with its Wilson score interval (``scipy.stats.binomtest``), always
    inside [0, 1]; NaN with n = 0."""
    if n <= 0:
        return Estimate(np.nan, np.nan, np.nan, WILSON)
    if not 0 <= k <= n:
        raise ValueError(f"wilson_ci: k = {k} is not allowed: expected a whole number in [0, n = {n}]")
    from scipy import stats

    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return Estimate(k / n, max(0.0, float(ci.low)), min(1.0, float(ci.high)), WILSON)


def share_ci(flags: Sequence[bool], seed: int = 0, level: float = LEVEL) -> Estimate:
    """Share of True values with its Wilson score 95% CI (the share of runs where
    something happened, of an uncertainty space where a claim holds). ``seed`` is kept
    for the callers of the former bootstrap version; the Wilson interval draws nothing."""
    x = np.asarray(flags, dtype=float)
    x = x[np.isfinite(x)]
    if not np.isin(x, (0.0, 1.0)).all():
        raise ValueError("share_ci: a share needs 0/1 (False/True) values")
    return wilson_ci(int(x.sum()), int(x.size), level)


def bounded_mean_ci(x: Sequence[float], lo: float = 0.0, hi: float = 1.0, seed: int = 0,
                    n_resamples: int = N_RESAMPLES, level: float = LEVEL) -> Estimate:
    """Mean of the finite values of ``x``, a quantity bounded in [lo, hi] (a share, a 0-1
    scale), with its bootstrap BCa 95% CI (percentile where BCa is undefined). A
    bootstrap mean never leaves the range of the data, so the interval stays inside
    [lo, hi]; a sample without variation gets the zero-width interval; NaN bounds with
    fewer than two values."""
    a = np.asarray(x, dtype=float)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return Estimate(np.nan, np.nan, np.nan, BOOTSTRAP)
    if ((a < lo - 1e-12) | (a > hi + 1e-12)).any():
        raise ValueError(f"bounded_mean_ci: values must lie in [{lo}, {hi}]")
    value = float(a.mean())
    if a.size < 2:
        return Estimate(value, np.nan, np.nan, BOOTSTRAP)
    if np.ptp(a) == 0.0:
        return Estimate(value, value, value, BOOTSTRAP)
    from scipy import stats

    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = stats.bootstrap((a,), np.mean, vectorized=True, n_resamples=n_resamples,
                                  confidence_level=level, method=method, rng=np.random.default_rng(seed))
        c_lo, c_hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if np.isfinite(c_lo) and np.isfinite(c_hi):
            name = BOOTSTRAP if method == "BCa" else "bootstrap percentile"
            return Estimate(value, min(max(c_lo, lo), value), max(min(c_hi, hi), value), name)
    return Estimate(value, np.nan, np.nan, BOOTSTRAP)


def t_ci(x: Sequence[float], level: float = LEVEL, paired: bool = False) -> Estimate:
    """Mean of the finite values with its Student t-interval (for unbounded quantities
    and paired differences); NaN bounds with fewer than two values."""
    a = np.asarray(x, dtype=float)
    a = a[np.isfinite(a)]
    name = PAIRED_T if paired else T
    if a.size == 0:
        return Estimate(np.nan, np.nan, np.nan, name)
    value = float(a.mean())
    if a.size < 2:
        return Estimate(value, np.nan, np.nan, name)
    from scipy import stats

    half = float(stats.t.ppf(0.5 + level / 2, a.size - 1) * a.std(ddof=1) / np.sqrt(a.size))
    return Estimate(value, value - half, value + half, name)


def bootstrap_band(matrix: np.ndarray, lo: float = 0.0, hi: float = 1.0, seed: int = 0,
                   n_resamples: int = 1000, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and percentile-bootstrap band, per column, of a (runs x times) matrix of a
    bounded quantity (e.g. the share with a sustained outcome, month by month): the runs
    are resampled together (one draw serves every month), so the band stays in [lo, hi].
    NaNs are left out of each column's means."""
    m = np.asarray(matrix, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mean = np.nanmean(m, axis=0)
        if m.shape[0] < 2:
            return mean, np.full_like(mean, np.nan), np.full_like(mean, np.nan)
        idx = np.random.default_rng(seed).integers(0, m.shape[0], size=(n_resamples, m.shape[0]))
        boot = np.nanmean(m[idx], axis=1)               # (n_resamples, times)
        a = (1 - level) / 2
        low, high = np.nanquantile(boot, a, axis=0), np.nanquantile(boot, 1 - a, axis=0)
    return mean, np.clip(low, lo, hi), np.clip(high, lo, hi)
