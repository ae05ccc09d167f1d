"""Running the arms of many experiments in one batch, on common random numbers.

A claim compares *arms*: the same experiment (same design points, same replication
seeds) under a different scenario, or with a few parameters fixed differently. An
``Arm`` says what changes; ``arm_spec`` applies it to an ``ExperimentSpec`` (validated
again, so a bad arm is a one-line ``ExperimentError``). Because replication r of every
arm uses the spec's seed r, arms are paired seed by seed.

``run_jobs`` runs the runs of many specs through the experiments package's own chunk
function (``experiments.run_chunk``) and executor (a local process pool, this process,
or a Dask cluster), all in one pool: the batch pays the workers' start-up once instead
of once per arm. Each spec's tables are exactly what ``experiments.run_experiment``
returns for it (tests check this), with the factor values joined onto the monthly table.

Usage::

    from backbone.analysis.batch import Arm, arm_spec, run_jobs
    jobs = {"with": spec, "without": arm_spec(spec, Arm(fixed={"backbone_share": 0.0}))}
    out = run_jobs(jobs, workers=2)          # {"with": (runs, months), ...}
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Hashable, Mapping

import pandas as pd

from backbone.experiments import ExperimentSpec, run_chunk
from backbone.experiments import tables
from backbone.experiments.executors import cpu_count, execute
from backbone.experiments.runner import default_chunk_size, spec_draws


@dataclass(frozen=True)
class Arm:
    """What an arm changes in a spec: its ``scenario`` (a name or path; None keeps the
    spec's), parameters ``fixed`` on top of the spec's own, and optionally its
    ``factors`` (a table as in the TOML, replacing the spec's)."""

    scenario: str | None = None
    fixed: Mapping[str, Any] = field(default_factory=dict)
    factors: Mapping[str, Any] | None = None


def arm_spec(spec: ExperimentSpec, arm: Arm, **changes: Any) -> ExperimentSpec:
    """``spec`` with ``arm`` applied (and other top-level ``changes``, e.g.
    replications), validated again."""
    raw = spec.to_dict()
    fixed = {**raw.get("fixed", {}), **dict(arm.fixed)}
    factors = dict(arm.factors) if arm.factors is not None else raw["factors"]
    for name in list(fixed):
        if name in factors and arm.factors is None:
            factors = {k: v for k, v in factors.items() if k != name}
    new = {"fixed": fixed or None, "factors": factors, **changes}
    if arm.scenario is not None:
        new["scenario"] = arm.scenario
    return spec.replace(**new)


def _chunks(spec: ExperimentSpec, draws: Mapping[int, Any] | None = None):
    points = spec.design_points()
    values = list(zip(*(points[c].tolist() for c in spec.factor_names)))
    seeds = spec.seeds()
    reps = spec.replications
    base = spec.base.to_dict()
    size = default_chunk_size(spec.runs_total)
    for k in range(-(-spec.runs_total // size)):
        start, stop = k * size, min((k + 1) * size, spec.runs_total)
        tasks = [(i // reps, i % reps, seeds[i % reps], values[i // reps]) for i in range(start, stop)]
        mine = {t[1]: draws[t[1]] for t in tasks} if draws else None
        yield k, (base, spec.factor_names, tasks, spec.outputs, spec.keep_monthly, mine)


def run_jobs(jobs: Mapping[Hashable, ExperimentSpec], workers: int | None = None,
             scheduler: str | None = None, progress: bool = True, posterior=None
             ) -> dict[Hashable, tuple[pd.DataFrame, pd.DataFrame | None]]:
    """Run every spec of ``jobs`` and return ``{key: (runs, months)}`` (``months`` is
    None unless the spec keeps the monthly series; it carries the factor columns).
    ``workers``: local processes (default: every core; 1: this process);
    ``scheduler``: a Dask scheduler address. ``posterior``
    (``experiments.posterior.Posterior``): replication r of every arm draws its calibrated
    parameters from it (``experiments.runner.spec_draws``; the arms of one claim, keys
    ``(claim, arm)``, keep the names on which they differ)."""
    for spec in jobs.values():
        spec.check_points()
    total = sum(spec.runs_total for spec in jobs.values())
    draws: dict[Hashable, Any] = {}
    if posterior is not None:
        def group(key: Hashable) -> Hashable:
            return key[0] if isinstance(key, tuple) and key else key
        for key, spec in jobs.items():
            others = [o for k2, o in jobs.items() if k2 != key and group(k2) == group(key)]
            draws[key] = spec_draws(spec, posterior, others)
    tasks = (((key, k), args) for key, spec in jobs.items() for k, args in _chunks(spec, draws.get(key)))
    n_workers = cpu_count() if workers is None else int(workers)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, desc="claims", unit="run", file=sys.stderr, dynamic_ncols=True,
                   mininterval=0.5, leave=False, smoothing=0.05)
    got: dict[Hashable, dict[int, list]] = {key: {} for key in jobs}
    try:
        for (key, k), records in execute(run_chunk, tasks, max(1, n_workers), scheduler):
            got[key][k] = records
            if bar is not None:
                bar.update(len(records))
    finally:
        if bar is not None:
            bar.close()
    out = {}
    for key, spec in jobs.items():
        cols = tables.columns_for(spec)
        chunks = [got[key][k] for k in sorted(got[key])]
        runs = tables.to_frame([tables.runs_table(r, cols["runs"]) for r in chunks], cols["runs"])
        months = None
        if spec.keep_monthly:
            months = tables.to_frame([tables.months_table(r, cols["months"]) for r in chunks], cols["months"])
            months = months.merge(spec.design_points().reset_index(), on="point", how="left")
        out[key] = (runs, months)
    return out
