"""What every command-line module shares."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from sqlalchemy.orm import Session

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
