"""Backbone's analysis layer: estimates with confidence intervals, the claims engine, the
strategist's report.

Public API (imported on first use, so ``import backbone.analysis`` stays light)::

    from backbone.analysis import CLAIMS, run_claims, verdict_table   # every claim: estimate, verdict, figure
    from backbone.experiments import Executor
    results = run_claims(CLAIMS, "quick", Executor(workers=2))
    print(verdict_table(results))

    from backbone.analysis import build_report                     # the HTML report for a board
    html = build_report({"no_backbone": p0, "baseline": p1}, replications=30)

    from backbone.analysis import payoff_curve, phase_cells, sweep_curve, kaplan_meier, sobol_indices
                                                          # the estimators, on any runs table

Modules: ``stats`` (bootstrap CIs, IMPACT, MATERIAL), ``payoff`` (R(s)), ``phase``
(collective vs isolated), ``sweep`` (optimum, near-optimal band, inverted U), ``kickoff``
(twin-run effect), ``survival`` (falter times, Kaplan-Meier), ``sensitivity`` (Sobol'),
``robustness`` (share of the uncertainty space, PRIM boxes), ``batch`` (arms of a spec on
common random numbers, run by ``run_spec_arms``), ``claims`` / ``claims_funding`` /
``claims_team`` / ``claimset`` (the claims), ``figures``, ``arms`` (each comparison's
arms, defined once: no backbone, reduced budget, no orchestration, no partnership,
isolated), ``scenario_runs`` (the analysis' one arm runner, ``run_arm_jobs``, over
``experiments.run_many``: scenario arms, the claims' specs and validation's pattern
groups all run through it, with one record shape), ``narrative``, ``report`` (plan, run, estimate) with
``report_html`` (render) and ``report_figures``,
``compare`` (scenario comparisons, used by ``backbone compare``), ``patterns`` /
``measures`` / ``validation`` (pattern-oriented validation, used by ``backbone validate``),
``value`` (gross and net SROI against a run without the partnership), ``optimize`` (the
best split of the backbone's hours, used by ``backbone optimize``).
"""

if __name__ != "backbone.analysis":   # the folder imported by its own name, from a checkout:
    try:                                  # be backbone.analysis itself (backbone/__init__.py)
        import backbone as _backbone
        _backbone._adopt(__name__, __file__)
    except ImportError:
        pass

from importlib import import_module

_WHERE = {
    # statistics
    "Estimate": "stats", "bootstrap_ci": "stats", "mean_ci": "stats", "paired_diff_ci": "stats",
    "share_ci": "stats", "is_material": "stats", "IMPACT": "stats", "MATERIAL": "stats",
    "wilson_ci": "stats", "bounded_mean_ci": "stats", "t_ci": "stats", "METHODS": "stats",
    # estimators
    "payoff_curve": "payoff", "payoff_estimate": "payoff", "payoff_ratio": "payoff", "classify_ratio": "payoff",
    "pointwise_ratios": "payoff",
    "phase_cells": "phase", "phase_boundary": "phase",
    "sweep_curve": "sweep", "inverted_u": "sweep", "near_optimal_band": "sweep", "flatness": "sweep",
    "kickoff_curve": "kickoff", "kickoff_peak": "kickoff",
    "falter_times": "survival", "kaplan_meier": "survival", "survival_at": "survival", "logrank_p": "survival",
    "sobol_indices": "sensitivity", "share_holding": "robustness", "prim_box": "discover",
    "discover_folder": "discover", "box_record": "discover",
    # running arms
    "Arm": "batch", "arm_spec": "batch", "run_arms": "scenario_runs", "run_arm_records": "scenario_runs",
    "run_arm_jobs": "scenario_runs", "run_spec_arms": "batch",
    "no_backbone": "arms", "reduced_budget": "arms", "no_orchestration": "arms", "no_partnership": "arms",
    "isolated": "arms", "payoff_arms": "arms",
    # the claims
    "Claim": "claims", "ClaimResult": "claims", "Size": "claims", "SIZES": "claims", "run_claims": "claims",
    "verdict_table": "claims", "markdown_table": "claims", "CLAIMS": "claimset", "claim": "claimset",
    # the report
    "build_report": "report", "narrative": "narrative", "attribution": "narrative",
    # scenario comparisons (backbone compare)
    "compare_scenarios": "compare", "run_scenarios": "compare", "paired_table": "compare",
    # pattern-oriented validation (backbone validate)
    "load_patterns": "patterns", "PatternError": "patterns", "MEASURES": "measures",
    "run_patterns": "validation", "validation_table": "validation", "passes": "validation",
    # value for money: gross and net SROI against the same people without the partnership
    "counterfactual": "value", "net_value": "value", "value_summary": "value", "pooled_ratio": "value", "run_value": "value",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")
