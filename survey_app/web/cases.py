"""Officer pages for follow-up cases: the list (open, overdue, all), one case with its callback
number and steps, and opening a case from a comment. Officers of the unit's subtree only; other
units' cases are 404."""

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
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ..db import get_session
from ..domain.cases import NEXT_STATE, STATE_LABELS, callback_phone
from ..domain.problems import Problem
from ..messages import message
from ..models import Answer, Ballot, CaseContact, FollowupCase, QuestionnaireItem, Unit
from ..services import cases, votes
from ..services.access import may_manage, may_read
from ..services.comments import TEXT_KINDS
from ..services.errors import Conflict, Invalid
from ..services.state import AlreadyChanged
from .auth import current_user, login_required, require_page
from .officer import scoped_unit, today_local, visible_units

bp = Blueprint("cases", __name__, url_prefix="/officer/cases")

VIEWS = {"open": "Đang mở", "overdue": "Quá hạn", "all": "Tất cả"}
STEP_BUTTONS = {"in_progress": "Nhận xử lý", "answered": "Đã trả lời người dân",
                "closed": "Đóng phản ánh"}


def policy() -> cases.CasePolicy:
    cfg = current_app.config
    return cases.CasePolicy(tz=ZoneInfo(cfg["TIMEZONE"]), due_days=int(cfg["CASE_DUE_DAYS"]),
                            retention_days=int(cfg["CASE_RETENTION_DAYS"]),
                            base_url=cfg.get("PUBLIC_URL") or "")


@bp.get("")
@login_required("admin", "officer")
def index() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    unit = scoped_unit(user, request.args.get("unit"))
    view = request.args.get("view", "open")
    if view not in VIEWS:
        view = "open"
    session = get_session()
    today = today_local()
    rows = cases.cases_of(session, unit.id, overdue_on=today if view == "overdue" else None,
                          open_only=view == "open")
    return render_template("comments/cases.html", units=visible_units(user), unit=unit,
                           view=view, views=VIEWS, rows=rows, labels=STATE_LABELS, today=today)


def _case_in_scope(case_id: int) -> FollowupCase:
    case = get_session().get(FollowupCase, case_id)
    require_page(may_read, case.unit_id if case else None)
    assert case is not None
    return case


@bp.get("/<id:case_id>")
@login_required("admin", "officer")
def show(case_id: int) -> ResponseReturnValue:
    case = _case_in_scope(case_id)
    session = get_session()
    contact = session.get(CaseContact, case.id)
    comment = None
    if case.ballot_id is not None:
        comment = session.scalar(
            select(Answer.value).join(QuestionnaireItem, QuestionnaireItem.id == Answer.item_id)
            .where(Answer.ballot_id == case.ballot_id, QuestionnaireItem.kind.in_(TEXT_KINDS)))
    unit = session.get(Unit, case.unit_id)
    return render_template(
        "comments/case.html", case=case, unit=unit, contact=contact, comment=comment,
        labels=STATE_LABELS, next_state=NEXT_STATE.get(case.status),
        button=STEP_BUTTONS.get(NEXT_STATE.get(case.status, ""), ""), today=today_local(),
        tz=ZoneInfo(current_app.config["TIMEZONE"]), errors={})


@bp.post("/<id:case_id>")
@login_required("admin", "officer")
def step(case_id: int) -> ResponseReturnValue:
    """Move the case one step (the form names the step it saw, so a repeat does nothing)."""
    user = current_user()
    assert user is not None
    case = _case_in_scope(case_id)
    require_page(may_manage, case.unit_id)
    to = request.form.get("to", "")
    try:
        cases.advance(get_session(), case, to=to, user=user, now=datetime.now(timezone.utc),
                      note=(request.form.get("note") or "").strip() or None,
                      answer=request.form.get("answer"))
    except AlreadyChanged:
        flash(f"Phản ánh #{case.id} vừa được cập nhật trong một yêu cầu khác.", "info")
        return redirect(url_for(".show", case_id=case.id)), 303
    except Invalid as exc:
        for p in exc.problems.values():
            flash(message(p.key, "vi", p.params), "error")
        return redirect(url_for(".show", case_id=case.id)), 303
    flash(f"Phản ánh #{case.id}: {STATE_LABELS[to]}.", "info")
    return redirect(url_for(".show", case_id=case.id)), 303


@bp.post("/from-comment/<id:answer_id>")
@login_required("admin", "officer")
def from_comment(answer_id: int) -> ResponseReturnValue:
    """Open a case for the ballot of a comment (or show the one it has)."""
    user = current_user()
    assert user is not None
    session = get_session()
    ballot = session.scalar(select(Ballot).join(Answer, Answer.ballot_id == Ballot.id)
                            .where(Answer.id == answer_id))
    require_page(may_manage, ballot.unit_id if ballot else None)
    assert ballot is not None
    try:
        case = cases.open_case(session, ballot=ballot, source="officer", user=user,
                               now=datetime.now(timezone.utc), policy=policy())
    except Conflict:
        existing = session.scalar(select(FollowupCase.id)
                                  .where(FollowupCase.ballot_id == ballot.id))
        if existing is None:
            abort(409)
        flash(f"Ý kiến này đã có phản ánh #{existing}.", "info")
        return redirect(url_for(".show", case_id=existing)), 303
    flash(f"Đã mở phản ánh #{case.id}; hạn trả lời {case.due_on:%d/%m/%Y}.", "info")
    return redirect(url_for(".show", case_id=case.id)), 303


def callback_request(form: Any, level: str | None) -> str | None:
    """The callback number of a ballot form, or None when none was asked for (or the answer
    was not "Chưa hài lòng"). Raises ``VoteInvalid`` (field ``callback``) for a bad number or a
    missing consent, so the ballot is shown again with the message."""
    if not form.get("callback") or level != "not_satisfied":
        return None
    phone = callback_phone(form.get("callback_phone", "")[:40])
    if phone is None:
        raise votes.VoteInvalid({"callback": Problem("callback_bad_phone")})
    if not form.get("callback_consent"):
        raise votes.VoteInvalid({"callback": Problem("callback_needs_consent")})
    return phone


def callback_from_json(value: Any, level: str | None) -> str | None:
    """The API's ``callback: {"phone": "...", "consent": true}`` as :func:`callback_request`
    reads the form (None when absent or the answer was not "Chưa hài lòng")."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"phone", "consent"} or not isinstance(
            value.get("phone"), str):
        raise votes.VoteInvalid({"callback": Problem("callback_bad_phone")})
    form = {"callback": "1", "callback_phone": value["phone"],
            "callback_consent": "1" if value.get("consent") is True else ""}
    return callback_request(form, level)


def open_callback_case(session: Any, ballot_id: int, phone: str) -> None:
    """The citizen's case, in the vote's transaction (a stored vote always gets its case)."""
    ballot = session.get(Ballot, ballot_id)
    cases.open_case(session, ballot=ballot, source="citizen", user=None,
                    now=datetime.now(timezone.utc), policy=policy(), phone=phone)
