"""Citizen-facing forms: the unit's web link (and, through the same views, the QR channels).

Server-rendered and usable without JavaScript; conditions ("reasons only after Chưa hài lòng")
are enforced on the server by the one validator in domain/questionnaire.py and merely mirrored
in the browser by static/form.js. Every form carries a client_id generated when the page is
rendered, so submitting twice stores one vote.

POST-redirect-GET everywhere: a stored vote answers ``303`` to the thank-you page, and a ballot
with missing or wrong answers answers ``303`` back to its own address, which shows the answers
and messages kept for it in the session (once). The browser's history therefore only ever holds
GET pages, and "Back" never asks to send the form again. Only when the answers are too long to
keep in the session cookie is the form re-rendered directly (422).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
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
from flask import session as flask_session
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from ..db import get_session
from ..domain.problems import Problem
from ..domain.questionnaire import Definition, Item
from ..i18n import current_language
from ..messages import message
from ..models import Counter, Unit
from ..ratelimit import counter
from ..services import receipts, votes
from ..services.questionnaires import (
    QuestionnaireVersion,
    assigned_questionnaire,
    questionnaire_version,
)
from ..services.security import keyed_hash
from ..services.units import counter_by_code, unit_by_code
from .access import public
from .cases import callback_request, open_callback_case

bp = Blueprint("public", __name__)

#: The hidden field a person never sees; bots fill it. Such votes are stored flagged.
HONEYPOT = "website"

TEXT = {
    "vi": {"submit": "Gửi đánh giá", "required": "bắt buộc",
           "errors": "Phiếu chưa gửi được. Vui lòng xem lại:", "thanks": "Cảm ơn Ông/Bà!",
           "thanks_body": "Ý kiến của Ông/Bà đã được ghi nhận. Phiếu không ghi tên người trả lời.",
           "anonymous": "Phiếu không ghi tên, không hỏi giấy tờ tùy thân; số điện thoại chỉ khi "
                        "Ông/Bà muốn được liên hệ lại và được lưu riêng, không gắn với phiếu.",
           "switch": "English", "when": "Chỉ trả lời nếu câu trên chọn “{value}”.",
           "not_found": "Không tìm thấy đường dẫn đánh giá này.",
           "not_found_body": "Đường dẫn có thể đã gõ sai. Vui lòng quét lại mã QR "
                             "hoặc hỏi cán bộ tại quầy.",
           "honeypot": "Để trống ô này",
           "callback": "Tôi muốn được liên hệ lại",
           "callback_hint": "Không bắt buộc. Số điện thoại được lưu riêng, không gắn với phiếu "
                            "đánh giá, chỉ cán bộ phụ trách xem được và được xóa sau khi xử lý.",
           "callback_phone": "Số điện thoại",
           "callback_consent": "Tôi đồng ý để cơ quan dùng số điện thoại này liên hệ lại với "
                               "tôi về ý kiến trên."},
    "en": {"submit": "Send", "required": "required",
           "errors": "Your answers were not sent. Please check:", "thanks": "Thank you!",
           "thanks_body": "Your answers have been recorded. This survey is anonymous.",
           "anonymous": "Anonymous: no name or ID is asked; a phone number only if you ask to be "
                        "called back, stored apart from your answers.",
           "switch": "Tiếng Việt", "when": "Answer only if you chose “{value}” above.",
           "not_found": "This survey link was not found.",
           "not_found_body": "The address may be mistyped. Please scan the QR code again "
                             "or ask at the counter.",
           "honeypot": "Leave this empty",
           "callback": "I would like to be called back",
           "callback_hint": "Optional. The number is stored apart from your answers, seen only "
                            "by the officers in charge and deleted after the case is handled.",
           "callback_phone": "Phone number",
           "callback_consent": "I agree that the office may use this number to contact me "
                               "about my comment."},
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


#: Session key of a ballot sent back for corrections (POST-redirect-GET), and the most it may
#: take of the ~4 KB session cookie; longer answers are re-rendered at once instead.
RETRY_KEY = "ballot_retry"
RETRY_MAX_CHARS = 2500


def _keep_for_retry(action: str, client_id: str, answers: dict[str, Any],
                    problems: dict[str, Problem]) -> bool:
    """Keep a refused ballot for the GET that follows the redirect; False when too long."""
    kept = {"action": action, "client_id": client_id, "answers": answers,
            "problems": {code: [p.key, dict(p.params)] for code, p in problems.items()}}
    if len(json.dumps(kept, ensure_ascii=False, default=str)) > RETRY_MAX_CHARS:
        return False
    flask_session[RETRY_KEY] = kept
    return True


def _retry(action: str) -> dict[str, Any] | None:
    """The refused ballot kept for this form, once (a reload afterwards shows a fresh form)."""
    kept = flask_session.pop(RETRY_KEY, None)
    if not isinstance(kept, dict) or kept.get("action") != action:
        return None
    return kept


def render_ballot(*, unit: Unit, counter: Counter | None, questionnaire: QuestionnaireVersion,
                  action: str, channel: str, client_id: str | None = None,
                  answers: dict[str, Any] | None = None,
                  problems: dict[str, Problem] | None = None, status: int = 200) -> Any:
    lang = current_language(negotiate=False)
    if request.method == "GET" and problems is None:
        kept = _retry(action)
        if kept is not None:
            client_id = str(kept.get("client_id") or "") or None
            answers = kept.get("answers") or {}
            problems = {code: Problem(key, params)
                        for code, (key, params) in (kept.get("problems") or {}).items()}
    errors = {code.removeprefix("answers."): message(p.key, lang, p.params)
              for code, p in (problems or {}).items()}
    if channel in RATE_LIMITED_CHANNELS:
        _browser_id()
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
                  flag: str | None = None,
                  after_record: Callable[[votes.VoteResult], None] | None = None,
                  dossier_hash: str | None = None) -> Any:
    """Validate and store a posted ballot; re-render with messages, or go to the thank-you page.

    ``after_record`` runs in the same transaction once the vote is stored (a receipt code is
    marked used there); an exception from it rolls the vote back.
    """
    assert principal.unit is not None
    form = BallotForm()
    if not form.validate_on_submit():
        abort(400)  # CSRF token missing or expired (CSRFProtect refuses such posts first)
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
    # Counted before it is stored, and flagged on that count: concurrent posts from one browser
    # cannot all see the count below the limit. Given back below if nothing gets stored.
    limits = _limit_keys() if principal.channel in RATE_LIMITED_CHANNELS else []
    if _count_vote(limits) and flag is None:
        flag = "rate_limit"
    stored = False
    session = get_session()
    policy = _policy()
    try:
        vote = votes.parse_vote(session, payload, principal, policy)
        # an opt-in callback request after "Chưa hài lòng" (checked before anything is stored)
        phone = callback_request(request.form, definition.level_of(vote.answers))
        vote.flag = vote.flag or flag
        if dossier_hash is not None:
            vote.dossier_hash = dossier_hash
        result = votes.record_vote(session, vote, received_at=datetime.now(timezone.utc),
                                   policy=policy)
        if result.created and after_record is not None:
            after_record(result)
        if result.created and phone:
            open_callback_case(session, result.vote.id, phone)
        stored = result.created
    except votes.VoteInvalid as exc:
        if _keep_for_retry(action, client_id, answers, exc.problems):
            return redirect(_with_lang(action, lang), 303)
        return render_ballot(unit=principal.unit, counter=principal.counter,
                             questionnaire=questionnaire, action=action,
                             channel=principal.channel or "web", client_id=client_id,
                             answers=answers, problems=exc.problems, status=422)
    except votes.VoteConflict:
        pass  # the same page posted twice with other answers: the first one counts
    finally:
        if not stored:  # a replay, invalid answers or an error: this post used no vote
            _count_vote(limits, -1)
    return redirect(url_for("public.thanks", lang=lang if lang != "vi" else None), 303)


def _with_lang(path: str, lang: str) -> str:
    return path if lang == "vi" else f"{path}?lang={lang}"


#: Channels anyone with the link can use: limited per browser and per network address.
RATE_LIMITED_CHANNELS = frozenset({"qr_counter", "web"})


def _browser_id() -> str:
    """A random id in the signed session cookie: it names a browser, not a person. Given out
    with the form, so that every post from one page shares it (see docs/deploy.md: a browser
    that drops its cookie gets a new id; the per-address limit is the backstop)."""
    if "bid" not in flask_session:
        flask_session["bid"] = secrets.token_urlsafe(12)
    return str(flask_session["bid"])


def _limit_keys() -> list[tuple[str, int]]:
    cfg = current_app.config
    address = keyed_hash(cfg["SECRET_KEY"], "ip", request.remote_addr or "unknown")
    return [(f"vote:browser:{_browser_id()}", int(cfg["QR_LIMIT_BROWSER"])),
            (f"vote:addr:{address}", int(cfg["QR_LIMIT_ADDRESS"]))]


def _count_vote(limits: list[tuple[str, int]], delta: int = 1) -> bool:
    """Count a vote (or give one back with ``delta=-1``) under each limit key, atomically;
    True when a count now exceeds its limit, i.e. this vote is over the limit."""
    window = int(current_app.config["QR_LIMIT_WINDOW_SECONDS"])
    over = False
    for key, limit in limits:
        over = counter().hit(key, window, delta) > limit or over
    return over


def _policy() -> votes.VotePolicy:
    return votes.VotePolicy.from_config(current_app.config)


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
@public
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
@public
def thanks() -> Response | str:
    lang = current_language(negotiate=False)
    return render_template("public/message.html", lang=lang, t=TEXT[lang],
                           heading=TEXT[lang]["thanks"], body=TEXT[lang]["thanks_body"])


RECEIPT_PAGES = {
    "invalid": (404, {"vi": ("Mã đánh giá không hợp lệ",
                             "Mã QR này không đúng hoặc đã bị sửa. Vui lòng quét lại mã trên "
                             "giấy hẹn trả kết quả, hoặc hỏi cán bộ tại quầy."),
                      "en": ("This code is not valid",
                             "The QR code is wrong or was altered. Please scan the code on your "
                             "receipt again, or ask at the counter.")}),
    "expired": (410, {"vi": ("Mã đánh giá đã hết hạn",
                             "Thời hạn đánh giá cho hồ sơ này đã kết thúc. Cảm ơn Ông/Bà đã quan "
                             "tâm; Ông/Bà vẫn có thể đánh giá tại máy tính bảng ở quầy."),
                      "en": ("This code has expired",
                             "The time to rate this application has ended. You can still rate "
                             "the service on the tablet at the counter.")}),
    "used": (409, {"vi": ("Hồ sơ này đã được đánh giá",
                          "Mỗi hồ sơ được đánh giá một lần và ý kiến cho hồ sơ này đã được ghi "
                          "nhận. Cảm ơn Ông/Bà!"),
                   "en": ("This application has already been rated",
                          "Each application can be rated once, and this one has been. "
                          "Thank you!")}),
}


def _receipt_page(kind: str) -> tuple[str, int]:
    lang = current_language(negotiate=False)
    status, texts = RECEIPT_PAGES[kind]
    heading, body = texts[lang]
    return render_template("public/message.html", lang=lang, t=TEXT[lang], heading=heading,
                           body=body), status


@bp.route("/q/<token>", methods=["GET", "POST"])
@public
def receipt_ballot(token: str) -> Any:
    """The ballot behind a dossier receipt's QR code: one vote per dossier (``qr_receipt``)."""
    if not receipts.looks_like_receipt(token):
        return _receipt_page("invalid")
    session = get_session()
    now = datetime.now(timezone.utc)
    secret = current_app.config["SECRET_KEY"]
    try:
        receipt = receipts.receipt_for_token(session, token, secret_key=secret, now=now)
    except receipts.ReceiptError as exc:
        return _receipt_page(exc.kind)
    unit, counter_ = receipt.unit, receipt.counter
    questionnaire = questionnaire_for(unit, "qr_receipt")
    action = url_for("public.receipt_ballot", token=token)
    if request.method == "GET":
        return render_ballot(unit=unit, counter=counter_, questionnaire=questionnaire,
                             action=action, channel="qr_receipt")

    def consume(result: votes.VoteResult) -> None:
        receipts.consume_receipt(session, receipt, result.vote.id, now)

    principal = votes.Principal.for_public(unit, "qr_receipt", counter_)
    try:
        return submit_ballot(principal=principal, questionnaire=questionnaire, action=action,
                             after_record=consume, dossier_hash=receipt.dossier_hash)
    except receipts.ReceiptError as exc:
        session.rollback()  # another tab used the code first: nothing of this vote is kept
        return _receipt_page(exc.kind)


def unit_and_counter_for_poster(code: str) -> tuple[Unit, Counter | None] | None:
    """Poster codes are ``UNIT`` or ``UNIT.COUNTER`` (codes never contain a dot)."""
    unit_code, _, counter_code = code.partition(".")
    session = get_session()
    unit = unit_by_code(session, unit_code)
    if unit is None:
        return None
    if not counter_code:
        return unit, None
    counter_ = counter_by_code(session, unit, counter_code)
    return (unit, counter_) if counter_ is not None else None


@bp.route("/q/c/<code>", methods=["GET", "POST"])
@public
def counter_ballot(code: str) -> Any:
    """The ballot behind a counter poster's QR code (``qr_counter``), limited per browser and
    per address: votes over the limit are stored flagged for an officer to review."""
    found = unit_and_counter_for_poster(code)
    if found is None:
        return not_found_page()
    unit, counter_ = found
    questionnaire = questionnaire_for(unit, "qr_counter")
    action = url_for("public.counter_ballot", code=code)
    if request.method == "POST":
        return submit_ballot(principal=votes.Principal.for_public(unit, "qr_counter", counter_),
                             questionnaire=questionnaire, action=action)
    return render_ballot(unit=unit, counter=counter_, questionnaire=questionnaire,
                         action=action, channel="qr_counter")
