"""``flask --app survey_app qr posters``: write counter posters for a whole subtree."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from reports.posters import SIZES_MM, poster_png, posters_pdf

from ..db import get_db
from ..services.posters import posters_for_unit, subtree_units
from ..services.units import unit_by_code
from .support import in_force_or_fail, today

group = AppGroup("qr", help="QR codes and counter posters.")


@group.command("posters")
@click.option("--unit", "unit_code", required=True, help="Root of the subtree.")
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path))
@click.option("--size", type=click.Choice(sorted(SIZES_MM)), default="A4", show_default=True)
@click.option("--base-url", help="Public address printed in the QR (default SURVEY_PUBLIC_URL).")
@click.option("--png/--no-png", default=True, show_default=True, help="Also write PNG images.")
def posters(unit_code: str, out_dir: Path, size: str, base_url: str | None, png: bool) -> None:
    """One PDF per unit (a page per counter) and a PNG per poster, for the unit's subtree."""
    base = base_url or current_app.config.get("PUBLIC_URL")
    if not base:
        click.echo("Error: give --base-url (the address citizens reach, e.g. "
                   "https://danhgia.example.gov.vn) or set SURVEY_PUBLIC_URL", err=True)
        sys.exit(1)
    with get_db(current_app).transaction() as session:
        root = unit_by_code(session, unit_code)
        if root is None:
            click.echo(f"Error: no unit {unit_code!r}", err=True)
            sys.exit(1)
        day = today()
        in_force_or_fail(root, day)
        out_dir.mkdir(parents=True, exist_ok=True)
        files = 0
        units = subtree_units(session, root)
        ended = [u.code for u in units if not u.in_force(day)]  # legacy wards: no new poster
        for unit in (u for u in units if u.in_force(day)):
            items = posters_for_unit(session, unit, base)
            (out_dir / f"{unit.code}-{size}.pdf").write_bytes(posters_pdf(items, size))
            files += 1
            if png:
                for poster in items:
                    suffix = poster.url.rsplit("/", 1)[-1]
                    (out_dir / f"{suffix}-{size}.png").write_bytes(poster_png(poster, size))
                    files += 1
    click.echo(f"Wrote {files} file(s) to {out_dir}.")
    if ended:
        click.echo(f"Skipped {len(ended)} unit(s) not in force on {day.isoformat()}: "
                   + ", ".join(ended[:10]) + (", …" if len(ended) > 10 else "") + ".")
