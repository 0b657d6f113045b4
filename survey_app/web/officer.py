"""The officer workspace: a unit subtree's dashboard for a period, its charts and exports, and
the review of flagged votes.

Officers see their own unit's subtree only; any other unit is 404, by page, chart or export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from reports import print_html

from ..db import get_session
from ..domain import rounding
from ..domain.dashboard import BREAKDOWNS, WEEKDAYS_VI, Dashboard, Line
from ..domain.periods import Period, half_year, month, quarter, year
from ..domain.shares import Tally
from ..domain.unit_tree import tree_order
from ..domain.vocab import CHANNEL_TERMS, FLAG_TERMS, LEVEL_TERMS, LEVELS, label
from ..inputs import MAX_DATE, MIN_DATE, ascii_int, in_date_range, iso_date
from ..models import Ballot, Counter, Unit, UserAccount
from ..services.access import may_manage, may_read, scoped
from ..services.ballots import set_ballot_status
from ..services.cases import case_counts
from ..services.comments import CommentFilter, reason_counts
from ..services.dashboard import build_dashboard
from ..services.state import AlreadyChanged
from ..services.units import subtree_ids, unit_by_code
from .auth import current_user, login_required, may_see_unit, require_page
from .downloads import content_disposition

bp = Blueprint("officer", __name__, url_prefix="/officer")

PERIOD_KINDS = (("month", "Tháng"), ("quarter", "Quý"), ("half", "6 tháng"), ("year", "Năm"),
                ("custom", "Tùy chọn"))
#: The numbered part of a period kind: the form's label and the highest number (a year and a
#: custom range have none, and the form hides the field for them).
PERIOD_PARTS = {"month": ("Tháng", 12), "quarter": ("Quý", 4), "half": ("Nửa năm", 2)}
CHARTS = ("trend", "hours", "shares")
CHART_TYPES = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}
EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "pdf": "application/pdf",
}
#: The longest custom range a dashboard accepts (its edges are recounted from ballots).
MAX_CUSTOM_DAYS = 3 * 366
FLAGGED_PAGE = 50
#: A province lists hundreds of counters; the page shows the busiest, the XLSX all of them.
BREAKDOWN_ROWS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class Selection:
    """What the period form says: the kind and its parts, and the period they make."""

    kind: str
    year: int
    part: int
    start: date
    end: date

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    def args(self, unit: str) -> dict[str, Any]:
        out: dict[str, Any] = {"unit": unit, "kind": self.kind}
        if self.kind == "custom":
            out.update({"from": self.start.isoformat(), "to": self.end.isoformat()})
        else:
            out["year"] = self.year
            if self.kind != "year":
                out["part"] = self.part
        return out


def today_local() -> date:
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def parse_selection(args: Any) -> tuple[Selection, dict[str, str]]:
    """The period from the query string, or the current quarter; Vietnamese field errors.

    Years and custom dates lie in 2000–2100 (``survey_app.inputs``), so the neighbouring
    periods the dashboard compares with are always real dates.
    """
    today = today_local()
    errors: dict[str, str] = {}
    kind = args.get("kind", "quarter")
    if kind not in dict(PERIOD_KINDS):
        errors["kind"] = "Chọn loại kỳ: tháng, quý, 6 tháng, năm hoặc tùy chọn."
        kind = "quarter"
    default_part = {"month": today.month, "quarter": (today.month - 1) // 3 + 1,
                    "half": 1 if today.month <= 6 else 2}.get(kind, 1)
    y = _int_arg(args, "year", today.year, 2000, 2100, "Năm phải từ 2000 đến 2100.", errors)
    limits = PERIOD_PARTS[kind][1] if kind in PERIOD_PARTS else None
    # a year or a custom range has no part: whatever the form still holds is ignored
    part = 1 if limits is None else _int_arg(
        args, "part", default_part, 1, limits,
        f"Chọn {dict(PERIOD_KINDS)[kind].lower()} từ 1 đến {limits}.", errors)
    if kind == "custom":
        start = _date_arg(args, "from", errors)
        end = _date_arg(args, "to", errors)
        if start and end and end < start:
            errors["to"] = "Ngày kết thúc phải sau ngày bắt đầu."
        elif start and end and (end - start).days >= MAX_CUSTOM_DAYS:
            errors["to"] = f"Khoảng thời gian tối đa {MAX_CUSTOM_DAYS} ngày."
        if errors.keys() & {"from", "to"} or not (start and end):
            period = quarter(today.year, (today.month - 1) // 3 + 1)
            return Selection("custom", y, part, period.start, period.end), errors
        return Selection("custom", y, part, start, end), errors
    period = {"month": lambda: month(y, part), "quarter": lambda: quarter(y, part),
              "half": lambda: half_year(y, part), "year": lambda: year(y)}[kind]()
    return Selection(kind, y, part, period.start, period.end), errors


def _int_arg(args: Any, name: str, default: int, low: int, high: int, message: str,
             errors: dict[str, str]) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    value = ascii_int(raw, low, high)
    if value is None:
        errors[name] = message
        return default
    return value


#: Custom ranges stay within these dates (as the year of the other kinds does): the previous
#: period and the same period a year earlier, shown beside the figures, are then real dates.
DATE_RANGE_MESSAGE = (f"Ngày phải trong khoảng {MIN_DATE:%d/%m/%Y} – {MAX_DATE:%d/%m/%Y}.")


def _date_arg(args: Any, name: str, errors: dict[str, str]) -> date | None:
    raw = args.get(name)
    if not raw:
        errors[name] = "Nhập ngày (dd/mm/yyyy)."
        return None
    day = iso_date(raw)
    if day is None:
        errors[name] = "Ngày không hợp lệ."
    elif not in_date_range(day):
        errors[name] = DATE_RANGE_MESSAGE
        day = None
    return day


def visible_units(user: UserAccount) -> list[Unit]:
    """The units a user may pick: all for an admin, the own subtree for an officer."""
    return list(get_session().scalars(scoped(select(Unit).order_by(Unit.name), user, Unit.id)))


def scoped_unit(user: UserAccount, code: str | None) -> Unit:
    """The requested unit if the user may see it; 404 otherwise (other subtrees look absent).

    Without a code: the officer's own unit, or for an admin the top of the tree.
    """
    session = get_session()
    if not code:
        if user.unit_id is not None:
            unit = session.get(Unit, user.unit_id)
        else:
            unit = session.scalar(select(Unit).where(Unit.parent_id.is_(None))
                                  .order_by(Unit.id).limit(1))
        if unit is None:
            abort(404)
        return unit
    unit = unit_by_code(session, code)
    require_page(may_read, unit.id if unit else None)
    assert unit is not None
    return unit


def _dashboard_for_request() -> tuple[Unit, Selection, dict[str, str], Dashboard | None]:
    user = current_user()
    assert user is not None
    unit = scoped_unit(user, request.args.get("unit"))
    selection, errors = parse_selection(request.args)
    if errors:
        return unit, selection, errors, None
    dashboard = build_dashboard(get_session(), unit, selection.period,
                                min_n=current_app.config["MIN_N"],
                                tz=ZoneInfo(current_app.config["TIMEZONE"]))
    return unit, selection, errors, dashboard


@bp.get("/")
@login_required("admin", "officer")
def home() -> ResponseReturnValue:
    return redirect(url_for(".dashboard"))


@bp.get("/dashboard")
@login_required("admin", "officer")
def dashboard() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    unit, selection, errors, dash = _dashboard_for_request()
    ancestors = _ancestors_in_scope(user, unit)
    extra: dict[str, Any] = {}
    if dash is not None:
        own = dash.overall.tally
        for child in dash.children:
            own = Tally(*(own.count(lv) - child.tally.count(lv) for lv in LEVELS))
        used = {h for (_wd, h) in dash.hours}
        extra = {
            "prev_args": shift(selection, -1).args(unit.code),
            "next_args": shift(selection, 1).args(unit.code),
            "own_line": Line(unit.code, unit.name, own) if dash.children else None,
            "hour_columns": sorted(used | set(range(7, 18))),
            "comment_reasons": reason_counts(get_session(), CommentFilter(
                unit.id, selection.start, selection.end, subtree=True)),
            "case_counts": case_counts(get_session(), unit.id, selection.start, selection.end,
                                       today_local(), ZoneInfo(current_app.config["TIMEZONE"])),
        }
    return render_template(
        "officer/dashboard.html", units=visible_units(user), unit=unit, sel=selection,
        errors=errors, d=dash, kinds=PERIOD_KINDS, breakdowns=BREAKDOWNS, weekdays=WEEKDAYS_VI,
        levels=LEVEL_TERMS, args=selection.args(unit.code), ancestors=ancestors,
        max_rows=BREAKDOWN_ROWS_SHOWN, **extra,
    ), 400 if errors else 200


def shift(selection: Selection, step: int) -> Selection:
    """The selection one period earlier (``step`` −1) or later (+1), of the same kind."""
    if selection.kind == "custom":
        days = selection.period.days
        start = selection.start + timedelta(days=step * days)
        return Selection("custom", selection.year, selection.part, start,
                         start + timedelta(days=days - 1))
    if selection.kind == "year":
        period = year(selection.year + step)
        return Selection("year", selection.year + step, 1, period.start, period.end)
    per_year = {"month": 12, "quarter": 4, "half": 2}[selection.kind]
    index = selection.year * per_year + selection.part - 1 + step
    y, part = divmod(index, per_year)
    make = {"month": month, "quarter": quarter, "half": half_year}[selection.kind]
    period = make(y, part + 1)
    return Selection(selection.kind, y, part + 1, period.start, period.end)


# --- number formats on Vietnamese pages: 12.055 phiếu, 84,4 % (as the printed documents) ------

@bp.app_template_filter("vn_int")
def vn_int(value: int | None) -> str:
    return print_html.num(value)


@bp.app_template_filter("vn_pct")
def vn_pct(value: Decimal | None) -> str:
    return print_html.percent(value)


# ... and in the reader's language on the pages that have one (`{{ n|count(lang) }}`) --------

@bp.app_template_filter("count")
def count_in(value: int | None, lang: str = "vi") -> str:
    return print_html.count(value, lang)


@bp.app_template_filter("pct")
def pct_in(value: Decimal | None, lang: str = "vi") -> str:
    return print_html.percent(value, lang)


@bp.app_template_filter("score")
def score_in(value: Decimal | float | str | None, lang: str = "vi") -> str:
    return print_html.score(value, lang)


@bp.app_template_filter("vn_signed")
def vn_signed(value: Decimal) -> str:
    text = f"{value:+.1f}".replace(".", ",")
    return text.replace("-", "−")


@bp.app_template_filter("vn_datetime")
def vn_datetime(value: datetime) -> str:
    return datetime_in(value)


@bp.app_template_filter("datetime")
def datetime_in(value: datetime, lang: str = "vi") -> str:
    """Local time: 01/10/2026 09:15 in Vietnamese, 2026-10-01 09:15 in English."""
    local = value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return f"{local:%Y-%m-%d %H:%M}" if lang == "en" else f"{local:%d/%m/%Y %H:%M}"


@bp.app_template_global("unit_tree")
def unit_tree(units: list[Unit]) -> list[tuple[Unit, int]]:
    """A unit picker's options: the tree, the signed-in user's own subtree first."""
    user = current_user()
    return tree_order(units, user.unit_id if user else None)


@bp.app_template_global("period_parts")
def period_parts() -> dict[str, tuple[str, int]]:
    return PERIOD_PARTS


@bp.app_template_global("share_of")
def share_of(part: int, whole: int) -> Decimal | None:
    return rounding.percent(Fraction(part, whole)) if whole else None


def _ancestors_in_scope(user: UserAccount, unit: Unit) -> list[Unit]:
    """Breadcrumb: the unit's ancestors the user may open, top first."""
    out: list[Unit] = []
    current = unit.parent
    while current is not None and may_see_unit(user, current.id):
        out.append(current)
        current = current.parent
    return out[::-1]


@bp.get("/dashboard/chart/<name>.<fmt>")
@login_required("admin", "officer")
def chart(name: str, fmt: str) -> ResponseReturnValue:
    if name not in CHARTS or fmt not in CHART_TYPES:
        abort(404)
    unit, selection, errors, dash = _dashboard_for_request()
    if dash is None:
        return _bad_request(errors)
    from reports import charts

    render = {"trend": charts.trend_chart, "hours": charts.hours_chart,
              "shares": charts.shares_chart}[name]
    body = render(dash, fmt)
    response = Response(body, mimetype=CHART_TYPES[fmt])
    if fmt != "svg":
        response.headers["Content-Disposition"] = content_disposition(
            f"{name}-{unit.code}-{_slug(selection)}.{fmt}")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.get("/dashboard/export.<fmt>")
@login_required("admin", "officer")
def export(fmt: str) -> ResponseReturnValue:
    if fmt not in EXPORT_TYPES:
        abort(404)
    unit, selection, errors, dash = _dashboard_for_request()
    if dash is None:
        return _bad_request(errors)
    if fmt == "xlsx":
        from reports.dashboard_xlsx import dashboard_xlsx

        body = dashboard_xlsx(dash)
    elif fmt == "csv":
        from reports.dashboard_csv import dashboard_csv

        body = dashboard_csv(dash, bom=request.args.get("bom", "1") == "1")
    else:
        from reports.dashboard_pdf import dashboard_pdf

        body = dashboard_pdf(dash)
    response = Response(body, mimetype=EXPORT_TYPES[fmt])
    response.headers["Content-Disposition"] = content_disposition(
        f"hai-long-{unit.code}-{_slug(selection)}.{fmt}")
    return response


def _slug(selection: Selection) -> str:
    if selection.kind == "custom":
        return f"{selection.start:%Y%m%d}-{selection.end:%Y%m%d}"
    prefix = {"month": "T", "quarter": "Q", "half": "H"}.get(selection.kind)
    return f"{selection.year}" + (f"-{prefix}{selection.part}" if prefix else "")


def _bad_request(errors: dict[str, str]) -> Response:
    text = "Tham số không hợp lệ:\n" + "\n".join(f"- {k}: {v}" for k, v in errors.items())
    return Response(text, status=400, mimetype="text/plain; charset=utf-8")


# --- flagged votes ---------------------------------------------------------------------------

@bp.get("/flagged")
@login_required("admin", "officer")
def flagged() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    unit = scoped_unit(user, request.args.get("unit"))
    selection, errors = parse_selection(request.args)
    session = get_session()
    where = [Ballot.status == "flagged",
             Ballot.unit_id.in_(subtree_ids(unit.id).scalar_subquery()),
             Ballot.local_day >= selection.start, Ballot.local_day <= selection.end]
    total = session.scalar(select(func.count()).select_from(Ballot).where(*where)) or 0
    pages = max(1, -(-total // FLAGGED_PAGE))
    # any page beyond the last (or not a number) shows the nearest one
    page = min(ascii_int(request.args.get("page"), 1) or 1, pages)
    rows = session.execute(
        select(Ballot, Unit.name, Counter.name)
        .join(Unit, Unit.id == Ballot.unit_id)
        .outerjoin(Counter, Counter.id == Ballot.counter_id)
        .where(*where).order_by(Ballot.counted_at.desc(), Ballot.id.desc())
        .limit(FLAGGED_PAGE).offset((page - 1) * FLAGGED_PAGE)).all()
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    items = [{
        "id": b.id, "at": b.counted_at.astimezone(tz), "unit": unit_name,
        "counter": counter_name, "channel": label(CHANNEL_TERMS, b.channel),
        "level": label(LEVEL_TERMS, b.level) if b.level else "—",
        "reason": label(FLAG_TERMS, b.flag_reason) if b.flag_reason else "—",
    } for b, unit_name, counter_name in rows]
    return render_template(
        "officer/flagged.html", units=visible_units(user), unit=unit, sel=selection,
        errors=errors, kinds=PERIOD_KINDS, items=items, total=total, page=page,
        pages=pages, args=selection.args(unit.code),
    ), 400 if errors else 200


@bp.post("/flagged/<id:ballot_id>")
@login_required("admin", "officer")
def review(ballot_id: int) -> ResponseReturnValue:
    """Reinstate (count it) or void a flagged vote, with a note; audited."""
    user = current_user()
    assert user is not None
    session = get_session()
    ballot = session.get(Ballot, ballot_id)
    require_page(may_manage, ballot.unit_id if ballot else None)
    assert ballot is not None
    action = request.form.get("action")
    note = (request.form.get("note") or "").strip()
    back = request.form.get("back") or url_for(".flagged")
    if not back.startswith("/officer/"):
        back = url_for(".flagged")
    if action not in ("reinstate", "void"):
        flash("Chọn Khôi phục hoặc Hủy phiếu.", "error")
        return redirect(back), 303
    if len(note) > 500:
        flash("Ghi chú tối đa 500 ký tự.", "error")
        return redirect(back), 303
    if action == "void" and not note:
        flash(f"Phiếu #{ballot.id}: cần ghi lý do hủy phiếu.", "error")
        return redirect(back), 303
    if ballot.status != "flagged":
        flash(f"Phiếu #{ballot.id} không còn ở trạng thái cần xem xét.", "error")
        return redirect(back), 303
    status = "valid" if action == "reinstate" else "void"
    try:
        set_ballot_status(session, ballot, status, user, note or None,
                          tz=ZoneInfo(current_app.config["TIMEZONE"]),
                          action="ballot.reinstate" if action == "reinstate" else "ballot.void")
    except AlreadyChanged:
        flash(f"Phiếu #{ballot.id} vừa được xử lý trong một yêu cầu khác; không có thay đổi "
              "nào thêm.", "info")
        return redirect(back), 303
    flash(f"Phiếu #{ballot.id} đã được "
          f"{'khôi phục và tính vào số liệu' if status == 'valid' else 'hủy'}.", "info")
    return redirect(back), 303
