"""Admin page ``/admin/alerts``: alert rules (add, remove), registered webhooks, and the
deliveries the worker gave up on after 24 hours."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ..db import get_session
from ..messages import message
from ..models import Unit, Webhook
from ..services import alerts, digest, outbox
from ..services.audit import record_action
from ..services.errors import Invalid, NotFound
from ..services.units import unit_by_code
from .auth import current_user, login_required

bp = Blueprint("alerts", __name__, url_prefix="/admin/alerts")


def _int(name: str) -> int | str:
    text = (request.form.get(name) or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 7 else text


@bp.get("")
@login_required("admin")
def index() -> ResponseReturnValue:
    return _page({}, {})


def _page(errors: dict[str, str], form: dict[str, str], status: int = 200) -> ResponseReturnValue:
    session = get_session()
    return render_template(
        "comments/alerts.html", rules=alerts.rules(session),
        webhooks=list(session.scalars(select(Webhook).order_by(Webhook.id))),
        failed=outbox.failed_messages(session), pending=outbox.pending_count(session),
        units=list(session.scalars(select(Unit).order_by(Unit.name))),
        digests=digest.subscriptions(session),
        errors=errors, form=form), status


@bp.post("")
@login_required("admin")
def add() -> ResponseReturnValue:
    session = get_session()
    form = {k: (request.form.get(k) or "").strip() for k in
            ("unit", "email", "webhook", "threshold", "window_hours", "min_n")}
    unit = unit_by_code(session, form["unit"])
    if unit is None:
        return _page({"unit": "Chọn một đơn vị."}, form, 400)
    try:
        rule = alerts.add_rule(session, unit=unit, email=form["email"] or None,
                               webhook_url=form["webhook"] or None,
                               threshold_pct=_int("threshold"),
                               window_hours=_int("window_hours"), min_n=_int("min_n"))
    except Invalid as exc:
        return _page({k: message(p.key, "vi", p.params) for k, p in exc.problems.items()},
                     form, 400)
    record_action(session, current_user(), "alert_rule.add", "alert_rule", rule.id,
                  unit=unit.code, threshold=rule.threshold_pct)
    flash(f"Đã thêm quy tắc cảnh báo #{rule.id} cho {unit.name}.", "info")
    return redirect(url_for(".index")), 303


@bp.post("/<id:rule_id>/remove")
@login_required("admin")
def remove(rule_id: int) -> ResponseReturnValue:
    session = get_session()
    try:
        alerts.remove_rule(session, rule_id)
    except NotFound:
        abort(404)
    record_action(session, current_user(), "alert_rule.remove", "alert_rule", rule_id)
    flash(f"Đã xóa quy tắc cảnh báo #{rule_id}.", "info")
    return redirect(url_for(".index")), 303
