"""``flask --app survey_app db upgrade | downgrade | current``: the Alembic migrations."""

from __future__ import annotations

import click
from alembic import command as alembic_command
from flask import current_app
from flask.cli import AppGroup

from ..db import alembic_config

group = AppGroup("db", help="Apply or roll back the database migrations.")


@group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the configured database up to REVISION (default: head)."""
    alembic_command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"Database at {revision}.")


@group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the configured database down to REVISION (``base`` empties it)."""
    alembic_command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"Database at {revision}.")


@group.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    alembic_command.current(alembic_config(current_app.config["DATABASE_URL"]))
