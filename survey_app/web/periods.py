"""Admin pages: close and reopen periods (snapshots with content hashes), their publication
(the buttons post to web/publishing.py), and the raw anonymised ballots export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
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
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ..db import get_session
from ..domain.snapshot_hash import HASH_RULE_V3, PUBLISHABLE_RULES
from ..domain.vocab import (
    CHANNEL_TERMS,
    FLAG_TERMS,
    LEVEL_TERMS,
    REASON_TERMS,
    RESPONDENT_GROUP_TERMS,
    STATUS_TERMS,
    label,
)
from ..models import (
    Answer,
    Ballot,
    Counter,
    PeriodPublication,
    PeriodSnapshot,
    QuestionnaireItem,
    Unit,
    UserAccount,
)
from ..services import publication, snapshots
from ..services.breakdowns import REASON_ITEM
from ..services.index import scheme_rows
from ..services.units import subtree_ids
from .auth import current_user, login_required
from .downloads import content_disposition
from .officer import PERIOD_KINDS, parse_selection, scoped_unit, visible_units

bp = Blueprint("periods", __name__, url_prefix="/admin")

EXPORT_CHUNK = 2000


@bp.get("/periods")
@login_required("admin")
def index() -> ResponseReturnValue:
    return periods_page()


def periods_page(*, index_error: str | None = None, counter_error: str | None = None,
                 status: int = 200) -> ResponseReturnValue:
    """The periods page; ``index_error`` / ``counter_error`` is a refused form of the ranking /
    counter-publication section, shown there and answered with ``status``."""
    user = current_user()
    assert user is not None
    session = get_session()
    unit = scoped_unit(user, request.args.get("unit"))
    selection, errors = parse_selection(request.args)
    rows = session.execute(
        select(PeriodSnapshot, Unit.name, UserAccount.username)
        .join(Unit, Unit.id == PeriodSnapshot.unit_id)
        .outerjoin(UserAccount, UserAccount.id == PeriodSnapshot.closed_by_id)
        .order_by(PeriodSnapshot.closed_at.desc(), PeriodSnapshot.id.desc()).limit(200)).all()
    live = {p.snapshot_id for p in session.scalars(select(PeriodPublication).where(
        PeriodPublication.withdrawn_at.is_(None)))}
    schemes = [(s, publication.index_in_force(session, s.id)) for s in scheme_rows(session)]
    return render_template("officer/periods.html", units=visible_units(user), unit=unit,
                           sel=selection, errors=errors, kinds=PERIOD_KINDS, rows=rows,
                           args=selection.args(unit.code), published=live,
                           schemes=schemes, index_error=index_error,
                           counter_error=counter_error,
                           counter_units=publication.counter_publishing_units(session)), \
        400 if errors and status == 200 else status


@bp.post("/periods/close")
@login_required("admin")
def close() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    unit = scoped_unit(user, request.form.get("unit"))
    selection, errors = parse_selection(request.form)
    note = (request.form.get("note") or "").strip()
    back = url_for(".index", **selection.args(unit.code))
    if errors:
        for message in errors.values():
            flash(message, "error")
        return redirect(back), 303
    if len(note) > 1000:
        flash("Ghi chú tối đa 1000 ký tự.", "error")
        return redirect(back), 303
    try:
        snapshot = snapshots.close_period(get_session(), unit, selection.period, user, note,
                                              tz=ZoneInfo(current_app.config["TIMEZONE"]))
    except snapshots.CloseError as exc:
        flash(str(exc), "error")
        return redirect(back), 303
    flash(f"Đã khóa kỳ {selection.start:%d/%m/%Y}–{selection.end:%d/%m/%Y} cho {unit.name}: "
          f"{snapshot.cells} ô số liệu, mã băm {snapshot.content_hash[:16]}…", "info")
    return redirect(url_for(".show", snapshot_id=snapshot.id)), 303


@bp.get("/periods/<id:snapshot_id>")
@login_required("admin")
def show(snapshot_id: int) -> ResponseReturnValue:
    snapshot = get_session().get(PeriodSnapshot, snapshot_id)
    if snapshot is None:
        abort(404)
    return period_page(snapshot)


def period_page(snapshot: PeriodSnapshot, *, withdraw_error: str | None = None,
                status: int = 200) -> ResponseReturnValue:
    """One closed period's page; ``withdraw_error`` is a refused withdrawal form, shown beside
    its reason field and answered with ``status``."""
    session = get_session()
    unit = session.get(Unit, snapshot.unit_id)
    if snapshot.reopened_at is None:
        changes, differing = snapshots.changes_since_close(
            session, snapshot, tz=ZoneInfo(current_app.config["TIMEZONE"]))
        reopen = None
    else:
        reopen = snapshots.audit_details(session, snapshot.id, "period.reopen") or {}
        changes, differing = [], reopen.get("cells_changed", 0)
    users = {u.id: u.username for u in session.scalars(select(UserAccount).where(
        UserAccount.id.in_({snapshot.closed_by_id or 0, snapshot.reopened_by_id or 0})))}
    history = list(session.scalars(select(PeriodPublication).where(
        PeriodPublication.snapshot_id == snapshot.id).order_by(PeriodPublication.id)))
    return render_template("officer/period.html", s=snapshot, unit=unit, changes=changes,
                           publications=history,
                           publishable=snapshot.hash_rule in PUBLISHABLE_RULES,
                           counters_provable=snapshot.hash_rule == HASH_RULE_V3,
                           differing=differing, reopen=reopen, users=users,
                           verified=snapshots.verify(session, snapshot),
                           level_label=lambda c: label(LEVEL_TERMS, c),
                           status_label=lambda c: label(STATUS_TERMS, c),
                           withdraw_error=withdraw_error), status


@bp.post("/periods/<id:snapshot_id>/reopen")
@login_required("admin")
def reopen(snapshot_id: int) -> ResponseReturnValue:
    user = current_user()
    session = get_session()
    snapshot = session.get(PeriodSnapshot, snapshot_id)
    if snapshot is None:
        abort(404)
    note = (request.form.get("note") or "").strip()
    if len(note) > 1000:
        flash("Ghi chú tối đa 1000 ký tự.", "error")
        return redirect(url_for(".show", snapshot_id=snapshot.id)), 303
    try:
        changes = snapshots.reopen_period(session, snapshot, user, note,
                                                tz=ZoneInfo(current_app.config["TIMEZONE"]))
    except snapshots.CloseError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".show", snapshot_id=snapshot.id)), 303
    flash(f"Đã mở lại kỳ; {len(changes)} số liệu tổng hợp đã thay đổi so với bản chốt.", "info")
    return redirect(url_for(".show", snapshot_id=snapshot.id)), 303


# --- raw anonymised ballots -------------------------------------------------------------------

@bp.get("/ballots.<fmt>")
@login_required("admin")
def ballots(fmt: str) -> ResponseReturnValue:
    """Every ballot of a subtree and period, one row each, streamed; no dossier hash, device,
    client id or keying user, so a row cannot be traced back to a person."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    user = current_user()
    assert user is not None
    unit = scoped_unit(user, request.args.get("unit"))
    selection, errors = parse_selection(request.args)
    if errors:
        return Response("Tham số không hợp lệ:\n" + "\n".join(errors.values()), status=400,
                        mimetype="text/plain; charset=utf-8")
    from reports.ballots_export import ballots_csv, ballots_xlsx

    rows = _ballot_rows(unit, selection.start, selection.end,
                        ZoneInfo(current_app.config["TIMEZONE"]))
    if fmt == "csv":
        body = ballots_csv(rows, bom=request.args.get("bom", "1") == "1")
        mimetype = "text/csv"
    else:
        body = ballots_xlsx(rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"phieu-{unit.code}-{selection.start:%Y%m%d}-{selection.end:%Y%m%d}.{fmt}"
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(name)
    return response


def _ballot_rows(unit: Unit, start: date, end: date, tz: ZoneInfo) -> Iterator[tuple[Any, ...]]:
    """Rows in ``BALLOT_COLUMNS`` order, read in chunks (server-side cursor on PostgreSQL)."""
    session = get_session()
    stmt = (
        select(Ballot.id, Unit.code, Counter.code, Ballot.channel, Ballot.counted_at,
               Ballot.level, Ballot.status, Ballot.flag_reason, Ballot.respondent_group,
               Ballot.procedure_field, Ballot.procedure_code)
        .join(Unit, Unit.id == Ballot.unit_id)
        .outerjoin(Counter, Counter.id == Ballot.counter_id)
        .where(Ballot.unit_id.in_(subtree_ids(unit.id).scalar_subquery()),
               Ballot.local_day >= start, Ballot.local_day <= end)
        .order_by(Ballot.id)
        .execution_options(yield_per=EXPORT_CHUNK)
    )
    result = session.execute(stmt)
    for chunk in result.partitions():
        not_satisfied = [r[0] for r in chunk if r[5] == "not_satisfied"]
        reasons: dict[int, list[str]] = {}
        if not_satisfied:
            for ballot_id, value in session.execute(
                    select(Answer.ballot_id, Answer.value)
                    .join(QuestionnaireItem, QuestionnaireItem.id == Answer.item_id)
                    .where(Answer.ballot_id.in_(not_satisfied),
                           QuestionnaireItem.code == REASON_ITEM)):
                reasons.setdefault(ballot_id, []).append(label(REASON_TERMS, value))
        for (bid, unit_code, counter, channel, counted_at, level, status, flag, group, field,
             code) in chunk:
            local = counted_at.astimezone(tz)
            yield (bid, unit_code, counter or "", label(CHANNEL_TERMS, channel),
                   local.date(), local.strftime("%H:%M"),
                   label(LEVEL_TERMS, level) if level else "",
                   label(STATUS_TERMS, status), label(FLAG_TERMS, flag) if flag else "",
                   label(RESPONDENT_GROUP_TERMS, group) if group else "", field or "",
                   code or "", "; ".join(sorted(reasons.get(bid, []))))
