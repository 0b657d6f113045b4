"""The index's previous-year total of a commune made in the reorganisation: computed from last
year's scores of the wards it was made from (docs/index-formulas.md §6).

Phường Thạch Thang (HC-TT) and Phường Hòa Minh (LC-HM) were scored in the 2025 scheme and
became part of Phường Liên Chiểu (LC-NEW) on 01/07/2025; the 2026 scheme lists LC-NEW.
Xã Cũ (XA-CU), scored in 2025 but without a single vote, became Xã Mới (XA-MOI).
"""

from __future__ import annotations

import json
from datetime import date

from survey_app.models import Unit
from tests.db.test_unit_validity import SCHEME
from tests.factories import login, vote

SCORES = """\
scheme,year,unit,component,self_score,appraised_score,note
XA,2025,HC-TT,cong_khai,25,24,
XA,2025,LC-HM,cong_khai,18,17,
XA,2025,XA-CU,cong_khai,20,20,
XA,2025,HC-TT,bonus,,2,Sáng kiến cải cách
XA,2026,LC-NEW,cong_khai,25,25,
XA,2026,XA-MOI,cong_khai,22,22,
"""


def _cast(client, world, unit: str, counts: tuple[int, int, int], at: str) -> None:
    for level, n in zip(("very_satisfied", "satisfied", "not_satisfied"), counts, strict=True):
        for _ in range(n):
            r = client.post("/api/v1/votes", json=vote(level, at=at, unit=unit, channel="paper"),
                            headers=world.auth(world.admin_token))
            assert r.status_code == 201, r.json


def test_previous_total_of_a_merged_commune_equals_the_hand_computation(
        client, runner, session, world, tmp_path):
    dn = world.units["DN"]
    session.add_all([
        Unit(code="LC-NEW", name="Phường Liên Chiểu", kind="commune", parent=dn,
             valid_from=date(2025, 7, 1)),
        Unit(code="XA-CU", name="Xã Cũ", kind="commune", parent=dn),
        Unit(code="XA-MOI", name="Xã Mới", kind="commune", parent=dn,
             valid_from=date(2025, 7, 1)),
    ])
    session.commit()
    for into, sources in (("LC-NEW", "HC-TT,LC-HM"), ("XA-MOI", "XA-CU")):
        r = runner.invoke(args=["units", "merge", "--into", into, "--from", sources,
                                "--on", "2025-07-01"])
        assert r.exit_code == 0, r.output
    _cast(client, world, "HC-TT", (3, 2, 1), "2025-02-10T09:00:00+07:00")
    _cast(client, world, "LC-HM", (1, 4, 2), "2025-03-20T15:00:00+07:00")
    _cast(client, world, "LC-NEW", (2, 0, 0), "2025-09-05T10:00:00+07:00")
    _cast(client, world, "LC-NEW", (4, 1, 0), "2026-02-03T10:00:00+07:00")
    for year, units in ((2025, "HC-TT, LC-HM, XA-CU"), (2026, "LC-NEW, XA-MOI")):
        f = tmp_path / f"xa-{year}.yaml"
        f.write_text(SCHEME.format(year=year, units=units), encoding="utf-8")
        assert runner.invoke(args=["index", "load", str(f)]).exit_code == 0
    scores = tmp_path / "scores.csv"
    scores.write_text(SCORES, encoding="utf-8")
    r = runner.invoke(args=["index", "scores", "import", str(scores)])
    assert r.exit_code == 0, r.output

    r = runner.invoke(args=["index", "score", "XA", "--year", "2026"])
    assert r.exit_code == 0, r.output
    rows = {u["unit"]: u for u in json.loads(r.stdout)["blocks"][0]["units"]}
    new = rows["LC-NEW"]
    # By hand, with the 2025 scheme:
    # - hai_long (linear, 20): LC-NEW's 2025 figures add its wards' counts:
    #   (3+1+2, 2+4+0, 1+2+0) = (6, 6, 3), rate 12/15 = 80 % → 16 points;
    # - cong_khai (hand): 24 and 17 weighted by the wards' 6 and 7 votes → 263/13;
    # - bonus: +2 and nothing, weighted the same → 12/13;
    # - total 16 + 263/13 + 12/13 = 483/13 = 37.153… → 37.15.
    assert new["previous_total"] == 37.15
    assert new["previous_from"] == ["HC-TT", "LC-HM"]
    # 2026: hai_long 5 of 5 satisfied → 20, cong_khai 25 → 45; change 45 − 37.15 = 7.85
    assert (new["total"], new["delta"]) == (45.0, 7.85)
    # a predecessor without votes gives no weight: no previous total, and the reason
    moi = rows["XA-MOI"]
    assert moi["previous_total"] is None and moi["delta"] is None
    assert moi["previous_reason"] == (
        "Năm 2025 chưa có đơn vị này; không tính được tổng điểm năm trước từ XA-CU: tiêu chí "
        "cong_khai không có đơn vị tiền thân nào có phiếu để làm trọng số")

    login(client, "admin")
    page = client.get("/index/XA/2026").get_data(as_text=True)
    assert "Điểm năm 2025 tính từ đơn vị tiền thân: Phường Thạch Thang, Phường Hòa Minh" in page
    assert "37,15" in page or "37.15" in page
