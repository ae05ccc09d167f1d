"""backbone validate: the patterns loader, the registry of measures, the statistics and
verdict rules, and the command end to end on a tiny patterns file.

The measures are checked on hand-built runs with known answers; the statistics and
verdicts on planted numbers. Nothing here judges the model itself."""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.analysis.measures import MEASURES, evaluate
from backbone.analysis.patterns import DEFAULT_FILE, PatternError, load_patterns, parse_patterns, short_cite
from backbone.analysis.validation import (TABLE_COLUMNS, censored_median, estimate, groups, markdown, passes,
                                 run_patterns, summary_line, validation_table, verdict, wilson)
from backbone.cli.main import main
from backbone.simulation import Params, simulate
from backbone.simulation.result import Result

CITE = "Doe, J., & Roe, R. (2020). A study of partnerships. Journal of Tests, 1(2), 3-4."
TINY = {"n_beneficiaries": 100}


def base_file(**top) -> dict:
    data = {
        "description": "tiny",
        "scenario": "baseline",
        "replications": 3,
        "seed": 5,
        "months": 12,
        "required_share": 0.5,
        "role": "validation",
        "set": dict(TINY),
        "pattern": [
            {"key": "impact", "title": "impact at month 12", "source": CITE, "kind": "impact over time",
             "measure": "metric_at", "metric": "impact_share", "month": 12, "target": [0.0, 1.0]},
            {"key": "turnover", "title": "a representative leaves within a year", "source": CITE,
             "kind": "turnover", "measure": "event_by", "event": "turnover", "month": 12, "target": [0.0, 1.0]},
        ],
    }
    data.update(top)
    return data


def with_pattern(i: int = 0, drop: tuple[str, ...] = (), **changes) -> dict:
    data = base_file()
    pat = data["pattern"][i]
    for k in drop:
        pat.pop(k)
    pat.update(changes)
    return data


# ---------------------------------------------------------------- loader
def test_a_valid_file_resolves_every_runs_parameters():
    ps = parse_patterns(base_file(), "x.toml")
    assert [p.key for p in ps.patterns] == ["impact", "turnover"]
    p = ps.patterns[0]
    assert p.params.months == 12 and p.params.n_beneficiaries == 100 and p.counterfactual is None
    assert p.statistic == "mean" and ps.patterns[1].statistic == "share"
    assert p.cite == "Doe et al. 2020" and p.target == (0.0, 1.0)
    assert ps.sources() == [CITE]


def test_pattern_overrides_come_after_the_files_and_paired_arms_share_them():
    data = with_pattern(0, measure="diff_to_counterfactual", of="metric_at", against="no_backbone",
                        set={"n_beneficiaries": 50})
    p = parse_patterns(data).patterns[0]
    assert p.params.n_beneficiaries == 50 and p.counterfactual.n_beneficiaries == 50
    assert p.counterfactual.months == 12 and p.counterfactual.backbone_share == 0.0
    assert p.args == {"of": "metric_at", "against": "no_backbone", "metric": "impact_share", "month": 12}


@pytest.mark.parametrize("data, words", [
    (base_file(replicatons=3), "unknown top-level key 'replicatons'; did you mean 'replications'?"),
    (with_pattern(metrc="impact_share"), "pattern 'impact': unknown key 'metrc'; did you mean 'metric'?"),
    (with_pattern(metric="impact_shar"), "unknown metric 'impact_shar'; did you mean 'impact_share'?"),
    (with_pattern(1, event="dissolve"), "unknown event 'dissolve'; did you mean 'dissolved'?"),
    (with_pattern(measure="metric_att"), "unknown measure 'metric_att'; did you mean 'metric_at'?"),
    (with_pattern(kind="failures"), "unknown kind 'failures'; did you mean 'failure'?"),
    (base_file(replications=1), "replications = 1 is not allowed: expected a whole number in [2, 100000]"),
    (base_file(required_share=1.5), "required_share = 1.5 is not allowed: expected a number in [0, 1]"),
    (base_file(months=0), "months = 0 is not allowed: expected a whole number in [1, 600]"),
    (with_pattern(month=13), "pattern 'impact': month = 13 is not allowed: expected a whole number in [1, 12]"),
    (with_pattern(drop=("source",)), "pattern 'impact': 'source' is missing: the full citation"),
    (with_pattern(source="  "), "pattern 'impact': source = '  ' is not allowed: expected a non-empty string"),
    (with_pattern(target=[0.5, 0.1]), "expected [lo, hi] with lo <= hi"),
    (with_pattern(target=[0.5]), "target = [0.5] is not allowed: expected [lo, hi]"),
    (with_pattern(drop=("month",)), "'month' is missing: measure metric_at needs it"),
    (with_pattern(statistic="share"), "statistic = 'share' is not allowed for measure metric_at"),
    (with_pattern(measure="first_month", drop=("month",), threshold=0.5, statistic="mean"),
     "statistic = 'mean' is not allowed for measure first_month"),
    (with_pattern(set={"backbone_shar": 0.1}), "set: unknown parameter 'backbone_shar'; did you mean 'backbone_share'?"),
    (with_pattern(set={"backbone_share": 2.0}), "set: backbone_share = 2.0 is not allowed: expected ["),
    (with_pattern(scenario="basline"), "unknown scenario 'basline'; did you mean 'baseline'?"),
    (with_pattern(measure="ratio_to_counterfactual", of="metric_at"), "'against' is missing"),
    (with_pattern(measure="ratio_to_counterfactual", against="no_backbone"), "'of' is missing: measure ratio_to"),
    (with_pattern(measure="ratio_to_counterfactual", of="ratio_to_counterfactual", against="no_backbone"),
     "of: unknown measure 'ratio_to_counterfactual'"),
    (with_pattern(1, key="impact"), "key 'impact' is used twice"),
    (with_pattern(measure="event_by_cohorts", event="turnover", drop=("month", "metric"), cohorts=[]),
     "cohorts = [] is not allowed: expected [[month, weight], ...]"),
    (with_pattern(measure="event_by_cohorts", event="turnover", drop=("month", "metric"), cohorts=[[13, 1.0]]),
     "cohorts[0][0] = 13 is not allowed: expected a whole number in [1, 12]"),
    (with_pattern(measure="event_by_cohorts", event="turnover", drop=("month", "metric"), cohorts=[[3, 1.0], [4, -1.0]]),
     "cohorts[1][1] = -1.0 is not allowed: expected a number in [0, inf]"),
    (with_pattern(measure="event_by_cohorts", event="turnover", drop=("month", "metric"), cohorts=[[3, 0.0]]),
     "the weights not all 0"),
    (with_pattern(measure="event_by_cohorts", event="turnover", drop=("month", "metric"), cohorts=[[3]]),
     "cohorts[0] = [3] is not allowed"),
    (base_file(required_share="most"), "required_share = 'most' is not allowed"),
])
def test_bad_files_give_one_line_naming_the_field(data, words):
    with pytest.raises(PatternError) as exc:
        parse_patterns(data, "p.toml")
    msg = str(exc.value)
    assert words in msg and msg.startswith("p.toml: ") and "\n" not in msg


SAMPLE = {"metric": "impact_share", "event": "turnover", "month": 6, "window": [1, 6], "number": 0.5,
          "measure": "metric_at", "scenario": "no_backbone", "cohorts": [[6, 1.0], [3, 2.0]]}


@pytest.mark.parametrize("name", sorted(MEASURES))
def test_every_registered_measure_can_be_named_in_a_file(name):
    from backbone.analysis.measures import arguments

    spec = MEASURES[name]
    pat = {"key": "k", "title": "t", "source": CITE, "kind": "other", "measure": name, "target": [0, 1]}
    for k, a in spec.args.items():
        pat[k] = a.choices[0] if a.kind == "choice" else SAMPLE[a.kind]
    for k, a in arguments(name, pat).items():
        pat.setdefault(k, a.choices[0] if a.kind == "choice" else SAMPLE[a.kind])
    p = parse_patterns(base_file(pattern=[pat])).patterns[0]
    assert p.measure == name and p.statistic == spec.statistic
    assert (p.counterfactual is not None) == spec.paired


def test_a_file_without_patterns_or_required_share_is_refused():
    data = base_file()
    del data["required_share"]
    with pytest.raises(PatternError, match="'required_share' is missing"):
        parse_patterns(data)
    with pytest.raises(PatternError, match="one or more"):
        parse_patterns(base_file(pattern=[]))


def test_toml_syntax_errors_name_the_line(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text("required_share = 0.5\n[[pattern]\n")
    with pytest.raises(PatternError, match=r"p.toml: TOML syntax error at line 2"):
        load_patterns(f)


def test_short_citations():
    assert short_cite(CITE) == "Doe et al. 2020"
    assert short_cite("Provan, K. G. (2007). Title. Journal.") == "Provan 2007"
    assert short_cite("Park, S. H., and Ungson, G. R. (2001). T.") == "Park et al. 2001"


def test_the_default_file_loads_and_every_source_is_a_full_citation():
    ps = load_patterns(DEFAULT_FILE)
    assert ps.patterns and 0.0 <= ps.required_share <= 1.0
    for p in ps.patterns:
        assert len(p.source) > 40 and re.search(r"\b(19|20)\d\d\b", p.source), p.key


# ---------------------------------------------------------------- measures on known answers
def fake_run(monthly: dict, events: list[tuple] = (), trust=None, active=None, tenure=None, months=None) -> Result:
    m = pd.DataFrame(monthly)
    ev = pd.DataFrame(list(events), columns=["month", "event", "a", "b", "v1", "v2"])
    active = np.asarray(active if active is not None else [True, True])
    state = SimpleNamespace(trust=np.asarray(trust if trust is not None else np.zeros((2, 2))),
                            partners=SimpleNamespace(active=active, tenure=np.asarray(
                                tenure if tenure is not None else np.zeros(len(active), np.int64))))
    return Result(params=Params(months=months or len(m)), seed=0, monthly=m, events=ev, state=state)


RUN = fake_run(
    {"month": [1, 2, 3, 4], "impact_share": [0.0, 0.1, 0.3, 0.2], "active_partners": [6, 6, 3, 3],
     "active_funders": [2, 2, 2, 0]},
    [(1, "turnover", 0, -1, 0.0, 0.0), (3, "turnover", 1, -1, 0.0, 0.0), (4, "dissolved", -1, -1, 0, 0)],
    trust=[[0, 0.2, 0.4, 0.9], [0.2, 0, 0.6, 0.9], [0.4, 0.6, 0, 0.9], [0.9, 0.9, 0.9, 0]],
    active=[True, True, True, False], tenure=[30, 10, 20, 99])


def test_monthly_measures():
    assert evaluate("metric_at", RUN, {"metric": "impact_share", "month": 3}) == 0.3
    assert evaluate("metric_mean", RUN, {"metric": "impact_share", "months": (2, 4)}) == pytest.approx(0.2)
    up = {"metric": "impact_share", "threshold": 0.2, "direction": "above"}
    assert evaluate("first_month", RUN, up) == 3.0
    assert evaluate("first_month", RUN, {**up, "threshold": 0.1, "direction": "below"}) == 1.0
    assert math.isnan(evaluate("first_month", RUN, {**up, "threshold": 0.9}))


def test_event_measures():
    assert evaluate("event_by", RUN, {"event": "dissolved", "month": 3}) == 0.0
    assert evaluate("event_by", RUN, {"event": "dissolved", "month": 4}) == 1.0
    # a survey of cohorts aged 4 (weight 1) and 3 (weight 3): the run dissolved in month 4
    assert evaluate("event_by_cohorts", RUN, {"event": "dissolved", "cohorts": ((4, 1.0), (3, 3.0))}) == 0.25
    assert evaluate("event_by_cohorts", RUN, {"event": "dissolved", "cohorts": ((2, 1.0), (3, 1.0))}) == 0.0
    assert evaluate("event_by_cohorts", RUN, {"event": "turnover", "cohorts": ((1, 2.0), (2, 3.0))}) == 1.0
    assert evaluate("event_by_cohorts", RUN, {"event": "betrayal", "cohorts": ((4, 1.0),)}) == 0.0
    assert evaluate("count_by", RUN, {"event": "turnover", "month": 2, "per": "run"}) == 1.0
    assert evaluate("count_by", RUN, {"event": "turnover", "month": 4, "per": "run"}) == 2.0
    # 2 turnovers over (6 + 6 + 3 + 3) / 12 = 1.5 partner-years
    assert evaluate("count_by", RUN, {"event": "turnover", "month": 4, "per": "partner_year"}) == pytest.approx(2 / 1.5)
    assert evaluate("count_by", RUN, {"event": "dissolved", "month": 4, "per": "funder_year"}) == pytest.approx(1 / 0.5)


def test_trust_dispersion_uses_only_pairs_of_active_partners():
    # active pairs: 0.2, 0.4, 0.6 (the inactive fourth partner's 0.9s are left out)
    assert evaluate("trust_dispersion", RUN, {}) == pytest.approx(np.std([0.2, 0.4, 0.6]))
    lone = fake_run({"month": [1]}, trust=np.ones((3, 3)), active=[True, False, False])
    assert math.isnan(evaluate("trust_dispersion", lone, {}))


def test_trust_overlap_correlation_pairs_trust_with_the_shorter_tenure():
    # active pairs (0,1), (0,2), (1,2): trust 0.2, 0.4, 0.6; shorter tenures 10, 20, 10
    want = np.corrcoef([0.2, 0.4, 0.6], [10, 20, 10])[0, 1]
    assert evaluate("trust_overlap_correlation", RUN, {}) == pytest.approx(want)
    flat = fake_run({"month": [1]}, trust=np.ones((3, 3)), active=[True] * 3, tenure=[1, 2, 3])
    assert math.isnan(evaluate("trust_overlap_correlation", flat, {}))


def test_paired_measures():
    cf = fake_run({"month": [1, 2, 3, 4], "impact_share": [0.0, 0.05, 0.1, 0.0]})
    args = {"of": "metric_at", "against": "x", "metric": "impact_share", "month": 3}
    assert evaluate("ratio_to_counterfactual", RUN, args, cf) == pytest.approx(3.0)
    assert evaluate("diff_to_counterfactual", RUN, args, cf) == pytest.approx(0.2)
    assert math.isnan(evaluate("ratio_to_counterfactual", RUN, {**args, "month": 4}, cf))
    with pytest.raises(ValueError, match="counterfactual"):
        evaluate("diff_to_counterfactual", RUN, args)


def test_measures_read_a_real_run():
    res = simulate(Params(n_beneficiaries=100, months=12), seed=2)
    assert evaluate("metric_at", res, {"metric": "mean_trust", "month": 12}) == res.monthly["mean_trust"].iloc[-1]
    n = int((res.events["event"] == "turnover").sum())
    assert evaluate("count_by", res, {"event": "turnover", "month": 12, "per": "run"}) == n
    assert evaluate("event_by", res, {"event": "turnover", "month": 12}) == float(n > 0)
    assert np.isfinite(evaluate("trust_dispersion", res, {}))


def test_every_registered_measure_has_a_default_statistic_and_no_argument_shadows_a_pattern_key():
    from backbone.analysis.patterns import PATTERN_KEYS

    assert {m.statistic for m in MEASURES.values()} <= {"mean", "share", "median"}
    assert not {a for m in MEASURES.values() for a in m.args} & set(PATTERN_KEYS)


# ---------------------------------------------------------------- statistics and verdicts
def test_wilson_interval_matches_its_formula():
    x = np.array([1.0] * 7 + [0.0] * 13)
    n, share, lo, hi = wilson(x)
    z = stats.norm.ppf(0.975)
    p = 7 / 20
    centre = (p + z * z / 40) / (1 + z * z / 20)
    half = z / (1 + z * z / 20) * math.sqrt(p * (1 - p) / 20 + z * z / 1600)
    assert (n, share) == (20, 0.35) and (lo, hi) == pytest.approx((centre - half, centre + half))
    with pytest.raises(ValueError):
        wilson(np.array([0.5, 1.0]))


def test_censored_median_counts_never_as_after_the_horizon():
    n, med, lo, hi = censored_median(np.array([10.0, 12.0, 14.0, np.nan, np.nan]), horizon=60)
    assert (n, med) == (5, 14.0) and lo <= med <= hi
    assert censored_median(np.array([np.nan, np.nan, 5.0]), horizon=60)[1] == 61.0
    assert censored_median(np.array([10.0, 12.0, 14.0, 20.0]), 60) == censored_median(np.array([10.0, 12.0, 14.0, 20.0]), 60)


def test_a_median_of_other_measures_leaves_missing_values_out():
    n, med, lo, hi = estimate(np.array([1.0, 2.0, 3.0, np.nan]), "median")
    assert (n, med) == (3, 2.0) and lo <= med <= hi


def test_mean_statistic_is_the_t_interval():
    x = np.array([0.1, 0.2, 0.3, 0.4])
    n, m, lo, hi = estimate(x, "mean")
    assert (lo, hi) == pytest.approx(stats.t.interval(0.95, 3, loc=x.mean(), scale=stats.sem(x)))


@pytest.mark.parametrize("value, lo, hi, want", [
    (0.5, 0.4, 0.6, "reproduced"),       # estimate in band
    (0.2, 0.1, 0.3, "reproduced"),       # on a bound: inclusive
    (0.1, 0.05, 0.25, "partly"),         # outside, CI overlaps
    (0.9, 0.79, 1.0, "partly"),
    (0.1, 0.05, 0.15, "missed"),         # CI entirely below
    (0.95, 0.85, 1.0, "missed"),         # CI entirely above
    (0.1, math.nan, math.nan, "missed"),  # outside, no CI
    (math.nan, 0.0, 1.0, "missed"),      # no estimate
])
def test_verdict_rule(value, lo, hi, want):
    assert verdict(value, lo, hi, (0.2, 0.8)) == want


def test_a_one_sided_band():
    assert verdict(1e6, 1e5, 1e7, (0.5, math.inf)) == "reproduced"


def planted(values_by_key: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame([(k, r, 5 + r, v) for k, vals in values_by_key.items() for r, v in enumerate(vals)],
                        columns=["pattern", "replication", "seed", "value"])


def test_table_and_exit_rule_on_planted_runs():
    data = base_file(required_share=0.5)
    data["pattern"][0]["target"] = [0.4, 0.6]
    data["pattern"][1]["target"] = [0.9, 1.0]
    ps = parse_patterns(data)
    runs = planted({"impact": [0.5, 0.49, 0.51, 0.5], "turnover": [0, 0, 0, 0]})
    table = validation_table(ps, runs)
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert list(table.verdict) == ["reproduced", "missed"]
    assert passes(table, 0.5) and not passes(table, 0.51)
    assert summary_line(table, 0.5).startswith("1 of 2 reproduced, 0 partly, 1 missed")
    # a share of 0.75 with 3 of 4 (the CI of 0/1 runs is Wilson's, so it overlaps the band)
    runs = planted({"impact": [0.3, 0.5, 0.7, 0.6], "turnover": [1, 1, 1, 0]})
    t = validation_table(ps, runs)
    assert t.verdict.tolist() == ["reproduced", "partly"] and t.estimate[1] == 0.75


def test_markdown_lists_the_table_the_rule_and_numbered_references():
    data = base_file()
    data["pattern"][1]["source"] = "Roe, R. (2001). Another study. Journal, 2, 1-9."
    ps = parse_patterns(data, DEFAULT_FILE)
    table = validation_table(ps, planted({"impact": [0.5, 0.6, 0.55], "turnover": [1, 1, 0]}))
    doc = markdown(ps, table, "backbone validate x.toml", 3)
    assert "`backbone validate x.toml`" in doc and "experiments/validation/patterns.toml" in doc
    assert "1. " + CITE in doc and "2. Roe, R. (2001)" in doc
    assert "Doe et al. 2020 [1]" in doc and "Roe 2001 [2]" in doc
    assert "## Verdict rule" in doc and "at least 50% of the patterns" in doc
    assert sum(line.startswith("| **") for line in doc.splitlines()) == 2


def test_common_random_numbers_pair_the_arms():
    data = base_file(replications=2)
    data["pattern"][0].update(measure="diff_to_counterfactual", of="metric_mean", against="baseline",
                              months=[1, 12])
    data["pattern"][0].pop("month")
    ps = parse_patterns(data)
    assert len(groups(ps.patterns)) == 1            # both patterns run on the same base runs
    runs = run_patterns(ps, executor=SERIAL)
    assert runs.shape == (4, 4) and runs.seed.tolist() == [5, 6, 5, 6]
    # the counterfactual is the same scenario with the same seed: the difference is exactly 0
    assert (runs.loc[runs.pattern == "impact", "value"] == 0.0).all()


# ---------------------------------------------------------------- the command
def to_toml(data: dict) -> str:
    def val(v):
        if isinstance(v, str):
            return '"' + v.replace('"', '\\"') + '"'
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {val(x)}" for k, x in v.items()) + " }"
        return repr(v)
    lines = [f"{k} = {val(v)}" for k, v in data.items() if k not in ("pattern", "set")]
    if "set" in data:
        lines += ["[set]"] + [f"{k} = {val(v)}" for k, v in data["set"].items()]
    for p in data.get("pattern", []):
        lines += ["", "[[pattern]]"] + [f"{k} = {val(v)}" for k, v in p.items()]
    return "\n".join(lines) + "\n"


def test_cli_end_to_end(tmp_path, capsys):
    data = base_file()
    data["pattern"][1]["target"] = [2.0, 3.0]  # a share cannot be 2: missed whatever the model does
    f = tmp_path / "p.toml"
    f.write_text(to_toml(data))
    out, md = tmp_path / "t.csv", tmp_path / "V.md"
    rc = main(["validate", str(f), "--no-progress", "--workers", "1", "--out", str(out), "--markdown", str(md)])
    text = capsys.readouterr().out
    assert rc == 0  # required 0.5: the first pattern's band [0, 1] holds any share
    assert "1 of 2 reproduced" in text and "passes" in text
    lines = text.splitlines()
    header = next(i for i, l in enumerate(lines) if l.startswith("pattern"))
    assert lines[header + 2].startswith("impact") and lines[header + 3].startswith("turnover")
    assert lines[header + 3].rstrip().endswith("missed")
    table = pd.read_csv(out)
    assert table.shape == (2, len(TABLE_COLUMNS)) and (table.n == 3).all()
    doc = md.read_text()
    assert "| pattern |" in doc and CITE in doc and "## Verdict rule" in doc and "backbone validate" in doc
    # not reproduced enough: exit 1; an existing output without --force: exit 2 before any run
    data["required_share"] = 1.0
    f.write_text(to_toml(data))
    assert main(["validate", str(f), "--no-progress", "--replications", "2"]) == 1
    assert "FAILS" in capsys.readouterr().out
    assert main(["validate", str(f), "--out", str(out)]) == 2
    assert "exists: pass --force" in capsys.readouterr().err


def test_cli_bad_input_exits_2_before_any_run(tmp_path, capsys):
    f = tmp_path / "p.toml"
    f.write_text(to_toml(with_pattern(metrc="impact_share")))
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'metric'?" in err
    assert main(["validate", str(tmp_path / "none.toml")]) == 2
    assert main(["validate", str(f), "--replications", "1"]) == 2
    assert main(["validate", str(f), "--out", str(tmp_path / "t.txt")]) == 2


@pytest.mark.slow
def test_worker_processes_give_the_serial_table():
    data = base_file(replications=12)
    ps = parse_patterns(data)
    serial = run_patterns(ps, executor=SERIAL)
    pooled = run_patterns(ps, executor=Executor(workers=2))
    pd.testing.assert_frame_equal(serial, pooled)


def test_the_table_shows_windows_and_cohorts_readably():
    from backbone.analysis.validation import _arg_text

    assert _arg_text((1, 6)) == "1..6"
    assert _arg_text(((127, 8.0), (55, 9.5))) == "127 (8), 55 (9.5)"
    assert _arg_text("dissolved") == "dissolved"


# ---------------------------------------------------------------- roles
OTHER = "Poe, E. (2019). A third study. Journal of Tests, 3(1), 1-2. doi:10.9999/test.3"


def test_every_pattern_has_a_role_from_itself_or_the_file():
    data = base_file()
    data.pop("role")
    with pytest.raises(PatternError, match="pattern 'impact': 'role' is missing: calibration or validation"):
        parse_patterns(data)
    data["pattern"][0]["role"] = "calibration"
    data["pattern"][1]["role"] = "validation"
    data["pattern"][1]["source"] = OTHER
    ps = parse_patterns(data)
    assert [p.role for p in ps.patterns] == ["calibration", "validation"]
    assert [p.key for p in ps.with_role("validation").patterns] == ["turnover"]
    with pytest.raises(PatternError, match="role: unknown role 'calibrate'; did you mean 'calibration'"):
        parse_patterns(with_pattern(role="calibrate"))


@pytest.mark.parametrize("copy, why", [
    # the same source and measure, another month and band
    ({"measure": "event_by", "event": "turnover", "month": 6, "target": [0.2, 0.3]}, "the same source and measure"),
    # the same source and band, another measure
    ({"measure": "count_by", "event": "turnover", "month": 12, "target": [0.0, 1.0]}, "the same source and band"),
])
def test_a_pattern_in_both_roles_is_refused(copy, why):
    """A planted copy of the validation pattern 'turnover' under another key, as a
    calibration pattern: the file is refused, whatever the key."""
    data = base_file()
    data["pattern"][0]["target"] = [0.0, 0.99]       # 'impact' shares no band with the copy
    planted_copy = {"key": "turnover_copy", "role": "calibration", "title": "copy", "source": CITE,
                    "kind": "turnover", **copy}
    data["pattern"].append(planted_copy)
    with pytest.raises(PatternError) as err:
        parse_patterns(data)
    msg = str(err.value)
    assert "'turnover_copy' (calibration) and 'turnover' (validation)" in msg and "in both roles" in msg
    assert why in msg and "\n" not in msg
    # from another source (by DOI): a different pattern, accepted
    planted_copy["source"] = OTHER
    assert parse_patterns(data).count("calibration") == 1


def test_source_identity_is_the_doi_else_the_letters():
    from backbone.analysis.patterns import source_id

    assert source_id("A (2001). T. J. doi:10.1000/ABC.1.") == source_id("B, x (2001) doi:10.1000/abc.1")
    assert source_id("Doe, J. (2020).  A study.") == source_id("doe j 2020 a study")
    assert source_id("Doe, J. (2020). A study.") != source_id("Doe, J. (2021). A study.")


def test_cli_refuses_both_roles_and_judges_only_validation_patterns(tmp_path, capsys, monkeypatch):
    data = base_file()
    data["pattern"][0]["target"] = [0.0, 0.99]
    copy = dict(data["pattern"][1], key="turnover_copy", role="calibration")
    data["pattern"].append(copy)
    f = tmp_path / "p.toml"
    f.write_text(to_toml(data))
    import backbone.analysis.validation as validation

    def no_runs(*a, **k):
        raise AssertionError("ran before refusing")

    with monkeypatch.context() as m:
        m.setattr(validation, "run_patterns", no_runs)
        assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'turnover_copy' (calibration) and 'turnover'" in err and "both roles" in err
    # the copy from another source: fitted, never judged
    copy["source"] = OTHER
    f.write_text(to_toml(data))
    assert main(["validate", str(f), "--no-progress", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "2 validation patterns" in out and "Not judged: 1 calibration pattern" in out
    assert "turnover_copy" not in out
    # only calibration patterns: nothing to judge
    data["pattern"] = [copy]
    f.write_text(to_toml(data))
    assert main(["validate", str(f)]) == 2
    assert "no validation patterns" in capsys.readouterr().err


def exported(tmp_path, names=("turnover_rate",), rows=((0.3,),), patterns=()) -> str:
    """A hand-made exported posterior (the shipped format) with planted particles."""
    import json

    from backbone.experiments.executors import model_fingerprint
    from backbone.experiments.posterior import SHIPPED_FORMAT, SHIPPED_KIND

    path = tmp_path / "post.json"
    path.write_text(json.dumps({"kind": SHIPPED_KIND, "format": SHIPPED_FORMAT, "model_fingerprint": model_fingerprint(),
                                "parameters": list(names), "particles": [list(r) for r in rows],
                                "weights": [1.0] * len(rows), "calibration_patterns": list(patterns),
                                "command": "planted"}))
    return str(path)


def test_validate_refuses_a_posterior_fitted_to_one_of_its_patterns(tmp_path, capsys):
    from backbone.analysis.patterns import identity

    f = tmp_path / "p.toml"
    f.write_text(to_toml(base_file()))
    fitted = identity("fitted_elsewhere", CITE, "event_by", (0.5, 0.6))   # same source and measure as 'turnover'
    post = exported(tmp_path, patterns=[fitted])
    assert main(["validate", str(f), "--posterior", post]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--posterior" in err and "'fitted_elsewhere' (calibration) and 'turnover'" in err
    other = identity("fitted_elsewhere", OTHER, "event_by", (0.5, 0.6))
    post = exported(tmp_path, patterns=[other])
    assert main(["validate", str(f), "--posterior", post, "--no-progress", "--workers", "1",
                 "--replications", "2"]) == 0
    assert "intervals include parameter uncertainty" in capsys.readouterr().out


def test_a_posterior_draw_reaches_the_runs_and_their_counterfactuals_alike(tmp_path):
    from backbone.experiments.posterior import load_posterior

    post = load_posterior(exported(tmp_path, names=("turnover_rate",), rows=((0.3,),)))
    data = base_file(replications=2)
    data["pattern"][0].update(measure="diff_to_counterfactual", of="metric_mean", against="baseline",
                              months=[1, 12])
    data["pattern"][0].pop("month")
    data["pattern"][1].update(month=12, event="turnover")
    ps = parse_patterns(data)
    jobs = validation_group_jobs(ps, post)
    assert [o["turnover_rate"] for o in jobs[0].overrides] == [0.3, 0.3] and jobs[0].options["drawn"] == ("turnover_rate",)
    runs = run_patterns(ps, executor=SERIAL, posterior=post)
    # same draw in the counterfactual: the difference to the same scenario stays exactly 0
    assert (runs.loc[runs.pattern == "impact", "value"] == 0.0).all()
    # the draw changed the runs: turnover at 0.3/month makes a departure within a year certain
    assert (runs.loc[runs.pattern == "turnover", "value"] == 1.0).all()


def validation_group_jobs(ps, post):
    from backbone.analysis.validation import group_jobs

    return group_jobs(groups(ps.patterns), ps.replications, ps.seed, posterior=post)


def test_the_shipped_files_give_each_pattern_one_role():
    from backbone.analysis.calibrate import load_targets
    from backbone.experiments.posterior import DEFAULT_FILE as _  # noqa: F401

    ps = load_patterns(DEFAULT_FILE)
    assert ps.count("validation") + ps.count("calibration") == len(ps.patterns)
    assert ps.count("validation") >= 16   # issue 22: at least 16 validation patterns
    pytest.importorskip("pyabc")
    t = load_targets(DEFAULT_FILE.parent.parent / "calibration" / "targets.toml")
    assert len(t.patterns.patterns) >= 1 and all(p.role == "calibration" for p in t.patterns.patterns)
    # the calibration targets are exactly the validation file's calibration patterns
    assert sorted(p.key for p in t.patterns.patterns) == sorted(p.key for p in ps.patterns if p.role == "calibration")


def test_markdown_states_the_posteriors_provenance(tmp_path):
    from backbone.analysis.patterns import identity
    from backbone.experiments.posterior import load_posterior

    post = load_posterior(exported(tmp_path, patterns=[identity("fit_a", OTHER, "event_by", (0.1, 0.2))]))
    ps = parse_patterns(base_file())
    table = validation_table(ps, planted({"impact": [0.5, 0.6, 0.55], "turnover": [1, 1, 0]}))
    doc = markdown(ps, table, "backbone validate x.toml --posterior p.json --markdown V.md", 3, posterior=post)
    line = next(l for l in doc.splitlines() if l.startswith("- Parameters drawn from"))
    assert "`turnover_rate`" in line and "`fit_a`" in line and "by `planted`" in line and "refit" not in line
    assert "validation patterns (this table) are judged and never fitted" in doc
    assert "`backbone validate x.toml --posterior p.json --markdown V.md --force`" in doc


def test_regenerating_the_markdown_keeps_its_hand_written_discussion():
    from backbone.analysis.validation import HAND_BEGIN, HAND_END, hand_written

    old = f"# Validation\n| table |\n\n{HAND_BEGIN}\nWhy two patterns miss.\n{HAND_END}\n\n## Verdict rule\n"
    kept = hand_written(old)
    assert kept.startswith(HAND_BEGIN) and kept.endswith(HAND_END) and "Why two patterns miss." in kept
    assert hand_written("# Validation\nno discussion\n") == "" and hand_written(None) == ""
    assert hand_written(f"{HAND_BEGIN}\nunterminated") == ""
