"""Scenario discovery with PRIM: where in a space of inputs do the cases of interest lie?

One module serves the claims (where in the uncertainty space a claim holds:
``analysis.claims.where_it_holds``) and ``backbone discover`` (where an outcome of any
sweep's results folder meets a condition: ``discover_folder``).

PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999, "Bump hunting in
high-dimensional data", Statistics and Computing 9:123-143), as used in scenario
discovery (Bryant & Lempert 2010, "Thinking inside the box", Technological Forecasting &
Social Change 77:34-49), runs through the maintained ``prim`` package (Project Platypus,
Hadka & Kwakkel). PRIM peels the space a few percent at a time, keeping the cases of
interest; each step of the *peeling trajectory* trades coverage for density:

- *coverage*: the share of the cases of interest that lie in the box;
- *density*: the share of the cases in the box that are of interest;
- *base rate*: the density of the whole space (the share of all cases of interest).

Which box is reported (``select_step``): among the boxes on the trajectory with a
density of at least ``DENSITY`` (80%, an assumption in the range the scenario-discovery
literature uses, 0.7-0.9), the one with the best balance of the two, the highest
harmonic mean of coverage and density (the F1 score, an assumption; the trajectory
figure shows the others). When no box reaches that density, the densest box that still
covers half the cases (``MIN_COVERAGE``).

The "no box" rule (``prim_box``): PRIM always returns *some* box, and on few or noisy
cases a small box is dense by chance. A box is reported only when

1. it restricts at least one input, against the data's own range (an input "restricted"
   to the smallest and largest values it takes in the data is not restricted); and
2. its lift, density minus base rate, beats chance: the same search (PRIM, then the same
   selection) run on ``PERMUTATIONS`` (39) random relabellings of the same cases (the
   labels shuffled, seeded) finds a lift at least as large in at most 5% of them, with
   the observed one counted (a permutation test, p = (1 + b) / (1 + 39) <= ``P_MAX``,
   0.05; Good 2005, *Permutation, Parametric and Bootstrap Tests of Hypotheses*).

Otherwise the answer is "no box", with the base rate and the p-value; the trajectory is
kept, so the figure still shows what PRIM tried.

Usage::

    from backbone.analysis.discover import prim_box, discover_folder
    box = prim_box(points, ["turnover_rate", "complexity"], "holds")
    box.words      # "holds where complexity >= 3 (data 1-5) and turnover_rate <= 0.03 (data 0.01-0.05):
                   #  80% of the cases where it holds (coverage), 90% of the cases in the box (density)"
    box.found, box.p_value, box.trajectory
    box = discover_folder("results/bb_lhs", "long_term_impact", "long_term_impact >= 0.3")
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

DENSITY = 0.8        # density a reported box must reach (assumption; 0.7-0.9, Bryant & Lempert 2010)
MIN_COVERAGE = 0.5   # coverage the fallback (densest) box keeps at least
PEEL_ALPHA = 0.05    # share of the box peeled per step (the prim package's default)
MASS_MIN = 0.05      # smallest box, as a share of all points (the prim package's default)
PERMUTATIONS = 39    # relabellings in the permutation test (the smallest number for p = 0.025)
P_MAX = 0.05         # largest permutation p-value of a reported box
RULE = (f"a box is reported only when it restricts an input within the data's own range and its lift "
        f"(density minus base rate) beats that of the same search on {PERMUTATIONS} random relabellings "
        f"of the cases (permutation p <= {P_MAX:g})")


@dataclass
class Box:
    """A PRIM box: ``limits`` {input: (low or None, high or None)} for the restricted
    inputs only, ``bounds`` {input: (data min, data max)} for every input searched;
    ``coverage``, ``density`` and ``base_rate`` (shares); ``words`` (the box in a
    sentence, or "no box: ..."); ``found`` (a box passed the rule); ``p_value`` (of the
    permutation test); ``trajectory`` (coverage, density, mass, res dim per peeling step)
    and ``selected`` (the row of the reported box, or of the candidate that failed the
    rule; -1 when PRIM did not run)."""

    words: str
    coverage: float = np.nan
    density: float = np.nan
    limits: dict = field(default_factory=dict)
    trajectory: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["coverage", "density", "mass", "res dim"]))
    selected: int = -1
    n: int = 0
    n_holds: int = 0
    found: bool = False
    base_rate: float = np.nan
    p_value: float = np.nan
    bounds: dict = field(default_factory=dict)


def _fmt(v: float, integer: bool) -> str:
    return f"{v:.0f}" if integer else f"{v:.3g}"


def box_words(limits: dict, coverage: float, density: float, integer: Sequence[str] = (),
              reached: bool = True, bounds: dict | None = None) -> str:
    """The box as a sentence: "holds where a >= 1 and b <= 2: 80% of the cases where it
    holds (coverage), 90% of the cases in the box (density)"; with ``bounds`` {input:
    (min, max)} each restricted input is followed by its range in the data, "(data 0-5)"."""
    conds = []
    bounds = bounds or {}
    for f, (lo, hi) in limits.items():
        is_int = f in integer
        if lo is not None and hi is not None:
            text = f"{_fmt(lo, is_int)} <= {f} <= {_fmt(hi, is_int)}"
        elif lo is not None:
            text = f"{f} >= {_fmt(lo, is_int)}"
        elif hi is not None:
            text = f"{f} <= {_fmt(hi, is_int)}"
        else:
            continue
        if f in bounds:
            text += f" (data {_fmt(bounds[f][0], is_int)}-{_fmt(bounds[f][1], is_int)})"
        conds.append(text)
    where = "holds where " + " and ".join(conds) if conds else "holds across the whole space (no restriction)"
    lead = "" if reached else f"the densest box (none reaches {100 * DENSITY:.0f}% density) "
    return (f"{lead}{where}: {100 * coverage:.0f}% of the cases where it holds (coverage), "
            f"{100 * density:.0f}% of the cases in the box (density)")


def select_step(traj: pd.DataFrame, density: float = DENSITY) -> tuple[int, bool]:
    """(row of the reported box on the trajectory, whether it reaches ``density``)."""
    ok = traj.index[traj.density >= density - 1e-12]
    if len(ok):
        f1 = 2 * traj.coverage * traj.density / (traj.coverage + traj.density)
        return int(f1.loc[ok].sort_values(ascending=False, kind="stable").index[0]), True
    cand = traj[traj.coverage >= MIN_COVERAGE]
    cand = cand if len(cand) else traj
    return int(cand.sort_values(["density", "coverage"], ascending=False).index[0]), False


def _search(x: pd.DataFrame, y: np.ndarray, density: float):
    """PRIM on (x, y): the box object, its trajectory and the selected row."""
    import prim

    logging.getLogger("prim").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y, threshold=density, threshold_type=">", peel_alpha=PEEL_ALPHA, mass_min=MASS_MIN)
        box = p.find_box()
        traj = box.peeling_trajectory[["coverage", "density", "mass", "res dim"]].astype(float).reset_index(drop=True)
    i, reached = select_step(traj, density)
    return box, traj, i, reached


def permutation_p(x: pd.DataFrame, y: np.ndarray, lift: float, density: float = DENSITY,
                  permutations: int = PERMUTATIONS, seed: int = 0) -> float:
    """Share of random relabellings of ``y`` (seeded) on which the same search finds a lift
    of at least ``lift``, the observed one counted: (1 + b) / (1 + permutations)."""
    rng = np.random.default_rng(seed)
    base = float(y.mean())
    b = 0
    for _ in range(permutations):
        yp = rng.permutation(y)
        _, traj, i, _ = _search(x, yp, density)
        b += float(traj.density[i]) - base >= lift - 1e-12
    return (1 + b) / (1 + permutations)


def prim_box(points: pd.DataFrame, factors: Sequence[str], holds: str = "holds", density: float = DENSITY,
             seed: int = 0, permutations: int = PERMUTATIONS) -> Box:
    """The PRIM box of the points where ``holds`` is true, over ``factors`` (columns of
    ``points``; inputs with a single value are left out), or "no box" by the rule of the
    module docstring (``RULE``)."""
    factors = [f for f in factors if f in points.columns and points[f].nunique() > 1]
    y = points[holds].to_numpy(dtype=bool)
    n, k = y.size, int(y.sum())
    if n == 0:
        return Box("no box: no points")
    base = k / n
    if k == 0:
        return Box("no box: holds nowhere", n=n, n_holds=0, base_rate=0.0)
    if k == n:
        return Box("no box: holds everywhere", n=n, n_holds=n, base_rate=1.0)
    if not factors:
        return Box(f"no box: no factor varies (holds at {100 * base:.0f}% of points)", n=n, n_holds=k,
                   base_rate=base)
    x = points[factors].astype(float).reset_index(drop=True)
    box, traj, i, reached = _search(x, y, density)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box.select(i)
        lims = box.limits
    lo_data, hi_data = x.min(), x.max()
    bounds = {f: (float(lo_data[f]), float(hi_data[f])) for f in factors}
    limits = {}
    for f in lims.index:
        lo, hi = float(lims.loc[f, "min"]), float(lims.loc[f, "max"])
        lo = lo if lo > lo_data[f] + 1e-12 else None
        hi = hi if hi < hi_data[f] - 1e-12 else None
        if lo is not None or hi is not None:
            limits[f] = (lo, hi)
    integer = [f for f in factors if np.allclose(points[f].astype(float) % 1, 0)]
    cov, den = float(traj.coverage[i]), float(traj.density[i])
    lift = den - base
    p = permutation_p(x, y, lift, density, permutations, seed) if limits and lift > 0 else 1.0
    common = dict(coverage=cov, density=den, trajectory=traj, selected=i, n=n, n_holds=k, base_rate=base,
                  p_value=p, bounds={f: bounds[f] for f in limits})
    if not limits or lift <= 0 or p > P_MAX:
        why = ("PRIM restricts no input within the data's range" if not limits else
               f"the best box's density {100 * den:.0f}% does not beat the base rate {100 * base:.0f}% "
               f"beyond chance (permutation p = {p:.2f} > {P_MAX:g})")
        return Box(f"no box: {why}; holds at {100 * base:.0f}% of points", limits=limits, found=False, **common)
    words = box_words(limits, cov, den, integer, reached, bounds)
    return Box(words, limits=limits, found=True, **common)


def box_record(box: Box) -> dict:
    """A box with numbers as numbers (``--json``): found, words, coverage, density,
    base_rate, p_value, n, n_cases, limits [{input, low, high, data_low, data_high}]
    (None for an open side) and the peeling trajectory [{coverage, density, mass, res
    dim}], with the selected step."""
    def num(v):
        try:
            v = float(v)
        except (TypeError, ValueError):
            return None
        return v if math.isfinite(v) else None

    limits = [{"input": f, "low": num(lo), "high": num(hi),
               "data_low": num(box.bounds.get(f, (None, None))[0]),
               "data_high": num(box.bounds.get(f, (None, None))[1])} for f, (lo, hi) in box.limits.items()]
    traj = [{k: num(v) for k, v in row.items()} for row in box.trajectory.to_dict(orient="records")]
    return {"found": bool(box.found), "words": box.words, "coverage": num(box.coverage), "density": num(box.density),
            "base_rate": num(box.base_rate), "p_value": num(box.p_value), "n": int(box.n),
            "n_cases": int(box.n_holds), "limits": limits if box.found else [], "selected_step": int(box.selected),
            "trajectory": traj, "rule": RULE}


# ---------------------------------------------------------------- a results folder
class DiscoverError(ValueError):
    """Bad input to ``discover_folder``: an unknown outcome, an expression refused or not
    true/false."""


_BANNED = re.compile(r";|--|/\*|\*/")
IDS = ("point", "replication", "seed")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def folder_points(folder: str | Path, outcome: str, where: str) -> tuple[pd.DataFrame, list[str]]:
    """Per design point of a results folder: the inputs the design varies, the mean of
    ``outcome`` over the point's replications (column ``outcome`` and its own name), and
    ``holds``: the SQL boolean ``where`` on those (e.g. "long_term_impact >= 0.3"). The
    query goes through the folder's read-only, locked DuckDB connection
    (``experiments.results.connect``) as one checked SELECT; ``where`` may not hold a
    statement separator or a comment. Returns (points, inputs)."""
    import duckdb

    from backbone.experiments.results import check_select, connect, read_manifest
    from backbone.experiments.store import StoreError

    manifest = read_manifest(folder)
    cols = [c for c in manifest["columns"]["runs"]]
    names = [c if isinstance(c, str) else c[0] for c in cols]
    spec = manifest.get("spec", {})
    inputs = [f for f in (spec.get("factors") or {}) if f in names]
    metrics = [c for c in names if c not in IDS and c not in inputs]
    if outcome not in metrics:
        raise DiscoverError(f"--outcome {outcome!r} is not a metric of this folder: expected one of "
                            f"{', '.join(metrics)}")
    if not inputs:
        raise DiscoverError("this folder's design varies no input: nothing to discover")
    if not where.strip() or _BANNED.search(where):
        raise DiscoverError(f"--where {where!r} is not allowed: expected one SQL condition (no ';' or comments), "
                            f"e.g. \"{outcome} >= 0.3\"")
    firsts = ", ".join(f"first({_ident(f)}) AS {_ident(f)}" for f in inputs)
    alias = "" if outcome == "outcome" else f", avg({_ident(outcome)}) AS outcome"
    inner = (f"SELECT point, {firsts}, avg({_ident(outcome)}) AS {_ident(outcome)}{alias}, count(*) AS runs "
             "FROM runs GROUP BY point")
    sql = f"SELECT *, ({where}) AS __holds FROM ({inner}) AS t ORDER BY point"
    try:
        check_select(sql)
    except StoreError as exc:
        raise DiscoverError(f"--where refused: {exc}") from None
    con = connect(folder)
    try:
        df = con.execute(sql).df()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise DiscoverError(f"--where {where!r} failed: {first}") from None
    finally:
        con.close()
    h = df["__holds"]
    if not (pd.api.types.is_bool_dtype(h) or (h.dropna().isin([True, False]).all() and h.dtype == object)):
        raise DiscoverError(f"--where {where!r} is not a condition: expected true or false per point, e.g. "
                            f"\"{outcome} >= 0.3\"")
    df = df.rename(columns={"__holds": "holds"})
    df["holds"] = df["holds"].fillna(False).astype(bool)
    return df, inputs


def discover_folder(folder: str | Path, outcome: str, where: str, density: float = DENSITY, seed: int = 0,
                    permutations: int = PERMUTATIONS) -> tuple[Box, pd.DataFrame]:
    """The PRIM box of the design points of ``folder`` where ``where`` holds (on the mean
    of ``outcome`` over each point's replications), and the points table."""
    pts, inputs = folder_points(folder, outcome, where)
    return prim_box(pts, inputs, "holds", density, seed, permutations), pts


__all__ = ["DENSITY", "MIN_COVERAGE", "PEEL_ALPHA", "MASS_MIN", "PERMUTATIONS", "P_MAX", "RULE", "Box",
           "box_words", "select_step", "permutation_p", "prim_box", "box_record", "DiscoverError",
           "folder_points", "discover_folder"]
