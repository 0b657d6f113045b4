"""``flask --app survey_app questionnaires …``: load, list, show, assign and equate versions."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..db import get_db
from ..domain.questionnaire import parse_definition
from ..domain.vocab import CHANNELS
from ..models import Ballot, Questionnaire, QuestionnaireItem
from ..services import questionnaires as qs
from ..services.units import unit_by_code
from .support import fail as _fail

group = AppGroup("questionnaires", help="Versioned questionnaires (survey forms).")


def _read(file: Path) -> object:
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        _fail(f"{file} is not readable YAML/JSON: {exc}")
    return None


@group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as-new-version", is_flag=True,
              help="Store changed content under the next free version number.")
def load(file: Path, as_new_version: bool) -> None:
    """Load a questionnaire definition (YAML or JSON). Shipped ones: survey_app/definitions/."""
    data = _read(file)
    with get_db(current_app).transaction() as session:
        try:
            outcome = qs.load_questionnaire(session, data, as_new_version=as_new_version)
        except qs.QuestionnaireLoadError as exc:
            for key, problem in exc.problems:
                click.echo(f"{file}: {key}: {problem}", err=True)
            _fail(f"nothing loaded ({len(exc.problems)} problem(s))")
        q = outcome.questionnaire
    verb = {"created": "Loaded", "unchanged": "Already loaded, unchanged:",
            "new_version": "Loaded as a new version:"}[outcome.action]
    click.echo(f"{verb} {q.code} version {q.version} ({len(parse_definition(q.definition).items)}"
               " items).")


@group.command("list")
def list_() -> None:
    """Every stored version with its number of answers (ballots)."""
    with get_db(current_app).transaction() as session:
        rows = session.execute(
            select(Questionnaire.code, Questionnaire.version, Questionnaire.title,
                   select(func.count()).where(Ballot.questionnaire_id == Questionnaire.id)
                   .scalar_subquery())
            .order_by(Questionnaire.code, Questionnaire.version)
        ).all()
    for code, version, title, ballots in rows:
        click.echo(f"{code:<12} v{version:<3} {ballots:>9} phiếu  {title}")


@group.command("show")
@click.argument("code")
@click.option("--version", type=int, help="Default: the latest version.")
def show(code: str, version: int | None) -> None:
    """Print a version's sections and items with their keys for paper entry."""
    with get_db(current_app).transaction() as session:
        found = qs.questionnaire_version(session, code, version)
        if found is None:
            _fail(f"no questionnaire {code}" + (f" version {version}" if version else ""))
        assert found is not None
        d = found.definition
    click.echo(f"{d.code} version {d.version}: {d.title['vi']}")
    click.echo(f"  channels: {', '.join(sorted(d.channels))}")
    for section in d.sections:
        title = section.title["vi"] if section.title else section.code
        click.echo(f"  [{section.code}] {title}" + (f" (element {section.element})"
                                                     if section.element else ""))
        for item in section.items:
            flags = [item.kind, "required" if item.required else "optional"]
            if item.when:
                flags.append(f"when {item.when.item} in {sorted(item.when.values)}")
            click.echo(f"    {item.code}: {item.label['vi']}  ({'; '.join(flags)})")
            keys = d.entry_keys(item)
            if keys:
                labels = {o.value: o.label["vi"] for o in item.scale.options}  # type: ignore
                click.echo("      " + "  ".join(f"{k}={labels[v]}" for k, v in keys.items()))


@group.command("assign")
@click.option("--unit", "unit_code", required=True)
@click.option("--channel", required=True, type=click.Choice(CHANNELS))
@click.option("--code", required=True)
@click.option("--version", type=int, required=True)
@click.option("--from", "valid_from", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "valid_to", type=click.DateTime(["%Y-%m-%d"]))
def assign(unit_code: str, channel: str, code: str, version: int, valid_from, valid_to) -> None:  # type: ignore[no-untyped-def]
    """Make a unit's subtree use a version on a channel from a date (inclusive)."""
    with get_db(current_app).transaction() as session:
        unit = unit_by_code(session, unit_code)
        q = session.scalar(select(Questionnaire).where(Questionnaire.code == code,
                                                       Questionnaire.version == version))
        if unit is None:
            _fail(f"no unit {unit_code!r}")
        if q is None:
            _fail(f"no questionnaire {code} version {version}")
        try:
            qs.assign_questionnaire(session, unit, channel, q, valid_from.date(),  # type: ignore
                                    valid_to.date() if valid_to else None)
        except qs.QuestionnaireLoadError as exc:
            _fail(str(exc))
    click.echo(f"{unit_code} uses {code} v{version} on {channel} from {valid_from.date()}.")


@group.command("equate")
@click.argument("item")
@click.argument("same_as")
def equate(item: str, same_as: str) -> None:
    """Count answers to ITEM under SAME_AS in item figures; both as CODE:VERSION:ITEM."""
    with get_db(current_app).transaction() as session:
        rows = []
        for ref in (item, same_as):
            try:
                code, version, item_code = ref.split(":")
                row = session.scalar(
                    select(QuestionnaireItem).join(Questionnaire)
                    .where(Questionnaire.code == code, Questionnaire.version == int(version),
                           QuestionnaireItem.code == item_code))
            except ValueError:
                row = None
            if row is None:
                _fail(f"{ref!r} names no item (expected CODE:VERSION:ITEM, e.g. SIPAS-5E:1:tc1)")
            rows.append(row)
        try:
            qs.declare_equivalent(session, rows[0], rows[1])
        except qs.QuestionnaireLoadError as exc:
            _fail(str(exc))
    click.echo(f"{item} is now counted as {same_as}.")
