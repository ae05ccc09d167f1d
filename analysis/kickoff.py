"""The kickoff effect: how much a relaunch raises a team's output in the months after it.

Design (twin runs on common random numbers). Each replication runs twice from the same
seed: the ``kickoff`` arm as the scenario is, and a ``placebo`` arm in which relaunches
happen by the same rule, at the same cost in partner hours, but restore nothing
(``relaunch_trust_restore``, ``relaunch_engagement_gain`` and ``relaunch_knowledge_gain``
set to 0). Until the first relaunch the twins are the same run, number for number; from
the first relaunch on, any difference is that relaunch's doing. So

    effect(k) = mean over runs of  [Y_kickoff(t1 + k) - Y_placebo(t1 + k)] / Y_placebo(t1 + k)

where t1 is the month of a run's first relaunch, k = 0, 1, ... months after it and Y the
output measure (default ``service_hours``, the results chain's output level). A run
leaves the average (is censored) once its second relaunch or the horizon is reached, so
each effect(k) measures one relaunch only. The headline is the *peak* of the mean curve
over k, with a bootstrap CI of the peak (resampling runs, recomputing the curve and its
maximum), and the month of the peak. ``pre_gap`` checks the design: the largest
difference between the twins before t1 (zero when the twins really share their past).

Usage::

    from backbone.analysis.kickoff import kickoff_curve, kickoff_peak
    curve = kickoff_curve(monthly)   # monthly: arm, replication, month, relaunches, service_hours
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .stats import Estimate, mean_ci

ARMS = ("kickoff", "placebo")
PLACEBO = {"relaunch_trust_restore": 0.0, "relaunch_engagement_gain": 0.0, "relaunch_knowledge_gain": 0.0}
OUTPUT = "service_hours"


def relaunch_months(monthly: pd.DataFrame) -> pd.DataFrame:
    """First and second relaunch month per replication of the kickoff arm, from the
    cumulative ``relaunches`` column (NaN: none)."""
    k = monthly[monthly.arm == "kickoff"]
    rows = []
    for rep, g in k.groupby("replication"):
        g = g.sort_values("month")
        first = g.loc[g.relaunches >= 1, "month"]
        second = g.loc[g.relaunches >= 2, "month"]
        rows.append({"replication": rep, "t1": first.iloc[0] if len(first) else np.nan,
                     "t2": second.iloc[0] if len(second) else np.nan, "horizon": g.month.max()})
    return pd.DataFrame(rows)


def effect_matrix(monthly: pd.DataFrame, metric: str = OUTPUT, window: int = 12) -> tuple[pd.DataFrame, float]:
    """Runs x k table of relative effects (NaN where censored or no relaunch), and the
    largest absolute twin difference before the first relaunch (pre_gap)."""
    missing = {"arm", "replication", "month", "relaunches", metric} - set(monthly.columns)
    if missing:
        raise ValueError(f"kickoff monthly table lacks columns {sorted(missing)}")
    wide = monthly.pivot_table(index=["replication", "month"], columns="arm", values=metric)
    for arm in ARMS:
        if arm not in wide.columns:
            raise ValueError(f"kickoff monthly table lacks arm '{arm}'")
    times = relaunch_months(monthly).set_index("replication")
    out = np.full((len(times), window), np.nan)
    pre_gap = 0.0
    for r, (rep, t) in enumerate(times.iterrows()):
        if np.isnan(t.t1):
            continue
        g = wide.loc[rep]
        before = g.loc[g.index < t.t1]
        if len(before):
            pre_gap = max(pre_gap, float((before.kickoff - before.placebo).abs().max()))
        end = t.t2 if not np.isnan(t.t2) else t.horizon + 1
        for k in range(window):
            m = t.t1 + k
            if m >= end or m not in g.index:
                break
            base = g.at[m, "placebo"]
            if base > 0:
                out[r, k] = (g.at[m, "kickoff"] - base) / base
    return pd.DataFrame(out, index=times.index, columns=range(window)), pre_gap


def kickoff_curve(monthly: pd.DataFrame, metric: str = OUTPUT, window: int = 12, seed: int = 0) -> pd.DataFrame:
    """One row per k: effect (mean relative difference), lo, hi, n (runs not censored)."""
    mat, _ = effect_matrix(monthly, metric, window)
    rows = []
    for k in mat.columns:
        x = mat[k].dropna().to_numpy()
        if len(x) >= 2:
            e = mean_ci(x, seed=seed)
            rows.append({"k": k, "effect": e.value, "lo": e.lo, "hi": e.hi, "n": len(x)})
        elif len(x) == 1:
            rows.append({"k": k, "effect": float(x[0]), "lo": np.nan, "hi": np.nan, "n": 1})
    return pd.DataFrame(rows, columns=["k", "effect", "lo", "hi", "n"])


def kickoff_peak(monthly: pd.DataFrame, metric: str = OUTPUT, window: int = 12, min_runs: int = 3,
                 n_resamples: int = 1000, seed: int = 0) -> dict:
    """The peak of the mean effect curve over k (only k with at least ``min_runs`` runs),
    its bootstrap CI, the month of the peak, the share of runs with a relaunch, and
    ``pre_gap`` (the design check)."""
    mat, pre_gap = effect_matrix(monthly, metric, window)
    have = mat.notna().sum()
    ks = [k for k in mat.columns if have[k] >= min_runs]
    share_relaunched = float(mat[0].notna().mean()) if len(mat) else 0.0
    if not ks:
        return {"peak": Estimate(np.nan, np.nan, np.nan), "k": None, "runs": int(mat[0].notna().sum()),
                "share_relaunched": share_relaunched, "pre_gap": pre_gap}
    x = mat[ks].to_numpy()
    means = np.nanmean(x, axis=0)
    k_best = ks[int(np.argmax(means))]
    rng = np.random.default_rng(seed)
    idx_rows = np.flatnonzero(np.isfinite(x[:, 0]) | np.isfinite(x).any(axis=1))
    peaks = []
    for _ in range(n_resamples):
        sample = x[rng.choice(idx_rows, len(idx_rows))]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a k with no run in this resample
            m = np.nanmean(sample, axis=0)
        if np.isfinite(m).any():
            peaks.append(np.nanmax(m))
    peak = Estimate(float(means.max()), float(np.quantile(peaks, 0.025)), float(np.quantile(peaks, 0.975)))
    return {"peak": peak, "k": int(k_best), "runs": int(np.isfinite(x[:, 0]).sum()),
            "share_relaunched": share_relaunched, "pre_gap": pre_gap}
