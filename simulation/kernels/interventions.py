"""Interventions, written once: the changes to the state that an event makes. The monthly
kernels call them when their draws say the event happens; the trainer's app calls the same
functions when a lesson makes it happen (backbone/app/lessons.py), so a lesson follows
the model's rules exactly and the reference oracle's checks of the kernels cover it.

Each logs its event in the model's own event log (remove_partner and partner_exits leave
that to their caller, whose event says why). The rules are in docs/ODD.md: 7.2 turnover, 7.3 exits and
dissolution, 7.6 betrayal, 7.1 and 7.2a funders leaving."""

from numba import njit

from .common import BETRAYAL, TURNOVER, blend, log_event, partner_trust


@njit(cache=True, inline="always")
def replace_representative(P, st, i):
    """Partner i's representative leaves and a successor takes the seat (ODD 7.2): the
    interpersonal trust with the seat restarts at init_trust plus what onboarding carries
    over, the organizations' trust stays; knowledge falls back to the newcomer's plus what
    onboarding saves.

    Reads: partners (active, knowledge, reps), world (effort_coordination, month,
        turnover_since_launch, turnovers), trust, trust_levels, events.
    Writes: partners (knowledge, reps, tenure), world (turnover_since_launch,
        turnovers), trust, trust_levels, events.
    """
    successor(P[0], st.partners, st.trust, st.trust_levels, st.world[0], st.events, i)


@njit(cache=True, inline="always")
def claim_credit(P, st, i):
    """Partner i claims the shared results as its own, a betrayal (ODD 7.6): every trust in
    it takes a full negative signal, amplified by dependence, and its reputation ceiling
    drops by reputation_damage.

    Reads: partners (active, ceiling), world (betrayals, integration, month), trust,
        trust_levels, events.
    Writes: partners (ceiling), world (betrayals), trust, trust_levels, events.
    """
    betrayal(P[0], st.partners, st.trust, st.trust_levels, st.world[0], st.events, i)


@njit(cache=True, inline="always")
def funder_leaves(st, f, kind, v1, v2):
    """Funder f stops paying (for the reason `kind`, an event code, logged with v1, v2).

    Reads: world (month), events.
    Writes: funders (active), events.
    """
    funder_out(st.funders, st.world[0], st.events, f, kind, v1, v2)


# The same changes on the parts of the state they touch (what the kernels call: a
# function of the whole state costs numba much more to compile than one of a few arrays).

@njit(cache=True, inline="always")
def successor(p, pt, trust, levels, w, events, i):
    """replace_representative on the partners (pt), trust and its levels, world row (w)
    and event log."""
    onboard = w.effort_coordination * p.onboarding
    before = partner_trust(trust, pt.active, i)
    for j in range(pt.active.shape[0]):
        if j != i and pt.active[j]:
            levels[0, i, j] = p.init_trust + onboard * (levels[0, i, j] - p.init_trust)
            levels[0, j, i] = levels[0, i, j]
            blend(p, trust, levels, i, j)
    pt.knowledge[i] = p.newcomer_knowledge + onboard * (pt.knowledge[i] - p.newcomer_knowledge)
    if pt.knowledge[i] < p.newcomer_knowledge:
        pt.knowledge[i] = p.newcomer_knowledge
    pt.tenure[i] = 0
    pt.reps[i] += 1
    w.turnover_since_launch += 1.0
    w.turnovers += 1.0
    log_event(events, w, TURNOVER, float(i), -1.0, before, partner_trust(trust, pt.active, i))


@njit(cache=True, inline="always")
def betrayal(p, pt, T, levels, w, events, i):
    """claim_credit on the partners (pt), trust (T) and its levels, world row (w) and
    event log: the organization's act, so both levels take the signal."""
    amplify = 1.0 + p.trust_dependence * w.integration
    keep = max(0.0, 1.0 - p.trust_loss * amplify)
    before = partner_trust(T, pt.active, i)
    for j in range(pt.active.shape[0]):
        if j != i and pt.active[j]:
            for level in range(2):
                levels[level, i, j] *= keep
                levels[level, j, i] = levels[level, i, j]
            blend(p, T, levels, i, j)
    pt.ceiling[i] = max(0.0, pt.ceiling[i] - p.reputation_damage)
    w.betrayals += 1.0
    log_event(events, w, BETRAYAL, float(i), -1.0, before, partner_trust(T, pt.active, i))


@njit(cache=True, inline="always")
def partner_exits(pt, trust, w, i):
    """Partner i leaves the partnership (disengaged, ODD 7.3, or called home by its own
    organization, 7.2a): remove_partner, counted in world.exits (its one writer). The
    caller logs the event that says why."""
    remove_partner(pt.active, trust, i)
    w.exits += 1.0


@njit(cache=True, inline="always")
def remove_partner(active, trust, i):
    """Partner i is no longer a member: inactive, and nobody's trust with it counts."""
    active[i] = False
    for j in range(active.shape[0]):
        trust[i, j] = 0.0
        trust[j, i] = 0.0


@njit(cache=True, inline="always")
def funder_out(fu, w, events, f, kind, v1, v2):
    """funder_leaves on the funders (fu), world row (w) and event log."""
    fu.active[f] = False
    log_event(events, w, kind, float(f), -1.0, v1, v2)
