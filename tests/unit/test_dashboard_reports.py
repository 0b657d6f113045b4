"""The dashboard renderers (reports/): a hand-built dashboard in, bytes out, read back."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, datetime, timezone
from itertools import count

import pytest
from openpyxl import load_workbook

from reports import charts
from reports.ballots_export import BALLOT_COLUMNS, ballots_csv, ballots_xlsx
from reports.dashboard_csv import dashboard_csv
from reports.dashboard_pdf import dashboard_pdf
from reports.dashboard_xlsx import dashboard_xlsx
from survey_app.domain.dashboard import Comparison, Dashboard, Line, SnapshotInfo
from survey_app.domain.periods import quarter
from survey_app.domain.shares import Tally
from tests import pdfcheck


def make(children=True, votes=True, snapshot=False) -> Dashboard:
    hc = Line("HC", "Quận Hải Châu", Tally(40, 30, 10))
    hv = Line("HV", "UBND xã Đông Hòa", Tally(5, 10, 5))  # n = 20 < 30
    overall = Line("DN", "Phường Bến Nghé", Tally(48, 42, 16) if votes else Tally())
    period = quarter(2026, 3)
    prev = Line("DN", "Kỳ trước (Quý II/2026)", Tally(20, 20, 10))
    return Dashboard(
        unit_code="DN", unit_name="Phường Bến Nghé", period=period, period_label="Quý III/2026",
        min_n=30, overall=overall, flagged=3,
        comparisons=(Comparison("Kỳ trước", quarter(2026, 2), prev, overall),),
        children=(hc, hv) if children else (),
        breakdowns={"channel": (Line("kiosk", "Máy tính bảng tại quầy", Tally(30, 30, 10)),
                                Line("paper", "Phiếu giấy", Tally(18, 12, 6))),
                    "counter": (), "field": (Line("Hộ tịch", "Hộ tịch", Tally(48, 42, 16)),),
                    "group": ()},
        trend=((date(2026, 7, 1), Tally(10, 10, 5)), (date(2026, 8, 1), Tally(20, 20, 6)),
               (date(2026, 9, 1), Tally(18, 12, 5))) if votes else (),
        hours={(1, 8): 12, (1, 9): 30, (3, 14): 40, (6, 10): 24} if votes else {},
        reasons=(("waiting_time", "Thời gian chờ đợi", 9), ("fees", "Phí, lệ phí", 2)),
        snapshot=SnapshotInfo(1, datetime(2026, 10, 2, tzinfo=timezone.utc), "ab" * 32, "admin")
        if snapshot else None)


def test_xlsx_sheets_headers_formats_and_numbers():
    d = make()
    book = load_workbook(io.BytesIO(dashboard_xlsx(d)))
    assert book.sheetnames == ["Tổng hợp", "Đơn vị trực thuộc", "Theo kênh", "Theo quầy",
                               "Theo lĩnh vực", "Theo nhóm", "Theo tháng", "Theo thứ và giờ",
                               "Lý do chưa hài lòng"]
    ws = book["Đơn vị trực thuộc"]
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[1] == "Số phiếu (n)")
    assert rows[header][:2] == ("Đơn vị / Nhóm", "Số phiếu (n)")
    assert "Tỷ lệ hài lòng (%)" in rows[header] and "KTC 95% thấp (%)" in rows[header]
    assert ws.freeze_panes == f"B{header + 2}"
    by_label = {r[0]: r for r in rows[header + 1:] if r[0]}
    hc = by_label["Quận Hải Châu"]
    assert hc[1] == 80 and hc[8] == float(d.children[0].rate_pct()) == 87.5
    assert by_label["UBND xã Đông Hòa"][11] == "Chưa đủ số phiếu"
    # own votes row and a total that adds up
    assert by_label["Tại Phường Bến Nghé"][1] == 6
    total = by_label["Tổng cộng"]
    assert total[1] == 80 + 20 + 6 == d.overall.n
    assert total[2:5] == (48, 42, 16)
    cell = ws.cell(header + 2, 9)
    assert cell.number_format == "0.0"
    assert ws.cell(header + 2, 2).number_format == "#,##0"
    summary = [c for r in book["Tổng hợp"].iter_rows(values_only=True) for c in r]
    assert any("Quý III/2026" in str(c) for c in summary if c)
    assert float(d.overall.rate_pct()) in summary


def test_xlsx_is_deterministic_and_names_the_snapshot():
    assert dashboard_xlsx(make()) == dashboard_xlsx(make())
    book = load_workbook(io.BytesIO(dashboard_xlsx(make(snapshot=True))))
    assert "ab" * 32 in str(book["Tổng hợp"]["A2"].value)


def test_csv_with_and_without_bom():
    with_bom = dashboard_csv(make(), bom=True)
    assert with_bom.startswith(b"\xef\xbb\xbf")
    plain = dashboard_csv(make(), bom=False)
    assert not plain.startswith(b"\xef\xbb\xbf") and with_bom[3:] == plain
    rows = list(csv.reader(io.StringIO(plain.decode("utf-8"))))
    hc = next(r for r in rows if len(r) > 2 and r[1] == "Quận Hải Châu")
    assert hc[0] == "Các đơn vị trực thuộc" and hc[2] == "80" and hc[9] == "87.5"
    reasons = next(r for r in rows if len(r) > 1 and r[1] == "Thời gian chờ đợi")
    assert reasons[2:] == ["9", "56.3"]  # 9 of 16 "Chưa hài lòng" ballots, half-up


@pytest.mark.parametrize("render", [charts.trend_chart, charts.hours_chart, charts.shares_chart])
def test_charts_in_three_formats(render):
    d = make()
    svg = render(d, "svg")
    ET.fromstring(svg)  # well-formed
    assert svg == render(d, "svg")
    assert render(d, "png").startswith(b"\x89PNG\r\n\x1a\n")
    pdf = render(d, "pdf")
    assert pdf.startswith(b"%PDF") and pdf == render(d, "pdf")


def test_chart_text_keeps_its_diacritics():
    d = make()
    assert "Tỷ lệ hài lòng theo tháng — Phường Bến Nghé" in charts.trend_chart(d, "svg").decode()
    assert "Thứ Hai" in charts.hours_chart(d, "svg").decode()
    shares = charts.shares_chart(d, "svg").decode()
    assert "UBND xã Đông Hòa (n = 20)" in shares and "Chưa hài lòng" in shares


def _luminance(colour) -> float:
    from matplotlib.colors import to_rgb

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("children", [True, False], ids=["children", "unit-only"])
def test_shares_chart_legend_clear_of_the_axis_and_bar_labels_readable(children):
    """The legend does not cover the axis label or the tick labels (issue 15: "%" was hidden
    under "Hài lòng"); each share written on a bar keeps 4.5:1 contrast with its bar."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    d = make(children=children)
    with matplotlib.rc_context(charts.STYLE):
        fig = Figure(figsize=(9, 2.6), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        charts.draw_shares(ax, d)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        legend = ax.get_legend().get_window_extent(renderer)
        others = [ax.xaxis.label, ax.title, *ax.get_xticklabels(), *ax.get_yticklabels()]
        for text in others:
            if text.get_text():
                box = text.get_window_extent(renderer)
                assert not legend.overlaps(box), text.get_text()
        assert ax.xaxis.label.get_text() == "Tỷ lệ (%)"
        bar_labels = [t for t in ax.texts if t.get_text()]
        assert len(bar_labels) >= 3
        for label in bar_labels:
            bar = next(p for p in ax.patches if p.contains_point(
                ax.transData.transform(label.get_position())))
            light, dark = sorted((_luminance(label.get_color()),
                                  _luminance(bar.get_facecolor())), reverse=True)
            contrast = (light + 0.05) / (dark + 0.05)
            assert contrast >= 4.5, (label.get_text(), label.get_color(), contrast)
            assert label.get_fontsize() >= 8


def test_empty_dashboard_renders_everywhere():
    d = make(children=False, votes=False)
    for render in (charts.trend_chart, charts.hours_chart, charts.shares_chart):
        assert "Chưa có phiếu" in render(d, "svg").decode()
    assert dashboard_pdf(d).startswith(b"%PDF")
    load_workbook(io.BytesIO(dashboard_xlsx(d)))
    assert dashboard_csv(d, bom=False)
    with pytest.raises(ValueError):
        charts.trend_chart(d, "gif")


def test_pdf_report_text():
    pdf = dashboard_pdf(make())
    assert pdf == dashboard_pdf(make())
    pages = pdfcheck.pages_text(pdf)
    text = "\n".join(pages)
    assert "BÁO CÁO MỨC ĐỘ HÀI LÒNG" in text and "Phường Bến Nghé" in text
    assert "Tỷ lệ hài lòng: 84,9 %" in pages[0]  # 90 / 106
    assert "từ 76,9 % đến 90,5 %" in pages[0] and "n = 106" in pages[0]
    assert "Tăng 4,9 điểm phần trăm so với quý trước (Quý II/2026: 80,0 %, n = 50)" in pages[0]
    assert "Thời gian chờ đợi: 9 lần (56,3 %" in pages[0]  # half-up, as in the CSV
    assert "UBND xã Đông Hòa (n = 20)" in pages[0]
    assert "Chưa đủ" in text and "Trang 1 / " in pages[0]


def test_pdf_report_pages_and_layout():
    pdf = dashboard_pdf(make(snapshot=True))
    pages = pdfcheck.pages_text(pdf)
    assert 2 <= len(pages) <= 4
    assert all(f"Trang {k} / {len(pages)}" in page for k, page in enumerate(pages, start=1))
    assert pdfcheck.overlaps(pdf) == []
    pdfcheck.save_pngs(pdf, "unit-meeting-report")


def test_pdf_report_without_previous_figures_says_so_in_words():
    d = make()
    empty_prev = Comparison("Cùng kỳ năm trước", quarter(2025, 3),
                            Line("DN", "Cùng kỳ năm trước (Quý III/2025)", Tally()), d.overall)
    d = replace(d, comparisons=(*d.comparisons, empty_prev))
    text = pdfcheck.pages_text(dashboard_pdf(d))[0]
    assert ("Chưa so sánh được với cùng kỳ năm trước: Quý III/2025 chưa có phiếu hợp lệ."
            in " ".join(text.split()))
    assert "—%" not in text and "— điểm" not in text
    empty = pdfcheck.pages_text(dashboard_pdf(make(children=False, votes=False)))[0]
    assert "Chưa có phiếu đánh giá hợp lệ trong kỳ." in empty and "—%" not in empty


def _rows(n, taken):
    for i in range(n):
        next(taken)
        yield (i + 1, "HC", "Q1", "Phiếu giấy", date(2026, 7, 1), "08:30", "Hài lòng",
               "Hợp lệ", "", "Người dân", "Hộ tịch", "", "")


def test_ballots_csv_streams():
    taken = count()
    chunks = ballots_csv(_rows(5000, taken), bom=True)
    first = next(chunks)
    assert first.startswith(b"\xef\xbb\xbf") and next(taken) < 1000  # not all read yet
    data = first + b"".join(chunks)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == BALLOT_COLUMNS and len(rows) == 5001
    assert rows[1][4] == "2026-07-01"


def test_ballots_xlsx_streams_a_readable_workbook():
    data = b"".join(ballots_xlsx(_rows(3000, count())))
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.max_row == 3001 and ws["A1"].value == "Mã phiếu" and ws.freeze_panes == "A2"
    assert ws["B2"].value == "HC"


def test_xlsx_sheets_print_on_a4_one_page_wide_with_their_header():
    book = load_workbook(io.BytesIO(dashboard_xlsx(make())))
    for ws in book:
        setup = ws.page_setup
        assert str(setup.paperSize) == ws.PAPERSIZE_A4, ws.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        header = int(ws.print_title_rows.split(":")[0].lstrip("$"))
        titles = [c.value for c in ws[header] if c.value]
        assert len(titles) >= 2 and titles[0] in ("Kỳ", "Đơn vị / Nhóm", "Tháng", "Thứ", "Lý do")
        assert setup.orientation == ("landscape" if ws.max_column > 6 else "portrait")
        for cell in ws[header][1:]:
            if cell.value:  # wide enough for the title on two lines
                width = ws.column_dimensions[cell.column_letter].width
                assert width * 2 >= len(cell.value), (ws.title, cell.value, width)
