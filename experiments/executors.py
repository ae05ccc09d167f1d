"""Where the chunks of a sweep run: in this process, on a local process pool, or on a
Dask cluster. All three call the same pure function on the same arguments, so they give
the same records; ``execute`` yields them as chunks finish.

- **Local pool** (default): ``ProcessPoolExecutor``, one process per core. Where this
  process is single-threaded on Linux (the command line, a script), the workers are forked from
  it once it has loaded the kernels: they start in milliseconds with everything loaded.
  Otherwise (a process holding threads, which must not be forked) they are forked from a
  fork server that imported the model and loaded numba's compile cache once, and this
  process runs chunks itself while the pool starts (``_local``). Each worker exits by
  itself if the sweep's process dies (kill -9), instead of waiting forever for work.
- **Dask**: ``distributed.Client(address)``; every worker loads the numba cache once
  (``Client.run``) and must run the same model code as this process: its fingerprint
  (a hash of the simulation package's sources) is compared before any work is sent.
- At most a small window of chunks is in flight, so memory stays flat on long sweeps.
- On Dask, a lost scheduler, or no worker for ``Executor.no_workers_wait`` seconds
  (default 60), ends the batch at once with a one-line ``SchedulerError``, not a
  traceback or a silent wait; the chunks that finished were handed over already (a
  sweep into a results folder resumes from them).
- ``Executor.futures()`` hands the same pool, or Dask's ``Client.get_executor()`` after
  the same worker check, as a ``concurrent.futures.Executor`` to code that submits its
  own futures: the calibration's ABC sampler (pyabc's ``ConcurrentFutureSampler``).
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import itertools
import multiprocessing
import os
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Callable, Hashable, Iterable, Iterator

IN_FLIGHT_PER_WORKER = 2


class SchedulerError(RuntimeError):
    """A Dask scheduler that cannot be reached or used, or a worker (local or Dask) that
    runs other model code than the sweep (one-line message)."""


def cpu_count() -> int:
    """Cores this process may use: Dask's count (``dask.system.cpu_count``), the least of
    the machine's cores, this process's CPU affinity and a container's CPU quota (cgroups),
    so a container limited to 2 CPUs on a 64-core host gets 2 workers, not 64."""
    from dask.system import cpu_count as dask_cpu_count

    return dask_cpu_count()


@lru_cache(maxsize=1)
def model_fingerprint() -> str:
    """The model's one fingerprint (16 hex digits of ``simulation._cache.source_hash``, the
    SHA-256 of the simulation package's Python sources): the compiled cache's key, the
    results store's and calibration's check that two processes run the same model."""
    from backbone.simulation import _cache

    return _cache.source_hash()[:_cache.KEY_LENGTH]


def warm() -> str:
    """Load (or compile) numba's cache in this process with a tiny run; return the model
    fingerprint."""
    from backbone.simulation import Params, simulate

    global _WARM
    simulate(Params(n_beneficiaries=10, months=1, n_partners=2, max_recruits=0), seed=0)
    _WARM = True
    return model_fingerprint()


_WARM = False   # this process has run ``warm``: its kernels are loaded


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a pid reused by another user's process
        return True
    return True


def _watch_parent(parent: int, ppid: int) -> None:
    """Exit when the batch's process (``parent``) or this worker's own parent (the fork
    server, which exits with the batch's process) is gone: no worker outlives a kill -9."""
    while True:
        time.sleep(0.5)
        if os.getppid() != ppid or not _alive(parent):
            os._exit(1)


def _init_worker(parent: int) -> None:
    threading.Thread(target=_watch_parent, args=(parent, os.getppid()), daemon=True, name="watch-parent").start()
    warm()   # a no-op cost when the kernels are loaded already (forked from a warm process)
    # What the worker inherited lives as long as it does: the garbage collector need not
    # walk it again (nor touch, and so copy, the pages a fork shares with its parent).
    gc.freeze()


def _fork_safe() -> bool:
    """This process may be forked: Linux (macOS system libraries are not safe to use after
    a fork, which is why Python spawns there by default), and no Python thread but the
    main one running (a fork copies only the calling thread; locks other threads hold
    would stay held in the child). Native threads of numpy's BLAS, Arrow or glibc register
    their own fork handlers."""
    return (sys.platform.startswith("linux") and threading.active_count() == 1
            and threading.current_thread() is threading.main_thread())


def _context():
    """Workers are forked from a fork server that has imported the model and loaded
    numba's compile cache once (``experiments._warm``): starting a worker then costs a
    fork, not an import and a cache load (about 1.5 s of CPU each), and every pool of
    this process reuses the server. The server is single-threaded, so forking it is
    safe where forking this process (which may hold threads) would not be. Where there
    is no fork server (not POSIX), spawned processes."""
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:  # pragma: no cover - Windows
        return multiprocessing.get_context("spawn")
    # "__main__" too: a script's workers then need not import it again each (as spawned
    # workers do); multiprocessing's own recipe (``set_forkserver_preload``).
    ctx.set_forkserver_preload(["__main__", "backbone.experiments._warm"])
    return ctx


Task = tuple[Hashable, tuple[Any, ...]]


def _serial(fn: Callable, tasks: Iterable[Task]) -> Iterator[tuple[Hashable, Any]]:
    for key, args in tasks:
        yield key, fn(*args)


def _windowed(submit: Callable, wait_any: Callable, tasks: Iterable[Task], window: int
              ) -> Iterator[tuple[Hashable, Any]]:
    """Keep ``window`` tasks in flight; yield (key, result) as they finish."""
    it = iter(tasks)
    pending: dict[Any, Hashable] = {}

    def fill() -> None:
        while len(pending) < window:
            try:
                key, args = next(it)
            except StopIteration:
                return
            pending[submit(args)] = key

    fill()
    while pending:
        for fut in wait_any(list(pending)):
            key = pending.pop(fut)
            yield key, fut.result()
        fill()


def _on_pool(pool: cf.ProcessPoolExecutor, fn: Callable, tasks: Iterable[Task], workers: int
             ) -> Iterator[tuple[Hashable, Any]]:
    """``_windowed`` on a local process pool of ``workers``."""
    return _windowed(lambda args: pool.submit(fn, *args),
                     lambda futs: cf.wait(futs, return_when=cf.FIRST_COMPLETED).done,
                     tasks, IN_FLIGHT_PER_WORKER * workers)


def _noop() -> None:
    return None


class _Shared:
    """An iterator that two threads may draw from."""

    def __init__(self, items: Iterable[Task]):
        self.it, self.lock = iter(items), threading.Lock()

    def __iter__(self) -> "_Shared":
        return self

    def __next__(self) -> Task:
        with self.lock:
            return next(self.it)


def _local(fn: Callable, tasks: Iterable[Task], workers: int) -> Iterator[tuple[Hashable, Any]]:
    """On a local pool: forked from this process where that is safe (``_forked``), else
    as follows. Its processes start in a background thread (the fork server
    imports the model and loads the compile cache: 1-2 s of one core); meanwhile, if
    this process has its kernels loaded already (``warm``), it runs chunks itself, on the
    core that would otherwise wait (a process without them would have to load, or in a
    fresh environment compile, them a second time). Each chunk runs once, here or on a
    worker, so the records are the same either way."""
    if _fork_safe():
        yield from _forked(fn, tasks, workers)
        return
    it = _Shared(tasks)
    box: dict[str, Any] = {}
    ready = threading.Event()

    def start() -> None:
        try:
            box["pool"] = pool = process_pool(workers)
            pool.submit(_noop).result()   # a worker is up: the fork server is running
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            box["error"] = exc
        finally:
            ready.set()

    threading.Thread(target=start, daemon=True, name="pool-start").start()
    ok = False
    try:
        while _WARM and not ready.is_set():
            try:
                key, args = next(it)
            except StopIteration:   # every chunk ran here: the pool is not needed
                ok = True
                return
            yield key, fn(*args)
        ready.wait()
        if "error" in box:
            raise box["error"]
        pool = box["pool"]
        yield from _on_pool(pool, fn, it, workers)
        ok = True
    finally:
        ready.wait()
        if "pool" in box:
            box["pool"].shutdown(wait=ok, cancel_futures=True)


def _forked_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A local pool of ``workers`` processes forked from this single-threaded process,
    once it has its kernels loaded (``warm``; in a fresh environment this compiles them,
    once, here): each worker starts as a copy of it, with nothing to import or load (a
    fork server's start costs about 2 s of one core). ProcessPoolExecutor forks all its
    workers at the first submit, before its own manager thread starts. The caller shuts
    it down."""
    if not _WARM:
        warm()
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                  initializer=_init_worker, initargs=(os.getpid(),))
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns at any fork of a process with native threads (numpy's
            # BLAS starts some at import): those register their own fork handlers, and
            # no Python thread is running (_fork_safe), which is what the warning is about.
            warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks", category=DeprecationWarning)
            pool.submit(_noop).result()   # every worker forked now, before the pool's manager thread
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    return pool


def _forked(fn: Callable, tasks: Iterable[Task], workers: int) -> Iterator[tuple[Hashable, Any]]:
    """On a local pool forked from this single-threaded process (``_forked_pool``)."""
    pool = _forked_pool(workers)
    ok = False
    try:
        yield from _on_pool(pool, fn, tasks, workers)
        ok = True
    finally:
        pool.shutdown(wait=ok, cancel_futures=True)


def process_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A local pool of ``workers`` processes forked from the fork server (``_context``),
    each with numba's cache loaded and set to exit if this process dies: the pool
    ``execute`` (and ``Executor.futures``) uses where this process may not be forked.
    The caller shuts it down."""
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=_init_worker,
                                  initargs=(os.getpid(),))


SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")


def check_address(address: str | None) -> str | None:
    """A Dask scheduler address in the form ``[SCHEME://]HOST:PORT`` (SCHEME one of
    tcp, tls, ws, wss, ucx, inproc; PORT 1-65535), checked before anything is created or
    run; otherwise a one-line SchedulerError."""
    if address is None or address == "":
        return None
    text = str(address).strip()
    form = "expected [tcp://]HOST:PORT, e.g. tcp://10.0.0.5:8786"
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme not in SCHEMES:
        raise SchedulerError(f"scheduler address {address!r} is not allowed: unknown scheme "
                             f"'{scheme}' ({', '.join(SCHEMES)}); {form}")
    if scheme == "inproc":
        return text
    host, colon, port = rest.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if (not colon or not host or not port.isdigit() or not 1 <= int(port) <= 65535
            or any(c.isspace() or c in "/?#@" for c in host)):
        raise SchedulerError(f"scheduler address {address!r} is not allowed: {form}")
    return text


def dask_client(address: str):
    """A ``distributed.Client`` for ``address``, or a one-line SchedulerError. The wait
    for the connection is Dask's own setting (``distributed.comm.timeouts.connect``,
    e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=10s``)."""
    from distributed import Client

    check_address(address)
    try:
        return Client(address, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SchedulerError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


NO_WORKERS_WAIT = 60.0   # seconds a Dask batch waits with no worker before it stops (Executor.no_workers_wait)


def _quiet_close(client, lost: bool) -> None:
    """Close ``client``; after a lost scheduler, without the traceback Dask logs when its
    attempt to reconnect is cut short (the one-line SchedulerError says what happened)."""
    import logging

    log = logging.getLogger("distributed.client")
    level = log.level
    if lost:
        log.setLevel(logging.CRITICAL)
    try:
        client.close(timeout=10)
    except Exception:  # noqa: BLE001 - closing a client whose scheduler is gone: nothing to keep
        pass
    finally:
        log.setLevel(level)


def _scheduler_lost(client, exc: BaseException) -> bool:
    """Whether ``exc`` (raised while waiting on the cluster) means the scheduler is gone:
    futures cancelled because the connection was lost, a closed connection, or a client no
    longer connected. A task's own error is not: it is raised as it is."""
    from concurrent.futures import CancelledError

    return isinstance(exc, (CancelledError, OSError)) or client.status != "running"


def _lost(address: str, exc: BaseException) -> SchedulerError:
    why = getattr(exc, "reason", None) or " ".join(str(exc).split())[:120] or exc.__class__.__name__
    return SchedulerError(f"lost the Dask scheduler at {address} ({why})")


def _check_workers(client, address: str, no_workers_wait: float) -> None:
    """Wait up to ``no_workers_wait`` seconds for a worker, then load the numba cache on
    every worker (``warm``) and compare its model fingerprint with this process's: a
    one-line ``SchedulerError`` if there is no worker, or one runs other model code."""
    try:
        client.wait_for_workers(1, timeout=no_workers_wait)
    except TimeoutError:
        raise SchedulerError(f"the Dask scheduler at {address} has had no workers for {no_workers_wait:g} s "
                             f"(start some: dask worker {address})") from None
    here = model_fingerprint()
    for worker, theirs in client.run(warm).items():
        if theirs != here:
            raise SchedulerError(f"Dask worker {worker} runs a different model (fingerprint {theirs}, "
                                 f"here {here}): "
                                 "start the workers from the same checkout")


def _dask(fn: Callable, tasks: Iterable[Task], address: str, no_workers_wait: float = NO_WORKERS_WAIT
          ) -> Iterator[tuple[Hashable, Any]]:
    """On the Dask cluster at ``address``, ``_windowed``. A lost scheduler, or a cluster
    with no worker for ``no_workers_wait`` seconds (at the start or later), ends the batch
    with a one-line ``SchedulerError``; the chunks that finished were yielded already."""
    client = dask_client(address)
    poll = min(1.0, no_workers_wait / 4)
    gone = f"no workers for {no_workers_wait:g} s (start some: dask worker {address})"
    with _guarded(client, address):
        _check_workers(client, address, no_workers_wait)
        window = IN_FLIGHT_PER_WORKER * max(1, sum(client.nthreads().values()))
        it = iter(tasks)
        pending: dict[Any, Hashable] = {}
        ready = threading.Event()   # set when a future finishes (or is cancelled)

        def fill() -> None:
            for key, args in itertools.islice(it, window - len(pending)):
                fut = client.submit(fn, *args, pure=False)
                fut.add_done_callback(lambda _: ready.set())
                pending[fut] = key

        fill()
        idle_since = None
        while pending:
            ready.wait(poll)
            ready.clear()
            done = [fut for fut in pending if fut.done()]
            if not done:   # nothing finished for a while: is the scheduler there, with workers?
                if client.status != "running":   # reconnecting would not bring the futures back
                    raise ConnectionError(f"client {client.status}")
                if client.nthreads():
                    idle_since = None
                elif idle_since is None:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since >= no_workers_wait:
                    raise SchedulerError(f"the Dask scheduler at {address} has had {gone}")
                continue
            idle_since = None
            for fut in done:
                key = pending.pop(fut)
                yield key, fut.result()
            fill()


@contextmanager
def _guarded(client, address: str) -> Iterator[None]:
    """While ``client`` is in use: a lost scheduler is a one-line ``SchedulerError`` (the
    first cause wins: a ``SchedulerError`` passes as it is); the client is closed after,
    quietly when the scheduler is gone."""
    lost = False
    try:
        yield
    except SchedulerError:
        raise
    except Exception as exc:
        if not _scheduler_lost(client, exc):
            raise
        lost = True
        raise _lost(address, exc) from None
    finally:
        _quiet_close(client, lost or client.status != "running")


@contextmanager
def _dask_futures(address: str, no_workers_wait: float = NO_WORKERS_WAIT) -> Iterator[tuple[cf.Executor, int]]:
    """``Client.get_executor()`` on the cluster at ``address``, once its workers are
    checked (``_check_workers``), and the tasks to keep in flight (``IN_FLIGHT_PER_WORKER``
    per worker thread); a lost scheduler while it is in use is a one-line
    ``SchedulerError``; the client is closed after."""
    import logging

    client = dask_client(address)
    quiet, log = _CancelledQuiet(), logging.getLogger("tornado.application")
    log.addFilter(quiet)
    try:
        with _guarded(client, address):
            _check_workers(client, address, no_workers_wait)
            pool = client.get_executor(pure=False)   # each call is a new task, even with equal arguments
            try:
                yield pool, IN_FLIGHT_PER_WORKER * max(1, sum(client.nthreads().values()))
            finally:
                pool.shutdown(wait=False)
    finally:
        log.removeFilter(quiet)


class _CancelledQuiet:
    """A logging filter that drops the traceback tornado logs when a future the caller
    cancelled (pyabc cancels the particles it no longer needs) finishes at that moment:
    ``ClientExecutor`` then fails to fetch a result that nobody will read."""

    def filter(self, record) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, cf.CancelledError)


def execute(fn: Callable, tasks: Iterable[Task], workers: int = 1, scheduler: str | None = None,
            no_workers_wait: float = NO_WORKERS_WAIT) -> Iterator[tuple[Hashable, Any]]:
    """Run ``fn(*args)`` for each ``(key, args)`` task and yield ``(key, result)`` in the
    order tasks finish: on Dask if ``scheduler`` is given (stopping with a
    ``SchedulerError`` when it is lost or has had no worker for ``no_workers_wait``
    seconds), else on ``workers`` local processes (in this process when ``workers == 1``)."""
    if scheduler:
        return _dask(fn, tasks, scheduler, no_workers_wait)
    if workers <= 1:
        return _serial(fn, tasks)
    return _local(fn, tasks, workers)


class _InProcess(cf.Executor):
    """``concurrent.futures.Executor`` in this process: ``submit`` runs the call at once
    and returns its finished future (``Executor.futures`` with one worker)."""

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed over in the future, as a pool would
            fut.set_exception(exc)
        return fut


PARALLEL_FROM = 100   # runs: with workers left to the executor, smaller batches run in this process
                      # (starting worker processes costs more than they save)


@dataclass(frozen=True)
class Executor:
    """Where a batch of runs goes, made once (by the CLI, a notebook, a test) and handed
    down to whatever runs: ``workers`` local processes (None: every core, or this
    process for batches under ``PARALLEL_FROM`` runs; 1: this process), or a Dask
    cluster at ``scheduler`` (``[tcp://]HOST:PORT``), and ``progress``, a function called
    with (runs done, runs in all) after each chunk, or None. On Dask, a batch that has had
    no worker for ``no_workers_wait`` seconds (default 60) stops with a one-line
    ``SchedulerError``, as does one whose scheduler is lost: a sweep into a results folder
    resumes from the chunks it finished.

    Checked when made: a bad ``workers`` or ``no_workers_wait`` is a ValueError, a bad
    address a one-line ``SchedulerError``. ``Executor.from_env(...)`` takes the scheduler
    from ``$DASK_SCHEDULER_ADDRESS`` when none is given."""

    workers: int | None = None
    scheduler: str | None = None
    progress: Callable[[int, int], Any] | None = None
    no_workers_wait: float = NO_WORKERS_WAIT

    def __post_init__(self) -> None:
        w = self.workers
        if w is not None and (isinstance(w, bool) or not isinstance(w, int) or w < 1):
            raise ValueError(f"workers = {w!r} is not allowed: expected a whole number >= 1")
        t = self.no_workers_wait
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t < float("inf"):
            raise ValueError(f"no_workers_wait = {t!r} is not allowed: expected seconds > 0")
        object.__setattr__(self, "scheduler", check_address(self.scheduler))

    @classmethod
    def from_env(cls, workers: int | None = None, scheduler: str | None = None,
                 progress: Callable[[int, int], Any] | None = None,
                 no_workers_wait: float = NO_WORKERS_WAIT) -> "Executor":
        return cls(workers, scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None, progress, no_workers_wait)

    def quiet(self) -> "Executor":
        """The same place, without progress (for batches inside a longer loop)."""
        return replace(self, progress=None)

    def n_workers(self, runs: int, tasks: int) -> int:
        """Local processes for a batch of ``runs`` runs in ``tasks`` chunks."""
        if self.workers is None:
            return min(cpu_count(), tasks) if runs >= PARALLEL_FROM else 1
        return max(1, min(self.workers, tasks))

    def map(self, fn: Callable, tasks: Iterable[Task], runs: int, n_tasks: int) -> Iterator[tuple[Hashable, Any]]:
        """``execute`` on this executor's processes or cluster."""
        return execute(fn, tasks, self.n_workers(runs, n_tasks), self.scheduler, self.no_workers_wait)

    @contextmanager
    def futures(self) -> Iterator[tuple[cf.Executor, int]]:
        """A ``concurrent.futures.Executor`` on this executor's processes or cluster, for
        callers that submit their own futures (the calibration's ABC sampler), and the
        number of tasks to keep in flight (``IN_FLIGHT_PER_WORKER`` per worker), as
        ``with executor.futures() as (pool, window): ...``:

        - on Dask, ``Client.get_executor()``, once every worker has been checked to run
          this model (``_check_workers``, as a sweep's); a lost scheduler while it is in
          use is a one-line ``SchedulerError``;
        - else, with ``workers`` (None: every core) above 1, the local pool a sweep uses:
          forked from this process once its kernels are loaded where that is safe
          (``_forked_pool``), else from the fork server (``process_pool``);
        - with 1 worker, this process (each submit runs at once).

        The pool is shut down (the client closed) on leaving the block."""
        if self.scheduler:
            with _dask_futures(self.scheduler, self.no_workers_wait) as got:
                yield got
            return
        workers = self.workers or cpu_count()
        if workers <= 1:
            if not _WARM:
                warm()
            yield _InProcess(), IN_FLIGHT_PER_WORKER
            return
        pool = _forked_pool(workers) if _fork_safe() else process_pool(workers)
        ok = False
        try:
            yield pool, IN_FLIGHT_PER_WORKER * workers
            ok = True
        finally:
            pool.shutdown(wait=ok, cancel_futures=True)

    def describe(self) -> dict[str, Any]:
        """Where the runs go, for a results folder's manifest."""
        return {"workers": None if self.scheduler else (self.workers or cpu_count()), "scheduler": self.scheduler}


SERIAL = Executor(workers=1)


__all__ = ["Executor", "SERIAL", "PARALLEL_FROM", "NO_WORKERS_WAIT", "execute", "process_pool", "dask_client",
           "check_address", "warm", "cpu_count", "model_fingerprint", "SchedulerError"]
