"""The kiosk tablet's JSON calls, served under ``/kiosk/api/`` by the kiosk blueprint
(``web/kiosk.py``), with the API's error body (``problems.py``).

- ``POST /kiosk/api/pair {"code"}``: exchanges a pairing code for a device token. Exempt from
  CSRF (no cookie is involved; the code is the credential). Failed attempts are counted per
  keyed hash of the network address; past the limit the endpoint answers 429 for the rest of
  the window, so codes cannot be guessed.
- ``GET /kiosk/api/device`` (``Authorization: Bearer sk_…``): the unit, counter and the
  questionnaire the tablet should use; 401 ``revoked`` or ``unauthorized``.

Messages are Vietnamese unless ``?lang=en`` is explicit: the tablet shows the server's message
as is in its Vietnamese mode and translates the status itself in English mode, and a tablet's
system locale (often en-US) must not switch the kiosk's language.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, jsonify, request

from ...db import get_session
from ...domain.problems import Problem
from ...extensions import csrf
from ...i18n import current_language
from ...models import Counter, Unit
from ...ratelimit import counter as rate_counter
from ...services import kiosk as kiosk_service
from ...services.audit import record_action
from ...services.errors import ServiceError
from ...services.questionnaires import QuestionnaireVersion
from ...services.security import keyed_hash
from ...services.units import UnitNotInForce
from ..access import declare, public
from .access import bearer
from .problems import error, service_error
from .requests import PairIn, validate

#: Failed pairing attempts per keyed address hash and window before 429.
PAIR_ATTEMPTS = 10
PAIR_WINDOW_SECONDS = 15 * 60


def _lang() -> str:
    return current_language(negotiate=False)


def _no_store(response: Response, status: int | None = None) -> Response:
    if status is not None:
        response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(exc: ServiceError) -> Response:
    return _no_store(service_error(exc, lang=_lang()))


def _place(unit: Unit, counter: Counter | None) -> dict[str, Any]:
    return {"unit": {"code": unit.code, "name": unit.name},
            "counter": {"code": counter.code, "name": counter.name} if counter else None}


def _questionnaire(found: QuestionnaireVersion | None) -> dict[str, Any] | None:
    """The questionnaire the tablet votes with, and the vocabulary it shows, from its definition:
    face labels, reasons and the comment limit (``None`` where the form has no such item)."""
    if found is None:
        return None
    definition = found.definition

    def options(code: str) -> list[dict[str, Any]]:
        item = definition.item(code)
        if item is None or item.scale is None:
            return []
        return [{"value": o.value, "label": dict(o.label)} for o in item.scale.options]

    comment = definition.item("comment")
    return {
        "code": found.code,
        "version": found.version,
        "levels": options("overall"),
        "reasons": options("reasons"),
        "comment": ({"max_length": comment.max_length} if comment is not None else None),
    }


def _settings() -> dict[str, Any]:
    """What the tablet is told besides its questionnaire: after ``idle_seconds`` without a touch
    it returns to its first screen in Vietnamese (``SURVEY_KIOSK_IDLE_SECONDS``)."""
    return {"idle_seconds": int(current_app.config["KIOSK_IDLE_SECONDS"])}


def _today() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _throttle_key() -> str:
    address = request.remote_addr or "unknown"
    return f"kiosk-pair:{keyed_hash(current_app.config['SECRET_KEY'], 'ip', address)}"


@csrf.exempt
@public
def pair() -> Response:
    """201 {token, unit, counter, questionnaire}; 404 unknown, 410 expired, 422 used or
    malformed, 429."""
    cfg = current_app.config
    limit = int(cfg.get("KIOSK_PAIR_ATTEMPTS", PAIR_ATTEMPTS))
    window = int(cfg.get("KIOSK_PAIR_WINDOW_SECONDS", PAIR_WINDOW_SECONDS))
    key = _throttle_key()
    limiter = rate_counter()
    # Count the attempt first and decide on that count, so concurrent guesses cannot all pass
    # the limit; an attempt that turns out not to be a wrong code is given back.
    if limiter.hit(key, window) > limit:
        limiter.hit(key, window, -1)
        params = {"minutes": max(1, round(window / 60))}
        response = _no_store(error(429, "pairing_throttled", params,
                                   {"code": Problem("pairing_throttled", params)},
                                   lang=_lang()))
        response.headers["Retry-After"] = str(window)
        return response
    payload = request.get_json(silent=True)
    found, problems = validate(PairIn, payload if isinstance(payload, dict) else {})
    if problems:
        limiter.hit(key, window, -1)
        return _refused(kiosk_service.PairingMalformed())
    session = get_session()
    now = datetime.now(timezone.utc)
    try:
        device, token, row, replaced = kiosk_service.pair_device(
            session, found.code[:64], secret_key=cfg["SECRET_KEY"], now=now, today=_today())
    except kiosk_service.PairingError as exc:  # a failed attempt: it stays counted
        return _refused(exc)
    except UnitNotInForce as exc:  # a right code for a unit merged since: no attempt wasted
        limiter.hit(key, window, -1)
        return _refused(exc)
    limiter.hit(key, window, -1)
    record_action(session, row.created_by, "kiosk.pair", "kiosk_device", device.id,
                  code_id=row.id, unit=row.unit.code,
                  counter=row.counter.code if row.counter else None)
    for old in replaced:  # the counter's previous tablet, replaced by this one
        record_action(session, row.created_by, "kiosk.revoke", "kiosk_device", old.id,
                      unit=row.unit.code, counter=row.counter.code if row.counter else None,
                      reason="replaced", replaced_by=device.id)
    questionnaire = kiosk_service.kiosk_questionnaire(session, row.unit.id, _today())
    return _no_store(jsonify({"token": token, "device_id": device.id,
                              **_place(row.unit, row.counter),
                              "questionnaire": _questionnaire(questionnaire),
                              "settings": _settings()}), 201)


@declare("device")
def device() -> Response:
    """The tablet's registration: 200 {unit, counter, questionnaire (with vocabulary)};
    401 revoked/unauthorized."""
    session = get_session()
    found, state = kiosk_service.device_by_token(session, bearer() or "")
    if found is None or state != "active":
        response = _no_store(error(401, "revoked" if state == "revoked" else "unauthorized",
                                   lang=_lang()))
        response.headers["WWW-Authenticate"] = 'Bearer realm="kiosk"'
        return response
    kiosk_service.mark_seen(found, datetime.now(timezone.utc))
    questionnaire = kiosk_service.kiosk_questionnaire(session, found.unit_id, _today())
    return _no_store(jsonify({
        "device_id": found.id,
        **_place(found.unit, found.counter),
        "questionnaire": _questionnaire(questionnaire),
        "settings": _settings(),
    }), 200)
