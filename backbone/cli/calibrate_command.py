"""``backbone calibrate TARGETS.toml --out DIR``: calibrate free parameters to the
calibration patterns of a patterns file by ABC-SMC (analysis.calibrate), resumably;
``--population/--generations/--replications`` size it; ``--export FILE.json`` writes the
finished posterior as one small file (the shipped posterior: ``make posterior``);
``--figures DIR`` redraws a folder's figures.

Every check on the input (the targets file, a pattern in both roles, the sizes, the
folder, the scheduler address) happens before any simulation runs; a bad one is one line
and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time

from .common import CLIError, HelpFormatter, add_executor, add_force, executor_from, output_path, whole


def _command_line(args: argparse.Namespace) -> str:
    """The command as a reader would type it again (the executor options left out: they
    do not change the posterior's meaning)."""
    parts = ["backbone", "calibrate", args.targets, "--out", args.out]
    for k in ("population", "generations", "replications"):
        if getattr(args, k) is not None:
            parts += [f"--{k}", str(getattr(args, k))]
    if args.export:
        parts += ["--export", args.export]
    return " ".join(shlex.quote(str(p)) for p in parts)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from backbone.analysis.calibrate import (CalibrationError, calibrate, calibration_figures, coverage_rows,
                                             load_targets, open_folder, summary_text)
    from backbone.experiments.posterior import PosteriorError

    if args.figures:
        try:
            written = calibration_figures(args.figures)
        except PosteriorError as exc:
            raise CLIError(str(exc)) from None
        manifest, targets, _, _, pred = open_folder(args.figures)
        if getattr(args, "json", False):
            return _json_out({**manifest, "predictive_coverage": coverage_rows(targets, pred)}, args.figures)
        print(f"wrote {len(written)} figures to {os.path.join(args.figures, 'figures')}")
        print(summary_text({**manifest, "predictive_coverage": coverage_rows(targets, pred)}))
        return 0
    if not args.targets or not args.out:
        raise CLIError("expected TARGETS.toml and --out DIR (or --figures DIR)")
    if args.export and not args.export.lower().endswith(".json"):
        raise CLIError(f"--export {args.export}: the posterior is written as JSON: use a file name ending in .json")
    export = output_path(args.export, args.force)
    executor = executor_from(args, progress=False)
    try:
        targets = load_targets(args.targets).sized(args.population, args.generations, args.replications)
        t0 = time.time()
        manifest = calibrate(targets, args.out, executor, log=lambda line: print(line, file=sys.stderr, flush=True))
    except CalibrationError as exc:
        raise CLIError(str(exc)) from None
    if getattr(args, "json", False):
        return _json_out(manifest, args.out, time.time() - t0)
    print(f"posterior of {len(targets.names)} parameters after {manifest['n_generations']} generations "
          f"({manifest['n_particles']} particles, {manifest['simulations']:,} particles simulated, final epsilon "
          f"{manifest['final_epsilon']:.4g}) in {time.time() - t0:,.0f} s; 90% credible intervals:")
    print(summary_text(manifest))
    print(f"wrote {args.out}: posterior.parquet, generations.parquet, predictive.parquet, manifest.json, figures/")
    if export is not None:
        from backbone.analysis.calibrate import export_posterior

        export_posterior(args.out, export, _command_line(args))
        print(f"wrote {export} (the posterior as one file: --posterior {export})")
    print(f"next: backbone claims --quick --posterior {args.out}")
    return 0


def _json_out(manifest, folder, seconds=None) -> int:
    """``--json``: the posterior and its predictive check as numbers (cli.json_docs)."""
    from .common import print_json
    from .json_docs import calibrate_doc

    print_json(calibrate_doc(manifest, folder, seconds))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from backbone.analysis.calibrate import SIZE_FLAGS

    p = subparsers.add_parser(
        "calibrate", help="calibrate free parameters to target patterns (ABC-SMC), resumably",
        description="Approximate Bayesian computation (ABC-SMC, pyabc) of the free parameters named in the "
                    "targets file's [calibrate] table, against its patterns' target bands (the format of "
                    "backbone validate; only patterns with role = \"calibration\" are fitted, and a pattern "
                    "in both roles is refused). Priors: uniform (or log-uniform) on each parameter's range, or a "
                    "narrower one from the file. Distance: per target, 0 inside the band, else the gap to "
                    "the nearest edge over the band's width; summed. Writes the posterior, its provenance, "
                    "a posterior predictive check of every target and figures into DIR, and reports the fit "
                    "plainly: each target's share of predictive draws in its band (covered at 50% or more), "
                    "the effective sample size of every generation (a warning below half the particles) and "
                    "the parameters the targets did not inform (posterior sd / prior sd > 0.8). Run the same "
                    "command again to resume after an interruption.",
        formatter_class=HelpFormatter,
        epilog="examples:\n  backbone calibrate experiments/calibration/targets.toml --out results/calib\n"
               "  backbone calibrate targets.toml --out results/calib --scheduler tcp://10.0.0.5:8786\n"
               "  backbone calibrate targets.toml --out results/small --population 50 --generations 3\n"
               "  make posterior   # refit the shipped posterior (--posterior default)\n"
               "  backbone calibrate --figures results/calib\n"
               "  backbone claims --quick --posterior results/calib")
    p.add_argument("targets", metavar="TARGETS.toml", nargs="?", help="patterns with target bands and a "
                   "[calibrate] table")
    p.add_argument("--out", metavar="DIR", help="results folder (created, or resumed)")
    for k, what in (("population", "particles per generation"), ("generations", "generations at most"),
                    ("replications", "runs per particle")):
        lo, hi = SIZE_FLAGS[k]
        p.add_argument(f"--{k}", type=whole(lo, hi), metavar="N", help=f"{what} (default: the file's [calibrate] "
                       f"{k})")
    p.add_argument("--export", metavar="FILE.json", help="also write the finished posterior as one JSON file "
                   "(particles, weights, provenance), readable by --posterior FILE.json")
    add_force(p)
    add_executor(p, progress=False, workers_wait=False)   # pyabc's Dask sampler has no such wait
    p.add_argument("--figures", metavar="DIR", help="only redraw the figures of a finished calibration folder")
    from .common import add_json

    add_json(p)
    p.set_defaults(func=cmd_calibrate)


__all__ = ["register", "cmd_calibrate"]
