"""One-factor sweeps on common random numbers: the curve, its optimum, the near-optimal
band, how flat it is, and whether it is an inverted U.

Input: runs with a factor column (e.g. ``relaunch_threshold``), ``replication`` and the
impact column; replication r used the same seed at every level, so differences between
levels are paired by replication.

Definitions (docs/CLAIMS.md repeats them):

- the *optimum* is the level with the highest mean impact; its uncertainty is the share
  of bootstrap resamples of replications in which each level comes out best
  (``p_best``);
- a level is *near-optimal* when the upper end of the 95% CI of its paired difference
  with the optimum is above ``-tolerance`` (default ``MATERIAL``, one percentage point):
  its loss is either immaterial or not distinguishable from zero;
- *flatness* is the spread of the mean curve, max - min, in impact units;
- an *inverted U*: the optimum is an interior level, and both end levels are clearly
  and materially below it (the CI of each paired difference lies below zero and its
  mean below ``-tolerance``).

Usage::

    from backbone.analysis.sweep import sweep_curve, inverted_u
    curve = sweep_curve(runs, "integration")
    verdict = inverted_u(runs, "integration")
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .stats import IMPACT, MATERIAL, mean_ci, paired_diff_ci


def level_matrix(runs: pd.DataFrame, factor: str, impact: str = IMPACT) -> pd.DataFrame:
    """Replications x levels table of impact (only replications present at every level)."""
    missing = {factor, "replication", impact} - set(runs.columns)
    if missing:
        raise ValueError(f"sweep runs lack columns {sorted(missing)}")
    table = runs.pivot_table(index="replication", columns=factor, values=impact, aggfunc="mean")
    return table.dropna().sort_index(axis=1)


def best_probabilities(table: pd.DataFrame, n_resamples: int = 1000, seed: int = 0) -> pd.Series:
    """Share of bootstrap resamples of replications in which each level has the highest
    mean."""
    x = table.to_numpy()
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    counts = np.zeros(x.shape[1])
    for _ in range(n_resamples):
        counts[np.argmax(x[rng.integers(0, n, n)].mean(axis=0))] += 1
    return pd.Series(counts / n_resamples, index=table.columns, name="p_best")


def sweep_curve(runs: pd.DataFrame, factor: str, impact: str = IMPACT, tolerance: float = MATERIAL,
                seed: int = 0) -> pd.DataFrame:
    """One row per level: mean, lo, hi; diff, diff_lo, diff_hi (paired, against the
    optimum); p_best; near_optimal; best (the optimum's row)."""
    table = level_matrix(runs, factor, impact)
    if table.shape[0] < 2:
        raise ValueError(f"sweep over {factor}: need at least 2 replications present at every level")
    means = table.mean()
    best = means.idxmax()
    pb = best_probabilities(table, seed=seed)
    rows = []
    for level in table.columns:
        m = mean_ci(table[level], seed=seed)
        d = paired_diff_ci(table[level], table[best], seed=seed)
        rows.append({factor: level, "mean": m.value, "lo": m.lo, "hi": m.hi,
                     "diff": d.value, "diff_lo": d.lo, "diff_hi": d.hi, "p_best": pb[level],
                     "near_optimal": bool(level == best or d.hi >= -tolerance), "best": bool(level == best),
                     "n": int(table.shape[0])})
    return pd.DataFrame(rows)


def near_optimal_band(curve: pd.DataFrame, factor: str) -> tuple[float, float]:
    """(lowest, highest) near-optimal level: the band's ends (it may have holes: the
    curve says which levels are in it)."""
    levels = curve.loc[curve.near_optimal, factor]
    return float(levels.min()), float(levels.max())


def flatness(curve: pd.DataFrame) -> float:
    """Spread of the mean curve (max - min), in impact units."""
    return float(curve["mean"].max() - curve["mean"].min())


def inverted_u(runs: pd.DataFrame, factor: str, impact: str = IMPACT, tolerance: float = MATERIAL,
               seed: int = 0) -> dict:
    """Is impact an inverted U in ``factor``? Returns ``holds`` (bool), ``best`` (level),
    ``interior`` (the optimum is not an end level), ``left`` and ``right`` (paired
    differences end - optimum, Estimates), and ``curvature``: the quadratic term of a
    least-squares fit of the mean curve on the level scaled to [0, 1], with a bootstrap
    CI over replications (negative: concave)."""
    table = level_matrix(runs, factor, impact)
    levels = np.asarray(table.columns, float)
    means = table.mean()
    best = means.idxmax()
    first, last = table.columns[0], table.columns[-1]
    left = paired_diff_ci(table[first], table[best], seed=seed)
    right = paired_diff_ci(table[last], table[best], seed=seed)
    interior = bool(best not in (first, last))

    def drop_clear(est):
        return bool(est.hi < 0 and est.value <= -tolerance)

    u = (levels - levels.min()) / (np.ptp(levels) or 1.0)
    x = table.to_numpy()
    rng = np.random.default_rng(seed)
    curv = [np.polyfit(u, x[rng.integers(0, len(x), len(x))].mean(axis=0), 2)[0] for _ in range(1000)] if len(u) >= 3 else [np.nan]
    c_hat = float(np.polyfit(u, x.mean(axis=0), 2)[0]) if len(u) >= 3 else np.nan
    curvature = (c_hat, float(np.quantile(curv, 0.025)), float(np.quantile(curv, 0.975)))
    holds = interior and drop_clear(left) and drop_clear(right)
    return {"holds": holds, "best": best, "interior": interior, "left": left, "right": right,
            "curvature": curvature}
