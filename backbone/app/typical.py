"""How typical is the pair on the board? The backbone effect of this seed against the
same settings on many seeds.

The *backbone effect* of a seed is the twins' difference at the horizon: people with a
sustained outcome with a backbone minus without one (``impact``, the board's "sustained
outcome now" at the last month). ``seed_effects`` computes it on ``SEEDS`` seeds (1 to
100) of the same parameters, and ``standing`` places this seed among them: its
percentile (mid-rank: ties count half), the median and the range, and the *typical
seed*, the seed whose effect lies nearest the median (the lowest such seed).

Runs of parameters alone go through ``experiments.run_many`` (serial, the fast path);
a lesson with a mid-run action (a turnover wave, a funder pulling out, a press release)
is applied at its month to both models of each seed, as on the board, by stepping
``PartnershipModel``s (slower: about a second a run). Results are cached per parameter
set and lesson (``cached_effects``), so the page computes each set once, in the
background (``backbone.app.page``'s sidebar).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from backbone.analysis.arms import no_backbone
from backbone.simulation import METRICS, PartnershipModel, Params

from .lessons import Lesson

SEEDS = tuple(range(1, 101))   # the seeds a pair is compared with
METRIC = "impact"              # people with a sustained outcome (a count)


def pair_effects(params: Params, seeds: Sequence[int]) -> dict[int, float]:
    """{seed: with minus without a backbone, ``METRIC`` at the horizon}, for parameters
    alone (no mid-run action), through ``experiments.run_many`` on one process."""
    from backbone.experiments import SERIAL, Job, run_many

    seeds = [int(s) for s in seeds]
    jobs = {arm: Job(p.to_dict(), seeds, options={"outputs": [METRIC]})
            for arm, p in (("with", params), ("without", no_backbone(params)))}
    got = run_many(jobs, SERIAL)
    return {s: float(a[METRIC]) - float(b[METRIC]) for s, a, b in zip(seeds, got["with"], got["without"])}


def _final(params: Params, seed: int, lesson: Lesson) -> float:
    model = PartnershipModel(params=params, rng=int(seed), max_beneficiary_agents=0)
    while model.month < params.months:
        if lesson.due(model.month + 1):
            lesson.apply(model)
        model.step()
    return float(model.last_row[METRICS.index(METRIC)])


def lesson_effects(params: Params, seeds: Sequence[int], lesson: Lesson,
                   stop: Callable[[], bool] = lambda: False) -> dict[int, float]:
    """{seed: with minus without a backbone} with ``lesson``'s action applied to both
    models at its month, as on the board. ``stop()`` true: give up (returns what is done)."""
    out = {}
    for s in seeds:
        if stop():
            break
        out[int(s)] = _final(params, s, lesson) - _final(no_backbone(params), s, lesson)
    return out


@dataclass(frozen=True)
class Standing:
    """Where one seed's backbone effect stands among many seeds'."""

    seed: int
    effect: float            # this seed's with-minus-without difference
    percentile: float        # 0-100, mid-rank
    median: float
    low: float               # the smallest and largest effect over the seeds
    high: float
    typical_seed: int        # the seed whose effect is nearest the median
    seeds: int               # how many seeds were compared

    def words(self, lesson: str | None = None) -> str:
        """The standing for the room, in one paragraph of plain words; ``lesson``: the
        title of the lesson played on every seed, if any."""
        def people(x: float) -> str:
            n = round(x)
            noun = "person" if abs(n) == 1 else "people"
            return "as many people" if n == 0 else f"{abs(n):,} {'more' if n > 0 else 'fewer'} {noun}"
        return (f"On seed {self.seed} the partnership with a backbone ends with {people(self.effect)} with a "
                f"sustained outcome than its twin without one. Over {self.seeds} seeds of the same settings"
                f"{f' and the same lesson ({lesson.lower()})' if lesson else ''} it "
                f"ends with {people(self.low)} to {people(self.high)} (median: {people(self.median)}): "
                f"this seed is at the {ordinal(self.percentile)} percentile.")


def ordinal(p: float) -> str:
    """'50th', '1st', '92nd' of a percentile (rounded)."""
    n = int(round(p))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def standing(seed: int, effects: dict[int, float]) -> Standing:
    """Where ``seed``'s effect (``effects[seed]``) stands among all of ``effects``: the
    mid-rank percentile, median, range and the typical seed (nearest the median; the
    lowest seed among ties)."""
    if seed not in effects:
        raise KeyError(f"seed {seed} is not among the seeds compared")
    vals = np.array(list(effects.values()), dtype=float)
    x = effects[seed]
    pct = 100.0 * (np.sum(vals < x) + 0.5 * np.sum(vals == x)) / vals.size
    med = float(np.median(vals))
    typical = min(effects, key=lambda s: (abs(effects[s] - med), s))
    return Standing(int(seed), float(x), float(pct), med, float(vals.min()), float(vals.max()), int(typical),
                    int(vals.size))


_CACHE: dict[tuple, dict[int, float]] = {}
_LOCK = threading.Lock()
CACHE_SETS = 64   # parameter sets kept (the oldest goes first): about 100 numbers each


def cache_key(params: Params, lesson: Lesson | None) -> tuple:
    return (repr(sorted(params.to_dict().items())), None if lesson is None else lesson.key)


def cached_effects(params: Params, seed: int, lesson: Lesson | None = None, seeds: Sequence[int] = SEEDS,
                   stop: Callable[[], bool] = lambda: False) -> dict[int, float] | None:
    """The effects on ``seeds`` plus ``seed``, computed once per parameter set and lesson
    (module cache shared by every tab, the last ``CACHE_SETS`` sets); None if ``stop()``
    cut the work short."""
    key = cache_key(params, lesson)
    with _LOCK:
        have = dict(_CACHE.get(key, {}))
    need = [s for s in dict.fromkeys([*seeds, int(seed)]) if s not in have]
    if need:
        if lesson is not None and lesson.action is not None:
            got = lesson_effects(params, need, lesson, stop)
        else:
            got = pair_effects(params, need)
        have.update(got)
        with _LOCK:
            _CACHE.setdefault(key, {}).update(got)
            while len(_CACHE) > CACHE_SETS:
                _CACHE.pop(next(iter(_CACHE)))
        if len(got) < len(need):
            return None
    wanted = set(seeds) | {int(seed)}
    return {s: v for s, v in have.items() if s in wanted}


__all__ = ["SEEDS", "METRIC", "Standing", "pair_effects", "lesson_effects", "standing", "cached_effects",
           "ordinal"]
