"""What a service refuses, without an HTTP status: the web layer maps each kind once per
audience (``web/api/problems.py`` to JSON, ``web/forms.py`` to a page's flash or form errors).

- :class:`Invalid`: the request's data cannot be used (the API answers 422);
- :class:`Forbidden`: the caller may not do this (403);
- :class:`NotFound`: what the request names does not exist, or not for this caller (404);
- :class:`Conflict`: the request contradicts stored state (409);
- :class:`Gone`: it existed but is no longer usable (410).

``key`` is a message key of ``survey_app.messages`` with ``params``; ``problems`` names bad
fields. Errors of the command line (``detail``) carry their own text instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.problems import Problem


class ServiceError(Exception):
    """A request a service cannot meet; see the module docstring for the kinds."""

    default_key = "invalid"

    def __init__(self, key: str | None = None, params: Mapping[str, Any] | None = None,
                 problems: Mapping[str, Problem] | None = None, *,
                 detail: str | None = None) -> None:
        self.key = key or self.default_key
        self.params = dict(params or {})
        self.problems = dict(problems) if problems is not None else None
        super().__init__(detail if detail is not None
                         else ", ".join(self.problems) if self.problems else self.key)

    def by_field(self, field: str) -> dict[str, Problem]:
        """The problems by field; without any, the error itself as a problem of ``field``."""
        return dict(self.problems) if self.problems else {field: Problem(self.key, self.params)}


class Invalid(ServiceError):
    default_key = "invalid"


class Forbidden(ServiceError):
    default_key = "forbidden"


class NotFound(ServiceError):
    default_key = "not_found"


class Conflict(ServiceError):
    default_key = "conflict"


class Gone(ServiceError):
    default_key = "gone"
