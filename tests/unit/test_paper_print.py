"""The printed ballots (reports/paper_form.py) read back with pdfplumber: pages per sheet, the
serial, tick boxes on the baseline of their labels, no two words overlapping."""

from __future__ import annotations

import io

import pdfplumber
import pytest

from reports.paper_form import ballots_pdf, fitted_font
from tests import pdfcheck
from tests.paper_forms import printable


@pytest.mark.parametrize("size", ["A4", "A5"])
def test_three_level_ballot_one_page_per_serial_filled(size):
    form = printable("kiosk-3l.yaml")
    data = ballots_pdf(form, ["1", "2", "3"], size)
    pages = pdfcheck.pages_text(data)
    assert len(pages) == 3
    for serial, text in zip("123", pages, strict=True):
        assert f"Số phiếu: {serial}" in text and "Chưa hài lòng" in text
        assert "01/09/2026 – 31/10/2026" in text
    assert pdfcheck.overlaps(data) == []
    # a short form fills its page: the last line of text is in the lower fifth of the page
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        body = [w for w in page.extract_words() if "phiếu số" not in w["text"]]
        lowest = max(w["bottom"] for w in page.extract_words()
                     if w["bottom"] < page.height - 15 * 72 / 25.4)
        assert lowest > page.height * 0.8 and body
    assert fitted_font(form, size) > (10 if size == "A4" else 9)
    pdfcheck.save_pngs(data, f"unit-ballots-3l-{size}")


@pytest.mark.parametrize("size", ["A4", "A5"])
def test_sipas_long_form_front_and_back_at_most(size):
    data = ballots_pdf(printable("sipas-5e.yaml"), ["01", "02"], size)
    pages = pdfcheck.pages_text(data)
    assert len(pages) <= 4  # two sheets, each on one A4 (A5) sheet front and back
    assert sum("Số phiếu: 01" in p for p in pages) == 1
    assert "24. Nhìn chung" in "".join(pages[:len(pages) // 2])
    assert "Rất hài lòng" in "".join(pages)
    assert pdfcheck.overlaps(data) == []
    pdfcheck.save_pngs(data, f"unit-ballots-sipas-{size}")


def test_tick_boxes_sit_on_the_baseline_of_their_labels():
    data = ballots_pdf(printable("kiosk-3l.yaml"), ["1"], "A4")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        squares = [r for r in page.rects if abs(r["width"] - r["height"]) < 0.5
                   and 5 < r["width"] < 30]
        # a border may be drawn as an outer and an inner path: keep the outer one per box
        outer: dict[tuple[int, int], dict] = {}
        for r in squares:
            key = (round((r["x0"] + r["x1"]) / 2), round((r["top"] + r["bottom"]) / 2))
            if key not in outer or r["width"] > outer[key]["width"]:
                outer[key] = r
        boxes = list(outer.values())
        assert len(boxes) == 9  # 3 levels + 6 reasons
        chars = page.chars
        for box in boxes:
            # the first character right of the box, on the same line: its label's number
            after = [c for c in chars if 0 <= c["x0"] - box["x1"] < 20
                     and c["top"] < box["bottom"] and c["bottom"] > box["top"]]
            assert after, box
            label = min(after, key=lambda c: c["x0"])
            baseline = page.height - label["matrix"][5]
            assert abs(box["bottom"] - baseline) < 1.0, (label["text"], box["bottom"], baseline)


def test_unknown_size_is_refused():
    with pytest.raises(ValueError):
        ballots_pdf(printable("kiosk-3l.yaml"), ["1"], "B5")
