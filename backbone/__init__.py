"""Backbone: a laboratory for collective impact.

One import namespace for everything (so a user's own ``simulation.py`` or ``analysis.py``
can never shadow it):

- ``backbone.simulation``: the model (numba kernels, Mesa model, reference, scenarios);
- ``backbone.experiments``: batches of runs (specs, designs, executors, the results store);
- ``backbone.analysis``: comparisons, claims, validation, reports;
- ``backbone.cli`` and ``backbone.app``: the command line and the trainer's web app;
- ``backbone.scenarios``: the scenario library (TOML data).

The repository keeps the layout of the design (``simulation/``, ``experiments/``,
``analysis/``, ``scenarios/`` at the top); an installed wheel puts them under
``backbone/`` (``pyproject.toml``, ``package-dir``). Each module has one identity:

- Run from a checkout that is not installed, ``backbone.simulation`` is found in the
  folder ``simulation/`` at the top (and likewise the other three). Only these four
  folders join the package: ``backbone.tests``, ``backbone.bench`` and ``backbone.docs``
  do not import.
- In a checkout, ``import simulation`` (the folder by its own name, the repository root
  on ``sys.path``: a notebook or script at the root) gives the very module objects of
  ``backbone.simulation``: the folder's ``__init__`` calls ``_adopt``, and
  ``simulation.kernels`` and every other submodule is then an alias of
  ``backbone.simulation.kernels`` (``_Layout``). A copy of the folder elsewhere stays a
  package of its own.

Importing ``backbone`` imports nothing else and writes nothing.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from pathlib import Path as _Path

FOLDERS = ("simulation", "experiments", "analysis", "scenarios")   # the folders that join the package
_ROOT = _Path(__file__).resolve().parent.parent
_CHECKOUT = (_ROOT / "simulation" / "kernels").is_dir() and (_ROOT / "pyproject.toml").is_file()


class _Alias(importlib.abc.Loader):
    """Loads ``name`` as the module ``target`` already is (imported if needed)."""

    def __init__(self, target: str):
        self.target = target
        self._spec = None

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self._spec = module.__spec__
        return module

    def exec_module(self, module) -> None:
        module.__spec__ = self._spec   # importlib set the alias's spec on it: its own back


class _Layout(importlib.abc.MetaPathFinder):
    """The checkout's layout (see the module docstring): ``backbone.<folder>`` from the
    folder at the top, and ``<folder>.<sub>`` as an alias of ``backbone.<folder>.<sub>``
    once ``<folder>`` is ``backbone.<folder>``."""

    def find_spec(self, fullname, path=None, target=None):
        head, _, rest = fullname.partition(".")
        if head == "backbone" and rest in FOLDERS and _CHECKOUT:
            init = _ROOT / rest / "__init__.py"
            if init.is_file():
                return importlib.util.spec_from_file_location(fullname, init,
                                                              submodule_search_locations=[str(init.parent)])
        elif head in FOLDERS and rest and _adopted(head):
            return importlib.util.spec_from_loader(fullname, _Alias(f"backbone.{fullname}"))
        return None


def _adopted(folder: str) -> bool:
    bare = sys.modules.get(folder)
    return bare is not None and bare is sys.modules.get(f"backbone.{folder}")


def _adopt(name: str, file: str) -> bool:
    """Called by a folder's ``__init__`` imported by its own ``name`` (``simulation``):
    when it is the folder of ``backbone.<name>``, make ``name`` that module (importlib
    returns what ``sys.modules[name]`` holds once the ``__init__`` ends) and return
    True; for a copy of the folder elsewhere, return False (it stays a package of its own)."""
    if name not in FOLDERS:
        return False
    spec = importlib.util.find_spec(f"backbone.{name}")
    if spec is None or spec.origin is None or _Path(spec.origin).resolve() != _Path(file).resolve():
        return False
    sys.modules[name] = importlib.import_module(f"backbone.{name}")
    return True


if not any(isinstance(f, _Layout) for f in sys.meta_path):
    sys.meta_path.insert(0, _Layout())   # before the path finder: `simulation.kernels` must not load twice
