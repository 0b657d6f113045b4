"""The one mapping from validation and service errors to the API's JSON error body:
``{"error": key, "message": text[, "errors": {field: text}]}``, texts in the request's
language (``survey_app.messages``).

A pydantic ``ValidationError`` becomes problems by field (:func:`validation_problems`): the
checks of ``requests.py`` raise errors typed by message key, and pydantic's own types map to
the same keys (missing → required, extra_forbidden → unknown_field, …). A service's refusal
(``services/errors.py``) answers by its kind (:func:`service_error`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify
from pydantic import BaseModel, ValidationError

from ...domain.problems import Problem
from ...i18n import current_language
from ...inputs import printable
from ...messages import MESSAGES, message
from ...services.errors import Conflict, Forbidden, Gone, Invalid, NotFound, ServiceError

#: pydantic's error types that stand for a message key of their own.
PYDANTIC_KEYS = {"missing": "required", "extra_forbidden": "unknown_field",
                 "string_too_long": "too_long", "uuid_parsing": "bad_uuid",
                 "uuid_type": "bad_uuid"}


def validation_problems(exc: ValidationError, model: type[BaseModel]) -> dict[str, Problem]:
    """Problems by field for a failed validation: unknown fields first (in the order sent),
    then the model's fields in their declared order."""
    unknown: dict[str, Problem] = {}
    known: dict[str, Problem] = {}
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        name = printable(str(loc[0])) if loc else "body"
        field = model.model_fields.get(name)
        name = (field.alias or name) if field is not None else name
        kind = err["type"]
        key = PYDANTIC_KEYS.get(kind, kind if kind in MESSAGES else "invalid")
        params = dict(err.get("ctx") or {})
        if kind == "string_too_long":
            params = {"max": params.get("max_length")}
        target = unknown if kind == "extra_forbidden" else known
        target.setdefault(name, Problem(key, params))
    order = [f.alias or n for n, f in model.model_fields.items()]
    return {**unknown, **{n: known[n] for n in order if n in known},
            **{n: p for n, p in known.items() if n not in order}}


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
