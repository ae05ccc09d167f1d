"""The runner in memory: run_one's record, the runs table, common random numbers.
Small runs (300 beneficiaries, 24 months), in this process (workers=1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.experiments import SUMMARY_METRICS, ExperimentSpec, SchedulerError, model_fingerprint, run_experiment, run_one
from backbone.experiments import Job, run_job, run_many
from backbone.experiments.runner import run_chunk, summary_record
from backbone.simulation import Params, simulate

SMALL = {"n_beneficiaries": 300}


def make_spec(**over) -> ExperimentSpec:
    d = {"design": "full_factorial", "replications": 3, "root_seed": 42, "months": 24, "fixed": SMALL,
         "factors": {"backbone_share": {"range": [0.0, 0.2], "steps": 3},
                     "regime": {"levels": ["pooled", "isolated"]}}}
    d.update(over)
    return ExperimentSpec.from_dict(d)


def test_run_one_is_simulate_summarized():
    s = make_spec()
    p = s.base.replace(backbone_share=0.1, regime="isolated")
    rec = run_one(p, seed=7)
    ref = simulate(p, seed=7).summary()
    for m in SUMMARY_METRICS:
        assert rec[m] == ref[m], m
    assert "monthly" not in rec


def test_run_one_with_a_params_dict_and_monthly():
    rec = run_one({**SMALL, "months": 12, "integration": 0.8}, seed=3, monthly=["impact_share"],
                  names=("integration",))
    res = simulate(Params({**SMALL, "months": 12, "integration": 0.8}), seed=3)
    assert rec["long_term_impact"] == res.summary()["long_term_impact"]
    # 'integration' is a parameter and a metric (realized integration): named like a factor, the metric is renamed
    assert rec["integration_metric"] == res.summary()["integration"]
    assert np.array_equal(rec["monthly"]["month"], np.arange(1, 13))
    assert np.array_equal(rec["monthly"]["impact_share"], res.monthly["impact_share"].to_numpy())


def test_a_job_runs_its_seeds_and_overrides_in_order():
    base = {**SMALL, "months": 12}
    job = Job.replicated(base, 3, seed=10, draws={0: {"backbone_share": 0.0}, 1: {}, 2: {"backbone_share": 0.2}})
    assert list(job.seeds) == [10, 11, 12]
    got = run_many({"j": job}, SERIAL, chunk_size=2)["j"]
    for r, rec in enumerate(got):
        p = Params({**base, **job.overrides[r]})
        assert rec["long_term_impact"] == simulate(p, seed=10 + r).summary()["long_term_impact"]
    assert got == run_job(job)


def test_runs_table_shape_order_and_common_random_numbers():
    s = make_spec()
    runs = run_experiment(s, executor=SERIAL)
    pts = s.design_points()
    assert len(runs) == len(pts) * 3 == 18
    assert list(runs.columns[:5]) == ["point", "replication", "seed", "backbone_share", "regime"]
    assert list(runs.columns[5:]) == list(s.outputs)
    assert runs[["point", "replication"]].equals(
        pd.DataFrame({"point": np.repeat(np.arange(6), 3), "replication": np.tile(np.arange(3), 6)}))
    # replication r runs with seeds()[r] at every point: common random numbers
    assert (runs["seed"].to_numpy() == np.array(s.seeds())[runs["replication"]]).all()
    assert runs.groupby("replication")["seed"].nunique().eq(1).all()
    # factor columns are the design's
    merged = runs.merge(pts.reset_index(), on="point", suffixes=("", "_design"))
    assert (merged["backbone_share"] == merged["backbone_share_design"]).all()
    assert (merged["regime"] == merged["regime_design"]).all()
    # each row is the run it claims to be
    row = runs.iloc[10]
    again = run_one(s.base.replace(backbone_share=float(row["backbone_share"]), regime=row["regime"]),
                    int(row["seed"]))
    assert again["long_term_impact"] == row["long_term_impact"]
    # same spec, same table
    assert run_experiment(s, executor=SERIAL).equals(runs)


def test_common_random_numbers_pair_the_points():
    # value_per_outcome_year only monetizes outcomes (SROI): on common random numbers
    # every point of a replication has the same trajectory; replications differ
    s = make_spec(factors={"value_per_outcome_year": {"levels": [30.0, 60.0]}}, replications=2)
    runs = run_experiment(s, executor=SERIAL)
    a = runs[runs["point"] == 0].reset_index(drop=True)
    b = runs[runs["point"] == 1].reset_index(drop=True)
    assert a["impact_share"].equals(b["impact_share"]) and a["mean_trust"].equals(b["mean_trust"])
    assert np.allclose(b["sroi"], 2 * a["sroi"])
    assert a["mean_trust"].iloc[0] != a["mean_trust"].iloc[1]


def test_outputs_and_monthly_table():
    s = make_spec(outputs=["turnovers"], keep_monthly=True, replications=2,
                  factors={"regime": {"levels": ["pooled", "isolated"]}})
    runs, months = run_experiment(s, executor=SERIAL, return_months=True)
    assert "turnovers" in runs.columns and "hours_home" not in runs.columns
    assert len(months) == len(runs) * 24
    assert list(months.columns[:3]) == ["point", "replication", "month"]
    assert "long_term_impact" not in months.columns and "turnovers" in months.columns
    last = months[months["month"] == 24].reset_index(drop=True)
    assert np.array_equal(last["impact_share"].to_numpy(), runs["impact_share"].to_numpy())
    # long_term_impact is the mean impact over the last 12 months
    tail = months[months["month"] > 12].groupby(["point", "replication"])["impact_share"].mean().to_numpy()
    assert np.allclose(tail, runs["long_term_impact"].to_numpy())


def test_bool_factor_and_workers_check():
    s = make_spec(factors={"use_population": {"levels": [True, False]}}, replications=1)
    runs = run_experiment(s, executor=SERIAL)
    assert runs["use_population"].dtype == bool and runs["use_population"].tolist() == [True, False]
    with pytest.raises(ValueError, match="workers = 0"):
        Executor(workers=0)


def test_a_worker_with_other_model_code_is_refused():
    s = make_spec()
    args = (s.base.to_dict(), [(1, {"backbone_share": 0.1})], summary_record, {"outputs": ("long_term_impact",)})
    want = simulate(s.base.replace(backbone_share=0.1), seed=1).summary()["long_term_impact"]
    assert run_chunk(model_fingerprint(), *args) == [{"long_term_impact": want}]
    with pytest.raises(SchedulerError, match="runs other model code"):
        run_chunk("0" * 16, *args)


def test_the_executor_is_checked_when_made_and_sizes_its_pool():
    from backbone.experiments import PARALLEL_FROM, cpu_count

    with pytest.raises(SchedulerError, match="not allowed"):
        Executor(scheduler="tcp://host:99999")
    with pytest.raises(ValueError, match="workers = True"):
        Executor(workers=True)
    auto = Executor()
    assert auto.n_workers(PARALLEL_FROM - 1, 10) == 1                       # small batches: this process
    assert auto.n_workers(PARALLEL_FROM, 10) == min(cpu_count(), 10)
    assert Executor(workers=8).n_workers(5, 3) == 3                          # never more workers than chunks
    assert Executor.from_env(2).scheduler is None


def test_the_pool_follows_a_containers_cpu_quota(monkeypatch):
    """The count of cores is Dask's: a planted cgroup quota of 1.5 CPUs (150 ms per 100 ms)
    on this machine's cores gives at most 2 workers, and a quota of 1 CPU one."""
    import dask.system

    from backbone.experiments import PARALLEL_FROM, cpu_count

    free = cpu_count()
    monkeypatch.setattr(dask.system, "LINUX", True)
    monkeypatch.setattr(dask.system, "_try_extract_cgroup_cpu_quota", lambda: (150_000, 100_000))
    assert cpu_count() == min(free, 2)
    monkeypatch.setattr(dask.system, "_try_extract_cgroup_cpu_quota", lambda: (100_000, 100_000))
    assert cpu_count() == 1
    assert Executor().n_workers(PARALLEL_FROM, 10) == 1


def test_progress_counts_runs_of_every_job():
    seen = []
    jobs = {k: Job.replicated({**SMALL, "months": 6}, 5, seed=0) for k in "ab"}
    run_many(jobs, Executor(workers=1, progress=lambda d, t: seen.append((d, t))), chunk_size=2)
    assert seen[0] == (0, 10) and seen[-1] == (10, 10) and len(seen) == 1 + 6   # 3 chunks per job



def record_with_pid(res, params, seed):
    """A keep function that also says which process ran the run, and its parent."""
    import os

    return summary_record(res, params, seed), (os.getpid(), os.getppid())


FORKED = """
import json, os
from backbone.experiments import SERIAL, Executor, Job, run_many
from backbone.experiments.runner import summary_record
from backbone.simulation import Params

def keep(res, params, seed):
    return summary_record(res, params, seed), (os.getpid(), os.getppid())

if __name__ == "__main__":
    job = Job.replicated(Params({"n_beneficiaries": 300}, months=24), 40, seed=5, keep=keep)
    serial = run_many({"a": job}, SERIAL, chunk_size=1)["a"]
    pooled = run_many({"a": job}, Executor(workers=2), chunk_size=1)["a"]
    print(json.dumps({"same": [r for r, _ in pooled] == [r for r, _ in serial], "me": os.getpid(),
                      "ran": sorted({tuple(w) for _, w in pooled})}))
"""


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="the pool forks on Linux only")
def test_a_single_threaded_process_forks_its_pool_and_the_records_are_the_same(tmp_path):
    # in a fresh interpreter: this one may hold threads left by other tests (Dask's, ...)
    import json
    import subprocess
    import sys

    script = tmp_path / "forked.py"
    script.write_text(FORKED)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["same"]
    assert out["ran"] and all(ppid == out["me"] for _, ppid in out["ran"])   # forked from it, not a fork server
    assert out["me"] not in {pid for pid, _ in out["ran"]}


def test_a_process_with_threads_uses_the_fork_server_and_runs_chunks_while_its_pool_starts():
    import os
    import threading

    from backbone.experiments import executors

    executors.warm()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()   # this process may no longer be forked
    try:
        assert not executors._fork_safe()
        job = Job.replicated(Params(SMALL, months=24), 40, seed=5, keep=record_with_pid)
        serial = run_many({"a": job}, SERIAL, chunk_size=1)["a"]
        pooled = run_many({"a": job}, Executor(workers=2), chunk_size=1)["a"]
    finally:
        stop.set()
    assert [r for r, _ in pooled] == [r for r, _ in serial]
    ran = {who for _, who in pooled}
    # chunks are taken here before the pool has started (which of them depends on timing)
    assert os.getpid() in {pid for pid, _ in ran}
    assert all(ppid != os.getpid() for pid, ppid in ran if pid != os.getpid())   # the fork server's children
