"""A validation failure by field: a message key (``survey_app.messages``) and its parameters.

Domain checks, services and the web layer all speak in problems; the web layer turns them into
Vietnamese or English text (``web/api/problems.py`` for the API).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """A validation failure: a message key and its parameters."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)
