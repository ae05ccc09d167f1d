"""Process 8, commitment and engagement: partners weigh value against burden; funders'
money pulls the agenda unless beneficiaries have a voice."""

from numba import njit

from .common import MONTHS_PER_YEAR, clip01, partner_trust
from .jit import internal


@internal
def engagement(P, pt, fu, nd, trust, w):
    """No random draws.

    Engagement follows perceived value: target = init_engagement + stake_i + progress_weight x
    progress + recognition_gain x E_momentum + own interest (grant_interest_weight x (grant
    relative to the mean, capped at grant_interest_cap, - 1)) + trust_weight x (trust_i - init_trust) + funding_weight x (funding -
    1) - overcoord_erosion x excess
    coordination share, where funding is the funders' total level over n_funders (1 at
    launch), progress is the smoothed (progress_smoothing) annualized change of the
    improved share and trust_i the partner's mean trust with the others (taken before
    this month's commitment update); engagement moves toward the target at
    engagement_rate. Commitment: dc = commit_gain x e x trust_i x (1 - c) -
    home_pull x (1 - align_strength x E_alignment) x c. The agenda moves toward funders'
    preferences at agenda_rate x funder_agenda_power x (1 - voice) x (1 - align_strength
    x E_alignment) and toward true needs at agenda_rate x voice (voice =
    beneficiary_involvement).

    Reads: partners (active, commitment, engagement, excess_coord, grant, knowledge,
        stake), funders (active, level, preference), needs (estimate, true_profile),
        world (effort_alignment, effort_momentum, improved_share, prev_improved,
        progress), trust.
    Writes: partners (commitment, engagement, knowledge), needs (estimate), world
        (progress).
    """
    p = P[0]
    a = p.progress_smoothing
    w.progress = (1.0 - a) * w.progress + a * MONTHS_PER_YEAR * (w.improved_share - w.prev_improved)
    shield = 1.0 - p.align_strength * w.effort_alignment
    partners_engagement(p, pt, fu, trust, w, shield)
    agenda(p, fu, nd, shield)


@njit(cache=True, inline="always")
def partners_engagement(p, pt, fu, trust, w, shield):
    """Each active partner's engagement, commitment and knowledge (see engagement)."""
    S = pt.active.shape[0]
    F = fu.level.shape[0]
    mean_grant = 0.0
    n = 0
    for i in range(S):
        if pt.active[i]:
            mean_grant += pt.grant[i]
            n += 1
    if n > 0:
        mean_grant /= n
    funding = 0.0
    for f in range(F):
        if fu.active[f]:
            funding += fu.level[f]
    funding /= F
    for i in range(S):
        if not pt.active[i]:
            continue
        interest = 0.0
        if mean_grant > 0.0:
            interest = p.grant_interest_weight * (min(pt.grant[i] / mean_grant, p.grant_interest_cap) - 1.0)
        t_i = partner_trust(trust, pt.active, i)
        target = clip01(p.init_engagement + pt.stake[i] + p.progress_weight * w.progress
                        + p.recognition_gain * w.effort_momentum + interest
                        + p.trust_weight * (t_i - p.init_trust)
                        + p.funding_weight * (funding - 1.0)
                        - p.overcoord_erosion * pt.excess_coord[i])
        pt.engagement[i] = clip01(pt.engagement[i] + p.engagement_rate * (target - pt.engagement[i]))
        c = pt.commitment[i]
        c += p.commit_gain * pt.engagement[i] * t_i * (1.0 - c) - p.home_pull * shield * c
        pt.commitment[i] = clip01(c)
        pt.knowledge[i] += p.learning_knowledge * (1.0 - pt.knowledge[i])


@njit(cache=True, inline="always")
def agenda(p, fu, nd, shield):
    """The agenda moves toward the funders' level-weighted preferences and toward true
    needs, then is normalized (see engagement)."""
    K = nd.estimate.shape[0]
    F = fu.level.shape[0]
    level = 0.0
    for f in range(F):
        if fu.active[f]:
            level += fu.level[f]
    voice = p.beneficiary_involvement
    pull = p.agenda_rate * p.funder_agenda_power * (1.0 - voice) * shield
    total = 0.0
    for k in range(K):
        pref = 0.0
        if level > 0.0:
            for f in range(F):
                if fu.active[f]:
                    pref += fu.level[f] * fu.preference[f, k] / level
            nd.estimate[k] += pull * (pref - nd.estimate[k])
        nd.estimate[k] += p.agenda_rate * voice * (nd.true_profile[k] - nd.estimate[k])
        total += nd.estimate[k]
    for k in range(K):
        nd.estimate[k] /= total
