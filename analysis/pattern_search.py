"""Which validation patterns can the model reproduce anywhere in its assumptions' ranges?

``backbone validate --search SPEC.toml``. Pattern-oriented modelling tells a model that
misses a pattern at its defaults from one that cannot meet it at all: sample the
parameters no source fixes over their plausible ranges and filter the samples by the
patterns (Wiegand, Revilla & Knauer 2004, "Dealing with uncertainty in spatially explicit
population models", Biodiversity and Conservation 13(1), 53-78,
doi:10.1023/B:BIOC.0000004313.86836.AB; Grimm et al. 2005, Science
310, 987-991: a structure no parameterization brings to a pattern is rejected by it, and
must change). This module runs every validation pattern of a patterns file at every point
of an experiment design (an ``experiments.spec`` file: its factors, design, samples,
replications, root seed and ``fixed``), judges each point as ``backbone validate``
does, and says per pattern at what share of the points it was reproduced, and how many
patterns any one point reproduced together.

It is a diagnostic and never a fit: it judges validation patterns and so must not set a
default (calibration patterns do that, ``backbone calibrate``). Nothing here returns a
"best" point as a recommendation; the points that reproduced most are listed so that a
reader can see which assumptions they share.

The design's factors and ``fixed`` values are set in every run of a pattern and in its
counterfactual alike (``validation.group_jobs``); a parameter that a pattern's comparison
varies (e.g. ``regime`` against ``isolated_impact``) is its contrast and cannot be a factor,
nor can ``months`` (each pattern has its own horizon). Replication r uses seed
``patterns.seed + r`` at every point (common random numbers across points)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping

import numpy as np
import pandas as pd

from backbone.experiments import Executor
from backbone.experiments.spec import ExperimentError, ExperimentSpec
from backbone.simulation import Params
from backbone.simulation.params import ParameterError

from .patterns import PatternSet
from .scenario_runs import run_arm_jobs
from .validation import VERDICTS, fmt_band, fmt_number, group_jobs, groups, job_rows, validation_table

NOT_FOR_SEARCH = ("scenario", "months", "keep_monthly", "outputs")  # the patterns decide these
REFERENCES = (
    "Wiegand, T., Revilla, E., & Knauer, F. (2004). Dealing with uncertainty in spatially explicit population "
    "models. Biodiversity and Conservation, 13(1), 53-78. doi:10.1023/B:BIOC.0000004313.86836.AB; Grimm, V., "
    "Revilla, E., Berger, U., Jeltsch, F., Mooij, W. M., Railsback, S. F., Thulke, H.-H., Weiner, J., Wiegand, T., "
    "& DeAngelis, D. L. (2005). Pattern-oriented modeling of agent-based complex systems: lessons from ecology. "
    "Science, 310(5750), 987-991; Bergstra, J., Bardenet, R., Bengio, Y., & Kegl, B. (2011). Algorithms for "
    "hyper-parameter optimization. Advances in Neural Information Processing Systems 24; Akiba, T., Sano, S., "
    "Yanase, T., Ohta, T., & Koyama, M. (2019). Optuna: a next-generation hyperparameter optimization framework. "
    "Proceedings of KDD 2019, 2623-2631.")


@dataclass(frozen=True)
class Search:
    """A checked search: the patterns, the design points (one row per point, one column
    per factor), the overrides of each point (``fixed`` included) and the replications."""

    pset: PatternSet
    spec: ExperimentSpec
    points: pd.DataFrame
    overrides: tuple[dict[str, Any], ...]
    method: str = ""    # how the points were chosen, in words (default: the spec's design)

    @property
    def how(self) -> str:
        return self.method or f"a {self.spec.design.replace('_', ' ')} design"

    @property
    def replications(self) -> int:
        return self.spec.replications

    def runs(self) -> int:
        per_point = sum(self.replications * (1 + len(cfs)) for _, cfs, _ in groups(self.pset.patterns))
        return per_point * len(self.overrides)


def _contrasts(pset: PatternSet) -> dict[str, str]:
    """Parameter -> a pattern whose comparison varies it (main and counterfactual differ)."""
    out: dict[str, str] = {}
    for main, cfs, jobs in groups(pset.patterns):
        by_cf = {cf: key for key, _, _, cf in jobs if cf}
        for cf_id, cf in cfs.items():
            for k in main:
                if main[k] != cf.get(k):
                    out.setdefault(k, by_cf.get(cf_id, jobs[0][0]))
    return out


def check_spec(pset: PatternSet, spec: ExperimentSpec) -> None:
    """The spec's keys, and its factors and fixed values against the patterns'
    contrasts: bad input raises ``ExperimentError`` with one line naming the field."""
    src = spec.source
    raw = spec.to_dict()
    for key in NOT_FOR_SEARCH:
        if key in raw:
            raise ExperimentError(f"{src}: {key} is not used by a pattern search (each pattern runs its own "
                                  "scenario and horizon, and keeps its own measure): remove it")
    fixed_names = tuple(raw.get("fixed", {}) or {})
    if "months" in fixed_names or "months" in spec.factor_names:
        raise ExperimentError(f"{src}: months cannot be set in a pattern search: each pattern has its own horizon")
    contrast = _contrasts(pset)
    for name in (*spec.factor_names, *fixed_names):
        if name in contrast:
            raise ExperimentError(f"{src}: {name} is what pattern {contrast[name]} compares (its counterfactual sets "
                                  "it differently): it cannot be a factor or fixed in a search")


def plan_search(pset: PatternSet, spec: ExperimentSpec) -> Search:
    """Check a search before anything runs (``check_spec``, then every design point's
    parameters in every pattern's runs and counterfactuals: ``with_points``)."""
    check_spec(pset, spec)
    return with_points(pset, spec, spec.design_points())


def _fixed(spec: ExperimentSpec) -> dict[str, Any]:
    return {k: getattr(spec.base, k) for k in (spec.to_dict().get("fixed", {}) or {})}


def with_points(pset: PatternSet, spec: ExperimentSpec, points: pd.DataFrame, method: str = "") -> Search:
    """A search of the given points (one column per factor), each checked in every
    pattern's runs and counterfactuals (the schema's joint rules, e.g. complexity <=
    n_dimensions): a point that is not allowed raises ``ExperimentError`` naming it."""
    fixed = _fixed(spec)
    overrides = []
    arms = [arm for main, cfs, _ in groups(pset.patterns) for arm in (main, *cfs.values())]
    for i, row in enumerate(points.itertuples(index=False)):
        point = {k: v.item() if isinstance(v, np.generic) else v for k, v in zip(points.columns, row)}
        over = {**fixed, **point}
        for arm in arms:
            try:
                Params({**arm, **over})
            except ParameterError as exc:
                shown = ", ".join(f"{k}={v!r}" for k, v in point.items())
                raise ExperimentError(f"{spec.source}: design point {i} ({shown}): {exc}") from None
        overrides.append(over)
    return Search(pset, spec, points.reset_index(drop=True), tuple(overrides), method)


# ---------------------------------------------------------------- an adaptive search

def closeness(pset: PatternSet, results: pd.DataFrame) -> float:
    """How near a point's estimates lie to their bands, in (0, 1]: the mean over patterns
    of 1 / (1 + d), d the distance from the estimate to the band in band widths (0 in the
    band; a pattern with no estimate counts 0). Breaks ties between points that reproduce
    as many patterns, so that an adaptive search can tell which way is closer."""
    est = dict(zip(results["pattern"], results["estimate"]))
    out = []
    for pat in pset.patterns:
        v = float(est.get(pat.key, float("nan")))
        lo, hi = pat.target
        if not np.isfinite(v):
            out.append(0.0)
            continue
        width = max(hi - lo, 1e-9 * max(1.0, abs(lo), abs(hi)), 1e-12)
        d = max(lo - v, v - hi, 0.0) / width
        out.append(1.0 / (1.0 + d))
    return float(np.mean(out)) if out else 0.0


def adaptive_search(pset: PatternSet, spec: ExperimentSpec, trials: int, executor: Executor | None = None,
                    batch: int = 8) -> tuple[Search, pd.DataFrame]:
    """An adaptive search for the point that reproduces the most patterns: optuna's TPE
    sampler (Bergstra et al. 2011; Akiba et al. 2019), seeded with the spec's root seed,
    draws ``trials`` points inside the factors' ranges (a factor with levels is a
    category, an integer parameter an integer), ``batch`` at a time (each batch runs as
    one batch of runs), and maximizes the number of patterns reproduced plus their
    ``closeness`` (below 1, so it only breaks ties). The design's own points are not used.
    Returns the search of the points it tried, in order, and their results. The same spec
    and trials give the same points and results. Like the design search it is a
    diagnostic: the best point says how much the structure can reproduce, and no default
    is taken from it."""
    import optuna

    check_spec(pset, spec)
    names = [f.name for f in spec.factors]
    corners = [[f.levels[0] if f.levels else f.lo for f in spec.factors],
               [f.levels[-1] if f.levels else f.hi for f in spec.factors]]
    with_points(pset, spec, pd.DataFrame(corners, columns=names))  # the box's corners, before any run
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=spec.root_seed, multivariate=True, constant_liar=True)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    points: list[dict[str, Any]] = []
    frames: list[pd.DataFrame] = []
    while len(points) < trials:
        asked = [study.ask() for _ in range(min(batch, trials - len(points)))]
        rows = [{f.name: _suggest(t, f) for f in spec.factors} for t in asked]
        part = with_points(pset, spec, pd.DataFrame(rows, columns=names))
        got = run_search(part, executor)
        for j, trial in enumerate(asked):
            r = got[got["point"] == j]
            study.tell(trial, int((r["verdict"] == "reproduced").sum()) + closeness(pset, r))
        got["point"] += len(points)
        frames.append(got)
        points += rows
    how = (f"an adaptive search (optuna's TPE sampler, seed {spec.root_seed}, {trials} points in batches of "
           f"{batch}, maximizing the patterns reproduced)")
    return with_points(pset, spec, pd.DataFrame(points, columns=names), how), pd.concat(frames, ignore_index=True)


def _suggest(trial, factor) -> Any:
    if factor.levels is not None:
        return trial.suggest_categorical(factor.name, list(factor.levels))
    if factor.param.kind == "int":
        return trial.suggest_int(factor.name, int(factor.lo), int(factor.hi))
    return trial.suggest_float(factor.name, float(factor.lo), float(factor.hi))


CHUNK = 64  # points whose runs go out together: the records held at once stay bounded


def run_search(search: Search, executor: Executor | None = None, chunk: int = CHUNK) -> pd.DataFrame:
    """Every pattern judged at every point: one row per (point, pattern) with the
    point's factor values, ``pattern``, ``estimate``, ``ci_low``, ``ci_high`` and
    ``verdict``, in point order, then the file's pattern order. The runs of ``chunk``
    points at a time go as one batch through the analysis' arm runner
    (``scenario_runs.run_arm_jobs``), so a search of any size holds one chunk's records at
    a time; the executor's progress counts the whole search. The results do not depend
    on ``chunk`` or on where the runs ran."""
    pset, n = search.pset, search.replications
    grouped = groups(pset.patterns)
    total, done = len(search.overrides) * len(grouped) * n, 0   # runs as the arm runner counts them
    frames = []
    for start in range(0, len(search.overrides), max(1, int(chunk))):
        ids = range(start, min(start + max(1, int(chunk)), len(search.overrides)))
        jobs = {(i, g): job for i in ids
                for g, job in enumerate(group_jobs(grouped, n, pset.seed, over=search.overrides[i]))}
        ex = executor
        if executor is not None and executor.progress is not None:
            ex = replace(executor, progress=lambda d, t, off=done: executor.progress(off + d, total))
        got = run_arm_jobs(jobs, ex)
        done += sum(len(job) for job in jobs.values())
        for i in ids:
            rows = job_rows([jobs[(i, g)] for g in range(len(grouped))], {g: got[(i, g)] for g in range(len(grouped))})
            table = validation_table(pset, pd.DataFrame(rows, columns=["pattern", "replication", "seed", "value"]))
            t = table[["pattern", "estimate", "ci_low", "ci_high", "verdict"]].copy()
            t.insert(0, "point", i)
            for name in search.points.columns:
                t[name] = search.points.at[i, name]
            frames.append(t)
    return pd.concat(frames, ignore_index=True)


def per_point(search: Search, results: pd.DataFrame) -> pd.DataFrame:
    """One row per point: its factor values and how many patterns it reproduced."""
    counts = results.assign(ok=results["verdict"] == "reproduced").groupby("point")["ok"].sum()
    out = search.points.copy()
    out.insert(0, "point", range(len(out)))
    out["reproduced"] = counts.reindex(out["point"]).to_numpy().astype(int)
    return out


def per_pattern(search: Search, results: pd.DataFrame) -> pd.DataFrame:
    """One row per pattern: its band, the share of points at which each verdict came,
    and the range of the estimates over the points (NaN estimates left out)."""
    rows = []
    for pat in search.pset.patterns:
        r = results[results["pattern"] == pat.key]
        est = r["estimate"].to_numpy(dtype=float)
        finite = est[np.isfinite(est)]
        share = {v: float((r["verdict"] == v).mean()) if len(r) else float("nan") for v in VERDICTS}
        rows.append({"pattern": pat.key, "target_low": pat.target[0], "target_high": pat.target[1],
                     "horizon": pat.horizon if pat.statistic == "median" else None,
                     **{f"share_{v}": share[v] for v in VERDICTS},
                     "estimate_min": float(finite.min()) if finite.size else float("nan"),
                     "estimate_max": float(finite.max()) if finite.size else float("nan")})
    return pd.DataFrame(rows)


def conflicts(search: Search, results: pd.DataFrame) -> list[tuple[str, str, int, int]]:
    """Pairs of patterns that some points reproduce each but no point reproduces both:
    (a, b, points reproducing a, points reproducing b), in the file's order. Two bands
    of one measure that do not overlap are always here; so are patterns that pull the
    model's parameters in opposite directions (as far as the points searched show)."""
    ok = results.assign(ok=results["verdict"] == "reproduced").pivot(index="point", columns="pattern", values="ok")
    keys = [p.key for p in search.pset.patterns if p.key in ok.columns and ok[p.key].any()]
    out = []
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            if not (ok[a] & ok[b]).any():
                out.append((a, b, int(ok[a].sum()), int(ok[b].sum())))
    return out


def needed(pset: PatternSet) -> int:
    """Patterns a point must reproduce to pass the file's required share."""
    return int(np.ceil(pset.required_share * len(pset.patterns) - 1e-9))


def summary(search: Search, results: pd.DataFrame) -> dict[str, Any]:
    """The search in numbers: points, patterns, the most any point reproduced, how many
    points did, how many reached the file's required share, and the patterns no point
    reproduced."""
    points = per_point(search, results)
    pats = per_pattern(search, results)
    best = int(points["reproduced"].max()) if len(points) else 0
    return {"points": len(points), "patterns": len(search.pset.patterns), "replications": search.replications,
            "runs": search.runs(), "most_reproduced": best, "points_at_most": int((points["reproduced"] == best).sum()),
            "needed": needed(search.pset), "points_passing": int((points["reproduced"] >= needed(search.pset)).sum()),
            "never_reproduced": [p for p, s in zip(pats["pattern"], pats["share_reproduced"]) if s == 0],
            "never_together": [list(c) for c in conflicts(search, results)]}


def share_text(share: float) -> str:
    """A share of points as a percentage that never rounds a few points to 0% or 100%."""
    if not np.isfinite(share):
        return "-"
    if 0 < share < 0.01:
        return "<1%"
    if 0.99 < share < 1:
        return ">99%"
    return f"{share:.0%}"


def _conflict_lines(s: Mapping[str, Any], md: bool = False) -> list[str]:
    if not s["never_together"]:
        return []
    q = "`" if md else ""
    head = ("Reproduced at some points each, never at the same point (pairs that pull the parameters apart, as far "
            "as the points searched show):")
    return ["", head, *[f"{'- ' if md else '  '}{q}{a}{q} ({_points(na)}) and {q}{b}{q} ({_points(nb)})"
                        for a, b, na, nb in s["never_together"]]]


def _points(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"


def best_points(search: Search, results: pd.DataFrame, top: int = 3) -> list[dict[str, Any]]:
    """The ``top`` points that reproduced most (ties by point order): each its number,
    factor values, count reproduced and the patterns it did not reproduce."""
    points = per_point(search, results)
    best = points.sort_values(["reproduced", "point"], ascending=[False, True]).head(top)
    out = []
    for r in best.to_dict(orient="records"):
        rows = results[results["point"] == r["point"]]
        out.append({**r, "not_reproduced": list(rows.loc[rows["verdict"] != "reproduced", "pattern"])})
    return out


def _value(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def text(search: Search, results: pd.DataFrame, top: int = 3) -> str:
    """The search as printed by ``backbone validate --search``."""
    s = summary(search, results)
    pats = per_pattern(search, results)
    factors = list(search.points.columns)
    lines = [f"Most patterns reproduced at any one point: {s['most_reproduced']} of {s['patterns']} "
             f"({_points(s['points_at_most'])}); a pass needs {s['needed']}: "
             f"{s['points_passing']} of {s['points']} points reach it.", "",
             f"{'pattern':42s} {'band':>16s} {'reproduced':>10s} {'partly':>7s} {'missed':>7s}  estimates over the points"]
    for r in pats.itertuples(index=False):
        h = r.horizon
        lines.append(f"{r.pattern[:42]:42s} {fmt_band(r.target_low, r.target_high):>16s} "
                     f"{share_text(r.share_reproduced):>10s} {share_text(r.share_partly):>7s} "
                     f"{share_text(r.share_missed):>7s}  {fmt_number(r.estimate_min, h)} .. {fmt_number(r.estimate_max, h)}")
    if s["never_reproduced"]:
        lines += ["", "Reproduced at no point: " + ", ".join(s["never_reproduced"]) + "."]
    lines += _conflict_lines(s)
    lines += ["", "The points that reproduced most (a diagnostic: no default is taken from a search of "
                  "validation patterns):"]
    for b in best_points(search, results, top):
        vals = ", ".join(f"{f} = {_value(b[f])}" for f in factors)
        lines.append(f"  point {b['point']}: {b['reproduced']} reproduced, not {', '.join(b['not_reproduced']) or '-'}; "
                     f"{vals}")
    return "\n".join(lines)


def markdown(search: Search, results: pd.DataFrame, command: str, when: str) -> str:
    """The search as Markdown (e.g. docs/VALIDATION_SEARCH.md)."""
    s = summary(search, results)
    pats = per_pattern(search, results)
    spec = search.spec
    factor_rows = [f"| `{f.name}` | {fmt_band(f.lo, f.hi) if f.continuous else ', '.join(map(str, f.levels))} |"
                   for f in spec.factors]
    lines = [
        "# Which patterns can the model reproduce at all?", "",
        "A search of the assumptions' plausible ranges (pattern-oriented model rejection: Wiegand, Revilla & "
        "Knauer 2004; Grimm et al. 2005). Every validation pattern of "
        f"`{search.pset.path.name if search.pset.path else 'the patterns file'}` is judged, as `backbone validate` "
        f"judges it, at each of {s['points']} points of {search.how} over the "
        f"parameters below, {s['replications']} replications per pattern and point ({s['runs']:,} runs). "
        "It is a diagnostic, never a fit: no default is taken from it (defaults come from sources, or from "
        "calibration patterns, which a search never sees). This file is generated: regenerate it with "
        f"`{command}`.", "",
        f"- Produced: {when}",
        f"- Points: {search.how}; factors and ranges from `{spec.source}`",
        "", "| parameter | range searched |", "|---|---|", *factor_rows, "",
        f"**Most patterns reproduced at any one point: {s['most_reproduced']} of {s['patterns']} "
        f"({_points(s['points_at_most'])}); a pass needs {s['needed']}: {s['points_passing']} of {s['points']} "
        "points reach it.**", "",
        "| pattern | band | reproduced at | partly at | missed at | estimates over the points |",
        "|---|---|---|---|---|---|"]
    for r in pats.itertuples(index=False):
        lines.append(f"| {r.pattern} | {fmt_band(r.target_low, r.target_high)} | {share_text(r.share_reproduced)} | "
                     f"{share_text(r.share_partly)} | {share_text(r.share_missed)} | {fmt_number(r.estimate_min, r.horizon)} .. "
                     f"{fmt_number(r.estimate_max, r.horizon)} |")
    if s["never_reproduced"]:
        lines += ["", "Reproduced at no point: " + ", ".join(f"`{p}`" for p in s["never_reproduced"]) + "."]
    lines += _conflict_lines(s, md=True)
    counts = per_point(search, results)["reproduced"].value_counts().sort_index()
    lines += ["", "Points by the number of patterns they reproduced: "
              + ", ".join(f"{int(k)}: {int(v)}" for k, v in counts.items()) + "."]
    best = best_points(search, results)
    lines += ["", "The points that reproduced most (shown to say what they share; no default is taken from them):",
              "", "| | " + " | ".join(f"point {b['point']}" for b in best) + " |",
              "|---|" + "---|" * len(best),
              "| reproduced | " + " | ".join(str(b["reproduced"]) for b in best) + " |",
              *[f"| `{f}` | " + " | ".join(_value(b[f]) for b in best) + " |" for f in search.points.columns],
              "| not reproduced | " + " | ".join(", ".join(b["not_reproduced"]) or "-" for b in best) + " |",
              "", "References: " + REFERENCES]
    return "\n".join(lines) + "\n"


def search_doc(search: Search, results: pd.DataFrame) -> dict[str, Any]:
    """``--json``: the summary, per pattern the shares and estimate range, per point the
    factor values and the count reproduced."""
    def num(v):
        return None if v is None or (isinstance(v, float) and not np.isfinite(v)) else v

    pats = per_pattern(search, results).to_dict(orient="records")
    points = per_point(search, results).to_dict(orient="records")
    clean = [{k: num(v.item() if isinstance(v, np.generic) else v) for k, v in row.items()} for row in pats]
    pts = [{k: num(v.item() if isinstance(v, np.generic) else v) for k, v in row.items()} for row in points]
    return {"command": "validate --search", "design": search.spec.source, **summary(search, results),
            "patterns_searched": clean, "points_searched": pts}


__all__ = ["Search", "plan_search", "with_points", "run_search", "adaptive_search", "closeness", "per_point",
           "per_pattern", "conflicts", "best_points", "summary", "share_text", "text", "markdown", "search_doc", "needed",
           "NOT_FOR_SEARCH"]
