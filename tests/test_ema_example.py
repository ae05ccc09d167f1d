"""docs/examples/ema_workbench_prim.py: Backbone driven from EMA Workbench, with PRIM on
its results, run small. Checks the plumbing (inputs reach the model, both arms share the
seed, PRIM returns a box), and how the example reads PRIM's answer on planted cases: a
planted box is found with the data's own bounds, noise gives "PRIM found no box"."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ema_workbench")

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "ema_workbench_prim.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("ema_workbench_prim", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_model_function_is_a_pure_function_of_its_inputs(example):
    a = example.backbone_gain(seed=3, n_beneficiaries=200, turnover_rate=0.02)
    b = example.backbone_gain(seed=3, n_beneficiaries=200, turnover_rate=0.02)
    assert a == b and a["gain"] == pytest.approx(a["impact_with"] - a["impact_without"])


def test_ema_workbench_runs_backbone_and_prim_finds_a_box(example):
    experiments, outcomes, pays, box = example.explore(12, n_beneficiaries=200)
    assert len(experiments) == 12 and set(example.UNCERTAIN) <= set(experiments.columns)
    assert np.allclose(outcomes["gain"], outcomes["impact_with"] - outcomes["impact_without"])
    assert pays.dtype == bool and len(pays) == 12
    assert 0.0 <= box.coverage <= 1.0 and 0.0 <= box.density <= 1.0
    again, _, _, _ = example.explore(12, n_beneficiaries=200)
    assert again[list(example.UNCERTAIN)].equals(experiments[list(example.UNCERTAIN)])  # seeded sampling


def planted_inputs(seed: int, n: int = 300):
    import pandas as pd

    rng = np.random.default_rng(seed)
    return pd.DataFrame({k: rng.uniform(lo, hi, n) for k, (lo, hi) in
                         {"effort_scale_hours": (50.0, 400.0), "turnover_rate": (0.005, 0.04),
                          "leadership_sd": (0.0, 1.0), "funder_shift_rate": (0.0, 0.02)}.items()})


@pytest.mark.parametrize("seed", [0, 1])
def test_a_planted_box_is_reported_with_the_datas_own_bounds(example, seed):
    x = planted_inputs(seed)
    pays = ((x.effort_scale_hours >= 200) & (x.turnover_rate <= 0.02)).to_numpy()
    box = example.find_box(x, pays)
    found = example.describe(x, pays, box)
    assert found["found"] and found["p_value"] <= 0.05 and found["density"] >= 0.8 and found["coverage"] >= 0.8
    assert set(found["restricted"]) == {"effort_scale_hours", "turnover_rate"}
    lo, hi, dlo, dhi = found["restricted"]["effort_scale_hours"]
    assert lo == pytest.approx(200, abs=25) and hi == pytest.approx(dhi) and dhi == pytest.approx(x.effort_scale_hours.max())
    lo, hi, dlo, dhi = found["restricted"]["turnover_rate"]
    assert hi == pytest.approx(0.02, abs=0.003) and lo == pytest.approx(dlo) == pytest.approx(x.turnover_rate.min())
    assert found["words"].startswith("PRIM box: coverage")


@pytest.mark.parametrize("seed", [2, 3])
def test_noise_is_reported_as_no_box(example, seed):
    x = planted_inputs(seed)
    pays = np.random.default_rng(seed + 100).random(len(x)) < 0.3
    found = example.describe(x, pays, example.find_box(x, pays))
    assert not found["found"] and found["words"].startswith("PRIM found no box") and found["restricted"] == {}
    assert found["base_rate"] == pytest.approx(pays.mean())
