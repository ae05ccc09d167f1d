"""The claims about money: backbone payoff, collective vs isolated impact, who sets the
agenda, funder patience, and which assumptions drive it all (Sobol').

Each claim is a ``Claim(key, title, source, plan, judge)`` (see analysis.claims): the
plan names its experiments (its spec in experiments/claims/, the arms it is compared
with, its re-test over the uncertainty design); the judge turns their tables into an
estimate, a verdict and a figure. Impact is ``long_term_impact`` throughout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import figures
from .arms import ISOLATED, NO_BACKBONE, backbone_money, reduced_budget_changes
from .batch import Arm, arm_spec
from .claims import (Claim, ClaimResult, Context, band_answer, combine, holds_from_effect, paired, point_means,
                     robust_two)
from .claims import IMPACT_DIFF, number  # the estimates as numbers, for --json
from .payoff import payoff_curve, payoff_estimate, pointwise_ratios
from .phase import phase_boundary, phase_cells
from .robustness import share_holding
from .sensitivity import sobol_indices, top_factors
from .stats import IMPACT, Estimate, effect_words, paired_diff_ci
from .sweep import sweep_curve


# ---------------------------------------------------------------- payoff ratio
CLAIMED_PAYOFF = (3.0, 4.0)  # the claim: 3-4:1 (27 Ways)
BUDGET_MULTIPLIERS = (0.5, 1.0, 2.0, 4.0)  # the funders' budget, for R with the backbone's hours held fixed


def plan_payoff(ctx: Context) -> dict:
    spec = ctx.spec("payoff")
    shares = spec.factors[0].grid()
    budget = spec.base.funder_budget
    s0 = spec.base.backbone_share
    # The arms of R (analysis.arms): the same budget without a backbone (a one-level
    # factor, so that its table has the share column) and the budget less the backbone's
    # share at each share of the grid.
    jobs = {
        "backbone": spec,
        "same_budget": arm_spec(spec, Arm(factors={k: {"levels": [v]} for k, v in NO_BACKBONE.items()})),
        "reduced_budget": arm_spec(spec, Arm(fixed=dict(NO_BACKBONE), factors={
            "funder_budget": {"levels": [reduced_budget_changes(budget, s)["funder_budget"] for s in shares]}})),
    }
    # R with the backbone's hours held fixed (its launch money, not a share) while the
    # funders' budget changes: the backbone does not grow with the money.
    money = backbone_money(spec.base)
    levels = [round(budget * m, 9) for m in BUDGET_MULTIPLIERS]
    per_funder = money / spec.base.n_funders
    jobs.update({
        "fixed:backbone": arm_spec(spec, Arm(fixed={"backbone_share": 0.0, "backbone_budget": money},
                                             factors={"funder_budget": {"levels": levels}})),
        "fixed:same_budget": arm_spec(spec, Arm(fixed=NO_BACKBONE, factors={"funder_budget": {"levels": levels}})),
        "fixed:reduced_budget": arm_spec(spec, Arm(fixed=NO_BACKBONE, factors={
            "funder_budget": {"levels": [round(b - per_funder, 9) for b in levels]}})),
    })
    u_budget = ctx.uncertainty().base.funder_budget
    jobs.update(ctx.robust_arms({
        "backbone": Arm(fixed={"backbone_share": s0}),
        "same_budget": Arm(fixed=dict(NO_BACKBONE)),
        "reduced_budget": Arm(fixed=reduced_budget_changes(u_budget, s0)),
    }))
    return jobs


def fixed_hours_table(results: dict, base) -> pd.DataFrame:
    """R at each budget multiplier with the backbone's money held fixed: columns
    multiplier, backbone_hours, n, ratio, ratio_lo, ratio_hi, gain..., direct..., bounded,
    i_backbone, i_same, i_reduced. ``bounded`` is False where what the backbone's money buys
    as direct work (I(0, B) - I(0, B - b)) is not clearly above zero: R is not meaningful
    there."""
    money = backbone_money(base)
    per_funder = money / base.n_funders
    frames = {}
    for arm in ("backbone", "same_budget", "reduced_budget"):
        runs = results["fixed:" + arm][0].copy()
        budget = runs.funder_budget + (per_funder if arm == "reduced_budget" else 0.0)
        runs["multiplier"] = np.round(budget / base.funder_budget, 6)
        frames[arm] = runs.set_index(["multiplier", "replication"])[IMPACT]
    rows = []
    for m in sorted(frames["backbone"].index.get_level_values(0).unique()):
        a, b, c = (frames[arm].loc[m].sort_index() for arm in ("backbone", "same_budget", "reduced_budget"))
        est = payoff_estimate(a.values, b.loc[a.index].values, c.loc[a.index].values, seed=0)
        r = est["ratio"]
        rows.append({"multiplier": float(m), "backbone_hours": money / base.staff_cost_per_hour, "n": est["n"],
                     "ratio": r.value, "ratio_lo": r.lo, "ratio_hi": r.hi,
                     **est["gain"].as_dict("gain_"), **est["direct"].as_dict("direct_"),
                     "bounded": est["bounded"], "i_backbone": a.mean(), "i_same": b.loc[a.index].mean(),
                     "i_reduced": c.loc[a.index].mean()})
    return pd.DataFrame(rows).rename(columns={"gain_value": "gain", "direct_value": "direct"})


def fixed_hours_words(table: pd.DataFrame) -> str:
    """R with the backbone's hours held fixed, in words; a ratio whose denominator's CI
    reaches zero is called not meaningful rather than printed."""
    hours = table.backbone_hours.iloc[0]
    parts = []
    for row in table.itertuples():
        if row.bounded:
            parts.append(f"x{row.multiplier:g}: {row.ratio:.1f} [{row.ratio_lo:.1f}, {row.ratio_hi:.1f}]")
        else:
            parts.append(f"x{row.multiplier:g}: not meaningful (the money's direct value "
                         f"{100 * row.direct:+.1f} pp [{100 * row.direct_lo:+.1f}, {100 * row.direct_hi:+.1f}] "
                         "is not clearly above zero)")
    return (f"with the backbone's staff held at {hours:,.0f} hours a month while the funders' budget changes, "
            "R = " + "; ".join(parts))


def payoff_long(results: dict, budget: float, prefix: str = "") -> pd.DataFrame:
    """The three arms as one long table (arm, share, replication, [point], impact)."""
    parts = []
    for arm in ("backbone", "same_budget", "reduced_budget"):
        runs = results[prefix + arm][0].copy()
        if arm == "reduced_budget" and "funder_budget" in runs.columns:
            runs["share"] = np.round(1.0 - runs.funder_budget / budget, 6)
        elif "backbone_share" in runs.columns:
            runs["share"] = np.round(runs.backbone_share, 6)
        else:
            runs["share"] = np.nan
        runs["arm"] = arm
        parts.append(runs[["arm", "share", "point", "replication", IMPACT]])
    return pd.concat(parts, ignore_index=True)


def judge_payoff(ctx: Context, results: dict) -> ClaimResult:
    spec = ctx.spec("payoff")
    s0 = round(spec.base.backbone_share, 6)
    curve = payoff_curve(payoff_long(results, spec.base.funder_budget).drop(columns="point"), seed=ctx.seed)
    row = curve.loc[(curve.share - s0).abs().idxmin()]
    r = Estimate(row.ratio, row.ratio_lo, row.ratio_hi)
    base_holds = band_answer(r, *CLAIMED_PAYOFF) if row.bounded else None

    u = ctx.uncertainty()
    long = payoff_long(results, u.base.funder_budget, prefix="robust:")
    long["share"] = s0  # one share in the uncertainty arms
    pts = pointwise_ratios(long)
    factors = u.factor_names
    pts = pts.merge(results["robust:backbone"][0].groupby("point")[list(factors)].first().reset_index(), on="point")
    pts["holds"] = pts["class"] == "within 3-4:1"
    share = share_holding(pts.holds)
    pays = float((pts.ratio > 1).mean())
    above = float((pts["class"] == "above 4:1").mean())
    unbounded = float((pts["class"] == "unbounded").mean())
    below = float(pts["class"].isin(["below break-even", "pays off, below the claim"]).mean())
    verdict, detail = combine(base_holds, share, direction="above" if above + unbounded > below else "below")
    if verdict in ("exceeded", "fell short") and base_holds in ("above", "below"):
        side = "above 4" if r.value > 4 else "below 3"
        detail = f"R is {side} in the base scenario"
    estimate = (f"R({100 * s0:.0f}%) = {r.value:.2f} [{r.lo:.2f}, {r.hi:.2f}]"
                + ("" if row.bounded else " (unbounded: no detectable direct value)")
                + f" from I(s,B) = {100 * row.i_backbone:.1f}%, I(0,B) = {100 * row.i_same:.1f}%, "
                  f"I(0,(1-s)B) = {100 * row.i_reduced:.1f}%"
                + f"; across the space R > 1 at {100 * pays:.0f}% of points, above 4 at {100 * above:.0f}%, "
                  f"unbounded at {100 * unbounded:.0f}%")
    fixed = fixed_hours_table(results, spec.base)
    estimate += "; " + fixed_hours_words(fixed)
    fig = figures.payoff(curve, pts)
    nums = [number("backbone payoff ratio R", r, "ratio"), number("backbone share", s0, "share of the budget")]
    for row in fixed.itertuples():
        if row.bounded:  # a ratio whose direct value is not clearly above zero is not a number to quote
            nums.append(number(f"R with the backbone's hours held fixed, budget x{row.multiplier:g}",
                               Estimate(row.ratio, row.ratio_lo, row.ratio_hi), "ratio"))
    return ClaimResult(estimate, verdict, detail, share, fig, {"curve": curve, "points": pts, "fixed_hours": fixed},
                       numbers=nums)


# ---------------------------------------------------------------- collective vs isolated
HORIZONS = (24, 36, 48, 60, 72, 84, 96, 108, 120)


def plan_regime(ctx: Context) -> dict:
    spec = ctx.spec("regime")
    jobs = {"collective": spec, "isolated": arm_spec(spec, Arm(fixed=dict(ISOLATED)))}
    jobs.update(ctx.robust_arms({"collective": Arm(), "isolated": Arm(fixed=dict(ISOLATED))},
                                drop=("complexity",)))
    return jobs


def horizon_table(months: pd.DataFrame, arm: str, horizons=HORIZONS, window: int = 12) -> pd.DataFrame:
    """Long-term impact at each horizon h (mean impact_share over months h-window+1..h)."""
    rows = []
    for h in horizons:
        sel = months[(months.month > h - window) & (months.month <= h)]
        g = sel.groupby(["complexity", "replication"])["impact_share"].mean().reset_index()
        g["horizon"] = h
        rows.append(g)
    out = pd.concat(rows, ignore_index=True).rename(columns={"impact_share": IMPACT})
    out["arm"] = arm
    return out


def phase_words(cells: pd.DataFrame, bound: pd.DataFrame) -> str:
    """Where each regime wins, in words: the boundary at the longest horizon, and the
    cells where isolated impact wins or the two tie."""
    last = cells.horizon.max()
    b = bound[bound.horizon == last].iloc[0]
    lo_c = cells.complexity.min()
    at_last = cells[cells.horizon == last]
    if (at_last.winner == "collective").all():
        head = f"at {last} months collective impact wins at every complexity"
    elif b.boundary != b.boundary:
        head = f"at {last} months collective impact does not win at the highest complexity"
    elif b.boundary == lo_c:
        head = (f"at {last} months collective impact is ahead on average at every complexity, but not clearly "
                "at all of them")
    else:
        head = (f"at {last} months collective impact wins from complexity {b.boundary:g} "
                f"(95% interval {b.lo:g} to {b.hi:g})")
    parts = [head]
    for who in ("isolated", "tie"):
        w = cells[cells.winner == who]
        if len(w):
            where = ", ".join(f"c{int(r.complexity)}/{int(r.horizon)}m" for _, r in w.iterrows())
            parts.append(("isolated impact wins at " if who == "isolated" else "no clear winner at ") + where)
    return "; ".join(parts)


def cell_words(r) -> str:
    """One cell's difference, collective minus isolated, in percentage points with one
    decimal, and "no clear winner" when its interval includes zero."""
    text = f"{100 * r['diff']:+.1f} pp [{100 * r.diff_lo:+.1f}, {100 * r.diff_hi:+.1f}]"
    return text if r.winner != "tie" else text + " (no clear winner)"


def judge_regime(ctx: Context, results: dict) -> ClaimResult:
    spec = ctx.spec("regime")
    last = max(m.month.max() for _, m in (results["collective"], results["isolated"]))
    horizons = tuple(h for h in HORIZONS if h <= last)
    long = pd.concat([horizon_table(results[a][1], a, horizons) for a in ("collective", "isolated")])
    cells = phase_cells(long, seed=ctx.seed)
    bound = phase_boundary(long, seed=ctx.seed)
    frac = float((cells.winner == "collective").mean())
    at_base = cells[(cells.complexity == spec.base.complexity) & (cells.horizon == horizons[-1])]
    base = at_base.iloc[0] if len(at_base) else None
    base_holds = None if base is None else ("within" if base.winner == "collective" else
                                            ("below" if base.winner == "isolated" else None))
    pts, share, dep = robust_two(results, "collective", "isolated")
    verdict, detail = combine(base_holds, share, dep)
    words = phase_words(cells, bound)
    at = cells[(cells.horizon == horizons[-1])]
    diffs = ", ".join(f"complexity {int(r.complexity)}: {cell_words(r)}" for _, r in at.iterrows())
    estimate = (f"collective - isolated at {horizons[-1]} months, {diffs}; collective wins in "
                f"{100 * frac:.0f}% of complexity x horizon cells")
    detail = f"{detail}; {words}" if detail else words
    fig = figures.regime(cells, bound)
    nums = [number(f"collective - isolated, complexity {int(r.complexity)}, {int(r.horizon)} months",
                   Estimate(float(r["diff"]), float(r.diff_lo), float(r.diff_hi), "bootstrap BCa"), IMPACT_DIFF)
            for _, r in at.iterrows()] + [number("cells where collective wins", frac, "share of cells")]
    return ClaimResult(estimate, verdict, detail, share, fig, {"cells": cells, "boundary": bound, "points": pts},
                       numbers=nums)


# ---------------------------------------------------------------- agenda power
FUNDER_LED = (0.9, 0.0)        # (funder_agenda_power, beneficiary_involvement): funder_led_agenda
BENEFICIARY_LED = (0.1, 0.8)   # beneficiary_led


def plan_agenda(ctx: Context) -> dict:
    jobs = {"grid": ctx.spec("agenda")}
    jobs.update(ctx.robust_arms({"beneficiary_led": Arm(scenario="beneficiary_led"),
                                 "funder_led": Arm(scenario="funder_led_agenda")},
                                drop=("funder_agenda_power",)))
    return jobs


def judge_agenda(ctx: Context, results: dict) -> ClaimResult:
    runs = results["grid"][0]
    corner = lambda pa: runs[(runs.funder_agenda_power == pa[0]) & (runs.beneficiary_involvement == pa[1])]  # noqa: E731
    ben, fun = corner(BENEFICIARY_LED).set_index("replication"), corner(FUNDER_LED).set_index("replication")
    d = paired_diff_ci(ben[IMPACT], fun[IMPACT].loc[ben.index])
    acc = paired_diff_ci(ben["needs_accuracy"], fun["needs_accuracy"].loc[ben.index])
    pts, share, dep = robust_two(results, "beneficiary_led", "funder_led")
    verdict, detail = combine(holds_from_effect(d), share, dep)
    estimate = (f"beneficiary-led - funder-led: impact {effect_words(d)}, needs accuracy "
                f"{acc.value:+.3f} [{acc.lo:+.3f}, {acc.hi:+.3f}]")
    grid = runs.groupby(["funder_agenda_power", "beneficiary_involvement"])[[IMPACT, "needs_accuracy"]].mean().reset_index()
    fig = figures.agenda(grid)
    nums = [number("impact, beneficiary-led - funder-led", d, IMPACT_DIFF),
            number("needs accuracy, beneficiary-led - funder-led", acc, "0-1 scale (difference)")]
    return ClaimResult(estimate, verdict, detail, share, fig, {"grid": grid, "points": pts}, numbers=nums)


# ---------------------------------------------------------------- funder patience
SHORT, PATIENT = 12, 48


def plan_patience(ctx: Context) -> dict:
    jobs = {"sweep": ctx.spec("patience")}
    jobs.update(ctx.robust_arms({"patient": Arm(fixed={"funder_patience": PATIENT}),
                                 "short": Arm(fixed={"funder_patience": SHORT})}, drop=("funder_patience",)))
    return jobs


def judge_patience(ctx: Context, results: dict) -> ClaimResult:
    runs = results["sweep"][0]
    d = paired(runs, "funder_patience", PATIENT, SHORT)
    curve = sweep_curve(runs, "funder_patience", seed=ctx.seed)
    pts, share, dep = robust_two(results, "patient", "short")
    verdict, detail = combine(holds_from_effect(d), share, dep)
    cuts = runs.groupby("funder_patience")["funding_cuts"].mean()
    estimate = (f"patience {PATIENT} - {SHORT} months: {effect_words(d)}; funding cuts per run "
                f"{cuts.get(SHORT, np.nan):.1f} at {SHORT} vs {cuts.get(PATIENT, np.nan):.1f} at {PATIENT} months")
    fig = figures.sweep(curve, "funder_patience", "Funder patience (months before a review can cut)",
                        marks=(SHORT, PATIENT))
    nums = [number(f"impact, patience {PATIENT} - {SHORT} months", d, IMPACT_DIFF)]
    return ClaimResult(estimate, verdict, detail, share, fig, {"curve": curve, "points": pts}, numbers=nums)


# ---------------------------------------------------------------- Sobol' indices
def plan_sensitivity(ctx: Context) -> dict:
    spec = ctx.spec("sensitivity")
    changes = {}
    if ctx.size.sobol_samples is not None:
        changes["samples"] = min(ctx.size.sobol_samples, spec.samples)
    if ctx.size.sobol_reps is not None:
        changes["replications"] = min(ctx.size.sobol_reps, spec.replications)
    spec = spec.replace(**changes) if changes else spec
    s0 = spec.base.backbone_share
    budget = spec.base.funder_budget
    return {"backbone": spec,
            "same_budget": arm_spec(spec, Arm(fixed=dict(NO_BACKBONE))),
            "reduced_budget": arm_spec(spec, Arm(fixed=reduced_budget_changes(budget, s0)))}


def judge_sensitivity(ctx: Context, results: dict) -> ClaimResult:
    spec = plan_sensitivity(ctx)["backbone"]
    problem = spec.salib_problem()
    m = point_means(results, {"bb": "backbone", "same": "same_budget", "red": "reduced_budget"}, IMPACT)
    m = m.sort_values("point")
    tables = {"impact": sobol_indices(problem, m.bb.to_numpy(), seed=ctx.seed)}
    gain = (m.bb - m.red).to_numpy()
    direct = (m.same - m.red).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(direct > 0, gain / direct, np.nan)
    finite = np.isfinite(ratio)
    note = ""
    if finite.all():
        tables["ratio"] = sobol_indices(problem, ratio, seed=ctx.seed)
    else:
        tables["gain"] = sobol_indices(problem, gain, seed=ctx.seed)
        note = (f"; R is undefined at {100 * (1 - finite.mean()):.0f}% of points (no direct value), "
                "so the backbone gain I(s,B) - I(0,(1-s)B) stands in for it")
    parts = []
    for name, t in tables.items():
        top = t.iloc[0]
        parts.append(f"{name}: {top.factor} ST {top.ST:.2f} [{top.ST_lo:.2f}, {top.ST_hi:.2f}]")
    drivers_ = {name: top_factors(t) for name, t in tables.items()}
    detail = "; ".join(f"{name} driven by {', '.join(f) or 'no factor clearly'}" for name, f in drivers_.items()) + note
    fig = figures.sobol(tables)
    nums = [number(f"{name}: total-order index of {t.iloc[0].factor}",
                   Estimate(float(t.iloc[0].ST), float(t.iloc[0].ST_lo), float(t.iloc[0].ST_hi), "SALib bootstrap"),
                   "Sobol' index") for name, t in tables.items()]
    return ClaimResult("; ".join(parts), "-", detail, None, fig, tables, numbers=nums)


CLAIMS_FUNDING = [
    Claim("payoff", "Backbone investment pays off 3-4:1", "27 Ways (Crespin & Moser)", plan_payoff, judge_payoff),
    Claim("regime", "Collective impact beats isolated impact", "Kania & Kramer 2011", plan_regime, judge_regime),
    Claim("agenda", "Money sets the agenda (and that costs impact)", "Refined Collective Impact Model",
          plan_agenda, judge_agenda),
    Claim("patience", "Short-term funding buys little lasting change", "Refined Collective Impact Model",
          plan_patience, judge_patience),
    Claim("sensitivity", "Which assumptions drive the verdicts (Sobol')", "this project",
          plan_sensitivity, judge_sensitivity),
]
