"""The index end to end: docs/examples loaded through the CLI, votes through the vote service,
then ``index score`` compared with the hand-computed ranking of docs/index-formulas.md §8.

The demo database (units, users, ~1,900 votes, both schemes and their scores) is built once per
module and copied for each test, because storing the votes one by one takes a few seconds.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from survey_app import create_app
from survey_app.db import get_db
from survey_app.models import AuditEvent, IndexBonus, IndexHandScore, IndexScheme
from tests import pdfcheck
from tests.factories import login
from tests.index_world import EXAMPLES, PASSWORD, build_index_world, cast_demo_votes
from tests.settings import PG_URL, SECRET

#: docs/index-formulas.md §8, "Expected result" — rank, unit, total, band, sufficient, previous,
#: delta, and the points of the satisfaction component.
EXPECTED = [
    (1, "HC", 96.00, "Xuất sắc", True, 91.50, 4.50, 20.00),
    (2, "LC", 86.26, "Tốt", True, 84.00, 2.26, 19.26),
    (2, "TK", 86.26, "Tốt", True, 87.10, -0.84, 18.26),
    (4, "NHS", 81.75, "Tốt", False, 79.30, 2.45, 19.75),
    (5, "ST", 80.43, "Tốt", True, 81.00, -0.57, 15.43),
    # no survey: its satisfaction part is missing, so 63 of 100 is provisional, not banded
    (None, "HV", 63.00, None, False, 74.10, -11.10, None),
    (None, "CL", None, None, False, 70.00, None, None),
]


def _app(url: str):  # type: ignore[no-untyped-def]
    return create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET, "MIN_N": 30})


def _invoke(app, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture(scope="module")
def demo_template(databases):  # type: ignore[no-untyped-def]
    """A database with the demo units, users, votes, both schemes and their scores."""
    url = databases.fresh()
    app = _app(url)
    with app.app_context():
        session = get_db(app).session()
        world = build_index_world(session)
        cast_demo_votes(session, world)
        session.close()
    for args in (["index", "load", str(EXAMPLES / "scheme-demo.yaml")],
                 ["index", "load", str(EXAMPLES / "scheme-demo-2023.yaml")],
                 ["index", "scores", "import", str(EXAMPLES / "scores-demo.csv")],
                 ["index", "scores", "import", str(EXAMPLES / "scores-demo-2023.csv")]):
        result = _invoke(app, *args)
        assert result.exit_code == 0, result.output
    get_db(app).dispose()
    yield url, world
    databases.drop(url)


@pytest.fixture
def database_url(databases, demo_template, tmp_path):  # type: ignore[no-untyped-def]
    """Each test gets its own copy of the demo database (overrides conftest's fresh one)."""
    template, _ = demo_template
    if PG_URL:
        name = f"{databases.prefix}_demo_{tmp_path.name}"[:63]
        databases._create(name, make_url(template).database)
        url = databases.url_for(name)
    else:
        path = tmp_path / "demo.sqlite3"
        shutil.copyfile(make_url(template).database, path)
        url = f"sqlite:///{path}"
    yield url
    databases.drop(url)


@pytest.fixture
def world(demo_template):  # type: ignore[no-untyped-def]
    return demo_template[1]


def _score_json(runner, code: str = "DEMO-QH", year: str = "2024") -> dict:
    result = runner.invoke(args=["index", "score", code, "--year", year])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _rows(document: dict) -> list[tuple]:
    (block,) = document["blocks"]
    assert block["name"] == "Quận, huyện"
    return [(u["rank"], u["unit"], u["total"], u["band"], u["sufficient"], u["previous_total"],
             u["delta"], u["components"]["hai_long"]) for u in block["units"]]


def test_demo_files_reproduce_the_documented_ranking(runner):
    document = _score_json(runner)
    assert (document["scheme"], document["year"], document["previous_year"]) == ("DEMO-QH",
                                                                                  2024, 2023)
    assert _rows(document) == EXPECTED
    units = {u["unit"]: u for u in document["blocks"][0]["units"]}
    hc = units["HC"]
    # Hải Châu's votes are summed over its subtree (200 at the district, 280 at its ward).
    assert (hc["n"], hc["satisfaction_rate"], hc["bonus"]) == (480, 93.8, 2.0)
    assert hc["components"] == {"chi_dao": 14.0, "tthc": 23.5, "cong_khai": 9.5,
                                "mot_cua": 14.0, "to_chuc": 18.0, "cong_vu": 18.5,
                                "hai_long": 20.0}
    # Votes of 31/12/2023 and 01/01/2025 lie outside the period.
    assert (units["LC"]["n"], units["ST"]["n"]) == (300, 360)
    assert units["TK"]["satisfaction_rate"] == 82.2 and units["ST"]["satisfaction_rate"] == 69.4
    # Sơn Trà's 4 + 3 bonus points are capped at 5; Liên Chiểu has a 2-point deduction.
    assert (units["ST"]["bonus"], units["LC"]["bonus"]) == (5.0, -2.0)
    # Insufficient n is ranked but flagged, and the computed component says why.
    assert units["NHS"]["n"] == 18
    assert units["NHS"]["reasons"] == {"hai_long": "Chưa đủ số phiếu (n = 18 < 30)"}
    # Hòa Vang: no survey, so not rescaled (63 of 100, provisional); listed, not ranked.
    assert units["HV"]["ranked"] is False and units["HV"]["n"] == 0
    assert units["HV"]["reasons"] == {"hai_long": "Chưa có phiếu đánh giá (n = 0)"}
    assert (units["HV"]["complete"], units["HV"]["missing"]) == (False, ["hai_long"])
    assert all(units[c]["complete"] and units[c]["missing"] == [] for c in
               ("HC", "LC", "TK", "NHS", "ST"))
    assert units["CL"]["total"] is None and units["CL"]["components"]["chi_dao"] is None


def test_exports_carry_the_same_numbers(runner, tmp_path: Path):
    document = _score_json(runner)
    by_unit = {u["unit"]: u for u in document["blocks"][0]["units"]}
    out = tmp_path / "xep-hang.xlsx"
    r = runner.invoke(args=["index", "score", "DEMO-QH", "--year", "2024", "--format", "xlsx",
                            "--out", str(out)])
    assert r.exit_code == 0, r.output
    sheet = load_workbook(out).active
    assert sheet.title == "Xếp hạng"
    assert sheet["A1"].value == "CHỈ SỐ CẢI CÁCH HÀNH CHÍNH CẤP HUYỆN NĂM 2024 (VÍ DỤ)"
    header = [c.value for c in sheet[4]]
    assert header[:4] == ["STT", "Mã đơn vị", "Đơn vị",
                          "Công tác chỉ đạo, điều hành cải cách hành chính"]
    assert sheet.cell(5, header.index("Tổng điểm") + 1).value == "(tối đa 100)"
    assert sheet["A6"].value == "I. Khối Quận, huyện"
    col = {name: header.index(name) + 1 for name in
           ("Tổng điểm", "Xếp hạng", "Xếp loại", "Tỷ lệ hài lòng (%)", "Số phiếu (n)",
            "Điểm năm 2023", "Tăng/ giảm", "Điểm thưởng/ trừ", "Mức độ hài lòng của người dân")}
    seen = []
    for row in range(7, 14):
        unit = by_unit[sheet.cell(row, 2).value]
        seen.append(unit["unit"])
        assert sheet.cell(row, 1).value == row - 6  # STT
        assert sheet.cell(row, col["Tổng điểm"]).value == unit["total"]
        assert sheet.cell(row, col["Xếp loại"]).value == unit["band"]
        assert sheet.cell(row, col["Tỷ lệ hài lòng (%)"]).value == unit["satisfaction_rate"]
        assert sheet.cell(row, col["Số phiếu (n)"]).value == unit["n"]
        assert sheet.cell(row, col["Điểm năm 2023"]).value == unit["previous_total"]
        assert sheet.cell(row, col["Tăng/ giảm"]).value == unit["delta"]
        assert sheet.cell(row, col["Điểm thưởng/ trừ"]).value == unit["bonus"]
        assert sheet.cell(row, col["Mức độ hài lòng của người dân"]).value == \
            unit["components"]["hai_long"]
        expected_rank = unit["rank"] if unit["rank"] is not None else (
            "Chưa có điểm" if unit["total"] is None else
            "Chưa xếp hạng" if not unit["complete"] else "Không xếp hạng")
        assert sheet.cell(row, col["Xếp hạng"]).value == expected_rank
    assert seen == ["HC", "LC", "TK", "NHS", "ST", "HV", "CL"]
    assert sheet.cell(7, col["Tổng điểm"]).number_format == "0.00"

    r = runner.invoke(args=["index", "score", "DEMO-QH", "--year", "2024", "--format", "csv"])
    assert r.exit_code == 0
    assert r.stdout.startswith("\ufeffblock,rank,unit,name,total,band,chi_dao,tthc,")
    lines = list(csv.DictReader(io.StringIO(r.stdout.lstrip("\ufeff"))))
    assert [(x["rank"], x["unit"], x["total"], x["delta"]) for x in lines[:3]] == [
        ("1", "HC", "96.00", "4.50"), ("2", "LC", "86.26", "2.26"), ("2", "TK", "86.26", "-0.84")]
    assert lines[3]["sufficient"] == "false" and "n = 18 < 30" in lines[3]["note"]

    pdf = tmp_path / "xep-hang.pdf"
    assert runner.invoke(args=["index", "score", "DEMO-QH", "--year", "2024", "--format", "pdf",
                               "--out", str(pdf)]).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdfcheck.overlaps(pdf.read_bytes()) == []
    pdfcheck.save_pngs(pdf.read_bytes(), "db-ranking")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "Ngũ Hành Sơn" in text and "96,00" in text and "Chưa xếp hạng" in text
    png = tmp_path / "bieu-do.png"
    assert runner.invoke(args=["index", "score", "DEMO-QH", "--year", "2024", "--format", "png",
                               "--out", str(png)]).exit_code == 0
    assert png.read_bytes().startswith(b"\x89PNG")
    # a binary format without --out is refused
    r = runner.invoke(args=["index", "score", "DEMO-QH", "--year", "2024", "--format", "xlsx"])
    assert r.exit_code == 1 and "needs --out" in r.output
    r = runner.invoke(args=["index", "score", "DEMO-QH", "--year", "2031"])
    assert r.exit_code == 1 and "no scheme DEMO-QH 2031" in r.output


def test_scores_import_with_one_bad_row_stores_nothing(runner, session, tmp_path: Path):
    session.rollback()
    before = session.scalars(select(IndexHandScore.appraised_score).join(IndexScheme).where(
        IndexScheme.year == 2024).order_by(IndexHandScore.id)).all()
    bonus_before = session.scalar(select(func.count()).select_from(IndexBonus))
    f = tmp_path / "scores.csv"
    f.write_text(
        "scheme,year,unit,component,self_score,appraised_score,note\n"
        "DEMO-QH,2024,HC,chi_dao,15,15,Kế hoạch CCHC 2024\n"          # fine on its own
        "DEMO-QH,2024,LC,chi_dao,15,16,\n"                             # 16 > max 15
        "DEMO-QH,2024,TK,to_chuc,-1,10,\n"                             # below 0
        "DEMO-QH,2024,XX,to_chuc,,10,\n"                               # not in a block
        "DEMO-QH,2024,ST,hai_long,,10,\n"                              # computed component
        "DEMO-QH,2024,ST,tthc,,10,\n"                                  # a parent
        "DEMO-QH,2024,NHS,cong_vu,,9.125,\n"                           # three decimals
        "DEMO-QH,2024,HV,bonus,,3,\n"                                  # bonus without reason
        "DEMO-QH,2025,HC,chi_dao,,1,\n"                                # scheme not loaded
        "DEMO-QH,2024,HC,chi_dao,,14,\n",                              # repeats row 2
        encoding="utf-8")
    r = runner.invoke(args=["index", "scores", "import", str(f)])
    assert r.exit_code == 1
    out = r.output
    for line, text in [(3, "appraised_score 16 is above the max of chi_dao (15)"),
                       (4, "self_score -1 is below 0"),
                       (5, "unit 'XX' is in no block of DEMO-QH 2024"),
                       (6, "'hai_long' is computed (formula threshold)"),
                       (7, "'tthc' has children"),
                       (8, "9.125 has more than two decimals"),
                       (9, "a bonus or deduction needs its reason"),
                       (10, "scheme 'DEMO-QH' year '2025' is not loaded"),
                       (11, "HC/chi_dao repeats row 2")]:
        assert f"scores.csv:{line}: " in out and text in out, (line, text, out)
    assert "nothing imported (9 problem(s))" in out
    session.rollback()
    after = session.scalars(select(IndexHandScore.appraised_score).join(IndexScheme).where(
        IndexScheme.year == 2024).order_by(IndexHandScore.id)).all()
    assert after == before
    assert session.scalar(select(func.count()).select_from(IndexBonus)) == bonus_before
    header = tmp_path / "old.csv"
    header.write_text("unit,name,component,self,appraised,note\n", encoding="utf-8")
    r = runner.invoke(args=["index", "scores", "import", str(header)])
    assert r.exit_code == 1 and "old.csv:1: the header must be scheme,year,unit," in r.output


def test_scores_import_from_xlsx_changes_a_total_and_is_audited(runner, session,
                                                               tmp_path: Path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["scheme", "year", "unit", "component", "self_score", "appraised_score", "note"])
    ws.append(["DEMO-QH", 2024, "ST", "chi_dao", 13, 14.5, "Bổ sung hồ sơ kiểm chứng"])
    ws.append(["DEMO-QH", 2024, "ST", "bonus", None, 1, "Sáng kiến mới"])
    f = tmp_path / "st.xlsx"
    wb.save(f)
    r = runner.invoke(args=["index", "scores", "import", str(f)])
    assert r.exit_code == 0, r.output
    assert "Imported 1 score(s) and 1 bonus/deduction entr(ies); 2 change(s)." in r.output
    units = {u["unit"]: u for u in _score_json(runner)["blocks"][0]["units"]}
    # ST: 60 + 2.5 = 62.5 + 15.432… + its bonus entries replaced by a single +1 → 78.93
    assert (units["ST"]["total"], units["ST"]["band"], units["ST"]["rank"]) == (78.93, "Khá", 5)
    assert units["ST"]["components"]["chi_dao"] == 14.5 and units["ST"]["bonus"] == 1.0
    session.rollback()
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "index.scores_import")).all()[-1]
    assert event.actor == "cli"
    assert {"unit": "ST", "component": "chi_dao", "old": ["13", "12", None],
            "new": ["13", "14.5", "Bổ sung hồ sơ kiểm chứng"]} in event.details["changes"]
    # importing the same file again changes nothing and writes no new audit event
    r = runner.invoke(args=["index", "scores", "import", str(f)])
    assert r.exit_code == 0 and "0 change(s)" in r.output


def test_load_refuses_a_scheme_with_errors_and_stores_nothing(runner, session,
                                                              tmp_path: Path):
    f = tmp_path / "bad.yaml"
    f.write_text(
        "code: DN-PAR\nyear: 2012\nname: Chỉ số CCHC năm 2012\n"
        "period: {from: 2012-01-01, to: 2012-12-31}\n"
        "bands:\n  - {label: Tốt, min: 80}\n  - {label: Khá, min: 85}\n"
        "blocks:\n  - name: Quận, huyện\n    units: [HC, QQ]\n"
        "components:\n"
        "  - {code: chi_dao, name: Chỉ đạo điều hành, max: 30}\n"
        "  - {code: hai_long, name: Hài lòng, max: 20, formula: threshold, threshold: 120}\n"
        "  - {code: ks, name: Khảo sát, formula: magic, max: 5}\n",
        encoding="utf-8")
    r = runner.invoke(args=["index", "load", str(f)])
    assert r.exit_code == 1
    for key in ("bands[1].min", "bands[1].min: must be below bands[0].min",
                "components[1].threshold: must be a percentage in (0, 100]",
                "components[2].formula: unknown formula 'magic'"):
        assert f"bad.yaml: {key}" in r.output, (key, r.output)
    assert "nothing loaded" in r.output
    session.rollback()
    assert session.scalar(select(func.count()).where(IndexScheme.code == "DN-PAR")) == 0
    # A scheme that parses but names a unit the tree does not have.
    f.write_text(f.read_text(encoding="utf-8").replace("min: 85", "min: 0")
                 .replace("threshold: 120", "threshold: 90").replace("formula: magic, ", ""),
                 encoding="utf-8")
    r = runner.invoke(args=["index", "load", str(f)])
    assert r.exit_code == 1
    assert "bad.yaml: blocks[0].units[1]: no unit with code 'QQ'" in r.output
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("code: [unclosed\n", encoding="utf-8")
    r = runner.invoke(args=["index", "load", str(garbage)])
    assert r.exit_code == 1 and "not readable YAML/JSON" in r.output


def test_load_again_needs_replace_and_replace_checks_stored_scores(runner, session,
                                                                   tmp_path: Path):
    demo = EXAMPLES / "scheme-demo.yaml"
    r = runner.invoke(args=["index", "load", str(demo)])
    assert r.exit_code == 0 and "Already loaded, unchanged: DEMO-QH 2024" in r.output
    changed = tmp_path / "scheme.yaml"
    text = demo.read_text(encoding="utf-8")
    changed.write_text(text.replace("(ví dụ)", "(ví dụ, sửa đổi)"), encoding="utf-8")
    r = runner.invoke(args=["index", "load", str(changed)])
    assert r.exit_code == 1 and "code: DEMO-QH 2024 is already loaded (use --replace" in r.output
    r = runner.invoke(args=["index", "load", str(changed), "--replace"])
    assert r.exit_code == 0 and "Replaced DEMO-QH 2024" in r.output
    assert _score_json(runner)["name"].endswith("(ví dụ, sửa đổi)")
    # chi_dao down to 13 points: stored appraisals of 13.5, 14 … no longer fit.
    lower = tmp_path / "lower.yaml"
    lower.write_text(text.replace("điều hành cải cách hành chính\", max: 15}",
                                  "điều hành cải cách hành chính\", max: 13}")
                     .replace("rescale_to: 100", "rescale_to: 98"), encoding="utf-8")
    r = runner.invoke(args=["index", "load", str(lower), "--replace"])
    assert r.exit_code == 1
    assert "components (chi_dao): unit HC has a stored score 14 above the new max 13" in r.output
    session.rollback()
    names = session.scalars(select(IndexScheme.name).where(IndexScheme.year == 2024)).all()
    assert names == ["Chỉ số cải cách hành chính cấp huyện năm 2024 (ví dụ, sửa đổi)"]
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.target_type == "index_scheme").order_by(AuditEvent.id)).all()
    assert actions.count("index.replace") == 1 and actions.count("index.load") == 2


# ---------------------------------------------------------------------------------------------
# Formulas other than threshold: dossier, linear, option_credit; a total of exactly 80.00

FORMULA_SCHEME = """\
code: KIEM-THU
year: 2025
name: Bộ chỉ số kiểm thử công thức
period: {from: 2025-01-01, to: 2025-12-31}
min_n: 30
blocks:
  - name: Sở, ban, ngành
    units: [HC, LC]
components:
  - {code: chi_dao, name: Chỉ đạo điều hành, max: 69}
  - {code: ho_so, name: Tỷ lệ hồ sơ không có phản hồi tiêu cực, max: 6, formula: dossier,
     threshold: 90}
  - {code: hai_long, name: Mức độ hài lòng, max: 20, formula: linear}
  - code: khao_sat
    name: "Khảo sát cán bộ, công chức"
    children:
      - {code: ks1, name: Câu 1, max: 2, formula: option_credit}
      - {code: ks2, name: Câu 2, max: 3, formula: option_credit}
"""


def test_dossier_linear_and_option_credit_formulas(runner, session, world, tmp_path: Path):
    from tests.index_world import cast

    scheme = tmp_path / "kiem-thu.yaml"
    scheme.write_text(FORMULA_SCHEME, encoding="utf-8")
    assert runner.invoke(args=["index", "load", str(scheme)]).exit_code == 0
    cast(session, world, "HC", 40, 50, 10, day="2025-03-03")   # 90 %
    cast(session, world, "LC", 20, 5, 5, day="2025-02-10")     # 25 / 30
    files = {
        "scores.csv": "scheme,year,unit,component,self_score,appraised_score,note\n"
                      "KIEM-THU,2025,HC,chi_dao,60,\"52,6\",Biên bản thẩm định số 3\n"
                      "KIEM-THU,2025,LC,chi_dao,65,60,\n",
        "dossiers.csv": "unit,from,to,handled,overdue,complaints,not_satisfied\n"
                        "HC,2025-01-01,2025-12-31,200,11,3,6\n"
                        "LC,2025-01-01,2025-03-31,60,3,0,\n"     # not_satisfied from votes: 5
                        "LC,2025-04-01,2025-06-30,40,2,0,0\n"
                        "LC,2024-12-01,2024-12-31,10,10,0,0\n",  # outside the period
        "survey.csv": "scheme,year,unit,component,a,b,c,d\n"
                      "KIEM-THU,2025,HC,ks1,20,10,6,4\n"
                      "KIEM-THU,2025,HC,ks2,12,12,6,0\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert runner.invoke(args=["index", "scores", "import", str(tmp_path / "scores.csv")]
                         ).exit_code == 0
    r = runner.invoke(args=["dossiers", "import", str(tmp_path / "dossiers.csv")])
    assert r.exit_code == 0 and "Imported 4 row(s)" in r.output, r.output
    r = runner.invoke(args=["index", "survey", "import", str(tmp_path / "survey.csv")])
    assert r.exit_code == 0 and "Imported 2 item(s)" in r.output, r.output

    document = _score_json(runner, "KIEM-THU", "2025")
    assert document["previous_year"] is None
    hc, lc = document["blocks"][0]["units"]
    # HC: 52.6 + dossier (200 − 6 − 3 − 11) / 200 = 90 % → 6 + linear 20 × 0.9 = 18
    #     + ks1 2 × (20 + 6 + 1.2) / 40 = 1.36 + ks2 3 × (12 + 7.2 + 1.2) / 30 = 2.04 = 80.00
    assert (hc["unit"], hc["total"], hc["band"], hc["rank"]) == ("HC", 80.0, "Tốt", 1)
    assert hc["components"] == {"chi_dao": 52.6, "ho_so": 6.0, "hai_long": 18.0,
                                "khao_sat": 3.4, "ks1": 1.36, "ks2": 2.04}
    assert (hc["n"], hc["satisfaction_rate"], hc["sufficient"]) == (200, 90.0, True)
    # LC: 60 + dossier (100 − 5 votes not satisfied − 0 − 5 overdue) / 100 = 90 % → 6
    #     + 20 × 25/30 = 16.666… ; no survey answers: missing, so 82.67 is provisional and LC,
    #     ahead on points, is listed after HC without a rank or a band
    assert (lc["unit"], lc["total"], lc["band"], lc["rank"]) == ("LC", 82.67, None, None)
    assert (lc["complete"], lc["missing"]) == (False, ["ks1", "ks2"])
    assert lc["components"]["ho_so"] == 6.0 and lc["components"]["hai_long"] == 16.67
    assert lc["components"]["khao_sat"] is None and lc["sufficient"] is False
    assert lc["reasons"] == {"ks1": "Chưa có số liệu", "ks2": "Chưa có số liệu"}
    # "n" is the satisfaction component's: the first rate formula (dossier: dossiers handled)
    assert lc["n"] == 100 and lc["satisfaction_rate"] == 90.0


def test_dossier_and_survey_imports_are_all_or_nothing(runner, session, tmp_path: Path):
    from survey_app.models import DossierCount, IndexSurveyAnswers

    f = tmp_path / "dossiers.csv"
    f.write_text("unit,from,to,handled,overdue,complaints\n"
                 "HC,2024-01-01,2024-06-30,100,1,1\n"
                 "HC,2024-06-01,2024-12-31,100,1,1\n"     # overlaps row 2
                 "LC,2024-01-01,2024-12-31,10,8,5\n"      # 13 negatives > 10 handled
                 "TK,2024-13-01,2024-12-31,10,0,0\n"      # bad date
                 "XX,2024-01-01,2024-12-31,10,0,0\n"      # unknown unit
                 "ST,2024-01-01,2024-12-31,-4,0,0\n",     # negative
                 encoding="utf-8")
    r = runner.invoke(args=["dossiers", "import", str(f)])
    assert r.exit_code == 1
    for line, text in [(3, "HC 2024-06-01…2024-12-31 overlaps row 2"),
                       (4, "overdue + complaints + not_satisfied exceed handled"),
                       (5, "from must be a date as YYYY-MM-DD"), (6, "no unit with code 'XX'"),
                       (7, "handled must be a whole number from 0")]:
        assert f"dossiers.csv:{line}: {text}" in r.output, (line, r.output)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(DossierCount)) == 0

    s = tmp_path / "survey.csv"
    s.write_text("scheme,year,unit,component,a,b,c,d\n"
                 "DEMO-QH,2024,HC,chi_dao,1,2,3,4\n", encoding="utf-8")
    r = runner.invoke(args=["index", "survey", "import", str(s)])
    assert r.exit_code == 1
    assert "survey.csv:2: component 'chi_dao' is not an option_credit item" in r.output
    assert session.scalar(select(func.count()).select_from(IndexSurveyAnswers)) == 0


# ---------------------------------------------------------------------------------------------
# API


def test_api_ranking_equals_the_cli_and_officers_see_their_subtree(client, runner, world):
    path = "/api/v1/index/DEMO-QH/2024"
    admin = client.get(path, headers=world.auth(world.admin_token))
    assert admin.status_code == 200
    assert admin.json == _score_json(runner)
    officer = client.get(path, headers=world.auth(world.officer_token)).json
    (block,) = officer["blocks"]
    assert [(u["unit"], u["rank"], u["total"]) for u in block["units"]] == [("HC", 1, 96.0)]
    outsider = client.get(path, headers=world.auth(world.outsider_token))
    assert outsider.status_code == 403 and outsider.json["error"] == "forbidden_unit"
    clerk = client.get(path, headers=world.auth(world.clerk_token))
    assert clerk.status_code == 403 and clerk.json["error"] == "forbidden"
    anonymous = client.get(path)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"]
    for year in ("2031", "99999999999999999999"):
        assert client.get(f"/api/v1/index/DEMO-QH/{year}",
                          headers=world.auth(world.admin_token)).status_code == 404
    bad = client.get(path + "?unit=HC", headers=world.auth(world.admin_token))
    assert bad.status_code == 422 and "unit" in bad.json["errors"]


def test_api_satisfaction_component_on_its_own(client, world):
    r = client.get("/api/v1/index/DEMO-QH/2024/satisfaction",
                   headers=world.auth(world.admin_token))
    assert r.status_code == 200
    body = r.json
    assert (body["scheme"], body["year"], body["from"], body["to"], body["min_n"]) == (
        "DEMO-QH", 2024, "2024-01-01", "2024-12-31", 30)
    units = {u["unit"]: u for u in body["blocks"][0]["units"]}
    assert list(units) == ["LC", "HC", "TK", "ST", "NHS", "CL", "HV"]  # the scheme's order
    hc = units["HC"]
    assert hc["counts"] == {"very_satisfied": 300, "satisfied": 150, "not_satisfied": 30}
    assert (hc["n"], hc["satisfaction_rate"], hc["sufficient"], hc["source"]) == (
        480, 93.8, True, "live")
    assert hc["components"] == [{"code": "hai_long", "name": "Mức độ hài lòng của người dân",
                                 "formula": "threshold", "max": 20.0, "points": 20.0,
                                 "rate": 93.8, "n": 480, "sufficient": True, "reason": None}]
    # the interval is the one the figures API publishes for the subtree and the period
    figures = client.get("/api/v1/figures?unit=HC&from=2024-01-01&to=2024-12-31&subtree=1",
                         headers=world.auth(world.admin_token)).json
    assert hc["interval95"] == figures["interval95"] and hc["n"] == figures["n"]
    nhs = units["NHS"]
    assert (nhs["n"], nhs["sufficient"]) == (18, False)
    assert nhs["components"][0]["points"] == 19.75
    assert nhs["components"][0]["reason"] == "Chưa đủ số phiếu (n = 18 < 30)"
    assert units["HV"]["counts"] == {"very_satisfied": 0, "satisfied": 0, "not_satisfied": 0}
    officer = client.get("/api/v1/index/DEMO-QH/2024/satisfaction",
                         headers=world.auth(world.officer_token)).json
    assert [u["unit"] for b in officer["blocks"] for u in b["units"]] == ["HC"]


# ---------------------------------------------------------------------------------------------
# Admin pages


def _csrf(html: str) -> str:
    import re

    return re.search(r'csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_ranking_page_and_exports_are_for_index_admins(app, client, world):
    assert client.get("/index/DEMO-QH/2024").status_code == 302  # to the sign-in page
    officer = app.test_client()
    login(officer, "canbo.hc", PASSWORD)
    assert officer.get("/index/DEMO-QH/2024").status_code == 403
    assert officer.get("/index/DEMO-QH/2024.xlsx").status_code == 403
    assert officer.get("/index/DEMO-QH/2024/scores?unit=HC").status_code == 403
    login(client, "quantri", PASSWORD)
    assert "DEMO-QH" in client.get("/index/").get_data(as_text=True)
    page = client.get("/index/DEMO-QH/2024")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Khối Quận, huyện" in html and "Chỉ số cải cách hành chính cấp huyện năm 2024" in html
    order = [html.index(f">{name}</a>") for name in
             ("Hải Châu", "Liên Chiểu", "Thanh Khê", "Ngũ Hành Sơn", "Sơn Trà", "Hòa Vang",
              "Cẩm Lệ")]
    assert order == sorted(order)  # rank order without JavaScript
    assert 'data-sort="96.00">96.00' in html and "Xuất sắc" in html
    assert "Chưa đủ số phiếu (n = 18 &lt; 30)" in html and "chưa xếp hạng" in html
    assert '<span class="up">+4.50</span>' in html and '<span class="down">-0.84</span>' in html
    assert client.get("/index/DEMO-QH/2031").status_code == 404
    xlsx = client.get("/index/DEMO-QH/2024.xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="xep-hang-DEMO-QH-2024.xlsx"' in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet["B7"].value == "HC" and sheet["C7"].value == "Hải Châu"
    assert client.get("/index/DEMO-QH/2024.pdf").data.startswith(b"%PDF")
    assert client.get("/index/DEMO-QH/2024.csv").data.startswith("\ufeffblock".encode())
    chart = client.get("/index/DEMO-QH/2024/chart.png")
    assert chart.status_code == 200 and chart.data.startswith(b"\x89PNG")


def _st(client, runner) -> dict:
    return next(u for u in _score_json(runner)["blocks"][0]["units"] if u["unit"] == "ST")


def test_hand_score_form_saves_audits_and_refuses_bad_values(client, runner, session, world):
    login(client, "quantri", PASSWORD)
    page = client.get("/index/DEMO-QH/2024/scores?unit=ST")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Chấm điểm: Sơn Trà" in html and 'name="chi_dao-appraised_score"' in html
    assert 'value="12"' in html  # the stored appraisal of chi_dao
    token = _csrf(html)
    form = {"component": "chi_dao", "chi_dao-csrf_token": token, "chi_dao-component": "chi_dao",
            "chi_dao-self_score": "13", "chi_dao-appraised_score": "14,5",
            "chi_dao-note": "Biên bản thẩm định ngày 12/01/2025"}
    url = "/index/DEMO-QH/2024/scores/ST"
    r = client.post(url, data=form)
    assert r.status_code == 302 and r.headers["Location"].endswith("unit=ST#c-chi_dao")
    # 60 + 2.5 = 62.5 points by hand + 15.432… + bonus 5 → 82.93
    assert (_st(client, runner)["total"], _st(client, runner)["components"]["chi_dao"]) == (
        82.93, 14.5)
    session.rollback()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "index.score_set")
                            ).one()
    assert event.actor == "quantri"
    assert event.details["old"] == ["13", "12", None]
    assert event.details["new"] == ["13", "14.5", "Biên bản thẩm định ngày 12/01/2025"]

    too_high = client.post(url, data={**form, "chi_dao-appraised_score": "16"})
    assert too_high.status_code == 422
    assert "Vượt điểm tối đa của tiêu chí (15)." in too_high.get_data(as_text=True)
    negative = client.post(url, data={**form, "chi_dao-self_score": "-1"})
    assert negative.status_code == 422
    assert "Điểm không được nhỏ hơn 0." in negative.get_data(as_text=True)
    words = client.post(url, data={**form, "chi_dao-appraised_score": "mười"})
    assert words.status_code == 422 and "Nhập một số" in words.get_data(as_text=True)
    no_csrf = client.post(url, data={k: v for k, v in form.items() if "csrf" not in k})
    assert no_csrf.status_code == 400
    computed = client.post(url, data={"component": "hai_long", "hai_long-csrf_token": token,
                                      "hai_long-component": "hai_long",
                                      "hai_long-appraised_score": "20"})
    assert computed.status_code == 400
    assert _st(client, runner)["components"]["chi_dao"] == 14.5  # nothing changed

    # a deduction: +4 +3 (capped at 5) − 1.5 = 3.5 → 62.5 + 15.432… + 3.5 = 81.43
    r = client.post(url + "/bonus", data={"csrf_token": token, "points": "-1,5",
                                          "note": "Chậm gửi báo cáo quý IV"})
    assert r.status_code == 302
    assert (_st(client, runner)["bonus"], _st(client, runner)["total"]) == (3.5, 81.43)
    empty_reason = client.post(url + "/bonus", data={"csrf_token": token, "points": "2"})
    assert empty_reason.status_code == 400
    assert "Nhập lý do thưởng hoặc trừ điểm." in empty_reason.get_data(as_text=True)
    session.rollback()
    entry = session.scalars(select(IndexBonus).where(IndexBonus.points < 0)
                            .order_by(IndexBonus.id)).all()[-1]
    r = client.post(f"/index/DEMO-QH/2024/bonus/{entry.id}/delete", data={"csrf_token": token})
    assert r.status_code == 302
    assert _st(client, runner)["total"] == 82.93
    session.rollback()
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.actor == "quantri").order_by(AuditEvent.id)).all()
    assert actions == ["index.score_set", "index.bonus_add", "index.bonus_delete"]


# --- concurrent identical requests (issue 13): one effect each ------------------------------

@pytest.fixture
def admin_browser(app):  # type: ignore[no-untyped-def]
    from tests.concurrency import Browser
    from tests.live import LiveServer

    with LiveServer(app) as live:
        browser = Browser(live.url).login("quantri", PASSWORD)
        yield browser
        browser.close()


@pytest.mark.parametrize("once", [True, False], ids=["as-rendered", "without-once"])
@pytest.mark.parametrize("unit", ["ST", "CL"], ids=["change", "first-entry"])
def test_a_double_saved_score_is_stored_and_audited_once(admin_browser, session, once, unit):
    from tests.concurrency import assert_no_server_error, audit_count, fresh

    page = f"/index/DEMO-QH/2024/scores?unit={unit}"
    url = f"/index/DEMO-QH/2024/scores/{unit}"
    fields = admin_browser.form(page, url)
    data = {**fields, "component": "chi_dao", "chi_dao-component": "chi_dao",
            "chi_dao-self_score": "13", "chi_dao-appraised_score": "14,5",
            "chi_dao-note": "Biên bản thẩm định"}
    if not once:
        data.pop("once", None)

    responses = admin_browser.post_at_once(8, url, data)

    assert_no_server_error(responses)
    assert audit_count(session, "index.score_set") == 1
    stored = fresh(session).scalars(
        select(IndexHandScore.appraised_score)
        .join(IndexScheme, IndexScheme.id == IndexHandScore.scheme_id)
        .where(IndexScheme.code == "DEMO-QH", IndexScheme.year == 2024,
               IndexHandScore.component == "chi_dao",
               IndexHandScore.unit_id == _unit_id(session, unit))).all()
    assert [float(v) for v in stored] == [14.5]


def _unit_id(session, code: str) -> int:  # type: ignore[no-untyped-def]
    from survey_app.models import Unit

    return session.scalar(select(Unit.id).where(Unit.code == code))


def test_a_double_added_bonus_is_one_entry_and_a_double_delete_one_audit(admin_browser, session):
    from tests.concurrency import assert_no_server_error, audit_count

    page, url = "/index/DEMO-QH/2024/scores?unit=TK", "/index/DEMO-QH/2024/scores/TK/bonus"
    fields = admin_browser.form(page, url)
    before = audit_count(session, "index.bonus_add")
    responses = admin_browser.post_at_once(8, url, {**fields, "points": "1,5",
                                                    "note": "Sáng kiến số hóa"})
    assert_no_server_error(responses)
    assert audit_count(session, "index.bonus_add") == before + 1
    entries = session.scalars(select(IndexBonus).where(
        IndexBonus.unit_id == _unit_id(session, "TK"))).all()
    assert [float(e.points) for e in entries] == [1.5]

    delete = f"/index/DEMO-QH/2024/bonus/{entries[0].id}/delete"
    fields = admin_browser.form(page, delete)
    fields.pop("once")  # the service's own guard, not the form's value, must hold here
    responses = admin_browser.post_at_once(8, delete, fields)
    assert_no_server_error(responses)
    assert audit_count(session, "index.bonus_delete") == 1


# --- issue 15: not applicable vs missing --------------------------------------------------

#: HC's appraisal of chi_dao withdrawn (self-assessment only: missing); TK's cong_khai declared
#: not applicable, in lower case, with its evidence.
RULE_SCORES = ("scheme,year,unit,component,self_score,appraised_score,note\n"
               "DEMO-QH,2024,HC,chi_dao,15,,Chờ hội đồng thẩm định\n"
               "DEMO-QH,2024,TK,cong_khai,9,na,Quận không có thủ tục thuộc lĩnh vực này "
               "(Công văn 12/SNV)\n")
CHI_DAO = "Công tác chỉ đạo, điều hành cải cách hành chính"


def _import(runner, tmp_path: Path, text: str, name: str = "rule.csv"):  # type: ignore[no-untyped-def]
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return runner.invoke(args=["index", "scores", "import", str(f)])


def test_missing_appraisal_unranks_the_unit_and_na_rescales(client, runner, world, session,
                                                            tmp_path: Path):
    r = _import(runner, tmp_path, RULE_SCORES)
    assert r.exit_code == 0, r.output
    body = client.get("/api/v1/index/DEMO-QH/2024", headers=world.auth(world.admin_token)).json
    units = body["blocks"][0]["units"]
    assert [(u["unit"], u["rank"], u["total"], u["band"], u["complete"], u["missing"])
            for u in units] == [
        # TK: 68 − 8.5 = 59.5 of the 90 applicable hand points + 18.2608… = 77.7608… of 90
        # → 86.40 (rescaled to 100); now ahead of LC's 86.26
        ("TK", 1, 86.40, "Tốt", True, []),
        ("LC", 2, 86.26, "Tốt", True, []),
        ("NHS", 3, 81.75, "Tốt", True, []),
        ("ST", 4, 80.43, "Tốt", True, []),
        # HC: 74 − 14 + 20 = 80 of 100 (chi_dao counts 0, never rescaled) + bonus 2 = 82.00,
        # provisional: no rank, no band, after every ranked unit, in the scheme's order
        ("HC", None, 82.00, None, False, ["chi_dao"]),
        ("HV", None, 63.00, None, False, ["hai_long"]),
        ("CL", None, None, None, False, ["chi_dao", "cong_khai", "mot_cua", "to_chuc",
                                         "cong_vu", "hai_long"]),
    ]
    tk = units[0]
    assert tk["not_applicable"] == ["cong_khai"] and tk["components"]["cong_khai"] is None
    assert tk["components"]["tthc"] == 13.0 and tk["reasons"] == {"cong_khai": "Không áp dụng"}
    assert all(u["not_applicable"] == [] for u in units[1:])
    session.rollback()
    stored = session.scalars(select(IndexHandScore).join(IndexScheme).where(
        IndexScheme.year == 2024, IndexHandScore.component == "cong_khai",
        IndexHandScore.not_applicable.is_(True))).one()
    assert (stored.unit.code, stored.appraised_score) == ("TK", None)
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "index.scores_import")).all()[-1]
    assert {"unit": "TK", "component": "cong_khai", "old": ["9", "8.5", None],
            "new": ["9", "NA", "Quận không có thủ tục thuộc lĩnh vực này (Công văn 12/SNV)"]
            } in event.details["changes"]
    # the same file again changes nothing
    assert "0 change(s)" in _import(runner, tmp_path, RULE_SCORES).output


def test_the_page_and_every_export_name_the_missing_components(app, client, runner,
                                                               tmp_path: Path):
    assert _import(runner, tmp_path, RULE_SCORES).exit_code == 0
    login(client, "quantri", PASSWORD)
    html = client.get("/index/DEMO-QH/2024").get_data(as_text=True)
    hc = html[html.index(">Hải Châu</a>"):]
    hc = hc[:hc.index("</tr>")]
    assert f"Chưa đủ điểm thẩm định: {CHI_DAO}" in hc and "tạm tính" in hc
    assert "chưa xếp hạng" in html[html.index("<tbody>"):html.index(">Hải Châu</a>")]
    assert "chi_dao" not in hc.split('class="note"', 1)[1]  # names, not codes
    tk = html[html.index(">Thanh Khê</a>"):]
    assert "Không áp dụng: Công khai thủ tục hành chính" in tk[:tk.index("</tr>")]
    assert html.index(">Sơn Trà</a>") < html.index(">Hải Châu</a>")  # ranked units first

    sheet = load_workbook(io.BytesIO(client.get("/index/DEMO-QH/2024.xlsx").data)).active
    header = [c.value for c in sheet[4]]
    rows = {sheet.cell(r, 2).value: r for r in range(7, 14)}
    col = {h: header.index(h) + 1 for h in ("Tổng điểm", "Xếp hạng", "Xếp loại", "Ghi chú")}
    hc_row = rows["HC"]
    assert [sheet.cell(r, 2).value for r in range(7, 14)] == ["TK", "LC", "NHS", "ST", "HC",
                                                             "HV", "CL"]
    total = sheet.cell(hc_row, col["Tổng điểm"])
    assert total.value == 82.0 and "tạm tính" in total.number_format  # a number, labelled
    assert sheet.cell(hc_row, col["Xếp hạng"]).value == "Chưa xếp hạng"
    assert sheet.cell(hc_row, col["Xếp loại"]).value is None
    assert sheet.cell(hc_row, col["Ghi chú"]).value == f"Chưa đủ điểm thẩm định: {CHI_DAO}"
    assert sheet.cell(rows["TK"], col["Ghi chú"]).value == \
        "Không áp dụng: Công khai thủ tục hành chính"

    text = client.get("/index/DEMO-QH/2024.csv").data.decode("utf-8-sig")
    lines = {x["unit"]: x for x in csv.DictReader(io.StringIO(text))}
    assert (lines["HC"]["rank"], lines["HC"]["complete"], lines["HC"]["total"]) == (
        "", "false", "82.00")
    assert lines["HC"]["note"] == f"Chưa đủ điểm thẩm định: {CHI_DAO}"
    assert (lines["TK"]["cong_khai"], lines["TK"]["complete"]) == ("NA", "true")

    pdf = client.get("/index/DEMO-QH/2024.pdf").data
    assert pdfcheck.overlaps(pdf) == []
    pdfcheck.save_pngs(pdf, "db-ranking-incomplete")
    if shutil.which("pdftotext"):
        words = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                               check=True).stdout.decode("utf-8").split()
        flat = " ".join(words)
        assert "Chưa đủ điểm thẩm định: Công tác chỉ đạo, điều hành cải cách hành chính" in flat
        assert "tạm tính" in flat and "Chưa xếp hạng" in flat
        assert "chi_dao" not in flat


def test_na_without_evidence_is_refused_and_nothing_is_stored(runner, session,
                                                               tmp_path: Path):
    session.rollback()
    before = session.scalar(select(func.count()).select_from(IndexHandScore).where(
        IndexHandScore.not_applicable.is_(True)))
    r = _import(runner, tmp_path, "scheme,year,unit,component,self_score,appraised_score,note\n"
                                  "DEMO-QH,2024,TK,cong_khai,,NA,\n"
                                  "DEMO-QH,2024,ST,chi_dao,,NA,Có lý do\n"
                                  "DEMO-QH,2024,ST,bonus,,NA,Thưởng\n", "na.csv")
    assert r.exit_code == 1
    assert ("na.csv:2: note: a component declared not applicable (NA) needs the evidence why "
            "it does not apply to the unit") in r.output
    assert "na.csv:4: appraised_score: NA (not applicable) is for a hand-scored component" \
        in r.output
    assert "nothing imported (2 problem(s))" in r.output
    session.rollback()
    assert session.scalar(select(func.count()).select_from(IndexHandScore).where(
        IndexHandScore.not_applicable.is_(True))) == before == 0


def test_scoring_form_declares_not_applicable_only_with_evidence(client, runner, session,
                                                                 world):
    login(client, "quantri", PASSWORD)
    html = client.get("/index/DEMO-QH/2024/scores?unit=ST").get_data(as_text=True)
    assert 'name="cong_vu-not_applicable"' in html and "Không áp dụng" in html
    url = "/index/DEMO-QH/2024/scores/ST"
    form = {"component": "cong_vu", "cong_vu-csrf_token": _csrf(html),
            "cong_vu-component": "cong_vu", "cong_vu-self_score": "15",
            "cong_vu-appraised_score": "", "cong_vu-not_applicable": "y", "cong_vu-note": "  "}
    no_note = client.post(url, data=form)
    assert no_note.status_code == 422
    assert ("Tiêu chí không áp dụng cho đơn vị phải có tài liệu kiểm chứng: ghi rõ vì sao "
            "tiêu chí không áp dụng.") in no_note.get_data(as_text=True)
    with_points = client.post(url, data={**form, "cong_vu-appraised_score": "14",
                                         "cong_vu-note": "Có lý do"})
    assert with_points.status_code == 422
    assert "Tiêu chí không áp dụng thì không có điểm thẩm định" in \
        with_points.get_data(as_text=True)
    assert _st(client, runner)["not_applicable"] == []  # nothing stored so far
    ok = client.post(url, data={**form, "cong_vu-note": "Quyết định 45/QĐ-UBND"})
    assert ok.status_code == 302
    st = _st(client, runner)
    # 60 − 14 = 46 of the 80 applicable hand points + 15.432… = 61.432… of 80 → 76.79 + 5
    assert (st["not_applicable"], st["complete"], st["total"]) == (["cong_vu"], True, 81.79)
    session.rollback()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "index.score_set")
                            ).one()
    assert event.details["new"] == ["15", "NA", "Quyết định 45/QĐ-UBND"]
    page = client.get("/index/DEMO-QH/2024/scores?unit=ST").get_data(as_text=True)
    import re

    box = re.search(r'<input[^>]*name="cong_vu-not_applicable"[^>]*>', page).group(0)
    assert "checked" in box  # the page shows the declaration
    # unticked again without an appraisal: the component is missing and ST unranked
    client.post(url, data={**form, "cong_vu-not_applicable": "", "cong_vu-note": "Chờ"})
    st = _st(client, runner)
    assert (st["rank"], st["complete"], st["missing"]) == (None, False, ["cong_vu"])
