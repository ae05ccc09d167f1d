"""Words that match the numbers (issue 24, items 2, 3 and 6).

- One definition per figure: on one small comparison (2 runs, the same seeds), a figure
  shown under one name has one value in ``backbone compare``'s text, the report and the
  app's scorecard; the run average and the pooled ratio have different names.
- Narratives state what a controlled comparison shows: planted data where runs with more
  turnover reach more impact (survivorship) give no such lesson; a principle whose cost
  exceeds the gain is never called a share of it ("0.7 of the 0.6 points").
- Plain language: the rendered report and the app's rendered HTML, for a new user's
  default scenarios, hold no parameter or metric code name (``SCHEMA``, ``METRICS``) and
  no file path; money has a named unit.
"""

from __future__ import annotations

import html as html_lib
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backbone.analysis.labels import FIGURES
from backbone.analysis.narrative import implications, why
from backbone.analysis.stats import IMPACT, Estimate
from backbone.experiments import SERIAL
from backbone.simulation import METRICS, SCHEMA, Params
from backbone.simulation.scenarios import DEFAULT_CURRENCY, load_scenario
from test_report import summary  # the planted per-run summary table (one helper for both files)

SMALL = {"months": 36, "n_beneficiaries": 600}
NAMES = ("no_backbone", "baseline")  # a new user's first comparison (README, make demo)
SEEDS = 2
SCRIPT = Path(sys.executable).with_name("backbone")
ENTRY = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "backbone.cli.main"]


def visible(page: str) -> str:
    """What a reader sees or hovers: the text of ``page`` and its title and alt attributes,
    without styles, scripts and embedded images."""
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    attrs = " ".join(m.group(2) for m in re.finditer(r"\b(title|alt)\s*=\s*[\"']([^\"']*)[\"']", page))
    text = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html_lib.unescape(text + " " + attrs))


# Code names: every parameter and metric whose name is an identifier (with "_"); names
# without one ("months", "served", "retention") are plain words in prose.
CODE_NAMES = sorted({n for n in (*SCHEMA, *METRICS) if "_" in n})
JARGON = ("I(s,B)", "[impact_share]", "ties count half", "dimension 1", "dimensions 1", "k (currency units)",
          "no_backbone", "no_partnership", "attribution_others", "benefit_duration")
PATH = re.compile(r"[\w.-]+/[\w./-]+|\.(toml|py|md|csv|parquet|json)\b")


def assert_plain(text: str, where: str) -> None:
    found = [n for n in CODE_NAMES if re.search(rf"\b{re.escape(n)}\b", text)]
    assert not found, f"{where} shows code names: {found}"
    jargon = [j for j in JARGON if j in text]
    assert not jargon, f"{where} shows jargon: {jargon}"
    path = PATH.search(text)
    assert path is None, f"{where} shows a file path: {text[max(0, path.start() - 60):path.end() + 20]!r}"


# ---------------------------------------------------------------- the runs
@pytest.fixture(scope="module")
def report() -> str:
    from backbone.analysis.report import build_report

    return build_report({n: load_scenario(n, SMALL) for n in NAMES}, replications=SEEDS, executor=SERIAL)


@pytest.fixture(scope="module")
def compare_text() -> str:
    proc = subprocess.run([*ENTRY, "compare", *NAMES, "--replications", str(SEEDS), "--seed", "0", "--set",
                           *(f"{k}={v}" for k, v in SMALL.items())],
                          capture_output=True, text=True, env={**os.environ, "CI": "1"}, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def app_boards():
    """The app at the horizon for seeds 0 and 1 on the baseline (the with-backbone twin is
    the baseline, as in ``compare``), and its rendered HTML."""
    from backbone.app import views
    from backbone.app.twins import Twins
    from backbone.app.views import board

    out = []
    for seed in range(SEEDS):
        twins = Twins(load_scenario("baseline", SMALL), seed)
        twins.step(SMALL["months"])
        y_max = board.y_axis_max(twins)
        page = "".join([board.subtitle_html(twins), board.overview_html(twins, y_max), board.keys_html(twins),
                        board.feeds_html(twins), board.scorecard_html(twins),
                        *(board.twin_panel_html(t, y_max) for t in twins.sides)])
        out.append((twins, page))
    assert views is not None
    return out


def number(text: str) -> float:
    return float(text.replace(",", "").replace("×", ""))


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def agree(a: str, b: str) -> bool:
    """Two printed numbers show the same value at the coarser of their precisions."""
    tol = 0.5 * 10 ** -min(decimals(a), decimals(b)) + 1e-9
    return abs(number(a) - number(b)) <= tol


def report_scorecard(page: str, label: str) -> list[str]:
    """The scenarios' means on the report scorecard's row named ``label``."""
    row = re.search(rf">{re.escape(label)}</td>(.*?)</tr>", page)
    assert row, label
    return re.findall(r"<td[^>]*>([-\d.,]+) <span", row.group(1))[:len(NAMES)]  # not the differences


def report_money(page: str, title: str) -> list[str]:
    """A scenario's row of the report's money table: pooled cost, gross SROI, net SROI, net cost."""
    row = re.search(rf"<tr><td class=l>{re.escape(title)}</td>(.*?)</tr>", page)
    assert row, title
    cells = re.findall(r"<td>(.*?)</td>", row.group(1))
    return [c.split(" <span")[0] for c in cells[:4]]


def compare_rows(text: str, label: str) -> list[str]:
    """The scenarios' means under ``label`` in ``compare``'s text."""
    lines = text.splitlines()
    k = next(i for i, line in enumerate(lines) if line.strip() == label)
    means = []
    for line in lines[k + 1:]:
        if not line.startswith("    ") or line.startswith("      vs"):
            if line.startswith("      vs"):
                continue
            break
        means.append(re.search(r"  ([-\d.,]+) \[", line).group(1))
    return means


def compare_value(text: str, title: str, name: str) -> str:
    block = text[text.index("VALUE (SROI"):].splitlines()
    k = next(i for i, line in enumerate(block) if line.strip() == title)
    line = next(x for x in block[k + 1:k + 4] if x.strip().startswith(name))
    return line.split(": ")[-1].split()[0]


# ---------------------------------------------------------------- item 2
def test_a_figure_has_one_value_under_one_name_in_compare_the_report_and_the_app(report, compare_text, app_boards):
    label = f"{FIGURES['cost_per_outcome'][0]} ({DEFAULT_CURRENCY})"
    sroi = f"{FIGURES['sroi'][0]} (ratio)"
    for name in (label, sroi, "with a sustained outcome now (share of the target population)"):
        got_report, got_compare = report_scorecard(report, name), compare_rows(compare_text, name)
        assert len(got_report) == len(got_compare) == 2, (name, got_report, got_compare)
        for a, b in zip(got_report, got_compare):
            assert agree(a, b), (name, a, b)
    # the pooled figures: the report's money table and compare's value section
    for title in ("Pooled fund without a backbone", "Pooled fund with a 10% backbone"):
        cost, gross, net, _ = report_money(report, title)
        assert agree(gross, compare_value(compare_text, title, FIGURES["gross_sroi_pooled"][0]))
        assert agree(net, compare_value(compare_text, title, FIGURES["net_sroi_pooled"][0]))
    # the difference of long-term impact: the findings state the scorecard's own interval
    row = re.search(r">with a sustained outcome, mean over the last 12 months \(share of the target population\)</td>"
                    r"(.*?)</tr>", report).group(1)
    diff = re.findall(r"([+-][\d.]+)", re.findall(r"<td[^>]*>(.*?)</td>", row)[-1])
    sure = visible(report)[visible(report).index("How sure the model is"):]
    lo, hi = re.search(r"\(95% CI ([+-][\d.]+) to ([+-][\d.]+)\)", sure).groups()
    # (each printed rounded: 0.1 point covers both roundings)
    assert abs(float(lo) - 100 * float(diff[1])) <= 0.1 + 1e-9 and abs(float(hi) - 100 * float(diff[2])) <= 0.1 + 1e-9, \
        (lo, hi, diff)
    # the two kinds carry two names, and the page says which the scorecard and the table show
    assert FIGURES["cost_per_outcome"][0] != FIGURES["cost_pooled"][0]
    assert f"<th>{FIGURES['cost_pooled'][0]} ({DEFAULT_CURRENCY})</th>" in report
    assert "The scorecard above shows run averages; this table pools all runs" in report
    assert "Gross SROI counts all the value people reached" in visible(report)
    # the app shows one run: its own run average; their mean over the seeds is compare's
    cards = [twins.with_backbone.scorecard() for twins, _ in app_boards]
    shown = report_scorecard(report, label)[1]  # the baseline's column
    assert agree(shown, f"{np.mean([c['cost_per_outcome'] for c in cards]):.6f}")
    assert agree(report_scorecard(report, sroi)[1], f"{np.mean([c['sroi'] for c in cards]):.6f}")
    # and the app's page prints that run's value in the scenario's money unit
    for (twins, page), card in zip(app_boards, cards):
        cell = re.search(r"<td>Cost per sustained outcome</td><td[^>]*>([\d.,]+) " + DEFAULT_CURRENCY, page)
        assert cell and agree(cell.group(1), f"{card['cost_per_outcome']:.6f}"), page[:200]


# ---------------------------------------------------------------- item 3
def test_a_correlation_across_runs_is_no_lesson():
    # planted survivorship: the runs that dissolved early had little turnover and little
    # impact; those that lasted had both
    s = summary(ev_turnover=[1, 1, 2, 9, 10, 12], dissolved_month=[20, 24, 30, 0, 0, 0],
                ev_funding_cut=[1, 1, 0, 0, 0, 0], **{IMPACT: [0.05, 0.06, 0.1, 0.4, 0.45, 0.5]})
    text = implications(Params(backbone_share=0.1), s)
    watch = text[text.index("What to watch"):]
    assert "5.8 changes of representative per run" in watch
    assert not re.search(r"more impact|less impact|\d+(\.\d)? points", watch), watch
    assert "lasts longer" in watch and "funders cut after poor results" in watch


def att(gain: float, contributions: dict[str, float], remainder: float) -> dict:
    c = pd.DataFrame({"principle": list(contributions), "value": list(contributions.values())})
    c["lo"], c["hi"] = c.value - 0.002, c.value + 0.002
    return {"gain": Estimate(gain, gain - 0.002, gain + 0.002),
            "contributions": c.sort_values("value", ascending=False).reset_index(drop=True),
            "remainder": Estimate(remainder, remainder - 0.001, remainder + 0.001)}


@pytest.mark.parametrize("gain, contributions", [
    (0.006, {"momentum": 0.007, "identity": 0.001}),            # one principle costs more than the gain
    (0.03, {"momentum": 0.01, "identity": 0.008}),               # a remainder from no single principle
    (0.02, {"momentum": 0.015, "alignment": 0.012}),             # costs that overlap
])
def test_why_never_calls_a_principle_a_share_larger_than_the_gain(gain, contributions):
    text = why(att(gain, contributions, gain - sum(contributions.values())), True)
    assert "accounts for" not in text
    for part, whole in re.findall(r"([\d.]+) of the ([\d.]+) points", text):
        assert float(part) <= float(whole), text
    if max(contributions.values()) > gain:
        assert "alone costs more than the whole gain of 0.6 points" in text
    assert "orchestration adds" in text and "same seeds" in text


# ---------------------------------------------------------------- item 6
def test_the_report_shows_no_code_names_and_no_paths(report):
    assert_plain(visible(report), "the report")
    assert f"Money in {DEFAULT_CURRENCY}" in visible(report)


def test_compare_text_shows_no_code_names_and_no_paths(compare_text):
    assert_plain(compare_text, "compare")


def test_the_app_shows_no_code_names_and_no_paths(app_boards):
    for _, page in app_boards:
        assert_plain(visible(page), "the app")
    assert re.search(rf"[\d.,]+ {DEFAULT_CURRENCY}", app_boards[0][1])  # money in a named unit


def test_every_shipped_scenario_reads_plainly_where_the_report_and_the_app_show_it():
    """Titles and descriptions reach the report's "The scenarios" and the app's picker."""
    from backbone.app.controls import LEVERS
    from backbone.app.lessons import LESSONS
    from backbone.simulation.scenarios import scenario_description, scenario_labels, scenario_names

    for name in scenario_names():
        labels = scenario_labels(name)
        assert labels["title"] != name or "_" not in name, f"{name} has no title"
        text = labels["title"] + " " + " ".join(scenario_description(name).split())
        assert_plain(text, f"scenario {name}")
        assert not re.search(rf"\b({'|'.join(n for n in scenario_names() if '_' in n)})\b", text), text
    for lesson in LESSONS:
        assert_plain(f"{lesson.title} {lesson.watch}", f"lesson {lesson.key}")
    for lever in LEVERS:
        assert_plain(lever.label, f"lever {lever.name}")


def test_a_scenario_file_without_a_title_is_named_by_its_file_name_in_words(tmp_path):
    from backbone.simulation.scenarios import scenario_labels

    path = tmp_path / "my_new_plan.toml"
    path.write_text("months = 24\n")
    labels = scenario_labels(path)
    assert labels["title"] == "my new plan" and str(tmp_path) not in labels["title"]
    assert labels["currency"] == DEFAULT_CURRENCY == "kEUR"
    assert labels["dimension_names"] == ["need A", "need B", "need C", "need D"]
