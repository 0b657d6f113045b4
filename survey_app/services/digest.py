"""The weekly digest: each Monday (the first worker round of an ISO week), every unit with an
alert rule that names an e-mail address gets, at that address, last week's figures — n, the
satisfaction rate with its 95 % interval, the change against the week before, the most given
reasons for "Chưa hài lòng", open and overdue follow-up cases — with the meeting report PDF of
the week attached.

Who receives it: the e-mail addresses of the unit's alert rules (one digest per unit and
address, however many rules name it). No table of its own: whoever is told when a unit goes
wrong is told every week how it went. Queued in the outbox once per ISO week, unit and address:
the message's event id is derived from the three (``uuid5``), checked under a lock before it is
written, so a second round, or a second worker, in the same week queues nothing.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import lock_key
from ..domain.dashboard import Dashboard
from ..domain.periods import Period, local_date
from ..models import AlertRule, OutboxMessage, Unit
from . import outbox
from .cases import cases_of
from .dashboard import build_dashboard

NAMESPACE = uuid.UUID("6f1d3c2e-8a54-4a7e-9d0b-5b7f1f4c2a10")
#: At most this many reasons are named in the mail.
TOP_REASONS = 3


@dataclass(frozen=True, slots=True)
class Week:
    year: int
    number: int
    period: Period

    @property
    def label(self) -> str:
        return f"tuần {self.number}/{self.year}"


def last_week(today: date) -> Week:
    """The ISO week (Monday–Sunday) before the one ``today`` is in."""
    monday = today - timedelta(days=today.weekday() + 7)
    year, number, _ = monday.isocalendar()
    return Week(year, number, Period(monday, monday + timedelta(days=6)))


def subscriptions(session: Session) -> list[tuple[Unit, str]]:
    """(unit, address) pairs that receive a digest, by unit code then address."""
    rows = session.execute(select(Unit, AlertRule.email).join(Unit, Unit.id == AlertRule.unit_id)
                           .where(AlertRule.email.is_not(None)).distinct())
    return sorted(((u, str(e)) for u, e in rows), key=lambda r: (r[0].code, r[1]))


def event_id(unit: Unit, email: str, week: Week) -> str:
    return str(uuid.uuid5(NAMESPACE, f"digest|{unit.code}|{email.lower()}|{week.year}-W"
                                     f"{week.number:02d}"))


def queue_digest(session: Session, unit: Unit, email: str, now: datetime, *, tz: ZoneInfo,
                 min_n: int, render_pdf: Callable[[Dashboard], bytes], base_url: str = ""
                 ) -> bool:
    """Queue last week's digest of ``unit`` for ``email`` unless it was queued already;
    answers whether it queued one."""
    today = local_date(now, tz)
    week = last_week(today)
    key = event_id(unit, email, week)
    lock_key(session, "digest", key)
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.event_id == key)) is not None:
        return False
    dash = build_dashboard(session, unit, week.period, min_n=min_n, tz=tz)
    open_cases = len(cases_of(session, unit.id, open_only=True, limit=100_000))
    overdue = len(cases_of(session, unit.id, overdue_on=today, limit=100_000))
    subject, text, html = compose(dash, week, open_cases, overdue, base_url)
    message = outbox.enqueue_email(session, to=email, subject=subject, text=text, html=html,
                                   attachments=[{
                                       "filename": f"bao-cao-{unit.code}-{week.year}-W"
                                                   f"{week.number:02d}.pdf",
                                       "content_type": "application/pdf",
                                       "data": base64.b64encode(render_pdf(dash)).decode()}])
    message.event_id = key
    session.flush()
    return True


def _pct(value: object) -> str:
    return "—" if value is None else f"{value}%".replace(".", ",")


def _signed(value: object) -> str:
    if value is None:
        return "không so sánh được (một trong hai tuần chưa có phiếu)"
    text = f"{value:+}".replace(".", ",")
    return f"{text} điểm phần trăm"


def compose(dash: Dashboard, week: Week, open_cases: int, overdue: int, base_url: str
            ) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one digest (Vietnamese)."""
    o = dash.overall
    ci = o.interval_pct()
    previous = dash.comparisons[0] if dash.comparisons else None
    dates = f"{week.period.start:%d/%m/%Y} – {week.period.end:%d/%m/%Y}"
    subject = f"Báo cáo {week.label}: {dash.unit_name}"
    lines = [
        f"{dash.unit_name} — {week.label} ({dates})",
        "",
        f"Số phiếu hợp lệ: {o.n}",
        f"Tỷ lệ hài lòng: {_pct(o.rate_pct())}"
        + (f" (khoảng tin cậy 95%: {_pct(ci[0])} – {_pct(ci[1])})" if ci else ""),
    ]
    if not o.sufficient(dash.min_n):
        lines.append(f"Chưa đủ số phiếu (cần ít nhất {dash.min_n}) để kết luận.")
    if previous is not None:
        lines.append(f"So với tuần trước ({previous.line.n} phiếu): "
                     f"{_signed(previous.change_pts())}")
    reasons = dash.reasons[:TOP_REASONS]
    lines.append("Lý do chưa hài lòng nhiều nhất: " + (
        "; ".join(f"{label} ({n})" for _k, label, n in reasons) if reasons else "không có"))
    lines.append(f"Phản ánh đang mở: {open_cases}; quá hạn: {overdue}")
    if base_url:
        lines += ["", f"Xem chi tiết: {base_url.rstrip('/')}/officer/dashboard?unit="
                      f"{dash.unit_code}&kind=custom&from={week.period.start}"
                      f"&to={week.period.end}"]
    lines += ["", "Báo cáo họp (PDF) đính kèm."]
    text = "\n".join(lines) + "\n"
    html = ("<html><body>" + "".join(
        f"<p>{escape(line)}</p>" if line else "" for line in lines) + "</body></html>")
    return subject, text, html
