"""Process 4, coordination and communication: partners' hours, the cost of the links
between them, of group meetings and shared reporting, over-coordination, and the degree
of integration actually reached."""


from .common import ISOLATED, REDESIGN, count_active, mean_trust
from .jit import internal


@internal
def coordination(P, pt, trust, w):
    """No random draws.

    Intended integration g (0 in the isolated regime) sets how many partners each one
    works with: g x min(n - 1, max_links) links, each pair interacting with intensity
    x = g x min(1, max_links / (n - 1)). A link costs link_hours x (1 + low_trust_cost x
    (1 - trust)) x (1 - facilitation x E_coordination) hours a month. Group meetings cost
    g x meeting_hours x (n - 1) x (1 - facilitation x E_coordination) (no cap: every member
    adds agenda time), shared reporting g x reporting_share of the partner's hours; a
    relaunch month adds relaunch_hours, a re-design month redesign_hours (pooled regime).
    The backbone's own activities ask partners for time: backbone_demand partner hours
    per backbone staff hour, shared equally by the active partners. In the isolated
    regime a grantee spends grant_seeking_share of its funded hours
    competing for and reporting on its grants. Realized integration is g x (floor +
    (1 - floor) x mean trust).

    Reads: partners (active, capacity, engagement, hours_funded, hours_inkind), world
        (backbone_hours, dissolved, effort_coordination, last_relaunch, month, phase),
        trust.
    Writes: partners (excess_coord, hours_coord, hours_funded, hours_grants,
        hours_inkind, hours_orch), world (integration, interaction).
    """
    p = P[0]
    S = pt.active.shape[0]
    n = count_active(pt.active)
    isolated = int(p.regime) == ISOLATED
    g = 0.0 if (isolated or w.dissolved != 0.0) else p.integration
    x = 0.0
    if n > 1:
        x = g * min(1.0, p.max_links / (n - 1.0))
    fixed = p.relaunch_hours if w.last_relaunch == w.month else 0.0
    if int(w.phase) == REDESIGN and not isolated and w.dissolved == 0.0:
        fixed += p.redesign_hours
    facil = 1.0 - w.effort_coordination * p.facilitation
    meetings = g * p.meeting_hours * (n - 1.0) * facil if n > 1 else 0.0
    demand = p.backbone_demand * w.backbone_hours / n if n > 0 else 0.0
    for i in range(S):
        pt.hours_coord[i] = 0.0
        pt.hours_orch[i] = 0.0
        pt.hours_grants[i] = 0.0
        pt.excess_coord[i] = 0.0
        if not pt.active[i]:
            pt.hours_inkind[i] = 0.0
            pt.hours_funded[i] = 0.0
            continue
        pt.hours_inkind[i] = p.partner_hours * pt.capacity[i] * pt.engagement[i]
        total = pt.hours_inkind[i] + pt.hours_funded[i]
        coord = fixed + meetings + demand + g * p.reporting_share * total
        for j in range(S):
            if j != i and pt.active[j]:
                coord += x * p.link_hours * (1.0 + p.low_trust_cost * (1.0 - trust[i, j])) * facil
        coord = min(coord, total)
        orch = min(p.self_orchestration_hours, total - coord)
        pt.hours_coord[i] = coord
        pt.hours_orch[i] = orch
        if isolated:
            pt.hours_grants[i] = min(p.grant_seeking_share * pt.hours_funded[i], total - coord - orch)
        if total > 0.0:
            pt.excess_coord[i] = max(0.0, (coord + orch) / total - p.overcoord_tolerance)
    # trust as this month's changes of membership left it; world.mean_trust is the trust
    # process's to write (after its update: the month's row reports that one)
    trust_now = mean_trust(trust, pt.active)
    w.interaction = x
    w.integration = g * (p.integration_trust_floor + (1.0 - p.integration_trust_floor) * trust_now)
