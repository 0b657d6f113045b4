"""CSV/formula injection: hostile text fed through the real routes (vote API, paper API, the
``units``, ``questionnaires`` and ``index`` imports) reaches every spreadsheet export as text.

Every XLSX is opened with openpyxl: no cell of any sheet is a formula (``data_type 'f'``) and the
hostile strings are there as literal text. In every CSV a cell that begins with = + - @ tab or
CR begins with an apostrophe followed by the payload, unless it is a real (negative) number.
Counts, rates and points stay numbers in both.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from tests.factories import build_world, login, vote

HYPERLINK = '=HYPERLINK("http://example.invalid","x")'
PAYLOADS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", HYPERLINK]
#: What the app stores of a payload in a field it trims (unit names, procedure field and code).
TRIMMED = sorted({p.strip() for p in PAYLOADS})
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
Q3 = "kind=quarter&year=2026&part=3"
HC_NAME = "Quận Hải Châu"


# --- checks ----------------------------------------------------------------------------------

def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_csv(data: bytes, expected: Iterable[str]) -> list[list[str]]:
    """No formula-looking cell but real negative numbers; each payload there after a ``'``."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    cells = [c for row in rows for c in row]
    unsafe = [c for c in cells if c.startswith(DANGEROUS) and (c in PAYLOADS or not _is_number(c))]
    assert unsafe == []
    for payload in expected:
        assert any(c.startswith("'" + payload) for c in cells), payload
    return rows


def check_xlsx(data: bytes, expected: Iterable[str]):  # type: ignore[no-untyped-def]
    """No formula cell in any sheet; each payload is the start of some text cell."""
    wb = load_workbook(io.BytesIO(data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    assert [(c.parent.title, c.coordinate, c.value) for c in cells if c.data_type == "f"] == []
    assert [c.coordinate for c in cells if c.data_type == "e"] == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for payload in expected:
        # XML reads a carriage return back as a line feed; the text is otherwise unchanged
        assert any(t.startswith(payload.replace("\r", "\n")) for t in texts), payload
    return wb


# --- the hostile world -----------------------------------------------------------------------

def _cli(runner, *args: str) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output


def _csv_file(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _post_vote(client, world, **body) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/votes", json=body, headers=world.auth(world.admin_token))
    assert r.status_code == 201, r.get_json()


@pytest.fixture
def hostile(client, runner, session, tmp_path):  # type: ignore[no-untyped-def]
    """Units, counters, votes, a paper batch and an index scheme, all named by the payloads."""
    world = build_world(session)
    # units: a commune under Hải Châu per payload (names are trimmed), and one coded "-1"
    units = [["code", "name", "kind", "parent_code"]]
    units += [[f"INJ{i}", p, "commune", "HC"] for i, p in enumerate(PAYLOADS)]
    units += [["-1", "+1 Phường mã âm", "commune", "HC"]]
    _cli(runner, "units", "import", str(_csv_file(tmp_path / "units.csv", units)))
    # counters: names are stored as given
    for i, payload in enumerate(PAYLOADS):
        _cli(runner, "units", "add-counter", "--unit", "HC", f"--code=C{i}", f"--name={payload}")
    _cli(runner, "units", "add-counter", "--unit", "HC", "--code=-Q", "--name=Quầy âm")

    # votes in Q3 2026: procedure field and code, a comment and the "other" reason
    for i, payload in enumerate(PAYLOADS):
        level = "not_satisfied" if i % 2 else "satisfied"
        body = vote(level, at=f"2026-08-{3 + i:02d}T09:15:00+07:00", unit="HC", counter=f"C{i}",
                    channel="paper", procedure_field=payload, procedure_code=payload,
                    respondent_group="citizen")
        if level == "not_satisfied":
            body["answers"].update(reasons=["other", "fees"], comment=payload)
        _post_vote(client, world, **body)
        _post_vote(client, world, **vote("very_satisfied", at=f"2026-07-{3 + i:02d}T10:00:00+07:00",
                                         unit=f"INJ{i}", channel="paper"))
    _post_vote(client, world, **vote("satisfied", at="2026-09-01T08:00:00+07:00", unit="-1",
                                     channel="paper", procedure_code="-1"))
    _post_vote(client, world, **vote("satisfied", at="2026-09-02T08:00:00+07:00", unit="HC",
                                     counter="-Q", channel="paper"))

    # paper: a questionnaire whose item codes are the payloads, a batch labelled with one
    scales = yaml.safe_load((Path(__file__).parents[2] / "survey_app" / "definitions"
                             / "kiosk-3l.yaml").read_text(encoding="utf-8"))["scales"]
    items = [{"code": "overall", "kind": "three_level", "scale": "three_level", "required": True,
              "overall": True, "label": {"vi": HYPERLINK}}]
    items += [{"code": p, "kind": "short_text", "label": {"vi": p}} for p in PAYLOADS]
    definition = {"code": "INJ-PAPER", "version": 1, "title": {"vi": "=1+1"},
                  "channels": ["paper"], "scales": {"three_level": scales["three_level"]},
                  "sections": [{"code": "main", "items": items}]}
    path = tmp_path / "inj-paper.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    _cli(runner, "questionnaires", "load", str(path))
    batches = {}
    for code in ("INJ-PAPER", "KIOSK-3L"):
        r = client.post("/api/v1/paper-batches", headers=world.auth(world.clerk_token), json={
            "unit": "HC", "from": "2026-07-01", "to": "2026-09-30", "issued": 10, "returned": 5,
            "label": HYPERLINK, "questionnaire": code})
        assert r.status_code == 201, r.get_json()
        batches[code] = r.get_json()["id"]
    sheets = {"INJ-PAPER": {"overall": "not_satisfied", **{p: p for p in PAYLOADS}},
              "KIOSK-3L": {"overall": "not_satisfied", "reasons": ["other"], "comment": HYPERLINK}}
    for code, answers in sheets.items():
        r = client.post(f"/api/v1/paper-batches/{batches[code]}/ballots",
                        headers=world.auth(world.clerk_token),
                        json={"serial": 1, "answers": answers, "answered_on": "2026-08-20"})
        assert r.status_code == 201, r.get_json()

    # the index: scheme names, band labels, block name and component codes are the payloads
    members = ["HC", "-1", *(f"INJ{i}" for i in range(len(PAYLOADS)))]
    scheme = {
        "code": "INJ", "version": 1, "year": 2026, "name": HYPERLINK,
        "period": {"from": "2026-01-01", "to": "2026-12-31"}, "min_n": 1,
        "bands": [{"label": "=1+1", "min": 50}, {"label": "@SUM(A1)", "min": 0}],
        "blocks": [{"name": "+1", "units": members}],
        "components": [{"code": "=1+1", "name": "-1", "max": 50},
                       {"code": "@SUM(A1)", "name": HYPERLINK, "max": 50}],
        "bonus": {"max": 5, "min": -5},
    }
    path = tmp_path / "inj-scheme.yaml"
    path.write_text(yaml.safe_dump(scheme, allow_unicode=True), encoding="utf-8")
    _cli(runner, "index", "load", str(path))
    scores = [["scheme", "year", "unit", "component", "self_score", "appraised_score", "note"]]
    for n, unit in enumerate(members):
        scores += [["INJ", 2026, unit, "=1+1", "", 40 - n, "=1+1"],
                   ["INJ", 2026, unit, "@SUM(A1)", "", 30, "@SUM(A1)"]]
    scores += [["INJ", 2026, "HC", "bonus", "", "-2.5", HYPERLINK]]
    _cli(runner, "index", "scores", "import", str(_csv_file(tmp_path / "scores.csv", scores)))

    login(client, "admin")
    return {"world": world, "batches": batches}


def _get(client, url: str) -> bytes:  # type: ignore[no-untyped-def]
    r = client.get(url)
    assert r.status_code == 200, (url, r.get_data(as_text=True)[:500])
    return r.data


# --- the exports -----------------------------------------------------------------------------

def test_dashboard_xlsx_and_csv(client, hostile):
    counters = [f"{p} — {HC_NAME}" for p in PAYLOADS]  # counter labels: name — unit
    expected = [*counters, *TRIMMED]  # + child unit names and procedure fields (trimmed)
    wb = check_xlsx(_get(client, f"/officer/dashboard/export.xlsx?unit=HC&{Q3}"), expected)
    by_counter = {row[0].value: row[1].value for row in wb["Theo quầy"].iter_rows()
                  if isinstance(row[0].value, str) and row[0].value.endswith(HC_NAME)}
    assert by_counter[counters[0]] == 1 and isinstance(by_counter[counters[0]], int)
    figures = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
               if isinstance(c.value, int | float) and not isinstance(c.value, bool)]
    assert figures and any(isinstance(v, float) for v in figures)  # rates stay numbers
    fields = {row[0].value: row[1].value for row in wb["Theo lĩnh vực"].iter_rows()}
    assert fields["=1+1"] == 1 and fields["=1"] == 2  # "\t=1" and "\r=1" trimmed alike

    rows = check_csv(_get(client, f"/officer/dashboard/export.csv?unit=HC&{Q3}"), expected)
    hostile_rows = [r for r in rows if len(r) > 2 and r[1].startswith("'")]
    assert len(hostile_rows) >= len(PAYLOADS) * 2
    for row in hostile_rows:  # n and the rates right of a hostile label stay plain numbers
        assert int(row[2]) >= 1 and all(_is_number(c) for c in row[3:11] if c)

    # a unit named by a payload: its dashboard's title begins with the name
    wb = check_xlsx(_get(client, f"/officer/dashboard/export.xlsx?unit=INJ0&{Q3}"),
                    ["=1+1 — "])
    check_csv(_get(client, f"/officer/dashboard/export.csv?unit=INJ0&{Q3}"), ["=1+1 — "])


def test_raw_ballots_csv_and_xlsx(client, hostile):
    expected = [*TRIMMED, "-Q"]  # procedure field and code; unit "-1"; counter "-Q"
    rows = check_csv(_get(client, f"/admin/ballots.csv?unit=HC&{Q3}"), expected)
    assert rows[0][0] == "Mã phiếu" and len(rows) - 1 == 2 * len(PAYLOADS) + 2 + 2
    assert all(row[0].isdigit() for row in rows[1:])  # ballot ids stay plain numbers
    assert ["'-1", "'-1"] in [[row[1], row[11]] for row in rows[1:]]
    wb = check_xlsx(_get(client, f"/admin/ballots.xlsx?unit=HC&{Q3}"), expected)
    ws = wb.active
    assert all(isinstance(row[0].value, int) for row in ws.iter_rows(min_row=2))
    assert ws.max_row - 1 == len(rows) - 1


def test_index_ranking_xlsx_and_csv(client, hostile):
    names = [p for p in TRIMMED if p != "-1"] + ["+1 Phường mã âm"]
    expected = [*names, "=1+1", "@SUM(A1)", "-1", HYPERLINK]  # bands, column names, title
    wb = check_xlsx(_get(client, "/index/INJ/2026.xlsx"), expected)
    ws = wb.active
    assert ws["A1"].value == HYPERLINK.upper()
    rows = {row[1].value: [c.value for c in row] for row in ws.iter_rows(min_row=7)
            if isinstance(row[0].value, int)}
    hc = rows["HC"]
    # code, name, two fields, bonus, total, rank, band: numbers stay numbers
    assert hc[1:3] == ["HC", HC_NAME] and hc[3:7] == [40.0, 30.0, -2.5, 67.5]
    assert hc[8] == "=1+1" and rows["-1"][2] == "+1 Phường mã âm"

    expected = ["+1", "-1", "=1+1", "@SUM(A1)", *names]  # block, unit code, bands, codes
    rows_csv = check_csv(_get(client, "/index/INJ/2026.csv"), expected)
    header = rows_csv[0]
    assert header[6:8] == ["'=1+1", "'@SUM(A1)"]
    hc = next(r for r in rows_csv[1:] if r[2] == "HC")
    assert hc[0] == "'+1" and hc[5] == "'=1+1"
    assert [float(hc[4]), float(hc[8])] == [67.5, -2.5]  # total and bonus: numbers, no '


def test_paper_template_csv_and_xlsx(client, hostile):
    batch = hostile["batches"]["INJ-PAPER"]
    expected = [f"{p} – {p}" for p in PAYLOADS]  # "code – label" headers
    rows = check_csv(_get(client, f"/paper/{batch}/template.csv"), expected)
    assert rows[0][:3] == ["Số phiếu", "Ngày trả lời", f"overall – {HYPERLINK}"]
    check_xlsx(_get(client, f"/paper/{batch}/template.xlsx"), expected)
    # the counter ballot's template has nothing hostile in it and stays as it was
    plain = check_csv(_get(client, f"/paper/{hostile['batches']['KIOSK-3L']}/template.csv"), [])
    assert plain[0][0] == "Số phiếu" and not any(c.startswith("'") for c in plain[0])
