"""The event feed: what happened each month, in plain words, from the event log and the
state.

The model logs events as numbers (``simulation.EVENT_TYPES``: a turnover in slot 1 with
its mean trust before and after). The room needs sentences::

    Month 14: The retailer's representative left; trust with the city fell from 0.61 to 0.32.
    Month 15: The backbone relaunched the team after 25% of its members had turned over.

``describe_month`` turns one month's events into ``FeedItem``s. Names come from the
caller (slot -> partner name; funders by index, see ``backbone.app.cast``). For a
turnover, when the trust matrix before and after the month is given, the sentence names
the partner whose trust with the leaver fell most, with both values; otherwise it gives
the leaver's mean trust before and after, as logged. ``milestones`` adds sentences from
the state: the share of the target population with a sustained outcome crossing a
tenth. Every number in a sentence is a value from the log or the state, rounded.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping, NamedTuple

import numpy as np

from backbone.simulation import EVENT_TYPES, PHASES

from ..cast import funder_name, possessive, spoken


class Event(NamedTuple):
    """One row of the event log, as ``Result.events`` has it (month is 1-based)."""

    month: int
    event: str
    a: int
    b: int
    v1: float
    v2: float


class FeedItem(NamedTuple):
    """One line of the feed. ``tone``: good, bad, neutral or lesson (for colour)."""

    month: int
    text: str
    tone: str
    event: str

    @property
    def sentence(self) -> str:
        return f"Month {self.month}: {self.text[:1].upper()}{self.text[1:]}"


def read_events(rows: np.ndarray, start: int, stop: int) -> list[Event]:
    """Rows ``start:stop`` of a raw event log (``state.events.rows``: month 0-based,
    type code, a, b, v1, v2) as ``Event``s with 1-based months."""
    return [Event(int(r[0]) + 1, EVENT_TYPES[int(r[1])], int(r[2]), int(r[3]), float(r[4]), float(r[5]))
            for r in rows[start:stop]]


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _trust_drop(a: int, before: np.ndarray | None, after: np.ndarray | None, names: Mapping[int, str]):
    """The partner whose trust with ``a`` fell most over the month: (name, before, after),
    or None when the matrices are missing or nothing fell."""
    if before is None or after is None:
        return None
    drop = before[a] - after[a]
    drop[a] = -np.inf
    j = int(np.argmax(drop))
    if drop[j] < 0.005 or j not in names:
        return None
    return names[j], float(before[a, j]), float(after[a, j])


def describe_event(ev: Event, partners: Mapping[int, str], *, has_backbone: bool = True,
                   trust_before: np.ndarray | None = None, trust_after: np.ndarray | None = None,
                   funders: Callable[[int], str] = funder_name) -> FeedItem | None:
    """One event as a sentence (None for an event type the feed leaves out)."""
    def who(slot: int) -> str:
        return partners.get(slot, f"Partner {slot + 1}")

    e, m = ev.event, ev.month
    if e == "turnover":
        drop = _trust_drop(ev.a, trust_before, trust_after, partners)
        if drop is not None:
            other, t0, t1 = drop
            tail = f"trust with {spoken(other)} fell from {t0:.2f} to {t1:.2f}"
        elif ev.v2 > ev.v1:  # a successor starts afresh: a poor relationship between people ends with them
            tail = (f"the newcomer starts afresh: the others' trust in {spoken(who(ev.a))} rose from {ev.v1:.2f} "
                    f"to {ev.v2:.2f} on average (the organizations' trust stays)")
        else:
            tail = f"the others' trust in {spoken(who(ev.a))} fell from {ev.v1:.2f} to {ev.v2:.2f} on average"
        return FeedItem(m, f"{possessive(who(ev.a))} representative left; {tail}.", "bad", e)
    if e == "exit":
        return FeedItem(m, f"{spoken(who(ev.a))} left the partnership (its engagement had fallen to {ev.v1:.2f}).", "bad", e)
    if e == "recruit":
        return FeedItem(m, f"a new partner joined: {spoken(who(ev.a))}.", "good", e)
    if e == "relaunch":
        subject = "the backbone" if has_backbone else "the partners"
        return FeedItem(m, f"{subject} relaunched the team after {_pct(ev.v1)} of its members had turned over; "
                           f"mean trust is back to {ev.v2:.2f}.", "good", e)
    if e == "betrayal":
        return FeedItem(m, f"{spoken(who(ev.a))} claimed the shared results as its own; "
                           f"the others' trust in it fell from {ev.v1:.2f} to {ev.v2:.2f}.", "bad", e)
    if e == "funding_cut":
        return FeedItem(m, f"results fell short of what {spoken(funders(ev.a))} expected: it cut its funding "
                           f"from {_pct(ev.v1)} to {_pct(ev.v2)} of its budget.", "bad", e)
    if e == "funding_grow":
        return FeedItem(m, f"{spoken(funders(ev.a))} raised its funding from {_pct(ev.v1)} to {_pct(ev.v2)} "
                           f"of its budget.", "good", e)
    if e == "funder_exit":
        return FeedItem(m, f"{spoken(funders(ev.a))} stopped funding the partnership "
                           f"(it was paying {_pct(ev.v1)} of its budget).", "bad", e)
    if e == "persuaded":
        return FeedItem(m, f"results were below what {spoken(funders(ev.a))} expected (a sustained outcome cost "
                           f"{ev.v1:,.0f}k against the {ev.v2:,.0f}k it expects), but the impact story "
                           f"persuaded it to keep funding.", "good", e)
    if e == "phase":
        new = PHASES[int(ev.v2)]
        tone = {"exponential value": "good", "re-design": "bad"}.get(new, "neutral")
        return FeedItem(m, f"the partnership entered the {new.replace(' ', '-')} phase "
                           f"(from {PHASES[int(ev.v1)]}).", tone, e)
    if e == "dissolved":
        n, f = int(ev.v1), int(ev.v2)
        return FeedItem(m, f"the partnership dissolved: {n} partner{'' if n == 1 else 's'} and {f} "
                           f"funder{'' if f == 1 else 's'} were left.",
                        "bad", e)
    if e == "grant_renewed":
        return FeedItem(m, f"{possessive(funders(ev.a))} grant ended and it renewed it (a sustained outcome has "
                           f"cost {ev.v1:,.0f}k so far; it expects {ev.v2:,.0f}k).", "good", e)
    if e == "grant_ended":
        return FeedItem(m, f"{possessive(funders(ev.a))} grant ended and it did not renew it (a sustained outcome "
                           f"has cost {ev.v1:,.0f}k so far; it expects {ev.v2:,.0f}k).", "bad", e)
    if e == "funder_shift":
        return FeedItem(m, f"{spoken(funders(ev.a))} changed its priorities and stopped funding the partnership.",
                        "bad", e)
    if e == "funder_join":
        return FeedItem(m, f"a new funder joined in the place of {spoken(funders(ev.a))}.", "good", e)
    if e == "home_shift":
        if ev.v2:
            return FeedItem(m, f"{possessive(who(ev.a))} home organization changed its priorities, and "
                               f"{spoken(who(ev.a))} left the partnership.", "bad", e)
        return FeedItem(m, f"{possessive(who(ev.a))} home organization changed its priorities, but "
                           f"{spoken(who(ev.a))} stayed (its commitment to the common agenda: {ev.v1:.2f}).",
                        "neutral", e)
    if e == "leader_exit":
        return FeedItem(m, "the backbone's director left; the post stays empty for a while.", "bad", e)
    if e == "policy_shock":
        return FeedItem(m, f"a policy change shifted what people need; the agenda now matches their needs "
                           f"{_pct(ev.v2)} (it was {_pct(ev.v1)}).", "bad", e)
    return None


def _funders_together(evs: list[Event], funders: Callable[[int], str]) -> FeedItem:
    """Several funders' reviews of one month in one sentence."""
    names = [spoken(funders(ev.a)) for ev in evs]
    who = ", ".join(names[:-1]) + " and " + names[-1]
    verb = "raised" if evs[0].event == "funding_grow" else "cut"
    if len({(round(ev.v1, 2), round(ev.v2, 2)) for ev in evs}) == 1:
        amount = f"from {_pct(evs[0].v1)} to {_pct(evs[0].v2)} of their budgets"
    else:
        amount = "to " + ", ".join(_pct(ev.v2) for ev in evs[:-1]) + f" and {_pct(evs[-1].v2)} of their budgets"
    text = f"{who} {verb} their funding {amount}."
    if verb == "cut":
        text = "results fell short of what funders expected: " + text
    return FeedItem(evs[0].month, text, "good" if verb == "raised" else "bad", evs[0].event)


def describe_month(events: Iterable[Event], partners: Mapping[int, str], *,
                   funders: Callable[[int], str] = funder_name, **kw) -> list[FeedItem]:
    """The events as sentences, in the order they happened (keyword arguments as
    ``describe_event``). Funders' reviews of the same kind in the same month share one
    sentence."""
    events = list(events)
    out: list[FeedItem] = []
    done: set[int] = set()
    for i, ev in enumerate(events):
        if i in done:
            continue
        if ev.event in ("funding_grow", "funding_cut"):
            group = [j for j in range(i, len(events))
                     if events[j].event == ev.event and events[j].month == ev.month]
            if len(group) > 1:
                done.update(group)
                out.append(_funders_together([events[j] for j in group], funders))
                continue
        item = describe_event(ev, partners, funders=funders, **kw)
        if item is not None:
            out.append(item)
    return out


def milestones(month: int, share_before: float, share_now: float, population: int,
               step: float = 0.10) -> list[FeedItem]:
    """Sentences when the share with a sustained outcome crosses a multiple of ``step``,
    up or down."""
    lo, hi = int(np.floor(share_before / step + 1e-9)), int(np.floor(share_now / step + 1e-9))
    if hi > lo:
        k = hi * step
        return [FeedItem(month, f"{_pct(k)} of the target population ({int(round(k * population)):,} people) "
                                f"now have a sustained outcome.", "good", "milestone")]
    if hi < lo:
        k = lo * step
        return [FeedItem(month, f"fewer than {_pct(k)} of the target population have a sustained outcome now "
                                f"({int(round(share_now * population)):,} people).", "bad", "milestone")]
    return []


__all__ = ["Event", "FeedItem", "read_events", "describe_event", "describe_month", "milestones"]
