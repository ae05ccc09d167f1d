"""Small jitted helpers shared by the kernels."""

import math

import numpy as np
from numba import njit
from numba.core import cgutils, types
from numba.core.codegen import JITCodeLibrary
from numba.core.compiler import Compiler
from numba.extending import intrinsic

from ..params import MONTHS_PER_YEAR, N_SECTORS, NEED_LOW, REGIMES, REVIEW_RULES  # noqa: F401 (re-exported to the kernels)
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
PRICE = REVIEW_RULES.index("price")
SQRT3 = math.sqrt(3.0)


class _LinkOnlyLibrary(JITCodeLibrary):
    """The compiled code of an ``internal`` function: LLVM IR that callers link in, never
    machine code of its own. numba finalizes every library it compiles: it optimizes the
    module and emits its machine code, then, once linked into a caller, optimizes it again
    as part of the caller's module. For a function that only jitted code calls (no Python
    wrapper: the pointer it would give Python is null either way) the first full
    optimization and the machine code are unused: about 3 of the 4 s a cold start spent
    finalizing the kernels (bench/README.md, Cold start). The function passes numba runs
    on each function as it is added still run; the caller's module optimization (the
    entry point ``run_months``, which also initializes, at numba's usual level) does the rest,
    as before. No execution environment is set (nothing in an internal function uses one:
    an entry point loaded from the cache never sets its callees' either)."""

    def _optimize_final_module(self):
        return None

    def _finalize_final_module(self):
        self._finalize_dynamic_globals()
        self._verify_declare_only_symbols()
        self._finalized = True

    def get_pointer_to_function(self, name):
        self._ensure_finalized()
        return 0

    @property
    def codegen(self):
        return _NoEnvironment(self._codegen)


class _NoEnvironment:
    """A library's code generator, less ``set_env`` (see _LinkOnlyLibrary)."""

    def __init__(self, codegen):
        self._codegen = codegen

    def __getattr__(self, name):
        return getattr(self._codegen, name)

    def set_env(self, env_name, env):
        return None


class _LinkOnlyCompiler(Compiler):
    """numba's standard pipeline, compiling into a _LinkOnlyLibrary."""

    def compile_extra(self, func):
        if self.state.library is None:
            library = self.state.targetctx.codegen().create_library(func.__qualname__)
            library.__class__ = _LinkOnlyLibrary
            self.state.library = library
        return super().compile_extra(func)


def _link_only_supported() -> bool:
    """numba's private parts that _LinkOnlyLibrary relies on are there (checked at import:
    with another numba the kernels compile the usual way, only more slowly)."""
    return all(hasattr(JITCodeLibrary, name) for name in (
        "_optimize_final_module", "_finalize_final_module", "_finalize_dynamic_globals",
        "_verify_declare_only_symbols", "_ensure_finalized", "codegen"))


# The decorator of every jitted function that only other jitted code calls: compiled
# without the CPython and C-callable wrappers numba would otherwise build for each (a
# wrapper that boxes and unboxes the whole state costs about 0.4 s of a cold start per
# function, and nothing calls these from Python), into a link-only library (above), and
# not cached: numba links a callee's code into every caller, so the cached entry points
# (``engine.run_months``, which also initializes, and the app's interventions) load whole
# from their own cache files and never read a callee's. Caching the callees too wrote
# about 24 MB that no process read (0.4 s of a cold start). Call one from Python through
# ``from_python``.
internal = njit(cache=False, no_cpython_wrapper=True, no_cfunc_wrapper=True,
                **({"pipeline_class": _LinkOnlyCompiler} if _link_only_supported() else {}))


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
