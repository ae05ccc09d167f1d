"""Conventions shared by every command: one-line errors with exit status 2 for bad input,
typed options checked by argparse before anything runs (``whole``, ``seed_with``),
never overwriting a file without --force, and one executor (``add_executor`` /
``executor_from``) built here and handed down to whatever runs."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Callable, NoReturn


class CLIError(Exception):
    """Bad input from the user: printed as one line on stderr, exit status 2."""


def fail(message: str) -> NoReturn:
    raise CLIError(message)


class Parser(argparse.ArgumentParser):
    """argparse, with its own errors (unknown option, missing argument, bad number) in
    one line on stderr and exit status 2, like every other bad input. A typed option's
    error reads "--workers 0 is not allowed: expected a whole number >= 1"."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(str(message).split())
        m = re.fullmatch(r"argument ([^:/ ]+)(?:/\S+)?: (\S+ is not allowed: .*)", text)
        if m:
            text = f"{m.group(1)} {m.group(2)}"
        self.exit(2, f"{self.prog}: error: {text} (see '{self.prog} --help')\n")


def whole(lo: int, hi: int | None = None, why: str = "") -> Callable[[str], int]:
    """An argparse ``type``: a whole number in [lo, hi] (no upper bound if None), else
    the one-line error "VALUE is not allowed: expected a whole number ...", naming the
    option (``Parser.error``). ``why`` is added to the message."""
    span = f">= {lo}" if hi is None else f"in [{lo}, {'2^63 - 1' if hi == 2**63 - 1 else f'{hi:_}'}]"

    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            n = None
        if n is None or n < lo or (hi is not None and n > hi):
            raise argparse.ArgumentTypeError(f"{text} is not allowed: expected a whole number {span}"
                                             + (f" ({why})" if why else ""))
        return n

    parse.__name__ = "whole number"
    return parse


def seconds(text: str) -> float:
    """An argparse ``type``: a number of seconds > 0 (at most a day), else the one-line
    error "VALUE is not allowed: expected seconds in (0, 86400]"."""
    import math

    try:
        t = float(text)
    except ValueError:
        t = math.nan
    if not 0 < t <= 86_400:
        raise argparse.ArgumentTypeError(f"{text} is not allowed: expected seconds in (0, 86400]")
    return t


NO_WORKERS_WAIT = 60.0   # seconds: experiments.executors.NO_WORKERS_WAIT (not imported here: keeps --help fast)
MAX_SEED = 2**63 - 1
seed_type = whole(0, MAX_SEED)


def check_seed_span(seed: int, replications: int) -> int:
    """A first seed whose replications' seeds (seed + r, docs/EXPERIMENTS.md) all fit in
    [0, 2^63 - 1]."""
    if seed + replications - 1 > MAX_SEED:
        fail(f"--seed {seed} with --replications {replications} is not allowed: the last seed, "
             "seed + replications - 1, must be at most 2^63 - 1")
    return seed


MAX_REPLICATIONS = 1_000_000      # per scenario (as in experiment specs)
MAX_COMPARE_RUNS = 5_000_000      # scenarios x replications
replications_type = whole(2, MAX_REPLICATIONS, "a confidence interval needs two runs")


def check_runs_total(replications: int, n_scenarios: int) -> int:
    """Scenarios x replications within ``MAX_COMPARE_RUNS``."""
    if replications * n_scenarios > MAX_COMPARE_RUNS:
        fail(f"{n_scenarios} scenarios x --replications {replications} = {replications * n_scenarios:_} runs "
             f"is not allowed: expected at most {MAX_COMPARE_RUNS:_}")
    return replications


def add_executor(parser: argparse.ArgumentParser, scheduler: bool = True, progress: bool = True,
                 quiet_alias: bool = False, workers_wait: bool = True) -> None:
    """--workers N (local processes), --scheduler ADDR (a Dask cluster), --no-workers-wait
    SECONDS (unless ``workers_wait`` is false: a command whose Dask work does not go
    through ``Executor.map``) and --no-progress (also --quiet with ``quiet_alias``), the
    same in every command that runs a batch."""
    parser.add_argument("--workers", type=whole(1), metavar="N",
                        help="local worker processes (default: every core from 100 runs up, else this process; "
                             "1: this process)")
    if scheduler:
        parser.add_argument("--scheduler", metavar="ADDR",
                            help="run on a Dask cluster, e.g. tcp://HOST:8786 (default: $DASK_SCHEDULER_ADDRESS, "
                                 "else local processes)")
    if scheduler and workers_wait:
        parser.add_argument("--no-workers-wait", type=seconds, metavar="SECONDS", default=NO_WORKERS_WAIT,
                            help="on a Dask cluster, stop after this long with no worker (a sweep into a "
                                 "results folder resumes where it stopped)")
    if progress:
        names = ("--no-progress", "--quiet") if quiet_alias else ("--no-progress",)
        parser.add_argument(*names, dest="no_progress", action="store_true", help="no progress bar")


def executor_from(args: argparse.Namespace, desc: str = "runs", progress: bool = True):
    """The ``experiments.Executor`` of a command's --workers, --scheduler and
    --no-progress (a bad scheduler address is a CLIError), made once and handed down."""
    from backbone.experiments import Executor, SchedulerError, progress_bar

    show = progress and not getattr(args, "no_progress", False)
    try:
        return Executor.from_env(getattr(args, "workers", None), getattr(args, "scheduler", None),
                                 progress_bar(desc) if show else None,
                                 getattr(args, "no_workers_wait", NO_WORKERS_WAIT))
    except SchedulerError as exc:
        raise CLIError(str(exc)) from None


def writable_folder(folder: Path, what: str = "folder") -> None:
    """Refuse, before any work, a folder in which no file can be created (tried with a
    temporary file that is removed at once)."""
    import tempfile

    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as exc:
        fail(f"cannot write in {what} {folder}: {exc.strerror or exc.__class__.__name__}")


def output_path(path: str | Path | None, force: bool) -> Path | None:
    """Check an output file before any work is done: refuse to overwrite without --force,
    refuse a folder that does not exist or cannot be written."""
    if path is None:
        return None
    p = Path(path)
    if p.exists() and not force:
        fail(f"{p} exists: pass --force to overwrite it")
    if p.exists() and p.is_dir():
        fail(f"{p} is a folder: expected a file name")
    if p.exists() and not p.is_file():
        fail(f"{p} is not a regular file (a pipe, socket or device): expected a file name")
    if not p.parent.exists():
        fail(f"folder {p.parent} does not exist")
    if not p.parent.is_dir():
        fail(f"{p.parent} is a file, not a folder")
    writable_folder(p.parent)
    if p.exists() and not os.access(p, os.W_OK):
        fail(f"{p} cannot be overwritten: permission denied")
    return p


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="print the result as JSON on stdout (for other programs), not as text")


def plain(value):
    """``value`` made JSON-ready: numpy scalars and arrays to Python, NaN and infinities to
    null, tuples and sets to lists, paths to text."""
    import math

    import numpy as np

    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def print_json(obj) -> None:
    import json

    print(json.dumps(plain(obj), indent=1, allow_nan=False))


def add_force(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="overwrite an existing output file")


def digits_for(values) -> int:
    """Decimals for a metric, from the size of its values: 3 below 10, 1 below 1000, else 0."""
    import math

    finite = [abs(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    top = max(finite, default=0.0)
    return 3 if top < 10 else 1 if top < 1000 else 0


def number(v: float, digits: int | None = None, sign: bool = False) -> str:
    """``v`` with thousands separators and ``digits`` decimals (default: ``digits_for``
    its size), "-" when not finite; ``sign``: always a sign."""
    import math

    if not math.isfinite(v):
        return "-"
    d = digits_for([v]) if digits is None else digits
    return f"{v:{'+' if sign else ''},.{d}f}"


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the examples in epilogs as written and shows defaults (but not an empty
    "(default: None)" or "(default: False)")."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.default is False or action.default == [] or action.nargs == 0:
            return action.help or ""
        return super()._get_help_string(action)


def add_posterior(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--posterior", metavar="DIR",
                        help="draw the calibrated parameters from a `backbone calibrate` results folder, an "
                             "exported posterior (.json) or 'default' (the posterior shipped with the package): "
                             "replication r uses posterior draw r in every arm (intervals then include "
                             "parameter uncertainty)")


def load_posterior_arg(args: argparse.Namespace):
    """The ``--posterior`` folder as an ``experiments.posterior.Posterior`` (None if not
    given); a foreign or corrupted folder is a CLIError (one line, exit 2)."""
    folder = getattr(args, "posterior", None)
    if not folder:
        return None
    from backbone.experiments.posterior import PosteriorError, load_posterior

    try:
        post = load_posterior(folder)
    except PosteriorError as exc:
        raise CLIError(str(exc)) from None
    stale = post.stale()   # fitted to other model code: say so, in one line
    if stale:
        print(stale, file=sys.stderr)
    return post
