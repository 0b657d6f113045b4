"""Print documents from HTML/CSS templates, laid out by WeasyPrint.

The templates live in ``survey_app/templates/print/``; they are rendered here with a plain
:class:`jinja2.Environment` (no Flask), then WeasyPrint paginates them: A4 ``@page`` rules,
repeating table headers, page numbers in the margin, DejaVu Sans for the Vietnamese diacritics
(embedded as a TrueType subset, so the text can be searched and copied). Like the rest of
``reports``, this takes plain values and returns bytes, and imports neither Flask nor the database.

Numbers are printed the Vietnamese way: a comma before the decimals, a dot between thousands
(84,4; 12.055).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).resolve().parent.parent / "survey_app" / "templates" / "print"
#: A non-breaking space: "84,4 %" never splits across lines.
NBSP = "\u00a0"


def pct(value: Decimal | float | None, places: int = 1) -> str:
    """A percentage without its sign, Vietnamese style: 84,4 (``—`` when there is none)."""
    if value is None:
        return "—"
    return f"{value:.{places}f}".replace(".", ",")


def num(value: int | None) -> str:
    """A count with dots between thousands: 12.055."""
    return "—" if value is None else f"{value:,}".replace(",", ".")


def percent(value: Decimal | float | None, lang: str = "vi") -> str:
    """A rate with its sign in the reader's language: 84,4 % (NBSP) in Vietnamese, 84.4% in
    English; ``—`` when there is none."""
    if value is None:
        return "—"
    return f"{value:.1f}%" if lang == "en" else f"{pct(value)}{NBSP}%"


def count(value: int | None, lang: str = "vi") -> str:
    """A count in the reader's language: 12.055 in Vietnamese, 12,055 in English."""
    if value is None or lang != "en":
        return num(value)
    return f"{value:,}"


def score(value: Decimal | float | str | None, lang: str = "vi", places: int = 2) -> str:
    """Index points in the reader's language: 86,26 in Vietnamese, 86.26 in English (a
    published ranking keeps its numbers as text); ``—`` when there is none."""
    if value is None:
        return "—"
    text = f"{Decimal(str(value)):.{places}f}"
    return text if lang == "en" else text.replace(".", ",")


def points(value: Decimal | None, places: int = 2) -> str:
    return pct(value, places)


def signed(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + pct(value, places)


def short(value: Decimal) -> str:
    """A maximum or a bound as printed in headings: 15, 2,5 (no trailing zeros)."""
    return format(value.normalize(), "f").replace(".", ",")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(("html",), default=True),
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters.update(pct=pct, num=num, points=points, signed=signed, short=short)
    env.globals["NBSP"] = NBSP
    return env


def render_html(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def html_to_pdf(html: str) -> bytes:
    """The document as PDF bytes (deterministic: no dates are written)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


def page_count(html: str) -> int:
    """How many pages the document lays out to (without writing the PDF)."""
    from weasyprint import HTML

    return len(HTML(string=html, base_url=str(TEMPLATES)).render().pages)


def svg_chart(draw: Callable[[Any], None], width_mm: float, height_mm: float) -> str:
    """A matplotlib figure drawn by ``draw(fig)`` as an SVG ``data:`` URI for an ``<img>``.

    Text becomes outlines (``svg.fonttype`` ``path``): the glyphs print exactly as matplotlib
    placed them in DejaVu Sans, whatever the PDF viewer has installed.
    """
    import matplotlib
    from matplotlib.figure import Figure

    from .charts import STYLE

    style = {**STYLE, "svg.fonttype": "path", "font.size": 8}
    with matplotlib.rc_context(style):
        fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), layout="constrained")
        draw(fig)
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")
