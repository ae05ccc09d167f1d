"""Process 1, funding, in plain Python: mirrors ``simulation/kernels/funding.py``."""

from __future__ import annotations

import math

from .common import SQRT3


def funding(ps):
    """Process 1 (ODD 7.1; kernels/funding.py). Draws from `funding`: slots x F (grant
    noise), then 2 per funder, always."""
    p, rng = ps.p, ps.streams.funding
    to_partners = pay_in(ps)
    for pt in ps.partners:
        pt.grant = 0.0
    ps.w.disbursed = 0.0
    if p.regime == "isolated":
        disburse_isolated(ps)
    else:
        for _ in range(len(ps.partners) * len(ps.funders)):
            rng.random()  # the isolated regime's draws, to keep the stream aligned
        disburse_pooled(ps, to_partners)
    for pt in ps.partners:
        pt.hours_funded = pt.grant / p.cost_per_hour
    reviews(ps)


def pay_in(ps) -> float:
    """Funders pay in; the backbone share buys staff hours. Returns the partners' money."""
    p, w = ps.p, ps.w
    inflow = 0.0
    level = 0.0
    if w.dissolved == 0.0:
        for f in ps.funders:
            if f.active:
                inflow += p.funder_budget * f.level
                level += f.level
    w.inflow = inflow
    w.paid_in += inflow
    to_backbone = min(inflow, inflow * p.backbone_share + p.backbone_budget * level / len(ps.funders))
    w.spent_backbone += to_backbone
    w.backbone_hours = to_backbone / p.staff_cost_per_hour
    return inflow - to_backbone


def disburse_isolated(ps):
    """Each funder's partner money to the partners by measured output (kernels/funding.py)."""
    p, w, rng = ps.p, ps.w, ps.streams.funding
    noise = w.noise
    for f in ps.funders:
        share = 0.0
        if f.active and w.dissolved == 0.0:
            share = p.funder_budget * f.level * (1.0 - p.backbone_share)
        weight = [0.0] * len(ps.partners)
        total, n = 0.0, 0
        for i, pt in enumerate(ps.partners):
            u = rng.random()
            if pt.active:
                measured = pt.output * (1.0 + noise * SQRT3 * (2.0 * u - 1.0))
                weight[i] = max(measured, 0.0) ** p.isolated_attribution
                total += weight[i]
                n += 1
        if n == 0:
            w.pool += share  # nobody to pay: the money waits
            continue
        for i, pt in enumerate(ps.partners):
            if pt.active:
                g = share * (weight[i] / total if total > 0.0 else 1.0 / n)
                pt.grant += g
                w.spent_partners += g
                w.disbursed += g


def disburse_pooled(ps, to_partners: float):
    """The pooled fund disburses what administration allows, by engagement."""
    p, w = ps.p, ps.w
    w.pool += to_partners
    rate = p.admin_base_rate + (p.admin_max_rate - p.admin_base_rate) * (
        1.0 - math.exp(-w.backbone_hours / p.admin_half_hours))
    disburse = min(w.pool, rate * to_partners)
    total = 0.0
    for pt in ps.active():
        total += pt.engagement
    if total <= 0.0:
        disburse = 0.0
    for pt in ps.active():
        if total > 0.0:
            pt.grant = disburse * pt.engagement / total
    w.pool -= disburse
    w.disbursed = disburse
    w.spent_partners += disburse


def reviews(ps):
    """Funders review on their cycle: the expectation rule or the price rule
    (kernels/funding.py)."""
    p, w, rng = ps.p, ps.w, ps.streams.funding
    month = int(w.month)
    noise = w.noise
    expected = p.expected_cost_per_outcome
    cycle_end = (month + 1) % p.review_cycle == 0
    review = cycle_end and (month + 1) >= p.funder_patience
    by_price = p.review_rule == "price"
    period_outcomes = w.outcomes - w.review_outcomes
    period_paid = w.paid_in - w.review_paid
    improving = period_outcomes > w.period_outcomes
    for index, f in enumerate(ps.funders):
        u_noise, u_persuade = rng.random(), rng.random()
        if not (review and f.active and w.dissolved == 0.0):
            continue
        factor = 1.0 + noise * SQRT3 * (2.0 * u_noise - 1.0)
        benchmark = expected * f.tolerance
        if by_price:
            measured = w.paid_in / max(w.outcomes * factor, 1.0)
            shortfall = 1.0 if measured > benchmark else 0.0
            cut = p.funder_cut
        else:
            measured = period_paid / max(period_outcomes * factor, 1.0)
            shortfall = 1.0 - benchmark / measured if measured > benchmark else 0.0
            cut = p.funder_cut * shortfall
        f.shortfall, f.measured = shortfall, measured
        before = f.level
        if shortfall > 0.0:
            if not by_price and improving:
                continue
            if u_persuade < w.effort_momentum * p.narrative_persuasion:
                ps.log("persuaded", index, -1, measured, benchmark)
                continue
            f.level = before * (1.0 - cut)
            w.cuts += 1.0
            w.last_cut = month
            ps.log("funding_cut", index, -1, before, f.level)
            if f.level < p.funder_exit_level:
                f.active = False
                ps.log("funder_exit", index, -1, f.level, 0.0)
        else:
            grown = min(p.funder_max_level, before * (1.0 + p.funder_grow * (1.0 + p.funder_grow_gain * w.effort_momentum)))
            if grown > before:
                f.level = grown
                ps.log("funding_grow", index, -1, before, grown)
    if cycle_end:
        w.period_outcomes = period_outcomes
        w.review_outcomes = w.outcomes
        w.review_paid = w.paid_in
