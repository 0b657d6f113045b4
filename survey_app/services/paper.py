"""Paper ballots: batches, keyed sheets, undo, second keying, spreadsheet import, figures.

A sheet becomes an ordinary ballot on the ``paper`` channel through the same parse/record path
as every other vote, so the one validator decides what a sheet may say. The batch row is locked
while a sheet is entered, so "entered ≤ returned" holds under concurrent clerks.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain import rounding
from ..domain.periods import Period
from ..domain.problems import Problem
from ..domain.questionnaire import Definition
from ..inputs import ascii_int
from ..models import Ballot, PaperBatch, PaperCheck, PaperSheet, Questionnaire, Unit, UserAccount
from . import votes
from .audit import record_action
from .ballots import set_ballot_status
from .errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from .questionnaires import QuestionnaireVersion, questionnaire_version
from .state import delete_once, transition
from .units import subtree_ids, validity_problem

MAX_ISSUED = 100_000


class PaperError(ServiceError):
    """A paper request that cannot be met, with problems by field: one subclass per kind."""


class PaperInvalid(PaperError, Invalid):
    problems: dict[str, Problem]


class PaperConflict(PaperError, Conflict):
    problems: dict[str, Problem]


class PaperNotFound(PaperError, NotFound):
    pass


class PaperForbidden(PaperError, Forbidden):
    pass


@dataclass(frozen=True, slots=True)
class BatchSummary:
    batch: PaperBatch
    entered: int
    counts: dict[str, int]

    @property
    def remaining(self) -> int:
        return max(0, self.batch.returned - self.entered)

    @property
    def response_rate(self) -> Fraction:
        return Fraction(self.batch.returned, self.batch.issued)

    def as_json(self) -> dict[str, Any]:
        b = self.batch
        return {
            "id": b.id, "unit": b.unit.code, "label": b.label,
            "from": b.period_from.isoformat(), "to": b.period_to.isoformat(),
            "questionnaire": b.questionnaire.code, "version": b.questionnaire.version,
            "issued": b.issued, "returned": b.returned, "entered": self.entered,
            "remaining": self.remaining,
            "response_rate": float(rounding.percent(self.response_rate)),  # type: ignore[arg-type]
            "counts": self.counts,
        }


#: The longest label of a batch.
LABEL_MAX = 120


def _check_counts(issued: Any, returned: Any, problems: dict[str, Problem]) -> None:
    for name, value in (("issued", issued), ("returned", returned)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 \
                or value > MAX_ISSUED:
            problems[name] = Problem("bad_count", {"max": MAX_ISSUED})
    if "issued" not in problems and issued == 0:
        problems["issued"] = Problem("bad_count", {"max": MAX_ISSUED})
    if not problems and returned > issued:
        problems["returned"] = Problem("returned_over_issued")


def create_batch(session: Session, *, unit: Unit, questionnaire: QuestionnaireVersion,
                 period: Period, issued: Any, returned: Any, label: str | None,
                 user: UserAccount | None) -> PaperBatch:
    problems: dict[str, Problem] = {}
    _check_counts(issued, returned, problems)
    if "paper" not in questionnaire.definition.channels:
        problems["questionnaire"] = Problem("channel_not_allowed", {"channel": "paper"})
    if label is not None and len(label) > LABEL_MAX:
        problems["label"] = Problem("too_long", {"max": LABEL_MAX})
    if problem := validity_problem(unit, period):  # a legacy ward: only its own history
        problems["unit"] = problem
    if problems:
        raise PaperInvalid(problems=problems)
    batch = PaperBatch(unit=unit, questionnaire_id=questionnaire.id, label=label,
                       period_from=period.start, period_to=period.end, issued=issued,
                       returned=returned, created_by_id=user.id if user else None)
    session.add(batch)
    session.flush()
    record_action(session, user, "paper.batch.create", "paper_batch", batch.id, unit=unit.code,
                  period=[period.start.isoformat(), period.end.isoformat()], issued=issued,
                  returned=returned, label=label)
    return batch


def update_batch(session: Session, batch: PaperBatch, *, issued: Any, returned: Any,
                 label: str | None, user: UserAccount | None) -> None:
    """Correct the counts or label; returned may not drop below the sheets already entered."""
    problems: dict[str, Problem] = {}
    _check_counts(issued, returned, problems)
    batch = load_batch(session, batch.id, lock=True)  # concurrent edits: one audit each change
    entered = entered_count(session, batch.id)
    if not problems and returned < entered:
        problems["returned"] = Problem("returned_below_entered", {"entered": entered})
    if not problems and issued < max_serial(session, batch.id):
        problems["issued"] = Problem("issued_below_serial")
    if problems:
        raise PaperInvalid(problems=problems)
    changes = {k: [old, new] for k, old, new in (("issued", batch.issued, issued),
                                                  ("returned", batch.returned, returned),
                                                  ("label", batch.label, label)) if old != new}
    batch.issued, batch.returned, batch.label = issued, returned, label
    session.flush()
    if changes:
        record_action(session, user, "paper.batch.update", "paper_batch", batch.id, **changes)


def delete_batch(session: Session, batch: PaperBatch, user: UserAccount | None,
                 tz: ZoneInfo) -> int:
    """Void every sheet's ballot and mark the batch deleted; nothing is erased.

    The batch is marked first, conditionally: a concurrent duplicate raises
    :class:`~.state.AlreadyChanged` and voids nothing."""
    transition(session, PaperBatch, batch.id, PaperBatch.deleted_at.is_(None),
               deleted_at=datetime.now(timezone.utc))
    sheets = session.scalars(select(PaperSheet).where(PaperSheet.batch_id == batch.id)).all()
    for sheet in sheets:
        ballot = session.get(Ballot, sheet.ballot_id)
        assert ballot is not None
        set_ballot_status(session, ballot, "void", user, f"lô phiếu {batch.id} bị xóa",
                          tz=tz, action="paper.ballot.void")
    record_action(session, user, "paper.batch.delete", "paper_batch", batch.id,
                  voided=len(sheets))
    return len(sheets)


def entered_count(session: Session, batch_id: int) -> int:
    return session.scalar(select(func.count()).select_from(PaperSheet)
                          .where(PaperSheet.batch_id == batch_id)) or 0


def max_serial(session: Session, batch_id: int) -> int:
    return session.scalar(select(func.max(PaperSheet.serial))
                          .where(PaperSheet.batch_id == batch_id)) or 0


def summary(session: Session, batch: PaperBatch) -> BatchSummary:
    rows = session.execute(
        select(Ballot.level, func.count()).join(PaperSheet, PaperSheet.ballot_id == Ballot.id)
        .where(PaperSheet.batch_id == batch.id).group_by(Ballot.level)
    ).all()
    counts = {"very_satisfied": 0, "satisfied": 0, "not_satisfied": 0}
    counts.update({lv: int(n) for lv, n in rows if lv is not None})
    return BatchSummary(batch, entered_count(session, batch.id), counts)


def load_batch(session: Session, batch_id: int, *, lock: bool = False) -> PaperBatch:
    stmt = select(PaperBatch).where(PaperBatch.id == batch_id, PaperBatch.deleted_at.is_(None))
    if lock:
        # populate_existing: the row read under the lock replaces what the session loaded
        # before, so checks see what a concurrent request committed
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    batch = session.scalar(stmt)
    if batch is None:
        raise PaperNotFound()
    return batch


def batch_questionnaire(session: Session, batch: PaperBatch) -> QuestionnaireVersion:
    q = session.get(Questionnaire, batch.questionnaire_id)
    assert q is not None
    found = questionnaire_version(session, q.code, q.version)
    assert found is not None
    return found


def enter_sheet(session: Session, batch: PaperBatch, *, serial: Any, answers: Any,
                answered_on: date | None, user: UserAccount, policy: votes.VotePolicy
                ) -> PaperSheet:
    """Key in one sheet: a conflict for a serial already entered; invalid for a bad serial or
    answers or for more sheets than were returned."""
    batch = load_batch(session, batch.id, lock=True)
    if isinstance(serial, bool) or not isinstance(serial, int) or not 1 <= serial <= batch.issued:
        raise PaperInvalid(problems={"serial": Problem("bad_serial", {"max": batch.issued})})
    if answered_on is None:
        answered_on = batch.period_to
    elif not batch.period_from <= answered_on <= batch.period_to:
        raise PaperInvalid(problems={"answered_on": Problem("outside_period", {
            "from": batch.period_from.isoformat(), "to": batch.period_to.isoformat()})})
    if session.scalar(select(PaperSheet.id).where(PaperSheet.batch_id == batch.id,
                                                  PaperSheet.serial == serial)):
        raise PaperConflict(problems={"serial": Problem("serial_taken", {"serial": serial})})
    entered = entered_count(session, batch.id)
    if entered >= batch.returned:
        raise PaperInvalid(problems={"serial": Problem("batch_full",
                                                       {"returned": batch.returned})})
    questionnaire = batch_questionnaire(session, batch)
    noon = datetime.combine(answered_on, time(12, 0), ZoneInfo(str(policy.timezone)))
    payload = {
        "client_id": str(uuid.uuid4()), "unit": batch.unit.code, "channel": "paper",
        "questionnaire": questionnaire.code, "version": questionnaire.version,
        "answers": answers, "answered_at": noon.isoformat(),
    }
    try:
        vote = votes.parse_vote(session, payload, votes.Principal(user=user), policy)
    except votes.VoteInvalid as exc:
        raise PaperInvalid(problems=exc.problems) from exc
    except votes.VoteForbidden as exc:
        raise PaperForbidden("forbidden_unit") from exc  # the key the clerk's unit scope gives
    result = votes.record_vote(session, vote, received_at=datetime.now(timezone.utc),
                               policy=policy)
    sheet = PaperSheet(batch_id=batch.id, serial=serial, ballot_id=result.vote.id,
                       keyed_by_id=user.id)
    session.add(sheet)
    session.flush()
    record_action(session, user, "paper.sheet.enter", "paper_sheet", sheet.id,
                  batch=batch.id, serial=serial, ballot=result.vote.id)
    return sheet


def undo_sheet(session: Session, batch: PaperBatch, user: UserAccount, tz: ZoneInfo,
               serial: int | None = None) -> PaperSheet | None:
    """Void the ballot of a sheet (by default the user's last in this batch) and free its
    serial for re-keying. The ballot row stays, status ``void``; the audit keeps the serial."""
    stmt = select(PaperSheet).where(PaperSheet.batch_id == batch.id)
    stmt = (stmt.where(PaperSheet.serial == serial) if serial is not None
            else stmt.where(PaperSheet.keyed_by_id == user.id).order_by(PaperSheet.id.desc()))
    sheet = session.scalars(stmt.limit(1)).first()
    if sheet is None:
        return None
    ballot = session.get(Ballot, sheet.ballot_id)
    assert ballot is not None
    delete_once(session, PaperSheet, sheet.id)  # a concurrent undo of this sheet stops here
    set_ballot_status(session, ballot, "void", user, f"hủy phiếu số {sheet.serial}",
                      tz=tz, action="paper.ballot.void")
    record_action(session, user, "paper.sheet.undo", "paper_sheet", sheet.id, batch=batch.id,
                  serial=sheet.serial, ballot=ballot.id)
    return sheet


# --- keys: what a clerk types for each item -------------------------------------------------

def keys_to_answers(definition: Definition, keyed: dict[str, str]) -> tuple[dict[str, Any],
                                                                         dict[str, Problem]]:
    """Turn typed keys into answers: '1'..'n' picks the n-th option of a scale, several digits
    pick several options of a multiple-choice item, texts pass through; blank means skipped.
    Option values are accepted too (a spreadsheet may hold ``satisfied`` or ``4``)."""
    answers: dict[str, Any] = {}
    problems: dict[str, Problem] = {}
    for item in definition.items:
        raw = (keyed.get(item.code) or "").strip()
        if not raw:
            continue
        if item.scale is None:
            answers[item.code] = raw
            continue
        keys = definition.entry_keys(item)
        values = item.scale.values()
        if item.kind == "multiple_choice":
            picked = raw.replace(",", " ").split() if " " in raw or "," in raw else list(raw)
            if raw in values:
                picked = [raw]
            chosen = [keys.get(p, p) for p in picked]
            if not all(c in values for c in chosen):
                problems[item.code] = Problem("bad_key", {"keys": ", ".join(keys)})
            else:
                answers[item.code] = chosen
        elif raw in keys:
            answers[item.code] = keys[raw]
        elif raw in values:
            answers[item.code] = raw
        else:
            problems[item.code] = Problem("bad_key", {"keys": ", ".join(keys)})
    return answers, problems


# --- second keying ----------------------------------------------------------------------------

def enter_check(session: Session, batch: PaperBatch, *, serial: int, answers: dict[str, Any],
                user: UserAccount) -> PaperCheck:
    """Store a blind second keying of a sheet; the first keyer of that sheet may not do it."""
    first = session.scalar(select(PaperSheet).where(PaperSheet.batch_id == batch.id,
                                                    PaperSheet.serial == serial))
    if first is not None and first.keyed_by_id == user.id:
        raise PaperConflict(problems={"serial": Problem("same_clerk")})
    existing = session.scalar(select(PaperCheck).where(PaperCheck.batch_id == batch.id,
                                                       PaperCheck.serial == serial))
    if existing is not None:
        raise PaperConflict(problems={"serial": Problem("serial_taken", {"serial": serial})})
    check = PaperCheck(batch_id=batch.id, serial=serial, answers=answers, keyed_by_id=user.id)
    session.add(check)
    session.flush()
    record_action(session, user, "paper.check.enter", "paper_check", check.id, batch=batch.id,
                  serial=serial)
    return check


@dataclass(frozen=True, slots=True)
class Disagreement:
    serial: int
    first: dict[str, Any]
    second: dict[str, Any]
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class KeyingComparison:
    """The two keyings of a batch side by side.

    ``differ``: sheets keyed twice whose keyings disagree (the "không khớp" list, and only
    those); ``first_only``: serials keyed once and not yet keyed a second time ("chưa nhập lần
    hai"); ``second_only``: serials keyed only in the second keying (the first is missing)."""

    differ: list[Disagreement]
    first_only: list[int]
    second_only: list[int]


def compare_keyings(session: Session, batch: PaperBatch) -> KeyingComparison:
    """Compare the first keying (the sheets) with the blind second keying (the checks)."""
    first: dict[int, dict[str, Any]] = {}
    rows = session.execute(
        select(PaperSheet.serial, Ballot.id).join(Ballot, Ballot.id == PaperSheet.ballot_id)
        .where(PaperSheet.batch_id == batch.id)
    ).all()
    item_codes = {i.id: i.code for i in batch.questionnaire.items}
    for serial, ballot_id in rows:
        ballot = session.get(Ballot, ballot_id)
        assert ballot is not None
        answers: dict[str, Any] = {}
        for a in ballot.answers:
            code = item_codes[a.item_id]
            if code in answers:
                answers[code] = sorted([*answers[code], a.value]) if isinstance(
                    answers[code], list) else sorted([answers[code], a.value])
            else:
                answers[code] = a.value
        first[serial] = answers
    second = {c.serial: c.answers for c in session.scalars(
        select(PaperCheck).where(PaperCheck.batch_id == batch.id))}
    differ = []
    for serial in sorted(first.keys() & second.keys()):
        a = first[serial]
        norm = {k: sorted(v) if isinstance(v, list) else v for k, v in second[serial].items()}
        differing = sorted(k for k in a.keys() | norm.keys()
                           if _single(a.get(k)) != _single(norm.get(k)))
        if differing:
            differ.append(Disagreement(serial, a, second[serial], differing))
    return KeyingComparison(differ=differ, first_only=sorted(first.keys() - second.keys()),
                            second_only=sorted(second.keys() - first.keys()))


def serial_ranges(serials: list[int]) -> str:
    """``[1, 2, 3, 7, 9, 10]`` → ``"1–3, 7, 9–10"``: a long list of serials kept readable."""
    parts: list[str] = []
    run: list[int] = []
    for n in sorted(serials):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            parts.append(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [n]
    if run:
        parts.append(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(parts)


def _single(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


# --- spreadsheet import -----------------------------------------------------------------------

SERIAL_HEADER = "Số phiếu"
DATE_HEADER = "Ngày trả lời"


def template_headers(definition: Definition) -> list[str]:
    """Vietnamese headers of the import template: serial, date, then ``code – label``."""
    return [SERIAL_HEADER, DATE_HEADER] + [f"{i.code} – {i.label['vi']}" for i in definition.items]


def read_rows(filename: str, data: bytes) -> list[list[str]]:
    """Rows of a CSV (UTF-8, BOM or not) or XLSX file as text cells."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises several kinds for a non-XLSX file
            raise PaperInvalid(problems={"file": Problem("bad_file")}) from exc
        return [[_cell(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PaperInvalid(problems={"file": Problem("bad_file")}) from exc
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""))]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def import_sheets(session: Session, batch: PaperBatch, rows: list[list[str]], *,
                  user: UserAccount, policy: votes.VotePolicy) -> int:
    """Enter every row or none. Raises :class:`PaperError` with ``row N: field`` problems."""
    questionnaire = batch_questionnaire(session, batch)
    definition = questionnaire.definition
    if not rows or [h.split(" – ")[0].strip() for h in rows[0]][:2] != [SERIAL_HEADER,
                                                                        DATE_HEADER]:
        raise PaperInvalid(problems={"row 1": Problem("bad_header", {
            "header": ", ".join(template_headers(definition)[:3]) + ", …"})})
    codes = [h.split(" – ")[0].strip() for h in rows[0][2:]]
    unknown = [c for c in codes if definition.item(c) is None]
    if unknown:
        raise PaperInvalid(problems={"row 1": Problem("unknown_columns",
                                                {"columns": ", ".join(unknown)})})
    problems: dict[str, Problem] = {}
    entered = 0
    savepoint = session.begin_nested()
    for n, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        cells = dict(zip(codes, row[2:], strict=False))
        answers, key_problems = keys_to_answers(definition, cells)
        for code, p in key_problems.items():
            problems[f"row {n}: {code}"] = p
        serial = ascii_int(row[0] if row else "", 1, MAX_ISSUED)
        if serial is None:
            problems[f"row {n}: {SERIAL_HEADER}"] = Problem("bad_serial", {"max": batch.issued})
            continue
        day = None
        if len(row) > 1 and row[1]:
            try:
                day = date.fromisoformat(row[1][:10])
            except ValueError:
                problems[f"row {n}: {DATE_HEADER}"] = Problem("bad_date")
                continue
        if key_problems:
            continue
        try:
            enter_sheet(session, batch, serial=serial, answers=answers, answered_on=day,
                        user=user, policy=policy)
            entered += 1
        except PaperError as exc:
            for fld, p in exc.by_field("batch").items():
                problems[f"row {n}: {fld.removeprefix('answers.')}"] = p
    if problems:
        savepoint.rollback()
        raise PaperInvalid(problems=problems)
    savepoint.commit()
    record_action(session, user, "paper.batch.import", "paper_batch", batch.id, sheets=entered)
    return entered


# --- figures ----------------------------------------------------------------------------------

def paper_figures(session: Session, unit: Unit, period: Period, *, subtree: bool
                  ) -> dict[str, Any] | None:
    """Batches whose survey period lies within ``period``: issued, returned, entered and the
    response rate (returned / issued, percent, half-up). ``None`` when there are none."""
    stmt = select(PaperBatch.id, PaperBatch.issued, PaperBatch.returned).where(
        PaperBatch.deleted_at.is_(None), PaperBatch.period_from >= period.start,
        PaperBatch.period_to <= period.end)
    stmt = (stmt.where(PaperBatch.unit_id.in_(subtree_ids(unit.id).scalar_subquery()))
            if subtree else stmt.where(PaperBatch.unit_id == unit.id))
    rows = session.execute(stmt).all()
    if not rows:
        return None
    ids = [r.id for r in rows]
    entered = session.scalar(select(func.count()).select_from(PaperSheet)
                             .where(PaperSheet.batch_id.in_(ids))) or 0
    issued = sum(r.issued for r in rows)
    returned = sum(r.returned for r in rows)
    return {"batches": len(rows), "issued": issued, "returned": returned, "entered": entered,
            "response_rate": float(rounding.percent(Fraction(returned, issued)))}  # type: ignore[arg-type]


# --- printing ---------------------------------------------------------------------------------

def serial_label(serial: int, issued: int) -> str:
    """What is printed on a sheet and typed by the clerk: the number, padded to the batch."""
    return str(serial).zfill(len(str(issued)))


def paper_form(batch: PaperBatch, definition: Definition) -> Any:
    """The printable layout of a batch's questionnaire (a ``reports.paper_form.PaperForm``)."""
    from reports.paper_form import FormItem, FormSection, PaperForm

    sections = []
    for section in definition.sections:
        items = []
        for item in section.items:
            options = tuple(o.label["vi"] for o in item.scale.options) if item.scale else ()
            hint = None
            if item.when is not None:
                source = definition.item(item.when.item)
                values = [o.label["vi"] for o in source.scale.options  # type: ignore[union-attr]
                          if o.value in item.when.values] if source and source.scale else []
                hint = f"Chỉ trả lời nếu câu trên chọn “{', '.join(values)}”."
            if item.kind == "multiple_choice":
                hint = (hint + " " if hint else "") + "Có thể chọn nhiều ô."
            items.append(FormItem(item.code, item.label["vi"], item.kind,
                                  () if item.kind == "five_level" else options,
                                  item.required, hint))
        sections.append(FormSection(section.title["vi"] if section.title else None,
                                    tuple(items)))
    period = (f"{batch.period_from.strftime('%d/%m/%Y')} – "
              f"{batch.period_to.strftime('%d/%m/%Y')}")
    return PaperForm(title=definition.title["vi"], unit_name=batch.unit.name, period=period,
                     sections=tuple(sections),
                     intro=definition.intro["vi"] if definition.intro else None,
                     code=f"{definition.code} v{definition.version} · lô {batch.id}")
