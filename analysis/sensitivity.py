"""Sobol' sensitivity indices (SALib) with confidence intervals: which uncertain
assumptions drive an output.

The design is Saltelli's (``SALib.sample.sobol``; the experiments' ``sobol`` design
draws it), so the outputs are read in the sampler's row order. First-order indices S1
say how much of the output's variance one factor explains alone; total indices ST add
its interactions. SALib's ``conf`` values are half-widths of 95% bootstrap intervals;
here they become ``lo``/``hi`` columns.

Usage::

    from backbone.analysis.sensitivity import sobol_indices
    table = sobol_indices(spec.salib_problem(), y)   # y: one output per design point
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze


def sobol_indices(problem: dict, y, second_order: bool = False, seed: int = 0,
                  num_resamples: int = 200) -> pd.DataFrame:
    """S1 and ST per factor with 95% CIs, sorted by ST (largest first).

    ``y`` holds one value per row of the Saltelli design, in the sampler's order; it
    must be finite (an output undefined at some points cannot be decomposed; say so
    instead of dropping rows, which would break the design).
    """
    y = np.asarray(y, dtype=float)
    d = int(problem["num_vars"])
    per = 2 * d + 2 if second_order else d + 2
    if y.ndim != 1 or y.size == 0 or y.size % per:
        raise ValueError(f"sobol_indices: expected N x {per} outputs in Saltelli order, got {y.size}")
    if not np.all(np.isfinite(y)):
        raise ValueError("sobol_indices: the output is not finite at every design point")
    if np.ptp(y) == 0.0:
        zeros = np.zeros(d)
        return pd.DataFrame({"factor": problem["names"], "S1": zeros, "S1_lo": zeros, "S1_hi": zeros,
                             "ST": zeros, "ST_lo": zeros, "ST_hi": zeros})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # SALib seeds its bootstrap only for a truthy seed (`if seed:`): a seed of 0 would
        # leave the intervals to numpy's global state, different in every process.
        res = sobol_analyze.analyze(problem, y, calc_second_order=second_order, num_resamples=num_resamples,
                                    conf_level=0.95, print_to_console=False, seed=seed + 1)
    out = pd.DataFrame({
        "factor": problem["names"],
        "S1": res["S1"], "S1_lo": res["S1"] - res["S1_conf"], "S1_hi": res["S1"] + res["S1_conf"],
        "ST": res["ST"], "ST_lo": res["ST"] - res["ST_conf"], "ST_hi": res["ST"] + res["ST_conf"],
    })
    return out.sort_values("ST", ascending=False).reset_index(drop=True)


def top_factors(table: pd.DataFrame, k: int = 3) -> list[str]:
    """The ``k`` factors with the largest total index whose CI lies above zero."""
    clear = table[table.ST_lo > 0]
    return list(clear.factor.head(k))
