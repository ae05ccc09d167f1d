"""The strategist's report: a self-contained HTML page comparing funding scenarios, for a
board. Figures are embedded as base64 PNG; no external file, font or script.

Contents: the findings up front in plain words (what to decide, how sure the model is, and
that it is a model, not a forecast) with the key findings; the scenarios, under their
display names (the scenario file's ``title``), money in their ``currency`` and need
dimensions by their ``dimension_names`` (``simulation.scenarios.scenario_labels``); the balanced scorecard at the horizon with
95% CIs and paired differences with the first scenario (``analysis.compare``); impact
over time with 95% bands; money (cost per sustained outcome, SROI, and the backbone
payoff ratio where a backbone is funded); the impact narrative of each scenario
(``analysis.narrative``), with the "why" attributed by switching off each backbone
principle on common random numbers; how the numbers were made.

The report is made in four steps, each its own function:

1. plan (``plan_report``): the arms each scenario needs, keyed (scenario, arm): the
   scenario, its ablations (``analysis.narrative.ablation_arms``), its payoff arms and
   the same people without the partnership (``analysis.arms``); each distinct parameter
   set once;
2. run (``run_report``): every planned arm ``replications`` times on common random
   numbers, once, through the analysis' arm runner (``analysis.scenario_runs.run_arms``,
   one record per run), and, when asked, the search of each backbone's hours
   (``run_hours``, ``analysis.optimize``);
3. estimate (``estimate_report``): pure functions of those runs: the paired scorecard,
   paired differences, payoff ratios, attribution, money;
4. render (``analysis.report_html.render``): the HTML page, from the estimates alone.

Usage::

    from backbone.analysis.report import build_report
    html = build_report({"no_backbone": p0, "baseline": p1}, replications=30)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Hashable, Mapping

import numpy as np
import pandas as pd

from backbone.experiments import Executor
from backbone.simulation import Params

from .arms import fixed_hours_arms, funds_backbone, no_partnership, payoff_arms
from .compare import COMPARE_METRICS, paired_table
from .narrative import ablation_arms, attribution, orchestrated, paired_diff_ci
from .payoff import payoff_estimate
from .report_html import render
from .scenario_runs import run_arms
from .stats import IMPACT, Estimate
from .value import net_value, pooled_ratio


# The payoff ratio with the backbone's staff held fixed, at these multiples of the funders'
# budget (at x1 it is the scenario's own ratio).
FIXED_HOURS_MULTIPLIERS = (0.5, 2.0)


# ---------------------------------------------------------------- 1. plan
@dataclass(frozen=True)
class ReportPlan:
    """What a report runs: ``arms`` (run key -> parameters, each set once) and ``alias``
    (every (scenario, arm) the report reads -> the run key whose runs it uses)."""

    scenarios: Mapping[str, Params]
    arms: Mapping[Hashable, Params]
    alias: Mapping[Hashable, Hashable]


def report_arms(scenarios: Mapping[str, Params]) -> tuple[dict, dict]:
    """The runs a report needs, keyed (scenario, arm): each scenario (``main``), its
    ablations when orchestrated (``analysis.narrative.ablation_arms``), the arms of its
    payoff ratio when it funds a backbone (``same_budget`` and ``reduced_budget``,
    ``analysis.arms.payoff_arms``) and the same people without the partnership (net
    SROI's deadweight, ``analysis.arms.no_partnership``). An arm whose parameters another
    arm already has is not run again: ``alias`` maps every (scenario, arm) to the key
    whose runs it uses, and ``arms`` holds only those keys."""
    wanted: dict = {}
    for n, p in scenarios.items():
        wanted[(n, "main")] = p
        if orchestrated(p):
            for k, q in ablation_arms(p).items():
                wanted[(n, k)] = q
        if funds_backbone(p):
            for k, q in payoff_arms(p).items():
                if k != "backbone":
                    wanted[(n, k)] = q
            for m in FIXED_HOURS_MULTIPLIERS:
                for k, q in fixed_hours_arms(p, m).items():
                    wanted[(n, f"fixed hours x{m:g} {k}")] = q
    for n, p in scenarios.items():
        wanted[(n, "no partnership")] = no_partnership(p)
    arms: dict = {}
    first: dict = {}
    alias: dict = {}
    for key, q in wanted.items():
        alias[key] = first.setdefault(q, key)
        if alias[key] == key:
            arms[key] = q
    return arms, alias


def plan_report(scenarios: Mapping[str, Params]) -> ReportPlan:
    """The report's plan (``report_arms``)."""
    arms, alias = report_arms(scenarios)
    return ReportPlan(dict(scenarios), arms, alias)


# ---------------------------------------------------------------- 2. run
@dataclass(frozen=True)
class ReportRuns:
    """The runs of a plan: ``runs[(scenario, arm)]`` (``analysis.scenario_runs`` tables:
    summary, monthly, by_needs), and the hours searches (None when not asked)."""

    runs: Mapping[Hashable, dict[str, pd.DataFrame]]
    replications: int
    seed0: int
    hours: Mapping[str, Any] | None = None
    optimize_trials: int = 0


def run_report(plan: ReportPlan, replications: int, seed0: int = 0, executor: Executor | None = None,
               posterior=None, optimize_trials: int = 0) -> ReportRuns:
    """Run every arm of ``plan`` once (replication r of every arm on seed ``seed0 + r``,
    or posterior draw r), and the hours searches when ``optimize_trials`` > 0."""
    got = run_arms(plan.arms, replications, seed0, executor, posterior=posterior)
    runs = {key: got[run] for key, run in plan.alias.items()}
    hours = (run_hours(plan.scenarios, optimize_trials, replications, seed0, executor) if optimize_trials > 0
             else None)
    return ReportRuns(runs, replications, seed0, hours, optimize_trials)


def run_hours(scenarios: Mapping[str, Params], trials: int, replications: int, seed0: int = 0,
              executor: Executor | None = None) -> dict[str, Any]:
    """For each scenario that funds a backbone, a small search of the best split of its
    hours across the six principles (``analysis.optimize``, long-term impact,
    ``max(4, replications // 3)`` runs an allocation on common seeds, the best re-run on
    ``replications`` fresh seeds against the scenario's own split)."""
    from .optimize import optimize

    return {n: optimize(p, "impact", trials=trials, replications=max(4, replications // 3),
                        check_replications=replications, seed0=seed0,
                        executor=executor.quiet() if executor is not None else None)
            for n, p in scenarios.items() if funds_backbone(p)}


# ---------------------------------------------------------------- 3. estimate
def money_estimates(runs: Mapping[str, dict], payoffs: Mapping[str, dict],
                    counterfactuals: Mapping[str, pd.DataFrame] | None = None,
                    attribution_share: Mapping[str, float] | None = None) -> list[dict]:
    """Per scenario: cost per sustained outcome, gross SROI and, where the scenario's run
    without the partnership is given (``counterfactuals[name]``: its summary table, same
    seeds), net SROI and the net cost per additional sustained outcome
    (``analysis.value``), all runs pooled (``analysis.value.pooled_ratio``: ratios of sums,
    bootstrap CIs; the names of ``analysis.labels.FIGURES``); and R."""
    counterfactuals = counterfactuals or {}
    attribution_share = attribution_share or {}
    nan = Estimate(np.nan, np.nan, np.nan)
    rows = []
    for name, r in runs.items():
        s = r["summary"].sort_values("seed")
        cost = pooled_ratio(s.spent_total.to_numpy(), s.outcomes_total.to_numpy())
        sroi = pooled_ratio(s.value_gross.to_numpy(), s.spent_pv.to_numpy())
        net, net_cost = nan, nan
        if name in counterfactuals:
            v = net_value(s, counterfactuals[name], attribution_share.get(name, 0.0))
            net = pooled_ratio(v.net_value.to_numpy(), v.spent_pv.to_numpy())
            if v.additional_outcomes.sum() > 0:
                net_cost = pooled_ratio(v.spent_total.to_numpy(), v.additional_outcomes.to_numpy())
        rows.append({"scenario": name, "cost": cost, "sroi": sroi, "net_sroi": net, "net_cost": net_cost,
                     "payoff": payoffs.get(name)})
    return rows


def report_payoffs(scenarios: Mapping[str, Params], got: Mapping, alias: Mapping) -> dict:
    """The payoff ratio of each scenario that funds a backbone (``analysis.payoff``), from
    the runs of its three arms (``got[alias[(scenario, arm)]]``), by seed."""
    payoffs = {}
    for n, p in scenarios.items():
        if funds_backbone(p):
            impact = {k: got[alias[(n, "main" if k == "backbone" else k)]]["summary"].sort_values("seed")[IMPACT]
                      for k in payoff_arms(p)}
            payoffs[n] = payoff_estimate(impact["backbone"], impact["same_budget"], impact["reduced_budget"])
    return payoffs


def report_fixed_payoffs(scenarios: Mapping[str, Params], got: Mapping) -> dict:
    """For each scenario that funds a backbone, the payoff ratio at each of
    ``FIXED_HOURS_MULTIPLIERS`` times the funders' budget with the backbone's staff held
    at the scenario's (``analysis.arms.fixed_hours_arms``): multiplier -> estimate."""
    out = {}
    for n, p in scenarios.items():
        if funds_backbone(p):
            out[n] = {}
            for m in FIXED_HOURS_MULTIPLIERS:
                arm = {k: got[(n, f"fixed hours x{m:g} {k}")]["summary"].sort_values("seed")[IMPACT]
                       for k in ("backbone", "same_budget", "reduced_budget")}
                out[n][m] = payoff_estimate(arm["backbone"], arm["same_budget"], arm["reduced_budget"])
    return out


def paired_diffs(runs: Mapping[str, dict], names: list[str]) -> dict[str, Estimate]:
    """Long-term impact of each scenario but the first minus the first's, paired by seed
    (the paired t-interval of the scorecard's difference column)."""
    ref = runs[names[0]]["summary"].sort_values("seed")
    return {n: paired_diff_ci(runs[n]["summary"].sort_values("seed")[IMPACT].to_numpy(), ref[IMPACT].to_numpy())
            for n in names[1:]}


def report_attribution(scenarios: Mapping[str, Params], got: Mapping) -> dict:
    """For each orchestrated scenario, the attribution of its gain to the principles
    (``analysis.narrative.attribution``) from its ablation runs."""
    return {n: attribution(got[(n, "main")]["summary"], got[(n, "none")]["summary"],
                           {q: got[(n, q)]["summary"] for q in ablation_arms(p) if q != "none"})
            for n, p in scenarios.items() if orchestrated(p)}


@dataclass(frozen=True)
class ReportEstimates:
    """Everything the page shows (``analysis.report_html.render``)."""

    names: list[str]
    scenarios: Mapping[str, Params]
    labels: Mapping[str, dict]
    titles: Mapping[str, str]
    replications: int
    seed0: int
    runs: Mapping[str, dict]          # each scenario's own runs (for figures and narratives)
    table: pd.DataFrame               # the paired scorecard (analysis.compare.paired_table)
    diffs: Mapping[str, Estimate]     # long-term impact minus the first scenario's, paired
    payoffs: Mapping[str, dict]
    atts: Mapping[str, dict]
    money_rows: list[dict]            # under the scenarios' titles
    money: pd.DataFrame
    posterior: Any = None
    hours: Mapping[str, Any] | None = None
    optimize_trials: int = 0
    fixed_payoffs: Mapping[str, dict] | None = None   # scenario -> budget multiplier -> payoff estimate


def estimate_report(plan: ReportPlan, done: ReportRuns, labels: Mapping[str, dict], posterior=None
                    ) -> ReportEstimates:
    """The report's estimates: pure functions of the plan's runs."""
    scenarios = plan.scenarios
    names = list(scenarios)
    titles = {n: labels[n]["title"] for n in names}
    got = done.runs
    runs = {n: got[(n, "main")] for n in names}
    cfs = {n: got[(n, "no partnership")]["summary"] for n in names}
    table = paired_table(pd.concat([runs[n]["summary"].assign(scenario=n)[["scenario", "replication", "seed",
                                                                           *COMPARE_METRICS]] for n in names]))
    payoffs = report_payoffs(scenarios, got, {key: key for key in got})
    atts = report_attribution(scenarios, got)
    money_rows = money_estimates({titles[n]: runs[n] for n in names}, {titles[n]: v for n, v in payoffs.items()},
                                 {titles[n]: v for n, v in cfs.items()},
                                 {titles[n]: p.attribution_others for n, p in scenarios.items()})
    return ReportEstimates(names, scenarios, labels, titles, done.replications, done.seed0, runs, table,
                           paired_diffs(runs, names), payoffs, atts, money_rows, pd.DataFrame(money_rows),
                           posterior, done.hours, done.optimize_trials, report_fixed_payoffs(scenarios, got))


def scenario_labels_or_default(name: str, p: Params) -> dict:
    """A scenario's labels (``simulation.scenarios.scenario_labels``); for a scenario
    given only as parameters (no file), its name, the default currency and numbered
    dimensions."""
    from backbone.simulation.scenarios import DEFAULT_CURRENCY, ScenarioError, default_dimension_names, scenario_labels

    try:
        return scenario_labels(name)
    except ScenarioError:
        return {"title": name, "currency": DEFAULT_CURRENCY,
                "dimension_names": default_dimension_names(p.n_dimensions)}



def report_labels(scenarios: Mapping[str, Params], labels: Mapping[str, dict] | None = None) -> dict[str, dict]:
    """Each scenario's ``title``, ``currency`` and ``dimension_names``: from its scenario
    file (``scenario_labels_or_default``), with ``labels`` on top."""
    return {n: {**scenario_labels_or_default(n, p), **dict((labels or {}).get(n, {}))}
            for n, p in scenarios.items()}


# ---------------------------------------------------------------- the four steps
def build_report(scenarios: Mapping[str, Params], replications: int = 30, seed0: int = 0,
                 executor: Executor | None = None,
                 labels: Mapping[str, dict] | None = None, optimize_trials: int = 0,
                 posterior=None) -> str:
    """Run the scenarios and their counterfactuals, and return the report as HTML:
    plan, run, estimate, render (see the module docstring).
    ``labels``: per scenario, its ``title``, ``currency`` and ``dimension_names``
    (default: from its scenario file, see ``scenario_labels_or_default``).
    ``optimize_trials`` > 0 adds "Where this backbone's hours matter most": a small
    ``analysis.optimize`` search of each funded backbone's effort weights."""
    plan = plan_report(scenarios)
    done = run_report(plan, replications, seed0, executor, posterior, optimize_trials)
    return render(estimate_report(plan, done, report_labels(scenarios, labels), posterior))


def hours_html(scenarios: Mapping[str, Params], titles: Mapping[str, str], trials: int, replications: int,
               seed0: int = 0, executor: Executor | None = None) -> str:
    """The section "Where this backbone's hours matter most" on its own: ``run_hours``,
    then ``analysis.report_html.hours_section``."""
    from .report_html import hours_section

    return hours_section(run_hours(scenarios, trials, replications, seed0, executor), titles, trials, replications)
