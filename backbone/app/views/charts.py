"""Line charts as SVG text: people with a sustained outcome, month by month.

Plain SVG strings, built in pure Python: a month of both twins redraws several charts,
and string building takes well under a millisecond where a matplotlib figure takes tens
(see bench/bench_app.py). The browser scales them to their box (``viewBox``).
"""

from __future__ import annotations

import math
from html import escape
from typing import Sequence

import numpy as np

WITH_COLOR = "#0f766e"     # teal: the twin with a backbone
WITHOUT_COLOR = "#c2410c"  # rust: the twin without
GRID = "#e2e8f0"
INK = "#334155"
MUTED = "#64748b"


def nice_max(x: float) -> float:
    """A round number at or above ``x`` for an axis (1, 2, 2.5, 5 x 10^k)."""
    if x <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if m * exp >= x - 1e-12:
            return m * exp
    return 10 * exp


def _fmt(v: float) -> str:
    if v >= 1000:
        return f"{v / 1000:g}k"
    return f"{v:g}"


def line_chart(series: Sequence[tuple], months: int, *,
               y_max: float | None = None, width: int = 640, height: int = 260,
               y_label: str = "", fill: bool = False, legend: bool = True,
               marker: int | None = None, marker_label: str = "", font: float = 12,
               origin: float = 0.0, y_format=None, ticks: int = 5) -> str:
    """An SVG chart of ``series`` = [(label, colour, values by month 1..n[, style])] on a
    fixed x axis of ``months`` (so the lines grow to the right as the twins run).

    ``style``: ``solid`` (default), ``dashed`` (also: a label in parentheses) or
    ``ghost`` (a faint line, no end dot: the same run without a lesson; NaN values are
    not drawn). ``y_max``: top of the y axis (default: a round number above the data);
    ``fill``: shade under the first series; ``marker``: a month to mark with a dashed
    line (a lesson's moment); ``font``: text size in the chart's own units (the browser
    scales the chart to its box); ``origin``: every line's value at month 0 (launch);
    ``y_format``: the y ticks' text (default: 1k for 1000); ``ticks``: how many.
    """
    fmt_y = y_format or _fmt
    f = float(font)
    left = int(3.4 * f + (14 if y_label else 0))
    right, top, bottom = int(max(22, 1.8 * f)), int(2.2 * f) if legend else 10, int(2 * f)
    pw, ph = width - left - right, height - top - bottom
    finite = [float(np.nanmax(v)) for _, _, v, *_ in series if len(v) and np.isfinite(v).any()]
    data_max = max(finite + [origin], default=0.0)
    ymax = y_max if y_max is not None else nice_max(max(data_max * 1.1, 1e-9))

    def x(m: float) -> float:
        return left + pw * m / max(months, 1)

    def y(v: float) -> float:
        return top + ph * (1.0 - min(max(v / ymax, 0.0), 1.0))

    out = [f'<svg viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg" '
           f'role="img" aria-label="{escape(y_label or series[0][0] if series else "")}" '
           f'style="font-family:inherit;display:block">']
    for k in range(ticks):
        v = ymax * k / (ticks - 1)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + f / 3:.1f}" font-size="{f:g}" text-anchor="end" '
                   f'fill="{MUTED}">{fmt_y(round(v, 6))}</text>')
    step = 12 if months > 24 else max(1, months // 6)
    if step == 12 and pw / max(months / 12, 1) < 4 * f:
        step = 24  # narrow chart: every other year
    for m in range(0, months + 1, step):
        label = (f"year {m // 12}" if m else "start") if step % 12 == 0 else str(m)
        if step % 12 == 0 and m and pw / max(months / step, 1) < 4.2 * f:
            label = f"yr {m // 12}"  # narrow: short labels
        out.append(f'<text x="{x(m):.1f}" y="{height - f / 2:.1f}" font-size="{f:g}" text-anchor="middle" '
                   f'fill="{MUTED}">{label}</text>')
    out.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" stroke="#94a3b8"/>')
    if y_label:
        out.append(f'<text x="{f:.1f}" y="{top + ph / 2:.1f}" font-size="{f:g}" fill="{MUTED}" '
                   f'text-anchor="middle" transform="rotate(-90 {f:.1f} {top + ph / 2:.1f})">{escape(y_label)}</text>')
    if marker is not None and 0 < marker <= months:
        mx = x(marker - 1)
        out.append(f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top}" y2="{top + ph}" stroke="#7c3aed" '
                   f'stroke-width="1.5" stroke-dasharray="5 4"/>')
        if marker_label:
            out.append(f'<text x="{mx + 5:.1f}" y="{top + f:.1f}" font-size="{f:g}" fill="#6d28d9">'
                       f'{escape(marker_label)}</text>')
    for n, (label, color, values, *rest) in enumerate(series):
        style = rest[0] if rest else ("dashed" if label.startswith("(") else "solid")
        vals = np.asarray(values, dtype=float)
        if not len(vals):
            continue
        months_vals = [(m, v) for m, v in zip(range(1, len(vals) + 1), vals) if np.isfinite(v)]
        if not months_vals:
            continue
        pts = " ".join(f"{x(m):.1f},{y(v):.1f}" for m, v in months_vals)
        start = f"{x(0):.1f},{y(origin):.1f} " if months_vals[0][0] == 1 else ""
        if fill and n == 0:
            out.append(f'<polygon points="{x(0):.1f},{y(0):.1f} {start}{pts} {x(len(vals)):.1f},{y(0):.1f}" '
                       f'fill="{color}" fill-opacity="0.12"/>')
        if style == "ghost":
            attrs, width_ = ' stroke-opacity="0.38" class="bb-ghost"', 2.5
        elif style == "dashed":
            attrs, width_ = ' stroke-dasharray="5 4"', 2
        else:
            attrs, width_ = "", 3
        out.append(f'<polyline points="{start}{pts}" fill="none" stroke="{color}" stroke-width="{width_}" '
                   f'stroke-linejoin="round"{attrs}><title>{escape(label.strip("()"))}</title></polyline>')
        if style == "solid":
            out.append(f'<circle cx="{x(len(vals)):.1f}" cy="{y(vals[-1]):.1f}" r="4.5" fill="{color}"/>')
    if legend:
        lx = left
        for label, color, _, *rest in series:
            style = rest[0] if rest else ("dashed" if label.startswith("(") else "solid")
            text = label.strip("()")
            attrs = {"dashed": ' stroke-dasharray="5 4"', "ghost": ' stroke-opacity="0.38"'}.get(style, "")
            ly = f * 0.8
            out.append(f'<line x1="{lx}" x2="{lx + 22}" y1="{ly:.1f}" y2="{ly:.1f}" stroke="{color}" '
                       f'stroke-width="3"{attrs}/>')
            out.append(f'<text x="{lx + 28}" y="{ly + f / 3:.1f}" font-size="{f:g}" fill="{INK}">{escape(text)}</text>')
            lx += 40 + 0.56 * f * len(text)
    out.append("</svg>")
    return "".join(out)


__all__ = ["line_chart", "nice_max", "WITH_COLOR", "WITHOUT_COLOR"]
