"""Officer page for counter tablets: create pairing codes, see devices, revoke one.

A code for a counter replaces the counter's previous tablet when it pairs (the old one is
revoked and audited, ``services/kiosk.pair_device``) unless the officer ticks "Giữ cả thiết bị
cũ" (keep both).

Admins see every unit; officers their own subtree (``may_see_unit``). A new code is shown once,
on the page that created it, and never again (only its keyed hash is stored). Creating a code
and revoking a device are written to the audit log in the same transaction. Whether a tablet
still holds unsent votes is only known on the tablet (its status mark); here the officer sees
when the server last heard from it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from ..db import get_session
from ..inputs import ascii_int
from ..models import Counter, KioskDevice, Unit
from ..services import kiosk as kiosk_service
from ..services.access import may_manage, scoped
from ..services.audit import record_action
from ..services.units import validity_problem
from .auth import current_user, login_required, may_see_unit, require_page
from .forms import CsrfForm, form_errors
from .officer import today_local

bp = Blueprint("kiosk_devices", __name__, url_prefix="/officer/kiosks")
ROLES = ("admin", "officer")


def _places() -> list[tuple[str, str]]:
    """(value, label) for the place select: each unit in scope, then each of its counters."""
    user = current_user()
    assert user is not None
    session = get_session()
    today = today_local()  # a merged ward takes no new tablet
    units = [u for u in session.scalars(scoped(select(Unit).order_by(Unit.code), user, Unit.id))
             if u.in_force(today)]
    counters: dict[int, list[Counter]] = {}
    for c in session.scalars(select(Counter).where(Counter.unit_id.in_([u.id for u in units]),
                                                   Counter.active.is_(True))
                             .order_by(Counter.code)):
        counters.setdefault(c.unit_id, []).append(c)
    places: list[tuple[str, str]] = []
    for u in units:
        places.extend((f"c:{c.id}", f"{u.name} · {c.name}") for c in counters.get(u.id, []))
        places.append((f"u:{u.id}", f"{u.name} (không gắn quầy)"))
    return places


def _local(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def _page(new_code: str | None = None, new_row: Any = None, errors: dict[str, str] | None = None,
          values: Any = None, status: int = 200) -> Any:
    user = current_user()
    assert user is not None
    session = get_session()
    now = datetime.now(timezone.utc)
    return render_template(
        "kiosk/devices.html", form=CsrfForm(), places=_places(),
        devices=kiosk_service.devices_in_scope(session, user),
        codes=kiosk_service.open_codes(session, user, now), local=_local,
        new_code=new_code, new_row=new_row, errors=errors or {}, values=values or {},
        default_minutes=kiosk_service.DEFAULT_MINUTES, max_minutes=kiosk_service.MAX_MINUTES,
    ), status


@bp.get("/")
@login_required(*ROLES)
def index() -> Any:
    return _page()


@bp.post("/codes")
@login_required(*ROLES)
def create_code() -> Any:
    """Create a pairing code and show it once."""
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user()
    assert user is not None
    session = get_session()
    errors: dict[str, str] = {}
    unit: Unit | None = None
    counter: Counter | None = None
    kind, _, raw_id = request.form.get("place", "").partition(":")
    place_id = ascii_int(raw_id, 1, 2**31 - 1)  # not "²", which isdigit() takes
    if place_id is not None:
        if kind == "c":
            counter = session.get(Counter, place_id)
            unit = counter.unit if counter else None
        elif kind == "u":
            unit = session.get(Unit, place_id)
    if unit is None or not may_see_unit(user, unit.id):
        errors["place"] = "Chọn đơn vị hoặc quầy đặt máy tính bảng."
    elif problem := validity_problem(unit, today_local()):
        errors.update(form_errors({"place": problem}))
    minutes_raw = request.form.get("minutes", "").strip() or str(kiosk_service.DEFAULT_MINUTES)
    minutes = ascii_int(minutes_raw) or 0
    if not 1 <= minutes <= kiosk_service.MAX_MINUTES:
        errors["minutes"] = (f"Thời hạn phải là số phút từ 1 đến {kiosk_service.MAX_MINUTES}.")
    label = request.form.get("label", "").strip()
    if len(label) > 120:
        errors["label"] = "Ghi chú dài quá 120 ký tự."
    keep_previous = request.form.get("keep_previous") == "1"
    if errors:
        return _page(errors=errors, values=request.form, status=422)
    assert unit is not None
    row, code = kiosk_service.create_pairing_code(
        session, unit, counter, secret_key=current_app.config["SECRET_KEY"],
        now=datetime.now(timezone.utc), minutes=minutes, user=user, label=label or None,
        keep_previous=keep_previous)
    record_action(session, user, "kiosk.pairing_code.create", "kiosk_pairing_code", row.id,
                  unit=unit.code, counter=counter.code if counter else None, minutes=minutes,
                  keep_previous=keep_previous)
    return _page(new_code=code, new_row=row, status=201)


@bp.post("/<id:device_id>/revoke")
@login_required(*ROLES)
def revoke(device_id: int) -> Any:
    """Revoke a device: its token is refused from the next request on."""
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user()
    assert user is not None
    session = get_session()
    device = session.get(KioskDevice, device_id)
    require_page(may_manage, device.unit_id if device else None)
    if kiosk_service.revoke_device(session, device, datetime.now(timezone.utc)):
        record_action(session, user, "kiosk.revoke", "kiosk_device", device.id,
                      unit=device.unit.code,
                      counter=device.counter.code if device.counter else None)
        flash(f"Đã thu hồi máy tính bảng số {device.id}. Máy sẽ không gửi được phiếu nữa.",
              "info")
    else:
        flash(f"Máy tính bảng số {device.id} đã được thu hồi trước đó.", "info")
    return redirect(url_for("kiosk_devices.index"))
