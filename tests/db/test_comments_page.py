"""The officers' page "Ý kiến người dân", its filters and its XLSX/CSV exports, and the comment
count per reason on the dashboard (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook

from survey_app.web import comments
from tests.factories import login, vote

NOW = datetime.now(timezone.utc)


def _comment(client, world, text, *, reasons=None, minutes_ago=0):
    answers = {"overall": "not_satisfied", "comment": text}
    if reasons:
        answers["reasons"] = reasons
    r = client.post("/api/v1/votes", headers=world.auth(world.device_token), json=vote(
        "not_satisfied", at=(NOW - timedelta(minutes=minutes_ago)).isoformat(),
        answers=answers))
    assert r.status_code == 201


def _listed(response) -> str:
    """The list part of the page (the filter form names every reason too)."""
    html = response.get_data(as_text=True)
    return html[html.index('id="list-title"'):]


def _page(client, **params):
    params.setdefault("kind", "year")
    return client.get("/officer/comments", query_string=params)


def test_officer_sees_filters_and_searches_comments(client, world):
    _comment(client, world, "Phải chờ đợi rất lâu ở quầy", reasons=["waiting_time"],
             minutes_ago=5)
    _comment(client, world, "<script>alert(1)</script> cán bộ thiếu nhiệt tình",
             reasons=["staff_attitude"], minutes_ago=3)
    _comment(client, world, "Gọi lại giúp tôi 0905 123 456", minutes_ago=1)
    login(client, "officer.hc")
    html = _page(client).get_data(as_text=True)
    assert "Ý kiến người dân — Quận Hải Châu" in html
    assert html.index("Gọi lại giúp tôi •••••••456") < html.index("Phải chờ đợi rất lâu")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; cán bộ" in html
    assert "0905" not in html

    searched = _listed(_page(client, q="CHỜ ĐỢI"))
    assert "Phải chờ đợi rất lâu" in searched and "cán bộ" not in searched
    by_reason = _listed(_page(client, reason="staff_attitude"))
    assert "cán bộ thiếu nhiệt tình" in by_reason and "chờ đợi" not in by_reason
    # a LIKE wildcard typed by the officer is a character, not a pattern
    assert "Không có ý kiến nào phù hợp." in _listed(_page(client, q="%"))

    bad = _page(client, level="angry", q="x" * 101)
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Chọn một mức đánh giá trong danh sách." in text
    assert "Từ khóa tối đa 100 ký tự." in text
    # another subtree's unit looks absent
    assert _page(client, unit="LC").status_code == 404


def test_pages_follow_the_cursor(client, world, monkeypatch):
    monkeypatch.setattr(comments, "PAGE", 2)
    for i in range(3):
        _comment(client, world, f"ý kiến số {i}", minutes_ago=10 - i)
    login(client, "officer.hc")
    first = _page(client).get_data(as_text=True)
    assert "ý kiến số 2" in first and "ý kiến số 1" in first and "ý kiến số 0" not in first
    link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(link).get_data(as_text=True)
    assert "ý kiến số 0" in second and "ý kiến số 1" not in second
    assert 'rel="next"' not in second


def test_exports_are_formula_safe_and_follow_the_filters(client, world):
    _comment(client, world, '=HYPERLINK("http://evil.example","bấm")', reasons=["fees"])
    _comment(client, world, "Phí cao", reasons=["fees"], minutes_ago=2)
    _comment(client, world, "Chờ lâu", reasons=["waiting_time"], minutes_ago=4)
    login(client, "officer.hc")
    r = client.get("/officer/comments/export.xlsx",
                   query_string={"kind": "year", "reason": "fees"})
    assert r.status_code == 200
    assert "y-kien-HC-" in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][8] == "Ý kiến"
    assert [row[8] for row in rows[1:]] == ['=HYPERLINK("http://evil.example","bấm")', "Phí cao"]
    cell = ws.cell(row=2, column=9)
    assert cell.data_type == "s"  # text, not a formula
    assert rows[1][7] == "Phí, lệ phí"

    r = client.get("/officer/comments/export.csv", query_string={"kind": "year"})
    assert r.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert [row[8] for row in table[1:]] == [
        '\'=HYPERLINK("http://evil.example","bấm")', "Phí cao", "Chờ lâu"]
    assert client.get("/officer/comments/export.pdf").status_code == 404
    assert client.get("/officer/comments/export.csv",
                      query_string={"reason": "nope"}).status_code == 400


def test_dashboard_counts_comments_per_reason(client, world):
    _comment(client, world, "Phí cao", reasons=["fees"])
    _comment(client, world, "Phí cao quá", reasons=["fees", "waiting_time"])
    client.post("/api/v1/votes", headers=world.auth(world.device_token), json=vote(
        "not_satisfied", answers={"overall": "not_satisfied", "reasons": ["fees"]}))
    login(client, "officer.hc")
    html = client.get("/officer/dashboard", query_string={"kind": "year"}).get_data(as_text=True)
    assert "Số ý kiến" in html
    row = re.search(r"<th scope=\"row\">Phí, lệ phí</th>(.*?)</tr>", html).group(1)
    # chosen 3 times, but only 2 of those ballots carry a comment
    cells = re.findall(r'<td class="num">(?:<a [^>]*>)?([^<]*)', row)
    assert cells[0] == "3" and cells[-1] == "2"
