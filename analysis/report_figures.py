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
    """Mean by month and its 95% band: a share's band is the bootstrap band over runs
    (``stats.bootstrap_band``, inside [0, 1]); any other metric's, the t-interval."""
    from .compare import bounded

    if bounded(metric) and "replication" in monthly.columns:
        from .stats import bootstrap_band

        wide = monthly.pivot_table(index="replication", columns="month", values=metric, dropna=False)
        mean, lo, hi = bootstrap_band(wide.to_numpy())
        return pd.DataFrame({"month": wide.columns, "mean": mean, "lo": lo, "hi": hi})
    g = monthly.groupby("month")[metric]
    mean, sd, n = g.mean(), g.std(ddof=1), g.count()
    half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd.fillna(0) / np.sqrt(n)
    return pd.DataFrame({"mean": mean, "lo": mean - half, "hi": mean + half}).reset_index()


def goal_marks(top: float, goals) -> tuple[float, list[float], list[float]]:
    """The y range of the impact chart (in %) from the curves' top (``top``, in %), and
    the goals (shares) drawn as lines inside it and those noted as above it: the goal
    never sets the range."""
    ymax = min(100.0, max(5.0, 1.25 * top))
    goals = sorted(set(goals))
    return ymax, [g for g in goals if 100 * g <= ymax], [g for g in goals if 100 * g > ymax]


def impact_over_time(runs: Mapping[str, dict], params: Mapping, titles: Mapping[str, str] | None = None) -> bytes:
    """Each scenario's share with a sustained outcome by month, mean and 95% band. The
    y range follows the curves; a goal above them is a note at the top right with an
    arrow, not a line that would squash the curves at the bottom."""
    titles = titles or {}
    fig, ax = plt.subplots(figsize=(9, 4.2))
    colors = sns.color_palette("colorblind", len(runs))
    top = 0.0
    for (name, r), color in zip(runs.items(), colors):
        b = _band(r["monthly"], "impact_share")
        ax.fill_between(b.month, 100 * b.lo, 100 * b.hi, color=color, alpha=0.2)
        ax.plot(b.month, 100 * b["mean"], color=color, lw=2, label=titles.get(name, name))
        top = max(top, float(np.nanmax(100 * b.hi)) if len(b) else 0.0)
    ymax, inside, above = goal_marks(top, [p.target_outcome_share for p in params.values()])
    for g in inside:
        ax.axhline(100 * g, color=GREY, ls="--", lw=1)
        ax.annotate(f"goal: {100 * g:.0f}%", (1.0, 100 * g), xycoords=("axes fraction", "data"),
                    xytext=(-4, 3), textcoords="offset points", ha="right", fontsize=9, color=GREY)
    if above:
        text = "goal" + ("s" if len(above) > 1 else "") + ": " + ", ".join(f"{100 * g:.0f}%" for g in above)
        ax.annotate(f"{text} (above this range)", xy=(0.99, 1.0), xycoords="axes fraction", xytext=(0.99, 0.90),
                    textcoords="axes fraction", ha="right", va="top", fontsize=9, color=GREY,
                    arrowprops={"arrowstyle": "->", "color": GREY})
    ax.set(xlabel="month", ylabel="people with a sustained outcome (%)", ylim=(0, ymax),
           title="Impact over time (mean and 95% band)")
    ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return png_bytes(fig)


def money(table: pd.DataFrame, currency: str = "") -> bytes:
    """The money table's pooled figures as bars with their intervals, under the names of
    ``analysis.labels.FIGURES``."""
    from .labels import figure_name

    panels = [("cost", figure_name("cost_pooled", currency or None)), ("sroi", figure_name("gross_sroi_pooled"))]
    if "net_sroi" in table and any(np.isfinite(e.value) for e in table["net_sroi"]):
        panels.append(("net_sroi", figure_name("net_sroi_pooled")))
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
        ax.set_xlabel(label.replace(", all runs", ",\nall runs"))
    fig.tight_layout()
    return png_bytes(fig)


def attribution(att: dict, name: str) -> bytes:
    c = att["contributions"]
    rem = att["remainder"]
    rest = ("rest of the gain (no single principle)" if rem.value >= 0
            else "overlap: costs beyond the gain")
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
    ax.set(xlabel="long-term impact lost when switched off alone (percentage points)",
           title=f"{name}: orchestration adds {100 * g.value:.1f} points.\nWhat each principle costs when "
                 "switched off alone")
    fig.tight_layout()
    return png_bytes(fig)
