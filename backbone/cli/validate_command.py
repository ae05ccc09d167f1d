"""``backbone validate``: pattern-oriented validation of the model's defaults.

Reads a patterns file (``analysis.patterns``; default
``experiments/validation/patterns.toml``), runs the measure of every pattern whose role is
``validation`` over replicated runs on common random numbers (``analysis.validation``;
calibration patterns are fitted by ``backbone calibrate`` and never judged), prints per
pattern the target band from its source, the estimate with its 95% CI and the verdict
(reproduced / partly / missed), and exits 0 when the share of reproduced patterns
reaches the file's ``required_share``, else 1. ``--search SPEC.toml`` judges the
validation patterns at every point of an experiment design over the assumptions'
ranges instead (``analysis.pattern_search``: which patterns the model can reproduce at
all; a diagnostic that sets no default; exit 0 when it ran). With ``--posterior`` (a calibration
folder, or ``default``: the shipped posterior) replication r draws the calibrated
parameters from the posterior; a validation pattern that is also one of the posterior's
calibration patterns is refused. Bad input (the file, a pattern in both roles, options,
output paths) exits 2 before any run.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time

from .common import (CLIError, HelpFormatter, add_executor, add_force, add_posterior, executor_from,
                     load_posterior_arg, output_path, whole)

QUICK_REPLICATIONS = 10


def _command_line(args: argparse.Namespace) -> str:
    parts = ["backbone", "validate"]
    if args.patterns:
        parts.append(args.patterns)
    if args.quick:
        parts.append("--quick")
    if args.replications is not None:
        parts += ["--replications", str(args.replications)]
    if getattr(args, "posterior", None):
        parts += ["--posterior", args.posterior]
    if args.markdown:
        parts += ["--markdown", args.markdown]
    return " ".join(shlex.quote(p) for p in parts)


def _kept(md) -> str:
    """The hand-written discussion of the Markdown file being replaced, if any."""
    from backbone.analysis.validation import hand_written

    return hand_written(md.read_text(encoding="utf-8") if md.is_file() else None)


def cmd_validate(args: argparse.Namespace) -> int:
    from backbone.analysis.patterns import DEFAULT_FILE, PatternError, load_patterns

    if args.out and not args.out.lower().endswith(".csv"):
        raise CLIError(f"--out {args.out}: the table is written as CSV: use a file name ending in .csv")
    if args.markdown and not args.markdown.lower().endswith(".md"):
        raise CLIError(f"--markdown {args.markdown}: use a file name ending in .md")
    out = output_path(args.out, args.force)
    md = output_path(args.markdown, args.force)
    if out is not None and md is not None and out.resolve() == md.resolve():
        raise CLIError("--out and --markdown name the same file")
    try:
        whole_file = load_patterns(args.patterns or DEFAULT_FILE)
    except PatternError as exc:
        raise CLIError(str(exc)) from None
    pset = whole_file.with_role("validation")
    skipped = whole_file.count("calibration")
    if not pset.patterns:
        raise CLIError(f"{whole_file.path}: no validation patterns (role = \"validation\"): nothing to judge "
                       f"({skipped} calibration patterns, fitted by backbone calibrate, are never judged)")
    if args.search:
        return _search(args, pset, out, md)
    if args.adaptive:
        raise CLIError("--adaptive needs --search SPEC.toml (the factors and ranges it searches)")
    posterior = load_posterior_arg(args)
    if posterior is not None:
        from backbone.analysis.calibrate import check_posterior_roles

        try:
            check_posterior_roles(posterior, [p.identity() for p in pset.patterns],
                               f"--posterior {args.posterior} and {whole_file.path}: ")
        except PatternError as exc:
            raise CLIError(str(exc)) from None

    from backbone.analysis.validation import (display_path, markdown, passes, run_patterns, runs_needed, summary_line,
                                     text_table, validation_table)

    n = args.replications or (min(pset.replications, QUICK_REPLICATIONS) if args.quick else pset.replications)
    executor = executor_from(args, "validation runs")
    t0 = time.time()
    runs = run_patterns(pset, replications=n, executor=executor, posterior=posterior)
    table = validation_table(pset, runs)
    if getattr(args, "json", False):
        return _json_out(args, pset, table, n, out, md)
    print(f"backbone validate: {len(pset.patterns)} validation patterns from {len(pset.sources())} sources "
          f"({display_path(pset.path)}), {n} replications each, {runs_needed(pset, n):,} runs in {time.time() - t0:.0f} s; "
          "95% CIs in brackets."
          + (f" Not judged: {skipped} calibration pattern(s) in the file." if skipped else "")
          + (f"\n{posterior.note()}." if posterior is not None else "") + "\n")
    print(text_table(table))
    ok = passes(table, pset.required_share)
    print(f"\n{summary_line(table, pset.required_share)}: {'passes' if ok else 'FAILS'}")
    if out is not None:
        table.to_csv(out, index=False)
        print(f"wrote the table to {out}")
    if md is not None:
        md.write_text(markdown(pset, table, _command_line(args), n, posterior=posterior, keep=_kept(md)),
                      encoding="utf-8")
        print(f"wrote {md}")
    sys.stdout.flush()
    return 0 if ok else 1


def _search(args: argparse.Namespace, pset, out, md) -> int:
    """``--search SPEC.toml``: every validation pattern at every point of the design."""
    from backbone.analysis import pattern_search as ps
    from backbone.experiments import load_experiment

    if args.posterior:
        raise CLIError("--posterior cannot be used with --search: the design sets the parameters and its "
                       "replications (the spec's `replications`)")
    spec = load_experiment(args.search)
    executor = executor_from(args, "search runs")
    t0 = time.time()
    if args.adaptive:
        search, results = ps.adaptive_search(pset, spec, args.adaptive, executor.quiet(), batch=args.batch)
    else:
        search = ps.plan_search(pset, spec)
        results = ps.run_search(search, executor)
    if out is not None:
        results.to_csv(out, index=False)
    if md is not None:
        import datetime as dt

        more = ["--adaptive", str(args.adaptive), "--batch", str(args.batch)] if args.adaptive else []
        cmd = " ".join(shlex.quote(p) for p in ["backbone", "validate", *([args.patterns] if args.patterns else []),
                                                "--search", args.search, *more, "--markdown", args.markdown])
        when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        md.write_text(ps.markdown(search, results, cmd, when), encoding="utf-8")
    if getattr(args, "json", False):
        from .common import print_json

        print_json({**ps.search_doc(search, results), "out": str(out) if out is not None else None,
                    "markdown": str(md) if md is not None else None})
        return 0
    from backbone.analysis.validation import display_path

    print(f"backbone validate --search: {len(pset.patterns)} validation patterns ({display_path(pset.path)}) at "
          f"{len(search.overrides)} points ({search.how} over {', '.join(search.spec.factor_names)}, from "
          f"{args.search}), {search.replications} replications each, {search.runs():,} runs "
          f"in {time.time() - t0:.0f} s. A diagnostic: no default is taken from it.\n")
    print(ps.text(search, results))
    for path, what in ((out, "the verdicts (one row per point and pattern)"), (md, "the search")):
        if path is not None:
            print(f"wrote {what} to {path}")
    sys.stdout.flush()
    return 0


def _json_out(args, pset, table, n: int, out, md) -> int:
    """``--json``: the table as numbers (cli.json_docs.validate_doc); --out and --markdown
    are written as without it. Exit status as without it."""
    from backbone.analysis.validation import markdown, passes, summary_line

    from .common import print_json
    from .json_docs import validate_doc

    ok = passes(table, pset.required_share)
    if out is not None:
        table.to_csv(out, index=False)
    if md is not None:
        md.write_text(markdown(pset, table, _command_line(args), n, keep=_kept(md)), encoding="utf-8")
    print_json({**validate_doc(pset, table, n, pset.required_share, ok, summary_line(table, pset.required_share)),
                "out": str(out) if out is not None else None, "markdown": str(md) if md is not None else None})
    sys.stdout.flush()
    return 0 if ok else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "validate", help="check the model against published empirical patterns (pattern-oriented validation)",
        description="Pattern-oriented validation (Grimm et al. 2005): run the model on every validation "
                    "pattern of a patterns file (TOML: each pattern's role, source, measure and the target band "
                    "the source reports; calibration patterns are never judged, and a pattern in both roles is "
                    "refused), estimate each measure over replicated runs with a 95% CI, and print per "
                    "pattern reproduced (estimate in the band), partly (estimate outside, CI overlapping) "
                    "or missed (CI outside). Exit status: 0 when the file's required share of patterns is "
                    "reproduced, 1 when not, 2 for bad input. With --search, the patterns are judged at every "
                    "point of a design over the assumptions' ranges instead (which patterns can the model "
                    "reproduce at all? docs/VALIDATION_SEARCH.md), exit 0 when it ran. The format is described "
                    "in the README (Validation) and analysis/patterns.py; docs/VALIDATION.md holds the latest table.",
        formatter_class=HelpFormatter,
        epilog="examples:\n  backbone validate\n  backbone validate --quick\n"
               "  backbone validate experiments/validation/patterns.toml --replications 100 --workers 8\n"
               "  backbone validate --posterior default\n"
               "  backbone validate --markdown docs/VALIDATION.md --out validation.csv --force\n"
               "  backbone validate --search experiments/validation/search_assumptions.toml --workers 2\n"
               "  backbone validate --search experiments/validation/search_assumptions.toml --adaptive 200")
    p.add_argument("patterns", nargs="?", metavar="PATTERNS.toml",
                   help="the patterns file (default: experiments/validation/patterns.toml)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--replications", type=whole(2, why="a confidence interval needs two runs"), metavar="N",
                      help="runs per pattern (default: the file's)")
    size.add_argument("--quick", action="store_true",
                      help=f"at most {QUICK_REPLICATIONS} replications per pattern, for a first look")
    size.add_argument("--search", metavar="SPEC.toml",
                      help="judge the validation patterns at every point of an experiment design (factors, "
                           "design, samples, replications, fixed) over the assumptions' plausible ranges: which "
                           "patterns can the model reproduce at all? A diagnostic: it sets no default, and exits 0 "
                           "when it ran (e.g. experiments/validation/search_assumptions.toml)")
    p.add_argument("--adaptive", type=whole(1), metavar="TRIALS",
                   help="with --search: instead of the design's points, let optuna's TPE sampler choose TRIALS "
                        "points inside the factors' ranges, seeking the most patterns reproduced (seeded by the "
                        "spec's root_seed; a diagnostic of what the structure can reach, never a default)")
    p.add_argument("--batch", type=whole(1), default=8, metavar="N",
                   help="with --adaptive: points run together before the sampler chooses again")
    add_executor(p)
    add_posterior(p)
    p.add_argument("--out", metavar="FILE.csv", help="write the table (one row per pattern) as CSV")
    p.add_argument("--markdown", metavar="FILE.md", help="write the table, the verdict rule and the full "
                   "citations as Markdown (e.g. docs/VALIDATION.md)")
    add_force(p)
    from .common import add_json

    add_json(p)
    p.set_defaults(func=cmd_validate)
