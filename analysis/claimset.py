"""Every claim the engine tests, in the order of the verdict table, plus the Sobol'
sensitivity analysis of what drives them.

The claims are the source documents' own (docs/ODD.md, "References"): Crespin & Moser,
*27 Ways to Drive Impact in Multi-Stakeholder Initiatives* (the 3-4:1 payoff, relaunch
at 15% turnover, kickoffs, and the *Harvard Business Review* (2017) figures it cites);
Kania & Kramer (2011), "Collective Impact", *Stanford Social Innovation Review*
(collective vs isolated impact); Save the Children & Accenture (2021), *The Refined
Collective Impact Model* (who sets the agenda, funder patience, involving the
beneficiaries). Each claim's key, title and source are written once, on its ``Claim``
(analysis.claims_funding, analysis.claims_team); docs/CLAIMS.md explains each one."""

from __future__ import annotations

from .claims_funding import CLAIMS_FUNDING
from .claims_team import CLAIMS_TEAM

_BY_KEY = {c.key: c for c in CLAIMS_FUNDING + CLAIMS_TEAM}
ORDER = ("payoff", "regime", "relaunch", "kickoff", "survival", "population", "agenda", "patience",
         "integration", "sensitivity")
CLAIMS = [_BY_KEY[k] for k in ORDER]


def claim(key: str):
    """The claim with this key (KeyError naming the keys otherwise)."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown claim '{key}': expected one of {', '.join(ORDER)}") from None
