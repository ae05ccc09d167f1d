"""Process 5, trust: two levels of pairwise trust (Zaheer, McEvily & Perrone 1998).

The representatives' (interpersonal) trust P = levels[0] follows their cooperation with a
negativity bias (Pant & Yu 2025, below, where T stands for P); the organizations'
(interorganizational) trust O = levels[1] follows P at org_trust_rate; partners act on
their blend, trust = interpersonal_weight x P + (1 - interpersonal_weight) x O (ODD 7.6).

For an interacting pair (i, j), cooperation a = sqrt(perf_i x perf_j) x fit_ij x (1 +
interaction_noise x sqrt(3) (2u - 1)), with perf = commitment x engagement (showing up for
the common agenda), fit_ij the pair's fit (drawn with the run's context; times 1 -
sector_distance across sectors) and u this month's draw for the pair: cooperation as the
other sees it, so pairs of the same age differ; signal s = tanh(k (a - baseline)). With interaction intensity x and dependence D (realized integration):
(a positive signal moves trust toward s x ceiling, the trustworthiness the pair's
cooperation reveals, from below or from above: trust as learning about the partner,
Vanneste, Puranam & Kretschmer 2014; see docs/ODD.md, process 5)
    s > 0:  dT = x l+ s (s ceiling - T)        ceiling = min of the two reputations
    s < 0:  dT = x l- s T (1 + dependence D)
and without interaction trust decays: dT -= trust_decay (1 - x) T.
Betrayal (unilateral credit-claiming) by i, with monthly chance betrayal_rate x
(1 - commitment_i) x (1 - protocol x E_identity): every T_ij takes a full negative
signal, T_ij -= l- T_ij (1 + dependence D), and i's reputation ceiling drops.
"""

import math


from .common import SQRT3, blend, mean_trust
from .interventions import betrayal
from .jit import internal


@internal
def trust(P, pt, T, levels, fit, w, events, rng):
    """Draws from the `trust` stream every month: one uniform per pair of slots (i < j,
    row by row: how the pair's cooperation came across this month), then one per slot
    (betrayal).

    Reads: partners (active, ceiling, commitment, engagement, sector), world (betrayals,
        effort_identity, integration, interaction, mean_trust, month, trust_ref), trust,
        trust_levels, fit, events.
    Writes: partners (ceiling), world (betrayals, mean_trust, trust_ref), trust,
        trust_levels, events.
    """
    p = P[0]
    S = pt.active.shape[0]
    x = w.interaction
    D = w.integration
    amplify = 1.0 + p.trust_dependence * D

    for i in range(S):
        perf_i = pt.commitment[i] * pt.engagement[i]
        for j in range(i + 1, S):
            u = rng.random()
            if not (pt.active[i] and pt.active[j]):
                continue
            fit_ij = fit[i, j]
            if pt.sector[i] != pt.sector[j]:
                fit_ij *= 1.0 - p.sector_distance
            a = math.sqrt(perf_i * pt.commitment[j] * pt.engagement[j]) * fit_ij
            a *= 1.0 + p.interaction_noise * SQRT3 * (2.0 * u - 1.0)
            s = math.tanh(p.trust_signal_k * (a - p.trust_baseline))
            t = levels[0, i, j]
            ceiling = min(pt.ceiling[i], pt.ceiling[j])
            if s > 0.0:
                t += x * p.trust_gain * s * (s * ceiling - t)
            else:
                t += x * p.trust_loss * s * t * amplify
            t -= p.trust_decay * (1.0 - x) * t
            t = min(max(t, 0.0), ceiling)
            levels[0, i, j] = t
            levels[0, j, i] = t
            o = levels[1, i, j] + p.org_trust_rate * (t - levels[1, i, j])
            levels[1, i, j] = o
            levels[1, j, i] = o
            blend(p, T, levels, i, j)

    protocol = 1.0 - w.effort_identity * p.betrayal_protocol
    for i in range(S):
        u = rng.random()
        if not pt.active[i]:
            continue
        if u < p.betrayal_rate * (1.0 - pt.commitment[i]) * protocol:
            betrayal(p, pt, T, levels, w, events, i)

    for i in range(S):
        if pt.active[i]:
            pt.ceiling[i] += p.reputation_recovery * (p.trust_ceiling - pt.ceiling[i])
    w.mean_trust = mean_trust(T, pt.active)
    if w.mean_trust > w.trust_ref:
        w.trust_ref = w.mean_trust
