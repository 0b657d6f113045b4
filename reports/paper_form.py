"""The printed paper-equivalent ballot: the same questions, in the same order, as on screen.

Each sheet carries the unit, the survey period and its serial number; a batch prints serials
1…issued, so printing it again gives the same sheets. Choice items get tick boxes numbered like
the clerk's entry keys (1, 2, 3, …), each box on the baseline of its label; five-level items are
laid out as a grid. Laid out from the HTML/CSS template ``survey_app/templates/print/ballots.html``
by WeasyPrint on A4 or A5 (DejaVu Sans for the diacritics). The type size is the largest that
keeps one sheet on as few pages as it can take (one for the three-level form, front and back
for the SIPAS long form), so a short form fills its page instead of a third of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .print_html import html_to_pdf, page_count, render_html

SIZES_MM = {"A4": (210, 297), "A5": (148, 210)}
#: Page margin (mm) and the range of base type sizes (pt) tried, per paper size.
MARGIN_MM = {"A4": 12, "A5": 9}
FONT_PT = {"A4": (9.0, 22.0), "A5": (8.0, 16.0)}


@dataclass(frozen=True, slots=True)
class FormItem:
    code: str
    label: str
    kind: str
    options: tuple[str, ...] = ()
    required: bool = False
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class FormSection:
    title: str | None
    items: tuple[FormItem, ...]


@dataclass(frozen=True, slots=True)
class PaperForm:
    title: str
    unit_name: str
    period: str
    sections: tuple[FormSection, ...]
    intro: str | None = None
    code: str = ""


def _sections(form: PaperForm) -> list[dict[str, Any]]:
    """Sections as runs of parts: consecutive five-level items make one grid, numbered in
    form order like the entry keys."""
    out = []
    number = 0
    for section in form.sections:
        parts: list[dict[str, Any]] = []
        for item in section.items:
            number += 1
            if item.kind == "five_level":
                if parts and parts[-1]["grid"]:
                    parts[-1]["grid"].append((number, item))
                else:
                    parts.append({"grid": [(number, item)], "item": None})
            else:
                parts.append({"grid": [], "item": (number, item)})
        out.append({"title": section.title, "parts": parts})
    return out


def ballots_html(form: PaperForm, serials: Sequence[str], size: str = "A4",
                 font_pt: float | None = None) -> str:
    if size not in SIZES_MM:
        raise ValueError(f"size must be one of {', '.join(SIZES_MM)}")
    if font_pt is None:
        font_pt = fitted_font(form, size, max((len(s) for s in serials), default=1))
    return render_html(
        "ballots.html", form=form, serials=list(serials), size=size, margin=MARGIN_MM[size],
        font_pt=font_pt, sections=_sections(form),
        five_level=any(i.kind == "five_level" for s in form.sections for i in s.items))


@lru_cache(maxsize=64)
def fitted_font(form: PaperForm, size: str, serial_width: int = 1) -> float:
    """The largest base type size (quarter points) at which one sheet takes no more pages than
    it does at the smallest size: the form fills its page(s) and stays legible."""
    def pages(pt: float) -> int:
        return page_count(ballots_html(form, ["8" * serial_width], size, pt))

    low, high = FONT_PT[size]
    least = pages(low)
    if pages(high) <= least:
        return high
    lo, hi = int(low * 4), int(high * 4)  # lo fits, hi does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pages(mid / 4) <= least:
            lo = mid
        else:
            hi = mid
    return lo / 4


def ballots_pdf(form: PaperForm, serials: Sequence[str], size: str = "A4") -> bytes:
    """Every sheet of a batch, in serial order; each sheet starts on a new page."""
    return html_to_pdf(ballots_html(form, serials, size))
