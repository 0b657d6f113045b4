"""``units import-official``: a province and its communes from the statistics-office tables.

The tables come from the ``vietnamadminunits`` package (MIT): since 1 July 2025, 34 provinces
and 3,321 communes (xã, phường, đặc khu); before, 63 provinces, 696 districts and 10,040 wards
with the package's converter from each old ward to the commune it became part of. Current units
get their GSO code as ``code`` and ``stats_code``; legacy units get ``L-`` before theirs because
the office reused codes across the two generations (20194 was Phường Hòa Hiệp Bắc, it is now
Phường Hải Vân). Rules and examples: docs/units.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Unit
from .audit import record_action
from .errors import Invalid

#: The first day of the two-level local government (Resolution 202/2025/QH15).
REORGANISED_ON = date(2025, 7, 1)
LEGACY_UNTIL = date(2025, 6, 30)
LEGACY_PREFIX = "L-"


@dataclass(frozen=True, slots=True)
class OfficialUnit:
    """A unit as the official table describes it; codes refer to other official units."""

    code: str
    name: str
    kind: str
    parent: str | None
    stats_code: str
    valid_from: date | None = None
    valid_to: date | None = None
    successor: str | None = None


@dataclass(slots=True)
class ImportCounts:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.changed)} changed, "
                f"{len(self.unchanged)} unchanged")


def _query(sql: str, *args: str) -> list[dict[str, Any]]:
    """Rows of the package's bundled SQLite table (its public ``query`` takes no parameters,
    so the values are bound here through its own database file)."""
    import sqlite3

    from vietnamadminunits.database import main as vau_db

    with sqlite3.connect(vau_db.MODULE_DIR / "data/dataset.db") as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, args)]


def official_units(province_code: str, *, legacy: bool = False) -> list[OfficialUnit]:
    """The current province and its communes, plus, with ``legacy``, the districts and wards
    of every pre-2025 province that became part of it, parents before children."""
    current = _query("SELECT DISTINCT province, provinceKey, wardCode, ward, wardKey "
                     "FROM admin_units WHERE provinceCode = ? ORDER BY wardCode", province_code)
    if not current:
        raise Invalid(detail=f"{province_code!r} is not a province code of the official table "
                             "(two digits, e.g. 48 for Thành phố Đà Nẵng)")
    out = [OfficialUnit(province_code, current[0]["province"], "province", None, province_code)]
    out += [OfficialUnit(r["wardCode"], r["ward"], "commune", province_code, r["wardCode"],
                         valid_from=REORGANISED_ON) for r in current]
    if legacy:
        out += _legacy_units(province_code, current[0]["provinceKey"],
                             {r["wardKey"]: r["wardCode"] for r in current})
    return out


def _legacy_units(province_code: str, province_key: str,
                  new_code_by_key: dict[str, str]) -> list[OfficialUnit]:
    from vietnamadminunits.converter import converter_2025 as conv

    # old "province_district_ward" key → new ward key: undivided wards first, then the
    # package's default commune for a ward that was divided between several
    successor_key: dict[str, str] = {}
    for new_key, old_keys in conv.DICT_PROVINCE_WARD_NO_DIVIDED.get(province_key, {}).items():
        for old in old_keys:
            successor_key[old] = new_key
    for old, choices in conv.DICT_PROVINCE_WARD_DIVIDED.get(province_key, {}).items():
        default = next((c["newWardKey"] for c in choices if c["isDefaultNewWard"]), None)
        if default is not None:
            successor_key.setdefault(old, default)
    old_provinces = conv.DICT_PROVINCE.get(province_key, [])
    marks = ",".join("?" * len(old_provinces))
    rows = _query("SELECT DISTINCT provinceKey, districtCode, district, districtKey, wardCode, "
                  f"ward, wardKey FROM admin_units_legacy WHERE provinceKey IN ({marks}) "
                  "ORDER BY districtCode, wardCode", *old_provinces)

    def successor(p: str, d: str, w: str | None) -> str | None:
        key = successor_key.get(f"{p}_{d}_{w or ''}")
        return new_code_by_key.get(key) if key else None

    units: dict[str, OfficialUnit] = {}
    for r in rows:
        district = LEGACY_PREFIX + r["districtCode"]
        if district not in units:
            # island districts without wards became đặc khu: the district has the successor
            units[district] = OfficialUnit(
                district, r["district"], "district", province_code, r["districtCode"],
                valid_to=LEGACY_UNTIL,
                successor=successor(r["provinceKey"], r["districtKey"], None))
        if r["wardCode"]:
            code = LEGACY_PREFIX + r["wardCode"]
            units[code] = OfficialUnit(
                code, r["ward"], "commune", district, r["wardCode"], valid_to=LEGACY_UNTIL,
                successor=successor(r["provinceKey"], r["districtKey"], r["wardKey"]))
    return list(units.values())


#: What the import owns on a unit. A current unit's end and successor belong to ``units
#: merge`` afterwards, so a later run does not undo a merge recorded here.
_OWNED = ("name", "kind", "parent", "stats_code", "valid_from")
_OWNED_LEGACY = (*_OWNED, "valid_to", "successor")


def import_official(session: Session, province_code: str, *, legacy: bool = False,
                    ) -> ImportCounts:
    """Create or update the official units of a province; a second run changes nothing.

    Audited once when anything was added or changed; all or nothing (the caller commits).
    """
    wanted = official_units(province_code, legacy=legacy)
    return store_units(session, wanted, source=f"official {province_code}"
                       + (" with legacy" if legacy else ""))


def store_units(session: Session, wanted: Iterable[OfficialUnit], *, source: str,
                ) -> ImportCounts:
    """Make the stored units match ``wanted`` (parents and successors by code)."""
    wanted = list(wanted)
    codes = {u.code for u in wanted} | {u.parent for u in wanted if u.parent} \
        | {u.successor for u in wanted if u.successor}
    stored = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    counts = ImportCounts()
    pending: list[tuple[OfficialUnit, Unit]] = []
    for want in wanted:
        unit = stored.get(want.code)
        if unit is None:
            unit = Unit(code=want.code, name=want.name, kind=want.kind)
            session.add(unit)
            stored[want.code] = unit
            counts.added.append(want.code)
        elif any(_current(unit, f) != getattr(want, f) for f in _fields(want)):
            counts.changed.append(want.code)
        else:
            counts.unchanged.append(want.code)
            continue
        pending.append((want, unit))
    for want, unit in pending:
        unit.name, unit.kind, unit.stats_code = want.name, want.kind, want.stats_code
        unit.parent = stored[want.parent] if want.parent else None
        unit.valid_from = want.valid_from
        if want.code.startswith(LEGACY_PREFIX) or unit.id is None:
            unit.valid_to = want.valid_to
            unit.successor = stored[want.successor] if want.successor else None
    session.flush()
    if counts.added or counts.changed:
        record_action(session, None, "units.import_official", "unit", None, source=source,
                      added=len(counts.added), changed=counts.changed[:50])
    return counts


def _fields(want: OfficialUnit) -> tuple[str, ...]:
    return _OWNED_LEGACY if want.code.startswith(LEGACY_PREFIX) else _OWNED


def _current(unit: Unit, name: str) -> Any:
    if name == "parent":
        return unit.parent.code if unit.parent else None
    if name == "successor":
        return unit.successor.code if unit.successor else None
    return getattr(unit, name)
