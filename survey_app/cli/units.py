"""``flask --app survey_app units import | import-official | merge | list | add-counter |
publish-counters``: the unit tree, its reorganisations, its counters and whether their figures
are public."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import get_db
from ..models import Counter, Unit
from ..services import official_units, publication, unit_changes, units
from ..services.errors import Invalid
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


@group.command("publish-counters")
@click.option("--unit", "unit_code", required=True)
@click.option("--on/--off", "enabled", required=True,
              help="Show the unit's counter figures on the public pages, or stop (audited).")
def units_publish_counters(unit_code: str, enabled: bool) -> None:
    """Switch a unit's counter figures on or off the public pages of its published periods
    (snapshots closed under survey-snapshot-v3 only); audited, safe to repeat."""
    with get_db(current_app).transaction() as session:
        unit = unit_or_fail(session, unit_code)
        changed = publication.set_counter_publication(session, unit, enabled, None)
    state = "published" if enabled else "not published"
    click.echo(f"Counter figures of {unit_code} are {state}"
               f"{'' if changed else ' (already so, nothing changed)'}.")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} must be a date like 2025-07-01, not {value!r}")


@group.command("import-official")
@click.option("--province", "province_code", required=True,
              help="GSO code of a current province, e.g. 48 (Thành phố Đà Nẵng).")
@click.option("--legacy", is_flag=True,
              help="Also the districts and wards before 1 July 2025, each with its successor.")
def units_import_official(province_code: str, legacy: bool) -> None:
    """The province and its communes from the statistics-office tables; safe to repeat."""
    try:
        with get_db(current_app).transaction() as session:
            counts = official_units.import_official(session, province_code.strip(),
                                                    legacy=legacy)
    except Invalid as exc:
        _fail(str(exc))
    if not counts.added and not counts.changed:
        click.echo(f"Nothing to do: all {len(counts.unchanged)} unit(s) already match "
                   "the official table.")
    else:
        click.echo(f"Units of province {province_code}: {counts.summary()}.")


@group.command("merge")
@click.option("--into", "into_code", required=True, help="The unit they become part of.")
@click.option("--from", "from_codes", required=True, help="Codes of the merged units, A,B,C.")
@click.option("--on", "on_text", required=True, help="The first day of the merged unit.")
def units_merge(into_code: str, from_codes: str, on_text: str) -> None:
    """End units the day before --on and record --into as their successor; audited."""
    on = _day(on_text, "--on")
    codes = [c.strip() for c in from_codes.split(",") if c.strip()]
    if len(set(codes)) != len(codes):
        _fail("--from names a unit twice")
    try:
        with get_db(current_app).transaction() as session:
            into = unit_or_fail(session, into_code)
            sources = [unit_or_fail(session, c) for c in codes]
            result = unit_changes.merge_units(session, into, sources, on)
    except Invalid as exc:
        _fail(f"nothing merged: {exc}")
    if result.ended:
        click.echo(f"Merged into {into_code} from {on.isoformat()}: {', '.join(result.ended)}"
                   + (f" (already merged: {', '.join(result.unchanged)})"
                      if result.unchanged else "") + ".")
    else:
        click.echo(f"Nothing to do: {', '.join(result.unchanged)} already merged into "
                   f"{into_code} from {on.isoformat()}.")


@group.command("list")
@click.option("--at", "at_text", help="A date (default today): the units in force on it.")
def units_list(at_text: str | None) -> None:
    """The unit tree in force on a date, indented under each parent."""
    on = _day(at_text, "--at") if at_text else date.today()
    with get_db(current_app).transaction() as session:
        rows = unit_changes.units_in_force(session, on)
        ids = {u.id for u in rows}
        children: dict[int | None, list[Unit]] = {}
        for u in rows:
            children.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)

        def show(parent: int | None, depth: int) -> None:
            for u in sorted(children.get(parent, []), key=lambda x: (x.name, x.code)):
                click.echo(f"{'  ' * depth}{u.code}  {u.name}  [{u.kind}]")
                show(u.id, depth + 1)

        show(None, 0)
    click.echo(f"{len(rows)} unit(s) in force on {on.isoformat()}.")
