"""The measures read a run's numpy arrays (``analysis.measures.event_log``,
``Result.series``) instead of its frames: on the same run, every measure gives the
bit-identical value whether the run carries its frames (as the Mesa model's does) or
only its arrays, and reading the arrays builds no frame. Nothing here judges the model."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from backbone.analysis import measures as M
from backbone.simulation import Params, simulate
from backbone.simulation.params import SECTORS
from backbone.simulation.result import Result, event_frame, monthly_frame
from backbone.simulation.state import EVENT_TYPES

OVER = {"home_shift_rate": 0.02, "funder_shift_rate": 0.01, "months": 96}


def bits(x: float) -> bytes:
    return struct.pack("<d", float(x))   # NaN == NaN, -0.0 != 0.0: identical, not close


def cases(horizon: int):
    for ev in EVENT_TYPES.values():
        yield "event_by", {"event": ev, "month": 36}
        yield "event_between", {"event": ev, "months": (13, 48)}
        yield "event_by_cohorts", {"event": ev, "cohorts": ((12, 1.0), (60, 2.0), (horizon, 0.5))}
        yield "event_drop", {"event": ev, "scale": "relative"}
        yield "event_drop", {"event": ev, "scale": "absolute"}
        yield "event_followed_by", {"event": ev, "then": "exit", "within": 12}
        for per in M.PER:
            for sector in ("all",) + tuple(SECTORS):
                args = {"event": ev, "month": horizon, "per": per, "sector": sector}
                if not M.check_arguments("count_by", args):
                    yield "count_by", args
    for metric in ("mean_trust", "turnovers", "sroi", "impact_share", "active_partners"):
        yield "metric_mean", {"metric": metric, "months": (5, horizon)}
        yield "metric_at", {"metric": metric, "month": 24}


@pytest.mark.parametrize("seed", [3, 11])
def test_measures_on_arrays_equal_measures_on_frames(seed):
    lazy = simulate(Params(OVER), seed)
    cf = simulate(Params({**OVER, "backbone_share": 0.0}), seed)
    eager = Result(lazy.params, seed, monthly_frame(lazy._out), event_frame(lazy.state), lazy.state)
    horizon = int(lazy.series("month").max())
    assert len(eager.events) > 0                      # the comparison has events to read
    n = 0
    for name, args in cases(horizon):
        assert bits(M.evaluate(name, lazy, args)) == bits(M.evaluate(name, eager, args)), (name, args)
        n += 1
    for month in (12, horizon):
        assert bits(M.evaluate("net_sroi", lazy, {"month": month}, cf)) == \
            bits(M.evaluate("net_sroi", eager, {"month": month}, cf))
    assert bits(M.evaluate("net_payback_month", lazy, {}, cf)) == bits(M.evaluate("net_payback_month", eager, {}, cf))
    assert np.array_equal(M.member_months(lazy, horizon), M.member_months(eager, horizon))
    assert lazy._monthly is None and lazy._events is None   # no frame was built on the arrays' side
    assert n > 100


def test_event_log_matches_the_event_frame():
    res = simulate(Params(OVER), 5)
    log = M.event_log(res)
    frame = event_frame(res.state)
    assert np.array_equal(log.month, frame["month"].to_numpy())
    assert [EVENT_TYPES[c] for c in log.code] == frame["event"].tolist()
    for col in ("a", "b", "v1", "v2"):
        assert np.array_equal(getattr(log, col), frame[col].to_numpy())
