"""Paper batches on the JSON API (clerk or admin tokens)."""

from __future__ import annotations

from datetime import date

from flask import Response, g, jsonify, request

from ..db import get_session
from ..domain.periods import Period
from ..domain.questionnaire import Problem
from ..errors import json_error
from ..inputs import MAX_DATE, MIN_DATE, in_date_range, iso_date, printable, unencodable_fields
from ..services import paper
from ..services.questionnaires import questionnaire_version
from ..services.units import in_subtree, unit_by_code
from ..services.votes import MAX_VERSION
from .api import _policy, _problems, authenticated, bp

BATCH_FIELDS = {"unit", "from", "to", "issued", "returned", "label", "questionnaire", "version"}
SHEET_FIELDS = {"serial", "answers", "answered_on"}


def _clerk():  # type: ignore[no-untyped-def]
    user = g.principal.user
    return user if user is not None and user.role in ("clerk", "admin") else None


def _date(payload: dict, name: str, problems: dict[str, Problem],
          required: bool = True) -> date | None:
    value = payload.get(name)
    if value is None:
        if required:
            problems[name] = Problem("required")
        return None
    day = iso_date(value)
    if day is None:
        problems[name] = Problem("bad_date")
    elif not in_date_range(day):  # a sheet's date lies in its batch's period: both bounded
        problems[name] = Problem("date_out_of_range", {"min": MIN_DATE.isoformat(),
                                                       "max": MAX_DATE.isoformat()})
        return None
    return day


@bp.post("/paper-batches")
@authenticated
def paper_batches_create() -> Response | tuple[Response, int]:
    """Register a batch of printed ballots: unit, survey period, issued and returned."""
    user = _clerk()
    if user is None:
        return json_error(403, "forbidden")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _problems({"body": Problem("bad_json")})
    problems = {printable(f): Problem("unknown_field") for f in payload if f not in BATCH_FIELDS}
    unreadable = unencodable_fields(payload)  # lone surrogates: nothing can store them
    if unreadable:
        return _problems({**problems, **{f: Problem("bad_text") for f in unreadable}})
    session = get_session()
    start, end = _date(payload, "from", problems), _date(payload, "to", problems)
    if start and end and end < start:
        problems["to"] = Problem("date_order")
    unit = None
    if not isinstance(payload.get("unit"), str):
        problems["unit"] = Problem("required")
    elif (unit := unit_by_code(session, payload["unit"])) is None:
        problems["unit"] = Problem("unknown_unit", {"code": payload["unit"][:40]})
    code = payload.get("questionnaire", "KIOSK-3L")
    version = payload.get("version")
    questionnaire = questionnaire_version(session, code, version) if isinstance(code, str) and (
        version is None or (isinstance(version, int) and not isinstance(version, bool)
                            and 1 <= version <= MAX_VERSION)) else None
    if questionnaire is None:
        problems["questionnaire"] = Problem("unknown_questionnaire",
                                            {"code": str(code)[:40], "version": version or "?"})
    label = payload.get("label")
    if label is not None and not isinstance(label, str):
        problems["label"] = Problem("must_be_text")
    if problems:
        return _problems(problems)
    assert unit and start and end and questionnaire
    if user.role != "admin" and not in_subtree(session, user.unit_id, unit.id):
        return json_error(403, "forbidden_unit")
    try:
        batch = paper.create_batch(session, unit=unit, questionnaire=questionnaire,
                                   period=Period(start, end), issued=payload.get("issued"),
                                   returned=payload.get("returned"), label=label, user=user)
    except paper.PaperError as exc:
        return _problems(exc.problems, exc.status)
    return jsonify(paper.summary(session, batch).as_json()), 201


@bp.get("/paper-batches/<id:batch_id>")
@authenticated
def paper_batches_show(batch_id: int) -> Response | tuple[Response, int]:
    user = _clerk()
    session = get_session()
    if user is None:
        return json_error(403, "forbidden")
    try:
        batch = paper.load_batch(session, batch_id)
    except paper.PaperError:
        return json_error(404, "not_found")
    if user.role != "admin" and not in_subtree(session, user.unit_id, batch.unit_id):
        return json_error(404, "not_found")
    return jsonify(paper.summary(session, batch).as_json())


@bp.post("/paper-batches/<id:batch_id>/ballots")
@authenticated
def paper_batches_ballots(batch_id: int) -> Response | tuple[Response, int]:
    """Key in one sheet: 201; duplicate serial 409; beyond ``returned`` or invalid 422."""
    user = _clerk()
    if user is None:
        return json_error(403, "forbidden")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _problems({"body": Problem("bad_json")})
    problems = {printable(f): Problem("unknown_field") for f in payload if f not in SHEET_FIELDS}
    problems.update({f: Problem("bad_text")
                     for f in unencodable_fields(payload, nested=("answers",))})
    answered_on = _date(payload, "answered_on", problems, required=False)
    if "answers" not in payload:
        problems["answers"] = Problem("required")
    if problems:
        return _problems(problems)
    session = get_session()
    try:
        batch = paper.load_batch(session, batch_id)
        if user.role != "admin" and not in_subtree(session, user.unit_id, batch.unit_id):
            return json_error(404, "not_found")
        sheet = paper.enter_sheet(session, batch, serial=payload.get("serial"),
                                  answers=payload["answers"], answered_on=answered_on,
                                  user=user, policy=_policy())
    except paper.PaperError as exc:
        if exc.status == 404:
            return json_error(404, "not_found")
        if exc.status == 403:
            return json_error(403, "forbidden_unit")
        return _problems(exc.problems, exc.status)
    return jsonify({"batch": batch.id, "serial": sheet.serial, "ballot": sheet.ballot_id}), 201
