"""Where in the uncertainty space a claim holds: its share, and its PRIM box.

Each claim is re-tested at every point of a Latin hypercube over the uncertain
parameters (experiments/claims/uncertainty.toml). A point's verdict uses the mean over
that point's replications. The *share* of points where the claim holds gets a Wilson
score 95% CI over points (``stats.share_ci``: inside [0, 1], not zero-width at 0% or 100%).
*Where* it holds is a PRIM box, found by ``analysis.discover`` (the scenario discovery
that ``backbone discover`` also uses; its docstring gives the box's selection and the
"no box" rule), re-exported here: ``prim_box``, ``box_words``, ``Box``, ``DENSITY``.

Usage::

    from backbone.analysis.robustness import share_holding, prim_box
    share = share_holding(points.holds)
    box = prim_box(points, ["turnover_rate", "complexity"], "holds")
    box.words   # "holds where complexity >= 3 (data 1-5) and turnover_rate <= 0.03 (data 0.01-0.05):
                #  80% of the cases where it holds (coverage), 90% of the cases in the box (density)"
    box.trajectory   # coverage, density, mass, res dim per peeling step
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .discover import DENSITY, MASS_MIN, MIN_COVERAGE, PEEL_ALPHA, Box, box_words, prim_box  # noqa: F401
from .stats import WILSON, Estimate, share_ci


def share_holding(holds: Sequence[bool], seed: int = 0) -> Estimate:
    """Share of points where the claim holds, with its Wilson score 95% CI over points."""
    x = np.asarray(holds, dtype=bool)
    if x.size == 0:
        return Estimate(np.nan, np.nan, np.nan, WILSON)
    return share_ci(x, seed=seed)


__all__ = ["share_holding", "prim_box", "box_words", "Box", "DENSITY"]
