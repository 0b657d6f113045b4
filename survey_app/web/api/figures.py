"""GET /api/v1/figures and /api/v1/figures/items: satisfaction figures of a unit."""

from __future__ import annotations

from typing import TypeVar

from flask import Response, current_app, jsonify, request

from ...db import get_session
from ...domain.periods import Period
from ...domain.problems import Problem
from ...i18n import current_language
from ...models import Unit
from ...services.access import may_read
from ...services.errors import Invalid, NotFound
from ...services.figures import unit_figures
from ...services.item_figures import item_figures
from ...services.paper import paper_figures
from ...services.units import unit_by_code
from .access import authenticated, require
from .blueprint import bp
from .requests import FiguresQuery, ItemFiguresQuery, UnitPeriodQuery, validate

Q = TypeVar("Q", bound=UnitPeriodQuery)


def unit_period_query(model: type[Q]) -> tuple[Q, Unit, Period]:
    """The query string checked against ``model``, its unit and period. Raises Invalid, or
    NotFound for an unknown unit, or Forbidden outside the token's scope."""
    query, problems = validate(model, request.args.to_dict())
    own = {name: problems.pop(name) for name in model.own_fields() if name in problems}
    if problems.get("to") and problems["to"].key in ("date_order", "range_too_long"):
        problems["to"] = problems.pop("to")  # a check of both dates: reported last
    if problems:
        raise Invalid(problems=problems)
    code = request.args["unit"]
    unit = unit_by_code(get_session(), code)
    if unit is None:
        raise NotFound(problems={"unit": Problem("unknown_unit", {"code": code[:40]})})
    require(may_read, unit.id)
    if own:  # the route's own parameters are looked at once the unit is known and readable
        raise Invalid(problems=own)
    return query, unit, Period(query.from_, query.to)


@bp.get("/figures")
@authenticated
def figures_show() -> Response | tuple[Response, int]:
    """Shares, satisfaction rate, n and Wilson interval for a unit and an inclusive date range."""
    query, unit, period = unit_period_query(FiguresQuery)
    subtree, channel = query.subtree == "1", query.channel
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
    query, unit, period = unit_period_query(ItemFiguresQuery)
    code, version, subtree = query.questionnaire, query.version, query.subtree == "1"
    results = item_figures(get_session(), code, unit, period, subtree=subtree, version=version)
    if not results:
        raise NotFound(problems={"questionnaire": Problem(
            "unknown_questionnaire", {"code": code[:40], "version": version or "?"})})
    lang = current_language()
    return jsonify({
        "unit": unit.code, "from": period.start.isoformat(), "to": period.end.isoformat(),
        "subtree": subtree, "questionnaire": code, "rule": "share3-v1",
        "versions": [r.as_json(lang) for r in results],
    })
