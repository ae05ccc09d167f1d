"""Commands for scenarios: ``scenarios``, ``show``, ``run``, ``compare``.

- ``backbone scenarios``: the scenario library, with descriptions.
- ``backbone show NAME``: the resolved parameters, with unit, source, and where each
  value was set.
- ``backbone run NAME``: one run; the balanced scorecard at the horizon; ``--out``
  writes the monthly results (.parquet or .csv).
- ``backbone compare A B ...``: replicated runs on common random numbers; mean and 95%
  t-interval per scenario and of the paired difference with the first (see
  ``analysis.compare``); ``--out`` writes the table.

Every check on the input (scenario files, ``--set``, output files) happens before any
simulation runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd

from .common import (CLIError, HelpFormatter, add_force, add_json, add_posterior, load_posterior_arg, output_path,
                     print_json, add_executor, check_runs_total, check_seed_span,
                     executor_from, replications_type, seed_type, number, digits_for)

WRITERS = (".parquet", ".csv")
WIDTH = 88
SHOW_WIDTH = 100  # `show` and `compare` lines stay within this many characters



# ---------------------------------------------------------------- shared pieces
def add_set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set", dest="set", metavar="KEY=VALUE", nargs="+", action="extend", default=[],
        help="override a parameter, e.g. --set backbone_share=0.2 regime=isolated "
             "(values as in scenario files; 'backbone show baseline' lists the keys)")


def add_months(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--months", type=int, metavar="N", help="horizon in months (default: the scenario's)")


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    from backbone.simulation import SCHEMA, ParameterError
    from backbone.simulation.params import coerce
    from backbone.simulation.scenarios import parse_set

    for item in args.set:
        if "=" not in item:
            raise CLIError(f"--set {item!r}: expected KEY=VALUE, e.g. backbone_share=0.2 "
                           "(scenario names go before --set)")
    over = parse_set(args.set)
    if getattr(args, "months", None) is not None:
        try:
            over["months"] = coerce(SCHEMA["months"], args.months)
        except ParameterError as exc:
            raise CLIError(f"--months: {exc}") from None
    return over


def _out_file(path: str | None, force: bool) -> Path | None:
    """Check an output file before any work: a known extension, and no overwriting."""
    if path is None:
        return None
    suffix = Path(path).suffix.lower()
    if suffix not in WRITERS:
        raise CLIError(f"{path}: cannot write '{suffix or 'no extension'}' files: use .parquet or .csv")
    return output_path(path, force)


def _write(df: pd.DataFrame, path: Path, metadata: dict[str, Any] | None = None) -> None:
    if path.suffix.lower() == ".csv":
        df.to_csv(path, index=False)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    if metadata:
        meta = dict(table.schema.metadata or {})
        meta[b"backbone"] = json.dumps(metadata, default=str).encode()
        table = table.replace_schema_metadata(meta)
    pq.write_table(table, path)


def _fmt_value(v: Any) -> str:
    if isinstance(v, tuple):
        return ", ".join(v) if v else "-"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def hours_split(monthly, params) -> str:
    """Where the partners' hours went over the run (ODD 7.7): what money paid and what
    partners gave in kind, what coordination, orchestration and grant-seeking took, what
    was left for direct work, and the service it delivered."""
    tot = {c: float(monthly[c].sum()) for c in ("hours_funded", "hours_inkind", "hours_coordination",
                                                  "hours_orchestration", "hours_grants", "hours_agenda",
                                                  "hours_home", "service_hours", "backbone_hours")}
    given = tot["hours_funded"] + tot["hours_inkind"]
    if given <= 0:
        return "where the partners' hours went: no hours were paid or given"

    def share(x):
        return f"{x:>12,.0f}  {100 * x / given:5.1f}%"
    lines = ["where the partners' hours went over the run (hours; share of all hours paid or given)",
             f"  paid by grants       {share(tot['hours_funded'])}",
             f"  given in kind        {share(tot['hours_inkind'])}",
             f"  coordination         {share(tot['hours_coordination'])}  (links, meetings, reporting, the backbone's demands)",
             f"  orchestration        {share(tot['hours_orchestration'])}  (partners' own work on the partnership)",
             f"  grant-seeking        {share(tot['hours_grants'])}  (separate grants: isolated regime)",
             f"  direct work          {share(tot['hours_agenda'] + tot['hours_home'])}  (common agenda and own programmes)",
             f"  service delivered    {tot['service_hours']:>12,.0f}  {tot['service_hours'] / given:5.2f} per hour "
             "(after competence, knowledge and duplication)",
             f"  backbone staff       {tot['backbone_hours']:>12,.0f}  hours, paid apart from the partners'"]
    return "\n".join(lines)


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


# ---------------------------------------------------------------- scenarios
def cmd_scenarios(args: argparse.Namespace) -> int:
    from backbone.simulation.scenarios import SCENARIO_DIR, list_scenarios

    items = list_scenarios()
    if not items:
        raise CLIError(f"no scenarios in {SCENARIO_DIR}")
    if args.json:
        print_json([{"name": name, "description": description, "path": SCENARIO_DIR / f"{name}.toml"}
                    for name, description in items])
        return 0
    for name, description in items:
        print(name)
        print(_wrap(description or "(no description)", "    "))
        print()
    print(f"{len(items)} scenarios in {SCENARIO_DIR}. 'backbone show NAME' prints one's parameters; "
          "'backbone run NAME' runs it.")
    return 0


# ---------------------------------------------------------------- show
def calibrated_defaults() -> tuple[dict[str, dict], str | None]:
    """The parameters the shipped posterior (``--posterior default``) calibrates: per
    name its posterior median and 90% interval, and the calibration patterns it was
    fitted to; with one line when the posterior is missing, unreadable or was fitted to
    other model code (else None)."""
    from backbone.experiments.posterior import DEFAULT, REFIT, PosteriorError, load_posterior

    try:
        post = load_posterior(DEFAULT)
    except PosteriorError as exc:
        return {}, str(exc)
    info = post.info or {}
    q90 = info.get("credible_90") or {}
    patterns = [p.get("key") for p in post.patterns]
    out = {name: {"posterior": DEFAULT, "median": q90.get(name, {}).get("median"),
                  "q05": q90.get(name, {}).get("q05"), "q95": q90.get(name, {}).get("q95"),
                  "informed": (info.get("informed") or {}).get(name, {}).get("informed"),
                  "patterns": patterns, "targets_file": info.get("targets_file")} for name in post.names}
    stale = post.stale()
    return out, (f"the shipped posterior was fitted to other model code: refit it ({REFIT})" if stale else None)


def _calibrated_text(c: dict) -> str:
    def g(x):
        return "?" if x is None else f"{x:.4g}"
    return (f"calibrated: posterior median {g(c['median'])} [90%: {g(c['q05'])}, {g(c['q95'])}]"
            + ("; NOT INFORMED by the patterns (posterior close to the prior)" if c.get("informed") is False else ""))


def cmd_show(args: argparse.Namespace) -> int:
    from backbone.simulation import SCHEMA
    from backbone.simulation.scenarios import resolve_scenario, scenario_description, scenario_labels

    params, origin = resolve_scenario(args.scenario, overrides_from(args))
    values = params.to_dict()
    calibrated, cal_note = calibrated_defaults()
    if args.json:
        print_json({"scenario": args.scenario, "description": scenario_description(args.scenario),
                    "labels": scenario_labels(args.scenario),
                    "parameters": [{"name": name, "value": values[name], "default": spec.default,
                                    "changed": values[name] != spec.default, "unit": spec.unit,
                                    "set_in": origin.get(name, "default"), "group": spec.group,
                                    "source": spec.source, "calibrated": calibrated.get(name)}
                                   for name, spec in SCHEMA.items()
                                   if not args.changed or values[name] != spec.default or name in origin]})
        return 0
    labels = scenario_labels(args.scenario)
    if cal_note:
        print(cal_note, file=sys.stderr)
    named = [d for d in labels["dimension_names"] if not d.startswith("dimension ")]
    dims = f"; need dimensions: {', '.join(named)}" if named else ""
    print(textwrap.fill(f"Scenario {args.scenario}: {labels['title']} (money in {labels['currency']}{dims})",
                        SHOW_WIDTH))
    print(_wrap(scenario_description(args.scenario) or "(no description)", "    "))
    print()
    rows = []
    for name, spec in SCHEMA.items():
        changed = values[name] != spec.default
        if args.changed and not changed and name not in origin:
            continue
        rows.append((spec.group, "*" if changed else " ", name, _fmt_value(values[name]), spec.unit,
                     origin.get(name, "default"), spec.source))
    if not rows:
        print("(no parameter differs from the model defaults)")
        return 0
    marked = any(r[1] == "*" for r in rows)
    legend = ("Each parameter: value and unit, then where the value is set (the file, --set, or the model "
              "default), then the source of the model default (a scenario's own assumptions are in the "
              "comments of its file).")
    if marked:
        legend += " * marks a value that differs from the model default."
    shown_cal = [r[2] for r in rows if r[2] in calibrated]
    if shown_cal:
        c = calibrated[shown_cal[0]]
        legend += (f" 'calibrated' marks the {len(shown_cal)} defaults the shipped posterior calibrates against the "
                   f"patterns {', '.join(c['patterns']) or '(not recorded)'}"
                   + (f" ({c['targets_file']})" if c.get("targets_file") else "")
                   + ": --posterior default draws them per run; the value shown is used without it.")
    print(textwrap.fill(legend, SHOW_WIDTH))
    w_name = max(len(r[2]) for r in rows)
    w_val = min(max(len(f"{r[3]} {r[4]}") for r in rows), 28)
    indent = " " * (w_name + 6)
    group = None
    for g, mark, name, value, unit, where, source in rows:
        if g != group:
            group = g
            print(f"\n[{g}]")
        shown = f"{value} {unit}" if unit != "-" else value
        where = "model default" if where == "default" else f"set in {where}"
        lead = f"  {mark if marked else ' '} {name:<{w_name}}  "
        if len(shown) > w_val or len(lead) + len(shown) + len(where) + 9 > SHOW_WIDTH:
            print(f"{lead}(below)  {where}")
            print(textwrap.fill(shown, SHOW_WIDTH, initial_indent=indent, subsequent_indent=indent))
        else:
            print(f"{lead}{shown:<{w_val}}  {where}")
        print(textwrap.fill(f"source: {source}", SHOW_WIDTH, initial_indent=indent,
                            subsequent_indent=indent + "  "))
        if name in calibrated:
            print(textwrap.fill(_calibrated_text(calibrated[name]), SHOW_WIDTH, initial_indent=indent,
                                subsequent_indent=indent + "  "))
    return 0


# ---------------------------------------------------------------- run
EVENT_WORDS = (("turnover", "turnovers"), ("relaunch", "relaunches"), ("exit", "exits"),
               ("recruit", "recruits"), ("betrayal", "betrayals"), ("funding_cut", "funding cuts"),
               ("funder_exit", "funder exits"))
COUNTS = ("outcomes_total", "partners_recruited")  # whole numbers in a single run


def cmd_run(args: argparse.Namespace) -> int:
    from backbone.simulation import SCORECARD, simulate
    from backbone.simulation.scenarios import load_scenario

    seed = args.seed
    params = load_scenario(args.scenario, overrides_from(args))
    out = _out_file(args.out, args.force)

    result = simulate(params, seed)
    summary = result.summary()
    if out is not None:
        monthly = result.monthly.copy()
        monthly.insert(0, "seed", seed)
        monthly.insert(0, "scenario", args.scenario)
        _write(monthly, out, {"scenario": args.scenario, "seed": seed, "params": params.to_dict()})
    counts = result.events["event"].value_counts()
    if args.json:
        print_json({"scenario": args.scenario, "seed": seed, "months": params.months,
                    "changed": params.changed(),
                    "scorecard": {metric: summary[metric] for _, metric, _ in SCORECARD},
                    "long_term_impact": summary["long_term_impact"],
                    "summary": summary,
                    "events": {e: int(counts.get(e, 0)) for e, _ in EVENT_WORDS},
                    "out": str(out) if out is not None else None})
        return 0
    print(f"Scenario {args.scenario}, seed {seed}: balanced scorecard at month {params.months}")
    changed = params.changed()
    if changed:
        print(_wrap("changed from the defaults: " + ", ".join(f"{k}={_fmt_value(v)}" for k, v in changed.items()), "  "))
    rows: list[tuple[str, str, float, str]] = []
    for perspective, metric, meaning in SCORECARD:
        rows.append((perspective, metric, summary[metric], meaning))
        if metric == "impact_share":
            rows.append((perspective, "long_term_impact", summary["long_term_impact"],
                         f"mean impact_share over the last 12 months (goal: "
                         f"{100 * params.target_outcome_share:g}% of the target population with a "
                         "sustained outcome)"))
    w = max(len(r[1]) for r in rows)
    perspective = None
    for p, metric, value, meaning in rows:
        if p != perspective:
            perspective = p
            print(f"\n{p}")
        digits = 0 if metric in COUNTS else digits_for([value])
        print(f"  {metric:<{w}}  {number(value, digits):>12}  {meaning}")
    print(_wrap("sroi is gross (no deadweight, no attribution). For net SROI, which deducts what the "
                "same people would have reached without the partnership: "
                f"backbone compare {args.scenario} --replications 30", "  "))
    counts = result.events["event"].value_counts()
    print("\nevents over the run: " + ", ".join(f"{int(counts.get(e, 0))} {word}" for e, word in EVENT_WORDS))
    print("\n" + hours_split(result.monthly, params))
    if out is not None:
        print(f"wrote {len(monthly)} months x {monthly.shape[1]} columns to {out}")
    return 0


# ---------------------------------------------------------------- compare
def cmd_compare(args: argparse.Namespace) -> int:
    from backbone.analysis.compare import COMPARE_ROWS, paired_table, run_scenarios
    from backbone.analysis.value import value_summary, value_table, with_counterfactuals
    from backbone.simulation.scenarios import load_scenario

    check_runs_total(args.replications, len(args.scenarios))
    seed0 = check_seed_span(args.seed, args.replications)
    posterior = load_posterior_arg(args)
    seen = set()
    for name in args.scenarios:
        if name in seen:
            raise CLIError(f"scenario '{name}' is given twice")
        seen.add(name)
    overrides = overrides_from(args)
    arms = {name: load_scenario(name, overrides) for name in args.scenarios}
    out = _out_file(args.out, args.force)

    executor = executor_from(args)
    # Every arm's counterfactual (the same people without the partnership) runs on the
    # same seeds: net SROI deducts what would have happened anyway.
    all_arms, which = with_counterfactuals(arms)
    runs = run_scenarios(all_arms, args.replications, seed0, executor, posterior=posterior)
    table = paired_table(runs[runs["scenario"].isin(list(arms))])
    if args.json:
        from .json_docs import compare_doc

        if out is not None:
            _write(table, out, {"scenarios": list(arms), "replications": args.replications, "seed0": seed0})
        print_json({**compare_doc(table, COMPARE_ROWS, arms, value_summary(value_table(runs, arms, which)),
                                  replications=args.replications, seed0=seed0, currency=_currency(arms),
                                  titles=titles_of(arms), posterior=posterior.note() if posterior else None),
                    "out": str(out) if out is not None else None})
        return 0
    _print_comparison(table, COMPARE_ROWS, args, arms)
    if posterior is not None:
        print("\n" + posterior.note())
    _print_value(value_summary(value_table(runs, arms, which)), arms, which)
    if out is not None:
        _write(table, out, {"scenarios": list(arms), "replications": args.replications, "seed0": seed0,
                            "params": {k: p.to_dict() for k, p in arms.items()},
                            **({"posterior": posterior.note()} if posterior is not None else {})})
        print(f"wrote {len(table)} rows to {out}")
    return 0


def _print_value(summary: pd.DataFrame, arms: dict, which: dict) -> None:
    """Gross and net SROI per scenario, all runs pooled (analysis.value; the names and
    definitions of analysis.labels.FIGURES), net of the same-seed run without the
    partnership."""
    from backbone.analysis.labels import FIGURES, GROSS_NET_SENTENCE

    titles = titles_of(arms)
    print("\nVALUE (SROI; Nicholls et al. 2012)")
    print(_wrap("; ".join(f"{FIGURES[k][0]} = {FIGURES[k][1]}"
                          for k in ("gross_sroi_pooled", "net_sroi_pooled", "net_cost_pooled"))
                + ". [95% bootstrap interval of the pooled ratio over runs]. "
                + GROSS_NET_SENTENCE))
    for _, r in summary.iterrows():
        money = _currency({r["scenario"]: arms.get(r["scenario"])})
        net = f"{number(r['net_sroi'], 2)} [{number(r['net_sroi_low'], 2)}, {number(r['net_sroi_high'], 2)}]"
        print(f"  {titles.get(r['scenario'], r['scenario'])}")
        print(f"    {FIGURES['gross_sroi_pooled'][0]}: {number(r['gross_sroi'], 2)}")
        print(f"    {FIGURES['net_sroi_pooled'][0]}: {net}")
        print(f"    {FIGURES['net_cost_pooled'][0]} ({money}): {number(r['net_cost_per_outcome'], 1)}")
    shown = sorted({v for k, v in which.items() if v not in arms})
    if shown:
        print(_wrap(f"The same people without the partnership were run for this ({len(shown)} more "
                    f"scenario{'s' if len(shown) > 1 else ''}, on the same seeds)."))


def titles_of(arms: dict) -> dict:
    """Each scenario's display title (its file's ``title``; the name when it has none)."""
    from backbone.simulation.scenarios import ScenarioError, scenario_labels

    out = {}
    for name in arms:
        try:
            out[name] = scenario_labels(name)["title"]
        except ScenarioError:
            out[name] = name
    return out


def _currency(arms: dict) -> str:
    from backbone.simulation.scenarios import DEFAULT_CURRENCY, ScenarioError, scenario_labels

    units = set()
    for name in arms:
        try:
            units.add(scenario_labels(name)["currency"])
        except ScenarioError:
            units.add(DEFAULT_CURRENCY)
    return units.pop() if len(units) == 1 else "mixed currencies: " + " and ".join(sorted(units))


def _print_comparison(table: pd.DataFrame, rows, args: argparse.Namespace, arms: dict) -> None:
    from backbone.analysis.labels import metric_label

    names = list(arms)
    titles = titles_of(arms)
    ref = titles[names[0]]
    months = {p.months for p in arms.values()}
    n, s0 = args.replications, args.seed
    currency = _currency(arms)

    def fill(text: str) -> str:
        return textwrap.fill(text, SHOW_WIDTH)

    print(fill(f"{len(names)} scenario{'s' if len(names) > 1 else ''} x {n} replications at month "
               f"{'/'.join(str(m) for m in sorted(months))}; seeds {s0}..{s0 + n - 1}, the same seeds "
               "in every scenario (common random numbers)."))
    legend = ("mean [95% CI]: mean over replications and its interval (bootstrap BCa for shares and 0-1 "
              "scales, which stays in [0, 1]; Student t for people, money and ratios)")
    if len(names) > 1:
        legend += (f"; vs {ref}: mean paired difference (same seed) [95% t-interval]; "
                   "* = the interval excludes 0; then the share of seeds on which the scenario's value is "
                   f"above {ref}'s (an equal value counts as half)")
    print(fill(legend + "."))
    w_name = max(len(titles[x]) for x in names)
    by = table.set_index(["metric", "scenario"])
    perspective = None
    clipped = False
    for p, metric, meaning in rows:
        if p != perspective:
            perspective = p
            print(f"\n{p.upper()}")
        label, (floor, ceiling) = metric_label(metric, meaning, currency)
        print(textwrap.fill(label, SHOW_WIDTH, initial_indent="  ", subsequent_indent="    "))
        block = by.loc[metric]
        d = digits_for(list(block[["mean", "ci_low", "ci_high"]].to_numpy().ravel()))
        for name in names:
            r = block.loc[name]
            lo, hi = r["ci_low"], r["ci_high"]
            if lo < floor or hi > ceiling:
                lo, hi, clipped = max(lo, floor), min(hi, ceiling), True
            cell = f"{number(r['mean'], d)} [{number(lo, d)}, {number(hi, d)}]"
            print(f"    {titles[name]:<{w_name}}  {cell}".rstrip())
            if name != names[0]:
                star = "*" if (r["diff_low"] > 0 or r["diff_high"] < 0) else " "
                print(f"      vs {ref}: {number(r['diff'], d, sign=True)} [{number(r['diff_low'], d, sign=True)}, "
                      f"{number(r['diff_high'], d, sign=True)}] {star} {r['share_higher']:.0%}".rstrip())
    if clipped:
        print()
        print(fill("Intervals are clipped to the range the values can take: [0, 1] for shares and 0-1 "
                   "scales, 0 and up for people, money and ratios (a t-interval can reach past it, e.g. "
                   "fewer than 0 people); the means and the differences are not clipped. The written "
                   "table (--out) keeps the unclipped intervals."))


# ---------------------------------------------------------------- wiring
def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "scenarios", help="list the scenario library with descriptions",
        description="List the named scenarios (TOML files in scenarios/) with their descriptions.",
        formatter_class=HelpFormatter,
        epilog="example:\n  backbone scenarios\n  backbone scenarios --json")
    add_json(p)
    p.set_defaults(func=cmd_scenarios)

    p = subparsers.add_parser(
        "show", help="print a scenario's parameters with units and sources",
        description="Print the resolved parameters of a scenario (by name, or a path to a .toml file): "
                    "value, unit, where the value is set, and its source or assumption.",
        formatter_class=HelpFormatter,
        epilog="examples:\n  backbone show ungas_vagar\n  backbone show baseline --changed --set backbone_share=0.2\n"
               "  backbone show my_scenarios/city.toml")
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario name or a path to a .toml file")
    p.add_argument("--changed", action="store_true", help="only the parameters the scenario sets or changes")
    add_set(p)
    add_json(p)
    p.set_defaults(func=cmd_show)

    p = subparsers.add_parser(
        "run", help="run one scenario and print its balanced scorecard",
        description="Run one scenario with one seed, print the balanced scorecard at the horizon "
                    "(grouped by perspective), and optionally write the monthly results.",
        formatter_class=HelpFormatter,
        epilog="examples:\n  backbone run baseline --seed 3\n"
               "  backbone run ungas_vagar --months 60 --out ungas.parquet\n"
               "  backbone run baseline --set backbone_share=0.2 turnover_rate=0.05 --out run.csv")
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario name or a path to a .toml file")
    p.add_argument("--seed", type=seed_type, default=0, help="random seed (the same seed gives the same run)")
    add_months(p)
    add_set(p)
    p.add_argument("--out", metavar="FILE", help="write the monthly results: FILE.parquet or FILE.csv")
    add_force(p)
    add_json(p)
    p.set_defaults(func=cmd_run)

    p = subparsers.add_parser(
        "compare", help="compare scenarios on common random numbers, with confidence intervals",
        description="Run each scenario --replications times; replication r uses seed SEED+r in every "
                    "scenario (common random numbers). For each scorecard metric at the horizon print "
                    "each scenario's mean and 95% interval (bootstrap BCa for shares and 0-1 scales, "
                    "inside [0, 1]; Student t otherwise), and the mean paired difference with the "
                    "first scenario and its 95% t-interval (a paired t-test's interval). On screen, "
                    "t-intervals are clipped to the range the values can take (0 and up for people).",
        formatter_class=HelpFormatter,
        epilog="examples:\n  backbone compare no_backbone baseline isolated_impact --replications 100\n"
               "  backbone compare no_backbone baseline --set n_beneficiaries=2000 --out compare.csv")
    p.add_argument("scenarios", metavar="SCENARIO", nargs="+",
                   help="scenario names or paths; the first is the reference for differences")
    p.add_argument("--replications", type=replications_type, default=30, metavar="N", help="runs per scenario")
    add_executor(p)
    p.add_argument("--seed", type=seed_type, default=0,
                   help="seed of the first replication (replication r runs with seed + r)")
    add_months(p)
    add_set(p)
    add_posterior(p)
    p.add_argument("--out", metavar="FILE", help="write the table: FILE.parquet or FILE.csv")
    add_force(p)
    add_json(p)
    p.set_defaults(func=cmd_compare)
