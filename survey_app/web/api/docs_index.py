"""The index part of the OpenAPI document (merged into :func:`docs.openapi_document`)."""

from __future__ import annotations

from typing import Any

from ...domain.index import FORMULAS

POINTS = {"type": ["number", "null"], "description": "points, two decimals, half-up"}
PERCENT = {"type": ["number", "null"], "minimum": 0, "maximum": 100}
NAME = {"type": ["string", "null"]}


def failed(description: str, with_fields: bool = False) -> dict[str, Any]:
    """An error response of the document: Error, or ValidationError with field errors."""
    ref = "ValidationError" if with_fields else "Error"
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def reply(ref: str, description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def index_schemas() -> dict[str, Any]:
    unit = {
        "type": "object",
        "required": ["unit", "name", "total", "rank", "band", "components", "bonus",
                     "satisfaction_rate", "n", "sufficient", "complete", "missing",
                     "not_applicable", "previous_total", "delta"],
        "additionalProperties": False,
        "properties": {
            "unit": {"type": "string"}, "name": NAME,
            "total": {**POINTS, "description": "points, two decimals, half-up; provisional "
                                               "(missing components count 0) while complete "
                                               "is false"},
            "rank": {"type": ["integer", "null"], "minimum": 1,
                     "description": "competition rank in the block (1, 2, 2, 4); null for "
                                    "units marked ranked: false, incomplete units and units "
                                    "without a total"},
            "band": {**NAME, "description": "null for an incomplete unit"},
            "components": {"type": "object", "additionalProperties": POINTS,
                           "description": "points of every component by code, tree order"},
            "bonus": POINTS,
            "satisfaction_rate": {**PERCENT, "description": "percent, one decimal"},
            "n": {"type": ["integer", "null"], "minimum": 0,
                  "description": "n of the satisfaction component (valid votes)"},
            "sufficient": {"type": "boolean",
                           "description": "false when a computed component is below min_n"},
            "complete": {"type": "boolean",
                         "description": "every leaf component scored or declared not "
                                        "applicable; only complete units are ranked"},
            "missing": {"type": "array", "items": {"type": "string"},
                        "description": "codes of the leaf components without points that are "
                                       "not declared not applicable (no appraisal yet, or no "
                                       "figures), tree order"},
            "not_applicable": {"type": "array", "items": {"type": "string"},
                               "description": "codes of the leaf components declared not "
                                              "applicable to the unit; left out, the total "
                                              "rescaled"},
            "previous_total": POINTS, "delta": POINTS,
            "ranked": {"type": "boolean"},
            "reasons": {"type": "object", "additionalProperties": {"type": "string"},
                        "description": "why a component has no points or is flagged"},
        },
    }
    component = {
        "type": "object", "required": ["code", "name", "max", "formula", "parent"],
        "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                       "max": {"type": "number"},
                       "formula": {"enum": [*FORMULAS, None]},
                       "parent": NAME},
    }
    sat_component = {
        "type": "object",
        "required": ["code", "formula", "max", "points", "rate", "n", "sufficient", "reason"],
        "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                       "formula": {"enum": [f for f in FORMULAS if f != "option_credit"]},
                       "max": {"type": "number"}, "points": POINTS, "rate": PERCENT,
                       "n": {"type": ["integer", "null"]}, "sufficient": {"type": "boolean"},
                       "reason": NAME},
    }
    counts = {"type": ["object", "null"], "required": ["very_satisfied", "satisfied",
                                                       "not_satisfied"],
              "additionalProperties": {"type": "integer", "minimum": 0}}
    sat_unit = {
        "type": "object",
        "required": ["unit", "name", "n", "counts", "satisfaction_rate", "interval95",
                     "sufficient", "flagged", "source", "components"],
        "additionalProperties": False,
        "properties": {
            "unit": {"type": "string"}, "name": NAME, "n": {"type": "integer", "minimum": 0},
            "counts": counts, "satisfaction_rate": PERCENT,
            "interval95": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["low", "high"],
                "properties": {"low": PERCENT, "high": PERCENT}}]},
            "sufficient": {"type": "boolean"},
            "flagged": {"type": "integer", "minimum": 0,
                        "description": "suspect votes awaiting review, not counted"},
            "source": {"enum": ["live", "snapshot", None],
                       "description": "snapshot = a closed period's frozen figures"},
            "components": {"type": "array", "items": sat_component},
        },
    }
    head = {"scheme": {"type": "string"}, "year": {"type": "integer"},
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "rule": {"const": "share3-v1"}, "min_n": {"type": "integer"}}
    return {
        "IndexResult": {
            "type": "object", "required": ["scheme", "year", "blocks"],
            "properties": {
                **head, "name": {"type": "string"}, "max_total": {"type": "number"},
                "previous_year": {"type": ["integer", "null"]},
                "components": {"type": "array", "items": component},
                "bands": {"type": "array", "items": {
                    "type": "object", "required": ["label", "min"],
                    "properties": {"label": {"type": "string"}, "min": {"type": "number"}}}},
                "blocks": {"type": "array", "items": {
                    "type": "object", "required": ["name", "units"],
                    "properties": {"name": {"type": "string"},
                                   "units": {"type": "array", "items": unit}}}},
            },
        },
        "IndexSatisfaction": {
            "type": "object", "required": ["scheme", "year", "from", "to", "blocks"],
            "properties": {
                **head,
                "blocks": {"type": "array", "items": {
                    "type": "object", "required": ["name", "units"],
                    "properties": {"name": {"type": "string"},
                                   "units": {"type": "array", "items": sat_unit}}}},
            },
        },
    }


def index_paths() -> dict[str, Any]:
    params = [
        {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "year", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"name": "lang", "in": "query", "schema": {"enum": ["vi", "en"]}},
    ]
    errors = {
        "401": failed("missing, unknown or revoked token"),
        "403": failed("not an admin or officer token, or no unit of the scheme is in the "
                      "officer's subtree"),
        "404": failed("no scheme with this code and year is loaded"),
        "422": failed("unknown query parameters", with_fields=True),
    }

    return {
        "/api/v1/index/{code}/{year}": {"get": {
            "operationId": "index_show",
            "summary": "The scored index: per block, units in rank order (officers: their "
                       "subtree's units, ranked within the whole block)",
            "security": [{"bearer": []}], "parameters": params,
            "responses": {"200": reply("IndexResult", "the ranking"), **errors},
        }},
        "/api/v1/index/{code}/{year}/satisfaction": {"get": {
            "operationId": "index_satisfaction",
            "summary": "The satisfaction component(s) on their own, per block unit",
            "security": [{"bearer": []}], "parameters": params,
            "responses": {"200": reply("IndexSatisfaction", "figures and points"), **errors},
        }},
    }
