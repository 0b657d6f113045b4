"""Counter tablets over HTTP and the command line: pairing codes, the device call, revocation,
burst flagging, the served PWA, and the officer page (issue 4)."""

from __future__ import annotations

import re
import shutil
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from survey_app.models import AuditEvent, Ballot, KioskDevice, KioskPairingCode
from survey_app.services import kiosk as kiosk_service
from survey_app.web import kiosk as kiosk_web
from tests.factories import csrf_token, login, vote

NOW = datetime.now(timezone.utc)


def _code(runner, *args: str) -> str:
    r = runner.invoke(args=["kiosk", "pair", *args])
    assert r.exit_code == 0, r.output
    return r.output.strip().splitlines()[-1]


def _pair(client, code, addr="192.0.2.10"):
    return client.post("/kiosk/api/pair", json={"code": code},
                       environ_base={"REMOTE_ADDR": addr})


def _statuses(session):
    session.rollback()
    return dict(session.execute(select(Ballot.status, func.count())
                                .group_by(Ballot.status)).all())


# --- pairing ---------------------------------------------------------------------------------


def test_a_code_pairs_one_tablet_once(client, runner, world, session):
    code = _code(runner, "--unit", "HC", "--counter", "Q1")
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    r = _pair(client, code.lower().replace("-", " "))  # typed in lower case with a space
    assert r.status_code == 201
    assert r.json["unit"] == {"code": "HC", "name": "Quận Hải Châu"}
    assert r.json["counter"] == {"code": "Q1", "name": "Quầy số 1"}
    assert r.json["token"].startswith("sk_")
    assert r.headers["Cache-Control"] == "no-store"

    again = _pair(client, code)
    assert again.status_code == 422
    assert again.json["errors"]["code"] == ("Mã ghép nối đã được sử dụng; mỗi mã chỉ dùng được "
                                            "một lần.")
    session.rollback()
    row = session.scalars(select(KioskPairingCode)).one()
    assert row.used_at is not None and row.device_id == r.json["device_id"]
    assert code.replace("-", "") not in row.code_hash  # only a keyed hash is stored
    device = session.get(KioskDevice, r.json["device_id"])
    assert (device.unit.code, device.counter.code) == ("HC", "Q1")

    token = r.json["token"]
    info = client.get("/kiosk/api/device", headers=world.auth(token))
    assert info.status_code == 200
    assert info.json["settings"] == r.json["settings"] == {"idle_seconds": 30}
    assert (info.json["questionnaire"]["code"], info.json["questionnaire"]["version"]) == (
        "KIOSK-3L", 1)
    assert info.json["counter"] == {"code": "Q1", "name": "Quầy số 1"}
    stored = client.post("/api/v1/votes", json=vote("very_satisfied"), headers=world.auth(token))
    assert stored.status_code == 201
    session.rollback()
    ballot = session.get(Ballot, stored.json["id"])
    assert (ballot.channel, ballot.device_id, ballot.counter_id) == (
        "kiosk", device.id, world.counters["HC/Q1"].id)
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "kiosk.pairing_code.create" in actions and "kiosk.pair" in actions


def test_unknown_expired_and_malformed_codes_are_told_apart(app, client, runner, world,
                                                            session):
    assert _pair(client, "ABCD-EFGH").status_code == 404
    r = _pair(client, "12")
    assert r.status_code == 422 and "8 ký tự" in r.json["errors"]["code"]
    assert client.post("/kiosk/api/pair", data="not json").status_code == 422
    code = _code(runner, "--unit", "HC", "--minutes", "1")
    row = session.scalars(select(KioskPairingCode)).one()
    row.created_at = NOW - timedelta(minutes=3)
    row.expires_at = NOW - timedelta(minutes=2)
    session.commit()
    r = _pair(client, code)
    assert r.status_code == 410
    assert r.json["errors"]["code"] == "Mã ghép nối đã hết hạn. Vui lòng tạo mã mới."
    assert _pair(client, code, addr="192.0.2.99").status_code == 410
    assert session.scalar(select(func.count()).select_from(KioskDevice)) == 1  # world's only


def test_guessing_is_stopped_per_address(app, client, runner, world):
    code = _code(runner, "--unit", "HC")
    for _ in range(10):
        assert _pair(client, "ZZZZ-ZZZZ").status_code == 404
    blocked = _pair(client, code)  # even the right code, from the guessing address
    assert blocked.status_code == 429
    assert "thử lại sau 15 phút" in blocked.json["errors"]["code"]
    assert _pair(client, code, addr="192.0.2.77").status_code == 201  # another tablet


def test_two_tablets_racing_with_one_code_get_one_device(app, runner, world, session):
    code = _code(runner, "--unit", "HC")
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def attempt(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(_pair(client, code, addr=f"192.0.2.{20 + i}").status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 422, 422, 422]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(KioskDevice)) == 2  # world + one


# --- revocation --------------------------------------------------------------------------------


def test_a_revoked_device_is_refused_with_a_reason(client, runner, world, session):
    token = _pair(client, _code(runner, "--unit", "HC")).json["token"]
    assert client.post("/api/v1/votes", json=vote(), headers=world.auth(token)).status_code == 201
    device_id = session.scalars(select(KioskDevice.id).order_by(KioskDevice.id.desc())).first()
    r = runner.invoke(args=["kiosk", "revoke", str(device_id)])
    assert r.exit_code == 0 and f"Kiosk device {device_id} revoked." in r.output
    refused = client.post("/api/v1/votes", json=vote(), headers=world.auth(token))
    assert refused.status_code == 401 and refused.json["error"] == "revoked"
    info = client.get("/kiosk/api/device", headers=world.auth(token))
    assert info.status_code == 401
    assert info.json == {"error": "revoked", "message": "Thiết bị đã bị thu hồi; máy này không "
                                                        "còn được phép gửi phiếu đánh giá."}
    other = client.get("/kiosk/api/device", headers=world.auth("sk_" + "x" * 43))
    assert other.status_code == 401 and other.json["error"] == "unauthorized"
    assert client.get("/kiosk/api/device").json["error"] == "unauthorized"
    assert _statuses(session) == {"valid": 1}
    listing = runner.invoke(args=["kiosk", "list"]).output
    assert re.search(rf"^\s+{device_id}\s+HC\s+-\s+.*revoked \d{{4}}-", listing, re.M)


def test_the_tablet_is_handed_the_vocabulary_and_comment_limit_of_its_form(client, runner,
                                                                           world, session):
    """Reasons, face labels and the comment limit come from the definition (kiosk-3l.yaml), in
    the pairing answer and in every device check; the votes endpoint validates the comment
    with that same limit, so what the tablet lets a citizen type is what the server accepts."""
    paired = _pair(client, _code(runner, "--unit", "HC", "--counter", "Q1"))
    assert paired.status_code == 201
    info = client.get("/kiosk/api/device", headers=world.auth(paired.json["token"]))
    assert info.status_code == 200
    expected = {
        "code": "KIOSK-3L",
        "version": 1,
        "levels": [
            {"value": "very_satisfied", "label": {"vi": "Rất hài lòng", "en": "Very satisfied"}},
            {"value": "satisfied", "label": {"vi": "Hài lòng", "en": "Satisfied"}},
            {"value": "not_satisfied", "label": {"vi": "Chưa hài lòng", "en": "Not satisfied"}},
        ],
        "reasons": [
            {"value": "waiting_time", "label": {"vi": "Thời gian chờ đợi", "en": "Waiting time"}},
            {"value": "staff_attitude",
             "label": {"vi": "Thái độ công chức", "en": "Staff attitude"}},
            {"value": "procedure",
             "label": {"vi": "Thủ tục, giấy tờ", "en": "Procedure and paperwork"}},
            {"value": "fees", "label": {"vi": "Phí, lệ phí", "en": "Fees"}},
            {"value": "facilities", "label": {"vi": "Cơ sở vật chất", "en": "Facilities"}},
            {"value": "other", "label": {"vi": "Lý do khác", "en": "Other"}},
        ],
        "comment": {"max_length": 1000},
    }
    assert info.json["questionnaire"] == expected
    assert paired.json["questionnaire"] == expected

    token = paired.json["token"]
    limit = expected["comment"]["max_length"]
    fits = vote("not_satisfied", questionnaire="KIOSK-3L", version=1)
    fits["answers"].update(reasons=["fees"], comment="ý" * limit)
    assert client.post("/api/v1/votes", json=fits, headers=world.auth(token)).status_code == 201
    too_long = vote("not_satisfied", questionnaire="KIOSK-3L", version=1)
    too_long["answers"]["comment"] = "ý" * (limit + 1)
    assert client.post("/api/v1/votes", json=too_long,
                       headers=world.auth(token)).status_code == 422


# --- bursts ------------------------------------------------------------------------------------


def test_an_offline_day_uploaded_at_once_is_not_a_burst(client, world, session):
    """Three hundred votes arrive in seconds, but were answered two minutes apart."""
    start = NOW - timedelta(hours=11)
    queue = [vote("satisfied", at=(start + timedelta(minutes=2 * i)).isoformat())
             for i in range(300)]
    statuses = {client.post("/api/v1/votes", json=v, headers=world.auth(world.device_token))
                .status_code for v in queue}
    assert statuses == {201}
    assert _statuses(session) == {"valid": 300}


def test_votes_faster_than_people_are_stored_flagged(client, world, session):
    """Twelve taps two seconds apart: five are plausible, the rest are a burst — whether they
    arrive live or from an offline queue an hour later."""
    start = NOW - timedelta(hours=1)
    taps = [vote("very_satisfied", at=(start + timedelta(seconds=2 * i)).isoformat())
            for i in range(12)]
    answers = [client.post("/api/v1/votes", json=v, headers=world.auth(world.device_token))
               for v in taps]
    assert [a.status_code for a in answers] == [201] * 12
    assert [a.json["flag_reason"] for a in answers] == [None] * 5 + ["burst"] * 7
    assert _statuses(session) == {"valid": 5, "flagged": 7}
    replay = client.post("/api/v1/votes", json=taps[-1], headers=world.auth(world.device_token))
    assert replay.status_code == 200 and replay.json["flag_reason"] == "burst"
    day = start.astimezone().date()
    figures = client.get(f"/api/v1/figures?unit=HC&from={day - timedelta(days=1)}"
                         f"&to={day + timedelta(days=1)}", headers=world.auth(world.admin_token))
    assert figures.json["n"] == 5 and figures.json["flagged"] == 7
    # a quiet minute later the same tablet is trusted again
    later = vote("satisfied", at=(start + timedelta(seconds=24 + 61)).isoformat())
    r = client.post("/api/v1/votes", json=later, headers=world.auth(world.device_token))
    assert r.json["status"] == "valid"


def test_burst_limits_are_configurable_and_per_device(app, client, runner, world, session):
    app.config.update(KIOSK_BURST_VOTES=2, KIOSK_BURST_SECONDS=30)
    other = _pair(client, _code(runner, "--unit", "HC")).json["token"]
    start = NOW - timedelta(minutes=30)
    for i in range(4):
        at = (start + timedelta(seconds=5 * i)).isoformat()
        mine = client.post("/api/v1/votes", json=vote(at=at),
                           headers=world.auth(world.device_token))
        theirs = client.post("/api/v1/votes", json=vote(at=at), headers=world.auth(other))
        assert mine.json["status"] == theirs.json["status"] == ("valid" if i < 2 else "flagged")
    # the API token of an admin entering votes is not a device: no burst rule
    for _ in range(4):
        r = client.post("/api/v1/votes", json=vote(unit="HC", channel="web"),
                        headers=world.auth(world.admin_token))
        assert r.json["status"] == "valid"


# --- the served client ---------------------------------------------------------------------------


def test_the_pwa_is_served_with_the_right_types_and_caching(client):
    def get(path, **kwargs):
        with client.get(path, **kwargs) as r:
            r.get_data()  # read and close the file behind send_from_directory
            return r

    shell = get("/kiosk/")
    assert shell.status_code == 200 and shell.mimetype == "text/html"
    assert "Ghép nối máy tính bảng" in shell.get_data(as_text=True)
    assert shell.headers["Cache-Control"] == "no-cache"
    assert get("/kiosk").status_code == 308
    expected = {"app.js": "text/javascript", "sw.js": "text/javascript",
                "kiosk.css": "text/css", "manifest.webmanifest": "application/manifest+json",
                "icon.svg": "image/svg+xml"}
    for name, mimetype in expected.items():
        r = get(f"/kiosk/{name}")
        assert (r.status_code, r.mimetype) == (200, mimetype), name
        assert r.headers["Cache-Control"] == "no-cache"
        assert "Service-Worker-Allowed" not in r.headers
    etag = get("/kiosk/sw.js").headers["ETag"]
    assert get("/kiosk/sw.js", headers={"If-None-Match": etag}).status_code == 304
    for hidden in ("README.md", "../README.md", "%2e%2e/survey_app/config.py", ".git"):
        assert get(f"/kiosk/{hidden}").status_code == 404, hidden

    # The service worker's cache is named after the shell's content, filled in by the server.
    worker = get("/kiosk/sw.js").get_data(as_text=True)
    version = kiosk_web.shell_version(kiosk_web.DEFAULT_DIR)
    assert f"const VERSION = '{version}';" in worker and "__SHELL_VERSION__" not in worker
    assert re.fullmatch(r"[0-9a-f]{16}", version)


def test_test_hooks_are_announced_only_under_testing(app, client):
    def html():
        with client.get("/kiosk/") as r:
            return r.get_data(as_text=True)

    assert re.search(r"^<html data-test-hooks lang=\"vi\">$", html(), re.M)
    app.config["TESTING"] = False
    try:
        assert "data-test-hooks" not in html()
    finally:
        app.config["TESTING"] = True


def test_the_shell_version_follows_the_bytes_of_the_shell(tmp_path):
    shutil.copytree(kiosk_web.DEFAULT_DIR, tmp_path / "kiosk")
    shell = tmp_path / "kiosk"
    first = kiosk_web.shell_version(shell)
    assert kiosk_web.shell_version(shell) == first  # stable while nothing changes
    (shell / "README.md").write_text("not served, not part of the shell")
    assert kiosk_web.shell_version(shell) == first
    css = shell / "kiosk.css"
    original = css.read_bytes()
    css.write_bytes(original.replace(b"#0b4f8a", b"#0b4f8b", 1))  # one byte of one file
    changed = kiosk_web.shell_version(shell)
    assert changed != first
    css.write_bytes(original)
    assert kiosk_web.shell_version(shell) == first
    (shell / "extra.js").write_text("export {};\n")  # a new served file counts too
    assert kiosk_web.shell_version(shell) not in (first, changed)


# --- officer page ------------------------------------------------------------------------------


def test_officer_creates_a_code_and_revokes_within_their_units(app, client, world, session):
    from survey_app.services import accounts

    lc, _ = accounts.register_kiosk(session, world.units["LC"])
    session.commit()
    assert client.get("/officer/kiosks/").status_code == 302  # sign in first
    login(client, "officer.hc")
    page = client.get("/officer/kiosks/").get_data(as_text=True)
    assert "Quận Hải Châu · Quầy số 1" in page and "Quận Liên Chiểu" not in page
    token = csrf_token(client, "/officer/kiosks/")
    q1 = world.counters["HC/Q1"].id
    r = client.post("/officer/kiosks/codes", data={"csrf_token": token, "place": f"c:{q1}",
                                                   "minutes": "30", "label": "Máy quầy 1"})
    assert r.status_code == 201
    html = r.get_data(as_text=True)
    code = re.search(r'id="new-code">([A-Z2-9]{4}-[A-Z2-9]{4})<', html).group(1)
    assert "Mã chỉ hiển thị một lần" in html
    paired = _pair(client, code)
    assert paired.status_code == 201 and paired.json["counter"]["code"] == "Q1"
    assert "Máy quầy 1" in client.get("/officer/kiosks/").get_data(as_text=True)

    elsewhere = client.post("/officer/kiosks/codes", data={
        "csrf_token": token, "place": f"u:{world.units['LC'].id}", "minutes": "30"})
    assert elsewhere.status_code == 422
    assert "Chọn đơn vị hoặc quầy" in elsewhere.get_data(as_text=True)
    assert client.post(f"/officer/kiosks/{lc.id}/revoke",
                       data={"csrf_token": token}).status_code == 404
    new_id = paired.json["device_id"]
    r = client.post(f"/officer/kiosks/{new_id}/revoke", data={"csrf_token": token},
                    follow_redirects=True)
    assert r.status_code == 200
    assert f"Đã thu hồi máy tính bảng số {new_id}." in r.get_data(as_text=True)
    assert client.get("/kiosk/api/device", headers=world.auth(paired.json["token"])
                      ).json["error"] == "revoked"
    session.rollback()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "kiosk.revoke",
                                                     AuditEvent.target_id == str(new_id))).one()
    assert (event.actor, event.target_id) == ("officer.hc", str(new_id))
    assert session.get(KioskDevice, lc.id).revoked_at is None


def test_clerks_cannot_manage_tablets(client, world):
    login(client, "clerk.hc")
    assert client.get("/officer/kiosks/").status_code == 403


# --- domain of the client -----------------------------------------------------------------------


def test_only_forms_the_tablet_can_ask_are_handed_to_it(session, world):
    from survey_app.services.questionnaires import questionnaire_version

    kiosk3 = questionnaire_version(session, "KIOSK-3L", 1)
    assert kiosk_service.client_can_ask(kiosk3.definition)
    chosen = kiosk_service.kiosk_questionnaire(session, world.units["HC"].id, NOW.date())
    assert (chosen.code, chosen.version) == ("KIOSK-3L", 1)


# --- re-pairing a counter (issue 15) -----------------------------------------------------------


def test_re_pairing_a_counter_revokes_its_previous_tablet(client, runner, world, session):
    first = _pair(client, _code(runner, "--unit", "HC", "--counter", "Q1"))
    assert first.status_code == 201
    old_token = first.json["token"]
    assert client.post("/api/v1/votes", json=vote("satisfied"),
                       headers=world.auth(old_token)).status_code == 201

    code = _code(runner, "--unit", "HC", "--counter", "Q1")
    second = _pair(client, code)
    assert second.status_code == 201
    again = _pair(client, code)  # the tablet's request sent twice: no second effect
    assert again.status_code == 422

    refused = client.post("/api/v1/votes", json=vote("satisfied"), headers=world.auth(old_token))
    assert refused.status_code == 401 and refused.json["error"] == "revoked"
    fresh = client.post("/api/v1/votes", json=vote("satisfied"),
                        headers=world.auth(second.json["token"]))
    assert fresh.status_code == 201
    session.rollback()
    # The world's own Q1 tablet was replaced by the first pairing, the first by the second.
    assert session.get(KioskDevice, first.json["device_id"]).revoked_at is not None
    active = session.scalars(select(KioskDevice.id).where(
        KioskDevice.counter_id == world.counters["HC/Q1"].id,
        KioskDevice.revoked_at.is_(None))).all()
    assert active == [second.json["device_id"]]
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "kiosk.revoke",
                                                      AuditEvent.target_id == str(
                                                          first.json["device_id"]))).all()
    assert len(events) == 1
    assert events[0].details["reason"] == "replaced"
    assert events[0].details["replaced_by"] == second.json["device_id"]
    assert client.post("/api/v1/votes", json=vote("satisfied"),
                       headers=world.auth(world.device_token)).status_code == 401


def test_a_tablet_without_a_counter_replaces_nothing(client, runner, world, session):
    r = _pair(client, _code(runner, "--unit", "HC"))
    assert r.status_code == 201
    assert client.post("/api/v1/votes", json=vote("satisfied"),
                       headers=world.auth(world.device_token)).status_code == 201


def test_keep_both_tablets_when_the_officer_says_so(client, world, session):
    login(client, "officer.hc")
    token = csrf_token(client, "/officer/kiosks/")
    q1 = world.counters["HC/Q1"].id
    codes = []
    for keep in ("1", None):
        data = {"csrf_token": token, "place": f"c:{q1}", "minutes": "30"}
        if keep:
            data["keep_previous"] = keep
        r = client.post("/officer/kiosks/codes", data=data)
        assert r.status_code == 201
        html = r.get_data(as_text=True)
        codes.append(re.search(r'id="new-code">([A-Z2-9-]{9})<', html).group(1))
        assert ("vẫn tiếp tục hoạt động" in html) == bool(keep)
        assert ("sẽ bị thu hồi" in html) == (not keep)
    old = _pair(client, codes[0])
    assert old.status_code == 201
    session.rollback()
    # "Giữ cả thiết bị cũ": the tablets already at Q1 keep working.
    active = set(session.scalars(select(KioskDevice.id).where(
        KioskDevice.counter_id == q1, KioskDevice.revoked_at.is_(None))).all())
    assert old.json["device_id"] in active and len(active) == 2
    assert client.post("/api/v1/votes", json=vote("satisfied"),
                       headers=world.auth(world.device_token)).status_code == 201

    new = _pair(client, codes[1])  # without the tick: replaces both
    assert new.status_code == 201
    for stale in (world.device_token, old.json["token"]):
        r = client.post("/api/v1/votes", json=vote("satisfied"), headers=world.auth(stale))
        assert r.status_code == 401
    session.rollback()
    replaced = session.scalars(select(AuditEvent).where(AuditEvent.action == "kiosk.revoke")
                               ).all()
    assert sorted(int(e.target_id) for e in replaced) == sorted(active)
    assert {e.actor for e in replaced} == {"officer.hc"}
