"""``flask --app survey_app kiosk register | pair | list | revoke``: counter tablets.

Each command commits once and writes the audit log with actor ``cli``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import get_db
from ..models import KioskDevice
from ..services import accounts
from ..services import kiosk as kiosk_service
from ..services.audit import record_action
from .support import counter_or_fail, in_force_or_fail, today, unit_or_fail
from .support import fail as _fail

group = AppGroup("kiosk", help="Kiosk tablets.")


@group.command("register")
@click.option("--unit", "unit_code", required=True)
@click.option("--counter", "counter_code")
@click.option("--label")
def kiosk_register(unit_code: str, counter_code: str | None, label: str | None) -> None:
    """Register a kiosk device; prints its token as the last line (shown only once)."""
    with get_db(current_app).transaction() as session:
        unit = unit_or_fail(session, unit_code)
        in_force_or_fail(unit, today())
        counter = counter_or_fail(session, unit, counter_code)
        device, token = accounts.register_kiosk(session, unit, counter, label)
        record_action(session, None, "kiosk.register", "kiosk_device", device.id,
                      unit=unit_code, counter=counter_code)
    click.echo(f"Kiosk device {device.id} registered to {unit_code}"
               + (f" / {counter_code}" if counter_code else "") + ". Token:")
    click.echo(token)


@group.command("pair")
@click.option("--unit", "unit_code", required=True, help="Code of the unit the tablet serves.")
@click.option("--counter", "counter_code", help="Code of the counter (quầy), if any.")
@click.option("--minutes", type=click.IntRange(1, kiosk_service.MAX_MINUTES),
              default=kiosk_service.DEFAULT_MINUTES, show_default=True,
              help="How long the code stays valid.")
@click.option("--label", help="A note kept with the device, e.g. 'Máy tính bảng quầy 1'.")
@click.option("--keep-previous", is_flag=True,
              help="Keep the counter's previous tablets paired (default: the new one replaces "
                   "them, they are revoked when it pairs).")
def kiosk_pair(unit_code: str, counter_code: str | None, minutes: int,
               label: str | None, keep_previous: bool) -> None:
    """Create a single-use pairing code; prints it as the last line (shown only once).

    On the tablet, open /kiosk/ and type the code to pair it with the unit (and counter).
    """
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    with get_db(current_app).transaction() as session:
        unit = unit_or_fail(session, unit_code)
        in_force_or_fail(unit, today())
        counter = counter_or_fail(session, unit, counter_code)
        row, code = kiosk_service.create_pairing_code(
            session, unit, counter, secret_key=current_app.config["SECRET_KEY"],
            now=datetime.now(timezone.utc), minutes=minutes, label=label,
            keep_previous=keep_previous)
        record_action(session, None, "kiosk.pairing_code.create", "kiosk_pairing_code", row.id,
                      unit=unit_code, counter=counter_code, minutes=minutes,
                      keep_previous=keep_previous)
        expires = row.expires_at.astimezone(tz)
    click.echo(f"Pairing code for {unit_code}" + (f" / {counter_code}" if counter_code else "")
               + f", valid until {expires:%Y-%m-%d %H:%M} ({tz.key}), single use:")
    click.echo(code)


@group.command("list")
@click.option("--unit", "unit_code", help="Only this unit's devices.")
def kiosk_list(unit_code: str | None) -> None:
    """Devices: id, unit, counter, label, last seen, revoked (never their tokens)."""
    tz = ZoneInfo(current_app.config["TIMEZONE"])

    def when(moment: datetime | None) -> str:
        return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}" if moment else "never"

    with get_db(current_app).transaction() as session:
        devices = kiosk_service.devices_in_scope(session, None)
        if unit_code:
            devices = [d for d in devices if d.unit.code == unit_code]
        click.echo(f"{'id':>5}  {'unit':<12} {'counter':<10} {'label':<24} "
                   f"{'last seen':<17} state")
        for d in devices:
            state = f"revoked {when(d.revoked_at)}" if d.revoked_at else "active"
            click.echo(f"{d.id:>5}  {d.unit.code:<12} {d.counter.code if d.counter else '-':<10} "
                       f"{(d.label or '')[:24]:<24} {when(d.last_seen_at):<17} {state}")


@group.command("revoke")
@click.argument("device_id", type=int)
def kiosk_revoke(device_id: int) -> None:
    """Revoke a device by id (see `kiosk list`); its votes are refused (401) from now on."""
    with get_db(current_app).transaction() as session:
        device = session.get(KioskDevice, device_id)
        if device is None:
            _fail(f"no kiosk device {device_id}")
        assert device is not None
        if kiosk_service.revoke_device(session, device, datetime.now(timezone.utc)):
            record_action(session, None, "kiosk.revoke", "kiosk_device", device.id,
                          unit=device.unit.code,
                          counter=device.counter.code if device.counter else None)
            click.echo(f"Kiosk device {device_id} revoked.")
        else:
            click.echo(f"Kiosk device {device_id} was already revoked.")
