"""Admin pages for the index (bộ chỉ số): schemes, the ranking per block, hand-score entry with
evidence notes, bonus and deduction entries, and the exports (XLSX, PDF, CSV, chart).

Only index administrators (role ``admin``) use these pages. Every change goes through
:mod:`survey_app.services.index`, which writes the audit log in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from reports.ranking import ranking_csv, ranking_xlsx
from reports.ranking_pdf import band_colour, ranking_chart, ranking_pdf

from ..db import get_session
from ..domain import periods
from ..domain.rounding import points
from ..messages import message
from ..models import IndexBonus, IndexScheme, Unit
from ..services import index as index_service
from ..services.index_imports import parse_points
from ..services.state import AlreadyChanged
from ..services.units import unit_by_code, validity_problem
from .auth import current_user, login_required
from .downloads import download as _download
from .forms import CsrfForm

bp = Blueprint("index", __name__, url_prefix="/index")
ADMIN = "admin"


class HandScoreForm(FlaskForm):
    """One component of one unit: self-assessment, appraisal (or "not applicable") and the
    evidence note, which a declaration "not applicable" requires."""

    component = HiddenField(validators=[DataRequired()])
    self_score = StringField("Điểm tự đánh giá", validators=[Optional(), Length(max=12)])
    appraised_score = StringField("Điểm thẩm định", validators=[Optional(), Length(max=12)])
    not_applicable = BooleanField("Không áp dụng cho đơn vị này")
    note = TextAreaField("Tài liệu kiểm chứng / ghi chú", validators=[Length(max=2000)])


class BonusForm(FlaskForm):
    """A bonus (positive) or deduction (negative) entry with its reason."""

    points = StringField("Điểm (âm là điểm trừ)",
                         validators=[DataRequired("Nhập số điểm."), Length(max=12)])
    note = TextAreaField("Lý do", validators=[DataRequired("Nhập lý do thưởng hoặc trừ điểm."),
                                              Length(max=2000)])


def _scheme(code: str, year: int) -> IndexScheme:
    row = index_service.scheme_row(get_session(), code, year) if 1900 <= year <= 9999 else None
    if row is None:
        abort(404)
    return row


@bp.get("/")
@login_required(ADMIN)
def schemes() -> Any:
    """The loaded schemes, newest year first."""
    return render_template("index/schemes.html", rows=index_service.scheme_rows(get_session()))


@bp.get("/<code>/<int:year>")
@login_required(ADMIN)
def ranking(code: str, year: int) -> Any:
    """The ranking per block: a sortable table and the chart."""
    row = _scheme(code, year)
    report = index_service.score_index(get_session(), row)
    table = index_service.ranking_table(report)
    colours = {label: band_colour(table, label) for label, _ in table.bands}
    return render_template("index/ranking.html", row=row, table=table, colours=colours,
                           satisfaction=report.satisfaction)


@bp.get("/<code>/<int:year>.<any(xlsx, pdf, csv):kind>")
@login_required(ADMIN)
def export(code: str, year: int, kind: str) -> Response:
    """The published table as XLSX (default for officers), PDF or CSV (UTF-8 with BOM)."""
    row = _scheme(code, year)
    table = index_service.ranking_table(index_service.score_index(get_session(), row))
    name = f"xep-hang-{code}-{year}.{kind}"
    if kind == "xlsx":
        return _download(ranking_xlsx(table), "application/vnd.openxmlformats-officedocument."
                         "spreadsheetml.sheet", name)
    if kind == "pdf":
        return _download(ranking_pdf(table), "application/pdf", name)
    return _download(ranking_csv(table), "text/csv; charset=utf-8", name)


@bp.get("/<code>/<int:year>/chart.png")
@login_required(ADMIN)
def chart(code: str, year: int) -> Response:
    row = _scheme(code, year)
    table = index_service.ranking_table(index_service.score_index(get_session(), row))
    return Response(ranking_chart(table), mimetype="image/png")


def _unit_of(row: IndexScheme, code: str | None) -> Unit:
    scheme = row.parsed()
    if code is None or scheme.member(code) is None:
        abort(404)
    unit = unit_by_code(get_session(), code)
    if unit is None:
        abort(404)
    return unit


def _scores_page(row: IndexScheme, unit: Unit, *, failed: HandScoreForm | None = None,
                 bonus_form: BonusForm | None = None, status: int = 200) -> Any:
    scheme = row.parsed()
    session = get_session()
    stored, bonus = index_service.unit_entries(session, row, unit)
    forms = []
    for comp in index_service.hand_components(scheme):
        if failed is not None and failed.component.data == comp.code:
            form = failed
        else:
            score = stored.get(comp.code)
            form = HandScoreForm(prefix=comp.code, formdata=None, data={
                "component": comp.code,
                "self_score": _plain(score.self_score) if score else "",
                "appraised_score": _plain(score.appraised_score) if score else "",
                "not_applicable": bool(score and score.not_applicable),
                "note": (score.note or "") if score else "",
            })
        forms.append((comp, form, stored.get(comp.code)))
    report = index_service.score_index(session, row)
    result = next((u for b in report.result.blocks for u in b.units
                   if u.score.unit == unit.code), None)
    members = [m.unit for b in scheme.blocks for m in b.members]
    return render_template(
        "index/scores.html", row=row, scheme=scheme, unit=unit, forms=forms, bonus=bonus,
        bonus_form=bonus_form or BonusForm(formdata=None), delete_form=CsrfForm(),
        result=result, members=members, units={u.code: u for u in _units(members)},
    ), status


def _units(codes: list[str]) -> list[Unit]:
    from sqlalchemy import select

    return list(get_session().scalars(select(Unit).where(Unit.code.in_(codes))))


@bp.get("/<code>/<int:year>/scores")
@login_required(ADMIN)
def scores(code: str, year: int) -> Any:
    """Hand-score entry for one unit (``?unit=``): every hand-scored component and its note."""
    row = _scheme(code, year)
    members = [m.unit for b in row.parsed().blocks for m in b.members]
    unit = _unit_of(row, request.args.get("unit") or members[0])
    return _scores_page(row, unit)


@bp.post("/<code>/<int:year>/scores/<unit_code>")
@login_required(ADMIN)
def save_score(code: str, year: int, unit_code: str) -> Any:
    """Store one component's scores and note; errors are shown beside the fields."""
    row = _scheme(code, year)
    unit = _unit_of(row, unit_code)
    component = request.form.get("component", "")
    form = HandScoreForm(prefix=component)
    scheme = row.parsed()
    if not form.validate_on_submit():
        return _scores_page(row, unit, failed=form, status=400)
    if problem := validity_problem(unit, periods.year(row.year), whole=False):
        flash(message(problem.key, "vi", problem.params), "error")
        return _scores_page(row, unit, failed=form, status=422)
    why = index_service.component_problem(scheme, component)
    if why is not None:
        abort(400)
    comp = scheme.component(component)
    assert comp is not None
    values: dict[str, Decimal | None] = {}
    for field in (form.self_score, form.appraised_score):
        values[field.name] = _points_field(field)
        value = values[field.name]
        if value is not None and value < 0:
            field.errors = ["Điểm không được nhỏ hơn 0."]
        elif value is not None and Fraction(value) > comp.max_points:
            field.errors = [f"Vượt điểm tối đa của tiêu chí ({_plain(points(comp.max_points))})."]
    note = (form.note.data or "").strip() or None
    not_applicable = bool(form.not_applicable.data)
    if not_applicable and (form.appraised_score.data or "").strip():
        form.appraised_score.errors = ["Tiêu chí không áp dụng thì không có điểm thẩm định: "
                                       "bỏ trống ô này hoặc bỏ chọn “Không áp dụng”."]
    if not_applicable and index_service.not_applicable_problem(note):
        form.note.errors = ["Tiêu chí không áp dụng cho đơn vị phải có tài liệu kiểm chứng: "
                            "ghi rõ vì sao tiêu chí không áp dụng."]
    if any(f.errors for f in (form.self_score, form.appraised_score, form.note)):
        return _scores_page(row, unit, failed=form, status=422)
    index_service.set_hand_score(
        get_session(), row, unit, component, values[form.self_score.name],
        None if not_applicable else values[form.appraised_score.name], note, current_user(),
        not_applicable=not_applicable)
    flash(f"Đã lưu điểm “{scheme.component(component).name}” của {unit.name}.",  # type: ignore[union-attr]
          "info")
    return redirect(url_for("index.scores", code=code, year=year, unit=unit.code)
                    + f"#c-{component}")


@bp.post("/<code>/<int:year>/scores/<unit_code>/bonus")
@login_required(ADMIN)
def add_bonus(code: str, year: int, unit_code: str) -> Any:
    """Add a bonus or deduction entry with its reason."""
    row = _scheme(code, year)
    unit = _unit_of(row, unit_code)
    form = BonusForm()
    scheme = row.parsed()
    if not form.validate_on_submit():
        return _scores_page(row, unit, bonus_form=form, status=400)
    if problem := validity_problem(unit, periods.year(row.year), whole=False):
        flash(message(problem.key, "vi", problem.params), "error")
        return _scores_page(row, unit, bonus_form=form, status=422)
    value = _points_field(form.points)
    if form.points.errors:
        pass
    elif scheme.bonus is None:
        form.points.errors = ["Bộ chỉ số này không có điểm thưởng, điểm trừ."]
    elif not value:
        form.points.errors = ["Điểm phải khác 0 (âm là điểm trừ)."]
    if form.points.errors:
        return _scores_page(row, unit, bonus_form=form, status=422)
    assert value is not None
    index_service.add_bonus(get_session(), row, unit, value, form.note.data.strip(),
                            current_user())
    flash(f"Đã ghi {'điểm thưởng' if value > 0 else 'điểm trừ'} {_plain(value)} cho "
          f"{unit.name}.", "info")
    return redirect(url_for("index.scores", code=code, year=year, unit=unit.code) + "#bonus")


@bp.post("/<code>/<int:year>/bonus/<id:entry_id>/delete")
@login_required(ADMIN)
def delete_bonus(code: str, year: int, entry_id: int) -> Any:
    row = _scheme(code, year)
    entry = get_session().get(IndexBonus, entry_id)
    if entry is None or entry.scheme_id != row.id or not CsrfForm().validate_on_submit():
        abort(404 if entry is None or entry.scheme_id != row.id else 400)
    unit = entry.unit
    try:
        index_service.delete_bonus(get_session(), entry, current_user())
    except AlreadyChanged:
        flash("Mục thưởng/trừ điểm này đã được xóa trước đó.", "info")
    else:
        flash("Đã xóa mục thưởng/trừ điểm.", "info")
    return redirect(url_for("index.scores", code=code, year=year, unit=unit.code) + "#bonus")


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def _points_field(field: Any) -> Decimal | None:
    """The field's points (a decimal comma is fine), or None with the field's error set."""
    try:
        return parse_points(field.data or "")
    except ValueError:
        field.errors = ["Nhập một số, tối đa hai chữ số thập phân (ví dụ 9,5)."]
        return None
