"""Value for money as evaluators count it: gross and net SROI (Nicholls et al. 2012, A
guide to Social Return on Investment, Cabinet Office / SROI Network).

A run reports its own gross figures (``simulation``, ODD 7.10): ``value_gross``, the
discounted value of the person-years people held a sustained outcome (plus the outcomes
held at the end, projected ``benefit_duration`` years ahead with drop-off), and
``spent_pv``, the discounted spend; ``sroi = value_gross / spent_pv``. Deadweight (what
would have happened anyway) cannot come from one run: it comes from the same partnership
run without the partnership, ``counterfactual(params)`` (no money, no partnership work:
the scenario ``no_partnership``), on the same seed (common random numbers: the same
people, needs, newcomers and uptake draws). Then, per seed,

    net value     = (value_gross(arm) - value_gross(counterfactual)) x (1 - attribution_others)
    net SROI      = net value / spent_pv(arm)
    additional    = outcomes_total(arm) - outcomes_total(counterfactual)
    net cost per additional sustained outcome = spent_total(arm) / additional  (NaN if <= 0)

and over seeds the ratios of sums (``value_summary``; "all runs pooled",
``analysis.labels.FIGURES``), net SROI with the paired bootstrap interval of its ratio of
sums (``pooled_ratio``: the one definition the report's money table uses too).

Usage::

    from backbone.analysis.value import run_value, value_summary
    per_seed = run_value({"baseline": Params()}, replications=100)
    value_summary(per_seed)        # one row per arm: gross_sroi, net_sroi, ...
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from backbone.simulation import Params

# What "no partnership" means (analysis.arms): the same people and organizations, no
# money and no partnership work (scenarios/no_partnership.toml sets the same, on the baseline).
from .arms import NO_PARTNERSHIP, no_partnership
VALUE_METRICS = ("value_gross", "spent_pv", "spent_total", "outcomes_total")
SUMMARY_COLUMNS = ("scenario", "n", "gross_sroi", "net_sroi", "net_sroi_low", "net_sroi_high",
                   "additional_outcomes", "net_cost_per_outcome")


def counterfactual(params: Params) -> Params:
    """The same partnership, population and horizon without the partnership
    (``analysis.arms.no_partnership``)."""
    return no_partnership(params)


def net_value(arm: pd.DataFrame, cf: pd.DataFrame, attribution: float) -> pd.DataFrame:
    """Per seed (rows of ``arm`` matched to ``cf`` on ``seed``): gross_sroi, net_value,
    net_sroi, additional_outcomes, net_cost_per_outcome, and the ingredients."""
    a = arm.set_index("seed")
    c = cf.set_index("seed").reindex(a.index)
    out = pd.DataFrame(index=a.index)
    out["value_gross"] = a["value_gross"]
    out["value_counterfactual"] = c["value_gross"]
    out["spent_pv"] = a["spent_pv"]
    out["spent_total"] = a["spent_total"]
    out["gross_sroi"] = ratio_where_positive(a["value_gross"], a["spent_pv"])
    out["net_value"] = (a["value_gross"] - c["value_gross"]) * (1.0 - attribution)
    out["net_sroi"] = ratio_where_positive(out["net_value"], a["spent_pv"])
    out["additional_outcomes"] = a["outcomes_total"] - c["outcomes_total"]
    extra = out["additional_outcomes"].where(out["additional_outcomes"] > 0)
    out["net_cost_per_outcome"] = a["spent_total"] / extra
    return out.reset_index()


def ratio_where_positive(x, y):
    """x / y elementwise where y > 0, else NaN (SROI before any spending is undefined)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y > 0, x / np.where(y > 0, y, 1.0), np.nan)


def pooled_ratio(num, den, seed: int = 0, level: float = 0.95):
    """A figure "all runs pooled": sum(num) / sum(den) over runs (NaN when sum(den) <= 0),
    with its paired bootstrap interval over runs (``analysis.stats.bootstrap_ci``; the
    method of a ratio of sums, ``stats.METHODS["ratio"]``). An ``analysis.stats.Estimate``."""
    from .stats import bootstrap_ci

    def stat(a, b):
        return a.sum() / b.sum() if b.sum() > 0 else np.nan

    return bootstrap_ci((np.asarray(num, float), np.asarray(den, float)), stat, paired=True, seed=seed,
                        level=level)


def value_summary(per_seed: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """One row per scenario of ``run_value``'s table: ratios of sums over seeds (gross and
    net SROI, net cost per additional sustained outcome: "all runs pooled"), the mean
    additional outcomes, and net SROI's interval (``pooled_ratio``); ``n``: the runs."""
    rows = []
    for name, g in per_seed.groupby("scenario", sort=False):
        spent = g["spent_pv"].sum()
        extra = g["additional_outcomes"].sum()
        ok = g[np.isfinite(g["net_value"]) & np.isfinite(g["spent_pv"])]
        n = len(ok)
        lo = hi = np.nan
        if n:
            est = pooled_ratio(ok["net_value"].to_numpy(), ok["spent_pv"].to_numpy(), level=confidence)
            lo, hi = est.lo, est.hi
        rows.append((name, n, g["value_gross"].sum() / spent if spent > 0 else np.nan,
                     g["net_value"].sum() / spent if spent > 0 else np.nan, lo, hi,
                     extra / len(g), g["spent_total"].sum() / extra if extra > 0 else np.nan))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def with_counterfactuals(params_by_name: Mapping[str, Params]) -> tuple[dict[str, Params], dict[str, str]]:
    """The arms plus one counterfactual per distinct counterfactual parameter set, and for
    each arm the name of its counterfactual arm."""
    arms = dict(params_by_name)
    which: dict[str, str] = {}
    for name, p in params_by_name.items():
        cf = counterfactual(p)
        match = next((k for k, q in arms.items() if q == cf), None)
        if match is None:
            match = f"{name} (no partnership)"
            arms[match] = cf
        which[name] = match
    return arms, which


def value_table(runs: pd.DataFrame, params_by_name: Mapping[str, Params], which: Mapping[str, str]) -> pd.DataFrame:
    """Per (scenario, seed) value figures from a runs table with ``VALUE_METRICS`` columns
    that holds every arm and its counterfactual (``with_counterfactuals``)."""
    parts = []
    for name, cf_name in which.items():
        arm = runs[runs["scenario"] == name]
        cf = runs[runs["scenario"] == cf_name]
        part = net_value(arm, cf, params_by_name[name].attribution_others)
        part.insert(0, "scenario", name)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def run_value(params_by_name: Mapping[str, Params], replications: int, seed0: int = 0,
              executor=None) -> pd.DataFrame:
    """Run every arm and its counterfactual on the same seeds; ``value_table`` of them."""
    from .compare import run_scenarios

    arms, which = with_counterfactuals(params_by_name)
    runs = run_scenarios(arms, replications, seed0, executor)
    return value_table(runs, params_by_name, which)


__all__ = ["NO_PARTNERSHIP", "VALUE_METRICS", "counterfactual", "net_value", "pooled_ratio", "value_summary",
           "with_counterfactuals", "value_table", "run_value"]
