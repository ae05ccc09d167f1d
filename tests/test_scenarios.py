"""Scenarios as data: the library, the extends chain, validation messages, --set parsing."""

from __future__ import annotations

import math

import pytest

from backbone.simulation import SCHEMA, SCORECARD_METRICS, ParameterError, Params, simulate
from backbone.simulation.scenarios import (SCENARIO_DIR, ScenarioError, list_scenarios, load_scenario,
                                  load_toml, parse_set, resolve_scenario, scenario_description,
                                  scenario_names)

LIBRARY = ("baseline", "no_backbone", "shared_orchestrator", "isolated_impact", "short_term_funders",
           "funder_led_agenda", "beneficiary_led", "high_turnover", "large_network", "ungas_vagar")
SMALL = {"n_beneficiaries": 300, "months": 24}


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the library
def test_library_has_every_named_scenario():
    assert set(LIBRARY) <= set(scenario_names())
    assert [n for n, _ in list_scenarios()] == scenario_names()


@pytest.mark.parametrize("name", LIBRARY)
def test_each_scenario_loads_describes_itself_and_runs(name):
    text = (SCENARIO_DIR / f"{name}.toml").read_text(encoding="utf-8")
    assert "#" in text, "assumptions belong in comments"
    description = scenario_description(name)
    assert len(description) > 80 and "\n" not in description
    p = load_scenario(name, SMALL)
    assert p.months == 24 and p.n_beneficiaries == 300
    card = simulate(p, seed=1).scorecard()
    assert list(card.index) == list(SCORECARD_METRICS)
    assert all(math.isfinite(v) for v in card)
    assert 0.0 <= card["impact_share"] <= 1.0


def test_library_scenarios_set_what_their_names_say():
    base = load_scenario("baseline")
    assert base.regime == "pooled" and base.backbone_share == pytest.approx(0.10)
    assert load_scenario("no_backbone").backbone_share == 0.0
    shared = load_scenario("shared_orchestrator")
    assert shared.backbone_share == 0.0 and shared.self_orchestration_hours > 0
    iso = load_scenario("isolated_impact")
    assert iso.regime == "isolated" and iso.backbone_share == 0.0
    short = load_scenario("short_term_funders")
    assert short.funder_patience < base.funder_patience and short.review_cycle < base.review_cycle
    led, ben = load_scenario("funder_led_agenda"), load_scenario("beneficiary_led")
    assert led.funder_agenda_power > base.funder_agenda_power > ben.funder_agenda_power
    assert led.beneficiary_involvement < base.beneficiary_involvement < ben.beneficiary_involvement
    assert load_scenario("high_turnover").turnover_rate > base.turnover_rate
    assert load_scenario("large_network").n_partners == 60


def test_ungas_vagar_is_the_malmo_programme():
    p = load_scenario("ungas_vagar")
    labels = p.partner_labels()
    assert len(labels) == p.n_partners == 6
    assert {sector for _, sector in labels} == {"nonprofit", "private", "public"}
    assert any("Malmö" in name for name, _ in labels)
    assert p.target_outcome_share == pytest.approx(0.7)
    assert p.value_per_outcome_year == pytest.approx(15_000.0 / 40)  # 15 MSEK over 40 years, in kSEK
    assert "SEK" in (SCENARIO_DIR / "ungas_vagar.toml").read_text(encoding="utf-8")


# ---------------------------------------------------------------- resolving
def test_extends_chain_resolves_in_order_with_origins(tmp_path):
    write(tmp_path / "parent.toml", 'description = "p"\nextends = "baseline"\nturnover_rate = 0.05\nmonths = 48\n')
    write(tmp_path / "child.toml", 'description = "c"\nextends = "parent.toml"\nmonths = 36\n')
    p, origin = resolve_scenario(tmp_path / "child.toml", {"n_beneficiaries": 500})
    assert (p.turnover_rate, p.months, p.n_beneficiaries, p.backbone_share) == (0.05, 36, 500, 0.10)
    assert origin["months"].endswith("child.toml")
    assert origin["turnover_rate"].endswith("parent.toml")
    assert origin["backbone_share"] == "baseline.toml"
    assert origin["n_beneficiaries"] == "--set"
    assert load_scenario(str(tmp_path / "child.toml")) == Params(turnover_rate=0.05, months=36)


def test_description_falls_back_to_the_scenario_extended(tmp_path):
    path = write(tmp_path / "bare.toml", 'extends = "baseline"\nmonths = 12\n')
    assert scenario_description(path) == scenario_description("baseline")


def test_extends_of_an_unknown_scenario_names_the_file(tmp_path):
    path = write(tmp_path / "orphan.toml", 'extends = "no_backbon"\n')
    with pytest.raises(ScenarioError, match=r"orphan.toml: extends = 'no_backbon': unknown scenario .* 'no_backbone'"):
        load_scenario(path)


def test_extends_cycle_is_an_error(tmp_path):
    write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match=r"scenario cycle: .*a.toml -> .*b.toml -> .*a.toml$"):
        load_scenario(tmp_path / "a.toml")


# ---------------------------------------------------------------- validation messages
def test_unknown_key_names_the_file_and_the_nearest(tmp_path):
    path = write(tmp_path / "typo.toml", 'description = "x"\nbackbone_shar = 0.2\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "typo.toml" in msg and "'backbone_shar'" in msg and "'backbone_share'" in msg
    assert isinstance(err.value, ParameterError) and "\n" not in msg


def test_out_of_range_names_field_value_and_range(tmp_path):
    path = write(tmp_path / "range.toml", "backbone_share = 1.5\n")
    spec = SCHEMA["backbone_share"]
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "range.toml" in msg and "backbone_share" in msg and "1.5" in msg
    assert spec.bounds_text() in msg


def test_cross_field_rule_names_the_file(tmp_path):
    path = write(tmp_path / "cx.toml", "n_dimensions = 2\ncomplexity = 3\n")
    with pytest.raises(ScenarioError, match=r"cx.toml: complexity = 3"):
        load_scenario(path)


def test_syntax_error_names_file_line_and_column(tmp_path):
    path = write(tmp_path / "bad.toml", 'description = "ok"\nmonths = 12\nbackbone_share 0.2\n')
    with pytest.raises(ScenarioError, match=r"bad.toml: TOML syntax error at line 3, column \d+"):
        load_toml(path)
    path = write(tmp_path / "open.toml", 'months = 12\ndescription = "never closed\n')
    with pytest.raises(ScenarioError, match=r"open.toml: TOML syntax error at line \d+, column \d+"):
        load_scenario(path)


def test_missing_file_and_unknown_name(tmp_path):
    with pytest.raises(ScenarioError, match=r"^no such file: .*nowhere.toml$"):
        load_scenario(tmp_path / "nowhere.toml")
    with pytest.raises(ScenarioError, match=r"unknown scenario 'basline'; did you mean 'baseline'\?"):
        load_scenario("basline")
    with pytest.raises(ScenarioError, match="unknown scenario"):
        load_scenario("..")


def test_tables_and_wrong_types_are_refused(tmp_path):
    with pytest.raises(ScenarioError, match=r"\[params\] tables are not used"):
        load_scenario(write(tmp_path / "t.toml", "[params]\nmonths = 12\n"))
    with pytest.raises(ScenarioError, match="'description' must be a string"):
        load_scenario(write(tmp_path / "d.toml", "description = 3\n"))
    with pytest.raises(ScenarioError, match=r"regime = 'shared' is not allowed: expected one of pooled, isolated"):
        load_scenario(write(tmp_path / "r.toml", 'regime = "shared"\n'))
    with pytest.raises(ScenarioError, match=r"months = 1.5 is not allowed: expected a whole number"):
        load_scenario(write(tmp_path / "m.toml", "months = 1.5\n"))


def test_overrides_are_validated_too():
    with pytest.raises(ScenarioError, match=r"overrides: unknown parameter 'monhts'; did you mean 'months'"):
        load_scenario("baseline", {"monhts": 12})


# ---------------------------------------------------------------- --set
def test_parse_set_reads_toml_scalars_arrays_and_bare_words():
    got = parse_set(["backbone_share=0.2", "months=36", "use_identity=false", "regime=isolated",
                     'partner_names=["City:public", "Bank:private"]', 'regime="pooled"'])
    assert got == {"backbone_share": 0.2, "months": 36, "use_identity": False, "regime": "pooled",
                   "partner_names": ("City:public", "Bank:private")}
    assert parse_set(None) == {} and parse_set([]) == {}


@pytest.mark.parametrize("item, pattern", [
    ("backbone_shar=0.2", r"--set 'backbone_shar=0.2': unknown parameter .* did you mean 'backbone_share'"),
    ("backbone_share=2", r"--set 'backbone_share=2': backbone_share = 2 is not allowed: expected \[0, 0.9\]"),
    ("months", r"--set 'months': expected key=value"),
    ("months=", r"--set 'months=': expected key=value"),
    ("use_identity=maybe", r"--set 'use_identity=maybe': use_identity = 'maybe' is not allowed"),
])
def test_parse_set_errors_name_the_item(item, pattern):
    with pytest.raises(ScenarioError, match=pattern):
        parse_set([item])
