"""Mesa, imported without side effects on the process.

``mesa.batchrunner`` calls ``multiprocessing.set_start_method("spawn", force=True)`` when
Mesa is imported, which switches the whole process (a notebook, an EMA Workbench
evaluator started later) to ``spawn``. Backbone's own pools never rely on the global
start method (``experiments.executors`` uses ``multiprocessing.get_context("spawn")``), so
when this module is the first to import Mesa it puts the start method back as it was.
A process that imported Mesa itself before keeps what Mesa set.
"""

from __future__ import annotations

import multiprocessing
import sys

if "mesa" in sys.modules:
    import mesa  # noqa: F401  (imported by someone else first: leave the process as it is)
else:
    _before = multiprocessing.get_start_method(allow_none=True)
    import mesa  # noqa: F401

    if multiprocessing.get_start_method(allow_none=True) != _before:
        multiprocessing.set_start_method(_before, force=True)

__all__ = ["mesa"]
