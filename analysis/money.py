"""What more money buys, scenario by scenario (issue 21): the same partnership at the
funders' budget times each multiplier, on common random numbers, and the paired
difference that the extra money makes in outcome-years (what evaluators value), in the
stock of sustained outcomes at the horizon, and in survival.

Usage::

    from backbone.analysis.money import money_runs, money_table, money_markdown
    runs = money_runs({"baseline": load_scenario("baseline")}, (1.0, 2.0), replications=100)
    print(money_table(runs))
"""

from __future__ import annotations

from typing import Mapping, Sequence

import pandas as pd

from backbone.experiments import Executor
from backbone.simulation import Params
from backbone.simulation.scenarios import DEFAULT_CURRENCY

from .compare import run_scenarios
from .stats import paired_diff_ci, share_ci

ENDPOINTS = (
    ("outcome_years", "outcome-years over the run", "person-years"),
    ("impact_share", "sustained outcomes at the horizon", "share of the target population"),
    ("spent_total", "money spent", DEFAULT_CURRENCY),
    ("dissolved", "dissolved by the horizon", "share of runs"),
)


def money_runs(scenarios: Mapping[str, Params], multipliers: Sequence[float] = (1.0, 2.0),
               replications: int = 100, seed0: int = 0, executor: Executor | None = None) -> pd.DataFrame:
    """One row per (scenario, multiplier, replication): the scorecard at the horizon of the
    scenario with ``funder_budget`` times the multiplier; replication r of every arm runs
    on seed ``seed0 + r`` (common random numbers), through ``experiments.run_many``."""
    arms = {(name, float(m)): p.replace(funder_budget=p.funder_budget * m)
            for name, p in scenarios.items() for m in multipliers}
    keys = {f"{name} x{m:g}": key for key, (name, m) in zip(arms, arms)}
    runs = run_scenarios({label: arms[key] for label, key in keys.items()}, replications, seed0, executor)
    runs["arm"], runs["multiplier"] = zip(*(keys[s] for s in runs["scenario"]))
    return runs


def money_table(runs: pd.DataFrame, base: float = 1.0) -> pd.DataFrame:
    """Per scenario, each multiplier m != base against ``base``: mean of each endpoint at
    both, and the paired difference with its 95% CI (percentile bootstrap over seeds; a
    share of runs with its Wilson interval at each budget)."""
    rows = []
    for arm, g in runs.groupby("arm", sort=False):
        at = {m: gg.set_index("seed") for m, gg in g.groupby("multiplier")}
        if base not in at:
            continue
        for m in sorted(at):
            if m == base:
                continue
            a, b = at[m], at[base].loc[at[m].index]
            for metric, name, unit in ENDPOINTS:
                d = paired_diff_ci(a[metric].to_numpy(float), b[metric].to_numpy(float))
                row = {"scenario": arm, "multiplier": m, "endpoint": name, "unit": unit,
                       "at_base": float(b[metric].mean()), "at_multiplier": float(a[metric].mean()),
                       "difference": d.value, "diff_low": d.lo, "diff_high": d.hi, "n": len(a)}
                if metric == "dissolved":
                    for label, col in (("base", b), ("multiplier", a)):
                        s = share_ci(col[metric].to_numpy() > 0.5)
                        row[f"{label}_low"], row[f"{label}_high"] = s.lo, s.hi
                rows.append(row)
    return pd.DataFrame(rows)


def _fmt(x: float, unit: str) -> str:
    if unit.startswith("share"):
        return f"{100 * x:.1f}%"
    return f"{x:,.0f}"


def _fmt_diff(row) -> str:
    if row.unit.startswith("share"):
        return f"{100 * row.difference:+.1f} pp [{100 * row.diff_low:+.1f}, {100 * row.diff_high:+.1f}]"
    return f"{row.difference:+,.0f} [{row.diff_low:+,.0f}, {row.diff_high:+,.0f}]"


def money_markdown(table: pd.DataFrame, titles: Mapping[str, str] | None = None, base: float = 1.0) -> str:
    """The table as Markdown: one row per scenario and endpoint."""
    titles = titles or {}
    out = [f"| scenario | endpoint | budget x{base:g} | budget x{{m}} | what the extra money buys [95% CI] |",
           "|---|---|---|---|---|"]
    ms = sorted(set(table.multiplier))
    out[0] = out[0].replace("{m}", "/".join(f"{m:g}" for m in ms))
    for row in table.itertuples():
        name = titles.get(row.scenario, row.scenario)
        out.append(f"| {name} (x{row.multiplier:g}) | {row.endpoint} ({row.unit}) | {_fmt(row.at_base, row.unit)} | "
                   f"{_fmt(row.at_multiplier, row.unit)} | {_fmt_diff(row)} |")
    return "\n".join(out) + "\n"


__all__ = ["ENDPOINTS", "money_runs", "money_table", "money_markdown"]
