"""Replicated runs of named arms with everything a report needs, on common random numbers.

``detailed_run(params, seed)`` is one run reduced to a small record: the metrics at the
horizon (``Result.summary()``), a few monthly series, counts of each event type, and who
reached a sustained outcome, by how many need dimensions a person has (the "to whom" of
an impact narrative). ``run_arm_jobs`` is the analysis' one arm runner: it runs jobs
(``experiments.Job``: an arm's replicated runs and what each keeps) through
``experiments.run_many`` (this process, local processes or Dask) and returns per arm one
record per run, in one shape: a dict with ``seed``, ``replication`` (and ``point`` for a
spec's sweep) and the parts its ``keep`` made in the worker: ``summary`` (the metrics at
the horizon; scenario and spec arms), ``monthly``, ``events``, ``dissolved_month`` and
``by_needs`` (``detailed_record``), ``patterns`` ((pattern, value) pairs,
``analysis.validation.pattern_values``). ``run_arm_records`` runs named scenarios (the
report, ``backbone compare`` and value for money) with seeds ``seed0 + r`` (the seeds
``backbone compare`` uses); ``analysis.validation.run_patterns`` runs pattern groups
with their counterfactuals; ``analysis.batch.run_spec_arms`` runs experiment specs (the
claims' arms over design points). ``run_arms`` returns per arm three tables:

- ``summary``: one row per replication: replication, seed, the summary metrics, and
  ``ev_<event>`` counts (turnover, exit, relaunch, funding_cut, ...);
- ``monthly``: replication, month and ``MONTHLY`` metrics;
- ``by_needs``: replication, needs (the need profile, e.g. "1+3": the dimensions a
  person needs served), dims (how many), people, sustained.

Usage::

    from backbone.analysis.scenario_runs import run_arms
    arms = run_arms({"baseline": Params(), "none": Params(backbone_share=0)}, replications=30)
    arms["baseline"]["summary"].long_term_impact.mean()
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Mapping

import numpy as np
import pandas as pd

from backbone.experiments import Executor, Job, run_many, run_one
from backbone.simulation import EVENT_TYPES, Params

MONTHLY = ("impact_share", "outcomes_total", "improved_share", "service_hours", "served", "active_partners",
           "mean_trust", "mean_engagement")


def detailed_record(res, p: Params, seed: int) -> dict[str, Any]:
    """What a report's run keeps (in a worker; see the module docstring)."""
    out: dict[str, Any] = {"seed": int(seed), "summary": res.summary()}
    out["monthly"] = {m: res.series(m) for m in ("month",) + MONTHLY}   # numpy, no DataFrame
    counts = res.events["event"].value_counts()
    out["events"] = {name: int(counts.get(name, 0)) for name in EVENT_TYPES.values()}
    dissolved = res.events.loc[res.events.event == "dissolved", "month"]
    out["dissolved_month"] = int(dissolved.iloc[0]) if len(dissolved) else -1
    be = res.state.beneficiaries
    masks = be.needs.astype(np.int64)
    sustained = be.months_above >= p.sustain_months
    out["by_needs"] = [("+".join(str(k + 1) for k in range(p.n_dimensions) if (m >> k) & 1),
                        bin(int(m)).count("1"), int((masks == m).sum()), int(sustained[masks == m].sum()))
                       for m in np.unique(masks)]
    return out


def detailed_run(params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """One run as a small record (see the module docstring)."""
    return run_one(params, seed, detailed_record)


def _tables(records: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """The tables of an arm's records: ``summary`` always; ``monthly`` and ``by_needs``
    when the records have those parts."""
    records = sorted(records, key=lambda r: r["replication"])
    detailed = bool(records) and "events" in records[0]
    summary = pd.DataFrame([{"replication": r["replication"], "seed": r["seed"], **r["summary"],
                             **({f"ev_{k}": v for k, v in r["events"].items()} if detailed else {}),
                             **({"dissolved_month": r["dissolved_month"]} if detailed else {})} for r in records])
    if not detailed:
        return {"summary": summary}
    monthly = pd.concat([pd.DataFrame({"replication": r["replication"], **r["monthly"]}) for r in records],
                        ignore_index=True)
    by_needs = pd.DataFrame([{"replication": r["replication"], "needs": k, "dims": d, "people": n, "sustained": s}
                             for r in records for k, d, n, s in r["by_needs"]])
    return {"summary": summary, "monthly": monthly, "by_needs": by_needs}


def run_arm_jobs(jobs: Mapping[Hashable, Job], executor: Executor | None = None,
                 replications: Mapping[Hashable, int] | None = None,
                 fold: Callable[[Hashable, int, list[dict[str, Any]]], Any] | None = None
                 ) -> dict[Hashable, list[Any]]:
    """The analysis' one arm runner: every job (an arm's runs and what each keeps)
    through ``experiments.run_many`` on ``executor``. Returns per job its records in run
    order, each in the one record shape: the dict its ``keep`` made in the worker
    (``seed`` and the parts it keeps, see the module docstring) with ``replication``
    added. ``replications[key]``: the job is a sweep of design points with that many
    replications each (an experiment spec's, ``batch.run_spec_arms``): run i is
    ``point`` i // n, ``replication`` i % n; otherwise run r is replication r.
    ``fold(key, start, records)``: each chunk's records (runs start..) are folded as
    they arrive and per job the folded chunks are returned, in run order (a big batch
    then holds no list of records). ``run_arm_records`` (scenarios as arms),
    ``validation.run_patterns`` (pattern groups with their counterfactuals,
    ``validation.group_jobs``) and ``batch.run_spec_arms`` (the claims' experiments)
    build their jobs and run them here."""
    reps = dict(replications or {})

    def mark(key: Hashable, start: int, records: list[dict[str, Any]]) -> Any:
        n = reps.get(key)
        for i, rec in enumerate(records, start):
            if n:
                rec["point"], rec["replication"] = divmod(i, n)
            else:
                rec["replication"] = i
        return records if fold is None else fold(key, start, records)

    got = run_many(jobs, executor, fold=mark)
    if fold is not None:
        return got
    return {key: [rec for chunk in chunks for rec in chunk] for key, chunks in got.items()}


def run_arm_records(arms: Mapping[Hashable, Params], replications: int, seed0: int = 0,
                    executor: Executor | None = None, posterior=None,
                    keep: Callable[..., dict[str, Any]] = detailed_record) -> dict[Hashable, list[dict[str, Any]]]:
    """Every arm ``replications`` times on common random numbers (seed ``seed0 + r`` for
    replication r in every arm), through the one arm runner (``run_arm_jobs``) on
    ``executor``. ``posterior`` (``experiments.posterior.Posterior``): replication r of
    every arm uses posterior draw r (``experiments.posterior.replication_draws``).
    Returns per arm one record per replication, in order: the dict
    ``keep(result, params, seed)`` made in the worker (``seed``, ``summary`` and, from
    ``detailed_record``, the parts of the module docstring), with ``replication``
    added."""
    from backbone.experiments.posterior import replication_draws

    draws = replication_draws(posterior, [p.to_dict() for p in arms.values()], replications, seed0)
    jobs = {key: Job.replicated(p, replications, seed0, draws, keep=keep) for key, p in arms.items()}
    return run_arm_jobs(jobs, executor)


def run_arms(arms: Mapping[Hashable, Params], replications: int, seed0: int = 0,
             executor: Executor | None = None, posterior=None) -> dict[Hashable, dict[str, pd.DataFrame]]:
    """``run_arm_records`` with ``detailed_record``, as tables:
    ``{arm: {"summary", "monthly", "by_needs"}}``."""
    got = run_arm_records(arms, replications, seed0, executor, posterior)
    return {key: _tables(recs) for key, recs in got.items()}
