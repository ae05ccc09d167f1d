"""``backbone calibrate TARGETS.toml --out DIR``: calibrate free parameters to targets by
ABC-SMC (analysis.calibrate), resumably; ``--figures DIR`` redraws a folder's figures.

Every check on the input (the targets file, the folder, the scheduler address) happens
before any simulation runs; a bad one is one line and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from .common import CLIError, HelpFormatter, add_executor, executor_from


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
    executor = executor_from(args, progress=False)
    try:
        targets = load_targets(args.targets)
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
    print(f"next: backbone claims --quick --posterior {args.out}")
    return 0


def _json_out(manifest, folder, seconds=None) -> int:
    """``--json``: the posterior and its predictive check as numbers (cli.json_docs)."""
    from .common import print_json
    from .json_docs import calibrate_doc

    print_json(calibrate_doc(manifest, folder, seconds))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "calibrate", help="calibrate free parameters to target patterns (ABC-SMC), resumably",
        description="Approximate Bayesian computation (ABC-SMC, pyabc) of the free parameters named in the "
                    "targets file's [calibrate] table, against its patterns' target bands (the format of "
                    "backbone validate). Priors: uniform (or log-uniform) on each parameter's range, or a "
                    "narrower one from the file. Distance: per target, 0 inside the band, else the gap to "
                    "the nearest edge over the band's width; summed. Writes the posterior, its provenance, "
                    "a posterior predictive check of every target and figures into DIR. Run the same "
                    "command again to resume after an interruption.",
        formatter_class=HelpFormatter,
        epilog="examples:\n  backbone calibrate experiments/calibration/targets.toml --out results/calib\n"
               "  backbone calibrate targets.toml --out results/calib --scheduler tcp://10.0.0.5:8786\n"
               "  backbone calibrate --figures results/calib\n"
               "  backbone claims --quick --posterior results/calib")
    p.add_argument("targets", metavar="TARGETS.toml", nargs="?", help="patterns with target bands and a "
                   "[calibrate] table")
    p.add_argument("--out", metavar="DIR", help="results folder (created, or resumed)")
    add_executor(p, progress=False, workers_wait=False)   # pyabc's Dask sampler has no such wait
    p.add_argument("--figures", metavar="DIR", help="only redraw the figures of a finished calibration folder")
    from .common import add_json

    add_json(p)
    p.set_defaults(func=cmd_calibrate)


__all__ = ["register", "cmd_calibrate"]
