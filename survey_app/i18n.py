"""The language of the current request: Vietnamese unless the caller asks for English."""

from __future__ import annotations

from flask import request

LANGUAGES = ("vi", "en")


def current_language() -> str:
    """``?lang=`` wins, then a ``lang`` cookie, then Accept-Language; Vietnamese by default."""
    for candidate in (request.args.get("lang"), request.cookies.get("lang")):
        if candidate in LANGUAGES:
            return candidate
    best = request.accept_languages.best_match(LANGUAGES)
    return best if best in LANGUAGES else "vi"
