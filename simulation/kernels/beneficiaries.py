"""Process 7, beneficiaries: services reach people, conditions improve or relapse,
outcomes are sustained or lost; needs drift."""

import math

import numpy as np

from .common import clip01, internal


@internal
def newcomer_condition(p, u):
    return clip01(p.init_condition + p.condition_spread * (u - 0.5))


@internal
def newcomer_engagement(p, u):
    return clip01(p.benef_engagement + p.engagement_spread * (u - 0.5))


@internal
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


@internal
def move_load(load, m, sign):
    for k in range(load.shape[0]):
        if (m >> k) & 1:
            load[k] += sign


# The per-person uptake draw: a counter-based generator (SplitMix64's output function on
# a month key and the person's index), so that a person's draw needs no other draw, can be
# skipped when it cannot matter, and is the same in every arm of a comparison.
GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
TWO53 = 9007199254740992.0
ONE = np.int64(1)  # move_load's sign as a variable, not a literal: one compiled variant


@internal
def mix64(z):
    """SplitMix64's output function (Steele, Lea & Flood 2014): a bijection on 64 bits."""
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    return z ^ (z >> np.uint64(31))


@internal
def person_uniform(key, b):
    """Person b's uniform in [0, 1) this month: the (b + 1)-th SplitMix64 output from the
    month key, its top 53 bits."""
    return np.float64(mix64(key + (np.uint64(b) + np.uint64(1)) * GAMMA) >> np.uint64(11)) / TWO53


@internal
def beneficiaries(P, be, nd, w, rng_uptake, rng_needs):
    """Draws from `uptake` two uniforms a month: where this month's pass starts, and the
    month key, mix64(floor(u x 2^53)); person b's uptake uniform is person_uniform(key, b)
    (computed only when it is compared with anything: a person who is sustained, or
    neither in the caseload nor offered a free place, does not need it). From `needs`,
    K + 1 uniforms a month: the profile drift, then the month key of need drift and
    renewal, whose counter-based uniforms (renew_needs) are round(M x need_drift) x (1 +
    complexity) (who drifts, their new needs), then round(M x beneficiary_turnover) x (3 +
    complexity) (who is replaced by a newcomer; the newcomer's needs, condition and
    engagement).

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
    for m in range(nd.takers.shape[0]):
        nd.takers[m] = 0.0
    start = min(int(rng_uptake.random() * M), M - 1)
    key = mix64(np.uint64(rng_uptake.random() * TWO53))
    served, improved, impact, caseload, total_condition, total_engagement, outcomes = pass_people(
        be.needs, be.condition, be.base_engagement, be.months_above, be.enrolled, be.achieved,
        nd.takers, nd.load, nd.dose, key, start, places, lift, gain, p.natural_gain, p.relapse_rate,
        p.relapse_rate_sustained, p.outcome_threshold, int(p.sustain_months))
    w.outcomes += outcomes
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
    renew_needs(P, be, nd, mix64(np.uint64(rng_needs.random() * TWO53)))


@internal
def pass_people(needs, condition, base, months_above, enrolled, achieved, takers, load, dose, key, start,
                places, lift, gain, natural, relapse, relapse_s, threshold, sustain):
    """The month's pass over the population (see `beneficiaries`), on the arrays
    themselves: start, start + 1, ..., M - 1, 0, ..., start - 1. Returns served, improved,
    impact, caseload, the sums of condition and engagement, and the new outcomes."""
    M = condition.shape[0]
    served = 0
    improved = 0
    impact = 0
    caseload = 0
    total_condition = 0.0
    total_engagement = 0.0
    outcomes = 0.0
    for part in range(2):
        lo, hi = (start, M) if part == 0 else (0, start)
        for b in range(np.uint64(lo), np.uint64(hi)):  # unsigned: no negative-index checks
            c = condition[b]
            above = months_above[b]
            base_b = base[b]
            nat = natural * base_b
            eng = min(1.0, base_b + lift)
            total_engagement += eng
            sustained = above >= sustain
            # Most people are neither in the caseload nor offered a place (tested first: a
            # branch the processor predicts well): they take one of two formulas, chosen
            # without a branch, and need no uniform.
            if (enrolled[b] != 0 or places >= 1.0) and not sustained and person_uniform(key, b) < eng:
                m = needs[b]
                if enrolled[b] == 0:
                    enrolled[b] = 1
                    move_load(load, m, ONE)
                    places -= 1.0
                c += min(1.0, gain * dose[m] + nat) * (1.0 - c)
                served += 1
            else:
                kept = c - relapse_s * c
                drift = c + nat * (1.0 - c) - relapse * c
                c = kept if sustained else drift
            up = c >= threshold
            above = above + 1 if up else 0
            improved += up
            if above == sustain:
                if not achieved[b]:
                    achieved[b] = 1
                    outcomes += 1.0
                if enrolled[b]:
                    enrolled[b] = 0
                    move_load(load, needs[b], -ONE)
            out = above >= sustain
            impact += out
            takers[needs[b]] += 0.0 if out else eng  # adding +0.0 leaves a sum of eng >= 0 as it is
            caseload += enrolled[b]
            condition[b] = c
            months_above[b] = above
            total_condition += c
    return served, improved, impact, caseload, total_condition, total_engagement, outcomes


@internal
def renew_needs(P, be, nd, key):
    """Need drift, then cohort renewal, from the month's counter-based uniforms
    person_uniform(key, i), i = 0, 1, 2, ... (key: the month key drawn from `needs`), in
    this order: round(M x need_drift) times (who, complexity uniforms for the new needs),
    then round(M x beneficiary_turnover) times (who, new needs, condition, engagement).

    The draws are taken first, in stream order; the changes are then applied in order of
    the person (a stable counting sort on the index), which touches memory in sequence
    instead of at random (8 of 21 ns per beneficiary-month at 10^6 people). Changes to
    different people commute, and a person picked twice gets them in draw order, so the
    result is the same as applying them as drawn. New needs come from pick_dimension,
    which gives the mask of ODD 7.8's draw_mask (the reference's common.draw_mask), from
    sums computed once a month.
    """
    p = P[0]
    # The arrays as locals, bound once: numba counts references to an array taken from a
    # tuple or passed to a function at every use, with an atomic operation (about 12% of
    # a default run when this loop called pick_dimension and read be.needs, ...).
    needs, enrolled, achieved = be.needs, be.enrolled, be.achieved
    condition_of, engagement_of, months_above = be.condition, be.base_engagement, be.months_above
    need_count, load = nd.need_count, nd.load
    K = need_count.shape[0]
    M = needs.shape[0]
    complexity = int(p.complexity)
    n_drift = int(round(M * p.need_drift))
    n_new = int(round(M * p.beneficiary_turnover))
    n = n_drift + n_new
    who = np.empty(n, np.int64)
    mask = np.empty(n, np.uint8)
    condition = np.empty(n)
    engagement = np.empty(n)
    total, cumulative = mask_tables(nd.true_profile)
    i = np.uint64(0)  # the month's draws so far
    one = np.uint64(1)
    for j in range(n):
        who[j] = min(int(person_uniform(key, i) * M), M - 1)
        i += one
        m = 0
        for _ in range(complexity):  # pick_dimension, written out (no call per draw)
            u = person_uniform(key, i) * total[m]
            pick = -1
            for k in range(K):
                if not (m >> k) & 1:
                    pick = k
                    if u < cumulative[m, k]:
                        break
            m |= 1 << pick
            i += one
        mask[j] = m
        if j >= n_drift:
            condition[j] = newcomer_condition(p, person_uniform(key, i))
            engagement[j] = newcomer_engagement(p, person_uniform(key, i + one))
            i += one + one
    for j in stable_order(who, M):
        b = np.uint64(who[j])  # unsigned: no negative-index checks
        old = np.int64(needs[b])
        new = np.int64(mask[j])
        for k in range(K):
            need_count[k] += ((new >> k) & 1) - ((old >> k) & 1)
        needs[b] = new
        if j < n_drift:  # drift: the caseload place follows the new needs (move_load out, in)
            if enrolled[b]:
                for k in range(K):
                    load[k] += ((new >> k) & 1) - ((old >> k) & 1)
        else:  # renewal: a newcomer, outside the caseload
            if enrolled[b]:
                for k in range(K):
                    load[k] -= (old >> k) & 1
                enrolled[b] = 0
            achieved[b] = 0
            condition_of[b] = condition[j]
            engagement_of[b] = engagement[j]
            months_above[b] = 0


@internal
def mask_tables(profile):
    """For every set of dimensions already chosen (a mask), the sums draw_mask computes
    over the dimensions not yet chosen, in the same order: total[mask], and
    cumulative[mask, k] up to and including k (2^K x K sums a month, K <= 8)."""
    K = profile.shape[0]
    total = np.empty(1 << K)
    cumulative = np.empty((1 << K, K))
    for mask in range(1 << K):
        acc = 0.0
        for k in range(K):
            if not (mask >> k) & 1:
                acc += profile[k]
            cumulative[mask, k] = acc
        total[mask] = acc
    return total, cumulative


@internal
def pick_dimension(total, cumulative, mask, r):
    """One step of draw_mask (ODD 7.8) with its sums looked up: with `mask` chosen so far
    and a uniform r, the mask with the next dimension added."""
    u = r * total[mask]
    pick = -1
    for k in range(cumulative.shape[1]):
        if not (mask >> k) & 1:
            pick = k
            if u < cumulative[mask, k]:
                break
    return mask | (1 << pick)


@internal
def draw_mask_from(total, cumulative, complexity, rng):
    """draw_mask (ODD 7.8; the reference's common.draw_mask) with its sums looked up: the
    same uniforms give the same mask."""
    mask = 0
    for _ in range(complexity):
        mask = pick_dimension(total, cumulative, mask, rng.random())
    return mask


@internal
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
