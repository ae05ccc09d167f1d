"""A compiled-code cache that cannot be stale, and never stops the model from running.

numba's ``cache=True`` keys a compiled function on its own source file only: when a
kernel that ``step_month`` calls changes but ``engine.py`` does not, numba would load the
old compiled code and the run would silently use the old rules. Deleting stale files is
not enough either, because numba may cache in several places (``NUMBA_CACHE_DIR``, the
package's ``__pycache__``, the user's cache folder when the package is read-only).

So the first import of ``simulation`` in a process, before any kernel is compiled, points
numba at one folder keyed by a hash of every ``simulation`` source file::

    NUMBA_CACHE_DIR = <base>/<sha256 of the sources, 16 hex digits>

where ``<base>`` is the user's own ``NUMBA_CACHE_DIR`` when set, else the user's cache
folder (``$XDG_CACHE_HOME/backbone/numba``, default ``~/.cache/backbone/numba``; on
Windows ``%LOCALAPPDATA%/backbone/numba``). Any edit to any source gives a new folder, so
old compiled code is never found. When ``<base>`` cannot be written, a private folder
under the temporary directory is used instead (owned by this user, mode 0700; else a
fresh ``mkdtemp``): the model runs, only the compile is not kept. Worker processes inherit
the keyed folder through the environment and reuse it. In Backbone's own cache folder,
folders of other sources that no import has used for 30 days are removed.

While numba really compiles a kernel of the model for the first time in a process (a
cold cache: 30 s to 2 min), one line says so on stderr.
"""

from __future__ import annotations

import gc
import hashlib
import os
import stat
import sys
import tempfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PACKAGE_NAME = __name__.rpartition(".")[0]   # "backbone.simulation" (or "simulation" in a bare checkout)
ENV = "NUMBA_CACHE_DIR"
KEY_LENGTH = 16

_announced = False
_listener = None
cache_dir: Path | None = None     # the folder chosen by configure()


def source_hash() -> str:
    """SHA-256 of every ``*.py`` file of the package (paths and contents)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def default_base() -> Path | None:
    """The user's cache folder for Backbone's compiled code (None if there is no home)."""
    try:
        if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
            root = Path(os.environ["LOCALAPPDATA"])
        elif os.environ.get("XDG_CACHE_HOME"):
            root = Path(os.environ["XDG_CACHE_HOME"])
        else:
            root = Path.home() / ".cache"
    except (RuntimeError, KeyError, OSError):
        return None
    return root / "backbone" / "numba"


def writable(path: Path) -> bool:
    """Create ``path`` if needed and check that a file can be written in it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
        return True
    except (OSError, ValueError):
        return False


def _private_temp(key: str) -> Path | None:
    """A folder under the temporary directory that only this user can write (numba's
    cache index is a pickle: a folder others can write must never be used)."""
    try:
        tmp = Path(tempfile.gettempdir())
    except (OSError, FileNotFoundError):
        return None
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    mine = tmp / f"backbone-numba-{uid}"
    try:
        mine.mkdir(mode=0o700, exist_ok=True)
        st = mine.lstat()
        ok = (stat.S_ISDIR(st.st_mode) and not stat.S_IMODE(st.st_mode) & 0o022
              and (not hasattr(os, "getuid") or st.st_uid == os.getuid()))
        if ok and writable(mine / key):
            return mine / key
    except OSError:
        pass
    try:
        return Path(tempfile.mkdtemp(prefix=f"{key}-backbone-numba-"))
    except OSError:
        return None


def choose_dir(key: str) -> Path | None:
    """The keyed cache folder for sources with hash ``key`` (see the module docstring)."""
    current = os.environ.get(ENV)
    if current and Path(current).name.startswith(key) and writable(Path(current)):
        return Path(current)          # already keyed (a worker process, or a second import)
    base = Path(current) if current else default_base()
    if base is not None and writable(base / key):
        return base / key
    return _private_temp(key)


PRUNE_AFTER_DAYS = 30


def _prune(folder: Path) -> None:
    """Mark ``folder`` as used, and in Backbone's own cache folder (not a user's
    ``NUMBA_CACHE_DIR``) remove keyed folders of other sources unused for 30 days."""
    import re
    import shutil
    import time

    try:
        os.utime(folder)
        base = default_base()
        if base is None or folder.parent != base:
            return
        old = time.time() - PRUNE_AFTER_DAYS * 86400
        for d in base.iterdir():
            if d != folder and re.fullmatch(r"[0-9a-f]{16}", d.name) and d.is_dir() and d.stat().st_mtime < old:
                shutil.rmtree(d, ignore_errors=True)
    except OSError:
        pass


def configure() -> Path | None:
    """Point numba's cache at the folder keyed by the sources. Call before any kernel
    is compiled. Never raises."""
    global cache_dir
    try:
        key = source_hash()[:KEY_LENGTH]
        folder = choose_dir(key)
    except OSError:
        return None
    if folder is None:
        return None
    os.environ[ENV] = str(folder)
    _prune(folder)
    if "numba" in sys.modules:  # numba read its configuration when it was imported
        from numba.core import config

        config.reload_config()
    cache_dir = folder
    _install_announcer()
    return folder


# While numba compiles, Python's cyclic garbage collector runs a full collection every
# few hundred thousand allocations, and each walks the whole heap (numba, pandas, numpy:
# about 135 ms): about 13 of them in a cold start, 1.7 s, 10% of it. numba's garbage
# dies young, so during a compile only the youngest generation is collected, every
# 100,000 allocations (about 0.6 s in all; the peak memory of a cold start about 22 MB
# higher). The collector's settings come back when the outermost compile ends.
COMPILE_GC_THRESHOLD = (100_000, 50, 100)


class _CompileWatch:
    """A numba:compile listener: the one-line announcement (``announce``) and the
    collector's settings while numba compiles (see COMPILE_GC_THRESHOLD)."""

    def __init__(self, announce: bool):
        self.announce, self.depth, self.saved = announce, 0, None

    def on_start(self, ev) -> None:
        global _announced
        self.depth += 1
        if self.depth == 1 and gc.isenabled() and gc.get_threshold()[0] < COMPILE_GC_THRESHOLD[0]:
            self.saved = gc.get_threshold()
            gc.set_threshold(*COMPILE_GC_THRESHOLD)
        if _announced or not self.announce:
            return
        dispatcher = (ev.data or {}).get("dispatcher")
        module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
        if not (module == PACKAGE_NAME or module.startswith(PACKAGE_NAME + ".")):
            return
        _announced = True
        print(f"backbone: compiling the model's kernels for first use (once, about 20-30 s; "
              f"kept in {cache_dir})", file=sys.stderr, flush=True)

    def on_end(self, ev) -> None:
        self.depth -= 1
        if self.depth == 0 and self.saved is not None:
            gc.set_threshold(*self.saved)
            self.saved = None


def _install_announcer() -> None:
    """One line on stderr when numba first compiles a kernel of the model in this
    process (a cold cache; not in a worker process: its parent already said so), nothing
    when the compiled code is loaded from the cache; and the collector's settings while
    numba compiles (in every process)."""
    global _listener
    if _listener is not None:
        return
    import multiprocessing

    from numba.core import event

    class _Listener(_CompileWatch, event.Listener):
        pass

    _listener = _Listener(announce=multiprocessing.parent_process() is None)
    event.register("numba:compile", _listener)


# Kept for callers of the previous API.
ensure_fresh = configure
