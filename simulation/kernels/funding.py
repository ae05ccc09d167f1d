"""Process 1, funding: funders pay in, money reaches the backbone and the partners,
and funders review their grants on their cycle."""

import math

from numba import njit

from .common import (FUNDER_EXIT, FUNDING_CUT, FUNDING_GROW, ISOLATED, PERSUADED, PRICE,
                     log_event, zeros)
from .interventions import funder_out
from .jit import internal


@internal
def funding(P, pt, fu, w, events, rng):
    """Draws per month, whatever the state: slots x F (grant noise), then F x 2 (review
    noise, persuasion).

    Pay-in: active funders pay funder_budget x level; the backbone share buys staff hours.
    Pooled regime: the rest enters the pooled fund, which disburses at most `admin_rate` x
    this month's partner money (the administrative bottleneck), split among active partners
    by engagement. Isolated regime: each funder splits its partner money among active
    partners in proportion to (measured attributable output) ** isolated_attribution.
    Reviews, every review_cycle months once funder_patience months have passed: the
    measured cost per outcome, paid_in / max(1, outcomes x (1 + noise x xi)) with xi
    uniform of unit sd, above expected_cost_per_outcome x the funder's stance cuts the
    funder's level by funder_cut (unless an ROI narrative persuades it: chance
    narrative_persuasion x E_momentum); a funder below funder_exit_level leaves; at or
    below its benchmark the level grows by funder_grow x (1 + funder_grow_gain x
    E_momentum), up to
    funder_max_level. (ODD 7.1.)

    Reads: partners (active, engagement, grant, output), funders (active, level,
        tolerance), world (backbone_hours, cuts, disbursed, dissolved, effort_momentum,
        month, noise, outcomes, paid_in, period_outcomes, pool, review_outcomes,
        review_paid, spent_backbone, spent_partners), events.
    Writes: partners (grant, hours_funded), funders (active, level, measured,
        shortfall), world (backbone_hours, cuts, disbursed, inflow, last_cut, paid_in,
        period_outcomes, pool, review_outcomes, review_paid, spent_backbone,
        spent_partners), events.
    """
    p = P[0]
    to_partners = pay_in(p, fu, w)
    for i in range(pt.active.shape[0]):
        pt.grant[i] = 0.0
    w.disbursed = 0.0
    if int(p.regime) == ISOLATED:
        disburse_isolated(p, pt, fu, w, rng)
    else:
        for _ in range(pt.active.shape[0] * fu.level.shape[0]):
            rng.random()  # keep the stream aligned with the isolated regime's draws
        disburse_pooled(p, pt, w, to_partners)
    for i in range(pt.active.shape[0]):
        pt.hours_funded[i] = pt.grant[i] / p.cost_per_hour
    reviews(p, fu, w, events, rng)


@njit(cache=True, inline="always")
def pay_in(p, fu, w):
    """Funders pay in; the backbone's share and budget buy staff hours. Returns the
    partners' money."""
    inflow = 0.0
    level = 0.0
    if w.dissolved == 0.0:
        for f in range(fu.level.shape[0]):
            if fu.active[f]:
                inflow += p.funder_budget * fu.level[f]
                level += fu.level[f]
    w.inflow = inflow
    w.paid_in += inflow
    to_backbone = min(inflow, inflow * p.backbone_share + p.backbone_budget * level / fu.level.shape[0])
    w.spent_backbone += to_backbone
    w.backbone_hours = to_backbone / p.staff_cost_per_hour
    return inflow - to_backbone


@njit(cache=True, inline="always")
def disburse_isolated(p, pt, fu, w, rng):
    """Each funder's partner money to the partners by measured output (S draws a funder)."""
    S = pt.active.shape[0]
    noise = w.noise
    for f in range(fu.level.shape[0]):
        share = 0.0
        if fu.active[f] and w.dissolved == 0.0:
            share = p.funder_budget * fu.level[f] * (1.0 - p.backbone_share)
        weight = zeros(S)
        total = 0.0
        n = 0
        for i in range(S):
            u = rng.random()
            if pt.active[i]:
                measured = pt.output[i] * (1.0 + noise * math.sqrt(3.0) * (2.0 * u - 1.0))
                weight[i] = max(measured, 0.0) ** p.isolated_attribution
                total += weight[i]
                n += 1
        if n == 0:
            w.pool += share  # nobody to pay: the money waits
            continue
        for i in range(S):
            if pt.active[i]:
                g = share * (weight[i] / total if total > 0.0 else 1.0 / n)
                pt.grant[i] += g
                w.spent_partners += g
                w.disbursed += g


@njit(cache=True, inline="always")
def disburse_pooled(p, pt, w, to_partners):
    """The pooled fund takes the partners' money and disburses what administration allows,
    by engagement."""
    S = pt.active.shape[0]
    w.pool += to_partners
    rate = p.admin_base_rate + (p.admin_max_rate - p.admin_base_rate) * (
        1.0 - math.exp(-w.backbone_hours / p.admin_half_hours))
    disburse = min(w.pool, rate * to_partners)
    total = 0.0
    for i in range(S):
        if pt.active[i]:
            total += pt.engagement[i]
    if total <= 0.0:
        disburse = 0.0
    for i in range(S):
        if pt.active[i] and total > 0.0:
            pt.grant[i] = disburse * pt.engagement[i] / total
    w.pool -= disburse
    w.disbursed = disburse
    w.spent_partners += disburse


@njit(cache=True, inline="always")
def reviews(p, fu, w, events, rng):
    """Funders review on their cycle (ODD 7.1): under the expectation rule each judges the
    last period's results and their trend against its own expectation and cuts in
    proportion to the shortfall; under the price rule (payment by results) the cost per
    outcome since launch against a price, with a fixed cut. F x 2 draws."""
    month = int(w.month)
    noise = w.noise
    expected = p.expected_cost_per_outcome
    cycle_end = (month + 1) % int(p.review_cycle) == 0
    review = cycle_end and (month + 1) >= int(p.funder_patience)
    by_price = int(p.review_rule) == PRICE
    period_outcomes = w.outcomes - w.review_outcomes
    period_paid = w.paid_in - w.review_paid
    improving = period_outcomes > w.period_outcomes
    for f in range(fu.level.shape[0]):
        u_noise = rng.random()
        u_persuade = rng.random()
        if not (review and fu.active[f] and w.dissolved == 0.0):
            continue
        factor = 1.0 + noise * math.sqrt(3.0) * (2.0 * u_noise - 1.0)
        benchmark = expected * fu.tolerance[f]
        if by_price:
            measured = w.paid_in / max(w.outcomes * factor, 1.0)
            shortfall = 1.0 if measured > benchmark else 0.0
            cut = p.funder_cut
        else:
            measured = period_paid / max(period_outcomes * factor, 1.0)
            shortfall = 1.0 - benchmark / measured if measured > benchmark else 0.0
            cut = p.funder_cut * shortfall
        fu.shortfall[f] = shortfall
        fu.measured[f] = measured
        before = fu.level[f]
        if shortfall > 0.0:
            if not by_price and improving:
                continue  # results below expectation but rising: the funder holds
            if u_persuade < w.effort_momentum * p.narrative_persuasion:
                log_event(events, w, PERSUADED, float(f), -1.0, measured, benchmark)
                continue
            fu.level[f] = before * (1.0 - cut)
            w.cuts += 1.0
            w.last_cut = month
            log_event(events, w, FUNDING_CUT, float(f), -1.0, before, fu.level[f])
            if fu.level[f] < p.funder_exit_level:
                funder_out(fu, w, events, f, FUNDER_EXIT, fu.level[f], 0.0)
        else:
            grown = min(p.funder_max_level, before * (1.0 + p.funder_grow * (1.0 + p.funder_grow_gain * w.effort_momentum)))
            if grown > before:
                fu.level[f] = grown
                log_event(events, w, FUNDING_GROW, float(f), -1.0, before, grown)
    if cycle_end:
        w.period_outcomes = period_outcomes
        w.review_outcomes = w.outcomes
        w.review_paid = w.paid_in
