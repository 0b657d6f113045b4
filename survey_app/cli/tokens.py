"""``flask --app survey_app tokens create | list | revoke``: API tokens, shown only once."""

from __future__ import annotations

from datetime import datetime, timezone

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import get_db
from ..models import ApiToken, UserAccount
from ..services import accounts
from ..services.audit import record_action
from ..services.state import AlreadyChanged, transition
from .support import fail as _fail

group = AppGroup("tokens", help="API tokens.")


@group.command("create")
@click.option("--username", required=True)
@click.option("--label")
def tokens_create(username: str, label: str | None) -> None:
    """Issue an API token for a user; prints it as the last line (shown only once)."""
    with get_db(current_app).transaction() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.username == username))
        if user is None or not user.active:
            _fail(f"no active user {username!r}")
        assert user is not None
        token = accounts.create_api_token(session, user, label)
        record_action(session, None, "api_token.create", "user_account", user.id, label=label)
    click.echo(f"API token for {username}:")
    click.echo(token)


@group.command("list")
@click.option("--username")
def tokens_list(username: str | None) -> None:
    """API tokens (id, user, label, created, last used, revoked); never the tokens themselves."""
    with get_db(current_app).transaction() as session:
        stmt = select(ApiToken, UserAccount.username).join(UserAccount).order_by(ApiToken.id)
        if username:
            stmt = stmt.where(UserAccount.username == username)
        for token, name in session.execute(stmt):
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            click.echo(f"{token.id:>5}  {name:<20} {token.label or '':<20} "
                       f"created {token.created_at:%Y-%m-%d}  used {used}  {state}")


@group.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke an API token by id (see `tokens list`); requests with it get 401 at once."""
    with get_db(current_app).transaction() as session:
        token = session.get(ApiToken, token_id)
        if token is None:
            _fail(f"no API token {token_id}")
        assert token is not None
        try:
            transition(session, ApiToken, token.id, ApiToken.revoked_at.is_(None),
                       revoked_at=datetime.now(timezone.utc))
        except AlreadyChanged:
            click.echo(f"API token {token_id} was already revoked.")
            return
        record_action(session, None, "api_token.revoke", "api_token", token.id,
                      username=token.user.username)
    click.echo(f"API token {token_id} revoked.")
