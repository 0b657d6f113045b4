"""Citizen-facing forms: the unit's web link (and, through the same views, the QR channels).

Server-rendered and usable without JavaScript; conditions ("reasons only after Chưa hài lòng")
are enforced on the server by the one validator in domain/questionnaire.py and merely mirrored
in the browser by static/form.js. Every form carries a client_id generated when the page is
rendered, so submitting twice stores one vote.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from ..db import get_session
from ..domain.questionnaire import Definition, Item, Problem
from ..i18n import current_language
from ..messages import message
from ..models import Counter, Unit
from ..services import votes
from ..services.questionnaires import (
    QuestionnaireVersion,
    assigned_questionnaire,
    questionnaire_version,
)
from ..services.units import unit_by_code

bp = Blueprint("public", __name__)

#: The hidden field a person never sees; bots fill it. Such votes are stored flagged.
HONEYPOT = "website"

TEXT = {
    "vi": {"submit": "Gửi đánh giá", "required": "bắt buộc", "optional": "không bắt buộc",
           "errors": "Phiếu chưa gửi được. Vui lòng xem lại:", "thanks": "Cảm ơn Ông/Bà!",
           "thanks_body": "Ý kiến của Ông/Bà đã được ghi nhận. Phiếu không ghi tên người trả lời.",
           "anonymous": "Phiếu không ghi tên; không thu thập số điện thoại hay giấy tờ tùy thân.",
           "switch": "English", "when": "Chỉ trả lời nếu câu trên chọn “{value}”.",
           "not_found": "Không tìm thấy đường dẫn đánh giá này.",
           "not_found_body": "Đường dẫn có thể đã gõ sai. Vui lòng quét lại mã QR "
                             "hoặc hỏi cán bộ tại quầy.",
           "honeypot": "Để trống ô này"},
    "en": {"submit": "Send", "required": "required", "optional": "optional",
           "errors": "Your answers were not sent. Please check:", "thanks": "Thank you!",
           "thanks_body": "Your answers have been recorded. This survey is anonymous.",
           "anonymous": "Anonymous: no name, phone number or ID is collected.",
           "switch": "Tiếng Việt", "when": "Answer only if you chose “{value}” above.",
           "not_found": "This survey link was not found.",
           "not_found_body": "The address may be mistyped. Please scan the QR code again "
                             "or ask at the counter.",
           "honeypot": "Leave this empty"},
}


class BallotForm(FlaskForm):
    """Only for CSRF: the questions themselves come from the questionnaire definition."""


def answers_from_form(definition: Definition, form: MultiDict[str, str]) -> dict[str, Any]:
    """Read answers named ``a.<item>`` from a submitted form into the validator's shape."""
    answers: dict[str, Any] = {}
    for item in definition.items:
        name = f"a.{item.code}"
        if item.kind == "multiple_choice":
            values = form.getlist(name)
            if values:
                answers[item.code] = values
        elif name in form:
            answers[item.code] = form.get(name, "")
    return answers


def render_ballot(*, unit: Unit, counter: Counter | None, questionnaire: QuestionnaireVersion,
                  action: str, channel: str, client_id: str | None = None,
                  answers: dict[str, Any] | None = None,
                  problems: dict[str, Problem] | None = None, status: int = 200) -> Any:
    lang = current_language(negotiate=False)
    errors = {code.removeprefix("answers."): message(p.key, lang, p.params)
              for code, p in (problems or {}).items()}
    return render_template(
        "public/ballot.html", lang=lang, t=TEXT[lang], unit=unit, counter=counter,
        definition=questionnaire.definition, questionnaire=questionnaire, action=action,
        channel=channel, form=BallotForm(), client_id=client_id or str(uuid.uuid4()),
        answers=answers or {}, errors=errors, honeypot=HONEYPOT,
        condition_label=_condition_label,
        L=lambda text: (text.get(lang) or text["vi"]) if text else "",
    ), status


def _condition_label(definition: Definition, item: Item, lang: str) -> str | None:
    if item.when is None:
        return None
    source = definition.item(item.when.item)
    if source is None or source.scale is None:
        return None
    labels = [o.label.get(lang) or o.label["vi"] for o in source.scale.options
              if o.value in item.when.values]
    return TEXT[lang]["when"].format(value=", ".join(labels))


def submit_ballot(*, principal: votes.Principal, questionnaire: QuestionnaireVersion,
                  action: str, extra: dict[str, Any] | None = None,
                  flag: str | None = None) -> Any:
    """Validate and store a posted ballot; re-render with messages, or go to the thank-you page."""
    assert principal.unit is not None
    form = BallotForm()
    if not form.validate_on_submit():
        abort(400)  # CSRF token missing or expired: Flask-WTF's message page
    lang = current_language(negotiate=False)
    definition = questionnaire.definition
    answers = answers_from_form(definition, request.form)
    client_id = request.form.get("client_id", "")
    payload = {
        "client_id": client_id,
        "questionnaire": questionnaire.code,
        "version": questionnaire.version,
        "answers": answers,
        "answered_at": datetime.now(timezone.utc).isoformat(),
        **(extra or {}),
    }
    if request.form.get(HONEYPOT):
        flag = "honeypot"
    session = get_session()
    policy = _policy()
    try:
        vote = votes.parse_vote(session, payload, principal, policy)
        vote.flag = vote.flag or flag
        votes.record_vote(session, vote, received_at=datetime.now(timezone.utc), policy=policy)
    except votes.VoteInvalid as exc:
        return render_ballot(unit=principal.unit, counter=principal.counter,
                             questionnaire=questionnaire, action=action,
                             channel=principal.channel or "web", client_id=client_id,
                             answers=answers, problems=exc.problems, status=422)
    except votes.VoteConflict:
        pass  # the same page posted twice with other answers: the first one counts
    return redirect(url_for("public.thanks", lang=lang if lang != "vi" else None))


def _policy() -> votes.VotePolicy:
    cfg = current_app.config
    return votes.VotePolicy(
        timezone=ZoneInfo(cfg["TIMEZONE"]), secret_key=cfg["SECRET_KEY"],
        clock_skew=timedelta(seconds=int(cfg["CLOCK_SKEW_SECONDS"])),
        max_age=timedelta(days=int(cfg["MAX_ANSWER_AGE_DAYS"])),
    )


def questionnaire_for(unit: Unit, channel: str) -> QuestionnaireVersion:
    """The version assigned to the unit and channel today, else the latest counter ballot."""
    session = get_session()
    today = datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
    found = assigned_questionnaire(session, unit.id, channel, today) \
        or questionnaire_version(session, votes.DEFAULT_QUESTIONNAIRE)
    assert found is not None  # KIOSK-3L v1 is created by migration 0002
    return found


def not_found_page() -> tuple[str, int]:
    lang = current_language(negotiate=False)
    return render_template("public/message.html", lang=lang, t=TEXT[lang],
                           heading=TEXT[lang]["not_found"],
                           body=TEXT[lang]["not_found_body"]), 404


@bp.route("/w/<unit_code>", methods=["GET", "POST"])
def web_ballot(unit_code: str) -> Any:
    """The ballot linked from a unit's website (channel ``web``)."""
    unit = unit_by_code(get_session(), unit_code)
    if unit is None:
        return not_found_page()
    questionnaire = questionnaire_for(unit, "web")
    action = url_for("public.web_ballot", unit_code=unit.code)
    if request.method == "POST":
        return submit_ballot(principal=votes.Principal.for_public(unit, "web"),
                             questionnaire=questionnaire, action=action)
    return render_ballot(unit=unit, counter=None, questionnaire=questionnaire, action=action,
                         channel="web")


@bp.get("/cam-on")
def thanks() -> Response | str:
    lang = current_language(negotiate=False)
    return render_template("public/message.html", lang=lang, t=TEXT[lang],
                           heading=TEXT[lang]["thanks"], body=TEXT[lang]["thanks_body"])
