"""The month, and whole runs: the fast path.

``step_month`` is the model's schedule, one kernel per process, in this order:

1. funding        funders pay in; the backbone share buys staff hours; the pooled fund
                  disburses (administrative bottleneck) or isolated grants follow
                  measured output; funders review on their cycle (cut, grow, exit).
2. shocks         grant terms end and are renewed or not; funders and home organizations
                  change priorities; a leader leaves; a policy change shifts needs.
   turnover       representatives leave, taking their interpersonal trust; successors lose knowledge, less so
   membership     with onboarding; disengaged partners exit; partner-raising recruits.
3. practices      backbone (or shared) orchestration hours become effort on the six
                  principles; relaunch after turnover; co-creation and learning correct
                  the needs estimate; measurement noise falls.
4. coordination   hours available, cost of links, over-coordination, realized integration.
5. trust          pairwise trust rises with cooperation, falls faster with defection,
                  decays without interaction; betrayals.
6. work           direct hours become services per dimension; duplication.
7. beneficiaries  services reach people by need; conditions improve or relapse;
                  outcomes are sustained; needs drift.
8. engagement     engagement, commitment and the agenda move.
9. measurement    the month's scorecard row; the phase.

``run_months`` runs these months inside numba; the Mesa model calls ``step_month`` once
per ``step()``, which is ``run_months`` on one row. Both paths run the same compiled code
on the same arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import kernels as K
from .params import SECTORS, Params
from .state import State, allocate
from .streams import Streams, make_streams


@njit(cache=True, no_cfunc_wrapper=True)
def run_months(P, st, rs, out, sectors, start):
    """If ``start``, initialize the zeroed state first (``kernels.initialize``, from the
    `init` and `context` streams; ``sectors``: the launch partners' sectors), then
    ``out.shape[0]`` months, one row of ``out`` each: the schedule above. Each kernel
    takes the parts of the state it uses (numba compiles a function of a few arrays much
    faster than one of the whole state): partners, funders, beneficiaries, needs, the
    trust and fit matrices, the world row ``w`` and the event log, lent without reference
    counting (``kernels.jit.borrowed``); ``rs``: the run's streams."""
    if start:
        K.initialize(P, st, sectors, rs.init, rs.context)
    pt, fu, be, nd = K.borrowed((st.partners, st.funders, st.beneficiaries, st.needs))
    T, L, fit, ev = K.borrowed((st.trust, st.trust_levels, st.fit, st.events))
    w = st.world[0]
    for t in range(out.shape[0]):
        row = out[t]
        K.funding(P, pt, fu, w, ev, rs.funding)
        K.shocks(P, pt, fu, nd, T, w, ev, rs.shocks)
        K.turnover(P, pt, T, L, w, ev, rs.turnover)
        K.membership(P, pt, fu, T, w, ev, rs.membership)
        K.practices(P, pt, nd, T, L, w, ev)
        K.coordination(P, pt, T, w)
        K.trust(P, pt, T, L, fit, w, ev, rs.trust)
        K.work(P, pt, nd, w)
        K.beneficiaries(P, be, nd, w, rs.uptake, rs.needs)
        K.engagement(P, pt, fu, nd, T, w)
        K.measurement(P, pt, fu, be, nd, w, ev, row)


def step_month(P, st, rs, row):
    """One month into ``row`` (a contiguous row of metrics): ``run_months`` on a one-row
    view, so that the fast path and the Mesa model run the same compiled function (and a
    fresh environment compiles one, not two)."""
    if row.ndim != 1 or not row.flags.c_contiguous:
        raise ValueError("step_month: row must be one contiguous row of metrics")
    run_months(P, st, rs, row.reshape(1, -1), NO_SECTORS, False)


NO_SECTORS = np.zeros(0, dtype=np.int64)  # run_months' sectors when it does not initialize


_DIRECT: dict = {}


def _direct(fn, *args):
    """``fn(*args)`` for the arguments ``simulate`` builds itself (the record of
    ``Params.to_record``, a state from ``allocate``, ``make_streams``' generators, a
    C-contiguous float64 table): always the same numba types. numba's dispatch types every
    argument at every call, in Python for the state's tuples (about 0.2 ms a call); here
    the first call goes through it (compiling or loading the cache) and keeps the compiled
    entry point for those types, which later calls use directly."""
    entry = _DIRECT.get(fn)
    if entry is not None:
        return entry(*args)
    result = fn(*args)
    try:
        _DIRECT[fn] = fn.overloads[tuple(fn.typeof_pyval(a) for a in args)].entry_point
    except (AttributeError, KeyError):  # not jitted (NUMBA_DISABLE_JIT) or not found: dispatch
        pass
    return result


def initial_state(params: Params, streams: Streams, record: np.ndarray | None = None) -> State:
    """Allocate and initialize the state for ``params`` from the `init` stream
    (``record``: ``params.to_record()`` when the caller has it already): ``run_months``
    with its start flag and no months."""
    P = params.to_record() if record is None else record
    st = allocate(params)
    run_months(P, st, streams, np.zeros((0, K.N_METRICS)), sectors_of(params), True)
    return st


def sectors_of(params: Params) -> np.ndarray:
    """The launch partners' sectors, as indices into SECTORS."""
    return np.array([SECTORS.index(sec) for _, sec in params.partner_labels()], dtype=np.int64)


def simulate(params: Params | dict | None = None, seed: int = 0) -> "Result":
    """Run a whole partnership inside numba (the fast path): a pure function of
    (params, seed).

    >>> from backbone.simulation import simulate
    >>> res = simulate({"backbone_share": 0.2}, seed=1)
    >>> res.scorecard()["impact_share"]          # doctest: +SKIP
    """
    from .result import Result

    p = params if isinstance(params, Params) else Params(params or {})
    streams = make_streams(seed)
    P = p.to_record()
    st = allocate(p)
    out = np.zeros((p.months, K.N_METRICS))
    _direct(run_months, P, st, streams, out, sectors_of(p), True)   # initialization, then the months
    return Result(p, int(seed), out, None, st)
