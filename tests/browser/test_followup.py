"""The loop in a real browser: a citizen on a phone votes "Chưa hài lòng" with a comment and a
callback request; an officer finds the comment, opens its case, answers and closes it."""

from __future__ import annotations

from sqlalchemy import select

from survey_app.db import get_db
from survey_app.models import Answer, CaseContact, Counter, FollowupCase, Unit
from survey_app.services import accounts

from .conftest import PHONE

DESKTOP = {"width": 1366, "height": 900}
PASSWORD = "correct horse battery"


def test_comment_to_answered_case(app, live_server, browser, artifacts):
    with get_db(app).transaction() as s:
        unit = Unit(code="HC", name="Quận Hải Châu", kind="district")
        s.add_all([unit, Counter(unit=unit, code="Q1", name="Quầy số 1")])
        s.flush()
        accounts.create_user(s, "canbo.hc", "officer", PASSWORD, unit)

    phone = browser.new_context(viewport=PHONE)
    page = phone.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/q/c/HC.Q1")
    assert not page.locator("#q-callback").is_visible()  # only after "Chưa hài lòng"
    page.get_by_role("radio", name="Chưa hài lòng", exact=True).check()
    page.get_by_role("checkbox", name="Thời gian chờ đợi").check()
    page.locator("textarea").fill("Chờ gần 2 tiếng mà không ai hướng dẫn. SĐT 0905 123 456")
    page.get_by_role("checkbox", name="Tôi muốn được liên hệ lại").check()
    page.get_by_role("textbox", name="Số điện thoại").fill("0905 123 456")
    page.get_by_role("checkbox", name="Tôi đồng ý").check()
    page.screenshot(path=str(artifacts / "followup-phone-callback.png"), full_page=True)
    page.get_by_role("button", name="Gửi đánh giá").click()
    assert page.get_by_role("heading").inner_text() == "Cảm ơn Ông/Bà!"
    phone.close()

    with get_db(app).transaction() as s:
        case = s.scalars(select(FollowupCase)).one()
        comment = s.scalars(select(Answer.value).where(Answer.value.like("Chờ gần%"))).one()
        assert comment.endswith("SĐT •••••••456")
        assert s.get(CaseContact, case.id).phone == "0905123456"

    desk = browser.new_context(viewport=DESKTOP)
    page = desk.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Tên đăng nhập").fill("canbo.hc")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.get_by_role("link", name="Ý kiến người dân").click()
    row = page.locator("#comments tbody tr").first
    assert "Chờ gần 2 tiếng mà không ai hướng dẫn. SĐT •••••••456" in row.inner_text()
    assert "Thời gian chờ đợi" in row.inner_text()
    page.screenshot(path=str(artifacts / "followup-officer-comments.png"), full_page=True)
    row.get_by_role("link", name=f"#{case.id}").click()
    assert page.locator("#case-status").inner_text() == "Mới"
    assert "0905123456" in page.locator("#case-phone").inner_text()
    page.get_by_role("button", name="Nhận xử lý").click()
    assert page.locator("#case-status").inner_text() == "Đang xử lý"
    page.get_by_label("Nội dung đã trả lời người dân (bắt buộc)").fill(
        "Đã gọi điện xin lỗi; từ tuần sau bố trí thêm người hướng dẫn.")
    page.get_by_role("button", name="Đã trả lời người dân").click()
    assert page.locator("#case-status").inner_text() == "Đã trả lời"
    page.get_by_role("button", name="Đóng phản ánh").click()
    assert page.locator("#case-status").inner_text() == "Đóng"
    page.screenshot(path=str(artifacts / "followup-case-closed.png"), full_page=True)
    desk.close()
    with get_db(app).transaction() as s:
        case = s.get(FollowupCase, case.id)
        assert case.status == "closed" and case.answer.startswith("Đã gọi điện")
