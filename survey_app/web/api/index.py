"""The index on the JSON API: the scored ranking and the satisfaction component on its own.

Scope (README "Index"): an admin token reads every unit; an officer token reads the units of
the scheme's blocks inside the officer's own subtree (ranks stay those of the whole block;
blocks without such a unit are left out); a scheme with none of them is 403. Clerk, kiosk and
receipt tokens are 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import select

from ...db import get_session
from ...models import Unit
from ...services import index as index_service
from ...services.access import MANAGERS, scoped
from ...services.errors import Forbidden, NotFound
from .access import authenticated, token_user
from .blueprint import bp
from .problems import invalid
from .requests import LangQuery, validate


def _report_and_scope() -> Response | tuple[index_service.IndexReport, set[str] | None]:
    """403/404/422 as a response, or the scored scheme and the unit codes the caller may see
    (None = all)."""
    _, problems = validate(LangQuery, request.args.to_dict())
    if problems:
        return invalid(problems)
    user = token_user(*MANAGERS)
    code, year = request.view_args["code"], request.view_args["year"]  # type: ignore[index]
    session = get_session()
    row = index_service.scheme_row(session, code, year) if 1900 <= year <= 9999 else None
    if row is None:
        raise NotFound()
    visible = None
    if user.role != "admin":
        members = [m.unit for b in row.parsed().blocks for m in b.members]
        visible = set(session.scalars(scoped(select(Unit.code).where(Unit.code.in_(members)),
                                             user, Unit.id)))
        if not visible:
            raise Forbidden("forbidden_unit")
    return index_service.score_index(session, row), visible


def _document(build: Callable[..., dict[str, Any]]) -> Response:
    found = _report_and_scope()
    if isinstance(found, Response):
        return found
    report, visible = found
    return jsonify(build(report, units=visible))


@bp.get("/index/<code>/<int:year>")
@authenticated
def index_show(code: str, year: int) -> Response:
    """Per block, units in rank order with total, band, components, satisfaction and change."""
    return _document(index_service.index_document)


@bp.get("/index/<code>/<int:year>/satisfaction")
@authenticated
def index_satisfaction(code: str, year: int) -> Response:
    """The computed satisfaction component(s) per block unit, with counts, n and interval."""
    return _document(index_service.satisfaction_document)
