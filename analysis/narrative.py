"""The impact narrative: what change happened, to whom, at what level, and why, in plain
sentences with the numbers in them, from runs and their event logs (MSP impact research,
Partnerships2030 / PrC). Nothing is invented: every sentence is a statistic of the runs.

The parts follow the Impact Narrative Tool (Partnerships2030): what changed, for whom,
at what level, why, and the resulting implications (what would change the result, what
to watch).

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

    from backbone.analysis.narrative import attribution, narrative
    table = attribution(full, none, {"population": no_pop, ...})   # summary tables
    paragraphs = narrative("baseline", params, runs, attribution_table=table)
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from backbone.simulation import PRINCIPLES, Params
from backbone.simulation.scenarios import DEFAULT_CURRENCY

from .arms import funds_backbone, no_orchestration
from .stats import IMPACT, Estimate, bounded_mean_ci, mean_ci, t_ci

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
    return funds_backbone(p) or p.self_orchestration_hours > 0


def ablation_arms(p: Params) -> dict[str, Params]:
    """The counterfactuals for attribution: ``none`` (no orchestration) and one arm per
    principle switched off."""
    arms = {"none": no_orchestration(p)}
    for q in PRINCIPLES:
        arms[q] = p.replace(**{f"use_{q}": False})
    return arms


def paired_diff_ci(a, b, seed: int = 0) -> Estimate:
    """The mean paired difference a - b (same seeds) with its paired Student t-interval:
    the method of the scorecard's difference columns (``analysis.stats.METHODS
    ["difference"]``, ``analysis.compare.paired_table``), so that a difference the
    narrative or the findings state is the one the table shows. ``seed`` is unused (kept
    for the callers' signature)."""
    return t_ci(np.asarray(a, float) - np.asarray(b, float), paired=True)


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
    remainder = t_ci(rest, paired=True)
    return {"gain": gain, "contributions": contrib, "remainder": remainder}


def _pct(x: float, digits: int = 0) -> str:
    return f"{100 * x:.{digits}f}%"


def _pts(x: float) -> str:
    """Percentage points: one decimal below 10 (no "1 points"), whole above."""
    v = 100 * x
    return f"{v:.1f}" if abs(v) < 10 else str(int(round(v)))


def points(e: Estimate, signed: bool = False) -> str:
    """A difference in percentage points with its 95% CI, with one decimal when whole
    points would hide the interval (as "+1 (95% CI +1 to +1)" did): "3 percentage points
    (95% CI +1 to +5)", "1.2 percentage points (95% CI +0.8 to +1.6)"."""
    v, lo, hi = 100 * e.value, 100 * e.lo, 100 * e.hi
    digits = 0
    if round(lo) == round(hi) or abs(v) < 2:
        digits = 1
    if digits == 1 and round(lo, 1) == round(hi, 1):
        digits = 2
    num = f"{v:+.{digits}f}" if signed else f"{abs(v):.{digits}f}"
    unit = "percentage point" if abs(round(v, digits)) == 1 else "percentage points"
    return f"{num} {unit} (95% CI {lo:+.{digits}f} to {hi:+.{digits}f})"


def count_text(x: float, one: str, many: str) -> str:
    """A mean count of events per run in words: "no partner", "1 partner", "0.3
    partners", "2.5 partners"."""
    r = round(float(x), 1)
    if r == 0:
        return f"no {one}" if x == 0 else f"fewer than 0.1 {many}"
    if r == 1:
        return f"1 {one}"
    return f"{r:g} {many}"


def needs_words(profile: str, names: list[str] | None = None) -> str:
    """A need profile ("2+3": 1-based dimensions) in words: "work and health" with
    ``names``, else with the default names ("need B and need C",
    ``simulation.scenarios.default_dimension_names``)."""
    from backbone.simulation.scenarios import default_dimension_names

    idx = [int(k) for k in str(profile).split("+") if k.strip()]
    names = list(names) if names else default_dimension_names(max(idx, default=0))
    words = [names[k - 1] if 0 < k <= len(names) else f"need {k}" for k in idx]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def _num(x: float) -> str:
    if abs(x) >= 1e6:
        return f"{x / 1e6:.1f} million"
    return f"{x:,.0f}"


def what_changed(name: str, p: Params, summary: pd.DataFrame, ref: tuple[str, pd.DataFrame] | None = None) -> str:
    imp = bounded_mean_ci(np.clip(summary[IMPACT].to_numpy(float), 0.0, 1.0))  # as the scorecard's
    total = mean_ci(summary["outcomes_total"])
    years = p.months / 12
    s = (f"In {name}, after {years:g} years {_pct(imp.value)} (95% CI {_pct(imp.lo)} to {_pct(imp.hi)}) of the "
         f"{p.n_beneficiaries:,} people in the target population had a sustained outcome, on average over the "
         f"last year, against a goal of {_pct(p.target_outcome_share)}; {_num(total.value)} people reached a "
         f"sustained outcome over the {years:g} years (people join and leave the target group).")
    if ref is not None and ref[0] != name:
        d = paired_diff_ci(*_aligned(summary, ref[1]))
        sign = "more" if d.value >= 0 else "fewer"
        head, _, ci = points(d).partition(" (")
        if d.lo > 0 or d.hi < 0:
            s += f" That is {head} {sign} than {ref[0]} ({ci[:-1]}, same seeds)."
        else:
            s += (f" Against {ref[0]} the difference is {points(d, signed=True)}, same seeds: too small to "
                  "tell apart from zero with these runs.")
    return s


def to_whom(p: Params, by_needs: pd.DataFrame, dimension_names: list[str] | None = None) -> str:
    """Sustained outcomes by need profile (which problem dimensions a person needs
    served): the best and the worst served profiles, and by number of needs when people
    differ in it. ``dimension_names``: the scenario's names for its need dimensions."""
    g = by_needs.groupby("needs")[["people", "sustained"]].sum()
    g = g[g.people > 0]
    if g.empty:
        return ""
    g["share"] = g.sustained / g.people
    g["of_all"] = g.people / g.people.sum()
    g = g.sort_values("share", ascending=False)
    hi, lo = g.iloc[0], g.iloc[-1]
    names = list(dimension_names) if dimension_names else None
    kinds = f": {', '.join(names[:-1])} and {names[-1]}" if names and len(names) > 1 else ""
    s = (f"To whom: people's needs differ (each needs help with {p.complexity} of the {p.n_dimensions} kinds of "
         f"need{kinds}, served together). By the horizon, "
         f"{_pct(hi.share)} of those needing help with {needs_words(g.index[0], names)} ({_pct(hi.of_all)} of the "
         f"population) had a sustained outcome")
    if len(g) > 1:
        s += (f", against {_pct(lo.share)} of those needing help with {needs_words(g.index[-1], names)} "
              f"({_pct(lo.of_all)} of the population)")
    d = by_needs.groupby("dims")[["people", "sustained"]].sum()
    d = d[d.people > 0]
    if len(d) > 1:
        s += "; by number of needs: " + ", ".join(f"{_pct(r.sustained / r.people)} with {k}" for k, r in d.iterrows())
    return s + "."


def at_what_level(p: Params, summary: pd.DataFrame, currency: str = DEFAULT_CURRENCY) -> str:
    m = summary.mean(numeric_only=True)
    return (f"At what level: funders paid in {_num(m.funds_raised)} {currency} in all; at the horizon partners gave "
            f"{_num(m.hours_inkind)} in-kind and {_num(m.hours_funded)} funded hours a month (inputs), "
            f"delivered {_num(m.service_hours)} hours of services a month to {_num(m.served)} people (outputs); "
            f"{_pct(m.improved_share)} of the target population were at or above the outcome threshold "
            f"(outcomes) and {_pct(m.impact_share)} had held it for {p.sustain_months} months or more (impact).")


def what_happened(summary: pd.DataFrame) -> str:
    m = summary.mean(numeric_only=True)
    n = len(summary)
    dissolved = float((summary.dissolved_month > 0).mean())
    cut = float((summary.ev_funding_cut > 0).mean())
    def times(x: float, done: str, never: str) -> str:
        return never if round(float(x), 1) == 0 else f"{done} {count_text(x, 'time', 'times')}"

    s = (f"What happened along the way (mean per run): "
         f"{times(m.ev_turnover, 'representatives turned over', 'no representative left')}, "
         f"{times(m.ev_relaunch, 'the team was relaunched', 'the team was never relaunched')}, "
         f"{count_text(m.ev_exit, 'partner', 'partners')} left and "
         f"{count_text(m.ev_recruit, 'partner', 'partners')} joined, "
         f"{times(m.ev_betrayal, 'partners claimed credit unilaterally', 'no partner claimed credit unilaterally')}; "
         f"funders cut funding in {_pct(cut)} of the {n} runs")
    if dissolved > 0:
        months = summary.loc[summary.dissolved_month > 0, "dissolved_month"]
        if len(months) == 1:
            s += f", and the partnership dissolved in 1 of them (in month {months.iloc[0]:.0f})"
        else:
            s += (f", and the partnership dissolved in {len(months)} of them ({_pct(dissolved)}; median month "
                  f"{months.median():.0f} over those {len(months)} runs)")
    return s + "."


def why(att: dict | None, orchestrated_: bool) -> str:
    """Why, from the ablations on the same seeds: the gain of orchestration, then what
    switching off each principle alone costs. A principle's cost is its own figure, never
    a share of the gain: switching one off can cost more than the whole gain (principles
    overlap and lean on each other), so "accounts for 0.7 of the 0.6 points" cannot
    appear."""
    if att is None:
        if not orchestrated_:
            return ("Why: nobody orchestrates this partnership (no backbone and no shared orchestration), so "
                    "none of the six backbone principles acts; its results come from partners' direct work alone.")
        return ""
    gain: Estimate = att["gain"]
    c = att["contributions"]
    total = gain.value
    head = (f"Why: orchestration adds {points(gain)} of long-term impact against the same partnership "
            "without it, same seeds.")
    shown = c[c.value.abs() >= 0.005]
    if shown.empty:
        return head + " No single principle, switched off alone, changes impact by half a point or more."
    parts = []
    for _, r in shown.iterrows():
        verb = "costs" if r.value >= 0 else "adds"
        d = 1 if abs(100 * r.value) < 2 or round(100 * r.lo) == round(100 * r.hi) else 0
        parts.append(f"{PRINCIPLE_WORDS[r.principle]} {verb} {abs(100 * r.value):.{d}f} points "
                     f"(95% CI {100 * r.lo:+.{d}f} to {100 * r.hi:+.{d}f})")
    rem = att["remainder"]
    summed = total - rem.value
    over = [PRINCIPLE_WORDS[r.principle].split(" (")[0].split(":")[0] for _, r in shown.iterrows()
            if r.value > 0 and r.value > total]
    if over:
        which = over[0] if len(over) == 1 else ", ".join(over[:-1]) + " or " + over[-1]
        tail = (f" Switching off {which} alone costs more than the whole gain of "
                f"{_pts(total)} points: without it the other principles do less too, so these costs overlap "
                "and are not shares of the gain.")
    elif abs(rem.value) < 0.005:
        tail = f" Their costs add up to the whole gain ({_pts(summed)} points)."
    elif rem.value > 0:
        tail = (f" Their costs add up to {_pts(summed)} points; the other {_pts(rem.value)} points of the gain come "
                "from no single principle: from their interactions (a principle matters more when others also "
                "act) and from the backbone's administrative capacity (money reaches partners faster).")
    else:
        tail = (f" Their costs add up to {_pts(summed)} points, more than the gain: they overlap, so that "
                "switching one off costs more than it adds on top of the others.")
    return head + " Switching off one principle at a time, the rest unchanged, same seeds: " + "; ".join(parts) + "." + tail


def _runs(n: int) -> str:
    return "1 run" if n == 1 else f"{n} runs"


CONFOUNDED = ("What either costs does not show in a comparison of the runs that had more of them with the "
              "rest: a partnership that lasts longer and keeps more partners has more turnover, and funders cut "
              "after poor results; only the same runs with and without them can show it")


def watch_items(summary: pd.DataFrame) -> list[str]:
    """What to watch: how often representatives turned over and funders cut their money,
    with no comparison of the runs that had more of them against the others. Such a
    comparison across seeds is confounded (``CONFOUNDED``): a partnership that lasts
    longer and keeps more partners piles up more turnover (survivorship), and funders cut
    money after poor results (the effect runs backwards). What an event does is measured
    by running the same seeds with and without it (the app's lessons, the ablations)."""
    out = []
    n = len(summary)
    turnover = float(summary.ev_turnover.mean())
    if turnover > 0:
        out.append(f"representatives' turnover ({count_text(turnover, 'change', 'changes')} of representative per "
                   "run on average)")
    cut = float((summary.ev_funding_cut > 0).mean())
    if cut > 0:
        out.append(f"funders' reviews (a funder cut its money in {_pct(cut)} of the {_runs(n)})")
    elif float(summary.ev_funding_cut.mean()) == 0:
        out.append("funders' reviews: no funder cut its money in any run, so the result assumes funders "
                   "who stay patient")
    return out


def implications(p: Params, summary: pd.DataFrame, att: dict | None = None,
                 ref: tuple[str, pd.DataFrame] | None = None, name: str = "") -> str:
    """The resulting implications (the fifth part of the Impact Narrative Tool). What
    would change the result comes from controlled comparisons on the same seeds only: the
    principle whose switching off costs most (the ablations) and whether the comparison
    with the reference is settled (paired by seed). What to watch (``watch_items``) says
    how often turnover and funding cuts happened, and why comparing runs with more of them
    against the rest is no lesson."""
    change = []
    if att is not None:
        c = att["contributions"]
        if len(c) and c.value.iloc[0] >= 0.005:
            top = c.iloc[0]
            change.append(f"losing {PRINCIPLE_WORDS[top.principle]} would cost most: "
                          f"{points(Estimate(top.value, top.lo, top.hi))} of long-term impact (switched off alone, "
                          "same seeds)")
        elif len(c):
            change.append("no single backbone principle is worth half a point on its own; the gain rests on "
                          "them together")
    elif not orchestrated(p):
        change.append("someone orchestrating the partnership (a backbone, or partners' own hours) is the lever "
                      "this scenario does not use")
    if ref is not None and ref[0] != name:
        d = paired_diff_ci(*_aligned(summary, ref[1]))
        if d.lo <= 0 <= d.hi:
            change.append(f"the choice against {ref[0]} is not settled by these runs (the difference's interval "
                          "includes zero): more runs, or other grounds, must decide it")
    watch = watch_items(summary)
    out = "Implications: "
    if change:
        out += "What would change the result: " + "; ".join(change) + ". "
    if watch:
        out += "What to watch: " + "; ".join(watch) + "."
        if any("turnover" in w or "cut its money in" in w for w in watch):
            out += " " + CONFOUNDED + "."
    return out.strip() if (change or watch) else ""


def narrative(name: str, p: Params, runs: Mapping[str, pd.DataFrame], ref: tuple[str, pd.DataFrame] | None = None,
              att: dict | None = None, dimension_names: list[str] | None = None,
              currency: str = DEFAULT_CURRENCY) -> list[str]:
    """The narrative's paragraphs for one scenario: what changed, to whom, at what level,
    what happened, why, and the resulting implications. ``name`` is the scenario's name
    as the reader knows it (its title)."""
    paras = [what_changed(name, p, runs["summary"], ref), to_whom(p, runs["by_needs"], dimension_names),
             at_what_level(p, runs["summary"], currency), what_happened(runs["summary"]), why(att, orchestrated(p)),
             implications(p, runs["summary"], att, ref, name)]
    return [x for x in paras if x]
