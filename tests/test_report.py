"""The board's report: findings first in plain words, display names, currency, named
need dimensions, an implications part, no file paths; and the small text helpers behind
it, on hand-made numbers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.analysis.narrative import count_text, implications, needs_words, points, to_whom, what_happened
from backbone.analysis.report_figures import goal_marks
from backbone.analysis.stats import IMPACT, Estimate
from backbone.simulation import Params
from backbone.simulation.scenarios import DEFAULT_CURRENCY, ScenarioError, scenario_labels

SMALL = {"months": 36, "n_beneficiaries": 600}


@pytest.fixture(scope="module")
def report() -> str:
    from backbone.analysis.report import build_report
    from backbone.simulation.scenarios import load_scenario

    names = ("no_backbone", "ungas_vagar")
    return build_report({n: load_scenario(n, SMALL) for n in names}, replications=2, executor=SERIAL)


def text_of(html: str) -> str:
    html = re.sub(r"<img[^>]*>", " ", html)
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_report_opens_with_findings_in_plain_words(report):
    body = text_of(report.split("<body>")[1])
    first = body[:1500]
    assert first.index("Findings") < first.index("A model, not a forecast") < first.index("What to decide")
    assert "What the model finds" in first and "How sure the model is" in first
    assert body.index("What to decide") < body.index("The scenarios") < body.index("Balanced scorecard")
    assert 'class=caveat' in report  # prominent, not small grey print


def test_the_report_uses_display_names_currency_and_need_dimension_names(report):
    body = text_of(report)
    assert "Pooled fund without a backbone" in body and "Ungas Vägar, Malmö" in body
    assert "<h3>Ungas Vägar, Malmö</h3>" in report and "<h3>ungas_vagar</h3>" not in report
    assert "<th>Pooled fund without a backbone</th>" in report  # scorecard columns
    assert ">with a sustained outcome now (share of the target population)</td>" in report  # and rows
    assert ">money spent (money units)</td>" in report  # two currencies: not one unit
    assert "kSEK" in body and DEFAULT_CURRENCY in body
    assert re.search(r"funders paid in [\d,]+ kSEK in all", body)
    to_whom_ = body[body.index("To whom:", body.index("Ungas Vägar, Malmö In")):][:600]
    assert "work, education, health and housing" in to_whom_
    assert re.search(r"needing help with (work|education|health|housing) and (work|education|health|housing)",
                     to_whom_)
    assert "dimensions 1+" not in body and not re.search(r"dimensions \d\+\d", body)


def test_the_report_has_an_implications_part_drawn_from_the_runs(report):
    body = text_of(report)
    assert body.count("Implications:") == 2  # one per scenario
    part = body[body.rindex("Implications:"):][:1200]
    assert "What would change the result" in part and "What to watch" in part
    assert re.search(r"losing .* would cost most: [\d.]+ percentage points? \(95% CI", part) or \
        "no single backbone principle" in part


def test_the_report_has_no_odd_numbers(report):
    body = text_of(report)
    assert not re.search(r"(?<![\d.])1 (percentage )?points\b", body)  # "1 points"
    assert not re.search(r"\(95% CI ([+-]?\d+) to \1\)", body)  # an interval that rounds to nothing
    assert not re.search(r"\b0\.0 (partners|times)\b", body)


def test_the_report_names_no_file_paths(report):
    body = text_of(report)
    assert not re.search(r"\w+/\w+\.md", body), re.search(r"\w+/\w+\.md", body)
    assert not re.search(r"\b[\w/]+\.py\b", body)
    assert ".toml" not in body and "ODD.md" not in body and "CLAIMS.md" not in body


# ---------------------------------------------------------------- labels in scenario files
def write(path, text):
    path.write_text(text)
    return path


def test_scenario_labels_default_and_inherit(tmp_path):
    assert scenario_labels("baseline")["title"] == "Pooled fund with a 10% backbone"
    assert scenario_labels("ungas_vagar")["currency"] == "kSEK"
    assert scenario_labels("ungas_vagar")["dimension_names"] == ["work", "education", "health", "housing"]
    child = write(tmp_path / "child.toml", 'extends = "ungas_vagar"\nmonths = 24\n')
    got = scenario_labels(child)
    assert got["title"] == "child"  # a title is the file's own, never inherited
    assert got["currency"] == "kSEK" and got["dimension_names"][0] == "work"  # these are
    plain = write(tmp_path / "plain.toml", 'months = 24\n')
    assert scenario_labels(plain) == {"title": "plain", "currency": DEFAULT_CURRENCY,
                                      "dimension_names": ["need A", "need B", "need C", "need D"]}


@pytest.mark.parametrize("line, message", [
    ("title = 3", "'title' = 3 is not allowed: expected a one-line string"),
    ('title = ""', "'title' = '' is not allowed"),
    ('currency = ["SEK"]', "'currency' = ['SEK'] is not allowed"),
    ('dimension_names = "work"', "'dimension_names' must be a list of strings"),
    ('dimension_names = ["work", 2, "x", "y"]', "'dimension_names' = 2 is not allowed"),
    ('dimension_names = ["work", "health"]', "'dimension_names' has 2 names: expected n_dimensions = 4"),
])
def test_bad_labels_are_one_line_errors_naming_the_file(tmp_path, line, message):
    from backbone.simulation.scenarios import load_scenario

    bad = write(tmp_path / "bad.toml", f'{line}\n')
    with pytest.raises(ScenarioError, match=re.escape(message)) as err:
        load_scenario(bad)
    assert "bad.toml" in str(err.value) and "\n" not in str(err.value)


# ---------------------------------------------------------------- text helpers
def test_points_shows_decimals_when_whole_points_hide_the_interval():
    assert points(Estimate(0.011, 0.008, 0.014)) == "1.1 percentage points (95% CI +0.8 to +1.4)"
    assert points(Estimate(0.01, 0.0098, 0.0102)) == "1.00 percentage point (95% CI +0.98 to +1.02)"
    assert points(Estimate(0.12, 0.08, 0.15), signed=True) == "+12 percentage points (95% CI +8 to +15)"
    assert "(95% CI +1 to +1)" not in points(Estimate(0.0104, 0.006, 0.0145))


def test_counts_read_as_words():
    assert count_text(0.0, "partner", "partners") == "no partner"
    assert count_text(0.04, "partner", "partners") == "fewer than 0.1 partners"
    assert count_text(1.0, "partner", "partners") == "1 partner"
    assert count_text(2.5, "partner", "partners") == "2.5 partners"
    assert needs_words("2+3", ["work", "education", "health", "housing"]) == "education and health"
    assert needs_words("1+2+4", ["a", "b", "c", "d"]) == "a, b and d"
    assert needs_words("2+3") == "need B and need C"


def summary(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {c: np.zeros(n) for c in ("ev_turnover", "ev_relaunch", "ev_exit", "ev_recruit", "ev_betrayal",
                                     "ev_funding_cut", "dissolved_month")}
    base.update({"seed": np.arange(n), IMPACT: np.full(n, 0.3)})
    base.update({k: np.asarray(v, float) for k, v in cols.items()})
    return pd.DataFrame(base)


def test_what_happened_says_no_partner_left_and_a_single_dissolution_s_month():
    s = what_happened(summary(ev_turnover=[3, 5, 4], dissolved_month=[0, 84, 0]))
    assert "no partner left" in s and "0.0 partners" not in s
    assert "the team was never relaunched" in s
    assert "dissolved in 1 of them (in month 84)" in s and "median" not in s
    s = what_happened(summary(dissolved_month=[60, 84, 0, 90]))
    assert "dissolved in 3 of them (75%; median month 84 over those 3 runs)" in s


def test_implications_name_the_costliest_principle_and_what_to_watch():
    att = {"contributions": pd.DataFrame({"principle": ["identity", "alignment"], "value": [0.04, 0.01],
                                          "lo": [0.02, 0.0], "hi": [0.06, 0.02]})}
    s = summary(ev_turnover=[1, 2, 8, 9], ev_funding_cut=[0, 0, 1, 2], **{IMPACT: [0.5, 0.4, 0.2, 0.1]})
    text = implications(Params(backbone_share=0.1), s, att)
    assert text.startswith("Implications: What would change the result: losing partnership identity")
    assert "4 percentage points (95% CI +2 to +6)" in text
    # what to watch: how often, never the gap between runs with more and fewer events
    assert "5 changes of representative per run" in text and "a funder cut its money in 50% of the 4 runs" in text
    assert "30.0 points" not in text and "less impact" not in text


def test_to_whom_uses_the_scenario_s_names():
    by_needs = pd.DataFrame({"needs": ["1+2", "3+4"], "dims": [2, 2], "people": [100, 100], "sustained": [50, 10]})
    s = to_whom(Params(), by_needs, ["work", "education", "health", "housing"])
    assert "50% of those needing help with work and education" in s
    assert "10% of those needing help with health and housing" in s


def test_the_goal_never_sets_the_impact_chart_s_range():
    ymax, inside, above = goal_marks(12.0, [0.7, 0.7])
    assert ymax == pytest.approx(15.0) and inside == [] and above == [0.7]
    ymax, inside, above = goal_marks(80.0, [0.7])
    assert ymax == 100.0 and inside == [0.7] and above == []
