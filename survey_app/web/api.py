"""JSON API under /api/v1: bearer tokens, no cookies, errors as {"errors": {field: message}}."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, jsonify, request
from sqlalchemy import select

from ..db import get_session
from ..domain.periods import Period
from ..domain.questionnaire import Problem
from ..domain.vocab import CHANNELS, UNIT_KIND_TERMS, label
from ..errors import json_error
from ..i18n import current_language
from ..inputs import MAX_DATE, MIN_DATE, ascii_int, in_date_range, iso_date
from ..messages import message
from ..models import Unit
from ..services import accounts, kiosk, receipts, votes
from ..services.figures import unit_figures
from ..services.item_figures import item_figures
from ..services.paper import paper_figures
from ..services.security import API_TOKEN_PREFIX, DEVICE_TOKEN_PREFIX
from ..services.units import in_subtree, unit_by_code
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
F = TypeVar("F", bound=Callable[..., Any])
MAX_RANGE_DAYS = 3660


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _principal() -> votes.Principal | None:
    token = _bearer()
    if token is None or len(token) > 200:
        return None
    session = get_session()
    if token.startswith(DEVICE_TOKEN_PREFIX):
        device = accounts.device_for_token(session, token)
        return votes.Principal.for_device(device) if device else None
    if token.startswith(API_TOKEN_PREFIX):
        user = accounts.user_for_token(session, token)
        return votes.Principal(user=user) if user else None
    if receipts.looks_like_receipt(token):
        # A used code still authenticates, so that a replay of its vote answers 200; a second
        # vote is refused when the code is consumed (votes_create).
        receipt = receipts.receipt_for_token(session, token, now=datetime.now(timezone.utc),
                                             secret_key=current_app.config["SECRET_KEY"],
                                             allow_used=True)
        g.receipt = receipt
        return votes.Principal.for_public(receipt.unit, "qr_receipt", receipt.counter)
    return None


def authenticated(view: F) -> F:
    """401 unless a valid, unrevoked token came with the request; sets ``g.principal``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            principal = _principal()
        except receipts.ReceiptError as exc:
            if exc.kind == "expired":
                return json_error(410, "receipt_expired")
            principal = None
        if principal is None:
            # a revoked tablet is told so in words (shown on its "revoked" screen)
            response = json_error(401, kiosk.token_refusal(get_session(), _bearer()))
            response.headers["WWW-Authenticate"] = 'Bearer realm="survey"'
            return response
        g.principal = principal
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _problems(problems: dict[str, Problem], status: int = 422) -> Response:
    lang = current_language()
    key = {422: "invalid", 404: "not_found", 409: "conflict"}.get(status, "invalid")
    return json_error(status, key,
                      {f: message(p.key, lang, p.params) for f, p in problems.items()})


def _policy() -> votes.VotePolicy:
    return votes.VotePolicy.from_config(current_app.config)


@bp.post("/votes")
@authenticated
def votes_create() -> Response | tuple[Response, int]:
    """Record one vote; 201 new, 200 identical replay, 409 conflict, 422 invalid, 403 refused."""
    payload = request.get_json(silent=True)
    if payload is None:
        return _problems({"body": Problem("bad_json")})
    session = get_session()
    policy = _policy()
    try:
        vote = votes.parse_vote(session, payload, g.principal, policy)
        receipt = g.get("receipt")
        if receipt is not None:
            vote.dossier_hash = receipt.dossier_hash
        # kiosk bursts (judged on answer times, not arrival) are stored flagged, not dropped
        kiosk.flag_burst(session, vote, kiosk.BurstRule.from_config(current_app.config))
        now = datetime.now(timezone.utc)
        result = votes.record_vote(session, vote, received_at=now, policy=policy)
        if receipt is not None and result.created:
            receipts.consume_receipt(session, receipt, result.vote.id, now)
    except receipts.ReceiptError:
        session.rollback()  # one vote per dossier: this second one is not kept
        return json_error(409, "receipt_used")
    except votes.VoteInvalid as exc:
        return _problems(exc.problems)
    except votes.VoteForbidden as exc:
        return json_error(403, exc.key)
    except votes.VoteConflict:
        return json_error(409, "conflict")
    return jsonify(result.vote.body()), 201 if result.created else 200


@bp.get("/figures")
@authenticated
def figures_show() -> Response | tuple[Response, int]:
    """Shares, satisfaction rate, n and Wilson interval for a unit and an inclusive date range."""
    parsed = _unit_period_args({"channel"})
    if isinstance(parsed, Response):
        return parsed
    unit, period, subtree, problems = parsed
    channel = request.args.get("channel")
    if channel is not None and channel not in CHANNELS:
        problems["channel"] = Problem("unknown_channel", {"allowed": ", ".join(CHANNELS)})
        return _problems(problems)
    session = get_session()
    figures = unit_figures(session, unit, period, min_n=current_app.config["MIN_N"],
                           channel=channel, subtree=subtree)
    body = figures.as_json()
    paper_part = paper_figures(session, unit, period, subtree=subtree)
    if paper_part is not None and channel in (None, "paper"):
        body["paper"] = paper_part
    return jsonify(body)


@bp.get("/figures/items")
@authenticated
def figures_items() -> Response | tuple[Response, int]:
    """Per item, per element and overall figures of a longer form, per version."""
    parsed = _unit_period_args({"questionnaire", "version"})
    if isinstance(parsed, Response):
        return parsed
    unit, period, subtree, problems = parsed
    code = request.args.get("questionnaire")
    if not code:
        problems["questionnaire"] = Problem("required")
    version_arg = request.args.get("version")
    version = ascii_int(version_arg, 1, votes.MAX_VERSION)  # not "²", which isdigit() takes
    if version_arg is not None and version is None:
        problems["version"] = Problem("bad_integer")
    if problems:
        return _problems(problems)
    assert code is not None
    results = item_figures(get_session(), code, unit, period, subtree=subtree, version=version)
    if not results:
        return _problems({"questionnaire": Problem(
            "unknown_questionnaire", {"code": code[:40], "version": version or "?"})}, 404)
    lang = current_language()
    return jsonify({
        "unit": unit.code, "from": period.start.isoformat(), "to": period.end.isoformat(),
        "subtree": subtree, "questionnaire": code, "rule": "share3-v1",
        "versions": [r.as_json(lang) for r in results],
    })


def _unit_period_args(extra: set[str]
                      ) -> Response | tuple[Unit, Period, bool, dict[str, Problem]]:
    """Parse ``unit``, ``from``, ``to``, ``subtree`` and check the caller may read the unit.

    Returns an error response, or the unit, period, subtree flag and a dict that the caller
    adds its own parameters' problems to. Any parameter not in the common set or ``extra`` is
    refused.
    """
    args = request.args
    problems: dict[str, Problem] = {}
    for name in args:
        if name not in {"unit", "from", "to", "subtree", "lang"} | extra:
            problems[name] = Problem("unknown_field")
    start = _date_arg("from", problems)
    end = _date_arg("to", problems)
    subtree_arg = args.get("subtree", "0")
    if subtree_arg not in ("0", "1"):
        problems["subtree"] = Problem("bad_flag")
    code = args.get("unit")
    if not code:
        problems["unit"] = Problem("required")
    if start and end:
        if end < start:
            problems["to"] = Problem("date_order")
        elif (end - start).days >= MAX_RANGE_DAYS:
            problems["to"] = Problem("range_too_long", {"max": MAX_RANGE_DAYS})
    if problems:
        return _problems(problems)
    unit = unit_by_code(get_session(), code or "")
    if unit is None:
        return _problems({"unit": Problem("unknown_unit", {"code": (code or "")[:40]})}, 404)
    if not _may_read(unit):
        return json_error(403, "forbidden_unit")
    assert start and end
    return unit, Period(start, end), subtree_arg == "1", problems


def _may_read(unit: Unit) -> bool:
    """Admins read everything; officers and clerks their unit subtree; devices nothing."""
    user = g.principal.user
    if user is None:
        return False
    if user.role == "admin":
        return True
    return user.unit_id is not None and in_subtree(get_session(), user.unit_id, unit.id)


def _date_arg(name: str, problems: dict[str, Problem]) -> date | None:
    value = request.args.get(name)
    if not value:
        problems[name] = Problem("required")
        return None
    day = iso_date(value)
    if day is None:
        problems[name] = Problem("bad_date")
    elif not in_date_range(day):  # far from date.min/max: the UTC bounds stay real dates
        problems[name] = Problem("date_out_of_range", {"min": MIN_DATE.isoformat(),
                                                       "max": MAX_DATE.isoformat()})
        return None
    return day


@bp.get("/units")
def units_index() -> Response:
    """The unit tree (public: names and codes of administrative units are not secret)."""
    lang = current_language()
    rows = get_session().execute(
        select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.stats_code)
        .order_by(Unit.code)
    ).all()
    nodes = {
        r.id: {"code": r.code, "name": r.name, "kind": r.kind,
               "kind_label": label(UNIT_KIND_TERMS, r.kind, lang), "stats_code": r.stats_code,
               "children": []}
        for r in rows
    }
    roots = []
    for r in rows:
        (nodes[r.parent_id]["children"] if r.parent_id in nodes else roots).append(nodes[r.id])
    return jsonify({"units": roots})


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


# Routes that live in their own modules but share this blueprint.
from . import api_index, api_paper, api_receipts  # noqa: E402,F401
