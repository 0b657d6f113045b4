"""The XLSX exports as a clerk prints them: converted to PDF by LibreOffice (headless) and read
back with pdfplumber (issue 15: LibreOffice printed a district quarter on 33 pages with the title
line cut off).

LibreOffice is Debian's ``libreoffice-calc-nogui`` (installed by .ci/run). Without ``soffice``
these tests skip on a developer's machine and fail in CI (``CI`` set), like the Redis tests.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from reports.ranking import ranking_xlsx
from survey_app.db import get_db
from survey_app.services.demo import seed_demo
from tests import pdfcheck
from tests.factories import login
from tests.live import missing
from tests.unit.test_ranking_reports import _table

#: The demo seeded early in October: the third quarter is complete.
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        missing("LibreOffice is missing: apt-get install libreoffice-calc-nogui")
    return found


def print_to_pdf(xlsx: bytes, name: str, tmp_path: Path) -> bytes:
    """What LibreOffice prints from the workbook (every sheet, with its own page set-up)."""
    source = tmp_path / f"{name}.xlsx"
    source.write_bytes(xlsx)
    # a profile of its own: two conversions at once must not share (and lock) one
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([soffice(), f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    return (tmp_path / f"{name}.pdf").read_bytes()


def test_city_quarter_xlsx_prints_a_page_per_sheet_with_its_title(app, client, tmp_path):
    with get_db(app).transaction() as s:
        password = seed_demo(s, days=120, seed=15, per_counter_day=6.0, now=NOW,
                             secret_key=app.config["SECRET_KEY"],
                             timezone=app.config["TIMEZONE"])[2]
    login(client, "canbo.danang", password)
    r = client.get("/officer/dashboard/export.xlsx?unit=48&kind=quarter&year=2026&part=3")
    assert r.status_code == 200
    sheets = load_workbook(io.BytesIO(r.data)).sheetnames
    pdf = print_to_pdf(r.data, "dashboard-48-2026-Q3", tmp_path)
    pdfcheck.save_pngs(pdf, "xlsx-dashboard-48-2026-Q3")
    pages = pdfcheck.pages_text(pdf)
    # The city's quarter (its 22 units in force, their counters) has short tables: every sheet
    # fits on one A4 page (one page wide, the header row repeated were it longer).
    assert len(pages) == len(sheets), len(pages)
    for number, text in enumerate(pages, start=1):
        lines = text.splitlines()
        assert lines[0] == "Mức độ hài lòng — Thành phố Đà Nẵng (48)", (number, lines[:2])
        # the period line is whole: not cut at the page's right edge
        assert lines[1].startswith("Kỳ: Quý III/2026 (01/07/2026 – 30/09/2026)"), number
        assert lines[1].endswith("đủ số phiếu khi n ≥ 30."), (number, lines[1])
        # a header title wrapped onto a second line stays in the header row: printed into the
        # first data row it reads "745(phiếu)" (the row was one line high)
        assert not re.search(r"\d\((phiếu|%)\)", text), (number, text[:600])


def test_ranking_xlsx_prints_landscape_one_page_wide_with_the_header_repeated(tmp_path):
    table = _table(rows_per_block=30)  # two blocks of 31 units: longer than one page
    pdf = print_to_pdf(ranking_xlsx(table), "ranking", tmp_path)
    pdfcheck.save_pngs(pdf, "xlsx-ranking")
    pages = pdfcheck.pages_text(pdf)
    # 62 units and two block rows at 12 pt fill two landscape pages, three at most
    assert 2 <= len(pages) <= 3, len(pages)
    assert pages[0].splitlines()[0] == table.title.upper()
    for number, text in enumerate(pages, start=1):
        # the header on every page, from the first column to the last: one page wide (without
        # fit-to-width LibreOffice puts "Tỷ lệ hài lòng" … "Ghi chú" on pages of their own)
        assert "STT" in text and "Tổng điểm" in text and "Ghi chú" in text, number
