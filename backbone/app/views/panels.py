"""The twins' other views as HTML/SVG text: commitment and engagement per partner, the
balanced scorecard of both twins side by side, and the event feed.

Each is a pure function of plain values (no Solara), so it can be tested alone and
rendered by one ``solara.HTML`` element: one widget update per view per month.
"""

from __future__ import annotations

from html import escape
from typing import Mapping, Sequence

from backbone.simulation import SCORECARD

from ..narrative.feed import FeedItem
from .network import SECTOR_COLORS

COMMIT_COLOR = "#0369a1"
ENGAGE_COLOR = "#15803d"

# How the room reads each scorecard metric: (label, format). Formats: pct, people, num2,
# money (k), int, ratio, trust (0-100 with a word).
LABELS: dict[str, tuple[str, str]] = {
    "impact_share": ("Target population with a sustained outcome now", "pct"),
    "outcomes_total": ("People who reached a sustained outcome at any time so far (some have since lost it "
                       "or left the target group)", "people"),
    "improved_share": ("At or above the outcome threshold now", "pct"),
    "mean_condition": ("Mean condition of the target population", "num2"),
    "mean_trust": ("Mean trust among partners (0-100)", "trust"),
    "mean_engagement": ("Mean partner engagement", "num2"),
    "retention": ("Launch partners still members", "pct"),
    "coordination_share": ("Partner hours spent coordinating", "pct"),
    "duplication": ("Services duplicated", "pct"),
    "funds_raised": ("Money raised", "money"),
    "spent_total": ("Money spent", "money"),
    "cost_per_outcome": ("Cost per sustained outcome", "money"),
    "sroi": ("Social return per unit spent (gross)", "ratio"),
    "net_sroi": ("Social return, net of what would have happened anyway", "ratio"),
    "needs_accuracy": ("Agenda matches true needs", "pct"),
    "partners_recruited": ("Partners recruited", "int"),
}
PERSPECTIVES = {"impact": "Impact", "partnership": "Partnership", "finance": "Finance",
                "learning": "Learning & growth"}
# Metrics where less is better (for the "better" mark).
LOWER_IS_BETTER = {"coordination_share", "duplication", "cost_per_outcome"}
# Metrics with no better side: less money spent can be money stuck unspent (shown on the
# next row), more can be more work done.
NEUTRAL = {"spent_total", "unspent"}
UNSPENT = ("unspent", "Money raised but not yet spent", "money")


def trust_word(t: float) -> str:
    """A word for a trust level in [0, 1] (quarters: low, fair, good, high)."""
    return "low" if t < 0.25 else "fair" if t < 0.5 else "good" if t < 0.75 else "high"


def trust_text(t: float) -> str:
    """Trust as the room reads it: 0-100 and a word, e.g. "62 (good)"."""
    return f"{100 * t:.0f} ({trust_word(t)})"


def money_text(value: float, currency: str) -> str:
    """Money in the scenario's named unit: "340 kSEK", "1.25 MSEK" for a unit of
    thousands ("k..."), else "340 units"."""
    if currency.startswith("k") and len(currency) > 1 and abs(value) >= 1000:
        return f"{value / 1000:.2f} M{currency[1:]}"
    digits = 2 if abs(value) < 10 else 1 if abs(value) < 100 else 0
    return f"{value:,.{digits}f} {currency}"


def fmt(value: float, kind: str, currency: str | None = None) -> str:
    """A scorecard value as the room reads it (money in ``currency`` when given)."""
    if kind == "money" and currency:
        return money_text(value, currency)
    if kind == "pct":
        return f"{100 * value:.0f}%"
    if kind == "people":
        return f"{value:,.0f}"
    if kind == "num2":
        return f"{value:.2f}"
    if kind == "trust":
        return trust_text(value)
    if kind == "int":
        return f"{value:.0f}"
    if kind == "ratio":
        return f"{value:.1f}×"
    if kind == "money":  # model money is in thousands
        return f"{value / 1000:.2f} M" if abs(value) >= 1000 else f"{value:.0f} k"
    return f"{value:g}"


def partner_bars(partners: Sequence[dict], *, width: int = 300, max_named: int = 24) -> str:
    """SVG: per partner, a bar of commitment (to the common agenda, vs its home KPIs) and
    one of engagement; partners who left are greyed out. With more than ``max_named``
    partners the rows are thin and the names move into tooltips."""
    named = len(partners) <= max_named
    row, name_w = (26, 116) if named else (8, 12)
    bar_w = width - name_w - 4
    height = 26 + row * len(partners)
    out = [f'<svg viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg" '
           f'role="img" aria-label="commitment and engagement per partner" style="font-family:inherit">',
           f'<rect x="0" y="4" width="10" height="10" fill="{COMMIT_COLOR}"/>'
           f'<text x="14" y="13" font-size="14" fill="#334155">commitment</text>'
           f'<rect x="104" y="4" width="10" height="10" fill="{ENGAGE_COLOR}"/>'
           f'<text x="118" y="13" font-size="14" fill="#334155">engagement</text>']
    for n, p in enumerate(partners):
        y = 24 + n * row
        grey = not p["active"]
        if not named:
            for k, (key, color) in enumerate((("commitment", COMMIT_COLOR), ("engagement", ENGAGE_COLOR))):
                v = 0.0 if grey else max(0.0, min(1.0, p[key]))
                out.append(f'<rect x="{name_w}" y="{y + 3 * k}" width="{(width - name_w) * v:.1f}" height="3" '
                           f'fill="{color}"><title>{escape(p["name"])}: {key} {v:.2f}</title></rect>')
            continue
        name = escape(p["name"] if len(p["name"]) <= 14 else p["name"][:13] + "…")
        dot = "#cbd5e1" if grey else SECTOR_COLORS.get(p["sector"], "#64748b")
        out.append(f'<circle cx="5" cy="{y + 10}" r="4" fill="{dot}"/>')
        deco = ' text-decoration="line-through"' if grey else ""
        out.append(f'<text x="13" y="{y + 13}" font-size="14" fill="{"#94a3b8" if grey else "#0f172a"}"{deco}>'
                   f'{name}</text>')
        out.append(f'<rect x="{name_w}" y="{y + 1}" width="{bar_w}" height="20" fill="#f1f5f9" rx="2"/>')
        for k, (key, color) in enumerate((("commitment", COMMIT_COLOR), ("engagement", ENGAGE_COLOR))):
            v = 0.0 if grey else max(0.0, min(1.0, p[key]))
            out.append(f'<rect x="{name_w}" y="{y + 2 + 9 * k}" width="{bar_w * v:.1f}" height="8" '
                       f'fill="{color}" rx="1.5"><title>{key} {v:.2f}</title></rect>')
    out.append("</svg>")
    return "".join(out)


def scorecard_table(with_bb: Mapping[str, float], without: Mapping[str, float], month: int,
                    currency: str | None = None) -> str:
    """HTML: the balanced scorecard of both twins (money in ``currency``), grouped by perspective; the better
    value of each row in bold (none for money spent: less spent is not better when it is
    money stuck unspent, shown on the row after it). At month 0 the rows show launch
    values and nothing is marked."""
    head = (f'<table class="bb-score"><thead><tr><th>Balanced scorecard, month {month}</th>'
            f'<th class="bb-with">With a backbone</th><th class="bb-without">Without</th></tr></thead><tbody>')
    rows, last = [], None
    entries = []
    for perspective, metric, meaning in SCORECARD:
        entries.append((perspective, metric, meaning))
        if metric == "spent_total":
            entries.append((perspective, UNSPENT[0], "money paid in by funders and not spent yet, cumulative"))
    with_bb, without = dict(with_bb), dict(without)
    for values in (with_bb, without):
        values["unspent"] = max(0.0, float(values.get("funds_raised", 0.0)) - float(values.get("spent_total", 0.0)))
    for perspective, metric, meaning in entries:
        if perspective != last:
            rows.append(f'<tr class="bb-group"><td colspan="3">{escape(PERSPECTIVES.get(perspective, perspective))}</td></tr>')
            last = perspective
        label, kind = LABELS.get(metric, UNSPENT[1:] if metric == UNSPENT[0] else (meaning, "num2"))
        a, b = float(with_bb.get(metric, 0.0)), float(without.get(metric, 0.0))
        better_a = (a < b) if metric in LOWER_IS_BETTER else (a > b) and metric not in NEUTRAL
        better_b = (b < a) if metric in LOWER_IS_BETTER else (b > a) and metric not in NEUTRAL
        ca = ' class="bb-better"' if better_a and month else ""
        cb = ' class="bb-better"' if better_b and month else ""
        rows.append(f'<tr title="{escape(meaning)}"><td>{escape(label)}</td><td{ca}>{fmt(a, kind, currency)}</td>'
                    f'<td{cb}>{fmt(b, kind, currency)}</td></tr>')
        if metric == "sroi" and "net_sroi" in with_bb and "net_sroi" in without:
            label, kind = LABELS["net_sroi"]
            a, b = float(with_bb["net_sroi"]), float(without["net_sroi"])
            ca = ' class="bb-better"' if a > b and month else ""
            cb = ' class="bb-better"' if b > a and month else ""
            meaning = ("value minus the value the same people reach without the partnership (same seed), "
                       "less attribution to others, per discounted unit spent")
            rows.append(f'<tr title="{escape(meaning)}"><td>{escape(label)}</td><td{ca}>{fmt(a, kind)}</td>'
                        f'<td{cb}>{fmt(b, kind)}</td></tr>')
    return head + "".join(rows) + "</tbody></table>"


def feed_html(items: Sequence[FeedItem], limit: int = 40) -> str:
    """HTML: the newest ``limit`` feed items, newest first, coloured by tone."""
    if not items:
        return '<div class="bb-feed bb-empty">Nothing has happened yet: press Play or Step.</div>'
    lines = []
    for it in list(items)[-limit:][::-1]:
        text = escape(it.text[:1].upper() + it.text[1:])
        lines.append(f'<li class="bb-{it.tone}"><span class="bb-month">Month {it.month}</span>{text}</li>')
    return f'<ul class="bb-feed">{"".join(lines)}</ul>'


__all__ = ["partner_bars", "scorecard_table", "feed_html", "fmt", "money_text", "LABELS", "trust_text", "trust_word"]
