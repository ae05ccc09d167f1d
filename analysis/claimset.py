"""Every claim the engine tests, in the order of the verdict table (DESIGN.md, "The
claims, as experiments"), plus the Sobol' sensitivity analysis of what drives them."""

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
