"""Sweep throughput and parallel efficiency, measured in one run (not a test).

Run it with ``.venv/bin/python bench/bench_sweep.py`` (``--runs N`` to change the size,
``--json FILE`` to save the figures). What it measures (issue 4):

1. default-scenario runs per second on all cores: an in-memory sweep of the baseline
   scenario (10,000 beneficiaries, 120 months), ``--runs`` runs, on the local pool with
   one worker per core;
2. parallel efficiency of 2 local workers against 1 worker: E = T1 / (2 T2), with T1
   the same sweep in this process (``workers=1``) and T2 on a 2-process pool;
3. parallel efficiency of a 2-worker loopback Dask cluster (a real ``dask scheduler``
   and ``dask worker`` processes, one thread each, on 127.0.0.1) against the same
   cluster with 1 worker (the second worker joins between the two sweeps).

Each figure is given two ways: *end to end* (the wall time of ``run_experiment``,
including starting the pool's processes or connecting and warming Dask workers) and
*steady state* (the rate between the first and the last chunk to finish, which leaves
out that start-up; it is what matters for long sweeps). Target: efficiency >= 90%. This
script is single-threaded, so the local pool is forked from it once its kernels are
loaded (experiments/executors.py, ``_forked``: workers start in milliseconds); a process
that holds threads gets a fork server instead, and runs chunks itself while that pool
starts (``_local``). The forked workers are this process's children, reaped at the
pool's shutdown, so their CPU time counts in ``RUSAGE_CHILDREN``.

The *ceiling* line divides the cores by the CPU time of one run in process (runner
included): the most any scheduling of the runs could give on this machine.

The machine may be shared: the load average is printed before and after, and
wall-clock efficiencies measured while other processes use the cores are lower bounds.
So the CPU time spent per run is measured too (this process, its pool's processes, the
Dask workers): the *CPU efficiency* (CPU per run on 1 worker / CPU per run on 2) shows
the overhead the parallel machinery adds (start-up included), independently of the load,
and *cores used* (CPU seconds / wall seconds) shows how much of the machine the sweep got.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_EFFICIENCY = 0.90


def make_spec(runs: int):
    from backbone.experiments import ExperimentSpec

    # the default scenario; one factor so each run differs a little, like a real sweep
    return ExperimentSpec.from_dict({
        "name": "bench", "scenario": "baseline", "design": "latin_hypercube", "samples": runs,
        "replications": 1, "root_seed": 1, "factors": {"backbone_share": {"range": [0.05, 0.15]}},
    })


def local_cpu() -> float:
    """CPU seconds of this process and its finished children, and of the local pool's
    fork server with its finished children (the pool's workers are forked from it, so
    they are its children, not ours; see experiments/executors.py)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime + fork_server_cpu()


def fork_server_cpu() -> float:
    """CPU seconds of the fork server: its own and its reaped children's (utime, stime,
    cutime, cstime), plus its children not reaped yet (0 before it starts)."""
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)

    def ticks(p, fields: slice) -> int:
        try:
            return sum(int(x) for x in Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[fields])
        except (OSError, ValueError):
            return 0

    if pid is None:
        return 0.0
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        kids = []
    total = sum(ticks(k, slice(11, 13)) for k in kids) + ticks(pid, slice(11, 15))
    return total / os.sysconf("SC_CLK_TCK")


def timed(spec, chunk: int, cpu=local_cpu, **kw) -> dict:
    """Wall time of one in-memory sweep, its steady-state rate from chunk completions,
    and the CPU time it took (``cpu()``: cumulative CPU seconds of whoever runs it)."""
    from backbone.experiments import Executor, run_experiment

    ticks: list[tuple[float, int]] = []
    c0, t0 = cpu(), time.perf_counter()
    run_experiment(spec, executor=Executor(progress=lambda done, total: ticks.append((time.perf_counter(), done)),
                                           **kw), chunk_size=chunk)
    wall = time.perf_counter() - t0
    cpu_s = cpu() - c0
    (t_a, n_a), (t_b, n_b) = ticks[1], ticks[-1]   # ticks[0]: the report before any run
    steady = (n_b - n_a) / (t_b - t_a) if t_b > t_a else float("nan")
    return {"wall_s": wall, "runs_per_s": spec.runs_total / wall, "steady_runs_per_s": steady,
            "cpu_ms_per_run": 1000 * cpu_s / spec.runs_total, "cores_used": cpu_s / wall}


def efficiency(one: dict, two: dict) -> dict:
    return {"end_to_end": two["runs_per_s"] / (2 * one["runs_per_s"]),
            "steady_state": two["steady_runs_per_s"] / (2 * one["steady_runs_per_s"]),
            "cpu": one["cpu_ms_per_run"] / two["cpu_ms_per_run"]}


class LoopbackCluster:
    """A dask scheduler and workers on 127.0.0.1 (random free ports), stopped on exit."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.file = tmp / "scheduler.json"
        self.procs: list[subprocess.Popen] = []
        self.dask = Path(sys.executable).with_name("dask")

    def _start(self, *args: str) -> None:
        log = open(self.tmp / f"proc{len(self.procs)}.log", "wb")
        self.procs.append(subprocess.Popen([str(self.dask), *args], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                           start_new_session=True))

    def __enter__(self) -> "LoopbackCluster":
        self._start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--scheduler-file", str(self.file))
        while not self.file.exists():
            if self.procs[0].poll() is not None:
                raise RuntimeError("dask scheduler did not start: " + (self.tmp / "proc0.log").read_text())
            time.sleep(0.2)
        time.sleep(0.3)
        self.address = json.loads(self.file.read_text())["address"]
        return self

    def cpu(self) -> float:
        """CPU seconds of this process plus every worker process of the cluster."""
        from distributed import Client

        with Client(self.address, timeout=60) as c:
            return local_cpu() + sum(c.run(time.process_time).values())

    def add_worker(self, total: int) -> None:
        from distributed import Client

        self._start("worker", "--scheduler-file", str(self.file), "--nthreads", "1", "--nworkers", "1",
                    "--host", "127.0.0.1", "--no-dashboard")
        with Client(self.address, timeout=60) as c:
            c.wait_for_workers(total, timeout=300)

    def __exit__(self, *exc) -> None:
        for p in reversed(self.procs):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in reversed(self.procs):
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def overhead(spec) -> dict:
    """CPU ms of the runner's own work around the kernels, best of 5 x 300 calls: the
    parameters of a chunk and of each run, the kernels' parameter record, and the result
    of a run reduced to the sweep's record, from the run's output array (frames built only
    when read) and with both frames built (what ``simulate`` did before)."""
    from backbone.experiments import runner
    from backbone.simulation import Params, simulate
    from backbone.simulation.result import Result, event_frame, monthly_frame

    job = runner.spec_job(spec)
    base = Params(dict(job.params))
    res = simulate(base, seed=1)
    out, st = res.monthly.to_numpy(dtype=float), res.state

    def best(f) -> float:
        times = []
        for _ in range(5):
            t0 = time.process_time()
            for _ in range(300):
                f()
            times.append((time.process_time() - t0) / 300)
        return 1000 * min(times)

    return {
        "params_per_chunk_ms": best(lambda: Params(dict(job.params))),
        "params_per_run_ms": best(lambda: base.replace(backbone_share=0.12)),
        "record_ms": best(base.to_record),
        "result_from_array_ms": best(lambda: runner.summary_record(Result(base, 1, out, None, st), base, 1,
                                                                   **job.options)),
        "result_with_frames_ms": best(lambda: runner.summary_record(
            Result(base, 1, monthly_frame(out), event_frame(st), st), base, 1, **job.options)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=400, help="runs per sweep (default-scenario runs)")
    ap.add_argument("--chunk", type=int, default=10, help="runs per chunk")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask measurement")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    ap.add_argument("--overhead", action="store_true",
                    help="only the runner's CPU per run around the kernels (parameters, result, record)")
    args = ap.parse_args(argv)
    if args.overhead:
        from backbone.experiments.executors import warm

        warm()
        o = overhead(make_spec(10))
        print("runner's own CPU a run, around the kernels (best of 5 x 300 calls):")
        for k, v in o.items():
            print(f"  {k:<24}{v:>8.3f} ms")
        return 0

    from backbone.experiments.executors import cpu_count, warm

    cores = cpu_count()
    spec = make_spec(args.runs)
    load_before = os.getloadavg()
    print(f"{args.runs} default-scenario runs per sweep (10,000 beneficiaries, 120 months), chunks of "
          f"{args.chunk}; {cores} cores; load average before: {load_before[0]:.2f}")
    warm()
    out: dict = {"runs": args.runs, "chunk": args.chunk, "cores": cores, "load_before": load_before}
    out["local_1"] = timed(spec, args.chunk, workers=1)
    out["local_2"] = timed(spec, args.chunk, workers=2)
    out["local_all"] = out["local_2"] if cores == 2 else timed(spec, args.chunk, workers=cores)
    out["local_eff"] = efficiency(out["local_1"], out["local_2"])
    if not args.no_dask:
        with tempfile.TemporaryDirectory() as tmp, LoopbackCluster(Path(tmp)) as cluster:
            cluster.add_worker(1)
            out["dask_1"] = timed(spec, args.chunk, cpu=cluster.cpu, scheduler=cluster.address)
            cluster.add_worker(2)
            out["dask_2"] = timed(spec, args.chunk, cpu=cluster.cpu, scheduler=cluster.address)
        out["dask_eff"] = efficiency(out["dask_1"], out["dask_2"])
    out["load_after"] = os.getloadavg()

    print(f"\n{'sweep':<30}{'wall s':>9}{'runs/s':>10}{'steady runs/s':>15}{'CPU ms/run':>12}{'cores used':>12}")
    rows = [("local, 1 worker (in process)", "local_1"), ("local pool, 2 workers", "local_2")]
    if cores != 2:
        rows.append((f"local pool, {cores} workers", "local_all"))
    rows += [("Dask loopback, 1 worker", "dask_1"), ("Dask loopback, 2 workers", "dask_2")]
    for label, key in rows:
        if key in out:
            r = out[key]
            print(f"{label:<30}{r['wall_s']:>9.1f}{r['runs_per_s']:>10.1f}{r['steady_runs_per_s']:>15.1f}"
                  f"{r['cpu_ms_per_run']:>12.1f}{r['cores_used']:>12.2f}")
    print(f"\ndefault-scenario runs per second on all {cores} cores: {out['local_all']['runs_per_s']:.1f} end to end, "
          f"{out['local_all']['steady_runs_per_s']:.1f} steady state")
    one = out["local_1"]["cpu_ms_per_run"]
    print(f"ceiling at {one:.1f} ms CPU a run (1 worker, in process): {1000 * cores / one:.0f} runs/s on {cores} "
          f"cores with no overhead at all; 200 runs/s on 2 cores needs <= 10 ms CPU a run, runner included")
    for label, key in (("2 local workers vs 1", "local_eff"), ("2 Dask workers vs 1", "dask_eff")):
        if key in out:
            e = out[key]
            ok = "meets" if e["steady_state"] >= TARGET_EFFICIENCY else "below"
            print(f"parallel efficiency, {label}: {e['end_to_end']:.0%} end to end, {e['steady_state']:.0%} "
                  f"steady state ({ok} the {TARGET_EFFICIENCY:.0%} target); CPU efficiency {e['cpu']:.0%}")
    print(f"load average after: {out['load_after'][0]:.2f} (other processes on these cores lower the figures)")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
