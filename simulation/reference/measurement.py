"""Process 9, measurement, in plain Python: mirrors ``simulation/kernels/measurement.py``."""

from __future__ import annotations

from ..kernels.measurement import METRICS  # the column names only
from ..params import MONTHS_PER_YEAR
from .common import EXPONENTIAL, INITIATION, REDESIGN, RUN


def phase_of(ps, level: float) -> int:
    """The phase this month, with hysteresis (ODD 7.10; kernels/measurement.py phase_of)."""
    p, w = ps.p, ps.w
    month = w.month
    if w.dissolved == 0.0:
        if w.prev_level > 0.0 and w.prev_level - level >= p.shock_cut_share * w.prev_level:
            w.redesign_due = 1.0
        if month >= p.phase_initiation_months:
            if w.progress < p.stagnation_threshold and w.improved_share < p.target_outcome_share:
                w.stagnant_months += 1.0
            else:
                w.stagnant_months = 0.0
            if w.stagnant_months >= p.stagnation_months:
                w.redesign_due = 1.0
    w.prev_level = level
    phase = int(w.phase)
    if phase == INITIATION and month < p.phase_initiation_months:
        wanted = INITIATION
    elif w.redesign_due != 0.0:
        wanted = REDESIGN
    elif w.progress >= p.phase_growth_threshold and w.mean_trust >= p.phase_trust_threshold:
        wanted = EXPONENTIAL
    else:
        wanted = RUN
    if wanted == phase:
        if wanted == REDESIGN:
            w.redesign_due = 0.0
        w.phase_months += 1.0
        return phase
    if w.phase_months < p.phase_min_months:
        w.phase_months += 1.0
        return phase
    if wanted == REDESIGN:
        w.redesign_due = 0.0
        w.stagnant_months = 0.0
        w.redesigns += 1.0
    w.phase_months = 1.0
    return wanted


def annuity(ps) -> float:
    """Present value at the end of the run of a person-year of value a year for
    benefit_duration years, dropping off by benefit_dropoff a year."""
    p = ps.p
    total, keep, disc = 0.0, 1.0, 1.0
    for _ in range(p.benefit_duration):
        disc /= 1.0 + p.discount_rate
        total += keep * disc
        keep *= 1.0 - p.benefit_dropoff
    return total


def measurement(ps) -> list[float]:
    """Process 9 (ODD 7.10; kernels/measurement.py): the month's row of METRICS; logs a
    phase change; advances the clock.
    Long on purpose, as the kernel: one sum per metric, then the row in METRICS order."""
    p, w = ps.p, ps.w
    members = ps.active()
    n = len(members)
    tot = {k: 0.0 for k in ("inkind", "funded", "coord", "orch", "agenda", "home", "grants", "eng", "com", "kn")}
    for pt in members:
        for key, value in (("inkind", pt.hours_inkind), ("funded", pt.hours_funded), ("coord", pt.hours_coord),
                           ("orch", pt.hours_orch), ("agenda", pt.hours_agenda), ("home", pt.hours_home),
                           ("grants", pt.hours_grants),
                           ("eng", pt.engagement), ("com", pt.commitment), ("kn", pt.knowledge)):
            tot[key] += value
    retained = len([pt for pt in members if pt.slot < p.n_partners])
    service = 0.0
    for k in range(ps.K):
        service += ps.service[k]
    level = 0.0
    for f in ps.funders:
        if f.active:
            level += f.level
    M = len(ps.people)
    spent_total = w.spent_partners + w.spent_backbone
    spent = w.backbone_hours * p.staff_cost_per_hour + w.disbursed
    impact = float(round(w.impact_share * M))
    # Value: outcome-months at value_per_outcome_year / MONTHS_PER_YEAR, discounted to month 0; plus
    # the outcomes held now, projected beyond this month (annuity), discounted.
    discount = (1.0 + p.discount_rate) ** (-w.month / MONTHS_PER_YEAR)
    w.outcome_months += impact
    w.value_pv += impact * p.value_per_outcome_year / MONTHS_PER_YEAR * discount
    w.spent_pv += spent * discount
    onward = p.value_per_outcome_year * annuity(ps) * (1.0 + p.discount_rate) ** (-(w.month + 1.0) / MONTHS_PER_YEAR)
    w.value_pv += w.outcome_leavers * onward  # those who left the target group keep their outcome
    ahead = impact * onward
    value_gross = w.value_pv + ahead
    new_phase = phase_of(ps, level)
    if new_phase != int(w.phase):
        ps.log("phase", -1, -1, w.phase, float(new_phase))
        w.phase = float(new_phase)
    hours = tot["inkind"] + tot["funded"]
    row = {
        "month": w.month + 1.0,
        "paid_in": w.inflow, "spent": spent, "held": w.pool,
        "backbone_spend": w.backbone_hours * p.staff_cost_per_hour,
        "hours_inkind": tot["inkind"], "hours_funded": tot["funded"], "hours_coordination": tot["coord"],
        "hours_orchestration": tot["orch"], "hours_agenda": tot["agenda"], "hours_home": tot["home"],
        "service_hours": service, "served": w.served, "caseload": w.caseload,
        "improved": float(round(w.improved_share * M)), "improved_share": w.improved_share,
        "impact": impact, "impact_share": w.impact_share, "outcomes_total": w.outcomes,
        "mean_condition": w.mean_condition, "beneficiary_engagement": w.benef_engagement,
        "mean_trust": w.mean_trust, "mean_engagement": tot["eng"] / n if n else 0.0,
        "mean_commitment": tot["com"] / n if n else 0.0, "mean_knowledge": tot["kn"] / n if n else 0.0,
        "active_partners": float(n), "retention": retained / p.n_partners,
        "coordination_share": (tot["coord"] + tot["orch"]) / hours if hours > 0 else 0.0,
        "duplication": w.duplication, "integration": w.integration,
        "funds_raised": w.paid_in, "spent_total": spent_total,
        "cost_per_outcome": spent_total / max(w.outcomes, 1.0),
        "sroi": value_gross / w.spent_pv if w.spent_pv > 0 else 0.0,
        "funder_level": level / len(ps.funders) if w.dissolved == 0.0 else 0.0,
        "active_funders": float(len([f for f in ps.funders if f.active])) if w.dissolved == 0.0 else 0.0,
        "needs_accuracy": ps.accuracy(), "partners_recruited": w.recruited,
        "backbone_hours": w.backbone_hours,
        "effort_alignment": w.effort_alignment, "effort_momentum": w.effort_momentum,
        "effort_identity": w.effort_identity, "effort_coordination": w.effort_coordination,
        "effort_population": w.effort_population, "effort_measurement": w.effort_measurement,
        "turnovers": w.turnovers, "exits": w.exits, "betrayals": w.betrayals, "relaunches": w.relaunches,
        "funding_cuts": w.cuts, "dissolved": w.dissolved, "shocks": w.shocks,
        "hours_grants": tot["grants"], "service_home": w.service_home, "outcome_years": w.outcome_months / MONTHS_PER_YEAR,
        "value_gross": value_gross, "spent_pv": w.spent_pv, "redesigns": w.redesigns,
        "phase": w.phase,
    }
    w.month += 1.0
    return [row[name] for name in METRICS]
