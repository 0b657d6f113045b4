"""Error responses: JSON with a message for the API, never a stack trace for anyone."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from .i18n import current_language
from .messages import message

_KEYS = {400: "bad_json", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 413: "too_large", 503: "unavailable"}


def json_error(status: int, key: str, errors: dict[str, str] | None = None) -> Response:
    body: dict[str, object] = {"error": key, "message": message(key, current_language())}
    if errors is not None:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response | HTTPException:
        if _wants_json() and exc.code is not None:
            return json_error(exc.code, _KEYS.get(exc.code, "internal"))
        return exc

    @app.errorhandler(OperationalError)
    def _database_down(exc: OperationalError) -> Response:
        # Database unreachable, locked beyond the timeout, read-only or full: nothing was
        # stored, and the client may retry with the same client_id.
        app.logger.error("database unavailable: %s", exc.orig.__class__.__name__)
        return json_error(503, "unavailable")

    @app.errorhandler(InternalServerError)
    def _internal(exc: InternalServerError) -> Response | InternalServerError:
        # A failed commit in after_request arrives here wrapped; it is still "unavailable".
        if isinstance(exc.original_exception, OperationalError):
            return _database_down(exc.original_exception)
        if _wants_json():
            return json_error(500, "internal")
        return exc
