"""The app's views as SVG/HTML text: charts, trust network, partners' bars, scorecard, feed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np

from backbone.app.narrative.feed import FeedItem
from backbone.app.views import feed_html, fmt, line_chart, nice_max, partner_bars, scorecard_table, trust_network
from backbone.app.views.panels import trust_text, trust_word
from backbone.simulation import SCORECARD_METRICS

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


def test_line_chart_draws_one_point_per_month_on_a_fixed_axis():
    svg = line_chart([("with", "#000", [1, 2, 3]), ("(dashed)", "#111", [0, 1, 1])], 120, y_max=10,
                     marker=36, marker_label="a lesson")
    root = parse(svg)
    lines = root.findall(f"{SVG}polyline")
    assert [len(pl.get("points").split()) for pl in lines] == [4, 4]  # month 0 and three months
    assert lines[1].get("stroke-dasharray") and not lines[0].get("stroke-dasharray")
    assert "a lesson" in svg and "year 10" in svg
    # three months of 120 reach 1/40 of the way across
    xs = [float(p.split(",")[0]) for p in lines[0].get("points").split()]
    assert xs[0] < xs[-1] < xs[0] + 0.05 * 640
    assert parse(line_chart([("empty", "#000", [])], 12)) is not None


def test_nice_max_rounds_up():
    assert [nice_max(x) for x in (0.3, 1.0, 1.7, 2.2, 3.0, 7000)] == [0.5, 1.0, 2.0, 2.5, 5.0, 10000]


def partners():
    return [
        {"slot": 0, "name": "City", "sector": "public", "active": True, "engagement": 0.8, "commitment": 0.6,
         "tenure": 20, "reps": 1},
        {"slot": 1, "name": "Retailer", "sector": "private", "active": True, "engagement": 0.5, "commitment": 0.3,
         "tenure": 2, "reps": 2},
        {"slot": 2, "name": "Bank & Co", "sector": "private", "active": False, "engagement": 0.1, "commitment": 0.1,
         "tenure": 9, "reps": 1},
        {"slot": 3, "name": "University", "sector": "academia", "active": True, "engagement": 0.7,
         "commitment": 0.7, "tenure": 30, "reps": 1},
    ]


def test_trust_network_edges_by_trust_and_exits_visible():
    trust = np.zeros((4, 4))
    trust[0, 1] = trust[1, 0] = 0.6
    trust[0, 3] = trust[3, 0] = 0.02  # below the drawing threshold
    trust[1, 3] = trust[3, 1] = 0.3
    svg = trust_network(partners(), trust)
    root = parse(svg)
    edges = root.findall(f"{SVG}line")
    assert len(edges) == 2
    widths = sorted(float(e.get("stroke-width")) for e in edges)
    assert widths[0] < widths[1]  # thicker for higher trust
    assert "Bank &amp; Co" in svg  # escaped
    left = [c for c in root.findall(f"{SVG}circle") if c.get("stroke-dasharray")]
    assert len(left) == 1  # the partner that left: a dashed ring
    assert svg.count("#f59e0b") == 1  # one new representative (reps > 1, tenure < 6)


def test_partner_bars_scale_with_commitment_and_engagement():
    svg = partner_bars(partners(), width=340)
    root = parse(svg)
    bars = [r for r in root.findall(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    values = {r.find(f"{SVG}title").text: float(r.get("width")) for r in bars}
    assert values["commitment 0.70"] > values["commitment 0.60"] > values["commitment 0.30"]
    assert values["engagement 0.00"] == 0.0  # the partner that left shows empty bars


def test_scorecard_marks_the_better_twin_per_row():
    a = {m: 1.0 for m in SCORECARD_METRICS}
    b = {m: 2.0 for m in SCORECARD_METRICS}
    html = scorecard_table(a, b, 12)
    assert "Balanced scorecard, month 12" in html
    for perspective in ("Impact", "Partnership", "Finance", "Learning &amp; growth"):
        assert perspective in html
    rows = re.findall(r"<tr title=[^>]*><td>([^<]*)</td><td( class=\"bb-better\")?>[^<]*</td>"
                      r"<td( class=\"bb-better\")?>", html)
    assert len(rows) == len(SCORECARD_METRICS) + 1  # and the money not yet spent
    better_first = {label for label, first, _ in rows if first}
    assert better_first == {"Partner hours spent coordinating", "Services duplicated",
                            "Cost per sustained outcome"}  # lower is better there
    neutral = {label for label, first, second in rows if not first and not second}
    assert neutral == {"Money spent", "Money raised but not yet spent"}  # less spent can be money stuck
    assert fmt(0.123, "pct") == "12%" and fmt(2500, "money") == "2.50 M" and fmt(12, "money") == "12 k"


def test_scorecard_shows_money_stuck_unspent_and_trust_in_words():
    a = {m: 0.0 for m in SCORECARD_METRICS} | {"funds_raised": 900.0, "spent_total": 850.0, "mean_trust": 0.62}
    b = {m: 0.0 for m in SCORECARD_METRICS} | {"funds_raised": 900.0, "spent_total": 400.0, "mean_trust": 0.2}
    html = scorecard_table(a, b, 24)
    row = re.search(r"Money raised but not yet spent</td><td>([^<]*)</td><td>([^<]*)</td>", html)
    assert row.groups() == ("50 k", "500 k")
    assert "62 (good)" in html and "20 (low)" in html
    assert [trust_word(t) for t in (0.1, 0.3, 0.6, 0.9)] == ["low", "fair", "good", "high"]
    assert trust_text(0.5) == "50 (good)"


def test_ghost_lines_are_faint_and_start_where_the_lesson_does():
    ghost = [np.nan] * 34 + [5.0, 6.0, 7.0]
    svg = line_chart([("with", "#000", [1.0] * 37), ("without the lesson", "#000", ghost, "ghost")], 120,
                     y_max=10, font=20)
    root = parse(svg)
    solid, faint = root.findall(f"{SVG}polyline")
    assert len(solid.get("points").split()) == 38  # month 0 and 37 months
    assert len(faint.get("points").split()) == 3  # from month 35 only
    assert faint.get("class") == "bb-ghost" and float(faint.get("stroke-opacity")) < 0.5
    assert {t.get("font-size") for t in root.findall(f"{SVG}text")} == {"20"}
    funding = parse(line_chart([("f", "#000", [100.0, 90.0])], 12, y_max=200, origin=100.0))
    first = funding.find(f"{SVG}polyline").get("points").split()[0]
    assert float(first.split(",")[1]) < 200  # starts at its launch value, not at 0


def test_feed_html_newest_first_and_escaped():
    items = [FeedItem(1, "first <b>", "bad", "exit"), FeedItem(2, "second", "good", "recruit")]
    html = feed_html(items)
    assert html.index("Month 2") < html.index("Month 1")
    assert "First &lt;b&gt;" in html and 'class="bb-bad"' in html
    assert "press Play" in feed_html([])


def test_a_large_network_stays_light():
    many = [{"slot": i, "name": f"Partner {i + 1}", "sector": "public", "active": True, "engagement": 0.5,
             "commitment": 0.5, "tenure": 10, "reps": 1} for i in range(30)]
    trust = np.full((30, 30), 0.5)
    root = parse(trust_network(many, trust, max_edges=160))
    assert len(root.findall(f"{SVG}line")) == 160  # only the strongest ties
    assert root.findall(f"{SVG}text") == []  # names in tooltips only
    assert len(root.findall(f"{SVG}circle")) == 30
    bars = parse(partner_bars(many))
    assert not [t for t in bars.findall(f"{SVG}text") if t.text.startswith("Partner")]
