"""The partners' trust network as SVG: nodes by sector, edges by trust, exits visible.

Nodes sit on a circle (``networkx.circular_layout`` over every partner ever a member, so
a node keeps its place month after month); a node's size follows its engagement, its
colour its sector. An edge's width and darkness follow the pair's trust (pairs below
0.05 are not drawn). A partner that left is a dashed grey ring; a representative new in
the last six months has an amber halo.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

import networkx as nx
import numpy as np

SECTOR_COLORS = {"public": "#2563eb", "private": "#9333ea", "nonprofit": "#16a34a", "academia": "#e11d48"}
NEW_REP = "#f59e0b"
EDGE = "#1e293b"


def layout(slots: Sequence[int]) -> dict[int, tuple[float, float]]:
    """Positions in [-1, 1]^2 for the given slots, in slot order around a circle
    (the first at the top)."""
    g = nx.Graph()
    g.add_nodes_from(slots)
    pos = nx.circular_layout(g) if len(slots) > 1 else {s: np.array([0.0, 1.0]) for s in slots}
    # circular_layout starts at 3 o'clock and goes counter-clockwise: start at 12, go clockwise
    return {s: (float(p[1]), float(-p[0])) for s, p in pos.items()}


def trust_network(partners: Sequence[dict], trust: np.ndarray, *, width: int = 420, height: int = 340,
                  min_trust: float = 0.05, max_edges: int = 160, max_labels: int = 24, font: float = 16) -> str:
    """SVG of the trust network. ``partners``: dicts with slot, name, sector, active,
    engagement, tenure, reps (as ``Twin.partners()`` gives); ``trust``: the matrix by slot.

    A large network keeps the page light: only the ``max_edges`` strongest ties are
    drawn, and with more than ``max_labels`` partners names move into tooltips. ``font``:
    the names' size in the drawing's own units (room for them is kept outside the circle)."""
    pos = layout([p["slot"] for p in partners])
    cx, cy, r = width / 2, height / 2 + 2, min(width / 2 - 7.5 * font - 10, height / 2 - 2.5 * font)

    def xy(slot: int) -> tuple[float, float]:
        px, py = pos[slot]
        return cx + r * px, cy - r * py

    out = [f'<svg viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg" '
           f'role="img" aria-label="trust network" style="font-family:inherit">']
    active = [p for p in partners if p["active"]]
    pairs = [(float(trust[a["slot"], b["slot"]]), a, b)
             for n, a in enumerate(active) for b in active[n + 1:]]
    pairs = [e for e in pairs if e[0] >= min_trust]
    if len(pairs) > max_edges:
        pairs = sorted(pairs, key=lambda e: -e[0])[:max_edges]
    labels = len(partners) <= max_labels
    scale = 1.0 if labels else 0.5  # smaller nodes in a large network
    for t, pa, pb in pairs:
        (x1, y1), (x2, y2) = xy(pa["slot"]), xy(pb["slot"])
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{EDGE}" '
                   f'stroke-width="{scale * (0.5 + 6 * t):.2f}" stroke-opacity="{0.12 + 0.7 * t:.2f}" '
                   f'stroke-linecap="round"><title>{escape(pa["name"])} – {escape(pb["name"])}: '
                   f'trust {t:.2f}</title></line>')
    for p in partners:
        x, y = xy(p["slot"])
        color = SECTOR_COLORS.get(p["sector"], "#64748b")
        full = escape(p["name"])
        name = escape(p["name"] if len(p["name"]) <= 14 else p["name"][:13] + "…")
        # labels outside the circle: left of the node on the left half, right on the right
        dx = x - cx
        anchor = "start" if dx > 4 else ("end" if dx < -4 else "middle")
        gap = 24 if p["active"] else 14
        lx = x + (gap if dx > 4 else (-gap if dx < -4 else 0))
        ly = y + (font / 3 if abs(dx) > 4 else (-gap - 4 if y < cy else gap + 0.7 * font))
        if p["active"]:
            rad = scale * (6 + 10 * p["engagement"])
            if p["reps"] > 1 and p["tenure"] < 6:
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{rad + 5 * scale:.1f}" fill="none" '
                           f'stroke="{NEW_REP}" stroke-width="{3 * scale:.1f}"/>')
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{rad:.1f}" fill="{color}" stroke="white" '
                       f'stroke-width="1.5"><title>{full} ({p["sector"]}): engagement {p["engagement"]:.2f}, '
                       f'commitment {p["commitment"]:.2f}</title></circle>')
            if labels:
                out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="{font:g}" text-anchor="{anchor}" '
                           f'fill="#0f172a">{name}</text>')
        else:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{8 * scale:.1f}" fill="white" stroke="#94a3b8" '
                       f'stroke-width="1.5" stroke-dasharray="3 2"><title>{full} left</title></circle>')
            if labels:
                out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="{font:g}" text-anchor="{anchor}" '
                           f'fill="#94a3b8" text-decoration="line-through">{name}</text>')
    out.append("</svg>")
    return "".join(out)


def legend_html() -> str:
    """The network's legend (sectors, new representative, left) as a line of HTML."""
    items = [f'<span class="bb-dot" style="background:{c}"></span>{s}' for s, c in SECTOR_COLORS.items()]
    items.append(f'<span class="bb-dot bb-ring" style="border-color:{NEW_REP}"></span>new representative')
    items.append('<span class="bb-dot bb-left"></span>left')
    items.append('<span class="bb-edge"></span>trust (thicker: higher)')
    return '<div class="bb-legend">' + "".join(f"<span>{i}</span>" for i in items) + "</div>"


__all__ = ["trust_network", "layout", "legend_html", "SECTOR_COLORS"]
