"""Process 3, backbone practices, in plain Python: mirrors ``simulation/kernels/practices.py``."""

from __future__ import annotations

import math

from ..params import PRINCIPLES
from .common import (REDESIGN, has)


def efforts(ps) -> list[float]:
    """Effort on each principle from the orchestration hours (ODD 7.4; kernels/practices.py
    efforts)."""
    p = ps.p
    weights = [getattr(p, f"effort_{q}") for q in PRINCIPLES]
    total = 0.0
    for x in weights:
        total += x
    if total <= 0.0:
        return [0.0] * 6
    return [float(getattr(p, f"use_{q}")) * (1.0 - math.exp(-ps.w.orch_hours * wq / total / p.effort_scale_hours))
            for q, wq in zip(PRINCIPLES, weights)]


def practices(ps):
    """Process 3 (ODD 7.4; kernels/practices.py). No draws."""
    p, w = ps.p, ps.w
    shared = 0.0
    for pt in ps.partners:
        shared += pt.hours_orch
    lead = w.leadership * (p.vacancy_effectiveness if w.vacancy > 0.0 else 1.0)
    w.orch_hours = w.backbone_hours * lead + shared * p.self_orchestration_efficiency
    (w.effort_alignment, w.effort_momentum, w.effort_identity, w.effort_coordination,
     w.effort_population, w.effort_measurement) = efforts(ps)
    w.noise = p.measurement_noise * (1.0 - w.effort_measurement * p.measurement_gain)

    n = len(ps.active())
    if (w.effort_identity > 0.0 and w.dissolved == 0.0 and w.turnover_since_launch > 0.0
            and w.turnover_since_launch >= p.relaunch_threshold * w.launch_size):
        e = w.effort_identity
        S = len(ps.partners)
        for i, pt in enumerate(ps.partners):
            if not pt.active:
                continue
            pt.engagement += e * p.relaunch_engagement_gain * (1.0 - pt.engagement)
            pt.knowledge += e * p.relaunch_knowledge_gain * (1.0 - pt.knowledge)
            for j in range(i + 1, S):
                t = ps.levels[0][i][j]
                if ps.partners[j].active and t < w.trust_ref:
                    ps.set_level(0, i, j, t + e * p.relaunch_trust_restore * (w.trust_ref - t))
        share = w.turnover_since_launch / w.launch_size
        w.turnover_since_launch = 0.0
        w.launch_size = float(n)
        w.last_relaunch = w.month
        w.relaunches += 1.0
        ps.log("relaunch", -1, -1, share, ps.mean_trust())

    demand = [0.0] * ps.K
    dtotal = 0.0
    for m, takers in enumerate(ps.takers):
        for k in range(ps.K):
            if has(m, k):
                demand[k] += takers
                dtotal += takers
    # Re-design (the phase set last month) revisits needs: the agenda moves toward true
    # needs at redesign_rate (pooled regime only: isolated grantees have no agenda).
    redesign = 0.0
    if int(w.phase) == REDESIGN and p.regime != "isolated" and w.dissolved == 0.0:
        redesign = p.redesign_rate
    total = 0.0
    for k in range(ps.K):
        ps.estimate[k] += w.effort_population * p.cocreation_rate * (ps.true_profile[k] - ps.estimate[k])
        if dtotal > 0.0:
            ps.estimate[k] += w.effort_measurement * p.learning_rate * (demand[k] / dtotal - ps.estimate[k])
        ps.estimate[k] += redesign * (ps.true_profile[k] - ps.estimate[k])
        total += ps.estimate[k]
    for k in range(ps.K):
        ps.estimate[k] /= total
