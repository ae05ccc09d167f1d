"""The trainer's page: two partnerships, with and without a backbone, side by side, live.

Run it with ``backbone app`` (or ``solara run backbone.app.page``). The page holds one
``Twins`` per browser tab and drives both twins with one set of controls: Play, Pause,
Step and Reset; the levers, the scenario and the lesson rebuild the twins from month 0
(with the same seed), and keep playing if they were.

Why not Mesa's SolaraViz alone: SolaraViz drives one model with one parameter panel;
here one controller must drive two models in lockstep, a scenario pick must move the
sliders, and a lesson must act on both twins mid-run. So the page is plain Solara
components around two ``PartnershipModel``s; the views are SVG/HTML text
(``backbone.app.views``), which keeps a month of both twins, rendered, well under 100 ms
(bench/bench_app.py).

Playing runs as a Solara task in a worker thread: one month, one render, then a pause set
by the speed; a newer run (new twins, a new speed) takes over from an older one.
"""

from __future__ import annotations

import time

import solara
import solara.lab

from backbone.simulation import ParameterError

from . import views
from .controls import LEVER_NAMES, LEVERS, lever_values, scenario_base, scenario_choices, twin_params
from .lessons import LESSONS, get_lesson
from .twins import Twins
from .views import board

SPEEDS = {"slow": 0.9, "normal": 0.35, "fast": 0.08}  # seconds per month while playing
NO_LESSON = "No lesson"
LESSON_TITLES = {lesson.title: lesson.key for lesson in LESSONS}


TEAL = "#0f766e"


def default_scenario(choices: list[tuple[str, str]]) -> str:
    names = [n for n, _ in choices]
    return "baseline" if "baseline" in names else names[0]


@solara.component
def LeverInput(lever, value, on_value):
    """One lever: its label and value on a line, then a slider (or a toggle for a choice)."""
    solara.HTML(tag="div", classes=["bb-lever"],
                unsafe_innerHTML=f"{lever.label}<b>{lever.text(value)}</b>")
    if lever.choices:
        solara.ToggleButtonsSingle(value=value, values=list(lever.choices), on_value=on_value, dense=True,
                                   style={"margin-bottom": "8px"})
        return
    lo, hi = lever.bounds(value)
    if lever.kind == "int":
        solara.SliderInt("", value=int(value), min=int(lo), max=int(hi), step=int(lever.step),
                         on_value=on_value, thumb_label=False)
    else:
        solara.SliderFloat("", value=float(value), min=float(lo), max=float(hi), step=lever.step,
                           on_value=on_value, thumb_label=False)


@solara.component
def Controls(scenario, levers, lesson_key, seed, choices):
    """The sidebar: scenario, lesson, levers, seed."""
    descriptions = dict(choices)

    def pick_scenario(name):
        scenario.set(name)
        values = lever_values(scenario_base(name))
        lesson = get_lesson(lesson_key.value)
        if lesson is not None:
            values.update({k: v for k, v in lesson.overrides.items() if k in LEVER_NAMES})
        levers.set(values)

    def pick_lesson(title):
        key = LESSON_TITLES.get(title, "none")
        lesson_key.set(key)
        lesson = get_lesson(key)
        values = lever_values(scenario_base(scenario.value))
        if lesson is not None:
            values.update({k: v for k, v in lesson.overrides.items() if k in LEVER_NAMES})
        levers.set(values)

    def set_lever(name):
        def on_value(value):
            levers.set({**levers.value, name: value})
        return on_value

    solara.Select("Scenario", values=[n for n, _ in choices], value=scenario.value, on_value=pick_scenario)
    solara.HTML(tag="div", unsafe_innerHTML=descriptions.get(scenario.value, ""), classes=["bb-scenario-text"])
    lesson = get_lesson(lesson_key.value)
    solara.Select("Lesson", values=[NO_LESSON] + list(LESSON_TITLES),
                  value=lesson.title if lesson else NO_LESSON, on_value=pick_lesson)
    if lesson is not None:
        solara.HTML(tag="div", unsafe_innerHTML=lesson.watch, classes=["bb-lesson-text"])
    for lever in LEVERS:
        LeverInput(lever, levers.value[lever.name], set_lever(lever.name))
    solara.InputInt("Seed (the same for both twins)", value=seed, continuous_update=False)


@solara.component
def TransportBar(twins: Twins | None, month: int, playing, speed, on_step, on_reset):
    """Play/Pause, Step, Reset, the month and the speed: one set of controls for both
    twins."""
    running = twins is not None and twins.running
    total = twins.months if twins else 0
    with solara.Div(classes=["bb-card", "bb-transport"]):
        with solara.Row(classes=["bb-bar"], style={"align-items": "center"}):
            solara.Button("Pause" if playing.value else "Play", icon_name="mdi-pause" if playing.value else "mdi-play",
                          color=TEAL, dark=True, on_click=lambda: playing.set(not playing.value), disabled=not running,
                          style={"min-width": "120px"})
            solara.Button("Step", icon_name="mdi-step-forward", on_click=on_step, outlined=True,
                          disabled=playing.value or not running)
            solara.Button("Reset", icon_name="mdi-restore", on_click=on_reset, outlined=True)
            solara.HTML(tag="div", unsafe_innerHTML=f"Month {month} of {total}", classes=["bb-month-now"])
            solara.HTML(tag="div", unsafe_innerHTML="speed", classes=["bb-small"])
            solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS), dense=True)
        solara.ProgressLinear(value=100 * month / total if total else 0, color=TEAL)


@solara.component
def Board(twins: Twins | None, error: str | None, tick, playing, speed, lesson_key, on_step, on_reset):
    """Everything that changes month by month. It alone reads ``tick``, so a step
    re-renders the board and leaves the sidebar alone."""
    tick.value  # noqa: B018  (reading subscribes: each step re-renders the board)
    month = twins.month if twins else 0
    TransportBar(twins, month, playing, speed, on_step, on_reset)
    lesson = get_lesson(lesson_key.value)
    if lesson is not None:
        solara.HTML(tag="div", classes=["bb-watch"], unsafe_innerHTML=f"<b>{lesson.title}.</b> {lesson.watch}")
    if twins is None:
        solara.Error(f"Cannot build the twins: {error}")
        return
    y_max = board.y_axis_max(twins)
    marker = lesson.month if lesson is not None and lesson.month else None
    # The top: what a room must see without scrolling on a 1280x720 projector: the
    # outcome and funding charts, both twins' key numbers, both feeds.
    with solara.Columns([3, 2], classes=["bb-top"]):
        solara.HTML(tag="div", unsafe_innerHTML=board.overview_html(twins, y_max, marker,
                                                                    lesson.title.lower() if marker else ""))
        with solara.Column(gap="0px"):
            solara.HTML(tag="div", unsafe_innerHTML=board.keys_html(twins))
            solara.HTML(tag="div", unsafe_innerHTML=board.feeds_html(twins))
    with solara.Columns([1, 1]):
        for twin in twins.sides:
            solara.HTML(tag="div", unsafe_innerHTML=board.twin_panel_html(twin, y_max, marker))
    solara.HTML(tag="div", unsafe_innerHTML=board.scorecard_html(twins))


@solara.component
def Page():
    """The whole page; the state of one browser tab lives here."""
    choices = solara.use_memo(scenario_choices, [])
    scenario = solara.use_reactive(default_scenario(choices))
    lesson_key = solara.use_reactive("none")
    levers = solara.use_reactive(solara.use_memo(lambda: lever_values(scenario_base(scenario.value)), []))
    seed = solara.use_reactive(1)
    speed = solara.use_reactive("normal")
    playing = solara.use_reactive(False)
    resets = solara.use_reactive(0)
    tick = solara.use_reactive(0)

    def build():
        try:
            lesson = get_lesson(lesson_key.value)
            base = scenario_base(scenario.value)
            p = twin_params(base, levers.value, lesson.overrides if lesson else None)
            p0 = None
            if lesson is not None and lesson.overrides:
                # the lesson's counterfactual: the levers it moved back at the scenario's values
                plain = lever_values(base)
                p0 = twin_params(base, {k: (plain[k] if k in lesson.overrides else v)
                                        for k, v in levers.value.items()})
            return Twins(p, seed.value, lesson, without_lesson=p0), None
        except (ParameterError, ValueError, KeyError) as exc:
            return None, str(exc)

    twins, error = solara.use_memo(build, [scenario.value, lesson_key.value, tuple(sorted(levers.value.items())),
                                           seed.value, resets.value])

    def play():
        # Runs in a worker thread; stops when paused, at the horizon, or when a newer run
        # (new twins, a new speed) has taken over.
        while playing.value and twins is not None and twins.running and task.is_current():
            start = time.perf_counter()
            twins.step()
            tick.set(tick.value + 1)
            time.sleep(max(0.0, SPEEDS[speed.value] - (time.perf_counter() - start)))
        if task.is_current() and playing.value and (twins is None or not twins.running):
            playing.set(False)

    task = solara.lab.use_task(play, dependencies=[playing.value, twins, speed.value])

    def step():
        if twins is not None:
            twins.step()
            tick.set(tick.value + 1)

    def reset():
        playing.set(False)
        resets.set(resets.value + 1)

    solara.Style(views.CSS)
    solara.Title("Backbone: the same partnership, with and without a backbone")
    with solara.Sidebar():
        Controls(scenario, levers, lesson_key, seed, choices)
    with solara.Column(classes=["bb-page"], gap="0px"):
        if twins is not None:
            solara.HTML(tag="div", classes=["bb-sub"], unsafe_innerHTML=board.subtitle_html(twins))
        Board(twins, error, tick, playing, speed, lesson_key, step, reset)


@solara.component
def Layout(children=[]):  # noqa: B006  (Solara's signature for an app's layout)
    """Solara's app layout (app bar, sidebar) in the page's colours."""
    solara.AppLayout(children=children, color="#134e4a")


page = Page

__all__ = ["Page", "page", "Layout", "Board", "Controls", "TransportBar", "SPEEDS"]
