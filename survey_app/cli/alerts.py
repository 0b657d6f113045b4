"""``flask --app survey_app alerts add | list | remove``: alert rules per unit subtree.

The worker evaluates them (``flask --app survey_app worker``); see docs/alerts.md.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import get_db
from ..messages import message
from ..services import alerts, digest
from ..services.audit import record_action
from ..services.errors import Invalid, NotFound
from .support import fail, unit_or_fail

group = AppGroup("alerts", help="Alert rules on the 'Chưa hài lòng' share.")


@group.command("add")
@click.option("--unit", "unit_code", required=True, help="The unit whose subtree is watched.")
@click.option("--email", help="Where the alert e-mail goes.")
@click.option("--webhook", "webhook_url", help="A webhook registered with 'webhooks add'.")
@click.option("--threshold", type=int, required=True, help="Percent 'Chưa hài lòng' (1-100).")
@click.option("--window-hours", type=int, required=True, help="Hours looked back (1-720).")
@click.option("--min-n", type=int, required=True, help="Fewest valid votes to judge by.")
def alerts_add(unit_code: str, email: str | None, webhook_url: str | None, threshold: int,
               window_hours: int, min_n: int) -> None:
    """Add a rule: fire when the share over the last hours, with enough votes, reaches it."""
    try:
        with get_db(current_app).transaction() as session:
            unit = unit_or_fail(session, unit_code)
            rule = alerts.add_rule(session, unit=unit, email=email, webhook_url=webhook_url,
                                   threshold_pct=threshold, window_hours=window_hours,
                                   min_n=min_n)
            record_action(session, None, "alert_rule.add", "alert_rule", rule.id,
                          unit=unit_code, threshold=threshold, window_hours=window_hours,
                          min_n=min_n, email=bool(email), webhook=webhook_url)
    except Invalid as exc:
        fail("; ".join(f"--{k.replace('_', '-')}: {message(p.key, 'en', p.params)}"
                       for k, p in exc.problems.items()))
    click.echo(f"Alert rule {rule.id} added for {unit_code}: ≥ {threshold}% over "
               f"{window_hours} h with ≥ {min_n} votes.")


@group.command("list")
def alerts_list() -> None:
    """Every rule: id, unit, threshold, window, minimum, recipients, state."""
    with get_db(current_app).transaction() as session:
        for rule, unit in alerts.rules(session):
            click.echo("\t".join([
                str(rule.id), unit.code, f"{rule.threshold_pct}%", f"{rule.window_hours}h",
                f"n>={rule.min_n}", rule.email or "-",
                f"webhook {rule.webhook_id}" if rule.webhook_id else "-",
                "FIRING" if rule.firing else "ok"]))


@group.command("digests")
def alerts_digests() -> None:
    """Who gets each unit's weekly digest: the e-mail addresses of its rules."""
    with get_db(current_app).transaction() as session:
        for unit, email in digest.subscriptions(session):
            click.echo(f"{unit.code}\t{email}")


@group.command("remove")
@click.argument("rule_id", type=int)
def alerts_remove(rule_id: int) -> None:
    """Remove a rule."""
    try:
        with get_db(current_app).transaction() as session:
            alerts.remove_rule(session, rule_id)
            record_action(session, None, "alert_rule.remove", "alert_rule", rule_id)
    except NotFound:
        fail(f"no alert rule {rule_id}")
    click.echo(f"Alert rule {rule_id} removed.")
