"""Imported by the local pool's fork server (``executors._context``): the model imported
and numba's compile cache loaded once, before any worker is forked from it."""

from .executors import warm

warm()
