"""Validation patterns as data: a TOML file of empirical patterns the model's defaults are
held against (pattern-oriented modelling, Grimm et al. 2005), and its strict loader.

A patterns file is plain TOML that a person can read without Python::

    description = "What these patterns are and where they come from."
    scenario = "baseline"        # the scenario every pattern runs unless it names another
    replications = 30            # runs per pattern (replication r uses seed + r in every arm)
    seed = 0
    months = 120                 # optional: the horizon of every run (default: the scenario's)
    required_share = 0.75        # share of validation patterns that must be reproduced (exit status 0)
    role = "validation"          # optional: the role of every pattern that names none
    [set]                        # optional: parameter overrides for every run
    n_beneficiaries = 2000

    [[pattern]]
    key = "dissolution_10y"
    role = "validation"          # "calibration" or "validation" (here or at the top: required)
    title = "Partnerships without a backbone dissolve within ten years"
    source = "Author, A. (Year). Title. Journal, vol(issue), pages."   # full citation, required
    cite = "Author 2020"         # optional short form for tables (default: from the citation)
    kind = "failure"             # one of KINDS
    scenario = "no_backbone"     # optional: another base scenario
    set = { funder_patience = 12 }   # optional: overrides for this pattern
    measure = "event_by"         # a name of analysis.measures.MEASURES
    event = "dissolved"          # ... and that measure's arguments
    month = 120
    statistic = "share"          # optional: mean, share (0/1 measures) or median
    target = [0.2, 0.5]          # the band the source reports: [lo, hi] (inf allowed)
    note = "How the source's figure maps onto the measure."

A paired measure (``ratio_to_counterfactual``, ``diff_to_counterfactual``) names the
measure it compares (``of``) and the counterfactual scenario (``against``); both arms get
the same horizon and overrides, and replication r uses the same seed in both.

Roles (pattern-oriented modelling's indirect parameterization: Grimm et al. 2005;
Railsback & Grimm 2019, ch. 20): every pattern has a ``role``, ``"calibration"`` (fitted
by ``backbone calibrate``, never judged) or ``"validation"`` (judged by ``backbone
validate``, never fitted); a pattern without one takes the file's top-level ``role``, and
with neither the file is refused. No pattern may have both roles: two patterns are the
same pattern when they share their key, or their source (its DOI if it has one, else its
citation's letters and digits) and either their measure or their band. A file in which a
calibration pattern and a validation pattern are the same is refused (``check_roles``),
and so is a pair of files used together (``backbone validate --posterior``: the
posterior's calibration patterns against the file's validation patterns).

A scenario is a name from the library (``scenarios/``) or a path to a scenario file,
relative to the patterns file's folder. Parameters of a run, in order: the scenario file (its ``extends`` chain), the top-level
``months``, the top-level ``[set]``, the pattern's ``set``.

Loading never executes code and checks everything before any run: an unknown key names
the nearest valid one; a value out of range names the field and the allowed range; every
error is one line (``PatternError``) that names the file and the pattern.

Usage::

    from backbone.analysis.patterns import load_patterns
    ps = load_patterns("experiments/validation/patterns.toml")
    ps.patterns[0].params          # the resolved simulation.Params of its runs
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
import importlib.resources
from pathlib import Path
from typing import Any, Mapping

from backbone.simulation import EVENT_TYPES, METRICS, SCHEMA, Params, ParameterError
from backbone.simulation.params import coerce_named, nearest
from backbone.simulation.scenarios import load_toml, resolve_scenario

from .measures import MEASURES, STATISTICS, Arg, arguments

DEFAULT_FILE = Path(str(importlib.resources.files("backbone.experiments"))) / "validation" / "patterns.toml"
ROLES = ("calibration", "validation")
KINDS = ("impact over time", "failure", "turnover", "trust", "value for money", "funding",
         "engagement", "coordination", "other")
TOP_KEYS = ("description", "scenario", "replications", "seed", "months", "required_share", "role", "set", "pattern",
            "calibrate")  # calibrate: the free parameters of `backbone calibrate` (analysis.calibrate)
PATTERN_KEYS = ("key", "role", "title", "source", "cite", "kind", "measure", "statistic", "scenario", "set",
                "target", "note")
REQUIRED_TOP = ("required_share", "pattern")
REQUIRED_PATTERN = ("key", "title", "source", "kind", "measure", "target")
REPLICATIONS = (2, 100_000)
SEEDS = (0, 2**32 - 1)
DEFAULTS = {"description": "", "scenario": "baseline", "replications": 30, "seed": 0}
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


class PatternError(ValueError):
    """A patterns file that cannot be read or validated (one-line message)."""


@dataclass(frozen=True)
class Pattern:
    key: str
    title: str
    source: str
    cite: str
    kind: str
    measure: str
    args: dict[str, Any]              # the measure's arguments (paired: of, against and of's)
    statistic: str
    scenario: str
    overrides: dict[str, Any]         # the pattern's own `set`
    target: tuple[float, float]
    note: str
    params: Params                    # the resolved parameters of its runs
    counterfactual: Params | None     # paired measures: those of the `against` runs
    role: str = "validation"          # "calibration" or "validation" (ROLES)

    @property
    def horizon(self) -> int:
        return int(self.params.months)

    def identity(self) -> dict[str, Any]:
        """What makes two patterns the same pattern (``same_pattern``), as plain JSON."""
        return identity(self.key, self.source, self.measure, self.target)


@dataclass(frozen=True)
class PatternSet:
    path: Path
    description: str
    scenario: str
    replications: int
    seed: int
    months: int | None
    required_share: float
    overrides: dict[str, Any]
    patterns: tuple[Pattern, ...] = field(default_factory=tuple)

    def sources(self) -> list[str]:
        """The distinct full citations, in order of first use."""
        return list(dict.fromkeys(p.source for p in self.patterns))

    def with_role(self, role: str) -> "PatternSet":
        """The same file with only the patterns of ``role``."""
        return replace(self, patterns=tuple(p for p in self.patterns if p.role == role))

    def count(self, role: str) -> int:
        return sum(p.role == role for p in self.patterns)


# ---------------------------------------------------------------- roles
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s;,]+)", re.IGNORECASE)


def source_id(source: str) -> str:
    """A citation's identity: its DOI (lower case) if it has one, else its letters and
    digits in lower case (so spacing and punctuation do not make another source)."""
    m = _DOI.search(source)
    if m:
        return "doi:" + m.group(1).lower().rstrip(".")
    return re.sub(r"[^0-9a-z]+", "", source.lower())


def identity(key: str, source: str, measure: str, target) -> dict[str, Any]:
    """A pattern's identity as JSON-ready data (stored with a posterior, so a later
    validation can be checked against the patterns it was fitted to)."""
    lo, hi = (float(v) for v in target)
    return {"key": key, "source": source_id(source), "measure": measure,
            "target": [None if not math.isfinite(lo) else lo, None if not math.isfinite(hi) else hi]}


def same_pattern(a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    """Why two identities (``identity``) are the same pattern, or None: the same key, or
    the same source with the same measure or the same band."""
    if a["key"] == b["key"]:
        return "the same key"
    if a["source"] == b["source"]:
        if a["measure"] == b["measure"]:
            return f"the same source and measure ({a['measure']})"
        if list(a["target"]) == list(b["target"]):
            return "the same source and band"
    return None


def check_roles(calibration: list[Mapping[str, Any]], validation: list[Mapping[str, Any]],
                where: str = "") -> None:
    """Refuse (``PatternError``, one line) any calibration pattern that is also a
    validation pattern (identities, ``identity``)."""
    for c in calibration:
        for v in validation:
            why = same_pattern(c, v)
            if why:
                same = (f"pattern '{c['key']}' is" if c["key"] == v["key"] else
                        f"patterns '{c['key']}' (calibration) and '{v['key']}' (validation) are one pattern")
                raise PatternError(f"{where}{same} in both roles ({why}): a pattern that calibrates the model "
                                   "cannot validate it; give each pattern one role")


# ---------------------------------------------------------------- small checks
def _unknown(key: str, valid: tuple[str, ...] | list[str], what: str) -> str:
    hint = nearest(key, valid)
    tail = f"; did you mean '{hint}'?" if hint else f" (valid: {', '.join(valid)})"
    return f"unknown {what} '{key}'{tail}"


def _int(value: Any, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise PatternError(f"{name} = {value!r} is not allowed: expected a whole number in [{lo}, {hi}]")
    return value


def _number(value: Any, name: str, lo: float = -math.inf, hi: float = math.inf, finite: bool = True) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)
    if ok and finite and not math.isfinite(value):
        ok = False
    if not ok or not lo <= value <= hi:
        rng = "a finite number" if (lo, hi) == (-math.inf, math.inf) else f"a number in [{lo:g}, {hi:g}]"
        raise PatternError(f"{name} = {value!r} is not allowed: expected {rng}")
    return float(value)


def _text(value: Any, name: str, required: bool = True) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise PatternError(f"{name} = {value!r} is not allowed: expected a non-empty string")
    return " ".join(value.split())


def _choice(value: Any, name: str, choices: tuple[str, ...] | list[str], what: str) -> str:
    if not isinstance(value, str):
        raise PatternError(f"{name} = {value!r} is not allowed: expected one of {', '.join(choices)}")
    if value not in choices:
        raise PatternError(f"{name}: {_unknown(value, list(choices), what)}")
    return value


def _overrides(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PatternError(f"{name} = {value!r} is not allowed: expected a table of parameters, "
                           "e.g. set = {{ n_beneficiaries = 2000 }}")
    out = {}
    for k, v in value.items():
        try:
            out[k] = coerce_named(k, v)
        except ParameterError as exc:
            raise PatternError(f"{name}: {exc}") from None
    return out


def short_cite(source: str) -> str:
    """'Grimm et al. 2005' from 'Grimm, V., Revilla, E., ... (2005). Pattern-oriented ...':
    the first author's surname, 'et al.' if there are others, and the first year."""
    year = re.search(r"\b(1[89]\d\d|20\d\d)[a-z]?\b", source)
    head = source[: year.start()] if year else source
    surname = re.split(r"[,(]| and | & ", head.strip(), maxsplit=1)[0].strip().rstrip(".")
    authors = head.strip().rstrip("( .")
    more = bool(re.search(r"&| and |et al|\.,\s*[A-Z]", authors))
    return f"{surname}{' et al.' if more else ''}{' ' + year.group(0) if year else ''}".strip()


# ---------------------------------------------------------------- arguments
def _arg(value: Any, name: str, arg: Arg, horizon: int) -> Any:
    kind = arg.kind
    if kind == "metric":
        return _choice(value, name, list(METRICS), "metric")
    if kind == "event":
        return _choice(value, name, list(EVENT_TYPES.values()), "event")
    if kind == "month":
        return _int(value, name, 1, horizon)
    if kind == "window":
        if not isinstance(value, list) or len(value) != 2:
            raise PatternError(f"{name} = {value!r} is not allowed: expected [first, last] months in [1, {horizon}]")
        a = _int(value[0], f"{name}[0]", 1, horizon)
        b = _int(value[1], f"{name}[1]", a, horizon)
        return (a, b)
    if kind == "number":
        return _number(value, name)
    if kind == "cohorts":
        return _cohorts(value, name, horizon)
    if kind == "choice":
        return _choice(value, name, arg.choices, "choice")
    if kind == "measure":
        plain = [m for m, spec in MEASURES.items() if not spec.paired]
        return _choice(value, name, plain, "measure")
    if kind == "scenario":
        return _text(value, name)
    raise AssertionError(f"argument kind {kind}")  # pragma: no cover - registry error


MAX_COHORTS = 100


def _cohorts(value: Any, name: str, horizon: int) -> tuple[tuple[int, float], ...]:
    """[[month, weight], ...]: 1 to MAX_COHORTS ages in whole months in [1, horizon],
    each with a weight >= 0, the weights summing to more than 0."""
    expected = (f"expected [[month, weight], ...]: 1 to {MAX_COHORTS} pairs of a month in [1, {horizon}] "
                "and a weight >= 0, the weights not all 0")
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_COHORTS:
        raise PatternError(f"{name} = {value!r} is not allowed: {expected}")
    out = []
    for i, pair in enumerate(value):
        if not isinstance(pair, list) or len(pair) != 2:
            raise PatternError(f"{name}[{i}] = {pair!r} is not allowed: {expected}")
        out.append((_int(pair[0], f"{name}[{i}][0]", 1, horizon), _number(pair[1], f"{name}[{i}][1]", 0.0)))
    if sum(w for _, w in out) <= 0:
        raise PatternError(f"{name} = {value!r} is not allowed: {expected}")
    return tuple(out)


def _resolve(scenario: str, overrides: Mapping[str, Any], where: str, base: Path | None) -> Params:
    """A scenario's parameters with ``overrides``; a relative path is taken from the
    patterns file's folder."""
    if base is not None and ("/" in scenario or scenario.endswith(".toml")) and not Path(scenario).is_absolute():
        scenario = str(base / scenario)
    try:
        return resolve_scenario(scenario, overrides, overrides_label="set")[0]
    except ParameterError as exc:
        raise PatternError(f"{where}: {exc}") from None


# ---------------------------------------------------------------- one pattern
def _measure_and_keys(raw: dict[str, Any]):
    """A pattern's measure, its spec and its arguments, after checking the pattern's keys
    (none unknown, none required missing)."""
    if "measure" not in raw:
        raise PatternError("'measure' is missing: the name of a measure, one of " + ", ".join(MEASURES))
    measure = _choice(raw["measure"], "measure", list(MEASURES), "measure")
    spec = MEASURES[measure]
    if spec.paired and "of" in spec.args:
        if "of" not in raw:
            raise PatternError(f"'of' is missing: measure {measure} needs the measure to compare, one of "
                               + ", ".join(m for m, s in MEASURES.items() if not s.paired))
        _arg(raw["of"], "of", spec.args["of"], 0)
    margs = arguments(measure, raw)
    valid = list(PATTERN_KEYS) + list(margs)
    for k in raw:
        if k not in valid:
            raise PatternError(f"{_unknown(k, valid, 'key')} (measure {measure})")
    for k in REQUIRED_PATTERN:
        if k not in raw:
            raise PatternError(f"'{k}' is missing" + (": the full citation of the pattern's published "
                                                      "source" if k == "source" else ""))
    for k, a in margs.items():
        if a.required and k not in raw:
            raise PatternError(f"'{k}' is missing: measure {measure} needs it ({a.doc})")
    return measure, spec, margs


def _target(target: Any) -> tuple[float, float]:
    """A target band [lo, hi] (either end may be infinite)."""
    if not isinstance(target, list) or len(target) != 2:
        raise PatternError(f"target = {target!r} is not allowed: expected [lo, hi], the band the source reports")
    lo = _number(target[0], "target[0]", finite=False)
    hi = _number(target[1], "target[1]", finite=False)
    if lo > hi:
        raise PatternError(f"target = {target!r} is not allowed: expected [lo, hi] with lo <= hi")
    return lo, hi


def _pattern(raw: Any, i: int, top: dict[str, Any], seen: set[str]) -> Pattern:
    where = f"pattern {i + 1}"
    if not isinstance(raw, dict):
        raise PatternError(f"{where}: expected a [[pattern]] table")
    if "key" in raw:
        key = raw["key"]
        if not isinstance(key, str) or not _KEY.match(key):
            raise PatternError(f"{where}: key = {key!r} is not allowed: expected a name of letters, digits, _ or -, "
                               "starting with a letter")
        if key in seen:
            raise PatternError(f"{where}: key '{key}' is used twice")
        where = f"pattern '{key}'"
    try:
        measure, spec, margs = _measure_and_keys(raw)
        title = _text(raw["title"], "title")
        source = _text(raw["source"], "source")
        cite = _text(raw["cite"], "cite") if "cite" in raw else short_cite(source)
        kind = _choice(raw["kind"], "kind", KINDS, "kind")
        if "role" not in raw and top["role"] is None:
            raise PatternError("'role' is missing: calibration or validation (set it on the pattern, or "
                               "role = ... at the top of the file for every pattern)")
        role = _choice(raw.get("role", top["role"]), "role", ROLES, "role")
        note = _text(raw.get("note", ""), "note", required=False)
        statistic = _choice(raw.get("statistic", spec.statistic), "statistic", STATISTICS, "statistic")
        if statistic == "share" and spec.statistic != "share":
            raise PatternError(f"statistic = 'share' is not allowed for measure {measure}: its values are not 0/1 "
                               "(expected mean or median)")
        if statistic == "mean" and spec.censored:
            raise PatternError(f"statistic = 'mean' is not allowed for measure {measure}: a run where it never "
                               "happens has no month (expected median)")
        lo, hi = _target(raw["target"])
        scenario = _text(raw.get("scenario", top["scenario"]), "scenario")
        own = _overrides(raw.get("set", {}), "set")
        overrides = {**top["base"], **own}
        params = _resolve(scenario, overrides, f"scenario '{scenario}'", top["dir"])
        counterfactual = None
        horizon = int(params.months)
        if spec.paired:
            counterfactual = _resolve(_text(raw["against"], "against"), overrides, f"against '{raw['against']}'",
                                      top["dir"])
            horizon = min(horizon, int(counterfactual.months))
        args = {k: _arg(raw[k], k, a, horizon) if k in raw else a.default for k, a in margs.items()}
    except PatternError as exc:
        raise PatternError(f"{where}: {exc}") from None
    seen.add(key)
    return Pattern(key, title, source, cite, kind, measure, args, statistic, scenario, own, (lo, hi), note,
                   params, counterfactual, role)


# ---------------------------------------------------------------- the file
def parse_patterns(data: Mapping[str, Any], path: str | Path = "<patterns>") -> PatternSet:
    """Validate the contents of a patterns file (a dict, as read from TOML)."""
    label = str(path)
    try:
        for k in data:
            if k not in TOP_KEYS:
                raise PatternError(_unknown(k, list(TOP_KEYS), "top-level key"))
        for k in REQUIRED_TOP:
            if k not in data:
                raise PatternError(f"'{k}' is missing" + (
                    ": the share of patterns that must be reproduced, in [0, 1]" if k == "required_share"
                    else ": at least one [[pattern]] table"))
        description = _text(data.get("description", DEFAULTS["description"]), "description", required=False)
        scenario = _text(data.get("scenario", DEFAULTS["scenario"]), "scenario")
        replications = _int(data.get("replications", DEFAULTS["replications"]), "replications", *REPLICATIONS)
        seed = _int(data.get("seed", DEFAULTS["seed"]), "seed", *SEEDS)
        months = None
        if "months" in data:
            spec = SCHEMA["months"]
            months = _int(data["months"], "months", int(spec.lo), int(spec.hi))
        required = _number(data["required_share"], "required_share", 0.0, 1.0)
        role = _choice(data["role"], "role", ROLES, "role") if "role" in data else None
        overrides = _overrides(data.get("set", {}), "set")
        raw = data["pattern"]
        if not isinstance(raw, list) or not raw:
            raise PatternError("pattern: expected one or more [[pattern]] tables")
    except PatternError as exc:
        raise PatternError(f"{label}: {exc}") from None
    base = ({"months": months} if months is not None else {}) | overrides
    top = {"scenario": scenario, "role": role, "base": base, "dir": Path(path).parent if path != "<patterns>" else None}
    seen: set[str] = set()
    patterns = []
    for i, r in enumerate(raw):
        try:
            patterns.append(_pattern(r, i, top, seen))
        except PatternError as exc:
            raise PatternError(f"{label}: {exc}") from None
    check_roles([p.identity() for p in patterns if p.role == "calibration"],
                [p.identity() for p in patterns if p.role == "validation"], f"{label}: ")
    return PatternSet(Path(path), description, scenario, replications, seed, months, required, overrides,
                      tuple(patterns))


def load_patterns(path: str | Path = DEFAULT_FILE) -> PatternSet:
    """Read and validate a patterns file (never executes code)."""
    try:
        data = load_toml(path)
    except ParameterError as exc:  # ScenarioError: missing file, not UTF-8, TOML syntax
        raise PatternError(str(exc)) from None
    return parse_patterns(data, path)


__all__ = ["DEFAULT_FILE", "KINDS", "ROLES", "identity", "same_pattern", "check_roles", "source_id", "Pattern", "PatternSet", "PatternError", "load_patterns", "parse_patterns",
           "short_cite"]
