"""Process 5, trust, in plain Python: mirrors ``simulation/kernels/trust.py``."""

from __future__ import annotations

import math

from .common import SQRT3


def trust(ps):
    """Process 5 (ODD 7.6; kernels/trust.py). Draws from `trust`: one per pair of slots (i < j,
    row by row), then one per slot (betrayal), always."""
    p, w, rng = ps.p, ps.w, ps.streams.trust
    x, D = w.interaction, w.integration
    amplify = 1.0 + p.trust_dependence * D
    S = len(ps.partners)
    for i, pi in enumerate(ps.partners):
        perf_i = pi.commitment * pi.engagement
        for j in range(i + 1, S):
            u = rng.random()
            pj = ps.partners[j]
            if not (pi.active and pj.active):
                continue
            fit = ps.fit[i][j]
            if pi.sector != pj.sector:
                fit *= 1.0 - p.sector_distance
            a = math.sqrt(perf_i * pj.commitment * pj.engagement) * fit
            a *= 1.0 + p.interaction_noise * SQRT3 * (2.0 * u - 1.0)
            s = math.tanh(p.trust_signal_k * (a - p.trust_baseline))
            t = ps.levels[0][i][j]
            ceiling = min(pi.ceiling, pj.ceiling)
            if s > 0.0:
                t += x * p.trust_gain * s * (s * ceiling - t)
            else:
                t += x * p.trust_loss * s * t * amplify
            t -= p.trust_decay * (1.0 - x) * t
            t = min(max(t, 0.0), ceiling)
            ps.levels[0][i][j] = ps.levels[0][j][i] = t
            o = ps.levels[1][i][j]
            ps.set_level(1, i, j, o + p.org_trust_rate * (t - o))

    protocol = 1.0 - w.effort_identity * p.betrayal_protocol
    for i, pt in enumerate(ps.partners):
        u = rng.random()
        if not pt.active:
            continue
        if u < p.betrayal_rate * (1.0 - pt.commitment) * protocol:
            before = ps.partner_trust(i)
            for j, other in enumerate(ps.partners):
                if j != i and other.active:
                    keep = max(0.0, 1.0 - p.trust_loss * amplify)
                    ps.levels[0][i][j] = ps.levels[0][j][i] = ps.levels[0][i][j] * keep
                    ps.set_level(1, i, j, ps.levels[1][i][j] * keep)
            pt.ceiling = max(0.0, pt.ceiling - p.reputation_damage)
            w.betrayals += 1.0
            ps.log("betrayal", i, -1, before, ps.partner_trust(i))
    for pt in ps.active():
        pt.ceiling += p.reputation_recovery * (p.trust_ceiling - pt.ceiling)
    w.mean_trust = ps.mean_trust()
    if w.mean_trust > w.trust_ref:
        w.trust_ref = w.mean_trust
