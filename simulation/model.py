"""The Mesa model: the interactive path, one month per ``step()``, same kernels."""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa
import numpy as np
import pandas as pd

from .agents import Backbone, Beneficiary, Funder, Partner
from .engine import initial_state, step_month
from .kernels import METRICS, N_METRICS
from .params import Params
from .result import SCORECARD_METRICS, Result, event_frame, monthly_frame
from .streams import make_streams


def metric_value(model: "PartnershipModel", column: int) -> float:
    """DataCollector reporter (used through a picklable ``partial``): last month's value."""
    return float(model.last_row[column])


class PartnershipModel(mesa.Model):
    """A partnership, stepped one month at a time through the numba kernels.

    Args:
        rng: seed (int) of the run; the same seed gives the same run as
            ``simulate(params, seed)``. A Generator or None draws a seed from it.
        max_beneficiary_agents: how many Beneficiary views to create (the arrays always
            hold the whole population; views are for inspection).
        **params: any parameter of the schema (see ``simulation.SCHEMA``).

    Agents: ``model.agents_by_type[Partner]`` (one per partner ever a member; exited
    partners stay, with ``active`` False), ``Funder``, ``Beneficiary``, ``Backbone`` (if
    funded). ``model.datacollector`` collects the balanced scorecard every month.
    """

    def __init__(self, *, rng: Any = None, max_beneficiary_agents: int = 10_000, **params: Any):
        p = params.pop("params", None)
        self.params = p if isinstance(p, Params) else Params({**(p or {}), **params})
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
        for b in range(min(self.params.n_beneficiaries, max_beneficiary_agents)):
            Beneficiary(self, b)
        self.backbone = Backbone(self) if self.params.backbone_share > 0 else None
        self.datacollector = mesa.DataCollector(
            model_reporters={m: partial(metric_value, column=METRICS.index(m)) for m in SCORECARD_METRICS},
            agenttype_reporters={Partner: {"engagement": "engagement", "commitment": "commitment",
                                           "mean_trust": "mean_trust", "active": "active"}},
        )
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
