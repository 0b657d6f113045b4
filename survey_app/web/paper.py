"""Clerk pages for paper ballots: batches, keyboard-first entry, second keying, import, print.

Entry is built for a stack of sheets and a keyboard: the serial, then one key per answer (the
numbers printed beside the boxes), Enter saves and opens the next sheet with the cursor on the
first answer. Everything works without a mouse; paper-entry.js only moves the cursor forward.
"""

from __future__ import annotations

import io
from typing import Any

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
from sqlalchemy import select

from reports.cells import append_row, csv_writer
from reports.paper_form import SIZES_MM, ballots_pdf

from ..db import get_session
from ..domain.periods import Period
from ..domain.problems import Problem
from ..inputs import MAX_DATE, MIN_DATE, ascii_int, in_date_range, iso_date
from ..models import PaperBatch, PaperSheet, Questionnaire, Unit
from ..services import paper, votes
from ..services.access import may_read, scoped
from ..services.errors import Conflict
from ..services.state import AlreadyChanged
from .auth import current_user, login_required, require_page
from .downloads import download
from .forms import CsrfForm, form_errors, service_errors

bp = Blueprint("paper", __name__, url_prefix="/paper")
CLERKS = ("clerk", "admin")
MAX_ID = 2**31 - 1
DATE_RANGE = {"min": f"{MIN_DATE:%d/%m/%Y}", "max": f"{MAX_DATE:%d/%m/%Y}"}


def _policy() -> votes.VotePolicy:
    return votes.VotePolicy.from_config(current_app.config)


def _batch(batch_id: int) -> PaperBatch:
    try:
        batch = paper.load_batch(get_session(), batch_id)
    except paper.PaperError:
        abort(404)
    require_page(may_read, batch.unit_id)
    return batch


def _units_in_scope() -> list[Unit]:
    user = current_user()
    assert user is not None
    return list(get_session().scalars(scoped(select(Unit).order_by(Unit.name), user, Unit.id)))


@bp.get("/")
@login_required(*CLERKS)
def index() -> Any:
    session = get_session()
    units = _units_in_scope()
    batches = session.scalars(
        select(PaperBatch).where(PaperBatch.deleted_at.is_(None),
                                 PaperBatch.unit_id.in_([u.id for u in units]))
        .order_by(PaperBatch.id.desc())
    ).all()
    questionnaires = session.scalars(select(Questionnaire).order_by(
        Questionnaire.code, Questionnaire.version)).all()
    return render_template("paper/index.html", form=CsrfForm(), units=units,
                           summaries=[paper.summary(session, b) for b in batches],
                           questionnaires=[q for q in questionnaires
                                           if "paper" in q.definition.get("channels", [])],
                           values=request.args, errors={})


@bp.post("/")
@login_required(*CLERKS)
def create() -> Any:
    session = get_session()
    user = current_user()
    form = request.form
    problems: dict[str, Problem] = {}
    units = {str(u.id): u for u in _units_in_scope()}
    unit = units.get(form.get("unit", ""))
    if unit is None:
        problems["unit"] = Problem("required")
    dates = {}
    for name in ("from", "to"):
        day = iso_date(form.get(name, ""))
        if day is None:
            problems[name] = Problem("bad_date")
        elif not in_date_range(day):
            problems[name] = Problem("date_out_of_range", DATE_RANGE)
        else:
            dates[name] = day
    if not problems and dates["to"] < dates["from"]:
        problems["to"] = Problem("date_order")
    qid = ascii_int(form.get("questionnaire"), 1, MAX_ID)
    q = session.get(Questionnaire, qid) if qid is not None else None
    found = None
    if q is not None:
        from ..services.questionnaires import questionnaire_version

        found = questionnaire_version(session, q.code, q.version)
    if found is None:
        problems["questionnaire"] = Problem("required")
    counts = {}
    for name in ("issued", "returned"):
        value = ascii_int(form.get(name))
        counts[name] = -1 if value is None else value  # -1: refused as bad_count
    if not problems:
        try:
            batch = paper.create_batch(
                session, unit=unit, questionnaire=found,  # type: ignore[arg-type]
                period=Period(dates["from"], dates["to"]), issued=counts["issued"],
                returned=counts["returned"], label=form.get("label") or None, user=user)
        except paper.PaperError as exc:
            problems.update(exc.by_field("unit"))
    if problems:
        batches = session.scalars(select(PaperBatch).where(PaperBatch.deleted_at.is_(None))
                                  .order_by(PaperBatch.id.desc())).all()
        return render_template(
            "paper/index.html", form=CsrfForm(), units=list(units.values()),
            summaries=[paper.summary(session, b) for b in batches
                       if str(b.unit_id) in units],
            questionnaires=[x for x in session.scalars(select(Questionnaire))
                            if "paper" in x.definition.get("channels", [])],
            values=form, errors=form_errors(problems)), 422
    flash(f"Đã tạo lô phiếu {batch.id}.", "info")
    return redirect(url_for("paper.show", batch_id=batch.id))


@bp.get("/<id:batch_id>")
@login_required(*CLERKS)
def show(batch_id: int) -> Any:
    batch = _batch(batch_id)
    session = get_session()
    return render_template("paper/show.html", form=CsrfForm(), s=paper.summary(session, batch),
                           batch=batch, sizes=sorted(SIZES_MM),
                           keyings=paper.compare_keyings(session, batch),
                           serial_ranges=paper.serial_ranges,
                           item_numbers={i.code: n for n, i in enumerate(
                               paper.batch_questionnaire(session, batch).definition.items,
                               start=1)})


@bp.post("/<id:batch_id>/edit")
@login_required(*CLERKS)
def edit(batch_id: int) -> Any:
    batch = _batch(batch_id)
    CsrfForm().validate_on_submit() or abort(400)
    form = request.form
    try:
        issued, returned = ascii_int(form.get("issued")), ascii_int(form.get("returned"))
        paper.update_batch(get_session(), batch,
                           issued=-1 if issued is None else issued,
                           returned=-1 if returned is None else returned,
                           label=form.get("label") or None, user=current_user())
    except paper.PaperError as exc:
        for text in service_errors(exc, "batch").values():
            flash(text, "error")
        return redirect(url_for("paper.show", batch_id=batch.id))
    flash("Đã cập nhật lô phiếu.", "info")
    return redirect(url_for("paper.show", batch_id=batch.id))


@bp.post("/<id:batch_id>/delete")
@login_required(*CLERKS)
def delete(batch_id: int) -> Any:
    batch = _batch(batch_id)
    try:
        voided = paper.delete_batch(get_session(), batch, current_user(), _policy().timezone)
    except AlreadyChanged:
        flash(f"Lô phiếu {batch.id} đã được xóa trước đó.", "info")
        return redirect(url_for("paper.index"))
    flash(f"Đã xóa lô phiếu {batch.id}; {voided} phiếu đã nhập được chuyển sang trạng thái hủy.",
          "info")
    return redirect(url_for("paper.index"))


def _next_serial(batch: PaperBatch, after: int | None) -> int | None:
    taken = set(get_session().scalars(select(PaperSheet.serial)
                                      .where(PaperSheet.batch_id == batch.id)))
    start = (after or 0) + 1
    for serial in [*range(start, batch.issued + 1), *range(1, start)]:
        if serial not in taken:
            return serial
    return None


def _entry_page(batch: PaperBatch, mode: str, *, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status: int = 200) -> Any:
    session = get_session()
    questionnaire = paper.batch_questionnaire(session, batch)
    definition = questionnaire.definition
    last = ascii_int(request.args.get("last"), 0, batch.issued)
    values = values or {"serial": str(_next_serial(batch, last) or "")}
    return render_template(
        "paper/entry.html", form=CsrfForm(), batch=batch, mode=mode,
        s=paper.summary(session, batch), definition=definition,
        keys={i.code: definition.entry_keys(i) for i in definition.items},
        values=values, errors=errors or {}, last=last,
    ), status


@bp.get("/<id:batch_id>/entry")
@login_required(*CLERKS)
def entry(batch_id: int) -> Any:
    return _entry_page(_batch(batch_id), "entry")


@bp.get("/<id:batch_id>/check")
@login_required(*CLERKS)
def check(batch_id: int) -> Any:
    return _entry_page(_batch(batch_id), "check")


@bp.post("/<id:batch_id>/<any(entry, check):mode>")
@login_required(*CLERKS)
def save(batch_id: int, mode: str) -> Any:
    """Save one sheet (Enter); the next sheet opens with the following free serial."""
    batch = _batch(batch_id)
    session = get_session()
    definition = paper.batch_questionnaire(session, batch).definition
    keyed = {i.code: request.form.get(f"k.{i.code}", "") for i in definition.items}
    values = {"serial": request.form.get("serial", "").strip(), **keyed}
    answers, problems = paper.keys_to_answers(definition, keyed)
    serial = ascii_int(values["serial"], 1, batch.issued)
    if serial is None:
        problems["serial"] = Problem("bad_serial", {"max": batch.issued})
    if problems:
        return _entry_page(batch, mode, values=values, errors=form_errors(problems), status=422)
    user = current_user()
    assert user is not None and serial is not None
    try:
        if mode == "entry":
            paper.enter_sheet(session, batch, serial=serial, answers=answers, answered_on=None,
                              user=user, policy=_policy())
        else:
            from ..domain.questionnaire import validate_answers

            clean, invalid = validate_answers(definition, answers)
            if invalid:
                raise paper.PaperInvalid(problems=invalid)
            paper.enter_check(session, batch, serial=serial, answers=clean, user=user)
    except paper.PaperError as exc:
        return _entry_page(batch, mode, values=values, errors=service_errors(exc, "unit"),
                           status=409 if isinstance(exc, Conflict) else 422)
    flash(f"Đã lưu phiếu số {serial}.", "info")
    return redirect(url_for(f"paper.{mode}", batch_id=batch.id, last=serial))


@bp.post("/<id:batch_id>/undo")
@login_required(*CLERKS)
def undo(batch_id: int) -> Any:
    batch = _batch(batch_id)
    user = current_user()
    assert user is not None
    try:
        sheet = paper.undo_sheet(get_session(), batch, user, _policy().timezone)
    except AlreadyChanged:
        flash("Phiếu này vừa được hủy trong một yêu cầu khác.", "info")
        return redirect(url_for("paper.entry", batch_id=batch.id))
    if sheet is None:
        flash("Chưa có phiếu nào của Ông/Bà trong lô này để hủy.", "error")
        return redirect(url_for("paper.entry", batch_id=batch.id))
    flash(f"Đã hủy phiếu số {sheet.serial}; có thể nhập lại số này.", "info")
    return redirect(url_for("paper.entry", batch_id=batch.id, last=sheet.serial - 1))


@bp.get("/<id:batch_id>/ballots.pdf")
@login_required(*CLERKS, "officer")
def print_ballots(batch_id: int) -> Response:
    """Every sheet of the batch with its serial (the same serials on every reprint)."""
    batch = _batch(batch_id)
    size = request.args.get("size", "A4")
    if size not in SIZES_MM:
        abort(400)
    definition = paper.batch_questionnaire(get_session(), batch).definition
    serials = [paper.serial_label(n, batch.issued) for n in range(1, batch.issued + 1)]
    data = ballots_pdf(paper.paper_form(batch, definition), serials, size)
    return download(data, "application/pdf", f"phieu-lo-{batch.id}-{size}.pdf")


@bp.get("/<id:batch_id>/template.<any(csv, xlsx):kind>")
@login_required(*CLERKS)
def template(batch_id: int, kind: str) -> Response:
    """The import template: Vietnamese headers, one row per sheet to fill in."""
    batch = _batch(batch_id)
    definition = paper.batch_questionnaire(get_session(), batch).definition
    headers = paper.template_headers(definition)
    if kind == "csv":
        buffer = io.StringIO()
        csv_writer(buffer).writerow(headers)  # item codes and labels: never a formula
        data = ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel shows diacritics
        mimetype = "text/csv; charset=utf-8"
    else:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Phiếu giấy"
        append_row(sheet, headers)
        sheet.freeze_panes = "A2"
        out = io.BytesIO()
        workbook.save(out)
        data = out.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return download(data, mimetype, f"mau-nhap-lo-{batch.id}.{kind}")


@bp.post("/<id:batch_id>/import")
@login_required(*CLERKS)
def import_file(batch_id: int) -> Any:
    """All rows or none; every bad row is listed with its number and reason."""
    batch = _batch(batch_id)
    upload = request.files.get("file")
    session = get_session()
    if upload is None or not upload.filename:
        flash("Chọn tệp CSV hoặc XLSX để nhập.", "error")
        return redirect(url_for("paper.show", batch_id=batch.id))
    user = current_user()
    assert user is not None
    try:
        rows = paper.read_rows(upload.filename, upload.read())
        count = paper.import_sheets(session, batch, rows, user=user, policy=_policy())
    except paper.PaperError as exc:
        return render_template("paper/import_errors.html", batch=batch,
                               errors=service_errors(exc, "file"), filename=upload.filename), 422
    flash(f"Đã nhập {count} phiếu từ {upload.filename}.", "info")
    return redirect(url_for("paper.show", batch_id=batch.id))


