"""Entry point of the `backbone` command.

Each group of commands lives in its own module with a ``register(subparsers)``
function; ``main`` wires them up, runs the chosen command, and turns bad input
(``CLIError``, ``ParameterError``, missing files) into one line on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .common import CLIError, HelpFormatter, Parser

# Modules that add commands, in the order they appear in --help.
COMMAND_MODULES = (
    "backbone.cli.run_commands",     # scenarios, show, run, compare
    "backbone.cli.sweep_commands",   # sweep, results, query
    "backbone.cli.discover_command", # discover
    "backbone.cli.claims_commands",  # claims, report
    "backbone.cli.money_command",    # money
    "backbone.cli.optimize_command", # optimize
    "backbone.cli.validate_command", # validate
    "backbone.cli.calibrate_command", # calibrate
    "backbone.cli.app_command",      # app
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="backbone",
        description="Backbone: a laboratory for collective impact.",
        formatter_class=HelpFormatter,
        epilog="example:\n  backbone compare no_backbone baseline --replications 30",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)   # a renamed or missing module fails loudly
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:   # --help, or a bad option (one line already printed, status 2)
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from backbone.simulation.params import ParameterError

    try:
        return int(args.func(args) or 0)
    except (CLIError, ParameterError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        msg = str(exc) if not isinstance(exc, OSError) or not exc.filename else f"{exc.strerror}: {exc.filename}"
        print(f"backbone {args.command}: error: {msg}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        from backbone.experiments.executors import SchedulerError

        if not isinstance(exc, SchedulerError):   # a Dask scheduler that cannot be reached or used
            raise
        print(f"backbone {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # e.g. `backbone show baseline | head`: the reader left; not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"backbone {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
