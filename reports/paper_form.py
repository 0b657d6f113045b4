"""The printed paper-equivalent ballot: the same questions, in the same order, as on screen.

Each sheet carries the unit, the survey period and its serial number; a batch prints serials
1…issued, so printing it again gives the same sheets. Choice items get tick boxes numbered like
the clerk's entry keys (1, 2, 3, …); five-level items are laid out as a grid. Rendered with
matplotlib on A4 or A5 (DejaVu Sans for diacritics, fonts embedded as TrueType).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

SIZES_MM = {"A4": (210, 297), "A5": (148, 210)}


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


class _Page:
    """A page being filled top to bottom; coordinates in millimetres from the top-left."""

    def __init__(self, pdf: PdfPages | None, size: str, form: PaperForm, serial: str) -> None:
        self.width, self.height = SIZES_MM[size]
        # A5 is printed smaller; its text must stay readable, so fonts shrink less than the page.
        self.scale = max(0.85, self.width / 210)
        self.margin = 12 * self.scale
        self.fig = plt.figure(figsize=(self.width / 25.4, self.height / 25.4))
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, self.width)
        self.ax.set_ylim(self.height, 0)
        self.ax.set_axis_off()
        self.y = self.margin
        self.form, self.serial, self.pdf = form, serial, pdf
        self.pages: list[plt.Figure] = [self.fig]
        self._header()

    def pt(self, size: float) -> float:
        return size * self.scale

    def text(self, x: float, text: str, size: float, *, bold: bool = False,
             align: str = "left", color: str = "#000000") -> None:
        self.ax.text(x, self.y, text, fontsize=self.pt(size), ha=align, va="top",
                     fontweight="bold" if bold else "normal", color=color,
                     family="DejaVu Sans")

    def line_height(self, size: float) -> float:
        return size * 0.3528 * 1.35 * self.scale  # points to mm, with leading

    def wrapped(self, x: float, text: str, size: float, *, bold: bool = False,
                width_mm: float | None = None) -> None:
        width = width_mm or (self.width - x - self.margin)
        chars = max(20, int(width / (size * 0.3528 * 0.52 * self.scale)))
        for line in textwrap.wrap(text, chars) or [""]:
            self.ensure(self.line_height(size))
            self.text(x, line, size, bold=bold)
            self.y += self.line_height(size)

    def ensure(self, needed: float) -> None:
        if self.y + needed > self.height - self.margin - self.pt(8):
            self._footer()
            self.fig = plt.figure(figsize=(self.width / 25.4, self.height / 25.4))
            self.ax = self.fig.add_axes((0, 0, 1, 1))
            self.ax.set_xlim(0, self.width)
            self.ax.set_ylim(self.height, 0)
            self.ax.set_axis_off()
            self.pages.append(self.fig)
            self.y = self.margin
            self.text(self.margin, f"{self.form.unit_name} — phiếu số {self.serial} (tiếp)", 8,
                      color="#333333")
            self.y += self.line_height(10)

    def box(self, x: float, size_mm: float) -> None:
        self.ax.add_patch(Rectangle((x, self.y + 0.4), size_mm, size_mm, fill=False,
                                    linewidth=0.8, edgecolor="#000000"))

    def _header(self) -> None:
        m = self.margin
        self.text(self.width - m, f"Số phiếu: {self.serial}", 10, bold=True, align="right")
        self.text(m, self.form.unit_name, 9, color="#333333")
        self.y += self.line_height(10)
        self.text(m, f"Kỳ khảo sát: {self.form.period}", 9, color="#333333")
        self.y += self.line_height(12)
        self.wrapped(m, self.form.title.upper(), 12, bold=True)
        self.y += self.pt(1.5)
        if self.form.intro:
            self.wrapped(m, self.form.intro, 9)
        self.wrapped(m, "Đánh dấu ✗ vào ô phù hợp. Phiếu không ghi tên người trả lời.", 9)
        self.y += self.pt(2)

    def _footer(self) -> None:
        self.ax.text(self.width / 2, self.height - self.margin / 2,
                     f"{self.form.code} · phiếu số {self.serial}", fontsize=self.pt(7),
                     ha="center", va="bottom", color="#555555", family="DejaVu Sans")

    def finish(self) -> list[plt.Figure]:
        self._footer()
        return self.pages


def _draw_sheet(form: PaperForm, size: str, serial: str) -> list[plt.Figure]:
    page = _Page(None, size, form, serial)
    m = page.margin
    box = page.pt(3.6)
    number = 0
    for section in form.sections:
        grid = [i for i in section.items if i.kind == "five_level"]
        if section.title:
            page.ensure(page.line_height(11) * 2)
            page.y += page.pt(1)
            page.wrapped(m, section.title, 10.5, bold=True)
        if grid:
            # column heads 1..5 once per section
            page.ensure(page.line_height(8) * 2)
            col0 = page.width - m - 5 * page.pt(11)
            for k in range(5):
                page.text(col0 + k * page.pt(11) + box / 2, str(k + 1), 8, bold=True,
                          align="center")
            page.y += page.line_height(9)
        for item in section.items:
            number += 1
            label = f"{number}. {item.label}" + (" (*)" if item.required else "")
            if item.kind == "five_level":
                col0 = page.width - m - 5 * page.pt(11)
                start = page.y
                page.wrapped(m, label, 8.5, width_mm=col0 - m - page.pt(2))
                end = page.y
                page.y = start
                for k in range(5):
                    page.box(col0 + k * page.pt(11), box)
                page.y = max(end, start + box + page.pt(1.5))
                continue
            page.ensure(page.line_height(9) * 2)
            page.wrapped(m, label, 9, bold=True)
            if item.hint:
                page.wrapped(m + page.pt(3), item.hint, 8)
            if item.options:
                # options side by side while they fit on the line, then the next line
                row_height = max(box, page.line_height(9)) + page.pt(1.5)
                page.ensure(row_height)
                x = m + page.pt(3)
                for k, option in enumerate(item.options, start=1):
                    label_text = f"{k}. {option}"
                    width = box + page.pt(2) + len(label_text) * 9 * 0.3528 * 0.56 * \
                        page.scale + page.pt(6)
                    if x + width > page.width - m and x > m + page.pt(3):
                        page.y += row_height
                        page.ensure(row_height)
                        x = m + page.pt(3)
                    page.box(x, box)
                    page.text(x + box + page.pt(2), label_text, 9)
                    x += width
                page.y += row_height
            else:
                lines = 3 if item.kind == "long_text" else 1
                for _ in range(lines):
                    page.ensure(page.pt(7))
                    page.y += page.pt(6)
                    page.ax.plot([m + page.pt(3), page.width - m], [page.y, page.y],
                                 color="#777777", linewidth=0.5)
                page.y += page.pt(2)
            page.y += page.pt(1.5)
    page.y += page.pt(3)
    page.ensure(page.line_height(9))
    page.text(m, "Xin trân trọng cảm ơn Ông/Bà!", 9, bold=True)
    five_level_legend = any(i.kind == "five_level" for s in form.sections for i in s.items)
    if five_level_legend:
        page.y += page.line_height(9)
        page.wrapped(m, "1 = Rất không hài lòng · 2 = Không hài lòng · 3 = Bình thường · "
                        "4 = Hài lòng · 5 = Rất hài lòng", 8)
    return page.finish()


def ballots_pdf(form: PaperForm, serials: Sequence[str], size: str = "A4") -> bytes:
    """Every sheet of a batch, in serial order."""
    if size not in SIZES_MM:
        raise ValueError(f"size must be one of {', '.join(SIZES_MM)}")
    buffer = io.BytesIO()
    with plt.rc_context({"pdf.fonttype": 42}), PdfPages(buffer, metadata={
            "Title": form.title, "Creator": "survey-app"}) as pdf:
        for serial in serials:
            for fig in _draw_sheet(form, size, serial):
                pdf.savefig(fig)
                plt.close(fig)
    return buffer.getvalue()
