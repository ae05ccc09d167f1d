"""`backbone claims` and `backbone report` through the real entry point."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def backbone(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "backbone.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=600)


def one_line_error(res, text):
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert text in lines[0], lines[0]


def test_help_has_examples():
    for cmd in ("claims", "report"):
        res = backbone(cmd, "--help")
        assert res.returncode == 0 and "example" in res.stdout and f"backbone {cmd}" in res.stdout


@pytest.mark.parametrize("args, text", [
    (("claims", "--only", "nope"), "not a claim"),
    (("claims", "--workers", "0"), "--workers 0"),
    (("claims", "--out", "no/such/folder/x"), "does not exist"),
    (("report", "no_such_scenario"), "no_such_scenario"),
    (("report", "baseline", "--out", "x.txt"), "use a file name ending in .html"),
    (("report", "baseline", "--replications", "1"), "--replications 1"),
    (("report", "baseline", "baseline"), "given twice"),
])
def test_bad_input_is_one_line(args, text):
    one_line_error(backbone(*args), text)


def test_quick_claim_through_the_cli(tmp_path):
    out = tmp_path / "claims"
    res = backbone("claims", "--quick", "--only", "population", "--workers", "1", "--no-progress",
                   "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "Beneficiaries must be involved" in res.stdout
    assert re.search(r"VERDICT: (SUPPORTED|EXCEEDED|FELL SHORT|DEPENDS)", res.stdout)
    assert re.search(r"\d+ runs in \d+ s", res.stdout)
    assert re.search(r"where: (no box|holds (where|across)|no box reaches)", res.stdout)
    for name in ("verdicts.csv", "verdicts.md", "population.png"):
        assert (out / name).stat().st_size > 0
    one_line_error(backbone("claims", "--only", "population", "--out", str(out)), "pass --force")


def test_report_is_self_contained(tmp_path):
    out = tmp_path / "board.html"
    res = backbone("report", "no_backbone", "baseline", "--replications", "2", "--workers", "1",
                   "--no-progress", "--out", str(out))
    assert res.returncode == 0, res.stderr
    html = out.read_text()
    assert html.count("data:image/png;base64,") >= 3  # impact over time, money, attribution
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", html)
    for text in ("Balanced scorecard", "Impact over time", "payoff ratio", "To whom", "Why:", "SROI"):
        assert text in html
    assert "principle" in html.split("<h3>Pooled fund with a 10% backbone</h3>")[1]  # the why of the backbone scenario
    one_line_error(backbone("report", "baseline", "--out", str(out)), "pass --force")
