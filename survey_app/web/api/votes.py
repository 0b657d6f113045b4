"""POST /api/v1/votes: one vote from any token-holding channel."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Response, current_app, g, jsonify, request
from sqlalchemy import select

from ...db import get_session
from ...domain.problems import Problem
from ...i18n import current_language
from ...messages import message
from ...models import FollowupCase
from ...services import receipts, votes
from ..cases import callback_from_json, open_callback_case
from .access import authenticated
from .blueprint import bp
from .problems import invalid, service_error


def vote_policy() -> votes.VotePolicy:
    return votes.VotePolicy.from_config(current_app.config)


@bp.post("/votes")
@authenticated
def votes_create() -> Response | tuple[Response, int]:
    """Record one vote; 201 new, 200 identical replay, 409 conflict, 422 invalid, 403 refused."""
    payload = request.get_json(silent=True)
    if payload is None:
        return invalid({"body": Problem("bad_json")})
    # An opt-in callback request (the kiosk's "Tôi muốn được liên hệ lại") travels with the
    # vote but is not part of it: it opens a follow-up case, its number kept apart. A bad
    # callback never costs the vote: the vote is stored and only the callback is refused, said
    # in the answer's "callback" field (the citizen has left the tablet by the time it is sent).
    callback = payload.pop("callback", None) if isinstance(payload, dict) else None
    session = get_session()
    policy = vote_policy()
    refused: Problem | None = None
    try:
        vote = votes.parse_vote(session, payload, g.principal, policy)
        try:
            phone = callback_from_json(callback,
                                       vote.questionnaire.definition.level_of(vote.answers))
        except votes.VoteInvalid as exc:
            phone, refused = None, exc.problems["callback"]
        receipt = g.get("receipt")
        if receipt is not None:
            vote.dossier_hash = receipt.dossier_hash
        now = datetime.now(timezone.utc)
        result = votes.record_vote(session, vote, received_at=now, policy=policy)
        if receipt is not None and result.created:
            receipts.consume_receipt(session, receipt, result.vote.id, now)
        if phone and result.created:
            open_callback_case(session, result.vote.id, phone)
    except receipts.ReceiptError as exc:
        session.rollback()  # one vote per dossier: this second one is not kept
        return service_error(exc)
    body = result.vote.body()
    if callback is not None:
        body["callback"] = _callback_outcome(session, result.vote.id, phone, refused)
    return jsonify(body), 201 if result.created else 200


def _callback_outcome(session: Any, ballot_id: int, phone: str | None,
                      refused: Problem | None) -> dict[str, str]:
    """What became of a vote's callback request: ``opened`` (the case exists, on a replay
    too), ``refused`` with the message (bad number, no consent) or ``ignored`` (the answer was
    not "Chưa hài lòng")."""
    if refused is not None:
        return {"status": "refused", "error": refused.key,
                "message": message(refused.key, current_language(), refused.params)}
    if phone and session.scalar(select(FollowupCase.id)
                                .where(FollowupCase.ballot_id == ballot_id)) is not None:
        return {"status": "opened"}
    return {"status": "ignored"}
