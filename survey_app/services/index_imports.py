"""Imports for the index: hand scores, dossier counts and officials' survey answers.

Each file is a CSV (UTF-8, with or without BOM) or an XLSX workbook (first sheet) with a header
row. An import is all or nothing: every bad row is reported with its row number (the header is
row 1) and nothing is stored. Formats (``docs/index-formulas.md`` §9):

- scores: ``scheme,year,unit,component,self_score,appraised_score,note``; an
  ``appraised_score`` of ``NA`` (any case) declares the component not applicable to the unit,
  the evidence in ``note`` (required); component ``bonus`` is a bonus (positive
  ``appraised_score``) or deduction (negative), the reason in ``note``;
- dossiers: ``unit,from,to,handled,overdue,complaints`` and optionally ``not_satisfied``;
- officials' survey: ``scheme,year,unit,component,a,b,c,d`` (how many answered A, B, C, D).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..domain import periods
from ..domain.index import Scheme
from ..domain.periods import Period
from ..inputs import ascii_int
from ..messages import message
from ..models import (
    DossierCount,
    IndexBonus,
    IndexHandScore,
    IndexScheme,
    IndexSurveyAnswers,
    Unit,
    UserAccount,
)
from ..models._types import utcnow
from .audit import record_action
from .index.hand_scores import (
    BONUS,
    NOT_APPLICABLE,
    check_points,
    component_problem,
    not_applicable_problem,
    stored_appraisal,
)
from .index.schemes import scheme_row
from .units import RowErrors, validity_problem

SCORES_HEADER = ("scheme", "year", "unit", "component", "self_score", "appraised_score", "note")
DOSSIERS_HEADER = ("unit", "from", "to", "handled", "overdue", "complaints")
DOSSIERS_OPTIONAL = "not_satisfied"
SURVEY_HEADER = ("scheme", "year", "unit", "component", "a", "b", "c", "d")
#: Largest count a cell may hold (far above any unit's dossiers in a year).
MAX_COUNT = 10_000_000

Problems = list[tuple[int, str]]


def read_table(filename: str, data: bytes) -> list[tuple[int, list[str]]]:
    """Rows of a CSV or XLSX file as (row number, text cells), blank rows dropped."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
            raw = [[_cell(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        except Exception as exc:  # openpyxl raises several kinds for a non-XLSX file
            raise RowErrors([(1, "the file is not a readable XLSX workbook")]) from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RowErrors([(1, f"the file is not UTF-8 text ({exc.reason})")]) from exc
        raw = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    return [(n, row) for n, row in enumerate(raw, start=1) if any(row)]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _header(rows: list[tuple[int, list[str]]], expected: tuple[str, ...],
            optional: tuple[str, ...] = ()) -> list[str]:
    if not rows:
        raise RowErrors([(1, f"the file is empty; the header must be {','.join(expected)}")])
    header = [h.strip().lower() for h in rows[0][1]]
    while header and not header[-1]:
        header.pop()
    if tuple(header[:len(expected)]) != expected or \
            any(h not in optional for h in header[len(expected):]):
        wanted = ",".join(expected) + "".join(f"[,{o}]" for o in optional)
        raise RowErrors([(rows[0][0], f"the header must be {wanted}")])
    return header


def _fit(cells: list[str], width: int, least: int) -> list[str] | None:
    """The row's cells padded or trimmed to ``width``; None when it has too few or extra values.

    Trailing empty cells (XLSX rows, a CSV without the last optional column) do not count.
    """
    while len(cells) > width and not cells[-1]:
        cells = cells[:-1]
    if not least <= len(cells) <= width:
        return None
    return cells + [""] * (width - len(cells))


def parse_points(text: str) -> Decimal | None:
    """Points with at most two decimals; a decimal comma (9,5) is read as a point."""
    text = text.strip()
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a number")
    # the size first: quantize() of 1e999 raises InvalidOperation (more digits than precision)
    if abs(value) >= 100_000:
        raise ValueError(f"{text} is too large")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{text} has more than two decimals")
    return value


def _count(text: str, name: str, problems: Problems, line: int) -> int | None:
    value = ascii_int(text, 0, MAX_COUNT)  # ASCII digits only ("\d" takes "٣")
    if value is not None:
        return value
    problems.append((line, f"{name} must be a whole number from 0 (got {text!r})"))
    return None


@dataclass
class _SchemeCache:
    """Schemes named in a file, looked up once; None for a code and year not loaded."""

    session: Session

    def __post_init__(self) -> None:
        self.rows: dict[tuple[str, str], tuple[IndexScheme, Scheme] | None] = {}

    def get(self, code: str, year: str) -> tuple[IndexScheme, Scheme] | None:
        key = (code, year)
        if key not in self.rows:
            number = ascii_int(year, 1900, 9999)
            row = scheme_row(self.session, code, number) if number is not None else None
            self.rows[key] = (row, row.parsed()) if row else None
        return self.rows[key]


def _units(session: Session, codes: set[str]) -> dict[str, Unit]:
    return {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))}


def _not_in_force(unit: Unit, period: Period, *, whole: bool = False) -> str | None:
    """Why ``unit`` takes no figures for ``period``: a scheme year it did not exist in at all
    (``whole=False``), or dossier dates outside its validity (``whole=True``). A legacy ward
    keeps taking its own history."""
    problem = validity_problem(unit, period, whole=whole)
    return None if problem is None else message(problem.key, "en", problem.params)


# --------------------------------------------------------------------------------------------
# Hand scores


@dataclass(frozen=True, slots=True)
class ScoresImported:
    scores: int
    bonus: int
    changed: int


def import_scores(session: Session, filename: str, data: bytes,
                  user: UserAccount | None = None) -> ScoresImported:
    """Store hand scores and bonus entries from a file; all or nothing, audited per scheme.

    A (scheme, unit, component) row replaces the stored scores and note. A unit's bonus rows
    replace its stored bonus entries of that scheme; a unit without bonus rows keeps its own.
    """
    rows = read_table(filename, data)
    _header(rows, SCORES_HEADER)
    schemes = _SchemeCache(session)
    units = _units(session, {r[2].strip() for _, r in rows[1:] if len(r) > 2})
    problems: Problems = []
    seen: dict[tuple[str, str, str, str], int] = {}
    scores: list[tuple[IndexScheme, Unit, str, Decimal | None, Decimal | None, str | None,
                       bool]] = []
    bonus: dict[tuple[int, int], list[tuple[Decimal, str]]] = defaultdict(list)
    bonus_targets: dict[tuple[int, int], tuple[IndexScheme, Unit]] = {}
    for line, cells in rows[1:]:
        cells = _fit(cells, 7, 6)
        if cells is None:
            problems.append((line, "expected 7 columns: " + ",".join(SCORES_HEADER)))
            continue
        code, year, unit_code, component, self_text, appraised_text, note = cells
        found = schemes.get(code, year)
        if found is None:
            problems.append((line, f"scheme {code!r} year {year!r} is not loaded "
                                   "(load it with index load)"))
            continue
        row, scheme = found
        unit = units.get(unit_code)
        if scheme.member(unit_code) is None or unit is None:
            problems.append((line, f"unit {unit_code!r} is in no block of {code} {year}"))
            continue
        if why := _not_in_force(unit, periods.year(row.year)):
            problems.append((line, why))
            continue
        values: dict[str, Decimal | None] = {}
        not_applicable = appraised_text.strip().upper() == NOT_APPLICABLE
        if not_applicable:
            values["appraised_score"] = None
        for label, text in (("self_score", self_text), ("appraised_score", appraised_text)):
            if label in values:
                continue
            try:
                values[label] = parse_points(text)
            except ValueError as exc:
                problems.append((line, f"{label}: {exc}"))
        if len(values) < 2:
            continue
        note_text = note.strip() or None
        if component == BONUS:
            value = values["appraised_score"]
            if not_applicable:
                problems.append((line, "appraised_score: NA (not applicable) is for a "
                                       "hand-scored component, not a bonus row"))
            elif scheme.bonus is None:
                problems.append((line, f"{code} {year} has no bonus section, so it takes no "
                                       "bonus or deduction"))
            elif values["self_score"] is not None:
                problems.append((line, "self_score: a bonus row carries its points in "
                                       "appraised_score only"))
            elif value is None or value == 0:
                problems.append((line, "appraised_score: a bonus row needs points above 0 "
                                       "(bonus) or below 0 (deduction)"))
            elif note_text is None:
                problems.append((line, "note: a bonus or deduction needs its reason"))
            else:
                bonus[(row.id, unit.id)].append((value, note_text))
                bonus_targets[(row.id, unit.id)] = (row, unit)
            continue
        why = component_problem(scheme, component)
        if why is not None:
            problems.append((line, why))
            continue
        key = (code, year, unit_code, component)
        if key in seen:
            problems.append((line, f"{unit_code}/{component} repeats row {seen[key]}"))
            continue
        seen[key] = line
        if not_applicable and (why := not_applicable_problem(note_text)):
            problems.append((line, why))
            continue
        if values["self_score"] is None and values["appraised_score"] is None \
                and not not_applicable:
            problems.append((line, "give self_score, appraised_score (points or NA) or both"))
            continue
        out_of_range = [why for label, value in values.items()
                        if (why := check_points(scheme, component, value, label))]
        problems.extend((line, why) for why in out_of_range)
        if not out_of_range:
            scores.append((row, unit, component, values["self_score"],
                           values["appraised_score"], note_text, not_applicable))
    if problems:
        raise RowErrors(problems)
    changes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    changed = 0
    stored = {(s.scheme_id, s.unit_id, s.component): s for s in session.scalars(
        select(IndexHandScore).where(IndexHandScore.scheme_id.in_(
            {r.id for r, *_ in scores})))}
    for row, unit, component, self_score, appraised, note_text, not_applicable in scores:
        current = stored.get((row.id, unit.id, component))
        if current is None:
            current = IndexHandScore(scheme_id=row.id, unit_id=unit.id, component=component)
            session.add(current)
            old = None
        else:
            old = [_text(current.self_score), stored_appraisal(current), current.note]
        new = [_text(self_score), NOT_APPLICABLE if not_applicable else _text(appraised),
               note_text]
        if old == new:
            continue
        current.self_score, current.appraised_score, current.note = (self_score, appraised,
                                                                     note_text)
        current.not_applicable = not_applicable
        current.entered_by_id, current.entered_at = (user.id if user else None), utcnow()
        changes[row.id].append({"unit": unit.code, "component": component, "old": old,
                                "new": new})
        changed += 1
    for (scheme_id, unit_id), entries in bonus.items():
        row, unit = bonus_targets[(scheme_id, unit_id)]
        old_entries = [[_text(b.points), b.note] for b in session.scalars(
            select(IndexBonus).where(IndexBonus.scheme_id == scheme_id,
                                     IndexBonus.unit_id == unit_id).order_by(IndexBonus.id))]
        new_entries = [[_text(p), n] for p, n in entries]
        if old_entries == new_entries:
            continue
        session.execute(delete(IndexBonus).where(IndexBonus.scheme_id == scheme_id,
                                                 IndexBonus.unit_id == unit_id))
        session.add_all(IndexBonus(scheme_id=scheme_id, unit_id=unit_id, points=p, note=n,
                                   entered_by_id=user.id if user else None)
                        for p, n in entries)
        changes[row.id].append({"unit": unit.code, "component": BONUS, "old": old_entries,
                                "new": new_entries})
        changed += 1
    session.flush()
    rows_by_id = {r.id: r for r, *_ in scores} | {r.id: r for r, _ in bonus_targets.values()}
    for scheme_id, items in changes.items():
        row = rows_by_id[scheme_id]
        record_action(session, user, "index.scores_import", "index_scheme", scheme_id,
                      scheme=row.code, year=row.year, file=filename, changes=items)
    return ScoresImported(len(scores), sum(len(v) for v in bonus.values()), changed)


# --------------------------------------------------------------------------------------------
# Dossier counts


def import_dossiers(session: Session, filename: str, data: bytes,
                    user: UserAccount | None = None) -> int:
    """Store dossier counts per unit and date range; the same unit and dates replace the row.

    Ranges of one unit may not overlap (in the file or with stored rows of other dates), so a
    month is never counted twice. Returns the number of rows stored.
    """
    rows = read_table(filename, data)
    header = _header(rows, DOSSIERS_HEADER, (DOSSIERS_OPTIONAL,))
    width = len(header)
    units = _units(session, {r[0].strip() for _, r in rows[1:] if r})
    problems: Problems = []
    parsed: list[tuple[int, Unit, date, date, int, int, int, int | None]] = []
    for line, cells in rows[1:]:
        cells = _fit(cells, width, len(DOSSIERS_HEADER))
        if cells is None:
            problems.append((line, f"expected {width} columns: " + ",".join(header)))
            continue
        unit = units.get(cells[0])
        if unit is None:
            problems.append((line, f"no unit with code {cells[0]!r}"))
        dates = []
        for name, text in (("from", cells[1]), ("to", cells[2])):
            try:
                dates.append(date.fromisoformat(text))
            except ValueError:
                problems.append((line, f"{name} must be a date as YYYY-MM-DD (got {text!r})"))
        counts = [_count(cells[i], header[i], problems, line) for i in range(3, 6)]
        not_satisfied = None
        if width == 7 and cells[6].strip():
            not_satisfied = _count(cells[6], DOSSIERS_OPTIONAL, problems, line)
        if unit is None or len(dates) < 2 or None in counts or \
                (width == 7 and cells[6].strip() and not_satisfied is None):
            continue
        start, end = dates
        handled, overdue, complaints = counts  # type: ignore[misc]
        if end < start:
            problems.append((line, "to must not be before from"))
            continue
        if why := _not_in_force(unit, Period(start, end), whole=True):
            problems.append((line, why))
            continue
        if overdue + complaints + (not_satisfied or 0) > handled:
            problems.append((line, "overdue + complaints + not_satisfied exceed handled "
                                   "(each dossier is counted once)"))
            continue
        parsed.append((line, unit, start, end, handled, overdue, complaints, not_satisfied))
    by_unit: dict[int, list[tuple[int, date, date]]] = defaultdict(list)
    for line, unit, start, end, *_ in parsed:
        for other_line, o_start, o_end in by_unit[unit.id]:
            if start <= o_end and o_start <= end:
                what = "repeats" if (start, end) == (o_start, o_end) else "overlaps"
                problems.append((line, f"{unit.code} {start}…{end} {what} row {other_line}"))
        by_unit[unit.id].append((line, start, end))
    stored = list(session.scalars(select(DossierCount).where(
        DossierCount.unit_id.in_(by_unit))))
    for line, unit, start, end, *_ in parsed:
        for r in stored:
            if r.unit_id == unit.id and (r.period_from, r.period_to) != (start, end) and \
                    start <= r.period_to and r.period_from <= end:
                problems.append((line, f"{unit.code} {start}…{end} overlaps the stored "
                                       f"{r.period_from}…{r.period_to}"))
    if problems:
        raise RowErrors(sorted(set(problems)))
    existing = {(r.unit_id, r.period_from, r.period_to): r for r in stored}
    changes = []
    for _, unit, start, end, handled, overdue, complaints, not_satisfied in parsed:
        row = existing.get((unit.id, start, end))
        new = [handled, overdue, complaints, not_satisfied]
        if row is None:
            row = DossierCount(unit_id=unit.id, period_from=start, period_to=end)
            session.add(row)
            old = None
        else:
            old = [row.handled, row.overdue, row.complaints, row.not_satisfied]
        if old == new:
            continue
        row.handled, row.overdue, row.complaints, row.not_satisfied = new
        row.imported_at = utcnow()
        changes.append({"unit": unit.code, "from": start.isoformat(), "to": end.isoformat(),
                        "old": old, "new": new})
    session.flush()
    if changes:
        record_action(session, user, "dossiers.import", "dossier_count", None, file=filename,
                      changes=changes)
    return len(parsed)


# --------------------------------------------------------------------------------------------
# Officials' survey answers (option_credit)


def import_survey_answers(session: Session, filename: str, data: bytes,
                          user: UserAccount | None = None) -> int:
    """Store A/B/C/D counts per scheme, unit and ``option_credit`` item; all or nothing."""
    rows = read_table(filename, data)
    _header(rows, SURVEY_HEADER)
    schemes = _SchemeCache(session)
    units = _units(session, {r[2].strip() for _, r in rows[1:] if len(r) > 2})
    problems: Problems = []
    parsed: list[tuple[IndexScheme, Unit, str, list[int]]] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, cells in rows[1:]:
        cells = _fit(cells, 8, 8)
        if cells is None:
            problems.append((line, "expected 8 columns: " + ",".join(SURVEY_HEADER)))
            continue
        code, year, unit_code, component = cells[:4]
        found = schemes.get(code, year)
        if found is None:
            problems.append((line, f"scheme {code!r} year {year!r} is not loaded"))
            continue
        row, scheme = found
        unit = units.get(unit_code)
        if scheme.member(unit_code) is None or unit is None:
            problems.append((line, f"unit {unit_code!r} is in no block of {code} {year}"))
            continue
        if why := _not_in_force(unit, periods.year(row.year)):
            problems.append((line, why))
            continue
        comp = scheme.component(component)
        if comp is None or comp.formula != "option_credit":
            problems.append((line, f"component {component!r} is not an option_credit item "
                                   f"of {code} {year}"))
            continue
        key = (code, year, unit_code, component)
        if key in seen:
            problems.append((line, f"{unit_code}/{component} repeats row {seen[key]}"))
            continue
        seen[key] = line
        counts = [_count(cells[i], SURVEY_HEADER[i], problems, line) for i in range(4, 8)]
        if None not in counts:
            parsed.append((row, unit, component, counts))  # type: ignore[arg-type]
    if problems:
        raise RowErrors(problems)
    stored = {(r.scheme_id, r.unit_id, r.component): r for r in session.scalars(
        select(IndexSurveyAnswers).where(IndexSurveyAnswers.scheme_id.in_(
            {r.id for r, *_ in parsed})))}
    changes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row, unit, component, counts in parsed:
        current = stored.get((row.id, unit.id, component))
        old = None if current is None else [current.a, current.b, current.c, current.d]
        if old == counts:
            continue
        if current is None:
            current = IndexSurveyAnswers(scheme_id=row.id, unit_id=unit.id, component=component)
            session.add(current)
        current.a, current.b, current.c, current.d = counts
        current.imported_at = utcnow()
        changes[row.id].append({"unit": unit.code, "component": component, "old": old,
                                "new": counts})
    session.flush()
    for scheme_id, items in changes.items():
        row = next(r for r, *_ in parsed if r.id == scheme_id)
        record_action(session, user, "index.survey_import", "index_scheme", scheme_id,
                      scheme=row.code, year=row.year, file=filename, changes=items)
    return len(parsed)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")
