"""Write the generated sections of docs/ODD.md from the code, so they cannot drift.

Two sections of ODD.md are generated, each between a pair of marker comments::

    <!-- BEGIN GENERATED: parameters (docs/make_parameter_table.py) -->
    ...
    <!-- END GENERATED: parameters -->

``parameters`` is the full parameter table (every entry of ``simulation.SCHEMA``: name,
group, unit, default, bounds, source or stated assumption, meaning), with a count of the
values that are stated assumptions; ``scorecard`` is the balanced scorecard
(``simulation.SCORECARD``). Everything outside the markers is written by hand.

Usage::

    .venv/bin/python docs/make_parameter_table.py            # rewrite docs/ODD.md in place
    .venv/bin/python docs/make_parameter_table.py --check    # exit 1 if ODD.md is stale
    .venv/bin/python docs/make_parameter_table.py --print parameters

tests/test_docs.py runs the check, so a parameter added to the schema without running
this script fails the test suite.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backbone.simulation import SCHEMA, SCORECARD  # noqa: E402  (after the path fix above)

ODD = ROOT / "docs" / "ODD.md"
BEGIN = "<!-- BEGIN GENERATED: {name} (docs/make_parameter_table.py) -->"
END = "<!-- END GENERATED: {name} -->"
PARAMETER_COLUMNS = ("name", "group", "unit", "default", "bounds", "source or assumption", "meaning")


def cell(text: object) -> str:
    """One table cell: pipes escaped, line breaks flattened."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def default_text(spec) -> str:
    value = spec.default
    if spec.kind == "bool":
        return "true" if value else "false"
    if spec.kind == "names":
        return "(none)" if not value else ", ".join(value)
    if spec.kind == "choice":
        return str(value)
    if spec.kind == "int":
        return f"{int(value):,}"
    x = float(value)
    if x.is_integer() and abs(x) < 1e6:
        return f"{x:.1f}" if abs(x) < 1000 else f"{int(x):,}"
    return f"{x:.6g}"


def is_assumption(spec) -> bool:
    """A value the model assumes: a source that is 'assumption' or says 'value assumed'."""
    src = spec.source.lower()
    return src.startswith("assumption") or "value assumed" in src or "values assumed" in src


def render_parameters() -> str:
    specs = list(SCHEMA.values())
    assumed = [s for s in specs if is_assumption(s)]
    switches = [s for s in specs if s.source == "ablation switch"]
    lines = [
        f"{len(specs)} parameters. For {len(assumed)} of them the value is a stated assumption "
        "(the source column says `assumption`, or names the source of the mechanism and "
        f"adds `value assumed`); {len(switches)} are ablation switches. The others take "
        "their value from the source named.",
        "",
        "| " + " | ".join(PARAMETER_COLUMNS) + " |",
        "|" + "|".join("---" for _ in PARAMETER_COLUMNS) + "|",
    ]
    for s in specs:
        row = (f"`{s.name}`", s.group, s.unit, default_text(s), s.bounds_text(), s.source, s.doc)
        lines.append("| " + " | ".join(cell(x) for x in row) + " |")
    return "\n".join(lines)


def render_scorecard() -> str:
    lines = ["| perspective | metric | meaning |", "|---|---|---|"]
    for perspective, metric, meaning in SCORECARD:
        lines.append(f"| {cell(perspective)} | `{cell(metric)}` | {cell(meaning)} |")
    return "\n".join(lines)


SECTIONS = {"parameters": render_parameters, "scorecard": render_scorecard}


def section_pattern(name: str) -> re.Pattern:
    return re.compile(re.escape(BEGIN.format(name=name)) + r"\n(.*?)\n?" + re.escape(END.format(name=name)),
                      re.DOTALL)


def extract(text: str, name: str) -> str:
    """The body of generated section ``name`` in ``text`` (ValueError if its markers are missing)."""
    match = section_pattern(name).search(text)
    if match is None:
        raise ValueError(f"docs/ODD.md has no generated section '{name}': expected the markers "
                         f"{BEGIN.format(name=name)} ... {END.format(name=name)}")
    return match.group(1)


def update(text: str) -> str:
    """``text`` with every generated section replaced by what the code gives now."""
    for name, render in SECTIONS.items():
        extract(text, name)  # the markers must be there
        body = render()
        text = section_pattern(name).sub(
            lambda _m, body=body, name=name: f"{BEGIN.format(name=name)}\n{body}\n{END.format(name=name)}", text)
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write the generated sections of docs/ODD.md from the code.",
                                 epilog="example: .venv/bin/python docs/make_parameter_table.py --check")
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if docs/ODD.md is stale")
    ap.add_argument("--print", dest="show", choices=sorted(SECTIONS), help="print one generated section")
    ap.add_argument("--file", type=Path, default=ODD, help="the document (default: docs/ODD.md)")
    args = ap.parse_args(argv)
    if args.show:
        print(SECTIONS[args.show]())
        return 0
    try:
        text = args.file.read_text(encoding="utf-8")
        new = update(text)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if new != text:
            print(f"{args.file} is stale: run .venv/bin/python docs/make_parameter_table.py", file=sys.stderr)
            return 1
        print(f"{args.file} is up to date")
        return 0
    if new != text:
        args.file.write_text(new, encoding="utf-8")
        print(f"updated {args.file}")
    else:
        print(f"{args.file} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
