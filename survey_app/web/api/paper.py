"""Paper batches on the JSON API (clerk or admin tokens)."""

from __future__ import annotations

from datetime import date

from flask import Response, jsonify

from ...db import get_session
from ...domain.periods import Period
from ...domain.problems import Problem
from ...inputs import iso_date
from ...services import paper
from ...services.access import PAPER_CLERKS, may_enter_paper
from ...services.errors import Forbidden, NotFound
from ...services.questionnaires import questionnaire_version
from ...services.units import unit_by_code
from ...services.votes import MAX_VERSION
from .access import authenticated, require, token_user
from .blueprint import bp
from .problems import invalid
from .requests import PaperBatchIn, PaperSheetIn, read_body
from .votes import vote_policy

#: Fields of a batch the service judges (``paper.create_batch``) or the view looks up.
SERVICE_FIELDS = ("issued", "returned", "questionnaire", "version")


def _batch_in_scope(batch_id: int) -> paper.PaperBatch:
    """The batch if the token's user may enter its sheets; 404 otherwise (also outside the
    user's scope: other subtrees' batches look absent)."""
    batch = paper.load_batch(get_session(), batch_id)
    try:
        require(may_enter_paper, batch.unit_id)
    except Forbidden:
        raise NotFound() from None
    return batch


@bp.post("/paper-batches")
@authenticated
def paper_batches_create() -> Response | tuple[Response, int]:
    """Register a batch of printed ballots: unit, survey period, issued and returned."""
    user = token_user(*PAPER_CLERKS)
    # the counts and the questionnaire are the service's to judge, with the batch
    payload, problems = read_body(PaperBatchIn, judged_later=SERVICE_FIELDS, text_first=True)
    session = get_session()
    unit = None
    if "unit" not in problems and (unit := unit_by_code(session, payload["unit"])) is None:
        problems["unit"] = Problem("unknown_unit", {"code": payload["unit"][:40]})
    code = payload.get("questionnaire", "KIOSK-3L")
    version = payload.get("version")
    questionnaire = questionnaire_version(session, code, version) if isinstance(code, str) and (
        version is None or (isinstance(version, int) and not isinstance(version, bool)
                            and 1 <= version <= MAX_VERSION)) else None
    if questionnaire is None:
        problems["questionnaire"] = Problem("unknown_questionnaire",
                                            {"code": str(code)[:40], "version": version or "?"})
    if problems:
        return invalid(_ordered(problems))
    assert unit and questionnaire
    require(may_enter_paper, unit.id)
    batch = paper.create_batch(session, unit=unit, questionnaire=questionnaire,
                               period=Period(paper_date(payload["from"]),
                                             paper_date(payload["to"])),
                               issued=payload.get("issued"), returned=payload.get("returned"),
                               label=payload.get("label"), user=user)
    return jsonify(paper.summary(session, batch).as_json()), 201


def paper_date(text: str) -> date:
    day = iso_date(text)
    assert day is not None  # checked by the request model
    return day


def _ordered(problems: dict[str, Problem]) -> dict[str, Problem]:
    """Unknown fields first, then the batch fields in the order they were always checked."""
    order = ["from", "to", "unit", "questionnaire", "label"]
    return {**{f: p for f, p in problems.items() if f not in order},
            **{f: problems[f] for f in order if f in problems}}


@bp.get("/paper-batches/<id:batch_id>")
@authenticated
def paper_batches_show(batch_id: int) -> Response | tuple[Response, int]:
    token_user(*PAPER_CLERKS)
    return jsonify(paper.summary(get_session(), _batch_in_scope(batch_id)).as_json())


@bp.post("/paper-batches/<id:batch_id>/ballots")
@authenticated
def paper_batches_ballots(batch_id: int) -> Response | tuple[Response, int]:
    """Key in one sheet: 201; duplicate serial 409; beyond ``returned`` or invalid 422."""
    user = token_user(*PAPER_CLERKS)
    # the serial and the answers are the service's to judge, against the batch
    payload, problems = read_body(PaperSheetIn, nested=("answers",), judged_later=("serial",))
    if problems:
        return invalid(problems)
    batch = _batch_in_scope(batch_id)
    sheet = paper.enter_sheet(get_session(), batch, serial=payload.get("serial"),
                              answers=payload["answers"],
                              answered_on=paper_date(payload["answered_on"])
                              if payload.get("answered_on") is not None else None,
                              user=user, policy=vote_policy())
    return jsonify({"batch": batch.id, "serial": sheet.serial, "ballot": sheet.ballot_id}), 201
