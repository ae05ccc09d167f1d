"""Process 2, turnover and membership, in plain Python: mirrors ``simulation/kernels/membership.py``."""

from __future__ import annotations

from ..params import N_SECTORS
from .interventions import add_partner, partner_exits


def turnover(ps):
    """Process 2, turnover (ODD 7.2; kernels/membership.py turnover). Draws from `turnover`:
    1 per slot."""
    p, w, rng = ps.p, ps.w, ps.streams.turnover
    onboard = w.effort_coordination * p.onboarding
    for i, pt in enumerate(ps.partners):
        u = rng.random()
        if not pt.active:
            continue
        pt.tenure += 1
        if u >= p.turnover_rate:
            continue
        before = ps.partner_trust(i)
        for j, other in enumerate(ps.partners):
            if j != i and other.active:
                ps.set_level(0, i, j, p.init_trust + onboard * (ps.levels[0][i][j] - p.init_trust))
        pt.knowledge = p.newcomer_knowledge + onboard * (pt.knowledge - p.newcomer_knowledge)
        if pt.knowledge < p.newcomer_knowledge:
            pt.knowledge = p.newcomer_knowledge
        pt.tenure = 0
        pt.reps += 1
        w.turnover_since_launch += 1.0
        w.turnovers += 1.0
        ps.log("turnover", i, -1, before, ps.partner_trust(i))


def membership(ps):
    """Process 2, exits, recruits and dissolution (ODD 7.3; kernels/membership.py
    membership). Draws from `membership`: 1 + K per month."""
    p, w, rng = ps.p, ps.w, ps.streams.membership
    for i, pt in enumerate(ps.partners):
        if not pt.active or p.regime == "isolated":
            continue  # an isolated grantee keeps its own grant, whatever it thinks of the network
        pt.low_months = pt.low_months + 1 if pt.engagement < p.exit_threshold else 0
        if pt.low_months >= p.exit_patience:
            partner_exits(ps, i)
            ps.log("exit", i, -1, pt.engagement, 0.0)

    u = rng.random()
    comp = [rng.random() for _ in range(ps.K)]
    chance = p.recruit_rate + w.effort_momentum * p.recruit_gain
    free = [pt for pt in ps.partners if not pt.ever]  # recruits are new organizations
    if u < chance and w.dissolved == 0.0 and free:
        slot = free[0].slot
        gap = max(p.init_knowledge - p.newcomer_knowledge, 0.0)
        knowledge = p.newcomer_knowledge + w.effort_coordination * p.onboarding * gap
        add_partner(ps, slot, slot % N_SECTORS, comp, knowledge)
        w.recruited += 1.0
        ps.log("recruit", slot, -1, 0.0, 0.0)

    n_partners = len(ps.active())
    n_funders = len([f for f in ps.funders if f.active])
    if p.regime != "isolated" and w.dissolved == 0.0 and (n_partners < min(p.min_partners, p.n_partners) or n_funders == 0):
        w.dissolved = 1.0
        ps.log("dissolved", -1, -1, n_partners, n_funders)
        for pt in ps.partners:
            pt.active = False
        ps.trust = [[0.0] * len(ps.partners) for _ in ps.partners]
