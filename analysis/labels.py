"""Display names and units of the scorecard metrics, for people reading results: the
terminal's ``compare`` and the board's report (``analysis.report``).

``metric_label(metric, meaning, currency)`` gives e.g. "money spent (kSEK)
[spent_total]" and the range the metric's values can take (used to clip intervals on
screen). A metric missing from ``METRIC_LABELS`` is shown under its meaning.
"""

from __future__ import annotations

import math

# How the terminal and the report name each metric: (display name, unit; "money" is the scenarios'
# currency). A metric missing here is shown under its code name and meaning.
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "impact_share": ("with a sustained outcome now", "share of the target population"),
    "long_term_impact": ("with a sustained outcome, mean over the last 12 months",
                         "share of the target population"),
    "outcomes_total": ("reached a sustained outcome at any time", "people"),
    "outcome_years": ("years lived with a sustained outcome, all people together", "person-years"),
    "dissolved": ("partnerships dissolved by the end", "share of runs"),
    "improved_share": ("at or above the outcome threshold now", "share of the target population"),
    "mean_condition": ("mean condition of the target population", "0-1 scale"),
    "mean_trust": ("mean trust among partners", "0-1 scale"),
    "mean_engagement": ("mean partner engagement", "0-1 scale"),
    "retention": ("launch partners still members", "share"),
    "coordination_share": ("partner hours spent coordinating", "share"),
    "duplication": ("services duplicated", "share"),
    "funds_raised": ("money raised", "money"),
    "spent_total": ("money spent", "money"),
    "cost_per_outcome": ("cost per sustained outcome", "money"),
    "sroi": ("social return per unit spent", "ratio"),
    "needs_accuracy": ("agenda matches true needs", "0-1 scale"),
    "partners_recruited": ("partners recruited", "organizations"),
}
BOUNDED = ("share", "0-1 scale")  # units whose values lie in [0, 1]
COUNTED = ("people", "organizations", "money", "ratio")  # units whose values are >= 0


def metric_label(metric: str, meaning: str, currency: str) -> tuple[str, tuple[float, float]]:
    """A metric's display name with its unit, and the range its values can take."""
    name, unit = METRIC_LABELS.get(metric, (meaning, ""))
    limits = (0.0, 1.0) if unit.startswith(BOUNDED) else (0.0, math.inf) if unit in COUNTED else (-math.inf, math.inf)
    unit = currency if unit == "money" else unit
    return (f"{name} ({unit}) [{metric}]" if unit else f"{name} [{metric}]"), limits


__all__ = ["METRIC_LABELS", "BOUNDED", "COUNTED", "metric_label"]
