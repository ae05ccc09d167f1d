"""Process 2, shocks and grant terms, in plain Python: mirrors ``simulation/kernels/shocks.py``."""

from __future__ import annotations

from ..params import NEED_LOW
from .common import spread
from .interventions import add_funder, partner_exits


def shocks(ps):
    """Process 2, shocks and grant terms (ODD 7.2a; kernels/shocks.py). Draws from `shocks`:
    3 per funder, 2 per slot, 2 for the leader, 1 + K for policy, always."""
    w = ps.w
    live = w.dissolved == 0.0
    if w.vacancy > 0.0:
        w.vacancy -= 1.0
    funder_shocks(ps, live)
    home_shocks(ps, live)
    leader_shock(ps, live)
    policy_shock(ps, live)


def funder_shocks(ps, live: bool):
    """Funders change priorities, grant terms end and are renewed or not, vacant places
    are filled (kernels/shocks.py funder_shocks)."""
    p, w, rng = ps.p, ps.w, ps.streams.shocks
    month = int(w.month)
    for index, f in enumerate(ps.funders):
        u_shift, u_renew, u_join = rng.random(), rng.random(), rng.random()
        if not live:
            continue
        if f.active:
            if u_shift < p.funder_shift_rate:
                f.active = False
                w.shocks += 1.0
                ps.log("funder_shift", index, -1, f.level, 0.0)
                continue
            if month + 1 - f.term_start >= p.grant_term:
                benchmark = p.expected_cost_per_outcome * f.tolerance
                poor = p.renewal_rate_poor + (1.0 - p.renewal_rate_poor) * w.effort_momentum * p.narrative_persuasion
                if p.review_rule == "price":
                    measured = w.paid_in / max(w.outcomes, 1.0)
                    chance = p.renewal_rate if measured <= benchmark else poor
                else:
                    measured = f.measured
                    chance = p.renewal_rate + (poor - p.renewal_rate) * f.shortfall
                if u_renew < chance:
                    f.term_start = month + 1
                    ps.log("grant_renewed", index, -1, measured, benchmark)
                else:
                    f.active = False
                    w.grant_ends += 1.0
                    ps.log("grant_ended", index, -1, measured, benchmark)
        elif u_join < p.funder_recruit_rate + w.effort_momentum * p.funder_recruit_gain:
            add_funder(ps, index, p.funder_join_level, month + 1)
            w.funder_joins += 1.0
            ps.log("funder_join", index, -1, 0.0, 0.0)


def home_shocks(ps, live: bool):
    """Home organizations change priorities (kernels/shocks.py home_shocks)."""
    p, w, rng = ps.p, ps.w, ps.streams.shocks
    keep = 1.0 - p.align_strength * w.effort_alignment
    for i, pt in enumerate(ps.partners):
        u_home, u_leave = rng.random(), rng.random()
        if not (live and pt.active) or u_home >= p.home_shift_rate:
            continue
        leaves = u_leave < (1.0 - pt.commitment) * keep
        ps.log("home_shift", i, -1, pt.commitment, 1.0 if leaves else 0.0)
        w.shocks += 1.0
        if leaves:
            partner_exits(ps, i)
            w.home_exits += 1.0


def leader_shock(ps, live: bool):
    """The leader leaves (kernels/shocks.py leader_shock)."""
    p, w, rng = ps.p, ps.w, ps.streams.shocks
    u_leader, u_quality = rng.random(), rng.random()
    if live and u_leader < p.leader_exit_rate and w.backbone_hours > 0.0:
        old = w.leadership
        w.leadership = spread(p.leadership_sd, u_quality)
        w.vacancy = float(p.leader_vacancy)
        w.shocks += 1.0
        ps.log("leader_exit", -1, -1, old, w.leadership)


def policy_shock(ps, live: bool):
    """A policy change shifts needs (kernels/shocks.py policy_shock)."""
    p, w, rng = ps.p, ps.w, ps.streams.shocks
    u_policy = rng.random()
    fresh = [0.0] * ps.K
    total = 0.0
    for k in range(ps.K):
        fresh[k] = NEED_LOW + rng.random()
        total += fresh[k]
    if live and u_policy < p.policy_shock_rate:
        before = ps.accuracy()
        for k in range(ps.K):
            ps.true_profile[k] = (1.0 - p.policy_shift) * ps.true_profile[k] + p.policy_shift * fresh[k] / total
        w.shocks += 1.0
        ps.log("policy_shock", -1, -1, before, ps.accuracy())
