"""Month 0: the initial state and the run's context, in plain Python: mirrors ``simulation/kernels/init.py``."""

from __future__ import annotations

from ..params import LAUNCH_LEVEL, NEED_LOW, SECTORS
from .common import (SQRT3, Beneficiary, Funder, draw_mask, has, pet_shares, spread)
from .beneficiaries import newcomer_condition, newcomer_engagement
from .interventions import add_funder, add_partner


def initialize(ps):
    """Month 0 (ODD 5; kernels/init.py initialize). Draws from `init`: the need profile (K),
    launch partners' competences (n_partners x K), the funders' common pet dimensions (K) and
    preferences (F x K), then per beneficiary: needs (complexity draws), condition, engagement."""
    p, w, rng, K = ps.p, ps.w, ps.streams.init, ps.K
    total = 0.0
    for k in range(K):
        ps.true_profile[k] = NEED_LOW + rng.random()
        total += ps.true_profile[k]
    for k in range(K):
        ps.true_profile[k] /= total
    sectors = [SECTORS.index(sector) for _, sector in p.partner_labels()]
    for i in range(p.n_partners):  # each with init_trust toward the partners before it
        draws = [rng.random() for _ in range(K)]
        add_partner(ps, i, sectors[i], draws, p.init_knowledge)
    for level in ps.levels:  # every slot's, recruits' included
        for i in range(p.slots):
            for j in range(p.slots):
                if i != j:
                    level[i][j] = p.init_trust
    # Funders' pet dimensions: cubed uniforms, funder_common_interest shared by all funders.
    common = pet_shares(rng, K)
    for _ in range(p.n_funders):
        own = pet_shares(rng, K)
        pets = [p.funder_common_interest * common[k] + (1.0 - p.funder_common_interest) * own[k] for k in range(K)]
        pref = [(1.0 - p.funder_divergence) * ps.true_profile[k] + p.funder_divergence * pets[k] for k in range(K)]
        ps.funders.append(Funder(False, 0.0, pref))
        add_funder(ps, len(ps.funders) - 1, LAUNCH_LEVEL, 0)
    voice = p.beneficiary_involvement
    for k in range(K):
        mean_pref = 0.0
        for f in ps.funders:
            mean_pref += f.preference[k]
        ps.estimate[k] = voice * ps.true_profile[k] + (1.0 - voice) * mean_pref / p.n_funders
    for _ in range(p.n_beneficiaries):
        m = draw_mask(ps.true_profile, p.complexity, rng)
        person = Beneficiary(m, newcomer_condition(p, rng.random()),
                             newcomer_engagement(p, rng.random()))
        ps.people.append(person)
        for k in range(K):
            if has(m, k):
                ps.need_count[k] += 1
        ps.takers[m] += person.base_engagement
    w.trust_ref = p.init_trust if p.n_partners > 1 else 0.0
    w.mean_trust = w.trust_ref
    w.launch_size = float(p.n_partners)
    w.last_relaunch = w.last_cut = -1.0


def draw_context(ps):
    """The run's context (ODD 5; kernels/init.py draw_context). Draws from `context`:
    capacities (S), leadership, difficulty, stances (F), pair fits (i < j), stakes (S)."""
    p, w, rng = ps.p, ps.w, ps.streams.context
    for pt in ps.partners:
        pt.capacity = spread(p.capacity_sd, rng.random())
    w.leadership = spread(p.leadership_sd, rng.random())
    w.ease = 1.0 / spread(p.difficulty_sd, rng.random())
    for f in ps.funders:
        f.tolerance = spread(p.funder_stance_sd, rng.random())
    S = len(ps.partners)
    for i in range(S):
        for j in range(i + 1, S):
            ps.fit[i][j] = ps.fit[j][i] = spread(p.fit_sd, rng.random())
    for pt in ps.partners:
        pt.stake = p.stake_sd * SQRT3 * (2.0 * rng.random() - 1.0)
