"""Where collective impact beats isolated impact: a phase diagram, with the boundary's
uncertainty.

Input: runs of two arms (by default ``collective``: pooled fund with a backbone;
``isolated``: isolated grants, no backbone) over a grid of two factors (by default
problem ``complexity`` and ``horizon`` in months), on common random numbers: replication
r of every cell and both arms used the same seed.

Each cell gets the paired difference collective - isolated with its 95% CI and a winner:
``collective`` or ``isolated`` when the CI excludes zero, ``tie`` otherwise. The boundary
is, for each horizon, the lowest complexity from which collective impact wins at every
higher complexity on the grid; its uncertainty comes from resampling replications (the
same resample in every cell, since the cells share seeds) and recomputing it.

Usage::

    from backbone.analysis.phase import phase_cells, phase_boundary
    cells = phase_cells(runs)        # runs: arm, complexity, horizon, replication, impact
    bound = phase_boundary(runs)     # one row per horizon: boundary and its 95% interval
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .stats import IMPACT, paired_diff_ci

def _wide(runs, x, y, a, b, impact):
    need = {"arm", x, y, "replication", impact}
    missing = need - set(runs.columns)
    if missing:
        raise ValueError(f"phase runs lack columns {sorted(missing)}")
    w = runs.pivot_table(index=[x, y, "replication"], columns="arm", values=impact, aggfunc="mean")
    for arm in (a, b):
        if arm not in w.columns:
            raise ValueError(f"phase runs lack arm '{arm}'")
    return w[[a, b]].dropna().reset_index()


def phase_cells(runs: pd.DataFrame, x: str = "complexity", y: str = "horizon", a: str = "collective",
                b: str = "isolated", impact: str = IMPACT, seed: int = 0) -> pd.DataFrame:
    """One row per (x, y) cell: diff (a - b), diff_lo, diff_hi, i_a, i_b, winner, n."""
    w = _wide(runs, x, y, a, b, impact)
    rows = []
    for (xv, yv), g in w.groupby([x, y]):
        d = paired_diff_ci(g[a], g[b], seed=seed)
        winner = a if d.lo > 0 else (b if d.hi < 0 else "tie")
        rows.append({x: xv, y: yv, "diff": d.value, "diff_lo": d.lo, "diff_hi": d.hi,
                     f"i_{a}": g[a].mean(), f"i_{b}": g[b].mean(), "winner": winner, "n": len(g)})
    return pd.DataFrame(rows)


def boundary_from_means(diff: pd.DataFrame, x: str, y: str) -> pd.Series:
    """For each y: the lowest x from which the mean difference is positive at every
    higher x of the grid (NaN: the first arm never wins from some x on; the lowest x
    when it wins everywhere)."""
    out = {}
    for yv, g in diff.groupby(y):
        g = g.sort_values(x)
        xs, d = g[x].to_numpy(float), g["diff"].to_numpy(float)
        wins = d > 0
        if not wins[-1]:
            out[yv] = np.nan
            continue
        k = len(wins) - 1
        while k > 0 and wins[k - 1]:
            k -= 1
        out[yv] = xs[k]
    return pd.Series(out, name="boundary")


def phase_boundary(runs: pd.DataFrame, x: str = "complexity", y: str = "horizon", a: str = "collective",
                   b: str = "isolated", impact: str = IMPACT, n_resamples: int = 500,
                   seed: int = 0) -> pd.DataFrame:
    """One row per y: ``boundary`` (from the mean differences), ``lo`` and ``hi`` (the
    2.5% and 97.5% quantiles of the boundary over bootstrap resamples of replications;
    a resample where the first arm never wins counts as beyond the grid, +inf), and
    ``p_wins_somewhere`` (share of resamples with a boundary inside the grid)."""
    w = _wide(runs, x, y, a, b, impact)
    w["d"] = w[a] - w[b]
    table = w.pivot_table(index="replication", columns=[x, y], values="d")
    reps = table.to_numpy()
    cols = table.columns
    point = boundary_from_means(
        pd.DataFrame({x: cols.get_level_values(0), y: cols.get_level_values(1), "diff": np.nanmean(reps, axis=0)}), x, y)
    rng = np.random.default_rng(seed)
    n = reps.shape[0]
    draws = {yv: [] for yv in point.index}
    for _ in range(n_resamples):
        idx = rng.integers(0, n, n)
        means = np.nanmean(reps[idx], axis=0)
        bd = boundary_from_means(pd.DataFrame({x: cols.get_level_values(0), y: cols.get_level_values(1), "diff": means}), x, y)
        for yv, v in bd.items():
            draws[yv].append(np.inf if np.isnan(v) else v)
    rows = []
    for yv in point.index:
        d = np.asarray(draws[yv])
        rows.append({y: yv, "boundary": point[yv], "lo": float(np.quantile(d, 0.025, method="lower")),
                     "hi": float(np.quantile(d, 0.975, method="higher")), "p_wins_somewhere": float(np.isfinite(d).mean())})
    return pd.DataFrame(rows)
