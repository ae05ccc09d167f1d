"""Process 7, beneficiaries: services reach people, conditions improve or relapse,
outcomes are sustained or lost; needs drift."""

import math

from numba import njit

from .common import clip01, draw_mask


@njit(cache=True)
def newcomer_condition(p, u):
    return clip01(p.init_condition + 0.4 * (u - 0.5))


@njit(cache=True)
def newcomer_engagement(p, u):
    return clip01(p.benef_engagement + 0.6 * (u - 0.5))


@njit(cache=True)
def doses(nd, integration):
    """Coverage per dimension and dose per need mask.

    coverage_k = min(1, service_k / (hours_per_case x expected takers needing k)). A
    person needing the dimensions in mask m gets dose g x min_k coverage_k + (1 - g) x
    prod_k coverage_k: integrated partners serve the same people on all their needs
    (the scarcest dimension limits), parallel play reaches them independently.
    """
    K = nd.coverage.shape[0]
    for m in range(nd.dose.shape[0]):
        lo = 1.0
        prod = 1.0
        any_bit = False
        for k in range(K):
            if (m >> k) & 1:
                any_bit = True
                lo = min(lo, nd.coverage[k])
                prod *= nd.coverage[k]
        nd.dose[m] = integration * lo + (1.0 - integration) * prod if any_bit else 0.0


@njit(cache=True)
def beneficiaries(P, st, rng_uptake, rng_needs):
    """Draws one `uptake` uniform per beneficiary per month; from `needs`, K uniforms
    (profile drift), round(M x need_drift) x (1 + complexity) uniforms (who drifts,
    their new needs), then round(M x beneficiary_turnover) x (3 + complexity) (who is
    replaced by a newcomer; the newcomer's needs, condition and engagement)."""
    p = P[0]
    be, nd, w = st.beneficiaries, st.needs, st.world[0]
    K = nd.coverage.shape[0]
    M = be.condition.shape[0]

    for k in range(K):
        demand = 0.0
        for m in range(nd.takers.shape[0]):
            if (m >> k) & 1:
                demand += nd.takers[m]
        need_hours = p.hours_per_case * demand
        nd.coverage[k] = min(1.0, nd.service[k] / need_hours) if need_hours > 0.0 else 1.0
    doses(nd, w.integration)

    w.lift += p.benef_engagement_rate * (w.effort_population * p.cocreation_engagement - w.lift)
    lift = w.lift
    gain = p.gain_rate
    relapse = p.relapse_rate
    relapse_s = p.relapse_rate_sustained
    threshold = p.outcome_threshold
    sustain = int(p.sustain_months)
    for m in range(nd.takers.shape[0]):
        nd.takers[m] = 0.0
    served = 0
    improved = 0
    impact = 0
    total_condition = 0.0
    total_engagement = 0.0
    for b in range(M):
        u = rng_uptake.random()
        m = be.needs[b]
        c = be.condition[b]
        above = be.months_above[b]
        eng = min(1.0, be.base_engagement[b] + lift)
        total_engagement += eng
        if above >= sustain:
            c -= relapse_s * c
        elif u < eng:
            c += gain * nd.dose[m] * (1.0 - c)
            served += 1
        else:
            c -= relapse * c
        if c >= threshold:
            above += 1
            improved += 1
        else:
            above = 0
        if above == sustain:
            w.outcomes += 1.0
        if above >= sustain:
            impact += 1
        else:
            nd.takers[m] += eng
        be.condition[b] = c
        be.months_above[b] = above
        total_condition += c
    w.served = served
    w.prev_improved = w.improved_share
    w.improved_share = improved / M
    w.impact_share = impact / M
    w.mean_condition = total_condition / M
    w.benef_engagement = total_engagement / M

    # Needs drift: the population profile takes a random-walk step; some people's needs change.
    total = 0.0
    for k in range(K):
        nd.true_profile[k] *= math.exp(p.need_profile_drift * math.sqrt(3.0) * (2.0 * rng_needs.random() - 1.0))
        total += nd.true_profile[k]
    for k in range(K):
        nd.true_profile[k] /= total
    n_drift = int(round(M * p.need_drift))
    complexity = int(p.complexity)
    for _ in range(n_drift):
        b = min(int(rng_needs.random() * M), M - 1)
        old = be.needs[b]
        new = draw_mask(nd.true_profile, complexity, rng_needs)
        for k in range(K):
            nd.need_count[k] += ((new >> k) & 1) - ((old >> k) & 1)
        be.needs[b] = new

    # Cohort renewal: some people leave the target group and newcomers arrive.
    n_new = int(round(M * p.beneficiary_turnover))
    for _ in range(n_new):
        b = min(int(rng_needs.random() * M), M - 1)
        old = be.needs[b]
        new = draw_mask(nd.true_profile, complexity, rng_needs)
        for k in range(K):
            nd.need_count[k] += ((new >> k) & 1) - ((old >> k) & 1)
        be.needs[b] = new
        be.condition[b] = newcomer_condition(p, rng_needs.random())
        be.base_engagement[b] = newcomer_engagement(p, rng_needs.random())
        be.months_above[b] = 0
