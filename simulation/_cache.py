"""A compiled-code cache that cannot be stale, is only read by the code that wrote it,
and never stops the model from running.

numba's ``cache=True`` keys a compiled function on its own source file only: when a
kernel that ``step_month`` calls changes but ``engine.py`` does not, numba would load the
old compiled code and the run would silently use the old rules. Deleting stale files is
not enough either, because numba may cache in several places (``NUMBA_CACHE_DIR``, the
package's ``__pycache__``, the user's cache folder when the package is read-only).

So every compiled function of the model is cached in one folder keyed by a hash of every
``simulation`` source file and of the name the package is imported under::

    <base>/<sha256 of the sources and "backbone.simulation", 16 hex digits>

where ``<base>`` is the user's own ``NUMBA_CACHE_DIR`` when set, else the user's cache
folder (``$XDG_CACHE_HOME/backbone/numba``, default ``~/.cache/backbone/numba``; on
Windows ``%LOCALAPPDATA%/backbone/numba``). Any edit to any source gives a new folder, so
old compiled code is never found; and numba's cache pickles the module names of the code
it compiled, so code compiled under another import name (``simulation`` alone, from a
copy of the folder) is never read by ``backbone.simulation``, nor the other way round.
When ``<base>`` cannot be written, a private folder under the temporary directory is used
instead (owned by this user, mode 0700; else a fresh ``mkdtemp``), with one line on stderr
when it was the user's ``NUMBA_CACHE_DIR``: the model runs, only the compile is not kept
there. Worker processes inherit the keyed folder through the environment and reuse it. In
Backbone's own cache folder, folders of other sources that no run has used for 30 days
are removed. A cache entry that cannot be loaded (a truncated file, an index written by
another numba) is compiled again, with one line on stderr, never a traceback.

When: importing the package writes and deletes nothing. numba asks where to cache a
function when it is decorated, at import; for the model's functions ``Locator`` answers
without touching the disk, and ``defer`` gives each of them a stand-in cache
(``FirstUse``). The first time numba looks for compiled code of the model (the first
``simulate``, Mesa step or kernel call of a process), ``configure`` chooses the folder,
sets ``NUMBA_CACHE_DIR`` (for worker processes), prunes, and gives every compiled
function of the model its real cache (``SafeCache``) there.

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
import threading
from pathlib import Path

from numba.core import caching

PACKAGE = Path(__file__).resolve().parent
PACKAGE_NAME = __name__.rpartition(".")[0]   # "backbone.simulation" ("simulation" for a copy of the folder)
ENV = "NUMBA_CACHE_DIR"
KEY_LENGTH = 16

_announced = False
_listener = None
_configured = False
_unreadable_said = False
_lock = threading.RLock()
cache_dir: Path | None = None     # the folder chosen by configure()


def source_hash() -> str:
    """SHA-256 of every ``*.py`` file of the package (paths and contents)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key() -> str:
    """The cache folder's name: a hash of the sources and of the package's import name."""
    digest = hashlib.sha256(f"{source_hash()}\0{PACKAGE_NAME}".encode())
    return digest.hexdigest()[:KEY_LENGTH]


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
    folder = _private_temp(key)
    if current:
        where = f"{folder} instead" if folder is not None else "nowhere: nothing is kept"
        print(f"backbone: NUMBA_CACHE_DIR={current} cannot be written; compiled code is kept in {where}",
              file=sys.stderr, flush=True)
    return folder


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
    """Once per process, when the model first needs compiled code: choose the keyed
    folder, point numba at it (``NUMBA_CACHE_DIR``, which worker processes inherit), mark
    it used and prune old folders, and give every compiled function of the model its
    real cache there (``SafeCache``; none when no folder can be written). Never raises."""
    global cache_dir, _configured
    with _lock:
        if _configured:
            return cache_dir
        _configured = True
        try:
            folder = choose_dir(cache_key())
        except OSError:
            folder = None
        if folder is not None:
            os.environ[ENV] = str(folder)
            _prune(folder)
            from numba.core import config

            config.CACHE_DIR = str(folder)   # what numba read from the environment at its import
            cache_dir = folder
        _install_announcer()
        for disp in _dispatchers():
            if isinstance(disp._cache, (FirstUse, caching.FunctionCache)) and not isinstance(disp._cache, SafeCache):
                disp._cache = _real_cache(disp.py_func)
        return cache_dir


def _ours(py_func) -> bool:
    module = getattr(py_func, "__module__", "") or ""
    return module == PACKAGE_NAME or module.startswith(PACKAGE_NAME + ".")


def _dispatchers():
    """The model's compiled functions (numba dispatchers) in the modules imported so far."""
    from numba.core.dispatcher import Dispatcher

    seen = set()
    for name, module in list(sys.modules.items()):
        if module is None or not (name == PACKAGE_NAME or name.startswith(PACKAGE_NAME + ".")):
            continue
        for obj in list(vars(module).values()):
            if isinstance(obj, Dispatcher) and id(obj) not in seen and _ours(obj.py_func):
                seen.add(id(obj))
                yield obj


class Locator(caching._SourceFileBackedLocatorMixin, caching._CacheLocator):
    """Where numba caches a function of the model: ``<keyed folder>/<source folder>_<sha1>``
    (the layout of numba's own ``NUMBA_CACHE_DIR`` locator). Asked first, for every
    function numba caches; answers only for the model's (others get numba's usual
    places), and without touching the disk. Until ``configure`` ran, the folder is the
    one it will most likely choose: numba builds a cache on it at import, which
    ``defer`` replaces by ``FirstUse`` before anything reads it."""

    def __init__(self, py_func, py_file):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        folder = cache_dir if _configured else _intended()
        self._cache_path = str((folder or Path(tempfile.gettempdir())) / self.get_suitable_cache_subpath(py_file))

    def get_cache_path(self):
        return self._cache_path

    def ensure_cache_path(self):
        configure()   # numba saves a function's first compile: the model needs its folder now
        super().ensure_cache_path()

    @classmethod
    def from_function(cls, py_func, py_file):
        if not _ours(py_func) or not os.path.exists(py_file):
            return None
        return cls(py_func, py_file)


_INTENDED: list = []


def _intended() -> Path | None:
    """The folder ``configure`` will most likely choose (no disk access but reading the sources)."""
    if not _INTENDED:
        current = os.environ.get(ENV)
        try:
            key = cache_key()
        except OSError:
            key = "unknown"
        if current and Path(current).name.startswith(key):
            _INTENDED.append(Path(current))
        else:
            base = Path(current) if current else default_base()
            _INTENDED.append(base / key if base is not None else None)
    return _INTENDED[0]


def _install_locator() -> None:
    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
    if not any(c is Locator for c in impl._locator_classes):
        impl._locator_classes.insert(0, Locator)


class SafeCache(caching.FunctionCache):
    """numba's cache of one function, except that an entry that cannot be loaded is
    compiled again (one line on stderr, once a process) and one that cannot be saved is
    not kept: neither ever stops a run."""

    def load_overload(self, sig, target_context):
        try:
            return super().load_overload(sig, target_context)
        except Exception as exc:  # noqa: BLE001 - any unreadable entry: compile again
            _say_unreadable(self._cache_path, exc)
            return None

    def save_overload(self, sig, data):
        try:
            super().save_overload(sig, data)
        except Exception:  # noqa: BLE001
            try:  # an index that cannot be read is replaced by an empty one, then saved to
                self._cache_file.flush()
                super().save_overload(sig, data)
            except Exception:  # noqa: BLE001 - not kept; the run goes on
                pass


def _say_unreadable(path, exc: BaseException) -> None:
    """One line for the process (it stands for the compile announcement too)."""
    global _unreadable_said, _announced
    if _unreadable_said:
        return
    _unreadable_said = _announced = True
    reason = " ".join(str(exc).split())[:200]
    print(f"backbone: compiled code in {path} could not be loaded ({type(exc).__name__}: {reason}); "
          "compiling it again (about 20-30 s)", file=sys.stderr, flush=True)


def _real_cache(py_func):
    return SafeCache(py_func) if cache_dir is not None else caching.NullCache()


class FirstUse(caching._Cache):
    """A compiled function's cache until the model first needs one: numba asks it for
    compiled code before it compiles (``load_overload``), which runs ``configure`` and
    hands over to the function's real cache."""

    def __init__(self, dispatcher):
        self._dispatcher = dispatcher

    def _real(self):
        configure()
        disp = self._dispatcher
        if disp._cache is self:   # a function configure did not find in a module
            disp._cache = _real_cache(disp.py_func)
        return disp._cache

    @property
    def cache_path(self):
        return self._real().cache_path

    def load_overload(self, sig, target_context):
        return self._real().load_overload(sig, target_context)

    def save_overload(self, sig, data):
        self._real().save_overload(sig, data)

    def enable(self):
        self._real().enable()

    def disable(self):
        self._real().disable()

    def flush(self):
        self._real().flush()


def defer() -> None:
    """Give each compiled function of the model imported so far a ``FirstUse`` cache
    (after ``configure``, its real cache). No disk access."""
    with _lock:
        for disp in _dispatchers():
            if isinstance(disp._cache, caching.FunctionCache) and not isinstance(disp._cache, SafeCache):
                disp._cache = FirstUse(disp) if not _configured else _real_cache(disp.py_func)


_install_locator()


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
