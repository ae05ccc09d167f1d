"""Experiment specs: what to run, as a TOML file a person can read without Python.

An experiment is a base scenario, factors (model parameters varied over a range or
levels), a design that picks the points, replications per point and a root seed::

    name = "backbone_share_lhs"
    scenario = "baseline"            # a scenario name or a path to a .toml file
    design = "latin_hypercube"       # full_factorial | latin_hypercube | sobol | morris
    samples = 32                     # design points (sobol / morris: base samples N)
    replications = 5                 # runs per point, seeds shared across points
    root_seed = 2024
    months = 60                      # optional: overrides the scenario's horizon
    keep_monthly = false             # also store the monthly series
    outputs = ["turnovers"]          # optional: extra metrics; default: all of them

    [fixed]                          # overrides applied to every point
    n_beneficiaries = 2000

    [factors.backbone_share]
    range = [0.0, 0.3]
    [factors.regime]                 # levels: full factorial only
    levels = ["pooled", "isolated"]

Validation follows the scenarios' rules: one-line ``ExperimentError`` (a
``ParameterError``) naming the file and the field, the value and what is allowed;
unknown keys suggest the nearest name. The full format is documented in
docs/EXPERIMENTS.md.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from backbone.simulation import METRICS, SCORECARD_METRICS, ParameterError, Params
from backbone.simulation.params import SCHEMA, coerce, nearest, unknown_key_message
from backbone.simulation.scenarios import load_scenario, load_toml, scenario_path

from . import designs
from .designs import DESIGNS, Factor

#: Every metric a run reports (``Result.summary()``): the monthly metrics at the horizon
#: plus ``long_term_impact`` (``month``, the horizon itself, is a parameter, not a metric).
SUMMARY_METRICS = tuple(m for m in METRICS if m != "month") + ("long_term_impact",)
#: Kept in every results table whatever ``outputs`` says: the balanced scorecard.
ALWAYS_KEPT = tuple(SCORECARD_METRICS) + ("long_term_impact",)

TOP_KEYS = ("name", "description", "scenario", "design", "samples", "replications", "root_seed",
            "months", "keep_monthly", "outputs", "fixed", "factors", "second_order", "morris_levels")
FACTOR_KEYS = ("range", "levels", "steps")
MAX_SEED = 2**63
#: The most runs one experiment may have (design points x replications).
MAX_RUNS = 100_000_000


class ExperimentError(ParameterError):
    """An experiment spec that cannot be read or validated (one-line message)."""


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _whole(src: str, key: str, value: Any, lo: int, hi: int) -> int:
    if not _is_int(value) or not lo <= int(value) <= hi:
        hi_text = "2^63 - 1" if hi >= MAX_SEED - 1 else f"{hi:,}".replace(",", "_")
        raise ExperimentError(f"{src}: {key} = {value!r} is not allowed: expected a whole number in [{lo}, {hi_text}]")
    return int(value)


def _bool(src: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ExperimentError(f"{src}: {key} = {value!r} is not allowed: expected true or false")
    return value


def _unknown(src: str, key: str, allowed: tuple[str, ...], where: str) -> ExperimentError:
    hint = nearest(key, allowed)
    tail = f"; did you mean '{hint}'?" if hint else ""
    return ExperimentError(f"{src}: unknown {where} '{key}'{tail} (allowed: {', '.join(allowed)})")


def _parse_factor(src: str, name: str, table: Any, design: str) -> Factor:
    field = f"factors.{name}"
    if name not in SCHEMA:
        raise ExperimentError(f"{src}: {unknown_key_message(name, where='factor')}")
    param = SCHEMA[name]
    if param.kind == "names":
        raise ExperimentError(f"{src}: {field}: '{name}' (a list of names) cannot be a factor; set it in [fixed]")
    if not isinstance(table, Mapping):
        raise ExperimentError(f"{src}: {field} must be a table with range = [lo, hi] or levels = [...]")
    for key in table:
        if key not in FACTOR_KEYS:
            raise _unknown(src, f"{field}.{key}", tuple(f"{field}.{k}" for k in FACTOR_KEYS), "key")
    if ("range" in table) == ("levels" in table):
        raise ExperimentError(f"{src}: {field}: give exactly one of range = [lo, hi] or levels = [...]")
    if "levels" in table:
        levels = table["levels"]
        if "steps" in table:
            raise ExperimentError(f"{src}: {field}.steps is used with range only, not with levels")
        if design != "full_factorial":
            raise ExperimentError(
                f"{src}: {field}: levels are allowed with design 'full_factorial' only; "
                f"design '{design}' needs range = [lo, hi]")
        if not isinstance(levels, list) or not levels:
            raise ExperimentError(f"{src}: {field}.levels must be a non-empty list of values")
        try:
            values = tuple(coerce(param, v) for v in levels)
        except ParameterError as exc:
            raise ExperimentError(f"{src}: {field}.levels: {exc}") from None
        if len(set(values)) != len(values):
            raise ExperimentError(f"{src}: {field}.levels = {levels!r} repeats a value: expected distinct values")
        return Factor(name, param, levels=values)
    if param.kind not in ("float", "int"):
        raise ExperimentError(
            f"{src}: {field}: '{name}' is {param.bounds_text()}: "
            "give levels = [...] (full_factorial only), not a range")
    rng = table["range"]
    if not isinstance(rng, list) or len(rng) != 2 or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in rng):
        raise ExperimentError(f"{src}: {field}.range = {rng!r} is not allowed: expected [lo, hi], two numbers")
    try:
        lo, hi = (coerce(param, v) for v in rng)
    except ParameterError as exc:
        raise ExperimentError(f"{src}: {field}.range = {rng!r}: {exc}") from None
    if not lo < hi:
        raise ExperimentError(f"{src}: {field}.range = {rng!r} is not allowed: expected lo < hi")
    steps = None
    if design == "full_factorial":
        if "steps" not in table:
            raise ExperimentError(
                f"{src}: {field}: a range in a full factorial needs steps = N (evenly spaced values), or use levels")
        steps = _whole(src, f"{field}.steps", table["steps"], 2, 10_000)
    elif "steps" in table:
        raise ExperimentError(f"{src}: {field}.steps is used by design 'full_factorial' only, not '{design}'")
    return Factor(name, param, lo=lo, hi=hi, steps=steps)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


class ExperimentSpec:
    """A validated experiment. Build it with ``load_experiment(path)`` or
    ``ExperimentSpec.from_dict(d)``; it is immutable (``replace`` makes a changed copy).

    Attributes: ``name``, ``description``, ``scenario``, ``base`` (the ``Params`` of the
    scenario with ``fixed`` and ``months`` applied), ``factors`` (tuple of ``Factor``),
    ``design``, ``samples``, ``replications``, ``root_seed``, ``keep_monthly``,
    ``outputs`` (the metrics kept, resolved), ``options`` (``second_order``,
    ``morris_levels``), ``source`` (where it came from)."""

    def __init__(self, raw: dict[str, Any], source: str, base_dir: Path | None):
        self._raw = raw
        self.source = source
        self._base_dir = base_dir
        self._points: pd.DataFrame | None = None
        src = source
        for key in raw:
            if key not in TOP_KEYS:
                raise _unknown(src, key, TOP_KEYS, "key")
        self.name = str(raw.get("name") or (Path(source).stem if source.endswith(".toml") else "experiment"))
        self.description = raw.get("description", "")
        if not isinstance(self.description, str):
            raise ExperimentError(f"{src}: description must be a string")

        self._parse_design(raw)
        self.replications = _whole(src, "replications", raw.get("replications", 1), 1, 1_000_000)
        self.root_seed = _whole(src, "root_seed", raw.get("root_seed", 0), 0, MAX_SEED - self.replications)
        self.keep_monthly = _bool(src, "keep_monthly", raw.get("keep_monthly", False))
        self.outputs = self._parse_outputs(raw.get("outputs"))
        self._parse_factors(raw)
        self.base: Params = self._parse_base(raw, self._parse_fixed(raw))

    # ------------------------------------------------------------ validation, one part each
    def _parse_design(self, raw: dict[str, Any]) -> None:
        """``design``, ``samples`` and the design's options."""
        src = self.source
        design = raw.get("design", "full_factorial")
        if design not in DESIGNS:
            raise ExperimentError(f"{src}: design = {design!r} is not allowed: expected one of {', '.join(DESIGNS)}")
        self.design = design

        if design == "full_factorial":
            if "samples" in raw:
                raise ExperimentError(f"{src}: samples is not used by design 'full_factorial' (its size is the "
                                      "product of the factors' levels): remove it")
            self.samples = None
        else:
            if "samples" not in raw:
                raise ExperimentError(f"{src}: samples is required by design '{design}': "
                                      "a whole number in [1, 10_000_000]")
            self.samples = _whole(src, "samples", raw["samples"], 1, 10_000_000)
            if design == "sobol" and self.samples & (self.samples - 1):
                lower = 1 << (self.samples.bit_length() - 1)
                raise ExperimentError(f"{src}: samples = {self.samples} is not allowed for design 'sobol': expected a "
                                      f"power of 2 (e.g. {lower} or {lower * 2})")
        self.options: dict[str, Any] = {}
        if "second_order" in raw:
            if design != "sobol":
                raise ExperimentError(f"{src}: second_order is used by design 'sobol' only, not '{design}'")
            self.options["second_order"] = _bool(src, "second_order", raw["second_order"])
        elif design == "sobol":
            self.options["second_order"] = False
        if "morris_levels" in raw:
            if design != "morris":
                raise ExperimentError(f"{src}: morris_levels is used by design 'morris' only, not '{design}'")
            self.options["morris_levels"] = _whole(src, "morris_levels", raw["morris_levels"], 2, 100)
        elif design == "morris":
            self.options["morris_levels"] = 4

    def _parse_factors(self, raw: dict[str, Any]) -> None:
        src = self.source
        factors = raw.get("factors")
        if not isinstance(factors, Mapping) or not factors:
            raise ExperimentError(f"{src}: factors is required: a table with one entry per parameter varied, "
                                  "e.g. [factors.backbone_share] range = [0.0, 0.3]")
        self.factors = tuple(_parse_factor(src, name, t, self.design) for name, t in factors.items())
        if self.runs_total > MAX_RUNS:
            raise ExperimentError(
                f"{src}: {self.n_points:_} design points x {self.replications:_} replications = "
                f"{self.runs_total:_} runs is not allowed: expected at most {MAX_RUNS:_} runs "
                "(fewer samples, steps or replications, or split the experiment)")

    def _parse_fixed(self, raw: dict[str, Any]) -> dict[str, Any]:
        """The parameters set over the scenario: ``fixed`` and ``months``, checked."""
        src = self.source
        factors = raw["factors"]
        fixed = raw.get("fixed", {})
        if not isinstance(fixed, Mapping):
            raise ExperimentError(f"{src}: fixed must be a table of parameter = value")
        overrides: dict[str, Any] = {}
        for key, value in fixed.items():
            if key not in SCHEMA:
                raise ExperimentError(f"{src}: fixed: {unknown_key_message(key)}")
            if key in factors:
                raise ExperimentError(f"{src}: fixed.{key}: '{key}' is also a factor: keep it in one place")
            try:
                overrides[key] = coerce(SCHEMA[key], value)
            except ParameterError as exc:
                raise ExperimentError(f"{src}: fixed.{key}: {exc}") from None
        if "months" in raw:
            if "months" in factors or "months" in fixed:
                raise ExperimentError(f"{src}: months is given twice (top level and in "
                                      f"{'factors' if 'months' in factors else 'fixed'}): keep one")
            try:
                overrides["months"] = coerce(SCHEMA["months"], raw["months"])
            except ParameterError as exc:
                raise ExperimentError(f"{src}: {exc}") from None
        return overrides

    def _parse_base(self, raw: dict[str, Any], overrides: dict[str, Any]) -> Params:
        """The scenario with the fixed parameters applied."""
        src = self.source
        scenario = raw.get("scenario", "baseline")
        if not isinstance(scenario, str) or not scenario:
            raise ExperimentError(f"{src}: scenario must be a scenario name or a path to a .toml file")
        self.scenario = scenario
        try:
            path = scenario_path(scenario, relative_to=self._base_dir)
            return load_scenario(path, overrides)
        except ParameterError as exc:
            raise ExperimentError(f"{src}: scenario: {exc}") from None

    # ------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, d: Mapping[str, Any], source: str = "<dict>",
                  base_dir: str | Path | None = None) -> "ExperimentSpec":
        """Validate a spec given as a mapping (the TOML's content). A relative scenario
        path is looked up relative to ``base_dir`` (default: the current folder)."""
        if not isinstance(d, Mapping):
            raise ExperimentError(f"{source}: an experiment spec must be a table of keys, not {type(d).__name__}")
        return cls(dict(d), source, Path(base_dir) if base_dir is not None else None)

    def replace(self, **changes: Any) -> "ExperimentSpec":
        """A copy with some top-level keys changed (``None`` removes a key), validated again.

        >>> small = spec.replace(replications=2, fixed={"n_beneficiaries": 500})  # doctest: +SKIP
        """
        raw = {**self._raw, **changes}
        raw = {k: v for k, v in raw.items() if v is not None}
        return ExperimentSpec(raw, self.source, self._base_dir)

    def _parse_outputs(self, outputs: Any) -> tuple[str, ...]:
        if outputs is None:
            return SUMMARY_METRICS
        if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
            raise ExperimentError(f"{self.source}: outputs must be a list of metric names")
        for o in outputs:
            if o not in SUMMARY_METRICS:
                hint = nearest(o, SUMMARY_METRICS)
                tail = f"; did you mean '{hint}'?" if hint else ""
                raise ExperimentError(f"{self.source}: outputs: unknown metric '{o}'{tail} "
                                      f"(allowed: the metrics of simulation.METRICS and long_term_impact)")
        wanted = set(outputs) | set(ALWAYS_KEPT)
        return tuple(m for m in SUMMARY_METRICS if m in wanted)

    # ------------------------------------------------------------ the design
    @property
    def factor_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.factors)

    def design_points(self) -> pd.DataFrame:
        """One row per design point (index ``point``), one column per factor."""
        if self._points is None:
            self._points = designs.build(self.design, self.factors, self.samples, self.root_seed, self.options)
        return self._points.copy()

    @property
    def n_points(self) -> int:
        sizes = [len(f.grid()) for f in self.factors] if self.design == "full_factorial" else ()
        return designs.expected_rows(self.design, len(self.factors), self.samples, self.options, sizes)

    @property
    def runs_total(self) -> int:
        return self.n_points * self.replications

    def seeds(self) -> list[int]:
        """The replication seeds: replication r runs with ``root_seed + r`` at every
        design point (common random numbers; docs/EXPERIMENTS.md)."""
        return designs.replication_seeds(self.root_seed, self.replications)

    def salib_problem(self) -> dict[str, Any]:
        """The SALib problem of a sobol / morris / latin_hypercube design (for analysis)."""
        if any(not f.continuous for f in self.factors):
            raise ExperimentError(f"{self.source}: a SALib problem needs factors with a range, not levels")
        return designs.salib_problem(self.factors)

    def point_params(self, point: Mapping[str, Any]) -> Params:
        """The validated parameters of one design point."""
        values = {k: v.item() if isinstance(v, np.generic) else v for k, v in point.items()}
        return self.base.replace(**values)

    def check_points(self) -> None:
        """Validate every design point against the schema's joint rules (e.g.
        complexity <= n_dimensions) before anything runs."""
        points = self.design_points()
        seen: set[tuple] = set()
        for i, row in enumerate(points.itertuples(index=False)):
            if row in seen:
                continue
            seen.add(row)
            point = dict(zip(points.columns, row))
            try:
                self.point_params(point)
            except ParameterError as exc:
                shown = ", ".join(f"{k}={v!r}" for k, v in point.items())
                raise ExperimentError(f"{self.source}: design point {i} ({shown}): {exc}") from None

    # ------------------------------------------------------------ identity
    def to_dict(self) -> dict[str, Any]:
        """The spec as given (round-trips through ``from_dict``)."""
        return _jsonable(self._raw)

    def resolved(self) -> dict[str, Any]:
        """Everything that decides the results: the scenario resolved to every parameter
        value, the factors, the design and its options, replications, seed, outputs."""
        return {
            "scenario": self.scenario,
            "base": _jsonable(self.base.to_dict()),
            "factors": {f.name: _jsonable(f.to_dict()) for f in self.factors},
            "design": self.design,
            "samples": self.samples,
            "options": dict(sorted(self.options.items())),
            "replications": self.replications,
            "root_seed": self.root_seed,
            "keep_monthly": self.keep_monthly,
            "outputs": list(self.outputs),
        }

    @property
    def spec_hash(self) -> str:
        """SHA-256 of the resolved spec: two specs with the same hash give the same runs."""
        return spec_digest(self.resolved())

    def __repr__(self) -> str:
        return (f"ExperimentSpec({self.name!r}, design={self.design!r}, factors={list(self.factor_names)}, "
                f"points={self.n_points}, replications={self.replications})")


def spec_digest(resolved: Mapping[str, Any]) -> str:
    """SHA-256 of a resolved spec (``ExperimentSpec.resolved()``, or its JSON copy in a
    results folder's manifest: both give the same digest)."""
    text = json.dumps(resolved, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def load_experiment(path: str | Path) -> ExperimentSpec:
    """Read and validate an experiment spec (TOML). A relative ``scenario`` path is
    relative to the spec file's folder; a name is looked up in scenarios/."""
    p = Path(path)
    data = load_toml(p)  # ScenarioError naming the file, line and column on bad TOML
    return ExperimentSpec.from_dict(data, source=str(p), base_dir=p.parent)


__all__ = ["ExperimentSpec", "ExperimentError", "load_experiment", "SUMMARY_METRICS", "ALWAYS_KEPT",
           "MAX_RUNS", "MAX_SEED"]
