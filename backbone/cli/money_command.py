"""``backbone money``: what more money buys, scenario by scenario (``analysis.money``).

Runs each scenario at the funders' budget and at each multiple of it, on common random
numbers, and prints what the extra money buys in outcome-years (what evaluators value),
in the stock of sustained outcomes at the horizon, in money spent and in survival, each
as a paired difference with its 95% CI. Bad input exits 2 before any run.
"""

from __future__ import annotations

import argparse

from .common import (CLIError, HelpFormatter, add_executor, add_force, add_json, check_runs_total, check_seed_span,
                     executor_from, output_path, print_json, whole)


def _multiplier(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number: expected a multiplier in (0, 20]") from None
    if not 0.0 < x <= 20.0:
        raise argparse.ArgumentTypeError(f"{text} is not allowed: expected a multiplier in (0, 20]")
    return x


def cmd_money(args: argparse.Namespace) -> int:
    from backbone.analysis.money import money_markdown, money_runs, money_table
    from backbone.simulation.scenarios import load_scenario

    from .run_commands import titles_of, overrides_from

    if len(set(args.scenarios)) != len(args.scenarios):
        raise CLIError("a scenario is given twice")
    multipliers = sorted(set([1.0, *args.multipliers]))
    if len(multipliers) < 2:
        raise CLIError("--multipliers: give at least one multiplier other than 1")
    check_runs_total(args.replications, len(args.scenarios) * len(multipliers))
    seed0 = check_seed_span(args.seed, args.replications)
    if args.markdown and not args.markdown.lower().endswith(".md"):
        raise CLIError(f"--markdown {args.markdown}: use a file name ending in .md")
    md = output_path(args.markdown, args.force)
    overrides = overrides_from(args)
    arms = {name: load_scenario(name, overrides) for name in args.scenarios}
    runs = money_runs(arms, multipliers, args.replications, seed0, executor_from(args))
    table = money_table(runs)
    titles = titles_of(arms)
    if args.json:
        rows = [{"scenario": r.scenario, "title": titles.get(r.scenario, r.scenario), "multiplier": r.multiplier,
                 "endpoint": r.endpoint, "unit": r.unit, "at_budget": r.at_base, "at_multiplier": r.at_multiplier,
                 "difference": {"value": r.difference, "ci": [r.diff_low, r.diff_high], "ci_method": "percentile bootstrap",
                                "level": 0.95}, "n": int(r.n)} for r in table.itertuples()]
        print_json({"command": "money", "replications": args.replications, "seed0": seed0, "rows": rows})
        return 0
    print(f"What more money buys: each scenario at its funders' budget (x1) and at x"
          f"{', x'.join(f'{m:g}' for m in multipliers if m != 1.0)}, {args.replications} seeds, "
          "common random numbers; the extra money's effect as a paired difference [95% CI].\n")
    print(money_markdown(table, titles))
    if md is not None:
        md.write_text(money_markdown(table, titles), encoding="utf-8")
        print(f"wrote {md}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from .run_commands import add_set

    p = subparsers.add_parser(
        "money", help="what more money buys in each scenario (outcome-years, impact, survival)",
        description="Run each scenario at its funders' budget and at multiples of it on common random numbers, "
                    "and print what the extra money buys: outcome-years over the run, the share with a sustained "
                    "outcome at the horizon, money spent and the share of partnerships dissolved, each as a "
                    "paired difference with its 95% CI.",
        formatter_class=HelpFormatter,
        epilog="examples:\n  backbone money baseline no_backbone isolated_impact\n"
               "  backbone money baseline --multipliers 0.5 2 4 --replications 200 --workers 8")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario names or .toml paths")
    p.add_argument("--multipliers", nargs="+", type=_multiplier, default=[2.0], metavar="M",
                   help="multiples of the funders' budget to compare with x1 (default: 2)")
    p.add_argument("--replications", type=whole(2, why="a confidence interval needs two runs"), default=100,
                   metavar="N", help="seeds per arm (default: 100)")
    p.add_argument("--seed", type=whole(0), default=0, help="first seed (default: 0)")
    add_set(p)
    add_executor(p)
    p.add_argument("--markdown", metavar="FILE.md", help="also write the table as Markdown")
    add_force(p)
    add_json(p)
    p.set_defaults(func=cmd_money)
