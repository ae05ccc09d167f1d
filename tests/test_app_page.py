"""The Solara page, rendered in-process with ``solara.render`` (no browser): controls
exist, Step advances both twins, levers, scenario and lesson rebuild them, Play runs."""

from __future__ import annotations

import re
import time

import ipyvuetify as v
import pytest
import solara

from backbone.app.controls import LEVERS
from backbone.app.page import Layout, Page

SLIDERS = [lever.name for lever in LEVERS if not lever.choices]


@pytest.fixture
def rc():
    _, rc = solara.render(Layout(children=[Page()]), handle_error=False)
    yield rc
    pause = button(rc, "Pause", missing_ok=True)
    if pause is not None:
        pause.click()
    rc.close()


def button(rc, label, missing_ok=False):
    for b in rc.find(v.Btn).widgets:
        if label in b.children:
            return b
    if missing_ok:
        return None
    raise AssertionError(f"no button {label!r}")


def html(rc) -> str:
    """Every solara.HTML's content on the page, joined."""
    return "\n".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def block(rc, css_class: str) -> str:
    """The HTML of the block that carries ``css_class``."""
    text = html(rc)
    i = text.index(f'class="{css_class}"')
    return text[i: text.index("</svg>", i)]


def points(rc, css_class: str) -> int:
    """Points of the first line in the chart ``css_class``."""
    m = re.search(r'<polyline points="([^"]*)"', block(rc, css_class))
    return len(m.group(1).split()) if m else 0


def month(rc) -> int:
    return int(re.search(r"Month (\d+) of", html(rc)).group(1))


def slider(rc, name):
    return rc.find(v.Slider).widgets[SLIDERS.index(name)]


def test_page_renders_with_every_control(rc):
    text = html(rc)
    # the subtitle says what differs at the start (the money for a backbone) and that the rest follows
    assert "the one difference is the money for a backbone (10% of the budget)" in text
    assert "funders' budgets too, is the model's" in text
    for label in ("Play", "Step", "Reset", "pooled", "isolated", "slow", "normal", "fast"):
        button(rc, label)
    assert len(rc.find(v.Slider).widgets) == len(SLIDERS) == 6
    assert [s.label for s in rc.find(v.Select).widgets] == ["Scenario", "Lesson"]
    for lever in LEVERS:
        assert lever.label in text
    assert month(rc) == 0
    for key in ("with", "without"):
        assert f'class="bb-network-{key}"' in text and f'class="bb-feed-{key}"' in text
    assert "Balanced scorecard, month 0" in text
    assert 'class="bb-chart-funding"' in text and "bb-keys-with" in text and "bb-keys-without" in text


def test_step_advances_both_twins_together(rc):
    for _ in range(3):
        button(rc, "Step").click()
    assert month(rc) == 3
    for chart in ("bb-chart-both", "bb-chart-with", "bb-chart-without"):
        assert points(rc, chart) == 4  # month 0 and three months
    assert "Balanced scorecard, month 3" in html(rc)
    button(rc, "Reset").click()
    assert month(rc) == 0 and points(rc, "bb-chart-with") == 0


def test_moving_a_slider_rebuilds_both_twins(rc):
    button(rc, "Step").click()
    slider(rc, "n_partners").v_model = 10
    assert month(rc) == 0  # rebuilt from month 0 with the new setting
    button(rc, "Step").click()
    for key in ("with", "without"):
        network = block(rc, f"bb-network-{key}")
        assert "Builder" in network and "Health service" in network  # partners 9 and 10 of the cast
    assert "Partners at launch<b>10</b>" in html(rc)


def test_scenario_moves_the_sliders_and_lesson_shows_what_to_watch(rc):
    from backbone.app.page import scenario_title

    scenario, lesson = rc.find(v.Select).widgets
    title = scenario_title("high_turnover")
    assert "high_turnover" not in scenario.items    # the picker shows titles, not file names
    if title in scenario.items:
        turnover = slider(rc, "turnover_rate").v_model
        scenario.v_model = title
        assert slider(rc, "turnover_rate").v_model > turnover
    lesson.v_model = "A turnover wave"
    text = html(rc)
    assert "A turnover wave.</b> Month 36" in text
    assert "a turnover wave" in block(rc, "bb-chart-both")  # the lesson's month is marked


def test_play_runs_both_twins_until_paused(rc):
    button(rc, "fast").click()
    button(rc, "Play").click()
    deadline = time.time() + 60
    while month(rc) < 3 and time.time() < deadline:
        time.sleep(0.1)
    assert month(rc) >= 3
    button(rc, "Pause").click()
    time.sleep(0.5)
    stopped = month(rc)
    time.sleep(0.5)
    assert month(rc) == stopped
    assert points(rc, "bb-chart-with") == points(rc, "bb-chart-without") == stopped + 1
