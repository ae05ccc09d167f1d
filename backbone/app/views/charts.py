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


def line_chart(series: Sequence[tuple[str, str, Sequence[float]]], months: int, *,
               y_max: float | None = None, width: int = 640, height: int = 260,
               y_label: str = "", fill: bool = False, legend: bool = True,
               marker: int | None = None, marker_label: str = "") -> str:
    """An SVG chart of ``series`` = [(label, colour, values by month 1..n)] on a fixed
    x axis of ``months`` (so the lines grow to the right as the twins run).

    ``y_max``: top of the y axis (default: a round number above the data); ``fill``:
    shade under the first series; a label in parentheses draws a dashed line;
    ``marker``: a month to mark with a dashed line (a lesson's moment).
    """
    left, right, top, bottom = 48 if y_label else 40, 22, 26 if legend else 10, 24
    pw, ph = width - left - right, height - top - bottom
    data_max = max((float(np.max(v)) for _, _, v in series if len(v)), default=0.0)
    ymax = y_max if y_max is not None else nice_max(max(data_max * 1.1, 1e-9))

    def x(m: float) -> float:
        return left + pw * m / max(months, 1)

    def y(v: float) -> float:
        return top + ph * (1.0 - min(max(v / ymax, 0.0), 1.0))

    out = [f'<svg viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg" '
           f'role="img" aria-label="{escape(y_label or series[0][0] if series else "")}" '
           f'style="font-family:inherit;display:block">']
    for k in range(5):
        v = ymax * k / 4
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="{GRID}"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="12" text-anchor="end" fill="{MUTED}">'
                   f'{_fmt(round(v, 6))}</text>')
    step = 12 if months > 24 else max(1, months // 6)
    if step == 12 and pw / max(months / 12, 1) < 44:
        step = 24  # narrow chart: every other year
    for m in range(0, months + 1, step):
        label = (f"year {m // 12}" if m else "start") if step % 12 == 0 else str(m)
        out.append(f'<text x="{x(m):.1f}" y="{height - 6}" font-size="12" text-anchor="middle" '
                   f'fill="{MUTED}">{label}</text>')
    out.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" stroke="#94a3b8"/>')
    if y_label:
        out.append(f'<text x="11" y="{top + ph / 2:.1f}" font-size="12" fill="{MUTED}" text-anchor="middle" '
                   f'transform="rotate(-90 11 {top + ph / 2:.1f})">{escape(y_label)}</text>')
    if marker is not None and 0 < marker <= months:
        mx = x(marker - 1)
        out.append(f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top}" y2="{top + ph}" stroke="#7c3aed" '
                   f'stroke-width="1.5" stroke-dasharray="5 4"/>')
        if marker_label:
            out.append(f'<text x="{mx + 5:.1f}" y="{top + 14}" font-size="12" fill="#6d28d9">'
                       f'{escape(marker_label)}</text>')
    for n, (label, color, values) in enumerate(series):
        vals = np.asarray(values, dtype=float)
        if not len(vals):
            continue
        pts = " ".join(f"{x(m):.1f},{y(v):.1f}" for m, v in zip(range(1, len(vals) + 1), vals))
        start = f"{x(0):.1f},{y(0):.1f} "
        if fill and n == 0:
            out.append(f'<polygon points="{start}{pts} {x(len(vals)):.1f},{y(0):.1f}" fill="{color}" '
                       f'fill-opacity="0.12"/>')
        dash = ' stroke-dasharray="5 4"' if label.startswith("(") else ""
        width_ = 2 if dash else 3
        out.append(f'<polyline points="{start}{pts}" fill="none" stroke="{color}" stroke-width="{width_}" '
                   f'stroke-linejoin="round"{dash}><title>{escape(label.strip("()"))}</title></polyline>')
        if not dash:
            out.append(f'<circle cx="{x(len(vals)):.1f}" cy="{y(vals[-1]):.1f}" r="4.5" fill="{color}"/>')
    if legend:
        lx = left
        for label, color, _ in series:
            text = label.strip("()")
            dash = ' stroke-dasharray="5 4"' if label.startswith("(") else ""
            out.append(f'<line x1="{lx}" x2="{lx + 22}" y1="10" y2="10" stroke="{color}" stroke-width="3"{dash}/>')
            out.append(f'<text x="{lx + 28}" y="14" font-size="12" fill="{INK}">{escape(text)}</text>')
            lx += 40 + 7 * len(text)
    out.append("</svg>")
    return "".join(out)


__all__ = ["line_chart", "nice_max", "WITH_COLOR", "WITHOUT_COLOR"]
