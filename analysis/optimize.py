"""Where a backbone should put its hours: the best split of its hours across the six
principles (the ``effort_*`` weights, on the simplex) and, if asked, the best backbone
share, for one scenario.

- **Objectives**: ``impact`` (maximize the mean long-term impact) or ``net_cost``
  (minimize the net cost per additional sustained outcome, ``analysis.value``: money
  spent over the outcomes beyond the same partnership without the partnership, a ratio
  of sums over seeds).
- **Search**: optuna's TPE sampler (Bergstra et al. 2011; Akiba et al. 2019, "Optuna: a
  next-generation hyperparameter optimization framework", KDD), asked for ``batch``
  candidates at a time (constant liar, so a batch spreads out). A candidate's six
  numbers x_q in (0, 1) map to weights w_q = -ln(1 - x_q) / sum(-ln(1 - x_p)): uniform
  x gives a uniform (flat Dirichlet) draw on the simplex, and every point of the simplex
  can be reached. The kernels divide the weights by their sum, so only the shares
  matter.
- **Common random numbers**: every candidate runs on the same seeds (``seed0`` ..
  ``seed0 + replications - 1``), through the experiments layer's executors
  (``analysis.compare.run_scenarios``: in this process, a local pool or Dask).
- **Stored and resumable**: with a folder, the study lives in ``optimize.db`` (optuna's
  SQLite storage); running again on the folder continues to the number of trials asked
  for, and refuses a folder whose study has other settings.
- **Output** (``check``): the best allocation re-run on fresh seeds (``FRESH_SEED0``
  on: the search's seeds flatter the winner) with a 95% CI on its value; the gain over
  an even split and over the scenario's own allocation on those fresh seeds, with paired
  95% CIs; and *flatness*: the evaluated allocations whose value lies within ``FLAT`` of
  the best (1 percentage point of impact, or 1% of the net cost), as a range per weight.

Usage::

    from backbone.analysis.optimize import optimize
    res = optimize(load_scenario("baseline"), objective="impact", trials=64, replications=20)
    res.best_weights, res.best_value, res.gain_even, res.flat_ranges
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from backbone.experiments import Executor
from backbone.simulation import Params
from backbone.simulation.params import PRINCIPLES

from .stats import IMPACT, Estimate, bootstrap_ci, mean_ci, paired_diff_ci

OBJECTIVES = {"impact": "maximize", "net_cost": "minimize"}
OBJECTIVE_TEXT = {"impact": "long-term impact (share of the target population with a sustained outcome)",
                  "net_cost": "net cost per additional sustained outcome (k)"}
WEIGHTS = tuple(f"effort_{q}" for q in PRINCIPLES)
SHARE_RANGE = (0.0, 0.4)   # backbone share searched with --share (assumption: 0 to well past the 15% of practice)
FLAT = {"impact": 0.01, "net_cost": 0.01}   # impact: 1 pp absolute; net cost: 1% of the best, relative
FRESH_SEED0 = 1_000_000    # the check's seeds: far from any search's
DB = "optimize.db"
STUDY = "optimize"


class OptimizeError(ValueError):
    """Bad settings, or a folder whose study has other settings (one line)."""


# ---------------------------------------------------------------- the space
def weights_from(x: Sequence[float]) -> np.ndarray:
    """The simplex point of six numbers in [0, 1): w_q = -ln(1 - x_q) / sum."""
    e = -np.log1p(-np.clip(np.asarray(x, float), 0.0, 1.0 - 1e-12))
    s = e.sum()
    return np.full(len(e), 1.0 / len(e)) if s <= 0 else e / s


def x_from(weights: Sequence[float]) -> dict[str, float]:
    """Search coordinates that give these weights (the inverse of ``weights_from``, up to
    scale): x_q = 1 - exp(-w_q / max w)."""
    w = np.asarray(weights, float)
    w = w / w.max() if w.max() > 0 else np.ones_like(w)
    return {f"x_{q}": float(1.0 - np.exp(-v)) for q, v in zip(PRINCIPLES, w)}


def suggest(trial, share: bool) -> dict[str, float]:
    """A candidate: ``effort_*`` weights summing to 1 and, with ``share``, the
    backbone share."""
    x = [trial.suggest_float(f"x_{q}", 0.0, 1.0) for q in PRINCIPLES]
    cand = dict(zip(WEIGHTS, (float(v) for v in weights_from(x))))
    if share:
        cand["backbone_share"] = trial.suggest_float("backbone_share", *SHARE_RANGE)
    return cand


# ---------------------------------------------------------------- the search (model-free)
def search(evaluate: Callable[[list[dict]], list[float]], trials: int, *, share: bool = False,
           direction: str = "maximize", batch: int = 8, storage: str | None = None,
           settings: Mapping[str, Any] | None = None, seed: int = 0, progress: Callable | None = None,
           start: Sequence[Mapping[str, float]] = ()):
    """Run the study until it holds ``trials`` complete trials. ``evaluate(candidates)``
    returns one value per candidate (a dict of parameters); the values are stored with
    each trial (user attribute ``candidate``). ``storage``: an optuna storage URL (None:
    in memory). ``settings``: recorded on a new study and checked against a stored one.
    ``start``: search coordinates a new study evaluates first (e.g. the even split)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=True, multivariate=True)
    study = optuna.create_study(study_name=STUDY, storage=storage, direction=direction, sampler=sampler,
                                load_if_exists=True)
    settings = {k: v for k, v in (settings or {}).items()}
    stored = study.user_attrs.get("settings")
    if stored is None:
        study.set_user_attr("settings", settings)
        for x in start:
            study.enqueue_trial(dict(x), skip_if_exists=True)
    elif stored != json.loads(json.dumps(settings)):
        diff = [k for k in sorted(set(stored) | set(settings)) if stored.get(k) != json.loads(json.dumps(settings)).get(k)]
        raise OptimizeError(f"the folder holds a study with other settings ({', '.join(diff)}): "
                            "use another --out, or the same settings to resume")
    from optuna.trial import TrialState

    # trials left running by an interrupted batch are closed as failed: they are not counted
    for t in study.get_trials(states=(TrialState.RUNNING,)):
        study.tell(t.number, state=TrialState.FAIL)
    done = len(study.get_trials(states=(TrialState.COMPLETE,)))
    while done < trials:
        n = min(batch, trials - done)
        asked = [study.ask() for _ in range(n)]
        cands = [suggest(t, share) for t in asked]
        values = evaluate(cands)
        for t, c, v in zip(asked, cands, values):
            t.set_user_attr("candidate", c)
            study.tell(t, float(v) if np.isfinite(v) else (math.inf if direction == "minimize" else -math.inf))
        done += n
        if progress is not None:
            progress(done, trials, study)
    return study


def trials_table(study) -> pd.DataFrame:
    """One row per complete trial: number, value, and the candidate's parameters."""
    from optuna.trial import TrialState

    rows = [{"trial": t.number, "value": t.value, **t.user_attrs.get("candidate", {})}
            for t in study.get_trials(states=(TrialState.COMPLETE,))]
    return pd.DataFrame(rows)


def flatness(table: pd.DataFrame, direction: str, tolerance: float, relative: bool = False
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The evaluated candidates within ``tolerance`` of the best (absolute, or a share of
    the best with ``relative``) and, per parameter, their range (min, max)."""
    v = table.value.astype(float)
    best = v.max() if direction == "maximize" else v.min()
    tol = abs(best) * tolerance if relative else tolerance
    near = table[(v >= best - tol) if direction == "maximize" else (v <= best + tol)]
    cols = [c for c in table.columns if c not in ("trial", "value")]
    ranges = pd.DataFrame({"min": near[cols].min(), "max": near[cols].max()})
    return near, ranges


# ---------------------------------------------------------------- the model's objective
def _runs(params_by_name: Mapping[str, Params], replications: int, seed0: int, executor) -> pd.DataFrame:
    from .compare import run_scenarios

    return run_scenarios(params_by_name, replications, seed0, executor)


def per_seed(runs: pd.DataFrame, name: str, objective: str, cf: pd.DataFrame | None) -> dict[str, np.ndarray]:
    """A candidate's per-seed ingredients: impact, or money spent and additional outcomes
    (against the counterfactual runs ``cf`` on the same seeds)."""
    r = runs[runs.scenario == name].sort_values("seed")
    if objective == "impact":
        return {"impact": r[IMPACT].to_numpy(float)}
    c = cf.set_index("seed").reindex(r.seed)
    return {"spent": r["spent_total"].to_numpy(float),
            "extra": r["outcomes_total"].to_numpy(float) - c["outcomes_total"].to_numpy(float)}


def value_of(parts: Mapping[str, np.ndarray], objective: str) -> float:
    """Mean impact, or the net cost per additional outcome as a ratio of sums (inf when
    the partnership adds no outcome)."""
    if objective == "impact":
        return float(np.mean(parts["impact"]))
    extra = float(np.sum(parts["extra"]))
    return float(np.sum(parts["spent"]) / extra) if extra > 0 else math.inf


def _net_cost(spent, extra):
    e = np.sum(extra)
    return np.sum(spent) / e if e > 0 else np.inf


@dataclass
class Optimum:
    """What ``optimize`` finds (see the module's docstring)."""

    objective: str
    direction: str
    best: dict                      # the best candidate's parameters
    search_value: float             # its value on the search's seeds
    value: Estimate                 # its value on fresh seeds, with a 95% CI
    even: Estimate                  # the even split, on the same fresh seeds
    own: Estimate                   # the scenario's own allocation, likewise
    gain_even: Estimate             # best - even (impact) or even - best (net cost), paired
    gain_own: Estimate
    flat: pd.DataFrame              # candidates within FLAT of the best
    flat_ranges: pd.DataFrame       # per parameter: min, max over them
    trials: pd.DataFrame
    replications: int
    check_replications: int
    own_weights: dict = field(default_factory=dict)


def _validate(objective: str, trials: int, replications: int, check_replications: int, batch: int) -> None:
    if objective not in OBJECTIVES:
        raise OptimizeError(f"objective = {objective!r} is not allowed: expected one of {', '.join(OBJECTIVES)}")
    for name, v, lo, hi in (("trials", trials, 1, 100_000), ("replications", replications, 2, 100_000),
                            ("check_replications", check_replications, 2, 100_000), ("batch", batch, 1, 1000)):
        if not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
            raise OptimizeError(f"{name} = {v!r} is not allowed: expected a whole number from {lo} to {hi}")


def check_estimates(parts: Mapping[str, dict[str, np.ndarray]], objective: str
                    ) -> tuple[dict[str, Estimate], dict[str, Estimate]]:
    """The check's estimates of the best, even and own allocations (per-seed
    ingredients ``parts``), and the best's gain over even and own (paired by seed)."""
    if objective == "impact":
        est = {n: mean_ci(parts[n]["impact"]) for n in parts}
        gain = {n: paired_diff_ci(parts["best"]["impact"], parts[n]["impact"]) for n in ("even", "own")}
    else:
        est = {n: bootstrap_ci((parts[n]["spent"], parts[n]["extra"]), _net_cost) for n in parts}
        gain = {n: bootstrap_ci((parts[n]["spent"], parts[n]["extra"], parts["best"]["spent"], parts["best"]["extra"]),
                                lambda a, b, c, d: _net_cost(a, b) - _net_cost(c, d)) for n in ("even", "own")}
    return est, gain


def optimize(base: Params, objective: str = "impact", *, share: bool = False, trials: int = 64,
             replications: int = 20, check_replications: int = 50, batch: int = 8, seed0: int = 0,
             folder: Path | None = None, executor: Executor | None = None,
             settings: Mapping[str, Any] | None = None, progress: Callable | None = None) -> Optimum:
    """Search the effort weights (and the share) of ``base`` for ``objective``, then check
    the best on fresh seeds against an even split and the scenario's own allocation.
    ``executor``: where each batch of runs goes; ``progress(done, trials, study)``: called
    after each batch of trials."""
    from .value import counterfactual

    _validate(objective, trials, replications, check_replications, batch)
    direction = OBJECTIVES[objective]
    cf_runs: dict[int, pd.DataFrame] = {}

    def counterfactual_runs(reps: int, s0: int) -> pd.DataFrame | None:
        if objective != "net_cost":
            return None
        if s0 not in cf_runs:
            runs = _runs({"cf": counterfactual(base)}, reps, s0, executor)
            cf_runs[s0] = runs[runs.scenario == "cf"]
        return cf_runs[s0]

    def evaluate(cands: list[dict]) -> list[float]:
        cf = counterfactual_runs(replications, seed0)
        arms = {f"c{i}": base.replace(**c) for i, c in enumerate(cands)}
        runs = _runs(arms, replications, seed0, executor)
        return [value_of(per_seed(runs, n, objective, cf), objective) for n in arms]

    storage = None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        storage = f"sqlite:///{(folder / DB).resolve()}"
    record = {"objective": objective, "share": share, "replications": replications, "seed0": seed0,
              **dict(settings or {})}
    start = [x_from(np.ones(len(WEIGHTS)))]   # the even split and the scenario's own, first
    own_w = [float(getattr(base, w)) for w in WEIGHTS]
    if max(own_w) > 0 and len(set(own_w)) > 1:
        start.append(x_from(own_w))
    if share:
        start = [{**x, "backbone_share": float(min(max(base.backbone_share, SHARE_RANGE[0]), SHARE_RANGE[1]))}
                 for x in start]
    study = search(evaluate, trials, share=share, direction=direction, batch=batch, storage=storage,
                   settings=record, seed=seed0, progress=progress, start=start)
    table = trials_table(study)
    best = dict(study.best_trial.user_attrs["candidate"])
    near, ranges = flatness(table, direction, FLAT[objective], relative=objective == "net_cost")

    # the check: best, even and own on fresh seeds (common random numbers among them)
    own = {w: float(getattr(base, w)) for w in WEIGHTS}
    total = sum(own.values()) or 1.0
    own = {w: v / total for w, v in own.items()}
    arms = {"best": base.replace(**best), "even": base.replace(**{w: 1.0 / len(WEIGHTS) for w in WEIGHTS}),
            "own": base}
    runs = _runs(arms, check_replications, FRESH_SEED0, executor)
    cf = counterfactual_runs(check_replications, FRESH_SEED0)
    est, gain = check_estimates({n: per_seed(runs, n, objective, cf) for n in arms}, objective)
    res = Optimum(objective, direction, best, float(study.best_value), est["best"], est["even"], est["own"],
                  gain["even"], gain["own"], near, ranges, table, replications, check_replications, own)
    if folder is not None:
        write(res, folder)
    return res


# ---------------------------------------------------------------- words and files
def _est(e: Estimate, objective: str) -> str:
    if objective == "impact":
        return f"{100 * e.value:.1f}% [{100 * e.lo:.1f}, {100 * e.hi:.1f}]"
    return f"{e.value:.1f} k [{e.lo:.1f}, {e.hi:.1f}]"


def _gain(e: Estimate, objective: str) -> str:
    if objective == "impact":
        return f"{100 * e.value:+.1f} pp [{100 * e.lo:+.1f}, {100 * e.hi:+.1f}]"
    return f"{e.value:+.1f} k less per outcome [{e.lo:+.1f}, {e.hi:+.1f}]"


def _param_text(name: str, v: float) -> str:
    label = name.removeprefix("effort_")
    return f"{label} {100 * v:.0f}%"


def summary_lines(res: Optimum) -> list[str]:
    """The result in words, one line per item."""
    o = res.objective
    flat_what = "1 pp" if o == "impact" else "1%"
    lines = [f"objective: {OBJECTIVE_TEXT[o]} ({res.direction}); {len(res.trials)} allocations searched, each on "
             f"the same {res.replications} seeds",
             "best split of the backbone's hours: " + ", ".join(_param_text(w, res.best[w]) for w in WEIGHTS)
             + (f"; backbone share {100 * res.best['backbone_share']:.1f}%" if "backbone_share" in res.best else ""),
             f"its value on {res.check_replications} fresh seeds: {_est(res.value, o)} (on the search's seeds: "
             + (f"{100 * res.search_value:.1f}%)" if o == "impact" else f"{res.search_value:.1f} k)"),
             f"gain over an even split (each principle 1/6, the scenario's share): {_gain(res.gain_even, o)}; even split: {_est(res.even, o)}",
             f"gain over the scenario's own allocation: {_gain(res.gain_own, o)}; own: {_est(res.own, o)}",
             f"flatness: {len(res.flat)} of {len(res.trials)} allocations lie within {flat_what} of the best "
             "(on the search's seeds); their ranges: "
             + ", ".join(f"{r.Index.removeprefix('effort_')} {100 * r.min:.0f}-{100 * r.max:.0f}%"
                         for r in res.flat_ranges.itertuples())]
    even = res.trials[np.isclose(res.trials[list(WEIGHTS)], 1 / len(WEIGHTS)).all(axis=1)]
    if len(even):
        inside = even.trial.iloc[0] in set(res.flat.trial)
        v = float(even.value.iloc[0])
        lines.append("the even split on the search's seeds: " + (f"{100 * v:.1f}%" if o == "impact" else f"{v:.1f} k")
                     + (", within the flat set" if inside else ", outside the flat set")
                     + "; the best of many noisy estimates looks better than it is, which the fresh-seed check corrects")
    return lines


def to_dict(res: Optimum) -> dict:
    """The result as plain data (JSON-ready: NaN as None): every estimate as ``{"value",
    "ci": [lo, hi], "ci_method", "level", "unit"}``."""
    unit = ("share of the target population" if res.objective == "impact"
            else "money per additional sustained outcome")
    e = lambda x, u=unit: x.to_json(unit=u)  # noqa: E731  {"value", "ci": [lo, hi], "ci_method", "level", "unit"}
    d = f"{unit} (difference)"
    return {"objective": res.objective, "direction": res.direction, "unit": unit, "best": res.best,
            "search_value": res.search_value, "value": e(res.value), "even": e(res.even), "own": e(res.own),
            "own_weights": res.own_weights, "gain_over_even": e(res.gain_even, d), "gain_over_own": e(res.gain_own, d),
            "trials": len(res.trials), "replications": res.replications,
            "check_replications": res.check_replications, "flat_count": len(res.flat),
            "flat_ranges": {k: {"min": float(r["min"]), "max": float(r["max"])}
                            for k, r in res.flat_ranges.iterrows()}}


def write(res: Optimum, folder: Path) -> None:
    """``optimum.json`` (the result) and ``trials.csv`` (every evaluated allocation)."""
    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        return None if isinstance(v, float) and not math.isfinite(v) else v

    (folder / "optimum.json").write_text(json.dumps(clean(to_dict(res)), indent=2) + "\n")
    res.trials.to_csv(folder / "trials.csv", index=False)


__all__ = ["OBJECTIVES", "WEIGHTS", "SHARE_RANGE", "FLAT", "Optimum", "OptimizeError", "optimize", "search",
           "flatness", "trials_table", "weights_from", "summary_lines", "to_dict"]
