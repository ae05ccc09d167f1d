"""Scenarios as data: TOML files that override the parameter defaults.

A scenario file is plain TOML that a person can read without Python::

    description = '''
    One paragraph: what this scenario is and what it assumes.
    '''
    extends = "baseline"        # optional: start from another scenario (by name or path)

    # parameters at the top level, one per line, each with its reasons in a comment
    backbone_share = 0.0        # no money for a backbone
    funder_patience = 12        # month

Keys that are not parameters: ``description`` (a string), ``extends`` (a string) and
three optional labels for people reading results (they change no run):

    title = "Pooled fund with a 10% backbone"    # a display name (default: the file's name; not inherited)
    currency = "kSEK"                            # the money unit (default: "kEUR", thousands of euros)
    dimension_names = ["work", "education", "health", "housing"]   # one per need dimension

Everything else must be a parameter of ``simulation.SCHEMA``; tables (``[section]``) are
not used. Values are resolved in order: the defaults, then each file of the ``extends``
chain from the oldest ancestor down, then the caller's overrides (``--set`` on the
command line).

Loading reads the file with ``tomllib`` (it never executes code) and validates every key
and value against the schema. Errors are ``ScenarioError`` (a ``ParameterError``) with a
one-line message naming the file: a syntax error gives the line and column; an unknown
key names the nearest valid one; a value out of range names the field, the value and
the allowed range.

Usage::

    from backbone.simulation import load_scenario, list_scenarios, parse_set
    p = load_scenario("baseline", {"months": 24})       # by name: scenarios/baseline.toml
    p = load_scenario("my/own.toml")                    # by path
    for name, description in list_scenarios(): ...
    parse_set(["backbone_share=0.2", "regime=isolated"])  # {'backbone_share': 0.2, ...}
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
import importlib.resources
from pathlib import Path
from typing import Any, Mapping

from .params import SCHEMA, ParameterError, Params, coerce, coerce_named, nearest, unknown_key_message

def _library() -> Path:
    """The scenario library: package data ``backbone.scenarios`` (the repository's
    ``scenarios/`` in a checkout), or next to this package when it is used on its own."""
    try:
        return Path(str(importlib.resources.files("backbone.scenarios")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / "scenarios"


SCENARIO_DIR = _library()

RESERVED = ("description", "extends")
MAX_BYTES = 1_000_000  # a scenario or an experiment spec is a page of text
LABEL_KEYS = ("title", "currency", "dimension_names")
# The money unit when a scenario names none: thousands of euros, the unit of the model's
# money defaults (value_per_outcome_year 10.9 k per person-year is Eurofound 2012's EUR
# figure; docs/ODD.md, 7.10 and the parameter table).
DEFAULT_CURRENCY = "kEUR"


def default_dimension_names(k: int) -> list[str]:
    """The need dimensions' names when a scenario names none: "need A", "need B", ...
    (labels only; the model's dimensions have no fixed meaning)."""
    return [f"need {chr(ord('A') + i)}" for i in range(k)]
MAX_LABEL = 80  # characters in a title, a currency or a dimension's name
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


class ScenarioError(ParameterError):
    """A scenario that cannot be found, read or validated (one-line message)."""


# ---------------------------------------------------------------- reading files
def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file (never executes code). Errors name the file, and for a syntax
    error the line and column."""
    p = Path(path)
    if not p.exists():
        raise ScenarioError(f"no such file: {p}")
    if p.is_dir():
        raise ScenarioError(f"{p} is a folder: expected a .toml file")
    try:
        st = p.stat()
    except OSError as exc:
        raise ScenarioError(f"cannot read {p}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):  # a named pipe or a device would block or never end
        raise ScenarioError(f"{p} is not a regular file (a pipe, socket or device): expected a .toml file")
    if st.st_size > MAX_BYTES:
        raise ScenarioError(f"{p} is {st.st_size:_} bytes: expected a TOML file of at most {MAX_BYTES:_} bytes")
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # replaced since the check
                raise ScenarioError(f"{p} is not a regular file: expected a .toml file")
            raw = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"cannot read {p}: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"{p}: expected a TOML file of at most {MAX_BYTES:_} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(f"{p}: line {line}: not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ScenarioError(f"{p}: arrays or inline tables nested too deeply to be a scenario or an "
                            "experiment") from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _POSITION.search(msg)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            msg = msg[: m.start()]
        else:  # tomllib reports some errors "at end of document"
            msg = _AT_END.sub("", msg)
            lines = text.split("\n")
            line, col = len(lines), len(lines[-1]) + 1
        raise ScenarioError(f"{p}: TOML syntax error at line {line}, column {col}: {msg}") from None


def _is_path(name_or_path: str | Path) -> bool:
    s = str(name_or_path)
    return isinstance(name_or_path, Path) or "/" in s or "\\" in s or s.endswith(".toml")


def scenario_names() -> list[str]:
    """Names of the scenarios in the library (``SCENARIO_DIR``), sorted."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def scenario_path(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """The file of a scenario: a name is looked up in the library, anything with a '/'
    or ending in '.toml' is a path (relative to ``relative_to`` when given)."""
    if _is_path(name_or_path):
        p = Path(name_or_path).expanduser()
        if relative_to is not None and not p.is_absolute():
            p = relative_to / p
        if not p.exists():
            raise ScenarioError(f"no such file: {p}")
        if not p.is_file():
            kind = "a folder" if p.is_dir() else "not a regular file (a pipe, socket or device)"
            raise ScenarioError(f"{p} is {kind}: expected a .toml file")
        return p
    name = str(name_or_path)
    p = SCENARIO_DIR / f"{name}.toml"
    if not _NAME.match(name) or not p.is_file():
        names = scenario_names()
        hint = nearest(name, names)
        tail = f"; did you mean '{hint}'?" if hint else ""
        raise ScenarioError(
            f"unknown scenario '{name}'{tail} (available: {', '.join(names) or 'none'}; or give a path to a .toml file)"
        )
    return p


def _label(path: Path) -> str:
    """How a file is named in messages and in `show`: its name if it is in the library."""
    try:
        if path.resolve().parent == SCENARIO_DIR:
            return path.name
    except OSError:
        pass
    return str(path)


# ---------------------------------------------------------------- validation
def _check_keys(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Validate one file's parameter keys and values; return the coerced parameters."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in RESERVED:
            if not isinstance(value, str):
                raise ScenarioError(f"{where}: '{key}' must be a string, not {type(value).__name__}")
            continue
        if key in LABEL_KEYS:
            _check_label(key, value, where)
            continue
        if isinstance(value, dict):
            raise ScenarioError(
                f"{where}: [{key}] tables are not used: put parameters at the top level, one per line"
            )
        try:
            out[key] = coerce_named(key, value)
        except ParameterError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
    return out


def _check_label(key: str, value: Any, where: str) -> None:
    """A label key: a short one-line string, or for ``dimension_names`` a list of them."""
    items = value if key == "dimension_names" else [value]
    if key == "dimension_names" and not isinstance(value, list):
        raise ScenarioError(f"{where}: 'dimension_names' must be a list of strings, e.g. [\"work\", \"health\"]")
    for item in items:
        if not isinstance(item, str) or not item.strip() or len(item) > MAX_LABEL or "\n" in item:
            raise ScenarioError(f"{where}: '{key}' = {item!r} is not allowed: expected a one-line string of 1 to "
                                f"{MAX_LABEL} characters")


def _chain(name_or_path: str | Path) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """The ``extends`` chain, oldest ancestor first: (label, raw data, parameters)."""
    chain: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    seen: list[Path] = []
    target: str | Path = name_or_path
    base: Path | None = None
    while True:
        try:
            path = scenario_path(target, relative_to=base)
        except ScenarioError as exc:
            if not chain:
                raise
            raise ScenarioError(f"{chain[-1][0]}: extends = {str(target)!r}: {exc}") from None
        key = path.resolve()
        if key in seen:
            loop = " -> ".join(_label(p) for p in seen + [key])
            raise ScenarioError(f"scenario cycle: {loop}")
        seen.append(key)
        label = _label(path)
        data = load_toml(path)
        chain.append((label, data, _check_keys(data, label)))
        parent = data.get("extends")
        if not parent:
            break
        target, base = parent, path.parent
    chain.reverse()
    return chain


def resolve_scenario(
    name_or_path: str | Path, overrides: Mapping[str, Any] | None = None, overrides_label: str = "--set"
) -> tuple[Params, dict[str, str]]:
    """The validated parameters of a scenario, and where each non-default value was set
    (the file's label, or ``overrides_label`` for the overrides)."""
    chain = _chain(name_or_path)
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for label, _, params in chain:
        values.update(params)
        origin.update({k: label for k in params})
    if overrides:
        values.update(_check_keys(dict(overrides), overrides_label))
        origin.update({k: overrides_label for k in overrides})
    try:
        p = Params(values)
    except ParameterError as exc:
        raise ScenarioError(f"{chain[-1][0]}: {exc}") from None
    _labels_of(chain, p)  # dimension_names must fit n_dimensions
    return p, origin


def _labels_of(chain, p: Params) -> dict[str, Any]:
    """The label keys over an ``extends`` chain (the newest file that sets one wins; a
    ``title`` is the file's own, never inherited), with ``dimension_names`` checked
    against the resolved ``n_dimensions``."""
    labels: dict[str, Any] = {}
    where: dict[str, str] = {}
    for n, (label, data, _) in enumerate(chain):
        for key in LABEL_KEYS:
            if key in data and (key != "title" or n == len(chain) - 1):
                labels[key], where[key] = data[key], label
    names = labels.get("dimension_names")
    if names is not None and len(names) != p.n_dimensions:
        raise ScenarioError(f"{where['dimension_names']}: 'dimension_names' has {len(names)} names: expected "
                            f"n_dimensions = {p.n_dimensions}, one per need dimension")
    return labels


def scenario_labels(name_or_path: str | Path) -> dict[str, Any]:
    """How people read a scenario's results: ``title`` (its display name; default the
    file's name, "_" read as a space), ``currency`` (the money unit; default ``DEFAULT_CURRENCY``) and
    ``dimension_names`` (one per need dimension; default ``default_dimension_names``)."""
    chain = _chain(name_or_path)
    p = resolve_scenario(name_or_path)[0]
    labels = _labels_of(chain, p)
    stem = Path(str(name_or_path)).stem if _is_path(name_or_path) else str(name_or_path)
    return {"title": " ".join(str(labels.get("title", stem.replace("_", " "))).split()),
            "currency": labels.get("currency", DEFAULT_CURRENCY),
            "dimension_names": list(labels.get("dimension_names") or
                                    default_dimension_names(p.n_dimensions))}


def load_scenario(name_or_path: str | Path, overrides: Mapping[str, Any] | None = None) -> Params:
    """The validated parameters of a scenario (by name or path), with ``overrides``
    applied last."""
    return resolve_scenario(name_or_path, overrides, overrides_label="overrides")[0]


def scenario_description(name_or_path: str | Path) -> str:
    """The scenario's description as one paragraph (its own, else the one it extends)."""
    for _, data, _ in reversed(_chain(name_or_path)):
        if data.get("description", "").strip():
            return " ".join(data["description"].split())
    return ""


def list_scenarios() -> list[tuple[str, str]]:
    """(name, description) of every scenario in the library, sorted by name."""
    return [(name, scenario_description(name)) for name in scenario_names()]


# ---------------------------------------------------------------- --set key=value
def _toml_value(text: str) -> Any:
    return tomllib.loads(f"v = {text}")["v"]


def parse_set(items: list[str] | None) -> dict[str, Any]:
    """Parse ``key=value`` strings. Values are TOML values (numbers, true/false,
    "strings", [lists]); a bare word is a string, and for a list of names a bare
    ``A:public,B`` is the list of its comma-separated items. Keys and values are then
    checked as strictly as in a scenario file; errors name the item."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key or not text:
            raise ScenarioError(f"--set {item!r}: expected key=value, e.g. backbone_share=0.2")
        if key not in SCHEMA:
            raise ScenarioError(f"--set {item!r}: {unknown_key_message(key)}")
        try:
            value = _toml_value(text)
        except tomllib.TOMLDecodeError as exc:
            if text[0] in "[{\"'" or text[0].isdigit() or text[0] in "+-.":
                msg = _POSITION.sub("", str(exc))
                raise ScenarioError(f"--set {item!r}: not a valid value ({msg}): numbers, true/false, "
                                    "\"text\" or [lists] as in a scenario file") from None
            value = text  # a bare word, e.g. regime=isolated
        except RecursionError:
            raise ScenarioError(f"--set {item!r}: nested too deeply") from None
        if SCHEMA[key].kind == "names" and isinstance(value, str):  # a=x:public,b: a bare list
            value = [v.strip() for v in value.split(",") if v.strip()]
        try:
            out[key] = coerce(SCHEMA[key], value)
        except ParameterError as exc:
            raise ScenarioError(f"--set {item!r}: {exc}") from None
    return out


__all__ = [
    "SCENARIO_DIR", "ScenarioError", "load_toml", "load_scenario", "resolve_scenario",
    "scenario_description", "scenario_labels", "scenario_names", "LABEL_KEYS", "DEFAULT_CURRENCY", "default_dimension_names", "scenario_path", "list_scenarios", "parse_set",
]
