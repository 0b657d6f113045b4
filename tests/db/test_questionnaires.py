"""Questionnaires: loading and versioning, conditions, one validator for every channel,
assignment to units, and item/element/overall figures against hand-computed values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from survey_app.models import Ballot, Questionnaire
from tests.factories import vote

DEFS = Path(__file__).resolve().parents[2] / "survey_app" / "definitions"
SIPAS = DEFS / "sipas-5e.yaml"
ITEMS = "tc1 tc2 tc3 tc4 tt1 tt2 tt3 tt4 cc1 cc2 cc3 cc4 cc5 kq1 kq2 kq3 pa1 pa2 pa3".split()


def _load(runner, path: Path, *extra: str):
    return runner.invoke(args=["questionnaires", "load", str(path), *extra])


def _sipas_answers(default: str = "4", **overrides: str) -> dict[str, str]:
    answers = {code: default for code in ITEMS}
    answers["overall"] = default
    answers.update(overrides)
    return answers


def test_load_list_show_and_reload(runner):
    r = _load(runner, SIPAS)
    assert r.exit_code == 0 and "Loaded SIPAS-5E version 1 (25 items)" in r.output
    again = _load(runner, SIPAS)
    assert again.exit_code == 0 and "unchanged" in again.output
    # the shipped counter ballot is identical to the version the migration created
    assert "unchanged" in _load(runner, DEFS / "kiosk-3l.yaml").output
    listing = runner.invoke(args=["questionnaires", "list"]).output
    assert "SIPAS-5E" in listing and "KIOSK-3L" in listing
    shown = runner.invoke(args=["questionnaires", "show", "SIPAS-5E"]).output
    assert "(element cong_chuc)" in shown
    assert "1=Rất không hài lòng" in shown and "5=Rất hài lòng" in shown


def test_changed_definition_becomes_a_new_version(runner, session, tmp_path):
    assert _load(runner, SIPAS).exit_code == 0
    data = yaml.safe_load(SIPAS.read_text(encoding="utf-8"))
    data["sections"][1]["items"][0]["label"]["vi"] = "Thông tin được cung cấp đầy đủ."
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    refused = _load(runner, changed)
    assert refused.exit_code == 1
    assert "version: SIPAS-5E version 1 already exists with different content" in refused.output
    assert "version 2" in refused.output
    accepted = _load(runner, changed, "--as-new-version")
    assert accepted.exit_code == 0 and "SIPAS-5E version 2" in accepted.output
    session.rollback()
    stored = session.scalars(select(Questionnaire).where(Questionnaire.code == "SIPAS-5E")
                             .order_by(Questionnaire.version)).all()
    assert [q.version for q in stored] == [1, 2]
    assert stored[0].definition["sections"][1]["items"][0]["label"]["vi"].startswith(
        "Thông tin về thủ tục")  # version 1 untouched


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda d: d.pop("code"), "code"),
        (lambda d: d.update(version=0), "version"),
        (lambda d: d.update(colour="blue"), "colour"),
        (lambda d: d.update(channels=["fax"]), "channels"),
        (lambda d: d["sections"][1]["items"][0].update(kind="slider"),
         "sections[1].items[0].kind"),
        (lambda d: d["sections"][1]["items"][0].update(scale="nope"),
         "sections[1].items[0].scale"),
        (lambda d: d["sections"][1]["items"][1].update(code="tc1"), "items.tc1"),
        (lambda d: d["sections"][1].update(element="moral"), "sections[1].element"),
        (lambda d: d["sections"][1]["items"][0].update(when={"item": "overall", "in": ["5"]}),
         "items.tc1.when.item"),
        (lambda d: d["scales"]["five_level"]["options"].pop(),
         "sections[1].items[0].scale"),
        (lambda d: d["scales"]["five_level"].update(satisfied=["9"]),
         "scales.five_level.satisfied"),
    ],
)
def test_broken_definitions_name_the_key(runner, session, tmp_path, mutate, key):
    data = yaml.safe_load(SIPAS.read_text(encoding="utf-8"))
    mutate(data)
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    r = _load(runner, broken)
    assert r.exit_code == 1
    assert f": {key}: " in r.output
    session.rollback()
    assert session.scalar(select(Questionnaire).where(Questionnaire.code == "SIPAS-5E")) is None


def _csrf_and_client_id(client, path):
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client_id = re.search(r'name="client_id" value="([^"]+)"', html).group(1)
    return token, client_id


def _post_form(client, unit: str, answers: dict):
    token, client_id = _csrf_and_client_id(client, f"/w/{unit}")
    data: list[tuple[str, str]] = [("csrf_token", token), ("client_id", client_id)]
    for code, value in answers.items():
        for v in value if isinstance(value, list) else [value]:
            data.append((f"a.{code}", v))
    return client.post(f"/w/{unit}", data=MultiDict(data))


ANSWER_SETS = [
    ({"overall": "satisfied"}, True),
    ({"overall": "not_satisfied", "reasons": ["fees", "waiting_time"], "comment": "Chờ lâu"},
     True),
    ({"overall": "not_satisfied"}, True),
    ({"overall": "satisfied", "reasons": ["fees"]}, False),  # hidden by the condition
    ({"overall": "satisfied", "comment": "Tốt"}, False),
    ({"overall": "meh"}, False),
    ({}, False),
    ({"overall": "not_satisfied", "reasons": ["bribe"]}, False),
    ({"overall": "not_satisfied", "comment": "x" * 1001}, False),
]


@pytest.mark.parametrize(("answers", "ok"), ANSWER_SETS)
def test_api_and_web_form_accept_and_refuse_alike(client, world, session, answers, ok):
    api = client.post("/api/v1/votes",
                      json=vote(answers=answers, unit="HC", channel="web"),
                      headers=world.auth(world.admin_token))
    form = _post_form(client, "HC", answers)
    assert (api.status_code == 201) is ok
    assert form.status_code == 303  # POST-redirect-GET, refused or not
    assert (form.headers["Location"] == "/cam-on") is ok
    if not ok:
        assert api.status_code == 422 and form.headers["Location"] == "/w/HC"
        page = client.get("/w/HC").get_data(as_text=True)  # the GET after the redirect
        for field in api.json["errors"]:
            code = field.removeprefix("answers.")
            assert f'id="e-{code}"' in page  # the same item is marked on the form
    session.rollback()
    stored = session.scalars(select(Ballot.channel)).all()
    assert stored == (["web", "web"] if ok else [])


def test_form_double_submit_stores_one_vote(client, world, session):
    token, client_id = _csrf_and_client_id(client, "/w/HC")
    data = {"csrf_token": token, "client_id": client_id, "a.overall": "very_satisfied"}
    assert client.post("/w/HC", data=data).status_code == 303
    assert client.post("/w/HC", data=data).status_code == 303
    session.rollback()
    assert len(session.scalars(select(Ballot)).all()) == 1


def test_form_without_csrf_is_refused(client, world, session):
    r = client.post("/w/HC", data={"client_id": "7d0bf5b6-8f38-4a47-9f51-4a0f1d6f5a10",
                                   "a.overall": "satisfied"})
    assert r.status_code == 400
    session.rollback()
    assert session.scalars(select(Ballot)).all() == []


def test_honeypot_votes_are_stored_flagged(client, world, session):
    token, client_id = _csrf_and_client_id(client, "/w/HC")
    r = client.post("/w/HC", data={"csrf_token": token, "client_id": client_id,
                                   "a.overall": "satisfied", "website": "http://spam"})
    assert r.status_code == 303
    session.rollback()
    ballot = session.scalars(select(Ballot)).one()
    assert (ballot.status, ballot.flag_reason) == ("flagged", "honeypot")


def test_unknown_unit_gets_a_friendly_vietnamese_page(client):
    r = client.get("/w/NOPE")
    assert r.status_code == 404
    assert "Không tìm thấy đường dẫn đánh giá này." in r.get_data(as_text=True)


def test_assignment_applies_to_the_subtree_from_its_date(runner, client, world):
    assert _load(runner, SIPAS).exit_code == 0
    assert "tiếp nhận hồ sơ" not in client.get("/w/HC-TT").get_data(as_text=True)
    r = runner.invoke(args=["questionnaires", "assign", "--unit", "HC", "--channel", "web",
                            "--code", "SIPAS-5E", "--version", "1", "--from", "2020-01-01"])
    assert r.exit_code == 0, r.output
    child = client.get("/w/HC-TT").get_data(as_text=True)  # inherits from Quận Hải Châu
    assert "Phiếu khảo sát sự hài lòng về dịch vụ hành chính công" in child
    other = client.get("/w/LC").get_data(as_text=True)  # another district keeps the default
    assert "Ông/Bà có hài lòng với việc giải quyết thủ tục hành chính hôm nay không?" in other
    future = runner.invoke(args=["questionnaires", "assign", "--unit", "LC", "--channel",
                                 "web", "--code", "SIPAS-5E", "--version", "1",
                                 "--from", "2999-01-01"])
    assert future.exit_code == 0
    assert "Phiếu khảo sát" not in client.get("/w/LC").get_data(as_text=True)
    kiosk = runner.invoke(args=["questionnaires", "assign", "--unit", "LC", "--channel",
                                "kiosk", "--code", "SIPAS-5E", "--version", "1",
                                "--from", "2020-01-01"])
    assert kiosk.exit_code == 1 and "not meant for kiosk" in kiosk.output


def _items(client, world, **params):
    query = {"unit": "HC", "from": "2026-01-01", "to": "2026-12-31",
             "questionnaire": "SIPAS-5E", **params}
    r = client.get("/api/v1/figures/items", query_string=query,
                   headers=world.auth(world.admin_token))
    assert r.status_code == 200, r.json
    return r.json


def _cast_sipas(client, world, answers, unit="HC", version=None):
    body = vote(answers=answers, unit=unit, channel="paper", questionnaire="SIPAS-5E",
                at="2026-06-15T09:00:00+07:00")
    if version:
        body["version"] = version
    r = client.post("/api/v1/votes", json=body, headers=world.auth(world.admin_token))
    assert r.status_code == 201, r.json
    return r


def test_item_element_and_overall_figures_by_hand(runner, client, world):
    assert _load(runner, SIPAS).exit_code == 0
    # Four ballots. tc1: 5, 4, 3, 1 -> 2 of 4 satisfied = 50.0 %.
    # tc2: 4 on all four -> 100 %; tc3/tc4: 2 on all -> 0 %. Tiếp cận = (50+100+0+0)/4 = 37.5
    # Every other item: 4 on ballots 1-3 and 3 on ballot 4 -> 75 %, so their elements are 75.
    # Overall = (37.5 + 75 * 4) / 5 = 67.5
    tc1 = ["5", "4", "3", "1"]
    for n in range(4):
        answers = _sipas_answers("4" if n < 3 else "3", tc1=tc1[n], tc2="4", tc3="2", tc4="2")
        _cast_sipas(client, world, answers)
    (v1,) = _items(client, world)["versions"]
    items = {i["item"]: i for i in v1["items"]}
    assert items["tc1"]["n"] == 4 and items["tc1"]["share"] == 50.0
    assert items["tc1"]["counts"] == {"1": 1, "2": 0, "3": 1, "4": 1, "5": 1}
    assert items["tc1"]["interval95"] == {"low": 15.0, "high": 85.0}
    assert items["cc3"]["share"] == 75.0
    elements = {e["element"]: e["share"] for e in v1["elements"]}
    assert elements == {"tiep_can": 37.5, "thu_tuc": 75.0, "cong_chuc": 75.0,
                        "ket_qua": 75.0, "phan_anh": 75.0}
    assert v1["overall"] == 67.5
    assert v1["ballots"] == 4
    # the overall five-level item maps onto the three levels for the counter figures
    f = client.get("/api/v1/figures", query_string={"unit": "HC", "from": "2026-01-01",
                                                     "to": "2026-12-31"},
                   headers=world.auth(world.admin_token)).json
    assert f["counts"] == {"very_satisfied": 0, "satisfied": 3, "not_satisfied": 1}


def test_old_answers_keep_their_version_and_equated_items_merge(runner, client, world,
                                                               session, tmp_path):
    assert _load(runner, SIPAS).exit_code == 0
    _cast_sipas(client, world, _sipas_answers("5"))
    data = yaml.safe_load(SIPAS.read_text(encoding="utf-8"))
    data["sections"][1]["items"][0]["label"]["vi"] = "Thông tin về thủ tục dễ tìm."
    changed = tmp_path / "v2.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert _load(runner, changed, "--as-new-version").exit_code == 0
    _cast_sipas(client, world, _sipas_answers("2"))  # no version given: the latest, v2
    session.rollback()
    versions = session.execute(select(Questionnaire.version).join(
        Ballot, Ballot.questionnaire_id == Questionnaire.id).order_by(Ballot.id)).scalars().all()
    assert versions == [1, 2]
    per_version = {v["version"]: v for v in _items(client, world)["versions"]}
    assert per_version[1]["items"][0]["n"] == 1 and per_version[2]["items"][0]["n"] == 1
    r = runner.invoke(args=["questionnaires", "equate", "SIPAS-5E:2:tc1", "SIPAS-5E:1:tc1"])
    assert r.exit_code == 0, r.output
    merged = {v["version"]: v for v in _items(client, world)["versions"]}
    tc1_v1 = next(i for i in merged[1]["items"] if i["item"] == "tc1")
    assert tc1_v1["n"] == 2 and tc1_v1["share"] == 50.0
    assert merged[1]["merged_from"] == [2]
    tc1_v2 = next(i for i in merged[2]["items"] if i["item"] == "tc1")
    assert tc1_v2["n"] == 0
    only_v2 = _items(client, world, version="2")["versions"]
    assert [v["version"] for v in only_v2] == [2]
    bad = runner.invoke(args=["questionnaires", "equate", "SIPAS-5E:9:tc1", "SIPAS-5E:1:tc1"])
    assert bad.exit_code == 1


def test_item_figures_parameters(client, world):
    r = client.get("/api/v1/figures/items", query_string={"unit": "HC", "from": "2026-01-01",
                                                           "to": "2026-12-31"},
                   headers=world.auth(world.admin_token))
    assert r.status_code == 422 and "questionnaire" in r.json["errors"]
    r = client.get("/api/v1/figures/items", query_string={
        "unit": "HC", "from": "2026-01-01", "to": "2026-12-31", "questionnaire": "NOPE"},
        headers=world.auth(world.admin_token))
    assert r.status_code == 404
    r = client.get("/api/v1/figures/items", query_string={
        "unit": "LC", "from": "2026-01-01", "to": "2026-12-31", "questionnaire": "KIOSK-3L"},
        headers=world.auth(world.officer_token))
    assert r.status_code == 403


def test_officer_page_shows_item_and_element_figures(runner, client, world):
    assert _load(runner, SIPAS).exit_code == 0
    for n, tc1 in enumerate(["5", "4", "3", "1"]):  # the data of the figures test above
        _cast_sipas(client, world, _sipas_answers("4" if n < 3 else "3", tc1=tc1, tc2="4",
                                                  tc3="2", tc4="2"))
    assert client.get("/items/").status_code == 302  # sign-in first
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post("/login", data={"username": "officer.hc", "password": "correct horse battery",
                                "csrf_token": token})
    page = client.get("/items/?unit=HC&questionnaire=SIPAS-5E&from=2026-01-01&to=2026-12-31"
                      "&subtree=0").get_data(as_text=True)
    assert "Chỉ số chung (trung bình các yếu tố): 67.5%" in page
    assert re.search(r"Tiếp cận dịch vụ</td><td class=\"num\">37.5%", page)
    assert "15.0–85.0%" in page  # tc1's Wilson interval
    assert client.get("/items/?unit=LC&questionnaire=SIPAS-5E").status_code in (200, 404)
    other = client.get("/items/?unit=LC&questionnaire=SIPAS-5E").get_data(as_text=True)
    assert "Quận Liên Chiểu" not in other  # an officer never sees another district
