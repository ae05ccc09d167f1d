"""Every target of issue 13 with its measured figure and verdict, in one table.

Reads the JSON files the other benchmarks write (``make bench`` writes them to
``out/bench/``) and prints one row per target; a figure whose benchmark did not run shows
as "not measured". Usage::

    .venv/bin/python bench/summary.py out/bench        # model.json, sweep.json, app.json, cold.json

Verdicts use CPU time where a benchmark measures both (see bench/README.md): on a shared
machine wall time also counts waiting for a core.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

# (key, measure, operator, target, unit, file, how to read the figure from it)
TARGETS = (
    ("sweep", "sweep throughput, 2 local workers, end to end (bench_sweep.py)", ">=", 200.0, "runs/s",
     "sweep.json", lambda d: d["local_2"]["runs_per_s"]),
    ("ns", "ns per beneficiary-month at 10^6 beneficiaries (bench_model.py)", "<=", 8.0, "ns",
     "model.json", lambda d: d["measured"]["ns_per_beneficiary_month"]),
    ("ratio", "fast path against the plain-Python reference (bench_model.py)", ">=", 1000.0, "x",
     "model.json", lambda d: d["measured"]["speed_ratio"]),
    ("cold", "cold start, first `backbone run baseline`, CPU (bench_cold_start.py)", "<=", 20.0, "s",
     "cold.json", lambda d: d["cold_cpu_median_s"]),
    ("memory", "memory at 10^6 beneficiaries above the warm baseline (bench_model.py)", "<=", 50.0, "MB",
     "model.json", lambda d: d["measured"]["peak_memory_mb"]),
    ("app", "app: a month of both twins, rendered (bench_app.py, page)", "<=", 100.0, "ms",
     "app.json", lambda d: d["page"]["median_ms"]),
)

# Figures printed under the table for context (not targets).
CONTEXT = (
    ("sweep.json", "sweep, 2 local workers, steady state", lambda d: f"{d['local_2']['steady_runs_per_s']:.1f} runs/s"),
    ("sweep.json", "sweep, 1 worker in process", lambda d: f"{d['local_1']['runs_per_s']:.1f} runs/s "
                                                          f"({d['local_1']['cpu_ms_per_run']:.1f} ms CPU a run)"),
    ("model.json", "one default run (fast path), CPU median",
     lambda d: f"{d['fast_default']['cpu_median_s'] * 1e3:.1f} ms"),
    ("model.json", "the reference on the same scenario, CPU",
     lambda d: f"{d['reference_default']['cpu_median_s']:.2f} s" if "cpu_median_s" in d["reference_default"] else "skipped"),
    ("cold.json", "cold start, wall time (median)",
     lambda d: f"{statistics.median(r['wall_s'] for r in d['cold']):.1f} s; warm start {d['warm']['cpu_s']:.1f} s CPU"),
    ("app.json", "app, the model month alone (both twins)", lambda d: f"{d['model']['median_ms']:.1f} ms"),
    ("app.json", "app, in Chromium (--browser)",
     lambda d: f"{d['browser']['median_ms']:.1f} ms" if "browser" in d else "not measured (needs --browser)"),
    ("probe_start.json", "machine speed at the start (bench/probe.py: a fixed Python loop; lower is faster)",
     lambda d: f"{d['probe_s'] * 1000:.0f} ms"),
    ("probe_end.json", "machine speed at the end", lambda d: f"{d['probe_s'] * 1000:.0f} ms"),
)


def load(folder: Path, name: str) -> dict | None:
    try:
        return json.loads((folder / name).read_text())
    except (OSError, ValueError):
        return None


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: bench/summary.py FOLDER (with model.json, sweep.json, app.json, cold.json)", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    rows = []
    for _, measure, op, target, unit, file, read in TARGETS:
        data = load(folder, file)
        try:
            value = float(read(data)) if data is not None else None
        except (KeyError, TypeError, ValueError):
            value = None
        if value is None or value != value:  # missing or NaN
            rows.append((measure, "not measured", f"{op} {target:g} {unit}", "n/a"))
            continue
        ok = value >= target if op == ">=" else value <= target
        figure = f"{value:,.0f}{unit}" if unit == "x" else f"{value:,.1f} {unit}"
        rows.append((measure, figure, f"{op} {target:,g}{unit if unit == 'x' else ' ' + unit}", "ok" if ok else "MISS"))
    w = [max(len(r[i]) for r in rows + [("target (issue 13)", "measured", "target", "verdict")]) for i in range(4)]
    print("\nIssue 13 targets")
    print(f"{'target (issue 13)':<{w[0]}}  {'measured':>{w[1]}}  {'target':<{w[2]}}  verdict")
    print("-" * (sum(w) + 14))
    for measure, figure, target, verdict in rows:
        print(f"{measure:<{w[0]}}  {figure:>{w[1]}}  {target:<{w[2]}}  {verdict}")
    print()
    for file, label, read in CONTEXT:
        data = load(folder, file)
        if data is None:
            continue
        try:
            print(f"  {label}: {read(data)}")
        except (KeyError, TypeError, ValueError, IndexError):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
