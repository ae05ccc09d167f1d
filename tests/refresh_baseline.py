"""Refresh tests/baseline.json: the key figures of a few small runs.

tests/test_engine.py::test_baseline_figures_unchanged compares the model against this
file, so any change in the model's output is noticed. When the model changed on purpose,
run::

    .venv/bin/python tests/refresh_baseline.py

and commit the new file together with the change (``git diff tests/baseline.json`` shows
what moved). The figures come from ``test_engine.baseline_figures``, so the script and
the test always compare the same things.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for test_engine.baseline_figures
sys.path.insert(0, str(HERE.parent))

SCENARIOS = {
    "pooled_backbone": {"n_beneficiaries": 500, "months": 60, "backbone_share": 0.10},
    "pooled_no_backbone": {"n_beneficiaries": 500, "months": 60, "backbone_share": 0.0},
    "isolated": {"n_beneficiaries": 500, "months": 60, "regime": "isolated"},
}
SEEDS = (1, 2, 3)


def main() -> None:
    from backbone import simulation
    from test_engine import BASELINE, baseline_figures

    runs = [
        {"name": name, "params": params, "seed": seed, "figures": baseline_figures(params, seed)}
        for name, params in SCENARIOS.items() for seed in SEEDS
    ]
    data = {
        "about": "Key figures of small runs; refresh with tests/refresh_baseline.py when the model changes on purpose.",
        "metrics": list(simulation.SCORECARD_METRICS),
        "runs": runs,
    }
    BASELINE.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {BASELINE} ({len(runs)} runs)")


if __name__ == "__main__":
    main()
