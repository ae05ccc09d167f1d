"""Twin partnerships: the same partnership, on the same seed, with and without a backbone,
stepped together one month at a time.

Each twin is a ``simulation.PartnershipModel`` (the Mesa model, same kernels as the fast
path): the first with the parameters' ``backbone_share``, the second with
``backbone_share = 0``. Same seed, so the twins share the named random streams: the same
representatives leave in the same months, the same people need help, until the backbone's
work makes the partnerships diverge. ``Twins.step`` advances both by a month, applies a
lesson's intervention (see ``backbone.app.lessons``) to both when it is due, and turns
the month's events into sentences (``backbone.app.narrative.feed``). Pure Python: no
browser needed.

Usage::

    from simulation import Params
    from backbone.app.twins import Twins
    twins = Twins(Params(backbone_share=0.1), seed=1)
    twins.step(12)
    twins.with_backbone.series("impact")        # people with a sustained outcome, by month
    twins.without_backbone.feed[-1].sentence    # "Month 11: The bank left the partnership..."
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analysis.value import counterfactual
from simulation import METRICS, SCORECARD_METRICS, SECTORS, PartnershipModel, Params, simulate

from .cast import recruit_name
from .lessons import Lesson
from .narrative.feed import FeedItem, describe_month, milestones, read_events

_COLUMN = {m: i for i, m in enumerate(METRICS)}


@dataclass
class Twin:
    """One side: its model, its monthly rows so far, its feed, its partners' names."""

    label: str
    model: PartnershipModel
    rows: list[np.ndarray] = field(default_factory=list)
    feed: list[FeedItem] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    events_seen: int = 0
    # value_gross, by month, of the same people without the partnership (same seed): the
    # deadweight for net SROI; None when not computed
    value_without: np.ndarray | None = None

    @property
    def has_backbone(self) -> bool:
        return self.model.params.backbone_share > 0

    @property
    def month(self) -> int:
        return self.model.month

    def series(self, metric: str) -> np.ndarray:
        """``metric`` (a column of ``simulation.METRICS``) for months 1..month."""
        c = _COLUMN[metric]
        return np.array([r[c] for r in self.rows], dtype=float)

    def now(self, metric: str) -> float:
        """``metric`` this month (0 before the first month)."""
        return float(self.rows[-1][_COLUMN[metric]]) if self.rows else 0.0

    def scorecard(self) -> dict[str, float]:
        """The balanced scorecard this month (``simulation.SCORECARD_METRICS``), plus
        ``net_sroi`` when the run without the partnership is known."""
        card = {m: self.now(m) for m in SCORECARD_METRICS}
        if self.value_without is not None:
            card["net_sroi"] = self.net_sroi()
        return card

    def net_sroi(self) -> float:
        """Net SROI this month (analysis.value): (value_gross - the same people's value
        without the partnership) x (1 - attribution_others) / discounted spend."""
        if not self.rows or self.value_without is None or self.now("spent_pv") <= 0:
            return 0.0
        without = float(self.value_without[min(self.month, len(self.value_without)) - 1])
        share = 1.0 - self.model.params.attribution_others
        return (self.now("value_gross") - without) * share / self.now("spent_pv")

    def partners(self) -> list[dict]:
        """Every partner ever a member, by slot: name, sector, active, engagement,
        commitment, knowledge, tenure (of its representative)."""
        pt = self.model.state.partners
        return [
            {"slot": int(s), "name": self.names.get(int(s), f"Partner {s + 1}"), "sector": SECTORS[int(pt.sector[s])],
             "active": bool(pt.active[s]), "engagement": float(pt.engagement[s]),
             "commitment": float(pt.commitment[s]), "knowledge": float(pt.knowledge[s]),
             "tenure": int(pt.tenure[s]), "reps": int(pt.reps[s])}
            for s in np.flatnonzero(pt.ever)
        ]

    @property
    def trust(self) -> np.ndarray:
        """The pairwise trust matrix (by slot) now."""
        return self.model.state.trust

    def _name_new_partners(self) -> None:
        pt = self.model.state.partners
        for s in np.flatnonzero(pt.ever):
            if int(s) not in self.names:
                self.names[int(s)] = recruit_name(int(pt.sector[s]), set(self.names.values()))

    def _read_new_events(self, before: np.ndarray) -> list[FeedItem]:
        st = self.model.state
        n = int(st.world[0]["n_events"])
        events = read_events(st.events.rows, self.events_seen, n)
        self.events_seen = n
        for ev in events:
            if ev.event == "recruit":  # a reused slot is a new organization: a new name
                taken = set(self.names.values())
                self.names[ev.a] = recruit_name(int(st.partners.sector[ev.a]), taken)
        return describe_month(events, self.names, has_backbone=self.has_backbone,
                              trust_before=before, trust_after=st.trust)


class Twins:
    """Two ``PartnershipModel``s on one seed: ``with_backbone`` (``params``, whose
    backbone_share must be > 0) and ``without_backbone`` (backbone_share = 0); and, for
    net SROI, one hidden fast-path run of the same people without the partnership.

    Args:
        params: the with-backbone twin's parameters (see ``controls.twin_params``).
        seed: the run's seed, shared by both twins.
        lesson: a preset whose action, if any, is applied to both at its month.
    """

    def __init__(self, params: Params, seed: int = 1, lesson: Lesson | None = None):
        if params.backbone_share <= 0:
            raise ValueError("backbone_share = 0 is not allowed for the with-backbone twin: expected (0, 0.9]")
        self.params = params
        self.seed = int(seed)
        self.lesson = lesson
        self.with_backbone = self._twin("With a backbone", params)
        self.without_backbone = self._twin("Without a backbone", params.replace(backbone_share=0.0))
        # A third, hidden twin: the same people without any partnership (no money, no
        # partnership work), run once on the fast path; lessons do not touch it.
        without = simulate(counterfactual(params), self.seed).monthly["value_gross"].to_numpy()
        for twin in self.sides:
            twin.value_without = without
        self.notes: list[FeedItem] = []  # lesson moments, shown in both feeds

    def _twin(self, label: str, params: Params) -> Twin:
        model = PartnershipModel(params=params, rng=self.seed, max_beneficiary_agents=0)
        twin = Twin(label, model, names={p.slot: p.name for p in model.partners})
        twin._name_new_partners()
        return twin

    @property
    def sides(self) -> tuple[Twin, Twin]:
        return (self.with_backbone, self.without_backbone)

    @property
    def month(self) -> int:
        return self.with_backbone.month

    @property
    def months(self) -> int:
        return self.params.months

    @property
    def running(self) -> bool:
        """Whether there is a month left to run."""
        return self.month < self.months

    def step(self, months: int = 1) -> int:
        """Advance both twins by up to ``months`` months (never past the horizon); return
        how many were run."""
        done = 0
        while done < months and self.running:
            self._step_one()
            done += 1
        return done

    def _step_one(self) -> None:
        nxt = self.month + 1
        before = [twin.trust.copy() for twin in self.sides]
        if self.lesson is not None and self.lesson.due(nxt):
            note = FeedItem(nxt, f"lesson: {self.lesson.announce}", "lesson", "lesson")
            self.notes.append(note)
            for twin in self.sides:
                self.lesson.apply(twin.model)
                twin.feed.append(note)
        for twin, trust_before in zip(self.sides, before):
            share_before = twin.now("impact_share")
            twin.model.step()
            twin.rows.append(twin.model.last_row.copy())
            items = twin._read_new_events(trust_before)
            items += milestones(nxt, share_before, twin.now("impact_share"), twin.model.params.n_beneficiaries)
            twin.feed.extend(items)


__all__ = ["Twin", "Twins"]
