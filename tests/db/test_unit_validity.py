"""Units out of force take nothing new: no kiosk code or tablet, QR poster or receipt code for a
merged ward; paper batches, dossier counts and index entries only for dates inside a unit's
validity, so history from before the reorganisation can still be keyed in (docs/units.md).

The world's Phường Thạch Thang (HC-TT) is merged into a new Phường Liên Chiểu (LC-NEW,
from 01/07/2025) at the start of each test.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from survey_app.models import (
    IndexHandScore,
    KioskDevice,
    KioskPairingCode,
    PaperBatch,
    ReceiptToken,
    Unit,
)
from tests.factories import csrf_token, login

ENDED_VI = ("Phường Thạch Thang (HC-TT) chỉ hoạt động đến hết ngày 30/06/2025, sau đó nhập vào "
            "Phường Liên Chiểu (mã LC-NEW); không dùng được cho")
ENDED_EN = ("Phường Thạch Thang (HC-TT) was in force until 30/06/2025, then became part of "
            "Phường Liên Chiểu (code LC-NEW); it cannot be used for")


@pytest.fixture
def merged(session, runner, world):
    unit = Unit(code="LC-NEW", name="Phường Liên Chiểu", kind="commune",
                parent=world.units["DN"], valid_from=date(2025, 7, 1))
    session.add(unit)
    session.commit()
    r = runner.invoke(args=["units", "merge", "--into", "LC-NEW", "--from", "HC-TT",
                            "--on", "2025-07-01"])
    assert r.exit_code == 0, r.output
    return world


def _count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_no_kiosk_code_or_tablet_for_a_merged_ward(client, runner, session, merged):
    codes, devices = _count(session, KioskPairingCode), _count(session, KioskDevice)
    for command in (["kiosk", "pair", "--unit", "HC-TT"], ["kiosk", "register", "--unit", "HC-TT"]):
        r = runner.invoke(args=command)
        assert r.exit_code == 1 and ENDED_EN in r.output, r.output
    assert (_count(session, KioskPairingCode), _count(session, KioskDevice)) == (codes, devices)

    login(client, "officer.hc")
    page = client.get("/officer/kiosks/").get_data(as_text=True)
    assert "Quận Hải Châu · Quầy số 1" in page and "Phường Thạch Thang" not in page
    ward = merged.units["HC-TT"].id
    r = client.post("/officer/kiosks/codes", data={
        "csrf_token": csrf_token(client, "/officer/kiosks/"), "place": f"u:{ward}",
        "minutes": "30"})
    assert r.status_code == 422 and ENDED_VI in r.get_data(as_text=True)
    assert _count(session, KioskPairingCode) == codes

    # the new commune takes tablets
    r = runner.invoke(args=["kiosk", "pair", "--unit", "LC-NEW"])
    assert r.exit_code == 0, r.output


def test_a_code_made_before_the_merge_pairs_no_tablet_after_it(client, runner, session, world):
    made = runner.invoke(args=["kiosk", "pair", "--unit", "HC-TT"])
    assert made.exit_code == 0, made.output
    code = made.output.strip().splitlines()[-1]
    session.add(Unit(code="LC-NEW", name="Phường Liên Chiểu", kind="commune",
                     parent=world.units["DN"], valid_from=date(2025, 7, 1)))
    session.commit()
    runner.invoke(args=["units", "merge", "--into", "LC-NEW", "--from", "HC-TT",
                        "--on", "2025-07-01"])
    devices = _count(session, KioskDevice)
    r = client.post("/kiosk/api/pair", json={"code": code})
    # the tablet shows errors.code under the field it typed the code into
    assert r.status_code == 422 and r.json["errors"]["code"].startswith(ENDED_VI)
    assert r.json["message"] == r.json["errors"]["code"]
    assert _count(session, KioskDevice) == devices
    session.rollback()
    assert session.scalar(select(KioskPairingCode.used_at)) is None


def test_no_poster_for_a_merged_ward(client, runner, session, merged, tmp_path):
    login(client, "officer.hc")
    r = client.get("/qr/posters/HC-TT.pdf")
    assert r.status_code == 422 and ENDED_VI in r.get_data(as_text=True)
    assert client.get("/qr/posters/HC-TT.png").status_code == 422
    assert client.get("/qr/posters/HC.pdf").status_code == 200

    out = tmp_path / "posters"
    r = runner.invoke(args=["qr", "posters", "--unit", "HC", "--out", str(out),
                            "--base-url", "https://danhgia.example.gov.vn", "--no-png"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["HC-A4.pdf"]
    assert re.search(r"Skipped 1 unit\(s\) not in force on \d{4}-\d\d-\d\d: HC-TT\.", r.output)
    r = runner.invoke(args=["qr", "posters", "--unit", "HC-TT", "--out", str(tmp_path / "x"),
                            "--base-url", "https://danhgia.example.gov.vn"])
    assert r.exit_code == 1 and ENDED_EN in r.output
    assert not (tmp_path / "x").exists()


def test_no_receipt_code_for_a_merged_ward(client, session, merged):
    r = client.post("/api/v1/receipt-tokens", json={"unit": "HC-TT", "dossier": "H17-0001"},
                    headers=merged.auth(merged.clerk_token))
    assert r.status_code == 422 and r.json["errors"]["unit"].startswith(ENDED_VI)
    assert _count(session, ReceiptToken) == 0
    ok = client.post("/api/v1/receipt-tokens", json={"unit": "LC-NEW", "dossier": "H17-0001"},
                     headers=merged.auth(merged.admin_token))
    assert ok.status_code == 201


def _batch(client, world, unit, start, end, token=None):
    return client.post("/api/v1/paper-batches", headers=world.auth(token or world.admin_token),
                       json={"unit": unit, "from": start, "to": end, "issued": 50,
                             "returned": 40})


def test_paper_batches_only_inside_a_units_validity(client, session, merged):
    # history from before the merge: the old ward's batch is taken
    ok = _batch(client, merged, "HC-TT", "2025-04-01", "2025-06-30", merged.clerk_token)
    assert ok.status_code == 201, ok.json
    across = _batch(client, merged, "HC-TT", "2025-06-01", "2025-07-31")
    assert across.status_code == 422
    assert across.json["errors"]["unit"] == ENDED_VI + " kỳ 01/06/2025 – 31/07/2025."
    early = _batch(client, merged, "LC-NEW", "2025-06-01", "2025-06-30")
    assert early.status_code == 422
    assert early.json["errors"]["unit"] == ("Phường Liên Chiểu (LC-NEW) chỉ hoạt động từ ngày "
                                            "01/07/2025; không dùng được cho kỳ 01/06/2025 – "
                                            "30/06/2025.")
    assert _batch(client, merged, "LC-NEW", "2025-07-01", "2025-09-30").status_code == 201
    assert _count(session, PaperBatch) == 2

    # the officer's form says the same beside the unit
    login(client, "admin")
    r = client.post("/paper/", data={
        "csrf_token": csrf_token(client, "/paper/"), "unit": str(merged.units["HC-TT"].id),
        "from": "2025-07-01", "to": "2025-07-31",
        "questionnaire": str(_kiosk_questionnaire_id(session)), "issued": "10",
        "returned": "5"})
    assert r.status_code == 422
    assert ENDED_VI + " kỳ 01/07/2025 – 31/07/2025." in r.get_data(as_text=True)
    assert _count(session, PaperBatch) == 2


def _kiosk_questionnaire_id(session) -> int:
    from survey_app.models import Questionnaire

    session.rollback()
    return session.scalar(select(Questionnaire.id).where(Questionnaire.code == "KIOSK-3L"))


SCHEME = """\
code: XA
version: 1
year: {year}
name: Chỉ số cải cách hành chính cấp xã năm {year}
period: {{from: {year}-01-01, to: {year}-12-31}}
blocks:
  - name: Xã, phường, đặc khu
    units: [{units}]
components:
  - {{code: cong_khai, name: Công khai thủ tục hành chính, max: 30}}
  - {{code: hai_long, name: Mức độ hài lòng, max: 20, formula: linear}}
bonus: {{max: 5, min: -5}}
"""


def test_index_entries_only_for_years_a_unit_existed(client, runner, session, world, tmp_path):
    """Scores of 2025 may still go to the old ward; a 2026 scheme cannot list it, and a ward
    ended retroactively before the scheme year takes no more scores or dossier counts."""
    session.add(Unit(code="LC-NEW", name="Phường Liên Chiểu", kind="commune",
                     parent=world.units["DN"], valid_from=date(2025, 7, 1)))
    session.commit()
    for year, units in ((2025, "HC-TT, LC-HM"), (2026, "LC-HM")):
        f = tmp_path / f"xa-{year}.yaml"
        f.write_text(SCHEME.format(year=year, units=units), encoding="utf-8")
        r = runner.invoke(args=["index", "load", str(f)])
        assert r.exit_code == 0, r.output
    r = runner.invoke(args=["units", "merge", "--into", "LC-NEW", "--from", "HC-TT,LC-HM",
                            "--on", "2025-07-01"])
    assert r.exit_code == 0, r.output

    bad = tmp_path / "xa-2026b.yaml"
    bad.write_text(SCHEME.format(year=2026, units="LC-NEW, HC-TT").replace("code: XA", "code: XB"),
                   encoding="utf-8")
    r = runner.invoke(args=["index", "load", str(bad)])
    assert r.exit_code == 1
    assert ("blocks[0].units[1]: " + ENDED_EN + " the year 2026.") in r.output

    scores = tmp_path / "scores.csv"
    scores.write_text("scheme,year,unit,component,self_score,appraised_score,note\n"
                      "XA,2025,HC-TT,cong_khai,25,24,\n"
                      "XA,2026,LC-HM,cong_khai,25,24,\n", encoding="utf-8")
    r = runner.invoke(args=["index", "scores", "import", str(scores)])
    assert r.exit_code == 1
    assert (":3: Phường Hòa Minh (LC-HM) was in force until 30/06/2025, then became part of "
            "Phường Liên Chiểu (code LC-NEW); it cannot be used for the year 2026.") in r.output
    assert _count(session, IndexHandScore) == 0
    scores.write_text("scheme,year,unit,component,self_score,appraised_score,note\n"
                      "XA,2025,HC-TT,cong_khai,25,24,\n", encoding="utf-8")
    assert runner.invoke(args=["index", "scores", "import", str(scores)]).exit_code == 0
    assert _count(session, IndexHandScore) == 1

    dossiers = tmp_path / "dossiers.csv"
    dossiers.write_text("unit,from,to,handled,overdue,complaints\n"
                        "HC-TT,2025-07-01,2025-09-30,40,1,0\n", encoding="utf-8")
    r = runner.invoke(args=["dossiers", "import", str(dossiers)])
    assert r.exit_code == 1 and "cannot be used for the period 01/07/2025 – 30/09/2025" \
        in r.output

    login(client, "admin")
    page = "/index/XA/2026/scores?unit=LC-HM"
    r = client.post("/index/XA/2026/scores/LC-HM", data={
        "cong_khai-csrf_token": csrf_token(client, page), "component": "cong_khai",
        "cong_khai-component": "cong_khai", "cong_khai-appraised_score": "20"})
    assert r.status_code == 422
    assert ("Phường Hòa Minh (LC-HM) chỉ hoạt động đến hết ngày 30/06/2025" in
            r.get_data(as_text=True))
    r = client.post("/index/XA/2026/scores/LC-HM/bonus", data={
        "csrf_token": csrf_token(client, page), "points": "2", "note": "Sáng kiến"})
    assert r.status_code == 422 and "không dùng được cho năm 2026" in r.get_data(as_text=True)
    assert _count(session, IndexHandScore) == 1
