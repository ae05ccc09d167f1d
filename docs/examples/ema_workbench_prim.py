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

Reading PRIM's answer (``describe``), as ``backbone discover`` does
(``backbone.analysis.discover``): the box on the peeling trajectory is chosen by the same
rule (the best balance of coverage and density among those reaching the 80% threshold,
else the densest covering half the cases); an input counts as restricted only when the
box cuts into the range the *data* span (not the nominal sampling bounds); and the
example says "PRIM found no box" when EMA Workbench returns its whole-space box (no box
met the threshold), when no input is restricted, or when the box's density does not beat
the base rate beyond chance (the permutation test of ``backbone discover``, p <= 0.05).
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


THRESHOLD = 0.8  # the density PRIM aims for (backbone.analysis.discover.DENSITY)


def find_box(x, pays, threshold: float = THRESHOLD):
    """EMA Workbench's PRIM box of the cases where ``pays``, with the step on its peeling
    trajectory chosen by Backbone's rule (``discover.select_step``)."""
    from backbone.analysis.discover import select_step

    finder = prim.Prim(x, np.asarray(pays, dtype=bool), threshold=threshold)
    box = finder.find_box()
    traj = box.peeling_trajectory.reset_index(drop=True)
    if len(traj) > 1:
        box.select(select_step(traj[["coverage", "density"]].astype(float), threshold)[0])
    return box


def describe(x, pays, box, threshold: float = THRESHOLD, seed: int = 0) -> dict:
    """What PRIM found, judged against the data: ``found``, ``restricted`` {input: (low,
    high, data low, data high)} for the inputs the box cuts into (compared with the range
    the data span), ``coverage``, ``density``, ``base_rate``, ``p_value`` and ``words``."""
    from backbone.analysis.discover import P_MAX, permutation_p

    y = np.asarray(pays, dtype=bool)
    base = float(y.mean()) if y.size else float("nan")
    lo_data, hi_data = x.min(), x.max()
    lim = box.box_lim
    restricted = {}
    for c in lim.columns:
        lo, hi = float(lim[c].iloc[0]), float(lim[c].iloc[1])
        if lo > float(lo_data[c]) + 1e-12 or hi < float(hi_data[c]) - 1e-12:
            restricted[c] = (lo, hi, float(lo_data[c]), float(hi_data[c]))
    cov, den = float(box.coverage), float(box.density)
    out = {"found": False, "restricted": restricted, "coverage": cov, "density": den, "base_rate": base,
           "p_value": float("nan")}
    if y.all() or not y.any():
        out["words"] = f"PRIM found no box: the backbone pays off in {'all' if y.all() else 'none'} of the experiments"
        return out
    if not restricted:
        why = (f"no box reached the density threshold of {threshold:.0%} (EMA Workbench returned the whole space, "
               f"whose density is the base rate {base:.0%})" if box.mean < threshold else
               "its box restricts no input within the range the data span")
        out["words"] = f"PRIM found no box: {why}"
        return out
    p = permutation_p(x.astype(float).reset_index(drop=True), y, den - base, threshold, seed=seed)
    out["p_value"] = p
    if den <= base or p > P_MAX:
        out["words"] = (f"PRIM found no box: its best box's density {den:.0%} does not beat the base rate {base:.0%} "
                        f"beyond chance (permutation p = {p:.2f})")
        out["restricted"] = {}
        return out
    out["found"] = True
    out["words"] = (f"PRIM box: coverage {cov:.0%} (of the cases where it pays, inside the box), density {den:.0%} "
                    f"(of the cases in the box, where it pays) against a base rate of {base:.0%}; permutation "
                    f"p = {p:.3f}")
    return out


def explore(n_experiments: int, n_beneficiaries: int = 2000, material: float = 0.01, seed: int = 1):
    """EMA Workbench's experiments and outcomes, and PRIM's box where the gain is material."""
    np.random.seed(seed)  # EMA Workbench's samplers draw from numpy's global generator
    with SequentialEvaluator(make_model(n_beneficiaries)) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=n_experiments)
    pays = outcomes["gain"] >= material
    x = experiments[list(UNCERTAIN)]
    box = find_box(x, pays)
    return experiments, outcomes, pays, box


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--experiments", type=int, default=200)
    ap.add_argument("--beneficiaries", type=int, default=2000)
    args = ap.parse_args()
    experiments, outcomes, pays, box = explore(args.experiments, args.beneficiaries)
    print(f"{len(experiments)} experiments; the backbone adds at least 1 pp of long-term impact in "
          f"{pays.mean():.0%} of them")
    found = describe(experiments[list(UNCERTAIN)], pays, box)
    print(found["words"])
    for c, (lo, hi, dlo, dhi) in found["restricted"].items():
        print(f"  {c}: {lo:.4g} .. {hi:.4g} (the data span {dlo:.4g} .. {dhi:.4g})")

if __name__ == "__main__":
    main()
