"""How fast this machine runs plain Python right now: context for the other benchmarks.

On a shared machine (a cloud VM, a laptop doing other things) the same code's time can
swing by 2x within minutes while the load average stays low: the other jobs run on the
host, outside this machine's view. This times a fixed pure-Python loop (no numpy, no
numba, no memory traffic), the best of five, so a reader of ``make bench`` can see the
machine's speed at the start and at the end of the run. ``make bench`` runs it first and
last; ``bench/summary.py`` prints both. It judges nothing.

    .venv/bin/python bench/probe.py --json out/bench/probe_start.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

N = 2_000_000


def probe(repeats: int = 5) -> float:
    """Seconds of CPU for ``N`` iterations of a small integer loop, the fastest of ``repeats``."""
    best = float("inf")
    for _ in range(repeats):
        t = time.process_time()
        s = 0
        for i in range(N):
            s += i * i & 7
        best = min(best, time.process_time() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", metavar="FILE", help="also save the figure")
    args = ap.parse_args()
    seconds = probe()
    print(f"speed probe: {seconds * 1000:.0f} ms CPU for a fixed pure-Python loop of {N:,} iterations (fastest of 5)")
    if args.json:
        Path(args.json).write_text(json.dumps({"probe_s": seconds, "iterations": N, "time": time.time()}))


if __name__ == "__main__":
    main()
