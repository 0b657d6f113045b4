"""Officer page: item, element and overall figures of a longer questionnaire (SIPAS-style).

The same numbers as ``GET /api/v1/figures/items``, as a table an officer can read and print.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import select

from ..db import get_session
from ..domain.periods import Period, year
from ..domain.unit_tree import tree_order
from ..errors import error_page
from ..inputs import MAX_DATE, MIN_DATE, in_date_range, iso_date
from ..models import Questionnaire, Unit
from ..services.access import may_read, scoped
from ..services.item_figures import item_figures
from .auth import current_user, login_required, require_page

bp = Blueprint("items", __name__, url_prefix="/items")


@bp.get("/")
@login_required("admin", "officer")
def show() -> Any:
    user = current_user()
    assert user is not None
    session = get_session()
    units = list(session.scalars(scoped(select(Unit).order_by(Unit.name), user, Unit.id)))
    codes = sorted(set(session.scalars(select(Questionnaire.code))))
    args = request.args
    # without a choice: the user's own unit (an admin's: the top of the tree), not the first
    # by name
    default = next((u for u, _depth in tree_order(units, user.unit_id)), None)
    unit = next((u for u in units if u.code == args.get("unit")), default)
    code = args.get("questionnaire") or ("SIPAS-5E" if "SIPAS-5E" in codes else
                                         (codes[0] if codes else None))
    today = date.today()
    period = year(today.year)
    if args.get("from") and args.get("to"):
        start, end = iso_date(args["from"]), iso_date(args["to"])
        if start is None or end is None or end < start:
            return error_page(400, "Khoảng thời gian không hợp lệ: nhập ngày bắt đầu và ngày "
                                   "kết thúc dạng YYYY-MM-DD, ngày kết thúc không trước ngày "
                                   "bắt đầu.")
        if not (in_date_range(start) and in_date_range(end)):
            return error_page(400, f"Ngày phải trong khoảng {MIN_DATE:%d/%m/%Y} – "
                                   f"{MAX_DATE:%d/%m/%Y}.")
        period = Period(start, end)
    subtree = args.get("subtree", "1") == "1"
    results = []
    if unit is not None and code is not None:
        require_page(may_read, unit.id)
        results = [r.as_json() for r in item_figures(session, code, unit, period,
                                                      subtree=subtree)]
    return render_template("items/show.html", units=units, unit=unit, codes=codes, code=code,
                           period=period, subtree=subtree, results=results)
