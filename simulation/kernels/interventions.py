"""Interventions, written once: the changes to the state that an event makes. The monthly
kernels call them when their draws say the event happens; the trainer's app calls the same
functions when a lesson makes it happen (backbone/app/lessons.py), so a lesson follows
the model's rules exactly and the reference oracle's checks of the kernels cover it.

Partners and funders join and leave only through them: add_partner (init's launch
partners, membership's recruits), add_funder (init's launch funders, shocks' new funders),
partner_exits and remove_partner (membership, shocks), funder_out (funding, shocks).

Each logs its event in the model's own event log (add_partner, add_funder, partner_exits
and remove_partner leave that to their caller, whose event says why). The rules are in
docs/ODD.md: 5 initialization, 7.2 turnover, 7.3 exits, recruits and dissolution, 7.6
betrayal, 7.1 and 7.2a funders leaving and joining."""

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
def add_partner(p, pt, trust, i, sector, draws, knowledge):
    """Organization i joins the partnership in slot i, as a launch partner (ODD 5) or a
    recruit (7.3): a member from now on (active, ever) in ``sector``, with competences
    competence_floor + (1 - competence_floor) x u^2 from the K uniforms ``draws``,
    init_engagement, init_commitment, the given representative's ``knowledge``, a new
    representative (tenure 0, reps + 1, no low months), the full reputation ceiling
    trust_ceiling, and trust init_trust with every active partner (both levels of trust
    of every slot start at init_trust at launch). The caller logs the event that says
    why (a recruit) and counts it; launch partners are no event."""
    pt.active[i] = True
    pt.ever[i] = True
    pt.sector[i] = sector
    for k in range(pt.competence.shape[1]):
        pt.competence[i, k] = p.competence_floor + (1.0 - p.competence_floor) * draws[k] * draws[k]
    pt.engagement[i] = p.init_engagement
    pt.commitment[i] = p.init_commitment
    pt.knowledge[i] = knowledge
    pt.tenure[i] = 0
    pt.reps[i] += 1
    pt.low_months[i] = 0
    pt.ceiling[i] = p.trust_ceiling
    for j in range(pt.active.shape[0]):
        if j != i and pt.active[j]:
            trust[i, j] = p.init_trust
            trust[j, i] = p.init_trust


@njit(cache=True, inline="always")
def add_funder(fu, f, level, start):
    """Funder f starts paying, as a launch funder (ODD 5: ``level`` LAUNCH_LEVEL, ``start``
    0) or one that fills a vacant place (7.2a: funder_join_level, the next month): active
    at ``level``, its grant term starting in month index ``start``, no review yet
    (shortfall and measured cost 0). Its preference and stance are the place's. The
    caller logs the event that says why (a join) and counts it; launch funders are no
    event."""
    fu.active[f] = True
    fu.level[f] = level
    fu.term_start[f] = start
    fu.shortfall[f] = 0.0
    fu.measured[f] = 0.0


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
