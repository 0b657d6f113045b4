"""Receipt codes on the JSON API: the one-stop software asks for a code per dossier and prints
its QR on the receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Response, current_app, g, jsonify, request, url_for

from reports.qr import qr_png, qr_svg

from ..db import get_session
from ..domain.questionnaire import Problem
from ..errors import json_error
from ..inputs import printable, unencodable_fields
from ..services import receipts
from ..services.audit import record_action
from ..services.units import counter_by_code, in_subtree, unit_by_code
from .api import _problems, authenticated, bp

RECEIPT_FIELDS = {"unit", "counter", "dossier", "expires_in_days"}


def public_url(path: str) -> str:
    """An absolute URL for printing: SURVEY_PUBLIC_URL when set, else this request's host."""
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return base.rstrip("/") + path


@bp.post("/receipt-tokens")
@authenticated
def receipt_tokens_create() -> Response | tuple[Response, int]:
    """Issue (or return the existing) single-use code for a dossier."""
    user = g.principal.user
    if user is None or user.role not in ("admin", "officer", "clerk"):
        return json_error(403, "forbidden")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _problems({"body": Problem("bad_json")})
    problems: dict[str, Problem] = {printable(f): Problem("unknown_field") for f in payload
                                    if f not in RECEIPT_FIELDS}
    unreadable = unencodable_fields(payload)  # lone surrogates: nothing can hash or store them
    if unreadable:
        return _problems({**problems, **{f: Problem("bad_text") for f in unreadable}})
    session = get_session()
    unit = None
    code = payload.get("unit")
    if not isinstance(code, str) or not code:
        problems["unit"] = Problem("required")
    elif (unit := unit_by_code(session, code)) is None:
        problems["unit"] = Problem("unknown_unit", {"code": code[:40]})
    counter = None
    counter_code = payload.get("counter")
    if counter_code is not None and unit is not None:
        if not isinstance(counter_code, str) or (
                counter := counter_by_code(session, unit, counter_code)) is None:
            problems["counter"] = Problem("unknown_counter", {"code": str(counter_code)[:40]})
    dossier = payload.get("dossier")
    if not isinstance(dossier, str) or not dossier.strip():
        problems["dossier"] = Problem("required")
    elif len(dossier) > 100:
        problems["dossier"] = Problem("too_long", {"max": 100})
    days = payload.get("expires_in_days", current_app.config["RECEIPT_DAYS"])
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= receipts.MAX_DAYS:
        problems["expires_in_days"] = Problem("bad_days", {"max": receipts.MAX_DAYS})
    if problems:
        return _problems(problems)
    assert unit is not None and isinstance(dossier, str)
    if user.role != "admin" and (user.unit_id is None
                                 or not in_subtree(session, user.unit_id, unit.id)):
        return json_error(403, "forbidden_unit")
    issued = receipts.issue_receipt(session, unit=unit, counter=counter, dossier=dossier,
                                    secret_key=current_app.config["SECRET_KEY"],
                                    now=datetime.now(timezone.utc), days=days, user=user)
    if issued.created:
        # the audit names the code's row, never the dossier number
        record_action(session, user, "receipt.issue", "receipt_token", issued.receipt.id,
                      unit=unit.code)
    body = _receipt_body(issued.token, issued.receipt)
    return jsonify(body), 201 if issued.created else 200


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
    user = g.principal.user
    if user is None:
        return json_error(403, "forbidden")
    session = get_session()
    try:
        receipt = receipts.receipt_for_token(session, token, now=datetime.now(timezone.utc),
                                             secret_key=current_app.config["SECRET_KEY"],
                                             allow_used=True)
    except receipts.ReceiptError as exc:
        return json_error(410 if exc.kind == "expired" else 404,
                          "receipt_expired" if exc.kind == "expired" else "not_found")
    if user.role != "admin" and (user.unit_id is None
                                 or not in_subtree(session, user.unit_id, receipt.unit_id)):
        return json_error(403, "forbidden_unit")
    url = public_url(url_for("public.receipt_ballot", token=token))
    data, mimetype = (qr_png(url), "image/png") if kind == "png" else (qr_svg(url),
                                                                       "image/svg+xml")
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
