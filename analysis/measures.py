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
- ``res.events``: the event log, columns month (1-based), event, a, b, v1, v2
  (``event_log(res)``: the same columns as numpy, the event as its code, read from the
  final state's log without building the frame);
- ``res.state``: the final arrays (``state.trust`` (S, S), ``state.partners.active``);
- ``res.params``: the run's parameters.

The measures read the numpy columns (``series``, ``event_log``), not the frames: a
calibration particle evaluates its patterns on every run, and building two DataFrames
per run cost about as much as the run. Each value is the one the frames gave, bit for
bit (a mean is taken as pandas takes it; tests/test_measures_arrays.py).

Measures (``MEASURES``):

- ``metric_at(metric, month)``: a monthly metric at a 1-based month;
- ``metric_mean(metric, months = [a, b])``: mean of a monthly metric over months a..b;
- ``event_by(event, month)``: 1.0 if an event of that type happened by month m, else 0.0
  (over runs: the share of runs, with a Wilson interval);
- ``event_by_cohorts(event, cohorts = [[month, weight], ...])``: a survey of cohorts that
  started at different times, seen as one run aged to each cohort's age: the weighted
  share of the ages (months) by which the event had happened, from 0 to 1 (over runs:
  the mean, with a t-interval);
- ``event_between(event, months = [a, b])``: for a run in which the event had not
  happened before month a, 1.0 if it happened in months a..b, else 0.0; NaN for a run in
  which it had (the run was not at risk). Over runs (share): NaNs are left out, so the
  statistic is the share among the runs still at risk at month a, and n is their number
  (a conditional survival share, such as "ended within four years of the launch grant's
  end, among those alive at its end");
- ``count_by(event, month, per, sector)``: number of events of that type by month m; ``per`` =
  "run" (default), "partner_year" (divided by the partner-years lived, the sum of
  ``active_partners`` over months 1..m / 12), "funder_year" (likewise with
  ``active_funders``) or "year_alive" (divided by the years the partnership was at risk:
  months 1..m up to and including the month it dissolved, / 12). ``sector`` (default
  "all"): one of ``simulation.params.SECTORS``, to count only events of partners of that
  sector (events whose actor is a partner slot: ``PARTNER_EVENTS``), divided, with
  ``per = "partner_year"``, by that sector's partner-years (membership rebuilt from the
  event log: a launch partner from month 1, a recruit from its month, to its exit,
  home-shift exit or the dissolution; over all sectors it equals ``active_partners``);
- ``event_followed_by(event, then, within)``: the share of the events of type ``event``
  (by month horizon - within, so each can be followed for ``within`` months) whose actor
  (column a) has an event ``then`` in the next ``within`` months; NaN with no such event
  (over runs: the mean of the runs' shares, runs weighted equally);
- ``event_drop(event, scale)``: the mean over the events of that type of the drop from
  v1 to v2 (what the event log holds before and after: for ``turnover`` and ``betrayal``
  the partner's mean trust), ``scale`` = "relative" (default: (v1 - v2) / v1, events with
  v1 = 0 left out) or "absolute" (v1 - v2); NaN with no such event;
- ``share_without(metric, month)``: 1 minus a share metric (``SHARE_METRICS``) at a
  month: the share without the outcome (for a ratio of bad outcomes);
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
  (common random numbers); a ratio with a zero denominator is NaN;
- ``odds_ratio_to_counterfactual(of, against, ...)``: the odds x / (1 - x) of the measure
  ``of`` (a share) in this run over its odds in the counterfactual run with the same seed;
  NaN unless both values lie strictly between 0 and 1 (the form in which a
  standardized mean difference d converts to a binary outcome: ln OR = d pi / sqrt 3);
- ``first_month_ratio(metric, threshold, against, rule)``: the first month at which a
  monthly metric in this run divided by the same metric in the counterfactual run (same
  seed) is at or above ``threshold``; ``rule`` = "lasting" (default: the first month from
  which it stays at or above the threshold in every month to the horizon: early months,
  where both runs have few outcomes, give ratios of tiny numbers that cross any
  threshold by chance) or "first" (the first month at all); a month whose counterfactual
  value is 0 does not count as at or above; NaN if never (censored like
  ``first_month``: over runs the median, a never counted as later than the horizon).

Some measures' arguments constrain each other (a ``sector`` only for partner events and
not with ``per = "funder_year"``; ``share_without`` only for share metrics): the measure's
``check`` says what is wrong in one line (``check_arguments``); the measure raises the same
message if it is run anyway.

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
from typing import Any, Callable, Mapping, NamedTuple

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
    check: Callable[[Mapping[str, Any]], str | None] | None = None  # arguments that constrain each other


MEASURES: dict[str, Measure] = {}
STATISTICS = ("mean", "share", "median")


def _measure(name: str, statistic: str, doc: str, paired: bool = False, censored: bool = False,
             check: Callable[[Mapping[str, Any]], str | None] | None = None, **args: Arg):
    def deco(fn: Callable[..., float]) -> Callable[..., float]:
        MEASURES[name] = Measure(name, fn, dict(args), statistic, doc, paired, censored, check)
        return fn
    return deco


def check_arguments(name: str, args: Mapping[str, Any]) -> str | None:
    """What is wrong with the arguments ``args`` of measure ``name`` taken together (one
    line), or None. For the loader (before any run); a paired measure's inner measure
    ``of`` is checked too."""
    m = MEASURES[name]
    problem = m.check(args) if m.check else None
    if problem is None and m.paired and str(args.get("of", "")) in MEASURES:
        problem = check_arguments(str(args["of"]), args)
    return problem


def _checked(name: str, args: Mapping[str, Any]) -> None:
    problem = MEASURES[name].check(args) if MEASURES[name].check else None
    if problem:
        raise ValueError(f"measure {name}: {problem}")


def _row(res, month: int) -> int:
    """Index of 1-based ``month`` in ``res.monthly`` (an error if the run is shorter)."""
    months = res.series("month")
    idx = np.flatnonzero(months == month)
    if not idx.size:
        raise ValueError(f"month {month} is not in the run (months 1..{int(months.max(initial=0))})")
    return int(idx[0])


class Log(NamedTuple):
    """The event log as numpy columns (``res.events`` without the frame): month
    (1-based, int64), code (``simulation.state.EVENT_CODES``; 0 for a name it does not
    know), a, b (int64), v1, v2 (float64)."""

    month: np.ndarray
    code: np.ndarray
    a: np.ndarray
    b: np.ndarray
    v1: np.ndarray
    v2: np.ndarray


def event_log(res) -> Log:
    """The run's event log as numpy columns, read from the final state's log array (as
    ``simulation.result.event_frame`` reads it) without building the frame; from the
    frame where the run came with one (the Mesa model, hand-built runs in tests)."""
    frame = getattr(res, "_events", None)   # a frame the run was made with, or already built
    state = getattr(res, "state", None)
    if frame is None and state is not None and hasattr(state, "events"):
        n = int(state.world[0]["n_events"])
        rows = state.events.rows[:n]
        return Log(rows[:, 0].astype(np.int64) + 1, rows[:, 1].astype(np.int64), rows[:, 2].astype(np.int64),
                   rows[:, 3].astype(np.int64), rows[:, 4], rows[:, 5])
    if frame is None:
        frame = res.events
    codes = _event_codes()
    return Log(np.asarray(frame["month"], dtype=np.int64),
               np.array([codes.get(e, 0) for e in frame["event"]], dtype=np.int64),
               np.asarray(frame["a"], dtype=np.int64), np.asarray(frame["b"], dtype=np.int64),
               np.asarray(frame["v1"], dtype=np.float64), np.asarray(frame["v2"], dtype=np.float64))


def _event_codes() -> dict[str, int]:
    from backbone.simulation.state import EVENT_CODES

    return EVENT_CODES


def _code(event: str) -> int:
    """The event type's code in the log (0, matching nothing, for an unknown name)."""
    return _event_codes().get(event, 0)


def _mean(x: np.ndarray) -> float:
    """The mean of ``x`` as pandas' ``Series.mean`` computes it (NaN left out: set to 0,
    one numpy sum (integers summed as float64), divided by the count), so a figure is
    bit-identical to the frame's."""
    if x.dtype.kind in "iub":
        return float(x.sum(dtype=np.float64) / x.size) if x.size else math.nan
    nan = np.isnan(x)
    n = x.size - int(nan.sum())
    if not n:
        return math.nan
    return float((np.where(nan, 0.0, x) if n < x.size else x).sum() / n)


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
    month = res.series("month")
    sel = (month >= a) & (month <= b)
    if not sel.any():
        raise ValueError(f"months {a}..{b} are not in the run")
    return _mean(res.series(metric)[sel])


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


# Monthly metrics that are shares (0 to 1) by construction.
SHARE_METRICS = ("impact_share", "improved_share", "retention", "coordination_share", "duplication")


def _share_metric(args: Mapping[str, Any]) -> str | None:
    metric = args.get("metric")
    if metric not in SHARE_METRICS:
        return f"metric = {metric!r} is not allowed: expected a share metric, one of {', '.join(SHARE_METRICS)}"
    return None


@_measure("share_without", "mean", "1 minus a share metric at a 1-based month: the share without the outcome",
          check=_share_metric,
          metric=Arg("metric", "a share metric of the monthly results (SHARE_METRICS)"),
          month=Arg("month", "1-based month"))
def share_without(res, metric: str, month: int) -> float:
    _checked("share_without", {"metric": metric})
    return 1.0 - float(res.series(metric)[_row(res, month)])


# ---------------------------------------------------------------- events
@_measure("event_by", "share", "1 if an event of this type happened by month m, else 0",
          event=Arg("event", "an event type of the event log"), month=Arg("month", "1-based month"))
def event_by(res, event: str, month: int) -> float:
    ev = event_log(res)
    return float(bool(((ev.code == _code(event)) & (ev.month <= month)).any()))


@_measure("event_between", "share", "for a run in which the event had not happened before month a: 1 if it "
          "happened in months a..b, else 0; NaN for a run not at risk (over runs: the share among the runs at risk)",
          event=Arg("event", "an event type of the event log"),
          months=Arg("window", "[a, b]: the first and last month of the window, inclusive"))
def event_between(res, event: str, months: tuple[int, int]) -> float:
    a, b = months
    ev = event_log(res)
    when = ev.month[ev.code == _code(event)]
    if (when < a).any():
        return math.nan
    return float(bool(((when >= a) & (when <= b)).any()))


@_measure("event_by_cohorts", "mean",
          "a survey of cohorts of different ages: the weighted share of ages [[month, weight], ...] by which "
          "an event of this type had happened (0 to 1 per run)",
          event=Arg("event", "an event type of the event log"),
          cohorts=Arg("cohorts", "[[month, weight], ...]: the cohorts' ages at the survey and their weights"))
def event_by_cohorts(res, event: str, cohorts) -> float:
    ev = event_log(res)
    months = ev.month[ev.code == _code(event)]
    first = months.min() if months.size else math.inf
    total = sum(w for _, w in cohorts)
    return float(sum(w for m, w in cohorts if first <= m) / total)


PER = ("run", "partner_year", "funder_year", "year_alive")
_EXPOSURE = {"partner_year": "active_partners", "funder_year": "active_funders"}
# Events whose actor (column a) is a partner slot (simulation.state.EVENT_TYPES).
PARTNER_EVENTS = ("turnover", "exit", "recruit", "betrayal", "home_shift")


def _sectors() -> tuple[str, ...]:
    from backbone.simulation.params import SECTORS

    return tuple(SECTORS)


def _count_check(args: Mapping[str, Any]) -> str | None:
    sector = args.get("sector", "all")
    if sector == "all":
        return None
    if args.get("event") not in PARTNER_EVENTS:
        return (f"sector = {sector!r} is not allowed with event {args.get('event')!r}: a sector applies only to "
                f"partner events ({', '.join(PARTNER_EVENTS)}); expected sector = 'all'")
    if args.get("per", "run") == "funder_year":
        return f"sector = {sector!r} is not allowed with per = 'funder_year': expected 'run', 'partner_year' or 'year_alive'"
    return None


def member_months(res, month: int) -> np.ndarray:
    """Per partner slot: the months in 1..month at whose end it was a member, rebuilt from
    the event log (a launch partner from month 1, a recruit from its month, until the month
    of its exit, its home-shift exit or the dissolution). Summed over the slots it equals
    the sum of ``active_partners`` over months 1..month."""
    slots = np.asarray(res.state.partners.sector).shape[0]
    ev = event_log(res)
    start = np.full(slots, np.inf)
    start[: int(res.params.n_partners)] = 1.0
    recruit = ev.code == _code("recruit")
    for a, t in zip(ev.a[recruit].tolist(), ev.month[recruit].tolist()):   # in log order: the last recruit counts
        start[a] = float(t)
    end = np.full(slots, float(month) + 1.0)   # the first month at whose end it is no longer a member
    gone = (ev.code == _code("exit")) | ((ev.code == _code("home_shift")) & (ev.v2 == 1.0))
    np.minimum.at(end, ev.a[gone], ev.month[gone].astype(np.float64))
    dissolved = ev.month[ev.code == _code("dissolved")]
    if dissolved.size:
        end = np.minimum(end, float(dissolved.min()))
    return np.clip(np.minimum(end, month + 1.0) - start, 0.0, None)


@_measure("count_by", "mean", "number of events of this type by month m (per run, partner-year, funder-year or "
          "year alive; optionally only partners of one sector)", check=_count_check,
          event=Arg("event", "an event type of the event log"), month=Arg("month", "1-based month"),
          per=Arg("choice", "'run': a count; 'partner_year' or 'funder_year': a rate per year of exposure; "
                  "'year_alive': per year before the partnership dissolved", default="run", choices=PER),
          sector=Arg("choice", "'all', or a sector: only events of partners of that sector (and their "
                     "partner-years)", default="all", choices=("all",) + _sectors()))
def count_by(res, event: str, month: int, per: str = "run", sector: str = "all") -> float:
    _checked("count_by", {"event": event, "per": per, "sector": sector})
    ev = event_log(res)
    sel = (ev.code == _code(event)) & (ev.month <= month)
    if sector != "all":
        code = _sectors().index(sector)
        of_sector = np.asarray(res.state.partners.sector)[ev.a[sel]] == code
        n = float(of_sector.sum())
    else:
        n = float(sel.sum())
    if per == "run":
        return n
    if per == "year_alive":
        gone = ev.month[ev.code == _code("dissolved")]
        years = min(float(month), float(gone.min()) if gone.size else math.inf) / 12.0
    elif sector != "all":
        sectors = np.asarray(res.state.partners.sector)
        years = float(member_months(res, month)[sectors == _sectors().index(sector)].sum()) / 12.0
    else:
        years = float(res.series(_EXPOSURE[per])[res.series("month") <= month].sum()) / 12.0
    return n / years if years > 0 else math.nan


@_measure("event_followed_by", "mean", "the share of events of one type (early enough to be followed for "
          "`within` months) whose actor has an event `then` in the next `within` months (NaN with none)",
          event=Arg("event", "the first event type"), then=Arg("event", "the event that may follow, same actor"),
          within=Arg("month", "months after the first event in which the second counts"))
def event_followed_by(res, event: str, then: str, within: int) -> float:
    ev = event_log(res)
    horizon = int(res.series("month").max(initial=0))
    first = (ev.code == _code(event)) & (ev.month + within <= horizon)
    if not first.any():
        return math.nan
    t, a = ev.month[first][:, None], ev.a[first][:, None]      # one row per first event
    later = ev.code == _code(then)
    lm, la = ev.month[later][None, :], ev.a[later][None, :]   # one column per later event
    hits = int(((la == a) & (lm > t) & (lm <= t + within)).any(axis=1).sum())
    return hits / t.shape[0]


@_measure("event_drop", "mean", "the mean drop from v1 to v2 over the events of one type (relative: "
          "(v1 - v2) / v1; absolute: v1 - v2); NaN with none",
          event=Arg("event", "an event type of the event log (v1, v2: before and after)"),
          scale=Arg("choice", "'relative': (v1 - v2) / v1, events with v1 = 0 left out; 'absolute': v1 - v2",
                    default="relative", choices=("relative", "absolute")))
def event_drop(res, event: str, scale: str = "relative") -> float:
    ev = event_log(res)
    rows = ev.code == _code(event)
    v1, v2 = ev.v1[rows].astype(float), ev.v2[rows].astype(float)
    if scale == "relative":
        keep = v1 != 0.0
        drop = (v1[keep] - v2[keep]) / v1[keep]
    else:
        drop = v1 - v2
    return float(drop.mean()) if drop.size else math.nan


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


def _odds(x: float) -> float:
    return x / (1.0 - x) if 0.0 < x < 1.0 else math.nan


@_measure("odds_ratio_to_counterfactual", "mean", "the odds x / (1 - x) of a share measure in this run over "
          "its odds in the counterfactual run with the same seed (NaN unless both lie strictly in (0, 1))",
          paired=True, **_PAIRED_ARGS)
def odds_ratio_to_counterfactual(res, cf, of: str, against: str = "", **args: Any) -> float:
    num, den = _odds(evaluate(of, res, args)), _odds(evaluate(of, cf, args))
    return num / den if math.isfinite(num) and math.isfinite(den) and den > 0 else math.nan


@_measure("first_month_ratio", "median", "the first month a monthly metric's ratio to the counterfactual run "
          "(same seed) is at or above a threshold ('lasting': and stays there to the horizon; 'first': at all); "
          "NaN if never", paired=True, censored=True,
          metric=Arg("metric", "a column of the monthly results"),
          threshold=Arg("number", "the ratio to reach"),
          against=Arg("scenario", "the counterfactual scenario, run with the same seed"),
          rule=Arg("choice", "'lasting': the first month from which the ratio stays at or above the threshold "
                   "to the horizon; 'first': the first month it is at or above", default="lasting",
                   choices=("lasting", "first")))
def first_month_ratio(res, cf, metric: str, threshold: float, against: str = "", rule: str = "lasting") -> float:
    x = res.series(metric).astype(float)
    y = cf.series(metric).astype(float)
    n = min(x.size, y.size)
    x, y = x[:n], y[:n]
    with np.errstate(divide="ignore", invalid="ignore"):
        hit = (y > 0) & (x / np.where(y > 0, y, 1.0) >= threshold)
    if rule == "lasting":
        below = np.flatnonzero(~hit)
        start = below[-1] + 1 if below.size else 0
        idx = np.arange(start, n)
    else:
        idx = np.flatnonzero(hit)
    return float(res.series("month")[idx[0]]) if idx.size else math.nan


@_measure("net_sroi", "mean", "net SROI at a 1-based month: (discounted value in this run minus in the "
          "counterfactual run with the same seed) x (1 - attribution_others) / discounted spend (as "
          "analysis.value; NaN before any spending)", paired=True,
          month=Arg("month", "1-based month"),
          against=Arg("scenario", "the counterfactual scenario (no partnership), run with the same seed"))
def net_sroi(res, cf, month: int, against: str = "") -> float:
    return float(_net_sroi_by_month(res, cf)[_row(res, month)])


@_measure("net_payback_month", "median", "the first month at which net SROI (see net_sroi) reaches 1: the "
          "discounted net value has paid back the discounted spend; NaN if never by the horizon",
          paired=True, censored=True,
          against=Arg("scenario", "the counterfactual scenario (no partnership), run with the same seed"))
def net_payback_month(res, cf, against: str = "") -> float:
    hit = np.flatnonzero(_net_sroi_by_month(res, cf) >= 1.0)  # NaN (nothing spent yet) never counts
    return float(res.series("month")[hit[0]]) if hit.size else math.nan


def _net_sroi_by_month(res, cf) -> np.ndarray:
    """Net SROI month by month, one value per row of ``res.monthly``: the figure of
    ``analysis.value.net_value`` (``_net_by_month``), computed with the same operations on
    the runs' columns, without the frames, where both runs have the same months."""
    from .value import ratio_where_positive

    months = res.series("month")
    if not np.array_equal(months, cf.series("month")):
        return _net_by_month(res, cf)["net_sroi"].to_numpy()
    net = (res.series("value_gross") - cf.series("value_gross")) * (1.0 - res.params.attribution_others)
    return ratio_where_positive(net, res.series("spent_pv"))


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


__all__ = ["Arg", "Measure", "MEASURES", "STATISTICS", "PER", "PARTNER_EVENTS", "SHARE_METRICS", "evaluate",
           "arguments", "check_arguments", "member_months", "event_log", "Log",
           "metric_at", "metric_mean", "first_month", "share_without", "event_by", "event_between",
           "event_by_cohorts", "count_by", "event_followed_by", "event_drop",
           "trust_dispersion", "trust_overlap_correlation", "ratio_to_counterfactual", "diff_to_counterfactual",
           "odds_ratio_to_counterfactual", "first_month_ratio"]
