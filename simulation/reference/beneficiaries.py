"""Process 7, beneficiaries, in plain Python: mirrors ``simulation/kernels/beneficiaries.py``."""

from __future__ import annotations

import math

from .common import SQRT3, CounterStream, clip01, draw_mask, has, int_power, mix64, person_uniform


def newcomer_condition(p, u):
    return clip01(p.init_condition + p.condition_spread * (u - 0.5))


def newcomer_engagement(p, u):
    return clip01(p.benef_engagement + p.engagement_spread * (u - 0.5))


def doses(ps):
    """Each need mask's dose from the coverage of each dimension (ODD 7.8; kernels/beneficiaries.py
    doses)."""
    p, w, K = ps.p, ps.w, ps.K
    for k in range(K):
        cases = ps.service[k] / p.hours_per_case
        ps.coverage[k] = min(1.0, cases / ps.load[k]) if ps.load[k] > 0 else 1.0
    g = w.service_integration
    combine = 1.0 - p.fragmentation * (1.0 - g)
    for m in range(len(ps.dose)):
        lo, prod, n = 1.0, 1.0, 0
        for k in range(K):
            if has(m, k):
                n += 1
                lo = min(lo, ps.coverage[k])
                prod *= ps.coverage[k]
        ps.dose[m] = (g * lo + (1.0 - g) * prod) * int_power(combine, n - 1) if n > 0 else 0.0


def move_load(ps, mask: int, sign: int):
    """A caseload member with needs ``mask`` joins (+1) or leaves (-1) the load."""
    for k in range(ps.K):
        if has(mask, k):
            ps.load[k] += sign


def beneficiaries(ps):
    """Process 7 (ODD 7.8; kernels/beneficiaries.py). Draws from `uptake`: where the pass
    starts, then the month key of the people's counter-based uniforms (person b's is
    person_uniform(key, b), looked at only when it matters); from `needs`: K for the
    profile's walk, then the month key of need drift and renewal (CounterStream)."""
    p, w, K = ps.p, ps.w, ps.K
    doses(ps)
    places = 0.0
    for k in range(K):
        places += ps.service[k] / p.hours_per_case - ps.load[k]
    places /= p.complexity
    w.lift += p.benef_engagement_rate * (w.effort_population * p.cocreation_engagement - w.lift)
    ps.takers = [0.0] * len(ps.takers)
    pass_people(ps, places)
    renew_needs(ps)


def pass_people(ps, places: float):
    """The month's pass over the people, from `uptake` (kernels/beneficiaries.py
    pass_people), and the month's shares."""
    p, w = ps.p, ps.w
    served = improved = impact = caseload = 0
    total_condition = total_engagement = 0.0
    rng = ps.streams.uptake
    M = len(ps.people)
    start = min(int(rng.random() * M), M - 1)
    key = mix64(int(rng.random() * 2 ** 53))
    for b in list(range(start, M)) + list(range(start)):
        person = ps.people[b]
        m, c, above = person.needs, person.condition, person.months_above
        eng = min(1.0, person.base_engagement + w.lift)
        total_engagement += eng
        if above >= p.sustain_months:
            c -= p.relapse_rate_sustained * c
        elif (person.enrolled or places >= 1.0) and person_uniform(key, b) < eng:
            if not person.enrolled:
                person.enrolled = True
                move_load(ps, m, 1)
                places -= 1.0
            c += min(1.0, p.gain_rate * w.ease * ps.dose[m] + p.natural_gain * person.base_engagement) * (1.0 - c)
            served += 1
        else:
            c += p.natural_gain * person.base_engagement * (1.0 - c) - p.relapse_rate * c
        if c >= p.outcome_threshold:
            above += 1
            improved += 1
        else:
            above = 0
        if above == p.sustain_months:
            if not person.achieved:
                person.achieved = True
                w.outcomes += 1.0
            if person.enrolled:
                person.enrolled = False
                move_load(ps, m, -1)
        if above >= p.sustain_months:
            impact += 1
        else:
            ps.takers[m] += eng
        caseload += person.enrolled
        person.condition, person.months_above = c, above
        total_condition += c
    w.served = float(served)
    w.caseload = float(caseload)
    w.prev_improved = w.improved_share
    w.improved_share = improved / M
    w.impact_share = impact / M
    w.mean_condition = total_condition / M
    w.benef_engagement = total_engagement / M


def renew_needs(ps):
    """The need profile's walk, need drift and cohort renewal, from `needs`
    (kernels/beneficiaries.py renew_needs)."""
    p, K = ps.p, ps.K
    M = len(ps.people)
    rng = ps.streams.needs
    total = 0.0
    for k in range(K):
        ps.true_profile[k] *= math.exp(p.need_profile_drift * SQRT3 * (2.0 * rng.random() - 1.0))
        total += ps.true_profile[k]
    ps.true_profile = [x / total for x in ps.true_profile]
    rng = CounterStream(mix64(int(rng.random() * 2 ** 53)))  # need drift and renewal
    ps.w.outcome_leavers = 0.0
    for newcomer in (False, True):
        count = int(round(M * (p.beneficiary_turnover if newcomer else p.need_drift)))
        for _ in range(count):
            person = ps.people[min(int(rng.random() * M), M - 1)]
            old, new = person.needs, draw_mask(ps.true_profile, p.complexity, rng)
            for k in range(K):
                ps.need_count[k] += int(has(new, k)) - int(has(old, k))
            if person.enrolled:
                move_load(ps, old, -1)
                if newcomer:
                    person.enrolled = False  # the newcomer starts outside the caseload
                else:
                    move_load(ps, new, 1)
            person.needs = new
            if newcomer:
                if person.months_above >= p.sustain_months:  # left holding a sustained outcome
                    ps.w.outcome_leavers += 1.0
                person.condition = newcomer_condition(p, rng.random())
                person.base_engagement = newcomer_engagement(p, rng.random())
                person.months_above = 0
                person.achieved = False
