"""The month's board as HTML: the overview (both twins' people with a sustained outcome
on one chart, their funding on another), both twins' key numbers, their event feeds,
the scorecard, and one panel per twin (trust network, commitment and engagement, its
chart).

Each block is one HTML string, so the page updates one element per block per month:
few widgets to reconcile on the server, few DOM patches in the browser. The CSS classes
(``bb-chart-both``, ``bb-chart-funding``, ``bb-keys-with``, ``bb-feed-without``...) are
what tests and the bench look for.

Text sizes: the charts are SVG scaled to their box, so each chart's font size (in its
own units) is chosen for the width the chart gets on a 1280x720 projector, so that
labels read at 14 px or more there.
"""

from __future__ import annotations

from html import escape

from ..twins import Twin, Twins
from .charts import WITH_COLOR, WITHOUT_COLOR, line_chart, nice_max
from .network import legend_html, trust_network
from .panels import feed_html, partner_bars, scorecard_table, trust_text

OVERVIEW_FONT = 21   # the overview charts: 760 units wide, about 540 px at 1280x720
PANEL_FONT = 20      # a twin's own chart: 640 units wide, about 450 px at 1280x720
NETWORK_FONT = 18    # the trust network: 460 units wide, 380 px or more


def side_key(twin: Twin) -> str:
    """``with`` or ``without``: the suffix of the twin's CSS classes."""
    return "with" if twin.has_backbone else "without"


def y_axis_max(twins: Twins) -> float:
    """A shared y axis for every outcome chart: a round number above both twins' peak
    and their runs without the lesson (at least a tenth of the target population, so
    early months are not magnified)."""
    peak = 0.0
    for t in twins.sides:
        if t.rows:
            peak = max(peak, float(t.series("impact").max()))
        ghost = t.ghost_series("impact")
        if ghost is not None and (ghost == ghost).any():
            peak = max(peak, float(max(v for v in ghost if v == v)))
    return nice_max(max(1.0, 1.1 * peak, 0.1 * twins.params.n_beneficiaries))


def subtitle_html(twins: Twins) -> str:
    """What differs at the start, and what followed from it."""
    share = twins.params.backbone_share
    return (f"Same partners, funders, people in need and luck at the start; the one difference is the money for a "
            f"backbone ({100 * share:.0f}% of the budget). All that follows, funders' budgets too, is the model's.")


def _ghost(twin: Twin, color: str, label: str) -> list[tuple]:
    values = twin.ghost_series("impact")
    return [] if values is None else [(label, color, values, "ghost")]


def overview_html(twins: Twins, y_max: float, marker: int | None = None, marker_label: str = "") -> str:
    """Both twins' people with a sustained outcome (the numbers now and one chart, with
    each twin's run without the lesson as a faint line), and their funding by month."""
    w, wo = twins.with_backbone, twins.without_backbone
    diff = w.now("impact") - wo.now("impact")
    sign = "more" if diff >= 0 else "fewer"
    ghosts = (_ghost(w, WITH_COLOR, "with a backbone, without the lesson")
              + _ghost(wo, WITHOUT_COLOR, "without a backbone, without the lesson"))
    series = [("with a backbone", WITH_COLOR, w.series("impact")), ("without", WITHOUT_COLOR, wo.series("impact"))]
    chart = line_chart(series + ghosts, twins.months, y_max=y_max, width=760, height=280, y_label="people",
                       marker=marker, marker_label=marker_label, font=OVERVIEW_FONT, legend=False)
    levels = [100 * t.series_from_launch("funder_level") for t in (w, wo)]
    funding = line_chart(
        [("with a backbone", WITH_COLOR, levels[0][1:]), ("without", WITHOUT_COLOR, levels[1][1:])],
        twins.months, y_max=nice_max(max(150.0, 1.05 * max(lv.max() for lv in levels))),
        width=760, height=140, y_label="funding", marker=marker, font=OVERVIEW_FONT, legend=False,
        origin=float(levels[0][0]), y_format=lambda v: f"{v:g}%", ticks=3)
    legend = (f'<span class="bb-key"><i style="background:{WITH_COLOR}"></i>with a backbone</span>'
              f'<span class="bb-key"><i style="background:{WITHOUT_COLOR}"></i>without</span>')
    if ghosts:
        legend += ('<span class="bb-key"><i class="bb-key-ghost"></i>faint: each one\'s same run without '
                   'the lesson</span>')
    return (
        f'<div class="bb-card bb-overview">'
        f'<div class="bb-headline">'
        f'<div><div class="bb-big bb-with">{w.now("impact"):,.0f}</div><span class="bb-small">with a backbone</span></div>'
        f'<div><div class="bb-big bb-without">{wo.now("impact"):,.0f}</div><span class="bb-small">without</span></div>'
        f'<div><div class="bb-big">{abs(diff):,.0f}</div><span class="bb-small">{sign} people with the '
        f'backbone, month {twins.month}</span></div></div>'
        f'<h3>People with a sustained outcome</h3><div class="bb-legend-line">{legend}</div>'
        f'<div class="bb-chart-both">{chart}</div>'
        f'<h3>Funding, % of launch funding</h3><div class="bb-chart-funding">{funding}</div></div>')


def keys_html(twins: Twins) -> str:
    """Both twins' key numbers, side by side: people with a sustained outcome now (and,
    with a lesson, what it changed against each twin's own run without it), trust,
    partners active, funding against launch, phase."""
    sides = twins.sides
    rows = [("sustained outcome now", [f'{t.now("impact"):,.0f}' for t in sides])]
    costs = [twins.lesson_cost(t) for t in sides]
    if all(c is not None for c in costs):
        rows.append(("change from the lesson", [f"{round(c[0] - c[1]):+,} <small>(vs {c[1]:,.0f})</small>"
                                                 for c in costs]))
    rows += [("trust (0-100)", [trust_text(t.now("mean_trust")) for t in sides]),
             ("partners active", [str(sum(1 for x in t.partners() if x["active"])) for t in sides]),
             ("funding vs launch", [f'{100 * t.now("funder_level"):.0f}%' for t in sides]),
             ("phase", [escape(t.phase) for t in sides])]
    head = "".join(f'<th class="bb-keys-{side_key(t)} bb-{side_key(t)}">{"with a backbone" if t.has_backbone else "without"}'
                   f'</th>' for t in sides)
    body = "".join(f"<tr><td>{label}</td>" + "".join(f'<td class="bb-keys-{side_key(t)}">{v}</td>'
                                                     for t, v in zip(sides, values)) + "</tr>"
                   for label, values in rows)
    return (f'<div class="bb-card bb-keys-card"><table class="bb-keys"><thead><tr><th></th>{head}</tr></thead>'
            f'<tbody>{body}</tbody></table></div>')


def feeds_html(twins: Twins) -> str:
    """Both twins' event feeds, one above the other, newest first."""
    out = []
    for twin in twins.sides:
        key = side_key(twin)
        color = WITH_COLOR if key == "with" else WITHOUT_COLOR
        out.append(f'<h3><span style="color:{color}">{escape(twin.label)}</span>: what happened</h3>'
                   f'<div class="bb-feed-{key}">{feed_html(twin.feed)}</div>')
    return f'<div class="bb-card bb-feeds">{"".join(out)}</div>'


def twin_panel_html(twin: Twin, y_max: float, marker: int | None = None) -> str:
    """One twin's panel: trust network, commitment and engagement, its own chart."""
    key = side_key(twin)
    color = WITH_COLOR if key == "with" else WITHOUT_COLOR
    share = twin.model.params.backbone_share
    sub = (f"{100 * share:.0f}% of the budget buys backbone staff" if share > 0
           else "the partners hold it together themselves")
    partners = twin.partners()
    series = [("sustained outcome", color, twin.series("impact")),
              ("(at the outcome threshold now)", "#94a3b8", twin.series("improved"))]
    ghost = twin.ghost_series("impact")
    if ghost is not None:
        series.append(("without the lesson", color, ghost, "ghost"))
    chart = line_chart(series, twin.model.params.months, y_max=y_max, width=640, height=230, fill=True,
                       marker=marker, font=PANEL_FONT)
    return (
        f'<div class="bb-card bb-{key}-card">'
        f'<h2><span style="color:{color}">{twin.label}</span><span class="bb-small"> &nbsp;{sub}</span></h2>'
        f'<div class="bb-two">'
        f'<div><h3>Trust network</h3><div class="bb-network-{key}">{trust_network(partners, twin.trust, width=460, height=360, font=NETWORK_FONT)}</div></div>'
        f'<div><h3>Commitment and engagement</h3>{partner_bars(partners)}</div>'
        f'</div>{legend_html()}'
        f'<h3>People with a sustained outcome</h3><div class="bb-chart-{key}">{chart}</div>'
        f'</div>')


def scorecard_html(twins: Twins) -> str:
    """The balanced scorecard of both twins, in a card."""
    w, wo = twins.with_backbone, twins.without_backbone
    table = scorecard_table(w.scorecard(), wo.scorecard(), twins.month, getattr(twins, "currency", None))
    return f'<div class="bb-card bb-scorecard">{table}</div>'


__all__ = ["twin_panel_html", "overview_html", "scorecard_html", "keys_html", "feeds_html", "subtitle_html",
           "y_axis_max", "side_key"]
