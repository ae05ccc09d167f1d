"""Experiments at scale: specs, designs, the runner (local pool or Dask) and the
resumable Parquet results store.

Public API::

    from backbone.experiments import load_experiment, run_experiment, load_results, query
    spec = load_experiment("experiments/examples/backbone_share_lhs.toml")
    spec.design_points()       # one row per design point, one column per factor
    spec.seeds()               # replication r runs with seed root_seed + r
    runs = run_experiment(spec, out="results/bb", executor=Executor(workers=4))   # resumable folder
    got = run_many({"a": Job.replicated(Params(), 30, seed=0)}, Executor())   # any batch of runs
    runs, months = load_results("results/bb")
    query("results/bb", "SELECT avg(long_term_impact) FROM runs")

The spec format is documented in docs/EXPERIMENTS.md.
"""

if __name__ != "backbone.experiments":   # the folder imported by its own name, from a checkout:
    try:                                  # be backbone.experiments itself (backbone/__init__.py)
        import backbone as _backbone
        _backbone._adopt(__name__, __file__)
    except ImportError:
        pass

from .designs import DESIGNS, Factor, replication_seeds
from .executors import PARALLEL_FROM, SERIAL, Executor, SchedulerError, cpu_count, model_fingerprint
from .results import connect, load_results, query, read_manifest, runs_done
from .runner import Job, progress_bar, run_experiment, run_job, run_many, run_one
from .spec import ALWAYS_KEPT, SUMMARY_METRICS, ExperimentError, ExperimentSpec, load_experiment
from .store import ResultsStore, StoreError

__all__ = [
    "ExperimentSpec", "ExperimentError", "load_experiment", "DESIGNS", "Factor", "replication_seeds",
    "SUMMARY_METRICS", "ALWAYS_KEPT",
    "Executor", "SERIAL", "PARALLEL_FROM", "Job", "run_one", "run_job", "run_many", "run_experiment", "progress_bar",
    "cpu_count",
    "load_results", "query", "connect", "read_manifest", "runs_done",
    "ResultsStore", "StoreError", "SchedulerError", "model_fingerprint",
]
