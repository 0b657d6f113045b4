"""The officer workspace (issue 7): the subtree rollup, the dashboard against the API figures,
unit scope on every page and export, flagged-vote review, period close and reopen."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from survey_app.domain.periods import Period, quarter
from survey_app.models import AuditEvent, Ballot, PeriodSnapshot, SubtreeTally
from survey_app.services import breakdowns, snapshots
from survey_app.services.index.inputs import closed_period_tally
from tests.factories import csrf_token, login, vote

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Q3 = "unit={unit}&kind=quarter&year=2026&part=3"


def cast(client, world, unit, level, day, hour=9, **extra):
    """A paper ballot keyed in by the admin, answered on ``day`` at ``hour`` local time."""
    body = vote(level, at=f"{day}T{hour:02d}:15:00+07:00", unit=unit, channel="paper", **extra)
    r = client.post("/api/v1/votes", json=body, headers=world.auth(world.admin_token))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


@pytest.fixture
def votes(client, world):
    """Q3 2026: HC-TT 20 (5 not satisfied, with reasons), LC-HM 12, HC itself 4; Q2 2026 and
    Q3 2025 a few for the comparisons."""
    for i in range(20):
        level = "not_satisfied" if i < 5 else ("very_satisfied" if i % 2 else "satisfied")
        answers = {"overall": level, **({"reasons": ["waiting_time", "fees"]} if i < 3 else {})}
        body = vote(level, at=f"2026-07-{1 + i:02d}T08:30:00+07:00", unit="HC-TT",
                    channel="paper", respondent_group="enterprise" if i < 4 else "citizen",
                    procedure_field="Hộ tịch")
        body["answers"] = answers
        r = client.post("/api/v1/votes", json=body, headers=world.auth(world.admin_token))
        assert r.status_code == 201, r.get_json()
    for i in range(12):
        cast(client, world, "LC-HM", "satisfied" if i else "not_satisfied", f"2026-08-{3 + i:02d}",
             hour=14)
    for i in range(4):
        cast(client, world, "HC", "very_satisfied", f"2026-09-{10 + i:02d}")
    for i in range(6):
        cast(client, world, "HC-TT", "not_satisfied" if i < 3 else "satisfied", "2026-05-05")
    for _ in range(5):
        cast(client, world, "HC-TT", "satisfied", "2025-08-05")


def api_figures(client, world, unit, start, end, **extra):
    query = f"unit={unit}&from={start}&to={end}&subtree=1"
    query += "".join(f"&{k}={v}" for k, v in extra.items())
    r = client.get(f"/api/v1/figures?{query}", headers=world.auth(world.admin_token))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def number(text: str) -> float:
    """A Vietnamese-formatted number from the page: "1.234" → 1234, "83,3 %" → 83.3."""
    return float(text.replace(".", "").replace(",", ".").rstrip("%").strip())


# --- the rollup ------------------------------------------------------------------------------

def test_folded_votes_count_for_their_unit_and_every_ancestor(votes, world, session, runner):
    assert session.scalar(select(func.count()).select_from(SubtreeTally)) == 0  # not yet folded
    fold = runner.invoke(args=["tallies", "fold"])
    assert fold.exit_code == 0 and "Folded 47 ballot(s)" in fold.output, fold.output
    session.rollback()
    rows = session.execute(
        select(SubtreeTally.unit_id, SubtreeTally.count)
        .where(SubtreeTally.dimension == "channel", SubtreeTally.month == date(2026, 7, 1),
               SubtreeTally.status == "valid")).all()
    by_unit: dict[int, int] = {}
    for unit_id, n in rows:
        by_unit[unit_id] = by_unit.get(unit_id, 0) + n
    # 20 July votes in HC-TT count for HC-TT, HC and DN — and nowhere else
    assert sorted(by_unit.values()) == [20, 20, 20] and len(by_unit) == 3
    assert by_unit[world.units["DN"].id] == 20
    reasons = dict(session.execute(
        select(SubtreeTally.key, SubtreeTally.count)
        .where(SubtreeTally.dimension == "reason",
               SubtreeTally.unit_id == world.units["DN"].id)).all())
    assert reasons == {"waiting_time": 3, "fees": 3}
    assert breakdowns.breakdown_drift(session, TZ) == 0


def test_rebuild_restores_a_damaged_rollup(votes, session, runner):
    assert runner.invoke(args=["tallies", "fold"]).exit_code == 0
    assert runner.invoke(args=["tallies", "check"]).exit_code == 0
    with session.get_bind().begin() as conn:
        conn.execute(SubtreeTally.__table__.delete().where(SubtreeTally.dimension == "hour"))
    check = runner.invoke(args=["tallies", "check"])
    assert check.exit_code == 1 and "subtree breakdown row(s) differ" in check.output
    assert runner.invoke(args=["tallies", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["tallies", "check"]).exit_code == 0


# --- the dashboard ---------------------------------------------------------------------------

def test_dashboard_shows_the_api_figures_for_the_unit_and_each_child(client, world, votes):
    login(client, "admin")
    page = client.get("/officer/dashboard?" + Q3.format(unit="DN")).get_data(as_text=True)
    api = api_figures(client, world, "DN", "2026-07-01", "2026-09-30")
    assert api["n"] == 36
    n = re.search(r'data-testid="n">([^<]+)<', page).group(1)
    rate = re.search(r'data-testid="rate">([^<]+)<', page).group(1)
    assert number(n) == api["n"] and number(rate) == api["satisfaction_rate"]
    assert "Quý III/2026" in page
    # children: HC (HC-TT 20 + own 4 = 24) and LC (12, below the minimum n of 30)
    table = page[page.index('id="children"'):page.index("</table>", page.index('id="children"'))]
    for code, expected_n in (("HC", 24), ("LC", 12)):
        child = api_figures(client, world, code, "2026-07-01", "2026-09-30")
        assert child["n"] == expected_n
        assert f"{child['satisfaction_rate']:.1f}".replace(".", ",") + "\u00a0%" in table
    assert table.count("Chưa đủ số phiếu") == 2  # both children have n < 30
    # comparisons: Q2 2026 (6 votes, 50%) and Q3 2025 (5 votes, 100%)
    assert "Quý II/2026" in page and "Quý III/2025" in page
    # reasons and breakdowns
    assert "Thời gian chờ đợi" in page and "Phí, lệ phí" in page
    assert "Doanh nghiệp" in page and "Hộ tịch" in page


def test_a_custom_range_with_partial_months_matches_the_api(client, world, votes):
    login(client, "admin")
    page = client.get("/officer/dashboard?unit=HC&kind=custom&from=2026-07-10&to=2026-09-11"
                      ).get_data(as_text=True)
    api = api_figures(client, world, "HC", "2026-07-10", "2026-09-11")
    assert api["n"] == 11 + 2  # HC-TT 10–20 July, HC's own 10–11 September
    assert number(re.search(r'data-testid="n">([^<]+)<', page).group(1)) == api["n"]
    assert number(re.search(r'data-testid="rate">([^<]+)<', page).group(1)) == \
        api["satisfaction_rate"]


def test_insufficient_n_is_said_and_an_empty_period_is_not_an_error(client, world, votes):
    login(client, "admin")
    page = client.get("/officer/dashboard?" + Q3.format(unit="LC")).get_data(as_text=True)
    assert "Chưa đủ số phiếu: n = 12 &lt; 30" in page
    empty = client.get("/officer/dashboard?unit=LC&kind=year&year=2024")
    assert empty.status_code == 200
    assert "Chưa có phiếu đánh giá hợp lệ" in empty.get_data(as_text=True)


@pytest.mark.parametrize("query, message", [
    ("kind=month&year=2026&part=13", "Chọn tháng từ 1 đến 12."),
    ("kind=week&year=2026", "Chọn loại kỳ"),
    ("kind=year&year=1999", "Năm phải từ 2000 đến 2100."),
    ("kind=custom&from=2026-05-01&to=2026-04-01", "Ngày kết thúc phải sau ngày bắt đầu."),
    ("kind=custom&from=hôm-qua&to=2026-04-01", "Ngày không hợp lệ."),
])
def test_bad_periods_get_a_vietnamese_form_error(client, world, query, message):
    login(client, "admin")
    r = client.get(f"/officer/dashboard?unit=HC&{query}")
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    export = client.get(f"/officer/dashboard/export.xlsx?unit=HC&{query}")
    assert export.status_code == 400 and message in export.get_data(as_text=True)


def test_period_navigation_wraps_years(client, world):
    login(client, "admin")
    page = client.get("/officer/dashboard?unit=HC&kind=quarter&year=2026&part=1"
                      ).get_data(as_text=True)
    prev = re.search(r'href="([^"]+)" rel="prev"', page).group(1).replace("&amp;", "&")
    assert "year=2025" in prev and "part=4" in prev
    assert "Quý IV/2025" in client.get(prev).get_data(as_text=True)


# --- scope -----------------------------------------------------------------------------------

def test_an_officer_never_sees_another_district(client, world, votes, session):
    login(client, "officer.hc")
    q3 = Q3.format(unit="LC")
    for url in (f"/officer/dashboard?{q3}", "/officer/dashboard?unit=LC-HM&kind=year",
                f"/officer/dashboard/export.xlsx?{q3}", f"/officer/dashboard/export.csv?{q3}",
                f"/officer/dashboard/export.pdf?{q3}",
                f"/officer/dashboard/chart/trend.svg?{q3}", f"/officer/flagged?{q3}",
                f"/officer/dashboard?{Q3.format(unit='DN')}"):
        assert client.get(url).status_code == 404, url
    own = client.get(f"/officer/dashboard?{Q3.format(unit='HC')}")
    assert own.status_code == 200 and "Phường Hòa Minh" not in own.get_data(as_text=True)
    assert client.get(f"/officer/dashboard?{Q3.format(unit='HC-TT')}").status_code == 200
    # the unit picker lists the officer's subtree only
    assert "Quận Liên Chiểu" not in own.get_data(as_text=True)
    # admin pages and the raw ballots export are for admins
    for url in ("/admin/periods", f"/admin/ballots.csv?{q3}"):
        assert client.get(url).status_code == 403, url
    # the API figures refuse the other district too
    r = client.get("/api/v1/figures?unit=LC&from=2026-07-01&to=2026-09-30",
                   headers=world.auth(world.officer_token))
    assert r.status_code in (403, 404)
    # and a review of a ballot in the other district changes nothing
    ballot = session.scalar(select(Ballot).join(Ballot.answers).where(
        Ballot.unit_id == world.units["LC-HM"].id).limit(1))
    r = client.post(f"/officer/flagged/{ballot.id}",
                    data={"action": "void", "note": "x", "csrf_token": csrf_token(client, "/")})
    assert r.status_code == 404
    session.rollback()
    assert session.get(Ballot, ballot.id).status == "valid"


def test_clerks_have_no_dashboard(client, world):
    login(client, "clerk.hc")
    assert client.get("/officer/dashboard").status_code == 403


def test_signed_out_users_are_sent_to_the_login(client, world):
    r = client.get("/officer/dashboard/export.xlsx?unit=HC")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# --- flagged votes ---------------------------------------------------------------------------

def test_reinstating_a_flagged_vote_counts_it_and_is_audited(client, world, votes, session):
    from survey_app.db import get_db
    from survey_app.services.ballots import set_ballot_status

    stored = cast(client, world, "HC-TT", "satisfied", "2026-07-25")
    with get_db(client.application).transaction() as s:  # as the burst check would
        b = s.get(Ballot, stored["id"])
        b.flag_reason = "burst"
        set_ballot_status(s, b, "flagged", None, tz=TZ)
    login(client, "officer.hc")
    before = api_figures(client, world, "HC", "2026-07-01", "2026-09-30")
    listing = client.get(f"/officer/flagged?{Q3.format(unit='HC')}").get_data(as_text=True)
    assert f"#{stored['id']}" in listing
    token = csrf_token(client, f"/officer/flagged?{Q3.format(unit='HC')}")
    # voiding needs a note; nothing changes without one
    r = client.post(f"/officer/flagged/{stored['id']}", data={"action": "void", "note": "",
                                                              "csrf_token": token})
    assert r.status_code == 303
    session.rollback()
    assert session.get(Ballot, stored["id"]).status == "flagged"
    r = client.post(f"/officer/flagged/{stored['id']}",
                    data={"action": "reinstate", "note": "Đã xác minh với bộ phận một cửa",
                          "csrf_token": token})
    assert r.status_code == 303
    session.rollback()
    assert session.get(Ballot, stored["id"]).status == "valid"
    after = api_figures(client, world, "HC", "2026-07-01", "2026-09-30")
    assert after["n"] == before["n"] + 1 and after["flagged"] == before["flagged"] - 1
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "ballot.reinstate"))
    assert event.details["note"] == "Đã xác minh với bộ phận một cửa"
    assert event.details["status"] == ["flagged", "valid"]
    assert breakdowns.breakdown_drift(session, TZ) == 0


# --- period close --------------------------------------------------------------------------

def test_close_freezes_the_figures_and_reopen_shows_what_changed(client, world, votes, session):
    login(client, "admin")
    token = csrf_token(client, "/admin/periods")
    r = client.post("/admin/periods/close", data={
        "unit": "DN", "kind": "quarter", "year": "2026", "part": "3", "note": "Chốt quý III",
        "csrf_token": token})
    assert r.status_code == 303
    session.rollback()
    snap = session.scalar(select(PeriodSnapshot))
    assert snap.period_from == date(2026, 7, 1) and snap.period_to == date(2026, 9, 30)
    assert re.fullmatch(r"[0-9a-f]{64}", snap.content_hash)
    assert snapshots.verify(session, snap)
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert snap.content_hash in page and "Số liệu lưu khớp mã băm" in page

    frozen = api_figures(client, world, "HC", "2026-07-01", "2026-09-30")
    assert frozen["source"] == "snapshot" and frozen["snapshot_hash"] == snap.content_hash
    assert frozen["n"] == 24
    # a late paper ballot for the closed quarter: live rollup moves, the figures do not
    cast(client, world, "HC-TT", "not_satisfied", "2026-08-20")
    assert api_figures(client, world, "HC", "2026-07-01", "2026-09-30")["n"] == 24
    dash = client.get(f"/officer/dashboard?{Q3.format(unit='HC')}").get_data(as_text=True)
    assert "Kỳ đã khóa" in dash and snap.content_hash[:16] in dash
    assert closed_period_tally(session, world.units["HC"], quarter(2026, 3)).tally.total == 24
    # closing again is refused, at the unit or below it
    r = client.post("/admin/periods/close", data={
        "unit": "HC", "kind": "quarter", "year": "2026", "part": "3", "csrf_token": token},
        follow_redirects=True)
    assert "đã được khóa ở đơn vị cấp trên" in r.get_data(as_text=True)
    session.rollback()
    assert session.query(PeriodSnapshot).count() == 1
    # the snapshot page lists the pending change before reopening
    pending = client.get(f"/admin/periods/{snap.id}").get_data(as_text=True)
    assert "Phường Thạch Thang" in pending
    # reopening needs a reason
    r = client.post(f"/admin/periods/{snap.id}/reopen", data={"note": " ", "csrf_token": token},
                    follow_redirects=True)
    assert "Cần ghi lý do mở lại kỳ." in r.get_data(as_text=True)
    r = client.post(f"/admin/periods/{snap.id}/reopen",
                    data={"note": "Phiếu giấy nhập muộn", "csrf_token": token})
    assert r.status_code == 303
    session.rollback()
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "period.reopen"))
    changes = {(c["unit"], c["level"]): (c["before"], c["after"])
               for c in event.details["changes"]}
    assert changes[("HC-TT", "not_satisfied")] == (5, 6)
    assert changes[("HC", "not_satisfied")] == (5, 6) and changes[("DN", "not_satisfied")] == (6, 7)
    live = api_figures(client, world, "HC", "2026-07-01", "2026-09-30")
    assert live["source"] == "live" and live["n"] == 25
    # closing again gives a new snapshot with a new hash; the old one stays, reopened
    client.post("/admin/periods/close", data={"unit": "DN", "kind": "quarter", "year": "2026",
                                              "part": "3", "csrf_token": token})
    session.rollback()
    hashes = [s.content_hash for s in session.scalars(
        select(PeriodSnapshot).order_by(PeriodSnapshot.id))]
    assert len(hashes) == 2 and hashes[0] != hashes[1]


def test_the_hash_depends_only_on_the_numbers(client, world, votes, session, app):
    from survey_app.db import get_db

    period = Period(date(2026, 7, 1), date(2026, 9, 30))
    with get_db(app).transaction() as s:
        first = snapshots.close_period(s, s.merge(world.units["DN"]), period, None, tz=TZ)
        snapshots.reopen_period(s, first, None, "kiểm tra", tz=TZ)
        second = snapshots.close_period(s, s.merge(world.units["DN"]), period, None, tz=TZ)
        assert first.content_hash == second.content_hash
        # tampering with a stored cell is detected
        cell = s.scalars(select(snapshots.SnapshotCell).where(
            snapshots.SnapshotCell.snapshot_id == second.id)).first()
        cell.count += 1
        s.flush()
        assert not snapshots.verify(s, second)


def test_a_part_month_period_cannot_be_closed(app, world):
    from survey_app.db import get_db

    with get_db(app).transaction() as s, pytest.raises(snapshots.CloseError):
        snapshots.close_period(s, s.merge(world.units["DN"]),
                               Period(date(2026, 7, 2), date(2026, 7, 31)), None, tz=TZ)


def test_periods_from_the_command_line(runner, world, votes, session):
    r = runner.invoke(args=["periods", "close", "--unit", "DN", "--from", "2026-07-01",
                            "--to", "2026-09-30", "--note", "quý III"])
    assert r.exit_code == 0, r.output
    digest = re.search(r"sha256 ([0-9a-f]{64})", r.output).group(1)
    assert digest in runner.invoke(args=["periods", "list"]).output
    assert runner.invoke(args=["periods", "verify"]).exit_code == 0
    bad = runner.invoke(args=["periods", "close", "--unit", "DN", "--from", "2026-07-02",
                              "--to", "2026-09-30"])
    assert bad.exit_code == 1 and "tháng trọn vẹn" in bad.output
    again = runner.invoke(args=["periods", "close", "--unit", "HC", "--from", "2026-07-01",
                                "--to", "2026-09-30"])
    assert again.exit_code == 1 and "đã được khóa ở đơn vị cấp trên" in again.output
    bad = runner.invoke(args=["periods", "close", "--unit", "XX", "--from", "2026-10-01",
                              "--to", "2026-12-31"])
    assert bad.exit_code == 1 and "no unit" in bad.output
    snap_id = session.scalar(select(PeriodSnapshot.id))
    with session.get_bind().begin() as conn:  # someone edits a frozen number in the database
        conn.execute(snapshots.SnapshotCell.__table__.update()
                     .where(snapshots.SnapshotCell.snapshot_id == snap_id)
                     .values(count=snapshots.SnapshotCell.count + 1))
    r = runner.invoke(args=["periods", "verify"])
    assert r.exit_code == 1 and "do not match" in r.output
    r = runner.invoke(args=["periods", "reopen", str(snap_id), "--note", "sửa"])
    assert r.exit_code == 0 and "Reopened" in r.output


# --- exports -------------------------------------------------------------------------------

def test_xlsx_cells_equal_the_api_figures(client, world, votes):
    import io

    from openpyxl import load_workbook

    login(client, "admin")
    r = client.get("/officer/dashboard/export.xlsx?" + Q3.format(unit="DN"))
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == 'attachment; filename="hai-long-DN-2026-Q3.xlsx"'
    book = load_workbook(io.BytesIO(r.data))
    rows = {row[0]: row for row in book["Đơn vị trực thuộc"].iter_rows(values_only=True)
            if row[0]}
    for code, name in (("HC", "Quận Hải Châu"), ("LC", "Quận Liên Chiểu")):
        api = api_figures(client, world, code, "2026-07-01", "2026-09-30")
        row = rows[name]
        assert row[1] == api["n"]
        assert list(row[2:5]) == [api["counts"][lv] for lv in
                                  ("very_satisfied", "satisfied", "not_satisfied")]
        assert list(row[5:8]) == [api["shares"][lv] for lv in
                                  ("very_satisfied", "satisfied", "not_satisfied")]
        assert row[8] == api["satisfaction_rate"]
        assert (row[9], row[10]) == (api["interval95"]["low"], api["interval95"]["high"])
        assert row[11] == ("Có" if api["sufficient"] else "Chưa đủ số phiếu")
    total = api_figures(client, world, "DN", "2026-07-01", "2026-09-30")
    assert rows["Tổng cộng"][1] == total["n"] and rows["Tổng cộng"][8] == total["satisfaction_rate"]
    channels = {row[0]: row for row in book["Theo kênh"].iter_rows(values_only=True) if row[0]}
    assert channels["Phiếu giấy"][1] == total["n"]


def test_csv_and_pdf_exports(client, world, votes):
    login(client, "admin")
    csv_bom = client.get("/officer/dashboard/export.csv?" + Q3.format(unit="HC"))
    assert csv_bom.status_code == 200 and csv_bom.data.startswith(b"\xef\xbb\xbf")
    assert csv_bom.headers["Content-Type"] == "text/csv; charset=utf-8"
    plain = client.get("/officer/dashboard/export.csv?bom=0&" + Q3.format(unit="HC"))
    assert not plain.data.startswith(b"\xef\xbb\xbf") and "Quận Hải Châu" in plain.data.decode()
    pdf = client.get("/officer/dashboard/export.pdf?" + Q3.format(unit="HC"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    for name in ("trend", "hours", "shares"):
        svg = client.get(f"/officer/dashboard/chart/{name}.svg?" + Q3.format(unit="HC"))
        assert svg.status_code == 200 and svg.headers["Content-Type"].startswith("image/svg+xml")
    assert client.get("/officer/dashboard/chart/pie.svg?unit=HC").status_code == 404
    assert client.get("/officer/dashboard/export.docx?unit=HC").status_code == 404


def test_raw_ballots_are_anonymised_and_complete(client, world, votes, session):
    import csv as csvmod
    import io

    from openpyxl import load_workbook

    login(client, "admin")
    r = client.get("/admin/ballots.csv?" + Q3.format(unit="HC"))
    assert r.status_code == 200 and r.is_streamed
    rows = list(csvmod.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã phiếu", "Đơn vị (mã)", "Quầy"]
    assert len(rows) - 1 == 24  # HC-TT's 20 and HC's 4 in Q3
    header = " ".join(rows[0]).lower()
    assert "hash" not in header and "client" not in header and "thiết bị" not in header
    with_reasons = [row for row in rows[1:] if row[-1]]
    assert len(with_reasons) == 3 and with_reasons[0][-1] == "Phí, lệ phí; Thời gian chờ đợi"
    x = client.get("/admin/ballots.xlsx?" + Q3.format(unit="DN"))
    ws = load_workbook(io.BytesIO(x.data)).active
    assert ws.max_row - 1 == 36


def test_switching_to_a_year_ignores_the_leftover_quarter_number(client, world):
    login(client, "admin")
    r = client.get("/officer/dashboard?unit=HC&kind=year&year=2026&part=4")
    assert r.status_code == 200 and "Năm 2026" in r.get_data(as_text=True)


def test_children_of_a_custom_range_match_the_api(client, world, votes):
    login(client, "admin")
    r = client.get("/officer/dashboard/export.xlsx?unit=DN&kind=custom&from=2026-07-10"
                   "&to=2026-08-08")
    import io

    from openpyxl import load_workbook

    rows = {row[0]: row for row in load_workbook(io.BytesIO(r.data))["Đơn vị trực thuộc"]
            .iter_rows(values_only=True) if row[0]}
    for code, name in (("HC", "Quận Hải Châu"), ("LC", "Quận Liên Chiểu")):
        api = api_figures(client, world, code, "2026-07-10", "2026-08-08")
        assert rows[name][1] == api["n"] and rows[name][8] == api["satisfaction_rate"]
    assert rows["Quận Hải Châu"][1] == 11 and rows["Quận Liên Chiểu"][1] == 6


def test_a_snapshot_answers_own_and_channel_figures_too(client, world, votes, runner):
    live_own = client.get("/api/v1/figures?unit=HC&from=2026-07-01&to=2026-09-30&subtree=0",
                          headers=world.auth(world.admin_token)).get_json()
    assert runner.invoke(args=["periods", "close", "--unit", "DN", "--from", "2026-07-01",
                               "--to", "2026-09-30"]).exit_code == 0
    own = client.get("/api/v1/figures?unit=HC&from=2026-07-01&to=2026-09-30&subtree=0",
                     headers=world.auth(world.admin_token)).get_json()
    assert own["source"] == "snapshot" and own["n"] == live_own["n"] == 4
    paper = api_figures(client, world, "DN", "2026-07-01", "2026-09-30", channel="paper")
    kiosk = api_figures(client, world, "DN", "2026-07-01", "2026-09-30", channel="kiosk")
    assert paper["source"] == kiosk["source"] == "snapshot"
    assert (paper["n"], kiosk["n"]) == (36, 0)
    # a different period of the same unit is not closed
    assert api_figures(client, world, "DN", "2026-07-01", "2026-07-31")["source"] == "live"


def test_edge_days_grouped_in_sql_equal_the_python_recount(client, world, votes, session):
    # votes at several local hours, one near midnight (a different UTC date), with reasons
    for hour, level in ((0, "not_satisfied"), (7, "satisfied"), (23, "not_satisfied")):
        body = vote(level, at=f"2026-07-18T{hour:02d}:40:00+07:00", unit="HC-TT",
                    channel="paper", procedure_field="Đất đai")
        if level == "not_satisfied":
            body["answers"]["reasons"] = ["fees", "other"]
        assert client.post("/api/v1/votes", json=body,
                           headers=world.auth(world.admin_token)).status_code == 201
    session.rollback()
    start, end = date(2026, 7, 10), date(2026, 7, 31)
    grouped = breakdowns.grouped_breakdowns(session, TZ, world.units["DN"].id, start, end)
    python = breakdowns.counted_breakdowns(session, TZ, start=start, end=end)
    assert grouped == python and sum(v for k, v in grouped.items() if k[2] == "hour") > 0
    assert grouped[(world.units["DN"].id, date(2026, 7, 1), "hour", "6-00", "valid",
                    "not_satisfied")] == 1  # 18 July 2026 is a Saturday


def test_meeting_report_pdf_prints_the_api_figures(client, world, votes):
    """The meeting report read back with pdfplumber: at most 4 A4 pages, page 1 with the API's
    rate, interval and n and the comparisons in words, the tables with each child's figures,
    and no two words overlapping on any page."""
    from tests import pdfcheck

    login(client, "admin")
    r = client.get("/officer/dashboard/export.pdf?" + Q3.format(unit="DN"))
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    pages = [p.replace("\xa0", " ") for p in pdfcheck.pages_text(r.data)]
    assert 1 < len(pages) <= 4
    assert pdfcheck.overlaps(r.data) == []
    pdfcheck.save_pngs(r.data, "db-meeting-report")

    def vi(value):
        return f"{value:.1f}".replace(".", ",")

    api = api_figures(client, world, "DN", "2026-07-01", "2026-09-30")
    first = " ".join(pages[0].split())
    assert f"Tỷ lệ hài lòng: {vi(api['satisfaction_rate'])} %" in first
    low, high = api["interval95"]["low"], api["interval95"]["high"]
    assert f"từ {vi(low)} % đến {vi(high)} %" in first and f"n = {api['n']}" in first
    for share, level in (("Rất hài lòng", "very_satisfied"), ("Hài lòng", "satisfied"),
                         ("Chưa hài lòng", "not_satisfied")):
        assert f"{share} {vi(api['shares'][level])} % ({api['counts'][level]} phiếu)" in first
    # comparisons in words, with the other period's API figures
    before = api_figures(client, world, "DN", "2026-04-01", "2026-06-30")
    year_ago = api_figures(client, world, "DN", "2025-07-01", "2025-09-30")
    assert (f"so với quý trước (Quý II/2026: {vi(before['satisfaction_rate'])} %, "
            f"n = {before['n']})") in first
    assert (f"so với cùng kỳ năm trước (Quý III/2025: {vi(year_ago['satisfaction_rate'])} %, "
            f"n = {year_ago['n']})") in first
    assert "—%" not in first and "điểm phần trăm" in first
    assert "Thời gian chờ đợi" in first and "Phí, lệ phí" in first
    assert "Quận Liên Chiểu (n = 12)" in first  # below the minimum n, named
    # the child units table: each child's API figures on its row
    rest = "\n".join(pages[1:])
    for code, name in (("HC", "Quận Hải Châu"), ("LC", "Quận Liên Chiểu")):
        child = api_figures(client, world, code, "2026-07-01", "2026-09-30")
        ci = child["interval95"]
        row = (f"{name} {child['n']} {vi(child['shares']['very_satisfied'])} "
               f"{vi(child['shares']['satisfied'])} {vi(child['shares']['not_satisfied'])} "
               f"{vi(child['satisfaction_rate'])} {vi(ci['low'])}–{vi(ci['high'])} Chưa đủ")
        assert row in rest, row
    assert "Tổng cộng " + str(api["n"]) in rest
    assert "Theo kênh đánh giá" in rest and "Theo lĩnh vực thủ tục" in rest
    assert "Theo quầy" in rest
    assert all(f"Trang {k} / {len(pages)}" in p for k, p in enumerate(pages, start=1))
