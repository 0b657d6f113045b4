"""The OpenAPI 3.1 document of /api/v1, kept true by tests that validate real responses."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, jsonify

from ...domain.vocab import CHANNELS, FLAG_REASONS, LEVELS, STATUSES
from ..access import public
from .blueprint import bp
from .docs_comments import comments_paths, comments_schemas
from .docs_index import failed, index_paths, index_schemas, reply
from .docs_kiosk import kiosk_paths
from .requests import BODIES


def request_schemas() -> dict[str, Any]:
    """The request bodies' schemas, generated from their models (JSON Schema 2020-12)."""
    schemas: dict[str, Any] = {}
    for model in BODIES:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


#: The query parameters every figures route shares, declared once.
UNIT_PERIOD_PARAMS = [
    {"name": "unit", "in": "query", "required": True, "schema": {"type": "string"}},
    {"name": "from", "in": "query", "required": True,
     "schema": {"type": "string", "format": "date"}},
    {"name": "to", "in": "query", "required": True,
     "schema": {"type": "string", "format": "date"}},
    {"name": "subtree", "in": "query", "schema": {"enum": ["0", "1"]}},
    {"name": "lang", "in": "query", "schema": {"enum": ["vi", "en"]}},
]


def token_op(operation_id: str, summary: str, *, responses: dict[str, Any],
             **fields: Any) -> dict[str, Any]:
    """An operation that takes a bearer token (and so may answer 401)."""
    return {"operationId": operation_id, "summary": summary, "security": [{"bearer": []}],
            **fields,
            "responses": {**responses, "401": failed("missing, unknown or revoked token")}}


def json_body(ref: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def path_param(name: str, kind: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    return jsonify(openapi_document())

PERCENT = {"type": ["number", "null"], "minimum": 0, "maximum": 100}


def openapi_document() -> dict[str, Any]:
    """The document, with the public figures' shape derived from the authenticated one."""
    doc = _document()
    schemas = doc["components"]["schemas"]
    public = json.loads(json.dumps(schemas["Figures"]))
    public["required"].remove("flagged")
    del public["properties"]["flagged"]
    schemas["PublicFigures"] = public
    return doc


def _document() -> dict[str, Any]:
    levels = {lv: {"type": "integer", "minimum": 0} for lv in LEVELS}
    shares = {lv: PERCENT for lv in LEVELS}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Survey API — đánh giá mức độ hài lòng tại Bộ phận Một cửa",
            "version": "1",
            "description": "Votes in, satisfaction figures out. Messages are Vietnamese unless "
                           "the request asks for English (?lang=en or Accept-Language: en).",
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error", "message"],
                    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
                },
                "ValidationError": {
                    "type": "object", "required": ["error", "message", "errors"],
                    "properties": {
                        "error": {"type": "string"}, "message": {"type": "string"},
                        "errors": {"type": "object",
                                   "additionalProperties": {"type": "string"}},
                    },
                },
                "Vote": {
                    "type": "object", "required": ["id", "client_id", "status", "flag_reason"],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "integer"},
                        "client_id": {"type": "string", "format": "uuid"},
                        "status": {"enum": list(STATUSES)},
                        "flag_reason": {"enum": [*FLAG_REASONS, None]},
                        "callback": {
                            "type": "object", "required": ["status"],
                            "additionalProperties": False,
                            "description": "only when the vote carried a callback request: "
                                           "opened (a follow-up case exists), refused (bad "
                                           "number or no consent; the vote is stored all the "
                                           "same) or ignored (the answer was not "
                                           "not_satisfied)",
                            "properties": {
                                "status": {"enum": ["opened", "refused", "ignored"]},
                                "error": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        },
                    },
                },
                "Figures": {
                    "type": "object",
                    "required": ["unit", "from", "to", "rule", "n", "counts", "shares",
                                 "satisfaction_rate", "interval95", "sufficient", "flagged"],
                    "additionalProperties": False,
                    "properties": {
                        "unit": {"type": "string"},
                        "from": {"type": "string", "format": "date"},
                        "to": {"type": "string", "format": "date"},
                        "channel": {"enum": [*CHANNELS, None]},
                        "subtree": {"type": "boolean"},
                        "rule": {"const": "share3-v1"},
                        "n": {"type": "integer", "minimum": 0,
                              "description": "valid votes only"},
                        "counts": {"type": "object", "required": list(LEVELS),
                                   "properties": levels, "additionalProperties": False},
                        "shares": {"type": "object", "required": list(LEVELS),
                                   "properties": shares, "additionalProperties": False},
                        "satisfaction_rate": PERCENT,
                        "interval95": {
                            "oneOf": [
                                {"type": "null"},
                                {"type": "object", "required": ["low", "high"],
                                 "properties": {"low": PERCENT, "high": PERCENT}},
                            ],
                            "description": "Wilson score interval of the satisfaction rate",
                        },
                        "sufficient": {"type": "boolean"},
                        "min_n": {"type": "integer"},
                        "flagged": {"type": "integer", "minimum": 0},
                        "source": {"enum": ["live", "snapshot"],
                                   "description": "snapshot: the period is closed and these "
                                                  "are its frozen figures"},
                        "snapshot_hash": {"type": ["string", "null"],
                                          "description": "content hash of the snapshot"},
                        "predecessors": {
                            "type": "array", "items": {"type": "string"},
                            "description": "codes of merged units whose counts were added: "
                                           "the unit's figures for dates before it existed"},
                        "paper": {
                            "type": "object",
                            "description": "present when paper batches' survey periods lie "
                                           "within the dates",
                            "required": ["batches", "issued", "returned", "entered",
                                         "response_rate"],
                            "properties": {
                                "batches": {"type": "integer"}, "issued": {"type": "integer"},
                                "returned": {"type": "integer"},
                                "entered": {"type": "integer"}, "response_rate": PERCENT,
                            },
                        },
                    },
                },
                "PaperBatch": {
                    "type": "object",
                    "required": ["id", "unit", "from", "to", "issued", "returned", "entered",
                                 "remaining", "response_rate"],
                    "properties": {
                        "id": {"type": "integer"}, "unit": {"type": "string"},
                        "label": {"type": ["string", "null"]},
                        "from": {"type": "string", "format": "date"},
                        "to": {"type": "string", "format": "date"},
                        "questionnaire": {"type": "string"}, "version": {"type": "integer"},
                        "issued": {"type": "integer"}, "returned": {"type": "integer"},
                        "entered": {"type": "integer"}, "remaining": {"type": "integer"},
                        "response_rate": PERCENT, "counts": {"type": "object"},
                    },
                },
                "ItemFigures": {
                    "type": "object",
                    "required": ["unit", "from", "to", "questionnaire", "versions"],
                    "properties": {
                        "unit": {"type": "string"}, "questionnaire": {"type": "string"},
                        "from": {"type": "string", "format": "date"},
                        "to": {"type": "string", "format": "date"},
                        "subtree": {"type": "boolean"}, "rule": {"const": "share3-v1"},
                        "versions": {"type": "array", "items": {
                            "type": "object",
                            "required": ["version", "ballots", "items", "elements", "overall"],
                            "properties": {
                                "version": {"type": "integer"},
                                "ballots": {"type": "integer"},
                                "merged_from": {"type": "array", "items": {"type": "integer"}},
                                "items": {"type": "array", "items": {
                                    "type": "object",
                                    "required": ["item", "n", "satisfied", "share"],
                                    "properties": {
                                        "item": {"type": "string"},
                                        "label": {"type": "string"},
                                        "element": {"type": ["string", "null"]},
                                        "n": {"type": "integer"},
                                        "satisfied": {"type": "integer"},
                                        "counts": {"type": "object"},
                                        "share": PERCENT,
                                        "interval95": {"type": ["object", "null"]},
                                    }}},
                                "elements": {"type": "array", "items": {
                                    "type": "object", "required": ["element", "share"],
                                    "properties": {"element": {"type": "string"},
                                                   "label": {"type": "string"},
                                                   "share": PERCENT,
                                                   "items": {"type": "array"}}}},
                                "overall": PERCENT,
                            }}},
                    },
                },
                "Receipt": {
                    "type": "object", "required": ["url", "token", "expires_at", "used"],
                    "additionalProperties": False,
                    "properties": {
                        "url": {"type": "string", "format": "uri"},
                        "token": {"type": "string"},
                        "expires_at": {"type": "string", "format": "date-time"},
                        "used": {"type": "boolean"},
                    },
                },
                "UnitNode": {
                    "type": "object", "required": ["code", "name", "kind", "children"],
                    "properties": {
                        "code": {"type": "string"}, "name": {"type": "string"},
                        "kind": {"type": "string"}, "kind_label": {"type": "string"},
                        "stat_code": {"type": ["string", "null"],
                                      "description": "statistics-office (GSO) code"},
                        "parent": {"type": ["string", "null"]},
                        "valid_from": {"type": ["string", "null"], "format": "date"},
                        "valid_to": {"type": ["string", "null"], "format": "date"},
                        "successor": {"type": ["string", "null"],
                                      "description": "the unit it became part of"},
                        "children": {"type": "array",
                                     "items": {"$ref": "#/components/schemas/UnitNode"}},
                    },
                },
                **index_schemas(),
                **comments_schemas(),
                **request_schemas(),
            },
        },
        "paths": {
            **index_paths(),
            **kiosk_paths(),
            **comments_paths(UNIT_PERIOD_PARAMS),
            "/api/v1/votes": {"post": token_op(
                "votes_create", "Record a vote (idempotent on client_id)",
                requestBody=json_body("VoteIn"), responses={
                    "201": reply("Vote", "stored"),
                    "200": reply("Vote", "identical replay of a stored vote; nothing stored"),
                    "403": failed("the token may not vote for this unit or channel"),
                    "409": failed("client_id already used with different content, or the "
                                  "receipt code already rated its dossier"),
                    "410": failed("the receipt code has expired"),
                    "413": failed("body too large"),
                    "422": failed("invalid input", with_fields=True),
                })},
            "/api/v1/figures": {"get": token_op(
                "figures_show", "Satisfaction figures for a unit and inclusive local dates",
                parameters=[
                    *UNIT_PERIOD_PARAMS,
                    {"name": "channel", "in": "query", "schema": {"enum": list(CHANNELS)}},
                ], responses={
                    "200": reply("Figures", "figures"),
                    "403": failed("the unit is outside the token's scope"),
                    "404": failed("no such unit", with_fields=True),
                    "422": failed("invalid parameters", with_fields=True),
                })},
            "/api/v1/public/figures": {"get": {
                "operationId": "public_figures_show",
                "summary": "Figures of a published, closed period (no token): the same numbers "
                           "and snapshot_hash as /api/v1/figures, without the flagged count",
                "parameters": [
                    *UNIT_PERIOD_PARAMS,
                    {"name": "channel", "in": "query", "schema": {"enum": list(CHANNELS)}},
                ],
                "responses": {
                    "200": reply("PublicFigures", "published figures"),
                    "404": failed("no such unit, or not_published: no published closed "
                                  "period covers exactly this unit and range",
                                  with_fields=True),
                    "422": failed("invalid parameters", with_fields=True),
                }}},
            "/api/v1/figures/items": {"get": token_op(
                "figures_items", "Per item, per element and overall figures of a "
                                 "questionnaire, per version",
                parameters=[
                    *UNIT_PERIOD_PARAMS,
                    {"name": "questionnaire", "in": "query", "required": True,
                     "schema": {"type": "string"}},
                    {"name": "version", "in": "query", "schema": {"type": "integer"}},
                ], responses={
                    "200": reply("ItemFigures", "figures per version"),
                    "403": failed("the unit is outside the token's scope"),
                    "404": failed("no such unit or questionnaire", with_fields=True),
                    "422": failed("invalid parameters", with_fields=True),
                })},
            "/api/v1/receipt-tokens": {"post": token_op(
                "receipt_tokens_create", "A single-use QR code for a dossier receipt (the "
                                         "same code when asked again for the same dossier)",
                requestBody=json_body("ReceiptIn"), responses={
                    "201": reply("Receipt", "a new code"),
                    "200": reply("Receipt", "the dossier's existing code"),
                    "403": failed("the unit is outside the token's scope"),
                    "422": failed("invalid input", with_fields=True),
                })},
            **{f"/api/v1/receipt-tokens/{{token}}.{kind}": {"get": token_op(
                f"receipt_tokens_{kind}", f"The code's QR as {kind.upper()}",
                parameters=[path_param("token", "string")], responses={
                    "200": {"description": kind.upper(), "content": {mimetype: {}}},
                    "403": failed("the unit is outside the token's scope"),
                    "404": failed("no such code"),
                    "410": failed("the code has expired"),
                })} for kind, mimetype in (("png", "image/png"), ("svg", "image/svg+xml"))},
            "/api/v1/paper-batches": {"post": token_op(
                "paper_batches_create", "Register a batch of paper ballots (clerk or admin)",
                requestBody=json_body("PaperBatchIn"), responses={
                    "201": reply("PaperBatch", "created"),
                    "403": failed("not a clerk or admin of the unit"),
                    "422": failed("invalid input", with_fields=True),
                })},
            "/api/v1/paper-batches/{batch_id}": {"get": token_op(
                "paper_batches_show", "A batch with entered and remaining sheets",
                parameters=[path_param("batch_id", "integer")], responses={
                    "200": reply("PaperBatch", "the batch"),
                    "403": failed("not a clerk or admin"),
                    "404": failed("no such batch in the token's scope"),
                })},
            "/api/v1/paper-batches/{batch_id}/ballots": {"post": token_op(
                "paper_batches_ballots", "Key in one sheet of a batch",
                parameters=[path_param("batch_id", "integer")],
                requestBody=json_body("PaperSheetIn"), responses={
                    "201": {"description": "entered", "content": {"application/json": {
                        "schema": {"type": "object", "required": ["batch", "serial", "ballot"],
                                   "properties": {"batch": {"type": "integer"},
                                                  "serial": {"type": "integer"},
                                                  "ballot": {"type": "integer"}}}}}},
                    "403": failed("not a clerk or admin"),
                    "404": failed("no such batch in the token's scope"),
                    "409": failed("the serial is already entered in this batch",
                                  with_fields=True),
                    "422": failed("invalid, or more sheets than were returned",
                                  with_fields=True),
                })},
            "/api/v1/units": {
                "get": {
                    "operationId": "units_index",
                    "summary": "The unit tree",
                    "responses": {"200": {"description": "roots of the tree", "content": {
                        "application/json": {"schema": {
                            "type": "object", "required": ["units"],
                            "properties": {"units": {"type": "array", "items": {
                                "$ref": "#/components/schemas/UnitNode"}}}}}}}},
                },
            },
            "/api/v1/openapi.json": {
                "get": {"operationId": "openapi", "summary": "This document",
                        "responses": {"200": {"description": "OpenAPI 3.1"}}},
            },
        },
    }
