"""``backbone optimize SCENARIO``: the best split of the backbone's hours across the six
principles (and, with ``--share``, the best backbone share), on common random numbers;
the optimum with a CI on fresh seeds, its flatness and its gain over an even split and
over the scenario's own allocation (``analysis.optimize``). With ``--out DIR`` the study
is stored in DIR/optimize.db (optuna's SQLite storage) and resumed when run again.

Every check on the input happens before any simulation runs.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path

from .common import (CLIError, HelpFormatter, add_executor, add_json, check_seed_span, executor_from, print_json,
                     seed_type, whole, writable_folder)

WIDTH = 88


def _folder(path: str | None) -> Path | None:
    """A new folder, or one holding an optimize study to resume; nothing else."""
    if path is None:
        return None
    from backbone.analysis.optimize import DB

    p = Path(path)
    if p.exists() and not p.is_dir():
        raise CLIError(f"{p} is a file, not a folder: --out takes a folder")
    if p.exists() and any(p.iterdir()) and not (p / DB).is_file():
        raise CLIError(f"{p} is not empty and holds no {DB}: use a new folder (or one to resume)")
    if not p.parent.exists():
        raise CLIError(f"folder {p.parent} does not exist")
    writable_folder(p if p.exists() else p.parent)
    return p


def cmd_optimize(args: argparse.Namespace) -> int:
    from backbone.analysis.optimize import OptimizeError, optimize, summary_lines, to_dict
    from backbone.simulation.scenarios import load_scenario

    from .run_commands import overrides_from

    check_seed_span(args.seed, max(args.replications, args.check_replications))
    executor = executor_from(args, progress=False)
    overrides = overrides_from(args)
    base = load_scenario(args.scenario, overrides)
    if base.backbone_share <= 0 and not args.share:
        raise CLIError(f"scenario '{args.scenario}' has backbone_share = 0: no backbone hours to split "
                       "(pass --share to search the share too)")
    folder = _folder(args.out)
    t0 = time.time()

    def progress(done, total, study):
        if not args.no_progress:
            print(f"\r  {done}/{total} allocations searched, best so far {study.best_value:.4g}",
                  end="" if done < total else "\n", file=sys.stderr, flush=True)

    try:
        res = optimize(base, args.objective, share=args.share, trials=args.trials, replications=args.replications,
                       check_replications=args.check_replications, batch=args.batch, seed0=args.seed,
                       folder=folder, executor=executor,
                       settings={"scenario": str(args.scenario), "set": sorted(args.set)}, progress=progress)
    except OptimizeError as exc:
        raise CLIError(str(exc)) from None
    elapsed = time.time() - t0
    if args.json:
        print_json({**to_dict(res), "scenario": args.scenario, "seconds": round(elapsed, 1),
                    "out": str(folder) if folder else None})
        return 0
    print(textwrap.fill(f"backbone optimize {args.scenario}: the best split of the backbone's hours across the "
                        f"six principles{' and the backbone share' if args.share else ''}, in {elapsed:.0f} s; "
                        "95% CIs in brackets.", WIDTH))
    for line in summary_lines(res):
        print(textwrap.fill(line, WIDTH, initial_indent="  ", subsequent_indent="    "))
    if folder is not None:
        print(f"wrote optimum.json and trials.csv to {folder} (the study: {folder}/optimize.db; run again to resume)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from backbone.analysis.optimize import SHARE_RANGE

    p = sub.add_parser(
        "optimize", help="the best split of the backbone's hours across the six principles",
        description="Search the backbone's effort weights (the share of its hours on alignment, momentum, "
                    "identity, coordination, population and measurement; they sum to 1) and, with --share, "
                    f"the backbone share ({SHARE_RANGE[0]:g}-{SHARE_RANGE[1]:g}), with optuna's TPE sampler. "
                    "Every allocation runs on the same seeds (common random numbers). The best is re-run on "
                    "fresh seeds with an even split and the scenario's own allocation: its value with a 95% "
                    "CI, and the paired gains. Flatness: the allocations within 1 pp of the best impact (1% of "
                    "the best net cost). With --out, the study is stored (optimize.db) and resumed when the "
                    "command is run again on the folder.",
        formatter_class=HelpFormatter,
        epilog="examples:\n  backbone optimize baseline\n"
               "  backbone optimize baseline --share --objective net_cost --trials 100 --out opt/baseline")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario name or path")
    p.add_argument("--share", action="store_true", help="search the backbone share too")
    p.add_argument("--objective", choices=("impact", "net_cost"), default="impact",
                   help="impact: maximize long-term impact; net_cost: minimize the net cost per additional "
                        "sustained outcome (default: impact)")
    p.add_argument("--trials", type=whole(1, 100_000), default=48, metavar="N", help="allocations to evaluate (default: 48)")
    p.add_argument("--replications", type=whole(2, 100_000), default=16, metavar="R",
                   help="runs per allocation, on the same seeds (default: 16)")
    p.add_argument("--check-replications", type=whole(2, 100_000), default=40, metavar="N",
                   help="fresh-seed runs of the best, the even split and the own allocation (default: 40)")
    p.add_argument("--batch", type=whole(1, 1000), default=8, metavar="N",
                   help="allocations asked for and run together (default: 8)")
    add_executor(p, progress=False)
    p.add_argument("--seed", type=seed_type, default=0,
                   help="seed of the first replication (replication r runs with seed + r; default: 0)")
    from .run_commands import add_months, add_set

    add_months(p)
    add_set(p)
    p.add_argument("--out", metavar="DIR", help="store the study and the result in DIR (created, or resumed)")
    p.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    add_json(p)
    p.set_defaults(func=cmd_optimize)
