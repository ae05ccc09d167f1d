"""The reference implementation: the model's rules in plain Python, one agent at a time.

This module restates, for a human reader, exactly what the numba kernels in
``simulation/kernels/`` do, in the order of ``simulation.engine.step_month``. It uses no
numba and no kernel code: partners, funders and beneficiaries are small objects, the
trust matrix a list of lists, and each process a method of ``Partnership`` with its
equations in the docstring. It draws the same uniforms from the same named streams
(``simulation.streams.make_streams``) in the same order, and computes the same
counter-based uniforms of process 7 (``person_uniform``, ``CounterStream``: SplitMix64 on
64-bit Python integers), so for the same (params, seed)
it gives the same monthly frame, event log and final state as ``simulation.simulate``:
it is the test oracle (tests/test_reference.py) and the baseline of the speed ratio.

Floating-point sums are accumulated in the kernels' order (explicit loops, never
``sum()``, whose rounding differs between Python versions), so the two paths agree to
the last bit in practice; the tests allow 1e-9.

Usage::

    from backbone.simulation.reference import simulate_reference
    res = simulate_reference({"n_beneficiaries": 500, "months": 24}, seed=1)
    res.monthly, res.events, res.state
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .kernels.measurement import METRICS  # the column names only
from .params import PRINCIPLES, SECTORS, Params
from .result import Result, event_frame, monthly_frame
from .state import EVENT_CODES, PHASES, WORLD_FIELDS, allocate, event_capacity
from .streams import make_streams

SQRT3 = math.sqrt(3.0)
INITIATION, RUN, REDESIGN, EXPONENTIAL = (PHASES.index(name) for name in
                                          ("initiation", "run", "re-design", "exponential value"))


def spread(sd: float, u: float) -> float:
    """A log-uniform multiplier: exp(sd sqrt3 (2u - 1))."""
    return math.exp(sd * SQRT3 * (2.0 * u - 1.0))


def clip01(x: float) -> float:
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


def int_power(x: float, n: int) -> float:
    """x ** n for a whole n >= 0 by repeated squaring, the way compiled code computes a
    float to an integer power, so both paths round alike (Python's ``**`` calls pow())."""
    result = 1.0
    while n:
        if n & 1:
            result *= x
        n >>= 1
        x *= x
    return result


def has(mask: int, k: int) -> bool:
    """Does need mask ``mask`` include dimension ``k``?"""
    return (mask >> k) & 1 == 1


def pet_shares(rng, K: int) -> list[float]:
    """K cubed uniforms, normalized (1/K each if all are 0): dimensions a funder favours."""
    cubes = []
    for _ in range(K):
        u = rng.random()
        cubes.append(u * u * u)
    total = 0.0
    for x in cubes:
        total += x
    return [x / total if total > 0.0 else 1.0 / K for x in cubes]


def draw_mask(profile: list[float], complexity: int, rng) -> int:
    """A need mask with ``complexity`` distinct dimensions, each drawn in proportion to
    ``profile`` among the dimensions not yet chosen (one uniform per chosen dimension)."""
    mask = 0
    for _ in range(complexity):
        total = 0.0
        for k, share in enumerate(profile):
            if not has(mask, k):
                total += share
        u = rng.random() * total
        pick, acc = -1, 0.0
        for k, share in enumerate(profile):
            if not has(mask, k):
                pick = k
                acc += share
                if u < acc:
                    break
        mask |= 1 << pick
    return mask


MASK64 = (1 << 64) - 1


def mix64(z: int) -> int:
    """SplitMix64's output function (Steele, Lea & Flood 2014) on a 64-bit integer."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def person_uniform(key: int, b: int) -> float:
    """Person b's uptake uniform this month: the top 53 bits of mix64(key + (b + 1) x
    0x9E3779B97F4A7C15), the (b + 1)-th SplitMix64 output from the month key."""
    return (mix64((key + (b + 1) * 0x9E3779B97F4A7C15) & MASK64) >> 11) / 2.0 ** 53


class CounterStream:
    """The month's counter-based uniforms for need drift and renewal: the i-th (i = 0, 1,
    ...) is person_uniform(key, i)."""

    def __init__(self, key: int):
        self.key, self.i = key, 0

    def random(self) -> float:
        u = person_uniform(self.key, self.i)
        self.i += 1
        return u


@dataclass
class Partner:
    """A partner organization (one slot) and its current representative."""

    slot: int
    active: bool = False
    ever: bool = False
    sector: int = 0
    competence: list = field(default_factory=list)  # per dimension: service per hour
    engagement: float = 0.0
    commitment: float = 0.0
    knowledge: float = 0.0
    tenure: int = 0
    reps: int = 0
    low_months: int = 0
    ceiling: float = 0.0
    grant: float = 0.0
    hours_inkind: float = 0.0
    hours_funded: float = 0.0
    hours_coord: float = 0.0
    hours_orch: float = 0.0
    hours_agenda: float = 0.0
    hours_home: float = 0.0
    excess_coord: float = 0.0
    output: float = 0.0
    capacity: float = 0.0  # multiplier on partner_hours (the run's context)
    stake: float = 0.0     # added to its engagement target (the run's context)
    hours_grants: float = 0.0


@dataclass
class Funder:
    active: bool
    level: float
    preference: list  # the need profile the funder wants served
    tolerance: float = 1.0  # multiplier on expected_cost_per_outcome (its stance)
    term_start: int = 0     # month index at which its current grant began


@dataclass
class Beneficiary:
    needs: int           # bitmask of needed dimensions
    condition: float
    base_engagement: float
    months_above: int = 0
    enrolled: bool = False  # in the partnership's caseload
    achieved: bool = False  # has reached a sustained outcome (counted once)


class World:
    """Partnership-level scalars (``simulation.state.WORLD_FIELDS``), all starting at 0."""

    def __init__(self):
        for name in WORLD_FIELDS:
            setattr(self, name, 0.0)


class Partnership:
    """One run's state and its nine monthly processes."""

    def __init__(self, params: Params, seed: int):
        self.p = params
        self.streams = make_streams(seed)
        self.K = params.n_dimensions
        self.w = World()
        self.partners = [Partner(slot=i, competence=[0.0] * self.K) for i in range(params.slots)]
        self.trust = [[0.0] * params.slots for _ in range(params.slots)]
        self.fit = [[0.0] * params.slots for _ in range(params.slots)]
        self.funders: list[Funder] = []
        self.people: list[Beneficiary] = []
        masks = 2 ** self.K
        self.true_profile = [0.0] * self.K
        self.estimate = [0.0] * self.K
        self.need_count = [0] * self.K
        self.load = [0] * self.K  # caseload members needing each dimension
        self.service = [0.0] * self.K
        self.coverage = [0.0] * self.K
        self.takers = [0.0] * masks
        self.dose = [0.0] * masks
        self.events: list[tuple] = []
        self.event_capacity = event_capacity(params)
        self.initialize()
        self.draw_context()

    # ------------------------------------------------------------------ helpers
    def log(self, kind: str, a=-1, b=-1, v1=0.0, v2=0.0):
        if len(self.events) < self.event_capacity:
            self.events.append((self.w.month, EVENT_CODES[kind], a, b, v1, v2))
            self.w.n_events += 1.0
        else:
            self.w.dropped_events += 1.0

    def active(self) -> list[Partner]:
        return [pt for pt in self.partners if pt.active]

    def partner_trust(self, i: int) -> float:
        """Mean trust between partner i and the other active partners (0 if alone)."""
        s, n = 0.0, 0
        for j, pt in enumerate(self.partners):
            if pt.active and j != i:
                s += self.trust[i][j]
                n += 1
        return s / n if n > 0 else 0.0

    def mean_trust(self) -> float:
        """Mean pairwise trust among active partners (0 with fewer than two)."""
        s, n = 0.0, 0
        S = len(self.partners)
        for i in range(S):
            if self.partners[i].active:
                for j in range(i + 1, S):
                    if self.partners[j].active:
                        s += self.trust[i][j]
                        n += 1
        return s / n if n > 0 else 0.0

    def set_trust(self, i: int, j: int, value: float):
        self.trust[i][j] = value
        self.trust[j][i] = value

    @staticmethod
    def newcomer_condition(p, u):
        return clip01(p.init_condition + 0.4 * (u - 0.5))

    @staticmethod
    def newcomer_engagement(p, u):
        return clip01(p.benef_engagement + 0.6 * (u - 0.5))

    # ------------------------------------------------------------------ month 0
    def initialize(self):
        """Draws from `init`: the need profile (K, each 0.5 + u, normalized), launch
        partners' competences (floor + (1 - floor) u^2), funders' preferences
        ((1 - divergence) x true + divergence x u, normalized), then per beneficiary: needs,
        condition (init +- 0.2), engagement (benef_engagement +- 0.3). The agenda starts
        at voice x true needs + (1 - voice) x the funders' mean preference."""
        p, w, rng, K = self.p, self.w, self.streams.init, self.K
        total = 0.0
        for k in range(K):
            self.true_profile[k] = 0.5 + rng.random()
            total += self.true_profile[k]
        for k in range(K):
            self.true_profile[k] /= total
        sectors = [SECTORS.index(sector) for _, sector in p.partner_labels()]
        for i in range(p.n_partners):
            pt = self.partners[i]
            pt.active = pt.ever = True
            pt.sector = sectors[i]
            for k in range(K):
                u = rng.random()
                pt.competence[k] = p.competence_floor + (1.0 - p.competence_floor) * u * u
            pt.engagement, pt.commitment = p.init_engagement, p.init_commitment
            pt.knowledge, pt.reps, pt.ceiling = p.init_knowledge, 1, p.trust_ceiling
        for i in range(p.n_partners):
            for j in range(p.n_partners):
                if i != j:
                    self.trust[i][j] = p.init_trust
        # Funders' pet dimensions: cubed uniforms, half shared by all funders, half own.
        common = pet_shares(rng, K)
        for _ in range(p.n_funders):
            own = pet_shares(rng, K)
            pets = [0.5 * common[k] + 0.5 * own[k] for k in range(K)]
            pref = [(1.0 - p.funder_divergence) * self.true_profile[k] + p.funder_divergence * pets[k] for k in range(K)]
            self.funders.append(Funder(True, 1.0, pref))
        voice = p.beneficiary_involvement
        for k in range(K):
            mean_pref = 0.0
            for f in self.funders:
                mean_pref += f.preference[k]
            self.estimate[k] = voice * self.true_profile[k] + (1.0 - voice) * mean_pref / p.n_funders
        for _ in range(p.n_beneficiaries):
            m = draw_mask(self.true_profile, p.complexity, rng)
            person = Beneficiary(m, self.newcomer_condition(p, rng.random()),
                                 self.newcomer_engagement(p, rng.random()))
            self.people.append(person)
            for k in range(K):
                if has(m, k):
                    self.need_count[k] += 1
            self.takers[m] += person.base_engagement
        w.trust_ref = p.init_trust if p.n_partners > 1 else 0.0
        w.mean_trust = w.trust_ref
        w.launch_size = float(p.n_partners)
        w.last_relaunch = w.last_cut = -1.0

    def draw_context(self):
        """The run's context from the `context` stream (kernels/init.py draw_context):
        capacities (per slot), leadership, difficulty, funders' stances, pair fits, stakes."""
        p, w, rng = self.p, self.w, self.streams.context
        for pt in self.partners:
            pt.capacity = spread(p.capacity_sd, rng.random())
        w.leadership = spread(p.leadership_sd, rng.random())
        w.ease = 1.0 / spread(p.difficulty_sd, rng.random())
        for f in self.funders:
            f.tolerance = spread(p.funder_stance_sd, rng.random())
        S = len(self.partners)
        for i in range(S):
            for j in range(i + 1, S):
                self.fit[i][j] = self.fit[j][i] = spread(p.fit_sd, rng.random())
        for pt in self.partners:
            pt.stake = p.stake_sd * SQRT3 * (2.0 * rng.random() - 1.0)

    # ------------------------------------------------------------------ 1 funding
    def funding(self):
        """Inflow = sum of funder_budget x level over active funders (none once dissolved);
        backbone_share of it buys staff hours (/ staff_cost_per_hour).
        Pooled: the rest enters the pool, which pays out min(pool, rate x partner money),
        rate = admin_base + (admin_max - admin_base)(1 - exp(-backbone hours / admin_half)),
        split by engagement. Isolated: each funder splits its partner money in proportion
        to max(0, output x (1 + noise sqrt3 (2u - 1))) ** isolated_attribution.
        Reviews every review_cycle months after funder_patience: a measured cost per
        outcome, paid_in / max(1, outcomes x (1 + noise sqrt3 (2u - 1))), above
        expected_cost_per_outcome cuts by funder_cut (unless an ROI
        narrative persuades, chance E_momentum x narrative_persuasion), else grows by
        funder_grow (1 + E_momentum), up to funder_max_level.
        Draws from `funding`: slots x F (grant noise), then 2 per funder, always."""
        p, w, rng = self.p, self.w, self.streams.funding
        month = int(w.month)
        inflow = 0.0
        if w.dissolved == 0.0:
            for f in self.funders:
                if f.active:
                    inflow += p.funder_budget * f.level
        w.inflow = inflow
        w.paid_in += inflow
        to_backbone = inflow * p.backbone_share
        w.spent_backbone += to_backbone
        w.backbone_hours = to_backbone / p.staff_cost_per_hour
        to_partners = inflow - to_backbone
        for pt in self.partners:
            pt.grant = 0.0
        w.disbursed = 0.0
        noise = w.noise
        if p.regime == "isolated":
            for f in self.funders:
                share = 0.0
                if f.active and w.dissolved == 0.0:
                    share = p.funder_budget * f.level * (1.0 - p.backbone_share)
                weight = [0.0] * len(self.partners)
                total, n = 0.0, 0
                for i, pt in enumerate(self.partners):
                    u = rng.random()
                    if pt.active:
                        measured = pt.output * (1.0 + noise * SQRT3 * (2.0 * u - 1.0))
                        weight[i] = max(measured, 0.0) ** p.isolated_attribution
                        total += weight[i]
                        n += 1
                if n == 0:
                    w.pool += share  # nobody to pay: the money waits
                    continue
                for i, pt in enumerate(self.partners):
                    if pt.active:
                        g = share * (weight[i] / total if total > 0.0 else 1.0 / n)
                        pt.grant += g
                        w.spent_partners += g
                        w.disbursed += g
        else:
            for _ in range(len(self.partners) * len(self.funders)):
                rng.random()  # the isolated regime's draws, to keep the stream aligned
            w.pool += to_partners
            rate = p.admin_base_rate + (p.admin_max_rate - p.admin_base_rate) * (
                1.0 - math.exp(-w.backbone_hours / p.admin_half_hours))
            disburse = min(w.pool, rate * to_partners)
            total = 0.0
            for pt in self.active():
                total += pt.engagement
            if total <= 0.0:
                disburse = 0.0
            for pt in self.active():
                if total > 0.0:
                    pt.grant = disburse * pt.engagement / total
            w.pool -= disburse
            w.disbursed = disburse
            w.spent_partners += disburse
        for pt in self.partners:
            pt.hours_funded = pt.grant / p.cost_per_hour

        expected = p.expected_cost_per_outcome
        review = (month + 1) % p.review_cycle == 0 and (month + 1) >= p.funder_patience
        for index, f in enumerate(self.funders):
            u_noise, u_persuade = rng.random(), rng.random()
            if not (review and f.active and w.dissolved == 0.0):
                continue
            outcomes = w.outcomes * (1.0 + noise * SQRT3 * (2.0 * u_noise - 1.0))
            measured = w.paid_in / max(outcomes, 1.0)
            before = f.level
            if measured > expected * f.tolerance:
                if u_persuade < w.effort_momentum * p.narrative_persuasion:
                    self.log("persuaded", index, -1, measured, expected * f.tolerance)
                    continue
                f.level = before * (1.0 - p.funder_cut)
                w.cuts += 1.0
                w.last_cut = month
                self.log("funding_cut", index, -1, before, f.level)
                if f.level < p.funder_exit_level:
                    f.active = False
                    self.log("funder_exit", index, -1, f.level, 0.0)
            else:
                grown = min(p.funder_max_level, before * (1.0 + p.funder_grow * (1.0 + w.effort_momentum)))
                if grown > before:
                    f.level = grown
                    self.log("funding_grow", index, -1, before, grown)

    # ------------------------------------------------------------------ 2 shocks, turnover, membership
    def accuracy(self) -> float:
        gap = 0.0
        for k in range(self.K):
            gap += abs(self.estimate[k] - self.true_profile[k])
        return 1.0 - 0.5 * gap

    def shocks(self):
        """Grant terms, funders' and home organizations' priorities, the leader, policy
        (kernels/shocks.py). Draws from `shocks`: 3 per funder, 2 per slot, 2, 1 + K."""
        p, w, rng = self.p, self.w, self.streams.shocks
        month = int(w.month)
        live = w.dissolved == 0.0
        if w.vacancy > 0.0:
            w.vacancy -= 1.0
        for index, f in enumerate(self.funders):
            u_shift, u_renew, u_join = rng.random(), rng.random(), rng.random()
            if not live:
                continue
            if f.active:
                if u_shift < p.funder_shift_rate:
                    f.active = False
                    w.shocks += 1.0
                    self.log("funder_shift", index, -1, f.level, 0.0)
                    continue
                if month + 1 - f.term_start >= p.grant_term:
                    measured = w.paid_in / max(w.outcomes, 1.0)
                    benchmark = p.expected_cost_per_outcome * f.tolerance
                    if measured <= benchmark:
                        chance = p.renewal_rate
                    else:
                        chance = p.renewal_rate_poor + (1.0 - p.renewal_rate_poor) * w.effort_momentum * p.narrative_persuasion
                    if u_renew < chance:
                        f.term_start = month + 1
                        self.log("grant_renewed", index, -1, measured, benchmark)
                    else:
                        f.active = False
                        w.grant_ends += 1.0
                        self.log("grant_ended", index, -1, measured, benchmark)
            elif u_join < p.funder_recruit_rate + w.effort_momentum * p.funder_recruit_gain:
                f.active, f.level, f.term_start = True, 1.0, month + 1
                w.funder_joins += 1.0
                self.log("funder_join", index, -1, 0.0, 0.0)
        keep = 1.0 - p.align_strength * w.effort_alignment
        for i, pt in enumerate(self.partners):
            u_home, u_leave = rng.random(), rng.random()
            if not (live and pt.active) or u_home >= p.home_shift_rate:
                continue
            leaves = u_leave < (1.0 - pt.commitment) * keep
            self.log("home_shift", i, -1, pt.commitment, 1.0 if leaves else 0.0)
            w.shocks += 1.0
            if leaves:
                pt.active = False
                w.exits += 1.0
                w.home_exits += 1.0
                for j in range(len(self.partners)):
                    self.set_trust(i, j, 0.0)
        u_leader, u_quality = rng.random(), rng.random()
        if live and u_leader < p.leader_exit_rate and w.backbone_hours > 0.0:
            old = w.leadership
            w.leadership = spread(p.leadership_sd, u_quality)
            w.vacancy = float(p.leader_vacancy)
            w.shocks += 1.0
            self.log("leader_exit", -1, -1, old, w.leadership)
        u_policy = rng.random()
        fresh = [0.0] * self.K
        total = 0.0
        for k in range(self.K):
            fresh[k] = 0.5 + rng.random()
            total += fresh[k]
        if live and u_policy < p.policy_shock_rate:
            before = self.accuracy()
            for k in range(self.K):
                self.true_profile[k] = (1.0 - p.policy_shift) * self.true_profile[k] + p.policy_shift * fresh[k] / total
            w.shocks += 1.0
            self.log("policy_shock", -1, -1, before, self.accuracy())

    def turnover(self):
        """Each active representative leaves with chance turnover_rate (one `turnover`
        uniform per slot, always). Onboarding o = E_coordination x onboarding: the
        successor keeps (1 - turnover_trust_loss (1 - o)) of each trust, and knowledge
        newcomer + o (old - newcomer), at least newcomer_knowledge."""
        p, w, rng = self.p, self.w, self.streams.turnover
        onboard = w.effort_coordination * p.onboarding
        loss = p.turnover_trust_loss * (1.0 - onboard)
        for i, pt in enumerate(self.partners):
            u = rng.random()
            if not pt.active:
                continue
            pt.tenure += 1
            if u >= p.turnover_rate:
                continue
            before = self.partner_trust(i)
            for j, other in enumerate(self.partners):
                if j != i and other.active:
                    self.set_trust(i, j, self.trust[i][j] * (1.0 - loss))
            pt.knowledge = p.newcomer_knowledge + onboard * (pt.knowledge - p.newcomer_knowledge)
            if pt.knowledge < p.newcomer_knowledge:
                pt.knowledge = p.newcomer_knowledge
            pt.tenure = 0
            pt.reps += 1
            w.turnover_since_launch += 1.0
            w.turnovers += 1.0
            self.log("turnover", i, -1, before, self.partner_trust(i))

    def membership(self):
        """A partner exits after exit_patience months with engagement below exit_threshold
        (its trust is wiped). Recruitment: chance recruit_rate + E_momentum x recruit_gain
        fills the first never-used slot (competences from K uniforms, drawn every month; trust
        init_trust both ways; knowledge newcomer + onboarding share of the gap). With
        fewer than 2 partners or no funder left, the partnership dissolves.
        Draws from `membership`: 1 + K per month."""
        p, w, rng = self.p, self.w, self.streams.membership
        for i, pt in enumerate(self.partners):
            if not pt.active:
                continue
            pt.low_months = pt.low_months + 1 if pt.engagement < p.exit_threshold else 0
            if pt.low_months >= p.exit_patience:
                pt.active = False
                w.exits += 1.0
                for j in range(len(self.partners)):
                    self.set_trust(i, j, 0.0)
                self.log("exit", i, -1, pt.engagement, 0.0)

        u = rng.random()
        comp = [rng.random() for _ in range(self.K)]
        chance = p.recruit_rate + w.effort_momentum * p.recruit_gain
        free = [pt for pt in self.partners if not pt.ever]  # recruits are new organizations
        if u < chance and w.dissolved == 0.0 and free:
            pt = free[0]
            pt.active = True
            pt.sector = pt.slot % 4
            pt.ever = True
            pt.competence = [p.competence_floor + (1.0 - p.competence_floor) * c * c for c in comp]
            pt.engagement, pt.commitment = p.init_engagement, p.init_commitment
            gap = max(p.init_knowledge - p.newcomer_knowledge, 0.0)
            pt.knowledge = p.newcomer_knowledge + w.effort_coordination * p.onboarding * gap
            pt.tenure, pt.low_months = 0, 0
            pt.reps += 1
            pt.ceiling = p.trust_ceiling
            for j, other in enumerate(self.partners):
                if j != pt.slot and other.active:
                    self.set_trust(pt.slot, j, p.init_trust)
            w.recruited += 1.0
            self.log("recruit", pt.slot, -1, 0.0, 0.0)

        n_partners = len(self.active())
        n_funders = len([f for f in self.funders if f.active])
        if w.dissolved == 0.0 and (n_partners < 2 or n_funders == 0):
            w.dissolved = 1.0
            self.log("dissolved", -1, -1, n_partners, n_funders)
            for pt in self.partners:
                pt.active = False
            self.trust = [[0.0] * len(self.partners) for _ in self.partners]

    # ------------------------------------------------------------------ 3 practices
    def efforts(self) -> list[float]:
        """E_q = use_q (1 - exp(-H w_q / sum(w) / effort_scale_hours)), H = orchestration
        hours (backbone staff + partners' own orchestration x efficiency)."""
        p = self.p
        weights = [getattr(p, f"effort_{q}") for q in PRINCIPLES]
        total = 0.0
        for x in weights:
            total += x
        if total <= 0.0:
            return [0.0] * 6
        return [float(getattr(p, f"use_{q}")) * (1.0 - math.exp(-self.w.orch_hours * wq / total / p.effort_scale_hours))
                for q, wq in zip(PRINCIPLES, weights)]

    def practices(self):
        """Efforts on the six principles; measurement noise = measurement_noise (1 -
        E_measurement x measurement_gain); identity: relaunch once turnover since the last
        launch >= relaunch_threshold x launch size (engagement, knowledge and trust move
        toward 1, 1 and the team's best trust by E_identity x the relaunch gains);
        population: the agenda moves toward true needs by E_population x cocreation_rate;
        measurement: toward measured demand by E_measurement x learning_rate; in a
        re-design month (pooled), toward true needs by redesign_rate."""
        p, w = self.p, self.w
        shared = 0.0
        for pt in self.partners:
            shared += pt.hours_orch
        lead = w.leadership * (0.5 if w.vacancy > 0.0 else 1.0)
        w.orch_hours = w.backbone_hours * lead + shared * p.self_orchestration_efficiency
        (w.effort_alignment, w.effort_momentum, w.effort_identity, w.effort_coordination,
         w.effort_population, w.effort_measurement) = self.efforts()
        w.noise = p.measurement_noise * (1.0 - w.effort_measurement * p.measurement_gain)

        n = len(self.active())
        if (w.effort_identity > 0.0 and w.dissolved == 0.0 and w.turnover_since_launch > 0.0
                and w.turnover_since_launch >= p.relaunch_threshold * w.launch_size):
            e = w.effort_identity
            S = len(self.partners)
            for i, pt in enumerate(self.partners):
                if not pt.active:
                    continue
                pt.engagement += e * p.relaunch_engagement_gain * (1.0 - pt.engagement)
                pt.knowledge += e * p.relaunch_knowledge_gain * (1.0 - pt.knowledge)
                for j in range(i + 1, S):
                    t = self.trust[i][j]
                    if self.partners[j].active and t < w.trust_ref:
                        self.set_trust(i, j, t + e * p.relaunch_trust_restore * (w.trust_ref - t))
            share = w.turnover_since_launch / w.launch_size
            w.turnover_since_launch = 0.0
            w.launch_size = float(n)
            w.last_relaunch = w.month
            w.relaunches += 1.0
            self.log("relaunch", -1, -1, share, self.mean_trust())

        demand = [0.0] * self.K
        dtotal = 0.0
        for m, takers in enumerate(self.takers):
            for k in range(self.K):
                if has(m, k):
                    demand[k] += takers
                    dtotal += takers
        # Re-design (the phase set last month) revisits needs: the agenda moves toward true
        # needs at redesign_rate (pooled regime only: isolated grantees have no agenda).
        redesign = 0.0
        if int(w.phase) == REDESIGN and p.regime != "isolated" and w.dissolved == 0.0:
            redesign = p.redesign_rate
        total = 0.0
        for k in range(self.K):
            self.estimate[k] += w.effort_population * p.cocreation_rate * (self.true_profile[k] - self.estimate[k])
            if dtotal > 0.0:
                self.estimate[k] += w.effort_measurement * p.learning_rate * (demand[k] / dtotal - self.estimate[k])
            self.estimate[k] += redesign * (self.true_profile[k] - self.estimate[k])
            total += self.estimate[k]
        for k in range(self.K):
            self.estimate[k] /= total

    # ------------------------------------------------------------------ 4 coordination
    def coordination(self):
        """Intended integration g (0 if isolated or dissolved); pair intensity x = g min(1,
        max_links / (n - 1)); a link costs x link_hours (1 + low_trust_cost (1 - T_ij))
        (1 - facilitation E_coordination) hours; group meetings g meeting_hours (n - 1)
        (1 - facilitation E_coordination); the backbone's demands, backbone_demand x
        backbone hours / n; shared reporting g reporting_share of the partner's hours; plus relaunch_hours in a relaunch month and redesign_hours in a
        re-design month (pooled); all capped by the hours available; self-orchestration
        takes what it can of the rest, and in the isolated regime grant-seeking
        grant_seeking_share of the funded hours (what is left after that).
        Excess = max(0, (coord + orch) / hours - overcoord_tolerance). Realized integration
        = g (floor + (1 - floor) mean trust)."""
        p, w = self.p, self.w
        n = len(self.active())
        isolated = p.regime == "isolated"
        g = 0.0 if (isolated or w.dissolved != 0.0) else p.integration
        x = g * min(1.0, p.max_links / (n - 1.0)) if n > 1 else 0.0
        fixed = p.relaunch_hours if w.last_relaunch == w.month else 0.0
        if int(w.phase) == REDESIGN and not isolated and w.dissolved == 0.0:
            fixed += p.redesign_hours
        facil = 1.0 - w.effort_coordination * p.facilitation
        meetings = g * p.meeting_hours * (n - 1.0) * facil if n > 1 else 0.0
        demand = p.backbone_demand * w.backbone_hours / n if n > 0 else 0.0
        for i, pt in enumerate(self.partners):
            pt.hours_coord = pt.hours_orch = pt.hours_grants = pt.excess_coord = 0.0
            if not pt.active:
                pt.hours_inkind = pt.hours_funded = 0.0
                continue
            pt.hours_inkind = p.partner_hours * pt.capacity * pt.engagement
            total = pt.hours_inkind + pt.hours_funded
            coord = fixed + meetings + demand + g * p.reporting_share * total
            for j, other in enumerate(self.partners):
                if j != i and other.active:
                    coord += x * p.link_hours * (1.0 + p.low_trust_cost * (1.0 - self.trust[i][j])) * facil
            coord = min(coord, total)
            pt.hours_coord = coord
            pt.hours_orch = min(p.self_orchestration_hours, total - coord)
            if isolated:
                pt.hours_grants = min(p.grant_seeking_share * pt.hours_funded, total - coord - pt.hours_orch)
            if total > 0.0:
                pt.excess_coord = max(0.0, (coord + pt.hours_orch) / total - p.overcoord_tolerance)
        w.mean_trust = self.mean_trust()
        w.interaction = x
        w.integration = g * (p.integration_trust_floor + (1.0 - p.integration_trust_floor) * w.mean_trust)

    # ------------------------------------------------------------------ 5 trust
    def trust_process(self):
        """For each active pair (one `trust` uniform u per pair of slots, always): a =
        sqrt(c_i e_i c_j e_j) fit_ij (1 - sector_distance if sectors differ) (1 +
        interaction_noise sqrt3 (2u - 1)), s = tanh(k (a - baseline));
        s > 0: T += x l+ s (ceiling - T) (if below the lower ceiling); s <= 0: T += x l- s T
        (1 + dependence D); then T -= decay (1 - x) T, clipped to [0, ceiling].
        Betrayal by i (one `trust` uniform per slot): chance betrayal_rate (1 - c_i) (1 -
        protocol E_identity); each T_ij -= l- T_ij (1 + dependence D); ceiling_i -=
        reputation_damage. Ceilings recover at reputation_recovery."""
        p, w, rng = self.p, self.w, self.streams.trust
        x, D = w.interaction, w.integration
        amplify = 1.0 + p.trust_dependence * D
        S = len(self.partners)
        for i, pi in enumerate(self.partners):
            perf_i = pi.commitment * pi.engagement
            for j in range(i + 1, S):
                u = rng.random()
                pj = self.partners[j]
                if not (pi.active and pj.active):
                    continue
                fit = self.fit[i][j]
                if pi.sector != pj.sector:
                    fit *= 1.0 - p.sector_distance
                a = math.sqrt(perf_i * pj.commitment * pj.engagement) * fit
                a *= 1.0 + p.interaction_noise * SQRT3 * (2.0 * u - 1.0)
                s = math.tanh(p.trust_signal_k * (a - p.trust_baseline))
                t = self.trust[i][j]
                ceiling = min(pi.ceiling, pj.ceiling)
                if s > 0.0:
                    if t < ceiling:
                        t += x * p.trust_gain * s * (ceiling - t)
                else:
                    t += x * p.trust_loss * s * t * amplify
                t -= p.trust_decay * (1.0 - x) * t
                self.set_trust(i, j, min(max(t, 0.0), ceiling))

        protocol = 1.0 - w.effort_identity * p.betrayal_protocol
        for i, pt in enumerate(self.partners):
            u = rng.random()
            if not pt.active:
                continue
            if u < p.betrayal_rate * (1.0 - pt.commitment) * protocol:
                before = self.partner_trust(i)
                for j, other in enumerate(self.partners):
                    if j != i and other.active:
                        t = self.trust[i][j]
                        self.set_trust(i, j, max(0.0, t - p.trust_loss * t * amplify))
                pt.ceiling = max(0.0, pt.ceiling - p.reputation_damage)
                w.betrayals += 1.0
                self.log("betrayal", i, -1, before, self.partner_trust(i))
        for pt in self.active():
            pt.ceiling += p.reputation_recovery * (p.trust_ceiling - pt.ceiling)
        w.mean_trust = self.mean_trust()
        if w.mean_trust > w.trust_ref:
            w.trust_ref = w.mean_trust

    # ------------------------------------------------------------------ 6 work
    def work(self):
        """direct = in-kind + funded - coordination - orchestration - grant-seeking (>= 0);
        commitment of it is agenda work (none in the isolated regime), split over
        dimensions by estimate_k x competence_k; the rest is the partner's own programme,
        split by competence_k alone (its own priorities). An hour on k delivers
        competence_k (0.5 + 0.5 knowledge) either way. Agenda service is duplicated at
        dup = duplication_base (1 - integration) (1 - dedup E_coordination), home service
        at duplication_base. service_integration = integration x agenda share of the
        effective service."""
        p, w = self.p, self.w
        isolated = p.regime == "isolated"
        agenda_k = [0.0] * self.K
        home_k = [0.0] * self.K
        for pt in self.partners:
            pt.hours_agenda = pt.hours_home = pt.output = 0.0
            if not pt.active:
                continue
            direct = max(pt.hours_inkind + pt.hours_funded - pt.hours_coord - pt.hours_orch - pt.hours_grants, 0.0)
            agenda = 0.0 if isolated else direct * pt.commitment
            pt.hours_agenda, pt.hours_home = agenda, direct - agenda
            productivity = 0.5 + 0.5 * pt.knowledge
            norm = own = 0.0
            for k in range(self.K):
                norm += self.estimate[k] * pt.competence[k]
                own += pt.competence[k]
            if norm > 0.0:
                for k in range(self.K):
                    hours = agenda * self.estimate[k] * pt.competence[k] / norm
                    delivered = hours * pt.competence[k] * productivity
                    agenda_k[k] += delivered
                    pt.output += delivered
            if own > 0.0:
                for k in range(self.K):
                    hours = pt.hours_home * pt.competence[k] / own
                    delivered = hours * pt.competence[k] * productivity
                    home_k[k] += delivered
                    pt.output += delivered
        dup = p.duplication_base * (1.0 - w.integration) * (1.0 - p.dedup * w.effort_coordination)
        raw = dupl = from_agenda = from_home = 0.0
        for k in range(self.K):
            a = agenda_k[k] * (1.0 - dup)
            h = home_k[k] * (1.0 - p.duplication_base)
            self.service[k] = a + h
            raw += agenda_k[k] + home_k[k]
            dupl += agenda_k[k] * dup + home_k[k] * p.duplication_base
            from_agenda += a
            from_home += h
        w.duplication = dupl / raw if raw > 0.0 else dup
        w.service_home = from_home
        effective = from_agenda + from_home
        w.service_integration = w.integration * from_agenda / effective if effective > 0.0 else w.integration

    # ------------------------------------------------------------------ 7 beneficiaries
    def doses(self):
        """coverage_k = min(1, (service_k / hours_per_case) / load_k), 1 when nobody in the
        caseload needs k. A person needing the c dimensions of mask m gets
        dose = (g min_k coverage_k + (1 - g) prod_k coverage_k) (1 - fragmentation (1 - g))^(c - 1),
        g = service_integration (realized integration x agenda share of service: home
        programmes are not integrated): integrated services combine on the same people, in
        parallel play they reach people independently and lose value per extra need."""
        p, w, K = self.p, self.w, self.K
        for k in range(K):
            cases = self.service[k] / p.hours_per_case
            self.coverage[k] = min(1.0, cases / self.load[k]) if self.load[k] > 0 else 1.0
        g = w.service_integration
        combine = 1.0 - p.fragmentation * (1.0 - g)
        for m in range(len(self.dose)):
            lo, prod, n = 1.0, 1.0, 0
            for k in range(K):
                if has(m, k):
                    n += 1
                    lo = min(lo, self.coverage[k])
                    prod *= self.coverage[k]
            self.dose[m] = (g * lo + (1.0 - g) * prod) * int_power(combine, n - 1) if n > 0 else 0.0

    def move_load(self, mask: int, sign: int):
        """A caseload member with needs ``mask`` joins (+1) or leaves (-1) the load."""
        for k in range(self.K):
            if has(mask, k):
                self.load[k] += sign

    def beneficiaries(self):
        """Doses (above); free places: sum_k (service_k / hours_per_case - load_k) /
        complexity. Engagement lift moves toward E_population x cocreation_engagement.
        One `uptake` uniform picks where the pass starts (so nobody is first in line every
        month), a second one the month key mix64(floor(u 2^53)); person b's uniform is
        person_uniform(key, b), looked at only when it matters. A sustained person relapses (c -=
        relapse_sustained c); a person who shows up (u < engagement) and is in the
        caseload, or can join it (a free place), gains (c += min(1, gain dose + natural)
        (1 - c)); anyone else not sustained gains naturally and relapses (c += natural
        (1 - c) - relapse c), natural = natural_gain x base engagement (deadweight). Months at or above
        outcome_threshold count up; sustain_months of them are an outcome, which frees
        the case place. Then from `needs`: the profile's random walk (K), and the month key
        of the counter-based uniforms (CounterStream) for need drift (who, new mask) and
        cohort renewal (who, mask, condition, engagement; leaving the caseload)."""
        p, w, K = self.p, self.w, self.K
        self.doses()
        places = 0.0
        for k in range(K):
            places += self.service[k] / p.hours_per_case - self.load[k]
        places /= p.complexity
        w.lift += p.benef_engagement_rate * (w.effort_population * p.cocreation_engagement - w.lift)
        self.takers = [0.0] * len(self.takers)
        served = improved = impact = caseload = 0
        total_condition = total_engagement = 0.0
        rng = self.streams.uptake
        M = len(self.people)
        start = min(int(rng.random() * M), M - 1)
        key = mix64(int(rng.random() * 2 ** 53))
        for b in list(range(start, M)) + list(range(start)):
            person = self.people[b]
            m, c, above = person.needs, person.condition, person.months_above
            eng = min(1.0, person.base_engagement + w.lift)
            total_engagement += eng
            if above >= p.sustain_months:
                c -= p.relapse_rate_sustained * c
            elif (person.enrolled or places >= 1.0) and person_uniform(key, b) < eng:
                if not person.enrolled:
                    person.enrolled = True
                    self.move_load(m, 1)
                    places -= 1.0
                c += min(1.0, p.gain_rate * w.ease * self.dose[m] + p.natural_gain * person.base_engagement) * (1.0 - c)
                served += 1
            else:
                c += p.natural_gain * person.base_engagement * (1.0 - c) - p.relapse_rate * c
            if c >= p.outcome_threshold:
                above += 1
                improved += 1
            else:
                above = 0
            if above == p.sustain_months:
                if not person.achieved:
                    person.achieved = True
                    w.outcomes += 1.0
                if person.enrolled:
                    person.enrolled = False
                    self.move_load(m, -1)
            if above >= p.sustain_months:
                impact += 1
            else:
                self.takers[m] += eng
            caseload += person.enrolled
            person.condition, person.months_above = c, above
            total_condition += c
        w.served = float(served)
        w.caseload = float(caseload)
        w.prev_improved = w.improved_share
        w.improved_share = improved / M
        w.impact_share = impact / M
        w.mean_condition = total_condition / M
        w.benef_engagement = total_engagement / M

        rng = self.streams.needs
        total = 0.0
        for k in range(K):
            self.true_profile[k] *= math.exp(p.need_profile_drift * SQRT3 * (2.0 * rng.random() - 1.0))
            total += self.true_profile[k]
        self.true_profile = [x / total for x in self.true_profile]
        rng = CounterStream(mix64(int(rng.random() * 2 ** 53)))  # need drift and renewal
        for newcomer in (False, True):
            count = int(round(M * (p.beneficiary_turnover if newcomer else p.need_drift)))
            for _ in range(count):
                person = self.people[min(int(rng.random() * M), M - 1)]
                old, new = person.needs, draw_mask(self.true_profile, p.complexity, rng)
                for k in range(K):
                    self.need_count[k] += int(has(new, k)) - int(has(old, k))
                if person.enrolled:
                    self.move_load(old, -1)
                    if newcomer:
                        person.enrolled = False  # the newcomer starts outside the caseload
                    else:
                        self.move_load(new, 1)
                person.needs = new
                if newcomer:
                    person.condition = self.newcomer_condition(p, rng.random())
                    person.base_engagement = self.newcomer_engagement(p, rng.random())
                    person.months_above = 0
                    person.achieved = False

    # ------------------------------------------------------------------ 8 engagement
    def engagement(self):
        """progress = 0.8 progress + 0.2 x 12 x (change of the improved share). Engagement
        moves at engagement_rate toward clip(init + progress_weight progress +
        recognition_gain E_momentum + 0.1 (min(grant / mean grant, 2) - 1) +
        trust_weight (trust_i - init_trust) + funding_weight (funding - 1) - overcoord_erosion
        excess), funding = the funders' total level / n_funders, trust_i the
        partner's mean trust in the others. Commitment: dc = commit_gain e trust_i (1 - c) -
        home_pull (1 - align_strength E_alignment) c. Knowledge grows at
        learning_knowledge. The agenda moves toward the funders' level-weighted preference
        at agenda_rate x agenda_power x (1 - voice) x shield and toward true needs at
        agenda_rate x voice."""
        p, w = self.p, self.w
        w.progress = 0.8 * w.progress + 0.2 * 12.0 * (w.improved_share - w.prev_improved)
        members = self.active()
        mean_grant = 0.0
        for pt in members:
            mean_grant += pt.grant
        if members:
            mean_grant /= len(members)
        shield = 1.0 - p.align_strength * w.effort_alignment
        funding = 0.0
        for f in self.funders:
            if f.active:
                funding += f.level
        funding /= len(self.funders)
        for pt in members:
            interest = 0.1 * (min(pt.grant / mean_grant, 2.0) - 1.0) if mean_grant > 0.0 else 0.0
            t_i = self.partner_trust(pt.slot)
            target = clip01(p.init_engagement + pt.stake + p.progress_weight * w.progress
                            + p.recognition_gain * w.effort_momentum + interest
                            + p.trust_weight * (t_i - p.init_trust)
                            + p.funding_weight * (funding - 1.0)
                            - p.overcoord_erosion * pt.excess_coord)
            pt.engagement = clip01(pt.engagement + p.engagement_rate * (target - pt.engagement))
            c = pt.commitment
            c += p.commit_gain * pt.engagement * t_i * (1.0 - c) - p.home_pull * shield * c
            pt.commitment = clip01(c)
            pt.knowledge += p.learning_knowledge * (1.0 - pt.knowledge)

        level = 0.0
        for f in self.funders:
            if f.active:
                level += f.level
        voice = p.beneficiary_involvement
        pull = p.agenda_rate * p.funder_agenda_power * (1.0 - voice) * shield
        total = 0.0
        for k in range(self.K):
            if level > 0.0:
                pref = 0.0
                for f in self.funders:
                    if f.active:
                        pref += f.level * f.preference[k] / level
                self.estimate[k] += pull * (pref - self.estimate[k])
            self.estimate[k] += p.agenda_rate * voice * (self.true_profile[k] - self.estimate[k])
            total += self.estimate[k]
        self.estimate = [x / total for x in self.estimate]

    # ------------------------------------------------------------------ 9 measurement
    def phase_of(self, level: float) -> int:
        """The phase, with hysteresis. Re-design is due after a major shock (total funder
        level down by >= shock_cut_share of last month's) or, after initiation, after
        stagnation_months in a row with progress < stagnation_threshold and the improved
        share below target. Wanted: initiation (before phase_initiation_months), re-design
        (if due), exponential value (progress >= phase_growth_threshold, mean trust >=
        phase_trust_threshold), else run. The phase changes only once the current one has
        lasted phase_min_months; entering re-design clears the trigger and the count."""
        p, w = self.p, self.w
        month = w.month
        if w.dissolved == 0.0:
            if w.prev_level > 0.0 and w.prev_level - level >= p.shock_cut_share * w.prev_level:
                w.redesign_due = 1.0
            if month >= p.phase_initiation_months:
                if w.progress < p.stagnation_threshold and w.improved_share < p.target_outcome_share:
                    w.stagnant_months += 1.0
                else:
                    w.stagnant_months = 0.0
                if w.stagnant_months >= p.stagnation_months:
                    w.redesign_due = 1.0
        w.prev_level = level
        phase = int(w.phase)
        if phase == INITIATION and month < p.phase_initiation_months:
            wanted = INITIATION
        elif w.redesign_due != 0.0:
            wanted = REDESIGN
        elif w.progress >= p.phase_growth_threshold and w.mean_trust >= p.phase_trust_threshold:
            wanted = EXPONENTIAL
        else:
            wanted = RUN
        if wanted == phase:
            if wanted == REDESIGN:
                w.redesign_due = 0.0
            w.phase_months += 1.0
            return phase
        if w.phase_months < p.phase_min_months:
            w.phase_months += 1.0
            return phase
        if wanted == REDESIGN:
            w.redesign_due = 0.0
            w.stagnant_months = 0.0
            w.redesigns += 1.0
        w.phase_months = 1.0
        return wanted

    def annuity(self) -> float:
        """Present value at the end of the run of a person-year of value a year for
        benefit_duration years, dropping off by benefit_dropoff a year."""
        p = self.p
        total, keep, disc = 0.0, 1.0, 1.0
        for _ in range(p.benefit_duration):
            disc /= 1.0 + p.discount_rate
            total += keep * disc
            keep *= 1.0 - p.benefit_dropoff
        return total

    def measurement(self) -> list[float]:
        """The month's row of METRICS (results chain and scorecard); logs a phase change
        and advances the clock."""
        p, w = self.p, self.w
        members = self.active()
        n = len(members)
        tot = {k: 0.0 for k in ("inkind", "funded", "coord", "orch", "agenda", "home", "grants", "eng", "com", "kn")}
        for pt in members:
            for key, value in (("inkind", pt.hours_inkind), ("funded", pt.hours_funded), ("coord", pt.hours_coord),
                               ("orch", pt.hours_orch), ("agenda", pt.hours_agenda), ("home", pt.hours_home),
                               ("grants", pt.hours_grants),
                               ("eng", pt.engagement), ("com", pt.commitment), ("kn", pt.knowledge)):
                tot[key] += value
        retained = len([pt for pt in members if pt.slot < p.n_partners])
        service = 0.0
        for k in range(self.K):
            service += self.service[k]
        level = 0.0
        for f in self.funders:
            if f.active:
                level += f.level
        M = len(self.people)
        spent_total = w.spent_partners + w.spent_backbone
        spent = w.inflow * p.backbone_share + w.disbursed
        impact = float(round(w.impact_share * M))
        # Value: outcome-months at value_per_outcome_year / 12, discounted to month 0; plus
        # the outcomes held now, projected beyond this month (annuity), discounted.
        discount = (1.0 + p.discount_rate) ** (-w.month / 12.0)
        w.outcome_months += impact
        w.value_pv += impact * p.value_per_outcome_year / 12.0 * discount
        w.spent_pv += spent * discount
        ahead = impact * p.value_per_outcome_year * self.annuity() * (1.0 + p.discount_rate) ** (-(w.month + 1.0) / 12.0)
        value_gross = w.value_pv + ahead
        new_phase = self.phase_of(level)
        if new_phase != int(w.phase):
            self.log("phase", -1, -1, w.phase, float(new_phase))
            w.phase = float(new_phase)
        hours = tot["inkind"] + tot["funded"]
        row = {
            "month": w.month + 1.0,
            "paid_in": w.inflow, "spent": spent, "held": w.pool,
            "backbone_spend": w.inflow * p.backbone_share,
            "hours_inkind": tot["inkind"], "hours_funded": tot["funded"], "hours_coordination": tot["coord"],
            "hours_orchestration": tot["orch"], "hours_agenda": tot["agenda"], "hours_home": tot["home"],
            "service_hours": service, "served": w.served, "caseload": w.caseload,
            "improved": float(round(w.improved_share * M)), "improved_share": w.improved_share,
            "impact": impact, "impact_share": w.impact_share, "outcomes_total": w.outcomes,
            "mean_condition": w.mean_condition, "beneficiary_engagement": w.benef_engagement,
            "mean_trust": w.mean_trust, "mean_engagement": tot["eng"] / n if n else 0.0,
            "mean_commitment": tot["com"] / n if n else 0.0, "mean_knowledge": tot["kn"] / n if n else 0.0,
            "active_partners": float(n), "retention": retained / p.n_partners,
            "coordination_share": (tot["coord"] + tot["orch"]) / hours if hours > 0 else 0.0,
            "duplication": w.duplication, "integration": w.integration,
            "funds_raised": w.paid_in, "spent_total": spent_total,
            "cost_per_outcome": spent_total / max(w.outcomes, 1.0),
            "sroi": value_gross / w.spent_pv if w.spent_pv > 0 else 0.0,
            "funder_level": level / len(self.funders), "active_funders": float(len([f for f in self.funders if f.active])),
            "needs_accuracy": self.accuracy(), "partners_recruited": w.recruited,
            "backbone_hours": w.backbone_hours,
            "effort_alignment": w.effort_alignment, "effort_momentum": w.effort_momentum,
            "effort_identity": w.effort_identity, "effort_coordination": w.effort_coordination,
            "effort_population": w.effort_population, "effort_measurement": w.effort_measurement,
            "turnovers": w.turnovers, "exits": w.exits, "betrayals": w.betrayals, "relaunches": w.relaunches,
            "funding_cuts": w.cuts, "dissolved": w.dissolved, "shocks": w.shocks,
            "hours_grants": tot["grants"], "service_home": w.service_home, "outcome_years": w.outcome_months / 12.0,
            "value_gross": value_gross, "spent_pv": w.spent_pv, "redesigns": w.redesigns,
            "phase": w.phase,
        }
        w.month += 1.0
        return [row[name] for name in METRICS]

    # ------------------------------------------------------------------ the month
    def step(self) -> list[float]:
        """One month, in the order of simulation.engine.step_month."""
        self.funding()
        self.shocks()
        self.turnover()
        self.membership()
        self.practices()
        self.coordination()
        self.trust_process()
        self.work()
        self.beneficiaries()
        self.engagement()
        return self.measurement()

    def to_state(self):
        """The final state as the fast path's arrays (``simulation.State``)."""
        st = allocate(self.p)
        pt_arrays = st.partners
        for pt in self.partners:
            for name in pt_arrays._fields:
                value = getattr(pt, name)
                getattr(pt_arrays, name)[pt.slot] = value
        st.trust[:] = np.array(self.trust)
        st.fit[:] = np.array(self.fit)
        for f, funder in enumerate(self.funders):
            st.funders.active[f] = funder.active
            st.funders.level[f] = funder.level
            st.funders.preference[f] = funder.preference
            st.funders.tolerance[f] = funder.tolerance
            st.funders.term_start[f] = funder.term_start
        for name in st.beneficiaries._fields:
            getattr(st.beneficiaries, name)[:] = [getattr(person, name) for person in self.people]
        for name in st.needs._fields:
            getattr(st.needs, name)[:] = getattr(self, name)
        for name in WORLD_FIELDS:
            st.world[0][name] = getattr(self.w, name)
        if self.events:
            st.events.rows[: len(self.events)] = np.array(self.events, dtype=np.float64)
        return st


def simulate_reference(params: Params | dict | None = None, seed: int = 0) -> Result:
    """Run the reference implementation: same (params, seed) -> same Result as
    ``simulation.simulate``, at plain-Python speed."""
    p = params if isinstance(params, Params) else Params(params or {})
    run = Partnership(p, seed)
    out = np.array([run.step() for _ in range(p.months)], dtype=np.float64).reshape(p.months, len(METRICS))
    state = run.to_state()
    return Result(p, int(seed), monthly_frame(out), event_frame(state), state)


__all__ = ["simulate_reference", "Partnership", "Partner", "Funder", "Beneficiary"]
