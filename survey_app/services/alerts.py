"""Alert rules: tell a unit's officers, while it happens, that citizens are leaving unhappy.

A rule watches a unit subtree: over the last ``window_hours`` hours, when at least ``min_n``
valid votes were counted and the "Chưa hài lòng" share reaches ``threshold_pct`` percent (exact
integer arithmetic: ``not_satisfied × 100 ≥ threshold × n``), it fires — once: the rule remembers
the episode in ``firing`` and stays quiet while the share stays at or above the threshold. When
the share falls below the threshold (again with at least ``min_n`` votes) a "back to normal"
message follows. With fewer than ``min_n`` votes nothing changes: too few votes are no evidence
either way. A rule also tells its recipients of every follow-up case opened in its subtree.

Messages go to the outbox (e-mail to the rule's address, a signed event to its webhook) in the
transaction that flips ``firing``, with an audit event (``alert.fired`` / ``alert.cleared``,
actor ``worker``); two workers evaluating one rule flip it once.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..domain.problems import Problem
from ..models import AlertRule, Ballot, Unit
from . import outbox
from .audit import record_action
from .errors import Invalid, NotFound
from .state import transition
from .units import in_subtree, subtree_ids
from .webhooks import webhook_by_url

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime
    n: int
    not_satisfied: int

    def reaches(self, threshold_pct: int) -> bool:
        return self.not_satisfied * 100 >= threshold_pct * self.n

    @property
    def share(self) -> float:
        """The share in percent, one decimal (for messages; decisions use integers)."""
        return round(self.not_satisfied * 100 / self.n, 1) if self.n else 0.0


def add_rule(session: Session, *, unit: Unit, email: str | None, webhook_url: str | None,
             threshold_pct: Any, window_hours: Any, min_n: Any) -> AlertRule:
    """Create a rule; :class:`Invalid` lists every bad field."""
    problems: dict[str, Problem] = {}
    if not email and not webhook_url:
        problems["email"] = Problem("alert_needs_recipient")
    if email and not EMAIL.match(email):
        problems["email"] = Problem("bad_email")
    hook = webhook_by_url(session, webhook_url) if webhook_url else None
    if webhook_url and hook is None:
        problems["webhook"] = Problem("unknown_webhook")
    numbers = {}
    for name, value, low, high in (("threshold", threshold_pct, 1, 100),
                                   ("window_hours", window_hours, 1, 720),
                                   ("min_n", min_n, 1, 100_000)):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems[name] = Problem("out_of_range", {"low": low, "high": high})
        numbers[name] = value
    if problems:
        raise Invalid(problems=problems)
    rule = AlertRule(unit_id=unit.id, email=email or None, webhook_id=hook.id if hook else None,
                     threshold_pct=numbers["threshold"], window_hours=numbers["window_hours"],
                     min_n=numbers["min_n"], firing=False)
    session.add(rule)
    session.flush()
    return rule


def remove_rule(session: Session, rule_id: int) -> AlertRule:
    rule = session.get(AlertRule, rule_id)
    if rule is None:
        raise NotFound("unknown_alert_rule")
    session.delete(rule)
    session.flush()
    return rule


def rules(session: Session) -> list[tuple[AlertRule, Unit]]:
    return [(r, u) for r, u in session.execute(
        select(AlertRule, Unit).join(Unit, Unit.id == AlertRule.unit_id).order_by(AlertRule.id))]


def window(session: Session, rule: AlertRule, now: datetime) -> Window:
    """Valid votes of the rule's subtree counted in the last ``window_hours`` hours."""
    start = now - timedelta(hours=rule.window_hours)
    n, bad = session.execute(
        select(func.count(), func.coalesce(func.sum(
            case((Ballot.level == "not_satisfied", 1), else_=0)), 0))
        .where(Ballot.unit_id.in_(subtree_ids(rule.unit_id)), Ballot.status == "valid",
               Ballot.level.is_not(None), Ballot.counted_at > start,
               Ballot.counted_at <= now,
               # a bound the (unit, local_day) index can use; a day early for any time zone
               Ballot.local_day >= (start - timedelta(days=1)).date())).one()
    return Window(start, now, int(n), int(bad))


def evaluate(session: Session, rule: AlertRule, now: datetime, *, base_url: str = ""
             ) -> str | None:
    """Fire or clear one rule; answers ``"fired"``, ``"cleared"`` or None (no change). Raises
    :class:`~.state.AlreadyChanged` when another worker flipped it first."""
    w = window(session, rule, now)
    if w.n < rule.min_n:
        return None
    above = w.reaches(rule.threshold_pct)
    if above == rule.firing:
        return None
    transition(session, AlertRule, rule.id, AlertRule.firing.is_(rule.firing), firing=above)
    unit = session.get(Unit, rule.unit_id)
    assert unit is not None
    event = "alert.fired" if above else "alert.cleared"
    # audited in the transaction that flips the rule: once per episode, whichever worker won
    audit = record_action(session, None, event, "alert_rule", rule.id, unit=unit.code,
                          share=w.share, n=w.n, not_satisfied=w.not_satisfied,
                          threshold=rule.threshold_pct, window_from=w.start.isoformat(),
                          window_to=w.end.isoformat())
    audit.actor = "worker"
    _notify(session, rule, unit, event, w, base_url)
    return "fired" if above else "cleared"


def notify_case(session: Session, unit: Unit, case_id: int, now: datetime, *,
                base_url: str = "") -> int:
    """Tell every rule watching ``unit`` of a new case; answers how many rules were told."""
    told = 0
    for rule, _ in rules(session):
        if in_subtree(session, rule.unit_id, unit.id):
            w = Window(now, now, 0, 0)
            _notify(session, rule, unit, "case.opened", w, base_url, case_id=case_id)
            told += 1
    return told


SUBJECTS = {
    "alert.fired": "Cảnh báo: tỷ lệ Chưa hài lòng {share}% — {unit}",
    "alert.cleared": "Đã trở lại bình thường: tỷ lệ Chưa hài lòng {share}% — {unit}",
    "case.opened": "Phản ánh mới #{case} — {unit}",
}


def _notify(session: Session, rule: AlertRule, unit: Unit, event: str, w: Window,
            base_url: str, case_id: int | None = None) -> None:
    path = (f"/officer/cases/{case_id}" if case_id is not None
            else f"/officer/comments?unit={unit.code}&kind=custom"
                 f"&from={w.start.date().isoformat()}&to={w.end.date().isoformat()}")
    url = base_url.rstrip("/") + path
    share = f"{w.share:.1f}".replace(".", ",")
    subject = SUBJECTS[event].format(share=share, unit=unit.name, case=case_id)
    if event == "case.opened":
        text = (f"Một phản ánh mới (#{case_id}) của {unit.name} cần được xử lý.\n"
                f"Xem và xử lý: {url}\n")
    else:
        hours = rule.window_hours
        text = (f"{unit.name}: trong {hours} giờ qua có {w.n} phiếu hợp lệ, "
                f"{w.not_satisfied} phiếu Chưa hài lòng ({share}%); ngưỡng cảnh báo "
                f"{rule.threshold_pct}% với ít nhất {rule.min_n} phiếu.\n"
                f"Xem ý kiến người dân: {url}\n")
    html = "".join(f"<p>{escape(line)}</p>" for line in text.splitlines())
    html = html.replace(escape(url), f'<a href="{escape(url)}">{escape(url)}</a>')
    if rule.email:
        outbox.enqueue_email(session, to=rule.email, subject=subject, text=text, html=html)
    if rule.webhook_id is not None:
        outbox.enqueue_event(session, rule.webhook_id, {
            "id": str(uuid.uuid4()), "event": event, "unit": unit.code, "rule": rule.id,
            "share": w.share if case_id is None else None, "n": w.n,
            "window": {"from": w.start.isoformat(), "to": w.end.isoformat()},
            "url": url, **({"case": case_id} if case_id is not None else {})})
