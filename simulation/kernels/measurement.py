"""Process 9, measurement: the month's results chain and balanced scorecard, and the
partnership's phase."""


from .common import (EXPONENTIAL, INITIATION, MONTHS_PER_YEAR, PHASE, REDESIGN, RUN, count_active,
                     log_event, needs_accuracy)
from .jit import internal

# Columns of the monthly output, in order. Grouped as the results chain (inputs ->
# outputs -> outcomes -> impact) and the balanced scorecard (impact, partnership
# effectiveness, finance, learning & growth); see docs/ODD.md for units.
METRICS = (
    "month",
    # inputs
    "paid_in", "spent", "held", "backbone_spend", "hours_inkind", "hours_funded",
    "hours_coordination", "hours_orchestration", "hours_agenda", "hours_home",
    # outputs
    "service_hours", "served", "caseload",
    # outcomes and impact
    "improved", "improved_share", "impact", "impact_share", "outcomes_total", "mean_condition",
    "beneficiary_engagement",
    # partnership effectiveness
    "mean_trust", "mean_engagement", "mean_commitment", "mean_knowledge",
    "active_partners", "retention", "coordination_share", "duplication", "integration",
    # finance
    "funds_raised", "spent_total", "cost_per_outcome", "sroi", "funder_level", "active_funders",
    # learning and growth
    "needs_accuracy", "partners_recruited",
    # backbone effort and counts for the narrative
    "backbone_hours", "effort_alignment", "effort_momentum", "effort_identity",
    "effort_coordination", "effort_population", "effort_measurement",
    "turnovers", "exits", "betrayals", "relaunches", "funding_cuts",
    "dissolved", "shocks",
    # added with item 9 (isolated impact, value, phases)
    "hours_grants", "service_home", "outcome_years", "value_gross", "spent_pv", "redesigns",
    "phase",
)
N_METRICS = len(METRICS)


@internal
def phase_of(p, w, level):
    """The phase this month, with hysteresis (7.10). Sets the re-design trigger first: a
    major shock (total funder level down by shock_cut_share or more since last month) or
    stagnation (after initiation, stagnation_months in a row with progress below
    stagnation_threshold while the improved share is below target_outcome_share).
    The wanted phase is initiation (before phase_initiation_months), re-design (when
    triggered), exponential value (progress >= phase_growth_threshold and mean trust >=
    phase_trust_threshold), otherwise run; the partnership moves to it only once the
    current phase has lasted phase_min_months. Entering re-design consumes the trigger
    and resets the stagnation count."""
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
            w.redesign_due = 0.0  # already re-designing
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


@internal
def annuity(p):
    """Present value, at the end of a run, of one person-year of outcome value a year
    for benefit_duration years with benefit_dropoff a year: sum over y = 1..D of
    (1 - dropoff)^(y - 1) / (1 + rate)^y."""
    total = 0.0
    keep = 1.0
    disc = 1.0
    for _ in range(int(p.benefit_duration)):
        disc /= 1.0 + p.discount_rate
        total += keep * disc
        keep *= 1.0 - p.benefit_dropoff
    return total


@internal
def measurement(P, pt, fu, be, nd, w, events, row):
    """Write the month's row of METRICS, log a phase change, advance the clock.

    One writer per field: this kernel alone writes the row, each field once. A field that
    reports a world field reports one that a single kernel module writes during the month
    (tests/test_kernel_touch.py checks it; init.py sets the launch values): the money and
    backbone hours funding's, the efforts and relaunches practices', integration
    coordination's, mean_trust trust's, duplication and service_home work's, the
    beneficiaries' figures and outcomes beneficiaries', progress engagement's,
    partners_recruited and dissolved membership's, shocks shocks', the value stream, the
    phase and the month this kernel's; the counts turnovers, betrayals and exits each
    one intervention's (interventions.py: successor, betrayal, partner_exits), whichever
    process or lesson makes the event. The fields this kernel computes from the state
    (mean engagement, commitment and knowledge, active partners and retention, the hours,
    funder level and active funders, needs accuracy) summarize state variables that
    several processes move by design (ODD 7: engagement follows perceived value in
    engagement and a relaunch lifts it in practices; a funder's level changes at reviews
    in funding; the agenda moves in practices and engagement, true needs in shocks and
    beneficiaries): one writer, several causes. hours_funded is funding's; coordination
    sets it to 0 for slots no longer active, which the row never sums.

    Long on purpose: one sum per metric, then the row in METRICS order; split up, the
    order of the row would no longer be readable in one place.

    Reads: partners (active, commitment, engagement, hours_agenda, hours_coord,
        hours_funded, hours_grants, hours_home, hours_inkind, hours_orch, knowledge),
        funders (active, level), needs (estimate, service, true_profile), world
        (backbone_hours, benef_engagement, betrayals, caseload, cuts, disbursed,
        dissolved, duplication, effort_alignment, effort_coordination, effort_identity,
        effort_measurement, effort_momentum, effort_population, exits, impact_share,
        improved_share, inflow, integration, mean_condition, mean_trust, month,
        outcome_leavers, outcome_months, outcomes, paid_in, phase, phase_months, pool,
        prev_level, progress, recruited, redesign_due, redesigns, relaunches, served,
        service_home, shocks, spent_backbone, spent_partners, spent_pv, stagnant_months,
        turnovers, value_pv), events.
    Writes: world (month, outcome_months, phase, phase_months, prev_level, redesign_due,
        redesigns, spent_pv, stagnant_months, value_pv), events, row.
    """
    p = P[0]
    S = pt.active.shape[0]
    K = nd.estimate.shape[0]
    M = be.condition.shape[0]
    n0 = int(p.n_partners)

    inkind = funded = coord = orch = agenda = home = grants = eng = com = kn = 0.0
    n = 0
    retained = 0
    for i in range(S):
        if pt.active[i]:
            n += 1
            inkind += pt.hours_inkind[i]
            funded += pt.hours_funded[i]
            coord += pt.hours_coord[i]
            orch += pt.hours_orch[i]
            agenda += pt.hours_agenda[i]
            home += pt.hours_home[i]
            grants += pt.hours_grants[i]
            eng += pt.engagement[i]
            com += pt.commitment[i]
            kn += pt.knowledge[i]
            if i < n0:
                retained += 1
    service = 0.0
    for k in range(K):
        service += nd.service[k]
    level = 0.0
    for f in range(fu.level.shape[0]):
        if fu.active[f]:
            level += fu.level[f]
    impact = float(round(w.impact_share * M))  # people with a sustained outcome now
    spent_total = w.spent_partners + w.spent_backbone
    spent = w.backbone_hours * p.staff_cost_per_hour + w.disbursed

    # Value as evaluators count it (7.10): outcome-months valued at value_per_outcome_year
    # / MONTHS_PER_YEAR, discounted to month 0 at discount_rate a year, plus the outcomes held now
    # projected benefit_duration years beyond this month with drop-off; so are the outcomes
    # of people who left the target group this month.
    discount = (1.0 + p.discount_rate) ** (-w.month / MONTHS_PER_YEAR)
    w.outcome_months += impact
    w.value_pv += impact * p.value_per_outcome_year / MONTHS_PER_YEAR * discount
    w.spent_pv += spent * discount
    onward = p.value_per_outcome_year * annuity(p) * (1.0 + p.discount_rate) ** (-(w.month + 1.0) / MONTHS_PER_YEAR)
    w.value_pv += w.outcome_leavers * onward  # those who left the target group keep their outcome
    ahead = impact * onward
    value_gross = w.value_pv + ahead

    new_phase = phase_of(p, w, level)
    if new_phase != int(w.phase):
        log_event(events, w, PHASE, -1.0, -1.0, w.phase, float(new_phase))
        w.phase = new_phase

    # Two tuples: Python builds longer tuple displays in a way numba cannot compile.
    first = (
        w.month + 1.0,
        w.inflow, spent, w.pool, w.backbone_hours * p.staff_cost_per_hour,
        inkind, funded, coord, orch, agenda, home,
        service, w.served, w.caseload,
        float(round(w.improved_share * M)), w.improved_share, impact, w.impact_share, w.outcomes, w.mean_condition,
        w.benef_engagement,
        w.mean_trust, eng / n if n else 0.0, com / n if n else 0.0, kn / n if n else 0.0,
        float(n), retained / n0, (coord + orch) / (inkind + funded) if inkind + funded > 0 else 0.0,
        w.duplication, w.integration,
    )
    second = (
        w.paid_in, spent_total, spent_total / max(w.outcomes, 1.0),
        value_gross / w.spent_pv if w.spent_pv > 0 else 0.0,
        # what funders pay: nothing once the partnership has dissolved
        level / fu.level.shape[0] if w.dissolved == 0.0 else 0.0,
        float(count_active(fu.active)) if w.dissolved == 0.0 else 0.0,
        needs_accuracy(nd), w.recruited,
        w.backbone_hours, w.effort_alignment, w.effort_momentum, w.effort_identity,
        w.effort_coordination, w.effort_population, w.effort_measurement,
        w.turnovers, w.exits, w.betrayals, w.relaunches, w.cuts,
        w.dissolved, w.shocks,
        grants, w.service_home, w.outcome_months / MONTHS_PER_YEAR, value_gross, w.spent_pv, w.redesigns,
        w.phase,
    )
    for c in range(len(first)):
        row[c] = first[c]
    for c in range(len(second)):
        row[len(first) + c] = second[c]
    w.month += 1.0
