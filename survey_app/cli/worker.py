"""``flask --app survey_app worker [--once]``: the process that does what requests only wrote
down — folds stored votes into the subtree rollup, sends the outbox's e-mails and webhook
events — and runs the loop's periodic jobs (alert rules, weekly digests, erasing callback
numbers of long-closed cases). ``webhooks add | list | remove`` registers the
receivers.

Run it beside gunicorn (docs/alerts.md has a systemd unit). Several workers may run at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import OperationalError

from ..db import get_db
from ..models import AlertRule, Unit, Webhook
from ..services import alerts, cases, digest, folding, outbox
from ..services.audit import record_action
from ..services.errors import Conflict, Invalid
from ..services.state import AlreadyChanged
from ..services.webhooks import add_webhook
from .support import fail

group = AppGroup("webhooks", help="Receivers of signed JSON events.")



def evaluate_alerts(app: Flask, now: datetime) -> str | None:
    """Every alert rule, each in its own transaction (a rule another worker just flipped is
    left to it)."""
    db = get_db(app)
    with db.transaction() as session:
        rule_ids = [rule.id for rule, _ in alerts.rules(session)]
    changes = []
    for rule_id in rule_ids:
        try:
            with db.transaction() as session:
                rule = session.get(AlertRule, rule_id)
                if rule is None:
                    continue
                outcome = alerts.evaluate(session, rule, now,
                                          base_url=app.config.get("PUBLIC_URL") or "")
        except AlreadyChanged:
            continue
        if outcome:
            changes.append(f"rule {rule_id} {outcome}")
    return ("alerts: " + ", ".join(changes)) if changes else None


def weekly_digests(app: Flask, now: datetime) -> str | None:
    """Last ISO week's digest for each unit and address of its alert rules, once a week: the
    first round of a week queues them, later rounds find them queued."""
    from zoneinfo import ZoneInfo

    from reports.dashboard_pdf import dashboard_pdf

    if str(app.config.get("WEEKLY_DIGEST", 1)) in ("0", "False", "false"):
        return None
    db = get_db(app)
    with db.transaction() as session:
        pairs = [(unit.id, email) for unit, email in digest.subscriptions(session)]
    queued = 0
    for unit_id, email in pairs:
        with db.transaction() as session:
            unit = session.get(Unit, unit_id)
            if unit is not None and digest.queue_digest(
                    session, unit, email, now, tz=ZoneInfo(app.config["TIMEZONE"]),
                    min_n=int(app.config["MIN_N"]), render_pdf=dashboard_pdf,
                    base_url=app.config.get("PUBLIC_URL") or ""):
                queued += 1
    return f"digests: {queued} queued" if queued else None


def erase_callback_numbers(app: Flask, now: datetime) -> str | None:
    """Callback numbers of cases closed more than SURVEY_CASE_RETENTION_DAYS ago."""
    with get_db(app).transaction() as session:
        erased = cases.erase_expired_contacts(session, now,
                                              int(app.config["CASE_RETENTION_DAYS"]))
    return f"cases: {erased} callback numbers erased" if erased else None


def fold_ballots(app: Flask, now: datetime) -> str | None:
    """Votes stored since the last round into the subtree rollup (docs/integrity.md)."""
    from zoneinfo import ZoneInfo

    folded = folding.fold_all(get_db(app).transaction, ZoneInfo(app.config["TIMEZONE"]))
    return f"folding: {folded} ballots" if folded else None


#: Jobs of a round before the outbox is sent, each ``job(app, now) -> str | None`` (a line to
#: print).
JOBS: list[Callable[[Flask, datetime], str | None]] = [fold_ballots, evaluate_alerts,
                                                       weekly_digests, erase_callback_numbers]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def delivery_settings(app: Flask) -> outbox.DeliverySettings:
    cfg = app.config
    return outbox.DeliverySettings(
        smtp_url=cfg.get("SMTP_URL") or None, mail_from=str(cfg["MAIL_FROM"]),
        smtp_ca_file=cfg.get("SMTP_CA_FILE") or None,
        allow_private=str(cfg.get("WEBHOOK_ALLOW_PRIVATE", "0")) in ("1", "True", "true"),
        webhook_timeout=float(cfg["WEBHOOK_TIMEOUT_SECONDS"]))


def run_round(app: Flask, clock: Callable[[], datetime] = _now) -> list[str]:
    """One pass of every job, then the outbox until nothing more is due now."""
    lines = []
    for job in JOBS:
        line = job(app, clock())
        if line:
            lines.append(line)
    settings = delivery_settings(app)
    db = get_db(app)
    while True:
        counts = outbox.process_due(db.transaction, settings, clock)
        if any(counts.values()):
            lines.append("outbox: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        if sum(counts.values()) < outbox.BATCH:
            return lines


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Process what is due now, then exit.")
def worker(once: bool) -> None:
    """Send the outbox and run the periodic jobs, until stopped (SIGTERM) or once."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    interval = float(app.config["WORKER_INTERVAL_SECONDS"])
    while True:
        try:
            for line in run_round(app):
                click.echo(line)
        except OperationalError as exc:
            # PostgreSQL restarting or unreachable: nothing of the round was committed (each
            # job is its own transaction); the pool has dropped its dead connections and the
            # next round starts over. Votes wait in the fold queue meanwhile.
            reason = f"database unavailable ({exc.orig.__class__.__name__})"
            if once:
                fail(reason)
            click.echo(f"{reason}; next round in {interval:g} s", err=True)
        if once:
            return
        time.sleep(interval)


@group.command("add")
@click.option("--url", required=True)
@click.option("--secret", required=True, help="Shared secret for the HMAC-SHA256 signature.")
def webhooks_add(url: str, secret: str) -> None:
    """Register a webhook receiver."""
    allow = delivery_settings(current_app).allow_private
    try:
        with get_db(current_app).transaction() as session:
            hook = add_webhook(session, url, secret, allow_private=allow)
            record_action(session, None, "webhook.add", "webhook", hook.id, url=url)
    except Invalid as exc:
        from ..messages import message

        fail("; ".join(f"{k}: {message(p.key, 'en', p.params)}"
                       for k, p in exc.problems.items()))
    except Conflict:
        fail(f"a webhook with URL {url} is already registered")
    click.echo(f"Webhook {hook.id} registered: {url}")


@group.command("list")
def webhooks_list() -> None:
    """The registered receivers (secrets are not shown)."""
    with get_db(current_app).transaction() as session:
        for hook in session.query(Webhook).order_by(Webhook.id):
            click.echo(f"{hook.id}\t{hook.url}")


@group.command("remove")
@click.argument("webhook_id", type=int)
def webhooks_remove(webhook_id: int) -> None:
    """Remove a receiver; alert rules naming it keep their e-mail only."""
    with get_db(current_app).transaction() as session:
        hook = session.get(Webhook, webhook_id)
        if hook is None:
            fail(f"no webhook {webhook_id}")
        session.query(AlertRule).filter(AlertRule.webhook_id == webhook_id).update(
            {AlertRule.webhook_id: None})
        session.delete(hook)
        record_action(session, None, "webhook.remove", "webhook", webhook_id)
    click.echo(f"Webhook {webhook_id} removed.")


