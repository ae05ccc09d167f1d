"""The registry of per-run measures that validation patterns are read from.

A measure is a pure function of one run (a ``simulation.Result``) and its arguments,
returning a float. Patterns name a measure from this fixed registry (never code), so a
patterns file can only ask for what is declared here; each argument is declared with its
kind, so a file is checked before any run (see ``analysis.patterns``). Measures run inside
the worker processes, next to the simulation: only floats travel back.

What a measure may read (docs/ODD.md, sections 8.3-8.4):

- ``res.monthly``: one row per month (column ``month``, 1-based), one column per
  ``simulation.METRICS`` name (``res.series(metric)``: one column as numpy, without
  building the frame);
- ``res.events``: the event log, columns month (1-based), event, a, b, v1, v2;
- ``res.state``: the final arrays (``state.trust`` (S, S), ``state.partners.active``);
- ``res.params``: the run's parameters.

Measures (``MEASURES``):

- ``metric_at(metric, month)``: a monthly metric at a 1-based month;
- ``metric_mean(metric, months = [a, b])``: mean of a monthly metric over months a..b;
- ``event_by(event, month)``: 1.0 if an event of that type happened by month m, else 0.0
  (over runs: the share of runs, with a Wilson interval);
- ``event_by_cohorts(event, cohorts = [[month, weight], ...])``: a survey of cohorts that
  started at different times, seen as one run aged to each cohort's age: the weighted
  share of the ages (months) by which the event had happened, from 0 to 1 (over runs:
  the mean, with a t-interval);
- ``count_by(event, month, per)``: number of events of that type by month m; ``per`` =
  "run" (default), "partner_year" (divided by the partner-years lived, the sum of
  ``active_partners`` over months 1..m / 12) or "funder_year" (likewise with
  ``active_funders``);
- ``first_month(metric, threshold, direction)``: the first month the metric is at or
  above (``direction = "above"``, default) or at or below (``"below"``) the threshold;
  NaN if never (over runs: the median, a never counted as later than the horizon);
- ``trust_dispersion()``: the standard deviation (population, ddof 0) of pairwise trust
  over the pairs of partners active at the horizon; NaN with fewer than two active
  partners;
- ``trust_overlap_correlation()``: the Pearson correlation, over the pairs of partners
  active at the horizon, between a pair's trust and how long its two current
  representatives have served together (the shorter of their tenures); NaN with fewer
  than three active partners or no variation;
- ``net_sroi(month, against)``: net SROI at a month against the no-partnership run with
  the same seed (``analysis.value``): deadweight from that run, attribution deducted;
- ``net_payback_month(against)``: the first month net SROI reaches 1 (NaN if never);
- ``ratio_to_counterfactual(of, against, ...)`` and ``diff_to_counterfactual(of,
  against, ...)``: the measure ``of`` (with the remaining arguments) in this run divided
  by (minus) the same measure in the run of the ``against`` scenario with the same seed
  (common random numbers); a ratio with a zero denominator is NaN.

Adding a measure: write the function, declare it with ``_measure``; the loader and the
CLI pick it up.

Usage::

    from backbone.analysis.measures import MEASURES, evaluate
    evaluate("metric_at", res, {"metric": "impact_share", "month": 60})
    evaluate("diff_to_counterfactual", res, {"of": "metric_at", "metric": "sroi",
             "month": 60}, counterfactual=res_without_backbone)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

# Kinds of arguments (checked by analysis.patterns):
#   metric    a name of simulation.METRICS
#   event     a name of simulation.EVENT_TYPES
#   month     a whole month in [1, horizon]
#   window    [a, b], whole months with 1 <= a <= b <= horizon
#   number    a finite number
#   cohorts   [[month, weight], ...]: months in [1, horizon], weights >= 0 (not all 0)
#   choice    one of Arg.choices
#   measure   the name of an unpaired measure
#   scenario  a scenario name or path


@dataclass(frozen=True)
class Arg:
    kind: str
    doc: str
    default: Any = None          # None: required
    choices: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class Measure:
    """A registered measure: ``fn(res, **args)`` (paired: ``fn(res, cf, **args)``)."""

    name: str
    fn: Callable[..., float]
    args: dict[str, Arg]
    statistic: str               # default statistic over runs: mean, share or median
    doc: str
    paired: bool = False
    censored: bool = False       # NaN means "not by the horizon" (a month measure), not "no value"


MEASURES: dict[str, Measure] = {}
STATISTICS = ("mean", "share", "median")


def _measure(name: str, statistic: str, doc: str, paired: bool = False, censored: bool = False, **args: Arg):
    def deco(fn: Callable[..., float]) -> Callable[..., float]:
        MEASURES[name] = Measure(name, fn, dict(args), statistic, doc, paired, censored)
        return fn
    return deco


def _row(res, month: int) -> int:
    """Index of 1-based ``month`` in ``res.monthly`` (an error if the run is shorter)."""
    months = res.series("month")
    idx = np.flatnonzero(months == month)
    if not idx.size:
        raise ValueError(f"month {month} is not in the run (months 1..{int(months.max(initial=0))})")
    return int(idx[0])


# ---------------------------------------------------------------- monthly metrics
@_measure("metric_at", "mean", "a monthly metric at a 1-based month",
          metric=Arg("metric", "a column of the monthly results"), month=Arg("month", "1-based month"))
def metric_at(res, metric: str, month: int) -> float:
    return float(res.series(metric)[_row(res, month)])


@_measure("metric_mean", "mean", "mean of a monthly metric over months [a, b] (1-based, inclusive)",
          metric=Arg("metric", "a column of the monthly results"),
          months=Arg("window", "[first, last] month, inclusive"))
def metric_mean(res, metric: str, months: tuple[int, int]) -> float:
    a, b = months
    m = res.monthly
    sel = (m["month"] >= a) & (m["month"] <= b)
    if not sel.any():
        raise ValueError(f"months {a}..{b} are not in the run")
    return float(m.loc[sel, metric].mean())


@_measure("first_month", "median", "first month a monthly metric crosses a threshold (NaN if never)", censored=True,
          metric=Arg("metric", "a column of the monthly results"),
          threshold=Arg("number", "the level to reach"),
          direction=Arg("choice", "'above': metric >= threshold; 'below': metric <= threshold",
                        default="above", choices=("above", "below")))
def first_month(res, metric: str, threshold: float, direction: str = "above") -> float:
    x = res.series(metric).astype(float)
    hit = x >= threshold if direction == "above" else x <= threshold
    idx = np.flatnonzero(hit)
    return float(res.series("month")[idx[0]]) if idx.size else math.nan


# ---------------------------------------------------------------- events
@_measure("event_by", "share", "1 if an event of this type happened by month m, else 0",
          event=Arg("event", "an event type of the event log"), month=Arg("month", "1-based month"))
def event_by(res, event: str, month: int) -> float:
    ev = res.events
    return float(bool(((ev["event"] == event) & (ev["month"] <= month)).any()))


@_measure("event_by_cohorts", "mean",
          "a survey of cohorts of different ages: the weighted share of ages [[month, weight], ...] by which "
          "an event of this type had happened (0 to 1 per run)",
          event=Arg("event", "an event type of the event log"),
          cohorts=Arg("cohorts", "[[month, weight], ...]: the cohorts' ages at the survey and their weights"))
def event_by_cohorts(res, event: str, cohorts) -> float:
    ev = res.events
    months = ev.loc[ev["event"] == event, "month"]
    first = months.min() if len(months) else math.inf
    total = sum(w for _, w in cohorts)
    return float(sum(w for m, w in cohorts if first <= m) / total)


PER = ("run", "partner_year", "funder_year")
_EXPOSURE = {"partner_year": "active_partners", "funder_year": "active_funders"}


@_measure("count_by", "mean", "number of events of this type by month m (per run, partner-year or funder-year)",
          event=Arg("event", "an event type of the event log"), month=Arg("month", "1-based month"),
          per=Arg("choice", "'run': a count; 'partner_year' or 'funder_year': a rate per year of exposure",
                  default="run", choices=PER))
def count_by(res, event: str, month: int, per: str = "run") -> float:
    ev = res.events
    n = float(((ev["event"] == event) & (ev["month"] <= month)).sum())
    if per == "run":
        return n
    m = res.monthly
    years = float(m.loc[m["month"] <= month, _EXPOSURE[per]].sum()) / 12.0
    return n / years if years > 0 else math.nan


# ---------------------------------------------------------------- dyads
def _active_pairs(res):
    """(active slots, their trust submatrix, the pairs i < j as index arrays)."""
    active = np.flatnonzero(np.asarray(res.state.partners.active, dtype=bool))
    t = np.asarray(res.state.trust, dtype=float)[np.ix_(active, active)]
    return active, t, np.triu_indices(active.size, k=1)


@_measure("trust_dispersion", "mean",
          "standard deviation (ddof 0) of pairwise trust among partners active at the horizon")
def trust_dispersion(res) -> float:
    active, t, (i, j) = _active_pairs(res)
    if active.size < 2:
        return math.nan
    return float(np.std(t[i, j]))


@_measure("trust_overlap_correlation", "mean",
          "Pearson correlation, over the pairs of partners active at the horizon, between a pair's trust and "
          "how long its two representatives have served together (the shorter tenure)")
def trust_overlap_correlation(res) -> float:
    active, t, (i, j) = _active_pairs(res)
    if active.size < 3:
        return math.nan
    tenure = np.asarray(res.state.partners.tenure, dtype=float)[active]
    x, y = t[i, j], np.minimum(tenure[i], tenure[j])
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


# ---------------------------------------------------------------- paired with a counterfactual
_PAIRED_ARGS = dict(of=Arg("measure", "the measure to compare (with its own arguments)"),
                    against=Arg("scenario", "the counterfactual scenario, run with the same seed"))


@_measure("ratio_to_counterfactual", "mean", "a measure in this run divided by the same measure in the "
          "counterfactual run with the same seed (NaN if that is 0)", paired=True, **_PAIRED_ARGS)
def ratio_to_counterfactual(res, cf, of: str, against: str = "", **args: Any) -> float:
    num, den = evaluate(of, res, args), evaluate(of, cf, args)
    return num / den if den != 0 and math.isfinite(den) else math.nan


@_measure("diff_to_counterfactual", "mean", "a measure in this run minus the same measure in the "
          "counterfactual run with the same seed", paired=True, **_PAIRED_ARGS)
def diff_to_counterfactual(res, cf, of: str, against: str = "", **args: Any) -> float:
    return evaluate(of, res, args) - evaluate(of, cf, args)


@_measure("net_sroi", "mean", "net SROI at a 1-based month: (discounted value in this run minus in the "
          "counterfactual run with the same seed) x (1 - attribution_others) / discounted spend (as "
          "analysis.value; NaN before any spending)", paired=True,
          month=Arg("month", "1-based month"),
          against=Arg("scenario", "the counterfactual scenario (no partnership), run with the same seed"))
def net_sroi(res, cf, month: int, against: str = "") -> float:
    return float(_net_by_month(res, cf)["net_sroi"].iloc[_row(res, month)])


@_measure("net_payback_month", "median", "the first month at which net SROI (see net_sroi) reaches 1: the "
          "discounted net value has paid back the discounted spend; NaN if never by the horizon",
          paired=True, censored=True,
          against=Arg("scenario", "the counterfactual scenario (no partnership), run with the same seed"))
def net_payback_month(res, cf, against: str = "") -> float:
    net = _net_by_month(res, cf)
    hit = np.flatnonzero(net["net_sroi"].to_numpy() >= 1.0)  # NaN (nothing spent yet) never counts
    return float(net["month"].iloc[hit[0]]) if hit.size else math.nan


def _net_by_month(res, cf):
    """analysis.value.net_value month by month (the month standing in for the seed): the
    same net SROI the comparisons and the report show."""
    from .value import net_value

    arm = res.monthly.assign(seed=res.monthly["month"])
    base = cf.monthly.assign(seed=cf.monthly["month"])
    return net_value(arm, base, res.params.attribution_others).rename(columns={"seed": "month"})


# ---------------------------------------------------------------- evaluation
def evaluate(name: str, res, args: Mapping[str, Any], counterfactual=None) -> float:
    """The measure ``name`` of run ``res`` with ``args`` (a paired measure needs the
    ``counterfactual`` run, same seed)."""
    m = MEASURES[name]
    if m.paired:
        if counterfactual is None:
            raise ValueError(f"measure {name} needs the counterfactual run")
        return float(m.fn(res, counterfactual, **args))
    return float(m.fn(res, **args))


def arguments(name: str, args: Mapping[str, Any]) -> dict[str, Arg]:
    """The arguments a pattern using measure ``name`` may have: the measure's own, and for
    a paired measure those of its inner measure ``of`` (if known)."""
    m = MEASURES[name]
    out = dict(m.args)
    if m.paired:
        inner = MEASURES.get(str(args.get("of", "")))
        if inner is not None and not inner.paired:
            out.update(inner.args)
    return out


__all__ = ["Arg", "Measure", "MEASURES", "STATISTICS", "PER", "evaluate", "arguments",
           "metric_at", "metric_mean", "first_month", "event_by", "event_by_cohorts", "count_by",
           "trust_dispersion", "trust_overlap_correlation", "ratio_to_counterfactual", "diff_to_counterfactual"]
