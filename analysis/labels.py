"""Display names and units of the scorecard metrics, for people reading results: the
terminal's ``compare`` and the board's report (``analysis.report``).

``metric_label(metric, meaning, currency)`` gives e.g. "money spent (kSEK)" and the
range the metric's values can take (used to clip intervals on screen). A metric missing
from ``METRIC_LABELS`` is shown under its meaning. No code name reaches the reader.

One definition per figure (``FIGURES``): the money figures exist in two kinds, and each
kind has its own name wherever it is shown (``compare``, the report, the app, the claims):

- *run average*: each run's own ratio (money spent / its people with a sustained
  outcome; its value / its spend), then the mean over runs. The scorecard's rows
  ``cost_per_outcome`` and ``sroi`` are this; one run (the app) is its own run average;
- *all runs pooled*: the ratio of the sums over all runs (all money spent / all people
  with a sustained outcome). The report's money table and ``compare``'s value section
  are this (``analysis.value``, ``analysis.report.money_estimates``).

The two differ when runs differ in size: a pooled ratio weights each run by its
denominator, the run average weights runs equally.
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
    "cost_per_outcome": ("cost per sustained outcome, run average", "money"),
    "sroi": ("gross SROI (social value per unit spent), run average", "ratio"),
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
    return (f"{name} ({unit})" if unit else name), limits


# One definition per figure: (the name it is shown under, its definition in plain words).
# A figure shown under one of these names is computed as its definition says, everywhere.
FIGURES: dict[str, tuple[str, str]] = {
    "cost_per_outcome": ("cost per sustained outcome, run average",
                         "each run's money spent divided by the people who reached a sustained outcome in it, "
                         "averaged over the runs"),
    "cost_pooled": ("cost per sustained outcome, all runs pooled",
                    "all money spent in all runs divided by all the people who reached a sustained outcome in them"),
    "sroi": ("gross SROI (social value per unit spent), run average",
             "each run's discounted value of the years people held a sustained outcome divided by its discounted "
             "spending, averaged over the runs"),
    "gross_sroi_pooled": ("gross SROI, all runs pooled",
                          "the discounted value of the years people held a sustained outcome in all runs divided by "
                          "the discounted money spent in them"),
    "net_sroi_pooled": ("net SROI, all runs pooled",
                        "as gross SROI, counting only the value beyond what the same people reached without the "
                        "partnership (the same runs with no money and no partnership work), less the share owed "
                        "to others' efforts"),
    "net_cost_pooled": ("net cost per additional sustained outcome, all runs pooled",
                        "all money spent divided by the people who reached a sustained outcome beyond those who "
                        "reached one without the partnership, over all runs"),
    "long_term_impact": ("with a sustained outcome, mean over the last 12 months",
                         "the share of the target population holding a sustained outcome, averaged over the last "
                         "12 months of each run, then over runs"),
}

# Why the two SROIs can move in opposite directions, in one plain sentence.
GROSS_NET_SENTENCE = ("Gross SROI counts all the value people reached, including what they would have reached "
                      "anyway, while net SROI counts only the value the partnership added: so a backbone that "
                      "spends more money while adding value beyond what would have happened anyway can lower the "
                      "gross figure (the extra money earns less than the average unit) and raise the net one.")


def figure_name(key: str, currency: str | None = None) -> str:
    """A figure's name (``FIGURES``), with its money unit when it is money."""
    name = FIGURES[key][0]
    return f"{name} ({currency})" if currency and key in ("cost_per_outcome", "cost_pooled", "net_cost_pooled") \
        else name


__all__ = ["METRIC_LABELS", "BOUNDED", "COUNTED", "metric_label", "FIGURES", "GROSS_NET_SENTENCE", "figure_name"]
