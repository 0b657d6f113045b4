"""Printable counter posters for officers (A4/A5 PDF, PNG)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, request

from reports.posters import SIZES_MM, poster_png, posters_pdf

from ..db import get_session
from ..errors import error_page
from ..messages import message
from ..services.posters import posters_for_unit
from ..services.units import unit_by_code, validity_problem
from .api.receipts import public_url
from .auth import current_user, login_required, may_see_unit
from .downloads import download
from .officer import today_local

bp = Blueprint("qr", __name__, url_prefix="/qr")


def _unit_and_size(unit_code: str) -> tuple[Any, str]:
    unit = unit_by_code(get_session(), unit_code)
    user = current_user()
    if unit is None or user is None or not may_see_unit(user, unit.id):
        abort(404)  # another subtree's units are not even confirmed to exist
    size = request.args.get("size", "A4")
    if size not in SIZES_MM:
        abort(400)
    if problem := validity_problem(unit, today_local()):  # a merged ward gets no new poster
        abort(error_page(422, message(problem.key, "vi", problem.params)))
    return unit, size


@bp.get("/posters/<unit_code>.pdf")
@login_required("admin", "officer")
def poster_pdf(unit_code: str) -> Response:
    """One page per active counter of the unit (or one for the unit without counters)."""
    unit, size = _unit_and_size(unit_code)
    posters = posters_for_unit(get_session(), unit, public_url(""))
    return download(posters_pdf(posters, size), "application/pdf",
                    f"ma-qr-{unit.code}-{size}.pdf")


@bp.get("/posters/<unit_code>.png")
@login_required("admin", "officer")
def poster_image(unit_code: str) -> Response:
    unit, size = _unit_and_size(unit_code)
    posters = posters_for_unit(get_session(), unit, public_url(""),
                               request.args.get("counter") or None)
    if not posters:
        abort(404)
    # counter names are Vietnamese ("Quầy số 1"): the helper writes an RFC 6266 header
    return download(poster_png(posters[0], size), "image/png",
                    f"ma-qr-{unit.code}-{posters[0].counter_name or 'don-vi'}.png")
