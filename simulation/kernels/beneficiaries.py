"""Process 7, beneficiaries: services reach people, conditions improve or relapse,
outcomes are sustained or lost; needs drift."""

import math

import numpy as np
from numba import njit

from .common import clip01, draw_mask


@njit(cache=True)
def newcomer_condition(p, u):
    return clip01(p.init_condition + 0.4 * (u - 0.5))


@njit(cache=True)
def newcomer_engagement(p, u):
    return clip01(p.benef_engagement + 0.6 * (u - 0.5))


@njit(cache=True)
def doses(P, nd, integration):
    """Coverage per dimension and dose per need mask.

    coverage_k = min(1, cases_k / load_k) with cases_k = service_k / hours_per_case the
    people the month's services on k can serve, load_k the caseload needing k (1 when
    nobody does). A person needing the dimensions in mask m (c of them) gets dose
        (g x min_k coverage_k + (1 - g) x prod_k coverage_k) x (1 - fragmentation x (1 - g))^(c - 1)
    with g the realized integration: integrated partners serve the same people on all
    their needs (the scarcest dimension limits) and their services combine; in parallel
    play services reach people independently and lose value for every extra dimension.
    """
    p = P[0]
    K = nd.coverage.shape[0]
    for k in range(K):
        cases = nd.service[k] / p.hours_per_case
        nd.coverage[k] = min(1.0, cases / nd.load[k]) if nd.load[k] > 0 else 1.0
    combine = 1.0 - p.fragmentation * (1.0 - integration)
    for m in range(nd.dose.shape[0]):
        lo = 1.0
        prod = 1.0
        n = 0
        for k in range(K):
            if (m >> k) & 1:
                n += 1
                lo = min(lo, nd.coverage[k])
                prod *= nd.coverage[k]
        nd.dose[m] = (integration * lo + (1.0 - integration) * prod) * combine ** (n - 1) if n > 0 else 0.0


@njit(cache=True)
def move_load(load, m, sign):
    for k in range(load.shape[0]):
        if (m >> k) & 1:
            load[k] += sign


@njit(cache=True)
def beneficiaries(P, st, rng_uptake, rng_needs):
    """Draws from `uptake` one uniform (where this month's pass starts) then one per
    beneficiary per month, in pass order; from `needs`, K uniforms (profile drift),
    round(M x need_drift) x (1 + complexity) uniforms (who drifts, their new needs),
    then round(M x beneficiary_turnover) x (3 + complexity) (who is replaced by a
    newcomer; the newcomer's needs, condition and engagement).

    The caseload: people in it stay until their outcome is sustained; a person who
    shows up this month (u < engagement) and is not in it joins if there is a free
    place: places = sum_k (service_k / hours_per_case - load_k) / complexity. People
    join whatever they need, so services that miss their needs show up as coverage
    below 1 on the dimensions the agenda neglects (a lower dose). The pass
    starts at a random person so that nobody is first in line every month. A person in
    the caseload who shows up gains: condition += min(1, gain_rate x dose + natural) x (1 -
    condition); anyone else not yet sustained: condition += natural x (1 - condition) -
    relapse_rate x condition, with natural = natural_gain x base engagement (mainstream
    services and maturation, which reach people without the partnership); a sustained
    person: condition -= relapse_rate_sustained x condition. Doses use
    service_integration, the integration of the services people actually get (7.8). Months at or above the outcome threshold count up;
    sustain_months of them make a sustained outcome (and free the case place); the
    first one a person reaches counts in `outcomes` (people, not spells).
    """
    p = P[0]
    be, nd, w = st.beneficiaries, st.needs, st.world[0]
    K = nd.coverage.shape[0]
    M = be.condition.shape[0]

    doses(P, nd, w.service_integration)
    places = 0.0
    for k in range(K):
        places += nd.service[k] / p.hours_per_case - nd.load[k]
    places /= p.complexity

    w.lift += p.benef_engagement_rate * (w.effort_population * p.cocreation_engagement - w.lift)
    lift = w.lift
    gain = p.gain_rate * w.ease
    relapse = p.relapse_rate
    relapse_s = p.relapse_rate_sustained
    natural = p.natural_gain
    threshold = p.outcome_threshold
    sustain = int(p.sustain_months)
    for m in range(nd.takers.shape[0]):
        nd.takers[m] = 0.0
    served = 0
    improved = 0
    impact = 0
    caseload = 0
    total_condition = 0.0
    total_engagement = 0.0
    start = min(int(rng_uptake.random() * M), M - 1)
    for i in range(M):
        b = start + i
        if b >= M:
            b -= M
        u = rng_uptake.random()
        m = be.needs[b]
        c = be.condition[b]
        above = be.months_above[b]
        eng = min(1.0, be.base_engagement[b] + lift)
        total_engagement += eng
        if above >= sustain:
            c -= relapse_s * c
        elif u < eng and (be.enrolled[b] or places >= 1.0):
            if not be.enrolled[b]:
                be.enrolled[b] = 1
                move_load(nd.load, m, 1)
                places -= 1.0
            c += min(1.0, gain * nd.dose[m] + natural * be.base_engagement[b]) * (1.0 - c)
            served += 1
        else:
            c += natural * be.base_engagement[b] * (1.0 - c) - relapse * c
        if c >= threshold:
            above += 1
            improved += 1
        else:
            above = 0
        if above == sustain:
            if not be.achieved[b]:
                be.achieved[b] = 1
                w.outcomes += 1.0
            if be.enrolled[b]:
                be.enrolled[b] = 0
                move_load(nd.load, m, -1)
        if above >= sustain:
            impact += 1
        else:
            nd.takers[m] += eng
        caseload += be.enrolled[b]
        be.condition[b] = c
        be.months_above[b] = above
        total_condition += c
    w.served = served
    w.caseload = caseload
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
    renew_needs(P, be, nd, rng_needs)


@njit(cache=True)
def renew_needs(P, be, nd, rng):
    """Need drift, then cohort renewal, drawn from `needs` in this order:
    round(M x need_drift) times (who, complexity uniforms for the new needs), then
    round(M x beneficiary_turnover) times (who, new needs, condition, engagement).

    The draws are taken first, in stream order; the changes are then applied in order of
    the person (a stable counting sort on the index), which touches memory in sequence
    instead of at random (8 of 21 ns per beneficiary-month at 10^6 people). Changes to
    different people commute, and a person picked twice gets them in draw order, so the
    result is the same as applying them as drawn.
    """
    p = P[0]
    M = be.needs.shape[0]
    complexity = int(p.complexity)
    n_drift = int(round(M * p.need_drift))
    n_new = int(round(M * p.beneficiary_turnover))
    n = n_drift + n_new
    who = np.empty(n, np.int64)
    mask = np.empty(n, np.uint8)
    condition = np.empty(n)
    engagement = np.empty(n)
    for j in range(n):
        who[j] = min(int(rng.random() * M), M - 1)
        mask[j] = draw_mask(nd.true_profile, complexity, rng)
        if j >= n_drift:
            condition[j] = newcomer_condition(p, rng.random())
            engagement[j] = newcomer_engagement(p, rng.random())
    for j in stable_order(who, M):
        b = who[j]
        old = be.needs[b]
        new = mask[j]
        for k in range(nd.need_count.shape[0]):
            nd.need_count[k] += ((new >> k) & 1) - ((old >> k) & 1)
        be.needs[b] = new
        if j < n_drift:  # drift: the caseload place follows the new needs
            if be.enrolled[b]:
                move_load(nd.load, old, -1)
                move_load(nd.load, new, 1)
        else:  # renewal: a newcomer, outside the caseload
            if be.enrolled[b]:
                move_load(nd.load, old, -1)
                be.enrolled[b] = 0
            be.achieved[b] = 0
            be.condition[b] = condition[j]
            be.base_engagement[b] = engagement[j]
            be.months_above[b] = 0


@njit(cache=True)
def stable_order(index, size):
    """Positions of `index` sorted by value into about len(index) buckets, keeping draw
    order within a bucket (a stable counting sort): enough for memory locality."""
    n = index.shape[0]
    buckets = max(1, min(n, size))
    counts = np.zeros(buckets + 1, np.int64)
    for j in range(n):
        counts[index[j] * buckets // size + 1] += 1
    for q in range(buckets):
        counts[q + 1] += counts[q]
    order = np.empty(n, np.int64)
    for j in range(n):
        q = index[j] * buckets // size
        order[counts[q]] = j
        counts[q] += 1
    return order
