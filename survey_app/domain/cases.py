"""Follow-up cases (phản ánh, kiến nghị): their states, due dates and callback numbers."""

from __future__ import annotations

import re
from datetime import date, timedelta

#: mới → đang xử lý → đã trả lời → đóng; a case only moves forward, one step at a time.
STATE_LABELS = {"new": "Mới", "in_progress": "Đang xử lý", "answered": "Đã trả lời",
                "closed": "Đóng"}
NEXT_STATE = {"new": "in_progress", "in_progress": "answered", "answered": "closed"}

_SEPARATORS = re.compile(r"[\s.\-()]")


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days (Monday–Friday) after ``start``."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def callback_phone(text: str) -> str | None:
    """A Vietnamese phone number in its national form (``0905123456``), or None when ``text``
    is not one: 10 or 11 digits starting with 0, or the same after +84 / 84."""
    digits = _SEPARATORS.sub("", text.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) not in (10, 11) or not digits.startswith("0") or digits[1] == "0":
        return None
    return digits
