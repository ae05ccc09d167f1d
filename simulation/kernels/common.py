"""The model's shared vocabulary: event codes, phase, regime and review-rule indices, and
the small jitted helpers the kernels share (a spread draw, clipping, the event log, mean
trust, needs accuracy). How they are compiled is simulation/kernels/jit.py's business."""

import math

import numpy as np
from numba import njit

from ..params import LAUNCH_LEVEL, MONTHS_PER_YEAR, N_SECTORS, NEED_LOW, REGIMES, REVIEW_RULES  # noqa: F401 (re-exported to the kernels)
from ..state import EVENT_CODES, PHASES
from .jit import internal

TURNOVER = np.float64(EVENT_CODES["turnover"])
EXIT = np.float64(EVENT_CODES["exit"])
RECRUIT = np.float64(EVENT_CODES["recruit"])
RELAUNCH = np.float64(EVENT_CODES["relaunch"])
BETRAYAL = np.float64(EVENT_CODES["betrayal"])
FUNDING_CUT = np.float64(EVENT_CODES["funding_cut"])
FUNDING_GROW = np.float64(EVENT_CODES["funding_grow"])
FUNDER_EXIT = np.float64(EVENT_CODES["funder_exit"])
PERSUADED = np.float64(EVENT_CODES["persuaded"])
PHASE = np.float64(EVENT_CODES["phase"])
DISSOLVED = np.float64(EVENT_CODES["dissolved"])

GRANT_RENEWED = np.float64(EVENT_CODES["grant_renewed"])
GRANT_ENDED = np.float64(EVENT_CODES["grant_ended"])
FUNDER_SHIFT = np.float64(EVENT_CODES["funder_shift"])
FUNDER_JOIN = np.float64(EVENT_CODES["funder_join"])
HOME_SHIFT = np.float64(EVENT_CODES["home_shift"])
LEADER_EXIT = np.float64(EVENT_CODES["leader_exit"])
POLICY_SHOCK = np.float64(EVENT_CODES["policy_shock"])
INITIATION = PHASES.index("initiation")
RUN = PHASES.index("run")
REDESIGN = PHASES.index("re-design")
EXPONENTIAL = PHASES.index("exponential value")

POOLED = REGIMES.index("pooled")
ISOLATED = REGIMES.index("isolated")
PRICE = REVIEW_RULES.index("price")
SQRT3 = math.sqrt(3.0)


@internal
def spread(sd, u):
    """A log-uniform multiplier with sd `sd` of its log, from one uniform u: exp(sd x
    sqrt(3) x (2u - 1)); 1 when sd = 0."""
    return math.exp(sd * SQRT3 * (2.0 * u - 1.0))


@internal
def zeros(n):
    """np.zeros(n) written out. numba compiles numpy's array constructors and reductions
    (np.zeros, np.full, np.arange, ndarray.sum) as small functions of their own, each once
    more for every set of compile flags that calls it: about 1 s of a cold start for the
    kernels' dozen uses, so the kernels write these out."""
    a = np.empty(n)
    for i in range(n):
        a[i] = 0.0
    return a


@internal
def clip01(x):
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


@internal
def log_event(events, w, kind, a, b, v1, v2):
    """Append one row to the event log; count rows that did not fit. Every argument is
    stored as a float: callers pass them as they come (kinds are float constants, so that
    one compiled variant serves every event type)."""
    n = int(w.n_events)
    if n < events.rows.shape[0]:
        row = events.rows[n]
        row[0] = w.month
        row[1] = kind
        row[2] = a
        row[3] = b
        row[4] = v1
        row[5] = v2
        w.n_events += 1.0
    else:
        w.dropped_events += 1.0


@internal
def partner_trust(trust, active, i):
    """Mean trust between partner i and the other active partners (0 if alone)."""
    s = 0.0
    n = 0
    for j in range(active.shape[0]):
        if active[j] and j != i:
            s += trust[i, j]
            n += 1
    return s / n if n > 0 else 0.0


@njit(cache=True, inline="always")
def blend(p, trust, levels, i, j):
    """The trust partners i and j act on, from its two levels (ODD 7.6): interpersonal
    (levels[0], the representatives) weighted interpersonal_weight, interorganizational
    (levels[1]) the rest; symmetric."""
    t = p.interpersonal_weight * levels[0, i, j] + (1.0 - p.interpersonal_weight) * levels[1, i, j]
    trust[i, j] = t
    trust[j, i] = t


# The Mesa agents' property (simulation/agents.py) calls it from Python: a cached copy with
# a wrapper, compiled on the Mesa path's first use only.
partner_trust_py = njit(cache=True)(partner_trust.py_func)


@internal
def mean_trust(trust, active):
    """Mean pairwise trust among active partners (0 with fewer than two)."""
    s = 0.0
    n = 0
    S = active.shape[0]
    for i in range(S):
        if active[i]:
            for j in range(i + 1, S):
                if active[j]:
                    s += trust[i, j]
                    n += 1
    return s / n if n > 0 else 0.0


@internal
def needs_accuracy(nd):
    """Agreement of the agenda with true needs: 1 - half the summed absolute gap."""
    gap = 0.0
    for k in range(nd.estimate.shape[0]):
        gap += abs(nd.estimate[k] - nd.true_profile[k])
    return 1.0 - 0.5 * gap


@internal
def count_active(active):
    n = 0
    for i in range(active.shape[0]):
        if active[i]:
            n += 1
    return n
