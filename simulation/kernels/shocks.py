"""Process 2 (first half), shocks and grant terms: the ways a partnership can fail that
come from outside it: grants that end and must be renewed, funders and home
organizations changing their priorities, a leader leaving, a policy change."""

import numpy as np
from numba import njit

from .common import (FUNDER_JOIN, FUNDER_SHIFT, GRANT_ENDED, GRANT_RENEWED, HOME_SHIFT,
                     LEADER_EXIT, NEED_LOW, POLICY_SHOCK, PRICE, log_event, needs_accuracy,
                     spread)
from .interventions import add_funder, funder_out, partner_exits
from .jit import internal


@internal
def shocks(P, pt, fu, nd, trust, w, events, rng):
    """Draws per month from the `shocks` stream, whatever the state: 3 per funder (shift,
    renewal, joining), 2 per slot (home shift, leaving), 2 for the leader (exit, the
    successor's quality), 1 + K for policy (whether, the new need profile). Rules: ODD
    7.2a; nothing happens once the partnership has dissolved.

    Reads: partners (active, commitment), funders (active, level, measured, shortfall,
        term_start, tolerance), needs (estimate, true_profile), world (backbone_hours,
        dissolved, effort_alignment, effort_momentum, exits, funder_joins, grant_ends,
        home_exits, leadership, month, outcomes, paid_in, shocks, vacancy), events.
    Writes: partners (active), funders (active, level, measured, shortfall, term_start),
        needs (true_profile), world (exits, funder_joins, grant_ends, home_exits,
        leadership, shocks, vacancy), trust, events.
    """
    p = P[0]
    live = w.dissolved == 0.0
    if w.vacancy > 0.0:
        w.vacancy -= 1.0
    funder_shocks(p, fu, w, events, rng, live)
    home_shocks(p, pt, trust, w, events, rng, live)
    leader_shock(p, w, events, rng, live)
    policy_shock(p, nd, w, events, rng, live)


@njit(cache=True, inline="always")
def funder_shocks(p, fu, w, events, rng, live):
    """An active funder changes priorities and leaves (funder_shift_rate); at the end of
    a grant term it renews. Under the expectation rule the chance goes from renewal_rate
    (its last review found no shortfall) to the poor grant's chance (shortfall 1) in
    proportion to its last review's shortfall; under the price rule it is renewal_rate if
    the cost per sustained outcome so far is within its benchmark (expected_cost_per_outcome
    x its stance), else the poor grant's chance. A poor grant's chance is
    renewal_rate_poor plus the share an ROI narrative persuades (E_momentum x
    narrative_persuasion) of the rest. A vacant place is filled with chance
    funder_recruit_rate + E_momentum x funder_recruit_gain (fundraising), by a funder at
    funder_join_level."""
    month = int(w.month)
    for f in range(fu.level.shape[0]):
        u_shift = rng.random()
        u_renew = rng.random()
        u_join = rng.random()
        if not live:
            continue
        if fu.active[f]:
            if u_shift < p.funder_shift_rate:
                w.shocks += 1.0
                funder_out(fu, w, events, f, FUNDER_SHIFT, fu.level[f], 0.0)
                continue
            if month + 1 - fu.term_start[f] >= int(p.grant_term):
                benchmark = p.expected_cost_per_outcome * fu.tolerance[f]
                poor = p.renewal_rate_poor + (1.0 - p.renewal_rate_poor) * w.effort_momentum * p.narrative_persuasion
                if int(p.review_rule) == PRICE:
                    measured = w.paid_in / max(w.outcomes, 1.0)
                    chance = p.renewal_rate if measured <= benchmark else poor
                else:
                    measured = fu.measured[f]
                    chance = p.renewal_rate + (poor - p.renewal_rate) * fu.shortfall[f]
                if u_renew < chance:
                    fu.term_start[f] = month + 1
                    log_event(events, w, GRANT_RENEWED, float(f), -1.0, measured, benchmark)
                else:
                    w.grant_ends += 1.0
                    funder_out(fu, w, events, f, GRANT_ENDED, measured, benchmark)
        elif u_join < p.funder_recruit_rate + w.effort_momentum * p.funder_recruit_gain:
            add_funder(fu, f, p.funder_join_level, month + 1)
            w.funder_joins += 1.0
            log_event(events, w, FUNDER_JOIN, float(f), -1.0, 0.0, 0.0)


@njit(cache=True, inline="always")
def home_shocks(p, pt, trust, w, events, rng, live):
    """A home organization changes priorities (home_shift_rate); its partner then leaves
    with chance (1 - commitment) x (1 - align_strength x E_alignment)."""
    keep = 1.0 - p.align_strength * w.effort_alignment
    for i in range(pt.active.shape[0]):
        u_home = rng.random()
        u_leave = rng.random()
        if not (live and pt.active[i]) or u_home >= p.home_shift_rate:
            continue
        leaves = u_leave < (1.0 - pt.commitment[i]) * keep
        log_event(events, w, HOME_SHIFT, float(i), -1.0, pt.commitment[i], 1.0 if leaves else 0.0)
        w.shocks += 1.0
        if leaves:
            partner_exits(pt, trust, w, i)
            w.home_exits += 1.0


@njit(cache=True, inline="always")
def leader_shock(p, w, events, rng, live):
    """The leader leaves (leader_exit_rate, only while a backbone pays one): the post is
    empty for leader_vacancy months and the successor's quality is a new draw."""
    u_leader = rng.random()
    u_quality = rng.random()
    if live and u_leader < p.leader_exit_rate and w.backbone_hours > 0.0:
        old = w.leadership
        w.leadership = spread(p.leadership_sd, u_quality)
        w.vacancy = float(p.leader_vacancy)
        w.shocks += 1.0
        log_event(events, w, LEADER_EXIT, -1.0, -1.0, old, w.leadership)


@njit(cache=True, inline="always")
def policy_shock(p, nd, w, events, rng, live):
    """A policy change (policy_shock_rate) replaces policy_shift of the population's need
    profile by a new one drawn like the first."""
    K = nd.true_profile.shape[0]
    u_policy = rng.random()
    total = 0.0
    fresh = np.empty(K)
    for k in range(K):
        fresh[k] = NEED_LOW + rng.random()
        total += fresh[k]
    if live and u_policy < p.policy_shock_rate:
        before = needs_accuracy(nd)
        for k in range(K):
            nd.true_profile[k] = (1.0 - p.policy_shift) * nd.true_profile[k] + p.policy_shift * fresh[k] / total
        w.shocks += 1.0
        log_event(events, w, POLICY_SHOCK, -1.0, -1.0, before, needs_accuracy(nd))
