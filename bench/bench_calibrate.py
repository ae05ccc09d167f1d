"""Time of the worked-example calibration (issue 10), measured in one run (not a test).

Run it with ``.venv/bin/python bench/bench_calibrate.py`` (``--workers N``, default 2;
``--population N`` and ``--generations N`` to override the example's [calibrate] table;
``--json FILE`` to save the figures). It calibrates the five free parameters of
``experiments/calibration/targets.toml`` against its five targets into a temporary
folder, on the local pool, and prints: wall time of the ABC-SMC generations, of the
posterior predictive check and figures, simulations (particles simulated, and model runs:
particles x replications), runs per second, wall time per generation, and the load
average before and after (the machine may be shared: wall times under load are upper
bounds). Target (issue 10): a few hundred particles per generation "in minutes on 2 cores".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backbone.analysis import calibrate as cal  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--population", type=int)
    ap.add_argument("--generations", type=int)
    ap.add_argument("--predictive", type=int)
    ap.add_argument("--json", metavar="FILE")
    a = ap.parse_args()
    targets = cal.load_targets(ROOT / "experiments" / "calibration" / "targets.toml")
    changes = {k: v for k, v in (("population", a.population), ("generations", a.generations),
                                 ("predictive", a.predictive)) if v is not None}
    targets = replace(targets, **changes)
    load0 = os.getloadavg()
    times: list[tuple[str, float]] = []
    t0 = time.perf_counter()

    def progress(line: str) -> None:
        times.append((line, time.perf_counter() - t0))
        print(f"[{time.perf_counter() - t0:7.1f} s] {line}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        manifest = cal.calibrate(targets, Path(tmp) / "calib", workers=a.workers, progress=progress)
    total = time.perf_counter() - t0
    gen_lines = [t for line, t in times if line.startswith("generation ")]
    abc_end = gen_lines[-1] if gen_lines else total
    start = times[0][1] if times else 0.0
    sims = manifest["simulations"]
    runs = sims * targets.replications
    out = {"workers": a.workers, "population": targets.population, "generations": manifest["n_generations"],
           "parameters": len(targets.names), "targets": len(targets.patterns.patterns),
           "replications_per_particle": targets.replications, "particles_simulated": sims, "model_runs": runs,
           "abc_seconds": round(abc_end - start, 1), "predictive_and_figures_seconds": round(total - abc_end, 1),
           "total_seconds": round(total, 1), "runs_per_second": round(runs / max(abc_end - start, 1e-9), 1),
           "final_epsilon": manifest["final_epsilon"], "credible_90": manifest["credible_90"],
           "load_before": load0, "load_after": os.getloadavg()}
    print(json.dumps(out, indent=2))
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
