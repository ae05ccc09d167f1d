"""The cold start: how long a new user waits for the first `backbone run baseline`.

Runs ``python -m backbone.cli.main run baseline`` three times in fresh processes, each
with ``NUMBA_CACHE_DIR`` pointing to a new empty temporary folder (so numba compiles
every kernel, as after an install or an edit), then once more with the cache just
written (a warm start). Prints wall time and the child's CPU time for each, and the
compile line the command shows while it compiles.

Usage::

    .venv/bin/python bench/bench_cold_start.py              # 2 cold runs + 1 warm
    .venv/bin/python bench/bench_cold_start.py --cold 1 --json cold.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(cache: Path) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "backbone.cli.main", "run", "baseline"], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"backbone run baseline failed: {proc.stderr.strip().splitlines()[-1:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = [ln for ln in proc.stderr.splitlines() if "compiling" in ln]
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "compile_line": lines[0] if lines else ""}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cold", type=int, default=2, help="cold runs (each in a new empty cache)")
    ap.add_argument("--json", metavar="FILE", help="also save the figures")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    cold = []
    with tempfile.TemporaryDirectory(prefix="backbone-cold-") as tmp:
        for i in range(args.cold):
            cache = Path(tmp) / f"cache{i}"
            r = one_run(cache)
            cold.append(r)
            print(f"cold run {i + 1}: wall {r['wall_s']:7.1f} s   cpu {r['cpu_s']:7.1f} s   ({r['compile_line']!r})")
        warm = one_run(Path(tmp) / f"cache{args.cold - 1}")
        print(f"warm run  : wall {warm['wall_s']:7.1f} s   cpu {warm['cpu_s']:7.1f} s")
    summary = {"cold": cold, "warm": warm,
               "cold_cpu_median_s": statistics.median(r["cpu_s"] for r in cold),
               "load_end": os.getloadavg()[0]}
    print(f"cold start (median CPU): {summary['cold_cpu_median_s']:.1f} s; warm: {warm['cpu_s']:.1f} s; "
          f"load average at end: {summary['load_end']:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
