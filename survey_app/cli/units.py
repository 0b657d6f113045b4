"""``flask --app survey_app units import | add-counter``: the unit tree and its counters."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import get_db
from ..models import Counter
from ..services import units
from ..services.units import RowErrors
from .support import fail as _fail
from .support import unit_or_fail

group = AppGroup("units", help="The unit tree.")


@group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def units_import(file: Path) -> None:
    """Import units from a CSV with header code,name,kind,parent_code; all or nothing."""
    try:
        rows = units.parse_unit_csv(file.read_bytes())
        with get_db(current_app).transaction() as session:
            count = units.import_units(session, rows)
    except RowErrors as exc:
        for line, problem in exc.problems:
            click.echo(f"{file}:{line}: {problem}", err=True)
        _fail(f"nothing imported ({len(exc.problems)} problem(s))")
    click.echo(f"Imported {count} unit(s).")


@group.command("add-counter")
@click.option("--unit", "unit_code", required=True)
@click.option("--code", required=True)
@click.option("--name", required=True)
def units_add_counter(unit_code: str, code: str, name: str) -> None:
    """Add a service counter (quầy) to a unit."""
    with get_db(current_app).transaction() as session:
        unit = unit_or_fail(session, unit_code)
        if not units.CODE_PATTERN.fullmatch(code):
            _fail("counter code must be 1-40 letters, digits, '-' or '_'")
        if units.counter_by_code(session, unit, code) is not None:
            _fail(f"unit {unit_code} already has a counter {code!r}")
        session.add(Counter(unit=unit, code=code, name=name))
    click.echo(f"Counter {code} added to {unit_code}.")
