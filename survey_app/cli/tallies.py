"""``flask --app survey_app tallies rebuild | check | fold``: the rollups against the raw ballots,
and folding stored votes into the subtree rollup."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import get_db
from ..services import breakdowns, folding, tallies
from .support import fail as _fail

group = AppGroup("tallies", help="The rollups (daily, monthly, subtree breakdowns).")


@group.command("rebuild")
def tallies_rebuild() -> None:
    """Recompute the rollups from the raw ballots (also after a unit moved in the tree)."""
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    with get_db(current_app).transaction() as session:
        cells = tallies.rebuild_tallies(session)
        rows = breakdowns.rebuild_breakdowns(session, tz)
    click.echo(f"Rebuilt {cells} tally cell(s) and {rows} breakdown row(s).")


@group.command("check")
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


@group.command("fold")
@click.option("--loop", is_flag=True, help="Keep folding, sleeping while nothing is waiting.")
@click.option("--batch", default=folding.DEFAULT_BATCH, show_default=True,
              help="Ballots per transaction.")
@click.option("--sleep", default=1.0, show_default=True, help="Seconds to wait when idle.")
def tallies_fold(loop: bool, batch: int, sleep: float) -> None:
    """Fold the votes stored since the last fold into the subtree rollup (each exactly once;
    several folders may run at once)."""
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    db = get_db(current_app)
    total = 0
    while True:
        total += folding.fold_all(db.transaction, tz, batch=batch)
        if not loop:
            break
        time.sleep(sleep)
    click.echo(f"Folded {total} ballot(s).")
