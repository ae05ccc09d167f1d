"""The one road for runs: ``run_one`` (one run), ``Job`` (runs of one parameter set),
``run_many(jobs, executor)`` (a batch of jobs, chunked, on this process, a local pool or
Dask) and ``run_experiment`` (an ``ExperimentSpec``'s sweep, in memory or into a
resumable results folder). Every batch of runs in the package goes through here: the
analyses (compare, report, claims, validate, calibrate, optimize) describe their arms as
jobs; only this module chunks, seeds and dispatches.

Seeds (docs/EXPERIMENTS.md): replication r of a design with base seed s runs with the
integer seed s + r in every arm and at every design point (common random numbers), so any
replication can be run again alone with ``backbone run SCENARIO --seed N``.

What travels between processes: the job's parameters once per chunk, each run's seed
and overrides, and back a small record per run (the ``keep`` function's output: a few
floats, or numpy arrays for monthly series). Tables are built here, in this process.

Usage::

    from backbone.experiments import Executor, Job, load_experiment, run_experiment, run_many
    spec = load_experiment("experiments/examples/backbone_share_lhs.toml")
    runs = run_experiment(spec, executor=Executor(workers=2))           # in memory
    runs = run_experiment(spec, out="results/bb_lhs")                    # written (and resumable)
    runs = run_experiment(spec, executor=Executor(scheduler="tcp://10.0.0.5:8786"))   # on Dask
    got = run_many({"a": Job.replicated(Params(), 30, seed=0)}, Executor(workers=2))  # {"a": [record, ...]}
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Hashable, Iterator, Mapping, Sequence

import pandas as pd

from backbone.simulation import Params, simulate

from . import tables
from .designs import replication_seeds
from .executors import Executor, SchedulerError, model_fingerprint
from .spec import SUMMARY_METRICS, ExperimentSpec, load_experiment
from .store import ResultsStore

MAX_CHUNK = 100     # runs per chunk at most (a few seconds of default runs)
TARGET_CHUNKS = 64  # aim for this many chunks on small batches, for load balance and resumption
MIN_CHUNK = 10      # runs per chunk at least (unless the job is smaller): each chunk costs a round trip


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") and not isinstance(v, (str, bytes)) else v


# ---------------------------------------------------------------- one run
def summary_record(res, params: Params, seed: int, outputs: Sequence[str] | None = None,
                   monthly: Sequence[str] | None = None, names: Sequence[str] = ()) -> dict[str, Any]:
    """What a run keeps by default: ``outputs`` (default: every summary metric) at the
    horizon, each under ``tables.metric_column(metric, names)``; with ``monthly``, also
    ``record["monthly"]``: ``{"month": array, metric: array}``."""
    summary = res.summary()
    record = {tables.metric_column(m, names): summary[m] for m in (SUMMARY_METRICS if outputs is None else outputs)}
    if monthly is not None:   # numpy arrays straight from the run's output: no DataFrame is built
        record["monthly"] = {"month": res.series("month")}
        record["monthly"].update({tables.metric_column(m, names): res.series(m) for m in monthly})
    return record


def run_one(params: Params | Mapping[str, Any], seed: int, keep: Callable[..., Any] = summary_record,
            **options: Any) -> Any:
    """One run: ``params`` (``Params`` or a dict of parameter values) simulated with
    ``seed``, reduced by ``keep(result, params, seed, **options)`` (default: the summary
    metrics at the horizon, ``summary_record``)."""
    p = params if isinstance(params, Params) else Params(dict(params))
    return keep(simulate(p, seed=int(seed)), p, int(seed), **options)


# ---------------------------------------------------------------- jobs
@dataclass(frozen=True)
class Job:
    """Runs of one parameter set: run i simulates ``params`` with ``overrides[i]`` applied
    (factor values, a posterior draw; None: none) and seed ``seeds[i]``, and keeps
    ``keep(result, params, seed, **options)``. ``keep`` must be a module-level function
    (it travels to the workers by name); ``seeds`` and ``overrides`` may be any
    sequences (a big sweep's are computed on demand)."""

    params: Mapping[str, Any]
    seeds: Sequence[int]
    overrides: Sequence[Mapping[str, Any] | None] | None = None
    keep: Callable[..., Any] = summary_record
    options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def replicated(cls, params: Params | Mapping[str, Any], replications: int, seed: int = 0,
                   draws: Mapping[int, Mapping[str, Any]] | None = None, keep: Callable[..., Any] = summary_record,
                   **options: Any) -> "Job":
        """``replications`` runs of ``params``: replication r with seed ``seed + r`` and
        the posterior draw ``draws[r]`` (``experiments.posterior.replication_draws``)."""
        if replications < 1:
            raise ValueError("replications must be at least 1")
        base = params.to_dict() if isinstance(params, Params) else dict(params)
        over = [draws[r] for r in range(replications)] if draws else None
        return cls(base, replication_seeds(seed, replications), over, keep, options)

    def __len__(self) -> int:
        return len(self.seeds)

    def runs(self, start: int, stop: int) -> list[tuple[int, Mapping[str, Any] | None]]:
        """(seed, overrides) of runs start..stop-1."""
        over = self.overrides
        return [(int(self.seeds[i]), over[i] if over is not None else None) for i in range(start, stop)]


def run_chunk(fingerprint: str | None, params: Mapping[str, Any], runs: Sequence[tuple[int, Mapping | None]],
              keep: Callable[..., Any], options: Mapping[str, Any]) -> list[Any]:
    """The unit of work sent to a local process or a Dask worker: some runs of one job.
    With a ``fingerprint``, first checks that this process runs the same model code as
    the batch (its sources may have changed since the batch started)."""
    if fingerprint is not None:
        here = model_fingerprint()
        if here != fingerprint:
            raise SchedulerError(f"worker {socket.gethostname()}:{os.getpid()} runs other model code (simulation "
                                 f"sources {here}, the batch's {fingerprint}): restart the workers from the batch's "
                                 "checkout, then run it again (a sweep resumes)")
    base = Params(dict(params))
    return [run_one(base.replace(**over) if over else base, seed, keep, **options) for seed, over in runs]


def run_job(job: Job) -> list[Any]:
    """Every run of ``job`` in this process, in order (e.g. inside a calibration's
    particle, which is itself already on a worker)."""
    return run_chunk(None, job.params, job.runs(0, len(job)), job.keep, job.options)


def chunk_size_for(runs_total: int) -> int:
    """Runs per chunk of a batch: about 1/``TARGET_CHUNKS`` of it, between ``MIN_CHUNK``
    and ``MAX_CHUNK``."""
    return max(1, min(MAX_CHUNK, max(MIN_CHUNK, -(-runs_total // TARGET_CHUNKS))))


def run_chunks(jobs: Mapping[Hashable, Job], executor: Executor | None = None, chunk_size: int | None = None,
               skip: Mapping[Hashable, Sequence[int]] | None = None, runs_done: int = 0
               ) -> Iterator[tuple[Hashable, int, list[Any]]]:
    """Run ``jobs`` in chunks of ``chunk_size`` runs (default ``chunk_size_for`` the
    batch; a chunk never mixes jobs) and yield ``(job key, chunk index, records)`` as
    chunks finish. ``skip[key]``: chunk indices already done (a resumed sweep), counted
    with ``runs_done`` in the progress reports."""
    executor = executor or Executor.from_env()
    total = sum(len(job) for job in jobs.values())
    size = chunk_size or chunk_size_for(total)
    skip = {key: set(v) for key, v in (skip or {}).items()}
    fingerprint = model_fingerprint()
    todo = [(key, k) for key, job in jobs.items() for k in range(-(-len(job) // size)) if k not in skip.get(key, ())]

    def tasks():   # built as workers need them: a big sweep holds no list of runs
        for key, k in todo:
            job = jobs[key]
            runs = job.runs(k * size, min((k + 1) * size, len(job)))
            yield (key, k), (fingerprint, job.params, runs, job.keep, job.options)

    done = runs_done
    results = executor.map(run_chunk, tasks(), total - runs_done, len(todo))
    try:
        if executor.progress is not None:
            executor.progress(done, total)
        for (key, k), records in results:
            done += len(records)
            if executor.progress is not None:
                executor.progress(done, total)
            yield key, k, records
    finally:
        try:
            close = getattr(results, "close", None)
            if close is not None:
                close()   # stops the pool or the Dask client now, not when garbage-collected
        finally:
            stop = getattr(executor.progress, "close", None)
            if stop is not None:
                stop()    # a bar left by a batch that stopped early: cleared, so an error line stands alone


def run_many(jobs: Mapping[Hashable, Job], executor: Executor | None = None, chunk_size: int | None = None,
             fold: Callable[[Hashable, int, list[Any]], Any] | None = None) -> dict[Hashable, list[Any]]:
    """Run every job and return ``{key: records}``, each job's records in run order,
    whatever the executor (default: ``Executor.from_env()``). ``fold(key, start,
    records)``: each chunk's records (runs start.. of job ``key``) are folded as they
    arrive (e.g. into an Arrow table, so a big batch holds no list of records), and
    ``{key: folded chunks}`` is returned, in run order."""
    size = chunk_size or chunk_size_for(sum(len(job) for job in jobs.values()))
    got: dict[Hashable, dict[int, Any]] = {key: {} for key in jobs}
    for key, k, records in run_chunks(jobs, executor, size):
        got[key][k] = records if fold is None else fold(key, k * size, records)
    if fold is not None:
        return {key: [got[key][k] for k in sorted(got[key])] for key in jobs}
    return {key: [r for k in sorted(got[key]) for r in got[key][k]] for key in jobs}


# ---------------------------------------------------------------- experiments (specs)
class _Cycle(Sequence):
    """Run i of a spec's sweep (point i // reps, replication i % reps): its seed."""

    def __init__(self, seeds: Sequence[int], reps: int, n: int):
        self.seeds, self.reps, self.n = seeds, reps, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        return self.seeds[i % self.reps]


class _PointOverrides(Sequence):
    """Run i of a spec's sweep: the posterior draw of its replication, then its point's
    factor values on top."""

    def __init__(self, names: Sequence[str], values: Sequence[tuple], reps: int,
                 draws: Mapping[int, Mapping[str, Any]] | None):
        self.names, self.values, self.reps, self.draws = tuple(names), values, reps, draws or {}

    def __len__(self) -> int:
        return len(self.values) * self.reps

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {**self.draws.get(i % self.reps, {}), **dict(zip(self.names, self.values[i // self.reps]))}


def spec_draws(spec: ExperimentSpec, posterior, others: Sequence[ExperimentSpec] = ()
               ) -> dict[int, dict[str, Any]]:
    """Posterior overrides of each replication of ``spec`` (drawn with its root seed):
    names the spec sets itself (``fixed``, factors) or that differ between it and the
    ``others`` (the arms it is compared with) are left to the spec."""
    from .posterior import replication_draws

    if posterior is None:
        return {}
    own = set(spec.factor_names) | set((spec.to_dict().get("fixed") or {}))
    bases = [spec.base.to_dict(), *(o.base.to_dict() for o in others)]
    return replication_draws(posterior, bases, spec.replications, spec.root_seed, skip=own)


def spec_job(spec: ExperimentSpec, draws: Mapping[int, Mapping[str, Any]] | None = None) -> Job:
    """Every run of ``spec`` as one job: run i is design point i // replications,
    replication i % replications (seed ``root_seed + replication``)."""
    points = spec.design_points()
    values = list(zip(*(points[c].tolist() for c in spec.factor_names))) or [()] * len(points)
    monthly = tables.monthly_metrics(spec.outputs) if spec.keep_monthly else None
    return Job(spec.base.to_dict(), _Cycle(spec.seeds(), spec.replications, spec.runs_total),
               _PointOverrides(spec.factor_names, values, spec.replications, draws), summary_record,
               {"outputs": spec.outputs, "monthly": monthly, "names": spec.factor_names})


def spec_tables(spec: ExperimentSpec, job: Job, start: int, records: list[dict[str, Any]]) -> tuple:
    """A chunk's records (runs start.. of ``spec_job(spec)``) as its Arrow tables (runs,
    months or None), with the run ids and factor values added."""
    reps = spec.replications
    over = job.overrides
    for i, rec in enumerate(records, start):
        point = over.values[i // reps] if isinstance(over, _PointOverrides) else ()
        rec.update({"point": i // reps, "replication": i % reps, "seed": int(job.seeds[i]),
                    **{k: _plain(v) for k, v in zip(spec.factor_names, point)}})
    cols = tables.columns_for(spec)
    months = tables.months_table(records, cols["months"]) if spec.keep_monthly else None
    return tables.runs_table(records, cols["runs"]), months


def spec_frames(spec: ExperimentSpec, chunks: Mapping[int, tuple]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The runs and monthly DataFrames of a spec from its chunks' tables (by index)."""
    cols = tables.columns_for(spec)
    runs = tables.to_frame([chunks[k][0] for k in sorted(chunks)], cols["runs"])
    months = (tables.to_frame([chunks[k][1] for k in sorted(chunks)], cols["months"])
              if spec.keep_monthly else None)
    return runs, months


def _open_store(spec: ExperimentSpec, out, executor: Executor, size: int, posterior):
    from .posterior import check_store_posterior

    session = {**executor.describe(), "pid": os.getpid(), "host": socket.gethostname()}
    check_store_posterior(out, posterior)
    store = ResultsStore.create_or_resume(out, spec, size, session)
    try:
        done = store.done_chunks()
    except BaseException:
        store.close()
        raise
    if posterior is not None:
        from .posterior import record_store_posterior

        record_store_posterior(out, posterior)
    return store, done


def run_experiment(spec: ExperimentSpec | str | Path, out: str | Path | None = None,
                   executor: Executor | None = None, chunk_size: int | None = None,
                   return_months: bool = False, posterior=None
                   ) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame | None]:
    """Run every (design point, replication) of ``spec`` and return the runs table: one
    row per run, sorted by point and replication (columns ``point``, ``replication``,
    ``seed``, the factors, then the kept metrics).

    ``out``: a results folder to write, or to resume if a previous sweep of the same spec
    was interrupted (see ``experiments.store``); without it the sweep runs in memory.
    ``executor``: where the runs go and who hears of progress (default
    ``Executor.from_env()``: every core, or the Dask cluster at $DASK_SCHEDULER_ADDRESS).
    ``chunk_size``: runs per chunk (default ``chunk_size_for`` the sweep; a folder keeps
    the size it was created with). ``return_months``: also return the monthly table
    (``None`` unless the spec keeps it). ``posterior``
    (``experiments.posterior.Posterior``): replication r of every point draws its
    calibrated parameters from it (``spec_draws``); a results folder records the
    posterior and refuses to resume with another.
    The table is identical however and wherever the sweep ran."""
    if not isinstance(spec, ExperimentSpec):
        spec = load_experiment(spec)
    executor = executor or Executor.from_env()
    spec.check_points()
    size = chunk_size or chunk_size_for(spec.runs_total)
    store, done = None, {}
    if out is not None:
        store, done = _open_store(spec, out, executor, size, posterior)
        size = store.chunk_size
    job = spec_job(spec, spec_draws(spec, posterior))
    mem: dict[int, tuple] = {}
    complete = False
    try:
        for _, k, records in run_chunks({0: job}, executor, size, skip={0: list(done)},
                                        runs_done=sum(t.num_rows for t in done.values())):
            chunk = spec_tables(spec, job, k * size, records)
            if store is not None:
                store.write_chunk(k, *chunk)
            else:
                mem[k] = chunk
        complete = True
    except SchedulerError as exc:
        if store is None:
            raise
        raise SchedulerError(f"{exc}; {store.folder} keeps the {store.runs_done()} of {store.runs_total} runs "
                             "finished: run the sweep on it again to resume") from None
    finally:
        if store is not None:
            try:
                store.finish(complete, quiet=not complete)   # after a failure, the first cause is the one raised
            finally:
                store.close()
    if store is not None:
        from .results import load_results

        runs, months = load_results(out, monthly=return_months)
    else:
        runs, months = spec_frames(spec, mem)
    return (runs, months) if return_months else runs


def progress_bar(desc: str = "runs") -> Callable[[int, int], None]:
    """A progress callback for an ``Executor``: a bar on stderr (runs done, rate, ETA),
    made at the first report and closed when every run is done."""
    state: dict[str, Any] = {}

    def report(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            from tqdm import tqdm

            class Bar(tqdm):
                monitor_interval = 0   # no monitor thread: a single-threaded process may fork its workers

            bar = state["bar"] = Bar(total=total, initial=done, desc=desc, unit="run", file=sys.stderr,
                                      dynamic_ncols=True, mininterval=0.5, leave=False, smoothing=0.05)
        else:
            bar.update(done - bar.n)
        if done >= total:
            close()

    def close() -> None:
        """Clear the bar (if any) from the terminal."""
        bar = state.pop("bar", None)
        if bar is not None:
            bar.close()

    report.close = close
    return report


__all__ = ["Job", "run_one", "run_job", "run_chunk", "run_chunks", "run_many", "run_experiment",
           "summary_record", "spec_job", "spec_draws", "spec_tables", "spec_frames", "chunk_size_for",
           "progress_bar"]
