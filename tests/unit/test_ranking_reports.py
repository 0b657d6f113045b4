"""The ranking renderers: pure functions from a RankingTable to XLSX, CSV, PDF and chart bytes."""

from __future__ import annotations

import io
from decimal import Decimal

import pdfplumber
from openpyxl import load_workbook

from reports.ranking import ranking_csv, ranking_xlsx
from reports.ranking_pdf import band_colour, ranking_chart, ranking_pdf
from survey_app.domain.ranking import BlockTable, Column, RankingTable, Row
from tests import pdfcheck

BANDS = (("Xuất sắc", Decimal(90)), ("Tốt", Decimal(80)), ("Khá", Decimal(70)),
         ("Trung bình", Decimal(50)), ("Yếu", Decimal(0)))


def _row(i: int, total: str | None, band: str | None, rank: int | None = None) -> Row:
    value = None if total is None else Decimal(total)
    return Row(unit=f"X{i:02d}", name=f"Xã Hòa Phước {i}", rank=rank, ranked=rank is not None,
               total=value, band=band, components=(value, None), bonus=Decimal("0.00"),
               satisfaction_rate=Decimal("91.5"), n=120, sufficient=i % 7 != 0,
               previous_total=Decimal("75.25"), delta=None if value is None else value - 75,
               note="Chưa đủ số phiếu (n = 12 < 30)" if i % 7 == 0 else "")


def _table(rows_per_block: int = 30) -> RankingTable:
    blocks = []
    for b, name in enumerate(("Xã, phường", "Sở, ban, ngành")):
        rows = tuple(_row(i, f"{95 - i * 1.5:.2f}", BANDS[min(4, i // 6)][0], i + 1)
                     for i in range(rows_per_block))
        blocks.append(BlockTable(name, rows + (_row(99 + b, None, None),)))
    return RankingTable(
        code="DN-XA", year=2025, title="Chỉ số cải cách hành chính cấp xã năm 2025",
        period="01/01/2025 – 31/12/2025",
        columns=(Column("tong", "Tổng hợp các lĩnh vực", Decimal(100)),
                 Column("ct", "Chi tiết", Decimal(20), depth=1)),
        blocks=tuple(blocks), bands=BANDS, max_total=Decimal(100), previous_year=2024)


def test_pdf_pages_long_blocks_and_embeds_the_font():
    data = ranking_pdf(_table())
    assert data.startswith(b"%PDF") and data == ranking_pdf(_table())
    pages = pdfcheck.pages_text(data)
    assert len(pages) >= 2  # 62 rows do not fit on one landscape page
    # the header row repeats on every page, pages are numbered
    for k, text in enumerate(pages, start=1):
        assert f"Trang {k} / {len(pages)}" in text
        if "Xã Hòa Phước" in text:
            assert "Xếp hạng" in text and "Xếp loại" in text and "STT" in text
    text = "\n".join(pages)
    assert "I. Khối Xã, phường" in text and "II. Khối Sở, ban, ngành" in text
    assert "Xã Hòa Phước 0 95,00 0,00 95,00 1 Xuất sắc 91,5 120 75,25 +20,00" in text
    # "Chưa có điểm" wraps in its cell, around the row's line
    assert "Xã Hòa Phước 99 — 0,00 — — 91,5" in text and "Chưa có" in text
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert all(page.width > page.height for page in pdf.pages)  # landscape
        # DejaVu Sans embedded: the diacritics print and can be searched
        assert {c["fontname"].split("+")[-1] for c in pdf.pages[0].chars} <= {
            "DejaVu-Sans", "DejaVu-Sans-Bold", "DejaVu-Sans-Oblique"}
    assert pdfcheck.overlaps(data) == []
    pdfcheck.save_pngs(data, "unit-ranking")


def test_chart_renders_each_format():
    table = _table(5)
    assert ranking_chart(table).startswith(b"\x89PNG")
    assert ranking_chart(table, "pdf").startswith(b"%PDF")
    assert b"<svg" in ranking_chart(table, "svg")[:500]


def test_band_colours_follow_the_scheme_order():
    table = _table(1)
    assert band_colour(table, "Xuất sắc") == "#1a7f37"
    assert band_colour(table, "Yếu") == "#d64545"
    assert band_colour(table, None) == band_colour(table, "không có") == "#9aa4ae"


def test_xlsx_shows_fields_only_and_csv_every_component():
    table = _table(2)
    sheet = load_workbook(io.BytesIO(ranking_xlsx(table))).active
    header = [c.value for c in sheet[4]]
    assert "Tổng hợp các lĩnh vực" in header and "Chi tiết" not in header
    assert sheet["A6"].value == "I. Khối Xã, phường"
    assert sheet["A10"].value == "II. Khối Sở, ban, ngành"
    assert sheet["C9"].value == "Xã Hòa Phước 99"
    assert sheet.cell(9, header.index("Xếp hạng") + 1).value == "Chưa có điểm"
    text = ranking_csv(table, bom=False).decode("utf-8")
    assert text.splitlines()[0].startswith("block,rank,unit,name,total,band,tong,ct,bonus,")
    assert '"Xã, phường",1,X00,Xã Hòa Phước 0,95.00,Xuất sắc,95.00,,0.00,91.5,120,false,true,' \
        "75.25,20.00,Chưa đủ số phiếu (n = 12 < 30)" in text


def test_an_incomplete_row_is_provisional_and_a_not_applicable_cell_says_so():
    from dataclasses import replace

    table = _table(2)
    first, second, *rest = table.blocks[0].rows
    incomplete = replace(second, rank=None, band=None, complete=False,
                         missing=("Công tác chỉ đạo, điều hành",),
                         note="Chưa đủ điểm thẩm định: Công tác chỉ đạo, điều hành")
    na = replace(first, not_applicable=("tong",), components=(None, None))
    table = replace(table, blocks=(replace(table.blocks[0], rows=(na, incomplete, *rest)),
                                   *table.blocks[1:]))
    sheet = load_workbook(io.BytesIO(ranking_xlsx(table))).active
    header = [c.value for c in sheet[4]]
    col = {h: header.index(h) + 1 for h in ("Tổng hợp các lĩnh vực", "Tổng điểm", "Xếp hạng",
                                            "Ghi chú")}
    assert sheet.cell(7, col["Tổng hợp các lĩnh vực"]).value == "Không áp dụng"
    total = sheet.cell(8, col["Tổng điểm"])
    assert total.value == 93.5 and total.number_format == '0.00" (tạm tính)"'
    assert sheet.cell(8, col["Xếp hạng"]).value == "Chưa xếp hạng"
    assert sheet.cell(8, col["Ghi chú"]).value == \
        "Chưa đủ điểm thẩm định: Công tác chỉ đạo, điều hành"
    import csv

    lines = list(csv.DictReader(io.StringIO(ranking_csv(table, bom=False).decode("utf-8"))))
    assert (lines[0]["tong"], lines[0]["complete"]) == ("NA", "true")
    assert (lines[1]["rank"], lines[1]["sufficient"], lines[1]["complete"]) == ("", "true",
                                                                               "false")
    pdf = ranking_pdf(table)
    assert pdfcheck.overlaps(pdf) == []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        lines = doc.pages[0].extract_text().splitlines()
    row = next(i for i, line in enumerate(lines) if "Xã Hòa Phước 1 93,50 0,00 —" in line)
    # the total, then "tạm tính" under it; the rank cell wraps "Chưa xếp hạng" beside them
    assert lines[row].endswith("Chưa đủ điểm thẩm định: Công tác chỉ đạo, điều hành")
    assert lines[row - 1] == "93,50 Chưa xếp" and lines[row + 1].startswith("tạm tính hạng")
    assert any(line.startswith("1 Xã Hòa Phước 0 Không áp dụng") for line in lines)
