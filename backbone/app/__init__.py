"""The trainer's web app: twin partnerships, with and without a backbone, live in the
browser (``backbone app``).

Public API::

    from backbone.app import Twins, twin_params, LESSONS
    twins = Twins(twin_params(Params()), seed=1)   # pure Python, no browser
    twins.step(12)
    [item.sentence for item in twins.with_backbone.feed]

The page itself is ``backbone.app.page.Page`` (imports Solara).
"""

from .cast import FUNDER_CAST, PARTNER_CAST
from .controls import LEVERS, Lever, lever_values, scenario_base, scenario_choices, twin_params
from .lessons import LESSONS, Lesson, funder_pulls_out, get_lesson, press_release, turnover_wave
from .narrative import FeedItem, describe_event, describe_month, milestones
from .twins import Twin, Twins

__all__ = ["Twins", "Twin", "twin_params", "lever_values", "scenario_choices", "scenario_base", "LEVERS",
           "Lever", "LESSONS", "Lesson", "get_lesson", "turnover_wave", "funder_pulls_out", "press_release",
           "FeedItem", "describe_event", "describe_month", "milestones", "PARTNER_CAST", "FUNDER_CAST"]
