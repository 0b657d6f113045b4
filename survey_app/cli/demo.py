"""``flask --app survey_app demo``: seed a believable demo database."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import yaml
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..db import get_db
from ..models import Unit
from ..services import questionnaires
from ..services.demo import default_days, seed_demo, seeded_counts
from .support import fail as _fail

#: Questionnaire definitions shipped with the service (loaded by ``demo``).
DEFINITIONS = Path(__file__).resolve().parent.parent / "definitions"


@click.command("demo")
@with_appcontext
@click.option("--days", type=int, default=None,
              help="Days of votes, ending now [default: 18 months, back to 1 July 2024 when "
                   "that is earlier, so comparisons across the 2025 reorganisation have data].")
@click.option("--seed", default=2026, show_default=True)
@click.option("--per-counter-day", default=4.0, show_default=True,
              help="Mean votes per counter per working day.")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (and succeed) when the database already has units.")
def demo(days: int | None, seed: int, per_counter_day: float, if_empty: bool) -> None:
    """Seed a believable demo: today's Đà Nẵng (current phường, departments, the service
    centre, the legacy wards before July 2025), counters, kiosks, users and 18 months of votes."""
    with get_db(current_app).transaction() as session:
        if if_empty and session.scalar(select(func.count()).select_from(Unit)):
            click.echo("The database already has units; demo not seeded.")
            return
        for path in sorted(DEFINITIONS.glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            outcome = questionnaires.load_questionnaire(session, data)
            click.echo(f"{outcome.questionnaire.code} v{outcome.questionnaire.version}: "
                       f"{outcome.action}")
        if days is None:
            today = datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
            days = default_days(today)
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
