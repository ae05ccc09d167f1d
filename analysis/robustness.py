"""Where in the uncertainty space a claim holds, and what it depends on.

Each claim is re-tested at every point of a Latin hypercube over the uncertain
parameters (experiments/claims/uncertainty.toml). A point's verdict uses the mean over
that point's replications. The *share* of points where the claim holds gets a bootstrap
95% CI over points. What it *depends on*: for each factor, the share holding among the
points with the factor below its median against those above; the factor with the
largest gap is named in the verdict.

Usage::

    from backbone.analysis.robustness import share_holding, drivers, depends_words
    share = share_holding(points.holds)
    table = drivers(points, ["turnover_rate", "trust_gain"], "holds")
    depends_words(table)        # "holds more often when turnover_rate is high (80% vs 20%)"
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .stats import Estimate, share_ci


def share_holding(holds: Sequence[bool], seed: int = 0) -> Estimate:
    """Share of points where the claim holds, with a bootstrap 95% CI over points."""
    x = np.asarray(holds, dtype=bool)
    if x.size == 0:
        return Estimate(np.nan, np.nan, np.nan)
    return share_ci(x, seed=seed)


def drivers(points: pd.DataFrame, factors: Sequence[str], holds: str = "holds") -> pd.DataFrame:
    """Per factor: the share holding below and above its median, and the gap (above -
    below); sorted by the gap's size. Factors with a single value are skipped."""
    rows = []
    for f in factors:
        if f not in points.columns:
            continue
        x = points[f].astype(float)
        if x.nunique() < 2:
            continue
        med = x.median()
        low, high = points.loc[x <= med, holds], points.loc[x > med, holds]
        if len(low) == 0 or len(high) == 0:
            low, high = points.loc[x < med, holds], points.loc[x >= med, holds]
        if len(low) == 0 or len(high) == 0:
            continue
        rows.append({"factor": f, "median": float(med), "share_low": float(low.mean()),
                     "share_high": float(high.mean()), "gap": float(high.mean() - low.mean())})
    out = pd.DataFrame(rows, columns=["factor", "median", "share_low", "share_high", "gap"])
    return out.reindex(out.gap.abs().sort_values(ascending=False).index).reset_index(drop=True)


def depends_words(table: pd.DataFrame, min_gap: float = 0.25) -> str:
    """The strongest driver in words, or '' when no factor moves the share by
    ``min_gap`` or more."""
    if table.empty or abs(table.gap.iloc[0]) < min_gap:
        return ""
    r = table.iloc[0]
    side, hi, lo = ("high", r.share_high, r.share_low) if r.gap > 0 else ("low", r.share_low, r.share_high)
    return f"holds more often when {r.factor} is {side} ({100 * hi:.0f}% vs {100 * lo:.0f}% of points)"
