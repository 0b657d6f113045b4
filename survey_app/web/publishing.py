"""Admin actions on /admin/periods: publish or withdraw a closed period, publish or withdraw an
index ranking. Each is audited and safe against its own duplicate (services/publication.py);
a refusal is shown as a flash message on the page the admin came from."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from ..db import get_session
from ..models import IndexScheme, PeriodSnapshot
from ..services import publication
from .auth import current_user, login_required
from .periods import periods_page

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
