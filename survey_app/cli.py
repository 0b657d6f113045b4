"""Command line: ``flask --app survey_app <group> <command>``. Each command commits once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import yaml
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .cli_support import fail as _fail
from .db import get_db
from .services import accounts, breakdowns, questionnaires, tallies, units
from .services.audit import record_action
from .services.units import RowErrors

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
#: Questionnaire definitions shipped with the service (loaded by ``demo``).
DEFINITIONS = Path(__file__).resolve().parent / "definitions"


def alembic_config(url: str) -> AlembicConfig:
    """Alembic configured for ``url`` with the repository's migrations (no alembic.ini needed)."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = url
    return cfg


db_group = AppGroup("db", help="Apply or roll back the database migrations.")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the configured database up to REVISION (default: head)."""
    alembic_command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"Database at {revision}.")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the configured database down to REVISION (``base`` empties it)."""
    alembic_command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"Database at {revision}.")


@db_group.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    alembic_command.current(alembic_config(current_app.config["DATABASE_URL"]))


units_group = AppGroup("units", help="The unit tree.")


@units_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def units_import(file: Path) -> None:
    """Import units from a CSV with header code,name,kind,parent_code; all or nothing."""
    try:
        rows = units.parse_unit_csv(file.read_bytes())
        with get_db(current_app).transaction() as session:
            count = units.import_units(session, rows)
    except RowErrors as exc:
        for line, problem in exc.problems:
            click.echo(f"{file}:{line}: {problem}", err=True)
        _fail(f"nothing imported ({len(exc.problems)} problem(s))")
    click.echo(f"Imported {count} unit(s).")


@units_group.command("add-counter")
@click.option("--unit", "unit_code", required=True)
@click.option("--code", required=True)
@click.option("--name", required=True)
def units_add_counter(unit_code: str, code: str, name: str) -> None:
    """Add a service counter (quầy) to a unit."""
    from .models import Counter

    with get_db(current_app).transaction() as session:
        unit = units.unit_by_code(session, unit_code)
        if unit is None:
            _fail(f"no unit with code {unit_code!r}")
        assert unit is not None
        if not units.CODE_PATTERN.fullmatch(code):
            _fail("counter code must be 1-40 letters, digits, '-' or '_'")
        if units.counter_by_code(session, unit, code) is not None:
            _fail(f"unit {unit_code} already has a counter {code!r}")
        session.add(Counter(unit=unit, code=code, name=name))
    click.echo(f"Counter {code} added to {unit_code}.")


kiosk_group = AppGroup("kiosk", help="Kiosk tablets.")


@kiosk_group.command("register")
@click.option("--unit", "unit_code", required=True)
@click.option("--counter", "counter_code")
@click.option("--label")
def kiosk_register(unit_code: str, counter_code: str | None, label: str | None) -> None:
    """Register a kiosk device; prints its token as the last line (shown only once)."""
    with get_db(current_app).transaction() as session:
        unit = units.unit_by_code(session, unit_code)
        if unit is None:
            _fail(f"no unit with code {unit_code!r}")
        assert unit is not None
        counter = None
        if counter_code:
            counter = units.counter_by_code(session, unit, counter_code)
            if counter is None:
                _fail(f"unit {unit_code} has no counter {counter_code!r}")
        device, token = accounts.register_kiosk(session, unit, counter, label)
        record_action(session, None, "kiosk.register", "kiosk_device", device.id,
                      unit=unit_code, counter=counter_code)
    click.echo(f"Kiosk device {device.id} registered to {unit_code}"
               + (f" / {counter_code}" if counter_code else "") + ". Token:")
    click.echo(token)


users_group = AppGroup("users", help="Officers, clerks and admins.")


@users_group.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "officer", "clerk"]))
@click.option("--unit", "unit_code")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from standard input (never from the command line).")
def users_create(username: str, role: str, unit_code: str | None, password_stdin: bool) -> None:
    """Create a user; the password comes from standard input."""
    password = sys.stdin.readline().rstrip("\r\n")
    with get_db(current_app).transaction() as session:
        unit = None
        if unit_code:
            unit = units.unit_by_code(session, unit_code)
            if unit is None:
                _fail(f"no unit with code {unit_code!r}")
        try:
            user = accounts.create_user(session, username, role, password, unit)
        except accounts.AccountError as exc:
            _fail(str(exc))
        record_action(session, None, "user.create", "user_account", user.id,
                      username=username, role=role, unit=unit_code)
    click.echo(f"User {user.username} ({user.role}) created.")


def _user(session: Any, username: str) -> Any:
    from .models import UserAccount

    user = session.scalar(select(UserAccount).where(UserAccount.username == username))
    if user is None:
        _fail(f"no user {username!r}")
    return user


@users_group.command("set-password")
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


@users_group.command("update")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice(["admin", "officer", "clerk"]))
@click.option("--unit", "unit_code")
def users_update(username: str, role: str | None, unit_code: str | None) -> None:
    """Change a user's role or unit; their signed-in sessions end."""
    _change_user(username, role=role, unit_code=unit_code)


@users_group.command("disable")
@click.option("--username", required=True)
def users_disable(username: str) -> None:
    """Disable a user at once: sign-in refused, sessions and API tokens stop working."""
    _change_user(username, active=False)


@users_group.command("enable")
@click.option("--username", required=True)
def users_enable(username: str) -> None:
    """Enable a disabled user again."""
    _change_user(username, active=True)


def _change_user(username: str, *, role: str | None = None, unit_code: str | None = None,
                 active: bool | None = None) -> None:
    with get_db(current_app).transaction() as session:
        user = _user(session, username)
        unit = None
        if unit_code:
            unit = units.unit_by_code(session, unit_code)
            if unit is None:
                _fail(f"no unit with code {unit_code!r}")
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


tokens_group = AppGroup("tokens", help="API tokens.")


@tokens_group.command("create")
@click.option("--username", required=True)
@click.option("--label")
def tokens_create(username: str, label: str | None) -> None:
    """Issue an API token for a user; prints it as the last line (shown only once)."""
    from sqlalchemy import select

    from .models import UserAccount

    with get_db(current_app).transaction() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.username == username))
        if user is None or not user.active:
            _fail(f"no active user {username!r}")
        assert user is not None
        token = accounts.create_api_token(session, user, label)
        record_action(session, None, "api_token.create", "user_account", user.id, label=label)
    click.echo(f"API token for {username}:")
    click.echo(token)


@tokens_group.command("list")
@click.option("--username")
def tokens_list(username: str | None) -> None:
    """API tokens (id, user, label, created, last used, revoked); never the tokens themselves."""
    from sqlalchemy import select

    from .models import ApiToken, UserAccount

    with get_db(current_app).transaction() as session:
        stmt = select(ApiToken, UserAccount.username).join(UserAccount).order_by(ApiToken.id)
        if username:
            stmt = stmt.where(UserAccount.username == username)
        for token, name in session.execute(stmt):
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            click.echo(f"{token.id:>5}  {name:<20} {token.label or '':<20} "
                       f"created {token.created_at:%Y-%m-%d}  used {used}  {state}")


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke an API token by id (see `tokens list`); requests with it get 401 at once."""
    from datetime import datetime, timezone

    from .models import ApiToken
    from .services.state import AlreadyChanged, transition

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


tallies_group = AppGroup("tallies", help="The rollups (daily, monthly, subtree breakdowns).")


@tallies_group.command("rebuild")
def tallies_rebuild() -> None:
    """Recompute the rollups from the raw ballots (also after a unit moved in the tree)."""
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    with get_db(current_app).transaction() as session:
        cells = tallies.rebuild_tallies(session)
        rows = breakdowns.rebuild_breakdowns(session, tz)
    click.echo(f"Rebuilt {cells} tally cell(s) and {rows} breakdown row(s).")


@tallies_group.command("check")
def tallies_check() -> None:
    """Compare the live rollup with a recount; exit 1 and list differences if they differ."""
    db = get_db(current_app)
    with db.transaction() as session:
        live, counted = tallies.live_tallies(session), tallies.counted_tallies(session)
        monthly = tallies.monthly_drift(session)
        subtree = breakdowns.breakdown_drift(session, ZoneInfo(current_app.config["TIMEZONE"]))
    diff = {k for k in live.keys() | counted.keys() if live.get(k, 0) != counted.get(k, 0)}
    for key in sorted(diff, key=str)[:50]:
        click.echo(f"{key}: live {live.get(key, 0)} != ballots {counted.get(key, 0)}", err=True)
    if monthly:
        click.echo(f"{monthly} monthly cell(s) differ from the daily rollup", err=True)
    if subtree:
        click.echo(f"{subtree} subtree breakdown row(s) differ from the ballots", err=True)
    if diff or monthly or subtree:
        _fail(f"{len(diff) + monthly + subtree} tally cell(s) differ; run 'tallies rebuild'")
    click.echo(f"Rollup matches the ballots ({len(live)} cell(s)).")


@click.command("demo")
@with_appcontext
@click.option("--days", default=365, show_default=True, help="Days of votes, ending today.")
@click.option("--seed", default=2026, show_default=True)
@click.option("--per-counter-day", default=6.0, show_default=True,
              help="Mean votes per counter per working day.")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (and succeed) when the database already has units.")
def demo(days: int, seed: int, per_counter_day: float, if_empty: bool) -> None:
    """Seed a believable demo: Đà Nẵng's units, counters, kiosks, users and a year of votes."""
    from sqlalchemy import func, select

    from .models import Unit
    from .services.demo import seed_demo

    with get_db(current_app).transaction() as session:
        if if_empty and session.scalar(select(func.count()).select_from(Unit)):
            click.echo("The database already has units; demo not seeded.")
            return
        for path in sorted(DEFINITIONS.glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            outcome = questionnaires.load_questionnaire(session, data)
            click.echo(f"{outcome.questionnaire.code} v{outcome.questionnaire.version}: "
                       f"{outcome.action}")
        try:
            summary = seed_demo(session, days=days, seed=seed, per_counter_day=per_counter_day,
                                secret_key=current_app.config["SECRET_KEY"],
                                timezone=current_app.config["TIMEZONE"])
        except ValueError as exc:
            _fail(str(exc))
    for line in summary:
        click.echo(line)


def init_app(app: Flask) -> None:
    for group in (db_group, units_group, kiosk_group, users_group, tokens_group, tallies_group):
        app.cli.add_command(group)
    app.cli.add_command(demo)
    from .cli_questionnaires import group as questionnaires_group

    app.cli.add_command(questionnaires_group)
    from .cli_qr import group as qr_group

    app.cli.add_command(qr_group)
    from .cli_check import check

    app.cli.add_command(check)
    from .cli_periods import group as periods_group

    app.cli.add_command(periods_group)
    from . import cli_index

    cli_index.init_app(app)  # the index and dossiers groups
    from . import cli_kiosk  # noqa: F401  # kiosk pair / list / revoke, added to kiosk_group
