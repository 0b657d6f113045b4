"""A believable demo: Đà Nẵng's administrative units, counters, kiosks, users and a year of votes.

Votes follow office hours in local time, weekday and seasonal patterns (the busy weeks before
Tết), a different satisfaction level per unit that improves slowly over the year, a realistic
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
from .accounts import create_api_token, create_user, register_kiosk
from .breakdowns import rebuild_breakdowns
from .demo_index import seed_demo_index
from .questionnaires import assign_questionnaire
from .security import fingerprint
from .tallies import rebuild_tallies

# code, name, kind, parent, counters
UNITS: list[tuple[str, str, str, str | None, int]] = [
    ("DN", "Thành phố Đà Nẵng", "province", None, 0),
    ("TTPVHCC", "Trung tâm Phục vụ hành chính công thành phố", "service_centre", "DN", 6),
    ("STP", "Sở Tư pháp", "department", "DN", 2),
    ("SXD", "Sở Xây dựng", "department", "DN", 2),
    ("STNMT", "Sở Tài nguyên và Môi trường", "department", "DN", 2),
    ("SKHDT", "Sở Kế hoạch và Đầu tư", "department", "DN", 2),
    ("CAT", "Công an thành phố Đà Nẵng", "central_agency", "DN", 2),
    ("HC", "Quận Hải Châu", "district", "DN", 3),
    ("TK", "Quận Thanh Khê", "district", "DN", 3),
    ("ST", "Quận Sơn Trà", "district", "DN", 3),
    ("NHS", "Quận Ngũ Hành Sơn", "district", "DN", 2),
    ("LC", "Quận Liên Chiểu", "district", "DN", 3),
    ("CL", "Quận Cẩm Lệ", "district", "DN", 2),
    ("HV", "Huyện Hòa Vang", "district", "DN", 2),
    ("HC-TT", "Phường Thạch Thang", "commune", "HC", 1),
    ("HC-HC1", "Phường Hải Châu I", "commune", "HC", 2),
    ("HC-HCB", "Phường Hòa Cường Bắc", "commune", "HC", 2),
    ("TK-AK", "Phường An Khê", "commune", "TK", 1),
    ("TK-TC", "Phường Thanh Khê Đông", "commune", "TK", 1),
    ("ST-AHB", "Phường An Hải Bắc", "commune", "ST", 2),
    ("ST-MA", "Phường Mân Thái", "commune", "ST", 1),
    ("LC-HKB", "Phường Hòa Khánh Bắc", "commune", "LC", 2),
    ("LC-HM", "Phường Hòa Minh", "commune", "LC", 1),
    ("CL-HTT", "Phường Hòa Thọ Tây", "commune", "CL", 1),
    ("HV-HB", "Xã Hòa Bắc", "commune", "HV", 1),
    ("HV-HP", "Xã Hòa Phong", "commune", "HV", 1),
    ("HV-HN", "Xã Hòa Nhơn", "commune", "HV", 1),
]

FIELDS_BY_KIND = {
    "service_centre": ["Đất đai", "Đầu tư", "Xây dựng", "Lao động", "Giao thông vận tải"],
    "department": ["Kinh doanh", "Xây dựng", "Đất đai", "Lý lịch tư pháp", "Công chứng"],
    "central_agency": ["Cư trú", "Căn cước", "Xuất nhập cảnh"],
    "district": ["Đất đai", "Xây dựng", "Kinh doanh", "Hộ tịch", "Chứng thực"],
    "commune": ["Hộ tịch", "Chứng thực", "Bảo trợ xã hội", "Đất đai"],
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


def seed_demo(session: Session, *, days: int, seed: int, per_counter_day: float,
              secret_key: str, timezone: str, now: datetime | None = None) -> list[str]:
    """Create the demo data set of the ``days`` ending at ``now`` (default: this moment), with no
    vote after ``now``; refuses when units already exist. Returns a headline, the users, the
    shared password and the API token, one per line (the password third, the token last)."""
    if days < 1 or days > 3 * 366:
        raise ValueError("--days must be between 1 and 1098")
    if session.scalar(select(func.count()).select_from(Unit)):
        raise ValueError("the database already has units; the demo only seeds an empty one")
    questionnaire = session.scalar(
        select(Questionnaire).where(Questionnaire.code == "KIOSK-3L", Questionnaire.version == 1)
    )
    if questionnaire is None:
        raise ValueError("KIOSK-3L v1 is missing: run 'flask --app survey_app db upgrade' first")
    rng = random.Random(seed)
    tz = ZoneInfo(timezone)

    units: dict[str, Unit] = {}
    counters: dict[str, list[Counter]] = {}
    for code, name, kind, parent, n_counters in UNITS:
        unit = Unit(code=code, name=name, kind=kind, parent=units.get(parent) if parent else None)
        session.add(unit)
        units[code] = unit
        counters[code] = [Counter(unit=unit, code=f"Q{i}", name=f"Quầy số {i}")
                          for i in range(1, n_counters + 1)]
        session.add_all(counters[code])
    session.flush()
    devices = {}
    for code, unit_counters in counters.items():
        for counter in unit_counters:
            devices[counter.id], _ = register_kiosk(session, units[code], counter,
                                                    f"Máy tính bảng {counter.name}")

    admin_password = secrets.token_urlsafe(12)
    admin = create_user(session, "admin", "admin", admin_password)
    create_user(session, "canbo.haichau", "officer", admin_password, units["HC"])
    create_user(session, "nhapphieu.haichau", "clerk", admin_password, units["HC"])
    token = create_api_token(session, admin, "demo")

    now = (now or datetime.now(tz)).astimezone(tz)
    end = now.date()
    start = end - timedelta(days=days - 1)
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
        assign_questionnaire(session, units["DN"], "web", sipas, start)
    cells = rebuild_tallies(session)
    rebuild_breakdowns(session, tz)
    index_line = seed_demo_index(session, end.year)  # the index of the demo's year: /index/
    return [
        f"Demo seeded: votes from {start} to {now:%Y-%m-%d %H:%M} ({n_votes} inserted, "
        f"{cells} tally cells).\n{index_line}",
        "Users admin, canbo.haichau (officer, Quận Hải Châu), nhapphieu.haichau (clerk) share "
        "this demo password:",
        admin_password,
        "API token for admin:",
        token,
    ]


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
            fields = FIELDS_BY_KIND.get(unit.kind, ["Khác"])
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
