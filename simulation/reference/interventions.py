"""Interventions, in plain Python: mirrors ``simulation/kernels/interventions.py`` (the
changes to the state that an event makes, written once and used by every process that
makes the event: partners and funders join and leave through them). Turnover and
betrayal are written out in membership.py and trust.py."""

from __future__ import annotations


def add_partner(ps, i: int, sector: int, draws: list, knowledge: float):
    """Organization i joins in slot i, a launch partner (ODD 5) or a recruit (7.3; kernels
    add_partner): a member in ``sector`` with competences from the K uniforms ``draws``,
    init_engagement, init_commitment, ``knowledge``, a new representative, the full
    ceiling, init_trust with every active partner. The caller logs and counts a recruit."""
    p, pt = ps.p, ps.partners[i]
    pt.active = pt.ever = True
    pt.sector = sector
    pt.competence = [p.competence_floor + (1.0 - p.competence_floor) * u * u for u in draws]
    pt.engagement, pt.commitment, pt.knowledge = p.init_engagement, p.init_commitment, knowledge
    pt.tenure, pt.low_months = 0, 0
    pt.reps += 1
    pt.ceiling = p.trust_ceiling
    for j, other in enumerate(ps.partners):
        if j != i and other.active:
            ps.set_trust(i, j, p.init_trust)


def add_funder(ps, f: int, level: float, start: int):
    """Funder f starts paying, at launch (ODD 5) or in a vacant place (7.2a; kernels
    add_funder): active at ``level``, its term from month index ``start``, no review yet.
    The caller logs and counts a join."""
    funder = ps.funders[f]
    funder.active, funder.level, funder.term_start = True, level, start
    funder.shortfall = funder.measured = 0.0


def partner_exits(ps, i: int):
    """Partner i leaves the partnership (disengaged, ODD 7.3, or called home, 7.2a; kernels
    partner_exits): no longer a member, nobody's trust with it counts, counted in
    world.exits. The caller logs the event that says why."""
    ps.partners[i].active = False
    for j in range(len(ps.partners)):
        ps.set_trust(i, j, 0.0)
    ps.w.exits += 1.0
