"""What every command-line module shares."""

from __future__ import annotations

import sys
from datetime import date, datetime
from typing import NoReturn
from zoneinfo import ZoneInfo

import click
from flask import current_app
from sqlalchemy.orm import Session

from ..domain.periods import Period
from ..models import Counter, Unit


def fail(message: str) -> NoReturn:
    """Print ``Error: message`` to stderr and exit 1 (nothing after it runs)."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def unit_or_fail(session: Session, code: str) -> Unit:
    """The unit with ``code``, or ``Error: no unit with code …`` and exit 1."""
    from ..services.units import unit_by_code

    unit = unit_by_code(session, code)
    if unit is None:
        fail(f"no unit with code {code!r}")
    return unit


def counter_or_fail(session: Session, unit: Unit, code: str | None) -> Counter | None:
    """The unit's counter with ``code`` (None when no code was given), or exit 1."""
    from ..services.units import counter_by_code

    if not code:
        return None
    counter = counter_by_code(session, unit, code)
    if counter is None:
        fail(f"unit {unit.code} has no counter {code!r}")
    return counter


def today() -> date:
    """Today's date where the service runs (``SURVEY_TIMEZONE``)."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def in_force_or_fail(unit: Unit, when: date | Period, *, whole: bool = True) -> None:
    """Exit 1 with the reason when ``unit`` is not in force for ``when``
    (``services.units.validity_problem``: a merged ward takes nothing new)."""
    from ..messages import message
    from ..services.units import validity_problem

    problem = validity_problem(unit, when, whole=whole)
    if problem is not None:
        fail(message(problem.key, "en", problem.params))
