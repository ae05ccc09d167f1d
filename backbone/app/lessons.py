"""Lessons: presets that each set up one teachable moment, with a sentence of what to
watch.

A lesson is a small change, made identically in both twins: parameter overrides (set
before month 1, shown on the sliders) and, for a shock, an intervention at the start of
one month. An intervention writes into the model's state arrays between two steps, from
the app layer, following the rules of the kernel that would have produced the same
event, and logs the event in the model's own event log so the feed, the counts and the
scorecard see it:

- ``turnover_wave``: every other launch partner's representative leaves at once. As in
  ``simulation.kernels.membership.turnover``: the others' trust in the successor loses
  ``turnover_trust_loss x (1 - onboarding effort)``, knowledge falls back to the
  newcomer's plus what onboarding saves; the turnover counts rise (so a backbone's
  relaunch rule sees them).
- ``funder_pulls_out``: a funder stops paying (as a ``funder_exit`` after a review).
- ``press_release``: a partner claims the shared results in a press release without
  permission: a betrayal as in ``simulation.kernels.trust.trust`` (every trust in it
  takes a full negative signal; its reputation ceiling drops).

The same slots and funders are hit in both twins; what each twin does next is the
model's. The consequences depend on each twin's own state (its onboarding effort, its
trust): that is the lesson.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from backbone.simulation.state import EVENT_CODES


def _log(model, code: str, a: int, v1: float, v2: float) -> None:
    """Append one row to the model's event log (as the kernels' ``log_event`` does)."""
    st = model.state
    w = st.world[0]
    n = int(w["n_events"])
    if n < st.events.rows.shape[0]:
        st.events.rows[n] = (w["month"], EVENT_CODES[code], a, -1, v1, v2)
        w["n_events"] = n + 1
    else:
        w["dropped_events"] += 1


def _partner_trust(model, i: int) -> float:
    """Mean trust between partner i and the other active partners."""
    pt = model.state.partners
    others = pt.active.copy()
    others[i] = False
    return float(model.state.trust[i, others].mean()) if others.any() else 0.0


def turnover_wave(model, every: int = 2) -> list[int]:
    """Every ``every``-th launch partner's representative leaves now (slots 0, 2, 4...).
    Returns the slots hit (active ones only)."""
    p, st = model.params, model.state
    pt, w = st.partners, st.world[0]
    onboard = float(w["effort_coordination"]) * p.onboarding
    loss = p.turnover_trust_loss * (1.0 - onboard)
    hit = []
    for i in range(0, p.n_partners, every):
        if not pt.active[i]:
            continue
        before = _partner_trust(model, i)
        others = pt.active.copy()
        others[i] = False
        st.trust[i, others] *= 1.0 - loss
        st.trust[others, i] = st.trust[i, others]
        kn = p.newcomer_knowledge + onboard * (pt.knowledge[i] - p.newcomer_knowledge)
        pt.knowledge[i] = max(kn, p.newcomer_knowledge)
        pt.tenure[i] = 0
        pt.reps[i] += 1
        w["turnover_since_launch"] += 1.0
        w["turnovers"] += 1.0
        _log(model, "turnover", i, before, _partner_trust(model, i))
        hit.append(i)
    return hit


def funder_pulls_out(model, funder: int = 0) -> list[int]:
    """Funder ``funder`` stops paying now. Returns [funder] if it was still paying."""
    fu = model.state.funders
    if funder >= fu.active.shape[0] or not fu.active[funder]:
        return []
    level = float(fu.level[funder])
    fu.active[funder] = False
    _log(model, "funder_exit", funder, level, 0.0)
    return [funder]


def press_release(model, slot: int = 1) -> list[int]:
    """Partner ``slot`` claims the shared results as its own (a betrayal). Returns
    [slot] if it was still a member."""
    p, st = model.params, model.state
    pt, w = st.partners, st.world[0]
    if slot >= pt.active.shape[0] or not pt.active[slot]:
        return []
    amplify = 1.0 + p.trust_dependence * float(w["integration"])
    before = _partner_trust(model, slot)
    others = pt.active.copy()
    others[slot] = False
    t = st.trust[slot, others]
    st.trust[slot, others] = np.maximum(0.0, t - p.trust_loss * t * amplify)
    st.trust[others, slot] = st.trust[slot, others]
    pt.ceiling[slot] = max(0.0, pt.ceiling[slot] - p.reputation_damage)
    w["betrayals"] += 1.0
    _log(model, "betrayal", slot, before, _partner_trust(model, slot))
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
