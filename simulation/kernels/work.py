"""Process 6, work: partners' hours become services on each problem dimension, through
the common agenda and through each partner's own programme."""

from .common import ISOLATED, zeros
from .jit import internal


@internal
def work(P, pt, nd, w):
    """No random draws.

    direct_i = in-kind + funded - coordination - orchestration - grant-seeking hours;
    commitment_i of it serves the common agenda (none in the isolated regime, which has no
    common agenda), the rest the partner's own programme (home). Agenda hours are split
    over dimensions in proportion to estimate_k x competence_ik, home hours by the
    partner's own priorities, competence_ik (what it is good at); an hour on k delivers
    competence_ik x (1 - knowledge_productivity + knowledge_productivity x knowledge_i) hours of service either way. Agenda service
    is duplicated at dup = duplication_base x (1 - integration) x (1 - dedup x
    E_coordination); home service always at duplication_base (parallel play, nobody
    deduplicates it). service_integration = integration x (agenda share of effective
    service): the home share is not integrated (7.8).

    Reads: partners (active, commitment, competence, hours_coord, hours_funded,
        hours_grants, hours_inkind, hours_orch, knowledge, output), needs (estimate),
        world (effort_coordination, integration).
    Writes: partners (hours_agenda, hours_home, output), needs (service), world
        (duplication, service_home, service_integration).
    """
    p = P[0]
    S = pt.active.shape[0]
    K = nd.estimate.shape[0]
    isolated = int(p.regime) == ISOLATED
    agenda_k = zeros(K)
    home_k = zeros(K)
    for i in range(S):
        pt.hours_agenda[i] = 0.0
        pt.hours_home[i] = 0.0
        pt.output[i] = 0.0
        if not pt.active[i]:
            continue
        direct = pt.hours_inkind[i] + pt.hours_funded[i] - pt.hours_coord[i] - pt.hours_orch[i] - pt.hours_grants[i]
        if direct < 0.0:
            direct = 0.0
        agenda = 0.0 if isolated else direct * pt.commitment[i]
        home = direct - agenda
        pt.hours_agenda[i] = agenda
        pt.hours_home[i] = home
        productivity = 1.0 - p.knowledge_productivity + p.knowledge_productivity * pt.knowledge[i]
        norm = 0.0
        own = 0.0
        for k in range(K):
            norm += nd.estimate[k] * pt.competence[i, k]
            own += pt.competence[i, k]
        if norm > 0.0:
            for k in range(K):
                hours = agenda * nd.estimate[k] * pt.competence[i, k] / norm
                delivered = hours * pt.competence[i, k] * productivity
                agenda_k[k] += delivered
                pt.output[i] += delivered
        if own > 0.0:
            for k in range(K):
                hours = home * pt.competence[i, k] / own
                delivered = hours * pt.competence[i, k] * productivity
                home_k[k] += delivered
                pt.output[i] += delivered
    dup = p.duplication_base * (1.0 - w.integration) * (1.0 - p.dedup * w.effort_coordination)
    raw = 0.0
    dupl = 0.0
    from_agenda = 0.0
    from_home = 0.0
    for k in range(K):
        a = agenda_k[k] * (1.0 - dup)
        h = home_k[k] * (1.0 - p.duplication_base)
        nd.service[k] = a + h
        raw += agenda_k[k] + home_k[k]
        dupl += agenda_k[k] * dup + home_k[k] * p.duplication_base
        from_agenda += a
        from_home += h
    w.duplication = dupl / raw if raw > 0.0 else dup
    w.service_home = from_home
    effective = from_agenda + from_home
    w.service_integration = w.integration * from_agenda / effective if effective > 0.0 else w.integration
