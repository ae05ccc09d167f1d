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

Memory: a session's models are freed when it closes or rebuilds its twins (Mesa's agent
registry keys them weakly, ``simulation._mesa``), and a few seconds after a close the
free memory is handed back to the system (``backbone.app.memory``). A session whose page
disconnected without closing is culled after 30 minutes (``backbone app``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Mapping

import solara
import solara.lab

from backbone.simulation import ParameterError

from . import views
from .controls import LEVER_NAMES, LEVERS, lever_values, scenario_base, scenario_choices, twin_params
from .lessons import LESSONS, get_lesson
from .memory import on_session_start
from .twins import Twins
from .views import board

SPEEDS = {"slow": 0.9, "normal": 0.35, "fast": 0.08}  # seconds per month while playing
NO_LESSON = "No lesson"
LESSON_TITLES = {lesson.title: lesson.key for lesson in LESSONS}


TEAL = "#0f766e"

solara.lab.on_kernel_start(on_session_start)   # a closed session's memory goes back to the system (app.memory)


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


@dataclass(frozen=True)
class AppState:
    """What a trainer has chosen in one browser tab: the scenario, the lesson (its key;
    None: no lesson), the levers, the seed, the speed, whether the twins play, and how
    many times Reset was pressed (a new build from month 0). Immutable: each choice is a
    new state (``change``). The twins are built from it (``Page``); the month they have
    reached is the page's one other reactive value, set by whoever steps them."""

    scenario: str
    levers: tuple[tuple[str, Any], ...]
    lesson: str | None = None
    seed: int = 1
    speed: str = "normal"
    playing: bool = False
    resets: int = 0

    @property
    def lever_values(self) -> dict[str, Any]:
        return dict(self.levers)

    def with_levers(self, values: Mapping[str, Any]) -> "AppState":
        return replace(self, levers=tuple(sorted(values.items())))

    def build_key(self) -> tuple:
        """What the twins depend on: a change rebuilds them from month 0."""
        return (self.scenario, self.lesson, self.levers, self.seed, self.resets)


def initial_state(choices: list[tuple[str, str]]) -> AppState:
    name = default_scenario(choices)
    return AppState(name, tuple(sorted(lever_values(scenario_base(name)).items())))


def lesson_levers(scenario: str, lesson_key: str | None) -> dict[str, Any]:
    """The levers of a scenario, with those a lesson sets moved to its values."""
    values = lever_values(scenario_base(scenario))
    lesson = get_lesson(lesson_key)
    if lesson is not None:
        values.update({k: v for k, v in lesson.overrides.items() if k in LEVER_NAMES})
    return values


def scenario_title(name: str) -> str:
    """The scenario's display title (its file's ``title``; the name for the defaults)."""
    from backbone.simulation.scenarios import ScenarioError, scenario_labels

    try:
        return scenario_labels(name)["title"]
    except ScenarioError:
        return name


def scenario_currency(name: str) -> str:
    """The scenario's money unit (its file's ``currency``; the default unit otherwise)."""
    from backbone.simulation.scenarios import DEFAULT_CURRENCY, ScenarioError, scenario_labels

    try:
        return scenario_labels(name)["currency"]
    except ScenarioError:
        return DEFAULT_CURRENCY


def build_twins(state: AppState) -> tuple[Twins | None, str | None]:
    """The twins of a state (month 0), or None and why not."""
    try:
        lesson = get_lesson(state.lesson)
        base = scenario_base(state.scenario)
        levers = state.lever_values
        p = twin_params(base, levers, lesson.overrides if lesson else None)
        p0 = None
        if lesson is not None and lesson.overrides:
            # the lesson's counterfactual: the levers it moved back at the scenario's values
            plain = lever_values(base)
            p0 = twin_params(base, {k: (plain[k] if k in lesson.overrides else v) for k, v in levers.items()})
        return Twins(p, state.seed, lesson, without_lesson=p0, currency=scenario_currency(state.scenario)), None
    except (ParameterError, ValueError, KeyError) as exc:
        return None, str(exc)


@solara.component
def Controls(state, choices):
    """The sidebar: scenario, lesson, levers, seed."""
    descriptions = dict(choices)
    now = state.value

    def change(**kw):
        state.set(replace(state.value, **kw))

    def pick_scenario(name):
        state.set(replace(state.value, scenario=name).with_levers(lesson_levers(name, state.value.lesson)))

    def pick_lesson(title):
        key = LESSON_TITLES.get(title)   # None: "No lesson"
        state.set(replace(state.value, lesson=key).with_levers(lesson_levers(state.value.scenario, key)))

    def set_lever(name):
        def on_value(value):
            state.set(state.value.with_levers({**state.value.lever_values, name: value}))
        return on_value

    titles = {n: scenario_title(n) for n, _ in choices}   # the trainer picks by title, not file name
    names = {t: n for n, t in titles.items()}
    solara.Select("Scenario", values=list(names), value=titles.get(now.scenario, now.scenario),
                  on_value=lambda title: pick_scenario(names.get(title, title)))
    solara.HTML(tag="div", unsafe_innerHTML=descriptions.get(now.scenario, ""), classes=["bb-scenario-text"])
    lesson = get_lesson(now.lesson)
    solara.Select("Lesson", values=[NO_LESSON] + list(LESSON_TITLES),
                  value=lesson.title if lesson else NO_LESSON, on_value=pick_lesson)
    if lesson is not None:
        solara.HTML(tag="div", unsafe_innerHTML=lesson.watch, classes=["bb-lesson-text"])
    levers = now.lever_values
    for lever in LEVERS:
        LeverInput(lever, levers[lever.name], set_lever(lever.name))
    solara.InputInt("Seed (the same for both twins)", value=now.seed, on_value=lambda v: change(seed=v),
                    continuous_update=False)


@solara.component
def TransportBar(twins: Twins | None, month: int, state, on_step, on_reset):
    """Play/Pause, Step, Reset, the month and the speed: one set of controls for both
    twins."""
    running = twins is not None and twins.running
    total = twins.months if twins else 0
    playing = state.value.playing
    with solara.Div(classes=["bb-card", "bb-transport"]):
        with solara.Row(classes=["bb-bar"], style={"align-items": "center"}):
            solara.Button("Pause" if playing else "Play", icon_name="mdi-pause" if playing else "mdi-play",
                          color=TEAL, dark=True, disabled=not running, style={"min-width": "120px"},
                          on_click=lambda: state.set(replace(state.value, playing=not state.value.playing)))
            solara.Button("Step", icon_name="mdi-step-forward", on_click=on_step, outlined=True,
                          disabled=playing or not running)
            solara.Button("Reset", icon_name="mdi-restore", on_click=on_reset, outlined=True)
            solara.HTML(tag="div", unsafe_innerHTML=f"Month {month} of {total}", classes=["bb-month-now"])
            solara.HTML(tag="div", unsafe_innerHTML="speed", classes=["bb-small"])
            solara.ToggleButtonsSingle(value=state.value.speed, values=list(SPEEDS), dense=True,
                                       on_value=lambda v: state.set(replace(state.value, speed=v)))
        solara.ProgressLinear(value=100 * month / total if total else 0, color=TEAL)


@solara.component
def Board(twins: Twins | None, error: str | None, month, state, on_step, on_reset):
    """Everything that changes month by month. It alone reads ``month`` (set to the
    twins' month after each step), so a step re-renders the board and leaves the
    sidebar alone."""
    month.value  # noqa: B018  (reading subscribes: each step re-renders the board)
    TransportBar(twins, twins.month if twins else 0, state, on_step, on_reset)
    lesson = get_lesson(state.value.lesson)
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
def Typicality(state, twins: Twins | None):
    """How typical the pair is: this seed's backbone effect among ``typical.SEEDS`` seeds
    of the same settings (a percentile), computed in a worker thread and cached per
    parameter set, and a button that switches to the seed nearest the median effect."""
    from . import typical

    now = state.value
    params = twins.params if twins is not None else None
    lesson = get_lesson(now.lesson)
    key = None if params is None else (typical.cache_key(params, lesson), now.seed)

    def compute():
        if params is None:
            return None
        effects = typical.cached_effects(params, now.seed, lesson, stop=lambda: not task.is_current())
        return None if effects is None else typical.standing(now.seed, effects)

    task = solara.lab.use_task(compute, dependencies=[key])
    if params is None:   # no twins (a bad setting): nothing to compare
        return
    with solara.Div(classes=["bb-typical"]):
        solara.HTML(tag="div", classes=["bb-lever"], unsafe_innerHTML="<b>How typical is this pair?</b>")
        result = task.value if task.finished else None
        if result is None:
            solara.HTML(tag="div", classes=["bb-small", "bb-typical-text"],
                        unsafe_innerHTML=f"Comparing with {len(typical.SEEDS)} other seeds of the same "
                                         "settings, in the background...")
            return
        solara.HTML(tag="div", classes=["bb-small", "bb-typical-text"], unsafe_innerHTML=result.words(lesson.title if lesson else None))
        solara.Button("Typical seed", icon_name="mdi-scale-balance", outlined=True,
                      disabled=result.typical_seed == now.seed,
                      on_click=lambda: state.set(replace(state.value, seed=result.typical_seed, playing=False)))
        if result.typical_seed != now.seed:
            solara.HTML(tag="div", classes=["bb-small"],
                        unsafe_innerHTML=f"seed {result.typical_seed}: a difference near the median")


@solara.component
def Page():
    """The whole page; the state of one browser tab lives here: the trainer's choices
    (``AppState``) and the twins' month."""
    choices = solara.use_memo(scenario_choices, [])
    state = solara.use_reactive(solara.use_memo(lambda: initial_state(choices), []))
    month = solara.use_reactive(0)
    now = state.value
    twins, error = solara.use_memo(lambda: build_twins(now), [now.build_key()])

    def stepped() -> None:
        month.set(twins.month if twins is not None else 0)

    def play():
        # Runs in a worker thread; stops when paused, at the horizon, or when a newer run
        # (new twins, a new speed) has taken over.
        while state.value.playing and twins is not None and twins.running and task.is_current():
            start = time.perf_counter()
            twins.step()
            stepped()
            time.sleep(max(0.0, SPEEDS[state.value.speed] - (time.perf_counter() - start)))
        if task.is_current() and state.value.playing and (twins is None or not twins.running):
            state.set(replace(state.value, playing=False))

    task = solara.lab.use_task(play, dependencies=[now.playing, twins, now.speed])
    solara.use_effect(stepped, [twins])   # new twins: their month (0)

    def step():
        if twins is not None:
            twins.step()
            stepped()

    def reset():
        state.set(replace(state.value, playing=False, resets=state.value.resets + 1))

    solara.Style(views.CSS)
    solara.Title("Backbone: the same partnership, with and without a backbone")
    with solara.Sidebar():
        Controls(state, choices)
        Typicality(state, twins)
    with solara.Column(classes=["bb-page"], gap="0px"):
        if twins is not None:
            solara.HTML(tag="div", classes=["bb-sub"], unsafe_innerHTML=board.subtitle_html(twins))
        Board(twins, error, month, state, step, reset)


@solara.component
def Layout(children=[]):  # noqa: B006  (Solara's signature for an app's layout)
    """Solara's app layout (app bar, sidebar) in the page's colours."""
    solara.AppLayout(children=children, color="#134e4a")


page = Page

__all__ = ["Page", "page", "Layout", "Board", "Controls", "TransportBar", "Typicality", "AppState", "SPEEDS"]
