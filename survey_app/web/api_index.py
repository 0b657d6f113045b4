"""The index on the JSON API: the scored ranking and the satisfaction component on its own.

Scope (README "Index"): an admin token reads every unit; an officer token reads the units of
the scheme's blocks inside the officer's own subtree (ranks stay those of the whole block;
blocks without such a unit are left out); a scheme with none of them is 403. Clerk, kiosk and
receipt tokens are 403.
"""

from __future__ import annotations

from flask import Response, g, jsonify, request
from sqlalchemy import select

from ..db import get_session
from ..domain.questionnaire import Problem
from ..errors import json_error
from ..models import Unit
from ..services import index as index_service
from ..services.units import subtree_ids
from .api import _problems, authenticated, bp


def _report_and_scope() -> Response | tuple[index_service.IndexReport, set[str] | None]:
    """403/404/422 as a response, or the scored scheme and the unit codes the caller may see
    (None = all)."""
    unknown = {name: Problem("unknown_field") for name in request.args if name != "lang"}
    if unknown:
        return _problems(unknown)
    user = g.principal.user
    if user is None or user.role not in ("admin", "officer"):
        return json_error(403, "forbidden")
    code, year = request.view_args["code"], request.view_args["year"]  # type: ignore[index]
    session = get_session()
    row = index_service.scheme_row(session, code, year) if 1900 <= year <= 9999 else None
    if row is None:
        return json_error(404, "not_found")
    visible = None
    if user.role != "admin":
        members = [m.unit for b in row.parsed().blocks for m in b.members]
        visible = set(session.scalars(select(Unit.code).where(
            Unit.code.in_(members),
            Unit.id.in_(subtree_ids(user.unit_id).scalar_subquery()))))  # type: ignore[arg-type]
        if not visible:
            return json_error(403, "forbidden_unit")
    return index_service.score_index(session, row), visible


@bp.get("/index/<code>/<int:year>")
@authenticated
def index_show(code: str, year: int) -> Response:
    """Per block, units in rank order with total, band, components, satisfaction and change."""
    found = _report_and_scope()
    if isinstance(found, Response):
        return found
    report, visible = found
    return jsonify(index_service.index_document(report, units=visible))


@bp.get("/index/<code>/<int:year>/satisfaction")
@authenticated
def index_satisfaction(code: str, year: int) -> Response:
    """The computed satisfaction component(s) per block unit, with counts, n and interval."""
    found = _report_and_scope()
    if isinstance(found, Response):
        return found
    report, visible = found
    return jsonify(index_service.satisfaction_document(report, units=visible))
