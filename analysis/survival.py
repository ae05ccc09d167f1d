"""Survival of partnerships: when a partnership falters, Kaplan-Meier curves with
censoring at the horizon, and the log-rank test between arms.

A partnership *falters* in the first month in which any of these holds (read from the
model's monthly state; each is a state the model reaches through its own mechanisms,
none is imposed):

- ``dissolved``:  no funder is left paying in, or fewer than `min_partners` partners remain (the
                  model dissolves the partnership then);
- ``partners``:   fewer than half of the launch partners' number are still members
                  (exits outpace recruitment);
- ``engagement``: partners' mean engagement has fallen below half its value at launch
                  (momentum has collapsed);
- ``funding``:    funders' mean funding level has fallen below half of what they
                  pledged at launch (reviews have cut the money).

A run that never falters is censored at its horizon. The survival curve S(t) is the
Kaplan-Meier estimate (``scipy.stats.ecdf`` on right-censored data) with Greenwood
log-log 95% bands; arms are compared with the log-rank test (``scipy.stats.logrank``).

Usage::

    from backbone.analysis.survival import falter_times, kaplan_meier, survival_at
    t = falter_times(monthly, launch_size=8, init_engagement=0.6)
    curve = kaplan_meier(t.time, t.event)
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .stats import Estimate

CAUSES = ("dissolved", "partners", "engagement", "funding")


def falter_month(g: pd.DataFrame, launch_size: int, init_engagement: float) -> tuple[float, str]:
    """(month, cause) of one run's monthly table, or (NaN, '') when it never falters."""
    g = g.sort_values("month")
    checks = {
        "dissolved": (g["active_funders"] <= 0) | (g["active_partners"] < 2),
        "partners": g["active_partners"] < launch_size / 2.0,
        "engagement": g["mean_engagement"] < init_engagement / 2.0,
        "funding": g["funder_level"] < 0.5,
    }
    first, cause = np.inf, ""
    for name in CAUSES:
        hit = g.loc[checks[name], "month"]
        if len(hit) and hit.iloc[0] < first:
            first, cause = float(hit.iloc[0]), name
    return (first, cause) if np.isfinite(first) else (np.nan, "")


def falter_times(monthly: pd.DataFrame, launch_size: int, init_engagement: float,
                 by: tuple[str, ...] = ("replication",)) -> pd.DataFrame:
    """One row per run (grouped by ``by``): time (the falter month, or the horizon if
    censored), event (1 faltered, 0 censored), cause."""
    need = {"month", "active_partners", "active_funders", "mean_engagement", "funder_level", *by}
    missing = need - set(monthly.columns)
    if missing:
        raise ValueError(f"survival monthly table lacks columns {sorted(missing)}")
    rows = []
    for key, g in monthly.groupby(list(by)):
        t, cause = falter_month(g, launch_size, init_engagement)
        horizon = float(g["month"].max())
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, key)), "time": horizon if np.isnan(t) else t,
                     "event": 0 if np.isnan(t) else 1, "cause": cause})
    return pd.DataFrame(rows)


def _ecdf(time, event):
    time, event = np.asarray(time, float), np.asarray(event, int)
    if time.shape != event.shape or time.size == 0:
        raise ValueError("survival: time and event need one value per run")
    data = stats.CensoredData(uncensored=time[event == 1], right=time[event == 0])
    return stats.ecdf(data)


def kaplan_meier(time, event) -> pd.DataFrame:
    """The Kaplan-Meier curve as a step table: time, survival, lo, hi, at_risk, events;
    the first row is time 0 with survival 1."""
    time, event = np.asarray(time, float), np.asarray(event, int)
    rows = [{"time": 0.0, "survival": 1.0, "lo": 1.0, "hi": 1.0,
             "at_risk": int(time.size), "events": 0}]
    if event.sum() == 0:
        _ = _ecdf(time, event) if time.size else None  # validates the input
        return pd.DataFrame(rows)
    res = _ecdf(time, event)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # undefined band where S = 0
        ci = res.sf.confidence_interval(method="log-log")
    for t, s, lo, hi in zip(res.sf.quantiles, res.sf.probabilities, ci.low.probabilities, ci.high.probabilities):
        rows.append({"time": float(t), "survival": float(s),
                     "lo": float(lo) if np.isfinite(lo) else float(s),
                     "hi": float(hi) if np.isfinite(hi) else float(s),
                     "at_risk": int((time >= t).sum()), "events": int(((time == t) & (event == 1)).sum())})
    return pd.DataFrame(rows)


def survival_at(time, event, t: float) -> Estimate:
    """S(t) with its 95% band (the last step at or before t)."""
    curve = kaplan_meier(time, event)
    row = curve[curve.time <= t].iloc[-1]
    return Estimate(float(row.survival), float(row.lo), float(row.hi), "Kaplan-Meier, Greenwood log-log")


def logrank_p(time_a, event_a, time_b, event_b) -> float:
    """Two-sided p-value of the log-rank test (NaN when neither arm has an event)."""
    if np.sum(event_a) + np.sum(event_b) == 0:
        return float("nan")
    a = stats.CensoredData(uncensored=np.asarray(time_a, float)[np.asarray(event_a) == 1],
                           right=np.asarray(time_a, float)[np.asarray(event_a) == 0])
    b = stats.CensoredData(uncensored=np.asarray(time_b, float)[np.asarray(event_b) == 1],
                           right=np.asarray(time_b, float)[np.asarray(event_b) == 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.logrank(a, b).pvalue)
