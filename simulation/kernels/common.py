"""Small jitted helpers shared by the kernels."""

import math

import numpy as np
from numba import njit
from numba.core import cgutils, types
from numba.extending import intrinsic

from ..params import MONTHS_PER_YEAR, N_SECTORS, NEED_LOW, REGIMES  # noqa: F401 (re-exported to the kernels)
from ..state import EVENT_CODES, PHASES

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
SQRT3 = math.sqrt(3.0)

# The decorator of every jitted function that only other jitted code calls: compiled
# without the CPython and C-callable wrappers numba would otherwise build for each (a
# wrapper that boxes and unboxes the whole state costs about 0.4 s of a cold start per
# function, and nothing calls these from Python), and not cached: numba links a callee's
# code into every caller, so the cached entry points (``engine.run_months``,
# ``kernels.initialize``, the app's interventions) load whole from their own cache files
# and never read a callee's. Caching the callees too wrote about 24 MB that no process
# read (0.4 s of a cold start). Call one from Python through ``from_python``.
internal = njit(cache=False, no_cpython_wrapper=True, no_cfunc_wrapper=True)


def from_python(fn):
    """A Python-callable copy of an ``internal`` function (for benchmarks and
    diagnostics), compiled on first call and not cached."""
    return njit(fn.py_func)


@internal
def spread(sd, u):
    """A log-uniform multiplier with sd `sd` of its log, from one uniform u: exp(sd x
    sqrt(3) x (2u - 1)); 1 when sd = 0."""
    return math.exp(sd * SQRT3 * (2.0 * u - 1.0))


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


@njit(cache=True)
def partner_trust(trust, active, i):
    """Mean trust between partner i and the other active partners (0 if alone)."""
    s = 0.0
    n = 0
    for j in range(active.shape[0]):
        if active[j] and j != i:
            s += trust[i, j]
            n += 1
    return s / n if n > 0 else 0.0


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


@intrinsic
def borrowed(typingctx, parts):
    """The same arrays (a tuple of arrays, nested tuples allowed), marked as borrowed: with
    no reference count (a null ``meminfo``), so that numba counts no reference to them in
    a kernel that takes them. numba counts one in and one out for every array of every
    tuple a function takes, an atomic operation each: about 700 a month for the kernels,
    whatever their work. ``run_months`` lends the state's arrays this way for the duration
    of its loop; the state it was given keeps them alive, and nothing a kernel does keeps
    an array after it returns. The values are the same arrays: reading and writing them is
    unchanged."""
    def ok(t):
        return isinstance(t, types.Array) or (isinstance(t, types.BaseTuple) and all(ok(e) for e in t))

    if not ok(parts):
        return None

    def codegen(context, builder, sig, args):
        def lend(t, v):
            if isinstance(t, types.Array):
                ary = context.make_array(t)(context, builder, value=v)
                ary.meminfo = cgutils.get_null_value(ary.meminfo.type)
                return ary._getvalue()
            for i, e in enumerate(t):
                v = builder.insert_value(v, lend(e, builder.extract_value(v, i)), i)
            return v
        return lend(sig.args[0], args[0])

    return parts(parts), codegen
