"""The kiosk's JSON calls (``/kiosk/api/*``) in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from .docs_index import failed

SETTINGS = {"settings": {
    "type": "object", "required": ["idle_seconds"],
    "description": "idle_seconds: without a touch for this long the tablet returns to its "
                   "first screen in Vietnamese (SURVEY_KIOSK_IDLE_SECONDS)",
    "properties": {"idle_seconds": {"type": "integer", "minimum": 1}}}}

PLACE = {
    "unit": {"type": "object", "required": ["code", "name"],
             "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
    "counter": {"oneOf": [{"type": "null"}, {
        "type": "object", "required": ["code", "name"],
        "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}]},
}


def kiosk_paths() -> dict[str, Any]:
    lang = {"name": "lang", "in": "query", "schema": {"enum": ["vi", "en"]},
            "description": "Vietnamese unless ?lang=en (a tablet's locale is not asked)"}
    return {
        "/kiosk/api/pair": {"post": {
            "operationId": "kiosk_pair",
            "summary": "Exchange a pairing code for a device token",
            "parameters": [lang],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/PairIn"}}}},
            "responses": {
                "201": {"description": "paired", "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["token", "device_id", "unit", "counter", "settings"],
                    "properties": {"token": {"type": "string"},
                                   "device_id": {"type": "integer"}, **PLACE,
                                   **SETTINGS}}}}},
                "404": failed("no such code", with_fields=True),
                "410": failed("the code has expired", with_fields=True),
                "422": failed("malformed or already used", with_fields=True),
                "429": failed("too many wrong codes from this address; see Retry-After",
                                      with_fields=True),
            },
        }},
        "/kiosk/api/device": {"get": {
            "operationId": "kiosk_device",
            "summary": "The tablet's unit, counter and questionnaire",
            "security": [{"bearer": []}],
            "parameters": [lang],
            "responses": {
                "200": {"description": "the registration", "content": {"application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["device_id", "unit", "counter", "questionnaire",
                                     "settings"],
                        "properties": {
                            "device_id": {"type": "integer"}, **PLACE,
                            "questionnaire": {"oneOf": [{"type": "null"}, {
                                "type": "object", "required": ["code", "version"],
                                "properties": {"code": {"type": "string"},
                                               "version": {"type": "integer"}}}]},
                            **SETTINGS,
                        }}}}},
                "401": failed("unknown or revoked device token"),
            },
        }},
    }
