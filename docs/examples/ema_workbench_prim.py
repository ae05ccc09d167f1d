"""Backbone driven from EMA Workbench, with PRIM on its results.

Exploratory modelling (Kwakkel 2017, *Environmental Modelling & Software* 96:239-250):
EMA Workbench samples the uncertainties, runs Backbone's fast path once per experiment,
and PRIM (Friedman & Fisher 1999) finds the region of the uncertainty space where a
backbone pays off: where the partnership with a 10% backbone reaches materially more
long-term impact than the same partnership, on the same seed, without one.

Run it from anywhere once Backbone is installed (``ema-workbench`` is in the project's
test extra)::

    python docs/examples/ema_workbench_prim.py               # 200 experiments
    python docs/examples/ema_workbench_prim.py --experiments 40 --beneficiaries 1000

Each experiment's seed is one of its sampled inputs, so a run is a pure function of
what EMA Workbench hands it, and the two arms share it (common random numbers).
Backbone's own batch tools (``backbone sweep``, ``backbone claims``) do the same at scale;
this example is for researchers who already work in EMA Workbench.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

warnings.filterwarnings("ignore", message="ipyparallel not installed")

from ema_workbench import (IntegerParameter, Model, RealParameter, ScalarOutcome,  # noqa: E402
                           SequentialEvaluator)
from ema_workbench.analysis import prim  # noqa: E402

from backbone.simulation import Params, simulate  # noqa: E402

UNCERTAIN = {  # name: (low, high); the schema's own bounds are wider
    "effort_scale_hours": (50.0, 400.0),
    "turnover_rate": (0.005, 0.04),
    "leadership_sd": (0.0, 1.0),
    "funder_shift_rate": (0.0, 0.02),
}


def backbone_gain(seed: int = 0, n_beneficiaries: int = 2000, **uncertain: float) -> dict[str, float]:
    """Long-term impact with a 10% backbone, without one, and the difference (same seed)."""
    base = Params(n_beneficiaries=n_beneficiaries, **uncertain)
    with_bb = simulate(base, seed).summary()["long_term_impact"]
    without = simulate(base.replace(backbone_share=0.0), seed).summary()["long_term_impact"]
    return {"impact_with": with_bb, "impact_without": without, "gain": with_bb - without}


def make_model(n_beneficiaries: int) -> Model:
    def run(seed, **uncertain):
        return backbone_gain(int(seed), n_beneficiaries, **uncertain)

    model = Model("backbone", function=run)
    model.uncertainties = [RealParameter(k, lo, hi) for k, (lo, hi) in UNCERTAIN.items()]
    model.uncertainties += [IntegerParameter("seed", 0, 2**31 - 1)]
    model.outcomes = [ScalarOutcome("impact_with"), ScalarOutcome("impact_without"), ScalarOutcome("gain")]
    return model


def explore(n_experiments: int, n_beneficiaries: int = 2000, material: float = 0.01, seed: int = 1):
    """EMA Workbench's experiments and outcomes, and PRIM's box where the gain is material."""
    np.random.seed(seed)  # EMA Workbench's samplers draw from numpy's global generator
    with SequentialEvaluator(make_model(n_beneficiaries)) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=n_experiments)
    pays = outcomes["gain"] >= material
    x = experiments[list(UNCERTAIN)]
    finder = prim.Prim(x, pays, threshold=0.8)
    box = finder.find_box()
    return experiments, outcomes, pays, box


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--experiments", type=int, default=200)
    ap.add_argument("--beneficiaries", type=int, default=2000)
    args = ap.parse_args()
    experiments, outcomes, pays, box = explore(args.experiments, args.beneficiaries)
    print(f"{len(experiments)} experiments; the backbone adds at least 1 pp of long-term impact in "
          f"{pays.mean():.0%} of them")
    limits = box.box_lim  # the chosen box: one column per uncertainty, rows lower and upper
    restricted = [c for c in limits.columns
                  if (limits[c].iloc[0], limits[c].iloc[1]) != UNCERTAIN.get(c, (None, None))]
    print(f"PRIM box: coverage {box.coverage:.0%} (of the cases where it pays, inside the box), "
          f"density {box.density:.0%} (of the cases in the box, where it pays)")
    for c in restricted:
        print(f"  {c}: {limits[c].iloc[0]:.4g} .. {limits[c].iloc[1]:.4g}")

if __name__ == "__main__":
    main()
