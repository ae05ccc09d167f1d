"""Lessons: presets that each set up one teachable moment, with a sentence of what to
watch.

A lesson is a small change, made identically in both twins: parameter overrides (set
before month 1, shown on the sliders) and, for a shock, an intervention at the start of
one month. An intervention calls the same compiled function the monthly kernel calls when
its draw makes the event happen (``simulation.kernels.interventions``), between two
steps; the function logs the event in the model's own event log, so the feed, the counts
and the scorecard see it:

- ``turnover_wave``: every other launch partner's representative leaves at once
  (``replace_representative``; the turnover counts rise, so a backbone's relaunch rule
  sees them).
- ``funder_pulls_out``: a funder stops paying (``funder_leaves``, as a ``funder_exit``
  after a review).
- ``press_release``: a partner claims the shared results in a press release without
  permission (``claim_credit``, a betrayal).

The same slots and funders are hit in both twins; what each twin does next is the
model's. The consequences depend on each twin's own state (its onboarding effort, its
trust): that is the lesson.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from backbone.simulation.kernels.interventions import claim_credit, funder_leaves, replace_representative
from backbone.simulation.state import EVENT_CODES


def _record(model):
    return model.params.to_record()


def turnover_wave(model, every: int = 2) -> list[int]:
    """Every ``every``-th launch partner's representative leaves now (slots 0, 2, 4...),
    by the turnover kernel's own rule. Returns the slots hit (active ones only)."""
    P, st = _record(model), model.state
    hit = [i for i in range(0, model.params.n_partners, every) if st.partners.active[i]]
    for i in hit:
        replace_representative(P, st, i)
    return hit


def funder_pulls_out(model, funder: int = 0) -> list[int]:
    """Funder ``funder`` stops paying now (a ``funder_exit``, as after a review). Returns
    [funder] if it was still paying."""
    fu = model.state.funders
    if funder >= fu.active.shape[0] or not fu.active[funder]:
        return []
    funder_leaves(model.state, funder, float(EVENT_CODES["funder_exit"]), float(fu.level[funder]), 0.0)
    return [funder]


def press_release(model, slot: int = 1) -> list[int]:
    """Partner ``slot`` claims the shared results as its own (a betrayal, by the trust
    kernel's own rule). Returns [slot] if it was still a member."""
    pt = model.state.partners
    if slot >= pt.active.shape[0] or not pt.active[slot]:
        return []
    claim_credit(_record(model), model.state, slot)
    return [slot]


@dataclass(frozen=True)
class Lesson:
    """A preset: ``overrides`` (parameters, set before month 1) and, optionally, an
    ``action`` applied to both twins at the start of month ``month``."""

    key: str
    title: str
    watch: str
    overrides: dict[str, Any] = field(default_factory=dict)
    month: int | None = None
    action: Callable[..., list[int]] | None = None
    announce: str = ""

    def due(self, next_month: int) -> bool:
        """Whether the action is due before stepping into ``next_month`` (1-based)."""
        return self.action is not None and self.month == next_month

    def apply(self, model) -> list[int]:
        """Apply the action to one model; what it hit (slots or funders)."""
        return self.action(model) if self.action is not None else []


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "turnover_wave", "A turnover wave",
        "Month 36: half the partners' representatives leave at once, in both partnerships. "
        "Watch the trust network and the feed: with a backbone, onboarding softens the loss and a "
        "relaunch follows; without one, trust has to be rebuilt one meeting at a time.",
        month=36, action=turnover_wave,
        announce="half the partners' representatives leave at once, in both partnerships."),
    Lesson(
        "funder_pulls_out", "A funder pulls out",
        "Month 36: the family foundation, one of the funders, stops paying, in both partnerships. "
        "Watch the finance rows of the scorecard and the other funders' reviews: does the impact story "
        "keep the rest on board?",
        month=36, action=funder_pulls_out,
        announce="the family foundation stops paying, in both partnerships."),
    Lesson(
        "press_release", "A press release without permission",
        "Month 30: the retailer announces the shared results as its own, in both partnerships. "
        "Watch the retailer's edges in the trust network and its commitment: how fast does trust "
        "come back, and does anyone leave?",
        month=30, action=press_release,
        announce="the retailer puts out a press release claiming the shared results, in both partnerships."),
    Lesson(
        "impatient_money", "Impatient money",
        "Funders review after one year instead of two. Watch the feed for funding cuts in the first "
        "years and the people with a sustained outcome: short-term money buys little lasting change.",
        overrides={"funder_patience": 12}),
)
LESSONS_BY_KEY = {lesson.key: lesson for lesson in LESSONS}


def get_lesson(key: str | None) -> Lesson | None:
    """The lesson named ``key`` (None for none); a one-line error for an unknown key."""
    if key in (None, "", "none"):
        return None
    if key not in LESSONS_BY_KEY:
        raise ValueError(f"lesson = {key!r} is not allowed: expected one of {', '.join(LESSONS_BY_KEY)}")
    return LESSONS_BY_KEY[key]


__all__ = ["Lesson", "LESSONS", "LESSONS_BY_KEY", "get_lesson", "turnover_wave", "funder_pulls_out",
           "press_release"]
