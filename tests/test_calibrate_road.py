"""Calibration on the one road: pyabc's particles go through the project's executor
(``Executor.futures``), on the local pool the sweeps use and on a Dask cluster, whose
workers are checked once by the executor's own check; one local worker stays in this
process and gives the same posterior for the same seed."""

from __future__ import annotations

import concurrent.futures as cf
import os

import pandas as pd
import pytest

pytest.importorskip("pyabc")

from backbone.analysis.calibrate import calibrate, parse_targets
from backbone.experiments import Executor, SchedulerError
from backbone.experiments import executors

from test_calibrate import targets_text

TINY = targets_text({"turnover": (0.25, 0.35), "impact": (0.0, 1.0)}, population=8, generations=2,
                    replications=2, params="turnover_rate = { lo = 0.0, hi = 0.1 }")


def _pid() -> int:
    return os.getpid()


def _fail() -> None:
    raise ValueError("planted")


@pytest.fixture
def spy(monkeypatch):
    """Records each ``Executor.futures`` block: the pool it handed out and the pids of
    the processes that ran its tasks."""
    seen: list[dict] = []
    real = Executor.futures

    class Recording(cf.Executor):
        def __init__(self, pool):
            self.pool, self.n = pool, 0

        def submit(self, fn, /, *args, **kwargs):
            self.n += 1
            return self.pool.submit(fn, *args, **kwargs)

    from contextlib import contextmanager

    @contextmanager
    def futures(self):
        with real(self) as (pool, window):
            rec = Recording(pool)
            seen.append({"pool": pool, "window": window, "rec": rec})
            yield rec, window

    monkeypatch.setattr(Executor, "futures", futures)
    return seen


def test_futures_in_process_with_one_worker():
    with Executor(workers=1).futures() as (pool, window):
        assert pool.submit(_pid).result() == os.getpid() and window == executors.IN_FLIGHT_PER_WORKER
        with pytest.raises(ValueError, match="planted"):
            pool.submit(_fail).result()


@pytest.mark.parametrize("fork_safe", [True, False], ids=["forked", "fork-server"])
def test_futures_on_the_sweeps_local_pool_with_two_workers(fork_safe, monkeypatch):
    made = []
    for name in ("_forked_pool", "process_pool"):
        real = getattr(executors, name)
        monkeypatch.setattr(executors, name, lambda w, real=real, name=name: (made.append(name), real(w))[1])
    monkeypatch.setattr(executors, "_fork_safe", lambda: fork_safe)
    with Executor(workers=2).futures() as (pool, window):
        pids = {f.result() for f in [pool.submit(_pid) for _ in range(8)]}
        assert window == 2 * executors.IN_FLIGHT_PER_WORKER
        assert os.getpid() not in pids and 1 <= len(pids) <= 2
        with pytest.raises(ValueError, match="planted"):
            pool.submit(_fail).result()
    assert made == ["_forked_pool" if fork_safe else "process_pool"]   # the pool a sweep would use here
    with pytest.raises(RuntimeError):   # shut down on leaving the block
        pool.submit(_pid)


def test_a_calibration_on_the_local_pool_sends_every_particle_through_the_project_executor(tmp_path, spy):
    manifest = calibrate(parse_targets(TINY, tmp_path / "t.toml"), tmp_path / "out", executor=Executor(workers=2),
                         log=None)
    assert manifest["status"] == "complete" and manifest["workers"] == 2
    assert len(spy) == 1 and isinstance(spy[0]["pool"], cf.ProcessPoolExecutor)
    # every simulated particle was one task on the pool (pyabc may start a few more and cancel them)
    assert spy[0]["rec"].n >= manifest["simulations"] > 0
    assert len(pd.read_parquet(tmp_path / "out" / "posterior.parquet")) == 16


def test_one_worker_stays_in_process_and_repeats_its_posterior(tmp_path, spy):
    targets = parse_targets(TINY, tmp_path / "t.toml")
    calibrate(targets, tmp_path / "a", executor=Executor(workers=1), log=None)
    calibrate(targets, tmp_path / "b", executor=Executor(workers=1), log=None)
    assert spy == []   # pyabc's SingleCoreSampler, seeded by the targets' seed: no pool
    a, b = (pd.read_parquet(tmp_path / d / "posterior.parquet") for d in ("a", "b"))
    pd.testing.assert_frame_equal(a, b)


def test_a_calibration_on_dask_uses_the_client_executor_after_one_worker_check(tmp_path, spy, monkeypatch):
    distributed = pytest.importorskip("distributed")
    checks = []
    real = executors._check_workers
    monkeypatch.setattr(executors, "_check_workers", lambda *a: (checks.append(a[1]), real(*a))[1])
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        manifest = calibrate(parse_targets(TINY, tmp_path / "t.toml"), tmp_path / "out",
                             executor=Executor(scheduler=address), log=None)
        assert manifest["status"] == "complete" and manifest["scheduler"] == address
        assert len(spy) == 1 and type(spy[0]["pool"]).__name__ == "ClientExecutor"
        assert spy[0]["window"] == 2 * executors.IN_FLIGHT_PER_WORKER   # two threads, two particles each
        assert spy[0]["rec"].n >= manifest["simulations"] > 0
        # the workers checked once per batch, not per particle or generation: the sampler's
        # block, then the predictive check's batch (run_many)
        assert checks == [address, address]
        # a worker running other model code is refused before any particle, in one line
        monkeypatch.setattr(executors, "warm", lambda: "0" * 16)
        with pytest.raises(SchedulerError, match="runs a different model") as err:
            calibrate(parse_targets(TINY, tmp_path / "t.toml"), tmp_path / "other",
                      executor=Executor(scheduler=address), log=None)
        assert "\n" not in str(err.value) and not (tmp_path / "other").exists()
    assert len(pd.read_parquet(tmp_path / "out" / "posterior.parquet")) == 16
