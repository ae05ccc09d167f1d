"""Interventions, written once: the changes to the state that an event makes. The monthly
kernels call them when their draws say the event happens; the trainer's app calls the same
functions when a lesson makes it happen (backbone/app/lessons.py), so a lesson follows
the model's rules exactly and the reference oracle's checks of the kernels cover it.

Each logs its event in the model's own event log (remove_partner leaves that to its
caller, whose event says why). The rules are in docs/ODD.md: 7.2 turnover, 7.3 exits and
dissolution, 7.6 betrayal, 7.1 and 7.2a funders leaving."""

from numba import njit

from .common import BETRAYAL, TURNOVER, log_event, partner_trust


@njit(cache=True, inline="always")
def replace_representative(P, st, i):
    """Partner i's representative leaves and a successor takes the seat (ODD 7.2): the
    others keep (1 - loss) of their trust in the seat, loss = turnover_trust_loss x (1 -
    onboarding effort); knowledge falls back to the newcomer's plus what onboarding saves."""
    p = P[0]
    pt, w = st.partners, st.world[0]
    onboard = w.effort_coordination * p.onboarding
    loss = p.turnover_trust_loss * (1.0 - onboard)
    before = partner_trust(st.trust, pt.active, i)
    for j in range(pt.active.shape[0]):
        if j != i and pt.active[j]:
            st.trust[i, j] *= 1.0 - loss
            st.trust[j, i] = st.trust[i, j]
    pt.knowledge[i] = p.newcomer_knowledge + onboard * (pt.knowledge[i] - p.newcomer_knowledge)
    if pt.knowledge[i] < p.newcomer_knowledge:
        pt.knowledge[i] = p.newcomer_knowledge
    pt.tenure[i] = 0
    pt.reps[i] += 1
    w.turnover_since_launch += 1.0
    w.turnovers += 1.0
    log_event(st.events, w, TURNOVER, i, -1, before, partner_trust(st.trust, pt.active, i))


@njit(cache=True, inline="always")
def claim_credit(P, st, i):
    """Partner i claims the shared results as its own, a betrayal (ODD 7.6): every trust in
    it takes a full negative signal, amplified by dependence, and its reputation ceiling
    drops by reputation_damage."""
    p = P[0]
    pt, w = st.partners, st.world[0]
    T = st.trust
    amplify = 1.0 + p.trust_dependence * w.integration
    before = partner_trust(T, pt.active, i)
    for j in range(pt.active.shape[0]):
        if j != i and pt.active[j]:
            T[i, j] = max(0.0, T[i, j] - p.trust_loss * T[i, j] * amplify)
            T[j, i] = T[i, j]
    pt.ceiling[i] = max(0.0, pt.ceiling[i] - p.reputation_damage)
    w.betrayals += 1.0
    log_event(st.events, w, BETRAYAL, i, -1, before, partner_trust(T, pt.active, i))


@njit(cache=True, inline="always")
def remove_partner(st, i):
    """Partner i is no longer a member: inactive, and nobody's trust with it counts."""
    st.partners.active[i] = False
    for j in range(st.partners.active.shape[0]):
        st.trust[i, j] = 0.0
        st.trust[j, i] = 0.0


@njit(cache=True, inline="always")
def funder_leaves(st, f, kind, v1, v2):
    """Funder f stops paying (for the reason `kind`, an event code, logged with v1, v2)."""
    st.funders.active[f] = False
    log_event(st.events, st.world[0], kind, f, -1, v1, v2)
