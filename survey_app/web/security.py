"""HTTP hardening applied to every response and request.

- Security headers: a Content-Security-Policy without 'unsafe-inline' for scripts anywhere and
  without inline styles on citizen and kiosk pages, no framing, no MIME sniffing, no referrer
  leaking a receipt code to another site, HSTS in production.
- JSON bodies nested deeply enough to exhaust the parser's recursion are treated as invalid JSON
  (422), not as a server error.
- NUL characters, which PostgreSQL refuses in text, are refused at the door (400) in query
  strings and forms; in JSON bodies the database's refusal becomes a 422. Other values no
  database can hold that slip past validation (numbers beyond 64 bits, dates past year 9999,
  lone surrogates) are a 422 on the APIs and a 400 page elsewhere, never a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, Response, abort, request
from sqlalchemy.exc import DataError, StatementError
from werkzeug.routing import IntegerConverter

#: Officer pages embed matplotlib SVG, whose elements carry style attributes.
STYLED_PREFIXES = ("/officer", "/index", "/admin")

BASE_CSP = (
    "default-src 'self'; script-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id, 1 … 2³¹−1. Larger numbers do not match (404) instead of
    overflowing the database driver (found by schemathesis)."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)


class SafeJSONRequest(Request):
    """``get_json(silent=True)`` also returns None for JSON nested beyond the parser's limit."""

    def get_json(self, force: bool = False, silent: bool = False,
                 cache: bool = True) -> Any:
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise


def init_app(app: Flask) -> None:
    app.request_class = SafeJSONRequest
    app.url_map.converters["id"] = IdConverter
    production = app.config["ENV"] == "production"

    @app.before_request
    def _refuse_nul() -> None:
        values = list(request.args.values())
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values += list(request.form.values())
        if any("\x00" in v for v in values) or "\x00" in request.path:
            abort(400)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    @app.errorhandler(UnicodeEncodeError)
    def _bad_data(exc: Exception) -> Response:
        # A value the database cannot hold (NUL in text, a number beyond 64 bits, a date past
        # year 9999, a lone surrogate) that slipped past validation: the caller's input is
        # wrong, nothing was stored. A page on HTML routes, JSON on the APIs.
        from ..errors import error_page, json_error, wants_json

        app.logger.warning("refused a value the database cannot hold: %s",
                           type(getattr(exc, "orig", None) or exc).__name__)
        if not wants_json():
            return error_page(400, "Dữ liệu gửi lên chứa giá trị không hợp lệ.")
        return json_error(422, "invalid", {"body": "Dữ liệu chứa giá trị không hợp lệ."})

    @app.errorhandler(StatementError)
    def _bad_parameter(exc: StatementError) -> Response:
        # SQLAlchemy wraps what a bind parameter's conversion raised (a date out of range).
        if isinstance(exc.orig, OverflowError | UnicodeEncodeError):
            return _bad_data(exc)
        raise exc

    @app.after_request
    def _headers(response: Response) -> Response:
        styled = request.path.startswith(STYLED_PREFIXES)
        style = "style-src 'self' 'unsafe-inline'" if styled else "style-src 'self'"
        response.headers.setdefault("Content-Security-Policy", f"{BASE_CSP}; {style}")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:
            # a route that allows framing (the /cong-khai/<UNIT>/nhung widget) sets its own CSP
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), "
                                                          "geolocation=()")
        if production:
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        if request.path.startswith(("/api/", "/login", "/account", "/paper", "/officer", "/q/",
                                    "/w/")):
            # personal or per-session pages: never stored by shared caches
            response.headers.setdefault("Cache-Control", "no-store")
        return response
