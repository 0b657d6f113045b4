"""``flask --app survey_app cases counts``: a unit subtree's follow-up cases over local dates,
as CSV for the index or a report (docs/comments.md explains the mapping)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import get_db
from ..services.cases import case_counts
from .support import fail, unit_or_fail

group = AppGroup("cases", help="Follow-up cases (phản ánh, kiến nghị).")


@group.command("counts")
@click.option("--unit", "unit_code", required=True)
@click.option("--from", "start", required=True, help="First local date, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last local date, YYYY-MM-DD.")
def cases_counts(unit_code: str, start: str, end: str) -> None:
    """Print ``unit,from,to,opened,answered_on_time,overdue``."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        fail("--from and --to must be dates like 2026-11-01")
    if last < first:
        fail("--to is before --from")
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    with get_db(current_app).transaction() as session:
        unit = unit_or_fail(session, unit_code)
        counts = case_counts(session, unit.id, first, last, datetime.now(tz).date(), tz)
    click.echo("unit,from,to,opened,answered_on_time,overdue")
    click.echo(f"{unit_code},{first},{last},{counts.opened},{counts.answered_on_time},"
               f"{counts.overdue}")
