"""Throughput of the worked-example calibration against a sweep's, measured in one run
(not a test).

Run it with ``.venv/bin/python bench/bench_calibrate.py`` (``--workers N``, default 2;
``--population``, ``--generations``, ``--replications`` and ``--predictive`` to override
the example's [calibrate] table; ``--sweep-runs N`` for the size of the sweep measured
beside it, 0 to skip; ``--json FILE`` to save the figures). It calibrates the five free
parameters of ``experiments/calibration/targets.toml`` against its calibration patterns
into a temporary folder on the local pool (``Executor.futures``: the pool the sweeps use,
handed to pyabc's ConcurrentFutureSampler), with bench_sweep.py's in-memory sweep of the
baseline scenario on the same pool size just before and just after it (the same
minutes: on a shared machine only rates measured together compare), and prints:

- wall time of the ABC-SMC generations and of the posterior predictive check (its runs
  go through ``experiments.run_many`` on the same executor) and figures;
- model runs: particles simulated (every generation's, and pyabc's sample from the
  prior before the first, which sets its threshold) x the runs per particle
  (``replications`` runs of each group of patterns that share parameters,
  counterfactuals included), and predictive draws x the same;
- runs per second of the generations, of the predictive check, and of the two sweeps,
  and the calibration's share of the sweeps' mean rate (issue 23's target: at least
  80%);
- in this process, on one core, a particle's runs against a serial sweep's
  (``--in-process N`` particles, 0 to skip): the share the calibration's runs allow
  by themselves (they evaluate the patterns' measures), and ``road_efficiency``, the
  measured share over that one: what the pool and pyabc's sampling leave of it
  (``--in-process-only``: this alone, no calibration and no pooled sweeps: old and new
  code can then alternate in the same minutes, e.g. with ``PYTHONPATH`` set to an
  unpacked ``git archive`` of the old commit);
- the load average before and after (the machine may be shared: wall times under load
  are upper bounds, and only rates measured in the same minutes compare).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from backbone.analysis import calibrate as cal  # noqa: E402
from backbone.analysis.validation import groups  # noqa: E402
from backbone.experiments import Executor, ExperimentSpec, run_experiment  # noqa: E402


def runs_per_particle(targets: cal.Targets) -> int:
    """Model runs behind one particle's statistics."""
    return sum(targets.replications * (1 + len(cfs)) for _, cfs, _ in groups(targets.patterns.patterns))


def sweep_rate(runs: int, workers: int) -> dict:
    """bench_sweep.py's in-memory sweep (``runs`` baseline runs, backbone_share in
    [0.05, 0.15]) on ``workers`` processes."""
    spec = ExperimentSpec.from_dict({   # bench_sweep.py's sweep
        "name": "bench", "scenario": "baseline", "design": "latin_hypercube", "samples": runs,
        "replications": 1, "root_seed": 1, "factors": {"backbone_share": {"range": [0.05, 0.15]}},
    })
    t0 = time.perf_counter()
    table = run_experiment(spec, executor=Executor(workers=workers).quiet())
    wall = time.perf_counter() - t0
    return {"runs": len(table), "seconds": round(wall, 1), "runs_per_second": round(len(table) / wall, 1)}


def in_process(targets: cal.Targets, particles: int, sweep_runs: int) -> dict:
    """Runs per second on one core in this process, no pool: ``particles`` particles'
    runs (the calibration's ``Model``, at parameters drawn uniformly in the priors'
    ranges) against the sweep's (``workers=1``). Their ratio is the share the calibration
    could reach if its road cost nothing: a particle's runs evaluate the patterns'
    measures (``analysis.measures``), a sweep's runs only their outputs."""
    import numpy as np

    model = cal.Model(targets)
    rng = np.random.default_rng(0)
    thetas = [{p.name: float(rng.uniform(p.lo, p.hi)) for p in targets.priors} for _ in range(particles + 1)]
    model(thetas[0])   # kernels loaded
    t0 = time.perf_counter()
    for theta in thetas[1:]:
        model(theta)
    wall = time.perf_counter() - t0
    rate = particles * runs_per_particle(targets) / wall
    sweep = sweep_rate(sweep_runs, 1)
    return {"calibration_runs_per_second": round(rate, 1), "sweep_runs_per_second": sweep["runs_per_second"],
            "ratio": round(rate / sweep["runs_per_second"], 3)}


def simulated(folder: Path) -> int:
    """Particles pyabc simulated in the folder's calibration: every generation's, and
    the sample from the prior it draws before the first generation to set the first
    threshold (generation -1 in its history, not in the manifest's ``simulations``, but
    run in the first generation's minutes)."""
    import pyabc

    pops = pyabc.History("sqlite:///" + str((folder / cal.DB).resolve()), _id=1).get_all_populations()
    return int(pops["samples"].sum())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--population", type=int)
    ap.add_argument("--generations", type=int)
    ap.add_argument("--replications", type=int)
    ap.add_argument("--predictive", type=int)
    ap.add_argument("--sweep-runs", type=int, default=400)
    ap.add_argument("--in-process", type=int, default=20, metavar="PARTICLES",
                    help="particles timed in this process against a serial sweep (0: skip)")
    ap.add_argument("--in-process-only", action="store_true",
                    help="only the in-process comparison (--in-process particles against a serial sweep of "
                         "max(50, --sweep-runs / 2) runs): no calibration, no pooled sweeps")
    ap.add_argument("--json", metavar="FILE")
    a = ap.parse_args()
    targets = cal.load_targets(ROOT / "experiments" / "calibration" / "targets.toml").sized(
        a.population, a.generations, a.replications)
    if a.in_process_only:
        load0 = os.getloadavg()
        out = {"in_process": in_process(targets, a.in_process or 20, max(50, a.sweep_runs // 2)),
               "runs_per_particle": runs_per_particle(targets), "load_before": load0,
               "load_after": os.getloadavg()}
        print(json.dumps(out, indent=2))
        if a.json:
            Path(a.json).write_text(json.dumps(out, indent=2) + "\n")
        return 0
    if a.predictive is not None:
        from dataclasses import replace

        targets = replace(targets, predictive=a.predictive)
    load0 = os.getloadavg()
    before = None
    if a.sweep_runs:
        print(f"sweep before: {a.sweep_runs} baseline runs on {a.workers} workers", flush=True)
        before = sweep_rate(a.sweep_runs, a.workers)
    times: list[tuple[str, float]] = []
    t0 = time.perf_counter()

    def progress(line: str) -> None:
        times.append((line, time.perf_counter() - t0))
        print(f"[{time.perf_counter() - t0:7.1f} s] {line}", flush=True)

    executor = Executor(workers=a.workers).quiet()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = cal.calibrate(targets, Path(tmp) / "calib", executor, log=progress)
        total = time.perf_counter() - t0
        sims = simulated(Path(tmp) / "calib")
    gen_lines = [t for line, t in times if line.startswith("generation ")]
    abc_end = gen_lines[-1] if gen_lines else total
    start = times[0][1] if times else 0.0
    per = runs_per_particle(targets)
    runs = sims * per
    pred_runs = targets.predictive * per
    abc_s = max(abc_end - start, 1e-9)
    out = {"workers": a.workers, "population": targets.population, "generations": manifest["n_generations"],
           "parameters": len(targets.names), "targets": len(targets.patterns.patterns),
           "replications_per_particle": targets.replications, "runs_per_particle": per,
           "particles_simulated": sims, "model_runs": runs, "abc_seconds": round(abc_s, 1),
           "abc_runs_per_second": round(runs / abc_s, 1), "predictive_runs": pred_runs,
           "predictive_and_figures_seconds": round(total - abc_end, 1),
           "predictive_runs_per_second": round(pred_runs / max(total - abc_end, 1e-9), 1),
           "total_seconds": round(total, 1), "final_epsilon": manifest["final_epsilon"],
           "ess": manifest.get("ess"), "load_before": load0}
    if a.sweep_runs:
        print(f"sweep after: {a.sweep_runs} baseline runs on {a.workers} workers", flush=True)
        out["sweep_before"], out["sweep_after"] = before, sweep_rate(a.sweep_runs, a.workers)
        mean = (before["runs_per_second"] + out["sweep_after"]["runs_per_second"]) / 2
        out["calibration_share_of_sweep_rate"] = round(out["abc_runs_per_second"] / mean, 3)
    if a.in_process:
        print(f"in this process: {a.in_process} particles against a serial sweep", flush=True)
        out["in_process"] = ip = in_process(targets, a.in_process, max(50, a.sweep_runs // 2))
        if a.sweep_runs:   # the share the parallel road keeps of what the runs themselves allow
            out["road_efficiency"] = round(out["calibration_share_of_sweep_rate"] / ip["ratio"], 3)
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
