"""The one mapping from validation and service errors to the API's JSON error body:
``{"error": key, "message": text[, "errors": {field: text}]}``, texts in the request's
language (``survey_app.messages``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify

from ...domain.problems import Problem
from ...i18n import current_language
from ...messages import message
from ...services.errors import Conflict, Forbidden, Gone, Invalid, NotFound, ServiceError

#: The status of each kind of service error.
STATUS: tuple[tuple[type[ServiceError], int], ...] = (
    (Invalid, 422), (Forbidden, 403), (NotFound, 404), (Conflict, 409), (Gone, 410))
#: The key of a field-error body by status.
FIELD_KEYS = {422: "invalid", 404: "not_found", 409: "conflict"}


def error(status: int, key: str, params: Mapping[str, Any] | None = None,
          problems: Mapping[str, Problem] | None = None, *, lang: str | None = None
          ) -> Response:
    """The error body for ``key``, with ``problems`` by field when given."""
    lang = lang or current_language()
    body: dict[str, Any] = {"error": key, "message": message(key, lang, params)}
    if problems is not None:
        body["errors"] = {f: message(p.key, lang, p.params) for f, p in problems.items()}
    response = jsonify(body)
    response.status_code = status
    return response


def invalid(problems: Mapping[str, Problem], status: int = 422) -> Response:
    """Problems by field: 422 ``invalid`` (404 ``not_found``, 409 ``conflict``)."""
    return error(status, FIELD_KEYS.get(status, "invalid"), problems=problems)


def status_of(exc: ServiceError) -> int:
    return next(status for kind, status in STATUS if isinstance(exc, kind))


def service_error(exc: ServiceError, *, lang: str | None = None) -> Response:
    """A service's refusal: its status by kind, its key, and its problems by field (never
    for a refusal of access, which names no field)."""
    problems = None if isinstance(exc, Forbidden) else exc.problems
    return error(status_of(exc), exc.key, exc.params, problems, lang=lang)
