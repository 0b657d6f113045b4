"""The command line: imports all-or-nothing, users, tokens, kiosks, tallies and the demo."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from survey_app.models import ApiToken, Ballot, DailyTally, KioskDevice, Unit, UserAccount
from survey_app.services.security import token_digest

GOOD = (
    "\ufeffcode,name,kind,parent_code\n"
    "DN,Thành phố Đà Nẵng,province,\n"
    "HC-TT,Phường Thạch Thang,commune,HC\n"   # parent defined later in the file
    "HC,Quận Hải Châu,district,DN\n"
)


def _units(session) -> list[tuple[str, str | None]]:
    session.rollback()
    rows = session.scalars(select(Unit).order_by(Unit.code)).all()
    return [(u.code, u.parent.code if u.parent else None) for u in rows]


def test_units_import_accepts_bom_and_forward_parents(runner, session, tmp_path: Path):
    f = tmp_path / "units.csv"
    f.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(f)])
    assert result.exit_code == 0, result.output
    assert "Imported 3" in result.output
    assert _units(session) == [("DN", None), ("HC", "DN"), ("HC-TT", "HC")]
    names = session.scalars(select(Unit.name).where(Unit.code == "HC")).one()
    assert names == "Quận Hải Châu"


def test_units_import_with_bad_rows_stores_nothing_and_names_lines(runner, session,
                                                                   tmp_path: Path):
    f = tmp_path / "units.csv"
    f.write_text(GOOD + "LC,Quận Liên Chiểu,quarter,DN\nHV,,district,XX\n", encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(f)])
    assert result.exit_code == 1
    assert ":5: kind 'quarter'" in result.output
    assert ":6: name is empty" in result.output
    assert "nothing imported" in result.output
    assert _units(session) == []


def test_units_import_refuses_unknown_parent_duplicates_and_cycles(runner, session,
                                                                   tmp_path: Path):
    f = tmp_path / "units.csv"
    f.write_text("code,name,kind,parent_code\nA,Một,province,B\nB,Hai,district,A\n"
                 "C,Ba,commune,ZZ\nC,Ba lần nữa,commune,A\n", encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(f)])
    assert result.exit_code == 1
    assert "inside its own subtree" in result.output
    assert "parent_code 'ZZ' is not a known unit" in result.output
    assert "repeats line 4" in result.output
    assert _units(session) == []
    bad_header = tmp_path / "h.csv"
    bad_header.write_text("ma,ten\nA,B\n", encoding="utf-8")
    assert runner.invoke(args=["units", "import", str(bad_header)]).exit_code == 1


def test_users_tokens_and_kiosks(runner, session, tmp_path: Path):
    f = tmp_path / "units.csv"
    f.write_text(GOOD, encoding="utf-8")
    assert runner.invoke(args=["units", "import", str(f)]).exit_code == 0
    r = runner.invoke(args=["users", "create", "--username", "lan", "--role", "officer",
                            "--unit", "HC", "--password-stdin"], input="mật khẩu đủ dài\n")
    assert r.exit_code == 0, r.output
    user = session.scalars(select(UserAccount)).one()
    assert user.password_hash.startswith("scrypt:") and "mật" not in user.password_hash
    # an officer without a unit, a short password and a duplicate are refused
    for args, stdin in [
        (["--username", "x", "--role", "officer"], "long enough pw\n"),
        (["--username", "y", "--role", "admin"], "short\n"),
        (["--username", "lan", "--role", "admin"], "long enough pw\n"),
    ]:
        r = runner.invoke(args=["users", "create", *args, "--password-stdin"], input=stdin)
        assert r.exit_code == 1 and "Error:" in r.output

    r = runner.invoke(args=["tokens", "create", "--username", "lan"])
    assert r.exit_code == 0
    token = r.output.strip().splitlines()[-1]
    session.rollback()
    assert session.scalars(select(ApiToken.token_hash)).one() == token_digest(token)
    assert runner.invoke(args=["tokens", "create", "--username", "nobody"]).exit_code == 1

    assert runner.invoke(args=["units", "add-counter", "--unit", "HC", "--code", "Q1",
                               "--name", "Quầy số 1"]).exit_code == 0
    r = runner.invoke(args=["kiosk", "register", "--unit", "HC", "--counter", "Q1"])
    assert r.exit_code == 0
    device_token = r.output.strip().splitlines()[-1]
    session.rollback()
    device = session.scalars(select(KioskDevice)).one()
    assert device.token_hash == token_digest(device_token) and device.counter.code == "Q1"
    assert runner.invoke(args=["kiosk", "register", "--unit", "HC", "--counter", "Q7"]
                         ).exit_code == 1
    assert runner.invoke(args=["kiosk", "register", "--unit", "NOPE"]).exit_code == 1


def test_demo_then_rebuild_equals_live_rollup(runner, session, client):
    r = runner.invoke(args=["demo", "--days", "20", "--per-counter-day", "2"])
    assert r.exit_code == 0, r.output
    session.rollback()
    ballots = session.scalar(select(func.count()).select_from(Ballot))
    assert ballots > 500
    assert session.scalar(select(func.sum(DailyTally.count))) == ballots
    before = sorted(session.execute(select(DailyTally.__table__)).all())

    # live votes through the API bump the rollup; a rebuild must land on the same cells
    token = r.output.strip().splitlines()[-1]
    from tests.factories import vote

    for level in ("very_satisfied", "not_satisfied", "satisfied"):
        assert client.post("/api/v1/votes", json=vote(level, unit="20242", channel="paper"),
                           headers={"Authorization": f"Bearer {token}"}).status_code == 201
    check = runner.invoke(args=["tallies", "check"])
    assert check.exit_code == 0, check.output
    session.rollback()
    live = sorted(session.execute(select(DailyTally.__table__)).all())
    assert live != before
    r = runner.invoke(args=["tallies", "rebuild"])
    assert r.exit_code == 0
    session.rollback()
    assert sorted(session.execute(select(DailyTally.__table__)).all()) == live
    # a second demo run refuses to pile data on top
    again = runner.invoke(args=["demo", "--days", "2"])
    assert again.exit_code == 1 and "already has units" in again.output


def test_tallies_check_detects_drift(runner, session):
    runner.invoke(args=["demo", "--days", "3", "--per-counter-day", "1"])
    session.execute(DailyTally.__table__.update().values(count=DailyTally.count + 1))
    session.commit()
    r = runner.invoke(args=["tallies", "check"])
    assert r.exit_code == 1 and "differ" in r.output
    assert runner.invoke(args=["tallies", "rebuild"]).exit_code == 0
    check = runner.invoke(args=["tallies", "check"])
    assert check.exit_code == 0, check.output
    # the monthly rollup is checked against the daily one too
    from survey_app.models import MonthlyTally

    session.execute(MonthlyTally.__table__.update().values(count=MonthlyTally.count + 2))
    session.commit()
    r = runner.invoke(args=["tallies", "check"])
    assert r.exit_code == 1 and "monthly cell(s) differ from the daily rollup" in r.output
    assert runner.invoke(args=["tallies", "rebuild"]).exit_code == 0
    check = runner.invoke(args=["tallies", "check"])
    assert check.exit_code == 0, check.output


def test_tokens_list_and_revoke_take_effect_at_once(runner, session, client, tmp_path):
    from survey_app.models import AuditEvent

    f = tmp_path / "units.csv"
    f.write_text(GOOD, encoding="utf-8")
    runner.invoke(args=["units", "import", str(f)])
    runner.invoke(args=["users", "create", "--username", "qt", "--role", "admin",
                        "--password-stdin"], input="mật khẩu đủ dài\n")
    created = runner.invoke(args=["tokens", "create", "--username", "qt",
                                  "--label", "phần mềm một cửa"])
    token = created.output.strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    query = "/api/v1/figures?unit=DN&from=2026-01-01&to=2026-01-31"
    assert client.get(query, headers=auth).status_code == 200
    listing = runner.invoke(args=["tokens", "list"]).output
    assert "qt" in listing and "phần mềm một cửa" in listing and "active" in listing
    assert token not in listing
    token_id = int(listing.split()[0])
    assert runner.invoke(args=["tokens", "revoke", str(token_id)]).exit_code == 0
    assert client.get(query, headers=auth).status_code == 401
    assert "revoked" in runner.invoke(args=["tokens", "list"]).output
    assert runner.invoke(args=["tokens", "revoke", "999"]).exit_code == 1
    session.rollback()
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.create", "api_token.create", "api_token.revoke"]

