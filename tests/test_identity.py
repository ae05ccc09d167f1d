"""One identity per module (issue 23): in a checkout, ``import simulation`` is
``backbone.simulation``; only the four folders join the package; importing writes and
deletes nothing; and the poisoning sequence of the issue (the model first compiled under
the folder's own name, then a command from another folder) no longer breaks a command."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# `backbone` as its console script runs it (the script may not be beside this interpreter)
BACKBONE = [sys.executable, "-c", "import sys; from backbone.cli.main import main; sys.exit(main())"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "PYTHON"))}
    env.update(extra)
    return env


def _python(code: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)


def test_the_folder_names_are_aliases_in_a_checkout(tmp_path):
    code = ("import simulation, simulation.kernels, analysis, experiments, scenarios\n"
            "from simulation import engine\n"
            "import simulation.model, analysis.report\n"
            "import backbone.simulation as S, backbone.analysis as A, backbone.experiments as E\n"
            "import backbone.scenarios as SC, backbone.simulation.kernels as K\n"
            "assert simulation is S and simulation.kernels is K and engine is S.engine\n"
            "assert simulation.model is S.model and analysis.report is A.report\n"
            "assert analysis is A and experiments is E and scenarios is SC\n"
            "assert S.__spec__.name == 'backbone.simulation' and K.__name__ == 'backbone.simulation.kernels'\n"
            "import sys\n"
            "assert not [m for m in sys.modules if m.startswith('simulation.') and sys.modules[m].__name__ == m]\n"
            "print('ok')\n")
    proc = _python(code, ROOT, _env(NUMBA_CACHE_DIR=str(tmp_path / "cache")))
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


@pytest.mark.parametrize("name", ["tests", "bench", "docs"])
def test_only_the_four_folders_join_the_package(name):
    import importlib

    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"backbone.{name}")


def _files(*folders: Path) -> set[Path]:
    return {p for f in folders if f.exists() for p in f.rglob("*")}


def test_importing_writes_and_deletes_nothing(tmp_path):
    home, xdg, cache = tmp_path / "home", tmp_path / "xdg", tmp_path / "numba"
    for d in (home, xdg, cache):
        d.mkdir()
    (cache / "0123456789abcdef").mkdir()          # an old keyed folder: not pruned by an import
    before = _files(ROOT / "simulation", home, xdg, cache)
    code = ("import os, backbone, backbone.simulation, backbone.experiments, backbone.analysis\n"
            "from backbone.simulation import engine, _cache\n"
            "assert os.environ['NUMBA_CACHE_DIR'] == os.environ['WANT'] and _cache.cache_dir is None\n"
            "assert type(engine.run_months._cache).__name__ == 'FirstUse'\n"
            "print('ok')\n")
    proc = _python(code, tmp_path, _env(HOME=str(home), XDG_CACHE_HOME=str(xdg), NUMBA_CACHE_DIR=str(cache),
                                         WANT=str(cache), PYTHONDONTWRITEBYTECODE="1"))
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]
    assert _files(ROOT / "simulation", home, xdg, cache) == before


def test_every_compiled_function_of_the_model_waits_for_first_use():
    """Each cached numba function of the model must be imported by simulation/__init__.py
    (so that ``defer`` finds it): none is left with numba's own cache."""
    import importlib
    import pkgutil

    from numba.core import caching
    from numba.core.dispatcher import Dispatcher

    import backbone.simulation as S
    from backbone.simulation import _cache

    for info in pkgutil.walk_packages(S.__path__, "backbone.simulation."):
        importlib.import_module(info.name)
    found = 0
    for name, mod in list(sys.modules.items()):
        if name.startswith("backbone.simulation"):
            for obj in vars(mod).values():
                if isinstance(obj, Dispatcher) and not isinstance(obj._cache, caching.NullCache):
                    found += 1
                    assert isinstance(obj._cache, (_cache.FirstUse, _cache.SafeCache)), (name, obj)
    assert found >= 2   # run_months and partner_trust_py at least


@pytest.mark.slow
def test_the_poisoning_sequence_of_issue_23(tmp_path):
    """The model compiled through ``import simulation`` at the repository root, then
    ``backbone run`` from another folder on the same NUMBA_CACHE_DIR: the command runs
    (it used to end in ``ModuleNotFoundError: No module named 'simulation'``). Then an
    index that cannot be unpickled (what the old shared cache held) is compiled again
    with one line on stderr, and the next command is silent."""
    cache = tmp_path / "numba"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _env(NUMBA_CACHE_DIR=str(cache))
    proc = _python("import simulation; simulation.simulate(simulation.Params(months=12), 1)", ROOT, env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    cmd = [*BACKBONE, "run", "baseline", "--set", "months=12"]
    run = lambda: subprocess.run(cmd, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=900)  # noqa: E731
    first = run()
    assert first.returncode == 0 and "Traceback" not in first.stderr, first.stderr[-2000:]
    assert first.stderr.strip() == ""                    # the compiled code of the first run was reused
    import numba

    indexes = list(cache.rglob("engine.run_months-*.nbi"))
    assert len(indexes) == 1
    indexes[0].write_bytes(pickle.dumps(numba.__version__, protocol=-1) + b"csimulation\nThing\n.")
    poisoned = run()
    assert poisoned.returncode == 0 and "Traceback" not in poisoned.stderr
    lines = poisoned.stderr.strip().splitlines()
    assert len(lines) == 1 and "could not be loaded" in lines[0], poisoned.stderr[-2000:]
    assert poisoned.stdout == first.stdout                # the same run
    healed = run()
    assert healed.returncode == 0 and healed.stderr.strip() == "" and healed.stdout == first.stdout
