"""Arms of an experiment, on common random numbers.

A claim compares *arms*: the same experiment (same design points, same replication
seeds) under a different scenario, or with a few parameters fixed differently. An
``Arm`` says what changes; ``arm_spec`` applies it to an ``ExperimentSpec`` (validated
again, so a bad arm is a one-line ``ExperimentError``). Because replication r of every
arm runs with seed ``root_seed + r``, arms are paired seed by seed. The arms then run
together, in one batch, through ``experiments.run_specs``.

Usage::

    from backbone.analysis.batch import Arm, arm_spec
    from backbone.experiments import Executor, run_specs
    jobs = {"with": spec, "without": arm_spec(spec, Arm(fixed={"backbone_share": 0.0}))}
    out = run_specs(jobs, Executor(workers=2))          # {"with": (runs, months), ...}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from backbone.experiments import ExperimentSpec


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


__all__ = ["Arm", "arm_spec"]
