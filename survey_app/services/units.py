"""The unit tree: import from CSV, look-ups, subtrees."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..domain.periods import Period
from ..domain.problems import Problem
from ..domain.vocab import UNIT_KINDS
from ..messages import message
from ..models import Counter, Unit
from .errors import Invalid

UNIT_CSV_HEADER = ("code", "name", "kind", "parent_code")
#: Unit and counter codes appear in URLs and posters (``/q/c/UNIT.COUNTER``): no dots or spaces.
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,40}")


class RowErrors(Invalid, ValueError):
    """Rows that cannot be imported; nothing was stored. ``rows`` (also ``problems``) are
    (line, message) pairs."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__(detail="\n".join(f"line {n}: {m}" for n, m in problems))
        self.rows = problems
        self.problems = problems  # type: ignore[assignment]  # the command line reads these


@dataclass(frozen=True, slots=True)
class UnitRow:
    line: int
    code: str
    name: str
    kind: str
    parent_code: str | None


def parse_unit_csv(data: bytes) -> list[UnitRow]:
    """Read ``code,name,kind,parent_code`` (UTF-8, with or without BOM); report every bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RowErrors([(1, f"the file is not UTF-8 text ({exc.reason})")]) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != UNIT_CSV_HEADER:
        raise RowErrors([(1, f"the header must be {','.join(UNIT_CSV_HEADER)}")])
    rows: list[UnitRow] = []
    problems: list[tuple[int, str]] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != 4:
            problems.append((line, f"expected 4 columns, found {len(cells)}"))
            continue
        code, name, kind, parent = (c.strip() for c in cells)
        if not CODE_PATTERN.fullmatch(code):
            problems.append((line, "code must be 1-40 letters, digits, '-' or '_' "
                                   "(it appears in URLs and QR codes)"))
        if not name or len(name) > 255:
            problems.append((line, "name is empty or longer than 255 characters"))
        if kind not in UNIT_KINDS:
            problems.append((line, f"kind {kind!r} is not one of {', '.join(UNIT_KINDS)}"))
        rows.append(UnitRow(line, code, name, kind, parent or None))
    if problems:
        raise RowErrors(problems)
    return rows


def import_units(session: Session, rows: list[UnitRow]) -> int:
    """Create or update units so the tree matches the rows; all or nothing. Returns rows stored.

    Parents may come later in the file or already exist; cycles and duplicates are refused.
    """
    problems: list[tuple[int, str]] = []
    by_code: dict[str, UnitRow] = {}
    for row in rows:
        if row.code in by_code:
            problems.append((row.line, f"code {row.code!r} repeats line {by_code[row.code].line}"))
        by_code[row.code] = row
    existing = {u.code: u for u in session.scalars(select(Unit))}
    for row in rows:
        if row.parent_code and row.parent_code not in by_code and row.parent_code not in existing:
            problems.append((row.line, f"parent_code {row.parent_code!r} is not a known unit"))
        if row.parent_code == row.code:
            problems.append((row.line, "a unit cannot be its own parent"))
    # Cycle check over the combined tree (file rows override stored parents).
    parent_of = {c: (u.parent.code if u.parent else None) for c, u in existing.items()}
    parent_of.update({r.code: r.parent_code for r in rows})
    for row in rows:
        seen, cur = {row.code}, parent_of.get(row.code)
        while cur is not None:
            if cur in seen:
                problems.append((row.line, f"unit {row.code!r} is inside its own subtree"))
                break
            seen.add(cur)
            cur = parent_of.get(cur)
    if problems:
        raise RowErrors(sorted(set(problems)))
    units = dict(existing)
    for row in rows:
        unit = units.get(row.code)
        if unit is None:
            unit = Unit(code=row.code, name=row.name, kind=row.kind)
            session.add(unit)
            units[row.code] = unit
        unit.name, unit.kind = row.name, row.kind
    for row in rows:
        units[row.code].parent = units[row.parent_code] if row.parent_code else None
    session.flush()
    return len(rows)


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == code))


def counter_by_code(session: Session, unit: Unit, code: str) -> Counter | None:
    return session.scalar(select(Counter).where(Counter.unit_id == unit.id, Counter.code == code))


def subtree_ids(unit_id: int) -> Select[tuple[int]]:
    """A SELECT of the ids of a unit and all its descendants (recursive CTE, both dialects)."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte("subtree", recursive=True)
    tree = tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))
    return select(tree.c.id)


def in_subtree(session: Session, root_id: int, unit_id: int) -> bool:
    """Whether ``unit_id`` is ``root_id`` or below it (walks up, so it is cheap)."""
    current: int | None = unit_id
    for _ in range(64):  # the tree is shallow; a bound guards against bad data
        if current is None:
            return False
        if current == root_id:
            return True
        current = session.scalar(select(Unit.parent_id).where(Unit.id == current))
    return False


def lock_tree_of(session: Session, unit: Unit) -> None:
    """Lock the row of ``unit``'s top ancestor (``SELECT … FOR UPDATE``; SQLite serialises
    writers anyway) so that changes to one tree, such as closing periods, run one at a time."""
    top = unit.id
    for _ in range(64):
        parent = session.scalar(select(Unit.parent_id).where(Unit.id == top))
        if parent is None:
            break
        top = parent
    session.execute(select(Unit.id).where(Unit.id == top).with_for_update())


class UnitNotInForce(Invalid):
    """A unit named for a day or period outside its validity: the API answers 422 with
    ``errors.unit``, a page shows the problem beside its field, a command prints it in English
    and exits 1. ``detail`` is that English sentence."""


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def validity_problem(unit: Unit, when: date | Period, *, whole: bool = True) -> Problem | None:
    """Why ``unit`` cannot be used for ``when``, or None.

    For a day: the unit must be in force on it (:meth:`Unit.in_force`). For a period: on every
    day of it (``whole``, e.g. a paper batch: all its ballots count for that unit), or on at
    least one day (``whole=False``, e.g. an index scheme year: the unit existed that year). A
    legacy ward may so still take history from before it ended; nothing new goes to it.
    """
    period = when if isinstance(when, Period) else Period(when, when)
    start, end = unit.valid_from, unit.valid_to
    if whole:
        fits = unit.in_force(period.start) and unit.in_force(period.end)
    else:
        fits = (start is None or start <= period.end) and (end is None or end >= period.start)
    if fits:
        return None
    if start is not None and end is not None:
        valid_vi = f"chỉ hoạt động từ ngày {_day(start)} đến hết ngày {_day(end)}"
        valid_en = f"was in force from {_day(start)} to {_day(end)}"
    elif end is not None:
        valid_vi = f"chỉ hoạt động đến hết ngày {_day(end)}"
        valid_en = f"was in force until {_day(end)}"
    else:
        assert start is not None
        valid_vi = f"chỉ hoạt động từ ngày {_day(start)}"
        valid_en = f"is in force from {_day(start)}"
    successor = unit.successor
    if successor is not None and end is not None and period.end > end:
        valid_vi += f", sau đó nhập vào {successor.name} (mã {successor.code})"
        valid_en += f", then became part of {successor.name} (code {successor.code})"
    if period.start == period.end:
        when_vi = when_en = _day(period.start)
        when_vi = f"ngày {when_vi}"
    elif (period.start.month, period.start.day, period.end.month, period.end.day) == (
            1, 1, 12, 31) and period.start.year == period.end.year:
        when_vi, when_en = f"năm {period.start.year}", f"the year {period.start.year}"
    else:
        span = f"{_day(period.start)} – {_day(period.end)}"
        when_vi, when_en = f"kỳ {span}", f"the period {span}"
    return Problem("unit_not_valid", {"unit": unit.code, "name": unit.name,
                                      "valid_vi": valid_vi, "valid_en": valid_en,
                                      "when_vi": when_vi, "when_en": when_en})


def require_in_force(unit: Unit, when: date | Period, *, whole: bool = True,
                     field: str = "unit") -> None:
    """Raise :class:`UnitNotInForce` (a problem of ``field``) when :func:`validity_problem`
    finds one; the one check of kiosk codes, posters, receipts, paper batches and index
    entries (votes check their own day, ``services/votes.py``)."""
    problem = validity_problem(unit, when, whole=whole)
    if problem is not None:
        # the message itself is the unit's (a tablet shows it), and the field says the same
        raise UnitNotInForce(problem.key, problem.params, problems={field: problem},
                             detail=message(problem.key, "en", problem.params))
