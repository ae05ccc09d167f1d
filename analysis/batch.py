"""Arms of an experiment, on common random numbers.

A claim compares *arms*: the same experiment (same design points, same replication
seeds) under a different scenario, or with a few parameters fixed differently. An
``Arm`` says what changes; ``arm_spec`` applies it to an ``ExperimentSpec`` (validated
again, so a bad arm is a one-line ``ExperimentError``). Because replication r of every
arm runs with seed ``root_seed + r``, arms are paired seed by seed. The arms then run
together, in one batch, through the analysis' one arm runner (``run_spec_arms``, over
``scenario_runs.run_arm_jobs`` and ``experiments.run_many``); each spec's tables are
exactly what ``experiments.run_experiment`` returns for it.

Usage::

    from backbone.analysis.batch import Arm, arm_spec, run_spec_arms
    from backbone.experiments import Executor
    jobs = {"with": spec, "without": arm_spec(spec, Arm(fixed={"backbone_share": 0.0}))}
    out = run_spec_arms(jobs, Executor(workers=2))      # {"with": (runs, months), ...}
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Mapping

import pandas as pd

from backbone.experiments import Executor, ExperimentSpec
from backbone.experiments.runner import spec_draws, spec_frames, spec_job, spec_tables, summary_record

from .scenario_runs import run_arm_jobs


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


def spec_record(res, params, seed: int, **options: Any) -> dict[str, Any]:
    """What a spec's run keeps (in a worker), in the arm runner's record shape: ``seed``,
    ``summary`` (the spec's outputs under their column names,
    ``experiments.runner.summary_record``) and, when the spec keeps them, ``monthly``."""
    flat = summary_record(res, params, seed, **options)
    monthly = flat.pop("monthly", None)
    return {"seed": int(seed), "summary": flat, **({"monthly": monthly} if monthly is not None else {})}


def _flat(rec: Mapping[str, Any]) -> dict[str, Any]:
    """A ``spec_record`` as the experiments' run record (``summary_record``'s shape)."""
    return {**rec["summary"], **({"monthly": rec["monthly"]} if "monthly" in rec else {})}


def run_spec_arms(specs: Mapping[Hashable, ExperimentSpec], executor: Executor | None = None, posterior=None,
                  group: Callable[[Hashable], Hashable] = lambda key: key
                  ) -> dict[Hashable, tuple[pd.DataFrame, pd.DataFrame | None]]:
    """Run many specs (arms over design points) in one batch through the analysis' one
    arm runner (``scenario_runs.run_arm_jobs``) and return ``{key: (runs, months)}``,
    each exactly what ``experiments.run_experiment`` returns for it. ``posterior``:
    replication r of every spec draws its calibrated parameters from it, keeping the
    names on which specs of the same ``group(key)`` differ (the arms of one comparison)."""
    for spec in specs.values():
        spec.check_points()
    jobs = {}
    for key, spec in specs.items():
        others = [o for k2, o in specs.items() if k2 != key and group(k2) == group(key)]
        jobs[key] = dataclasses.replace(spec_job(spec, spec_draws(spec, posterior, others)), keep=spec_record)

    def tables(key: Hashable, start: int, records: list[dict[str, Any]]) -> tuple:   # a chunk as Arrow tables
        return spec_tables(specs[key], jobs[key], start, [_flat(rec) for rec in records])

    got = run_arm_jobs(jobs, executor, {key: spec.replications for key, spec in specs.items()}, fold=tables)
    return {key: spec_frames(spec, dict(enumerate(got[key]))) for key, spec in specs.items()}


__all__ = ["Arm", "arm_spec", "spec_record", "run_spec_arms"]
