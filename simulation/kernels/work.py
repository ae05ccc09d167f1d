"""Process 6, work: partners' hours become services on each problem dimension."""

from numba import njit


@njit(cache=True)
def work(P, st):
    """No random draws.

    direct_i = in-kind + funded - coordination - orchestration hours; commitment_i of it
    serves the common agenda, the rest home KPIs. Agenda hours are split over dimensions
    in proportion to estimate_k x competence_ik, and an hour on k delivers competence_ik x
    (0.5 + 0.5 knowledge_i) hours of service. In parallel play a share of service is
    duplicated: duplication = duplication_base x (1 - integration) x (1 - dedup x
    E_coordination).
    """
    p = P[0]
    pt, nd, w = st.partners, st.needs, st.world[0]
    S = pt.active.shape[0]
    K = nd.estimate.shape[0]
    for k in range(K):
        nd.service[k] = 0.0
    for i in range(S):
        pt.hours_agenda[i] = 0.0
        pt.hours_home[i] = 0.0
        pt.output[i] = 0.0
        if not pt.active[i]:
            continue
        direct = pt.hours_inkind[i] + pt.hours_funded[i] - pt.hours_coord[i] - pt.hours_orch[i]
        if direct < 0.0:
            direct = 0.0
        agenda = direct * pt.commitment[i]
        pt.hours_agenda[i] = agenda
        pt.hours_home[i] = direct - agenda
        norm = 0.0
        for k in range(K):
            norm += nd.estimate[k] * pt.competence[i, k]
        if norm <= 0.0:
            continue
        productivity = 0.5 + 0.5 * pt.knowledge[i]
        for k in range(K):
            hours = agenda * nd.estimate[k] * pt.competence[i, k] / norm
            delivered = hours * pt.competence[i, k] * productivity
            nd.service[k] += delivered
            pt.output[i] += delivered
    dup = p.duplication_base * (1.0 - w.integration) * (1.0 - p.dedup * w.effort_coordination)
    w.duplication = dup
    for k in range(K):
        nd.service[k] *= 1.0 - dup
