"""Faults end in one line, and the folder resumes to the table of a clean run.

- A full disk mid-sweep: the disk is filled after a few writes (an injected
  ``OSError(ENOSPC)`` on every write from then on, the manifest's included), and, where
  the tests run as root and may mount one, a real 256 KiB tmpfs. The first cause is
  the one reported: the session's end, which cannot be written either, never replaces it.
- A Dask scheduler lost mid-sweep, and a sweep whose last worker is gone: an in-process
  cluster (``LocalCluster(processes=False)``), stopped from inside the sweep after its
  second chunk is written.

Each fault is met through the command line, in process (``backbone.cli.main.main``):
exit status 2 and exactly one line on stderr (file descriptor 2, so that a log line or a
traceback printed by a library would count too). Then the same command, without the
fault, resumes the folder, and its table equals an uninterrupted in-memory run's.
Tiny sweeps: 12 runs of 300 beneficiaries over 24 months, 2 runs a chunk.
"""

from __future__ import annotations

import builtins
import errno
import json
import logging
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from backbone.cli import common
from backbone.cli.main import main
from backbone.experiments import (SERIAL, ExperimentSpec, StoreError, load_results, read_manifest, run_experiment,
                                  runs_done)
from backbone.experiments import executors
from backbone.experiments import store as store_module

SPEC = {
    "name": "faults", "design": "full_factorial", "replications": 3, "root_seed": 11, "months": 24,
    "keep_monthly": True, "outputs": ["turnovers"], "fixed": {"n_beneficiaries": 300},
    "factors": {"backbone_share": {"levels": [0.0, 0.1, 0.2, 0.3]}},
}
RUNS = 12
CHUNK = 2


@pytest.fixture(scope="module")
def spec() -> ExperimentSpec:
    return ExperimentSpec.from_dict(SPEC)


@pytest.fixture(scope="module")
def reference(spec):
    """The uninterrupted sweep, in memory, in this process."""
    return run_experiment(spec, executor=SERIAL, return_months=True)


@pytest.fixture
def exp(tmp_path) -> Path:
    lines = [f"{k} = {json.dumps(v)}" for k, v in SPEC.items() if not isinstance(v, dict)]
    lines += ["[fixed]", "n_beneficiaries = 300", "[factors.backbone_share]", "levels = [0.0, 0.1, 0.2, 0.3]"]
    path = tmp_path / "exp.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def sweep(exp: Path, out: Path, *extra: str) -> int:
    return main(["sweep", str(exp), "--out", str(out), "--chunk-size", str(CHUNK), "--no-progress", *extra])


def one_line(capfd) -> str:
    """What the command wrote to stderr: exactly one line."""
    err = capfd.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("backbone sweep: error: ")
    return lines[0]


def assert_resumes(exp: Path, out: Path, reference, capfd) -> None:
    """Partly written, then resumed (in this process) to the uninterrupted table."""
    done, total = runs_done(out)
    assert 0 < done < total == RUNS
    assert not [f for f in out.rglob("*.tmp")]   # no temporary file left behind
    assert sweep(exp, out, "--workers", "1") == 0
    assert f"complete, {RUNS} runs ({RUNS - done} of them now" in capfd.readouterr().out
    runs, months = load_results(out)
    pd.testing.assert_frame_equal(runs, reference[0])
    pd.testing.assert_frame_equal(months, reference[1])
    assert read_manifest(out)["status"] == "complete"


# ---------------------------------------------------------------- a full disk
class FullDisk:
    """The results folder's disk, full after ``writes`` successful writes: every write
    after that raises ``OSError(ENOSPC)``, as a real full disk does (installed as the
    store module's ``open``)."""

    def __init__(self, writes: int):
        self.left = writes

    def open(self, path, mode="r", *args, **kwargs):
        f = builtins.open(path, mode, *args, **kwargs)
        return _Limited(f, self) if any(c in mode for c in "wax+") else f


class _Limited:
    def __init__(self, f, disk: FullDisk):
        self.f, self.disk = f, disk

    def write(self, data):
        if self.disk.left <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.f.name)
        self.disk.left -= 1
        return self.f.write(data)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def test_a_full_disk_mid_sweep_is_one_line_then_resumes(exp, tmp_path, reference, capfd, monkeypatch):
    out = tmp_path / "res"
    # the manifest, the design, the manifest with the session, then months + runs of each
    # chunk: full after two chunks
    monkeypatch.setattr(store_module, "open", FullDisk(3 + 2 * 2).open, raising=False)
    assert sweep(exp, out, "--workers", "1") == 2
    line = one_line(capfd)
    assert f"cannot write to results folder {out}: No space left on device; free some space" in line
    assert f"resume ({2 * CHUNK} of {RUNS} runs are saved)" in line
    monkeypatch.undo()
    assert_resumes(exp, out, reference, capfd)


def test_the_progress_bar_is_cleared_before_the_error_line(exp, tmp_path, capfd, monkeypatch):
    """With the progress bar on, what a terminal shows at the end is the error line alone
    (each ``\\r`` returns to the start of the line, and the bar clears itself)."""
    monkeypatch.setattr(store_module, "open", FullDisk(3 + 2 * 2).open, raising=False)
    assert main(["sweep", str(exp), "--out", str(tmp_path / "res"), "--chunk-size", str(CHUNK),
                 "--workers", "1"]) == 2
    err = capfd.readouterr().err
    assert "%|" in err   # the bar was drawn
    shown = [line.split("\r")[-1].strip() for line in err.split("\n")]
    assert [line for line in shown if line] == [next(x for x in shown if x.startswith("backbone sweep: error: "))]


def test_python_callers_get_the_first_cause_as_a_store_error(spec, tmp_path, monkeypatch):
    """The error a Python caller sees is the project's own (``StoreError``), with the
    first cause: the chunk that could not be written, not the manifest after it."""
    out = tmp_path / "res"
    monkeypatch.setattr(store_module, "open", FullDisk(3 + 2).open, raising=False)
    with pytest.raises(StoreError, match="No space left on device.*resume \\(2 of 12 runs are saved\\)") as got:
        run_experiment(spec, out=out, executor=SERIAL, chunk_size=CHUNK)
    assert got.value.__context__ is None or got.value.__suppress_context__
    assert runs_done(out) == (2, RUNS)


@pytest.fixture
def small_disk(tmp_path):
    """A real 256 KiB tmpfs (needs root and the right to mount; else skipped)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_real_full_disk_is_one_line_then_resumes_once_space_is_freed(exp, small_disk, reference, capfd):
    out = small_disk / "res"
    filler = small_disk / "filler"
    # room for the manifest (8 KiB, twice while it is replaced), the design (4 KiB) and a
    # few chunks (20 KiB each), not for all six (about 150 KiB in all)
    filler.write_bytes(b"\0" * (256 - 80) * 1024)
    assert sweep(exp, out, "--workers", "1") == 2
    line = one_line(capfd)
    assert "No space left on device; free some space, then run the sweep on it again to resume" in line
    filler.unlink()
    assert_resumes(exp, out, reference, capfd)


# ---------------------------------------------------------------- Dask: a lost scheduler, no workers left
@pytest.fixture
def cluster():
    """A one-worker Dask cluster in this process (threads, no processes), its own logs
    silenced: only what the sweep's side prints reaches stderr."""
    from distributed import LocalCluster

    quiet = {name: logging.getLogger(name).level for name in
             ("distributed.scheduler", "distributed.worker", "distributed.core", "distributed.nanny",
              "distributed.comm", "distributed.batched", "distributed.worker_state_machine")}
    for name in quiet:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    c = LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                     scheduler_port=0, dashboard_address=None)
    try:
        yield c
    finally:
        try:
            c.close(timeout=2)
        except Exception:  # noqa: BLE001 - its scheduler may have been stopped by the test
            pass
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)


def after_chunks(monkeypatch, n: int, action) -> None:
    """Call ``action()`` once the sweep has written its ``n``-th chunk."""
    write = store_module.ResultsStore.write_chunk
    seen = []

    def wrapped(self, *args):
        write(self, *args)
        seen.append(1)
        if len(seen) == n:
            action()

    monkeypatch.setattr(store_module.ResultsStore, "write_chunk", wrapped)


def test_a_scheduler_lost_mid_sweep_is_one_line_then_resumes(exp, tmp_path, reference, capfd, monkeypatch, cluster):
    out = tmp_path / "res"
    after_chunks(monkeypatch, 2, lambda: cluster.sync(cluster.scheduler.close))
    assert sweep(exp, out, "--scheduler", cluster.scheduler_address) == 2
    line = one_line(capfd)
    assert f"lost the Dask scheduler at {cluster.scheduler_address}" in line
    assert f"{out} keeps the" in line and "run the sweep on it again to resume" in line
    monkeypatch.undo()
    assert_resumes(exp, out, reference, capfd)


def test_a_sweep_with_no_workers_left_stops_in_the_stated_time(exp, tmp_path, reference, capfd, monkeypatch,
                                                               cluster):
    out = tmp_path / "res"
    worker = next(iter(cluster.workers.values()))
    after_chunks(monkeypatch, 2, lambda: cluster.sync(worker.close))
    assert sweep(exp, out, "--scheduler", cluster.scheduler_address, "--no-workers-wait", "1") == 2
    line = one_line(capfd)
    assert f"the Dask scheduler at {cluster.scheduler_address} has had no workers for 1 s" in line
    assert "dask worker" in line and "run the sweep on it again to resume" in line
    monkeypatch.undo()
    assert_resumes(exp, out, reference, capfd)


def test_the_cli_states_the_executors_wait_and_refuses_a_bad_one(exp, tmp_path, capfd):
    assert common.NO_WORKERS_WAIT == executors.NO_WORKERS_WAIT
    assert sweep(exp, tmp_path / "res", "--no-workers-wait", "0") == 2
    assert "--no-workers-wait 0 is not allowed: expected seconds in (0, 86400]" in one_line(capfd)
    assert not (tmp_path / "res").exists()
    for bad in (0, -1, float("inf"), True, "60"):
        with pytest.raises(ValueError, match="no_workers_wait = .* is not allowed: expected seconds > 0"):
            executors.Executor(no_workers_wait=bad)
