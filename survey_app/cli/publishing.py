"""``flask --app survey_app index publish|withdraw CODE --year Y``: show an index ranking on
the public pages, frozen as scored now, or withdraw it with a reason (both audited).

The commands join the ``index`` group (``cli/index.py``); period publishing lives with the
other period commands in ``cli/periods.py``.
"""

from __future__ import annotations

import click
from flask import current_app

from ..db import get_db
from ..services import publication
from ..services.index import scheme_row
from .index import index_group
from .support import fail


def _scheme(session, code: str, year: int):  # type: ignore[no-untyped-def]
    row = scheme_row(session, code, year) if 1900 <= year <= 9999 else None
    if row is None:
        fail(f"no scheme {code} {year} is loaded (index list shows what is)")
    return row


@index_group.command("publish")
@click.argument("code")
@click.option("--year", type=int, required=True)
def publish(code: str, year: int) -> None:
    """Publish the scheme year's ranking as it is scored now."""
    with get_db(current_app).transaction() as session:
        row = _scheme(session, code, year)
        try:
            pub = publication.publish_index(session, row, None)
        except publication.PublishError as exc:
            fail(str(exc))
        click.echo(f"Published the ranking {code} {year}: sha256 {pub.document_hash}")


@index_group.command("withdraw")
@click.argument("code")
@click.option("--year", type=int, required=True)
@click.option("--note", required=True, help="Why it is withdrawn (shown publicly).")
def withdraw(code: str, year: int, note: str) -> None:
    """Withdraw a published ranking; the reason stays visible."""
    with get_db(current_app).transaction() as session:
        row = _scheme(session, code, year)
        try:
            publication.withdraw_index(session, row, None, note)
        except publication.PublishError as exc:
            fail(str(exc))
        click.echo(f"Withdrew the ranking {code} {year}.")
