"""The levers a room asks about, and the parameters of the twins from a scenario and the
levers' settings.

Each lever is one parameter of ``simulation.SCHEMA`` with a label for the room and the
range its slider offers (inside the schema's bounds, widened when a scenario sets a
value outside it). ``twin_params`` starts from a scenario (``simulation.scenarios``),
applies a lesson's overrides and then the levers, and names the partners from the cast.
Values are validated by ``simulation.Params``: a bad one is a ``ParameterError`` naming
the field and its allowed range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from backbone.simulation import SCHEMA, Params

from .cast import partner_names


@dataclass(frozen=True)
class Lever:
    """A slider (or, with ``choices``, a toggle) for one parameter."""

    name: str
    label: str
    lo: float = 0.0
    hi: float = 1.0
    step: float = 0.01
    choices: tuple[str, ...] = ()
    percent: bool = False

    @property
    def kind(self) -> str:
        return SCHEMA[self.name].kind

    def bounds(self, value: Any) -> tuple[float, float]:
        """The slider's range, widened to include ``value`` (a scenario may go further)."""
        if self.choices:
            return (0, 0)
        return (min(self.lo, value), max(self.hi, value))

    def text(self, value: Any) -> str:
        """The value as the room reads it."""
        if self.choices:
            return str(value)
        if self.percent:
            return f"{100 * value:.1f}%".replace(".0%", "%")
        return f"{value:g}"


LEVERS: tuple[Lever, ...] = (
    Lever("backbone_share", "Backbone share of the budget", 0.01, 0.40, 0.01, percent=True),
    Lever("n_partners", "Partners at launch", 3, 24, 1),
    Lever("turnover_rate", "Representatives leaving, per month", 0.0, 0.10, 0.005, percent=True),
    Lever("regime", "Funding regime", choices=tuple(SCHEMA["regime"].choices)),
    Lever("funder_patience", "Funder patience (months before a cut)", 6, 60, 6),
    Lever("beneficiary_involvement", "Beneficiaries' voice in the agenda", 0.0, 1.0, 0.05, percent=True),
    Lever("relaunch_threshold", "Relaunch after this share turned over", 0.05, 0.60, 0.05, percent=True),
)
LEVER_NAMES = tuple(lever.name for lever in LEVERS)


def lever_values(params: Params) -> dict[str, Any]:
    """The levers' settings in ``params``. The backbone share is the with-backbone
    twin's: a scenario without a backbone shows the default share."""
    values = {name: getattr(params, name) for name in LEVER_NAMES}
    if values["backbone_share"] <= 0:
        values["backbone_share"] = SCHEMA["backbone_share"].default
    return values


def twin_params(base: Params, levers: Mapping[str, Any] | None = None,
                overrides: Mapping[str, Any] | None = None) -> Params:
    """The with-backbone twin's parameters: ``base`` (a scenario), then ``overrides``
    (a lesson), then the ``levers``; partners named from the cast unless the scenario
    names them. The twin without a backbone is the same with ``backbone_share = 0``."""
    changes: dict[str, Any] = dict(overrides or {})
    for key, value in (levers or {}).items():
        if key not in LEVER_NAMES:
            raise KeyError(f"unknown lever '{key}': expected one of {', '.join(LEVER_NAMES)}")
        changes[key] = value
    p = base.replace(**changes) if changes else base
    if p.backbone_share <= 0:
        p = p.replace(backbone_share=SCHEMA["backbone_share"].default)
    names = list(p.partner_names) or partner_names(p.n_partners)
    return p.replace(partner_names=names[: p.n_partners])




# ---------------------------------------------------------------- scenarios
def scenario_choices() -> list[tuple[str, str]]:
    """(name, description) of the scenarios in the library (``simulation.scenarios``);
    the model's defaults alone when the library is empty."""
    from backbone.simulation.scenarios import list_scenarios

    found = list_scenarios()
    return found or [("defaults", "The model's defaults.")]


def scenario_base(name: str) -> Params:
    """The parameters of scenario ``name`` (``defaults``: the schema's defaults)."""
    if name == "defaults":
        return Params()
    from backbone.simulation.scenarios import load_scenario

    return load_scenario(name)


__all__ = ["Lever", "LEVERS", "LEVER_NAMES", "lever_values", "twin_params", "scenario_choices", "scenario_base"]
