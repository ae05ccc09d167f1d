"""Backbone's model: parameters, state, the numba kernels, the Mesa model, the scorecard.

Public API::

    from backbone.simulation import Params, simulate, PartnershipModel
    res = simulate(Params(backbone_share=0.2), seed=1)   # fast path: whole run in numba
    res.monthly          # results chain and scorecard, one row per month
    res.events           # turnover, exits, relaunches, funding cuts, betrayals, phases
    model = PartnershipModel(backbone_share=0.2, rng=1)  # Mesa path, same kernels
    model.step()
"""

if __name__ != "backbone.simulation":   # this folder imported by its own name, from a checkout:
    try:                                 # be backbone.simulation itself (backbone/__init__.py)
        import backbone as _backbone
        _backbone._adopt(__name__, __file__)
    except ImportError:
        pass
    # When adopted, the rest of this file only binds names on a module object that is then
    # dropped: its relative imports resolve to backbone.simulation's own modules.

from . import _cache
from .engine import initial_state, simulate, step_month
from .kernels import METRICS
from .params import PRINCIPLES, REGIMES, SCHEMA, SECTORS, ParameterError, Params, schema_table
from .result import SCORECARD, SCORECARD_METRICS, Result
from .scenarios import (SCENARIO_DIR, ScenarioError, list_scenarios, load_scenario, load_toml,
                        parse_set, scenario_description)
from .state import EVENT_TYPES, PHASES, State
from .streams import STREAM_NAMES, make_streams
from .reference import simulate_reference

# The compiled functions imported above get their cache folder when the model first needs
# one (simulation/_cache.py), not now: importing writes and deletes nothing.
_cache.defer()

__all__ = [
    "Params", "ParameterError", "SCHEMA", "schema_table", "REGIMES", "SECTORS", "PRINCIPLES",
    "simulate", "step_month", "initial_state", "Result", "METRICS", "SCORECARD",
    "SCORECARD_METRICS", "State", "EVENT_TYPES", "PHASES", "make_streams", "STREAM_NAMES",
    "PartnershipModel", "simulate_reference",
    "SCENARIO_DIR", "ScenarioError", "load_toml", "load_scenario", "scenario_description",
    "list_scenarios", "parse_set",
]


def __getattr__(name):
    # The Mesa model is imported on first use: the fast path does not need Mesa.
    if name == "PartnershipModel":
        from .model import PartnershipModel
        return PartnershipModel
    raise AttributeError(name)
