"""The report's figures (seaborn), returned as PNG bytes for embedding: impact over time
with 95% bands, cost per outcome and SROI, and the attribution of a backbone's gain to
its principles."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from .figures import GREY, plt, png_bytes, sns

SHORT = {
    "alignment": "alignment (1)", "momentum": "momentum (2)", "identity": "identity and relaunches (3)",
    "coordination": "coordination (4)", "population": "co-creation with beneficiaries (5)",
    "measurement": "measurement and learning (6)",
}


def _band(monthly: pd.DataFrame, metric: str) -> pd.DataFrame:
    g = monthly.groupby("month")[metric]
    mean, sd, n = g.mean(), g.std(ddof=1), g.count()
    half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd.fillna(0) / np.sqrt(n)
    return pd.DataFrame({"mean": mean, "lo": mean - half, "hi": mean + half}).reset_index()


def impact_over_time(runs: Mapping[str, dict], params: Mapping) -> bytes:
    fig, ax = plt.subplots(figsize=(9, 4.2))
    colors = sns.color_palette("colorblind", len(runs))
    for (name, r), color in zip(runs.items(), colors):
        b = _band(r["monthly"], "impact_share")
        ax.fill_between(b.month, 100 * b.lo, 100 * b.hi, color=color, alpha=0.2)
        ax.plot(b.month, 100 * b["mean"], color=color, lw=2, label=name)
    goals = {p.target_outcome_share for p in params.values()}
    for g in goals:
        ax.axhline(100 * g, color=GREY, ls="--", lw=1)
    ax.set(xlabel="month", ylabel="people with a sustained outcome (%)", ylim=(0, 100),
           title="Impact over time (mean and 95% band)")
    ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return png_bytes(fig)


def money(table: pd.DataFrame) -> bytes:
    panels = [("cost", "cost per sustained outcome (k)"), ("sroi", "gross SROI")]
    if "net_sroi" in table and any(np.isfinite(e.value) for e in table["net_sroi"]):
        panels.append(("net_sroi", "net SROI"))
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.4))
    names = list(table.scenario)
    colors = sns.color_palette("colorblind", len(names))
    for ax, (col, label) in zip(axes, panels):
        vals = np.array([e.value for e in table[col]])
        lo = np.array([e.lo for e in table[col]])
        hi = np.array([e.hi for e in table[col]])
        ok = np.isfinite(vals)
        y = np.arange(len(names))
        ax.barh(y[ok], vals[ok], xerr=np.clip([vals[ok] - lo[ok], hi[ok] - vals[ok]], 0, None),
                color=[c for c, k in zip(colors, ok) if k])
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set(xlabel=label)
    fig.tight_layout()
    return png_bytes(fig)


def attribution(att: dict, name: str) -> bytes:
    c = att["contributions"]
    rem = att["remainder"]
    rest = "interactions and admin capacity" if rem.value >= 0 else "overlap between principles"
    labels = [SHORT[q] for q in c.principle] + [rest]
    vals = 100 * np.append(c.value.to_numpy(), rem.value)
    lo = 100 * np.append(c.lo.to_numpy(), rem.lo)
    hi = 100 * np.append(c.hi.to_numpy(), rem.hi)
    fig, ax = plt.subplots(figsize=(8, 3.4))
    y = np.arange(len(labels))
    ax.barh(y, vals, xerr=np.clip([vals - lo, hi - vals], 0, None), color=sns.color_palette("colorblind")[0])
    ax.axvline(0, color=GREY, lw=1)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    g = att["gain"]
    ax.set(xlabel="points of long-term impact (percentage points)",
           title=f"{name}: where the {100 * g.value:.0f} points gained by orchestration come from")
    fig.tight_layout()
    return png_bytes(fig)
