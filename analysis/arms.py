"""The comparisons Backbone makes, each defined once.

Every claim, the report, the narrative, value for money and the app compare a scenario
with a few counterfactual *arms* of it, on common random numbers. Each arm is defined
here, once, as the parameters it changes; the same changes serve a scenario's ``Params``
(``no_backbone(p)``) and an experiment spec (``Arm(fixed=NO_BACKBONE)``):

- ``no_backbone``: the same partnership without a backbone: ``backbone_share`` and
  ``backbone_budget`` 0, so the
  backbone's money stays in the pooled fund and pays for partners' direct work: I(0,B)
  of the payoff ratio, "Without a backbone" in the app. Partners' own orchestration
  hours (``self_orchestration_hours``), if a scenario has any, stay: they are not the
  backbone's, and taking them away too would charge the backbone with what partners do
  themselves. (``scenarios/no_backbone.toml`` also sets them to 0, which is the same on
  its base, the baseline, where they are 0.)
- ``reduced_budget``: no backbone and its money not spent: ``backbone_share`` 0 and
  ``funder_budget`` B(1 - s), rounded to 9 decimals: I(0,(1-s)B) of the payoff ratio.
- ``no_orchestration``: nobody does the backbone's work: no backbone and no partners'
  own orchestration hours. The narrative's *gain* (what orchestration adds, by whoever)
  is measured against it; for a scenario without own orchestration hours it is
  ``no_backbone``.
- ``no_partnership``: the same people, organizations and years with no money and no
  partnership work (``scenarios/no_partnership.toml``): the deadweight that net SROI
  deducts.
- ``isolated``: isolated impact: grants follow each partner's measured output, no common
  agenda, no backbone (``scenarios/isolated_impact.toml`` on its base).

The payoff ratio of a scenario with backbone share s and budget B is

    R = [I(s,B) - I(0,(1-s)B)] / [I(0,B) - I(0,(1-s)B)]

on ``payoff_arms(p)``; with the backbone's staff held fixed while the funders' budget
changes, on ``fixed_hours_arms(p, multiplier)``; the payoff claim and the report both use
these arms
(``tests/test_arms.py`` checks that they give the same R on the same seeds).
"""

from __future__ import annotations

from typing import Any, Mapping

from backbone.simulation import Params

NO_BACKBONE: Mapping[str, Any] = {"backbone_share": 0.0, "backbone_budget": 0.0}
NO_ORCHESTRATION: Mapping[str, Any] = {**NO_BACKBONE, "self_orchestration_hours": 0.0}
NO_PARTNERSHIP: Mapping[str, Any] = {"funder_budget": 0.0, "partner_hours": 0.0, **NO_BACKBONE,
                                     "self_orchestration_hours": 0.0}
ISOLATED: Mapping[str, Any] = {"regime": "isolated", **NO_BACKBONE}


def reduced_budget_changes(funder_budget: float, backbone_share: float, backbone_budget: float = 0.0,
                           n_funders: int = 1) -> dict[str, Any]:
    """What the reduced-budget arm changes for a backbone of ``backbone_share`` of a
    pooled budget of ``funder_budget`` per funder (plus ``backbone_budget`` a month, shared
    by ``n_funders``): no backbone, and only the money that would not have paid for it."""
    return {**NO_BACKBONE, "funder_budget": round(funder_budget * (1.0 - backbone_share) - backbone_budget / n_funders, 9)}


def no_backbone(p: Params) -> Params:
    """``p`` without a backbone, its money spent on direct work (see the module docstring)."""
    return p.replace(**NO_BACKBONE)


def reduced_budget(p: Params) -> Params:
    """``p`` without a backbone and without the backbone's money."""
    return p.replace(**reduced_budget_changes(p.funder_budget, p.backbone_share, p.backbone_budget, p.n_funders))


def no_orchestration(p: Params) -> Params:
    """``p`` with nobody orchestrating: no backbone, no partners' own orchestration hours."""
    return p.replace(**NO_ORCHESTRATION)


def no_partnership(p: Params) -> Params:
    """The same people, organizations and horizon as ``p`` without the partnership."""
    return p.replace(**NO_PARTNERSHIP)


def isolated(p: Params) -> Params:
    """``p`` as isolated impact (grants by measured output, no backbone)."""
    return p.replace(**ISOLATED)


def payoff_arms(p: Params) -> dict[str, Params]:
    """The three arms of the payoff ratio: ``backbone`` (p itself, I(s,B)),
    ``same_budget`` (I(0,B)) and ``reduced_budget`` (I(0,(1-s)B))."""
    return {"backbone": p, "same_budget": no_backbone(p), "reduced_budget": reduced_budget(p)}


def backbone_money(p: Params) -> float:
    """The backbone's money a month at the funders' launch level: its share of the launch
    inflow plus its stated budget (k/month)."""
    return p.backbone_share * p.funder_budget * p.n_funders + p.backbone_budget


def fixed_hours_arms(p: Params, multiplier: float) -> dict[str, Params]:
    """The three arms of the payoff ratio at ``multiplier`` times the funders' budget with
    the backbone's money (so its staff hours) held at ``p``'s: ``backbone`` (that money as a
    stated budget, not a share), ``same_budget`` (no backbone, the same funders' budget) and
    ``reduced_budget`` (no backbone, without the backbone's money)."""
    money = backbone_money(p)
    budget = round(p.funder_budget * multiplier, 9)
    return {"backbone": p.replace(backbone_share=0.0, backbone_budget=money, funder_budget=budget),
            "same_budget": p.replace(**NO_BACKBONE, funder_budget=budget),
            "reduced_budget": p.replace(**NO_BACKBONE, funder_budget=round(budget - money / p.n_funders, 9))}


def funds_backbone(p: Params) -> bool:
    """A backbone is funded: the payoff ratio is defined."""
    return p.backbone_share > 0 or p.backbone_budget > 0


__all__ = ["NO_BACKBONE", "NO_ORCHESTRATION", "NO_PARTNERSHIP", "ISOLATED", "reduced_budget_changes",
           "no_backbone", "reduced_budget", "no_orchestration", "no_partnership", "isolated", "payoff_arms",
           "backbone_money", "fixed_hours_arms", "funds_backbone"]
