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
``backbone/`` (``pyproject.toml``, ``package-dir``). Run from a checkout, this package also
looks for its subpackages at the top of the repository, so both layouts import alike.
"""

from __future__ import annotations

from pathlib import Path as _Path

_ROOT = _Path(__file__).resolve().parent.parent
if (_ROOT / "simulation" / "kernels").is_dir() and (_ROOT / "pyproject.toml").is_file():
    __path__.append(str(_ROOT))  # a checkout: backbone.simulation is ../simulation
