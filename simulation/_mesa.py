"""Mesa, imported without side effects on the process, and with its agent-id registry
keyed weakly.

``mesa.batchrunner`` calls ``multiprocessing.set_start_method("spawn", force=True)`` when
Mesa is imported, which switches the whole process (a notebook, an EMA Workbench
evaluator started later) to ``spawn``. Backbone's own pools never rely on the global
start method (``experiments.executors`` uses ``multiprocessing.get_context("spawn")``), so
when this module is the first to import Mesa it puts the start method back as it was.
A process that imported Mesa itself before keeps what Mesa set.

Mesa 3.3 numbers each model's agents from a class-level ``Agent._ids``, a ``defaultdict``
keyed by the model itself: every model ever built stays alive for the life of the
process (Mesa issue #3179, fixed upstream by mesa/mesa#3180 in releases that need Python
3.12). The trainer's app builds a pair of models at every slider move, seed change or
Reset, so its server grew by about 1.5 MB a rebuild and never gave it back. Here that
registry is replaced, once, by the same counters keyed weakly (``_WeakIds``): a model's
counter goes when the model does, and ids are numbered as before (1, 2, ... per model),
so no run changes. A Mesa without such a registry (3.4 and later) is left as it is.
"""

from __future__ import annotations

import itertools
import multiprocessing
import sys
import weakref
from collections import defaultdict

if "mesa" in sys.modules:
    import mesa  # noqa: F401  (imported by someone else first: leave the process as it is)
else:
    _before = multiprocessing.get_start_method(allow_none=True)
    import mesa  # noqa: F401

    if multiprocessing.get_start_method(allow_none=True) != _before:
        multiprocessing.set_start_method(_before, force=True)


class _WeakIds(weakref.WeakKeyDictionary):
    """``Agent._ids`` of Mesa 3.3 (model -> the counter of its agents' ids, from 1), with
    each model held by a weak reference: ``_WeakIds()[model]`` makes the counter on first
    use, as the ``defaultdict`` it replaces did."""

    def __getitem__(self, model):
        try:
            return super().__getitem__(model)
        except KeyError:
            return self.setdefault(model, itertools.count(1))   # one counter even if two threads race


def release_models() -> bool:
    """Key Mesa's ``Agent._ids`` weakly, keeping the counters of models alive now (their
    next agents get the ids they would have got). True if Mesa had the strong registry
    (and now has the weak one); False if there was nothing to do."""
    ids = getattr(mesa.Agent, "_ids", None)
    if not isinstance(ids, defaultdict):
        return False
    weak = _WeakIds()
    for model, counter in list(ids.items()):
        weak[model] = counter
    mesa.Agent._ids = weak
    return True


release_models()

__all__ = ["mesa", "release_models"]
