"""The impact narrative: what change happened, to whom, at what level, and why, in plain
sentences with the numbers in them, from runs and their event logs (MSP impact research,
Partnerships2030 / PrC). Nothing is invented: every sentence is a statistic of the runs.

*Why* is attributed by ablation on common random numbers. For a scenario whose
partnership is orchestrated (a funded backbone, or partners' own orchestration hours):

- the *gain* is long-term impact minus that of the same scenario with no orchestration
  at all (backbone_share 0, self_orchestration_hours 0; the backbone's money goes to
  direct work), paired by seed;
- principle q's *contribution* is long-term impact minus that of the same scenario with
  principle q switched off (``use_<q> = false``; its hours stay spent), paired by seed;
- the *remainder*, gain minus the sum of contributions, is what no single principle
  explains: their interactions and the backbone's administrative capacity (it moves
  money to partners faster).

Usage::

    from analysis.narrative import attribution, narrative
    table = attribution(full, none, {"population": no_pop, ...})   # summary tables
    paragraphs = narrative("baseline", params, runs, attribution_table=table)
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from simulation import PRINCIPLES, Params

from .stats import IMPACT, Estimate, mean_ci, paired_diff_ci

PRINCIPLE_WORDS = {
    "alignment": "aligning partners on the common agenda (principle 1)",
    "momentum": "momentum: fundraising, ROI stories, recognition and partner-raising (principle 2)",
    "identity": "partnership identity: relaunching the team after turnover (principle 3)",
    "coordination": "coordination: cheaper meetings, less duplication, onboarding newcomers (principle 4)",
    "population": "co-creation with beneficiaries (principle 5)",
    "measurement": "shared measurement and learning (principle 6)",
}


def orchestrated(p: Params) -> bool:
    """Someone does the backbone's work: a funded backbone or partners' own hours."""
    return p.backbone_share > 0 or p.self_orchestration_hours > 0


def ablation_arms(p: Params) -> dict[str, Params]:
    """The counterfactuals for attribution: ``none`` (no orchestration) and one arm per
    principle switched off."""
    arms = {"none": p.replace(backbone_share=0.0, self_orchestration_hours=0.0)}
    for q in PRINCIPLES:
        arms[q] = p.replace(**{f"use_{q}": False})
    return arms


def _aligned(a: pd.DataFrame, b: pd.DataFrame, metric: str = IMPACT):
    m = a[["seed", metric]].merge(b[["seed", metric]], on="seed", suffixes=("_a", "_b"))
    return m[f"{metric}_a"].to_numpy(), m[f"{metric}_b"].to_numpy()


def attribution(full: pd.DataFrame, none: pd.DataFrame, ablated: Mapping[str, pd.DataFrame],
                seed: int = 0) -> dict:
    """``gain`` (Estimate), ``contributions`` (DataFrame: principle, value, lo, hi,
    sorted largest first) and ``remainder`` (Estimate), in impact units (share of the
    target population). Tables are summary tables with ``seed`` and ``IMPACT``."""
    gain = paired_diff_ci(*_aligned(full, none), seed=seed)
    rows, per_seed = [], []
    for q, df in ablated.items():
        a, b = _aligned(full, df)
        est = paired_diff_ci(a, b, seed=seed)
        rows.append({"principle": q, "value": est.value, "lo": est.lo, "hi": est.hi})
        per_seed.append(a - b)
    contrib = pd.DataFrame(rows).sort_values("value", ascending=False).reset_index(drop=True)
    a, b = _aligned(full, none)
    rest = (a - b) - np.sum(per_seed, axis=0) if per_seed else a - b
    remainder = mean_ci(rest, seed=seed)
    return {"gain": gain, "contributions": contrib, "remainder": remainder}


def _pct(x: float, digits: int = 0) -> str:
    return f"{100 * x:.{digits}f}%"


def _pts(x: float) -> str:
    return str(int(round(100 * x)))


def _num(x: float) -> str:
    if abs(x) >= 1e6:
        return f"{x / 1e6:.1f} million"
    return f"{x:,.0f}"


def what_changed(name: str, p: Params, summary: pd.DataFrame, ref: tuple[str, pd.DataFrame] | None = None) -> str:
    imp = mean_ci(summary[IMPACT])
    total = mean_ci(summary["outcomes_total"])
    years = p.months / 12
    s = (f"In {name}, after {years:g} years {_pct(imp.value)} (95% CI {_pct(imp.lo)} to {_pct(imp.hi)}) of the "
         f"{p.n_beneficiaries:,} people in the target population had a sustained outcome, on average over the "
         f"last year, against a goal of {_pct(p.target_outcome_share)}; {_num(total.value)} people reached a "
         f"sustained outcome over the {years:g} years (people join and leave the target group).")
    if ref is not None and ref[0] != name:
        d = paired_diff_ci(*_aligned(summary, ref[1]))
        sign = "more" if d.value >= 0 else "fewer"
        s += (f" That is {abs(100 * d.value):.0f} percentage points {sign} than {ref[0]} "
              f"(95% CI {100 * d.lo:+.0f} to {100 * d.hi:+.0f}, same seeds).")
    return s


def to_whom(p: Params, by_needs: pd.DataFrame) -> str:
    """Sustained outcomes by need profile (which problem dimensions a person needs
    served): the best and the worst served profiles, and by number of needs when people
    differ in it."""
    g = by_needs.groupby("needs")[["people", "sustained"]].sum()
    g = g[g.people > 0]
    if g.empty:
        return ""
    g["share"] = g.sustained / g.people
    g["of_all"] = g.people / g.people.sum()
    g = g.sort_values("share", ascending=False)
    hi, lo = g.iloc[0], g.iloc[-1]
    s = (f"To whom: people's needs differ (each needs help on {p.complexity} of {p.n_dimensions} problem "
         f"dimensions, served together). By the horizon, "
         f"{_pct(hi.share)} of those needing dimensions {g.index[0]} ({_pct(hi.of_all)} of the population) had a "
         f"sustained outcome")
    if len(g) > 1:
        s += (f", against {_pct(lo.share)} of those needing dimensions {g.index[-1]} ({_pct(lo.of_all)} of the "
              "population)")
    d = by_needs.groupby("dims")[["people", "sustained"]].sum()
    d = d[d.people > 0]
    if len(d) > 1:
        s += "; by number of needs: " + ", ".join(f"{_pct(r.sustained / r.people)} with {k}" for k, r in d.iterrows())
    return s + "."


def at_what_level(p: Params, summary: pd.DataFrame) -> str:
    m = summary.mean(numeric_only=True)
    return (f"At what level: funders paid in {_num(m.funds_raised)} k in all; at the horizon partners gave "
            f"{_num(m.hours_inkind)} in-kind and {_num(m.hours_funded)} funded hours a month (inputs), "
            f"delivered {_num(m.service_hours)} hours of services a month to {_num(m.served)} people (outputs); "
            f"{_pct(m.improved_share)} of the target population were at or above the outcome threshold "
            f"(outcomes) and {_pct(m.impact_share)} had held it for {p.sustain_months} months or more (impact).")


def what_happened(summary: pd.DataFrame) -> str:
    m = summary.mean(numeric_only=True)
    n = len(summary)
    dissolved = float((summary.dissolved_month > 0).mean())
    cut = float((summary.ev_funding_cut > 0).mean())
    s = (f"What happened along the way (mean per run): representatives turned over {m.ev_turnover:.0f} times, "
         f"the team was relaunched {m.ev_relaunch:.0f} times, {m.ev_exit:.1f} partners left and "
         f"{m.ev_recruit:.1f} joined, partners claimed credit unilaterally {m.ev_betrayal:.1f} times; "
         f"funders cut funding in {_pct(cut)} of the {n} runs")
    if dissolved > 0:
        when = summary.loc[summary.dissolved_month > 0, "dissolved_month"].median()
        s += f", and the partnership dissolved in {_pct(dissolved)} of them (median month {when:.0f})"
    return s + "."


def why(att: dict | None, orchestrated_: bool) -> str:
    if att is None:
        if not orchestrated_:
            return ("Why: nobody orchestrates this partnership (no backbone and no shared orchestration), so "
                    "none of the six backbone principles acts; its results come from partners' direct work alone.")
        return ""
    gain: Estimate = att["gain"]
    c = att["contributions"]
    total = gain.value
    head = (f"Why: orchestration adds {_pts(total)} percentage points of long-term impact (95% CI "
            f"{100 * gain.lo:+.0f} to {100 * gain.hi:+.0f}) against the same partnership without it, same seeds.")
    shown = c[c.value.abs() >= 0.005]
    if shown.empty:
        return head + " No single principle, switched off alone, changes impact by half a point or more."
    parts = []
    for _, r in shown.iterrows():
        verb = "accounts for" if r.value >= 0 else "costs"
        parts.append(f"{PRINCIPLE_WORDS[r.principle]} {verb} {abs(100 * r.value):.0f} of the "
                     f"{_pts(total)} points (95% CI {100 * r.lo:.0f} to {100 * r.hi:.0f})")
    rem = att["remainder"]
    summed = total - rem.value
    if abs(rem.value) < 0.005:
        tail = f" Together they account for the whole gain ({_pts(summed)} points)."
    elif rem.value > 0:
        tail = (f" The six together account for {_pts(summed)} points; the other {_pts(rem.value)} come from no "
                "single principle: from their interactions (a principle matters more when others also act) "
                "and from the backbone's administrative capacity (money reaches partners faster).")
    else:
        tail = (f" The six add up to {_pts(summed)} points, more than the gain: they overlap, so that "
                "switching one off costs more than it adds on top of the others.")
    return head + " Switching off one principle at a time: " + "; ".join(parts) + "." + tail


def narrative(name: str, p: Params, runs: Mapping[str, pd.DataFrame], ref: tuple[str, pd.DataFrame] | None = None,
              att: dict | None = None) -> list[str]:
    """The narrative's paragraphs for one scenario: what changed, to whom, at what level,
    what happened, why."""
    paras = [what_changed(name, p, runs["summary"], ref), to_whom(p, runs["by_needs"]),
             at_what_level(p, runs["summary"]), what_happened(runs["summary"]), why(att, orchestrated(p))]
    return [x for x in paras if x]
