"""Mesa agents as thin views onto the model's arrays.

An agent holds only its index; every attribute reads (or writes) the arrays in
``model.state``, so the kernels and the agents always agree and the model's speed never
depends on the agent objects.
"""

from __future__ import annotations

import numpy as np

from ._mesa import mesa
from .kernels.common import partner_trust_py as partner_trust
from .params import PRINCIPLES, SECTORS


class Partner(mesa.Agent):
    """A partner organization, by slot. ``trust`` is its row of the trust matrix."""

    def __init__(self, model, slot: int, name: str):
        super().__init__(model)
        self.slot = slot
        self.name = name

    @property
    def _pt(self):
        return self.model.state.partners

    @property
    def active(self) -> bool:
        return bool(self._pt.active[self.slot])

    @property
    def sector(self) -> str:
        return SECTORS[int(self._pt.sector[self.slot])]

    @property
    def engagement(self) -> float:
        return float(self._pt.engagement[self.slot])

    @property
    def commitment(self) -> float:
        return float(self._pt.commitment[self.slot])

    @property
    def knowledge(self) -> float:
        return float(self._pt.knowledge[self.slot])

    @property
    def tenure(self) -> int:
        return int(self._pt.tenure[self.slot])

    @property
    def representatives(self) -> int:
        return int(self._pt.reps[self.slot])

    @property
    def competence(self) -> np.ndarray:
        return self._pt.competence[self.slot]

    @property
    def trust(self) -> np.ndarray:
        return self.model.state.trust[self.slot]

    @property
    def mean_trust(self) -> float:
        return float(partner_trust(self.model.state.trust, self._pt.active, self.slot))

    @property
    def hours_agenda(self) -> float:
        return float(self._pt.hours_agenda[self.slot])

    @property
    def hours_coordination(self) -> float:
        return float(self._pt.hours_coord[self.slot])

    @property
    def grant(self) -> float:
        return float(self._pt.grant[self.slot])


class Funder(mesa.Agent):
    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def active(self) -> bool:
        return bool(self.model.state.funders.active[self.index])

    @property
    def level(self) -> float:
        return float(self.model.state.funders.level[self.index])

    @property
    def monthly_payment(self) -> float:
        return self.level * self.model.params.funder_budget if self.active else 0.0

    @property
    def preference(self) -> np.ndarray:
        return self.model.state.funders.preference[self.index]


class Beneficiary(mesa.Agent):
    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _be(self):
        return self.model.state.beneficiaries

    @property
    def condition(self) -> float:
        return float(self._be.condition[self.index])

    @property
    def needs(self) -> list[int]:
        m = int(self._be.needs[self.index])
        return [k for k in range(self.model.params.n_dimensions) if (m >> k) & 1]

    @property
    def engagement(self) -> float:
        return min(1.0, float(self._be.base_engagement[self.index]) + float(self.model.state.world[0]["lift"]))

    @property
    def months_above(self) -> int:
        return int(self._be.months_above[self.index])

    @property
    def sustained(self) -> bool:
        return self.months_above >= self.model.params.sustain_months


class Backbone(mesa.Agent):
    """The backbone organization: its staff hours and effort per principle."""

    @property
    def hours(self) -> float:
        return float(self.model.state.world[0]["backbone_hours"])

    @property
    def effort(self) -> dict[str, float]:
        w = self.model.state.world[0]
        return {q: float(w[f"effort_{q}"]) for q in PRINCIPLES}
