"""The claims engine: each practitioners' claim as an experiment, an estimate with a 95%
CI, a verdict in words, the share of the uncertainty space where it holds, a figure.

A ``Claim`` has two steps. ``plan(ctx)`` returns the experiments it needs, as
``{arm: ExperimentSpec}``: its own spec (experiments/claims/<key>.toml), the arms that
spec is compared with, and its re-test at every point of the uncertainty design
(experiments/claims/uncertainty.toml). ``run_claims`` runs the experiments of every
claim in one batch (``batch.run_spec_arms``: the analysis' one arm runner), then ``judge(ctx, results)`` turns a
claim's tables into a ``ClaimResult``. A claim's key, title and source live on its
``Claim`` alone (the registry, ``analysis.claimset``, lists them; the CLI's help is built
from it); ``run_claims`` attaches the claim to each result. Verdicts come only from these runs: nothing in
this package knows the numbers the claims make, except the claimed values themselves
(e.g. the 3-4 range), which are what the runs are compared with.

Verdict words (``combine``) say which way an estimate misses its claim:

- *supported*: the estimate lies within the claim (its band, or the claimed direction)
  in the claim's own experiment (the base scenario) and the claim holds at two thirds
  or more of the uncertainty points;
- *exceeded*: the model finds more than claimed (the estimate lies above the claimed
  band) in the base scenario, and the claim holds at a third or fewer of the points;
- *fell short*: the model finds less than claimed (below the band, or no material
  effect where one is claimed, or the opposite), likewise;
- *depends*: otherwise (the answer flips across the uncertainty space, or the base
  scenario cannot tell and the space is split). Never with a unanimous space: a claim
  holding at every point is supported (base undecided or within), one holding at none
  exceeded or fell short in the direction the points miss it (``combine``'s
  ``direction``).

Every claim re-tested over the uncertainty space also gets *where* it holds: a PRIM box
in words with its coverage and density (``analysis.robustness.prim_box``), or "no box:
holds nowhere / everywhere".

``VERDICT_TEXT`` gives each word's sentence, e.g. "exceeded: the model finds more than
claimed". A judge places its base estimate with ``band_answer`` (a two-sided band) or
``holds_from_effect`` (a one-sided claim: a material effect in the claimed direction);
``paired`` and ``robust_two`` are the paired contrast and its re-test over the
uncertainty points that several judges share.

Sizes: ``--full`` runs the specs as written; ``--quick`` caps replications and shrinks
the uncertainty and Sobol designs (``SIZES``) to run in minutes on a laptop.

Usage::

    from backbone.analysis.claims import run_claims, verdict_table
    from backbone.analysis.claimset import CLAIMS
    from backbone.experiments import Executor
    results = run_claims(CLAIMS, "quick", Executor(workers=2))
    print(verdict_table(results).to_string())
"""

from __future__ import annotations

from dataclasses import dataclass, field
import importlib.resources
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from backbone.experiments import SUMMARY_METRICS, Executor, ExperimentSpec, load_experiment

from .batch import Arm, arm_spec, run_spec_arms
from .robustness import share_holding
from .stats import IMPACT, MATERIAL, Estimate, is_material, paired_diff_ci

CLAIMS_DIR = Path(str(importlib.resources.files("backbone.experiments"))) / "claims"  # package data
VERDICTS = ("supported", "exceeded", "fell short", "depends")
VERDICT_TEXT = {
    "supported": "supported: the model finds what is claimed",
    "exceeded": "exceeded: the model finds more than claimed",
    "fell short": "fell short: the model finds less than claimed",
    "depends": "depends: the answer changes across the plausible assumptions",
    "-": "no verdict: this analysis makes no claim",
}
# Where a base estimate lies against its claim: within it, above or below it, or None
# (its interval straddles an edge: undecided).
ANSWERS = ("within", "above", "below")


def verdict_text(word: str) -> str:
    """The verdict word as a sentence that says which way the estimate misses."""
    return VERDICT_TEXT.get(word, word)


def band_answer(est: Estimate, lo: float, hi: float) -> str | None:
    """Where ``est`` lies against a claimed band [lo, hi]: ``within`` (its value inside),
    ``above`` or ``below`` (its whole interval outside), None (undecided: the value is
    outside but the interval reaches the band, or the estimate is missing)."""
    if est.value != est.value:
        return None
    if lo <= est.value <= hi:
        return "within"
    if est.lo > hi:
        return "above"
    if est.hi < lo:
        return "below"
    return None


@dataclass(frozen=True)
class Size:
    """How big the claim experiments are. None keeps the spec's own value."""

    name: str
    replications: int | None = None     # cap on a claim spec's replications
    points: int | None = None           # uncertainty design points
    point_reps: int | None = None       # replications per uncertainty point
    sobol_samples: int | None = None    # Sobol' base samples N (a power of 2)
    sobol_reps: int | None = None       # replications per Sobol' point
    fixed: Mapping[str, Any] = field(default_factory=dict)  # parameters set in every run (tests)


SIZES = {
    "quick": Size("quick", replications=24, points=12, point_reps=2, sobol_samples=16, sobol_reps=1),
    "full": Size("full"),
}


@dataclass
class Context:
    """What every claim needs: the size, the folder of claim specs, and the seed for
    bootstrap resampling."""

    size: Size
    folder: Path = CLAIMS_DIR
    seed: int = 0

    def spec(self, key: str) -> ExperimentSpec:
        """The claim's own spec, with replications capped by the size."""
        spec = self._fixed(load_experiment(self.folder / f"{key}.toml"))
        if self.size.replications is not None and spec.replications > self.size.replications:
            spec = spec.replace(replications=self.size.replications)
        return spec

    def _fixed(self, spec: ExperimentSpec) -> ExperimentSpec:
        if not self.size.fixed:
            return spec
        return spec.replace(fixed={**spec.to_dict().get("fixed", {}), **dict(self.size.fixed)})

    def uncertainty(self, drop: tuple[str, ...] = ()) -> ExperimentSpec:
        """The uncertainty design (a Latin hypercube), resized, without the factors in
        ``drop`` (the ones a claim sets itself)."""
        spec = self._fixed(load_experiment(self.folder / "uncertainty.toml"))
        raw = spec.to_dict()
        factors = {k: v for k, v in raw["factors"].items() if k not in drop}
        changes: dict[str, Any] = {"factors": factors}
        if self.size.points is not None:
            changes["samples"] = min(self.size.points, spec.samples)
        if self.size.point_reps is not None:
            changes["replications"] = min(self.size.point_reps, spec.replications)
        return spec.replace(**changes)

    def robust_arms(self, arms: Mapping[str, Arm], drop: tuple[str, ...] = (), **changes: Any
                    ) -> dict[str, ExperimentSpec]:
        """One uncertainty spec per arm, keyed ``robust:<arm>``: the same points and
        seeds in every arm (common random numbers)."""
        base = self.uncertainty(drop)
        return {f"robust:{name}": arm_spec(base, arm, **changes) for name, arm in arms.items()}


@dataclass
class ClaimResult:
    """A claim's outcome: ``estimate`` (the headline number with its CI, in words),
    ``verdict`` (one of VERDICTS), ``detail`` (what it depends on, or why), ``share``
    (of the uncertainty points where the claim holds), ``figure`` (matplotlib), and the
    tables behind them. ``claim`` (set by ``run_claims``) gives its key, title and
    source."""

    estimate: str
    verdict: str
    detail: str
    share: Estimate | None = None
    figure: Any = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    runs: int = 0
    box: Any = None   # analysis.robustness.Box: where in the uncertainty space it holds
    claim: "Claim | None" = None
    numbers: list = field(default_factory=list)   # the estimate as numbers (``number``), for --json

    @property
    def key(self) -> str:
        return self.claim.key if self.claim is not None else ""

    @property
    def title(self) -> str:
        return self.claim.title if self.claim is not None else ""

    @property
    def source(self) -> str:
        return self.claim.source if self.claim is not None else ""


def where_it_holds(points: pd.DataFrame | None, factors) -> Any:
    """The PRIM box of a claim's uncertainty points (a ``holds`` column and the
    factor columns), or None without points."""
    from .robustness import prim_box

    if points is None or "holds" not in points.columns:
        return None
    return prim_box(points, [f for f in factors if f in points.columns])


@dataclass(frozen=True)
class Claim:
    """A claim: its ``key`` (CLI name, file names), ``title`` (the claim in words),
    ``source`` (who makes it), ``plan`` (its experiments) and ``judge`` (its verdict)."""

    key: str
    title: str
    source: str
    plan: Callable[[Context], dict[str, ExperimentSpec]]
    judge: Callable[[Context, dict], ClaimResult]


def holds_from_effect(est: Estimate, material: float = MATERIAL) -> bool | None:
    """True: a clear, material positive effect; False: the CI lies below the material
    size; None: undecided."""
    if is_material(est, material):
        return True
    if est.hi < material:
        return False
    return None


def paired(runs: pd.DataFrame, col: str, a: Any, b: Any, metric: str = IMPACT) -> Estimate:
    """The paired difference (same replication, so same seed) of ``metric`` between the
    runs with ``col == a`` and those with ``col == b``, with its CI."""
    w = runs.pivot_table(index="replication", columns=col, values=metric)
    return paired_diff_ci(w[a], w[b])


def robust_two(results: Mapping[str, tuple], a: str, b: str, metric: str = IMPACT
               ) -> tuple[pd.DataFrame, Estimate, str]:
    """Uncertainty points for a two-arm contrast (results keys ``robust:<a>`` and
    ``robust:<b>``): the claim holds where arm a beats arm b by at least ``MATERIAL``
    (point means). Returns the points, the share holding, and what it depends on ("")."""
    pts = point_means(results, {"a": f"robust:{a}", "b": f"robust:{b}"}, metric)
    pts["diff"] = pts.a - pts.b
    pts["holds"] = pts["diff"] >= MATERIAL
    return pts, share_holding(pts.holds), ""


def combine(base: bool | str | None, share: Estimate | None, depends_on: str = "",
            direction: str | None = None) -> tuple[str, str]:
    """The verdict word and a reason, from where the base scenario's estimate lies
    against the claim (``within``, ``above``, ``below``; True means within and False
    below, for one-sided claims; None: undecided) and the share of uncertainty points
    where the claim holds. ``direction`` (``above`` or ``below``): which way the points
    where the claim does not hold mostly miss it (default: the base scenario's miss, else
    ``below``, less than claimed).

    "depends" never comes with a unanimous space: a claim that holds at every point is
    supported (when the base scenario is undecided or within), and one that holds at no
    point is exceeded or fell short in ``direction`` (when the base is undecided or within),
    with the base scenario's answer said in the reason."""
    answer = {True: "within", False: "below"}.get(base, base) if isinstance(base, bool) else base
    if answer not in ANSWERS + (None,):
        raise ValueError(f"base = {base!r} is not allowed: expected True, False, None or one of {ANSWERS}")
    if direction not in (None, "above", "below"):
        raise ValueError(f"direction = {direction!r} is not allowed: expected 'above', 'below' or None")
    missed = {"above": "exceeded", "below": "fell short"}
    if share is None or share.value != share.value:
        return {"within": "supported", None: "depends"}.get(answer, missed.get(answer)), ""
    s = share.value
    if answer == "within" and s >= 2 / 3:
        return "supported", ""
    if answer in missed and s <= 1 / 3:
        return missed[answer], ""
    base_words = {"within": "holds in the base scenario", None: "undecided in the base scenario",
                  "above": "the model finds more than claimed in the base scenario",
                  "below": "the model finds less than claimed in the base scenario"}[answer]
    if s >= 1.0 and answer in ("within", None):
        return "supported", f"holds at every uncertainty point; {base_words}"
    if s <= 0.0 and answer in ("within", None):
        way = direction or "below"
        return missed[way], f"holds at no uncertainty point; {base_words}"
    if s >= 1.0 and answer in missed:
        return missed[answer], (f"{base_words}, though the claim holds at every uncertainty point (their means "
                                "rest on fewer runs)")
    where = {"within": "holds in the base scenario", "above": "the model finds more than claimed in the base "
             "scenario", "below": "the model finds less than claimed in the base scenario",
             None: "undecided in the base scenario"}[answer]
    why = f"{where}, holds at {100 * s:.0f}% of uncertainty points"
    return "depends", f"{why}; {depends_on}" if depends_on else why


def with_factors(spec: ExperimentSpec, months: pd.DataFrame | None) -> pd.DataFrame | None:
    """A monthly table with the design points' factor values joined on (by point)."""
    if months is None:
        return None
    return months.merge(spec.design_points().reset_index(), on="point", how="left")


def run_claims(claims: list[Claim], size: str | Size = "quick", executor: Executor | None = None,
               folder: Path | None = None, seed: int = 0, posterior=None) -> list[ClaimResult]:
    """Plan each of ``claims`` (e.g. ``analysis.claimset.CLAIMS``), run all their
    experiments in one batch on ``executor`` (``batch.run_spec_arms``), judge each
    claim. ``posterior``: draw the calibrated parameters per replication, keeping the
    names on which the arms of one claim differ."""
    size = SIZES[size] if isinstance(size, str) else size
    ctx = Context(size, folder or CLAIMS_DIR, seed)
    plans = {c.key: c.plan(ctx) for c in claims}
    jobs = {(key, arm): spec for key, arms in plans.items() for arm, spec in arms.items()}
    done = run_spec_arms(jobs, executor, posterior=posterior, group=lambda key: key[0])
    results = []
    for c in claims:
        mine = {arm: (runs, with_factors(plans[c.key][arm], months))
                for arm in plans[c.key] for runs, months in [done[(c.key, arm)]]}
        res = c.judge(ctx, mine)
        res.claim = c
        res.runs = sum(spec.runs_total for spec in plans[c.key].values())
        if res.box is None:
            res.box = where_it_holds(res.tables.get("points"), ctx.uncertainty().factor_names)
        results.append(res)
    return results


IMPACT_DIFF = "share of the target population (difference)"   # units of the claims' numbers
IMPACT_UNIT = "share of the target population"
SHARE_OF_RUNS = "share of runs"
SHARE_OF_POINTS = "share of uncertainty points"


def number(name: str, value: Any, unit: str = "") -> dict:
    """One number of a claim's estimate for ``--json``: an ``Estimate`` as ``{"name",
    "value", "ci": [lo, hi], "ci_method", "level", "unit"}``, a plain number as ``{"name",
    "value", "unit"}``; NaN as None."""
    from .stats import json_number

    if isinstance(value, Estimate):
        return value.to_json(unit=unit, name=name)
    out = {"name": name, "value": json_number(value)}
    if unit:
        out["unit"] = unit
    return out


def claim_record(r: ClaimResult) -> dict:
    """A claim's result with numbers as numbers (``backbone claims --json``): key, claim,
    source, verdict (the word) and its sentence, why, the estimate in words and as
    ``estimates`` (``number`` dicts), the share of the uncertainty space where it holds
    (value, ci [lo, hi], ci_method), the PRIM box (``discover.box_record``), runs."""
    from .discover import box_record

    share = None
    if r.share is not None and r.share.value == r.share.value:
        share = r.share.to_json(unit=SHARE_OF_POINTS)
    return {"key": r.key, "claim": r.title, "source": r.source, "verdict": r.verdict,
            "verdict_text": verdict_text(r.verdict), "why": r.detail, "estimate_text": r.estimate,
            "estimates": list(r.numbers), "holds_share": share,
            "box": None if r.box is None else box_record(r.box), "runs": int(r.runs)}


def verdict_table(results: list[ClaimResult]) -> pd.DataFrame:
    """One row per claim: claim, source, estimate, verdict, why, where it holds (the
    PRIM box in words, with coverage and density), share holding, runs."""
    rows = []
    for r in results:
        share = "" if r.share is None or r.share.value != r.share.value else (
            f"{100 * r.share.value:.0f}% [{100 * r.share.lo:.0f}, {100 * r.share.hi:.0f}]")
        rows.append({"claim": r.title, "source": r.source, "estimate (95% CI)": r.estimate,
                     "verdict": verdict_text(r.verdict), "why": r.detail,
                     "where it holds (PRIM box)": "" if r.box is None else r.box.words,
                     "holds at (share of space)": share,
                     "runs": r.runs})
    return pd.DataFrame(rows)


def markdown_table(table: pd.DataFrame) -> str:
    """A plain Markdown table (no extra dependency)."""
    cols = list(table.columns)
    esc = lambda v: str(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def factor_columns(runs: pd.DataFrame) -> list[str]:
    """The factor columns of a runs table (neither ids nor metrics)."""
    return [c for c in runs.columns if c not in ("point", "replication", "seed") and c not in SUMMARY_METRICS]


def point_means(results: Mapping[str, tuple], arms: Mapping[str, str], metric: str) -> pd.DataFrame:
    """Per uncertainty point: the factor values and, for each arm, the mean of ``metric``
    over the point's replications. ``arms`` maps a column name to a results key."""
    frames = []
    for col, key in arms.items():
        runs = results[key][0]
        if not frames:
            frames.append(runs.groupby("point")[factor_columns(runs)].first())
        frames.append(runs.groupby("point")[metric].mean().rename(col))
    return pd.concat(frames, axis=1).reset_index()
