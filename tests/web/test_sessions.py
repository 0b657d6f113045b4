"""Sessions end on the server (issue 13): a session cookie copied before sign-out, a password
change, a role or unit change or disabling the account no longer opens a page."""

from __future__ import annotations

import pytest

from tests.factories import csrf_token, login

DASHBOARD = "/officer/dashboard"


def _signed_in(app, username: str = "officer.hc"):
    client = app.test_client()
    login(client, username)
    assert client.get(DASHBOARD).status_code == 200
    return client


def _copy(app, client):
    """Another browser holding a copy of ``client``'s session cookie (a stolen or saved one)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _signed_out(client) -> bool:
    r = client.get(DASHBOARD)
    return r.status_code == 302 and r.headers["Location"].startswith("/login")


def test_a_cookie_saved_before_sign_out_no_longer_opens_a_page(app, world):
    client = _signed_in(app)
    saved = _copy(app, client)
    assert not _signed_out(saved)
    r = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert r.status_code == 302
    assert _signed_out(client)
    assert _signed_out(saved)
    # signing in again works and starts a new, valid session
    login(client, "officer.hc")
    assert client.get(DASHBOARD).status_code == 200


def test_signing_out_ends_the_users_other_sessions_too(app, world):
    office, phone = _signed_in(app), _signed_in(app)
    colleague = _signed_in(app, "admin")
    office.post("/logout", data={"csrf_token": csrf_token(office, "/")})
    assert _signed_out(phone)
    assert not _signed_out(colleague)  # another user's session is untouched


@pytest.mark.parametrize("command", [
    ["users", "set-password", "--username", "officer.hc", "--password-stdin"],
    ["users", "update", "--username", "officer.hc", "--unit", "LC"],
    ["users", "update", "--username", "officer.hc", "--role", "clerk"],
    ["users", "disable", "--username", "officer.hc"],
], ids=["password", "unit", "role", "disable"])
def test_account_changes_end_every_session(app, world, runner, command):
    client = _signed_in(app)
    colleague = _signed_in(app, "admin")
    result = runner.invoke(args=command, input="a brand new passphrase\n")
    assert result.exit_code == 0, result.output
    assert "sessions have ended" in result.output
    assert _signed_out(client)
    assert not _signed_out(colleague)


def test_a_new_password_works_and_the_old_one_does_not(app, world, runner):
    r = runner.invoke(args=["users", "set-password", "--username", "officer.hc",
                            "--password-stdin"], input="a brand new passphrase\n")
    assert r.exit_code == 0, r.output
    client = app.test_client()
    old = client.post("/login", data={"username": "officer.hc",
                                      "password": "correct horse battery",
                                      "csrf_token": csrf_token(client)})
    assert old.status_code == 401
    login(client, "officer.hc", "a brand new passphrase")


def test_bad_account_commands_say_why_and_change_nothing(app, world, runner):
    client = _signed_in(app)
    short = runner.invoke(args=["users", "set-password", "--username", "officer.hc",
                                "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    nobody = runner.invoke(args=["users", "disable", "--username", "nobody"])
    assert nobody.exit_code == 1 and "no user 'nobody'" in nobody.output
    unitless = runner.invoke(args=["users", "update", "--username", "officer.hc",
                                   "--unit", "NOWHERE"])
    assert unitless.exit_code == 1 and "no unit" in unitless.output
    assert not _signed_out(client)  # nothing changed, so the session lives on
    same = runner.invoke(args=["users", "update", "--username", "officer.hc", "--role",
                               "officer"])
    assert same.exit_code == 0 and "nothing to change" in same.output
    assert not _signed_out(client)
