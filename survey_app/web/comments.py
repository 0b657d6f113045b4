"""The officers' page "Ý kiến người dân": citizens' comments of a unit subtree for a period,
filtered by counter, level, channel, reason and text, a page at a time; and the same list as a
streamed XLSX or CSV file.

Officers see their own subtree only; any other unit is 404 (as on the dashboard).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ..db import get_session
from ..domain.vocab import (
    CHANNEL_TERMS,
    CHANNELS,
    FLAG_TERMS,
    LEVEL_TERMS,
    LEVELS,
    REASON_TERMS,
    REASONS,
    STATUS_TERMS,
    label,
)
from ..inputs import ascii_int
from ..models import Counter, Unit
from ..services.comments import (
    CommentFilter,
    Cursor,
    all_comments,
    comments_page,
)
from ..services.errors import Invalid
from ..services.units import subtree_ids
from .auth import current_user, login_required
from .downloads import content_disposition
from .officer import PERIOD_KINDS, Selection, parse_selection, scoped_unit, visible_units

bp = Blueprint("comments", __name__, url_prefix="/officer/comments")

PAGE = 50
SEARCH_MAX = 100
EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def _filter() -> tuple[Unit, Selection, CommentFilter, dict[str, str], dict[str, Any]]:
    """The unit, period and filters of the query string, Vietnamese errors by field, and the
    arguments that reproduce them (for links, pages and exports)."""
    user = current_user()
    assert user is not None
    unit = scoped_unit(user, request.args.get("unit"))
    selection, errors = parse_selection(request.args)
    args: dict[str, Any] = selection.args(unit.code)
    subtree = request.args.get("subtree", "1") != "0"
    args["subtree"] = "1" if subtree else "0"
    counter_id = None
    if request.args.get("counter"):
        counter_id = ascii_int(request.args["counter"], 1)
        allowed = get_session().scalar(select(Counter.id).where(
            Counter.id == counter_id, Counter.unit_id.in_(subtree_ids(unit.id))))
        if counter_id is None or allowed is None:
            errors["counter"] = "Chọn một quầy của đơn vị đã chọn."
            counter_id = None
        else:
            args["counter"] = counter_id
    choices = {}
    for name, allowed_values, message in (
            ("level", LEVELS, "Chọn một mức đánh giá trong danh sách."),
            ("channel", CHANNELS, "Chọn một kênh trong danh sách."),
            ("reason", REASONS, "Chọn một lý do trong danh sách.")):
        value = request.args.get(name) or None
        if value is not None and value not in allowed_values:
            errors[name] = message
            value = None
        choices[name] = value
        if value:
            args[name] = value
    search = (request.args.get("q") or "").strip() or None
    if search is not None and len(search) > SEARCH_MAX:
        errors["q"] = f"Từ khóa tối đa {SEARCH_MAX} ký tự."
        search = None
    if search:
        args["q"] = search
    include_void = request.args.get("void") == "1"
    if include_void:
        args["void"] = "1"
    f = CommentFilter(unit_id=unit.id, start=selection.start, end=selection.end,
                      subtree=subtree, counter_id=counter_id, search=search,
                      include_void=include_void, **choices)
    return unit, selection, f, errors, args


@bp.get("")
@login_required("admin", "officer")
def index() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    unit, selection, f, errors, args = _filter()
    after = None
    if request.args.get("cursor"):
        try:
            after = Cursor.decode(request.args["cursor"])
        except Invalid:
            errors["cursor"] = "Liên kết trang không hợp lệ; đã quay về trang đầu."
    session = get_session()
    page, following = ([], None) if errors.keys() - {"cursor"} else comments_page(
        session, f, after=after, limit=PAGE)
    counters = session.execute(
        select(Counter.id, Counter.name, Unit.name).join(Unit, Unit.id == Counter.unit_id)
        .where(Counter.unit_id.in_(subtree_ids(unit.id))).order_by(Unit.name, Counter.name)
    ).all()
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    return render_template(
        "comments/index.html", units=visible_units(user), unit=unit, sel=selection,
        kinds=PERIOD_KINDS, errors=errors, f=f, args=args, counters=counters,
        items=[_shown(c, tz) for c in page],
        next_cursor=following.encode() if following else None, first_page=after is None,
        levels=LEVEL_TERMS, channels=CHANNEL_TERMS, reasons=REASON_TERMS,
    ), 400 if errors.keys() - {"cursor"} else 200


def _shown(c: Any, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": c.id, "ballot_id": c.ballot_id, "at": c.counted_at.astimezone(tz),
        "unit": c.unit_name, "counter": c.counter,
        "channel": label(CHANNEL_TERMS, c.channel),
        "level": label(LEVEL_TERMS, c.level) if c.level else "—",
        "level_code": c.level, "reasons": [label(REASON_TERMS, r) for r in c.reasons],
        "text": c.text, "status": c.status, "status_label": label(STATUS_TERMS, c.status),
        "flag": label(FLAG_TERMS, c.flag_reason) if c.flag_reason else None, "case": c.case,
    }


@bp.get("/export.<fmt>")
@login_required("admin", "officer")
def export(fmt: str) -> ResponseReturnValue:
    """The filtered list, every page of it, streamed as XLSX or CSV."""
    if fmt not in EXPORT_TYPES:
        abort(404)
    unit, selection, f, errors, _args = _filter()
    if errors:
        text = "Tham số không hợp lệ:\n" + "\n".join(f"- {k}: {v}" for k, v in errors.items())
        return Response(text, status=400, mimetype="text/plain; charset=utf-8")
    from reports.comments_export import comments_csv, comments_xlsx

    rows = _rows(f, ZoneInfo(current_app.config["TIMEZONE"]))
    body = (comments_csv(rows, bom=request.args.get("bom", "1") == "1") if fmt == "csv"
            else comments_xlsx(rows))
    response = Response(stream_with_context(body), mimetype=EXPORT_TYPES[fmt])
    response.headers["Content-Disposition"] = content_disposition(
        f"y-kien-{unit.code}-{selection.start:%Y%m%d}-{selection.end:%Y%m%d}.{fmt}")
    return response


def _rows(f: CommentFilter, tz: ZoneInfo) -> Iterator[tuple[Any, ...]]:
    for c in all_comments(get_session(), f):
        yield (c.id, c.counted_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"), c.unit,
               c.unit_name, c.counter or "", label(CHANNEL_TERMS, c.channel),
               label(LEVEL_TERMS, c.level) if c.level else "",
               "; ".join(label(REASON_TERMS, r) for r in c.reasons), c.text,
               label(STATUS_TERMS, c.status),
               label(FLAG_TERMS, c.flag_reason) if c.flag_reason else "", c.case or "")
