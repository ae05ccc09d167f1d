"""The event feed: sentences carry the right names and numbers from the event log."""

from __future__ import annotations

import numpy as np
import pytest

from backbone.app.cast import funder_name, possessive, recruit_name, spoken
from backbone.app.narrative.feed import Event, describe_event, describe_month, milestones, read_events
from backbone.simulation import EVENT_TYPES, PartnershipModel

NAMES = {0: "City", 1: "Retailer", 2: "Youth charity", 3: "University"}


def test_turnover_names_the_partner_whose_trust_fell_most_with_both_values():
    before = np.zeros((4, 4))
    after = np.zeros((4, 4))
    before[1, [0, 2, 3]] = [0.61, 0.40, 0.30]
    after[1, [0, 2, 3]] = [0.32, 0.35, 0.29]  # the city's trust fell most
    item = describe_event(Event(14, "turnover", 1, -1, 0.44, 0.32), NAMES, trust_before=before, trust_after=after)
    assert item.sentence == "Month 14: The retailer's representative left; trust with the city fell from 0.61 to 0.32."
    assert item.tone == "bad"


def test_turnover_without_matrices_gives_the_logged_mean_trust():
    item = describe_event(Event(3, "turnover", 2, -1, 0.456, 0.123), NAMES)
    assert "the youth charity" in item.text and "0.46" in item.text and "0.12" in item.text
    assert "fell from 0.46 to 0.12" in item.text


def test_turnover_that_raises_trust_says_it_rose():
    """A successor starts afresh with the others' representatives: where the predecessor's
    relationships had soured, the others' trust in the seat rises, and the feed says so."""
    item = describe_event(Event(60, "turnover", 2, -1, 0.06, 0.19), NAMES)
    assert "rose from 0.06 to 0.19" in item.text and "fell" not in item.text


@pytest.mark.parametrize("event, a, v1, v2, expected", [
    ("exit", 3, 0.12, 0.0, ["the university left", "0.12"]),
    ("recruit", 2, 0.0, 0.0, ["new partner", "the youth charity"]),
    ("relaunch", -1, 0.25, 0.41, ["the backbone relaunched", "25%", "0.41"]),
    ("betrayal", 1, 0.5, 0.29, ["the retailer claimed", "0.50", "0.29"]),
    ("funding_cut", 0, 1.0, 0.8, ["the family foundation", "100%", "80%", "cut"]),
    ("funding_grow", 1, 1.0, 1.05, ["the municipal fund", "105%", "raised"]),
    ("funder_exit", 2, 0.64, 0.0, ["the EU social fund stopped", "64%"]),
    ("persuaded", 0, 52.3, 40.0, ["the family foundation", "52k", "40k", "persuaded"]),
    ("phase", -1, 1, 2, ["re-design", "from run"]),
    ("dissolved", -1, 1, 0, ["dissolved", "1 partner and 0 funders", "0 funders"]),
])
def test_every_event_type_has_its_names_and_numbers(event, a, v1, v2, expected):
    item = describe_event(Event(7, event, a, -1, v1, v2), NAMES)
    assert item.month == 7
    for text in expected:
        assert text in item.text, (text, item.text)


def test_every_logged_event_type_is_described():
    for name in EVENT_TYPES.values():
        assert describe_event(Event(1, name, 0, -1, 0.0, 0.0), NAMES) is not None, name


def test_relaunch_without_a_backbone_is_the_partners_doing():
    item = describe_event(Event(5, "relaunch", -1, -1, 0.2, 0.3), NAMES, has_backbone=False)
    assert item.text.startswith("the partners relaunched")


def test_funders_reviewed_in_the_same_month_share_one_sentence():
    events = [Event(24, "funding_grow", f, -1, 1.0, 1.08) for f in range(3)] + [Event(24, "exit", 0, -1, 0.1, 0)]
    items = describe_month(events, NAMES)
    assert len(items) == 2
    assert items[0].text.startswith("the family foundation, the municipal fund and the EU social fund raised")
    assert "from 100% to 108%" in items[0].text
    mixed = describe_month([Event(12, "funding_cut", 0, -1, 1.0, 0.8), Event(12, "funding_cut", 1, -1, 0.8, 0.64)],
                           NAMES)
    assert len(mixed) == 1 and "80% and 64%" in mixed[0].text


def test_milestones_when_a_tenth_is_crossed_up_or_down():
    up = milestones(19, 0.095, 0.21, 10_000)
    assert len(up) == 1 and "20%" in up[0].text and "2,000 people" in up[0].text
    down = milestones(50, 0.31, 0.29, 10_000)
    assert len(down) == 1 and "fewer than 30%" in down[0].text and down[0].tone == "bad"
    assert milestones(3, 0.11, 0.12, 10_000) == []


def test_feed_from_a_real_event_log_uses_the_logged_values():
    model = PartnershipModel(rng=3, n_beneficiaries=200, months=48, turnover_rate=0.08,
                             partner_names=["City:public", "Retailer:private", "Youth charity:nonprofit"],
                             max_beneficiary_agents=0)
    for _ in range(48):
        model.step()
    st = model.state
    events = read_events(st.events.rows, 0, int(st.world[0]["n_events"]))
    assert [e.event for e in events] == list(model.events["event"])  # same log, same order
    names = {p.slot: p.name for p in model.partners}
    turnovers = [e for e in events if e.event == "turnover"]
    assert turnovers, "a turnover rate of 8% a month gives turnovers in 4 years"
    for ev in turnovers:
        item = describe_event(ev, names)
        assert item.month == ev.month
        assert possessive(names[ev.a]) in item.text
        assert f"{ev.v1:.2f}" in item.text and f"{ev.v2:.2f}" in item.text


def test_cast_names_read_well_in_sentences():
    assert spoken("Retailer") == "the retailer"
    assert spoken("EU social fund") == "the EU social fund"
    assert spoken("Malmö stad") == "Malmö stad"
    assert possessive("Sports club") == "the sports club's"
    assert funder_name(0) == "Family foundation" and funder_name(99) == "Funder 100"
    assert recruit_name("public", {"City", "Job centre"}) == "Health service"
    assert recruit_name(1, {"Retailer"}) == "Bank"


def test_read_events_makes_months_one_based():
    rows = np.array([[0, 1, 2, -1, 0.5, 0.2], [11, 4, -1, -1, 0.3, 0.4]])
    evs = read_events(rows, 0, 2)
    assert evs[0] == Event(1, "turnover", 2, -1, 0.5, 0.2)
    assert evs[1].month == 12 and evs[1].event == "relaunch"


def test_every_shock_and_grant_event_reads_as_a_sentence():
    from backbone.app.narrative.feed import Event, describe_event

    for name in ("grant_renewed", "grant_ended", "funder_shift", "funder_join", "home_shift",
                 "leader_exit", "policy_shock"):
        for v2 in (0.0, 1.0):
            item = describe_event(Event(12, name, 0, -1, 0.4, v2), {0: "City"})
            assert item is not None and item.text.endswith(".") and item.event == name
