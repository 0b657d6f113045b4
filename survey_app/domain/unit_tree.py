"""Units in tree order for pickers: each unit under its parent, indented by depth.

A user picks among the units they may see (their own subtree, or every unit for an admin). The
list starts with the user's own subtree, then the rest of the tree; within a parent, units
follow by name. A unit whose parent is not in the list starts a tree of its own (depth 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar


class TreeUnit(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def name(self) -> str: ...


U = TypeVar("U", bound=TreeUnit)


def tree_order(units: Iterable[U], first: int | None = None) -> list[tuple[U, int]]:
    """``units`` depth first as ``(unit, depth)``, the subtree of unit ``first`` (the user's
    own) at the top."""
    units = list(units)
    ids = {u.id for u in units}
    children: dict[int | None, list[U]] = {}
    for u in units:
        children.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    for siblings in children.values():
        siblings.sort(key=lambda u: (u.name, u.id))
    out: list[tuple[U, int]] = []
    seen: set[int] = set()

    def walk(unit: U, depth: int) -> None:
        if unit.id in seen:  # a cycle in bad data: list each unit once
            return
        seen.add(unit.id)
        out.append((unit, depth))
        for child in children.get(unit.id, ()):
            walk(child, depth + 1)

    own = next((u for u in units if u.id == first), None)
    if own is not None:
        walk(own, 0)
    roots: Sequence[U] = children.get(None, [])
    for root in roots:
        walk(root, 0)
    return out
