"""A believable demo: Đà Nẵng's administrative units, counters, kiosks, users and a year of votes.

Votes follow office hours in local time, weekday and seasonal patterns (the busy weeks before
Tết), a different satisfaction level per unit that improves slowly over the year, a realistic
channel mix and "why?" reasons after some bad votes. They are inserted in bulk and the rollup is
then rebuilt from them, so the demo exercises the same rebuild path as production.
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

from ..models import Answer, Ballot, Counter, Questionnaire, Unit
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


def seed_demo(session: Session, *, days: int, seed: int, per_counter_day: float,
              secret_key: str, timezone: str) -> list[str]:
    """Create the demo data set; refuses when units already exist. Returns summary lines."""
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

    end = datetime.now(tz).date()
    start = end - timedelta(days=days - 1)
    item_ids = {i.code: i.id for i in questionnaire.items}
    n_votes = 0
    batch: list[dict] = []
    reasons_by_client: dict[uuid.UUID, list[str]] = {}
    for row, reasons in _votes(rng, units, counters, devices, start, end, per_counter_day, tz,
                               questionnaire.id):
        batch.append(row)
        if reasons:
            reasons_by_client[row["client_id"]] = reasons
        if len(batch) >= 5000:
            n_votes += _insert_ballots(session, batch)
            batch = []
    n_votes += _insert_ballots(session, batch)
    _insert_answers(session, item_ids, reasons_by_client)
    sipas = session.scalar(select(Questionnaire).where(Questionnaire.code == "SIPAS-5E"))
    if sipas is not None:  # the web link of every unit asks the five-element form
        assign_questionnaire(session, units["DN"], "web", sipas, start)
    cells = rebuild_tallies(session)
    rebuild_breakdowns(session, tz)
    seed_demo_index(session, end.year)  # the index of the demo's year: /index/
    return [
        f"Demo seeded: {len(units)} units, {sum(map(len, counters.values()))} counters, "
        f"{len(devices)} kiosk devices, {n_votes} votes from {start} to {end} "
        f"({cells} tally cells).",
        "Users admin, canbo.haichau (officer, Quận Hải Châu), nhapphieu.haichau (clerk) share "
        "this demo password:",
        admin_password,
        "API token for admin:",
        token,
    ]


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
                    flagged = rng.random() < 0.003
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
                        "flag_reason": "burst" if flagged else None,
                        "respondent_group": rng.choices(groups, group_w)[0],
                        "procedure_field": rng.choice(fields),
                        "device_id": devices[counter.id].id if channel == "kiosk" else None,
                        "content_hash": fingerprint({"demo": str(client_id), **answers}),
                    }
                    yield row, why


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
