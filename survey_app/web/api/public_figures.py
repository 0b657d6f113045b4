"""GET /api/v1/public/figures: the figures of a published, closed period — no token.

It answers only when a published snapshot in force covers exactly the unit and range asked,
with the same numbers and ``snapshot_hash`` as the authenticated ``GET /api/v1/figures``
(without the flagged count); otherwise ``404 {"error": "not_published"}``.
"""

from __future__ import annotations

from flask import Response, current_app, jsonify, request

from ...db import get_session
from ...domain.periods import Period
from ...domain.problems import Problem
from ...services.errors import Invalid, NotFound
from ...services.publication import public_figures
from ...services.units import unit_by_code
from ..access import public
from .blueprint import bp
from .requests import FiguresQuery, validate


@bp.get("/public/figures")
@public
def public_figures_show() -> Response:
    """Published shares, satisfaction rate, n and Wilson interval of a closed period."""
    query, problems = validate(FiguresQuery, request.args.to_dict())
    if problems:
        raise Invalid(problems=problems)
    code = request.args["unit"]
    session = get_session()
    unit = unit_by_code(session, code)
    if unit is None:
        raise NotFound(problems={"unit": Problem("unknown_unit", {"code": code[:40]})})
    body = public_figures(session, unit, Period(query.from_, query.to),
                          min_n=current_app.config["MIN_N"], subtree=query.subtree == "1",
                          channel=query.channel)
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
