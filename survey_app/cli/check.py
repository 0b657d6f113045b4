"""``flask --app survey_app check``: what would go wrong in production, before it does."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from ..db import alembic_config, get_db


def configuration_problems() -> tuple[list[str], list[str]]:
    """(errors, warnings) about the running configuration."""
    cfg = current_app.config
    errors = list(cfg.get("CONFIG_ERRORS", []))
    warnings: list[str] = []
    production = cfg["ENV"] == "production"
    workers = int(os.environ.get("SURVEY_WORKERS") or os.environ.get("WEB_CONCURRENCY") or
                  (os.cpu_count() or 1) * 2)
    if production:
        if cfg["DATABASE_URL"].startswith("sqlite"):
            errors.append("SURVEY_DATABASE_URL is SQLite: production runs on PostgreSQL "
                          "(postgresql+psycopg://…)")
        if current_app.debug or os.environ.get("FLASK_DEBUG") in ("1", "true"):
            errors.append("debug mode is on: it shows code and lets anyone run Python")
        if not cfg.get("REDIS_URL") and workers > 1:
            errors.append(f"SURVEY_REDIS_URL is not set but gunicorn runs {workers} workers: "
                          "rate limits would be counted per worker, not per server")
        if not str(cfg.get("PUBLIC_URL") or "").startswith("https://"):
            warnings.append("SURVEY_PUBLIC_URL is not an https:// address: QR codes print it")
        if not cfg.get("TRUSTED_PROXIES"):
            warnings.append("SURVEY_TRUSTED_PROXIES is 0: behind nginx every citizen would share "
                            "the proxy's address in the per-address limit")
    if cfg.get("REDIS_URL"):
        try:
            import redis

            redis.Redis.from_url(cfg["REDIS_URL"], socket_connect_timeout=2).ping()
        except Exception as exc:  # any failure to reach Redis is the finding
            errors.append(f"Redis at SURVEY_REDIS_URL does not answer ({exc.__class__.__name__})")
    try:
        with get_db(current_app).engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(alembic_config(cfg["DATABASE_URL"])).get_current_head()
        if revision != head:
            errors.append(f"the database is at migration {revision}, not {head}: run "
                          "'flask --app survey_app db upgrade'")
    except Exception as exc:  # unreachable or never migrated
        errors.append(f"the database cannot be read ({exc.__class__.__name__}); check "
                      "SURVEY_DATABASE_URL and run 'flask --app survey_app db upgrade'")
    return errors, warnings


@click.command("check")
@with_appcontext
def check() -> None:
    """Report misconfiguration (fatal in production mode) and exit 1 if there is any."""
    errors, warnings = configuration_problems()
    for message in errors:
        click.echo(f"ERROR   {message}", err=True)
    for message in warnings:
        click.echo(f"WARNING {message}", err=True)
    if errors:
        click.echo(f"{len(errors)} problem(s) must be fixed.", err=True)
        sys.exit(1)
    click.echo(f"Configuration OK ({current_app.config['ENV']}).")
