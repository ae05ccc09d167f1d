"""One seaborn figure per claim, drawn from the claim's tables (never from new runs).

Every function returns a ``matplotlib.figure.Figure`` (the Agg backend: no display
needed); ``save(fig, path)`` writes a PNG and ``png_bytes(fig)`` gives the bytes the HTML
report embeds. Impact is shown in percent of the target population.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .payoff import CLASSES  # noqa: E402
from .stats import IMPACT  # noqa: E402

sns.set_theme(style="whitegrid", context="notebook", font_scale=0.9)
BLUE, ORANGE, GREEN, GREY = sns.color_palette("colorblind")[0], sns.color_palette("colorblind")[1], \
    sns.color_palette("colorblind")[2], "0.5"


def save(fig, path) -> None:
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def png_bytes(fig, dpi: int = 110) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def payoff(curve: pd.DataFrame, points: pd.DataFrame | None = None):
    """R(s) with its 95% CI against the claimed 3-4 band and break-even; where the
    uncertainty points fall."""
    fig, axes = plt.subplots(1, 2 if points is not None else 1, figsize=(11 if points is not None else 6, 4),
                             squeeze=False, gridspec_kw={"width_ratios": [3, 2]} if points is not None else None)
    ax = axes[0, 0]
    ok = curve[curve.bounded]
    x = 100 * curve.share
    ax.axhspan(3, 4, color=GREEN, alpha=0.2, label="claimed 3-4:1")
    ax.axhline(1, color=GREY, ls="--", lw=1, label="break-even")
    ax.fill_between(100 * ok.share, ok.ratio_lo, ok.ratio_hi, color=BLUE, alpha=0.25, label="95% CI")
    ax.plot(x, curve.ratio, "-", color=BLUE)
    ax.plot(100 * ok.share, ok.ratio, "o", color=BLUE, label="payoff ratio R(s)")
    un = curve[~curve.bounded]
    if len(un):
        ax.plot(100 * un.share, un.ratio, "o", mfc="white", color=BLUE, label="unbounded: no detectable direct value")
    finite = np.concatenate([ok.ratio_lo, ok.ratio_hi, curve.ratio, [0, 5]])
    finite = finite[np.isfinite(finite)]
    if finite.max() > 20:  # keep the claimed band readable next to large ratios
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylim(min(0, finite.min()) - 0.5, finite.max() * 1.5)
    else:
        ax.set_ylim(min(0, finite.min()) - 0.5, finite.max() + 0.5)
    ax.set(xlabel="backbone share of the budget (%)", ylabel="R = backbone gain / direct value",
           title="Backbone payoff ratio (common random numbers)")
    ax.legend(loc="best", fontsize=8)
    if points is not None:
        ax2 = axes[0, 1]
        counts = points["class"].value_counts().reindex(CLASSES, fill_value=0)
        sns.barplot(x=100 * counts.values / max(len(points), 1), y=list(counts.index), ax=ax2, color=BLUE,
                    orient="h")
        ax2.set(xlabel="% of uncertainty points", ylabel="", title="R at the base share, across assumptions")
    fig.tight_layout()
    return fig


def regime(cells: pd.DataFrame, boundary: pd.DataFrame | None = None):
    """Phase diagram: collective - isolated long-term impact (pp) over complexity x
    horizon; '=' marks a tie (CI covers zero)."""
    pivot = cells.pivot(index="horizon", columns="complexity", values="diff") * 100
    win = cells.pivot(index="horizon", columns="complexity", values="winner")
    labels = pivot.round(0).astype(int).astype(str).where(win != "tie", "=")
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    lim = max(abs(np.nanmin(pivot.values)), abs(np.nanmax(pivot.values)), 1)
    sns.heatmap(pivot.iloc[::-1], annot=labels.iloc[::-1], fmt="", cmap="RdBu", center=0, vmin=-lim, vmax=lim,
                cbar_kws={"label": "collective - isolated (pp)"}, ax=ax, linewidths=0.5)
    ax.set(xlabel="problem complexity (need dimensions served together)", ylabel="horizon (months)",
           title="Where collective impact beats isolated impact")
    fig.tight_layout()
    return fig


def sweep(curve: pd.DataFrame, factor: str, xlabel: str, marks=(), percent: bool = False):
    """Mean long-term impact over a factor's levels with 95% CIs; near-optimal levels
    filled, the others hollow; dotted lines at the claimed values."""
    k = 100 if percent else 1
    fig, ax = plt.subplots(figsize=(6.5, 4))
    x = k * curve[factor].astype(float)
    ax.fill_between(x, 100 * curve.lo, 100 * curve.hi, color=BLUE, alpha=0.2, label="95% CI")
    ax.plot(x, 100 * curve["mean"], "-", color=BLUE)
    near = curve.near_optimal.to_numpy()
    ax.plot(x[near], 100 * curve["mean"][near], "o", color=BLUE, label="near-optimal")
    ax.plot(x[~near], 100 * curve["mean"][~near], "o", mfc="white", color=BLUE, label="clearly worse")
    for i, m in enumerate(marks):
        ax.axvline(k * m, color=ORANGE, ls=":", lw=1.5, label="claim's reference" if i == 0 else None)
    ax.set(xlabel=xlabel + (" (%)" if percent else ""), ylabel="long-term impact (% of target population)",
           title=f"Impact over {factor.replace('_', ' ')}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def kickoff(curve: pd.DataFrame, band=(0.15, 0.30)):
    """Relative effect of the first relaunch on output, k months after it."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.axhspan(100 * band[0], 100 * band[1], color=GREEN, alpha=0.2, label="claimed order (15-30%)")
    ax.axhline(0, color=GREY, lw=1)
    if len(curve):
        ax.fill_between(curve.k, 100 * curve.lo, 100 * curve.hi, color=BLUE, alpha=0.25, label="95% CI")
        ax.plot(curve.k, 100 * curve.effect, "o-", color=BLUE, label="kickoff vs placebo twin")
    ax.set(xlabel="months after the first relaunch", ylabel="effect on service hours (%)",
           title="Kickoff effect on output")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def survival(curves: dict):
    """Kaplan-Meier curves (share of partnerships not yet faltered) per backbone share."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    horizon = max(float(c.time.max()) for c in curves.values())
    for z, ((share, c), color) in enumerate(zip(sorted(curves.items()), (ORANGE, BLUE, GREEN, GREY))):
        label = "no backbone" if share == 0 else f"backbone {100 * share:.0f}%"
        c = pd.concat([c, c.iloc[[-1]].assign(time=horizon)], ignore_index=True)  # draw to the horizon
        ax.step(c.time, 100 * c.survival, where="post", color=color, lw=2.5, label=label, zorder=3 + z)
        ax.fill_between(c.time, 100 * c.lo, 100 * c.hi, step="post", color=color, alpha=0.2)
    ax.set(xlabel="month (runs that never falter are censored at the horizon)",
           ylabel="partnerships not yet faltered (%)", ylim=(-2, 105),
           title="Survival of partnerships (Kaplan-Meier)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def ablation(runs: pd.DataFrame, col: str, labels: dict):
    """Long-term impact with and without a mechanism, and the paired differences."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    d = runs.assign(arm=runs[col].map(labels))
    sns.barplot(data=d.assign(pct=100 * d[IMPACT]), x="arm", y="pct", order=list(labels.values()),
                errorbar=("ci", 95), ax=axes[0], color=BLUE)
    axes[0].set(xlabel="", ylabel="long-term impact (%)", title="Impact, mean and 95% CI")
    w = runs.pivot_table(index="replication", columns=col, values=IMPACT)
    keys = list(labels)
    diff = 100 * (w[keys[0]] - w[keys[1]])
    sns.histplot(diff, ax=axes[1], color=BLUE, bins=20)
    axes[1].axvline(0, color=GREY, lw=1)
    axes[1].set(xlabel=f"{labels[keys[0]]} - {labels[keys[1]]} (pp, same seed)", ylabel="runs",
                title="Paired differences")
    fig.tight_layout()
    return fig


def agenda(grid: pd.DataFrame):
    """Impact and needs accuracy over funders' agenda power x beneficiary involvement."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, metric, title, fmt, k, width in ((axes[0], IMPACT, "long-term impact (%)", ".1f", 100, 5.0),
                                             (axes[1], "needs_accuracy", "accuracy of the needs estimate", ".3f", 1,
                                              0.05)):
        p = grid.pivot(index="funder_agenda_power", columns="beneficiary_involvement", values=metric) * k
        mid = float(np.nanmean(p.values))
        half = max(float(np.nanmax(p.values) - np.nanmin(p.values)) / 2, width / 2)  # no colour drama on noise
        sns.heatmap(p.iloc[::-1], annot=True, fmt=fmt, cmap="viridis", ax=ax, cbar=True,
                    vmin=mid - half, vmax=mid + half)
        ax.set(xlabel="beneficiary involvement", ylabel="funders' agenda power", title=title)
    fig.suptitle("Who sets the agenda")
    fig.tight_layout()
    return fig


def sobol(tables: dict):
    """First-order (S1) and total (ST) Sobol' indices with 95% CIs, per output."""
    fig, axes = plt.subplots(1, len(tables), figsize=(5.5 * len(tables), 4.5), squeeze=False)
    for ax, (name, t) in zip(axes[0], tables.items()):
        y = np.arange(len(t))
        ax.barh(y - 0.2, t.ST, 0.4, xerr=np.clip([t.ST - t.ST_lo, t.ST_hi - t.ST], 0, None), color=BLUE, label="total (ST)")
        ax.barh(y + 0.2, t.S1, 0.4, xerr=np.clip([t.S1 - t.S1_lo, t.S1_hi - t.S1], 0, None), color=ORANGE, label="first order (S1)")
        ax.set_yticks(y, t.factor)
        ax.invert_yaxis()
        ax.set(xlabel="Sobol' index", title=f"What drives {name}")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def peeling(box, title: str = ""):
    """A PRIM peeling trajectory (``analysis.discover``): density against coverage at each
    step, coloured by the number of restricted factors; the base rate as a dashed line;
    the reported box circled, or the best candidate marked "no box" when it failed the
    rule."""
    t = box.trajectory
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    pts = ax.scatter(100 * t.coverage, 100 * t.density, c=t["res dim"], cmap="viridis", s=22, zorder=3)
    ax.plot(100 * t.coverage, 100 * t.density, "-", color=GREY, lw=0.8, zorder=2)
    base = getattr(box, "base_rate", np.nan)
    if base == base:
        ax.axhline(100 * base, color=GREY, ls="--", lw=1, label=f"base rate {100 * base:.0f}%")
    if 0 <= box.selected < len(t):
        r = t.iloc[box.selected]
        found = getattr(box, "found", True)
        ax.plot(100 * r.coverage, 100 * r.density, "o" if found else "x", ms=12, mfc="none",
                mec=ORANGE if found else GREY, mew=2, zorder=4,
                label="reported box" if found else "best candidate: no box (not beyond chance)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="lower left")
    cb = fig.colorbar(pts, ax=ax, label="restricted factors")
    cb.set_ticks(range(int(t["res dim"].max()) + 1))
    ax.set(xlabel="coverage (% of the cases where it holds)", ylabel="density (% of the cases in the box)",
           title=f"Where it holds (PRIM): {title}" if title else "PRIM peeling trajectory")
    ax.title.set_fontsize(9)
    fig.tight_layout()
    return fig
