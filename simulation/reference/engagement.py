"""Process 8, commitment and engagement, in plain Python: mirrors ``simulation/kernels/engagement.py``."""

from __future__ import annotations

from ..params import MONTHS_PER_YEAR
from .common import clip01


def engagement(ps):
    """Process 8 (ODD 7.9; kernels/engagement.py). No draws."""
    p, w = ps.p, ps.w
    a = p.progress_smoothing
    w.progress = (1.0 - a) * w.progress + a * MONTHS_PER_YEAR * (w.improved_share - w.prev_improved)
    members = ps.active()
    mean_grant = 0.0
    for pt in members:
        mean_grant += pt.grant
    if members:
        mean_grant /= len(members)
    shield = 1.0 - p.align_strength * w.effort_alignment
    funding = 0.0
    for f in ps.funders:
        if f.active:
            funding += f.level
    funding /= len(ps.funders)
    for pt in members:
        interest = (p.grant_interest_weight * (min(pt.grant / mean_grant, p.grant_interest_cap) - 1.0)
                    if mean_grant > 0.0 else 0.0)
        t_i = ps.partner_trust(pt.slot)
        target = clip01(p.init_engagement + pt.stake + p.progress_weight * w.progress
                        + p.recognition_gain * w.effort_momentum + interest
                        + p.trust_weight * (t_i - p.init_trust)
                        + p.funding_weight * (funding - 1.0)
                        - p.overcoord_erosion * pt.excess_coord)
        pt.engagement = clip01(pt.engagement + p.engagement_rate * (target - pt.engagement))
        c = pt.commitment
        c += p.commit_gain * pt.engagement * t_i * (1.0 - c) - p.home_pull * shield * c
        pt.commitment = clip01(c)
        pt.knowledge += p.learning_knowledge * (1.0 - pt.knowledge)

    level = 0.0
    for f in ps.funders:
        if f.active:
            level += f.level
    voice = p.beneficiary_involvement
    pull = p.agenda_rate * p.funder_agenda_power * (1.0 - voice) * shield
    total = 0.0
    for k in range(ps.K):
        if level > 0.0:
            pref = 0.0
            for f in ps.funders:
                if f.active:
                    pref += f.level * f.preference[k] / level
            ps.estimate[k] += pull * (pref - ps.estimate[k])
        ps.estimate[k] += p.agenda_rate * voice * (ps.true_profile[k] - ps.estimate[k])
        total += ps.estimate[k]
    ps.estimate = [x / total for x in ps.estimate]
