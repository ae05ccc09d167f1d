"""The ``--json`` documents of ``compare``, ``validate`` and ``calibrate``: numbers as
numbers, every interval as ``"ci": [lo, hi]`` with its ``ci_method`` and ``level``, units
and display names as fields of their own (never preformatted text); NaN is null.

Each builder takes what its command already computed and returns a plain dict, printed
by ``common.print_json``. The schemas are checked in tests/test_json_schemas.py.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

LEVEL = 0.95


def _num(x) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _interval(value, lo, hi, method: str, level: float = LEVEL) -> dict:
    return {"value": _num(value), "ci": [_num(lo), _num(hi)], "ci_method": method or None, "level": level}


def _metric_names(metric: str, meaning: str, currency: str) -> tuple[str, str]:
    """(display name, unit) of a scorecard metric (``analysis.labels``)."""
    from backbone.analysis.labels import METRIC_LABELS

    name, unit = METRIC_LABELS.get(metric, (meaning, ""))
    return name, (currency if unit == "money" else unit)


def compare_doc(table, rows, arms: Mapping[str, Any], value_summary, *, replications: int, seed0: int,
                currency: str, titles: Mapping[str, str] | None = None, posterior: str | None = None) -> dict:
    """``backbone compare --json``: per metric, its name, unit and meaning, and per
    scenario n, mean with its interval and, after the first scenario, the paired
    difference with its interval and the share of seeds on which it is higher; then the
    gross and net SROI per scenario (ratios of sums; the net SROI's interval is that of
    the per-seed values)."""
    names = list(arms)
    titles = titles or {}
    by = table.set_index(["metric", "scenario"])
    metrics = []
    for perspective, metric, meaning in rows:
        display, unit = _metric_names(metric, meaning, currency)
        per = []
        for name in names:
            r = by.loc[(metric, name)]
            item = {"scenario": name, "n": int(r["n"]),
                    **_interval(r["mean"], r["ci_low"], r["ci_high"], r.get("ci_method", ""))}
            if name != names[0]:
                item["difference"] = {**_interval(r["diff"], r["diff_low"], r["diff_high"], r.get("diff_method", "")),
                                      "share_of_seeds_higher": _num(r["share_higher"])}
            per.append(item)
        metrics.append({"metric": metric, "name": display, "unit": unit, "meaning": meaning,
                        "perspective": perspective, "scenarios": per})
    value = []
    from backbone.analysis.stats import BOOTSTRAP

    for _, r in value_summary.iterrows():
        value.append({"scenario": r["scenario"], "n": int(r["n"]),
                      "gross_sroi": {"value": _num(r["gross_sroi"]), "unit": "ratio",
                                     "definition": "ratio of sums over seeds"},
                      "net_sroi": {**_interval(r["net_sroi"], r["net_sroi_low"], r["net_sroi_high"], BOOTSTRAP),
                                   "unit": "ratio", "definition": "ratio of sums over seeds; the interval is the "
                                   "paired bootstrap interval of that ratio"},
                      "net_cost_per_additional_outcome": {"value": _num(r["net_cost_per_outcome"]),
                                                          "unit": f"{currency} per person"},
                      "additional_outcomes": {"value": _num(r["additional_outcomes"]), "unit": "people per run"}})
    months = sorted({int(p.months) for p in arms.values()})
    return {"command": "compare", "reference": names[0],
            "scenarios": [{"name": n, "title": titles.get(n, n)} for n in names],
            "replications": int(replications), "seeds": [int(seed0), int(seed0 + replications - 1)],
            "months": months, "currency": currency, "level": LEVEL, "metrics": metrics, "value": value,
            "posterior": posterior}


def validate_doc(pset, table, replications: int, required_share: float, ok: bool, summary: str) -> dict:
    """``backbone validate --json``: per pattern its source, measure, statistic, target
    band [lo, hi], estimate with its interval (and the interval's method) and verdict;
    then how many were reproduced and whether the set passes."""
    from backbone.analysis.validation import bounded_pattern, interval_method

    pats = {p.key: p for p in pset.patterns}
    out = []
    for _, r in table.iterrows():
        pat = pats.get(r["pattern"])
        method = interval_method(r["statistic"], bounded_pattern(pat) if pat is not None else False)
        out.append({"pattern": r["pattern"], "title": r["title"], "kind": r["kind"], "cite": r["cite"],
                    "source": r["source"], "measure": r["measure"], "statistic": r["statistic"],
                    "target": [_num(r["target_low"]), _num(r["target_high"])],
                    "horizon": None if r["horizon"] is None else _num(r["horizon"]), "n": int(r["n"]),
                    "estimate": _interval(r["estimate"], r["ci_low"], r["ci_high"], method),
                    "verdict": r["verdict"]})
    reproduced = sum(p["verdict"] == "reproduced" for p in out)
    return {"command": "validate", "patterns_file": str(pset.path), "replications": int(replications),
            "patterns": out, "reproduced": reproduced, "total": len(out),
            "required_share": _num(required_share), "passes": bool(ok), "summary": summary}


def calibrate_doc(manifest: Mapping[str, Any], folder: str, seconds: float | None = None) -> dict:
    """``backbone calibrate --json``: the run's size, each parameter's posterior median
    and 90% credible interval as [q05, q95], and the posterior predictive check per
    target (band [lo, hi], the draws' median and 90% interval, share in band, covered)."""
    params = [{"parameter": name, "median": _num(q.get("median")), "credible_interval": [_num(q.get("q05")),
               _num(q.get("q95"))], "level": 0.90, "method": "weighted posterior quantiles (ABC-SMC)"}
              for name, q in (manifest.get("credible_90") or {}).items()]
    checks = [{"target": row.get("target"), "band": [_num(row.get("low")), _num(row.get("high"))],
               "median": _num(row.get("median")), "interval_90": [_num(row.get("p05")), _num(row.get("p95"))],
               "share_in_band": _num(row.get("share_in_band")),
               "covered": None if row.get("covered") is None else bool(row.get("covered"))}
              for row in manifest.get("predictive_coverage") or []]
    return {"command": "calibrate", "out": str(folder), "generations": manifest.get("n_generations"),
            "particles": manifest.get("n_particles"), "simulations": manifest.get("simulations"),
            "final_epsilon": _num(manifest.get("final_epsilon")), "parameters": params,
            "predictive_check": checks, "seconds": None if seconds is None else round(float(seconds), 1)}


__all__ = ["compare_doc", "validate_doc", "calibrate_doc"]
