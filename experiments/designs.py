"""Experimental designs: which parameter values an experiment runs.

Four designs, each drawn by a well-tested library rather than by hand:

=================  ===========================================  ==========================
design             rows                                         sampler
=================  ===========================================  ==========================
full_factorial     product of the factors' levels               ``itertools.product``
latin_hypercube    ``samples``                                  ``scipy.stats.qmc``
sobol              ``samples * (D + 2)``, or ``* (2D + 2)``     ``SALib.sample.sobol``
                   with ``second_order = true``                 (Saltelli's scheme)
morris             ``samples * (D + 1)`` (trajectories)         ``SALib.sample.morris``
=================  ===========================================  ==========================

(D: the number of factors.) Continuous factors have a ``range``; the samplers draw in
the unit cube and scale to the range. Integer parameters are rounded to the nearest whole
number after scaling. Sobol and Morris rows keep SALib's order, so
``SALib.analyze.sobol`` / ``SALib.analyze.morris`` can read the outputs row by row.

The samplers' random state comes from the experiment's root seed (its own stream,
``SeedSequence([root_seed, crc32("design")])``), so the design is fixed by the spec.
"""

from __future__ import annotations

import math

import itertools
import warnings
import zlib
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from backbone.simulation.params import Spec

DESIGNS = ("full_factorial", "latin_hypercube", "sobol", "morris")
DESIGN_STREAM = zlib.crc32(b"design")


@dataclass(frozen=True)
class Factor:
    """One factor of an experiment: a model parameter varied over a ``range`` (lo, hi;
    with ``steps`` evenly spaced values in a full factorial) or over explicit ``levels``."""

    name: str
    param: Spec
    lo: float | None = None
    hi: float | None = None
    steps: int | None = None
    levels: tuple[Any, ...] | None = None

    @property
    def continuous(self) -> bool:
        return self.levels is None

    def grid(self) -> list[Any]:
        """The values a full factorial uses: the levels, or ``steps`` evenly spaced values
        of the range (integers rounded, duplicates dropped)."""
        if self.levels is not None:
            return list(self.levels)
        values = np.linspace(self.lo, self.hi, self.steps)
        if self.param.kind == "int":
            return list(dict.fromkeys(int(v) for v in np.rint(values)))
        return [float(v) for v in values]

    def to_dict(self) -> dict[str, Any]:
        """The factor as written in a spec (JSON- and TOML-friendly)."""
        if self.levels is not None:
            return {"levels": list(self.levels)}
        out: dict[str, Any] = {"range": [self.lo, self.hi]}
        if self.steps is not None:
            out["steps"] = self.steps
        return out


def design_seed(root_seed: int) -> int:
    """The samplers' seed: a stream of its own, derived from the root seed."""
    return int(np.random.SeedSequence([int(root_seed), DESIGN_STREAM]).generate_state(1, np.uint32)[0])


def replication_seeds(root_seed: int, replications: int) -> list[int]:
    """One simulation seed per replication: replication r runs with ``root_seed + r``
    (docs/EXPERIMENTS.md, "Seeds").

    Replication r uses the same seed at every design point and in every arm (common
    random numbers), adding replications never changes the seeds of the earlier ones,
    and any replication can be run again alone (``backbone run SCENARIO --seed N``).
    The model derives its independent named streams from that one integer."""
    return [int(root_seed) + r for r in range(int(replications))]


def salib_problem(factors: Sequence[Factor]) -> dict[str, Any]:
    """The factors as a SALib problem definition (continuous factors only)."""
    return {
        "num_vars": len(factors),
        "names": [f.name for f in factors],
        "bounds": [[float(f.lo), float(f.hi)] for f in factors],
    }


def _unit_to_frame(factors: Sequence[Factor], values: np.ndarray) -> pd.DataFrame:
    cols = {}
    for j, f in enumerate(factors):
        col = np.asarray(values[:, j], dtype=np.float64)
        if f.param.kind == "int":
            cols[f.name] = np.rint(col).astype(np.int64)
        else:
            cols[f.name] = col
    return pd.DataFrame(cols)


def full_factorial(factors: Sequence[Factor]) -> pd.DataFrame:
    """Every combination of the factors' values; the first factor varies slowest."""
    grids = [f.grid() for f in factors]
    rows = list(itertools.product(*grids))
    df = pd.DataFrame(rows, columns=[f.name for f in factors])
    for f in factors:
        kind = f.param.kind
        if kind == "int":
            df[f.name] = df[f.name].astype(np.int64)
        elif kind == "float":
            df[f.name] = df[f.name].astype(np.float64)
        elif kind == "bool":
            df[f.name] = df[f.name].astype(bool)
    return df


def latin_hypercube(factors: Sequence[Factor], samples: int, seed: int) -> pd.DataFrame:
    """``samples`` points, one per stratum of each factor's range (scipy.stats.qmc)."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(factors), rng=np.random.default_rng(seed)).random(samples)
    lo = [f.lo for f in factors]
    hi = [f.hi for f in factors]
    return _unit_to_frame(factors, qmc.scale(unit, lo, hi))


def sobol(factors: Sequence[Factor], samples: int, seed: int, second_order: bool) -> pd.DataFrame:
    """Saltelli's extension of the Sobol' sequence (SALib), for Sobol' indices."""
    from SALib.sample import sobol as sobol_sample

    values = sobol_sample.sample(salib_problem(factors), samples, calc_second_order=second_order,
                                 scramble=True, seed=seed)
    return _unit_to_frame(factors, values)


def morris(factors: Sequence[Factor], samples: int, seed: int, levels: int) -> pd.DataFrame:
    """``samples`` Morris trajectories of D + 1 points each on a ``levels`` grid (SALib),
    for elementary effects."""
    from SALib.sample import morris as morris_sample

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns about its own internals
        values = morris_sample.sample(salib_problem(factors), samples, num_levels=levels, seed=seed)
    return _unit_to_frame(factors, values)


def build(design: str, factors: Sequence[Factor], samples: int | None, root_seed: int,
          options: dict[str, Any]) -> pd.DataFrame:
    """The design's points as a DataFrame: one row per point, one column per factor."""
    seed = design_seed(root_seed)
    if design == "full_factorial":
        df = full_factorial(factors)
    elif design == "latin_hypercube":
        df = latin_hypercube(factors, samples, seed)
    elif design == "sobol":
        df = sobol(factors, samples, seed, bool(options.get("second_order", False)))
    elif design == "morris":
        df = morris(factors, samples, seed, int(options.get("morris_levels", 4)))
    else:  # validated by the spec; kept as a guard for direct callers
        raise ValueError(f"design = {design!r} is not allowed: expected one of {', '.join(DESIGNS)}")
    df.index.name = "point"
    return df


def expected_rows(design: str, n_factors: int, samples: int | None, options: dict[str, Any],
                  grid_sizes: Sequence[int] = ()) -> int:
    """How many points a design has (for messages and checks)."""
    if design == "full_factorial":
        return math.prod(int(n) for n in grid_sizes) if grid_sizes else 0  # exact: no int64 overflow
    if design == "latin_hypercube":
        return int(samples)
    if design == "sobol":
        return int(samples) * ((2 * n_factors + 2) if options.get("second_order") else (n_factors + 2))
    if design == "morris":
        return int(samples) * (n_factors + 1)
    raise ValueError(design)


__all__ = ["DESIGNS", "Factor", "build", "design_seed", "replication_seeds", "salib_problem",
           "expected_rows", "full_factorial", "latin_hypercube", "sobol", "morris"]
