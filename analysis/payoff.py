"""The backbone payoff ratio R(s), estimated on common random numbers.

With total budget B and backbone share s, let I(s, B) be long-term impact. The three arms
of the experiment are

- ``backbone``       I(s, B): the partnership with a backbone funded from share s;
- ``same_budget``    I(0, B): no backbone, the whole budget on direct work;
- ``reduced_budget`` I(0, (1-s)B): no backbone, and the backbone's money not spent.

The backbone's money would have bought I(0, B) - I(0, (1-s)B) as direct work (the
*direct value*); with the backbone the partnership gets I(s, B) - I(0, (1-s)B) from it
(the *backbone gain*). The payoff ratio is their quotient,

    R(s) = [I(s, B) - I(0, (1-s)B)] / [I(0, B) - I(0, (1-s)B)],

R = 1 is break-even, the claim is R in [3, 4]. Replication r of all three arms ran on
the same seed, so the bootstrap resamples seeds and keeps each seed's three arms
together. When the direct value is not clearly above zero (the budget cut changes
nothing that the runs can detect) the ratio is unbounded: the estimate says so
(``bounded`` False) rather than printing a huge number as if it meant something.

Usage::

    from backbone.analysis.payoff import payoff_curve
    curve = payoff_curve(runs)   # runs: arm, share, replication, long_term_impact
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .stats import IMPACT, Estimate, bootstrap_ci, paired_diff_ci

ARMS = ("backbone", "same_budget", "reduced_budget")
CLAIM_RANGE = (3.0, 4.0)
CLASSES = ("below break-even", "pays off, below the claim", "within 3-4:1", "above 4:1", "unbounded")


def payoff_ratio(i_sb, i_0b, i_0rb):
    """R from the three arms' impacts (numbers or arrays of means)."""
    return (np.asarray(i_sb, float) - i_0rb) / (np.asarray(i_0b, float) - i_0rb)


def _ratio_of_means(a, b, c):
    den = b.mean() - c.mean()
    if den == 0.0:
        return np.nan
    return (a.mean() - c.mean()) / den


def payoff_estimate(i_sb, i_0b, i_0rb, seed: int = 0) -> dict:
    """R, the backbone gain and the direct value, each with a paired bootstrap CI.

    Arguments are per-seed impacts of the three arms, aligned by seed. Returns a dict
    with ``ratio``, ``gain`` and ``direct`` (Estimates), ``bounded`` (the direct value's
    CI lies above 0 and the ratio's own CI is finite and on one side of 0: a ratio worth
    printing) and ``n`` (seeds).
    """
    a, b, c = (np.asarray(x, float) for x in (i_sb, i_0b, i_0rb))
    if not (a.shape == b.shape == c.shape) or a.ndim != 1:
        raise ValueError("payoff_estimate: the three arms need one value per seed, aligned by seed")
    gain = paired_diff_ci(a, c, seed=seed)
    direct = paired_diff_ci(b, c, seed=seed)
    ratio = bootstrap_ci((a, b, c), _ratio_of_means, paired=True, seed=seed)
    # a ratio means something only when its denominator is clearly above zero and its own
    # interval is finite and tells its sign (a bootstrap that met near-zero denominators
    # gives a NaN or an interval spanning zero)
    bounded = bool(direct.lo > 0.0 and np.isfinite(ratio.lo) and np.isfinite(ratio.hi)
                   and (ratio.lo > 0.0 or ratio.hi < 0.0))
    return {"ratio": ratio, "gain": gain, "direct": direct, "bounded": bounded, "n": int(a.size)}


def classify_ratio(r: float, bounded: bool = True, claim: tuple[float, float] = CLAIM_RANGE) -> str:
    """Where a ratio falls: below break-even (R < 1), pays off below the claim, within
    the claimed range, above it, or unbounded (no detectable direct value)."""
    if not bounded or not np.isfinite(r):
        return CLASSES[4]
    if r < 1.0:
        return CLASSES[0]
    if r < claim[0]:
        return CLASSES[1]
    if r <= claim[1]:
        return CLASSES[2]
    return CLASSES[3]


def arm_table(runs: pd.DataFrame, impact: str = IMPACT, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Wide table, one row per (share, *by, replication), columns the three arms.

    ``runs`` has columns ``arm``, ``share`` (the s an arm stands for; ignored for
    ``same_budget``, whose runs serve every s), ``replication`` and ``impact``. Each
    share present in the backbone arm gets the matching reduced-budget run and the
    shared same-budget run of the same replication.
    """
    need = {"arm", "share", "replication", impact, *by}
    missing = need - set(runs.columns)
    if missing:
        raise ValueError(f"payoff runs lack columns {sorted(missing)}")
    unknown = set(runs["arm"]) - set(ARMS)
    if unknown:
        raise ValueError(f"payoff runs: unknown arm(s) {sorted(unknown)}; expected {', '.join(ARMS)}")
    keys = ["replication", *by]
    bb = runs[runs.arm == "backbone"][["share", *keys, impact]].rename(columns={impact: "backbone"})
    rb = runs[runs.arm == "reduced_budget"][["share", *keys, impact]].rename(columns={impact: "reduced_budget"})
    sb = runs[runs.arm == "same_budget"][[*keys, impact]].rename(columns={impact: "same_budget"})
    out = bb.merge(rb, on=["share", *keys]).merge(sb, on=keys)
    return out.sort_values(["share", *keys]).reset_index(drop=True)


def payoff_curve(runs: pd.DataFrame, impact: str = IMPACT, seed: int = 0) -> pd.DataFrame:
    """R(s) for every backbone share s > 0 in ``runs``, with its CI and class.

    Columns: share, n, ratio, ratio_lo, ratio_hi, gain, gain_lo, gain_hi, direct,
    direct_lo, direct_hi, bounded, class, i_backbone, i_same, i_reduced.
    """
    wide = arm_table(runs, impact)
    rows = []
    for s, g in wide.groupby("share"):
        if s <= 0.0:
            continue
        est = payoff_estimate(g.backbone, g.same_budget, g.reduced_budget, seed=seed)
        r: Estimate = est["ratio"]
        rows.append({
            "share": float(s), "n": est["n"],
            "ratio": r.value, "ratio_lo": r.lo, "ratio_hi": r.hi,
            **est["gain"].as_dict("gain_"), **est["direct"].as_dict("direct_"),
            "bounded": est["bounded"], "class": classify_ratio(r.value, est["bounded"]),
            "i_backbone": g.backbone.mean(), "i_same": g.same_budget.mean(), "i_reduced": g.reduced_budget.mean(),
        })
    out = pd.DataFrame(rows)
    return out.rename(columns={"gain_value": "gain", "direct_value": "direct"})


def pointwise_ratios(runs: pd.DataFrame, impact: str = IMPACT, by: str = "point") -> pd.DataFrame:
    """R at each design point of an uncertainty sweep: arm means over that point's
    replications, then the ratio. Columns: ``by``, share, i_backbone, i_same, i_reduced,
    gain, direct, ratio, class (a point whose direct value is not positive is
    ``unbounded``)."""
    wide = arm_table(runs, impact, by=(by,))
    g = wide.groupby([by, "share"])[["backbone", "same_budget", "reduced_budget"]].mean().reset_index()
    g = g.rename(columns={"backbone": "i_backbone", "same_budget": "i_same", "reduced_budget": "i_reduced"})
    g["gain"] = g.i_backbone - g.i_reduced
    g["direct"] = g.i_same - g.i_reduced
    with np.errstate(divide="ignore", invalid="ignore"):
        g["ratio"] = np.where(g.direct > 0, g.gain / g.direct, np.nan)
    g["class"] = [classify_ratio(r, d > 0) for r, d in zip(g.ratio, g.direct)]
    return g
