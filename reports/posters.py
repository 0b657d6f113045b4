"""Counter posters: unit name, short Vietnamese instructions and the QR, on A4 or A5.

Rendered with matplotlib (DejaVu Sans carries Vietnamese diacritics; fonts are embedded as
TrueType so the PDF's text can be searched and copied).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402

from .qr import qr_matrix  # noqa: E402

SIZES_MM = {"A4": (210, 297), "A5": (148, 210)}
INSTRUCTIONS = (
    "Quét mã QR bằng camera điện thoại để đánh giá",
    "mức độ hài lòng của Ông/Bà. Không cần cài ứng dụng,",
    "không ghi tên, chỉ mất khoảng 10 giây.",
)


@dataclass(frozen=True, slots=True)
class Poster:
    unit_name: str
    url: str
    counter_name: str | None = None
    parent_name: str | None = None


def _figure(poster: Poster, size: str):  # type: ignore[no-untyped-def]
    width_mm, height_mm = SIZES_MM[size]
    fig = plt.figure(figsize=(width_mm / 25.4, height_mm / 25.4))
    scale = width_mm / 210
    with plt.rc_context({"font.family": "DejaVu Sans"}):
        fig.text(0.5, 0.93, "ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG", ha="center", va="center",
                 fontsize=26 * scale, fontweight="bold", color="#0b3d6e")
        if poster.parent_name:
            fig.text(0.5, 0.885, poster.parent_name, ha="center", fontsize=13 * scale)
        fig.text(0.5, 0.845, poster.unit_name, ha="center", fontsize=19 * scale,
                 fontweight="bold", wrap=True)
        if poster.counter_name:
            fig.text(0.5, 0.805, poster.counter_name, ha="center", fontsize=17 * scale)
        ax = fig.add_axes((0.2, 0.30, 0.6, 0.6 * width_mm / height_mm))
        matrix = qr_matrix(poster.url)
        ax.imshow([[0 if cell else 1 for cell in row] for row in matrix], cmap="gray",
                  interpolation="nearest", vmin=0, vmax=1)
        ax.set_axis_off()
        for n, line in enumerate(INSTRUCTIONS):
            fig.text(0.5, 0.24 - n * 0.035, line, ha="center", fontsize=14 * scale)
        fig.text(0.5, 0.08, poster.url, ha="center", fontsize=9 * scale, color="#333333")
        fig.text(0.5, 0.05, "Phiếu không ghi tên; không thu thập số điện thoại hay giấy tờ.",
                 ha="center", fontsize=9 * scale, color="#333333")
    return fig


def posters_pdf(posters: Sequence[Poster], size: str = "A4") -> bytes:
    """One page per poster."""
    if size not in SIZES_MM:
        raise ValueError(f"size must be one of {', '.join(SIZES_MM)}")
    buffer = io.BytesIO()
    with plt.rc_context({"pdf.fonttype": 42}), PdfPages(buffer, metadata={
            "Title": "Mã QR đánh giá mức độ hài lòng", "Creator": "survey-app"}) as pdf:
        for poster in posters:
            fig = _figure(poster, size)
            pdf.savefig(fig)
            plt.close(fig)
    return buffer.getvalue()


def poster_png(poster: Poster, size: str = "A4", dpi: int = 150) -> bytes:
    if size not in SIZES_MM:
        raise ValueError(f"size must be one of {', '.join(SIZES_MM)}")
    fig = _figure(poster, size)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()
