"""The model's speed and memory, measured in one run and printed next to the targets.

Run it with ``make bench`` or ``.venv/bin/python bench/bench_model.py``; ``--json FILE``
also saves the figures. What it measures (targets from issue 13; the Mesa one from issue 2):

1. the fast path (``simulation.simulate``) on the default scenario (8 partners, 3
   funders, 10,000 beneficiaries, 120 months): the median of several runs after a
   warm-up, the whole call (parameters, initialization, the run, the result frames);
2. its ratio to the plain-Python reference (``simulation.reference.simulate_reference``)
   on the same scenario (target >= 1,000x): per seed, the reference against the fast
   path on the same seed, timed just before and just after it (so drift in the
   machine's speed slows both alike); the median over seeds;
3. nanoseconds per beneficiary-month at 10^6 beneficiaries: the whole ``simulate`` call
   divided by beneficiaries x months (target <= 8 ns), and the beneficiaries kernel
   alone, timed by calling the kernels one by one from Python in ``step_month``'s order
   (all of them are printed, so one can see which dominates);
4. peak memory at 10^6 beneficiaries (target <= 50 MB), in a fresh subprocess: it
   imports the model and warms up at a tiny size (numba's compiled code and the
   libraries loaded), reads its resident set size (RSS), resets the kernel's peak counter
   (``/proc/self/clear_refs``), runs the big scenario and reads its peak RSS (VmHWM). The
   figure is peak minus that baseline (what the run itself needs); the absolute peak is
   printed too;
5. the Mesa path (``PartnershipModel.step``) at the default size: time per month,
   DataCollector included (target <= 5 ms).

Times are taken twice: as CPU time of this process (``time.process_time``; the model runs
on one thread) and as wall time. On an idle machine the two agree; on a shared, loaded
machine wall time includes waiting for a core, so the verdicts use CPU time and the wall
time is printed beside it with the load average.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGETS = {
    "speed_ratio": (">=", 1000.0, "x"),
    "ns_per_beneficiary_month": ("<=", 8.0, "ns"),
    "peak_memory_mb": ("<=", 50.0, "MB"),
    "mesa_ms_per_month": ("<=", 5.0, "ms"),
}
KERNEL_ORDER = ("funding", "shocks", "turnover", "membership", "practices", "coordination", "trust",
                "work", "beneficiaries", "engagement", "measurement")


def clock() -> tuple[float, float]:
    """(CPU seconds of this process, wall seconds)."""
    return time.process_time(), time.perf_counter()


def since(t0: tuple[float, float]) -> tuple[float, float]:
    cpu, wall = clock()
    return cpu - t0[0], wall - t0[1]


def summary(samples: list[tuple[float, float]]) -> dict:
    """Median and best of (cpu, wall) samples, in seconds."""
    cpu = [s[0] for s in samples]
    wall = [s[1] for s in samples]
    return {"cpu_median_s": statistics.median(cpu), "cpu_min_s": min(cpu),
            "wall_median_s": statistics.median(wall), "wall_min_s": min(wall), "runs": len(samples)}


# ------------------------------------------------------------------ measurements

def time_fast_path(params, repeats: int) -> dict:
    """``simulate`` after one warm-up call (compilation or cache load); also the time
    spent building the result frames (pandas) out of it."""
    from backbone.simulation import simulate
    from backbone.simulation.result import event_frame, monthly_frame

    simulate(params, seed=0)
    runs, frames = [], []
    for seed in range(1, repeats + 1):
        t0 = clock()
        res = simulate(params, seed=seed)
        runs.append(since(t0))
        out = res.monthly.to_numpy(dtype=float)
        t0 = clock()
        monthly_frame(out), event_frame(res.state)
        frames.append(since(t0))
    rec = summary(runs)
    rec["frames_cpu_median_s"] = statistics.median(f[0] for f in frames)
    return rec


def time_reference(params, runs: int, paired: int = 5) -> dict:
    """The plain-Python reference on the same scenario, seeds 1..runs; and, for the ratio,
    the fast path on the same seed just before and just after each reference run
    (``paired`` runs each side): a machine whose speed drifts (other jobs on the cores)
    then slows both sides of a ratio alike, and each seed is compared with itself (seeds
    differ in work: a partnership that dissolves early does less). ``ratio_cpu`` is the
    median over seeds of reference / median fast path, in CPU time (``ratio_wall``: wall)."""
    try:
        from backbone.simulation import simulate
        from backbone.simulation.reference import simulate_reference
    except ImportError as exc:
        return {"error": f"simulation.reference not importable ({exc})"}
    simulate(params, seed=0)
    def fast_runs(seed: int) -> list:
        times = []
        for _ in range(paired):
            t0 = clock()
            simulate(params, seed=seed)
            times.append(since(t0))
        return times

    samples, cpu_ratios, wall_ratios = [], [], []
    for seed in range(1, runs + 1):
        fast = fast_runs(seed)
        t0 = clock()
        simulate_reference(params, seed)
        ref = since(t0)
        fast += fast_runs(seed)
        samples.append(ref)
        cpu_ratios.append(ref[0] / statistics.median(f[0] for f in fast))
        wall_ratios.append(ref[1] / statistics.median(f[1] for f in fast))
    rec = summary(samples)
    rec["ratio_cpu"] = statistics.median(cpu_ratios)
    rec["ratio_wall"] = statistics.median(wall_ratios)
    return rec


def time_large(params, repeats: int) -> dict:
    """Whole ``simulate`` at a large population, per beneficiary-month."""
    from backbone.simulation import simulate

    simulate(params.replace(n_beneficiaries=10, months=2), seed=0)
    samples = []
    for seed in range(1, repeats + 1):
        gc.collect()
        t0 = clock()
        simulate(params, seed=seed)
        samples.append(since(t0))
    rec = summary(samples)
    per = params.n_beneficiaries * params.months
    for key in ("cpu_median_s", "cpu_min_s", "wall_median_s", "wall_min_s"):
        rec[key.replace("_s", "_ns_per_bm")] = rec[key] / per * 1e9
    return rec


def profile_kernels(params, months: int) -> dict:
    """CPU seconds per kernel, calling each kernel from Python in ``step_month``'s order.

    Each call pays numba's dispatch (unboxing the state tuples, microseconds), which is
    negligible at 10^6 beneficiaries but not at small sizes.
    """
    from types import SimpleNamespace

    import numpy as np

    from backbone.simulation import kernels
    from backbone.simulation.engine import initial_state
    from backbone.simulation.streams import make_streams

    # The kernels are compiled for numba callers only (no Python wrapper): Python-callable
    # copies of them, compiled on first call (the warm-up below).
    K = SimpleNamespace(**{name: kernels.from_python(getattr(kernels, name)) for name in (
        "funding", "shocks", "turnover", "membership", "practices", "coordination", "trust", "work",
        "beneficiaries", "engagement", "measurement")}, N_METRICS=kernels.N_METRICS)

    def month(P, st, rs, row, spent=None):
        pt, fu, be, nd, T, w, ev = st.partners, st.funders, st.beneficiaries, st.needs, st.trust, st.world, st.events
        calls = (  # as in engine.run_months (w: the world array here; a record there)
            ("funding", lambda: K.funding(P, pt, fu, w[0], ev, rs.funding)),
            ("shocks", lambda: K.shocks(P, pt, fu, nd, T, w[0], ev, rs.shocks)),
            ("turnover", lambda: K.turnover(P, pt, T, w[0], ev, rs.turnover)),
            ("membership", lambda: K.membership(P, pt, fu, T, w[0], ev, rs.membership)),
            ("practices", lambda: K.practices(P, pt, nd, T, w[0], ev)),
            ("coordination", lambda: K.coordination(P, pt, T, w[0])),
            ("trust", lambda: K.trust(P, pt, T, st.fit, w[0], ev, rs.trust)),
            ("work", lambda: K.work(P, pt, nd, w[0])),
            ("beneficiaries", lambda: K.beneficiaries(P, be, nd, w[0], rs.uptake, rs.needs)),
            ("engagement", lambda: K.engagement(P, pt, fu, nd, T, w[0])),
            ("measurement", lambda: K.measurement(P, pt, fu, be, nd, w[0], ev, row)),
        )
        for name, call in calls:
            t0 = time.process_time()
            call()
            if spent is not None:
                spent[name] += time.process_time() - t0

    # Warm-up at a tiny size: the first call from Python compiles or loads each kernel.
    small = params.replace(n_beneficiaries=10, months=2)
    rs0 = make_streams(0)
    month(small.to_record(), initial_state(small, rs0), rs0, np.zeros(K.N_METRICS))

    rs = make_streams(1)
    st = initial_state(params, rs)
    P = params.to_record()
    out = np.zeros((months, K.N_METRICS))
    spent = dict.fromkeys(KERNEL_ORDER, 0.0)
    for t in range(months):
        month(P, st, rs, out[t], spent)
    per = months * params.n_beneficiaries
    return {"months": months, "beneficiaries": params.n_beneficiaries, "cpu_seconds": spent,
            "ns_per_beneficiary_month": {k: v / per * 1e9 for k, v in spent.items()}}


def time_uniform_draws(n: int) -> dict:
    """CPU ns per ``Generator.random()`` inside numba (what one draw per person cost before
    the uptake draw became counter-based), and per ``person_uniform`` (what it costs now)."""
    import importlib

    import numpy as np
    from numba import njit

    person_uniform = importlib.import_module("backbone.simulation.kernels.beneficiaries").person_uniform

    @njit
    def generator(rng, n):
        s = 0.0
        for _ in range(n):
            s += rng.random()
        return s

    @njit
    def counter(key, n):
        s = 0.0
        for b in range(n):
            s += person_uniform(key, b)
        return s

    out = {}
    for name, fn, arg in (("generator_ns", generator, np.random.default_rng(0)),
                          ("counter_ns", counter, np.uint64(12345))):
        fn(arg, 10)
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            fn(arg, n)
            best = min(best, time.process_time() - t0)
        out[name] = best / n * 1e9
    return out


def _proc_status_kb(field: str) -> int:
    """VmRSS (now) or VmHWM (peak) in kB from /proc (Linux); elsewhere the peak so far
    from getrusage, for both."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, kB on Linux


def memory_child(n_beneficiaries: int, months: int) -> None:
    """Runs in a fresh subprocess: prints one JSON line with baseline and peak RSS."""
    from backbone.simulation import Params, simulate

    simulate(Params(n_beneficiaries=10, months=2), seed=0)
    gc.collect()
    baseline = _proc_status_kb("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset VmHWM to the current RSS
        reset = True
    except OSError:
        reset = False  # the peak then includes the warm-up: an upper bound
    res = simulate(Params(n_beneficiaries=n_beneficiaries, months=months), seed=1)
    peak = _proc_status_kb("VmHWM")
    print(json.dumps({"baseline_kb": baseline, "peak_kb": peak, "hwm_reset": reset,
                      "impact_share": float(res.monthly["impact_share"].iloc[-1])}))


def measure_memory(n_beneficiaries: int, months: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-child",
           str(n_beneficiaries), str(months)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()
        return {"error": tail[-1] if tail else "the subprocess failed"}
    rec = json.loads(proc.stdout.strip().splitlines()[-1])
    rec["run_mb"] = (rec["peak_kb"] - rec["baseline_kb"]) / 1024
    rec["baseline_mb"] = rec["baseline_kb"] / 1024
    rec["peak_mb"] = rec["peak_kb"] / 1024
    return rec


def time_mesa(months: int) -> dict:
    """Construction time and time per ``step()`` of the Mesa model at the default size."""
    from backbone.simulation import PartnershipModel

    warm = PartnershipModel(rng=0, months=3)
    for _ in range(3):
        warm.step()
    t0 = clock()
    model = PartnershipModel(rng=1, months=months)
    built = since(t0)
    steps = []
    for _ in range(months):
        t0 = clock()
        model.step()
        steps.append(since(t0))
    return {"construct_cpu_s": built[0], "construct_wall_s": built[1], "months": months,
            "cpu_mean_ms": sum(s[0] for s in steps) / months * 1e3,
            "wall_mean_ms": sum(s[1] for s in steps) / months * 1e3,
            "cpu_max_ms": max(s[0] for s in steps) * 1e3}


# ------------------------------------------------------------------ report

def verdict(key: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    op, target, _ = TARGETS[key]
    ok = value >= target if op == ">=" else value <= target
    return "ok" if ok else "MISS"


def target_text(key: str) -> str:
    op, target, unit = TARGETS[key]
    return f"{op} {target:g}{unit}" if unit == "x" else f"{op} {target:g} {unit}"


def fmt_s(s: float) -> str:
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="example: .venv/bin/python bench/bench_model.py --json bench.json")
    ap.add_argument("--repeats", type=int, default=9, help="timed fast-path runs at the default size (median)")
    ap.add_argument("--reference-runs", type=int, default=2, help="timed reference runs (0: skip)")
    ap.add_argument("--large", type=int, default=1_000_000, help="beneficiaries for the per-beneficiary and memory figures")
    ap.add_argument("--large-repeats", type=int, default=3, help="timed runs at the large size (median)")
    ap.add_argument("--profile-months", type=int, default=24, help="months of the per-kernel profile at the large size")
    ap.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    ap.add_argument("--memory-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.memory_child:
        memory_child(*args.memory_child)
        return 0
    for name in ("repeats", "large_repeats", "profile_months"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.large < 10 or args.reference_runs < 0:
        ap.error("--large must be at least 10 and --reference-runs at least 0")

    import numba

    from backbone.simulation import Params

    load0 = os.getloadavg()
    default = Params()
    large = Params(n_beneficiaries=args.large)
    print(f"Backbone model benchmark: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"numba {numba.__version__}; load average {load0[0]:.2f} at start", flush=True)

    fast = time_fast_path(default, args.repeats)
    ref = time_reference(default, args.reference_runs) if args.reference_runs else {"error": "skipped"}
    big = time_large(large, args.large_repeats)
    prof = profile_kernels(large, args.profile_months)
    draw_ns = time_uniform_draws(args.large)
    mem = measure_memory(args.large, default.months)
    mesa_t = time_mesa(default.months)
    load1 = os.getloadavg()

    has_ref = "cpu_median_s" in ref
    ratio = ref["ratio_cpu"] if has_ref else None
    ratio_wall = ref["ratio_wall"] if has_ref else None
    ns = big["cpu_median_ns_per_bm"]
    ns_kernel = prof["ns_per_beneficiary_month"]["beneficiaries"]
    mem_mb = mem.get("run_mb")
    mesa_ms = mesa_t["cpu_mean_ms"]
    big_label = f"{args.large:,}"

    rows = [  # (measure, cpu, wall, target key or "", note)
        (f"fast path, default scenario (median of {fast['runs']})",
         fmt_s(fast["cpu_median_s"]), fmt_s(fast["wall_median_s"]), ""),
        ("  the fastest of those runs", fmt_s(fast["cpu_min_s"]), fmt_s(fast["wall_min_s"]), ""),
        ("  of which building the result frames (pandas)", fmt_s(fast["frames_cpu_median_s"]), "", ""),
        (f"reference, default scenario (median of {ref.get('runs', 0)})",
         fmt_s(ref["cpu_median_s"]) if has_ref else ref["error"],
         fmt_s(ref["wall_median_s"]) if has_ref else "", ""),
        ("speed ratio, reference / fast path (per seed, paired runs)",
         f"{ratio:,.0f}x" if has_ref else "n/a", f"{ratio_wall:,.0f}x" if has_ref else "", "speed_ratio"),
        (f"ns per beneficiary-month at {big_label}, whole run (median of {big['runs']})",
         f"{ns:.1f} ns", f"{big['wall_median_ns_per_bm']:.1f} ns", "ns_per_beneficiary_month"),
        ("  the fastest of those runs (interference from other jobs only adds time)",
         f"{big['cpu_min_ns_per_bm']:.1f} ns", f"{big['wall_min_ns_per_bm']:.1f} ns", ""),
        (f"  the beneficiaries kernel alone ({prof['months']} months)", f"{ns_kernel:.1f} ns", "", ""),
        ("  one uniform from numpy's Generator inside numba", f"{draw_ns['generator_ns']:.1f} ns", "", ""),
        ("  one counter-based uptake uniform (person_uniform)", f"{draw_ns['counter_ns']:.1f} ns", "", ""),
        (f"peak memory at {big_label}, above the warm baseline",
         f"{mem_mb:.0f} MB" if mem_mb is not None else mem["error"], "", "peak_memory_mb"),
        ("  absolute peak RSS of that process", f"{mem['peak_mb']:.0f} MB" if "peak_mb" in mem else "n/a", "", ""),
        ("  its RSS after imports and warm-up", f"{mem['baseline_mb']:.0f} MB" if "baseline_mb" in mem else "n/a", "", ""),
        (f"Mesa path, time per month at the default size (mean of {mesa_t['months']})",
         f"{mesa_ms:.2f} ms", f"{mesa_t['wall_mean_ms']:.2f} ms", "mesa_ms_per_month"),
        ("  Mesa model construction (10,000 beneficiary views)",
         fmt_s(mesa_t["construct_cpu_s"]), fmt_s(mesa_t["construct_wall_s"]), ""),
    ]
    values = {"speed_ratio": ratio, "ns_per_beneficiary_month": ns, "peak_memory_mb": mem_mb,
              "mesa_ms_per_month": mesa_ms}
    w0 = max(len(r[0]) for r in rows)
    w1 = max(max(len(r[1]) for r in rows), 9)
    w2 = max(max(len(r[2]) for r in rows), 4)
    print()
    print(f"{'measure':<{w0}}  {'CPU time':>{w1}}  {'wall':>{w2}}  {'target':<10}  verdict")
    print("-" * (w0 + w1 + w2 + 30))
    for name, cpu, wall, key in rows:
        tgt = target_text(key) if key else ""
        ok = verdict(key, values[key]) if key else ""
        print(f"{name:<{w0}}  {cpu:>{w1}}  {wall:>{w2}}  {tgt:<10}  {ok}")

    print(f"\nper kernel at {big_label} beneficiaries ({prof['months']} months, each called from Python, CPU time):")
    total = sum(prof["cpu_seconds"].values())
    for name in KERNEL_ORDER:
        sec = prof["cpu_seconds"][name]
        print(f"  {name:<14} {sec / prof['months'] * 1e3:8.2f} ms/month  "
              f"{prof['ns_per_beneficiary_month'][name]:6.2f} ns/beneficiary-month  {sec / total:6.1%}")
    reset = mem.get("hwm_reset", True)
    print(f"\nLoad average {load0[0]:.2f} at the start, {load1[0]:.2f} at the end, on {os.cpu_count()} CPUs: "
          "verdicts use CPU time; wall time\nincludes waiting for a core when other jobs share the machine.")
    print("Memory: a fresh subprocess imports the model and warms up at 10 beneficiaries, reads its RSS\n"
          f"(the baseline), resets its peak counter (/proc/self/clear_refs{'' if reset else ': NOT available here, so the peak includes the warm-up'}), "
          f"runs {big_label} beneficiaries x {default.months} months\nand reads its peak RSS (VmHWM): "
          "the figure is the peak minus the baseline.")

    if args.json:
        figures = {
            "environment": {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "numba": numba.__version__, "load_start": load0[0], "load_end": load1[0]},
            "targets": {k: {"op": op, "value": v, "unit": u} for k, (op, v, u) in TARGETS.items()},
            "measured": values,
            "verdicts": {k: verdict(k, v) for k, v in values.items()},
            "fast_default": fast, "reference_default": ref, "speed_ratio_wall": ratio_wall,
            "large": big, "beneficiaries_kernel_ns": ns_kernel, "uniform_draw_ns": draw_ns,
            "kernel_profile": prof, "memory": mem, "mesa": mesa_t,
        }
        Path(args.json).write_text(json.dumps(figures, indent=2))
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
