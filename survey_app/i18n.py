"""The language of the current request: Vietnamese unless the caller asks for English."""

from __future__ import annotations

from flask import request

LANGUAGES = ("vi", "en")


def asked_language() -> str:
    """Only the explicit ``?lang=`` parameter; Vietnamese otherwise.

    The public results pages (``/cong-khai/``) use this alone: a page's language then depends
    on its URL only, so shared caches and ETags need no ``Vary`` on a header or a cookie.
    """
    candidate = request.args.get("lang")
    return candidate if candidate in LANGUAGES else "vi"


def current_language(*, negotiate: bool = True) -> str:
    """``?lang=`` wins, then a ``lang`` cookie, then (with ``negotiate``) Accept-Language;
    Vietnamese by default.

    Citizen pages do not negotiate: a phone set to English still shows the Vietnamese ballot
    first, with a visible switch.
    """
    for candidate in (request.args.get("lang"), request.cookies.get("lang")):
        if candidate in LANGUAGES:
            return candidate
    if not negotiate:
        return "vi"
    best = request.accept_languages.best_match(LANGUAGES)
    return best if best in LANGUAGES else "vi"
