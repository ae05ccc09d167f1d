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

    from backbone.simulation import Params
    from backbone.app.twins import Twins
    twins = Twins(Params(backbone_share=0.1), seed=1)
    twins.step(12)
    twins.with_backbone.series("impact")        # people with a sustained outcome, by month
    twins.without_backbone.feed[-1].sentence    # "Month 11: The bank left the partnership..."
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from backbone.analysis.arms import funds_backbone, no_backbone
from backbone.analysis.value import counterfactual
from backbone.simulation import METRICS, PHASES, SCORECARD_METRICS, SECTORS, PartnershipModel, Params, simulate
from backbone.simulation.scenarios import DEFAULT_CURRENCY

from .cast import recruit_name
from .lessons import Lesson
from .narrative.feed import FeedItem, describe_month, milestones, read_events

_COLUMN = {m: i for i, m in enumerate(METRICS)}
PHASE_HOLD = 3  # months a new phase must hold before the feed and the key numbers report it


def launch_row(model: PartnershipModel) -> np.ndarray:
    """A row of ``METRICS`` for month 0, from the state at launch: trust, engagement,
    commitment and knowledge of the launch partners, all of them still members, every
    funder at its launch level; zero for what has not happened yet (outcomes, money)."""
    st = model.state
    pt, fu, w = st.partners, st.funders, st.world[0]
    row = np.zeros(len(METRICS))
    active = pt.active
    n = int(active.sum())
    row[_COLUMN["mean_trust"]] = float(w["mean_trust"])
    for metric, values in (("mean_engagement", pt.engagement), ("mean_commitment", pt.commitment),
                           ("mean_knowledge", pt.knowledge)):
        row[_COLUMN[metric]] = float(values[active].mean()) if n else 0.0
    row[_COLUMN["active_partners"]] = float(n)
    row[_COLUMN["retention"]] = 1.0 if n else 0.0
    level = fu.level[fu.active].sum() if fu.active.any() else 0.0
    row[_COLUMN["funder_level"]] = float(level) / max(fu.level.shape[0], 1)
    row[_COLUMN["active_funders"]] = float(fu.active.sum())
    return row


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
    launch: np.ndarray | None = None  # the month-0 row (``launch_row``)
    ghost: PartnershipModel | None = None  # the same twin without the lesson (same seed)
    ghost_rows: list[np.ndarray] = field(default_factory=list)
    ghost_from: int = 0  # the ghost's rows before this month are the twin's own
    phase_shown: int = 0  # the phase the feed last reported (smoothed)
    phase_since: int = 0  # since when the model's phase has been the one it is now

    def __post_init__(self) -> None:
        self._name_new_partners()

    @property
    def has_backbone(self) -> bool:
        return funds_backbone(self.model.params)

    @property
    def month(self) -> int:
        return self.model.month

    def series(self, metric: str) -> np.ndarray:
        """``metric`` (a column of ``simulation.METRICS``) for months 1..month."""
        c = _COLUMN[metric]
        return np.array([r[c] for r in self.rows], dtype=float)

    def now(self, metric: str) -> float:
        """``metric`` this month (at month 0: its launch value, see ``launch_row``)."""
        if self.rows:
            return float(self.rows[-1][_COLUMN[metric]])
        return float(self.launch[_COLUMN[metric]]) if self.launch is not None else 0.0

    def series_from_launch(self, metric: str) -> np.ndarray:
        """``metric`` for months 0..month (month 0: its launch value)."""
        start = float(self.launch[_COLUMN[metric]]) if self.launch is not None else 0.0
        return np.concatenate([[start], self.series(metric)])

    def ghost_series(self, metric: str) -> np.ndarray | None:
        """``metric`` of the same twin without the lesson, months 1..(its month), NaN
        before the lesson made a difference; None without a ghost."""
        if self.ghost is None or not self.ghost_rows:
            return None
        c = _COLUMN[metric]
        vals = np.array([r[c] for r in self.ghost_rows], dtype=float)
        vals[: max(self.ghost_from - 2, 0)] = np.nan  # draw from the month before the lesson
        return vals

    def ghost_now(self, metric: str) -> float | None:
        """``metric`` this month in the run without the lesson (None without a ghost)."""
        if self.ghost is None or not self.ghost_rows:
            return None
        return float(self.ghost_rows[-1][_COLUMN[metric]])

    @property
    def phase(self) -> str:
        """The partnership's phase, smoothed: a new phase counts once it has held
        ``PHASE_HOLD`` months (the model's phase can flip back and forth); "dissolved" from
        the month the partnership dissolved."""
        if self.now("dissolved") > 0.0:
            return "dissolved"
        return PHASES[self.phase_shown]

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

    def _phase_news(self, month: int) -> list[FeedItem]:
        """A feed line when the model's phase has changed and held ``PHASE_HOLD`` months
        (a flip back within them is not news)."""
        phase = int(self.now("phase"))
        previous = int(self.rows[-2][_COLUMN["phase"]]) if len(self.rows) > 1 else 0
        if phase != previous:
            self.phase_since = month
        if phase == self.phase_shown or month - self.phase_since + 1 < PHASE_HOLD:
            return []
        old, self.phase_shown = self.phase_shown, phase
        new = PHASES[phase]
        tone = {"exponential value": "good", "re-design": "bad"}.get(new, "neutral")
        return [FeedItem(month, f"the partnership has been in the {new.replace(' ', '-')} phase since month "
                                f"{self.phase_since} (before: {PHASES[old]}).", tone, "phase")]

    def advance(self, month: int, trust_before: np.ndarray | None = None) -> None:
        """Run month ``month``: step the model (and the ghost), keep the month's row and
        add the month's news to the feed (events, a new phase, milestones). Trust moves
        are told against ``trust_before`` (default: the trust now)."""
        trust_before = self.trust.copy() if trust_before is None else trust_before
        share_before = self.now("impact_share")
        self.model.step()
        self.rows.append(self.model.last_row.copy())
        items = [it for it in self._read_new_events(trust_before) if it.event != "phase"]
        items += self._phase_news(month)
        items += milestones(month, share_before, self.now("impact_share"), self.model.params.n_beneficiaries)
        self.feed.extend(items)
        if self.ghost is not None:
            self.ghost.step()
            self.ghost_rows.append(self.ghost.last_row.copy())

    def start_ghost(self, seed: int) -> None:
        """This twin's run without a shock: the same parameters and seed, run from month
        0 to now (the state before the shock) and stepped alongside from here."""
        ghost = PartnershipModel(params=self.model.params, rng=seed, max_beneficiary_agents=0)
        for _ in range(self.month):
            ghost.step()
        self.ghost = ghost
        self.ghost_rows = [r.copy() for r in self.rows]
        self.ghost_from = self.month + 1

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
        without_lesson: for a lesson that changes parameters, the with-backbone twin's
            parameters without it (for the ghost line of each twin's run without the lesson).
        currency: the scenario's money unit, for the page (a label; it changes no run).
    """

    def __init__(self, params: Params, seed: int = 1, lesson: Lesson | None = None,
                 without_lesson: Params | None = None, currency: str = DEFAULT_CURRENCY):
        if params.backbone_share <= 0:
            raise ValueError("backbone_share = 0 is not allowed for the with-backbone twin: expected (0, 0.9]")
        self.params = params
        self.seed = int(seed)
        self.lesson = lesson
        self.currency = currency
        self.with_backbone = self._twin("With a backbone", params)
        self.without_backbone = self._twin("Without a backbone", no_backbone(params))
        # A third, hidden twin: the same people without any partnership (no money, no
        # partnership work), run once on the fast path; lessons do not touch it.
        without = simulate(counterfactual(params), self.seed).monthly["value_gross"].to_numpy()
        for twin in self.sides:
            twin.value_without = without
        self.notes: list[FeedItem] = []  # lesson moments, shown in both feeds
        # A lesson's counterfactual: each twin's own run without it, on the same seed. A
        # shock's ghost is rebuilt at the shock (the same run to the month before); a
        # lesson that only changes parameters runs its ghost from month 0 on
        # ``without_lesson`` (the twin's parameters without the lesson's overrides).
        self.without_lesson = without_lesson
        self.lesson_start: int | None = None
        if lesson is not None and lesson.action is not None:
            self.lesson_start = int(lesson.month)
        elif lesson is not None and without_lesson is not None and without_lesson != params:
            self.lesson_start = 1
            for twin, q in zip(self.sides, (without_lesson, no_backbone(without_lesson))):
                twin.ghost = PartnershipModel(params=q, rng=self.seed, max_beneficiary_agents=0)
                twin.ghost_from = 1
        self.report_months = self._report_months()

    def _twin(self, label: str, params: Params) -> Twin:
        model = PartnershipModel(params=params, rng=self.seed, max_beneficiary_agents=0)
        return Twin(label, model, names={p.slot: p.name for p in model.partners}, launch=launch_row(model))

    def _report_months(self) -> tuple[int, ...]:
        """When the feed says what the lesson has cost each twin so far: a year after it
        starts, three years after, and at the horizon."""
        if self.lesson_start is None:
            return ()
        start = self.lesson_start
        return tuple(sorted({m for m in (start + 11, start + 35, self.months) if start <= m <= self.months}))

    def lesson_cost(self, twin: Twin) -> tuple[float, float] | None:
        """(people with a sustained outcome now, the same in the run without the lesson)
        for ``twin``; None before the lesson or without a ghost."""
        ghost = twin.ghost_now("impact")
        if ghost is None or self.lesson_start is None or self.month < self.lesson_start:
            return None
        return twin.now("impact"), ghost

    def _cost_note(self, twin: Twin, month: int) -> FeedItem:
        """What the lesson has cost ``twin`` so far, against its own run without it."""
        title = self.lesson.title.lower() if self.lesson else "the lesson"
        now, ghost = self.lesson_cost(twin)
        diff = round(now - ghost)
        if diff < 0:
            head = f"{title} has cost this partnership {-diff:,} people with a sustained outcome so far"
        elif diff > 0:
            head = f"this partnership has {diff:,} more people with a sustained outcome after {title} than without it"
        else:
            head = f"{title} has made no difference to this partnership's people with a sustained outcome so far"
        return FeedItem(month, f"{head}: {now:,.0f} against {ghost:,.0f} in its same run without it "
                               "(the faint line).", "lesson", "lesson_cost")

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
        before = [twin.trust.copy() for twin in self.sides]   # trust moves count a lesson's too
        if self.lesson is not None and self.lesson.due(nxt):
            note = FeedItem(nxt, f"lesson: {self.lesson.announce}", "lesson", "lesson")
            self.notes.append(note)
            for twin in self.sides:
                twin.start_ghost(self.seed)
                self.lesson.apply(twin.model)
                twin.feed.append(note)
        for twin, trust_before in zip(self.sides, before):
            twin.advance(nxt, trust_before)
        if nxt in self.report_months:
            for twin in self.sides:
                twin.feed.append(self._cost_note(twin, nxt))


__all__ = ["Twin", "Twins"]
