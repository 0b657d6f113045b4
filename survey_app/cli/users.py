"""``flask --app survey_app users …``: officers, clerks and admins; passwords from stdin."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import get_db
from ..models import UserAccount
from ..services import accounts
from ..services.audit import record_action
from .support import fail as _fail
from .support import unit_or_fail

group = AppGroup("users", help="Officers, clerks and admins.")


@group.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "officer", "clerk"]))
@click.option("--unit", "unit_code")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from standard input (never from the command line).")
def users_create(username: str, role: str, unit_code: str | None, password_stdin: bool) -> None:
    """Create a user; the password comes from standard input."""
    password = sys.stdin.readline().rstrip("\r\n")
    with get_db(current_app).transaction() as session:
        unit = unit_or_fail(session, unit_code) if unit_code else None
        try:
            user = accounts.create_user(session, username, role, password, unit)
        except accounts.AccountError as exc:
            _fail(str(exc))
        record_action(session, None, "user.create", "user_account", user.id,
                      username=username, role=role, unit=unit_code)
    click.echo(f"User {user.username} ({user.role}) created.")


def _user(session: Any, username: str) -> Any:
    user = session.scalar(select(UserAccount).where(UserAccount.username == username))
    if user is None:
        _fail(f"no user {username!r}")
    return user


@group.command("set-password")
@click.option("--username", required=True)
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the new password from standard input (never from the command line).")
def users_set_password(username: str, password_stdin: bool) -> None:
    """Set a user's password; every signed-in session of the user ends."""
    password = sys.stdin.readline().rstrip("\r\n")
    with get_db(current_app).transaction() as session:
        user = _user(session, username)
        try:
            accounts.set_password(session, user, password)
        except accounts.AccountError as exc:
            _fail(str(exc))
        record_action(session, None, "user.password", "user_account", user.id,
                      username=username)
    click.echo(f"Password of {username} changed; their sessions have ended.")


@group.command("update")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice(["admin", "officer", "clerk"]))
@click.option("--unit", "unit_code")
def users_update(username: str, role: str | None, unit_code: str | None) -> None:
    """Change a user's role or unit; their signed-in sessions end."""
    _change_user(username, role=role, unit_code=unit_code)


@group.command("disable")
@click.option("--username", required=True)
def users_disable(username: str) -> None:
    """Disable a user at once: sign-in refused, sessions and API tokens stop working."""
    _change_user(username, active=False)


@group.command("enable")
@click.option("--username", required=True)
def users_enable(username: str) -> None:
    """Enable a disabled user again."""
    _change_user(username, active=True)


def _change_user(username: str, *, role: str | None = None, unit_code: str | None = None,
                 active: bool | None = None) -> None:
    with get_db(current_app).transaction() as session:
        user = _user(session, username)
        unit = unit_or_fail(session, unit_code) if unit_code else None
        try:
            changes = accounts.update_user(session, user, role=role, unit=unit, active=active)
        except accounts.AccountError as exc:
            _fail(str(exc))
        if changes:
            record_action(session, None, "user.update", "user_account", user.id,
                          username=username, **changes)
    click.echo(f"User {username}: " + (", ".join(f"{k} {v[0]} → {v[1]}"
                                                  for k, v in changes.items())
                                        + "; their sessions have ended." if changes
                                        else "nothing to change."))
