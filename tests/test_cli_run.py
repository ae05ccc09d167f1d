"""End to end through the installed `backbone` command: scenarios, show, run, compare.

Each test starts the real entry point in a subprocess and asserts the exit status and
the message; runs are kept small (500 beneficiaries, 24 months, 3 replications).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulation import SCHEMA, SCORECARD, SCORECARD_METRICS
from simulation.scenarios import scenario_names

SCRIPT = Path(sys.executable).with_name("backbone")
ENTRY = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "backbone.cli.main"]
SMALL = ["--set", "n_beneficiaries=500", "months=24"]


def backbone(*args, cwd=None):
    return subprocess.run([*ENTRY, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "CI": "1"}, timeout=300)


def assert_bad_input(proc, *fragments):
    """Exit status 2, one line on stderr naming the problem, no traceback."""
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# ---------------------------------------------------------------- happy paths
def test_scenarios_lists_every_scenario_with_its_description():
    proc = backbone("scenarios")
    assert proc.returncode == 0, proc.stderr
    for name in scenario_names():
        assert f"\n{name}\n" in f"\n{proc.stdout}"
    assert "Malmö" in proc.stdout


def test_show_prints_values_units_origins_and_sources():
    proc = backbone("show", "ungas_vagar", "--set", "turnover_rate=0.04")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    line = next(l for l in lines if " value_per_outcome_year " in l)
    assert line.lstrip().startswith("*") and "375" in line and "ungas_vagar.toml" in line
    line = next(l for l in lines if " turnover_rate " in l)
    assert "--set" in line and SCHEMA["turnover_rate"].source in line
    line = next(l for l in lines if " trust_gain " in l)
    assert not line.lstrip().startswith("*") and "default" in line and SCHEMA["trust_gain"].source in line
    assert len([l for l in lines if l.startswith("  ")]) >= len(SCHEMA)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_run_prints_the_scorecard_and_writes_monthly_results(tmp_path, suffix):
    out = tmp_path / f"run{suffix}"
    proc = backbone("run", "baseline", "--seed", 4, *SMALL, "--out", out)
    assert proc.returncode == 0, proc.stderr
    for perspective in dict.fromkeys(p for p, _, _ in SCORECARD):
        assert f"\n{perspective}\n" in proc.stdout
    for metric in SCORECARD_METRICS:
        assert f"  {metric} " in proc.stdout
    df = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out)
    assert len(df) == 24 and df["month"].tolist() == list(range(1, 25))
    assert set(SCORECARD_METRICS) <= set(df.columns)
    assert (df["scenario"] == "baseline").all() and (df["seed"] == 4).all()
    assert df["impact_share"].between(0, 1).all()
    assert "sroi is gross" in proc.stdout and "backbone compare baseline" in proc.stdout


def test_compare_prints_means_and_paired_intervals_and_writes_the_table(tmp_path):
    out = tmp_path / "table.csv"
    proc = backbone("compare", "no_backbone", "baseline", "--replications", 3, "--seed", 7, *SMALL, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "seeds 7..9" in proc.stdout and "vs no_backbone" in proc.stdout
    value = proc.stdout[proc.stdout.index("VALUE (SROI"):]
    for name in ("no_backbone", "baseline"):
        row = next(l for l in value.splitlines() if l.strip().startswith(name)).split()
        gross, net = float(row[1]), float(row[2])
        assert 0 < net < gross, "net SROI deducts deadweight and attribution"
    assert "counterfactual arms run for this: no_backbone (no partnership)" in " ".join(value.split())
    line = next(l for l in proc.stdout.splitlines() if l.strip().startswith("impact_share"))
    assert "no_backbone" in line and "[" in line
    table = pd.read_csv(out)
    assert set(SCORECARD_METRICS) <= set(table["metric"])
    assert set(table["scenario"]) == {"no_backbone", "baseline"} and (table["n"] == 3).all()
    ok = table.dropna(subset=["ci_low"])
    assert ((ok["ci_low"] <= ok["mean"] + 1e-12) & (ok["mean"] <= ok["ci_high"] + 1e-12)).all()
    assert table.loc[table.scenario == "no_backbone", "diff"].isna().all()
    assert table.loc[table.scenario == "baseline", "diff"].notna().all()


def test_every_command_has_help_with_an_example():
    for command in ("scenarios", "show", "run", "compare"):
        proc = backbone(command, "--help")
        assert proc.returncode == 0 and "example" in proc.stdout and f"backbone {command}" in proc.stdout


# ---------------------------------------------------------------- bad input
def test_unknown_key_in_a_scenario_file_names_the_nearest(tmp_path):
    (tmp_path / "typo.toml").write_text('description = "x"\nfunder_patiance = 12\n')
    assert_bad_input(backbone("run", "typo.toml", cwd=tmp_path),
                     "typo.toml", "'funder_patiance'", "did you mean 'funder_patience'")


def test_out_of_range_names_field_value_and_range(tmp_path):
    (tmp_path / "big.toml").write_text('extends = "baseline"\nturnover_rate = 0.9\n')
    assert_bad_input(backbone("show", tmp_path / "big.toml"),
                     "big.toml", "turnover_rate = 0.9", SCHEMA["turnover_rate"].bounds_text())


def test_syntax_error_names_file_line_and_column(tmp_path):
    (tmp_path / "broken.toml").write_text('description = "x"\n\nmonths = = 3\n')
    assert_bad_input(backbone("run", tmp_path / "broken.toml"), "broken.toml", "line 3, column")


def test_missing_file_and_unknown_scenario(tmp_path):
    assert_bad_input(backbone("run", tmp_path / "nothing.toml"), "no such file", "nothing.toml")
    assert_bad_input(backbone("compare", "baseline", "no_backbon", "--replications", 2),
                     "unknown scenario 'no_backbon'", "did you mean 'no_backbone'")


def test_bad_set_item_is_named():
    assert_bad_input(backbone("run", "baseline", "--set", "backbone_share=0.95"),
                     "--set 'backbone_share=0.95'", "[0, 0.9]")


def test_existing_output_is_left_untouched_without_force(tmp_path):
    out = tmp_path / "keep.csv"
    out.write_text("precious\n")
    assert_bad_input(backbone("run", "baseline", *SMALL, "--out", out), "keep.csv exists", "--force")
    assert_bad_input(backbone("compare", "no_backbone", "baseline", "--replications", 2, *SMALL, "--out", out),
                     "keep.csv exists")
    assert out.read_text() == "precious\n"
    assert_bad_input(backbone("run", "baseline", "--out", tmp_path / "run.xlsx"), "run.xlsx", ".parquet or .csv")
    assert not (tmp_path / "run.xlsx").exists()
