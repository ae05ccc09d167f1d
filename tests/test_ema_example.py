"""docs/examples/ema_workbench_prim.py: Backbone driven from EMA Workbench, with PRIM on
its results, run small. Checks the plumbing (inputs reach the model, both arms share the
seed, PRIM returns a box), not what the box says."""

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
