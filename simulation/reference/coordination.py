"""Process 4, coordination, in plain Python: mirrors ``simulation/kernels/coordination.py``."""

from __future__ import annotations

from .common import REDESIGN


def coordination(ps):
    """Process 4 (ODD 7.5; kernels/coordination.py). No draws."""
    p, w = ps.p, ps.w
    n = len(ps.active())
    isolated = p.regime == "isolated"
    g = 0.0 if (isolated or w.dissolved != 0.0) else p.integration
    x = g * min(1.0, p.max_links / (n - 1.0)) if n > 1 else 0.0
    fixed = p.relaunch_hours if w.last_relaunch == w.month else 0.0
    if int(w.phase) == REDESIGN and not isolated and w.dissolved == 0.0:
        fixed += p.redesign_hours
    facil = 1.0 - w.effort_coordination * p.facilitation
    meetings = g * p.meeting_hours * (n - 1.0) * facil if n > 1 else 0.0
    demand = p.backbone_demand * w.backbone_hours / n if n > 0 else 0.0
    for i, pt in enumerate(ps.partners):
        pt.hours_coord = pt.hours_orch = pt.hours_grants = pt.excess_coord = 0.0
        if not pt.active:
            pt.hours_inkind = pt.hours_funded = 0.0
            continue
        pt.hours_inkind = p.partner_hours * pt.capacity * pt.engagement
        total = pt.hours_inkind + pt.hours_funded
        coord = fixed + meetings + demand + g * p.reporting_share * total
        for j, other in enumerate(ps.partners):
            if j != i and other.active:
                coord += x * p.link_hours * (1.0 + p.low_trust_cost * (1.0 - ps.trust[i][j])) * facil
        coord = min(coord, total)
        pt.hours_coord = coord
        pt.hours_orch = min(p.self_orchestration_hours, total - coord)
        if isolated:
            pt.hours_grants = min(p.grant_seeking_share * pt.hours_funded, total - coord - pt.hours_orch)
        if total > 0.0:
            pt.excess_coord = max(0.0, (coord + pt.hours_orch) / total - p.overcoord_tolerance)
    trust_now = ps.mean_trust()  # world.mean_trust is the trust process's to write
    w.interaction = x
    w.integration = g * (p.integration_trust_floor + (1.0 - p.integration_trust_floor) * trust_now)
