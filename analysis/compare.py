"""Comparing scenarios on common random numbers: replicated runs and paired statistics.

Replication r runs every scenario with the same seed (``seed0 + r``), so the arms share
turnover, needs and shocks (the model draws each process from its own named stream).
The differences between arms are then paired by seed, which removes most of the noise
the arms have in common.

Statistics (``paired_table``), per scorecard metric at the horizon, one interval method
per kind of statistic (``analysis.stats.METHODS``), named in the columns ``ci_method``
and ``diff_method``:

- each scenario, a metric bounded in [0, 1] (a share, a 0-1 scale: ``bounded``): the
  mean over replications and its bootstrap BCa interval (``stats.bounded_mean_ci``),
  which never leaves [0, 1];
- each scenario, any other metric (people, money, ratios): the mean and its two-sided
  t-interval, mean +- t(1 - alpha/2, n - 1) * sd / sqrt(n), with ``scipy.stats.t``;
- each scenario but the reference (the first): the mean of the paired differences
  (scenario - reference, same seed) and the same t-interval on those differences
  (the interval of a paired t-test).

Values that are not finite are left out (pairs with one for the difference); ``n`` says
how many were used.

Usage::

    from backbone.analysis.compare import compare_scenarios, run_scenarios, paired_table
    runs = run_scenarios({"no": Params(backbone_share=0), "bb": Params()}, replications=30)
    table = paired_table(runs)                  # one row per (metric, scenario)
"""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from backbone.experiments import Executor
from backbone.simulation import SCORECARD, Params

# The balanced scorecard, plus the long-term impact (mean impact_share over the last
# 12 months), the measure of mission success the claims are about.
COMPARE_ROWS = SCORECARD[:1] + (
    ("impact", "long_term_impact", "mean share with a sustained outcome over the last 12 months"),
) + SCORECARD[1:]
COMPARE_METRICS = tuple(m for _, m, _ in COMPARE_ROWS)
# Also kept per run (not rows of the table): the ingredients of net SROI (analysis.value).
EXTRA_METRICS = ("value_gross", "spent_pv")
TABLE_COLUMNS = ("perspective", "metric", "scenario", "n", "mean", "ci_low", "ci_high",
                 "diff", "diff_low", "diff_high", "share_higher", "ci_method", "diff_method")


def bounded(metric: str) -> bool:
    """True for a metric whose values lie in [0, 1] (a share or a 0-1 scale:
    ``analysis.labels``): its mean gets an interval that stays in [0, 1]."""
    from .labels import metric_label

    return tuple(metric_label(metric, metric, "")[1]) == (0.0, 1.0)


def level_interval(values: np.ndarray, metric: str, confidence: float = 0.95) -> tuple[int, float, float, float, str]:
    """(n, mean, low, high, method) of one scenario's values of ``metric``: the bootstrap
    BCa interval for a bounded metric, else the t-interval."""
    from .stats import T, bounded_mean_ci

    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if bounded(metric):
        est = bounded_mean_ci(np.clip(x, 0.0, 1.0), level=confidence)
        return len(x), est.value, est.lo, est.hi, est.method
    return (*t_interval(x, confidence), T)


def compare_record(res, params, seed: int) -> dict:
    """What a compared run keeps (in a worker): its seed and ``COMPARE_METRICS +
    EXTRA_METRICS`` at the horizon (the record of ``analysis.scenario_runs``, summary only)."""
    summary = res.summary()
    return {"seed": int(seed), "summary": {m: summary[m] for m in COMPARE_METRICS + EXTRA_METRICS}}


def run_scenarios(params_by_name: Mapping[str, Params], replications: int, seed0: int = 0,
                  executor: Executor | None = None, posterior=None) -> pd.DataFrame:
    """Run every scenario ``replications`` times on common random numbers (replication r
    with seed ``seed0 + r``): one row per (scenario, replication) with ``seed`` and every
    metric of ``COMPARE_METRICS``, ordered by replication, then scenario as given. The
    runs go through the analysis' arm runner (``analysis.scenario_runs.run_arm_records``,
    then ``experiments.run_many``) on ``executor``; the table is the same
    wherever they ran. ``posterior``: replication r of every arm uses posterior draw r
    (``experiments.posterior.replication_draws``)."""
    from .scenario_runs import run_arm_records

    names = list(params_by_name)
    got = run_arm_records({n: params_by_name[n] for n in names}, replications, seed0, executor, posterior,
                          keep=compare_record)
    rows = [(name, r, seed0 + r, *got[name][r]["summary"].values()) for r in range(replications) for name in names]
    table = pd.DataFrame(rows, columns=["scenario", "replication", "seed", *COMPARE_METRICS, *EXTRA_METRICS])
    if posterior is not None and replications > 0:
        table.insert(3, "particle", [posterior.index(int(r), seed0) for r in table["replication"]])
    return table


def t_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[int, float, float, float]:
    """(n, mean, low, high): the mean of the finite values and its t-interval (NaN bounds
    with fewer than two values)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return 0, np.nan, np.nan, np.nan
    mean = float(x.mean())
    if n < 2:
        return n, mean, np.nan, np.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))
    return n, mean, mean - half, mean + half


def share_higher(differences: np.ndarray) -> float:
    """Share of paired differences above 0, ties counted half (NaN with none)."""
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    return float((np.sum(d > 0) + 0.5 * np.sum(d == 0)) / len(d)) if len(d) else np.nan


def paired_table(runs: pd.DataFrame, reference: str | None = None, confidence: float = 0.95,
                 rows: Iterable[tuple[str, str, str]] = COMPARE_ROWS) -> pd.DataFrame:
    """Mean and interval of each scenario (``level_interval``), and the mean and paired
    t-interval of its difference with
    ``reference`` (default: the first scenario in ``runs``), per metric; columns
    ``TABLE_COLUMNS``, one row per (metric, scenario). ``share_higher``: the share of seeds
    on which the scenario's value is above the reference's (ties count half; the
    common-language effect size of McGraw & Wong 1992, on pairs): how often, not how much."""
    names = list(dict.fromkeys(runs["scenario"]))
    reference = names[0] if reference is None else reference
    wide = {name: runs[runs["scenario"] == name].set_index("seed") for name in names}
    base = wide[reference]
    out = []
    from .stats import PAIRED_T

    for perspective, metric, _ in rows:
        for name in names:
            n, mean, lo, hi, method = level_interval(wide[name][metric].to_numpy(), metric, confidence)
            diff = (np.nan,) * 3
            higher = np.nan
            diff_method = ""
            if name != reference:
                d = (wide[name][metric] - base[metric]).dropna()  # aligned on seed
                diff = t_interval(d.to_numpy(), confidence)[1:]
                higher = share_higher(d.to_numpy())
                diff_method = PAIRED_T
            out.append((perspective, metric, name, n, mean, lo, hi, *diff, higher, method, diff_method))
    return pd.DataFrame(out, columns=list(TABLE_COLUMNS))


def compare_scenarios(params_by_name: Mapping[str, Params], replications: int, seed0: int = 0,
                      confidence: float = 0.95, executor: Executor | None = None) -> pd.DataFrame:
    """``paired_table`` of ``run_scenarios``: the comparison in one call; the first
    scenario is the reference for the differences."""
    return paired_table(run_scenarios(params_by_name, replications, seed0, executor), confidence=confidence)


__all__ = ["COMPARE_ROWS", "COMPARE_METRICS", "TABLE_COLUMNS", "compare_record", "run_scenarios", "t_interval",
           "bounded", "level_interval",
           "paired_table", "compare_scenarios"]
