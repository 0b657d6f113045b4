"""Index scoring (bộ chỉ số, DOMAIN.md §7): scheme, formulas, unit totals, ranks, bands, change.

An index scheme is data: :func:`parse_scheme` turns the loaded YAML/JSON mapping into a
:class:`Scheme`, or raises :class:`SchemeError` naming the key of every problem it found. Scoring is
exact (``Fraction``) from the inputs to the total; rounding happens once, on output
(:func:`~survey_app.domain.rounding.points`: two decimals, half-up). Ranks and bands compare the
*published* (rounded) total, so two units that publish 80.00 share a rank and a band.

Rules this module chose where DOMAIN.md leaves room (``docs/index-formulas.md`` shows each with a
worked example):

- A hand-scored component counts its appraised score (điểm thẩm định); the self-assessment score
  (điểm tự đánh giá) is kept for display only. A component is *not applicable* to a unit only
  when declared so (``HandScore(not_applicable=True)``, with its evidence note); a leaf that is
  neither scored nor declared not applicable (no appraisal, or a computed component without
  figures) is *missing*.
- Only not-applicable leaves are left out of the scale: ``total = Σ points ÷ Σ maxima of the
  applicable leaves × rescale_to`` (without ``rescale_to`` the points are simply summed). A
  missing leaf counts 0 in that sum, so the total of an incomplete unit is *provisional*: it is
  listed after the ranked units with no rank and no band, never rescaled as if the missing part
  did not exist.
- Bonus entries (điểm thưởng) add up and are capped at ``bonus.max``; deductions (điểm trừ) are
  negative entries, capped at ``bonus.min`` when the scheme gives one. Bonus is added after
  rescaling; a total never goes below 0. A unit with no component scored has no total.
- A computed component below ``min_n`` is still scored and counts, but is flagged insufficient
  with a Vietnamese reason; its unit is still ranked, flagged ``sufficient = False`` (DOMAIN.md §5:
  "never ranked *silently*"). With n = 0 there are no points.
- Ranking inside a block is by published total, descending, competition style (1, 2, 2, 4). Ranked
  units come first in rank order, then complete units marked ``ranked: false`` (rank None) by
  total, then incomplete units with a provisional total, then units without a total (rank None,
  both in the scheme's listing order); equal places keep the scheme's listing order.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from .periods import Period
from .rounding import percent, points
from .shares import Tally, satisfaction_rate

#: Formulas a computed component may name; a component without a formula is scored by hand.
FORMULAS = ("linear", "threshold", "dossier", "option_credit")
#: Share of an item's points earned by each answer of an officials' survey item.
OPTION_CREDITS: Mapping[str, Fraction] = {
    "A": Fraction(1),
    "B": Fraction(3, 5),
    "C": Fraction(1, 5),
    "D": Fraction(0),
}
DEFAULT_MIN_N = 30

Number = int | Fraction | Decimal


class SchemeError(ValueError):
    """A scheme is malformed; ``problems`` lists every (key path, message) pair found."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))


# --------------------------------------------------------------------------------------------
# The scheme


@dataclass(frozen=True, slots=True)
class Band:
    """A classification band (xếp loại): totals of at least ``lower`` points, inclusive."""

    label: str
    lower: Fraction


DEFAULT_BANDS = (
    Band("Xuất sắc", Fraction(90)),
    Band("Tốt", Fraction(80)),
    Band("Khá", Fraction(70)),
    Band("Trung bình", Fraction(50)),
    Band("Yếu", Fraction(0)),
)


@dataclass(frozen=True, slots=True)
class Component:
    """A node of the scheme's tree (lĩnh vực / tiêu chí / tiêu chí thành phần) with its maximum.

    A leaf with a ``formula`` is computed from survey or dossier figures; a leaf without one is
    scored by hand. ``threshold`` is a percentage (90 means full marks from a 90 % rate).
    """

    code: str
    name: str
    max_points: Fraction
    formula: str | None = None
    threshold: Fraction | None = None
    children: tuple[Component, ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self) -> Iterator[Component]:
        """This component and all below it, parents before children."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class BlockMember:
    """A unit in a block; ``ranked=False`` units are scored and listed but get no rank."""

    unit: str
    ranked: bool = True


@dataclass(frozen=True, slots=True)
class Block:
    """A block (khối) of units ranked against each other."""

    name: str
    members: tuple[BlockMember, ...]


@dataclass(frozen=True, slots=True)
class BonusRule:
    """Caps on bonus points (``cap`` ≥ 0) and, optionally, on deductions (``floor`` ≤ 0)."""

    cap: Fraction
    floor: Fraction | None = None


@dataclass(frozen=True, slots=True)
class Scheme:
    """An index scheme (bộ chỉ số) for one year: components, blocks, bands and caps."""

    code: str
    year: int
    name: str
    period: Period
    components: tuple[Component, ...]
    blocks: tuple[Block, ...]
    bands: tuple[Band, ...] = DEFAULT_BANDS
    min_n: int = DEFAULT_MIN_N
    bonus: BonusRule | None = None
    rescale_to: Fraction | None = None
    version: int = 1

    def all_components(self) -> Iterator[Component]:
        """Every component, in tree order (parents before their children)."""
        for top in self.components:
            yield from top.walk()

    @property
    def leaves(self) -> tuple[Component, ...]:
        return tuple(c for c in self.all_components() if c.is_leaf)

    @property
    def max_total(self) -> Fraction:
        return sum((c.max_points for c in self.components), Fraction(0))

    def component(self, code: str) -> Component | None:
        return next((c for c in self.all_components() if c.code == code), None)

    def member(self, unit: str) -> BlockMember | None:
        return next((m for b in self.blocks for m in b.members if m.unit == unit), None)


_TOP_KEYS = frozenset({"code", "version", "year", "name", "description", "period", "min_n",
                       "bands", "blocks", "components", "bonus", "rescale_to"})
_COMPONENT_KEYS = frozenset({"code", "name", "max", "formula", "threshold", "children"})
_THRESHOLD_FORMULAS = frozenset({"threshold", "dossier"})
_RATE_FORMULAS = frozenset({"linear", "threshold", "dossier"})

Problems = list[tuple[str, str]]


def parse_scheme(data: Mapping[str, Any]) -> Scheme:
    """Build a :class:`Scheme` from a loaded YAML/JSON mapping, or raise :class:`SchemeError`.

    Every problem is reported at once, each under its key path (``components[1].threshold``,
    ``bands[2].min``, ``blocks[1].units[0]``). Dates may be ``datetime.date`` values (as PyYAML
    loads them) or ISO strings; numbers may be ints, decimal strings, ``Decimal`` or floats (read
    through their shortest decimal form, so ``2.5`` is exactly 5/2). Text is normalised to NFC.
    """
    if not isinstance(data, Mapping):
        raise SchemeError([("(top)", "must be a mapping")])
    problems: Problems = []
    _unknown_keys(data, _TOP_KEYS, "", problems)
    code = _text(data.get("code"), "code", problems)
    name = _text(data.get("name"), "name", problems)
    version = _whole(data.get("version", 1), "version", problems, minimum=1)
    year = _whole(data.get("year"), "year", problems, minimum=1900)
    min_n = _whole(data.get("min_n", DEFAULT_MIN_N), "min_n", problems, minimum=0)
    period = _period(data.get("period"), problems)
    bands = _bands(data.get("bands"), problems)
    blocks = _blocks(data.get("blocks"), problems)
    components = _components(data.get("components"), "components", problems, {})
    bonus = _bonus(data.get("bonus"), problems)
    rescale_to = None
    if data.get("rescale_to") is not None:
        rescale_to = _number(data["rescale_to"], "rescale_to", problems)
        if rescale_to is not None and rescale_to <= 0:
            problems.append(("rescale_to", "must be above 0"))
    if problems:
        raise SchemeError(problems)
    return Scheme(
        code=code, year=year, name=name, period=period,  # type: ignore[arg-type]
        components=tuple(components), blocks=blocks, bands=bands,  # type: ignore[arg-type]
        min_n=min_n, bonus=bonus, rescale_to=rescale_to, version=version,  # type: ignore[arg-type]
    )


def _unknown_keys(raw: Mapping[str, Any], allowed: frozenset[str], key: str,
                  problems: Problems) -> None:
    for k in raw:
        if k not in allowed:
            path = f"{key}.{k}" if key else str(k)
            problems.append((path, f"unknown key (allowed: {', '.join(sorted(allowed))})"))


def _text(value: Any, key: str, problems: Problems) -> str | None:
    if isinstance(value, str) and value.strip():
        return unicodedata.normalize("NFC", value.strip())
    problems.append((key, "is required and must be non-empty text"))
    return None


def _whole(value: Any, key: str, problems: Problems, *, minimum: int) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    problems.append((key, f"must be a whole number of at least {minimum}"))
    return None


def _number(value: Any, key: str, problems: Problems) -> Fraction | None:
    """An exact number; floats go through their shortest repr, so 0.1 means one tenth."""
    if isinstance(value, bool):
        problems.append((key, "must be a number"))
        return None
    if isinstance(value, int | Fraction):
        return Fraction(value)
    try:
        if isinstance(value, float):
            value = repr(value)
        exact = Decimal(value.strip()) if isinstance(value, str) else value
        if isinstance(exact, Decimal) and exact.is_finite():
            return Fraction(exact)
    except InvalidOperation:
        pass
    problems.append((key, "must be a number"))
    return None


def _date(value: Any, key: str, problems: Problems) -> date | None:
    if isinstance(value, datetime):
        problems.append((key, "must be a date without a time"))
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.append((key, "must be a date as YYYY-MM-DD"))
    return None


def _period(raw: Any, problems: Problems) -> Period | None:
    if not isinstance(raw, Mapping):
        problems.append(("period", "is required: a mapping with 'from' and 'to' dates"))
        return None
    _unknown_keys(raw, frozenset({"from", "to"}), "period", problems)
    start = _date(raw.get("from"), "period.from", problems)
    end = _date(raw.get("to"), "period.to", problems)
    if start is None or end is None:
        return None
    if end < start:
        problems.append(("period.to", f"must not be before period.from ({start.isoformat()})"))
        return None
    return Period(start, end)


def _bands(raw: Any, problems: Problems) -> tuple[Band, ...]:
    if raw is None:
        return DEFAULT_BANDS
    if not isinstance(raw, list) or not raw:
        problems.append(("bands", "must be a non-empty list of {label, min}, highest first"))
        return ()
    bands: list[Band | None] = []
    for i, bdef in enumerate(raw):
        key = f"bands[{i}]"
        if not isinstance(bdef, Mapping):
            problems.append((key, "must be a mapping {label, min}"))
            bands.append(None)
            continue
        _unknown_keys(bdef, frozenset({"label", "min"}), key, problems)
        label = _text(bdef.get("label"), f"{key}.label", problems)
        lower = _number(bdef.get("min"), f"{key}.min", problems)
        if label is not None and label in {b.label for b in bands if b}:
            problems.append((f"{key}.label", f"repeats the label {label!r}"))
        bands.append(Band(label, lower) if label is not None and lower is not None else None)
    previous: tuple[int, Fraction] | None = None
    for i, band in enumerate(bands):
        if band is None:
            continue
        if previous is not None and band.lower >= previous[1]:
            problems.append((f"bands[{i}].min", f"must be below bands[{previous[0]}].min "
                             f"({_plain(previous[1])}): bands go highest first"))
        previous = (i, band.lower)
    last = bands[-1]
    if last is not None and last.lower > 0:
        problems.append((f"bands[{len(bands) - 1}].min",
                         "the last band must start at 0 or below, so every total has a band"))
    return tuple(b for b in bands if b is not None)


def _blocks(raw: Any, problems: Problems) -> tuple[Block, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(("blocks", "must be a non-empty list of {name, units}"))
        return ()
    blocks: list[Block] = []
    seen_units: dict[str, str] = {}
    seen_names: set[str] = set()
    for i, bdef in enumerate(raw):
        key = f"blocks[{i}]"
        if not isinstance(bdef, Mapping):
            problems.append((key, "must be a mapping {name, units}"))
            continue
        _unknown_keys(bdef, frozenset({"name", "units"}), key, problems)
        name = _text(bdef.get("name"), f"{key}.name", problems)
        if name is not None and name in seen_names:
            problems.append((f"{key}.name", f"repeats the block name {name!r}"))
        seen_names.add(name or "")
        units = bdef.get("units")
        if not isinstance(units, list) or not units:
            problems.append((f"{key}.units", "must be a non-empty list of unit codes"))
            continue
        members: list[BlockMember] = []
        for j, udef in enumerate(units):
            ukey = f"{key}.units[{j}]"
            member = _member(udef, ukey, problems)
            if member is None:
                continue
            if member.unit in seen_units:
                problems.append((ukey, f"unit {member.unit!r} is already in "
                                 f"{seen_units[member.unit]}: a unit belongs to one block"))
                continue
            seen_units[member.unit] = ukey
            members.append(member)
        if name is not None:
            blocks.append(Block(name, tuple(members)))
    return tuple(blocks)


def _member(udef: Any, key: str, problems: Problems) -> BlockMember | None:
    if isinstance(udef, str) and udef.strip():
        return BlockMember(unicodedata.normalize("NFC", udef.strip()))
    if not isinstance(udef, Mapping):
        problems.append((key, "must be a unit code or a mapping {unit, ranked}"))
        return None
    _unknown_keys(udef, frozenset({"unit", "ranked"}), key, problems)
    unit = _text(udef.get("unit"), f"{key}.unit", problems)
    ranked = udef.get("ranked", True)
    if not isinstance(ranked, bool):
        problems.append((f"{key}.ranked", "must be true or false"))
        return None
    return BlockMember(unit, ranked) if unit is not None else None


def _components(raw: Any, key: str, problems: Problems,
                seen: dict[str, str]) -> list[Component | None]:
    """Parse a list of components; ``None`` stands for one too broken to build."""
    if not isinstance(raw, list) or not raw:
        problems.append((key, "must be a non-empty list of components"))
        return [None]
    return [_component(cdef, f"{key}[{i}]", problems, seen) for i, cdef in enumerate(raw)]


def _component(cdef: Any, key: str, problems: Problems,
               seen: dict[str, str]) -> Component | None:
    if not isinstance(cdef, Mapping):
        problems.append((key, "must be a mapping {code, name, max, ...}"))
        return None
    _unknown_keys(cdef, _COMPONENT_KEYS, key, problems)
    code = _text(cdef.get("code"), f"{key}.code", problems)
    if code is not None:
        if code in seen:
            problems.append((f"{key}.code", f"repeats the code {code!r} of {seen[code]}"))
        else:
            seen[code] = key
    name = _text(cdef.get("name"), f"{key}.name", problems)
    children: list[Component | None] = []
    if "children" in cdef:
        children = _components(cdef["children"], f"{key}.children", problems, seen)
    formula = cdef.get("formula")
    if formula is not None:
        if children:
            problems.append((f"{key}.formula", "a component with children is scored by them"))
        elif formula not in FORMULAS:
            problems.append((f"{key}.formula",
                             f"unknown formula {formula!r} (known: {', '.join(FORMULAS)})"))
    threshold = None
    if formula == "threshold" and cdef.get("threshold") is None:
        problems.append((f"{key}.threshold", "is required by formula 'threshold' (percent)"))
    elif cdef.get("threshold") is not None:
        if formula is None or (formula in FORMULAS and formula not in _THRESHOLD_FORMULAS):
            problems.append((f"{key}.threshold", "applies only to formulas threshold and dossier"))
        threshold = _number(cdef["threshold"], f"{key}.threshold", problems)
        if threshold is not None and not 0 < threshold <= 100:
            problems.append((f"{key}.threshold", "must be a percentage in (0, 100]"))
    raw_max, max_points = cdef.get("max"), None
    if raw_max is not None:
        max_points = _number(raw_max, f"{key}.max", problems)
        if max_points is not None and max_points <= 0:
            problems.append((f"{key}.max", "must be above 0"))
    children_whole = bool(children) and all(c is not None for c in children)
    if children_whole:
        total = sum((c.max_points for c in children if c is not None), Fraction(0))
        if raw_max is None:
            max_points = total
        elif max_points is not None and max_points != total:
            problems.append((f"{key}.max",
                             f"must equal the sum of its children's maxima ({_plain(total)})"))
    elif not children and raw_max is None:
        problems.append((f"{key}.max", "is required (points, above 0)"))
    if code is None or name is None or max_points is None or (children and not children_whole):
        return None
    return Component(code, name, max_points, formula, threshold,
                     tuple(c for c in children if c is not None))


def _bonus(raw: Any, problems: Problems) -> BonusRule | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append(("bonus", "must be a mapping {max, min}"))
        return None
    _unknown_keys(raw, frozenset({"max", "min"}), "bonus", problems)
    cap = _number(raw.get("max"), "bonus.max", problems)
    if cap is not None and cap < 0:
        problems.append(("bonus.max", "must be 0 or above"))
    floor = None
    if raw.get("min") is not None:
        floor = _number(raw["min"], "bonus.min", problems)
        if floor is not None and floor > 0:
            problems.append(("bonus.min", "must be 0 or below (deductions are negative)"))
    return BonusRule(cap, floor) if cap is not None else None


# --------------------------------------------------------------------------------------------
# Formulas


@dataclass(frozen=True, slots=True)
class SurveyRate:
    """A satisfaction rate computed elsewhere (e.g. the mean of five-level elements) with its n."""

    rate: Fraction | None
    n: int

    def __post_init__(self) -> None:
        if self.n < 0 or (self.rate is None) != (self.n == 0):
            raise ValueError("a rate needs n > 0, and n = 0 has no rate")
        if self.rate is not None and not 0 <= self.rate <= 1:
            raise ValueError("a rate lies in [0, 1]")


@dataclass(frozen=True, slots=True)
class DossierCounts:
    """Dossiers handled in the period and the *distinct* ones with a negative signal.

    A dossier rated not satisfied, complained about and overdue is counted once, under one of the
    three; dossiers nobody rated count as satisfied.
    """

    handled: int
    not_satisfied: int = 0
    complaints: int = 0
    overdue: int = 0

    def __post_init__(self) -> None:
        counts = (self.handled, self.not_satisfied, self.complaints, self.overdue)
        if min(counts) < 0:
            raise ValueError("dossier counts cannot be negative")
        if self.negative > self.handled:
            raise ValueError("more dossiers with a negative signal than dossiers handled")

    @property
    def negative(self) -> int:
        return self.not_satisfied + self.complaints + self.overdue


@dataclass(frozen=True, slots=True)
class OptionAnswers:
    """How many officials answered A, B, C and D on one survey item."""

    a: int = 0
    b: int = 0
    c: int = 0
    d: int = 0

    def __post_init__(self) -> None:
        if min(self.a, self.b, self.c, self.d) < 0:
            raise ValueError("answer counts cannot be negative")

    @property
    def total(self) -> int:
        return self.a + self.b + self.c + self.d

    def counts(self) -> dict[str, int]:
        return {"A": self.a, "B": self.b, "C": self.c, "D": self.d}


#: What a computed component is scored from.
Measure = Tally | SurveyRate | DossierCounts | OptionAnswers


@dataclass(frozen=True, slots=True)
class Calculation:
    """Points from one formula, the rate they came from (if any) and how, in words."""

    points: Fraction | None
    explanation: str
    rate: Fraction | None = None


def linear_points(max_points: Fraction, rate: Fraction) -> Calculation:
    """``linear``: points = max × rate."""
    earned = max_points * rate
    return Calculation(
        earned, f"{_plain(max_points)} × {_pct(rate)} = {points(earned)} (tuyến tính)", rate
    )


def threshold_points(max_points: Fraction, rate: Fraction, threshold: Fraction) -> Calculation:
    """``threshold``: points = min(max, max × rate / t), t in percent (90 → full from 90 %)."""
    earned = min(max_points, max_points * rate * 100 / threshold)
    return Calculation(
        earned,
        f"min({_plain(max_points)}, {_plain(max_points)} × {_pct(rate)} ÷ {_plain(threshold)}%)"
        f" = {points(earned)} (ngưỡng {_plain(threshold)}%)",
        rate,
    )


def dossier_rate(counts: DossierCounts) -> Fraction | None:
    """(handled − not satisfied − complained about − overdue) / handled; None with no dossier."""
    if counts.handled == 0:
        return None
    return Fraction(counts.handled - counts.negative, counts.handled)


def dossier_points(
    max_points: Fraction, counts: DossierCounts, threshold: Fraction | None = None
) -> Calculation:
    """``dossier``: the dossier rate, turned into points linearly or with a threshold."""
    rate = dossier_rate(counts)
    if rate is None:
        return Calculation(None, "Không có hồ sơ đã giải quyết trong kỳ (n = 0)")
    inner = (threshold_points(max_points, rate, threshold) if threshold is not None
             else linear_points(max_points, rate))
    return Calculation(
        inner.points,
        f"tỷ lệ hồ sơ = ({counts.handled} − {counts.not_satisfied} chưa hài lòng − "
        f"{counts.complaints} phản ánh − {counts.overdue} quá hạn) / {counts.handled} = "
        f"{_pct(rate)}; {inner.explanation}",
        rate,
    )


def option_credit_points(
    max_points: Fraction, answers: OptionAnswers,
    credits: Mapping[str, Fraction] = OPTION_CREDITS,
) -> Calculation:
    """``option_credit``: item points = max × mean credit (A/B/C/D earn 100/60/20/0 %)."""
    n = answers.total
    if n == 0:
        return Calculation(None, "Chưa có phiếu trả lời (n = 0)")
    earned_credit = sum((credits[k] * v for k, v in answers.counts().items()), Fraction(0))
    mean = earned_credit / n
    earned = max_points * mean
    terms = " + ".join(f"{v}×{_pct(credits[k], 0)}" for k, v in answers.counts().items())
    return Calculation(
        earned,
        f"{_plain(max_points)} × ({terms}) / {n} = {_plain(max_points)} × {_pct(mean)}"
        f" = {points(earned)} (A/B/C/D)",
    )


# --------------------------------------------------------------------------------------------
# A unit's score


@dataclass(frozen=True, slots=True)
class HandScore:
    """A hand-scored component: the self-assessment and the appraisal; the appraisal counts.

    ``not_applicable`` declares that the component does not apply to the unit: it then has no
    appraisal and is left out of the unit's total (which is rescaled without it).
    """

    self_points: Number | None = None
    appraised: Number | None = None
    not_applicable: bool = False

    def __post_init__(self) -> None:
        if self.not_applicable and self.appraised is not None:
            raise ValueError("a component declared not applicable has no appraised score")


@dataclass(frozen=True, slots=True)
class UnitInput:
    """Everything known about one unit for one scheme: scores by component code, bonus entries
    (deductions negative) and last year's published total."""

    unit: str
    name: str | None = None
    entries: Mapping[str, HandScore | Measure] = field(default_factory=dict)
    bonus: Sequence[Number] = ()
    previous_total: Number | None = None


@dataclass(frozen=True, slots=True)
class ComponentScore:
    """A component's points for one unit; parents hold the sum of their present children.

    ``applicable`` is False for a leaf declared not applicable (and a parent all of whose leaves
    are); an applicable leaf without points is *missing* (:attr:`missing`).
    """

    code: str
    max_points: Fraction
    points: Fraction | None
    explanation: str
    leaf: bool = True
    formula: str | None = None
    self_points: Fraction | None = None
    rate: Fraction | None = None
    n: int | None = None
    sufficient: bool = True
    reason: str | None = None
    name: str | None = None
    applicable: bool = True

    @property
    def missing(self) -> bool:
        """An applicable leaf with no points: no appraisal yet, or no figures to compute from."""
        return self.leaf and self.applicable and self.points is None


#: The explanation and reason of a leaf declared not applicable.
NOT_APPLICABLE = "Không áp dụng"


@dataclass(frozen=True, slots=True)
class UnitScore:
    """One unit's components, bonus and total (before ranking).

    ``applicable_max`` is the sum of the maxima of the applicable leaves (the scale of the
    total); while a leaf is :attr:`missing` the total is provisional (the leaf counts 0).
    """

    unit: str
    name: str | None
    components: tuple[ComponentScore, ...]
    subtotal: Fraction | None
    applicable_max: Fraction
    bonus: Fraction
    total: Fraction | None
    explanation: str
    previous_total: Fraction | None = None

    @property
    def sufficient(self) -> bool:
        """False when any computed component is below the scheme's minimum n (or has none)."""
        return all(c.sufficient for c in self.components)

    @property
    def missing(self) -> tuple[str, ...]:
        """Codes of the applicable leaves without points, in tree order."""
        return tuple(c.code for c in self.components if c.missing)

    @property
    def not_applicable(self) -> tuple[str, ...]:
        """Codes of the leaves declared not applicable, in tree order."""
        return tuple(c.code for c in self.components if c.leaf and not c.applicable)

    @property
    def complete(self) -> bool:
        """Every leaf scored or declared not applicable: the total is final and may be ranked."""
        return not self.missing

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(f"{c.code}: {c.reason}" for c in self.components if c.reason)

    @property
    def satisfaction(self) -> ComponentScore | None:
        """The satisfaction component: the first leaf scored from a rate (not option_credit)."""
        return next((c for c in self.components if c.formula in _RATE_FORMULAS), None)

    @property
    def delta(self) -> Fraction | None:
        return delta(self.total, self.previous_total)


def component_score(component: Component, entry: HandScore | Measure | None,
                    min_n: int) -> ComponentScore:
    """Score one leaf component from its hand score or measure, flagging a small or empty n."""
    if not component.is_leaf:
        raise ValueError(f"{component.code} has children; score its leaves")
    if component.formula is None:
        return _hand_score(component, entry)
    if entry is None:
        return ComponentScore(component.code, component.max_points, None, "Chưa có số liệu",
                              formula=component.formula, n=0, sufficient=False,
                              reason="Chưa có số liệu", name=component.name)
    calc, n, noun = _calculation(component, entry)
    reason = None
    if n == 0:
        reason = calc.explanation
    elif n < min_n:
        reason = f"Chưa đủ số {noun} (n = {n} < {min_n})"
    return ComponentScore(component.code, component.max_points, calc.points, calc.explanation,
                          formula=component.formula, rate=calc.rate, n=n,
                          sufficient=reason is None, reason=reason, name=component.name)


def _hand_score(component: Component, entry: Any) -> ComponentScore:
    if entry is not None and not isinstance(entry, HandScore):
        raise ValueError(f"{component.code} is scored by hand; got {type(entry).__name__}")
    hand = entry or HandScore()
    appraised = _exact(hand.appraised, component)
    self_points = _exact(hand.self_points, component)
    if hand.not_applicable:
        return ComponentScore(component.code, component.max_points, None, NOT_APPLICABLE,
                              self_points=self_points, reason=NOT_APPLICABLE,
                              name=component.name, applicable=False)
    if appraised is None:
        text = "Chưa có điểm thẩm định"
        return ComponentScore(component.code, component.max_points, None, text,
                              self_points=self_points, reason=text, name=component.name)
    text = f"điểm thẩm định {_plain(appraised)}/{_plain(component.max_points)}"
    if self_points is not None:
        text += f" (tự chấm {_plain(self_points)})"
    return ComponentScore(component.code, component.max_points, appraised, text,
                          self_points=self_points, name=component.name)


def _exact(value: Number | None, component: Component) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, float | bool):
        raise TypeError(f"{component.code}: give points as int, Decimal or Fraction, not floats")
    exact = Fraction(value)
    if not 0 <= exact <= component.max_points:
        raise ValueError(f"{component.code}: {value} is outside 0–{component.max_points}")
    return exact


def _calculation(component: Component, entry: Any) -> tuple[Calculation, int, str]:
    """Dispatch on the formula; returns the calculation, n and what n counts (for the reason)."""
    formula, top = component.formula, component.max_points
    if formula in ("linear", "threshold") and isinstance(entry, Tally | SurveyRate):
        rate, n = ((satisfaction_rate(entry), entry.total) if isinstance(entry, Tally)
                   else (entry.rate, entry.n))
        if rate is None:
            return Calculation(None, "Chưa có phiếu đánh giá (n = 0)"), 0, "phiếu"
        if formula == "linear":
            return linear_points(top, rate), n, "phiếu"
        assert component.threshold is not None  # parse_scheme requires it
        return threshold_points(top, rate, component.threshold), n, "phiếu"
    if formula == "dossier" and isinstance(entry, DossierCounts):
        return dossier_points(top, entry, component.threshold), entry.handled, "hồ sơ"
    if formula == "option_credit" and isinstance(entry, OptionAnswers):
        return option_credit_points(top, entry), entry.total, "phiếu"
    raise ValueError(f"{component.code} ({formula}) cannot be scored from {type(entry).__name__}")


def bonus_points(entries: Iterable[Number], rule: BonusRule | None) -> Fraction:
    """Net bonus: bonuses summed and capped at ``rule.cap``, deductions at ``rule.floor``."""
    values = [Fraction(v) for v in entries]
    if not values:
        return Fraction(0)
    if rule is None:
        raise ValueError("the scheme has no bonus section, so it takes no bonus or deduction")
    gained = min(rule.cap, sum((v for v in values if v > 0), Fraction(0)))
    lost = sum((v for v in values if v < 0), Fraction(0))
    if rule.floor is not None:
        lost = max(rule.floor, lost)
    return gained + lost


def score_unit(scheme: Scheme, unit_input: UnitInput) -> UnitScore:
    """Score one unit: leaf points, parent sums, rescaling, bonus and a total never below 0.

    ``total = max(0, S × R ÷ M + bonus)`` where S is the sum of the leaves' points, M the sum of
    the maxima of the *applicable* leaves (all but those declared not applicable) and R
    ``scheme.rescale_to`` (without it, ``total = max(0, S + bonus)``). A missing leaf counts 0
    and makes the total provisional (:attr:`UnitScore.complete` is False). With no leaf scored,
    or none applicable, the total is None.
    """
    known = {c.code: c for c in scheme.all_components()}
    for code in unit_input.entries:
        if code not in known or not known[code].is_leaf:
            raise ValueError(f"{unit_input.unit}: {code!r} is not a leaf component of the scheme")
    leaf_scores = {c.code: component_score(c, unit_input.entries.get(c.code), scheme.min_n)
                   for c in scheme.leaves}
    present = [s for s in leaf_scores.values() if s.points is not None]
    applicable = [s for s in leaf_scores.values() if s.applicable]
    missing = [s for s in applicable if s.points is None]
    bonus = bonus_points(unit_input.bonus, scheme.bonus)
    previous = None if unit_input.previous_total is None else Fraction(unit_input.previous_total)
    subtotal = sum((s.points for s in present), Fraction(0)) if present else None
    applicable_max = sum((s.max_points for s in applicable), Fraction(0))
    total = None
    if subtotal is None or not applicable_max:
        explanation = "Chưa có tiêu chí nào được chấm"
    else:
        scaled = subtotal
        explanation = f"tổng tiêu chí {points(subtotal)}/{_plain(applicable_max)}"
        left_out = [s.name or s.code for s in leaf_scores.values() if not s.applicable]
        if left_out:
            explanation += f" (không áp dụng: {', '.join(left_out)})"
        if scheme.rescale_to is not None:
            scaled = subtotal * scheme.rescale_to / applicable_max
            if applicable_max != scheme.rescale_to:
                explanation += f" → quy đổi thang {_plain(scheme.rescale_to)}: {points(scaled)}"
        total = max(Fraction(0), scaled + bonus)
        explanation += f"; thưởng/trừ {points(bonus)}; tổng {points(total)}"
        if missing:
            explanation += (" (tạm tính: chưa đủ điểm "
                            f"{', '.join(s.name or s.code for s in missing)}, tính 0)")
    return UnitScore(
        unit=unit_input.unit, name=unit_input.name,
        components=tuple(_tree_scores(scheme, leaf_scores)),
        subtotal=subtotal, applicable_max=applicable_max, bonus=bonus, total=total,
        explanation=explanation, previous_total=previous,
    )


def _tree_scores(scheme: Scheme, leaves: Mapping[str, ComponentScore]) -> list[ComponentScore]:
    """All components in tree order; a parent sums its present leaves (None if none present)."""
    out = []
    for comp in scheme.all_components():
        if comp.is_leaf:
            out.append(leaves[comp.code])
            continue
        below = [leaves[c.code] for c in comp.walk() if c.is_leaf]
        got = [s.points for s in below if s.points is not None]
        out.append(ComponentScore(
            comp.code, comp.max_points, sum(got, Fraction(0)) if got else None,
            "tổng các tiêu chí thành phần", leaf=False,
            sufficient=all(s.sufficient for s in below), name=comp.name,
            applicable=any(s.applicable for s in below),
        ))
    return out


# --------------------------------------------------------------------------------------------
# Ranks, bands, change, the whole result


def band_for(total: Fraction | Decimal | int | None,
             bands: Sequence[Band] = DEFAULT_BANDS) -> str | None:
    """The label of the first band (highest first) whose inclusive lower bound the published
    total reaches: 79.995 publishes as 80.00 and is "Tốt"; 79.994 is "Khá"."""
    if total is None:
        return None
    published = Fraction(points(total))
    return next((b.label for b in bands if published >= b.lower), None)


def competition_ranks(totals: Sequence[Decimal]) -> list[int]:
    """Ranks of published totals, descending, ties sharing a rank: (90, 85, 85, 80) → 1, 2, 2, 4.

    A unit's rank is 1 + the number of totals strictly above its own.
    """
    first: dict[Decimal, int] = {}
    for place, value in enumerate(sorted(totals, reverse=True), start=1):
        first.setdefault(value, place)
    return [first[v] for v in totals]


def delta(total: Number | None, previous_total: Number | None) -> Fraction | None:
    """Change against the previous year (total − previous total); None if either is missing."""
    if total is None or previous_total is None:
        return None
    return Fraction(total) - Fraction(previous_total)


@dataclass(frozen=True, slots=True)
class RankedUnit:
    """A unit's score with its place in the block and its band."""

    score: UnitScore
    ranked: bool
    rank: int | None
    band: str | None

    def to_dict(self) -> dict[str, Any]:
        """Numbers as ``Decimal``: points two decimals half-up, the rate in percent, one decimal."""
        s = self.score
        sat = s.satisfaction
        return {
            "unit": s.unit,
            "name": s.name,
            "total": points(s.total),
            "rank": self.rank,
            "band": self.band,
            "components": {c.code: points(c.points) for c in s.components},
            "bonus": points(s.bonus),
            "satisfaction_rate": percent(sat.rate) if sat else None,
            "n": sat.n if sat else None,
            "sufficient": s.sufficient,
            "complete": s.complete,
            "missing": list(s.missing),
            "not_applicable": list(s.not_applicable),
            "previous_total": points(s.previous_total),
            "delta": points(s.delta),
        }


@dataclass(frozen=True, slots=True)
class BlockResult:
    """A block's units in published order."""

    name: str
    units: tuple[RankedUnit, ...]


@dataclass(frozen=True, slots=True)
class IndexResult:
    """The scored, ranked and banded index of one scheme and year."""

    scheme: str
    year: int
    blocks: tuple[BlockResult, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "year": self.year,
            "blocks": [{"name": b.name, "units": [u.to_dict() for u in b.units]}
                       for b in self.blocks],
        }


def block_ranking(block: Block, scores: Mapping[str, UnitScore],
                  bands: Sequence[Band] = DEFAULT_BANDS) -> BlockResult:
    """Rank a block's units on their published totals (see the module docstring for the order).

    Only complete units are ranked and banded: a provisional total (a component missing) gets
    neither rank nor band.
    """
    members = [(m, scores[m.unit]) for m in block.members]
    final = [(m, s) for m, s in members if s.total is not None and s.complete]
    ranked = [(m, s) for m, s in final if m.ranked]
    published = [points(s.total) for _, s in ranked]
    rank_of = {m.unit: r for (m, _), r in zip(ranked, competition_ranks(published), strict=True)}
    unranked = [(m, s) for m, s in final if not m.ranked]
    provisional = [(m, s) for m, s in members if s.total is not None and not s.complete]
    no_total = [(m, s) for m, s in members if s.total is None]
    ordered = (sorted(ranked, key=lambda ms: rank_of[ms[0].unit])
               + sorted(unranked, key=lambda ms: points(ms[1].total), reverse=True)  # type: ignore
               + provisional + no_total)
    units = tuple(RankedUnit(s, m.ranked, rank_of.get(m.unit),
                             band_for(s.total, bands) if s.complete else None)
                  for m, s in ordered)
    return BlockResult(block.name, units)


def index_result(scheme: Scheme, inputs: Iterable[UnitInput]) -> IndexResult:
    """Score every unit of the scheme's blocks and rank each block.

    A block member without input is listed with no total; input for a unit outside every block,
    or twice for one unit, is an error.
    """
    members = {m.unit for b in scheme.blocks for m in b.members}
    by_unit: dict[str, UnitInput] = {}
    for item in inputs:
        if item.unit not in members:
            raise ValueError(f"unit {item.unit!r} is in no block of {scheme.code}")
        if item.unit in by_unit:
            raise ValueError(f"unit {item.unit!r} is given twice")
        by_unit[item.unit] = item
    scores = {m.unit: score_unit(scheme, by_unit.get(m.unit, UnitInput(m.unit)))
              for b in scheme.blocks for m in b.members}
    return IndexResult(scheme.code, scheme.year,
                       tuple(block_ranking(b, scores, scheme.bands) for b in scheme.blocks))


def _plain(value: Fraction) -> str:
    """A number for explanations: two decimals at most, trailing zeros dropped (20, 2.5)."""
    return format(points(value).normalize(), "f")  # type: ignore[union-attr]


def _pct(rate: Fraction, places: int = 2) -> str:
    return f"{percent(rate, places)}%"
