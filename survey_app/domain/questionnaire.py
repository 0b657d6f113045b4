"""Questionnaire definitions and the one validator of an answer set.

A definition is data (the YAML/JSON a questionnaire is loaded from). Every channel — the JSON API,
the phone form, paper entry — validates answers with :func:`validate_answers`, so an answer set is
accepted or refused identically everywhere.

Errors are message keys with parameters (see ``survey_app.messages``), so the web layer can speak
Vietnamese or English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..inputs import encodable
from .personal_data import mask_numbers
from .problems import Problem
from .vocab import LEVELS

ITEM_KINDS = (
    "three_level",
    "five_level",
    "yes_no",
    "single_choice",
    "multiple_choice",
    "short_text",
    "long_text",
)
CHOICE_KINDS = frozenset({"three_level", "five_level", "yes_no", "single_choice"})
TEXT_LIMITS = {"short_text": 200, "long_text": 2000}


class DefinitionError(ValueError):
    """A definition is malformed; ``problems`` lists (key path, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: Mapping[str, str]
    #: Where this value lands on the three-level scale, if anywhere.
    level: str | None = None


@dataclass(frozen=True, slots=True)
class Scale:
    code: str
    options: tuple[Option, ...]
    satisfied: frozenset[str] = frozenset()

    def values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    def level_of(self, value: str) -> str | None:
        for o in self.options:
            if o.value == value:
                return o.level
        return None


@dataclass(frozen=True, slots=True)
class Condition:
    """Show (and accept) an item only when another item's answer is one of ``values``."""

    item: str
    values: frozenset[str]

    def holds(self, answers: Mapping[str, Any]) -> bool:
        return answers.get(self.item) in self.values


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    kind: str
    label: Mapping[str, str]
    required: bool = False
    scale: Scale | None = None
    when: Condition | None = None
    max_length: int | None = None
    #: The item whose answer is the ballot's three-level level.
    overall: bool = False
    section: str | None = None
    element: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    code: str
    title: Mapping[str, str] | None
    #: Element of a five-element form this section's items belong to, if any.
    element: str | None
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Element:
    """A group of items scored together (tiếp cận, thủ tục, công chức, kết quả, phản ánh)."""

    code: str
    label: Mapping[str, str]
    weight: Fraction = Fraction(1)


@dataclass(frozen=True, slots=True)
class Definition:
    code: str
    version: int
    title: Mapping[str, str]
    items: tuple[Item, ...]
    channels: frozenset[str]
    intro: Mapping[str, str] | None = None
    sections: tuple[Section, ...] = ()
    elements: tuple[Element, ...] = ()
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)

    @property
    def overall_item(self) -> Item | None:
        return next((i for i in self.items if i.overall), None)

    def level_of(self, answers: Mapping[str, Any]) -> str | None:
        """The three-level level an (already valid) answer set maps to, if the form has one."""
        item = self.overall_item
        if item is None or item.scale is None or item.code not in answers:
            return None
        return item.scale.level_of(str(answers[item.code]))

    def visible_items(self, answers: Mapping[str, Any]) -> tuple[Item, ...]:
        """Items whose conditions hold for ``answers`` (what a form shows after them)."""
        return tuple(i for i in self.items if i.when is None or i.when.holds(answers))

    def entry_keys(self, item: Item) -> dict[str, str]:
        """Keyboard keys for paper entry: '1', '2', … in the scale's printed order."""
        if item.scale is None:
            return {}
        return {str(n): o.value for n, o in enumerate(item.scale.options, start=1)}


def _text(value: Any, key: str, problems: list[tuple[str, str]]) -> dict[str, str]:
    """A label: either a plain Vietnamese string or {vi: ..., en: ...}."""
    if isinstance(value, str) and value.strip():
        return {"vi": value}
    if isinstance(value, Mapping) and isinstance(value.get("vi"), str) and value["vi"].strip():
        return {k: str(v) for k, v in value.items() if k in ("vi", "en")}
    problems.append((key, "needs a Vietnamese text (a string, or a mapping with 'vi')"))
    return {"vi": ""}


TOP_LEVEL_KEYS = frozenset({"code", "version", "title", "intro", "channels", "scales",
                            "elements", "sections"})
SCALE_SIZES = {"three_level": 3, "five_level": 5, "yes_no": 2}


def parse_definition(data: Mapping[str, Any]) -> Definition:
    """Build a :class:`Definition` from loaded YAML/JSON, naming every problem's key."""
    from .vocab import CHANNELS

    problems: list[tuple[str, str]] = []
    if not isinstance(data, Mapping):
        raise DefinitionError([("(top)", "must be a mapping")])
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            allowed = ", ".join(sorted(TOP_LEVEL_KEYS))
            problems.append((str(key), f"unknown key; allowed: {allowed}"))
    code = data.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 40:
        problems.append(("code", "is required: text of at most 40 characters"))
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(("version", "must be a whole number of at least 1"))
    title = _text(data.get("title"), "title", problems)
    intro = _text(data["intro"], "intro", problems) if "intro" in data else None
    channels = data.get("channels")
    if not isinstance(channels, list) or not channels or not all(c in CHANNELS for c in channels):
        problems.append(("channels", f"must be a non-empty list drawn from {', '.join(CHANNELS)}"))
        channels = []

    scales = _parse_scales(data.get("scales", {}), problems)
    elements = _parse_elements(data.get("elements", {}), problems)

    items: list[Item] = []
    sections: list[Section] = []
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        problems.append(("sections", "must be a non-empty list"))
        raw_sections = []
    for si, sdef in enumerate(raw_sections):
        skey = f"sections[{si}]"
        if not isinstance(sdef, Mapping) or not isinstance(sdef.get("items"), list):
            problems.append((f"{skey}.items", "must be a list"))
            continue
        element = sdef.get("element")
        if element is not None and element not in {e.code for e in elements}:
            problems.append((f"{skey}.element", f"{element!r} is not declared under 'elements'"))
        stitle = _text(sdef["title"], f"{skey}.title", problems) if "title" in sdef else None
        section_items = [_parse_item(idef, f"{skey}.items[{ii}]", sdef, scales, problems)
                         for ii, idef in enumerate(sdef["items"])]
        items.extend(section_items)
        sections.append(Section(str(sdef.get("code") or f"s{si + 1}"), stitle, element,
                                tuple(section_items)))

    seen: set[str] = set()
    for item in items:
        if item.code in seen:
            problems.append((f"items.{item.code}", "item codes must be unique"))
        seen.add(item.code)
    for n, item in enumerate(items):
        if item.when and item.when.item not in {i.code for i in items[:n]}:
            problems.append((f"items.{item.code}.when.item",
                             f"{item.when.item!r} is not an earlier item"))
    if sum(1 for i in items if i.overall) > 1:
        problems.append(("items", "at most one item may be the overall vote"))
    for element in elements:
        if not any(i.element == element.code for i in items):
            problems.append((f"elements.{element.code}", "no section uses this element"))
    if problems:
        raise DefinitionError(problems)
    return Definition(
        code=str(code), version=int(version),  # type: ignore[arg-type]
        title=title, items=tuple(items), channels=frozenset(channels), intro=intro,
        sections=tuple(sections), elements=tuple(elements), raw=dict(data),
    )


def _parse_scales(raw: Any, problems: list[tuple[str, str]]) -> dict[str, Scale]:
    scales: dict[str, Scale] = {}
    if not isinstance(raw, Mapping):
        problems.append(("scales", "must be a mapping of scale code to scale"))
        return scales
    for scode, sdef in raw.items():
        key = f"scales.{scode}"
        if not isinstance(sdef, Mapping) or not isinstance(sdef.get("options"), list):
            problems.append((key, "needs a list of options"))
            continue
        options = []
        for i, odef in enumerate(sdef["options"]):
            okey = f"{key}.options[{i}]"
            if not isinstance(odef, Mapping) or "value" not in odef:
                problems.append((okey, "needs a value"))
                continue
            level = odef.get("level")
            if level is not None and level not in LEVELS:
                problems.append((f"{okey}.level", f"must be one of {', '.join(LEVELS)}"))
            text = _text(odef.get("label"), f"{okey}.label", problems)
            options.append(Option(str(odef["value"]), text, level))
        values = [o.value for o in options]
        if len(set(values)) != len(values):
            problems.append((f"{key}.options", "values must be unique"))
        satisfied = [str(v) for v in sdef.get("satisfied", [])]
        if not set(satisfied) <= set(values):
            problems.append((f"{key}.satisfied", "names values the scale does not have"))
        scales[str(scode)] = Scale(str(scode), tuple(options), frozenset(satisfied))
    return scales


def _parse_elements(raw: Any, problems: list[tuple[str, str]]) -> list[Element]:
    if not isinstance(raw, Mapping):
        problems.append(("elements", "must be a mapping of element code to {label, weight}"))
        return []
    elements = []
    for ecode, edef in raw.items():
        key = f"elements.{ecode}"
        if not isinstance(edef, Mapping):
            problems.append((key, "must be a mapping with a label"))
            continue
        weight = edef.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            problems.append((f"{key}.weight", "must be a positive number"))
            weight = 1
        label = _text(edef.get("label"), f"{key}.label", problems)
        elements.append(Element(str(ecode), label, Fraction(str(weight))))
    return elements


def _parse_item(
    idef: Any,
    key: str,
    section: Mapping[str, Any],
    scales: Mapping[str, Scale],
    problems: list[tuple[str, str]],
) -> Item:
    if not isinstance(idef, Mapping):
        problems.append((key, "must be a mapping"))
        return Item("", "short_text", {"vi": ""})
    code = idef.get("code")
    if not isinstance(code, str) or not code.strip():
        problems.append((f"{key}.code", "is required"))
        code = ""
    kind = idef.get("kind")
    if kind not in ITEM_KINDS:
        problems.append((f"{key}.kind", f"must be one of {', '.join(ITEM_KINDS)}"))
    scale = None
    if kind in CHOICE_KINDS or kind == "multiple_choice":
        sname = idef.get("scale")
        scale = scales.get(str(sname)) if sname is not None else None
        if scale is None:
            problems.append((f"{key}.scale", f"names no scale defined under 'scales' ({sname!r})"))
        elif kind in SCALE_SIZES and len(scale.options) != SCALE_SIZES[str(kind)]:
            problems.append((f"{key}.scale", f"a {kind} item needs a scale of "
                                             f"{SCALE_SIZES[str(kind)]} options"))
    when = None
    if "when" in idef:
        wdef = idef["when"]
        if not isinstance(wdef, Mapping) or "item" not in wdef \
                or not isinstance(wdef.get("in"), list):
            problems.append((f"{key}.when", "needs 'item' and 'in' (a list of values)"))
        else:
            when = Condition(str(wdef["item"]), frozenset(str(v) for v in wdef["in"]))
    max_length = idef.get("max_length", TEXT_LIMITS.get(str(kind)))
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int)
                                   or not 1 <= max_length <= 10_000):
        problems.append((f"{key}.max_length", "must be a whole number from 1 to 10000"))
        max_length = None
    if not isinstance(idef.get("required", False), bool):
        problems.append((f"{key}.required", "must be true or false"))
    return Item(
        code=code,
        kind=str(kind),
        label=_text(idef.get("label"), f"{key}.label", problems),
        required=bool(idef.get("required", False)),
        scale=scale,
        when=when,
        max_length=max_length,
        overall=bool(idef.get("overall", False)),
        section=section.get("code"),
        element=section.get("element"),
    )


def validate_answers(
    definition: Definition, answers: Any
) -> tuple[dict[str, Any], dict[str, Problem]]:
    """Check an answer set against a definition; return (clean answers, problems by item code).

    Unknown items, values off the scale, missing required items, texts over their limit and
    answers to items hidden by a condition are all problems. Optional items may be absent,
    ``None``, an empty string or an empty list; they are then left out of the clean set.
    """
    problems: dict[str, Problem] = {}
    clean: dict[str, Any] = {}
    if not isinstance(answers, Mapping):
        return {}, {"answers": Problem("must_be_object")}
    for code in answers:
        if definition.item(str(code)) is None:
            problems[str(code)] = Problem("unknown_item")
    # Items in order, so a condition sees the clean answer of the item it depends on.
    for item in definition.items:
        value = answers.get(item.code)
        empty = value is None or value == "" or value == []
        if item.when is not None and not item.when.holds(clean):
            if not empty:
                problems[item.code] = Problem("hidden_item", {"item": item.when.item})
            continue
        if empty:
            if item.required:
                problems[item.code] = Problem("required")
            continue
        problem, cleaned = _check_value(item, value)
        if problem:
            problems[item.code] = problem
        else:
            clean[item.code] = cleaned
    return clean, problems


def _check_value(item: Item, value: Any) -> tuple[Problem | None, Any]:
    if item.kind in CHOICE_KINDS:
        assert item.scale is not None
        allowed = item.scale.values()
        if isinstance(value, bool) or not isinstance(value, str | int) or str(value) not in allowed:
            return Problem("not_in_options", {"allowed": ", ".join(allowed)}), None
        return None, str(value)
    if item.kind == "multiple_choice":
        assert item.scale is not None
        allowed = item.scale.values()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return Problem("must_be_list", {"allowed": ", ".join(allowed)}), None
        bad = [v for v in value if v not in allowed]
        if bad:
            return Problem("not_in_options", {"allowed": ", ".join(allowed)}), None
        if len(set(value)) != len(value):
            return Problem("duplicate_choice"), None
        return None, [v for v in allowed if v in value]  # canonical order
    if not isinstance(value, str):
        return Problem("must_be_text"), None
    text = value.strip()
    if item.max_length is not None and len(text) > item.max_length:
        return Problem("too_long", {"max": item.max_length}), None
    if "\x00" in text:
        return Problem("must_be_text"), None
    if not encodable(text):  # a lone surrogate from JSON: not storable text
        return Problem("bad_text"), None
    # Phone and ID numbers never reach the database (the limit is checked on what was typed).
    return None, mask_numbers(text)
