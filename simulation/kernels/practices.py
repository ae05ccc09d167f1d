"""Process 3, backbone practices: the backbone's hours become effort on the six
principles, each with diminishing returns, and each acts through a named mechanism.

Effort on principle q: E_q = use_q x (1 - exp(-H x w_q / effort_scale_hours)), where H is
the orchestration hours (backbone staff this month plus partners' own orchestration
hours last month x their efficiency) and w_q the principle's share of effort. A switched
off principle keeps its share of the hours (they are spent, to no effect), so an
ablation removes the mechanism without handing its hours to the others.

Where each principle acts (kernel: mechanism):
1 alignment     engagement: cancels home pull on commitment and shields the agenda from funder pull
2 momentum      funding: ROI narratives persuade funders not to cut, fundraising grows renewals;
                engagement: recognition; membership: partner-raising
3 identity      here: relaunch after turnover; trust: protocols prevent credit-claiming
4 coordination  coordination: cheaper links; work: less duplication; membership: onboarding
5 population    here: co-creation corrects the needs estimate; beneficiaries: engagement lift
6 measurement   here: lower measurement noise (funders, isolated grants); learning pulls the
                agenda toward measured demand (engaged people not yet sustained, per dimension)
"""

import math

from .common import ISOLATED, REDESIGN, RELAUNCH, blend, count_active, log_event, mean_trust, zeros
from .jit import internal


@internal
def efforts(P, w, orch_hours):
    """Effort on each principle, in [0, 1), from the orchestration hours."""
    p = P[0]
    weights = (p.effort_alignment, p.effort_momentum, p.effort_identity,
               p.effort_coordination, p.effort_population, p.effort_measurement)
    use = (p.use_alignment, p.use_momentum, p.use_identity,
           p.use_coordination, p.use_population, p.use_measurement)
    total = 0.0  # the weights' sum, from 0.0 in order (as numpy's sum)
    for q in range(6):
        total += weights[q]
    out = zeros(6)
    if total > 0.0:
        for q in range(6):
            out[q] = use[q] * (1.0 - math.exp(-orch_hours * weights[q] / total / p.effort_scale_hours))
    return out


@internal
def practices(P, pt, nd, trust, levels, w, events):
    """No random draws.

    Reads: partners (active, engagement, hours_orch, knowledge), needs (estimate,
        takers, true_profile), world (backbone_hours, dissolved, effort_identity,
        effort_measurement, effort_population, launch_size, leadership, month,
        orch_hours, phase, relaunches, trust_ref, turnover_since_launch, vacancy),
        trust, trust_levels, events.
    Writes: partners (engagement, knowledge), needs (estimate), world (effort_alignment,
        effort_coordination, effort_identity, effort_measurement, effort_momentum,
        effort_population, last_relaunch, launch_size, noise, orch_hours, relaunches,
        turnover_since_launch), trust, trust_levels, events.
    """
    p = P[0]
    S = pt.active.shape[0]
    K = nd.estimate.shape[0]

    shared = 0.0
    for i in range(S):
        shared += pt.hours_orch[i]
    lead = w.leadership * (p.vacancy_effectiveness if w.vacancy > 0.0 else 1.0)
    w.orch_hours = w.backbone_hours * lead + shared * p.self_orchestration_efficiency
    E = efforts(P, w, w.orch_hours)
    w.effort_alignment = E[0]
    w.effort_momentum = E[1]
    w.effort_identity = E[2]
    w.effort_coordination = E[3]
    w.effort_population = E[4]
    w.effort_measurement = E[5]
    w.noise = p.measurement_noise * (1.0 - w.effort_measurement * p.measurement_gain)

    # 3 identity: relaunch once turnover since the last launch passes the threshold.
    n = count_active(pt.active)
    if (w.effort_identity > 0.0 and w.dissolved == 0.0 and w.turnover_since_launch > 0.0
            and w.turnover_since_launch >= p.relaunch_threshold * w.launch_size):
        e = w.effort_identity
        for i in range(S):
            if not pt.active[i]:
                continue
            pt.engagement[i] += e * p.relaunch_engagement_gain * (1.0 - pt.engagement[i])
            pt.knowledge[i] += e * p.relaunch_knowledge_gain * (1.0 - pt.knowledge[i])
            for j in range(i + 1, S):
                if pt.active[j] and levels[0, i, j] < w.trust_ref:  # a kickoff: the people's trust
                    levels[0, i, j] += e * p.relaunch_trust_restore * (w.trust_ref - levels[0, i, j])
                    levels[0, j, i] = levels[0, i, j]
                    blend(p, trust, levels, i, j)
        share = w.turnover_since_launch / w.launch_size
        w.turnover_since_launch = 0.0
        w.launch_size = n
        w.last_relaunch = w.month
        w.relaunches += 1.0
        log_event(events, w, RELAUNCH, -1.0, -1.0, share, mean_trust(trust, pt.active))

    # 5 population: co-creation pulls the agenda toward true needs.
    # 6 measurement: learning pulls it toward measured demand (takers per dimension).
    demand = zeros(K)
    dtotal = 0.0
    for m in range(nd.takers.shape[0]):
        for k in range(K):
            if (m >> k) & 1:
                demand[k] += nd.takers[m]
                dtotal += nd.takers[m]
    # Re-design (phase 3 of the Refined CI model; the phase set last month): the
    # partnership revisits needs, pulling the agenda toward true needs (a needs
    # assessment); it has no common agenda to revisit in the isolated regime.
    redesign = 0.0
    if int(w.phase) == REDESIGN and int(p.regime) != ISOLATED and w.dissolved == 0.0:
        redesign = p.redesign_rate
    total = 0.0
    for k in range(K):
        nd.estimate[k] += w.effort_population * p.cocreation_rate * (nd.true_profile[k] - nd.estimate[k])
        if dtotal > 0.0:
            nd.estimate[k] += w.effort_measurement * p.learning_rate * (demand[k] / dtotal - nd.estimate[k])
        nd.estimate[k] += redesign * (nd.true_profile[k] - nd.estimate[k])
        total += nd.estimate[k]
    for k in range(K):
        nd.estimate[k] /= total
