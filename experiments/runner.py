"""Running experiments: one run (``run_one``), a chunk of runs, and whole sweeps
(``run_experiment``), in memory or into a resumable results folder.

A run is a pure function of (parameters, seed) and returns a small record: its ids, its
factor values and the kept metrics at the horizon (optionally the monthly series as a
few numpy arrays). Only records travel between processes.

Usage::

    from backbone.experiments import load_experiment, run_experiment
    spec = load_experiment("experiments/examples/backbone_share_lhs.toml")
    runs = run_experiment(spec, workers=2)                  # in memory
    runs = run_experiment(spec, out="results/bb_lhs")       # written (and resumable)
    runs = run_experiment(spec, scheduler="tcp://10.0.0.5:8786")   # on a Dask cluster
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from backbone.simulation import Params, simulate

from . import tables
from .executors import SchedulerError, check_address, cpu_count, execute, model_fingerprint
from .spec import SUMMARY_METRICS, ExperimentSpec, load_experiment
from .store import ResultsStore

MAX_CHUNK = 100     # runs per chunk at most (a few seconds of default runs)
TARGET_CHUNKS = 64  # aim for this many chunks on small sweeps, for load balance and resumption


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") and not isinstance(v, (str, bytes)) else v


def run_one(spec_or_params: ExperimentSpec | Params | Mapping[str, Any], point: Mapping[str, Any], seed: int,
            keep_monthly: bool = False, *, point_id: int | None = None, replication: int | None = None,
            outputs: Sequence[str] | None = None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One run: the base parameters (an ``ExperimentSpec``'s base scenario, ``Params`` or
    a dict of overrides) with ``point`` applied, simulated with ``seed``.

    Returns a small record: ``point`` (id; taken from ``point_id`` or a ``"point"`` key
    of ``point``, else -1), ``replication`` (likewise, else -1), ``seed``, the factor
    values, and the metrics at the horizon (``outputs``: a spec's kept metrics, else all
    of ``Result.summary()``; a metric named like a factor is stored as
    ``<name>_metric``). With ``keep_monthly``, ``record["monthly"]`` holds the monthly
    series as ``{metric: numpy array}`` (``month`` included). ``overrides``: a posterior
    draw, applied over the base parameters and under the point's factor values."""
    values = {k: _plain(v) for k, v in point.items()}
    pid = values.pop("point", -1) if point_id is None else point_id
    rep = values.pop("replication", -1) if replication is None else replication
    if isinstance(spec_or_params, ExperimentSpec):
        base = spec_or_params.base.to_dict()
        outputs = spec_or_params.outputs if outputs is None else outputs
    elif isinstance(spec_or_params, Params):
        base = spec_or_params.to_dict()
    else:
        base = dict(spec_or_params or {})
    outputs = SUMMARY_METRICS if outputs is None else tuple(outputs)
    res = simulate(Params({**base, **dict(overrides or {}), **values}), seed=int(seed))
    summary = res.summary()
    record: dict[str, Any] = {"point": int(pid), "replication": int(rep), "seed": int(seed), **values}
    record.update({tables.metric_column(m, values): summary[m] for m in outputs})
    if keep_monthly:
        record["monthly"] = {"month": res.monthly["month"].to_numpy()}
        record["monthly"].update({tables.metric_column(m, values): res.monthly[m].to_numpy()
                                  for m in tables.monthly_metrics(outputs)})
    return record


def run_chunk(base: dict[str, Any], factor_names: Sequence[str], tasks: Sequence[tuple], outputs: Sequence[str],
              keep_monthly: bool, draws: Mapping[int, Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Runs of one chunk: ``tasks`` are (point, replication, seed, factor values) tuples.
    The unit of work sent to a local process or a Dask worker. ``draws``: posterior
    overrides by replication (``experiments.posterior``)."""
    out = []
    for point, rep, seed, values in tasks:
        out.append(run_one(base, dict(zip(factor_names, values)), seed, keep_monthly,
                           point_id=point, replication=rep, outputs=outputs,
                           overrides=draws.get(rep) if draws else None))
    return out


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


def run_chunk_checked(fingerprint: str, *args: Any) -> list[dict[str, Any]]:
    """``run_chunk`` in a worker, after checking that the worker runs the same model code
    as the sweep (its sources may have changed since the sweep started)."""
    here = model_fingerprint()
    if here != fingerprint:
        raise SchedulerError(f"worker {socket.gethostname()}:{os.getpid()} runs other model code (simulation sources "
                             f"{here}, the sweep's {fingerprint}): restart the workers from the sweep's checkout, then "
                             "run the sweep again to resume")
    return run_chunk(*args)


def default_chunk_size(runs_total: int) -> int:
    return max(1, min(MAX_CHUNK, -(-runs_total // TARGET_CHUNKS)))


def _check_workers(workers: int | None) -> int:
    if workers is None:
        return cpu_count()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers = {workers!r} is not allowed: expected a whole number >= 1")
    return workers


def run_experiment(spec: ExperimentSpec | str | Path, out: str | Path | None = None, workers: int | None = None,
                   scheduler: str | None = None, progress: bool | Callable[[int, int], Any] = True,
                   chunk_size: int | None = None,
                   return_months: bool = False, posterior=None
                   ) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame | None]:
    """Run every (design point, replication) of ``spec`` and return the runs table: one
    row per run, sorted by point and replication (columns ``point``, ``replication``,
    ``seed``, the factors, then the kept metrics).

    ``out``: a results folder to write, or to resume if a previous sweep of the same spec
    was interrupted (see ``experiments.store``); without it the sweep runs in memory.
    ``workers``: local processes (default: every core; 1 runs in this process).
    ``scheduler``: a Dask scheduler address (default: ``$DASK_SCHEDULER_ADDRESS``; if
    neither, the local pool). ``progress``: a bar on stderr (runs done, rate, ETA), or a
    function called with (runs done, runs in all) after each chunk. ``chunk_size``: runs
    per chunk (default: about 1/64 of the sweep, at most 100; a folder keeps the size it
    was created with). ``return_months``: also return the monthly table (``None`` unless
    the spec keeps it).
    ``posterior`` (``experiments.posterior.Posterior``): replication r of every point
    draws its calibrated parameters from it (``spec_draws``); a results folder records
    the posterior and refuses to resume with another.
    The table is identical however and wherever the sweep ran."""
    if not isinstance(spec, ExperimentSpec):
        spec = load_experiment(spec)
    workers = _check_workers(workers)
    scheduler = check_address(scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None)
    spec.check_points()
    columns = tables.columns_for(spec)
    size = chunk_size or default_chunk_size(spec.runs_total)
    store = None
    done: dict[int, Any] = {}
    if out is not None:
        session = {"workers": None if scheduler else workers, "scheduler": scheduler, "pid": os.getpid(),
                   "host": socket.gethostname()}
        from .posterior import check_store_posterior

        check_store_posterior(out, posterior)
        store = ResultsStore.create_or_resume(out, spec, size, session)
        size = store.chunk_size
        try:
            done = store.done_chunks()
        except BaseException:
            store.close()
            raise
    n_chunks = -(-spec.runs_total // size)
    todo = (k for k in range(n_chunks) if k not in done)   # lazy: a big sweep builds no list of chunks
    n_todo = n_chunks - len(done)

    points = spec.design_points()
    values = list(zip(*(points[c].tolist() for c in spec.factor_names)))
    seeds = spec.seeds()
    reps = spec.replications
    base = spec.base.to_dict()
    fingerprint = model_fingerprint()
    draws = spec_draws(spec, posterior)

    def chunk_args(k: int) -> tuple:
        start, stop = k * size, min((k + 1) * size, spec.runs_total)
        tasks = [(i // reps, i % reps, seeds[i % reps], values[i // reps]) for i in range(start, stop)]
        mine = {t[1]: draws[t[1]] for t in tasks} if draws else None
        return fingerprint, base, spec.factor_names, tasks, spec.outputs, spec.keep_monthly, mine

    runs_done = sum(t.num_rows for t in done.values())
    report = progress if callable(progress) else None
    bar = _progress_bar(spec, runs_done, progress) if report is None else None
    mem_runs: dict[int, Any] = {}
    mem_months: dict[int, Any] = {}
    complete = False
    if store is not None and posterior is not None:
        from .posterior import record_store_posterior

        record_store_posterior(out, posterior)
    n_workers = min(workers, max(1, n_todo))
    results = execute(run_chunk_checked, ((k, chunk_args(k)) for k in todo), n_workers, scheduler)
    try:
        for k, records in results:
            runs_t = tables.runs_table(records, columns["runs"])
            months_t = tables.months_table(records, columns["months"]) if spec.keep_monthly else None
            if store is not None:
                store.write_chunk(k, runs_t, months_t)
            else:
                mem_runs[k], mem_months[k] = runs_t, months_t
            runs_done += len(records)
            if bar is not None:
                bar.update(len(records))
            if report is not None:
                report(runs_done, spec.runs_total)
        complete = True
    finally:
        results.close()  # stops the pool or the Dask client now, not when garbage-collected
        if bar is not None:
            bar.close()
        if store is not None:
            store.finish(complete)
            store.close()
    if store is not None:
        from .results import load_results

        runs, months = load_results(out, monthly=return_months)
    else:
        runs = tables.to_frame([mem_runs[k] for k in sorted(mem_runs)], columns["runs"])
        months = (tables.to_frame([mem_months[k] for k in sorted(mem_months)], columns["months"])
                  if spec.keep_monthly else None)
    return (runs, months) if return_months else runs


def _progress_bar(spec: ExperimentSpec, initial: int, progress: bool):
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=spec.runs_total, initial=initial, desc=spec.name, unit="run", file=sys.stderr,
                dynamic_ncols=True, mininterval=0.5, leave=False, smoothing=0.05)


__all__ = ["run_one", "run_chunk", "run_experiment", "default_chunk_size", "spec_draws"]
