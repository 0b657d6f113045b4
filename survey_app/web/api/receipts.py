"""Receipt codes on the JSON API: the one-stop software asks for a code per dossier and prints
its QR on the receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, jsonify, request, url_for

from reports.qr import qr_png, qr_svg

from ...db import get_session
from ...domain.periods import local_date
from ...domain.problems import Problem
from ...services import receipts
from ...services.access import READERS, may_issue_receipt
from ...services.audit import record_action
from ...services.units import counter_by_code, unit_by_code, validity_problem
from .access import authenticated, require, token_user
from .blueprint import bp
from .problems import invalid
from .requests import ReceiptIn, read_body


def public_url(path: str) -> str:
    """An absolute URL for printing: SURVEY_PUBLIC_URL when set, else this request's host."""
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return base.rstrip("/") + path


@bp.post("/receipt-tokens")
@authenticated
def receipt_tokens_create() -> Response | tuple[Response, int]:
    """Issue (or return the existing) single-use code for a dossier."""
    user = token_user(*READERS)
    # lone surrogates: nothing can hash or store them; the counter is judged with the unit
    payload, problems = read_body(ReceiptIn, judged_later=("counter",), text_first=True)
    session = get_session()
    unit = None
    if "unit" not in problems and (unit := unit_by_code(session, payload["unit"])) is None:
        problems["unit"] = Problem("unknown_unit", {"code": payload["unit"][:40]})
    now = datetime.now(timezone.utc)
    if unit is not None and (problem := validity_problem(
            unit, local_date(now, ZoneInfo(current_app.config["TIMEZONE"])))):
        problems["unit"] = problem  # a merged ward: its dossiers go to the new commune
    counter = None
    counter_code = payload.get("counter")
    if counter_code is not None and unit is not None:
        if not isinstance(counter_code, str) or (
                counter := counter_by_code(session, unit, counter_code)) is None:
            problems["counter"] = Problem("unknown_counter", {"code": str(counter_code)[:40]})
    if problems:
        return invalid(_ordered(problems))
    assert unit is not None
    require(may_issue_receipt, unit.id)
    dossier: str = payload["dossier"]
    days = payload.get("expires_in_days", current_app.config["RECEIPT_DAYS"])
    issued = receipts.issue_receipt(session, unit=unit, counter=counter, dossier=dossier,
                                    secret_key=current_app.config["SECRET_KEY"],
                                    now=now, days=days, user=user)
    if issued.created:
        # the audit names the code's row, never the dossier number
        record_action(session, user, "receipt.issue", "receipt_token", issued.receipt.id,
                      unit=unit.code)
    body = _receipt_body(issued.token, issued.receipt)
    return jsonify(body), 201 if issued.created else 200


def _ordered(problems: dict[str, Problem]) -> dict[str, Problem]:
    """Unknown fields first, then the fields in the order they were always checked."""
    order = ["unit", "counter", "dossier", "expires_in_days"]
    return {**{f: p for f, p in problems.items() if f not in order},
            **{f: problems[f] for f in order if f in problems}}


def _receipt_body(token: str, receipt: Any) -> dict[str, Any]:
    return {
        "url": public_url(url_for("public.receipt_ballot", token=token)),
        "token": token,
        "expires_at": receipt.expires_at.isoformat(),
        "used": receipt.used_at is not None,
    }


@bp.get("/receipt-tokens/<token>.png")
@authenticated
def receipt_tokens_png(token: str) -> Response | tuple[Response, int]:
    return _qr(token, "png")


@bp.get("/receipt-tokens/<token>.svg")
@authenticated
def receipt_tokens_svg(token: str) -> Response | tuple[Response, int]:
    return _qr(token, "svg")


def _qr(token: str, kind: str) -> Response | tuple[Response, int]:
    token_user(*READERS)
    receipt = receipts.receipt_for_token(get_session(), token, now=datetime.now(timezone.utc),
                                         secret_key=current_app.config["SECRET_KEY"],
                                         allow_used=True)
    require(may_issue_receipt, receipt.unit_id)
    url = public_url(url_for("public.receipt_ballot", token=token))
    data, mimetype = (qr_png(url), "image/png") if kind == "png" else (qr_svg(url),
                                                                       "image/svg+xml")
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
