"""Admin actions on /admin/periods: publish or withdraw a closed period, publish or withdraw an
index ranking, switch a unit's counter figures on or off the public pages. Each is audited and
safe against its own duplicate (services/publication.py). Bad input (no reason for a withdrawal,
an unknown scheme or unit) re-renders the form's page with the message beside the field and a
4xx; a conflict (already published, already withdrawn) is a flash message on the page the admin
came from."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from ..db import get_session
from ..i18n import current_language
from ..messages import message
from ..models import IndexScheme, PeriodSnapshot
from ..services import publication
from ..services.units import unit_by_code
from .auth import current_user, login_required
from .periods import period_page, periods_page

bp = Blueprint("publishing", __name__, url_prefix="/admin")


def _snapshot(snapshot_id: int) -> PeriodSnapshot:
    snapshot = get_session().get(PeriodSnapshot, snapshot_id)
    if snapshot is None:
        abort(404)
    return snapshot


@bp.post("/periods/<id:snapshot_id>/publish")
@login_required("admin")
def publish_period(snapshot_id: int) -> ResponseReturnValue:
    snapshot = _snapshot(snapshot_id)
    back = url_for("periods.show", snapshot_id=snapshot.id)
    try:
        publication.publish_period(get_session(), snapshot, current_user())
    except publication.PublishError as exc:
        flash(str(exc), "error")
        return redirect(back), 303
    flash("Đã công bố kỳ này trên trang công khai (/cong-khai/) và trong dữ liệu mở.", "info")
    return redirect(back), 303


@bp.post("/periods/<id:snapshot_id>/withdraw")
@login_required("admin")
def withdraw_period(snapshot_id: int) -> ResponseReturnValue:
    snapshot = _snapshot(snapshot_id)
    back = url_for("periods.show", snapshot_id=snapshot.id)
    try:
        publication.withdraw_period(get_session(), snapshot, current_user(),
                                    request.form.get("note"))
    except publication.BadReason as exc:  # the form again, nothing stored, with the message
        return period_page(snapshot, withdraw_error=str(exc), status=422)
    except publication.PublishError as exc:
        flash(str(exc), "error")
        return redirect(back), 303
    flash("Đã rút lại số liệu công bố; lý do được hiển thị công khai.", "info")
    return redirect(back), 303


#: Shown when a ranking form names a scheme that is not loaded (a stale page, a typed URL).
UNKNOWN_SCHEME = "Không có Bộ chỉ số này (có thể đã bị thay thế); tải lại trang và chọn lại."


def _index_action(scheme_id: int, act: Callable[[IndexScheme], object],
                  done: str) -> ResponseReturnValue:
    """Run a ranking publish or withdraw. Bad input (an unknown scheme, no reason) re-renders
    the page with the Vietnamese message and a 4xx, so nothing is stored and the form may be
    sent again; a conflict (already published, already withdrawn) is a flash message."""
    scheme = get_session().get(IndexScheme, scheme_id)
    if scheme is None:
        return periods_page(index_error=UNKNOWN_SCHEME, status=404)
    try:
        act(scheme)
    except publication.BadReason as exc:
        return periods_page(index_error=str(exc), status=422)
    except publication.PublishError as exc:
        flash(str(exc), "error")
    else:
        flash(done.format(code=scheme.code, year=scheme.year), "info")
    return redirect(url_for("periods.index") + "#index-publication"), 303


@bp.post("/index-publication/<id:scheme_id>/publish")
@login_required("admin")
def publish_index(scheme_id: int) -> ResponseReturnValue:
    return _index_action(
        scheme_id, lambda scheme: publication.publish_index(get_session(), scheme,
                                                            current_user()),
        "Đã công bố bảng xếp hạng {code} năm {year}.")


@bp.post("/index-publication/<id:scheme_id>/withdraw")
@login_required("admin")
def withdraw_index(scheme_id: int) -> ResponseReturnValue:
    return _index_action(
        scheme_id, lambda scheme: publication.withdraw_index(
            get_session(), scheme, current_user(), request.form.get("note")),
        "Đã rút lại bảng xếp hạng {code} năm {year}.")


@bp.post("/units/counter-publication")
@login_required("admin")
def counter_publication() -> ResponseReturnValue:
    """Switch a unit's counter figures on (``enabled=1``) or off (``enabled=0``) the public
    pages of its published periods closed under ``survey-snapshot-v3``."""
    code = (request.form.get("unit") or "").strip()
    enabled = request.form.get("enabled")
    unit = unit_by_code(get_session(), code) if code and len(code) <= 40 else None
    if unit is None:
        return periods_page(counter_error=message("unknown_unit", current_language(),
                                                  {"code": code[:40]}), status=400)
    if enabled not in ("0", "1"):
        return periods_page(counter_error=message("counter_switch_value", current_language()),
                            status=400)
    on = enabled == "1"
    changed = publication.set_counter_publication(get_session(), unit, on, current_user())
    state = "đang được công bố" if on else "không được công bố"
    flash(f"Số liệu theo quầy của {unit.name} {state}"
          f"{'' if changed else ' (không có gì thay đổi)'}.", "info")
    return redirect(url_for("periods.index") + "#counter-publication"), 303
