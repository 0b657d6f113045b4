"""GET /api/v1/comments in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from ...domain.vocab import CHANNELS, FLAG_REASONS, LEVELS, REASONS, STATUSES
from .docs_index import failed, reply
from .requests import COMMENTS_PAGE_MAX


def comments_schemas() -> dict[str, Any]:
    comment = {
        "type": "object", "additionalProperties": False,
        "required": ["id", "unit", "unit_name", "counter", "channel", "level", "reasons",
                     "text", "counted_at", "status", "flag_reason", "case"],
        "properties": {
            "id": {"type": "integer"}, "unit": {"type": "string"},
            "unit_name": {"type": "string"}, "counter": {"type": ["string", "null"]},
            "channel": {"enum": list(CHANNELS)}, "level": {"enum": [*LEVELS, None]},
            "reasons": {"type": "array", "items": {"enum": list(REASONS)}},
            "text": {"type": "string",
                     "description": "phone and ID numbers masked before storage"},
            "counted_at": {"type": "string", "format": "date-time"},
            "status": {"enum": list(STATUSES)},
            "flag_reason": {"enum": [*FLAG_REASONS, None]},
            "case": {"type": ["integer", "null"], "description": "the follow-up case, if any"},
        },
    }
    return {"Comment": comment, "CommentPage": {
        "type": "object", "required": ["comments", "next"], "additionalProperties": False,
        "properties": {
            "comments": {"type": "array", "maxItems": COMMENTS_PAGE_MAX,
                         "items": {"$ref": "#/components/schemas/Comment"}},
            "next": {"type": ["string", "null"],
                     "description": "pass as ?cursor= for the next page; null on the last"},
        }}}


def comments_paths(unit_period_params: list[dict[str, Any]]) -> dict[str, Any]:
    return {"/api/v1/comments": {"get": {
        "operationId": "comments_list",
        "summary": "Citizens' comments of a unit, newest first, cursor-paginated",
        "security": [{"bearer": []}],
        "parameters": [
            *unit_period_params,
            {"name": "channel", "in": "query", "schema": {"enum": list(CHANNELS)}},
            {"name": "level", "in": "query", "schema": {"enum": list(LEVELS)}},
            {"name": "include_void", "in": "query", "schema": {"enum": ["0", "1"]}},
            {"name": "cursor", "in": "query", "schema": {"type": "string", "maxLength": 200}},
            {"name": "limit", "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": COMMENTS_PAGE_MAX}},
        ],
        "responses": {
            "200": reply("CommentPage", "a page of comments"),
            "401": failed("missing, unknown or revoked token"),
            "403": failed("the unit is outside the token's scope"),
            "404": failed("no such unit", with_fields=True),
            "422": failed("invalid parameters or cursor", with_fields=True),
        },
    }}}
