"""Process 7, beneficiaries: services reach people, conditions improve or relapse,
outcomes are sustained or lost; needs drift."""

import math

import numpy as np

from numba import njit

from .common import clip01
from .jit import internal


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

    Reads: beneficiaries (achieved, base_engagement, condition, enrolled, months_above,
        needs), needs (coverage, dose, load, need_count, service, takers, true_profile),
        world (ease, effort_population, improved_share, lift, outcomes,
        service_integration).
    Writes: beneficiaries (achieved, condition, enrolled, months_above), needs
        (coverage, dose, load, takers, true_profile), world (benef_engagement, caseload,
        impact_share, improved_share, lift, mean_condition, outcome_leavers, outcomes,
        prev_improved, served).
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
    w.outcome_leavers = renew_needs(P, be, nd, mix64(np.uint64(rng_needs.random() * TWO53)))


SORT_ABOVE = 1 << 17  # renew_needs sorts its changes by person only in populations larger than this
BLOCK = 512  # people per block of the pass once nobody can join (scratch of about 15 kB)


@internal
def pass_people(needs, condition, base, months_above, enrolled, achieved, takers, load, dose, key, start,
                places, lift, gain, natural, relapse, relapse_s, threshold, sustain):
    """The month's pass over the population (see `beneficiaries`), on the arrays
    themselves: start, start + 1, ..., M - 1, 0, ..., start - 1. Returns served, improved,
    impact, caseload, the sums of condition and engagement, and the new outcomes.

    While a place is free (places >= 1) people go one by one (anyone may join). Places
    only fall during the pass, so after that nobody joins, and the rest of the pass goes
    by blocks: every person's month as if outside the caseload, computed for the whole
    block at once (no floating-point sum in it, so the compiler uses vector instructions;
    the same operations on each person as one by one), then one pass over the block in
    order that redoes the few people in the caseload or reaching a sustained outcome,
    adds the sums in the same order as one by one (the same roundings) and writes the
    people back."""
    M = condition.shape[0]
    served = 0
    improved = 0
    impact = 0
    caseload = 0
    total_condition = 0.0
    total_engagement = 0.0
    outcomes = 0.0
    c_new = np.empty(BLOCK)
    eng_of = np.empty(BLOCK)
    taken = np.empty(BLOCK)
    above_new = np.empty(BLOCK, np.int32)
    flag = np.empty(BLOCK, np.uint8)
    one = np.uint64(1)
    for part in range(2):
        lo, hi = (start, M) if part == 0 else (0, start)
        b = np.uint64(lo)  # unsigned: no negative-index checks
        end = np.uint64(hi)
        while b < end and places >= 1.0:  # one by one: a person may join
            c = condition[b]
            above = months_above[b]
            base_b = base[b]
            nat = natural * base_b
            eng = min(1.0, base_b + lift)
            total_engagement += eng
            sustained = above >= sustain
            if not sustained and person_uniform(key, b) < eng:
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
            b += one
        while b < end:  # by blocks: nobody joins
            n = min(np.uint64(BLOCK), end - b)
            for j in range(n):  # everyone as if outside the caseload (vector instructions)
                i = b + j
                c = condition[i]
                above = months_above[i]
                base_b = base[i]
                nat = natural * base_b
                eng = min(1.0, base_b + lift)
                kept = c - relapse_s * c
                drift = c + nat * (1.0 - c) - relapse * c
                c = kept if above >= sustain else drift
                above = above + 1 if c >= threshold else 0
                c_new[j] = c
                eng_of[j] = eng
                above_new[j] = above
                improved += above > 0
                impact += above >= sustain
                taken[j] = 0.0 if above >= sustain else eng
                flag[j] = enrolled[i] | (above == sustain)
            for j in range(n):  # in order: the caseload and new outcomes, then the sums
                i = b + j
                if flag[j]:
                    above = months_above[i]
                    eng = eng_of[j]
                    if enrolled[i] != 0 and above < sustain and person_uniform(key, i) < eng:
                        c = condition[i]
                        c += min(1.0, gain * dose[needs[i]] + natural * base[i]) * (1.0 - c)
                        served += 1
                        c_new[j] = c
                        improved -= above_new[j] > 0  # the block counted this person as not served
                        impact -= above_new[j] >= sustain
                        above = above + 1 if c >= threshold else 0
                        above_new[j] = above
                        improved += above > 0
                        impact += above >= sustain
                        taken[j] = 0.0 if above >= sustain else eng
                    if above_new[j] == sustain:
                        if not achieved[i]:
                            achieved[i] = 1
                            outcomes += 1.0
                        if enrolled[i]:
                            enrolled[i] = 0
                            move_load(load, needs[i], -ONE)
                    caseload += enrolled[i]
                total_engagement += eng_of[j]
                takers[needs[i]] += taken[j]
                c = c_new[j]
                total_condition += c
                condition[i] = c
                months_above[i] = above_new[j]
            b += n
    return served, improved, impact, caseload, total_condition, total_engagement, outcomes


@internal
def renew_needs(P, be, nd, key):
    """Need drift, then cohort renewal, from the month's counter-based uniforms
    person_uniform(key, i), i = 0, 1, 2, ... (key: the month key drawn from `needs`), in
    this order: round(M x need_drift) times (who, complexity uniforms for the new needs),
    then round(M x beneficiary_turnover) times (who, new needs, condition, engagement).

    The draws are taken first, in stream order; in populations above SORT_ABOVE the
    changes are then applied in order of the person (a stable counting sort on the index),
    which touches memory in sequence instead of at random (about 7% of renew_needs at 10^6
    people; in smaller ones the arrays fit the processor's cache and the sort costs more
    than it saves). Changes to different people commute, and a person picked twice gets
    them in draw order, so the result is the same as applying them as drawn. New needs come from pick_dimension,
    which gives the mask of ODD 7.8's draw_mask (the reference's common.draw_mask), from
    sums computed once a month. Returns the number of people who left the target group
    holding a sustained outcome (their value is projected on, 7.10).
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
    sustain = int(p.sustain_months)
    leavers = 0.0
    who = np.empty(n, np.int64)
    mask = np.empty(n, np.uint8)
    condition = np.empty(n)
    engagement = np.empty(n)
    total, bound, free = mask_tables(nd.true_profile)
    # All the month's uniforms first (independent of each other: vector instructions),
    # then the picks read them in stream order.
    draws = n_drift * (1 + complexity) + n_new * (3 + complexity)
    r = np.empty(draws)
    for i in range(np.uint64(draws)):
        r[i] = person_uniform(key, i)
    i = 0  # the month's draws so far
    for j in range(n):
        who[j] = min(int(r[i] * M), M - 1)
        i += 1
        m = 0
        for _ in range(complexity):
            m = pick_dimension(total, bound, free, m, r[i])
            i += 1
        mask[j] = m
        if j >= n_drift:
            condition[j] = newcomer_condition(p, r[i])
            engagement[j] = newcomer_engagement(p, r[i + 1])
            i += 2
    if M > SORT_ABOVE:
        order = stable_order(who, M)
    else:  # draw order
        order = np.empty(n, np.int64)
        for j in range(n):
            order[j] = j
    for j in order:
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
            if months_above[b] >= sustain:  # the leaver held a sustained outcome
                leavers += 1.0
            if enrolled[b]:
                for k in range(K):
                    load[k] -= (old >> k) & 1
                enrolled[b] = 0
            achieved[b] = 0
            condition_of[b] = condition[j]
            engagement_of[b] = engagement[j]
            months_above[b] = 0
    return leavers


@internal
def mask_tables(profile):
    """For every set of dimensions already chosen (a mask), the sums draw_mask computes
    over the dimensions not yet chosen, in the same order: total[mask], and bound[mask, c]
    the sum up to and including the c-th dimension not yet chosen (+inf past the last);
    free[mask, c] is that dimension (c = the number not yet chosen: the last of them).
    2^K x K sums a month, K <= 8."""
    K = profile.shape[0]
    total = np.empty(1 << K)
    bound = np.empty((1 << K, K))
    free = np.empty((1 << K, K + 1), np.int64)
    for mask in range(1 << K):
        for c in range(K):
            bound[mask, c] = np.inf
            free[mask, c] = 0
        free[mask, K] = 0
        acc = 0.0
        c = 0
        for k in range(K):
            if not (mask >> k) & 1:
                acc += profile[k]
                bound[mask, c] = acc
                free[mask, c] = k
                c += 1
        if c > 0:
            free[mask, c] = free[mask, c - 1]
        total[mask] = acc
    return total, bound, free


@njit(inline="always")
def pick_dimension(total, bound, free, mask, r):
    """One step of draw_mask (ODD 7.8) with its sums looked up: with `mask` chosen so far
    and a uniform r, the mask with the next dimension added: the first dimension not yet
    chosen whose running sum exceeds u = r x total[mask], else the last one. The running
    sums rise along the dimensions not yet chosen, so that dimension's place among them is
    the count of sums <= u (the same comparisons, counted without a branch)."""
    u = r * total[mask]
    c = 0
    for k in range(bound.shape[1]):
        c += not (u < bound[mask, k])
    return mask | (1 << free[mask, c])


@internal
def stable_order(index, size):
    """Positions of `index` sorted by value into buckets of 2^s consecutive values (about
    len(index) buckets), keeping draw order within a bucket (a stable counting sort):
    enough for memory locality."""
    n = index.shape[0]
    shift = 0
    while (size - 1) >> shift >= max(1, n):
        shift += 1
    buckets = ((size - 1) >> shift) + 1
    counts = np.empty(buckets + 1, np.int64)
    for q in range(buckets + 1):
        counts[q] = 0
    for j in range(n):
        counts[(index[j] >> shift) + 1] += 1
    for q in range(buckets):
        counts[q + 1] += counts[q]
    order = np.empty(n, np.int64)
    for j in range(n):
        q = index[j] >> shift
        order[counts[q]] = j
        counts[q] += 1
    return order
