"""The Mesa model: the interactive path, one month per ``step()``, same kernels.

Under ``mesa.batch_run`` it behaves as Mesa users expect::

    rows = mesa.batch_run(PartnershipModel, parameters={"backbone_share": [0.0, 0.2], "rng": range(10)},
                          max_steps=24, number_processes=1, display_progress=False)

- **Reproducible by default**: without ``rng`` a run's seed is derived from its
  parameters (``default_seed``), so the same call gives the same rows every time. Mesa
  does not tell a model its iteration, so ``iterations=n`` would repeat the same run n
  times: give replications as seeds instead, ``"rng": range(n)`` (each seed is also the
  seed of ``simulate(params, seed)``, the fast path, with the same results).
- **Exactly ``max_steps`` months**: the DataCollector's first row (Step 0) is the
  initial state (metrics not yet measured: NaN) and ``model.steps`` counts the rows
  (month + 1), so Mesa's loop (``while model.steps <= max_steps``) runs ``max_steps``
  months and labels the horizon's row ``Step = max_steps``. The run also stops at the
  ``months`` parameter, whichever comes first.
- **The headline metric among the reporters**: ``long_term_impact`` (mean impact_share
  over the last 12 months so far) next to the balanced scorecard.
- **Beneficiary agents only when asked** (``beneficiary_agents=True``): the arrays hold
  the whole population either way; 10,000 view objects would make every run several
  times slower.
- Importing it leaves the process's multiprocessing start method as it was
  (``simulation._mesa``).
"""

from __future__ import annotations

import hashlib
import json
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from ._mesa import mesa
from .agents import Backbone, Beneficiary, Funder, Partner
from .engine import initial_state, step_month
from .kernels import METRICS, N_METRICS
from .params import Params
from .result import SCORECARD_METRICS, Result, event_frame, monthly_frame
from .streams import make_streams


LONG_TERM_WINDOW = 12  # months: as Result.summary()


def metric_value(model: "PartnershipModel", column: int) -> float:
    """DataCollector reporter (used through a picklable ``partial``): last month's value
    (NaN before the first month)."""
    return float(model.last_row[column]) if model.month else float("nan")


def long_term_impact(model: "PartnershipModel") -> float:
    """DataCollector reporter: mean impact_share over the last 12 months so far (the
    fast path's ``long_term_impact`` at the horizon)."""
    if not model.month:
        return float("nan")
    col = METRICS.index("impact_share")
    lo = max(0, model.month - LONG_TERM_WINDOW)
    return float(model._rows[lo: model.month, col].mean())


def default_seed(params: Params) -> int:
    """The seed of a run made without one: the first 63 bits of a SHA-256 of its
    parameters, so the same parameters give the same run in every call and process."""
    text = json.dumps(params.to_dict(), sort_keys=True, default=list)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


class PartnershipModel(mesa.Model):
    """A partnership, stepped one month at a time through the numba kernels.

    Args:
        rng: seed (int) of the run; the same seed gives the same run as
            ``simulate(params, seed)``. None (the default): a seed derived from the
            parameters (``default_seed``), so runs are reproducible. A Generator draws a
            seed from it.
        beneficiary_agents: build Beneficiary agent views: False (the default) none,
            True one per beneficiary, or a whole number: at most that many (the arrays
            always hold the whole population; views are for inspection).
        max_beneficiary_agents: older spelling of ``beneficiary_agents=N``.
        **params: any parameter of the schema (see ``simulation.SCHEMA``).

    Agents: ``model.agents_by_type[Partner]`` (one per partner ever a member; exited
    partners stay, with ``active`` False), ``Funder``, ``Beneficiary`` (if asked for),
    ``Backbone`` (if funded). ``model.datacollector`` collects the balanced scorecard and
    ``long_term_impact`` at the start (Step 0: NaN) and after every month; ``model.steps``
    is the number of rows collected (month + 1), so ``mesa.batch_run(max_steps=M)`` runs
    exactly M months.
    """

    def __init__(self, *, rng: Any = None, beneficiary_agents: bool | int = False,
                 max_beneficiary_agents: int | None = None, **params: Any):
        p = params.pop("params", None)
        self.params = p if isinstance(p, Params) else Params({**(p or {}), **params})
        if rng is None:
            rng = default_seed(self.params)
        super().__init__(rng=rng)
        self.seed_value = int(rng) if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) \
            else int(self.rng.integers(0, 2**63 - 1))
        self.streams = make_streams(self.seed_value)
        self.state = initial_state(self.params, self.streams)
        self._record = self.params.to_record()
        self._rows = np.zeros((self.params.months, N_METRICS))
        self.month = 0
        self.last_row = np.zeros(N_METRICS)
        labels = self.params.partner_labels()
        self._partners: dict[int, Partner] = {}
        self._sync_partners(labels)
        for f in range(self.params.n_funders):
            Funder(self, f)
        if max_beneficiary_agents is not None:
            beneficiary_agents = int(max_beneficiary_agents)
        n_views = (self.params.n_beneficiaries if beneficiary_agents is True
                   else 0 if beneficiary_agents is False else int(beneficiary_agents))
        for b in range(min(self.params.n_beneficiaries, max(0, n_views))):
            Beneficiary(self, b)
        self.backbone = Backbone(self) if self.params.backbone_share > 0 or self.params.backbone_budget > 0 else None
        reporters = {m: partial(metric_value, column=METRICS.index(m)) for m in SCORECARD_METRICS}
        reporters["long_term_impact"] = long_term_impact
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters,
            agenttype_reporters={Partner: {"engagement": "engagement", "commitment": "commitment",
                                           "mean_trust": "mean_trust", "active": "active"}},
        )
        self.datacollector.collect(self)  # Step 0: the initial state
        self.steps = 1                    # rows collected: month + 1 (see the class docstring)
        self.running = True

    def _sync_partners(self, labels=None):
        """A Partner view for every slot that has held a member (recruits get one when
        they join; each recruit has a slot of its own)."""
        pt = self.state.partners
        for slot in map(int, np.flatnonzero(pt.ever)):
            if slot not in self._partners:
                if labels is not None and slot < len(labels):
                    name = labels[slot][0]
                else:
                    name = f"Recruit {int(self.state.world[0]['recruited'])}"
                self._partners[slot] = Partner(self, slot, name)

    @property
    def partners(self) -> mesa.agent.AgentSet:
        return self.agents_by_type[Partner]

    def step(self) -> None:
        """One month: the nine processes of ``simulation.engine.step_month``."""
        if self.month >= self.params.months:
            self.running = False
            return
        row = self._rows[self.month]
        step_month(self._record, self.state, self.streams, row)
        self.last_row = row
        self.month += 1
        self._sync_partners()
        self.datacollector.collect(self)
        if self.month >= self.params.months:
            self.running = False

    @property
    def monthly(self) -> pd.DataFrame:
        return monthly_frame(self._rows[: self.month])

    @property
    def events(self) -> pd.DataFrame:
        return event_frame(self.state)

    def result(self) -> Result:
        """The run so far as a ``Result`` (as ``simulate`` returns)."""
        return Result(self.params, self.seed_value, self.monthly, self.events, self.state)
