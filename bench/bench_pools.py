"""The local pool against the libraries that could replace it (issue 23, item 6): loky's
reusable executor and Dask's LocalCluster, on the sweep of ``bench_sweep.py`` (not a test).

    .venv/bin/python bench/bench_pools.py                  # 3 rounds x 4 pools, 400 runs a sweep (5-10 minutes)
    .venv/bin/python bench/bench_pools.py --rounds 5 --runs 400 --json out/bench/pools.json

Each trial is a fresh Python process (as a ``backbone sweep`` is) that imports the
package, loads its compiled kernels (``executors.warm``) and then times two sweeps in a
row through ``run_experiment`` on 2 workers:

- ``home``: the project's local pool (``experiments/executors.py``: forked from the warm
  process, a window of ``IN_FLIGHT_PER_WORKER`` chunks per worker);
- ``server``: the same pool in a process that holds a thread (a notebook, the app), which
  must not be forked: workers forked from a fork server that loaded the model once per
  process, while this process runs chunks itself until the pool is up (``_local``);
- ``loky``: ``loky.get_reusable_executor`` (fresh interpreters started with fork+exec, each
  importing the model and loading the compile cache), the same window of chunks;
- ``dask``: ``distributed.LocalCluster`` (2 worker processes of 1 thread, nannies,
  scheduler in this process), through the project's Dask path (``Executor(scheduler=...)``).

*first*: the first sweep, from the moment the pool is asked for (its start-up included:
what a command-line sweep pays) to the last result; *again*: a second sweep on the same
pool (loky and Dask keep theirs; the home pool forks anew from the warm process, in
milliseconds). Both are given end to end (runs / wall s) and in steady state (between
the first and the last chunk to finish). Every trial's table is hashed: all must agree.

The rounds alternate the order of the pools (and ``bench/probe.py``'s loop runs before
each trial): on the shared 2-core machine the same code's speed moves by 2x within
minutes, so only figures from the same minutes are compared. The medians of the
rounds, and each pool's ratio to ``home`` round by round, are printed at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

POOLS = ("home", "server", "loky", "dask")
LABEL = {"runs_per_s": "end to end", "steady_runs_per_s": "steady", "cpu_ms_per_run": "CPU a run"}


def _loky():
    """loky's ``get_reusable_executor``: the ``loky`` package (not a dependency of the
    project: ``pip install loky``), else the copy joblib ships (installed with
    scikit-learn), else None."""
    try:
        from loky import get_reusable_executor
    except ImportError:
        try:
            from joblib.externals.loky import get_reusable_executor
        except ImportError:
            return None
    return get_reusable_executor


def _loky_local(fn, tasks, workers):
    """``executors._local`` with loky's reusable executor in place of the home pool."""
    from backbone.experiments import executors

    get_reusable_executor = _loky()
    pool = get_reusable_executor(max_workers=workers, timeout=300, initializer=executors._init_worker,
                                 initargs=(os.getpid(),))
    yield from executors._on_pool(pool, fn, tasks, workers)


def cpu_s() -> float:
    """CPU seconds of this process and every process under it, live (workers, nannies:
    ``psutil``) or reaped (counted in their parent's children times)."""
    import psutil

    me = psutil.Process()
    total = 0.0
    for proc in [me, *me.children(recursive=True)]:
        try:
            t = proc.cpu_times()
        except psutil.Error:   # gone between the listing and the read: counted by its parent
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def _sweep(spec, chunk: int, **kw) -> tuple[dict, str]:
    """One sweep through ``run_experiment``: wall time, steady rate, CPU ms a run (every
    process of the pool, start-up included), the table's hash."""
    from backbone.experiments import Executor, run_experiment

    ticks: list[tuple[float, int]] = []
    c0 = cpu_s()
    t0 = time.perf_counter()
    runs = run_experiment(spec, executor=Executor(progress=lambda d, t: ticks.append((time.perf_counter(), d)), **kw),
                          chunk_size=chunk)
    wall = time.perf_counter() - t0
    cpu = cpu_s() - c0
    (t_a, n_a), (t_b, n_b) = ticks[1], ticks[-1]
    steady = (n_b - n_a) / (t_b - t_a) if t_b > t_a else float("nan")
    digest = hashlib.sha256(runs.to_csv(index=False).encode()).hexdigest()[:16]
    return {"wall_s": wall, "runs_per_s": spec.runs_total / wall, "steady_runs_per_s": steady,
            "cpu_ms_per_run": 1000 * cpu / spec.runs_total}, digest


def child(pool: str, runs: int, chunk: int) -> dict:
    """One trial in this (fresh) process: two sweeps on ``pool``."""
    from bench_sweep import make_spec

    from backbone.experiments import executors

    executors.warm()
    spec = make_spec(runs)
    out: dict = {"pool": pool}
    if pool in ("home", "server"):
        if pool == "server":   # a process holding a thread (a notebook, the app): the fork-server path
            import threading

            threading.Thread(target=threading.Event().wait, daemon=True).start()
            assert not executors._fork_safe()
        out["first"], h1 = _sweep(spec, chunk, workers=2)
        out["again"], h2 = _sweep(spec, chunk, workers=2)
    elif pool == "loky":
        executors._local = _loky_local   # the runner's local path, on loky
        out["first"], h1 = _sweep(spec, chunk, workers=2)
        out["again"], h2 = _sweep(spec, chunk, workers=2)
    elif pool == "dask":
        import dask
        from distributed import LocalCluster

        dask.config.set({"distributed.worker.daemon": False, "distributed.logging.distributed": "error"})
        c0, t0 = cpu_s(), time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          host="127.0.0.1") as cluster:
            start, start_cpu = time.perf_counter() - t0, cpu_s() - c0
            first, h1 = _sweep(spec, chunk, scheduler=cluster.scheduler_address)
            # the cluster's start belongs to the first sweep, as the home pool's does
            first["wall_s"] += start
            first["runs_per_s"] = spec.runs_total / first["wall_s"]
            first["cpu_ms_per_run"] += 1000 * start_cpu / spec.runs_total
            first["cluster_start_s"] = start
            out["first"] = first
            out["again"], h2 = _sweep(spec, chunk, scheduler=cluster.scheduler_address)
    else:
        raise SystemExit(f"pool must be one of {', '.join(POOLS)}")
    out["tables"] = [h1, h2]
    return out


def probe_ms() -> float:
    from probe import probe

    return 1000 * probe(3)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds (each runs every pool once)")
    ap.add_argument("--runs", type=int, default=400, help="default-scenario runs per sweep")
    ap.add_argument("--chunk", type=int, default=10, help="runs per chunk")
    ap.add_argument("--pools", default=",".join(POOLS), help="comma-separated, from: " + ", ".join(POOLS))
    ap.add_argument("--json", metavar="FILE", help="also write every trial as JSON")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.runs, args.chunk)))
        return 0
    pools = [p for p in args.pools.split(",") if p]
    if "loky" in pools and _loky() is None:
        print("loky is not installed (pip install loky): its pool is skipped")
        pools.remove("loky")
    print(f"{args.runs} default-scenario runs a sweep, chunks of {args.chunk}, 2 workers; "
          f"{args.rounds} rounds, pools alternated; load average {os.getloadavg()[0]:.2f}")
    trials: list[dict] = []
    for r in range(args.rounds):
        order = pools if r % 2 == 0 else pools[::-1]
        for pool in order:
            speed = probe_ms()
            load = os.getloadavg()[0]
            proc = subprocess.run([sys.executable, __file__, "--child", pool, "--runs", str(args.runs),
                                   "--chunk", str(args.chunk)], capture_output=True, text=True, cwd=ROOT)
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                return 1
            t = json.loads(proc.stdout.strip().splitlines()[-1])
            t.update(round=r, probe_ms=speed, load=load, probe_after_ms=probe_ms())
            trials.append(t)
            f, a = t["first"], t["again"]
            print(f"round {r} {pool:<5} probe {speed:4.0f}->{t['probe_after_ms']:4.0f} ms load {load:4.2f} | first "
                  f"{f['runs_per_s']:6.1f} runs/s ({f['wall_s']:5.1f} s, steady {f['steady_runs_per_s']:6.1f}) | "
                  f"again {a['runs_per_s']:6.1f} (steady {a['steady_runs_per_s']:6.1f}) | CPU ms a run {f['cpu_ms_per_run']:5.1f}, "
                  f"{a['cpu_ms_per_run']:5.1f} | table {t['tables'][0]}",
                  flush=True)
    hashes = {h for t in trials for h in t["tables"]}
    print(f"\ntables: {'all identical' if len(hashes) == 1 else 'DIFFER: ' + ', '.join(sorted(hashes))}")
    print(f"\n{'pool':<6}{'first runs/s':>14}{'first steady':>14}{'first CPU ms':>14}{'again runs/s':>14}"
          f"{'again steady':>14}{'again CPU ms':>14}   (medians over {args.rounds} rounds; CPU ms a run)")
    med: dict[str, dict[str, float]] = {}
    for pool in pools:
        mine = [t for t in trials if t["pool"] == pool]
        med[pool] = {f"{w}_{k}": statistics.median(t[w][k] for t in mine)
                     for w in ("first", "again") for k in ("runs_per_s", "steady_runs_per_s", "cpu_ms_per_run")}
        m = med[pool]
        print(f"{pool:<6}{m['first_runs_per_s']:>14.1f}{m['first_steady_runs_per_s']:>14.1f}"
              f"{m['first_cpu_ms_per_run']:>14.1f}{m['again_runs_per_s']:>14.1f}"
              f"{m['again_steady_runs_per_s']:>14.1f}{m['again_cpu_ms_per_run']:>14.1f}")
    if "home" in pools:
        print("\nagainst home, round by round (pool's rate / home's rate in the same round; median):")
        for pool in pools:
            if pool == "home":
                continue
            for w in ("first", "again"):
                for k in ("runs_per_s", "steady_runs_per_s", "cpu_ms_per_run"):
                    ratios = [t[w][k] / h[w][k] for r in range(args.rounds)
                              for t in trials if t["pool"] == pool and t["round"] == r
                              for h in trials if h["pool"] == "home" and h["round"] == r]
                    print(f"  {pool:<5} {w:<6} {LABEL[k]:<11}"
                          f"{statistics.median(ratios):6.2f}  ({', '.join(f'{x:.2f}' for x in ratios)})")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"runs": args.runs, "chunk": args.chunk, "trials": trials,
                                               "medians": med}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
