"""Untrusted text from query strings, forms and JSON bodies, read strictly and without raising.

- Whole numbers are ASCII digits only. ``str.isdigit`` also accepts "²" (on which ``int`` then
  raises) and ``int`` accepts "٣" or "１２"; ``int`` also raises on more than 4300 digits.
  :func:`ascii_int` takes at most 18 digits, so every value it returns fits in 64 bits.
- Text must be encodable as UTF-8. A JSON string may carry a lone surrogate (``"\\ud800"``),
  which no database driver, hash or log line can encode; forms and query strings cannot (the
  request parser keeps undecodable percent escapes as they are).
- Dates typed into forms and query strings lie in :data:`MIN_DATE` … :data:`MAX_DATE`
  (2000–2100): far enough from ``date.min`` and ``date.max`` that period arithmetic (the
  previous period, a year earlier, the UTC bounds of a local day) never leaves the calendar.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

_ASCII_INT = re.compile(r"[0-9]{1,18}")
_SURROGATE = re.compile("[\ud800-\udfff]")

MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)


def ascii_int(text: Any, low: int | None = None, high: int | None = None) -> int | None:
    """``text`` as a whole number of ASCII digits (surrounding spaces ignored) within
    ``low`` … ``high``; None for anything else (signs, decimals, other scripts' digits)."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not _ASCII_INT.fullmatch(text):
        return None
    value = int(text)
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return value


def encodable(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8 (no lone surrogates)."""
    return not _SURROGATE.search(text)


def printable(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, for echoing it in a message."""
    return _SURROGATE.sub("\ufffd", text)


def unencodable(value: Any) -> bool:
    """Whether a decoded JSON value holds a string (or a key) that is not valid UTF-8 text."""
    if isinstance(value, str):
        return not encodable(value)
    if isinstance(value, Mapping):
        return any(unencodable(k) or unencodable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(unencodable(v) for v in value)
    return False


def unencodable_fields(payload: Mapping[Any, Any], nested: Collection[str] = ()) -> list[str]:
    """The fields of a JSON object whose name or value is not valid UTF-8 text; for a field
    named in ``nested`` that holds an object, its own bad fields as ``field.key``. Names are
    given through :func:`printable`, so they can be echoed in the error answer."""
    bad: list[str] = []
    for name, value in payload.items():
        key = str(name)
        if not encodable(key):
            bad.append(printable(key))
        elif key in nested and isinstance(value, Mapping):
            bad.extend(f"{key}.{sub}" for sub in unencodable_fields(value))
        elif unencodable(value):
            bad.append(key)
    return bad


def iso_date(text: Any) -> date | None:
    """An ISO date ``YYYY-MM-DD`` (exactly ten ASCII characters); None otherwise."""
    if not isinstance(text, str) or len(text) != 10 or not text.isascii():
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def in_date_range(day: date) -> bool:
    """Whether ``day`` is within :data:`MIN_DATE` … :data:`MAX_DATE`."""
    return MIN_DATE <= day <= MAX_DATE
