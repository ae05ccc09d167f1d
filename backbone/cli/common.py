"""Conventions shared by every command: one-line errors with exit status 2 for bad input,
never overwriting a file without --force, progress bars on stderr."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Iterable, Iterator, TypeVar

from tqdm import tqdm

T = TypeVar("T")


class CLIError(Exception):
    """Bad input from the user: printed as one line on stderr, exit status 2."""


def fail(message: str) -> "NoReturn":  # noqa: F821
    raise CLIError(message)


class Parser(argparse.ArgumentParser):
    """argparse, with its own errors (unknown option, missing argument, bad number) in
    one line on stderr and exit status 2, like every other bad input."""

    def error(self, message: str) -> "NoReturn":  # noqa: F821
        text = " ".join(str(message).split())
        self.exit(2, f"{self.prog}: error: {text} (see '{self.prog} --help')\n")


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


def progress(items: Iterable[T], total: int | None = None, desc: str = "") -> Iterator[T]:
    """A progress bar on stderr (silent when stderr is not a terminal and CI is set)."""
    return iter(tqdm(items, total=total, desc=desc, unit="run", file=sys.stderr,
                     dynamic_ncols=True, mininterval=0.5, leave=False))


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the examples in epilogs as written and shows defaults (but not an empty
    "(default: None)" or "(default: False)")."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.default is False or action.default == []:
            return action.help or ""
        return super()._get_help_string(action)


def add_posterior(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--posterior", metavar="DIR",
                        help="draw the calibrated parameters from a `backbone calibrate` results folder: "
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
        return load_posterior(folder)
    except PosteriorError as exc:
        raise CLIError(str(exc)) from None
