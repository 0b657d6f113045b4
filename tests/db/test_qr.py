"""The QR channel: single-use receipt codes, counter posters, the phone ballot and its limits."""

from __future__ import annotations

import io
import re
import subprocess
import threading
from datetime import datetime, timedelta, timezone

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import inspect, select, text

from survey_app.models import Ballot, ReceiptToken
from tests.factories import login, vote

DOSSIER = "000.00.12.H17-261122-0042"


def _issue(client, world, token=None, **body):
    payload = {"unit": "HC", "counter": "Q1", "dossier": DOSSIER, **body}
    return client.post("/api/v1/receipt-tokens", json=payload,
                       headers=world.auth(token or world.clerk_token))


def _form(client, path):
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client_id = re.search(r'name="client_id" value="([^"]+)"', html).group(1)
    return token, client_id


def _vote_on_page(client, path, level="very_satisfied"):
    token, client_id = _form(client, path)
    return client.post(path, data={"csrf_token": token, "client_id": client_id,
                                   "a.overall": level})


def test_issue_receipt_code(client, world, session):
    r = _issue(client, world)
    assert r.status_code == 201
    body = r.json
    assert body["url"] == f"http://localhost/q/{body['token']}"
    assert datetime.fromisoformat(body["expires_at"]) > datetime.now(timezone.utc) + \
        timedelta(days=29)
    again = _issue(client, world)  # printing the receipt again gives the same code
    assert again.status_code == 200 and again.json["token"] == body["token"]
    assert DOSSIER not in body["token"] and "H17" not in body["url"]
    session.rollback()
    row = session.scalars(select(ReceiptToken)).one()
    assert row.dossier_hash != DOSSIER and len(row.dossier_hash) == 64


@pytest.mark.parametrize(
    ("body", "field"),
    [({"dossier": ""}, "dossier"), ({"unit": "ZZ"}, "unit"), ({"counter": "Q9"}, "counter"),
     ({"expires_in_days": 0}, "expires_in_days"), ({"expires_in_days": "7"}, "expires_in_days"),
     ({"name": "Nguyễn Văn A"}, "name")],
)
def test_issue_receipt_validation(client, world, body, field):
    r = _issue(client, world, **body)
    assert r.status_code == 422 and field in r.json["errors"]


def test_issue_receipt_scope(client, world):
    assert _issue(client, world, world.clerk_token, unit="LC", counter=None).status_code == 403
    assert _issue(client, world, world.device_token).status_code == 403
    assert client.post("/api/v1/receipt-tokens", json={"unit": "HC", "dossier": "x"}
                       ).status_code == 401


def test_receipt_code_votes_once(client, world, session):
    url = _issue(client, world).json["url"]
    path = url.removeprefix("http://localhost")
    page = client.get(path)
    assert page.status_code == 200
    assert "Quận Hải Châu" in page.get_data(as_text=True)
    # the citizen opened the code in two tabs; both forms are valid until one is sent
    tab1, tab2 = _form(client, path), _form(client, path)
    first = client.post(path, data={"csrf_token": tab1[0], "client_id": tab1[1],
                                    "a.overall": "very_satisfied"})
    assert first.status_code == 303
    second = client.post(path, data={"csrf_token": tab2[0], "client_id": tab2[1],
                                     "a.overall": "not_satisfied"})
    assert second.status_code == 409
    assert "Hồ sơ này đã được đánh giá" in second.get_data(as_text=True)
    assert client.get(path).status_code == 409
    session.rollback()
    ballot = session.scalars(select(Ballot)).one()
    assert (ballot.channel, ballot.level) == ("qr_receipt", "very_satisfied")
    receipt = session.scalars(select(ReceiptToken)).one()
    assert receipt.used_at is not None and receipt.ballot_id == ballot.id
    assert ballot.dossier_hash == receipt.dossier_hash


def test_tampered_forged_and_expired_codes_are_refused(client, world, session):
    token = _issue(client, world).json["token"]
    nonce, sig = token.split(".")
    tampered = f"{nonce}.{('A' if sig[0] != 'A' else 'B')}{sig[1:]}"
    for bad in (tampered, f"{nonce[::-1]}.{sig}", "abc.def", "not-a-token"):
        r = client.get(f"/q/{bad}")
        assert r.status_code == 404, bad
        assert "Mã đánh giá không hợp lệ" in r.get_data(as_text=True)
    opened = _form(client, f"/q/{token}")  # the page was opened before the code expired
    session.rollback()
    receipt = session.scalars(select(ReceiptToken)).one()
    receipt.expires_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    session.commit()
    r = client.get(f"/q/{token}")
    assert r.status_code == 410 and "đã hết hạn" in r.get_data(as_text=True)
    late = client.post(f"/q/{token}", data={"csrf_token": opened[0], "client_id": opened[1],
                                            "a.overall": "satisfied"})
    assert late.status_code == 410
    api = client.post("/api/v1/votes", json=vote(), headers=world.auth(token))
    assert api.status_code == 410
    session.rollback()
    assert session.scalars(select(Ballot)).all() == []


def test_receipt_code_as_api_credential(client, world, session):
    token = _issue(client, world).json["token"]
    body = vote("satisfied")
    first = client.post("/api/v1/votes", json=body, headers=world.auth(token))
    assert first.status_code == 201
    assert client.post("/api/v1/votes", json=body, headers=world.auth(token)).status_code == 200
    other = client.post("/api/v1/votes", json=vote("not_satisfied"), headers=world.auth(token))
    assert other.status_code == 409 and other.json["error"] == "receipt_used"
    second = _issue(client, world, dossier="another dossier").json["token"]
    elsewhere = client.post("/api/v1/votes", json=vote(unit="LC"), headers=world.auth(second))
    assert elsewhere.status_code == 403
    session.rollback()
    ballots = session.scalars(select(Ballot)).all()
    assert [(b.channel, b.level) for b in ballots] == [("qr_receipt", "satisfied")]


def test_concurrent_use_of_one_code_stores_one_vote(app, world, session):
    client = app.test_client()
    token = _issue(client, world).json["token"]
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def submit() -> None:
        c = app.test_client()
        barrier.wait()
        statuses.append(c.post("/api/v1/votes", json=vote(),
                               headers=world.auth(token)).status_code)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * 5
    session.rollback()
    assert len(session.scalars(select(Ballot)).all()) == 1


def test_qr_images_decode_to_the_ballot_url(client, world):
    issued = _issue(client, world).json
    png = client.get(f"/api/v1/receipt-tokens/{issued['token']}.png",
                     headers=world.auth(world.clerk_token))
    assert png.status_code == 200 and png.mimetype == "image/png"
    (symbol,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert symbol.text == issued["url"]
    svg = client.get(f"/api/v1/receipt-tokens/{issued['token']}.svg",
                     headers=world.auth(world.clerk_token))
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data and b"<path" in svg.data
    assert client.get(f"/api/v1/receipt-tokens/{issued['token']}.png").status_code == 401
    assert client.get("/api/v1/receipt-tokens/abc.def.png",
                      headers=world.auth(world.clerk_token)).status_code == 404


def test_counter_poster_ballot_and_limit_flags_not_drops(app, client, world, session):
    app.config["QR_LIMIT_BROWSER"] = 2
    page = client.get("/q/c/HC.Q1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Quận Hải Châu" in html and "Quầy số 1" in html
    assert len(page.data) < 30_000  # a phone on slow 3G: the page before images
    statuses = [_vote_on_page(client, "/q/c/HC.Q1").status_code for _ in range(3)]
    assert statuses == [303, 303, 303]  # the citizen always sees the thank-you page
    session.rollback()
    ballots = session.scalars(select(Ballot).order_by(Ballot.id)).all()
    assert [(b.channel, b.status, b.flag_reason) for b in ballots] == [
        ("qr_counter", "valid", None), ("qr_counter", "valid", None),
        ("qr_counter", "flagged", "rate_limit")]
    assert all(b.counter_id == world.counters["HC/Q1"].id for b in ballots)
    # another browser behind the same address is not limited
    other = app.test_client()
    assert _vote_on_page(other, "/q/c/HC").status_code == 303
    session.rollback()
    assert session.scalars(select(Ballot.status).order_by(Ballot.id.desc())).first() == "valid"
    assert client.get("/q/c/HC.Q9").status_code == 404
    assert client.get("/q/c/NOPE").status_code == 404


def test_forms_without_csrf_are_refused(client, world, session):
    for path in ("/q/c/HC.Q1", "/w/HC"):
        r = client.post(path, data={"client_id": "8b0b3c53-7e0e-4d38-9d8e-3c7c2b8f5a11",
                                    "a.overall": "satisfied"})
        assert r.status_code == 400
    session.rollback()
    assert session.scalars(select(Ballot)).all() == []


def test_posters_cli_and_download(app, runner, client, world, tmp_path):
    r = runner.invoke(args=["units", "add-counter", "--unit", "HC", "--code", "Q2",
                            "--name", "Quầy số 2"])
    assert r.exit_code == 0
    r = runner.invoke(args=["qr", "posters", "--unit", "HC", "--out", str(tmp_path),
                            "--size", "A5", "--base-url", "https://danhgia.example.gov.vn"])
    assert r.exit_code == 0, r.output
    pdf = tmp_path / "HC-A5.pdf"
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+2", pages)  # one page per counter
    text_out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                              text=True).stdout
    assert text_out.count("Quận Hải Châu") == 2 and "Quầy số 2" in text_out
    assert "https://danhgia.example.gov.vn/q/c/HC.Q1" in text_out
    assert (tmp_path / "HC-TT-A5.pdf").exists()  # the subtree: the commune has a page too
    png = (tmp_path / "HC.Q2-A5.png").read_bytes()
    (symbol,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert symbol.text == "https://danhgia.example.gov.vn/q/c/HC.Q2"
    missing = runner.invoke(args=["qr", "posters", "--unit", "HC", "--out", str(tmp_path)])
    assert missing.exit_code == 1 and "--base-url" in missing.output
    # officers download their own units' posters only
    assert client.get("/qr/posters/HC.pdf").status_code == 302  # to the sign-in page
    login(client, "officer.hc")
    assert client.get("/qr/posters/HC.pdf?size=A5").status_code == 200
    assert client.get("/qr/posters/HC.png?counter=Q2").mimetype == "image/png"
    assert client.get("/qr/posters/LC.pdf").status_code == 404


def test_no_raw_address_or_dossier_number_is_stored(app, client, world, session, databases):
    token = _issue(client, world).json["token"]
    _vote_on_page(client, f"/q/{token}")
    _vote_on_page(client, "/q/c/HC.Q1")
    client.post("/api/v1/votes", json=vote(unit="HC", dossier=DOSSIER),
                headers=world.auth(world.admin_token))
    session.rollback()
    conn = session.connection()
    dump = []
    for table in inspect(conn).get_table_names():
        for row in conn.execute(text(f'SELECT * FROM "{table}"')):
            dump.append(" ".join(str(v) for v in row))
    everything = "\n".join(dump)
    assert "127.0.0.1" not in everything and "localhost" not in everything
    assert DOSSIER not in everything and "H17-261122" not in everything


def test_a_token_cannot_vote_on_the_receipt_channel_without_a_receipt(client, world, session):
    """One vote per dossier holds only when the receipt code is spent with the vote; an API
    token naming the channel would bypass it (issue 13), so it is refused with 422."""
    for token in (world.admin_token, world.clerk_token):
        r = client.post("/api/v1/votes", json=vote("satisfied", unit="HC", channel="qr_receipt"),
                        headers=world.auth(token))
        assert r.status_code == 422, r.get_json()
        assert "giấy hẹn" in r.get_json()["errors"]["channel"]
    session.rollback()
    assert session.scalars(select(Ballot)).all() == []
