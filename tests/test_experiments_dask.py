"""Local and Dask give identical tables: a real `dask scheduler` and two `dask worker`
processes (one thread each) on 127.0.0.1, random free ports, stopped after the tests.
The same sweep runs on the local process pool, on the cluster (by argument and by
DASK_SCHEDULER_ADDRESS, into a results folder), and in this process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.experiments import ExperimentSpec, SchedulerError, load_results, run_experiment

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).with_name("dask")
SPEC = {
    "name": "dask_test", "design": "full_factorial", "replications": 3, "root_seed": 17, "months": 24,
    "keep_monthly": True, "outputs": ["turnovers"], "fixed": {"n_beneficiaries": 500},
    "factors": {"backbone_share": {"range": [0.0, 0.3], "steps": 4}, "regime": {"levels": ["pooled", "isolated"]}},
}


def _start(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([str(DASK), *args], cwd=ROOT, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:  # only the process groups these tests started
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A loopback Dask cluster: one scheduler, two single-threaded workers."""
    from distributed import Client

    tmp = tmp_path_factory.mktemp("dask")
    sched_file = tmp / "scheduler.json"
    procs = [_start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(sched_file)], tmp / "scheduler.log")]
    try:
        deadline = time.monotonic() + 120
        while not sched_file.exists() and time.monotonic() < deadline:
            assert procs[0].poll() is None, (tmp / "scheduler.log").read_text()
            time.sleep(0.2)
        time.sleep(0.2)
        address = json.loads(sched_file.read_text())["address"]
        for i in range(2):
            procs.append(_start(["worker", "--scheduler-file", str(sched_file), "--nthreads", "1", "--nworkers", "1",
                                 "--host", "127.0.0.1", "--no-dashboard", "--name", f"w{i}"], tmp / f"worker{i}.log"))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=180)
        yield address
    finally:
        _stop(procs[1:])
        _stop(procs[:1])


@pytest.fixture(scope="module")
def spec() -> ExperimentSpec:
    return ExperimentSpec.from_dict(SPEC)


def test_local_pool_and_dask_give_identical_tables(cluster, spec, tmp_path, monkeypatch):
    here = run_experiment(spec, executor=SERIAL, return_months=True)
    pool = run_experiment(spec, executor=Executor(workers=2), chunk_size=3, return_months=True)
    dask = run_experiment(spec, executor=Executor(scheduler=cluster), chunk_size=2, return_months=True)
    assert len(here[0]) == 24 and len(here[1]) == 24 * 24
    for got in (pool, dask):
        pd.testing.assert_frame_equal(got[0], here[0])
        pd.testing.assert_frame_equal(got[1], here[1])
    # the address from the environment, into a results folder
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster)
    out = tmp_path / "res"
    run_experiment(spec, out=out)
    runs, months = load_results(out)
    pd.testing.assert_frame_equal(runs, here[0])
    pd.testing.assert_frame_equal(months, here[1])


def test_an_unreachable_scheduler_is_one_clear_error(spec):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        with pytest.raises(SchedulerError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
            run_experiment(spec, executor=Executor(scheduler="tcp://127.0.0.1:9"))
