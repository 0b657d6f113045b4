"""An officer's morning in a real browser: sign in, open a unit's quarter, switch period, sort
the child units, download the Excel file and the meeting PDF (issue 7)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from survey_app.db import get_db
from survey_app.domain.periods import quarter
from survey_app.services.demo import seed_demo
from survey_app.services.figures import unit_figures
from survey_app.services.units import unit_by_code

from .conftest import PHONE

DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def demo(app):
    with get_db(app).transaction() as s:
        lines = seed_demo(s, days=400, seed=7, per_counter_day=3.0,
                          secret_key=app.config["SECRET_KEY"], timezone=app.config["TIMEZONE"])
    return lines[2]  # the demo password


def api_rate(app, code, period):
    with get_db(app).transaction() as s:
        f = unit_figures(s, unit_by_code(s, code), period, min_n=30, subtree=True).as_json()
    return f


def sign_in(page, base_url, username, password, start="/officer/dashboard"):
    """Open ``start`` signed out, sign in on the form it sends us to, land back on it."""
    page.goto(f"{base_url}{start}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    # the login page's address carries ?next=<start>: wait for the path itself
    page.wait_for_url(lambda url: urlsplit(url).path == start)


def vn(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "\u00a0%"


def test_officer_dashboard_quarter_switch_and_downloads(app, live_server, browser, artifacts,
                                                        demo, tmp_path):
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    q = (today.month - 1) // 3 + 1
    prev_q, prev_y = (q - 1, today.year) if q > 1 else (4, today.year - 1)
    roman = ("I", "II", "III", "IV")

    context = browser.new_context(viewport=DESKTOP, accept_downloads=True, locale="vi-VN")
    page = context.new_page()
    sign_in(page, live_server.url, "canbo.danang", demo)  # via the login form and back

    # open the city's quarter through the form (its phường, departments and centre below)
    page.get_by_label("Đơn vị", exact=True).select_option(label="Thành phố Đà Nẵng")
    page.get_by_label("Loại kỳ", exact=True).select_option(label="Quý")
    page.get_by_label("Năm", exact=True).fill(str(prev_y))
    page.get_by_label("Quý", exact=True).fill(str(prev_q))  # the number field of the kind
    page.get_by_role("button", name="Xem").click()
    label = f"Quý {roman[prev_q - 1]}/{prev_y}"
    assert page.locator(".period-label").inner_text() == label
    figures = api_rate(app, "48", quarter(prev_y, prev_q))
    assert figures["n"] > 30
    assert page.get_by_test_id("rate").inner_text() == vn(figures["satisfaction_rate"])
    assert page.get_by_test_id("n").inner_text() == f"{figures['n']:,}".replace(",", ".")
    # every chart image loaded (server-rendered SVG); they load lazily as the reader scrolls to
    # them, and the city's table of units above them is long
    charts = page.locator(".charts img")
    for i in range(charts.count()):
        charts.nth(i).scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('.charts img')]"
                           ".every(i => i.complete)")
    page.wait_for_load_state("networkidle")
    widths = page.eval_on_selector_all(".charts img", "imgs => imgs.map(i => i.naturalWidth)")
    assert len(widths) == 3 and all(w > 0 for w in widths)
    page.screenshot(path=str(artifacts / "officer-dashboard.png"), full_page=True)

    # sort the child units by satisfaction rate
    table = page.locator("#children")
    table.get_by_role("button", name="Tỷ lệ hài lòng").click()
    assert table.locator("th[aria-sort]").get_attribute("aria-sort") == "ascending"
    rates = [float(v) for v in table.locator("tbody tr td:nth-child(6)").evaluate_all(
        "cells => cells.map(c => c.dataset.sort)")]
    assert rates == sorted(rates) and len(rates) >= 2

    # switch period: the next quarter by link, then the whole year through the form
    page.get_by_role("link", name="Kỳ sau ›").click()
    assert page.locator(".period-label").inner_text() == f"Quý {roman[q - 1]}/{today.year}"
    page.get_by_label("Loại kỳ", exact=True).select_option(label="Năm")
    page.get_by_label("Năm", exact=True).fill(str(today.year))
    page.get_by_role("button", name="Xem").click()
    assert page.locator(".period-label").inner_text() == f"Năm {today.year}"

    # back to the quarter and download its Excel file
    page.goto(f"{live_server.url}/officer/dashboard?unit=48&kind=quarter&year={prev_y}"
              f"&part={prev_q}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải Excel (XLSX)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == f"hai-long-48-{prev_y}-Q{prev_q}.xlsx"
    book = load_workbook(io.BytesIO(path.read_bytes()))
    values = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row]
    assert figures["n"] in values and figures["satisfaction_rate"] in values
    assert "Thành phố Đà Nẵng" in " ".join(str(v) for v in values if v)

    # the meeting PDF, its first page rendered to PNG for a person to look at
    with page.expect_download() as download:
        page.get_by_role("link", name="Báo cáo PDF").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm") and shutil.which("pdftotext"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(pdf),
                        str(artifacts / "officer-report")], check=True)
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                              text=True).stdout
        assert "Thành phố Đà Nẵng" in text and label in text
    context.close()


def test_dashboard_on_a_phone(app, live_server, browser, artifacts, demo):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "canbo.haichau", demo)
    # nothing but the wide tables scrolls sideways
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= PHONE["width"] + 1
    page.screenshot(path=str(artifacts / "officer-dashboard-phone.png"), full_page=False)
    context.close()


def test_admin_closes_and_reopens_a_quarter(app, live_server, browser, artifacts, demo):
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    q = (today.month - 1) // 3 + 1
    prev_q, prev_y = (q - 1, today.year) if q > 1 else (4, today.year - 1)
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, live_server.url, "admin", demo, start="/admin/periods")
    page.screenshot(path=str(artifacts / "admin-periods.png"), full_page=True)
    page.get_by_label("Đơn vị", exact=True).select_option(label="Thành phố Đà Nẵng")
    page.get_by_label("Loại kỳ", exact=True).select_option(label="Quý")
    page.get_by_label("Năm", exact=True).fill(str(prev_y))
    page.get_by_label("Tháng / quý / nửa năm số", exact=True).fill(str(prev_q))
    page.get_by_label("Ghi chú", exact=True).fill("Chốt số liệu quý để tính Chỉ số")
    page.get_by_role("button", name="Khóa kỳ").click()
    digest = page.get_by_test_id("hash").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert page.get_by_text("Số liệu lưu khớp mã băm").is_visible()
    # the dashboard of a phường below now reads the snapshot
    page.get_by_role("link", name="Xem bảng số liệu của kỳ").click()
    assert page.get_by_text("Kỳ đã khóa").is_visible()
    page.goto(f"{live_server.url}/officer/dashboard?unit=20242&kind=quarter&year={prev_y}"
              f"&part={prev_q}")
    assert digest[:16] in page.locator("p.flash").inner_text()
    page.go_back()
    page.go_back()
    page.get_by_label("Lý do mở lại (bắt buộc)").fill("Nhập bổ sung phiếu giấy")
    page.get_by_role("button", name="Mở lại kỳ").click()
    assert "Đã mở lại" in page.locator(".facts").inner_text()
    page.screenshot(path=str(artifacts / "officer-period-reopened.png"), full_page=True)
    page.close()


def test_withdrawing_a_published_quarter_needs_a_reason(app, live_server, browser, artifacts,
                                                        demo):
    """Spaces are not a reason: the period page comes back with the message beside the field
    (the browser's own `required` check lets spaces through, the server does not)."""
    from survey_app.services import publication, snapshots

    with get_db(app).transaction() as s:
        snap = snapshots.close_period(s, unit_by_code(s, "48"), quarter(2025, 3), None,
                                      tz=ZoneInfo(app.config["TIMEZONE"]))
        publication.publish_period(s, snap, None)
        path = f"/admin/periods/{snap.id}"
    page = browser.new_page(viewport=DESKTOP)
    sign_in(page, live_server.url, "admin", demo, start=path)
    page.get_by_label("Lý do rút lại (bắt buộc, hiển thị công khai)").fill("   ")
    page.get_by_role("button", name="Rút lại công bố").click()
    error = page.locator("#withdraw-error")
    assert "Cần ghi lý do rút lại" in error.inner_text()
    field = page.get_by_label("Lý do rút lại (bắt buộc, hiển thị công khai)")
    assert field.get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(artifacts / "officer-period-withdraw-error.png"), full_page=True)
    assert page.get_by_text("Đang công bố").is_visible()  # nothing changed
    page.close()
