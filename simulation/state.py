"""All model state, declared in one place: structure of arrays.

Every array below has a dtype, a unit and a meaning. Partner arrays are indexed by
partner *slot* (launch partners first, then room for recruits); funder arrays by funder
index; beneficiary arrays by beneficiary index; ``World`` holds the partnership-level
scalars as one numpy record (so kernels read and write ``w.pool`` by name).

The containers are ``NamedTuple``s of numpy arrays: numba takes them as they are, and the
Mesa agents are thin views onto the same arrays.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .params import Params

# Event types in the event log (column 1 of ``events.rows``).
EVENT_TYPES = {
    1: "turnover",        # a: partner slot; v1, v2: its mean trust before, after
    2: "exit",            # a: partner slot; v1: its engagement
    3: "recruit",         # a: partner slot
    4: "relaunch",        # v1: turnover share since the last launch; v2: mean trust after
    5: "betrayal",        # a: partner slot; v1, v2: its mean trust before, after
    6: "funding_cut",     # a: funder; v1, v2: level before, after
    7: "funding_grow",    # a: funder; v1, v2: level before, after
    8: "funder_exit",     # a: funder; v1: level
    9: "persuaded",       # a: funder; v1: measured cost per outcome; v2: expected
    10: "phase",          # v1: old phase, v2: new phase
    11: "dissolved",      # v1: active partners, v2: active funders
    12: "grant_renewed",  # a: funder; v1: measured cost per outcome; v2: its benchmark
    13: "grant_ended",    # a: funder; v1: measured cost per outcome; v2: its benchmark
    14: "funder_shift",   # a: funder; v1: its level
    15: "funder_join",    # a: funder place
    16: "home_shift",     # a: partner slot; v1: its commitment; v2: 1 if it left
    17: "leader_exit",    # v1: old leadership quality; v2: the successor's
    18: "policy_shock",   # v1, v2: needs accuracy of the agenda before, after
}
EVENT_CODES = {name: code for code, name in EVENT_TYPES.items()}
PHASES = ("initiation", "run", "re-design", "exponential value")
EVENT_COLUMNS = ("month", "type", "a", "b", "v1", "v2")


class Partners(NamedTuple):
    """Partner organizations, one row per slot."""

    active: np.ndarray        # bool: a member now
    ever: np.ndarray          # bool: the slot has been used
    sector: np.ndarray        # int64: index into params.SECTORS
    competence: np.ndarray    # float64 (slots, K): share of an hour that becomes service on k
    engagement: np.ndarray    # float64: momentum in [0, 1]; scales in-kind hours
    commitment: np.ndarray    # float64: share of direct work serving the common agenda
    knowledge: np.ndarray     # float64: representative's partnership knowledge in [0, 1]
    tenure: np.ndarray        # int64: months the current representative has served
    reps: np.ndarray          # int64: representatives the slot has had
    low_months: np.ndarray    # int64: consecutive months with engagement below exit threshold
    ceiling: np.ndarray       # float64: highest trust others can place in it (reputation)
    grant: np.ndarray         # float64, k: money received this month
    hours_inkind: np.ndarray  # float64, h: in-kind hours this month
    hours_funded: np.ndarray  # float64, h: grant-funded hours this month
    hours_coord: np.ndarray   # float64, h: coordination overhead this month
    hours_orch: np.ndarray    # float64, h: orchestration (work ON the partnership) this month
    hours_agenda: np.ndarray  # float64, h: direct work on the common agenda this month
    hours_home: np.ndarray    # float64, h: direct work serving home KPIs this month
    excess_coord: np.ndarray  # float64: coordination share of hours above tolerance
    output: np.ndarray        # float64, h: attributable service delivered this month
    capacity: np.ndarray      # float64: multiplier on partner_hours (the run's context)
    stake: np.ndarray         # float64: what the partnership is worth to the organization, added to its engagement target (context)
    hours_grants: np.ndarray  # float64, h: competing for and reporting on own grants this month (isolated)


class Funders(NamedTuple):
    active: np.ndarray        # bool: still paying in
    level: np.ndarray         # float64: multiple of funder_budget paid per month
    preference: np.ndarray    # float64 (F, K): the need profile the funder wants served
    tolerance: np.ndarray     # float64: multiplier on expected_cost_per_outcome (the funder's stance)
    term_start: np.ndarray    # int64: month index at which the funder's current grant began
    shortfall: np.ndarray     # float64: shortfall of results against its expectation at its last review (0: met)
    measured: np.ndarray      # float64, k: cost per outcome it measured at its last review (0: none yet)


class Beneficiaries(NamedTuple):
    needs: np.ndarray         # uint8: bitmask of the dimensions the person needs served
    condition: np.ndarray     # float64 in [0, 1]
    base_engagement: np.ndarray  # float64: personal engagement before co-creation lifts it
    months_above: np.ndarray  # int32: consecutive months with condition >= outcome threshold
    enrolled: np.ndarray      # uint8: 1 while in the partnership's caseload
    achieved: np.ndarray      # uint8: 1 once the person has reached a sustained outcome


class Needs(NamedTuple):
    """Partnership-level arrays over the K dimensions (and over the 2^K need masks)."""

    true_profile: np.ndarray  # float64 (K): population's need shares (new needs drawn from it)
    estimate: np.ndarray      # float64 (K): the agenda: the partnership's estimate of needs
    need_count: np.ndarray    # int64 (K): beneficiaries needing each dimension
    service: np.ndarray       # float64 (K), h: effective service hours this month
    coverage: np.ndarray      # float64 (K): share of the caseload's need on k that services meet
    load: np.ndarray          # int64 (K): people in the caseload needing each dimension
    takers: np.ndarray        # float64 (2^K): expected takers per need mask (last month)
    dose: np.ndarray          # float64 (2^K): dose per need mask this month


class Events(NamedTuple):
    rows: np.ndarray          # float64 (capacity, 6): month, type, a, b, v1, v2


WORLD_FIELDS = (
    "month",               # months simulated so far
    "dissolved",           # 1 once the partnership has dissolved
    "pool",                # k: pooled money not yet disbursed (held)
    "paid_in",             # k: cumulative money paid in by funders
    "spent_partners",      # k: cumulative money disbursed to partners
    "spent_backbone",      # k: cumulative money spent on backbone staff
    "inflow",              # k: money paid in this month
    "backbone_hours",      # h: backbone staff hours this month
    "orch_hours",          # h: effective orchestration hours this month (backbone + shared)
    "effort_alignment", "effort_momentum", "effort_identity",
    "effort_coordination", "effort_population", "effort_measurement",  # in [0, 1)
    "noise",               # relative sd of measured results this month
    "integration",         # effective degree of integration this month
    "interaction",         # interaction intensity per pair this month
    "duplication",         # share of service duplicated this month
    "mean_trust",          # mean pairwise trust among active partners
    "trust_ref",           # best mean trust the team has had (relaunches restore toward it)
    "launch_size",         # active partners at the last (re)launch
    "turnover_since_launch",
    "last_relaunch", "last_cut",  # month of the last relaunch, funding cut (-1: none)
    "lift",                # beneficiary engagement lift from co-creation
    "improved_share", "impact_share",  # last month's outcome and sustained-outcome shares
    "prev_improved",       # the improved share the month before
    "served",              # beneficiaries served this month
    "caseload",            # people in the caseload at the end of the month
    "outcomes",            # people who reached a sustained outcome (each counted once)
    "mean_condition",      # mean beneficiary condition
    "benef_engagement",    # mean beneficiary engagement
    "progress",            # smoothed annualized change of the improved share
    "disbursed",           # k: money reaching partners this month
    "phase",               # index into PHASES
    "recruited", "exits", "turnovers", "betrayals", "relaunches", "cuts",  # cumulative counts
    "n_events", "dropped_events",
    "leadership",          # multiplier on the backbone's effective hours (context; redrawn with a new leader)
    "ease",                # 1 / the problem's difficulty: multiplier on gain_rate (context)
    "vacancy",             # months the leader's post stays empty
    "funder_joins", "grant_ends", "home_exits", "shocks",  # cumulative counts
    "service_integration", # integration as people feel it: G x agenda share of service (7.8)
    "service_home",        # h: effective service from partners' own programmes this month
    "outcome_months",      # person-months holding a sustained outcome, cumulative
    "value_pv",            # k: discounted value of outcome-months so far
    "spent_pv",            # k: discounted spend so far
    "phase_months",        # months spent in the current phase
    "stagnant_months",     # consecutive stagnant months after initiation
    "redesign_due",        # 1 when stagnation or a shock calls for re-design
    "prev_level",          # total funder level last month
    "redesigns",           # times the partnership entered re-design, cumulative
    "outcome_leavers",     # people who left the target group this month holding a sustained outcome
    "review_outcomes",     # sustained outcomes by the end of the last review period (expectation rule)
    "review_paid",         # k: money paid in by the end of the last review period
    "period_outcomes",     # sustained outcomes reached in the last complete review period
)
WORLD_DTYPE = np.dtype([(f, np.float64) for f in WORLD_FIELDS])


class State(NamedTuple):
    partners: Partners
    trust: np.ndarray          # float64 (slots, slots): symmetric pairwise trust partners act on, 0 off members
    trust_levels: np.ndarray   # float64 (2, slots, slots): [0] interpersonal (representatives), [1] interorganizational
    fit: np.ndarray            # float64 (slots, slots): symmetric pair fit (context), before sector distance
    funders: Funders
    beneficiaries: Beneficiaries
    needs: Needs
    world: np.ndarray          # WORLD_DTYPE, shape (1,)
    events: Events

    def copy(self) -> "State":
        def cp(x):
            return type(x)(*(a.copy() for a in x)) if isinstance(x, tuple) else x.copy()
        return State(*(cp(x) for x in self))


def event_capacity(p: Params) -> int:
    per_month = 4 * p.slots + 6 * p.n_funders + 8
    return int(min(p.months * per_month + 16, 500_000))


def allocate(p: Params) -> State:
    """Zeroed state of the right shapes for parameters ``p``."""
    S, K, F, M = p.slots, p.n_dimensions, p.n_funders, p.n_beneficiaries
    f8 = np.float64
    partners = Partners(
        active=np.zeros(S, np.bool_), ever=np.zeros(S, np.bool_), sector=np.zeros(S, np.int64),
        competence=np.zeros((S, K), f8), engagement=np.zeros(S, f8), commitment=np.zeros(S, f8),
        knowledge=np.zeros(S, f8), tenure=np.zeros(S, np.int64), reps=np.zeros(S, np.int64),
        low_months=np.zeros(S, np.int64), ceiling=np.zeros(S, f8), grant=np.zeros(S, f8),
        hours_inkind=np.zeros(S, f8), hours_funded=np.zeros(S, f8), hours_coord=np.zeros(S, f8),
        hours_orch=np.zeros(S, f8), hours_agenda=np.zeros(S, f8), hours_home=np.zeros(S, f8),
        excess_coord=np.zeros(S, f8), output=np.zeros(S, f8), capacity=np.zeros(S, f8), stake=np.zeros(S, f8),
        hours_grants=np.zeros(S, f8),
    )
    funders = Funders(active=np.zeros(F, np.bool_), level=np.zeros(F, f8), preference=np.zeros((F, K), f8),
                      tolerance=np.zeros(F, f8), term_start=np.zeros(F, np.int64),
                      shortfall=np.zeros(F, f8), measured=np.zeros(F, f8))
    beneficiaries = Beneficiaries(
        needs=np.zeros(M, np.uint8), condition=np.zeros(M, f8),
        base_engagement=np.zeros(M, f8), months_above=np.zeros(M, np.int32),
        enrolled=np.zeros(M, np.uint8), achieved=np.zeros(M, np.uint8),
    )
    needs = Needs(
        true_profile=np.zeros(K, f8), estimate=np.zeros(K, f8), need_count=np.zeros(K, np.int64),
        service=np.zeros(K, f8), coverage=np.zeros(K, f8), load=np.zeros(K, np.int64), takers=np.zeros(2**K, f8), dose=np.zeros(2**K, f8),
    )
    events = Events(rows=np.zeros((event_capacity(p), 6), f8))
    return State(partners, np.zeros((S, S), f8), np.zeros((2, S, S), f8), np.zeros((S, S), f8), funders, beneficiaries, needs, np.zeros(1, WORLD_DTYPE), events)
