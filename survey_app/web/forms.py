"""Forms shared by the officer pages."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm

from ..domain.problems import Problem
from ..messages import message
from ..services.errors import ServiceError


class CsrfForm(FlaskForm):
    """CSRF only; fields are read from the request by the views (or a delete button)."""


def form_errors(problems: Mapping[str, Problem], lang: str = "vi") -> dict[str, str]:
    """Messages by form field (an item's ``answers.`` prefix dropped), for a page."""
    return {k.removeprefix("answers."): message(p.key, lang, p.params)
            for k, p in problems.items()}


def service_errors(exc: ServiceError, field: str, lang: str = "vi") -> dict[str, str]:
    """A service's refusal as a page shows it: by field, or as a problem of ``field``."""
    return form_errors(exc.by_field(field), lang)
