"""Publishing (DOMAIN.md §7): an admin's audited decision to show a closed period, or an index
ranking, to the public — and what the public pages and the open data may read.

Closing a period does not publish it. Only a snapshot in force (not reopened) closed under the
``survey-snapshot-v2`` or ``-v3`` hash rule can be published, because only their public cells
can be checked against the hash by anyone (``domain/snapshot_hash.py``). Withdrawing keeps
the row and its reason; a published snapshot that an admin reopens counts as withdrawn, the
reopen note being the reason. Publishing and withdrawing are each safe against their own
duplicate: publishing locks the snapshot (or scheme) row ``FOR UPDATE`` before looking for a
publication in force, withdrawing is a conditional ``UPDATE … WHERE withdrawn_at IS NULL``.

The read side never looks at live rollups, flagged or void ballots, comments, or the
restricted dimensions (counters, procedure fields, groups, hours, reasons): public figures are
sums of the snapshot's valid-vote cells by channel, month and own votes. The one exception is
a unit whose admin switched on ``publish_counters`` (audited, ``set_counter_publication``): in
its published v3 snapshots its own counters' valid-vote cells and their salt are public too, so
anyone can recompute that unit's counter digest.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..domain import rounding, snapshot_hash
from ..domain.periods import Period
from ..domain.shares import Tally, satisfaction_rate, wilson_interval
from ..models import Counter as CounterModel
from ..models import (
    IndexPublication,
    IndexScheme,
    PeriodPublication,
    PeriodSnapshot,
    SnapshotCell,
    Unit,
    UserAccount,
)
from .audit import record_action
from .errors import Conflict, Invalid, NotFound
from .figures import Figures, unit_figures
from .snapshots import counter_salts, own_counter_keys, snapshot_for
from .state import AlreadyChanged, transition

#: Longest withdrawal reason kept.
MAX_NOTE = 1000


class PublishError(Conflict, ValueError):
    """A publish or withdraw that cannot be done; the message is shown to the administrator."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail)


class BadReason(PublishError):
    """A withdrawal without a usable reason: the administrator's input, not a conflict."""


class NotPublished(NotFound):
    """No published, closed snapshot covers what was asked (the API answers 404)."""

    default_key = "not_published"


def _dmy(period: Period | PeriodSnapshot) -> str:
    start, end = ((period.start, period.end) if isinstance(period, Period)
                  else (period.period_from, period.period_to))
    return f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"


# --- decisions -------------------------------------------------------------------------------

def in_force(session: Session, snapshot_id: int) -> PeriodPublication | None:
    return session.scalar(select(PeriodPublication).where(
        PeriodPublication.snapshot_id == snapshot_id, PeriodPublication.withdrawn_at.is_(None)))


def snapshot_of(session: Session, unit: Unit, period: Period) -> PeriodSnapshot:
    """The snapshot in force closed for exactly ``unit`` and ``period`` (the command line names
    a snapshot this way); :class:`PublishError` when there is none."""
    snap = session.scalar(select(PeriodSnapshot).where(
        PeriodSnapshot.unit_id == unit.id, PeriodSnapshot.period_from == period.start,
        PeriodSnapshot.period_to == period.end, PeriodSnapshot.reopened_at.is_(None)))
    if snap is None:
        raise PublishError(f"Kỳ {_dmy(period)} chưa được khóa cho đơn vị {unit.code}; "
                           "chỉ công bố được kỳ đã khóa.")
    return snap


def publish_period(session: Session, snapshot: PeriodSnapshot,
                   user: UserAccount | None) -> PeriodPublication:
    """Show a closed period to the public; refuses a reopened, unverifiable or published one."""
    session.execute(select(PeriodSnapshot.id).where(PeriodSnapshot.id == snapshot.id)
                    .with_for_update())
    session.refresh(snapshot)
    if snapshot.reopened_at is not None:
        raise PublishError("Kỳ này đã được mở lại; khóa lại kỳ rồi mới công bố được.")
    if snapshot.hash_rule not in snapshot_hash.PUBLISHABLE_RULES:
        raise PublishError("Bản chốt này dùng quy tắc băm cũ, người dân không kiểm chứng được; "
                           "mở lại và khóa lại kỳ rồi công bố bản chốt mới.")
    if in_force(session, snapshot.id) is not None:
        raise PublishError(f"Kỳ {_dmy(snapshot)} đã được công bố.")
    publication = PeriodPublication(snapshot_id=snapshot.id,
                                    published_by_id=user.id if user else None)
    session.add(publication)
    session.flush()
    root = session.get(Unit, snapshot.unit_id)
    record_action(session, user, "period.publish", "period_publication", publication.id,
                  snapshot=snapshot.id, unit=root.code if root else None,
                  period=[str(snapshot.period_from), str(snapshot.period_to)],
                  content_hash=snapshot.content_hash)
    return publication


def _note(note: str | None) -> str:
    note = (note or "").strip()
    if not note:
        raise BadReason("Cần ghi lý do rút lại; lý do được hiển thị công khai.")
    if len(note) > MAX_NOTE:
        raise BadReason(f"Lý do tối đa {MAX_NOTE} ký tự.")
    return note


def withdraw_period(session: Session, snapshot: PeriodSnapshot, user: UserAccount | None,
                    note: str | None) -> PeriodPublication:
    """Withdraw a published period; the reason stays visible on the public pages."""
    note = _note(note)
    publication = in_force(session, snapshot.id)
    if publication is None:
        raise PublishError(f"Kỳ {_dmy(snapshot)} không đang được công bố.")
    try:
        transition(session, PeriodPublication, publication.id,
                   PeriodPublication.withdrawn_at.is_(None),
                   withdrawn_at=datetime.now(timezone.utc),
                   withdrawn_by_id=user.id if user else None, withdraw_note=note)
    except AlreadyChanged:
        raise PublishError("Kỳ này đã được rút lại trước đó.") from None
    root = session.get(Unit, snapshot.unit_id)
    record_action(session, user, "period.withdraw", "period_publication", publication.id,
                  snapshot=snapshot.id, unit=root.code if root else None,
                  period=[str(snapshot.period_from), str(snapshot.period_to)],
                  content_hash=snapshot.content_hash, note=note)
    return publication


def set_counter_publication(session: Session, unit: Unit, enabled: bool,
                            user: UserAccount | None) -> bool:
    """Switch a unit's counter figures on or off the public pages; audited. Returns whether
    this request changed it: an identical request that lost the race (or came later) finds the
    row already switched (``UPDATE … WHERE publish_counters = <old value>`` changed nothing)."""
    try:
        transition(session, Unit, unit.id, Unit.publish_counters.is_(not enabled),
                   publish_counters=enabled)
    except AlreadyChanged:
        return False
    record_action(session, user, "unit.publish_counters", "unit", unit.id, unit=unit.code,
                  enabled=enabled)
    return True


def counter_publishing_units(session: Session) -> list[Unit]:
    """Units whose counter figures are switched on, by code."""
    return list(session.scalars(select(Unit).where(Unit.publish_counters.is_(True))
                                .order_by(Unit.code)))


def index_in_force(session: Session, scheme_id: int) -> IndexPublication | None:
    return session.scalar(select(IndexPublication).where(
        IndexPublication.scheme_id == scheme_id, IndexPublication.withdrawn_at.is_(None)))


def document_hash(document: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a published ranking."""
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def publish_index(session: Session, scheme: IndexScheme,
                  user: UserAccount | None) -> IndexPublication:
    """Publish a scheme year's ranking as scored now; the stored document no longer moves."""
    from .index import index_document, score_index

    session.execute(select(IndexScheme.id).where(IndexScheme.id == scheme.id).with_for_update())
    if index_in_force(session, scheme.id) is not None:
        raise PublishError(f"Bảng xếp hạng {scheme.code} năm {scheme.year} đã được công bố.")
    document = json.loads(json.dumps(index_document(score_index(session, scheme)), default=str))
    digest = document_hash(document)
    publication = IndexPublication(scheme_id=scheme.id, document=document, document_hash=digest,
                                   published_by_id=user.id if user else None)
    session.add(publication)
    session.flush()
    record_action(session, user, "index.publish", "index_publication", publication.id,
                  scheme=scheme.code, year=scheme.year, document_hash=digest)
    return publication


def withdraw_index(session: Session, scheme: IndexScheme, user: UserAccount | None,
                   note: str | None) -> IndexPublication:
    note = _note(note)
    publication = index_in_force(session, scheme.id)
    if publication is None:
        raise PublishError(f"Bảng xếp hạng {scheme.code} năm {scheme.year} không đang được "
                           "công bố.")
    try:
        transition(session, IndexPublication, publication.id,
                   IndexPublication.withdrawn_at.is_(None),
                   withdrawn_at=datetime.now(timezone.utc),
                   withdrawn_by_id=user.id if user else None, withdraw_note=note)
    except AlreadyChanged:
        raise PublishError("Bảng xếp hạng này đã được rút lại trước đó.") from None
    record_action(session, user, "index.withdraw", "index_publication", publication.id,
                  scheme=scheme.code, year=scheme.year, note=note)
    return publication


# --- the public read side --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Published:
    """A snapshot in force with its publication in force."""

    snapshot: PeriodSnapshot
    publication: PeriodPublication
    root: Unit

    @property
    def period(self) -> Period:
        return Period(self.snapshot.period_from, self.snapshot.period_to)


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """A publication no longer in force, with when and why (shown publicly)."""

    root: Unit
    period_from: Any
    period_to: Any
    content_hash: str
    at: datetime
    reason: str


def published(session: Session) -> list[Published]:
    """Every published snapshot in force, newest period first."""
    rows = session.execute(
        select(PeriodSnapshot, PeriodPublication, Unit)
        .join(PeriodPublication, PeriodPublication.snapshot_id == PeriodSnapshot.id)
        .join(Unit, Unit.id == PeriodSnapshot.unit_id)
        .where(PeriodPublication.withdrawn_at.is_(None), PeriodSnapshot.reopened_at.is_(None))
        .order_by(PeriodSnapshot.period_from.desc(), PeriodSnapshot.period_to,
                  Unit.code)).all()
    return [Published(s, p, u) for s, p, u in rows]


def withdrawn(session: Session) -> list[Withdrawn]:
    """Publications withdrawn by an admin, or whose period was reopened, newest first."""
    rows = session.execute(
        select(PeriodSnapshot, PeriodPublication, Unit)
        .join(PeriodPublication, PeriodPublication.snapshot_id == PeriodSnapshot.id)
        .join(Unit, Unit.id == PeriodSnapshot.unit_id)
        .where(or_(PeriodPublication.withdrawn_at.is_not(None),
                   PeriodSnapshot.reopened_at.is_not(None)))).all()
    out = []
    for s, p, u in rows:
        if p.withdrawn_at is not None:
            at, reason = p.withdrawn_at, p.withdraw_note or ""
        else:
            at, reason = s.reopened_at, f"kỳ được mở lại để tính lại: {s.reopen_note or ''}"
        out.append(Withdrawn(u, s.period_from, s.period_to, s.content_hash, at, reason))
    return sorted(out, key=lambda w: w.at, reverse=True)


def published_for(session: Session, unit_id: int, period: Period) -> PeriodSnapshot | None:
    """The published snapshot in force covering exactly ``period`` for the unit, if any."""
    snap = snapshot_for(session, unit_id, period)
    if snap is None or in_force(session, snap.id) is None:
        return None
    return snap


def public_figures(session: Session, unit: Unit, period: Period, *, min_n: int,
                   subtree: bool = False, channel: str | None = None) -> dict[str, Any]:
    """The authenticated figures' body for a published period, without the flagged count;
    :class:`NotPublished` otherwise."""
    if published_for(session, unit.id, period) is None:
        raise NotPublished()
    figures: Figures = unit_figures(session, unit, period, min_n=min_n, channel=channel,
                                    subtree=subtree)
    body = figures.as_json()
    del body["flagged"]  # counted from flagged ballots: never public
    return body


def state_version(session: Session) -> str:
    """A short value that changes whenever what the public pages show may change (ETags)."""
    pp, ps, ip = PeriodPublication, PeriodSnapshot, IndexPublication
    row = session.execute(select(
        select(func.count(pp.id)).scalar_subquery(),
        select(func.max(pp.id)).scalar_subquery(),
        select(func.count(pp.withdrawn_at)).scalar_subquery(),
        select(func.count(ps.reopened_at)).join(pp, pp.snapshot_id == ps.id).scalar_subquery(),
        select(func.count(ip.id)).scalar_subquery(),
        select(func.count(ip.withdrawn_at)).scalar_subquery(),
    )).one()
    switched = tuple(session.scalars(select(Unit.id).where(Unit.publish_counters.is_(True))
                                     .order_by(Unit.id)))
    return hashlib.sha256(repr((tuple(row), switched)).encode()).hexdigest()[:16]


# --- figures from the public cells -----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PublicFigure:
    """One unit's subtree figure of a published period, from the snapshot's public cells."""

    code: str
    name: str
    kind: str
    parent: str | None
    tally: Tally
    min_n: int

    @property
    def sufficient(self) -> bool:
        return self.tally.total >= self.min_n

    @property
    def rate(self) -> Decimal | None:
        return rounding.percent(satisfaction_rate(self.tally))

    @property
    def interval(self) -> tuple[Decimal, Decimal] | None:
        found = wilson_interval(self.tally.very_satisfied + self.tally.satisfied,
                                self.tally.total)
        if found is None:
            return None
        low, high = rounding.percent(found[0]), rounding.percent(found[1])
        assert low is not None and high is not None
        return low, high

    @property
    def low(self) -> Decimal | None:
        return self.interval[0] if self.interval else None

    @property
    def high(self) -> Decimal | None:
        return self.interval[1] if self.interval else None

    def as_json(self) -> dict[str, Any]:
        interval = self.interval
        return {
            "unit": self.code, "name": self.name, "parent": self.parent,
            "n": self.tally.total, "counts": self.tally.counts(),
            "satisfaction_rate": None if self.rate is None else float(self.rate),
            "interval95": ({"low": float(interval[0]), "high": float(interval[1])}
                           if interval else None),
            "sufficient": self.sufficient, "min_n": self.min_n,
        }


@dataclass(frozen=True, slots=True)
class PublicCounter(PublicFigure):
    """One counter of a unit whose counter figures are published: ``code`` and ``name`` are the
    counter's (never a person's), ``parent`` its unit, ``key`` its cells' key."""

    key: str

    def as_json(self) -> dict[str, Any]:
        body = PublicFigure.as_json(self)
        del body["parent"]
        body.update(unit=self.parent, counter=self.code, key=self.key)
        return body


@dataclass(frozen=True, slots=True)
class PublicSnapshot:
    """What the public sees of one published snapshot."""

    item: Published
    lines: list[snapshot_hash.Line]  # public lines, and the published units' counter lines
    restricted_digest: str
    figures: list[PublicFigure]  # the root first, then by code
    #: v3: every unit's salted counter digest (unit code → digest); empty for v2.
    counter_digests: dict[str, str]
    #: v3: the salts of the units whose counter figures are published (unit code → salt).
    counter_salts: dict[str, str]
    counters: list[PublicCounter]  # by unit, then counter code

    def figure(self, code: str) -> PublicFigure | None:
        return next((f for f in self.figures if f.code == code), None)

    def months(self, code: str) -> list[tuple[str, Tally]]:
        """The unit's subtree valid votes month by month within the period."""
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for unit, dim, key, _status, level, n in self.lines:
            if unit == code and dim == "month":
                counts[key][level] += n
        return [(k, Tally.from_counts(v)) for k, v in sorted(counts.items())]


def _counter_figures(session: Session, unit_code: str, unit_id: int,
                     lines: list[snapshot_hash.Line], min_n: int) -> list[PublicCounter]:
    """A unit's published counter lines as figures, labelled by counter code and name."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for _u, _dim, key, _status, level, n in lines:
        counts[key][level] += n
    labels = {str(cid): (code, name) for cid, code, name in session.execute(
        select(CounterModel.id, CounterModel.code, CounterModel.name)
        .where(CounterModel.unit_id == unit_id))}
    out = [PublicCounter(labels[key][0], labels[key][1], "counter", unit_code,
                         Tally.from_counts(levels), min_n, key)
           for key, levels in counts.items()]
    return sorted(out, key=lambda c: c.code)


def public_counters(session: Session, snapshot: PeriodSnapshot, unit: Unit,
                    min_n: int) -> list[PublicCounter]:
    """The unit's counter figures in a published snapshot, when its admin switched them on and
    the snapshot can prove them (v3, the unit has a salt); empty otherwise."""
    if not unit.publish_counters or snapshot.hash_rule != snapshot_hash.HASH_RULE_V3:
        return []
    if unit.id not in counter_salts(session, snapshot.id):
        return []
    c = SnapshotCell
    own = own_counter_keys(session, [unit.id]).get(unit.id, set())
    lines = [(unit.code, "counter", key, "valid", level, n) for key, level, n in session.execute(
        select(c.key, c.level, c.count).where(
            c.snapshot_id == snapshot.id, c.unit_id == unit.id, c.dimension == "counter",
            c.status == "valid", c.key.in_(own))) if n]
    return _counter_figures(session, unit.code, unit.id, lines, min_n)


def public_snapshot(session: Session, item: Published, min_n: int) -> PublicSnapshot:
    """Read a published snapshot's public cells, the digests of the parts that stay private,
    each unit's subtree figure (valid votes summed over channels) and, for units whose switch
    is on (v3 only), their counter cells, salts and figures."""
    c = SnapshotCell
    rows = session.execute(
        select(Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.id, Unit.publish_counters,
               c.dimension, c.key, c.status, c.level, c.count)
        .join(Unit, Unit.id == c.unit_id)
        .where(c.snapshot_id == item.snapshot.id)).all()
    all_lines: list[snapshot_hash.Line] = []
    units: dict[int, tuple[str, str, str, int | None]] = {}
    switched: dict[str, int] = {}
    tallies: dict[str, Counter[str]] = defaultdict(Counter)
    for code, name, kind, parent_id, uid, on, dim, key, status, level, n in rows:
        units[uid] = (code, name, kind, parent_id)
        if on:
            switched[code] = uid
        all_lines.append((code, dim, key, status, level, n))
        if dim == "channel" and status == "valid":
            tallies[code][level] += n
    codes = {uid: u[0] for uid, u in units.items()}
    digests: dict[str, str] = {}
    salts: dict[str, str] = {}
    counters: list[PublicCounter] = []
    if item.snapshot.hash_rule == snapshot_hash.HASH_RULE_V3:
        own = {codes[u]: keys for u, keys in own_counter_keys(session, codes).items()}
        lines, groups, restricted = snapshot_hash.split_v3(all_lines, own)
        stored = {codes[u]: v for u, v in counter_salts(session, item.snapshot.id).items()}
        digests = {code: snapshot_hash.counter_digest(stored[code], g)
                   for code, g in groups.items()}
        for code in sorted(groups.keys() & switched.keys()):
            salts[code] = stored[code]
            lines.extend(groups[code])
            counters.extend(_counter_figures(session, code, switched[code], groups[code], min_n))
    else:
        lines = [x for x in all_lines if snapshot_hash.is_public(x[1], x[3])]
        restricted = [x for x in all_lines if not snapshot_hash.is_public(x[1], x[3])]
    figures = [PublicFigure(code, name, kind, codes.get(parent_id) if parent_id else None,
                            Tally.from_counts(tallies[code]), min_n)
               for code, name, kind, parent_id in units.values()]
    figures.sort(key=lambda f: (f.code != item.root.code, f.code))
    if item.root.code not in {f.code for f in figures}:
        figures.insert(0, PublicFigure(item.root.code, item.root.name, item.root.kind, None,
                                       Tally.from_counts({}), min_n))
    lines.sort(key=snapshot_hash.line_text)
    return PublicSnapshot(item, lines, snapshot_hash.part_digest(restricted), figures,
                          digests, salts, counters)


def open_data(session: Session, year: int, min_n: int) -> dict[str, Any]:
    """Every published figure of periods starting in ``year``, with what verifies them."""
    out = []
    for item in published(session):
        if item.snapshot.period_from.year != year:
            continue
        snap = public_snapshot(session, item, min_n)
        out.append({
            "root": item.root.code,
            "from": item.snapshot.period_from.isoformat(),
            "to": item.snapshot.period_to.isoformat(),
            "published_at": item.publication.published_at.isoformat(),
            "hash_rule": item.snapshot.hash_rule,
            "content_hash": item.snapshot.content_hash,
            "restricted_digest": snap.restricted_digest,
            **({"counter_digests": snap.counter_digests, "counter_salts": snap.counter_salts,
                "counters": [c.as_json() for c in snap.counters]}
               if item.snapshot.hash_rule == snapshot_hash.HASH_RULE_V3 else {}),
            "figures": [f.as_json() for f in snap.figures],
            "cells": [list(x) for x in snap.lines],
        })
    out.sort(key=lambda s: (s["from"], s["to"], s["root"]))
    return {"year": year, "rule": rounding.RULE, "snapshots": out}


def index_publications(session: Session, *, withdrawn: bool = False,
                       ) -> list[tuple[IndexPublication, IndexScheme]]:
    """Index rankings published and in force (or, with ``withdrawn``, those withdrawn, whose
    date and reason stay public), newest year first."""
    state = (IndexPublication.withdrawn_at.is_not(None) if withdrawn
             else IndexPublication.withdrawn_at.is_(None))
    return [(p, s) for p, s in session.execute(
        select(IndexPublication, IndexScheme).join(IndexScheme,
                                                   IndexScheme.id == IndexPublication.scheme_id)
        .where(state)
        .order_by(IndexScheme.year.desc(), IndexScheme.code, IndexPublication.id.desc())).all()]


def check_year(value: str) -> int:
    """A year in a URL or option, 2000–2100; :class:`Invalid` otherwise."""
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise Invalid(detail="Năm không hợp lệ.")
    return int(value)
