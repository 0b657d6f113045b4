"""Unit pickers' order: the tree, each parent before its children (by name), the user's own
subtree first."""

from __future__ import annotations

from dataclasses import dataclass

from survey_app.domain.unit_tree import tree_order


@dataclass
class U:
    id: int
    parent_id: int | None
    name: str


UNITS = [U(1, None, "Thành phố Đà Nẵng"), U(2, 1, "Quận Liên Chiểu"), U(3, 1, "Quận Hải Châu"),
         U(4, 3, "Phường Thạch Thang"), U(5, 2, "Phường Hòa Minh"), U(6, 1, "Sở Tư pháp")]


def _names(order):
    return [(u.name, depth) for u, depth in order]


def test_parents_before_children_siblings_by_name():
    assert _names(tree_order(UNITS)) == [
        ("Thành phố Đà Nẵng", 0), ("Quận Hải Châu", 1), ("Phường Thạch Thang", 2),
        ("Quận Liên Chiểu", 1), ("Phường Hòa Minh", 2), ("Sở Tư pháp", 1)]


def test_the_users_own_subtree_comes_first_and_nothing_twice():
    order = _names(tree_order(UNITS, first=2))
    assert order[:2] == [("Quận Liên Chiểu", 0), ("Phường Hòa Minh", 1)]
    assert sorted(n for n, _ in order) == sorted(u.name for u in UNITS)  # each unit once


def test_a_subtree_without_its_parent_starts_at_depth_zero():
    officer = [u for u in UNITS if u.id in (3, 4)]
    assert _names(tree_order(officer, first=3)) == [("Quận Hải Châu", 0),
                                                    ("Phường Thạch Thang", 1)]
