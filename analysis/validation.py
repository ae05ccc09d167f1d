"""Pattern-oriented validation (Grimm et al. 2005): run the model on the patterns of a
patterns file (``analysis.patterns``), estimate each pattern's measure over replicated
runs with a 95% confidence interval, and judge it against the band its source reports.

Runs. Patterns that share their parameters share their runs: each distinct parameter set
is run ``replications`` times, replication r with seed ``seed + r`` (common random
numbers: the same seed in every arm, as ``backbone compare``), together with the
counterfactual runs its paired measures need (same seed). Each group is an arm of the
analysis' one arm runner (``analysis.scenario_runs.run_arm_jobs``, then
``experiments.run_many``: this process, local processes or Dask); the measures are
computed in the worker, so only floats travel back, as the ``patterns`` part of the
runner's record.

Statistic over runs (the pattern's ``statistic``, by default its measure's):

- ``mean``: the mean of the finite values and its two-sided 95% t-interval,
  mean +- t(0.975, n - 1) * sd / sqrt(n) (``scipy.stats.t``); for values in [0, 1]
  (``bounded_pattern``: ``event_by_cohorts``, a share metric) the bootstrap BCa interval
  of the mean instead, which stays in [0, 1] (``analysis.stats``);
- ``share`` (0/1 measures such as ``event_by``): the share of runs with a 1 and its 95%
  Wilson score interval (``scipy.stats.binomtest(...).proportion_ci(method="wilson")``);
- ``median`` (default for ``first_month``): the median and its 95% percentile bootstrap
  interval (``scipy.stats.bootstrap``, 2,000 resamples, seeded). For ``first_month`` a
  run in which the metric never crosses counts as month horizon + 1 (right-censored),
  which leaves the median exact as long as fewer than half the runs are censored; an
  estimate above the horizon reads "never". (A mean of such months is refused.)

Verdict per pattern, with target band [lo, hi] (inclusive):

- **reproduced**: the point estimate lies in the band;
- **partly**: the point estimate lies outside the band, but its 95% CI overlaps it;
- **missed**: the 95% CI lies entirely outside the band (or there is no estimate, or no
  CI and the estimate is outside).

The set passes when the share of reproduced patterns is at least the file's
``required_share`` ("partly" does not count).

Usage::

    from backbone.analysis.patterns import load_patterns
    from backbone.analysis.validation import run_patterns, validation_table, passes
    ps = load_patterns()
    runs = run_patterns(ps, replications=10)      # one row per (pattern, replication)
    table = validation_table(ps, runs)
    passes(table, ps.required_share)
"""

from __future__ import annotations

import datetime as dt
import json
import math
import warnings
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from backbone.experiments import Executor, Job
from backbone.simulation import Params, simulate

from .compare import t_interval
from .measures import MEASURES, evaluate
from .patterns import Pattern, PatternSet
from .scenario_runs import run_arm_jobs

LEVEL = 0.95
N_RESAMPLES = 2000
VERDICTS = ("reproduced", "partly", "missed")
RUN_COLUMNS = ("pattern", "replication", "seed", "value")
TABLE_COLUMNS = ("pattern", "title", "kind", "cite", "source", "measure", "statistic", "target_low",
                 "target_high", "horizon", "n", "estimate", "ci_low", "ci_high", "verdict")
VERDICT_RULE = (
    "reproduced: the point estimate lies in the target band (bounds included); "
    "partly: the estimate lies outside the band but its 95% confidence interval overlaps it; "
    "missed: the 95% confidence interval lies entirely outside the band (or there is no estimate). "
    "Statistics over runs: mean with a 95% t-interval (a bootstrap BCa interval, inside [0, 1], for "
    "measures that are shares); share of runs with a Wilson interval for 0/1 "
    "measures; median with a 95% percentile bootstrap interval for first-month measures (a run where it "
    "never happens counts as horizon + 1 month).")

# ---------------------------------------------------------------- running
def _key(params: Params) -> str:
    return json.dumps(params.to_dict(), sort_keys=True, default=str)


def pattern_values(res, p: Params, seed: int, counterfactuals: Mapping[str, dict],
                   jobs: list[tuple[str, str, dict, str | None]], drawn: tuple[str, ...] = ()
                   ) -> dict[str, Any]:
    """What a validation run keeps (in a worker), as the arm runner's record
    (``analysis.scenario_runs``): ``seed`` and ``patterns``, (pattern, value) for every
    pattern on this run, its counterfactuals (``counterfactuals``: parameters by id) run
    with the same seed and the run's values of ``drawn`` (the names a posterior draw set
    on it)."""
    draw = {k: getattr(p, k) for k in drawn}
    cfs = {k: simulate(Params({**v, **draw}), seed) for k, v in counterfactuals.items()}
    return {"seed": int(seed), "patterns": [(pattern, evaluate(measure, res, args, cfs.get(cf) if cf else None))
                                            for pattern, measure, args, cf in jobs]}


def group_jobs(pset_groups, replications: int, seed: int, over: Mapping[str, Any] | None = None,
               posterior=None) -> list[Job]:
    """One job per group of patterns (``groups``): ``replications`` runs of its
    parameters (with ``over`` applied to them and to its counterfactuals), replication
    r with seed ``seed + r`` and, with a ``posterior`` (``experiments.posterior``), its
    draw r in the runs and their counterfactuals alike (a name the arms set
    differently is their contrast and is left to them)."""
    from backbone.experiments.posterior import replication_draws

    over = dict(over or {})
    out = []
    for main, cfs, jobs in pset_groups:
        main, cfs = {**main, **over}, {k: {**v, **over} for k, v in cfs.items()}
        draws = replication_draws(posterior, [main, *cfs.values()], replications, seed, skip=over)
        drawn = tuple(sorted(draws[0])) if draws else ()
        out.append(Job.replicated(main, replications, seed, draws=draws or None, keep=pattern_values,
                                  counterfactuals=cfs, jobs=jobs, **({"drawn": drawn} if drawn else {})))
    return out


def job_rows(jobs: list[Job], got: Mapping[int, list]) -> list[tuple[str, int, int, float]]:
    """(pattern, replication, seed, value) rows of the jobs' records (``got[g]``: job g's
    ``pattern_values`` records, in run order)."""
    return [(pattern, r, int(job.seeds[r]), value) for g, job in enumerate(jobs)
            for r, rec in enumerate(got[g]) for pattern, value in rec["patterns"]]


def groups(patterns: Iterable[Pattern]) -> list[tuple[dict, dict[str, dict], list[tuple[str, str, dict, str | None]]]]:
    """Patterns grouped by the parameters of their runs: (parameters, counterfactual
    parameters by id, jobs (pattern, measure, args, counterfactual id))."""
    out: dict[str, tuple[dict, dict[str, dict], list]] = {}
    for pat in patterns:
        k = _key(pat.params)
        main, cfs, jobs = out.setdefault(k, (pat.params.to_dict(), {}, []))
        cf_id = None
        if pat.counterfactual is not None:
            ck = _key(pat.counterfactual)
            ids = {json.dumps(v, sort_keys=True, default=str): i for i, v in cfs.items()}
            cf_id = ids.get(ck)
            if cf_id is None:
                cf_id = f"cf{len(cfs)}"
                cfs[cf_id] = pat.counterfactual.to_dict()
        jobs.append((pat.key, pat.measure, dict(pat.args), cf_id))
    return list(out.values())


def runs_needed(pset: PatternSet, replications: int | None = None) -> int:
    """Simulations a validation will run (counterfactuals included)."""
    n = pset.replications if replications is None else replications
    return sum(n * (1 + len(cfs)) for _, cfs, _ in groups(pset.patterns))


def run_patterns(pset: PatternSet, replications: int | None = None, executor: Executor | None = None,
                 posterior=None) -> pd.DataFrame:
    """Every pattern's measure on every replication (replication r with seed
    ``pset.seed + r`` and, with a ``posterior``, its draw r): columns ``RUN_COLUMNS``,
    ordered by the file's pattern order, then replication. The runs go through the
    analysis' one arm runner (``analysis.scenario_runs.run_arm_jobs``) on ``executor``;
    the table does not depend on where they ran. Every pattern given is run, whatever its role: ``backbone validate`` passes
    only the validation patterns (``PatternSet.with_role``)."""
    n = pset.replications if replications is None else int(replications)
    jobs = group_jobs(groups(pset.patterns), n, pset.seed, posterior=posterior)
    rows = job_rows(jobs, run_arm_jobs(dict(enumerate(jobs)), executor))
    order = {p.key: i for i, p in enumerate(pset.patterns)}
    rows.sort(key=lambda row: (order[row[0]], row[1]))
    return pd.DataFrame(rows, columns=list(RUN_COLUMNS))


# ---------------------------------------------------------------- statistics and verdicts
def wilson(values: np.ndarray, level: float = LEVEL) -> tuple[int, float, float, float]:
    """(n, share, low, high) of 0/1 values, with the Wilson score interval."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if not np.isin(x, (0.0, 1.0)).all():
        raise ValueError("a share needs 0/1 values")
    n, k = len(x), int(x.sum())
    if n == 0:
        return 0, math.nan, math.nan, math.nan
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    return n, k / n, float(ci.low), float(ci.high)


def median_ci(values: np.ndarray, horizon: int | None = None, level: float = LEVEL, seed: int = 0
              ) -> tuple[int, float, float, float]:
    """(n, median, low, high) with a percentile bootstrap interval (seeded). With
    ``horizon`` the values are months and a NaN means "not by the horizon": it counts as
    ``horizon + 1`` (right-censored); without, NaNs are left out."""
    x = np.asarray(values, dtype=float)
    x = np.where(np.isnan(x), horizon + 1.0, x) if horizon is not None else x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return 0, math.nan, math.nan, math.nan
    med = float(np.median(x))
    if n < 2:
        return n, med, math.nan, math.nan
    if np.ptp(x) == 0:
        return n, med, med, med
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.bootstrap((x,), np.median, confidence_level=level, n_resamples=N_RESAMPLES,
                              method="percentile", rng=np.random.default_rng(seed))
    return n, med, float(res.confidence_interval.low), float(res.confidence_interval.high)


def censored_median(values: np.ndarray, horizon: int, level: float = LEVEL, seed: int = 0
                    ) -> tuple[int, float, float, float]:
    """``median_ci`` of months, a NaN (never) counted as ``horizon + 1``."""
    return median_ci(values, horizon, level, seed)


def bounded_pattern(pat) -> bool:
    """True when a pattern's per-run values lie in [0, 1] (``event_by_cohorts``, or
    ``metric_at`` / ``metric_mean`` of a share or 0-1 scale): its mean gets the bootstrap
    interval, which stays in [0, 1] (``analysis.stats``)."""
    from .compare import bounded

    if pat.measure == "event_by_cohorts":
        return True
    return pat.measure in ("metric_at", "metric_mean") and bounded(str(pat.args.get("metric", "")))


def interval_method(statistic: str, is_bounded: bool = False) -> str:
    """The name of the interval ``estimate`` gives a statistic (``stats.METHODS``)."""
    from .stats import BOOTSTRAP, T, WILSON

    return {"share": WILSON, "median": "bootstrap percentile"}.get(statistic, BOOTSTRAP if is_bounded else T)


def estimate(values: np.ndarray, statistic: str, horizon: int | None = None, seed: int = 0,
             bounded: bool = False) -> tuple[int, float, float, float]:
    """(n, estimate, ci low, ci high) of one pattern's values over runs; ``horizon``: the
    values are months, NaN meaning not by the horizon (``first_month``); ``bounded``: the
    values lie in [0, 1], and a mean gets the bootstrap BCa interval instead of the t."""
    if statistic == "mean":
        if horizon is not None:
            raise ValueError("a mean of months that may never come is undefined: use the median")
        if bounded:
            from .stats import bounded_mean_ci

            x = np.asarray(values, dtype=float)
            e = bounded_mean_ci(np.clip(x[np.isfinite(x)], 0.0, 1.0), seed=seed)
            return int(np.isfinite(x).sum()), e.value, e.lo, e.hi
        return t_interval(values, LEVEL)
    if statistic == "share":
        return wilson(values)
    if statistic == "median":
        return median_ci(values, horizon, seed=seed)
    raise ValueError(f"unknown statistic {statistic!r}")


def verdict(value: float, lo: float, hi: float, band: tuple[float, float]) -> str:
    """reproduced / partly / missed (see the module docstring)."""
    b_lo, b_hi = band
    if not math.isfinite(value):
        return "missed"
    if b_lo <= value <= b_hi:
        return "reproduced"
    if math.isfinite(lo) and math.isfinite(hi) and hi >= b_lo and lo <= b_hi:
        return "partly"
    return "missed"


def validation_table(pset: PatternSet, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per pattern: columns ``TABLE_COLUMNS``."""
    rows = []
    for pat in pset.patterns:
        vals = runs.loc[runs["pattern"] == pat.key, "value"].to_numpy(dtype=float)
        censored = MEASURES[pat.measure].censored
        n, est, lo, hi = estimate(vals, pat.statistic, pat.horizon if censored else None, seed=pset.seed,
                                  bounded=bounded_pattern(pat))
        rows.append((pat.key, pat.title, pat.kind, pat.cite, pat.source, pat.measure, pat.statistic,
                     pat.target[0], pat.target[1], pat.horizon, n, est, lo, hi,
                     verdict(est, lo, hi, pat.target)))
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def reproduced(table: pd.DataFrame) -> int:
    return int((table["verdict"] == "reproduced").sum())


def passes(table: pd.DataFrame, required_share: float) -> bool:
    """True when the share of reproduced patterns is at least ``required_share``."""
    m = len(table)
    return m > 0 and reproduced(table) >= required_share * m - 1e-12


def summary_line(table: pd.DataFrame, required_share: float) -> str:
    m, k = len(table), reproduced(table)
    partly = int((table["verdict"] == "partly").sum())
    return (f"{k} of {m} reproduced, {partly} partly, {m - k - partly} missed "
            f"(required: {required_share:.0%} reproduced, i.e. {math.ceil(required_share * m - 1e-12)} of {m})")


# ---------------------------------------------------------------- formatting
def fmt_number(v: float, horizon: int | None = None) -> str:
    """An estimate for a table: 3 significant digits below 10, one decimal below 100,
    whole numbers above; a month past ``horizon`` reads "never"."""
    if not math.isfinite(v):
        return "inf" if v == math.inf else "-inf" if v == -math.inf else "-"
    if horizon is not None and v > horizon:
        return f"never (>{horizon})"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


def fmt_band(lo: float, hi: float) -> str:
    """A target band as the source gives it."""
    def one(x: float) -> str:
        return fmt_number(x) if not math.isfinite(x) else f"{x:,g}"
    return f"[{one(lo)}, {one(hi)}]"


def display_path(path) -> str:
    """A file's path relative to the working folder or the project, if it lies inside."""
    from pathlib import Path

    p = Path(path).resolve()
    for root in (Path.cwd(), Path(__file__).resolve().parents[1]):
        try:
            return p.relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


def fmt_estimate(row: pd.Series) -> str:
    h = int(row["horizon"]) if MEASURES[row["measure"]].censored else None
    est = fmt_number(row["estimate"], h)
    if not (math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"])):
        return est
    return f"{est} [{fmt_number(row['ci_low'], h)}, {fmt_number(row['ci_high'], h)}]"


def text_table(table: pd.DataFrame) -> str:
    """The table as fixed-width text for a terminal."""
    head = ("pattern", "source", "target", "estimate [95% CI]", "n", "verdict")
    body = [(r.pattern, r.cite, fmt_band(r.target_low, r.target_high), fmt_estimate(r), str(r.n), r.verdict)
            for _, r in table.iterrows()]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip() for row in (head, *body)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _arg_text(v) -> str:
    """A measure's argument as the table shows it: a window a..b, cohorts as
    month (weight) pairs, anything else as itself."""
    if isinstance(v, tuple) and v and isinstance(v[0], tuple):
        return ", ".join(f"{m} ({w:g})" for m, w in v)
    if isinstance(v, tuple):
        return f"{v[0]}..{v[1]}"
    return str(v)


def _posterior_line(post) -> str:
    """The provenance of a posterior the runs drew from, for docs/VALIDATION.md."""
    info = post.info or {}
    where = "the shipped posterior (`--posterior default`)" if post.shipped else f"posterior `{post.folder}`"
    pats = ", ".join(f"`{p.get('key')}`" for p in post.patterns) or "(not recorded)"
    made = info.get("command")
    return (f"- Parameters drawn from {where}: replication r takes draw r of {post.n} particles for "
            f"{', '.join(f'`{n}`' for n in post.names)}; fitted to the calibration patterns {pats}"
            + (f" by `{_md(made)}`" if made else "") + f"; model fingerprint {post.fingerprint}"
            + (" (other model code than these runs: refit it)" if post.stale() else "") + ".")


HAND_BEGIN = "<!-- BEGIN HAND-WRITTEN: discussion (kept when the file is regenerated) -->"
HAND_END = "<!-- END HAND-WRITTEN: discussion -->"


def hand_written(old: str | None) -> str:
    """The hand-written discussion of an earlier docs/VALIDATION.md (between HAND_BEGIN and
    HAND_END), to keep when the file is regenerated; "" if there is none."""
    if not old or HAND_BEGIN not in old or HAND_END not in old:
        return ""
    start = old.index(HAND_BEGIN)
    return old[start:old.index(HAND_END, start) + len(HAND_END)]


def markdown(pset: PatternSet, table: pd.DataFrame, command: str, replications: int,
             when: dt.datetime | None = None, posterior=None, keep: str = "") -> str:
    """docs/VALIDATION.md: the table, the verdict rule, what produced it (with the
    posterior's provenance when the runs drew from one), and the full citations. ``keep``:
    a hand-written discussion (``hand_written`` of the old file) placed after the table."""
    from backbone.experiments.store import git_commit, package_version

    when = when or dt.datetime.now(dt.timezone.utc)
    commit, dirty = git_commit()
    version = package_version()
    prov = f"backbone {version}" + (f", commit {commit[:12]}" if commit else "") + (
        " with uncommitted changes" if dirty else "")
    refs = pset.sources()
    num = {s: i + 1 for i, s in enumerate(refs)}
    ok = passes(table, pset.required_share)
    lines = [
        "# Validation",
        "",
        "Pattern-oriented validation (Grimm et al. 2005) of Backbone's defaults: each pattern is an "
        "empirical regularity from a published source, a measure of the model's runs, and the band the "
        "source reports. Every pattern has one role: validation patterns (this table) are judged and never "
        "fitted; calibration patterns are fitted by `backbone calibrate` (indirect parameterization, "
        "Railsback & Grimm 2019, ch. 20) and never judged, and no pattern has both roles. This file is "
        "generated: after any change to the model or the patterns, regenerate it with "
        f"`{command} --force`" + ("" if "--markdown" in command else " --markdown docs/VALIDATION.md") + ".",
        "",
        f"- Patterns: `{_md(display_path(pset.path))}`" + (f" - {_md(pset.description)}" if pset.description else ""),
        f"- Produced by: `{command}` on {when:%Y-%m-%d %H:%M} UTC ({prov})",
        f"- Runs: {replications} replications per pattern, seeds {pset.seed}..{pset.seed + replications - 1} "
        "(replication r uses the same seed in every scenario and counterfactual: common random numbers); "
        f"base scenario `{pset.scenario}`"
        + (f", horizon {pset.months} months" if pset.months else "")
        + (", overrides " + ", ".join(f"`{k} = {v}`" for k, v in pset.overrides.items()) if pset.overrides else ""),
        *([_posterior_line(posterior)] if posterior is not None else []),
        "",
        f"**{summary_line(table, pset.required_share)}: {'passes' if ok else 'fails'}.**",
        "",
        "| pattern | kind | source | measure | target | estimate [95% CI] | n | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for pat, (_, r) in zip(pset.patterns, table.iterrows()):
        what = f"{pat.statistic} of `{pat.measure}`" + "".join(
            f", {k} = {_arg_text(v)}" for k, v in pat.args.items() if v is not None and k != "against") + (
            f" vs `{pat.args['against']}`" if pat.counterfactual is not None else "") + (
            f" in `{pat.scenario}`" if pat.scenario != pset.scenario else "") + (
            "; set " + ", ".join(f"{k} = {v}" for k, v in pat.overrides.items()) if pat.overrides else "")
        lines.append(f"| **{_md(pat.key)}**: {_md(pat.title)} | {_md(pat.kind)} | {_md(pat.cite)} "
                     f"[{num[pat.source]}] | {_md(what)} | {fmt_band(*pat.target)} | {_md(fmt_estimate(r))} | "
                     f"{r.n} | {r.verdict} |")
    if keep:
        lines += ["", keep]
    lines += ["", "## Verdict rule", "", VERDICT_RULE + f" The set passes when at least "
              f"{pset.required_share:.0%} of the patterns are reproduced ('partly' does not count); "
              "`backbone validate` then exits 0, else 1.", ""]
    notes = [(p.key, p.note) for p in pset.patterns if p.note]
    if notes:
        lines += ["## Notes on the patterns", ""] + [f"- **{_md(k)}**: {_md(n)}" for k, n in notes] + [""]
    lines += ["## Measures", "", "A pattern names one of these measures (`analysis/measures.py`; the file format is "
              "described in `analysis/patterns.py` and the README's Validation section):", ""]
    lines += [f"- `{m.name}({', '.join(a + ('' if arg.required else f' = {arg.default}') for a, arg in m.args.items())})`: "
              f"{_md(m.doc)}; statistic over runs: {m.statistic}" for m in MEASURES.values()]
    lines += ["", "## References", ""] + [f"{i}. {_md(s)}" for s, i in num.items()]
    lines += ["", "Method: Grimm, V., Revilla, E., Berger, U., Jeltsch, F., Mooij, W. M., Railsback, S. F., "
              "Thulke, H.-H., Weiner, J., Wiegand, T., & DeAngelis, D. L. (2005). Pattern-oriented modeling "
              "of agent-based complex systems: lessons from ecology. Science, 310(5750), 987-991.", ""]
    return "\n".join(lines)


__all__ = ["VERDICTS", "VERDICT_RULE", "RUN_COLUMNS", "TABLE_COLUMNS", "run_patterns", "runs_needed",
           "groups", "wilson", "median_ci", "censored_median", "estimate", "verdict", "validation_table", "reproduced", "passes",
           "summary_line", "text_table", "markdown", "fmt_estimate", "fmt_band", "MEASURES"]
