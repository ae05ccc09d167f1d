"""The app's views as plain HTML/SVG text: charts, the trust network, partners' bars,
the scorecard and the feed. Pure functions of values; the page puts each into one
``solara.HTML`` element."""

from . import board
from .charts import WITH_COLOR, WITHOUT_COLOR, line_chart, nice_max
from .network import SECTOR_COLORS, legend_html, trust_network
from .panels import feed_html, fmt, partner_bars, scorecard_table
from .style import CSS

__all__ = ["board", "line_chart", "nice_max", "trust_network", "legend_html", "partner_bars", "scorecard_table",
           "feed_html", "fmt", "CSS", "WITH_COLOR", "WITHOUT_COLOR", "SECTOR_COLORS"]
