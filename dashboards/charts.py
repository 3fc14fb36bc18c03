"""Inline SVG charts for the web view: no JavaScript library, no CDN, readable without JS."""
from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Callable

from markupsafe import Markup


def bar_trend(points: list[tuple[datetime, int]], link: Callable[[datetime], str] | None = None,
              width: int = 760, height: int = 190, label: str = "units per day") -> Markup:
    """Daily bars with a y-axis max label and first/last dates; each bar links to that day's units."""
    if not points:
        return Markup('<p class="muted">No data in this period.</p>')
    pad_l, pad_b, pad_t = 36, 22, 10
    inner_w, inner_h = width - pad_l - 8, height - pad_b - pad_t
    top = max(c for _, c in points) or 1
    step = inner_w / len(points)
    parts = [f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" '
             f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{pad_l}" y1="{pad_t + inner_h}" x2="{width - 8}" y2="{pad_t + inner_h}" stroke="#c9ced6"/>',
             f'<text x="{pad_l - 6}" y="{pad_t + 8}" text-anchor="end" class="axis">{top}</text>',
             f'<text x="{pad_l - 6}" y="{pad_t + inner_h}" text-anchor="end" class="axis">0</text>']
    for i, (day, n) in enumerate(points):
        h = inner_h * n / top
        x = pad_l + i * step + 1
        bar = (f'<rect class="bar" x="{x:.1f}" y="{pad_t + inner_h - h:.1f}" width="{max(step - 2, 1):.1f}" '
               f'height="{h:.1f}"><title>{day:%a %d %b}: {n}</title></rect>')
        parts.append(f'<a href="{escape(link(day))}">{bar}</a>' if link else bar)
    parts.append(f'<text x="{pad_l}" y="{height - 6}" class="axis">{points[0][0]:%d %b}</text>')
    parts.append(f'<text x="{width - 8}" y="{height - 6}" text-anchor="end" class="axis">{points[-1][0]:%d %b}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
