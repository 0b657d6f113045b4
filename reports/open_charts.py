"""Small SVG charts for the public pages: bars per unit, a trend line with its interval band.

Drawn with SVG attributes only (no ``style``), so the pages keep a Content-Security-Policy
without inline styles; values in, markup out — no Flask, no database. Every chart has a
``<title>`` and the same numbers are in a table next to it, so a screen reader loses nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from .print_html import percent

#: The charts' own words, Vietnamese first (the titles come from the caller, translated).
TEXT = {"vi": {"no_votes": "chưa có phiếu", "nothing": "Chưa có số liệu công bố"},
        "en": {"no_votes": "no votes", "nothing": "No published figures yet"}}


@dataclass(frozen=True, slots=True)
class Point:
    """A rate in percent with its 95% interval; ``rate`` None when nobody voted."""

    label: str
    rate: Decimal | None
    low: Decimal | None
    high: Decimal | None
    sufficient: bool


def _ident(title: str) -> str:
    """A stable element id for the chart's title (pages stay byte-identical for ETags)."""
    return hashlib.sha256(title.encode()).hexdigest()[:10]


def bar_chart(title: str, points: Sequence[Point], width: int = 640, lang: str = "vi") -> str:
    """Horizontal bars 0–100 %, the interval as a whisker; insufficient n drawn hatched-grey."""
    row, left, right = 30, 190, 70
    plot = width - left - right
    height = row * len(points) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'role="img" aria-labelledby="c-{_ident(title)}" class="chart">'
           f'<title id="c-{_ident(title)}">{escape(title)}</title>']
    for tick in (0, 50, 100):
        x = left + plot * tick / 100
        out.append(f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 22}" '
                   f'stroke="#c5ccd3" stroke-width="1"/>'
                   f'<text x="{x:.1f}" y="{height - 6}" font-size="12" text-anchor="middle" '
                   f'fill="#39424e">{tick}%</text>')
    for i, p in enumerate(points):
        y = 6 + i * row
        name = p.label if len(p.label) <= 26 else p.label[:25] + "…"
        out.append(f'<text x="{left - 8}" y="{y + 16}" font-size="13" text-anchor="end" '
                   f'fill="#14181d">{escape(name)}</text>')
        if p.rate is None:
            out.append(f'<text x="{left + 4}" y="{y + 16}" font-size="12" fill="#4a5563">'
                       f'{TEXT[lang]["no_votes"]}</text>')
            continue
        fill = "#0b5394" if p.sufficient else "#8c959f"
        out.append(f'<rect x="{left}" y="{y + 3}" width="{plot * float(p.rate) / 100:.1f}" '
                   f'height="18" fill="{fill}"/>')
        if p.low is not None and p.high is not None:
            x1, x2 = left + plot * float(p.low) / 100, left + plot * float(p.high) / 100
            out.append(f'<line x1="{x1:.1f}" y1="{y + 12}" x2="{x2:.1f}" y2="{y + 12}" '
                       f'stroke="#14181d" stroke-width="2"/>')
        text = percent(p.rate, lang) + ("" if p.sufficient else " *")
        out.append(f'<text x="{width - right + 6}" y="{y + 16}" font-size="13" '
                   f'fill="#14181d">{text}</text>')
    out.append("</svg>")
    return "".join(out)


def trend_chart(title: str, points: Sequence[Point], width: int = 640, height: int = 240,
                lang: str = "vi") -> str:
    """The rate over periods as a line, its 95% interval as a shaded band."""
    left, right, top, bottom = 48, 16, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    shown = [p for p in points if p.rate is not None]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'role="img" aria-labelledby="t-{_ident(title)}" class="chart">'
           f'<title id="t-{_ident(title)}">{escape(title)}</title>']
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (100 - tick) / 100
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                   f'stroke="#dde3ea" stroke-width="1"/><text x="{left - 6}" y="{y + 4:.1f}" '
                   f'font-size="12" text-anchor="end" fill="#39424e">{tick}%</text>')
    n = len(points)

    def x_of(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y_of(v: Decimal) -> float:
        return top + plot_h * (100 - float(v)) / 100

    band = [(x_of(i), p) for i, p in enumerate(points) if p.low is not None]
    if len(band) > 1:
        upper = " ".join(f"{x:.1f},{y_of(p.high):.1f}" for x, p in band)  # type: ignore[arg-type]
        lower = " ".join(f"{x:.1f},{y_of(p.low):.1f}" for x, p in reversed(band))  # type: ignore[arg-type]
        out.append(f'<polygon points="{upper} {lower}" fill="#0b5394" fill-opacity="0.15"/>')
    line = [f"{x_of(i):.1f},{y_of(p.rate):.1f}" for i, p in enumerate(points)
            if p.rate is not None]
    if len(line) > 1:
        out.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="#0b5394" '
                   'stroke-width="3"/>')
    for i, p in enumerate(points):
        out.append(f'<text x="{x_of(i):.1f}" y="{height - 14}" font-size="12" '
                   f'text-anchor="middle" fill="#39424e">{escape(p.label)}</text>')
        if p.rate is not None:
            fill = "#0b5394" if p.sufficient else "#ffffff"
            out.append(f'<circle cx="{x_of(i):.1f}" cy="{y_of(p.rate):.1f}" r="5" '
                       f'fill="{fill}" stroke="#0b5394" stroke-width="2"/>')
    if not shown:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" '
                   f'font-size="14" fill="#39424e">{TEXT[lang]["nothing"]}</text>')
    out.append("</svg>")
    return "".join(out)
