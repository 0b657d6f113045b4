"""What every command-line module shares."""

from __future__ import annotations

import sys
from typing import NoReturn

import click


def fail(message: str) -> NoReturn:
    """Print ``Error: message`` to stderr and exit 1 (nothing after it runs)."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)
