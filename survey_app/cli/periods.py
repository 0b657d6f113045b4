"""``flask --app survey_app periods …``: close, reopen, list and verify period snapshots."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..db import get_db
from ..domain.periods import Period
from ..models import PeriodSnapshot, Unit
from ..services import publication, snapshots
from .support import fail, unit_or_fail

group = AppGroup("periods", help="Close a period into a hashed snapshot, reopen, verify.")


def _period(start: str, end: str) -> Period:
    try:
        return Period(date.fromisoformat(start), date.fromisoformat(end))
    except ValueError as exc:
        fail(f"--from/--to must be dates YYYY-MM-DD, the end not before the start ({exc})")


@group.command("close")
@click.option("--unit", "unit_code", required=True, help="Code of the subtree's top unit.")
@click.option("--from", "start", required=True, help="First day, YYYY-MM-DD (a month's 1st).")
@click.option("--to", "end", required=True, help="Last day, YYYY-MM-DD (a month's last).")
@click.option("--note", default=None)
def close(unit_code: str, start: str, end: str, note: str | None) -> None:
    """Freeze the figures of a period for a unit and everything below it."""
    period = _period(start, end)
    with get_db(current_app).transaction() as session:
        unit = unit_or_fail(session, unit_code)
        try:
            snap = snapshots.close_period(session, unit, period, None, note,
                                           tz=ZoneInfo(current_app.config["TIMEZONE"]))
        except snapshots.CloseError as exc:
            fail(str(exc))
        click.echo(f"Closed {unit.code} {period.start}..{period.end}: snapshot {snap.id}, "
                   f"{snap.cells} cells, sha256 {snap.content_hash}")


@group.command("reopen")
@click.argument("snapshot_id", type=int)
@click.option("--note", required=True, help="Why the period is reopened (audited).")
def reopen(snapshot_id: int, note: str) -> None:
    """Take a snapshot out of force; prints the headline counts that changed since."""
    with get_db(current_app).transaction() as session:
        snap = session.get(PeriodSnapshot, snapshot_id)
        if snap is None:
            fail(f"no snapshot {snapshot_id}")
        try:
            changes = snapshots.reopen_period(session, snap, None, note,
                                               tz=ZoneInfo(current_app.config["TIMEZONE"]))
        except snapshots.CloseError as exc:
            fail(str(exc))
    for c in changes:
        click.echo(f"{c.unit_code}\t{c.status}\t{c.level}\t{c.before} -> {c.after}")
    click.echo(f"Reopened snapshot {snapshot_id}; {len(changes)} headline count(s) changed.")


@group.command("list")
def list_() -> None:
    """Every snapshot, newest first."""
    with get_db(current_app).transaction() as session:
        rows = session.execute(select(PeriodSnapshot, Unit.code).join(
            Unit, Unit.id == PeriodSnapshot.unit_id).order_by(PeriodSnapshot.id.desc())).all()
        for snap, code in rows:
            state = f"reopened {snap.reopened_at:%Y-%m-%d}" if snap.reopened_at else "in force"
            click.echo(f"{snap.id}\t{code}\t{snap.period_from}..{snap.period_to}\t{state}\t"
                       f"{snap.content_hash}")


@group.command("verify")
def verify() -> None:
    """Re-hash every snapshot's stored cells; exit 1 if any no longer matches its hash."""
    bad = []
    with get_db(current_app).transaction() as session:
        snaps = list(session.scalars(select(PeriodSnapshot).order_by(PeriodSnapshot.id)))
        bad = [s.id for s in snaps if not snapshots.verify(session, s)]
    if bad:
        fail(f"snapshot(s) {', '.join(map(str, bad))} do not match their content hash")
    click.echo(f"{len(snaps)} snapshot(s) match their content hash.")


@group.command("publish")
@click.option("--unit", "unit_code", required=True, help="Code of the closed subtree's top unit.")
@click.option("--from", "start", required=True, help="First day of the closed period.")
@click.option("--to", "end", required=True, help="Last day of the closed period.")
def publish(unit_code: str, start: str, end: str) -> None:
    """Show a closed period on the public pages and in the open data (audited)."""
    period = _period(start, end)
    with get_db(current_app).transaction() as session:
        unit = unit_or_fail(session, unit_code)
        try:
            snap = publication.snapshot_of(session, unit, period)
            publication.publish_period(session, snap, None)
        except publication.PublishError as exc:
            fail(str(exc))
        click.echo(f"Published {unit.code} {period.start}..{period.end}: sha256 "
                   f"{snap.content_hash}")


@group.command("withdraw")
@click.option("--unit", "unit_code", required=True, help="Code of the closed subtree's top unit.")
@click.option("--from", "start", required=True, help="First day of the closed period.")
@click.option("--to", "end", required=True, help="Last day of the closed period.")
@click.option("--note", required=True, help="Why it is withdrawn (shown publicly).")
def withdraw(unit_code: str, start: str, end: str, note: str) -> None:
    """Withdraw a published period; the public pages keep showing when and why."""
    period = _period(start, end)
    with get_db(current_app).transaction() as session:
        unit = unit_or_fail(session, unit_code)
        try:
            snap = publication.snapshot_of(session, unit, period)
            publication.withdraw_period(session, snap, None, note)
        except publication.PublishError as exc:
            fail(str(exc))
        click.echo(f"Withdrew {unit.code} {period.start}..{period.end}.")
