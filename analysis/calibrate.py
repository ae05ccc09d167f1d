"""Calibration by approximate Bayesian computation (ABC-SMC, pyabc): which values of a few
free parameters make the model reproduce a set of targets?

Targets are the calibration patterns of a patterns file (``analysis.patterns``: patterns
with measures, target bands and ``role = "calibration"``; its validation patterns are
never fitted, and a file with a pattern in both roles is refused), plus a ``[calibrate]``
table naming the free parameters::

    [calibrate]
    population = 200        # particles per generation
    generations = 5         # generations at most (the run stops earlier at min_epsilon)
    min_epsilon = 0.0       # stop when the acceptance threshold is at or below this
    replications = 4        # runs per particle
    seeds = "random"        # "random": each particle's runs get their own seeds (default);
                            # "common": every particle runs seeds seed .. seed + replications - 1
    seed = 0                # seeds the sampler (and, with "common", the runs)
    predictive = 100        # posterior draws in the posterior predictive check
    [calibrate.parameters]
    turnover_rate = {}                          # uniform on the schema's [lo, hi]
    renewal_rate = { lo = 0.5, hi = 1.0 }       # uniform on a narrower range
    fit_sd = { prior = "loguniform", lo = 0.05, hi = 1.0 }

Priors: uniform (default) or log-uniform on [lo, hi], which default to the parameter's
bounds in ``simulation.params.SCHEMA`` and may only narrow them. ``backbone calibrate
--population/--generations/--replications`` override the table's sizes (``Targets.sized``);
a folder resumes only with the population and replications it was started with.

Summary statistics: per particle, each pattern's statistic (mean, share or median, as in
``backbone validate``; a first-month measure that never happens counts as horizon + 1)
over ``replications`` runs of the particle's parameters (its counterfactual runs with the
same parameters and seeds). With ``seeds = "random"`` (default) particle i's runs use
seeds s_i .. s_i + replications - 1, s_i drawn from the sampler's random stream and kept
as the particle's summary statistic ``seed``: the simulation noise of a
``replications``-run estimate enters the posterior, as ABC requires (the posterior is
then as wide as the targets and the noise allow). s_i comes from a
``numpy.random.SeedSequence`` rooted in the calibration's ``seed`` whose spawn key is the
particle's parameter values (``particle_seed``): a pure function of (seed, parameters),
whichever process evaluates the particle, never numpy's global state. With ``"common"`` every particle uses
the same seeds (common random numbers): smoother distances, but the posterior is
conditional on those seeds and too narrow when the noise is large against the bands.

Distance (``band_distance``): the sum over targets of 0 inside the band [lo, hi], else the
distance to the nearest edge divided by the band's scale: its width hi - lo when finite
and positive, else the magnitude of its finite edge (or 1): no target dominates by its
units. A target without an estimate (NaN) adds ``NAN_PENALTY``.

How well the posterior fits, said plainly (``fit_report``; in the manifest and the
command's output):

- per target, the share of posterior predictive draws whose statistic lies in the band;
  a target is "covered" only when that share is at least ``COVERED_SHARE`` (0.5: the
  calibrated model reproduces the pattern more often than not, the rule ``backbone
  validate`` applies to a point estimate);
- the effective sample size (ESS, 1 / sum of squared normalized weights) of every
  generation, and a warning for each generation below ``ESS_FLOOR`` of the population
  (0.5: the resampling threshold N/2 of sequential Monte Carlo samplers, Del Moral,
  Doucet & Jasra 2006: below it the weights rest on few particles);
- the parameters the targets did not inform: the posterior's weighted standard deviation
  over the prior's (on the log scale for a log-uniform prior) above
  ``UNINFORMED_SD_RATIO`` (0.8: the data shrank the spread by less than a fifth, a
  posterior contraction 1 - ratio^2 below 0.36; contraction as in Schad, Betancourt &
  Vasishth 2021). Such a parameter's posterior is close to its prior: its value comes
  from the prior range, not from the patterns.

  References: Del Moral, P., Doucet, A., & Jasra, A. (2006). Sequential Monte Carlo
  samplers. Journal of the Royal Statistical Society: Series B, 68(3), 411-436.
  Schad, D. J., Betancourt, M., & Vasishth, S. (2021). Toward a principled Bayesian
  workflow in cognitive science. Psychological Methods, 26(1), 103-126.
  doi:10.1037/met0000275.

Results folder (``DIR``): ``abc.db`` (pyabc's SQLite history: the same command resumes an
interrupted calibration, e.g. after kill -9, from its last complete generation),
``targets.toml`` (the targets file as read), ``manifest.json`` (provenance: model
fingerprint, targets hash, priors, seeds, versions, generations), ``posterior.parquet``
(every generation's particles: generation, particle, weight, distance, one column per
parameter, ``seed`` (the first seed of its runs) and ``stat_<target>``, its statistics),
``generations.parquet`` (epsilon, effective sample size, simulations, per
generation), ``predictive.parquet`` (posterior predictive check: each target's statistic
under draws from the final posterior) and ``figures/`` (``calibration_figures``, from the
folder alone).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import platform
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from backbone.experiments import SERIAL, Executor, run_job, run_many
from backbone.experiments.executors import cpu_count, model_fingerprint
from backbone.experiments.posterior import (FORMAT, KIND, MANIFEST, POSTERIOR, PosteriorError, file_sha256,
                                   read_manifest)
from backbone.simulation import SCHEMA

from .calibrate_figures import COVERED_SHARE  # 0.5: covered when at least half the draws are in the band
from .measures import MEASURES
from .patterns import PatternError, PatternSet, parse_patterns
from .validation import group_jobs, groups, job_rows

NAN_PENALTY = 10.0
ESS_FLOOR = 0.5             # warn when a generation's effective sample size is below this share of its particles
UNINFORMED_SD_RATIO = 0.8   # posterior sd / prior sd above this: the targets did not inform the parameter
FIT_RULES = (f"covered: at least {COVERED_SHARE:.0%} of posterior predictive draws inside the target's band; "
             f"ESS floor: {ESS_FLOOR:.0%} of a generation's particles (the N/2 resampling threshold of SMC "
             f"samplers); not informed: posterior sd / prior sd > {UNINFORMED_SD_RATIO:g} (log scale for a "
             "log-uniform prior)")
SIZE_FLAGS = {"population": (5, 100_000), "generations": (1, 1000), "replications": (1, 10_000)}
PRIORS = ("uniform", "loguniform")
CAL_KEYS = ("population", "generations", "min_epsilon", "replications", "seeds", "seed", "predictive", "parameters")
CAL_DEFAULTS = {"population": 200, "generations": 5, "min_epsilon": 0.0, "replications": 4, "seeds": "random",
                "seed": 0, "predictive": 100}
SEED_MODES = ("random", "common")
DB = "abc.db"
TARGETS = "targets.toml"
GENERATIONS = "generations.parquet"
PREDICTIVE = "predictive.parquet"
INSTALL = "pyabc is not installed: pip install 'pyabc>=0.13' (or reinstall backbone: pip install -e .)"


class CalibrationError(ValueError):
    """Bad targets, or a results folder that cannot be used (one-line message)."""


@dataclass(frozen=True)
class Prior:
    name: str
    shape: str
    lo: float
    hi: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "shape": self.shape, "lo": self.lo, "hi": self.hi}


@dataclass(frozen=True)
class Targets:
    path: Path
    text: str
    patterns: PatternSet
    priors: tuple[Prior, ...]
    population: int
    generations: int
    min_epsilon: float
    replications: int
    seed: int
    predictive: int
    seeds: str = "random"

    skipped: int = 0            # validation patterns in the file (never fitted)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.priors)

    def sized(self, population: int | None = None, generations: int | None = None,
              replications: int | None = None) -> "Targets":
        """The same targets with the sizes given (None: the file's), each checked against
        ``SIZE_FLAGS`` (one-line ``CalibrationError``)."""
        from dataclasses import replace

        given = {"population": population, "generations": generations, "replications": replications}
        for k, v in given.items():
            if v is not None:
                _whole(v, k, *SIZE_FLAGS[k], label=f"--{k}")
        return replace(self, **{k: v for k, v in given.items() if v is not None})

    @property
    def digest(self) -> str:
        import hashlib

        return hashlib.sha256(self.text.encode()).hexdigest()


# ---------------------------------------------------------------- the targets file
def _whole(v: Any, name: str, lo: int, hi: int, label: str | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise CalibrationError(f"{label or 'calibrate.' + name} = {v!r} is not allowed: expected a whole number in "
                               f"[{lo:_}, {hi:_}]")
    return v


def _prior(name: str, raw: Any) -> Prior:
    where = f"calibrate.parameters.{name}"
    if name not in SCHEMA:
        from backbone.simulation.params import nearest

        hint = nearest(name, list(SCHEMA))
        raise CalibrationError(f"{where}: unknown parameter '{name}'" + (f"; did you mean '{hint}'?" if hint else ""))
    spec = SCHEMA[name]
    if spec.kind not in ("float", "int"):
        raise CalibrationError(f"{where}: '{name}' is a {spec.kind} parameter: only numbers can be calibrated")
    if not isinstance(raw, dict):
        raise CalibrationError(f"{where} = {raw!r} is not allowed: expected a table, e.g. {{ lo = 0.1, hi = 0.5 }}")
    for k in raw:
        if k not in ("prior", "lo", "hi"):
            raise CalibrationError(f"{where}: unknown key '{k}' (valid: prior, lo, hi)")
    shape = raw.get("prior", "uniform")
    if shape not in PRIORS:
        raise CalibrationError(f"{where}.prior = {shape!r} is not allowed: expected one of {', '.join(PRIORS)}")
    bounds = []
    for k, default in (("lo", spec.lo), ("hi", spec.hi)):
        v = raw.get(k, default)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                or not spec.lo <= v <= spec.hi:
            raise CalibrationError(f"{where}.{k} = {v!r} is not allowed: expected a number in "
                                   f"[{spec.lo:g}, {spec.hi:g}] (the parameter's range)")
        bounds.append(float(v))
    lo, hi = bounds
    if not lo < hi:
        raise CalibrationError(f"{where}: lo = {lo:g} must be below hi = {hi:g}")
    if shape == "loguniform" and lo <= 0:
        raise CalibrationError(f"{where}.lo = {lo:g} is not allowed for a log-uniform prior: expected a number > 0")
    return Prior(name, shape, lo, hi)


def parse_targets(text: str, path: str | Path = "<targets>") -> Targets:
    """Validate a targets file's text (patterns plus a ``[calibrate]`` table)."""
    label = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalibrationError(f"{label}: not valid TOML: {exc}") from None
    raw = data.get("calibrate")
    try:
        if not isinstance(raw, dict):
            raise CalibrationError("[calibrate] is missing: a table naming the free parameters "
                                   "([calibrate.parameters])")
        for k in raw:
            if k not in CAL_KEYS:
                raise CalibrationError(f"calibrate: unknown key '{k}' (valid: {', '.join(CAL_KEYS)})")
        cal = {**CAL_DEFAULTS, **{k: v for k, v in raw.items() if k != "parameters"}}
        population = _whole(cal["population"], "population", *SIZE_FLAGS["population"])
        generations = _whole(cal["generations"], "generations", *SIZE_FLAGS["generations"])
        replications = _whole(cal["replications"], "replications", *SIZE_FLAGS["replications"])
        seed = _whole(cal["seed"], "seed", 0, 2**32 - 1)
        predictive = _whole(cal["predictive"], "predictive", 0, 100_000)
        if cal["seeds"] not in SEED_MODES:
            raise CalibrationError(f"calibrate.seeds = {cal['seeds']!r} is not allowed: expected one of "
                                   + ", ".join(SEED_MODES))
        eps = cal["min_epsilon"]
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 <= eps < math.inf:
            raise CalibrationError(f"calibrate.min_epsilon = {eps!r} is not allowed: expected a number >= 0")
        params = raw.get("parameters")
        if not isinstance(params, dict) or not params:
            raise CalibrationError("calibrate.parameters: expected one or more free parameters, "
                                   "e.g. turnover_rate = {}")
        priors = tuple(_prior(k, v) for k, v in params.items())
    except CalibrationError as exc:
        raise CalibrationError(f"{label}: {exc}") from None
    try:
        whole_file = parse_patterns({k: v for k, v in data.items() if k != "calibrate"}, path)
    except PatternError as exc:
        raise CalibrationError(str(exc)) from None
    pset = whole_file.with_role("calibration")
    if not pset.patterns:
        raise CalibrationError(f"{label}: no calibration patterns (role = \"calibration\"): nothing to fit "
                               f"({whole_file.count('validation')} validation patterns are never fitted)")
    return Targets(Path(path), text, pset, priors, population, generations, float(eps), replications, seed,
                   predictive, cal["seeds"], whole_file.count("validation"))


def load_targets(path: str | Path) -> Targets:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CalibrationError(f"{path}: no such targets file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CalibrationError(f"{path}: cannot read ({type(exc).__name__})") from None
    return parse_targets(text, p)


# ---------------------------------------------------------------- statistics and distance
def statistic(values: np.ndarray, how: str, horizon: int | None) -> float:
    """A pattern's statistic over a particle's runs (no interval: that is validate's job)."""
    x = np.asarray(values, dtype=float)
    if horizon is not None:
        x = np.where(np.isnan(x), horizon + 1.0, x)
    x = x[np.isfinite(x)]
    if not len(x):
        return math.nan
    return float(np.median(x)) if how == "median" else float(x.mean())


def band_scale(lo: float, hi: float) -> float:
    if math.isfinite(lo) and math.isfinite(hi) and hi > lo:
        return hi - lo
    edge = [abs(v) for v in (lo, hi) if math.isfinite(v) and v != 0]
    return max(edge) if edge else 1.0


def band_distance(value: float, lo: float, hi: float) -> float:
    """0 inside [lo, hi], else the gap to the nearest edge over the band's scale."""
    if not math.isfinite(value):
        return NAN_PENALTY
    gap = lo - value if value < lo else value - hi if value > hi else 0.0
    return gap / band_scale(lo, hi)


class Distance:
    """The ABC distance: ``sum(band_distance(x[key], *band))`` over the targets."""

    def __init__(self, bands: Mapping[str, tuple[float, float]]):
        self.bands = dict(bands)

    def __call__(self, x: Mapping[str, float], x_0: Mapping[str, float] | None = None) -> float:
        return float(sum(band_distance(float(x[k]), lo, hi) for k, (lo, hi) in self.bands.items()))


MAX_SEED = 2**31 - 1


class Model:
    """Parameters -> each target's statistic over the particle's runs, and the first
    seed of those runs as ``seed`` (picklable)."""

    def __init__(self, targets: Targets):
        pats = targets.patterns.patterns
        self.groups = groups(pats)
        self.n = targets.replications
        self.common = targets.seeds == "common"
        self.seed = targets.seed
        self.how = {p.key: (p.statistic, p.horizon if MEASURES[p.measure].censored else None) for p in pats}
        self.names = targets.names

    def runs(self, theta: Mapping[str, float], first: int) -> list[tuple[str, int, int, float]]:
        """The particle's runs, in this process (a particle is already one task of the
        sampler): replication r of every target with seed ``first + r``."""
        over = {k: _cast(k, v) for k, v in theta.items() if k in self.names}
        jobs = group_jobs(self.groups, self.n, first, over)
        return job_rows(jobs, {g: run_job(job) for g, job in enumerate(jobs)})

    def __call__(self, theta: Mapping[str, float], first: int | None = None) -> dict[str, float]:
        if first is None:
            first = self.seed if self.common else particle_seed(self.seed, theta, self.names, self.n)
        by: dict[str, list[float]] = {k: [] for k in self.how}
        for key, _, _, value in self.runs(theta, first):
            by[key].append(value)
        return {"seed": float(first), **{k: statistic(np.array(v), *self.how[k]) for k, v in by.items()}}


def particle_seed(seed: int, theta: Mapping[str, float], names: tuple[str, ...], replications: int) -> int:
    """The first seed of a particle's runs (``seeds = "random"``): drawn from a
    ``numpy.random.SeedSequence`` with entropy ``seed`` (the calibration's) and spawn key
    the bits of the particle's parameter values, in ``names`` order. A pure function of
    its arguments: the same particle gets the same seeds in any process, another
    particle other seeds, and numpy's global random state is neither read nor changed."""
    bits = np.array([float(theta[k]) for k in names], dtype=np.float64).view(np.uint32)
    ss = np.random.SeedSequence(int(seed), spawn_key=tuple(int(b) for b in bits))
    return int(ss.generate_state(1, dtype=np.uint64)[0] % np.uint64(MAX_SEED - replications))


def _cast(name: str, value: float) -> Any:
    return int(round(float(value))) if SCHEMA[name].kind == "int" else float(value)


# ---------------------------------------------------------------- running
def _pyabc():
    try:
        import pyabc
    except ImportError:
        raise CalibrationError(INSTALL) from None
    import logging

    for name in ("ABC", "Sampler", "Epsilon", "Distance", "History", "pyabc", "ABC.History", "ABC.Sampler"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return pyabc


def _prior_dist(pyabc, priors: tuple[Prior, ...]):
    rvs = {}
    for p in priors:
        if p.shape == "uniform":
            rvs[p.name] = pyabc.RV("uniform", p.lo, p.hi - p.lo)
        else:
            rvs[p.name] = pyabc.RV("loguniform", p.lo, p.hi)
    return pyabc.Distribution(**rvs)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("backbone", "pyabc", "numpy", "numba", "pandas", "scipy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(obj, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _manifest(targets: Targets, status: str, **extra: Any) -> dict[str, Any]:
    from backbone.experiments.store import git_commit

    commit, dirty = git_commit()
    return {"kind": KIND, "format": FORMAT, "status": status, "model_fingerprint": model_fingerprint(),
            "targets_file": str(targets.path), "targets_sha256": targets.digest,
            "parameters": list(targets.names), "priors": [p.to_dict() for p in targets.priors],
            "population": targets.population, "generations": targets.generations,
            "min_epsilon": targets.min_epsilon, "replications": targets.replications,
            "seed": targets.seed, "seeds": targets.seeds if targets.seeds == "random" else
            [targets.seed + r for r in range(targets.replications)], "predictive": targets.predictive,
            "targets": [{"key": p.key, "measure": p.measure, "statistic": p.statistic, "lo": p.target[0],
                         "hi": p.target[1]} for p in targets.patterns.patterns],
            "calibration_patterns": calibration_patterns(targets),
            "fit_rules": FIT_RULES,
            "distance": "sum over targets of 0 inside [lo, hi], else gap to the nearest edge / band scale "
                        f"(width, else |finite edge|); NaN estimate adds {NAN_PENALTY}",
            "versions": _versions(), "commit": commit, "dirty": dirty, **extra}


def check_folder(out: Path, targets: Targets) -> bool:
    """True if ``out`` holds an interrupted or finished calibration of these targets
    (to resume), False if it is new or empty; a foreign folder is a one-line error."""
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        return False
    if not out.is_dir():
        raise CalibrationError(f"--out {out}: exists and is not a folder")
    try:
        manifest = read_manifest(out)
    except PosteriorError:
        raise CalibrationError(f"--out {out}: exists and is not a calibration folder: choose a new folder") from None
    if manifest.get("targets_sha256") != targets.digest:
        raise CalibrationError(f"--out {out}: holds a calibration of other targets: choose a new folder")
    if manifest.get("model_fingerprint") != model_fingerprint():
        raise CalibrationError(f"--out {out}: was calibrated with other model code (fingerprint "
                               f"{manifest.get('model_fingerprint')}, here {model_fingerprint()}): choose a new folder")
    for k in ("population", "replications"):
        if k in manifest and manifest[k] != getattr(targets, k):
            raise CalibrationError(f"--out {out}: was started with {k} {manifest[k]}, here {getattr(targets, k)}: "
                                   f"resume it with --{k} {manifest[k]}, or choose a new folder")
    if not (out / DB).is_file():
        return False  # interrupted before its first write to the history: start again
    return True


def _sampler(pyabc, executor: Executor, stack: contextlib.ExitStack):
    """pyabc's sampler for ``executor``: with one local worker, pyabc's SingleCoreSampler
    in this process (it draws from numpy's generator seeded with the targets' seed, so a
    calibration on one worker is reproducible; pyabc's parallel samplers reseed each
    particle from the operating system); else ``ConcurrentFutureSampler`` on the
    project's executor (``Executor.futures``: the sweeps' local pool, or the Dask cluster
    after its worker check), with two particles in flight per worker so that a worker
    never waits for this process. ``stack`` closes the pool."""
    if not executor.scheduler and (executor.workers or cpu_count()) <= 1:
        from backbone.experiments.executors import warm

        warm()
        sampler = pyabc.sampler.SingleCoreSampler()
    else:
        pool, window = stack.enter_context(executor.futures())
        sampler = pyabc.sampler.ConcurrentFutureSampler(pool, client_max_jobs=window)
    sampler.show_progress = False
    return sampler


def calibrate(targets: Targets, out: str | Path, executor: Executor | None = None,
              log: Callable[[str], Any] | None = print) -> dict[str, Any]:
    """Run (or resume) the calibration into ``out``; return the final manifest.
    ``executor``: where the particles run (pyabc's ConcurrentFutureSampler on the
    project's local pool or Dask cluster, ``Executor.futures``; in this process with one
    worker); each particle's runs go through ``experiments.run_job`` in its worker;
    ``log``: called with a line per generation."""
    pyabc = _pyabc()
    out = Path(out)
    executor = executor or Executor()
    resume = check_folder(out, targets)
    model = Model(targets)
    bands = {p.key: p.target for p in targets.patterns.patterns}
    with contextlib.ExitStack() as stack:
        sampler = _sampler(pyabc, executor, stack)   # an unusable scheduler stops here, before any write
        out.mkdir(parents=True, exist_ok=True)
        db = "sqlite:///" + str((out / DB).resolve())
        np.random.seed(targets.seed)
        abc = pyabc.ABCSMC(model, _prior_dist(pyabc, targets.priors), Distance(bands),
                           population_size=targets.population, sampler=sampler)
        if resume:
            abc.load(db, 1)
            done = abc.history.max_t + 1
        else:
            (out / TARGETS).write_text(targets.text, encoding="utf-8")
            _write_json(out / MANIFEST, _manifest(targets, "running"))
            x0 = {k: (lo + hi) / 2 if math.isfinite(lo + hi) else (lo if math.isfinite(lo) else hi)
                  for k, (lo, hi) in bands.items()}
            abc.new(db, x0)
            done = 0
        if log:
            # generations are numbered from 1 here and in the progress lines: "after generation k" = k are done
            log(f"calibration: {len(targets.names)} parameters, {len(bands)} calibration targets"
                + (f" ({targets.skipped} validation patterns in the file, never fitted)" if targets.skipped else "")
                + f", {targets.population} particles per generation, up to {targets.generations} generations"
                + (f"; resuming after generation {done}" if resume and done else ""))
        stop = _stopped(abc.history, targets.min_epsilon) if done else False
        t = done
        while t < targets.generations and not stop:
            # One generation per call, for a progress line each. pyabc caches the sample it
            # sets the next threshold from: clear it, so each call reads the last population.
            abc._initial_population = None
            abc.run(max_nr_populations=1, minimum_epsilon=targets.min_epsilon)
            h = abc.history
            if h.max_t < t:  # pragma: no cover - pyabc stopped by itself (e.g. acceptance rate)
                break
            pops = h.get_all_populations()
            row = pops[pops["t"] == h.max_t].iloc[0]
            w = h.get_distribution(t=h.max_t)[1]
            ess = float(1.0 / np.sum(np.square(w / w.sum())))
            if log:
                log(f"generation {int(row['t']) + 1}/{targets.generations}: epsilon {row['epsilon']:.4g}, "
                    f"ESS {ess:.0f} of {len(w)}, {int(row['samples'])} simulations")
                low = ess_warning(int(row["t"]), ess, len(w))
                if low:
                    log(low)
            t = h.max_t + 1
            stop = _stopped(h, targets.min_epsilon)
    return finish(out, targets, executor, log=log)


def _stopped(history, min_epsilon: float) -> bool:
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    return bool(len(pops)) and float(pops["epsilon"].iloc[-1]) <= min_epsilon


def _tables(db: str, names: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """posterior (generation, particle, weight, distance, parameters, ``seed``: the first
    seed of the particle's runs, ``stat_<target>``: its statistics) and generations."""
    pyabc = _pyabc()
    h = pyabc.History(db, _id=1)
    rows, gens = [], []
    pops = h.get_all_populations()
    for _, pop in pops[pops["t"] >= 0].iterrows():
        t = int(pop["t"])
        # pyabc's tidy form drops particles with equal (distance, weight): pivot here
        raw = h.get_population_extended(t=t, tidy=False)
        base = raw.drop_duplicates("particle_id").set_index("particle_id")[["distance", "w"]]
        par = raw.drop_duplicates(["particle_id", "par_name"]).pivot(index="particle_id", columns="par_name",
                                                                      values="par_val").add_prefix("par_")
        stat = raw.drop_duplicates(["particle_id", "sumstat_name"]).pivot(
            index="particle_id", columns="sumstat_name", values="sumstat_val").add_prefix("sumstat_")
        ext = base.join(par).join(stat).sort_index().reset_index()
        frame = pd.DataFrame({"generation": t, "particle": np.arange(len(ext))})
        w = ext["w"].to_numpy(dtype=float)
        frame["weight"] = w / w.sum()
        frame["distance"] = ext["distance"].to_numpy(dtype=float)
        for name in names:
            frame[name] = ext[f"par_{name}"].to_numpy(dtype=float)
        if "sumstat_seed" in ext:
            frame["seed"] = ext["sumstat_seed"].round().astype("int64")
        for c in ext.columns:
            if c.startswith("sumstat_") and c != "sumstat_seed":
                frame["stat_" + c[len("sumstat_"):]] = ext[c].to_numpy(dtype=float)
        rows.append(frame)
        gens.append({"generation": t, "epsilon": float(pop["epsilon"]), "simulations": int(pop["samples"]),
                     "particles": len(frame), "ess": float(1.0 / np.sum(np.square(frame["weight"])))})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(gens)


def predictive_check(targets: Targets, posterior: pd.DataFrame, n: int, executor: Executor | None = None
                     ) -> pd.DataFrame:
    """Each target's statistic (over ``replications`` runs) under ``n`` draws from the
    final generation (weighted resampling and the runs' seeds from the targets' seed):
    columns draw, particle, target, value. The runs of every draw go as one batch
    through ``experiments.run_many`` on ``executor`` (default: this process); the
    table does not depend on where they ran."""
    last = posterior[posterior["generation"] == posterior["generation"].max()]
    w = last["weight"].to_numpy(dtype=float)
    rng = np.random.default_rng([targets.seed, 0xCA11])
    idx = rng.choice(len(last), size=n, p=w / w.sum()) if n else np.array([], dtype=int)
    firsts = rng.integers(0, MAX_SEED - targets.replications, size=n)
    model = Model(targets)
    jobs: dict[tuple[int, int], Any] = {}
    for d, i in enumerate(idx):
        theta = {k: _cast(k, float(last[k].iloc[i])) for k in targets.names}
        first = targets.seed if model.common else int(firsts[d])
        for g, job in enumerate(group_jobs(model.groups, model.n, first, theta)):
            jobs[(d, g)] = job
    got = run_many(jobs, executor or SERIAL) if jobs else {}
    rows = []
    for d, i in enumerate(idx):
        mine = [jobs[(d, g)] for g in range(len(model.groups))]
        by: dict[str, list[float]] = {k: [] for k in model.how}
        for key, _, _, value in job_rows(mine, {g: got[(d, g)] for g in range(len(mine))}):
            by[key].append(value)
        for key, vals in by.items():
            rows.append({"draw": d, "particle": int(last["particle"].iloc[i]), "target": key,
                         "value": statistic(np.array(vals), *model.how[key])})
    return pd.DataFrame(rows, columns=["draw", "particle", "target", "value"])


def finish(out: Path, targets: Targets, executor: Executor | None = None,
           log: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """Write the tables, the predictive check, the manifest and the figures."""
    posterior, gens = _tables("sqlite:///" + str((out / DB).resolve()), targets.names)
    posterior.to_parquet(out / POSTERIOR, index=False)
    gens.to_parquet(out / GENERATIONS, index=False)
    if log and targets.predictive:
        log(f"posterior predictive check: {targets.predictive} draws x {targets.replications} replications")
    pred = predictive_check(targets, posterior, targets.predictive, executor)
    pred.to_parquet(out / PREDICTIVE, index=False)
    final = posterior[posterior["generation"] == posterior["generation"].max()]
    summary = {}
    for name in targets.names:
        q = weighted_quantiles(final[name].to_numpy(), final["weight"].to_numpy(), (0.05, 0.5, 0.95))
        summary[name] = {"q05": q[0], "median": q[1], "q95": q[2]}
    manifest = _manifest(targets, "complete", posterior_sha256=file_sha256(out / POSTERIOR),
                         n_generations=int(gens["generation"].max()) + 1, n_particles=int(len(final)),
                         simulations=int(gens["simulations"].sum()),
                         final_epsilon=float(gens["epsilon"].iloc[-1]), credible_90=summary,
                         **(executor or Executor()).describe(),
                         finished=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    manifest["predictive_coverage"] = coverage_rows(targets, pred)
    manifest.update(fit_report(targets, final, gens))
    _write_json(out / MANIFEST, manifest)
    calibration_figures(out)
    return manifest


def ess_warning(generation: int, ess: float, particles: int) -> str | None:
    """The warning for a generation (numbered from 0) whose effective sample size is
    below ``ESS_FLOOR`` of its particles, else None."""
    if ess >= ESS_FLOOR * particles:
        return None
    return (f"warning: generation {generation + 1}: effective sample size {ess:.0f} of {particles} particles is "
            f"below the floor {ESS_FLOOR * particles:.0f} ({ESS_FLOOR:.0%}): the posterior rests on few particles; "
            "a larger --population steadies it")


def prior_sd(prior: Prior) -> float:
    """The prior's standard deviation (of log values for a log-uniform prior)."""
    lo, hi = (math.log(prior.lo), math.log(prior.hi)) if prior.shape == "loguniform" else (prior.lo, prior.hi)
    return (hi - lo) / math.sqrt(12.0)


def sd_ratio(prior: Prior, x: np.ndarray, w: np.ndarray) -> float:
    """The posterior's weighted standard deviation over the prior's (log scale for a
    log-uniform prior): near 1, the targets did not inform the parameter."""
    x = np.log(np.asarray(x, float)) if prior.shape == "loguniform" else np.asarray(x, float)
    w = np.asarray(w, float) / np.sum(w)
    mean = float(np.sum(w * x))
    return float(math.sqrt(max(0.0, float(np.sum(w * (x - mean) ** 2)))) / prior_sd(prior))


def fit_report(targets: Targets, final: pd.DataFrame, gens: pd.DataFrame) -> dict[str, Any]:
    """How well the posterior fits (see the module docstring): the ESS of every
    generation with the warnings, and each parameter's sd ratio and whether the targets
    informed it. JSON-ready."""
    w = final["weight"].to_numpy(dtype=float)
    informed = {}
    for p in targets.priors:
        r = sd_ratio(p, final[p.name].to_numpy(dtype=float), w)
        informed[p.name] = {"sd_ratio": r, "informed": bool(r <= UNINFORMED_SD_RATIO)}
    ess = [{"generation": int(g) + 1, "ess": float(e), "particles": int(n)}
           for g, e, n in zip(gens["generation"], gens["ess"], gens["particles"])]
    warnings = [m for m in (ess_warning(int(g), float(e), int(n))
                            for g, e, n in zip(gens["generation"], gens["ess"], gens["particles"])) if m]
    return {"ess": ess, "ess_floor": ESS_FLOOR, "ess_warnings": warnings, "informed": informed,
            "uninformed_sd_ratio": UNINFORMED_SD_RATIO, "covered_share": COVERED_SHARE}


def calibration_patterns(targets: Targets) -> list[dict[str, Any]]:
    """The identities of the calibration patterns (``analysis.patterns.identity``) with
    their titles and short citations: stored with the posterior."""
    return [{**p.identity(), "title": p.title, "cite": p.cite} for p in targets.patterns.patterns]


def check_posterior_roles(post, validation: list[Mapping[str, Any]], where: str = "") -> None:
    """Refuse (``PatternError``) to validate with a posterior any pattern it was fitted
    to. The posterior's calibration patterns are those it recorded; a folder from before
    they were recorded is read from its own targets file."""
    from .patterns import check_roles

    cal = list(post.patterns)
    if not cal:
        folder = Path(post.folder)
        try:
            cal = calibration_patterns(load_targets(folder / TARGETS))
        except CalibrationError:
            raise PatternError(f"{where}the posterior does not say which patterns it was fitted to: "
                               "calibrate again to record them") from None
    check_roles(cal, validation, where)


def export_posterior(folder: str | Path, path: str | Path, command: str) -> dict[str, Any]:
    """Write a finished calibration folder's final generation as one small JSON file
    (``experiments.posterior``: the shipped posterior's format): particles and weights,
    parameters and priors, the model fingerprint, the targets' hash and file, the
    calibration patterns, the fit report and ``command``, the command that made it."""
    from backbone.experiments.posterior import SHIPPED_FORMAT, SHIPPED_KIND

    manifest, targets, post, gens, pred = open_folder(folder)
    final = post[post["generation"] == post["generation"].max()]
    w = final["weight"].to_numpy(dtype=float)
    data = {"kind": SHIPPED_KIND, "format": SHIPPED_FORMAT, "command": command,
            "created": manifest.get("finished"), "commit": manifest.get("commit"), "dirty": manifest.get("dirty"),
            "model_fingerprint": manifest["model_fingerprint"], "targets_file": manifest.get("targets_file"),
            "targets_sha256": manifest["targets_sha256"], "calibration_patterns": calibration_patterns(targets),
            "population": manifest.get("population"), "replications": manifest.get("replications"),
            "seed": manifest.get("seed"), "simulations": manifest.get("simulations"),
            "final_epsilon": manifest.get("final_epsilon"), "generation": int(final["generation"].iloc[0]),
            "parameters": list(targets.names), "priors": [p.to_dict() for p in targets.priors],
            "credible_90": manifest.get("credible_90"), "predictive_coverage": manifest.get("predictive_coverage"),
            **fit_report(targets, final, gens),
            "weights": [float(v) for v in w / w.sum()],
            "particles": [[float(v) for v in row] for row in final[list(targets.names)].to_numpy(dtype=float)]}
    path = Path(path)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return data


def coverage_rows(targets: Targets, pred: pd.DataFrame) -> list[dict[str, Any]]:
    """The posterior predictive check per target (calibrate_figures.predictive_coverage), as
    JSON-ready rows."""
    from .calibrate_figures import predictive_coverage

    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
            for row in predictive_coverage(targets, pred).to_dict("records")]


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs) -> list[float]:
    order = np.argsort(x)
    x, w = np.asarray(x, float)[order], np.asarray(w, float)[order]
    cw = (np.cumsum(w) - 0.5 * w) / w.sum()
    return [float(np.interp(q, cw, x)) for q in qs]


# ---------------------------------------------------------------- reading a folder back
def open_folder(folder: str | Path) -> tuple[dict[str, Any], Targets, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(manifest, targets, posterior, generations, predictive) of a complete folder; a
    foreign or corrupted folder is a one-line ``PosteriorError``."""
    from backbone.experiments.posterior import load_posterior

    folder = Path(folder)
    load_posterior(folder)  # checks kind, format, completeness and the posterior's hash
    manifest = read_manifest(folder)
    try:
        text = (folder / TARGETS).read_text(encoding="utf-8")
        targets = parse_targets(text, folder / TARGETS)
        if targets.digest != manifest.get("targets_sha256"):
            raise PosteriorError(f"{folder}: {TARGETS} does not match its manifest: the folder is corrupted")
        tables = [pd.read_parquet(folder / f) for f in (POSTERIOR, GENERATIONS, PREDICTIVE)]
    except (OSError, CalibrationError, ValueError) as exc:
        if isinstance(exc, PosteriorError):
            raise
        if isinstance(exc, CalibrationError) and "'role' is missing" in str(exc):
            raise PosteriorError(f"{folder}: its {TARGETS} was written before patterns had roles: calibrate "
                                 "again to redraw its figures (--posterior still reads the folder)") from None
        raise PosteriorError(f"{folder}: cannot read the calibration ({type(exc).__name__}): "
                             "the folder is corrupted") from None
    return (manifest, targets, *tables)


def calibration_figures(folder: str | Path) -> list[Path]:
    """Marginals, pairs, effective sample size per generation and the posterior
    predictive check, as PNGs in ``folder/figures``, from the folder alone
    (``analysis.calibrate_figures``)."""
    from .calibrate_figures import calibration_figures as draw

    return draw(folder, open_folder(folder))


def summary_text(manifest: Mapping[str, Any]) -> str:
    """The posterior's 90% credible intervals with whether the targets informed each
    parameter, the effective sample size per generation (with its warnings) and, when
    the folder has them, the posterior predictive check: each target's band against the
    draws' median and 90% interval, and the share of draws in the band."""
    informed = manifest.get("informed") or {}
    lines = [f"{'parameter':<28} {'5%':>10} {'median':>10} {'95%':>10}" + ("  sd/prior sd" if informed else "")]
    for name, q in manifest["credible_90"].items():
        inf = informed.get(name)
        tail = (f"  {inf['sd_ratio']:>6.2f}" + ("" if inf["informed"] else "  NOT INFORMED (close to the prior)")
                if inf else "")
        lines.append(f"{name:<28} {q['q05']:>10.4g} {q['median']:>10.4g} {q['q95']:>10.4g}{tail}")
    if informed:
        n = sum(not v["informed"] for v in informed.values())
        lines.append(f"  {len(informed) - n} of {len(informed)} parameters informed by the targets (not informed: "
                     f"posterior sd / prior sd > {manifest.get('uninformed_sd_ratio', UNINFORMED_SD_RATIO):g})")
    if manifest.get("ess"):
        floor = manifest.get("ess_floor", ESS_FLOOR)
        lines += ["", "effective sample size per generation: " + ", ".join(
            f"{e['generation']}: {e['ess']:.0f}/{e['particles']}" for e in manifest["ess"])
            + f" (floor {floor:.0%} of the particles)"]
        lines += [f"  {w}" for w in manifest.get("ess_warnings") or []]
    coverage = manifest.get("predictive_coverage") or []
    if coverage:
        def g(x):
            return "nan" if x is None else f"{x:.3g}"
        share = manifest.get("covered_share", COVERED_SHARE)
        lines += ["", "posterior predictive check (the draws' median [90% interval] against each target's band):"]
        for row in coverage:
            head = f"  {row['target']:<34} "
            if row["share_in_band"] is None:
                lines.append(head + "no draws")
                continue
            flag = "" if row["covered"] else "  NOT COVERED"
            lines.append(f"{head}[{g(row['low'])}, {g(row['high'])}]  {g(row['median'])} [{g(row['p05'])}, "
                         f"{g(row['p95'])}]  {row['share_in_band']:.0%} of draws in band{flag}")
        n = sum(bool(row["covered"]) for row in coverage)
        lines.append(f"  {n} of {len(coverage)} targets covered (covered: at least {share:.0%} of the draws in the "
                     "band: the calibrated model reproduces the pattern more often than not)")
    return "\n".join(lines)


__all__ = ["CalibrationError", "Targets", "Prior", "load_targets", "parse_targets", "band_distance", "band_scale",
           "Distance", "Model", "calibrate", "finish", "calibration_figures", "open_folder", "predictive_check",
           "weighted_quantiles", "summary_text", "coverage_rows", "NAN_PENALTY", "COVERED_SHARE", "ESS_FLOOR",
           "UNINFORMED_SD_RATIO", "FIT_RULES", "SIZE_FLAGS", "particle_seed", "fit_report", "ess_warning", "sd_ratio",
           "prior_sd", "export_posterior", "check_posterior_roles", "calibration_patterns"]
