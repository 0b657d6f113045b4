"""Figures of a longer form: per item, per element (tiếp cận, thủ tục, …) and overall.

DOMAIN.md §5: item share = share of satisfied values among the item's answers; element = mean of
its items' shares; overall = mean of the elements (weighted when the definition gives weights).
Items with no answers are left out of the means rather than counted as zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .questionnaire import Definition, Item
from .shares import wilson_interval


@dataclass(frozen=True, slots=True)
class ItemFigure:
    item: Item
    n: int
    satisfied: int
    counts: Mapping[str, int]

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.satisfied, self.n) if self.n else None

    def interval(self) -> tuple[Decimal, Decimal] | None:
        return wilson_interval(self.satisfied, self.n)


@dataclass(frozen=True, slots=True)
class ElementFigure:
    code: str
    label: Mapping[str, str]
    weight: Fraction
    items: tuple[ItemFigure, ...]

    @property
    def share(self) -> Fraction | None:
        """Mean of the shares of its answered items."""
        shares = [f.share for f in self.items if f.share is not None]
        return sum(shares, Fraction(0)) / len(shares) if shares else None


@dataclass(frozen=True, slots=True)
class FormFigures:
    items: tuple[ItemFigure, ...]
    elements: tuple[ElementFigure, ...]

    @property
    def overall(self) -> Fraction | None:
        """Weighted mean of the elements that have a share; None without elements or answers."""
        scored = [(e.weight, e.share) for e in self.elements if e.share is not None]
        if not scored:
            return None
        return sum((w * s for w, s in scored), Fraction(0)) / sum(w for w, _ in scored)


def form_figures(definition: Definition, counts: Mapping[str, Mapping[str, int]]) -> FormFigures:
    """Build item, element and overall figures from answer counts by item code and value.

    Only items on a scale that declares satisfied values are scored.
    """
    items = []
    for item in definition.items:
        if item.scale is None or not item.scale.satisfied:
            continue
        by_value = {v: int(counts.get(item.code, {}).get(v, 0)) for v in item.scale.values()}
        n = sum(by_value.values())
        satisfied = sum(c for v, c in by_value.items() if v in item.scale.satisfied)
        items.append(ItemFigure(item, n, satisfied, by_value))
    elements = tuple(
        ElementFigure(e.code, e.label, e.weight,
                      tuple(f for f in items if f.item.element == e.code))
        for e in definition.elements
    )
    return FormFigures(tuple(items), elements)
