"""Process 6, work, in plain Python: mirrors ``simulation/kernels/work.py``."""

from __future__ import annotations


def work(ps):
    """Process 6 (ODD 7.7; kernels/work.py). No draws."""
    p, w = ps.p, ps.w
    isolated = p.regime == "isolated"
    agenda_k = [0.0] * ps.K
    home_k = [0.0] * ps.K
    for pt in ps.partners:
        pt.hours_agenda = pt.hours_home = pt.output = 0.0
        if not pt.active:
            continue
        direct = max(pt.hours_inkind + pt.hours_funded - pt.hours_coord - pt.hours_orch - pt.hours_grants, 0.0)
        agenda = 0.0 if isolated else direct * pt.commitment
        pt.hours_agenda, pt.hours_home = agenda, direct - agenda
        productivity = 1.0 - p.knowledge_productivity + p.knowledge_productivity * pt.knowledge
        norm = own = 0.0
        for k in range(ps.K):
            norm += ps.estimate[k] * pt.competence[k]
            own += pt.competence[k]
        if norm > 0.0:
            for k in range(ps.K):
                hours = agenda * ps.estimate[k] * pt.competence[k] / norm
                delivered = hours * pt.competence[k] * productivity
                agenda_k[k] += delivered
                pt.output += delivered
        if own > 0.0:
            for k in range(ps.K):
                hours = pt.hours_home * pt.competence[k] / own
                delivered = hours * pt.competence[k] * productivity
                home_k[k] += delivered
                pt.output += delivered
    dup = p.duplication_base * (1.0 - w.integration) * (1.0 - p.dedup * w.effort_coordination)
    raw = dupl = from_agenda = from_home = 0.0
    for k in range(ps.K):
        a = agenda_k[k] * (1.0 - dup)
        h = home_k[k] * (1.0 - p.duplication_base)
        ps.service[k] = a + h
        raw += agenda_k[k] + home_k[k]
        dupl += agenda_k[k] * dup + home_k[k] * p.duplication_base
        from_agenda += a
        from_home += h
    w.duplication = dupl / raw if raw > 0.0 else dup
    w.service_home = from_home
    effective = from_agenda + from_home
    w.service_integration = w.integration * from_agenda / effective if effective > 0.0 else w.integration
