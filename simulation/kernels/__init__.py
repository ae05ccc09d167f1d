"""The model's processes, one numba kernel each (see simulation.engine.step_month)."""

from .beneficiaries import beneficiaries
from .coordination import coordination
from .engagement import engagement
from .funding import funding
from .init import draw_context, initialize
from .measurement import METRICS, N_METRICS, measurement
from .membership import membership, turnover
from .practices import efforts, practices
from .shocks import shocks
from .trust import trust
from .work import work

from .jit import borrowed, from_python

__all__ = ["borrowed", "from_python", "initialize", "draw_context", "shocks", "funding", "turnover", "membership", "practices", "coordination",
           "trust", "work", "beneficiaries", "engagement", "measurement", "efforts",
           "METRICS", "N_METRICS"]
