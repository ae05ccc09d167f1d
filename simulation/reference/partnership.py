"""The partnership of the plain-Python reference: its state, the helpers every process
uses, the month in the order of ``simulation.engine.step_month``, and whole runs."""

from __future__ import annotations

import numpy as np

from ..kernels.measurement import METRICS  # the column names only
from ..params import Params
from ..result import Result
from ..state import EVENT_CODES, WORLD_FIELDS, allocate, event_capacity
from ..streams import make_streams
from .beneficiaries import beneficiaries
from .common import Beneficiary, Funder, Partner, World
from .coordination import coordination
from .engagement import engagement
from .funding import funding
from .init import draw_context, initialize
from .measurement import measurement
from .membership import membership, turnover
from .practices import practices
from .shocks import shocks
from .trust import trust
from .work import work


class Partnership:
    """One run's state and its nine monthly processes."""

    def __init__(self, params: Params, seed: int):
        self.p = params
        self.streams = make_streams(seed)
        self.K = params.n_dimensions
        self.w = World()
        self.partners = [Partner(slot=i, competence=[0.0] * self.K) for i in range(params.slots)]
        self.trust = [[0.0] * params.slots for _ in range(params.slots)]
        # the two levels of trust: [0] interpersonal, [1] interorganizational (ODD 7.6)
        self.levels = [[[0.0] * params.slots for _ in range(params.slots)] for _ in range(2)]
        self.fit = [[0.0] * params.slots for _ in range(params.slots)]
        self.funders: list[Funder] = []
        self.people: list[Beneficiary] = []
        masks = 2 ** self.K
        self.true_profile = [0.0] * self.K
        self.estimate = [0.0] * self.K
        self.need_count = [0] * self.K
        self.load = [0] * self.K  # caseload members needing each dimension
        self.service = [0.0] * self.K
        self.coverage = [0.0] * self.K
        self.takers = [0.0] * masks
        self.dose = [0.0] * masks
        self.events: list[tuple] = []
        self.event_capacity = event_capacity(params)
        initialize(self)
        draw_context(self)

    def log(self, kind: str, a=-1, b=-1, v1=0.0, v2=0.0):
        if len(self.events) < self.event_capacity:
            self.events.append((self.w.month, EVENT_CODES[kind], a, b, v1, v2))
            self.w.n_events += 1.0
        else:
            self.w.dropped_events += 1.0

    def active(self) -> list[Partner]:
        return [pt for pt in self.partners if pt.active]

    def partner_trust(self, i: int) -> float:
        """Mean trust between partner i and the other active partners (0 if alone)."""
        s, n = 0.0, 0
        for j, pt in enumerate(self.partners):
            if pt.active and j != i:
                s += self.trust[i][j]
                n += 1
        return s / n if n > 0 else 0.0

    def mean_trust(self) -> float:
        """Mean pairwise trust among active partners (0 with fewer than two)."""
        s, n = 0.0, 0
        S = len(self.partners)
        for i in range(S):
            if self.partners[i].active:
                for j in range(i + 1, S):
                    if self.partners[j].active:
                        s += self.trust[i][j]
                        n += 1
        return s / n if n > 0 else 0.0

    def set_trust(self, i: int, j: int, value: float):
        self.trust[i][j] = value
        self.trust[j][i] = value

    def set_level(self, level: int, i: int, j: int, value: float):
        """One level of a pair's trust, then the trust the pair acts on (kernels blend)."""
        self.levels[level][i][j] = value
        self.levels[level][j][i] = value
        wp = self.p.interpersonal_weight
        self.set_trust(i, j, wp * self.levels[0][i][j] + (1.0 - wp) * self.levels[1][i][j])

    def accuracy(self) -> float:
        gap = 0.0
        for k in range(self.K):
            gap += abs(self.estimate[k] - self.true_profile[k])
        return 1.0 - 0.5 * gap

    def step(self) -> list[float]:
        """One month, in the order of simulation.engine.step_month."""
        funding(self)
        shocks(self)
        turnover(self)
        membership(self)
        practices(self)
        coordination(self)
        trust(self)
        work(self)
        beneficiaries(self)
        engagement(self)
        return measurement(self)

    def to_state(self):
        """The final state as the fast path's arrays (``simulation.State``)."""
        st = allocate(self.p)
        pt_arrays = st.partners
        for pt in self.partners:
            for name in pt_arrays._fields:
                value = getattr(pt, name)
                getattr(pt_arrays, name)[pt.slot] = value
        st.trust[:] = np.array(self.trust)
        st.trust_levels[:] = np.array(self.levels)
        st.fit[:] = np.array(self.fit)
        for f, funder in enumerate(self.funders):
            st.funders.active[f] = funder.active
            st.funders.level[f] = funder.level
            st.funders.preference[f] = funder.preference
            st.funders.tolerance[f] = funder.tolerance
            st.funders.term_start[f] = funder.term_start
            st.funders.shortfall[f] = funder.shortfall
            st.funders.measured[f] = funder.measured
        for name in st.beneficiaries._fields:
            getattr(st.beneficiaries, name)[:] = [getattr(person, name) for person in self.people]
        for name in st.needs._fields:
            getattr(st.needs, name)[:] = getattr(self, name)
        for name in WORLD_FIELDS:
            st.world[0][name] = getattr(self.w, name)
        if self.events:
            st.events.rows[: len(self.events)] = np.array(self.events, dtype=np.float64)
        return st


def simulate_reference(params: Params | dict | None = None, seed: int = 0) -> Result:
    """Run the reference implementation: same (params, seed) -> same Result as
    ``simulation.simulate``, at plain-Python speed."""
    p = params if isinstance(params, Params) else Params(params or {})
    run = Partnership(p, seed)
    out = np.array([run.step() for _ in range(p.months)], dtype=np.float64).reshape(p.months, len(METRICS))
    state = run.to_state()
    return Result(p, int(seed), out, None, state)   # frames built when first read

