"""Commands for the claims engine and the strategist's report: ``claims``, ``report``.

- ``backbone claims``: run every claim's experiments (analysis.claims), print the
  verdict table; ``--out DIR`` also writes it as CSV and Markdown, with one figure per
  claim and the tables behind each verdict.
- ``backbone report SCENARIO...``: a self-contained HTML report comparing funding
  scenarios for a board (analysis.report).

Every check on the input happens before any simulation runs.
"""

from __future__ import annotations

import argparse
import shutil
import textwrap
import time
from pathlib import Path

from .common import (CLIError, HelpFormatter, add_executor, add_force, add_json, add_posterior, check_runs_total,
                     check_seed_span, executor_from, load_posterior_arg, output_path, print_json, replications_type,
                     seed_type, whole, writable_folder)

WIDTH = 100


def _out_dir(path: str | None, force: bool, names: tuple[str, ...]) -> Path | None:
    """A folder for the claims' outputs: its parent must exist; files already there are
    kept unless --force."""
    if path is None:
        return None
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise CLIError(f"{p} is a file: expected a folder for the verdicts and figures")
    if not p.parent.exists():
        raise CLIError(f"folder {p.parent} does not exist")
    writable_folder(p if p.exists() else p.parent)
    if not force:
        for name in names:
            if (p / name).exists():
                raise CLIError(f"{p / name} exists: pass --force to overwrite it")
    return p


# ---------------------------------------------------------------- claims
def cmd_claims(args: argparse.Namespace) -> int:
    from backbone.analysis.claims import SIZES, claim_record, markdown_table, run_claims, verdict_table
    from backbone.analysis.claimset import CLAIMS, ORDER

    size = args.size
    keys = list(ORDER)
    if args.only:
        keys = [k.strip() for k in args.only.split(",") if k.strip()]
        bad = [k for k in keys if k not in ORDER]
        if bad:
            raise CLIError(f"--only {bad[0]!r} is not a claim: expected one or more of {', '.join(ORDER)}")
    claims = [c for c in CLAIMS if c.key in keys]
    out = _out_dir(args.out, args.force, ("verdicts.md", "verdicts.csv"))
    posterior = load_posterior_arg(args)
    executor = executor_from(args, "claims")
    t0 = time.time()
    results = run_claims(claims, SIZES[size], executor, posterior=posterior)
    elapsed = time.time() - t0
    table = verdict_table(results)
    from backbone.experiments.store import package_version

    version = package_version()
    runs = int(table.runs.sum())
    header = (f"backbone claims --{size}: {len(results)} claims, {runs:,} runs in {elapsed:.0f} s "
              f"(backbone {version}); impact = long-term impact (mean share of the target population "
              "with a sustained outcome over the last 12 months); 95% CIs in brackets (shares of the "
              "uncertainty space: Wilson score intervals; effects and ratios: bootstrap BCa)"
              + (f"; {posterior.note()}." if posterior is not None else "."))
    if out is not None:
        _write_outputs(out, results, table, header, markdown_table)
    if args.json:
        print_json({"size": size, "version": version, "runs": runs, "seconds": round(elapsed, 1),
                    "header": header, "verdicts": [claim_record(r) for r in results],
                    "posterior": posterior.note() if posterior is not None else None,
                    "out": str(out) if out is not None else None})
        return 0
    print(textwrap.fill(header, WIDTH))
    _print_verdicts(table)
    if out is not None:
        print(f"\nwrote verdicts.csv, verdicts.md, {len(results)} figures and their tables to {out}")
    return 0


def _print_verdicts(table) -> None:
    width = min(shutil.get_terminal_size((WIDTH, 20)).columns, 140)
    for _, r in table.iterrows():
        share = f"; holds at {r['holds at (share of space)']} of the uncertainty space" if r[
            "holds at (share of space)"] else ""
        print(f"\n{r.claim}  [{r.source}]")
        word, _, meaning = str(r.verdict).partition(": ")
        print(f"  VERDICT: {word.upper()}{': ' + meaning if meaning else ''}{share}")
        print(textwrap.fill(r["estimate (95% CI)"], width, initial_indent="  estimate: ",
                            subsequent_indent="    "))
        if r["why"]:
            print(textwrap.fill(r["why"], width, initial_indent="  why: ", subsequent_indent="    "))
        if r["where it holds (PRIM box)"]:
            print(textwrap.fill(r["where it holds (PRIM box)"], width, initial_indent="  where: ",
                                subsequent_indent="    "))


def _write_outputs(out: Path, results, table, header: str, markdown_table) -> None:
    from backbone.analysis.figures import peeling, save

    out.mkdir(exist_ok=True)
    (out / "tables").mkdir(exist_ok=True)
    table.to_csv(out / "verdicts.csv", index=False)
    figs = []
    for r in results:
        if r.figure is not None:
            save(r.figure, out / f"{r.key}.png")
            figs.append(f"![{r.title}]({r.key}.png)")
        if r.box is not None and len(r.box.trajectory):
            save(peeling(r.box, r.title), out / f"{r.key}_prim.png")
            figs.append(f"![{r.title}: PRIM peeling trajectory]({r.key}_prim.png)")
            r.box.trajectory.to_csv(out / "tables" / f"{r.key}_prim_trajectory.csv", index_label="step")
        for name, t in r.tables.items():
            t.to_csv(out / "tables" / f"{r.key}_{name}.csv", index=False)
    text = f"# Verdicts\n\n{header}\n\n{markdown_table(table)}\n\n" + "\n\n".join(figs) + "\n"
    (out / "verdicts.md").write_text(text)


# ---------------------------------------------------------------- report
def cmd_report(args: argparse.Namespace) -> int:
    from backbone.analysis.report import build_report
    from backbone.simulation.scenarios import load_scenario

    check_runs_total(args.replications, len(args.scenarios))
    check_seed_span(args.seed, args.replications)
    if len(set(args.scenarios)) != len(args.scenarios):
        raise CLIError("a scenario is given twice")
    if not str(args.out).lower().endswith((".html", ".htm")):
        raise CLIError(f"{args.out}: the report is HTML: use a file name ending in .html")
    out = output_path(args.out, args.force)
    posterior = load_posterior_arg(args)
    scenarios = {name: load_scenario(name) for name in args.scenarios}
    html = build_report(scenarios, replications=args.replications, seed0=args.seed, executor=executor_from(args),
                        optimize_trials=args.optimize, posterior=posterior)
    if posterior is not None:
        print(posterior.note())
    out.write_text(html, encoding="utf-8")
    print(f"wrote the report ({len(html) // 1024} KB, self-contained HTML) to {out}")
    return 0


# ---------------------------------------------------------------- wiring
CLAIM_LIST = "{claim_list}"


class ClaimsHelp(HelpFormatter):
    """``--help`` of ``backbone claims``: the claims' keys, titles and sources come from
    the registry (each written once, on its ``Claim``), read only when help is shown."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = super()._get_help_string(action)
        if CLAIM_LIST in text:
            from backbone.analysis.claimset import CLAIMS

            listed = "; ".join(f"{c.key} ({c.title}, {c.source})" for c in CLAIMS)
            text = text.replace(CLAIM_LIST, listed.replace("%", "%%"))   # argparse formats help with %
        return text


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "claims", help="test the practitioners' claims and print the verdict table",
        description="Run the experiment behind each claim (experiments/claims/*.toml) on common random "
                    "numbers, re-test it across the uncertainty space, and print for each claim an "
                    "estimate with its 95% CI, a verdict that says which way the estimate lies against "
                    "the claim (supported; exceeded: the model finds more than claimed; fell short: the "
                    "model finds less than claimed; depends, and on what) and the share of the "
                    "uncertainty space where it holds. docs/CLAIMS.md explains every claim and verdict "
                    "rule.",
        formatter_class=ClaimsHelp,
        epilog="examples:\n  backbone claims --quick\n  backbone claims --full --workers 16 --out claims/\n"
               "  backbone claims --quick --only payoff,survival --out claims/ --force\n"
               "  backbone claims --full --scheduler tcp://10.0.0.5:8786\n"
               "  backbone claims --quick --posterior results/calib")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="size", action="store_const", const="quick",
                      help="small sizes: a few minutes on a laptop (the default)")
    size.add_argument("--full", dest="size", action="store_const", const="full",
                      help="the sizes in the specs, for tight CIs")
    p.set_defaults(size="quick")
    p.add_argument("--only", metavar="KEYS", help="run only these claims, comma-separated: " + CLAIM_LIST)
    add_executor(p)
    p.add_argument("--out", metavar="DIR", help="write verdicts.csv, verdicts.md, a figure per claim and "
                   "the tables behind the verdicts into DIR")
    add_posterior(p)
    add_force(p)
    add_json(p)
    p.set_defaults(func=cmd_claims)

    p = subparsers.add_parser(
        "report", help="write an HTML report comparing funding scenarios, for a board",
        description="Run each scenario --replications times on common random numbers and write a "
                    "self-contained HTML report (figures embedded): the findings up front in plain "
                    "words, the balanced scorecard with 95% "
                    "CIs, impact over time, the backbone payoff ratio where a backbone is funded, cost "
                    "per sustained outcome and SROI, and an impact narrative (what changed, for whom, at "
                    "what level, why, attributed by switching off each backbone principle, and the "
                    "implications).",
        formatter_class=HelpFormatter,
        epilog="examples:\n  backbone report no_backbone baseline isolated_impact\n"
               "  backbone report baseline short_term_funders --replications 50 --out board.html --force")
    p.add_argument("scenarios", metavar="SCENARIO", nargs="+",
                   help="scenario names or paths; the first is the reference for differences")
    p.add_argument("--out", default="report.html", metavar="FILE", help="the HTML file to write")
    p.add_argument("--replications", type=replications_type, default=30, metavar="N",
                   help="runs per scenario and arm")
    p.add_argument("--seed", type=seed_type, default=0,
                   help="seed of the first replication (replication r runs with seed + r)")
    add_executor(p)
    p.add_argument("--optimize", type=whole(0, 10_000), default=0, metavar="N",
                   help="add the section 'where this backbone's hours matter most' from a search of N splits of "
                        "each backbone's hours (e.g. 24; default 0: no section)")
    add_posterior(p)
    add_force(p)
    p.set_defaults(func=cmd_report)
