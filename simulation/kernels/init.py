"""Initialization: the state at month 0, drawn from the `init` stream."""

import numpy as np

from .beneficiaries import mask_tables, newcomer_condition, newcomer_engagement, pick_dimension
from .common import LAUNCH_LEVEL, NEED_LOW, SQRT3, spread
from .interventions import add_funder, add_partner
from .jit import borrowed, internal


@internal
def initialize(P, st, sectors, rng, rng_context):
    """Fill a zeroed state from the `init` stream (``rng``), then draw the run's context
    from the `context` stream (``rng_context``, see draw_context). Called by
    ``engine.run_months`` (its ``start`` flag), so that Python has one entry point and
    numba builds one wrapper for the whole state, not two. Draw order: need profile (K), launch partners' competences
    (n_partners x K), funders' common pet dimensions (K) and preferences (F x K), then per beneficiary: needs
    (complexity draws), condition, engagement.

    Reads: partners (active, reps), funders (preference), beneficiaries
        (base_engagement), needs (need_count, takers, true_profile), world (trust_ref),
        fit.
    Writes: partners (active, capacity, ceiling, commitment, competence, engagement,
        ever, knowledge, low_months, reps, sector, stake, tenure), funders (active,
        level, measured, preference, shortfall, term_start, tolerance), beneficiaries
        (base_engagement, condition, needs), needs (estimate, need_count, takers,
        true_profile), world (ease, last_cut, last_relaunch, launch_size, leadership,
        mean_trust, trust_ref), trust, trust_levels, fit.
    """
    p = P[0]
    pt, fu, be, nd = borrowed((st.partners, st.funders, st.beneficiaries, st.needs))  # see jit.borrowed
    w = st.world[0]
    K = nd.true_profile.shape[0]
    n0 = int(p.n_partners)
    c = int(p.complexity)

    total = 0.0
    for k in range(K):
        nd.true_profile[k] = NEED_LOW + rng.random()
        total += nd.true_profile[k]
    for k in range(K):
        nd.true_profile[k] /= total

    draws = np.empty(K)
    for i in range(n0):  # each with init_trust toward the partners before it (add_partner)
        for k in range(K):
            draws[k] = rng.random()
        add_partner(p, pt, st.trust, i, sectors[i], draws, p.init_knowledge)
    S = pt.active.shape[0]
    for i in range(S):  # every slot's levels, recruits' included (they start at init_trust)
        for j in range(S):
            if i != j:
                st.trust_levels[0, i, j] = p.init_trust
                st.trust_levels[1, i, j] = p.init_trust

    # Funders' pet dimensions: cubed uniforms (concentrated on one or two dimensions),
    # half shared by all funders (a region's funding fashion), half each funder's own.
    F = fu.level.shape[0]
    common = np.empty(K)
    for k in range(K):
        u = rng.random()
        common[k] = u * u * u
    common_total = 0.0  # common.sum() written out (the same additions in the same order)
    for k in range(K):
        common_total += common[k]
    for f in range(F):
        add_funder(fu, f, LAUNCH_LEVEL, 0)
        total = 0.0
        for k in range(K):
            u = rng.random()
            fu.preference[f, k] = u * u * u
            total += fu.preference[f, k]
        for k in range(K):
            own = fu.preference[f, k] / total if total > 0.0 else 1.0 / K
            shared = common[k] / common_total if common_total > 0.0 else 1.0 / K
            pet = p.funder_common_interest * shared + (1.0 - p.funder_common_interest) * own
            fu.preference[f, k] = (1.0 - p.funder_divergence) * nd.true_profile[k] + p.funder_divergence * pet

    voice = p.beneficiary_involvement
    for k in range(K):
        mean_pref = 0.0
        for f in range(F):
            mean_pref += fu.preference[f, k]
        nd.estimate[k] = voice * nd.true_profile[k] + (1.0 - voice) * mean_pref / F

    M = be.condition.shape[0]
    mask_total, mask_bound, mask_free = mask_tables(nd.true_profile)  # draw_mask's sums, once
    for b in range(M):
        m = 0
        for _ in range(c):  # draw_mask (ODD 7.8) with its sums looked up; no call that takes arrays per person
            m = pick_dimension(mask_total, mask_bound, mask_free, m, rng.random())
        be.needs[b] = m
        be.condition[b] = newcomer_condition(p, rng.random())
        be.base_engagement[b] = newcomer_engagement(p, rng.random())
        for k in range(K):
            if (m >> k) & 1:
                nd.need_count[k] += 1
        nd.takers[m] += be.base_engagement[b]

    w.trust_ref = p.init_trust if n0 > 1 else 0.0
    w.mean_trust = w.trust_ref
    w.launch_size = n0
    w.last_relaunch = -1.0
    w.last_cut = -1.0
    draw_context(p, pt, fu, st.fit, w, rng_context)


@internal
def draw_context(p, pt, fu, fit, w, rng):
    """The run's context, from the `context` stream (drawn once, after `initialize`).

    Draw order: each slot's capacity (S), the leadership quality (1), the problem's
    difficulty (1), each funder's stance (F), each pair's fit (i < j, row by row), then each
    slot's stake (S): uniform with sd stake_sd around 0, added to its engagement target.
    Each is a log-uniform multiplier spread(sd, u) = exp(sd x sqrt(3) x (2u - 1)).

    Reads: fit.
    Writes: partners (capacity, stake), funders (tolerance), world (ease, leadership),
        fit.
    """
    S = pt.active.shape[0]
    for i in range(S):
        pt.capacity[i] = spread(p.capacity_sd, rng.random())
    w.leadership = spread(p.leadership_sd, rng.random())
    w.ease = 1.0 / spread(p.difficulty_sd, rng.random())
    for f in range(fu.level.shape[0]):
        fu.tolerance[f] = spread(p.funder_stance_sd, rng.random())
    for i in range(S):
        for j in range(i + 1, S):
            fit[i, j] = spread(p.fit_sd, rng.random())
            fit[j, i] = fit[i, j]
    for i in range(S):
        pt.stake[i] = p.stake_sd * SQRT3 * (2.0 * rng.random() - 1.0)
