"""The month's board as HTML: the overview (both twins on one chart, the scorecard) and
one panel per twin (headline numbers, trust network, commitment and engagement, its
chart, its feed).

Each block is one HTML string, so the page updates one element per block per month:
few widgets to reconcile on the server, few DOM patches in the browser. The CSS classes
(``bb-chart-both``, ``bb-chart-with``, ``bb-feed-without``...) are what tests and the
bench look for.
"""

from __future__ import annotations

from ..twins import Twin, Twins
from .charts import WITH_COLOR, WITHOUT_COLOR, line_chart, nice_max
from .network import legend_html, trust_network
from .panels import feed_html, partner_bars, scorecard_table


def side_key(twin: Twin) -> str:
    """``with`` or ``without``: the suffix of the twin's CSS classes."""
    return "with" if twin.has_backbone else "without"


def y_axis_max(twins: Twins) -> float:
    """A shared y axis for every outcome chart: a round number above both twins' peak
    (at least a tenth of the target population, so early months are not magnified)."""
    peak = max((float(t.series("impact").max()) if t.rows else 0.0) for t in twins.sides)
    return nice_max(max(1.0, 1.1 * peak, 0.1 * twins.params.n_beneficiaries))


def kpis_html(twin: Twin) -> str:
    """The twin's headline numbers."""
    active = sum(1 for x in twin.partners() if x["active"])
    return (f'<div class="bb-kpis">'
            f'<div><b>{twin.now("impact"):,.0f}</b><span class="bb-small">people with a sustained outcome</span></div>'
            f'<div><b>{twin.now("mean_trust"):.2f}</b><span class="bb-small">mean trust</span></div>'
            f'<div><b>{active}</b><span class="bb-small">partners active</span></div>'
            f'<div><b>{100 * twin.now("funder_level"):.0f}%</b><span class="bb-small">funding, vs. launch</span></div>'
            f'</div>')


def twin_panel_html(twin: Twin, y_max: float, marker: int | None = None) -> str:
    """One twin's panel."""
    key = side_key(twin)
    color = WITH_COLOR if key == "with" else WITHOUT_COLOR
    share = twin.model.params.backbone_share
    sub = (f"{100 * share:.0f}% of the budget buys backbone staff" if share > 0
           else "the partners hold it together themselves")
    partners = twin.partners()
    chart = line_chart(
        [("sustained outcome", color, twin.series("impact")),
         ("(at the outcome threshold now)", "#94a3b8", twin.series("improved"))],
        twin.model.params.months, y_max=y_max, width=640, height=170, fill=True, marker=marker)
    return (
        f'<div class="bb-card bb-{key}-card">'
        f'<h2><span style="color:{color}">{twin.label}</span><span class="bb-small"> &nbsp;{sub}</span></h2>'
        f'{kpis_html(twin)}'
        f'<div class="bb-two">'
        f'<div><h3>Trust network</h3><div class="bb-network-{key}">{trust_network(partners, twin.trust, width=460, height=330)}</div></div>'
        f'<div><h3>Commitment and engagement</h3>{partner_bars(partners)}</div>'
        f'</div>{legend_html()}'
        f'<h3>People with a sustained outcome</h3><div class="bb-chart-{key}">{chart}</div>'
        f'<h3>What happened</h3><div class="bb-feed-{key}">{feed_html(twin.feed)}</div>'
        f'</div>')


def overview_html(twins: Twins, y_max: float, marker: int | None = None, marker_label: str = "") -> str:
    """Both twins' people with a sustained outcome: the numbers now and one chart."""
    w, wo = twins.with_backbone, twins.without_backbone
    diff = w.now("impact") - wo.now("impact")
    sign = "more" if diff >= 0 else "fewer"
    chart = line_chart(
        [("with a backbone", WITH_COLOR, w.series("impact")), ("without", WITHOUT_COLOR, wo.series("impact"))],
        twins.months, y_max=y_max, width=760, height=420, y_label="people",
        marker=marker, marker_label=marker_label)
    return (
        f'<div class="bb-card bb-overview">'
        f'<h2>People with a sustained outcome: both partnerships</h2>'
        f'<div class="bb-headline">'
        f'<div><div class="bb-big bb-with">{w.now("impact"):,.0f}</div><span class="bb-small">with a backbone</span></div>'
        f'<div><div class="bb-big bb-without">{wo.now("impact"):,.0f}</div><span class="bb-small">without</span></div>'
        f'<div><div class="bb-big">{abs(diff):,.0f}</div><span class="bb-small">{sign} people with the '
        f'backbone, month {twins.month}</span></div></div>'
        f'<div class="bb-chart-both">{chart}</div></div>')


def scorecard_html(twins: Twins) -> str:
    """The balanced scorecard of both twins, in a card."""
    w, wo = twins.with_backbone, twins.without_backbone
    return f'<div class="bb-card">{scorecard_table(w.scorecard(), wo.scorecard(), twins.month)}</div>'


__all__ = ["twin_panel_html", "overview_html", "scorecard_html", "kpis_html", "y_axis_max", "side_key"]
