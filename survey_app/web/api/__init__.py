"""JSON API under /api/v1: bearer tokens, no cookies, errors as {"error", "message",
"errors": {field: message}}.

- ``access``: bearer authentication and the token's principal (``authenticated``) and the
  403 answer of an access rule (``require``);
- ``problems``: the one mapping from validation and service errors to the error body;
- ``requests``: the declared shapes (pydantic) of every body and query string;
- ``docs``: the OpenAPI document; one module per resource for the routes.
"""

from __future__ import annotations

from . import (  # noqa: F401  (routes)
    comments,
    docs,
    figures,
    index,
    paper,
    public_figures,
    receipts,
    units,
    votes,
)
from .blueprint import bp

__all__ = ["bp"]
