"""Figures of a calibration folder (``analysis.calibrate``), drawn from the folder alone:
``figures/marginals.png`` (each parameter's weighted posterior histogram over its prior
range, the uniform prior's density dashed, the 90% credible interval shaded),
``pairs.png`` (weighted scatter of every pair of parameters), ``ess.png`` (effective
sample size and epsilon per generation) and ``predictive.png`` (the posterior predictive
check: each target's statistic under posterior draws against its band, with the share of
draws inside).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

COVERED_SHARE = 0.5  # analysis.calibrate.COVERED_SHARE (defined here: calibrate imports this module)


def calibration_figures(folder: str | Path, opened: tuple) -> list[Path]:
    """Marginals, pairs, effective sample size per generation and the posterior
    predictive check, as PNGs in ``folder/figures``, from the folder alone (``opened``:
    what ``analysis.calibrate.open_folder`` read from it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    manifest, targets, post, gens, pred = opened
    figs = Path(folder) / "figures"
    figs.mkdir(exist_ok=True)
    last = post[post["generation"] == post["generation"].max()]
    drawn = {"marginals.png": marginals(plt, manifest, targets, last), "ess.png": ess(plt, gens),
             "predictive.png": predictive(plt, targets, pred)}
    if len(targets.names) >= 2:
        drawn["pairs.png"] = pairs(plt, list(targets.names), last)
    written = []
    for name in ("marginals.png", "pairs.png", "ess.png", "predictive.png"):
        if name in drawn:
            drawn[name].savefig(figs / name, dpi=110, bbox_inches="tight")
            plt.close(drawn[name])
            written.append(figs / name)
    return written


def marginals(plt, manifest, targets, last):
    """Each parameter's weighted posterior histogram, its prior and 90% credible band."""
    names = list(targets.names)
    priors = {p.name: p for p in targets.priors}
    w = last["weight"].to_numpy()
    k = len(names)
    fig, axes = plt.subplots(1, k, figsize=(3.2 * k, 2.8), squeeze=False)
    for ax, name in zip(axes[0], names):
        p = priors[name]
        ax.hist(last[name], bins=25, weights=w, density=True, range=(p.lo, p.hi), color="#3b6ea5", alpha=0.8,
                label="posterior")
        ax.axhline(1.0 / (p.hi - p.lo) if p.shape == "uniform" else np.nan, color="grey", ls="--", lw=1,
                   label="prior")
        q = manifest["credible_90"][name]
        ax.axvspan(q["q05"], q["q95"], color="#3b6ea5", alpha=0.12, label="90% credible")
        ax.set_title(name, fontsize=9)
    axes[0][0].legend(fontsize=7)
    gen = int(last["generation"].iloc[0]) + 1
    fig.suptitle(f"Posterior marginals (generation {gen}, {len(last)} particles)", y=1.06)
    return fig


def pairs(plt, names: list[str], last):
    """The pairs plot of the last generation (point size: weight)."""
    w = last["weight"].to_numpy()
    k = len(names)
    fig, axes = plt.subplots(k, k, figsize=(2.4 * k, 2.4 * k), squeeze=False)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i][j]
            if i == j:
                ax.hist(last[a], bins=20, weights=w, color="#3b6ea5")
            elif i > j:
                ax.scatter(last[b], last[a], s=4 + 400 * w, alpha=0.5, color="#3b6ea5")
            else:
                ax.axis("off")
            if i == k - 1:
                ax.set_xlabel(b, fontsize=7)
            if j == 0:
                ax.set_ylabel(a, fontsize=7)
            ax.tick_params(labelsize=6)
    fig.suptitle("Posterior pairs (point size: weight)")
    return fig


def ess(plt, gens):
    """Effective sample size, particles and epsilon by generation."""
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(gens["generation"] + 1, gens["ess"], marker="o", label="effective sample size")
    ax.plot(gens["generation"] + 1, gens["particles"], ls="--", color="grey", label="particles")
    ax.set_xlabel("generation")
    ax.set_ylabel("particles")
    ax2 = ax.twinx()
    ax2.plot(gens["generation"] + 1, gens["epsilon"], color="#c0504d", marker="s", label="epsilon")
    ax2.set_ylabel("epsilon (distance threshold)")
    ax.legend(loc="lower left", fontsize=7)
    ax2.legend(loc="upper right", fontsize=7)
    return fig


def predictive_coverage(targets, pred):
    """Per target: its band, the predictive draws' median and central 90% interval, the
    share of draws inside the band, and ``covered``: whether that share is at least
    ``COVERED_SHARE`` (the calibrated model reproduces the pattern
    more often than not)."""
    import pandas as pd

    rows = []
    for pat in targets.patterns.patterns:
        vals = pred.loc[pred["target"] == pat.key, "value"].to_numpy(dtype=float)
        vals = vals[np.isfinite(vals)]
        lo, hi = pat.target
        if len(vals):
            q05, q50, q95 = (float(x) for x in np.quantile(vals, [0.05, 0.5, 0.95]))
            inside = float(np.mean((vals >= lo) & (vals <= hi)))
            covered = bool(inside >= COVERED_SHARE)
        else:
            q05 = q50 = q95 = inside = math.nan
            covered = False
        rows.append({"target": pat.key, "low": lo, "high": hi, "p05": q05, "median": q50, "p95": q95,
                     "share_in_band": inside, "covered": covered, "draws": int(len(vals))})
    return pd.DataFrame(rows)


def predictive(plt, targets, pred):
    """Each target's values over the predictive draws against its target band."""
    pats = targets.patterns.patterns
    coverage = predictive_coverage(targets, pred).set_index("target")
    fig, axes = plt.subplots(1, len(pats), figsize=(3.2 * len(pats), 2.8), squeeze=False)
    for ax, pat in zip(axes[0], pats):
        vals = pred.loc[pred["target"] == pat.key, "value"].to_numpy(dtype=float)
        vals = vals[np.isfinite(vals)]
        if len(vals):
            ax.hist(vals, bins=20, color="#3b6ea5", alpha=0.8)
        lo, hi = pat.target
        span = [v for v in (lo, hi) if math.isfinite(v)]
        ax.axvspan(lo if math.isfinite(lo) else min([*vals, *span]), hi if math.isfinite(hi) else max([*vals, *span]),
                   color="#9bbb59", alpha=0.3, label="target band")
        inside = coverage.loc[pat.key, "share_in_band"]
        ax.set_title(f"{pat.key}\n{inside:.0%} of draws in band", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"Posterior predictive check ({pred['draw'].nunique()} draws x {targets.replications} runs each)",
                 y=1.1)
    return fig


__all__ = ["calibration_figures", "predictive_coverage"]
