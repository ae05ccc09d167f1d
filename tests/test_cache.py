"""numba's cache folder is keyed by the simulation sources (simulation/_cache.py).

The subprocess tests copy the package to a temporary folder, add two tiny jitted
functions in two files (a caller and its callee, the shape that went stale: a callee
edited, its caller not), and run them in fresh interpreters. They compile only those two
functions, not the model."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from backbone import simulation
from backbone.simulation import _cache

PACKAGE = Path(simulation.__file__).resolve().parent

CALLEE = "from numba import njit\n\n\n@njit(cache=True)\ndef callee(x):\n    return x + {value}\n"
CALLER = ("from numba import njit\n\nfrom ._probe_callee import callee\n\n\n"
          "@njit(cache=True)\ndef caller(x):\n    return callee(x) * 1\n")
SCRIPT = ("import simulation, simulation._cache as c\n"
          "from simulation._probe_caller import caller\n"
          "print(caller(0)); print(c.cache_dir)\n")


def copy_package(root: Path, value: int = 1) -> Path:
    pkg = root / "simulation"
    shutil.copytree(PACKAGE, pkg, ignore=shutil.ignore_patterns("__pycache__", "*.nb?", "*.pyc"))
    (pkg / "_probe_callee.py").write_text(CALLEE.format(value=value))
    (pkg / "_probe_caller.py").write_text(CALLER)
    init = pkg / "__init__.py"   # the probe is one of the package's modules, as the kernels are
    init.write_text(init.read_text() + "\nfrom . import _probe_caller  # noqa: E402\n_cache.defer()\n")
    return pkg


def run_probe(root: Path, env_extra: dict[str, str]) -> tuple[int, Path, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "XDG_", "PYTHON"))}
    env.update({"PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"})
    env.update(env_extra)
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=root, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    value, folder = proc.stdout.split()
    return int(value), Path(folder), proc.stderr


def test_an_edited_callee_is_recompiled_with_numba_cache_dir_set(tmp_path):
    root = tmp_path / "src"
    pkg = copy_package(root, value=1)
    cache = tmp_path / "numba-cache"
    value, first, err = run_probe(root, {"NUMBA_CACHE_DIR": str(cache)})
    assert value == 1 and first.parent == cache
    assert len(err.strip().splitlines()) == 1 and "compiling" in err          # cold: one line
    value, again, err = run_probe(root, {"NUMBA_CACHE_DIR": str(cache)})
    assert value == 1 and again == first and err.strip() == ""               # warm: silent
    (pkg / "_probe_callee.py").write_text(CALLEE.format(value=2))            # edit the callee only
    value, edited, _ = run_probe(root, {"NUMBA_CACHE_DIR": str(cache)})
    assert value == 2 and edited != first and edited.parent == cache
    assert any(first.rglob("*.nbi")) and any(edited.rglob("*.nbi"))


def test_user_cache_folder_is_keyed_too(tmp_path):
    root = tmp_path / "src"
    pkg = copy_package(root, value=1)
    home = tmp_path / "home"
    value, first, _ = run_probe(root, {"HOME": str(home)})
    assert value == 1 and first.parent == home / ".cache" / "backbone" / "numba"
    (pkg / "_probe_callee.py").write_text(CALLEE.format(value=5))
    value, edited, _ = run_probe(root, {"HOME": str(home)})
    assert value == 5 and edited != first


def _unwritable_tree(pkg: Path) -> None:
    """No __pycache__ can be made (a file stands in its place, which stops root too),
    and, for other users, no write permission anywhere."""
    for d in [pkg, *[p for p in pkg.rglob("*") if p.is_dir()]]:
        (d / "__pycache__").write_text("not a folder\n")
    for p in [pkg, *pkg.rglob("*")]:
        p.chmod(stat.S_IMODE(p.stat().st_mode) & ~0o222)


def test_read_only_package_and_unwritable_cache_still_run(tmp_path):
    root = tmp_path / "src"
    pkg = copy_package(root, value=3)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    _unwritable_tree(pkg)
    try:
        value, folder, err = run_probe(root, {"NUMBA_CACHE_DIR": str(blocker / "cache"),
                                              "HOME": str(blocker / "home"), "TMPDIR": str(tmpdir)})
    finally:
        for p in [pkg, *pkg.rglob("*")]:
            p.chmod(stat.S_IMODE(p.stat().st_mode) | 0o200)
    assert value == 3
    assert tmpdir in folder.parents                     # fell back to a private temporary folder
    assert "cannot cache" not in err and "Traceback" not in err


def test_choose_dir_keeps_an_already_keyed_folder(tmp_path, monkeypatch):
    keyed = tmp_path / "abc123"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(keyed))
    assert _cache.choose_dir("abc123") == keyed                 # a worker reuses its parent's folder
    assert _cache.choose_dir("def456") == keyed / "def456"      # otherwise a base to key under


def test_this_process_uses_the_keyed_folder():
    from numba.core import config

    _cache.configure()   # what the first simulate does
    key = _cache.cache_key()
    assert _cache.cache_dir is not None and _cache.cache_dir.name.startswith(key)
    assert Path(config.CACHE_DIR) == _cache.cache_dir == Path(os.environ["NUMBA_CACHE_DIR"])


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership check")
def test_a_temporary_folder_others_can_write_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setattr(_cache.tempfile, "tempdir", str(tmp_path))
    shared = tmp_path / f"backbone-numba-{os.getuid()}"
    shared.mkdir()
    shared.chmod(0o777)
    got = _cache._private_temp("k1")
    assert got is not None and shared not in got.parents and got.name.startswith("k1-")


def test_old_folders_of_other_sources_are_pruned(tmp_path, monkeypatch):
    import time

    base = tmp_path / "backbone" / "numba"
    current, old, recent, other = base / ("f" * 16), base / ("0" * 16), base / ("1" * 16), base / "keep-me"
    for d in (current, old, recent, other):
        d.mkdir(parents=True)
    long_ago = time.time() - 40 * 86400
    for d in (current, old, other):
        os.utime(d, (long_ago, long_ago))
    monkeypatch.setattr(_cache, "default_base", lambda: base)
    _cache._prune(current)
    assert current.exists() and recent.exists() and other.exists()   # in use, recent, not ours
    assert not old.exists()
    assert current.stat().st_mtime > long_ago                        # marked as used


def test_the_collector_collects_only_young_objects_while_numba_compiles(monkeypatch):
    import gc
    from types import SimpleNamespace

    monkeypatch.setattr(_cache, "_announced", True)   # no announcement from this test
    gc.set_threshold(700, 10, 10)
    try:
        watch = _cache._CompileWatch(announce=False)
        start = SimpleNamespace(data={})
        watch.on_start(start)                      # the outermost compile
        assert gc.get_threshold() == _cache.COMPILE_GC_THRESHOLD
        watch.on_start(start)                      # a callee compiled inside it
        watch.on_end(start)
        assert gc.get_threshold() == _cache.COMPILE_GC_THRESHOLD
        watch.on_end(start)                        # the outermost compile ends
        assert gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(200_000, 10, 10)          # a user's own, larger setting is left alone
        watch.on_start(start)
        assert gc.get_threshold() == (200_000, 10, 10)
        watch.on_end(start)
        assert gc.get_threshold() == (200_000, 10, 10)
    finally:
        gc.set_threshold(700, 10, 10)


def test_a_compile_in_this_process_leaves_the_collector_as_it_was():
    import gc

    from numba import njit

    before = gc.get_threshold()

    @njit
    def planted(x):
        return x + 1

    _cache.configure()       # installs the listener (the first simulate does)
    assert planted(1) == 2   # compiled now, with the listener installed
    assert gc.get_threshold() == before
    assert _cache._listener is not None and _cache._listener.depth == 0


def test_an_unusable_numba_cache_dir_is_said_in_one_line(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(_cache.tempfile, "tempdir", str(tmp_path))
    got = _cache.choose_dir("k2")
    err = capsys.readouterr().err.strip().splitlines()
    assert got is not None and tmp_path in got.parents and blocker not in got.parents
    assert len(err) == 1 and f"NUMBA_CACHE_DIR={blocker / 'cache'}" in err[0] and str(got) in err[0]
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "fine"))   # a usable one: nothing said
    assert _cache.choose_dir("k2") == tmp_path / "fine" / "k2" and capsys.readouterr().err == ""


def test_the_cache_key_includes_the_import_name(monkeypatch):
    key = _cache.cache_key()
    monkeypatch.setattr(_cache, "PACKAGE_NAME", "simulation")
    assert _cache.cache_key() != key and len(key) == _cache.KEY_LENGTH


# An index numba cannot unpickle, as a cache written under another import name is for
# ``backbone.simulation``: its first entry names a module that does not exist.
POISON = b"cno_such_module_of_backbone\nThing\n."


def _planted(tmp_path: Path, name: str):
    import importlib.util

    from numba import njit

    path = tmp_path / f"{name}.py"
    if not path.exists():
        path.write_text("def f(x):\n    return x + 1\n")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    disp = njit(cache=True)(mod.f)
    disp._cache = _cache.SafeCache(disp.py_func)   # what configure gives the model's functions
    return disp


def test_an_entry_that_cannot_be_loaded_is_compiled_again_in_one_line(tmp_path, monkeypatch, capsys):
    import pickle

    import numba

    monkeypatch.setattr(_cache, "_unreadable_said", False)
    monkeypatch.setattr(_cache, "_announced", True)
    first = _planted(tmp_path, "planted_cache_probe")
    assert first(1) == 2                                   # compiled and saved
    index = next(Path(first._cache.cache_path).glob("*.nbi"))
    index.write_bytes(pickle.dumps(numba.__version__, protocol=-1) + POISON)
    capsys.readouterr()
    again = _planted(tmp_path, "planted_cache_probe")
    assert again(1) == 2                                   # no traceback: compiled again
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "could not be loaded" in err[0] and "ModuleNotFoundError" in err[0]
    third = _planted(tmp_path, "planted_cache_probe")
    assert third(1) == 2 and sum(third.stats.cache_hits.values()) == 1   # the index was written anew
    assert capsys.readouterr().err == ""
