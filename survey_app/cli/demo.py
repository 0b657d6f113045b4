"""``flask --app survey_app demo``: seed a believable demo database."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..db import get_db
from ..models import Unit
from ..services import questionnaires
from ..services.demo import seed_demo, seeded_counts
from .support import fail as _fail

#: Questionnaire definitions shipped with the service (loaded by ``demo``).
DEFINITIONS = Path(__file__).resolve().parent.parent / "definitions"


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
        counts = seeded_counts(session)
    headline, *credentials = summary
    for line in (headline, *counts, *credentials):
        click.echo(line)
