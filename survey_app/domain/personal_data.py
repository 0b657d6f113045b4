"""Masking phone and ID numbers that citizens type into free-text answers.

Citizens write "gọi lại cho tôi 0905 123 456" or their CCCD number into a comment. Every free
text answer passes through :func:`mask_numbers` before it is stored (``validate_answers`` calls
it), so the clear number never reaches the database, a log line or an export.

What counts as a number to mask: a run of digit groups, each joined to the next by one space,
dot or hyphen (a leading ``+`` allowed), holding 9 to 12 digits — Vietnamese phone numbers
(``0905123456``, ``+84 905 123 456``, ``84905123456``) and identity numbers (9-digit CMND,
12-digit CCCD). A run with more groups than that is searched for such a window, first one that
starts like a phone or CCCD number (``0``, ``84``, ``+84``), then any. Shorter numbers ("3 lần",
"năm 2025", "quầy 12") stay as typed. The mask is always seven bullets and the last three digits
(``•••••••456``), so it reveals neither the length nor the kind of number.
"""

from __future__ import annotations

import re

MASK = "•" * 7
KEPT_DIGITS = 3
MIN_DIGITS = 9
MAX_DIGITS = 12

#: Digit groups joined by single separators; ``[0-9]`` so other scripts' digits are left alone.
_RUN = re.compile(r"\+?[0-9]+(?:[ .\-][0-9]+)*")
_GROUP = re.compile(r"\+?[0-9]+")


def mask_numbers(text: str) -> str:
    """The text with every phone-like or ID-like number replaced by ``•••••••`` + last 3 digits."""
    if sum(ch.isascii() and ch.isdigit() for ch in text) < MIN_DIGITS:
        return text
    return _RUN.sub(_mask_run, text)


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    groups = [(g.start(), g.end(), g.group(0)) for g in _GROUP.finditer(run)]
    masked = [False] * len(groups)
    spans: list[tuple[int, int]] = []
    for phone_like_only in (True, False):
        i = 0
        while i < len(groups):
            window = None if masked[i] else _window(groups, masked, i, phone_like_only)
            if window is None:
                i += 1
                continue
            for k in range(i, window + 1):
                masked[k] = True
            spans.append((i, window))
            i = window + 1
    if not spans:
        return run
    out: list[str] = []
    position = 0
    for first, last in sorted(spans):
        start, end = groups[first][0], groups[last][1]
        digits = "".join(ch for ch in run[start:end] if ch.isdigit())
        out.append(run[position:start])
        out.append(MASK + digits[-KEPT_DIGITS:])
        position = end
    out.append(run[position:])
    return "".join(out)


def _window(groups: list[tuple[int, int, str]], masked: list[bool], first: int,
            phone_like_only: bool) -> int | None:
    """The last group of the longest window from ``first`` holding 9–12 digits, if any."""
    if phone_like_only and not groups[first][2].lstrip("+").startswith(("0", "84")):
        return None
    digits = 0
    best = None
    for k in range(first, len(groups)):
        if masked[k]:
            break
        digits += len(groups[k][2].lstrip("+"))
        if digits > MAX_DIGITS:
            break
        if digits >= MIN_DIGITS:
            best = k
    return best
