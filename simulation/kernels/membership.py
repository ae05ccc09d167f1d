"""Process 2, turnover and membership: representatives leave, disengaged partners exit,
partner-raising recruits new ones."""

import numpy as np

from .common import DISSOLVED, EXIT, ISOLATED, N_SECTORS, RECRUIT, count_active, log_event
from .interventions import add_partner, partner_exits, remove_partner, successor
from .jit import internal


@internal
def turnover(P, pt, trust, levels, w, events, rng):
    """Draws one uniform per slot per month from the `turnover` stream.

    A leaving representative takes the interpersonal trust with it: the successor's
    starts at init_trust plus the onboarded share (E_coordination x onboarding) of the
    predecessor's above or below it; the organizations' trust stays. The successor starts
    with newcomer knowledge plus the onboarded share of the predecessor's.

    Reads: partners (active, knowledge, reps, tenure), world (effort_coordination,
        month, turnover_since_launch, turnovers), trust, trust_levels, events.
    Writes: partners (knowledge, reps, tenure), world (turnover_since_launch,
        turnovers), trust, trust_levels, events.
    """
    p = P[0]
    for i in range(pt.active.shape[0]):
        u = rng.random()
        if not pt.active[i]:
            continue
        pt.tenure[i] += 1
        if u < p.turnover_rate:
            successor(p, pt, trust, levels, w, events, i)


@internal
def membership(P, pt, fu, trust, w, events, rng):
    """Exits, recruitment and dissolution (pooled regime only: isolated grants are grants
    to organizations, which no quorum ends). Draws 1 + K uniforms per month from the
    `membership` stream (recruitment chance, recruit's competences). Recruits take the
    first never-used slot (max_recruits of them in a run).

    Reads: partners (active, engagement, ever, low_months, reps), funders (active),
        world (dissolved, effort_coordination, effort_momentum, exits, month,
        recruited), events.
    Writes: partners (active, ceiling, commitment, competence, engagement, ever,
        knowledge, low_months, reps, sector, tenure), world (dissolved, exits,
        recruited), trust, events.
    """
    p = P[0]
    S = pt.active.shape[0]
    K = pt.competence.shape[1]

    isolated = int(p.regime) == ISOLATED
    for i in range(S):
        if not pt.active[i] or isolated:
            continue  # an isolated grantee keeps its own grant, whatever it thinks of the network
        if pt.engagement[i] < p.exit_threshold:
            pt.low_months[i] += 1
        else:
            pt.low_months[i] = 0
        if pt.low_months[i] >= p.exit_patience:
            partner_exits(pt, trust, w, i)
            log_event(events, w, EXIT, float(i), -1.0, pt.engagement[i], 0.0)

    u = rng.random()
    comp = np.empty(K)
    for k in range(K):
        comp[k] = rng.random()
    chance = p.recruit_rate + w.effort_momentum * p.recruit_gain
    if u < chance and w.dissolved == 0.0:
        slot = -1
        for i in range(S):
            if not pt.ever[i]:  # a recruit is a new organization: never an exited one's slot
                slot = i
                break
        if slot >= 0:
            gap = max(p.init_knowledge - p.newcomer_knowledge, 0.0)
            knowledge = p.newcomer_knowledge + w.effort_coordination * p.onboarding * gap
            add_partner(p, pt, trust, slot, slot % N_SECTORS, comp, knowledge)
            w.recruited += 1.0
            log_event(events, w, RECRUIT, float(slot), -1.0, 0.0, 0.0)

    n_partners = count_active(pt.active)
    n_funders = count_active(fu.active)
    quorum = min(p.min_partners, p.n_partners)
    # isolated grants are grants to organizations: there is no partnership to dissolve
    if not isolated and w.dissolved == 0.0 and (n_partners < quorum or n_funders == 0):
        w.dissolved = 1.0
        log_event(events, w, DISSOLVED, -1.0, -1.0, float(n_partners), float(n_funders))
        for i in range(S):
            remove_partner(pt.active, trust, i)
