"""``backbone discover RESULTS --outcome METRIC --where "EXPR"``: scenario discovery with
PRIM on any sweep's results folder (``analysis.discover``, the module the claims use).

Per design point, the outcome is averaged over the point's replications; the cases of
interest are the points where EXPR (one SQL condition over the outcome and the inputs,
run on the folder's read-only DuckDB connection) is true. Prints the box in words (each
restricted input with its range in the data), coverage, density, the base rate and the
permutation p-value, or "no box" with the reason; writes the peeling trajectory figure
(PNG) to --figure, by default next to the results folder. Every check on the input
happens before anything is written.
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from .common import CLIError, HelpFormatter, add_force, add_json, output_path, print_json, seed_type

WIDTH = 100


def _density(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = None
    if v is None or not 0.0 < v <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not allowed: expected a number in (0, 1]")
    return v


def default_figure(folder: str | Path, outcome: str) -> Path:
    """``<folder>_discover_<outcome>.png`` beside the results folder."""
    p = Path(folder).resolve()
    safe = "".join(c if c.isalnum() or c in "_-" else "_" for c in outcome)
    return p.parent / f"{p.name}_discover_{safe}.png"


def cmd_discover(args: argparse.Namespace) -> int:
    from backbone.analysis.discover import RULE, DiscoverError, box_record, folder_points, prim_box
    from backbone.experiments.store import StoreError

    folder = Path(args.folder)
    if not folder.is_dir():
        raise CLIError(f"{folder} is not a results folder (no such folder)")
    figure = None
    if not args.no_figure:
        figure = Path(args.figure) if args.figure else default_figure(folder, args.outcome)
        if figure.suffix.lower() != ".png":
            raise CLIError(f"--figure {figure}: the figure is a PNG: use a file name ending in .png")
        figure = output_path(figure, args.force)
    try:
        pts, inputs = folder_points(folder, args.outcome, args.where)
    except (DiscoverError, StoreError) as exc:
        raise CLIError(str(exc)) from None
    box = prim_box(pts, inputs, "holds", density=args.density, seed=args.seed)
    if figure is not None and len(box.trajectory):
        from backbone.analysis.figures import peeling, save

        save(peeling(box, f"{args.where}"), figure)
    elif figure is not None:
        figure = None   # nothing to draw: holds everywhere or nowhere
    runs = int(pts["runs"].sum()) if "runs" in pts.columns else len(pts)
    if args.json:
        print_json({"command": "discover", "folder": str(folder), "outcome": args.outcome, "where": args.where,
                    "points": len(pts), "runs": runs, "inputs": inputs, "density_target": args.density,
                    **box_record(box), "figure": str(figure) if figure is not None else None})
        return 0
    k = int(pts["holds"].sum())
    print(textwrap.fill(
        f"backbone discover {folder}: {len(pts)} design points ({runs} runs), inputs {', '.join(inputs)}; "
        f"cases: {args.where} (the outcome {args.outcome} averaged over each point's replications) at {k} of "
        f"{len(pts)} points (base rate {100 * k / max(len(pts), 1):.0f}%).", WIDTH))
    print()
    if box.found:
        print(textwrap.fill("BOX: " + box.words, WIDTH, subsequent_indent="  "))
        for f, (lo, hi) in box.limits.items():
            dlo, dhi = box.bounds[f]
            side = (f"{lo:.4g} to {hi:.4g}" if lo is not None and hi is not None
                    else f"at least {lo:.4g}" if lo is not None else f"at most {hi:.4g}")
            print(f"  {f}: {side} (in the data: {dlo:.4g} to {dhi:.4g})")
        print(textwrap.fill(f"coverage {100 * box.coverage:.0f}% (of the cases, inside the box); density "
                            f"{100 * box.density:.0f}% (of the points in the box, cases) against a base rate "
                            f"of {100 * box.base_rate:.0f}%; permutation p = {box.p_value:.3f}", WIDTH,
                            initial_indent="  ", subsequent_indent="  "))
    else:
        print(textwrap.fill("NO BOX: " + box.words.removeprefix("no box: "), WIDTH, subsequent_indent="  "))
    print()
    print(textwrap.fill("Rule: " + RULE + ".", WIDTH))
    if figure is not None:
        print(f"wrote the peeling trajectory to {figure}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "discover", help="where in a sweep's input space an outcome meets a condition (PRIM)",
        description="Scenario discovery (Bryant & Lempert 2010) with PRIM (Friedman & Fisher 1999) on a results "
                    "folder of `backbone sweep`: per design point, --outcome is averaged over the point's "
                    "replications, and the points where --where is true are the cases of interest. Prints the "
                    "box (each restricted input with its range in the data), its coverage and density, the "
                    "base rate, and 'no box' when no box beats the base rate beyond chance (a permutation "
                    "test); writes the peeling trajectory as a PNG. --where is one SQL condition (DuckDB) over "
                    "the outcome (by its name, or `outcome`) and the inputs, run read-only on the folder.",
        formatter_class=HelpFormatter,
        epilog="examples:\n"
               "  backbone discover results/bb_lhs --outcome long_term_impact --where \"long_term_impact >= 0.3\"\n"
               "  backbone discover results/bb_lhs --outcome sroi --where \"outcome > 3\" --figure sroi_box.png\n"
               "  backbone discover results/bb_lhs --outcome long_term_impact --where \"outcome >= 0.3\" --json")
    p.add_argument("folder", metavar="RESULTS", help="a results folder written by `backbone sweep`")
    p.add_argument("--outcome", required=True, metavar="METRIC", help="a metric of the folder's runs table")
    p.add_argument("--where", required=True, metavar="EXPR",
                   help="the cases of interest: one SQL condition, e.g. \"long_term_impact >= 0.3\"")
    p.add_argument("--density", type=_density, default=0.8, metavar="D",
                   help="the density a box should reach (else the densest box covering half the cases)")
    p.add_argument("--seed", type=seed_type, default=0, help="seed of the permutation test's relabellings")
    p.add_argument("--figure", metavar="FILE.png",
                   help="where to write the peeling trajectory (default: RESULTS_discover_METRIC.png beside RESULTS)")
    p.add_argument("--no-figure", action="store_true", help="write no figure")
    add_force(p)
    add_json(p)
    p.set_defaults(func=cmd_discover)


__all__ = ["register", "cmd_discover", "default_figure"]
