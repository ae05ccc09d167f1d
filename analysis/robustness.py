"""Where in the uncertainty space a claim holds: its share, and its PRIM box.

Each claim is re-tested at every point of a Latin hypercube over the uncertain
parameters (experiments/claims/uncertainty.toml). A point's verdict uses the mean over
that point's replications. The *share* of points where the claim holds gets a Wilson
score 95% CI over points (``stats.share_ci``: inside [0, 1], not zero-width at 0% or 100%). *Where* it holds is a box found by PRIM, the Patient Rule Induction
Method (Friedman & Fisher 1999, "Bump hunting in high-dimensional data", Statistics and
Computing 9:123-143), as used in scenario discovery (Bryant & Lempert 2010,
"Thinking inside the box", Technological Forecasting & Social Change 77:34-49), through
the maintained ``prim`` package (Project Platypus, Hadka & Kwakkel). PRIM peels the
space a few percent at a time, keeping the points where the claim holds; each step of
the *peeling trajectory* trades coverage for density:

- *coverage*: the share of the points where the claim holds that lie in the box;
- *density*: the share of the points in the box where the claim holds.

The box reported is, among the boxes on the trajectory with a density of at least
``DENSITY`` (80%, an assumption in the range the scenario-discovery literature uses,
0.7-0.9), the one with the best balance of the two: the highest harmonic mean of
coverage and density (the F1 score, an assumption; a strategist may prefer another
point, which the trajectory figure shows). When no box reaches that density, the
densest box that still covers half the cases. A claim that holds at
every point or at none has no box ("no box: holds everywhere / nowhere").

Usage::

    from backbone.analysis.robustness import share_holding, prim_box
    share = share_holding(points.holds)
    box = prim_box(points, ["turnover_rate", "complexity"], "holds")
    box.words   # "holds where complexity >= 3 and turnover_rate <= 0.03: 80% of the
                #  cases where it holds (coverage), 90% of the cases in the box (density)"
    box.trajectory   # coverage, density, mass, res dim per peeling step
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from .stats import Estimate, share_ci

DENSITY = 0.8        # density a reported box must reach (assumption; 0.7-0.9, Bryant & Lempert 2010)
MIN_COVERAGE = 0.5   # coverage the fallback (densest) box keeps at least
PEEL_ALPHA = 0.05    # share of the box peeled per step (the prim package's default)
MASS_MIN = 0.05      # smallest box, as a share of all points (the prim package's default)


def share_holding(holds: Sequence[bool], seed: int = 0) -> Estimate:
    """Share of points where the claim holds, with its Wilson score 95% CI over points."""
    x = np.asarray(holds, dtype=bool)
    if x.size == 0:
        return Estimate(np.nan, np.nan, np.nan, "Wilson score")
    return share_ci(x, seed=seed)


@dataclass
class Box:
    """A PRIM box: ``limits`` {factor: (low or None, high or None)} for the restricted
    factors only; ``coverage`` and ``density`` (shares); ``words`` (the box in a
    sentence); ``trajectory`` (coverage, density, mass, res dim per peeling step) and
    ``selected`` (the row of the reported box; -1 when there is no box)."""

    words: str
    coverage: float = np.nan
    density: float = np.nan
    limits: dict = field(default_factory=dict)
    trajectory: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["coverage", "density", "mass", "res dim"]))
    selected: int = -1
    n: int = 0
    n_holds: int = 0


def _fmt(v: float, integer: bool) -> str:
    return f"{v:.0f}" if integer else f"{v:.3g}"


def box_words(limits: dict, coverage: float, density: float, integer: Sequence[str] = (),
              reached: bool = True) -> str:
    """The box as a sentence: "holds where a >= 1 and b <= 2: 80% of the cases where it
    holds (coverage), 90% of the cases in the box (density)"."""
    conds = []
    for f, (lo, hi) in limits.items():
        is_int = f in integer
        if lo is not None and hi is not None:
            conds.append(f"{_fmt(lo, is_int)} <= {f} <= {_fmt(hi, is_int)}")
        elif lo is not None:
            conds.append(f"{f} >= {_fmt(lo, is_int)}")
        elif hi is not None:
            conds.append(f"{f} <= {_fmt(hi, is_int)}")
    where = "holds where " + " and ".join(conds) if conds else "holds across the whole space (no restriction)"
    lead = "" if reached else f"no box reaches {100 * DENSITY:.0f}% density; the densest: "
    return (f"{lead}{where}: {100 * coverage:.0f}% of the cases where it holds (coverage), "
            f"{100 * density:.0f}% of the cases in the box (density)")


def prim_box(points: pd.DataFrame, factors: Sequence[str], holds: str = "holds",
             density: float = DENSITY) -> Box:
    """The PRIM box of the points where ``holds`` is true, over ``factors`` (columns of
    ``points``; factors with a single value are left out)."""
    factors = [f for f in factors if f in points.columns and points[f].nunique() > 1]
    y = points[holds].to_numpy(dtype=bool)
    n, k = y.size, int(y.sum())
    if n == 0:
        return Box("no box: no points")
    if k == 0:
        return Box("no box: holds nowhere", n=n, n_holds=0)
    if k == n:
        return Box("no box: holds everywhere", n=n, n_holds=n)
    if not factors:
        return Box(f"no box: no factor varies (holds at {100 * k / n:.0f}% of points)", n=n, n_holds=k)
    import prim

    x = points[factors].astype(float).reset_index(drop=True)
    logging.getLogger("prim").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y, threshold=density, threshold_type=">", peel_alpha=PEEL_ALPHA, mass_min=MASS_MIN)
        box = p.find_box()
        traj = box.peeling_trajectory[["coverage", "density", "mass", "res dim"]].astype(float).reset_index(drop=True)
        ok = traj.index[traj.density >= density - 1e-12]
        reached = len(ok) > 0
        if reached:
            f1 = 2 * traj.coverage * traj.density / (traj.coverage + traj.density)
            i = int(f1.loc[ok].sort_values(ascending=False, kind="stable").index[0])
        else:
            cand = traj[traj.coverage >= MIN_COVERAGE]
            cand = cand if len(cand) else traj
            i = int(cand.sort_values(["density", "coverage"], ascending=False).index[0])
        box.select(i)
        lims = box.limits
    lo_data, hi_data = x.min(), x.max()
    limits = {}
    for f in lims.index:
        lo, hi = float(lims.loc[f, "min"]), float(lims.loc[f, "max"])
        lo = lo if lo > lo_data[f] + 1e-12 else None
        hi = hi if hi < hi_data[f] - 1e-12 else None
        if lo is not None or hi is not None:
            limits[f] = (lo, hi)
    integer = [f for f in factors if np.allclose(points[f].astype(float) % 1, 0)]
    cov, den = float(traj.coverage[i]), float(traj.density[i])
    return Box(box_words(limits, cov, den, integer, reached), cov, den, limits, traj, i, n, k)
