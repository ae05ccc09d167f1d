"""Process 9, measurement: the month's results chain and balanced scorecard, and the
partnership's phase."""

from numba import njit

from .common import PHASE, count_active, log_event

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
    "dissolved", "shocks", "phase",
)
N_METRICS = len(METRICS)


@njit(cache=True)
def phase_of(p, w):
    """initiation (first year), re-design (a relaunch or a funding cut in the last six
    months), exponential value (the improved share growing, smoothed, by >= 5 points a year with mean trust
    >= 0.5), otherwise run."""
    month = w.month
    if month < 12:
        return 0
    if (w.last_relaunch >= 0 and month - w.last_relaunch < 6) or (w.last_cut >= 0 and month - w.last_cut < 6):
        return 2
    if w.progress >= 0.05 and w.mean_trust >= 0.5:
        return 3
    return 1


@njit(cache=True)
def measurement(P, st, row):
    """Write the month's row of METRICS, log a phase change, advance the clock."""
    p = P[0]
    pt, fu, be, nd, w = st.partners, st.funders, st.beneficiaries, st.needs, st.world[0]
    S = pt.active.shape[0]
    K = nd.estimate.shape[0]
    M = be.condition.shape[0]
    n0 = int(p.n_partners)

    inkind = funded = coord = orch = agenda = home = eng = com = kn = 0.0
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
            eng += pt.engagement[i]
            com += pt.commitment[i]
            kn += pt.knowledge[i]
            if i < n0:
                retained += 1
    service = 0.0
    for k in range(K):
        service += nd.service[k]
    accuracy = 0.0
    for k in range(K):
        accuracy += abs(nd.estimate[k] - nd.true_profile[k])
    level = 0.0
    for f in range(fu.level.shape[0]):
        if fu.active[f]:
            level += fu.level[f]
    impact = float(round(w.impact_share * M))  # people with a sustained outcome now
    spent_total = w.spent_partners + w.spent_backbone

    new_phase = phase_of(p, w)
    if new_phase != int(w.phase):
        log_event(st.events, w, PHASE, -1, -1, w.phase, new_phase)
        w.phase = new_phase

    # Two tuples: Python builds longer tuple displays in a way numba cannot compile.
    first = (
        w.month + 1.0,
        w.inflow, w.inflow * p.backbone_share + w.disbursed, w.pool, w.inflow * p.backbone_share,
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
        p.value_per_outcome * w.outcomes / spent_total if spent_total > 0 else 0.0,
        level / fu.level.shape[0], float(count_active(fu.active)),
        1.0 - 0.5 * accuracy, w.recruited,
        w.backbone_hours, w.effort_alignment, w.effort_momentum, w.effort_identity,
        w.effort_coordination, w.effort_population, w.effort_measurement,
        w.turnovers, w.exits, w.betrayals, w.relaunches, w.cuts,
        w.dissolved, w.shocks, w.phase,
    )
    for c in range(len(first)):
        row[c] = first[c]
    for c in range(len(second)):
        row[len(first) + c] = second[c]
    w.month += 1.0
