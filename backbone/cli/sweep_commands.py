"""Commands for experiments: ``sweep``, ``results``, ``query``.

- ``backbone sweep EXPERIMENT.toml --out DIR``: run every design point and replication of
  an experiment into a results folder, with a progress bar (runs done, rate, ETA); run
  it again on the same folder to resume an interrupted sweep. ``--workers N`` local
  processes (default: every core), ``--scheduler ADDR`` a Dask cluster instead.
- ``backbone results DIR``: what a results folder holds: the experiment, its provenance,
  progress, and the scorecard over the runs (``--by FACTOR`` per level).
- ``backbone query DIR "SQL"``: DuckDB SQL over the tables ``runs`` and ``months``.

The spec is validated (and every design point checked) before anything runs; a folder
that belongs to another experiment is refused, never overwritten.
"""

from __future__ import annotations

import argparse
import sys
import time

from .common import (CLIError, HelpFormatter, add_executor, add_json, add_posterior, executor_from, load_posterior_arg,
                     number, print_json, whole)


KEY_METRICS = ("long_term_impact", "impact_share", "outcomes_total", "mean_trust", "retention",
               "cost_per_outcome", "sroi")


def _store_errors():
    from backbone.experiments import SchedulerError, StoreError

    return (StoreError, SchedulerError)


# ---------------------------------------------------------------- sweep
def cmd_sweep(args: argparse.Namespace) -> int:
    from backbone.experiments import load_experiment, run_experiment, runs_done
    from backbone.experiments.posterior import PosteriorError

    spec = load_experiment(args.experiment)
    posterior = load_posterior_arg(args)
    executor = executor_from(args, spec.name)
    t0 = time.perf_counter()
    try:
        before = runs_done(args.out)[0]
    except _store_errors():
        before = 0  # a new folder (or one the sweep will refuse with its own message)
    try:
        runs = run_experiment(spec, out=args.out, executor=executor, chunk_size=args.chunk_size, posterior=posterior)
    except (*_store_errors(), PosteriorError) as exc:
        raise CLIError(str(exc)) from None
    dt = time.perf_counter() - t0
    new = len(runs) - before
    if new == 0:
        print(f"{args.out}: complete, {len(runs)} runs; nothing left to run")
    else:
        rate = f", {new / dt:,.1f} runs/s" if dt > 0 else ""
        print(f"{args.out}: complete, {len(runs)} runs ({new} of them now, in {dt:,.1f} s{rate})")
    if posterior is not None:
        print(posterior.note())
    print(f"next: backbone results {args.out}")
    return 0


# ---------------------------------------------------------------- results
def _factor_text(name: str, f: dict) -> str:
    if "levels" in f:
        return f"{name} in {{{', '.join(map(str, f['levels']))}}}"
    steps = f" ({f['steps']} steps)" if "steps" in f else ""
    return f"{name} in [{f['range'][0]:g}, {f['range'][1]:g}]{steps}"


def cmd_results(args: argparse.Namespace) -> int:
    from backbone.experiments import load_results, read_manifest, runs_done

    try:
        m = read_manifest(args.folder)
        done, total = runs_done(args.folder)
        runs, _ = load_results(args.folder, monthly=False)
    except _store_errors() as exc:
        raise CLIError(str(exc)) from None
    spec = m["spec"]
    if args.by and (args.by not in runs.columns or args.by not in spec["factors"]):
        raise CLIError(f"--by {args.by!r} is not allowed: expected one of the factors "
                       f"{', '.join(spec['factors'])}")
    if args.json:
        _results_json(args, m, done, total, runs)
        return 0
    print(f"Experiment {m['name']} ({m['source']})")
    if m.get("description"):
        print(f"    {' '.join(m['description'].split())}")
    d = m["design"]
    size = f"{d['samples']} samples -> " if d.get("samples") else ""
    print(f"design:   {d['name']}, {size}{d['points']} points x {m['replications']} replications = "
          f"{m['runs_total']} runs; root seed {m['root_seed']}")
    print(f"factors:  {'; '.join(_factor_text(k, v) for k, v in spec['factors'].items())}")
    print(f"scenario: {spec['scenario']}, {spec['base']['months']} months, "
          f"{spec['base']['n_beneficiaries']:,} beneficiaries; "
          f"monthly series {'kept' if spec['keep_monthly'] else 'not kept'}")
    status = "complete" if done == total else f"INCOMPLETE: run 'backbone sweep' on {args.folder} again to resume"
    print(f"progress: {done} of {total} runs ({status})")
    commit = m.get("git_commit")
    dirty = " with uncommitted changes" if m.get("git_dirty") else ""
    print(f"made by:  backbone {m['version']}{f', commit {commit[:12]}{dirty}' if commit else ''}; "
          f"started {m['started']}, finished {m.get('finished') or '-'}")
    if runs.empty:
        return 0
    metrics = [k for k in KEY_METRICS if k in runs.columns]
    if args.by:
        if args.by not in runs.columns or args.by not in spec["factors"]:
            raise CLIError(f"--by {args.by!r} is not allowed: expected one of the factors "
                           f"{', '.join(spec['factors'])}")
        table = runs.groupby(args.by)[metrics].mean()
        print(f"\nmean over replications and other factors, by {args.by}:")
        head = f"  {args.by:>16}  " + "  ".join(f"{k:>16}" for k in metrics)
        print(head)
        for level, row in table.iterrows():
            lv = f"{level:g}" if isinstance(level, float) else str(level)
            print(f"  {lv:>16}  " + "  ".join(f"{number(row[k]):>16}" for k in metrics))
        return 0
    from backbone.experiments import ALWAYS_KEPT

    print(f"\nbalanced scorecard at the horizon, over {len(runs)} runs "
          "(other metrics: backbone query):")
    print(f"  {'metric':<20}{'mean':>12}{'sd':>12}{'min':>12}{'max':>12}")
    for k in ALWAYS_KEPT:
        col = runs[k]
        print(f"  {k:<20}{number(col.mean()):>12}{number(col.std()):>12}{number(col.min()):>12}{number(col.max()):>12}")
    return 0


def _results_json(args: argparse.Namespace, m: dict, done: int, total: int, runs) -> None:
    from backbone.experiments import ALWAYS_KEPT

    out = {"folder": args.folder, "name": m["name"], "source": m["source"], "description": m.get("description", ""),
           "design": m["design"], "factors": m["spec"]["factors"], "scenario": m["spec"]["scenario"],
           "replications": m["replications"], "root_seed": m["root_seed"], "runs_total": total,
           "runs_done": done, "complete": done == total, "version": m["version"],
           "git_commit": m.get("git_commit"), "git_dirty": m.get("git_dirty"), "started": m["started"],
           "finished": m.get("finished")}
    if not runs.empty:
        if args.by:
            metrics = [k for k in KEY_METRICS if k in runs.columns]
            table = runs.groupby(args.by)[metrics].mean()
            out["by"] = {"factor": args.by, "rows": [{args.by: level, **row.to_dict()}
                                                     for level, row in table.iterrows()]}
        else:
            out["scorecard"] = {k: {"mean": runs[k].mean(), "sd": runs[k].std(), "min": runs[k].min(),
                                    "max": runs[k].max()} for k in ALWAYS_KEPT if k in runs.columns}
    print_json(out)


# ---------------------------------------------------------------- query
def cmd_query(args: argparse.Namespace) -> int:
    from backbone.experiments import query

    limit = args.limit
    try:
        df = query(args.folder, args.sql)
    except _store_errors() as exc:
        raise CLIError(str(exc)) from None
    if args.csv:
        df.to_csv(sys.stdout, index=False)
        return 0
    if df.empty:
        print(f"(no rows; columns: {', '.join(map(str, df.columns))})")
        return 0
    print(df.head(limit).to_string(index=False))
    if len(df) > limit:
        print(f"({len(df)} rows; first {limit} shown: use --limit or --csv for more)")
    return 0


# ---------------------------------------------------------------- wiring
def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep", help="run an experiment (a TOML spec) into a resumable results folder",
        formatter_class=HelpFormatter,
        description="Run every design point and replication of an experiment and write the runs into a "
                    "results folder (Parquet chunks and a manifest). Run it again on the same folder to "
                    "resume after an interruption: nothing is lost or run twice. The spec format is in "
                    "docs/EXPERIMENTS.md.",
        epilog="examples:\n"
               "  backbone sweep experiments/examples/backbone_share_lhs.toml --out results/bb_lhs\n"
               "  backbone sweep experiments/examples/sobol_small.toml --out results/sobol --workers 4\n"
               "  backbone sweep my.toml --out results/big --scheduler tcp://10.0.0.5:8786\n"
               "  DASK_SCHEDULER_ADDRESS=tcp://10.0.0.5:8786 backbone sweep my.toml --out results/big")
    p.add_argument("experiment", metavar="EXPERIMENT.toml", help="the experiment spec")
    p.add_argument("--out", required=True, metavar="DIR", help="results folder (created, or resumed)")
    add_executor(p, quiet_alias=True)
    p.add_argument("--chunk-size", type=whole(1), metavar="N",
                   help="runs per Parquet chunk (default: about 1/64 of the runs, 10 to 100; "
                        "fixed when the folder is created)")
    add_posterior(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "results", help="summarize a results folder", formatter_class=HelpFormatter,
        description="What a results folder holds: the experiment and its design, provenance (version, "
                    "commit, times), progress, and the scorecard over the runs.",
        epilog="examples:\n"
               "  backbone results results/bb_lhs\n"
               "  backbone results results/regime --by regime")
    p.add_argument("folder", metavar="DIR", help="a folder written by 'backbone sweep'")
    p.add_argument("--by", metavar="FACTOR", help="mean of the key metrics per level of a factor")
    add_json(p)
    p.set_defaults(func=cmd_results)

    p = sub.add_parser(
        "query", help="run SQL (DuckDB) over a results folder", formatter_class=HelpFormatter,
        description="Run DuckDB SQL over a results folder. Tables: runs (one row per run: point, "
                    "replication, seed, the factors, the metrics) and months (one row per run and month, "
                    "when the spec keeps monthly series). On a `backbone calibrate` folder: posterior (every "
                    "generation's particles), generations and predictive.",
        epilog="examples:\n"
               "  backbone query results/bb_lhs \"SELECT count(*), avg(long_term_impact) FROM runs\"\n"
               "  backbone query results/regime \"SELECT regime, complexity, avg(long_term_impact) AS impact\n"
               "      FROM runs GROUP BY ALL ORDER BY ALL\"\n"
               "  backbone query results/regime \"SELECT month, avg(impact_share) FROM months GROUP BY 1 "
               "ORDER BY 1\" --csv > curve.csv")
    p.add_argument("folder", metavar="DIR", help="a folder written by 'backbone sweep' or 'backbone calibrate'")
    p.add_argument("sql", metavar="SQL", help="the query")
    p.add_argument("--csv", action="store_true", help="print every row as CSV")
    p.add_argument("--limit", type=whole(1), metavar="N", default="50", help="rows shown in the table")
    p.set_defaults(func=cmd_query)


__all__ = ["register", "cmd_sweep", "cmd_results", "cmd_query"]
