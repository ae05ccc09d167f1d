"""Experiments at scale: specs, designs, the runner (local pool or Dask) and the
resumable Parquet results store.

Public API::

    from backbone.experiments import load_experiment, run_experiment, load_results, query
    spec = load_experiment("experiments/examples/backbone_share_lhs.toml")
    spec.design_points()       # one row per design point, one column per factor
    spec.seeds()               # replication seeds from SeedSequence(root_seed)
    runs = run_experiment(spec, out="results/bb", workers=4)   # resumable folder
    runs, months = load_results("results/bb")
    query("results/bb", "SELECT avg(long_term_impact) FROM runs")

The spec format is documented in docs/EXPERIMENTS.md.
"""

from .designs import DESIGNS, Factor, replication_seeds
from .executors import SchedulerError, cpu_count, execute, model_fingerprint
from .results import connect, load_results, query, read_manifest, runs_done
from .runner import run_chunk, run_experiment, run_one
from .spec import ALWAYS_KEPT, SUMMARY_METRICS, ExperimentError, ExperimentSpec, load_experiment
from .store import ResultsStore, StoreError

__all__ = [
    "ExperimentSpec", "ExperimentError", "load_experiment", "DESIGNS", "Factor", "replication_seeds",
    "SUMMARY_METRICS", "ALWAYS_KEPT",
    "run_one", "run_chunk", "run_experiment", "execute", "cpu_count",
    "load_results", "query", "connect", "read_manifest", "runs_done",
    "ResultsStore", "StoreError", "SchedulerError", "model_fingerprint",
]
