"""What a run returns: the monthly results chain and scorecard, the final state, the
event log."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .kernels import METRICS
from .params import PRINCIPLES, Params
from .state import EVENT_TYPES, PHASES, State

# The balanced scorecard: (perspective, metric, what it means).
SCORECARD = (
    ("impact", "impact_share", "share of the target population with a sustained outcome"),
    ("impact", "outcomes_total", "people who reached a sustained outcome, cumulative"),
    ("impact", "outcome_years", "person-years held with a sustained outcome, cumulative (what SROI values)"),
    ("impact", "improved_share", "share at or above the outcome threshold"),
    ("impact", "mean_condition", "mean condition of the target population"),
    ("partnership", "mean_trust", "mean pairwise trust among partners"),
    ("partnership", "mean_engagement", "mean partner engagement"),
    ("partnership", "retention", "share of launch partners still members"),
    ("partnership", "coordination_share", "share of partner hours spent coordinating"),
    ("partnership", "duplication", "share of services duplicated"),
    ("partnership", "dissolved", "1 if the partnership had dissolved by the horizon (over runs: the share dissolved)"),
    ("finance", "funds_raised", "money paid in by funders, cumulative (k)"),
    ("finance", "spent_total", "money spent, cumulative (k)"),
    ("finance", "cost_per_outcome", "money spent per sustained outcome (k)"),
    ("finance", "sroi", "gross SROI: discounted value of outcome-years (with projected duration) per discounted unit spent"),
    ("learning", "needs_accuracy", "agreement of the needs estimate with true needs"),
    ("learning", "partners_recruited", "partners recruited, cumulative"),
)
SCORECARD_METRICS = tuple(m for _, m, _ in SCORECARD)


class Result:
    """One run. ``monthly``: one row per month, columns METRICS; ``events``: the event
    log; ``state``: the final arrays.

    Made from the run's output array (``out``, one row per month, columns METRICS; the
    fast path and the reference) or from ready frames (the Mesa model, tests): the frames
    are then built when first read, so a sweep that keeps a few numbers
    (``summary``, ``series``) builds no DataFrame."""

    __slots__ = ("params", "seed", "state", "_out", "_monthly", "_events")

    def __init__(self, params: Params, seed: int, monthly: pd.DataFrame | np.ndarray,
                 events: pd.DataFrame | None = None, state: State | None = None):
        self.params, self.seed, self.state = params, seed, state
        if isinstance(monthly, np.ndarray):
            self._out, self._monthly = monthly, None
        else:
            self._out, self._monthly = None, monthly
        self._events = events

    @property
    def monthly(self) -> pd.DataFrame:
        if self._monthly is None:
            self._monthly = monthly_frame(self._out)
        return self._monthly

    @property
    def events(self) -> pd.DataFrame:
        if self._events is None:
            self._events = event_frame(self.state)
        return self._events

    def series(self, metric: str) -> np.ndarray:
        """One metric per month as a numpy array (integer counts as int64), the same
        values as ``monthly[metric].to_numpy()``, without building the frame."""
        if self._out is None:
            return self._monthly[metric].to_numpy()
        col = self._out[:, _COLUMN[metric]]
        return col.astype(np.int64) if metric in _INT else col.copy()

    def scorecard(self, month: int | None = None) -> pd.Series:
        """The balanced scorecard at ``month`` (1-based; default: the horizon)."""
        row = self.monthly.iloc[-1] if month is None else self.monthly.loc[self.monthly["month"] == month].iloc[0]
        return row[list(SCORECARD_METRICS)]

    def summary(self, window: int = 12) -> dict[str, float]:
        """A small record of the run: every metric at the horizon, plus
        ``long_term_impact``, the mean impact_share over the last ``window`` months."""
        if self._out is None:
            out = {k: float(v) for k, v in self.monthly.iloc[-1].items()}
            out["long_term_impact"] = float(self.monthly["impact_share"].iloc[-window:].mean())
            return out
        last = self._out[-1]
        out = {name: float(int(last[c])) if name in _INT else float(last[c]) for c, name in enumerate(METRICS)}
        out["long_term_impact"] = _mean(np.ascontiguousarray(self._out[-window:, _COLUMN["impact_share"]]))
        return out

    @property
    def final(self) -> pd.Series:
        return self.monthly.iloc[-1]

    def phases(self) -> pd.Series:
        return self.monthly["phase"].astype(int).map(dict(enumerate(PHASES)))


INT_METRICS = ("month", "active_partners", "active_funders", "phase", "turnovers", "exits",
               "betrayals", "relaunches", "funding_cuts", "served", "caseload", "partners_recruited",
               "redesigns")


_INT = frozenset(INT_METRICS)
_COLUMN = {name: c for c, name in enumerate(METRICS)}


def _mean(x: np.ndarray) -> float:
    """The mean of ``x`` skipping NaN, computed as pandas' ``Series.mean`` does (NaN set
    to 0, one numpy sum, divided by the count), so the figure is identical to the frame's."""
    nan = np.isnan(x)
    if nan.any():
        n = x.size - int(nan.sum())
        return float(np.where(nan, 0.0, x).sum() / n) if n else float("nan")
    return float(x.sum() / x.size)


def monthly_frame(out: np.ndarray) -> pd.DataFrame:
    """The monthly output array as a DataFrame (counts as integers), built in one pass."""
    columns = {name: out[:, c] for c, name in enumerate(METRICS)}
    for name in INT_METRICS:
        columns[name] = columns[name].astype(np.int64)
    return pd.DataFrame(columns)


def event_frame(state: State) -> pd.DataFrame:
    """The event log as a DataFrame: month (1-based), event, a, b, v1, v2."""
    n = int(state.world[0]["n_events"])
    rows = state.events.rows[:n]
    kinds = rows[:, 1].astype(np.int64)
    names = np.array([EVENT_TYPES[k] for k in range(1, len(EVENT_TYPES) + 1)], dtype=object)
    return pd.DataFrame({
        "month": rows[:, 0].astype(np.int64) + 1,
        "event": names[kinds - 1] if n else np.array([], dtype=object),
        "a": rows[:, 2].astype(np.int64),
        "b": rows[:, 3].astype(np.int64),
        "v1": rows[:, 4],
        "v2": rows[:, 5],
    })


__all__ = ["Result", "SCORECARD", "SCORECARD_METRICS", "PRINCIPLES", "monthly_frame", "event_frame"]
