"""A believable demo: today's Đà Nẵng, its counters, kiosks, users and 18 months of votes.

The units are those of ``demo_units``: Thành phố Đà Nẵng (GSO 48), a sample of its current
communes (phường) with their GSO codes, the departments, central agencies and the Trung tâm Phục
vụ hành chính công with its branches, and the legacy districts and wards the sample communes were
made from, ended on 30 June 2025 with their successor recorded, as ``units import-official
--legacy`` stores them. The wards' counters and tablets end with them; the communes' start on
1 July 2025; the departments and the centre serve throughout. So the votes before July 2025 are
cast at the legacy wards and those after at the communes, and a merged phường's comparisons
("Cùng kỳ năm trước") across the change are computed from its predecessors (docs/units.md).

Votes follow office hours in local time, weekday and seasonal patterns (the busy weeks before
Tết), a different satisfaction level per unit that improves slowly over time, a realistic
channel mix and "why?" reasons after some bad votes. None is later than the moment the demo is
seeded, and the few flagged votes carry the flag their channel can really get: a burst from one
tablet on kiosks, the rate limit on the phone ballots of posters and websites. They are inserted
in bulk and the rollup is then rebuilt from them, so the demo exercises the same rebuild path as
production. :func:`seeded_counts` reads back what is stored, for the command to print.
"""

from __future__ import annotations

import math
import random
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, literal, select
from sqlalchemy.orm import Session

from ..models import (
    Answer,
    Ballot,
    Counter,
    KioskDevice,
    PaperBatch,
    PaperSheet,
    Questionnaire,
    Unit,
    UserAccount,
)
from . import demo_units as dn
from .accounts import create_api_token, create_user, register_kiosk
from .breakdowns import rebuild_breakdowns
from .demo_index import seed_demo_index
from .official_units import LEGACY_PREFIX, LEGACY_UNTIL, REORGANISED_ON
from .questionnaires import assign_questionnaire
from .security import fingerprint
from .tallies import rebuild_tallies

#: The history the demo covers by default: 18 months, and never starting after 1 July 2024, so
#: that every "same period last year" of a period after the reorganisation has its year before.
DEFAULT_MONTHS_DAYS = 550
COMPARABLE_FROM = date(2024, 7, 1)
MAX_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class DemoUnit:
    """A unit the demo creates; ``parent`` and ``successor`` are codes of earlier rows."""

    code: str
    name: str
    kind: str
    parent: str | None
    counters: int
    stats_code: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    successor: str | None = None


def demo_unit_rows() -> list[DemoUnit]:
    """Today's Đà Nẵng from ``demo_units``: the city, the provincial units, the legacy districts,
    the sample communes and the legacy wards they were made from (one counter each)."""
    rows = [DemoUnit(dn.CITY[0], dn.CITY[1], "province", None, 0, stats_code=dn.CITY[0])]
    rows += [DemoUnit(code, name, kind, parent, n)
             for code, name, kind, parent, n in dn.PROVINCIAL_UNITS]
    rows += [DemoUnit(code, name, "district", dn.CITY[0], 0,
                      stats_code=code.removeprefix(LEGACY_PREFIX), valid_to=LEGACY_UNTIL)
             for code, name in dn.LEGACY_DISTRICTS]
    rows += [DemoUnit(c.code, c.name, "commune", dn.CITY[0], c.counters, stats_code=c.code,
                      valid_from=REORGANISED_ON) for c in dn.COMMUNES]
    rows += [DemoUnit(code, name, "commune", district, 1,
                      stats_code=code.removeprefix(LEGACY_PREFIX), valid_to=LEGACY_UNTIL,
                      successor=c.code)
             for c in dn.COMMUNES for code, name, district in c.predecessors]
    return rows


#: The demo's users besides ``admin``: username, role, unit code (one password for all).
USERS = (("canbo.danang", "officer", dn.CITY[0]),
         ("canbo.haichau", "officer", "20242"),
         ("nhapphieu.haichau", "clerk", "20242"))

#: Procedure fields per kind; since July 2025 a commune also handles what its district did.
FIELDS_BY_KIND = {
    "service_centre": ["Đất đai", "Đầu tư", "Xây dựng", "Lao động", "Giao thông vận tải"],
    "department": ["Kinh doanh", "Xây dựng", "Đất đai", "Lý lịch tư pháp", "Công chứng"],
    "central_agency": ["Cư trú", "Căn cước", "Thuế", "Bảo hiểm xã hội"],
    "commune": ["Hộ tịch", "Chứng thực", "Bảo trợ xã hội", "Đất đai"],
    "commune_2025": ["Hộ tịch", "Chứng thực", "Bảo trợ xã hội", "Đất đai", "Xây dựng",
                     "Kinh doanh"],
}
CHANNEL_MIX = [("kiosk", 60), ("qr_counter", 12), ("qr_receipt", 10), ("web", 3), ("paper", 15)]
GROUP_MIX = [("citizen", 82), ("enterprise", 9), ("organisation", 7), ("civil_servant", 2)]
REASON_MIX = [("waiting_time", 40), ("procedure", 25), ("staff_attitude", 12), ("fees", 8),
              ("facilities", 10), ("other", 5)]
#: The flag each channel can really get, and how often: the kiosk service flags a burst of votes
#: from one tablet, the phone ballots of counter posters and websites flag votes over the rate
#: limit (web/public.py RATE_LIMITED_CHANNELS). Receipt codes vote once and paper is keyed by a
#: clerk, so neither is ever flagged.
FLAGS_BY_CHANNEL = {"kiosk": ("burst", 0.003), "qr_counter": ("rate_limit", 0.01),
                    "web": ("rate_limit", 0.01)}


def default_days(today: date) -> int:
    """Days of history ``demo`` seeds without ``--days``: 18 months, or back to 1 July 2024
    when that is earlier (a year before the reorganisation), at most three years."""
    return min(MAX_DAYS, max(DEFAULT_MONTHS_DAYS, (today - COMPARABLE_FROM).days + 1))


def seed_demo(session: Session, *, days: int, seed: int, per_counter_day: float,
              secret_key: str, timezone: str, now: datetime | None = None) -> list[str]:
    """Create the demo data set of the ``days`` ending at ``now`` (default: this moment), with no
    vote after ``now``; refuses when units already exist. Returns a headline, the users, the
    shared password and the API token, one per line (the password third, the token last)."""
    if days < 1 or days > MAX_DAYS:
        raise ValueError(f"--days must be between 1 and {MAX_DAYS}")
    if session.scalar(select(func.count()).select_from(Unit)):
        raise ValueError("the database already has units; the demo only seeds an empty one")
    questionnaire = session.scalar(
        select(Questionnaire).where(Questionnaire.code == "KIOSK-3L", Questionnaire.version == 1)
    )
    if questionnaire is None:
        raise ValueError("KIOSK-3L v1 is missing: run 'flask --app survey_app db upgrade' first")
    rng = random.Random(seed)
    tz = ZoneInfo(timezone)
    now = (now or datetime.now(tz)).astimezone(tz)
    end = now.date()
    start = end - timedelta(days=days - 1)

    units, counters = _units_and_counters(session, now.date())
    devices = {}
    for code, unit_counters in counters.items():
        unit = units[code]
        # a tablet is set up when its unit opens (or when the history starts) and a legacy
        # ward's is revoked when the ward ends: the end of 30 June 2025
        opened = datetime.combine(max(start, unit.valid_from or start), time(7, 0), tz)
        closed = (datetime.combine(unit.valid_to + timedelta(days=1), time(0, 0), tz)
                  if unit.valid_to is not None else None)
        for counter in unit_counters:
            device, _ = register_kiosk(session, unit, counter, f"Máy tính bảng {counter.name}")
            device.created_at = min(opened, now)
            if closed is not None and closed <= now:
                device.revoked_at = closed
            devices[counter.id] = device

    admin_password = secrets.token_urlsafe(12)
    admin = create_user(session, "admin", "admin", admin_password)
    for username, role, unit_code in USERS:
        create_user(session, username, role, admin_password, units[unit_code])
    token = create_api_token(session, admin, "demo")

    item_ids = {i.code: i.id for i in questionnaire.items}
    n_votes = 0
    batch: list[dict] = []
    reasons_by_client: dict[uuid.UUID, list[str]] = {}
    for row, reasons in _votes(rng, units, counters, devices, start, end, per_counter_day, tz,
                               questionnaire.id):
        if row["received_at"] > now:  # today's later office hours have not happened yet
            continue
        batch.append(row)
        if reasons:
            reasons_by_client[row["client_id"]] = reasons
        if len(batch) >= 5000:
            n_votes += _insert_ballots(session, batch)
            batch = []
    n_votes += _insert_ballots(session, batch)
    _insert_answers(session, item_ids, reasons_by_client)
    _paper_batches(session, rng, questionnaire.id, start, end)
    sipas = session.scalar(select(Questionnaire).where(Questionnaire.code == "SIPAS-5E"))
    if sipas is not None:  # the web link of every unit asks the five-element form
        assign_questionnaire(session, units[dn.CITY[0]], "web", sipas, start)
    cells = rebuild_tallies(session)
    rebuild_breakdowns(session, tz)
    index_line = seed_demo_index(session, end.year)  # the index of the demo's year: /index/
    legacy = sum(1 for u in units.values() if u.valid_to is not None)
    users = ", ".join(f"{name} ({role}, {units[code].name})" for name, role, code in USERS)
    return [
        f"Demo seeded: today's {dn.CITY[1]}, {len(units) - legacy} units in force and {legacy} "
        f"legacy units ended on {LEGACY_UNTIL}; votes from {start} to {now:%Y-%m-%d %H:%M} "
        f"({n_votes} inserted, {cells} tally cells), before {REORGANISED_ON} at the legacy "
        f"wards.\n{index_line}",
        f"Users admin, {users} share this demo password:",
        admin_password,
        "API token for admin:",
        token,
    ]


def _units_and_counters(session: Session, today: date
                        ) -> tuple[dict[str, Unit], dict[str, list[Counter]]]:
    """Store the demo's units and their counters; a legacy ward's counters are closed
    (``active`` false) once it has ended."""
    units: dict[str, Unit] = {}
    counters: dict[str, list[Counter]] = {}
    for row in demo_unit_rows():
        unit = Unit(code=row.code, name=row.name, kind=row.kind,
                    parent=units[row.parent] if row.parent else None, stats_code=row.stats_code,
                    valid_from=row.valid_from, valid_to=row.valid_to,
                    successor=units[row.successor] if row.successor else None)
        session.add(unit)
        units[row.code] = unit
        ended = row.valid_to is not None and row.valid_to < today
        counters[row.code] = [Counter(unit=unit, code=f"Q{i}", name=f"Quầy số {i}",
                                      active=not ended)
                              for i in range(1, row.counters + 1)]
        session.add_all(counters[row.code])
    session.flush()
    return units, counters


def seeded_counts(session: Session) -> list[str]:
    """What the database holds, counted there: units, counters, tablets, users, ballots per
    channel with the flagged ones and their flags, paper batches, and the days voted on."""
    def count(model: type) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    per_channel = session.execute(
        select(Ballot.channel, Ballot.status, Ballot.flag_reason, func.count())
        .group_by(Ballot.channel, Ballot.status, Ballot.flag_reason)).all()
    first, last = session.execute(select(func.min(Ballot.local_day),
                                         func.max(Ballot.local_day))).one()
    lines = [f"Stored: {count(Unit)} units, {count(Counter)} counters, {count(KioskDevice)} "
             f"kiosk tablets, {count(UserAccount)} users, {count(PaperBatch)} paper batches.",
             f"Ballots: {sum(n for *_, n in per_channel)}, answered {first} to {last}:"]
    for channel in sorted({row[0] for row in per_channel}):
        rows = [row for row in per_channel if row[0] == channel]
        flags: dict[str, int] = {}
        for _, status, reason, n in rows:
            if status == "flagged":
                flags[reason] = flags.get(reason, 0) + n
        flagged = ", ".join(f"{n} flagged {reason}" for reason, n in sorted(flags.items()))
        lines.append(f"  {channel}: {sum(n for *_, n in rows)}"
                     + (f" ({flagged})" if flagged else ""))
    return lines


def _votes(rng: random.Random, units: dict[str, Unit], counters: dict[str, list[Counter]],
           devices: dict, start: date, end: date, per_counter_day: float, tz: ZoneInfo,
           questionnaire_id: int) -> Iterator[tuple[dict, list[str]]]:
    base = {code: rng.uniform(0.74, 0.96) for code in units}
    channels, channel_w = zip(*CHANNEL_MIX, strict=True)
    groups, group_w = zip(*GROUP_MIX, strict=True)
    reasons, reason_w = zip(*REASON_MIX, strict=True)
    total_days = (end - start).days + 1
    for offset in range(total_days):
        day = start + timedelta(days=offset)
        weekday = day.weekday()
        if weekday == 6 or (weekday == 5 and rng.random() < 0.6):
            continue
        season = 1.35 if day.month in (1, 2) else (0.8 if day.month in (7, 8) else 1.0)
        progress = offset / max(1, total_days - 1)
        for code, unit_counters in counters.items():
            unit = units[code]
            if not unit_counters or not unit.in_force(day):
                continue  # a legacy ward after 30 June 2025, a commune before 1 July 2025
            kind = "commune_2025" if unit.kind == "commune" and day >= REORGANISED_ON else unit.kind
            fields = FIELDS_BY_KIND.get(kind, ["Khác"])
            for counter in unit_counters:
                load = per_counter_day * season * (0.5 if weekday == 5 else 1.0)
                for _ in range(_poisson(rng, load)):
                    p_sat = min(0.99, base[code] + 0.04 * progress - (0.05 if season > 1 else 0))
                    u = rng.random()
                    if u < p_sat * rng.uniform(0.45, 0.65):
                        level = "very_satisfied"
                    elif u < p_sat:
                        level = "satisfied"
                    else:
                        level = "not_satisfied"
                    minute = rng.choice((rng.randint(450, 690), rng.randint(810, 1020)))
                    local = datetime.combine(day, time(minute // 60, minute % 60), tz)
                    answered = local.astimezone(timezone.utc)
                    channel = rng.choices(channels, channel_w)[0]
                    why: list[str] = []
                    if level == "not_satisfied" and channel == "kiosk" and rng.random() < 0.6:
                        why = sorted(set(rng.choices(reasons, reason_w, k=rng.randint(1, 2))))
                    flag, rate = FLAGS_BY_CHANNEL.get(channel, (None, 0.0))
                    flagged = rng.random() < rate
                    client_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                    answers = {"overall": level, **({"reasons": why} if why else {})}
                    row = {
                        "client_id": client_id, "unit_id": unit.id,
                        "counter_id": counter.id if channel in ("kiosk", "qr_counter") else None,
                        "channel": channel, "questionnaire_id": questionnaire_id,
                        "answered_at": answered,
                        "received_at": answered + timedelta(seconds=rng.randint(1, 30)),
                        "counted_at": answered, "local_day": day, "level": level,
                        "status": "flagged" if flagged else "valid",
                        "flag_reason": flag if flagged else None,
                        "respondent_group": rng.choices(groups, group_w)[0],
                        "procedure_field": rng.choice(fields),
                        "device_id": devices[counter.id].id if channel == "kiosk" else None,
                        "content_hash": fingerprint({"demo": str(client_id), **answers}),
                    }
                    yield row, why


def _paper_batches(session: Session, rng: random.Random, questionnaire_id: int, start: date,
                   end: date) -> None:
    """Each unit's paper ballots of a month become one batch, its sheets serials 1…n in the
    order they were keyed, with a few more printed than came back (as a clerk would record)."""
    rows = session.execute(
        select(Ballot.id, Ballot.unit_id, Ballot.local_day, Ballot.received_at)
        .where(Ballot.channel == "paper")
        .order_by(Ballot.unit_id, Ballot.local_day, Ballot.received_at, Ballot.id)).all()
    months: dict[tuple[int, int, int], list] = {}
    for row in rows:
        months.setdefault((row.unit_id, row.local_day.year, row.local_day.month), []).append(row)
    batches = {}
    for (unit_id, year, month), sheets in months.items():
        first = date(year, month, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        batches[unit_id, year, month] = PaperBatch(
            unit_id=unit_id, questionnaire_id=questionnaire_id, label=f"Tháng {month}/{year}",
            period_from=max(first, start), period_to=min(last, end),
            issued=len(sheets) + rng.randint(3, 30), returned=len(sheets),
            created_at=sheets[0].received_at)
    if not batches:
        return
    session.add_all(batches.values())
    session.flush()
    session.execute(insert(PaperSheet.__table__), [
        {"batch_id": batches[key].id, "serial": serial, "ballot_id": sheet.id,
         "keyed_at": sheet.received_at}
        for key, sheets in months.items() for serial, sheet in enumerate(sheets, start=1)])


def _insert_ballots(session: Session, rows: list[dict]) -> int:
    if rows:
        session.execute(insert(Ballot.__table__), rows)
    return len(rows)


def _insert_answers(session: Session, item_ids: dict[str, int],
                    reasons_by_client: dict[uuid.UUID, list[str]]) -> None:
    """Overall answers in one INSERT … SELECT; reasons for the few ballots that have them."""
    session.execute(insert(Answer.__table__).from_select(
        ["ballot_id", "item_id", "value"],
        select(Ballot.id, literal(item_ids["overall"]), Ballot.level),
    ))
    client_ids = list(reasons_by_client)
    for k in range(0, len(client_ids), 2000):
        chunk = client_ids[k:k + 2000]
        rows = session.execute(select(Ballot.id, Ballot.client_id)
                               .where(Ballot.client_id.in_(chunk)))
        answers = [{"ballot_id": ballot_id, "item_id": item_ids["reasons"], "value": reason}
                   for ballot_id, client_id in rows for reason in reasons_by_client[client_id]]
        if answers:
            session.execute(insert(Answer.__table__), answers)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; means here are small."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
